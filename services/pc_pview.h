/* pc_pview.h - the co-location index: built from a dataset, persisted, loaded at any rank count. */
#ifndef PC_PVIEW_H
#define PC_PVIEW_H

#include "pc_config.h"
#include "pc_schema.h"
#include "pc_indexfile.h"
#include "pc_index.h"
#include "pc_mpi.h"
#include "pc_out.h"
#include "pc_part.h"

/* Rows of /stays a pass over them reads at a time: 32 Ki (1.5 MB), more only
 * for a person with more stays (index steps and screen's stream hold whole
 * persons). The passes over a read then find its rows in the core's cache
 * instead of memory: the city's index, 2 ranks, count 2.8 -> 2.0 s and
 * shuffle 5.6 -> 3.9 s against reads of 1 Mi rows; Changsha streamed 0.76. */
#define PC_STAYS_READ_ROWS ((size_t)1 << 15)

/*
 * The place view (see pc_index.h for its order and buckets). Bucket ranges
 * are cut by rows for the rank count at hand, so an index built at P ranks
 * is read at any Q:
 *
 *   bstart:  0   12   40   41 ...            (global first row of each bucket)
 *   rank_b0: rank 0 -> buckets [rank_b0[0], rank_b0[1]), rank 1 -> ...
 *
 * Built in pc_pview.c, brought forward in pc_pview_append.c, written and
 * opened in pc_pview_file.c; the file's HDF5 side is io/pc_indexfile.c.
 */
/* An index's dispatch table (/dispatch_stays, /dispatch_dir, /dispatch_sum,
 * attribute dispatch_at): for each person with a stay covering the instant
 * `at` (03:00 the day before the dataset's as_of), that stay as rule 11
 * picks it (pc_cover_stay), in pid order, with its pid directory dir.stays
 * and slot sums: the jurisdictions of any set of persons without reading
 * all their stays. */
typedef struct pc_disptab {
  int has;                /* 1: the fields below are set */
  int64_t at;
  pc_piddir dir;          /* .bits and .stays only */
  uint64_t *sum;
  pc_raw raw;             /* the rows, when read from a file (else fd -1) */
} pc_disptab;
/* Local: the dispatch table of index f (path, pid bits), when it has one (an
 * index built before it, or of a dataset without as_of, has none: d->has
 * 0). d->raw.fd must be -1 on entry. PC_ERR_IO/PC_ERR_DATA naming the file. */
int pc_disptab_open(pc_file f, const char *path, int bits, pc_disptab *d);
/* pc_disptab_open of the pid slots k0..k1 only (pc_piddir.part): a rank's
 * own persons'. Local. */
int pc_disptab_open_part(pc_file f, const char *path, int bits, uint64_t k0, uint64_t k1,
                         pc_disptab *d);
/* 1 when d can be read for instant at. Local. */
static inline int pc_disptab_usable(const pc_disptab *d, int64_t at) {
  return d->has && d->raw.fd >= 0 && d->at == at;
}
/* Local, never fails: free and close (raw.fd -1 after). */
void pc_disptab_free(pc_disptab *d);

typedef struct pc_pview {
  uint32_t nbuckets;
  uint64_t *bstart;      /* nbuckets + 1 global row numbers */
  uint32_t *rank_b0;     /* nranks + 1 bucket numbers */
  int64_t dmax[PC_NCHANNELS]; /* longest row of each channel */
  pc_piddir dir;
  uint64_t *stays_sum;   /* 2^dir.bits: fingerprint sum of the stays of each pid directory
                            slot (/stays_sum): trace reads /stays by slot, raw, without
                            HDF5's checksum, and checks each slot it reads against this */
  uint64_t npersons, nidentities, nstays, stays_checksum;
  int64_t window_start, window_end;
  pc_disptab disp;       /* the dispatch table (when the dataset has an as_of) */
  pc_stay *dsp;           /* when built: this rank's rows, the table's [dsp_at, dsp_at + ndsp) */
  size_t ndsp;
  uint64_t dsp_at, dsp_total;
  /* This rank's buckets: in memory when built here, else read from the file. */
  pc_irow *rows;         /* rows of [rank_b0[rank], rank_b0[rank+1]) when built */
  size_t nrows;
  pc_raw raw;            /* /place_rows of the index file when loaded */
  uint64_t *bsum;        /* when loaded: each bucket's fingerprint sum (/bucket_sum), checked
                            on every bucket read - /place_rows is read raw, without HDF5's
                            checksum, and a damaged bucket must not answer wrongly; when
                            built for a file: this rank's buckets' sums (0 for the rest) */
  int rows_written;      /* built for a file: /place_rows already written to it */
  int from_file;
  int bpart;             /* loaded: bstart and bsum hold this rank's buckets only (and
                            bstart[nbuckets]) */
} pc_pview;

/* Collective, agreed: read the dataset (its /persons, /identities and /stays),
 * build this rank's part of the place view and the pid directories.
 * nbuckets: a power of two. dispatch_table: 1 to make the dispatch table too
 * (the index job, which writes it); jobs that build the view in memory pass
 * 0: they read jurisdictions from the stays, and the table's rows would be
 * 48 bytes a person a rank made for nothing. out: NULL, or the index file
 * being made (pc_out_create'd), which then gets /place_rows while the sort
 * finishes the rows - a thread writes each group of buckets once sorted -
 * and pv->bsum the sums of this rank's buckets (pv->rows_written: then
 * pc_pview_write writes the rest). take: NULL, or what else the job makes of
 * the stays: called with each step of this rank's stays as the second pass
 * reads them (rows [at, at + n) of /stays, in order; n may be 0), its
 * failure the build's. */
typedef struct pc_pview_take {
  int (*take)(void *arg, const pc_stay *s, uint64_t at, size_t n); /* local */
  void *arg;
} pc_pview_take;
int pc_pview_build(pc_ctx *ctx, pc_file data, const char *data_path, uint32_t nbuckets,
                   int dispatch_table, pc_out *out, const pc_pview_take *take, pc_pview *pv);
/* Local: the first row at or after `row` that starts a person (row 0, a pid
 * change, or the table's end). */
int pc_stays_person_boundary(const pc_raw *st, uint64_t row, uint64_t *out);
/* Local: this rank's share [s0, s1) of /stays for the passes over it: whole
 * slices of the area view (pc_agroup_slice_rows), about as many a rank, so
 * each ends where a person's stays end and the view's slices are whole on
 * one rank at any rank count. */
int pc_stays_rank_range(const pc_raw *st, int rank, int nranks, uint64_t *s0, uint64_t *s1);
/* Collective, agreed: pc_pview_build without the dispatch table, for a job
 * given no `index:` (trace, sources, itinerary), after telling the memory
 * check what building it takes (the index job's measured cost per stay: at
 * the city tier 2.7 GB a rank told, 3.1 GB used): a job that plainly cannot
 * hold it says so before it reads a stay. */
int pc_pview_build_here(pc_ctx *ctx, const pc_config *cfg, pc_file data, const char *data_path,
                        uint64_t nstays, uint32_t nbuckets, pc_pview *pv);
/* Collective, agreed: the place view of dataset `data` made from the index at
 * old_path, built from an earlier window of the same stays: rows of days
 * before the new window are dropped, the stays after the old window added,
 * grid totals and household rows redone, the pid directories recounted; the
 * result equals pc_pview_build's with the old index's bucket count. Refused
 * (with a message) when the stays both windows cover differ. */
int pc_pview_append(pc_ctx *ctx, const char *old_path, pc_file data, const char *data_path,
                    int64_t buckets_given, pc_pview *pv);
/* First row of /stays (st, sorted by pid) whose pid is >= pid. Local. */
int pc_stays_lower_bound(const pc_raw *st, uint64_t pid, uint64_t *row);
/* Local: the rows of pid-directory slots [k0, k1] of /stays (st; dir: the
 * index's stays directory, sums: its /stays_sum) into *buf (grown as
 * needed, *cap rows), *m of them, each slot checked against its sum
 * (PC_ERR_DATA naming the rows: the dataset is damaged). */
int pc_stays_read_slots(const pc_raw *st, const uint64_t *dir, const uint64_t *sums, uint64_t k0,
                        uint64_t k1, pc_stay **buf, size_t *cap, size_t *m);
/* Local: for each of n items sorted by pid (a uint64 pid first in each,
 * stride bytes apart), fn(arg, q, s, m) with item q's rows s[0..m) of a
 * table by pid (st; its pid directory d, d->stays; sums: each slot's
 * fingerprint sum, checked): runs of nearby slots read at once
 * (pc_stays_slot_run). read (may be NULL): += slots and rows read. Stops
 * at fn's first error. */
int pc_slots_each(const pc_raw *st, const pc_piddir *d, const uint64_t *sums, const void *items,
                  size_t stride, size_t n, int (*fn)(void *arg, size_t q, const pc_stay *s, size_t m),
                  void *arg, uint64_t read[2]);
/* Local: the run of items [i, return) of n, sorted by pid (a uint64 pid
 * first in each item, items stride bytes apart), whose pid-directory slots
 * (directory d, its stays directory) follow closely enough for one read of
 * /stays: at most 256 rows apart, at most 2^16 rows; *k0, *k1 its first and
 * last slot (for pc_stays_read_slots). i < n. */
size_t pc_stays_slot_run(const pc_piddir *d, const void *items, size_t stride, size_t i, size_t n,
                         uint64_t *k0, uint64_t *k1);
/* Local: sum (of pc_stay_fingerprint over every stay read) equals the
 * dataset's stays_checksum attribute, else an error naming the file. */
int pc_stays_verify(pc_file data, const char *path, uint64_t sum);
/* Check at load (a pc_config_check_fn) of the config's `buckets`: 0 or a
 * power of two, for the buckets are a mask. Local; problems into p. */
int pc_index_buckets_check(const pc_config *cfg, pc_config_problems *p);
/* Collective (agreement as below): write the index file's datasets and attributes into the
 * output being written (/place_rows contiguous, for pread). Returns the
 * status, agreed when a dataset failed; an attribute's failure is agreed
 * at pc_out_commit. */
int pc_pview_write(pc_out *out, const pc_pview *pv);
/* Collective, agreed: open a persisted index; checks it was built from `data` (by
 * the stays checksum and counts) and cuts the buckets for this rank count. */
int pc_pview_open(pc_ctx *ctx, const char *index_path, pc_file data, const char *data_path,
                  pc_pview *pv);
/* Local, never fails. */
void pc_pview_free(pc_pview *pv);

/* Rank that owns bucket b (inline: the index computes it for every stay). Local. */
static inline int pc_pview_rank_of(const pc_pview *pv, int nranks, uint32_t b) {
  return pc_range_owner(pv->rank_b0, nranks, b);
}
/* Rows of owned bucket b: points into memory, or reads them into *buf
 * (grown as needed, *cap rows). Local. */
int pc_pview_bucket(const pc_pview *pv, int rank, uint32_t b, const pc_irow **rows, size_t *n,
                    pc_irow **buf, size_t *cap);

#endif
