/* pc_textout.h - a text file (CSV) written by all ranks in rank order, in rounds, atomically. */
#ifndef PC_TEXTOUT_H
#define PC_TEXTOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pc_mpi.h"

/* Each rank formats its rows into its own buffer; a collective flush places
 * the buffers one after the other (rank 0's first) at the file's end with
 * pwrite, so the file holds every rank's rows in rank order whatever the
 * rank count, and no buffer holds more than one round. The file is written
 * under a temporary name in the same directory and renamed at close when
 * every rank succeeded: a reader never sees half a file. */
typedef struct pc_textout {
  int fd;
  char path[4096];
  char tmp[4200];
  uint64_t end; /* bytes in the file so far (same on every rank) */
  char *buf;
  size_t len, cap;
} pc_textout;

/* Collective, agreed. Rank 0 creates the temporary file exclusively (mode per the
 * umask; see pc_atomic_tmp) and writes `head` (the header line(s), may be
 * ""); the others open it. */
int pc_textout_open(pc_ctx *ctx, const char *path, const char *head, pc_textout *o);
/* Local: a pointer to at least n free bytes at the end of this rank's buffer
 * (grown as needed; NULL with PC_ERR_MEM recorded when it cannot). Write at
 * most n bytes there and then call pc_textout_commit with the count. */
char *pc_textout_room(pc_textout *o, size_t n);
static inline void pc_textout_commit(pc_textout *o, size_t n) { o->len += n; } /* Local */
/* Collective, agreed: write every rank's buffer at its place and empty it. */
int pc_textout_flush(pc_ctx *ctx, pc_textout *o);
/* Collective, agreed: flush, close, and rename to the final path when rc_in
 * is 0 on every rank (else remove the temporary). */
int pc_textout_close(pc_ctx *ctx, pc_textout *o, int rc_in);

/* The atomic-output pattern every file writer shares, under the creation
 * rules: every file and directory a job creates is created exclusively
 * (O_EXCL|O_NOFOLLOW, H5F_ACC_EXCL) under an unpredictable name in the
 * output's directory, and a job refuses a directory other accounts can
 * write unless the config says `shared_dir_ok: true`. */

/* Local: set once by the job runner from the config (shared_dir_ok). */
void pc_create_policy(int shared_dir_ok);
/* Local: 0 when `dir` is a directory that no account but its owner (and,
 * with output_mode 0640, its group) can write, or shared_dir_ok was given;
 * else PC_ERR_IO naming what (the output), the directory and the key. */
int pc_dir_check(const char *dir, const char *what);
/* Local: open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode):
 * fails (EEXIST) on anything already there, a link included. */
int pc_create_excl(const char *path, int flags, mode_t mode);
/* Local: a directory of outputs (synth's CSV files): created 0700 (0750
 * with output_mode 0640) when absent, in a directory that passes
 * pc_dir_check; an existing one must pass pc_dir_check itself. */
int pc_mkdir_output(const char *dir, const char *what);
/* Local: "<host>.<pid>.<16 random hex digits>" for temporary names (host
 * and pid say which run wrote one; whether that run is gone is the output's
 * claim's to tell, pc_claim.h). PC_ERR_IO when no randomness can be read. */
int pc_unpredictable_suffix(char *out, size_t size);
/* Collective, agreed: rank 0 checks the output's directory (pc_dir_check),
 * claims the output unless this run holds it already (pc_claim.h: another
 * live run writing it is an error naming that run, or a wait), removes
 * leftovers of interrupted runs (".<name>.tmp.*", with unlinkat: never
 * through a link) - after undoing a publication one left half done
 * (pc_publish_recover) - and picks "<dir>/.<name>.tmp.<suffix>"; every rank gets
 * that name. Nothing is created yet. */
int pc_atomic_tmp(pc_ctx *ctx, const char *path, char *tmp, size_t size);
/* Collective, agreed, after the file is closed on every rank: agree on rc_in;
 * rank 0 renames tmp to path when all succeeded, else removes tmp, and
 * drops the output's claim. Under the job runner (pc_publish_deferred) the
 * rename waits: tmp is listed for the run's publication (pc_publish_all),
 * the claim kept. Returns
 * the agreed status (rc_in itself when it was non-zero here). */
int pc_atomic_commit(pc_ctx *ctx, const char *tmp, const char *path, int rc_in);
/* Collective: the temporary tmp removed, unpublished, the output's claim kept
 * (the job writes its path again). */
void pc_atomic_drop(pc_ctx *ctx, const char *tmp);
/* Local, never fails: remove the temporary of every output this process has
 * named (pc_atomic_tmp) and not yet committed, and its claim file (held by
 * rank 0: pc_claim_unlink) - for a rank stopping the job at a stuck
 * agreement (pc_ctx_on_stuck), whose peers will not clean up. */
void pc_atomic_abandon(void);

/* Collective, agreed: rank 0 removes `<data>.rejects.h5`, the rejects file
 * a failed ingest of `data` left for its senders (raw lines: identities),
 * when it is there: `why` says in the log what made it stale. unlink
 * removes the name only, never what a link there points to. PC_ERR_IO
 * when it is there and cannot be removed. */
int pc_remove_rejects_sidecar(pc_ctx *ctx, const char *data, const char *why);

/* A CSV field: the text as it is, or quoted ("..." with "" for ") when it
 * holds a comma, a quote or a line break. Returns bytes written to out
 * (room for 2 * len + 2). Local. */
size_t pc_csv_quote(const char *s, size_t len, char *out);

#endif
