/* pc_ingest_reject.h - ingest's rejects: kept where read, sent back there when found later, counted. */
#ifndef PC_INGEST_REJECT_H
#define PC_INGEST_REJECT_H

#include "pc_ingest.h"

/* Local: a reject of the line `line` (1-based) of input `file`, read by this
 * rank, with its reason, text and raw bytes (the first PC_INGEST_RAW_CAP kept,
 * truncated flagged). Fails with PC_ERR_MEM. */
int pc_ingest_reject_here(pc_ingest *g, const pc_ingest_input *in, unsigned file, uint64_t line,
                          int reason, const char *text, const char *raw, size_t len,
                          int truncated);
/* Local: a reject of the row at `origin` found after the shuffles (a
 * duplicate, a conflict), to send to the rank that read it. Fails with
 * PC_ERR_MEM. */
int pc_ingest_reject_later(pc_ingest *g, uint64_t origin, int reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Collective, agreed: the late rejects go to their readers, who fetch their
 * raw lines; each rank's rejects are then sorted by (file, line). */
int pc_ingest_rejects_settle(pc_ingest *g);
/* Collective (agreed on memory): each input's rows and rejects by reason,
 * summed over ranks into in[].rows and in[].reasons. */
int pc_ingest_rejects_count(pc_ingest *g);
/* Collective, agreed on memory: *within = 1 when no input's rejects so far
 * (read, and found later but not yet settled; duplicates aside) exceed
 * max_ratio of its rows - as pc_ingest_rejects_log would find them now. */
int pc_ingest_rejects_within(pc_ingest *g, double max_ratio, int *within);
/* Local: logs each input's rows and rejects by reason; the names of the
 * inputs whose rejects (duplicates aside) exceed max_ratio of their rows go
 * to failing (cap bytes, "" when none). Never fails. */
void pc_ingest_rejects_log(const pc_ingest *g, double max_ratio, char *failing, size_t cap);

#endif
