/* pc_err.c - the process-wide first-error record behind PC_CALL. */
#include "pc_err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <errno.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <string.h>
#include <unistd.h>

static char first_msg[2048];
static int have_first;
static int debug_mode;

void pc_err_set_debug(int on) { debug_mode = on != 0; }
int pc_err_debug(void) { return debug_mode; }

int pc_err_raise(int code, const char *file, int line, const char *fmt, ...) {
  if (!have_first) {
    char body[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    if (line > 0 && debug_mode)
      snprintf(first_msg, sizeof first_msg, "%s (%s:%d)", body, base ? base + 1 : file, line);
    else
      snprintf(first_msg, sizeof first_msg, "%s", body);
    have_first = 1;
  }
  return code ? code : PC_ERR_ARG;
}

int pc_err_propagate(int code, const char *file, int line, const char *expr) {
  if (debug_mode) return pc_err_raise(code, file, line, "in %s", expr);
  return pc_err_raise(code, file, 0, "internal error: a step failed without saying why (run again "
                      "with --debug for where)");
}

const char *pc_err_message(void) { return have_first ? first_msg : ""; }

void pc_err_clear(void) {
  have_first = 0;
  first_msg[0] = 0;
}

const char *pc_err_create_why(const char *path, int err, char *buf, size_t n) {
  char d[4096];
  snprintf(d, sizeof d, "%s", path);
  const char *dir = dirname(d);
  struct stat st;
  struct statvfs vs;
  if (stat(dir, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
    snprintf(buf, n, "no such directory %s (mkdir -p %s)", dir, dir);
  else if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
    snprintf(buf, n, "%s is not a directory (choose another output path)", dir);
  else if (err == EROFS)
    snprintf(buf, n, "%s is on a read-only file system (choose another output directory)", dir);
  else if (access(dir, W_OK | X_OK) != 0 || err == EACCES || err == EPERM)
    snprintf(buf, n, "directory %s is not writable by you (ls -ld %s; ask its owner, or choose "
             "another output directory)", dir, dir);
  else if (err == ENOSPC || (statvfs(dir, &vs) == 0 && vs.f_bavail == 0))
    snprintf(buf, n, "the disk of %s is full: %s (df -h %s; free space, or choose another "
             "output directory)", dir, strerror(ENOSPC), dir);
  else if (err == EDQUOT)
    snprintf(buf, n, "your disk quota on %s is used up (quota -s; free space, or choose another "
             "output directory)", dir);
  else
    snprintf(buf, n, "%s", err ? strerror(err) : "the HDF5 library could not create it");
  return buf;
}

/* No madvise(MADV_HUGEPAGE) for big blocks any more (it was here from
 * 2026-11-23, when huge pages halved the first touches of an earlier VM):
 * where the system's defrag setting is `madvise`, the advice makes each
 * fault compact memory first, and with the page cache full of the dataset
 * the index's shuffle phase took 40-50 s instead of 6.4-8.4 s (city tier, 2
 * ranks, /proc/vmstat: 53,853 compaction stalls). Without it, THP `always`
 * still gives huge pages when free ones exist, never by stalling. */
void *pc_malloc(size_t bytes, const char *what) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) PC_ERROR(PC_ERR_MEM, "cannot allocate %zu bytes for %s", bytes, what);
  return p;
}

void *pc_calloc(size_t n, size_t size, const char *what) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) PC_ERROR(PC_ERR_MEM, "cannot allocate %zu x %zu bytes for %s", n, size, what);
  return p;
}

void pc_prefault(void *p, size_t bytes) {
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  static uintptr_t pg; /* the system's page size, asked once */
  if (!pg) {
    const long ps = sysconf(_SC_PAGESIZE);
    pg = ps > 0 ? (uintptr_t)ps : 4096;
  }
  const uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1), b = ((uintptr_t)p + bytes) & ~(pg - 1);
  if (!p || b <= a || b - a < ((uintptr_t)1 << 24)) return; /* under 16 MB: not worth a call */
  (void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
}

void *pc_realloc(void *old, size_t bytes, const char *what) {
  void *p = realloc(old, bytes ? bytes : 1);
  if (!p) PC_ERROR(PC_ERR_MEM, "cannot grow %s to %zu bytes", what, bytes);
  return p;
}
