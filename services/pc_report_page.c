/* pc_report_page.c - the report's page: its head, the sections and their inline SVG charts and trees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_report.h"
#include "pc_reportfile.h"
#include "pc_sort.h"
#include "pc_time.h"

#define TREE_NODES 12 /* close contacts drawn per case; the rest as one summary node */

typedef pc_sb sb;
typedef pc_report report;
typedef pc_report_node node;
typedef pc_report_agg agg;
typedef pc_report_pyramid pyramid;

/* ---------------------------------------------------------- the page: svg ---- */

static const char *const ch_colors[PC_REPORT_NCH] = {"#7b3294", "#1b9e77", "#66a61e", "#1f78b4",
                                           "#e66101", "#5e3c99", "#8c8c8c", "#444444"};
/* The label of a region: its name and code digits at `level` ("长沙市 4301"). */
static void sb_region(sb *b, const report *R, uint64_t code, int level, const char *none) {
  if (!code) {
    pc_sb_puts(b, none);
    return;
  }
  const char *n = pc_report_region_name(R, code);
  if (n) pc_sb_esc(b, n, PC_REGION_NAME_LEN);
  else pc_sb_puts(b, "?");
  pc_sb_printf(b, " %llu", (unsigned long long)pc_region_short(code, level));
}

/* Horizontal stacked bars (red, yellow) of people to reach, one row per region. */
static void svg_reach(sb *b, const report *R, const agg *a, size_t n, int level,
                      const char *prefix, const char *none) {
  const int W = 1120, L = 230, BW = 560, RH = 24;
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++)
    if (a[i].v[0] > max) max = a[i].v[0];
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
               "role=\"img\">\n", W, n * RH + 8, W, n * RH + 8);
  for (size_t i = 0; i < n; i++) {
    const agg *x = &a[i];
    double y = 4 + (double)i * RH;
    double wr = (double)BW * (double)x->v[1] / (double)max,
           wy = (double)BW * (double)x->v[2] / (double)max,
           wo = (double)BW * (double)(x->v[0] - x->v[1] - x->v[2]) / (double)max;
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", L - 8, y + 16);
    sb_region(b, R, x->code, level, none);
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

static void band_label(int i, char *buf) {
  if (i == PC_REPORT_NBANDS - 1) sprintf(buf, "%d+", 5 * i);
  else sprintf(buf, "%d-%d", 5 * i, 5 * i + 4);
}

/* Male left, female right; each set as shares of its own known total: the
 * whole population as grey bars, the flagged as narrower coloured bars. */
static void svg_pyramid(sb *b, const pyramid *all, const pyramid *fl, int has_flag) {
  const int W = 900, C = 450, HW = 360, RH = 22, top = 30;
  double ta = (double)(all->total - all->unknown), tf = (double)(fl->total - fl->unknown);
  double max = 0.0001;
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < PC_REPORT_NBANDS; i++) {
      if (ta > 0 && all->c[s][i] / ta > max) max = all->c[s][i] / ta;
      if (has_flag && tf > 0 && fl->c[s][i] / tf > max) max = fl->c[s][i] / tf;
    }
  int H = top + PC_REPORT_NBANDS * RH + 40;
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\">\n", W, H, W, H);
  pc_sb_printf(b, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" class=\"lab\">male</text>"
               "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" class=\"lab\">female</text>\n",
               C - HW / 2, C + HW / 2);
  for (int i = 0; i < PC_REPORT_NBANDS; i++) {
    int row = PC_REPORT_NBANDS - 1 - i; /* oldest at the top */
    double y = top + row * RH;
    char lab[16];
    band_label(i, lab);
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
  int ly = top + PC_REPORT_NBANDS * RH + 22;
  pc_sb_printf(b, "<rect x=\"220\" y=\"%d\" width=\"18\" height=\"12\" class=\"popbar\"/>"
               "<text x=\"244\" y=\"%d\" class=\"axis\">whole population (share of its total)"
               "</text>",
               ly - 10, ly);
  if (has_flag)
    pc_sb_printf(b, "<rect x=\"530\" y=\"%d\" width=\"9\" height=\"12\" class=\"male\"/>"
                 "<rect x=\"539\" y=\"%d\" width=\"9\" height=\"12\" class=\"female\"/>"
                 "<text x=\"554\" y=\"%d\" class=\"axis\">flagged (share of the flagged)</text>",
                 ly - 10, ly - 10, ly);
  pc_sb_puts(b, "\n</svg>\n");
}

/* -------------------------------------------------------- the page: trees ---- */

static uint64_t h1_total(const report *R, uint32_t j) {
  const size_t W = (size_t)R->maxhop + 2;
  uint64_t t = 0;
  for (size_t k = 2; k < W; k++) t += R->h1[(size_t)j * W + k];
  return t;
}

/* A close contact of a tree with what orders it: the most people beyond
 * first, then the earliest exposure, then pid (unique: a total order). */
typedef struct kid {
  uint64_t total;
  int64_t exposure;
  uint64_t pid;
  uint32_t j; /* the dense index of the hop-1 person */
} kid;
static int kid_cmp(const void *pa, const void *pb) {
  const kid *x = pa, *y = pb;
  if (x->total != y->total) return x->total < y->total ? 1 : -1;
  if (x->exposure != y->exposure) return x->exposure < y->exposure ? -1 : 1;
  return (x->pid > y->pid) - (x->pid < y->pid);
}

static uint64_t clu_size(const report *R, size_t o) {
  const size_t W = (size_t)R->maxhop + 2;
  uint64_t t = 1;
  for (size_t k = 1; k < W; k++) t += R->clu[o * W + k];
  return t;
}

/* A cluster with what orders it: the largest first, then the case ordinal. */
typedef struct cluster {
  uint64_t size;
  size_t o;
} cluster;
static int cluster_cmp(const void *pa, const void *pb) {
  const cluster *x = pa, *y = pb;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return (x->o > y->o) - (x->o < y->o);
}

/* "hop 2: 12 · companions: 3" as checked numbers, from counts c[2..maxhop+1]. */
static void sb_desc(sb *b, const report *R, const uint64_t *c, const char *key) {
  const size_t W = (size_t)R->maxhop + 2;
  int first = 1;
  for (size_t k = 2; k < W; k++) {
    if (!first) pc_sb_puts(b, " · ");
    first = 0;
    if (k < W - 1) pc_sb_printf(b, "hop %zu: ", k);
    else pc_sb_puts(b, "companions: ");
    if (k < W - 1) pc_sb_kv(b, "tspan", c[k], "%s-hop%zu", key, k);
    else pc_sb_kv(b, "tspan", c[k], "%s-companion", key);
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
    pc_sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"10\" fill=\"%s\"/>", x,
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
  kid *kids = pc_malloc((nk + 1) * sizeof *kids, "tree");
  if (!kids) return PC_ERR_MEM;
  nk = 0;
  for (size_t j = 0; j < R->nh1; j++) {
    const node *n = &R->nodes[R->h1node[j]];
    if (n->root == o)
      kids[nk++] = (kid){h1_total(R, (uint32_t)j), n->exposure, n->pid, (uint32_t)j};
  }
  pc_qsort(kids, nk, sizeof *kids, kid_cmp);
  size_t shown = nk < TREE_NODES ? nk : TREE_NODES;
  int more = nk > shown, comp = R->casecomp[o] > 0;
  size_t rows = shown + (size_t)more + (size_t)comp;
  if (!rows) rows = 1;
  const int RH = 30, X1 = 330, X2 = 560;
  uint64_t bmax = 0; /* bars at the scale of the largest drawn contact (sums have none) */
  for (size_t i = 0; i < shown; i++)
    if (kids[i].total > bmax) bmax = kids[i].total;
  int H = (int)rows * RH + 16;
  double cy = 8 + (double)rows * RH / 2;
  char key[48];
  snprintf(key, sizeof key, "cl%zu", rank);

  pc_sb_printf(b, "<h3>Cluster %zu: case ", rank);
  pc_sb_kv(b, "span", o + 1, "%s-case", key);
  pc_sb_puts(b, " — ");
  pc_sb_kv(b, "span", clu_size(R, o), "%s-size", key);
  pc_sb_puts(b, " people</h3>\n<p class=\"note\">");
  for (size_t k = 1; k < W; k++) {
    if (k > 1) pc_sb_puts(b, ", ");
    if (k < W - 1) {
      pc_sb_kv(b, "span", R->clu[o * W + k], "%s-hop%zu", key, k);
      pc_sb_printf(b, " at hop %zu%s", k, k == 1 ? " (close contacts)" : "");
    } else {
      pc_sb_kv(b, "span", R->clu[o * W + k], "%s-companion", key);
      pc_sb_puts(b, " companions");
    }
  }
  pc_sb_puts(b, "; the case lives in ");
  sb_region(b, R, pc_region_cut(cn->residence, PC_LEVEL_COUNTY), PC_LEVEL_COUNTY,
            "an unknown county");
  pc_sb_puts(b, ".</p>\n");
  pc_sb_printf(b, "<svg class=\"chart tree\" width=\"1120\" height=\"%d\" viewBox=\"0 0 1120 %d\" "
               "role=\"img\">\n", H, H);
  size_t r = 0;
  for (size_t i = 0; i < shown; i++, r++) {
    const node *k = &R->nodes[R->h1node[kids[i].j]];
    double y = 8 + (double)r * RH + RH / 2.0;
    int ch = k->channel < 0 ? PC_NCHANNELS : k->channel;
    pc_sb_printf(b,
                 "<path d=\"M190 %.1f C260 %.1f 260 %.1f %d %.1f\" stroke=\"%s\" class=\"edge\"/>",
                 cy, cy, y, X1, y, ch_colors[ch]);
    pc_sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"190\" height=\"24\" rx=\"5\" class=\"node\" "
                 "stroke=\"%s\"/>", X1, y - 12, ch_colors[ch]);
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">contact %zu.%zu · %s</text>", X1 + 8,
                 y + 5, o + 1, i + 1, pc_report_channel_name(ch));
    const uint64_t *c = &R->h1[(size_t)kids[i].j * W];
    char nk2[64];
    snprintf(nk2, sizeof nk2, "%s-n%zu", key, i + 1);
    if (kids[i].total) {
      pc_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"edge2\"/>",
                   X1 + 190, y, X2, y);
      pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill\">", X2 + 6, y + 5);
    } else {
      pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill none\">", X1 + 200, y + 5);
    }
    sb_desc(b, R, c, nk2);
    pc_sb_puts(b, "</text>");
    svg_descbar(b, R, c, y, bmax);
    pc_sb_puts(b, "\n");
  }
  if (more) {
    double y = 8 + (double)r++ * RH + RH / 2.0;
    uint64_t *c = pc_calloc(W, sizeof *c, "tree");
    if (!c) {
      free(kids);
      return PC_ERR_MEM;
    }
    for (size_t i = shown; i < nk; i++)
      for (size_t k = 0; k < W; k++) c[k] += R->h1[(size_t)kids[i].j * W + k];
    pc_sb_printf(b, "<path d=\"M190 %.1f C260 %.1f 260 %.1f %d %.1f\" class=\"edge more\"/>", cy,
                 cy, y, X1, y);
    pc_sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"190\" height=\"24\" rx=\"5\" "
                 "class=\"node more\"/>", X1, y - 12);
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">+ ", X1 + 8, y + 5);
    pc_sb_kv(b, "tspan", nk - shown, "%s-more", key);
    pc_sb_puts(b, " more close contacts</text>");
    pc_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"edge2\"/>", X1 + 190,
                 y, X2, y);
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill\">", X2 + 6, y + 5);
    char mk[64];
    snprintf(mk, sizeof mk, "%s-more", key);
    sb_desc(b, R, c, mk);
    pc_sb_puts(b, "</text>\n");
    free(c);
  }
  if (comp) {
    double y = 8 + (double)r++ * RH + RH / 2.0;
    pc_sb_printf(b, "<path d=\"M190 %.1f C260 %.1f 260 %.1f %d %.1f\" class=\"edge comp\"/>", cy,
                 cy, y, X1, y);
    pc_sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"190\" height=\"24\" rx=\"5\" "
                 "class=\"node comp\"/>", X1, y - 12);
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">companions of the case: ", X1 + 8,
                 y + 5);
    pc_sb_kv(b, "tspan", R->casecomp[o], "%s-casecomp", key);
    pc_sb_puts(b, "</text>\n");
  }
  pc_sb_printf(b, "<rect x=\"10\" y=\"%.1f\" width=\"180\" height=\"44\" rx=\"8\" class=\"case\"/>"
               "<text x=\"100\" y=\"%.1f\" text-anchor=\"middle\" class=\"casel\">case %zu</text>"
               "<text x=\"100\" y=\"%.1f\" text-anchor=\"middle\" class=\"cases\">",
               cy - 22, cy - 3, o + 1, cy + 14);
  pc_sb_kv(b, "tspan", nk, "%s-h1", key);
  pc_sb_puts(b, " close contacts</text>\n</svg>\n");
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

static void counts_section(sb *b, const report *R) {
  pc_sb_puts(b, "<h2>Counts</h2>\n");
  if (R->trace >= 0 || R->screen >= 0) {
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
  if (R->trace >= 0) {
    pc_sb_puts(b, "<h3>Trace</h3><table><tr><th>class</th><th class=\"n\">persons</th></tr>\n");
    for (int h = 0; h <= R->maxhop; h++) {
      char label[16], key[24];
      snprintf(label, sizeof label, "hop %d", h);
      snprintf(key, sizeof key, "trace-hop%d", h);
      count_row(b, label, R->hop_n[h], key, 0);
    }
    count_row(b, "companion", R->comp_n, "trace-companion", 0);
    count_row(b, "red code", R->trace_red, "trace-red", 0);
    count_row(b, "yellow code", R->trace_yellow, "trace-yellow", 1);
    pc_sb_puts(b, "<h3>Trace: persons found per channel</h3>"
               "<p class=\"legend\">");
    for (int c = 0; c < PC_REPORT_NCH; c++) {
      if (c == PC_NCHANNELS && !R->ch_n[c]) continue;
      pc_sb_printf(b, "<span><i style=\"background:%s\"></i>%s ", ch_colors[c],
                   pc_report_channel_name(c));
      pc_sb_kv(b, "b", R->ch_n[c], "ch-%s", pc_report_channel_name(c));
      pc_sb_puts(b, "</span>");
    }
    pc_sb_puts(b, "</p><p class=\"note\">household, cafe, lodging, flight and rail make close "
               "contacts; lbs and grid companions (the channel that found each person; the cases "
               "are not counted).</p>\n");
  }
  if (R->screen >= 0) {
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
}

static int reach_section(sb *b, report *R) {
  if (R->trace < 0 && R->screen < 0) return 0;
  pc_sb_puts(b, "<h2>People to reach</h2>\n<p class=\"note\">Each flagged person once, where they "
             "must be reached (the jurisdiction of the trace or screen: where they were at 03:00 "
             "the day before as_of); bars: red, then yellow.</p>\n<h3>Per city</h3>\n");
  pc_qsort(R->city.a, R->city.n, sizeof *R->city.a, pc_report_agg_by_v0);
  svg_reach(b, R, R->city.a, R->city.n, PC_LEVEL_CITY, "city", "unassigned");
  pc_qsort(R->county.a, R->county.n, sizeof *R->county.a, pc_report_agg_by_v0);
  size_t n = R->county.n < (size_t)R->top ? R->county.n : (size_t)R->top;
  pc_sb_printf(b, "<h3>The %zu counties with most people to reach (of ", n);
  pc_sb_kv(b, "span", R->county.n, "counties");
  pc_sb_printf(b, "%s)</h3>\n", R->county_by_jur ? "" : "; by county of residence: the outputs "
               "assigned people to cities only");
  svg_reach(b, R, R->county.a, n, PC_LEVEL_COUNTY, "county",
            R->county_by_jur ? "unassigned" : "residence unknown");
  return 0;
}

static void pyr_table(sb *b, const pyramid *p, const char *key, const char *title) {
  pc_sb_printf(b,
               "<table><tr><th>%s</th><th class=\"n\">male</th><th class=\"n\">female</th></tr>\n",
               title);
  for (int i = PC_REPORT_NBANDS - 1; i >= 0; i--) {
    char lab[16];
    band_label(i, lab);
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
  svg_pyramid(b, &R->all, &R->flag, has_flag);
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
  const int W = 1120, L = 230, BW = 560, RH = 24;
  uint64_t max = 1;
  for (size_t i = 0; i < n; i++)
    if (R->vax.a[i].v[1] > max) max = R->vax.a[i].v[1];
  pc_sb_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
               "role=\"img\">\n", W, n * RH + 8, W, n * RH + 8);
  for (size_t i = 0; i < n; i++) {
    const agg *x = &R->vax.a[i];
    double y = 4 + (double)i * RH, w = (double)BW * (double)x->v[1] / (double)max;
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", L - 8, y + 16);
    sb_region(b, R, x->code, PC_LEVEL_COUNTY, "unknown");
    pc_sb_printf(b, "</text><rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" class=\"vax\"/>",
                 L, y + 3, w, RH - 6);
    pc_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", L + w + 6, y + 16);
    pc_sb_kv(b, "tspan", x->v[1], "vaxc-%llu",
             (unsigned long long)pc_region_short(x->code, PC_LEVEL_COUNTY));
    pc_sb_puts(b, "<tspan class=\"sub\"> of ");
    pc_sb_kv(b, "tspan", x->v[0], "vaxc-%llu-persons",
             (unsigned long long)pc_region_short(x->code, PC_LEVEL_COUNTY));
    pc_sb_puts(b, " (");
    pc_sb_pct(b, x->v[1], x->v[0]);
    pc_sb_puts(b, ")</tspan></text>\n");
  }
  pc_sb_printf(b, "</svg>\n<details><summary>every county</summary><table><tr><th>county</th>"
             "<th class=\"n\">aged %d+</th><th class=\"n\">below the required doses</th>"
             "<th class=\"n\">share</th><th class=\"n\">no dose</th></tr>\n", R->vax_from);
  for (size_t i = 0; i < R->vax.n; i++) {
    const agg *x = &R->vax.a[i];
    char a[40], c[40], d[40];
    pc_sb_puts(b, "<tr><td>");
    sb_region(b, R, x->code, PC_LEVEL_COUNTY, "unknown");
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
    sb_region(b, R, x->code, PC_LEVEL_COMMUNITY, "residence unknown");
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

static int trees_section(sb *b, report *R) {
  if (R->trace < 0 || !R->ncases || !R->nclusters) return 0;
  pc_sb_printf(b,
               "<h2>Transmission trees of the largest clusters</h2>\n<p class=\"note\">A cluster "
               "is a case and everyone whose chain of sources leads back to it. Cases are numbered "
               "1 to %zu by the start of their window; each close contact (hop 1) is a node, "
               "coloured by the channel that found it, with the counts beyond it; close contacts "
               "past the first %d are one node. Bars at the right: the people beyond each contact drawn "
               "(yellow: hop 2 and beyond, grey: companions), at one scale per cluster. No "
               "identities: ordinals only.</p>\n<p class=\"legend\">",
               R->ncases, TREE_NODES);
  for (int c = 0; c < PC_NCHANNELS; c++)
    pc_sb_printf(b, "<span><i style=\"background:%s\"></i>%s</span>", ch_colors[c],
                 pc_report_channel_name(c));
  pc_sb_puts(b, "</p>\n");
  cluster *ord = pc_malloc(R->ncases * sizeof *ord, "clusters");
  if (!ord) return PC_ERR_MEM;
  for (size_t o = 0; o < R->ncases; o++) ord[o] = (cluster){clu_size(R, o), o};
  pc_qsort(ord, R->ncases, sizeof *ord, cluster_cmp);
  size_t n = R->ncases < (size_t)R->nclusters ? R->ncases : (size_t)R->nclusters;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) rc = svg_tree(b, R, i + 1, ord[i].o);
  free(ord);
  if (R->unresolved)
    pc_sb_printf(b,
                 "<p class=\"warn\">%llu rows whose source does not lead back to a case are in no "
                 "cluster.</p>\n",
                 (unsigned long long)R->unresolved);
  return rc;
}

/* ------------------------------------------------------------ the page ---- */

/* The head: title at the outputs' as_of, the files read, the warnings. */
static void page_head(pc_ctx *ctx, const report *R, sb *b) {
  char *as_of = NULL;
  pc_reportfile first = R->trace >= 0 ? R->trace : R->screen >= 0 ? R->screen : R->bd;
  int64_t out_as_of = R->as_of;
  if (pc_reportfile_has_attr(first, "as_of")) pc_h5_attr_read_i64(first, "as_of", &out_as_of);
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
  const char *srcs[4][2] = {{"trace", R->trace_path}, {"screen", R->screen_path},
                            {"breakdown", R->bd_path}, {"dataset", R->data_path}};
  int first_src = 1;
  for (int i = 0; i < 4; i++) {
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
    pc_log(ctx, "report: WARNING: an output's counts attribute disagrees with its tables "
                "(said on the page)");
  }
}

int pc_report_page(pc_ctx *ctx, pc_report *R, pc_sb *b) {
  page_head(ctx, R, b);
  counts_section(b, R);
  PC_CALL(reach_section(b, R));
  pyramid_section(b, R);
  vax_section(b, R);
  testing_section(b, R);
  PC_CALL(trees_section(b, R));
  pc_report_provenance(b, R);
  /* No clock on the page: the same outputs give the same bytes. */
  pc_sb_puts(b, "</body>\n</html>\n");
  return b->oom ? PC_ERROR(PC_ERR_MEM, "out of memory building the report page") : 0;
}
