/* pc_cubefile.h - cubes in HDF5 outputs: the /axes dimension scales and cubes of counts labelled by them. */
#ifndef PC_CUBEFILE_H
#define PC_CUBEFILE_H

#include "pc_cube.h"
#include "pc_h5.h"
#include "pc_mpi.h"
#include "pc_province.h"

/* Collective, not agreed: write /axes (region codes and names at ax->level,
 * age bands, sectors, doses, the age_edges attribute) as datasets to be
 * attached as dimension scales to cubes with these axes. regions: the
 * dataset's /regions, for the names. */
int pc_cubefile_write_axes(pc_ctx *ctx, hid_t file, const pc_cube_axes *ax,
                           const pc_region *regions, size_t nregions, int deflate);

/* Collective, agreed (each attachment is agreed): attach /axes to the cube
 * `path`: region, age_band, sector (and doses when ndims is 4) to axes 0..ndims-1,
 * then region_name to axis 0 beside region. */
int pc_cubefile_attach(pc_ctx *ctx, hid_t file, const char *path, int ndims);

/* Collective, agreed: a cube of uint64 counts held by rank 0 (others pass
 * NULL) written at `path` with dims[0..ndims) (pc_h5_write_array0, deflate
 * level `deflate`). Its scales are attached separately (pc_cubefile_attach). */
int pc_cubefile_write(pc_ctx *ctx, hid_t file, const char *path, int ndims, const uint64_t *dims,
                      const uint64_t *cube, int deflate);

/* Collective, not agreed on the last (attribute) write: the group `group`
 * with one cube group/names[k] [region x age band x sector] per k < n,
 * cube k at cubes + k * (product of dims), held by rank 0 (others pass
 * NULL), each with its scales attached, then the group's description.
 * /axes must have been written. */
int pc_cubefile_write_group(pc_ctx *ctx, hid_t file, const char *group, const char *const *names,
                            int n, const uint64_t dims[3], const uint64_t *cubes, int deflate,
                            const char *description);

#endif
