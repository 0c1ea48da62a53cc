/* pc_flaggedfile.c - trace and screen outputs read as files: opened by one rank, which tables and stamps they hold. */
#include "pc_flaggedfile.h"

hid_t pc_flaggedfile_open(const char *path) {
  return H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
}

void pc_flaggedfile_close(hid_t f) {
  if (f >= 0) H5Fclose(f);
}

int pc_flaggedfile_has(hid_t f, const char *name) { return H5Lexists(f, name, H5P_DEFAULT) > 0; }

int pc_flaggedfile_has_attr(hid_t loc, const char *name) { return H5Aexists(loc, name) > 0; }
