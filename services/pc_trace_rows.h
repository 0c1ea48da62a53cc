/* pc_trace_rows.h - trace's output rows of /contacts and /companions, and their counts. */
#ifndef PC_TRACE_ROWS_H
#define PC_TRACE_ROWS_H

#include "pc_json.h"
#include "pc_trace_state.h"

/* Collective, agreed. The rows of the persons flagged here (contacts, then
 * companions, each sorted by pid; the flags are sorted by pid, their table no
 * longer usable): identity, channel and place name, code by policy (rule 10),
 * jurisdiction at dispatch_at at `level` (rule 11), residence, age, sector,
 * and the source's subject, asked of the source's owner. *rows is the
 * caller's to free; *ncontacts and *ncompanions must start at 0. Fails with
 * PC_ERR_MEM or a stays read's error. */
int pc_trace_rows(pc_tracer *t, int64_t dispatch_at, int level, pc_trace_row **rows,
                  size_t *ncontacts, size_t *ncompanions);

/* Persons by hop, companions, codes and rows by channel, summed over ranks. */
typedef struct pc_trace_counts {
  int hops;
  uint64_t *hop;            /* hops + 1 */
  uint64_t companion, red, yellow;
  uint64_t channel[2][PC_NCHANNELS + 1]; /* [contact/companion][channel], last = case */
  uint64_t root[PC_NCASE_STATUS];        /* contacts (hop >= 1) by the status of their case */
} pc_trace_counts;

/* Collective: adds the rows' counts to K (hops and hop set, the rest zero)
 * and sums them over ranks. Fails (agreed) when the sum fails. */
int pc_trace_count(pc_ctx *ctx, const pc_trace_row *rows, size_t nc, size_t nm, pc_trace_counts *K);
/* The `counts` attribute: persons by hop, companions, codes, rows by
 * channel. NULL when json-c is out of memory (pc_out_json records it). Local. */
json_object *pc_trace_counts_json(const pc_trace_counts *K, int hops);
/* Local, never fails: logs the counts (rank 0's log). */
void pc_trace_counts_log(pc_ctx *ctx, const pc_trace_counts *k);

#endif
