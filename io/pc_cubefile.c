/* pc_cubefile.c - cubes in HDF5 outputs: the /axes dimension scales and cubes of counts labelled by them. */
#include "pc_cubefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pc_cubefile_write_axes(pc_ctx *ctx, hid_t file, const pc_cube_axes *ax,
                           const pc_region *regions, size_t nregions, int deflate) {
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

int pc_cubefile_attach(pc_ctx *ctx, hid_t file, const char *path, int ndims) {
  static const char *const scales[4][2] = {{"axes/region", "region"}, {"axes/age_band", "age_band"},
                                           {"axes/sector", "sector"}, {"axes/doses", "doses"}};
  int rc = 0;
  for (int a = 0; a < ndims && a < 4 && !rc; a++)
    rc = pc_agree(ctx, pc_h5_attach_scale(file, path, scales[a][0], (unsigned)a, scales[a][1]));
  if (!rc) rc = pc_agree(ctx, pc_h5_attach_scale(file, path, "axes/region_name", 0, "region"));
  return rc;
}

int pc_cubefile_write(pc_ctx *ctx, hid_t file, const char *path, int ndims, const uint64_t *dims,
                      const uint64_t *cube, int deflate) {
  return pc_h5_write_array0(ctx, file, path, H5T_NATIVE_UINT64, ndims, dims, cube, deflate);
}

int pc_cubefile_write_group(pc_ctx *ctx, hid_t file, const char *group, const char *const *names,
                            int n, const uint64_t dims[3], const uint64_t *cubes, int deflate,
                            const char *description) {
  hid_t g = H5Gcreate2(file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return PC_ERROR(PC_ERR_IO, "cannot create /%s", group);
  const size_t cell = (size_t)(dims[0] * dims[1] * dims[2]);
  int rc = 0;
  for (int k = 0; k < n && !rc; k++) {
    char path[64];
    snprintf(path, sizeof path, "%s/%s", group, names[k]);
    rc = pc_cubefile_write(ctx, file, path, 3, dims, cubes ? cubes + cell * (size_t)k : NULL,
                           deflate);
    if (!rc) rc = pc_cubefile_attach(ctx, file, path, 3);
  }
  if (!rc) rc = pc_h5_attr_str(g, "description", description);
  H5Gclose(g);
  return rc;
}
