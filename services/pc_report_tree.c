/* pc_report_tree.c - the report's transmission trees: each large cluster's case, close contacts and the counts beyond them, in inline SVG. */
#include <stdio.h>
#include <stdlib.h>

#include "pc_report.h"
#include "pc_sort.h"

#define TREE_NODES 12 /* close contacts drawn per case; the rest as one summary node */

/* Columns at fixed x, one row per node: the same outputs give the same picture. */
enum { ROW_H = 30, X1 = 330, X2 = 560 }; /* row height; x of the contacts, of the counts beyond */

typedef pc_sb sb;
typedef pc_report report;
typedef pc_report_node node;

/* ----------------------------------------------------------- the orders ---- */

/* The people beyond hop-1 person j: every hop from 2, and companions. */
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

/* The people of case o's cluster: the case, every hop, and companions. */
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

/* ----------------------------------------------------------- the layout ---- */

/* One cluster's drawing: which nodes, how many rows, the bars' scale. */
typedef struct tree {
  size_t rank, o;   /* its place among the clusters drawn (from 1); its case's ordinal */
  kid *kids;        /* the case's close contacts in drawing order */
  size_t nk, shown; /* all of them; those drawn as their own node */
  int more, comp;   /* a node for the rest; a node for the case's own companions */
  size_t rows;
  double cy;        /* the case's centre */
  uint64_t bmax;    /* bars at the scale of the largest drawn contact (sums have none) */
  char key[24];     /* "cl<rank>", the prefix of the checked numbers */
} tree;

/* Case o's close contacts, ordered by kid_cmp, into t. Fails PC_ERR_MEM. */
static int tree_kids(const report *R, size_t o, tree *t) {
  size_t nk = 0;
  for (size_t j = 0; j < R->nh1; j++)
    if (R->nodes[R->h1node[j]].root == o) nk++;
  t->kids = pc_malloc((nk + 1) * sizeof *t->kids, "tree");
  if (!t->kids) return PC_ERR_MEM;
  nk = 0;
  for (size_t j = 0; j < R->nh1; j++) {
    const node *n = &R->nodes[R->h1node[j]];
    if (n->root == o)
      t->kids[nk++] = (kid){h1_total(R, (uint32_t)j), n->exposure, n->pid, (uint32_t)j};
  }
  pc_qsort(t->kids, nk, sizeof *t->kids, kid_cmp);
  t->nk = nk;
  return 0;
}

/* The drawing of case o's cluster, rank-th largest. Fails PC_ERR_MEM. */
static int tree_layout(const report *R, size_t rank, size_t o, tree *t) {
  t->rank = rank;
  t->o = o;
  PC_CALL(tree_kids(R, o, t));
  t->shown = t->nk < TREE_NODES ? t->nk : TREE_NODES;
  t->more = t->nk > t->shown;
  t->comp = R->casecomp[o] > 0;
  t->rows = t->shown + (size_t)t->more + (size_t)t->comp;
  if (!t->rows) t->rows = 1;
  t->bmax = 0;
  for (size_t i = 0; i < t->shown; i++)
    if (t->kids[i].total > t->bmax) t->bmax = t->kids[i].total;
  t->cy = 8 + (double)t->rows * ROW_H / 2;
  snprintf(t->key, sizeof t->key, "cl%zu", rank);
  return 0;
}

/* The centre of row r. */
static double row_y(size_t r) { return 8 + (double)r * ROW_H + ROW_H / 2.0; }

/* ---------------------------------------------------------- the drawing ---- */

/* The heading and a line of counts: the case, the cluster's size, each hop,
 * companions, the case's county. */
static void tree_caption(sb *b, const report *R, const tree *t) {
  const size_t W = (size_t)R->maxhop + 2;
  const uint64_t *c = &R->clu[t->o * W];
  pc_sb_printf(b, "<h3>Cluster %zu: case ", t->rank);
  pc_sb_kv(b, "span", t->o + 1, "%s-case", t->key);
  pc_sb_puts(b, " — ");
  pc_sb_kv(b, "span", clu_size(R, t->o), "%s-size", t->key);
  pc_sb_puts(b, " people</h3>\n<p class=\"note\">");
  for (size_t k = 1; k < W; k++) {
    if (k > 1) pc_sb_puts(b, ", ");
    if (k < W - 1) {
      pc_sb_kv(b, "span", c[k], "%s-hop%zu", t->key, k);
      pc_sb_printf(b, " at hop %zu%s", k, k == 1 ? " (close contacts)" : "");
    } else {
      pc_sb_kv(b, "span", c[k], "%s-companion", t->key);
      pc_sb_puts(b, " companions");
    }
  }
  pc_sb_puts(b, "; the case lives in ");
  const node *cn = &R->nodes[R->cases[t->o]];
  pc_sb_region(b, R, pc_region_cut(cn->residence, PC_LEVEL_COUNTY), PC_LEVEL_COUNTY,
               "an unknown county");
  pc_sb_puts(b, ".</p>\n");
}

/* The edge from the case to the node at y, and the node's box; stroke NULL
 * leaves the colour to the class. */
static void tree_node(sb *b, const tree *t, double y, const char *cls, const char *stroke) {
  pc_sb_printf(b, "<path d=\"M190 %.1f C260 %.1f 260 %.1f %d %.1f\"", t->cy, t->cy, y, X1, y);
  if (stroke) pc_sb_printf(b, " stroke=\"%s\"", stroke);
  pc_sb_printf(b, " class=\"edge%s\"/>", cls);
  pc_sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"190\" height=\"24\" rx=\"5\" class=\"node%s\"",
               X1, y - 12, cls);
  if (stroke) pc_sb_printf(b, " stroke=\"%s\"", stroke);
  pc_sb_puts(b, "/>");
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

/* The i-th close contact drawn, at y: its channel, the counts beyond it and their bar. */
static void tree_contact(sb *b, const report *R, const tree *t, size_t i, double y) {
  const size_t W = (size_t)R->maxhop + 2;
  const kid *kd = &t->kids[i];
  const node *k = &R->nodes[R->h1node[kd->j]];
  int ch = k->channel < 0 ? PC_NCHANNELS : k->channel;
  tree_node(b, t, y, "", pc_report_channel_color(ch));
  pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">contact %zu.%zu · %s</text>", X1 + 8,
               y + 5, t->o + 1, i + 1, pc_report_channel_name(ch));
  const uint64_t *c = &R->h1[(size_t)kd->j * W];
  char key[64];
  snprintf(key, sizeof key, "%s-n%zu", t->key, i + 1);
  if (kd->total) {
    pc_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"edge2\"/>",
                 X1 + 190, y, X2, y);
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill\">", X2 + 6, y + 5);
  } else {
    pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill none\">", X1 + 200, y + 5);
  }
  sb_desc(b, R, c, key);
  pc_sb_puts(b, "</text>");
  svg_descbar(b, R, c, y, t->bmax);
  pc_sb_puts(b, "\n");
}

/* The close contacts past the drawn ones as one node at y, with their
 * counts beyond summed (no bar). Fails PC_ERR_MEM. */
static int tree_more(sb *b, const report *R, const tree *t, double y) {
  const size_t W = (size_t)R->maxhop + 2;
  uint64_t *c = pc_calloc(W, sizeof *c, "tree");
  if (!c) return PC_ERR_MEM;
  for (size_t i = t->shown; i < t->nk; i++)
    for (size_t k = 0; k < W; k++) c[k] += R->h1[(size_t)t->kids[i].j * W + k];
  tree_node(b, t, y, " more", NULL);
  pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">+ ", X1 + 8, y + 5);
  pc_sb_kv(b, "tspan", t->nk - t->shown, "%s-more", t->key);
  pc_sb_puts(b, " more close contacts</text>");
  pc_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"edge2\"/>", X1 + 190,
               y, X2, y);
  pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"pill\">", X2 + 6, y + 5);
  char key[64];
  snprintf(key, sizeof key, "%s-more", t->key);
  sb_desc(b, R, c, key);
  pc_sb_puts(b, "</text>\n");
  free(c);
  return 0;
}

/* The case's own companions as one node at y. */
static void tree_casecomp(sb *b, const report *R, const tree *t, double y) {
  tree_node(b, t, y, " comp", NULL);
  pc_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">companions of the case: ", X1 + 8,
               y + 5);
  pc_sb_kv(b, "tspan", R->casecomp[t->o], "%s-casecomp", t->key);
  pc_sb_puts(b, "</text>\n");
}

/* The case at the left, with its count of close contacts; the drawing's end. */
static void tree_case(sb *b, const tree *t) {
  pc_sb_printf(b, "<rect x=\"10\" y=\"%.1f\" width=\"180\" height=\"44\" rx=\"8\" class=\"case\"/>"
               "<text x=\"100\" y=\"%.1f\" text-anchor=\"middle\" class=\"casel\">case %zu</text>"
               "<text x=\"100\" y=\"%.1f\" text-anchor=\"middle\" class=\"cases\">",
               t->cy - 22, t->cy - 3, t->o + 1, t->cy + 14);
  pc_sb_kv(b, "tspan", t->nk, "%s-h1", t->key);
  pc_sb_puts(b, " close contacts</text>\n</svg>\n");
}

/* One cluster: the case, its close contacts (up to TREE_NODES, the largest
 * subtrees first), each with the counts beyond it, then the rest of the close
 * contacts as one node, then the case's own companions. Fails PC_ERR_MEM. */
static int svg_tree(sb *b, const report *R, size_t rank, size_t o) {
  tree t;
  PC_CALL(tree_layout(R, rank, o, &t));
  tree_caption(b, R, &t);
  int H = (int)t.rows * ROW_H + 16;
  pc_sb_printf(b, "<svg class=\"chart tree\" width=\"1120\" height=\"%d\" viewBox=\"0 0 1120 %d\" "
               "role=\"img\">\n", H, H);
  size_t r = 0;
  for (size_t i = 0; i < t.shown; i++) tree_contact(b, R, &t, i, row_y(r++));
  int rc = t.more ? tree_more(b, R, &t, row_y(r++)) : 0;
  if (!rc && t.comp) tree_casecomp(b, R, &t, row_y(r++));
  if (!rc) tree_case(b, &t);
  free(t.kids);
  return rc;
}

/* ---------------------------------------------------------- the section ---- */

int pc_report_trees_section(pc_sb *b, const pc_report *R) {
  if (R->trace < 0 || !R->ncases || !R->nclusters) return 0;
  pc_sb_printf(b,
               "<h2>Transmission trees of the largest clusters</h2>\n<p class=\"note\">A cluster "
               "is a case and everyone whose chain of sources leads back to it. Cases are numbered "
               "1 to %zu by the start of their window; each close contact (hop 1) is a node, "
               "coloured by the channel that found it, with the counts beyond it; close contacts "
               "past the first %d are one node. Bars at the right: the people beyond each contact "
               "drawn (yellow: hop 2 and beyond, grey: companions), at one scale per cluster. No "
               "identities: ordinals only.</p>\n<p class=\"legend\">",
               R->ncases, TREE_NODES);
  for (int c = 0; c < PC_NCHANNELS; c++)
    pc_sb_printf(b, "<span><i style=\"background:%s\"></i>%s</span>", pc_report_channel_color(c),
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
