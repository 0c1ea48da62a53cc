/* test_rowstream.c - cmocka tests of io/pc_rowstream.c: rows written by its thread, whole or
 * made in its ring, land where they belong, at any place in the file; a failed write stops
 * the ring's caller and is told. */
#include <errno.h>
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

#include "pc_err.h"
#include "pc_fdio.h"
#include "pc_rowstream.h"

enum { RS = 48, NROWS = 40000 };

/* A table of NROWS rows of RS bytes at byte `offset` of a scratch file, as
 * pc_indexfile_rows_open leaves its writer (O_DIRECT where /tmp allows it). */
static void open_table(pc_rows_out *w, char *path, uint64_t offset) {
  memset(w, 0, sizeof *w);
  snprintf(path, 64, "%s", "/tmp/paicha-rowstream-XXXXXX");
  w->raw.fd = mkstemp(path);
  assert_true(w->raw.fd >= 0);
  w->raw.offset = offset, w->raw.nrows = NROWS, w->raw.rowsize = RS;
  snprintf(w->raw.what, sizeof w->raw.what, "%s", path);
  w->dfd = open(path, O_WRONLY | O_DIRECT);
  assert_int_equal(posix_memalign(&w->bounce, PC_DIRECT_ALIGN, PC_DIRECT_BOUNCE), 0);
}

static void close_table(pc_rows_out *w, const char *path) {
  close(w->raw.fd);
  if (w->dfd >= 0) close(w->dfd);
  free(w->bounce);
  unlink(path);
}

/* Row i's bytes: its number in every word, so a row moved or torn shows. */
static void make_row(unsigned char *r, uint64_t i) {
  for (int k = 0; k < RS / 8; k++) {
    const uint64_t v = i * 8 + (uint64_t)k + 1;
    memcpy(r + 8 * k, &v, 8);
  }
}

/* The file holds rows [at, at + n) where they belong, and nothing before them. */
static void rows_landed(const pc_rows_out *w, uint64_t at, uint64_t n) {
  const size_t bytes = (size_t)(w->raw.offset + (at + n) * RS);
  unsigned char *got = malloc(bytes), want[RS];
  assert_non_null(got);
  assert_int_equal(pc_pread_full(w->raw.fd, got, bytes, 0), 0);
  for (size_t b = 0; b < w->raw.offset + at * RS; b++) assert_int_equal(got[b], 0);
  for (uint64_t i = 0; i < n; i++) {
    make_row(want, at + i);
    assert_memory_equal(got + w->raw.offset + (at + i) * RS, want, RS);
  }
  free(got);
}

/* Rows [at, at + n) made in a ring of `cap` rows asked for, k at a time (a
 * piece ends at the ring's end when k does not divide cap), and written. */
static void write_in_ring(pc_rows_out *w, uint64_t at, uint64_t n, uint64_t cap, uint64_t k) {
  pc_rowstream *s = NULL;
  assert_int_equal(pc_rowstream_start_ring(w, at, n, cap, &s), 0);
  assert_non_null(s);
  for (uint64_t lo = 0; lo < n;) {
    uint64_t m = n - lo < k ? n - lo : k;
    if (lo % cap + m > cap) m = cap - lo % cap;
    unsigned char *r = pc_rowstream_room(s, lo, m);
    assert_non_null(r);
    for (uint64_t i = 0; i < m; i++) make_row(r + i * RS, at + lo + i);
    lo += m;
    pc_rowstream_ready(s, lo);
  }
  assert_int_equal(pc_rowstream_finish(s), 0);
}

/* Rows made in a ring of 4,096 rows (48 blocks) a piece at a time, many
 * times round it, at offsets that put the ring's ends anywhere in a block
 * of the file: every row lands. */
static void ring_rows_land(void **state) {
  (void)state;
  const uint64_t offsets[] = {0, 1000, 4096 + 8, 12345};
  const uint64_t starts[] = {0, 37, 1};
  const uint64_t pieces[] = {1024, 512, 333};
  for (size_t o = 0; o < 4; o++)
    for (size_t t = 0; t < 3; t++) {
      char path[64];
      pc_rows_out w;
      open_table(&w, path, offsets[o]);
      const uint64_t at = starts[t], n = NROWS - at - 5 * t;
      write_in_ring(&w, at, n, 4096, pieces[t]);
      rows_landed(&w, at, n);
      close_table(&w, path);
    }
}

/* A table smaller than the ring asked for (a small ingest's /stays, in
 * pieces as big as the ring): its rows land, in one piece or several. */
static void small_table_lands(void **state) {
  (void)state;
  const uint64_t pieces[] = {1u << 18, 300};
  for (size_t t = 0; t < 2; t++) {
    char path[64];
    pc_rows_out w;
    open_table(&w, path, 1000);
    const uint64_t at = 3, n = 1001;
    write_in_ring(&w, at, n, 1u << 18, pieces[t]);
    rows_landed(&w, at, n);
    close_table(&w, path);
  }
}

/* Rows given whole and made final a few at a time (the index's sort): the
 * same file. */
static void whole_rows_land(void **state) {
  (void)state;
  char path[64];
  pc_rows_out w;
  open_table(&w, path, 777);
  const uint64_t at = 5, n = NROWS - 9;
  unsigned char *rows = malloc(n * RS);
  assert_non_null(rows);
  for (uint64_t i = 0; i < n; i++) make_row(rows + i * RS, at + i);
  pc_rowstream *s = NULL;
  assert_int_equal(pc_rowstream_start(&w, at, rows, n, &s), 0);
  for (uint64_t upto = 0; upto < n;) {
    upto = upto + 777 < n ? upto + 777 : n;
    pc_rowstream_ready(s, upto);
  }
  assert_int_equal(pc_rowstream_finish(s), 0);
  rows_landed(&w, at, n);
  free(rows);
  close_table(&w, path);
}

/* A file that takes no write: the ring's caller finds no room, and
 * finishing tells the failure although not every row was made. */
static void ring_failure_is_told(void **state) {
  (void)state;
  char path[64];
  pc_rows_out w;
  open_table(&w, path, 0);
  const int fd = w.raw.fd, dfd = w.dfd;
  w.raw.fd = w.dfd = -1;
  pc_rowstream *s = NULL;
  assert_int_equal(pc_rowstream_start_ring(&w, 0, NROWS, 4096, &s), 0);
  unsigned char *r = NULL;
  uint64_t lo = 0;
  for (; lo < NROWS; lo += 1024) {
    if (!(r = pc_rowstream_room(s, lo, 1024))) break;
    for (uint64_t i = 0; i < 1024; i++) make_row(r + i * RS, lo + i);
    pc_rowstream_ready(s, lo + 1024);
  }
  assert_null(r);
  assert_true(lo < NROWS);
  assert_int_equal(pc_rowstream_finish(s), PC_ERR_IO);
  w.raw.fd = fd, w.dfd = dfd;
  close_table(&w, path);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(ring_rows_land),
                                     cmocka_unit_test(small_table_lands),
                                     cmocka_unit_test(whole_rows_land),
                                     cmocka_unit_test(ring_failure_is_told)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
