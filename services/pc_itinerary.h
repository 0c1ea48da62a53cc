/* pc_itinerary.h - itinerary's state: the cases by ordinal, their public stays gathered, merged, the same-trip table, the files. */
#ifndef PC_ITINERARY_H
#define PC_ITINERARY_H

#include "pc_hash.h"
#include "pc_itin.h"
#include "pc_region.h"
#include "pc_trace_state.h"

/* A case as published: its ordinal (from 1, by onset then the input's row
 * order) and window; the pid never leaves the ranks' memory. */
typedef struct pc_itin_case {
  uint64_t pid;
  int64_t w0, w1;
  int64_t order;    /* onset (cases.csv) or window start (a trace's hop 0) */
  uint32_t ordinal;
  int32_t row;      /* line of cases.csv, row of the trace's /contacts */
} pc_itin_case;

/* Where the work is done:
 *
 *   every rank: the cases (all of them, by ordinal)
 *   rank r:     the cases whose pid r owns --pc_trace_stays_of--> clipped visits --+
 *                                                                                   | pc_shuffle
 *   rank 0:     every visit <-------------------------------------------------------+
 *               merged, the same-trip table, /regions, the files (others join writes)
 *
 * The cases are few (hundreds) and their visits fewer than their stays: rank 0
 * holds them all. */
typedef struct pc_itin {
  pc_tracer t;              /* the dataset, its index, the persons and identities owned here */
  pc_itin_case *cases;      /* every rank, by ordinal */
  size_t ncases;
  pc_buf visits;            /* rank 0 after pc_itin_collect: pc_itin_visit, merged, in order */
  pc_itin_trip *trips;      /* rank 0: the same-trip table */
  size_t ntrips;
  uint32_t *tcases;         /* rank 0: the trips' cases (ordinals) */
  pc_region *regions;       /* rank 0: /regions, for city and district names */
  size_t nregions;
} pc_itin;

/* Local, never fails: an empty itinerary over cfg (`data`). */
void pc_itin_init(pc_itin *I, pc_ctx *ctx, const pc_config *cfg);
/* Local, never fails: frees what I holds and closes the dataset. */
void pc_itin_free(pc_itin *I);

/* Collective, agreed: opens the dataset (as_of: the config's, or the
 * dataset's), its index (`index`, or built here when absent), and reads the
 * persons and identities each rank owns. Fails with the HDF5, schema or
 * index error (an index of another dataset, a damaged one). */
int pc_itin_open(pc_itin *I);

/* Collective, agreed: the cases, on every rank, by ordinal. From `cases`:
 * cases.csv read exactly as trace reads it (pc_trace_cases_read; the rows
 * not traced are logged by line and reason, never by subject; `unmatched:
 * fail` makes the first an error), ordered by onset then first line. From
 * `trace`: the hop-0 rows of its /contacts (a trace of this dataset), window
 * [exposure, the trace's as_of], ordered by window start then row. Fails
 * with PC_ERR_DATA (no case, a file of another dataset) or the read's error. */
int pc_itin_cases(pc_itin *I, const pc_key128 *key, int64_t lookback);

/* Collective, agreed: each case's stays read by its owner, clipped to its
 * window (published channels only), sent to rank 0, merged (gap: seconds
 * between consecutive stays at one place that still make one visit), the
 * same-trip table built and /regions read there. Fails with PC_ERR_MEM, a
 * read's or a shuffle's error. */
int pc_itin_collect(pc_itin *I, int64_t gap);

/* Collective, agreed: the itineraries CSV, the same-trip CSV (UTF-8 with a
 * BOM; either path NULL: not written) and the page (NULL: not written),
 * each atomically, formatted on rank 0. No identity, pid, household, cell
 * or grid is written. Fails with PC_ERR_IO naming the file, PC_ERR_MEM. */
int pc_itin_write(pc_itin *I, const char *csv, const char *trips_csv, const char *html);

/* Collective, agreed: the same in HDF5 at path (the output writer: atomic,
 * io.* honoured, stamped): /itinerary (pc_itin_row, a row per visit) and
 * /same_trip (pc_same_trip_row, a row per trip and case), attributes as_of,
 * cases, data. Fails with the writer's error or PC_ERR_MEM. */
int pc_itin_write_h5(pc_itin *I, const char *path);

#endif
