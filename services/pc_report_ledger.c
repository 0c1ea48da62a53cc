/* pc_report_ledger.c - the report's campaign: a ledger's /batches, /measures and /yield read and drawn over time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_report.h"
#include "pc_reportfile.h"
#include "pc_sort.h"
#include "pc_time.h"

typedef pc_sb sb;
typedef pc_report report;
typedef pc_ledger_batch batch;
typedef pc_ledger_measure measure;
typedef pc_ledger_yield yield;

/* ---------------------------------------------------------------- reading ---- */

int pc_report_read_ledger(pc_report *R) {
  void *v = NULL;
  uint64_t n = 0;
  PC_CALL(pc_table_read_all(R->ledger, NULL, &pc_schema_ledger_batches, &v, &n));
  R->lb = v, R->nlb = (size_t)n;
  for (size_t i = 0; i < R->nlb; i++)
    if (R->lb[i].batch != (int32_t)(i + 1))
      return PC_ERROR(PC_ERR_DATA, "%s: /batches row %zu is batch %d, not %zu (damaged ledger?)",
                      R->ledger_path, i + 1, R->lb[i].batch, i + 1);
  /* A ledger always has both; one without them (an older writer) shows none. */
  if (pc_reportfile_has(R->ledger, "measures")) {
    PC_CALL(pc_table_read_all(R->ledger, NULL, &pc_schema_ledger_measures, &v, &n));
    R->lm = v, R->nlm = (size_t)n;
  }
  if (pc_reportfile_has(R->ledger, "yield")) {
    PC_CALL(pc_table_read_all(R->ledger, NULL, &pc_schema_ledger_yield, &v, &n));
    R->ly = v, R->nly = (size_t)n;
  }
  return 0;
}

/* ------------------------------------------------------------- the parts ---- */

/* A fixed-length string field (no NUL needed) as a C string. */
static const char *fixed(const char *s, size_t len, char *buf) {
  memcpy(buf, s, len);
  buf[len] = 0;
  return buf;
}

/* A fixed-length name as part of a data-k key: [a-z0-9] kept, anything else '_'. */
static const char *keypart(const char *s, size_t len, char *buf) {
  size_t i = 0;
  for (; i < len && s[i]; i++)
    buf[i] = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ? s[i] : '_';
  buf[i] = 0;
  return buf;
}

static void card(sb *b, const char *cls, const char *title, uint64_t v, const char *key) {
  pc_sb_printf(b, "<div class=\"card %s\"><span class=\"t\">%s</span>", cls, title);
  pc_sb_kv(b, "b", v, "%s", key);
  pc_sb_puts(b, "</div>\n");
}

/* a / n as a share, "—" when n is 0 (no new case: nothing to find). */
static void share(sb *b, uint64_t a, uint64_t n) {
  if (n) pc_sb_printf(b, "%.1f%%", 100.0 * (double)a / (double)n);
  else pc_sb_puts(b, "—");
}

/* A table cell holding a checked number. */
static void num_cell(sb *b, uint64_t v, const char *key) {
  pc_sb_puts(b, "<td class=\"n\">");
  pc_sb_kv(b, "span", v, "%s", key);
  pc_sb_puts(b, "</td>");
}

/* A cell holding a share, its key in data-share (a test recomputes it). */
static void share_cell(sb *b, uint64_t a, uint64_t n, const char *key) {
  pc_sb_printf(b, "<td class=\"n\" data-share=\"%s\">", key);
  share(b, a, n);
  pc_sb_puts(b, "</td>");
}

/* The totals: batches, persons flagged and cases over the campaign, found
 * under control, codes active after the last batch. */
static void campaign_cards(sb *b, const report *R) {
  uint64_t fl = 0, cases = 0, under = 0;
  for (size_t i = 0; i < R->nlb; i++)
    fl += R->lb[i].new_flagged, cases += R->lb[i].new_cases, under += R->lb[i].under_control;
  const batch *last = R->nlb ? &R->lb[R->nlb - 1] : NULL;
  pc_sb_puts(b, "<div class=\"cards\">\n");
  card(b, "", "batches", R->nlb, "camp-batches");
  card(b, "", "persons flagged", fl, "camp-flagged");
  card(b, "", "new cases", cases, "camp-cases");
  card(b, "", "of them flagged before (under control)", under, "camp-under-control");
  card(b, "red", "red codes active", last ? last->active_red : 0, "camp-red");
  card(b, "yellow", "yellow codes active", last ? last->active_yellow : 0, "camp-yellow");
  pc_sb_puts(b, "</div>\n<p class=\"note\">Found under control: ");
  share(b, under, cases);
  pc_sb_puts(b, " of the new cases were already flagged before they became cases (positive "
                "test, or traced as a case).</p>\n");
}

/* The batch's label under its column: number and kind ("3 feedback"). */
static void batch_labels(const report *R, char (*lab)[40], const char **p) {
  for (size_t i = 0; i < R->nlb; i++) {
    char k[16];
    snprintf(lab[i], 40, "%d %s", R->lb[i].batch, fixed(R->lb[i].kind, sizeof R->lb[i].kind, k));
    p[i] = lab[i];
  }
}

/* Per batch: the charts (new flagged and new cases, codes active, found
 * under control) and the table of every figure. */
static int per_batch(sb *b, const report *R) {
  size_t n = R->nlb;
  uint64_t *v = pc_calloc(5 * n + 1, sizeof *v, "batches");
  char(*lab)[40] = pc_calloc(n + 1, sizeof *lab, "batches");
  const char **p = pc_calloc(n + 1, sizeof *p, "batches");
  if (!v || !lab || !p) return free(v), free(lab), free(p), PC_ERR_MEM;
  for (size_t i = 0; i < n; i++) {
    const batch *x = &R->lb[i];
    v[i] = x->new_flagged, v[n + i] = x->new_cases, v[2 * n + i] = x->active_red;
    v[3 * n + i] = x->active_yellow, v[4 * n + i] = x->under_control;
  }
  batch_labels(R, lab, p);
  const pc_report_series nc[2] = {{v, "#2b6cb0", "new flagged"}, {v + n, "#d7263d", "new cases"}},
                         codes[2] = {{v + 2 * n, "#d7263d", "red"}, {v + 3 * n, "#f2b705", "yellow"}};
  pc_sb_puts(b, "<h3>New flagged and new cases per batch</h3>\n");
  pc_report_svg_columns(b, p, n, nc, 2, 0);
  pc_sb_puts(b, "<h3>Codes active after each batch</h3>\n");
  pc_report_svg_columns(b, p, n, codes, 2, 1);
  pc_sb_puts(b, "<h3>Found under control per batch</h3>\n<p class=\"note\">The share of the "
                "batch's new cases who were flagged before they became cases; — where the batch "
                "has no new case.</p>\n");
  pc_report_svg_shares(b, p, n, v + 4 * n, v + n);
  free(v), free(lab), free(p);
  return 0;
}

static void batch_table(sb *b, const report *R) {
  pc_sb_puts(b, "<details><summary>every batch</summary><table><tr><th>batch</th><th>kind</th>"
                "<th>time (UTC+8)</th><th class=\"n\">rows</th><th class=\"n\">new flagged</th>"
                "<th class=\"n\">code raised</th><th class=\"n\">new cases</th><th class=\"n\">"
                "under control</th><th class=\"n\">found under control</th><th class=\"n\">red "
                "active</th><th class=\"n\">yellow active</th></tr>\n");
  for (size_t i = 0; i < R->nlb; i++) {
    const batch *x = &R->lb[i];
    char k[48], t[24], kind[16];
    pc_sb_printf(b, "<tr><td>%d</td><td>", x->batch);
    pc_sb_esc(b, fixed(x->kind, sizeof x->kind, kind), sizeof kind);
    pc_sb_printf(b, "</td><td>%s</td>", pc_time_format(x->time, t));
#define CELL(field, name) (snprintf(k, sizeof k, "batch%d-%s", x->batch, name), num_cell(b, x->field, k))
    CELL(rows, "rows"), CELL(new_flagged, "new-flagged"), CELL(raised, "raised");
    CELL(new_cases, "new-cases"), CELL(under_control, "under-control");
    snprintf(k, sizeof k, "batch%d-found", x->batch);
    share_cell(b, x->under_control, x->new_cases, k);
    CELL(active_red, "red"), CELL(active_yellow, "yellow");
#undef CELL
    pc_sb_puts(b, "</tr>\n");
  }
  pc_sb_puts(b, "</table></details>\n");
}

/* One local day of the campaign: the batches whose time falls in it. */
typedef struct day {
  int32_t ymd;
  uint64_t batches, new_flagged, new_cases;
} day;

static int day_cmp(const void *a, const void *b) {
  const day *x = a, *y = b;
  return (x->ymd > y->ymd) - (x->ymd < y->ymd);
}

/* The batches summed per local date of their time, in date order: into *out. */
static int days_of(const report *R, day **out, size_t *nd) {
  day *d = pc_calloc(R->nlb + 1, sizeof *d, "days");
  if (!d) return PC_ERR_MEM;
  size_t n = 0;
  for (size_t i = 0; i < R->nlb; i++) {
    int32_t ymd = pc_local_ymd(R->lb[i].time);
    size_t j = 0;
    while (j < n && d[j].ymd != ymd) j++;
    if (j == n) d[n++].ymd = ymd;
    d[j].batches++, d[j].new_flagged += R->lb[i].new_flagged, d[j].new_cases += R->lb[i].new_cases;
  }
  pc_qsort(d, n, sizeof *d, day_cmp);
  *out = d, *nd = n;
  return 0;
}

/* Per local day: new flagged and new cases, the chart and the table. */
static int per_day(sb *b, const report *R) {
  day *d = NULL;
  size_t n = 0;
  PC_CALL(days_of(R, &d, &n));
  uint64_t *v = pc_calloc(2 * n + 1, sizeof *v, "days");
  char(*lab)[40] = pc_calloc(n + 1, sizeof *lab, "days");
  const char **p = pc_calloc(n + 1, sizeof *p, "days");
  if (!v || !lab || !p) return free(d), free(v), free(lab), free(p), PC_ERR_MEM;
  for (size_t i = 0; i < n; i++) {
    v[i] = d[i].new_flagged, v[n + i] = d[i].new_cases;
    snprintf(lab[i], 40, "%02d-%02d", d[i].ymd / 100 % 100, d[i].ymd % 100);
    p[i] = lab[i];
  }
  const pc_report_series s[2] = {{v, "#2b6cb0", "new flagged"}, {v + n, "#d7263d", "new cases"}};
  pc_sb_puts(b, "<h3>New flagged and new cases per day</h3>\n<p class=\"note\">The batches "
                "summed by the local date (UTC+8) of their time.</p>\n");
  pc_report_svg_columns(b, p, n, s, 2, 0);
  pc_sb_puts(b, "<details><summary>every day</summary><table><tr><th>date</th><th class=\"n\">"
                "batches</th><th class=\"n\">new flagged</th><th class=\"n\">new cases</th></tr>\n");
  for (size_t i = 0; i < n; i++) {
    char k[48];
    int32_t y = d[i].ymd;
    pc_sb_printf(b, "<tr><td>%04d-%02d-%02d</td>", y / 10000, y / 100 % 100, y % 100);
    snprintf(k, sizeof k, "day%d-batches", y), num_cell(b, d[i].batches, k);
    snprintf(k, sizeof k, "day%d-new-flagged", y), num_cell(b, d[i].new_flagged, k);
    snprintf(k, sizeof k, "day%d-new-cases", y), num_cell(b, d[i].new_cases, k);
    pc_sb_puts(b, "</tr>\n");
  }
  pc_sb_puts(b, "</table></details>\n");
  free(d), free(v), free(lab), free(p);
  return 0;
}

static int measure_code_cmp(const void *a, const void *b) {
  const measure *x = a, *y = b;
  return (x->jurisdiction > y->jurisdiction) - (x->jurisdiction < y->jurisdiction);
}
static int measure_flagged_cmp(const void *a, const void *b) {
  const measure *x = a, *y = b;
  if (x->flagged != y->flagged) return x->flagged > y->flagged ? -1 : 1;
  return measure_code_cmp(a, b);
}

/* The measures summed per city (a jurisdiction cut to its city; 0
 * unassigned), by flagged descending then code: into *out. */
static int measures_per_city(const report *R, measure **out, size_t *nc) {
  measure *c = pc_calloc(R->nlm + 1, sizeof *c, "measures");
  if (!c) return PC_ERR_MEM;
  for (size_t i = 0; i < R->nlm; i++) {
    c[i] = R->lm[i];
    c[i].jurisdiction = pc_region_cut(c[i].jurisdiction, PC_LEVEL_CITY);
  }
  pc_qsort(c, R->nlm, sizeof *c, measure_code_cmp);
  size_t n = 0;
  for (size_t i = 0; i < R->nlm; i++) {
    if (n && c[n - 1].jurisdiction == c[i].jurisdiction) {
      measure *a = &c[n - 1];
      const measure *x = &c[i];
      a->flagged += x->flagged, a->active_red += x->active_red, a->active_yellow += x->active_yellow;
      a->reached += x->reached, a->reached_24h += x->reached_24h, a->tested += x->tested;
      a->positive += x->positive, a->overdue += x->overdue;
    } else {
      c[n++] = c[i];
    }
  }
  pc_qsort(c, n, sizeof *c, measure_flagged_cmp);
  *out = c, *nc = n;
  return 0;
}

/* Reach within 24 h per city: the chart and the table. */
static int reach_per_city(sb *b, const report *R) {
  measure *c = NULL;
  size_t n = 0;
  PC_CALL(measures_per_city(R, &c, &n));
  pc_sb_puts(b, "<h3>Reach within 24 h per city</h3>\n<p class=\"note\">At the last batch's time, "
                "per city of the persons' jurisdiction: reached within 24 h of being flagged, "
                "reached later, overdue (flagged more than 24 h before, not reached, code "
                "active), the rest.</p>\n");
  pc_report_svg_reach24(b, R, c, n);
  pc_sb_puts(b, "<table><tr><th>city</th><th class=\"n\">flagged</th><th class=\"n\">reached</th>"
                "<th class=\"n\">within 24 h</th><th class=\"n\">share</th><th class=\"n\">overdue"
                "</th><th class=\"n\">tested</th><th class=\"n\">positive</th></tr>\n");
  for (size_t i = 0; i < n; i++) {
    const measure *x = &c[i];
    unsigned long long code = pc_region_short(x->jurisdiction, PC_LEVEL_CITY);
    char k[48];
    pc_sb_puts(b, "<tr><td>");
    pc_sb_region(b, R, x->jurisdiction, PC_LEVEL_CITY, "unassigned");
    pc_sb_puts(b, "</td>");
    snprintf(k, sizeof k, "reach%llu-flagged", code), num_cell(b, x->flagged, k);
    snprintf(k, sizeof k, "reach%llu-reached", code), num_cell(b, x->reached, k);
    snprintf(k, sizeof k, "reach%llu-24h", code), num_cell(b, x->reached_24h, k);
    snprintf(k, sizeof k, "reach%llu-24h-share", code), share_cell(b, x->reached_24h, x->flagged, k);
    snprintf(k, sizeof k, "reach%llu-overdue", code), num_cell(b, x->overdue, k);
    snprintf(k, sizeof k, "reach%llu-tested", code), num_cell(b, x->tested, k);
    snprintf(k, sizeof k, "reach%llu-positive", code), num_cell(b, x->positive, k);
    pc_sb_puts(b, "</tr>\n");
  }
  pc_sb_puts(b, "</table>\n");
  free(c);
  return 0;
}

static int yield_cmp(const void *a, const void *b) {
  const yield *x = a, *y = b;
  if (x->flagged != y->flagged) return x->flagged > y->flagged ? -1 : 1;
  int c = strncmp(x->cls, y->cls, sizeof x->cls);
  return c ? c : strncmp(x->channel, y->channel, sizeof x->channel);
}

/* The yield per class and channel of the first flag (the Henan table):
 * the chart and the table, by flagged descending. */
static int yield_part(sb *b, const report *R) {
  yield *y = pc_calloc(R->nly + 1, sizeof *y, "yield");
  if (!y) return PC_ERR_MEM;
  memcpy(y, R->ly, R->nly * sizeof *y);
  pc_qsort(y, R->nly, sizeof *y, yield_cmp);
  pc_sb_puts(b, "<h3>Yield per class and channel</h3>\n<p class=\"note\">Persons by the class "
                "and channel of their first flag, and those of them who later became cases "
                "(\"same flight 1,122 → 8\"); bars: the share who became cases.</p>\n");
  pc_report_svg_yield(b, y, R->nly);
  pc_sb_puts(b, "<table><tr><th>class</th><th>channel</th><th class=\"n\">flagged</th>"
                "<th class=\"n\">later positive</th><th class=\"n\">yield</th></tr>\n");
  for (size_t i = 0; i < R->nly; i++) {
    char c1[20], c2[20], k1[20], k2[20], k[64];
    pc_sb_puts(b, "<tr><td>");
    pc_sb_esc(b, fixed(y[i].cls, sizeof y[i].cls, c1), sizeof c1);
    pc_sb_puts(b, "</td><td>");
    pc_sb_esc(b, fixed(y[i].channel, sizeof y[i].channel, c2), sizeof c2);
    pc_sb_puts(b, "</td>");
    keypart(y[i].cls, sizeof y[i].cls, k1), keypart(y[i].channel, sizeof y[i].channel, k2);
    snprintf(k, sizeof k, "yield-%s-%s-flagged", k1, k2), num_cell(b, y[i].flagged, k);
    snprintf(k, sizeof k, "yield-%s-%s-positive", k1, k2), num_cell(b, y[i].positive, k);
    snprintf(k, sizeof k, "yield-%s-%s-share", k1, k2), share_cell(b, y[i].positive, y[i].flagged, k);
    pc_sb_puts(b, "</tr>\n");
  }
  pc_sb_puts(b, "</table>\n");
  free(y);
  return 0;
}

/* ------------------------------------------------------------ the section ---- */

int pc_report_campaign_section(pc_sb *b, const pc_report *R) {
  if (R->ledger < 0) return 0;
  char t0[24], t1[24];
  pc_sb_puts(b, "<h2>The campaign</h2>\n<p class=\"note\">From the ledger's batches");
  if (R->nlb)
    pc_sb_printf(b, " (%s to %s, UTC+8)", pc_time_format(R->lb[0].time, t0),
                 pc_time_format(R->lb[R->nlb - 1].time, t1));
  pc_sb_puts(b, ", and its measures and yield at the last batch's time: counts only.</p>\n");
  campaign_cards(b, R);
  if (R->nlb) {
    PC_CALL(per_batch(b, R));
    batch_table(b, R);
    PC_CALL(per_day(b, R));
  }
  PC_CALL(reach_per_city(b, R));
  PC_CALL(yield_part(b, R));
  return 0;
}
