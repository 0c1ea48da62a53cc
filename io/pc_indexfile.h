/* pc_indexfile.h - the HDF5 side of the index file (and its dataset): arrays, attributes, open. */
#ifndef PC_INDEXFILE_H
#define PC_INDEXFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_h5.h"
#include "pc_mpi.h"
#include "pc_out.h"
#include "pc_schema.h"
#include "pc_types.h"

/* Collective, agreed: open an existing file for reading (pc_h5_open_read:
 * a clear PC_ERR_IO naming a missing, unreadable or non-HDF5 file). */
int pc_indexfile_open(pc_ctx *ctx, const char *path, pc_file *f);
/* Local, never fails: close f (nothing when negative). */
void pc_indexfile_close(pc_file f);

/* Local: whether attribute `name` of the root of f exists (0 when it does
 * not or cannot be asked). */
int pc_indexfile_has_attr(pc_file f, const char *name);
/* Local: 1 when the file holds a dataset (or any link) `name`, else 0. */
int pc_indexfile_has(pc_file f, const char *name);
/* Local: read an integer attribute of the root of f; PC_ERR_IO naming it
 * when absent. */
int pc_indexfile_attr_u64(pc_file f, const char *name, uint64_t *v);
int pc_indexfile_attr_i64(pc_file f, const char *name, int64_t *v);

/* Local: the index f (at index_path) was built from the dataset `data`: the
 * identity it records (data_persons, data_identities, data_stays,
 * data_stays_checksum) equals the dataset's own (rows of /persons,
 * /identities, /stays — a missing table 0 — and its stays_checksum), which
 * goes into have[4] (may be NULL). Else PC_ERR_DATA: "INDEX was built from
 * another dataset than DATA (...): rebuild it with `paicha index`", or, an
 * attribute missing, "INDEX: the index has no ATTR (damaged?)". The one
 * comparison trace, screen's paths check and append make. */
int pc_indexfile_of_data(pc_file f, const char *index_path, pc_file data, const char *data_path,
                         uint64_t have[4]);

/* Local: the same comparison without an error: *same is 1 when the identity
 * the index f records (want[4]) equals the dataset's (have[4]). Returns 0,
 * -1-i when the index lacks attribute i (an index of an earlier version or
 * damaged; no error recorded), or PC_ERR_IO reading the dataset. */
int pc_indexfile_same_data(pc_file f, pc_file data, uint64_t want[4], uint64_t have[4],
                           int *same);

/* Collective, agreed: an empty contiguous table of schema s (its name and
 * rows) of nrows rows in the output, filled through pc_indexfile_rows_open
 * (then closed with pc_indexfile_dset_close); fails as pc_out_dset. */
int pc_indexfile_rows_create(pc_out *out, const pc_schema *s, uint64_t nrows,
                             const char *description, pc_file *dset);
/* A row table being written: the file opened for pwrite (raw: its fd,
 * offset, rows of s->rowsize bytes), and opened again with O_DIRECT for the
 * whole 4 KB blocks of each write (io.direct; the job never reads these
 * gigabytes back, and fresh page-cache pages cost more than the disk). */
typedef struct pc_rows_out {
  pc_raw raw;
  int dfd;      /* O_DIRECT; -1 when io.direct is false or the file system refuses it */
  void *bounce; /* PC_DIRECT_BOUNCE aligned bytes the direct writes copy through */
  const char *table; /* its name, for messages */
} pc_rows_out;
/* Local: that table of out opened for writing (pc_indexfile_rows_close
 * closes it); PC_ERR_IO naming the file, PC_ERR_MEM. */
int pc_indexfile_rows_open(const pc_out *out, pc_file dset, const pc_schema *s, uint64_t nrows,
                           pc_rows_out *w);
/* Local: rows [row, row + n) of it written with pwrite (each rank its own
 * pieces: thousands of small ones, which HDF5's per-call selections made
 * 3x slower); PC_ERR_IO (disk full?). */
int pc_indexfile_rows_write(pc_rows_out *w, uint64_t row, size_t n, const void *rows);
/* Its three steps, for a writer that must not record errors itself (a
 * thread: pc_rowstream). Local. fit: PC_ERR_IO when rows [row, row + n) are
 * beyond the table. bytes_put: the write alone of n bytes at byte off of
 * the table (a part of a row at either end is allowed), recording nothing;
 * 0 or the errno of the failure (EIO when none was set). failed: records
 * the failure of rows [row, end) with errno err; returns PC_ERR_IO. */
int pc_indexfile_rows_fit(const pc_rows_out *w, uint64_t row, uint64_t n);
int pc_indexfile_bytes_put(pc_rows_out *w, uint64_t off, size_t n, const void *bytes);
int pc_indexfile_rows_failed(const pc_rows_out *w, uint64_t row, uint64_t end, int err);
/* Local, never fails; safe on a closed or failed writer. */
void pc_indexfile_rows_close(pc_rows_out *w);
/* Collective, agreed: a whole row table of schema s, `total` rows, in one
 * go: created (pc_indexfile_rows_create), this rank's n rows written at row
 * `at`, closed. */
int pc_indexfile_rows_table(pc_out *out, const pc_schema *s, uint64_t total, uint64_t at,
                            size_t n, const void *rows, const char *description);
/* Local, never fails: close a dataset (nothing when negative). */
void pc_indexfile_dset_close(pc_file dset);

/* Local: read the 1-D uint64 dataset `name` of f, which must hold exactly n
 * entries, into a malloc'd array *out (the caller frees; NULL on failure).
 * A wrong length is PC_ERR_IO naming the file and the dataset (damaged
 * index?), a failed read PC_ERR_IO naming the dataset. */
int pc_indexfile_read_u64s(pc_file f, const char *name, size_t n, uint64_t **out);
/* Local: pc_indexfile_read_u64s of entries [a, b) and the last one only, each
 * at its own index of an array of n entries (the others 0, and never
 * touched: a rank reads its part of a directory, at the memory of its part). */
int pc_indexfile_read_u64s_part(pc_file f, const char *name, size_t n, size_t a, size_t b,
                                uint64_t **out);
/* Local: entries [a, b) of that dataset (n entries) into buf[a..b). */
int pc_indexfile_read_u64s_into(pc_file f, const char *name, size_t n, size_t a, size_t b,
                                uint64_t *buf);
/* Local: the length of the 1-D dataset `name` of f; PC_ERR_IO naming it
 * when it cannot be opened or is not 1-D. */
int pc_indexfile_length(pc_file f, const char *name, uint64_t *n);
/* Collective, agreed: rank 0's n entries v (the other ranks' none) as the
 * 1-D uint64 table `name` of out, chunked and compressed as io.deflate says
 * (pc_out_table), with its description. */
int pc_indexfile_table_u64s(pc_out *out, const char *name, const uint64_t *v, size_t n,
                            const char *description);
/* Collective, agreed: write rank 0's n entries v (other ranks' v unused) as
 * the contiguous 1-D uint64 dataset `name` of f (pc_h5_write_array0). */
int pc_indexfile_write_u64s(pc_ctx *ctx, pc_file f, const char *name, const uint64_t *v,
                            size_t n);

#endif
