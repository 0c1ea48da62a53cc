/* pc_report_read.c - the report's reading: outputs opened and checked, tables streamed in pid order and aggregated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_json.h"
#include "pc_report.h"
#include "pc_reportfile.h"
#include "pc_sort.h"
#include "pc_time.h"

#define CHUNK ((size_t)1 << 20)

typedef pc_sb sb;
typedef pc_report report;
typedef pc_report_node node;
typedef pc_report_agg agg;
typedef pc_report_pyramid pyramid;
typedef pc_report_aggmap aggmap;

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
static int cursor_open(pc_reportfile f, const char *path, const pc_schema *v, cursor *c) {
  memset(c, 0, sizeof *c);
  c->t.dset = c->t.mtype = -1;
  c->path = path;
  c->name = v->name;
  c->rowsize = v->rowsize;
  if (!pc_reportfile_has(f, v->name)) return 0;
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
int pc_report_agg_by_v0(const void *a, const void *b) {
  const agg *x = a, *y = b;
  if (x->v[0] != y->v[0]) return x->v[0] < y->v[0] ? 1 : -1;
  return (x->code > y->code) - (x->code < y->code);
}
int pc_report_agg_by_v1(const void *a, const void *b) {
  const agg *x = a, *y = b;
  if (x->v[1] != y->v[1]) return x->v[1] < y->v[1] ? 1 : -1;
  return (x->code > y->code) - (x->code < y->code);
}

static void pyr_add(pyramid *p, const pc_person *r, int64_t as_of) {
  p->total++;
  int age = pc_age_at(r->birth_date, as_of);
  if (age < 0 || (r->sex != 1 && r->sex != 2)) {
    p->unknown++;
    return;
  }
  int band = age / 5 < PC_REPORT_NBANDS - 1 ? age / 5 : PC_REPORT_NBANDS - 1;
  p->c[r->sex - 1][band]++;
}

const char *pc_report_region_name(const report *R, uint64_t code) {
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
static int dispatch_level(pc_reportfile f) {
  int level = PC_LEVEL_CITY;
  char *cfg = NULL;
  if (!pc_reportfile_has_attr(f, "config") || pc_h5_attr_read_str(f, "config", &cfg)) return level;
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
  pc_sb_printf(&R->warn,
               "<li>%s: the <code>counts</code> attribute gives %s %lld, its tables %s</li>", file,
               key, (long long)v, pc_report_fmt_num(have, a));
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
    if (f->hop > PC_REPORT_MAXHOP) {
      rc = PC_ERROR(PC_ERR_DATA, "%s: hop %u beyond %d", R->trace_path, f->hop, PC_REPORT_MAXHOP);
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
    n->root = n->anc1 = PC_REPORT_NONE;
    cursor_pop(&c);
  }
  cursor_close(&c);
  if (rc) return rc;
  pc_log(ctx, "report: %zu rows of /contacts", R->nn);
  return 0;
}

/* A case with what numbers it: the start of its window, then pid (unique). */
typedef struct case_key {
  int64_t exposure;
  uint64_t pid;
  uint32_t i; /* its node */
} case_key;
static int case_key_cmp(const void *a, const void *b) {
  const case_key *x = a, *y = b;
  if (x->exposure != y->exposure) return x->exposure < y->exposure ? -1 : 1;
  return (x->pid > y->pid) - (x->pid < y->pid);
}

/* R->cases (node indices of the cases) in case order. Fails PC_ERR_MEM. */
static int sort_cases(report *R) {
  case_key *k = pc_malloc((R->ncases + 1) * sizeof *k, "cases");
  if (!k) return PC_ERR_MEM;
  for (size_t o = 0; o < R->ncases; o++) {
    const node *n = &R->nodes[R->cases[o]];
    k[o] = (case_key){n->exposure, n->pid, R->cases[o]};
  }
  pc_qsort(k, R->ncases, sizeof *k, case_key_cmp);
  for (size_t o = 0; o < R->ncases; o++) R->cases[o] = k[o].i;
  free(k);
  return 0;
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
  PC_CALL(sort_cases(R));
  for (size_t o = 0; o < R->ncases; o++) R->nodes[R->cases[o]].root = (uint32_t)o;
  for (int h = 1; h <= R->maxhop; h++)
    for (size_t i = 0; i < R->nn; i++) {
      node *n = &R->nodes[i];
      if (n->hop != h) continue;
      size_t s = node_find(R, n->source);
      if (s == (size_t)-1 || R->nodes[s].hop != h - 1 || R->nodes[s].root == PC_REPORT_NONE) {
        R->unresolved++;
        continue;
      }
      n->root = R->nodes[s].root;
      if (h > 1) n->anc1 = R->nodes[s].anc1;
      R->clu[(size_t)n->root * W + (size_t)h]++;
      if (h > 1 && n->anc1 != PC_REPORT_NONE) R->h1[(size_t)n->anc1 * W + (size_t)h]++;
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
  if (s == (size_t)-1 || R->nodes[s].root == PC_REPORT_NONE) {
    R->unresolved++;
    return;
  }
  const node *n = &R->nodes[s];
  R->clu[(size_t)n->root * W + W - 1]++;
  if (n->hop == 0) R->casecomp[n->root]++;
  else if (n->anc1 != PC_REPORT_NONE) R->h1[(size_t)n->anc1 * W + W - 1]++;
}

static int add_area(report *R, const char *name) {
  char b[33];
  snprintf(b, sizeof b, "%.32s", name);
  for (int i = 0; i < R->nareas; i++)
    if (!strcmp(R->areas[i].name, b)) {
      R->areas[i].rows++;
      return 0;
    }
  if (R->nareas == PC_REPORT_MAXAREAS)
    return PC_ERROR(PC_ERR_DATA, "%s: more than %d areas", R->screen_path, PC_REPORT_MAXAREAS);
  snprintf(R->areas[R->nareas].name, sizeof R->areas[0].name, "%s", b);
  R->areas[R->nareas++].rows = 1;
  return 0;
}

/* The merge in pid order of /contacts (held), /companions, /screened and the
 * dataset's /persons: every flagged person once (most severe code, the first
 * jurisdiction found: trace before screen), the pyramids, the clusters. */
int pc_report_merge(pc_ctx *ctx, pc_report *R) {
  R->t_top = pc_calloc((size_t)R->top + 1, sizeof *R->t_top, "testing");
  if (!R->t_top) return PC_ERR_MEM;
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

int pc_report_read_breakdown(pc_report *R) {
  pc_reportfile f = R->bd;
  R->vax_from = 60;
  int32_t e[PC_MAX_AGE_EDGES];
  size_t ne = pc_reportfile_age_edges(f, e, PC_MAX_AGE_EDGES);
  if (ne) R->vax_from = -1;
  for (size_t i = 0; i < ne && R->vax_from < 0; i++)
    if (e[i] >= 60) R->vax_from = e[i];
  if (pc_reportfile_has_attr(f, "required_doses"))
    PC_CALL(pc_h5_attr_read_i64(f, "required_doses", &R->required_doses));
  static const char *const tabs[2] = {"targets", "testing"};
  static const pc_schema *const views[2] = {&pc_view_report_targets, &pc_view_report_testing};
  for (int k = 0; k < 2; k++) {
    if (!pc_reportfile_has(f, tabs[k])) continue;
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
          while (pos > 0 && pc_report_agg_by_v0(&x, &R->t_top[pos - 1]) < 0) pos--;
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

/* ------------------------------------------------------------- the run ---- */

pc_report *pc_report_new(const char *data, const char *trace, const char *screen,
                         const char *bd, int top, int nclusters) {
  report *R = pc_calloc(1, sizeof *R, "report");
  if (!R) return NULL;
  R->trace_path = trace;
  R->screen_path = screen;
  R->bd_path = bd;
  R->data_path = data;
  R->top = top;
  R->nclusters = nclusters;
  R->trace = R->screen = R->bd = R->data = -1;
  return R;
}

void pc_report_free(pc_report *R) {
  if (!R) return;
  pc_reportfile_close(&R->trace);
  pc_reportfile_close(&R->screen);
  pc_reportfile_close(&R->bd);
  pc_reportfile_close(&R->data);
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
  free(R->warn.s);
  free(R);
}

/* Each output the kind it is given as. */
static int check_kinds(const report *R) {
  if (R->trace >= 0 && !pc_reportfile_has(R->trace, "contacts"))
    return PC_ERROR(PC_ERR_DATA, "%s: no /contacts: not a trace output", R->trace_path);
  if (R->screen >= 0 && !pc_reportfile_has(R->screen, "screened"))
    return PC_ERROR(PC_ERR_DATA, "%s: no /screened: not a screen output", R->screen_path);
  if (R->bd >= 0 && !pc_reportfile_has(R->bd, "targets") &&
      !pc_reportfile_has(R->bd, "population"))
    return PC_ERROR(PC_ERR_DATA, "%s: no /targets: not a breakdown output", R->bd_path);
  return 0;
}

int pc_report_open(pc_report *R) {
  PC_CALL(pc_reportfile_open(R->data_path, &R->data));
  PC_CALL(pc_reportfile_open(R->trace_path, &R->trace));
  PC_CALL(pc_reportfile_open(R->screen_path, &R->screen));
  PC_CALL(pc_reportfile_open(R->bd_path, &R->bd));
  if (R->trace >= 0)
    PC_CALL(pc_flagged_check_data(R->trace, R->trace_path, R->data, R->data_path));
  if (R->screen >= 0)
    PC_CALL(pc_flagged_check_data(R->screen, R->screen_path, R->data, R->data_path));
  PC_CALL(check_kinds(R));
  PC_CALL(pc_h5_attr_read_i64(R->data, "as_of", &R->as_of));
  uint64_t n = 0;
  void *rv = NULL;
  int rc = pc_table_read_all(R->data, NULL, &pc_schema_regions, &rv, &n);
  R->reg = rv;
  if (rc) return rc;
  R->nreg = n;
  pc_qsort(R->reg, n, sizeof *R->reg, region_cmp);
  /* Counties by jurisdiction only when every output assigned people to counties or finer. */
  R->county_by_jur = (R->trace < 0 || dispatch_level(R->trace) >= PC_LEVEL_COUNTY) &&
                     (R->screen < 0 || dispatch_level(R->screen) >= PC_LEVEL_COUNTY);
  return 0;
}

int pc_report_read_trace(pc_ctx *ctx, pc_report *R) {
  PC_CALL(read_contacts(ctx, R));
  return resolve_tree(R);
}

/* The trace's counts: per hop, companions, codes, channels. */
static int check_trace_counts(report *R) {
  char *t = NULL, k[64];
  PC_CALL(pc_h5_attr_read_str(R->trace, "counts", &t));
  json_object *j = json_tokener_parse(t);
  for (int h = 0; h <= R->maxhop; h++) {
    snprintf(k, sizeof k, "hop%d", h);
    check_count(R, R->trace_path, j, k, R->hop_n[h]);
  }
  check_count(R, R->trace_path, j, "companion", R->comp_n);
  check_count(R, R->trace_path, j, "red", R->trace_red);
  check_count(R, R->trace_path, j, "yellow", R->trace_yellow);
  for (int c = 0; c < PC_NCHANNELS; c++) {
    snprintf(k, sizeof k, "channels.%s", pc_report_channel_name(c));
    check_count(R, R->trace_path, j, k, R->ch_n[c]);
  }
  json_object_put(j);
  free(t);
  return 0;
}

/* The screen's counts: persons, rows, codes, areas. */
static int check_screen_counts(report *R) {
  char *t = NULL, k[64];
  PC_CALL(pc_h5_attr_read_str(R->screen, "counts", &t));
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
  return 0;
}

int pc_report_check_counts(pc_report *R) {
  if (pc_reportfile_has_attr(R->trace, "counts")) PC_CALL(check_trace_counts(R));
  if (pc_reportfile_has_attr(R->screen, "counts")) PC_CALL(check_screen_counts(R));
  return 0;
}
