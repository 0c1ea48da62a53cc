/* job_purge.c - `paicha purge`: destroy the stays and clear identities older than the retention period. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc_budget.h"
#include "pc_schema.h"
#include "pc_h5.h"
#include "pc_index.h"
#include "pc_job.h"
#include "pc_out.h"
#include "pc_pview.h"
#include "pc_time.h"

/*
 * The plan. A dataset's /persons and /stays are both sorted by pid, so rank
 * r takes rows [N r / P, N (r+1) / P) of /persons and the rows of /stays from
 * its first person's pid to the next rank's (binary search; rank 0 from row
 * 0, the last rank to the end, so no stay is left out whatever its pid):
 *
 *   /persons  |-- rank 0 --|-- rank 1 --|-- rank 2 --|-- rank 3 --|
 *   /stays    |--- rank 0 ---|-- rank 1 --|---- rank 2 ----|- r3 -|   cut at the same pids
 *
 *   scan   stream the stays in steps; a stay ending before the cutoff goes,
 *          the others are counted and fingerprinted; walking the persons
 *          alongside (a merge by pid) marks each person with a stay left; a
 *          visitor (flags bit 0) without one goes (one bit per person).
 *   write  exclusive scans of the kept counts give every rank its offsets;
 *          the kept rows of /persons, /identities and /stays are written in
 *          their input order, step by step: the output is the input minus
 *          the removed rows, the same file at any rank count.
 *
 * The stays are read twice (the contiguous /stays must be sized before it is
 * written) and never held whole: memory is one step of stays and persons
 * plus one bit per person of the rank's share.
 */

static const char *const identity_modes[] = {"keep_recent", "all", NULL};

static const pc_key purge_keys[] = {
    {.name = "data", .type = PC_T_PATH, .required = 1,
     .help = "dataset to purge (from synth, ingest or an earlier purge)"},
    {.name = "output", .type = PC_T_PATH, .required = 1,
     .help = "purged dataset to write; may equal `data` (replaced only when the purge is "
             "complete)"},
    {.name = "retention", .type = PC_T_DURATION, .required = 1,
     .help = "how long data is kept: stays that ended before now - retention are destroyed",
     .min = 3600, .max = 3660 * 86400LL},
    {.name = "now", .type = PC_T_TIME,
     .help = "the instant the retention is counted back from (default: the dataset's window_end, "
             "i.e. its as_of - never the wall clock, so a rerun removes the same rows)"},
    {.name = "identities", .type = PC_T_STR, .def = "keep_recent",
     .help = "keep_recent: drop the clear identities of the visitors left without stays; all: "
             "remove /identities (breakdowns still work; trace, screen and dispatch lists no "
             "longer can)",
     .choices = identity_modes},
    PC_KEYS_COMMON,
    {0}};

#define STAY_STEP ((size_t)1 << 18)   /* stays per read: 12 MB */
#define PERSON_STEP ((size_t)1 << 18) /* persons (and identities) per read and write round: 22 MB */

typedef struct purge {
  pc_ctx *ctx;
  const pc_config *cfg;
  const char *data_path, *out_path;
  hid_t data;
  int all_ids;          /* identities: all */
  int have_ids;         /* the input has /identities (an earlier `all` removed it) */
  int keep_ids;         /* the output has /identities: have_ids and not all_ids */
  int64_t now, retention, cutoff, window_start, window_end, new_window_start;
  uint64_t N, NI, NS;   /* rows of /persons, /identities, /stays in the input */
  uint64_t p0, p1;      /* this rank's persons */
  uint64_t s0, s1;      /* this rank's stays */
  int have_stays, have_places, have_rejects;
  pc_raw st;
  uint8_t *drop;        /* one bit per person of [p0, p1): removed */
  /* this rank's counts (summed over ranks before use) */
  uint64_t kept_stays, removed_stays, checksum, kept_persons, removed_visitors, kept_visitors;
} purge;

static int bit_get(const uint8_t *b, uint64_t i) { return b[i >> 3] >> (i & 7) & 1; }
static void bit_set(uint8_t *b, uint64_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* Row of /stays where rank k's share begins (k = P: the end). Local. */
static int stays_cut(purge *P, const pc_table *dp, uint64_t k, uint64_t *row) {
  const uint64_t R = (uint64_t)pc_nranks(P->ctx), q = pc_own_first(P->N, (int)k, pc_nranks(P->ctx));
  if (k == 0) return *row = 0, 0;
  if (k == R || q >= P->N) return *row = P->NS, 0;
  pc_person p;
  PC_CALL(pc_table_read(dp, q, 1, &p));
  return pc_stays_lower_bound(&P->st, p.pid, row);
}

static int exists(hid_t f, const char *name) { return H5Lexists(f, name, H5P_DEFAULT) > 0; }

/* The tables a dataset may hold, and what purge does with each. Anything
 * else is refused: purge cannot know whether an unknown table holds personal
 * data older than the retention, and copying it blindly could keep it. */
static herr_t check_link(hid_t g, const char *name, const H5L_info_t *info, void *arg) {
  (void)g, (void)info;
  static const char *const known[] = {"regions", "persons", "identities", "stays",
                                      "places", "rejects", NULL};
  for (int i = 0; known[i]; i++)
    if (!strcmp(name, known[i])) return 0;
  snprintf((char *)arg, 256, "%s", name);
  return 1;
}

/* Collective: open the dataset, check its tables, find the window and the
 * cutoff, cut this rank's shares. */
static int open_data(purge *P) {
  pc_ctx *ctx = P->ctx;
  PC_CALL(pc_h5_open_read(ctx, P->data_path, &P->data));
  char unknown[256] = "";
  int rc = 0;
  hsize_t idx = 0;
  if (H5Literate(P->data, H5_INDEX_NAME, H5_ITER_INC, &idx, check_link, unknown) != 0)
    rc = PC_ERROR(PC_ERR_DATA,
                  "%s holds /%s, which purge does not know: it will not copy (or drop) a table "
                  "whose content it cannot judge; remove it first",
                  P->data_path, unknown);
  if (!rc) rc = pc_h5_attr_read_i64(P->data, "window_start", &P->window_start);
  if (!rc) rc = pc_h5_attr_read_i64(P->data, "window_end", &P->window_end);
  pc_table dp = {.dset = -1, .mtype = -1}, d;
  if (!rc && !(rc = pc_table_open(P->data, NULL, &pc_schema_persons, &dp))) P->N = dp.nrows;
  P->have_ids = exists(P->data, "identities");
  if (!rc && P->have_ids && !(rc = pc_table_open(P->data, NULL, &pc_schema_identities, &d))) {
    P->NI = d.nrows;
    pc_table_close(&d);
  }
  if (!rc && !(rc = pc_table_open(P->data, NULL, &pc_schema_regions, &d))) pc_table_close(&d);
  /* /identities is aligned row by row with /persons (or absent: destroyed before). */
  if (!rc && P->have_ids && P->NI != P->N)
    rc = PC_ERROR(PC_ERR_DATA, "%s: /identities has %llu rows, /persons %llu (damaged dataset?)",
                  P->data_path, (unsigned long long)P->NI, (unsigned long long)P->N);
  P->have_stays = exists(P->data, "stays");
  P->have_places = exists(P->data, "places");
  P->have_rejects = exists(P->data, "rejects");
  if (!rc && P->have_stays) rc = pc_raw_open(P->data, P->data_path, &pc_schema_stays, &P->st);
  P->NS = P->have_stays ? P->st.nrows : 0;
  PC_CALLG(pc_agree(ctx, rc), out);

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
    s->n = s->hi - s->next < PERSON_STEP ? (size_t)(s->hi - s->next) : PERSON_STEP;
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
static void settle(purge *P, const pc_person *p, uint64_t row, int alive) {
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
static int ps_settle(purge *P, pstream *ps, const pc_person **cur, uint64_t *row, int *alive,
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

/* Local: one pass over this rank's stays and persons (see the plan). */
static int scan(purge *P) {
  pstream ps = {.t = {.dset = -1, .mtype = -1}, .next = P->p0, .hi = P->p1};
  pc_stay *sb = pc_malloc(STAY_STEP * sizeof *sb, "stays step");
  ps.buf = pc_malloc(PERSON_STEP * sizeof *ps.buf, "persons step");
  int rc = sb && ps.buf ? 0 : PC_ERR_MEM;
  if (!rc) rc = pc_table_open(P->data, NULL, &pc_schema_persons, &ps.t);
  const pc_person *cur = NULL;
  uint64_t row = 0, last_stay = 0;
  int alive = 0;
  if (!rc) rc = ps_cur(&ps, &cur, &row);
  for (uint64_t at = P->s0; !rc && at < P->s1;) {
    size_t n = P->s1 - at < STAY_STEP ? (size_t)(P->s1 - at) : STAY_STEP;
    if ((rc = pc_raw_read(&P->st, at, n, sb))) break;
    for (size_t i = 0; i < n && !rc; i++) {
      const pc_stay *s = &sb[i];
      if (at + i > P->s0 && s->pid < last_stay) {
        rc = PC_ERROR(PC_ERR_DATA, "%s: /stays is not sorted by pid at row %llu (damaged dataset?)",
                      P->data_path, (unsigned long long)(at + i));
        break;
      }
      last_stay = s->pid;
      if (s->end < P->cutoff) {
        P->removed_stays++;
        continue;
      }
      P->kept_stays++;
      P->checksum += pc_stay_fingerprint(s);
      /* Settle the persons before this pid; mark the one with it. */
      rc = ps_settle(P, &ps, &cur, &row, &alive, s->pid, 0);
      if (!rc && cur && cur->pid == s->pid) alive = 1;
    }
    at += n;
    pc_progress(P->ctx, at - P->s0, P->s1 - P->s0);
  }
  if (!rc) rc = ps_settle(P, &ps, &cur, &row, &alive, 0, 1); /* those after the last stay */
  pc_table_close(&ps.t);
  free(ps.buf);
  free(sb);
  return rc;
}

/* Local: the description of the input's table `name` (malloc'd), NULL when
 * it has none; a failure to read it is recorded in *rc. */
static char *input_description(purge *P, const char *name, int *rc) {
  hid_t d = -1;
  char *desc = NULL;
  if (*rc || (*rc = pc_h5_dset_open(P->data, name, &d, NULL))) return NULL;
  if (H5Aexists(d, "description") > 0) *rc = pc_h5_attr_read_str(d, "description", &desc);
  H5Dclose(d);
  return desc;
}

/* Collective: /persons and (keep_recent) /identities without the dropped
 * rows, in rounds of PERSON_STEP input rows, each rank at its offset. With
 * `identities: all` no clear identity is read at all: none is ever in memory. */
static int write_persons(purge *P, pc_out *out, uint64_t nkept_total) {
  pc_ctx *ctx = P->ctx;
  const int with_ids = P->keep_ids;
  uint64_t at = 0;
  PC_CALL(pc_exscan_u64(ctx, P->kept_persons, &at));
  pc_table ip = {.dset = -1, .mtype = -1}, ii = ip;
  hid_t op = -1, oi = -1;
  pc_person *pb = pc_malloc(PERSON_STEP * sizeof *pb, "persons step");
  pc_identity *ib = with_ids ? pc_malloc(PERSON_STEP * sizeof *ib, "identities step") : NULL;
  int rc = pb && (ib || !with_ids) ? 0 : PC_ERR_MEM;
  char *pdesc = input_description(P, "persons", &rc);
  char *idesc = with_ids ? input_description(P, "identities", &rc) : NULL;
  if (!rc) rc = pc_table_open(P->data, NULL, &pc_schema_persons, &ip);
  if (!rc && with_ids) rc = pc_table_open(P->data, NULL, &pc_schema_identities, &ii);
  PC_CALLG(pc_agree(ctx, rc), done);
  PC_CALLG(pc_out_dset(out, "persons", pc_schema_type(&pc_schema_persons), nkept_total, PC_OUT_CHUNKED, pdesc,
                       &op),
           done);
  if (with_ids)
    PC_CALLG(pc_out_dset(out, "identities", pc_schema_type(&pc_schema_identities), nkept_total, PC_OUT_CHUNKED,
                         idesc, &oi),
             done);
  const uint64_t np = P->p1 - P->p0;
  uint64_t rounds = (np + PERSON_STEP - 1) / PERSON_STEP, written = 0;
  PC_CALLG(pc_max_u64(ctx, &rounds, 1), done);
  for (uint64_t k = 0; k < rounds; k++) {
    uint64_t lo = k * PERSON_STEP < np ? k * PERSON_STEP : np;
    size_t n = np - lo < PERSON_STEP ? (size_t)(np - lo) : PERSON_STEP, m = 0;
    rc = pc_table_read(&ip, P->p0 + lo, n, pb);
    if (!rc && with_ids) rc = pc_table_read(&ii, P->p0 + lo, n, ib);
    for (size_t i = 0; i < n && !rc; i++) {
      if (with_ids && ib[i].pid != pb[i].pid) {
        rc = PC_ERROR(PC_ERR_DATA, "%s: /identities row %llu is not the person of /persons row %llu",
                      P->data_path, (unsigned long long)(P->p0 + lo + i),
                      (unsigned long long)(P->p0 + lo + i));
        break;
      }
      if (bit_get(P->drop, lo + i)) continue;
      pb[m] = pb[i];
      if (with_ids) ib[m] = ib[i];
      m++;
    }
    PC_CALLG(pc_agree(ctx, rc), done);
    PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, op, pc_schema_type(&pc_schema_persons), at + written, m, pb)), done);
    if (with_ids)
      PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, oi, pc_schema_type(&pc_schema_identities), at + written, m, ib)),
               done);
    written += m;
  }
  /* The clear identities held in memory are wiped before they are freed. */
  if (ib) memset(ib, 0, PERSON_STEP * sizeof *ib);
  rc = written == P->kept_persons
           ? 0
           : PC_ERROR(PC_ERR_DATA, "wrote %llu persons, counted %llu (the input changed?)",
                      (unsigned long long)written, (unsigned long long)P->kept_persons);
  PC_CALLG(pc_agree(ctx, rc), done);
done:
  free(pdesc);
  free(idesc);
  pc_table_close(&ip);
  pc_table_close(&ii);
  if (op >= 0) H5Dclose(op);
  if (oi >= 0) H5Dclose(oi);
  free(pb);
  free(ib);
  return rc;
}

/* Collective: /stays without the removed rows, contiguous and uncompressed
 * as synth and ingest write it (trace reads it with pread). */
static int write_stays(purge *P, pc_out *out, uint64_t total) {
  pc_ctx *ctx = P->ctx;
  uint64_t at = 0, written = 0, checksum = 0;
  PC_CALL(pc_exscan_u64(ctx, P->kept_stays, &at));
  pc_stay *sb = pc_malloc(STAY_STEP * sizeof *sb, "stays step");
  PC_CALL(pc_agree(ctx, sb ? 0 : PC_ERR_MEM));
  hid_t d = -1;
  int rc = 0;
  char *desc = input_description(P, "stays", &rc);
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_out_dset(out, "stays", pc_schema_type(&pc_schema_stays), total, PC_OUT_CONTIGUOUS, desc, &d);
  free(desc);
  const uint64_t ns = P->s1 - P->s0;
  uint64_t rounds = (ns + STAY_STEP - 1) / STAY_STEP;
  if (!rc) rc = pc_max_u64(ctx, &rounds, 1);
  for (uint64_t k = 0; k < rounds && !rc; k++) {
    uint64_t lo = k * STAY_STEP < ns ? k * STAY_STEP : ns;
    size_t n = ns - lo < STAY_STEP ? (size_t)(ns - lo) : STAY_STEP, m = 0;
    rc = pc_raw_read(&P->st, P->s0 + lo, n, sb);
    for (size_t i = 0; i < n && !rc; i++)
      if (sb[i].end >= P->cutoff) {
        checksum += pc_stay_fingerprint(&sb[i]);
        sb[m++] = sb[i];
      }
    if (!(rc = pc_agree(ctx, rc)))
      rc = pc_agree(ctx, pc_h5_dset_write(ctx, d, pc_schema_type(&pc_schema_stays), at + written, m, sb));
    written += m;
    pc_progress(ctx, lo + n, ns);
  }
  free(sb);
  if (!rc && (written != P->kept_stays || checksum != P->checksum))
    rc = PC_ERROR(PC_ERR_DATA, "%s: the stays read twice differ (changed during the purge?)",
                  P->data_path);
  rc = pc_agree(ctx, rc);
  if (d >= 0) H5Dclose(d);
  return rc;
}

/* Collective: copy a table that purge does not change (/regions, /places),
 * each rank its slice; compressed like the input's. */
static int copy_table(purge *P, pc_out *out, const pc_schema *s) {
  pc_ctx *ctx = P->ctx;
  const char *name = s->name;
  const hid_t type = pc_schema_type(s);
  pc_table in;
  PC_CALL(pc_agree(ctx, pc_table_open(P->data, NULL, s, &in)));
  uint64_t n = in.nrows, a, b;
  pc_own_range(n, pc_rank(ctx), pc_nranks(ctx), &a, &b);
  size_t rs = s->rowsize;
  void *buf = pc_malloc((size_t)(b - a) * rs + 1, name);
  int rc = buf ? 0 : PC_ERR_MEM;
  if (!rc) rc = pc_table_read(&in, a, (size_t)(b - a), buf);
  char *desc = input_description(P, name, &rc);
  if (!(rc = pc_agree(ctx, rc))) rc = pc_out_table(out, name, type, buf, (size_t)(b - a), desc);
  free(desc);
  free(buf);
  pc_table_close(&in);
  return rc;
}

/* Root attributes of the input that purge rewrites or that belong to the run
 * that made the input (the stamp writes this run's). */
static const char *const recomputed[] = {
    "tool", "tool_version", "job", "config", "ranks", "run_time", "slurm_job_id",
    "slurm_nodelist", "window_start", "persons", "visitors", "stays", "stays_checksum",
    "purged_before", "purged_before_local", "purged_at", "purge_log", "source_config", NULL};

typedef struct attr_copy {
  hid_t out;
  int rc;
} attr_copy;

/* Copy one root attribute as it is (fixed-size types: every attribute this
 * project writes). Every rank makes the same calls. */
static herr_t copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *arg) {
  (void)info;
  attr_copy *c = arg;
  for (int i = 0; recomputed[i]; i++)
    if (!strcmp(name, recomputed[i])) return 0;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Aget_type(a), s = H5Aget_space(a);
  hssize_t np = H5Sget_simple_extent_npoints(s);
  if (H5Tis_variable_str(t) > 0 || H5Tdetect_class(t, H5T_VLEN) > 0) {
    c->rc = PC_ERROR(PC_ERR_DATA, "attribute %s has a variable-length type this version does not copy",
                     name);
  } else {
    void *buf = pc_malloc(H5Tget_size(t) * (size_t)(np > 0 ? np : 1), "attribute");
    hid_t o = -1;
    if (!buf) c->rc = PC_ERR_MEM;
    else if (H5Aread(a, t, buf) < 0)
      c->rc = PC_ERROR(PC_ERR_IO, "cannot read attribute %s", name);
    else if ((o = H5Acreate2(c->out, name, t, s, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
             H5Awrite(o, t, buf) < 0)
      c->rc = PC_ERROR(PC_ERR_IO, "cannot write attribute %s", name);
    if (o >= 0) H5Aclose(o);
    free(buf);
  }
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return c->rc ? -1 : 0;
}

/* JSON of this purge: what went, from which rule (counts only, never a row). */
static json_object *purge_json(const purge *P, const uint64_t *g, int64_t purged_at) {
  char a[24], b[24], c[24], r[24];
  time_t tt = (time_t)purged_at;
  struct tm tmv;
  gmtime_r(&tt, &tmv);
  char ts[32];
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  json_object *j = json_object_new_object();
  if (!j) return NULL;
  int rc = pc_json_add_str(j, "purged_at", ts);
  if (!rc) rc = pc_json_add_str(j, "now", pc_time_format(P->now, a));
  if (!rc) rc = pc_json_add_str(j, "retention", pc_duration_format(P->retention, r));
  if (!rc) rc = pc_json_add_str(j, "purged_before", pc_time_format(P->cutoff, b));
  if (!rc) rc = pc_json_add_str(j, "window_start", pc_time_format(P->new_window_start, c));
  if (!rc) rc = pc_json_add_str(j, "identities", P->all_ids ? "all" : "keep_recent");
  static const char *const keys[] = {"stays_removed",      "stays_kept",      "visitors_removed",
                                     "persons_kept",       "identities_removed",
                                     "identities_kept",    "rejects_removed"};
  static const int at[] = {1, 0, 4, 3, 6, 7, 8};
  for (int k = 0; k < 7 && !rc; k++) rc = pc_json_add_u64(j, keys[k], g[at[k]]);
  if (rc) {
    json_object_put(j);
    return NULL;
  }
  return j;
}

/* Collective: the root attributes: the input's, this run's stamp, the
 * recomputed counts and checksum (as synth and ingest define them), and the
 * purge's record. */
static int write_attrs(purge *P, pc_out *o, const uint64_t *g, int64_t purged_at,
                       json_object *entry) {
  hid_t out = o->file;
  attr_copy c = {out, 0};
  hsize_t idx = 0;
  if (H5Aiterate2(P->data, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_attr, &c) < 0 && !c.rc)
    c.rc = PC_ERROR(PC_ERR_IO, "cannot copy the attributes of %s", P->data_path);
  PC_CALL(c.rc);
  char *src = NULL, *log = NULL;
  int rc = 0;
  /* How the data was made: the first job's config, kept through every purge. */
  if (!rc && H5Aexists(P->data, "source_config") > 0)
    rc = pc_h5_attr_read_str(P->data, "source_config", &src);
  else if (!rc && H5Aexists(P->data, "config") > 0)
    rc = pc_h5_attr_read_str(P->data, "config", &src);
  if (!rc && src) rc = pc_h5_attr_str(out, "source_config", src);
  char t[24];
  if (!rc) rc = pc_h5_attr_i64(out, "window_start", P->new_window_start);
  if (!rc) rc = pc_h5_attr_u64(out, "persons", g[3]);
  if (!rc) rc = pc_h5_attr_u64(out, "visitors", g[5]);
  if (!rc && P->have_stays) rc = pc_h5_attr_u64(out, "stays", g[0]);
  if (!rc && P->have_stays) rc = pc_h5_attr_u64(out, "stays_checksum", g[2]);
  /* Data before purged_before is gone: an earlier purge may have gone further. */
  int64_t before = P->cutoff, old = 0;
  if (!rc && H5Aexists(P->data, "purged_before") > 0 &&
      !(rc = pc_h5_attr_read_i64(P->data, "purged_before", &old)) && old > before)
    before = old;
  if (!rc) rc = pc_h5_attr_i64(out, "purged_before", before);
  if (!rc) rc = pc_h5_attr_str(out, "purged_before_local", pc_time_format(before, t));
  if (!rc) rc = pc_h5_attr_i64(out, "purged_at", purged_at);
  /* When the clear identities were destroyed (kept by later purges). */
  if (!rc && P->all_ids && P->have_ids) rc = pc_h5_attr_i64(out, "identities_purged_at", purged_at);
  /* One entry per purge, oldest first. */
  if (!rc && H5Aexists(P->data, "purge_log") > 0) rc = pc_h5_attr_read_str(P->data, "purge_log", &log);
  json_object *all = log ? json_tokener_parse(log) : NULL;
  if (!json_object_is_type(all, json_type_array)) { /* none yet (or unreadable): start one */
    json_object_put(all);
    all = json_object_new_array();
  }
  if (!rc && (!all || json_object_array_add(all, json_object_get(entry))))
    rc = PC_ERROR(PC_ERR_MEM, "out of memory for the purge log");
  if (!rc) {
    char *nl = pc_json_text(all);
    rc = nl ? pc_h5_attr_str(out, "purge_log", nl) : PC_ERR_MEM;
    free(nl);
  }
  json_object_put(all);
  free(src);
  free(log);
  return rc;
}

static int run(purge *P) {
  pc_ctx *ctx = P->ctx;
  pc_job_record_for(ctx, P->out_path);
  PC_CALL(pc_phase_begin(ctx, "open"));
  PC_CALL(open_data(P));
  /* No costs are measured for purge yet (bench/rates.yaml): a no-op until they are;
   * its memory is bounded anyway (a step of stays and persons, a bit per person). */
  PC_CALL(pc_budget_check(ctx, P->cfg, "purge", (double)P->N, (double)P->NS));
  {
    char a[24], b[24], c[24];
    pc_log(ctx, "purge: %s: %llu persons, %llu stays; destroying stays that ended before %s = "
                "now %s%s - retention %s",
           P->data_path, (unsigned long long)P->N, (unsigned long long)P->NS,
           pc_time_format(P->cutoff, a), pc_time_format(P->now, b),
           pc_config_given(P->cfg, "now") ? "" : " (the dataset's window_end)",
           pc_duration_format(P->retention, c));
    if (P->cutoff > P->window_end)
      pc_log(ctx, "purge: the cutoff is after the data window's end: every stay goes");
    else if (P->cutoff <= P->window_start)
      pc_log(ctx, "purge: the cutoff is not after the window's start: no stay is old enough");
  }
  pc_phase_end(ctx, P->p1 - P->p0, 0);

  PC_CALL(pc_phase_begin(ctx, "scan"));
  PC_CALL(pc_agree(ctx, scan(P)));
  pc_phase_end(ctx, P->s1 - P->s0, (P->s1 - P->s0) * sizeof(pc_stay));
  /* g: kept stays, removed stays, checksum, kept persons, removed visitors,
   * kept visitors, removed identities, kept identities, removed rejects */
  uint64_t g[9] = {P->kept_stays, P->removed_stays, P->checksum, P->kept_persons,
                   P->removed_visitors, P->kept_visitors, 0, 0, 0};
  PC_CALL(pc_sum_u64(ctx, g, 6));
  g[7] = P->keep_ids ? g[3] : 0;
  g[6] = P->NI - g[7];
  if (P->have_rejects) {
    pc_table d;
    PC_CALL(pc_agree(ctx, pc_table_open(P->data, NULL, &pc_schema_rejects, &d)));
    g[8] = d.nrows;
    pc_table_close(&d);
  }
  int64_t purged_at = 0;
  {
    uint64_t t = pc_rank(ctx) == 0 ? (uint64_t)time(NULL) : 0; /* rank 0's clock for all */
    PC_CALL(pc_max_u64(ctx, &t, 1));
    purged_at = (int64_t)t;
  }
  json_object *entry = purge_json(P, g, purged_at);
  PC_CALL(pc_agree(ctx, entry ? 0 : PC_ERROR(PC_ERR_MEM, "out of memory for the purge log")));

  PC_CALL(pc_phase_begin(ctx, "write"));
  pc_out out;
  int rc = pc_out_create(ctx, P->cfg, P->out_path, &out);
  if (!rc) rc = copy_table(P, &out, &pc_schema_regions);
  if (!rc && !(rc = pc_phase_begin(ctx, "persons"))) {
    rc = write_persons(P, &out, g[3]);
    pc_phase_end(ctx, P->p1 - P->p0,
                 P->kept_persons * (sizeof(pc_person) + (P->keep_ids ? sizeof(pc_identity) : 0)));
  }
  if (!rc && P->have_stays && !(rc = pc_phase_begin(ctx, "stays"))) {
    rc = write_stays(P, &out, g[0]);
    pc_phase_end(ctx, P->s1 - P->s0, P->kept_stays * sizeof(pc_stay));
  }
  if (!rc && P->have_places) rc = copy_table(P, &out, &pc_schema_places);
  if (!rc) rc = pc_agree(ctx, write_attrs(P, &out, g, purged_at, entry));
  if (!rc) pc_out_record(&out, "purge", json_object_get(entry));
  json_object_put(entry);
  rc = pc_out_commit(&out, rc);
  pc_phase_end(ctx, P->kept_stays + P->kept_persons, 0);
  if (rc) return rc;
  pc_log(ctx, "purge: stays: %llu destroyed, %llu kept (a stay ending at or after the cutoff is "
              "kept whole)",
         (unsigned long long)g[1], (unsigned long long)g[0]);
  pc_log(ctx, "purge: persons: %llu visitors without a stay left removed, %llu kept",
         (unsigned long long)g[4], (unsigned long long)g[3]);
  pc_log(ctx, "purge: clear identities: %llu destroyed, %llu kept (identities: %s%s)%s",
         (unsigned long long)g[6], (unsigned long long)g[7], P->all_ids ? "all" : "keep_recent",
         P->keep_ids ? "" : ", no /identities", g[8] ? "; /rejects (raw lines) destroyed" : "");
  pc_log(ctx, "purge: wrote %s; indexes and outputs made from %s before hold the old data: "
              "delete them (paicha refuses them against the purged dataset)",
         P->out_path, P->data_path);
  return 0;
}

static int run_purge(pc_ctx *ctx, const pc_config *cfg) {
  purge *P = pc_calloc(1, sizeof *P, "purge");
  PC_CALL(pc_agree(ctx, P ? 0 : PC_ERR_MEM));
  P->ctx = ctx;
  P->cfg = cfg;
  P->data = -1;
  P->st.fd = -1;
  P->data_path = pc_config_str(cfg, "data");
  P->out_path = pc_config_str(cfg, "output");
  int rc = run(P);
  pc_raw_close(&P->st);
  if (P->data >= 0) H5Fclose(P->data);
  free(P->drop);
  free(P);
  return rc;
}

const pc_jobdef pc_job_purge = {
    "purge", "destroy the stays and clear identities older than the retention period",
    "Writes the dataset without the stays that ended before the cutoff = now - retention\n"
    "(a stay still running at the cutoff, or ending on it, is kept whole: data within the\n"
    "retention is not cut), without the visitors (persons flags bit 0) left with no stay,\n"
    "and without their clear identities. Registered persons stay in /persons (the registry\n"
    "is not trajectory data); /regions and /places are copied; /rejects (ingest's raw\n"
    "lines) is destroyed. `identities: all` destroys every clear identity: /identities is\n"
    "removed, so breakdown still runs on the pseudonymous dataset while trace, screen and\n"
    "index (and so dispatch lists) refuse it. `now` defaults to the dataset's window_end\n"
    "(its as_of), never the wall clock, so a rerun removes exactly the same rows.\n"
    "window_start becomes max(window_start, cutoff); persons, visitors, stays and\n"
    "stays_checksum are recomputed as synth and ingest define them, so an index, trace or\n"
    "screen output made before the purge is refused against the purged dataset. Root\n"
    "attributes purged_before (the cutoff), purged_at (when, UTC seconds) and purge_log\n"
    "(one JSON entry per purge, counts only) record it. `output` may equal `data`: the file\n"
    "is replaced only when every rank finished. Copies elsewhere (indexes, outputs, CSV\n"
    "files, backups, the file system's freed blocks) are not touched: delete them.",
    purge_keys, run_purge, NULL};
