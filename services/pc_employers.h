/* pc_employers.h - dispatch's lists per employer: each work unit's flagged staff and their counts by code. */
#ifndef PC_EMPLOYERS_H
#define PC_EMPLOYERS_H

#include <stddef.h>
#include <stdint.h>

#include "pc_file.h"
#include "pc_listform.h"
#include "pc_mpi.h"
#include "pc_schema.h"
#include "pc_sort.h"

/* The flagged persons of a dispatch by employer. An employer is the keyed id
 * of /persons.employer (the agencies' strings are not kept in the dataset:
 * the lists name employers by that id); persons without one (0, visitors)
 * are in no employer's list. Every rank lists the employers a mix of their
 * id gives it, their staff sent to it from wherever they were read; rank 0
 * writes the one file, fed the others' staff round by round. */
typedef struct pc_employers {
  uint64_t *emp;       /* pc_employers_join: the employer of each of this rank's rows (0 none) */
  pc_list_row *rows;   /* this rank's employers' staff: by employer, then red, yellow, the
                          others; township, community, exposure, subject */
  size_t n;
  pc_list_info *lists; /* one per employer of this rank (jurisdiction, short_code: its id),
                          by id */
  size_t nlists;
  size_t without;      /* this rank's rows of no employer */
  size_t staff, employers; /* pc_employers_write: over every rank */
} pc_employers;

/* The most bytes of the others' staff rank 0 holds at once while it writes
 * the employers' file: rounds of employers of one rank, at most this much
 * (a larger one alone). */
#define PC_EMPLOYERS_FEED_BYTES ((size_t)64 << 20)

/* Local: the employer of each of it[0..n) (E->emp, in the rows' order; byp:
 * the rows in pid order, as pc_sort_kv of (pid, row) gives) from data's
 * /persons, merged in pid order from the first of their pids, in chunks;
 * E->without. PC_ERR_MEM; fails as the reads do. */
int pc_employers_join(pc_file data, const pc_list_row *it, const pc_kv *byp, size_t n,
                      pc_employers *E);
/* Collective, agreed, after pc_employers_join: *bytes, what this rank will
 * hold for pc_employers_spread (the staff of its employers, with the sort's
 * room), for the memory check before they move. */
int pc_employers_need(pc_ctx *ctx, const pc_employers *E, size_t n, double *bytes);
/* Collective, agreed, after pc_employers_join: each employed row of it[0..n)
 * to its employer's rank (carrying the employer in its township_name, which
 * is cleared again: names are joined after), which makes its employers'
 * lists in place (E->rows, E->lists; E->emp freed). PC_ERR_MEM. */
int pc_employers_spread(pc_ctx *ctx, pc_list_row *it, size_t n, pc_employers *E);
/* Collective, agreed: in dir, employers.<batch>.h5 (a group per employer of
 * every rank: /<id>/list and its counts), written by rank 0 as the others
 * send it their staff a round at a time, and employers.csv (employer, count,
 * red, yellow, h5, group: one row per employer, by id); E->staff
 * and E->employers over every rank. PC_ERR_IO naming the file. */
int pc_employers_write(pc_ctx *ctx, pc_employers *E, const char *dir, const pc_list_batch *b);
/* Local, never fails: free what E holds. */
void pc_employers_free(pc_employers *E);

#endif
