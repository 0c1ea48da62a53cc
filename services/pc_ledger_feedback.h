/* pc_ledger_feedback.h - the localities' feedback CSVs: every row checked (rejects with file, line, reason), applied to the ledger at its owners. */
#ifndef PC_LEDGER_FEEDBACK_H
#define PC_LEDGER_FEEDBACK_H

#include "pc_campaign.h"
#include "pc_config.h"
#include "pc_hash.h"
#include "pc_schema.h"

/* Feedback (SPEC "The campaign"): CSV with the header
 * subject,subject_type,event,at,result (any order, case-insensitive; UTF-8
 * or GB18030, optional BOM). subject is read as trace reads cases.csv (a
 * document of subject_type, or without it an ID number of 18 characters or
 * a phone); event reached, tested, isolated or released; at the event's
 * local time; result negative or positive for `tested`, empty otherwise. */

/* Why a feedback row is not applied (/rejects `reason`, `code`, `text`). */
enum {
  PC_FBR_OK,
  PC_FBR_QUOTE,       /* bad CSV quoting */
  PC_FBR_FIELDS,      /* not the header's number of fields */
  PC_FBR_TYPE,        /* subject_type unknown */
  PC_FBR_SUBJECT,     /* subject empty or not a valid number of its type */
  PC_FBR_EVENT,       /* event unknown */
  PC_FBR_TIME,        /* at does not parse */
  PC_FBR_AFTER,       /* at after the batch's at */
  PC_FBR_BEFORE,      /* at before the dataset's window starts */
  PC_FBR_RESULT,      /* tested without result negative or positive */
  PC_FBR_RESULT_OTHER,/* a result on another event */
  PC_FBR_NOT_IN_LEDGER, /* a person not in the ledger and without a positive test */
  PC_FBR_DUPLICATE,   /* the same event (time, result) as an earlier row or one the ledger
                         holds: applied once, not counted against max_reject_ratio (as
                         ingest), so feedback given twice is harmless */
  PC_NFBR
};
extern const char *const pc_fbr_codes[PC_NFBR], *const pc_fbr_texts[PC_NFBR];

/* A batch of feedback: what it reads, and what it did (every rank). */
typedef struct pc_feedback {
  pc_ctx *ctx;
  const pc_config *cfg;       /* `feedback`, `encoding` */
  pc_key128 key;
  int64_t window_start;       /* the dataset's: earlier events are rejected */
  pc_file data;               /* the dataset: phones to their registered owners */
  int nfiles;
  uint64_t *rows, *bad;       /* per file: data rows; rejects counted against the ratio */
  uint64_t reasons[PC_NFBR];  /* rejects by reason, every file */
  uint64_t applied, raised, added; /* events applied; codes raised (positive); persons added */
  uint64_t raised_here;       /* of raised, this rank's (the others are sums over ranks) */
  pc_buf rejects;             /* pc_fb_reject_row: rank 0, every reject, by (file, line) */
} pc_feedback;

/* Local, never fails: an empty F over cfg. */
void pc_feedback_init(pc_feedback *F, pc_ctx *ctx, const pc_config *cfg);
/* Collective, agreed: opens the dataset at path into F->data (closed by
 * pc_feedback_free) and reads its window start. Fails with the file's error. */
int pc_feedback_open_data(pc_feedback *F, const char *path);
/* Local, never fails. */
void pc_feedback_free(pc_feedback *F);

/* Collective, agreed. Every rank reads every `feedback` file and checks
 * its share of the rows (by byte offset, at line starts); phones become their registered owners (every rank its share of
 * /identities); the events go to the owners of their pids, sorted by (pid,
 * at, file, line): an event equal to an earlier one of the person (time,
 * event, result), in this batch or in the ledger, is a duplicate, the events of a person neither in C's
 * ledger nor tested positive are rejected, the others applied with
 * pc_ledger_apply as batch C->next (a positive not yet in the ledger gets a
 * new row) and kept in C->L.events. F gets the counts and rank 0 the
 * rejects. Nothing is printed of a row but its file, line and reason. A file
 * that cannot be read (missing, no header, not in its encoding) is
 * PC_ERR_IO or PC_ERR_DATA naming it; PC_ERR_MEM. */
int pc_feedback_apply(pc_campaign *C, pc_feedback *F, int64_t at);

/* Local, never fails: logs each file's rows and rejects by reason; the
 * files whose rejects (duplicates aside) exceed max_ratio of their rows are
 * named in failing (cap bytes; "" when none). */
void pc_feedback_log(const pc_feedback *F, double max_ratio, char *failing, size_t cap);

/* Local (`paicha ledger --check`): every row of every `feedback` file read
 * as the run reads it, against `at` and the dataset's window start ws; each
 * row rejected for a reason the file alone shows is a problem
 * "FILE:LINE: reason", never with its subject; *rows: the rows read.
 * Returns 0, or PC_ERR_MEM. */
int pc_feedback_check(const pc_config *cfg, int64_t at, int64_t ws, pc_config_problems *p,
                      uint64_t *rows);

#endif
