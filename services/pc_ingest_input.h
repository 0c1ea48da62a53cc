/* pc_ingest_input.h - ingest's CSV inputs: byte ranges scanned, headers mapped, rows read in rounds. */
#ifndef PC_INGEST_INPUT_H
#define PC_INGEST_INPUT_H

#include "pc_ingest.h"

/* Collective, agreed: opens every input on its byte range for this rank,
 * counts this rank's lines and CRC and checks they are UTF-8; then every
 * rank learns every rank's line counts (in[].base, the line-number bases)
 * and each file's CRC (combined in rank order, so the same at any rank
 * count). Then each file's encoding (in[].enc): input.encoding's, or under
 * auto UTF-8 when every line is, else GB18030 when every line converts (read
 * again for that), else PC_ERR_DATA naming the file and its first lines that
 * are neither. Then its header (the contract's columns in any order, each
 * once, nothing else: PC_ERR_DATA naming the column otherwise). Logs the
 * encodings and adds them to the run record (`input_encodings`). */
int pc_ingest_scan(pc_ingest *g);

/* What a reader does with a row of good form (cells are the contract's
 * columns): check and keep it. Returns PC_R_OK when kept, else the reject
 * reason with text filled; *err is set when something other than the row
 * failed (memory). */
typedef int (*pc_ingest_take_fn)(pc_ingest *g, unsigned fi, uint64_t line,
                                 const pc_field *cells, void *arg, char *text, int *err);

/* Local: reads up to max rows of input fi on this rank (each good row to
 * take, each bad one to the rejects; the header and empty lines skipped);
 * *done = 1 when the rank's range is finished. Fails with the reader's or
 * take's error (not agreed). */
int pc_ingest_read_rows(pc_ingest *g, unsigned fi, size_t max, pc_ingest_take_fn take, void *arg,
                        int *done);

/* Collective: rounds of reading: every rank takes part in every collective
 * round until the last rank is done; *more = 1 while any rank has more. */
int pc_ingest_more_rounds(pc_ctx *ctx, int local_more, int *more);

#endif
