/* pc_trace_hops.c - trace's frontier: one round of queries is two exchanges (queries to the buckets' ranks, hits back to the persons' owners); hops and companions. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_budget.h"
#include "pc_hash.h"
#include "pc_index.h"
#include "pc_sort.h"
#include "pc_time.h"
#include "pc_campaign.h"
#include "pc_trace_hops.h"

/* ---- one round of queries: from `from` (flag indices) over channels of `role` ---- */

/* The hits a rank's answers produce, one per person hit: the best by SPEC's
 * order (pc_hit_less) - the owner keeps only the best anyway, and the hot
 * cells of a city hit the same persons thousands of times (the companions
 * of 100 cases: most of their time went into growing the raw hits). A
 * person's best so far is 16 bytes - pid, exposure from a base, and the
 * query that made it, which holds the rest of the hit - so that telling
 * whether a hit is better reads one cache line: a thousand cases'
 * companions give nine million hits a rank for 1.4 million persons, and
 * with a slot table pointing into 40-byte hits each took two misses. */
enum { PC_HIT_BATCH = 512, PC_HIT_AHEAD = 16 };
typedef struct hitent {
  uint64_t pid;
  int32_t dt;  /* exposure - base */
  uint32_t q1; /* 1 + the index of the query that made it among every rank's queries of
                  the round (this rank's from hitbuf.qoff on); 0: an empty slot */
} hitent;
_Static_assert(sizeof(hitent) == 16, "a person's best hit is a quarter of a cache line");

typedef struct hitbuf {
  hitent *ent;        /* open addressing by pid, at most 3/4 full */
  size_t cap, n;      /* slots (a power of two), persons hit */
  const pc_query *sq; /* the queries answered here */
  size_t qoff;        /* the queries answered by the ranks before this one */
  size_t q0;          /* the first query of the bucket being answered, in sq */
  int64_t base;       /* every rank's queries' earliest start: every exposure is at or after it */
  int rc;
  hitent pend[PC_HIT_BATCH]; /* hits given, not yet placed */
  size_t npend;
} hitbuf;

/* The hit an entry stands for (every field pc_answer_bucket gives but the
 * query's index, which stays here). */
static pc_hit hit_of_ent(const hitbuf *hb, const hitent *e) {
  const pc_query *Q = &hb->sq[e->q1 - 1 - hb->qoff];
  pc_hit h = {.pid = e->pid, .exposure = hb->base + e->dt, .source = Q->source,
              .place = Q->place, .channel = Q->channel, .root = Q->root};
  return h;
}

/* e better than o by pc_hit_less: the exposures first, the queries' fields on a tie. */
static int ent_better(const hitbuf *hb, const hitent *e, const hitent *o) {
  if (e->dt != o->dt) return e->dt < o->dt;
  const pc_hit a = hit_of_ent(hb, e), b = hit_of_ent(hb, o);
  return pc_hit_less(&a, &b);
}

/* Room for `want` persons at most 3/4 full: a larger table, every entry placed again. */
static int ents_fit(hitbuf *hb, size_t want) {
  size_t c = hb->cap ? hb->cap : 4096;
  while (c / 4 * 3 < want) c *= 2;
  if (c == hb->cap) return 0;
  hitent *t = pc_calloc(c, sizeof *t, "persons hit");
  if (!t) return PC_ERR_MEM;
  for (size_t i = 0; i < hb->cap; i++) {
    if (!hb->ent[i].q1) continue;
    size_t k = pc_mix64(hb->ent[i].pid) & (c - 1);
    while (t[k].q1) k = (k + 1) & (c - 1);
    t[k] = hb->ent[i];
  }
  free(hb->ent);
  hb->ent = t, hb->cap = c;
  return 0;
}

/* The cache lines a probe from slot k reads first: k's, and the one after
 * (a probe runs on past the end of its line often enough - a table up to
 * 3/4 full, 4 slots a line - that the second line, fetched only when
 * reached, took most of the probes' time: `perf annotate`). */
static inline void fetch_slots(const hitent *ent, size_t k, size_t mask) {
  __builtin_prefetch(&ent[k]);
  __builtin_prefetch(&ent[k + 4 <= mask ? k + 4 : k]); /* the next line, wherever k sits */
}

/* The pending hits placed: each person's best kept. The table is tens of
 * megabytes and every probe misses the cache: the slots of the hits a few
 * places ahead are fetched while this one is placed. */
static void place_hits(hitbuf *hb) {
  const size_t n = hb->npend;
  hb->npend = 0;
  if (hb->rc || !n) return;
  if ((hb->rc = ents_fit(hb, hb->n + n))) return;
  size_t home[PC_HIT_BATCH];
  const size_t mask = hb->cap - 1;
  hitent *ent = hb->ent;
  for (size_t j = 0; j < n; j++) {
    home[j] = pc_mix64(hb->pend[j].pid) & mask;
    if (j < PC_HIT_AHEAD) fetch_slots(ent, home[j], mask);
  }
  for (size_t j = 0; j < n; j++) {
    if (j + PC_HIT_AHEAD < n) fetch_slots(ent, home[j + PC_HIT_AHEAD], mask);
    const hitent *e = &hb->pend[j];
    size_t k = home[j];
    for (; ent[k].q1; k = (k + 1) & mask)
      if (ent[k].pid == e->pid) break;
    if (!ent[k].q1) {
      ent[k] = *e;
      hb->n++;
    } else if (ent_better(hb, e, &ent[k])) {
      ent[k].dt = e->dt;
      ent[k].q1 = e->q1;
    }
  }
}

static void emit_hit(void *arg, const pc_hit *h) {
  hitbuf *hb = arg;
  hb->pend[hb->npend++] = (hitent){h->pid, (int32_t)(h->exposure - hb->base),
                                   (uint32_t)(hb->qoff + hb->q0 + h->query + 1)};
  if (hb->npend == PC_HIT_BATCH) place_hits(hb);
}

/* The persons hit, each one's best, grouped by their owners (for the
 * shuffle to send from where they are): the entries themselves, 16 bytes,
 * not 40-byte hits - every rank learns every query (query_words), so the
 * owner makes the hit. The table freed. */
static int hits_by_owner(hitbuf *hb, int P, pc_buf *hits, pc_buf *dest) {
  size_t *at = pc_calloc((size_t)P + 1, sizeof *at, "hits by owner");
  int rc = at ? 0 : PC_ERR_MEM;
  place_hits(hb); /* the last ones given */
  if (!rc) rc = hb->rc;
  if (!rc) rc = pc_buf_reserve(hits, hb->n);
  if (!rc) rc = pc_buf_reserve(dest, hb->n);
  for (size_t k = 0; k < hb->cap && !rc; k++)
    if (hb->ent[k].q1) at[PC_OWNER(hb->ent[k].pid, P) + 1]++;
  for (int p = 0; p < P && !rc; p++) at[p + 1] += at[p];
  hitent *h = hits->data;
  int *d = dest->data;
  for (size_t k = 0; k < hb->cap && !rc; k++) {
    if (!hb->ent[k].q1) continue;
    const int o = PC_OWNER(hb->ent[k].pid, P);
    h[at[o]] = hb->ent[k];
    d[at[o]++] = o;
  }
  if (!rc) hits->n = dest->n = hb->n;
  free(at);
  free(hb->ent);
  hb->ent = NULL, hb->cap = 0;
  return rc;
}

static int add_query(pc_tracer *t, pc_buf *q, pc_buf *qd, const pc_query *x) {
  PC_CALL(pc_buf_grow(q, 1));
  PC_CALL(pc_buf_grow(qd, 1));
  ((pc_query *)q->data)[q->n++] = *x;
  ((int *)qd->data)[qd->n++] = pc_pview_rank_of(&t->pv, pc_nranks(t->ctx), x->bucket);
  return 0;
}

/* Queries of the persons `from`: their household and their stays in channels of `role`. */
static int make_queries(pc_tracer *t, const size_t *from, size_t nfrom, int role, pc_buf *q,
                        pc_buf *qd) {
  uint32_t *cum = NULL;
  pc_gspan *gs = NULL;
  size_t ccap = 0;
  int rc = 0;
  for (size_t i = 0; i < nfrom && !rc; i++) {
    const pc_trace_flag *f = pc_trace_flag_at(t, from[i]);
    int64_t w0 = f->exposure, w1 = f->wend;
    if (w1 <= w0) continue;
    pc_query x;
    memset(&x, 0, sizeof x);
    x.source = f->pid;
    x.root = f->root;
    const pc_person *p = pc_trace_person(t, f->pid);
    if (t->rules[PC_CH_HOUSEHOLD].role == role && p && p->household) {
      x.place = p->household;
      x.channel = PC_CH_HOUSEHOLD;
      x.a = w0;
      x.b = w1;
      x.bucket = pc_bucket_of(p->household, PC_CH_HOUSEHOLD, 0, t->pv.nbuckets);
      if ((rc = add_query(t, q, qd, &x))) break;
    }
    const pc_stay *s;
    size_t n;
    if ((rc = pc_trace_stays_of(t, f->pid, &s, &n))) break;
    if (n > ccap) {
      free(cum);
      free(gs);
      ccap = n;
      cum = pc_malloc(n * sizeof *cum, "grid totals");
      gs = pc_malloc(n * sizeof *gs, "grid totals");
      if (!cum || !gs) {
        rc = PC_ERR_MEM;
        break;
      }
    }
    if (n) pc_grid_cum(s, n, t->window_start, t->window_end, cum, gs);
    for (size_t j = 0; j < n && !rc; j++) {
      int c = s[j].channel;
      if (c <= 0 || c >= PC_NCHANNELS || t->rules[c].role != role) continue;
      int64_t a = s[j].start > w0 ? s[j].start : w0, b = s[j].end < w1 ? s[j].end : w1;
      if (b <= a) continue;
      x.place = s[j].place;
      x.channel = (uint8_t)c;
      x.a = a;
      x.b = b;
      x.row = s[j].row;
      x.cum = cum[j];
      if (!pc_channel_by_day(c)) {
        x.bucket = pc_bucket_of(x.place, c, a, t->pv.nbuckets);
        rc = add_query(t, q, qd, &x);
        continue;
      }
      /* Every day a stay overlapping [a, b) can start on. */
      int64_t d0, d1;
      pc_query_days(a, b, t->pv.dmax[c], &d0, &d1);
      for (int64_t d = d0; d <= d1 && !rc; d++) {
        x.bucket = pc_bucket_of(x.place, c, pc_local_midnight(d), t->pv.nbuckets);
        rc = add_query(t, q, qd, &x);
      }
    }
  }
  free(cum);
  free(gs);
  return rc;
}

/* Every rank's queries' earliest start, *base (which bounds every exposure
 * their answers give; the latest end within 2^31 s of it), and the queries
 * of the ranks before this one, *qoff (a hit names its query among all
 * ranks' by 32 bits), and every rank's queries, *all. Collective, agreed. */
static int query_span(pc_ctx *ctx, const pc_query *q, size_t n, int64_t *base, size_t *qoff,
                      uint64_t *all) {
  const uint64_t bias = UINT64_C(1) << 63; /* times as unsigned, in their order */
  uint64_t lo = UINT64_MAX, hi[2] = {0, n};
  for (size_t i = 0; i < n; i++) {
    const uint64_t a = (uint64_t)q[i].a ^ bias, b = (uint64_t)q[i].b ^ bias;
    if (a < lo) lo = a;
    if (b > hi[0]) hi[0] = b;
  }
  uint64_t before = 0;
  int rc = pc_min_u64(ctx, &lo, 1);
  if (!rc) rc = pc_max_u64(ctx, &hi[0], 1);
  if (!rc) rc = pc_sum_u64(ctx, &hi[1], 1);
  if (!rc) rc = pc_exscan_u64(ctx, n, &before);
  if (rc) return rc;
  *base = hi[1] ? (int64_t)(lo ^ bias) : 0;
  *qoff = (size_t)before;
  *all = hi[1];
  if (hi[1] && hi[0] - lo >= (uint64_t)INT32_MAX)
    return PC_ERROR(PC_ERR_DATA, "the windows traced span %.0f days: more than 68 years",
                    (double)(hi[0] - lo) / 86400.0);
  if (hi[1] >= UINT32_MAX) return PC_ERROR(PC_ERR_MEM, "more than 2^32 queries in one round");
  return 0;
}

/* The queries q[0..n) in order of bucket, into a new *sq. */
static int by_bucket(const pc_query *q, size_t n, pc_query **sq) {
  pc_kv *kv = pc_malloc((n + 1) * sizeof *kv, "queries"),
        *tmp = pc_malloc((n + 1) * sizeof *tmp, "queries");
  *sq = pc_malloc((n + 1) * sizeof **sq, "queries");
  int rc = kv && tmp && *sq ? 0 : PC_ERR_MEM;
  if (!rc) {
    for (size_t i = 0; i < n; i++) kv[i].key = q[i].bucket, kv[i].val = i;
    pc_sort_kv(kv, tmp, n);
    for (size_t i = 0; i < n; i++) (*sq)[i] = q[kv[i].val];
  }
  free(kv);
  free(tmp);
  return rc;
}

/* Answer the queries sq[0..nq) (in order of bucket), bucket by bucket; each
 * person's best hit into *hits, grouped by owner (dest: each one's owner). */
static int answer(pc_tracer *t, const pc_query *sq, size_t nq, int64_t base, size_t qoff,
                  pc_buf *hits, pc_buf *dest) {
  hitbuf hb = {.sq = sq, .qoff = qoff, .base = base};
  pc_irow *buf = NULL;
  size_t bcap = 0, rcap = 0;
  size_t *runs = NULL;
  int64_t *dmax = NULL;
  pc_hit *best = NULL;
  uint8_t *seen = NULL;
  int rc = 0;
  for (size_t i = 0; i < nq && !rc;) {
    size_t j = i;
    while (j < nq && sq[j].bucket == sq[i].bucket) j++;
    const pc_irow *rows;
    size_t n;
    rc = pc_pview_bucket(&t->pv, pc_rank(t->ctx), sq[i].bucket, &rows, &n, &buf, &bcap);
    if (!rc && n > rcap) {
      free(runs);
      free(dmax);
      free(best);
      free(seen);
      rcap = n;
      runs = pc_malloc(n * sizeof *runs, "bucket runs");
      dmax = pc_malloc(n * sizeof *dmax, "bucket runs");
      best = pc_malloc(n * sizeof *best, "bucket hits");
      seen = pc_malloc(n, "bucket hits");
      if (!runs || !dmax || !best || !seen) rc = PC_ERR_MEM;
    }
    /* Each row's best hit over the bucket's queries, then one hit per row to hb:
     * a hot cell's rows met by many queries cost one probe of hb each. */
    hb.q0 = i;
    if (!rc && n)
      pc_answer_bucket(t->rules, rows, n, sq + i, j - i, runs, dmax, best, seen, emit_hit, &hb);
    if (!rc) rc = hb.rc;
    i = j;
  }
  if (!rc) rc = hits_by_owner(&hb, pc_nranks(t->ctx), hits, dest);
  free(hb.ent);
  free(buf);
  free(runs);
  free(dmax);
  free(best);
  free(seen);
  return rc;
}

/* A round's hits at their owners: 16-byte entries (hitent), each naming
 * its query among every rank's; the queries' fields a hit takes, 3 words
 * each (query_words); the base of the entries' exposures. */
typedef struct roundhits {
  pc_buf hits;
  uint64_t *qw;
  int64_t base;
} roundhits;

static void roundhits_free(roundhits *r) {
  pc_buf_free(&r->hits);
  free(r->qw);
  r->qw = NULL;
}

/* The words of the queries q[0..n) that every rank needs to make a hit:
 * source, place, channel and root. */
static int query_words(const pc_query *q, size_t n, uint64_t **w) {
  *w = pc_malloc((3 * n + 1) * sizeof **w, "queries' words");
  if (!*w) return PC_ERR_MEM;
  for (size_t i = 0; i < n; i++) {
    (*w)[3 * i] = q[i].source;
    (*w)[3 * i + 1] = q[i].place;
    (*w)[3 * i + 2] = (uint64_t)q[i].channel | (uint64_t)q[i].root << 8;
  }
  return 0;
}

/* The hit entry i of a round stands for. */
static pc_hit hit_of_round(const roundhits *r, size_t i) {
  const hitent *e = (const hitent *)r->hits.data + i;
  const uint64_t *w = r->qw + 3 * (size_t)(e->q1 - 1);
  pc_hit h = {.pid = e->pid, .exposure = r->base + e->dt, .source = w[0], .place = w[1],
              .channel = (uint8_t)w[2], .root = (uint8_t)(w[2] >> 8)};
  return h;
}

/* One round: queries from `from` over `role`, answered, hits back at their
 * owners in *r. Collective. */
static int round_trip(pc_tracer *t, const size_t *from, size_t nfrom, int role, roundhits *r,
                      uint64_t *nqueries) {
  pc_ctx *ctx = t->ctx;
  pc_buf q, qd, rq, h, hd;
  pc_buf_init(&q, sizeof(pc_query));
  pc_buf_init(&qd, sizeof(int));
  pc_buf_init(&rq, sizeof(pc_query));
  pc_buf_init(&h, sizeof(hitent));
  pc_buf_init(&hd, sizeof(int));
  pc_buf_init(&r->hits, sizeof(hitent));
  r->qw = NULL;
  pc_query *sq = NULL;
  uint64_t *w = NULL;
  size_t qoff = 0, nw = 0;
  int rc = pc_agree(ctx, make_queries(t, from, nfrom, role, &q, &qd));
  *nqueries = q.n;
  if (!rc) rc = pc_shuffle(ctx, q.data, q.n, sizeof(pc_query), qd.data, &rq, NULL);
  pc_buf_free(&q);
  pc_buf_free(&qd);
  if (!rc) rc = pc_agree(ctx, by_bucket(rq.data, rq.n, &sq));
  uint64_t all = 0;
  if (!rc) rc = pc_agree(ctx, query_span(ctx, sq, rq.n, &r->base, &qoff, &all));
  /* Every rank holds every query's words while the hits are made (3 words each). */
  char what[96];
  snprintf(what, sizeof what, "the table of a round's %llu %s (every rank holds it whole)",
           (unsigned long long)all, pc_plural(all, "query", "queries"));
  if (!rc) rc = pc_budget_check_while(ctx, t->cfg, what, 3.0 * sizeof(uint64_t) * (double)all);
  if (!rc) rc = pc_agree(ctx, answer(t, sq, rq.n, r->base, qoff, &h, &hd));
  if (!rc) rc = pc_agree(ctx, query_words(sq, rq.n, &w));
  if (!rc) rc = pc_allgather_u64(ctx, w, 3 * rq.n, &r->qw, &nw);
  free(w);
  free(sq);
  pc_buf_free(&rq);
  if (!rc) rc = pc_shuffle(ctx, h.data, h.n, sizeof(hitent), hd.data, &r->hits, NULL);
  pc_buf_free(&h);
  pc_buf_free(&hd);
  return rc;
}

/* A hit becomes the flag f of class `hop` (a hop number, or PC_TRACE_COMPANION). */
static void flag_of_hit(const pc_tracer *t, const pc_hit *h, uint8_t hop, pc_trace_flag *f) {
  memset(f, 0, sizeof *f);
  f->pid = h->pid;
  f->exposure = h->exposure;
  f->wend = t->as_of;
  /* A contact the ledger knows isolated has the window [exposure, isolated]
   * (SPEC, The campaign): empty when isolated before the exposure. */
  int64_t iso = t->campaign ? pc_campaign_isolated(t->campaign, h->pid) : 0;
  if (iso && iso < f->wend) f->wend = iso > f->exposure ? iso : f->exposure;
  f->source = h->source;
  f->place = h->place;
  f->channel = h->channel;
  f->root = h->root;
  f->hop = hop;
}

/* The hit a flag of this round was made from (the fields pc_hit_less reads). */
static pc_hit hit_of_flag(const pc_trace_flag *f) {
  pc_hit h = {.pid = f->pid, .exposure = f->exposure, .source = f->source, .place = f->place,
              .channel = f->channel, .root = f->root};
  return h;
}

/* Each person hit and not flagged before this round becomes a flag of class
 * `hop` from their best hit (SPEC's tie-break, pc_hit_less). The hits are
 * taken as they came, each found in the flag table: a person flagged in an
 * earlier round is skipped, one flagged earlier in this round keeps the
 * better hit. A sort by pid first cost more than the table (a thousand cases'
 * companions: 1.4 M hits a rank); the rows are sorted by pid at assembly. */
static int best_hits(pc_tracer *t, const roundhits *r, uint8_t hop) {
  const size_t n = r->hits.n, before = t->flags.n;
  const hitent *e = r->hits.data;
  PC_CALL(pc_trace_flag_reserve(t, n)); /* at most one flag per hit */
  for (size_t i = 0; i < n; i++) {
    if (i + 16 < n) pc_trace_flag_prefetch(t, e[i + 16].pid);
    const pc_hit h = hit_of_round(r, i);
    /* f is used before the next add, which may move the rows */
    pc_trace_flag *f = pc_trace_flag_find(t, h.pid);
    pc_trace_flag nf;
    if (!f) {
      flag_of_hit(t, &h, hop, &nf);
      PC_CALL(pc_trace_flag_add(t, &nf));
      continue;
    }
    if ((size_t)(f - pc_trace_flag_at(t, 0)) < before) continue; /* flagged before */
    const pc_hit o = hit_of_flag(f);
    if (pc_hit_less(&h, &o)) flag_of_hit(t, &h, hop, f);
  }
  return 0;
}

/* ---- the steps ---- */

/* Indices of the flagged persons here that `pick` selects, in *from. Local. */
static int frontier(pc_tracer *t, int (*pick)(const pc_tracer *, const pc_trace_flag *, int), int h,
                    size_t **from, size_t *nf) {
  *nf = 0;
  *from = pc_malloc((t->flags.n + 1) * sizeof **from, "frontier");
  if (!*from) return PC_ERR_MEM;
  for (size_t i = 0; i < t->flags.n; i++)
    if (pick(t, pc_trace_flag_at(t, i), h)) (*from)[(*nf)++] = i;
  return 0;
}

static int pick_hop(const pc_tracer *t, const pc_trace_flag *f, int h) {
  (void)t;
  return f->hop == h;
}

/* A person of a hop listed under companions_of. */
static int pick_companions_of(const pc_tracer *t, const pc_trace_flag *f, int h) {
  (void)h;
  for (size_t k = 0; k < pc_config_len(t->cfg, "companions_of"); k++)
    if (f->hop == pc_config_int_at(t->cfg, "companions_of", k)) return 1;
  return 0;
}

int pc_trace_hop(pc_tracer *t, int h, uint64_t stats[3]) {
  pc_ctx *ctx = t->ctx;
  size_t *from = NULL, nf = 0;
  PC_CALL(pc_agree(ctx, frontier(t, pick_hop, h, &from, &nf)));
  roundhits r;
  uint64_t nq = 0, before = t->flags.n;
  int rc = round_trip(t, from, nf, PC_ROLE_CLOSE, &r, &nq);
  uint8_t hop = (uint8_t)(h + 1);
  if (!rc) rc = pc_agree(ctx, best_hits(t, &r, hop));
  stats[0] = t->flags.n - before;
  stats[1] = nq;
  stats[2] = r.hits.n;
  roundhits_free(&r);
  free(from);
  return rc;
}

int pc_trace_companions(pc_tracer *t, uint64_t *nqueries) {
  pc_ctx *ctx = t->ctx;
  size_t *from = NULL, nf = 0;
  *nqueries = 0;
  PC_CALL(pc_agree(ctx, frontier(t, pick_companions_of, 0, &from, &nf)));
  roundhits r;
  int rc = round_trip(t, from, nf, PC_ROLE_COMPANION, &r, nqueries);
  if (!rc) rc = pc_agree(ctx, best_hits(t, &r, PC_TRACE_COMPANION));
  roundhits_free(&r);
  free(from);
  return rc;
}
