/* pc_part.h - who owns what: rows, pids and buckets cut into contiguous ranges, one per rank. */
#ifndef PC_PART_H
#define PC_PART_H

#include <stddef.h>
#include <stdint.h>

/*
 * Ownership
 * ---------
 * Every partition is a cut of an ordered space into P contiguous ranges,
 * rank r's range before rank r+1's, so concatenating the ranks' pieces in
 * rank order gives the whole in order:
 *
 *   rows of a table (n):  0       n/P      2n/P          n     pc_own_range
 *                         |-rank 0-|-rank 1-|-- ... --|
 *   pids (uniform 2^64):  rank r owns the pids p with p*P >> 64 == r
 *                         (pc_owner_of), a range            pc_owner_range
 *   buckets (by rows):    0  b0[1]   b0[2]          B       pc_cut_ranges
 *                         |-r0-|--r1--|--- ... ---|         (cut where the
 *                         rows up to a bucket cross r/P of all rows)
 */

/* First row of rank k's share of n rows, n k / nranks (k = nranks: n).
 * Local, cannot fail (n * nranks must fit in 64 bits). */
static inline uint64_t pc_own_first(uint64_t n, int k, int nranks) {
  return n * (uint64_t)k / (uint64_t)nranks;
}
/* Rows [*lo, *hi) of n owned by `rank` of `nranks`: contiguous, in rank
 * order, sizes differing by at most one. Local, cannot fail. */
static inline void pc_own_range(uint64_t n, int rank, int nranks, uint64_t *lo, uint64_t *hi) {
  *lo = pc_own_first(n, rank, nranks);
  *hi = pc_own_first(n, rank + 1, nranks);
}

/* The pid range [*p0, *p1] (both inclusive) owned by rank r of n under
 * pc_owner_of (owner = pid * n >> 64): its inverse. Local, cannot fail. */
void pc_owner_range(int r, int n, uint64_t *p0, uint64_t *p1);

/* Cut nitems buckets whose rows start at start[0..nitems] (prefix sums,
 * start[nitems] = all rows) into nranks contiguous ranges of about equal
 * rows: rank r owns buckets [b0[r], b0[r+1]), b0 has nranks + 1 entries,
 * b0[nranks] = nitems. A bucket bigger than a share makes some ranges empty.
 * Local, cannot fail. */
void pc_cut_ranges(const uint64_t *start, uint32_t nitems, uint32_t nranks, uint32_t *b0);
/* The cuts of pc_cut_ranges as items [lo, hi) see them, from start[lo..hi)
 * and start[nitems] only: cut[r] = the first b in [lo, hi) with start[b] at
 * or past rank r's share, else nitems (cut[nranks] = nitems). Over slices
 * that cover [0, nitems), the least cut[r] of any slice is b0[r]: ranks that
 * each read a slice of a bucket directory find the cut together (a minimum)
 * without any reading it all. Local, cannot fail. */
void pc_cut_ranges_part(const uint64_t *start, uint32_t nitems, uint32_t lo, uint32_t hi,
                        uint32_t nranks, uint64_t *cut);
/* Rank that owns bucket b under a cut b0 of nranks + 1 entries (the last r
 * with b0[r] <= b). A binary search without branches: at two ranks its one
 * comparison went either way at random, and as a call it was 4 % of the
 * index's shuffle. Local, cannot fail. */
static inline int pc_range_owner(const uint32_t *b0, int nranks, uint32_t b) {
  const uint32_t *at = b0; /* b0[0] = 0 <= b: the answer is in [at, at + len) */
  for (int len = nranks; len > 1;) {
    const int half = len / 2;
    at += at[half] <= b ? half : 0;
    len -= half;
  }
  return (int)(at - b0);
}

#endif
