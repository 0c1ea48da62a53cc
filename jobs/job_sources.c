/* job_sources.c - `paicha sources`: where the cases caught it (common exposures, clusters, candidate sources) and the hotspots of flagged persons. */
#include <stdlib.h>
#include <string.h>

#include "pc_enc.h"
#include "pc_job.h"
#include "pc_paths.h"
#include "pc_sources.h"
#include "pc_time.h"
#include "pc_trace_cases.h"

/*
 * The plan: setup (key, dataset); load or build the index; the owned persons
 * and the cases, each with its window [onset - lookback, onset]; meet (the
 * cases' stays at their places' owners: common exposures, contacts between
 * cases; ranked and clustered on rank 0); candidates (one index query per
 * common exposure); hotspots (with `flagged`); write.
 */

static const char *const unmatched_choices[] = {"report", "fail", NULL};

static const pc_key sources_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "index", .type = PC_T_PATH, .role = PC_P_IN_INDEX,
     .help = "co-location index from `paicha index` (default: build it now)"},
    {.name = "cases", .type = PC_T_PATH, .role = PC_P_IN, .required = 1,
     .help = "cases.csv, read as trace reads it; each case's window is [onset - lookback, onset]"},
    {.name = "unmatched", .type = PC_T_STR, .def = "report", .choices = unmatched_choices,
     .help = "a case row that cannot be used: report (to /unmatched) or fail"},
    {.name = "encoding", .type = PC_T_STR, .choices = pc_enc_names,
     .help = "how cases.csv is read (absent: auto, UTF-8 or GB18030)"},
    {.name = "key", .type = PC_T_PATH, .role = PC_P_KEY, .required = 1,
     .help = "pseudonymisation key file (mode 0600)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1,
     .help = "sources file to write (HDF5)"},
    {.name = "as_of", .type = PC_T_TIME, .help = "the instant the data runs to (default: the dataset's)"},
    {.name = "lookback", .type = PC_T_DURATION, .def = "14d",
     .help = "a case's window starts this long before onset and ends at onset", .max = 366 * 86400LL},
    {.name = "min_cases", .type = PC_T_INT, .def = "2", .min = 1, .max = 1 << 20,
     .help = "cases present together that make a common exposure; cases a candidate must share"},
    {.name = "channels", .type = PC_T_MAP,
     .help = "per channel: role (off: left out; close: contacts join clusters) and min_overlap "
             "(flight, rail: any positive length)", .sub = pc_trace_channel_keys},
    {.name = "buckets", .type = PC_T_INT, .def = "0",
     .help = "place buckets when the index is built here (0: automatic)", .max = 1 << 30},
    {.name = "flagged", .type = PC_T_STRS, .role = PC_P_IN_H5,
     .help = "trace and/or screen outputs: adds /hotspots, the places and communities where "
             "their persons stayed in [as_of - lookback, as_of]"},
    {.name = "min_flagged", .type = PC_T_INT, .def = "2", .min = 1, .max = 1 << 30,
     .help = "hotspots: flagged persons a place or community needs to be listed"},
    {.name = "top", .type = PC_T_INT, .def = "10", .min = 1, .max = 10000,
     .help = "hotspots: how many of the first go into hotspots_yaml"},
    {.name = "hotspots_yaml", .type = PC_T_PATH, .role = PC_P_OUT,
     .help = "hotspots: write the top ones as a ready `paicha screen` config (needs flagged)"},
    {.name = "min_dwell", .type = PC_T_DURATION, .def = "15m", .max = 366 * 86400LL,
     .help = "hotspots_yaml: the min_dwell of each area"},
    {.name = "screen_output", .type = PC_T_STR, .def = "",
     .help = "hotspots_yaml: the output of that screen (default: beside the yaml, "
             "NAME-screen.h5)"},
    PC_KEYS_COMMON,
    {0}};

static int check_sources(const pc_config *cfg, pc_config_problems *p) {
  if (pc_config_given(cfg, "hotspots_yaml") && !pc_config_len(cfg, "flagged"))
    pc_config_problem(p, cfg, "hotspots_yaml", "needs `flagged` (the outputs whose hotspots it lists)");
  return pc_index_buckets_check(cfg, p);
}

static int inspect_sources(const pc_config *cfg, pc_config_problems *p, uint64_t *rows) {
  int64_t ws, as_of;
  if (pc_paths_data_window(pc_config_str(cfg, "data"), &ws, &as_of) != 0) return 0;
  if (pc_config_given(cfg, "as_of")) as_of = pc_config_time(cfg, "as_of");
  return pc_cases_check(cfg, as_of, ws, 1, p, rows);
}

enum { PH_SETUP, PH_LOAD_INDEX, PH_BUILD_INDEX, PH_LOAD_PERSONS, PH_MEET, PH_CANDIDATES,
       PH_HOTSPOTS, PH_WRITE, PH_N };
static const char *const sources_phases[PH_N] = {
    [PH_SETUP] = "setup", [PH_LOAD_INDEX] = "load index", [PH_BUILD_INDEX] = "build index",
    [PH_LOAD_PERSONS] = "load persons", [PH_MEET] = "meet", [PH_CANDIDATES] = "candidates",
    [PH_HOTSPOTS] = "hotspots", [PH_WRITE] = "write"};

typedef struct sources_run {
  pc_sourcer S;
  const char *output, *index;
  pc_key128 key;
  uint64_t npersons, ncases, presences, queries;
} sources_run;

static int setup(pc_ctx *ctx, sources_run *R) {
  PC_CALL(pc_job_key(ctx, pc_config_str(R->S.t.cfg, "key"), 0, &R->key));
  return pc_trace_open_data(&R->S.t, &R->npersons);
}

static int load_index(pc_ctx *ctx, sources_run *R) {
  pc_tracer *t = &R->S.t;
  if (R->index) return pc_pview_open(ctx, R->index, t->data, t->data_path, &t->pv);
  return pc_pview_build_here(ctx, t->cfg, t->data, t->data_path, t->stays.nrows,
                             pc_index_buckets(t->stays.nrows, pc_config_int(t->cfg, "buckets")),
                             &t->pv);
}

static int load_persons(pc_ctx *ctx, sources_run *R) {
  PC_CALL(pc_agree(ctx, pc_trace_load_owned(&R->S.t)));
  return pc_trace_cases_load(&R->S.t, &R->key, pc_config_duration(R->S.t.cfg, "lookback"),
                             &R->ncases);
}

/* Hotspots over [as_of - lookback, as_of], and their screen config. */
static int hotspots(pc_ctx *ctx, sources_run *R) {
  const pc_config *cfg = R->S.t.cfg;
  const int64_t to = R->S.t.as_of, from = to - pc_config_duration(cfg, "lookback");
  PC_CALL(pc_sources_hotspots(&R->S, from, to, (uint64_t)pc_config_int(cfg, "min_flagged")));
  if (!pc_config_given(cfg, "hotspots_yaml")) return 0;
  return pc_agree(ctx, pc_rank(ctx) ? 0
                                    : pc_sources_hotspots_yaml(
                                          &R->S, pc_config_str(cfg, "hotspots_yaml"),
                                          (size_t)pc_config_int(cfg, "top"), from, to,
                                          pc_config_duration(cfg, "min_dwell"),
                                          pc_config_str(cfg, "screen_output")));
}

/* What was found, for the person who runs it: counts only, never an identity. */
static void log_found(pc_ctx *ctx, const sources_run *R) {
  const pc_sourcer *s = &R->S;
  pc_log(ctx, "sources: %llu %s, %zu %s not used (/unmatched), %zu common %s, %zu %s",
         (unsigned long long)R->ncases, pc_plural(R->ncases, "case", "cases"), s->t.unmatched.n,
         pc_plural(s->t.unmatched.n, "row", "rows"), s->ncommon,
         pc_plural(s->ncommon, "exposure", "exposures"), s->ncand,
         pc_plural(s->ncand, "candidate source", "candidate sources"));
  if (pc_rank(ctx) == 0) pc_sources_log_clusters(ctx, s, 10);
}

static int run_sources(pc_ctx *ctx, const pc_config *cfg) {
  sources_run R = {.output = pc_config_str(cfg, "output"), .index = pc_config_str(cfg, "index")};
  pc_tracer *t = &R.S.t;
  pc_tracer_init(t, ctx, cfg);
  t->window_to_onset = 1;
  R.S.min_cases = (int)pc_config_int(cfg, "min_cases");
  pc_phases_declare(ctx, sources_phases, PH_N);
  pc_job_record_for(ctx, R.output);
  int rc = PC_PHASE(ctx, PH_SETUP, setup(ctx, &R), 0, 0);
  if (!rc)
    rc = PC_PHASE(ctx, R.index ? PH_LOAD_INDEX : PH_BUILD_INDEX, load_index(ctx, &R), t->pv.nrows, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_LOAD_PERSONS, load_persons(ctx, &R), R.npersons, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_MEET, pc_sources_exposures(&R.S, &R.presences), R.presences, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_CANDIDATES, pc_sources_candidates(&R.S, &R.queries), R.queries, 0);
  if (!rc && pc_config_len(cfg, "flagged")) rc = PC_PHASE(ctx, PH_HOTSPOTS, hotspots(ctx, &R), 0, 0);
  if (!rc) log_found(ctx, &R);
  if (!rc) rc = PC_PHASE(ctx, PH_WRITE, pc_sources_write(&R.S, R.output, R.index), R.S.ncommon, 0);
  if (!rc) pc_log(ctx, "sources: wrote %s", R.output);
  pc_sourcer_free(&R.S);
  return rc;
}

const pc_jobdef pc_job_sources = {
    .name = "sources",
    .summary = "where the cases caught it: common exposures, clusters, candidate sources, hotspots",
    .description =
        "From cases.csv (each case's window [onset - lookback, onset]), every place and interval\n"
        "where at least min_cases cases were together (/common_exposures, ranked by cases), the\n"
        "cases' clusters (joined by a common exposure or by being each other's close contacts),\n"
        "and the persons present at common exposures of several cases (/candidates). With\n"
        "`flagged` (trace/screen outputs), /hotspots: places and communities ranked by the\n"
        "flagged persons who stayed there; `hotspots_yaml` writes the top ones as a screen config.",
    .keys = sources_keys,
    .run = run_sources,
    .check = check_sources,
    .inspect = inspect_sources};
