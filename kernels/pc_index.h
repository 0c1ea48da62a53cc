/* pc_index.h - the place view of the stays (the co-location index) and the
 * kernel that answers "who was at place p during [a, b)?". Plain C. */
#ifndef PC_INDEX_H
#define PC_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pc_contact.h"
#include "pc_hash.h"
#include "pc_time.h"
#include "pc_types.h"

/*
 * Place view
 * ----------
 * One row per stay (and one per household member, channel 0, place = the
 * household id, spanning the data window), kept at the rank that owns its
 * bucket, globally sorted by (bucket, place, start, end, pid, row, carriage):
 *
 *   bucket = hash(place, local day of start) for lbs and grid  (a station
 *            cell's 14 days land in 14 buckets: hot places spread out)
 *          = hash(place)                     for the other channels
 *
 *   bucket:   0        1        2   ...                    B-1
 *   rows:   |--------|---|----------|-- ... --|------------|
 *   ranks:  |<----- rank 0 ----->|<--- rank 1 --->| ... (contiguous bucket
 *            ranges cut where the cumulative row count crosses k/P of the total)
 *
 * A query (place p, [a, b)) for lbs/grid goes to the buckets of every local
 * day from day(a - D_c) to day(b - 1), where D_c is the longest stay of the
 * channel, since a stay that overlaps [a, b) starts no earlier than a - D_c.
 * Within a bucket, the rows of p are one run sorted by start; with the run's
 * longest stay d beside it, the candidates are the rows starting in
 * [a - d, b): a binary search and a scan.
 */
typedef struct pc_irow {
  uint64_t pid;
  uint64_t place;
  int64_t start, end;
  uint32_t cum;      /* grid: the person's whole minutes in this grid over the data window */
  int16_t row;
  uint8_t channel;
  uint8_t carriage;
} pc_irow;           /* 40 bytes: the on-disk row of the index's /place_rows */
_Static_assert(sizeof(pc_irow) == 40, "pc_irow is the on-disk row of /place_rows");

/* Channels whose places are cut by day into buckets. Local. */
static inline int pc_channel_by_day(int c) { return c == PC_CH_LBS || c == PC_CH_GRID; }

/* Bucket of a row of place `place` (channel c) starting at `start`; nbuckets
 * is a power of two. Local, cannot fail. */
static inline uint32_t pc_bucket_of(uint64_t place, int c, int64_t start, uint32_t nbuckets) {
  if (c == PC_CH_RAIL) place = pc_rail_train(place); /* a train's carriages share a bucket */
  uint64_t h = pc_mix64(place * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
  if (pc_channel_by_day(c)) h = pc_mix64(h ^ (uint64_t)pc_local_day(start));
  return (uint32_t)(h & (nbuckets - 1));
}

/* Buckets for a dataset of nstays: about one per 128 stays, a power of two
 * from 1024 to 2^24, from the size of the data alone, never from the rank
 * count (given > 0: that, a power of two as pc_index_buckets_check made
 * sure). Local, never fails. */
uint32_t pc_index_buckets(uint64_t nstays, int64_t given);

/* Add each stay of s[0..n) to count[its bucket] (pc_bucket_of, nbuckets):
 * the counts of a table are the counts of its pieces summed, and those of
 * nbuckets / 2^j buckets the counts of nbuckets folded (bucket k of fewer
 * is every k' with k' & (fewer - 1) == k). Local, cannot fail. */
void pc_stays_bucket_count(const pc_stay *s, size_t n, uint32_t nbuckets, uint64_t *count);

/* Row directories over pid-sorted tables (/persons, /identities, /stays):
 * dir[k] is the first row whose pid has top `bits` bits >= k (2^bits + 1
 * entries), so the rows of one pid, or of one rank's pid range, are found
 * without a search of the file. */
typedef struct pc_piddir {
  int bits;
  uint64_t *persons, *identities, *stays;
  int part;        /* 1: only slots k0..k1 are held (entries k0..k1 + 1, and 2^bits), a
                    * rank's own pids' (pc_pview_open); 0: all */
  uint64_t k0, k1;
} pc_piddir;

/* 1 when d holds slot k. Local, cannot fail. */
static inline int pc_piddir_holds(const pc_piddir *d, uint64_t k) {
  return !d->part || (k >= d->k0 && k <= d->k1);
}

/* 0 when d holds slot k, else PC_ERR_ARG saying so (a lookup of a pid
 * another rank owns: the caller's mistake, never a silent empty run). Local. */
int pc_piddir_need(const pc_piddir *d, uint64_t k);

/* Directory slot of a pid: its top `bits` bits. Local, cannot fail. */
static inline uint64_t pc_piddir_key(const pc_piddir *d, uint64_t pid) {
  return pid >> (64 - d->bits);
}
/* Bits of a directory for tables of up to n rows: about 256 rows a slot,
 * 8..24 bits. Local, cannot fail. */
int pc_piddir_bits(uint64_t n);
/* A directory from the rows of each slot counts[0..2^bits) (prefix sums,
 * 2^bits + 1 entries); malloc'd, the caller frees. Local; NULL (PC_ERR_MEM
 * recorded) when out of memory. */
uint64_t *pc_piddir_make(const uint64_t *counts, int bits);
/* Rows [*lo, *hi) of a pid-sorted table with directory dir that may hold
 * pids in [p0, p1] (a superset: filter by pid). Local, cannot fail. */
void pc_piddir_range(const pc_piddir *d, const uint64_t *dir, uint64_t p0, uint64_t p1,
                     uint64_t *lo, uint64_t *hi);

/* The local days [*d0, *d1] whose buckets a query [a, b) of a by-day channel
 * asks (pc_channel_by_day): a row overlapping [a, b) starts on day(a - dmax)
 * or later, dmax the channel's longest row, and before b. Day d's bucket is
 * pc_bucket_of(place, c, pc_local_midnight(d), nbuckets). Local, cannot fail. */
static inline void pc_query_days(int64_t a, int64_t b, int64_t dmax, int64_t *d0, int64_t *d1) {
  *d0 = pc_local_day(a - dmax);
  *d1 = pc_local_day(b - 1);
}

/* Order of rows within a bucket: (place, start, end, pid, row, carriage). Local. */
int pc_irow_cmp(const pc_irow *a, const pc_irow *b);
/* Sort rows already grouped by bucket (bstart[k]..bstart[k+1] holds bucket k
 * for k in [0, nb)) within each bucket. Local. */
void pc_irow_sort_buckets(pc_irow *rows, const uint64_t *bstart, size_t nb);
/* Group rows v[0..n), all of buckets [b0, b1) (of nbuckets, pc_bucket_of),
 * by bucket, in place, and sort each bucket (pc_irow_sort_buckets):
 * local[k - b0] is the first row of bucket k once grouped (b1 - b0 + 1
 * entries, local[b1 - b0] = n: the counts must be those of v). Local;
 * returns 0, or PC_ERR_MEM (v unchanged). */
int pc_irow_group_sort(pc_irow *v, size_t n, uint32_t b0, uint32_t b1, uint32_t nbuckets,
                       const uint64_t *local);
/* The same grouping done as rows arrive (the index build's shuffle), without
 * a copy of them all: pc_irow_place puts each row, in arrival order, into
 * the group of buckets it belongs to (at most 1024 groups, each a range of
 * rows[]); pc_irow_placer_finish, once every row is placed, splits each
 * group into its buckets through a scratch of the largest group and sorts
 * its buckets, group after group; after each group, done (when set) is
 * called with the end of the rows now final (rows[0..upto) in order: a
 * writer may take them while the next groups are sorted). Rows end
 * exactly where pc_irow_group_sort puts the same rows received in the same
 * order. local: as for pc_irow_group_sort, and with
 * rows[] (room for local[b1 - b0] rows) outliving the placer. Local. Place
 * fails with PC_ERR_DATA on a row outside [b0, b1) (a row sent to the
 * wrong rank); a row beyond its group's count is not placed but counted
 * (over), so that a caller whose counts came from elsewhere (a file) can
 * first look for the cause among the rows. Finish fails with PC_ERR_DATA
 * when over is not 0, a group got fewer rows than counted, or a bucket
 * other than its count (nothing is ever written out of rows[]); PC_ERR_MEM. */
typedef struct pc_irow_placer {
  pc_irow *rows;
  const uint64_t *local;
  uint32_t b0, nb, nbuckets, ngroups;
  int shift;
  uint64_t gfill[1026], gend[1026]; /* per group: next free row, end of its rows */
  uint64_t placed, over; /* over: rows beyond their group's count, not placed */
  void (*done)(void *arg, uint64_t upto); /* optional, set after init */
  void *done_arg;
} pc_irow_placer;
int pc_irow_placer_init(pc_irow_placer *p, pc_irow *rows, const uint64_t *local, uint32_t b0,
                        uint32_t b1, uint32_t nbuckets);
int pc_irow_place(pc_irow_placer *p, const pc_irow *in, size_t n);
int pc_irow_placer_finish(pc_irow_placer *p);

/* Appending days to an index (pc_pview_append): the index keeps the rows of
 * stays strictly inside both windows, new_ws < start and end < old_we; a
 * stay touching either edge may have been clipped to one window and not the
 * other (ingest clips stays across the window's edges), so its row is made
 * anew from the new dataset. Local. */
static inline int pc_irow_kept(const pc_irow *r, int64_t new_ws, int64_t old_we) {
  return r->channel != PC_CH_HOUSEHOLD && r->start > new_ws && r->end < old_we;
}
/* A row shipped to a bucket owner is the new grid total of a row the index
 * keeps (an update) or a row the index lacks (a stay not kept, or a
 * household row). Local. */
static inline int pc_irow_is_update(const pc_irow *r, int64_t new_ws, int64_t old_we) {
  return r->channel == PC_CH_GRID && pc_irow_kept(r, new_ws, old_we);
}
/* Merge, from the back and in place, bucket by bucket, the kept rows
 * (bucket k of nb: rows[kstart[k]..kstart[k+1]), sorted) with the received
 * rows (bucket k: in[local[k]..local[k+1]), sorted): updates set the grid
 * total of the kept rows they equal (pc_irow_cmp; several, should two stays
 * differ only in what the index does not hold), the other nadd rows are
 * added in order; rows has room for kstart[nb] + nadd. count[k] gets bucket
 * k's rows; *missing is increased by the updates without their row. Local,
 * cannot fail. */
void pc_irow_merge_back(pc_irow *rows, const uint64_t *kstart, const pc_irow *in,
                        const uint64_t *local, uint32_t nb, size_t nadd, int64_t new_ws,
                        int64_t old_we,
                        uint64_t *count, uint64_t *missing);
/* Fingerprint of what of an index row a stay decides (its grid total left
 * out): summed over rows, append proves with it that the rows it keeps are
 * the dataset's stays. Local, cannot fail. */
static inline uint64_t pc_irow_fingerprint(const pc_irow *r) {
  pc_irow c = *r;
  c.cum = 0;
  uint64_t w[sizeof c / 8], h = 0x13198a2e03707344ULL;
  memcpy(w, &c, sizeof w);
  for (size_t i = 0; i < sizeof w / 8; i++) h = pc_mix64(h ^ w[i]);
  return h;
}

/* Checksum of a whole index row, its grid total included: summed per bucket
 * into the index's /bucket_sum and checked on every bucket trace reads, so a
 * damaged row of /place_rows (read raw, without HDF5's checksum) stops the
 * job instead of changing its answer. Local, cannot fail. */
#define PC_IROW_SUM_H0 0x452821e638d01377ULL
static inline uint64_t pc_irow_checksum(const pc_irow *r) {
  uint64_t w[sizeof *r / 8], h = PC_IROW_SUM_H0;
  memcpy(w, r, sizeof w);
  for (size_t i = 0; i < sizeof w / 8; i++) h = pc_mix64(h ^ w[i]);
  return h;
}

/* A question sent to the owner of a bucket: who shared place `place` with
 * person `source` during [a, b) (the source's stay clipped to their window)? */
typedef struct pc_query {
  uint64_t place;
  uint64_t source;
  int64_t a, b;
  uint32_t bucket;
  uint32_t cum;      /* grid: the source's whole minutes in this grid */
  int16_t row;
  uint8_t channel;
  uint8_t root;      /* the source's root status, handed to its hits */
  uint8_t pad[4];
} pc_query;          /* 48 bytes */
_Static_assert(sizeof(pc_query) == 48, "pc_query travels between ranks");

typedef void (*pc_hit_fn)(void *arg, const pc_hit *h);

/*
 * Answer queries q[0..nq) about one bucket whose rows (sorted by pc_irow_cmp)
 * are rows[0..n): every row of another person at the query's place that makes
 * a contact under the channel's rule (TRACE.md rules 3-7) gives a hit
 * (pid = the row's person, exposure, source, channel, place, and the index
 * in q of the query that made it) passed to emit.
 * Household rows (channel 0): every other member is hit with exposure a,
 * when a < b. runs/dmax are scratch of n entries. With best (scratch of n
 * hits; seen, of n bytes) not NULL, each row's hits are reduced to the best
 * of them by pc_hit_less and passed to emit once, after all the queries, in
 * the rows' order: the same best hit per person, for a fraction of the calls
 * when many queries meet the same rows (a station's cell and a thousand
 * cases). Local, cannot fail.
 */
void pc_answer_bucket(const pc_chan_rule rules[PC_NCHANNELS], const pc_irow *rows, size_t n,
                      const pc_query *q, size_t nq, size_t *runs, int64_t *dmax, pc_hit *best,
                      uint8_t *seen, pc_hit_fn emit, void *arg);
/* The reference of pc_answer_bucket, for tests: every row checked against
 * every query by the rules themselves, without the runs, the longest stay
 * or any order of the rows. Gives the same hits (as a multiset; the order
 * may differ). O(n nq + n^2) for households; local, cannot fail. */
void pc_answer_bucket_ref(const pc_chan_rule rules[PC_NCHANNELS], const pc_irow *rows, size_t n,
                          const pc_query *q, size_t nq, pc_hit_fn emit, void *arg);

/* Whole minutes of each grid place of one person's stays s[0..n), clipped to
 * [lo, hi): for every i with s[i].channel == PC_CH_GRID, cum[i] = the union of
 * the person's stays at s[i].place (rule 5); 0 otherwise. scratch holds n
 * entries. Local, cannot fail. */
typedef struct pc_gspan {
  uint64_t place;
  int64_t start, end;
  size_t idx;
} pc_gspan;
void pc_grid_cum(const pc_stay *s, size_t n, int64_t lo, int64_t hi, uint32_t *cum,
                 pc_gspan *scratch);

/* Fingerprint of one stay: summed over all stays (mod 2^64) it identifies a
 * dataset's /stays whatever their order or the rank count. */
#define PC_STAY_FP_H0 0x243f6a8885a308d3ULL
static inline uint64_t pc_stay_fingerprint(const pc_stay *s) {
  uint64_t w[sizeof *s / 8];
  memcpy(w, s, sizeof w);
  uint64_t h = PC_STAY_FP_H0;
  for (size_t i = 0; i < sizeof w / 8; i++) h = pc_mix64(h ^ w[i]);
  return h;
}

/* The sum of pc_stay_fingerprint over s[0..n), the same value
 * (pc_words_hash_sum: the scalar loop was a third of a city-sized screen).
 * Local, cannot fail. */
uint64_t pc_stays_fingerprint_sum(const pc_stay *s, size_t n);
/* The sum of pc_irow_checksum over r[0..n), the same value
 * (pc_words_hash_sum: row by row, a bucket's sum was as long as its sort).
 * Local, cannot fail. */
uint64_t pc_irows_checksum_sum(const pc_irow *r, size_t n);

#endif
