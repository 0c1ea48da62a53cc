/* pc_tracefile.h - trace's files in HDF5: the dataset's window and places, the /contacts and /companions tables. */
#ifndef PC_TRACEFILE_H
#define PC_TRACEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_mpi.h"
#include "pc_out.h"
#include "pc_schema.h"

/* What trace reads of a dataset besides its tables. */
typedef struct pc_trace_window {
  int64_t start, end; /* window_start, window_end */
  int64_t as_of;      /* the dataset's, unless the caller gave one */
  uint64_t persons;   /* the `persons` attribute */
} pc_trace_window;

/* Collective, agreed: opens the dataset `path` into *file, reads its window,
 * its as_of when read_as_of (else w->as_of is left as given) and its person
 * count, and opens /stays for raw reads into *stays. Fails with PC_ERR_IO
 * or the attribute's or schema's error; *file is then still the caller's to
 * close (pc_tracefile_close) when it was opened. */
int pc_tracefile_open(pc_ctx *ctx, const char *path, int read_as_of, hid_t *file,
                      pc_trace_window *w, pc_raw *stays);
/* Local, never fails: closes a dataset opened by pc_tracefile_open (none: file <= 0). */
void pc_tracefile_close(hid_t file);

/* Local: every place of the dataset, sorted by id, into *places (the
 * caller's to free), or none when the dataset has no /places (names are
 * optional). PC_ERR_DATA naming path when they are not sorted by id. */
int pc_tracefile_places(hid_t file, const char *path, pc_place **places, size_t *n);

/* Collective, agreed (through out): the tables /contacts (rows [0, nc) of
 * each rank, made by fn, with their description) and /companions (rows
 * [nc, nc + nm)); fn(arg, first, n, rows) makes rows [first, first + n). */
int pc_tracefile_write_rows(pc_out *out, pc_out_rows_fn fn, void *arg, size_t nc, size_t nm);

#endif
