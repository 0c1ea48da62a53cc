/* pc_bounds.h - what this machine can do per rank, all ranks at once: the speeds the phase table compares phases with. */
#ifndef PC_BOUNDS_H
#define PC_BOUNDS_H

#include <stddef.h>

#include "pc_mpi.h"

/* MB per second per rank, every rank working at once (the slowest rank's
 * time), best of a few repetitions. */
typedef struct pc_bounds {
  double memory;     /* memcpy between two touched buffers (bytes copied) */
  double touch;      /* first touch of fresh memory (page faults, zeroing) */
  double network;    /* MPI_Alltoall, bytes sent to other ranks (0 at one rank) */
  double write;      /* pwrite into a new file, page cache (no fsync) */
  double disk_write; /* the same with fsync: what reaches the device */
  double disk_read;  /* pread of it after its pages were dropped (POSIX_FADV_DONTNEED) */
  double read;       /* pread of it again, from the page cache */
  double remove;     /* unlink of rank 0's file (written with fsync) alone: what a job that
                        replaces its output pays after its commit (0: not measured) */
  int cold;          /* 1: the cold read really missed the cache (not faster than the warm one) */
} pc_bounds;

/* Collective, agreed: measure with `bytes` per rank (two buffers of that
 * size, one scratch file of that size per rank in `dir`, created exclusively
 * under an unpredictable name, mode 0600, removed before returning). */
int pc_bounds_measure(pc_ctx *ctx, const char *dir, size_t bytes, pc_bounds *b);

#endif
