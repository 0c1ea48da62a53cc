/* pc_breakdown_targets.h - breakdown's tables on rank 0: vaccination targets from the counts, testing targets from flagged outputs. */
#ifndef PC_BREAKDOWN_TARGETS_H
#define PC_BREAKDOWN_TARGETS_H

#include "pc_breakdown_count.h"

/* Local (rank 0, holding the summed counts): one /targets row per
 * (community, age band) with people, sorted by below_required (most first),
 * then community and band; *total: persons counted (the unknown community
 * included), *below: below the required doses. *rows malloc'd, the caller
 * frees. Fails with PC_ERR_MEM. */
int pc_breakdown_targets(const pc_breakdown_counts *C, pc_target_row **rows, size_t *nrows,
                         uint64_t *total, uint64_t *below);

/* Local (rank 0, holding the summed counts): /testing from the `flagged`
 * outputs of cfg: every flagged person once, by residence community, with
 * the most severe code of any file. Fails with PC_ERR_IO naming a file that
 * cannot be opened, the error of pc_flagged_check_data (another dataset) or
 * pc_flagged_read, or PC_ERR_MEM. *out malloc'd, the caller frees. */
int pc_breakdown_testing(const pc_config *cfg, const pc_breakdown_counts *C, pc_testing_row **out,
                         size_t *nout);

#endif
