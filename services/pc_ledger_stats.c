/* pc_ledger_stats.c - a ledger's measures per jurisdiction and yield per class and channel at a time, on rank 0. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pc_ledger_stats.h"
#include "pc_sort.h"

#define DAY (24 * 3600LL)

/* Each rank counts its rows into a few keyed rows (jurisdictions, first
 * classes and channels are few), sends them to rank 0, which sorts and sums
 * equal keys: the answer is a sum per key, whatever the ranks held. */

static int measure_cmp(const void *a, const void *b) {
  const pc_ledger_measure *x = a, *y = b;
  return x->jurisdiction < y->jurisdiction ? -1 : x->jurisdiction > y->jurisdiction;
}

static int yield_cmp(const void *a, const void *b) {
  const pc_ledger_yield *x = a, *y = b;
  int c = strncmp(x->cls, y->cls, sizeof x->cls);
  return c ? c : strncmp(x->channel, y->channel, sizeof x->channel);
}

/* One person's part of their jurisdiction's measures at `at` (campaign.md). */
static void measure_add(pc_ledger_measure *m, const pc_ledger_row *r, int64_t at) {
  const int level = pc_ledger_level(r);
  m->flagged++;
  m->active_red += level == PC_LCODE_RED;
  m->active_yellow += level == PC_LCODE_YELLOW;
  m->reached += r->reached_at != 0;
  m->reached_24h += r->reached_at != 0 && r->reached_at - r->flagged_at <= DAY;
  m->tested += r->tests > 0;
  m->positive += r->positive_at != 0;
  m->overdue += r->flagged_at < at - DAY && r->reached_at == 0 && level > PC_LCODE_GREEN;
}

/* Sorts rows (n of size) by cmp and sums the counters of equal keys into
 * the first: the counters are the uint64 fields from byte `from` on. */
static size_t fold(void *rows, size_t n, size_t size, size_t from,
                   int (*cmp)(const void *, const void *)) {
  char *p = rows;
  pc_qsort(p, n, size, cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char *r = p + i * size, *last = k ? p + (k - 1) * size : NULL;
    if (last && cmp(last, r) == 0) {
      for (size_t o = from; o < size; o += sizeof(uint64_t)) {
        uint64_t a, b;
        memcpy(&a, last + o, sizeof a);
        memcpy(&b, r + o, sizeof b);
        a += b;
        memcpy(last + o, &a, sizeof a);
      }
      continue;
    }
    if (k != i) memcpy(p + k * size, r, size);
    k++;
  }
  return k;
}

/* The row of b with the key of *key (b sorted by cmp), inserted zeroed
 * but for the key when absent: b holds one row per jurisdiction or per
 * class and channel, a few hundred at most. NULL: out of memory. */
static void *row_for(pc_buf *b, const void *key, size_t keylen,
                     int (*cmp)(const void *, const void *)) {
  size_t lo = 0, hi = b->n;
  char *p = b->data;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cmp(p + mid * b->rowsize, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo < b->n && cmp(p + lo * b->rowsize, key) == 0) return p + lo * b->rowsize;
  if (pc_buf_grow(b, 1)) return NULL;
  p = b->data;
  memmove(p + (lo + 1) * b->rowsize, p + lo * b->rowsize, (b->n - lo) * b->rowsize);
  memset(p + lo * b->rowsize, 0, b->rowsize);
  memcpy(p + lo * b->rowsize, key, keylen);
  b->n++;
  return p + lo * b->rowsize;
}

/* This rank's rows counted into m (per jurisdiction) and y (per first
 * class and channel, the cases when first seen left out), sorted. */
static int count_local(const pc_ledger_row *r, size_t n, int64_t at, pc_buf *m, pc_buf *y) {
  for (size_t i = 0; i < n; i++) {
    pc_ledger_measure km = {.jurisdiction = r[i].jurisdiction};
    pc_ledger_measure *M = row_for(m, &km, sizeof km.jurisdiction, measure_cmp);
    if (!M) return PC_ERR_MEM;
    measure_add(M, &r[i], at);
    if (!strcmp(r[i].first_cls, "hop0") || !strcmp(r[i].first_cls, "positive")) continue;
    pc_ledger_yield ky;
    memset(&ky, 0, sizeof ky);
    memcpy(ky.cls, r[i].first_cls, sizeof ky.cls);
    memcpy(ky.channel, r[i].first_channel, sizeof ky.channel);
    pc_ledger_yield *Y = row_for(y, &ky, offsetof(pc_ledger_yield, flagged), yield_cmp);
    if (!Y) return PC_ERR_MEM;
    Y->flagged++;
    Y->positive += r[i].case_at != 0 && r[i].case_at > r[i].flagged_at;
  }
  return 0;
}

/* The rows of b go to rank 0 and are folded there into *out (NULL elsewhere). */
static int to_rank0(pc_ctx *ctx, pc_buf *b, size_t from, int (*cmp)(const void *, const void *),
                    void **out, size_t *nout) {
  int *dest = pc_calloc(b->n + 1, sizeof *dest, "campaign stats");
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  pc_buf got;
  pc_buf_init(&got, b->rowsize);
  int rc = pc_shuffle(ctx, b->data, b->n, b->rowsize, dest, &got, NULL);
  free(dest);
  if (rc) {
    pc_buf_free(&got);
    return rc;
  }
  *nout = fold(got.data, got.n, got.rowsize, from, cmp);
  *out = pc_rank(ctx) == 0 ? got.data : NULL;
  if (pc_rank(ctx) != 0) pc_buf_free(&got);
  return 0;
}

int pc_ledger_stats(pc_ctx *ctx, const pc_ledger_row *rows, size_t n, int64_t at,
                    pc_ledger_measure **m, size_t *nm, pc_ledger_yield **y, size_t *ny) {
  *m = NULL, *y = NULL, *nm = *ny = 0;
  pc_buf M, Y;
  pc_buf_init(&M, sizeof(pc_ledger_measure));
  pc_buf_init(&Y, sizeof(pc_ledger_yield));
  int rc = pc_agree(ctx, count_local(rows, n, at, &M, &Y));
  void *pm = NULL, *py = NULL;
  if (!rc) rc = to_rank0(ctx, &M, offsetof(pc_ledger_measure, flagged), measure_cmp, &pm, nm);
  if (!rc) rc = to_rank0(ctx, &Y, offsetof(pc_ledger_yield, flagged), yield_cmp, &py, ny);
  pc_buf_free(&M);
  pc_buf_free(&Y);
  if (rc) {
    free(pm);
    free(py);
    *nm = *ny = 0;
    return rc;
  }
  *m = pm, *y = py;
  if (pc_rank(ctx) != 0) *nm = *ny = 0;
  return 0;
}
