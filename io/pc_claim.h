/* pc_claim.h - an output claimed by one run at a time: a lock held for the run's life. */
#ifndef PC_CLAIM_H
#define PC_CLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "pc_mpi.h"

/* Two runs writing one output (a retry, a second duty officer) must not
 * delete each other's temporary files nor race to rename. A run claims an
 * output by holding a POSIX record lock (fcntl F_SETLK, write lock) on
 * "<dir>/.<name>.lock" from before its first temporary file until it has
 * published or given up. The kernel (or the cluster file system's lock
 * manager: NFS's NLM/NFSv4 locks, GPFS, Lustre mounted with `flock`)
 * releases the lock when the holder dies, SIGKILL and a lost node included,
 * so "the lock is free" means "no live run writes this output": that, not a
 * host name and pid, is what makes a temporary file a leftover. The file
 * holds the owner (host, pid, start time) for the message a second run
 * prints; it is removed when the claim is dropped. */

/* Local: the host's short name ([A-Za-z0-9-], up to the first dot), or
 * the test-only override PAICHA_TEST_HOST (a test plays two hosts). */
void pc_host_short(char *out, size_t size);

/* Local: claim `path` for this process. Another live holder: with wait 0,
 * PC_ERR_IO naming it (host, pid, start time) and what to do; with wait 1,
 * poll once a second (logged once through ctx) until it is gone. A file system
 * without locks (ENOLCK, ENOSYS, EOPNOTSUPP): PC_ERR_IO saying so. Claiming
 * a path this process holds already succeeds. */
int pc_claim_take(pc_ctx *ctx, const char *path, int wait);
/* Local: pc_claim_take waiting at most `seconds` (0: not at all, negative:
 * for ever) for another holder; when the time is up, PC_ERR_IO naming the
 * holder, the time waited and the config key `why_key` that sets it. */
int pc_claim_take_for(pc_ctx *ctx, const char *path, int64_t seconds, const char *why_key);
/* Local, never fails: this process holds the claim of `path`. */
int pc_claim_held(const char *path);
/* Local, never fails: drop the claim of `path` (nothing when not held):
 * the lock file is removed, then the lock released. */
void pc_claim_drop(const char *path);
/* Local, never fails: pc_claim_drop when this process holds it, else remove
 * the lock file of `path` that another process of this run (rank 0) holds:
 * for a rank stopping the job at a stuck agreement (pc_atomic_abandon). The
 * lock ends with its holder; a run taking the claim meanwhile checks that its
 * file is still the one at the name (as after pc_claim_drop). */
void pc_claim_unlink(const char *path);

/* Local: set once by the job runner from the config (`busy_output: wait`):
 * claims taken implicitly (pc_atomic_tmp) wait instead of refusing. */
void pc_claim_policy(int wait);
/* Collective, agreed: rank 0 claims each of the n paths (NULL or "" are
 * skipped), in order, waiting per pc_claim_policy; on failure it drops
 * those it took. */
int pc_claim_outputs(pc_ctx *ctx, const char *const *paths, int n);
/* Local (rank 0): take the claim of path per pc_claim_policy unless held. */
int pc_claim_ensure(pc_ctx *ctx, const char *path);
/* Collective, never fails: rank 0 drops every claim it holds. */
void pc_claim_drop_all(pc_ctx *ctx);

#endif
