/* pc_report_merge.c - the report's merge in pid order of the trace's contacts and companions, the screen's rows and the dataset's persons: every flagged person once. */
#include <stdio.h>
#include <string.h>

#include "pc_report.h"
#include "pc_reportfile.h"
#include "pc_time.h"

typedef pc_report report;
typedef pc_report_node node;
typedef pc_report_agg agg;
typedef pc_report_pyramid pyramid;
typedef pc_report_cursor cursor;
typedef pc_report_row frow; /* the fields of /companions or /screened the page needs */

/* The merge's inputs, each at its next person: the held contacts and three tables. */
typedef struct merge {
  size_t ci; /* the next of R->nodes */
  cursor comp, scr, pers;
  uint64_t prev_comp; /* the last companion's pid, once any_comp */
  int any_comp;
} merge;

/* One flagged person as the outputs give them: the most severe code of
 * every output, the first jurisdiction and residence found (trace before
 * screen). */
typedef struct flagged {
  int red, yellow, have;
  uint64_t jur, res;
} flagged;

static void flagged_add(flagged *p, int red, int yellow, uint64_t jur, uint64_t res) {
  p->red |= red;
  p->yellow |= yellow;
  if (!p->have) p->jur = jur, p->res = res, p->have = 1;
}

/* --------------------------------------------------------- each input ---- */

/* The person's row of /contacts, held. */
static void take_contact(report *R, merge *m, flagged *p) {
  const node *n = &R->nodes[m->ci++];
  flagged_add(p, n->red, n->yellow, n->jurisdiction, n->residence);
}

/* A companion: counted in its source's cluster (and under its hop-1
 * ancestor, or as the case's own), by code and by channel. */
static void add_companion(report *R, const frow *f) {
  const size_t W = (size_t)R->maxhop + 2;
  R->comp_n++;
  if (pc_report_code_is(f->code, "red")) R->trace_red++;
  else if (pc_report_code_is(f->code, "yellow")) R->trace_yellow++;
  int ch = pc_report_channel_of(f->channel);
  R->ch_n[ch < 0 ? PC_NCHANNELS : ch]++;
  size_t s = R->nn ? pc_report_node_find(R, f->source_pid) : (size_t)-1;
  if (s == (size_t)-1 || R->nodes[s].root == PC_REPORT_NONE) {
    R->unresolved++;
    return;
  }
  const node *n = &R->nodes[s];
  R->clu[(size_t)n->root * W + W - 1]++;
  if (n->hop == 0) R->casecomp[n->root]++;
  else if (n->anc1 != PC_REPORT_NONE) R->h1[(size_t)n->anc1 * W + W - 1]++;
}

/* The person's row of /companions. Fails PC_ERR_DATA on a person twice. */
static int take_companion(report *R, merge *m, const frow *f, flagged *p) {
  if (m->any_comp && f->pid == m->prev_comp)
    return PC_ERROR(PC_ERR_DATA, "%s: a person twice in /companions", R->trace_path);
  m->prev_comp = f->pid;
  m->any_comp = 1;
  add_companion(R, f);
  flagged_add(p, pc_report_code_is(f->code, "red"), pc_report_code_is(f->code, "yellow"),
              f->jurisdiction, f->residence);
  pc_report_cursor_pop(&m->comp);
  return 0;
}

/* A row of /screened in its area. Fails PC_ERR_DATA past PC_REPORT_MAXAREAS areas. */
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

/* The person's rows of /screened (one per area), f the first: the person
 * once, with the most severe code of them. Fails as add_area, on a read error. */
static int take_screened(report *R, merge *m, const frow *f, flagged *p) {
  const uint64_t pid = f->pid;
  int red = 0, yellow = 0;
  for (const void *row = f; row && ((const frow *)row)->pid == pid;) {
    f = row;
    R->scr_rows++;
    red |= pc_report_code_is(f->code, "red");
    yellow |= pc_report_code_is(f->code, "yellow");
    flagged_add(p, 0, 0, f->jurisdiction, f->residence);
    int rc = add_area(R, f->area);
    pc_report_cursor_pop(&m->scr);
    if (rc) return rc;
    PC_CALL(pc_report_cursor_head(&m->scr, &row));
  }
  R->scr_persons++;
  R->scr_red += red;
  R->scr_yellow += !red && yellow;
  flagged_add(p, red, yellow, 0, 0);
  return 0;
}

/* ------------------------------------------------------ the population ---- */

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

/* The dataset's persons up to pid P: the whole population, and P's sex and
 * age (unknown when P is not in the dataset). Fails on a read error. */
static int persons_upto(report *R, merge *m, uint64_t P) {
  const void *pr;
  int found = 0, rc;
  while (!(rc = pc_report_cursor_head(&m->pers, &pr)) && pr &&
         ((const pc_person *)pr)->pid <= P) {
    const pc_person *p = pr;
    pyr_add(&R->all, p, R->as_of);
    if (p->pid == P) {
      pyr_add(&R->flag, p, R->as_of);
      found = 1;
    }
    R->persons_rows++;
    pc_report_cursor_pop(&m->pers);
  }
  if (rc) return rc;
  if (!found) R->flag.total++, R->flag.unknown++;
  return 0;
}

/* The dataset's persons past the last flagged one: the whole population. */
static int persons_rest(pc_ctx *ctx, report *R, merge *m) {
  const void *pr;
  int rc;
  while (!(rc = pc_report_cursor_head(&m->pers, &pr)) && pr) {
    pyr_add(&R->all, pr, R->as_of);
    if (++R->persons_rows % PC_REPORT_CHUNK == 0) pc_progress(ctx, R->persons_rows, m->pers.n);
    pc_report_cursor_pop(&m->pers);
  }
  return rc;
}

/* -------------------------------------------------------------- the merge ---- */

/* One flagged person: in the totals, and in the counts of their city (by
 * jurisdiction) and county (by jurisdiction or residence). Fails PC_ERR_MEM. */
static int count_flagged(report *R, const flagged *p) {
  R->fl_persons++;
  R->fl_red += p->red;
  R->fl_yellow += !p->red && p->yellow;
  uint64_t county = R->county_by_jur ? p->jur : p->res;
  agg *a = pc_report_agg_at(&R->city, pc_region_cut(p->jur, PC_LEVEL_CITY));
  agg *b = pc_report_agg_at(&R->county, pc_region_cut(county, PC_LEVEL_COUNTY));
  if (!a || !b) return PC_ERR_MEM;
  a->v[0]++, b->v[0]++;
  if (p->red) a->v[1]++, b->v[1]++;
  else if (p->yellow) a->v[2]++, b->v[2]++;
  return 0;
}

/* The smallest pid at the heads of contacts, companions and screened into
 * *P, their head rows into *cr and *sr; *P is UINT64_MAX with *any 0 when
 * all three are done. Fails on a read error, a table not sorted by pid. */
static int merge_next(const report *R, merge *m, const frow **cr, const frow **sr, uint64_t *P,
                      int *any) {
  const void *c, *s;
  int rc = pc_report_cursor_head(&m->comp, &c);
  if (rc || (rc = pc_report_cursor_head(&m->scr, &s))) return rc;
  *cr = c, *sr = s, *P = UINT64_MAX, *any = 0;
  if (m->ci < R->nn) *P = R->nodes[m->ci].pid, *any = 1;
  if (*cr && (!*any || (*cr)->pid < *P)) *P = (*cr)->pid, *any = 1;
  if (*sr && (!*any || (*sr)->pid < *P)) *P = (*sr)->pid, *any = 1;
  return 0;
}

/* The next flagged person, P, from every input that has them. */
static int merge_person(report *R, merge *m, uint64_t P, const frow *cr, const frow *sr) {
  flagged p = {0};
  if (m->ci < R->nn && R->nodes[m->ci].pid == P) take_contact(R, m, &p);
  if (cr && cr->pid == P) PC_CALL(take_companion(R, m, cr, &p));
  if (sr && sr->pid == P) PC_CALL(take_screened(R, m, sr, &p));
  PC_CALL(count_flagged(R, &p));
  return persons_upto(R, m, P);
}

/* Open the three tables; each cursor can be closed even when an open fails.
 * Fails as pc_report_cursor_open. */
static int merge_open(report *R, merge *m) {
  memset(m, 0, sizeof *m);
  m->comp.t.dset = m->comp.t.mtype = m->scr.t.dset = m->scr.t.mtype = -1;
  m->pers.t.dset = m->pers.t.mtype = -1;
  PC_CALL(pc_report_cursor_open(R->trace, R->trace_path, &pc_view_report_companions, &m->comp));
  PC_CALL(pc_report_cursor_open(R->screen, R->screen_path, &pc_view_report_screened, &m->scr));
  return pc_report_cursor_open(R->data, R->data_path, &pc_schema_persons, &m->pers);
}

int pc_report_merge(pc_ctx *ctx, pc_report *R) {
  merge m;
  int rc = merge_open(R, &m);
  while (!rc) {
    const frow *cr, *sr;
    uint64_t P;
    int any;
    if ((rc = merge_next(R, &m, &cr, &sr, &P, &any)) || !any) break;
    rc = merge_person(R, &m, P, cr, sr);
    if (!rc && R->fl_persons % 65536 == 0) pc_progress(ctx, R->persons_rows, m.pers.n);
  }
  if (!rc) rc = persons_rest(ctx, R, &m);
  pc_report_cursor_close(&m.comp);
  pc_report_cursor_close(&m.scr);
  pc_report_cursor_close(&m.pers);
  return rc;
}
