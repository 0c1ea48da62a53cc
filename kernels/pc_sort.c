/* pc_sort.c - byte-wise LSD radix sort with skipped constant digits. */
#include "pc_sort.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pc_err.h"
#include "pc_hash.h"

#include <string.h>

/* One stable counting pass of pairs on byte `shift/8` of the key (or of val
 * when on_val). */
static void pass_kv(const pc_kv *src, pc_kv *dst, size_t n, int shift, int on_val,
                    const size_t *count) {
  size_t off[256];
  size_t s = 0;
  for (int b = 0; b < 256; b++) {
    off[b] = s;
    s += count[b];
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t k = on_val ? src[i].val : src[i].key;
    dst[off[(k >> shift) & 0xff]++] = src[i];
  }
}

/* Below this many keys, pc_sort_u64 compares instead of counting. */
#define PC_SORT_FEW 96

/* LSD over all 16 digit positions, skipping the constant ones; result in a. */
static void lsd_kv(pc_kv *a, pc_kv *tmp, size_t n) {
  if (n < 2) return;
  /* Histograms of all 16 digit positions in one read of the data. */
  static size_t hist[16][256];
  memset(hist, 0, sizeof hist);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = a[i].key, v = a[i].val;
    for (int d = 0; d < 8; d++) {
      hist[d][(v >> (8 * d)) & 0xff]++;
      hist[8 + d][(k >> (8 * d)) & 0xff]++;
    }
  }
  pc_kv *src = a, *dst = tmp;
  for (int d = 0; d < 16; d++) {
    int skip = 0;
    for (int b = 0; b < 256; b++)
      if (hist[d][b] == n) skip = 1;
    if (skip) continue;
    pass_kv(src, dst, n, 8 * (d % 8), d < 8, hist[d]);
    pc_kv *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Few keys: quicksort (median of three, Hoare's partition, the smaller side
 * first) down to runs of 16, then one insertion pass. */
static void sort_u64_few(uint64_t *a, size_t n) {
  uint64_t *lo = a;
  size_t m = n;
  uint64_t *stack_a[64];
  size_t stack_n[64];
  int sp = 0;
  for (;;) {
    while (m > 16) {
      uint64_t *mid = lo + m / 2, *last = lo + m - 1, t;
      if (*mid < *lo) t = *mid, *mid = *lo, *lo = t;
      if (*last < *lo) t = *last, *last = *lo, *lo = t;
      if (*last < *mid) t = *last, *last = *mid, *mid = t;
      const uint64_t p = *mid;
      ptrdiff_t i = -1, j = (ptrdiff_t)m;
      for (;;) {
        do i++; while (lo[i] < p);
        do j--; while (lo[j] > p);
        if (i >= j) break;
        t = lo[i], lo[i] = lo[j], lo[j] = t;
      }
      const size_t left = (size_t)j + 1;
      if (left < m - left) {
        stack_a[sp] = lo + left, stack_n[sp++] = m - left;
        m = left;
      } else {
        stack_a[sp] = lo, stack_n[sp++] = left;
        lo += left, m -= left;
      }
    }
    if (!sp) break;
    sp--;
    lo = stack_a[sp], m = stack_n[sp];
  }
  for (size_t i = 1; i < n; i++) {
    const uint64_t x = a[i];
    size_t j = i;
    for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
    a[j] = x;
  }
}

void pc_sort_u64(uint64_t *a, uint64_t *tmp, size_t n) { pc_sort_u64_above(a, tmp, n, 0); }

void pc_sort_u64_above(uint64_t *a, uint64_t *tmp, size_t n, int low) {
  if (n < 2) return;
  /* The LSD passes cost their histograms (16 kB cleared, 256 offsets a
   * pass, up to eight passes) whatever n: a 66-key bucket of the index paid
   * ~150 operations a key for them (pc_sort_u64 was 5 % of a build). */
  if (n <= PC_SORT_FEW) {
    sort_u64_few(a, n);
    return;
  }
  static size_t hist[8][256];
  const int d0 = low / 8 < 8 ? low / 8 : 7;
  memset(hist, 0, sizeof hist);
  for (size_t i = 0; i < n; i++) /* the digits sorted on only (all eight, unrolled: slower) */
    for (int d = d0; d < 8; d++) hist[d][(a[i] >> (8 * d)) & 0xff]++;
  uint64_t *src = a, *dst = tmp;
  for (int d = d0; d < 8; d++) {
    int skip = 0;
    for (int b = 0; b < 256; b++)
      if (hist[d][b] == n) skip = 1;
    if (skip) continue;
    size_t off[256], s = 0;
    for (int b = 0; b < 256; b++) {
      off[b] = s;
      s += hist[d][b];
    }
    for (size_t i = 0; i < n; i++) dst[off[(src[i] >> (8 * d)) & 0xff]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Large inputs: one most-significant-digit pass on the 12 key bits just below the
 * prefix every key shares, into tmp, then each bucket (a few thousand pairs, in
 * cache) sorted by LSD. Two passes over memory instead of up to sixteen: the sort
 * of a rank's pids would otherwise also pay for passes over the row indices. */
void pc_sort_kv(pc_kv *a, pc_kv *tmp, size_t n) {
  enum { B = 12, SMALL = 1 << 16 };
  if (n < SMALL) {
    lsd_kv(a, tmp, n);
    return;
  }
  uint64_t lo = a[0].key, hi = a[0].key;
  for (size_t i = 1; i < n; i++) {
    if (a[i].key < lo) lo = a[i].key;
    if (a[i].key > hi) hi = a[i].key;
  }
  int bits = lo == hi ? 0 : 64 - __builtin_clzll(lo ^ hi); /* bits below the common prefix */
  if (bits <= 8) {
    lsd_kv(a, tmp, n);
    return;
  }
  int shift = bits > B ? bits - B : 0;
  static size_t off[(1 << B) + 1];
  memset(off, 0, sizeof off);
  for (size_t i = 0; i < n; i++) off[((a[i].key >> shift) & ((1u << B) - 1)) + 1]++;
  for (int b = 0; b < (1 << B); b++) off[b + 1] += off[b];
  static size_t pos[1 << B];
  memcpy(pos, off, sizeof pos);
  for (size_t i = 0; i < n; i++) tmp[pos[(a[i].key >> shift) & ((1u << B) - 1)]++] = a[i];
  for (int b = 0; b < (1 << B); b++) {
    size_t o = off[b], m = off[b + 1] - off[b];
    lsd_kv(tmp + o, a + o, m);
    memcpy(a + o, tmp + o, m * sizeof *a);
  }
}

int pc_is_sorted_kv(const pc_kv *a, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (a[i - 1].key > a[i].key || (a[i - 1].key == a[i].key && a[i - 1].val > a[i].val))
      return 0;
  return 1;
}

/* The passes below are inlined into pc_sort_rows_inplace once per row size
 * it meets most (40: ingest's stays, 48: /stays, 104: ingest's persons), so
 * that each row's copies are a few moves instead of calls to memmove (29 % of
 * a city-sized screen through the area view, profiled). */
#define PC_SORT_INLINE static inline __attribute__((always_inline))

/* Bucket of a row among nbt buckets spread over [lo, lo + span), minus `first`:
 * (k - lo) * mul >> 64 with mul = floor(nbt * 2^64 / span) (recip below), one
 * multiplication where floor((k - lo) * nbt / span) took a 128-bit division a
 * row and pass (2 % of an ingest, profiled). It is not always that floor, but
 * it is monotone in k and below nbt, which is all a distribution sort needs:
 * rows of one bucket are ordered by cmp after. Keys outside [lo, hi] go to
 * the first or last bucket. */
PC_SORT_INLINE size_t bucket_of(const unsigned char *row, uint64_t lo, uint64_t hi,
                               unsigned __int128 mul, size_t first, size_t nb) {
  uint64_t k;
  memcpy(&k, row, sizeof k);
  size_t b = k < lo ? 0 : k > hi ? SIZE_MAX : (size_t)(((unsigned __int128)(k - lo) * mul) >> 64);
  b = b < first ? 0 : b - first;
  return b < nb ? b : nb - 1;
}

/* mul for nbt buckets over span keys: (k - lo) * mul < span * nbt * 2^64 / span, no overflow. */
static unsigned __int128 recip(size_t nbt, unsigned __int128 span) {
  return ((unsigned __int128)nbt << 64) / span;
}

/* One American flag pass: rows of a[0..n) moved in place into nb buckets
 * (bucket_of with nbt, first); end[b] = one past bucket b's last row. */
PC_SORT_INLINE void flag_pass(unsigned char *a, size_t n, size_t rowsize, uint64_t lo,
                              uint64_t hi, unsigned __int128 mul, size_t first, size_t nb,
                              size_t *next, size_t *end) {
  memset(end, 0, nb * sizeof *end);
  for (size_t i = 0; i < n; i++) end[bucket_of(a + i * rowsize, lo, hi, mul, first, nb)]++;
  size_t at = 0;
  for (size_t b = 0; b < nb; b++) {
    next[b] = at;
    at += end[b];
    end[b] = at;
  }
  /* Cycle leader: a row of bucket b's part that belongs elsewhere is picked
   * up, leaving a hole; it goes to its bucket's next free slot, whose row is
   * picked up in turn, until a row of b comes, which fills the hole. Each
   * step's slot is known only from the row before, so one cycle is a chain of
   * cache misses (42 % of the samples of a sort of 10 M ingest-like rows
   * waited on them, one at a time): K cycles run side by side, each step's
   * slot fetched ahead while the other cycles step. Slots are taken from
   * next[] one at a time and holes are behind next[b], so no two cycles ever
   * touch one slot; rows at or past next[d] are rows not yet moved. */
  enum { K = 8 };
  unsigned char carry[K][256], sw[256];
  size_t hole[K], dst[K];
  for (size_t b = 0; b < nb; b++) {
    int live = 0;
    for (;;) {
      while (live < K && next[b] < end[b]) { /* start cycles */
        unsigned char *slot = a + next[b] * rowsize;
        const size_t d = bucket_of(slot, lo, hi, mul, first, nb);
        if (d == b) {
          next[b]++;
          continue;
        }
        hole[live] = next[b]++;
        memcpy(carry[live], slot, rowsize);
        dst[live] = next[d]++;
        __builtin_prefetch(a + dst[live] * rowsize, 1);
        live++;
      }
      if (!live) break;
      for (int c = 0; c < live;) { /* one step of each */
        unsigned char *slot = a + dst[c] * rowsize;
        memcpy(sw, slot, rowsize);
        memcpy(slot, carry[c], rowsize);
        memcpy(carry[c], sw, rowsize);
        const size_t d = bucket_of(carry[c], lo, hi, mul, first, nb);
        if (d != b) {
          dst[c] = next[d]++;
          __builtin_prefetch(a + dst[c] * rowsize, 1);
          c++;
          continue;
        }
        memcpy(a + hole[c] * rowsize, carry[c], rowsize); /* the cycle closes */
        if (c != --live) {
          memcpy(carry[c], carry[live], rowsize);
          hole[c] = hole[live];
          dst[c] = dst[live];
        }
      }
    }
  }
}

PC_SORT_INLINE void swap_rows(unsigned char *x, unsigned char *y, size_t rowsize) {
  unsigned char t[256];
  memcpy(t, x, rowsize);
  memcpy(x, y, rowsize);
  memcpy(y, t, rowsize);
}

/* Rows a[0..n) by cmp: runs of at most `cut` rows by insertion, longer ones
 * first cut down to them by quicksort in place (Hoare's partition round the
 * middle row, median of three; the larger side waits on a stack while the
 * smaller is done, so the stack stays under log2 n), the row size a constant.
 * The long ones are, in ingest, nearly every bucket that holds a person: their
 * ~68 stays share the pid the buckets split by. It replaced glibc's qsort,
 * which for rows over 32 bytes allocates, sorts pointers and then permutes
 * the rows: not faster by itself (0.94-1.0 of qsort's time in a 10 M-row
 * test, no change in a city ingest), but no allocation per bucket. Neither
 * sort is stable, nor is the distribution pass before them: callers' cmp
 * order whole rows (ingest, trace's flags, one per pid) or leave no order to
 * keep (screen's view rows, a person's united after). */
PC_SORT_INLINE void quick_rows(unsigned char *a, size_t n, size_t rowsize,
                               int (*cmp)(const void *, const void *), size_t cut) {
  struct {
    unsigned char *a;
    size_t n;
  } stack[64];
  int sp = 0;
  unsigned char p[256];
  for (;;) {
    while (n > cut) {
      unsigned char *mid = a + n / 2 * rowsize, *last = a + (n - 1) * rowsize;
      if (cmp(mid, a) < 0) swap_rows(mid, a, rowsize);
      if (cmp(last, a) < 0) swap_rows(last, a, rowsize);
      if (cmp(last, mid) < 0) swap_rows(last, mid, rowsize);
      memcpy(p, mid, rowsize);
      ptrdiff_t i = -1, j = (ptrdiff_t)n;
      for (;;) {
        do i++; while (cmp(a + (size_t)i * rowsize, p) < 0);
        do j--; while (cmp(a + (size_t)j * rowsize, p) > 0);
        if (i >= j) break;
        swap_rows(a + (size_t)i * rowsize, a + (size_t)j * rowsize, rowsize);
      }
      const size_t left = (size_t)j + 1; /* [0, left) <= p <= [left, n), both non-empty */
      if (left < n - left) {
        stack[sp].a = a + left * rowsize, stack[sp++].n = n - left;
        n = left;
      } else {
        stack[sp].a = a, stack[sp++].n = left;
        a += left * rowsize, n -= left;
      }
    }
    unsigned char tmp[256];
    for (size_t i = 1; i < n; i++) {
      if (cmp(a + (i - 1) * rowsize, a + i * rowsize) <= 0) continue;
      memcpy(tmp, a + i * rowsize, rowsize);
      size_t j = i;
      for (; j > 0 && cmp(a + (j - 1) * rowsize, tmp) > 0; j--)
        memcpy(a + j * rowsize, a + (j - 1) * rowsize, rowsize);
      memcpy(a + j * rowsize, tmp, rowsize);
    }
    if (!sp) return;
    sp--;
    a = stack[sp].a, n = stack[sp].n;
  }
}

/* A fine bucket: ~16 rows, sorted by insertion (no allocation) up to 48. */
PC_SORT_INLINE void sort_small(unsigned char *base, size_t m, size_t rowsize,
                               int (*cmp)(const void *, const void *)) {
  quick_rows(base, m, rowsize, cmp, m > 48 ? 16 : 48);
}

/* Scratch of a keyed sort: a bucket's keys and its rows in their new order,
 * for buckets of at most SUB_MAX rows (a person's stays: ~68, a heavy one's
 * thousands); a bigger bucket - keys bunched in a narrow range - is sorted
 * in place as without, so the scratch stays a few MB. */
enum { SUB_MAX = 1 << 16 };
typedef struct sub_scratch {
  uint64_t *key, *ktmp;
  unsigned char *rows;
  size_t cap;
} sub_scratch;

static int sub_fit(sub_scratch *x, size_t m, size_t rowsize) {
  if (m <= x->cap) return 0;
  free(x->key), free(x->ktmp), free(x->rows);
  x->key = malloc(m * sizeof *x->key);
  x->ktmp = malloc(m * sizeof *x->ktmp);
  x->rows = malloc(m * rowsize);
  x->cap = x->key && x->ktmp && x->rows ? m : 0;
  return x->cap ? 0 : -1; /* no room: the caller sorts as without */
}

/* Keys a[0..n) ascending (n <= SPREAD_MAX), through tmp: counted into n
 * buckets spread evenly between the least key and the greatest (one
 * multiplication a key, recip as below), then one insertion pass over the
 * nearly sorted result. For the stays of one person out of order, where a
 * quicksort of the keys paid a mispredicted branch at most comparisons. */
enum { SPREAD_MAX = 4096 };
static unsigned __int128 recip(size_t nbt, unsigned __int128 span);
static void sort_u64_spread(uint64_t *a, uint64_t *tmp, size_t n) {
  uint32_t at[SPREAD_MAX + 1];
  if (n < 2) return;
  uint64_t lo = a[0], hi = a[0];
  for (size_t i = 1; i < n; i++) {
    lo = a[i] < lo ? a[i] : lo;
    hi = a[i] > hi ? a[i] : hi;
  }
  if (lo == hi) return;
  const unsigned __int128 mul = recip(n, (unsigned __int128)(hi - lo) + 1);
  memset(at, 0, (n + 1) * sizeof *at);
  for (size_t i = 0; i < n; i++) at[(size_t)(((unsigned __int128)(a[i] - lo) * mul) >> 64) + 1]++;
  for (size_t b = 1; b <= n; b++) at[b] += at[b - 1];
  for (size_t i = 0; i < n; i++) tmp[at[(size_t)(((unsigned __int128)(a[i] - lo) * mul) >> 64)]++] = a[i];
  for (size_t i = 0; i < n; i++) {
    const uint64_t x = tmp[i];
    size_t j = i;
    for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
    a[j] = x;
  }
}

/* A fine bucket whose cmp orders by the leading uint64 and then by the
 * uint32 at byte `sub` (ingest: pid, then start). Out of order, a person's
 * ~68 rows cost quicksort ~400 calls of cmp and as many 40-byte swaps;
 * here the rows are grouped by their leading key (at most 16 in the
 * bucket, in order), each group's 64-bit words - the field above the row's
 * index - sorted by sort_u64_spread, the rows moved once, and only rows
 * equal in both compared by cmp. Buckets of more keys, or of more rows
 * than the scratch holds, go to sort_small. */
PC_SORT_INLINE void sort_small_sub(unsigned char *base, size_t m, size_t rowsize,
                                   int (*cmp)(const void *, const void *), size_t sub,
                                   sub_scratch *x) {
  enum { KEYS = 16 };
  if (m <= 24 || m > x->cap || m > SUB_MAX) {
    sort_small(base, m, rowsize, cmp);
    return;
  }
  uint64_t k[KEYS];
  size_t at[KEYS + 1] = {0};
  int d = 0;
  for (size_t i = 0; i < m; i++) {
    uint64_t v;
    memcpy(&v, base + i * rowsize, sizeof v);
    int j = 0;
    while (j < d && k[j] != v) j++;
    if (j == d) {
      if (d == KEYS) {
        sort_small(base, m, rowsize, cmp);
        return;
      }
      k[d++] = v;
    }
    at[j + 1]++;
  }
  /* the keys in order, their counts with them; then where each group starts */
  for (int i = 1; i < d; i++)
    for (int j = i; j > 0 && k[j - 1] > k[j]; j--) {
      const uint64_t t = k[j];
      const size_t c = at[j + 1];
      k[j] = k[j - 1], at[j + 1] = at[j];
      k[j - 1] = t, at[j] = c;
    }
  for (int j = 1; j <= d; j++) at[j] += at[j - 1];
  const int ib = 64 - __builtin_clzll((uint64_t)m - 1); /* 24 < m <= SUB_MAX: 5 to 16 bits */
  size_t fill[KEYS];
  memcpy(fill, at, sizeof fill);
  for (size_t i = 0; i < m; i++) {
    uint64_t v;
    uint32_t f;
    memcpy(&v, base + i * rowsize, sizeof v);
    memcpy(&f, base + i * rowsize + sub, sizeof f);
    int j = 0;
    while (k[j] != v) j++;
    x->key[fill[j]++] = (uint64_t)f << ib | i;
  }
  for (int j = 0; j < d; j++) {
    const size_t n = at[j + 1] - at[j];
    if (n <= SPREAD_MAX)
      sort_u64_spread(x->key + at[j], x->ktmp, n);
    else
      pc_sort_u64(x->key + at[j], x->ktmp, n);
  }
  const uint64_t idx = ((uint64_t)1 << ib) - 1;
  for (size_t i = 0; i < m; i++)
    memcpy(x->rows + i * rowsize, base + (x->key[i] & idx) * rowsize, rowsize);
  memcpy(base, x->rows, m * rowsize);
  for (int g = 0; g < d; g++) /* equal in both: the rest of cmp */
    for (size_t i = at[g], j; i < at[g + 1]; i = j) {
      for (j = i + 1; j < at[g + 1] && (x->key[j] & ~idx) == (x->key[i] & ~idx); j++) {
      }
      if (j - i > 1) quick_rows(base + i * rowsize, j - i, rowsize, cmp, 48);
    }
}

PC_SORT_INLINE int sort_rows(void *rows, size_t n, size_t rowsize, uint64_t lo, uint64_t hi,
                             int (*cmp)(const void *, const void *), size_t sub,
                             pc_sort_done_fn done, void *arg) {
  /* Two passes: 256 coarse buckets first (256 sequential write streams over
   * the whole array: kind to caches and TLB even at gigabytes), then each
   * coarse bucket into fine ones of ~16 rows (random, but within the coarse
   * bucket), then each fine bucket by cmp (an insertion sort of ~16 rows:
   * ~4 moves a row; buckets of ~64 cost ~16 and sent many to qsort). */
  size_t nb1 = n >= (1u << 16) ? 256 : 1, f = 1;
  while (nb1 * f < n / 16 && f < (1u << 20)) f *= 2;
  size_t *next = pc_malloc((nb1 > f ? nb1 : f) * sizeof *next, "sort buckets"),
         *end1 = pc_malloc(nb1 * sizeof *end1, "sort buckets"),
         *end = pc_malloc((nb1 > f ? nb1 : f) * sizeof *end, "sort buckets");
  if (!next || !end1 || !end) {
    free(next);
    free(end1);
    free(end);
    return PC_ERR_MEM;
  }
  unsigned char *a = rows;
  const unsigned __int128 span = (unsigned __int128)(hi - lo) + 1;
  const unsigned __int128 mul1 = recip(nb1, span), mul2 = recip(nb1 * f, span);
  flag_pass(a, n, rowsize, lo, hi, mul1, 0, nb1, next, end1);
  size_t from1 = 0;
  sub_scratch x = {0};
  int no_room = 0; /* the keyed sort's scratch could not be had: sort_small from then on */
  for (size_t b1 = 0; b1 < nb1; b1++) {
    unsigned char *part = a + from1 * rowsize;
    size_t m1 = end1[b1] - from1;
    flag_pass(part, m1, rowsize, lo, hi, mul2, b1 * f, f, next, end);
    size_t from = 0;
    for (size_t b = 0; b < f; b++) {
      const size_t m = end[b] - from;
      if (sub == SIZE_MAX)
        sort_small(part + from * rowsize, m, rowsize, cmp);
      else if (!no_room && m > x.cap && m > 24 && m <= SUB_MAX &&
               (no_room = sub_fit(&x, m + m / 2 < SUB_MAX ? m + m / 2 : SUB_MAX, rowsize)))
        sort_small(part + from * rowsize, m, rowsize, cmp); /* no room: still sorted */
      else
        sort_small_sub(part + from * rowsize, m, rowsize, cmp, sub, &x);
      from = end[b];
    }
    from1 = end1[b1];
    if (done) done(arg, from1); /* the coarse buckets so far: final */
  }
  free(x.key), free(x.ktmp), free(x.rows);
  free(next);
  free(end1);
  free(end);
  return 0;
}

int pc_sort_rows_inplace(void *rows, size_t n, size_t rowsize, uint64_t lo, uint64_t hi,
                         int (*cmp)(const void *, const void *)) {
  if (n < 2) return 0;
  if (rowsize > 256 || hi < lo) return PC_ERROR(PC_ERR_ARG, "pc_sort_rows_inplace: bad arguments");
  switch (rowsize) { /* the same code, the row size a constant */
  case 40: return sort_rows(rows, n, 40, lo, hi, cmp, SIZE_MAX, NULL, NULL);
  case 48: return sort_rows(rows, n, 48, lo, hi, cmp, SIZE_MAX, NULL, NULL);
  case 104: return sort_rows(rows, n, 104, lo, hi, cmp, SIZE_MAX, NULL, NULL);
  default: return sort_rows(rows, n, rowsize, lo, hi, cmp, SIZE_MAX, NULL, NULL);
  }
}

int pc_sort_rows_inplace_sub(void *rows, size_t n, size_t rowsize, uint64_t lo, uint64_t hi,
                             size_t sub, int (*cmp)(const void *, const void *),
                             pc_sort_done_fn done, void *arg) {
  if (rowsize > 256 || hi < lo || sub < sizeof(uint64_t) || sub + sizeof(uint32_t) > rowsize)
    return PC_ERROR(PC_ERR_ARG, "pc_sort_rows_inplace_sub: bad arguments");
  if (n < 2) {
    if (done) done(arg, n);
    return 0;
  }
  if (rowsize == 40) /* ingest's stays */
    return sort_rows(rows, n, 40, lo, hi, cmp, sub, done, arg);
  return sort_rows(rows, n, rowsize, lo, hi, cmp, sub, done, arg);
}

/* Room for nd distinct keys in g (grown by half again at least). */
static int grouper_distinct(pc_grouper *g, size_t nd) {
  if (nd <= g->dcap) return 0;
  size_t want = nd > g->dcap + g->dcap / 2 ? nd : g->dcap + g->dcap / 2;
  uint64_t *k = realloc(g->keys, want * sizeof *k);
  if (k) g->keys = k;
  uint32_t *c = realloc(g->count, want * sizeof *c);
  if (c) g->count = c;
  if (!k || !c) return PC_ERR_MEM;
  g->dcap = want;
  return 0;
}

PC_SORT_INLINE int group_rows(pc_grouper *g, const unsigned char *in, size_t n, size_t rs,
                              unsigned char *out) {
  if (n > UINT32_MAX) return PC_ERROR(PC_ERR_ARG, "pc_group_rows: more than 2^32 rows");
  if (n > g->ncap) {
    uint32_t *sid = realloc(g->sid, n * sizeof *sid);
    if (!sid) return PC_ERR_MEM;
    g->sid = sid, g->ncap = n;
  }
  if (!g->cap) PC_CALL(pc_keyslots_fit(&g->slot, &g->cap, 0, 1024, g->keys, 0, sizeof(uint64_t)));
  size_t nd = 0, last = SIZE_MAX;
  uint64_t lastkey = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t k;
    memcpy(&k, in + i * rs, sizeof k);
    if (last != SIZE_MAX && k == lastkey) { /* a person's rows often come together */
      g->count[last]++;
      g->sid[i] = (uint32_t)last;
      continue;
    }
    size_t h = pc_mix64(k) & (g->cap - 1), d;
    for (;; h = (h + 1) & (g->cap - 1)) {
      if (!g->slot[h]) {
        PC_CALL(grouper_distinct(g, nd + 1));
        g->keys[nd] = k;
        if (2 * (nd + 1) > g->cap) /* at most half full: larger, every key placed again */
          PC_CALL(pc_keyslots_fit(&g->slot, &g->cap, nd + 1, 1024, g->keys, nd + 1, sizeof k));
        else
          g->slot[h] = (uint32_t)(nd + 1);
        g->count[nd] = 0;
        d = nd++;
        break;
      }
      if (g->keys[g->slot[h] - 1] == k) {
        d = g->slot[h] - 1;
        break;
      }
    }
    g->count[d]++;
    g->sid[i] = (uint32_t)d;
    last = d, lastkey = k;
  }
  pc_kv *kv = realloc(g->kv, (nd + 1) * sizeof *kv), *tmp;
  if (kv) g->kv = kv;
  tmp = kv ? realloc(g->tmp, (nd + 1) * sizeof *tmp) : NULL;
  if (tmp) g->tmp = tmp;
  if (!kv || !tmp) return PC_ERR_MEM;
  for (size_t d = 0; d < nd; d++) kv[d].key = g->keys[d], kv[d].val = d;
  pc_sort_kv(kv, tmp, nd);
  uint32_t at = 0;
  for (size_t j = 0; j < nd; j++) {
    const uint32_t c = g->count[kv[j].val];
    g->count[kv[j].val] = at;
    at += c;
  }
  for (size_t i = 0; i < n; i++) memcpy(out + (size_t)g->count[g->sid[i]]++ * rs, in + i * rs, rs);
  /* Empty the table for the next call: only the slots used. */
  for (size_t d = 0; d < nd; d++) {
    size_t h = pc_mix64(g->keys[d]) & (g->cap - 1);
    while (g->slot[h] != d + 1) h = (h + 1) & (g->cap - 1);
    g->slot[h] = 0;
  }
  return 0;
}

int pc_group_rows(pc_grouper *g, const void *in, size_t n, size_t rowsize, void *out) {
  if (rowsize < sizeof(uint64_t)) return PC_ERROR(PC_ERR_ARG, "pc_group_rows: rows too short");
  /* /stays' rows and the area view's: the copies inlined (a call to memcpy
   * per row was 8 % of a city's screen through the view) */
  int rc = rowsize == 48   ? group_rows(g, in, n, 48, out)
           : rowsize == 24 ? group_rows(g, in, n, 24, out)
                           : group_rows(g, in, n, rowsize, out);
  if (rc) pc_grouper_free(g); /* a table left part full would answer the next call wrongly */
  return rc;
}

void pc_grouper_free(pc_grouper *g) {
  free(g->keys), free(g->count), free(g->slot), free(g->sid), free(g->kv), free(g->tmp);
  memset(g, 0, sizeof *g);
}

void pc_group_by_dest(void *rows, size_t rowsize, int *dest, size_t n, int P, size_t *at) {
  size_t *end = at + P + 1; /* at[p]: the next unsettled place of group p; end[p]: its end */
  for (int p = 0; p <= P; p++) at[p] = 0;
  for (size_t i = 0; i < n; i++) at[dest[i] + 1]++;
  for (int p = 0; p < P; p++) at[p + 1] += at[p];
  for (int p = 0; p < P; p++) end[p] = at[p + 1];
  unsigned char *r = rows;
  for (int p = 0; p < P; p++)
    while (at[p] < end[p]) {
      const size_t i = at[p];
      const int d = dest[i];
      if (d == p) {
        at[p]++;
        continue;
      }
      /* row i belongs to group d: swapped into d's next place, which is then settled */
      const size_t j = at[d]++;
      swap_rows(r + i * rowsize, r + j * rowsize, rowsize);
      dest[i] = dest[j];
      dest[j] = d;
    }
}
