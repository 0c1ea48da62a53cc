/* pc_trace_ledger.c - trace's batch of a campaign: its rows as ledger flags (with each chain's root case), `new` marked. */
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_trace_ledger.h"

/* The flag of pid in the sorted flags (after pc_trace_rows), or NULL. */
static const pc_trace_flag *sorted_flag(const pc_tracer *t, uint64_t pid) {
  const pc_trace_flag *f = t->flags.data;
  size_t lo = 0, hi = t->flags.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f[mid].pid < pid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < t->flags.n && f[lo].pid == pid ? &f[lo] : NULL;
}

/* A question to the owner of `at`: who is your source? */
typedef struct root_req {
  uint64_t at;   /* the person asked about; answered: their source (0: at is a case) */
  uint64_t who;  /* requester's rank << 40 | flag index (pid order) */
  uint64_t source;
} root_req;

/* One round: every row whose root is not settled asks the owner of its
 * current candidate for that person's source. Returns (summed) how many asked. */
static int root_round(pc_tracer *t, uint64_t *root, uint8_t *done, size_t n, uint64_t *asked) {
  pc_ctx *ctx = t->ctx;
  root_req *rq = pc_calloc(n + 1, sizeof *rq, "root requests");
  int *dest = pc_malloc((n + 1) * sizeof *dest, "root requests");
  pc_buf got, back;
  pc_buf_init(&got, sizeof(root_req));
  pc_buf_init(&back, sizeof(root_req));
  int rc = pc_agree(ctx, rq && dest ? 0 : PC_ERR_MEM);
  size_t m = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (done[i]) continue;
    rq[m].at = root[i];
    rq[m].who = (uint64_t)pc_rank(ctx) << 40 | i;
    dest[m++] = PC_OWNER(root[i], pc_nranks(ctx));
  }
  *asked = m;
  if (!rc) rc = pc_sum_u64(ctx, asked, 1);
  if (!rc) rc = pc_shuffle(ctx, rq, m, sizeof *rq, dest, &got, NULL);
  int *d2 = rc ? NULL : pc_malloc((got.n + 1) * sizeof *d2, "root answers");
  if (!rc) rc = pc_agree(ctx, d2 ? 0 : PC_ERR_MEM);
  for (size_t i = 0; i < got.n && !rc; i++) {
    root_req *g = (root_req *)got.data + i;
    const pc_trace_flag *f = sorted_flag(t, g->at);
    g->source = f ? f->source : 0;
    d2[i] = (int)(g->who >> 40);
  }
  if (!rc) rc = pc_shuffle(ctx, got.data, got.n, sizeof(root_req), d2, &back, NULL);
  for (size_t i = 0; i < back.n && !rc; i++) {
    const root_req *b = (const root_req *)back.data + i;
    size_t k = (size_t)(b->who & ((1ULL << 40) - 1));
    if (b->source)
      root[k] = b->source;
    else
      done[k] = 1;
  }
  free(rq);
  free(dest);
  free(d2);
  pc_buf_free(&got);
  pc_buf_free(&back);
  return rc;
}

/* The case each flagged person's chain starts from: follow the sources
 * back (at most hops + 1 rounds: a source is one hop nearer a case). */
static int roots(pc_tracer *t, const pc_trace_flag *f, size_t n, uint64_t *root) {
  uint8_t *done = pc_calloc(n + 1, 1, "roots");
  int rc = pc_agree(t->ctx, done ? 0 : PC_ERR_MEM);
  for (size_t i = 0; i < n && !rc; i++) {
    root[i] = f[i].source ? f[i].source : f[i].pid;
    done[i] = !f[i].source;
  }
  for (int round = 0; !rc && round < 64; round++) {
    uint64_t asked = 0;
    rc = root_round(t, root, done, n, &asked);
    if (!rc && !asked) break;
  }
  free(done);
  return rc;
}

static void flag_of(pc_ledger_flag *f, const pc_trace_row *r, int companion, uint64_t root) {
  memset(f, 0, sizeof *f);
  f->pid = r->pid;
  f->source_pid = r->source_pid;
  f->root_pid = root;
  f->jurisdiction = r->jurisdiction;
  f->residence = r->residence;
  memcpy(f->subject, r->subject, sizeof f->subject);
  memcpy(f->subject_type, r->subject_type, sizeof f->subject_type);
  memcpy(f->code, r->code, sizeof f->code);
  if (companion)
    snprintf(f->cls, sizeof f->cls, "companion");
  else
    snprintf(f->cls, sizeof f->cls, "hop%u", r->hop);
  memcpy(f->channel, r->channel, sizeof f->channel);
}

int pc_trace_campaign(pc_tracer *t, pc_campaign *C, pc_trace_rowmaker *m) {
  const size_t n = m->nc + m->nm;
  if (!C->path) return pc_agree(t->ctx, 0); /* no campaign: every row new, as made (SPEC) */
  /* The flags, sorted by pid, are the contacts and companions merged. */
  pc_ledger_flag *f = pc_malloc((n + 1) * sizeof *f, "ledger flags");
  uint64_t *root = pc_malloc((n + 1) * sizeof *root, "ledger flags");
  int rc = pc_agree(t->ctx, f && root ? 0 : PC_ERR_MEM);
  if (!rc) rc = roots(t, m->f, n, root);
  for (size_t k = 0; !rc && k < n; k++) {
    pc_trace_row r;
    pc_trace_rows_make_who(m, k, &r); /* the whole row is made once, for the file */
    flag_of(&f[k], &r, m->f[k].hop == PC_TRACE_COMPANION, root[k]);
  }
  if (!rc) rc = pc_campaign_flag(C, f, n, m->is_new);
  free(f);
  free(root);
  return rc;
}
