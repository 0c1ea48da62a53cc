/* pc_ledger_stats.c - the ledger's measures per jurisdiction and yield per channel at a time, summed on rank 0. */
#include <stdlib.h>
#include <string.h>

#include "pc_ledger_stats.h"
#include "pc_err.h"

#define DAY_SECONDS 86400

static void measure_add(pc_ledger_measure *m, const pc_ledger_row *r, int64_t at) {
  int c = pc_ledger_level(r);
  m->flagged++;
  m->active_red += c == PC_LCODE_RED;
  m->active_yellow += c == PC_LCODE_YELLOW;
  m->reached += r->reached_at != 0;
  m->reached_24h += r->reached_at != 0 && r->reached_at - r->flagged_at <= DAY_SECONDS;
  m->tested += r->tests > 0;
  m->positive += r->positive_at != 0;
  m->overdue += r->flagged_at < at - DAY_SECONDS && !r->reached_at && c != PC_LCODE_GREEN;
}

static int by_jurisdiction(const void *a, const void *b) {
  uint64_t x = ((const pc_ledger_measure *)a)->jurisdiction,
           y = ((const pc_ledger_measure *)b)->jurisdiction;
  return x < y ? -1 : x > y;
}

static int by_class(const void *a, const void *b) {
  const pc_ledger_yield *x = a, *y = b;
  int c = strcmp(x->cls, y->cls);
  return c ? c : strcmp(x->channel, y->channel);
}

/* Rows of size `size` sorted by cmp, equal keys summed by add: n reduced in place. */
static size_t fold(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *),
                   void (*add)(void *, const void *)) {
  if (!n) return 0;
  qsort(rows, n, size, cmp);
  char *p = rows;
  size_t k = 0;
  for (size_t i = 1; i < n; i++) {
    if (cmp(p + k * size, p + i * size) == 0)
      add(p + k * size, p + i * size);
    else
      memmove(p + ++k * size, p + i * size, size);
  }
  return k + 1;
}

static void add_measure(void *a, const void *b) {
  uint64_t *x = (uint64_t *)a;
  const uint64_t *y = (const uint64_t *)b;
  for (size_t i = 1; i < sizeof(pc_ledger_measure) / 8; i++) x[i] += y[i];
}

static void add_yield(void *a, const void *b) {
  pc_ledger_yield *x = a;
  const pc_ledger_yield *y = b;
  x->flagged += y->flagged;
  x->positive += y->positive;
}

/* One row per person, folded here, sent to rank 0 and folded again there. */
static int gather(pc_ctx *ctx, pc_buf *local, int (*cmp)(const void *, const void *),
                  void (*add)(void *, const void *), pc_buf *at0) {
  local->n = fold(local->data, local->n, local->rowsize, cmp, add);
  int *dest = calloc(local->n + 1, sizeof *dest); /* every row to rank 0 */
  int rc = dest ? 0 : PC_ERROR(PC_ERR_MEM, "ledger measures");
  PC_CALL(pc_agree(ctx, rc));
  uint64_t sent = 0;
  rc = pc_shuffle(ctx, local->data, local->n, local->rowsize, dest, at0, &sent);
  free(dest);
  if (!rc) at0->n = fold(at0->data, at0->n, at0->rowsize, cmp, add);
  return rc;
}

int pc_ledger_stats(pc_ctx *ctx, const pc_ledger_row *r, size_t n, int64_t at,
                    pc_ledger_measure **m, size_t *nm, pc_ledger_yield **y, size_t *ny) {
  *m = NULL, *y = NULL, *nm = *ny = 0;
  pc_buf lm, ly, gm, gy;
  pc_buf_init(&lm, sizeof(pc_ledger_measure));
  pc_buf_init(&ly, sizeof(pc_ledger_yield));
  pc_buf_init(&gm, sizeof(pc_ledger_measure));
  pc_buf_init(&gy, sizeof(pc_ledger_yield));
  int rc = pc_buf_reserve(&lm, n + 1);
  if (!rc) rc = pc_buf_reserve(&ly, n + 1);
  for (size_t i = 0; i < n && !rc; i++) {
    pc_ledger_measure *q = (pc_ledger_measure *)lm.data + lm.n++;
    memset(q, 0, sizeof *q);
    q->jurisdiction = r[i].jurisdiction;
    measure_add(q, &r[i], at);
    /* yield: what the rules found; a first flag as a case (hop0, a positive test) is not a find */
    if (!strcmp(r[i].first_cls, "hop0") || !strcmp(r[i].first_cls, "positive")) continue;
    pc_ledger_yield *v = (pc_ledger_yield *)ly.data + ly.n++;
    memset(v, 0, sizeof *v);
    memcpy(v->cls, r[i].first_cls, sizeof v->cls);
    memcpy(v->channel, r[i].first_channel, sizeof v->channel);
    v->flagged = 1;
    v->positive = r[i].case_at > r[i].flagged_at;
  }
  rc = pc_agree(ctx, rc);
  if (!rc) rc = gather(ctx, &lm, by_jurisdiction, add_measure, &gm);
  if (!rc) rc = gather(ctx, &ly, by_class, add_yield, &gy);
  pc_buf_free(&lm);
  pc_buf_free(&ly);
  if (rc) {
    pc_buf_free(&gm);
    pc_buf_free(&gy);
    return rc;
  }
  *m = gm.data, *nm = gm.n, *y = gy.data, *ny = gy.n;
  return 0;
}
