/* job_itinerary.c - `paicha itinerary`: each case's trips and public places, merged and de-identified, and the same-trip table. */
#include <string.h>

#include "pc_enc.h"
#include "pc_itinerary.h"
#include "pc_job.h"
#include "pc_paths.h"
#include "pc_time.h"
#include "pc_trace_cases.h"

/* The plan: open the dataset and its index (or build one); the cases by
 * ordinal (cases.csv as trace reads it, or a trace's hop 0); each case's
 * flights, trains, hotels and cafés in its window, read by the owner of its
 * pid and gathered on rank 0, consecutive stays at one place merged; the
 * same-trip table; the CSVs and the page, written from rank 0. */

static const char *const unmatched_choices[] = {"report", "fail", NULL};
static const pc_key itinerary_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "dataset file (from synth or ingest): stays, places, region names"},
    {.name = "index", .type = PC_T_PATH, .role = PC_P_IN_INDEX,
     .help = "co-location index from `paicha index` (default: build it now)"},
    {.name = "cases", .type = PC_T_PATH, .role = PC_P_IN,
     .help = "cases.csv, read exactly as trace reads it (give cases or trace)"},
    {.name = "trace", .type = PC_T_PATH, .role = PC_P_IN_H5,
     .help = "a trace output of `data`: its hop-0 rows are the cases, their windows the "
             "trace's (give cases or trace)"},
    {.name = "key", .type = PC_T_PATH, .role = PC_P_KEY,
     .help = "pseudonymisation key file (mode 0600; needed with cases)"},
    {.name = "encoding", .type = PC_T_STR, .choices = pc_enc_names,
     .help = "how cases.csv is read (as trace: absent, UTF-8 or else GB18030 by content)"},
    {.name = "unmatched", .type = PC_T_STR, .def = "report", .choices = unmatched_choices,
     .help = "a case row that cannot be traced: report (logged by line, the run goes on) or "
             "fail"},
    {.name = "as_of", .type = PC_T_TIME, .help = "end of the windows (default: the dataset's as_of)"},
    {.name = "lookback", .type = PC_T_DURATION, .def = "2d",
     .help = "with cases: a case's window starts this long before onset (as trace)",
     .max = 366 * 86400LL},
    {.name = "merge_gap", .type = PC_T_DURATION, .def = "1h",
     .help = "consecutive stays of a case at one place at most this far apart are one visit",
     .max = 366 * 86400LL},
    {.name = "output_csv", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1,
     .help = "the itineraries, one row per visit (CSV, UTF-8 with BOM)"},
    {.name = "same_trip_csv", .type = PC_T_PATH, .role = PC_P_OUT,
     .help = "the same-trip table (CSV, UTF-8 with BOM; default: output_csv with "
             "_same_trip before .csv)"},
    {.name = "output_html", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1,
     .help = "the page: itineraries and the same-trip table (self-contained HTML)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT,
     .help = "the same in HDF5 (optional): /itinerary, a row per visit; /same_trip, a row per "
             "trip and case"},
    PC_KEYS_COMMON,
    {0}};

/* Exactly one of cases and trace; cases needs the key. Problems recorded, 0 returned. */
static int check_itinerary(const pc_config *cfg, pc_config_problems *p) {
  const int c = pc_config_given(cfg, "cases"), t = pc_config_given(cfg, "trace");
  if (c == t)
    pc_config_problem(p, cfg, "", "give cases (a cases.csv) or trace (a trace output), exactly one");
  if (c && !pc_config_given(cfg, "key"))
    pc_config_problem(p, cfg, "key", "cases needs the key the dataset was made with");
  return 0;
}

/* --check: every row of cases.csv as trace reads it. */
static int inspect_itinerary(const pc_config *cfg, pc_config_problems *p, uint64_t *rows) {
  int64_t ws, as_of;
  *rows = 0;
  if (!pc_config_given(cfg, "cases")) return 0;
  if (pc_paths_data_window(pc_config_str(cfg, "data"), &ws, &as_of) != 0) return 0;
  if (pc_config_given(cfg, "as_of")) as_of = pc_config_time(cfg, "as_of");
  return pc_trace_cases_check(cfg, as_of, ws, p, rows);
}

enum { PH_OPEN, PH_CASES, PH_COLLECT, PH_WRITE, PH_N };
static const char *const itinerary_phases[PH_N] = {
    [PH_OPEN] = "open", [PH_CASES] = "cases", [PH_COLLECT] = "collect", [PH_WRITE] = "write"};

/* The key (with cases), then the cases by ordinal. */
static int read_cases(pc_ctx *ctx, const pc_config *cfg, pc_itin *I) {
  pc_key128 key = {0, 0};
  if (pc_config_given(cfg, "cases")) PC_CALL(pc_job_key(ctx, pc_config_str(cfg, "key"), 0, &key));
  return pc_itin_cases(I, &key, pc_config_duration(cfg, "lookback"));
}

/* The files: the CSVs and the page, then the HDF5 output when asked for. */
static int write_files(const pc_config *cfg, pc_itin *I, const char *trips) {
  PC_CALL(pc_itin_write(I, pc_config_str(cfg, "output_csv"), trips, pc_config_str(cfg, "output_html")));
  const char *h5 = pc_config_str(cfg, "output");
  return h5 ? pc_itin_write_h5(I, h5) : 0;
}

/* same_trip_csv, or output_csv with "_same_trip" before its ".csv". */
static void trips_path(const pc_config *cfg, char *buf, size_t len) {
  const char *s = pc_config_str(cfg, "same_trip_csv"), *o = pc_config_str(cfg, "output_csv");
  if (s) {
    snprintf(buf, len, "%s", s);
    return;
  }
  size_t n = strlen(o);
  if (n > 4 && !strcmp(o + n - 4, ".csv")) n -= 4;
  snprintf(buf, len, "%.*s_same_trip.csv", (int)n, o);
}

static int run_itinerary(pc_ctx *ctx, const pc_config *cfg) {
  const char *csv = pc_config_str(cfg, "output_csv"), *html = pc_config_str(cfg, "output_html");
  char trips[4200];
  trips_path(cfg, trips, sizeof trips);
  pc_phases_declare(ctx, itinerary_phases, PH_N);
  pc_job_record_for(ctx, html);
  pc_itin I;
  pc_itin_init(&I, ctx, cfg);
  int rc = PC_PHASE(ctx, PH_OPEN, pc_itin_open(&I), 0, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_CASES, read_cases(ctx, cfg, &I), I.ncases, 0);
  if (!rc)
    rc = PC_PHASE(ctx, PH_COLLECT, pc_itin_collect(&I, pc_config_duration(cfg, "merge_gap")),
                  I.visits.n, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_WRITE, write_files(cfg, &I, trips), I.visits.n + I.ntrips, 0);
  if (!rc)
    pc_log(ctx, "itinerary: %zu %s, %zu %s, %zu same-trip %s: wrote %s, %s, %s", I.ncases,
           pc_plural(I.ncases, "case", "cases"), I.visits.n, pc_plural(I.visits.n, "visit", "visits"),
           I.ntrips, pc_plural(I.ntrips, "row", "rows"), csv, trips, html);
  pc_itin_free(&I);
  return rc;
}

const pc_jobdef pc_job_itinerary = {
    .name = "itinerary",
    .summary = "each case's trips and public places, merged and de-identified, and the same-trip table",
    .description =
        "Publishes what cities publish of their cases (疫情同程查询): per case, by ordinal (病例1,\n"
        "Case 1: by onset, then the input's row order; never an identity), the flights, trains\n"
        "(with carriage), hotels and internet cafés of its window, consecutive stays at one place\n"
        "(at most merge_gap apart) merged, with the city and district of each; and one same-trip\n"
        "table of every flight, train carriage and venue with the interval and the cases there,\n"
        "for the public's self-check. Cells, grids and households are never published, nor any\n"
        "ID number, phone, pid or household. The cases come from cases.csv (read as trace reads\n"
        "it; window [onset - lookback, isolated or as_of]) or from a trace output (its hop-0\n"
        "rows; window from their exposure to the trace's as_of). Writes two CSVs (UTF-8 with a\n"
        "BOM) and one self-contained page (no script, no network), atomically; with `output`,\n"
        "the same as HDF5 tables /itinerary and /same_trip.",
    .keys = itinerary_keys,
    .run = run_itinerary,
    .check = check_itinerary,
    .inspect = inspect_itinerary};
