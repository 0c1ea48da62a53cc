/* test_config.c - cmocka tests of io/pc_config.c: parsing, every kind of problem, accessors, effective, help. */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid, mkstemp for the abort and load tests */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pc_config.h"
#include "pc_err.h"
#include "pc_time.h"

/* ---------- a realistic schema ---------- */

static const char *const channel_names[] = {"household", "cafe", "lodging", "flight",
                                            "rail",      "lbs",  "grid",    NULL};
static const char *const roles[] = {"close", "companion", NULL};

static const pc_key outbreak_keys[] = {
    {.name = "cases", .type = PC_T_INT, .def = "100", .help = "number of index cases"}, {0}};

static const pc_key channel_keys[] = {
    {.name = "role", .type = PC_T_STR, .def = "close", .help = "who counts as a contact",
     .choices = roles},
    {.name = "min_overlap", .type = PC_T_DURATION, .def = "15m",
     .help = "shortest overlap that counts"},
    {.name = "rows", .type = PC_T_INT, .def = "3", .help = "rows per person"},
    {0}};
static const pc_key channel_item = {.name = "", .type = PC_T_MAP, .sub = channel_keys};

static const pc_key area_keys[] = {
    {.name = "name", .type = PC_T_STR, .required = 1, .help = "name of the area"},
    {.name = "regions", .type = PC_T_STRS, .help = "region codes"},
    {.name = "from", .type = PC_T_TIME, .help = "start of the window"},
    {.name = "to", .type = PC_T_TIME, .help = "end of the window"},
    {.name = "min_dwell", .type = PC_T_DURATION, .def = "2h", .help = "shortest stay that counts"},
    {0}};
static const pc_key area_item = {.name = "", .type = PC_T_MAP, .sub = area_keys};
static const pc_key age_item = {.name = "", .type = PC_T_INT, .max = 150};

static const pc_key schema[] = {
    {.name = "seed", .type = PC_T_INT, .def = "1", .help = "random seed of the synthetic province",
     .max = (int64_t)1 << 62},
    {.name = "persons", .type = PC_T_INT, .required = 1, .help = "persons in the registry",
     .min = 1, .max = 100000000},
    {.name = "as_of", .type = PC_T_TIME, .required = 1, .help = "the instant the data ends"},
    {.name = "days", .type = PC_T_INT, .def = "14", .help = "days of movement data", .max = 3650},
    {.name = "lookback", .type = PC_T_DURATION, .def = "2d",
     .help = "how far back contacts are traced"},
    {.name = "ratio", .type = PC_T_FLOAT, .def = "0.5", .help = "share of something"},
    {.name = "verbose", .type = PC_T_BOOL, .def = "false", .help = "chatty progress"},
    {.name = "output", .type = PC_T_PATH, .required = 1, .help = "file to write"},
    {.name = "note", .type = PC_T_STR, .def = "", .help = "free text"},
    {.name = "outbreak", .type = PC_T_MAP, .help = "outbreak scenario", .sub = outbreak_keys},
    {.name = "channels", .type = PC_T_DICT, .def = "{household: {}, cafe: {min_overlap: 30m}}",
     .help = "contact channels", .sub = &channel_item, .choices = channel_names},
    {.name = "areas", .type = PC_T_LIST, .help = "areas of interest", .sub = &area_item},
    {.name = "age_edges", .type = PC_T_LIST, .def = "[0, 3, 12, 18, 60, 80]", .help = "age bands",
     .sub = &age_item},
    {.name = "stays", .type = PC_T_STRS, .help = "stay files"},
    {0}};

/* A schema with nothing required: an empty file is fine there. */
static const pc_key easy_schema[] = {
    {.name = "seed", .type = PC_T_INT, .def = "7", .help = ""},
    {.name = "outbreak", .type = PC_T_MAP, .help = "", .sub = outbreak_keys},
    {0}};

/* A map with a required child, and a dict without choices. */
static const pc_key db_keys[] = {{.name = "host", .type = PC_T_STR, .required = 1, .help = ""},
                                 {.name = "port", .type = PC_T_INT, .def = "5432", .help = "",
                                  .min = 1, .max = 65535},
                                 {0}};
static const pc_key tag_item = {.name = "", .type = PC_T_INT};
static const pc_key free_schema[] = {{.name = "name", .type = PC_T_STR, .def = "x", .help = ""},
                                     {.name = "db", .type = PC_T_MAP, .help = "", .sub = db_keys},
                                     {.name = "tags", .type = PC_T_DICT, .help = "",
                                      .sub = &tag_item},
                                     {0}};

#define MIN_YAML "persons: 10\nas_of: 2021-03-01T08:00\noutput: out.h5\n"

static char err[16384];

static int parse_s(const pc_key *sch, const char *yaml, size_t len, pc_config **c) {
  *c = NULL;
  err[0] = 0;
  return pc_config_parse("cfg.yaml", yaml, len, sch, c, err, sizeof err);
}

static pc_config *ok(const char *yaml) {
  pc_config *c;
  int rc = parse_s(schema, yaml, strlen(yaml), &c);
  if (rc) fail_msg("parse failed (rc %d):\n%s", rc, err);
  assert_non_null(c);
  return c;
}

/* Parse expecting failure; the number of problem lines. */
static int bad_len(const char *yaml, size_t len) {
  pc_config *c = (pc_config *)&c; /* must be reset to NULL */
  int rc = parse_s(schema, yaml, len, &c);
  if (rc != PC_ERR_CONFIG) fail_msg("expected PC_ERR_CONFIG, got %d for:\n%s", rc, yaml);
  assert_null(c);
  int lines = 0;
  for (const char *p = err; *p; p++) lines += *p == '\n';
  return lines;
}

static int bad(const char *yaml) { return bad_len(yaml, strlen(yaml)); }

#define HAS(hay, needle)                                                          \
  do {                                                                            \
    if (!strstr((hay), (needle))) fail_msg("expected '%s' in:\n%s", (needle), (hay)); \
  } while (0)
#define HASNT(hay, needle)                                                           \
  do {                                                                               \
    if (strstr((hay), (needle))) fail_msg("did not expect '%s' in:\n%s", (needle), (hay)); \
  } while (0)

static int64_t T(const char *s) {
  int64_t t;
  assert_int_equal(pc_time_parse(s, strlen(s), &t), 0);
  return t;
}

/* ---------- valid configs and accessors ---------- */

static const char *FULL =
    "# a full config\n"
    "seed: 42\n"
    "persons: 1000\n"
    "as_of: 2021-03-01T08:00\n"
    "days: 7\n"
    "lookback: 1h30m\n"
    "ratio: 0.25\n"
    "verbose: Yes\n"
    "output: \"out dir/x.h5\"\n"
    "note: 'it''s \"quoted\"'\n"
    "outbreak:\n"
    "  cases: 5\n"
    "channels:\n"
    "  rail:\n"
    "    role: companion\n"
    "    rows: 9\n"
    "  cafe: {min_overlap: 45m}\n"
    "  flight:\n"
    "areas:\n"
    "  - name: old town\n"
    "    regions: [110101, 110102]\n"
    "    from: 2021-02-20\n"
    "    to: 2021-02-28T23:59:30\n"
    "  - name: harbour\n"
    "    regions: 110105\n"
    "    min_dwell: 30m\n"
    "age_edges: [0, 18, 65]\n"
    "stays:\n"
    "  - a.csv\n"
    "  - b.csv\n";

static void test_valid_full(void **state) {
  (void)state;
  pc_config *c = ok(FULL);
  assert_string_equal(pc_config_file(c), "cfg.yaml");
  assert_int_equal(pc_config_int(c, "seed"), 42);
  assert_int_equal(pc_config_int(c, "persons"), 1000);
  assert_int_equal(pc_config_time(c, "as_of"), T("2021-03-01T08:00"));
  assert_int_equal(pc_config_int(c, "days"), 7);
  assert_int_equal(pc_config_duration(c, "lookback"), 5400);
  assert_true(pc_config_float(c, "ratio") == 0.25);
  assert_true(pc_config_float(c, "days") == 7.0); /* INT read as float */
  assert_int_equal(pc_config_bool(c, "verbose"), 1);
  assert_string_equal(pc_config_str(c, "output"), "out dir/x.h5");
  assert_string_equal(pc_config_str(c, "note"), "it's \"quoted\"");
  assert_int_equal(pc_config_int(c, "outbreak.cases"), 5);

  /* dict: the file's keys in file order, replacing the default's */
  assert_int_equal(pc_config_len(c, "channels"), 3);
  assert_string_equal(pc_config_key(c, "channels", 0), "rail");
  assert_string_equal(pc_config_key(c, "channels", 1), "cafe");
  assert_string_equal(pc_config_key(c, "channels", 2), "flight");
  assert_string_equal(pc_config_str(c, "channels.rail.role"), "companion");
  assert_int_equal(pc_config_int(c, "channels.rail.rows"), 9);
  assert_int_equal(pc_config_duration(c, "channels.rail.min_overlap"), 900);
  assert_int_equal(pc_config_duration(c, "channels.cafe.min_overlap"), 2700);
  assert_string_equal(pc_config_str(c, "channels.cafe.role"), "close");
  assert_string_equal(pc_config_str(c, "channels.flight.role"), "close"); /* `flight:` null */
  assert_int_equal(pc_config_int(c, "channels.flight.rows"), 3);
  assert_false(pc_config_has(c, "channels.household")); /* the default dict is not merged */
  assert_false(pc_config_has(c, "channels.household.role"));

  /* list of maps */
  assert_int_equal(pc_config_len(c, "areas"), 2);
  assert_string_equal(pc_config_str(c, "areas.0.name"), "old town");
  assert_int_equal(pc_config_len(c, "areas.0.regions"), 2);
  assert_string_equal(pc_config_str_at(c, "areas.0.regions", 0), "110101");
  assert_string_equal(pc_config_str_at(c, "areas.0.regions", 1), "110102");
  assert_string_equal(pc_config_str(c, "areas.0.regions.1"), "110102");
  assert_int_equal(pc_config_time(c, "areas.0.from"), T("2021-02-20T00:00"));
  assert_int_equal(pc_config_time(c, "areas.0.to"), T("2021-02-28T23:59:30"));
  assert_int_equal(pc_config_duration(c, "areas.0.min_dwell"), 7200);
  assert_int_equal(pc_config_duration(c, "areas.1.min_dwell"), 1800);
  assert_int_equal(pc_config_len(c, "areas.1.regions"), 1); /* STRS as one scalar */
  assert_string_equal(pc_config_str_at(c, "areas.1.regions", 0), "110105");
  assert_false(pc_config_has(c, "areas.1.from"));
  assert_int_equal(pc_config_time(c, "areas.1.from"), 0);
  assert_false(pc_config_has(c, "areas.2"));
  assert_false(pc_config_has(c, "areas.2.min_dwell")); /* no defaults in a missing item */

  assert_int_equal(pc_config_len(c, "age_edges"), 3);
  assert_int_equal(pc_config_int_at(c, "age_edges", 0), 0);
  assert_int_equal(pc_config_int_at(c, "age_edges", 1), 18);
  assert_int_equal(pc_config_int_at(c, "age_edges", 2), 65);
  assert_int_equal(pc_config_int(c, "age_edges.2"), 65);

  assert_int_equal(pc_config_len(c, "stays"), 2);
  assert_string_equal(pc_config_str_at(c, "stays", 1), "b.csv");

  /* given / has / line */
  assert_true(pc_config_given(c, "seed"));
  assert_int_equal(pc_config_line(c, "seed"), 2);
  assert_int_equal(pc_config_line(c, "outbreak.cases"), 12);
  assert_int_equal(pc_config_line(c, "channels.rail.rows"), 16);
  assert_int_equal(pc_config_line(c, "areas.1.name"), 24);
  assert_int_equal(pc_config_line(c, "channels.cafe.role"), 0); /* default */
  assert_false(pc_config_given(c, "channels.cafe.role"));
  assert_true(pc_config_has(c, "channels.cafe.role"));
  pc_config_destroy(&c);
  assert_null(c);
  pc_config_destroy(&c); /* twice is harmless */
}

static void test_defaults(void **state) {
  (void)state;
  pc_config *c = ok(MIN_YAML);
  assert_int_equal(pc_config_int(c, "seed"), 1);
  assert_false(pc_config_given(c, "seed"));
  assert_true(pc_config_has(c, "seed"));
  assert_int_equal(pc_config_line(c, "seed"), 0);
  assert_int_equal(pc_config_line(c, "persons"), 1);
  assert_int_equal(pc_config_line(c, "output"), 3);
  assert_int_equal(pc_config_int(c, "days"), 14);
  assert_int_equal(pc_config_duration(c, "lookback"), 2 * 86400);
  assert_true(pc_config_float(c, "ratio") == 0.5);
  assert_int_equal(pc_config_bool(c, "verbose"), 0);
  assert_string_equal(pc_config_str(c, "note"), ""); /* default "" */
  assert_true(pc_config_has(c, "note"));
  /* absent map: its children's defaults still apply */
  assert_false(pc_config_has(c, "outbreak"));
  assert_int_equal(pc_config_int(c, "outbreak.cases"), 100);
  assert_true(pc_config_has(c, "outbreak.cases"));
  assert_false(pc_config_given(c, "outbreak.cases"));
  /* absent dict: the default's keys and values, items filled from the item schema */
  assert_int_equal(pc_config_len(c, "channels"), 2);
  assert_string_equal(pc_config_key(c, "channels", 0), "household");
  assert_string_equal(pc_config_key(c, "channels", 1), "cafe");
  assert_int_equal(pc_config_duration(c, "channels.household.min_overlap"), 900);
  assert_int_equal(pc_config_duration(c, "channels.cafe.min_overlap"), 1800);
  assert_string_equal(pc_config_str(c, "channels.cafe.role"), "close");
  assert_int_equal(pc_config_int(c, "channels.cafe.rows"), 3);
  assert_false(pc_config_given(c, "channels.cafe.min_overlap"));
  assert_false(pc_config_has(c, "channels.rail"));
  /* absent list with default; absent list and STRS without */
  assert_int_equal(pc_config_len(c, "age_edges"), 6);
  assert_int_equal(pc_config_int_at(c, "age_edges", 5), 80);
  assert_false(pc_config_has(c, "areas"));
  assert_int_equal(pc_config_len(c, "areas"), 0);
  assert_int_equal(pc_config_len(c, "stays"), 0);
  assert_false(pc_config_has(c, "stays"));
  pc_config_destroy(&c);
}

static void test_nulls_and_scalars(void **state) {
  (void)state;
  /* `key:` with nothing: "" for strings, "all defaults" for a map, empty for
   * list/dict/strs; quoted "~" stays a string */
  pc_config *c = ok(MIN_YAML "note:\noutbreak:\nchannels:\nareas: ~\nstays:\nage_edges: []\n");
  assert_string_equal(pc_config_str(c, "note"), "");
  assert_true(pc_config_given(c, "note"));
  assert_int_equal(pc_config_int(c, "outbreak.cases"), 100);
  assert_true(pc_config_given(c, "outbreak"));
  assert_int_equal(pc_config_len(c, "channels"), 0);
  assert_int_equal(pc_config_len(c, "areas"), 0);
  assert_int_equal(pc_config_len(c, "stays"), 0);
  assert_int_equal(pc_config_len(c, "age_edges"), 0);
  pc_config_destroy(&c);

  c = ok(MIN_YAML "note: \"~\"\nstays: one.csv\n");
  assert_string_equal(pc_config_str(c, "note"), "~");
  assert_int_equal(pc_config_len(c, "stays"), 1);
  assert_string_equal(pc_config_str_at(c, "stays", 0), "one.csv");
  assert_string_equal(pc_config_str(c, "stays.0"), "one.csv");
  assert_false(pc_config_has(c, "stays.1"));
  pc_config_destroy(&c);

  /* every bool spelling, signs, big ints, floats */
  static const struct {
    const char *text;
    int v;
  } bools[] = {{"true", 1}, {"TRUE", 1}, {"yes", 1}, {"On", 1},
               {"false", 0}, {"No", 0}, {"off", 0}, {"OFF", 0}};
  for (size_t i = 0; i < sizeof bools / sizeof *bools; i++) {
    char y[256];
    snprintf(y, sizeof y, MIN_YAML "verbose: %s\n", bools[i].text);
    c = ok(y);
    assert_int_equal(pc_config_bool(c, "verbose"), bools[i].v);
    pc_config_destroy(&c);
  }
  c = ok(MIN_YAML "seed: +4611686018427387904\nratio: -1.5e-3\n");
  assert_int_equal(pc_config_int(c, "seed"), (int64_t)1 << 62);
  assert_true(pc_config_float(c, "ratio") == -1.5e-3);
  pc_config_destroy(&c);
  c = ok(MIN_YAML "ratio: 3\nlookback: 90\n");
  assert_true(pc_config_float(c, "ratio") == 3.0);
  assert_int_equal(pc_config_duration(c, "lookback"), 90); /* bare seconds */
  pc_config_destroy(&c);
}

static void test_tags_ignored_anchors_allowed(void **state) {
  (void)state;
  /* Tags are ignored (the schema decides the type); anchors alone are harmless. */
  pc_config *c = ok(MIN_YAML "seed: !!str 12\noutbreak: &ob\n  cases: 3\n");
  assert_int_equal(pc_config_int(c, "seed"), 12);
  assert_int_equal(pc_config_int(c, "outbreak.cases"), 3);
  pc_config_destroy(&c);
}

static void test_empty(void **state) {
  (void)state;
  /* required keys: an empty file, a comment-only file, a bare null are errors */
  static const char *const empties[] = {"", "# nothing\n", "~\n", "---\n"};
  for (size_t i = 0; i < 4; i++) {
    int n = bad(empties[i]);
    assert_int_equal(n, 4);
    HAS(err, "cfg.yaml:1:1: the config is empty");
    HAS(err, "cfg.yaml:1:1: missing required key 'persons'\n");
    HAS(err, "cfg.yaml:1:1: missing required key 'as_of'\n");
    HAS(err, "cfg.yaml:1:1: missing required key 'output'\n");
  }
  /* nothing required: empty means all defaults */
  pc_config *c;
  assert_int_equal(parse_s(easy_schema, "", 0, &c), 0);
  assert_int_equal(pc_config_int(c, "seed"), 7);
  assert_int_equal(pc_config_int(c, "outbreak.cases"), 100);
  pc_config_destroy(&c);
  assert_int_equal(parse_s(easy_schema, NULL, 0, &c), 0);
  pc_config_destroy(&c);
  /* a document that is not a mapping */
  assert_int_equal(bad("- a\n- b\n"), 1);
  HAS(err, "cfg.yaml:1:1: a config is a mapping of 'key: value' lines, got a list");
  assert_int_equal(bad("just words\n"), 1);
  HAS(err, "got 'just words'");
  assert_int_not_equal(parse_s(easy_schema, "42", 2, &c), 0);
  assert_null(c);
}

/* ---------- problems and where they are ---------- */

static void test_unknown_key_positions(void **state) {
  (void)state;
  assert_int_equal(bad("sed: 5\n" MIN_YAML), 1);
  HAS(err, "cfg.yaml:1:1: unknown key 'sed' (allowed: seed, persons, as_of, days, lookback, ratio, "
           "verbose, output, note, outbreak, channels, areas, age_edges, stays)\n");

  assert_int_equal(bad(MIN_YAML "outbreak:\n  casez: 5\n"), 1);
  assert_string_equal(err, "cfg.yaml:5:3: unknown key 'casez' in outbreak (allowed: cases)\n");

  /* inside a dict item */
  assert_int_equal(bad(MIN_YAML "channels:\n  cafe:\n    rol: close\n"), 1);
  assert_string_equal(
      err, "cfg.yaml:6:5: unknown key 'rol' in channels.cafe (allowed: role, min_overlap, rows)\n");
  /* a dict key not among the choices */
  assert_int_equal(bad(MIN_YAML "channels:\n  cafe: {}\n  bus: {}\n"), 1);
  HAS(err, "cfg.yaml:6:3: unknown key 'bus' in channels (allowed: household, cafe, lodging, "
           "flight, rail, lbs, grid)\n");
  /* inside a list item, second item */
  assert_int_equal(bad(MIN_YAML "areas:\n  - name: a\n  - name: b\n    regoins: x\n"), 1);
  HAS(err, "cfg.yaml:7:5: unknown key 'regoins' in areas.1 (allowed: name, regions, from, to, "
           "min_dwell)\n");
  /* a NUL inside a quoted key does not pass for the real key */
  assert_int_equal(bad(MIN_YAML "\"seed\\0x\": 1\n"), 1);
  HAS(err, "cfg.yaml:4:1: unknown key 'seed\\x00x'");
}

static void test_type_errors(void **state) {
  (void)state;
  assert_int_equal(bad(MIN_YAML "seed: abc\n"), 1);
  assert_string_equal(err, "cfg.yaml:4:7: seed: expected an integer, got 'abc'\n");
  /* integers are strict: no floats, hex, underscores, trailing garbage, blanks */
  static const char *const not_ints[] = {"1.5", "0x10", "1_000", "1e3", "12abc", "\" 5\"", "\"-\"",
                                         "\"\""};
  for (size_t i = 0; i < sizeof not_ints / sizeof *not_ints; i++) {
    char y[256];
    snprintf(y, sizeof y, MIN_YAML "seed: %s\n", not_ints[i]);
    assert_int_equal(bad(y), 1);
    HAS(err, "cfg.yaml:4:7: seed: expected an integer, got '");
  }
  assert_int_equal(bad(MIN_YAML "seed:\n"), 1);
  HAS(err, "seed: expected an integer, got nothing");
  assert_int_equal(bad(MIN_YAML "seed: 99999999999999999999\n"), 1);
  HAS(err, "cfg.yaml:4:7: seed: '99999999999999999999' is too large for a 64-bit integer");
  assert_int_equal(bad(MIN_YAML "verbose: maybe\n"), 1);
  HAS(err, "cfg.yaml:4:10: verbose: expected true or false, got 'maybe'");
  assert_int_equal(bad(MIN_YAML "ratio: nan\n"), 1);
  HAS(err, "ratio: expected a number, got 'nan'");
  assert_int_equal(bad(MIN_YAML "ratio: 1e999\n"), 1);
  HAS(err, "ratio: '1e999' is too large for a number");
  assert_int_equal(bad(MIN_YAML "outbreak: 5\n"), 1);
  HAS(err, "cfg.yaml:4:11: outbreak: expected a mapping of 'key: value' lines, got '5'");
  assert_int_equal(bad(MIN_YAML "areas: somewhere\n"), 1);
  HAS(err, "cfg.yaml:4:8: areas: expected a list, got 'somewhere'");
  assert_int_equal(bad(MIN_YAML "seed: [1, 2]\n"), 1);
  HAS(err, "seed: expected an integer, got a list");
  assert_int_equal(bad(MIN_YAML "stays: {a: b}\n"), 1);
  HAS(err, "stays: expected a string or a list of strings, got a mapping");
  assert_int_equal(bad(MIN_YAML "stays: [a, [b]]\n"), 1);
  HAS(err, "stays.1: expected a string, got a list");
  assert_int_equal(bad(MIN_YAML "age_edges: [0, x, 200]\n"), 2);
  HAS(err, "cfg.yaml:4:16: age_edges.1: expected an integer, got 'x'");
  HAS(err, "cfg.yaml:4:19: age_edges.2: 200 is out of range [0..150]");
  assert_int_equal(bad(MIN_YAML "note: \"a\\0b\"\n"), 1);
  HAS(err, "note: NUL character in 'a\\x00b'");
}

static void test_range_and_choices(void **state) {
  (void)state;
  assert_int_equal(bad("persons: 0\nas_of: 2021-03-01T08:00\noutput: o\n"), 1);
  assert_string_equal(err, "cfg.yaml:1:10: persons: 0 is out of range [1..100000000]\n");
  assert_int_equal(bad(MIN_YAML "seed: -1\n"), 1);
  HAS(err, "seed: -1 is out of range [0..4611686018427387904]");
  assert_int_equal(bad(MIN_YAML "channels:\n  cafe:\n    role: distant\n"), 1);
  assert_string_equal(err,
                      "cfg.yaml:6:11: channels.cafe.role: 'distant' is not one of: close, companion\n");
  assert_int_equal(bad(MIN_YAML "channels:\n  cafe:\n    role:\n"), 1);
  HAS(err, "channels.cafe.role: a value is required here, one of: close, companion");
  /* a required string left empty */
  assert_int_equal(bad("persons: 1\nas_of: 2021-03-01\noutput:\n"), 1);
  HAS(err, "cfg.yaml:3:8: output: a value is required here");
}

static void test_durations_and_times(void **state) {
  (void)state;
  assert_int_equal(bad(MIN_YAML "lookback: 15x\n"), 1);
  assert_string_equal(err, "cfg.yaml:4:11: lookback: bad duration '15x' (use e.g. 15m, 2h, 14d)\n");
  assert_int_equal(bad(MIN_YAML "lookback: -5m\n"), 1);
  HAS(err, "bad duration '-5m'");
  assert_int_equal(bad(MIN_YAML "lookback:\n"), 1);
  HAS(err, "lookback: expected a duration like 15m, 2h, 14d, got nothing");
  assert_int_equal(bad(MIN_YAML "areas:\n  - name: a\n    min_dwell: 2 hours\n"), 1);
  HAS(err, "cfg.yaml:6:16: areas.0.min_dwell: bad duration '2 hours' (use e.g. 15m, 2h, 14d)");

  assert_int_equal(bad("persons: 1\nas_of: 2021-02-30T00:00\noutput: o\n"), 1);
  assert_string_equal(err,
                      "cfg.yaml:2:8: as_of: bad time '2021-02-30T00:00' (no such date or time of day)\n");
  assert_int_equal(bad("persons: 1\nas_of: 2021-03-01T24:00\noutput: o\n"), 1);
  HAS(err, "no such date or time of day");
  assert_int_equal(bad("persons: 1\nas_of: tomorrow\noutput: o\n"), 1);
  HAS(err, "cfg.yaml:2:8: as_of: bad time 'tomorrow' (use YYYY-MM-DDTHH:MM[:SS], local time UTC+8)");
  assert_int_equal(bad("persons: 1\nas_of: 2021-3-1\noutput: o\n"), 1);
  HAS(err, "bad time '2021-3-1' (use YYYY-MM-DDTHH:MM");
}

static void test_duplicates_and_missing(void **state) {
  (void)state;
  assert_int_equal(bad(MIN_YAML "seed: 1\nseed: 2\n"), 1);
  assert_string_equal(err, "cfg.yaml:5:1: duplicate key 'seed' (first at line 4)\n");
  assert_int_equal(bad(MIN_YAML "channels:\n  cafe: {}\n  rail: {}\n  cafe: {}\n"), 1);
  assert_string_equal(err, "cfg.yaml:7:3: duplicate key 'cafe' in channels (first at line 5)\n");
  assert_int_equal(bad(MIN_YAML "outbreak: {cases: 1, cases: 2}\n"), 1);
  HAS(err, "cfg.yaml:4:22: duplicate key 'cases' in outbreak (first at line 4)");

  /* missing required: reported at the mapping that should hold it */
  assert_int_equal(bad("# header\n\npersons: 10\noutput: o\n"), 1);
  assert_string_equal(err, "cfg.yaml:3:1: missing required key 'as_of'\n");
  assert_int_equal(bad(MIN_YAML "areas:\n  - name: a\n  -   regions: [x]\n"), 1);
  assert_string_equal(err, "cfg.yaml:6:7: missing required key 'name' in areas.1\n");
}

static void test_many_problems_at_once(void **state) {
  (void)state;
  const char *y =
      "seed: abc\n"              /* 1: type */
      "persons: 10\n"
      "lookback: 15x\n"          /* 3: duration */
      "outbreak:\n"
      "  cases: 5\n"
      "  extra: 1\n"             /* 6: unknown */
      "channels:\n"
      "  cafe:\n"
      "    role: far\n"          /* 9: choices */
      "  rail: {rows: 3, rows: 4}\n" /* 10: duplicate */
      "areas:\n"
      "  - regions: x\n"         /* 12: missing name */
      "    to: 2021-13-01\n"     /* 13: bad time */
      "verbose: perhaps\n";      /* 14: bool; as_of and output missing at 1:1 */
  int n = bad(y);
  assert_int_equal(n, 10);
  HAS(err, "cfg.yaml:1:1: missing required key 'as_of'\n");
  HAS(err, "cfg.yaml:1:1: missing required key 'output'\n");
  HAS(err, "cfg.yaml:1:7: seed: expected an integer, got 'abc'\n");
  HAS(err, "cfg.yaml:3:11: lookback: bad duration '15x'");
  HAS(err, "cfg.yaml:6:3: unknown key 'extra' in outbreak (allowed: cases)\n");
  HAS(err, "cfg.yaml:9:11: channels.cafe.role: 'far' is not one of: close, companion\n");
  HAS(err, "cfg.yaml:10:19: duplicate key 'rows' in channels.rail (first at line 10)\n");
  HAS(err, "cfg.yaml:12:5: missing required key 'name' in areas.0\n");
  HAS(err, "cfg.yaml:13:9: areas.0.to: bad time '2021-13-01'");
  HAS(err, "cfg.yaml:14:10: verbose: expected true or false, got 'perhaps'\n");
  /* in file order */
  assert_true(strstr(err, "cfg.yaml:3:11") < strstr(err, "cfg.yaml:6:3"));
  assert_true(strstr(err, "cfg.yaml:13:9") < strstr(err, "cfg.yaml:14:10"));
}

static void test_yaml_syntax(void **state) {
  (void)state;
  assert_int_equal(bad("persons: 10\nas_of: [1, 2\noutput: o\n"), 1);
  HAS(err, "cfg.yaml:3:");
  HAS(err, "YAML syntax error: ");
  HAS(err, "flow sequence that starts at line 2");
  assert_int_equal(bad("persons: 10\n  as_of: 2021-03-01\n"), 1);
  HAS(err, "cfg.yaml:2:8: YAML syntax error: mapping values are not allowed in this context");
  /* tabs get a hint */
  assert_int_equal(bad("persons: 10\noutbreak:\n\tcases: 3\n"), 1);
  HAS(err, "cfg.yaml:3:1: YAML syntax error:");
  HAS(err, "tabs cannot indent YAML, use spaces");
  /* two documents */
  assert_int_equal(bad(MIN_YAML "---\nseed: 2\n"), 1);
  HAS(err, "cfg.yaml:4:1: a config is one YAML document");
  /* a list as a key */
  assert_int_equal(bad(MIN_YAML "? [a, b]\n: 1\n"), 1);
  HAS(err, "cfg.yaml:4:3: a key must be a plain name, not a list");
}

static void test_alias_rejected(void **state) {
  (void)state;
  int n = bad("persons: &p 10\nas_of: 2021-03-01\noutput: o\nseed: *p\ndays: *p\n");
  assert_int_equal(n, 2);
  assert_string_equal(err,
                      "cfg.yaml:4:7: YAML alias '*p' not allowed in a config: write the value out\n"
                      "cfg.yaml:5:7: YAML alias '*p' not allowed in a config: write the value out\n");
  /* the classic billion-laughs shape fails fast and cleanly */
  const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
                     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                     "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
  n = bad(bomb);
  assert_int_equal(n, 27);
  HAS(err, "cfg.yaml:2:8: YAML alias '*a'");
}

static void test_hostile_input(void **state) {
  (void)state;
  /* a NUL byte in the text: an error with a place, not a crash or a cut */
  const char nul[] = "persons: 10\nas_of: 2021-03-01\noutput: a\0b\n";
  assert_int_equal(bad_len(nul, sizeof nul - 1), 1);
  HAS(err, "cfg.yaml:3:10: not valid YAML text: control characters are not allowed");
  /* invalid UTF-8 */
  assert_int_equal(bad("persons: 10\nnote: \xff\xfe\n"), 1);
  HAS(err, "cfg.yaml:2:7: not valid YAML text");

  /* deep nesting */
  size_t depth = 100000;
  char *deep = malloc(2 * depth + 16);
  assert_non_null(deep);
  memcpy(deep, "seed: ", 6);
  memset(deep + 6, '[', depth);
  memset(deep + 6 + depth, ']', depth);
  deep[6 + 2 * depth] = 0;
  assert_int_equal(bad(deep), 1);
  HAS(err, "nested deeper than 64 levels");
  free(deep);

  /* a very long scalar is quoted cut short */
  size_t big = 1 << 20;
  char *lng = malloc(big + 64);
  assert_non_null(lng);
  strcpy(lng, MIN_YAML "seed: ");
  size_t at = strlen(lng);
  memset(lng + at, '7', big);
  strcpy(lng + at + big, "x\n");
  assert_int_equal(bad(lng), 1);
  HAS(err, "seed: expected an integer, got '777777");
  HAS(err, "...'\n");
  assert_true(strlen(err) < 300);
  free(lng);

  /* many keys, all the same: every one reported or counted, quickly (no
   * quadratic duplicate search), and the output stays whole lines */
  size_t nk = 200000;
  char *many = malloc(nk * 24 + 64);
  assert_non_null(many);
  strcpy(many, MIN_YAML);
  char *p = many + strlen(many);
  for (size_t i = 0; i < nk; i++) p += sprintf(p, i % 2 ? "seed: %zu\n" : "k%zu: 1\n", i);
  int lines = bad(many);
  free(many);
  assert_true(lines > 10);
  HAS(err, "cfg.yaml:4:1: unknown key 'k0'");
  HAS(err, "cfg.yaml:7:1: duplicate key 'seed' (first at line 5)\n");
  HAS(err, "more problems not shown\n");
  size_t el = strlen(err);
  assert_true(el < sizeof err && err[el - 1] == '\n');
  /* 100000 unknown keys + 99999 duplicates: the last line counts what is not shown */
  char *last = strrchr(err, ':');
  assert_non_null(last);
  assert_int_equal(strtol(last + 2, NULL, 10) + lines - 1, nk - 1);
  /* more values than any config has */
  size_t ni = 1100000;
  char *items = malloc(ni * 3 + 64);
  assert_non_null(items);
  strcpy(items, MIN_YAML "stays: [");
  p = items + strlen(items);
  for (size_t i = 0; i < ni; i++) {
    memcpy(p, "a,", 2);
    p += 2;
  }
  strcpy(p, "a]\n");
  assert_int_equal(bad(items), 1);
  HAS(err, "values: not a config");
  free(items);
}

static void test_required_below_absent_map(void **state) {
  (void)state;
  pc_config *c;
  /* the map is absent, but its required child is still required */
  assert_int_equal(parse_s(free_schema, "name: y\n", 8, &c), PC_ERR_CONFIG);
  assert_string_equal(err, "cfg.yaml:1:1: missing required key 'host' in db\n");
  assert_int_equal(parse_s(free_schema, "name: y\ndb:\n", 12, &c), PC_ERR_CONFIG);
  assert_string_equal(err, "cfg.yaml:2:4: missing required key 'host' in db\n");
  assert_int_equal(parse_s(free_schema, "", 0, &c), PC_ERR_CONFIG);
  HAS(err, "cfg.yaml:1:1: the config is empty");
  HAS(err, "cfg.yaml:1:1: missing required key 'host' in db\n");
  const char *y = "db: {host: h}\ntags: {a: 1, \"b c\": 2}\n";
  assert_int_equal(parse_s(free_schema, y, strlen(y), &c), 0);
  assert_int_equal(pc_config_int(c, "db.port"), 5432);
  assert_string_equal(pc_config_str(c, "db.host"), "h");
  assert_int_equal(pc_config_len(c, "tags"), 2);
  assert_string_equal(pc_config_key(c, "tags", 1), "b c");
  assert_int_equal(pc_config_int(c, "tags.b c"), 2);
  assert_false(pc_config_has(c, "tags.d"));
  pc_config_destroy(&c);
  /* dict names: no '.', no control characters (they would forge message lines), not empty */
  y = "db: {host: h}\ntags:\n  a.b: 1\n  \"x\\ny\": 2\n  \"\": 3\n  ~: 4\n";
  assert_int_equal(parse_s(free_schema, y, strlen(y), &c), PC_ERR_CONFIG);
  assert_string_equal(
      err, "cfg.yaml:3:3: tags: bad name 'a.b' (names are not empty and have no '.' and no control characters)\n"
           "cfg.yaml:4:3: tags: bad name 'x\\x0ay' (names are not empty and have no '.' and no control characters)\n"
           "cfg.yaml:5:3: tags: bad name '' (names are not empty and have no '.' and no control characters)\n"
           "cfg.yaml:6:3: tags: bad name '~' (names are not empty and have no '.' and no control characters)\n");
}

static void test_small_err_buffer(void **state) {
  (void)state;
  char small[100];
  pc_config *c = NULL;
  const char *y = "a: 1\nb: 2\nc: 3\nd: 4\n";
  int rc = pc_config_parse("cfg.yaml", y, strlen(y), schema, &c, small, sizeof small);
  assert_int_equal(rc, PC_ERR_CONFIG);
  assert_null(c);
  /* no problem line fits in 100 bytes: only the count, never half a line */
  assert_string_equal(small, "cfg.yaml: 7 more problems not shown\n");
  char mid[400];
  rc = pc_config_parse("cfg.yaml", y, strlen(y), schema, &c, mid, sizeof mid);
  assert_int_equal(rc, PC_ERR_CONFIG);
  size_t n = strlen(mid);
  assert_true(n > 0 && n < sizeof mid);
  assert_int_equal(mid[n - 1], '\n');
  HAS(mid, "cfg.yaml:1:1: missing required key 'persons'\n");
  HAS(mid, "more problems not shown\n");
  char tiny[10];
  rc = pc_config_parse("cfg.yaml", y, strlen(y), schema, &c, tiny, sizeof tiny);
  assert_int_equal(rc, PC_ERR_CONFIG);
  assert_string_equal(tiny, "");
  rc = pc_config_parse("cfg.yaml", y, strlen(y), schema, &c, NULL, 0);
  assert_int_equal(rc, PC_ERR_CONFIG);
  char big[2048];
  rc = pc_config_parse("cfg.yaml", y, strlen(y), schema, &c, big, sizeof big);
  HAS(big, "cfg.yaml:4:1: unknown key 'd'");
  HASNT(big, "not shown");
}

static void test_load(void **state) {
  (void)state;
  pc_config *c = (pc_config *)&c;
  int rc = pc_config_load("/nonexistent/dir/x.yaml", schema, &c, err, sizeof err);
  assert_int_equal(rc, PC_ERR_CONFIG);
  assert_null(c);
  assert_string_equal(err, "/nonexistent/dir/x.yaml: cannot read: No such file or directory\n");
  rc = pc_config_load("/tmp", schema, &c, err, sizeof err);
  assert_int_equal(rc, PC_ERR_CONFIG);
  HAS(err, "/tmp: cannot read: ");

  char path[] = "/tmp/test_config_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fputs(MIN_YAML "seed: 9\nbogus: 1\n", f);
  fclose(f);
  rc = pc_config_load(path, schema, &c, err, sizeof err);
  assert_int_equal(rc, PC_ERR_CONFIG);
  char want[128];
  snprintf(want, sizeof want, "%s:5:1: unknown key 'bogus'", path);
  HAS(err, want);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(MIN_YAML "seed: 9\n", f);
  fclose(f);
  rc = pc_config_load(path, schema, &c, err, sizeof err);
  assert_int_equal(rc, 0);
  assert_int_equal(pc_config_int(c, "seed"), 9);
  assert_string_equal(pc_config_file(c), path);
  pc_config_destroy(&c);
  unlink(path);
}

/* ---------- paths relative to the config file ---------- */

static const pc_key path_item = {.name = "", .type = PC_T_PATH, .role = PC_P_IN};
static const pc_key nest_keys[] = {{.name = "p", .type = PC_T_PATH, .role = PC_P_IN, .help = ""},
                                   {0}};
static const pc_key path_schema[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .help = ""},
    {.name = "out", .type = PC_T_PATH, .role = PC_P_OUT, .def = "o.h5", .help = ""},
    {.name = "files", .type = PC_T_STRS, .role = PC_P_IN, .help = ""},
    {.name = "codes", .type = PC_T_STRS, .help = ""},
    {.name = "more", .type = PC_T_LIST, .sub = &path_item, .help = ""},
    {.name = "nest", .type = PC_T_MAP, .sub = nest_keys, .help = ""},
    {0}};

static void count_paths(const pc_config *c, const char *path, const pc_key *k, const char *v,
                        void *arg) {
  (void)c, (void)k;
  char *seen = arg;
  strcat(seen, path);
  strcat(seen, "=");
  strcat(seen, v);
  strcat(seen, ";");
}

static int problems_in_two_files(const pc_config *c, pc_config_problems *p) {
  pc_config_problem_in(p, "cases.csv", 3, "bad row");
  pc_config_problem(p, c, "data", "missing");
  return 0;
}

static void test_paths_relative(void **state) {
  (void)state;
  char dir[] = "/tmp/test_config_dir_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256], want[512], seen[4096] = "";
  snprintf(path, sizeof path, "%s/cfg.yaml", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("data: d.h5\nfiles: [a.csv, /abs/b.csv]\ncodes: [\"42\"]\nmore: [../m.h5]\nnest: {p: ./n.csv}\n", f);
  fclose(f);
  pc_config *c;
  assert_int_equal(pc_config_load(path, path_schema, &c, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s/d.h5", dir);
  assert_string_equal(pc_config_str(c, "data"), want);
  snprintf(want, sizeof want, "%s/a.csv", dir);
  assert_string_equal(pc_config_str_at(c, "files", 0), want);
  assert_string_equal(pc_config_str_at(c, "files", 1), "/abs/b.csv");
  assert_string_equal(pc_config_str_at(c, "codes", 0), "42"); /* no role: not a path */
  assert_string_equal(pc_config_str_at(c, "more", 0), "/tmp/m.h5");
  snprintf(want, sizeof want, "%s/n.csv", dir);
  assert_string_equal(pc_config_str(c, "nest.p"), want);
  assert_string_equal(pc_config_str(c, "out"), "o.h5"); /* a default: the program's */
  pc_config_paths(c, count_paths, seen);
  snprintf(want, sizeof want, "data=%s/d.h5;out=o.h5;files.0=%s/a.csv;files.1=/abs/b.csv;"
           "more.0=/tmp/m.h5;nest.p=%s/n.csv;", dir, dir, dir);
  assert_string_equal(seen, want);
  /* The effective config holds the resolved paths, and parses to the same. */
  char *eff = pc_config_effective(c);
  snprintf(want, sizeof want, "data: \"%s/d.h5\"", dir);
  HAS(eff, want);
  free(eff);
  /* Problems of another file come after the config's, as FILE:LINE. */
  pc_config_check_fn *const checks[] = {problems_in_two_files, NULL};
  assert_int_equal(pc_config_check(c, checks, err, sizeof err), PC_ERR_CONFIG);
  snprintf(want, sizeof want, "%s:1:7: data: missing\ncases.csv:3: bad row\n", path);
  assert_string_equal(err, want);
  pc_config_destroy(&c);
  /* A config named from its own directory: paths stay as written. */
  char cwd[4096];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(dir), 0);
  assert_int_equal(pc_config_load("cfg.yaml", path_schema, &c, err, sizeof err), 0);
  assert_string_equal(pc_config_str(c, "data"), "d.h5");
  assert_string_equal(pc_config_str_at(c, "more", 0), "../m.h5");
  pc_config_destroy(&c);
  assert_int_equal(chdir(cwd), 0);
  unlink(path);
  rmdir(dir);
}

/* ---------- effective config ---------- */

/* Every accessor of a and b agrees, over the whole schema. */
static void same_values(const pc_config *a, const pc_config *b) {
  static const char *const ints[] = {"seed", "persons", "days", "outbreak.cases"};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(pc_config_has(a, ints[i]), pc_config_has(b, ints[i]));
    assert_int_equal(pc_config_int(a, ints[i]), pc_config_int(b, ints[i]));
  }
  assert_int_equal(pc_config_time(a, "as_of"), pc_config_time(b, "as_of"));
  assert_int_equal(pc_config_duration(a, "lookback"), pc_config_duration(b, "lookback"));
  assert_true(pc_config_float(a, "ratio") == pc_config_float(b, "ratio"));
  assert_int_equal(pc_config_bool(a, "verbose"), pc_config_bool(b, "verbose"));
  assert_string_equal(pc_config_str(a, "output"), pc_config_str(b, "output"));
  assert_string_equal(pc_config_str(a, "note"), pc_config_str(b, "note"));
  size_t n = pc_config_len(a, "channels");
  assert_int_equal(n, pc_config_len(b, "channels"));
  for (size_t i = 0; i < n; i++) {
    const char *k = pc_config_key(a, "channels", i);
    assert_string_equal(k, pc_config_key(b, "channels", i));
    char p[128];
    snprintf(p, sizeof p, "channels.%s.role", k);
    assert_string_equal(pc_config_str(a, p), pc_config_str(b, p));
    snprintf(p, sizeof p, "channels.%s.min_overlap", k);
    assert_int_equal(pc_config_duration(a, p), pc_config_duration(b, p));
    snprintf(p, sizeof p, "channels.%s.rows", k);
    assert_int_equal(pc_config_int(a, p), pc_config_int(b, p));
  }
  n = pc_config_len(a, "areas");
  assert_int_equal(n, pc_config_len(b, "areas"));
  for (size_t i = 0; i < n; i++) {
    char p[128];
    snprintf(p, sizeof p, "areas.%zu.name", i);
    assert_string_equal(pc_config_str(a, p), pc_config_str(b, p));
    static const char *const tk[] = {"from", "to"};
    for (int j = 0; j < 2; j++) {
      snprintf(p, sizeof p, "areas.%zu.%s", i, tk[j]);
      assert_int_equal(pc_config_has(a, p), pc_config_has(b, p));
      assert_int_equal(pc_config_time(a, p), pc_config_time(b, p));
    }
    snprintf(p, sizeof p, "areas.%zu.min_dwell", i);
    assert_int_equal(pc_config_duration(a, p), pc_config_duration(b, p));
    snprintf(p, sizeof p, "areas.%zu.regions", i);
    size_t m = pc_config_len(a, p);
    assert_int_equal(m, pc_config_len(b, p));
    for (size_t j = 0; j < m; j++)
      assert_string_equal(pc_config_str_at(a, p, j), pc_config_str_at(b, p, j));
  }
  n = pc_config_len(a, "age_edges");
  assert_int_equal(n, pc_config_len(b, "age_edges"));
  for (size_t i = 0; i < n; i++)
    assert_int_equal(pc_config_int_at(a, "age_edges", i), pc_config_int_at(b, "age_edges", i));
  n = pc_config_len(a, "stays");
  assert_int_equal(n, pc_config_len(b, "stays"));
  for (size_t i = 0; i < n; i++)
    assert_string_equal(pc_config_str_at(a, "stays", i), pc_config_str_at(b, "stays", i));
}

static void round_trip(const char *yaml) {
  pc_config *a = ok(yaml);
  char *eff = pc_config_effective(a);
  assert_non_null(eff);
  pc_config *b = NULL;
  int rc = pc_config_parse("effective", eff, strlen(eff), schema, &b, err, sizeof err);
  if (rc) fail_msg("effective config did not parse again:\n%s\n--- text:\n%s", err, eff);
  same_values(a, b);
  /* and it is a fixed point */
  char *eff2 = pc_config_effective(b);
  assert_non_null(eff2);
  assert_string_equal(strchr(eff, '\n'), strchr(eff2, '\n'));
  free(eff);
  free(eff2);
  pc_config_destroy(&a);
  pc_config_destroy(&b);
}

static void test_effective(void **state) {
  (void)state;
  pc_config *c = ok(FULL);
  char *eff = pc_config_effective(c);
  assert_non_null(eff);
  /* schema order, normalised durations and times, defaults filled in */
  HAS(eff, "# effective config of cfg.yaml\nseed: 42\npersons: 1000\nas_of: 2021-03-01T08:00\n"
           "days: 7\nlookback: 90m\nratio: 0.25\nverbose: true\noutput: \"out dir/x.h5\"\n");
  HAS(eff, "outbreak:\n  cases: 5\n");
  HAS(eff, "channels:\n  \"rail\":\n    role: \"companion\"\n    min_overlap: 15m\n    rows: 9\n"
           "  \"cafe\":\n");
  HAS(eff, "areas:\n  - name: \"old town\"\n    regions: [\"110101\", \"110102\"]\n"
           "    from: 2021-02-20T00:00\n    to: 2021-02-28T23:59:30\n    min_dwell: 2h\n"
           "  - name: \"harbour\"\n    regions: \"110105\"\n    min_dwell: 30m\n");
  HAS(eff, "age_edges: [0, 18, 65]\n");
  HAS(eff, "stays: [\"a.csv\", \"b.csv\"]\n");
  free(eff);
  pc_config_destroy(&c);

  /* absent keys without default are left out; defaults are written */
  c = ok(MIN_YAML);
  eff = pc_config_effective(c);
  HASNT(eff, "areas");
  HASNT(eff, "stays");
  HAS(eff, "note: \"\"\n");
  HAS(eff, "outbreak:\n  cases: 100\n");
  HAS(eff, "channels:\n  \"household\":\n    role: \"close\"\n    min_overlap: 15m\n    rows: 3\n"
           "  \"cafe\":\n    role: \"close\"\n    min_overlap: 30m\n");
  HAS(eff, "age_edges: [0, 3, 12, 18, 60, 80]\n");
  free(eff);
  pc_config_destroy(&c);

  round_trip(FULL);
  round_trip(MIN_YAML);
  round_trip(MIN_YAML "channels: {}\nareas: []\nstays: []\nnote:\noutbreak:\n");
  round_trip(MIN_YAML "areas:\n  - name: x\n  - {name: y, regions: []}\nchannels: {lbs: }\n");
  round_trip(MIN_YAML "ratio: 0.1\nseed: 4611686018427387904\nlookback: 0\n");
  /* hostile strings: quotes, backslashes, controls, YAML line breaks, BOM, non-ASCII */
  round_trip(MIN_YAML "note: \"a\\\"b\\\\c\\n\\td\\x01\\x7f\\x85\\u2028\\u2029\\ufeff\\uffff"
                      "\\u00e9\\u4e2d#: - [x] {y} &z *w !t %\"\n"
                      "stays: \"'single' and \\\"double\\\"\"\n"
                      "areas:\n  - name: \"- dash\\r\"\n    regions: [\"\", \" \", \"~\", \"null\"]\n");
  c = ok(MIN_YAML "note: \"\\x01\\n\\u2028\"\n");
  eff = pc_config_effective(c);
  HAS(eff, "note: \"\\x01\\x0a\\u2028\"\n");
  free(eff);
  pc_config_destroy(&c);

  /* a file name with a newline cannot break the comment line */
  char *e2;
  pc_config *d = NULL;
  assert_int_equal(pc_config_parse("a\nseed: 5", MIN_YAML, strlen(MIN_YAML), schema, &d, err,
                                   sizeof err),
                   0);
  e2 = pc_config_effective(d);
  HAS(e2, "# effective config of a?seed: 5\n");
  pc_config *d2 = NULL;
  assert_int_equal(pc_config_parse("x", e2, strlen(e2), schema, &d2, err, sizeof err), 0);
  assert_int_equal(pc_config_int(d2, "seed"), 1);
  free(e2);
  pc_config_destroy(&d);
  pc_config_destroy(&d2);
}

/* ---------- help ---------- */

static void test_help(void **state) {
  (void)state;
  FILE *f = tmpfile();
  assert_non_null(f);
  pc_config_help(f, schema, 0);
  long n = ftell(f);
  assert_true(n > 0);
  char *buf = calloc(1, (size_t)n + 1);
  assert_non_null(buf);
  rewind(f);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  HAS(buf, "seed: int ([0..4611686018427387904]; default 1) - random seed of the synthetic "
           "province\n");
  HAS(buf, "persons: int ([1..100000000]; required) - persons in the registry\n");
  HAS(buf, "as_of: time (required) - the instant the data ends\n");
  HAS(buf, "lookback: duration (default 2d) - how far back contacts are traced\n");
  HAS(buf, "ratio: float (default 0.5)");
  HAS(buf, "verbose: bool (default false)");
  HAS(buf, "output: path (required) - file to write\n");
  HAS(buf, "note: string (default \"\") - free text\n");
  HAS(buf, "outbreak: map - outbreak scenario\n  cases: int (default 100) - number of index cases\n");
  HAS(buf, "channels: dict (keys household, cafe, lodging, flight, rail, lbs, grid; default "
           "{household: {}, cafe: {min_overlap: 30m}}) - contact channels\n");
  HAS(buf, "  each value: map\n    role: string (one of close, companion; default close) - who "
           "counts as a contact\n    min_overlap: duration (default 15m)");
  HAS(buf, "areas: list - areas of interest\n  each item: map\n    name: string (required)");
  HAS(buf, "age_edges: list of int ([0..150]; default [0, 3, 12, 18, 60, 80]) - age bands\n");
  HAS(buf, "stays: string|list - stay files\n");
  free(buf);

  f = tmpfile();
  pc_config_help(f, outbreak_keys, 2);
  n = ftell(f);
  buf = calloc(1, (size_t)n + 1);
  rewind(f);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  assert_string_equal(buf, "    cases: int (default 100) - number of index cases\n");
  free(buf);
}

/* ---------- programming errors abort ---------- */

static int aborts(void (*fn)(const pc_config *), const pc_config *c) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stderr)) _exit(3);
    fn(c);
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void ab_unknown_path(const pc_config *c) { pc_config_int(c, "sead"); }
static void ab_type(const pc_config *c) { pc_config_str(c, "seed"); }
static void ab_below_scalar(const pc_config *c) { pc_config_int(c, "seed.x"); }
static void ab_index(const pc_config *c) { pc_config_int_at(c, "age_edges", 6); }
static void ab_len_scalar(const pc_config *c) { pc_config_len(c, "seed"); }
static void ab_not_number(const pc_config *c) { pc_config_has(c, "areas.first.name"); }
static void ab_in_item(const pc_config *c) { pc_config_has(c, "areas.0.nam"); }
static void ab_ok(const pc_config *c) { pc_config_int(c, "seed"); }

static const pc_key bad_default_schema[] = {
    {.name = "wait", .type = PC_T_DURATION, .def = "15 minutes", .help = ""}, {0}};
static void ab_bad_default(const pc_config *unused) {
  (void)unused;
  pc_config *c = NULL;
  char e[256];
  pc_config_parse("x", "", 0, bad_default_schema, &c, e, sizeof e);
}

static void test_programming_errors_abort(void **state) {
  (void)state;
  pc_config *c = ok(MIN_YAML);
  assert_false(aborts(ab_ok, c));
  assert_true(aborts(ab_unknown_path, c));
  assert_true(aborts(ab_type, c));
  assert_true(aborts(ab_below_scalar, c));
  assert_true(aborts(ab_index, c));
  assert_true(aborts(ab_len_scalar, c));
  assert_true(aborts(ab_not_number, c));
  assert_true(aborts(ab_in_item, c));
  assert_true(aborts(ab_bad_default, NULL));
  pc_config_destroy(&c);
}

/* ---------- checks of meaning ---------- */

static int check_positions(const pc_config *c, pc_config_problems *p) {
  pc_config_problem(p, c, "areas.1.regions", "region '%s' unknown", "110105");
  pc_config_problem(p, c, "areas.0.min_dwell", "too short"); /* absent: at its area */
  pc_config_problem(p, c, "outbreak.cases", "more cases than persons");
  pc_config_problem(p, c, "", "nothing to do");
  return 0;
}
static int check_seed(const pc_config *c, pc_config_problems *p) {
  if (pc_config_int(c, "seed") == 42) pc_config_problem(p, c, "seed", "not that one");
  return 0;
}
static int check_none(const pc_config *c, pc_config_problems *p) {
  (void)c, (void)p;
  return 0;
}
static int check_oom(const pc_config *c, pc_config_problems *p) {
  (void)c, (void)p;
  return PC_ERROR(PC_ERR_MEM, "no memory (test)");
}

static void test_meaning_checks(void **state) {
  (void)state;
  pc_config *c = ok(FULL);
  assert_int_equal(pc_config_col(c, "age_edges"), 12);
  assert_int_equal(pc_config_col(c, "areas.1.regions"), 14);
  assert_int_equal(pc_config_col(c, "channels.cafe.role"), 0); /* default */
  /* Every check runs; every problem is listed once, sorted by position,
   * in the parser's form. */
  pc_config_check_fn *const all[] = {check_positions, check_none, check_seed, NULL};
  assert_int_equal(pc_config_check(c, all, err, sizeof err), PC_ERR_CONFIG);
  assert_string_equal(err,
                      "cfg.yaml:2:1: nothing to do\n"
                      "cfg.yaml:2:7: seed: not that one\n"
                      "cfg.yaml:12:10: outbreak.cases: more cases than persons\n"
                      "cfg.yaml:20:5: areas.0.min_dwell: too short\n"
                      "cfg.yaml:25:14: areas.1.regions: region '110105' unknown\n");
  /* No problem: 0 and an empty list. */
  pc_config_check_fn *const none[] = {check_none, NULL};
  assert_int_equal(pc_config_check(c, none, err, sizeof err), 0);
  assert_string_equal(err, "");
  /* A check that fails (memory) stops the checks: not a config problem. */
  pc_config_check_fn *const oom[] = {check_seed, check_oom, check_positions, NULL};
  assert_int_equal(pc_config_check(c, oom, err, sizeof err), PC_ERR_MEM);
  HASNT(err, "seed: not that one");
  /* Without a list (code after the load), the problem is the process's error. */
  pc_err_clear();
  assert_int_equal(pc_config_problem(NULL, c, "areas.1.regions", "region %d", 7), PC_ERR_CONFIG);
  HAS(pc_err_message(), "cfg.yaml:25:14: areas.1.regions: region 7");
  pc_err_clear();
  pc_config_destroy(&c);
  /* A file with the key absent and no enclosing key: the document's start. */
  c = ok(MIN_YAML);
  pc_config_check_fn *const pos[] = {check_positions, NULL};
  assert_int_equal(pc_config_check(c, pos, err, sizeof err), PC_ERR_CONFIG);
  HAS(err, "cfg.yaml:1:1: outbreak.cases: more cases than persons\n");
  HAS(err, "cfg.yaml:1:1: areas.0.min_dwell: too short\n");
  pc_config_destroy(&c);
}

/* PC_T_SECTIONS: the schema's section taken over the top level (position
 * kept), the others ignored, the key gone; unknown names and non-mappings refused. */
static const char *const sec_names[] = {"a", "b", NULL};
static const pc_key sec_schema[] = {
    {.name = "out", .type = PC_T_STR, .required = 1},
    {.name = "n", .type = PC_T_INT, .def = "1"},
    {.name = "jobs", .type = PC_T_SECTIONS, .choices = sec_names, .section = "a"},
    {0}};

static void test_sections(void **state) {
  (void)state;
  const char *y = "out: top\nn: 2\njobs:\n  b: {zzz: 1, out: other}\n  a:\n    out: mine\n";
  pc_config *c = NULL;
  assert_int_equal(pc_config_parse("s.yaml", y, strlen(y), sec_schema, &c, err, sizeof err), 0);
  assert_string_equal(pc_config_str(c, "out"), "mine");
  assert_int_equal(pc_config_line(c, "out"), 6);
  assert_int_equal(pc_config_int(c, "n"), 2);
  assert_int_equal(pc_config_given(c, "jobs"), 0);
  char *eff = pc_config_effective(c);
  assert_non_null(eff);
  HASNT(eff, "jobs");
  HASNT(eff, "zzz");
  free(eff);
  pc_config_destroy(&c);
  /* In its own section a key is checked as at the top level. */
  y = "out: top\njobs:\n  a: {n: many, sed: 1}\n  c: {}\n  b: 3\n";
  assert_int_equal(pc_config_parse("s.yaml", y, strlen(y), sec_schema, &c, err, sizeof err),
                   PC_ERR_CONFIG);
  HAS(err, "s.yaml:3:10: n: ");
  HAS(err, "s.yaml:3:16: unknown key 'sed'");
  HAS(err, "s.yaml:4:3: jobs: unknown name 'c' (known: a, b)");
  HAS(err, "s.yaml:5:6: jobs.b: a mapping of 'key: value' lines");
  y = "out: top\njobs: [a]\n";
  assert_int_equal(pc_config_parse("s.yaml", y, strlen(y), sec_schema, &c, err, sizeof err),
                   PC_ERR_CONFIG);
  HAS(err, "s.yaml:2:7: jobs: a mapping of names to mappings");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_full),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_nulls_and_scalars),
      cmocka_unit_test(test_tags_ignored_anchors_allowed),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_unknown_key_positions),
      cmocka_unit_test(test_type_errors),
      cmocka_unit_test(test_range_and_choices),
      cmocka_unit_test(test_durations_and_times),
      cmocka_unit_test(test_duplicates_and_missing),
      cmocka_unit_test(test_many_problems_at_once),
      cmocka_unit_test(test_yaml_syntax),
      cmocka_unit_test(test_alias_rejected),
      cmocka_unit_test(test_hostile_input),
      cmocka_unit_test(test_required_below_absent_map),
      cmocka_unit_test(test_small_err_buffer),
      cmocka_unit_test(test_load),
      cmocka_unit_test(test_paths_relative),
      cmocka_unit_test(test_effective),
      cmocka_unit_test(test_help),
      cmocka_unit_test(test_programming_errors_abort),
      cmocka_unit_test(test_meaning_checks),
      cmocka_unit_test(test_sections),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
