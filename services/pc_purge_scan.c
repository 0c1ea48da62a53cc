/* pc_purge_scan.c - purge's reading side: the dataset opened and cut, the stays and persons scanned, the totals. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc_index.h"
#include "pc_part.h"
#include "pc_purge.h"
#include "pc_purgefile.h"
#include "pc_pview.h"
#include "pc_time.h"

void pc_purge_init(pc_purge *P, pc_ctx *ctx, const pc_config *cfg) {
  memset(P, 0, sizeof *P);
  P->ctx = ctx;
  P->cfg = cfg;
  P->data = -1;
  P->st.fd = -1;
  P->data_path = pc_config_str(cfg, "data");
  P->out_path = pc_config_str(cfg, "output");
}

static void bit_set(uint8_t *b, uint64_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* Row of /stays where rank k's share begins (k = P: the end). Local. */
static int stays_cut(pc_purge *P, const pc_table *dp, uint64_t k, uint64_t *row) {
  const uint64_t R = (uint64_t)pc_nranks(P->ctx), q = pc_own_first(P->N, (int)k, pc_nranks(P->ctx));
  if (k == 0) return *row = 0, 0;
  if (k == R || q >= P->N) return *row = P->NS, 0;
  pc_person p;
  PC_CALL(pc_table_read(dp, q, 1, &p));
  return pc_stays_lower_bound(&P->st, p.pid, row);
}

/* The tables a dataset may hold, and what purge does with each. Anything
 * else is refused: purge cannot know whether an unknown table holds personal
 * data older than the retention, and copying it blindly could keep it. */
static const char *const known_tables[] = {"regions", "persons", "identities", "stays",
                                           "stay_buckets", "places", "rejects", NULL};

/* Local: the tables, the window, the row counts; dp left open on /persons. */
static int read_tables(pc_purge *P, pc_table *dp) {
  char unknown[256] = "";
  int rc = 0;
  if (pc_purgefile_unknown(P->data, known_tables, unknown))
    rc = PC_ERROR(PC_ERR_DATA,
                  "%s holds /%s, which purge does not know: it will not copy (or drop) a table "
                  "whose content it cannot judge; remove it first",
                  P->data_path, unknown);
  if (!rc) rc = pc_purgefile_read_i64(P->data, "window_start", &P->window_start);
  if (!rc) rc = pc_purgefile_read_i64(P->data, "window_end", &P->window_end);
  pc_table d;
  if (!rc && !(rc = pc_table_open(P->data, NULL, &pc_schema_persons, dp))) P->N = dp->nrows;
  P->have_ids = pc_purgefile_has(P->data, "identities");
  if (!rc && P->have_ids && !(rc = pc_table_open(P->data, NULL, &pc_schema_identities, &d))) {
    P->NI = d.nrows;
    pc_table_close(&d);
  }
  if (!rc && !(rc = pc_table_open(P->data, NULL, &pc_schema_regions, &d))) pc_table_close(&d);
  /* /identities is aligned row by row with /persons (or absent: destroyed before). */
  if (!rc && P->have_ids && P->NI != P->N)
    rc = PC_ERROR(PC_ERR_DATA, "%s: /identities has %llu rows, /persons %llu (damaged dataset?)",
                  P->data_path, (unsigned long long)P->NI, (unsigned long long)P->N);
  P->have_stays = pc_purgefile_has(P->data, "stays");
  P->have_places = pc_purgefile_has(P->data, "places");
  P->have_rejects = pc_purgefile_has(P->data, "rejects");
  if (!rc && P->have_stays) rc = pc_raw_open(P->data, P->data_path, &pc_schema_stays, &P->st);
  P->NS = P->have_stays ? P->st.nrows : 0;
  return rc;
}

/* Local, never fails: the cutoff and the new window from the config. */
static void set_cutoff(pc_purge *P) {
  const pc_config *cfg = P->cfg;
  P->retention = pc_config_duration(cfg, "retention");
  P->now = pc_config_given(cfg, "now") ? pc_config_time(cfg, "now") : P->window_end;
  P->cutoff = P->now - P->retention;
  /* The window starts where the data now starts, never before its old start
   * and never after its end (a cutoff past the end leaves an empty window). */
  P->new_window_start = P->cutoff > P->window_start ? P->cutoff : P->window_start;
  if (P->new_window_start > P->window_end) P->new_window_start = P->window_end;
  P->all_ids = !strcmp(pc_config_str(cfg, "identities"), "all");
  P->keep_ids = P->have_ids && !P->all_ids;
}

int pc_purge_open(pc_purge *P) {
  pc_ctx *ctx = P->ctx;
  PC_CALL(pc_purgefile_open(ctx, P->data_path, &P->data));
  pc_table dp = {.dset = -1, .mtype = -1};
  int rc = read_tables(P, &dp);
  PC_CALLG(pc_agree(ctx, rc), out);
  set_cutoff(P);
  const uint64_t r = (uint64_t)pc_rank(ctx);
  pc_own_range(P->N, pc_rank(ctx), pc_nranks(ctx), &P->p0, &P->p1);
  P->drop = pc_calloc((size_t)((P->p1 - P->p0) / 8 + 1), 1, "person bits");
  rc = P->drop ? 0 : PC_ERR_MEM;
  if (!rc && P->have_stays) rc = stays_cut(P, &dp, r, &P->s0);
  if (!rc && P->have_stays) rc = stays_cut(P, &dp, r + 1, &P->s1);
  if (!rc && P->s1 < P->s0) P->s1 = P->s0;
out:
  pc_table_close(&dp);
  return pc_agree(ctx, rc);
}

void pc_purge_log_plan(const pc_purge *P) {
  char a[PC_TIME_HUMAN], b[PC_TIME_HUMAN], c[24];
  pc_log(P->ctx, "purge: %s: %llu %s, %llu %s; destroying stays that ended before %s = "
                 "now %s%s - retention %s",
         P->data_path, (unsigned long long)P->N, pc_plural(P->N, "person", "persons"),
         (unsigned long long)P->NS, pc_plural(P->NS, "stay", "stays"),
         pc_time_human(P->cutoff, a), pc_time_human(P->now, b),
         pc_config_given(P->cfg, "now") ? "" : " (the dataset's window_end)",
         pc_duration_format(P->retention, c));
  if (P->cutoff > P->window_end)
    pc_warn(P->ctx, "purge: the cutoff is after the data window's end: every stay goes");
  else if (P->cutoff <= P->window_start)
    pc_warn(P->ctx, "purge: the cutoff is not after the window's start: no stay is old enough");
}

/* This rank's persons [p0, p1), read in steps, one at a time. */
typedef struct pstream {
  pc_table t;
  pc_person *buf;
  size_t n, i;
  uint64_t next, hi, base; /* next row to read, end, row of buf[0] */
  uint64_t last;           /* pid of the last person settled (when seen) */
  int seen;
} pstream;

/* The current person, or NULL at the end; *row its input row. Local. */
static int ps_cur(pstream *s, const pc_person **p, uint64_t *row) {
  if (s->i == s->n) {
    *p = NULL;
    if (s->next == s->hi) return 0;
    s->n = s->hi - s->next < PC_PURGE_PERSON_STEP ? (size_t)(s->hi - s->next) : PC_PURGE_PERSON_STEP;
    PC_CALL(pc_table_read(&s->t, s->next, s->n, s->buf));
    s->base = s->next;
    s->next += s->n;
    s->i = 0;
  }
  *p = &s->buf[s->i];
  *row = s->base + s->i;
  return 0;
}

/* A person is settled once the stays have passed their pid: a visitor
 * without a stay left is dropped. */
static void settle(pc_purge *P, const pc_person *p, uint64_t row, int alive) {
  if ((p->flags & PC_PERSON_VISITOR) && !alive) {
    bit_set(P->drop, row - P->p0);
    P->removed_visitors++;
    return;
  }
  P->kept_persons++;
  P->kept_visitors += (p->flags & PC_PERSON_VISITOR) != 0;
}

/* Settle the current person and the next ones while their pid is below
 * `pid` (all that are left with `all`), checking /persons' order; *alive
 * (a kept stay of the current person was seen) applies to the first. Local. */
static int ps_settle(pc_purge *P, pstream *ps, const pc_person **cur, uint64_t *row, int *alive,
                     uint64_t pid, int all) {
  int rc = 0;
  while (!rc && *cur && (all || (*cur)->pid < pid)) {
    if (ps->seen && (*cur)->pid <= ps->last)
      return PC_ERROR(PC_ERR_DATA, "%s: /persons is not sorted by pid at row %llu", P->data_path,
                      (unsigned long long)*row);
    ps->last = (*cur)->pid, ps->seen = 1;
    settle(P, *cur, *row, *alive);
    *alive = 0;
    ps->i++;
    rc = ps_cur(ps, cur, row);
  }
  return rc;
}

/* One step of stays sb[0, n) at row `at`: counted, the persons before each
 * kept stay's pid settled. *last_stay the pid of the stay before. Local. */
static int scan_step(pc_purge *P, pstream *ps, const pc_stay *sb, size_t n, uint64_t at,
                     uint64_t *last_stay, const pc_person **cur, uint64_t *row, int *alive) {
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const pc_stay *s = &sb[i];
    if (at + i > P->s0 && s->pid < *last_stay)
      return PC_ERROR(PC_ERR_DATA, "%s: /stays is not sorted by pid at row %llu (damaged dataset?)",
                      P->data_path, (unsigned long long)(at + i));
    *last_stay = s->pid;
    P->read_checksum += pc_stay_fingerprint(s);
    if (s->end < P->cutoff) {
      P->removed_stays++;
      continue;
    }
    P->kept_stays++;
    P->checksum += pc_stay_fingerprint(s);
    /* Settle the persons before this pid; mark the one with it. */
    rc = ps_settle(P, ps, cur, row, alive, s->pid, 0);
    if (!rc && *cur && (*cur)->pid == s->pid) *alive = 1;
  }
  return rc;
}

int pc_purge_scan(pc_purge *P) {
  pstream ps = {.t = {.dset = -1, .mtype = -1}, .next = P->p0, .hi = P->p1};
  pc_stay *sb = pc_malloc(PC_PURGE_STAY_STEP * sizeof *sb, "stays step");
  ps.buf = pc_malloc(PC_PURGE_PERSON_STEP * sizeof *ps.buf, "persons step");
  int rc = sb && ps.buf ? 0 : PC_ERR_MEM;
  if (!rc) rc = pc_table_open(P->data, NULL, &pc_schema_persons, &ps.t);
  const pc_person *cur = NULL;
  uint64_t row = 0, last_stay = 0;
  int alive = 0;
  if (!rc) rc = ps_cur(&ps, &cur, &row);
  for (uint64_t at = P->s0; !rc && at < P->s1;) {
    size_t n = P->s1 - at < PC_PURGE_STAY_STEP ? (size_t)(P->s1 - at) : PC_PURGE_STAY_STEP;
    if ((rc = pc_raw_read(&P->st, at, n, sb))) break;
    rc = scan_step(P, &ps, sb, n, at, &last_stay, &cur, &row, &alive);
    at += n;
    pc_progress(P->ctx, at - P->s0, P->s1 - P->s0);
  }
  if (!rc) rc = ps_settle(P, &ps, &cur, &row, &alive, 0, 1); /* those after the last stay */
  pc_table_close(&ps.t);
  free(ps.buf);
  free(sb);
  /* Every stay was read once: damaged bytes anywhere in /stays stop the purge before
   * it writes a dataset of wrong rows (index and screen check the same sum). */
  uint64_t sum = P->read_checksum;
  rc = pc_agree(P->ctx, rc);
  if (!rc && P->have_stays) rc = pc_sum_u64(P->ctx, &sum, 1);
  if (!rc && P->have_stays) rc = pc_agree(P->ctx, pc_stays_verify(P->data, P->data_path, sum));
  return rc;
}
