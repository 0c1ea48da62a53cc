/* pc_ledger_stats.h - a ledger's measures per jurisdiction and yield per class and channel at a time, on rank 0. */
#ifndef PC_LEDGER_STATS_H
#define PC_LEDGER_STATS_H

#include "pc_ledger.h"
#include "pc_mpi.h"

/* Collective, agreed: the measures (pc_ledger_measure, per jurisdiction)
 * and yield (pc_ledger_yield, per first class and channel; first flags as
 * hop0 or positive left out: they were cases when first seen) at time `at`
 * of the rows rows[0..n) every rank holds, as campaign.md defines them:
 * reached_24h when reached_at - flagged_at <= 24 h; overdue when flagged_at
 * < at - 24 h, never reached, code active; positive (yield) when case_at >
 * flagged_at. Each rank counts into one row per key, rank 0 sums them:
 * *m and *y are rank 0's, sorted by jurisdiction, by class then channel
 * (NULL and 0 elsewhere), the caller frees them. PC_ERR_MEM, PC_ERR_MPI. */
int pc_ledger_stats(pc_ctx *ctx, const pc_ledger_row *rows, size_t n, int64_t at,
                    pc_ledger_measure **m, size_t *nm, pc_ledger_yield **y, size_t *ny);

#endif
