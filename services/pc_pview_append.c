/* pc_pview_append.c - bringing a persisted place view forward to a later window of its stays. */
#include "pc_pview.h"
#include "pc_pview_impl.h"

#include <stdlib.h>
#include <string.h>

#include "pc_schema.h"
#include "pc_time.h"

/* An append between its steps. */
typedef struct append_state {
  pc_pview_state b;
  const char *old_path, *data_path;
  pc_file data;
  int64_t old_ws, old_we;
  uint64_t kept_n, kept_fp; /* the dataset's stays inside the old window */
  pc_raw st, old;           /* the dataset's /stays, the old index's /place_rows */
  pc_pview_slices sl;
  uint32_t b0, b1;          /* this rank's buckets */
  uint64_t *kstart, *local; /* per bucket b0..b1: first kept row, first row received */
  uint64_t old_fp;          /* fingerprint of the rows kept from the index */
  pc_irow *rows;            /* the rows kept, then merged */
  size_t nk;                /* rows kept */
} append_state;

/* Stream this rank's stays of the new dataset once: check and count them
 * (as a build does), compute every person's grid totals over the new window,
 * and ship to the bucket owners the stays the index lacks and the new totals
 * of the grid rows it keeps (a person's total in a grid changes with every
 * day that comes or goes: nearly all do, so all are sent). */
static int append_pass(pc_ctx *ctx, const pc_raw *st, uint64_t lo, uint64_t hi,
                       append_state *a) {
  pc_pview_state *b = &a->b;
  pc_pview *pv = b->pv;
  uint64_t at = lo;
  for (int more;;) {
    PC_CALL(pc_pview_more_steps(ctx, at, hi, &more));
    if (!more) break;
    size_t n = 0, m = 0;
    int rc = pc_pview_read_step(st, at, hi, b->buf, &n);
    if (!rc) rc = pc_pview_check_stays(st, at, b->buf, n, b);
    if (!rc) pc_pview_to_irows(b, b->buf, n);
    for (size_t i = 0; i < n && !rc; i++) {
      const pc_irow *r = &b->irows[i];
      if (pc_irow_kept(r, pv->window_start, a->old_we)) {
        a->kept_n++;
        a->kept_fp += pc_irow_fingerprint(r);
        if (!pc_irow_is_update(r, pv->window_start, a->old_we)) continue;
      }
      b->dest[m] = pc_pview_rank_of(pv, pc_nranks(ctx),
                                    pc_bucket_of(r->place, r->channel, r->start, pv->nbuckets));
      b->irows[m++] = *r; /* m <= i: compacting in place */
    }
    PC_CALL(pc_agree(ctx, rc));
    PC_CALL(pc_shuffle(ctx, b->irows, m, sizeof(pc_irow), b->dest, &b->recv, NULL));
    at += n;
    pc_progress(ctx, at - lo, hi - lo);
  }
  return 0;
}

/* This rank's buckets [b0, b1) of the old index, keeping the rows of stays
 * strictly inside both windows (pc_irow_kept; household rows and the rest
 * are made anew), in order; kstart[k
 * - b0] is the first kept row of bucket k. *expect: rows to receive, about
 * (the kept grid rows' totals, the dropped rows' worth of new days, the
 * households), to reserve at once rather than grow by copies. */
static int read_old_rows(const pc_raw *old, const uint64_t *obstart, uint32_t b0, uint32_t b1,
                         int64_t new_ws, int64_t old_we, pc_irow **rows, uint64_t *kstart, uint64_t *kept_fp,
                         size_t *expect) {
  const uint64_t r0 = obstart[b0], n = obstart[b1] - r0;
  pc_irow *v = pc_malloc((size_t)(n + 1) * sizeof *v, "index rows");
  int rc = v ? pc_raw_read(old, r0, (size_t)n, v) : PC_ERR_MEM;
  size_t m = 0, grid = 0, dropped = 0, hh = 0;
  *kept_fp = 0;
  for (uint32_t k = b0; k < b1 && !rc; k++) {
    kstart[k - b0] = m;
    for (uint64_t i = obstart[k] - r0; i < obstart[k + 1] - r0; i++) {
      if (v[i].channel == PC_CH_HOUSEHOLD) {
        hh++;
      } else if (!pc_irow_kept(&v[i], new_ws, old_we)) {
        dropped++;
      } else {
        grid += v[i].channel == PC_CH_GRID;
        *kept_fp += pc_irow_fingerprint(&v[i]);
        v[m++] = v[i];
      }
    }
  }
  kstart[b1 - b0] = m;
  *rows = v;
  *expect = grid + dropped + dropped / 4 + hh + hh / 16 + 1024;
  return rc;
}

/* Local: the old index's buckets, window and /place_rows (left open in
 * a->old); pv gets its bucket directory. */
static int open_old(pc_ctx *ctx, append_state *a, pc_pview *pv) {
  uint64_t nb = 0;
  pc_file f;
  PC_CALL(pc_indexfile_open(ctx, a->old_path, &f));
  int rc = pc_indexfile_attr_u64(f, "nbuckets", &nb);
  if (!rc) rc = pc_indexfile_attr_i64(f, "window_start", &a->old_ws);
  if (!rc) rc = pc_indexfile_attr_i64(f, "window_end", &a->old_we);
  if (!rc && (nb < 1 || (nb & (nb - 1)) || nb > (1u << 30)))
    rc = PC_ERROR(PC_ERR_DATA, "%s: nbuckets %llu out of range (damaged index?)", a->old_path,
                  (unsigned long long)nb);
  if (!rc) rc = pc_indexfile_read_u64s(f, "bucket_start", (size_t)nb + 1, &pv->bstart);
  if (!rc) rc = pc_raw_open(f, a->old_path, &pc_schema_place_rows, &a->old);
  if (!rc && a->old.nrows != pv->bstart[nb])
    rc = PC_ERROR(PC_ERR_DATA, "%s: place_rows has %llu rows, bucket_start says %llu",
                  a->old_path, (unsigned long long)a->old.nrows,
                  (unsigned long long)pv->bstart[nb]);
  pc_indexfile_close(f);
  pv->nbuckets = (uint32_t)nb;
  return rc;
}

/* Collective, agreed: the old index keeps its buckets (unless another count
 * was asked for), the dataset is opened and its window must not go back. */
static int check_forward(pc_ctx *ctx, append_state *a, int64_t buckets_given, pc_pview *pv) {
  const uint64_t nb = pv->nbuckets;
  int rc = 0;
  if (buckets_given > 0 && (uint64_t)buckets_given != nb)
    rc = PC_ERROR(PC_ERR_CONFIG,
                  "append keeps the %llu buckets of %s; buckets: %lld asks for a rebuild "
                  "(leave out `append`)",
                  (unsigned long long)nb, a->old_path, (long long)buckets_given);
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_pview_open_dataset(ctx, a->data, a->data_path, 1, pv, &a->st, &a->sl, &a->b));
  if (pv->window_start < a->old_ws || pv->window_end < a->old_we) {
    char w0[PC_TIME_HUMAN], w1[PC_TIME_HUMAN], o0[PC_TIME_HUMAN], o1[PC_TIME_HUMAN];
    pc_time_human(pv->window_start, w0), pc_time_human(pv->window_end, w1);
    pc_time_human(a->old_ws, o0), pc_time_human(a->old_we, o1);
    rc = PC_ERROR(PC_ERR_DATA,
                  "%s covers %s .. %s, %s covers %s .. %s: append moves the window forward "
                  "only; rebuild the index (leave out `append`)",
                  a->data_path, w0, w1, a->old_path, o0, o1);
  }
  PC_CALL(pc_agree(ctx, rc));
  pc_log(ctx, "index: appending %.1f h to %s and dropping %.1f h (%llu buckets kept%s)",
         (double)(pv->window_end - a->old_we) / 3600, a->old_path,
         (double)(pv->window_start - a->old_ws) / 3600, (unsigned long long)nb,
         pc_index_buckets(pv->nstays, 0) != nb
             ? "; a rebuild would choose another count, with the same answers"
             : "");
  return 0;
}

/* Phase "read", collective, agreed: this rank's buckets of the old index,
 * the rows kept, and room for what will come. */
static int read_phase(pc_ctx *ctx, append_state *a, pc_pview *pv) {
  const uint32_t b0 = a->b0, b1 = a->b1, nbk = b1 - b0;
  PC_CALL(pc_phase_begin(ctx, "read"));
  a->kstart = pc_malloc(((size_t)nbk + 1) * sizeof *a->kstart, "bucket offsets");
  a->local = pc_malloc(((size_t)nbk + 1) * sizeof *a->local, "bucket offsets");
  int rc = a->kstart && a->local ? 0 : PC_ERR_MEM;
  size_t expect = 0;
  if (!rc)
    rc = read_old_rows(&a->old, pv->bstart, b0, b1, pv->window_start, a->old_we, &a->rows,
                       a->kstart,
                       &a->old_fp, &expect);
  if (!rc) rc = pc_buf_reserve(&a->b.recv, expect);
  pc_raw_close(&a->old);
  pc_phase_end(ctx, pv->bstart[b1] - pv->bstart[b0],
               (pv->bstart[b1] - pv->bstart[b0]) * sizeof(pc_irow));
  PC_CALL(pc_agree(ctx, rc));
  a->nk = a->kstart[nbk];
  return 0;
}

/* Phase "stream", collective, agreed: the dataset's stays and households
 * to the bucket owners, its counts and checksum. */
static int stream_phase(pc_ctx *ctx, append_state *a, pc_pview *pv) {
  const pc_pview_slices *sl = &a->sl;
  PC_CALL(pc_phase_begin(ctx, "stream"));
  PC_CALL(append_pass(ctx, &a->st, sl->s0, sl->s1, a));
  PC_CALL(pc_pview_household_pass(ctx, a->data, sl->q0, sl->q1, 2, &a->b));
  PC_CALL(pc_pview_finish_counts(ctx, a->data, sl->q0, sl->q1, sl->i0, sl->i1, &a->b));
  PC_CALL(pc_agree(ctx, pc_stays_verify(a->data, a->data_path, pv->stays_checksum)));
  pc_phase_end(ctx, sl->s1 - sl->s0, pc_ctx_bytes_moved(ctx));
  return 0;
}

/* Collective, agreed: the rows received, grouped and sorted as the kept
 * rows are, merged into them in one pass; pv's bucket directory redone.
 * *nadd: rows added; *missing: grid totals that found no row. */
static int merge_rows(pc_ctx *ctx, append_state *a, pc_pview *pv, size_t *nadd,
                      uint64_t *missing) {
  const uint32_t b0 = a->b0, b1 = a->b1, nbk = b1 - b0;
  const uint64_t nb = pv->nbuckets;
  pc_irow *in = a->b.recv.data;
  const size_t nin = a->b.recv.n;
  uint64_t *count = a->b.bcount; /* nbuckets + 1 zeros */
  *nadd = 0;
  for (size_t i = 0; i < nin; i++) {
    count[pc_bucket_of(in[i].place, in[i].channel, in[i].start, pv->nbuckets)]++;
    *nadd += !pc_irow_is_update(&in[i], pv->window_start, a->old_we);
  }
  for (uint32_t k = 0, at = 0; k <= nbk; k++) {
    a->local[k] = at;
    if (k < nbk) at += (uint32_t)count[b0 + k];
  }
  int rc = pc_irow_group_sort(in, nin, b0, b1, pv->nbuckets, a->local);
  pc_irow *grown =
      rc ? NULL : pc_realloc(a->rows, (a->nk + *nadd + 1) * sizeof *a->rows, "index rows");
  if (!rc && !grown) rc = PC_ERR_MEM;
  if (grown) a->rows = grown;
  PC_CALL(pc_agree(ctx, rc));
  *missing = 0;
  memset(count, 0, ((size_t)nb + 1) * sizeof *count);
  pc_irow_merge_back(a->rows, a->kstart, in, a->local, nbk, *nadd, pv->window_start, a->old_we,
                     count + b0,
                     missing);
  pc_buf_free(&a->b.recv);
  PC_CALL(pc_sum_u64(ctx, count, (int)nb));
  for (uint64_t k = 0, at = 0; k <= nb; k++) {
    pv->bstart[k] = at;
    if (k < nb) at += count[k];
  }
  return 0;
}

/* Phase "merge", collective, agreed: merge, then the proof that the rows
 * kept from the index are exactly the dataset's stays inside the old window
 * (count and fingerprint) and that every grid total found its row. */
static int merge_phase(pc_ctx *ctx, append_state *a, pc_pview *pv) {
  PC_CALL(pc_phase_begin(ctx, "merge"));
  pc_pview_state *b = &a->b;
  free(b->buf), free(b->irows), free(b->gs), free(b->cum);
  b->buf = NULL, b->irows = NULL, b->gs = NULL, b->cum = NULL;
  size_t nadd = 0;
  uint64_t missing = 0;
  PC_CALL(merge_rows(ctx, a, pv, &nadd, &missing));
  uint64_t v[5] = {a->nk, a->old_fp, a->kept_n, a->kept_fp, missing};
  PC_CALL(pc_sum_u64(ctx, v, 5));
  int rc = 0;
  if (v[0] != v[2] || v[1] != v[3] || v[4] != 0)
    rc = PC_ERROR(PC_ERR_DATA,
                  "cannot append: %s holds %llu %s inside the window of %s, which keeps %llu "
                  "%s of them%s; the data of the days both cover changed (records corrected "
                  "or added late, or stays cut at the window's edge): rebuild the index (leave "
                  "out `append`)",
                  a->data_path, (unsigned long long)v[2], pc_plural(v[2], "stay", "stays"), a->old_path,
                  (unsigned long long)v[0], pc_plural(v[0], "row", "rows"),
                  v[0] == v[2] ? ", with other contents" : "");
  PC_CALL(pc_agree(ctx, rc));
  pv->rows = a->rows;
  pv->nrows = a->nk + nadd;
  a->rows = NULL;
  pc_phase_end(ctx, pv->nrows, 0);
  return 0;
}

/* The steps: the old index, the checks, then the phases read, stream, merge.
 * Buckets stay with the ranks that read them from the old index. */
int pc_pview_append(pc_ctx *ctx, const char *old_path, pc_file data, const char *data_path,
                    int64_t buckets_given, pc_pview *pv) {
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  pv->disp.raw.fd = -1;
  append_state a = {.old_path = old_path, .data_path = data_path, .data = data,
                    .st = {.fd = -1}, .old = {.fd = -1}};
  pc_buf_init(&a.b.recv, sizeof(pc_irow));
  int rc = pc_agree(ctx, open_old(ctx, &a, pv));
  if (!rc) rc = check_forward(ctx, &a, buckets_given, pv);
  if (!rc) rc = pc_agree(ctx, pc_pview_cut_buckets(ctx, pv));
  if (!rc) {
    a.b0 = pv->rank_b0[pc_rank(ctx)];
    a.b1 = pv->rank_b0[pc_rank(ctx) + 1];
    rc = read_phase(ctx, &a, pv);
  }
  if (!rc) rc = stream_phase(ctx, &a, pv);
  if (!rc) rc = merge_phase(ctx, &a, pv);
  pc_raw_close(&a.st);
  pc_raw_close(&a.old);
  pc_pview_free_state(&a.b);
  free(a.rows);
  free(a.kstart);
  free(a.local);
  return rc;
}
