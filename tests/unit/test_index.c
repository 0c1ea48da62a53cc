/* test_index.c - the place view kernels: bucket query vs its reference, query days, grouping, merge, pid directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_err.h"
#include "pc_index.h"

#define MAXROWS 48
#define MAXQ 12
#define MAXHITS (MAXROWS * MAXQ + 1)

typedef struct hits {
  pc_hit h[MAXHITS];
  size_t n;
} hits;

static void collect(void *arg, const pc_hit *h) {
  hits *H = arg;
  assert_true(H->n < MAXHITS);
  H->h[H->n++] = *h;
}

static int hit_cmp(const void *pa, const void *pb) {
  const pc_hit *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (pc_hit_less(a, b)) return -1;
  if (pc_hit_less(b, a)) return 1;
  return (a->query > b->query) - (a->query < b->query); /* the query that made it: told too */
}

/* Hits sorted by hit_cmp reduced in place to each person's first (best, made by the first
 * query of those that tie): their count. */
static size_t best_per_pid(hits *H) {
  size_t m = 0;
  for (size_t i = 0; i < H->n; i++)
    if (i == 0 || H->h[i].pid != H->h[i - 1].pid) H->h[m++] = H->h[i];
  return m;
}

static int irow_cmp(const void *a, const void *b) { return pc_irow_cmp(a, b); }

static uint64_t rnd(uint64_t *s) { return pc_mix64(*s += 0x9e3779b97f4a7c15ULL); }
static int64_t pick(uint64_t *s, int64_t n) { return (int64_t)(rnd(s) % (uint64_t)n); }

/* Rules with thresholds near the generated overlaps: the boundaries matter. */
static void random_rules(uint64_t *s, pc_chan_rule rules[PC_NCHANNELS]) {
  static const int64_t overlaps[] = {0, 59, 60, 61, 600, 900, 3600};
  for (int c = 0; c < PC_NCHANNELS; c++) {
    rules[c] = pc_chan_rule_default(c);
    rules[c].min_overlap = overlaps[pick(s, 7)];
    rules[c].rows = (int)pick(s, 4);
    rules[c].cumulative = 60 * (1 + pick(s, 120));
    rules[c].rule_or = (int)pick(s, 2);
  }
}

/* A bucket: a few places (one may be a household), rows with many equal
 * starts, a longest stay per place, sorted as the index keeps them. */
static size_t random_bucket(uint64_t *s, pc_irow *r, uint64_t *places, int *nplaces,
                            int64_t ws, int64_t we) {
  *nplaces = 1 + (int)pick(s, 4);
  for (int p = 0; p < *nplaces; p++) {
    unsigned c = (unsigned)pick(s, PC_NCHANNELS);
    places[p] = c == PC_CH_HOUSEHOLD ? 1000 + (uint64_t)pick(s, 50) : pc_place_id(c, (uint64_t)pick(s, 50));
    if (c == PC_CH_RAIL) /* few trains, carriages 0 (unknown) to 3: they meet across carriages */
      places[p] = pc_place_id(c, (uint64_t)pick(s, 2) << 8 | (uint64_t)pick(s, 4));
  }
  size_t n = (size_t)(pick(s, 8) == 0 ? 0 : pick(s, MAXROWS + 1));
  for (size_t i = 0; i < n; i++) {
    memset(&r[i], 0, sizeof r[i]);
    uint64_t place = places[pick(s, *nplaces)];
    int c = (int)pc_place_channel(place);
    r[i].place = place;
    r[i].channel = (uint8_t)c;
    r[i].pid = 1 + (uint64_t)pick(s, 10);
    if (c == PC_CH_HOUSEHOLD) { /* one row per member, spanning the data window */
      r[i].start = ws;
      r[i].end = we;
      for (size_t j = 0; j < i; j++)
        if (r[j].place == place && r[j].pid == r[i].pid) r[i].pid += 100 + i;
      continue;
    }
    if (i > 0 && pick(s, 3) == 0) {
      r[i].start = r[pick(s, (int64_t)i)].start; /* equal starts */
    } else {
      r[i].start = pick(s, 12 * 3600) - 6 * 3600;
      if (pick(s, 2)) r[i].start -= r[i].start % 60; /* whole minutes, or not */
    }
    int64_t d = pick(s, 4) == 0 ? 60 * pick(s, 300) + 1 : 1 + pick(s, 5 * 3600);
    r[i].end = r[i].start + d;
    r[i].row = (int16_t)(c == PC_CH_FLIGHT || c == PC_CH_RAIL ? pick(s, 8) : 0);
    r[i].carriage = (uint8_t)(c == PC_CH_RAIL ? pick(s, 3) : 0);
    r[i].cum = (uint32_t)(c == PC_CH_GRID ? pick(s, 7200) : 0);
  }
  qsort(r, n, sizeof *r, irow_cmp);
  return n;
}

/* Queries aimed at the edges: a row's start (a stay starting at b is out),
 * its end (a stay ending at a is out), and the longest stay of the place
 * exactly reaching the window (start = a - D + 1, and a - D). */
static size_t random_queries(uint64_t *s, const pc_irow *r, size_t n, const uint64_t *places,
                             int nplaces, pc_query *q, uint32_t bucket) {
  size_t nq = 1 + (size_t)pick(s, MAXQ);
  for (size_t k = 0; k < nq; k++) {
    pc_query *Q = &q[k];
    memset(Q, 0, sizeof *Q);
    Q->place = pick(s, 6) ? places[pick(s, nplaces)] : pc_place_id(1, 999); /* or absent */
    Q->channel = (uint8_t)pc_place_channel(Q->place);
    Q->source = 1 + (uint64_t)pick(s, 10);
    Q->bucket = bucket;
    Q->a = pick(s, 12 * 3600) - 6 * 3600;
    Q->b = Q->a + pick(s, 4 * 3600) + 1;
    const pc_irow *u = n ? &r[pick(s, (int64_t)n)] : NULL;
    switch (u ? pick(s, 7) : 6) {
    case 0: Q->a = u->end; break;                 /* u touches, does not overlap */
    case 1: Q->a = u->end - 60; break;            /* one whole minute */
    case 2: Q->b = u->start; break;               /* u starts at the end: out */
    case 3: Q->b = u->start + 60; break;
    case 4: { /* the place's longest stay exactly at the window's start */
      int64_t D = 0;
      const pc_irow *L = u;
      for (size_t i = 0; i < n; i++)
        if (r[i].place == u->place && r[i].end - r[i].start > D) D = r[i].end - r[i].start, L = &r[i];
      Q->place = L->place;
      Q->channel = L->channel;
      Q->a = L->start + D - (pick(s, 2) ? 60 : 0); /* end - a: 0 or one minute */
      Q->b = Q->a + 3600;
      break;
    }
    case 5: Q->b = Q->a - pick(s, 2); break;      /* empty window: no hits */
    default: break;
    }
    Q->row = (int16_t)pick(s, 8);
    Q->cum = (uint32_t)pick(s, 7200);
  }
  return nq;
}

/* The fast query (runs, binary searches) gives exactly the reference's
 * hits (every row against every query) on 20,000 random buckets. */
static void test_bucket_query_matches_reference(void **st) {
  (void)st;
  static pc_irow rows[MAXROWS];
  static pc_query q[MAXQ];
  static hits fast, ref, best_fast;
  static size_t runs[MAXROWS];
  static int64_t dmax[MAXROWS];
  static pc_hit best[MAXROWS];
  static uint8_t seen[MAXROWS];
  size_t reduced_fewer = 0;
  uint64_t seed = 20211203, places[4];
  size_t total = 0, empty_buckets = 0, with_hits = 0, household_hits = 0, rail_across = 0;
  for (int t = 0; t < 20000; t++) {
    pc_chan_rule rules[PC_NCHANNELS];
    random_rules(&seed, rules);
    int np = 0;
    const int64_t ws = -7 * 86400, we = 86400;
    size_t n = random_bucket(&seed, rows, places, &np, ws, we);
    size_t nq = random_queries(&seed, rows, n, places, np, q, (uint32_t)t);
    fast.n = ref.n = 0;
    pc_answer_bucket(rules, rows, n, q, nq, runs, dmax, NULL, NULL, collect, &fast);
    pc_answer_bucket_ref(rules, rows, n, q, nq, collect, &ref);
    qsort(fast.h, fast.n, sizeof *fast.h, hit_cmp);
    qsort(ref.h, ref.n, sizeof *ref.h, hit_cmp);
    if (fast.n != ref.n || memcmp(fast.h, ref.h, fast.n * sizeof *fast.h) != 0)
      fail_msg("case %d: the fast query gives %zu hits, the reference %zu", t, fast.n, ref.n);
    total += ref.n;
    empty_buckets += n == 0;
    with_hits += ref.n > 0;
    for (size_t i = 0; i < ref.n; i++) household_hits += ref.h[i].channel == PC_CH_HOUSEHOLD;
    /* Reduced per row (what trace uses): at most one hit per row, and each
     * person's best hit the reference's best for them. */
    best_fast.n = 0;
    memset(best, 0x5a, sizeof best); /* the scratch as the last bucket left it, or worse */
    memset(seen, t & 1 ? 0xff : 0x01, sizeof seen);
    pc_answer_bucket(rules, rows, n, q, nq, runs, dmax, best, seen, collect, &best_fast);
    if (best_fast.n > n) fail_msg("case %d: %zu reduced hits of %zu rows", t, best_fast.n, n);
    qsort(best_fast.h, best_fast.n, sizeof *best_fast.h, hit_cmp);
    size_t nb = best_per_pid(&best_fast), nr = best_per_pid(&ref);
    if (nb != nr || memcmp(best_fast.h, ref.h, nb * sizeof *ref.h) != 0)
      fail_msg("case %d: reduced per row, %zu persons' best hits; the reference's %zu", t, nb, nr);
    reduced_fewer += best_fast.n < fast.n;
    for (size_t k = 0; k < nq; k++) /* a rail query whose carriage another row meets */
      for (size_t i = 0; i < n; i++)
        rail_across += q[k].channel == PC_CH_RAIL && rows[i].place != q[k].place &&
                       pc_place_meets(PC_CH_RAIL, q[k].place, rows[i].place);
  }
  /* The cases reach what they aim at. */
  assert_true(empty_buckets > 1000);
  assert_true(with_hits > 5000);
  assert_true(household_hits > 1000);
  assert_true(rail_across > 1000); /* an unknown carriage on one side */
  assert_true(total > 20000);
  assert_true(reduced_fewer > 1000); /* rows met by several queries: the reduction did something */
}

/* The reference on a hand-made bucket: what SPEC's rules say. */
static void test_bucket_reference_by_hand(void **st) {
  (void)st;
  pc_chan_rule rules[PC_NCHANNELS];
  for (int c = 0; c < PC_NCHANNELS; c++) rules[c] = pc_chan_rule_default(c);
  const uint64_t cafe = pc_place_id(PC_CH_CAFE, 7);
  pc_irow r[4];
  memset(r, 0, sizeof r);
  /* cafe: 15 minutes needed */
  r[0] = (pc_irow){.pid = 2, .place = cafe, .start = 0, .end = 15 * 60, .channel = PC_CH_CAFE};
  r[1] = (pc_irow){.pid = 3, .place = cafe, .start = 0, .end = 14 * 60 + 59, .channel = PC_CH_CAFE};
  r[2] = (pc_irow){.pid = 1, .place = cafe, .start = 0, .end = 3600, .channel = PC_CH_CAFE};
  r[3] = (pc_irow){.pid = 4, .place = cafe, .start = 3600, .end = 7200, .channel = PC_CH_CAFE};
  pc_query q = {.place = cafe, .source = 1, .a = 0, .b = 3600, .channel = PC_CH_CAFE};
  static hits H;
  H.n = 0;
  pc_answer_bucket_ref(rules, r, 4, &q, 1, collect, &H);
  assert_int_equal(H.n, 1); /* pid 2 only: 3 is short, 4 only touches, 1 is the source */
  assert_true(H.h[0].pid == 2 && H.h[0].exposure == 0 && H.h[0].source == 1);
  assert_true(H.h[0].place == cafe && H.h[0].channel == PC_CH_CAFE);
}

/* Grid totals (rule 5) against a bitmap of covered seconds: every grid stay
 * gets the whole minutes of the union of the person's stays at its place,
 * clipped to [lo, hi); other channels 0; few stays and many (the sort). */
static void test_grid_cum_reference(void **st) {
  (void)st;
  enum { T = 6000, MAXS = 80 };
  static pc_stay s[MAXS];
  static uint32_t cum[MAXS];
  static pc_gspan g[MAXS];
  static unsigned char cover[T];
  uint64_t seed = 99;
  size_t nonzero = 0;
  for (int t = 0; t < 3000; t++) {
    const size_t n = (size_t)pick(&seed, t % 10 ? 40 : MAXS);
    const int64_t lo = pick(&seed, 1000), hi = lo + pick(&seed, T - 1000);
    for (size_t i = 0; i < n; i++) {
      memset(&s[i], 0, sizeof s[i]);
      s[i].pid = 1;
      s[i].channel = (uint8_t)(pick(&seed, 3) ? PC_CH_GRID : PC_CH_LBS);
      s[i].place = pc_place_id(s[i].channel, 1 + (uint64_t)pick(&seed, t % 7 ? 3 : 60));
      s[i].start = pick(&seed, T - 1);
      s[i].end = s[i].start + 1 + pick(&seed, T - 1 - s[i].start);
    }
    /* Half the persons' stays in order of start, as ingest writes them (the
     * grouping by cell), the rest in any order (qsort); a few persons in
     * more cells than the grouping takes. */
    for (size_t i = 1; t % 2 == 0 && i < n; i++)
      for (size_t j = i; j > 0 && s[j - 1].start > s[j].start; j--) {
        pc_stay x = s[j];
        s[j] = s[j - 1];
        s[j - 1] = x;
      }
    pc_grid_cum(s, n, lo, hi, cum, g);
    for (size_t i = 0; i < n; i++) {
      uint32_t want = 0;
      if (s[i].channel == PC_CH_GRID) {
        memset(cover, 0, sizeof cover);
        for (size_t j = 0; j < n; j++)
          if (s[j].channel == PC_CH_GRID && s[j].place == s[i].place)
            for (int64_t x = s[j].start; x < s[j].end; x++) cover[x] |= x >= lo && x < hi;
        uint32_t secs = 0;
        for (int x = 0; x < T; x++) secs += cover[x];
        want = secs / 60;
      }
      if (cum[i] != want) fail_msg("case %d, stay %zu: grid total %u, the bitmap %u", t, i, cum[i], want);
      nonzero += want > 0;
    }
  }
  assert_true(nonzero > 10000);
}

static uint32_t NB = 64; /* buckets of the grouping test */

static int bucket_then_row(const void *pa, const void *pb) {
  const pc_irow *a = pa, *b = pb;
  uint32_t x = pc_bucket_of(a->place, a->channel, a->start, NB),
           y = pc_bucket_of(b->place, b->channel, b->start, NB);
  if (x != y) return x < y ? -1 : 1;
  int c = pc_irow_cmp(a, b);
  return c ? c : memcmp(a, b, sizeof *a);
}

/* What the placer's done calls saw: every row below `upto` already where
 * the finished grouping puts it (a writer taking them writes final rows). */
typedef struct done_seen {
  const pc_irow *placed, *final;
  uint64_t prev, calls, bad;
} done_seen;
static void done_check(void *arg, uint64_t upto) {
  done_seen *d = arg;
  if (upto < d->prev || (upto > d->prev && memcmp(d->placed + d->prev, d->final + d->prev,
                                                  (upto - d->prev) * sizeof(pc_irow))))
    d->bad++;
  d->prev = upto;
  d->calls++;
}

/* Grouping a rank's rows by bucket: each bucket's rows land in its slot,
 * sorted, none lost, at bucket ranges of every width (one group or many). */
static void test_group_sort(void **st) {
  (void)st;
  enum { N = 3000 };
  static pc_irow v[N], want[N], final[N];
  uint64_t seed = 7, local[1100];
  for (int t = 0; t < 40; t++) {
    NB = (uint32_t)1 << (t % 12); /* 1 .. 2048 buckets: the two-level scatter too */
    uint32_t b0 = (uint32_t)pick(&seed, NB), b1 = b0 + 1 + (uint32_t)pick(&seed, NB - b0);
    if (b1 - b0 > 1024 + 64) b1 = b0 + 1024 + 64;
    size_t n = 0;
    for (int i = 0; i < N * 4 && n < (size_t)(t % 3 ? N : t % 7); i++) {
      pc_irow r;
      memset(&r, 0, sizeof r);
      r.channel = (uint8_t)(1 + pick(&seed, PC_NCHANNELS - 1));
      r.place = pc_place_id(r.channel, (uint64_t)pick(&seed, 40));
      r.start = pick(&seed, 20 * 86400) - 10 * 86400;
      r.end = r.start + 1 + pick(&seed, 3600);
      r.pid = 1 + (uint64_t)pick(&seed, 1000);
      uint32_t k = pc_bucket_of(r.place, r.channel, r.start, NB);
      if (k >= b0 && k < b1) v[n++] = r;
    }
    uint32_t nb = b1 - b0;
    memset(local, 0, sizeof local);
    for (size_t i = 0; i < n; i++) local[pc_bucket_of(v[i].place, v[i].channel, v[i].start, NB) - b0 + 1]++;
    for (uint32_t k = 0; k < nb; k++) local[k + 1] += local[k];
    memcpy(want, v, n * sizeof *v);
    qsort(want, n, sizeof *want, bucket_then_row);
    /* Placed as they arrive, in rounds of any size: the same rows at the same places
     * as grouping them all at once (the index stays byte-identical). */
    static pc_irow placed[N];
    memcpy(final, v, n * sizeof *v);
    assert_int_equal(pc_irow_group_sort(final, n, b0, b1, NB, local), 0);
    pc_irow_placer P;
    assert_int_equal(pc_irow_placer_init(&P, placed, local, b0, b1, NB), 0);
    done_seen seen = {.placed = placed, .final = final};
    P.done = done_check, P.done_arg = &seen;
    for (size_t i = 0; i < n;) {
      size_t m = 1 + (size_t)pick(&seed, 700);
      if (m > n - i) m = n - i;
      assert_int_equal(pc_irow_place(&P, v + i, m), 0);
      i += m;
    }
    assert_int_equal(pc_irow_placer_finish(&P), 0);
    assert_int_equal(P.placed, n);
    /* done: once per group, never going back, every row final when passed, ending at n */
    assert_int_equal(seen.bad, 0);
    assert_int_equal(seen.prev, n);
    assert_int_equal(seen.calls, (nb + (1u << P.shift) - 1) >> P.shift);
    assert_int_equal(pc_irow_group_sort(v, n, b0, b1, NB, local), 0);
    if (n) assert_memory_equal(placed, v, n * sizeof *v);
    for (uint32_t k = 0; k < nb; k++)
      for (uint64_t i = local[k]; i < local[k + 1]; i++) {
        assert_int_equal(pc_bucket_of(v[i].place, v[i].channel, v[i].start, NB), b0 + k);
        if (i > local[k]) assert_true(pc_irow_cmp(&v[i - 1], &v[i]) <= 0);
      }
    qsort(v, n, sizeof *v, bucket_then_row);
    if (n) assert_memory_equal(v, want, n * sizeof *v);
  }
}

/* The shapes a bucket's sort meets, each against qsort: a few places whose
 * rows tie on (place, start) by the thousand (households, hot cells), ties
 * down to pid, byte-equal rows, starts and ends spread over the whole int64
 * range (fields cut to their top bits), more places than the keys rank (the
 * comparison sort alone), and few rows. */
static void test_bucket_sort_shapes(void **st) {
  (void)st;
  enum { N = 6000 };
  static pc_irow v[N], want[N];
  uint64_t seed = 11, local[5];
  NB = 4;
  for (int t = 0; t < 60; t++) {
    const int shape = t % 6;
    const int64_t places = shape == 4 ? 300 : 1 + pick(&seed, 4);
    const int64_t starts = shape == 0 ? 2 : shape == 1 ? 1 : 500;
    const size_t n = shape == 5 ? (size_t)pick(&seed, 40) : N - (size_t)pick(&seed, 100);
    for (size_t i = 0; i < n; i++) {
      pc_irow r;
      memset(&r, 0, sizeof r);
      r.channel = PC_CH_LODGING;
      r.place = pc_place_id(r.channel, 7 + (uint64_t)pick(&seed, places));
      if (shape == 3) {
        r.start = (int64_t)rnd(&seed) / 2;
        r.end = r.start + (int64_t)(rnd(&seed) >> 2);
      } else {
        r.start = 1000 * pick(&seed, starts);
        r.end = r.start + 60 * (1 + pick(&seed, shape == 1 ? 2 : 90));
      }
      r.pid = shape == 2 ? 1 + (uint64_t)pick(&seed, 3) : rnd(&seed);
      r.row = (int16_t)pick(&seed, 3);
      r.carriage = (uint8_t)pick(&seed, 2);
      r.cum = (uint32_t)(r.place ^ r.pid);
      v[i] = r;
    }
    memset(local, 0, sizeof local);
    for (size_t i = 0; i < n; i++) local[pc_bucket_of(v[i].place, v[i].channel, v[i].start, NB) + 1]++;
    for (uint32_t k = 0; k < NB; k++) local[k + 1] += local[k];
    memcpy(want, v, n * sizeof *v);
    qsort(want, n, sizeof *want, bucket_then_row);
    assert_int_equal(pc_irow_group_sort(v, n, 0, NB, NB, local), 0);
    if (n && memcmp(v, want, n * sizeof *v))
      fail_msg("case %d (shape %d, %zu rows): not the order qsort gives", t, shape, n);
  }
}

/* Rows that do not match the counts are refused, never written past their
 * groups: one too many, one too few, one of another rank's bucket. */
static void test_placer_counts(void **st) {
  (void)st;
  NB = 16;
  pc_irow v[40], rows[40];
  uint64_t local[17] = {0}, seed = 3;
  size_t n = 0;
  while (n < 30) {
    pc_irow r;
    memset(&r, 0, sizeof r);
    r.channel = 1;
    r.place = pc_place_id(1, (uint64_t)pick(&seed, 100));
    r.start = 100, r.end = 200, r.pid = n + 1;
    if (pc_bucket_of(r.place, 1, r.start, NB) < 8) v[n++] = r;
  }
  for (size_t i = 0; i < n; i++) local[pc_bucket_of(v[i].place, 1, 100, NB) + 1]++;
  for (int k = 0; k < 8; k++) local[k + 1] += local[k];
  pc_irow_placer P;
  pc_irow_placer_init(&P, rows, local, 0, 8, NB);
  assert_int_equal(pc_irow_place(&P, v, n), 0);
  /* one more than counted: not placed, counted, and finish refuses */
  assert_int_equal(pc_irow_place(&P, v, 1), 0);
  assert_int_equal(P.over, 1);
  assert_int_equal(P.placed, n);
  assert_int_equal(pc_irow_placer_finish(&P), PC_ERR_DATA);
  pc_irow_placer_init(&P, rows, local, 0, 8, NB);
  assert_int_equal(pc_irow_place(&P, v, n - 1), 0);
  assert_int_equal(pc_irow_placer_finish(&P), PC_ERR_DATA); /* one missing */
  pc_irow other = v[0];
  while (pc_bucket_of(other.place, 1, 100, NB) < 8) other.place++;
  pc_irow_placer_init(&P, rows, local, 0, 8, NB);
  assert_int_equal(pc_irow_place(&P, &other, 1), PC_ERR_DATA); /* not this rank's */
  /* A group's total right, one bucket's count one more and the next's one
   * less (counts from a damaged file): finish refuses, and writes nothing
   * past the rows. 4096 buckets: groups of 4. */
  enum { MB = 4096 };
  static uint64_t loc[MB + 1];
  memset(loc, 0, sizeof loc);
  for (size_t i = 0; i < n; i++) loc[pc_bucket_of(v[i].place, 1, 100, MB) + 1]++;
  for (int b = 0; b < MB; b++) loc[b + 1] += loc[b];
  int k = 0;
  while (loc[k + 1] == loc[k] || k % 4 == 3) k++; /* bucket k has rows, k + 1 is in its group */
  loc[k + 1]--;                                   /* bucket k one fewer, bucket k + 1 one more */
  pc_irow fence[41];
  memset(fence, 0x5a, sizeof fence);
  pc_irow_placer_init(&P, fence, loc, 0, MB, MB);
  assert_int_equal(P.shift, 2);
  assert_int_equal(pc_irow_place(&P, v, n), 0);
  assert_int_equal(P.over, 0);
  assert_int_equal(pc_irow_placer_finish(&P), PC_ERR_DATA);
  for (size_t i = n; i < 41; i++) {
    const unsigned char *b = (const unsigned char *)&fence[i];
    for (size_t j = 0; j < sizeof *fence; j++) assert_int_equal(b[j], 0x5a);
  }
}

/* A table's bucket counts are those of its rows one by one, at any split
 * into pieces, and fewer buckets' counts the fold of more buckets'. */
static void test_bucket_count(void **st) {
  (void)st;
  enum { N = 5000, NBK = 256 };
  pc_stay *s = calloc(N, sizeof *s);
  uint64_t seed = 11, want[NBK] = {0}, got[NBK] = {0}, few[NBK / 4] = {0};
  for (size_t i = 0; i < N; i++) {
    s[i].channel = (uint8_t)(1 + pick(&seed, PC_NCHANNELS - 1));
    s[i].place = pc_place_id(s[i].channel, (uint64_t)pick(&seed, 300));
    s[i].start = 1627747200 + (int64_t)pick(&seed, 14 * 86400);
    s[i].end = s[i].start + 600;
    want[pc_bucket_of(s[i].place, s[i].channel, s[i].start, NBK)]++;
  }
  for (size_t at = 0, step = 1; at < N; at += step, step = step * 3 + 1)
    pc_stays_bucket_count(s + at, at + step < N ? step : N - at, NBK, got);
  pc_stays_bucket_count(s, N, NBK / 4, few);
  for (int k = 0; k < NBK; k++) assert_int_equal(got[k], want[k]);
  for (int k = 0; k < NBK / 4; k++)
    assert_int_equal(few[k], want[k] + want[k + 64] + want[k + 128] + want[k + 192]);
  free(s);
}

static int irow_cmp_total(const void *pa, const void *pb) {
  int c = pc_irow_cmp(pa, pb);
  return c ? c : memcmp(pa, pb, sizeof(pc_irow));
}

/* Appending: per bucket, the kept rows with the updates' grid totals and the
 * added rows, in order, as a sort of their union gives them; updates without
 * their row are counted. */
static void test_merge_back(void **st) {
  (void)st;
  enum { NBK = 6, PER = 40 };
  const int64_t old_we = 10 * 3600;
  static pc_irow rows[NBK * PER * 2], in[NBK * PER * 2], want[NBK * PER * 2];
  uint64_t kstart[NBK + 1], local[NBK + 1], count[NBK], seed = 99;
  for (int t = 0; t < 300; t++) {
    size_t nk = 0, nin = 0, nadd = 0, nw = 0;
    uint64_t missing = 0, want_missing = 0;
    for (int k = 0; k < NBK; k++) {
      kstart[k] = nk;
      local[k] = nin;
      size_t k0 = nk, w0 = nw;
      int nkeep = (int)pick(&seed, PER / 2), nnew = (int)pick(&seed, PER / 2);
      for (int i = 0; i < nkeep; i++) { /* kept: inside the old window */
        pc_irow *r = &rows[nk++];
        memset(r, 0, sizeof *r);
        r->channel = (uint8_t)(pick(&seed, 2) ? PC_CH_GRID : PC_CH_CAFE);
        r->place = pc_place_id(r->channel, (uint64_t)k);
        r->start = pick(&seed, 9 * 3600);
        r->end = r->start + 1 + pick(&seed, old_we - r->start - 1);
        r->pid = 1 + (uint64_t)pick(&seed, 1000);
        r->cum = (uint32_t)pick(&seed, 100);
        if (i > 0 && pick(&seed, 6) == 0) { /* same stay twice, differing where the index holds nothing */
          *r = rows[nk - 2];
          r->carriage = 0;
        }
      }
      qsort(rows + k0, nk - k0, sizeof *rows, irow_cmp_total);
      memcpy(want + nw, rows + k0, (nk - k0) * sizeof *rows);
      nw += nk - k0;
      size_t i0 = nin;
      for (size_t i = k0; i < nk; i++) /* updates of kept grid rows */
        if (rows[i].channel == PC_CH_GRID && pick(&seed, 3) && !(i > k0 && !pc_irow_cmp(&rows[i - 1], &rows[i]))) {
          in[nin] = rows[i];
          in[nin].cum = 5000 + (uint32_t)pick(&seed, 100);
          for (size_t j = w0; j < nw; j++)
            if (!pc_irow_cmp(&want[j], &in[nin])) want[j].cum = in[nin].cum;
          nin++;
        }
      if (pick(&seed, 4) == 0) { /* an update whose row the index lacks */
        pc_irow *r = &in[nin++];
        memset(r, 0, sizeof *r);
        r->channel = PC_CH_GRID;
        r->place = pc_place_id(PC_CH_GRID, (uint64_t)k);
        r->start = 9 * 3600 + 1;
        r->end = old_we - 1;
        r->pid = 5000 + (uint64_t)t;
        want_missing++;
      }
      for (int i = 0; i < nnew; i++) { /* added: ending after the old window, or households */
        pc_irow *r = &in[nin++];
        memset(r, 0, sizeof *r);
        r->channel = (uint8_t)(pick(&seed, 5) ? PC_CH_LBS : PC_CH_HOUSEHOLD);
        r->place = r->channel == PC_CH_HOUSEHOLD ? 77 : pc_place_id(r->channel, (uint64_t)k);
        r->start = pick(&seed, 20 * 3600);
        r->end = (r->start > old_we ? r->start : old_we) + 1 + pick(&seed, 3600);
        r->pid = 2000 + (uint64_t)nadd;
        want[nw++] = *r;
        nadd++;
      }
      qsort(in + i0, nin - i0, sizeof *in, irow_cmp_total);
      qsort(want + w0, nw - w0, sizeof *want, irow_cmp_total);
    }
    kstart[NBK] = nk;
    local[NBK] = nin;
    pc_irow_merge_back(rows, kstart, in, local, NBK, nadd, -1, old_we, count, &missing);
    assert_int_equal(nk + nadd, nw);
    assert_memory_equal(rows, want, nw * sizeof *rows);
    uint64_t sum = 0;
    for (int k = 0; k < NBK; k++) sum += count[k];
    assert_int_equal(sum, nw);
    assert_int_equal(missing, want_missing);
  }
}

static int u64_cmp(const void *pa, const void *pb) {
  uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
  return (a > b) - (a < b);
}

/* The pid directory: the rows it names for a pid range hold every row of
 * the range, and nothing from more than one slot beyond it. */
static void test_piddir(void **st) {
  (void)st;
  assert_int_equal(pc_piddir_bits(0), 8);
  assert_int_equal(pc_piddir_bits((257 << 8) - 1), 8); /* slots of up to 256 rows, about */
  assert_int_equal(pc_piddir_bits(257 << 8), 9);
  assert_int_equal(pc_piddir_bits(UINT64_MAX), 24);
  enum { N = 5000 };
  static uint64_t pid[N], counts[1 << 10];
  uint64_t seed = 3;
  for (int t = 0; t < 50; t++) {
    pc_piddir d = {.bits = 1 + t % 10};
    size_t n = (size_t)pick(&seed, N);
    for (size_t i = 0; i < n; i++) pid[i] = rnd(&seed) >> (t % 3 ? 0 : 4); /* or only low pids */
    qsort(pid, n, sizeof *pid, u64_cmp);
    memset(counts, 0, sizeof counts);
    for (size_t i = 0; i < n; i++) counts[pc_piddir_key(&d, pid[i])]++;
    uint64_t *dir = pc_piddir_make(counts, d.bits);
    assert_non_null(dir);
    assert_true(dir[0] == 0 && dir[(size_t)1 << d.bits] == n);
    for (int q = 0; q < 100; q++) {
      uint64_t p0 = rnd(&seed), p1 = rnd(&seed), lo, hi;
      if (p0 > p1) { uint64_t x = p0; p0 = p1; p1 = x; }
      if (q % 4 == 0 && n) p0 = p1 = pid[pick(&seed, (int64_t)n)]; /* one pid */
      pc_piddir_range(&d, dir, p0, p1, &lo, &hi);
      assert_true(lo <= hi && hi <= n);
      for (size_t i = 0; i < n; i++) {
        int in = pid[i] >= p0 && pid[i] <= p1;
        if (in) assert_true(i >= lo && i < hi);
        if (i >= lo && i < hi) /* a superset only by the slots of p0 and p1 */
          assert_true(in || pc_piddir_key(&d, pid[i]) == pc_piddir_key(&d, p0) ||
                      pc_piddir_key(&d, pid[i]) == pc_piddir_key(&d, p1));
      }
    }
    free(dir);
  }
}

/* A by-day query asks the bucket every overlapping row was put in. */
static void test_query_days(void **st) {
  (void)st;
  uint64_t seed = 11;
  const uint32_t nb = 1024;
  for (int t = 0; t < 20000; t++) {
    const int c = pick(&seed, 2) ? PC_CH_LBS : PC_CH_GRID;
    const uint64_t place = pc_place_id((unsigned)c, (uint64_t)pick(&seed, 100));
    int64_t dmax = 1 + pick(&seed, 3 * 86400);
    int64_t start = pick(&seed, 40 * 86400) - 20 * 86400, end = start + 1 + pick(&seed, dmax);
    int64_t a = start + pick(&seed, 4 * 86400) - 2 * 86400, b = a + 1 + pick(&seed, 2 * 86400);
    if (t % 4 == 0) a = end - 1, dmax = end - start;    /* the longest row, 1 s in */
    if (t % 4 == 1) b = start + 1;                      /* starting 1 s before b */
    if (t % 4 == 2) start = pc_local_midnight(pc_local_day(start)), end = start + 1, a = start, b = a + 1;
    if (!(start < b && end > a)) continue;
    int64_t d0, d1;
    pc_query_days(a, b, dmax, &d0, &d1);
    const int64_t day = pc_local_day(start);
    assert_true(d0 <= day && day <= d1);
    assert_int_equal(pc_bucket_of(place, c, start, nb), pc_bucket_of(place, c, pc_local_midnight(day), nb));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bucket_reference_by_hand),
      cmocka_unit_test(test_bucket_query_matches_reference),
      cmocka_unit_test(test_grid_cum_reference),
      cmocka_unit_test(test_group_sort),
      cmocka_unit_test(test_placer_counts),
      cmocka_unit_test(test_bucket_count),
      cmocka_unit_test(test_bucket_sort_shapes),
      cmocka_unit_test(test_merge_back),
      cmocka_unit_test(test_piddir),
      cmocka_unit_test(test_query_days),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
