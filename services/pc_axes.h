/* pc_axes.h - the axes of the cubes of breakdown, trace and screen: `breakdown:` keys and checks. */
#ifndef PC_AXES_H
#define PC_AXES_H

#include "pc_config.h"
#include "pc_cube.h"
#include "pc_mpi.h"
#include "pc_province.h"

/* The `breakdown:` map every job with cubes takes: level, age_edges. */
extern const pc_key pc_breakdown_keys[];
/* A list item of small integers (age edges). */
extern const pc_key pc_int_item[];
/* Level and age edges of `breakdown:`, checked at load by pc_cube_axes_check
 * (PC_ERR_CONFIG, as there, should a problem remain). Local. */
int pc_cube_axes_config(const pc_config *cfg, pc_cube_axes *ax);
/* The check at load of every job with a `breakdown:` map (a pc_config_check_fn:
 * problems into p, returns 0). Local. */
int pc_cube_axes_check(const pc_config *cfg, pc_config_problems *p);
/* Written into files as dimension scales by io/pc_cubefile.h. */

#endif
