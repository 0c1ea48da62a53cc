/* pc_stay_buckets.h - a dataset's stays counted by place bucket, written beside /stays so that index need not count them. */
#ifndef PC_STAY_BUCKETS_H
#define PC_STAY_BUCKETS_H

#include <stdint.h>

#include "pc_config.h"
#include "pc_indexfile.h"
#include "pc_mpi.h"
#include "pc_out.h"
#include "pc_types.h"

/* /stay_buckets: the rows of /stays in each place bucket (pc_bucket_of) at
 * the bucket count index chooses for them by default (pc_index_buckets),
 * uint64, and root attribute stay_buckets_checksum: the stays_checksum of
 * the stays counted. index takes its counts from it instead of a pass of
 * its own over /stays when the checksum is the file's and its bucket count
 * a multiple of the one wanted; a file rewritten by another tool (new
 * stays, a new checksum) is counted as before. */
typedef struct pc_stay_buckets {
  uint32_t nb;
  uint64_t *count;
} pc_stay_buckets;

/* Collective, agreed: counts for a dataset of nstays stays over all ranks
 * (every rank the same nb), checked against the memory budget
 * (pc_budget_check_more: 8 bytes a bucket on each rank). */
int pc_stay_buckets_init(pc_ctx *ctx, const pc_config *cfg, pc_stay_buckets *h, uint64_t nstays);
/* Local, never fails: stays s[0..n) counted. */
void pc_stay_buckets_add(pc_stay_buckets *h, const pc_stay *s, size_t n);
/* Collective, agreed: the ranks' counts summed and written as /stay_buckets
 * of out, tagged with checksum (the stays' stays_checksum). */
int pc_stay_buckets_write(pc_ctx *ctx, pc_out *out, pc_stay_buckets *h, uint64_t checksum);
/* Local, never fails. */
void pc_stay_buckets_free(pc_stay_buckets *h);
/* Collective, agreed: the four above for stays held whole: this rank's
 * s[0..n) of nstays over all ranks, counted and written as /stay_buckets of
 * out, tagged with checksum. */
int pc_stay_buckets_of(pc_ctx *ctx, const pc_config *cfg, pc_out *out, const pc_stay *s,
                       size_t n, uint64_t nstays, uint64_t checksum);

/* Collective, agreed: whether data (at path, nstays rows of /stays) holds
 * /stay_buckets counting its stays (tagged with its stays_checksum) at a
 * multiple of nb buckets; then rank 0 adds them, folded to nb, to
 * count[0..nb), *have is 1 and *len their number. Else *have is 0 and why
 * says why not (a phrase for the log). A damaged /stay_buckets (its HDF5
 * checksum, or a total other than nstays) is an error naming the file. */
int pc_stay_buckets_read(pc_ctx *ctx, pc_file data, const char *path, uint64_t nstays,
                         uint32_t nb, uint64_t *count, int *have, uint64_t *len,
                         const char **why);

#endif
