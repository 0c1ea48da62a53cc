/* pc_rowstream.h - a row table written by a thread while the rows are still being finished. */
#ifndef PC_ROWSTREAM_H
#define PC_ROWSTREAM_H

#include "pc_indexfile.h"

/* A thread behind a row table being written (pc_rows_out): rows[0..n) go to
 * the table's rows [at, at + n) in order, each as soon as the caller says it
 * is final (pc_rowstream_ready), in writes of tens of MB, while the caller
 * goes on finishing the next ones. The index's sort finishes its rows group
 * after group in row order, and the disk takes the finished ones meanwhile
 * (with io.direct, a direct write costs the processor little but its copy).
 * Every write but the last ends at a block of the file: a part of a block,
 * which goes through the page cache, cost a read of the block from the disk
 * first (tens of ms on this VM, two a write). The thread makes no MPI or
 * HDF5 call and records no error itself. */
typedef struct pc_rowstream pc_rowstream;

/* Local: start the thread (*s NULL when n is 0: nothing to write);
 * PC_ERR_MEM, PC_ERR_IO when no thread can start. w and rows must stay
 * until pc_rowstream_finish. */
int pc_rowstream_start(pc_rows_out *w, uint64_t at, const void *rows, uint64_t n,
                       pc_rowstream **s);
/* Local: as pc_rowstream_start, for rows made in the thread's own ring of
 * cap rows (n when fewer; rounded up to whole blocks of the file) instead of a whole
 * table in memory: row i is made at its slot, which pc_rowstream_room gives
 * once the row cap before it is written (k rows asked at once must leave
 * the ring a block's rows more). Every write but the last is of whole
 * blocks of the file, the block across the ring's end too. PC_ERR_MEM,
 * PC_ERR_IO. */
int pc_rowstream_start_ring(pc_rows_out *w, uint64_t at, uint64_t n, uint64_t cap,
                            pc_rowstream **s);
/* Local: where rows [from, from + k) of a ring are to be made (not across
 * its end: k dividing cap does), after waiting for the
 * rows there before to be written; NULL when the thread stopped on a failed
 * write (pc_rowstream_finish tells it). */
void *pc_rowstream_room(pc_rowstream *s, uint64_t from, uint64_t k);
/* Local, never fails: rows[0..upto) are final (upto never goes back). */
void pc_rowstream_ready(pc_rowstream *s, uint64_t upto);
/* Local: wait for the thread and free it (nothing when s is NULL). When
 * every row was made ready, returns once all are written: 0, or PC_ERR_IO
 * naming the table and the rows that failed (disk full?). Else (the caller
 * failed before) the thread stops after its current write: 0, unless a
 * write had failed. */
int pc_rowstream_finish(pc_rowstream *s);

#endif
