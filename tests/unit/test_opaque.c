/* test_opaque.c - cmocka tests of kernels/pc_opaque.c: opaque identifiers trimmed, keyed, and two strings with one id always found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_opaque.h"

static const pc_key128 key = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

/* Blanks at the ends go, inner ones stay; 1..64 bytes. */
static void trims(void **st) {
  (void)st;
  const char *s;
  size_t n;
  assert_int_equal(pc_opaque_trim(" \tH 12\t ", 8, &s, &n), 0);
  assert_int_equal(n, 4);
  assert_memory_equal(s, "H 12", 4);
  assert_int_equal(pc_opaque_trim("   ", 3, &s, &n), -1);
  assert_int_equal(n, 0);
  char b[80];
  memset(b, 'x', sizeof b);
  assert_int_equal(pc_opaque_trim(b, 64, &s, &n), 0);
  assert_int_equal(pc_opaque_trim(b, 65, &s, &n), -1);
  assert_int_equal(n, 65);
}

/* Keyed, domain-separated, 56 bits, never 0; the mask narrows it. */
static void ids(void **st) {
  (void)st;
  const pc_key128 other = {1, 2};
  uint64_t a = pc_opaque_id(&key, PC_OPAQUE_HOUSEHOLD, "00012", 5, ~0ULL);
  assert_true(a != 0 && a >> 56 == 0);
  assert_true(a != pc_opaque_id(&key, PC_OPAQUE_HOUSEHOLD, "12", 2, ~0ULL));
  assert_true(a != pc_opaque_id(&key, PC_OPAQUE_EMPLOYER, "00012", 5, ~0ULL));
  assert_true(a != pc_opaque_id(&other, PC_OPAQUE_HOUSEHOLD, "00012", 5, ~0ULL));
  assert_true(a == pc_opaque_id(&key, PC_OPAQUE_HOUSEHOLD, "00012", 5, ~0ULL));
  for (int i = 0; i < 1000; i++) {
    char s[16];
    int n = snprintf(s, sizeof s, "%d", i);
    uint64_t v = pc_opaque_id(&key, PC_OPAQUE_HOUSEHOLD, s, (size_t)n, 3);
    assert_true(v >= 1 && v <= 3);
  }
}

/* `count` adds of the strings H00000.. H<distinct - 1> in turn, under full
 * ids: each accepted (never a collision). */
static void add_distinct(pc_opaque_set *set, int count, int distinct) {
  for (int i = 0; i < count; i++) {
    char s[16];
    int n = snprintf(s, sizeof s, "H%05d", i % distinct);
    const pc_opaque_row *o = NULL;
    uint64_t id = pc_opaque_id(&key, PC_OPAQUE_HOUSEHOLD, s, (size_t)n, ~0ULL);
    assert_int_equal(pc_opaque_set_add(set, id, s, (size_t)n, &o), 0);
  }
}

/* A set seeing 2000 strings under 3-bit ids: every string it keeps is
 * distinct, and every string it refuses names the one that holds its id. */
static void set_finds_local(void **st) {
  (void)st;
  pc_opaque_set set = {0};
  int refused = 0;
  for (int i = 0; i < 2000; i++) {
    char s[16];
    int n = snprintf(s, sizeof s, "H%05d", i % 500); /* each string 4 times */
    uint64_t id = pc_opaque_id(&key, PC_OPAQUE_HOUSEHOLD, s, (size_t)n, 7);
    const pc_opaque_row *o = NULL;
    int rc = pc_opaque_set_add(&set, id, s, (size_t)n, &o);
    assert_true(rc == 0 || rc == 1);
    if (rc == 1) {
      refused++;
      assert_true(o->id == id && (o->len != (uint32_t)n || memcmp(o->s, s, (size_t)n)));
    }
  }
  assert_true(refused > 0 && set.n <= 7);
  pc_opaque_set_free(&set);
  /* without the mask, the same strings are 5000 distinct rows, each kept
   * once through the table's rebuilds (1024 slots to 16384) */
  add_distinct(&set, 20000, 5000);
  assert_int_equal(set.n, 5000);
  /* room given after the fact (the table rebuilt around the rows held) and
   * then used: the strings held are still found, the new ones added once */
  assert_int_equal(pc_opaque_set_reserve(&set, 9000), 0);
  assert_true(set.rcap >= 9000 && set.cap >= 2 * 9000);
  add_distinct(&set, 16000, 8000);
  assert_int_equal(set.n, 8000);
  pc_opaque_row *r = pc_opaque_set_rows(&set);
  size_t at = 0;
  assert_int_equal(pc_opaque_collision(r, set.n, &at), 0);
  assert_int_equal(at, set.n);
  for (size_t i = 1; i < set.n; i++) assert_true(r[i - 1].id < r[i].id); /* sorted, distinct */
  pc_opaque_set_free(&set);
}

static void put(pc_opaque_row *r, uint64_t id, const char *s) {
  memset(r, 0, sizeof *r);
  r->id = id;
  r->len = (uint32_t)strlen(s);
  memcpy(r->s, s, r->len);
}

/* Rows gathered from several ranks: copies of one string are no collision,
 * a prefix is another string, and the pair found is the colliding one. */
static void collision_across(void **st) {
  (void)st;
  pc_opaque_row r[6];
  put(&r[0], 9, "H1");
  put(&r[1], 5, "A");
  put(&r[2], 9, "H1");
  put(&r[3], 5, "A");
  put(&r[4], 7, "x");
  put(&r[5], 3, "q");
  size_t i = 0;
  assert_int_equal(pc_opaque_collision(r, 6, &i), 0);
  assert_int_equal(i, 6);
  put(&r[5], 9, "H");   /* a prefix of H1 under the same id */
  assert_int_equal(pc_opaque_collision(r, 6, &i), 0);
  assert_true(i < 5);
  assert_true(r[i].id == 9 && r[i + 1].id == 9);
  assert_true((r[i].len == 1) != (r[i + 1].len == 1));
  assert_int_equal(pc_opaque_collision(r, 0, &i), 0);
  assert_int_equal(i, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(trims), cmocka_unit_test(ids), cmocka_unit_test(set_finds_local),
      cmocka_unit_test(collision_across)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
