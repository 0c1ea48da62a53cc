/* test_province.c - the region table: counts, codes, parents, levels, weights, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_province.h"

static pc_region *R;
static size_t N;

static int setup(void **st) {
  (void)st;
  return pc_province_build(&R, &N);
}
static int teardown(void **st) {
  (void)st;
  free(R);
  return 0;
}

static const pc_region *find(uint64_t code) {
  size_t lo = 0, hi = N;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (R[m].code < code) lo = m + 1; else hi = m;
  }
  return lo < N && R[lo].code == code ? &R[lo] : NULL;
}

static void test_counts(void **st) {
  (void)st;
  size_t c[6] = {0};
  for (size_t i = 0; i < N; i++) c[R[i].level]++;
  assert_int_equal(c[1], 1);
  assert_int_equal(c[2], 14);
  assert_in_range(c[3], 115, 130);
  assert_in_range(c[4], 1800, 2100);
  assert_in_range(c[5], 27000, 31000);
}

static void test_codes_and_parents(void **st) {
  (void)st;
  for (size_t i = 0; i < N; i++) {
    if (i) assert_true(R[i].code > R[i - 1].code); /* sorted, unique */
    assert_int_equal(pc_region_level(R[i].code), R[i].level);
    assert_true(R[i].code / 10000000000ULL == 43);
    if (R[i].level == 1) {
      assert_true(R[i].parent == 0);
      continue;
    }
    const pc_region *p = find(R[i].parent);
    assert_non_null(p);
    assert_int_equal(p->level, R[i].level - 1);
    assert_true(p < &R[i]); /* parents precede children */
    assert_true(pc_region_at_level(R[i].code, p->level) == p->code);
    size_t len = strnlen(R[i].name, PC_REGION_NAME_LEN);
    assert_true(len > 0 && len < PC_REGION_NAME_LEN);
  }
  assert_string_equal(find(430100000000ULL)->name, "长沙市");
  assert_string_equal(find(430102000000ULL)->name, "芙蓉区");
  assert_string_equal(find(433100000000ULL)->name, "湘西土家族苗族自治州");
}

/* Each node's weight is the sum of its children's; each level sums to 1. */
static void test_weights(void **st) {
  (void)st;
  double lvl[6] = {0};
  double *kids = calloc(N, sizeof *kids);
  for (size_t i = 0; i < N; i++) {
    lvl[R[i].level] += R[i].weight;
    if (R[i].level > 1) kids[find(R[i].parent) - R] += R[i].weight;
  }
  for (int l = 1; l <= 5; l++) assert_true(lvl[l] > 1 - 1e-9 && lvl[l] < 1 + 1e-9);
  for (size_t i = 0; i < N; i++)
    if (R[i].level < 5) assert_true(kids[i] > R[i].weight * (1 - 1e-9) && kids[i] < R[i].weight * (1 + 1e-9));
  free(kids);
  /* Changsha is the largest city, in its census share. */
  double cs = find(430100000000ULL)->weight;
  assert_true(cs > 10047914.0 / 66444864 - 1e-9 && cs < 10047914.0 / 66444864 + 1e-9);
  for (size_t i = 0; i < N; i++)
    if (R[i].level == 2) assert_true(R[i].weight <= cs);
}

static void test_levels(void **st) {
  (void)st;
  assert_true(pc_region_at_level(430102001001ULL, PC_LEVEL_COUNTY) == 430102000000ULL);
  assert_true(pc_region_at_level(430102001001ULL, PC_LEVEL_CITY) == 430100000000ULL);
  assert_true(pc_region_at_level(430102001001ULL, PC_LEVEL_TOWNSHIP) == 430102001000ULL);
  assert_int_equal(pc_region_level(430102001001ULL), 5);
  assert_int_equal(pc_region_level(430000000000ULL), 1);
  assert_int_equal(pc_region_level(0), 0);
  assert_int_equal(pc_region_level(4301020010011ULL), 0);
  assert_int_equal(pc_region_level(430002000000ULL), 0); /* county without a city */
  assert_int_equal(pc_region_level(430100001000ULL), 0); /* township without a county */
}

static void test_deterministic(void **st) {
  (void)st;
  pc_region *r2;
  size_t n2;
  assert_int_equal(pc_province_build(&r2, &n2), 0);
  assert_int_equal(n2, N);
  assert_memory_equal(r2, R, N * sizeof *R);
  free(r2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counts), cmocka_unit_test(test_codes_and_parents),
      cmocka_unit_test(test_weights), cmocka_unit_test(test_levels),
      cmocka_unit_test(test_deterministic)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
