/* test_agroup.c - the area view's groups: a stay's (township, day), the groups an area touches, the grouping sort. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pc_agroup.h"
#include "pc_time.h"

static int64_t T(const char *s) {
  int64_t t = 0;
  assert_int_equal(pc_time_parse(s, strlen(s), &t), 0);
  return t;
}

/* Townships 0 (unknown), 420106001, 430102001, 430103001; the window's 3 days from 2021-08-01. */
static const uint64_t townships[] = {0, 420106001, 430102001, 430103001, PC_AGROUP_OTHER};
static pc_agroup_layout layout(void) {
  pc_agroup_layout L = {.townships = townships, .ntownships = 5, .ndays = 3};
  L.day0 = pc_local_day(T("2021-08-01T00:00"));
  return L;
}

static pc_stay stay(uint64_t pid, uint64_t region, const char *a, const char *b) {
  pc_stay s;
  memset(&s, 0, sizeof s);
  s.pid = pid;
  s.region = region;
  s.start = T(a);
  s.end = T(b);
  return s;
}

static void test_group(void **st) {
  (void)st;
  pc_agroup_layout L = layout();
  assert_int_equal(pc_agroup_township(&L, 430102001001), 2);
  assert_int_equal(pc_agroup_township(&L, 0), 0);
  assert_int_equal(pc_agroup_township(&L, 440300000000), 4); /* not in /regions: the last */
  /* local days: 23:59 on the 1st is day 0, 00:00 on the 2nd day 1 (UTC+8, not UTC) */
  pc_stay a = stay(1, 430103001001, "2021-08-01T23:59", "2021-08-02T01:00");
  pc_stay b = stay(1, 430103001001, "2021-08-02T00:00", "2021-08-02T01:00");
  assert_int_equal(pc_agroup_of(&L, &a), 3 * 3 + 0);
  assert_int_equal(pc_agroup_of(&L, &b), 3 * 3 + 1);
  /* before and after the window: clamped into its first and last day */
  pc_stay c = stay(1, 420106001000, "2021-07-20T10:00", "2021-07-20T11:00");
  pc_stay d = stay(1, 420106001000, "2021-08-09T10:00", "2021-08-09T11:00");
  assert_int_equal(pc_agroup_of(&L, &c), 1 * 3 + 0);
  assert_int_equal(pc_agroup_of(&L, &d), 1 * 3 + 2);
}

static void test_select(void **st) {
  (void)st;
  pc_agroup_layout L = layout();
  uint64_t lo, hi;
  assert_int_equal(pc_prefix_range("4301", &lo, &hi), 0);
  pc_area a = {.lo = &lo, .hi = &hi, .nprefix = 1};
  a.from = T("2021-08-02T06:00");
  a.to = T("2021-08-03T00:00");
  uint8_t sel[15] = {0};
  /* Changsha's two townships and the others' group, on day 1 and (reaching back 1 day) day 0 */
  assert_int_equal(pc_agroup_select(&L, &a, NULL, 0, 86400, sel), 6);
  const uint8_t want[15] = {0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0};
  assert_memory_equal(sel, want, sizeof want);
  /* no reach back: day 1 only; marking again adds nothing */
  memset(sel, 0, sizeof sel);
  assert_int_equal(pc_agroup_select(&L, &a, NULL, 0, 0, sel), 3);
  assert_int_equal(pc_agroup_select(&L, &a, NULL, 0, 0, sel), 0);
  assert_int_equal(sel[6] + sel[7] + sel[9] + sel[10] + sel[12] + sel[13], 3);
  /* a township prefix selects its township alone */
  assert_int_equal(pc_prefix_range("430103001", &lo, &hi), 0);
  memset(sel, 0, sizeof sel);
  assert_int_equal(pc_agroup_select(&L, &a, NULL, 0, 0, sel), 2);
  assert_true(sel[3 * 3 + 1] && sel[4 * 3 + 1]);
  /* places: their regions' townships; one unknown (0), or stays astray: every township */
  const uint64_t places[2] = {7, 9}, regions[2] = {420106001001, 420106001002};
  pc_area p = {.places = places, .nplaces = 2, .from = a.from, .to = a.to};
  memset(sel, 0, sizeof sel);
  assert_int_equal(pc_agroup_select(&L, &p, regions, 0, 0, sel), 2);
  assert_true(sel[1 * 3 + 1] && sel[4 * 3 + 1]);
  memset(sel, 0, sizeof sel);
  assert_int_equal(pc_agroup_select(&L, &p, regions, 1, 0, sel), 5);
  const uint64_t unknown[2] = {420106001001, 0};
  memset(sel, 0, sizeof sel);
  assert_int_equal(pc_agroup_select(&L, &p, unknown, 0, 0, sel), 5);
  /* an empty period touches nothing */
  p.to = p.from;
  assert_int_equal(pc_agroup_select(&L, &p, regions, 1, 0, sel), 0);
}

static void test_sort(void **st) {
  (void)st;
  pc_agroup_layout L = layout();
  pc_stay s[5] = {stay(1, 430102001001, "2021-08-02T10:00", "2021-08-02T11:00"),
                  stay(2, 420106001001, "2021-08-01T10:00", "2021-08-01T11:00"),
                  stay(3, 430102001001, "2021-08-02T12:00", "2021-08-02T13:00"),
                  stay(4, 0, "2021-08-03T10:00", "2021-08-03T11:00"),
                  stay(5, 420106001001, "2021-08-01T09:00", "2021-08-01T10:00")};
  pc_arow a[5], out[5];
  uint32_t key[5];
  uint64_t count[15] = {0};
  pc_dict places = {0}, regions = {0};
  assert_int_equal(pc_dict_add(&places, 77), 0);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(pc_dict_add(&regions, s[i].region), 0);
    key[i] = (uint32_t)pc_agroup_of(&L, &s[i]);
    s[i].place = 77;
    s[i].channel = (uint8_t)(i + 2);
    assert_int_equal(pc_arow_of(&s[i], s[0].start, &places, &regions, &a[i]), 0);
  }
  pc_agroup_sort(15, a, key, 5, out, count);
  /* by group, each group in input (pid) order */
  const uint64_t pids[5] = {4, 2, 5, 1, 3};
  for (int i = 0; i < 5; i++) assert_int_equal(out[i].pid, pids[i]);
  assert_int_equal(count[0 * 3 + 2], 1);
  assert_int_equal(count[1 * 3 + 0], 2);
  assert_int_equal(count[2 * 3 + 1], 2);
  uint64_t tot = 0;
  for (int g = 0; g < 15; g++) tot += count[g];
  assert_int_equal(tot, 5);
  /* a row gives back its stay's pid, place, times, region and channel */
  for (int i = 0; i < 5; i++) {
    pc_stay back;
    pc_arow_stay(&a[i], s[0].start, places.v, regions.v, &back);
    assert_int_equal(back.pid, s[i].pid);
    assert_int_equal(back.place, 77);
    assert_int_equal(back.start, s[i].start);
    assert_int_equal(back.end, s[i].end);
    assert_int_equal(back.region, s[i].region);
    assert_int_equal(back.channel, s[i].channel);
  }
  /* what a row cannot hold is refused, never wrapped */
  pc_stay far = s[0];
  far.end = far.start + ((int64_t)1 << 31);
  assert_int_equal(pc_arow_of(&far, s[0].start, &places, &regions, &a[0]), -1);
  far = s[0];
  far.place = 78; /* not in the dictionary */
  assert_int_equal(pc_arow_of(&far, s[0].start, &places, &regions, &a[0]), -1);
  pc_dict_free(&places), pc_dict_free(&regions);
}

/* Slices: a power of two from the number of stays alone, 4096 to 1 Mi rows,
 * a 64th of the stays between; enough of them to hold every stay. */
static void test_slices(void **st) {
  (void)st;
  assert_int_equal(pc_agroup_slice_rows(0), 4096);
  assert_int_equal(pc_agroup_nslices(0), 0);
  assert_int_equal(pc_agroup_slice_rows(200000), 4096);
  assert_int_equal(pc_agroup_nslices(200000), 49);
  assert_int_equal(pc_agroup_slice_rows(64 * 8192), 8192);
  assert_int_equal(pc_agroup_slice_rows(64 * 8192 + 1), 16384);
  assert_int_equal(pc_agroup_slice_rows(137069308), 1 << 20);
  assert_int_equal(pc_agroup_nslices(137069308), 131);
  assert_int_equal(pc_agroup_slice_rows((uint64_t)5 << 32), 1 << 20);
  for (uint64_t n = 1; n < ((uint64_t)1 << 40); n = n * 3 + 1) {
    const uint64_t s = pc_agroup_slice_rows(n), k = pc_agroup_nslices(n);
    assert_true((s & (s - 1)) == 0 && s >= 4096 && s <= (1 << 20));
    assert_true(k * s >= n && (k - 1) * s < n);
  }
}

/* A round's dictionary (ingest's phones): put gives each value's index,
 * the first time and again; clear empties it for the next round - every
 * value of the round gone, even those whose probes ran past others' slots -
 * and the next round's values take indices from 0 in their order. */
static void test_put_clear(void **st) {
  (void)st;
  pc_dict d = {0};
  for (int round = 0; round < 3; round++) {
    const uint64_t mul = round == 1 ? 1 : 7919; /* round 1: consecutive values, long probe runs */
    const size_t n = round == 2 ? 3 : 3000;
    for (size_t i = 0; i < 2 * n; i++) {
      const size_t k = i < n ? i : (i * 17) % n; /* each value, then again in another order */
      uint32_t at = UINT32_MAX;
      assert_int_equal(pc_dict_put(&d, (k + 1) * mul + (uint64_t)round, &at), 0);
      assert_int_equal(at, k);
    }
    assert_int_equal(d.n, n);
    const size_t cap = d.cap;
    pc_dict_clear(&d);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.cap, cap); /* the memory kept */
    for (size_t k = 0; k < n; k++)
      assert_int_equal(pc_dict_find(&d, (k + 1) * mul + (uint64_t)round), UINT32_MAX);
    for (size_t h = 0; h < d.cap; h++) assert_int_equal(d.slot[h], 0);
  }
  pc_dict_free(&d);
}

/* The batched search answers as the single one, over rows of any stride,
 * for values present and absent, at both ends of a batch (where no value
 * lies ahead to fetch) and for an empty dictionary. */
static void test_find_rows(void **st) {
  (void)st;
  pc_dict d = {0};
  for (uint64_t x = 1; x <= 5000; x++) assert_int_equal(pc_dict_add(&d, x * 7919), 0);
  pc_stay s[300];
  memset(s, 0, sizeof s);
  for (size_t i = 0; i < 300; i++) s[i].place = i % 3 ? (i * 37 % 6000) * 7919 : i + 3;
  uint32_t got[300];
  for (size_t n = 0; n <= 300; n += 299) {
    pc_dict_find_rows(&d, &s[0].place, sizeof *s, n ? n : 1, got);
    for (size_t i = 0; i < (n ? n : 1); i++) {
      assert_int_equal(got[i], pc_dict_find(&d, s[i].place));
      const uint64_t x = s[i].place / 7919;
      const int present = s[i].place % 7919 == 0 && x >= 1 && x <= 5000;
      assert_int_equal(got[i] != UINT32_MAX, present);
      if (present) assert_int_equal(got[i], x - 1); /* added in order */
    }
  }
  pc_dict empty = {0};
  pc_dict_find_rows(&empty, &s[0].place, sizeof *s, 300, got);
  for (size_t i = 0; i < 300; i++) assert_int_equal(got[i], UINT32_MAX);
  pc_dict_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_group), cmocka_unit_test(test_select),
                                     cmocka_unit_test(test_sort), cmocka_unit_test(test_find_rows),
                                     cmocka_unit_test(test_put_clear),
                                     cmocka_unit_test(test_slices)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
