/* test_ledger.c - the ledger's rules: a batch merged (`new`), feedback applied in order, codes lifted at their boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pc_err.h"
#include "pc_ledger.h"
#include "pc_time.h"

#define H 3600LL
#define D (24 * H)

static int64_t T(const char *s) {
  int64_t t = 0;
  assert_int_equal(pc_time_parse(s, strlen(s), &t), 0);
  return t;
}

static pc_ledger_flag flag(uint64_t pid, const char *code, const char *cls, const char *channel) {
  pc_ledger_flag f;
  memset(&f, 0, sizeof f);
  f.pid = pid;
  f.source_pid = pid + 1000;
  f.jurisdiction = 4301;
  snprintf(f.code, sizeof f.code, "%s", code);
  snprintf(f.cls, sizeof f.cls, "%s", cls);
  snprintf(f.channel, sizeof f.channel, "%s", channel);
  return f;
}

static pc_ledger_event ev(uint64_t pid, int64_t at, uint64_t line, int event, int result) {
  pc_ledger_event e;
  memset(&e, 0, sizeof e);
  e.pid = pid;
  e.at = at;
  e.line = line;
  e.event = (uint8_t)event;
  e.result = (uint8_t)result;
  return e;
}

/* A person flagged by batch 1 at t1 with code. */
static pc_ledger_row one(uint64_t pid, const char *code, int64_t t1) {
  pc_ledger_flag f = flag(pid, code, strcmp(code, "red") ? "hop2" : "hop1", "household");
  pc_ledger_row r;
  size_t n;
  uint8_t isnew;
  assert_int_equal(pc_ledger_merge(NULL, 0, &f, 1, 1, t1, &r, &n, &isnew), 0);
  assert_int_equal(n, 1);
  assert_int_equal(isnew, 1);
  return r;
}

/* `new` of a batch: a person new, raised, at the same code, at a lower code. */
static void test_merge_new(void **st) {
  (void)st;
  const int64_t t1 = T("2021-08-01T00:00"), t2 = T("2021-08-02T00:00");
  pc_ledger_row old[3] = {one(10, "yellow", t1), one(20, "yellow", t1), one(30, "red", t1)};
  pc_ledger_flag f[4] = {flag(5, "yellow", "hop2", "cafe"), flag(10, "red", "hop1", "cafe"),
                         flag(20, "yellow", "hop2", "cafe"), flag(30, "yellow", "hop2", "cafe")};
  pc_ledger_row out[7];
  size_t n;
  uint8_t isnew[4];
  assert_int_equal(pc_ledger_merge(old, 3, f, 4, 2, t2, out, &n, isnew), 0);
  assert_int_equal(n, 4);
  assert_int_equal(isnew[0], 1); /* new to the ledger */
  assert_int_equal(isnew[1], 1); /* yellow -> red */
  assert_int_equal(isnew[2], 0); /* yellow again */
  assert_int_equal(isnew[3], 0); /* red, now told yellow */
  assert_true(out[0].pid == 5 && out[0].first_batch == 2 && out[0].flagged_at == t2);
  assert_string_equal(out[0].first_cls, "hop2");
  /* raised: the new code since t2; first flag kept */
  assert_string_equal(out[1].code, "red");
  assert_true(out[1].code_since == t2 && out[1].code_batch == 2 && out[1].flagged_at == t1);
  assert_string_equal(out[1].first_channel, "household");
  assert_string_equal(out[1].channel, "cafe");
  /* same or lower: nothing changes */
  assert_true(out[2].code_since == t1 && out[2].code_batch == 1);
  assert_string_equal(out[3].code, "red");
  assert_true(out[3].code_since == t1);
  /* a lifted code is green: a yellow flag then raises it */
  old[1].lifted_at = t2;
  assert_int_equal(pc_ledger_merge(old, 3, f, 4, 2, t2, out, &n, isnew), 0);
  assert_int_equal(isnew[2], 1);
  assert_true(out[2].lifted_at == 0 && out[2].code_since == t2);
  /* unsorted flags are the caller's error */
  pc_ledger_flag g[2] = {f[1], f[0]};
  assert_int_equal(pc_ledger_merge(old, 3, g, 2, 2, t2, out, &n, isnew), PC_ERR_ARG);
}

/* hop 0 makes a case of the batch once; a later trace keeps the first case time. */
static void test_merge_hop0(void **st) {
  (void)st;
  const int64_t t1 = T("2021-08-01T00:00"), t2 = T("2021-08-03T00:00");
  pc_ledger_row old = one(7, "yellow", t1), out, out2;
  pc_ledger_flag f = flag(7, "red", "hop0", "case");
  size_t n;
  uint8_t isnew;
  assert_int_equal(pc_ledger_merge(&old, 1, &f, 1, 2, t2, &out, &n, &isnew), 0);
  assert_true(out.case_batch == 2 && out.case_at == t2 && out.traced_batch == 2);
  assert_true(out.flagged_at < out.case_at); /* found under control */
  assert_int_equal(pc_ledger_merge(&out, 1, &f, 1, 3, t2 + D, &out2, &n, &isnew), 0);
  assert_true(out2.case_batch == 2 && out2.case_at == t2 && out2.traced_batch == 3);
  assert_int_equal(isnew, 0);
}

/* Events in (at, line) order; negatives before code_since do not count; a
 * positive resets them and makes a red code since the test. */
static void test_apply(void **st) {
  (void)st;
  const int64_t t1 = T("2021-08-01T12:00");
  pc_ledger_row r = one(3, "yellow", t1);
  pc_ledger_event e[6] = {
      ev(3, t1 - H, 2, PC_FB_TESTED, PC_FB_NEGATIVE), /* before the code: not counted */
      ev(3, t1, 3, PC_FB_TESTED, PC_FB_NEGATIVE),     /* at code_since: counted */
      ev(3, t1 + H, 4, PC_FB_REACHED, PC_FB_NONE),
      ev(3, t1 + 2 * H, 5, PC_FB_REACHED, PC_FB_NONE), /* the first reach stays */
      ev(3, t1 + 3 * H, 6, PC_FB_ISOLATED, PC_FB_NONE),
      ev(3, t1 + 4 * H, 7, PC_FB_TESTED, PC_FB_NEGATIVE)};
  pc_ledger_apply(&r, e, 6, 2, t1 + D);
  assert_int_equal(r.negatives, 2);
  assert_int_equal(r.tests, 3);
  assert_true(r.reached_at == t1 + H && r.isolated_at == t1 + 3 * H);
  assert_true(r.last_test_at == t1 + 4 * H && r.first_batch == 1 && r.flagged_at == t1);
  pc_ledger_event p[2] = {ev(3, t1 + 5 * H, 8, PC_FB_TESTED, PC_FB_POSITIVE),
                          ev(3, t1 + 6 * H, 9, PC_FB_TESTED, PC_FB_NEGATIVE)};
  pc_ledger_apply(&r, p, 1, 2, t1 + D);
  assert_string_equal(r.code, "red");
  assert_string_equal(r.cls, "positive");
  assert_true(r.code_since == t1 + 5 * H && r.negatives == 0 && r.positive_at == t1 + 5 * H);
  assert_true(r.case_batch == 2 && r.case_at == t1 + 5 * H);
  pc_ledger_apply(&r, p + 1, 1, 3, t1 + 2 * D); /* a negative after the positive counts */
  assert_int_equal(r.negatives, 1);
  assert_true(r.positive_at == t1 + 5 * H && r.case_batch == 2);
}

/* A positive never flagged before: a new row first flagged by the feedback batch. */
static void test_apply_new_positive(void **st) {
  (void)st;
  const int64_t at = T("2021-08-05T00:00"), test = T("2021-08-04T09:00");
  pc_ledger_row r;
  memset(&r, 0, sizeof r);
  r.pid = 99;
  pc_ledger_event e = ev(99, test, 2, PC_FB_TESTED, PC_FB_POSITIVE);
  pc_ledger_apply(&r, &e, 1, 4, at);
  assert_true(r.first_batch == 4 && r.flagged_at == at && r.case_at == test);
  assert_string_equal(r.first_cls, "positive");
  assert_string_equal(r.first_channel, "feedback");
  assert_int_equal(pc_ledger_level(&r), PC_LCODE_RED);
  assert_false(r.flagged_at < r.case_at); /* not found under control */
}

/* Lifting: exactly `after` and exactly `negative_tests` lift; one minute or
 * one negative short does not; after < 0 never lifts. */
static void test_lifts(void **st) {
  (void)st;
  const pc_ledger_policy p = {.after = {-1, 7 * D, 14 * D}, .negative_tests = {0, 3, 2}};
  const int64_t t1 = T("2021-08-01T00:00");
  pc_ledger_row y = one(1, "yellow", t1), r = one(2, "red", t1);
  y.negatives = 3;
  r.negatives = 2;
  assert_int_equal(pc_ledger_lifts(&y, &p, t1 + 7 * D), 1);
  assert_int_equal(pc_ledger_lifts(&y, &p, t1 + 7 * D - 60), 0);
  assert_int_equal(pc_ledger_lifts(&r, &p, t1 + 14 * D), 1);
  assert_int_equal(pc_ledger_lifts(&r, &p, t1 + 14 * D - 60), 0);
  y.negatives = 2;
  r.negatives = 1;
  assert_int_equal(pc_ledger_lifts(&y, &p, t1 + 30 * D), 0);
  assert_int_equal(pc_ledger_lifts(&r, &p, t1 + 30 * D), 0);
  r.negatives = 2;
  r.lifted_at = t1 + 14 * D; /* already green: nothing to lift */
  assert_int_equal(pc_ledger_level(&r), PC_LCODE_GREEN);
  assert_int_equal(pc_ledger_lifts(&r, &p, t1 + 30 * D), 0);
  const pc_ledger_policy never = {.after = {-1, -1, -1}, .negative_tests = {0, 0, 0}};
  assert_int_equal(pc_ledger_lifts(&y, &never, t1 + 365 * D), 0);
}

/* A batch's counts: new flagged, new cases, under control, active codes. */
static void test_count(void **st) {
  (void)st;
  const int64_t t1 = T("2021-08-01T00:00");
  pc_ledger_row r[3] = {one(1, "red", t1), one(2, "yellow", t1), one(3, "yellow", t1)};
  r[0].case_batch = 1, r[0].case_at = t1;      /* hop 0: a case when first seen */
  r[1].case_batch = 1, r[1].case_at = t1 + D;  /* flagged before: under control */
  r[2].lifted_at = t1 + D;
  pc_ledger_batch B;
  memset(&B, 0, sizeof B);
  pc_ledger_count(r, 3, 1, &B);
  assert_true(B.new_flagged == 3 && B.new_cases == 2 && B.under_control == 1);
  assert_true(B.active_red == 1 && B.active_yellow == 1);
}

/* What a batch changed: a new person, a changed field, nothing else. */
static void test_changed(void **st) {
  (void)st;
  const int64_t t1 = T("2021-08-01T00:00");
  pc_ledger_row old[3] = {one(10, "yellow", t1), one(20, "yellow", t1), one(30, "red", t1)};
  pc_ledger_row cur[4] = {one(5, "yellow", t1), old[0], old[1], old[2]};
  cur[2].reached_at = t1 + H;
  pc_ledger_row out[4];
  assert_int_equal(pc_ledger_changed(old, 3, cur, 4, out), 2);
  assert_true(out[0].pid == 5 && out[1].pid == 20 && out[1].reached_at == t1 + H);
  assert_int_equal(pc_ledger_changed(old, 3, old, 3, out), 0);
  assert_int_equal(pc_ledger_changed(NULL, 0, old, 3, out), 3);
}

/* A base with deltas laid over it, in the order written, is the ledger the
 * batches made: the last delta's row of a pid wins, new pids go in order. */
static void test_overlay(void **st) {
  (void)st;
  const int64_t t1 = T("2021-08-01T00:00");
  pc_ledger_row base[3] = {one(10, "yellow", t1), one(20, "yellow", t1), one(30, "red", t1)};
  pc_ledger_row d[5] = {one(20, "red", t1 + D), one(40, "yellow", t1 + D), /* delta 1 */
                        one(5, "red", t1 + 2 * D), one(20, "yellow", t1 + 2 * D), /* delta 2 */
                        one(40, "red", t1 + 3 * D)};                              /* delta 3 */
  pc_ledger_row out[8];
  size_t n = 0;
  assert_int_equal(pc_ledger_overlay(base, 3, d, 5, out, &n), 0);
  assert_int_equal(n, 5);
  const uint64_t pids[5] = {5, 10, 20, 30, 40};
  for (size_t i = 0; i < n; i++) assert_int_equal(out[i].pid, pids[i]);
  assert_true(out[2].flagged_at == t1 + 2 * D && !strcmp(out[2].code, "yellow")); /* delta 2's */
  assert_true(out[4].flagged_at == t1 + 3 * D && !strcmp(out[4].code, "red"));    /* delta 3's */
  assert_true(!memcmp(&out[1], &base[0], sizeof *out) && !memcmp(&out[3], &base[2], sizeof *out));
  /* no deltas: the base; a base out of order: refused */
  assert_int_equal(pc_ledger_overlay(base, 3, NULL, 0, out, &n), 0);
  assert_int_equal(n, 3);
  pc_ledger_row bad[2] = {base[1], base[0]};
  assert_int_equal(pc_ledger_overlay(bad, 2, d, 1, out, &n), PC_ERR_ARG);
  pc_err_clear();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_merge_new), cmocka_unit_test(test_merge_hop0),
      cmocka_unit_test(test_apply), cmocka_unit_test(test_apply_new_positive),
      cmocka_unit_test(test_lifts), cmocka_unit_test(test_count),
      cmocka_unit_test(test_changed), cmocka_unit_test(test_overlay)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
