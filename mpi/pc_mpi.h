/* pc_mpi.h - the job context (opaque): agreement on errors, phases, progress, collectives, shuffles. */
#ifndef PC_MPI_H
#define PC_MPI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pc_err.h"

/* Every function below says who calls it and how it fails:
 *   Local               this rank alone, no communication.
 *   Collective          every rank of the job calls it, in the same order. A
 *                       failure returns on the ranks that saw it only: the
 *                       caller agrees (pc_agree) before anything that could
 *                       wait for a rank that has left.
 *   Collective, agreed  as Collective, and every rank returns the same
 *                       status: a failure on any rank fails all of them with
 *                       the lowest failing rank's message (pc_agree inside).
 *                       A failing MPI call inside is the exception: it returns
 *                       PC_ERR_MPI where it failed (agreeing would need MPI). */

/* One per job and rank, opaque outside mpi/ (pc_mpi_impl.h): io/ and jobs/
 * use the accessors below, so what the context holds can change without them. */
typedef struct pc_ctx pc_ctx;

/* ---- the context's fields, for io/ and jobs/: Local, never fail ---- */
int pc_rank(const pc_ctx *ctx);   /* this rank, 0 .. nranks - 1 */
int pc_nranks(const pc_ctx *ctx); /* ranks of the job */
const char *pc_ctx_job(const pc_ctx *ctx); /* the job's name, "synth", ... */
/* Send budget of one shuffle round per rank (bytes); the runner sets it from
 * the config, the memory check may lower it. */
size_t pc_ctx_round_bytes(const pc_ctx *ctx);
void pc_ctx_set_round_bytes(pc_ctx *ctx, size_t bytes);
/* 1 (quiet: true, --quiet): no log or progress lines, no phase table;
 * warnings (pc_warn) and errors still printed. */
void pc_ctx_set_quiet(pc_ctx *ctx, int quiet);
uint64_t pc_ctx_bytes_moved(const pc_ctx *ctx); /* shuffled by this rank so far */
/* The run record: its path (NULL: none; set by the job, printf-like, cut at
 * 4 kB) and the JSON members the job added to it (pc_record_add; NULL: none). */
void pc_ctx_set_record(pc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pc_ctx_record(const pc_ctx *ctx);
const char *pc_ctx_record_extra(const pc_ctx *ctx);

/* Collective over MPI_COMM_WORLD (not agreed: no context to agree with yet;
 * an MPI failure returns PC_ERR_MPI, PC_ERR_MEM when out of memory). Installs
 * the SIGTERM/SIGINT flag and reads the test hooks from the environment; *out
 * is the caller's, freed by pc_ctx_destroy. */
int pc_ctx_create(const char *job, pc_ctx **out);
/* Collective (frees the communicator); sets *ctx to NULL; NULL is fine. Never fails. */
void pc_ctx_destroy(pc_ctx **ctx);

/* Collective agreement at a phase boundary (ParRes bail_out): every rank
 * passes its local status; all return the same non-zero status when any rank
 * failed. The message of the lowest failing rank is copied to every rank
 * and made the process's error message, prefixed "rank R: ". A signal
 * received (pc_signalled) counts as a failure naming the open phase. When the
 * agreement itself fails the ranks can no longer agree: MPI_Abort. A rank
 * that brings a failure waits for the others at most PAICHA_FAILURE_WAIT
 * seconds (default 60; a collective call of HDF5 that failed on one rank can
 * leave the others waiting inside the library for good): then it prints the
 * job's error line itself, runs the pc_ctx_on_stuck function and calls
 * MPI_Abort (exit status 1). */
int pc_agree(pc_ctx *ctx, int local_rc);
/* Local: fn runs on a rank that stops the job at a stuck agreement (pc_agree),
 * before MPI_Abort: it removes what the run was writing, since no other rank
 * will. NULL: nothing. */
void pc_ctx_on_stuck(pc_ctx *ctx, void (*fn)(pc_ctx *));

/* Rank 0 prints "[job +T.Ts] message" to stderr, unless quiet; the others
 * nothing. Local, never fails. Times in it: pc_time_human; counts: pc_plural. */
void pc_log(pc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As pc_log, "[job +T.Ts] warning: message", printed even when quiet: what
 * the person running the job must see (data left aside, a disagreement). */
void pc_warn(pc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Rank 0 prints a progress line at most every 2 s: phase, rows done by this
 * rank, rate and ETA (from rank 0's share). Local, never fails. */
void pc_progress(pc_ctx *ctx, uint64_t done, uint64_t total);

/* The signal (SIGTERM, SIGINT) this process received, or 0. Local. */
int pc_signalled(void);
/* Test hook: when PAICHA_STALL_PHASE names `point` (a phase, or "commit":
 * an output complete under its temporary name, not yet renamed), every rank
 * (only rank PAICHA_STALL_RANK when set) holds there PAICHA_STALL_SECONDS
 * (default 60) or until a signal, so a test can strike at a known point,
 * meet a second run there, or keep one rank from an agreement. Local. */
void pc_test_hold(pc_ctx *ctx, const char *point);
/* Open a phase (phases nest, up to 8 deep and 64 in a run) and time it.
 * Collective, agreed: a phase boundary is a point of agreement, so every rank
 * enters or none does; it fails with PC_ERR_INJECT on the rank and phase the
 * test hooks name (PAICHA_FAIL_RANK, PAICHA_FAIL_PHASE), with PC_ERR_SIGNAL
 * after SIGTERM/SIGINT, and PC_ERR_ARG past the limits. */
int pc_phase_begin(pc_ctx *ctx, const char *name);
/* Close the innermost open phase, adding the rows and bytes this rank
 * handled in it. Local, never fails (nothing open: nothing done). */
void pc_phase_end(pc_ctx *ctx, uint64_t rows, uint64_t bytes);

/* What bounds a phase: the bytes it reads (from files, the page cache
 * included), passes through memory, sends to other ranks, or writes. The
 * phase table compares the phase's bytes per second per rank with the
 * machine's speed for that kind (`paicha bounds`, kept in bench/rates.yaml):
 * its "bound" column is the share of that speed the phase reached, so 100%
 * means it ran as fast as moving its bytes once can. */
typedef enum { PC_BOUND_NONE, PC_BOUND_READ, PC_BOUND_MEMORY, PC_BOUND_NETWORK, PC_BOUND_WRITE,
               PC_BOUND_N } pc_bound;
extern const char *const pc_bound_names[PC_BOUND_N]; /* "", "read", "memory", "network", "write" */
/* Local, never fails: the innermost open phase's bytes are of this kind. */
void pc_phase_bound(pc_ctx *ctx, pc_bound kind);
/* Local, never fails: the machine's speeds per rank (MB/s, indexed by
 * pc_bound, 0 where unknown), for the phase table. */
void pc_ctx_set_bounds(pc_ctx *ctx, const double *mb_s);

/* ---- phases as an enum and its name table (CoMD's performanceTimers) ----
 *
 *   enum { PH_OPEN, PH_BUILD, PH_WRITE, PH_N };
 *   static const char *const phases[PH_N] = {[PH_OPEN] = "open", ...};
 *   pc_phases_declare(ctx, phases, PH_N);
 *   PC_CALL(PC_PHASE(ctx, PH_OPEN, open_data(ctx, &run), 0, 0));
 *
 * PC_PHASE begins phase `id` (agreed: every rank enters or none does),
 * evaluates `call` (an int status; it may run nested phases) unless the
 * entry failed, then `rows` and `bytes` (what this rank handled, read after
 * the call so they may use what it made), stops the phase's clock, agrees on
 * the call's status with the phase still open - a failure or a signal is
 * reported in it ("stopped by SIGTERM in phase 'write'") - and closes it. Its
 * value is the agreed status: Collective, agreed. The clock stops before the
 * agreement, so the phase table's imbalance is the work's, not the wait's.
 * The names are what the phase table, the run record and messages show. */
#define PC_PHASE(ctx, id, call, rows, bytes)                                               \
  ((void)(pc_phase_keep((ctx), pc_phase_enter((ctx), (id))) || pc_phase_keep((ctx), (call))), \
   pc_phase_leave((ctx), (uint64_t)(rows), (uint64_t)(bytes)))
/* The job's phase table: names[id] for id in [0, n); static, outliving ctx.
 * Local, never fails. Services called inside a phase may still open named
 * phases with pc_phase_begin: they nest under it. */
void pc_phases_declare(pc_ctx *ctx, const char *const *names, int n);
/* PC_PHASE's steps; call PC_PHASE. Enter: pc_phase_begin with the declared
 * name (collective, agreed; PC_ERR_ARG for an id outside the table). Keep:
 * record a status for leave, return it (local). Leave: stop the clock, agree
 * on the kept status, close the phase (collective, agreed). */
int pc_phase_enter(pc_ctx *ctx, int id);
int pc_phase_keep(pc_ctx *ctx, int rc);
int pc_phase_leave(pc_ctx *ctx, uint64_t rows, uint64_t bytes);

/* Collective, not agreed: the end-of-run table (phase, min@rank, max@rank, mean,
 * imbalance, rows, rows/s, bytes) printed by rank 0 on f unless quiet; and, when path is
 * not NULL, the same figures as JSON (the run record) with `extra_json`
 * (JSON object members `"k": v, ...`, may be NULL; see pc_record_add) merged
 * in. The record is written by rank 0 under an unpredictable temporary name
 * created exclusively beside path, then renamed. Fails (not agreed: the
 * caller agrees) when the record cannot be written or extra_json is not JSON. */
int pc_phase_report(pc_ctx *ctx, FILE *f, const char *path, const char *extra_json);
/* Local: add the member `key` (escaped here) with the JSON text value (made
 * by json-c, see pc_json_text) to the run record's members. PC_ERR_MEM
 * recorded when it cannot grow. */
int pc_record_add(pc_ctx *ctx, const char *key, const char *json_value);

/* Peak resident set of this process in bytes (getrusage). Local, never fails. */
uint64_t pc_peak_rss(void);

/* ---- the process's MPI life and clock ---- */
/* Collective over every process started together (MPI_Init): call once,
 * before anything else of this header. Returns 0, or PC_ERR_MPI with a
 * message when MPI cannot start (nothing else can be done then). */
int pc_mpi_init(int *argc, char ***argv);
/* Collective over every process (MPI_Finalize); after every context is
 * destroyed. Never fails (a failure to shut down changes nothing). */
void pc_mpi_finalize(void);
/* Seconds on this rank's wall clock since an arbitrary origin. Local, never fails. */
double pc_wtime(void);

/* ---- small collectives: Collective, not agreed; 0 or PC_ERR_MPI ---- */
/* How many ranks of the job share this rank's node. Collective the first
 * time (every rank asks then); later calls answer from the context. */
int pc_node_ranks(pc_ctx *ctx, int *n);
int pc_sum_u64(pc_ctx *ctx, uint64_t *v, int n);      /* in place, every rank */
int pc_max_u64(pc_ctx *ctx, uint64_t *v, int n);
/* Collective, agreed: the all-to-all exchange's speed. Every rank sends
 * `bytes` of `send` (split evenly among all ranks, so (P-1)/P of it to the
 * others) into `recv` (as large), `reps` times after one untimed warm-up;
 * *mb_s: MB per second each rank sent to the others, at the fastest
 * repetition (its slowest rank's time); 0 with one rank. */
int pc_alltoall_speed(pc_ctx *ctx, const void *send, void *recv, size_t bytes, int reps,
                      double *mb_s);
int pc_min_u64(pc_ctx *ctx, uint64_t *v, int n);
int pc_exscan_u64(pc_ctx *ctx, uint64_t v, uint64_t *before); /* sum over lower ranks */
/* Sum a large uint64 array onto rank 0 (in place there), in pieces < 2^27 elements. */
int pc_reduce_u64_to0(pc_ctx *ctx, uint64_t *v, size_t n);
/* Collective, agreed: every rank's n values v, rank by rank, into a new
 * malloc'd *all (*total of them; the caller frees) on every rank. PC_ERR_MEM,
 * PC_ERR_ARG at 2^31 values or more, PC_ERR_MPI. */
int pc_allgather_u64(pc_ctx *ctx, const uint64_t *v, size_t n, uint64_t **all, size_t *total);
/* Broadcast a malloc'd byte string from rank 0 (others receive a new malloc'd
 * copy, NUL-terminated, theirs to free). PC_ERR_ARG past 1 GiB, PC_ERR_MEM. */
int pc_bcast_bytes(pc_ctx *ctx, char **buf, size_t *len);
/* Point to point, between rank `from` (> 0) and rank 0 only; no other rank
 * calls it. Rank `from` sends len bytes of buf (len 0 allowed: a message of
 * nothing); rank 0 receives them into a new malloc'd *got (the caller frees;
 * NULL when len is 0) and *got_len. Sent in pieces of 1 MiB, so a rank 0
 * short of memory still takes every piece (and drops them) and returns
 * PC_ERR_MEM with *got NULL and *got_len the bytes dropped: the sender
 * never waits on a receive that will not come.
 * PC_ERR_MPI. Not agreed: the two ranks agree later, with the rest. */
int pc_send_to0(pc_ctx *ctx, int from, const void *buf, size_t len, char **got, size_t *got_len);

/* Rows fed to rank 0 piece by piece, while the ranks that send them go on
 * with their own work (rank 0 writes one file of rows every rank holds,
 * round by round, into a buffer of one round; the others write their own
 * files meanwhile). Both sides derive the pieces' sizes from counts every
 * rank holds: rank 0 takes, in the same order, exactly what was sent.
 *   sender (rank > 0)          rank 0
 *   pc_feed_new                (agree: every sender has its requests' room)
 *   pc_feed_send               pc_feed_take, once a piece in order
 *   work, pc_feed_poll ...     (every piece taken, also after a failure)
 *   pc_feed_end
 * Local: room for `pieces` sends (PC_ERR_MEM); allocated before anything is
 * sent, so a rank short of memory can say so before rank 0 waits on it. */
typedef struct pc_feed pc_feed;
int pc_feed_new(size_t pieces, pc_feed **f);
/* Local, never fails: the rows of rowsize bytes in a round of at most bytes
 * (the caller's rounds of pieces); PAICHA_TEST_FEED_ROWS sets it instead, for
 * tests that want many rounds of small data. */
size_t pc_feed_rows(size_t bytes, size_t rowsize);
/* Local (rank > 0): sends piece i, count[i] rows of rowsize bytes from row
 * start[i] of rows, to rank 0 without waiting; pieces of 0 rows are not
 * sent. rows must stay as they are until pc_feed_end. PC_ERR_ARG (rank 0, a
 * piece of 2^31 rows, more pieces than room), PC_ERR_MPI. */
int pc_feed_send(pc_ctx *ctx, pc_feed *f, const void *rows, size_t rowsize, size_t pieces,
                 const uint64_t *start, const uint64_t *count);
/* Local: lets the sends progress (call it between pieces of other work: a
 * large message may wait for its sender to enter MPI). NULL is fine. */
int pc_feed_poll(pc_feed *f);
/* Local: waits until every piece is sent; frees f (NULL is fine). */
int pc_feed_end(pc_feed *f);
/* Rank 0: the next piece of every rank s > 0, count[s] rows (0: none), into
 * buf in rank order (buf holds their sum). Waits for each piece it posted,
 * also after a failure. PC_ERR_ARG, PC_ERR_MEM, PC_ERR_MPI. */
int pc_feed_take(pc_ctx *ctx, void *buf, size_t rowsize, const uint64_t *count);
/* Broadcast from rank 0, in place, `bytes` bytes (the same count on every
 * rank; a struct of plain values, such as a key) or n values of a type. These
 * do not agree: an MPI failure returns PC_ERR_MPI on the ranks that saw it. */
int pc_bcast_mem(pc_ctx *ctx, void *p, size_t bytes);
int pc_bcast_int(pc_ctx *ctx, int *v, int n);
int pc_bcast_i64(pc_ctx *ctx, int64_t *v, int n);
int pc_bcast_u64(pc_ctx *ctx, uint64_t *v, int n);

/* ---- growable row buffers: Local; PC_ERR_MEM when memory runs out ---- */
typedef struct pc_buf {
  void *data;
  size_t n, cap, rowsize;
} pc_buf;
void pc_buf_init(pc_buf *b, size_t rowsize);
int pc_buf_reserve(pc_buf *b, size_t cap); /* at least cap rows, exactly when it grows */
int pc_buf_grow(pc_buf *b, size_t more);   /* room for `more` rows past n, growing by half */
void pc_buf_free(pc_buf *b);
/* b's rows (sorted by cmp) merged into a's (sorted by cmp), in place: a
 * holds both, sorted, a's first among equals. Local; PC_ERR_MEM (a's rows
 * unchanged). */
int pc_buf_merge(pc_buf *a, const pc_buf *b, int (*cmp)(const void *, const void *));

/* Collective, agreed: send rows[i] (n rows of rowsize bytes) to rank dest[i],
 * and append the rows received to out (whose rowsize must equal rowsize).
 * Rows go in rounds of at most ctx->round_bytes of sending per rank, so no
 * buffer is the size of the table and no MPI count exceeds 2^31; received
 * rows land directly in out. Received rows come by round, then source rank,
 * then their order at the source: callers that need an order sort. Rows sent equal rows received over all ranks
 * (checked; a mismatch is PC_ERR_MPI). out may be the block that holds rows
 * (rows received land after out->n, past the rows sent): it is never grown
 * then, and rows that do not fit its cap are PC_ERR_ARG. Adds bytes sent to
 * ctx->bytes_moved and returns them in *sent_bytes when not NULL. */
int pc_shuffle(pc_ctx *ctx, const void *rows, size_t n, size_t rowsize, const int *dest,
               pc_buf *out, uint64_t *sent_bytes);
/* As pc_shuffle, but the rows for this rank are not appended to out: the
 * caller takes them from rows itself (a copy saved where it can use them
 * where they are). They count as sent and received. */
int pc_shuffle_others(pc_ctx *ctx, const void *rows, size_t n, size_t rowsize, const int *dest,
                      pc_buf *out, uint64_t *sent_bytes);

/* Collective, agreed: one exchange of pieces whose places both sides know.
 * This rank sends rank q the scount[q] rows (of rowsize bytes) from row
 * sstart[q] of send; from each rank s it receives nb pieces, piece k of
 * rcount[s * nb + k] rows put at row rstart[s * nb + k] of recv (pieces of 0
 * rows allowed). What a pair sends and receives must match: the caller
 * derives both from counts every rank holds. Adds the bytes sent to others to
 * ctx->bytes_moved. PC_ERR_ARG for a piece of 2^31 rows, PC_ERR_MEM, PC_ERR_MPI. */
int pc_exchange_pieces(pc_ctx *ctx, size_t rowsize, const void *send, const uint64_t *sstart,
                       const uint64_t *scount, void *recv, size_t nb, const uint64_t *rstart,
                       const uint64_t *rcount);

#endif
