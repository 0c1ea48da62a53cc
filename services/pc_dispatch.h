/* pc_dispatch.h - dispatch's lists: the flagged persons of an output, their phones, one list per jurisdiction. */
#ifndef PC_DISPATCH_H
#define PC_DISPATCH_H

#include <stddef.h>

#include "pc_cube.h"
#include "pc_employers.h"
#include "pc_lists.h"
#include "pc_mpi.h"
#include "pc_region.h"
#include "pc_schema.h"

/* One dispatch: the output read, its persons as list rows, the region
 * names. Every rank reads a part; each row goes to its list's writer, which
 * sorts them - no rank holds them all - and each employed person's row to
 * its employer's rank; every rank writes a share of the lists. */
typedef struct pc_dispatch {
  const char *in_path, *data_path, *dir;
  int level;                 /* PC_LEVEL_CITY, _COUNTY, _TOWNSHIP or _COMMUNITY */
  int employers;             /* also the lists per employer */
  int overwrite;             /* an existing dir may be replaced */
  int only_new;              /* only the rows marked `new` (a campaign: each person once) */
  int *dest;                 /* each row's writer, until the rows move */
  size_t came;               /* the rows of this rank's lists the others read */
  size_t feed;               /* fine levels: the most rows rank 0 takes from the others
                                at once for the HDF5 file (a round of lists) */
  size_t skipped;            /* rows left out by only_new */
  uint64_t nflagged;         /* rows of the three tables, as declared (pc_dispatch_open) */
  uint64_t ntab[3];          /* each table's rows, as declared */
  uint64_t start[3];         /* this rank's part of each: its first row (pc_dispatch_share) */
  pc_file in, data;            /* the output, the dataset */
  pc_flag_row *r[3];         /* /contacts, /companions, /screened: this rank's part */
  size_t nr[3];
  pc_list_row *it;           /* the lists' rows */
  size_t n;
  pc_region *reg;            /* the dataset's /regions */
  uint64_t nreg;
  pc_list_batch batch;       /* the input's as_of, this run, the input */
  int32_t edges[PC_MAX_AGE_EDGES]; /* the age bands: the input's, else SPEC's default */
  int nedges;
  pc_list_info *lists;       /* the set: every jurisdiction at the level, unassigned last */
  size_t nlists;
  pc_employers emp;          /* the lists per employer (employers: true) */
} pc_dispatch;

/* Local: open the output and the dataset, check they belong together and
 * count the flagged rows (nflagged, before any is read, for the memory
 * check). PC_ERR_IO / PC_ERR_DATA naming the file (neither /contacts nor
 * /screened: not a trace or screen output). */
int pc_dispatch_open(pc_dispatch *D);
/* Local, after pc_dispatch_open: this rank's part of each table (start,
 * nr) - rank of P takes the rows from rank/P to (rank+1)/P of it, moved on
 * past the rows of the person there, so that a person's rows are read by
 * one rank. Fails as the reads do. */
int pc_dispatch_share(pc_dispatch *D, int rank, int P);
/* Local, after pc_dispatch_share: read this rank's part of the flagged
 * tables, the batch (the output's as_of; run time now) and the age bands
 * (the output's /axes, else 0, 3, 12, 18, 60, 80). PC_ERR_DATA naming the
 * file (no as_of); PC_ERR_MEM. */
int pc_dispatch_read(pc_dispatch *D);
/* Local: one list row per flagged person of this rank's part (a person
 * screened in several areas: one row, the areas joined by ';'),
 * jurisdiction cut to the level, the channel that found them and their age
 * band; each row remembers where it stands in the tables (its writer puts
 * the rows back in that order, pc_dispatch_spread_rows).
 * PC_ERR_CONFIG when lists at a level are asked of an output that assigned
 * people at a coarser one (county lists of a city-level trace); PC_ERR_MEM. */
int pc_dispatch_rows(pc_dispatch *D);
/* Local: the phones of this rank's rows from the dataset's /identities (a
 * merge in pid order from the first of their pids, in chunks); with
 * employers, their employers from /persons the same way (D->emp.emp).
 * Fails as the reads do. */
int pc_dispatch_phones(pc_dispatch *D);
/* The most bytes of the others' rows rank 0 holds at once while it writes
 * the fine levels' HDF5 file: the lists go into it in rounds of at most
 * this much (a larger list alone). */
#define PC_DISPATCH_FEED_BYTES ((size_t)64 << 20)
/* Collective, agreed: the set's lists on every rank (the regions at the
 * level and every jurisdiction a rank's rows name), their counts summed, the
 * rank that writes each row (dest); *came: the bytes of the rows of the lists
 * this rank writes that other ranks read, and on rank 0 at the fine levels
 * those of the largest round of the HDF5 file (feed). */
int pc_dispatch_plan_spread(pc_ctx *ctx, pc_dispatch *D, double *came);
/* Collective, agreed, with employers, after pc_dispatch_plan_spread (the
 * regions read) and before pc_dispatch_spread_rows: each employed person's
 * row to its employer's rank (pc_employers_spread), their names joined. */
int pc_dispatch_staff(pc_ctx *ctx, pc_dispatch *D);
/* Collective, agreed, after pc_dispatch_plan_spread: every row to its
 * list's writer, which puts its rows in the tables' order, then the callers'
 * order (jurisdiction; red, yellow, the others; township, community,
 * exposure, subject), and joins the region names. */
int pc_dispatch_spread_rows(pc_ctx *ctx, pc_dispatch *D);
/* Collective, agreed (each rank holds the sorted rows of the lists it
 * writes, the plan made on every rank; with employers, its employers'
 * staff): the whole set - a list (XLSX, CSV, HDF5) for every jurisdiction at
 * the level in /regions, empty ones too, and unassigned; manifest.csv; for
 * townships and communities (~29,000 lists in a province) instead one HDF5
 * file with a group per list and the CSV lists in a directory per city, no
 * XLSX; with employers, employers.<batch>.h5 and employers.csv - written
 * into a fresh temporary directory (the lists shared out among the ranks,
 * largest first; rank 0 writes the townships' or communities' HDF5 file and
 * the employers', the others feeding it their rows round by round), which
 * takes `dir`'s place only when every file is written (a reader never sees
 * half a set, a failure leaves the previous lists as they were) and, without
 * overwrite, only where nothing is (PC_ERR_CONFIG saying what to do); the
 * lists with people logged. PC_ERR_IO saying what. */
int pc_dispatch_write(pc_ctx *ctx, pc_dispatch *D);
/* What a set of lists will hold, for `paicha plan`: the rows of the output
 * (one a person, as pc_dispatch_rows makes them; with only_new, only those
 * marked new), the lists with people at `level` and the largest one's
 * jurisdiction (its code cut to the level, 0: unassigned) and rows. */
typedef struct pc_dispatch_size {
  uint64_t rows, lists, largest, largest_code;
} pc_dispatch_size;
/* Local: the size of the lists of the trace or screen output at path, from
 * the pid and jurisdiction of its rows, read a million at a time (16 MB)
 * and kept as 8 bytes a row. PC_ERR_IO / PC_ERR_DATA naming the file;
 * PC_ERR_CONFIG as pc_dispatch_rows when the output assigned people at a
 * coarser level. */
int pc_dispatch_size_of(const char *path, int level, int only_new, pc_dispatch_size *s);
/* Local, never fails: free and close what D holds. */
void pc_dispatch_free(pc_dispatch *D);

#endif
