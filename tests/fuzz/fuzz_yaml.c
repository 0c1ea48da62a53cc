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
    {.name = "role", .type = PC_T_STR, .def = "close", .help = "close or companion",
     .choices = roles},
    {.name = "min_overlap", .type = PC_T_DURATION, .def = "15m", .help = "shortest overlap",
     .max = 366 * 86400LL},
    {.name = "rows", .type = PC_T_INT, .def = "3", .help = "seat rows either side", .max = 1000},
    {.name = "cumulative", .type = PC_T_DURATION, .def = "30h", .help = "total time in the grid"},
    {.name = "rule", .type = PC_T_STR, .def = "and", .help = "and/or", .choices = and_or},
    {0}};
static const pc_key channel_item = {.name = "", .type = PC_T_MAP, .sub = channel_keys};

static const pc_key str_item = {.name = "", .type = PC_T_STR};
static const pc_key path_item = {.name = "", .type = PC_T_PATH};
static const pc_key hop_item = {.name = "", .type = PC_T_INT, .max = 64};
static const pc_key float_item = {.name = "", .type = PC_T_FLOAT};
static const pc_key time_item = {.name = "", .type = PC_T_TIME};

static const pc_key window_keys[] = {
    {.name = "shift", .type = PC_T_DURATION, .def = "0s", .help = "moves the period"},
    {.name = "days", .type = PC_T_INT, .help = "days of the period"},
    {0}};
static const pc_key area_keys[] = {
    {.name = "window", .type = PC_T_MAP, .help = "a map first: shares the item's '- ' line",
     .sub = window_keys},
    {.name = "name", .type = PC_T_STR, .required = 1, .help = "the area's name"},
    {.name = "regions", .type = PC_T_LIST, .help = "region code prefixes", .sub = &str_item},
    {.name = "places", .type = PC_T_STRS, .help = "places"},
    {.name = "from", .type = PC_T_TIME, .required = 1, .help = "start of the period"},
    {.name = "to", .type = PC_T_TIME, .help = "end of the period"},
    {.name = "hours", .type = PC_T_STR, .help = "daily window HH:MM-HH:MM"},
    {.name = "min_dwell", .type = PC_T_DURATION, .def = "2h", .help = "least time in the area",
     .max = 366 * 86400LL},
    {.name = "active", .type = PC_T_BOOL, .def = "true", .help = "screened at all"},
    {0}};
static const pc_key strlist_item = {.name = "", .type = PC_T_LIST, .sub = &str_item};
static const pc_key intlist_item = {.name = "", .type = PC_T_LIST, .def = "[1]", .sub = &hop_item};
static const pc_key area_item = {.name = "", .type = PC_T_MAP, .sub = area_keys};

static const pc_key input_keys[] = {
    {.name = "regions", .type = PC_T_PATH, .required = 1, .help = "regions.csv"},
    {.name = "persons", .type = PC_T_PATH, .required = 1, .help = "persons.csv"},
    {.name = "stays", .type = PC_T_STRS, .help = "stays.csv, one or a list"},
    {0}};
static const pc_key code_keys[] = {
    {.name = "red", .type = PC_T_LIST, .def = "[hop0, hop1]", .help = "red classes",
     .sub = &str_item},
    {.name = "yellow", .type = PC_T_LIST, .def = "[hop2, companion]", .help = "yellow classes",
     .sub = &str_item},
    {0}};
static const pc_key dispatch_keys[] = {
    {.name = "level", .type = PC_T_STR, .def = "city", .help = "jurisdiction level",
     .choices = levels},
    {.name = "at", .type = PC_T_TIME, .help = "the instant whose location decides"},
    {0}};
static const pc_key io_keys[] = {
    {.name = "chunk_rows", .type = PC_T_INT, .def = "65536", .help = "rows per chunk", .min = 1,
     .max = 1 << 24},
    {.name = "deflate", .type = PC_T_INT, .def = "1", .help = "deflate level", .max = 9},
    {0}};
static const pc_key outbreak_keys[] = {
    {.name = "cases", .type = PC_T_INT, .def = "100", .help = "index cases"},
    {.name = "start", .type = PC_T_TIME, .def = "2021-07-29T00:00", .help = "first onset"},
    {0}};

static const pc_key schema[] = {
    {.name = "data", .type = PC_T_PATH, .required = 1, .help = "dataset file"},
    {.name = "output", .type = PC_T_PATH, .def = "", .help = "file to write"},
    {.name = "input", .type = PC_T_MAP, .help = "the CSV files (required children: must be there)",
     .sub = input_keys},
    {.name = "as_of", .type = PC_T_TIME, .help = "the instant the data ends"},
    {.name = "days", .type = PC_T_INT, .def = "14", .help = "days of data", .min = 1, .max = 3650},
    {.name = "seed", .type = PC_T_INT, .def = "1", .help = "any 64-bit seed"},
    {.name = "lookback", .type = PC_T_DURATION, .def = "2d", .help = "window before onset",
     .max = 366 * 86400LL},
    {.name = "max_reject_ratio", .type = PC_T_FLOAT, .def = "0.01", .help = "share of rows"},
    {.name = "quiet", .type = PC_T_BOOL, .def = "false", .help = "no progress lines"},
    {.name = "output_mode", .type = PC_T_STR, .def = "0600", .help = "permissions",
     .choices = modes},
    {.name = "areas", .type = PC_T_LIST, .help = "the risk areas", .sub = &area_item},
    {.name = "companions_of", .type = PC_T_LIST, .def = "[0]",
     .help = "hops whose companions are flagged", .sub = &hop_item},
    {.name = "weights", .type = PC_T_LIST, .def = "[0.5, 1.5]", .help = "floats",
     .sub = &float_item},
    {.name = "instants", .type = PC_T_LIST, .help = "times", .sub = &time_item},
    {.name = "files", .type = PC_T_LIST, .help = "paths", .sub = &path_item},
    {.name = "codes", .type = PC_T_MAP, .help = "codes per class", .sub = code_keys},
    {.name = "channels", .type = PC_T_DICT, .help = "role and rule of each channel",
     .sub = &channel_item, .choices = channels},
    {.name = "labels", .type = PC_T_DICT, .def = "{a: x, b: y}", .help = "free names",
     .sub = &str_item},
    {.name = "limits", .type = PC_T_DICT, .help = "free names to ints", .sub = &hop_item},
    {.name = "groups", .type = PC_T_DICT, .help = "free names to lists of strings",
     .sub = &strlist_item},
    {.name = "matrix", .type = PC_T_LIST, .help = "lists of ints", .sub = &intlist_item},
    {.name = "dispatch", .type = PC_T_MAP, .help = "who receives each person",
     .sub = dispatch_keys},
    {.name = "outbreak", .type = PC_T_MAP, .def = "{cases: 10}",
     .help = "index cases (a map with a default)", .sub = outbreak_keys},
    {.name = "io", .type = PC_T_MAP, .help = "HDF5 layout", .sub = io_keys},
    {.name = "flagged", .type = PC_T_STRS, .help = "one file or several"},
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
