/* pc_screen_area.c - screen through the index's area view: the candidates from the groups their areas touch, then their stays. */
#include "pc_budget.h"
#include "pc_screen_area.h"

#include <stdlib.h>
#include <string.h>

#include "pc_pview.h"

int pc_screen_area_open(pc_ctx *ctx, pc_screener *S, pc_aview *v, int *use) {
  *use = 0;
  memset(v, 0, sizeof *v);
  v->rows.fd = -1;
  v->disp.raw.fd = -1;
  if (!pc_config_given(S->cfg, "index")) {
    pc_log(ctx, "screen: no index given: streaming /stays");
    return 0;
  }
  if (!strcmp(pc_config_str(S->cfg, "area_view"), "never")) {
    pc_log(ctx, "screen: area_view: never: streaming /stays");
    return 0;
  }
  /* this rank's persons: from its first pid to the next rank's first */
  return pc_aview_open(ctx, pc_config_str(S->cfg, "index"), S->data, S->at,
                       S->np ? S->persons[0].pid : UINT64_MAX, S->hi_pid, v, use);
}

static int cmp_place(const void *a, const void *b) {
  const pc_place *x = a, *y = b;
  return (x->id > y->id) - (x->id < y->id);
}

/* Mark the groups of area a (its places' regions from /places pl[np], sorted by id). */
static int select_area(const pc_aview *v, const pc_area *a, const pc_place *pl, uint64_t np,
                       uint8_t *sel, size_t *ng) {
  uint64_t *reg = pc_calloc(a->nplaces + 1, sizeof *reg, "places' regions");
  if (!reg) return PC_ERR_MEM;
  for (size_t i = 0; i < a->nplaces; i++) {
    pc_place key = {.id = a->places[i]};
    const pc_place *p = np ? bsearch(&key, pl, (size_t)np, sizeof *pl, cmp_place) : NULL;
    reg[i] = p ? p->region : 0; /* 0: not in /places, every township */
  }
  *ng += pc_agroup_select(&v->L, a, reg, v->astray > 0, v->dmax, sel);
  free(reg);
  return 0;
}

/* The groups the areas touch (sel, groups bytes): their townships by prefix
 * and by their places' regions in /places, their periods' days; with then:,
 * the then area's over [from, to + within). Local. */
static int select_groups(pc_screener *S, const pc_aview *v, uint8_t *sel, size_t *ng) {
  pc_place *pl = NULL;
  uint64_t np = 0;
  PC_CALL(pc_table_read_all(S->data, NULL, &pc_schema_places, (void **)&pl, &np));
  pc_qsort(pl, (size_t)np, sizeof *pl, cmp_place);
  int rc = 0;
  *ng = 0;
  for (size_t a = 0; a < S->A.n && !rc; a++) {
    const pc_area *ar = &S->A.a[a];
    rc = select_area(v, ar, pl, np, sel, ng);
    if (!rc && ar->then) {
      pc_area t = *ar->then;
      t.from = ar->from, t.to = ar->to + ar->within;
      rc = select_area(v, &t, pl, np, sel, ng);
    }
  }
  free(pl);
  return rc;
}

/* 1 when the person's rows in the view reach some area's min_dwell there
 * (then: and id_origin: left to the full screening). Local. */
static int candidate(pc_screener *S, const pc_stay *s, size_t n) {
  for (size_t a = 0; a < S->A.n; a++) {
    pc_area ar = S->A.a[a];
    ar.then = NULL;
    size_t need = pc_dwell_scratch(n, ar.to - ar.from);
    if (need > S->scap) {
      free(S->scratch);
      S->scap = need * 2;
      S->scratch = pc_malloc(S->scap * sizeof *S->scratch, "dwell scratch");
      if (!S->scratch) return -1;
    }
    pc_screen_hit h;
    if (pc_screen_area(&ar, s, n, &h, S->scratch)) return 1;
  }
  return 0;
}

/* The candidates' pids (sorted) from the rows of this rank's pids. Local. */
static int candidates(pc_screener *S, const pc_stay *rows, size_t n, uint64_t **pids, size_t *nc) {
  *nc = 0;
  *pids = pc_malloc((n + 1) * sizeof **pids, "candidates");
  if (!*pids) return PC_ERR_MEM;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && rows[j].pid == rows[i].pid) j++;
    int c = candidate(S, rows + i, j - i);
    if (c < 0) return PC_ERR_MEM;
    if (c) (*pids)[(*nc)++] = rows[i].pid;
    i = j;
  }
  return 0;
}

/* Whether pids' person is S->persons[*pi], advancing *pi (pids come in order). */
static int person_at(const pc_screener *S, size_t *pi, uint64_t pid) {
  while (*pi < S->np && S->persons[*pi].pid < pid) (*pi)++;
  return *pi < S->np && S->persons[*pi].pid == pid;
}

/* Candidates with their rows: `rows` (sorted by pid, walked by `at`; or
 * the view's rows `a`, each person's turned into stays in `buf`) with the
 * rows pc_slots_each reads for them - their jurisdiction's (the dispatch
 * table's row), or, without rows, all their stays from /stays. */
typedef struct cand_walk {
  pc_screener *S;
  const uint64_t *pids;
  const pc_arow *a;
  const pc_aview *v;
  pc_stay *buf;
  size_t n, at, pi, cap;
} cand_walk;

static int screen_with_table(void *arg, size_t q, const pc_stay *js, size_t nj) {
  cand_walk *W = arg;
  while (W->at < W->n && W->a[W->at].pid < W->pids[q]) W->at++;
  size_t b = W->at;
  while (b < W->n && W->a[b].pid == W->pids[q]) b++;
  const size_t m = b - W->at;
  int rc = 0;
  if (person_at(W->S, &W->pi, W->pids[q])) {
    if (m > W->cap) {
      pc_stay *nb = pc_realloc(W->buf, m * 2 * sizeof *nb, "stays of a person");
      if (!nb) return PC_ERR_MEM;
      W->buf = nb, W->cap = m * 2;
    }
    pc_aview_stays(W->v, W->a + W->at, m, W->buf);
    rc = pc_screen_person_with(W->S, W->pi, W->buf, m, js, nj);
  }
  W->at = b;
  return rc;
}

static int screen_own_stays(void *arg, size_t q, const pc_stay *s, size_t m) {
  cand_walk *W = arg;
  return m && person_at(W->S, &W->pi, W->pids[q]) ? pc_screen_person(W->S, W->pi, s, m) : 0;
}

/* The candidates' stays, slots near each other read together. Local. */
static int screen_candidates(pc_screener *S, const pc_aview *v, const uint64_t *pids, size_t nc,
                             uint64_t *slots_read) {
  cand_walk W = {.S = S, .pids = pids};
  uint64_t read[2] = {0, 0};
  int rc = pc_slots_each(&S->stays, &v->dir, v->stays_sum, pids, sizeof *pids, nc,
                         screen_own_stays, &W, read);
  *slots_read += read[0];
  S->read_bytes += read[1] * sizeof(pc_stay);
  return rc;
}

/* The groups holding every stay that covers the dispatch instant (every
 * township, the days of [at - dmax, at]) and are not in sel yet; *rows: theirs. Local. */
static void at_groups(const pc_screener *S, const pc_aview *v, const uint8_t *sel, uint8_t *at,
                      uint64_t *rows) {
  const size_t G = v->L.ntownships * v->L.ndays;
  const uint64_t lo = 0, hi = UINT64_MAX;
  pc_area all = {.lo = &lo, .hi = &hi, .nprefix = 1, .from = S->at, .to = S->at + 1};
  pc_agroup_select(&v->L, &all, NULL, 0, v->dmax, at);
  *rows = 0;
  for (size_t g = 0; g < G; g++) {
    at[g] = at[g] && !sel[g];
    if (at[g]) *rows += v->gcount[g];
  }
}

/* Screen the candidates pids[0..nc) with their rows of a[] (the areas' groups) and
 * b[] (the dispatch instant's): all their stays that can count. Local. */
static int screen_merged(pc_screener *S, const uint64_t *pids, size_t nc, const pc_stay *a,
                         size_t na, const pc_stay *b, size_t nb) {
  size_t ia = 0, ib = 0, pi = 0, cap = 0;
  pc_stay *buf = NULL;
  int rc = 0;
  for (size_t i = 0; i < nc && !rc; i++) {
    while (ia < na && a[ia].pid < pids[i]) ia++;
    while (ib < nb && b[ib].pid < pids[i]) ib++;
    size_t ja = ia, jb = ib;
    while (ja < na && a[ja].pid == pids[i]) ja++;
    while (jb < nb && b[jb].pid == pids[i]) jb++;
    const size_t m = (ja - ia) + (jb - ib);
    if (m > cap) {
      pc_stay *nbuf = pc_realloc(buf, m * 2 * sizeof *nbuf, "stays of a candidate");
      if (!nbuf) rc = PC_ERR_MEM;
      else buf = nbuf, cap = m * 2;
    }
    if (rc) break;
    memcpy(buf, a + ia, (ja - ia) * sizeof *buf);
    memcpy(buf + (ja - ia), b + ib, (jb - ib) * sizeof *buf);
    if (person_at(S, &pi, pids[i])) rc = pc_screen_person(S, pi, buf, m);
    ia = ja, ib = jb;
  }
  free(buf);
  return rc;
}

/* The distinct pids of rows[0..n) (grouped by pid) into *pids (grown as needed). */
static int distinct_pids(const pc_arow *rows, size_t n, uint64_t **pids, size_t *cap, size_t *k) {
  *k = 0;
  if (n + 1 > *cap) {
    uint64_t *p = pc_realloc(*pids, (n + 1) * sizeof *p, "persons of a window");
    if (!p) return PC_ERR_MEM;
    *pids = p, *cap = n + 1;
  }
  for (size_t i = 0; i < n; i++)
    if (!i || rows[i].pid != rows[i - 1].pid) (*pids)[(*k)++] = rows[i].pid;
  return 0;
}

/* Rows of the areas' groups a window of slices (whole persons) at a time (bounded memory):
 * each person with rows in a window screened with them and their row of
 * the dispatch table (no candidates first: that computed each person's
 * dwell twice). *nc: persons screened, *total: the groups' rows (all
 * ranks). Collective, agreed. */
static int scan_windows(pc_ctx *ctx, pc_screener *S, const pc_aview *v, const uint8_t *sel,
                        uint64_t lo, size_t *nc, uint64_t *total, size_t *nwin) {
  pc_aview_windows it;
  /* a window as large as a shuffle round (shuffle_round_mb: 64 MB, 1.4 M rows) */
  const size_t wrows = pc_ctx_round_bytes(ctx) / sizeof(pc_stay) + 1;
  int rc = pc_aview_windows_open(v, sel, lo, S->hi_pid, wrows, &it), more = 1;
  /* The largest window's rows as read and put by day, and a 4-byte index a
   * row while grouping: told before the first is read. */
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_budget_check_more(ctx, S->cfg, "the area view's windows",
                              (double)it.cap * (2.0 * sizeof(pc_arow) + sizeof(uint32_t)));
  cand_walk W = {.S = S, .v = v};
  uint64_t *pids = NULL;
  size_t cap = 0;
  *nc = 0;
  while (!rc && more) {
    const pc_arow *rows;
    size_t n = 0, k = 0;
    rc = pc_aview_window_next(&it, &rows, &n, &more);
    if (!rc && more) rc = distinct_pids(rows, n, &pids, &cap, &k);
    W.pids = pids, W.a = rows, W.n = n, W.at = 0;
    if (!rc && more)
      rc = pc_slots_each(&v->disp.raw, &v->disp.dir, v->disp.sum, pids, sizeof *pids, k,
                         screen_with_table, &W, NULL);
    *nc += k;
  }
  free(pids), free(W.buf);
  S->read_bytes = it.rows * sizeof(pc_arow);
  *nwin = it.nw;
  rc = pc_aview_windows_close(ctx, &it, rc);
  *total = it.total;
  return rc;
}

/* The candidates' other stays: the groups around the dispatch instant when
 * they are fewer rows than the candidates' own stays in /stays, else those
 * (an index without the dispatch table, or a run at another instant:
 * scan_windows otherwise). Collective, agreed. */
static int screen_found(pc_ctx *ctx, pc_screener *S, const pc_aview *v, const uint8_t *sel,
                        const pc_stay *rows, size_t n, const uint64_t *pids, size_t nc,
                        uint64_t *how) {
  const size_t G = v->L.ntownships * v->L.ndays;
  uint64_t tot = nc, at_rows = 0, got = 0;
  PC_CALL(pc_sum_u64(ctx, &tot, 1));
  uint8_t *at = pc_calloc(G + 1, 1, "area view groups");
  PC_CALL(pc_agree(ctx, at ? 0 : PC_ERR_MEM));
  at_groups(S, v, sel, at, &at_rows);
  const double per = S->npersons ? (double)v->rows.nrows / (double)S->npersons : 0;
  int rc = 0;
  how[0] = (double)tot * per > (double)at_rows;
  if (!how[0]) {
    rc = pc_agree(ctx, screen_candidates(S, v, pids, nc, &how[1]));
  } else {
    const uint64_t lo = S->np ? S->persons[0].pid : UINT64_MAX;
    pc_stay *b = NULL;
    size_t nb = 0;
    rc = pc_aview_read(ctx, v, at, lo, S->hi_pid, &b, &nb, &got);
    S->read_bytes += nb * sizeof *b;
    if (!rc) rc = pc_agree(ctx, screen_merged(S, pids, nc, rows, n, b, nb));
    how[1] = got;
    free(b);
  }
  free(at);
  return rc;
}

/* *cheaper = 1 when streaming /stays is the cheaper way (area_view: auto):
 * the view's rows for the groups in sel, plus the dispatch instant's up to
 * as many, cost PC_AVIEW_ROW_COST streamed rows each. Logs the choice.
 * Local, the same on every rank (the view's own counts); PC_ERR_MEM. */
static int stream_cheaper(pc_ctx *ctx, const pc_screener *S, const pc_aview *v,
                          const uint8_t *sel, size_t ng, int *cheaper) {
  const size_t G = v->L.ntownships * v->L.ndays;
  *cheaper = 0;
  if (strcmp(pc_config_str(S->cfg, "area_view"), "auto")) return 0;
  uint64_t area = 0, at_rows = 0;
  for (size_t g = 0; g < G; g++)
    if (sel[g]) area += v->gcount[g];
  const int table = pc_disptab_usable(&v->disp, S->at);
  if (!table) { /* the dispatch instant's groups are read too */
    uint8_t *at = pc_calloc(G + 1, 1, "area view groups");
    if (!at) return PC_ERR_MEM;
    at_groups(S, v, sel, at, &at_rows);
    free(at);
  }
  const double rows = (double)area + (double)(at_rows < area ? at_rows : area);
  const double all = (double)v->rows.nrows;
  if (rows * PC_AVIEW_ROW_COST < all) return 0;
  *cheaper = 1;
  pc_log(ctx,
         "screen: streaming /stays: cheaper than the index's area view for these areas (%zu "
         "of %zu groups, %.1f%% of the stays%s; a row through the view costs ~%d streamed; "
         "`area_view: always` reads it)",
         ng, G, all > 0 ? 100.0 * rows / all : 0.0, table ? "" : " with the dispatch instant's",
         PC_AVIEW_ROW_COST);
  return 0;
}

int pc_screen_area_scan(pc_ctx *ctx, pc_screener *S, const pc_aview *v, int *used) {
  const size_t G = v->L.ntownships * v->L.ndays;
  uint8_t *sel = pc_calloc(G + 1, 1, "area view groups");
  size_t ng = 0, n = 0, nc = 0, nwin = 0;
  pc_stay *rows = NULL;
  uint64_t *pids = NULL, total = 0, how[2] = {0, 0};
  *used = 1;
  int rc = sel ? select_groups(S, v, sel, &ng) : PC_ERR_MEM;
  PC_CALLG(pc_agree(ctx, rc), out);
  int cheaper = 0;
  PC_CALLG(pc_agree(ctx, stream_cheaper(ctx, S, v, sel, ng, &cheaper)), out);
  if (cheaper) { /* the same on every rank: the view's own counts */
    *used = 0;
    free(sel);
    return 0;
  }
  const uint64_t lo = S->np ? S->persons[0].pid : UINT64_MAX;
  if (pc_disptab_usable(&v->disp, S->at)) {
    how[0] = 2;
    PC_CALLG(scan_windows(ctx, S, v, sel, lo, &nc, &total, &nwin), out);
  } else {
    PC_CALLG(pc_aview_read(ctx, v, sel, lo, S->hi_pid, &rows, &n, &total), out);
    S->read_bytes = n * sizeof *rows;
    PC_CALLG(pc_agree(ctx, candidates(S, rows, n, &pids, &nc)), out);
    PC_CALLG(screen_found(ctx, S, v, sel, rows, n, pids, nc, how), out);
  }
  uint64_t c[2] = {nc, how[1]};
  if (!how[0]) PC_CALLG(pc_sum_u64(ctx, c, 2), out);
  else PC_CALLG(pc_sum_u64(ctx, c, 1), out);
  char other[160];
  if (how[0] == 2)
    snprintf(other, sizeof other,
             "screened with their jurisdictions from the index's dispatch table (a window of "
             "slices at a time: %zu on rank 0)", nwin);
  else
    snprintf(other, sizeof other, "their other stays %s %llu %s",
             how[0] ? "from the dispatch instant's groups:" : "from /stays:",
             (unsigned long long)c[1], how[0] ? "stays" : "pid slots");
  pc_log(ctx,
         "screen: area view: %zu of %zu groups (township x day), %llu of %llu stays (%.1f%%); "
         "%llu %s, %s",
         ng, G, (unsigned long long)total, (unsigned long long)v->rows.nrows,
         v->rows.nrows ? 100.0 * (double)total / (double)v->rows.nrows : 0.0,
         (unsigned long long)c[0], how[0] == 2 ? "persons" : "candidates", other);
out:
  pc_raw_close(&S->stays);
  free(sel), free(rows), free(pids);
  return rc;
}
