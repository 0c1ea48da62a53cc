/* pc_trace_cases.h - trace's cases: cases.csv, its subjects matched to persons, hop 0. */
#ifndef PC_TRACE_CASES_H
#define PC_TRACE_CASES_H

#include "pc_hash.h"
#include "pc_trace_state.h"

/* Collective, agreed. Rank 0 reads the config's `cases` (rule 1: header
 * subject,onset[,isolated,last_negative], an ID number or an 11-digit phone
 * per line, window from onset - lookback, or last_negative, to isolated or
 * as_of); every rank resolves phones to their registered owners, checks that
 * each case is in /identities or /stays, refuses the same person twice, and
 * flags the cases it owns as hop 0. *ncases: the cases read. Fails with
 * PC_ERR_DATA naming file:line (PC_ERR_IO when the file cannot be read). */
int pc_trace_cases_load(pc_tracer *t, const pc_key128 *key, int64_t lookback, uint64_t *ncases);

#endif
