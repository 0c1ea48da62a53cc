/* pc_dispatch.c - dispatch's lists: rows from the flagged tables, phones joined, a set per jurisdiction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_dispatch.h"
#include "pc_flagged.h"
#include "pc_lists.h"
#include "pc_sort.h"

typedef pc_list_row item; /* one person of a list (io/pc_schema.h) */

static int item_pid_cmp(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  return (a->pid > b->pid) - (a->pid < b->pid);
}
/* The callers' order: jurisdiction, township, community, exposure, subject. */
static int item_list_cmp(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  if (a->jurisdiction != b->jurisdiction) return a->jurisdiction < b->jurisdiction ? -1 : 1;
  if (a->township != b->township) return a->township < b->township ? -1 : 1;
  if (a->community != b->community) return a->community < b->community ? -1 : 1;
  if (a->exposure != b->exposure) return a->exposure < b->exposure ? -1 : 1;
  return memcmp(a->subject, b->subject, sizeof a->subject);
}

int pc_dispatch_read(pc_dispatch *D) {
  PC_CALL(pc_lists_open(D->in_path, D->data_path, &D->in, &D->data));
  PC_CALL(pc_flagged_check_data(D->in, D->in_path, D->data, D->data_path));
  static const char *const tables[3] = {"contacts", "companions", "screened"};
  int rc = 0;
  for (int k = 0; k < 3 && !rc; k++)
    rc = pc_flagged_read(D->in, tables[k], D->in_path, &D->r[k], &D->nr[k]);
  if (!rc && !D->nr[0] && !D->nr[1] && !D->nr[2] && !pc_lists_is_flagged_output(D->in))
    rc = PC_ERROR(PC_ERR_DATA, "%s: neither /contacts nor /screened: not a trace or screen output",
                  D->in_path);
  return rc;
}

/* Row y from the flagged row x of table k (0 contacts, 1 companions, 2 screened). */
static int make_row(const pc_dispatch *D, int k, const pc_flag_row *x, item *y) {
  y->pid = x->pid;
  y->exposure = x->exposure;
  y->residence = x->residence;
  y->township = pc_region_cut(x->residence, PC_LEVEL_TOWNSHIP);
  y->community = x->residence;
  memcpy(y->subject, x->subject, sizeof y->subject);
  memcpy(y->subject_type, x->subject_type, sizeof y->subject_type);
  memcpy(y->code, x->code, sizeof y->code);
  if (k == 0) snprintf(y->cls, sizeof y->cls, "hop%u", x->hop);
  else snprintf(y->cls, sizeof y->cls, "%s", k == 1 ? "companion" : "screened");
  if (k == 2) snprintf(y->place, sizeof y->place, "%.32s", x->area);
  else snprintf(y->place, sizeof y->place, "%.40s", x->place);
  /* Lists per county need the input's jurisdiction at county level or finer. */
  if (x->jurisdiction && D->level == PC_LEVEL_COUNTY &&
      pc_region_cut(x->jurisdiction, PC_LEVEL_COUNTY) == pc_region_cut(x->jurisdiction, PC_LEVEL_CITY))
    return PC_ERROR(PC_ERR_CONFIG,
                    "%s assigned people to cities: lists per county need the trace or screen "
                    "run with dispatch: {level: county}", D->in_path);
  y->jurisdiction = pc_region_cut(x->jurisdiction, D->level);
  return 0;
}

int pc_dispatch_rows(pc_dispatch *D) {
  D->it = pc_calloc(D->nr[0] + D->nr[1] + D->nr[2] + 1, sizeof *D->it, "lists");
  if (!D->it) return PC_ERR_MEM;
  size_t n = 0;
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < D->nr[k]; i++) {
      const pc_flag_row *x = &D->r[k][i];
      item *it = D->it;
      if (k == 2 && n && it[n - 1].pid == x->pid) { /* one person in several areas: one row */
        size_t l = strnlen(it[n - 1].place, sizeof it[n - 1].place);
        snprintf(it[n - 1].place + l, sizeof it[n - 1].place - l, ";%.32s", x->area);
        continue;
      }
      PC_CALL(make_row(D, k, x, &it[n++]));
    }
  D->n = n;
  return 0;
}

/* Phones from /identities, merged in pid order (items sorted by pid), in chunks. */
static int join_phones(pc_file data, item *it, size_t n) {
  pc_table d;
  PC_CALL(pc_table_open(data, NULL, &pc_schema_identities, &d));
  const uint64_t N = d.nrows;
  const size_t C = 1 << 20;
  pc_identity *buf = pc_malloc(C * sizeof *buf, "identities");
  int rc = buf ? 0 : PC_ERR_MEM;
  size_t j = 0;
  for (uint64_t at = 0; at < N && j < n && !rc; at += C) {
    size_t m = (size_t)(N - at < C ? N - at : C);
    if ((rc = pc_table_read(&d, at, m, buf))) break;
    for (size_t i = 0; i < m && j < n; i++) {
      while (j < n && it[j].pid < buf[i].pid) j++;
      while (j < n && it[j].pid == buf[i].pid) memcpy(it[j++].phone, buf[i].phone, 11);
    }
  }
  free(buf);
  pc_table_close(&d);
  return rc;
}

int pc_dispatch_join(pc_dispatch *D) {
  pc_qsort(D->it, D->n, sizeof *D->it, item_pid_cmp);
  PC_CALL(join_phones(D->data, D->it, D->n));
  void *rv = NULL;
  int rc = pc_table_read_all(D->data, NULL, &pc_schema_regions, &rv, &D->nreg);
  D->reg = rv;
  if (rc) return rc;
  pc_qsort(D->it, D->n, sizeof *D->it, item_list_cmp);
  return 0;
}

/* The list's file name: "4301-长沙市" (the code's digits at the level, and
 * the name), "unassigned" without a jurisdiction; no '/' nor ' '. */
static void list_name(const pc_dispatch *D, uint64_t jurisdiction, char *name, size_t size) {
  if (jurisdiction) {
    const pc_region *x = pc_region_find(D->reg, D->nreg, jurisdiction);
    snprintf(name, size, "%llu-%s", (unsigned long long)pc_region_short(jurisdiction, D->level),
             x ? x->name : "");
  } else {
    snprintf(name, size, "unassigned");
  }
  for (char *p = name; *p; p++)
    if (*p == '/' || *p == ' ') *p = '_';
}

int pc_dispatch_write(pc_ctx *ctx, pc_dispatch *D) {
  char tmpdir[4200];
  PC_CALL(pc_lists_tmpdir(D->dir, tmpdir, sizeof tmpdir));
  const item *it = D->it;
  size_t lists = 0;
  int rc = 0;
  for (size_t i = 0; i < D->n && !rc;) {
    size_t j = i;
    while (j < D->n && it[j].jurisdiction == it[i].jurisdiction) j++;
    char name[128];
    list_name(D, it[i].jurisdiction, name, sizeof name);
    rc = pc_lists_write(tmpdir, name, it + i, j - i, D->reg, D->nreg, D->in_path);
    if (!rc) pc_log(ctx, "dispatch: %s: %zu persons", name, j - i);
    lists++;
    i = j;
  }
  if (!rc) rc = pc_lists_replace_dir(tmpdir, D->dir);
  else pc_lists_remove_dir(tmpdir);
  if (!rc) pc_log(ctx, "dispatch: %zu persons in %zu lists under %s", D->n, lists, D->dir);
  return rc;
}

void pc_dispatch_free(pc_dispatch *D) {
  for (int k = 0; k < 3; k++) free(D->r[k]);
  free(D->it);
  free(D->reg);
  pc_lists_close(D->in, D->data);
  D->in = D->data = -1;
}
