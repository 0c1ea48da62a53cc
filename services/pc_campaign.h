/* pc_campaign.h - the ledger as trace, screen and `paicha ledger` use it: loaded, a batch added, written. */
#ifndef PC_CAMPAIGN_H
#define PC_CAMPAIGN_H

#include "pc_config.h"
#include "pc_ledgerfile.h"
#include "pc_mpi.h"

/* The config keys of a job that appends to a ledger, for its key table:
 * `ledger` (the file; absent: no campaign) and `ledger_wait` (how long to
 * wait for another run appending to it). */
#define PC_CAMPAIGN_KEYS(ledger_help)                                                          \
  {.name = "ledger", .type = PC_T_PATH, .role = PC_P_LEDGER, .help = (ledger_help)},         \
  {.name = "ledger_wait", .type = PC_T_DURATION, .def = "10m", .max = 7 * 86400LL,           \
   .help = "how long to wait while another run appends to the ledger, then fail (nothing "   \
           "changed)"},                                                                       \
  PC_CAMPAIGN_PARTS_KEY

/* `ledger_parts_from`: the size from which a ledger keeps its persons in
 * parts (io/pc_ledgerfile.h), so a batch writes what it changed rather than
 * the whole ledger. */
#define PC_CAMPAIGN_PARTS_KEY                                                                   \
  {.name = "ledger_parts_from", .type = PC_T_INT, .def = "1000000", .max = 1LL << 40,          \
   .help = "persons from which the ledger keeps /persons and /events in part files beside it " \
           "(LEDGER.partNNNN) and a batch writes only the persons it changed; below, one file " \
           "rewritten by each batch"}

/* A ledger open for one batch. */
typedef struct pc_campaign {
  pc_ctx *ctx;
  const char *path;   /* NULL: no ledger (the job runs without a campaign) */
  int exists;         /* the file was there (else this is the first batch) */
  pc_ledger_data L;
  pc_ledger_batch next; /* the batch being added (number, kind, time, input) */
  int mode;             /* how the batch is written: PC_CAMPAIGN_ONE, _BASE, _DELTA */
  int64_t parts_from;   /* `ledger_parts_from` */
  pc_buf orig;          /* _DELTA, trace and screen: the rows as read, to find what the batch
                           changed (L.rows itself until pc_campaign_flag replaces them) */
  int orig_shared;      /* orig is L.rows itself (nothing changed them yet) */
  pc_buf touched;       /* _DELTA, feedback: pids of the rows changed in place (pc_campaign_touch) */
  int track;            /* touched is kept (rather than orig: no copy of every row) */
  int events_named;     /* _DELTA, feedback: L.events is read by pc_campaign_events_of (only
                           the events of the pids the feedback names), not at open */
  uint64_t p0, p1;      /* the pids this rank holds */
} pc_campaign;

/* How a batch is written (io/pc_ledgerfile.h): the ledger as one file
 * (while it has fewer than `ledger_parts_from` persons), a new base part
 * (the first in parts, or when the deltas hold more than an eighth of the
 * base's persons, or 32 parts are listed), or a delta part. */
enum { PC_CAMPAIGN_ONE, PC_CAMPAIGN_BASE, PC_CAMPAIGN_DELTA };

/* Collective, agreed. With the config's `ledger` set: claims it (waiting up
 * to `ledger_wait` for another run that holds it, then PC_ERR_IO saying who
 * holds it and what to do), opens and reads it (absent: a new, empty
 * ledger), refuses one of another dataset than data (pc_flagged_check_data's
 * error), and starts batch number (last + 1) of `kind` at time t, input
 * `input` (its name only is kept). Each rank holds the ledger's rows of the
 * pids it owns (pc_owner_range); the events only when the batch writes
 * them whole or is a feedback batch (trace and screen never use them). A
 * feedback batch changes rows in place (pc_feedback_apply, pc_ledger_lift,
 * each through pc_campaign_touch); other batches change them only through
 * pc_campaign_flag. Without `ledger`: C->path NULL, nothing read, 0. A
 * feedback batch kept as a delta reads no events here: pc_campaign_events_of
 * reads those of the persons its feedback names. */
int pc_campaign_open(pc_ctx *ctx, const pc_config *cfg, pc_file data, const char *data_path,
                     const char *kind, int64_t t, const char *input, pc_campaign *C);

/* Collective, agreed: pc_campaign_open for a job whose ranks hold the pids
 * [p0, p1] (ascending with the rank, together every pid; p1 < p0: none)
 * rather than the owners' ranges: the flags given to pc_campaign_flag are
 * then of that range. */
int pc_campaign_open_range(pc_ctx *ctx, const pc_config *cfg, pc_file data, const char *data_path,
                           const char *kind, int64_t t, const char *input, uint64_t p0,
                           uint64_t p1, pc_campaign *C);

/* Collective, agreed: when the open left the events to be read for the
 * pids named (events_named), C->L.events becomes the ledger's events of
 * pids[0..n) (this rank's, sorted, unique; n may be 0); else nothing is
 * done. PC_ERR_DATA, PC_ERR_MEM. */
int pc_campaign_events_of(pc_campaign *C, const uint64_t *pids, size_t n);

/* Local, never fails: the isolation time the ledger holds for pid (owned
 * here), 0 when unknown or no ledger. */
int64_t pc_campaign_isolated(const pc_campaign *C, uint64_t pid);

/* Local: records that the row of pid (this rank's, in the ledger or new to
 * it) is changed in place, so that a batch written as a delta writes it.
 * A feedback batch calls it for every row it changes (pc_feedback_apply,
 * pc_ledger_lift): a delta of a feedback batch is the rows so recorded.
 * PC_ERR_MEM. */
int pc_campaign_touch(pc_campaign *C, uint64_t pid);

/* Collective, agreed: merges the flags f[0..m) (this rank's, sorted by pid,
 * each pid owned here) into the ledger as the batch's flags; isnew[j] gets
 * the row's `new` (SPEC). Without a ledger every isnew is 1. PC_ERR_MEM. */
int pc_campaign_flag(pc_campaign *C, const pc_ledger_flag *f, size_t m, uint8_t *isnew);

/* Collective, agreed: measures and yield at time `at` of the rows every rank
 * holds (pc_ledger_measure per jurisdiction, pc_ledger_yield per class and
 * channel), reduced onto rank 0: *m and *y are rank 0's (sorted by
 * jurisdiction, by class and channel; NULL and 0 elsewhere), the caller
 * frees them. PC_ERR_MEM. */
int pc_campaign_stats(pc_campaign *C, int64_t at, pc_ledger_measure **m, size_t *nm,
                      pc_ledger_yield **y, size_t *ny);

/* Collective, agreed: counts the batch (pc_ledger_count, summed), appends
 * it to /batches and writes the ledger (stamped with data's identity, the
 * measures and yield at the batch's time): its part first when it is kept
 * in parts, the ledger file last, each atomically. Without a ledger:
 * nothing, 0. */
int pc_campaign_write(pc_campaign *C, const pc_config *cfg, pc_file data);

/* Collective, never fails: frees what C holds and drops the claim. */
void pc_campaign_close(pc_campaign *C);

#endif
