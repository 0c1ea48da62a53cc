/* fuzz_yaml.c - libFuzzer target: bytes as a YAML config through pc_config_parse, the one path pc_config_load takes. */
/*
 * The input is the whole config text. The schema below is a job's as the
 * jobs write them (an ingest's input map, a screen's list of areas, a trace's
 * channels), with every key type: str with choices, path, int with and
 * without range, float, bool, duration, time, map (with a default, with
 * required children), list of scalars and of maps, dict with and without
 * choices, strs. Checked, as pc_job.c uses the loader:
 *   - the result is 0 or PC_ERR_CONFIG (PC_ERR_MEM only when memory ran out);
 *   - a failure comes with its problems, whole "fuzz.yaml:..." lines, also
 *     when the message buffer is tiny (sized exactly: ASan watches its end);
 *   - a success can be read at every key of the schema by the accessors
 *     without an abort, and its effective config parses again (rank 0 sends
 *     it to the others) to the same values and the same effective text. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_config.h"
#include "pc_err.h"

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "fuzz_yaml: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                        \
    }                                                                                 \
  } while (0)

#define FNAME "fuzz.yaml"
#define MAX_ITEMS 64 /* items of a list or dict read back per input */

/* ---- the schema ---- */

static const char *const roles[] = {"close", "companion", "off", NULL};
static const char *const and_or[] = {"and", "or", NULL};
static const char *const levels[] = {"province", "city", "county", "township", "community", NULL};
static const char *const channels[] = {"household", "cafe", "lodging", "flight",
                                       "rail",      "lbs",  "grid",    NULL};
static const char *const modes[] = {"0600", "0640", NULL};

static const pc_key channel_keys[] = {
    {"role", PC_T_STR, 0, "close", "close or companion", NULL, roles, 0, 0},
    {"min_overlap", PC_T_DURATION, 0, "15m", "shortest overlap", NULL, NULL, 0, 366 * 86400LL},
    {"rows", PC_T_INT, 0, "3", "seat rows either side", NULL, NULL, 0, 1000},
    {"cumulative", PC_T_DURATION, 0, "30h", "total time in the grid", NULL, NULL, 0, 0},
    {"rule", PC_T_STR, 0, "and", "and/or", NULL, and_or, 0, 0},
    {0}};
static const pc_key channel_item = {"", PC_T_MAP, 0, NULL, "", channel_keys, NULL, 0, 0};

static const pc_key str_item = {"", PC_T_STR, 0, NULL, "", NULL, NULL, 0, 0};
static const pc_key path_item = {"", PC_T_PATH, 0, NULL, "", NULL, NULL, 0, 0};
static const pc_key hop_item = {"", PC_T_INT, 0, NULL, "", NULL, NULL, 0, 64};
static const pc_key float_item = {"", PC_T_FLOAT, 0, NULL, "", NULL, NULL, 0, 0};
static const pc_key time_item = {"", PC_T_TIME, 0, NULL, "", NULL, NULL, 0, 0};

static const pc_key window_keys[] = {
    {"shift", PC_T_DURATION, 0, "0s", "moves the period", NULL, NULL, 0, 0},
    {"days", PC_T_INT, 0, NULL, "days of the period", NULL, NULL, 0, 0},
    {0}};
static const pc_key area_keys[] = {
    {"window", PC_T_MAP, 0, NULL, "a map first: shares the item's '- ' line", window_keys, NULL, 0, 0},
    {"name", PC_T_STR, 1, NULL, "the area's name", NULL, NULL, 0, 0},
    {"regions", PC_T_LIST, 0, NULL, "region code prefixes", &str_item, NULL, 0, 0},
    {"places", PC_T_STRS, 0, NULL, "places", NULL, NULL, 0, 0},
    {"from", PC_T_TIME, 1, NULL, "start of the period", NULL, NULL, 0, 0},
    {"to", PC_T_TIME, 0, NULL, "end of the period", NULL, NULL, 0, 0},
    {"hours", PC_T_STR, 0, NULL, "daily window HH:MM-HH:MM", NULL, NULL, 0, 0},
    {"min_dwell", PC_T_DURATION, 0, "2h", "least time in the area", NULL, NULL, 0, 366 * 86400LL},
    {"active", PC_T_BOOL, 0, "true", "screened at all", NULL, NULL, 0, 0},
    {0}};
static const pc_key strlist_item = {"", PC_T_LIST, 0, NULL, "", &str_item, NULL, 0, 0};
static const pc_key intlist_item = {"", PC_T_LIST, 0, "[1]", "", &hop_item, NULL, 0, 0};
static const pc_key area_item = {"", PC_T_MAP, 0, NULL, "", area_keys, NULL, 0, 0};

static const pc_key input_keys[] = {
    {"regions", PC_T_PATH, 1, NULL, "regions.csv", NULL, NULL, 0, 0},
    {"persons", PC_T_PATH, 1, NULL, "persons.csv", NULL, NULL, 0, 0},
    {"stays", PC_T_STRS, 0, NULL, "stays.csv, one or a list", NULL, NULL, 0, 0},
    {0}};
static const pc_key code_keys[] = {
    {"red", PC_T_LIST, 0, "[hop0, hop1]", "red classes", &str_item, NULL, 0, 0},
    {"yellow", PC_T_LIST, 0, "[hop2, companion]", "yellow classes", &str_item, NULL, 0, 0},
    {0}};
static const pc_key dispatch_keys[] = {
    {"level", PC_T_STR, 0, "city", "jurisdiction level", NULL, levels, 0, 0},
    {"at", PC_T_TIME, 0, NULL, "the instant whose location decides", NULL, NULL, 0, 0},
    {0}};
static const pc_key io_keys[] = {
    {"chunk_rows", PC_T_INT, 0, "65536", "rows per chunk", NULL, NULL, 1, 1 << 24},
    {"deflate", PC_T_INT, 0, "1", "deflate level", NULL, NULL, 0, 9},
    {0}};
static const pc_key outbreak_keys[] = {
    {"cases", PC_T_INT, 0, "100", "index cases", NULL, NULL, 0, 0},
    {"start", PC_T_TIME, 0, "2021-07-29T00:00", "first onset", NULL, NULL, 0, 0},
    {0}};

static const pc_key schema[] = {
    {"data", PC_T_PATH, 1, NULL, "dataset file", NULL, NULL, 0, 0},
    {"output", PC_T_PATH, 0, "", "file to write", NULL, NULL, 0, 0},
    {"input", PC_T_MAP, 0, NULL, "the CSV files (required children: must be there)", input_keys,
     NULL, 0, 0},
    {"as_of", PC_T_TIME, 0, NULL, "the instant the data ends", NULL, NULL, 0, 0},
    {"days", PC_T_INT, 0, "14", "days of data", NULL, NULL, 1, 3650},
    {"seed", PC_T_INT, 0, "1", "any 64-bit seed", NULL, NULL, 0, 0},
    {"lookback", PC_T_DURATION, 0, "2d", "window before onset", NULL, NULL, 0, 366 * 86400LL},
    {"max_reject_ratio", PC_T_FLOAT, 0, "0.01", "share of rows", NULL, NULL, 0, 0},
    {"quiet", PC_T_BOOL, 0, "false", "no progress lines", NULL, NULL, 0, 0},
    {"output_mode", PC_T_STR, 0, "0600", "permissions", NULL, modes, 0, 0},
    {"areas", PC_T_LIST, 0, NULL, "the risk areas", &area_item, NULL, 0, 0},
    {"companions_of", PC_T_LIST, 0, "[0]", "hops whose companions are flagged", &hop_item, NULL, 0, 0},
    {"weights", PC_T_LIST, 0, "[0.5, 1.5]", "floats", &float_item, NULL, 0, 0},
    {"instants", PC_T_LIST, 0, NULL, "times", &time_item, NULL, 0, 0},
    {"files", PC_T_LIST, 0, NULL, "paths", &path_item, NULL, 0, 0},
    {"codes", PC_T_MAP, 0, NULL, "codes per class", code_keys, NULL, 0, 0},
    {"channels", PC_T_DICT, 0, NULL, "role and rule of each channel", &channel_item, channels, 0, 0},
    {"labels", PC_T_DICT, 0, "{a: x, b: y}", "free names", &str_item, NULL, 0, 0},
    {"limits", PC_T_DICT, 0, NULL, "free names to ints", &hop_item, NULL, 0, 0},
    {"groups", PC_T_DICT, 0, NULL, "free names to lists of strings", &strlist_item, NULL, 0, 0},
    {"matrix", PC_T_LIST, 0, NULL, "lists of ints", &intlist_item, NULL, 0, 0},
    {"dispatch", PC_T_MAP, 0, NULL, "who receives each person", dispatch_keys, NULL, 0, 0},
    {"outbreak", PC_T_MAP, 0, "{cases: 10}", "index cases (a map with a default)", outbreak_keys,
     NULL, 0, 0},
    {"io", PC_T_MAP, 0, NULL, "HDF5 layout", io_keys, NULL, 0, 0},
    {"flagged", PC_T_STRS, 0, NULL, "one file or several", NULL, NULL, 0, 0},
    {0}};

/* ---- every value through the accessors, as text ---- */

typedef struct sbuf {
  char *s;
  size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  CHECK(w >= 0);
  if (b->n + (size_t)w + 1 > b->cap) {
    b->cap = 2 * (b->n + (size_t)w + 1);
    b->s = realloc(b->s, b->cap);
    CHECK(b->s);
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
  va_end(ap);
  b->n += (size_t)w;
}

static void walk(const pc_config *c, const pc_key *k, const char *path, sbuf *b, int depth);

static void walk_keys(const pc_config *c, const pc_key *keys, const char *path, sbuf *b, int depth) {
  for (const pc_key *k = keys; k->name; k++) {
    size_t n = strlen(path) + strlen(k->name) + 2;
    char *sub = malloc(n);
    CHECK(sub);
    snprintf(sub, n, "%s%s%s", path, *path ? "." : "", k->name);
    walk(c, k, sub, b, depth + 1);
    free(sub);
  }
}

static void walk(const pc_config *c, const pc_key *k, const char *path, sbuf *b, int depth) {
  CHECK(depth < 16);
  int has = pc_config_has(c, path), given = pc_config_given(c, path);
  int line = pc_config_line(c, path);
  CHECK(!given || has);
  CHECK(given ? line >= 1 : line == 0);
  size_t n = strlen(path) + 48;
  char *sub = malloc(n);
  CHECK(sub);
  switch (k->type) {
  case PC_T_STR:
  case PC_T_PATH: {
    const char *s = pc_config_str(c, path);
    CHECK(!s == !has);
    put(b, "%s=%s\n", path, s ? s : "(absent)");
    break;
  }
  case PC_T_INT: {
    int64_t v = pc_config_int(c, path);
    CHECK(!has || k->min >= k->max || (v >= k->min && v <= k->max));
    put(b, "%s=%lld %a\n", path, (long long)v, pc_config_float(c, path));
    break;
  }
  case PC_T_FLOAT: put(b, "%s=%a\n", path, pc_config_float(c, path)); break;
  case PC_T_BOOL: put(b, "%s=%d\n", path, pc_config_bool(c, path)); break;
  case PC_T_DURATION: {
    int64_t v = pc_config_duration(c, path);
    CHECK(v >= 0 && (!has || k->min >= k->max || (v >= k->min && v <= k->max)));
    put(b, "%s=%llds\n", path, (long long)v);
    break;
  }
  case PC_T_TIME: put(b, "%s=@%lld\n", path, (long long)pc_config_time(c, path)); break;
  case PC_T_MAP: walk_keys(c, k->sub, path, b, depth); break;
  case PC_T_STRS: {
    size_t len = pc_config_len(c, path);
    put(b, "%s: %zu\n", path, len);
    for (size_t i = 0; i < len && i < MAX_ITEMS; i++) {
      const char *s = pc_config_str_at(c, path, i);
      snprintf(sub, n, "%s.%zu", path, i);
      CHECK(!strcmp(s, pc_config_str(c, sub)));
      put(b, "%s=%s\n", sub, s);
    }
    break;
  }
  case PC_T_LIST: {
    size_t len = pc_config_len(c, path);
    put(b, "%s: %zu\n", path, len);
    for (size_t i = 0; i < len && i < MAX_ITEMS; i++) {
      snprintf(sub, n, "%s.%zu", path, i);
      if (k->sub->type == PC_T_STR || k->sub->type == PC_T_PATH)
        CHECK(!strcmp(pc_config_str_at(c, path, i), pc_config_str(c, sub)));
      if (k->sub->type == PC_T_INT) CHECK(pc_config_int_at(c, path, i) == pc_config_int(c, sub));
      walk(c, k->sub, sub, b, depth + 1);
    }
    snprintf(sub, n, "%s.%zu", path, len);
    CHECK(!pc_config_has(c, sub)); /* past the end: nothing */
    break;
  }
  case PC_T_DICT: {
    size_t len = pc_config_len(c, path);
    put(b, "%s: %zu\n", path, len);
    for (size_t i = 0; i < len && i < MAX_ITEMS; i++) {
      const char *name = pc_config_key(c, path, i);
      CHECK(name && *name && !strchr(name, '.'));
      size_t m = strlen(path) + strlen(name) + 2;
      char *dsub = malloc(m);
      CHECK(dsub);
      snprintf(dsub, m, "%s.%s", path, name);
      CHECK(pc_config_has(c, dsub));
      walk(c, k->sub, dsub, b, depth + 1);
      free(dsub);
    }
    break;
  }
  }
  free(sub);
}

static char *values(const pc_config *c) {
  sbuf b = {0};
  put(&b, "%s\n", pc_config_file(c));
  walk_keys(c, schema, "", &b, 0);
  return b.s;
}

/* ---- problems ---- */

/* Whole lines, each "fuzz.yaml:" something, the text inside errlen. */
static void check_problems(const char *err, size_t errlen, int must_have) {
  size_t n = strnlen(err, errlen);
  CHECK(n < errlen);
  CHECK(!must_have || n > 0);
  CHECK(n == 0 || err[n - 1] == '\n');
  for (const char *p = err; p < err + n;) {
    const char *nl = memchr(p, '\n', (size_t)(err + n - p));
    CHECK(nl);
    CHECK((size_t)(nl - p) > strlen(FNAME ":") && !memcmp(p, FNAME ":", strlen(FNAME ":")));
    p = nl + 1;
  }
}

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!devnull) {
    devnull = fopen("/dev/null", "w");
    CHECK(devnull);
    pc_config_help(devnull, schema, 0);
  }
  pc_err_clear();
  const char *text = (const char *)data;
  enum { ERRCAP = 16384 }; /* pc_job.c's */
  char *err = malloc(ERRCAP);
  CHECK(err);
  pc_config *c = NULL;
  int rc = pc_config_parse(FNAME, text, size, schema, &c, err, ERRCAP);
  CHECK(rc == 0 || rc == PC_ERR_CONFIG || rc == PC_ERR_MEM);
  CHECK(!rc == !!c);
  if (rc) {
    check_problems(err, ERRCAP, 1);
    /* a tiny buffer: whole lines still */
    size_t small = 1 + size % 160;
    char *e2 = malloc(small);
    CHECK(e2);
    pc_config *c2 = NULL;
    CHECK(pc_config_parse(FNAME, text, size, schema, &c2, e2, small) == rc && !c2);
    check_problems(e2, small, 0);
    CHECK(!strncmp(e2, err, strlen(e2)) || strstr(e2, "more problem")); /* a prefix, or says so */
    free(e2);
    CHECK(pc_config_parse(FNAME, text, size, schema, &c2, NULL, 0) == rc && !c2);
    free(err);
    return 0;
  }
  check_problems(err, ERRCAP, 0);
  CHECK(err[0] == 0);
  char *v1 = values(c);
  char *eff = pc_config_effective(c);
  CHECK(eff);
  pc_config *c2 = NULL;
  int rc2 = pc_config_parse(FNAME, eff, strlen(eff), schema, &c2, err, ERRCAP);
  if (rc2) fprintf(stderr, "effective config:\n%s\ndid not parse again:\n%s", eff, err);
  CHECK(rc2 == 0);
  char *v2 = values(c2);
  if (strcmp(v1, v2)) fprintf(stderr, "values before:\n%s\nafter the effective config:\n%s", v1, v2);
  CHECK(!strcmp(v1, v2));
  char *eff2 = pc_config_effective(c2);
  CHECK(eff2);
  if (strcmp(eff, eff2)) fprintf(stderr, "effective:\n%s\nagain:\n%s", eff, eff2);
  CHECK(!strcmp(eff, eff2));
  free(v1);
  free(v2);
  free(eff);
  free(eff2);
  pc_config_destroy(&c);
  pc_config_destroy(&c2);
  CHECK(!c && !c2);
  free(err);
  return 0;
}
