/* pc_job.h - what every job entry point shares: its definition, common config keys, the runner. */
#ifndef PC_JOB_H
#define PC_JOB_H

#include "pc_config.h"
#include "pc_hash.h"
#include "pc_mpi.h"

typedef struct pc_jobdef {
  const char *name;
  const char *summary;      /* one line for `paicha --help` */
  const char *description;  /* paragraph for `paicha JOB --help` */
  const pc_key *keys;
  int (*run)(pc_ctx *ctx, const pc_config *cfg); /* collective; returns a (possibly local) status */
} pc_jobdef;

extern const pc_jobdef pc_job_synth, pc_job_breakdown, pc_job_ingest, pc_job_index, pc_job_trace,
    pc_job_screen, pc_job_plan, pc_job_dispatch, pc_job_purge, pc_job_report;

/* Keys every job accepts (see pc_job.c): quiet, shuffle_round_mb, output_mode, io. */
extern const pc_key pc_io_keys[];
#define PC_KEYS_COMMON                                                                     \
  {"quiet", PC_T_BOOL, 0, "false", "no progress lines (the phase table is still printed)", \
   NULL, NULL, 0, 0},                                                                      \
      {"shuffle_round_mb", PC_T_INT, 0, "64",                                              \
       "MB each rank sends per all-to-all round (bounds shuffle buffers)", NULL, NULL, 1,  \
       65536},                                                                             \
      {"memory_per_rank", PC_T_STR, 0, NULL,                                               \
       "memory budget per rank (4G, 512M); default: Slurm's --mem or the node's available " \
       "memory over its ranks. A job predicted (bench/rates.yaml) not to fit stops before " \
       "it starts; shuffles take more, smaller rounds to stay within it",                  \
       NULL, NULL, 0, 0},                                                                  \
      {"output_mode", PC_T_STR, 0, "0600",                                                 \
       "permissions of files written: 0600 owner only, 0640 adds group read", NULL,        \
       pc_output_modes, 0, 0},                                                             \
      {"io", PC_T_MAP, 0, NULL, "HDF5 layout of outputs", pc_io_keys, NULL, 0, 0}
extern const char *const pc_output_modes[];

/* Run a job: MPI already initialised. Loads the config on rank 0, reports
 * every problem with file:line:col, broadcasts the effective config, runs the
 * job, agrees on the outcome, prints one error message or the phase table.
 * Returns the process exit status (0 ok, 1 failure, 2 bad config). Collective. */
int pc_job_run(const pc_jobdef *job, const char *config_path, int quiet);

/* Rank 0 loads (creating it when `create`) the key file and broadcasts the
 * key. Collective. */
int pc_job_key(pc_ctx *ctx, const char *path, int create, pc_key128 *key);

/* The run record path for an output: "<output>.run.json". */
void pc_job_record_for(pc_ctx *ctx, const char *output);

/* Shared with trace (job_breakdown.c): the cube's axes keys, levels and scales. */
#include "pc_cube.h"
#include "pc_h5.h"
#include "pc_province.h"
extern const pc_key pc_breakdown_keys[]; /* level, age_edges */
extern const pc_key pc_int_item[];
/* Level and age edges of `breakdown:` (checked; a clear config error otherwise). Local. */
int pc_cube_axes_config(const pc_config *cfg, pc_cube_axes *ax);
/* Collective: write /axes (region codes and names, age bands, sectors, doses)
 * as dimension scales for cubes with these axes. */
int pc_cube_write_axes(pc_ctx *ctx, hid_t file, const pc_cube_axes *ax, const pc_region *regions,
                       size_t nregions, int deflate);

#endif
