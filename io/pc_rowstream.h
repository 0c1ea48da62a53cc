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
 * The thread makes no MPI or HDF5 call and records no error itself. */
typedef struct pc_rowstream pc_rowstream;

/* Local: start the thread (*s NULL when n is 0: nothing to write);
 * PC_ERR_MEM, PC_ERR_IO when no thread can start. w and rows must stay
 * until pc_rowstream_finish. */
int pc_rowstream_start(pc_rows_out *w, uint64_t at, const void *rows, uint64_t n,
                       pc_rowstream **s);
/* Local, never fails: rows[0..upto) are final (upto never goes back). */
void pc_rowstream_ready(pc_rowstream *s, uint64_t upto);
/* Local: wait for the thread and free it (nothing when s is NULL). When
 * every row was made ready, returns once all are written: 0, or PC_ERR_IO
 * naming the table and the rows that failed (disk full?). Else (the caller
 * failed before) the thread stops after its current write: 0. */
int pc_rowstream_finish(pc_rowstream *s);

#endif
