/* pc_trace_rows.h - trace's output rows of /contacts and /companions, and their counts. */
#ifndef PC_TRACE_ROWS_H
#define PC_TRACE_ROWS_H

#include "pc_json.h"
#include "pc_trace_state.h"

/* The output rows of the persons flagged here, made when they are needed
 * (a chunk's at a time while they are written), not held: a thousand cases'
 * 1.5 M rows of 184 bytes were 139 MB a rank of memory new to the job,
 * which on the machine measured costs ~1.8 s a GB (docs/PERFORMANCE.md).
 * Row i of this rank: contacts (rows [0, nc)), then companions ([nc, nc +
 * nm)), each sorted by pid. What a row needs beyond its flag is found once
 * here: its jurisdiction, its source's subject, its `new`. */
typedef struct pc_trace_rowmaker {
  pc_tracer *t;
  const pc_trace_flag *f; /* t's flags, sorted by pid (their table no longer usable) */
  uint32_t *ord;          /* row -> flag */
  size_t nc, nm;
  uint64_t *jur;          /* by flag: jurisdiction at dispatch_at (rule 11) */
  uint8_t *is_new;        /* by flag: 1 new in this batch (pc_trace_campaign) */
  uint32_t *src;          /* by flag: index of its source's subject, UINT32_MAX none */
  char (*subject)[PC_SUBJECT_LEN]; /* the distinct sources' subjects */
  int red_companion, red_hop[256];
  struct place_memo *pm;
  size_t at_p, at_i;      /* cursors into the owned persons and identities */
} pc_trace_rowmaker;

/* 1 when flag f's class is listed under codes.red (rule 10). Local. */
static inline int pc_trace_rows_red(const pc_trace_rowmaker *m, const pc_trace_flag *f) {
  return f->hop == PC_TRACE_COMPANION ? m->red_companion : m->red_hop[f->hop];
}

/* Collective, agreed. The row maker of the persons flagged here: codes by
 * policy (rule 10), jurisdictions at dispatch_at at `level` (rule 11), the
 * sources' subjects, asked of their owners; every row `new` until
 * pc_trace_campaign says. m is pc_trace_rows_free's. Fails with PC_ERR_MEM
 * or a stays read's error. */
int pc_trace_rows(pc_tracer *t, int64_t dispatch_at, int level, pc_trace_rowmaker *m);
/* Local, cannot fail: rows [first, first + n) of this rank into out. */
void pc_trace_rows_make(pc_trace_rowmaker *m, size_t first, size_t n, pc_trace_row *out);
/* Local, cannot fail: the row of flag k (k < nc + nm, in pid order). */
void pc_trace_rows_make_flag(pc_trace_rowmaker *m, size_t k, pc_trace_row *out);
/* Local, cannot fail: of that row, only who the person is and how flagged -
 * pid, subject, hop, channel, code, source_pid, jurisdiction, residence,
 * age, sector; the rest zero (the campaign's ledger needs no more). */
void pc_trace_rows_make_who(pc_trace_rowmaker *m, size_t k, pc_trace_row *out);
/* Local, never fails. */
void pc_trace_rows_free(pc_trace_rowmaker *m);

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
int pc_trace_count(pc_ctx *ctx, pc_trace_rowmaker *m, pc_trace_counts *K);
/* The `counts` attribute: persons by hop, companions, codes, rows by
 * channel. NULL when json-c is out of memory (pc_out_json records it). Local. */
json_object *pc_trace_counts_json(const pc_trace_counts *K, int hops);
/* Local, never fails: logs the counts (rank 0's log). */
void pc_trace_counts_log(pc_ctx *ctx, const pc_trace_counts *k);

#endif
