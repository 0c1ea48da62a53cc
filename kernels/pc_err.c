/* pc_err.c - the process-wide first-error record behind PC_CALL. */
#include "pc_err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
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

/* Huge pages, advised only when pc_mem_huge_pages() turned them on (the
 * job's budget check does, when the node's free memory in 2 MB blocks is
 * several times what its ranks will use: see pc_budget.c). Blind advice,
 * as from 2026-11-23 to 12-05, stalled: where THP's `defrag` is `madvise`,
 * an advised fault compacts memory when no free 2 MB block is left, and
 * with the page cache full of the dataset the index's shuffle phase took
 * 40-50 s instead of 6.4-8.4 s (53,853 compaction stalls). On a host with
 * THP `madvise` and costly faults (this bench VM: ~7 us a 4 KB fault) the
 * advice took trace's 200 k faults a rank to ~50 k. */
static uintptr_t huge_page = (uintptr_t)2 << 20; /* pc_mem_huge_page_bytes, once on */
static int huge_on;

size_t pc_mem_huge_page_bytes(void) {
  static size_t hp;
  if (!hp) {
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
    unsigned long long v = 0;
    if (!f || fscanf(f, "%llu", &v) != 1 || v < 4096 || (v & (v - 1))) v = (size_t)2 << 20;
    if (f) fclose(f);
    hp = (size_t)v;
  }
  return hp;
}
static uintptr_t heap_advised; /* the heap's pages are advised from the start up to here */

/* The 2 MB pages wholly inside [lo, hi): advised. */
static void advise_range(uintptr_t lo, uintptr_t hi) {
#ifdef MADV_HUGEPAGE
  lo = (lo + huge_page - 1) & ~(huge_page - 1);
  hi &= ~(huge_page - 1);
  if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
  (void)lo, (void)hi;
#endif
}

/* Before and after each allocation: what the heap grew by since (by this
 * code's allocations or the libraries'), and a block of its own mapping. */
static void huge_advise(const void *p, size_t bytes) {
  if (!huge_on) return;
  const uintptr_t top = (uintptr_t)sbrk(0);
  if (top >= heap_advised + huge_page) { /* the 2 MB pages the heap now holds whole */
    advise_range(heap_advised, top);
    heap_advised = top & ~(huge_page - 1);
  } else if (top < heap_advised) { /* trimmed: what grows back is advised again */
    heap_advised = top & ~(huge_page - 1);
  }
  if (p && bytes >= huge_page) advise_range((uintptr_t)p, (uintptr_t)p + bytes);
}

void pc_mem_huge_pages(void) {
  if (huge_on) return;
  /* Blocks under 32 MB from the heap, which grows 16 MB past the need at a
   * time and keeps up to 16 MB freed at its top instead of returning it to
   * be faulted again; bigger blocks mapped and advised one by one. The heap
   * is advised once it has grown: glibc has by then written the new top's
   * header, so the 2 MB page holding it stays in 4 KB pages. Steps of 16 MB
   * leave 85 % of the growth huge (4 MB steps: 40 %); keeping 64 MB freed
   * took 34 MB more a rank for trace of 1,000 cases, no faster. */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  huge_page = (uintptr_t)pc_mem_huge_page_bytes();
  huge_on = 1;
  heap_advised = (uintptr_t)sbrk(0); /* the pages already there stay as they are */
  heap_advised = (heap_advised + huge_page - 1) & ~(huge_page - 1);
}

double pc_buddy_free_bytes(const char *buddyinfo, int order, double page) {
  double bytes = 0;
  for (const char *l = buddyinfo; l && *l;) {
    const char *z = strstr(l, "zone"), *nl = strchr(l, '\n');
    if (z && (!nl || z < nl)) {
      const char *q = z + 4;
      while (*q == ' ') q++;
      while (*q && *q != ' ' && *q != '\n') q++; /* the zone's name */
      for (int k = 0; *q && *q != '\n'; k++) {
        char *end;
        const double n = strtod(q, &end);
        if (end == q) break;
        if (k >= order) bytes += n * page * (double)(1ull << k);
        q = end;
      }
    }
    l = nl ? nl + 1 : NULL;
  }
  return bytes;
}

void *pc_malloc(size_t bytes, const char *what) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) PC_ERROR(PC_ERR_MEM, "cannot allocate %zu bytes for %s", bytes, what);
  huge_advise(p, bytes);
  return p;
}

void *pc_calloc(size_t n, size_t size, const char *what) {
  huge_advise(NULL, 0); /* before calloc: it may clear heap pages */
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) PC_ERROR(PC_ERR_MEM, "cannot allocate %zu x %zu bytes for %s", n, size, what);
  huge_advise(p, n * size);
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
  huge_advise(p, bytes);
  return p;
}
