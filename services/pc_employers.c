/* pc_employers.c - dispatch's lists per employer: employers joined from /persons, a group per employer, a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_employers.h"
#include "pc_err.h"
#include "pc_hash.h"
#include "pc_lists.h"
#include "pc_sort.h"

/* The employer of each row, emp[j] of it[byp[j].val] (byp: the rows in pid
 * order): /persons merged in chunks from the first of their pids (found by
 * bisection: a rank's part of an output is a range of pids); 0 when none. */
static int join_employers(pc_file data, const pc_list_row *it, const pc_kv *byp, size_t n,
                          uint64_t *emp) {
  pc_table d;
  if (!n) return 0;
  PC_CALL(pc_table_open(data, NULL, &pc_schema_persons, &d));
  const size_t C = 1 << 20;
  pc_person *buf = pc_malloc(C * sizeof *buf, "persons");
  int rc = buf ? 0 : PC_ERR_MEM;
  size_t j = 0;
  uint64_t lo = 0; /* the first person at or after the rows' first pid */
  if (!rc) rc = pc_table_lower_bound(&d, it[byp[0].val].pid, buf, &lo);
  for (uint64_t at = lo; at < d.nrows && j < n && !rc; at += C) {
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

/* The rank that lists employer e: by a mix of its id (the dataset's ids
 * need not be spread over their range). */
static int owner_of(uint64_t e, int P) {
  return pc_owner_of(pc_mix64(e), P);
}

int pc_employers_join(pc_file data, const pc_list_row *it, const pc_kv *byp, size_t n,
                      pc_employers *E) {
  memset(E, 0, sizeof *E);
  uint64_t *by_pid = pc_calloc(n + 1, sizeof *by_pid, "employers");
  E->emp = by_pid ? pc_calloc(n + 1, sizeof *E->emp, "employers") : NULL;
  int rc = E->emp ? join_employers(data, it, byp, n, by_pid) : PC_ERR_MEM;
  for (size_t j = 0; j < n && !rc; j++) E->emp[byp[j].val] = by_pid[j];
  for (size_t i = 0; i < n && !rc; i++) E->without += !E->emp[i];
  free(by_pid);
  return rc;
}

/* What a staff row costs the rank that lists it: the row, its employer, its
 * place in the order and the sort's room. */
enum { STAFF_EXTRA = 8 + 4 + 56 }; /* pc_listform_sort: 56 B a row */

int pc_employers_need(pc_ctx *ctx, const pc_employers *E, size_t n, double *bytes) {
  const int P = pc_nranks(ctx);
  uint64_t *to = pc_calloc((size_t)P, sizeof *to, "employers");
  int rc = to ? 0 : PC_ERR_MEM;
  for (size_t i = 0; i < n && !rc; i++)
    if (E->emp[i]) to[owner_of(E->emp[i], P)]++;
  if (!(rc = pc_agree(ctx, rc))) rc = pc_sum_u64(ctx, to, P);
  if (!rc) *bytes = (double)to[pc_rank(ctx)] * (sizeof(pc_list_row) + STAFF_EXTRA);
  free(to);
  return pc_agree(ctx, rc);
}

int pc_employers_spread(pc_ctx *ctx, pc_list_row *it, size_t n, pc_employers *E) {
  const int P = pc_nranks(ctx), me = pc_rank(ctx);
  int *dest = pc_malloc((n + 1) * sizeof *dest, "employers");
  int rc = dest ? 0 : PC_ERR_MEM;
  size_t own = 0; /* this rank's employed rows of its own employers: kept, not sent */
  for (size_t i = 0; i < n && !rc; i++) {
    /* each row carries its employer in its township's name, joined only after */
    memcpy(it[i].township_name, &E->emp[i], sizeof E->emp[i]);
    dest[i] = E->emp[i] ? owner_of(E->emp[i], P) : me;
    own += E->emp[i] && dest[i] == me;
  }
  pc_buf got; /* the others' staff of this rank's employers, then its own */
  pc_buf_init(&got, sizeof *it);
  PC_CALLG(pc_agree(ctx, rc), out);
  rc = pc_shuffle_others(ctx, it, n, sizeof *it, dest, &got, NULL);
  if (!rc) rc = pc_buf_reserve(&got, got.n + own + 1);
  for (size_t i = 0; i < n && !rc; i++)
    if (E->emp[i] && dest[i] == me) memcpy((pc_list_row *)got.data + got.n++, &it[i], sizeof *it);
  for (size_t i = 0; i < n; i++) memset(it[i].township_name, 0, sizeof E->emp[i]);
  free(E->emp);
  E->emp = NULL;
  free(dest), dest = NULL;
  PC_CALLG(pc_agree(ctx, rc), out);
  const size_t k = got.n;
  pc_list_row *rows = got.data;
  uint64_t *emp = pc_malloc((k + 1) * sizeof *emp, "employers");
  uint32_t *ord = emp ? pc_malloc((k + 1) * sizeof *ord, "employers") : NULL;
  rc = ord ? 0 : PC_ERR_MEM;
  if (!rc && k >= UINT32_MAX) rc = PC_ERROR(PC_ERR_ARG, "employers: 2^32 staff on one rank");
  for (size_t i = 0; i < k && !rc; i++) {
    memcpy(&emp[i], rows[i].township_name, sizeof emp[i]);
    memset(rows[i].township_name, 0, sizeof emp[i]);
  }
  /* a work unit's order (employer; then as a jurisdiction's list, its staff living
   * anywhere), the rows moved there in place; one list per employer */
  if (!rc) rc = pc_listform_sort(rows, NULL, k, emp, ord);
  size_t m = 0; /* employers */
  for (size_t j = 0; j < k && !rc; j++) m += !j || emp[ord[j]] != emp[ord[j - 1]];
  if (!rc && !(E->lists = pc_calloc(m + 1, sizeof *E->lists, "employers"))) rc = PC_ERR_MEM;
  for (size_t j = 0; j < k && !rc; j++) {
    const uint64_t e = emp[ord[j]];
    if (!j || e != E->lists[E->nlists - 1].jurisdiction) {
      pc_list_info *l = &E->lists[E->nlists++];
      l->jurisdiction = l->short_code = e;
      pc_listgroups_name(l, l->file, sizeof l->file);
    }
    pc_list_info *l = &E->lists[E->nlists - 1];
    l->count++;
    l->red += !strcmp(rows[ord[j]].code, "red");
    l->yellow += !strcmp(rows[ord[j]].code, "yellow");
  }
  if (!rc) pc_listform_permute(rows, ord, k);
  free(emp);
  free(ord);
  if (!rc) {
    E->rows = rows, E->n = k;
    got.data = NULL;
  }
out:
  free(dest);
  pc_buf_free(&got);
  return pc_agree(ctx, rc);
}

/* The employers of every rank, rank by rank (each rank's by id), as rank 0
 * needs them for the file and the summary: (id, count, red, yellow) each. */
static int all_employers(pc_ctx *ctx, const pc_employers *E, uint64_t **all, size_t *na) {
  uint64_t *mine = pc_malloc((4 * E->nlists + 1) * sizeof *mine, "employers");
  int rc = mine ? 0 : PC_ERR_MEM;
  for (size_t k = 0; k < E->nlists && !rc; k++) {
    const pc_list_info *l = &E->lists[k];
    mine[4 * k] = l->jurisdiction;
    mine[4 * k + 1] = l->count, mine[4 * k + 2] = l->red, mine[4 * k + 3] = l->yellow;
  }
  PC_CALLG(pc_agree(ctx, rc), out);
  rc = pc_allgather_u64(ctx, mine, 4 * E->nlists, all, na);
  *na /= 4;
out:
  free(mine);
  return rc;
}

/* Rank 0's rounds of the file: the employers of one rank, consecutive, of at
 * most cap rows in all (a larger one alone); the round that starts at
 * employer k of a (ids, counts; na of them, rank by rank; owner: each one's
 * rank) ends at. */
static size_t round_end(const uint64_t *a, size_t na, const int *owner, size_t k, size_t cap) {
  size_t rows = a[4 * k + 1], e = k + 1;
  while (e < na && owner[e] == owner[k] && rows + a[4 * e + 1] <= cap) rows += a[4 * e++ + 1];
  return e;
}

/* The rows of a round of the employers' file. */
static size_t feed_cap(void) {
  return pc_feed_rows(PC_EMPLOYERS_FEED_BYTES, sizeof(pc_list_row));
}

/* Rank 0: employers.<batch>.h5 at path, a group per employer, rank by rank
 * (lists, na of them; owner: each one's rank), its own staff where they
 * are, the others' taken round by round into buf (the largest round);
 * count: P zeros. Every round is taken, also after a failure here. */
static int write_file(pc_ctx *ctx, const pc_employers *E, const pc_list_batch *b,
                      const uint64_t *a, size_t na, const int *owner, pc_list_row *buf,
                      uint64_t *count, const pc_list_info *lists, const char *path) {
  pc_listgroups *g = NULL;
  int rc = pc_listgroups_create(path, b,
                                "RESTRICTED: the flagged staff of each employer (/<employer id>/list, "
                                "its counts in the group's attributes): red first, then yellow, then "
                                "the others; each by township, community (of residence), exposure; "
                                "employers by the dataset's keyed id (no names are kept)", &g);
  size_t own = 0; /* rank 0's staff written so far */
  for (size_t k = 0, e, cap = feed_cap(); k < na; k = e) {
    e = round_end(a, na, owner, k, cap);
    const pc_list_row *rows = E->rows + own;
    if (owner[k]) { /* another rank's employers: their staff come */
      for (size_t j = k; j < e; j++) count[owner[k]] += a[4 * j + 1];
      int taken = pc_feed_take(ctx, buf, sizeof *buf, count);
      count[owner[k]] = 0;
      if (taken) { /* MPI failed: the others cannot be drained */
        rc = rc ? rc : taken;
        break;
      }
      rows = buf;
    }
    size_t n = 0; /* the round's rows: their room taken before they are written */
    for (size_t j = k; j < e; j++) n += lists[j].count;
    if (!rc) rc = pc_listgroups_room(g, n, e - k);
    for (size_t j = k; j < e; j++) {
      if (!rc) rc = pc_listgroups_add(g, "employer", &lists[j], rows, lists[j].count);
      rows += lists[j].count;
      if (!owner[k]) own += lists[j].count;
    }
  }
  int rc2 = pc_listgroups_close(g);
  return rc ? rc : rc2;
}

static int by_id(const void *pa, const void *pb) {
  const pc_list_info *a = pa, *b = pb;
  return (a->jurisdiction > b->jurisdiction) - (a->jurisdiction < b->jurisdiction);
}

int pc_employers_write(pc_ctx *ctx, pc_employers *E, const char *dir, const pc_list_batch *b) {
  const int me = pc_rank(ctx), P = pc_nranks(ctx);
  uint64_t *a = NULL;
  size_t na = 0, rounds = 0, most = 0;
  PC_CALL(all_employers(ctx, E, &a, &na));
  int *owner = pc_malloc((na + 1) * sizeof *owner, "employers");
  /* had before anything is sent: rank 0's lists and counts, a sender's pieces */
  pc_list_info *lists = owner && !me ? pc_calloc(na + 1, sizeof *lists, "employers") : NULL;
  uint64_t *piece = owner ? pc_calloc(2 * na + (size_t)P + 1, sizeof *piece, "employers") : NULL;
  pc_list_row *buf = NULL;
  pc_feed *f = NULL;
  int rc = owner && piece && (me || lists) ? 0 : PC_ERR_MEM;
  E->staff = 0;
  E->employers = na;
  for (size_t k = 0; k < na && !rc; k++) {
    owner[k] = owner_of(a[4 * k], P);
    E->staff += a[4 * k + 1];
  }
  uint64_t *start = piece, *cnt = piece + na; /* a sender's round i: its rows there */
  for (size_t k = 0, e, off = 0, cap = feed_cap(); k < na && !rc; k = e, rounds++) {
    e = round_end(a, na, owner, k, cap);
    size_t n = 0;
    for (size_t j = k; j < e; j++) n += a[4 * j + 1];
    if (owner[k] && n > most) most = n;
    if (me && owner[k] == me) start[rounds] = off, cnt[rounds] = n, off += n;
  }
  if (!rc && me) rc = pc_feed_new(rounds, &f);
  if (!rc && !me && P > 1 && !(buf = pc_malloc((most + 1) * sizeof *buf, "employers' rows")))
    rc = PC_ERR_MEM;
  for (size_t k = 0; k < na && !rc && !me; k++) {
    pc_list_info *l = &lists[k];
    l->jurisdiction = l->short_code = a[4 * k];
    l->count = a[4 * k + 1], l->red = a[4 * k + 2], l->yellow = a[4 * k + 3];
    pc_listgroups_name(l, l->file, sizeof l->file);
  }
  char h5[64], path[4300];
  snprintf(h5, sizeof h5, "employers.%s.h5", b->stamp);
  snprintf(path, sizeof path, "%s/%s", dir, h5);
  rc = pc_agree(ctx, rc);
  if (!rc && me) /* its rounds' pieces, sent without waiting for rank 0 */
    rc = pc_feed_send(ctx, f, E->rows, sizeof *E->rows, rounds, start, cnt);
  if (!rc && !me) rc = write_file(ctx, E, b, a, na, owner, buf, piece + 2 * na, lists, path);
  int sent = pc_feed_end(f);
  rc = pc_agree(ctx, rc ? rc : sent);
  if (!rc && !me) { /* the summary by id, at any rank count */
    pc_qsort(lists, na, sizeof *lists, by_id);
    rc = pc_lists_manifest_groups(dir, "employers.csv", "employer", 0, 0, h5, lists, na);
  }
  free(a);
  free(owner);
  free(lists);
  free(piece);
  free(buf);
  return pc_agree(ctx, rc);
}

void pc_employers_free(pc_employers *E) {
  free(E->rows);
  free(E->lists);
  free(E->emp);
  memset(E, 0, sizeof *E);
}
