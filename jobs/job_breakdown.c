/* job_breakdown.c - `paicha breakdown`: the population cube and vaccination targets, streamed. */
#include <stdlib.h>
#include <string.h>

#include "pc_breakdown_count.h"
#include "pc_breakdown_targets.h"
#include "pc_budget.h"
#include "pc_cubefile.h"
#include "pc_job.h"
#include "pc_out.h"
#include "pc_time.h"

/* The plan: every rank opens the dataset and reads /regions (the cube's
 * region axis at breakdown.level, the communities of the targets), streams
 * its contiguous share of /persons in chunks of read_rows into the cube
 * [region x age band x sector x doses] and the target counters per
 * (community, age band); the counts are summed onto rank 0, which makes
 * /targets (and /testing from the `flagged` outputs); all ranks write the
 * output. Memory does not grow with the province. */

static const pc_key vacc_keys[] = {
    {.name = "required_doses", .type = PC_T_INT, .def = "2",
     .help = "doses a person needs to be counted as vaccinated", .min = 1, .max = 10},
    {.name = "min_age", .type = PC_T_INT, .def = "3",
     .help = "youngest age eligible for vaccination (targets count from here)", .max = 120},
    {0}};
static const pc_key breakdown_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1, .help = "breakdown file to write (HDF5)"},
    {.name = "as_of", .type = PC_T_TIME,
     .help = "ages are taken at this instant (default: the dataset's as_of)"},
    {.name = "breakdown", .type = PC_T_MAP, .help = "axes of the cube", .sub = pc_breakdown_keys},
    {.name = "vaccination", .type = PC_T_MAP, .help = "what counts as vaccinated",
     .sub = vacc_keys},
    {.name = "flagged", .type = PC_T_STRS, .role = PC_P_IN_H5,
     .help = "trace and/or screen outputs: adds /testing, per community the people to test by "
             "code and the share flagged"},
    {.name = "read_rows", .type = PC_T_INT, .def = "1048576",
     .help = "rows each rank reads at a time (bounds memory)", .min = 1024, .max = 1 << 26},
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_OPEN, PH_COUNT, PH_REDUCE, PH_WRITE, PH_N };
static const char *const breakdown_phases[PH_N] = {
    [PH_OPEN] = "open", [PH_COUNT] = "count", [PH_REDUCE] = "reduce", [PH_WRITE] = "write"};

typedef struct breakdown_run {
  const pc_config *cfg;
  const char *output;
  pc_breakdown_counts C;
  pc_target_row *rows;     /* /targets: rank 0 */
  pc_testing_row *trows;   /* /testing: rank 0, with `flagged` */
  size_t nrows, ntrows;
  uint64_t total, below;   /* persons counted, below the required doses */
} breakdown_run;

/* The dataset, the memory budget, the axes and the counts' memory. Collective, agreed. */
static int open_data(pc_ctx *ctx, breakdown_run *R) {
  PC_CALL(pc_breakdown_open(ctx, R->cfg, &R->C));
  PC_CALL(pc_budget_check(ctx, R->cfg, "breakdown", (double)R->C.npers, 0));
  static const pc_schema *const whole[] = {&pc_schema_regions};
  PC_CALL(pc_budget_check_tables(ctx, R->cfg, R->C.file, whole, 1));
  return pc_breakdown_axes(ctx, &R->C);
}

static int reduce_counts(pc_ctx *ctx, breakdown_run *R) {
  PC_CALL(pc_reduce_u64_to0(ctx, R->C.cube, R->C.ncells));
  return pc_reduce_u64_to0(ctx, R->C.tg, R->C.ntcells);
}

/* Rank 0 makes the tables; every rank learns the totals, checked against
 * /persons. Collective, agreed. */
static int make_tables(pc_ctx *ctx, breakdown_run *R) {
  int rc = 0;
  if (pc_rank(ctx) == 0) {
    rc = pc_breakdown_targets(&R->C, &R->rows, &R->nrows, &R->total, &R->below);
    if (!rc && pc_config_len(R->cfg, "flagged"))
      rc = pc_breakdown_testing(R->cfg, &R->C, &R->trows, &R->ntrows);
  }
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_bcast_u64(ctx, &R->total, 1));
  PC_CALL(pc_bcast_u64(ctx, &R->below, 1));
  if (R->total != R->C.npers)
    return PC_ERROR(PC_ERR_DATA, "counted %llu persons of %llu (internal)",
                    (unsigned long long)R->total, (unsigned long long)R->C.npers);
  return 0;
}

/* /population with its scales in /axes. */
static void write_cube(pc_out *out, const pc_breakdown_counts *C) {
  uint64_t dims[4] = {C->nr, C->nb, PC_NSECTORS, PC_MAX_DOSES + 1};
  out->rc = pc_cubefile_write(out->ctx, out->file, "population", 4, dims, C->cube, out->deflate);
  pc_out_describe(out, "population",
                  "persons by region x age band x sector x vaccine doses; axes in /axes");
  if (!pc_out_agree(out))
    out->rc = pc_cubefile_write_axes(out->ctx, out->file, &C->ax, C->regions, C->nreg, out->deflate);
  if (!pc_out_agree(out)) out->rc = pc_cubefile_attach(out->ctx, out->file, "population", 4);
}

static int write_output(pc_ctx *ctx, breakdown_run *R) {
  PC_CALL(make_tables(ctx, R));
  const pc_config *cfg = R->cfg;
  const pc_breakdown_counts *C = &R->C;
  const int rank0 = pc_rank(ctx) == 0;
  pc_out out;
  char t[24], note[256];
  if (!pc_out_create(ctx, cfg, R->output, &out)) {
    write_cube(&out, C);
    snprintf(note, sizeof note,
             "vaccination targets: per community and age band, persons aged %d+ with fewer than %d "
             "doses (below_required) and with none; sorted by below_required, most first",
             C->min_age, C->required);
    pc_out_table(&out, "targets", pc_schema_type(&pc_schema_targets), R->rows,
                 rank0 ? R->nrows : 0, note);
    if (pc_config_len(cfg, "flagged"))
      pc_out_table(&out, "testing", pc_schema_type(&pc_schema_testing), R->trows,
                   rank0 ? R->ntrows : 0,
                   "testing targets: per residence community with flagged people, its county "
                   "beside it (community names repeat across counties; from the "
                   "`flagged` trace/screen outputs, each person once with the most severe "
                   "code), the people to test by code and the share of residents flagged; "
                   "community 0: residence unknown");
    pc_out_attr_i64(&out, "as_of", C->ax.as_of);
    pc_out_attr_str(&out, "as_of_local", pc_time_format(C->ax.as_of, t));
    pc_out_attr_str(&out, "data", C->data);
    pc_out_attr_u64(&out, "persons", C->npers);
    pc_out_attr_u64(&out, "below_required", R->below);
    pc_out_attr_i64(&out, "required_doses", C->required);
    pc_out_attr_str(&out, "level", pc_config_str(cfg, "breakdown.level"));
    pc_out_record(&out, "persons", json_object_new_uint64(C->npers));
    pc_out_record(&out, "below_required", json_object_new_uint64(R->below));
    pc_out_record(&out, "target_rows", json_object_new_uint64(R->nrows));
  }
  return pc_out_commit(&out, 0);
}

/* The plan: open (dataset, budget, axes); count this rank's persons; sum the
 * counts onto rank 0; make the tables there and write the output. */
static int run_breakdown(pc_ctx *ctx, const pc_config *cfg) {
  breakdown_run R = {.cfg = cfg, .output = pc_config_str(cfg, "output")};
  pc_breakdown_counts *C = &R.C;
  pc_phases_declare(ctx, breakdown_phases, PH_N);
  pc_job_record_for(ctx, R.output);
  int rc = PC_PHASE(ctx, PH_OPEN, open_data(ctx, &R), C->nreg, C->nreg * sizeof(pc_region));
  if (!rc)
    pc_log(ctx, "breakdown: %llu persons, %zu regions at level %s, %zu communities",
           (unsigned long long)C->npers, C->ax.ncodes, pc_config_str(cfg, "breakdown.level"),
           C->ncomm);
  if (!rc)
    rc = PC_PHASE(ctx, PH_COUNT, pc_breakdown_count(ctx, C), C->hi - C->lo,
                  (C->hi - C->lo) * sizeof(pc_person));
  if (!rc)
    rc = PC_PHASE(ctx, PH_REDUCE, reduce_counts(ctx, &R), C->ncells + C->ntcells,
                  (C->ncells + C->ntcells) * 8);
  if (!rc) rc = PC_PHASE(ctx, PH_WRITE, write_output(ctx, &R), R.nrows, C->ncells * 8);
  if (!rc)
    pc_log(ctx, "breakdown: wrote %s (%llu %s, %llu below %d %s)", R.output,
           (unsigned long long)C->npers, pc_plural(C->npers, "person", "persons"),
           (unsigned long long)R.below, C->required, pc_plural((unsigned)C->required, "dose", "doses"));
  free(R.rows);
  free(R.trows);
  pc_breakdown_counts_free(C);
  return rc;
}

const pc_jobdef pc_job_breakdown = {
    .name = "breakdown",
    .summary = "population cube [region x age band x sector x doses], vaccination and testing targets",
    .description =
        "Streams /persons of a dataset in chunks (memory does not grow with the province),\n"
        "counts every person into the cube /population with dimension scales in /axes, and\n"
        "writes /targets: per community and age band, the people below the required doses.\n"
        "With `flagged` (trace and screen outputs of this dataset), also /testing: per\n"
        "residence community, the people to test by code and the share of residents flagged.",
    .keys = breakdown_keys,
    .run = run_breakdown,
    .check = pc_cube_axes_check};
