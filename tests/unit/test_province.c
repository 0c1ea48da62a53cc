/* test_province.c - the region table: counts, codes, parents, levels, weights, names, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_province.h"

/* The 2020 census total of the 14 cities. */
#define HUNAN_POP 66444864.0

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
    if (R[m].code < code)
      lo = m + 1;
    else
      hi = m;
  }
  return lo < N && R[lo].code == code ? &R[lo] : NULL;
}

static double absd(double x) { return x < 0 ? -x : x; }

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !memcmp(s + a - b, suffix, b);
}

/* Strict UTF-8: no stray continuation bytes, overlong forms, surrogates or
 * code points above U+10FFFF. */
static int valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return 0;
    }
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += len;
  }
  return 1;
}

static void test_valid_utf8_checker(void **st) {
  (void)st;
  assert_true(valid_utf8((const unsigned char *)"湖南省", strlen("湖南省")));
  assert_false(valid_utf8((const unsigned char *)"\xe6\xb9", 2));         /* truncated */
  assert_false(valid_utf8((const unsigned char *)"\xc0\xaf", 2));         /* overlong '/' */
  assert_false(valid_utf8((const unsigned char *)"\xed\xa0\x80", 3));     /* surrogate */
  assert_false(valid_utf8((const unsigned char *)"\x80", 1));             /* stray continuation */
}

static void test_counts(void **st) {
  (void)st;
  size_t c[6] = {0};
  for (size_t i = 0; i < N; i++) {
    assert_in_range(R[i].level, PC_LEVEL_PROVINCE, PC_LEVEL_COMMUNITY);
    c[R[i].level]++;
  }
  assert_int_equal(c[PC_LEVEL_PROVINCE], 1);
  assert_int_equal(c[PC_LEVEL_CITY], 14);
  assert_in_range(c[PC_LEVEL_COUNTY], 115, 130);
  assert_in_range(c[PC_LEVEL_TOWNSHIP], 1800, 2100);
  assert_in_range(c[PC_LEVEL_COMMUNITY], 27000, 31000);
  assert_int_equal(c[1] + c[2] + c[3] + c[4] + c[5], N);
  assert_true(R[0].code == 430000000000ULL && R[0].parent == 0);
  assert_string_equal(R[0].name, "湖南省");
  assert_true(R[0].weight == 1.0);
}

static void test_codes_sorted_unique(void **st) {
  (void)st;
  for (size_t i = 1; i < N; i++) assert_true(R[i].code > R[i - 1].code);
  for (size_t i = 0; i < N; i++) assert_true(R[i].code / 10000000000ULL == 43);
}

/* Every parent exists, is one level up, precedes its children, and is the
 * child's code truncated; every non-community has children, communities none. */
static void test_parents(void **st) {
  (void)st;
  size_t *kids = calloc(N, sizeof *kids);
  assert_non_null(kids);
  for (size_t i = 0; i < N; i++) {
    if (R[i].level == PC_LEVEL_PROVINCE) {
      assert_true(R[i].parent == 0);
      continue;
    }
    const pc_region *p = find(R[i].parent);
    assert_non_null(p);
    assert_int_equal(p->level, R[i].level - 1);
    assert_true(p < &R[i]);
    assert_true(pc_region_cut(R[i].code, p->level) == p->code);
    kids[p - R]++;
  }
  for (size_t i = 0; i < N; i++) {
    if (R[i].level == PC_LEVEL_COMMUNITY)
      assert_int_equal(kids[i], 0);
    else if (R[i].level >= PC_LEVEL_COUNTY)
      assert_in_range(kids[i], 8, 25); /* townships a county, units a township */
    else
      assert_true(kids[i] > 0);
  }
  free(kids);
}

static void test_level_of_every_row(void **st) {
  (void)st;
  for (size_t i = 0; i < N; i++) {
    assert_int_equal(pc_region_level(R[i].code), R[i].level);
    assert_true(pc_region_cut(R[i].code, R[i].level) == R[i].code);
  }
}

/* Each level sums to 1; each node is the sum of its children; everyone
 * lives somewhere, so no community is empty. */
static void test_weights(void **st) {
  (void)st;
  double lvl[6] = {0};
  double *kids = calloc(N, sizeof *kids);
  assert_non_null(kids);
  for (size_t i = 0; i < N; i++) {
    assert_true(R[i].weight > 0 && R[i].weight <= 1);
    lvl[R[i].level] += R[i].weight;
    if (R[i].level > PC_LEVEL_PROVINCE) kids[find(R[i].parent) - R] += R[i].weight;
  }
  for (int l = 1; l <= 5; l++) assert_true(absd(lvl[l] - 1) < 1e-9);
  for (size_t i = 0; i < N; i++)
    if (R[i].level < PC_LEVEL_COMMUNITY) assert_true(absd(kids[i] - R[i].weight) <= 1e-9 * R[i].weight);
  free(kids);
}

/* Cities carry exactly their 2020 census shares; Changsha is the largest. */
static void test_cities(void **st) {
  (void)st;
  static const struct {
    uint64_t code;
    const char *name;
    double pop;
  } want[14] = {
      {430100000000ULL, "长沙市", 10047914}, {430200000000ULL, "株洲市", 3902738},
      {430300000000ULL, "湘潭市", 2726181},  {430400000000ULL, "衡阳市", 6645243},
      {430500000000ULL, "邵阳市", 6563520},  {430600000000ULL, "岳阳市", 5051922},
      {430700000000ULL, "常德市", 5279102},  {430800000000ULL, "张家界市", 1517027},
      {430900000000ULL, "益阳市", 3851564},  {431000000000ULL, "郴州市", 4667134},
      {431100000000ULL, "永州市", 5289824},  {431200000000ULL, "怀化市", 4587594},
      {431300000000ULL, "娄底市", 3826996},  {433100000000ULL, "湘西土家族苗族自治州", 2488105},
  };
  double sum = 0;
  for (int c = 0; c < 14; c++) sum += want[c].pop;
  assert_true(sum == HUNAN_POP);
  const pc_region *cs = find(430100000000ULL);
  assert_non_null(cs);
  for (int c = 0; c < 14; c++) {
    const pc_region *r = find(want[c].code);
    assert_non_null(r);
    assert_int_equal(r->level, PC_LEVEL_CITY);
    assert_string_equal(r->name, want[c].name);
    assert_true(absd(r->weight - want[c].pop / HUNAN_POP) < 1e-12);
    assert_true(r->weight <= cs->weight);
  }
  assert_true(absd(cs->weight - 10047914.0 / HUNAN_POP) < 1e-12);
}

/* Real divisions with their real codes; the prefecture numbers its city 01. */
static void test_real_counties(void **st) {
  (void)st;
  static const struct {
    uint64_t code;
    const char *name;
    int urban;
  } want[] = {
      {430102000000ULL, "芙蓉区", 1}, {430103000000ULL, "天心区", 1}, {430104000000ULL, "岳麓区", 1},
      {430105000000ULL, "开福区", 1}, {430111000000ULL, "雨花区", 1}, {430112000000ULL, "望城区", 1},
      {430121000000ULL, "长沙县", 0}, {430181000000ULL, "浏阳市", 0}, {430182000000ULL, "宁乡市", 0},
      {430412000000ULL, "南岳区", 1}, {431322000000ULL, "新化县", 0}, {433101000000ULL, "吉首市", 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const pc_region *r = find(want[i].code);
    assert_non_null(r);
    assert_int_equal(r->level, PC_LEVEL_COUNTY);
    assert_string_equal(r->name, want[i].name);
    assert_int_equal(r->urban, want[i].urban);
  }
  int changsha = 0;
  for (size_t i = 0; i < N; i++) changsha += R[i].parent == 430100000000ULL;
  assert_int_equal(changsha, 9);
  /* Realistic skew: a dense Changsha district outweighs a mountain county. */
  assert_true(find(430104000000ULL)->weight > 5 * find(433126000000ULL)->weight);
}

/* Names: non-empty UTF-8, NUL-terminated and NUL-padded, the suffix of their
 * kind, and the urban flag agreeing with that kind. */
static void test_names(void **st) {
  (void)st;
  static const uint8_t zero[6];
  for (size_t i = 0; i < N; i++) {
    const pc_region *r = &R[i];
    const char *nul = memchr(r->name, 0, PC_REGION_NAME_LEN);
    assert_non_null(nul);
    size_t len = (size_t)(nul - r->name);
    assert_true(len > 0);
    for (size_t k = len; k < PC_REGION_NAME_LEN; k++) assert_int_equal(r->name[k], 0);
    assert_true(valid_utf8((const unsigned char *)r->name, len));
    assert_memory_equal(r->pad, zero, sizeof zero);
    const char *n = r->name;
    switch (r->level) {
    case PC_LEVEL_PROVINCE:
      assert_true(ends_with(n, "省"));
      break;
    case PC_LEVEL_CITY:
      assert_true(ends_with(n, "市") || ends_with(n, "州"));
      assert_int_equal(r->urban, 0);
      break;
    case PC_LEVEL_COUNTY:
      assert_true(ends_with(n, "区") || ends_with(n, "县") || ends_with(n, "市"));
      assert_int_equal(r->urban, ends_with(n, "区"));
      break;
    case PC_LEVEL_TOWNSHIP:
      assert_true(ends_with(n, "街道") || ends_with(n, "镇") || ends_with(n, "乡"));
      assert_int_equal(r->urban, ends_with(n, "街道"));
      break;
    default:
      assert_true(ends_with(n, "社区") || ends_with(n, "村"));
      assert_int_equal(r->urban, ends_with(n, "社区"));
    }
  }
}

static int cmp_sibling(const void *a, const void *b) {
  const pc_region *x = *(const pc_region *const *)a, *y = *(const pc_region *const *)b;
  if (x->parent != y->parent) return x->parent < y->parent ? -1 : 1;
  return strncmp(x->name, y->name, PC_REGION_NAME_LEN);
}

/* No two children of one parent share a name (a 镇 and a 村 may). */
static void test_sibling_names_unique(void **st) {
  (void)st;
  const pc_region **p = malloc(N * sizeof *p);
  assert_non_null(p);
  for (size_t i = 0; i < N; i++) p[i] = &R[i];
  qsort(p, N, sizeof *p, cmp_sibling);
  for (size_t i = 1; i < N; i++) assert_int_not_equal(cmp_sibling(&p[i - 1], &p[i]), 0);
  free(p);
}

/* Communities hold 1,000-6,000 people for the most part, urban ones more
 * than villages; streets are all communities. */
static void test_community_sizes(void **st) {
  (void)st;
  size_t n = 0, typical = 0, nu = 0, nr = 0;
  double su = 0, sr = 0;
  for (size_t i = 0; i < N; i++) {
    if (R[i].level != PC_LEVEL_COMMUNITY) continue;
    double pop = R[i].weight * HUNAN_POP;
    n++;
    typical += pop >= 1000 && pop <= 6000;
    assert_true(pop >= 100 && pop <= 15000);
    if (R[i].urban)
      nu++, su += pop;
    else
      nr++, sr += pop;
    if (find(R[i].parent)->urban) assert_int_equal(R[i].urban, 1);
  }
  assert_true(typical >= n * 9 / 10);
  assert_true(nu > 0 && nr > nu); /* mostly villages, like the real province */
  assert_true(su / nu > 1.5 * (sr / nr));
}

static void test_at_level_and_level(void **st) {
  (void)st;
  const uint64_t v = 430102001001ULL;
  assert_true(pc_region_cut(v, PC_LEVEL_PROVINCE) == 430000000000ULL);
  assert_true(pc_region_cut(v, PC_LEVEL_CITY) == 430100000000ULL);
  assert_true(pc_region_cut(v, PC_LEVEL_COUNTY) == 430102000000ULL);
  assert_true(pc_region_cut(v, PC_LEVEL_TOWNSHIP) == 430102001000ULL);
  assert_true(pc_region_cut(v, PC_LEVEL_COMMUNITY) == v);
  assert_true(pc_region_cut(433127123456ULL, PC_LEVEL_TOWNSHIP) == 433127123000ULL);
  assert_true(pc_region_cut(v, 0) == v);
  assert_true(pc_region_cut(v, 6) == v);
  /* The ordering that makes parents precede children. */
  assert_true(430100000000ULL < 430102000000ULL && 430102000000ULL < 430102001000ULL &&
              430102001000ULL < 430102001001ULL && 430102001999ULL < 430102002000ULL);

  assert_int_equal(pc_region_level(430000000000ULL), PC_LEVEL_PROVINCE);
  assert_int_equal(pc_region_level(430100000000ULL), PC_LEVEL_CITY);
  assert_int_equal(pc_region_level(430102000000ULL), PC_LEVEL_COUNTY);
  assert_int_equal(pc_region_level(430102001000ULL), PC_LEVEL_TOWNSHIP);
  assert_int_equal(pc_region_level(v), PC_LEVEL_COMMUNITY);
  assert_int_equal(pc_region_level(999999999999ULL), PC_LEVEL_COMMUNITY);
  /* Malformed: out of range, or a group set under a zero group. */
  assert_int_equal(pc_region_level(0), 0);
  assert_int_equal(pc_region_level(43), 0);
  assert_int_equal(pc_region_level(99999999999ULL), 0);
  assert_int_equal(pc_region_level(1000000000000ULL), 0);
  assert_int_equal(pc_region_level(4301020010011ULL), 0);
  assert_int_equal(pc_region_level(UINT64_MAX), 0);
  assert_int_equal(pc_region_level(430002000000ULL), 0); /* county without a city */
  assert_int_equal(pc_region_level(430100001000ULL), 0); /* township without a county */
  assert_int_equal(pc_region_level(430102000001ULL), 0); /* community without a township */
  assert_int_equal(pc_region_level(430000001001ULL), 0);
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
      cmocka_unit_test(test_valid_utf8_checker), cmocka_unit_test(test_counts),
      cmocka_unit_test(test_codes_sorted_unique), cmocka_unit_test(test_parents),
      cmocka_unit_test(test_level_of_every_row),  cmocka_unit_test(test_weights),
      cmocka_unit_test(test_cities),              cmocka_unit_test(test_real_counties),
      cmocka_unit_test(test_names),               cmocka_unit_test(test_sibling_names_unique),
      cmocka_unit_test(test_community_sizes),     cmocka_unit_test(test_at_level_and_level),
      cmocka_unit_test(test_deterministic),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
