/* pc_report_read.c - the report's reading: outputs opened and checked, the trace's contacts held and resolved into chains, the breakdown's tables summed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_report.h"
#include "pc_reportfile.h"
#include "pc_sort.h"

typedef pc_report report;
typedef pc_report_node node;
typedef pc_report_agg agg;
typedef pc_report_cursor cursor;
typedef pc_report_row frow; /* the fields of /contacts the page needs */

static int region_cmp(const void *a, const void *b) {
  const pc_region *x = a, *y = b;
  return (x->code > y->code) - (x->code < y->code);
}

const char *pc_report_region_name(const report *R, uint64_t code) {
  const pc_region *r = pc_region_find(R->reg, R->nreg, code);
  return r ? r->name : NULL;
}

static int node_pid_cmp(const void *a, const void *b) {
  const node *x = a, *y = b;
  return (x->pid > y->pid) - (x->pid < y->pid);
}
size_t pc_report_node_find(const pc_report *R, uint64_t pid) {
  node key = {.pid = pid};
  const node *n = bsearch(&key, R->nodes, R->nn, sizeof *R->nodes, node_pid_cmp);
  return n ? (size_t)(n - R->nodes) : (size_t)-1;
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

/* ------------------------------------------------------------ the trace ---- */

static int read_contacts(pc_ctx *ctx, report *R) {
  cursor c;
  PC_CALL(pc_report_cursor_open(R->trace, R->trace_path, &pc_view_report_contacts, &c));
  int rc = 0;
  R->nodes = pc_calloc(c.n + 1, sizeof *R->nodes, "contacts");
  if (!R->nodes) rc = PC_ERR_MEM;
  const void *row;
  while (!rc && !(rc = pc_report_cursor_head(&c, &row)) && row) {
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
    n->red = pc_report_code_is(f->code, "red");
    n->yellow = pc_report_code_is(f->code, "yellow");
    int ch = pc_report_channel_of(f->channel);
    n->channel = (int8_t)(f->hop == 0 ? -1 : ch < 0 ? PC_NCHANNELS : ch);
    n->root = n->anc1 = PC_REPORT_NONE;
    pc_report_cursor_pop(&c);
  }
  pc_report_cursor_close(&c);
  if (rc) return rc;
  pc_log(ctx, "report: %zu %s of /contacts", R->nn, pc_plural(R->nn, "row", "rows"));
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

/* The trace's counts of the held contacts: per hop, codes, channels; how
 * many cases and close contacts. */
static void tally_contacts(report *R) {
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
}

/* The cases in case order (each node its root ordinal), the close contacts
 * by dense index (each node its anc1), and their zeroed counts per hop.
 * Fails PC_ERR_MEM. */
static int index_roots(report *R) {
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
  return 0;
}

/* Hop by hop, each contact gets its source's case and hop-1 ancestor, and
 * is counted in the cluster and under the ancestor; a source not held one
 * hop nearer, or itself unresolved, leaves it unresolved. */
static void walk_chains(report *R) {
  const size_t W = (size_t)R->maxhop + 2;
  for (int h = 1; h <= R->maxhop; h++)
    for (size_t i = 0; i < R->nn; i++) {
      node *n = &R->nodes[i];
      if (n->hop != h) continue;
      size_t s = pc_report_node_find(R, n->source);
      if (s == (size_t)-1 || R->nodes[s].hop != h - 1 || R->nodes[s].root == PC_REPORT_NONE) {
        R->unresolved++;
        continue;
      }
      n->root = R->nodes[s].root;
      if (h > 1) n->anc1 = R->nodes[s].anc1;
      R->clu[(size_t)n->root * W + (size_t)h]++;
      if (h > 1 && n->anc1 != PC_REPORT_NONE) R->h1[(size_t)n->anc1 * W + (size_t)h]++;
    }
}

/* -------------------------------------------------------- the breakdown ---- */

typedef pc_report_count_row trow; /* what the page counts of /targets and /testing */

static const char *const bd_tables[2] = {"targets", "testing"};

/* The vaccination gap's first age: the first band from 60 (60 when the
 * breakdown has no bands, -1 when none starts at 60 or later); the required
 * doses. Fails on a read error. */
static int read_vax_setup(report *R) {
  pc_reportfile f = R->bd;
  R->vax_from = 60;
  int32_t e[PC_MAX_AGE_EDGES];
  size_t ne = pc_reportfile_age_edges(f, e, PC_MAX_AGE_EDGES);
  if (ne) R->vax_from = -1;
  for (size_t i = 0; i < ne && R->vax_from < 0; i++)
    if (e[i] >= 60) R->vax_from = e[i];
  if (pc_reportfile_has_attr(f, "required_doses"))
    PC_CALL(pc_h5_attr_read_i64(f, "required_doses", &R->required_doses));
  return 0;
}

/* A row of /targets: from vax_from on, in the totals and its county's gap.
 * Fails PC_ERR_MEM. */
static int add_target(report *R, const trow *r) {
  if (R->vax_from < 0 || r->age_from < R->vax_from) return 0;
  agg *a = pc_report_agg_at(&R->vax, r->county);
  if (!a) return PC_ERR_MEM;
  a->v[0] += r->persons, a->v[1] += r->below, a->v[2] += r->unvacc;
  R->vax_persons += r->persons, R->vax_below += r->below, R->vax_unvacc += r->unvacc;
  return 0;
}

/* A row of /testing: in the totals, and its community among the top ones. */
static void add_testing(report *R, const trow *r) {
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

/* Every row of the breakdown's table k (0 /targets, 1 /testing), read in
 * chunks. Fails on a read error, PC_ERR_MEM. */
static int read_bd_table(report *R, int k) {
  static const pc_schema *const views[2] = {&pc_view_report_targets, &pc_view_report_testing};
  pc_table t;
  PC_CALL(pc_table_open(R->bd, NULL, views[k], &t));
  const uint64_t n = t.nrows;
  if (k == 0) R->has_targets = 1;
  else R->has_testing = 1;
  size_t cap = n < PC_REPORT_CHUNK ? (size_t)n : PC_REPORT_CHUNK;
  trow *buf = pc_calloc(cap + 1, sizeof *buf, bd_tables[k]);
  int rc = buf ? 0 : PC_ERR_MEM;
  for (uint64_t at = 0; at < n && !rc; at += cap) {
    size_t m = n - at < cap ? (size_t)(n - at) : cap;
    if ((rc = pc_table_read(&t, at, m, buf))) {
      rc = PC_ERROR(rc, "%s: cannot read /%s", R->bd_path, bd_tables[k]);
      break;
    }
    for (size_t i = 0; i < m && !rc; i++) {
      if (k == 0) rc = add_target(R, &buf[i]);
      else add_testing(R, &buf[i]);
    }
  }
  free(buf);
  pc_table_close(&t);
  return rc;
}

int pc_report_read_breakdown(pc_report *R) {
  R->t_top = pc_calloc((size_t)R->top + 1, sizeof *R->t_top, "testing");
  if (!R->t_top) return PC_ERR_MEM;
  PC_CALL(read_vax_setup(R));
  for (int k = 0; k < 2; k++)
    if (pc_reportfile_has(R->bd, bd_tables[k])) PC_CALL(read_bd_table(R, k));
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
  R->trace = R->screen = R->bd = R->data = R->ledger = -1;
  R->unmatched = R->root_suspected = R->root_asymptomatic = -1; /* until the counts say */
  return R;
}

void pc_report_free(pc_report *R) {
  if (!R) return;
  pc_reportfile_close(&R->trace);
  pc_reportfile_close(&R->screen);
  pc_reportfile_close(&R->bd);
  pc_reportfile_close(&R->data);
  pc_reportfile_close(&R->ledger);
  free(R->reg);
  free(R->lb);
  free(R->lm);
  free(R->ly);
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
  if (R->ledger >= 0 && !pc_reportfile_has(R->ledger, "batches"))
    return PC_ERROR(PC_ERR_DATA, "%s: no /batches: not a ledger", R->ledger_path);
  return 0;
}

int pc_report_open(pc_report *R) {
  PC_CALL(pc_reportfile_open(R->data_path, &R->data));
  PC_CALL(pc_reportfile_open(R->trace_path, &R->trace));
  PC_CALL(pc_reportfile_open(R->screen_path, &R->screen));
  PC_CALL(pc_reportfile_open(R->bd_path, &R->bd));
  PC_CALL(pc_reportfile_open(R->ledger_path, &R->ledger));
  const pc_reportfile made[3] = {R->trace, R->screen, R->ledger};
  const char *const made_path[3] = {R->trace_path, R->screen_path, R->ledger_path};
  for (int i = 0; i < 3 && R->data >= 0; i++)
    if (made[i] >= 0) PC_CALL(pc_flagged_check_data(made[i], made_path[i], R->data, R->data_path));
  PC_CALL(check_kinds(R));
  if (R->data < 0) return 0; /* a ledger alone: region codes without names */
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

/* Who started each chain: cases numbered by (window start, pid); every
 * contact walked back through source_pid to its case and its hop-1 ancestor. */
int pc_report_read_trace(pc_ctx *ctx, pc_report *R) {
  PC_CALL(read_contacts(ctx, R));
  tally_contacts(R);
  PC_CALL(index_roots(R));
  walk_chains(R);
  return 0;
}
