/* pc_breakdown_count.h - breakdown's counts: the axes from /regions, each rank's persons streamed into the cube and the target counters. */
#ifndef PC_BREAKDOWN_COUNT_H
#define PC_BREAKDOWN_COUNT_H

#include "pc_axes.h"
#include "pc_config.h"
#include "pc_mpi.h"
#include "pc_schema.h"

/* Counters per (community, age band) for the targets, at
 * tg[(community index * nb + band) * PC_BD_N + counter]; community index
 * ncomm: residence unknown. */
enum { PC_BD_PERSONS, PC_BD_BELOW, PC_BD_NONE, PC_BD_N };

typedef struct pc_breakdown_counts {
  const char *data;       /* the dataset's path */
  pc_file file;             /* the dataset, open until the persons are counted */
  pc_table regions_t, persons_t;
  uint64_t npers, nreg;
  pc_region *regions;     /* the dataset's /regions, sorted by code */
  pc_cube_axes ax;        /* the cube: regions at breakdown.level */
  pc_cube_axes cax;       /* the targets: regions at the community level */
  uint64_t *codes, *comm; /* storage of ax.codes, cax.codes */
  size_t ncomm, nr, nb;   /* communities, cube regions, age bands */
  size_t ncells, ntcells; /* cells of cube and tg */
  uint64_t *cube;         /* [region][band][sector][doses] */
  uint64_t *tg;           /* target counters, see PC_BD_N */
  pc_person *buf;         /* read buffer of read_rows persons */
  size_t read_rows;
  uint64_t lo, hi;        /* this rank's rows of /persons, once counted */
  int required, min_age;  /* vaccination.required_doses, vaccination.min_age */
} pc_breakdown_counts;

/* Collective, agreed: open the dataset `data` and its /regions and /persons
 * tables, take as_of (the key, else the dataset's attribute) and the axes of
 * `breakdown:`. On failure C holds what pc_breakdown_counts_free releases. */
int pc_breakdown_open(pc_ctx *ctx, const pc_config *cfg, pc_breakdown_counts *C);
/* Collective, agreed: read /regions (PC_ERR_DATA when not sorted by code),
 * make the cube's region axis and the community axis, allocate the counts
 * (PC_ERR_MEM). */
int pc_breakdown_axes(pc_ctx *ctx, pc_breakdown_counts *C);
/* Local, not agreed: stream this rank's share of /persons in chunks of
 * read_rows into cube and tg, then close the dataset. Fails with the
 * reader's error (a damaged table). */
int pc_breakdown_count(pc_ctx *ctx, pc_breakdown_counts *C);
/* Local, never fails: release what C holds (files, tables, memory). */
void pc_breakdown_counts_free(pc_breakdown_counts *C);

#endif
