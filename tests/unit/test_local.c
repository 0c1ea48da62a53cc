/* test_local.c - unit tests of the one-function-per-idea kernels: local day, regions, ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_hash.h"
#include "pc_part.h"
#include "pc_region.h"
#include "pc_time.h"

/* 2021-08-09T00:00 local = 2021-08-08T16:00Z. */
#define AUG9 1628438400LL

static int64_t at(const char *s) {
  int64_t t = 0;
  assert_int_equal(pc_time_parse(s, strlen(s), &t), 0);
  return t;
}

/* The local day turns at local midnight (16:00 UTC), not at UTC midnight,
 * and floors before the epoch. */
static void test_local_day(void **st) {
  (void)st;
  assert_true(pc_local_day(0) == 0);                  /* 08:00 local, 1970-01-01 */
  assert_true(pc_local_day(-8 * 3600) == 0);          /* local midnight exactly */
  assert_true(pc_local_day(-8 * 3600 - 1) == -1);     /* 23:59:59 local on 1969-12-31 */
  assert_true(pc_local_day(-8 * 3600 - 86400) == -1); /* 1969-12-31T00:00 local */
  assert_true(pc_local_day(-8 * 3600 - 86401) == -2);
  assert_true(pc_local_day(16 * 3600 - 1) == 0);      /* 23:59:59 local */
  assert_true(pc_local_day(16 * 3600) == 1);          /* 24:00 local = 00:00 of the next day */
  assert_true(pc_local_day(AUG9) == AUG9 / 86400 + 1);
  assert_true(pc_local_day(AUG9 - 1) == AUG9 / 86400);
  for (int64_t d = -800; d < 800; d += 7) {
    assert_true(pc_local_day(pc_local_midnight(d)) == d);
    assert_true(pc_local_day(pc_local_midnight(d) - 1) == d - 1);
    assert_true(pc_local_day(pc_local_midnight(d) + 86399) == d);
  }
  assert_true(pc_local_midnight(0) == -8 * 3600);
  assert_true(pc_local_midnight(pc_local_day(AUG9)) == AUG9);
}

static void test_local_ymd(void **st) {
  (void)st;
  assert_int_equal(pc_local_ymd(AUG9), 20210809);
  assert_int_equal(pc_local_ymd(AUG9 - 1), 20210808); /* 23:59:59 local */
  assert_int_equal(pc_local_ymd(AUG9 + 86399), 20210809);
  assert_int_equal(pc_local_ymd(AUG9 + 86400), 20210810); /* 24:00 is the next day */
  assert_int_equal(pc_local_ymd(-8 * 3600), 19700101);
  assert_int_equal(pc_local_ymd(-8 * 3600 - 1), 19691231);
  assert_int_equal(pc_local_ymd(at("2020-02-29T23:59")), 20200229);
  assert_int_equal(pc_local_ymd(at("2020-03-01")), 20200301);
  /* Ages turn at local midnight of the birthday. */
  assert_int_equal(pc_age_at(20000809, AUG9), 21);
  assert_int_equal(pc_age_at(20000809, AUG9 - 1), 20);
}

/* SPEC "Dispatch": 03:00 local on the day before as_of's local date. */
static void test_dispatch_instant(void **st) {
  (void)st;
  assert_true(pc_dispatch_instant(AUG9) == at("2021-08-08T03:00"));      /* as_of at midnight */
  assert_true(pc_dispatch_instant(AUG9 - 1) == at("2021-08-07T03:00"));  /* 23:59:59 */
  assert_true(pc_dispatch_instant(at("2021-08-09T12:34")) == at("2021-08-08T03:00"));
  assert_true(pc_dispatch_instant(AUG9 + 86399) == at("2021-08-08T03:00"));
  assert_true(pc_dispatch_instant(AUG9 + 86400) == at("2021-08-09T03:00")); /* 24:00 */
  assert_true(pc_dispatch_instant(at("2021-03-01")) == at("2021-02-28T03:00"));
  /* Before the epoch: 1970-01-01T00:00 local -> 1969-12-31T03:00 local. */
  assert_true(pc_dispatch_instant(-8 * 3600) == -86400 - 8 * 3600 + 3 * 3600);
  assert_true(pc_dispatch_instant(-8 * 3600 - 1) == -2 * 86400 - 8 * 3600 + 3 * 3600);
}

/* One name table, and levels outside 1..5 named as nothing. */
static void test_levels(void **st) {
  (void)st;
  static const char *const want[] = {"province", "city", "county", "township", "community"};
  static const int digits[] = {2, 4, 6, 9, 12};
  for (int l = PC_LEVEL_PROVINCE; l <= PC_LEVEL_COMMUNITY; l++) {
    assert_string_equal(pc_level_name(l), want[l - 1]);
    assert_int_equal(pc_level_of(want[l - 1]), l);
    assert_int_equal(pc_level_digits(l), digits[l - 1]);
  }
  assert_null(pc_level_name(0));
  assert_null(pc_level_name(6));
  assert_null(pc_level_name(-1));
  assert_int_equal(pc_level_of("City"), 0);
  assert_int_equal(pc_level_of("village"), 0);
  assert_int_equal(pc_level_of(""), 0);
  assert_int_equal(pc_level_of(NULL), 0);
  assert_int_equal(pc_level_digits(0), 12);
  assert_int_equal(pc_level_digits(6), 12);
  /* The table doubles as config choices: from a level down, NULL-terminated. */
  const char *const *from_city = pc_level_names + PC_LEVEL_CITY;
  int n = 0;
  while (from_city[n]) n++;
  assert_int_equal(n, 4);
  assert_string_equal(from_city[0], "city");
  assert_string_equal(from_city[3], "community");
}

static void test_region_cut(void **st) {
  (void)st;
  const uint64_t v = 430102001001ULL;
  static const uint64_t cut[] = {430000000000ULL, 430100000000ULL, 430102000000ULL,
                                 430102001000ULL, 430102001001ULL};
  static const uint64_t shrt[] = {43, 4301, 430102, 430102001, 430102001001ULL};
  for (int l = PC_LEVEL_PROVINCE; l <= PC_LEVEL_COMMUNITY; l++) {
    assert_true(pc_region_cut(v, l) == cut[l - 1]);
    assert_true(pc_region_short(v, l) == shrt[l - 1]);
    assert_int_equal(pc_region_level(cut[l - 1]), l);
    /* A cut of a cut is the cut; a coarser cut of a finer one is the coarser. */
    for (int k = PC_LEVEL_PROVINCE; k <= l; k++)
      assert_true(pc_region_cut(pc_region_cut(v, l), k) == pc_region_cut(v, k));
  }
  assert_true(pc_region_cut(v, 0) == v);
  assert_true(pc_region_cut(v, 6) == v);
  assert_true(pc_region_short(v, 0) == v);
  assert_true(pc_region_cut(0, PC_LEVEL_CITY) == 0);
  assert_true(pc_region_cut(433127123456ULL, PC_LEVEL_TOWNSHIP) == 433127123000ULL);
}

static void test_region_find(void **st) {
  (void)st;
  pc_region r[5];
  memset(r, 0, sizeof r);
  const uint64_t codes[5] = {430000000000ULL, 430100000000ULL, 430102000000ULL,
                             430102001000ULL, 430102001001ULL};
  for (int i = 0; i < 5; i++) r[i].code = codes[i], r[i].level = (uint8_t)(i + 1);
  for (size_t n = 0; n <= 5; n++)
    for (int i = 0; i < 5; i++) {
      const pc_region *x = pc_region_find(r, n, codes[i]);
      if ((size_t)i < n) {
        assert_ptr_equal(x, &r[i]);
      } else {
        assert_null(x);
      }
      assert_null(pc_region_find(r, n, codes[i] + 2)); /* between or after: absent */
    }
  assert_null(pc_region_find(r, 5, 0));
  assert_null(pc_region_find(r, 5, UINT64_MAX));
  assert_null(pc_region_find(NULL, 0, codes[0]));
}

/* Rule 11: the longest stay covering the instant, ties by channel then place;
 * else the residence; cut to the level. */
static void test_jurisdiction(void **st) {
  (void)st;
  const int64_t at = AUG9 - 21 * 3600; /* 2021-08-08T03:00 */
  pc_stay s[4];
  memset(s, 0, sizeof s);
  s[0] = (pc_stay){.pid = 1, .place = 10, .start = at - 3600, .end = at + 3600, .region = 430102001001ULL, .channel = 2};
  s[1] = (pc_stay){.pid = 1, .place = 11, .start = at - 7200, .end = at + 1, .region = 430202001001ULL, .channel = 5};
  s[2] = (pc_stay){.pid = 1, .place = 12, .start = at + 1, .end = at + 99999, .region = 430302001001ULL, .channel = 1};
  s[3] = (pc_stay){.pid = 1, .place = 9, .start = at - 7199, .end = at + 2, .region = 430402001001ULL, .channel = 5};
  const uint64_t home = 431102003004ULL;
  /* s[1] and s[3] both last 7201 s; s[3] has the smaller place in the same channel. */
  assert_true(pc_jurisdiction(s, 4, at, home, PC_LEVEL_CITY) == 430400000000ULL);
  assert_true(pc_jurisdiction(s, 3, at, home, PC_LEVEL_CITY) == 430200000000ULL);
  assert_true(pc_jurisdiction(s, 1, at, home, PC_LEVEL_COUNTY) == 430102000000ULL);
  /* An instant at a stay's end is not covered; at its start it is. */
  assert_true(pc_jurisdiction(s, 1, at + 3600, home, PC_LEVEL_COUNTY) == 431102000000ULL);
  assert_true(pc_jurisdiction(s, 1, at - 3600, home, PC_LEVEL_COUNTY) == 430102000000ULL);
  /* No stay covers: the residence; no residence: unassigned. */
  assert_true(pc_jurisdiction(s, 4, at - 999999, home, PC_LEVEL_TOWNSHIP) == 431102003000ULL);
  assert_true(pc_jurisdiction(s, 4, at - 999999, 0, PC_LEVEL_TOWNSHIP) == 0);
  assert_true(pc_jurisdiction(NULL, 0, at, home, PC_LEVEL_COMMUNITY) == home);
  /* A covering stay with an unknown region falls back to the residence. */
  s[0].region = 0;
  assert_true(pc_jurisdiction(s, 1, at, home, PC_LEVEL_PROVINCE) == 430000000000ULL);
  assert_true(pc_jurisdiction(s, 1, at, home, 0) == home); /* no level: the whole code */
}

/* The index's dispatch table keeps one stay a person, pc_cover_stay's: the
 * one SPEC's rule picks, found here by brute force (the covering stays, the
 * longest, then the first channel, the smallest place, the first row), and
 * the jurisdiction from it alone equals the one from all the person's stays;
 * random people with ties in duration, channel and place. */
static void test_cover_stay(void **st) {
  (void)st;
  const int64_t at = AUG9 - 21 * 3600;
  pc_stay s[12];
  int covered = 0, ties = 0;
  for (uint64_t person = 0; person < 20000; person++) {
    const size_t n = (size_t)(pc_mix64(person) % 12);
    for (size_t i = 0; i < n; i++) {
      const uint64_t r = pc_mix64(person * 16 + i + 1);
      memset(&s[i], 0, sizeof s[i]);
      s[i].pid = person;
      s[i].start = at - (int64_t)(r % 4) * 1800;
      s[i].end = at + (int64_t)((r >> 8) % 4) * 1800; /* 0: ends at the instant, not covering */
      s[i].channel = (uint8_t)(1 + (r >> 16) % 3);
      s[i].place = (r >> 24) % 3;
      s[i].region = 430102001000ULL + (r >> 32) % 5; /* 0..4: 0 falls back to the residence */
      if ((r >> 40) % 7 == 0) s[i].region = 0;
    }
    const pc_stay *c = pc_cover_stay(s, n, at), *want = NULL;
    for (size_t i = 0; i < n; i++) {
      if (!(s[i].start <= at && at < s[i].end)) continue;
      int64_t d = s[i].end - s[i].start, dw = want ? want->end - want->start : -1;
      if (!want || d > dw || (d == dw && s[i].channel < want->channel) ||
          (d == dw && s[i].channel == want->channel && s[i].place < want->place))
        want = &s[i];
    }
    assert_ptr_equal(c, want);
    covered += c != NULL;
    for (size_t i = 0; c && i < n; i++)
      ties += &s[i] != c && s[i].start <= at && at < s[i].end && s[i].end - s[i].start == c->end - c->start &&
              s[i].channel == c->channel && s[i].place == c->place;
    for (int level = 0; level <= PC_LEVEL_COMMUNITY; level++)
      assert_true(pc_jurisdiction(c, c ? 1 : 0, at, 431102003004ULL, level) ==
                  pc_jurisdiction(s, n, at, 431102003004ULL, level));
  }
  assert_true(covered > 10000 && ties > 100); /* the cases that matter occurred */
}

/* Row ranges tile [0, n) in rank order, sizes within one of each other. */
static void test_own_range(void **st) {
  (void)st;
  static const uint64_t ns[] = {0, 1, 2, 3, 7, 100, 1000003, (uint64_t)1 << 40};
  for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
    for (int P = 1; P <= 9; P++) {
      uint64_t next = 0, mn = UINT64_MAX, mx = 0;
      for (int r = 0; r < P; r++) {
        uint64_t lo, hi;
        pc_own_range(ns[i], r, P, &lo, &hi);
        assert_true(lo == next && hi >= lo);
        assert_true(lo == pc_own_first(ns[i], r, P));
        next = hi;
        if (hi - lo < mn) mn = hi - lo;
        if (hi - lo > mx) mx = hi - lo;
      }
      assert_true(next == ns[i]);
      assert_true(pc_own_first(ns[i], P, P) == ns[i]);
      assert_true(mx - mn <= 1);
    }
}

/* pc_owner_range is the inverse of pc_owner_of: the ranges tile the pid
 * space and their ends map to their rank. */
static void test_owner_range(void **st) {
  (void)st;
  for (int P = 1; P <= 9; P++) {
    uint64_t next = 0;
    for (int r = 0; r < P; r++) {
      uint64_t p0, p1;
      pc_owner_range(r, P, &p0, &p1);
      assert_true(p0 == next && p1 >= p0);
      assert_int_equal(pc_owner_of(p0, P), r);
      assert_int_equal(pc_owner_of(p1, P), r);
      if (p0 > 0) assert_int_equal(pc_owner_of(p0 - 1, P), r - 1);
      if (p1 < UINT64_MAX) assert_int_equal(pc_owner_of(p1 + 1, P), r + 1);
      next = p1 + 1; /* wraps to 0 after the last rank */
    }
    assert_true(next == 0);
  }
}

/* Bucket cuts: contiguous, every bucket owned by the rank whose range holds
 * it, no rank past its share by more than one bucket; big buckets leave
 * ranks empty rather than split. */
static void test_cut_ranges(void **st) {
  (void)st;
  uint64_t start[65];
  uint32_t b0[10];
  uint64_t x = 12345;
  for (int trial = 0; trial < 500; trial++) {
    uint32_t B = (uint32_t)(trial % 64) + 1;
    start[0] = 0;
    for (uint32_t k = 0; k < B; k++) {
      x = pc_mix64(x + (uint64_t)trial);
      uint64_t rows = trial % 5 == 0 ? (k == 3 ? 1000 : 0) : x % 50; /* one hot bucket */
      start[k + 1] = start[k] + rows;
    }
    for (uint32_t P = 1; P <= 9; P++) {
      pc_cut_ranges(start, B, P, b0);
      assert_int_equal(b0[0], 0);
      assert_int_equal(b0[P], B);
      for (uint32_t r = 0; r < P; r++) {
        assert_true(b0[r] <= b0[r + 1]);
        /* a range starts at the first bucket whose rows before it reach
         * r/P of all (rounded down) */
        uint64_t goal = (uint64_t)((unsigned __int128)start[B] * r / P);
        if (r > 0) assert_true(start[b0[r]] >= goal);
        if (r > 0 && b0[r] > 0) assert_true(start[b0[r] - 1] < goal);
      }
      for (uint32_t k = 0; k < B; k++) {
        int o = pc_range_owner(b0, (int)P, k);
        assert_true(o >= 0 && o < (int)P);
        assert_true(b0[o] <= k && k < b0[o + 1]);
      }
      /* The same cut found by S readers of a slice each (more readers than
       * buckets: some slices empty), each seeing only its slice and the total
       * (the others poisoned): their least answers. */
      for (uint32_t S = 1; S <= B + 2; S += S < 4 ? 1 : 5) {
        uint64_t least[10], cut[10], seen[66];
        for (uint32_t r = 0; r <= P; r++) least[r] = UINT64_MAX;
        for (uint32_t i = 0; i < S; i++) {
          const uint32_t lo = (uint32_t)((uint64_t)B * i / S);
          const uint32_t hi = (uint32_t)((uint64_t)B * (i + 1) / S);
          for (uint32_t k = 0; k <= B; k++)
            seen[k] = (k >= lo && k < hi) || k == B ? start[k] : 0xdeadbeefULL;
          pc_cut_ranges_part(seen, B, lo, hi, P, cut);
          for (uint32_t r = 0; r <= P; r++) least[r] = cut[r] < least[r] ? cut[r] : least[r];
        }
        for (uint32_t r = 0; r <= P; r++) assert_int_equal(least[r], b0[r]);
      }
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_local_day),
      cmocka_unit_test(test_local_ymd),
      cmocka_unit_test(test_dispatch_instant),
      cmocka_unit_test(test_levels),
      cmocka_unit_test(test_region_cut),
      cmocka_unit_test(test_cover_stay),
      cmocka_unit_test(test_region_find),
      cmocka_unit_test(test_jurisdiction),
      cmocka_unit_test(test_own_range),
      cmocka_unit_test(test_owner_range),
      cmocka_unit_test(test_cut_ranges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
