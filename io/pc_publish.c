/* pc_publish.c - a run's outputs renamed into place together at its end, undone on failure, rolled back after a kill. */
#include "pc_publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_claim.h"
#include "pc_err.h"

enum { MAX_ENTRIES = 64, NAME = 4400 };

/* One output waiting under its temporary name; paths absolute. */
typedef struct entry {
  char tmp[NAME], path[NAME];
  char claimed[NAME]; /* the path as the run claimed it (not journaled) */
  unsigned long long dev, ino; /* the new file's identity: rename keeps it */
  int flags;                   /* PC_PUB_* */
} entry;

static int deferred;
static entry list[MAX_ENTRIES];
static int nlist;

void pc_publish_defer(int on) { deferred = on; }
int pc_publish_deferred(void) { return deferred; }

/* "DIR/name" with DIR resolved (realpath), so a journal read from another
 * working directory names the same files. 0, or -1 (errno set). */
static int absolute(const char *path, char *out, size_t size) {
  char d[NAME], b[NAME], r[PATH_MAX];
  snprintf(d, sizeof d, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  if (!realpath(dirname(d), r)) return -1;
  if ((size_t)snprintf(out, size, "%s/%s", r, basename(b)) >= size) return errno = ENAMETOOLONG, -1;
  return 0;
}

int pc_publish_add(const char *tmp, const char *path, int flags) {
  if (nlist >= MAX_ENTRIES)
    return PC_ERROR(PC_ERR_ARG, "more than %d outputs in one run (internal)", MAX_ENTRIES);
  entry *e = &list[nlist];
  struct stat st;
  if (lstat(tmp, &st) != 0 || absolute(tmp, e->tmp, sizeof e->tmp) != 0 ||
      absolute(path, e->path, sizeof e->path) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot publish %s: %s", path, strerror(errno));
  e->dev = (unsigned long long)st.st_dev;
  e->ino = (unsigned long long)st.st_ino;
  e->flags = flags;
  snprintf(e->claimed, sizeof e->claimed, "%s", path);
  nlist++;
  return 0;
}

/* The name of a replaced file moved aside, where exchange is not supported. */
static void aside_of(const entry *e, char *out, size_t size) {
  snprintf(out, size, "%.4390s.old", e->tmp);
}

/* The journal beside an output: ".<name>.publish". */
static void journal_of(const char *path, char *out, size_t size) {
  char d[NAME], b[NAME];
  snprintf(d, sizeof d, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  snprintf(out, size, "%s/.%s.publish", dirname(d), basename(b));
}

void pc_publish_remove_tree(int pfd, const char *base, int depth) {
  int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *h = fd >= 0 ? fdopendir(fd) : NULL;
  if (!h) {
    if (fd >= 0) close(fd);
    unlinkat(pfd, base, 0); /* a link or a file: the name goes, nothing it points to */
    return;
  }
  struct dirent *x;
  while ((x = readdir(h)))
    if (strcmp(x->d_name, ".") && strcmp(x->d_name, "..")) {
      if (depth && (x->d_type == DT_DIR || x->d_type == DT_UNKNOWN))
        pc_publish_remove_tree(fd, x->d_name, depth - 1);
      else unlinkat(fd, x->d_name, 0);
    }
  closedir(h);
  unlinkat(pfd, base, AT_REMOVEDIR);
}

/* Remove the file or directory (a list set: its cities one level down) at path. */
static void remove_obj(const char *path, int flags) {
  if (!(flags & PC_PUB_DIR)) {
    unlink(path);
    return;
  }
  char d[NAME], b[NAME];
  snprintf(d, sizeof d, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  int pfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0) return;
  pc_publish_remove_tree(pfd, basename(b), 1);
  close(pfd);
}

static int is_new(const entry *e, const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && (unsigned long long)st.st_dev == e->dev &&
         (unsigned long long)st.st_ino == e->ino;
}

/* Put back what was at e's final name before this entry's publication, from
 * the file system alone (a recovering run knows only the journal): an older
 * file moved aside returns; one exchanged into the temporary name is
 * exchanged back; a new file where nothing was goes; the new file goes. */
static void undo(const entry *e) {
  char aside[NAME + 8];
  struct stat st;
  aside_of(e, aside, sizeof aside);
  if (lstat(aside, &st) == 0) {
    if (is_new(e, e->path)) remove_obj(e->path, e->flags);
    rename(aside, e->path);
  } else if (is_new(e, e->path)) {
    if (lstat(e->tmp, &st) == 0) renameat2(AT_FDCWD, e->tmp, AT_FDCWD, e->path, RENAME_EXCHANGE);
    else remove_obj(e->path, e->flags);
  }
  if (is_new(e, e->tmp)) remove_obj(e->tmp, e->flags);
}

/* Rename e into place: exchanged with an older file (kept under the
 * temporary name until the commit), or where nothing is. */
static int put(const entry *e) {
  struct stat st;
  const int had = lstat(e->path, &st) == 0;
  if (had && (e->flags & PC_PUB_NOREPLACE))
    return PC_ERROR(PC_ERR_CONFIG, "%s exists: choose another output or set overwrite: true",
                    e->path);
  const unsigned how = had ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  if (renameat2(AT_FDCWD, e->tmp, AT_FDCWD, e->path, how) == 0) return 0;
  if (errno == EINVAL || errno == ENOSYS) { /* no exchange here (NFS): move the older aside */
    char aside[NAME + 8];
    aside_of(e, aside, sizeof aside);
    if (!had || rename(e->path, aside) == 0) {
      if (rename(e->tmp, e->path) == 0) return 0;
      const int err = errno;
      if (had) rename(aside, e->path);
      errno = err;
    }
  }
  return PC_ERROR(PC_ERR_IO, "cannot rename %s to %s: %s", e->tmp, e->path, strerror(errno));
}

/* The journal's text: a header, then per entry "flags dev ino len len\n" and
 * the two names, each followed by a newline. */
static char *journal_text(size_t *len) {
  size_t cap = 64 + (size_t)nlist * (2 * NAME + 96), n = 0;
  char *t = malloc(cap);
  if (!t) return NULL;
  n += (size_t)snprintf(t + n, cap - n, "paicha publish 1\n%d\n", nlist);
  for (int i = 0; i < nlist; i++)
    n += (size_t)snprintf(t + n, cap - n, "%d %llu %llu %zu %zu\n%s\n%s\n", list[i].flags,
                          list[i].dev, list[i].ino, strlen(list[i].tmp), strlen(list[i].path),
                          list[i].tmp, list[i].path);
  *len = n;
  return t;
}

/* One journal, written whole under an unpredictable name (created
 * exclusively, swept with the output's leftovers) and renamed into place. */
static int journal_put(const char *path, const char *text, size_t len) {
  char j[NAME + 16], tmp[NAME + 32], d[NAME], b[NAME];
  journal_of(path, j, sizeof j);
  snprintf(d, sizeof d, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp.journal.XXXXXX", dirname(d), basename(b));
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", j, strerror(errno));
  mode_t um = umask(0);
  umask(um);
  int bad = fchmod(fd, 0666 & ~um) != 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0;
  const int err = errno;
  if (close(fd) != 0) bad = 1;
  if (bad || rename(tmp, j) != 0) {
    unlink(tmp);
    return PC_ERROR(PC_ERR_IO, "cannot write %s: %s", j, strerror(bad ? err : errno));
  }
  return 0;
}

static void journals_remove(const entry *es, int n) {
  char j[NAME + 16];
  for (int i = 0; i < n; i++) {
    journal_of(es[i].path, j, sizeof j);
    unlink(j);
  }
}

/* Test hook: a failure, or the process killed, just before the last rename. */
static int test_strike(void) {
  const char *h = getenv("PAICHA_TEST_PUBLISH");
  if (h && !strcmp(h, "kill")) raise(SIGKILL);
  if (h && !strcmp(h, "fail"))
    return PC_ERROR(PC_ERR_INJECT, "failure injected before the last rename of the "
                    "publication (PAICHA_TEST_PUBLISH)");
  return 0;
}

/* How long publish() took: the journals written durable, the renames, the
 * older files removed (seconds). */
typedef struct pub_times {
  double journal, rename, older;
  int replaced; /* older files removed */
} pub_times;

/* Rank 0: the steps of pc_publish.h; on a failure, every entry undone. */
static int publish(pub_times *T) {
  double t0 = pc_wtime(), t1;
  size_t len = 0;
  char *text = journal_text(&len);
  int rc = text ? 0 : PC_ERROR(PC_ERR_MEM, "out of memory for the publication journal");
  int done = 0;
  for (int i = 0; i < nlist && !rc; i++) rc = journal_put(list[i].path, text, len);
  free(text);
  t1 = pc_wtime(), T->journal = t1 - t0, t0 = t1;
  for (; done < nlist && !rc; done++)
    if (!(rc = done == nlist - 1 ? test_strike() : 0)) rc = put(&list[done]);
  if (rc)
    for (int i = nlist - 1; i >= 0; i--) undo(&list[i]);
  journals_remove(list, nlist); /* the commit point (or the end of the undoing) */
  t1 = pc_wtime(), T->rename = t1 - t0, t0 = t1;
  char aside[NAME + 8];
  struct stat st;
  for (int i = 0; i < nlist && !rc; i++) { /* the older files, now unreachable */
    aside_of(&list[i], aside, sizeof aside);
    if (!is_new(&list[i], list[i].tmp) && lstat(list[i].tmp, &st) == 0) {
      remove_obj(list[i].tmp, list[i].flags);
      T->replaced++;
    }
    if (lstat(aside, &st) == 0) {
      remove_obj(aside, list[i].flags);
      T->replaced++;
    }
  }
  T->older = pc_wtime() - t0;
  return rc;
}

/* The publication's time in the log when it was long enough to be seen
 * (the phase table is printed before it): on a file system that discards
 * freed blocks, removing a replaced index of 5.7 GB took 2.1 s, and the
 * journal's fsync waits for the disk to make the run's direct writes
 * durable (1.1 s after the index's 5.7 GB). */
static void log_times(pc_ctx *ctx, int n, const pub_times *T) {
  const double all = T->journal + T->rename + T->older;
  if (all < 0.5) return;
  pc_log(ctx, "published %d %s in %.1f s: journal made durable %.1f s (the disk's flush of what "
         "the run wrote), renames %.2f s, %d replaced %s removed %.1f s",
         n, n == 1 ? "output" : "outputs", all, T->journal, T->rename, T->replaced,
         T->replaced == 1 ? "file" : "files", T->older);
}

void pc_publish_abandon(void) {
  for (int i = 0; i < nlist; i++) {
    undo(&list[i]);
    pc_claim_drop(list[i].claimed);
  }
  nlist = 0;
}

int pc_publish_all(pc_ctx *ctx, int rc_in) {
  int rc = pc_agree(ctx, rc_in);
  if (pc_rank(ctx) == 0) {
    /* Signalled since the agreement - mpirun stopping the job because a
     * rank died, or Slurm's time limit: the job is failing, publish nothing. */
    if (!rc && pc_signalled())
      rc = PC_ERROR(PC_ERR_SIGNAL, "stopped by a signal before the outputs were published: "
                    "none written");
    pub_times T = {0};
    const int n = nlist;
    if (!rc && nlist) {
      rc = publish(&T);
      if (!rc) log_times(ctx, n, &T);
    } else {
      pc_publish_abandon();
    }
    for (int i = 0; i < nlist; i++) pc_claim_drop(list[i].claimed);
    nlist = 0;
  }
  int rc2 = pc_agree(ctx, rc_in ? 0 : rc);
  return rc_in ? rc_in : rc2;
}

/* The entries of a journal's text into es (at most MAX_ENTRIES); -1 when it
 * is not one. */
static int journal_parse(const char *t, entry *es) {
  int n = -1, k = 0;
  if (sscanf(t, "paicha publish 1\n%d\n%n", &n, &k) != 1 || n < 0 || n > MAX_ENTRIES) return -1;
  t += k;
  for (int i = 0; i < n; i++) {
    size_t lt, lp;
    if (sscanf(t, "%d %llu %llu %zu %zu\n%n", &es[i].flags, &es[i].dev, &es[i].ino, &lt, &lp,
               &k) != 5 || lt >= NAME || lp >= NAME || strlen(t + k) < lt + lp + 2)
      return -1;
    t += k;
    memcpy(es[i].tmp, t, lt), es[i].tmp[lt] = 0;
    t += lt + 1;
    memcpy(es[i].path, t, lp), es[i].path[lp] = 0;
    t += lp + 1;
  }
  return n;
}

/* Whether e is what publish() writes: the temporary name beside the final
 * one, of its shape (".NAME.tmp." for a file, "NAME.tmp." for a directory),
 * so a journal can name nothing else to rename or remove. */
static int entry_shaped(const entry *e) {
  const char *slash = strrchr(e->path, '/');
  if (!slash || strncmp(e->tmp, e->path, (size_t)(slash - e->path + 1))) return 0;
  char want[NAME + 8];
  snprintf(want, sizeof want, "%s%s.tmp.", e->flags & PC_PUB_DIR ? "" : ".", slash + 1);
  return !strncmp(e->tmp + (slash - e->path + 1), want, strlen(want)) &&
         !strstr(e->tmp + (slash - e->path), "/..");
}

/* The whole journal at j (opened without following a link), NULL when none;
 * *ours 0 when it is not a regular file of this account's (planted: never
 * acted upon). */
static char *journal_read(const char *j, int *ours) {
  int fd = open(j, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  *ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid();
  size_t cap = 64 + (size_t)MAX_ENTRIES * (2 * NAME + 96), n = 0;
  char *t = malloc(cap + 1);
  for (ssize_t k; t && n < cap && (k = read(fd, t + n, cap - n)) > 0;) n += (size_t)k;
  close(fd);
  if (t) t[n] = 0;
  return t;
}

void pc_publish_recover(pc_ctx *ctx, const char *path) {
  char j[NAME + 16];
  journal_of(path, j, sizeof j);
  int ours = 0;
  char *t = journal_read(j, &ours);
  if (!t) return;
  entry *es = malloc(sizeof(entry) * MAX_ENTRIES);
  int n = es && ours ? journal_parse(t, es) : -1;
  for (int i = 0; i < n; i++)
    if (!entry_shaped(&es[i])) n = -1;
  free(t);
  if (n < 0) {
    pc_warn(ctx, "%s is not a journal this account's runs wrote (or memory ran out): removed, "
            "nothing undone", j);
    unlink(j);
  } else {
    for (int i = n - 1; i >= 0; i--) undo(&es[i]);
    journals_remove(es, n);
    pc_warn(ctx, "a run was interrupted while publishing %s and %d other %s: put back as "
            "they were before it (journal %s)", path, n - 1, n == 2 ? "output" : "outputs", j);
  }
  free(es);
}
