/* pc_fdio.c - whole reads and writes at an offset. */
#include "pc_fdio.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

int pc_pread_full(int fd, void *buf, size_t n, uint64_t off) {
  for (char *p = buf; n;) {
    ssize_t k = pread(fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = 0;
      return -1;
    }
    p += k, n -= (size_t)k, off += (uint64_t)k;
  }
  return 0;
}

int pc_pwrite_full(int fd, const void *buf, size_t n, uint64_t off) {
  for (const char *p = buf; n;) {
    ssize_t k = pwrite(fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = 0;
      return -1;
    }
    p += k, n -= (size_t)k, off += (uint64_t)k;
  }
  return 0;
}
