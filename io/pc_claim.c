/* pc_claim.c - an output claimed by one run at a time: a POSIX record lock on "<dir>/.<name>.lock". */
#include "pc_claim.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pc_err.h"

/* The claims this process holds: few (a job's outputs). */
enum { MAX_CLAIMS = 32 };
static struct claim {
  char path[4096];
  char lock[4200];
  int fd;
} claims[MAX_CLAIMS];
static int nclaims;
static int policy_wait;

void pc_claim_policy(int wait) { policy_wait = wait; }

void pc_host_short(char *out, size_t size) {
  const char *t = getenv("PAICHA_TEST_HOST");
  char host[256] = "host";
  if (t && *t) snprintf(host, sizeof host, "%s", t);
  else if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "host");
  host[sizeof host - 1] = 0;
  /* Only [A-Za-z0-9-]: temporary names split on dots. */
  for (char *p = host; *p; p++)
    if (*p == '.') {
      *p = 0;
      break;
    } else if (!isalnum((unsigned char)*p) && *p != '-') {
      *p = '-';
    }
  snprintf(out, size, "%s", host);
}

static struct claim *find(const char *path) {
  for (int i = 0; i < nclaims; i++)
    if (!strcmp(claims[i].path, path)) return &claims[i];
  return NULL;
}

int pc_claim_held(const char *path) { return find(path) != NULL; }

static int lock_path(const char *path, char *lock, size_t size) {
  char d[4096], b[4096];
  if (strlen(path) >= sizeof d) return PC_ERROR(PC_ERR_ARG, "output path too long: %.64s...", path);
  snprintf(d, sizeof d, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  if ((size_t)snprintf(lock, size, "%s/.%s.lock", dirname(d), basename(b)) >= size)
    return PC_ERROR(PC_ERR_ARG, "output path too long: %.64s...", path);
  return 0;
}

/* The holder's line (host, pid, start), for the message; "" when unreadable. */
static void read_owner(int fd, char *owner, size_t size) {
  ssize_t k = pread(fd, owner, size - 1, 0);
  owner[k > 0 ? k : 0] = 0;
  owner[strcspn(owner, "\n")] = 0;
  if (!owner[0]) snprintf(owner, size, "owner not yet recorded");
}

/* One attempt, *state: TAKEN (fd kept), BUSY (another live run holds it;
 * owner filled) or AGAIN; fails with the error. The lock file is checked to
 * be the one at lock after locking: a holder that dropped its claim
 * unlinked the file we may have opened. */
enum { TAKEN, BUSY, AGAIN };
static int try_take(const char *lock, int *fd_out, int *state, char *owner, size_t osize) {
  *state = AGAIN;
  int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return PC_ERROR(PC_ERR_IO, "cannot create the lock file %s: %s", lock, strerror(errno));
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_SETLK, &fl) != 0) {
    int e = errno;
    if (e == EAGAIN || e == EACCES) {
      read_owner(fd, owner, osize);
      close(fd);
      *state = BUSY;
      return 0;
    }
    close(fd);
    return PC_ERROR(PC_ERR_IO,
                    "cannot lock %s: %s: this file system gives no record locks (on Lustre, "
                    "mount with -o flock), so two runs of one output could not be told apart",
                    lock, strerror(e));
  }
  struct stat a, b;
  if (fstat(fd, &a) != 0 || lstat(lock, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
    close(fd); /* the previous holder removed it: try the new one */
    return 0;
  }
  char host[256], when[64], line[512];
  pc_host_short(host, sizeof host);
  time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
  int n = snprintf(line, sizeof line, "host %s, pid %ld, started %s\n", host, (long)getpid(), when);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n) {
    int e = errno;
    close(fd);
    return PC_ERROR(PC_ERR_IO, "cannot write the lock file %s: %s", lock, strerror(e));
  }
  *fd_out = fd;
  *state = TAKEN;
  return 0;
}

int pc_claim_take(pc_ctx *ctx, const char *path, int wait) {
  return pc_claim_take_for(ctx, path, wait ? -1 : 0, NULL);
}

int pc_claim_take_for(pc_ctx *ctx, const char *path, int64_t seconds, const char *why_key) {
  if (pc_claim_held(path)) return 0;
  if (nclaims == MAX_CLAIMS) return PC_ERROR(PC_ERR_ARG, "more than %d outputs claimed", MAX_CLAIMS);
  struct claim *c = &claims[nclaims];
  PC_CALL(lock_path(path, c->lock, sizeof c->lock));
  char owner[512] = "";
  int said = 0;
  for (int64_t waited = 0;;) {
    int state;
    PC_CALL(try_take(c->lock, &c->fd, &state, owner, sizeof owner));
    if (state == TAKEN) break;
    if (state == AGAIN) continue;
    if (!seconds && why_key)
      return PC_ERROR(PC_ERR_IO,
                      "%s is being written by another run (%s): nothing was changed; run again "
                      "when it has ended, or set `%s` to wait for it",
                      path, owner, why_key);
    if (!seconds)
      return PC_ERROR(PC_ERR_IO,
                      "%s is being written by another run (%s): wait for it to end, write "
                      "another output, or set `busy_output: wait` to queue behind it",
                      path, owner);
    if (seconds > 0 && waited >= seconds)
      return PC_ERROR(PC_ERR_IO,
                      "%s is still being written by another run (%s) after waiting %lld s "
                      "(`%s`): nothing was changed; run again when it has ended, or raise `%s`",
                      path, owner, (long long)waited, why_key ? why_key : "wait",
                      why_key ? why_key : "wait");
    if (!said++ && ctx)
      pc_log(ctx, "waiting: %s is being written by another run (%s)", path, owner);
    sleep(1);
    waited++;
    if (pc_signalled()) return PC_ERROR(PC_ERR_SIGNAL, "stopped by a signal while waiting for %s", path);
  }
  snprintf(c->path, sizeof c->path, "%s", path);
  nclaims++;
  return 0;
}

int pc_claim_ensure(pc_ctx *ctx, const char *path) { return pc_claim_take(ctx, path, policy_wait); }

void pc_claim_drop(const char *path) {
  struct claim *c = find(path);
  if (!c) return;
  unlink(c->lock); /* first the name, then the lock: see try_take */
  close(c->fd);
  *c = claims[--nclaims];
}

void pc_claim_unlink(const char *path) {
  char lock[4200];
  if (find(path)) pc_claim_drop(path);
  else if (lock_path(path, lock, sizeof lock) == 0) unlink(lock);
}

int pc_claim_outputs(pc_ctx *ctx, const char *const *paths, int n) {
  int rc = 0, took[MAX_CLAIMS] = {0};
  if (pc_rank(ctx) == 0)
    for (int i = 0; i < n && i < MAX_CLAIMS && !rc; i++) {
      if (!paths[i] || !paths[i][0] || pc_claim_held(paths[i])) continue;
      rc = pc_claim_take(ctx, paths[i], policy_wait);
      took[i] = !rc;
    }
  if (rc)
    for (int i = 0; i < n && i < MAX_CLAIMS; i++)
      if (took[i]) pc_claim_drop(paths[i]);
  return pc_agree(ctx, rc);
}

void pc_claim_drop_all(pc_ctx *ctx) {
  if (pc_rank(ctx) != 0) return;
  while (nclaims) pc_claim_drop(claims[nclaims - 1].path);
}
