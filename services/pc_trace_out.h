/* pc_trace_out.h - trace's output file. */
#ifndef PC_TRACE_OUT_H
#define PC_TRACE_OUT_H

#include "pc_trace_rows.h"

/* Collective, agreed. Writes `output` through the output writer: /contacts
 * (rows [0, nc) of every rank's m) and /companions (rows [nc, nc + nm)), the
 * /breakdown cubes of the flagged persons by class and code, the `counts`
 * attribute (K, summed), as_of, dispatch_at, the dataset's path and identity,
 * the index (NULL: built in memory) and the cases file; the file appears
 * under its name only when every rank succeeded. Fails with the writer's error. */
int pc_trace_write(pc_tracer *t, const char *output, const char *index, int64_t dispatch_at,
                   pc_trace_rowmaker *m, const pc_trace_counts *K);

#endif
