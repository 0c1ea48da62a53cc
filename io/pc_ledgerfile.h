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
 *   root attributes: batches (count), last_time, the dataset identity stamp
 *
 * The ledger is rewritten whole by each batch, through the output writer
 * (a temporary file renamed when complete), so a run killed at any point
 * leaves the previous ledger as it was. */

/* What a rank holds of a ledger. */
typedef struct pc_ledger_data {
  pc_buf rows;     /* pc_ledger_row of the pids this rank owns, sorted by pid */
  pc_buf events;   /* pc_ledger_event of those pids, sorted by (pid, at, batch, line) */
  pc_buf batches;  /* pc_ledger_batch, every batch (every rank) */
} pc_ledger_data;

/* Local, never fails: an empty ledger (a campaign's first batch). */
void pc_ledger_data_init(pc_ledger_data *L);
void pc_ledger_data_free(pc_ledger_data *L);

/* Collective, agreed. Opens the ledger at path (every rank) into *file;
 * *exists = 0 and *file negative when there is no file at path (a new
 * campaign), which is not an error. A file that is not a ledger (not
 * HDF5, a table missing or of other columns) is PC_ERR_DATA naming it. */
int pc_ledgerfile_open(pc_ctx *ctx, const char *path, pc_file *file, int *exists);
/* Collective, agreed. Reads into L (emptied first) the rows and events of
 * the pids in [p0, p1] (found by binary search on the pid column, so a rank
 * reads only its share; the ranks' ranges ascend with the rank and together
 * cover every pid: the owners' ranges, pc_owner_range, or a job's own) and
 * every batch. PC_ERR_DATA when /persons is not sorted by unique pid;
 * PC_ERR_MEM. */
int pc_ledgerfile_read(pc_ctx *ctx, pc_file file, const char *path, uint64_t p0, uint64_t p1,
                       pc_ledger_data *L);
/* Local: the rows of /persons and /events of an open ledger. */
int pc_ledgerfile_size(pc_file file, uint64_t *persons, uint64_t *events);
/* Local, never fails: closes a file from pc_ledgerfile_open (negative: nothing). */
void pc_ledgerfile_close(pc_file file);

/* Collective, agreed: writes L's tables (each rank its rows and events, rank
 * 0 the batches) and m/y (rank 0's rows; others pass 0) into an output being
 * written (pc_out_create), with their descriptions and the root attributes
 * batches and last_time. The caller stamps the dataset identity and commits. */
int pc_ledgerfile_write(pc_out *out, const pc_ledger_data *L, const pc_ledger_measure *m,
                        size_t nm, const pc_ledger_yield *y, size_t ny);

#endif
