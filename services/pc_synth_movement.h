/* pc_synth_movement.h - synth's movement (every owned person's stays, in pid order) and the outbreak's index cases drawn from it. */
#ifndef PC_SYNTH_MOVEMENT_H
#define PC_SYNTH_MOVEMENT_H

#include "pc_config.h"
#include "pc_move.h"
#include "pc_synth_registry.h"

/* This rank's stays, generated for its persons in pid order, so /stays is born sorted. */
typedef struct pc_synth_movement {
  pc_buf stays;          /* pc_stay, sorted by (pid, start, channel, place) */
  uint64_t checksum;     /* local sum of stay_fingerprint */
  pc_move_params mp;
  int have_mp;
} pc_synth_movement;

/* Collective, agreed. The stays of the n rows taken in `order` over the
 * `days` days before as_of into mv (zeroed by the caller; free it with
 * pc_synth_movement_free, also on failure). Persons without a phone have no
 * cell or grid records. Fails with PC_ERR_MEM or the movement model's error. */
int pc_synth_movement_make(pc_ctx *ctx, const pc_synth_params *sp, int64_t as_of, int days,
                           const pc_synth_row *rows, const pc_kv *order, size_t n,
                           pc_synth_movement *mv);
/* Local, never fails. */
void pc_synth_movement_free(pc_synth_movement *mv);

/* The outbreak's cases files, written under temporary names and renamed
 * only once the dataset is committed: a failed synth publishes none. */
typedef struct pc_synth_pending {
  int n;
  char tmp[2][4200], path[2][4200];
} pc_synth_pending;

/* Collective, agreed. The outbreak: the persons who visited the venues in
 * their period are the pool (then, in a province too small for them, those who
 * visited another cafe, hotel, flight or train then: pc_move_pool_part); the
 * cases are the `outbreak.cases` of them first by a key-independent draw, with
 * onsets 2-5 days after their visit and isolation 1-2 days after onset (left
 * empty when that is after as_of).
 * Written by rank 0 to `cases_csv` and CSV_DIR/cases.csv (the directory made
 * if missing), under temporary names kept in pend. Fails with PC_ERR_MEM,
 * PC_ERR_IO (a file), or PC_ERR_DATA when the pool holds fewer persons
 * than cases are asked for. */
int pc_synth_outbreak(pc_ctx *ctx, const pc_config *cfg, pc_synth_pending *pend,
                      const pc_synth_movement *mv, const pc_synth_row *rows, const pc_kv *order,
                      size_t n, int64_t as_of);
/* Collective, agreed, at the end of the run: each pending file committed
 * (pc_atomic_commit: renamed into place, or under the job runner listed for
 * the run's publication) when rc is 0, else removed. Returns the agreed
 * status. */
int pc_synth_pending_publish(pc_ctx *ctx, pc_synth_pending *pend, int rc);

#endif
