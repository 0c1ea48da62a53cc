/* pc_index.c - ordering the place view, answering place queries, grid totals. */
#include "pc_index.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_sort.h"


int pc_irow_cmp(const pc_irow *a, const pc_irow *b) {
#define PC_CMP_FIELD(f) \
  if (a->f != b->f) return a->f < b->f ? -1 : 1
  PC_CMP_FIELD(place);
  PC_CMP_FIELD(start);
  PC_CMP_FIELD(end);
  PC_CMP_FIELD(pid);
  PC_CMP_FIELD(row);
  PC_CMP_FIELD(carriage);
#undef PC_CMP_FIELD
  return 0;
}

static inline void irow_swap(pc_irow *a, pc_irow *b) {
  pc_irow t = *a;
  *a = *b;
  *b = t;
}

/* Sort a[0..n) by pc_irow_cmp in place: quicksort (Hoare's partition round
 * the middle element, median of three; the smaller side recursed, so the
 * depth stays under log2 n), insertion sort below 16 rows. Rows equal by
 * pc_irow_cmp are equal in every byte (a place's channel is in its id; cum
 * is the person's in that place), so the result is the one any sort gives.
 * It replaced glibc's qsort, a merge sort that allocates for every bucket
 * and calls the comparison through a pointer: 12 % of an index build. */
static void irow_sort(pc_irow *a, size_t n) {
  while (n > 16) {
    const size_t m = n / 2;
    if (pc_irow_cmp(&a[m], &a[0]) < 0) irow_swap(&a[m], &a[0]);
    if (pc_irow_cmp(&a[n - 1], &a[0]) < 0) irow_swap(&a[n - 1], &a[0]);
    if (pc_irow_cmp(&a[n - 1], &a[m]) < 0) irow_swap(&a[n - 1], &a[m]);
    const pc_irow p = a[m];
    ptrdiff_t i = -1, j = (ptrdiff_t)n;
    for (;;) {
      do i++; while (pc_irow_cmp(&a[i], &p) < 0);
      do j--; while (pc_irow_cmp(&a[j], &p) > 0);
      if (i >= j) break;
      irow_swap(&a[i], &a[j]);
    }
    const size_t left = (size_t)j + 1; /* [0, left) <= p <= [left, n), both non-empty */
    if (left < n - left) {
      irow_sort(a, left);
      a += left, n -= left;
    } else {
      irow_sort(a + left, n - left);
      n = left;
    }
  }
  for (size_t i = 1; i < n; i++) {
    if (pc_irow_cmp(&a[i - 1], &a[i]) <= 0) continue;
    const pc_irow x = a[i];
    size_t j = i;
    for (; j > 0 && pc_irow_cmp(&a[j - 1], &x) > 0; j--) a[j] = a[j - 1];
    a[j] = x;
  }
}

void pc_irow_sort_buckets(pc_irow *rows, const uint64_t *bstart, size_t nb) {
  for (size_t k = 0; k < nb; k++) irow_sort(rows + bstart[k], bstart[k + 1] - bstart[k]);
}

/* Bits that hold v (0 for 0). */
static inline int width_of(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

/* Sort one bucket's rows src[0..n) (any order) into dst[0..n) by
 * pc_irow_cmp, through 64-bit keys: key[i] holds, from the top, the rank of
 * the row's place among the bucket's (sorted) places, start and end above
 * the bucket's least, and the top bits of pid, as many of these as fit above
 * the row's index i; the first field that does not fit keeps its top bits.
 * Each field is a monotone function of its own, so cmp(a, b) < 0 gives
 * key(a) <= key(b): the keys sorted by LSD radix (pc_sort_u64_above) order the rows
 * but for runs of equal key fields, which are then sorted by irow_sort. A
 * bucket holds at most a few places (a place and, for lbs and grid, a day)
 * but thousands of rows whose (place, start) tie: comparing them went down to
 * pid, every comparison a branch the processor could not predict (3/4 of the
 * sort phase). With more than 64 places, or few rows, irow_sort does it all.
 * key and ktmp hold n each. */
static void irow_sort_into(pc_irow *dst, const pc_irow *src, size_t n, uint64_t *key,
                           uint64_t *ktmp) {
  enum { SMALL = 24, PLACES = 64 };
  uint64_t place[PLACES];
  int d = 0;
  if (n > SMALL) {
    int64_t s0 = src[0].start, s1 = s0, e0 = src[0].end, e1 = e0;
    for (size_t i = 0; i < n && d <= PLACES; i++) {
      const pc_irow *r = &src[i];
      if (r->start < s0) s0 = r->start;
      if (r->start > s1) s1 = r->start;
      if (r->end < e0) e0 = r->end;
      if (r->end > e1) e1 = r->end;
      int j = 0;
      while (j < d && place[j] != r->place) j++;
      if (j == d && d++ < PLACES) place[j] = r->place;
    }
    if (d <= PLACES) {
      for (int i = 1; i < d; i++) /* the places in order: their ranks keep it */
        for (int j = i; j > 0 && place[j - 1] > place[j]; j--) {
          uint64_t t = place[j];
          place[j] = place[j - 1];
          place[j - 1] = t;
        }
      /* fields from the top: width, and the bits of it kept */
      /* the index in whole bytes: the sort skips their passes (their order
       * only tells equal fields apart, and irow_sort orders those runs) */
      const int ib = (width_of(n - 1) + 7) / 8 * 8;
      /* spans and offsets as uint64: starts may lie anywhere in int64 */
      int w[4] = {width_of((uint64_t)d - 1), width_of((uint64_t)s1 - (uint64_t)s0),
                  width_of((uint64_t)e1 - (uint64_t)e0), 64};
      int keep[4] = {0}, at[4] = {0}, room = 64 - ib;
      for (int f = 0; f < 4 && room > 0; f++) {
        keep[f] = w[f] < room ? w[f] : room;
        room -= keep[f];
        at[f] = room + ib;
        if (keep[f] < w[f]) break;
      }
#define PC_KEY_FIELD(f, v) \
  (keep[f] ? ((uint64_t)(v) >> (w[f] - keep[f])) << at[f] : 0)
      for (size_t i = 0; i < n; i++) {
        const pc_irow *r = &src[i];
        int rank = 0;
        while (place[rank] != r->place) rank++;
        key[i] = PC_KEY_FIELD(0, rank) | PC_KEY_FIELD(1, (uint64_t)r->start - (uint64_t)s0) |
                 PC_KEY_FIELD(2, (uint64_t)r->end - (uint64_t)e0) | PC_KEY_FIELD(3, r->pid) | i;
      }
#undef PC_KEY_FIELD
      pc_sort_u64_above(key, ktmp, n, ib);
      const uint64_t idx = ((uint64_t)1 << ib) - 1;
      for (size_t i = 0; i < n; i++) dst[i] = src[key[i] & idx];
      for (size_t i = 0, j; i < n; i = j) { /* runs of equal fields: the rest of cmp */
        for (j = i + 1; j < n && (key[j] & ~idx) == (key[i] & ~idx); j++) {
        }
        if (j - i > 1) irow_sort(dst + i, j - i);
      }
      return;
    }
  }
  memcpy(dst, src, n * sizeof *dst);
  irow_sort(dst, n);
}

/* A power of two from the size of the data alone, never from the
 * rank count, so the index is the same file at any rank count. */
uint32_t pc_index_buckets(uint64_t nstays, int64_t given) {
  if (given > 0) return (uint32_t)given;
  uint32_t b = 1024;
  while (b < (1u << 24) && (uint64_t)b * 128 < nstays) b <<= 1;
  return b;
}

void pc_stays_bucket_count(const pc_stay *s, size_t n, uint32_t nbuckets, uint64_t *count) {
  /* The counts are megabytes: each one fetched a few rows ahead (a miss a
   * row, in turn, was half of the index's count pass). */
  enum { B = 512, AHEAD = 32 };
  uint32_t bk[B];
  for (size_t i0 = 0; i0 < n; i0 += B) {
    const size_t m = n - i0 < B ? n - i0 : B;
    for (size_t i = 0; i < m; i++)
      bk[i] = pc_bucket_of(s[i0 + i].place, s[i0 + i].channel, s[i0 + i].start, nbuckets);
    for (size_t i = 0; i < m; i++) {
      if (i + AHEAD < m) __builtin_prefetch(&count[bk[i + AHEAD]], 1);
      count[bk[i]]++;
    }
  }
}

/* The scatter goes in two levels - first into at most 1024 groups of
 * buckets, then within each group (a few MB, in cache) by bucket - because
 * one scatter over millions of buckets misses the cache on every row
 * (measured: 3x slower at the city tier). */
int pc_irow_placer_init(pc_irow_placer *p, pc_irow *rows, const uint64_t *local, uint32_t b0,
                        uint32_t b1, uint32_t nbuckets) {
  memset(p, 0, sizeof *p);
  p->rows = rows, p->local = local, p->b0 = b0, p->nb = b1 - b0, p->nbuckets = nbuckets;
  while ((p->nb >> p->shift) > 1024) p->shift++;
  p->ngroups = (p->nb >> p->shift) + 1;
  for (uint32_t g = 0; g <= p->ngroups; g++) {
    uint32_t k = g << p->shift;
    p->gfill[g] = p->gend[g] = local[k < p->nb ? k : p->nb];
  }
  for (uint32_t g = 0; g < p->ngroups; g++) p->gend[g] = p->gfill[g + 1];
  return 0;
}

int pc_irow_place(pc_irow_placer *p, const pc_irow *in, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const uint32_t k = pc_bucket_of(in[i].place, in[i].channel, in[i].start, p->nbuckets) - p->b0;
    if (k >= p->nb) return PC_ERROR(PC_ERR_DATA, "index: a row of bucket %u reached the owner of buckets %u..%u",
                                    k + p->b0, p->b0, p->b0 + p->nb);
    const uint32_t g = k >> p->shift;
    if (p->gfill[g] == p->gend[g]) {
      p->over++;
      continue;
    }
    p->rows[p->gfill[g]++] = in[i];
    p->placed++;
  }
  return 0;
}

int pc_irow_placer_finish(pc_irow_placer *p) {
  if (p->over)
    return PC_ERROR(PC_ERR_DATA, "index: %llu more %s arrived for buckets %u..%u than were counted",
                    (unsigned long long)p->over, pc_plural(p->over, "row", "rows"), p->b0,
                    p->b0 + p->nb);
  uint64_t most = 0;
  for (uint32_t g = 0; g < p->ngroups; g++) {
    if (p->gfill[g] != p->gend[g])
      return PC_ERROR(PC_ERR_DATA, "index: fewer rows arrived for buckets %u.. than were counted",
                      p->b0 + (g << p->shift));
    uint32_t k0 = g << p->shift;
    if (k0 < p->nb && p->gend[g] - p->local[k0] > most) most = p->gend[g] - p->local[k0];
  }
  uint64_t big = 0; /* the largest bucket */
  for (uint32_t k = 0; k < p->nb; k++)
    if (p->local[k + 1] - p->local[k] > big) big = p->local[k + 1] - p->local[k];
  pc_irow *tmp = pc_malloc((most + 1) * sizeof *tmp, "index rows of a bucket group");
  uint64_t *fill = pc_malloc(((size_t)(1u << p->shift) + 1) * sizeof *fill, "bucket offsets");
  uint64_t *key = pc_malloc((2 * big + 1) * sizeof *key, "sort keys of a bucket");
  if (!tmp || !fill || !key) {
    free(tmp);
    free(fill);
    free(key);
    return PC_ERR_MEM;
  }
  /* Each group into the scratch by bucket, in arrival order, then each
   * bucket sorted back into its place while the group is still in cache; its
   * rows are then final, and p->done may take them. */
  for (uint32_t g = 0; g < p->ngroups; g++) {
    const uint32_t k0 = g << p->shift;
    if (k0 >= p->nb) break;
    const uint32_t k1 = k0 + (1u << p->shift) < p->nb ? k0 + (1u << p->shift) : p->nb;
    const uint64_t a = p->local[k0], m = p->local[k1] - a;
    const pc_irow *in = p->rows + a;
    for (uint32_t k = k0; k < k1; k++) fill[k - k0] = p->local[k] - a;
    int bad = 0; /* a bucket's rows other than its count (the group's total right) */
    for (uint64_t i = 0; i < m; i++) {
      uint32_t k = pc_bucket_of(in[i].place, in[i].channel, in[i].start, p->nbuckets) - p->b0;
      if (fill[k - k0] == p->local[k + 1] - a) {
        bad = 1;
        break;
      }
      tmp[fill[k - k0]++] = in[i];
    }
    if (bad) {
      free(tmp);
      free(fill);
      free(key);
      return PC_ERROR(PC_ERR_DATA, "index: the rows of buckets %u..%u are not those counted",
                      p->b0 + k0, p->b0 + k1);
    }
    for (uint32_t k = k0; k < k1; k++)
      irow_sort_into(p->rows + p->local[k], tmp + (p->local[k] - a),
                     p->local[k + 1] - p->local[k], key, key + big);
    if (p->done) p->done(p->done_arg, p->local[k1]);
  }
  free(tmp);
  free(fill);
  free(key);
  return 0;
}

int pc_irow_group_sort(pc_irow *v, size_t n, uint32_t b0, uint32_t b1, uint32_t nbuckets,
                       const uint64_t *local) {
  pc_irow *in = pc_malloc((n + 1) * sizeof *in, "index rows");
  if (!in) return PC_ERR_MEM;
  memcpy(in, v, n * sizeof *in);
  pc_irow_placer p;
  pc_irow_placer_init(&p, v, local, b0, b1, nbuckets);
  int rc = pc_irow_place(&p, in, n);
  free(in);
  return rc ? rc : pc_irow_placer_finish(&p);
}

void pc_irow_merge_back(pc_irow *rows, const uint64_t *kstart, const pc_irow *in,
                        const uint64_t *local, uint32_t nb, size_t nadd, int64_t new_ws,
                        int64_t old_we,
                        uint64_t *count, uint64_t *missing) {
  ptrdiff_t o = (ptrdiff_t)(kstart[nb] + nadd) - 1;
  for (uint32_t k = nb; k-- > 0;) {
    ptrdiff_t i = (ptrdiff_t)kstart[k + 1] - 1, j = (ptrdiff_t)local[k + 1] - 1, end = o;
    const ptrdiff_t i0 = (ptrdiff_t)kstart[k], j0 = (ptrdiff_t)local[k];
    while (j >= j0) {
      int c = i >= i0 ? pc_irow_cmp(&rows[i], &in[j]) : -1;
      if (c > 0) {
        rows[o--] = rows[i--];
      } else if (pc_irow_is_update(&in[j], new_ws, old_we)) {
        if (c != 0) (*missing)++;
        for (ptrdiff_t e = i; e >= i0 && !pc_irow_cmp(&rows[e], &in[j]); e--)
          rows[e].cum = in[j].cum; /* kept rows stay in line for their slots */
        j--;
      } else {
        rows[o--] = in[j--];
      }
    }
    if (o == i) /* the bucket's first kept rows are in place already */
      o = i0 - 1;
    else
      while (i >= i0) rows[o--] = rows[i--];
    count[k] = (uint64_t)(end - o);
  }
}

int pc_piddir_bits(uint64_t n) {
  int bits = 8;
  while (bits < 24 && (n >> bits) > 256) bits++;
  return bits;
}

uint64_t *pc_piddir_make(const uint64_t *counts, int bits) {
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

int pc_piddir_need(const pc_piddir *d, uint64_t k) {
  if (pc_piddir_holds(d, k)) return 0;
  return PC_ERROR(PC_ERR_ARG, "the stays of a pid this rank does not own (directory slot %llu, "
                  "this rank's %llu..%llu)", (unsigned long long)k, (unsigned long long)d->k0,
                  (unsigned long long)d->k1);
}

void pc_piddir_range(const pc_piddir *d, const uint64_t *dir, uint64_t p0, uint64_t p1,
                     uint64_t *lo, uint64_t *hi) {
  *lo = dir[pc_piddir_key(d, p0)];
  *hi = dir[pc_piddir_key(d, p1) + 1];
}

/* First index in [lo, hi) whose start is >= t. */
static size_t lower_start(const pc_irow *r, size_t lo, size_t hi, int64_t t) {
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r[mid].start < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* First run whose place is >= place (runs[0..nruns) start rows of one place each). */
static size_t first_run(const pc_irow *rows, const size_t *runs, size_t nruns, uint64_t place) {
  size_t lo = 0, hi = nruns;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (rows[runs[mid]].place < place)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Where a bucket's hits go: to emit at once, or (best != NULL) kept per row, the
 * best by pc_hit_less, until the bucket is done. */
typedef struct sink {
  pc_hit_fn emit;
  void *arg;
  pc_hit *best;  /* n entries, best[i] meaningful when seen[i] */
  uint8_t *seen; /* n entries: row i has a hit */
} sink;

static inline void give(sink *k, size_t i, const pc_hit *h) {
  if (!k->best) {
    k->emit(k->arg, h);
  } else if (!k->seen[i]) {
    k->seen[i] = 1;
    k->best[i] = *h;
  } else if (pc_hit_less(h, &k->best[i])) {
    k->best[i] = *h;
  }
}

/* The rows [r0, r1) of one place (longest stay dmax) that make a contact with Q. */
static void answer_run(const pc_chan_rule *rule, const pc_irow *rows, size_t r0, size_t r1,
                       int64_t dmax, const pc_query *Q, uint32_t qk, sink *k) {
  pc_hit h = {0};
  h.source = Q->source;
  h.channel = Q->channel;
  h.place = Q->place;
  h.root = Q->root;
  h.query = qk;
  pc_side x = {Q->a, Q->b, Q->row, Q->cum};
  size_t c0 = lower_start(rows, r0, r1, Q->a - dmax), c1 = lower_start(rows, c0, r1, Q->b);
  for (size_t i = c0; i < c1; i++) {
    const pc_irow *u = &rows[i];
    if (u->pid == Q->source || u->end <= Q->a) continue;
    pc_side y = {u->start, u->end, u->row, u->cum};
    int64_t e = pc_contact(rule, Q->channel, &x, &y, Q->a, Q->b);
    if (e < 0) continue;
    h.pid = u->pid;
    h.exposure = e;
    give(k, i, &h);
  }
}

/* A rail query: the runs of every carriage of its train (contiguous: the
 * carriage is the id's low byte) that meet its carriage. */
static void answer_rail(const pc_chan_rule rules[PC_NCHANNELS], const pc_irow *rows,
                        const size_t *runs, const int64_t *dmax, size_t nruns, size_t n,
                        const pc_query *Q, uint32_t qk, sink *s) {
  const uint64_t train = pc_rail_train(Q->place);
  for (size_t k = first_run(rows, runs, nruns, train);
       k < nruns && pc_rail_train(rows[runs[k]].place) == train; k++)
    if (pc_place_meets(PC_CH_RAIL, Q->place, rows[runs[k]].place))
      answer_run(&rules[PC_CH_RAIL], rows, runs[k], k + 1 < nruns ? runs[k + 1] : n, dmax[k], Q,
                 qk, s);
}

void pc_answer_bucket(const pc_chan_rule rules[PC_NCHANNELS], const pc_irow *rows, size_t n,
                      const pc_query *q, size_t nq, size_t *runs, int64_t *dmax, pc_hit *best,
                      uint8_t *seen, pc_hit_fn emit, void *arg) {
  sink k_ = {emit, arg, best, seen}, *sk = &k_;
  /* A byte a row marks the rows hit: the 40-byte hits of the others are
   * never written or read (a thousand cases' companions read 15.5 M rows
   * a rank, 9 M of them hit). */
  if (best) memset(seen, 0, n);
  /* Runs of one place, and the longest stay of each. */
  size_t nruns = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || rows[i].place != rows[i - 1].place) {
      runs[nruns] = i;
      dmax[nruns++] = 0;
    }
    int64_t d = rows[i].end - rows[i].start;
    if (d > dmax[nruns - 1]) dmax[nruns - 1] = d;
  }
  for (size_t k = 0; k < nq; k++) {
    const pc_query *Q = &q[k];
    if (Q->b <= Q->a) continue;
    if (Q->channel == PC_CH_RAIL) {
      answer_rail(rules, rows, runs, dmax, nruns, n, Q, (uint32_t)k, sk);
      continue;
    }
    size_t lo = first_run(rows, runs, nruns, Q->place);
    if (lo == nruns || rows[runs[lo]].place != Q->place) continue;
    size_t r0 = runs[lo], r1 = lo + 1 < nruns ? runs[lo + 1] : n;
    pc_hit h = {0};
    h.source = Q->source;
    h.channel = Q->channel;
    h.place = Q->place;
    h.root = Q->root;
    h.query = (uint32_t)k;
    if (Q->channel == PC_CH_HOUSEHOLD) { /* rule 6: every other member, exposure = window start */
      h.exposure = Q->a;
      for (size_t i = r0; i < r1; i++)
        if (rows[i].pid != Q->source && (i == r0 || rows[i].pid != rows[i - 1].pid)) {
          h.pid = rows[i].pid;
          give(sk, i, &h);
        }
      continue;
    }
    answer_run(&rules[Q->channel], rows, r0, r1, dmax[lo], Q, (uint32_t)k, sk);
  }
  if (!best) return;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) { /* eight rows a step: most steps have none hit */
    uint64_t w;
    memcpy(&w, seen + i, sizeof w);
    if (!w) continue;
    for (size_t j = i; j < i + 8; j++)
      if (seen[j]) emit(arg, &best[j]);
  }
  for (; i < n; i++)
    if (seen[i]) emit(arg, &best[i]);
}

/* Nothing clever: every row against every query, by the rules themselves. */
void pc_answer_bucket_ref(const pc_chan_rule rules[PC_NCHANNELS], const pc_irow *rows, size_t n,
                          const pc_query *q, size_t nq, pc_hit_fn emit, void *arg) {
  for (size_t k = 0; k < nq; k++) {
    const pc_query *Q = &q[k];
    for (size_t i = 0; i < n; i++) {
      const pc_irow *u = &rows[i];
      if (!pc_place_meets(Q->channel, Q->place, u->place) || u->pid == Q->source) continue;
      pc_hit h = {0};
      h.pid = u->pid;
      h.source = Q->source;
      h.channel = Q->channel;
      h.place = Q->place;
      h.root = Q->root;
      h.query = (uint32_t)k;
      if (Q->channel == PC_CH_HOUSEHOLD) { /* rule 6: each other member once, if any window */
        int seen = 0;
        for (size_t j = 0; j < i; j++) seen |= rows[j].place == u->place && rows[j].pid == u->pid;
        if (seen || Q->b <= Q->a) continue;
        h.exposure = Q->a;
      } else {
        pc_side x = {Q->a, Q->b, Q->row, Q->cum}, y = {u->start, u->end, u->row, u->cum};
        h.exposure = pc_contact(&rules[Q->channel], Q->channel, &x, &y, Q->a, Q->b);
        if (h.exposure < 0) continue;
      }
      emit(arg, &h);
    }
  }
}

static int gspan_cmp(const void *pa, const void *pb) {
  const pc_gspan *a = pa, *b = pb;
  if (a->place != b->place) return a->place < b->place ? -1 : 1;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* g[0..m) in gspan_cmp's order when, as in every dataset ingest writes, a
 * person's stays come in order of start: a stable pass by cell (at most 32
 * cells, m at most 1024) gives that order, checked; returns 1. Else (more
 * cells or rows, or starts out of order) returns 0 with g unchanged, for
 * qsort. */
static int gspan_by_place(pc_gspan *g, size_t m) {
  enum { CELLS = 32, ROWS = 1024 };
  if (m > ROWS) return 0;
  uint64_t cell[CELLS];
  size_t count[CELLS + 1] = {0}, d = 0;
  unsigned char of[ROWS];
  for (size_t i = 0; i < m; i++) {
    if (i > 0 && (g[i].start < g[i - 1].start ||
                  (g[i].start == g[i - 1].start && g[i].idx < g[i - 1].idx)))
      return 0;
    size_t c = 0;
    while (c < d && cell[c] != g[i].place) c++;
    if (c == d) {
      if (d == CELLS) return 0;
      cell[d++] = g[i].place;
    }
    of[i] = (unsigned char)c;
    count[c + 1]++;
  }
  /* the cells in order of id, and where each one's rows begin */
  unsigned char rank[CELLS], by[CELLS];
  for (size_t c = 0; c < d; c++) by[c] = (unsigned char)c;
  for (size_t i = 1; i < d; i++)
    for (size_t j = i; j > 0 && cell[by[j - 1]] > cell[by[j]]; j--) {
      unsigned char t = by[j];
      by[j] = by[j - 1];
      by[j - 1] = t;
    }
  size_t at[CELLS], o = 0;
  for (size_t r = 0; r < d; r++) {
    rank[by[r]] = (unsigned char)r;
    at[r] = o;
    o += count[by[r] + 1];
  }
  pc_gspan tmp[ROWS];
  for (size_t i = 0; i < m; i++) tmp[at[rank[of[i]]]++] = g[i];
  memcpy(g, tmp, m * sizeof *g);
  return 1;
}

void pc_grid_cum(const pc_stay *s, size_t n, int64_t lo, int64_t hi, uint32_t *cum,
                 pc_gspan *g) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    cum[i] = 0;
    if (s[i].channel != PC_CH_GRID) continue;
    g[m].place = s[i].place;
    g[m].start = s[i].start;
    g[m].end = s[i].end;
    g[m++].idx = i;
  }
  /* A person's grid stays are a few dozen: an insertion sort, not qsort's
   * allocating merge sort once per person (4 % of the index build's samples);
   * more of them, in a few cells, go by cell (gspan_by_place), and only the
   * rest through qsort. */
  if (m > 32 && !gspan_by_place(g, m))
    qsort(g, m, sizeof *g, gspan_cmp);
  else if (m <= 32)
    for (size_t i = 1; i < m; i++) {
      const pc_gspan x = g[i];
      size_t j = i;
      for (; j > 0 && gspan_cmp(&g[j - 1], &x) > 0; j--) g[j] = g[j - 1];
      g[j] = x;
    }
  _Static_assert(sizeof(pc_gspan) % sizeof(int64_t) == 0, "pc_gspan strides in int64s");
  const size_t stride = sizeof(pc_gspan) / sizeof(int64_t);
  for (size_t j = 0; j < m;) {
    size_t k = j;
    while (k < m && g[k].place == g[j].place) k++;
    uint32_t minutes =
        (uint32_t)pc_union_minutes_strided(&g[j].start, &g[j].end, stride, k - j, lo, hi);
    for (size_t i = j; i < k; i++) cum[g[i].idx] = minutes;
    j = k;
  }
}

uint64_t pc_stays_fingerprint_sum(const pc_stay *s, size_t n) {
  _Static_assert(sizeof *s == 6 * sizeof(uint64_t), "a stay is six words");
  return pc_words_hash_sum(s, n, 6, PC_STAY_FP_H0);
}

uint64_t pc_irows_checksum_sum(const pc_irow *r, size_t n) {
  return pc_words_hash_sum(r, n, 5, PC_IROW_SUM_H0);
}
