/* pc_purge_write.c - purge's writing side: the totals, the kept rows of persons, identities and stays, the attributes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc_part.h"
#include "pc_purge.h"
#include "pc_purgefile.h"
#include "pc_stay_buckets.h"
#include "pc_time.h"

static int bit_get(const uint8_t *b, uint64_t i) { return b[i >> 3] >> (i & 7) & 1; }

/* JSON of this purge: what went, from which rule (counts only, never a row). */
static json_object *purge_json(const pc_purge *P) {
  char a[24], b[24], c[24], r[24];
  time_t tt = (time_t)P->purged_at;
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
  if (!rc) rc = pc_json_add_str(j, "pseudonyms", P->all_ids ? "re-keyed, key not kept" : "kept");
  static const char *const keys[] = {"stays_removed",      "stays_kept",      "visitors_removed",
                                     "persons_kept",       "identities_removed",
                                     "identities_kept",    "rejects_removed"};
  static const int at[] = {PC_PURGE_REMOVED_STAYS, PC_PURGE_KEPT_STAYS, PC_PURGE_REMOVED_VISITORS,
                           PC_PURGE_KEPT_PERSONS,  PC_PURGE_REMOVED_IDS, PC_PURGE_KEPT_IDS,
                           PC_PURGE_REMOVED_REJECTS};
  for (int k = 0; k < 7 && !rc; k++) rc = pc_json_add_u64(j, keys[k], P->g[at[k]]);
  if (rc) {
    json_object_put(j);
    return NULL;
  }
  return j;
}

int pc_purge_totals(pc_purge *P) {
  pc_ctx *ctx = P->ctx;
  uint64_t *g = P->g;
  g[PC_PURGE_KEPT_STAYS] = P->kept_stays;
  g[PC_PURGE_REMOVED_STAYS] = P->removed_stays;
  g[PC_PURGE_CHECKSUM] = P->checksum;
  g[PC_PURGE_KEPT_PERSONS] = P->kept_persons;
  g[PC_PURGE_REMOVED_VISITORS] = P->removed_visitors;
  g[PC_PURGE_KEPT_VISITORS] = P->kept_visitors;
  PC_CALL(pc_sum_u64(ctx, g, PC_PURGE_KEPT_VISITORS + 1));
  g[PC_PURGE_KEPT_IDS] = P->keep_ids ? g[PC_PURGE_KEPT_PERSONS] : 0;
  g[PC_PURGE_REMOVED_IDS] = P->NI - g[PC_PURGE_KEPT_IDS];
  g[PC_PURGE_REMOVED_REJECTS] = 0;
  if (P->have_rejects) {
    pc_table d;
    PC_CALL(pc_agree(ctx, pc_table_open(P->data, NULL, &pc_schema_rejects, &d)));
    g[PC_PURGE_REMOVED_REJECTS] = d.nrows;
    pc_table_close(&d);
  }
  uint64_t t = pc_rank(ctx) == 0 ? (uint64_t)time(NULL) : 0; /* rank 0's clock for all */
  PC_CALL(pc_max_u64(ctx, &t, 1));
  P->purged_at = (int64_t)t;
  P->entry = purge_json(P);
  return pc_agree(ctx, P->entry ? 0 : PC_ERROR(PC_ERR_MEM, "out of memory for the purge log"));
}

/* Local: the description of the input's table `name` (malloc'd), NULL when
 * it has none; a failure to read it is recorded in *rc. */
static char *input_description(pc_purge *P, const char *name, int *rc) {
  char *desc = NULL;
  if (!*rc) *rc = pc_purgefile_description(P->data, name, &desc);
  return desc;
}

/* Local: keep the rows of pb (and ib) [0, n) not dropped, from the rank's
 * person lo on, in place; *m how many. PC_ERR_DATA when an identity is not
 * its person's. */
static int keep_persons(const pc_purge *P, uint64_t lo, pc_person *pb, pc_identity *ib, size_t n,
                        size_t *m) {
  *m = 0;
  for (size_t i = 0; i < n; i++) {
    if (ib && ib[i].pid != pb[i].pid)
      return PC_ERROR(PC_ERR_DATA, "%s: /identities row %llu is not the person of /persons row %llu",
                      P->data_path, (unsigned long long)(P->p0 + lo + i),
                      (unsigned long long)(P->p0 + lo + i));
    if (bit_get(P->drop, lo + i)) continue;
    pb[*m] = pb[i];
    if (ib) ib[*m] = ib[i];
    (*m)++;
  }
  return 0;
}

/* The open tables and buffers of write_persons. */
typedef struct person_io {
  pc_table ip, ii;
  pc_file op, oi;
  pc_person *pb;
  pc_identity *ib;
} person_io;

/* Collective, agreed: the inputs opened, the outputs created. */
static int open_persons(pc_purge *P, pc_out *out, person_io *io) {
  const int with_ids = P->keep_ids;
  const uint64_t total = P->g[PC_PURGE_KEPT_PERSONS];
  io->pb = pc_malloc(PC_PURGE_PERSON_STEP * sizeof *io->pb, "persons step");
  io->ib = with_ids ? pc_malloc(PC_PURGE_PERSON_STEP * sizeof *io->ib, "identities step") : NULL;
  int rc = io->pb && (io->ib || !with_ids) ? 0 : PC_ERR_MEM;
  char *pdesc = input_description(P, "persons", &rc);
  char *idesc = with_ids ? input_description(P, "identities", &rc) : NULL;
  if (!rc) rc = pc_table_open(P->data, NULL, &pc_schema_persons, &io->ip);
  if (!rc && with_ids) rc = pc_table_open(P->data, NULL, &pc_schema_identities, &io->ii);
  rc = pc_agree(P->ctx, rc);
  if (!rc)
    rc = pc_out_dset(out, "persons", pc_schema_type(&pc_schema_persons), total, PC_OUT_PLAIN,
                     pdesc, &io->op);
  if (!rc && with_ids)
    rc = pc_out_dset(out, "identities", pc_schema_type(&pc_schema_identities), total,
                     PC_OUT_PLAIN, idesc, &io->oi);
  free(pdesc);
  free(idesc);
  return rc;
}

int pc_purge_write_persons(pc_purge *P, pc_out *out) {
  pc_ctx *ctx = P->ctx;
  const int with_ids = P->keep_ids;
  uint64_t at = 0;
  PC_CALL(pc_exscan_u64(ctx, P->kept_persons, &at));
  person_io io = {.ip = {.dset = -1, .mtype = -1}, .ii = {.dset = -1, .mtype = -1}, .op = -1, .oi = -1};
  int rc;
  PC_CALLG(open_persons(P, out, &io), done);
  const uint64_t np = P->p1 - P->p0;
  uint64_t rounds = (np + PC_PURGE_PERSON_STEP - 1) / PC_PURGE_PERSON_STEP, written = 0;
  PC_CALLG(pc_max_u64(ctx, &rounds, 1), done);
  for (uint64_t k = 0; k < rounds; k++) {
    uint64_t lo = k * PC_PURGE_PERSON_STEP < np ? k * PC_PURGE_PERSON_STEP : np;
    size_t n = np - lo < PC_PURGE_PERSON_STEP ? (size_t)(np - lo) : PC_PURGE_PERSON_STEP, m = 0;
    rc = pc_table_read(&io.ip, P->p0 + lo, n, io.pb);
    if (!rc && with_ids) rc = pc_table_read(&io.ii, P->p0 + lo, n, io.ib);
    if (!rc) rc = keep_persons(P, lo, io.pb, io.ib, n, &m);
    PC_CALLG(pc_agree(ctx, rc), done);
    PC_CALLG(pc_agree(ctx, pc_purgefile_write_rows(ctx, io.op, &pc_schema_persons, at + written, m,
                                                   io.pb)),
             done);
    if (with_ids)
      PC_CALLG(pc_agree(ctx, pc_purgefile_write_rows(ctx, io.oi, &pc_schema_identities,
                                                     at + written, m, io.ib)),
               done);
    written += m;
  }
  /* The clear identities held in memory are wiped before they are freed. */
  if (io.ib) memset(io.ib, 0, PC_PURGE_PERSON_STEP * sizeof *io.ib);
  rc = written == P->kept_persons
           ? 0
           : PC_ERROR(PC_ERR_DATA, "wrote %llu persons, counted %llu (the input changed?)",
                      (unsigned long long)written, (unsigned long long)P->kept_persons);
  PC_CALLG(pc_agree(ctx, rc), done);
done:
  pc_table_close(&io.ip);
  pc_table_close(&io.ii);
  pc_purgefile_close_dset(io.op);
  pc_purgefile_close_dset(io.oi);
  free(io.pb);
  free(io.ib);
  return rc;
}

int pc_purge_write_stays(pc_purge *P, pc_out *out) {
  pc_ctx *ctx = P->ctx;
  uint64_t at = 0, written = 0, checksum = 0;
  PC_CALL(pc_exscan_u64(ctx, P->kept_stays, &at));
  pc_stay_buckets bk;
  PC_CALL(pc_stay_buckets_init(ctx, P->cfg, &bk, P->g[PC_PURGE_KEPT_STAYS]));
  pc_stay *sb = pc_malloc(PC_PURGE_STAY_STEP * sizeof *sb, "stays step");
  pc_file d = -1;
  int rc = pc_agree(ctx, sb ? 0 : PC_ERR_MEM);
  char *desc = rc ? NULL : input_description(P, "stays", &rc);
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_out_dset(out, "stays", pc_schema_type(&pc_schema_stays), P->g[PC_PURGE_KEPT_STAYS],
                     PC_OUT_CONTIGUOUS, desc, &d);
  free(desc);
  const uint64_t ns = P->s1 - P->s0;
  uint64_t rounds = (ns + PC_PURGE_STAY_STEP - 1) / PC_PURGE_STAY_STEP;
  if (!rc) rc = pc_max_u64(ctx, &rounds, 1);
  for (uint64_t k = 0; k < rounds && !rc; k++) {
    uint64_t lo = k * PC_PURGE_STAY_STEP < ns ? k * PC_PURGE_STAY_STEP : ns;
    size_t n = ns - lo < PC_PURGE_STAY_STEP ? (size_t)(ns - lo) : PC_PURGE_STAY_STEP, m = 0;
    rc = pc_raw_read(&P->st, P->s0 + lo, n, sb);
    for (size_t i = 0; i < n && !rc; i++)
      if (sb[i].end >= P->cutoff) sb[m++] = sb[i];
    if (!rc) checksum += pc_stays_fingerprint_sum(sb, m);
    if (!rc) pc_stay_buckets_add(&bk, sb, m);
    if (!(rc = pc_agree(ctx, rc)))
      rc = pc_agree(ctx, pc_purgefile_write_rows(ctx, d, &pc_schema_stays, at + written, m, sb));
    written += m;
    pc_progress(ctx, lo + n, ns);
  }
  free(sb);
  if (!rc && (written != P->kept_stays || checksum != P->checksum))
    rc = PC_ERROR(PC_ERR_DATA, "%s: the stays read twice differ (changed during the purge?)",
                  P->data_path);
  rc = pc_agree(ctx, rc);
  pc_purgefile_close_dset(d);
  if (!rc) rc = pc_stay_buckets_write(ctx, out, &bk, P->g[PC_PURGE_CHECKSUM]);
  pc_stay_buckets_free(&bk);
  return rc;
}

int pc_purge_copy_table(pc_purge *P, pc_out *out, const pc_schema *s) {
  pc_ctx *ctx = P->ctx;
  const char *name = s->name;
  pc_table in;
  PC_CALL(pc_agree(ctx, pc_table_open(P->data, NULL, s, &in)));
  uint64_t n = in.nrows, a, b;
  pc_own_range(n, pc_rank(ctx), pc_nranks(ctx), &a, &b);
  size_t rs = s->rowsize;
  void *buf = pc_malloc((size_t)(b - a) * rs + 1, name);
  int rc = buf ? 0 : PC_ERR_MEM;
  if (!rc) rc = pc_table_read(&in, a, (size_t)(b - a), buf);
  char *desc = input_description(P, name, &rc);
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_out_table(out, name, pc_schema_type(s), buf, (size_t)(b - a), desc);
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
    "stay_buckets_checksum", "purged_before", "purged_before_local", "purged_at", "purge_log",
    "source_config", NULL};

/* Local: purge_log with this purge's entry appended (one per purge, oldest
 * first), as JSON text (malloc'd) into *text. */
static int purge_log(const pc_purge *P, char **text) {
  char *log = NULL;
  *text = NULL;
  int rc = pc_purgefile_read_str(P->data, "purge_log", &log);
  json_object *all = log ? json_tokener_parse(log) : NULL;
  if (!json_object_is_type(all, json_type_array)) { /* none yet (or unreadable): start one */
    json_object_put(all);
    all = json_object_new_array();
  }
  if (!rc && (!all || json_object_array_add(all, json_object_get(P->entry))))
    rc = PC_ERROR(PC_ERR_MEM, "out of memory for the purge log");
  if (!rc) rc = (*text = pc_json_text(all)) ? 0 : PC_ERR_MEM;
  json_object_put(all);
  free(log);
  return rc;
}

/* The same, and the key's fingerprint when the pids were re-keyed. */
static const char *const recomputed_rekeyed[] = {
    "tool", "tool_version", "job", "config", "ranks", "run_time", "slurm_job_id",
    "slurm_nodelist", "window_start", "persons", "visitors", "stays", "stays_checksum",
    "stay_buckets_checksum", "purged_before", "purged_before_local", "purged_at", "purge_log",
    "source_config", "key_fingerprint", NULL};

int pc_purge_write_attrs(pc_purge *P, pc_out *o) {
  const uint64_t *g = P->g;
  PC_CALL(pc_purgefile_copy_attrs(P->data, P->data_path, o->file,
                                  P->all_ids ? recomputed_rekeyed : recomputed));
  /* re-keyed: no key file matches this fingerprint, so the old key is refused */
  if (P->all_ids) PC_CALL(pc_out_attr_u64(o, "key_fingerprint", pc_purge_rekey_fingerprint(P)));
  char *src = NULL, *log = NULL;
  /* How the data was made: the first job's config, kept through every purge. */
  int rc = pc_purgefile_read_str(P->data, "source_config", &src);
  if (!rc && !src) rc = pc_purgefile_read_str(P->data, "config", &src);
  if (!rc && src) rc = pc_out_attr_str(o, "source_config", src);
  char t[24];
  if (!rc) rc = pc_out_attr_i64(o, "window_start", P->new_window_start);
  if (!rc) rc = pc_out_attr_u64(o, "persons", g[PC_PURGE_KEPT_PERSONS]);
  if (!rc) rc = pc_out_attr_u64(o, "visitors", g[PC_PURGE_KEPT_VISITORS]);
  if (!rc && P->have_stays) rc = pc_out_attr_u64(o, "stays", g[PC_PURGE_KEPT_STAYS]);
  if (!rc && P->have_stays) rc = pc_out_attr_u64(o, "stays_checksum", g[PC_PURGE_CHECKSUM]);
  /* Data before purged_before is gone: an earlier purge may have gone further. */
  int64_t before = P->cutoff, old = 0;
  if (!rc && pc_purgefile_has_attr(P->data, "purged_before") &&
      !(rc = pc_purgefile_read_i64(P->data, "purged_before", &old)) && old > before)
    before = old;
  if (!rc) rc = pc_out_attr_i64(o, "purged_before", before);
  if (!rc) rc = pc_out_attr_str(o, "purged_before_local", pc_time_format(before, t));
  if (!rc) rc = pc_out_attr_i64(o, "purged_at", P->purged_at);
  /* When the clear identities were destroyed (kept by later purges). */
  if (!rc && P->all_ids && P->have_ids) rc = pc_out_attr_i64(o, "identities_purged_at", P->purged_at);
  if (!rc) rc = purge_log(P, &log);
  if (!rc) rc = pc_out_attr_str(o, "purge_log", log);
  free(src);
  free(log);
  return rc;
}

void pc_purge_log_done(const pc_purge *P) {
  const uint64_t *g = P->g;
  pc_log(P->ctx, "purge: stays: %llu destroyed, %llu kept (a stay ending at or after the cutoff "
                 "is kept whole)",
         (unsigned long long)g[PC_PURGE_REMOVED_STAYS], (unsigned long long)g[PC_PURGE_KEPT_STAYS]);
  pc_log(P->ctx, "purge: persons: %llu %s without a stay left removed, %llu kept",
         (unsigned long long)g[PC_PURGE_REMOVED_VISITORS],
         pc_plural(g[PC_PURGE_REMOVED_VISITORS], "visitor", "visitors"),
         (unsigned long long)g[PC_PURGE_KEPT_PERSONS]);
  pc_log(P->ctx, "purge: clear identities: %llu destroyed, %llu kept (identities: %s%s)%s",
         (unsigned long long)g[PC_PURGE_REMOVED_IDS], (unsigned long long)g[PC_PURGE_KEPT_IDS],
         P->all_ids ? "all" : "keep_recent", P->keep_ids ? "" : ", no /identities",
         g[PC_PURGE_REMOVED_REJECTS] ? "; /rejects (raw lines) destroyed" : "");
  if (P->all_ids)
    pc_log(P->ctx, "purge: every pid, household and employer id re-keyed through a new key that "
                   "was not kept: the old key no longer links %s to anyone", P->out_path);
  pc_log(P->ctx, "purge: wrote %s; indexes and outputs made from %s before hold the old data: "
                 "delete them (paicha refuses them against the purged dataset)",
         P->out_path, P->data_path);
}

void pc_purge_free(pc_purge *P) {
  pc_raw_close(&P->st);
  pc_purgefile_close(P->data);
  P->data = -1;
  free(P->drop);
  P->drop = NULL;
  json_object_put(P->entry);
  P->entry = NULL;
}
