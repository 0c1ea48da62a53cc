/* pc_ledger.h - the campaign's ledger as arrays: its rows, a batch of flags merged in, feedback applied, codes lifted. */
#ifndef PC_LEDGER_H
#define PC_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "pc_types.h"

/* The ledger remembers every person a campaign ever flagged (SPEC "The
 * campaign"). Its rows are kept sorted by pid and, in a job, each rank holds
 * the rows of the pids it owns (pc_owner_of), so a batch's flags (already at
 * their owners, sorted by pid) merge in without any exchange, and every rule
 * here is a pure function of one person's row and events: the answer cannot
 * depend on the number of ranks.
 *
 * Times are int64 seconds since the epoch (UTC); 0 means "not known / never".
 * A batch's time is the `as_of` of the run that made it (a trace or screen)
 * or the `at` of `paicha ledger` (a feedback batch): a campaign replays the
 * same on any day. Batches are numbered from 1. */

/* Code levels, ordered by severity: a code "goes up" when its level rises.
 * A lifted code is green (level 0). */
enum { PC_LCODE_GREEN = 0, PC_LCODE_YELLOW = 1, PC_LCODE_RED = 2, PC_NLCODES = 3 };
extern const char *const pc_lcode_names[PC_NLCODES]; /* "green", "yellow", "red" */
/* Local: the level of a code name ("red", "yellow", "green"); -1 for anything else. */
int pc_lcode_of(const char *name);

/* One person of the ledger: /persons, sorted by pid. Layout == on-disk layout. */
typedef struct pc_ledger_row {
  uint64_t pid;
  uint64_t source_pid;    /* who the flag giving the current code came from (0: a case, screened) */
  uint64_t root_pid;      /* the case that flag's chain starts from (0: screened, feedback) */
  uint64_t jurisdiction;  /* of the latest flag that raised the code (list's jurisdiction) */
  uint64_t residence;
  int64_t flagged_at;     /* time of the batch that first flagged the person */
  int64_t code_since;     /* when the current code was given (batch time or positive test) */
  int64_t lifted_at;      /* the `at` of the ledger run that lifted the code; 0: active */
  int64_t reached_at;     /* first `reached` feedback; 0: never */
  int64_t positive_at;    /* first positive test; 0: none */
  int64_t case_at;        /* when the person became a case: the positive test, or the time
                             of the trace batch that traced them as hop 0; 0: not a case */
  int64_t isolated_at;    /* latest `isolated` feedback; 0 unknown */
  int64_t released_at;    /* latest `released` feedback; 0 none */
  int64_t last_test_at;   /* latest test of any result; 0 none */
  int32_t first_batch;    /* batch that first flagged the person */
  int32_t code_batch;     /* batch that gave the current code */
  int32_t case_batch;     /* batch in which the person became a case (0: not a case) */
  int32_t traced_batch;   /* latest trace batch with the person as hop 0 (0: never traced) */
  int32_t negatives;      /* negative tests taken at or after code_since */
  int32_t tests;          /* tests of any result, all time */
  char subject[PC_SUBJECT_LEN];           /* as the flag or the feedback gave it */
  char subject_type[PC_SUBJECT_TYPE_LEN]; /* pc_doc_names; "" an ID number */
  char code[8];           /* "red", "yellow", or "green" once lifted */
  char cls[16];           /* class of the flag giving the current code: hop0, hop1, ...,
                             companion, screened, positive (a positive test) */
  char channel[16];       /* what found them for that flag: case, household, ..., screening,
                             feedback */
  char first_cls[16];     /* class and channel of the first flag: never change (yield) */
  char first_channel[16];
} pc_ledger_row;
_Static_assert(sizeof(pc_ledger_row) == 240, "pc_ledger_row is the on-disk row of a ledger's /persons");

/* One flag of a trace or screen batch as the ledger takes it: one output
 * row (each person once per batch: trace's /contacts and /companions do
 * not repeat a person; screen's /screened is one row per person). */
typedef struct pc_ledger_flag {
  uint64_t pid, source_pid, root_pid, jurisdiction, residence;
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN];
  char code[8];    /* "red" or "yellow" */
  char cls[16];    /* hop0, hop1, ..., companion, screened */
  char channel[16];
} pc_ledger_flag;

/* Local. Merges the flags f[0..m) of batch `batch` at time t (sorted by pid,
 * unique) into the rows old[0..n) (sorted by pid), writing the merged rows
 * (sorted by pid, at most n + m) to out and their count to *nout; isnew[j]
 * gets SPEC's `new` of flag j: 1 when the person was not in the ledger or the
 * flag's code is above their current level (a lifted code is green), else 0.
 * A new or raised flag sets code, code_since = t, code_batch, cls, channel,
 * source, root, jurisdiction, residence, clears lifted_at and negatives; a
 * new person also gets first_* and flagged_at = t. A hop0 flag sets
 * traced_batch = batch and, for a person not yet a case, case_at = t and
 * case_batch = batch. Returns PC_ERR_ARG when f or old is not sorted by pid
 * (a caller's error), else 0. out must not alias old. */
int pc_ledger_merge(const pc_ledger_row *old, size_t n, const pc_ledger_flag *f, size_t m,
                    int32_t batch, int64_t t, pc_ledger_row *out, size_t *nout, uint8_t *isnew);

/* Feedback events (SPEC: `subject,subject_type,event,at,result`). */
enum { PC_FB_REACHED, PC_FB_TESTED, PC_FB_ISOLATED, PC_FB_RELEASED, PC_NFB };
extern const char *const pc_fb_names[PC_NFB]; /* "reached", "tested", "isolated", "released" */
enum { PC_FB_NONE = 0, PC_FB_NEGATIVE = 1, PC_FB_POSITIVE = 2 }; /* result of a test */

/* One feedback event: /events of the ledger, sorted by (pid, at, batch, line). */
typedef struct pc_ledger_event {
  uint64_t pid;
  int64_t at;
  uint64_t line;     /* line of its feedback file (the header is line 1) */
  int32_t batch;
  uint8_t event;     /* PC_FB_* */
  uint8_t result;    /* PC_FB_NONE / NEGATIVE / POSITIVE */
  uint8_t pad[2];
} pc_ledger_event;
_Static_assert(sizeof(pc_ledger_event) == 32, "pc_ledger_event is the on-disk row of /events");
/* Local: the order of /events, (pid, at, batch, line), for qsort. */
int pc_ledger_event_cmp(const void *a, const void *b);

/* Local, never fails. Applies the events e[0..k) of one person (all of
 * r->pid, sorted by (at, line)) of feedback batch `batch` at time t to r:
 * reached sets reached_at when unset; isolated and released set their
 * times; a test counts in tests and last_test_at; a negative test at or
 * after code_since counts in negatives; a positive test (the first one)
 * sets positive_at and makes the person a case: case_at (when not yet a
 * case) = the test's time, case_batch = batch, code red since the test,
 * cls "positive", channel "feedback", negatives 0, lifted_at 0. A row new to
 * the ledger (first_batch 0: the caller zeroed it and set pid and subject)
 * is first flagged by this batch: flagged_at = t, first_* = positive,
 * feedback. Events of a person not positive and new to the ledger are for
 * the caller to refuse (only flagged people and positives are kept). */
void pc_ledger_apply(pc_ledger_row *r, const pc_ledger_event *e, size_t k, int32_t batch, int64_t t);

/* The code policy over time (`expire:`): a code of level c lifts at time
 * `at` when at - code_since >= after[c] and negatives >= negative_tests[c]
 * (both boundaries included). after[c] < 0: the code never lifts. */
typedef struct pc_ledger_policy {
  int64_t after[PC_NLCODES];
  int32_t negative_tests[PC_NLCODES];
} pc_ledger_policy;

/* One batch of the ledger: /batches, in batch order. The counts are taken
 * when the batch is written and never change: a person's case_batch and
 * first_batch are set once. */
typedef struct pc_ledger_batch {
  int32_t batch;
  char kind[12];          /* trace, screen, feedback */
  int64_t time;           /* the batch's time (as_of, or the ledger run's at) */
  int64_t run_time;       /* when the run ran (wall clock, for the record only) */
  uint64_t rows;          /* flags (trace, screen) or feedback rows applied */
  uint64_t rejected;      /* feedback rows rejected */
  uint64_t new_flagged;   /* persons first flagged by this batch */
  uint64_t raised;        /* persons already in the ledger whose code went up */
  uint64_t new_cases;     /* persons who became cases in this batch */
  uint64_t under_control; /* of those, flagged before they became a case (flagged_at < case_at) */
  uint64_t active_red, active_yellow; /* codes active after the batch */
  char input[64];         /* the output or feedback file's name (no directories) */
} pc_ledger_batch;
_Static_assert(sizeof(pc_ledger_batch) == 160, "pc_ledger_batch is the on-disk row of /batches");

/* Local, never fails: adds the rows' part of batch b's counts to *B
 * (new_flagged, new_cases, under_control, active_red, active_yellow); the
 * caller sums over ranks. */
void pc_ledger_count(const pc_ledger_row *r, size_t n, int32_t b, pc_ledger_batch *B);

/* Measures of one jurisdiction at a time `at` (SPEC: /measures). */
typedef struct pc_ledger_measure {
  uint64_t jurisdiction;   /* the ledger row's jurisdiction (0: unassigned) */
  uint64_t flagged;        /* persons of the jurisdiction in the ledger */
  uint64_t active_red, active_yellow;
  uint64_t reached;        /* reached at any time */
  uint64_t reached_24h;    /* reached within 24 h of flagged_at (reached_at - flagged_at <= 24 h) */
  uint64_t tested;         /* at least one test */
  uint64_t positive;       /* a positive test */
  uint64_t overdue;        /* flagged more than 24 h before `at` and not reached */
} pc_ledger_measure;
_Static_assert(sizeof(pc_ledger_measure) == 72, "pc_ledger_measure is the on-disk row of /measures");

/* Flagged and later positive per (class, channel) of the first flag (SPEC: /yield). */
typedef struct pc_ledger_yield {
  char cls[16];
  char channel[16];
  uint64_t flagged;        /* persons whose first flag was of this class and channel */
  uint64_t positive;       /* of those, who became a case after it (case_at > flagged_at) */
} pc_ledger_yield;
_Static_assert(sizeof(pc_ledger_yield) == 48, "pc_ledger_yield is the on-disk row of /yield");

/* Local, never fails: 1 when r's code (active) lifts at `at` under p, else 0. */
int pc_ledger_lifts(const pc_ledger_row *r, const pc_ledger_policy *p, int64_t at);
/* Local, never fails: the level of r's code that is active (green once lifted). */
int pc_ledger_level(const pc_ledger_row *r);

/* One file of a ledger kept in parts: a row of the ledger's /parts (its
 * file is the ledger's path followed by ".part" and the batch, four digits
 * or more: io/pc_ledgerfile.h). */
typedef struct pc_ledger_part {
  int32_t batch;     /* the batch that wrote it */
  int32_t base;      /* 1: every person and event as of that batch; 0: what that batch changed */
  uint64_t persons;  /* rows of its /persons */
  uint64_t events;   /* rows of its /events */
} pc_ledger_part;
_Static_assert(sizeof(pc_ledger_part) == 24, "pc_ledger_part is the on-disk row of /parts");

/* A ledger kept in parts (io/pc_ledgerfile.h): a base holding every person
 * as of one batch, then deltas holding the persons later batches changed or
 * added. The functions below are the two halves of that bookkeeping. */

/* Local, never fails. Copies to out (pid order) the rows of cur[0..m) that
 * are not in old[0..n) or differ from their old row in any byte (both
 * sorted by unique pid; out has room for m rows, aliases neither); returns
 * their count: what a batch changed. */
size_t pc_ledger_changed(const pc_ledger_row *old, size_t n, const pc_ledger_row *cur, size_t m,
                         pc_ledger_row *out);
/* Local. Lays the delta rows d[0..k) over base[0..n) (sorted by unique pid):
 * d is the deltas' rows in the order they were written (each delta sorted by
 * unique pid), and a pid's last row in d replaces any earlier one and its
 * base row. out (room for n + k rows, aliasing neither) gets the result,
 * sorted by unique pid; *nout its count. PC_ERR_MEM; PC_ERR_ARG when base is
 * not sorted by unique pid. */
int pc_ledger_overlay(const pc_ledger_row *base, size_t n, const pc_ledger_row *d, size_t k,
                      pc_ledger_row *out, size_t *nout);

#endif
