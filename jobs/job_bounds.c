/* job_bounds.c - `paicha bounds`: what this machine can do per rank (memory, all-to-all, file write and read), for the phase table's "bound" column. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc_bounds.h"
#include "pc_budget.h"
#include "pc_job.h"
#include "pc_textout.h"

static const pc_key bounds_keys[] = {
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1,
     .help = "the figures as bench/rates.yaml's `bounds:` line (the run record beside it, "
             "OUTPUT.run.json, holds every figure); the scratch files are written in its directory"},
    {.name = "size_mb", .type = PC_T_INT, .def = "512",
     .help = "MB per rank each test moves (two buffers of it in memory, a file of it per rank)",
     .min = 1, .max = 1 << 20},
    PC_KEYS_COMMON,
    {0}};

enum { PH_MEASURE, PH_WRITE, PH_N };
static const char *const bounds_phases[PH_N] = {[PH_MEASURE] = "measure", [PH_WRITE] = "write"};

/* The `bounds:` line of bench/rates.yaml (the upper bounds a phase can
 * reach: reads and writes through the page cache) and a comment with the
 * rest. Rank 0 writes it. Collective, agreed. */
static int write_line(pc_ctx *ctx, const char *out, const pc_bounds *B) {
  char text[1024], day[16];
  time_t now = time(NULL);
  strftime(day, sizeof day, "%Y-%m-%d", gmtime(&now));
  snprintf(text, sizeof text,
           "bounds: {read_mb_s: %.0f, memory_mb_s: %.0f, network_mb_s: %.0f, write_mb_s: %.0f, "
           "remove_mb_s: %.0f}\n"
           "# paicha bounds, %d %s, %s: per rank, all ranks at once; cold read %.0f MB/s%s, "
           "write with fsync %.0f MB/s, first touch of memory %.0f MB/s\n",
           B->read, B->memory, B->network, B->write, B->remove, pc_nranks(ctx),
           pc_plural((unsigned)pc_nranks(ctx), "rank", "ranks"), day, B->disk_read,
           B->cold ? "" : " (not cold: the file system kept it)", B->disk_write, B->touch);
  pc_textout o;
  PC_CALL(pc_textout_open(ctx, out, pc_rank(ctx) == 0 ? text : "", &o));
  return pc_textout_close(ctx, &o, 0);
}

static int record(pc_ctx *ctx, const pc_bounds *B) {
  char v[512];
  snprintf(v, sizeof v,
           "{\"read_mb_s\": %.1f, \"memory_mb_s\": %.1f, \"network_mb_s\": %.1f, \"write_mb_s\": %.1f, "
           "\"remove_mb_s\": %.1f, \"disk_read_mb_s\": %.1f, \"disk_write_mb_s\": %.1f, "
           "\"touch_mb_s\": %.1f, \"cold\": %s}",
           B->read, B->memory, B->network, B->write, B->remove, B->disk_read, B->disk_write, B->touch,
           B->cold ? "true" : "false");
  return pc_record_add(ctx, "bounds", v);
}

static int measure(pc_ctx *ctx, const pc_config *cfg, pc_bounds *B) {
  const char *out = pc_config_str(cfg, "output");
  const size_t bytes = (size_t)pc_config_int(cfg, "size_mb") << 20;
  PC_CALL(pc_budget_check_more(ctx, cfg, "two buffers for the measures", 2.0 * (double)bytes));
  char d[4096];
  snprintf(d, sizeof d, "%s", out);
  PC_CALL(pc_bounds_measure(ctx, dirname(d), bytes, B));
  return pc_agree(ctx, pc_rank(ctx) == 0 ? record(ctx, B) : 0);
}

static int run_bounds(pc_ctx *ctx, const pc_config *cfg) {
  pc_bounds B;
  const char *out = pc_config_str(cfg, "output");
  pc_job_record_for(ctx, out);
  pc_phases_declare(ctx, bounds_phases, PH_N);
  int rc = PC_PHASE(ctx, PH_MEASURE, measure(ctx, cfg, &B), 0, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_WRITE, write_line(ctx, out, &B), 1, 0);
  return rc;
}

const pc_jobdef pc_job_bounds = {
    .name = "bounds",
    .summary = "measure what this machine can do per rank (memory, all-to-all, file write and read)",
    .description =
        "Every rank at once, best of 3: copies size_mb of memory (after timing its first\n"
        "touch), sends size_mb through MPI_Alltoall ((P-1)/P of it to the other ranks),\n"
        "writes a scratch file of size_mb in output's directory (owner only, removed after),\n"
        "first into the page cache then with fsync, drops its pages and reads it back cold,\n"
        "then again from the page cache; times rank 0's removal of its file (3 x size_mb)\n"
        "alone (remove_mb_s: what `paicha plan` adds for the output a job `replaces`).\n"
        "Writes `output`: the `bounds:` line of bench/rates.yaml (reads and writes through\n"
        "the page cache: the most a phase can reach; remove_mb_s) with the rest as a\n"
        "comment; every figure is in OUTPUT.run.json. Compiled into paicha from\n"
        "bench/rates.yaml, the line gives every job's phase table its \"bound\" column:\n"
        "the share of the machine's speed for its kind of bytes (read, memory, network,\n"
        "write) a phase reached. `make bench BENCH=bounds` runs it.",
    .keys = bounds_keys,
    .run = run_bounds};
