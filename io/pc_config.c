/* pc_config.c - strict YAML configs: libyaml events -> a small tree, checked against a pc_key schema. */
#include "pc_config.h"
#include "pc_strbuf.h"

#include <errno.h>
#include <float.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pc_err.h"
#include "pc_time.h"

/* Configs are a few levels deep; the cap bounds every recursion below and
 * stops "[[[[..." inputs long before the stack is in danger. */
#define MAX_DEPTH 64
/* Values in one document. A config has dozens; the cap bounds the memory a
 * hostile or wrong file (a data dump, say) can make us allocate. */
#define MAX_NODES ((size_t)1 << 20)
/* Problems beyond this are counted, not stored. */
#define MAX_ERRS 500
/* pc_config_load refuses bigger files: they are not configs. */
#define MAX_FILE ((size_t)64 << 20)
/* How much of a bad value a message quotes. */
#define SHOW_MAX 60

enum { N_SCALAR, N_MAP, N_SEQ };

typedef struct node {
  int kind;
  int plain;     /* unquoted scalar: only those can be null ("", "~", "null") */
  int line, col; /* 1-based */
  char *s;       /* scalar bytes, NUL-terminated; may hold NULs before len */
  size_t len;
  size_t n, cap;
  struct node **k, **v; /* map: keys and values; sequence: items in v */
} node;

typedef struct defcache {
  const pc_key *key;
  node *tree;
} defcache;

struct pc_config {
  pc_key rootkey; /* a MAP whose sub is the schema, where every path starts */
  char *fname;
  node *root; /* NULL for an empty document */
  defcache *defs; /* every default of the schema, parsed and checked up front */
  size_t ndefs, capdefs;
};

/* Items of a STRS: a plain string key, so accessors see "stays.1" as STR. */
static const pc_key strs_item = {.name = "", .type = PC_T_STR};

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* ---------- tree ---------- */

static void node_free(node *x) {
  if (!x) return;
  for (size_t i = 0; i < x->n; i++) {
    if (x->k) node_free(x->k[i]);
    node_free(x->v[i]);
  }
  free(x->k);
  free(x->v);
  free(x->s);
  free(x);
}

static node *node_new(int kind, int line, int col) {
  node *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->kind = kind;
  x->line = line;
  x->col = col;
  return x;
}

static node *scalar_new(const char *s, size_t len, int plain, int line, int col) {
  node *x = node_new(N_SCALAR, line, col);
  if (!x) return NULL;
  x->s = malloc(len + 1);
  if (!x->s) {
    free(x);
    return NULL;
  }
  if (len) memcpy(x->s, s, len);
  x->s[len] = 0;
  x->len = len;
  x->plain = plain;
  return x;
}

static int node_push(node *p, node *k, node *v) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 8;
    node **nv = realloc(p->v, cap * sizeof *nv);
    if (!nv) return -1;
    p->v = nv;
    if (p->kind == N_MAP) {
      node **nk = realloc(p->k, cap * sizeof *nk);
      if (!nk) return -1;
      p->k = nk;
    }
    p->cap = cap;
  }
  if (p->kind == N_MAP) p->k[p->n] = k;
  p->v[p->n++] = v;
  return 0;
}

static int eq(const char *s, size_t n, const char *word) {
  return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Case-insensitive eq, ASCII only (YAML booleans are ASCII). */
static int ieq(const char *s, size_t n, const char *word) {
  if (strlen(word) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != word[i]) return 0;
  }
  return 1;
}

/* YAML's null: `key:` with nothing, `~` or `null`, but only unquoted, so
 * "" and "null" in quotes stay strings. */
static int is_null(const node *x) {
  return x && x->kind == N_SCALAR && x->plain &&
         (x->len == 0 || eq(x->s, x->len, "~") || eq(x->s, x->len, "null") ||
          eq(x->s, x->len, "Null") || eq(x->s, x->len, "NULL"));
}

/* Lengths count: a key "seed\0x" must not pass for "seed". */
static const node *map_get(const node *x, const char *name, size_t n) {
  if (!x || x->kind != N_MAP) return NULL;
  for (size_t i = 0; i < x->n; i++)
    if (x->k[i]->len == n && memcmp(x->k[i]->s, name, n) == 0) return x->v[i];
  return NULL;
}

/* ---------- problems ---------- */

typedef struct problem {
  int line, col;
  size_t seq;
  char *msg;
  char *file; /* another file the config names (cases.csv), NULL: the config */
} problem;

typedef struct errs {
  const char *fname;
  problem *p;
  size_t n, cap;
  size_t total; /* found, stored or not */
  int oom;
} errs;

static void err_add(errs *e, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_add(errs *e, int line, int col, const char *fmt, ...) {
  e->total++;
  if (e->n >= MAX_ERRS || e->oom) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (e->n == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 16;
    problem *np = realloc(e->p, cap * sizeof *np);
    if (!np) {
      e->oom = 1;
      return;
    }
    e->p = np;
    e->cap = cap;
  }
  char *m = dupstr(msg);
  if (!m) {
    e->oom = 1;
    return;
  }
  e->p[e->n] = (problem){line, col, e->n, m, NULL};
  e->n++;
}

static void errs_free(errs *e) {
  for (size_t i = 0; i < e->n; i++) free(e->p[i].msg), free(e->p[i].file);
  free(e->p);
  e->p = NULL;
  e->n = e->cap = 0;
}

static int problem_cmp(const void *a, const void *b) {
  const problem *x = a, *y = b;
  /* The config's own problems first, then each other file's by line. */
  if (!x->file != !y->file) return x->file ? 1 : -1;
  int f = x->file ? strcmp(x->file, y->file) : 0;
  if (f) return f;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Whole lines only, in file order; when they do not all fit, the last line
 * says how many were left out, so the operator knows the list is partial. */
static void errs_write(errs *e, char *out, size_t outlen) {
  if (!out || !outlen) return;
  out[0] = 0;
  if (e->oom) {
    snprintf(out, outlen, "%s: out of memory while reading the config\n", e->fname);
    return;
  }
  qsort(e->p, e->n, sizeof *e->p, problem_cmp);
  /* Room for the closing "N more" line, kept only when it is needed. */
  int tw = snprintf(NULL, 0, "%s: %zu more problems not shown\n", e->fname, e->total);
  size_t used = 0, shown = 0, reserve = 0;
  for (int pass = 0; pass < 2; pass++) {
    used = shown = 0;
    out[0] = 0;
    for (size_t i = 0; i < e->n; i++) {
      const problem *p = &e->p[i];
      char at[64];
      if (p->file) snprintf(at, sizeof at, "%d", p->line);
      else snprintf(at, sizeof at, "%d:%d", p->line, p->col);
      const char *fn = p->file ? p->file : e->fname;
      int w = snprintf(NULL, 0, "%s:%s: %s\n", fn, at, p->msg);
      if (w < 0 || used + (size_t)w + reserve + 1 > outlen) break;
      snprintf(out + used, outlen - used, "%s:%s: %s\n", fn, at, p->msg);
      used += (size_t)w;
      shown++;
    }
    if (shown == e->total || tw < 0) return;
    reserve = (size_t)tw;
  }
  if (used + (size_t)tw + 1 <= outlen)
    snprintf(out + used, outlen - used, "%s: %zu more problem%s not shown\n", e->fname,
             e->total - shown, e->total - shown == 1 ? "" : "s");
}

/* A bad value as messages quote it: control bytes escaped, long ones cut. */
static const char *show(const char *s, size_t len, char *buf, size_t n) {
  size_t j = 0;
  for (size_t i = 0; i < len; i++) {
    if (j + 8 >= n || (i >= SHOW_MAX && len > SHOW_MAX + 3)) {
      snprintf(buf + j, n - j, "...");
      return buf;
    }
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != 0x7f && c != '\'')
      buf[j++] = (char)c;
    else if (c == '\'')
      buf[j++] = '\'';
    else
      j += (size_t)snprintf(buf + j, n - j, "\\x%02x", c);
  }
  buf[j] = 0;
  return buf;
}

static const char *shown(const node *x, char *buf, size_t n) { return show(x->s, x->len, buf, n); }

/* ---------- YAML text -> tree ---------- */

typedef struct frame {
  node *coll;
  node *key; /* a map's key waiting for its value */
} frame;

typedef struct builder {
  errs *e;
  node *root;
  frame st[MAX_DEPTH + 1];
  int depth;
  size_t nodes;
} builder;

/* Collections are attached when they open, so on failure freeing the root
 * frees everything but the keys still waiting in frames. */
static int attach(builder *b, node *x) {
  if (b->depth == 0) {
    b->root = x;
    return 0;
  }
  frame *f = &b->st[b->depth - 1];
  if (f->coll->kind == N_MAP && !f->key) {
    if (x->kind != N_SCALAR) {
      err_add(b->e, x->line, x->col,
              "a key must be a plain name, not a %s (did a line lose its 'name:'?)",
              x->kind == N_MAP ? "mapping" : "list");
      node_free(x);
      return -1;
    }
    f->key = x;
    return 0;
  }
  if (node_push(f->coll, f->coll->kind == N_MAP ? f->key : NULL, x)) {
    b->e->oom = 1;
    node_free(x);
    return -1;
  }
  f->key = NULL;
  return 0;
}

/* libyaml's reader errors carry a byte offset, not a mark. */
static void offset_pos(const char *text, size_t len, size_t off, int *line, int *col) {
  int l = 1, c = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (text[i] == '\n') {
      l++;
      c = 1;
    } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

/* Tabs are the classic 3 a.m. YAML error; say so when one is on the line. */
static int tab_on_line(const char *text, size_t len, int line) {
  size_t i = 0;
  for (int l = 1; l < line && i < len; i++)
    if (text[i] == '\n') l++;
  for (; i < len && text[i] != '\n'; i++)
    if (text[i] == '\t') return 1;
  return 0;
}

static void yaml_problem(errs *e, const yaml_parser_t *p, const char *text, size_t len) {
  if (p->error == YAML_MEMORY_ERROR) {
    e->oom = 1;
    return;
  }
  const char *prob = p->problem ? p->problem : "cannot parse";
  if (p->error == YAML_READER_ERROR) {
    int line, col;
    offset_pos(text, len, p->problem_offset, &line, &col);
    if (p->problem_value >= 0)
      err_add(e, line, col, "not valid YAML text: %s (byte or character 0x%02x)", prob,
              (unsigned)p->problem_value);
    else
      err_add(e, line, col, "not valid YAML text: %s", prob);
    return;
  }
  int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
  const char *hint = tab_on_line(text, len, line) ? "; tabs cannot indent YAML, use spaces" : "";
  if (p->context)
    err_add(e, line, col, "YAML syntax error: %s (%s that starts at line %d)%s", prob, p->context,
            (int)p->context_mark.line + 1, hint);
  else
    err_add(e, line, col, "YAML syntax error: %s%s", prob, hint);
}

/* Parse text into a tree. Tags and anchors are ignored (the schema gives
 * every type); aliases are refused: configs do not need them and alias
 * bombs are the classic way to make a YAML reader explode. Problems go to
 * e; the tree is only returned when there were none. */
static node *build(const char *text, size_t len, errs *e) {
  builder b;
  memset(&b, 0, sizeof b);
  b.e = e;
  yaml_parser_t p;
  yaml_event_t ev;
  size_t before = e->total;
  int docs = 0, done = 0;
  if (!yaml_parser_initialize(&p)) {
    e->oom = 1;
    return NULL;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  while (!done) {
    if (!yaml_parser_parse(&p, &ev)) {
      yaml_problem(e, &p, text, len);
      break;
    }
    int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
    node *x = NULL;
    int open = 0, stop = 0;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_DOCUMENT_START_EVENT:
      if (++docs > 1) {
        err_add(e, line, col, "a config is one YAML document; remove the second '---'");
        stop = 1;
      }
      break;
    case YAML_ALIAS_EVENT:
      err_add(e, line, col, "YAML alias '*%s' not allowed in a config: write the value out",
              (const char *)ev.data.alias.anchor);
      /* A null stands in so parsing goes on and later problems are found too. */
      x = scalar_new("", 0, 1, line, col);
      break;
    case YAML_SCALAR_EVENT:
      x = scalar_new((const char *)ev.data.scalar.value, ev.data.scalar.length,
                     ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE, line, col);
      break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      if (b.depth >= MAX_DEPTH) {
        err_add(e, line, col, "nested deeper than %d levels: not a config", MAX_DEPTH);
        stop = 1;
        break;
      }
      x = node_new(ev.type == YAML_MAPPING_START_EVENT ? N_MAP : N_SEQ, line, col);
      open = 1;
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      if (b.depth > 0) b.depth--;
      break;
    default: break;
    }
    int is_node = ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT || open;
    yaml_event_delete(&ev);
    if (stop) break;
    if (!is_node) continue;
    if (!x) {
      e->oom = 1;
      break;
    }
    if (++b.nodes > MAX_NODES) {
      err_add(e, x->line, x->col, "more than %zu values: not a config", MAX_NODES);
      node_free(x);
      break;
    }
    if (attach(&b, x)) break;
    if (open) b.st[b.depth++] = (frame){x, NULL};
  }
  yaml_parser_delete(&p);
  for (int i = 0; i < b.depth; i++) node_free(b.st[i].key);
  if (e->total != before || e->oom) {
    node_free(b.root);
    return NULL;
  }
  return b.root;
}

/* ---------- scalar conversions ---------- */

/* 0, -1 (not a decimal integer), -2 (beyond 64 bits). Strict on purpose:
 * no 0x, no 1_000, no 1e3, no spaces, so a typo cannot become a number. */
static int conv_int(const node *x, int64_t *v) {
  if (x->kind != N_SCALAR || x->len == 0) return -1;
  const char *s = x->s;
  size_t i = 0, n = x->len;
  int neg = 0;
  if (s[0] == '+' || s[0] == '-') neg = s[i++] == '-';
  if (i == n) return -1;
  uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, r = 0;
  int big = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    unsigned d = (unsigned)(s[i] - '0');
    if (r > (lim - d) / 10) big = 1;
    else r = r * 10 + d;
  }
  if (big) return -2;
  *v = neg ? (r == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)r) : (int64_t)r;
  return 0;
}

/* Decimal notation only: strtod alone would take "nan", "inf", "0x1p3". */
static int conv_float(const node *x, double *v) {
  if (x->kind != N_SCALAR) return -1;
  const char *s = x->s;
  size_t i = 0, n = x->len;
  int digits = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
  }
  if (!digits) return -1;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i == n || s[i] < '0' || s[i] > '9') return -1;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  }
  if (i != n) return -1;
  char *end;
  double r = strtod(s, &end);
  if (end != s + n) return -1;
  if (r > DBL_MAX || r < -DBL_MAX) return -2;
  *v = r;
  return 0;
}

static int conv_bool(const node *x, int *v) {
  static const char *const t[] = {"true", "yes", "on"}, *const f[] = {"false", "no", "off"};
  if (x->kind != N_SCALAR) return -1;
  for (int i = 0; i < 3; i++) {
    if (ieq(x->s, x->len, t[i])) return *v = 1, 0;
    if (ieq(x->s, x->len, f[i])) return *v = 0, 0;
  }
  return -1;
}

static int conv_duration(const node *x, int64_t *v) {
  return x->kind == N_SCALAR && !is_null(x) ? pc_duration_parse(x->s, x->len, v) : -1;
}

static int conv_time(const node *x, int64_t *v) {
  return x->kind == N_SCALAR && !is_null(x) ? pc_time_parse(x->s, x->len, v) : -1;
}

/* Shaped like a time (digits where digits go) but not a real one: worth a
 * different message than "bad format" - 2021-02-30 looks fine at a glance. */
static int time_shaped(const char *s, size_t n) {
  static const char pat[] = "dddd-dd-ddTdd:dd:dd";
  if (n != 10 && n != 16 && n != 19) return 0;
  for (size_t i = 0; i < n; i++) {
    if (pat[i] == 'd' && (s[i] < '0' || s[i] > '9')) return 0;
    if (pat[i] == 'T' && s[i] != 'T' && s[i] != ' ') return 0;
    if ((pat[i] == '-' || pat[i] == ':') && s[i] != pat[i]) return 0;
  }
  return 1;
}

static const char *type_name(pc_ktype t) {
  switch (t) {
  case PC_T_STR: return "string";
  case PC_T_PATH: return "path";
  case PC_T_INT: return "int";
  case PC_T_FLOAT: return "float";
  case PC_T_BOOL: return "bool";
  case PC_T_DURATION: return "duration";
  case PC_T_TIME: return "time";
  case PC_T_MAP: return "map";
  case PC_T_LIST: return "list";
  case PC_T_DICT: return "dict";
  case PC_T_STRS: return "string|list";
  case PC_T_SECTIONS: return "sections";
  }
  return "?";
}

/* What a message says was expected. */
static const char *type_want(pc_ktype t) {
  switch (t) {
  case PC_T_STR: return "a string";
  case PC_T_PATH: return "a file path";
  case PC_T_INT: return "an integer";
  case PC_T_FLOAT: return "a number";
  case PC_T_BOOL: return "true or false";
  case PC_T_DURATION: return "a duration like 15m, 2h, 14d";
  case PC_T_TIME: return "a time like 2021-03-01T08:00";
  case PC_T_MAP: return "a mapping of 'key: value' lines";
  case PC_T_LIST: return "a list";
  case PC_T_DICT: return "a mapping of 'name: value' lines";
  case PC_T_STRS: return "a string or a list of strings";
  case PC_T_SECTIONS: return "a mapping of names to mappings of 'key: value' lines";
  }
  return "?";
}

static int is_scalar_type(pc_ktype t) {
  return t != PC_T_MAP && t != PC_T_LIST && t != PC_T_DICT && t != PC_T_STRS &&
         t != PC_T_SECTIONS;
}

/* ---------- validation ---------- */

static void check_value(const pc_key *k, const node *x, const char *path, errs *e);

static void join(char *out, size_t cap, const char *path, const char *name, size_t n) {
  snprintf(out, cap, "%s%s%.*s", path, *path ? "." : "", (int)(n > 400 ? 400 : n), name);
}

/* " in PATH" for messages about keys below the top level. */
static const char *where(const char *path, char *buf, size_t n) {
  if (!*path) return "";
  snprintf(buf, n, " in %s", path);
  return buf;
}

static void list_choices(char *buf, size_t n, const char *const *ch) {
  size_t j = 0;
  buf[0] = 0;
  for (int i = 0; ch[i] && j + 2 < n; i++) {
    int w = snprintf(buf + j, n - j, "%s%s", i ? ", " : "", ch[i]);
    if (w < 0) break;
    j += (size_t)w;
  }
}

static void got(const node *x, char *buf, size_t n) {
  char tmp[SHOW_MAX * 4 + 16];
  if (is_null(x))
    snprintf(buf, n, "nothing");
  else if (x->kind == N_MAP)
    snprintf(buf, n, "a mapping");
  else if (x->kind == N_SEQ)
    snprintf(buf, n, "a list");
  else
    snprintf(buf, n, "'%s'", shown(x, tmp, sizeof tmp));
}

static void wrong_type(const pc_key *k, const node *x, const char *path, errs *e) {
  char g[SHOW_MAX * 4 + 32];
  got(x, g, sizeof g);
  err_add(e, x->line, x->col, "%s: expected %s, got %s", path, type_want(k->type), g);
}

/* Index i's earlier twin among a mapping's keys, or SIZE_MAX. Sorting keeps
 * this O(n log n): a file of a million keys must not take a trillion steps. */
typedef struct kref {
  const node *k;
  size_t i;
} kref;

static int kref_cmp(const void *a, const void *b) {
  const kref *x = a, *y = b;
  size_t n = x->k->len < y->k->len ? x->k->len : y->k->len;
  int c = memcmp(x->k->s, y->k->s, n);
  if (c) return c;
  if (x->k->len != y->k->len) return x->k->len < y->k->len ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

static size_t *find_dups(const node *m, errs *e) {
  size_t *first = malloc((m->n ? m->n : 1) * sizeof *first);
  kref *r = malloc((m->n ? m->n : 1) * sizeof *r);
  if (!first || !r) {
    free(first);
    free(r);
    e->oom = 1;
    return NULL;
  }
  for (size_t i = 0; i < m->n; i++) {
    r[i] = (kref){m->k[i], i};
    first[i] = SIZE_MAX;
  }
  qsort(r, m->n, sizeof *r, kref_cmp);
  /* Equal keys sort together, smallest index first: that one is the original. */
  for (size_t i = 1, run = 0; i < m->n; i++) {
    if (r[i].k->len == r[run].k->len && memcmp(r[i].k->s, r[run].k->s, r[i].k->len) == 0)
      first[r[i].i] = r[run].i;
    else
      run = i;
  }
  free(r);
  return first;
}

static void dup_error(const node *m, size_t i, size_t first, const char *path, errs *e) {
  char tmp[SHOW_MAX * 4 + 16], w[512];
  const node *kn = m->k[i];
  err_add(e, kn->line, kn->col, "duplicate key '%s'%s (first at line %d)", shown(kn, tmp, sizeof tmp),
          where(path, w, sizeof w), m->k[first]->line);
}

/* A schema MAP with no default whose children some are required: absent or
 * not, those children must be in the file. */
static int map_needs_keys(const pc_key *keys) {
  for (const pc_key *c = keys; c->name; c++) {
    if (c->required) return 1;
    if (c->type == PC_T_MAP && !c->def && map_needs_keys(c->sub)) return 1;
  }
  return 0;
}

/* x: the mapping, or NULL when absent or null; (line, col): where a missing
 * key is reported then. */
static void check_map(const pc_key *keys, const node *x, const char *path, int line, int col,
                      errs *e) {
  size_t nkeys = 0;
  for (const pc_key *c = keys; c->name; c++) nkeys++;
  int *seen = calloc(nkeys ? nkeys : 1, sizeof *seen);
  size_t *dups = x ? find_dups(x, e) : NULL;
  if (!seen || (x && !dups)) {
    free(seen);
    free(dups);
    e->oom = 1;
    return;
  }
  char sub[512], tmp[SHOW_MAX * 4 + 16], w[512];
  if (x) {
    line = x->line;
    col = x->col;
  }
  for (size_t i = 0; x && i < x->n; i++) {
    const node *kn = x->k[i];
    if (dups[i] != SIZE_MAX) {
      dup_error(x, i, dups[i], path, e);
      continue;
    }
    size_t j = 0;
    while (j < nkeys && !eq(kn->s, kn->len, keys[j].name)) j++;
    if (j == nkeys) {
      char allowed[768];
      size_t a = 0;
      allowed[0] = 0;
      for (size_t c = 0; c < nkeys && a + 2 < sizeof allowed; c++) {
        int n = snprintf(allowed + a, sizeof allowed - a, "%s%s", c ? ", " : "", keys[c].name);
        if (n < 0) break;
        a += (size_t)n;
      }
      err_add(e, kn->line, kn->col, "unknown key '%s'%s (allowed: %s)", shown(kn, tmp, sizeof tmp),
              where(path, w, sizeof w), nkeys ? allowed : "none");
      continue;
    }
    seen[j] = 1;
    join(sub, sizeof sub, path, keys[j].name, strlen(keys[j].name));
    check_value(&keys[j], x->v[i], sub, e);
  }
  for (size_t j = 0; j < nkeys; j++) {
    if (seen[j]) continue;
    const pc_key *c = &keys[j];
    if (c->required) {
      err_add(e, line, col, "missing required key '%s'%s", c->name, where(path, w, sizeof w));
    } else if (c->type == PC_T_MAP && !c->def && map_needs_keys(c->sub)) {
      join(sub, sizeof sub, path, c->name, strlen(c->name));
      check_map(c->sub, NULL, sub, line, col, e);
    }
  }
  free(seen);
  free(dups);
}

static void check_scalar(const pc_key *k, const node *x, const char *path, errs *e) {
  char tmp[SHOW_MAX * 4 + 16];
  if (x->kind != N_SCALAR) {
    wrong_type(k, x, path, e);
    return;
  }
  int null = is_null(x);
  int64_t iv;
  double dv;
  int bv, rc;
  switch (k->type) {
  case PC_T_STR:
  case PC_T_PATH:
    if (memchr(x->s, 0, x->len)) {
      err_add(e, x->line, x->col, "%s: NUL character in '%s'", path, shown(x, tmp, sizeof tmp));
    } else if (null && (k->required || k->choices)) {
      char ch[512] = "";
      if (k->choices) list_choices(ch, sizeof ch, k->choices);
      err_add(e, x->line, x->col, "%s: a value is required here%s%s", path,
              k->choices ? ", one of: " : "", ch);
    } else if (k->choices) {
      int ok = 0;
      for (int i = 0; k->choices[i]; i++) ok |= eq(x->s, x->len, k->choices[i]);
      if (!ok) {
        char ch[512];
        list_choices(ch, sizeof ch, k->choices);
        err_add(e, x->line, x->col, "%s: '%s' is not one of: %s", path, shown(x, tmp, sizeof tmp),
                ch);
      }
    }
    break;
  case PC_T_INT:
    rc = null ? -1 : conv_int(x, &iv);
    if (rc == -2)
      err_add(e, x->line, x->col, "%s: '%s' is too large for a 64-bit integer", path,
              shown(x, tmp, sizeof tmp));
    else if (rc)
      wrong_type(k, x, path, e);
    else if (k->min < k->max && (iv < k->min || iv > k->max))
      err_add(e, x->line, x->col, "%s: %lld is out of range [%lld..%lld]", path, (long long)iv,
              (long long)k->min, (long long)k->max);
    break;
  case PC_T_FLOAT:
    rc = null ? -1 : conv_float(x, &dv);
    if (rc == -2)
      err_add(e, x->line, x->col, "%s: '%s' is too large for a number", path,
              shown(x, tmp, sizeof tmp));
    else if (rc)
      wrong_type(k, x, path, e);
    break;
  case PC_T_BOOL:
    if (null || conv_bool(x, &bv)) wrong_type(k, x, path, e);
    break;
  case PC_T_DURATION:
    if (null)
      wrong_type(k, x, path, e);
    else if (conv_duration(x, &iv))
      err_add(e, x->line, x->col, "%s: bad duration '%s' (use e.g. 15m, 2h, 14d)", path,
              shown(x, tmp, sizeof tmp));
    else if (k->min < k->max && (iv < k->min || iv > k->max)) {
      char a[24], b[24];
      err_add(e, x->line, x->col, "%s: duration %s is out of range [%s..%s]", path,
              shown(x, tmp, sizeof tmp), pc_duration_format(k->min, a), pc_duration_format(k->max, b));
    }
    break;
  case PC_T_TIME:
    if (null)
      wrong_type(k, x, path, e);
    else if (conv_time(x, &iv) && time_shaped(x->s, x->len))
      err_add(e, x->line, x->col, "%s: bad time '%s' (no such date or time of day)", path,
              shown(x, tmp, sizeof tmp));
    else if (conv_time(x, &iv))
      err_add(e, x->line, x->col, "%s: bad time '%s' (use YYYY-MM-DDTHH:MM[:SS], local time UTC+8)",
              path, shown(x, tmp, sizeof tmp));
    break;
  default: break;
  }
}

static void check_dict(const pc_key *k, const node *x, const char *path, errs *e) {
  size_t *dups = find_dups(x, e);
  if (!dups) return;
  char sub[512], tmp[SHOW_MAX * 4 + 16], w[512];
  for (size_t i = 0; i < x->n; i++) {
    const node *kn = x->k[i];
    if (dups[i] != SIZE_MAX) {
      dup_error(x, i, dups[i], path, e);
      continue;
    }
    /* Names end up in dotted accessor paths, where a '.' would make them
     * unreachable, and in messages, where a newline would forge a line. */
    int badname = is_null(kn) || kn->len == 0 || memchr(kn->s, '.', kn->len);
    for (size_t j = 0; j < kn->len; j++)
      badname |= (unsigned char)kn->s[j] < 0x20 || kn->s[j] == 0x7f;
    if (badname) {
      err_add(e, kn->line, kn->col,
              "%s: bad name '%s' (names are not empty and have no '.' and no control characters)",
              path, shown(kn, tmp, sizeof tmp));
      continue;
    }
    if (k->choices) {
      int ok = 0;
      for (int c = 0; k->choices[c]; c++) ok |= eq(kn->s, kn->len, k->choices[c]);
      if (!ok) {
        char ch[512];
        list_choices(ch, sizeof ch, k->choices);
        err_add(e, kn->line, kn->col, "unknown key '%s'%s (allowed: %s)", shown(kn, tmp, sizeof tmp),
                where(path, w, sizeof w), ch);
        continue;
      }
    }
    join(sub, sizeof sub, path, kn->s, kn->len);
    check_value(k->sub, x->v[i], sub, e);
  }
  free(dups);
}

/* Null for a container means "given, empty": an operator who writes
 * `areas:` and comments every item out gets no areas, not the default ones;
 * for a MAP it means every child takes its default. */
static void check_value(const pc_key *k, const node *x, const char *path, errs *e) {
  char sub[512];
  switch (k->type) {
  case PC_T_MAP:
    if (is_null(x))
      check_map(k->sub, NULL, path, x->line, x->col, e);
    else if (x->kind != N_MAP)
      wrong_type(k, x, path, e);
    else
      check_map(k->sub, x, path, 0, 0, e);
    return;
  case PC_T_LIST:
    if (is_null(x)) return;
    if (x->kind != N_SEQ) {
      wrong_type(k, x, path, e);
      return;
    }
    for (size_t i = 0; i < x->n; i++) {
      snprintf(sub, sizeof sub, "%s.%zu", path, i);
      check_value(k->sub, x->v[i], sub, e);
    }
    return;
  case PC_T_DICT:
    if (is_null(x)) return;
    if (x->kind != N_MAP) {
      wrong_type(k, x, path, e);
      return;
    }
    check_dict(k, x, path, e);
    return;
  case PC_T_STRS:
    if (is_null(x)) return;
    if (x->kind == N_SCALAR) {
      check_scalar(&strs_item, x, path, e);
      return;
    }
    if (x->kind != N_SEQ) {
      wrong_type(k, x, path, e);
      return;
    }
    for (size_t i = 0; i < x->n; i++) {
      snprintf(sub, sizeof sub, "%s.%zu", path, i);
      if (x->v[i]->kind != N_SCALAR)
        wrong_type(&strs_item, x->v[i], sub, e);
      else
        check_scalar(&strs_item, x->v[i], sub, e);
    }
    return;
  default: check_scalar(k, x, path, e);
  }
}

/* ---------- schema defaults ---------- */

static _Noreturn void bug(const char *path, const char *what) {
  fprintf(stderr, "paicha: internal error: config key '%s': %s\n", path ? path : "(null)", what);
  abort();
}

static node *cached_default(const pc_config *c, const pc_key *k) {
  for (size_t i = 0; i < c->ndefs; i++)
    if (c->defs[i].key == k) return c->defs[i].tree;
  return NULL;
}

/* Parse and check the default of k with the machinery the file goes
 * through. A bad default is the programmer's bug, not the operator's: abort. */
static int add_default(pc_config *c, const pc_key *k) {
  if (!k->def || cached_default(c, k)) return 0;
  errs e = {.fname = "(schema default)"};
  node *t = build(k->def, strlen(k->def), &e);
  if (!t && !e.total && !e.oom) t = scalar_new("", 0, 1, 1, 1); /* "" : empty */
  if (t && !e.total) check_value(k, t, k->name, &e);
  if (e.oom || !t) {
    node_free(t);
    errs_free(&e);
    return PC_ERR_MEM;
  }
  if (e.total) {
    char msg[2048];
    errs_write(&e, msg, sizeof msg);
    fprintf(stderr, "paicha: internal error: bad default '%s' of config key '%s':\n%s", k->def,
            k->name, msg);
    abort();
  }
  if (c->ndefs == c->capdefs) {
    size_t cap = c->capdefs ? c->capdefs * 2 : 16;
    defcache *nd = realloc(c->defs, cap * sizeof *nd);
    if (!nd) {
      node_free(t);
      return PC_ERR_MEM;
    }
    c->defs = nd;
    c->capdefs = cap;
  }
  c->defs[c->ndefs++] = (defcache){k, t};
  return 0;
}

/* Every key of the schema, items of lists and dicts included. */
static int load_defaults(pc_config *c, const pc_key *k, int depth) {
  if (depth > MAX_DEPTH) bug(k->name, "schema nested too deep (a cycle?)");
  if (add_default(c, k)) return PC_ERR_MEM;
  if (!is_scalar_type(k->type) && k->type != PC_T_STRS && k->type != PC_T_SECTIONS && !k->sub)
    bug(k->name, "map, list or dict without a sub schema");
  if (k->type == PC_T_MAP) {
    for (const pc_key *s = k->sub; s->name; s++)
      if (load_defaults(c, s, depth + 1)) return PC_ERR_MEM;
  } else if (k->type == PC_T_LIST || k->type == PC_T_DICT) {
    /* sub is ONE key here, not a {0}-terminated array. */
    if (load_defaults(c, k->sub, depth + 1)) return PC_ERR_MEM;
  }
  return 0;
}

/* ---------- sections (PC_T_SECTIONS) ---------- */

/* Remove entry i of map m (its key and value freed). */
static void map_drop(node *m, size_t i) {
  node_free(m->k[i]);
  node_free(m->v[i]);
  memmove(m->k + i, m->k + i + 1, (m->n - i - 1) * sizeof *m->k);
  memmove(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof *m->v);
  m->n--;
}

/* The keys of section sec moved to the top level r: a key there already
 * is replaced (its position then the section's, for messages). -1: no memory. */
static int section_take(node *r, node *sec) {
  for (size_t j = 0; j < sec->n; j++) {
    node *k = sec->k[j], *v = sec->v[j];
    size_t i = 0;
    while (i < r->n && !(r->k[i]->len == k->len && !memcmp(r->k[i]->s, k->s, k->len))) i++;
    if (i < r->n) {
      node_free(r->k[i]);
      node_free(r->v[i]);
      r->k[i] = k, r->v[i] = v;
    } else if (node_push(r, k, v)) {
      return -1;
    }
    sec->k[j] = sec->v[j] = NULL;
  }
  sec->n = 0;
  return 0;
}

/* The top-level key of type PC_T_SECTIONS in r: checked (a mapping of
 * known names to mappings), the schema's section taken, the key removed. */
static void sections(const pc_key *schema, node *r, errs *e) {
  const pc_key *sk = schema;
  while (sk->name && sk->type != PC_T_SECTIONS) sk++;
  if (!sk->name) return;
  size_t at = 0;
  while (at < r->n && !eq(r->k[at]->s, r->k[at]->len, sk->name)) at++;
  if (at == r->n) return;
  node *m = r->v[at];
  char g[SHOW_MAX * 4 + 32], ch[512] = "";
  if (m->kind != N_MAP && !is_null(m)) {
    got(m, g, sizeof g);
    err_add(e, m->line, m->col, "%s: %s, got %s", sk->name, type_want(sk->type), g);
  }
  if (sk->choices) list_choices(ch, sizeof ch, sk->choices);
  for (size_t j = 0; m->kind == N_MAP && j < m->n; j++) {
    const node *n = m->k[j];
    int known = !sk->choices;
    for (int i = 0; sk->choices && sk->choices[i]; i++) known |= eq(n->s, n->len, sk->choices[i]);
    if (!known)
      err_add(e, n->line, n->col, "%s: unknown name '%s' (known: %s)", sk->name,
              shown(n, g, sizeof g), ch);
    else if (m->v[j]->kind != N_MAP && !is_null(m->v[j]))
      err_add(e, m->v[j]->line, m->v[j]->col, "%s.%s: a mapping of 'key: value' lines",
              sk->name, shown(n, g, sizeof g));
    else if (sk->section && eq(n->s, n->len, sk->section) && m->v[j]->kind == N_MAP &&
             section_take(r, m->v[j]))
      e->oom = 1;
  }
  map_drop(r, at);
}

/* ---------- public: parse ---------- */

int pc_config_parse(const char *fname, const char *text, size_t len, const pc_key *schema,
                    pc_config **out, char *err, size_t errlen) {
  *out = NULL;
  if (err && errlen) err[0] = 0;
  if (!fname) fname = "(config)";
  if (!text) text = "", len = 0;
  pc_config *c = calloc(1, sizeof *c);
  if (!c || !(c->fname = dupstr(fname))) {
    free(c);
    if (err && errlen) snprintf(err, errlen, "%s: out of memory\n", fname);
    return PC_ERROR(PC_ERR_MEM, "out of memory reading config %s", fname);
  }
  c->rootkey = (pc_key){.name = "", .type = PC_T_MAP, .sub = schema};
  errs e = {.fname = fname};
  int rc = load_defaults(c, &c->rootkey, 0);
  node *r = rc ? NULL : build(text, len, &e);
  if (!rc && !e.total && !e.oom) {
    if (!r || is_null(r)) {
      node_free(r);
      r = NULL;
      if (map_needs_keys(schema))
        err_add(&e, 1, 1, "the config is empty, but some keys are required (listed below)");
      check_map(schema, NULL, "", 1, 1, &e);
    } else if (r->kind != N_MAP) {
      char g[SHOW_MAX * 4 + 32];
      got(r, g, sizeof g);
      err_add(&e, r->line, r->col, "a config is a mapping of 'key: value' lines, got %s", g);
    } else {
      sections(schema, r, &e);
      check_map(schema, r, "", 1, 1, &e);
    }
  }
  if (rc || e.oom) rc = PC_ERR_MEM;
  else if (e.total) rc = PC_ERR_CONFIG;
  if (rc) {
    if (rc == PC_ERR_MEM) e.oom = 1;
    errs_write(&e, err, errlen);
    errs_free(&e);
    node_free(r);
    c->root = NULL;
    pc_config_destroy(&c);
    if (rc == PC_ERR_MEM) PC_ERROR(PC_ERR_MEM, "out of memory reading config %s", fname);
    return rc;
  }
  errs_free(&e);
  c->root = r;
  *out = c;
  return 0;
}

/* ---------- paths relative to the config file ---------- */

/* The relative path in scalar x, made "dir/x" (dir absolute, from realpath:
 * no link in it, so a leading "../" of x takes off its last component, and
 * "./" nothing). -1 when memory runs out. */
static int rebase(node *x, const char *dir) {
  if (x->kind != N_SCALAR || !x->len || x->s[0] == '/' || is_null(x)) return 0;
  size_t dl = strlen(dir), skip = 0;
  for (;;) {
    if (!strncmp(x->s + skip, "./", 2)) {
      skip += 2;
    } else if (!strncmp(x->s + skip, "../", 3) && dl > 1) {
      while (dl > 1 && dir[dl - 1] != '/') dl--;
      if (dl > 1) dl--; /* the slash, but the root's */
      skip += 3;
    } else {
      break;
    }
  }
  if (skip == x->len) skip -= 1, x->s[skip] = '.'; /* "../" alone: the directory itself */
  const int root = dl == 1 && dir[0] == '/';
  size_t n = dl + !root + x->len - skip;
  char *s = malloc(n + 1);
  if (!s) return -1;
  memcpy(s, dir, dl);
  if (!root) s[dl] = '/';
  memcpy(s + dl + !root, x->s + skip, x->len - skip + 1);
  free(x->s);
  x->s = s;
  x->len = n;
  x->plain = 0;
  return 0;
}

/* Every path the file gives below x (of key k), rebased on dir. A valid
 * tree: parse checked it against the schema. */
static int rebase_tree(const pc_key *k, node *x, const char *dir) {
  if (!x) return 0;
  if (k->type == PC_T_PATH) return rebase(x, dir);
  if (k->type == PC_T_STRS && k->role && x->kind == N_SCALAR) return rebase(x, dir);
  int rc = 0;
  for (size_t i = 0; i < x->n && !rc; i++) {
    if (k->type == PC_T_STRS && k->role) rc = rebase(x->v[i], dir);
    else if (k->type == PC_T_LIST || k->type == PC_T_DICT) rc = rebase_tree(k->sub, x->v[i], dir);
    else if (k->type == PC_T_MAP && x->kind == N_MAP)
      for (const pc_key *s = k->sub; s->name && !rc; s++)
        if (eq(x->k[i]->s, x->k[i]->len, s->name)) rc = rebase_tree(s, x->v[i], dir);
  }
  return rc;
}

/* The config at `path` names files relative to its own directory (an
 * operator keeps a run's config beside its data): absolute from here on. */
static int rebase_all(pc_config *c, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || !c->root) return 0; /* in the current directory: paths stay as written */
  size_t n = (size_t)(slash - path);
  char *dir = malloc(n + 2);
  if (!dir) return -1;
  memcpy(dir, path, n ? n : 1);
  dir[n ? n : 1] = 0;
  char *real = realpath(dir, NULL);
  int rc = rebase_tree(&c->rootkey, c->root, real ? real : dir);
  free(real);
  free(dir);
  return rc;
}

int pc_config_load(const char *path, const pc_key *schema, pc_config **out, char *err,
                   size_t errlen) {
  *out = NULL;
  if (err && errlen) err[0] = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err && errlen) snprintf(err, errlen, "%s: cannot read: %s\n", path, strerror(errno));
    return PC_ERR_CONFIG;
  }
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  int too_big = 0, bad = 0, eno = 0;
  while (buf) {
    size_t got_n = fread(buf + len, 1, cap - len, f);
    len += got_n;
    if (len < cap) {
      if (ferror(f)) bad = 1, eno = errno;
      break;
    }
    if (cap >= MAX_FILE) {
      too_big = 1;
      break;
    }
    char *nb = realloc(buf, cap *= 2);
    if (!nb) free(buf);
    buf = nb;
  }
  fclose(f);
  if (!buf) {
    if (err && errlen) snprintf(err, errlen, "%s: out of memory reading the file\n", path);
    return PC_ERROR(PC_ERR_MEM, "out of memory reading config %s", path);
  }
  if (too_big || bad) {
    free(buf);
    if (err && errlen) {
      if (too_big)
        snprintf(err, errlen, "%s: larger than %zu MB: not a config\n", path, MAX_FILE >> 20);
      else
        snprintf(err, errlen, "%s: cannot read: %s\n", path, strerror(eno ? eno : EIO));
    }
    return PC_ERR_CONFIG;
  }
  int rc = pc_config_parse(path, buf, len, schema, out, err, errlen);
  free(buf);
  if (!rc && rebase_all(*out, path)) {
    pc_config_destroy(out);
    if (err && errlen) snprintf(err, errlen, "%s: out of memory reading the file\n", path);
    return PC_ERROR(PC_ERR_MEM, "out of memory reading config %s", path);
  }
  return rc;
}

void pc_config_destroy(pc_config **c) {
  if (!c || !*c) return;
  node_free((*c)->root);
  for (size_t i = 0; i < (*c)->ndefs; i++) node_free((*c)->defs[i].tree);
  free((*c)->defs);
  free((*c)->fname);
  free(*c);
  *c = NULL;
}

/* ---------- path resolution ---------- */

typedef struct found {
  const pc_key *k;
  const node *x; /* NULL: absent and no default */
  int given;     /* x came from the file */
} found;

/* Walk path through schema and tree together. A path the schema does not
 * have aborts; a LIST item or DICT entry that does not exist has nothing
 * below it (no defaults: the item is not there), while an absent MAP's
 * children still take their defaults. */
static found resolve(const pc_config *c, const char *path) {
  if (!c) bug(path, "no config");
  if (!path || !*path) bug(path, "empty path");
  const pc_key *k = &c->rootkey;
  const node *x = c->root;
  int from_file = 1, gone = 0;
  const char *p = path;
  for (;;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (n == 0) bug(path, "empty part in the path");
    const pc_key *nk = NULL;
    const node *nx = NULL;
    int item = 0;
    if (k->type == PC_T_MAP) {
      for (const pc_key *s = k->sub; s->name; s++)
        if (eq(p, n, s->name)) nk = s;
      if (!nk) bug(path, "no such key in the schema");
      if (!gone) nx = map_get(x, p, n);
    } else if (k->type == PC_T_LIST || k->type == PC_T_STRS) {
      size_t i = 0;
      for (size_t j = 0; j < n; j++) {
        if (p[j] < '0' || p[j] > '9') bug(path, "a list index must be a number");
        i = i > (SIZE_MAX - 9) / 10 ? SIZE_MAX : i * 10 + (size_t)(p[j] - '0');
      }
      nk = k->type == PC_T_LIST ? k->sub : &strs_item;
      item = 1;
      if (!gone && x && x->kind == N_SEQ && i < x->n) nx = x->v[i];
      else if (!gone && x && k->type == PC_T_STRS && x->kind == N_SCALAR && !is_null(x) && i == 0)
        nx = x;
    } else if (k->type == PC_T_DICT) {
      nk = k->sub;
      item = 1;
      if (!gone) nx = map_get(x, p, n);
    } else {
      bug(path, "the path goes below a single value");
    }
    if (!gone && !nx) {
      if (item) {
        gone = 1;
      } else {
        nx = cached_default(c, nk);
        from_file = 0;
      }
    }
    k = nk;
    x = gone ? NULL : nx;
    if (!dot) break;
    p = dot + 1;
  }
  return (found){k, x, x != NULL && from_file};
}

static found leaf(const pc_config *c, const char *path, pc_ktype want) {
  found f = resolve(c, path);
  pc_ktype t = f.k->type;
  int ok = t == want || (want == PC_T_STR && t == PC_T_PATH) || (want == PC_T_FLOAT && t == PC_T_INT);
  if (!ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "read as %s but the schema says %s", type_name(want), type_name(t));
    bug(path, msg);
  }
  return f;
}

int pc_config_has(const pc_config *c, const char *path) { return resolve(c, path).x != NULL; }

int pc_config_given(const pc_config *c, const char *path) { return resolve(c, path).given; }

const char *pc_config_str(const pc_config *c, const char *path) {
  found f = leaf(c, path, PC_T_STR);
  if (!f.x) return NULL;
  return is_null(f.x) ? "" : f.x->s;
}

int64_t pc_config_int(const pc_config *c, const char *path) {
  found f = leaf(c, path, PC_T_INT);
  int64_t v = 0;
  if (f.x) conv_int(f.x, &v);
  return v;
}

double pc_config_float(const pc_config *c, const char *path) {
  found f = leaf(c, path, PC_T_FLOAT);
  if (!f.x) return 0;
  if (f.k->type == PC_T_INT) {
    int64_t v = 0;
    conv_int(f.x, &v);
    return (double)v;
  }
  double v = 0;
  conv_float(f.x, &v);
  return v;
}

int pc_config_bool(const pc_config *c, const char *path) {
  found f = leaf(c, path, PC_T_BOOL);
  int v = 0;
  if (f.x) conv_bool(f.x, &v);
  return v;
}

int64_t pc_config_duration(const pc_config *c, const char *path) {
  found f = leaf(c, path, PC_T_DURATION);
  int64_t v = 0;
  if (f.x) conv_duration(f.x, &v);
  return v;
}

int64_t pc_config_time(const pc_config *c, const char *path) {
  found f = leaf(c, path, PC_T_TIME);
  int64_t v = 0;
  if (f.x) conv_time(f.x, &v);
  return v;
}

size_t pc_config_len(const pc_config *c, const char *path) {
  found f = resolve(c, path);
  pc_ktype t = f.k->type;
  if (t != PC_T_LIST && t != PC_T_DICT && t != PC_T_STRS) bug(path, "len of a key that is not a list or dict");
  if (!f.x || is_null(f.x)) return 0;
  if (f.x->kind == N_SCALAR) return 1; /* a STRS given as one string */
  return f.x->n;
}

const char *pc_config_key(const pc_config *c, const char *path, size_t i) {
  found f = resolve(c, path);
  if (f.k->type != PC_T_DICT) bug(path, "key() of a key that is not a dict");
  if (!f.x || f.x->kind != N_MAP || i >= f.x->n) bug(path, "dict index out of range");
  return f.x->k[i]->s;
}

static const node *item_at(const pc_config *c, const char *path, size_t i, pc_ktype want) {
  found f = resolve(c, path);
  pc_ktype it = f.k->type == PC_T_STRS ? PC_T_STR : f.k->type == PC_T_LIST ? f.k->sub->type : PC_T_MAP;
  int ok = f.k->type == PC_T_STRS ||
           (f.k->type == PC_T_LIST && (it == want || (want == PC_T_STR && it == PC_T_PATH)));
  if (!ok) bug(path, want == PC_T_INT ? "not a list of int" : "not a list of strings");
  if (f.x && f.x->kind == N_SCALAR && !is_null(f.x) && i == 0) return f.x;
  if (!f.x || f.x->kind != N_SEQ || i >= f.x->n) bug(path, "list index out of range");
  return f.x->v[i];
}

const char *pc_config_str_at(const pc_config *c, const char *path, size_t i) {
  const node *x = item_at(c, path, i, PC_T_STR);
  return is_null(x) ? "" : x->s;
}

int64_t pc_config_int_at(const pc_config *c, const char *path, size_t i) {
  const node *x = item_at(c, path, i, PC_T_INT);
  int64_t v = 0;
  conv_int(x, &v);
  return v;
}

int pc_config_line(const pc_config *c, const char *path) {
  found f = resolve(c, path);
  return f.given ? f.x->line : 0;
}

int pc_config_col(const pc_config *c, const char *path) {
  found f = resolve(c, path);
  return f.given ? f.x->col : 0;
}

const char *pc_config_file(const pc_config *c) { return c->fname; }

/* ---------- checks of meaning ---------- */

struct pc_config_problems {
  errs e;
};

/* Where a problem about path is shown: its node, else the nearest enclosing
 * node the file gives, else the document's start. */
static void problem_pos(const pc_config *c, const char *path, int *line, int *col) {
  *line = c->root ? c->root->line : 1;
  *col = c->root ? c->root->col : 1;
  char buf[512];
  size_t n = strlen(path);
  if (n >= sizeof buf) bug(path, "path too long");
  memcpy(buf, path, n + 1);
  while (n > 0) {
    found f = resolve(c, buf);
    if (f.given) {
      *line = f.x->line;
      *col = f.x->col;
      return;
    }
    while (n > 0 && buf[n - 1] != '.') n--;
    buf[n > 0 ? --n : 0] = 0;
  }
}

int pc_config_problem(pc_config_problems *p, const pc_config *c, const char *path,
                      const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int line, col;
  problem_pos(c, path, &line, &col);
  const char *sep = *path ? ": " : "";
  if (!p)
    return PC_ERROR(PC_ERR_CONFIG, "%s:%d:%d: %s%s%s", c->fname, line, col, path, sep, msg);
  err_add(&p->e, line, col, "%s%s%s", path, sep, msg);
  return PC_ERR_CONFIG;
}

int pc_config_problem_in(pc_config_problems *p, const char *file, int line, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!p) return PC_ERROR(PC_ERR_CONFIG, "%s:%d: %s", file, line, msg);
  size_t n = p->e.n;
  err_add(&p->e, line, 0, "%s", msg);
  if (p->e.n > n && !(p->e.p[n].file = dupstr(file))) p->e.oom = 1;
  return PC_ERR_CONFIG;
}

/* The paths below `path` (of key k), for pc_config_paths. */
static void paths_below(const pc_config *c, const pc_key *k, const char *path,
                        pc_config_path_fn *fn, void *arg) {
  char sub[512];
  if (k->type == PC_T_PATH) {
    const char *v = pc_config_str(c, path);
    if (v && *v) fn(c, path, k, v, arg);
  } else if (k->type == PC_T_STRS && k->role) {
    for (size_t i = 0; i < pc_config_len(c, path); i++) {
      snprintf(sub, sizeof sub, "%s.%zu", path, i);
      const char *v = pc_config_str_at(c, path, i);
      if (v && *v) fn(c, sub, k, v, arg);
    }
  } else if (k->type == PC_T_MAP) {
    for (const pc_key *s = k->sub; s->name; s++) {
      snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", s->name);
      paths_below(c, s, sub, fn, arg);
    }
  } else if (k->type == PC_T_LIST || k->type == PC_T_DICT) {
    for (size_t i = 0; i < pc_config_len(c, path); i++) {
      if (k->type == PC_T_LIST) snprintf(sub, sizeof sub, "%s.%zu", path, i);
      else snprintf(sub, sizeof sub, "%s.%s", path, pc_config_key(c, path, i));
      paths_below(c, k->sub, sub, fn, arg);
    }
  }
}

void pc_config_paths(const pc_config *c, pc_config_path_fn *fn, void *arg) {
  paths_below(c, &c->rootkey, "", fn, arg);
}

int pc_config_check(const pc_config *c, pc_config_check_fn *const *checks, char *err,
                    size_t errlen) {
  if (err && errlen) err[0] = 0;
  pc_config_problems p = {.e = {.fname = c->fname}};
  int rc = 0;
  for (size_t i = 0; checks && checks[i] && !rc; i++) rc = checks[i](c, &p);
  if (rc || p.e.oom) {
    p.e.oom = 1;
    rc = rc ? rc : PC_ERROR(PC_ERR_MEM, "out of memory checking config %s", c->fname);
  } else if (p.e.total) {
    rc = PC_ERR_CONFIG;
  }
  if (rc) errs_write(&p.e, err, errlen);
  errs_free(&p.e);
  return rc;
}

/* ---------- effective config ---------- */

typedef struct sb {
  pc_strbuf t;
  int dash; /* the next line opens a list item: "- " replaces 2 spaces */
} sb;

static void sb_put(sb *b, const char *s, size_t len) { pc_strbuf_put(&b->t, s, len); }

static void sb_str(sb *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_indent(sb *b, int ind) {
  static const char sp[] = "                                                                ";
  if (b->dash) {
    b->dash = 0;
    ind -= 2;
    while (ind > 0) {
      int m = ind > 64 ? 64 : ind;
      sb_put(b, sp, (size_t)m);
      ind -= m;
    }
    sb_str(b, "- ");
    return;
  }
  while (ind > 0) {
    int m = ind > 64 ? 64 : ind;
    sb_put(b, sp, (size_t)m);
    ind -= m;
  }
}

/* UTF-8 code point at s[i] (n bytes left), its length in *w; the text came
 * through libyaml, so it is valid UTF-8 - anything else goes out byte by byte. */
static unsigned utf8_at(const unsigned char *s, size_t n, size_t *w) {
  unsigned c = s[0];
  *w = 1;
  if (c < 0x80) return c;
  size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  if (len == 1 || len > n) return 0xfffd0000u | c;
  unsigned cp = c & (0x3f >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0xfffd0000u | c;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  *w = len;
  return cp;
}

/* Double-quoted YAML that reads back to the same bytes: escapes for
 * controls, for what YAML treats as line breaks (NEL, LS, PS, which a
 * quoted scalar would fold) and for what libyaml's reader refuses raw. */
static void sb_quoted(sb *b, const char *s, size_t len) {
  char t[16];
  sb_str(b, "\"");
  for (size_t i = 0; i < len;) {
    size_t w;
    unsigned cp = utf8_at((const unsigned char *)s + i, len - i, &w);
    if (cp == '"' || cp == '\\') {
      t[0] = '\\';
      t[1] = (char)cp;
      sb_put(b, t, 2);
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      snprintf(t, sizeof t, "\\x%02x", cp);
      sb_str(b, t);
    } else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp == 0xfffe || cp == 0xffff) {
      snprintf(t, sizeof t, "\\u%04x", cp);
      sb_str(b, t);
    } else {
      sb_put(b, s + i, w);
    }
    i += w;
  }
  sb_str(b, "\"");
}

static void emit_scalar(sb *b, const pc_key *k, const node *x) {
  char t[40];
  int64_t iv = 0;
  double dv = 0;
  int bv = 0;
  switch (k->type) {
  case PC_T_INT:
    conv_int(x, &iv);
    snprintf(t, sizeof t, "%lld", (long long)iv);
    sb_str(b, t);
    break;
  case PC_T_FLOAT:
    conv_float(x, &dv);
    /* Shortest text that reads back to the same double. */
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(t, sizeof t, "%.*g", prec, dv);
      if (strtod(t, NULL) == dv) break;
    }
    sb_str(b, t);
    break;
  case PC_T_BOOL:
    conv_bool(x, &bv);
    sb_str(b, bv ? "true" : "false");
    break;
  case PC_T_DURATION:
    conv_duration(x, &iv);
    sb_str(b, pc_duration_format(iv, t));
    break;
  case PC_T_TIME:
    conv_time(x, &iv);
    sb_str(b, pc_time_format(iv, t));
    break;
  default:
    if (is_null(x))
      sb_str(b, "\"\"");
    else
      sb_quoted(b, x->s, x->len);
  }
}

static void emit_keys(const pc_config *c, sb *b, const pc_key *keys, const node *x, int ind);

/* The value of key k (node x, may be NULL only for a MAP) after "name:". */
static void emit_value(const pc_config *c, sb *b, const pc_key *k, const node *x, int ind) {
  if (is_scalar_type(k->type)) {
    sb_str(b, " ");
    emit_scalar(b, k, x);
    sb_str(b, "\n");
  } else if (k->type == PC_T_STRS) {
    if (x->kind == N_SCALAR && !is_null(x)) {
      sb_str(b, " ");
      emit_scalar(b, &strs_item, x);
      sb_str(b, "\n");
      return;
    }
    sb_str(b, " [");
    for (size_t i = 0; x->kind == N_SEQ && i < x->n; i++) {
      if (i) sb_str(b, ", ");
      emit_scalar(b, &strs_item, x->v[i]);
    }
    sb_str(b, "]\n");
  } else if (k->type == PC_T_MAP) {
    size_t mark = b->t.n;
    sb_str(b, "\n");
    size_t body = b->t.n;
    emit_keys(c, b, k->sub, x && x->kind == N_MAP ? x : NULL, ind + 2);
    if (b->t.n == body && !b->t.oom) {
      b->t.n = mark;
      sb_str(b, " {}\n");
    }
  } else if (k->type == PC_T_DICT) {
    if (x->kind != N_MAP || x->n == 0) {
      sb_str(b, " {}\n");
      return;
    }
    sb_str(b, "\n");
    for (size_t i = 0; i < x->n; i++) {
      sb_indent(b, ind + 2);
      sb_quoted(b, x->k[i]->s, x->k[i]->len);
      sb_str(b, ":");
      emit_value(c, b, k->sub, x->v[i], ind + 2);
    }
  } else { /* LIST */
    if (x->kind != N_SEQ || x->n == 0) {
      sb_str(b, " []\n");
      return;
    }
    if (is_scalar_type(k->sub->type)) {
      sb_str(b, " [");
      for (size_t i = 0; i < x->n; i++) {
        if (i) sb_str(b, ", ");
        emit_scalar(b, k->sub, x->v[i]);
      }
      sb_str(b, "]\n");
      return;
    }
    sb_str(b, "\n");
    for (size_t i = 0; i < x->n; i++) {
      const node *it = x->v[i];
      if (k->sub->type == PC_T_MAP) {
        /* The item's first key shares the "- " line. */
        b->dash = 1;
        emit_keys(c, b, k->sub->sub, it->kind == N_MAP ? it : NULL, ind + 4);
        if (b->dash) {
          b->dash = 0;
          sb_indent(b, ind + 2);
          sb_str(b, "- {}\n");
        }
      } else {
        sb_indent(b, ind + 2);
        sb_str(b, "-");
        emit_value(c, b, k->sub, it, ind + 2);
      }
    }
  }
}

static void emit_keys(const pc_config *c, sb *b, const pc_key *keys, const node *x, int ind) {
  for (const pc_key *k = keys; k->name; k++) {
    const node *v = map_get(x, k->name, strlen(k->name));
    if (!v) v = cached_default(c, k);
    if (!v && k->type != PC_T_MAP) continue;
    /* An absent map without default still shows its children's defaults,
     * and disappears when none of them has one. */
    size_t mark = b->t.n;
    int dash = b->dash;
    sb_indent(b, ind);
    sb_str(b, k->name);
    sb_str(b, ":");
    if (v) {
      emit_value(c, b, k, v, ind);
    } else {
      sb_str(b, "\n");
      size_t body = b->t.n;
      emit_keys(c, b, k->sub, NULL, ind + 2);
      if (b->t.n == body && !b->t.oom) {
        b->t.n = mark;
        if (b->t.s) b->t.s[mark] = 0;
        b->dash = dash;
      }
    }
  }
}

char *pc_config_effective(const pc_config *c) {
  sb b = {0};
  /* The name goes in a comment line: a newline in it would end the comment. */
  sb_str(&b, "# effective config of ");
  for (const char *p = c->fname; *p; p++) {
    char ch = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    sb_put(&b, &ch, 1);
  }
  sb_str(&b, "\n");
  emit_keys(c, &b, c->rootkey.sub, c->root, 0);
  char *text = pc_strbuf_take(&b.t);
  if (!text) PC_ERROR(PC_ERR_MEM, "out of memory writing the effective config");
  return text;
}

/* ---------- help ---------- */

static void help_line(FILE *f, const pc_key *k, const char *name, int indent) {
  fprintf(f, "%*s%s: %s", 2 * indent, "", name, type_name(k->type));
  if (k->type == PC_T_LIST && k->sub && is_scalar_type(k->sub->type))
    fprintf(f, " of %s", type_name(k->sub->type));
  int paren = 0;
#define OPEN() fputs(paren++ ? "; " : " (", f)
  const pc_key *rk = k->type == PC_T_LIST && k->sub && is_scalar_type(k->sub->type) ? k->sub : k;
  if (rk->choices) {
    OPEN();
    fputs(k->type == PC_T_DICT ? "keys " : k->type == PC_T_SECTIONS ? "names " : "one of ", f);
    for (int i = 0; rk->choices[i]; i++) fprintf(f, "%s%s", i ? ", " : "", rk->choices[i]);
  }
  if (rk->min < rk->max && (rk->type == PC_T_INT || rk->type == PC_T_DURATION)) {
    OPEN();
    if (rk->type == PC_T_INT) {
      fprintf(f, "[%lld..%lld]", (long long)rk->min, (long long)rk->max);
    } else {
      char a[24], b[24];
      fprintf(f, "[%s..%s]", pc_duration_format(rk->min, a), pc_duration_format(rk->max, b));
    }
  }
  if (k->required) {
    OPEN();
    fputs("required", f);
  } else if (k->def) {
    OPEN();
    fprintf(f, "default %s", *k->def ? k->def : "\"\"");
  }
#undef OPEN
  if (paren) fputs(")", f);
  if (k->help && *k->help) fprintf(f, " - %s", k->help);
  fputs("\n", f);
}

/* A key's line, then what is inside it, one level deeper. */
static void help_key(FILE *f, const pc_key *k, const char *name, int indent, int depth) {
  help_line(f, k, name, indent);
  if (depth > MAX_DEPTH || !k->sub) return;
  if (k->type == PC_T_MAP)
    for (const pc_key *s = k->sub; s->name; s++) help_key(f, s, s->name, indent + 1, depth + 1);
  else if ((k->type == PC_T_LIST || k->type == PC_T_DICT) && !is_scalar_type(k->sub->type))
    help_key(f, k->sub, k->type == PC_T_LIST ? "each item" : "each value", indent + 1, depth + 1);
}

void pc_config_help(FILE *f, const pc_key *schema, int indent) {
  for (const pc_key *k = schema; k->name; k++) help_key(f, k, k->name, indent, 0);
}
