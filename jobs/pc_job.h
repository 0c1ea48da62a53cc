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
  /* Checks of meaning beyond the key table (NULL: none), run on rank 0 at
   * load, before any file is opened; a problem found exits 2 like a schema
   * error. run() may then trust what they checked. */
  pc_config_check_fn *check;
  /* `--check` only (NULL: none): the inputs' contents beyond their paths
   * (trace: every row of cases.csv), each problem at its file and line;
   * *rows: how many rows it read, for the OK line. Local. */
  int (*inspect)(const pc_config *cfg, pc_config_problems *p, uint64_t *rows);
} pc_jobdef;

extern const pc_jobdef pc_job_synth, pc_job_breakdown, pc_job_ingest, pc_job_index, pc_job_trace,
    pc_job_screen, pc_job_plan, pc_job_dispatch, pc_job_purge, pc_job_report;
extern const pc_jobdef pc_job_sources, pc_job_itinerary, pc_job_ledger, pc_job_bounds;

/* Keys every job accepts (see pc_job.c): quiet, shuffle_round_mb, memory_per_rank,
 * huge_pages, output_mode, shared_dir_ok (no default: absent from the effective config),
 * busy_output, io. */
extern const pc_key pc_io_keys[];
#define PC_KEYS_COMMON                                                                   \
  {.name = "quiet", .type = PC_T_BOOL, .def = "false",                                   \
   .help = "silent on success: no progress lines, no phase table (errors and warnings "  \
           "are printed)"},                                                              \
  {.name = "shuffle_round_mb", .type = PC_T_INT, .def = "64",                            \
   .help = "MB each rank sends per all-to-all round (bounds shuffle buffers; also "       \
           "screen's window of the index's area view)", .min = 1,                         \
   .max = 65536},                                                                        \
  {.name = "memory_per_rank", .type = PC_T_STR,                                          \
   .help = "memory budget per rank (4G, 512M); default: Slurm's --mem or the node's "    \
           "available memory over its ranks. A job predicted (bench/rates.yaml) not to " \
           "fit stops before it starts; shuffles take more, smaller rounds to stay "     \
           "within it"},                                                                 \
  {.name = "huge_pages", .type = PC_T_STR, .def = "auto", .choices = pc_huge_choices,     \
   .help = "advise the kernel to back the job's memory with 2 MB pages: auto (when THP " \
           "is `madvise` and the node's free 2 MB blocks are 4x what its ranks are "       \
           "predicted to use, or for index, ingest and synth whatever the free blocks; "   \
           "a job without predicted memory: not on auto), always, never"},                 \
  {.name = "output_mode", .type = PC_T_STR, .def = "0600",                               \
   .help = "permissions of files written: 0600 owner only, 0640 adds group read",        \
   .choices = pc_output_modes},                                                          \
  {.name = "shared_dir_ok", .type = PC_T_BOOL,                                           \
   .help = "write into an output directory other accounts can write (default false: "    \
           "refused); files are still created exclusively under unpredictable names"},   \
  {.name = "busy_output", .type = PC_T_STR, .def = "refuse", .choices = pc_busy_choices, \
   .help = "when another run is writing one of this run's outputs: refuse (stop at "     \
           "once, naming it) or wait (until it ends)"},                                  \
  {.name = "io", .type = PC_T_MAP, .help = "HDF5 layout of outputs", .sub = pc_io_keys}
extern const char *const pc_output_modes[], *const pc_busy_choices[], *const pc_huge_choices[];

/* Local, never fails: the keys job accepts - its own, then those SPEC says
 * jobs share (key, data, index, as_of, output) that it lacks, accepted and
 * not used (said in --help, logged in one line when given), then `jobs`
 * (PC_T_SECTIONS): per job name, keys taken by that job alone over the top
 * level's, so one config per outbreak serves every job (their outputs
 * differ). A key no job of the config knows is still refused. */
const pc_key *pc_job_keys(const pc_jobdef *job);
/* Local, never fails: the NULL-terminated table of every job (main), whose
 * names are the sections `jobs` may hold; called once before pc_job_keys. */
void pc_job_register(const pc_jobdef *const *jobs);

/* Run a job: MPI already initialised. Loads the config on rank 0, checks
 * its meaning (the keys every job shares, then job->check), then, when they
 * hold, every path by its role (pc_paths_check), reports every
 * problem with file:line:col, broadcasts the effective config, runs the
 * job, agrees on the outcome, prints one error message or the phase table.
 * Returns the process exit status (0 ok, 1 failure, 2 bad config), the same
 * on every rank. Collective, agreed. */
int pc_job_run(const pc_jobdef *job, const char *config_path, int quiet);

/* `paicha JOB --check`: what pc_job_run checks before any work (the keys,
 * their meaning, every path by its role: pc_paths_check) and job->inspect;
 * prints every problem (exit 2) or "FILE: config OK (...)" (exit 0). Local:
 * no MPI, no output written. Returns the exit status. */
int pc_job_check(const pc_jobdef *job, const char *config_path);

/* Rank 0 loads (creating it when `create`) the key file and broadcasts the
 * key. Collective, agreed on the key file's problems (the broadcast is not). */
int pc_job_key(pc_ctx *ctx, const char *path, int create, pc_key128 *key);

/* The run record path for an output: "<output>.run.json". Local, never fails. */
void pc_job_record_for(pc_ctx *ctx, const char *output);

#endif
