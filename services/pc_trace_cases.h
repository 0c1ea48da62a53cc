/* pc_trace_cases.h - trace's cases: cases.csv, its subjects matched to persons, hop 0. */
#ifndef PC_TRACE_CASES_H
#define PC_TRACE_CASES_H

#include "pc_hash.h"
#include "pc_trace_state.h"

/* A case of cases.csv, resolved to its person: the hull of the windows of
 * the rows naming the person, their earliest onset and line, the most
 * certain status (PC_CASE_*). */
typedef struct pc_trace_case {
  uint64_t pid;
  int64_t w0, w1;
  int64_t onset;
  int32_t line;
  uint8_t status;
  uint8_t pad[3];
} pc_trace_case;

/* Collective, agreed: what pc_trace_cases_load reads (below), without
 * flagging: every rank gets the same cases, one per person, sorted by pid,
 * in *cases (malloc'd, the caller frees; NULL when none), and t->unmatched
 * the rows not traced. Needs t's dataset open and its owned persons loaded;
 * the config's `cases`, `encoding` and `unmatched`. Fails as below. */
int pc_trace_cases_read(pc_tracer *t, const pc_key128 *key, int64_t lookback,
                        pc_trace_case **cases, size_t *n);

/* Collective, agreed. Rank 0 reads the config's `cases` (rule 1: header
 * subject,onset[,isolated,last_negative,subject_type,phone,status,reported];
 * the subject a document of subject_type or, without it, an ID number (18
 * characters) or a phone; window from onset - lookback, or last_negative, to
 * isolated or as_of); every rank resolves phones to their registered owners
 * and checks each identifier is in /identities or /stays. A row that cannot
 * be traced (a bad subject, type, status or time, onset or isolated after
 * as_of, an empty window, one before the data, not in the dataset) goes to
 * t->unmatched with its reason; `unmatched: fail` makes the first an error.
 * The persons the rows name are one case each (the hull of their rows'
 * windows, the most certain status, PC_CASE_*), flagged as hop 0 by their
 * owners with that status as their root. *ncases: the cases flagged. Fails
 * with PC_ERR_DATA naming file:line, PC_ERR_IO when the file cannot be read. */
int pc_trace_cases_load(pc_tracer *t, const pc_key128 *key, int64_t lookback, uint64_t *ncases);

/* Local (`paicha trace --check`): every row of the config's `cases` read as
 * the trace reads it (the same parsing), with the dataset's window start ws
 * and as_of; each row that would not be traced for a reason the file alone
 * shows (a bad subject, type, status or time, an empty window, ...; "not in
 * the dataset" needs the run) is recorded as "CASES:LINE: reason", never
 * with its subject; a file that cannot be read or has no header at the
 * `cases` key. *rows: the data rows read. Returns 0, or PC_ERR_MEM. */
int pc_trace_cases_check(const pc_config *cfg, int64_t as_of, int64_t ws, pc_config_problems *p,
                         uint64_t *rows);
/* Local: pc_trace_cases_check with the windows of `sources` when to_onset
 * ([onset - lookback, onset], pc_tracer.window_to_onset). */
int pc_cases_check(const pc_config *cfg, int64_t as_of, int64_t ws, int to_onset,
                   pc_config_problems *p, uint64_t *rows);

#endif
