/* pc_sources_cand.c - sources' candidates: one index query per common exposure, who else stayed there, their cases counted at their owners. */
#include <stdlib.h>
#include <string.h>

#include "pc_doc.h"
#include "pc_sort.h"
#include "pc_sources.h"

/* A person at a common exposure: travels from the bucket owner to the person's owner. */
typedef struct attend {
  uint64_t pid;
  uint64_t exposure;
  int64_t at, secs; /* start and length of the overlap of one stay with the exposure */
} attend;

typedef struct answering {
  pc_buf hits, dest;
  uint64_t exposure;
  int nranks;
} answering;

static int take_attend(void *arg, const pc_irow *r, int64_t at, int64_t secs) {
  answering *a = arg;
  PC_CALL(pc_buf_grow(&a->hits, 1));
  PC_CALL(pc_buf_grow(&a->dest, 1));
  ((attend *)a->hits.data)[a->hits.n++] = (attend){r->pid, a->exposure, at, secs};
  ((int *)a->dest.data)[a->dest.n++] = PC_OWNER(r->pid, a->nranks);
  return 0;
}

/* Queries of the exposures e with e % P == rank: one per bucket their place may be in. */
static int make_queries(pc_sourcer *s, pc_buf *q, pc_buf *qd) {
  pc_tracer *t = &s->t;
  const int P = pc_nranks(t->ctx), me = pc_rank(t->ctx);
  for (size_t e = (size_t)me; e < s->ncommon; e += (size_t)P) {
    const pc_common_row *r = &s->common[e];
    const int c = pc_channel_of(r->channel);
    pc_query x;
    memset(&x, 0, sizeof x);
    x.place = r->place, x.source = e, x.a = r->from, x.b = r->to, x.channel = (uint8_t)c;
    int64_t d0 = 0, d1 = 0;
    if (pc_channel_by_day(c)) pc_query_days(r->from, r->to, t->pv.dmax[c], &d0, &d1);
    for (int64_t d = d0; d <= d1; d++) {
      x.bucket = pc_bucket_of(x.place, c, pc_channel_by_day(c) ? pc_local_midnight(d) : 0,
                              t->pv.nbuckets);
      PC_CALL(pc_buf_grow(q, 1));
      PC_CALL(pc_buf_grow(qd, 1));
      ((pc_query *)q->data)[q->n++] = x;
      ((int *)qd->data)[qd->n++] = pc_pview_rank_of(&t->pv, P, x.bucket);
    }
  }
  return 0;
}

static int query_bucket_cmp(const void *a, const void *b) {
  const pc_query *x = a, *y = b;
  if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
  return x->source < y->source ? -1 : x->source > y->source;
}

/* The queries received, bucket by bucket, answered into a. */
static int answer(pc_sourcer *s, pc_query *q, size_t nq, answering *a) {
  pc_tracer *t = &s->t;
  pc_qsort(q, nq, sizeof *q, query_bucket_cmp);
  pc_irow *buf = NULL;
  size_t cap = 0;
  int rc = 0;
  for (size_t i = 0; i < nq && !rc;) {
    size_t j = i;
    while (j < nq && q[j].bucket == q[i].bucket) j++;
    const pc_irow *rows;
    size_t n;
    rc = pc_pview_bucket(&t->pv, pc_rank(t->ctx), q[i].bucket, &rows, &n, &buf, &cap);
    for (size_t k = i; k < j && !rc; k++) {
      a->exposure = q[k].source;
      const int c = q[k].channel;
      rc = pc_sources_attendees(rows, n, q[k].place, c, q[k].a, q[k].b,
                                pc_sources_min_minutes(&t->rules[c], c), take_attend, a);
    }
    i = j;
  }
  free(buf);
  return rc;
}

static int attend_cmp(const void *a, const void *b) {
  const attend *x = a, *y = b;
  if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
  if (x->exposure != y->exposure) return x->exposure < y->exposure ? -1 : 1;
  if (x->at != y->at) return x->at < y->at ? -1 : 1;
  return x->secs > y->secs ? -1 : x->secs < y->secs;
}

static int is_case(const pc_sourcer *s, uint64_t pid) {
  size_t lo = 0, hi = s->ncases;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->case_pids[mid] < pid) lo = mid + 1;
    else hi = mid;
  }
  return lo < s->ncases && s->case_pids[lo] == pid;
}

/* One person's attendances h[0..n) (sorted) into a candidate row; 0 in
 * r->cases when fewer than min_cases distinct cases. ids: scratch. */
static void candidate_of(pc_sourcer *s, const attend *h, size_t n, uint64_t *ids,
                         pc_candidate_row *r) {
  memset(r, 0, sizeof *r);
  size_t k = 0;
  r->pid = h[0].pid;
  r->first = INT64_MAX;
  r->top_exposure = h[0].exposure; /* sorted: the best-ranked exposure first */
  for (size_t i = 0; i < n; i++) {
    if (h[i].at < r->first) r->first = h[i].at;
    if (i && h[i].exposure == h[i - 1].exposure) continue; /* one exposure counts once */
    r->exposures++;
    int64_t longest = 0;
    for (size_t j = i; j < n && h[j].exposure == h[i].exposure; j++)
      if (h[j].secs > longest) longest = h[j].secs;
    r->dwell += longest;
    for (uint64_t c = s->cstart[h[i].exposure]; c < s->cstart[h[i].exposure + 1]; c++)
      ids[k++] = s->ccases[c].pid;
  }
  pc_qsort(ids, k, sizeof *ids, pc_u64_cmp);
  for (size_t i = 0; i < k; i++) r->cases += !i || ids[i] != ids[i - 1];
}

/* The attendances received (at the persons' owners) into candidate rows. */
static int candidates_here(pc_sourcer *s, pc_buf *got, pc_buf *rows) {
  attend *h = got->data;
  pc_qsort(h, got->n, sizeof *h, attend_cmp);
  uint64_t *ids = pc_malloc((s->nccases + 1) * sizeof *ids, "candidates");
  if (!ids) return PC_ERR_MEM;
  int rc = 0;
  for (size_t i = 0; i < got->n && !rc;) {
    size_t j = i;
    while (j < got->n && h[j].pid == h[i].pid) j++;
    pc_candidate_row r;
    if (!is_case(s, h[i].pid)) candidate_of(s, h + i, j - i, ids, &r);
    else r.cases = 0;
    if (r.cases >= (uint64_t)s->min_cases && !(rc = pc_buf_grow(rows, 1))) {
      const pc_common_row *e = &s->common[r.top_exposure];
      r.place = e->place;
      memcpy(r.channel, e->channel, sizeof r.channel);
      memcpy(r.place_name, e->place_name, sizeof r.place_name);
      const pc_identity *id = pc_trace_identity(&s->t, r.pid);
      if (id) memcpy(r.subject, id->subject, sizeof r.subject);
      if (id) pc_doc_type_name(id->id_type, r.subject_type);
      const pc_person *p = pc_trace_person(&s->t, r.pid);
      r.residence = p ? p->region : 0;
      ((pc_candidate_row *)rows->data)[rows->n++] = r;
    }
    i = j;
  }
  free(ids);
  return rc;
}

static int cand_rank_cmp(const void *a, const void *b) {
  const pc_candidate_row *x = a, *y = b;
  if (x->cases != y->cases) return x->cases > y->cases ? -1 : 1;
  if (x->exposures != y->exposures) return x->exposures > y->exposures ? -1 : 1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int pc_sources_candidates(pc_sourcer *s, uint64_t *queries) {
  pc_ctx *ctx = s->t.ctx;
  pc_buf q, qd, rq, got, rows;
  pc_buf_init(&q, sizeof(pc_query));
  pc_buf_init(&qd, sizeof(int));
  pc_buf_init(&rq, sizeof(pc_query));
  pc_buf_init(&got, sizeof(attend));
  pc_buf_init(&rows, sizeof(pc_candidate_row));
  answering a = {.nranks = pc_nranks(ctx)};
  pc_buf_init(&a.hits, sizeof(attend));
  pc_buf_init(&a.dest, sizeof(int));
  int rc = pc_agree(ctx, make_queries(s, &q, &qd));
  *queries = q.n;
  if (!rc) rc = pc_shuffle(ctx, q.data, q.n, sizeof(pc_query), qd.data, &rq, NULL);
  if (!rc) rc = pc_agree(ctx, answer(s, rq.data, rq.n, &a));
  if (!rc) rc = pc_shuffle(ctx, a.hits.data, a.hits.n, sizeof(attend), a.dest.data, &got, NULL);
  if (!rc) rc = pc_agree(ctx, candidates_here(s, &got, &rows));
  int *dest = pc_calloc(rows.n + 1, sizeof *dest, "candidates");
  if (!rc) rc = pc_agree(ctx, dest ? 0 : PC_ERR_MEM);
  pc_buf all;
  pc_buf_init(&all, sizeof(pc_candidate_row));
  if (!rc) rc = pc_shuffle(ctx, rows.data, rows.n, sizeof(pc_candidate_row), dest, &all, NULL);
  if (!rc) {
    pc_qsort(all.data, all.n, sizeof(pc_candidate_row), cand_rank_cmp);
    s->cand = all.data, s->ncand = all.n;
  } else {
    pc_buf_free(&all);
  }
  free(dest);
  pc_buf_free(&q), pc_buf_free(&qd), pc_buf_free(&rq), pc_buf_free(&got), pc_buf_free(&rows);
  pc_buf_free(&a.hits), pc_buf_free(&a.dest);
  return rc;
}
