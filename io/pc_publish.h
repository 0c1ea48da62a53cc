/* pc_publish.h - a run's outputs published together at its end, or none of them: a journal rolls back a kill. */
#ifndef PC_PUBLISH_H
#define PC_PUBLISH_H

#include "pc_mpi.h"

/* A job writes several files (synth: the dataset, its CSV files, cases.csv;
 * dispatch: a directory of lists; every job: its run record). Renamed into
 * place one by one as each is finished, a failure after the first rename
 * left a run half published. Under the job runner, commits are deferred
 * instead: each complete file (or directory) waits under its temporary name
 * in a run-level list, and pc_publish_all renames them all when the run has
 * succeeded on every rank:
 *
 *   1. a journal, ".<name>.publish" beside every output, lists each entry:
 *      its temporary and final names (absolute) and the new file's inode;
 *   2. each entry is renamed into place: renameat2(RENAME_EXCHANGE) over an
 *      older file (which then waits under the temporary name), or
 *      RENAME_NOREPLACE where none is (a file made meanwhile is not lost);
 *      file systems without exchange move the older one aside first;
 *   3. the journals are removed - the commit point - then the older files.
 *
 * A failed rename undoes the earlier ones at once. A kill (SIGKILL, a lost
 * node) between 1 and 3 leaves the journals: the next run on any of those
 * outputs finds one when it takes the output's claim and, before any work
 * and before it sweeps leftovers, puts every older file back and removes the
 * new ones (pc_publish_recover). Nothing of the security rules changes: the
 * journal is created exclusively under an unpredictable name with the
 * outputs' mode, and only names are renamed or unlinked (never through a
 * link). */

/* Local: set by the job runner around a job's run; off (the default), a
 * commit renames at once (tools, unit tests). */
void pc_publish_defer(int on);
/* Local, never fails: whether commits are deferred. */
int pc_publish_deferred(void);

enum {
  PC_PUB_DIR = 1,       /* a directory (dispatch's lists): an older one removed whole */
  PC_PUB_NOREPLACE = 2  /* refuse to replace what is at the final name (dispatch without overwrite) */
};

/* Local (the rank that made tmp, rank 0): list tmp, complete, to be renamed
 * to path by pc_publish_all. PC_ERR_IO when tmp cannot be stat'ed or its
 * directory resolved, PC_ERR_ARG past 64 entries, PC_ERR_MEM. */
int pc_publish_add(const char *tmp, const char *path, int flags);

/* Collective, agreed: agree on rc_in; when 0 and no signal came, rank 0
 * publishes every listed entry (steps above); else, or when a step fails,
 * it removes what the list holds and undoes what it renamed. The list is
 * then empty. Test hook PAICHA_TEST_PUBLISH=fail|kill fails, or SIGKILLs
 * the process, just before the last rename. (PAICHA_STALL_PHASE=commit holds
 * as each output is listed, complete: pc_atomic_commit.) Returns the agreed status (rc_in when non-zero). */
int pc_publish_all(pc_ctx *ctx, int rc_in);

/* Local, never fails: what pc_publish_all does on a failure, on this rank
 * alone (a rank stopping the job at a stuck agreement, pc_ctx_on_stuck): the
 * listed files removed, their claims dropped, the list emptied. */
void pc_publish_abandon(void);

/* Local (rank 0, holding the claim of path): when a journal of an
 * interrupted publication lies beside path, undo that publication (every
 * entry it lists, wherever it is) and remove the journals; logged as a
 * warning. Never fails: what cannot be undone is said in the warning. */
void pc_publish_recover(pc_ctx *ctx, const char *path);

/* Local, never fails: remove the directory `base` under the directory fd
 * pfd, with its files and, `depth` levels down, its subdirectories (opened
 * O_NOFOLLOW, entries unlinkat: a link loses only itself). */
void pc_publish_remove_tree(int pfd, const char *base, int depth);

#endif
