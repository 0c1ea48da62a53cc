/* pc_aview.h - the index's area view: the stays by (township, day), written with the index, read selectively by screen. */
#ifndef PC_AVIEW_H
#define PC_AVIEW_H

#include "pc_agroup.h"
#include "pc_indexfile.h"
#include "pc_index.h"
#include "pc_mpi.h"
#include "pc_out.h"
#include "pc_pview.h"
#include "pc_schema.h"
#include "pc_sort.h"

/*
 * In the index file (kernels/pc_agroup.h for the groups and slices):
 *
 *   /area_rows      the stays as 24-byte rows (pc_arow: pid, times from area_t0,
 *                   indices of their place and region): row i stands for a
 *                   stay of /stays row i's slice, each slice's rows grouped by
 *                   (township, day of start), each group in /stays order;
 *                   contiguous, read with pread
 *   /area_slices    each slice's first row and first pid (pc_aslice)
 *   /area_dir       per slice, groups + 1 entries (pc_adir): each group's first
 *                   row counted from the slice's, then the slice's rows
 *   /area_places, /area_regions  the rows' dictionaries (area_nplaces,
 *                   area_nregions entries): /places' ids and 0 with /regions'
 *                   codes first, then the stays' own that those lack
 *   /area_count     each group's rows (all slices)
 *   /area_sum       fingerprint sum of each group's rows: checked on every read
 *   /area_townships  the layout's townships (the last: PC_AGROUP_OTHER)
 *   area_format (PC_AVIEW_FORMAT; an earlier view has a lower one or none:
 *   screen streams), area_t0, area_day0, area_ndays, area_nslices,
 *   area_slice_rows, area_dmax (the longest stay, seconds),
 *   area_places_astray (stays whose township is not their place's in /places)
 *
 * Built from the dataset the index is written for, rebuilt with every
 * append: it covers exactly what the index covers.
 */
/* The area view's version: 3, slices of /stays (2: rows grouped across the
 * whole dataset; 1, unmarked: /stays' rows). */
#define PC_AVIEW_FORMAT 3

typedef struct pc_aview {
  pc_agroup_layout L;
  int64_t t0;            /* area_t0: the rows' time origin */
  uint64_t *places, *regions; /* /area_places, /area_regions */
  uint64_t nplaces, nregions;
  uint64_t *townships;    /* L.townships */
  uint64_t *gcount;      /* groups: their rows (/area_count) */
  uint64_t *gsum;        /* groups: their rows' fingerprint sums (/area_sum) */
  pc_aslice *slices;     /* /area_slices, and its end: {rows, UINT64_MAX} */
  uint64_t nslices;
  pc_raw dirs;           /* /area_dir (pc_adir): each slice's groups' first rows */
  int64_t dmax;
  uint64_t astray;
  pc_raw rows;           /* /area_rows (pc_arow) */
  pc_piddir dir;         /* the index's /stays_dir (dir.stays) and pid bits; dir.stays */
  uint64_t *stays_sum;   /* and the index's /stays_sum (each pid slot's fingerprint sum)
                            NULL when the dispatch table serves the run's instant */
  pc_disptab disp;       /* the index's dispatch table, when it has one */
} pc_aview;

/* Collective, agreed: write the area view of dataset `data` (its /regions,
 * /places and /stays; one pass over each rank's share of /stays, no
 * shuffle) into the index being written: pc_aview_begin, each step of the
 * rank's stays to pc_aview_take, pc_aview_end. Fails on the dataset's
 * reads, memory and the output's writes. */
int pc_aview_write(pc_ctx *ctx, pc_out *out, pc_file data, const char *data_path);
/* The view made from stays another pass reads anyway (the index's):
 *
 * pc_aview_begin - collective, agreed: the dictionaries, the slices, and
 *   /area_rows made in out; *B set even on failure (pc_aview_build_free it).
 *   The rank's share of /stays is pc_stays_rank_range's: whole slices.
 * pc_aview_take - local (a pc_pview_take): stays s[0..n), rows [at, at + n)
 *   of the rank's share, in order: each slice's rows, once all seen, are
 *   grouped and written by a thread while the next come (two slices of
 *   rows in memory, 2 x 48 MB at most, and one being written). When the
 *   share's last row has come, the last writes are waited for.
 * pc_aview_end - collective, agreed (rc: this rank's status): the
 *   dictionaries merged (stays whose place or region they lacked get their
 *   rows made again), the directory and tables written; frees B. */
typedef struct pc_aview_build pc_aview_build;
int pc_aview_begin(pc_ctx *ctx, pc_out *out, pc_file data, const char *data_path,
                   pc_aview_build **B);
int pc_aview_take(void *B, const pc_stay *s, uint64_t at, size_t n);
int pc_aview_end(pc_ctx *ctx, pc_out *out, pc_aview_build *B, int rc);
/* Local, never fails; nothing when B is NULL. */
void pc_aview_build_free(pc_aview_build *B);
/* Collective, agreed: open the area view of the index at index_path for
 * dataset `data` and a run whose dispatch instant is `at`. *usable = 1 when
 * the index has one and was built from this dataset
 * (pc_indexfile_same_data); else 0, with a line saying why (no area view:
 * an index built before it; another dataset: a warning). The pid directory
 * of /stays is read only when the dispatch table is not for `at` (16 MB a
 * rank at the city tier that a run with the table never looks at). Of the
 * directories (the dispatch table's, /stays_dir), only the slots of this
 * rank's pids [pid_lo, pid_hi) are read (pid_hi UINT64_MAX: to the end); a
 * lookup of another pid fails. Fails (PC_ERR_IO, PC_ERR_DATA) only when the
 * file or a usable view cannot be read. */
int pc_aview_open(pc_ctx *ctx, const char *index_path, pc_file data, int64_t at, uint64_t pid_lo,
                  uint64_t pid_hi, pc_aview *v, int *usable);
/* Collective, agreed: the rows of the groups marked in sel whose pid lies in
 * [pid_lo, pid_hi) (pid_hi UINT64_MAX: to the end), into *rows (malloc'd,
 * the caller frees) sorted by pid, *n of them, *total: the marked groups'
 * rows over all ranks. Each group read is checked against /area_sum (all
 * ranks' parts together): PC_ERR_DATA naming the index when one differs. */
int pc_aview_read(pc_ctx *ctx, const pc_aview *v, const uint8_t *sel, uint64_t pid_lo,
                     uint64_t pid_hi, pc_stay **rows, size_t *n, uint64_t *total);

/* A run of rows of one group in one slice (sorted by pid): [r0, r1) of /area_rows. */
typedef struct pc_arun {
  uint64_t r0, r1;
  uint32_t g;    /* its group */
  uint32_t span; /* 1: the first of its slice's township's runs (read together) */
} pc_arun;

/* The same rows a window of slices at a time, into two buffers reused from
 * window to window (as read, and grouped by pid: pc_group_rows): memory
 * bounded by the window, not the rank's whole part of the groups gathered
 * into fresh pages. A window is whole slices (so whole persons), as many as
 * make about window_rows rows; in each, a township's marked days are read
 * with one pread (the days between them too), then put day by day. */
typedef struct pc_aview_windows {
  const pc_aview *v;
  const uint8_t *sel;
  uint64_t lo, hi;                /* this rank's pids */
  size_t nw, w;                   /* windows, the next one */
  pc_arun *run;                   /* this rank's part of the marked groups, in file order */
  size_t nrun;
  size_t *wrun;                   /* nw + 1: window w's runs [wrun[w], wrun[w + 1]) */
  uint64_t *sum;                  /* per group: fingerprints */
  size_t *at, *order;             /* a window's runs: where read; by day */
  size_t *day;                    /* ndays + 1: the runs of each day, then where they go */
  pc_arow *buf, *out;             /* the window's rows as read (and grouped); by day */
  size_t cap;                     /* rows each holds: the largest window's read */
  pc_grouper grp;
  uint64_t part;                  /* this rank's rows of the marked groups */
  uint64_t rows, total;           /* rows read here; the marked groups' rows, all ranks (close) */
} pc_aview_windows;
/* Local: start reading (the rank's part of each marked group: its runs in
 * the slices that hold the rank's pids, the directory rows of those slices
 * read, two searches in a run of the first and last). PC_ERR_MEM, PC_ERR_IO. */
int pc_aview_windows_open(const pc_aview *v, const uint8_t *sel, uint64_t pid_lo, uint64_t pid_hi,
                          size_t window_rows, pc_aview_windows *it);
/* Local: the next window's rows into *rows (it's buffer, valid until the
 * next call; pc_aview_stays makes them stays), *n of them, grouped by pid
 * (a person's rows by day), *more = 1; *more = 0 when none is left.
 * PC_ERR_IO, PC_ERR_MEM, PC_ERR_DATA (a row beyond the dictionaries). */
int pc_aview_window_next(pc_aview_windows *it, const pc_arow **rows, size_t *n, int *more);
/* Local, cannot fail: the stays (carriage and seat row 0) that the view's
 * rows a[0..m) stand for, into s. */
void pc_aview_stays(const pc_aview *v, const pc_arow *a, size_t m, pc_stay *s);
/* Collective, agreed (rc: this rank's status so far): every marked group's
 * rows checked against /area_sum (all ranks' parts together, as
 * pc_aview_read), it->total set, the buffers freed. */
int pc_aview_windows_close(pc_ctx *ctx, pc_aview_windows *it, int rc);

/* Local, never fails. */
void pc_aview_free(pc_aview *v);

#endif
