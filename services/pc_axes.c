/* pc_axes.c - the axes of the cubes (`breakdown:` level and age edges): parsed and checked at load. */
#include "pc_axes.h"

#include <stdlib.h>
#include <string.h>

#include "pc_time.h"

/* The cube's levels: the city's and every one below (the province is one row). */
#define CUBE_LEVELS (pc_level_names + PC_LEVEL_CITY)

/* The axes of `breakdown:`; problems go to p (NULL: the process's error). */
static int axes_parse(const pc_config *cfg, pc_cube_axes *ax, pc_config_problems *p) {
  memset(ax, 0, sizeof *ax);
  ax->level = pc_level_of(pc_config_str(cfg, "breakdown.level"));
  ax->nedges = (int)pc_config_len(cfg, "breakdown.age_edges");
  if (ax->nedges < 1 || ax->nedges > PC_MAX_AGE_EDGES)
    return pc_config_problem(p, cfg, "breakdown.age_edges", "needs 1 to %d edges",
                             PC_MAX_AGE_EDGES);
  for (int i = 0; i < ax->nedges; i++)
    ax->edges[i] = (int32_t)pc_config_int_at(cfg, "breakdown.age_edges", (size_t)i);
  if (pc_age_edges_check(ax->edges, ax->nedges))
    return pc_config_problem(p, cfg, "breakdown.age_edges", "must start at 0 and increase");
  return 0;
}

int pc_cube_axes_config(const pc_config *cfg, pc_cube_axes *ax) {
  return axes_parse(cfg, ax, NULL);
}

int pc_cube_axes_check(const pc_config *cfg, pc_config_problems *p) {
  pc_cube_axes ax;
  axes_parse(cfg, &ax, p); /* a problem goes to p */
  return 0;
}

const pc_key pc_int_item[] = {{.name = "", .type = PC_T_INT, .max = 200}, {0}};
const pc_key pc_breakdown_keys[] = {
    {.name = "level", .type = PC_T_STR, .def = "county",
     .help = "region level of the cube's region axis", .choices = CUBE_LEVELS},
    {.name = "age_edges", .type = PC_T_LIST, .def = "[0, 3, 12, 18, 60, 80]",
     .help = "lower edges of the age bands (years; first 0, increasing)", .sub = pc_int_item},
    {0}};
