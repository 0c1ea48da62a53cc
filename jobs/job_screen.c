/* job_screen.c - `paicha screen`: everyone who stayed long enough in a risk area, streaming each rank's stays. */
#include <stdlib.h>
#include <string.h>

#include "pc_budget.h"
#include "pc_flagged.h"
#include "pc_job.h"
#include "pc_out.h"
#include "pc_screen_config.h"
#include "pc_screen_area.h"
#include "pc_screen_ledger.h"
#include "pc_screen_scan.h"

/* The plan: rank r takes rows [N r / P, N (r+1) / P) of /persons (sorted by
 * pid) with their identities, and the rows of /stays of exactly those pids
 * (found by binary search: /stays is sorted by pid). It walks its persons and
 * their stays in chunks, computes each person's dwell in each area, and
 * writes its rows of /screened in pid order after the lower ranks'. No
 * shuffle, no pairs: one pass over the stays, ~1/P of them per rank. */

static const pc_key str_item[] = {{.name = "", .type = PC_T_STR}, {0}};
static const pc_key then_keys[] = {
    {.name = "regions", .type = PC_T_LIST, .help = "region code prefixes of the area reached next",
     .sub = str_item},
    {.name = "places", .type = PC_T_LIST, .help = "places of the area reached next (as the area's)",
     .sub = str_item},
    {.name = "within", .type = PC_T_DURATION, .help = "how long after t_A (required)", .min = 60,
     .max = 366 * 86400LL},
    {.name = "min_dwell", .type = PC_T_DURATION,
     .help = "least time there within it, whole minutes (required)", .max = 366 * 86400LL},
    {0}};
static const pc_key area_keys[] = {
    {.name = "name", .type = PC_T_STR, .required = 1,
     .help = "the area's name (up to 31 bytes) in /screened"},
    {.name = "regions", .type = PC_T_LIST,
     .help = "region code prefixes, 1-12 digits (\"4201\": Wuhan)", .sub = str_item},
    {.name = "places", .type = PC_T_LIST,
     .help = "places: a place id (decimal), or a place's name as in stays.csv (any channel but "
             "rail)",
     .sub = str_item},
    {.name = "from", .type = PC_T_TIME, .required = 1, .help = "start of the period (local time)"},
    {.name = "to", .type = PC_T_TIME, .required = 1, .help = "end of the period (excluded)"},
    {.name = "hours", .type = PC_T_STR,
     .help = "daily window \"HH:MM-HH:MM\" (may cross midnight)"},
    {.name = "min_dwell", .type = PC_T_DURATION, .required = 1,
     .help = "least time in the area (whole minutes count)", .max = 366 * 86400LL},
    {.name = "then", .type = PC_T_MAP,
     .help = "flag only those who then reached another area: t_A = when the dwell here reached "
             "min_dwell, then min_dwell there within [t_A, t_A + within)",
     .sub = then_keys},
    {.name = "id_origin", .type = PC_T_LIST,
     .help = "keep only persons whose ID number starts with one of these digits (registered "
             "origin; none without an ID number)",
     .sub = str_item},
    {0}};
static const pc_key area_item[] = {{.name = "", .type = PC_T_MAP, .sub = area_keys}, {0}};
static const pc_key code_keys[] = {
    {.name = "red", .type = PC_T_LIST, .def = "[]", .help = "classes given a red code",
     .sub = str_item},
    {.name = "yellow", .type = PC_T_LIST, .def = "[screened]",
     .help = "classes given a yellow code (the rest are yellow)", .sub = str_item},
    {0}};

static const char *const area_view_choices[] = {"auto", "always", "never", NULL};

static const pc_key screen_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1, .help = "screening file to write (HDF5)"},
    {.name = "index", .type = PC_T_PATH, .role = PC_P_IN_H5,
     .help = "the dataset's index (from `paicha index`): its area view is read instead of "
             "streaming /stays when it has one and was built from `data` (else screen streams, "
             "and says why)"},
    {.name = "area_view", .type = PC_T_STR, .def = "auto", .choices = area_view_choices,
     .help = "with an index that has an area view: auto reads it when it is the cheaper way "
             "(its rows for the areas, and without the index's dispatch table the dispatch "
             "instant's, under 1/5 of the stays: each costs ~5 streamed rows), always reads "
             "it, never streams /stays"},
    {.name = "as_of", .type = PC_T_TIME,
     .help = "ages and dispatch (default: the dataset's as_of)"},
    {.name = "areas", .type = PC_T_LIST, .required = 1, .help = "the risk areas", .sub = area_item},
    {.name = "codes", .type = PC_T_MAP, .help = "code of the class `screened`", .sub = code_keys},
    {.name = "dispatch", .type = PC_T_MAP, .help = "who receives each person",
     .sub = pc_dispatch_keys},
    {.name = "breakdown", .type = PC_T_MAP, .help = "axes of the /breakdown cubes",
     .sub = pc_breakdown_keys},
    PC_CAMPAIGN_KEYS("the campaign's ledger: this run is appended as one batch, rows marked "
                     "`new` (absent: no campaign)"),
    PC_KEYS_COMMON,
    {0}};

/* The `counts` attribute: flagged persons, rows, by code and by area. NULL
 * (json-c out of memory) is recorded by pc_out_json. Local. */
static json_object *screen_counts(const pc_screener *S, const uint64_t *tot) {
  json_object *j = json_object_new_object(), *by_area = json_object_new_object();
  if (!j || !by_area) {
    json_object_put(j);
    json_object_put(by_area);
    return NULL;
  }
  pc_json_add_u64(j, "screened", tot[1]);
  pc_json_add_u64(j, "rows", tot[0]);
  pc_json_add_u64(j, "red", S->red ? tot[1] : 0);
  pc_json_add_u64(j, "yellow", S->red ? 0 : tot[1]);
  for (size_t a = 0; a < S->A.n; a++) pc_json_add_u64(by_area, S->A.a[a].name, S->per_area[a]);
  pc_json_add(j, "areas", by_area);
  return j;
}

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_SETUP, PH_LEDGER_READ, PH_SCREEN, PH_WRITE, PH_LEDGER, PH_N };
static const char *const screen_phases[PH_N] = {
    [PH_SETUP] = "setup", [PH_LEDGER_READ] = "ledger-read", [PH_SCREEN] = "screen",
    [PH_WRITE] = "write", [PH_LEDGER] = "ledger"};

/* Areas, dataset, this rank's persons and stays, the memory budget. Collective, agreed. */
static int setup(pc_ctx *ctx, const pc_config *cfg, pc_screener *S) {
  PC_CALL(pc_screen_open(ctx, cfg, S));
  PC_CALL(pc_screen_persons(ctx, S));
  return pc_budget_check(ctx, cfg, "screen", (double)S->npersons, (double)S->stays.nrows);
}

/* The pass, then the rows as the campaign's batch (`new` marked); the
 * ledger is written after the output (see trace). */
static int screen(pc_ctx *ctx, pc_screener *S, pc_campaign *C) {
  pc_aview v;
  pc_phase_bound(ctx, PC_BOUND_READ);
  int use = 0, rc = pc_screen_area_open(ctx, S, &v, &use);
  if (!rc && use) rc = pc_screen_area_scan(ctx, S, &v, &use); /* may find the stream cheaper */
  if (!rc && !use) S->read_bytes = (S->r1 - S->r0) * sizeof(pc_stay);
  if (!rc && !use) rc = pc_agree(ctx, pc_screen_scan(ctx, S));
  pc_aview_free(&v);
  PC_CALL(rc);
  if (!use) PC_CALL(pc_screen_verify(ctx, S)); /* the view checks each group and slot it reads */
  return pc_screen_campaign(S, C);
}

/* The flagged persons' arrays, given to the cubes a step at a time. */
typedef struct flagged_arrays {
  const pc_person *p;
  const int *cls, *code;
} flagged_arrays;

static void fill_flagged(void *arg, size_t first, size_t k, pc_person *p, int *cls, int *code) {
  const flagged_arrays *A = arg;
  memcpy(p, A->p + first, k * sizeof *p);
  memcpy(cls, A->cls + first, k * sizeof *cls);
  memcpy(code, A->code + first, k * sizeof *code);
}

/* The output: /screened, the cubes of the flagged persons, the counts. tot:
 * rows and persons flagged over all ranks. Collective, agreed. */
static int write_output(pc_ctx *ctx, pc_screener *S, const pc_person *fp, const int *cls,
                        const int *code, size_t nd, const uint64_t *tot) {
  static const char *const names[3] = {"screened", "red", "yellow"};
  pc_out out;
  PC_CALL(pc_out_create(ctx, S->cfg, pc_config_str(S->cfg, "output"), &out));
  pc_out_table(&out, "screened", pc_schema_type(&pc_schema_screened), S->rows.data, S->rows.n,
               "RESTRICTED (subjects are clear identities): one row per person and area whose "
               "dwell (seconds, whole minutes) reached the area's min_dwell; exposure = first "
               "second counted; sorted by pid, then area order");
  flagged_arrays A = {fp, cls, code};
  if (!out.rc)
    out.rc = pc_flag_cubes(ctx, S->cfg, S->data, out.file, S->as_of, names, 3, fill_flagged, &A,
                           nd, out.deflate);
  pc_out_json(&out, "counts", screen_counts(S, tot), 1);
  pc_out_attr_i64(&out, "as_of", S->as_of);
  pc_out_attr_i64(&out, "dispatch_at", S->at);
  pc_out_attr_str(&out, "data", S->data_path);
  if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, S->data);
  return pc_out_commit(&out, 0);
}

/* The flagged persons, the totals over all ranks, the output, the log. Collective, agreed. */
static int write_step(pc_ctx *ctx, pc_screener *S) {
  pc_person *fp;
  int *cls, *code;
  size_t nd;
  int rc = pc_screen_flagged(S, &fp, &cls, &code, &nd);
  uint64_t tot[3] = {S->rows.n, nd, 0};
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(pc_sum_u64(ctx, tot, 2), out);
  PC_CALLG(pc_sum_u64(ctx, S->per_area, (int)S->A.n), out);
  rc = write_output(ctx, S, fp, cls, code, nd, tot);
  if (!rc) {
    pc_log(ctx, "screen: %llu %s flagged (%llu %s); code %s", (unsigned long long)tot[1],
           pc_plural(tot[1], "person", "persons"), (unsigned long long)tot[0],
           pc_plural(tot[0], "row", "rows"), S->red ? "red" : "yellow");
    for (size_t a = 0; a < S->A.n; a++)
      pc_log(ctx, "screen: area %s: %llu %s", S->A.a[a].name, (unsigned long long)S->per_area[a],
             pc_plural(S->per_area[a], "person", "persons"));
  }
out:
  free(fp);
  free(cls);
  free(code);
  return rc;
}

/* The plan: set up (areas, this rank's persons and the range of their
 * stays); screen them in one pass; write /screened and the cubes. */
static int run_screen(pc_ctx *ctx, const pc_config *cfg) {
  pc_screener *S = pc_calloc(1, sizeof *S, "screen");
  PC_CALL(pc_agree(ctx, S ? 0 : PC_ERR_MEM));
  pc_phases_declare(ctx, screen_phases, PH_N);
  pc_job_record_for(ctx, pc_config_str(cfg, "output"));
  pc_campaign C;
  memset(&C, 0, sizeof C);
  int rc = PC_PHASE(ctx, PH_SETUP, setup(ctx, cfg, S), S->np, 0);
  const char *ledger = pc_config_str(cfg, "ledger");
  if (!rc && ledger && *ledger) /* claimed and read: its own line in the phase table */
    rc = PC_PHASE(ctx, PH_LEDGER_READ, pc_screen_campaign_open(ctx, S, &C), C.L.rows.n, 0);
  if (!rc)
    rc = PC_PHASE(ctx, PH_SCREEN, screen(ctx, S, &C), S->r1 - S->r0, S->read_bytes);
  if (!rc) rc = PC_PHASE(ctx, PH_WRITE, write_step(ctx, S), S->rows.n, 0);
  if (!rc && C.path) rc = PC_PHASE(ctx, PH_LEDGER, pc_campaign_write(&C, cfg, S->data), 0, 0);
  pc_campaign_close(&C);
  pc_screener_free(S);
  free(S);
  return rc;
}

const pc_jobdef pc_job_screen = {
    .name = "screen",
    .summary = "risk-area screening: everyone whose dwell in an area reached its minimum",
    .description =
        "For each area (region code prefixes and/or places, a period [from, to), an optional\n"
        "daily window that may cross midnight, min_dwell), flags every person whose stays in\n"
        "the area, cut to the period and the window and counted once where they overlap, add\n"
        "up to min_dwell or more (whole minutes). Each rank streams the stays of its share of\n"
        "the persons once. Writes /screened (one row per person and area, sorted by pid:\n"
        "subject, exposure = first second counted, dwell, area, code, jurisdiction at the\n"
        "dispatch instant, residence, age, sector), /breakdown/{screened,red,yellow} cubes\n"
        "and the `counts` attribute.",
    .keys = screen_keys,
    .run = run_screen,
    .check = pc_screen_check};
