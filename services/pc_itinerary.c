/* pc_itinerary.c - itinerary's cases by ordinal (cases.csv or a trace), their public stays gathered on rank 0, merged. */
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_flaggedfile.h"
#include "pc_itinerary.h"
#include "pc_sort.h"
#include "pc_trace_cases.h"

void pc_itin_init(pc_itin *I, pc_ctx *ctx, const pc_config *cfg) {
  memset(I, 0, sizeof *I);
  pc_tracer *t = &I->t; /* what pc_tracer_init sets, without trace's channel rules */
  t->ctx = ctx;
  t->cfg = cfg;
  t->stays.fd = -1;
  t->pv.raw.fd = -1;
  t->pv.disp.raw.fd = -1;
  t->data = -1;
  pc_buf_init(&t->flags, sizeof(pc_trace_flag));
  pc_buf_init(&t->unmatched, sizeof(pc_unmatched_row));
  t->data_path = pc_config_str(cfg, "data");
  pc_buf_init(&I->visits, sizeof(pc_itin_visit));
}

void pc_itin_free(pc_itin *I) {
  free(I->cases);
  pc_buf_free(&I->visits);
  free(I->trips);
  free(I->tcases);
  free(I->regions);
  pc_tracer_free(&I->t);
}

int pc_itin_open(pc_itin *I) {
  pc_tracer *t = &I->t;
  uint64_t np;
  PC_CALL(pc_trace_open_data(t, &np));
  const char *index = pc_config_str(t->cfg, "index");
  if (index) PC_CALL(pc_pview_open(t->ctx, index, t->data, t->data_path, &t->pv));
  else
    PC_CALL(pc_pview_build_here(t->ctx, t->cfg, t->data, t->data_path, t->stays.nrows,
                                pc_index_buckets(t->stays.nrows, 0), &t->pv));
  return pc_agree(t->ctx, pc_trace_load_owned(t));
}

/* By onset (or window start), then the input's row. */
static int case_cmp(const void *pa, const void *pb) {
  const pc_itin_case *a = pa, *b = pb;
  if (a->order != b->order) return a->order < b->order ? -1 : 1;
  return (a->row > b->row) - (a->row < b->row);
}

/* cases.csv as trace reads it; its rows not traced logged by line only. */
static int from_cases(pc_itin *I, const pc_key128 *key, int64_t lookback) {
  pc_trace_case *c;
  size_t n;
  PC_CALL(pc_trace_cases_read(&I->t, key, lookback, &c, &n));
  const pc_unmatched_row *u = I->t.unmatched.data;
  for (size_t i = 0; i < I->t.unmatched.n; i++)
    pc_log(I->t.ctx, "itinerary: %s:%llu: not published: %s", pc_config_str(I->t.cfg, "cases"),
           (unsigned long long)u[i].line, u[i].reason);
  I->cases = pc_calloc(n + 1, sizeof *I->cases, "cases");
  for (size_t i = 0; I->cases && i < n; i++)
    I->cases[i] = (pc_itin_case){c[i].pid, c[i].w0, c[i].w1, c[i].onset, 0, c[i].line};
  free(c);
  I->ncases = n;
  return pc_agree(I->t.ctx, I->cases ? 0 : PC_ERR_MEM);
}

/* Rank 0: the hop-0 rows of the trace output's /contacts into out. */
static int read_trace(pc_itin *I, const char *path, pc_buf *out) {
  pc_file f = pc_flaggedfile_open(path);
  if (f < 0) return PC_ERROR(PC_ERR_DATA, "%s: not an HDF5 file (trace: a trace output)", path);
  int64_t as_of = I->t.as_of;
  pc_flag_row *r = NULL;
  size_t n = 0;
  int rc = pc_flagged_check_data(f, path, I->t.data, I->t.data_path);
  if (!rc && pc_flaggedfile_has_attr(f, "as_of")) rc = pc_h5_attr_read_i64(f, "as_of", &as_of);
  if (!rc) rc = pc_flagged_read(f, "contacts", path, &r, &n);
  if (!rc && !pc_flaggedfile_has(f, "contacts"))
    rc = PC_ERROR(PC_ERR_DATA, "%s: no /contacts: not a trace output", path);
  for (size_t i = 0; i < n && !rc; i++) {
    if (r[i].hop != 0) continue;
    if ((rc = pc_buf_grow(out, 1))) break;
    ((pc_itin_case *)out->data)[out->n++] =
        (pc_itin_case){r[i].pid, r[i].exposure, as_of, r[i].exposure, 0, (int32_t)i};
  }
  free(r);
  pc_flaggedfile_close(f);
  return rc;
}

/* A trace output's cases, read on rank 0 and sent to every rank. */
static int from_trace(pc_itin *I, const char *path) {
  pc_ctx *ctx = I->t.ctx;
  pc_buf b;
  pc_buf_init(&b, sizeof(pc_itin_case));
  int rc = pc_rank(ctx) == 0 ? read_trace(I, path, &b) : 0;
  if (rc) pc_buf_free(&b);
  PC_CALL(pc_agree(ctx, rc));
  char *bytes = pc_rank(ctx) == 0 ? b.data : NULL;
  size_t len = pc_rank(ctx) == 0 ? b.n * sizeof(pc_itin_case) : 0;
  if (pc_rank(ctx) == 0 && !bytes) bytes = pc_calloc(1, sizeof(pc_itin_case), "cases");
  rc = pc_agree(ctx, pc_rank(ctx) == 0 && !bytes ? PC_ERR_MEM : 0);
  if (!rc) rc = pc_bcast_bytes(ctx, &bytes, &len);
  if (rc) return rc;
  I->cases = (pc_itin_case *)bytes;
  I->ncases = len / sizeof(pc_itin_case);
  return 0;
}

int pc_itin_cases(pc_itin *I, const pc_key128 *key, int64_t lookback) {
  const char *trace = pc_config_str(I->t.cfg, "trace");
  PC_CALL(trace ? from_trace(I, trace) : from_cases(I, key, lookback));
  pc_qsort(I->cases, I->ncases, sizeof *I->cases, case_cmp);
  for (size_t i = 0; i < I->ncases; i++) I->cases[i].ordinal = (uint32_t)(i + 1);
  return 0;
}

/* This rank's cases' public stays, clipped to their windows. */
static int my_visits(pc_itin *I, pc_buf *mine) {
  pc_ctx *ctx = I->t.ctx;
  for (size_t i = 0; i < I->ncases; i++) {
    const pc_itin_case *c = &I->cases[i];
    if (PC_OWNER(c->pid, pc_nranks(ctx)) != pc_rank(ctx)) continue;
    const pc_stay *s;
    size_t ns;
    PC_CALL(pc_trace_stays_of(&I->t, c->pid, &s, &ns));
    for (size_t k = 0; k < ns; k++) {
      pc_itin_visit v;
      if (!pc_itin_clip(&s[k], c->w0, c->w1, c->ordinal, &v)) continue;
      PC_CALL(pc_buf_grow(mine, 1));
      ((pc_itin_visit *)mine->data)[mine->n++] = v;
    }
  }
  return 0;
}

/* Rank 0: merge the visits, the same-trip table, /regions. */
static int assemble(pc_itin *I, int64_t gap) {
  I->visits.n = pc_itin_merge(I->visits.data, I->visits.n, gap);
  const size_t n = I->visits.n;
  I->trips = pc_malloc((n + 1) * sizeof *I->trips, "same-trip table");
  I->tcases = pc_malloc((n + 1) * sizeof *I->tcases, "same-trip table");
  if (!I->trips || !I->tcases) return PC_ERR_MEM;
  PC_CALL(pc_itin_trips(I->visits.data, n, I->trips, &I->ntrips, I->tcases));
  void *rv = NULL;
  uint64_t nr = 0;
  int rc = pc_table_read_all(I->t.data, NULL, &pc_schema_regions, &rv, &nr);
  I->regions = rv;
  I->nregions = (size_t)nr;
  return rc;
}

int pc_itin_collect(pc_itin *I, int64_t gap) {
  pc_ctx *ctx = I->t.ctx;
  pc_buf mine;
  pc_buf_init(&mine, sizeof(pc_itin_visit));
  int rc = pc_agree(ctx, my_visits(I, &mine));
  int *dest = rc ? NULL : pc_calloc(mine.n + 1, sizeof *dest, "visits"); /* all to rank 0 */
  if (!rc) rc = pc_agree(ctx, dest ? 0 : PC_ERR_MEM);
  if (!rc) rc = pc_shuffle(ctx, mine.data, mine.n, sizeof(pc_itin_visit), dest, &I->visits, NULL);
  free(dest);
  pc_buf_free(&mine);
  if (rc) return rc;
  return pc_agree(ctx, pc_rank(ctx) == 0 ? assemble(I, gap) : 0);
}
