/* pc_textout.c - a text file written by all ranks in rank order, in rounds, atomically. */
#include "pc_textout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rank 0: remove the temporary files an interrupted run (SIGKILL, a node
 * lost) left beside `path` - they are never a result, only lost space. */
static void sweep_stale(pc_ctx *ctx, const char *dir, const char *base) {
  char prefix[4200];
  snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, prefix, strlen(prefix))) {
      char p[8400];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      if (unlink(p) == 0) n++;
    }
  closedir(d);
  if (n) pc_log(ctx, "removed %d temporary file%s of %s/%s left by an interrupted run", n,
                n > 1 ? "s" : "", dir, base);
}

int pc_atomic_tmp(pc_ctx *ctx, const char *path, char *tmp, size_t size) {
  long tag = (long)getpid();
  if (MPI_Bcast(&tag, 1, MPI_LONG, 0, ctx->comm) != MPI_SUCCESS)
    return PC_ERROR(PC_ERR_MPI, "broadcast of temporary name failed");
  char d[4096], b[4096];
  if (strlen(path) >= sizeof d) return PC_ERROR(PC_ERR_ARG, "output path too long: %.64s...", path);
  snprintf(d, sizeof d, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  const char *dn = dirname(d), *bn = basename(b);
  if ((size_t)snprintf(tmp, size, "%s/.%s.tmp.%ld", dn, bn, tag) >= size)
    return PC_ERROR(PC_ERR_ARG, "output path too long: %.64s...", path);
  if (ctx->rank == 0) sweep_stale(ctx, dn, bn);
  return 0;
}

int pc_atomic_commit(pc_ctx *ctx, const char *tmp, const char *path, int rc_in) {
  int rc = pc_agree(ctx, rc_in);
  if (!rc) pc_test_hold(ctx, "commit");
  if (ctx->rank == 0 && tmp[0]) {
    /* Signalled since the agreement - mpirun stopping the job because a
     * rank died, or Slurm's time limit: the job is failing, publish nothing. */
    if (!rc && pc_signalled())
      rc = PC_ERROR(PC_ERR_SIGNAL, "stopped by a signal before %s was published: not written",
                    path);
    if (!rc) {
      if (rename(tmp, path) != 0) {
        rc = PC_ERROR(PC_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
      }
    } else {
      unlink(tmp);
    }
  }
  int rc2 = pc_agree(ctx, rc_in ? 0 : rc);
  return rc_in ? rc : rc2;
}

static int write_all(int fd, const char *p, size_t n, uint64_t off, const char *what) {
  while (n) {
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return PC_ERROR(PC_ERR_IO, "%s: write failed: %s", what, w < 0 ? strerror(errno) : "no progress");
    p += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
  return 0;
}

int pc_textout_open(pc_ctx *ctx, const char *path, const char *head, pc_textout *o) {
  memset(o, 0, sizeof *o);
  o->fd = -1;
  if (strlen(path) >= sizeof o->path) return PC_ERROR(PC_ERR_ARG, "output path too long");
  snprintf(o->path, sizeof o->path, "%s", path);
  PC_CALL(pc_atomic_tmp(ctx, path, o->tmp, sizeof o->tmp));
  int rc = 0;
  if (ctx->rank == 0) {
    o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (o->fd < 0) rc = PC_ERROR(PC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    else rc = write_all(o->fd, head, strlen(head), 0, path);
  }
  PC_CALL(pc_agree(ctx, rc));
  if (ctx->rank != 0) {
    o->fd = open(o->tmp, O_WRONLY);
    if (o->fd < 0) rc = PC_ERROR(PC_ERR_IO, "cannot open %s: %s", o->tmp, strerror(errno));
  }
  o->end = strlen(head);
  return pc_agree(ctx, rc);
}

char *pc_textout_room(pc_textout *o, size_t n) {
  if (o->len + n > o->cap) {
    size_t cap = o->cap ? o->cap : 1 << 20;
    while (cap < o->len + n) cap *= 2;
    char *b = pc_realloc(o->buf, cap, "text output buffer");
    if (!b) return NULL;
    o->buf = b;
    o->cap = cap;
  }
  return o->buf + o->len;
}

int pc_textout_puts(pc_textout *o, const char *s) {
  size_t n = strlen(s);
  char *p = pc_textout_room(o, n);
  if (!p) return PC_ERR_MEM;
  memcpy(p, s, n);
  o->len += n;
  return 0;
}

int pc_textout_flush(pc_ctx *ctx, pc_textout *o) {
  uint64_t before = 0, total = o->len;
  PC_CALL(pc_exscan_u64(ctx, o->len, &before));
  PC_CALL(pc_sum_u64(ctx, &total, 1));
  int rc = write_all(o->fd, o->buf, o->len, o->end + before, o->path);
  o->end += total;
  o->len = 0;
  return pc_agree(ctx, rc);
}

int pc_textout_close(pc_ctx *ctx, pc_textout *o, int rc_in) {
  int rc = rc_in;
  if (!rc) rc = pc_textout_flush(ctx, o);
  if (o->fd >= 0 && close(o->fd) != 0 && !rc)
    rc = PC_ERROR(PC_ERR_IO, "%s: close failed (disk full?): %s", o->path, strerror(errno));
  o->fd = -1;
  free(o->buf);
  o->buf = NULL;
  return pc_atomic_commit(ctx, o->tmp, o->path, rc);
}

size_t pc_csv_quote(const char *s, size_t len, char *out) {
  int need = 0;
  for (size_t i = 0; i < len && !need; i++)
    need = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!need) {
    memcpy(out, s, len);
    return len;
  }
  size_t k = 0;
  out[k++] = '"';
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') out[k++] = '"';
    out[k++] = s[i];
  }
  out[k++] = '"';
  return k;
}
