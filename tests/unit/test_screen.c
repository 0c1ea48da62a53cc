/* test_screen.c - the screening kernel: prefixes, hours, and a person's dwell at the edges of every rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pc_screen.h"
#include "pc_time.h"

static int64_t T(const char *s) {
  int64_t t = 0;
  assert_int_equal(pc_time_parse(s, strlen(s), &t), 0);
  return t;
}

static pc_stay stay(uint64_t region, uint64_t place, const char *a, const char *b) {
  pc_stay s;
  memset(&s, 0, sizeof s);
  s.pid = 1;
  s.region = region;
  s.place = place;
  s.start = T(a);
  s.end = T(b);
  return s;
}

static void test_parse(void **st) {
  (void)st;
  uint64_t lo, hi;
  assert_int_equal(pc_prefix_range("4201", &lo, &hi), 0);
  assert_true(lo == 420100000000ULL && hi == 420199999999ULL);
  assert_int_equal(pc_prefix_range("430102001001", &lo, &hi), 0);
  assert_true(lo == hi && lo == 430102001001ULL);
  assert_int_equal(pc_prefix_range("", &lo, &hi), -1);
  assert_int_equal(pc_prefix_range("42a1", &lo, &hi), -1);
  assert_int_equal(pc_prefix_range("4201000000001", &lo, &hi), -1);
  int32_t h0, h1;
  assert_int_equal(pc_hours_parse("22:00-02:00", &h0, &h1), 0);
  assert_true(h0 == 22 * 3600 && h1 == 2 * 3600);
  assert_int_equal(pc_hours_parse("00:00-24:00", &h0, &h1), 0);
  assert_true(h0 == 0 && h1 == 86400); /* the whole day */
  assert_int_equal(pc_hours_parse("05:00-05:00", &h0, &h1), -1);
  assert_int_equal(pc_hours_parse("25:00-02:00", &h0, &h1), -1);
  assert_int_equal(pc_hours_parse("22:00-2:00", &h0, &h1), -1);
}

/* Area 4201 (and place 77), period [08-01, 08-05). */
static pc_area area(uint64_t *lo, uint64_t *hi, const uint64_t *places) {
  pc_area a;
  memset(&a, 0, sizeof a);
  pc_prefix_range("4201", lo, hi);
  a.lo = lo;
  a.hi = hi;
  a.nprefix = 1;
  a.places = places;
  a.nplaces = 1;
  a.from = T("2021-08-01T00:00");
  a.to = T("2021-08-05T00:00");
  return a;
}

static void test_dwell(void **st) {
  (void)st;
  uint64_t lo, hi;
  static const uint64_t places[1] = {77};
  pc_area a = area(&lo, &hi, places);
  int64_t scratch[4096], first = 0;
  /* Overlapping stays (cell and grid at once) count once; another region not at all. */
  pc_stay s[4] = {stay(420102001001, 1, "2021-08-02T10:00", "2021-08-02T12:00"),
                  stay(420102001002, 2, "2021-08-02T11:00", "2021-08-02T12:30"),
                  stay(430102001001, 3, "2021-08-02T12:30", "2021-08-02T20:00"),
                  stay(430102001001, 77, "2021-08-03T09:00", "2021-08-03T09:15")};
  assert_int_equal(pc_dwell(&a, s, 4, &first, scratch), 2 * 3600 + 30 * 60 + 15 * 60);
  assert_int_equal(first, T("2021-08-02T10:00"));
  /* A stay straddling the period's start counts from `from`. */
  pc_stay b = stay(420102001001, 1, "2021-07-31T22:00", "2021-08-01T01:30");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 90 * 60);
  assert_int_equal(first, a.from);
  /* ... and one straddling `to` up to `to` (excluded). */
  b = stay(420102001001, 1, "2021-08-04T23:00", "2021-08-05T03:00");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 3600);
  /* Whole minutes: 59 s count as nothing, 2 min 59 s as 2 min. */
  b = stay(420102001001, 1, "2021-08-02T10:00", "2021-08-02T10:00:59");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 0);
  b = stay(420102001001, 1, "2021-08-02T10:00", "2021-08-02T10:02:59");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 120);
  /* Nothing in the area: 0. */
  b = stay(430102001001, 1, "2021-08-02T10:00", "2021-08-02T12:00");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 0);
}

static void test_hours(void **st) {
  (void)st;
  uint64_t lo, hi;
  static const uint64_t places[1] = {77};
  pc_area a = area(&lo, &hi, places);
  int64_t scratch[4096], first = 0;
  a.hours = 1;
  assert_int_equal(pc_hours_parse("22:00-02:00", &a.h0, &a.h1), 0);
  /* 20:00 to 03:00 the next day: 22:00-02:00 counts, 4 h, first at 22:00. */
  pc_stay b = stay(420102001001, 1, "2021-08-02T20:00", "2021-08-03T03:00");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 4 * 3600);
  assert_int_equal(first, T("2021-08-02T22:00"));
  /* A stay from the period's start at 00:00: the night window begun the
   * evening before still covers 00:00-02:00. */
  b = stay(420102001001, 1, "2021-08-01T00:00", "2021-08-01T12:00");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 2 * 3600);
  assert_int_equal(first, a.from);
  /* Three whole days: 3 full nights inside the period plus the 2 h of the first morning. */
  b = stay(420102001001, 1, "2021-08-01T00:00", "2021-08-04T00:00");
  assert_int_equal(pc_dwell(&a, &b, 1, &first, scratch), 2 * 3600 + 2 * 4 * 3600 + 2 * 3600);
  /* A daytime window not crossing midnight: 09:00-17:00, stay 08:00-09:30 and 16:59-18:00. */
  assert_int_equal(pc_hours_parse("09:00-17:00", &a.h0, &a.h1), 0);
  pc_stay two[2] = {stay(420102001001, 1, "2021-08-02T08:00", "2021-08-02T09:30"),
                    stay(420102001001, 1, "2021-08-02T16:59", "2021-08-02T18:00")};
  assert_int_equal(pc_dwell(&a, two, 2, &first, scratch), 31 * 60);
  assert_int_equal(first, T("2021-08-02T09:00"));
}

/* t_A: the instant the running dwell reached min_dwell, over the union of the
 * stays, and whole minutes. */
static void test_reached(void **st) {
  (void)st;
  uint64_t lo, hi;
  static const uint64_t places[1] = {77};
  pc_area a = area(&lo, &hi, places);
  int64_t scratch[4096];
  pc_screen_hit h;
  a.min_dwell = 2 * 3600;
  /* 1 h, a gap, 1 h: reached at the end of the second hour, not first + 2 h. */
  pc_stay two[3] = {stay(420102001001, 1, "2021-08-02T08:00", "2021-08-02T09:00"),
                    stay(420102001001, 2, "2021-08-02T08:30", "2021-08-02T09:00"),
                    stay(420102001001, 1, "2021-08-02T13:00", "2021-08-02T14:30")};
  assert_int_equal(pc_screen_area(&a, two, 3, &h, scratch), 1);
  assert_int_equal(h.first, T("2021-08-02T08:00"));
  assert_int_equal(h.dwell, 150 * 60);
  assert_int_equal(h.reached, T("2021-08-02T14:00"));
  assert_int_equal(h.then_at, 0);
  assert_int_equal(h.then_dwell, 0);
  /* Reached exactly at the end of the period (the stay goes on after `to`). */
  pc_stay b = stay(420102001001, 1, "2021-08-04T22:00", "2021-08-05T03:00");
  assert_int_equal(pc_screen_area(&a, &b, 1, &h, scratch), 1);
  assert_int_equal(h.reached, a.to);
  /* One minute short: not flagged, the dwell still told. */
  b = stay(420102001001, 1, "2021-08-04T22:01", "2021-08-05T03:00");
  assert_int_equal(pc_screen_area(&a, &b, 1, &h, scratch), 0);
  assert_int_equal(h.dwell, 119 * 60);
  /* Seconds: 2 h from 10:00:30 is reached at 12:00:30; min_dwell 90 s asks for 2 whole
   * minutes (reached at 10:02:30), 0 s for one. */
  b = stay(420102001001, 1, "2021-08-02T10:00:30", "2021-08-02T12:00:30");
  assert_int_equal(pc_screen_area(&a, &b, 1, &h, scratch), 1);
  assert_int_equal(h.reached, T("2021-08-02T12:00:30"));
  a.min_dwell = 90;
  assert_int_equal(pc_screen_area(&a, &b, 1, &h, scratch), 1);
  assert_int_equal(h.reached, T("2021-08-02T10:02:30"));
  a.min_dwell = 0;
  assert_int_equal(pc_screen_area(&a, &b, 1, &h, scratch), 1);
  assert_int_equal(h.reached, T("2021-08-02T10:01:30"));
  /* pc_dwell agrees with it. */
  int64_t first = 0;
  assert_int_equal(pc_dwell(&a, two, 3, &first, scratch), 150 * 60);
}

/* then: Wuhan 2 h from 08:00 (t_A 10:00), then Henan (41) within 12 h, 1 minute. */
static int then_case(const char *henan_from, const char *henan_to, pc_screen_hit *h) {
  uint64_t lo, hi, lo2, hi2;
  static const uint64_t places[1] = {77};
  pc_area a = area(&lo, &hi, places), b;
  memset(&b, 0, sizeof b);
  pc_prefix_range("41", &lo2, &hi2);
  b.lo = &lo2;
  b.hi = &hi2;
  b.nprefix = 1;
  b.min_dwell = 60;
  a.min_dwell = 2 * 3600;
  a.then = &b;
  a.within = 12 * 3600;
  int64_t scratch[4096];
  pc_stay s[3] = {stay(410102001001, 9, "2021-08-02T06:00", "2021-08-02T08:00"),
                  stay(420102001001, 1, "2021-08-02T08:00", "2021-08-02T10:00"),
                  stay(410102001001, 9, henan_from, henan_to)};
  return pc_screen_area(&a, s, 3, h, scratch);
}

static void test_then(void **st) {
  (void)st;
  pc_screen_hit h;
  /* Henan before t_A (06:00-08:00) never counts. Enters at t_A + within - 1 min:
   * the minute 21:59-22:00 is inside [10:00, 22:00), reached at 22:00. */
  assert_int_equal(then_case("2021-08-02T21:59", "2021-08-02T23:00", &h), 1);
  assert_int_equal(h.reached, T("2021-08-02T10:00"));
  assert_int_equal(h.then_at, T("2021-08-02T22:00"));
  assert_int_equal(h.then_dwell, 60);
  /* At t_A + within, or a minute after: outside the half-open window. */
  assert_int_equal(then_case("2021-08-02T22:00", "2021-08-02T23:00", &h), 0);
  assert_int_equal(h.then_dwell, 0);
  assert_int_equal(then_case("2021-08-02T22:01", "2021-08-02T23:00", &h), 0);
  /* Entering at t_A itself: all 3 h count, the first minute reached at 10:01. */
  assert_int_equal(then_case("2021-08-02T10:00", "2021-08-02T13:00", &h), 1);
  assert_int_equal(h.then_at, T("2021-08-02T10:01"));
  assert_int_equal(h.then_dwell, 3 * 3600);
  /* A stay across t_A + within counts up to it only. */
  assert_int_equal(then_case("2021-08-02T21:00", "2021-08-03T21:00", &h), 1);
  assert_int_equal(h.then_dwell, 3600);
}

static void test_origin(void **st) {
  (void)st;
  pc_area a;
  memset(&a, 0, sizeof a);
  /* No id_origin: everyone, with an ID number or not. */
  assert_int_equal(pc_area_origin(&a, NULL), 1);
  assert_int_equal(pc_area_origin(&a, "430102199001011234"), 1);
  static const char origin[2][PC_ORIGIN_MAX + 1] = {"4201", "420202"};
  a.origin = origin;
  a.norigin = 2;
  assert_int_equal(pc_area_origin(&a, "420106199001011234"), 1);
  assert_int_equal(pc_area_origin(&a, "420202199001011234"), 1);
  assert_int_equal(pc_area_origin(&a, "420203199001011234"), 0); /* 4202 but not 420202 */
  assert_int_equal(pc_area_origin(&a, "430102199001011234"), 0);
  assert_int_equal(pc_area_origin(&a, NULL), 0); /* a visitor, a passport */
}

/* A person with many stays, in any order and overlapping (the area view hands
 * them over in no particular order): the dwell and first second equal a
 * second-by-second count of the union, whatever the order. */
static void test_many_unordered(void **st) {
  (void)st;
  uint64_t lo, hi;
  static const uint64_t places[1] = {77};
  pc_area a = area(&lo, &hi, places);
  enum { N = 300, SPAN = 5 * 86400 };
  static pc_stay s[N];
  static int64_t scratch[2 * N * 8];
  static unsigned char in[SPAN];
  const int64_t t0 = a.from - 86400 / 2; /* some stays begin before the period */
  uint64_t x = 88172645463325252ULL;     /* xorshift: the same stays on every run */
  for (int round = 0; round < 20; round++) {
    size_t n = 2 + (size_t)round * 14; /* 2 .. 268 stays: both sides of any small-sort cutoff */
    memset(in, 0, sizeof in);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      int64_t b = (int64_t)(x % (SPAN - 7200)), len = 60 + (int64_t)((x >> 32) % 7000);
      s[i] = stay(x >> 63 ? 420102001001ULL : 430102001001ULL, 1, "2021-08-01T00:00",
                  "2021-08-01T00:01");
      s[i].start = t0 + b;
      s[i].end = t0 + b + len;
      if (s[i].region == 420102001001ULL)
        for (int64_t t = s[i].start; t < s[i].end; t++)
          if (t >= a.from && t < a.to) in[t - t0] = 1;
    }
    int64_t want = 0, want_first = -1;
    for (int64_t t = 0; t < SPAN; t++)
      if (in[t]) want++, want_first = want_first < 0 ? t0 + t : want_first;
    int64_t first = 0, got = pc_dwell(&a, s, n, &first, scratch);
    assert_int_equal(got, want / 60 * 60);
    if (want) assert_int_equal(first, want_first);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse), cmocka_unit_test(test_dwell),
                                     cmocka_unit_test(test_hours), cmocka_unit_test(test_reached),
                                     cmocka_unit_test(test_then), cmocka_unit_test(test_origin),
                                     cmocka_unit_test(test_many_unordered)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
