/* pc_pview.c - building, persisting and loading the place view and the pid directories. */
#include "pc_pview.h"
#include "pc_schema.h"

#include <stdlib.h>
#include <string.h>

#include "pc_sort.h"
#include "pc_time.h"

/* Rows of /stays read per step: 4 Mi rows (192 MB) bounds the read buffer. */
#define STAY_STEP ((size_t)1 << 22)

int pc_pview_rank_of(const pc_pview *pv, int nranks, uint32_t b) {
  return pc_range_owner(pv->rank_b0, nranks, b);
}

int pc_pview_bucket(const pc_pview *pv, int rank, uint32_t b, const pc_irow **rows, size_t *n,
                    pc_irow **buf, size_t *cap) {
  uint64_t r0 = pv->bstart[b], r1 = pv->bstart[b + 1];
  *n = (size_t)(r1 - r0);
  if (!pv->from_file) {
    *rows = pv->rows + (r0 - pv->bstart[pv->rank_b0[rank]]);
    return 0;
  }
  if (*n > *cap) {
    pc_irow *nb = pc_realloc(*buf, *n * sizeof **buf, "index bucket");
    if (!nb) return PC_ERR_MEM;
    *buf = nb;
    *cap = *n;
  }
  *rows = *buf;
  return pc_raw_read(&pv->raw, r0, *n, *buf);
}

/* Cut buckets into contiguous ranges of about equal rows, one per rank. */
static int cut_buckets(pc_ctx *ctx, pc_pview *pv) {
  uint32_t P = (uint32_t)pc_nranks(ctx);
  pv->rank_b0 = pc_malloc((P + 1) * sizeof *pv->rank_b0, "bucket ranges");
  if (!pv->rank_b0) return PC_ERR_MEM;
  pc_cut_ranges(pv->bstart, pv->nbuckets, P, pv->rank_b0);
  return 0;
}

/* Count the pids of rows [lo, hi) of a table into counts[2^bits]; with
 * `household`, also make the household rows of the place view. */
static int count_pids(hid_t file, const char *name, uint64_t lo, uint64_t hi, int bits,
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
static int person_boundary(const pc_raw *st, uint64_t row, uint64_t *out) {
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

typedef struct build_state {
  pc_pview *pv;
  pc_stay *buf;
  pc_irow *irows;
  int *dest;
  uint32_t *cum;
  pc_gspan *gs;
  uint64_t *bcount;   /* pass 1: rows per bucket */
  uint64_t *scount;   /* pass 1: stays per pid prefix */
  uint64_t checksum;
  pc_buf recv;        /* pass 2: rows received */
} build_state;

/* Turn whole persons' stays buf[0..n) into index rows (with grid totals). */
static size_t to_irows(build_state *b, const pc_stay *s, size_t n) {
  const pc_pview *pv = b->pv;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s[j].pid == s[i].pid) j++;
    pc_grid_cum(s + i, j - i, pv->window_start, pv->window_end, b->cum + i, b->gs);
    i = j;
  }
  for (size_t i = 0; i < n; i++) {
    pc_irow *r = &b->irows[i];
    r->pid = s[i].pid;
    r->place = s[i].place;
    r->start = s[i].start;
    r->end = s[i].end;
    r->cum = b->cum[i];
    r->row = s[i].row;
    r->channel = s[i].channel;
    r->carriage = s[i].carriage;
  }
  return n;
}

/* Read the next step of this rank's stays [at, hi) into buf, ending at a
 * person boundary unless it reaches hi (the last person may continue in the
 * next step); *n: rows kept. */
static int read_step(const pc_raw *st, uint64_t at, uint64_t hi, pc_stay *buf, size_t *n) {
  *n = hi - at < STAY_STEP ? (size_t)(hi - at) : STAY_STEP;
  PC_CALL(pc_raw_read(st, at, *n, buf));
  if (at + *n < hi) {
    size_t m = *n;
    while (m > 0 && buf[m - 1].pid == buf[*n - 1].pid) m--;
    if (m == 0) return PC_ERROR(PC_ERR_DATA, "one person has more than %zu stays", STAY_STEP);
    *n = m;
  }
  return 0;
}

/* Stays s[0..n) read at row `at` are well formed and sorted by pid; each
 * adds to the pid directory counts, the channels' longest stay and the checksum. */
static int check_stays(const pc_raw *st, uint64_t at, const pc_stay *s, size_t n,
                       build_state *b) {
  pc_pview *pv = b->pv;
  for (size_t i = 0; i < n; i++) {
    if (s[i].channel < 1 || s[i].channel >= PC_NCHANNELS || s[i].end <= s[i].start)
      return PC_ERROR(PC_ERR_DATA, "%s: row %llu: bad stay (channel %u, start %lld, end %lld)",
                      st->what, (unsigned long long)(at + i), s[i].channel,
                      (long long)s[i].start, (long long)s[i].end);
    if (i > 0 && s[i].pid < s[i - 1].pid)
      return PC_ERROR(PC_ERR_DATA, "%s: not sorted by pid at row %llu", st->what,
                      (unsigned long long)(at + i));
    b->scount[pc_piddir_key(&pv->dir, s[i].pid)]++;
    int64_t d = s[i].end - s[i].start;
    if (d > pv->dmax[s[i].channel]) pv->dmax[s[i].channel] = d;
    b->checksum += pc_stay_fingerprint(&s[i]);
  }
  return 0;
}

/* Steps of [lo, hi) every rank agrees to take, so all join every shuffle. */
static int agreed_steps(pc_ctx *ctx, uint64_t lo, uint64_t hi, uint64_t *steps) {
  *steps = (hi - lo + STAY_STEP - 1) / STAY_STEP + 1;
  return pc_max_u64(ctx, steps, 1);
}

/* One pass over this rank's stays [lo, hi) in steps that end at person
 * boundaries. Pass 1 checks and counts; pass 2 ships rows to bucket owners. */
static int stays_pass(pc_ctx *ctx, const pc_raw *st, uint64_t lo, uint64_t hi, int pass,
                      build_state *b) {
  pc_pview *pv = b->pv;
  uint64_t steps, at = lo;
  PC_CALL(agreed_steps(ctx, lo, hi, &steps));
  for (uint64_t k = 0; k < steps; k++) {
    size_t n = 0;
    int rc = read_step(st, at, hi, b->buf, &n);
    if (!rc && pass == 1) {
      rc = check_stays(st, at, b->buf, n, b);
      for (size_t i = 0; i < n && !rc; i++)
        b->bcount[pc_bucket_of(b->buf[i].place, b->buf[i].channel, b->buf[i].start,
                               pv->nbuckets)]++;
    } else if (!rc && pass == 2) {
      to_irows(b, b->buf, n);
      for (size_t i = 0; i < n; i++)
        b->dest[i] = pc_pview_rank_of(
            pv, pc_nranks(ctx),
            pc_bucket_of(b->irows[i].place, b->irows[i].channel, b->irows[i].start, pv->nbuckets));
    }
    PC_CALL(pc_agree(ctx, rc));
    if (pass == 2)
      PC_CALL(pc_shuffle(ctx, b->irows, n, sizeof(pc_irow), b->dest, &b->recv, NULL));
    at += n;
    pc_progress(ctx, at - lo, hi - lo);
  }
  return 0;
}

/* Household rows of persons [lo, hi): one per member, spanning the window. */
static int household_pass(pc_ctx *ctx, hid_t data, uint64_t lo, uint64_t hi, int pass,
                          build_state *b) {
  pc_pview *pv = b->pv;
  pc_table d;
  PC_CALL(pc_agree(ctx, pc_table_open(data, NULL, &pc_schema_persons, &d)));
  const size_t step = (size_t)1 << 20;
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
  }
  free(pb);
  pc_table_close(&d);
  return rc;
}

/* Collective, after the stays were checked (check_stays): count the pids of
 * this rank's persons [q0, q1) and identities [i0, i1), agree on the counts,
 * the channels' longest stays and the checksum, and make the pid directories. */
static int finish_counts(pc_ctx *ctx, hid_t data, uint64_t q0, uint64_t q1, uint64_t i0,
                         uint64_t i1, build_state *b) {
  pc_pview *pv = b->pv;
  const size_t K = (size_t)1 << pv->dir.bits;
  PC_CALL(pc_agree(ctx, count_pids(data, "persons", q0, q1, pv->dir.bits, b->scount + K)));
  PC_CALL(pc_agree(ctx, count_pids(data, "identities", i0, i1, pv->dir.bits, b->scount + 2 * K)));
  PC_CALL(pc_sum_u64(ctx, b->scount, (int)(3 * K)));
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
  return pc_agree(ctx, pv->dir.stays && pv->dir.persons && pv->dir.identities ? 0 : PC_ERR_MEM);
}

int pc_stays_lower_bound(const pc_raw *st, uint64_t pid, uint64_t *row) {
  uint64_t a = 0, b = st->nrows;
  while (a < b) {
    uint64_t m = a + (b - a) / 2;
    pc_stay s;
    PC_CALL(pc_raw_read(st, m, 1, &s));
    if (s.pid < pid)
      a = m + 1;
    else
      b = m;
  }
  *row = a;
  return 0;
}

int pc_stays_verify(hid_t data, const char *path, uint64_t sum) {
  uint64_t want = 0;
  if (H5Aexists(data, "stays_checksum") <= 0) return 0; /* written before checksums */
  PC_CALL(pc_h5_attr_read_u64(data, "stays_checksum", &want));
  if (want != sum)
    return PC_ERROR(PC_ERR_DATA,
                    "%s: the stays read (dataset /stays) do not match the file's stays_checksum "
                    "(%016llx, expected %016llx): the file is damaged; restore it or make it again",
                    path, (unsigned long long)sum, (unsigned long long)want);
  return 0;
}

/* This rank's slices of the dataset: stays cut at person boundaries,
 * persons and identities evenly. */
typedef struct slices {
  uint64_t s0, s1, q0, q1, i0, i1;
} slices;

/* Collective: open the dataset's tables, set pv's window, counts and pid
 * directory bits, cut this rank's slices and allocate the step buffers. */
static int open_dataset(pc_ctx *ctx, hid_t data, const char *data_path, pc_pview *pv,
                        pc_raw *st, slices *sl, build_state *b) {
  PC_CALL(pc_agree(ctx, pc_h5_attr_read_i64(data, "window_start", &pv->window_start)));
  PC_CALL(pc_agree(ctx, pc_h5_attr_read_i64(data, "window_end", &pv->window_end)));
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
  uint64_t s0, s1;
  pc_own_range(pv->nstays, pc_rank(ctx), pc_nranks(ctx), &s0, &s1);
  int rc = person_boundary(st, s0, &sl->s0);
  if (!rc) rc = person_boundary(st, s1, &sl->s1);
  PC_CALL(pc_agree(ctx, rc));
  pc_own_range(pv->npersons, pc_rank(ctx), pc_nranks(ctx), &sl->q0, &sl->q1);
  pc_own_range(pv->nidentities, pc_rank(ctx), pc_nranks(ctx), &sl->i0, &sl->i1);

  b->pv = pv;
  pc_buf_init(&b->recv, sizeof(pc_irow));
  b->buf = pc_malloc(STAY_STEP * sizeof *b->buf, "stays step");
  b->irows = pc_malloc(STAY_STEP * sizeof *b->irows, "index rows step");
  b->dest = pc_malloc(STAY_STEP * sizeof *b->dest, "index rows step");
  b->cum = pc_malloc(STAY_STEP * sizeof *b->cum, "grid totals");
  b->gs = pc_malloc(STAY_STEP * sizeof *b->gs, "grid totals");
  b->bcount = pc_calloc((size_t)pv->nbuckets + 1, sizeof *b->bcount, "bucket counts");
  b->scount = pc_calloc((size_t)3 << pv->dir.bits, sizeof *b->scount, "pid directory counts");
  return pc_agree(ctx, b->buf && b->irows && b->dest && b->cum && b->gs && b->bcount && b->scount
                           ? 0
                           : PC_ERR_MEM);
}

static void free_state(build_state *b) {
  free(b->buf);
  free(b->irows);
  free(b->dest);
  free(b->cum);
  free(b->gs);
  free(b->bcount);
  free(b->scount);
  pc_buf_free(&b->recv);
}

int pc_pview_build(pc_ctx *ctx, hid_t data, const char *data_path, uint32_t nbuckets,
                   pc_pview *pv) {
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  pv->nbuckets = nbuckets;
  pc_raw st = {.fd = -1};
  slices sl;
  build_state b = {0};
  const int r = pc_rank(ctx);
  int rc = open_dataset(ctx, data, data_path, pv, &st, &sl, &b);
  if (rc) goto out;
  const uint64_t s0 = sl.s0, s1 = sl.s1, q0 = sl.q0, q1 = sl.q1;

  /* Pass 1: count rows per bucket and per pid prefix. */
  PC_CALLG(pc_phase_begin(ctx, "count"), out);
  PC_CALLG(stays_pass(ctx, &st, s0, s1, 1, &b), out);
  PC_CALLG(household_pass(ctx, data, q0, q1, 1, &b), out);
  PC_CALLG(finish_counts(ctx, data, q0, q1, sl.i0, sl.i1, &b), out);
  PC_CALLG(pc_agree(ctx, pc_stays_verify(data, data_path, pv->stays_checksum)), out);
  PC_CALLG(pc_sum_u64(ctx, b.bcount, (int)nbuckets), out);
  pv->bstart = pc_malloc(((size_t)nbuckets + 1) * sizeof *pv->bstart, "bucket directory");
  rc = pv->bstart ? 0 : PC_ERR_MEM;
  if (!rc) {
    uint64_t at = 0;
    for (uint32_t k = 0; k < nbuckets; k++) {
      pv->bstart[k] = at;
      at += b.bcount[k];
    }
    pv->bstart[nbuckets] = at;
    rc = cut_buckets(ctx, pv);
  }
  PC_CALLG(pc_agree(ctx, rc), out);
  pc_phase_end(ctx, s1 - s0, 0);

  /* Pass 2: ship rows to the owners of their buckets. */
  PC_CALLG(pc_phase_begin(ctx, "shuffle"), out);
  uint32_t b0 = pv->rank_b0[r], b1 = pv->rank_b0[r + 1];
  size_t mine = (size_t)(pv->bstart[b1] - pv->bstart[b0]);
  PC_CALLG(pc_agree(ctx, pc_buf_reserve(&b.recv, mine + 1)), out);
  PC_CALLG(stays_pass(ctx, &st, s0, s1, 2, &b), out);
  PC_CALLG(household_pass(ctx, data, q0, q1, 2, &b), out);
  if (b.recv.n != mine)
    rc = PC_ERROR(PC_ERR_DATA, "index: received %zu rows for buckets %u..%u, expected %zu",
                  b.recv.n, b0, b1, mine);
  PC_CALLG(pc_agree(ctx, rc), out);
  pc_phase_end(ctx, s1 - s0, pc_ctx_bytes_moved(ctx));

  PC_CALLG(pc_phase_begin(ctx, "sort"), out);
  free(b.buf);
  free(b.irows);
  free(b.gs);
  b.buf = NULL, b.irows = NULL, b.gs = NULL;
  {
    uint64_t *local = pc_malloc(((size_t)(b1 - b0) + 1) * sizeof *local, "bucket offsets");
    PC_CALLG(pc_agree(ctx, local ? 0 : PC_ERR_MEM), out);
    for (uint32_t k = b0; k <= b1; k++) local[k - b0] = pv->bstart[k] - pv->bstart[b0];
    rc = pc_irow_group_sort(b.recv.data, mine, b0, b1, nbuckets, local);
    free(local);
    PC_CALLG(pc_agree(ctx, rc), out);
    /* The grouped rows are in the receive buffer: it becomes the view. */
    pv->rows = b.recv.data;
    pv->nrows = mine;
    b.recv.data = NULL;
    b.recv.n = b.recv.cap = 0;
  }
  pc_phase_end(ctx, mine, 0);
out:
  pc_raw_close(&st);
  free_state(&b);
  return rc;
}

static int write_u64_array(pc_ctx *ctx, hid_t file, const char *name, const uint64_t *v, size_t n) {
  uint64_t dims[1] = {n};
  return pc_h5_write_array0(ctx, file, name, H5T_NATIVE_UINT64, 1, dims,
                            pc_rank(ctx) == 0 ? v : NULL, 0);
}

int pc_pview_write(pc_out *out, const pc_pview *pv) {
  pc_ctx *ctx = out->ctx;
  const size_t K = (size_t)1 << pv->dir.bits;
  /* Contiguous: trace reads buckets of it with pread (pc_raw_open). */
  PC_CALL(pc_out_table_layout(
      out, "place_rows", pc_schema_type(&pc_schema_place_rows), pv->rows, pv->nrows, PC_OUT_CONTIGUOUS,
      "the co-location index: one row per stay (and per household member, channel 0, place = "
      "household), sorted by (bucket, place, start, end, pid, row, carriage); bucket = hash of "
      "the place (and of the local day of start for lbs and grid); bucket_start[k] is the first "
      "row of bucket k; cum = the person's whole minutes in that grid over the data window"));
  PC_CALL(write_u64_array(ctx, out->file, "bucket_start", pv->bstart, (size_t)pv->nbuckets + 1));
  PC_CALL(write_u64_array(ctx, out->file, "persons_dir", pv->dir.persons, K + 1));
  PC_CALL(write_u64_array(ctx, out->file, "identities_dir", pv->dir.identities, K + 1));
  PC_CALL(write_u64_array(ctx, out->file, "stays_dir", pv->dir.stays, K + 1));
  pc_out_attr_u64(out, "nbuckets", pv->nbuckets);
  pc_out_attr_i64(out, "pid_bits", pv->dir.bits);
  pc_out_attr_u64(out, "data_persons", pv->npersons);
  pc_out_attr_u64(out, "data_identities", pv->nidentities);
  pc_out_attr_u64(out, "data_stays", pv->nstays);
  pc_out_attr_u64(out, "data_stays_checksum", pv->stays_checksum);
  pc_out_attr_i64(out, "window_start", pv->window_start);
  pc_out_attr_i64(out, "window_end", pv->window_end);
  for (int c = 0; c < PC_NCHANNELS; c++) {
    char name[48];
    snprintf(name, sizeof name, "dmax_%s", pc_channel_names[c]);
    pc_out_attr_i64(out, name, pv->dmax[c]);
  }
  return out->rc;
}

static int read_u64_array(hid_t file, const char *name, size_t n, uint64_t **out) {
  hid_t d;
  uint64_t rows;
  PC_CALL(pc_h5_dset_open(file, name, &d, &rows));
  int rc = 0;
  if (rows != n) {
    char fname[1024] = "?";
    H5Fget_name(file, fname, sizeof fname);
    rc = PC_ERROR(PC_ERR_IO, "%s: %s has %llu entries, expected %zu (damaged index?)", fname, name,
                  (unsigned long long)rows, n);
  }
  *out = rc ? NULL : pc_malloc(n * sizeof **out, name);
  if (!rc && !*out) rc = PC_ERR_MEM;
  if (!rc && H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
    rc = PC_ERROR(PC_ERR_IO, "cannot read %s of the index (damaged file?)", name);
  H5Dclose(d);
  return rc;
}

int pc_pview_open(pc_ctx *ctx, const char *path, hid_t data, const char *data_path,
                  pc_pview *pv) {
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  pv->from_file = 1;
  hid_t f;
  PC_CALL(pc_h5_open_read(ctx, path, &f));
  int rc = 0;
  int64_t bits = 0;
  uint64_t nb = 0;
  uint64_t want[4] = {0}, have[4] = {0};
  const pc_schema *const tables[3] = {&pc_schema_persons, &pc_schema_identities, &pc_schema_stays};
  for (int i = 0; i < 3 && !rc; i++) {
    pc_table d;
    if (!(rc = pc_table_open(data, NULL, tables[i], &d))) have[i] = d.nrows;
    pc_table_close(&d);
  }
  if (!rc) rc = pc_h5_attr_read_u64(f, "nbuckets", &nb);
  if (!rc) rc = pc_h5_attr_read_i64(f, "pid_bits", &bits);
  if (!rc) rc = pc_h5_attr_read_u64(f, "data_persons", &want[0]);
  if (!rc) rc = pc_h5_attr_read_u64(f, "data_identities", &want[1]);
  if (!rc) rc = pc_h5_attr_read_u64(f, "data_stays", &want[2]);
  if (!rc) rc = pc_h5_attr_read_u64(f, "data_stays_checksum", &want[3]);
  if (!rc) rc = pc_h5_attr_read_u64(data, "stays_checksum", &have[3]);
  if (!rc && memcmp(want, have, sizeof want) != 0)
    rc = PC_ERROR(PC_ERR_DATA,
                  "%s was built from another dataset than %s (persons %llu/%llu, stays "
                  "%llu/%llu, checksum %016llx/%016llx): rebuild it with `paicha index`",
                  path, data_path, (unsigned long long)want[0], (unsigned long long)have[0],
                  (unsigned long long)want[2], (unsigned long long)have[2],
                  (unsigned long long)want[3], (unsigned long long)have[3]);
  if (!rc && (nb < 1 || (nb & (nb - 1)) || nb > (1u << 30) || bits < 1 || bits > 30))
    rc = PC_ERROR(PC_ERR_DATA, "%s: nbuckets %llu / pid_bits %lld out of range (damaged index?)",
                  path, (unsigned long long)nb, (long long)bits);
  if (!rc) {
    pv->nbuckets = (uint32_t)nb;
    pv->dir.bits = (int)bits;
    pv->npersons = have[0], pv->nidentities = have[1], pv->nstays = have[2];
    pv->stays_checksum = have[3];
    size_t K = (size_t)1 << bits;
    rc = read_u64_array(f, "bucket_start", (size_t)nb + 1, &pv->bstart);
    if (!rc) rc = read_u64_array(f, "persons_dir", K + 1, &pv->dir.persons);
    if (!rc) rc = read_u64_array(f, "identities_dir", K + 1, &pv->dir.identities);
    if (!rc) rc = read_u64_array(f, "stays_dir", K + 1, &pv->dir.stays);
  }
  if (!rc) rc = pc_h5_attr_read_i64(f, "window_start", &pv->window_start);
  if (!rc) rc = pc_h5_attr_read_i64(f, "window_end", &pv->window_end);
  for (int c = 0; c < PC_NCHANNELS && !rc; c++) {
    char name[48];
    snprintf(name, sizeof name, "dmax_%s", pc_channel_names[c]);
    rc = pc_h5_attr_read_i64(f, name, &pv->dmax[c]);
  }
  if (!rc) rc = pc_raw_open(f, path, &pc_schema_place_rows, &pv->raw);
  if (!rc && pv->raw.nrows != pv->bstart[pv->nbuckets])
    rc = PC_ERROR(PC_ERR_DATA, "%s: place_rows has %llu rows, bucket_start says %llu", path,
                  (unsigned long long)pv->raw.nrows,
                  (unsigned long long)pv->bstart[pv->nbuckets]);
  if (!rc) rc = cut_buckets(ctx, pv);
  H5Fclose(f);
  return pc_agree(ctx, rc);
}

void pc_pview_free(pc_pview *pv) {
  free(pv->bstart);
  free(pv->rank_b0);
  free(pv->dir.persons);
  free(pv->dir.identities);
  free(pv->dir.stays);
  free(pv->rows);
  pc_raw_close(&pv->raw);
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
}

/* ---- Appending days to a persisted index ---------------------------------- */

typedef struct append_state {
  build_state b;
  int64_t old_ws, old_we;
  uint64_t kept_n, kept_fp; /* the dataset's stays inside the old window */
} append_state;

/* Stream this rank's stays of the new dataset once: check and count them
 * (as a build does), compute every person's grid totals over the new window,
 * and ship to the bucket owners the stays the index lacks and the new totals
 * of the grid rows it keeps (a person's total in a grid changes with every
 * day that comes or goes: nearly all do, so all are sent). */
static int append_pass(pc_ctx *ctx, const pc_raw *st, uint64_t lo, uint64_t hi,
                       append_state *a) {
  build_state *b = &a->b;
  pc_pview *pv = b->pv;
  uint64_t steps, at = lo;
  PC_CALL(agreed_steps(ctx, lo, hi, &steps));
  for (uint64_t k = 0; k < steps; k++) {
    size_t n = 0, m = 0;
    int rc = read_step(st, at, hi, b->buf, &n);
    if (!rc) rc = check_stays(st, at, b->buf, n, b);
    if (!rc) to_irows(b, b->buf, n);
    for (size_t i = 0; i < n && !rc; i++) {
      const pc_irow *r = &b->irows[i];
      if (r->end <= a->old_we) {
        a->kept_n++;
        a->kept_fp += pc_irow_fingerprint(r);
        if (!pc_irow_is_update(r, a->old_we)) continue;
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

/* This rank's buckets [b0, b1) of the old index, keeping the rows that start
 * inside the new window (household rows are made anew), in order; kstart[k
 * - b0] is the first kept row of bucket k. *expect: rows to receive, about
 * (the kept grid rows' totals, the dropped rows' worth of new days, the
 * households), to reserve at once rather than grow by copies. */
static int read_old_rows(const pc_raw *old, const uint64_t *obstart, uint32_t b0, uint32_t b1,
                         int64_t new_ws, pc_irow **rows, uint64_t *kstart, uint64_t *kept_fp,
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
      } else if (v[i].start < new_ws) {
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

int pc_pview_append(pc_ctx *ctx, const char *old_path, hid_t data, const char *data_path,
                    int64_t buckets_given, pc_pview *pv) {
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  append_state a = {0};
  pc_buf_init(&a.b.recv, sizeof(pc_irow));
  pc_raw st = {.fd = -1}, old = {.fd = -1};
  slices sl;
  uint64_t nb = 0, kept_fp = 0, *kstart = NULL, *local = NULL;
  pc_irow *rows = NULL;

  /* The old index: its buckets and window. */
  hid_t f;
  PC_CALL(pc_h5_open_read(ctx, old_path, &f));
  int rc = pc_h5_attr_read_u64(f, "nbuckets", &nb);
  if (!rc) rc = pc_h5_attr_read_i64(f, "window_start", &a.old_ws);
  if (!rc) rc = pc_h5_attr_read_i64(f, "window_end", &a.old_we);
  if (!rc && (nb < 1 || (nb & (nb - 1)) || nb > (1u << 30)))
    rc = PC_ERROR(PC_ERR_DATA, "%s: nbuckets %llu out of range (damaged index?)", old_path,
                  (unsigned long long)nb);
  if (!rc) rc = read_u64_array(f, "bucket_start", (size_t)nb + 1, &pv->bstart);
  if (!rc) rc = pc_raw_open(f, old_path, &pc_schema_place_rows, &old);
  if (!rc && old.nrows != pv->bstart[nb])
    rc = PC_ERROR(PC_ERR_DATA, "%s: place_rows has %llu rows, bucket_start says %llu", old_path,
                  (unsigned long long)old.nrows, (unsigned long long)pv->bstart[nb]);
  H5Fclose(f);
  PC_CALLG(pc_agree(ctx, rc), out);
  pv->nbuckets = (uint32_t)nb;
  if (buckets_given > 0 && (uint64_t)buckets_given != nb)
    rc = PC_ERROR(PC_ERR_CONFIG,
                  "append keeps the %llu buckets of %s; buckets: %lld asks for a rebuild "
                  "(leave out `append`)",
                  (unsigned long long)nb, old_path, (long long)buckets_given);
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(open_dataset(ctx, data, data_path, pv, &st, &sl, &a.b), out);
  if (pv->window_start < a.old_ws || pv->window_end < a.old_we) {
    char w0[32], w1[32], o0[32], o1[32];
    pc_time_format(pv->window_start, w0), pc_time_format(pv->window_end, w1);
    pc_time_format(a.old_ws, o0), pc_time_format(a.old_we, o1);
    rc = PC_ERROR(PC_ERR_DATA,
                  "%s covers %s .. %s, %s covers %s .. %s: append moves the window forward "
                  "only; rebuild the index (leave out `append`)",
                  data_path, w0, w1, old_path, o0, o1);
  }
  PC_CALLG(pc_agree(ctx, rc), out);
  pc_log(ctx, "index: appending %.1f h to %s and dropping %.1f h (%llu buckets kept%s)",
         (double)(pv->window_end - a.old_we) / 3600, old_path,
         (double)(pv->window_start - a.old_ws) / 3600, (unsigned long long)nb,
         pc_index_buckets(pv->nstays, 0) != nb
             ? "; a rebuild would choose another count, with the same answers"
             : "");

  /* Buckets stay with the ranks that read them from the old index. */
  PC_CALLG(pc_agree(ctx, cut_buckets(ctx, pv)), out);
  const uint32_t b0 = pv->rank_b0[pc_rank(ctx)], b1 = pv->rank_b0[pc_rank(ctx) + 1];

  PC_CALLG(pc_phase_begin(ctx, "read"), out);
  const uint32_t nbk = b1 - b0;
  kstart = pc_malloc(((size_t)nbk + 1) * sizeof *kstart, "bucket offsets");
  local = pc_malloc(((size_t)nbk + 1) * sizeof *local, "bucket offsets");
  rc = kstart && local ? 0 : PC_ERR_MEM;
  size_t expect = 0;
  if (!rc)
    rc = read_old_rows(&old, pv->bstart, b0, b1, pv->window_start, &rows, kstart, &kept_fp,
                       &expect);
  if (!rc) rc = pc_buf_reserve(&a.b.recv, expect);
  pc_raw_close(&old);
  pc_phase_end(ctx, pv->bstart[b1] - pv->bstart[b0],
               (pv->bstart[b1] - pv->bstart[b0]) * sizeof(pc_irow));
  PC_CALLG(pc_agree(ctx, rc), out);
  const size_t nk = kstart[nbk];

  PC_CALLG(pc_phase_begin(ctx, "stream"), out);
  PC_CALLG(append_pass(ctx, &st, sl.s0, sl.s1, &a), out);
  PC_CALLG(household_pass(ctx, data, sl.q0, sl.q1, 2, &a.b), out);
  PC_CALLG(finish_counts(ctx, data, sl.q0, sl.q1, sl.i0, sl.i1, &a.b), out);
  PC_CALLG(pc_agree(ctx, pc_stays_verify(data, data_path, pv->stays_checksum)), out);
  pc_phase_end(ctx, sl.s1 - sl.s0, pc_ctx_bytes_moved(ctx));

  /* Merge: group and sort what came as the kept rows are, then one pass. */
  PC_CALLG(pc_phase_begin(ctx, "merge"), out);
  free(a.b.buf), free(a.b.irows), free(a.b.gs), free(a.b.cum);
  a.b.buf = NULL, a.b.irows = NULL, a.b.gs = NULL, a.b.cum = NULL;
  pc_irow *in = a.b.recv.data;
  const size_t nin = a.b.recv.n;
  uint64_t *count = a.b.bcount; /* nbuckets + 1 zeros */
  size_t nadd = 0;
  for (size_t i = 0; i < nin; i++) {
    count[pc_bucket_of(in[i].place, in[i].channel, in[i].start, pv->nbuckets)]++;
    nadd += !pc_irow_is_update(&in[i], a.old_we);
  }
  for (uint32_t k = 0, at = 0; k <= nbk; k++) {
    local[k] = at;
    if (k < nbk) at += (uint32_t)count[b0 + k];
  }
  rc = pc_irow_group_sort(in, nin, b0, b1, pv->nbuckets, local);
  pc_irow *grown = rc ? NULL : pc_realloc(rows, (nk + nadd + 1) * sizeof *rows, "index rows");
  if (!rc && !grown) rc = PC_ERR_MEM;
  if (grown) rows = grown;
  PC_CALLG(pc_agree(ctx, rc), out);
  uint64_t missing = 0;
  memset(count, 0, ((size_t)nb + 1) * sizeof *count);
  pc_irow_merge_back(rows, kstart, in, local, nbk, nadd, a.old_we, count + b0, &missing);
  pc_buf_free(&a.b.recv);
  PC_CALLG(pc_sum_u64(ctx, count, (int)nb), out);
  for (uint64_t k = 0, at = 0; k <= nb; k++) {
    pv->bstart[k] = at;
    if (k < nb) at += count[k];
  }
  /* The proof: the rows kept from the index are exactly the dataset's
   * stays inside the old window (count and fingerprint), and every grid
   * total found its row. */
  uint64_t v[5] = {nk, kept_fp, a.kept_n, a.kept_fp, missing};
  PC_CALLG(pc_sum_u64(ctx, v, 5), out);
  if (v[0] != v[2] || v[1] != v[3] || v[4] != 0)
    rc = PC_ERROR(PC_ERR_DATA,
                  "cannot append: %s holds %llu stays inside the window of %s, which keeps %llu "
                  "rows of them%s; the data of the days both cover changed (records corrected "
                  "or added late, or stays cut at the window's edge): rebuild the index (leave "
                  "out `append`)",
                  data_path, (unsigned long long)v[2], old_path, (unsigned long long)v[0],
                  v[0] == v[2] ? ", with other contents" : "");
  PC_CALLG(pc_agree(ctx, rc), out);
  pv->rows = rows;
  pv->nrows = nk + nadd;
  rows = NULL;
  pc_phase_end(ctx, pv->nrows, 0);
out:
  pc_raw_close(&st);
  pc_raw_close(&old);
  free_state(&a.b);
  free(rows);
  free(kstart);
  free(local);
  return rc;
}

/* Buckets: a power of two from the size of the data alone, never from the
 * rank count, so the index is the same file at any rank count. */
uint32_t pc_index_buckets(uint64_t nstays, int64_t given) {
  if (given > 0) return (uint32_t)given;
  uint32_t b = 1024;
  while (b < (1u << 24) && (uint64_t)b * 128 < nstays) b <<= 1;
  return b;
}

int pc_index_buckets_check(const pc_config *cfg, pc_config_problems *p) {
  int64_t given = pc_config_int(cfg, "buckets");
  if (given > 0 && (given & (given - 1)))
    pc_config_problem(p, cfg, "buckets", "must be a power of two (or 0)");
  return 0;
}
