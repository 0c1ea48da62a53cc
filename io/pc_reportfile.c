/* pc_reportfile.c - what the report reads of HDF5 outputs beyond their tables: files, links, attributes. */
#include "pc_reportfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pc_err.h"

int pc_reportfile_open(const char *path, hid_t *f) {
  *f = -1;
  if (!path || !path[0]) return 0;
  if (access(path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  *f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*f < 0) return PC_ERROR(PC_ERR_IO, "%s: not an HDF5 file", path);
  return 0;
}

void pc_reportfile_close(hid_t *f) {
  if (*f >= 0) H5Fclose(*f);
  *f = -1;
}

int pc_reportfile_has(hid_t f, const char *name) {
  return f >= 0 && H5Lexists(f, name, H5P_DEFAULT) > 0;
}

int pc_reportfile_has_attr(hid_t f, const char *name) {
  return f >= 0 && H5Aexists(f, name) > 0;
}

size_t pc_reportfile_age_edges(hid_t f, int32_t *e, size_t max) {
  size_t got = 0;
  if (!pc_reportfile_has(f, "axes")) return 0;
  hid_t g = H5Gopen2(f, "axes", H5P_DEFAULT);
  if (g >= 0 && H5Aexists(g, "age_edges") > 0) {
    hid_t a = H5Aopen(g, "age_edges", H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    if (n > 0 && (size_t)n <= max && H5Aread(a, H5T_NATIVE_INT32, e) >= 0) got = (size_t)n;
    H5Sclose(sp);
    H5Aclose(a);
  }
  if (g >= 0) H5Gclose(g);
  return got;
}

int pc_reportfile_attr(hid_t f, const char *name, char **s, long long *v) {
  hid_t a = pc_reportfile_has_attr(f, name) ? H5Aopen(f, name, H5P_DEFAULT) : -1;
  if (a < 0) return PC_REPORTFILE_ABSENT;
  int kind = PC_REPORTFILE_OTHER;
  hid_t t = H5Aget_type(a);
  if (H5Tget_class(t) == H5T_STRING) {
    if (!pc_h5_attr_read_str(f, name, s)) kind = PC_REPORTFILE_STR;
  } else if (H5Tget_class(t) == H5T_INTEGER) {
    if (H5Aread(a, H5T_NATIVE_LLONG, v) >= 0) kind = PC_REPORTFILE_INT;
  }
  H5Tclose(t);
  H5Aclose(a);
  return kind;
}
