/* pc_trace_state.h - trace's state on each rank: flagged persons, owned persons, identities, places, stays. */
#ifndef PC_TRACE_STATE_H
#define PC_TRACE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_config.h"
#include "pc_contact.h"
#include "pc_mpi.h"
#include "pc_pview.h"
#include "pc_schema.h"

/* The class of a companion in pc_trace_flag.hop. */
#define PC_TRACE_COMPANION 255
/* The channel of a case in pc_trace_flag.channel. */
#define PC_TRACE_CASE 255

/* A flagged person, kept at the owner of its pid. */
/* A case's status (cases.csv `status`), most certain first: a person named
 * by several rows takes the most certain. */
enum { PC_CASE_CONFIRMED, PC_CASE_ASYMPTOMATIC, PC_CASE_SUSPECTED, PC_NCASE_STATUS };
extern const char *const pc_case_status_names[PC_NCASE_STATUS];

typedef struct pc_trace_flag {
  uint64_t pid;
  int64_t exposure;  /* start of the person's window */
  int64_t wend;      /* end of the window: isolated/as_of for cases, as_of otherwise */
  uint64_t source;   /* 0 for a case */
  uint64_t place;
  uint8_t hop;       /* PC_TRACE_COMPANION for a companion */
  uint8_t channel;   /* PC_TRACE_CASE for a case */
  uint8_t root;      /* PC_CASE_* status of the case the person's chain starts from */
  uint8_t pad[5];
} pc_trace_flag;

typedef struct pc_tracer {
  pc_ctx *ctx;
  const pc_config *cfg;
  const char *data_path;
  pc_file data;
  pc_raw stays;               /* the dataset's /stays: the owner view */
  pc_pview pv;
  pc_chan_rule rules[PC_NCHANNELS];
  int64_t as_of, window_start, window_end;
  /* owned persons and identities: sorted by pid */
  pc_person *persons;
  size_t npersons;
  pc_identity *ids;
  size_t nids;
  pc_place *places;           /* every place, sorted by id */
  size_t nplaces;
  /* flagged persons owned here; open addressing pid -> index+1 */
  pc_buf flags;
  uint32_t *table;
  size_t tcap;
  /* scratch */
  pc_stay *sbuf;
  size_t scap;
  uint64_t sslot;             /* the pid-directory slot sbuf holds, verified, + 1 (0: none) */
  pc_buf unmatched;           /* pc_unmatched_row: the case rows not traced (every rank) */
  const struct pc_campaign *campaign; /* the ledger's isolation times (NULL: none) */
  int window_to_onset;        /* sources: a case's window is [onset - lookback, onset] (SPEC,
                                 Sources), neither last_negative nor isolated moves it */
} pc_tracer;

/* The keys of `channels:` (one map per channel: role, min_overlap, rows,
 * cumulative, rule), shared by the jobs that read contact rules. */
extern const pc_key pc_trace_channel_keys[];

/* Local, never fails: an empty tracer over cfg (`data`, the channel rules). */
void pc_tracer_init(pc_tracer *t, pc_ctx *ctx, const pc_config *cfg);
/* Local, never fails: frees what t holds and closes the dataset. */
void pc_tracer_free(pc_tracer *t);

/* Collective, agreed: opens the dataset `data`, reads its
 * window, as_of (unless the config gives it) and person count into *npersons,
 * opens /stays for raw reads. Fails with the HDF5 or schema error. */
int pc_trace_open_data(pc_tracer *t, uint64_t *npersons);
/* Local, not agreed: reads the persons and identities this rank owns (via the
 * index's pid directories) and every place (/places is optional; PC_ERR_DATA
 * when it is not sorted by id). */
int pc_trace_load_owned(pc_tracer *t);

/* Local lookups in the owned rows (NULL when absent). */
const pc_person *pc_trace_person(const pc_tracer *t, uint64_t pid);
const pc_identity *pc_trace_identity(const pc_tracer *t, uint64_t pid);
const pc_place *pc_trace_place(const pc_tracer *t, uint64_t id);
/* The same, for keys asked in ascending order: searched forward from the
 * cursor *at (start it at 0; the caller keeps it), so a walk over sorted
 * pids costs a few probes each instead of a binary search over the rank's
 * persons (most of assembling a thousand cases' rows). A key below the
 * last one asked is searched from the start: always the right row. */
const pc_person *pc_trace_person_from(const pc_tracer *t, uint64_t pid, size_t *at);
const pc_identity *pc_trace_identity_from(const pc_tracer *t, uint64_t pid, size_t *at);

/* Local: the i-th flagged person here. */
pc_trace_flag *pc_trace_flag_at(pc_tracer *t, size_t i);
/* Local: the flagged person pid, or NULL. */
pc_trace_flag *pc_trace_flag_find(pc_tracer *t, uint64_t pid);
/* Local: flag a person (not yet flagged). PC_ERR_MEM when it cannot grow. */
int pc_trace_flag_add(pc_tracer *t, const pc_trace_flag *f);
/* Local: room for `more` flagged persons made at once (not grown, copied
 * and placed again step by step). `more` may be a bound well above the
 * persons that come (a round's hits, at many ranks a person hit once by
 * each): the table takes 8 bytes for each, the rows' 48 bytes are reserved
 * for no more than the owned persons not yet flagged, each flagged once.
 * PC_ERR_MEM. */
int pc_trace_flag_reserve(pc_tracer *t, size_t more);
/* Local, never fails: the table's slot of pid fetched into the cache ahead of a find or add. */
void pc_trace_flag_prefetch(const pc_tracer *t, uint64_t pid);
/* Local: the stays of one person owned here, via the pid directory (the
 * slot read and checked once for consecutive persons of one slot); *out
 * stays valid until the next call. Fails with the read's error or PC_ERR_MEM. */
int pc_trace_stays_of(pc_tracer *t, uint64_t pid, const pc_stay **out, size_t *n);

#endif
