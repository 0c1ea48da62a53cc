/* pc_pview_file.c - the persisted place view: written, opened, its buckets read; stays lookups. */
#include "pc_pview.h"
#include "pc_pview_impl.h"

#include <stdlib.h>
#include <string.h>

#include "pc_schema.h"

int pc_pview_bucket(const pc_pview *pv, int rank, uint32_t b, const pc_irow **rows, size_t *n,
                    pc_irow **buf, size_t *cap) {
  if (pv->bpart && (b < pv->rank_b0[rank] || b >= pv->rank_b0[rank + 1]))
    return PC_ERROR(PC_ERR_ARG, "bucket %u asked of rank %d, which holds %u..%u", b, rank,
                    pv->rank_b0[rank], pv->rank_b0[rank + 1]);
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
  PC_CALL(pc_raw_read(&pv->raw, r0, *n, *buf));
  if (pc_irows_checksum_sum(*buf, *n) != pv->bsum[b])
    return PC_ERROR(PC_ERR_DATA,
                    "%s: bucket %u (rows %llu..%llu) does not match its checksum in "
                    "/bucket_sum: the index is damaged (build it again)",
                    pv->raw.what, b, (unsigned long long)r0, (unsigned long long)r1);
  return 0;
}

int pc_stays_read_slots(const pc_raw *st, const uint64_t *dir, const uint64_t *sums, uint64_t k0,
                        uint64_t k1, pc_stay **buf, size_t *cap, size_t *m) {
  const uint64_t lo = dir[k0], hi = dir[k1 + 1];
  *m = (size_t)(hi - lo);
  if (*m > *cap) { /* by half again at least: runs of slots grow a little at a time */
    const size_t want = *m > *cap + *cap / 2 ? *m : *cap + *cap / 2;
    pc_stay *nb = pc_realloc(*buf, want * sizeof *nb, "stays of persons");
    if (!nb) return PC_ERR_MEM;
    *buf = nb, *cap = want;
  }
  if (*m) PC_CALL(pc_raw_read(st, lo, *m, *buf));
  for (uint64_t k = k0, at = 0; k <= k1; k++) {
    const uint64_t sum = pc_stays_fingerprint_sum(*buf + at, (size_t)(dir[k + 1] - dir[k]));
    at += dir[k + 1] - dir[k];
    if (sum != sums[k])
      return PC_ERROR(PC_ERR_DATA,
                      "%s: rows %llu..%llu do not match their checksum in the index (/stays_sum, "
                      "or /dispatch_sum for its dispatch table): the file is damaged (restore it "
                      "or make it again)",
                      st->what, (unsigned long long)dir[k], (unsigned long long)dir[k + 1]);
  }
  return 0;
}

int pc_slots_each(const pc_raw *st, const pc_piddir *d, const uint64_t *sums, const void *items,
                  size_t stride, size_t n, int (*fn)(void *arg, size_t q, const pc_stay *s, size_t m),
                  void *arg, uint64_t read[2]) {
  pc_stay *buf = NULL;
  size_t cap = 0;
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    uint64_t k0, k1;
    const size_t j = pc_stays_slot_run(d, items, stride, i, n, &k0, &k1);
    if ((rc = pc_piddir_need(d, k0))) break;
    size_t m = 0, a = 0;
    rc = pc_stays_read_slots(st, d->stays, sums, k0, k1, &buf, &cap, &m);
    if (read) read[0] += k1 - k0 + 1, read[1] += m;
    for (size_t q = i; q < j && !rc; q++) {
      uint64_t pid;
      memcpy(&pid, (const char *)items + q * stride, sizeof pid);
      while (a < m && buf[a].pid < pid) a++;
      size_t b = a;
      while (b < m && buf[b].pid == pid) b++;
      rc = fn(arg, q, buf + a, b - a);
      a = b;
    }
    i = j;
  }
  free(buf);
  return rc;
}

/* The most rows between two slots that one read still covers together
 * (reading and checking 256 rows costs less than a call: on this VM a
 * pread is ~5 us, and a thousand cases' jurisdictions made 70 k of them
 * when runs broke at two empty slots of a 20-bit directory), and the most
 * rows one read takes (3 MB of 48-byte rows). */
#define GAP_ROWS 256
#define READ_MAX ((uint64_t)1 << 16)

size_t pc_stays_slot_run(const pc_piddir *d, const void *items, size_t stride, size_t i, size_t n,
                         uint64_t *k0, uint64_t *k1) {
  const unsigned char *b = items;
  uint64_t pid;
  memcpy(&pid, b + i * stride, sizeof pid);
  *k0 = *k1 = pc_piddir_key(d, pid);
  size_t j = i + 1;
  for (; j < n; j++) {
    memcpy(&pid, b + j * stride, sizeof pid);
    const uint64_t k = pc_piddir_key(d, pid);
    if (!pc_piddir_holds(d, k) || (k > *k1 && d->stays[k] - d->stays[*k1 + 1] > GAP_ROWS) ||
        d->stays[k + 1] - d->stays[*k0] > READ_MAX)
      break;
    *k1 = k;
  }
  return j;
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

/* Collective, agreed: the dispatch table (pc_pview.h), each rank its rows. */
static int write_dispatch(pc_out *out, const pc_pview *pv) {
  pc_ctx *ctx = out->ctx;
  const size_t K = (size_t)1 << pv->disp.dir.bits;
  PC_CALL(pc_indexfile_rows_table(
      out, &pc_schema_dispatch_stays, pv->dsp_total, pv->dsp_at, pv->ndsp, pv->dsp,
      "the dispatch table: for each person with a stay covering dispatch_at (03:00 on the day "
      "before the dataset's as_of), the one stay (as in /stays) that rule 11 picks - the "
      "longest, ties by channel, then place - in pid order; dispatch_dir[k] is the first row of "
      "pid directory slot k (the top pid_bits bits), dispatch_sum[k] its rows' fingerprint sum; "
      "a person not in it has no stay covering the instant"));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "dispatch_dir", pv->disp.dir.stays, K + 1));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "dispatch_sum", pv->disp.sum, K));
  pc_out_attr_i64(out, "dispatch_at", pv->disp.at);
  return 0;
}

/* Collective, agreed: /place_rows, each rank its rows after the lower ranks'. */
static int write_place_rows(pc_out *out, const pc_pview *pv) {
  pc_ctx *ctx = out->ctx;
  uint64_t start = 0, total = pv->nrows;
  PC_CALL(pc_agree(ctx, pc_exscan_u64(ctx, pv->nrows, &start)));
  PC_CALL(pc_sum_u64(ctx, &total, 1));
  return pc_indexfile_rows_table(out, &pc_schema_place_rows, total, start, pv->nrows, pv->rows,
                                 pc_place_rows_description);
}

int pc_pview_write(pc_out *out, const pc_pview *pv) {
  pc_ctx *ctx = out->ctx;
  const size_t K = (size_t)1 << pv->dir.bits;
  /* Contiguous: trace reads buckets of it with pread (pc_raw_open); each
   * rank writes its rows, which follow the lower ranks'. */
  if (!pv->rows_written) PC_CALL(write_place_rows(out, pv));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "bucket_start", pv->bstart,
                                  (size_t)pv->nbuckets + 1));
  /* Each bucket's fingerprint sum: this rank's buckets are rows [0, nrows) here. */
  uint64_t *bsum = pc_calloc((size_t)pv->nbuckets + 1, sizeof *bsum, "bucket checksums");
  PC_CALL(pc_agree(ctx, bsum ? 0 : PC_ERR_MEM));
  const uint32_t b0 = pv->rank_b0[pc_rank(ctx)], b1 = pv->rank_b0[pc_rank(ctx) + 1];
  const uint64_t base = pv->bstart[b0];
  if (pv->rows_written) /* taken by the sort, bucket by bucket in cache */
    memcpy(bsum, pv->bsum, (size_t)pv->nbuckets * sizeof *bsum);
  else
    for (uint32_t b = b0; b < b1; b++) {
      const uint64_t i = pv->bstart[b] - base, j = pv->bstart[b + 1] - base;
      const uint64_t end = j < pv->nrows ? j : pv->nrows;
      if (i < end) bsum[b] = pc_irows_checksum_sum(pv->rows + i, (size_t)(end - i));
    }
  int rc = pc_reduce_u64_to0(ctx, bsum, pv->nbuckets);
  if (!rc) rc = pc_indexfile_write_u64s(ctx, out->file, "bucket_sum", bsum, pv->nbuckets);
  free(bsum);
  PC_CALL(rc);
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "persons_dir", pv->dir.persons, K + 1));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "identities_dir", pv->dir.identities, K + 1));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "stays_dir", pv->dir.stays, K + 1));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "stays_sum", pv->stays_sum, K));
  if (pv->disp.has) PC_CALL(write_dispatch(out, pv));
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

/* Local: the bucket count and pid bits of the index f (at path), which
 * must have been built from the dataset `data` (its persons, identities,
 * stays and stays checksum, into have[4]; pc_indexfile_of_data). */
static int read_header(pc_file f, const char *path, pc_file data, const char *data_path,
                       uint64_t *nb, int64_t *bits, uint64_t have[4]) {
  int rc = pc_indexfile_of_data(f, path, data, data_path, have);
  if (!rc) rc = pc_indexfile_attr_u64(f, "nbuckets", nb);
  if (!rc) rc = pc_indexfile_attr_i64(f, "pid_bits", bits);
  return rc;
}

/* The slots of this rank's pids in a directory of `bits` bits. */
static void own_slots(pc_ctx *ctx, int bits, uint64_t *k0, uint64_t *k1) {
  uint64_t p0, p1;
  pc_owner_range(pc_rank(ctx), pc_nranks(ctx), &p0, &p1);
  const pc_piddir d = {.bits = bits};
  *k0 = pc_piddir_key(&d, p0), *k1 = pc_piddir_key(&d, p1);
}

/* pc_disptab_open; part: only slots k0..k1 (pc_piddir.part). */
static int disptab_open(int part, uint64_t k0, uint64_t k1, pc_file f, const char *path, int bits,
                        pc_disptab *d) {
  if (!pc_indexfile_has(f, "dispatch_stays")) return 0;
  const size_t K = (size_t)1 << bits;
  d->dir.bits = bits;
  d->has = 1; /* so pc_disptab_free frees what follows, whatever fails */
  PC_CALL(pc_indexfile_attr_i64(f, "dispatch_at", &d->at));
  if (part) {
    if (k0 > k1 || k1 >= K)
      return PC_ERROR(PC_ERR_ARG, "%s: pid slots %llu..%llu of %zu", path, (unsigned long long)k0,
                      (unsigned long long)k1, K);
    d->dir.k0 = k0, d->dir.k1 = k1;
    d->dir.part = 1;
    PC_CALL(pc_indexfile_read_u64s_part(f, "dispatch_dir", K + 1, d->dir.k0, d->dir.k1 + 2,
                                        &d->dir.stays));
    PC_CALL(pc_indexfile_read_u64s_part(f, "dispatch_sum", K, d->dir.k0, d->dir.k1 + 1, &d->sum));
  } else {
    PC_CALL(pc_indexfile_read_u64s(f, "dispatch_dir", K + 1, &d->dir.stays));
    PC_CALL(pc_indexfile_read_u64s(f, "dispatch_sum", K, &d->sum));
  }
  PC_CALL(pc_raw_open(f, path, &pc_schema_dispatch_stays, &d->raw));
  if (d->raw.nrows != d->dir.stays[K])
    return PC_ERROR(PC_ERR_DATA, "%s: dispatch_stays has %llu rows, dispatch_dir says %llu", path,
                    (unsigned long long)d->raw.nrows, (unsigned long long)d->dir.stays[K]);
  return 0;
}

int pc_disptab_open(pc_file f, const char *path, int bits, pc_disptab *d) {
  return disptab_open(0, 0, 0, f, path, bits, d);
}

int pc_disptab_open_part(pc_file f, const char *path, int bits, uint64_t k0, uint64_t k1,
                         pc_disptab *d) {
  return disptab_open(1, k0, k1, f, path, bits, d);
}

/* Entries [a, b) of bstart read, but for those of [c0, c1), already there. */
static int read_bstart(pc_file f, const pc_pview *pv, size_t a, size_t b, size_t c0, size_t c1) {
  const size_t n = (size_t)pv->nbuckets + 1;
  if (a < c0)
    PC_CALL(pc_indexfile_read_u64s_into(f, "bucket_start", n, a, b < c0 ? b : c0, pv->bstart));
  if (b > c1)
    PC_CALL(pc_indexfile_read_u64s_into(f, "bucket_start", n, a > c1 ? a : c1, b, pv->bstart));
  return 0;
}

/* Local: bstart[a..b] increasing, bstart[0] 0. */
static int check_bstart(const char *path, const pc_pview *pv, size_t a, size_t b) {
  for (size_t k = a; k < b; k++)
    if (pv->bstart[k] > pv->bstart[k + 1] || (k == 0 && pv->bstart[0] != 0))
      return PC_ERROR(PC_ERR_DATA, "%s: bucket_start is not increasing at bucket %zu: the "
                      "index is damaged (build it again)", path, k);
  return 0;
}

/* /bucket_start and /bucket_sum, this rank's buckets only (at a province,
 * 2^24 buckets: 0.27 GB the two, for every rank). The cut of the buckets
 * into ranks by rows (pc_cut_ranges over the whole of bucket_start) is found
 * together: each rank reads an equal slice of bucket_start and finds the
 * cuts that fall in it; then each reads its own buckets' entries. Collective,
 * agreed. */
static int read_buckets(pc_ctx *ctx, pc_file f, const char *path, pc_pview *pv) {
  const uint32_t nb = pv->nbuckets, P = (uint32_t)pc_nranks(ctx), me = (uint32_t)pc_rank(ctx);
  const size_t lo = (size_t)nb * me / P, hi = (size_t)nb * (me + 1) / P; /* the slice */
  const size_t c0 = lo ? lo - 1 : 0, c1 = hi + 1; /* its entries, and the one before */
  uint64_t *cut = pc_malloc((P + 1) * sizeof *cut, "bucket ranges");
  pv->rank_b0 = pc_malloc((P + 1) * sizeof *pv->rank_b0, "bucket ranges");
  int rc = cut && pv->rank_b0 ? 0 : PC_ERR_MEM;
  if (!rc) rc = pc_indexfile_read_u64s_part(f, "bucket_start", (size_t)nb + 1, c0, c1, &pv->bstart);
  if (!rc) rc = check_bstart(path, pv, c0, hi);
  if (!rc && pv->bstart[hi] > pv->bstart[nb])
    rc = PC_ERROR(PC_ERR_DATA, "%s: bucket_start is not increasing at bucket %zu: the index is "
                  "damaged (build it again)", path, (size_t)hi);
  rc = pc_agree(ctx, rc);
  if (!rc) {
    pc_cut_ranges_part(pv->bstart, nb, (uint32_t)lo, (uint32_t)hi, P, cut);
    rc = pc_min_u64(ctx, cut, (int)P + 1);
  }
  if (!rc) {
    for (uint32_t r = 0; r <= P; r++) pv->rank_b0[r] = (uint32_t)cut[r];
    const size_t b0 = pv->rank_b0[me], b1 = pv->rank_b0[me + 1];
    rc = read_bstart(f, pv, b0, b1 + 1, c0, c1);
    if (!rc) rc = check_bstart(path, pv, b0, b1);
    if (!rc) rc = pc_indexfile_read_u64s_part(f, "bucket_sum", nb, b0, b1, &pv->bsum);
    pv->bpart = 1;
  }
  free(cut);
  return rc;
}

int pc_pview_open(pc_ctx *ctx, const char *path, pc_file data, const char *data_path,
                  pc_pview *pv) {
  memset(pv, 0, sizeof *pv);
  pv->raw.fd = -1;
  pv->disp.raw.fd = -1;
  pv->from_file = 1;
  pc_file f;
  PC_CALL(pc_indexfile_open(ctx, path, &f));
  int64_t bits = 0;
  uint64_t nb = 0, have[4] = {0};
  int rc = read_header(f, path, data, data_path, &nb, &bits, have);
  if (!rc && (nb < 1 || (nb & (nb - 1)) || nb > (1u << 30) || bits < 1 || bits > 30))
    rc = PC_ERROR(PC_ERR_DATA, "%s: nbuckets %llu / pid_bits %lld out of range (damaged index?)",
                  path, (unsigned long long)nb, (long long)bits);
  for (int i = 0; i < 2 && !rc; i++)
    if (!pc_indexfile_has(f, i ? "stays_sum" : "bucket_sum"))
      rc = PC_ERROR(PC_ERR_DATA, "%s has no /%s (an index of an earlier version): "
                    "build it again with paicha index", path, i ? "stays_sum" : "bucket_sum");
  if ((rc = pc_agree(ctx, rc))) {
    pc_indexfile_close(f);
    return rc;
  }
  pv->nbuckets = (uint32_t)nb;
  rc = read_buckets(ctx, f, path, pv);
  if (!rc) {
    pv->dir.bits = (int)bits;
    pv->npersons = have[0], pv->nidentities = have[1], pv->nstays = have[2];
    pv->stays_checksum = have[3];
    size_t K = (size_t)1 << bits;
    /* The pid directories: this rank's slots only (2^24 slots, 0.8 GB for
     * the six of them, at a province; a rank's share at any rank count). */
    pc_piddir *d = &pv->dir;
    own_slots(ctx, d->bits, &d->k0, &d->k1);
    d->part = 1;
    const size_t a = d->k0, b = d->k1 + 1;
    if (!rc) rc = pc_indexfile_read_u64s_part(f, "persons_dir", K + 1, a, b + 1, &d->persons);
    if (!rc) rc = pc_indexfile_read_u64s_part(f, "identities_dir", K + 1, a, b + 1, &d->identities);
    if (!rc) rc = pc_indexfile_read_u64s_part(f, "stays_dir", K + 1, a, b + 1, &d->stays);
    if (!rc) rc = pc_indexfile_read_u64s_part(f, "stays_sum", K, a, b, &pv->stays_sum);
  }
  if (!rc) rc = pc_indexfile_attr_i64(f, "window_start", &pv->window_start);
  if (!rc) rc = pc_indexfile_attr_i64(f, "window_end", &pv->window_end);
  for (int c = 0; c < PC_NCHANNELS && !rc; c++) {
    char name[48];
    snprintf(name, sizeof name, "dmax_%s", pc_channel_names[c]);
    rc = pc_indexfile_attr_i64(f, name, &pv->dmax[c]);
  }
  if (!rc) rc = pc_disptab_open_part(f, path, pv->dir.bits, pv->dir.k0, pv->dir.k1, &pv->disp);
  if (!rc) rc = pc_raw_open(f, path, &pc_schema_place_rows, &pv->raw);
  if (!rc && pv->raw.nrows != pv->bstart[pv->nbuckets])
    rc = PC_ERROR(PC_ERR_DATA, "%s: place_rows has %llu rows, bucket_start says %llu", path,
                  (unsigned long long)pv->raw.nrows,
                  (unsigned long long)pv->bstart[pv->nbuckets]);
  pc_indexfile_close(f);
  return pc_agree(ctx, rc);
}

