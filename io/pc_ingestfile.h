/* pc_ingestfile.h - tables ingest fills in pieces of its own (file by file, in rounds), over pc_out. */
#ifndef PC_INGESTFILE_H
#define PC_INGESTFILE_H

#include "pc_indexfile.h"
#include "pc_out.h"

/* A table of an output being filled: created empty with its global row
 * count, written piece by piece, closed. The caller never sees HDF5. */
typedef struct pc_ingestfile_table {
  pc_ctx *ctx;
  const pc_schema *schema;
  hid_t dset; /* -1: none */
  int raw;    /* contiguous: written with pwrite through w, past the page cache (io.direct) */
  pc_rows_out w;
} pc_ingestfile_table;

/* Collective, agreed (pc_out_dset): an empty table `name` of nglobal rows
 * of schema s in out, with the layout (PC_OUT_PLAIN, PC_OUT_CHUNKED or
 * PC_OUT_CONTIGUOUS) and description; a contiguous one is then written by a
 * thread given t->w (pc_rowstream: ingest's /stays, its whole blocks with
 * O_DIRECT when io.direct), the others with pc_ingestfile_write.
 * On failure t holds nothing (closing it is still fine). */
int pc_ingestfile_open(pc_out *out, const char *name, const pc_schema *s, uint64_t nglobal,
                       int layout, const char *description, pc_ingestfile_table *t);
/* Collective, agreed: this rank's n rows (n may be 0) at global row start
 * of a table not contiguous (a contiguous one: an error). */
int pc_ingestfile_write(pc_ingestfile_table *t, uint64_t start, size_t n, const void *rows);
/* Local: closes the table (nothing open: nothing done); never fails. */
void pc_ingestfile_close(pc_ingestfile_table *t);

#endif
