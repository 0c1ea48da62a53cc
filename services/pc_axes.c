/* pc_axes.c - the axes of the cubes (`breakdown:` level and age edges): parsed, checked at load, written as dimension scales. */
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
/* Scale datasets of the cube's axes, attached to every axis they label. */
int pc_cube_write_axes(pc_ctx *ctx, hid_t file, const pc_cube_axes *ax, const pc_region *regions,
                      size_t nregions, int deflate) {
  hid_t g = H5Gcreate2(file, "axes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return PC_ERROR(PC_ERR_IO, "cannot create group /axes");
  size_t nr = pc_cube_nregions(ax), nb = pc_cube_nbands(ax);
  uint64_t *codes = pc_calloc(nr, sizeof *codes, "axis");
  char(*names)[PC_REGION_NAME_LEN] = pc_calloc(nr, PC_REGION_NAME_LEN, "axis");
  char(*bands)[16] = pc_calloc(nb, 16, "axis");
  char(*sectors)[8] = pc_calloc(PC_NSECTORS, 8, "axis");
  uint8_t doses[PC_MAX_DOSES + 1];
  int rc = codes && names && bands && sectors ? 0 : PC_ERR_MEM;
  if (!rc) {
    for (size_t i = 0; i < ax->ncodes; i++) {
      codes[i] = ax->codes[i];
      const pc_region *r = pc_region_find(regions, nregions, ax->codes[i]);
      if (r) memcpy(names[i], r->name, PC_REGION_NAME_LEN);
    }
    snprintf(names[nr - 1], PC_REGION_NAME_LEN, "unknown");
    for (size_t i = 0; i < nb; i++) pc_age_band_label(ax->edges, ax->nedges, (int)i, bands[i]);
    for (int i = 0; i < PC_NSECTORS; i++) snprintf(sectors[i], 8, "%s", pc_sector_labels[i]);
    for (int i = 0; i <= PC_MAX_DOSES; i++) doses[i] = (uint8_t)i;
  }
  rc = pc_agree(ctx, rc);
  hid_t sn = pc_h5_str_type(PC_REGION_NAME_LEN), sb = pc_h5_str_type(16), ss = pc_h5_str_type(8);
  uint64_t d;
  if (!rc) rc = pc_h5_write_array0(ctx, g, "region", H5T_NATIVE_UINT64, 1, (d = nr, &d), codes, deflate);
  if (!rc) rc = pc_h5_write_array0(ctx, g, "region_name", sn, 1, (d = nr, &d), names, deflate);
  if (!rc) rc = pc_h5_write_array0(ctx, g, "age_band", sb, 1, (d = nb, &d), bands, 0);
  if (!rc) rc = pc_h5_write_array0(ctx, g, "sector", ss, 1, (d = PC_NSECTORS, &d), sectors, 0);
  if (!rc) rc = pc_h5_write_array0(ctx, g, "doses", H5T_NATIVE_UINT8, 1, (d = PC_MAX_DOSES + 1, &d), doses, 0);
  if (!rc) rc = pc_h5_attr_i32_array(g, "age_edges", ax->edges, (size_t)ax->nedges);
  if (!rc) rc = pc_h5_attr_str(g, "description",
                               "axes of /population: region codes (0 = unknown) and names at the "
                               "configured level, age bands by age_edges (years), GB/T 4754 sector "
                               "sections plus S0 student, R0 retired, U0 none; doses 3 = 3 or more");
  H5Tclose(sn);
  H5Tclose(sb);
  H5Tclose(ss);
  free(codes);
  free(names);
  free(bands);
  free(sectors);
  H5Gclose(g);
  return rc;
}

