/* pc_cube.h - dense count cubes [region x age band x sector (x doses)] over person rows. */
#ifndef PC_CUBE_H
#define PC_CUBE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_types.h"

#define PC_MAX_AGE_EDGES 32
#define PC_MAX_DOSES 3 /* the doses axis is 0, 1, 2, 3 (3 means 3 or more) */

/* The axes of a cube. Region axis: `codes` (sorted ascending, at one level),
 * then one last entry "unknown" (code 0) for people whose region is unknown or
 * outside the table. Age axis: bands [edges[i], edges[i+1]), the last open,
 * then "unknown". Sector axis: pc_sector_labels. */
typedef struct pc_cube_axes {
  const uint64_t *codes;
  size_t ncodes;
  int level; /* the level the codes are at (PC_LEVEL_*) */
  int32_t edges[PC_MAX_AGE_EDGES];
  int nedges;
  int64_t as_of; /* ages are taken at this instant */
} pc_cube_axes;

/* Validate edges: 1..PC_MAX_AGE_EDGES strictly increasing, first 0. Returns 0 or -1. */
int pc_age_edges_check(const int32_t *edges, int nedges);
/* Band of an age: i with edges[i] <= age < edges[i+1] (last band open);
 * nedges ("unknown") when age < 0. Local, cannot fail. */
int pc_age_band(const int32_t *edges, int nedges, int age);
/* Label of band i, e.g. "0-2", "80+", "unknown" (buf >= 16). */
char *pc_age_band_label(const int32_t *edges, int nedges, int i, char *buf);

/* Index of a region code (truncated to axes->level) on the region axis;
 * ncodes (unknown) when absent. Binary search: local, cannot fail. */
size_t pc_cube_region_index(const pc_cube_axes *ax, uint64_t code);

/* Dimensions of the population cube. */
static inline size_t pc_cube_nregions(const pc_cube_axes *ax) { return ax->ncodes + 1; }
static inline size_t pc_cube_nbands(const pc_cube_axes *ax) { return (size_t)ax->nedges + 1; }

/* The cell of each of p[0..n) in a cube without a dose axis ([region][band]
 * [sector], as below) into cell[0..n). Local, cannot fail. */
void pc_cube_cells(const pc_cube_axes *ax, const pc_person *p, size_t n, size_t *cell);

/* Add persons p[0..n) to cube (uint64, C order [region][band][sector][dose],
 * dims nregions x nbands x PC_NSECTORS x (PC_MAX_DOSES+1)). With doses == 0
 * the cube has no dose axis: [region][band][sector]. Local, cannot fail. */
void pc_cube_add_persons(const pc_cube_axes *ax, const pc_person *p, size_t n, int doses,
                         uint64_t *cube);

#endif
