/* pc_job.c - the common life of a job: config, broadcast, run, agree, report. */
#include "pc_job.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pc_budget.h"
#include "pc_claim.h"
#include "pc_keyfile.h"
#include "pc_paths.h"
#include "pc_publish.h"
#include "pc_textout.h"

const char *const pc_output_modes[] = {"0600", "0640", NULL};
const char *const pc_busy_choices[] = {"refuse", "wait", NULL};
const char *const pc_huge_choices[] = {"auto", "always", "never", NULL};

const pc_key pc_io_keys[] = {
    {.name = "chunk_rows", .type = PC_T_INT, .def = "16384",
     .help = "rows per HDF5 chunk of tables (a chunk of 1-3 MB is shuffled and compressed "
             "in cache)",
     .min = 1, .max = 1 << 24},
    {.name = "deflate", .type = PC_T_INT, .def = "1",
     .help = "deflate level of tables (0: none; 1: ISA-L's, the fastest; 2-9: zlib's)", .max = 9},
    {.name = "direct", .type = PC_T_BOOL, .def = "true",
     .help = "write the tables read raw (the index's rows, ingest's /stays: gigabytes the "
             "job never reads back) with O_DIRECT, past the page cache, whose fresh pages cost "
             "more than the disk; false, or a file system that refuses O_DIRECT: through the "
             "page cache"},
    {0}};

/* What the keys of PC_KEYS_COMMON mean beyond their types. */
static int check_common(const pc_config *cfg, pc_config_problems *p) {
  double bytes;
  pc_budget_config(cfg, p, &bytes); /* a problem goes to p */
  return 0;
}

/* The keys SPEC names as shared by jobs: one config per outbreak serves
 * several jobs, so each job accepts them all and says which it ignores. */
static const pc_key shared_keys[] = {
    {.name = "key", .type = PC_T_PATH}, {.name = "data", .type = PC_T_PATH},
    {.name = "index", .type = PC_T_PATH}, {.name = "as_of", .type = PC_T_TIME},
    {.name = "output", .type = PC_T_PATH}, {0}};
enum { MAX_KEYS = 96 };

static int has_key(const pc_key *k, const char *name) {
  for (; k->name; k++)
    if (!strcmp(k->name, name)) return 1;
  return 0;
}

/* The names of every job (pc_job_register), for the sections of `jobs`. */
static const char *job_names[32];

void pc_job_register(const pc_jobdef *const *jobs) {
  for (int i = 0; jobs[i] && i < 31; i++) job_names[i] = jobs[i]->name;
}

const pc_key *pc_job_keys(const pc_jobdef *job) {
  static pc_key table[MAX_KEYS];
  static char help[256];
  static const pc_jobdef *built;
  if (built == job) return table;
  size_t n = 0;
  for (const pc_key *k = job->keys; k->name; k++) {
    if (n + 7 >= MAX_KEYS) { /* a job's own table: fixed at compile time */
      fprintf(stderr, "paicha %s: more than %d keys (internal: raise MAX_KEYS)\n", job->name,
              MAX_KEYS - 7);
      abort();
    }
    table[n++] = *k;
  }
  for (const pc_key *k = shared_keys; k->name; k++)
    if (!has_key(job->keys, k->name)) {
      table[n] = *k;
      table[n++].help = "shared key, not used by this job (SPEC: one config serves several jobs)";
    }
  /* One config per outbreak: what differs per job (its `output`, its own keys) under its name. */
  snprintf(help, sizeof help, "keys for one job alone, by job name (jobs: {trace: {output: "
           "t.h5}}): %s takes those under `%s` over the top level's, ignores the others",
           job->name, job->name);
  table[n++] = (pc_key){.name = "jobs", .type = PC_T_SECTIONS, .help = help,
                        .choices = job_names[0] ? job_names : NULL, .section = job->name};
  table[n] = (pc_key){0};
  built = job;
  return table;
}

/* The shared keys a config gives that this job does not use: one line. */
static void log_unused(pc_ctx *ctx, const pc_jobdef *job, const pc_config *cfg) {
  char list[128] = "";
  int n = 0;
  for (const pc_key *k = shared_keys; k->name; k++)
    if (!has_key(job->keys, k->name) && pc_config_given(cfg, k->name))
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s`%s`", n++ ? ", " : "",
               k->name);
  if (n)
    pc_log(ctx, "%s ignores the config's shared %s %s (not used by this job)", job->name,
           n > 1 ? "keys" : "key", list);
}

static int load_config(pc_ctx *ctx, const pc_jobdef *job, const char *path, pc_config **cfg) {
  char *text = NULL;
  size_t len = 0;
  int status = 0;
  if (pc_rank(ctx) == 0) {
    /* Parse once on rank 0 and print every problem once; the other ranks get
     * the effective config, already valid. */
    size_t errcap = 16384;
    char *err = malloc(errcap);
    if (!err) return PC_ERR_MEM;
    err[0] = 0;
    /* The meaning is checked once the schema holds: the checks read the
     * config through its accessors, which need valid values. */
    pc_config_check_fn *const checks[] = {check_common, job->check, NULL};
    pc_config_check_fn *const paths[] = {pc_paths_check, NULL};
    int rc = pc_config_load(path, pc_job_keys(job), cfg, err, errcap);
    if (rc == 0) rc = pc_config_check(*cfg, checks, err, errcap);
    /* Paths once the keys mean what they say (an index is compared with the dataset). */
    if (rc == 0) rc = pc_config_check(*cfg, paths, err, errcap);
    if (rc != 0) {
      fprintf(stderr, "paicha %s: the config has problems:\n%s%s", job->name, err,
              err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
      status = PC_ERR_CONFIG;
    } else {
      text = pc_config_effective(*cfg);
      len = text ? strlen(text) : 0;
      if (!text) status = PC_ERR_MEM;
    }
    free(err);
  }
  PC_CALL(pc_bcast_int(ctx, &status, 1));
  if (status) {
    free(text);
    if (pc_rank(ctx) == 0) pc_config_destroy(cfg);
    return status;
  }
  PC_CALL(pc_bcast_bytes(ctx, &text, &len));
  int rc = 0;
  if (pc_rank(ctx) != 0) {
    char err[4096];
    rc = pc_config_parse(path, text, len, pc_job_keys(job), cfg, err, sizeof err);
    if (rc) rc = PC_ERROR(PC_ERR_CONFIG, "effective config did not parse again: %s", err);
  }
  free(text);
  return pc_agree(ctx, rc);
}

/* The outputs of a run: the values of its keys of role PC_P_OUT and PC_P_OUT_DIR. */
typedef struct outputs {
  const char *path[32];
  int n;
} outputs;

static void add_output(const pc_config *c, const char *path, const pc_key *k, const char *v,
                       void *arg) {
  (void)c, (void)path;
  outputs *o = arg;
  if ((k->role == PC_P_OUT || k->role == PC_P_OUT_DIR) && v && *v && o->n < 32) o->path[o->n++] = v;
}

/* Collective, agreed: claim every output before any work (io/pc_claim.h), so
 * a second run of the same outputs stops at once (or waits) instead of after
 * its work, and no run sweeps another's temporary files. */
static int claim_outputs(pc_ctx *ctx, const pc_config *cfg) {
  outputs o = {.n = 0};
  pc_config_paths(cfg, add_output, &o);
  pc_claim_policy(!strcmp(pc_config_str(cfg, "busy_output"), "wait"));
  PC_CALL(pc_claim_outputs(ctx, o.path, o.n));
  /* Under the claims: a publication an interrupted run left half done is undone first. */
  for (int i = 0; i < o.n && pc_rank(ctx) == 0; i++) pc_publish_recover(ctx, o.path[i]);
  return 0;
}

/* The phase table, and the run record under a temporary name, listed for
 * the publication with the outputs. Collective, agreed. */
static int report(pc_ctx *ctx) {
  const char *rec = pc_ctx_record(ctx);
  char tmp[4400] = "";
  if (rec) PC_CALL(pc_atomic_tmp(ctx, rec, tmp, sizeof tmp));
  int rc = pc_agree(ctx, pc_phase_report(ctx, stderr, rec ? tmp : NULL, pc_ctx_record_extra(ctx)));
  return rec ? pc_atomic_commit(ctx, tmp, rec, rc) : rc;
}

/* Collective, agreed: the job's run, every output it made published at the
 * end together, or none (io/pc_publish.h). */
static int run_and_publish(pc_ctx *ctx, const pc_jobdef *job, const pc_config *cfg) {
  pc_publish_defer(1);
  int rc = pc_agree(ctx, job->run(ctx, cfg));
  if (!rc) rc = report(ctx);
  rc = pc_publish_all(ctx, rc);
  pc_publish_defer(0);
  return rc;
}

/* A rank stopping the job at a stuck agreement (pc_agree): the outputs
 * being written and those waiting to be published go, with their claims. */
static void abandon(pc_ctx *ctx) {
  pc_atomic_abandon();
  pc_publish_abandon();
  pc_claim_drop_all(ctx);
}

int pc_job_run(const pc_jobdef *job, const char *config_path, int quiet) {
  pc_ctx *ctx = NULL;
  if (pc_ctx_create(job->name, &ctx) != 0) {
    fprintf(stderr, "paicha %s: cannot set up MPI: %s\n", job->name, pc_err_message());
    return 1;
  }
  pc_ctx_set_bounds(ctx, pc_machine_bounds());
  pc_ctx_on_stuck(ctx, abandon);
  pc_config *cfg = NULL;
  int rc = load_config(ctx, job, config_path, &cfg);
  if (rc) {
    int st = rc == PC_ERR_CONFIG ? 2 : 1;
    if (rc != PC_ERR_CONFIG && pc_rank(ctx) == 0)
      fprintf(stderr, "paicha %s: error: %s\n", job->name, pc_err_message());
    pc_ctx_destroy(&ctx);
    return st;
  }
  pc_ctx_set_quiet(ctx, quiet || pc_config_bool(cfg, "quiet"));
  pc_ctx_set_round_bytes(ctx, (size_t)pc_config_int(cfg, "shuffle_round_mb") << 20);
  /* Outputs hold personal data: owner-only unless the config allows group read. */
  umask(strcmp(pc_config_str(cfg, "output_mode"), "0640") == 0 ? 0137 : 0177);
  pc_create_policy(pc_config_bool(cfg, "shared_dir_ok"));
  pc_log(ctx, "%s on %d rank%s, config %s", job->name, pc_nranks(ctx), pc_nranks(ctx) > 1 ? "s" : "",
         config_path);
  log_unused(ctx, job, cfg);
  pc_budget_huge_pages_given(ctx, cfg);
  rc = claim_outputs(ctx, cfg);
  if (!rc) rc = run_and_publish(ctx, job, cfg);
  pc_claim_drop_all(ctx);
  int status = 0;
  if (rc) {
    if (pc_rank(ctx) == 0) fprintf(stderr, "paicha %s: error: %s\n", job->name, pc_err_message());
    status = 1;
  }
  pc_config_destroy(&cfg);
  pc_ctx_destroy(&ctx);
  return status;
}

/* --check: the job being checked and what its inspect hook counted (one
 * check per process: pc_config_check_fn takes no closure). */
static const pc_jobdef *checked;
static uint64_t checked_rows, checked_paths;

static int inspect(const pc_config *cfg, pc_config_problems *p) {
  return checked->inspect ? checked->inspect(cfg, p, &checked_rows) : 0;
}

static void count_path(const pc_config *c, const char *path, const pc_key *k, const char *v,
                       void *arg) {
  (void)c, (void)path, (void)v, (void)arg;
  if (k->role != PC_P_NONE) checked_paths++;
}

int pc_job_check(const pc_jobdef *job, const char *config_path) {
  size_t errcap = 65536;
  char *err = malloc(errcap);
  if (!err) return 1;
  checked = job;
  pc_config *cfg = NULL;
  pc_config_check_fn *const checks[] = {check_common, job->check, NULL};
  pc_config_check_fn *const paths[] = {pc_paths_check, inspect, NULL};
  int rc = pc_config_load(config_path, pc_job_keys(job), &cfg, err, errcap);
  if (rc == 0) rc = pc_config_check(cfg, checks, err, errcap);
  if (rc == 0) rc = pc_config_check(cfg, paths, err, errcap);
  if (rc) {
    fprintf(stderr, "paicha %s: the config has problems:\n%s%s", job->name, err,
            err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
  } else {
    pc_config_paths(cfg, count_path, NULL);
    printf("%s: config OK (%llu path%s checked", config_path, (unsigned long long)checked_paths,
           checked_paths == 1 ? "" : "s");
    if (job->inspect)
      printf(", %llu cases row%s checked", (unsigned long long)checked_rows,
             checked_rows == 1 ? "" : "s");
    printf(")\n");
  }
  free(err);
  pc_config_destroy(&cfg);
  return rc == 0 ? 0 : rc == PC_ERR_CONFIG ? 2 : 1;
}

int pc_job_key(pc_ctx *ctx, const char *path, int create, pc_key128 *key) {
  int rc = 0, created = 0;
  if (pc_rank(ctx) == 0) rc = pc_keyfile_load(path, create, key, &created);
  PC_CALL(pc_agree(ctx, rc));
  if (created) pc_log(ctx, "created a new pseudonymisation key in %s (mode 0600)", path);
  else /* which key: the datasets' key_fingerprint attribute holds the same number */
    pc_log(ctx, "key: %s, fingerprint %llu", path, (unsigned long long)pc_key_fingerprint(key));
  PC_CALL(pc_bcast_mem(ctx, key, sizeof *key));
  return 0;
}

void pc_job_record_for(pc_ctx *ctx, const char *output) {
  pc_ctx_set_record(ctx, "%s.run.json", output);
}
