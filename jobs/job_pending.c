/* job_pending.c - jobs of the contract not built yet: they say so and fail, never pretend. */
#include "pc_job.h"

static const pc_key pending_keys[] = {{0}};

static int not_yet(pc_ctx *ctx, const pc_config *cfg) {
  (void)cfg;
  return PC_ERROR(PC_ERR_UNSUPPORTED, "job '%s' is not implemented in this version", ctx->job);
}

#define PENDING(var, nm, what)                                                             \
  const pc_jobdef var = {nm, what " (not implemented yet)",                                \
                         "This job is part of the contract but not built yet: it exits "   \
                         "with status 1.",                                                 \
                         pending_keys, not_yet}

PENDING(pc_job_plan, "plan", "predict memory and time per rank, recommend an sbatch header");
