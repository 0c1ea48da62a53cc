/* test_indexfile.c - a rank's part of an index directory: the entries it asked for and the
 * last one, each at its own index, the rest zero; a wrong length or range refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>

#include "pc_err.h"
#include "pc_indexfile.h"
#include "unit_h5.h"

enum { N = 5000, CHUNK = 1000 };

/* A directory as the index writes one: chunked, with its Fletcher32 checksum. */
static hid_t scratch_dir(char *path, size_t len) {
  hid_t f = unit_h5_scratch(path, len, "pc-indexfile");
  hsize_t d[1] = {N}, c[1] = {CHUNK};
  hid_t sp = H5Screate_simple(1, d, NULL), p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(p, 1, c);
  H5Pset_fletcher32(p);
  hid_t ds = H5Dcreate2(f, "stays_dir", H5T_NATIVE_UINT64, sp, H5P_DEFAULT, p, H5P_DEFAULT);
  assert_true(ds >= 0);
  uint64_t *v = malloc(N * sizeof *v);
  for (size_t i = 0; i < N; i++) v[i] = 3 * i + 1; /* never 0: an entry read shows */
  assert_true(H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  free(v);
  H5Dclose(ds), H5Pclose(p), H5Sclose(sp);
  return f;
}

static void test_part(void **st) {
  (void)st;
  char path[4096];
  hid_t f = scratch_dir(path, sizeof path);
  /* inside one chunk, across chunks, from 0, to the end, empty, all */
  const size_t ranges[][2] = {{10, 20}, {990, 2010}, {0, 7}, {4321, N}, {2500, 2500}, {0, N}};
  for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++) {
    const size_t a = ranges[r][0], b = ranges[r][1];
    uint64_t *v = NULL;
    assert_int_equal(pc_indexfile_read_u64s_part(f, "stays_dir", N, a, b, &v), 0);
    for (size_t i = 0; i < N; i++)
      assert_int_equal(v[i], (i >= a && i < b) || i == N - 1 ? 3 * i + 1 : 0);
    free(v);
  }
  uint64_t *v = (uint64_t *)1;
  assert_int_equal(pc_indexfile_read_u64s_part(f, "stays_dir", N + 1, 0, 1, &v), PC_ERR_IO);
  assert_null(v);
  assert_int_equal(pc_indexfile_read_u64s_part(f, "stays_dir", N, 20, 10, &v), PC_ERR_IO);
  assert_int_equal(pc_indexfile_read_u64s_part(f, "stays_dir", N, 0, N + 1, &v), PC_ERR_IO);
  assert_null(v);
  H5Fclose(f);
  unlink(path);
}

int main(void) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* the refusals are the test's, not HDF5's to print */
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_part)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
