/* pc_fdio.c - whole reads and writes at an offset. */
#include "pc_fdio.h"

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

/* pread or pwrite again until all n bytes are done. */
static int full(int fd, char *p, size_t n, uint64_t off, int write) {
  while (n) {
    ssize_t k = write ? pwrite(fd, p, n, (off_t)off) : pread(fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = 0;
      return -1;
    }
    p += k, n -= (size_t)k, off += (uint64_t)k;
  }
  return 0;
}

int pc_pread_full(int fd, void *buf, size_t n, uint64_t off) { return full(fd, buf, n, off, 0); }

int pc_pwrite_full(int fd, const void *buf, size_t n, uint64_t off) {
  return full(fd, (char *)(uintptr_t)buf, n, off, 1); /* pwrite only reads it */
}
