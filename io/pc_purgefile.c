/* pc_purgefile.c - purge's HDF5 beyond the tables: the links a dataset holds, descriptions, root attributes copied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_h5.h"
#include "pc_purgefile.h"

int pc_purgefile_open(pc_ctx *ctx, const char *path, hid_t *file) {
  return pc_h5_open_read(ctx, path, file);
}

void pc_purgefile_close(hid_t file) {
  if (file >= 0) H5Fclose(file);
}

void pc_purgefile_close_dset(hid_t dset) {
  if (dset >= 0) H5Dclose(dset);
}

typedef struct link_check {
  const char *const *known;
  char *name;
} link_check;

static herr_t check_link(hid_t g, const char *name, const H5L_info_t *info, void *arg) {
  (void)g, (void)info;
  const link_check *c = arg;
  for (int i = 0; c->known[i]; i++)
    if (!strcmp(name, c->known[i])) return 0;
  snprintf(c->name, 256, "%s", name);
  return 1;
}

int pc_purgefile_unknown(hid_t f, const char *const *known, char name[256]) {
  link_check c = {known, name};
  hsize_t idx = 0;
  name[0] = 0;
  return H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, &idx, check_link, &c) != 0;
}

int pc_purgefile_has(hid_t f, const char *name) { return H5Lexists(f, name, H5P_DEFAULT) > 0; }

int pc_purgefile_has_attr(hid_t loc, const char *name) { return H5Aexists(loc, name) > 0; }

int pc_purgefile_read_i64(hid_t f, const char *name, int64_t *v) {
  return pc_h5_attr_read_i64(f, name, v);
}

int pc_purgefile_read_str(hid_t loc, const char *name, char **out) {
  *out = NULL;
  return H5Aexists(loc, name) > 0 ? pc_h5_attr_read_str(loc, name, out) : 0;
}

int pc_purgefile_description(hid_t f, const char *name, char **desc) {
  hid_t d = -1;
  *desc = NULL;
  PC_CALL(pc_h5_dset_open(f, name, &d, NULL));
  int rc = pc_purgefile_read_str(d, "description", desc);
  H5Dclose(d);
  return rc;
}

int pc_purgefile_write_rows(pc_ctx *ctx, hid_t d, const pc_schema *s, uint64_t start, size_t n,
                            const void *rows) {
  return pc_h5_dset_write(ctx, d, pc_schema_type(s), start, n, rows);
}

typedef struct attr_copy {
  hid_t out;
  const char *const *skip;
  int rc;
} attr_copy;

/* Copy one root attribute as it is. Every rank makes the same calls. */
static herr_t copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *arg) {
  (void)info;
  attr_copy *c = arg;
  for (int i = 0; c->skip[i]; i++)
    if (!strcmp(name, c->skip[i])) return 0;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Aget_type(a), s = H5Aget_space(a);
  hssize_t np = H5Sget_simple_extent_npoints(s);
  if (H5Tis_variable_str(t) > 0 || H5Tdetect_class(t, H5T_VLEN) > 0) {
    c->rc = PC_ERROR(PC_ERR_DATA, "attribute %s has a variable-length type this version does not copy",
                     name);
  } else {
    void *buf = pc_malloc(H5Tget_size(t) * (size_t)(np > 0 ? np : 1), "attribute");
    hid_t o = -1;
    if (!buf) c->rc = PC_ERR_MEM;
    else if (H5Aread(a, t, buf) < 0)
      c->rc = PC_ERROR(PC_ERR_IO, "cannot read attribute %s", name);
    else if ((o = H5Acreate2(c->out, name, t, s, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
             H5Awrite(o, t, buf) < 0)
      c->rc = PC_ERROR(PC_ERR_IO, "cannot write attribute %s", name);
    if (o >= 0) H5Aclose(o);
    free(buf);
  }
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return c->rc ? -1 : 0;
}

int pc_purgefile_copy_attrs(hid_t in, const char *path, hid_t out, const char *const *skip) {
  attr_copy c = {out, skip, 0};
  hsize_t idx = 0;
  if (H5Aiterate2(in, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_attr, &c) < 0 && !c.rc)
    c.rc = PC_ERROR(PC_ERR_IO, "cannot copy the attributes of %s", path);
  return c.rc;
}
