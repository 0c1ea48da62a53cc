/* pc_ledgerfile.h - the campaign's ledger in HDF5: each rank's share of /persons and /events read, the whole written. */
#ifndef PC_LEDGERFILE_H
#define PC_LEDGERFILE_H

#include "pc_ledger.h"
#include "pc_mpi.h"
#include "pc_out.h"

/* A ledger file (SPEC "The campaign"; identity-bearing, owner-only like
 * every output):
 *
 *   /persons   pc_ledger_row, sorted by pid      every person ever flagged
 *   /events    pc_ledger_event, sorted by pid    the feedback applied
 *   /batches   pc_ledger_batch, by batch         what each batch did
 *   /measures  pc_ledger_measure, by jurisdiction  at the last batch's time
 *   /yield     pc_ledger_yield, by class, channel  at the last batch's time
 *   /parts     pc_ledger_part, in order          (a ledger in parts only)
 *   root attributes: batches (count), last_time, the dataset identity stamp
 *
 * A small ledger is one file, rewritten whole by each batch. A large one
 * (a province-wide campaign: millions of persons) keeps /persons and
 * /events in part files beside it, PATH.partNNNN (the batch that wrote the
 * part): a base holding every person and event as of its batch, then deltas
 * holding only the persons each later batch changed or added and its
 * events; the ledger file itself then holds /parts (which parts, in order)
 * and the small tables, and is rewritten by each batch. A batch writes its
 * part first and the ledger file last, each under a temporary name renamed
 * when complete (and under the job runner, all of a run's files together at
 * its end: pc_publish.h), so a run killed at any point leaves the ledger
 * file as it was and at most a part it does not list; parts not listed (a
 * killed run's, or those a new base replaced) are removed by the next run,
 * which holds the ledger's claim (pc_ledgerfile_sweep). A part listed is never
 * rewritten; a new base replaces the parts when the deltas grow (the
 * caller's choice: pc_campaign.h). Readers lay the deltas over the base in
 * order (pc_ledger_overlay): a person's latest row wins. */

/* What a rank holds of a ledger. */
typedef struct pc_ledger_data {
  pc_buf rows;     /* pc_ledger_row of the pids this rank owns, sorted by pid */
  pc_buf events;   /* pc_ledger_event of those pids, sorted by (pid, at, batch, line) */
  pc_buf batches;  /* pc_ledger_batch, every batch (every rank) */
  pc_buf parts;    /* pc_ledger_part, the /parts listed (every rank); empty: one file */
} pc_ledger_data;

/* Local, never fails: an empty ledger (a campaign's first batch). */
void pc_ledger_data_init(pc_ledger_data *L);
void pc_ledger_data_free(pc_ledger_data *L);

/* Collective, agreed. Opens the ledger at path (every rank) into *file;
 * *exists = 0 and *file negative when there is no file at path (a new
 * campaign), which is not an error. A file that is not a ledger (not
 * HDF5, a table missing or of other columns) is PC_ERR_DATA naming it. */
int pc_ledgerfile_open(pc_ctx *ctx, const char *path, pc_file *file, int *exists);
/* Collective, agreed: reads /parts into L->parts (emptied first; left
 * empty for a ledger in one file), so a caller can choose what to read and
 * how the batch will be written before reading the rest. PC_ERR_DATA when
 * /parts does not start with a base. */
int pc_ledgerfile_parts(pc_ctx *ctx, pc_file file, const char *path, pc_ledger_data *L);
/* Collective, agreed. Reads into L the rows (and with `events`, the events)
 * of the pids in [p0, p1] (found by binary search on the pid column of each
 * part, so a rank reads only its share; the ranks' ranges ascend with the
 * rank and together cover every pid: the owners' ranges, pc_owner_range, or
 * a job's own) and every batch; the parts of L->parts (pc_ledgerfile_parts
 * first) are laid over each other in order. PC_ERR_DATA when a table is not
 * sorted by unique pid or a part is missing or not the one listed (rows,
 * batch); PC_ERR_MEM. */
int pc_ledgerfile_read(pc_ctx *ctx, pc_file file, const char *path, uint64_t p0, uint64_t p1,
                       int events, pc_ledger_data *L);
/* Collective, agreed: L->events replaced by the events of the pids
 * pids[0..n) (sorted, unique, within [p0, p1]; NULL or n 0: none) of the
 * ledger at path (its parts, L->parts, laid over each other), each part's
 * events of [p0, p1] streamed in pieces, so no more than the named pids'
 * events is held. What a feedback batch kept as a delta needs: the events
 * of the persons it names, for its duplicate check. */
int pc_ledgerfile_read_events_of(pc_ctx *ctx, const char *path, uint64_t p0, uint64_t p1,
                                 const uint64_t *pids, size_t n, pc_ledger_data *L);
/* Local: the rows of /persons and /events of an open ledger in one file, or
 * the sums over the parts of L (pc_ledgerfile_parts) for one in parts: an
 * upper bound of what pc_ledgerfile_read holds. */
int pc_ledgerfile_size(pc_file file, const pc_ledger_data *L, uint64_t *persons,
                       uint64_t *events);
/* Local, never fails: the path of the part written by batch (PATH.partNNNN). */
void pc_ledgerfile_part_path(char *buf, size_t size, const char *path, int32_t batch);
/* Local, never fails: closes a file from pc_ledgerfile_open (negative: nothing). */
void pc_ledgerfile_close(pc_file file);

/* Collective, agreed: writes L's tables (each rank its rows and events, rank
 * 0 the batches) and m/y (rank 0's rows; others pass 0) into an output being
 * written (pc_out_create), with their descriptions and the root attributes
 * batches and last_time; with L->parts not empty, /parts instead of /persons
 * and /events (those are in the parts). The caller stamps the dataset
 * identity and commits. */
int pc_ledgerfile_write(pc_out *out, const pc_ledger_data *L, const pc_ledger_measure *m,
                        size_t nm, const pc_ledger_yield *y, size_t ny);
/* Collective, agreed: writes a part p (p->persons and p->events are set
 * here to the sums over ranks) into an output being written at
 * pc_ledgerfile_part_path: each rank its rows r[0..n) and events e[0..ne)
 * (sorted by pid, the ranks' pids ascending with the rank), the root
 * attributes part_batch and part_base. The caller stamps and commits. */
int pc_ledgerfile_write_part(pc_out *out, pc_ledger_part *p, const pc_ledger_row *r, size_t n,
                             const pc_ledger_event *e, size_t ne);
/* Collective, never fails: rank 0 removes the part files beside path that
 * L->parts does not list (a killed run's part, or the parts a new base
 * replaced), by name in the directory (never through a link). Call it
 * holding the ledger's claim, after its file is read or written. */
void pc_ledgerfile_sweep(pc_ctx *ctx, const char *path, const pc_ledger_data *L);

#endif
