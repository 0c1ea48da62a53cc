/* job_report.c - `paicha report`: one self-contained HTML page (inline SVG) of a run's outputs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_flagged.h"
#include "pc_schema.h"
#include "pc_h5.h"
#include "pc_job.h"
#include "pc_json.h"
#include "pc_sort.h"
#include "pc_textout.h"
#include "pc_time.h"

/* Rank 0 does the work (a login node after the batch job: one process is
 * enough); the other ranks only join the atomic write. Everything is
 * aggregated while streaming: the trace's /contacts are held (the close
 * contacts, needed to walk the transmission tree), while /companions,
 * /screened, /persons, /targets and /testing are read in chunks of 1 M rows
 * and merged in pid order (every one of them is sorted by pid), so memory
 * does not grow with the province and the page holds no per-person element
 * but the bounded nodes of the trees. Every number on the page that a test
 * checks carries data-k (its name) and data-value (the raw integer). No clear
 * identity, pid or place name is ever written: counts, region names, and
 * case ordinals. */

#define CHUNK ((size_t)1 << 20)
#define MAXHOP 32
#define NBANDS 18       /* the pyramid's 5-year bands: 0-4, ..., 80-84, 85+ */
#define TREE_NODES 12   /* close contacts drawn per case; the rest as one summary node */
#define NONE UINT32_MAX
#define NCH (PC_NCHANNELS + 1) /* the channels, then "other" */
#define MAXAREAS 256

static const pc_key report_keys[] = {
    {.name = "data", .type = PC_T_PATH, .required = 1,
     .help = "the dataset the outputs were made from (region names, /persons for the age "
             "pyramids)"},
    {.name = "trace", .type = PC_T_PATH, .help = "a trace output (counts, people to reach, trees)"},
    {.name = "screen", .type = PC_T_PATH, .help = "a screen output (counts, people to reach)"},
    {.name = "breakdown", .type = PC_T_PATH,
     .help = "a breakdown output (/targets: the vaccination gap; /testing when made with "
             "flagged:)"},
    {.name = "output", .type = PC_T_PATH, .required = 1, .help = "the HTML page to write"},
    {.name = "top", .type = PC_T_INT, .def = "20",
     .help = "counties in the bar charts (people to reach, vaccination gap), communities in the "
             "testing table",
     .min = 1, .max = 1000},
    {.name = "clusters", .type = PC_T_INT, .def = "5",
     .help = "largest case clusters drawn as transmission trees", .max = 100},
    PC_KEYS_COMMON,
    {0}};

/* ---------------------------------------------------------------- text ---- */

typedef struct sb {
  char *p;
  size_t n, cap;
  int oom;
} sb;

static int sb_room(sb *b, size_t more) {
  if (b->oom) return -1;
  if (b->n + more + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 1 << 16;
  while (cap < b->n + more + 1) cap *= 2;
  char *q = pc_realloc(b->p, cap, "report page");
  if (!q) {
    b->oom = 1;
    return -1;
  }
  b->p = q;
  b->cap = cap;
  return 0;
}

static void sb_put(sb *b, const char *s, size_t len) {
  if (sb_room(b, len)) return;
  memcpy(b->p + b->n, s, len);
  b->n += len;
  b->p[b->n] = 0;
}
static void sb_puts(sb *b, const char *s) { sb_put(b, s, strlen(s)); }

static void __attribute__((format(printf, 2, 3))) sb_printf(sb *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (k < 0 || sb_room(b, (size_t)k)) return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)k;
}

/* HTML-escaped text of at most max bytes (fixed-length HDF5 strings need not end in NUL). */
static void sb_esc(sb *b, const char *s, size_t max) {
  for (size_t i = 0; i < max && s[i]; i++) {
    switch (s[i]) {
    case '&': sb_puts(b, "&amp;"); break;
    case '<': sb_puts(b, "&lt;"); break;
    case '>': sb_puts(b, "&gt;"); break;
    case '"': sb_puts(b, "&quot;"); break;
    case '\'': sb_puts(b, "&#39;"); break;
    default: sb_put(b, s + i, 1);
    }
  }
}

/* 2629 -> "2,629". */
static char *fmt_num(uint64_t v, char *buf) {
  char t[32];
  int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v), k = 0;
  for (int i = 0; i < n; i++) {
    if (i && (n - i) % 3 == 0) buf[k++] = ',';
    buf[k++] = t[i];
  }
  buf[k] = 0;
  return buf;
}

/* A checked number: <tag data-k="KEY" data-value="v">v with commas</tag>. */
static void __attribute__((format(printf, 4, 5)))
sb_kv(sb *b, const char *tag, uint64_t v, const char *kfmt, ...) {
  char key[160], num[40];
  va_list ap;
  va_start(ap, kfmt);
  vsnprintf(key, sizeof key, kfmt, ap);
  va_end(ap);
  sb_printf(b, "<%s data-k=\"%s\" data-value=\"%llu\">%s</%s>", tag, key, (unsigned long long)v,
            fmt_num(v, num), tag);
}

static void sb_pct(sb *b, uint64_t a, uint64_t n) {
  if (n) sb_printf(b, "%.1f%%", 100.0 * (double)a / (double)n);
  else sb_puts(b, "–");
}

/* -------------------------------------------------------------- regions ---- */

static int region_cmp(const void *a, const void *b) {
  const pc_region *x = a, *y = b;
  return (x->code > y->code) - (x->code < y->code);
}

/* ----------------------------------------------------- streamed tables ---- */

typedef pc_report_row frow; /* the fields of /contacts, /companions or /screened the page needs */

/* A table read front to back in chunks, checked to be sorted by pid. */
typedef struct cursor {
  pc_table t;
  uint64_t n, next;
  void *buf;
  size_t rowsize, len, pos;
  uint64_t last;
  const char *path, *name;
} cursor;

/* Local. An absent table (or file < 0) is an empty cursor. v: the view of
 * the table (pc_view_report_* or pc_schema_persons). */
static int cursor_open(hid_t f, const char *path, const pc_schema *v, cursor *c) {
  memset(c, 0, sizeof *c);
  c->t.dset = c->t.mtype = -1;
  c->path = path;
  c->name = v->name;
  c->rowsize = v->rowsize;
  if (f < 0 || H5Lexists(f, v->name, H5P_DEFAULT) <= 0) return 0;
  PC_CALL(pc_table_open(f, NULL, v, &c->t));
  c->n = c->t.nrows;
  size_t cap = c->n < CHUNK ? (size_t)c->n : CHUNK;
  c->buf = pc_malloc((cap ? cap : 1) * c->rowsize, v->name);
  return c->buf ? 0 : PC_ERR_MEM;
}

static void cursor_close(cursor *c) {
  pc_table_close(&c->t);
  free(c->buf);
  memset(c, 0, sizeof *c);
  c->t.dset = c->t.mtype = -1;
}

/* Local: the current row (NULL at the end), reading the next chunk when needed. */
static int cursor_head(cursor *c, const void **row) {
  *row = NULL;
  if (c->pos == c->len) {
    if (c->next >= c->n) return 0;
    size_t m = c->n - c->next < CHUNK ? (size_t)(c->n - c->next) : CHUNK;
    int rc = pc_table_read(&c->t, c->next, m, c->buf);
    if (rc) return PC_ERROR(rc, "%s: cannot read /%s rows %llu..", c->path, c->name,
                            (unsigned long long)c->next);
    c->next += m;
    c->len = m;
    c->pos = 0;
  }
  const char *r = (const char *)c->buf + c->pos * c->rowsize;
  uint64_t pid;
  memcpy(&pid, r, sizeof pid); /* pid first in both row types */
  if (pid < c->last)
    return PC_ERROR(PC_ERR_DATA, "%s: /%s is not sorted by pid (row %llu)", c->path, c->name,
                    (unsigned long long)(c->next - c->len + c->pos));
  *row = r;
  return 0;
}
static void cursor_pop(cursor *c) {
  memcpy(&c->last, (const char *)c->buf + c->pos * c->rowsize, sizeof c->last);
  c->pos++;
}

/* --------------------------------------------------------- aggregation ---- */

/* Counts per region code, kept sorted by code (a few hundred entries at most). */
typedef struct agg {
  uint64_t code;
  uint64_t v[3];
} agg;
typedef struct aggmap {
  agg *a;
  size_t n, cap;
} aggmap;

static agg *agg_at(aggmap *m, uint64_t code) {
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->a[mid].code < code) lo = mid + 1;
    else hi = mid;
  }
  if (lo < m->n && m->a[lo].code == code) return &m->a[lo];
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    agg *q = pc_realloc(m->a, cap * sizeof *q, "report counts");
    if (!q) return NULL;
    m->a = q;
    m->cap = cap;
  }
  memmove(m->a + lo + 1, m->a + lo, (m->n - lo) * sizeof *m->a);
  memset(&m->a[lo], 0, sizeof m->a[lo]);
  m->a[lo].code = code;
  m->n++;
  return &m->a[lo];
}

/* Sort by v[k] descending, then code ascending (the page's order everywhere). */
static int by_v0(const void *a, const void *b) {
  const agg *x = a, *y = b;
  if (x->v[0] != y->v[0]) return x->v[0] < y->v[0] ? 1 : -1;
  return (x->code > y->code) - (x->code < y->code);
}
static int by_v1(const void *a, const void *b) {
  const agg *x = a, *y = b;
  if (x->v[1] != y->v[1]) return x->v[1] < y->v[1] ? 1 : -1;
  return (x->code > y->code) - (x->code < y->code);
}

typedef struct pyramid {
  uint64_t c[2][NBANDS]; /* [male, female][band] */
  uint64_t total, unknown; /* unknown: sex or age unknown */
} pyramid;

static void pyr_add(pyramid *p, const pc_person *r, int64_t as_of) {
  p->total++;
  int age = pc_age_at(r->birth_date, as_of);
  if (age < 0 || (r->sex != 1 && r->sex != 2)) {
    p->unknown++;
    return;
  }
  int band = age / 5 < NBANDS - 1 ? age / 5 : NBANDS - 1;
  p->c[r->sex - 1][band]++;
}

/* One person of /contacts, held for the trees. */
typedef struct node {
  uint64_t pid, source, jurisdiction, residence;
  int64_t exposure;
  uint32_t root; /* ordinal (0-based) of the case the chain starts at; NONE unresolved */
  uint32_t anc1; /* dense index of the hop-1 ancestor (itself at hop 1); NONE for a case */
  uint8_t hop, red, yellow;
  int8_t channel; /* PC_CH_*, -1 case, PC_NCHANNELS other */
} node;

typedef struct area {
  char name[33];
  uint64_t rows;
} area;

typedef struct report {
  const char *trace_path, *screen_path, *bd_path, *data_path, *out_path;
  hid_t trace, screen, bd, data;
  pc_region *reg;
  size_t nreg;
  int64_t as_of;
  int top, nclusters;
  /* trace */
  node *nodes;
  size_t nn;
  int maxhop;
  uint64_t hop_n[MAXHOP + 1], comp_n, trace_red, trace_yellow, ch_n[NCH], unresolved;
  uint32_t *cases; /* node index of each case, by ordinal */
  size_t ncases, nh1;
  uint32_t *h1node; /* node index of each hop-1 person, by dense index */
  uint64_t *clu;    /* [case][maxhop + 2]: [h] persons at hop h, [maxhop + 1] companions */
  uint64_t *h1;     /* [hop-1 person][maxhop + 2]: their descendants, alike */
  uint64_t *casecomp; /* companions whose source is the case itself */
  /* screen */
  uint64_t scr_persons, scr_rows, scr_red, scr_yellow;
  area areas[MAXAREAS];
  int nareas;
  /* everyone flagged, each once */
  uint64_t fl_persons, fl_red, fl_yellow;
  aggmap city, county; /* v: total, red, yellow */
  int county_by_jur;
  pyramid all, flag;
  uint64_t persons_rows;
  /* breakdown */
  aggmap vax; /* v: persons aged vax_from+, below the required doses, unvaccinated */
  int vax_from, has_targets, has_testing;
  int64_t required_doses;
  uint64_t vax_persons, vax_below, vax_unvacc;
  uint64_t t_rows, t_residents, t_red, t_yellow, t_flagged;
  agg *t_top; /* community, v: flagged, red, yellow */
  size_t nt_top;
  sb warn; /* the outputs' own counts, where they disagree with their tables */
} report;

static const char *region_name(const report *R, uint64_t code) {
  const pc_region *r = pc_region_find(R->reg, R->nreg, code);
  return r ? r->name : NULL;
}

static int code_is(const char *c, const char *s) { return strncmp(c, s, 8) == 0; }

static int node_pid_cmp(const void *a, const void *b) {
  const node *x = a, *y = b;
  return (x->pid > y->pid) - (x->pid < y->pid);
}
static size_t node_find(const report *R, uint64_t pid) {
  node key = {.pid = pid};
  const node *n = bsearch(&key, R->nodes, R->nn, sizeof *R->nodes, node_pid_cmp);
  return n ? (size_t)(n - R->nodes) : (size_t)-1;
}

static int channel_index(const char *s) {
  char b[17];
  snprintf(b, sizeof b, "%.16s", s);
  if (!strcmp(b, "case")) return -1;
  int c = pc_channel_of(b);
  return c < 0 ? PC_NCHANNELS : c;
}

/* The dispatch level an output was made with, from its effective config
 * ("dispatch:\n  level: \"county\""); PC_LEVEL_CITY when it cannot be told. */
static int dispatch_level(hid_t f) {
  int level = PC_LEVEL_CITY;
  char *cfg = NULL;
  if (f < 0 || H5Aexists(f, "config") <= 0 || pc_h5_attr_read_str(f, "config", &cfg)) return level;
  const char *d = strstr(cfg, "\ndispatch:\n");
  for (d = d ? d + 11 : NULL; d && d[0] == ' ' && d[1] == ' ';) {
    char lv[16] = "";
    if (!strncmp(d, "  level: \"", 10) && sscanf(d + 10, "%15[a-z]", lv) == 1) {
      level = pc_level_of(lv);
      break;
    }
    d = strchr(d, '\n');
    if (d) d++;
  }
  free(cfg);
  return level;
}

/* A `counts` member (a dotted path: "areas.<name>") against what the tables
 * hold; a missing, non-integer or different one is a warning on the page. */
static void check_count(report *R, const char *file, json_object *counts, const char *key,
                        uint64_t have) {
  int64_t v = -1;
  if (!pc_json_get_i64(counts, key, &v) && v >= 0 && (uint64_t)v == have) return;
  char a[40];
  sb_printf(&R->warn, "<li>%s: the <code>counts</code> attribute gives %s %lld, its tables %s</li>",
            file, key, (long long)v, fmt_num(have, a));
}

/* ------------------------------------------------------------ the trace ---- */

static int read_contacts(pc_ctx *ctx, report *R) {
  cursor c;
  PC_CALL(cursor_open(R->trace, R->trace_path, &pc_view_report_contacts, &c));
  int rc = 0;
  R->nodes = pc_calloc(c.n + 1, sizeof *R->nodes, "contacts");
  if (!R->nodes) rc = PC_ERR_MEM;
  const void *row;
  while (!rc && !(rc = cursor_head(&c, &row)) && row) {
    const frow *f = row;
    if (R->nn && f->pid == R->nodes[R->nn - 1].pid) {
      rc = PC_ERROR(PC_ERR_DATA, "%s: a person twice in /contacts", R->trace_path);
      break;
    }
    if (f->hop > MAXHOP) {
      rc = PC_ERROR(PC_ERR_DATA, "%s: hop %u beyond %d", R->trace_path, f->hop, MAXHOP);
      break;
    }
    node *n = &R->nodes[R->nn++];
    n->pid = f->pid;
    n->source = f->source_pid;
    n->jurisdiction = f->jurisdiction;
    n->residence = f->residence;
    n->exposure = f->exposure;
    n->hop = f->hop;
    n->red = code_is(f->code, "red");
    n->yellow = code_is(f->code, "yellow");
    int ch = channel_index(f->channel);
    n->channel = (int8_t)(f->hop == 0 ? -1 : ch < 0 ? PC_NCHANNELS : ch);
    n->root = n->anc1 = NONE;
    cursor_pop(&c);
  }
  cursor_close(&c);
  if (rc) return rc;
  pc_log(ctx, "report: %zu rows of /contacts", R->nn);
  return 0;
}

static int case_cmp_ctx(const node *nodes, uint32_t a, uint32_t b) {
  const node *x = &nodes[a], *y = &nodes[b];
  if (x->exposure != y->exposure) return x->exposure < y->exposure ? -1 : 1;
  return (x->pid > y->pid) - (x->pid < y->pid);
}
static const node *sort_nodes;
static int case_cmp(const void *a, const void *b) {
  return case_cmp_ctx(sort_nodes, *(const uint32_t *)a, *(const uint32_t *)b);
}

/* Who started each chain: cases numbered by (window start, pid); every
 * contact walked back through source_pid to its case and its hop-1 ancestor. */
static int resolve_tree(report *R) {
  for (size_t i = 0; i < R->nn; i++) {
    const node *n = &R->nodes[i];
    if (n->hop > R->maxhop) R->maxhop = n->hop;
    R->hop_n[n->hop]++;
    R->trace_red += n->red;
    R->trace_yellow += n->yellow;
    if (n->hop) R->ch_n[n->channel]++;
    if (n->hop == 0) R->ncases++;
    if (n->hop == 1) R->nh1++;
  }
  const size_t W = (size_t)R->maxhop + 2;
  R->cases = pc_malloc((R->ncases + 1) * sizeof *R->cases, "cases");
  R->h1node = pc_malloc((R->nh1 + 1) * sizeof *R->h1node, "close contacts");
  R->clu = pc_calloc((R->ncases + 1) * W, sizeof *R->clu, "clusters");
  R->casecomp = pc_calloc(R->ncases + 1, sizeof *R->casecomp, "clusters");
  R->h1 = pc_calloc((R->nh1 + 1) * W, sizeof *R->h1, "close contacts");
  if (!R->cases || !R->h1node || !R->clu || !R->h1 || !R->casecomp) return PC_ERR_MEM;
  size_t k = 0, j = 0;
  for (size_t i = 0; i < R->nn; i++) {
    if (R->nodes[i].hop == 0) R->cases[k++] = (uint32_t)i;
    if (R->nodes[i].hop == 1) {
      R->nodes[i].anc1 = (uint32_t)j;
      R->h1node[j++] = (uint32_t)i;
    }
  }
  sort_nodes = R->nodes;
  pc_qsort(R->cases, R->ncases, sizeof *R->cases, case_cmp);
  for (size_t o = 0; o < R->ncases; o++) R->nodes[R->cases[o]].root = (uint32_t)o;
  for (int h = 1; h <= R->maxhop; h++)
    for (size_t i = 0; i < R->nn; i++) {
      node *n = &R->nodes[i];
      if (n->hop != h) continue;
      size_t s = node_find(R, n->source);
      if (s == (size_t)-1 || R->nodes[s].hop != h - 1 || R->nodes[s].root == NONE) {
        R->unresolved++;
        continue;
      }
      n->root = R->nodes[s].root;
      if (h > 1) n->anc1 = R->nodes[s].anc1;
      R->clu[(size_t)n->root * W + (size_t)h]++;
      if (h > 1 && n->anc1 != NONE) R->h1[(size_t)n->anc1 * W + (size_t)h]++;
    }
  return 0;
}

/* A companion: counted in its source's cluster (and under its hop-1 ancestor). */
static void add_companion(report *R, const frow *f) {
  const size_t W = (size_t)R->maxhop + 2;
  R->comp_n++;
  if (code_is(f->code, "red")) R->trace_red++;
  else if (code_is(f->code, "yellow")) R->trace_yellow++;
  int ch = channel_index(f->channel);
  R->ch_n[ch < 0 ? PC_NCHANNELS : ch]++;
  size_t s = R->nn ? node_find(R, f->source_pid) : (size_t)-1;
  if (s == (size_t)-1 || R->nodes[s].root == NONE) {
    R->unresolved++;
    return;
  }
  const node *n = &R->nodes[s];
  R->clu[(size_t)n->root * W + W - 1]++;
  if (n->hop == 0) R->casecomp[n->root]++;
  else if (n->anc1 != NONE) R->h1[(size_t)n->anc1 * W + W - 1]++;
}

static int add_area(report *R, const char *name) {
  char b[33];
  snprintf(b, sizeof b, "%.32s", name);
  for (int i = 0; i < R->nareas; i++)
    if (!strcmp(R->areas[i].name, b)) {
      R->areas[i].rows++;
      return 0;
    }
  if (R->nareas == MAXAREAS)
    return PC_ERROR(PC_ERR_DATA, "%s: more than %d areas", R->screen_path, MAXAREAS);
  snprintf(R->areas[R->nareas].name, sizeof R->areas[0].name, "%s", b);
  R->areas[R->nareas++].rows = 1;
  return 0;
}

/* The merge in pid order of /contacts (held), /companions, /screened and the
 * dataset's /persons: every flagged person once (most severe code, the first
 * jurisdiction found: trace before screen), the pyramids, the clusters. */
static int merge(pc_ctx *ctx, report *R) {
  cursor comp, scr, pers;
  memset(&comp, 0, sizeof comp);
  memset(&scr, 0, sizeof scr);
  memset(&pers, 0, sizeof pers);
  comp.t.dset = comp.t.mtype = scr.t.dset = scr.t.mtype = pers.t.dset = pers.t.mtype = -1;
  int rc = cursor_open(R->trace, R->trace_path, &pc_view_report_companions, &comp);
  if (!rc) rc = cursor_open(R->screen, R->screen_path, &pc_view_report_screened, &scr);
  if (!rc) rc = cursor_open(R->data, R->data_path, &pc_schema_persons, &pers);
  size_t ci = 0;
  uint64_t prev_comp = 0;
  int any_comp = 0;
  while (!rc) {
    const void *cr, *sr, *pr;
    if ((rc = cursor_head(&comp, &cr)) || (rc = cursor_head(&scr, &sr))) break;
    uint64_t P = UINT64_MAX;
    int any = 0;
    if (ci < R->nn) P = R->nodes[ci].pid, any = 1;
    if (cr && (!any || ((const frow *)cr)->pid < P)) P = ((const frow *)cr)->pid, any = 1;
    if (sr && (!any || ((const frow *)sr)->pid < P)) P = ((const frow *)sr)->pid, any = 1;
    if (!any) break;
    int red = 0, yellow = 0, have = 0;
    uint64_t jur = 0, res = 0;
    if (ci < R->nn && R->nodes[ci].pid == P) {
      const node *n = &R->nodes[ci++];
      red |= n->red;
      yellow |= n->yellow;
      jur = n->jurisdiction;
      res = n->residence;
      have = 1;
    }
    if (cr && ((const frow *)cr)->pid == P) {
      const frow *f = cr;
      if (any_comp && f->pid == prev_comp) {
        rc = PC_ERROR(PC_ERR_DATA, "%s: a person twice in /companions", R->trace_path);
        break;
      }
      prev_comp = f->pid;
      any_comp = 1;
      add_companion(R, f);
      red |= code_is(f->code, "red");
      yellow |= code_is(f->code, "yellow");
      if (!have) jur = f->jurisdiction, res = f->residence, have = 1;
      cursor_pop(&comp);
    }
    if (sr && ((const frow *)sr)->pid == P) {
      int sred = 0, syellow = 0;
      while (!rc && sr && ((const frow *)sr)->pid == P) {
        const frow *f = sr;
        R->scr_rows++;
        sred |= code_is(f->code, "red");
        syellow |= code_is(f->code, "yellow");
        if (!have) jur = f->jurisdiction, res = f->residence, have = 1;
        rc = add_area(R, f->area);
        cursor_pop(&scr);
        if (!rc) rc = cursor_head(&scr, &sr);
      }
      if (rc) break;
      R->scr_persons++;
      R->scr_red += sred;
      R->scr_yellow += !sred && syellow;
      red |= sred;
      yellow |= syellow;
    }
    R->fl_persons++;
    R->fl_red += red;
    R->fl_yellow += !red && yellow;
    agg *a = agg_at(&R->city, pc_region_cut(jur, PC_LEVEL_CITY));
    agg *b = agg_at(&R->county, pc_region_cut(R->county_by_jur ? jur : res, PC_LEVEL_COUNTY));
    if (!a || !b) {
      rc = PC_ERR_MEM;
      break;
    }
    a->v[0]++, b->v[0]++;
    if (red) a->v[1]++, b->v[1]++;
    else if (yellow) a->v[2]++, b->v[2]++;
    /* The dataset's persons up to P: the whole population, and P's sex and age. */
    int found = 0;
    while (!(rc = cursor_head(&pers, &pr)) && pr && ((const pc_person *)pr)->pid <= P) {
      const pc_person *p = pr;
      pyr_add(&R->all, p, R->as_of);
      if (p->pid == P) {
        pyr_add(&R->flag, p, R->as_of);
        found = 1;
      }
      R->persons_rows++;
      cursor_pop(&pers);
    }
    if (rc) break;
    if (!found) R->flag.total++, R->flag.unknown++;
    if (R->fl_persons % 65536 == 0) pc_progress(ctx, R->persons_rows, pers.n);
  }
  const void *pr;
  while (!rc && !(rc = cursor_head(&pers, &pr)) && pr) {
    pyr_add(&R->all, pr, R->as_of);
    if (++R->persons_rows % CHUNK == 0) pc_progress(ctx, R->persons_rows, pers.n);
    cursor_pop(&pers);
  }
  cursor_close(&comp);
  cursor_close(&scr);
  cursor_close(&pers);
  return rc;
}

/* -------------------------------------------------------- the breakdown ---- */

typedef pc_report_count_row trow; /* what the page counts of /targets and /testing */

static int read_breakdown(report *R) {
  hid_t f = R->bd;
  R->vax_from = 60;
  if (H5Lexists(f, "axes", H5P_DEFAULT) > 0) {
    hid_t g = H5Gopen2(f, "axes", H5P_DEFAULT);
    if (g >= 0 && H5Aexists(g, "age_edges") > 0) {
      hid_t a = H5Aopen(g, "age_edges", H5P_DEFAULT);
      hid_t sp = H5Aget_space(a);
      hssize_t n = H5Sget_simple_extent_npoints(sp);
      int32_t e[PC_MAX_AGE_EDGES];
      if (n > 0 && n <= PC_MAX_AGE_EDGES && H5Aread(a, H5T_NATIVE_INT32, e) >= 0) {
        R->vax_from = -1;
        for (hssize_t i = 0; i < n && R->vax_from < 0; i++)
          if (e[i] >= 60) R->vax_from = e[i];
      }
      H5Sclose(sp);
      H5Aclose(a);
    }
    if (g >= 0) H5Gclose(g);
  }
  if (H5Aexists(f, "required_doses") > 0)
    PC_CALL(pc_h5_attr_read_i64(f, "required_doses", &R->required_doses));
  static const char *const tabs[2] = {"targets", "testing"};
  static const pc_schema *const views[2] = {&pc_view_report_targets, &pc_view_report_testing};
  for (int k = 0; k < 2; k++) {
    if (H5Lexists(f, tabs[k], H5P_DEFAULT) <= 0) continue;
    pc_table t;
    PC_CALL(pc_table_open(f, NULL, views[k], &t));
    const uint64_t n = t.nrows;
    if (k == 0) R->has_targets = 1;
    else R->has_testing = 1;
    size_t cap = n < CHUNK ? (size_t)n : CHUNK;
    trow *buf = pc_calloc(cap + 1, sizeof *buf, tabs[k]);
    int rc = buf ? 0 : PC_ERR_MEM;
    for (uint64_t at = 0; at < n && !rc; at += cap) {
      size_t m = n - at < cap ? (size_t)(n - at) : cap;
      if ((rc = pc_table_read(&t, at, m, buf))) {
        rc = PC_ERROR(rc, "%s: cannot read /%s", R->bd_path, tabs[k]);
        break;
      }
      for (size_t i = 0; i < m && !rc; i++) {
        const trow *r = &buf[i];
        if (k == 0) {
          if (R->vax_from < 0 || r->age_from < R->vax_from) continue;
          agg *a = agg_at(&R->vax, r->county);
          if (!a) {
            rc = PC_ERR_MEM;
            break;
          }
          a->v[0] += r->persons, a->v[1] += r->below, a->v[2] += r->unvacc;
          R->vax_persons += r->persons, R->vax_below += r->below, R->vax_unvacc += r->unvacc;
        } else {
          R->t_rows++;
          R->t_residents += r->residents, R->t_red += r->red, R->t_yellow += r->yellow;
          R->t_flagged += r->flagged;
          /* Keep the top communities by flagged (then code): insertion into a short list. */
          agg x = {r->community, {r->flagged, r->red, r->yellow}};
          size_t pos = R->nt_top;
          while (pos > 0 && by_v0(&x, &R->t_top[pos - 1]) < 0) pos--;
          if (pos < (size_t)R->top) {
            size_t keep = R->nt_top < (size_t)R->top ? R->nt_top : (size_t)R->top - 1;
            memmove(R->t_top + pos + 1, R->t_top + pos, (keep - pos) * sizeof x);
            R->t_top[pos] = x;
            if (R->nt_top < (size_t)R->top) R->nt_top++;
          }
        }
      }
    }
    free(buf);
    pc_table_close(&t);
    if (rc) return rc;
  }
  return 0;
}

/* ---------------------------------------------------------- the page: svg ---- */

static const char *const ch_colors[NCH] = {"#7b3294", "#1b9e77", "#66a61e", "#1f78b4",
                                           "#e66101", "#5e3c99", "#8c8c8c", "#444444"};
static const char *ch_name(int c) {
  return c >= 0 && c < PC_NCHANNELS ? pc_channel_names[c] : "other";
}

/* The label of a region: its name and code digits at `level` ("长沙市 4301"). */
static void sb_region(sb *b, const report *R, uint64_t code, int level, const char *none) {
  if (!code) {
    sb_puts(b, none);
    return;
  }
  const char *n = region_name(R, code);
  if (n) sb_esc(b, n, PC_REGION_NAME_LEN);
  else sb_puts(b, "?");
  sb_printf(b, " %llu", (unsigned long long)pc_region_short(code, level));
}

/* Horizontal stacked bars (red, yellow) of people to reach, one row per region. */
static void svg_reach(sb *b, const report *R, const agg *a, size_t n, int level,
                      const char *prefix, const char *none) {
  const int W = 1120, L = 230, BW = 560, RH = 24;
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++)
    if (a[i].v[0] > max) max = a[i].v[0];
  sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
               "role=\"img\">\n", W, n * RH + 8, W, n * RH + 8);
  for (size_t i = 0; i < n; i++) {
    const agg *x = &a[i];
    double y = 4 + (double)i * RH;
    double wr = (double)BW * (double)x->v[1] / (double)max,
           wy = (double)BW * (double)x->v[2] / (double)max,
           wo = (double)BW * (double)(x->v[0] - x->v[1] - x->v[2]) / (double)max;
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", L - 8, y + 16);
    sb_region(b, R, x->code, level, none);
    sb_puts(b, "</text>");
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"red\"/>", L, y + 3,
              wr, RH - 6);
    sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"yellow\"/>",
              L + wr, y + 3, wy, RH - 6);
    if (wo > 0)
      sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"#999\"/>",
                L + wr + wy, y + 3, wo, RH - 6);
    sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", L + wr + wy + wo + 6, y + 16);
    unsigned long long c = pc_region_short(x->code, level);
    sb_kv(b, "tspan", x->v[0], "%s-%llu", prefix, c);
    sb_puts(b, "<tspan class=\"sub\"> (red ");
    sb_kv(b, "tspan", x->v[1], "%s-%llu-red", prefix, c);
    sb_puts(b, ", yellow ");
    sb_kv(b, "tspan", x->v[2], "%s-%llu-yellow", prefix, c);
    sb_puts(b, ")</tspan></text>\n");
  }
  sb_puts(b, "</svg>\n");
}

static void band_label(int i, char *buf) {
  if (i == NBANDS - 1) sprintf(buf, "%d+", 5 * i);
  else sprintf(buf, "%d-%d", 5 * i, 5 * i + 4);
}

/* Male left, female right; each set as shares of its own known total: the
 * whole population as grey bars, the flagged as narrower coloured bars. */
static void svg_pyramid(sb *b, const pyramid *all, const pyramid *fl, int has_flag) {
  const int W = 900, C = 450, HW = 360, RH = 22, top = 30;
  double ta = (double)(all->total - all->unknown), tf = (double)(fl->total - fl->unknown);
  double max = 0.0001;
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < NBANDS; i++) {
      if (ta > 0 && all->c[s][i] / ta > max) max = all->c[s][i] / ta;
      if (has_flag && tf > 0 && fl->c[s][i] / tf > max) max = fl->c[s][i] / tf;
    }
  int H = top + NBANDS * RH + 40;
  sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\">\n", W, H, W, H);
  sb_printf(b, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" class=\"lab\">male</text>"
               "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" class=\"lab\">female</text>\n",
            C - HW / 2, C + HW / 2);
  for (int i = 0; i < NBANDS; i++) {
    int row = NBANDS - 1 - i; /* oldest at the top */
    double y = top + row * RH;
    char lab[16];
    band_label(i, lab);
    for (int s = 0; s < 2; s++) {
      double wa = ta > 0 ? HW * (all->c[s][i] / ta) / max : 0;
      double wf = has_flag && tf > 0 ? HW * (fl->c[s][i] / tf) / max : 0;
      double xa = s == 0 ? C - 24 - wa : C + 24, xf = s == 0 ? C - 24 - wf : C + 24;
      sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"popbar\"/>",
                xa, y + 1, wa, RH - 2);
      if (has_flag)
        sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"%s\"/>", xf,
                  y + 6, wf, RH - 12, s == 0 ? "male" : "female");
    }
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%s</text>\n", C,
              y + 15, lab);
  }
  int ly = top + NBANDS * RH + 22;
  sb_printf(b, "<rect x=\"220\" y=\"%d\" width=\"18\" height=\"12\" class=\"popbar\"/>"
               "<text x=\"244\" y=\"%d\" class=\"axis\">whole population (share of its total)"
               "</text>",
            ly - 10, ly);
  if (has_flag)
    sb_printf(b, "<rect x=\"530\" y=\"%d\" width=\"9\" height=\"12\" class=\"male\"/>"
                 "<rect x=\"539\" y=\"%d\" width=\"9\" height=\"12\" class=\"female\"/>"
                 "<text x=\"554\" y=\"%d\" class=\"axis\">flagged (share of the flagged)</text>",
              ly - 10, ly - 10, ly);
  sb_puts(b, "\n</svg>\n");
}

/* -------------------------------------------------------- the page: trees ---- */

static const report *h1_sort_R;
static uint64_t h1_total(const report *R, uint32_t j) {
  const size_t W = (size_t)R->maxhop + 2;
  uint64_t t = 0;
  for (size_t k = 2; k < W; k++) t += R->h1[(size_t)j * W + k];
  return t;
}
static int h1_cmp(const void *pa, const void *pb) {
  const report *R = h1_sort_R;
  uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
  uint64_t ta = h1_total(R, a), tb = h1_total(R, b);
  if (ta != tb) return ta < tb ? 1 : -1;
  const node *x = &R->nodes[R->h1node[a]], *y = &R->nodes[R->h1node[b]];
  if (x->exposure != y->exposure) return x->exposure < y->exposure ? -1 : 1;
  return (x->pid > y->pid) - (x->pid < y->pid);
}

static uint64_t clu_size(const report *R, size_t o) {
  const size_t W = (size_t)R->maxhop + 2;
  uint64_t t = 1;
  for (size_t k = 1; k < W; k++) t += R->clu[o * W + k];
  return t;
}
static const report *clu_sort_R;
static int clu_cmp(const void *pa, const void *pb) {
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  uint64_t sa = clu_size(clu_sort_R, a), sb_ = clu_size(clu_sort_R, b);
  if (sa != sb_) return sa < sb_ ? 1 : -1;
  return (a > b) - (a < b);
}

/* "hop 2: 12 · companions: 3" as checked numbers, from counts c[2..maxhop+1]. */
static void sb_desc(sb *b, const report *R, const uint64_t *c, const char *key) {
  const size_t W = (size_t)R->maxhop + 2;
  int first = 1;
  for (size_t k = 2; k < W; k++) {
    if (!first) sb_puts(b, " · ");
    first = 0;
    if (k < W - 1) sb_printf(b, "hop %zu: ", k);
    else sb_puts(b, "companions: ");
    if (k < W - 1) sb_kv(b, "tspan", c[k], "%s-hop%zu", key, k);
    else sb_kv(b, "tspan", c[k], "%s-companion", key);
  }
}

/* The counts beyond a node as a bar at the right: hops in shades of yellow,
 * companions grey, all trees of one cluster at one scale. */
static void svg_descbar(sb *b, const report *R, const uint64_t *c, double y, uint64_t max) {
  const size_t W = (size_t)R->maxhop + 2;
  static const char *const shades[3] = {"#f2b705", "#e08a00", "#b35c00"};
  double x = 820;
  for (size_t k = 2; k < W && max; k++) {
    double w = 280.0 * (double)c[k] / (double)max;
    if (w <= 0) continue;
    sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"10\" fill=\"%s\"/>", x,
              y - 5, w, k == W - 1 ? "#9aa3af" : shades[(k - 2) % 3]);
    x += w;
  }
}

/* One cluster: the case, its close contacts (up to TREE_NODES, the largest
 * subtrees first), each with the counts beyond it, then the rest of the close
 * contacts as one node, then the case's own companions. Columns at fixed x,
 * one row per node: the same outputs give the same picture. */
static int svg_tree(sb *b, const report *R, size_t rank, size_t o) {
  const size_t W = (size_t)R->maxhop + 2;
  const node *cn = &R->nodes[R->cases[o]];
  size_t nk = 0;
  for (size_t j = 0; j < R->nh1; j++)
    if (R->nodes[R->h1node[j]].root == o) nk++;
  uint32_t *kids = pc_malloc((nk + 1) * sizeof *kids, "tree");
  if (!kids) return PC_ERR_MEM;
  nk = 0;
  for (size_t j = 0; j < R->nh1; j++)
    if (R->nodes[R->h1node[j]].root == o) kids[nk++] = (uint32_t)j;
  h1_sort_R = R;
  pc_qsort(kids, nk, sizeof *kids, h1_cmp);
  size_t shown = nk < TREE_NODES ? nk : TREE_NODES;
  int more = nk > shown, comp = R->casecomp[o] > 0;
  size_t rows = shown + (size_t)more + (size_t)comp;
  if (!rows) rows = 1;
  const int RH = 30, X1 = 330, X2 = 560;
  uint64_t bmax = 0; /* bars at the scale of the largest drawn contact (sums have none) */
  for (size_t i = 0; i < shown; i++)
    if (h1_total(R, kids[i]) > bmax) bmax = h1_total(R, kids[i]);
  int H = (int)rows * RH + 16;
  double cy = 8 + (double)rows * RH / 2;
  char key[48];
  snprintf(key, sizeof key, "cl%zu", rank);

  sb_printf(b, "<h3>Cluster %zu: case ", rank);
  sb_kv(b, "span", o + 1, "%s-case", key);
  sb_puts(b, " — ");
  sb_kv(b, "span", clu_size(R, o), "%s-size", key);
  sb_puts(b, " people</h3>\n<p class=\"note\">");
  for (size_t k = 1; k < W; k++) {
    if (k > 1) sb_puts(b, ", ");
    if (k < W - 1) {
      sb_kv(b, "span", R->clu[o * W + k], "%s-hop%zu", key, k);
      sb_printf(b, " at hop %zu%s", k, k == 1 ? " (close contacts)" : "");
    } else {
      sb_kv(b, "span", R->clu[o * W + k], "%s-companion", key);
      sb_puts(b, " companions");
    }
  }
  sb_puts(b, "; the case lives in ");
  sb_region(b, R, pc_region_cut(cn->residence, PC_LEVEL_COUNTY), PC_LEVEL_COUNTY, "an unknown county");
  sb_puts(b, ".</p>\n");
  sb_printf(b, "<svg class=\"chart tree\" width=\"1120\" height=\"%d\" viewBox=\"0 0 1120 %d\" "
               "role=\"img\">\n", H, H);
  size_t r = 0;
  for (size_t i = 0; i < shown; i++, r++) {
    const node *k = &R->nodes[R->h1node[kids[i]]];
    double y = 8 + (double)r * RH + RH / 2.0;
    int ch = k->channel < 0 ? PC_NCHANNELS : k->channel;
    sb_printf(b, "<path d=\"M190 %.1f C260 %.1f 260 %.1f %d %.1f\" stroke=\"%s\" class=\"edge\"/>",
              cy, cy, y, X1, y, ch_colors[ch]);
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"190\" height=\"24\" rx=\"5\" class=\"node\" "
                 "stroke=\"%s\"/>", X1, y - 12, ch_colors[ch]);
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">contact %zu.%zu · %s</text>", X1 + 8,
              y + 5, o + 1, i + 1, ch_name(ch));
    const uint64_t *c = &R->h1[(size_t)kids[i] * W];
    char nk2[64];
    snprintf(nk2, sizeof nk2, "%s-n%zu", key, i + 1);
    if (h1_total(R, kids[i])) {
      sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"edge2\"/>", X1 + 190,
                y, X2, y);
      sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill\">", X2 + 6, y + 5);
    } else {
      sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill none\">", X1 + 200, y + 5);
    }
    sb_desc(b, R, c, nk2);
    sb_puts(b, "</text>");
    svg_descbar(b, R, c, y, bmax);
    sb_puts(b, "\n");
  }
  if (more) {
    double y = 8 + (double)r++ * RH + RH / 2.0;
    uint64_t *c = pc_calloc(W, sizeof *c, "tree");
    if (!c) {
      free(kids);
      return PC_ERR_MEM;
    }
    for (size_t i = shown; i < nk; i++)
      for (size_t k = 0; k < W; k++) c[k] += R->h1[(size_t)kids[i] * W + k];
    sb_printf(b, "<path d=\"M190 %.1f C260 %.1f 260 %.1f %d %.1f\" class=\"edge more\"/>", cy, cy,
              y, X1, y);
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"190\" height=\"24\" rx=\"5\" "
                 "class=\"node more\"/>", X1, y - 12);
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">+ ", X1 + 8, y + 5);
    sb_kv(b, "tspan", nk - shown, "%s-more", key);
    sb_puts(b, " more close contacts</text>");
    sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"edge2\"/>", X1 + 190, y,
              X2, y);
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill\">", X2 + 6, y + 5);
    char mk[64];
    snprintf(mk, sizeof mk, "%s-more", key);
    sb_desc(b, R, c, mk);
    sb_puts(b, "</text>\n");
    free(c);
  }
  if (comp) {
    double y = 8 + (double)r++ * RH + RH / 2.0;
    sb_printf(b, "<path d=\"M190 %.1f C260 %.1f 260 %.1f %d %.1f\" class=\"edge comp\"/>", cy, cy,
              y, X1, y);
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"190\" height=\"24\" rx=\"5\" "
                 "class=\"node comp\"/>", X1, y - 12);
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">companions of the case: ", X1 + 8, y + 5);
    sb_kv(b, "tspan", R->casecomp[o], "%s-casecomp", key);
    sb_puts(b, "</text>\n");
  }
  sb_printf(b, "<rect x=\"10\" y=\"%.1f\" width=\"180\" height=\"44\" rx=\"8\" class=\"case\"/>"
               "<text x=\"100\" y=\"%.1f\" text-anchor=\"middle\" class=\"casel\">case %zu</text>"
               "<text x=\"100\" y=\"%.1f\" text-anchor=\"middle\" class=\"cases\">",
            cy - 22, cy - 3, o + 1, cy + 14);
  sb_kv(b, "tspan", nk, "%s-h1", key);
  sb_puts(b, " close contacts</text>\n</svg>\n");
  free(kids);
  return 0;
}

/* ------------------------------------------------------ the page: parts ---- */

static const char *const css =
    "body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\","
    "\"WenQuanYi Zen Hei\",\"WenQuanYi Micro Hei\",\"PingFang SC\",\"Microsoft YaHei\","
    "\"Heiti SC\",\"DejaVu Sans\",sans-serif;margin:24px auto;max-width:1160px;padding:0 16px;"
    "color:#1d2330;background:#fff;line-height:1.4}\n"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:34px 0 8px;border-bottom:2px solid "
    "#dde3ea;padding-bottom:4px}h3{font-size:16px;margin:22px 0 2px}\n"
    ".sub{color:#5b6575}.note{color:#5b6575;font-size:13px;margin:2px 0 8px}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.card{border:1px solid #dde3ea;"
    "border-radius:8px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:24px}"
    ".card span.t{font-size:12px;color:#5b6575}.card.red b{color:#c0182f}.card.yellow b{color:#a87800}\n"
    "table{border-collapse:collapse;font-size:13px;margin:6px 0}td,th{padding:3px 10px;border-bottom:"
    "1px solid #eef1f4;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "svg.chart{display:block;max-width:100%;height:auto;font-size:13px}svg .lab{fill:#1d2330}"
    "svg .val{fill:#1d2330;font-weight:600}svg .sub{fill:#5b6575;font-weight:400}"
    "svg .axis{fill:#5b6575;font-size:12px}\n"
    ".red{fill:#d7263d}.yellow{fill:#f2b705}.popbar{fill:#c9d1db}.male{fill:#2b6cb0}"
    ".female{fill:#c2417a}.vax{fill:#3a7d44}\n"
    ".edge{fill:none;stroke-width:1.6}.edge.more{stroke:#888;stroke-dasharray:5 3}.edge.comp{stroke:"
    "#8c8c8c;stroke-dasharray:2 3}.edge2{stroke:#b8c0cc;stroke-width:1.2}.node{fill:#fff;"
    "stroke-width:1.6}.node.more{stroke:#888;stroke-dasharray:5 3}.node.comp{stroke:#8c8c8c;"
    "stroke-dasharray:2 3}.case{fill:#d7263d}.casel{fill:#fff;font-weight:700;font-size:15px}"
    ".cases{fill:#fff;font-size:12px}.pill{fill:#1d2330;font-size:12px}.pill.none{fill:#9aa3af}\n"
    ".legend span{display:inline-block;margin-right:14px;font-size:13px}.legend i{display:"
    "inline-block;width:14px;height:4px;margin-right:5px;vertical-align:middle}\n"
    "details{margin:6px 0}summary{cursor:pointer;color:#2b6cb0}pre{background:#f6f8fa;padding:8px;"
    "font-size:12px;overflow-x:auto;white-space:pre-wrap}table.prov td,table.prov th{"
    "vertical-align:top}.warn{background:#fff4e5;border:1px solid "
    "#f2b705;padding:6px 12px}\n";

static void card(sb *b, const char *cls, const char *title, uint64_t v, const char *key) {
  sb_printf(b, "<div class=\"card %s\"><span class=\"t\">%s</span>", cls, title);
  sb_kv(b, "b", v, "%s", key);
  sb_puts(b, "</div>\n");
}

/* A table row: label, then the checked number; the last row closes the table. */
static void count_row(sb *b, const char *label, uint64_t v, const char *key, int last) {
  sb_printf(b, "<tr><td>%s</td><td class=\"n\">", label);
  sb_kv(b, "span", v, "%s", key);
  sb_puts(b, last ? "</td></tr></table>\n" : "</td></tr>\n");
}

static void counts_section(sb *b, const report *R) {
  sb_puts(b, "<h2>Counts</h2>\n");
  if (R->trace >= 0 || R->screen >= 0) {
    sb_puts(b, "<div class=\"cards\">\n");
    card(b, "", "flagged, each person once", R->fl_persons, "flagged");
    card(b, "red", "red code", R->fl_red, "flagged-red");
    card(b, "yellow", "yellow code", R->fl_yellow, "flagged-yellow");
    if (R->trace >= 0) {
      card(b, "", "cases (hop 0)", R->hop_n[0], "hop0");
      card(b, "", "close contacts (密接, hop 1)", R->hop_n[1], "hop1");
      for (int h = 2; h <= R->maxhop; h++) {
        char t[64], k[16];
        if (h == 2) snprintf(t, sizeof t, "contacts of close contacts (次密接, hop 2)");
        else snprintf(t, sizeof t, "hop %d", h);
        snprintf(k, sizeof k, "hop%d", h);
        card(b, "", t, R->hop_n[h], k);
      }
      card(b, "", "companions (时空伴随)", R->comp_n, "companion");
    }
    if (R->screen >= 0) card(b, "", "risk-area visitors (screened)", R->scr_persons, "screened");
    sb_puts(b, "</div>\n<p class=\"note\">Red and yellow count each person once with the most "
               "severe code of every output given; a person both traced and screened is one "
               "person.</p>\n");
  }
  if (R->trace >= 0) {
    sb_puts(b, "<h3>Trace</h3><table><tr><th>class</th><th class=\"n\">persons</th></tr>\n");
    for (int h = 0; h <= R->maxhop; h++) {
      char label[16], key[24];
      snprintf(label, sizeof label, "hop %d", h);
      snprintf(key, sizeof key, "trace-hop%d", h);
      count_row(b, label, R->hop_n[h], key, 0);
    }
    count_row(b, "companion", R->comp_n, "trace-companion", 0);
    count_row(b, "red code", R->trace_red, "trace-red", 0);
    count_row(b, "yellow code", R->trace_yellow, "trace-yellow", 1);
    sb_puts(b, "<h3>Trace: persons found per channel</h3>"
               "<p class=\"legend\">");
    for (int c = 0; c < NCH; c++) {
      if (c == PC_NCHANNELS && !R->ch_n[c]) continue;
      sb_printf(b, "<span><i style=\"background:%s\"></i>%s ", ch_colors[c], ch_name(c));
      sb_kv(b, "b", R->ch_n[c], "ch-%s", ch_name(c));
      sb_puts(b, "</span>");
    }
    sb_puts(b, "</p><p class=\"note\">household, cafe, lodging, flight and rail make close "
               "contacts; lbs and grid companions (the channel that found each person; the cases "
               "are not counted).</p>\n");
  }
  if (R->screen >= 0) {
    sb_puts(b, "<h3>Screening</h3><table><tr><th>area</th><th class=\"n\">persons</th></tr>\n");
    /* Areas by name (byte order): the order does not depend on the rows. */
    int idx[MAXAREAS];
    for (int i = 0; i < R->nareas; i++) idx[i] = i;
    for (int i = 1; i < R->nareas; i++)
      for (int j = i; j > 0 && strcmp(R->areas[idx[j - 1]].name, R->areas[idx[j]].name) > 0; j--) {
        int t = idx[j];
        idx[j] = idx[j - 1];
        idx[j - 1] = t;
      }
    for (int i = 0; i < R->nareas; i++) {
      sb_puts(b, "<tr><td>");
      sb_esc(b, R->areas[idx[i]].name, 32);
      sb_puts(b, "</td><td class=\"n\">");
      sb_kv(b, "span", R->areas[idx[i]].rows, "area-%d", i + 1);
      sb_puts(b, "</td></tr>\n");
    }
    count_row(b, "persons (each once)", R->scr_persons, "screen-persons", 0);
    count_row(b, "rows (person and area)", R->scr_rows, "screen-rows", 0);
    count_row(b, "red code", R->scr_red, "screen-red", 0);
    count_row(b, "yellow code", R->scr_yellow, "screen-yellow", 1);
  }
}

static int reach_section(sb *b, report *R) {
  if (R->trace < 0 && R->screen < 0) return 0;
  sb_puts(b, "<h2>People to reach</h2>\n<p class=\"note\">Each flagged person once, where they "
             "must be reached (the jurisdiction of the trace or screen: where they were at 03:00 "
             "the day before as_of); bars: red, then yellow.</p>\n<h3>Per city</h3>\n");
  pc_qsort(R->city.a, R->city.n, sizeof *R->city.a, by_v0);
  svg_reach(b, R, R->city.a, R->city.n, PC_LEVEL_CITY, "city", "unassigned");
  pc_qsort(R->county.a, R->county.n, sizeof *R->county.a, by_v0);
  size_t n = R->county.n < (size_t)R->top ? R->county.n : (size_t)R->top;
  sb_printf(b, "<h3>The %zu counties with most people to reach (of ", n);
  sb_kv(b, "span", R->county.n, "counties");
  sb_printf(b, "%s)</h3>\n", R->county_by_jur ? "" : "; by county of residence: the outputs "
            "assigned people to cities only");
  svg_reach(b, R, R->county.a, n, PC_LEVEL_COUNTY, "county",
            R->county_by_jur ? "unassigned" : "residence unknown");
  return 0;
}

static void pyr_table(sb *b, const pyramid *p, const char *key, const char *title) {
  sb_printf(b, "<table><tr><th>%s</th><th class=\"n\">male</th><th class=\"n\">female</th></tr>\n",
            title);
  for (int i = NBANDS - 1; i >= 0; i--) {
    char lab[16];
    band_label(i, lab);
    sb_printf(b, "<tr><td>%s</td><td class=\"n\">", lab);
    sb_kv(b, "span", p->c[0][i], "%s-m-%d", key, 5 * i);
    sb_puts(b, "</td><td class=\"n\">");
    sb_kv(b, "span", p->c[1][i], "%s-f-%d", key, 5 * i);
    sb_puts(b, "</td></tr>\n");
  }
  sb_puts(b, "<tr><td>sex or age unknown</td><td class=\"n\" colspan=\"2\">");
  sb_kv(b, "span", p->unknown, "%s-unknown", key);
  sb_puts(b, "</td></tr><tr><td><b>total</b></td><td class=\"n\" colspan=\"2\">");
  sb_kv(b, "b", p->total, "%s-total", key);
  sb_puts(b, "</td></tr></table>\n");
}

static void pyramid_section(sb *b, const report *R) {
  int has_flag = R->trace >= 0 || R->screen >= 0;
  sb_puts(b, "<h2>Age pyramids</h2>\n<p class=\"note\">");
  if (has_flag) sb_puts(b, "The flagged population (each person once) against the whole ");
  else sb_puts(b, "The whole ");
  sb_puts(b, "population of the dataset, by sex and 5-year age band at the dataset's as_of; each "
             "as shares of its own total, so their shapes compare.</p>\n");
  svg_pyramid(b, &R->all, &R->flag, has_flag);
  sb_puts(b, "<details><summary>the counts</summary><div style=\"display:flex;gap:40px\">");
  pyr_table(b, &R->all, "pyr-all", "whole population");
  if (has_flag) pyr_table(b, &R->flag, "pyr-flag", "flagged");
  sb_puts(b, "</div></details>\n");
}

static void vax_section(sb *b, report *R) {
  if (R->bd < 0) return;
  sb_printf(b, "<h2>Vaccination gap, aged %d+</h2>\n", R->vax_from < 0 ? 60 : R->vax_from);
  if (!R->has_targets || R->vax_from < 0) {
    sb_puts(b, "<p class=\"note\">The breakdown has no /targets, or no age band from 60: nothing "
               "to show.</p>\n");
    return;
  }
  sb_printf(b, "<p class=\"note\">People aged %d+ with fewer than %lld doses, per county of "
               "residence (the breakdown's /targets): ", R->vax_from, (long long)R->required_doses);
  sb_kv(b, "b", R->vax_below, "vax-below");
  sb_puts(b, " of ");
  sb_kv(b, "span", R->vax_persons, "vax-persons");
  sb_puts(b, " (");
  sb_pct(b, R->vax_below, R->vax_persons);
  sb_puts(b, "), ");
  sb_kv(b, "span", R->vax_unvacc, "vax-unvaccinated");
  sb_puts(b, " with no dose.</p>\n");
  pc_qsort(R->vax.a, R->vax.n, sizeof *R->vax.a, by_v1);
  size_t n = R->vax.n < (size_t)R->top ? R->vax.n : (size_t)R->top;
  sb_printf(b, "<h3>The %zu counties with the largest gap (of %zu)</h3>\n", n, R->vax.n);
  const int W = 1120, L = 230, BW = 560, RH = 24;
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++)
    if (R->vax.a[i].v[1] > max) max = R->vax.a[i].v[1];
  sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
               "role=\"img\">\n", W, n * RH + 8, W, n * RH + 8);
  for (size_t i = 0; i < n; i++) {
    const agg *x = &R->vax.a[i];
    double y = 4 + (double)i * RH, w = (double)BW * (double)x->v[1] / (double)max;
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", L - 8, y + 16);
    sb_region(b, R, x->code, PC_LEVEL_COUNTY, "unknown");
    sb_printf(b, "</text><rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"vax\"/>", L,
              y + 3, w, RH - 6);
    sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", L + w + 6, y + 16);
    sb_kv(b, "tspan", x->v[1], "vaxc-%llu", (unsigned long long)pc_region_short(x->code, PC_LEVEL_COUNTY));
    sb_puts(b, "<tspan class=\"sub\"> of ");
    sb_kv(b, "tspan", x->v[0], "vaxc-%llu-persons", (unsigned long long)pc_region_short(x->code, PC_LEVEL_COUNTY));
    sb_puts(b, " (");
    sb_pct(b, x->v[1], x->v[0]);
    sb_puts(b, ")</tspan></text>\n");
  }
  sb_printf(b, "</svg>\n<details><summary>every county</summary><table><tr><th>county</th>"
             "<th class=\"n\">aged %d+</th><th class=\"n\">below the required doses</th>"
             "<th class=\"n\">share</th><th class=\"n\">no dose</th></tr>\n", R->vax_from);
  for (size_t i = 0; i < R->vax.n; i++) {
    const agg *x = &R->vax.a[i];
    char a[40], c[40], d[40];
    sb_puts(b, "<tr><td>");
    sb_region(b, R, x->code, PC_LEVEL_COUNTY, "unknown");
    sb_printf(b, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">",
              fmt_num(x->v[0], a), fmt_num(x->v[1], c));
    sb_pct(b, x->v[1], x->v[0]);
    sb_printf(b, "</td><td class=\"n\">%s</td></tr>\n", fmt_num(x->v[2], d));
  }
  sb_puts(b, "</table></details>\n");
}

static void testing_section(sb *b, const report *R) {
  if (R->bd < 0 || !R->has_testing) return;
  sb_puts(b, "<h2>Testing targets</h2>\n<p class=\"note\">From the breakdown's /testing: ");
  sb_kv(b, "b", R->t_flagged, "testing-flagged");
  sb_puts(b, " people to test (red ");
  sb_kv(b, "span", R->t_red, "testing-red");
  sb_puts(b, ", yellow ");
  sb_kv(b, "span", R->t_yellow, "testing-yellow");
  sb_puts(b, ") in ");
  sb_kv(b, "span", R->t_rows, "testing-communities");
  sb_puts(b, " communities of residence.</p>\n<table><tr><th>community</th><th class=\"n\">to test"
             "</th><th class=\"n\">red</th><th class=\"n\">yellow</th></tr>\n");
  for (size_t i = 0; i < R->nt_top; i++) {
    const agg *x = &R->t_top[i];
    sb_puts(b, "<tr><td>");
    uint64_t cty = pc_region_cut(x->code, PC_LEVEL_COUNTY);
    const char *cn = x->code ? region_name(R, cty) : NULL;
    if (cn) {
      sb_esc(b, cn, PC_REGION_NAME_LEN);
      sb_puts(b, " ");
    }
    sb_region(b, R, x->code, PC_LEVEL_COMMUNITY, "residence unknown");
    sb_puts(b, "</td><td class=\"n\">");
    sb_kv(b, "span", x->v[0], "test-%llu", (unsigned long long)x->code);
    sb_puts(b, "</td><td class=\"n\">");
    sb_kv(b, "span", x->v[1], "test-%llu-red", (unsigned long long)x->code);
    sb_puts(b, "</td><td class=\"n\">");
    sb_kv(b, "span", x->v[2], "test-%llu-yellow", (unsigned long long)x->code);
    sb_puts(b, "</td></tr>\n");
  }
  sb_puts(b, "</table>\n");
}

static int trees_section(sb *b, report *R) {
  if (R->trace < 0 || !R->ncases || !R->nclusters) return 0;
  sb_printf(b, "<h2>Transmission trees of the largest clusters</h2>\n<p class=\"note\">A cluster "
               "is a case and everyone whose chain of sources leads back to it. Cases are numbered "
               "1 to %zu by the start of their window; each close contact (hop 1) is a node, "
               "coloured by the channel that found it, with the counts beyond it; close contacts "
               "past the first %d are one node. Bars at the right: the people beyond each contact drawn "
               "(yellow: hop 2 and beyond, grey: companions), at one scale per cluster. No "
               "identities: ordinals only.</p>\n<p class=\"legend\">",
            R->ncases, TREE_NODES);
  for (int c = 0; c < PC_NCHANNELS; c++)
    sb_printf(b, "<span><i style=\"background:%s\"></i>%s</span>", ch_colors[c], ch_name(c));
  sb_puts(b, "</p>\n");
  size_t *ord = pc_malloc(R->ncases * sizeof *ord, "clusters");
  if (!ord) return PC_ERR_MEM;
  for (size_t o = 0; o < R->ncases; o++) ord[o] = o;
  clu_sort_R = R;
  pc_qsort(ord, R->ncases, sizeof *ord, clu_cmp);
  size_t n = R->ncases < (size_t)R->nclusters ? R->ncases : (size_t)R->nclusters;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) rc = svg_tree(b, R, i + 1, ord[i]);
  free(ord);
  if (R->unresolved)
    sb_printf(b, "<p class=\"warn\">%llu rows whose source does not lead back to a case are in no "
                 "cluster.</p>\n", (unsigned long long)R->unresolved);
  return rc;
}

/* ------------------------------------------------------- provenance ---- */

/* One cell of the provenance table: an attribute of a file, "–" when absent. */
static void prov_cell(sb *b, hid_t f, const char *name) {
  sb_puts(b, "<td>");
  hid_t a = f >= 0 && H5Aexists(f, name) > 0 ? H5Aopen(f, name, H5P_DEFAULT) : -1;
  if (a < 0) {
    sb_puts(b, "–</td>");
    return;
  }
  hid_t t = H5Aget_type(a);
  if (H5Tget_class(t) == H5T_STRING) {
    char *s = NULL;
    if (!pc_h5_attr_read_str(f, name, &s)) {
      sb_esc(b, s, strlen(s));
      free(s);
    }
  } else if (H5Tget_class(t) == H5T_INTEGER) {
    long long v = 0;
    if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) {
      char tb[32];
      if (!strcmp(name, "as_of") || !strcmp(name, "dispatch_at") || !strncmp(name, "window_", 7))
        sb_printf(b, "%s", pc_time_format(v, tb));
      else if (!strcmp(name, "ranks"))
        sb_printf(b, "%lld", v);
      else
        sb_puts(b, fmt_num((uint64_t)v, tb));
    }
  }
  sb_puts(b, "</td>");
  H5Tclose(t);
  H5Aclose(a);
}

static char *read_small(const char *path, size_t max) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char *s = malloc(max + 1);
  size_t n = s ? fread(s, 1, max, f) : 0;
  fclose(f);
  if (s) s[n] = 0;
  return s;
}

/* Every file as a column: its root attributes and its run record's figures,
 * then the effective configs, input lists and run records in full. */
static void provenance_section(sb *b, const report *R) {
  const char *what[4] = {"trace", "screen", "breakdown", "dataset"};
  const char *path[4] = {R->trace_path, R->screen_path, R->bd_path, R->data_path};
  hid_t f[4] = {R->trace, R->screen, R->bd, R->data};
  char *rec[4] = {NULL, NULL, NULL, NULL};
  json_object *jrec[4] = {NULL, NULL, NULL, NULL};
  for (int i = 0; i < 4; i++)
    if (f[i] >= 0) {
      char p[4200];
      snprintf(p, sizeof p, "%s.run.json", path[i]);
      rec[i] = read_small(p, 1 << 20);
      jrec[i] = rec[i] ? json_tokener_parse(rec[i]) : NULL;
    }
  sb_puts(b, "<h2>Provenance</h2>\n<table class=\"prov\"><tr><th></th>");
  for (int i = 0; i < 4; i++)
    if (f[i] >= 0) {
      sb_printf(b, "<th>%s<br><code>", what[i]);
      sb_esc(b, path[i], strlen(path[i]));
      sb_puts(b, "</code></th>");
    }
  sb_puts(b, "</tr>\n");
  static const char *const attrs[][2] = {
      {"job", "job"}, {"tool_version", "paicha version"}, {"as_of", "as_of (UTC+8)"},
      {"window_start", "data window from"}, {"window_end", "data window to"},
      {"dispatch_at", "jurisdiction at"}, {"data", "dataset"}, {"index", "index"},
      {"cases", "cases file"}, {"persons", "persons"}, {"stays", "stays"},
      {"ranks", "ranks"}, {"run_time", "run at (UTC)"}, {"slurm_job_id", "Slurm job"},
      {"slurm_nodelist", "Slurm nodes"}};
  for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++) {
    int any = 0;
    for (int i = 0; i < 4; i++) any |= f[i] >= 0 && H5Aexists(f[i], attrs[k][0]) > 0;
    if (!any) continue;
    sb_printf(b, "<tr><td>%s</td>", attrs[k][1]);
    for (int i = 0; i < 4; i++)
      if (f[i] >= 0) prov_cell(b, f[i], attrs[k][0]);
    sb_puts(b, "</tr>\n");
  }
  sb_puts(b, "<tr><td>wall time</td>");
  for (int i = 0; i < 4; i++) {
    if (f[i] < 0) continue;
    json_object *w = NULL;
    if (jrec[i] && json_object_object_get_ex(jrec[i], "wall_seconds", &w))
      sb_printf(b, "<td>%.2f s</td>", json_object_get_double(w));
    else sb_puts(b, "<td>–</td>");
  }
  sb_puts(b, "</tr>\n<tr><td>peak memory per rank</td>");
  for (int i = 0; i < 4; i++) {
    if (f[i] < 0) continue;
    int64_t rss = -1;
    if (pc_json_get_i64(jrec[i], "peak_rss_bytes_max", &rss)) rss = -1;
    if (rss >= 0) sb_printf(b, "<td>%.0f MB</td>", (double)rss / 1048576);
    else sb_puts(b, "<td>–</td>");
  }
  sb_puts(b, "</tr></table>\n");
  for (int i = 0; i < 4; i++) {
    if (f[i] < 0) continue;
    static const char *const texts[2][2] = {{"config", "effective config"},
                                            {"inputs", "input files"}};
    for (int k = 0; k < 2; k++) {
      char *s = NULL;
      if (H5Aexists(f[i], texts[k][0]) <= 0 || pc_h5_attr_read_str(f[i], texts[k][0], &s)) continue;
      sb_printf(b, "<details><summary>%s: %s (the <code>%s</code> attribute)</summary><pre>",
                what[i], texts[k][1], texts[k][0]);
      sb_esc(b, s, strlen(s));
      sb_puts(b, "</pre></details>\n");
      free(s);
    }
    if (rec[i]) {
      sb_printf(b, "<details><summary>%s: run record (<code>", what[i]);
      sb_esc(b, path[i], strlen(path[i]));
      sb_puts(b, ".run.json</code>)</summary><pre>");
      sb_esc(b, rec[i], strlen(rec[i]));
      sb_puts(b, "</pre></details>\n");
    }
    free(rec[i]);
    json_object_put(jrec[i]);
  }
}

/* --------------------------------------------------------------- the job ---- */

static int open_h5(const char *path, hid_t *f) {
  *f = -1;
  if (!path || !path[0]) return 0;
  if (access(path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  *f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*f < 0) return PC_ERROR(PC_ERR_IO, "%s: not an HDF5 file", path);
  return 0;
}

/* At least one output to report on; the problem into p (NULL: the
 * process's error). Also the check of meaning at load. */
static int something_to_report(const pc_config *cfg, pc_config_problems *p) {
  static const char *const inputs[] = {"trace", "screen", "breakdown"};
  for (int i = 0; i < 3; i++) {
    const char *s = pc_config_str(cfg, inputs[i]);
    if (s && s[0]) return 0;
  }
  pc_config_problem(p, cfg, "", "nothing to report: give trace, screen or breakdown (or several)");
  return p ? 0 : PC_ERR_CONFIG;
}

static int build_page(pc_ctx *ctx, const pc_config *cfg, sb *b, uint64_t *rows) {
  report *R = pc_calloc(1, sizeof *R, "report");
  if (!R) return PC_ERR_MEM;
  R->trace_path = pc_config_str(cfg, "trace");
  R->screen_path = pc_config_str(cfg, "screen");
  R->bd_path = pc_config_str(cfg, "breakdown");
  R->data_path = pc_config_str(cfg, "data");
  R->out_path = pc_config_str(cfg, "output");
  R->top = (int)pc_config_int(cfg, "top");
  R->nclusters = (int)pc_config_int(cfg, "clusters");
  R->trace = R->screen = R->bd = R->data = -1;
  double t0 = pc_wtime();
  int rc = 0;
  if ((rc = something_to_report(cfg, NULL))) goto out; /* checked at load */
  PC_CALLG(open_h5(R->data_path, &R->data), out);
  PC_CALLG(open_h5(R->trace_path, &R->trace), out);
  PC_CALLG(open_h5(R->screen_path, &R->screen), out);
  PC_CALLG(open_h5(R->bd_path, &R->bd), out);
  if (R->trace >= 0)
    PC_CALLG(pc_flagged_check_data(R->trace, R->trace_path, R->data, R->data_path), out);
  if (R->screen >= 0)
    PC_CALLG(pc_flagged_check_data(R->screen, R->screen_path, R->data, R->data_path), out);
  if (R->trace >= 0 && H5Lexists(R->trace, "contacts", H5P_DEFAULT) <= 0) {
    rc = PC_ERROR(PC_ERR_DATA, "%s: no /contacts: not a trace output", R->trace_path);
    goto out;
  }
  if (R->screen >= 0 && H5Lexists(R->screen, "screened", H5P_DEFAULT) <= 0) {
    rc = PC_ERROR(PC_ERR_DATA, "%s: no /screened: not a screen output", R->screen_path);
    goto out;
  }
  if (R->bd >= 0 && H5Lexists(R->bd, "targets", H5P_DEFAULT) <= 0 &&
      H5Lexists(R->bd, "population", H5P_DEFAULT) <= 0) {
    rc = PC_ERROR(PC_ERR_DATA, "%s: no /targets: not a breakdown output", R->bd_path);
    goto out;
  }
  PC_CALLG(pc_h5_attr_read_i64(R->data, "as_of", &R->as_of), out);
  {
    uint64_t n = 0;
    void *rv = NULL;
    rc = pc_table_read_all(R->data, NULL, &pc_schema_regions, &rv, &n);
    R->reg = rv;
    if (rc) goto out;
    R->nreg = n;
    pc_qsort(R->reg, n, sizeof *R->reg, region_cmp);
  }
  /* Counties by jurisdiction only when every output assigned people to counties or finer. */
  R->county_by_jur = (R->trace < 0 || dispatch_level(R->trace) >= PC_LEVEL_COUNTY) &&
                     (R->screen < 0 || dispatch_level(R->screen) >= PC_LEVEL_COUNTY);
  if (R->trace >= 0) {
    PC_CALLG(read_contacts(ctx, R), out);
    PC_CALLG(resolve_tree(R), out);
  }
  R->t_top = pc_calloc((size_t)R->top + 1, sizeof *R->t_top, "testing");
  if (!R->t_top) {
    rc = PC_ERR_MEM;
    goto out;
  }
  PC_CALLG(merge(ctx, R), out);
  pc_log(ctx, "report: %llu flagged persons, %llu persons in the dataset (%.1f s)",
         (unsigned long long)R->fl_persons, (unsigned long long)R->persons_rows, pc_wtime() - t0);
  if (R->bd >= 0) PC_CALLG(read_breakdown(R), out);
  /* The outputs' own counts against their tables. */
  if (R->trace >= 0 && H5Aexists(R->trace, "counts") > 0) {
    char *t = NULL, k[64];
    PC_CALLG(pc_h5_attr_read_str(R->trace, "counts", &t), out);
    json_object *j = json_tokener_parse(t);
    for (int h = 0; h <= R->maxhop; h++) {
      snprintf(k, sizeof k, "hop%d", h);
      check_count(R, R->trace_path, j, k, R->hop_n[h]);
    }
    check_count(R, R->trace_path, j, "companion", R->comp_n);
    check_count(R, R->trace_path, j, "red", R->trace_red);
    check_count(R, R->trace_path, j, "yellow", R->trace_yellow);
    for (int c = 0; c < PC_NCHANNELS; c++) {
      snprintf(k, sizeof k, "channels.%s", ch_name(c));
      check_count(R, R->trace_path, j, k, R->ch_n[c]);
    }
    json_object_put(j);
    free(t);
  }
  if (R->screen >= 0 && H5Aexists(R->screen, "counts") > 0) {
    char *t = NULL, k[64];
    PC_CALLG(pc_h5_attr_read_str(R->screen, "counts", &t), out);
    json_object *j = json_tokener_parse(t);
    check_count(R, R->screen_path, j, "screened", R->scr_persons);
    check_count(R, R->screen_path, j, "rows", R->scr_rows);
    check_count(R, R->screen_path, j, "red", R->scr_red);
    check_count(R, R->screen_path, j, "yellow", R->scr_yellow);
    for (int i = 0; i < R->nareas; i++) {
      snprintf(k, sizeof k, "areas.%s", R->areas[i].name);
      check_count(R, R->screen_path, j, k, R->areas[i].rows);
    }
    json_object_put(j);
    free(t);
  }

  /* The page. */
  char *as_of = NULL;
  hid_t first = R->trace >= 0 ? R->trace : R->screen >= 0 ? R->screen : R->bd;
  int64_t out_as_of = R->as_of;
  if (H5Aexists(first, "as_of") > 0) pc_h5_attr_read_i64(first, "as_of", &out_as_of);
  char tb[32];
  as_of = pc_time_format(out_as_of, tb);
  sb_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<meta name=\"generator\" content=\"paicha report\">\n");
  sb_printf(b, "<title>paicha report, as of %s</title>\n<style>\n%s</style>\n</head>\n<body>\n", as_of,
            css);
  sb_printf(b, "<h1>paicha report <span class=\"sub\">排查 · as of %s (UTC+8)</span></h1>\n", as_of);
  sb_puts(b, "<p class=\"note\">Written by <code>paicha report</code> from ");
  const char *srcs[4][2] = {{"trace", R->trace_path}, {"screen", R->screen_path},
                            {"breakdown", R->bd_path}, {"dataset", R->data_path}};
  int first_src = 1;
  for (int i = 0; i < 4; i++) {
    if (!srcs[i][1] || !srcs[i][1][0]) continue;
    sb_printf(b, "%s%s <code>", first_src ? "" : ", ", srcs[i][0]);
    sb_esc(b, srcs[i][1], strlen(srcs[i][1]));
    sb_puts(b, "</code>");
    first_src = 0;
  }
  sb_puts(b, ". Counts and region names only: no identity is on this page.</p>\n");
  if (R->warn.n) {
    sb_puts(b, "<div class=\"warn\"><b>The outputs' own counts disagree with their tables:</b>"
               "<ul>");
    sb_put(b, R->warn.p, R->warn.n);
    sb_puts(b, "</ul></div>\n");
    pc_log(ctx, "report: WARNING: an output's counts attribute disagrees with its tables "
                "(said on the page)");
  }
  counts_section(b, R);
  PC_CALLG(reach_section(b, R), out);
  pyramid_section(b, R);
  vax_section(b, R);
  testing_section(b, R);
  PC_CALLG(trees_section(b, R), out);
  provenance_section(b, R);
  /* No clock on the page: the same outputs give the same bytes. */
  sb_puts(b, "</body>\n</html>\n");
  *rows = R->persons_rows + R->nn + R->comp_n + R->scr_rows;
  if (b->oom) rc = PC_ERR_MEM;
  else pc_log(ctx, "report: page of %zu bytes built in %.2f s", b->n, pc_wtime() - t0);
out:
  if (R->trace >= 0) H5Fclose(R->trace);
  if (R->screen >= 0) H5Fclose(R->screen);
  if (R->bd >= 0) H5Fclose(R->bd);
  if (R->data >= 0) H5Fclose(R->data);
  free(R->reg);
  free(R->nodes);
  free(R->cases);
  free(R->h1node);
  free(R->clu);
  free(R->h1);
  free(R->casecomp);
  free(R->city.a);
  free(R->county.a);
  free(R->vax.a);
  free(R->t_top);
  free(R->warn.p);
  free(R);
  return rc;
}

static int run_report(pc_ctx *ctx, const pc_config *cfg) {
  const char *output = pc_config_str(cfg, "output");
  pc_job_record_for(ctx, output);
  PC_CALL(pc_phase_begin(ctx, "report"));
  sb page = {0};
  uint64_t rows = 0;
  int rc = pc_rank(ctx) == 0 ? build_page(ctx, cfg, &page, &rows) : 0;
  rc = pc_agree(ctx, rc);
  if (rc) {
    free(page.p);
    return rc;
  }
  /* Written under a temporary name and renamed (owner-only by the umask of output_mode). */
  pc_textout o;
  rc = pc_textout_open(ctx, output, "", &o);
  if (rc) {
    free(page.p);
    return rc;
  }
  int lrc = 0;
  if (pc_rank(ctx) == 0) {
    char *p = pc_textout_room(&o, page.n);
    if (p) {
      memcpy(p, page.p, page.n);
      pc_textout_commit(&o, page.n);
    } else {
      lrc = PC_ERR_MEM;
    }
  }
  size_t bytes = page.n;
  free(page.p);
  rc = pc_textout_close(ctx, &o, lrc);
  pc_phase_end(ctx, rows, pc_rank(ctx) == 0 ? bytes : 0);
  if (!rc) pc_log(ctx, "report: wrote %s (%zu bytes)", output, bytes);
  return rc;
}

const pc_jobdef pc_job_report = {
    "report", "one self-contained HTML page (inline SVG) of a run's outputs",
    "Reads a trace, a screen and a breakdown output (any of them; trace and screen must come\n"
    "from `data`: key fingerprint and stays checksum) and writes one HTML page that any browser\n"
    "opens offline (no script, no network): counts per class, hop, channel, area and code;\n"
    "people to reach (each flagged person once) per city and in the `top` counties (by\n"
    "jurisdiction when every output was dispatched by county, else by residence); age pyramids\n"
    "(sex x 5-year band, from `data`'s /persons) of the flagged against the whole population;\n"
    "the vaccination gap (aged 60+, below the required doses) per county from /targets; testing\n"
    "targets from /testing; the transmission trees of the `clusters` largest case clusters\n"
    "(cases as ordinals, close contacts as nodes, the counts beyond them); the provenance of\n"
    "every file (root attributes, effective config, run record). Counts and region names only:\n"
    "no ID number, phone, pid or place name. Rank 0 does the work (run it with one process,\n"
    "e.g. on a login node): /contacts is held, every other table streamed in chunks of 1 M\n"
    "rows. Numbers a test checks carry data-k and data-value attributes. The page is written\n"
    "under a temporary name and renamed, owner-only (output_mode).",
    report_keys, run_report, something_to_report};
