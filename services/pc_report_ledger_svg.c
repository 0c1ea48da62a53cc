/* pc_report_ledger_svg.c - the campaign's charts in inline SVG: columns over batches and days, reach per city, yield. */
#include <stdio.h>
#include <string.h>

#include "pc_report.h"

typedef pc_sb sb;

/* Column charts: width, the plot's left edge (axis labels left of it), its
 * right margin, a panel's height, the room for a panel's title and for the
 * column labels below. */
enum { COL_W = 1120, COL_L = 80, COL_R = 20, COL_PH = 150, COL_TITLE = 22, COL_LAB = 34 };
/* Horizontal bars: as pc_report_svg.c's (labels right-aligned, then bars). */
enum { HB_W = 1120, HB_L = 230, HB_BW = 520, HB_RH = 24 };

static void legend(sb *b, const pc_report_series *s, int k) {
  pc_sb_puts(b, "<p class=\"legend\">");
  for (int j = 0; j < k; j++)
    pc_sb_printf(b, "<span><i style=\"background:%s\"></i>%s</span>", s[j].fill, s[j].name);
  pc_sb_puts(b, "</p>\n");
}

/* The x position and width of column i of n. */
static void col_at(size_t i, size_t n, double *x, double *w) {
  double slot = (double)(COL_W - COL_L - COL_R) / (double)(n ? n : 1);
  *w = slot * 0.7 < 44 ? slot * 0.7 : 44;
  *x = COL_L + slot * (double)i + (slot - *w) / 2;
}

/* The labels of the columns under a plot whose baseline is at y. */
static void col_labels(sb *b, const char *const *lab, size_t n, double y) {
  for (size_t i = 0; i < n; i++) {
    double x, w;
    col_at(i, n, &x, &w);
    pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">", x + w / 2,
                 y + 14 + (double)(i % 2) * 14 * (n > 12));
    pc_sb_esc(b, lab[i], strlen(lab[i]));
    pc_sb_puts(b, "</text>");
  }
}

/* A panel whose plot spans [top, top + COL_PH): the baseline, the maximum on
 * the axis, one column per label (stacked over the series), a total above. */
static void col_panel(sb *b, size_t n, const pc_report_series *s, int k, double top,
                      const char *title) {
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++) {
    uint64_t t = 0;
    for (int j = 0; j < k; j++) t += s[j].v[i];
    if (t > max) max = t;
  }
  char num[40];
  double base = top + COL_PH;
  if (title) pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">%s</text>", COL_L, top - 8, title);
  pc_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#9aa3af\"/>"
               "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">%s</text>"
               "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">0</text>\n",
               COL_L, base, COL_W - COL_R, base, COL_L - 6, top + 10, pc_report_fmt_num(max, num),
               COL_L - 6, base);
  for (size_t i = 0; i < n; i++) {
    double x, w, y = base;
    uint64_t t = 0;
    col_at(i, n, &x, &w);
    for (int j = 0; j < k; j++) {
      double h = (double)(COL_PH - 16) * (double)s[j].v[i] / (double)max;
      y -= h;
      t += s[j].v[i];
      pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">"
                   "<title>%s %s</title></rect>", x, y, w, h, s[j].fill, s[j].name,
                   pc_report_fmt_num(s[j].v[i], num));
    }
    pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%s</text>\n",
                 x + w / 2, y - 3, pc_report_fmt_num(t, num));
  }
}

void pc_report_svg_columns(pc_sb *b, const char *const *lab, size_t n, const pc_report_series *s,
                           int k, int stacked) {
  int panels = stacked ? 1 : k;
  int H = panels * (COL_PH + COL_TITLE) + COL_LAB + 14 * (n > 12);
  if (stacked) legend(b, s, k);
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\">\n", COL_W, H, COL_W, H);
  for (int p = 0; p < panels; p++)
    col_panel(b, n, stacked ? s : s + p, stacked ? k : 1, COL_TITLE + p * (COL_PH + COL_TITLE),
              stacked ? NULL : s[p].name);
  col_labels(b, lab, n, panels * (COL_PH + COL_TITLE));
  pc_sb_puts(b, "</svg>\n");
}

void pc_report_svg_shares(pc_sb *b, const char *const *lab, size_t n, const uint64_t *under,
                          const uint64_t *cases) {
  int H = COL_PH + COL_TITLE + COL_LAB + 14 * (n > 12);
  double base = COL_TITLE + COL_PH;
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\">\n", COL_W, H, COL_W, H);
  pc_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#9aa3af\"/>"
               "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis\">100%%</text>"
               "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">0</text>\n",
               COL_L, base, COL_W - COL_R, base, COL_L - 6, COL_TITLE + 10, COL_L - 6, base);
  for (size_t i = 0; i < n; i++) {
    double x, w;
    col_at(i, n, &x, &w);
    if (!cases[i]) {
      pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">—</text>\n",
                   x + w / 2, base - 4);
      continue;
    }
    double f = (double)under[i] / (double)cases[i], h = (COL_PH - 16) * f;
    pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#3a7d44\"/>"
                 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%.0f%%</text>\n",
                 x, base - h, w, h, x + w / 2, base - h - 3, 100 * f);
  }
  col_labels(b, lab, n, base);
  pc_sb_puts(b, "</svg>\n");
}

static void hbars_open(sb *b, size_t n) {
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
               "role=\"img\">\n", HB_W, n * HB_RH + 8, HB_W, n * HB_RH + 8);
}

/* One segment of a horizontal bar at x, y: its width w for v of max. */
static double hseg(sb *b, double x, double y, uint64_t v, uint64_t max, const char *fill) {
  double w = (double)HB_BW * (double)v / (double)max;
  if (w > 0)
    pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>", x,
                 y + 3, w, HB_RH - 6, fill);
  return x + w;
}

void pc_report_svg_reach24(pc_sb *b, const pc_report *R, const pc_ledger_measure *m, size_t n) {
  static const pc_report_series parts[4] = {{NULL, "#3a7d44", "reached within 24 h"},
                                            {NULL, "#9ccc65", "reached later"},
                                            {NULL, "#d7263d", "overdue"},
                                            {NULL, "#c9d1db", "not reached, not yet overdue"}};
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++)
    if (m[i].flagged > max) max = m[i].flagged;
  legend(b, parts, 4);
  hbars_open(b, n);
  for (size_t i = 0; i < n; i++) {
    const pc_ledger_measure *x = &m[i];
    double y = 4 + (double)i * HB_RH, at = HB_L;
    uint64_t later = x->reached - x->reached_24h, rest = x->flagged - x->reached - x->overdue;
    if (x->reached < x->reached_24h) later = 0;
    if (x->flagged < x->reached + x->overdue) rest = 0;
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", HB_L - 8, y + 16);
    pc_sb_region(b, R, x->jurisdiction, PC_LEVEL_CITY, "unassigned");
    pc_sb_puts(b, "</text>");
    at = hseg(b, at, y, x->reached_24h, max, parts[0].fill);
    at = hseg(b, at, y, later, max, parts[1].fill);
    at = hseg(b, at, y, x->overdue, max, parts[2].fill);
    at = hseg(b, at, y, rest, max, parts[3].fill);
    char a[40], c[40], d[40];
    pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">%s<tspan class=\"sub\"> of %s "
                 "within 24 h (", at + 6, y + 16, pc_report_fmt_num(x->reached_24h, a),
                 pc_report_fmt_num(x->flagged, c));
    pc_sb_pct(b, x->reached_24h, x->flagged);
    pc_sb_printf(b, "), overdue %s</tspan></text>\n", pc_report_fmt_num(x->overdue, d));
  }
  pc_sb_puts(b, "</svg>\n");
}

void pc_report_svg_yield(pc_sb *b, const pc_ledger_yield *y, size_t n) {
  double max = 0.0001;
  for (size_t i = 0; i < n; i++)
    if (y[i].flagged && (double)y[i].positive / (double)y[i].flagged > max)
      max = (double)y[i].positive / (double)y[i].flagged;
  hbars_open(b, n);
  for (size_t i = 0; i < n; i++) {
    double r = y[i].flagged ? (double)y[i].positive / (double)y[i].flagged : 0, top = 4 + (double)i * HB_RH;
    double w = HB_BW * r / max;
    char cls[20], ch[20], a[40], c[40];
    memcpy(cls, y[i].cls, sizeof y[i].cls), cls[sizeof y[i].cls] = 0;
    memcpy(ch, y[i].channel, sizeof y[i].channel), ch[sizeof y[i].channel] = 0;
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", HB_L - 8, top + 16);
    pc_sb_esc(b, cls, sizeof cls);
    pc_sb_puts(b, " · ");
    pc_sb_esc(b, ch, sizeof ch);
    pc_sb_printf(b, "</text><rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"#d7263d\"/>",
                 HB_L, top + 3, w, HB_RH - 6);
    pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">%s → %s<tspan class=\"sub\"> (",
                 HB_L + w + 6, top + 16, pc_report_fmt_num(y[i].flagged, a),
                 pc_report_fmt_num(y[i].positive, c));
    pc_sb_pct(b, y[i].positive, y[i].flagged);
    pc_sb_puts(b, ")</tspan></text>\n");
  }
  pc_sb_puts(b, "</svg>\n");
}
