/* pc_ledger_stats.h - the ledger's measures per jurisdiction and yield per channel at a time, summed on rank 0. */
#ifndef PC_LEDGER_STATS_H
#define PC_LEDGER_STATS_H

#include "pc_ledger.h"
#include "pc_mpi.h"

/* Collective, agreed: measures and yield at time `at` of the ledger rows
 * r[0..n) of every rank (pc_ledger_measure per jurisdiction, pc_ledger_yield
 * per first class and channel, a first flag as a case, hop0 or positive,
 * not counted), reduced onto rank 0: *m and *y are rank 0's, sorted by
 * jurisdiction and by class and channel (NULL and 0 elsewhere); the caller
 * frees them. PC_ERR_MEM. */
int pc_ledger_stats(pc_ctx *ctx, const pc_ledger_row *r, size_t n, int64_t at,
                    pc_ledger_measure **m, size_t *nm, pc_ledger_yield **y, size_t *ny);

#endif
