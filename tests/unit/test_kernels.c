/* test_kernels.c - unit tests of the plain-C kernels: IDs, hashing, time, bands, cubes, sorting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "pc_agroup.h"
#include "pc_cube.h"
#include "pc_err.h"
#include "pc_hash.h"
#include "pc_idnum.h"
#include "pc_index.h"
#include "pc_rng.h"
#include "pc_sort.h"
#include "pc_synth.h"
#include "pc_time.h"

/* GB 11643-1999's own examples, and single-character corruptions of them. */
static void test_idnum_check_char(void **st) {
  (void)st;
  assert_int_equal(pc_idnum_check_char("11010519491231002"), 'X');
  assert_int_equal(pc_idnum_check_char("44052418800101001"), '4');
  assert_int_equal(pc_idnum_validate("11010519491231002X", 18, 20210809), PC_ID_OK);
  assert_int_equal(pc_idnum_validate("440524188001010014", 18, 20210809), PC_ID_OK);
  assert_int_equal(pc_idnum_validate("11010519491231002x", 18, 0), PC_ID_DIGITS);
  assert_int_equal(pc_idnum_validate("110105194912310021", 18, 0), PC_ID_CHECK);
  assert_int_equal(pc_idnum_validate("11010519491231002", 17, 0), PC_ID_LENGTH);
  assert_int_equal(pc_idnum_validate("1101051949123100AX", 18, 0), PC_ID_DIGITS);
  /* Feb 30th and a future birth are impossible dates even with a right check char. */
  char id[19] = {0};
  pc_idnum_make(430102, 19900230, 11, id);
  assert_int_equal(pc_idnum_validate(id, 18, 0), PC_ID_BIRTH);
  pc_idnum_make(430102, 20300101, 11, id);
  assert_int_equal(pc_idnum_validate(id, 18, 20210809), PC_ID_BIRTH);
  /* Any single changed digit is caught by MOD 11-2. */
  pc_idnum_make(430102, 19850615, 123, id);
  assert_int_equal(pc_idnum_validate(id, 18, 20210809), PC_ID_OK);
  for (int i = 0; i < 17; i++) {
    char bad[19];
    memcpy(bad, id, 19);
    bad[i] = (char)('0' + (bad[i] - '0' + 1) % 10);
    if (pc_idnum_validate(bad, 18, 0) == PC_ID_BIRTH) continue;
    assert_int_equal(pc_idnum_validate(bad, 18, 0), PC_ID_CHECK);
  }
  assert_int_equal(pc_idnum_birth(id), 19850615);
  assert_int_equal(pc_idnum_sex(id), 1); /* 123: odd -> male */
  assert_int_equal(pc_idnum_area(id), 430102);
}

static void test_phone(void **st) {
  (void)st;
  uint64_t v;
  assert_true(pc_phone_valid("13800138000", 11, &v));
  assert_true(v == 13800138000ULL);
  assert_false(pc_phone_valid("12800138000", 11, NULL));
  assert_false(pc_phone_valid("1380013800", 10, NULL));
  assert_false(pc_phone_valid("1380013800a", 11, NULL));
  char b[12] = {0};
  pc_phone_format(19912345678ULL, b);
  assert_string_equal(b, "19912345678");
}

/* Reference vectors of SipHash-2-4 (key 00..0f, message 00..len-1). */
static void test_siphash_vectors(void **st) {
  (void)st;
  uint8_t kb[16], msg[64];
  for (int i = 0; i < 16; i++) kb[i] = (uint8_t)i;
  for (int i = 0; i < 64; i++) msg[i] = (uint8_t)i;
  char hex[33];
  for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", kb[i]);
  pc_key128 k;
  assert_int_equal(pc_key_parse(hex, 32, &k), 0);
  assert_true(pc_siphash(&k, msg, 0) == 0x726fdb47dd0e0e31ULL);
  assert_true(pc_siphash(&k, msg, 1) == 0x74f839c593dc67fdULL);
  assert_true(pc_siphash(&k, msg, 15) == 0xa129ca6149be45e5ULL);
  char back[33];
  pc_key_format(&k, back);
  assert_string_equal(back, hex);
  assert_int_equal(pc_key_parse("0011", 4, &k), -1);
  assert_int_equal(pc_key_parse("zz0102030405060708090a0b0c0d0e0f", 32, &k), -1);
}

static void test_pids(void **st) {
  (void)st;
  pc_key128 k1 = {1, 2}, k2 = {1, 3};
  /* Keyed: another key gives another pseudonym; an ID and a phone never share one. */
  uint64_t a = pc_pid_of_idnum(&k1, "11010519491231002X");
  assert_true(a != pc_pid_of_idnum(&k2, "11010519491231002X"));
  assert_true(a == pc_pid_of_idnum(&k1, "11010519491231002X"));
  assert_true(pc_pid_of_phone(&k1, 13800138000ULL) != pc_pid_of_phone(&k2, 13800138000ULL));
  assert_true(a != 0);
  /* Owners: contiguous, monotone ranges of the key space. */
  for (int n = 1; n <= 7; n++) {
    assert_int_equal(PC_OWNER(0, n), 0);
    assert_int_equal(PC_OWNER(UINT64_MAX, n), n - 1);
    int last = 0;
    for (uint64_t x = 0; x < 1000; x++) {
      int o = PC_OWNER(x * (UINT64_MAX / 1000), n);
      assert_true(o >= last && o < n);
      last = o;
    }
  }
}

static void test_time(void **st) {
  (void)st;
  int64_t t;
  assert_int_equal(pc_time_parse("2021-08-09T00:00", 16, &t), 0);
  assert_true(t == 1628438400); /* 2021-08-08T16:00Z */
  assert_int_equal(pc_time_parse("2021-08-09T00:00:30", 19, &t), 0);
  assert_true(t == 1628438430);
  assert_int_equal(pc_time_parse("2021-08-09 00:00", 16, &t), 0);
  assert_int_equal(pc_time_parse("2021-08-09", 10, &t), 0);
  assert_true(t == 1628438400);
  assert_int_equal(pc_time_parse("2021-02-29T00:00", 16, &t), -1);
  assert_int_equal(pc_time_parse("2020-02-29T23:59", 16, &t), 0);
  assert_int_equal(pc_time_parse("2021-08-09T24:00", 16, &t), -1);
  assert_int_equal(pc_time_parse("2021-8-09T00:00", 15, &t), -1);
  char b[24];
  assert_string_equal(pc_time_format(1628438400, b), "2021-08-09T00:00");
  assert_string_equal(pc_time_format(1628438430, b), "2021-08-09T00:00:30");
  assert_string_equal(pc_time_format(-8 * 3600, b), "1970-01-01T00:00");
  /* Round trip over a range of instants, before and after the epoch. */
  for (int64_t x = -2000000000; x < 4000000000; x += 7777777) {
    pc_time_format(x - x % 60, b);
    assert_int_equal(pc_time_parse(b, strlen(b), &t), 0);
    assert_true(t == x - x % 60);
  }
}

/* Messages print local times as people read them, never epoch seconds. */
static void test_time_human(void **st) {
  (void)st;
  char b[PC_TIME_HUMAN];
  assert_string_equal(pc_time_human(1628438400, b), "2021-08-09 00:00 (UTC+8)");
  assert_string_equal(pc_time_human(1628438430, b), "2021-08-09 00:00:30 (UTC+8)");
  assert_string_equal(pc_time_human(1628438400 - 1, b), "2021-08-08 23:59:59 (UTC+8)");
  assert_string_equal(pc_time_human(-8 * 3600, b), "1970-01-01 00:00 (UTC+8)");
  assert_string_equal(pc_time_human(1628438400 + 15 * 3600 + 30 * 60, b), "2021-08-09 15:30 (UTC+8)");
}

static void test_plural(void **st) {
  (void)st;
  char b[64];
  for (unsigned long long n = 0; n < 3; n++) {
    snprintf(b, sizeof b, "%llu %s", n, pc_plural(n, "case", "cases"));
    assert_string_equal(b, n == 0 ? "0 cases" : n == 1 ? "1 case" : "2 cases");
  }
  assert_string_equal(pc_plural(1, "person", "persons"), "person");
  assert_string_equal(pc_plural(11, "person", "persons"), "persons");
}

static int silent_failure(void) { return PC_ERR_DATA; } /* a bug: no cause recorded */
static int calls_silent(void) {
  PC_CALL(silent_failure());
  return 0;
}

/* Source locations in messages only in debug mode; the cause always. */
static void test_err_debug(void **st) {
  (void)st;
  pc_err_clear();
  assert_int_equal(PC_ERROR(PC_ERR_IO, "cannot create %s", "x.h5"), PC_ERR_IO);
  assert_string_equal(pc_err_message(), "cannot create x.h5");
  pc_err_clear();
  pc_err_set_debug(1);
  PC_ERROR(PC_ERR_IO, "cannot create %s", "x.h5");
  assert_non_null(strstr(pc_err_message(), "cannot create x.h5 (test_kernels.c:"));
  pc_err_clear();
  assert_int_equal(calls_silent(), PC_ERR_DATA);
  assert_non_null(strstr(pc_err_message(), "in silent_failure() (test_kernels.c:"));
  pc_err_set_debug(0);
  pc_err_clear();
  /* Without --debug a failure without a cause shows no C, and says how to find it. */
  assert_int_equal(calls_silent(), PC_ERR_DATA);
  assert_string_equal(pc_err_message(), "internal error: a step failed without saying why (run "
                                        "again with --debug for where)");
  pc_err_clear();
}

/* "cannot create X" says what to do: mkdir -p, a directory not yours, a full disk. */
static void test_create_why(void **st) {
  (void)st;
  char b[512];
  pc_err_create_why("/nonexistent-paicha/out/x.h5", ENOENT, b, sizeof b);
  assert_string_equal(b, "no such directory /nonexistent-paicha/out (mkdir -p /nonexistent-paicha/out)");
  /* HDF5 loses errno: the directory still tells */
  pc_err_create_why("/nonexistent-paicha/x.h5", 0, b, sizeof b);
  assert_non_null(strstr(b, "mkdir -p /nonexistent-paicha)"));
  pc_err_create_why("/tmp/x.h5", EACCES, b, sizeof b);
  assert_non_null(strstr(b, "directory /tmp is not writable by you"));
  pc_err_create_why("/tmp/x.h5", ENOSPC, b, sizeof b);
  assert_non_null(strstr(b, "the disk of /tmp is full: No space left on device (df -h /tmp"));
  pc_err_create_why("/etc/passwd/x.h5", ENOTDIR, b, sizeof b);
  assert_non_null(strstr(b, "/etc/passwd"));
  assert_null(strstr(b, "mkdir"));
}

static void test_duration(void **st) {
  (void)st;
  int64_t d;
  assert_int_equal(pc_duration_parse("15m", 3, &d), 0);
  assert_true(d == 900);
  assert_int_equal(pc_duration_parse("2h", 2, &d), 0);
  assert_true(d == 7200);
  assert_int_equal(pc_duration_parse("14d", 3, &d), 0);
  assert_true(d == 14 * 86400);
  assert_int_equal(pc_duration_parse("1h30m", 5, &d), 0);
  assert_true(d == 5400);
  assert_int_equal(pc_duration_parse("90", 2, &d), 0);
  assert_true(d == 90);
  assert_int_equal(pc_duration_parse("15x", 3, &d), -1);
  assert_int_equal(pc_duration_parse("m", 1, &d), -1);
  assert_int_equal(pc_duration_parse("", 0, &d), -1);
  assert_int_equal(pc_duration_parse("1h30", 4, &d), -1);
  assert_int_equal(pc_duration_parse("99999999999999999999d", 21, &d), -1);
  char b[24];
  assert_string_equal(pc_duration_format(900, b), "15m");
  assert_string_equal(pc_duration_format(86400 * 14, b), "14d");
  assert_string_equal(pc_duration_format(5400, b), "90m");
  assert_string_equal(pc_duration_format(61, b), "61s");
}

static void test_age(void **st) {
  (void)st;
  int64_t t;
  pc_time_parse("2021-08-09T00:00", 16, &t);
  assert_int_equal(pc_age_at(20110809, t), 10); /* birthday today */
  assert_int_equal(pc_age_at(20110810, t), 9);  /* tomorrow */
  assert_int_equal(pc_age_at(19400229, t), 81);
  assert_int_equal(pc_age_at(0, t), -1);
  assert_int_equal(pc_age_at(20220101, t), -1);
  int32_t y;
  assert_int_equal(pc_date_parse("1990-02-28", 10, &y), 0);
  assert_int_equal(y, 19900228);
  assert_int_equal(pc_date_parse("19900229", 8, &y), -1);
}

static void test_age_bands(void **st) {
  (void)st;
  const int32_t e[] = {0, 3, 12, 18, 60, 80};
  assert_int_equal(pc_age_edges_check(e, 6), 0);
  const int32_t bad1[] = {3, 12}, bad2[] = {0, 12, 12};
  assert_int_equal(pc_age_edges_check(bad1, 2), -1);
  assert_int_equal(pc_age_edges_check(bad2, 3), -1);
  /* Edges are lower bounds: 3 is in [3,12), 2 in [0,3), 80 in 80+. */
  assert_int_equal(pc_age_band(e, 6, 0), 0);
  assert_int_equal(pc_age_band(e, 6, 2), 0);
  assert_int_equal(pc_age_band(e, 6, 3), 1);
  assert_int_equal(pc_age_band(e, 6, 17), 2);
  assert_int_equal(pc_age_band(e, 6, 18), 3);
  assert_int_equal(pc_age_band(e, 6, 59), 3);
  assert_int_equal(pc_age_band(e, 6, 60), 4);
  assert_int_equal(pc_age_band(e, 6, 79), 4);
  assert_int_equal(pc_age_band(e, 6, 80), 5);
  assert_int_equal(pc_age_band(e, 6, 120), 5);
  assert_int_equal(pc_age_band(e, 6, -1), 6);
  char b[16];
  assert_string_equal(pc_age_band_label(e, 6, 0, b), "0-2");
  assert_string_equal(pc_age_band_label(e, 6, 5, b), "80+");
  assert_string_equal(pc_age_band_label(e, 6, 6, b), "unknown");
}

static void test_sectors(void **st) {
  (void)st;
  assert_int_equal(pc_sector_index((char[2]){'A', 0}), 0);
  assert_int_equal(pc_sector_index((char[2]){'T', 0}), 19);
  assert_int_equal(pc_sector_index((char[2]){'S', '0'}), 20);
  assert_int_equal(pc_sector_index((char[2]){'R', '0'}), 21);
  assert_int_equal(pc_sector_index((char[2]){'U', '0'}), 22);
  assert_int_equal(pc_sector_index((char[2]){'Z', 0}), 23);
  assert_int_equal(pc_sector_index((char[2]){0, 0}), 23);
  assert_string_equal(pc_sector_labels[20], "S0");
}

/* Counting into the cube puts each person in exactly the cell of its region,
 * band, sector and doses; persons outside the table land in "unknown". */
static void test_cube_count(void **st) {
  (void)st;
  const uint64_t codes[] = {430102000000, 430103000000, 430121000000};
  pc_cube_axes ax;
  memset(&ax, 0, sizeof ax);
  ax.codes = codes;
  ax.ncodes = 3;
  ax.level = 3;
  const int32_t e[] = {0, 3, 12, 18, 60, 80};
  memcpy(ax.edges, e, sizeof e);
  ax.nedges = 6;
  pc_time_parse("2021-08-09T00:00", 16, &ax.as_of);
  pc_person p[5];
  memset(p, 0, sizeof p);
  p[0] = (pc_person){.region = 430102001001, .birth_date = 19500101, .doses = 2, .sector = {'R', '0'}};
  p[1] = (pc_person){.region = 430102002003, .birth_date = 19500101, .doses = 7, .sector = {'R', '0'}};
  p[2] = (pc_person){.region = 430121001001, .birth_date = 20180809, .doses = 0, .sector = {'U', '0'}};
  p[3] = (pc_person){.region = 440101001001, .birth_date = 19900101, .doses = 1, .sector = {'C', 0}};
  p[4] = (pc_person){.region = 430103001001, .birth_date = 0, .doses = 0, .sector = {0, 0}};
  size_t nb = pc_cube_nbands(&ax), nr = pc_cube_nregions(&ax), nd = PC_MAX_DOSES + 1;
  size_t cells = nr * nb * PC_NSECTORS * nd;
  uint64_t *cube = calloc(cells, sizeof *cube);
  pc_cube_add_persons(&ax, p, 5, 1, cube);
#define CELL(r, b, s, d) cube[(((r) * nb + (b)) * PC_NSECTORS + (s)) * nd + (d)]
  assert_true(CELL(0, 4, 21, 2) == 1);  /* 71 years old, retired, 2 doses */
  assert_true(CELL(0, 4, 21, 3) == 1);  /* 7 doses count as "3 or more" */
  assert_true(CELL(2, 1, 22, 0) == 1);  /* 3 today: band [3,12) */
  assert_true(CELL(3, 3, 2, 1) == 1);   /* outside the province: unknown region */
  assert_true(CELL(1, 6, 23, 0) == 1);  /* unknown age and sector */
  uint64_t tot = 0;
  for (size_t i = 0; i < cells; i++) tot += cube[i];
  assert_true(tot == 5);
  free(cube);
#undef CELL
}

/* In-place row sort: the same order as qsort of the whole array, for keys
 * spread over a rank's pid range, heavy ties, persons' runs (68 rows a key,
 * as ingest's stays: buckets past insertion sort), a key at each end, tiny n, and
 * rows of every size the sort has its own copy of (40, 48, 104 bytes) and
 * one it has not (24). A row: key, a tie-breaker, its index, then filler. */
static int row_cmp(const void *pa, const void *pb) {
  const uint64_t *a = pa, *b = pb;
  for (int w = 0; w < 3; w++)
    if (a[w] != b[w]) return a[w] < b[w] ? -1 : 1;
  return 0;
}
/* What pc_sort_rows_inplace_sub tells as it goes: the rows each call adds to
 * the final prefix are the sorted rows' (want) already, and the prefix only
 * grows (the whole is checked at the end). */
typedef struct sorted_prefix {
  const uint64_t *got, *want;
  size_t rowsize, upto, calls;
} sorted_prefix;
static void prefix_final(void *arg, size_t upto) {
  sorted_prefix *p = arg;
  assert_true(upto >= p->upto);
  const size_t from = p->upto * p->rowsize / sizeof *p->got;
  assert_memory_equal(p->got + from, p->want + from, (upto - p->upto) * p->rowsize);
  p->upto = upto;
  p->calls++;
}

static void test_sort_rows_inplace(void **st) {
  (void)st;
  const size_t sizes[] = {0, 1, 2, 63, 1000, 200000}, words[] = {3, 5, 6, 13};
  const uint64_t ranges[][2] = {
      {0, UINT64_MAX}, {1ULL << 62, (1ULL << 63) - 1}, {5, 5}, {0, UINT64_MAX}};
  /* v 0: pc_sort_rows_inplace; v 1 and 2: pc_sort_rows_inplace_sub on the
   * tie-breaker's low 32 bits (byte 8), with many ties (r % 5) and few. */
  for (int v = 0; v < 3; v++)
  for (size_t wi = 0; wi < 4; wi++)
    for (size_t si = 0; si < 6; si++)
      for (size_t ri = 0; ri < 4; ri++) {
        const size_t n = sizes[si], W = words[wi];
        uint64_t lo = ranges[ri][0], hi = ranges[ri][1];
        uint64_t *a = malloc((n + 1) * W * 8), *b = malloc((n + 1) * W * 8);
        for (size_t i = 0; i < n; i++) {
          uint64_t r = pc_mix64(i * 7 + ri), *x = a + i * W;
          x[0] = lo + (hi - lo == UINT64_MAX ? r : r % (hi - lo + 1));
          if (ri == 3) x[0] = pc_mix64(i / 68 + 1); /* a person's stays */
          x[1] = v == 2 ? (r >> 7) % 4000000000u : r % 5;
          x[2] = i;
          for (size_t w = 3; w < W; w++) x[w] = r ^ w;
          if (i % 17 == 0) x[0] = a[(i / 2) * W]; /* ties on the key */
          if (i == 3) x[0] = lo;
          if (i == 4) x[0] = hi;
          /* keys outside [lo, hi] (a caller's range too narrow): still sorted */
          if (i % 97 == 5 && lo > 0) x[0] = lo - 1 - r % lo;
          if (i % 89 == 6 && hi < UINT64_MAX) x[0] = hi + 1 + r % (UINT64_MAX - hi);
          if (i == 7 && hi < UINT64_MAX) x[0] = hi + 1;
          if (i == 8 && hi <= UINT64_MAX - (1ULL << 56)) x[0] = hi + (1ULL << 56);
        }
        memcpy(b, a, n * W * 8);
        if (n) qsort(b, n, W * 8, row_cmp);
        sorted_prefix told = {a, b, W * 8, 0, 0};
        if (v == 0)
          assert_int_equal(pc_sort_rows_inplace(a, n, W * 8, lo, hi, row_cmp), 0);
        else
          assert_int_equal(
              pc_sort_rows_inplace_sub(a, n, W * 8, lo, hi, 8, row_cmp, prefix_final, &told), 0);
        assert_memory_equal(a, b, n * W * 8);
        if (v) { /* told the rows final as they were, up to all of them */
          assert_int_equal(told.upto, n);
          assert_true(told.calls >= 1 && (n < 65536 || told.calls > 100));
        }
        free(a);
        free(b);
      }
}

/* Grouping rows by key equals a stable sort by key (qsort on key, then the
 * row's index): many rows of one key scattered among others, keys in runs,
 * both ends of the key space, sizes across the table's growth, the row sizes
 * with their own copy (48, 24) and without (16); the grouper reused across calls
 * (a table left dirty would misplace rows of the next). */
static int key_index_cmp(const void *pa, const void *pb) {
  const uint64_t *a = pa, *b = pb;
  if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
  return (a[1] > b[1]) - (a[1] < b[1]);
}
static void test_group_rows(void **st) {
  (void)st;
  const size_t sizes[] = {0, 1, 2, 700, 5000, 300000}, words[] = {6, 3, 2};
  pc_grouper g = {0};
  for (size_t wi = 0; wi < 3; wi++)
    for (size_t si = 0; si < 6; si++) {
      const size_t n = sizes[si], W = words[wi];
      uint64_t *a = malloc((n + 1) * W * 8), *b = malloc((n + 1) * W * 8),
               *o = malloc((n + 1) * W * 8);
      for (size_t i = 0; i < n; i++) {
        uint64_t r = pc_mix64(i + 31 * si), *x = a + i * W;
        x[0] = r % 3 == 0 ? 42 : r % 3 == 1 ? r % (n / 7 + 1) : r; /* one heavy key */
        if (i % 11 < 3 && i) x[0] = x[-(long)W]; /* runs of one key */
        if (i == 1) x[0] = 0;
        if (i == 2) x[0] = UINT64_MAX;
        x[1] = i;
        for (size_t w = 2; w < W; w++) x[w] = r ^ w;
      }
      memcpy(b, a, n * W * 8);
      assert_int_equal(pc_group_rows(&g, a, n, W * 8, o), 0);
      if (n) qsort(b, n, W * 8, key_index_cmp);
      assert_memory_equal(o, b, n * W * 8);
      free(a);
      free(b);
      free(o);
    }
  pc_grouper_free(&g);
}

/* Grouped by destination in place: dest ascends, every row is still there
 * with its own destination (each row carries its index and destination, so
 * a row moved without its dest, or lost, is seen), for 1 to 7 ranks, sizes
 * from nothing to many, a rank with no rows, and a 40-byte row (a hit). */
static void test_group_by_dest(void **st) {
  (void)st;
  const size_t sizes[] = {0, 1, 2, 3, 100, 77777};
  for (int P = 1; P <= 7; P++)
    for (size_t si = 0; si < 6; si++) {
      const size_t n = sizes[si];
      uint64_t *r = malloc((n + 1) * 40);
      int *d = malloc((n + 1) * sizeof *d);
      unsigned char *seen = calloc(n + 1, 1);
      size_t at[2 * 7 + 1];
      for (size_t i = 0; i < n; i++) {
        d[i] = (int)(pc_mix64(i * 7 + (size_t)P) % (uint64_t)P);
        if (P > 2 && d[i] == 1) d[i] = 2; /* rank 1 gets nothing */
        uint64_t *x = r + i * 5;
        x[0] = i, x[1] = (uint64_t)d[i], x[2] = pc_mix64(i), x[3] = ~x[2], x[4] = i * 3;
      }
      pc_group_by_dest(r, 40, d, n, P, at);
      for (size_t i = 0; i < n; i++) {
        const uint64_t *x = r + i * 5;
        assert_true(i == 0 || d[i - 1] <= d[i]);
        assert_true(x[0] < n && !seen[x[0]]);
        seen[x[0]] = 1;
        assert_true(x[1] == (uint64_t)d[i] && x[2] == pc_mix64(x[0]) && x[3] == ~x[2] &&
                    x[4] == x[0] * 3);
      }
      free(r);
      free(d);
      free(seen);
    }
}

/* The fingerprint sum (vectors when the CPU has AVX-512) equals the sum of
 * each stay's fingerprint, for every length around the vectors' eight rows,
 * at an unaligned start, and on a long run; one changed byte changes it. */
static void test_fingerprint_sum(void **st) {
  (void)st;
  const size_t N = 100003;
  pc_stay *s = malloc((N + 1) * sizeof *s);
  unsigned char *raw = (unsigned char *)s;
  for (size_t i = 0; i < (N + 1) * sizeof *s; i++) raw[i] = (unsigned char)pc_mix64(i);
  for (size_t off = 0; off < 3; off++)
    for (size_t n = 0; n < 40; n++) {
      uint64_t want = 0;
      for (size_t i = 0; i < n; i++) want += pc_stay_fingerprint(&s[off + i]);
      assert_true(pc_stays_fingerprint_sum(s + off, n) == want);
    }
  uint64_t want = 0;
  for (size_t i = 0; i < N; i++) want += pc_stay_fingerprint(&s[i]);
  assert_true(pc_stays_fingerprint_sum(s, N) == want);
  raw[48 * 5000 + 41]++; /* a byte of row 5000's padding */
  assert_true(pc_stays_fingerprint_sum(s, N) != want);
  free(s);
}

/* The same for index rows' checksums (five words) and area rows'
 * fingerprints (three): the sums trace checks each bucket and screen each
 * group against, made eight rows at a time. */
static void test_row_hash_sums(void **st) {
  (void)st;
  const size_t N = 50021;
  pc_irow *r = malloc((N + 1) * sizeof *r);
  pc_arow *a = malloc((N + 1) * sizeof *a);
  unsigned char *rr = (unsigned char *)r, *ra = (unsigned char *)a;
  for (size_t i = 0; i < (N + 1) * sizeof *r; i++) rr[i] = (unsigned char)pc_mix64(3 * i);
  for (size_t i = 0; i < (N + 1) * sizeof *a; i++) ra[i] = (unsigned char)pc_mix64(5 * i + 1);
  for (size_t off = 0; off < 3; off++)
    for (size_t n = 0; n < 40; n++) {
      uint64_t wr = 0, wa = 0;
      for (size_t i = 0; i < n; i++) wr += pc_irow_checksum(&r[off + i]);
      for (size_t i = 0; i < n; i++) wa += pc_arow_fingerprint(&a[off + i]);
      assert_true(pc_irows_checksum_sum(r + off, n) == wr);
      assert_true(pc_arows_fingerprint_sum(a + off, n) == wa);
    }
  uint64_t wr = 0, wa = 0;
  for (size_t i = 0; i < N; i++) wr += pc_irow_checksum(&r[i]);
  for (size_t i = 0; i < N; i++) wa += pc_arow_fingerprint(&a[i]);
  assert_true(pc_irows_checksum_sum(r, N) == wr);
  assert_true(pc_arows_fingerprint_sum(a, N) == wa);
  rr[40 * 7001 + 39]++; /* row 7001's carriage */
  ra[24 * 7001 + 23]++; /* row 7001's channel */
  assert_true(pc_irows_checksum_sum(r, N) != wr);
  assert_true(pc_arows_fingerprint_sum(a, N) != wa);
  free(r);
  free(a);
}

static void test_sort(void **st) {
  (void)st;
  const size_t n = 100000;
  pc_kv *a = malloc(n * sizeof *a), *t = malloc(n * sizeof *t);
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    a[i].key = pc_rng(7, i, 1, 0) % 5000; /* many equal keys: val must break ties */
    a[i].val = pc_rng(7, i, 2, 0);
    sum += a[i].key ^ a[i].val;
  }
  pc_sort_kv(a, t, n);
  assert_true(pc_is_sorted_kv(a, n));
  uint64_t sum2 = 0;
  for (size_t i = 0; i < n; i++) sum2 += a[i].key ^ a[i].val;
  assert_true(sum == sum2);
  /* Keys in a narrow range (one rank's share of pids) still sort. */
  for (size_t i = 0; i < n; i++) {
    a[i].key = 0x8000000000000000ULL + (pc_rng(9, i, 1, 0) >> 40);
    a[i].val = i;
  }
  pc_sort_kv(a, t, n);
  assert_true(pc_is_sorted_kv(a, n));
  /* Full-range keys, and keys spanning fewer bits than one bucket digit: both
   * paths of the large-input sort; the output must be a permutation too. */
  for (int range = 0; range < 2; range++) {
    uint64_t x = 0, y = 0;
    for (size_t i = 0; i < n; i++) {
      a[i].key = range ? pc_rng(5, i, 1, 0) % 1000 : pc_rng(5, i, 1, 0);
      a[i].val = n - i;
      x += a[i].key * 31 + a[i].val;
    }
    pc_sort_kv(a, t, n);
    assert_true(pc_is_sorted_kv(a, n));
    for (size_t i = 0; i < n; i++) y += a[i].key * 31 + a[i].val;
    assert_true(x == y);
  }
  uint64_t *u = malloc(n * 8), *ut = malloc(n * 8);
  for (size_t i = 0; i < n; i++) u[i] = pc_rng(3, i, 0, 0);
  pc_sort_u64(u, ut, n);
  for (size_t i = 1; i < n; i++) assert_true(u[i - 1] <= u[i]);
  /* Every size across the few-keys path and its border, keys full-range or
   * from 7 values, ascending, descending: the multiset of qsort, in its order. */
  for (size_t m = 0; m <= 300; m++)
    for (int kind = 0; kind < 4; kind++) {
      for (size_t i = 0; i < m; i++) {
        const uint64_t r = pc_rng(7, i, m, (uint64_t)kind);
        u[i] = kind == 0 ? r : kind == 1 ? r % 7 : kind == 2 ? i : UINT64_MAX - i;
      }
      memcpy(ut, u, m * sizeof *u);
      uint64_t *v = malloc((m + 1) * sizeof *v);
      memcpy(v, u, m * sizeof *u);
      if (m) qsort(v, m, sizeof *v, pc_u64_cmp);
      pc_sort_u64(u, ut, m);
      assert_memory_equal(u, v, m * sizeof *u);
      /* By the bits from `low` up only: ordered there, and the same keys (sorted,
       * they are qsort's). */
      for (int low = 8; low <= 56; low += 24) {
        for (size_t i = 0; i < m; i++) u[i] = pc_rng(9, i, m, (uint64_t)(kind + 4 * low));
        if (kind == 1)
          for (size_t i = 0; i < m; i++) u[i] = (u[i] % 7) << low | (u[i] & 0xff);
        uint64_t *w = malloc((m + 1) * sizeof *w);
        memcpy(w, u, m * sizeof *u);
        if (m) qsort(w, m, sizeof *w, pc_u64_cmp);
        pc_sort_u64_above(u, ut, m, low);
        for (size_t i = 1; i < m; i++) assert_true(u[i - 1] >> low <= u[i] >> low);
        memcpy(ut, u, m * sizeof *u);
        if (m) qsort(ut, m, sizeof *ut, pc_u64_cmp);
        assert_memory_equal(ut, w, m * sizeof *u);
        free(w);
      }
      free(v);
    }
  free(a);
  free(t);
  free(u);
  free(ut);
}

static void test_rng(void **st) {
  (void)st;
  /* Pure functions of their coordinates. */
  assert_true(pc_rng(1, 2, 3, 4) == pc_rng(1, 2, 3, 4));
  assert_true(pc_rng(1, 2, 3, 4) != pc_rng(1, 2, 3, 5));
  pc_stream a = pc_stream_make(5, 6, 7), b = pc_stream_make(5, 6, 7);
  for (int i = 0; i < 10; i++) assert_true(pc_next(&a) == pc_next(&b));
  /* Roughly uniform: mean of 1e5 draws within 1% of 0.5. */
  double s = 0;
  for (int i = 0; i < 100000; i++) s += pc_next_u01(&a);
  assert_true(s / 100000 > 0.495 && s / 100000 < 0.505);
  for (int i = 0; i < 1000; i++) assert_true(pc_next_below(&a, 7) < 7);
}

/* ID sequence numbers: distinct for distinct ordinals < 500, parity = sex. */
static void test_idseq(void **st) {
  (void)st;
  for (uint64_t g = 0; g < 4; g++) {
    char seen[1000] = {0};
    for (uint64_t o = 0; o < 500; o++) {
      unsigned s = pc_synth_idseq(g, o);
      assert_true(s < 1000);
      assert_int_equal(s % 2, (unsigned)(g & 1));
      assert_int_equal(seen[s], 0);
      seen[s] = 1;
    }
  }
}

/* Block-wise ID numbering: persons of one (county, birth date, sex) in three
 * blocks of one county get distinct sequence numbers; too many in one block is
 * an error naming the county, not a duplicate ID. */
static void test_block_seqs(void **st) {
  (void)st;
  pc_region *regions = NULL;
  size_t nregions = 0;
  assert_int_equal(pc_province_build(&regions, &nregions), 0);
  pc_synth_params sp;
  assert_int_equal(pc_synth_params_init(&sp, 1, 1000000, 1628438400, regions, nregions), 0);
  assert_true(sp.ncounty >= 100);
  uint32_t c = 7;
  uint64_t *fb = calloc(sp.ncounty, 8), *nb = calloc(sp.ncounty, 8);
  for (uint32_t i = 0; i < sp.ncounty; i++) nb[i] = 1;
  fb[c] = 10;
  nb[c] = 3; /* blocks 10, 11, 12: 166 numbers each */
  enum { M = 166 };
  pc_synth_person ps[M + 1];
  pc_kv scratch[2 * (M + 1)];
  uint16_t seq[M + 1];
  char seen[1000] = {0};
  memset(ps, 0, sizeof ps);
  for (int i = 0; i <= M; i++) {
    ps[i].p.region = (uint64_t)sp.county_code[c] * 1000000 + 1001;
    ps[i].p.birth_date = 19800101;
    ps[i].p.sex = 2;
  }
  for (uint64_t b = 10; b <= 12; b++) {
    assert_int_equal(pc_synth_block_seqs(&sp, ps, M, b, fb, nb, seq, scratch), 0);
    for (int i = 0; i < M; i++) {
      assert_int_equal(seq[i] % 2, 0); /* women: even */
      assert_int_equal(seen[seq[i]], 0);
      seen[seq[i]] = 1;
    }
  }
  pc_err_clear();
  assert_int_equal(pc_synth_block_seqs(&sp, ps, M + 1, 11, fb, nb, seq, scratch), PC_ERR_DATA);
  char county[8];
  snprintf(county, sizeof county, "%06u", sp.county_code[c]);
  assert_non_null(strstr(pc_err_message(), county));
  pc_err_clear();
  free(fb);
  free(nb);
  pc_synth_params_free(&sp);
  free(regions);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_idnum_check_char), cmocka_unit_test(test_phone),
      cmocka_unit_test(test_siphash_vectors),  cmocka_unit_test(test_pids),
      cmocka_unit_test(test_time),             cmocka_unit_test(test_duration),
      cmocka_unit_test(test_time_human),       cmocka_unit_test(test_plural),
      cmocka_unit_test(test_err_debug),        cmocka_unit_test(test_create_why),
      cmocka_unit_test(test_age),              cmocka_unit_test(test_age_bands),
      cmocka_unit_test(test_sectors),          cmocka_unit_test(test_cube_count),
      cmocka_unit_test(test_sort),             cmocka_unit_test(test_fingerprint_sum), cmocka_unit_test(test_row_hash_sums),             cmocka_unit_test(test_sort_rows_inplace), cmocka_unit_test(test_group_rows), cmocka_unit_test(test_group_by_dest),             cmocka_unit_test(test_rng),
      cmocka_unit_test(test_idseq),            cmocka_unit_test(test_block_seqs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
