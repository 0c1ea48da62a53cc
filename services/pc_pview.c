/* pc_pview.c - building the place view and pid directories from a dataset, whole persons a step. */
#include "pc_pview.h"
#include "pc_budget.h"
#include "pc_pview_impl.h"
#include "pc_agroup.h"
#include "pc_rowstream.h"
#include "pc_schema.h"
#include "pc_stay_buckets.h"

#include <stdlib.h>
#include <string.h>

#include "pc_region.h"
#include "pc_sort.h"
#include "pc_time.h"

/* Cut buckets into contiguous ranges of about equal rows, one per rank. */
int pc_pview_cut_buckets(pc_ctx *ctx, pc_pview *pv) {
  uint32_t P = (uint32_t)pc_nranks(ctx);
  pv->rank_b0 = pc_malloc((P + 1) * sizeof *pv->rank_b0, "bucket ranges");
  if (!pv->rank_b0) return PC_ERR_MEM;
  pc_cut_ranges(pv->bstart, pv->nbuckets, P, pv->rank_b0);
  return 0;
}

/* Count the pids of rows [lo, hi) of a table into counts[2^bits]; with
 * `household`, also make the household rows of the place view. */
static int count_pids(pc_file file, const char *name, uint64_t lo, uint64_t hi, int bits,
                      uint64_t *counts) {
  pc_table d; /* only the pid column */
  PC_CALL(pc_table_open(file, name, &pc_view_pid, &d));
  const size_t step = (size_t)1 << 20;
  uint64_t *buf = pc_malloc(step * sizeof *buf, "pid column");
  int rc = buf ? 0 : PC_ERR_MEM;
  for (uint64_t r = lo; r < hi && !rc; r += step) {
    size_t n = hi - r < step ? (size_t)(hi - r) : step;
    rc = pc_table_read(&d, r, n, buf);
    for (size_t i = 0; i < n && !rc; i++) counts[buf[i] >> (64 - bits)]++;
  }
  free(buf);
  pc_table_close(&d);
  return rc;
}

/* First row >= row that starts a person (row 0, or a pid change). */
int pc_stays_person_boundary(const pc_raw *st, uint64_t row, uint64_t *out) {
  if (row == 0 || row >= st->nrows) {
    *out = row < st->nrows ? row : st->nrows;
    return 0;
  }
  pc_stay buf[256];
  uint64_t prev_pid;
  PC_CALL(pc_raw_read(st, row - 1, 1, buf));
  prev_pid = buf[0].pid;
  while (row < st->nrows) {
    size_t n = st->nrows - row < 256 ? (size_t)(st->nrows - row) : 256;
    PC_CALL(pc_raw_read(st, row, n, buf));
    for (size_t i = 0; i < n; i++, row++)
      if (buf[i].pid != prev_pid) {
        *out = row;
        return 0;
      }
  }
  *out = st->nrows;
  return 0;
}

int pc_stays_rank_range(const pc_raw *st, int rank, int nranks, uint64_t *s0, uint64_t *s1) {
  const uint64_t S = pc_agroup_slice_rows(st->nrows);
  uint64_t k0, k1;
  pc_own_range(pc_agroup_nslices(st->nrows), rank, nranks, &k0, &k1);
  PC_CALL(pc_stays_person_boundary(st, k0 * S, s0));
  return pc_stays_person_boundary(st, k1 * S, s1);
}

/* Each whole person's grid totals of stays s[0..n) into b->cum. */
static void grid_cums(pc_pview_state *b, const pc_stay *s, size_t n) {
  const pc_pview *pv = b->pv;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s[j].pid == s[i].pid) j++;
    pc_grid_cum(s + i, j - i, pv->window_start, pv->window_end, b->cum + i, b->gs);
    i = j;
  }
}

static inline void irow_of(pc_irow *r, const pc_stay *s, uint32_t cum) {
  r->pid = s->pid;
  r->place = s->place;
  r->start = s->start;
  r->end = s->end;
  r->cum = cum;
  r->row = s->row;
  r->channel = s->channel;
  r->carriage = s->carriage;
}

/* Turn whole persons' stays buf[0..n) into index rows (with grid totals). */
size_t pc_pview_to_irows(pc_pview_state *b, const pc_stay *s, size_t n) {
  grid_cums(b, s, n);
  for (size_t i = 0; i < n; i++) irow_of(&b->irows[i], &s[i], b->cum[i]);
  return n;
}

/* As pc_pview_to_irows, each row put among its bucket owner's (b->dest
 * ascending, the bucket computed once), so that the shuffle sends them from
 * b->irows with no window and this rank's own, rows [at[me], at[me + 1]),
 * are placed from there: at has nranks + 1 entries. */
static void irows_by_owner(pc_pview_state *b, int nranks, const pc_stay *s, size_t n,
                           size_t *at) {
  const pc_pview *pv = b->pv;
  grid_cums(b, s, n);
  for (int p = 0; p <= nranks; p++) at[p] = 0;
  for (size_t i = 0; i < n; i++) {
    const uint32_t bk = pc_bucket_of(s[i].place, s[i].channel, s[i].start, pv->nbuckets);
    const int o = pc_pview_rank_of(pv, nranks, bk);
    b->dest[i] = o;
    at[o + 1]++;
  }
  for (int p = 0; p < nranks; p++) at[p + 1] += at[p];
  for (size_t i = 0; i < n; i++) irow_of(&b->irows[at[b->dest[i]]++], &s[i], b->cum[i]);
  for (int p = nranks; p > 0; p--) at[p] = at[p - 1]; /* back to each owner's first row */
  at[0] = 0;
  for (int p = 0; p < nranks; p++)
    for (size_t i = at[p]; i < at[p + 1]; i++) b->dest[i] = p;
}

/* Read the next step of this rank's stays [at, hi) into buf, ending at a
 * person boundary unless it reaches hi (the last person may continue in the
 * next step); *n: rows kept. PC_STAYS_READ_ROWS rows, read again 8 times as many
 * (up to PC_STAY_STEP) while one person fills them. */
int pc_pview_read_step(const pc_raw *st, uint64_t at, uint64_t hi, pc_stay *buf, size_t *n) {
  for (size_t want = PC_STAYS_READ_ROWS;; want = want * 8 < PC_STAY_STEP ? want * 8 : PC_STAY_STEP) {
    *n = hi - at < want ? (size_t)(hi - at) : want;
    PC_CALL(pc_raw_read(st, at, *n, buf));
    if (at + *n == hi) return 0;
    size_t m = *n;
    while (m > 0 && buf[m - 1].pid == buf[*n - 1].pid) m--;
    if (m > 0) {
      *n = m;
      return 0;
    }
    if (want == PC_STAY_STEP)
      return PC_ERROR(PC_ERR_DATA, "one person has more than %zu stays", PC_STAY_STEP);
  }
}

/* Stays s[0..n) read at row `at` are well formed and sorted by pid; each
 * adds to the pid directory counts, the channels' longest stay and the
 * checksum, and each person's stay covering the dispatch instant to the
 * dispatch table (when b makes one). */
int pc_pview_check_stays(const pc_raw *st, uint64_t at, const pc_stay *s, size_t n,
                         pc_pview_state *b) {
  pc_pview *pv = b->pv;
  for (size_t i = 0; i < n; i++) {
    if (s[i].channel < 1 || s[i].channel >= PC_NCHANNELS || s[i].end <= s[i].start) {
      char t0[PC_TIME_HUMAN], t1[PC_TIME_HUMAN];
      return PC_ERROR(PC_ERR_DATA, "%s: row %llu: bad stay (channel %u, start %s, end %s)",
                      st->what, (unsigned long long)(at + i), s[i].channel,
                      pc_time_human(s[i].start, t0), pc_time_human(s[i].end, t1));
    }
    if (i > 0 && s[i].pid < s[i - 1].pid)
      return PC_ERROR(PC_ERR_DATA,
                      "%s: not sorted by pid at row %llu: damaged (or not written by paicha "
                      "ingest or synth)",
                      st->what, (unsigned long long)(at + i));
    int64_t d = s[i].end - s[i].start;
    if (d > pv->dmax[s[i].channel]) pv->dmax[s[i].channel] = d;
  }
  /* By runs of one pid slot (the rows are sorted by pid): the slot's count and
   * fingerprints, and, person by person within it, the stay covering the
   * dispatch instant (whole persons: steps end at person boundaries). */
  for (size_t i = 0, j; i < n; i = j) {
    const uint64_t k = pc_piddir_key(&pv->dir, s[i].pid);
    for (j = i + 1; j < n && pc_piddir_key(&pv->dir, s[j].pid) == k; j++) {
    }
    const uint64_t fp = pc_stays_fingerprint_sum(s + i, j - i);
    b->scount[k] += j - i;
    b->ssum[k] += fp;
    b->checksum += fp;
    for (size_t p = i, q; b->has_dat && p < j; p = q) {
      for (q = p + 1; q < j && s[q].pid == s[p].pid; q++) {
      }
      const pc_stay *c = pc_cover_stay(s + p, q - p, b->dat);
      if (!c) continue;
      PC_CALL(pc_buf_grow(&b->dsp, 1));
      ((pc_stay *)b->dsp.data)[b->dsp.n++] = *c;
      b->dcount[k]++;
      b->dsum[k] += pc_stay_fingerprint(c);
    }
  }
  return 0;
}

int pc_pview_received(pc_pview_state *b) {
  if (!b->place) return 0;
  int rc = pc_irow_place(b->place, b->recv.data, b->recv.n);
  b->recv.n = 0;
  return rc;
}

/* Whether any rank has stays of its range left: every rank takes a step
 * (and joins its shuffle) while one has. A count of steps fixed beforehand
 * (ceil(rows / step) + 1, the most of any rank) was not enough: a step ends
 * at a person boundary, so a step reads up to a whole person less than its
 * size, and ranges whose persons have thousands of stays each lost more
 * than a step's worth over all its steps - the rows left unread, the run
 * failing on the stays' checksum as if the file were damaged (found with
 * steps of 32 Ki rows at the city tier). */
int pc_pview_more_steps(pc_ctx *ctx, uint64_t at, uint64_t hi, int *more) {
  uint64_t m = at < hi;
  PC_CALL(pc_max_u64(ctx, &m, 1));
  *more = m != 0;
  return 0;
}

/* One pass over this rank's stays [lo, hi) in steps that end at person
 * boundaries. Pass 1 checks and counts; pass 2 ships rows to bucket owners. */
static int stays_pass(pc_ctx *ctx, const pc_raw *st, uint64_t lo, uint64_t hi, int pass,
                      pc_pview_state *b) {
  pc_pview *pv = b->pv;
  uint64_t at = lo;
  for (int more;;) {
    PC_CALL(pc_pview_more_steps(ctx, at, hi, &more));
    if (!more) break;
    size_t n = 0;
    int rc = pc_pview_read_step(st, at, hi, b->buf, &n);
    if (!rc && (pass == 1 || b->counted)) rc = pc_pview_check_stays(st, at, b->buf, n, b);
    if (!rc && pass == 1) {
      pc_stays_bucket_count(b->buf, n, pv->nbuckets, b->bcount);
    } else if (!rc && pass == 2) {
      irows_by_owner(b, pc_nranks(ctx), b->buf, n, b->owner_at);
      if (b->take) rc = b->take->take(b->take->arg, b->buf, at, n);
    }
    PC_CALL(pc_agree(ctx, rc));
    if (pass == 2) {
      /* This rank's own rows placed from where they are, the others' as they come. */
      const size_t *o = b->owner_at + pc_rank(ctx);
      PC_CALL(pc_shuffle_others(ctx, b->irows, n, sizeof(pc_irow), b->dest, &b->recv, NULL));
      PC_CALL(pc_agree(ctx, pc_irow_place(b->place, b->irows + o[0], o[1] - o[0])));
      PC_CALL(pc_agree(ctx, pc_pview_received(b)));
    }
    at += n;
    pc_progress(ctx, at - lo, hi - lo);
  }
  return 0;
}

/* Household rows of persons [lo, hi): one per member, spanning the window. */
int pc_pview_household_pass(pc_ctx *ctx, pc_file data, uint64_t lo, uint64_t hi, int pass,
                            pc_pview_state *b) {
  pc_pview *pv = b->pv;
  pc_table d;
  PC_CALL(pc_agree(ctx, pc_table_open(data, NULL, &pc_schema_persons, &d)));
  /* a step's household rows go to b->irows and b->dest: PC_STAY_STEP rows */
  const size_t step = PC_STAY_STEP < ((size_t)1 << 20) ? PC_STAY_STEP : (size_t)1 << 20;
  pc_person *pb = pc_malloc(step * sizeof *pb, "persons");
  int rc = pb ? 0 : PC_ERR_MEM;
  uint64_t steps = (hi - lo + step - 1) / step;
  if (!(rc = pc_agree(ctx, rc))) rc = pc_max_u64(ctx, &steps, 1);
  for (uint64_t k = 0; k < steps && !rc; k++) {
    uint64_t r0 = lo + k * step < hi ? lo + k * step : hi;
    size_t n = hi - r0 < step ? (size_t)(hi - r0) : step, m = 0;
    rc = pc_table_read(&d, r0, n, pb);
    for (size_t i = 0; i < n && !rc; i++) {
      if (pb[i].household == 0) continue;
      uint32_t bk = pc_bucket_of(pb[i].household, PC_CH_HOUSEHOLD, 0, pv->nbuckets);
      if (pass == 1) {
        b->bcount[bk]++;
        continue;
      }
      pc_irow *r = &b->irows[m];
      memset(r, 0, sizeof *r);
      r->pid = pb[i].pid;
      r->place = pb[i].household;
      r->start = pv->window_start;
      r->end = pv->window_end;
      b->dest[m++] = pc_pview_rank_of(pv, pc_nranks(ctx), bk);
    }
    if (!(rc = pc_agree(ctx, rc)) && pass == 2)
      rc = pc_shuffle(ctx, b->irows, m, sizeof(pc_irow), b->dest, &b->recv, NULL);
    if (!rc && pass == 2) rc = pc_agree(ctx, pc_pview_received(b));
  }
  free(pb);
  pc_table_close(&d);
  return rc;
}

/* Collective, after the stays were checked (pc_pview_check_stays): count the pids of
 * this rank's persons [q0, q1) and identities [i0, i1), agree on the counts,
 * the channels' longest stays and the checksum, and make the pid directories. */
int pc_pview_finish_counts(pc_ctx *ctx, pc_file data, uint64_t q0, uint64_t q1, uint64_t i0,
                           uint64_t i1, pc_pview_state *b) {
  pc_pview *pv = b->pv;
  const size_t K = (size_t)1 << pv->dir.bits;
  PC_CALL(pc_agree(ctx, count_pids(data, "persons", q0, q1, pv->dir.bits, b->scount + K)));
  PC_CALL(pc_agree(ctx, count_pids(data, "identities", i0, i1, pv->dir.bits, b->scount + 2 * K)));
  PC_CALL(pc_sum_u64(ctx, b->scount, (int)(3 * K)));
  PC_CALL(pc_sum_u64(ctx, b->ssum, (int)K));
  uint64_t dm[PC_NCHANNELS];
  for (int c = 0; c < PC_NCHANNELS; c++) dm[c] = (uint64_t)pv->dmax[c];
  PC_CALL(pc_max_u64(ctx, dm, PC_NCHANNELS));
  for (int c = 0; c < PC_NCHANNELS; c++) pv->dmax[c] = (int64_t)dm[c];
  pv->dmax[PC_CH_HOUSEHOLD] = pv->window_end - pv->window_start;
  uint64_t cs = b->checksum;
  PC_CALL(pc_sum_u64(ctx, &cs, 1));
  pv->stays_checksum = cs;
  pv->dir.stays = pc_piddir_make(b->scount, pv->dir.bits);
  pv->dir.persons = pc_piddir_make(b->scount + K, pv->dir.bits);
  pv->dir.identities = pc_piddir_make(b->scount + 2 * K, pv->dir.bits);
  pv->stays_sum = b->ssum; /* the view keeps them (written to the index, checked by trace) */
  b->ssum = NULL;
  PC_CALL(pc_agree(ctx, pv->dir.stays && pv->dir.persons && pv->dir.identities ? 0 : PC_ERR_MEM));
  if (!b->has_dat) return 0;
  /* The dispatch table: ranks hold consecutive pid ranges, so theirs follow in rank order. */
  PC_CALL(pc_sum_u64(ctx, b->dcount, (int)K));
  PC_CALL(pc_sum_u64(ctx, b->dsum, (int)K));
  pv->ndsp = b->dsp.n;
  PC_CALL(pc_exscan_u64(ctx, pv->ndsp, &pv->dsp_at));
  pv->dsp_total = pv->ndsp;
  PC_CALL(pc_sum_u64(ctx, &pv->dsp_total, 1));
  pv->dsp = b->dsp.data;
  pc_buf_init(&b->dsp, sizeof(pc_stay));
  pv->disp.dir.bits = pv->dir.bits;
  pv->disp.dir.stays = pc_piddir_make(b->dcount, pv->dir.bits);
  pv->disp.sum = b->dsum;
  b->dsum = NULL;
  pv->disp.at = b->dat;
  pv->disp.has = 1;
  return pc_agree(ctx, pv->disp.dir.stays ? 0 : PC_ERR_MEM);
}

int pc_stays_verify(pc_file data, const char *path, uint64_t sum) {
  uint64_t want = 0;
  if (!pc_indexfile_has_attr(data, "stays_checksum")) return 0; /* written before checksums */
  PC_CALL(pc_indexfile_attr_u64(data, "stays_checksum", &want));
  if (want != sum)
    return PC_ERROR(PC_ERR_DATA,
                    "%s: the stays read (dataset /stays) do not match the file's stays_checksum "
                    "(%016llx, expected %016llx): the file is damaged; restore it or make it again",
                    path, (unsigned long long)sum, (unsigned long long)want);
  return 0;
}

/* Collective: open the dataset's tables, set pv's window, counts and pid
 * directory bits, cut this rank's slices and allocate the step buffers. */
int pc_pview_open_dataset(pc_ctx *ctx, pc_file data, const char *data_path, int dispatch_table,
                          pc_pview *pv,
                          pc_raw *st, pc_pview_slices *sl, pc_pview_state *b) {
  PC_CALL(pc_agree(ctx, pc_indexfile_attr_i64(data, "window_start", &pv->window_start)));
  PC_CALL(pc_agree(ctx, pc_indexfile_attr_i64(data, "window_end", &pv->window_end)));
  PC_CALL(pc_agree(ctx, pc_raw_open(data, data_path, &pc_schema_stays, st)));
  pc_table d; /* opened for their row counts, and so checked before the long passes */
  PC_CALL(pc_agree(ctx, pc_table_open(data, NULL, &pc_schema_persons, &d)));
  pv->npersons = d.nrows;
  pc_table_close(&d);
  PC_CALL(pc_agree(ctx, pc_table_open(data, NULL, &pc_schema_identities, &d)));
  pv->nidentities = d.nrows;
  pc_table_close(&d);
  pv->nstays = st->nrows;
  pv->dir.bits = pc_piddir_bits(pv->nstays > pv->nidentities ? pv->nstays : pv->nidentities);
  PC_CALL(pc_agree(ctx, pc_stays_rank_range(st, pc_rank(ctx), pc_nranks(ctx), &sl->s0, &sl->s1)));
  pc_own_range(pv->npersons, pc_rank(ctx), pc_nranks(ctx), &sl->q0, &sl->q1);
  pc_own_range(pv->nidentities, pc_rank(ctx), pc_nranks(ctx), &sl->i0, &sl->i1);

  b->pv = pv;
  pc_buf_init(&b->recv, sizeof(pc_irow));
  pc_buf_init(&b->dsp, sizeof(pc_stay));
  /* The dispatch table is made for the dataset's own as_of (one written
   * before datasets carried it has none: jobs then read the stays). */
  int64_t as_of = 0;
  b->has_dat = dispatch_table && pc_indexfile_has_attr(data, "as_of");
  if (b->has_dat) PC_CALL(pc_agree(ctx, pc_indexfile_attr_i64(data, "as_of", &as_of)));
  b->dat = pc_dispatch_instant(as_of);
  if (b->has_dat) {
    b->dcount = pc_calloc((size_t)1 << pv->dir.bits, sizeof *b->dcount, "dispatch table counts");
    b->dsum = pc_calloc((size_t)1 << pv->dir.bits, sizeof *b->dsum, "dispatch table checksums");
  }
  b->buf = pc_malloc(PC_STAY_STEP * sizeof *b->buf, "stays step");
  b->irows = pc_malloc(PC_STAY_STEP * sizeof *b->irows, "index rows step");
  b->dest = pc_malloc(PC_STAY_STEP * sizeof *b->dest, "index rows step");
  b->owner_at = pc_malloc(((size_t)pc_nranks(ctx) + 1) * sizeof *b->owner_at, "index rows step");
  b->cum = pc_malloc(PC_STAY_STEP * sizeof *b->cum, "grid totals");
  b->gs = pc_malloc(PC_STAY_STEP * sizeof *b->gs, "grid totals");
  b->bcount = pc_calloc((size_t)pv->nbuckets + 1, sizeof *b->bcount, "bucket counts");
  b->scount = pc_calloc((size_t)3 << pv->dir.bits, sizeof *b->scount, "pid directory counts");
  b->ssum = pc_calloc((size_t)1 << pv->dir.bits, sizeof *b->ssum, "pid directory checksums");
  return pc_agree(ctx, b->buf && b->irows && b->dest && b->owner_at && b->cum && b->gs &&
                               b->bcount && b->scount && b->ssum &&
                               (!b->has_dat || (b->dcount && b->dsum))
                           ? 0
                           : PC_ERR_MEM);
}

void pc_pview_free_state(pc_pview_state *b) {
  free(b->buf);
  free(b->irows);
  free(b->dest);
  free(b->owner_at);
  free(b->cum);
  free(b->gs);
  free(b->bcount);
  free(b->scount);
  free(b->ssum);
  free(b->dcount);
  free(b->dsum);
  pc_buf_free(&b->dsp);
  pc_buf_free(&b->recv);
}

/* The pid directories, the channels' longest stays and the dispatch table
 * made from the counts of the pass that checked the stays, whose checksum
 * must be the dataset's. Collective, agreed. */
static int stays_counted(pc_ctx *ctx, pc_file data, const char *data_path,
                         const pc_pview_slices *sl, pc_pview_state *b) {
  PC_CALL(pc_pview_finish_counts(ctx, data, sl->q0, sl->q1, sl->i0, sl->i1, b));
  return pc_agree(ctx, pc_stays_verify(data, data_path, b->pv->stays_checksum));
}

/* Phase "count", collective, agreed: rows per bucket - from the dataset's
 * /stay_buckets when it counts these stays (the pass over them is then the
 * shuffle's only), else from a pass of their own (pass 1), which also counts
 * them per pid prefix and verifies their checksum - and the households'; the
 * bucket directory made and cut into the ranks' ranges. */
static int count_phase(pc_ctx *ctx, pc_file data, const char *data_path, const pc_raw *st,
                       const pc_pview_slices *sl, pc_pview_state *b) {
  pc_pview *pv = b->pv;
  const uint32_t nbuckets = pv->nbuckets;
  PC_CALL(pc_phase_begin(ctx, "count"));
  pc_phase_bound(ctx, PC_BOUND_READ);
  const char *why = NULL;
  PC_CALL(pc_stay_buckets_read(ctx, data, data_path, st->nrows, nbuckets, b->bcount,
                               &b->counted, &b->counted_len, &why));
  if (b->counted)
    pc_log(ctx, "index: the stays' bucket counts from the dataset's /stay_buckets: one pass "
                "over /stays");
  else
    pc_log(ctx, "index: counting the stays by bucket (%s): two passes over /stays", why);
  if (!b->counted) PC_CALL(stays_pass(ctx, st, sl->s0, sl->s1, 1, b));
  PC_CALL(pc_pview_household_pass(ctx, data, sl->q0, sl->q1, 1, b));
  if (!b->counted) PC_CALL(stays_counted(ctx, data, data_path, sl, b));
  PC_CALL(pc_sum_u64(ctx, b->bcount, (int)nbuckets));
  pv->bstart = pc_malloc(((size_t)nbuckets + 1) * sizeof *pv->bstart, "bucket directory");
  int rc = pv->bstart ? 0 : PC_ERR_MEM;
  if (!rc) {
    uint64_t at = 0;
    for (uint32_t k = 0; k < nbuckets; k++) {
      pv->bstart[k] = at;
      at += b->bcount[k];
    }
    pv->bstart[nbuckets] = at;
    rc = pc_pview_cut_buckets(ctx, pv);
  }
  PC_CALL(pc_agree(ctx, rc));
  /* read: the stays (counted here), the persons (households), or the counts (rank 0) */
  const uint64_t stays = b->counted ? 0 : sl->s1 - sl->s0, persons = sl->q1 - sl->q0;
  const uint64_t counts = b->counted && pc_rank(ctx) == 0 ? b->counted_len : 0;
  pc_phase_end(ctx, stays + persons,
               stays * st->rowsize + persons * sizeof(pc_person) + counts * sizeof(uint64_t));
  return 0;
}

/* The dataset's /stay_buckets found not to count its stays (detail: how),
 * once the stays themselves are known sound. Local; PC_ERR_DATA. */
static int counts_wrong(const char *data_path, const char *detail) {
  return PC_ERROR(PC_ERR_DATA,
                  "%s: /stay_buckets does not count the stays of /stays (%s): the file is "
                  "damaged; make it again, or delete /stay_buckets (index then counts the stays "
                  "itself)",
                  data_path, detail);
}

/* The placer's refusal of rows other than counted: with the counts from the
 * dataset, said of its /stay_buckets. Local; returns rc. */
static int counts_refused(const pc_pview_state *b, const char *data_path, int rc) {
  if (!b->counted || rc != PC_ERR_DATA) return rc;
  char was[256];
  snprintf(was, sizeof was, "%s", pc_err_message());
  pc_err_clear();
  return counts_wrong(data_path, was);
}

/* Phase "shuffle", collective, agreed (pass 2): ship rows to the owners of
 * their buckets, which place each round's rows by group of buckets into
 * the view's rows as they arrive (b->place) and must get exactly the rows
 * they counted. */
static int shuffle_phase(pc_ctx *ctx, pc_file data, const char *data_path, const pc_raw *st,
                         const pc_pview_slices *sl, pc_pview_state *b, uint64_t *local) {
  pc_pview *pv = b->pv;
  const int r = pc_rank(ctx);
  const uint32_t b0 = pv->rank_b0[r], b1 = pv->rank_b0[r + 1];
  const size_t mine = (size_t)(pv->bstart[b1] - pv->bstart[b0]);
  for (uint32_t k = b0; k <= b1; k++) local[k - b0] = pv->bstart[k] - pv->bstart[b0];
  pv->rows = pc_malloc((mine + 1) * sizeof *pv->rows, "index rows");
  b->place = pc_malloc(sizeof *b->place, "index rows placer");
  PC_CALL(pc_agree(ctx, pv->rows && b->place ? 0 : PC_ERR_MEM));
  /* The rows arrive all over the block (each at its bucket's place) while
   * the other ranks fill theirs: faulted in at once (paired index builds,
   * 0.79-0.81 of the wall), in a phase of its own, since how long the
   * node takes to hand out fresh memory varies several-fold (docs/PERFORMANCE.md). */
  PC_CALL(pc_phase_begin(ctx, "touch"));
  pc_prefault(pv->rows, mine * sizeof *pv->rows);
  pc_phase_end(ctx, 0, mine * sizeof *pv->rows);
  PC_CALL(pc_phase_begin(ctx, "shuffle"));
  pc_phase_bound(ctx, PC_BOUND_NETWORK);
  pc_irow_placer_init(b->place, pv->rows, local, b0, b1, pv->nbuckets);
  PC_CALL(stays_pass(ctx, st, sl->s0, sl->s1, 2, b));
  PC_CALL(pc_pview_household_pass(ctx, data, sl->q0, sl->q1, 2, b));
  if (b->counted) {
    /* The stays checked as they went: sound, rows beyond the counts are the counts' fault. */
    PC_CALL(stays_counted(ctx, data, data_path, sl, b));
    PC_CALL(pc_agree(ctx, b->place->over ? counts_wrong(data_path, "more rows of some buckets")
                                         : 0));
  }
  pc_phase_end(ctx, sl->s1 - sl->s0, pc_ctx_bytes_moved(ctx));
  return 0;
}

const char pc_place_rows_description[] =
    "the co-location index: one row per stay (and per household member, channel 0, place = "
    "household), sorted by (bucket, place, start, end, pid, row, carriage); bucket = hash of "
    "the place (and of the local day of start for lbs and grid); bucket_start[k] is the first "
    "row of bucket k; cum = the person's whole minutes in that grid over the data window";

/* What the sort tells as each group of buckets is final: the writer of
 * /place_rows (when there is a file), and each bucket's checksum taken
 * while its rows are in cache. */
typedef struct sort_sink {
  pc_pview *pv;
  const uint64_t *local; /* this rank's bucket offsets (nb + 1) */
  uint32_t b0, nb, k;    /* k: the next bucket to sum */
  pc_rowstream *stream;
} sort_sink;

static void sort_done(void *arg, uint64_t upto) {
  sort_sink *s = arg;
  for (; s->k < s->nb && s->local[s->k + 1] <= upto; s->k++)
    s->pv->bsum[s->b0 + s->k] = pc_irows_checksum_sum(
        s->pv->rows + s->local[s->k], (size_t)(s->local[s->k + 1] - s->local[s->k]));
  pc_rowstream_ready(s->stream, upto);
}

/* Collective, agreed: with a file, /place_rows made in it and its writer
 * started on this rank's rows (which follow the lower ranks'). */
static int sort_sink_open(pc_ctx *ctx, pc_out *out, pc_pview *pv, sort_sink *s, pc_file *dset,
                          pc_rows_out *w) {
  const uint32_t b0 = pv->rank_b0[pc_rank(ctx)], b1 = pv->rank_b0[pc_rank(ctx) + 1];
  pv->bsum = pc_calloc((size_t)pv->nbuckets + 1, sizeof *pv->bsum, "bucket checksums");
  PC_CALL(pc_agree(ctx, pv->bsum ? 0 : PC_ERR_MEM));
  s->pv = pv, s->b0 = b0, s->nb = b1 - b0;
  PC_CALL(pc_indexfile_rows_create(out, &pc_schema_place_rows, pv->bstart[pv->nbuckets],
                                   pc_place_rows_description, dset));
  PC_CALL(pc_agree(ctx, pc_indexfile_rows_open(out, *dset, &pc_schema_place_rows,
                                               pv->bstart[pv->nbuckets], w)));
  return pc_agree(ctx, pc_rowstream_start(w, pv->bstart[b0], pv->rows,
                                          pv->bstart[b1] - pv->bstart[b0], &s->stream));
}

/* Phase "sort", collective, agreed: split the placed groups into buckets
 * and sort each bucket; the view's rows are then complete. With a file
 * (out), each group's rows go to its /place_rows as soon as they are sorted
 * (the disk busy while the next groups sort), and phase "flush" waits for
 * the last of them to be written. */
static int sort_phase(pc_ctx *ctx, pc_pview_state *b, pc_out *out, const uint64_t *local,
                      const char *data_path) {
  pc_pview *pv = b->pv;
  PC_CALL(pc_phase_begin(ctx, "sort"));
  pc_phase_bound(ctx, PC_BOUND_MEMORY);
  /* The step buffers are done with: their memory goes back before the split's scratch. */
  free(b->buf);
  free(b->irows);
  free(b->gs);
  pc_buf_free(&b->recv);
  b->buf = NULL, b->irows = NULL, b->gs = NULL;
  sort_sink sink = {.local = local};
  pc_file dset = -1;
  pc_rows_out w = {.raw = {.fd = -1}, .dfd = -1};
  int rc = out ? sort_sink_open(ctx, out, pv, &sink, &dset, &w) : 0;
  if (!rc && out) b->place->done = sort_done, b->place->done_arg = &sink;
  if (!rc) rc = counts_refused(b, data_path, pc_irow_placer_finish(b->place));
  if (!(rc = pc_agree(ctx, rc))) {
    pv->nrows = b->place->placed;
    pc_phase_end(ctx, pv->nrows, pv->nrows * sizeof(pc_irow));
  }
  /* Phase "flush": the last of the thread's writes, at the disk's pace. */
  if (!rc && out) rc = pc_phase_begin(ctx, "flush");
  const int wrc = pc_rowstream_finish(sink.stream); /* all written, or (rc) stopped */
  pc_indexfile_rows_close(&w);
  pc_indexfile_dset_close(dset);
  PC_CALL(rc);
  PC_CALL(pc_agree(ctx, wrc));
  pv->rows_written = out != NULL;
  if (out) pc_phase_end(ctx, 0, 0); /* a wait: its rows and bytes are the sort's */
  return 0;
}

int pc_pview_build_here(pc_ctx *ctx, const pc_config *cfg, pc_file data, const char *data_path,
                        uint64_t nstays, uint32_t nbuckets, pc_pview *pv) {
  const double need = pc_budget_item_bytes("index", 0, (double)nstays, pc_nranks(ctx));
  PC_CALL(pc_budget_check_more(ctx, cfg, "the index built in memory (no `index:` given)", need));
  return pc_pview_build(ctx, data, data_path, nbuckets, 0, NULL, NULL, pv);
}

int pc_pview_build(pc_ctx *ctx, pc_file data, const char *data_path, uint32_t nbuckets,
                   int dispatch_table, pc_out *out, const pc_pview_take *take, pc_pview *pv) {
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  pv->disp.raw.fd = -1;
  pv->nbuckets = nbuckets;
  pc_raw st = {.fd = -1};
  pc_pview_slices sl;
  pc_pview_state b = {0};
  int rc = pc_pview_open_dataset(ctx, data, data_path, dispatch_table, pv, &st, &sl, &b);
  b.take = take;
  if (!rc) rc = count_phase(ctx, data, data_path, &st, &sl, &b);
  uint64_t *local = NULL;
  if (!rc) {
    const uint32_t nb = pv->rank_b0[pc_rank(ctx) + 1] - pv->rank_b0[pc_rank(ctx)];
    local = pc_malloc(((size_t)nb + 1) * sizeof *local, "bucket offsets");
    rc = pc_agree(ctx, local ? 0 : PC_ERR_MEM);
  }
  if (!rc) rc = shuffle_phase(ctx, data, data_path, &st, &sl, &b, local);
  if (!rc) rc = sort_phase(ctx, &b, out, local, data_path);
  free(local);
  free(b.place);
  pc_raw_close(&st);
  pc_pview_free_state(&b);
  return rc;
}

void pc_disptab_free(pc_disptab *d) {
  free(d->dir.stays);
  free(d->sum);
  if (d->has) pc_raw_close(&d->raw);
  memset(d, 0, sizeof *d);
  d->raw.fd = -1;
}

void pc_pview_free(pc_pview *pv) {
  free(pv->bstart);
  free(pv->bsum);
  free(pv->rank_b0);
  free(pv->dir.persons);
  free(pv->dir.identities);
  free(pv->dir.stays);
  free(pv->stays_sum);
  free(pv->rows);
  pc_disptab_free(&pv->disp);
  free(pv->dsp);
  pc_raw_close(&pv->raw);
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  pv->disp.raw.fd = -1;
}



int pc_index_buckets_check(const pc_config *cfg, pc_config_problems *p) {
  int64_t given = pc_config_int(cfg, "buckets");
  if (given > 0 && (given & (given - 1)))
    pc_config_problem(p, cfg, "buckets", "must be a power of two (or 0)");
  return 0;
}
