/* pc_ingestfile.c - tables ingest fills in pieces of its own (file by file, in rounds), over pc_out. */
#include "pc_ingestfile.h"

int pc_ingestfile_open(pc_out *out, const char *name, const pc_schema *s, uint64_t nglobal,
                       int layout, const char *description, pc_ingestfile_table *t) {
  t->ctx = out->ctx;
  t->schema = s;
  t->raw = 0;
  t->w = (pc_rows_out){.raw = {.fd = -1}, .dfd = -1};
  PC_CALL(pc_out_dset(out, name, pc_schema_type(s), nglobal, layout, description, &t->dset));
  if (layout != PC_OUT_CONTIGUOUS) return 0;
  t->raw = 1;
  return pc_agree(t->ctx, pc_indexfile_rows_open(out, t->dset, s, nglobal, &t->w));
}

int pc_ingestfile_write(pc_ingestfile_table *t, uint64_t start, size_t n, const void *rows) {
  if (t->raw) /* the same on every rank: a caller's slip, not the data's */
    return pc_agree(t->ctx, PC_ERROR(PC_ERR_ARG, "a contiguous table is written by a "
                                     "pc_rowstream over its pc_rows_out"));
  return pc_agree(t->ctx, pc_h5_dset_write(t->ctx, t->dset, pc_schema_type(t->schema), start, n,
                                           rows));
}

void pc_ingestfile_close(pc_ingestfile_table *t) {
  if (t->raw) pc_indexfile_rows_close(&t->w);
  t->raw = 0;
  if (t->dset >= 0) H5Dclose(t->dset);
  t->dset = -1;
}
