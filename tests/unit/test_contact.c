/* test_contact.c - the contact rules at their boundaries, union lengths, the hit tie-break. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pc_contact.h"

#define MIN 60
#define H 3600

static pc_side side(int64_t s, int64_t e, int16_t row, int64_t cum) {
  pc_side x = {s, e, row, cum};
  return x;
}

/* Cafe: exactly 15 minutes is a contact, 14 minutes is not; the exposure is
 * the start of the overlap. */
static void test_cafe_boundary(void **st) {
  (void)st;
  pc_chan_rule r = pc_chan_rule_default(PC_CH_CAFE);
  pc_side x = side(1000 * MIN, 1100 * MIN, 0, 0);
  pc_side y15 = side(1085 * MIN, 1200 * MIN, 0, 0), y14 = side(1086 * MIN, 1200 * MIN, 0, 0);
  assert_int_equal(pc_contact(&r, PC_CH_CAFE, &x, &y15, 0, 1 << 30), 1085 * MIN);
  assert_int_equal(pc_contact(&r, PC_CH_CAFE, &x, &y14, 0, 1 << 30), -1);
  /* 15 min minus one second is 14 whole minutes. */
  pc_side y = side(1085 * MIN + 1, 1200 * MIN, 0, 0);
  assert_int_equal(pc_contact(&r, PC_CH_CAFE, &x, &y, 0, 1 << 30), -1);
  /* The source's window clips the overlap: only 10 minutes fall inside it. */
  assert_int_equal(pc_contact(&r, PC_CH_CAFE, &x, &y15, 0, 1095 * MIN), -1);
  /* A window starting inside the overlap moves the exposure. */
  pc_side y60 = side(1000 * MIN, 1100 * MIN, 0, 0);
  assert_int_equal(pc_contact(&r, PC_CH_CAFE, &x, &y60, 1050 * MIN, 1 << 30), 1050 * MIN);
}

/* Lodging needs an hour; lbs ten minutes. */
static void test_lodging_lbs(void **st) {
  (void)st;
  pc_chan_rule l = pc_chan_rule_default(PC_CH_LODGING), c = pc_chan_rule_default(PC_CH_LBS);
  pc_side x = side(0, 10 * H, 0, 0), y60 = side(9 * H, 11 * H, 0, 0),
          y59 = side(9 * H + MIN, 11 * H, 0, 0);
  assert_int_equal(pc_contact(&l, PC_CH_LODGING, &x, &y60, 0, 1 << 30), 9 * H);
  assert_int_equal(pc_contact(&l, PC_CH_LODGING, &x, &y59, 0, 1 << 30), -1);
  pc_side z10 = side(10 * H - 10 * MIN, 11 * H, 0, 0), z9 = side(10 * H - 9 * MIN, 11 * H, 0, 0);
  assert_int_equal(c.role, PC_ROLE_COMPANION);
  assert_true(pc_contact(&c, PC_CH_LBS, &x, &z10, 0, 1 << 30) >= 0);
  assert_int_equal(pc_contact(&c, PC_CH_LBS, &x, &z9, 0, 1 << 30), -1);
}

/* Flight: rows within 3 are close, 4 apart are not; an unknown row cannot
 * exclude anyone; no overlap, no contact. */
static void test_flight_rows(void **st) {
  (void)st;
  pc_chan_rule r = pc_chan_rule_default(PC_CH_FLIGHT);
  pc_side x = side(0, 2 * H, 20, 0);
  for (int d = -5; d <= 5; d++) {
    pc_side y = side(0, 2 * H, (int16_t)(20 + d), 0);
    int64_t got = pc_contact(&r, PC_CH_FLIGHT, &x, &y, 0, 1 << 30);
    if (d >= -3 && d <= 3)
      assert_int_equal(got, 0);
    else
      assert_int_equal(got, -1);
  }
  pc_side unknown = side(0, 2 * H, 0, 0), after = side(2 * H, 3 * H, 20, 0);
  assert_int_equal(pc_contact(&r, PC_CH_FLIGHT, &x, &unknown, 0, 1 << 30), 0);
  assert_int_equal(pc_contact(&r, PC_CH_FLIGHT, &x, &after, 0, 1 << 30), -1);
  /* Rail: the whole carriage, any positive overlap (one whole minute). */
  pc_chan_rule rail = pc_chan_rule_default(PC_CH_RAIL);
  pc_side one = side(2 * H - MIN, 3 * H, 70, 0), part = side(2 * H - 59, 3 * H, 70, 0);
  assert_int_equal(pc_contact(&rail, PC_CH_RAIL, &x, &one, 0, 1 << 30), 2 * H - MIN);
  assert_int_equal(pc_contact(&rail, PC_CH_RAIL, &x, &part, 0, 1 << 30), -1);
}

/* Grid: 10 minutes together and 30 h in the grid (either party), under "and";
 * under "or" either suffices given a positive overlap. */
static void test_grid_rule(void **st) {
  (void)st;
  pc_chan_rule a = pc_chan_rule_default(PC_CH_GRID), o = a;
  o.rule_or = 1;
  pc_side x29 = side(0, H, 0, 29 * 60), x30 = side(0, H, 0, 30 * 60);
  pc_side y10 = side(50 * MIN, 2 * H, 0, 5), y5 = side(55 * MIN, 2 * H, 0, 5),
          yl = side(55 * MIN, 2 * H, 0, 30 * 60);
  assert_int_equal(pc_contact(&a, PC_CH_GRID, &x29, &y10, 0, 1 << 30), -1);
  assert_int_equal(pc_contact(&a, PC_CH_GRID, &x30, &y10, 0, 1 << 30), 50 * MIN);
  assert_int_equal(pc_contact(&a, PC_CH_GRID, &x30, &y5, 0, 1 << 30), -1);  /* 5 min */
  assert_int_equal(pc_contact(&a, PC_CH_GRID, &x29, &yl, 0, 1 << 30), -1);  /* 5 min */
  assert_int_equal(pc_contact(&o, PC_CH_GRID, &x29, &y10, 0, 1 << 30), 50 * MIN); /* 10 min */
  assert_int_equal(pc_contact(&o, PC_CH_GRID, &x30, &y5, 0, 1 << 30), 55 * MIN);  /* 30 h */
  assert_int_equal(pc_contact(&o, PC_CH_GRID, &x29, &yl, 0, 1 << 30), 55 * MIN);  /* y's 30 h */
  pc_side far = side(3 * H, 4 * H, 0, 30 * 60);
  assert_int_equal(pc_contact(&o, PC_CH_GRID, &x30, &far, 0, 1 << 30), -1); /* no overlap */
}

/* Union of a person's stays in one grid, clipped to the data window. */
static void test_union(void **st) {
  (void)st;
  int64_t s[] = {0, 10 * MIN, 50 * MIN, 100 * MIN}, e[] = {20 * MIN, 30 * MIN, 60 * MIN, 200 * MIN};
  assert_int_equal(pc_union_minutes(s, e, 4, 0, 1000 * MIN), 30 + 10 + 100);
  assert_int_equal(pc_union_minutes(s, e, 4, 15 * MIN, 150 * MIN), 15 + 10 + 50);
  assert_int_equal(pc_union_minutes(s, e, 0, 0, 1), 0);
  int64_t s2[] = {0, 0}, e2[] = {90, 90}; /* 1.5 minutes, counted once */
  assert_int_equal(pc_union_minutes(s2, e2, 2, 0, 1000), 1);
}

static void test_tiebreak(void **st) {
  (void)st;
  pc_hit a = {1, 100, 5, 9, 3, 0, {0}}, b = a;
  assert_false(pc_hit_less(&a, &b));
  b.exposure = 99;
  assert_true(pc_hit_less(&b, &a));
  b = a;
  b.source = 4;
  assert_true(pc_hit_less(&b, &a));
  b = a;
  b.channel = 2;
  assert_true(pc_hit_less(&b, &a));
  b = a;
  b.place = 8;
  assert_true(pc_hit_less(&b, &a));
  assert_int_equal(pc_channel_of("grid"), PC_CH_GRID);
  assert_int_equal(pc_channel_of("bus"), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cafe_boundary), cmocka_unit_test(test_lodging_lbs),
      cmocka_unit_test(test_flight_rows),   cmocka_unit_test(test_grid_rule),
      cmocka_unit_test(test_union),
      cmocka_unit_test(test_tiebreak),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
