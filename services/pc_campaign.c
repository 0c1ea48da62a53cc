/* pc_campaign.c - the ledger as trace, screen and `paicha ledger` use it: claimed, read, a batch merged, written. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc_campaign.h"
#include "pc_budget.h"
#include "pc_claim.h"
#include "pc_publish.h"
#include "pc_sort.h"
#include "pc_err.h"
#include "pc_flagged.h"
#include "pc_ledger_stats.h"
#include "pc_part.h"

/* Claim the ledger on rank 0 for the run's life: a second run appending at
 * once waits up to ledger_wait, then fails having changed nothing. The
 * claim is taken before the ledger is read, so the second run reads what
 * the first wrote: no batch is lost. */
static int claim(pc_ctx *ctx, const pc_config *cfg, const char *path) {
  int rc = 0;
  if (pc_rank(ctx) == 0)
    rc = pc_claim_take_for(ctx, path, pc_config_duration(cfg, "ledger_wait"), "ledger_wait");
  return pc_agree(ctx, rc);
}

static void start_batch(pc_campaign *C, const char *kind, int64_t t, const char *input) {
  const pc_ledger_batch *b = C->L.batches.data;
  memset(&C->next, 0, sizeof C->next);
  C->next.batch = C->L.batches.n ? b[C->L.batches.n - 1].batch + 1 : 1;
  snprintf(C->next.kind, sizeof C->next.kind, "%s", kind);
  C->next.time = t;
  C->next.run_time = (int64_t)time(NULL);
  const char *base = input ? strrchr(input, '/') : NULL;
  snprintf(C->next.input, sizeof C->next.input, "%s", base ? base + 1 : input ? input : "");
}

/* Before reading: a rank holds about its share of the persons twice (the
 * ledger read, then merged with the batch, or a feedback batch's delta)
 * with their measures and yield while it is written, and its share of the
 * events when it reads them. */
static int check_memory(pc_campaign *C, const pc_config *cfg, pc_file f, int events, int copies) {
  uint64_t np = 0, ne = 0;
  PC_CALL(pc_agree(C->ctx, pc_ledgerfile_size(f, &C->L, &np, &ne)));
  const double P = pc_nranks(C->ctx);
  const double per_person = copies * sizeof(pc_ledger_row) + sizeof(pc_ledger_measure) +
                            sizeof(pc_ledger_yield);
  return pc_budget_check_more(C->ctx, cfg, "the campaign's ledger",
                              1.2 * (per_person * (double)np +
                                     (events ? sizeof(pc_ledger_event) * (double)ne : 0)) / P);
}

/* How this batch will be written (pc_campaign.h), from the parts listed. */
static int plan_mode(const pc_ledger_data *L) {
  const pc_ledger_part *p = L->parts.data;
  if (!L->parts.n) return PC_CAMPAIGN_ONE; /* or a first base: pc_campaign_write decides */
  uint64_t deltas = 0;
  for (size_t k = 1; k < L->parts.n; k++) deltas += p[k].persons;
  return deltas * 8 > p[0].persons || L->parts.n >= 32 ? PC_CAMPAIGN_BASE : PC_CAMPAIGN_DELTA;
}

/* The ledger's parts listed, the batch's way of writing chosen, the rows
 * (and the events it needs) of [p0, p1] read, parts no longer listed removed;
 * a delta of trace or screen keeps the rows as read (pc_campaign_flag makes
 * new ones), of a feedback batch the pids it changes in place. */
static int load(pc_campaign *C, const pc_config *cfg, pc_file f, const char *kind, uint64_t p0,
                uint64_t p1) {
  pc_ctx *ctx = C->ctx;
  PC_CALL(pc_ledgerfile_parts(ctx, f, C->path, &C->L));
  C->mode = plan_mode(&C->L);
  const int feedback = strcmp(kind, "feedback") == 0, delta = C->mode == PC_CAMPAIGN_DELTA;
  const int events = !delta; /* a delta writes only its own events: see events_named */
  C->events_named = delta && feedback;
  C->p0 = p0, C->p1 = p1;
  PC_CALL(check_memory(C, cfg, f, events, 2));
  PC_CALL(pc_ledgerfile_read(ctx, f, C->path, p0, p1, events, &C->L));
  pc_ledgerfile_sweep(ctx, C->path, &C->L);
  if (!delta) return 0;
  pc_buf_init(&C->orig, sizeof(pc_ledger_row));
  pc_buf_init(&C->touched, sizeof(uint64_t));
  if (feedback) {
    C->track = 1; /* its changes in place are recorded: no copy of every row */
    return 0;
  }
  C->orig = C->L.rows;
  C->orig_shared = 1;
  return 0;
}

int pc_campaign_events_of(pc_campaign *C, const uint64_t *pids, size_t n) {
  if (!C->path || !C->events_named) return 0;
  C->events_named = 0;
  return pc_ledgerfile_read_events_of(C->ctx, C->path, C->p0, C->p1, pids, n, &C->L);
}

int pc_campaign_touch(pc_campaign *C, uint64_t pid) {
  if (!C->track) return 0;
  PC_CALL(pc_buf_grow(&C->touched, 1));
  ((uint64_t *)C->touched.data)[C->touched.n++] = pid;
  return 0;
}

/* The rows whose pids were touched (sorted, unique), copied to out; their count. */
static size_t touched_rows(pc_campaign *C, pc_ledger_row *out) {
  uint64_t *t = C->touched.data;
  pc_qsort(t, C->touched.n, sizeof *t, pc_u64_cmp);
  const pc_ledger_row *r = C->L.rows.data;
  size_t k = 0, j = 0;
  for (size_t i = 0; i < C->L.rows.n && j < C->touched.n; i++) {
    while (j < C->touched.n && t[j] < r[i].pid) j++;
    if (j < C->touched.n && t[j] == r[i].pid) out[k++] = r[i];
  }
  return k;
}

int pc_campaign_open(pc_ctx *ctx, const pc_config *cfg, pc_file data, const char *data_path,
                     const char *kind, int64_t t, const char *input, pc_campaign *C) {
  uint64_t p0, p1;
  pc_owner_range(pc_rank(ctx), pc_nranks(ctx), &p0, &p1);
  return pc_campaign_open_range(ctx, cfg, data, data_path, kind, t, input, p0, p1, C);
}

int pc_campaign_open_range(pc_ctx *ctx, const pc_config *cfg, pc_file data, const char *data_path,
                           const char *kind, int64_t t, const char *input, uint64_t p0,
                           uint64_t p1, pc_campaign *C) {
  memset(C, 0, sizeof *C);
  C->ctx = ctx;
  pc_ledger_data_init(&C->L);
  const char *path = pc_config_str(cfg, "ledger");
  if (!path || !*path) return 0;
  C->path = path;
  C->parts_from = pc_config_int(cfg, "ledger_parts_from");
  PC_CALL(claim(ctx, cfg, path));
  pc_file f;
  int rc = pc_ledgerfile_open(ctx, path, &f, &C->exists);
  if (!rc && C->exists) {
    rc = pc_agree(ctx, pc_flagged_check_data(f, path, data, data_path));
    if (!rc) rc = load(C, cfg, f, kind, p0, p1);
    pc_ledgerfile_close(f);
  } else if (!rc) {
    pc_ledgerfile_sweep(ctx, path, &C->L); /* parts of a ledger no longer there */
  }
  if (!rc) {
    start_batch(C, kind, t, input);
    const pc_ledger_batch *b = C->L.batches.data;
    if (C->L.batches.n && t < b[C->L.batches.n - 1].time)
      pc_warn(ctx, "this batch's time is before the ledger's last batch: the campaign's days "
                   "run out of order");
    pc_log(ctx, "ledger %s: batch %d (%s)%s", path, C->next.batch, kind,
           C->exists ? "" : ", a new campaign");
  }
  return rc;
}

int64_t pc_campaign_isolated(const pc_campaign *C, uint64_t pid) {
  const pc_ledger_row *r = C->L.rows.data;
  size_t lo = 0, hi = C->L.rows.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r[mid].pid < pid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < C->L.rows.n && r[lo].pid == pid ? r[lo].isolated_at : 0;
}

int pc_campaign_flag(pc_campaign *C, const pc_ledger_flag *f, size_t m, uint8_t *isnew) {
  if (!C->path) {
    memset(isnew, 1, m);
    return 0;
  }
  pc_buf out;
  pc_buf_init(&out, sizeof(pc_ledger_row));
  int rc = pc_buf_reserve(&out, C->L.rows.n + m + 1);
  size_t n = 0;
  if (!rc)
    rc = pc_ledger_merge(C->L.rows.data, C->L.rows.n, f, m, C->next.batch, C->next.time,
                         out.data, &n, isnew);
  if ((rc = pc_agree(C->ctx, rc))) {
    pc_buf_free(&out);
    return rc;
  }
  out.n = n;
  if (C->orig_shared)
    C->orig_shared = 0; /* the rows as read stay, as C->orig */
  else
    pc_buf_free(&C->L.rows);
  C->L.rows = out;
  C->next.rows += m;
  for (size_t j = 0; j < m; j++) C->next.raised += isnew[j];
  return 0;
}

/* The part this batch writes: every row and event (a base), or the rows it
 * changed and its events (a delta); written, stamped and committed. */
static int write_part(pc_campaign *C, const pc_config *cfg, pc_file data, pc_ledger_part *p) {
  const pc_ledger_row *r = C->L.rows.data;
  const pc_ledger_event *e = C->L.events.data;
  size_t n = C->L.rows.n, ne = C->L.events.n;
  pc_ledger_row *changed = NULL;
  pc_ledger_event *mine = NULL;
  int rc = 0;
  if (!p->base) {
    changed = pc_malloc((n + 1) * sizeof *changed, "ledger delta");
    mine = pc_malloc((ne + 1) * sizeof *mine, "ledger delta");
    rc = changed && mine ? 0 : PC_ERR_MEM;
    if (!rc)
      n = C->track ? touched_rows(C, changed)
                   : pc_ledger_changed(C->orig.data, C->orig.n, r, n, changed),
      r = changed;
    size_t k = 0;
    for (size_t i = 0; !rc && i < ne; i++)
      if (e[i].batch == p->batch) mine[k++] = e[i];
    ne = k, e = mine;
  }
  char path[4200];
  pc_ledgerfile_part_path(path, sizeof path, C->path, p->batch);
  pc_out out;
  if (!(rc = pc_agree(C->ctx, rc)) && !(rc = pc_out_create(C->ctx, cfg, path, &out))) {
    pc_ledgerfile_write_part(&out, p, r, n, e, ne);
    if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, data);
    rc = pc_out_commit(&out, out.rc);
  }
  free(changed);
  free(mine);
  return rc;
}

/* The ledger's files: its part first (kept in parts), the ledger file last. */
static int write_files(pc_campaign *C, const pc_config *cfg, pc_file data,
                       const pc_ledger_measure *m, size_t nm, const pc_ledger_yield *y, size_t ny) {
  pc_ctx *ctx = C->ctx;
  uint64_t persons = C->L.rows.n;
  PC_CALL(pc_sum_u64(ctx, &persons, 1));
  if (C->mode == PC_CAMPAIGN_ONE && persons >= (uint64_t)C->parts_from) C->mode = PC_CAMPAIGN_BASE;
  if (C->mode != PC_CAMPAIGN_ONE) {
    pc_ledger_part p = {.batch = C->next.batch, .base = C->mode == PC_CAMPAIGN_BASE};
    PC_CALL(write_part(C, cfg, data, &p));
    char rec[200];
    snprintf(rec, sizeof rec, "{\"batch\": %d, \"kept_as\": \"%s\", \"persons\": %llu, "
             "\"events\": %llu}", (int)p.batch, p.base ? "base" : "delta",
             (unsigned long long)p.persons, (unsigned long long)p.events);
    PC_CALL(pc_agree(ctx, pc_record_add(ctx, "ledger_part", rec)));
    pc_log(ctx, "ledger %s: batch %d kept as a %s (%llu persons, %llu events)", C->path, p.batch,
           p.base ? "new base part" : "delta part", (unsigned long long)p.persons,
           (unsigned long long)p.events);
    if (p.base) C->L.parts.n = 0;
    int rc = pc_buf_grow(&C->L.parts, 1);
    if (!rc) ((pc_ledger_part *)C->L.parts.data)[C->L.parts.n++] = p;
    PC_CALL(pc_agree(ctx, rc));
  }
  pc_out out;
  int rc = pc_out_create(ctx, cfg, C->path, &out);
  if (!rc) {
    pc_ledgerfile_write(&out, &C->L, m, nm, y, ny);
    if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, data);
    rc = pc_out_commit(&out, out.rc);
  }
  /* The parts a new base replaced stay until the next batch removes them
   * (pc_ledgerfile_sweep at open): the new files are published only at the
   * run's end (pc_publish.h), and until then the old ledger file lists them. */
  return rc;
}

int pc_campaign_write(pc_campaign *C, const pc_config *cfg, pc_file data) {
  if (!C->path) return 0;
  pc_ctx *ctx = C->ctx;
  pc_ledger_batch *B = &C->next;
  pc_ledger_count(C->L.rows.data, C->L.rows.n, B->batch, B);
  B->raised -= B->new_flagged < B->raised ? B->new_flagged : B->raised;
  /* new_flagged .. active_yellow and rows, raised are this rank's: sum them */
  uint64_t v[9] = {B->rows,      B->new_flagged, B->raised,     B->new_cases,   B->under_control,
                   B->active_red, B->active_yellow, B->rejected, 0};
  PC_CALL(pc_sum_u64(ctx, v, 8));
  B->rows = v[0], B->new_flagged = v[1], B->raised = v[2], B->new_cases = v[3];
  B->under_control = v[4], B->active_red = v[5], B->active_yellow = v[6], B->rejected = v[7];
  int rc = pc_buf_grow(&C->L.batches, 1);
  if (!rc) ((pc_ledger_batch *)C->L.batches.data)[C->L.batches.n++] = *B;
  PC_CALL(pc_agree(ctx, rc));
  pc_ledger_measure *m = NULL;
  pc_ledger_yield *y = NULL;
  size_t nm = 0, ny = 0;
  PC_CALL(pc_campaign_stats(C, B->time, &m, &nm, &y, &ny));
  if (!rc) rc = write_files(C, cfg, data, m, nm, y, ny);
  free(m);
  free(y);
  if (!rc)
    pc_log(ctx, "ledger %s: batch %d written: %llu new, %llu raised, %llu new cases", C->path,
           B->batch, (unsigned long long)B->new_flagged, (unsigned long long)B->raised,
           (unsigned long long)B->new_cases);
  return rc;
}

int pc_campaign_stats(pc_campaign *C, int64_t at, pc_ledger_measure **m, size_t *nm,
                      pc_ledger_yield **y, size_t *ny) {
  return pc_ledger_stats(C->ctx, C->L.rows.data, C->L.rows.n, at, m, nm, y, ny);
}

void pc_campaign_close(pc_campaign *C) {
  if (!C->orig_shared) pc_buf_free(&C->orig);
  C->orig_shared = 0;
  pc_buf_free(&C->touched);
  pc_ledger_data_free(&C->L);
  /* Under the job runner the new ledger is published at the run's end: the
   * claim is held until then (pc_publish_all drops it). */
  if (C->path && pc_rank(C->ctx) == 0 && !pc_publish_deferred()) pc_claim_drop(C->path);
  C->path = NULL;
}
