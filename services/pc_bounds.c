/* pc_bounds.c - what this machine can do per rank, all ranks at once: memory, all-to-all, file write and read. */
#include "pc_bounds.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "pc_err.h"
#include "pc_fdio.h"
#include "pc_textout.h"

#define REPS 3
#define IO_BLOCK ((size_t)8 << 20) /* the reads and writes of the file tests */

/* Every rank starts together; *t: the slowest rank's seconds since. Collective. */
static int start(pc_ctx *ctx, double *t0) {
  PC_CALL(pc_agree(ctx, 0));
  *t0 = pc_wtime();
  return 0;
}
static int stop(pc_ctx *ctx, double t0, double *t) {
  uint64_t ns = (uint64_t)((pc_wtime() - t0) * 1e9) + 1;
  PC_CALL(pc_max_u64(ctx, &ns, 1));
  *t = (double)ns / 1e9;
  return 0;
}
static double mb_s(size_t bytes, double t) { return (double)bytes / t / 1e6; }

/* The best of REPS first touches of fresh memory (page faults and zeroing:
 * a buffer this large is mapped afresh by every malloc), then of REPS copies
 * a -> b. Collective, agreed. */
static int memory(pc_ctx *ctx, char *a, char *b, size_t bytes, pc_bounds *B) {
  double t0, t;
  for (int i = 0; i < REPS; i++) {
    char *f = pc_malloc(bytes, "bounds buffer");
    PC_CALL(pc_agree(ctx, f ? 0 : PC_ERR_MEM));
    PC_CALL(start(ctx, &t0));
    memset(f, 1, bytes);
    int rc = stop(ctx, t0, &t);
    free(f);
    PC_CALL(rc);
    if (mb_s(bytes, t) > B->touch) B->touch = mb_s(bytes, t);
  }
  memset(a, 1, bytes);
  memset(b, 0, bytes);
  for (int i = 0; i < REPS; i++) {
    PC_CALL(start(ctx, &t0));
    memcpy(b, a, bytes);
    PC_CALL(stop(ctx, t0, &t));
    if (mb_s(bytes, t) > B->memory) B->memory = mb_s(bytes, t);
  }
  /* Read what was copied, so the copies cannot be left out. */
  return pc_agree(ctx, b[bytes / 2] == 1 ? 0 : PC_ERROR(PC_ERR_DATA, "memory copy lost (internal)"));
}

/* All n bytes at offset at, in blocks of IO_BLOCK: written from p (write) or read into p. */
static int io_all(int fd, char *p, size_t n, uint64_t at, int write, const char *what) {
  for (size_t off = 0, k; off < n; off += k) {
    k = n - off < IO_BLOCK ? n - off : IO_BLOCK;
    if ((write ? pc_pwrite_full(fd, p + off, k, at + off) : pc_pread_full(fd, p + off, k, at + off)) != 0)
      return PC_ERROR(PC_ERR_IO, "%s: %s failed: %s", what, write ? "write" : "read",
                      errno ? strerror(errno) : write ? "no progress" : "short file");
  }
  return 0;
}

/* This rank's scratch file in dir: created exclusively under a name drawn
 * from getrandom, owner only. */
static int scratch_open(const char *dir, int rank, char *path, size_t size, int *fd) {
  uint64_t r;
  if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
    return PC_ERROR(PC_ERR_IO, "cannot draw a scratch file name (getrandom): %s", strerror(errno));
  if ((size_t)snprintf(path, size, "%s/.paicha-bounds.%d.%016" PRIx64, dir, rank, r) >= size)
    return PC_ERROR(PC_ERR_ARG, "%s: path too long", dir);
  *fd = pc_create_excl(path, O_RDWR, 0600);
  if (*fd < 0) return PC_ERROR(PC_ERR_IO, "cannot create a scratch file in %s: %s", dir, strerror(errno));
  return 0;
}

static void best(double *v, size_t bytes, double t) {
  if (mb_s(bytes, t) > *v) *v = mb_s(bytes, t);
}

/* REPS times: write a at the scratch file's end (timed: into the page
 * cache, then with fsync); drop the file's pages; REPS times read a part
 * back into b cold, then again from the page cache, checking what came back.
 * Bests of each. Collective, agreed; the file is removed whatever happens. */
static int files(pc_ctx *ctx, const char *dir, char *a, char *b, size_t bytes, pc_bounds *B) {
  char path[4200];
  int fd = -1, rc = scratch_open(dir, pc_rank(ctx), path, sizeof path, &fd), lrc = 0;
  PC_CALL(pc_agree(ctx, rc));
  double t0 = 0, t;
  for (int i = 0; !rc && i < REPS; i++) {
    rc = start(ctx, &t0);
    lrc = io_all(fd, a, bytes, (uint64_t)i * bytes, 1, path);
    if (!rc) rc = stop(ctx, t0, &t);
    if (!rc) best(&B->write, bytes, t);
    if (!lrc && fsync(fd) != 0) lrc = PC_ERROR(PC_ERR_IO, "%s: fsync failed: %s", path, strerror(errno));
    if (!rc) rc = stop(ctx, t0, &t);
    if (!rc) best(&B->disk_write, bytes, t);
    if (!rc) rc = pc_agree(ctx, lrc);
  }
  /* Clean pages after fsync: the kernel drops them on this advice. */
  if (!rc) (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  for (int i = 0; !rc && i < 2 * REPS; i++) {
    memset(b, 0, bytes);
    rc = start(ctx, &t0);
    lrc = io_all(fd, b, bytes, (uint64_t)(i % REPS) * bytes, 0, path);
    if (!rc) rc = stop(ctx, t0, &t);
    if (!rc) best(i < REPS ? &B->disk_read : &B->read, bytes, t);
    if (!lrc && memcmp(a, b, bytes) != 0)
      lrc = PC_ERROR(PC_ERR_IO, "%s: read back differs from what was written", path);
    if (!rc) rc = pc_agree(ctx, lrc);
  }
  close(fd);
  /* Rank 0 removes its file alone, timed (a job replacing its output removes
   * the old one from rank 0: on a file system that discards freed blocks, a
   * second or more per few GB); then the others remove theirs. */
  int rrc = pc_agree(ctx, rc);
  if (!rrc) rrc = start(ctx, &t0);
  if (pc_rank(ctx) == 0) unlink(path);
  if (!rrc) rrc = stop(ctx, t0, &t);
  if (!rrc) B->remove = mb_s((size_t)REPS * bytes, t);
  if (pc_rank(ctx) != 0) unlink(path);
  B->cold = B->disk_read < B->read;
  return rrc;
}

int pc_bounds_measure(pc_ctx *ctx, const char *dir, size_t bytes, pc_bounds *B) {
  memset(B, 0, sizeof *B);
  bytes = bytes / 4096 * 4096;
  if (bytes == 0) bytes = 4096;
  char *a = pc_malloc(bytes, "bounds buffer"), *b = pc_malloc(bytes, "bounds buffer");
  int rc = pc_agree(ctx, a && b ? 0 : PC_ERR_MEM);
  if (!rc) rc = memory(ctx, a, b, bytes, B);
  if (!rc) {
    pc_log(ctx, "bounds: memory copy %.0f MB/s, first touch %.0f MB/s per rank", B->memory, B->touch);
    rc = pc_alltoall_speed(ctx, a, b, bytes, REPS, &B->network);
  }
  if (!rc) {
    if (pc_nranks(ctx) > 1) pc_log(ctx, "bounds: all-to-all %.0f MB/s sent per rank", B->network);
    /* Distinct bytes, so a file system that skips zeros or repeats cannot flatter the disk. */
    for (size_t i = 0; i < bytes; i += 8) {
      uint64_t v = (i + (uint64_t)pc_rank(ctx) * bytes) * 0x9E3779B97F4A7C15ull;
      memcpy(a + i, &v, bytes - i < 8 ? bytes - i : 8);
    }
    rc = files(ctx, dir, a, b, bytes, B);
  }
  if (!rc)
    pc_log(ctx, "bounds: write %.0f MB/s (page cache), %.0f MB/s with fsync; read %.0f MB/s cold, "
                "%.0f MB/s from the page cache per rank; a file removed at %.0f MB/s",
           B->write, B->disk_write, B->disk_read, B->read, B->remove);
  free(a);
  free(b);
  return rc;
}
