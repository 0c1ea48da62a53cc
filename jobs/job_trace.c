/* job_trace.c - `paicha trace`: contacts of cases to k hops, companions, codes, dispatch, cubes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pc_budget.h"
#include "pc_cube.h"
#include "pc_enc.h"
#include "pc_flagged.h"
#include "pc_job.h"
#include "pc_paths.h"
#include "pc_time.h"
#include "pc_trace_cases.h"
#include "pc_trace_hops.h"
#include "pc_trace_ledger.h"
#include "pc_trace_out.h"
#include "pc_trace_rows.h"

/* ---- config ---- */

static const pc_key str_item[] = {{.name = "", .type = PC_T_STR}, {0}};
static const char *const unmatched_choices[] = {"report", "fail", NULL};
static const pc_key hop_item[] = {{.name = "", .type = PC_T_INT, .max = 64}, {0}};
static const pc_key code_keys[] = {
    {.name = "red", .type = PC_T_LIST, .def = "[hop0, hop1]", .help = "classes given a red code",
     .sub = str_item},
    {.name = "yellow", .type = PC_T_LIST, .def = "[hop2, companion]",
     .help = "classes given a yellow code (any class not red is yellow)", .sub = str_item},
    {0}};

static const pc_key trace_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "index", .type = PC_T_PATH, .role = PC_P_IN_INDEX,
     .help = "co-location index from `paicha index` (default: build it now)"},
    {.name = "cases", .type = PC_T_PATH, .role = PC_P_IN, .required = 1,
     .help = "cases.csv: subject,onset[,isolated,last_negative,subject_type,phone,status,"
             "reported]"},
    {.name = "unmatched", .type = PC_T_STR, .def = "report", .choices = unmatched_choices,
     .help = "a case row that cannot be traced (not in the dataset, an empty window, ...): "
             "report (to /unmatched and the log, the run goes on) or fail"},
    {.name = "encoding", .type = PC_T_STR, .choices = pc_enc_names,
     .help = "how cases.csv is read; absent: auto, as UTF-8 when the whole file is, else as "
             "GB18030 when the whole file is, else an error naming the line"},
    {.name = "key", .type = PC_T_PATH, .role = PC_P_KEY, .required = 1,
     .help = "pseudonymisation key file (mode 0600)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1, .help = "trace file to write (HDF5)"},
    {.name = "as_of", .type = PC_T_TIME,
     .help = "end of every window (default: the dataset's as_of)"},
    {.name = "hops", .type = PC_T_INT, .def = "2",
     .help = "hops of close contacts to expand (1 close, 2 their contacts)", .max = 32},
    {.name = "lookback", .type = PC_T_DURATION, .def = "2d",
     .help = "a case's window starts this long before onset", .max = 366 * 86400LL},
    {.name = "channels", .type = PC_T_MAP, .help = "role and rule of each channel",
     .sub = pc_trace_channel_keys},
    {.name = "companions_of", .type = PC_T_LIST, .def = "[0]",
     .help = "hops whose companions are flagged", .sub = hop_item},
    {.name = "codes", .type = PC_T_MAP, .help = "codes per class (hop0, hop1, ..., companion)",
     .sub = code_keys},
    {.name = "dispatch", .type = PC_T_MAP, .help = "who receives each person",
     .sub = pc_dispatch_keys},
    {.name = "breakdown", .type = PC_T_MAP, .help = "axes of the /breakdown cubes",
     .sub = pc_breakdown_keys},
    {.name = "buckets", .type = PC_T_INT, .def = "0",
     .help = "place buckets when the index is built here (0: automatic)", .max = 1 << 30},
    PC_CAMPAIGN_KEYS("the campaign's ledger: this run is appended as one batch, rows marked "
                     "`new`, isolated contacts' windows end at isolation (absent: no campaign)"),
    PC_KEYS_COMMON,
    {0}};


/* Checks of meaning at load: the classes named under codes, companions_of
 * within hops, the buckets of an index built here, the breakdown axes. */
static int check_trace(const pc_config *cfg, pc_config_problems *p) {
  static const char *const lists[2] = {"codes.red", "codes.yellow"};
  char k[64];
  for (int l = 0; l < 2; l++)
    for (size_t i = 0; i < pc_config_len(cfg, lists[l]); i++) {
      const char *c = pc_config_str_at(cfg, lists[l], i);
      int ok = !strcmp(c, "companion");
      if (!strncmp(c, "hop", 3) && c[3]) {
        ok = 1;
        for (const char *q = c + 3; *q; q++) ok &= isdigit((unsigned char)*q) != 0;
      }
      snprintf(k, sizeof k, "%s.%zu", lists[l], i);
      if (!ok) pc_config_problem(p, cfg, k, "unknown class '%s' (hop0, hop1, ..., companion)", c);
    }
  const int64_t hops = pc_config_int(cfg, "hops");
  for (size_t i = 0; i < pc_config_len(cfg, "companions_of"); i++) {
    snprintf(k, sizeof k, "companions_of.%zu", i);
    if (pc_config_int_at(cfg, "companions_of", i) > hops)
      pc_config_problem(p, cfg, k, "hop %lld is beyond hops = %lld",
                        (long long)pc_config_int_at(cfg, "companions_of", i), (long long)hops);
  }
  pc_index_buckets_check(cfg, p);
  pc_cube_axes_check(cfg, p);
  return 0;
}

/* --check: every row of cases.csv as the run reads it, against the
 * dataset's window (its own problems are listed by the path checks). */
static int inspect_trace(const pc_config *cfg, pc_config_problems *p, uint64_t *rows) {
  int64_t ws, as_of;
  if (pc_paths_data_window(pc_config_str(cfg, "data"), &ws, &as_of) != 0) return 0;
  if (pc_config_given(cfg, "as_of")) as_of = pc_config_time(cfg, "as_of");
  return pc_trace_cases_check(cfg, as_of, ws, p, rows);
}

/* The phases, in the order they run: the phase table and the run record show
 * these names. An index is loaded or built; hops stop early when one flags
 * nobody (hops <= 32: the key's maximum). */
#define HOP_NAMES(x)                                                                          \
  x(1) x(2) x(3) x(4) x(5) x(6) x(7) x(8) x(9) x(10) x(11) x(12) x(13) x(14) x(15) x(16)       \
      x(17) x(18) x(19) x(20) x(21) x(22) x(23) x(24) x(25) x(26) x(27) x(28) x(29) x(30)     \
          x(31) x(32)
#define HOP_NAME(n) [PH_HOP + (n) - 1] = "hop " #n,
enum {
  PH_SETUP,
  PH_LOAD_INDEX,
  PH_BUILD_INDEX,
  PH_LOAD_PERSONS,
  PH_HOP,                     /* hop 1, ..., hop 32 */
  PH_COMPANIONS = PH_HOP + 32,
  PH_ASSEMBLE,
  PH_WRITE,
  PH_LEDGER,
  PH_N
};
static const char *const trace_phases[PH_N] = {
    [PH_SETUP] = "setup", [PH_LOAD_INDEX] = "load index", [PH_BUILD_INDEX] = "build index",
    [PH_LOAD_PERSONS] = "load persons", HOP_NAMES(HOP_NAME)[PH_COMPANIONS] = "companions",
    [PH_ASSEMBLE] = "assemble", [PH_WRITE] = "write", [PH_LEDGER] = "ledger"};

typedef struct trace_run {
  pc_tracer t;
  const char *output, *index; /* index: persisted, or NULL to build one here */
  int hops, level;            /* level: of dispatch's jurisdictions */
  pc_key128 key;
  uint64_t npersons, ncases;
  int64_t dispatch_at;
  pc_trace_rowmaker rows;     /* contacts then companions, this rank's, made when written */
  pc_trace_counts K;
  pc_campaign C;              /* the ledger (C.path NULL: none) */
} trace_run;

/* The key, the dataset (window, as_of, /stays), the memory budget. */
static int setup(pc_ctx *ctx, trace_run *R) {
  PC_CALL(pc_job_key(ctx, pc_config_str(R->t.cfg, "key"), 0, &R->key));
  PC_CALL(pc_trace_open_data(&R->t, &R->npersons));
  PC_CALL(pc_budget_check(ctx, R->t.cfg, "trace", (double)R->npersons, (double)R->t.stays.nrows));
  static const pc_schema *const whole[] = {&pc_schema_places};
  PC_CALL(pc_budget_check_tables(ctx, R->t.cfg, R->t.data, whole, 1));
  /* the ledger is read before the hops: its isolation times end contacts' windows */
  PC_CALL(pc_campaign_open(ctx, R->t.cfg, R->t.data, R->t.data_path, "trace", R->t.as_of,
                           R->output, &R->C));
  R->t.campaign = &R->C;
  return 0;
}

/* The rows become the campaign's batch (`new` marked), the output is
 * written, then the ledger: a run killed between the two leaves the ledger
 * as it was, and the rerun marks the same rows new. */
static int assemble(pc_ctx *ctx, trace_run *R) {
  pc_tracer *t = &R->t;
  (void)ctx;
  PC_CALL(pc_trace_rows(t, R->dispatch_at, R->level, &R->rows));
  return pc_trace_campaign(t, &R->C, &R->rows);
}

static int build_index(pc_ctx *ctx, trace_run *R) {
  pc_tracer *t = &R->t;
  return pc_pview_build_here(ctx, t->cfg, t->data, t->data_path, t->stays.nrows,
                             pc_index_buckets(t->stays.nrows, pc_config_int(t->cfg, "buckets")),
                             &t->pv);
}

/* The persons, identities and places owned here, then the cases as hop 0. */
static int load_persons(pc_ctx *ctx, trace_run *R) {
  PC_CALL(pc_agree(ctx, pc_trace_load_owned(&R->t)));
  PC_CALL(pc_trace_cases_load(&R->t, &R->key, pc_config_duration(R->t.cfg, "lookback"), &R->ncases));
  /* Frontiers and rows grow with the cases (bench/rates.yaml: mem_per_case_b, over the ranks). */
  const double per = pc_budget_per_case("trace");
  if (per <= 0) return 0;
  char what[96];
  snprintf(what, sizeof what, "the frontiers and rows of %llu %s", (unsigned long long)R->ncases,
           pc_plural(R->ncases, "case", "cases"));
  return pc_budget_check_more(ctx, R->t.cfg, what, per * (double)R->ncases / pc_nranks(ctx));
}

/* Hops, level-synchronous (rule 8), each its phase; stops when one flags nobody. */
static int expand(pc_ctx *ctx, trace_run *R) {
  for (int h = 0; h < R->hops; h++) {
    uint64_t stats[3] = {0, 0, 0};
    PC_CALL(PC_PHASE(ctx, PH_HOP + h, pc_trace_hop(&R->t, h, stats), stats[1], 0));
    PC_CALL(pc_sum_u64(ctx, stats, 3));
    pc_log(ctx, "trace: hop %d: %llu %s (%llu %s, %llu %s)", h + 1, (unsigned long long)stats[0],
           pc_plural(stats[0], "person", "persons"), (unsigned long long)stats[1],
           pc_plural(stats[1], "query", "queries"), (unsigned long long)stats[2],
           pc_plural(stats[2], "hit", "hits"));
    if (stats[0] == 0) break;
  }
  return 0;
}

/* The plan: setup (key, dataset, budget); load or build the index; load the
 * owned persons and the cases; expand the hops; flag the companions (rule 9);
 * assemble the rows (codes, jurisdictions, sources); count; write. */
/* What is traced, for the person who runs it: counts and the local as_of. */
static void log_cases(pc_ctx *ctx, const trace_run *R) {
  char asof[PC_TIME_HUMAN];
  pc_log(ctx, "trace: %llu %s, %zu %s of the cases file not traced (/unmatched), %d %s, as_of %s",
         (unsigned long long)R->ncases, pc_plural(R->ncases, "case", "cases"), R->t.unmatched.n,
         pc_plural(R->t.unmatched.n, "row", "rows"), R->hops, pc_plural((unsigned)R->hops, "hop", "hops"),
         pc_time_human(R->t.as_of, asof));
}

static int run_trace(pc_ctx *ctx, const pc_config *cfg) {
  trace_run R = {.output = pc_config_str(cfg, "output"),
                 .index = pc_config_str(cfg, "index"),
                 .hops = (int)pc_config_int(cfg, "hops"),
                 .level = pc_level_of(pc_config_str(cfg, "dispatch.level"))};
  pc_tracer *t = &R.t;
  pc_tracer_init(t, ctx, cfg);
  pc_phases_declare(ctx, trace_phases, PH_N);
  pc_job_record_for(ctx, R.output);
  R.K.hops = R.hops;
  R.K.hop = pc_calloc((size_t)R.hops + 1, sizeof *R.K.hop, "counts");
  if (!R.K.hop) return PC_ERR_MEM;
  int rc = PC_PHASE(ctx, PH_SETUP, setup(ctx, &R), 0, 0);
  if (!rc && R.index) {
    rc = PC_PHASE(ctx, PH_LOAD_INDEX, pc_pview_open(ctx, R.index, t->data, t->data_path, &t->pv), 0, 0);
    if (!rc)
      pc_log(ctx, "trace: index %s: %llu rows in %u buckets", R.index,
             (unsigned long long)t->pv.bstart[t->pv.nbuckets], t->pv.nbuckets);
  } else if (!rc) {
    rc = PC_PHASE(ctx, PH_BUILD_INDEX, build_index(ctx, &R), t->pv.nrows, 0);
  }
  if (!rc) rc = PC_PHASE(ctx, PH_LOAD_PERSONS, load_persons(ctx, &R), t->npersons, 0);
  if (!rc) log_cases(ctx, &R);
  if (!rc) rc = expand(ctx, &R);
  uint64_t nq = 0;
  if (!rc) rc = PC_PHASE(ctx, PH_COMPANIONS, pc_trace_companions(t, &nq), nq, 0);
  R.dispatch_at = pc_config_given(cfg, "dispatch.at") ? pc_config_time(cfg, "dispatch.at")
                                                      : pc_dispatch_instant(t->as_of);
  if (!rc)
    rc = PC_PHASE(ctx, PH_ASSEMBLE, assemble(ctx, &R), R.rows.nc + R.rows.nm, 0);
  if (!rc) rc = pc_trace_count(ctx, &R.rows, &R.K);
  const size_t nrows = R.rows.nc + R.rows.nm;
  if (!rc)
    rc = PC_PHASE(ctx, PH_WRITE, pc_trace_write(t, R.output, R.index, R.dispatch_at, &R.rows, &R.K),
                  nrows, nrows * sizeof(pc_trace_row));
  if (!rc) {
    pc_trace_counts_log(ctx, &R.K);
    pc_log(ctx, "trace: wrote %s", R.output);
  }
  if (!rc && R.C.path) rc = PC_PHASE(ctx, PH_LEDGER, pc_campaign_write(&R.C, cfg, t->data), 0, 0);
  pc_campaign_close(&R.C);
  pc_trace_rows_free(&R.rows);
  free(R.K.hop);
  pc_tracer_free(t);
  return rc;
}

const pc_jobdef pc_job_trace = {
    .name = "trace",
    .summary = "contacts of cases to k hops, companions, codes, dispatch, breakdown cubes",
    .description =
        "From cases.csv, expands close contacts hop by hop (time-respecting: each person's\n"
        "window starts at their exposure), flags the companions around the hops in\n"
        "companions_of, gives codes by policy and the jurisdiction where each person was at\n"
        "dispatch.at, and writes /contacts, /companions and /breakdown cubes (docs/TRACE.md).\n"
        "With `index:` it reads a persisted index selectively; without, it builds one.",
    .keys = trace_keys,
    .run = run_trace,
    .check = check_trace,
    .inspect = inspect_trace};
