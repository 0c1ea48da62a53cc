/* pc_pview_impl.h - what build and append share: step state, rank slices, dataset passes. */
#ifndef PC_PVIEW_IMPL_H
#define PC_PVIEW_IMPL_H

#include "pc_pview.h"

/* The most rows of /stays a step holds: 1 Mi rows (48 MB, the step's other
 * buffers ~80 MB more, touched only as far as a step uses them); one
 * person's stays must fit in it. */
#define PC_STAY_STEP ((size_t)1 << 20)

/* The buffers of one step and what the passes count (pc_pview_open_dataset
 * allocates them, pc_pview_free_state frees them). */
typedef struct pc_pview_state {
  pc_pview *pv;
  pc_stay *buf;
  pc_irow *irows;
  int *dest;
  size_t *owner_at;   /* pass 2: nranks + 1, each owner's first row of a step */
  uint32_t *cum;
  pc_gspan *gs;
  uint64_t *bcount;   /* pass 1: rows per bucket */
  uint64_t *scount;   /* pass 1: stays per pid prefix */
  uint64_t *ssum;     /* pass 1: fingerprint sum of the stays of each pid prefix */
  uint64_t checksum;
  /* pass 1, when the dataset has an as_of: rule 11's stay of each person
   * covering the dispatch instant dat (pc_cover_stay), in pid order, and
   * its count and fingerprint sum per pid directory slot */
  int has_dat;
  int64_t dat;
  pc_buf dsp;
  uint64_t *dcount, *dsum;
  int counted;        /* the bucket counts read from the dataset (/stay_buckets): no pass 1,
                       * pass 2 checks and counts the stays as pass 1 would */
  uint64_t counted_len; /* its length (the counts read by rank 0) */
  pc_buf recv;        /* pass 2: rows received */
  pc_irow_placer *place; /* pass 2 of a build: where each round's rows go (recv emptied) */
  const pc_pview_take *take; /* pass 2 of a build: the job's use of each step, or NULL */
} pc_pview_state;

/* The description attribute of /place_rows. */
extern const char pc_place_rows_description[];

/* Local: after a shuffle of pass 2, the rows received (b->recv) placed by
 * b->place when the build set it (then b->recv emptied); else kept there. */
int pc_pview_received(pc_pview_state *b);

/* This rank's slices of the dataset: stays cut at person boundaries,
 * persons and identities evenly. */
typedef struct pc_pview_slices {
  uint64_t s0, s1, q0, q1, i0, i1;
} pc_pview_slices;

/* Local (not agreed): cut buckets into contiguous ranges of about equal
 * rows, one per rank of ctx (pv->rank_b0); PC_ERR_MEM. */
int pc_pview_cut_buckets(pc_ctx *ctx, pc_pview *pv);
/* Local, never fails: turn whole persons' stays s[0..n) into b->irows
 * (with grid totals over pv's window); returns n. */
size_t pc_pview_to_irows(pc_pview_state *b, const pc_stay *s, size_t n);
/* Local: read the next step of stays [at, hi) into buf (PC_STAYS_READ_ROWS rows,
 * more up to PC_STAY_STEP for a person with more), ending at a person
 * boundary unless it reaches hi; *n: rows kept.
 * PC_ERR_DATA when one person has more stays than a step holds. */
int pc_pview_read_step(const pc_raw *st, uint64_t at, uint64_t hi, pc_stay *buf, size_t *n);
/* Local: stays s[0..n) read at row `at` are well formed and sorted by pid
 * (else PC_ERR_DATA naming the row); each adds to the pid directory counts
 * and fingerprint sums, the channels' longest stay and the checksum in b. */
int pc_pview_check_stays(const pc_raw *st, uint64_t at, const pc_stay *s, size_t n,
                         pc_pview_state *b);
/* Collective, agreed: *more = 1 while any rank's next stay `at` is below its
 * `hi` (every rank then takes one more step). */
int pc_pview_more_steps(pc_ctx *ctx, uint64_t at, uint64_t hi, int *more);
/* Collective, agreed: the household rows of persons [lo, hi) (one per
 * member, spanning the window): pass 1 counts them per bucket, pass 2 ships
 * them to the bucket owners (into b->recv). */
int pc_pview_household_pass(pc_ctx *ctx, pc_file data, uint64_t lo, uint64_t hi, int pass,
                            pc_pview_state *b);
/* Collective, agreed: after the stays were checked, count the pids of this
 * rank's persons [q0, q1) and identities [i0, i1), agree on the counts, the
 * channels' longest stays and the checksum, and make the pid directories. */
int pc_pview_finish_counts(pc_ctx *ctx, pc_file data, uint64_t q0, uint64_t q1, uint64_t i0,
                           uint64_t i1, pc_pview_state *b);
/* Collective, agreed: open the dataset's tables (st: its /stays, raw), set
 * pv's window, counts and pid directory bits, cut this rank's slices and
 * allocate the step buffers of b. On failure the caller still frees st and b. */
int pc_pview_open_dataset(pc_ctx *ctx, pc_file data, const char *data_path, int dispatch_table,
                          pc_pview *pv,
                          pc_raw *st, pc_pview_slices *sl, pc_pview_state *b);
/* Local, never fails: free what pc_pview_open_dataset allocated in b. */
void pc_pview_free_state(pc_pview_state *b);

#endif
