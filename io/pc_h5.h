/* pc_h5.h - parallel HDF5: atomic output files, collective table writes, attributes, scales. */
#ifndef PC_H5_H
#define PC_H5_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "pc_file.h"
#include "pc_mpi.h"


/* An output file being written: created under a temporary name next to the
 * final path and renamed only when every rank succeeded, so a reader never
 * sees half a file and a failed run leaves the previous result untouched. */
typedef struct pc_h5out {
  hid_t file;
  char path[4096];
  char tmp[4200];
} pc_h5out;

/* Collective, agreed. Creates "<dir>/.<name>.tmp.<host>.<pid>.<random>" (the same
 * name on every rank, see pc_atomic_tmp) exclusively (H5F_ACC_EXCL), mode
 * per the process umask (0600 by default, see main.c). Fails (agreed) when
 * the directory is not writable or other accounts can write it
 * (pc_dir_check). */
int pc_h5_create(pc_ctx *ctx, const char *path, pc_h5out *out);
/* Collective, agreed. Closes the file; when rc_in is 0 on every rank, rank 0
 * renames it to the final path; otherwise removes the temporary. Returns the
 * agreed status (rc_in itself when it was non-zero here). */
int pc_h5_commit(pc_ctx *ctx, pc_h5out *out, int rc_in);
/* Collective, agreed: pc_h5_commit's first half - the file closed (emptied
 * first when rc_in is not 0 on some rank), not yet renamed. Then
 * pc_atomic_commit(ctx, out->tmp, out->path, rc) renames it or removes it. */
int pc_h5_close(pc_ctx *ctx, pc_h5out *out, int rc_in);
/* Local: room taken ahead for `more` bytes of writes to file (its temporary
 * path tmp, path named in the message) and for the metadata H5Fclose writes
 * last: its blocks allocated up to its end of allocation + more + twice the
 * metadata cache + 1 MB (a failing flush crashes HDF5 at MPI_Finalize).
 * PC_ERR_IO "disk full" when there is none ("cannot close" when more is 0):
 * then close it emptied, or as it is when an earlier call's room covers what
 * was written since (pc_h5_close_local's ahead). *reserved: blocks past its
 * size were taken, given back after the close by pc_h5_drop_reserve(tmp). */
int pc_h5_room(hid_t file, const char *tmp, const char *path, size_t more, int *reserved);
void pc_h5_drop_reserve(const char *tmp);
/* Local: H5Fclose of a file one rank wrote alone (path), with its close's
 * room taken first; failed (a write or pc_h5_room failed: its caller removes
 * it): closed as it is when its room was taken ahead of every write (ahead),
 * else emptied first. PC_ERR_IO saying so; file < 0: nothing. */
int pc_h5_close_local(hid_t file, const char *path, int failed, int ahead);
/* Local (one rank, the others waiting): the closed temporary file opened
 * again without MPI-IO, to write chunks made by the ranks (pc_h5_write_chunk). */
int pc_h5_reopen_local(const pc_h5out *out, hid_t *file);
/* Local: one chunk of a 1-D chunked table, made with every filter of the
 * table applied (pc_chunk_pack), written as it is at the chunk's first row. */
int pc_h5_write_chunk(hid_t dset, uint64_t row, const void *bytes, size_t len);

/* Collective, agreed: open an existing file for reading (MPI-IO). A missing
 * or unreadable file, or one that is not HDF5, is a clear PC_ERR_IO naming it. */
int pc_h5_open_read(pc_ctx *ctx, const char *path, hid_t *file);

/* A fixed-length string type of `size` bytes, NUL-padded, UTF-8. Caller closes. Local. */
hid_t pc_h5_str_type(size_t size);

/* Collective (not agreed): create a 1-D dataset of nglobal rows, chunked by chunk_rows
 * (shuffle + deflate level `deflate` when > 0, and always the Fletcher32
 * checksum of each chunk, verified by HDF5 on every read; contiguous when
 * nglobal == 0 or chunk_rows == 0: those are read raw, see pc_raw_open). */
int pc_h5_dset_create(pc_ctx *ctx, hid_t loc, const char *name, hid_t type, uint64_t nglobal,
                      size_t chunk_rows, int deflate, hid_t *dset);
/* Collective (not agreed): each rank writes its n rows (n may be 0) at global row `start`. */
int pc_h5_dset_write(pc_ctx *ctx, hid_t dset, hid_t type, uint64_t start, size_t n,
                     const void *buf);
/* Local (independent): read n rows from global row start into buf. A chunk's
 * worth of rows or more of a chunked table of a file opened by
 * pc_h5_open_read or pc_h5_open_serial, its file type `type`, in chunks of
 * 256 KB or more stored as its rows are (no filter but Fletcher32) or as this
 * project compresses them (shuffle, deflate, Fletcher32), are read from the
 * file's bytes and verified here, at several times HDF5's pace; any other
 * read through HDF5. A checksum that does
 * not verify is PC_ERR_IO naming the file and the table, either way. */
int pc_h5_dset_read(hid_t dset, hid_t type, uint64_t start, size_t n, void *buf);
/* Local: open the HDF5 file at path read-only, serially (HDF5's sec2 driver,
 * no MPI), as a file pc_h5_dset_read may read chunks of itself. 0 or PC_ERR_IO. */
int pc_h5_open_serial(const char *path, hid_t *file);
/* Local: the chunks pc_h5_dset_read has read from the file's bytes so far in
 * this process (the tests' way to tell its two readers apart). */
unsigned long long pc_h5_plain_chunks_read(void);
/* Local: open a 1-D dataset and give its rows (nrows may be NULL); a clear
 * error naming file and dataset. */
int pc_h5_dset_open(hid_t file, const char *name, hid_t *dset, uint64_t *nrows);

/* Collective, agreed: each rank writes its n_local rows at global row start,
 * in rounds of bounded size (every rank takes part in every round). */
int pc_h5_dset_write_rows(pc_ctx *ctx, hid_t dset, hid_t type, uint64_t start, const void *rows,
                          size_t n_local);
/* Collective, agreed: write an N-D array held on rank 0 (others pass NULL); chunked
 * with shuffle, deflate and Fletcher32 when deflate > 0, else contiguous. */
int pc_h5_write_array0(pc_ctx *ctx, hid_t loc, const char *name, hid_t type, int ndims,
                       const uint64_t *dims, const void *data, int deflate);
/* Collective (not agreed): make dataset `scale` a dimension scale (named after the dataset's last path
 * component), attach it to axis `axis` of dataset `dset` and label that axis `label`
 * (both paths relative to loc). Not agreed. */
int pc_h5_attach_scale(hid_t loc, const char *dset, const char *scale, unsigned axis,
                       const char *label);

/* Attributes: collective on parallel files (every rank makes the same call),
 * not agreed; PC_ERR_IO naming the attribute. */
int pc_h5_attr_str(hid_t loc, const char *name, const char *value);
int pc_h5_attr_i64(hid_t loc, const char *name, int64_t v);
int pc_h5_attr_u64(hid_t loc, const char *name, uint64_t v);
int pc_h5_attr_i32_array(hid_t loc, const char *name, const int32_t *v, size_t n);
/* Local: read a string attribute into a malloc'd string (the caller frees);
 * PC_ERR_IO naming it when absent. */
int pc_h5_attr_read_str(hid_t loc, const char *name, char **out);
int pc_h5_attr_read_i64(hid_t loc, const char *name, int64_t *v);
int pc_h5_attr_read_u64(hid_t loc, const char *name, uint64_t *v);

/* Root attributes every output carries: tool version, job, effective config,
 * ranks, run start time (rank 0's clock), Slurm job id when present.
 * Collective, not agreed. */
int pc_h5_stamp(pc_ctx *ctx, hid_t file, const char *effective_config);

#endif
