/* pc_fdio.c - whole reads and writes at an offset. */
#include "pc_fdio.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
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

int pc_pwrite_direct(int fd, int dfd, void *bounce, const void *buf, size_t n, uint64_t off) {
  const uint64_t A = PC_DIRECT_ALIGN;
  const uint64_t a = (off + A - 1) / A * A, b = (off + n) / A * A;
  if (dfd < 0 || b <= a) return pc_pwrite_full(fd, buf, n, off);
  const char *p = buf;
  if (a > off && pc_pwrite_full(fd, p, (size_t)(a - off), off) != 0) return -1;
  if ((uintptr_t)(p + (a - off)) % A == 0) { /* the caller's memory is aligned as the file: no copy */
    if (pc_pwrite_full(dfd, p + (a - off), (size_t)(b - a), a) != 0) return -1;
  } else for (uint64_t x = a; x < b;) {
    const size_t k = b - x < PC_DIRECT_BOUNCE ? (size_t)(b - x) : PC_DIRECT_BOUNCE;
    memcpy(bounce, p + (x - off), k);
    if (pc_pwrite_full(dfd, bounce, k, x) != 0) return -1;
    x += k;
  }
  return off + n > b ? pc_pwrite_full(fd, p + (b - off), (size_t)(off + n - b), b) : 0;
}
