/* pc_employers.c - dispatch's lists per employer: employers joined from /persons, a group per employer, a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_employers.h"
#include "pc_err.h"
#include "pc_lists.h"
#include "pc_sort.h"

/* The employer of each row, emp[j] of it[byp[j].val] (byp: the rows in pid
 * order): /persons merged in chunks; 0 when none. */
static int join_employers(pc_file data, const pc_list_row *it, const pc_kv *byp, size_t n,
                          uint64_t *emp) {
  pc_table d;
  PC_CALL(pc_table_open(data, NULL, &pc_schema_persons, &d));
  const size_t C = 1 << 20;
  pc_person *buf = pc_malloc(C * sizeof *buf, "persons");
  int rc = buf ? 0 : PC_ERR_MEM;
  size_t j = 0;
  for (uint64_t at = 0; at < d.nrows && j < n && !rc; at += C) {
    size_t m = (size_t)(d.nrows - at < C ? d.nrows - at : C);
    if ((rc = pc_table_read(&d, at, m, buf))) break;
    for (size_t i = 0; i < m && j < n; i++) {
      while (j < n && it[byp[j].val].pid < buf[i].pid) j++;
      while (j < n && it[byp[j].val].pid == buf[i].pid) emp[j++] = buf[i].employer;
    }
  }
  free(buf);
  pc_table_close(&d);
  return rc;
}

/* The staff - it[sel[i]] of employer emp[i], i < m - in a work unit's
 * order into E->rows (employer; then as a jurisdiction's list, its staff
 * living anywhere: pc_listform_sort); one list per employer. */
static int make_lists(pc_employers *E, const pc_list_row *it, const uint32_t *sel,
                      const uint64_t *emp, size_t m) {
  uint32_t *ord = pc_malloc((m + 1) * sizeof *ord, "employers");
  int rc = ord ? pc_listform_sort(it, sel, m, emp, ord) : PC_ERR_MEM;
  E->rows = rc ? NULL : pc_malloc((m + 1) * sizeof *E->rows, "employers");
  E->lists = E->rows ? pc_calloc(m + 1, sizeof *E->lists, "employers") : NULL;
  if (!rc && !E->lists) rc = PC_ERR_MEM;
  for (size_t j = 0; j < m && !rc; j++) {
    const size_t i = ord[j];
    E->rows[j] = it[sel[i]];
    if (!j || emp[i] != emp[ord[j - 1]]) {
      pc_list_info *l = &E->lists[E->nlists++];
      l->jurisdiction = l->short_code = emp[i];
      pc_listgroups_name(l, l->file, sizeof l->file);
    }
    pc_list_info *l = &E->lists[E->nlists - 1];
    l->count++;
    l->red += !strcmp(E->rows[j].code, "red");
    l->yellow += !strcmp(E->rows[j].code, "yellow");
  }
  E->n = rc ? 0 : m;
  free(ord);
  return rc;
}

int pc_employers_collect(pc_file data, const pc_list_row *it, const pc_kv *byp, size_t n,
                         pc_employers *E) {
  memset(E, 0, sizeof *E);
  uint64_t *emp = pc_calloc(n + 1, sizeof *emp, "employers");
  uint32_t *sel = emp ? pc_malloc((n + 1) * sizeof *sel, "employers") : NULL;
  int rc = sel ? join_employers(data, it, byp, n, emp) : PC_ERR_MEM;
  size_t m = 0;
  for (size_t j = 0; j < n && !rc; j++) /* the employed, in pid order, packed in place */
    if (emp[j]) emp[m] = emp[j], sel[m++] = (uint32_t)byp[j].val;
  E->without = n - m;
  if (!rc) rc = make_lists(E, it, sel, emp, m);
  free(emp);
  free(sel);
  return rc;
}

int pc_employers_write(const pc_employers *E, const char *dir, const pc_list_batch *b) {
  char h5[64], path[4300];
  snprintf(h5, sizeof h5, "employers.%s.h5", b->stamp);
  snprintf(path, sizeof path, "%s/%s", dir, h5);
  pc_listgroups *g = NULL;
  int rc = pc_listgroups_create(path, b,
                                "RESTRICTED: the flagged staff of each employer (/<employer id>/list, "
                                "its counts in the group's attributes): red first, then yellow, then "
                                "the others; each by township, community (of residence), exposure; "
                                "employers by the dataset's keyed id (no names are kept)", &g);
  size_t at = 0;
  for (size_t k = 0; k < E->nlists && !rc; k++) {
    rc = pc_listgroups_add(g, "employer", &E->lists[k], E->rows + at, E->lists[k].count);
    at += E->lists[k].count;
  }
  int rc2 = pc_listgroups_close(g);
  if (!rc) rc = rc2;
  if (!rc) rc = pc_lists_manifest_groups(dir, "employers.csv", "employer", 0, 0, h5, E->lists,
                                         E->nlists);
  return rc;
}

void pc_employers_free(pc_employers *E) {
  free(E->rows);
  free(E->lists);
  memset(E, 0, sizeof *E);
}
