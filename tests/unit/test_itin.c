/* test_itin.c - the itinerary kernel: clipping to the window, channels published, merging, the same-trip table's edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pc_itin.h"
#include "pc_time.h"

static int64_t T(const char *s) {
  int64_t t = 0;
  assert_int_equal(pc_time_parse(s, strlen(s), &t), 0);
  return t;
}

static pc_stay stay(int ch, uint64_t place, const char *a, const char *b, int carriage) {
  pc_stay s;
  memset(&s, 0, sizeof s);
  s.pid = 7;
  s.channel = (uint8_t)ch;
  s.place = pc_place_id((unsigned)ch, place);
  s.start = T(a);
  s.end = T(b);
  s.carriage = (uint8_t)carriage;
  s.region = 430102001001;
  return s;
}

static pc_itin_visit visit(uint32_t o, int ch, uint64_t place, const char *a, const char *b) {
  pc_itin_visit v;
  pc_stay s = stay(ch, place, a, b, 0);
  assert_int_equal(pc_itin_clip(&s, T("2021-08-01T00:00"), T("2021-08-09T00:00"), o, &v), 1);
  return v;
}

/* Cells, grids and households are never published; a stay is clipped to the window. */
static void test_clip(void **st) {
  (void)st;
  pc_itin_visit v;
  const int64_t w0 = T("2021-08-03T10:00"), w1 = T("2021-08-06T12:00");
  pc_stay s = stay(PC_CH_LBS, 1, "2021-08-04T10:00", "2021-08-04T11:00", 0);
  assert_int_equal(pc_itin_clip(&s, w0, w1, 1, &v), 0);
  s = stay(PC_CH_GRID, 1, "2021-08-04T10:00", "2021-08-04T11:00", 0);
  assert_int_equal(pc_itin_clip(&s, w0, w1, 1, &v), 0);
  s = stay(PC_CH_CAFE, 1, "2021-08-03T09:00", "2021-08-03T10:20", 0);
  assert_int_equal(pc_itin_clip(&s, w0, w1, 3, &v), 1);
  assert_true(v.start == w0 && v.end == T("2021-08-03T10:20") && v.ordinal == 3 && v.stays == 1);
  s = stay(PC_CH_CAFE, 1, "2021-08-03T09:00", "2021-08-03T10:00", 0); /* ends at w0: nothing */
  assert_int_equal(pc_itin_clip(&s, w0, w1, 3, &v), 0);
  s = stay(PC_CH_RAIL, 9, "2021-08-05T08:00", "2021-08-05T10:00", 7);
  assert_int_equal(pc_itin_clip(&s, w0, w1, 1, &v), 1);
  assert_int_equal(v.carriage, 7);
}

/* Two café sessions 10 min apart are one visit; one exactly gap apart too; gap + 1 s is not;
 * another place between keeps them apart. */
static void test_merge(void **st) {
  (void)st;
  pc_itin_visit v[6] = {
      visit(1, PC_CH_CAFE, 1, "2021-08-04T15:10", "2021-08-04T16:30"),
      visit(1, PC_CH_CAFE, 1, "2021-08-04T14:00", "2021-08-04T15:00"),
      visit(1, PC_CH_CAFE, 1, "2021-08-04T17:30", "2021-08-04T18:00"),   /* exactly 1 h later */
      visit(1, PC_CH_CAFE, 1, "2021-08-04T19:00:01", "2021-08-04T20:00"), /* 1 h 1 s later */
      visit(2, PC_CH_CAFE, 1, "2021-08-04T20:10", "2021-08-04T21:00"),   /* another case */
      visit(1, PC_CH_LODGING, 2, "2021-08-04T21:00", "2021-08-05T08:00"),
  };
  size_t n = pc_itin_merge(v, 6, 3600);
  assert_int_equal(n, 4);
  assert_true(v[0].ordinal == 1 && v[0].start == T("2021-08-04T14:00") && v[0].end == T("2021-08-04T18:00"));
  assert_int_equal(v[0].stays, 3);
  assert_true(v[1].start == T("2021-08-04T19:00:01") && v[1].stays == 1);
  assert_int_equal(v[2].channel, PC_CH_LODGING);
  assert_int_equal(v[3].ordinal, 2);
}

/* Same-trip rows: overlapping visits of two cases are one row naming both once; visits one
 * minute apart, or only touching, are rows of their own; a train's carriages are apart. */
static void test_trips(void **st) {
  (void)st;
  pc_itin_visit v[7] = {
      visit(2, PC_CH_CAFE, 1, "2021-08-04T14:30", "2021-08-04T16:00"),
      visit(1, PC_CH_CAFE, 1, "2021-08-04T14:00", "2021-08-04T15:00"),
      visit(3, PC_CH_CAFE, 1, "2021-08-04T16:01", "2021-08-04T17:00"), /* 1 min after */
      visit(4, PC_CH_CAFE, 1, "2021-08-04T17:00", "2021-08-04T18:00"), /* touches case 3 */
      visit(1, PC_CH_CAFE, 1, "2021-08-04T15:30", "2021-08-04T15:45"), /* case 1 again, inside */
      visit(1, PC_CH_RAIL, 9, "2021-08-05T08:00", "2021-08-05T10:00"),
      visit(2, PC_CH_RAIL, 9, "2021-08-05T08:00", "2021-08-05T10:00"),
  };
  v[5].carriage = 3;
  v[6].carriage = 4;
  pc_itin_trip t[7];
  uint32_t c[7];
  size_t nt = 0;
  assert_int_equal(pc_itin_trips(v, 7, t, &nt, c), 0);
  assert_int_equal(nt, 5);
  assert_true(t[0].from == T("2021-08-04T14:00") && t[0].to == T("2021-08-04T16:00"));
  assert_int_equal(t[0].ncases, 2);
  assert_true(c[t[0].first] == 1 && c[t[0].first + 1] == 2);
  assert_true(t[1].ncases == 1 && c[t[1].first] == 3 && t[1].to == T("2021-08-04T17:00"));
  assert_true(t[2].ncases == 1 && c[t[2].first] == 4);
  assert_true(t[3].carriage == 3 && t[4].carriage == 4 && t[3].ncases == 1 && t[4].ncases == 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_clip), cmocka_unit_test(test_merge),
                                     cmocka_unit_test(test_trips)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
