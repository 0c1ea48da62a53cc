/* pc_screen_config.h - screen's config read for meaning: the risk areas, the code of `screened`, the checks at load. */
#ifndef PC_SCREEN_CONFIG_H
#define PC_SCREEN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "pc_config.h"
#include "pc_screen.h"

/* The areas of `areas:`, built for pc_dwell. */
typedef struct pc_screen_areas {
  pc_area *a;
  size_t n;
  pc_area *then;              /* then[i]: the `then` of area i, when it has one */
  uint64_t *lo, *hi, *places; /* storage the areas point into */
  char (*origin)[PC_ORIGIN_MAX + 1];
} pc_screen_areas;

/* Local: the areas of the config into A (free it with
 * pc_screen_areas_free, also after a failure). Problems of meaning (a name,
 * a prefix, hours, a period, an area with neither regions nor places, a
 * `then` without within or min_dwell, an id_origin prefix that is not 1-17
 * digits) go to p, every one of every area, and the call goes on; with p
 * NULL (the job, the areas having been checked at load) the first one fails
 * it with PC_ERR_CONFIG. PC_ERR_MEM when out of memory. */
int pc_screen_areas_load(const pc_config *cfg, pc_screen_areas *A, pc_config_problems *p);
/* Local, never fails. */
void pc_screen_areas_free(pc_screen_areas *A);

/* Local: 1 when codes.red names the class `screened` (its code is red), else 0. */
int pc_screen_is_red(const pc_config *cfg);

/* The check at load of `screen` (a pc_config_check_fn): the areas, as the
 * job will build them; the one class codes name (a typo would silently give
 * everyone yellow); the breakdown axes. Problems into p; returns 0, or
 * PC_ERR_MEM. Local. */
int pc_screen_check(const pc_config *cfg, pc_config_problems *p);

#endif
