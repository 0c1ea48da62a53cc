/* test_h5read.c - pc_h5_dset_read: tables stored as their rows are (Fletcher32 or no filter)
 * or compressed as this project writes them read from the file's bytes, any row range, also
 * converted (another byte order, a view of some columns); others through HDF5; damage refused
 * either way. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>

#include "pc_chunk.h"
#include "pc_err.h"
#include "pc_h5.h"
#include "unit_h5.h"

/* Chunks of 8192 rows of 32 bytes: 256 KB, the least pc_h5_dset_read reads itself. */
enum { N = 40000, C = 8192 };

typedef struct row {
  uint64_t pid;
  int64_t t;
  char name[12];
  int16_t age;
  uint8_t pad[2];
} row; /* 32 bytes */

/* The row's type with its integers as u64, i64, i16 say (native, or big-endian as another
 * machine would have written them). */
static hid_t row_type_as(hid_t u64, hid_t i64, hid_t i16) {
  hid_t s = H5Tcopy(H5T_C_S1);
  H5Tset_size(s, 12);
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(row));
  H5Tinsert(t, "pid", HOFFSET(row, pid), u64);
  H5Tinsert(t, "t", HOFFSET(row, t), i64);
  H5Tinsert(t, "name", HOFFSET(row, name), s);
  H5Tinsert(t, "age", HOFFSET(row, age), i16);
  H5Tclose(s);
  return t;
}
static hid_t row_type(void) {
  return row_type_as(H5T_NATIVE_UINT64, H5T_NATIVE_INT64, H5T_NATIVE_INT16);
}
static hid_t row_type_be(void) { return row_type_as(H5T_STD_U64BE, H5T_STD_I64BE, H5T_STD_I16BE); }

static row want(size_t i) {
  row r;
  memset(&r, 0, sizeof r);
  r.pid = 0x9e3779b97f4a7c15ull * (i + 1);
  r.t = 1627900000 + (int64_t)i * 61;
  snprintf(r.name, sizeof r.name, "p%zu", i);
  r.age = (int16_t)(i % 97);
  return r;
}

/* Table `name` of N rows in chunks of C: filters 'f' Fletcher32, 'z' shuffle, deflate and
 * Fletcher32, '-' none; `every`: write only every such chunk (the rest never allocated). */
static hid_t table(hid_t f, const char *name, char filters, hid_t ftype, size_t every) {
  hsize_t d[1] = {N}, c[1] = {C};
  hid_t sp = H5Screate_simple(1, d, NULL), p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(p, 1, c);
  if (filters == 'z') H5Pset_shuffle(p), H5Pset_deflate(p, 1);
  if (filters != '-') H5Pset_fletcher32(p);
  hid_t mt = row_type();
  hid_t ds = H5Dcreate2(f, name, ftype >= 0 ? ftype : mt, sp, H5P_DEFAULT, p, H5P_DEFAULT);
  assert_true(ds >= 0);
  row *v = malloc(N * sizeof *v);
  for (size_t i = 0; i < N; i++) v[i] = want(i);
  for (size_t k = 0; k * C < N; k += every) {
    hsize_t st[1] = {k * C}, cnt[1] = {k * C + C <= N ? C : N - k * C};
    hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(1, cnt, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL);
    assert_true(H5Dwrite(ds, mt, ms, fs, H5P_DEFAULT, v + st[0]) >= 0);
    H5Sclose(fs), H5Sclose(ms);
  }
  free(v);
  H5Tclose(mt), H5Pclose(p), H5Sclose(sp);
  return ds;
}

/* The columns of a row (its padding is left as it was by a read that converts). */
static void same_row(const row *a, const row *b) {
  assert_true(a->pid == b->pid && a->t == b->t && a->age == b->age);
  assert_memory_equal(a->name, b->name, sizeof a->name);
}

/* Every range of rows from a set of starts and lengths (inside a chunk, across chunks, to the
 * end) reads the rows written; rows of chunks never written read as zeros. */
static void ranges_read(hid_t ds, size_t every) {
  const size_t starts[] = {0, 1, C - 1, C, C + 1, 2 * C + 500, N - C - 64, N - 1};
  const size_t lens[] = {1, 2, C - 1, C, C + 1, 2 * C, 3 * C + 7, N};
  hid_t mt = row_type();
  row *b = malloc((N + 1) * sizeof *b);
  for (size_t i = 0; i < sizeof starts / sizeof *starts; i++)
    for (size_t j = 0; j < sizeof lens / sizeof *lens; j++) {
      const size_t a = starts[i], n = a + lens[j] <= N ? lens[j] : N - a;
      memset(b, 0x5a, (N + 1) * sizeof *b);
      assert_int_equal(pc_h5_dset_read(ds, mt, a, n, b), 0);
      for (size_t r = 0; r < n; r++) {
        row w = want(a + r);
        if ((a + r) / C % every) memset(&w, 0, sizeof w);
        same_row(&b[r], &w);
      }
      const unsigned char *past = (const unsigned char *)&b[n];
      for (size_t k = 0; k < sizeof *b; k++) assert_int_equal(past[k], 0x5a); /* nothing past n */
    }
  free(b);
  H5Tclose(mt);
}

/* Tables stored as their rows are - with Fletcher32 and with no filter - and compressed as
 * this project writes them (shuffle, deflate, Fletcher32) go the direct way (chunks counted),
 * also when their file type is not the type read (big-endian: converted after the read); a
 * read that meets a chunk never written goes through HDF5; all read the same rows. */
static void test_ranges(void **st) {
  (void)st;
  char path[4096];
  hid_t f = unit_h5_scratch(path, sizeof path, "pc-h5read");
  hid_t be = row_type_be();
  struct {
    const char *name;
    char filters;
    hid_t ftype;
    size_t every;
    int direct;
  } t[] = {{"sum", 'f', -1, 1, 1},   {"bare", '-', -1, 1, 1}, {"zip", 'z', -1, 1, 1},
           {"holes", 'f', -1, 3, -1}, {"be", 'f', be, 1, 1}};
  for (size_t k = 0; k < sizeof t / sizeof *t; k++)
    H5Dclose(table(f, t[k].name, t[k].filters, t[k].ftype, t[k].every));
  H5Fclose(f);
  /* Opened as a plain H5Fopen: never read directly (the driver is not known without asking
   * HDF5); then by pc_h5_open_serial. */
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t ds = H5Dopen2(f, "sum", H5P_DEFAULT);
  unsigned long long before = pc_h5_plain_chunks_read();
  ranges_read(ds, 1);
  assert_int_equal(pc_h5_plain_chunks_read(), before);
  H5Dclose(ds);
  H5Fclose(f);
  assert_int_equal(pc_h5_open_serial(path, &f), 0);
  for (size_t k = 0; k < sizeof t / sizeof *t; k++) {
    ds = H5Dopen2(f, t[k].name, H5P_DEFAULT);
    before = pc_h5_plain_chunks_read();
    ranges_read(ds, t[k].every);
    if (t[k].direct == 1)
      assert_true(pc_h5_plain_chunks_read() - before >= 64); /* reads of C rows or more */
    else if (t[k].direct == 0)
      assert_int_equal(pc_h5_plain_chunks_read(), before);
    H5Dclose(ds);
  }
  H5Tclose(be);
  H5Fclose(f);
  unlink(path);
}

/* A view of two columns (as pc_table reads dispatch's /companions): read from the file's
 * bytes and converted, from a compressed table and from a big-endian one; each member where
 * the view puts it, every other byte of the caller's rows untouched. */
typedef struct view {
  int16_t age;
  uint8_t gap[6];
  uint64_t pid;
} view;
static void test_view(void **st) {
  (void)st;
  char path[4096];
  hid_t f = unit_h5_scratch(path, sizeof path, "pc-h5view");
  hid_t be = row_type_be();
  H5Dclose(table(f, "zip", 'z', -1, 1));
  H5Dclose(table(f, "be", 'f', be, 1));
  H5Fclose(f);
  hid_t vt = H5Tcreate(H5T_COMPOUND, sizeof(view));
  H5Tinsert(vt, "age", HOFFSET(view, age), H5T_NATIVE_INT16);
  H5Tinsert(vt, "pid", HOFFSET(view, pid), H5T_NATIVE_UINT64);
  assert_int_equal(pc_h5_open_serial(path, &f), 0);
  view *v = malloc((N + 1) * sizeof *v);
  const size_t starts[] = {0, C + 1, N - C - 3}, lens[] = {N, 2 * C + 5, C + 3};
  for (int k = 0; k < 2; k++) {
    hid_t ds = H5Dopen2(f, k ? "be" : "zip", H5P_DEFAULT);
    for (size_t j = 0; j < 3; j++) {
      memset(v, 0x5a, (N + 1) * sizeof *v);
      const unsigned long long before = pc_h5_plain_chunks_read();
      assert_int_equal(pc_h5_dset_read(ds, vt, starts[j], lens[j], v), 0);
      assert_true(pc_h5_plain_chunks_read() - before >= 2);
      for (size_t r = 0; r < lens[j]; r++) {
        const row w = want(starts[j] + r);
        assert_true(v[r].pid == w.pid && v[r].age == w.age);
        for (int g = 0; g < 6; g++) assert_int_equal(v[r].gap[g], 0x5a);
      }
      const unsigned char *past = (const unsigned char *)&v[lens[j]];
      for (size_t b = 0; b < sizeof *v; b++) assert_int_equal(past[b], 0x5a);
    }
    H5Dclose(ds);
  }
  free(v);
  H5Tclose(vt), H5Tclose(be);
  H5Fclose(f);
  unlink(path);
}

/* Chunk k of table `name` in the file at `path`: its address and size. */
static void chunk_at(const char *path, const char *name, size_t k, haddr_t *addr, hsize_t *size) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, name, H5P_DEFAULT);
  hsize_t at[1] = {k * C};
  unsigned mask;
  assert_true(H5Dget_chunk_info_by_coord(d, at, &mask, addr, size) >= 0);
  H5Dclose(d), H5Fclose(f);
}

/* A byte of chunk 2 of the checksummed table and of the compressed one changed: a read
 * touching that chunk is refused with PC_ERR_IO naming the file and the table, one that does
 * not still reads. A chunk whose
 * checksum was stored with its bytes swapped in each half (HDF5 before 1.6.3) reads, as HDF5
 * reads it. */
static void test_damage(void **st) {
  (void)st;
  char path[4096];
  hid_t f = unit_h5_scratch(path, sizeof path, "pc-h5read");
  H5Dclose(table(f, "sum", 'f', -1, 1));
  H5Dclose(table(f, "old", 'f', -1, 1));
  H5Dclose(table(f, "zip", 'z', -1, 1));
  H5Fclose(f);
  haddr_t a;
  hsize_t sz;
  chunk_at(path, "sum", 2, &a, &sz);
  int fd = open(path, O_RDWR);
  assert_true(fd >= 0);
  unsigned char byte;
  assert_int_equal(pread(fd, &byte, 1, (off_t)a + 100), 1);
  byte ^= 0x10;
  assert_int_equal(pwrite(fd, &byte, 1, (off_t)a + 100), 1);
  chunk_at(path, "zip", 2, &a, &sz); /* inside the compressed stream */
  assert_int_equal(pread(fd, &byte, 1, (off_t)(a + sz / 2)), 1);
  byte ^= 0x10;
  assert_int_equal(pwrite(fd, &byte, 1, (off_t)(a + sz / 2)), 1);
  chunk_at(path, "old", 2, &a, &sz);
  unsigned char *chunk = malloc(sz);
  assert_int_equal(pread(fd, chunk, sz, (off_t)a), (ssize_t)sz);
  const uint32_t sum = pc_fletcher32_h5(chunk, sz - 4),
                 swapped = ((sum & 0x00ff00ffu) << 8) | ((sum >> 8) & 0x00ff00ffu);
  assert_true(swapped != sum);
  for (int b = 0; b < 4; b++) chunk[sz - 4 + b] = (unsigned char)(swapped >> (8 * b));
  assert_int_equal(pwrite(fd, chunk + sz - 4, 4, (off_t)(a + sz - 4)), 4);
  free(chunk);
  close(fd);
  assert_int_equal(pc_h5_open_serial(path, &f), 0);
  hid_t d = H5Dopen2(f, "sum", H5P_DEFAULT), mt = row_type();
  row *b = malloc(N * sizeof *b);
  pc_err_clear();
  const unsigned long long before_bad = pc_h5_plain_chunks_read();
  assert_int_equal(pc_h5_dset_read(d, mt, 2 * C - 10, C, b), PC_ERR_IO);
  assert_int_equal(pc_h5_plain_chunks_read() - before_bad, 1); /* chunk 1 read, 2 refused */
  assert_non_null(strstr(pc_err_message(), path));
  assert_non_null(strstr(pc_err_message(), "/sum"));
  assert_non_null(strstr(pc_err_message(), "damaged"));
  pc_err_clear();
  assert_int_equal(pc_h5_dset_read(d, mt, 0, 2 * C, b), 0);
  assert_int_equal(pc_h5_dset_read(d, mt, 3 * C, N - 3 * C, b), 0);
  row w = want(N - 1);
  same_row(&b[N - 1 - 3 * C], &w);
  H5Dclose(d);
  d = H5Dopen2(f, "zip", H5P_DEFAULT);
  pc_err_clear();
  assert_int_equal(pc_h5_dset_read(d, mt, 2 * C - 10, C, b), PC_ERR_IO);
  assert_non_null(strstr(pc_err_message(), "/zip"));
  pc_err_clear();
  assert_int_equal(pc_h5_dset_read(d, mt, 3 * C, N - 3 * C, b), 0);
  w = want(3 * C);
  same_row(&b[0], &w);
  H5Dclose(d);
  d = H5Dopen2(f, "old", H5P_DEFAULT);
  const unsigned long long before_old = pc_h5_plain_chunks_read();
  assert_int_equal(pc_h5_dset_read(d, mt, 0, N, b), 0);
  assert_int_equal(pc_h5_plain_chunks_read() - before_old, (N + C - 1) / C);
  for (size_t i = 0; i < N; i++) {
    w = want(i);
    same_row(&b[i], &w);
  }
  free(b);
  H5Dclose(d), H5Tclose(mt), H5Fclose(f);
  unlink(path);
}

/* Tables of variable-length strings or sequences (their rows point into the file's heap) are
 * read through HDF5, which follows them: not from their bytes, not converted here. */
static void test_vlen(void **st) {
  (void)st;
  char path[4096];
  hid_t f = unit_h5_scratch(path, sizeof path, "pc-h5vlen");
  hid_t vs = H5Tcopy(H5T_C_S1);
  H5Tset_size(vs, H5T_VARIABLE);
  hsize_t dims[1] = {N}, ch[1] = {C * 2};
  hid_t sp = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, ch);
  hid_t d = H5Dcreate2(f, "names", vs, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  char **w = malloc(N * sizeof *w), **got = calloc(N, sizeof *got);
  for (size_t i = 0; i < N; i++) {
    w[i] = malloc(16);
    snprintf(w[i], 16, "s%zu", i);
  }
  assert_true(d >= 0 && H5Dwrite(d, vs, H5S_ALL, H5S_ALL, H5P_DEFAULT, w) >= 0);
  H5Dclose(d), H5Pclose(dcpl), H5Fclose(f);
  assert_int_equal(pc_h5_open_serial(path, &f), 0);
  d = H5Dopen2(f, "names", H5P_DEFAULT);
  const unsigned long long before = pc_h5_plain_chunks_read();
  assert_int_equal(pc_h5_dset_read(d, vs, 0, N, got), 0);
  assert_int_equal(pc_h5_plain_chunks_read(), before);
  for (size_t i = 0; i < N; i++) assert_string_equal(got[i], w[i]);
  hid_t ms = H5Screate_simple(1, dims, NULL);
  H5Dvlen_reclaim(vs, ms, H5P_DEFAULT, got);
  for (size_t i = 0; i < N; i++) free(w[i]);
  free(w), free(got);
  H5Dclose(d), H5Fclose(f);
  unlink(path);
  /* Sequences: a row in memory (hvl_t) is as wide as in the file, but holds a pointer. */
  f = unit_h5_scratch(path, sizeof path, "pc-h5vlen");
  hid_t vi = H5Tvlen_create(H5T_NATIVE_INT64);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, ch);
  d = H5Dcreate2(f, "seqs", vi, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  hvl_t *sw = malloc(N * sizeof *sw), *sg = calloc(N, sizeof *sg);
  int64_t *vals = malloc(N * sizeof *vals);
  for (size_t i = 0; i < N; i++) vals[i] = (int64_t)i * 3, sw[i] = (hvl_t){1 + i % 2, &vals[i / 2]};
  assert_true(d >= 0 && H5Dwrite(d, vi, H5S_ALL, H5S_ALL, H5P_DEFAULT, sw) >= 0);
  H5Dclose(d), H5Pclose(dcpl), H5Fclose(f);
  assert_int_equal(pc_h5_open_serial(path, &f), 0);
  d = H5Dopen2(f, "seqs", H5P_DEFAULT);
  assert_int_equal(pc_h5_dset_read(d, vi, 0, N, sg), 0);
  for (size_t i = 0; i < N; i++) {
    assert_int_equal(sg[i].len, sw[i].len);
    assert_memory_equal(sg[i].p, sw[i].p, sw[i].len * sizeof *vals);
  }
  H5Dvlen_reclaim(vi, ms, H5P_DEFAULT, sg);
  free(sw), free(sg), free(vals);
  H5Sclose(ms), H5Sclose(sp), H5Dclose(d), H5Tclose(vs), H5Tclose(vi), H5Fclose(f);
  unlink(path);
  unlink(path);
}

int main(void) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ranges),
      cmocka_unit_test(test_view),
      cmocka_unit_test(test_damage),
      cmocka_unit_test(test_vlen),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
