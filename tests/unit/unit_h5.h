/* unit_h5.h - a scratch HDF5 file for unit tests (serial: no MPI needed); the caller removes it. */
#ifndef UNIT_H5_H
#define UNIT_H5_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <hdf5.h>

/* Creates $TMPDIR/<prefix>-XXXXXX (path receives its name) and opens it truncated. */
static inline hid_t unit_h5_scratch(char *path, size_t len, const char *prefix) {
  snprintf(path, len, "%s/%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", prefix);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(f >= 0);
  return f;
}

#endif
