/* pc_textout.c - a text file written by all ranks in rank order, in rounds, atomically. */
#include "pc_textout.h"

#include "pc_claim.h"
#include "pc_fdio.h"
#include "pc_publish.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The creation rules (issue 22): what pc_create_policy was told. */
static int shared_dir_ok;

void pc_create_policy(int shared_ok) { shared_dir_ok = shared_ok; }

/* Group members may write beside outputs only when they may read them (output_mode 0640). */
static int group_reads(void) {
  mode_t um = umask(0);
  umask(um);
  return !(um & 040);
}

int pc_dir_check(const char *dir, const char *what) {
  struct stat st;
  char why[4400];
  if (stat(dir, &st) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot create output %s: %s", what,
                    pc_err_create_why(what, errno, why, sizeof why));
  if (!S_ISDIR(st.st_mode))
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s is not a directory (choose another path)",
                    what, dir);
  const char *who = NULL;
  if (st.st_mode & S_IWOTH)
    who = "every account";
  else if ((st.st_mode & S_IWGRP) && !group_reads())
    who = "its group (outputs are owner-only: output_mode 0600)";
  else if (st.st_uid != geteuid() && st.st_uid != 0)
    who = "its owner, another account";
  if (!who || shared_dir_ok) return 0;
  return PC_ERROR(PC_ERR_IO,
                  "%s: directory %s (mode %04o) can be written by %s: another account could "
                  "plant or replace files there; refusing to write (give `shared_dir_ok: true` "
                  "in the config to accept it)",
                  what, dir, (unsigned)(st.st_mode & 07777), who);
}

int pc_create_excl(const char *path, int flags, mode_t mode) {
  return open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

int pc_mkdir_output(const char *dir, const char *what) {
  char p[4096];
  if (strlen(dir) >= sizeof p) return PC_ERROR(PC_ERR_ARG, "%s: path too long", what);
  snprintf(p, sizeof p, "%s", dir);
  PC_CALL(pc_dir_check(dirname(p), dir));
  const mode_t mode = group_reads() ? 0750 : 0700;
  if (mkdir(dir, 0700) == 0) { /* then the mode the umask of output_mode would not give */
    if (chmod(dir, mode) != 0)
      return PC_ERROR(PC_ERR_IO, "%s: cannot set the mode of %s: %s", what, dir, strerror(errno));
    return 0;
  }
  char why[4400];
  if (errno != EEXIST)
    return PC_ERROR(PC_ERR_IO, "%s: cannot create directory %s: %s", what, dir,
                    pc_err_create_why(dir, errno, why, sizeof why));
  return pc_dir_check(dir, what);
}

/* Rank 0, holding the output's claim: remove the temporary files an
 * interrupted run (SIGKILL, a node lost) left beside `path` - no live run
 * writes this output but this one (pc_claim.h), so they are never a result,
 * only lost space.
 * unlinkat removes a name in the directory, never what a link points to. */
static void sweep_stale(pc_ctx *ctx, const char *dir, const char *base) {
  char prefix[4200];
  snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!d) {
    if (dfd >= 0) close(dfd);
    return;
  }
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, prefix, strlen(prefix)) && unlinkat(dfd, e->d_name, 0) == 0) n++;
  closedir(d);
  if (n) pc_warn(ctx, "removed %d temporary %s of %s/%s left by an interrupted run", n,
                 pc_plural((unsigned)n, "file", "files"), dir, base);
}

int pc_remove_rejects_sidecar(pc_ctx *ctx, const char *data, const char *why) {
  int rc = 0;
  if (pc_rank(ctx) == 0) {
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s.rejects.h5", data);
    if (lstat(path, &st) == 0) {
      if (unlink(path) != 0)
        rc = PC_ERROR(PC_ERR_IO, "cannot remove %s (it holds rejected rows with identities): %s",
                      path, strerror(errno));
      else
        pc_log(ctx, "removed %s, the rejects of an earlier failed ingest (%s)", path, why);
    }
  }
  return pc_agree(ctx, rc);
}

int pc_unpredictable_suffix(char *out, size_t size) {
  unsigned char r[8];
  size_t got = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  while (fd >= 0 && got < sizeof r) {
    ssize_t k = read(fd, r + got, sizeof r - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    got += (size_t)k;
  }
  if (fd >= 0) close(fd);
  if (got < sizeof r) return PC_ERROR(PC_ERR_IO, "cannot read /dev/urandom for a temporary name");
  char host[64];
  pc_host_short(host, sizeof host);
  int k = snprintf(out, size, "%s.%ld.", host, (long)getpid());
  for (size_t i = 0; i < sizeof r && k > 0 && (size_t)k + 2 < size; i++)
    k += snprintf(out + k, size - (size_t)k, "%02x", r[i]);
  return 0;
}

/* The temporaries of the outputs being written, with their final paths, on
 * every rank (each knows the names): what pc_atomic_abandon removes. */
enum { MAX_OPEN_TMP = 64 };
static struct { char *tmp, *path; } open_tmp[MAX_OPEN_TMP];
static int nopen_tmp;

static void tmp_note(const char *tmp, const char *path) {
  char *t = strdup(tmp), *p = strdup(path);
  if (t && p && nopen_tmp < MAX_OPEN_TMP) {
    open_tmp[nopen_tmp].tmp = t;
    open_tmp[nopen_tmp++].path = p;
    return;
  }
  free(t);
  free(p);
}

static void tmp_forget(const char *tmp) {
  for (int i = 0; i < nopen_tmp; i++)
    if (strcmp(open_tmp[i].tmp, tmp) == 0) {
      free(open_tmp[i].tmp);
      free(open_tmp[i].path);
      open_tmp[i] = open_tmp[--nopen_tmp];
      return;
    }
}

void pc_atomic_abandon(void) {
  while (nopen_tmp) {
    nopen_tmp--;
    unlink(open_tmp[nopen_tmp].tmp);
    pc_claim_unlink(open_tmp[nopen_tmp].path);
    free(open_tmp[nopen_tmp].tmp);
    free(open_tmp[nopen_tmp].path);
  }
}

int pc_atomic_tmp(pc_ctx *ctx, const char *path, char *tmp, size_t size) {
  char d[4096], b[4096];
  if (strlen(path) >= sizeof d) return PC_ERROR(PC_ERR_ARG, "output path too long: %.64s...", path);
  snprintf(d, sizeof d, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  const char *dn = dirname(d), *bn = basename(b);
  /* Rank 0 checks the directory and names the file; every rank gets the name. */
  int rc = 0;
  char *name = NULL;
  size_t len = 0;
  if (pc_rank(ctx) == 0) {
    char sfx[128];
    rc = pc_dir_check(dn, path);
    if (!rc) rc = pc_unpredictable_suffix(sfx, sizeof sfx);
    if (!rc && (size_t)snprintf(tmp, size, "%s/.%s.tmp.%s", dn, bn, sfx) >= size)
      rc = PC_ERROR(PC_ERR_ARG, "output path too long: %.64s...", path);
    /* Under the output's claim, a temporary of this output is a dead run's;
     * first, a publication that run left half done is undone (its older
     * files wait under temporary names the sweep would take). */
    if (!rc) rc = pc_claim_ensure(ctx, path);
    if (!rc) pc_publish_recover(ctx, path);
    if (!rc) sweep_stale(ctx, dn, bn);
    name = tmp;
    len = rc ? 0 : strlen(tmp);
  }
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_bcast_bytes(ctx, &name, &len));
  if (pc_rank(ctx) != 0) {
    rc = len < size ? 0 : PC_ERROR(PC_ERR_ARG, "output path too long: %.64s...", path);
    if (!rc) memcpy(tmp, name, len + 1);
    free(name);
  }
  PC_CALL(pc_agree(ctx, rc));
  tmp_note(tmp, path);
  return 0;
}

/* Deferred (pc_publish.h): rank 0 lists the complete file for the run's
 * publication, keeping the claim, or removes it. Collective, agreed. */
static int defer_commit(pc_ctx *ctx, const char *tmp, const char *path, int rc_in) {
  int rc = pc_agree(ctx, rc_in);
  if (!rc) pc_test_hold(ctx, "commit"); /* complete, not published: where tests strike */
  if (pc_rank(ctx) == 0 && tmp[0]) {
    if (!rc) rc = pc_publish_add(tmp, path, 0);
    if (rc) {
      unlink(tmp);
      pc_claim_drop(path);
    }
  }
  int rc2 = pc_agree(ctx, rc_in ? 0 : rc);
  tmp_forget(tmp); /* listed (rank 0) or gone */
  return rc_in ? rc : rc2;
}

void pc_atomic_drop(pc_ctx *ctx, const char *tmp) {
  pc_agree(ctx, 0); /* every rank closed it */
  if (pc_rank(ctx) == 0 && tmp[0]) unlink(tmp);
  tmp_forget(tmp);
}

int pc_atomic_commit(pc_ctx *ctx, const char *tmp, const char *path, int rc_in) {
  if (pc_publish_deferred()) return defer_commit(ctx, tmp, path, rc_in);
  int rc = pc_agree(ctx, rc_in);
  if (!rc) pc_test_hold(ctx, "commit");
  if (pc_rank(ctx) == 0 && tmp[0]) {
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
    pc_claim_drop(path);
  }
  int rc2 = pc_agree(ctx, rc_in ? 0 : rc);
  tmp_forget(tmp);
  return rc_in ? rc : rc2;
}

static int write_all(int fd, const char *p, size_t n, uint64_t off, const char *what) {
  if (pc_pwrite_full(fd, p, n, off) != 0)
    return PC_ERROR(PC_ERR_IO, "%s: write failed: %s", what, errno ? strerror(errno) : "no progress");
  return 0;
}

int pc_textout_open(pc_ctx *ctx, const char *path, const char *head, pc_textout *o) {
  memset(o, 0, sizeof *o);
  o->fd = -1;
  if (strlen(path) >= sizeof o->path) return PC_ERROR(PC_ERR_ARG, "output path too long");
  snprintf(o->path, sizeof o->path, "%s", path);
  PC_CALL(pc_atomic_tmp(ctx, path, o->tmp, sizeof o->tmp));
  int rc = 0;
  if (pc_rank(ctx) == 0) {
    o->fd = pc_create_excl(o->tmp, O_WRONLY, 0666);
    char why[4400];
    if (o->fd < 0)
      rc = PC_ERROR(PC_ERR_IO, "cannot create %s: %s", path,
                    pc_err_create_why(o->tmp, errno, why, sizeof why));
    else rc = write_all(o->fd, head, strlen(head), 0, path);
  }
  PC_CALL(pc_agree(ctx, rc));
  if (pc_rank(ctx) != 0) {
    o->fd = open(o->tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
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
