/* pc_report_svg.c - the report's charts in inline SVG: bars per region, the age pyramid, the vaccination gap. */
#include <stdio.h>

#include "pc_report.h"

typedef pc_sb sb;
typedef pc_report report;
typedef pc_report_agg agg;
typedef pc_report_pyramid pyramid;

/* The bar charts' geometry: width, the labels' right edge (bars start there),
 * the widest bar, the row height. */
enum { BARS_W = 1120, BARS_L = 230, BARS_BW = 560, BARS_RH = 24 };

static const char *const ch_colors[PC_REPORT_NCH] = {"#7b3294", "#1b9e77", "#66a61e", "#1f78b4",
                                                     "#e66101", "#5e3c99", "#8c8c8c", "#444444"};

const char *pc_report_channel_color(int c) {
  return ch_colors[c >= 0 && c < PC_NCHANNELS ? c : PC_NCHANNELS];
}

void pc_sb_region(pc_sb *b, const pc_report *R, uint64_t code, int level, const char *none) {
  if (!code) {
    pc_sb_puts(b, none);
    return;
  }
  const char *n = pc_report_region_name(R, code);
  if (n) pc_sb_esc(b, n, PC_REGION_NAME_LEN);
  else pc_sb_puts(b, R->nreg ? "?" : pc_level_name(level)); /* no dataset given: codes only */
  pc_sb_printf(b, " %llu", (unsigned long long)pc_region_short(code, level));
}

/* ------------------------------------------------------------ bar charts ---- */

/* The opening of a chart of n bars, one per row. */
static void bars_open(sb *b, size_t n) {
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
               "role=\"img\">\n", BARS_W, n * BARS_RH + 8, BARS_W, n * BARS_RH + 8);
}

/* The region's label at the left of the row at y. */
static void bars_label(sb *b, const report *R, double y, uint64_t code, int level,
                       const char *none) {
  pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", BARS_L - 8,
               y + 16);
  pc_sb_region(b, R, code, level, none);
}

void pc_report_svg_reach(pc_sb *b, const pc_report *R, const pc_report_agg *a, size_t n,
                         int level, const char *prefix, const char *none) {
  const int L = BARS_L, RH = BARS_RH;
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++)
    if (a[i].v[0] > max) max = a[i].v[0];
  bars_open(b, n);
  for (size_t i = 0; i < n; i++) {
    const agg *x = &a[i];
    double y = 4 + (double)i * RH;
    double wr = (double)BARS_BW * (double)x->v[1] / (double)max,
           wy = (double)BARS_BW * (double)x->v[2] / (double)max,
           wo = (double)BARS_BW * (double)(x->v[0] - x->v[1] - x->v[2]) / (double)max;
    bars_label(b, R, y, x->code, level, none);
    pc_sb_puts(b, "</text>");
    pc_sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"red\"/>", L,
                 y + 3, wr, RH - 6);
    pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"yellow\"/>",
                 L + wr, y + 3, wy, RH - 6);
    if (wo > 0)
      pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"#999\"/>",
                   L + wr + wy, y + 3, wo, RH - 6);
    pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", L + wr + wy + wo + 6, y + 16);
    unsigned long long c = pc_region_short(x->code, level);
    pc_sb_kv(b, "tspan", x->v[0], "%s-%llu", prefix, c);
    pc_sb_puts(b, "<tspan class=\"sub\"> (red ");
    pc_sb_kv(b, "tspan", x->v[1], "%s-%llu-red", prefix, c);
    pc_sb_puts(b, ", yellow ");
    pc_sb_kv(b, "tspan", x->v[2], "%s-%llu-yellow", prefix, c);
    pc_sb_puts(b, ")</tspan></text>\n");
  }
  pc_sb_puts(b, "</svg>\n");
}

void pc_report_svg_vax(pc_sb *b, const pc_report *R, const pc_report_agg *a, size_t n) {
  const int L = BARS_L, RH = BARS_RH;
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++)
    if (a[i].v[1] > max) max = a[i].v[1];
  bars_open(b, n);
  for (size_t i = 0; i < n; i++) {
    const agg *x = &a[i];
    double y = 4 + (double)i * RH, w = (double)BARS_BW * (double)x->v[1] / (double)max;
    unsigned long long c = pc_region_short(x->code, PC_LEVEL_COUNTY);
    bars_label(b, R, y, x->code, PC_LEVEL_COUNTY, "unknown");
    pc_sb_printf(b, "</text><rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"vax\"/>",
                 L, y + 3, w, RH - 6);
    pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", L + w + 6, y + 16);
    pc_sb_kv(b, "tspan", x->v[1], "vaxc-%llu", c);
    pc_sb_puts(b, "<tspan class=\"sub\"> of ");
    pc_sb_kv(b, "tspan", x->v[0], "vaxc-%llu-persons", c);
    pc_sb_puts(b, " (");
    pc_sb_pct(b, x->v[1], x->v[0]);
    pc_sb_puts(b, ")</tspan></text>\n");
  }
  pc_sb_puts(b, "</svg>\n");
}

/* ------------------------------------------------------------ the pyramid ---- */

void pc_report_band_label(int i, char *buf) {
  if (i == PC_REPORT_NBANDS - 1) sprintf(buf, "%d+", 5 * i);
  else sprintf(buf, "%d-%d", 5 * i, 5 * i + 4);
}

/* The pyramid's geometry: width, centre, the widest bar, row height, top margin. */
enum { PYR_W = 900, PYR_C = 450, PYR_HW = 360, PYR_RH = 22, PYR_TOP = 30 };

/* The largest share of any band of either set drawn: the full bar width. */
static double pyramid_max(const pyramid *all, const pyramid *fl, int has_flag) {
  double ta = (double)(all->total - all->unknown), tf = (double)(fl->total - fl->unknown);
  double max = 0.0001;
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < PC_REPORT_NBANDS; i++) {
      if (ta > 0 && all->c[s][i] / ta > max) max = all->c[s][i] / ta;
      if (has_flag && tf > 0 && fl->c[s][i] / tf > max) max = fl->c[s][i] / tf;
    }
  return max;
}

/* The legend below the bands. */
static void pyramid_legend(sb *b, int has_flag) {
  int ly = PYR_TOP + PC_REPORT_NBANDS * PYR_RH + 22;
  pc_sb_printf(b, "<rect x=\"220\" y=\"%d\" width=\"18\" height=\"12\" class=\"popbar\"/>"
               "<text x=\"244\" y=\"%d\" class=\"axis\">whole population (share of its total)"
               "</text>",
               ly - 10, ly);
  if (has_flag)
    pc_sb_printf(b, "<rect x=\"530\" y=\"%d\" width=\"9\" height=\"12\" class=\"male\"/>"
                 "<rect x=\"539\" y=\"%d\" width=\"9\" height=\"12\" class=\"female\"/>"
                 "<text x=\"554\" y=\"%d\" class=\"axis\">flagged (share of the flagged)</text>",
                 ly - 10, ly - 10, ly);
}

void pc_report_svg_pyramid(pc_sb *b, const pc_report_pyramid *all, const pc_report_pyramid *fl,
                           int has_flag) {
  const int C = PYR_C, HW = PYR_HW, RH = PYR_RH;
  double ta = (double)(all->total - all->unknown), tf = (double)(fl->total - fl->unknown);
  double max = pyramid_max(all, fl, has_flag);
  int H = PYR_TOP + PC_REPORT_NBANDS * RH + 40;
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\">\n", PYR_W, H, PYR_W, H);
  pc_sb_printf(b, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" class=\"lab\">male</text>"
               "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" class=\"lab\">female</text>\n",
               C - HW / 2, C + HW / 2);
  for (int i = 0; i < PC_REPORT_NBANDS; i++) {
    int row = PC_REPORT_NBANDS - 1 - i; /* oldest at the top */
    double y = PYR_TOP + row * RH;
    char lab[16];
    pc_report_band_label(i, lab);
    for (int s = 0; s < 2; s++) {
      double wa = ta > 0 ? HW * (all->c[s][i] / ta) / max : 0;
      double wf = has_flag && tf > 0 ? HW * (fl->c[s][i] / tf) / max : 0;
      double xa = s == 0 ? C - 24 - wa : C + 24, xf = s == 0 ? C - 24 - wf : C + 24;
      pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"popbar\"/>",
                   xa, y + 1, wa, RH - 2);
      if (has_flag)
        pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"%s\"/>",
                     xf, y + 6, wf, RH - 12, s == 0 ? "male" : "female");
    }
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%s</text>\n",
                 C, y + 15, lab);
  }
  pyramid_legend(b, has_flag);
  pc_sb_puts(b, "\n</svg>\n");
}
