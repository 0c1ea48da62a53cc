/* job_synth.c - `paicha synth`: the synthetic province's registry, generated in parallel into HDF5. */
#include <stdio.h>
#include <stdlib.h>

#include "pc_budget.h"
#include "pc_job.h"
#include "pc_province.h"
#include "pc_synth_csv.h"
#include "pc_synth_movement.h"
#include "pc_synth_registry.h"
#include "pc_synth_write.h"

static const pc_key outbreak_keys[] = {
    {.name = "cases", .type = PC_T_INT, .def = "100",
     .help = "index cases of the outbreak scenario", .max = 1000000},
    {0}};

/* What `csv` holds: outputs of the run too, so no other output may be one of them. */
static const char *const csv_files[] = {"regions.csv", "persons.csv", "stays.csv", "cases.csv",
                                        NULL};

static const pc_key synth_keys[] = {
    {.name = "key", .type = PC_T_PATH, .role = PC_P_KEY_NEW, .required = 1,
     .help = "pseudonymisation key file (created with mode 0600 if missing)"},
    {.name = "data", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1, .help = "dataset file to write (HDF5)"},
    {.name = "seed", .type = PC_T_INT, .def = "1", .help = "seed of the synthetic province",
     .max = INT64_MAX},
    {.name = "persons", .type = PC_T_INT, .def = "200000",
     .help = "persons in the registry (66444900: the whole province)", .min = 1, .max = 2000000000},
    {.name = "days", .type = PC_T_INT, .def = "0",
     .help = "days of movement before as_of (0: the registry alone, no stays)", .max = 366},
    {.name = "as_of", .type = PC_T_TIME, .required = 1,
     .help = "the instant the data ends (local time)"},
    {.name = "outbreak", .type = PC_T_MAP, .help = "outbreak scenario (with movement data)",
     .sub = outbreak_keys},
    {.name = "cases_csv", .type = PC_T_PATH, .role = PC_P_OUT,
     .help = "write the outbreak's index cases here (with movement)"},
    {.name = "csv", .type = PC_T_PATH, .role = PC_P_OUT_DIR, .holds = csv_files,
     .help = "also write the data as the CSV inputs of ingest into this directory (regions.csv, "
             "persons.csv, stays.csv, cases.csv; created mode 0700 if missing)"},
    /* No default in the table: the effective config stored in every dataset stays as it was. */
    {.name = "realistic", .type = PC_T_BOOL,
     .help = "(absent: false) write the csv files the way agencies do: household numbers as strings (H00012345, "
             "4300012346), employers as credit codes, ~1% of persons on a passport or foreign PR "
             "ID (never an outbreak venue's visitor), phones typed +86 138-0013-8000 and alike, "
             "regions.csv in GB18030, seats left out for riders alone aboard"},
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_SETUP, PH_GENERATE, PH_SORT, PH_MOVEMENT, PH_OUTBREAK, PH_WRITE, PH_CSV, PH_N };
static const char *const synth_phases[PH_N] = {
    [PH_SETUP] = "setup",       [PH_GENERATE] = "generate", [PH_SORT] = "sort",
    [PH_MOVEMENT] = "movement", [PH_OUTBREAK] = "outbreak", [PH_WRITE] = "write",
    [PH_CSV] = "csv"};

typedef struct synth_run {
  const pc_config *cfg;
  uint64_t N, seed;
  int64_t as_of;
  int days;
  const char *path;
  pc_key128 key;
  pc_region *regions;
  size_t nregions;
  pc_synth_params sp;
  int have_sp;
  pc_synth_slots s;
  pc_buf owned;      /* pc_synth_rows whose pid this rank owns */
  uint64_t shuffled; /* bytes the generation moved */
  pc_kv *order;      /* owned rows by pid */
  pc_synth_movement mv;
  pc_synth_pending pend;
} synth_run;

/* The key, the province, the generator's parameters, this rank's households. */
static int setup(pc_ctx *ctx, synth_run *R) {
  /* Stays to expect: ~5.1 per person and day (70.9 over 14 days at the city tier). */
  PC_CALL(pc_budget_check(ctx, R->cfg, "synth", (double)R->N, (double)R->N * R->days * 5.1));
  PC_CALL(pc_job_key(ctx, pc_config_str(R->cfg, "key"), 1, &R->key));
  PC_CALL(pc_agree(ctx, pc_province_build(&R->regions, &R->nregions)));
  PC_CALL(pc_agree(ctx, pc_synth_params_init(&R->sp, R->seed, R->N, R->as_of, R->regions,
                                             R->nregions)));
  R->have_sp = 1;
  return pc_synth_slots_plan(ctx, R->seed, R->N, &R->s);
}

/* Every owned person's stays; their count logged. */
static int movement(pc_ctx *ctx, synth_run *R) {
  const pc_synth_row *rows = R->owned.data;
  int rc = PC_PHASE(ctx, PH_MOVEMENT,
                    pc_synth_movement_make(ctx, &R->sp, R->as_of, R->days, rows, R->order,
                                           R->owned.n, &R->mv),
                    R->mv.stays.n, 0);
  uint64_t tot = R->mv.stays.n;
  if (!rc) rc = pc_sum_u64(ctx, &tot, 1);
  if (!rc)
    pc_log(ctx, "synth: %llu %s over %d %s (%.1f per person)", (unsigned long long)tot,
           pc_plural(tot, "stay", "stays"), R->days, pc_plural((unsigned)R->days, "day", "days"),
           (double)tot / (double)R->N);
  return rc;
}

static void free_run(synth_run *R) {
  pc_synth_movement_free(&R->mv);
  free(R->order);
  free(R->s.size);
  pc_buf_free(&R->owned);
  if (R->have_sp) pc_synth_params_free(&R->sp);
  free(R->regions);
}

/* The plan: the key, province and households; generate the registry, each
 * person sent to the owner of its pid; sort by pid; with days, the movement
 * and (when cases are asked for) the outbreak; write the dataset, then the
 * CSV inputs; publish the cases files only once all is written. */
static int run_synth(pc_ctx *ctx, const pc_config *cfg) {
  synth_run R = {.cfg = cfg,
                 .N = (uint64_t)pc_config_int(cfg, "persons"),
                 .seed = (uint64_t)pc_config_int(cfg, "seed"),
                 .as_of = pc_config_time(cfg, "as_of"),
                 .days = (int)pc_config_int(cfg, "days"),
                 .path = pc_config_str(cfg, "data")};
  pc_buf_init(&R.owned, sizeof(pc_synth_row));
  pc_phases_declare(ctx, synth_phases, PH_N);
  pc_job_record_for(ctx, R.path);
  int rc = PC_PHASE(ctx, PH_SETUP, setup(ctx, &R), R.s.shi - R.s.slo, 0);
  if (!rc)
    pc_log(ctx, "synth: %llu persons in %u communities, %llu household slots",
           (unsigned long long)R.N, R.sp.ncomm, (unsigned long long)pc_synth_household_slots(R.N));
  if (!rc)
    rc = PC_PHASE(ctx, PH_GENERATE,
                  pc_synth_generate(ctx, &R.sp, &R.s, &R.key, R.N, &R.owned, &R.shuffled),
                  R.s.npersons, R.shuffled);
  const pc_synth_row *rows = R.owned.data;
  const size_t n = R.owned.n;
  if (!rc) rc = PC_PHASE(ctx, PH_SORT, pc_synth_order(ctx, rows, n, &R.order), n, 0);
  const pc_synth_movement *mv = R.days > 0 ? &R.mv : NULL;
  if (!rc && mv) rc = movement(ctx, &R);
  if (!rc && mv && (pc_config_given(cfg, "cases_csv") || pc_config_given(cfg, "csv")))
    rc = PC_PHASE(ctx, PH_OUTBREAK,
                  pc_synth_outbreak(ctx, cfg, &R.pend, mv, rows, R.order, n, R.as_of),
                  R.mv.stays.n, 0);
  /* From here a failure must still drop the pending cases files. */
  if (!rc)
    rc = PC_PHASE(ctx, PH_WRITE,
                  pc_synth_write(ctx, cfg, R.path, R.regions, R.nregions, rows, R.order, n, R.N,
                                 &R.key, mv),
                  n + R.mv.stays.n,
                  n * (sizeof(pc_person) + sizeof(pc_identity)) + R.mv.stays.n * sizeof(pc_stay));
  if (!rc && pc_config_given(cfg, "csv"))
    rc = PC_PHASE(ctx, PH_CSV,
                  pc_synth_csv(ctx, pc_config_str(cfg, "csv"), R.regions, R.nregions, rows,
                               R.order, n, mv, R.seed, pc_config_bool(cfg, "realistic")),
                  n + R.mv.stays.n, 0);
  rc = pc_synth_pending_publish(ctx, &R.pend, rc);
  free_run(&R);
  if (!rc) pc_log(ctx, "synth: wrote %s (%llu persons)", R.path, (unsigned long long)R.N);
  return rc;
}

/* Check of meaning at load: index cases come from movement. */
static int check_synth(const pc_config *cfg, pc_config_problems *p) {
  if (pc_config_given(cfg, "cases_csv") && pc_config_int(cfg, "days") == 0)
    pc_config_problem(p, cfg, "cases_csv", "needs movement data: set days (e.g. 14)");
  if (pc_config_bool(cfg, "realistic") && !pc_config_given(cfg, "csv"))
    pc_config_problem(p, cfg, "realistic", "says how the csv files are written: set csv too");
  return 0; /* an output on a file `csv` holds: pc_paths_check (csv_files) */
}

const pc_jobdef pc_job_synth = {
    .name = "synth",
    .summary = "generate a synthetic province (registry, movement, outbreak) into a dataset file",
    .description =
    "Generates N persons with valid resident ID numbers, phones, households, residence,\n"
    "age, sex, sector, employer and vaccine doses, deterministically from `seed`: the\n"
    "same config gives identical /persons and /identities at any rank count. Writes\n"
    "/regions, /persons (sorted by pid, no clear identities) and /identities (restricted).\n"
    "With `days`, every person's stays over the days before as_of (cells, 800 m grids,\n"
    "cafes, hotels, trains, flights; docs/TRACE.md) into /stays (sorted by pid,\n"
    "contiguous; counted by index bucket in /stay_buckets, so index reads them once) and\n"
    "/places; with `cases_csv`, an outbreak's index cases drawn among\n"
    "the visitors of a cafe, a hotel and a train carriage.",
    .keys = synth_keys,
    .run = run_synth,
    .check = check_synth};
