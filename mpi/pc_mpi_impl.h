/* pc_mpi_impl.h - inside mpi/ only: the context's fields and the MPI error wrapper. */
#ifndef PC_MPI_IMPL_H
#define PC_MPI_IMPL_H

/* Only the files of mpi/ include this (tools/layers.sh holds it): the rest of the
 * program sees pc_ctx as opaque, so it names no MPI type and cannot reach
 * around the agreement by using the communicator. */
#include <mpi.h>

#include "pc_mpi.h"

/* Wrap an MPI call (in mpi/ only): on failure record the MPI error string with file/line. */
#define PC_MPI(expr)                                                                       \
  do {                                                                                     \
    int pc_mpi_rc_ = (expr);                                                               \
    if (pc_mpi_rc_ != MPI_SUCCESS) return pc_mpi_fail(pc_mpi_rc_, __FILE__, __LINE__, #expr); \
  } while (0)
/* Record an MPI failure (for PC_MPI); returns PC_ERR_MPI. Local, never fails. */
int pc_mpi_fail(int mpirc, const char *file, int line, const char *expr);

#define PC_MAX_PHASES 64

typedef struct pc_phase {
  char name[40];
  int depth;
  double seconds;
  uint64_t rows;   /* rows processed by this rank in the phase */
  uint64_t bytes;  /* bytes this rank sent to other ranks or read/wrote */
  int bound;       /* pc_bound: what its bytes are compared with in the phase table */
} pc_phase;

/* One per job and rank. Created by pc_ctx_create (collective), destroyed by
 * pc_ctx_destroy. */
struct pc_ctx {
  MPI_Comm comm;         /* duplicate of MPI_COMM_WORLD with MPI_ERRORS_RETURN */
  int rank, nranks;
  const char *job;       /* "synth", ... */
  double t0;             /* MPI_Wtime at start */
  size_t round_bytes;    /* send budget of one shuffle round per rank */
  int quiet;             /* 1: no log, progress or phase table; warnings only */
  pc_phase phases[PC_MAX_PHASES];
  int nphases, depth, open[8];
  uint64_t bytes_moved;  /* total shuffled by this rank */
  int node_ranks;        /* ranks on this rank's node, once asked (0: not yet) */
  uint64_t shuffle_rounds; /* all-to-all rounds taken (the same on every rank) */
  double bounds[PC_BOUND_N]; /* the machine's speeds per rank, MB/s (0: unknown) */
  double last_progress;  /* MPI_Wtime of the last progress line */
  const char *fail_phase;/* test hook PAICHA_FAIL_PHASE on rank PAICHA_FAIL_RANK */
  int fail_rank;
  char record[4200];     /* run record path ("" none), set by the job */
  char *record_extra;    /* JSON members the job adds to the run record (pc_record_add) */
  char *shuffle_win;     /* pc_shuffle's send window, kept between calls: a fresh
                            one per call costs a page fault per 4 kB every round */
  size_t shuffle_cap;
  const char *const *phase_names; /* the job's phase table (pc_phases_declare) */
  int phase_count;
  int phase_rc;          /* PC_PHASE: the status of the phase's call */
  double failure_wait;   /* seconds a failed rank waits at an agreement (pc_agree) */
  void (*on_stuck)(pc_ctx *); /* pc_ctx_on_stuck */
};

#endif
