/* pc_sources.c - sources' exposures: the cases' presences met at their places' owners, common exposures ranked and clusters on rank 0, broadcast. */
#include <stdlib.h>
#include <string.h>

#include "pc_doc.h"
#include "pc_sort.h"
#include "pc_sources.h"

void pc_sourcer_free(pc_sourcer *s) {
  free(s->common);
  free(s->ccases);
  free(s->cstart);
  free(s->case_pids);
  free(s->clusters);
  free(s->cand);
  free(s->hot);
  pc_tracer_free(&s->t);
}

/* A common exposure's case as it travels to rank 0: (place, from) name the exposure. */
typedef struct ecase {
  uint64_t place;
  int64_t from;
  uint64_t pid;
} ecase;

typedef struct meet {
  pc_buf ex, ec, links; /* pc_common, ecase, uint64_t pairs */
} meet;

static int emit_common(void *arg, const pc_common *e, const uint64_t *pids) {
  meet *m = arg;
  PC_CALL(pc_buf_grow(&m->ex, 1));
  ((pc_common *)m->ex.data)[m->ex.n++] = *e;
  PC_CALL(pc_buf_grow(&m->ec, e->ncases));
  for (uint32_t i = 0; i < e->ncases; i++)
    ((ecase *)m->ec.data)[m->ec.n++] = (ecase){e->place, e->from, pids[i]};
  return 0;
}

static int emit_link(void *arg, uint64_t a, uint64_t b) {
  meet *m = arg;
  PC_CALL(pc_buf_grow(&m->links, 2));
  uint64_t *l = (uint64_t *)m->links.data + m->links.n;
  l[0] = a, l[1] = b;
  m->links.n += 2;
  return 0;
}

/* The presences of one case (flag f) into out, with their places' owners in dest. */
static int presences_of(pc_sourcer *s, const pc_trace_flag *f, pc_buf *out, pc_buf *dest) {
  pc_tracer *t = &s->t;
  const int P = pc_nranks(t->ctx);
  const pc_stay *st;
  size_t n;
  PC_CALL(pc_trace_stays_of(t, f->pid, &st, &n));
  uint32_t *cum = pc_malloc((n + 1) * sizeof *cum, "grid totals");
  pc_gspan *gs = pc_malloc((n + 1) * sizeof *gs, "grid totals");
  int rc = cum && gs ? pc_buf_grow(out, n + 1) : PC_ERR_MEM;
  if (!rc) rc = pc_buf_grow(dest, n + 1);
  if (!rc && n) pc_grid_cum(st, n, t->window_start, t->window_end, cum, gs);
  const pc_person *p = pc_trace_person(t, f->pid);
  for (size_t j = 0; j <= n && !rc; j++) {
    pc_presence x;
    memset(&x, 0, sizeof x);
    x.pid = f->pid;
    if (j == n) { /* the household, the whole window */
      if (!p || !p->household || t->rules[PC_CH_HOUSEHOLD].role == PC_ROLE_OFF) continue;
      x.place = p->household, x.start = f->exposure, x.end = f->wend;
    } else {
      const int c = st[j].channel;
      if (c <= 0 || c >= PC_NCHANNELS || t->rules[c].role == PC_ROLE_OFF) continue;
      x.place = st[j].place, x.channel = (uint8_t)c, x.row = st[j].row, x.cum = cum[j];
      x.start = st[j].start > f->exposure ? st[j].start : f->exposure;
      x.end = st[j].end < f->wend ? st[j].end : f->wend;
    }
    if (x.end <= x.start) continue;
    ((pc_presence *)out->data)[out->n++] = x;
    ((int *)dest->data)[dest->n++] = (int)(pc_mix64(x.place) % (uint64_t)P);
  }
  free(cum);
  free(gs);
  return rc;
}

/* Every case owned here: presences, to their places' owners. */
static int send_presences(pc_sourcer *s, pc_buf *got, uint64_t *sent) {
  pc_tracer *t = &s->t;
  pc_buf out, dest;
  pc_buf_init(&out, sizeof(pc_presence));
  pc_buf_init(&dest, sizeof(int));
  int rc = 0;
  for (size_t i = 0; i < t->flags.n && !rc; i++) rc = presences_of(s, pc_trace_flag_at(t, i), &out, &dest);
  *sent = out.n;
  rc = pc_agree(t->ctx, rc);
  if (!rc) rc = pc_shuffle(t->ctx, out.data, out.n, sizeof(pc_presence), dest.data, got, NULL);
  pc_buf_free(&out);
  pc_buf_free(&dest);
  return rc;
}

/* The presences received, place by place: common exposures and links into m. */
static int meet_places(pc_sourcer *s, pc_buf *got, meet *m) {
  pc_presence *p = got->data;
  const size_t n = got->n;
  pc_qsort(p, n, sizeof *p, pc_presence_cmp);
  int64_t *scratch = pc_malloc((4 * n + 1) * sizeof *scratch, "presences");
  if (!scratch) return PC_ERR_MEM;
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    size_t j = i;
    while (j < n && p[j].place == p[i].place && p[j].channel == p[i].channel) j++;
    const pc_chan_rule *r = &s->t.rules[p[i].channel];
    if (r->role == PC_ROLE_CLOSE) rc = pc_sources_links(p + i, j - i, r, emit_link, m);
    if (!rc)
      rc = pc_sources_common(p + i, j - i, s->min_cases, pc_sources_min_minutes(r, p[i].channel),
                             scratch, emit_common, m);
    i = j;
  }
  free(scratch);
  return rc;
}

/* Gather rows (b) on rank 0 (in place: b holds them there, nothing elsewhere). */
static int to_rank0(pc_ctx *ctx, pc_buf *b) {
  pc_buf got;
  pc_buf_init(&got, b->rowsize);
  int *dest = pc_calloc(b->n + 1, sizeof *dest, "gather");
  int rc = pc_agree(ctx, dest ? 0 : PC_ERR_MEM);
  if (!rc) rc = pc_shuffle(ctx, b->data, b->n, b->rowsize, dest, &got, NULL);
  free(dest);
  pc_buf_free(b);
  *b = got;
  return rc;
}

/* Rank order of exposures: more cases first, then the earliest from, channel, place. */
static int common_rank_cmp(const void *a, const void *b) {
  const pc_common *x = a, *y = b;
  if (x->ncases != y->ncases) return x->ncases > y->ncases ? -1 : 1;
  if (x->from != y->from) return x->from < y->from ? -1 : 1;
  if (x->channel != y->channel) return x->channel < y->channel ? -1 : 1;
  return x->place < y->place ? -1 : x->place > y->place;
}

static int cc_cmp(const void *a, const void *b) {
  const pc_common_case_row *x = a, *y = b;
  if (x->exposure != y->exposure) return x->exposure < y->exposure ? -1 : 1;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

typedef struct pf_idx { uint64_t place; int64_t from; uint64_t idx; } pf_idx;
static int pf_cmp(const void *a, const void *b) {
  const pf_idx *x = a, *y = b;
  if (x->place != y->place) return x->place < y->place ? -1 : 1;
  return x->from < y->from ? -1 : x->from > y->from;
}

/* Rank 0: the exposures ranked into s->common, their cases into s->ccases. */
static int rank_exposures(pc_sourcer *s, meet *m) {
  pc_common *e = m->ex.data;
  const size_t ne = m->ex.n;
  pc_qsort(e, ne, sizeof *e, common_rank_cmp);
  s->common = pc_calloc(ne + 1, sizeof *s->common, "common exposures");
  s->ccases = pc_calloc(m->ec.n + 1, sizeof *s->ccases, "common exposures");
  pf_idx *ix = pc_malloc((ne + 1) * sizeof *ix, "common exposures");
  if (!s->common || !s->ccases || !ix) {
    free(ix);
    return PC_ERR_MEM;
  }
  for (size_t i = 0; i < ne; i++) {
    pc_common_row *r = &s->common[i];
    r->exposure = i, r->place = e[i].place, r->from = e[i].from, r->to = e[i].to;
    r->cases = e[i].ncases;
    snprintf(r->channel, sizeof r->channel, "%s", pc_channel_names[e[i].channel]);
    const pc_place *pl = e[i].channel ? pc_trace_place(&s->t, e[i].place) : NULL;
    if (pl) memcpy(r->place_name, pl->name, sizeof r->place_name), r->region = pl->region;
    ix[i] = (pf_idx){e[i].place, e[i].from, i};
  }
  pc_qsort(ix, ne, sizeof *ix, pf_cmp);
  ecase *c = m->ec.data;
  for (size_t k = 0; k < m->ec.n; k++) {
    size_t lo = 0, hi = ne;
    pf_idx key = {c[k].place, c[k].from, 0};
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (pf_cmp(&ix[mid], &key) < 0) lo = mid + 1;
      else hi = mid;
    }
    s->ccases[k] = (pc_common_case_row){ix[lo].idx, c[k].pid};
  }
  free(ix);
  pc_qsort(s->ccases, m->ec.n, sizeof *s->ccases, cc_cmp);
  s->ncommon = ne;
  s->nccases = m->ec.n;
  return 0;
}

/* Index of a case pid (every case is in case_pids). */
static uint32_t case_index(const pc_sourcer *s, uint64_t pid) {
  size_t lo = 0, hi = s->ncases;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->case_pids[mid] < pid) lo = mid + 1;
    else hi = mid;
  }
  return (uint32_t)lo;
}

typedef struct croot { uint32_t root, size; int64_t top; } croot;
static int croot_cmp(const void *a, const void *b) {
  const croot *x = a, *y = b;
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  const uint64_t tx = (uint64_t)x->top, ty = (uint64_t)y->top; /* -1 (none) last */
  if (tx != ty) return tx < ty ? -1 : 1;
  return x->root < y->root ? -1 : x->root > y->root;
}

static int cluster_row_cmp(const void *a, const void *b) {
  const pc_cluster_row *x = a, *y = b;
  if (x->cluster != y->cluster) return x->cluster < y->cluster ? -1 : 1;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Rank 0: clusters over the cases (rows in s->clusters, by pid on entry). */
static int make_clusters(pc_sourcer *s, const uint64_t *links, size_t nlinks) {
  const size_t n = s->ncases;
  uint32_t *par = pc_malloc((n + 1) * sizeof *par, "clusters");
  croot *cr = pc_calloc(n + 1, sizeof *cr, "clusters");
  if (!par || !cr) {
    free(par);
    free(cr);
    return PC_ERR_MEM;
  }
  pc_uf_init(par, n);
  for (size_t i = 0; i < s->nccases; i++) {
    const pc_common_case_row *c = &s->ccases[i];
    uint32_t k = case_index(s, c->pid);
    if (i && s->ccases[i - 1].exposure == c->exposure)
      pc_uf_join(par, case_index(s, s->ccases[i - 1].pid), k);
    s->clusters[k].exposures++;
  }
  for (size_t i = 0; i < nlinks; i++)
    pc_uf_join(par, case_index(s, links[2 * i]), case_index(s, links[2 * i + 1]));
  for (size_t i = 0; i < n; i++) cr[i] = (croot){(uint32_t)i, 0, -1};
  for (size_t i = 0; i < n; i++) cr[pc_uf_find(par, (uint32_t)i)].size++;
  for (size_t i = s->nccases; i-- > 0;) { /* ranked order: the last seen is the best */
    croot *r = &cr[pc_uf_find(par, case_index(s, s->ccases[i].pid))];
    r->top = (int64_t)s->ccases[i].exposure;
  }
  pc_qsort(cr, n, sizeof *cr, croot_cmp);
  uint32_t *num = par + 0; /* reuse: cluster number of each root, after the finds */
  uint32_t *root = pc_malloc((n + 1) * sizeof *root, "clusters");
  if (!root) {
    free(par);
    free(cr);
    return PC_ERR_MEM;
  }
  for (size_t i = 0; i < n; i++) root[i] = pc_uf_find(par, (uint32_t)i);
  for (size_t k = 0; k < n && cr[k].size; k++) num[cr[k].root] = (uint32_t)k;
  for (size_t i = 0; i < n; i++) {
    const croot *r = &cr[num[root[i]]];
    s->clusters[i].cluster = num[root[i]] + 1;
    s->clusters[i].size = r->size;
    s->clusters[i].top_exposure = r->top;
  }
  pc_qsort(s->clusters, n, sizeof *s->clusters, cluster_row_cmp);
  free(par);
  free(cr);
  free(root);
  return 0;
}

static int cluster_pid_cmp(const void *a, const void *b) {
  const pc_cluster_row *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The cases owned here as rows of /clusters, gathered on rank 0 by pid. */
static int gather_cases(pc_sourcer *s, pc_buf *rows) {
  pc_tracer *t = &s->t;
  int rc = pc_buf_grow(rows, t->flags.n + 1);
  for (size_t i = 0; i < t->flags.n && !rc; i++) {
    const pc_trace_flag *f = pc_trace_flag_at(t, i);
    pc_cluster_row *r = (pc_cluster_row *)rows->data + rows->n++;
    memset(r, 0, sizeof *r);
    r->pid = f->pid, r->window_start = f->exposure, r->onset = f->wend;
    const pc_identity *id = pc_trace_identity(t, f->pid);
    if (id) memcpy(r->subject, id->subject, sizeof r->subject);
    if (id) pc_doc_type_name(id->id_type, r->subject_type);
  }
  PC_CALL(pc_agree(t->ctx, rc));
  PC_CALL(to_rank0(t->ctx, rows));
  pc_qsort(rows->data, rows->n, sizeof(pc_cluster_row), cluster_pid_cmp);
  return 0;
}

/* Rank 0's array *p of *n rows of size sz to every rank (a new copy elsewhere). */
static int bcast_rows(pc_ctx *ctx, void **p, size_t *n, size_t sz) {
  char *b = pc_rank(ctx) == 0 ? *p : NULL;
  size_t len = pc_rank(ctx) == 0 ? *n * sz : 0;
  if (pc_rank(ctx) == 0 && !b) b = *p = pc_calloc(1, sz, "rows");
  PC_CALL(pc_bcast_bytes(ctx, &b, &len));
  *p = b;
  *n = len / sz;
  return 0;
}

/* Rank 0: exposures, case pids and clusters from what was gathered. */
static int settle(pc_sourcer *s, meet *m, pc_buf *cases) {
  PC_CALL(rank_exposures(s, m));
  s->ncases = cases->n;
  s->case_pids = pc_malloc((cases->n + 1) * sizeof *s->case_pids, "cases");
  if (!s->case_pids) return PC_ERR_MEM;
  const pc_cluster_row *c = cases->data;
  for (size_t i = 0; i < cases->n; i++) s->case_pids[i] = c[i].pid;
  s->clusters = cases->data; /* ownership moves */
  pc_buf_init(cases, sizeof(pc_cluster_row));
  uint64_t *l = m->links.data;
  size_t nl = m->links.n / 2;
  pc_qsort(l, nl, 2 * sizeof *l, pc_u64_cmp); /* by first pid: the order does not change the sets */
  return make_clusters(s, l, nl);
}

int pc_sources_exposures(pc_sourcer *s, uint64_t *presences) {
  pc_ctx *ctx = s->t.ctx;
  pc_buf got, cases;
  meet m;
  pc_buf_init(&got, sizeof(pc_presence));
  pc_buf_init(&cases, sizeof(pc_cluster_row));
  pc_buf_init(&m.ex, sizeof(pc_common));
  pc_buf_init(&m.ec, sizeof(ecase));
  pc_buf_init(&m.links, sizeof(uint64_t));
  int rc = send_presences(s, &got, presences);
  if (!rc) rc = pc_agree(ctx, meet_places(s, &got, &m));
  pc_buf_free(&got);
  if (!rc) rc = to_rank0(ctx, &m.ex);
  if (!rc) rc = to_rank0(ctx, &m.ec);
  if (!rc) { /* pairs travel as rows of two pids */
    m.links.rowsize = 2 * sizeof(uint64_t), m.links.n /= 2, m.links.cap /= 2;
    rc = to_rank0(ctx, &m.links);
    m.links.rowsize = sizeof(uint64_t), m.links.n *= 2, m.links.cap *= 2;
  }
  if (!rc) rc = gather_cases(s, &cases);
  if (!rc) rc = pc_agree(ctx, pc_rank(ctx) == 0 ? settle(s, &m, &cases) : 0);
  if (!rc) rc = bcast_rows(ctx, (void **)&s->common, &s->ncommon, sizeof *s->common);
  if (!rc) rc = bcast_rows(ctx, (void **)&s->ccases, &s->nccases, sizeof *s->ccases);
  if (!rc) rc = bcast_rows(ctx, (void **)&s->case_pids, &s->ncases, sizeof *s->case_pids);
  if (!rc) {
    s->cstart = pc_calloc(s->ncommon + 2, sizeof *s->cstart, "common exposures");
    rc = pc_agree(ctx, s->cstart ? 0 : PC_ERR_MEM);
  }
  for (size_t i = 0; !rc && i < s->nccases; i++) s->cstart[s->ccases[i].exposure + 1]++;
  for (size_t i = 0; !rc && i < s->ncommon; i++) s->cstart[i + 1] += s->cstart[i];
  pc_buf_free(&cases);
  pc_buf_free(&m.ex);
  pc_buf_free(&m.ec);
  pc_buf_free(&m.links);
  return rc;
}
