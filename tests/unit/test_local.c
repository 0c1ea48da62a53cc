/* test_local.c - unit tests of the one-function-per-idea kernels: local day, regions, ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_local_day),
      cmocka_unit_test(test_local_ymd),
      cmocka_unit_test(test_dispatch_instant),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
