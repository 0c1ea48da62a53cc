/* test_sources.c - the common-exposure kernel: half-open meetings, maximal intervals, whole minutes, distinct cases, contacts, attendees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pc_exposure.h"

#define M 60 /* a minute */

static pc_presence pr(uint64_t pid, int64_t a, int64_t b) {
  pc_presence p;
  memset(&p, 0, sizeof p);
  p.place = pc_place_id(PC_CH_CAFE, 7);
  p.channel = PC_CH_CAFE;
  p.pid = pid;
  p.start = a * M;
  p.end = b * M;
  return p;
}

typedef struct got {
  pc_common e[8];
  uint64_t pids[8][8];
  int n;
} got;

static int keep(void *arg, const pc_common *e, const uint64_t *pids) {
  got *g = arg;
  g->e[g->n] = *e;
  memcpy(g->pids[g->n], pids, e->ncases * sizeof *pids);
  g->n++;
  return 0;
}

static got common(pc_presence *p, size_t n, int k, int64_t min_minutes) {
  got g;
  memset(&g, 0, sizeof g);
  int64_t scratch[64];
  assert_int_equal(pc_sources_common(p, n, k, min_minutes, scratch, keep, &g), 0);
  return g;
}

/* One minute apart is never together; an overlap is one interval with both. */
static void test_apart_and_together(void **st) {
  (void)st;
  pc_presence a[] = {pr(1, 0, 60), pr(2, 61, 120)};
  assert_int_equal(common(a, 2, 2, 1).n, 0);
  pc_presence b[] = {pr(1, 0, 60), pr(2, 60, 120)}; /* touching: half-open, still apart */
  assert_int_equal(common(b, 2, 2, 1).n, 0);
  pc_presence c[] = {pr(1, 0, 60), pr(2, 30, 120)};
  got g = common(c, 2, 2, 1);
  assert_int_equal(g.n, 1);
  assert_true(g.e[0].from == 30 * M && g.e[0].to == 60 * M && g.e[0].ncases == 2);
  assert_true(g.pids[0][0] == 1 && g.pids[0][1] == 2);
}

/* Exactly min_overlap is kept, a minute short is not; seconds short of a minute round down. */
static void test_whole_minutes(void **st) {
  (void)st;
  pc_presence a[] = {pr(1, 0, 30), pr(2, 15, 45)};
  assert_int_equal(common(a, 2, 2, 15).n, 1);
  pc_presence b[] = {pr(1, 0, 30), pr(2, 16, 45)};
  assert_int_equal(common(b, 2, 2, 15).n, 0);
  pc_presence c[] = {pr(1, 0, 30), pr(2, 15, 45)};
  c[1].start += 1; /* 14 min 59 s */
  assert_int_equal(common(c, 2, 2, 15).n, 0);
  pc_chan_rule r = pc_chan_rule_default(PC_CH_RAIL);
  assert_int_equal(pc_sources_min_minutes(&r, PC_CH_RAIL), 1); /* any positive length */
  r = pc_chan_rule_default(PC_CH_CAFE);
  assert_int_equal(pc_sources_min_minutes(&r, PC_CH_CAFE), 15);
}

/* A hand-over keeps the interval whole (two present at every instant), and
 * one case's overlapping stays count once. */
static void test_maximal_and_distinct(void **st) {
  (void)st;
  pc_presence a[] = {pr(3, 0, 100), pr(1, 10, 50), pr(2, 50, 90)};
  got g = common(a, 3, 2, 1);
  assert_int_equal(g.n, 1);
  assert_true(g.e[0].from == 10 * M && g.e[0].to == 90 * M && g.e[0].ncases == 3);
  pc_presence b[] = {pr(1, 0, 60), pr(1, 30, 90)}; /* one case twice */
  assert_int_equal(common(b, 2, 2, 1).n, 0);
  pc_presence c[] = {pr(1, 0, 60), pr(2, 10, 20), pr(2, 40, 50)}; /* two intervals */
  g = common(c, 3, 2, 1);
  assert_int_equal(g.n, 2);
  assert_true(g.e[0].from == 10 * M && g.e[1].from == 40 * M);
  pc_presence d[] = {pr(1, 0, 60), pr(2, 10, 50), pr(3, 20, 30)}; /* three at once, briefly */
  g = common(d, 3, 3, 1);
  assert_int_equal(g.n, 1);
  assert_true(g.e[0].from == 20 * M && g.e[0].to == 30 * M && g.e[0].ncases == 3);
}

static int count_link(void *arg, uint64_t a, uint64_t b) {
  assert_true(a < b);
  (*(int *)arg)++;
  return 0;
}

/* Contacts between cases follow the channel's rule. */
static void test_links(void **st) {
  (void)st;
  pc_chan_rule r = pc_chan_rule_default(PC_CH_CAFE);
  pc_presence a[] = {pr(2, 0, 30), pr(1, 15, 45)};
  int n = 0;
  assert_int_equal(pc_sources_links(a, 2, &r, count_link, &n), 0);
  assert_int_equal(n, 1);
  pc_presence b[] = {pr(2, 0, 30), pr(1, 16, 45)};
  n = 0;
  assert_int_equal(pc_sources_links(b, 2, &r, count_link, &n), 0);
  assert_int_equal(n, 0);
}

static int count_hit(void *arg, const pc_irow *r, int64_t at, int64_t secs) {
  (void)r;
  (void)at;
  ((int64_t *)arg)[0]++;
  ((int64_t *)arg)[1] += secs;
  return 0;
}

/* Attendees: the place's rows overlapping by the minimum, others not. */
static void test_attendees(void **st) {
  (void)st;
  const uint64_t p = pc_place_id(PC_CH_CAFE, 7), q = pc_place_id(PC_CH_CAFE, 8);
  pc_irow rows[4];
  memset(rows, 0, sizeof rows);
  const uint64_t place[4] = {p, p, p, q};
  const int64_t a[4] = {0, 40, 41, 40}, b[4] = {10, 55, 55, 55};
  for (int i = 0; i < 4; i++) {
    rows[i].pid = 10 + (uint64_t)i, rows[i].place = place[i], rows[i].channel = PC_CH_CAFE;
    rows[i].start = a[i] * M, rows[i].end = b[i] * M;
  }
  int64_t c[2] = {0, 0};
  assert_int_equal(pc_sources_attendees(rows, 4, p, PC_CH_CAFE, 30 * M, 60 * M, 15, count_hit, c), 0);
  assert_true(c[0] == 1 && c[1] == 15 * M); /* 40-55 only: 41-55 is 14 min, 0-10 before, q elsewhere */
}

static void test_union_find(void **st) {
  (void)st;
  uint32_t par[5];
  pc_uf_init(par, 5);
  pc_uf_join(par, 4, 2);
  pc_uf_join(par, 2, 3);
  assert_int_equal(pc_uf_find(par, 4), 2);
  assert_int_equal(pc_uf_find(par, 3), 2);
  assert_int_equal(pc_uf_find(par, 1), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_apart_and_together), cmocka_unit_test(test_whole_minutes),
      cmocka_unit_test(test_maximal_and_distinct), cmocka_unit_test(test_links),
      cmocka_unit_test(test_attendees), cmocka_unit_test(test_union_find)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
