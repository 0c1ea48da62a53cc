/* test_hostile.c - cmocka tests of hostile input: CSV lines and fields huge, NUL, bad UTF-8, every integer limit; YAML configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pc_config.h"
#include "pc_csv.h"
#include "pc_err.h"
#include "pc_idnum.h"
#include "pc_doc.h"
#include "pc_rng.h"
#include "pc_rows.h"
#include "pc_time.h"

#define MAX_LINE (1 << 16) /* jobs/job_ingest.c: longer lines are rejected unread */
#define MAX_FIELDS 64

enum { REGIONS, PERSONS, STAYS };
static const int ncols[3] = {4, 9, 8};

/* A small province: the codes of regions.csv, sorted. */
static const uint64_t codes[] = {430000000000ULL, 430100000000ULL, 430102000000ULL,
                                 430102001000ULL, 430102001001ULL, 430102001002ULL};
static uint64_t cache[PC_REGION_CACHE];
static pc_date_memo dates; /* every stay row below reads its times through it */
static pc_rowcheck chk;
static const pc_key128 key = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
static char id_m[19], id_f[19]; /* a man born 1980-05-12, a woman born 1992-11-30 */

static int setup(void **st) {
  (void)st;
  int64_t as_of;
  if (pc_time_parse("2021-08-09T00:00", 16, &as_of)) return -1;
  chk = (pc_rowcheck){codes, sizeof codes / sizeof *codes, as_of - 14 * 86400, as_of, 20210809, cache,
                      &key, ~0ULL, NULL, &dates};
  pc_idnum_make(430102, 19800512, 123, id_m);
  pc_idnum_make(430102, 19921130, 244, id_f);
  return 0;
}

static char text[PC_REASON_TEXT];
static pc_person person;
static pc_identity ident;
static pc_instay stay;
static pc_region region;

/* What ingest makes of one line of a file of this kind (its line_form, then
 * the row check): a reason code, text in `text`, the row in person/stay/region. */
static int reason_of(int kind, const char *line, size_t len) {
  text[0] = 0;
  if (len > MAX_LINE) return PC_R_LINE_LONG;
  if (!pc_utf8_clean(line, len)) return PC_R_ENCODING;
  pc_field f[MAX_FIELDS];
  char *scratch = malloc(len + 1);
  assert_non_null(scratch);
  int nf = pc_csv_split(line, len, f, MAX_FIELDS, scratch), r;
  for (int k = nf < 0 ? 0 : nf; k < MAX_FIELDS; k++) f[k] = (pc_field){"", 0}; /* optional columns */
  if (nf < 0) r = PC_R_QUOTE;
  else if (nf != ncols[kind]) r = PC_R_FIELDS;
  else if (kind == REGIONS) r = pc_row_region(f, &region, text);
  else if (kind == PERSONS) r = pc_row_person(&chk, f, &person, &ident, text);
  else r = pc_row_stay(&chk, f, &stay, text);
  free(scratch);
  assert_true(r >= PC_R_OK && r < PC_NREASONS);
  if (r != PC_R_OK && r != PC_R_QUOTE && r != PC_R_FIELDS) assert_true(text[0] != 0);
  return r;
}

static int reason_s(int kind, const char *line) { return reason_of(kind, line, strlen(line)); }

/* printf into a static line. */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...) {
  static char buf[1024];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

#define STAY_SEAT(ch, carriage, row) \
  fmt(ch ",%s,X1 2021-08-03,2021-08-03T08:00,2021-08-03T10:30,430102001001,%s,%s", id_m, carriage, row)
#define PERSON(phone, household, region, doses) \
  fmt("%s,%s,%s,%s,,,,,%s", id_m, phone, household, region, doses)
#define STAY_TIME(start, end) fmt("cafe,%s,网吧,%s,%s,430102001001,,", id_m, start, end)

/* A file of the given bytes, streamed as ingest streams it (one rank). */
static char *write_tmp(const char *data, size_t n) {
  static char path[64];
  strcpy(path, "/tmp/pc_hostile_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_true(write(fd, data, n) == (ssize_t)n);
  assert_int_equal(close(fd), 0);
  return path;
}

/* ---------- huge lines and fields ---------- */

static void test_million_columns(void **st) {
  (void)st;
  enum { COLS = 1000000 };
  size_t len = 2 * COLS - 1; /* "a,a,...,a" */
  char *line = malloc(len);
  assert_non_null(line);
  for (size_t i = 0; i < len; i++) line[i] = i % 2 ? ',' : 'a';
  pc_field f[MAX_FIELDS];
  char *scratch = malloc(len);
  assert_int_equal(pc_csv_split(line, len, f, MAX_FIELDS, scratch), COLS);
  assert_int_equal(pc_csv_split(line, len, NULL, 0, NULL), COLS);
  assert_true(f[MAX_FIELDS - 1].len == 1 && f[MAX_FIELDS - 1].p == line + 2 * (MAX_FIELDS - 1));
  /* empty fields only: 10^6 - 1 commas */
  memset(line, ',', COLS - 1);
  assert_int_equal(pc_csv_split(line, COLS - 1, f, MAX_FIELDS, scratch), COLS);
  assert_int_equal(reason_of(STAYS, line, len), PC_R_LINE_LONG);
  /* 65,536 columns fit in 65,535 bytes: read whole, rejected for its field count */
  assert_int_equal(reason_of(STAYS, line, MAX_LINE - 1), PC_R_FIELDS);
  assert_int_equal(pc_csv_split(line, MAX_LINE - 1, f, MAX_FIELDS, scratch), MAX_LINE);

  /* through the reader: the long line comes back cut and flagged, the next one whole */
  const char *next = STAY_SEAT("flight", "", "12");
  size_t nl = strlen(next), big = COLS - 1, n = big + 1 + nl + 1; /* 10^6 empty columns */
  char *file = malloc(n);
  memset(file, ',', big);
  file[big] = '\n';
  memcpy(file + big + 1, next, nl);
  file[n - 1] = '\n';
  const char *path = write_tmp(file, n);
  pc_csv_file cf;
  assert_int_equal(pc_csv_open(path, 0, 1, 1 << 16, MAX_LINE, &cf), 0);
  assert_int_equal(pc_csv_count(&cf), 0);
  assert_true(cf.nlines == 2);
  const char *l;
  size_t ll;
  uint64_t local;
  int over;
  assert_int_equal(pc_csv_next(&cf, &l, &ll, &local, &over), 1);
  assert_true(over == 1 && ll == MAX_LINE && local == 0);
  assert_int_equal(pc_csv_next(&cf, &l, &ll, &local, &over), 1);
  assert_true(over == 0 && ll == nl && !memcmp(l, next, nl) && local == 1);
  assert_int_equal(reason_of(STAYS, l, ll), PC_R_OK);
  assert_int_equal(pc_csv_next(&cf, &l, &ll, &local, &over), 0);
  /* its reject text is re-fetched cut to the cap */
  uint64_t which = 0;
  char raw[257];
  size_t rl;
  assert_int_equal(pc_csv_fetch(&cf, &which, 1, raw, sizeof raw, &rl), 0);
  assert_true(rl == sizeof raw && raw[0] == ',' && raw[256] == ',');
  pc_csv_close(&cf);
  unlink(path);
  free(file);
  free(line);
  free(scratch);
}

static void test_megabyte_field(void **st) {
  (void)st;
  enum { MB = 1 << 20 };
  /* a quoted field of 1 MB of "" escapes: half a MB of quotes */
  char *line = malloc(MB + 2), *scratch = malloc(MB + 2);
  assert_true(line && scratch);
  line[0] = '"';
  memset(line + 1, '"', MB);
  line[MB + 1] = '"';
  pc_field f[MAX_FIELDS];
  assert_int_equal(pc_csv_split(line, MB + 2, f, MAX_FIELDS, scratch), 1);
  assert_true(f[0].len == MB / 2 && f[0].p == scratch && scratch[0] == '"' && scratch[MB / 2 - 1] == '"');
  /* unterminated: one quote short */
  assert_int_equal(pc_csv_split(line, MB + 1, f, MAX_FIELDS, scratch), -1);
  /* an unquoted MB field */
  memset(line, 'x', MB);
  assert_int_equal(pc_csv_split(line, MB, f, MAX_FIELDS, scratch), 1);
  assert_true(f[0].len == MB && f[0].p == line);
  assert_int_equal(reason_of(STAYS, line, MB), PC_R_LINE_LONG);
  /* were it read (it never is), the place would still be refused */
  size_t pre = (size_t)snprintf(line, 64, "cafe,%s,", id_m);
  line[pre + 300] = 0;
  memset(line + pre, 'p', 300);
  char *tail = line + pre + 300;
  strcpy(tail, ",2021-08-01T20:00,2021-08-01T21:00,430102001001,,");
  assert_int_equal(reason_s(STAYS, line), PC_R_FIELD);
  line[pre + 65] = 0; /* 65 bytes: one more than a place may have (SPEC: 1-64) */
  assert_int_equal(reason_s(STAYS, fmt("%s,2021-08-01T20:00,2021-08-01T21:00,430102001001,,", line)),
                   PC_R_FIELD);
  line[pre + 64] = 0;
  assert_int_equal(reason_s(STAYS, fmt("%s,2021-08-01T20:00,2021-08-01T21:00,430102001001,,", line)),
                   PC_R_OK);
  assert_true(stay.place_len == 64);
  /* a region name of 63 bytes is kept, 64 is refused */
  char name[65];
  memset(name, 'n', 64);
  name[64] = 0;
  assert_int_equal(reason_s(REGIONS, fmt("430102001001,430102001000,5,%s", name)), PC_R_FIELD);
  name[63] = 0;
  assert_int_equal(reason_s(REGIONS, fmt("430102001001,430102001000,5,%s", name)), PC_R_OK);
  assert_true(strlen(region.name) == 63);
  free(line);
  free(scratch);
}

/* ---------- bytes ---------- */

static void test_nul_bytes(void **st) {
  (void)st;
  char row[256];
  int n = snprintf(row, sizeof row, "cafe,%s,pl ce,2021-08-01T20:00,2021-08-01T21:00,430102001001,,", id_m);
  assert_int_equal(reason_of(STAYS, row, (size_t)n), PC_R_OK);
  char *sp = strchr(row, ' ');
  *sp = 0; /* a NUL inside the place */
  assert_int_equal(reason_of(STAYS, row, (size_t)n), PC_R_ENCODING);
  assert_int_equal(pc_utf8_clean("\0", 1), 0);
  assert_int_equal(pc_utf8_clean("abcdefgh\0", 9), 0); /* after a fast 8-byte run */
  /* the split and the reader pass NUL through as any byte */
  pc_field f[MAX_FIELDS];
  char scratch[256];
  assert_int_equal(pc_csv_split(row, (size_t)n, f, MAX_FIELDS, scratch), 8);
  assert_true(f[2].len == 5 && f[2].p[2] == 0);
  char file[] = "a\0b\nc\0\0\n\0";
  const char *path = write_tmp(file, sizeof file - 1);
  pc_csv_file cf;
  assert_int_equal(pc_csv_open(path, 0, 1, 16, MAX_LINE, &cf), 0);
  assert_int_equal(pc_csv_count(&cf), 0);
  assert_true(cf.nlines == 3);
  const char *l;
  size_t ll;
  uint64_t local;
  int over;
  assert_int_equal(pc_csv_next(&cf, &l, &ll, &local, &over), 1);
  assert_true(ll == 3 && !memcmp(l, "a\0b", 3));
  assert_int_equal(pc_csv_next(&cf, &l, &ll, &local, &over), 1);
  assert_true(ll == 3 && !memcmp(l, "c\0\0", 3));
  assert_int_equal(pc_csv_next(&cf, &l, &ll, &local, &over), 1);
  assert_true(ll == 1 && l[0] == 0);
  assert_int_equal(reason_of(PERSONS, l, ll), PC_R_ENCODING);
  assert_int_equal(pc_csv_next(&cf, &l, &ll, &local, &over), 0);
  pc_csv_close(&cf);
  unlink(path);
}

static void test_invalid_utf8(void **st) {
  (void)st;
  static const char *const bad[] = {
      "\x80",             /* a lone continuation byte */
      "\xbf",             /* another */
      "\xc0\xaf",         /* overlong '/' */
      "\xc1\xbf",         /* overlong */
      "\xe0\x80\xaf",     /* overlong, 3 bytes */
      "\xf0\x80\x80\xaf", /* overlong, 4 bytes */
      "\xed\xa0\x80",     /* a UTF-16 surrogate */
      "\xed\xbf\xbf",     /* another */
      "\xf4\x90\x80\x80", /* above U+10FFFF */
      "\xf5\x80\x80\x80", /* no such lead */
      "\xf8\x88\x80\x80\x80", /* 5 bytes */
      "\xfe", "\xff",
      "\xe4\xb8",         /* truncated at the end of the line */
      "\xe4\xb8,",        /* truncated before a comma */
      "\xe4,\xb8\xad",    /* lead and continuation split by a comma */
      "\x7f", "\x01", "\x1b", "a\rb", /* DEL and control bytes, a CR inside */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(pc_utf8_clean(bad[i], strlen(bad[i])), 0);
    const char *row = fmt("cafe,%s,网%s吧,2021-08-01T20:00,2021-08-01T21:00,430102001001,,", id_m, bad[i]);
    assert_int_equal(reason_s(STAYS, row), PC_R_ENCODING);
  }
  static const char *const good[] = {"长沙市", "\xc2\x80", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf",
                                     "\xf0\x9f\x98\x80", "a\tb", "~ !", "\xee\x80\x80"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    assert_int_equal(pc_utf8_clean(good[i], strlen(good[i])), 1);
  /* one bad byte at every offset of a 24-byte ASCII run: the 8-byte fast path misses none */
  for (size_t pos = 0; pos < 24; pos++)
    for (int b = 0; b < 3; b++) {
      char s[24];
      memset(s, 'a', sizeof s);
      s[pos] = b == 0 ? '\x80' : b == 1 ? '\x7f' : '\x1f';
      assert_int_equal(pc_utf8_clean(s, sizeof s), 0);
    }
}

static void test_quoting(void **st) {
  (void)st;
  assert_int_equal(reason_s(STAYS, fmt("cafe,\"%s,a,b,c,d,e,f", id_m)), PC_R_QUOTE);
  assert_int_equal(reason_s(STAYS, fmt("cafe,\"%s\"x,a,b,c,d,e,f", id_m)), PC_R_QUOTE);
  assert_int_equal(reason_s(STAYS, fmt("cafe,%s,a\"b,c,d,e,f,g", id_m)), PC_R_QUOTE);
  assert_int_equal(reason_s(STAYS, "\""), PC_R_QUOTE);
  assert_int_equal(reason_s(STAYS, "cafe"), PC_R_FIELDS);
  assert_int_equal(reason_s(STAYS, ",,,,,,,,"), PC_R_FIELDS);
  assert_int_equal(
      reason_s(STAYS, fmt(" \"cafe\" ,\"%s\",\"网,吧\",2021-08-01T20:00,2021-08-01T21:00, 430102001001 ,,", id_m)),
      PC_R_OK);
  assert_true(stay.place_len == strlen("网,吧"));
}

/* ---------- integer limits ---------- */

static void test_seat_limits(void **st) {
  (void)st;
  assert_int_equal(reason_s(STAYS, STAY_SEAT("flight", "", "32767")), PC_R_OK);
  assert_true(stay.row == 32767);
  assert_int_equal(reason_s(STAYS, STAY_SEAT("flight", "", "1")), PC_R_OK);
  static const char *const bad_rows[] = {"32768", "-32769", "-1", "0", "65535", "65536",
                                         "99999", "100000", "+1", "1e3", "0x10", "18446744073709551617"};
  for (size_t i = 0; i < sizeof bad_rows / sizeof *bad_rows; i++) {
    assert_int_equal(reason_s(STAYS, STAY_SEAT("flight", "", bad_rows[i])), PC_R_SEAT);
    assert_int_equal(reason_s(STAYS, STAY_SEAT("rail", "1", bad_rows[i])), PC_R_SEAT);
  }
  /* SPEC: a flight without its row is kept, the row unknown */
  assert_int_equal(reason_s(STAYS, STAY_SEAT("flight", "", "")), PC_R_OK);
  assert_true(stay.row == 0 && stay.seat_unknown);
  assert_int_equal(reason_s(STAYS, STAY_SEAT("rail", "255", "")), PC_R_OK);
  assert_true(stay.carriage == 255 && stay.row == 0);
  assert_int_equal(reason_s(STAYS, STAY_SEAT("rail", "1", "32767")), PC_R_OK);
  static const char *const bad_carriages[] = {"256", "0", "-1", "999", "1000", "4294967297", "+5"};
  for (size_t i = 0; i < sizeof bad_carriages / sizeof *bad_carriages; i++)
    assert_int_equal(reason_s(STAYS, STAY_SEAT("rail", bad_carriages[i], "")), PC_R_SEAT);
  /* SPEC: a ticket without its carriage is kept: carriage 0, the train's carriage-0 place */
  assert_int_equal(reason_s(STAYS, STAY_SEAT("rail", "", "5")), PC_R_OK);
  assert_true(stay.carriage == 0 && stay.seat_unknown && pc_rail_carriage(stay.place) == 0);
  uint64_t seatless = stay.place;
  assert_int_equal(reason_s(STAYS, STAY_SEAT("rail", "7", "5")), PC_R_OK);
  assert_true(!stay.seat_unknown && pc_rail_carriage(stay.place) == 7 &&
              pc_rail_train(stay.place) == pc_rail_train(seatless));
  assert_true(pc_place_meets(PC_CH_RAIL, seatless, stay.place) &&
              !pc_place_meets(PC_CH_RAIL, stay.place, stay.place + 1) &&
              !pc_place_meets(PC_CH_FLIGHT, seatless, stay.place));
  assert_int_equal(reason_s(STAYS, STAY_SEAT("cafe", "", "")), PC_R_OK);
}

/* pc_utf8_clean, read 64 bytes at a time where the CPU can: a control byte,
 * DEL or a broken sequence is found at every place of lines of 1-200 bytes
 * (in the first block, the second, the masked tail), a tab or a whole
 * character anywhere is not. */
static void test_clean_positions(void **st) {
  (void)st;
  static const unsigned char bad[] = {0x00, 0x01, 0x0a, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xff};
  static const char *const good[] = {"\t",          "~",           " ",
                                     "\xc3\xa9",     "\xe7\xbd\x91", "\xf0\x9f\x98\x80"};
  char line[256];
  for (size_t len = 1; len <= 200; len++) {
    memset(line, 'a', len);
    assert_int_equal(pc_utf8_clean(line, len), 1);
    for (size_t at = 0; at < len; at++) {
      for (size_t b = 0; b < sizeof bad; b++) {
        memset(line, 'a', len);
        line[at] = (char)bad[b];
        assert_int_equal(pc_utf8_clean(line, len), 0);
      }
      for (size_t g = 0; g < sizeof good / sizeof *good; g++) {
        const size_t n = strlen(good[g]);
        if (at + n > len) continue;
        memset(line, 'a', len);
        memcpy(line + at, good[g], n);
        assert_int_equal(pc_utf8_clean(line, len), 1);
        if (n > 1) assert_int_equal(pc_utf8_clean(line, at + n - 1), 0); /* cut short */
      }
    }
  }
}

/* The place names' memo (a reader's 4 Ki slots): every stay keeps the id
 * pc_place_key gives its name, channel and carriage, through slots shared by
 * many names, names differing only inside, in length, by channel or by
 * carriage, and names too short or too long for a slot. */
static void test_place_memo(void **st) {
  (void)st;
  static pc_place_memo memo[1 << PC_PLACE_MEMO_BITS];
  static const char *const chans[] = {"cafe", "lodging", "flight", "rail"};
  for (int pass = 0; pass < 3; pass++)
    for (int i = 0; i < 20000; i++) {
      const char *ch = chans[i % 4];
      char name[80];
      if (i % 7 == 0) /* 60 bytes: keyed every time */
        snprintf(name, sizeof name, "%s %055d", i % 2 ? "long" : "LONG", i);
      else /* the same first and last 8 bytes, the middle differing */
        snprintf(name, sizeof name,
                 i % 3 == 0 ? "pl%03d-%d" /* short */
                 : i % 3 == 1 ? "place 0%05d-%d 0000000" /* 22 bytes */
                              : "place 0000000000 %05d-%d 00000000000000", /* 40: the middle */
                 i / 5, i % 5);
      const char *carriage = !strcmp(ch, "rail") ? ((i + pass) % 2 ? "7" : "") : "";
      const char *line = fmt("%s,%s,%s,2021-08-03T08:00,2021-08-03T10:30,430102001001,%s,", ch,
                             id_m, name, carriage);
      chk.places = NULL;
      assert_int_equal(reason_s(STAYS, line), PC_R_OK);
      const uint64_t plain = stay.place;
      chk.places = memo;
      assert_int_equal(reason_s(STAYS, line), PC_R_OK);
      chk.places = NULL;
      assert_true(stay.place == plain);
      const unsigned c = !strcmp(ch, "cafe")      ? PC_CH_CAFE
                         : !strcmp(ch, "lodging") ? PC_CH_LODGING
                         : !strcmp(ch, "flight")  ? PC_CH_FLIGHT
                                                  : PC_CH_RAIL;
      assert_true(plain == pc_place_key(c, name, strlen(name), stay.carriage));
    }
}

static void test_region_limits(void **st) {
  (void)st;
  assert_int_equal(reason_s(PERSONS, PERSON("", "", "430102001001", "")), PC_R_OK);
  assert_true(person.region == 430102001001ULL);
  static const char *const bad[] = {
      "430102001003",          /* 12 digits, not in regions.csv */
      "4301020010010",         /* 13 digits */
      "43010200100",           /* 11 digits */
      "999999999999", "000000000000", "-43010200100", "+43010200100",
      "9223372036854775807",   /* 2^63 - 1 */
      "9223372036854775808",   /* 2^63 */
      "18446744073709551615",  /* 2^64 - 1 */
      "18446744073709551616",  /* 2^64 */
      "430102001001430102001001", "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(reason_s(PERSONS, PERSON("", "", bad[i], "")), PC_R_REGION);
    assert_int_equal(
        reason_s(STAYS, fmt("cafe,%s,网吧,2021-08-01T20:00,2021-08-01T21:00,%s,,", id_m, bad[i])),
        PC_R_REGION);
  }
  /* regions.csv: the code and the parent */
  assert_int_equal(reason_s(REGIONS, "430102001003,430102001000,5,新社区"), PC_R_OK);
  for (size_t i = 1; i < sizeof bad / sizeof *bad - 1; i++) {
    if (!strcmp(bad[i], "999999999999")) continue; /* a well-formed community code */
    assert_int_equal(reason_s(REGIONS, fmt("%s,430102001000,5,x", bad[i])), PC_R_REGION);
    assert_int_equal(reason_s(REGIONS, fmt("430102001003,%s,5,x", bad[i])), PC_R_REGION);
  }
  assert_int_equal(reason_s(REGIONS, "430102001003,430102001000,6,x"), PC_R_FIELD);
  assert_int_equal(reason_s(REGIONS, "430102001003,430102001000,18446744073709551621,x"), PC_R_FIELD);
  assert_int_equal(reason_s(REGIONS, "430102001003,430102001000,4,x"), PC_R_FIELD);
  assert_int_equal(reason_s(REGIONS, "430102001003,,5,x"), PC_R_REGION); /* parent missing */
}

/* Region codes a word at a time: the same answer as a digit at a time for
 * every 12-byte field, one byte off anywhere included, and -1 for 11 or 13. */
static void test_digits12(void **st) {
  (void)st;
  static const unsigned char odd[] = {'0' - 1, '9' + 1, 0, 0xff, ' ', '-', 0x80, 0x3a, 0x2f, 0x40};
  for (uint64_t i = 0; i < 300000; i++) {
    char f[13];
    for (int k = 0; k < 12; k++) f[k] = (char)('0' + pc_below(pc_rng(3, i, 1, (uint64_t)k), 10));
    if (i % 2) /* one byte not a digit, at any place */
      f[pc_below(pc_rng(3, i, 2, 0), 12)] =
          (char)(i % 4 == 1 ? odd[pc_below(pc_rng(3, i, 3, 0), sizeof odd)] : pc_rng(3, i, 3, 0));
    uint64_t want = 0, got = 7;
    int ok = 1;
    for (int k = 0; k < 12; k++) {
      ok &= f[k] >= '0' && f[k] <= '9';
      want = want * 10 + (uint64_t)(f[k] - '0');
    }
    assert_int_equal(pc_digits12(f, 12, &got), ok ? 0 : -1);
    if (ok) assert_true(got == want);
    assert_int_equal(pc_digits12(f, 11, &got), -1);
  }
  uint64_t v;
  assert_int_equal(pc_digits12("999999999999", 12, &v), 0);
  assert_true(v == 999999999999ULL);
  assert_int_equal(pc_digits12("000000000000", 12, &v), 0);
  assert_true(v == 0);
  assert_int_equal(pc_digits12("4301020010010", 13, &v), -1);
}

/* Times through the date memo: the same result as pc_time_parse for every
 * text, asked in an order that meets each date again (valid and invalid
 * dates, times of day good and bad, the forms and lengths of the contract). */
static void test_date_memo(void **st) {
  (void)st;
  static const char *const tods[] = {"", "T00:00", "T23:59", "T24:00", "T12:60", " 08:30",
                                     "X08:30", "T08:30:59", "T08:30:60", "T8:30", "T08:3a"};
  pc_date_memo m;
  memset(&m, 0, sizeof m);
  for (uint64_t i = 0; i < 200000; i++) {
    /* a few years, every month and day from 0 to 32: shared slots, leap days, bad dates */
    const int y = 1999 + (int)pc_below(pc_rng(4, i, 1, 0), 4) * (i % 5 ? 1 : 7);
    const int mo = (int)pc_below(pc_rng(4, i, 2, 0), i % 9 ? 12 : 14) + (i % 11 ? 1 : 0);
    const int d = (int)pc_below(pc_rng(4, i, 3, 0), 33);
    char s[40];
    snprintf(s, sizeof s, "%04d-%02d-%02d%s", y, mo, d, tods[pc_below(pc_rng(4, i, 4, 0), 11)]);
    if (i % 13 == 0) s[pc_below(pc_rng(4, i, 5, 0), 10)] = "0x-/ 9"[i % 6]; /* a date's byte off */
    const size_t len = strlen(s);
    int64_t a = 1, b = 2;
    const int ra = pc_time_parse(s, len, &a), rb = pc_time_parse_memo(&m, s, len, &b);
    assert_int_equal(rb, ra);
    if (!ra) assert_true(a == b);
  }
  int64_t t;
  assert_int_equal(pc_time_parse_memo(&m, "2020-02-29T23:59", 16, &t), 0);
  assert_true(t == 1582991940); /* 2020-02-29T15:59Z */
  assert_int_equal(pc_time_parse_memo(&m, "2021-02-29T00:00", 16, &t), -1);
  assert_int_equal(pc_time_parse_memo(&m, "2021-02-29T00:00", 16, &t), -1); /* not remembered */
  assert_int_equal(pc_time_parse_memo(&m, "2020-02-29T00:0", 15, &t), -1);
}

static void test_time_limits(void **st) {
  (void)st;
  assert_int_equal(reason_s(STAYS, STAY_TIME("2021-07-26T00:00", "2021-08-09T00:00")), PC_R_OK);
  assert_false(stay.clipped);
  /* SPEC: a stay across an edge of the window is clipped to it and kept */
  int64_t w0 = chk.window_start, w1 = chk.window_end;
  assert_int_equal(reason_s(STAYS, STAY_TIME("2021-07-25T23:59", "2021-08-01T00:00")), PC_R_OK);
  assert_true(stay.clipped && stay.start == w0 && stay.end > w0);
  assert_int_equal(reason_s(STAYS, STAY_TIME("2021-08-01T00:00", "2021-08-09T00:00:01")), PC_R_OK);
  assert_true(stay.clipped && stay.end == w1 && stay.start < w1);
  assert_int_equal(reason_s(STAYS, STAY_TIME("0001-01-01T00:00", "2021-08-01T00:00")), PC_R_OK);
  assert_true(stay.clipped && stay.start == w0);
  assert_int_equal(reason_s(STAYS, STAY_TIME("2021-08-01T00:00", "9999-12-31T23:59:59")), PC_R_OK);
  assert_true(stay.clipped && stay.end == w1);
  assert_int_equal(reason_s(STAYS, STAY_TIME("0001-01-01T00:00", "9999-12-31T23:59:59")), PC_R_OK);
  assert_true(stay.clipped && stay.start == w0 && stay.end == w1);
  /* wholly outside, touching an edge included (no minute inside): a window reject */
  assert_int_equal(reason_s(STAYS, STAY_TIME("2021-07-25T20:00", "2021-07-26T00:00")), PC_R_WINDOW);
  assert_int_equal(reason_s(STAYS, STAY_TIME("2021-08-09T00:00", "2021-08-09T01:00")), PC_R_WINDOW);
  assert_int_equal(reason_s(STAYS, STAY_TIME("0001-01-01T00:00", "0001-01-01T01:00")), PC_R_WINDOW);
  static const char *const bad[] = {
      "0000-01-01T00:00", "10000-01-01T00:00", "-001-01-01T00:00", "2021-02-29T00:00",
      "2021-08-01T24:00", "2021-08-01T23:60", "2021-08-01T23:59:60", "2021-08-01 20:00",
      "2021-08-01", "2021-08-01T20", "9223372036854775807", "2021-08-01T20:00Z", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(reason_s(STAYS, STAY_TIME(bad[i], "2021-08-01T21:00")), PC_R_TIME);
    assert_int_equal(reason_s(STAYS, STAY_TIME("2021-08-01T20:00", bad[i])), PC_R_TIME);
  }
  assert_int_equal(reason_s(STAYS, STAY_TIME("2021-08-01T20:00", "2021-08-01T20:00")), PC_R_ORDER);
  assert_int_equal(reason_s(STAYS, STAY_TIME("9999-12-31T23:59:59", "0001-01-01T00:00")), PC_R_ORDER);
  /* birth dates in the ID number: not before 1880, not after as_of's day */
  char id[19] = {0};
  pc_idnum_make(430102, 20210809, 1, id);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_OK);
  pc_idnum_make(430102, 20210810, 1, id);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_ID_BIRTH);
  pc_idnum_make(430102, 99991231, 1, id);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_ID_BIRTH);
  pc_idnum_make(430102, 18800101, 1, id);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_OK);
  pc_idnum_make(430102, 18791231, 1, id);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_ID_BIRTH);
  pc_idnum_make(430102, 19800229, 1, id); /* 1980 was a leap year, 1981 not */
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_OK);
  pc_idnum_make(430102, 19810229, 1, id);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_ID_BIRTH);
}

/* A line of kind with its optional type column (id_type / subject_type) last. */
static int reason_t(int kind, const char *line) {
  text[0] = 0;
  pc_field f[MAX_FIELDS];
  static char scratch[1024];
  int nf = pc_csv_split(line, strlen(line), f, MAX_FIELDS, scratch);
  assert_int_equal(nf, ncols[kind] + 1);
  return kind == PERSONS ? pc_row_person(&chk, f, &person, &ident, text)
                         : pc_row_stay(&chk, f, &stay, text);
}

/* SPEC "Other people's data": documents other than the ID card. */
static void test_documents(void **st) {
  (void)st;
  /* a passport: case-insensitive, trimmed; birth date and sex from the columns */
  assert_int_equal(reason_t(PERSONS, "e1234567 ,,,430102001001,1990-02-03,F,,,, Passport"), PC_R_OK);
  assert_memory_equal(ident.subject, "E1234567", 8);
  assert_true(ident.subject[8] == 0 && ident.id_type == PC_DOC_PASSPORT);
  assert_true(person.birth_date == 19900203 && person.sex == 2);
  /* unknown: age and sex unknown, not an error */
  assert_int_equal(reason_t(PERSONS, "E1234567,,,430102001001,,,,,,passport"), PC_R_OK);
  assert_true(person.birth_date == 0 && person.sex == 0);
  /* 20 characters is the longest, 4 too short, inner blanks and punctuation refused */
  assert_int_equal(reason_t(PERSONS, "ABCDEFGHIJ0123456789,,,430102001001,,,,,,other"), PC_R_OK);
  assert_memory_equal(ident.subject, "ABCDEFGHIJ0123456789", 20);
  assert_int_equal(reason_t(PERSONS, "ABCDEFGHIJ01234567890,,,430102001001,,,,,,other"), PC_R_ID_FORMAT);
  assert_int_equal(reason_t(PERSONS, "E123,,,430102001001,,,,,,passport"), PC_R_ID_FORMAT);
  assert_int_equal(reason_t(PERSONS, "E12 34567,,,430102001001,,,,,,passport"), PC_R_ID_FORMAT);
  assert_true(strstr(text, "E12") == NULL);
  /* a birth date after as_of is no birth date */
  assert_int_equal(reason_t(PERSONS, "E1234567,,,430102001001,2021-08-10,,,,,passport"), PC_R_FIELD);
  /* the new foreign permanent residence ID: 9..., the ID card's check; holds birth and sex */
  char fpr[19];
  pc_idnum_make(943156, 19851231, 7, fpr);
  fpr[18] = 0;
  assert_int_equal(reason_t(PERSONS, fmt("%s,,,430102001001,,,,,,foreign_pr", fpr)), PC_R_OK);
  assert_true(person.birth_date == 19851231 && ident.id_type == PC_DOC_FOREIGN_PR);
  assert_int_equal(reason_t(PERSONS, fmt("%s,,,430102001001,1985-12-30,,,,,foreign_pr", fpr)),
                   PC_R_BIRTH_MISMATCH);
  fpr[17] = fpr[17] == '0' ? '1' : '0';
  assert_int_equal(reason_t(PERSONS, fmt("%s,,,430102001001,,,,,,foreign_pr", fpr)), PC_R_ID_CHECK);
  /* the ID card's x is X */
  char idx[19] = {0};
  for (unsigned seq = 0; idx[17] != 'X'; seq++) pc_idnum_make(430102, 19800512, seq, idx);
  idx[17] = 'x';
  assert_int_equal(reason_t(PERSONS, fmt("%s,,,430102001001,,,,,,", idx)), PC_R_OK);
  assert_true(ident.subject[17] == 'X' && ident.id_type == PC_DOC_ID_CARD);
  /* a type that is none, and phone (not a document of a registered person) */
  assert_int_equal(reason_t(PERSONS, "E1234567,,,430102001001,,,,,,visa"), PC_R_FIELD);
  assert_int_equal(reason_t(PERSONS, "13800138000,,,430102001001,,,,,,phone"), PC_R_FIELD);
  /* stays: any channel by any document or phone; without a type as before */
  assert_int_equal(reason_t(STAYS, "lodging,e1234567,如家,2021-08-01T20:00,2021-08-02T08:00,430102001001,,,PASSPORT"), PC_R_OK);
  assert_true(stay.subject_type == PC_DOC_PASSPORT && !strcmp(stay.subject, "E1234567"));
  assert_int_equal(reason_t(STAYS, "cafe,+86 138-0013-8000,网吧,2021-08-01T20:00,2021-08-01T21:00,430102001001,,,phone"), PC_R_OK);
  assert_true(stay.subject_type == PC_DOC_PHONE && stay.phone == 13800138000ULL);
  assert_int_equal(reason_t(STAYS, fmt("lbs,%s,cell,2021-08-01T20:00,2021-08-01T21:00,430102001001,,,id_card", id_m)), PC_R_OK);
  assert_true(stay.subject_type == PC_DOC_ID_CARD);
  assert_int_equal(reason_t(STAYS, fmt("lbs,%s,cell,2021-08-01T20:00,2021-08-01T21:00,430102001001,,,", id_m)), PC_R_PHONE);
  assert_int_equal(reason_t(STAYS, "cafe,E1234567,网吧,2021-08-01T20:00,2021-08-01T21:00,430102001001,,,"), PC_R_ID_FORMAT);
}

static void test_number_limits(void **st) {
  (void)st;
  /* phones: 11 digits, 1 then 3-9; SPEC: +86, 0086, 86, blanks and dashes removed first */
  assert_int_equal(reason_s(PERSONS, PERSON("13800138000", "", "430102001001", "")), PC_R_OK);
  static const char *const forms[] = {"+86 138-0013-8000", "008613800138000", "8613800138000",
                                      "138 0013 8000"};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(reason_s(PERSONS, PERSON(forms[i], "", "430102001001", "")), PC_R_OK);
    assert_memory_equal(ident.phone, "13800138000", 11);
    assert_int_equal(
        reason_s(STAYS, fmt("lbs,%s,cell,2021-08-01T20:00,2021-08-01T21:00,430102001001,,", forms[i])),
        PC_R_OK);
    assert_true(stay.phone == 13800138000ULL && stay.subject_type == PC_DOC_PHONE);
  }
  assert_int_equal(reason_s(PERSONS, PERSON("19999999999", "", "430102001001", "")), PC_R_OK);
  static const char *const bad_phones[] = {"138001380001", "1380013800", "13800138000138001380",
                                           "12800138000", "23800138000", "1380013800X",
                                           "+8713800138000", "99999999999999999999999"};
  for (size_t i = 0; i < sizeof bad_phones / sizeof *bad_phones; i++) {
    assert_int_equal(reason_s(PERSONS, PERSON(bad_phones[i], "", "430102001001", "")), PC_R_PHONE);
    assert_int_equal(
        reason_s(STAYS, fmt("lbs,%s,cell,2021-08-01T20:00,2021-08-01T21:00,430102001001,,", bad_phones[i])),
        PC_R_PHONE);
    assert_true(strstr(text, bad_phones[i]) == NULL); /* texts never quote a phone */
  }
  assert_int_equal(
      reason_s(STAYS, "grid,15912345678,g,2021-08-01T20:00,2021-08-01T21:00,430102001001,,"), PC_R_OK);
  assert_true(stay.phone == 15912345678ULL);
  /* household and employer: opaque strings of 1-64 bytes, byte for byte after trimming
   * (SPEC: `00012` is not `12`); doses 0-20 */
  static const char *const households[] = {"99999999999999999999", "-1", "1.5", "00012", "12",
                                           "H00012", "\"  H00012 \"", "户-12"};
  uint64_t ids[8];
  for (size_t i = 0; i < 8; i++) {
    assert_int_equal(reason_s(PERSONS, PERSON("", households[i], "430102001001", "20")), PC_R_OK);
    ids[i] = person.household;
    assert_true(ids[i] != 0 && ids[i] >> 56 == 0 && person.doses == 20);
  }
  assert_true(ids[3] != ids[4] && ids[3] != ids[5] && ids[6] == ids[5]); /* 00012, 12; quoted blanks */
  char h64[65];
  memset(h64, 'h', 64);
  h64[64] = 0;
  assert_int_equal(reason_s(PERSONS, PERSON("", h64, "430102001001", "")), PC_R_OK);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,%sh,430102001001,,,,,", id_m, h64)), PC_R_FIELD);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,\"  \",430102001001,,,,,", id_m)), PC_R_OK);
  assert_true(person.household == 0); /* blanks only: none */
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,91430100MA4L16JQ8B,", id_m)), PC_R_OK);
  assert_true(person.employer != 0 && person.employer != ids[5]);
  static const char *const bad_doses[] = {"21", "99", "100", "-1", "256", "020", "x"};
  for (size_t i = 0; i < sizeof bad_doses / sizeof *bad_doses; i++)
    assert_int_equal(reason_s(PERSONS, PERSON("", "", "430102001001", bad_doses[i])), PC_R_FIELD);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,%sx,", id_m, h64)), PC_R_FIELD);
  /* ID numbers: 17 digits and a check character */
  char id[19];
  memcpy(id, id_f, 19);
  id[17] = id[17] == '0' ? '1' : '0';
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,,,,", id)), PC_R_ID_CHECK);
  assert_true(strstr(text, id) == NULL); /* texts never quote the ID number */
  assert_int_equal(reason_s(PERSONS, fmt("%s0,,,430102001001,,,,,", id_f)), PC_R_ID_FORMAT);
  assert_int_equal(reason_s(PERSONS, fmt("%.17s,,,430102001001,,,,,", id_f)), PC_R_ID_FORMAT);
  assert_int_equal(reason_s(PERSONS, "18446744073709551616,,,430102001001,,,,,"), PC_R_ID_FORMAT);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,1992-11-30,F,,,", id_f)), PC_R_OK);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,1992-11-29,F,,,", id_f)), PC_R_BIRTH_MISMATCH);
  assert_int_equal(reason_s(PERSONS, fmt("%s,,,430102001001,,男,,,", id_f)), PC_R_SEX_MISMATCH);
}

/* ---------- configs ---------- */

static const pc_key dur_keys[] = {
    {.name = "span", .type = PC_T_DURATION, .def = "1h", .help = "unbounded"},
    {.name = "name", .type = PC_T_STR, .def = "", .help = ""},
    {.name = "n", .type = PC_T_INT, .def = "0", .help = ""},
    {0}};

static int parse(const char *yaml, size_t len, pc_config **c) {
  static char err[4096];
  int rc = pc_config_parse("t.yaml", yaml, len, dur_keys, c, err, sizeof err);
  pc_err_clear();
  return rc;
}

/* The effective config of any accepted config parses again to the same
 * values: found by fuzz_yaml for the longest durations, whose seconds
 * (19 digits) pc_duration_parse refuses. */
static void test_config_limits(void **st) {
  (void)st;
  static const char *const spans[] = {"106751991167300d55807s", "106751991167300d", "15250284452471w",
                                      "922337203685477580s", "1d1s", "0s"};
  for (size_t i = 0; i < sizeof spans / sizeof *spans; i++) {
    pc_config *c = NULL, *c2 = NULL;
    const char *y = fmt("span: %s\n", spans[i]);
    assert_int_equal(parse(y, strlen(y), &c), 0);
    char *eff = pc_config_effective(c);
    assert_non_null(eff);
    assert_int_equal(parse(eff, strlen(eff), &c2), 0);
    assert_true(pc_config_duration(c, "span") == pc_config_duration(c2, "span"));
    free(eff);
    pc_config_destroy(&c);
    pc_config_destroy(&c2);
  }
  /* integers at their limits */
  pc_config *c = NULL;
  assert_int_equal(parse("n: -9223372036854775808\n", 24, &c), 0);
  assert_true(pc_config_int(c, "n") == INT64_MIN);
  pc_config_destroy(&c);
  assert_int_equal(parse("n: 9223372036854775808\n", 23, &c), PC_ERR_CONFIG);
  assert_int_equal(parse("n: -9223372036854775809\n", 24, &c), PC_ERR_CONFIG);
  assert_int_equal(parse("span: 106751991167300d55808s\n", 29, &c), PC_ERR_CONFIG);
  /* NUL, bad UTF-8, aliases, nesting, a megabyte scalar: refused or taken, never a crash */
  assert_int_equal(parse("name: a\0b\n", 10, &c), PC_ERR_CONFIG);
  assert_int_equal(parse("name: \"a\\0b\"\n", 13, &c), PC_ERR_CONFIG);
  assert_int_equal(parse("name: \xff\xfe\n", 9, &c), PC_ERR_CONFIG);
  assert_int_equal(parse("name: \xed\xa0\x80\n", 10, &c), PC_ERR_CONFIG);
  assert_int_equal(parse("name: &a x\nn: *a\n", 17, &c), PC_ERR_CONFIG);
  char *big = malloc((1 << 20) + 16);
  assert_non_null(big);
  size_t n = (size_t)sprintf(big, "name: ");
  memset(big + n, '[', 100000);
  assert_int_equal(parse(big, n + 100000, &c), PC_ERR_CONFIG);
  memset(big + n, 'x', 1 << 20);
  big[n + (1 << 20)] = '\n';
  assert_int_equal(parse(big, n + (1 << 20) + 1, &c), 0);
  assert_true(strlen(pc_config_str(c, "name")) == 1 << 20);
  pc_config_destroy(&c);
  free(big);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_million_columns), cmocka_unit_test(test_megabyte_field),
      cmocka_unit_test(test_nul_bytes),       cmocka_unit_test(test_invalid_utf8),
      cmocka_unit_test(test_quoting),         cmocka_unit_test(test_seat_limits),
      cmocka_unit_test(test_region_limits),   cmocka_unit_test(test_time_limits),
      cmocka_unit_test(test_place_memo),      cmocka_unit_test(test_clean_positions),
      cmocka_unit_test(test_digits12),        cmocka_unit_test(test_date_memo),
      cmocka_unit_test(test_number_limits),   cmocka_unit_test(test_documents),   cmocka_unit_test(test_config_limits),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
