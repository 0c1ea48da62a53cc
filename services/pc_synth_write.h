/* pc_synth_write.h - synth's dataset: /regions, the registry by pid, /stays and /places, the window and the key's fingerprint. */
#ifndef PC_SYNTH_WRITE_H
#define PC_SYNTH_WRITE_H

#include "pc_config.h"
#include "pc_synth_movement.h"
#include "pc_types.h"

/* Collective, agreed. Writes the dataset `path` through the output writer
 * (temporary name, commit): /regions (rank 0's nregions), /persons and
 * /identities from the n rows in `order` (N in all), with mv (NULL: no
 * movement) /stays, contiguous, /places and their counts, then the
 * attributes of the window, seed and key. Fails with the writer's errors
 * (nothing is left behind) or PC_ERR_MEM. */
int pc_synth_write(pc_ctx *ctx, const pc_config *cfg, const char *path, const pc_region *regions,
                   size_t nregions, const pc_synth_row *rows, const pc_kv *order, size_t n,
                   uint64_t N, const pc_key128 *key, const pc_synth_movement *mv);

#endif
