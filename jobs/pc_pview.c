/* pc_pview.c - building, persisting and loading the place view and the pid directories. */
#include "pc_pview.h"

#include <stdlib.h>
#include <string.h>

#include "pc_sort.h"

/* Rows of /stays read per step: 4 Mi rows (192 MB) bounds the read buffer. */
#define STAY_STEP ((size_t)1 << 22)

void pc_owner_range(int r, int n, uint64_t *p0, uint64_t *p1) {
  unsigned __int128 lo = (((unsigned __int128)r << 64) + (unsigned)n - 1) / (unsigned)n;
  unsigned __int128 hi = (((unsigned __int128)(r + 1) << 64) + (unsigned)n - 1) / (unsigned)n;
  *p0 = (uint64_t)lo;
  *p1 = (uint64_t)(hi - 1);
}

void pc_piddir_range(const pc_piddir *d, const uint64_t *dir, uint64_t p0, uint64_t p1,
                     uint64_t *lo, uint64_t *hi) {
  *lo = dir[pc_piddir_key(d, p0)];
  *hi = dir[pc_piddir_key(d, p1) + 1];
}

int pc_pview_rank_of(const pc_pview *pv, int nranks, uint32_t b) {
  int lo = 0, hi = nranks - 1; /* last rank r with rank_b0[r] <= b */
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (pv->rank_b0[mid] <= b)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
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
  uint32_t P = (uint32_t)ctx->nranks, B = pv->nbuckets;
  pv->rank_b0 = pc_malloc((P + 1) * sizeof *pv->rank_b0, "bucket ranges");
  if (!pv->rank_b0) return PC_ERR_MEM;
  uint64_t total = pv->bstart[B];
  uint32_t b = 0;
  for (uint32_t r = 0; r <= P; r++) {
    unsigned __int128 goal = (unsigned __int128)total * r / P;
    while (b < B && pv->bstart[b] < goal) b++;
    pv->rank_b0[r] = r == P ? B : b;
  }
  return 0;
}

static int dir_bits(uint64_t nstays) {
  int bits = 8;
  while (bits < 24 && (nstays >> bits) > 256) bits++;
  return bits;
}

/* Read only the pid column of a pid-sorted table. */
static hid_t pid_only_type(void) {
  static hid_t t = -1;
  if (t < 0) {
    t = H5Tcreate(H5T_COMPOUND, sizeof(uint64_t));
    H5Tinsert(t, "pid", 0, H5T_NATIVE_UINT64);
  }
  return t;
}

/* Count the pids of rows [lo, hi) of a table into counts[2^bits]; with
 * `household`, also make the household rows of the place view. */
static int count_pids(hid_t file, const char *name, uint64_t lo, uint64_t hi, int bits,
                      uint64_t *counts) {
  hid_t d;
  PC_CALL(pc_h5_dset_open(file, name, &d, NULL));
  const size_t step = (size_t)1 << 20;
  uint64_t *buf = pc_malloc(step * sizeof *buf, "pid column");
  int rc = buf ? 0 : PC_ERR_MEM;
  for (uint64_t r = lo; r < hi && !rc; r += step) {
    size_t n = hi - r < step ? (size_t)(hi - r) : step;
    rc = pc_h5_dset_read(d, pid_only_type(), r, n, buf);
    for (size_t i = 0; i < n && !rc; i++) counts[buf[i] >> (64 - bits)]++;
  }
  free(buf);
  H5Dclose(d);
  return rc;
}

/* Prefix sums of counts into a directory of 2^bits + 1 entries. */
static uint64_t *make_dir(const uint64_t *counts, int bits) {
  size_t K = (size_t)1 << bits;
  uint64_t *dir = pc_malloc((K + 1) * sizeof *dir, "pid directory");
  if (!dir) return NULL;
  uint64_t at = 0;
  for (size_t k = 0; k < K; k++) {
    dir[k] = at;
    at += counts[k];
  }
  dir[K] = at;
  return dir;
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

/* One pass over this rank's stays [lo, hi) in steps that end at person
 * boundaries. Pass 1 counts; pass 2 ships rows to bucket owners. The number
 * of steps is agreed so every rank joins every shuffle. */
static int stays_pass(pc_ctx *ctx, const pc_raw *st, uint64_t lo, uint64_t hi, int pass,
                      build_state *b) {
  pc_pview *pv = b->pv;
  uint64_t steps = (hi - lo + STAY_STEP - 1) / STAY_STEP + 1, at = lo, done = 0;
  PC_CALL(pc_max_u64(ctx, &steps, 1));
  for (uint64_t k = 0; k < steps; k++) {
    size_t n = hi - at < STAY_STEP ? (size_t)(hi - at) : STAY_STEP;
    int rc = pc_raw_read(st, at, n, b->buf);
    if (!rc && at + n < hi) { /* keep the last, maybe partial, person for the next step */
      size_t m = n;
      while (m > 0 && b->buf[m - 1].pid == b->buf[n - 1].pid) m--;
      if (m == 0)
        rc = PC_ERROR(PC_ERR_DATA, "one person has more than %zu stays", STAY_STEP);
      n = m;
    }
    if (!rc && pass == 1) {
      for (size_t i = 0; i < n; i++) {
        const pc_stay *s = &b->buf[i];
        if (s->channel < 1 || s->channel >= PC_NCHANNELS || s->end <= s->start) {
          rc = PC_ERROR(PC_ERR_DATA, "%s: row %llu: bad stay (channel %u, start %lld, end %lld)",
                        st->what, (unsigned long long)(at + i), s->channel,
                        (long long)s->start, (long long)s->end);
          break;
        }
        if (i + at > 0 && i > 0 && s->pid < s[-1].pid) {
          rc = PC_ERROR(PC_ERR_DATA, "%s: not sorted by pid at row %llu", st->what,
                        (unsigned long long)(at + i));
          break;
        }
        b->bcount[pc_bucket_of(s->place, s->channel, s->start, pv->nbuckets)]++;
        b->scount[pc_piddir_key(&pv->dir, s->pid)]++;
        int64_t d = s->end - s->start;
        if (d > pv->dmax[s->channel]) pv->dmax[s->channel] = d;
        b->checksum += pc_stay_fingerprint(s);
      }
    } else if (!rc && pass == 2) {
      to_irows(b, b->buf, n);
      for (size_t i = 0; i < n; i++)
        b->dest[i] = pc_pview_rank_of(
            pv, ctx->nranks,
            pc_bucket_of(b->irows[i].place, b->irows[i].channel, b->irows[i].start, pv->nbuckets));
    }
    PC_CALL(pc_agree(ctx, rc));
    if (pass == 2)
      PC_CALL(pc_shuffle(ctx, b->irows, n, sizeof(pc_irow), b->dest, &b->recv, NULL));
    at += n;
    done += n;
    pc_progress(ctx, done, hi - lo);
  }
  return 0;
}

/* Household rows of persons [lo, hi): one per member, spanning the window. */
static int household_pass(pc_ctx *ctx, hid_t data, uint64_t lo, uint64_t hi, int pass,
                          build_state *b) {
  pc_pview *pv = b->pv;
  hid_t d;
  PC_CALL(pc_agree(ctx, pc_h5_dset_open(data, "persons", &d, NULL)));
  const size_t step = (size_t)1 << 20;
  pc_person *pb = pc_malloc(step * sizeof *pb, "persons");
  int rc = pb ? 0 : PC_ERR_MEM;
  uint64_t steps = (hi - lo + step - 1) / step;
  if (!(rc = pc_agree(ctx, rc))) rc = pc_max_u64(ctx, &steps, 1);
  for (uint64_t k = 0; k < steps && !rc; k++) {
    uint64_t r0 = lo + k * step < hi ? lo + k * step : hi;
    size_t n = hi - r0 < step ? (size_t)(hi - r0) : step, m = 0;
    rc = pc_h5_dset_read(d, pc_h5_type_person(), r0, n, pb);
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
      b->dest[m++] = pc_pview_rank_of(pv, ctx->nranks, bk);
    }
    if (!(rc = pc_agree(ctx, rc)) && pass == 2)
      rc = pc_shuffle(ctx, b->irows, m, sizeof(pc_irow), b->dest, &b->recv, NULL);
  }
  free(pb);
  H5Dclose(d);
  return rc;
}

int pc_pview_build(pc_ctx *ctx, hid_t data, const char *data_path, uint32_t nbuckets,
                   pc_pview *pv) {
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  pv->nbuckets = nbuckets;
  PC_CALL(pc_agree(ctx, pc_h5_attr_read_i64(data, "window_start", &pv->window_start)));
  PC_CALL(pc_agree(ctx, pc_h5_attr_read_i64(data, "window_end", &pv->window_end)));
  pc_raw st;
  int rc = pc_raw_open(data, data_path, "stays", pc_h5_type_stay(), &st);
  PC_CALL(pc_agree(ctx, rc));
  hid_t d;
  PC_CALL(pc_agree(ctx, pc_h5_dset_open(data, "persons", &d, &pv->npersons)));
  H5Dclose(d);
  PC_CALL(pc_agree(ctx, pc_h5_dset_open(data, "identities", &d, &pv->nidentities)));
  H5Dclose(d);
  pv->nstays = st.nrows;
  pv->dir.bits = dir_bits(pv->nstays > pv->nidentities ? pv->nstays : pv->nidentities);
  const size_t K = (size_t)1 << pv->dir.bits;
  const int P = ctx->nranks, r = ctx->rank;

  /* This rank's slices: stays cut at person boundaries, persons evenly. */
  uint64_t s0 = 0, s1 = 0;
  rc = person_boundary(&st, pv->nstays * (uint64_t)r / (uint64_t)P, &s0);
  if (!rc) rc = person_boundary(&st, pv->nstays * (uint64_t)(r + 1) / (uint64_t)P, &s1);
  PC_CALL(pc_agree(ctx, rc));
  uint64_t q0 = pv->npersons * (uint64_t)r / (uint64_t)P, q1 = pv->npersons * (uint64_t)(r + 1) / (uint64_t)P;
  uint64_t i0 = pv->nidentities * (uint64_t)r / (uint64_t)P,
           i1 = pv->nidentities * (uint64_t)(r + 1) / (uint64_t)P;

  build_state b = {.pv = pv};
  pc_buf_init(&b.recv, sizeof(pc_irow));
  b.buf = pc_malloc(STAY_STEP * sizeof *b.buf, "stays step");
  b.irows = pc_malloc(STAY_STEP * sizeof *b.irows, "index rows step");
  b.dest = pc_malloc(STAY_STEP * sizeof *b.dest, "index rows step");
  b.cum = pc_malloc(STAY_STEP * sizeof *b.cum, "grid totals");
  b.gs = pc_malloc(STAY_STEP * sizeof *b.gs, "grid totals");
  b.bcount = pc_calloc((size_t)nbuckets + 1, sizeof *b.bcount, "bucket counts");
  b.scount = pc_calloc(3 * K, sizeof *b.scount, "pid directory counts");
  rc = b.buf && b.irows && b.dest && b.cum && b.gs && b.bcount && b.scount ? 0 : PC_ERR_MEM;
  PC_CALLG(pc_agree(ctx, rc), out);

  /* Pass 1: count rows per bucket and per pid prefix. */
  PC_CALLG(pc_phase_begin(ctx, "count"), out);
  PC_CALLG(stays_pass(ctx, &st, s0, s1, 1, &b), out);
  PC_CALLG(household_pass(ctx, data, q0, q1, 1, &b), out);
  PC_CALLG(pc_agree(ctx, count_pids(data, "persons", q0, q1, pv->dir.bits, b.scount + K)), out);
  PC_CALLG(pc_agree(ctx, count_pids(data, "identities", i0, i1, pv->dir.bits, b.scount + 2 * K)),
           out);
  PC_CALLG(pc_sum_u64(ctx, b.bcount, (int)nbuckets), out);
  PC_CALLG(pc_sum_u64(ctx, b.scount, (int)(3 * K)), out);
  {
    uint64_t dm[PC_NCHANNELS];
    for (int c = 0; c < PC_NCHANNELS; c++) dm[c] = (uint64_t)pv->dmax[c];
    PC_CALLG(pc_max_u64(ctx, dm, PC_NCHANNELS), out);
    for (int c = 0; c < PC_NCHANNELS; c++) pv->dmax[c] = (int64_t)dm[c];
    pv->dmax[PC_CH_HOUSEHOLD] = pv->window_end - pv->window_start;
    uint64_t cs = b.checksum;
    PC_CALLG(pc_sum_u64(ctx, &cs, 1), out);
    pv->stays_checksum = cs;
  }
  pv->dir.stays = make_dir(b.scount, pv->dir.bits);
  pv->dir.persons = make_dir(b.scount + K, pv->dir.bits);
  pv->dir.identities = make_dir(b.scount + 2 * K, pv->dir.bits);
  pv->bstart = pc_malloc(((size_t)nbuckets + 1) * sizeof *pv->bstart, "bucket directory");
  rc = pv->dir.stays && pv->dir.persons && pv->dir.identities && pv->bstart ? 0 : PC_ERR_MEM;
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
  pc_phase_end(ctx, s1 - s0, ctx->bytes_moved);

  /* Group by bucket, then sort each bucket. The grouping is a counting
   * scatter in two levels - first into at most 1024 groups of buckets, then
   * within each group (a few MB, in cache) by bucket - because one scatter
   * over millions of buckets misses the cache on every row (measured: 3x
   * slower at the city tier). Exact offsets come from the global counts. */
  PC_CALLG(pc_phase_begin(ctx, "sort"), out);
  free(b.buf);
  free(b.irows);
  free(b.gs);
  b.buf = NULL, b.irows = NULL, b.gs = NULL;
  pv->rows = pc_malloc((mine + 1) * sizeof *pv->rows, "place view");
  PC_CALLG(pc_agree(ctx, pv->rows ? 0 : PC_ERR_MEM), out);
  {
    const uint32_t nb = b1 - b0;
    int shift = 0;
    while ((nb >> shift) > 1024) shift++;
    const uint32_t ngroups = (nb >> shift) + 1;
    uint64_t *fill = b.bcount; /* reuse: nbuckets + 1 entries */
    uint64_t gfill[1025];
    const uint64_t base = pv->bstart[b0];
    for (uint32_t g = 0; g < ngroups; g++) {
      uint32_t k = b0 + (g << shift);
      gfill[g] = (k < b1 ? pv->bstart[k] : pv->bstart[b1]) - base;
    }
    pc_irow *in = b.recv.data, *mid = pv->rows;
    for (size_t i = 0; i < mine; i++) {
      uint32_t k = pc_bucket_of(in[i].place, in[i].channel, in[i].start, nbuckets);
      mid[gfill[(k - b0) >> shift]++] = in[i];
    }
    for (uint32_t k = b0; k < b1; k++) fill[k] = pv->bstart[k] - base;
    for (uint32_t g = 0; g < ngroups; g++) {
      uint32_t k0 = b0 + (g << shift);
      if (k0 >= b1) break;
      uint32_t k1 = k0 + (1u << shift) < b1 ? k0 + (1u << shift) : b1;
      for (uint64_t i = pv->bstart[k0] - base; i < pv->bstart[k1] - base; i++) {
        uint32_t k = pc_bucket_of(mid[i].place, mid[i].channel, mid[i].start, nbuckets);
        in[fill[k]++] = mid[i];
      }
    }
    /* The grouped rows are in the receive buffer: it becomes the view. */
    free(pv->rows);
    pv->rows = in;
    b.recv.data = NULL;
    b.recv.n = b.recv.cap = 0;
    uint64_t *local = pc_malloc(((size_t)nb + 1) * sizeof *local, "bucket offsets");
    PC_CALLG(pc_agree(ctx, local ? 0 : PC_ERR_MEM), out);
    for (uint32_t k = b0; k <= b1; k++) local[k - b0] = pv->bstart[k] - base;
    pc_irow_sort_buckets(pv->rows, local, nb);
    free(local);
    pv->nrows = mine;
  }
  pc_phase_end(ctx, mine, 0);
out:
  pc_raw_close(&st);
  free(b.buf);
  free(b.irows);
  free(b.dest);
  free(b.cum);
  free(b.gs);
  free(b.bcount);
  free(b.scount);
  pc_buf_free(&b.recv);
  return rc;
}

static int write_u64_array(pc_ctx *ctx, hid_t file, const char *name, const uint64_t *v, size_t n) {
  uint64_t dims[1] = {n};
  return pc_h5_write_array0(ctx, file, name, H5T_NATIVE_UINT64, 1, dims,
                            ctx->rank == 0 ? v : NULL, 0);
}

int pc_pview_write(pc_ctx *ctx, hid_t file, const pc_pview *pv) {
  const size_t K = (size_t)1 << pv->dir.bits;
  PC_CALL(pc_h5_write_table(ctx, file, "place_rows", pc_h5_type_irow(), pv->rows, pv->nrows, 0, 0));
  PC_CALL(write_u64_array(ctx, file, "bucket_start", pv->bstart, (size_t)pv->nbuckets + 1));
  PC_CALL(write_u64_array(ctx, file, "persons_dir", pv->dir.persons, K + 1));
  PC_CALL(write_u64_array(ctx, file, "identities_dir", pv->dir.identities, K + 1));
  PC_CALL(write_u64_array(ctx, file, "stays_dir", pv->dir.stays, K + 1));
  PC_CALL(pc_h5_attr_u64(file, "nbuckets", pv->nbuckets));
  PC_CALL(pc_h5_attr_i64(file, "pid_bits", pv->dir.bits));
  PC_CALL(pc_h5_attr_u64(file, "data_persons", pv->npersons));
  PC_CALL(pc_h5_attr_u64(file, "data_identities", pv->nidentities));
  PC_CALL(pc_h5_attr_u64(file, "data_stays", pv->nstays));
  PC_CALL(pc_h5_attr_u64(file, "data_stays_checksum", pv->stays_checksum));
  PC_CALL(pc_h5_attr_i64(file, "window_start", pv->window_start));
  PC_CALL(pc_h5_attr_i64(file, "window_end", pv->window_end));
  for (int c = 0; c < PC_NCHANNELS; c++) {
    char name[48];
    snprintf(name, sizeof name, "dmax_%s", pc_channel_names[c]);
    PC_CALL(pc_h5_attr_i64(file, name, pv->dmax[c]));
  }
  hid_t d;
  PC_CALL(pc_h5_dset_open(file, "place_rows", &d, NULL));
  int rc = pc_h5_attr_str(
      d, "description",
      "the co-location index: one row per stay (and per household member, channel 0, place = "
      "household), sorted by (bucket, place, start, end, pid, row, carriage); bucket = hash of "
      "the place (and of the local day of start for lbs and grid); bucket_start[k] is the first "
      "row of bucket k; cum = the person's whole minutes in that grid over the data window");
  H5Dclose(d);
  return rc;
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
  hid_t d;
  const char *const names[4] = {"persons", "identities", "stays", NULL};
  for (int i = 0; i < 3 && !rc; i++)
    if (!(rc = pc_h5_dset_open(data, names[i], &d, &have[i]))) H5Dclose(d);
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
  if (!rc) rc = pc_raw_open(f, path, "place_rows", pc_h5_type_irow(), &pv->raw);
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
