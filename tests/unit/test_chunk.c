/* test_chunk.c - cmocka tests of pc_chunk: chunks made by us read back through HDF5's own
 * filters (shuffle, deflate, Fletcher32), row for row, and a damaged one refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_chunk.h"
#include "unit_h5.h"

/* Values from HDF5's own H5_checksum_fletcher32 (libhdf5 1.10.8, called by
 * hand): an odd length, an even one, a length past the 360-word fold, all
 * ones (the sums' overflow) and nothing. */
static void test_fletcher32(void **state) {
  (void)state;
  assert_int_equal(pc_fletcher32_h5("abcde", 5), 0x4ff029c7u);
  assert_int_equal(pc_fletcher32_h5("abcdef", 6), 0x50562a2du);
  unsigned char ramp[1001], ff[4000];
  for (int i = 0; i < 1001; i++) ramp[i] = (unsigned char)((i * 7 + 3) % 256);
  memset(ff, 0xff, sizeof ff);
  assert_int_equal(pc_fletcher32_h5(ramp, sizeof ramp), 0x8f9671c5u);
  assert_int_equal(pc_fletcher32_h5(ff, sizeof ff), 0xffffffffu);
  assert_int_equal(pc_fletcher32_h5("", 0), 0);
}

/* The eight-words-a-step Fletcher32 against HDF5's word-at-a-time loop
 * (pc_fletcher32_h5_scalar, held to HDF5's own values above): every length
 * to 600 bytes at every alignment mod 16, lengths around its 4 KB blocks,
 * a chunk of a million bytes, and the data that strain its sums - all 0xff
 * (each word 0 modulo 65,535, the lanes at their largest), all zero but one
 * byte at either end, and a sum that is 0 modulo 65,535 but not 0. */
static void test_fletcher32_fast(void **state) {
  (void)state;
  enum { BIG = 1 << 20 };
  unsigned char *buf = malloc(BIG + 16);
  assert_non_null(buf);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < BIG + 16; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    buf[i] = (unsigned char)x;
  }
  for (size_t len = 0; len <= 600; len++)
    for (size_t at = 0; at < 16; at++)
      assert_int_equal(pc_fletcher32_h5(buf + at, len), pc_fletcher32_h5_scalar(buf + at, len));
  const size_t lens[] = {4095, 4096, 4097, 4111, 4112, 8191, 8192, 8193, 65535, 65536, 786432,
                         786433, BIG};
  for (size_t k = 0; k < sizeof lens / sizeof *lens; k++)
    assert_int_equal(pc_fletcher32_h5(buf + 3, lens[k] - 3 * (lens[k] == BIG)),
                     pc_fletcher32_h5_scalar(buf + 3, lens[k] - 3 * (lens[k] == BIG)));
  for (int fill = 0; fill < 3; fill++) {
    memset(buf, fill == 0 ? 0xff : 0, BIG);
    if (fill == 1) buf[0] = 1;
    if (fill == 2) buf[BIG - 1] = 1;
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++)
      assert_int_equal(pc_fletcher32_h5(buf, lens[k]), pc_fletcher32_h5_scalar(buf, lens[k]));
  }
  memset(buf, 0, 4096); /* words 0xff00 and 0x00ff: sum 65,535 */
  buf[100] = 0xff, buf[3001] = 0xff;
  assert_int_equal(pc_fletcher32_h5(buf, 4096) & 0xffffu, 0xffffu);
  assert_int_equal(pc_fletcher32_h5(buf, 4096), pc_fletcher32_h5_scalar(buf, 4096));
  free(buf);
}

static void test_shuffle(void **state) {
  (void)state;
  /* Byte j of element i at j * n + i, for counts and sizes around the
   * 16 x 16 tiles (whole tiles, a partial last tile, rows past the last
   * sixteen) and trace's 184-byte rows. */
  const size_t ns[] = {1, 11, 16, 37, 64, 200}, sizes[] = {1, 3, 16, 19, 33, 184};
  for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
    for (size_t b = 0; b < sizeof sizes / sizeof *sizes; b++) {
      const size_t n = ns[a], size = sizes[b];
      unsigned char *in = malloc(n * size), *out = malloc(n * size);
      for (size_t k = 0; k < n * size; k++) in[k] = (unsigned char)(k * 131 + k / 7);
      pc_shuffle_bytes(in, n, size, out);
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < size; j++) assert_int_equal(out[j * n + i], in[i * size + j]);
      free(in);
      free(out);
    }
}

/* Planes stored as they are: random bytes. Planes deflated: zeros, a few
 * letters, runs (sorted pids' high bytes), and any plane too short to tell. */
static void test_plane_choice(void **state) {
  (void)state;
  enum { N = 4096 };
  static uint8_t p[N];
  uint64_t z = 88172645463325252ull;
  for (size_t i = 0; i < N; i++) z ^= z << 13, z ^= z >> 7, z ^= z << 17, p[i] = (uint8_t)(z >> 24);
  assert_true(pc_plane_incompressible(p, N));
  for (size_t i = 0; i < N; i++) p[i] = (uint8_t)"grid cell lbs"[i * 7 % 13];
  assert_false(pc_plane_incompressible(p, N));
  for (size_t i = 0; i < N; i++) p[i] = (uint8_t)(i / 4);
  assert_false(pc_plane_incompressible(p, N));
  memset(p, 0, N);
  assert_false(pc_plane_incompressible(p, N));
  for (size_t i = 0; i < 100; i++) p[i] = (uint8_t)i;
  assert_false(pc_plane_incompressible(p, 100));
}

/* A row like a table's: numbers and NUL-padded strings. */
typedef struct row {
  uint64_t pid;
  uint64_t hash; /* a pseudonym's bytes: planes stored, not deflated */
  int64_t t;
  char name[20];
  int16_t age;
} row;

static hid_t row_type(void) {
  hid_t s = H5Tcopy(H5T_C_S1);
  H5Tset_size(s, 20);
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(row));
  H5Tinsert(t, "pid", HOFFSET(row, pid), H5T_NATIVE_UINT64);
  H5Tinsert(t, "hash", HOFFSET(row, hash), H5T_NATIVE_UINT64);
  H5Tinsert(t, "t", HOFFSET(row, t), H5T_NATIVE_INT64);
  H5Tinsert(t, "name", HOFFSET(row, name), s);
  H5Tinsert(t, "age", HOFFSET(row, age), H5T_NATIVE_INT16);
  H5Tclose(s);
  return t;
}

/* A table of n rows in chunks of C, filters as pc_h5_dset_create sets them,
 * its chunks made by pc_chunk_pack at `level` and written as they are. */
static hid_t write_packed(hid_t f, const char *name, const row *rows, size_t n, size_t C, int level) {
  hid_t t = row_type();
  hsize_t dims[1] = {n}, ch[1] = {C};
  hid_t sp = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, ch);
  H5Pset_shuffle(dcpl);
  H5Pset_deflate(dcpl, (unsigned)level);
  H5Pset_fletcher32(dcpl);
  hid_t d = H5Dcreate2(f, name, t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  assert_true(d >= 0);
  const size_t cap = pc_chunk_bound(C, sizeof(row));
  char *scratch = malloc(C * sizeof(row)), *out = malloc(cap);
  pc_chunker *k = pc_chunker_new(level);
  assert_non_null(k);
  for (size_t lo = 0; lo < n; lo += C) {
    size_t m = n - lo < C ? n - lo : C;
    size_t len = pc_chunk_pack(k, rows + lo, m, sizeof(row), C, scratch, out, cap);
    assert_true(len > 4);
    hsize_t off[1] = {lo};
    assert_true(H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, len, out) >= 0);
  }
  pc_chunker_free(k);
  free(scratch);
  free(out);
  H5Pclose(dcpl);
  H5Sclose(sp);
  H5Tclose(t);
  return d;
}

static void fill(row *r, size_t n) {
  memset(r, 0, n * sizeof *r);
  for (size_t i = 0; i < n; i++) {
    r[i].pid = 1000003ull * i + 7;
    uint64_t z = (i + 1) * 0x9e3779b97f4a7c15ull; /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    r[i].hash = z ^ (z >> 31);
    r[i].t = 1627900000 + (int64_t)(i % 97) * 60;
    snprintf(r[i].name, sizeof r[i].name, "%s %zu", i % 3 ? "grid" : "cell", i % 41);
    r[i].age = (int16_t)(i % 90);
  }
}

/* N rows filled, a buffer to read them back, and a scratch file. */
static hid_t start(size_t N, row **r, row **back, char *path, size_t len) {
  *r = malloc(N * sizeof **r);
  *back = malloc(N * sizeof **back);
  assert_true(*r && *back);
  fill(*r, N);
  return unit_h5_scratch(path, len, "chunk");
}

static void finish(hid_t f, const char *path, row *r, row *back) {
  H5Fclose(f);
  unlink(path);
  free(r);
  free(back);
}

/* Our chunks, at level 1 (ISA-L), 2 and 6 (zlib), a last chunk partial, read
 * back through HDF5's filters: the same rows, and a smaller file than the rows. */
static void test_roundtrip(void **state) {
  (void)state;
  enum { N = 2500, C = 512 };
  row *r, *back;
  char path[512];
  hid_t f = start(N, &r, &back, path, sizeof path);
  { /* the chunks mix both kinds of plane: hash's low bytes stored, names' deflated */
    char *sh = malloc(C * sizeof(row));
    pc_shuffle_bytes(r, C, sizeof(row), sh);
    assert_true(pc_plane_incompressible((uint8_t *)sh + offsetof(row, hash) * C, C));
    assert_false(pc_plane_incompressible((uint8_t *)sh + offsetof(row, name) * C, C));
    free(sh);
  }
  const int levels[3] = {1, 2, 6};
  for (int k = 0; k < 3; k++) {
    char name[16];
    snprintf(name, sizeof name, "t%d", levels[k]);
    hid_t d = write_packed(f, name, r, N, C, levels[k]), t = row_type();
    memset(back, 0x5a, N * sizeof *back);
    assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
    for (size_t i = 0; i < N; i++) {
      assert_true(back[i].pid == r[i].pid && back[i].hash == r[i].hash && back[i].t == r[i].t &&
                  back[i].age == r[i].age);
      assert_string_equal(back[i].name, r[i].name);
    }
    assert_true(H5Dget_storage_size(d) < N * sizeof(row) / 2);
    H5Tclose(t);
    H5Dclose(d);
  }
  finish(f, path, r, back);
}

/* Rows of random bytes, which no deflate shrinks: every chunk still fits in
 * pc_chunk_bound at levels 1 (ISA-L) and 6 (zlib), and reads back whole. */
static void test_incompressible(void **state) {
  (void)state;
  enum { N = 9000, C = 4096 };
  row *r, *back;
  char path[512];
  hid_t f = start(N, &r, &back, path, sizeof path);
  uint64_t z = 88172645463325252ull;
  for (size_t i = 0; i < N * sizeof(row); i++) {
    z ^= z << 13, z ^= z >> 7, z ^= z << 17;
    ((uint8_t *)r)[i] = (uint8_t)(z >> 24);
  }
  for (size_t i = 0; i < N; i++) r[i].name[19] = 0; /* HDF5 returns strings NUL-ended */
  const int levels[2] = {1, 6};
  for (int k = 0; k < 2; k++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", levels[k]);
    hid_t d = write_packed(f, name, r, N, C, levels[k]), t = row_type();
    assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
    assert_memory_equal(back, r, N * sizeof(row));
    H5Tclose(t);
    H5Dclose(d);
  }
  finish(f, path, r, back);
}

/* One byte of a chunk changed: HDF5's read of it fails (the checksum we
 * appended is the one its filter verifies), the other chunks still read. */
static void test_damaged(void **state) {
  (void)state;
  enum { N = 1024, C = 512 };
  row *r, *back;
  char path[512];
  hid_t f = start(N, &r, &back, path, sizeof path);
  hid_t d = write_packed(f, "t", r, N, C, 1);
  haddr_t addr = 0;
  hsize_t size = 0;
  hid_t sp = H5Dget_space(d);
  assert_true(H5Dget_chunk_info(d, sp, 1, NULL, NULL, &addr, &size) >= 0);
  H5Sclose(sp);
  H5Dclose(d);
  H5Fclose(f);
  FILE *fp = fopen(path, "r+b");
  assert_non_null(fp);
  fseek(fp, (long)(addr + size / 2), SEEK_SET);
  int c = fgetc(fp);
  fseek(fp, (long)(addr + size / 2), SEEK_SET);
  fputc(c ^ 0x10, fp);
  fclose(fp);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  d = H5Dopen2(f, "t", H5P_DEFAULT);
  hid_t t = row_type();
  hsize_t st[1] = {0}, cnt[1] = {C};
  hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, cnt, NULL);
  H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL);
  assert_true(H5Dread(d, t, ms, fs, H5P_DEFAULT, back) >= 0); /* chunk 0: whole */
  assert_true(back[C - 1].pid == r[C - 1].pid);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) < 0); /* chunk 1: refused */
  H5Sclose(fs);
  H5Sclose(ms);
  H5Tclose(t);
  H5Dclose(d);
  finish(f, path, r, back);
}

/* pc_chunk_unpack takes back what pc_chunk_pack made (ISA-L level 1, zlib 2 and 6, a last
 * chunk partial: its tail zeros) and what HDF5's own filters stored (read raw with
 * H5Dread_chunk); a byte changed anywhere, a chunk cut short or a chunk of another size
 * is refused. */
static void test_unpack(void **state) {
  (void)state;
  enum { N = 2500, C = 1024 };
  row *r, *back;
  char path[512];
  hid_t f = start(N, &r, &back, path, sizeof path);
  const size_t cap = pc_chunk_bound(C, sizeof(row));
  unsigned char *z = malloc(cap), *sh = malloc(C * sizeof(row)), *rows = malloc(C * sizeof(row));
  const int levels[3] = {1, 2, 6};
  for (int k = 0; k < 3; k++) {
    pc_chunker *ck = pc_chunker_new(levels[k]);
    for (size_t i0 = 0; i0 < N; i0 += C) {
      const size_t n = N - i0 < C ? N - i0 : C;
      const size_t len = pc_chunk_pack(ck, r + i0, n, sizeof(row), C, sh, z, cap);
      assert_true(len > 4);
      memset(rows, 0x5a, C * sizeof(row));
      assert_int_equal(pc_chunk_unpack(z, len, sizeof(row), C, sh, rows), 0);
      assert_memory_equal(rows, r + i0, n * sizeof(row));
      for (size_t b = n * sizeof(row); b < C * sizeof(row); b++) assert_int_equal(rows[b], 0);
      z[len / 2] ^= 0x04; /* a byte of the stream */
      assert_int_equal(pc_chunk_unpack(z, len, sizeof(row), C, sh, rows), -1);
      z[len / 2] ^= 0x04;
      assert_int_equal(pc_chunk_unpack(z, len - 1, sizeof(row), C, sh, rows), -1);
      assert_int_equal(pc_chunk_unpack(z, len, sizeof(row), C / 2, sh, rows), -1);
    }
    pc_chunker_free(ck);
  }
  /* HDF5's pipeline: shuffle, deflate 6, Fletcher32, written by H5Dwrite */
  hid_t t = row_type();
  hsize_t dims[1] = {N}, ch[1] = {C};
  hid_t sp = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, ch);
  H5Pset_shuffle(dcpl);
  H5Pset_deflate(dcpl, 6);
  H5Pset_fletcher32(dcpl);
  hid_t d = H5Dcreate2(f, "h5", t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  assert_true(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, r) >= 0);
  for (size_t i0 = 0; i0 < N; i0 += C) {
    hsize_t off[1] = {i0}, size = 0;
    uint32_t mask = 1;
    assert_true(H5Dget_chunk_storage_size(d, off, &size) >= 0 && size > 4 && size <= cap);
    assert_true(H5Dread_chunk(d, H5P_DEFAULT, off, &mask, z) >= 0);
    assert_int_equal(mask, 0);
    assert_int_equal(pc_chunk_unpack(z, size, sizeof(row), C, sh, rows), 0);
    const size_t n = N - i0 < C ? N - i0 : C;
    assert_memory_equal(rows, r + i0, n * sizeof(row));
  }
  H5Dclose(d), H5Pclose(dcpl), H5Sclose(sp), H5Tclose(t);
  free(z), free(sh), free(rows);
  finish(f, path, r, back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fletcher32),
      cmocka_unit_test(test_fletcher32_fast),
      cmocka_unit_test(test_shuffle),
      cmocka_unit_test(test_plane_choice),
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_incompressible),
      cmocka_unit_test(test_damaged),
      cmocka_unit_test(test_unpack),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
