/* pc_flagged.c - what trace and screen share about flagged persons: the dispatch keys, codes' cubes. */
#include "pc_flagged.h"

#include <stdlib.h>
#include <string.h>

const pc_key pc_dispatch_keys[] = {
    {"level", PC_T_STR, 0, "city", "jurisdiction level that receives the lists", NULL,
     pc_level_names + PC_LEVEL_PROVINCE, 0, 0},
    {"at", PC_T_TIME, 0, NULL, "the instant whose location decides (default: 03:00 the day before as_of)",
     NULL, NULL, 0, 0},
    {0}};

int pc_flag_cubes(pc_ctx *ctx, const pc_config *cfg, hid_t data, hid_t file, int64_t as_of,
                  const char *const *names, int ncls, const pc_person *p, const int *cls,
                  const int *code, size_t n, int deflate) {
  pc_cube_axes ax;
  PC_CALL(pc_cube_axes_config(cfg, &ax));
  ax.as_of = as_of;
  /* Regions at the level, from the dataset. */
  hid_t d;
  uint64_t nreg = 0;
  PC_CALL(pc_agree(ctx, pc_h5_dset_open(data, "regions", &d, &nreg)));
  pc_region *regions = pc_malloc((nreg + 1) * sizeof *regions, "regions");
  uint64_t *codes = pc_malloc((nreg + 1) * sizeof *codes, "regions");
  int rc = regions && codes ? pc_h5_dset_read(d, pc_h5_type_region(), 0, nreg, regions) : PC_ERR_MEM;
  H5Dclose(d);
  PC_CALLG(pc_agree(ctx, rc), out);
  for (uint64_t i = 0; i < nreg; i++)
    if (regions[i].level == ax.level) codes[ax.ncodes++] = regions[i].code;
  ax.codes = codes;
  {
    const size_t cell = pc_cube_nregions(&ax) * pc_cube_nbands(&ax) * PC_NSECTORS;
    uint64_t *cube = pc_calloc(cell * (size_t)ncls, sizeof *cube, "cubes");
    PC_CALLG(pc_agree(ctx, cube ? 0 : PC_ERR_MEM), out);
    for (size_t i = 0; i < n; i++) {
      if (cls[i] >= 0) pc_cube_add_persons(&ax, &p[i], 1, 0, cube + cell * (size_t)cls[i]);
      if (code[i] >= 0) pc_cube_add_persons(&ax, &p[i], 1, 0, cube + cell * (size_t)code[i]);
    }
    rc = pc_reduce_u64_to0(ctx, cube, cell * (size_t)ncls);
    hid_t g = -1;
    if (!rc) rc = pc_cube_write_axes(ctx, file, &ax, regions, nreg, deflate);
    if (!rc) {
      g = H5Gcreate2(file, "breakdown", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (g < 0) rc = PC_ERROR(PC_ERR_IO, "cannot create /breakdown");
    }
    uint64_t dims[3] = {pc_cube_nregions(&ax), pc_cube_nbands(&ax), PC_NSECTORS};
    for (int k = 0; k < ncls && !rc; k++) {
      char path[64];
      snprintf(path, sizeof path, "breakdown/%s", names[k]);
      rc = pc_h5_write_array0(ctx, file, path, H5T_NATIVE_UINT64, 3, dims,
                              ctx->rank == 0 ? cube + cell * (size_t)k : NULL, 4);
      static const char *const scales[3][2] = {
          {"axes/region", "region"}, {"axes/age_band", "age_band"}, {"axes/sector", "sector"}};
      for (unsigned a = 0; a < 3 && !rc; a++)
        rc = pc_agree(ctx, pc_h5_attach_scale(file, path, scales[a][0], a, scales[a][1]));
      if (!rc) rc = pc_agree(ctx, pc_h5_attach_scale(file, path, "axes/region_name", 0, "region"));
    }
    if (g >= 0) {
      if (!rc)
        rc = pc_h5_attr_str(g, "description",
                            "flagged persons per class and code by residence region x age band x "
                            "sector (axes in /axes)");
      H5Gclose(g);
    }
    free(cube);
  }
out:
  free(regions);
  free(codes);
  return rc;
}

int pc_flagged_read(hid_t f, const char *name, const char *path, pc_flag_row **rows, size_t *n) {
  *rows = NULL;
  *n = 0;
  if (H5Lexists(f, name, H5P_DEFAULT) <= 0) return 0;
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  if (d < 0) return PC_ERROR(PC_ERR_IO, "%s: cannot open /%s", path, name);
  hid_t sp = H5Dget_space(d), ft = H5Dget_type(d);
  hssize_t m = H5Sget_simple_extent_npoints(sp);
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(pc_flag_row));
  hid_t s18 = pc_h5_str_type(18), s8 = pc_h5_str_type(8), s40 = pc_h5_str_type(40),
        s32 = pc_h5_str_type(32);
  H5Tinsert(t, "pid", HOFFSET(pc_flag_row, pid), H5T_NATIVE_UINT64);
  H5Tinsert(t, "exposure", HOFFSET(pc_flag_row, exposure), H5T_NATIVE_INT64);
  H5Tinsert(t, "jurisdiction", HOFFSET(pc_flag_row, jurisdiction), H5T_NATIVE_UINT64);
  H5Tinsert(t, "residence", HOFFSET(pc_flag_row, residence), H5T_NATIVE_UINT64);
  H5Tinsert(t, "subject", HOFFSET(pc_flag_row, subject), s18);
  H5Tinsert(t, "code", HOFFSET(pc_flag_row, code), s8);
  if (H5Tget_member_index(ft, "place_name") >= 0)
    H5Tinsert(t, "place_name", HOFFSET(pc_flag_row, place), s40);
  if (H5Tget_member_index(ft, "area") >= 0) H5Tinsert(t, "area", HOFFSET(pc_flag_row, area), s32);
  if (H5Tget_member_index(ft, "hop") >= 0) H5Tinsert(t, "hop", HOFFSET(pc_flag_row, hop), H5T_NATIVE_UINT8);
  *rows = pc_calloc((size_t)m + 1, sizeof **rows, name);
  int rc = *rows ? 0 : PC_ERR_MEM;
  if (!rc && m > 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, *rows) < 0)
    rc = PC_ERROR(PC_ERR_IO, "%s: cannot read /%s (not a trace or screen output?)", path, name);
  *n = rc ? 0 : (size_t)m;
  H5Tclose(s18);
  H5Tclose(s8);
  H5Tclose(s40);
  H5Tclose(s32);
  H5Tclose(t);
  H5Tclose(ft);
  H5Sclose(sp);
  H5Dclose(d);
  return rc;
}

int pc_flagged_stamp_data(hid_t out, hid_t data) {
  static const char *const names[2][2] = {{"key_fingerprint", "data_key_fingerprint"},
                                          {"stays_checksum", "data_stays_checksum"}};
  for (int k = 0; k < 2; k++) {
    uint64_t v = 0;
    if (H5Aexists(data, names[k][0]) > 0) PC_CALL(pc_h5_attr_read_u64(data, names[k][0], &v));
    PC_CALL(pc_h5_attr_u64(out, names[k][1], v));
  }
  return 0;
}

int pc_flagged_check_data(hid_t in, const char *in_path, hid_t data, const char *data_path) {
  static const char *const names[2][2] = {{"key_fingerprint", "data_key_fingerprint"},
                                          {"stays_checksum", "data_stays_checksum"}};
  for (int k = 0; k < 2; k++) {
    uint64_t a = 0, b = 0;
    if (H5Aexists(in, names[k][1]) <= 0 || H5Aexists(data, names[k][0]) <= 0) continue;
    PC_CALL(pc_h5_attr_read_u64(in, names[k][1], &a));
    PC_CALL(pc_h5_attr_read_u64(data, names[k][0], &b));
    if (a != b)
      return PC_ERROR(PC_ERR_DATA, "%s was not made from %s (%s differs): give the dataset it "
                      "was made from", in_path, data_path, names[k][0]);
  }
  return 0;
}
