/* test_fdio.c - cmocka tests of io/pc_fdio.c: writes split between O_DIRECT and the page cache leave every byte where it belongs. */
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

#include "pc_fdio.h"

enum { FILE_BYTES = 3 * (8 << 20) + 50000 };

typedef struct direct_file {
  char path[64];
  int fd, dfd;
  void *bounce;
} direct_file;

static void open_both(direct_file *f) {
  snprintf(f->path, sizeof f->path, "%s", "/tmp/paicha-fdio-XXXXXX");
  f->fd = mkstemp(f->path);
  assert_true(f->fd >= 0);
  /* a file system without O_DIRECT (tmpfs) fails the open: the writes then
   * all go through fd, which must give the same file */
  f->dfd = open(f->path, O_WRONLY | O_DIRECT);
  if (f->dfd < 0) {
    assert_int_equal(errno, EINVAL);
    print_message("O_DIRECT refused in /tmp: only the page-cache path is tested here\n");
  }
  assert_int_equal(posix_memalign(&f->bounce, PC_DIRECT_ALIGN, PC_DIRECT_BOUNCE), 0);
}

static void close_both(direct_file *f) {
  close(f->fd);
  if (f->dfd >= 0) close(f->dfd);
  unlink(f->path);
  free(f->bounce);
}

/* Pieces of every shape - inside one block, across one boundary, starting or
 * ending on one, longer than the bounce buffer, neighbours sharing a block -
 * written in a scrambled order: the file reads back as the whole. */
static void pieces_land_whole(void **state) {
  (void)state;
  direct_file f;
  open_both(&f);
  unsigned char *want = malloc(FILE_BYTES), *got = malloc(FILE_BYTES);
  assert_non_null(want);
  assert_non_null(got);
  for (size_t i = 0; i < FILE_BYTES; i++) want[i] = (unsigned char)(i * 2654435761u >> 24);
  const size_t cut[] = {0,     100,   4096,  4100,  8192,  12000, 12288, 20000,
                        65536, 70000, (8 << 20) + 4096 * 3 + 17, 2 * (8 << 20) + 1,
                        3 * (8 << 20) + 4096, FILE_BYTES};
  const size_t npieces = sizeof cut / sizeof *cut - 1;
  for (size_t k = 0; k < npieces; k++) {
    const size_t p = (k * 5) % npieces; /* 5 is prime to 13: every piece once */
    assert_int_equal(pc_pwrite_direct(f.fd, f.dfd, f.bounce, want + cut[p], cut[p + 1] - cut[p],
                                      cut[p]),
                     0);
  }
  assert_int_equal(pc_pread_full(f.fd, got, FILE_BYTES, 0), 0);
  assert_memory_equal(got, want, FILE_BYTES);
  free(want);
  free(got);
  close_both(&f);
}

/* A write the file cannot take is an error with errno set, not a short file. */
static void failure_is_reported(void **state) {
  (void)state;
  direct_file f;
  open_both(&f);
  char buf[8192] = {0};
  assert_int_equal(pc_pwrite_direct(-1, -1, f.bounce, buf, sizeof buf, 0), -1);
  assert_int_equal(errno, EBADF);
  close_both(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(pieces_land_whole),
                                     cmocka_unit_test(failure_is_reported)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
