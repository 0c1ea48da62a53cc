/* pc_report_page.c - the report's page: its head, the sections and their inline SVG charts and trees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_report.h"
#include "pc_reportfile.h"
#include "pc_sort.h"
#include "pc_time.h"

typedef pc_sb sb;
typedef pc_report report;
typedef pc_report_agg agg;
typedef pc_report_pyramid pyramid;

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
  pc_sb_printf(b, "<div class=\"card %s\"><span class=\"t\">%s</span>", cls, title);
  pc_sb_kv(b, "b", v, "%s", key);
  pc_sb_puts(b, "</div>\n");
}

/* A table row: label, then the checked number; the last row closes the table. */
static void count_row(sb *b, const char *label, uint64_t v, const char *key, int last) {
  pc_sb_printf(b, "<tr><td>%s</td><td class=\"n\">", label);
  pc_sb_kv(b, "span", v, "%s", key);
  pc_sb_puts(b, last ? "</td></tr></table>\n" : "</td></tr>\n");
}

/* The cards: everyone flagged, then each class of the outputs given. */
static void count_cards(sb *b, const report *R) {
  pc_sb_puts(b, "<div class=\"cards\">\n");
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
  pc_sb_puts(b, "</div>\n<p class=\"note\">Red and yellow count each person once with the most "
             "severe code of every output given; a person both traced and screened is one "
             "person.</p>\n");
}

/* The trace's own counts: per hop, companions, codes, then per channel. */
static void trace_counts(sb *b, const report *R) {
  pc_sb_puts(b, "<h3>Trace</h3><table><tr><th>class</th><th class=\"n\">persons</th></tr>\n");
  for (int h = 0; h <= R->maxhop; h++) {
    char label[16], key[24];
    snprintf(label, sizeof label, "hop %d", h);
    snprintf(key, sizeof key, "trace-hop%d", h);
    count_row(b, label, R->hop_n[h], key, 0);
  }
  count_row(b, "companion", R->comp_n, "trace-companion", 0);
  if (R->root_suspected > 0)
    count_row(b, "contacts of suspected cases", (uint64_t)R->root_suspected, "trace-root-suspected", 0);
  if (R->root_asymptomatic > 0)
    count_row(b, "contacts of asymptomatic cases", (uint64_t)R->root_asymptomatic,
              "trace-root-asymptomatic", 0);
  if (R->unmatched > 0)
    count_row(b, "case rows not traced (the trace file's /unmatched)", (uint64_t)R->unmatched,
              "trace-unmatched", 0);
  count_row(b, "red code", R->trace_red, "trace-red", 0);
  count_row(b, "yellow code", R->trace_yellow, "trace-yellow", 1);
  pc_sb_puts(b, "<h3>Trace: persons found per channel</h3>"
             "<p class=\"legend\">");
  for (int c = 0; c < PC_REPORT_NCH; c++) {
    if (c == PC_NCHANNELS && !R->ch_n[c]) continue;
    pc_sb_printf(b, "<span><i style=\"background:%s\"></i>%s ", pc_report_channel_color(c),
                 pc_report_channel_name(c));
    pc_sb_kv(b, "b", R->ch_n[c], "ch-%s", pc_report_channel_name(c));
    pc_sb_puts(b, "</span>");
  }
  pc_sb_puts(b, "</p><p class=\"note\">household, cafe, lodging, flight and rail make close "
             "contacts; lbs and grid companions (the channel that found each person; the cases "
             "are not counted).</p>\n");
}

/* The screen's own counts: rows per area, persons, rows, codes. */
static void screen_counts(sb *b, const report *R) {
  pc_sb_puts(b, "<h3>Screening</h3><table><tr><th>area</th><th class=\"n\">persons</th></tr>\n");
  /* Areas by name (byte order): the order does not depend on the rows. */
  int idx[PC_REPORT_MAXAREAS];
  for (int i = 0; i < R->nareas; i++) idx[i] = i;
  for (int i = 1; i < R->nareas; i++)
    for (int j = i; j > 0 && strcmp(R->areas[idx[j - 1]].name, R->areas[idx[j]].name) > 0; j--) {
      int t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  for (int i = 0; i < R->nareas; i++) {
    pc_sb_puts(b, "<tr><td>");
    pc_sb_esc(b, R->areas[idx[i]].name, 32);
    pc_sb_puts(b, "</td><td class=\"n\">");
    pc_sb_kv(b, "span", R->areas[idx[i]].rows, "area-%d", i + 1);
    pc_sb_puts(b, "</td></tr>\n");
  }
  count_row(b, "persons (each once)", R->scr_persons, "screen-persons", 0);
  count_row(b, "rows (person and area)", R->scr_rows, "screen-rows", 0);
  count_row(b, "red code", R->scr_red, "screen-red", 0);
  count_row(b, "yellow code", R->scr_yellow, "screen-yellow", 1);
}

static void counts_section(sb *b, const report *R) {
  pc_sb_puts(b, "<h2>Counts</h2>\n");
  if (R->trace >= 0 || R->screen >= 0) count_cards(b, R);
  if (R->trace >= 0) trace_counts(b, R);
  if (R->screen >= 0) screen_counts(b, R);
}

static int reach_section(sb *b, report *R) {
  if (R->trace < 0 && R->screen < 0) return 0;
  pc_sb_puts(b, "<h2>People to reach</h2>\n<p class=\"note\">Each flagged person once, where they "
             "must be reached (the jurisdiction of the trace or screen: where they were at 03:00 "
             "the day before as_of); bars: red, then yellow.</p>\n<h3>Per city</h3>\n");
  pc_qsort(R->city.a, R->city.n, sizeof *R->city.a, pc_report_agg_by_v0);
  pc_report_svg_reach(b, R, R->city.a, R->city.n, PC_LEVEL_CITY, "city", "unassigned");
  pc_qsort(R->county.a, R->county.n, sizeof *R->county.a, pc_report_agg_by_v0);
  size_t n = R->county.n < (size_t)R->top ? R->county.n : (size_t)R->top;
  pc_sb_printf(b, "<h3>The %zu counties with most people to reach (of ", n);
  pc_sb_kv(b, "span", R->county.n, "counties");
  pc_sb_printf(b, "%s)</h3>\n", R->county_by_jur ? "" : "; by county of residence: the outputs "
               "assigned people to cities only");
  pc_report_svg_reach(b, R, R->county.a, n, PC_LEVEL_COUNTY, "county",
            R->county_by_jur ? "unassigned" : "residence unknown");
  return 0;
}

static void pyr_table(sb *b, const pyramid *p, const char *key, const char *title) {
  pc_sb_printf(b,
               "<table><tr><th>%s</th><th class=\"n\">male</th><th class=\"n\">female</th></tr>\n",
               title);
  for (int i = PC_REPORT_NBANDS - 1; i >= 0; i--) {
    char lab[16];
    pc_report_band_label(i, lab);
    pc_sb_printf(b, "<tr><td>%s</td><td class=\"n\">", lab);
    pc_sb_kv(b, "span", p->c[0][i], "%s-m-%d", key, 5 * i);
    pc_sb_puts(b, "</td><td class=\"n\">");
    pc_sb_kv(b, "span", p->c[1][i], "%s-f-%d", key, 5 * i);
    pc_sb_puts(b, "</td></tr>\n");
  }
  pc_sb_puts(b, "<tr><td>sex or age unknown</td><td class=\"n\" colspan=\"2\">");
  pc_sb_kv(b, "span", p->unknown, "%s-unknown", key);
  pc_sb_puts(b, "</td></tr><tr><td><b>total</b></td><td class=\"n\" colspan=\"2\">");
  pc_sb_kv(b, "b", p->total, "%s-total", key);
  pc_sb_puts(b, "</td></tr></table>\n");
}

static void pyramid_section(sb *b, const report *R) {
  int has_flag = R->trace >= 0 || R->screen >= 0;
  pc_sb_puts(b, "<h2>Age pyramids</h2>\n<p class=\"note\">");
  if (has_flag) pc_sb_puts(b, "The flagged population (each person once) against the whole ");
  else pc_sb_puts(b, "The whole ");
  pc_sb_puts(b,
             "population of the dataset, by sex and 5-year age band at the dataset's as_of; each "
             "as shares of its own total, so their shapes compare.</p>\n");
  pc_report_svg_pyramid(b, &R->all, &R->flag, has_flag);
  pc_sb_puts(b, "<details><summary>the counts</summary><div style=\"display:flex;gap:40px\">");
  pyr_table(b, &R->all, "pyr-all", "whole population");
  if (has_flag) pyr_table(b, &R->flag, "pyr-flag", "flagged");
  pc_sb_puts(b, "</div></details>\n");
}

static void vax_section(sb *b, report *R) {
  if (R->bd < 0) return;
  pc_sb_printf(b, "<h2>Vaccination gap, aged %d+</h2>\n", R->vax_from < 0 ? 60 : R->vax_from);
  if (!R->has_targets || R->vax_from < 0) {
    pc_sb_puts(b,
               "<p class=\"note\">The breakdown has no /targets, or no age band from 60: nothing "
               "to show.</p>\n");
    return;
  }
  pc_sb_printf(b, "<p class=\"note\">People aged %d+ with fewer than %lld doses, per county of "
               "residence (the breakdown's /targets): ", R->vax_from, (long long)R->required_doses);
  pc_sb_kv(b, "b", R->vax_below, "vax-below");
  pc_sb_puts(b, " of ");
  pc_sb_kv(b, "span", R->vax_persons, "vax-persons");
  pc_sb_puts(b, " (");
  pc_sb_pct(b, R->vax_below, R->vax_persons);
  pc_sb_puts(b, "), ");
  pc_sb_kv(b, "span", R->vax_unvacc, "vax-unvaccinated");
  pc_sb_puts(b, " with no dose.</p>\n");
  pc_qsort(R->vax.a, R->vax.n, sizeof *R->vax.a, pc_report_agg_by_v1);
  size_t n = R->vax.n < (size_t)R->top ? R->vax.n : (size_t)R->top;
  pc_sb_printf(b, "<h3>The %zu counties with the largest gap (of %zu)</h3>\n", n, R->vax.n);
  pc_report_svg_vax(b, R, R->vax.a, n);
  pc_sb_printf(b, "<details><summary>every county</summary><table><tr><th>county</th>"
             "<th class=\"n\">aged %d+</th><th class=\"n\">below the required doses</th>"
             "<th class=\"n\">share</th><th class=\"n\">no dose</th></tr>\n", R->vax_from);
  for (size_t i = 0; i < R->vax.n; i++) {
    const agg *x = &R->vax.a[i];
    char a[40], c[40], d[40];
    pc_sb_puts(b, "<tr><td>");
    pc_sb_region(b, R, x->code, PC_LEVEL_COUNTY, "unknown");
    pc_sb_printf(b, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">",
                 pc_report_fmt_num(x->v[0], a), pc_report_fmt_num(x->v[1], c));
    pc_sb_pct(b, x->v[1], x->v[0]);
    pc_sb_printf(b, "</td><td class=\"n\">%s</td></tr>\n", pc_report_fmt_num(x->v[2], d));
  }
  pc_sb_puts(b, "</table></details>\n");
}

static void testing_section(sb *b, const report *R) {
  if (R->bd < 0 || !R->has_testing) return;
  pc_sb_puts(b, "<h2>Testing targets</h2>\n<p class=\"note\">From the breakdown's /testing: ");
  pc_sb_kv(b, "b", R->t_flagged, "testing-flagged");
  pc_sb_puts(b, " people to test (red ");
  pc_sb_kv(b, "span", R->t_red, "testing-red");
  pc_sb_puts(b, ", yellow ");
  pc_sb_kv(b, "span", R->t_yellow, "testing-yellow");
  pc_sb_puts(b, ") in ");
  pc_sb_kv(b, "span", R->t_rows, "testing-communities");
  pc_sb_puts(b,
             " communities of residence.</p>\n<table><tr><th>community</th><th class=\"n\">to test"
             "</th><th class=\"n\">red</th><th class=\"n\">yellow</th></tr>\n");
  for (size_t i = 0; i < R->nt_top; i++) {
    const agg *x = &R->t_top[i];
    pc_sb_puts(b, "<tr><td>");
    uint64_t cty = pc_region_cut(x->code, PC_LEVEL_COUNTY);
    const char *cn = x->code ? pc_report_region_name(R, cty) : NULL;
    if (cn) {
      pc_sb_esc(b, cn, PC_REGION_NAME_LEN);
      pc_sb_puts(b, " ");
    }
    pc_sb_region(b, R, x->code, PC_LEVEL_COMMUNITY, "residence unknown");
    pc_sb_puts(b, "</td><td class=\"n\">");
    pc_sb_kv(b, "span", x->v[0], "test-%llu", (unsigned long long)x->code);
    pc_sb_puts(b, "</td><td class=\"n\">");
    pc_sb_kv(b, "span", x->v[1], "test-%llu-red", (unsigned long long)x->code);
    pc_sb_puts(b, "</td><td class=\"n\">");
    pc_sb_kv(b, "span", x->v[2], "test-%llu-yellow", (unsigned long long)x->code);
    pc_sb_puts(b, "</td></tr>\n");
  }
  pc_sb_puts(b, "</table>\n");
}

/* ------------------------------------------------------------ the page ---- */

/* The head: title at the outputs' as_of, the files read, the warnings. */
static void page_head(pc_ctx *ctx, const report *R, sb *b) {
  char *as_of = NULL;
  pc_reportfile first = R->trace >= 0 ? R->trace : R->screen >= 0 ? R->screen : R->bd;
  int64_t out_as_of = R->as_of;
  if (pc_reportfile_has_attr(first, "as_of")) pc_h5_attr_read_i64(first, "as_of", &out_as_of);
  else if (first < 0 && R->nlb) out_as_of = R->lb[R->nlb - 1].time; /* a ledger alone */
  char tb[32];
  as_of = pc_time_format(out_as_of, tb);
  pc_sb_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"generator\" content=\"paicha report\">\n");
  pc_sb_printf(b, "<title>paicha report, as of %s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
               as_of, css);
  pc_sb_printf(b, "<h1>paicha report <span class=\"sub\">排查 · as of %s (UTC+8)</span></h1>\n",
               as_of);
  pc_sb_puts(b, "<p class=\"note\">Written by <code>paicha report</code> from ");
  const char *srcs[5][2] = {{"trace", R->trace_path}, {"screen", R->screen_path},
                            {"breakdown", R->bd_path}, {"ledger", R->ledger_path},
                            {"dataset", R->data_path}};
  int first_src = 1;
  for (int i = 0; i < 5; i++) {
    if (!srcs[i][1] || !srcs[i][1][0]) continue;
    pc_sb_printf(b, "%s%s <code>", first_src ? "" : ", ", srcs[i][0]);
    pc_sb_esc(b, srcs[i][1], strlen(srcs[i][1]));
    pc_sb_puts(b, "</code>");
    first_src = 0;
  }
  pc_sb_puts(b, ". Counts and region names only: no identity is on this page.</p>\n");
  if (R->warn.n) {
    pc_sb_puts(b, "<div class=\"warn\"><b>The outputs' own counts disagree with their tables:</b>"
                  "<ul>");
    pc_sb_put(b, R->warn.s, R->warn.n);
    pc_sb_puts(b, "</ul></div>\n");
    pc_warn(ctx, "an output's counts attribute disagrees with its tables (said on the page)");
  }
}

int pc_report_page(pc_ctx *ctx, pc_report *R, pc_sb *b) {
  page_head(ctx, R, b);
  PC_CALL(pc_report_campaign_section(b, R));
  if (R->ledger < 0 || R->trace >= 0 || R->screen >= 0) counts_section(b, R);
  PC_CALL(reach_section(b, R));
  if (R->data >= 0) pyramid_section(b, R);
  vax_section(b, R);
  testing_section(b, R);
  PC_CALL(pc_report_trees_section(b, R));
  pc_report_provenance(b, R);
  /* No clock on the page: the same outputs give the same bytes. */
  pc_sb_puts(b, "</body>\n</html>\n");
  return b->oom ? PC_ERROR(PC_ERR_MEM, "out of memory building the report page") : 0;
}
