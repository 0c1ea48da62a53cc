/* pc_indexfile.c - the HDF5 calls of the index: its uint64 arrays, root attributes, open. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pc_indexfile.h"

#include <stdlib.h>

#include "pc_err.h"
#include "pc_fdio.h"
#include "pc_schema.h"

int pc_indexfile_open(pc_ctx *ctx, const char *path, pc_file *f) {
  return pc_h5_open_read(ctx, path, f);
}

void pc_indexfile_close(pc_file f) {
  if (f >= 0) H5Fclose(f);
}

int pc_indexfile_has_attr(pc_file f, const char *name) {
  return H5Aexists(f, name) > 0;
}

int pc_indexfile_attr_u64(pc_file f, const char *name, uint64_t *v) {
  return pc_h5_attr_read_u64(f, name, v);
}

int pc_indexfile_attr_i64(pc_file f, const char *name, int64_t *v) {
  return pc_h5_attr_read_i64(f, name, v);
}

int pc_indexfile_has(pc_file f, const char *name) { return H5Lexists(f, name, H5P_DEFAULT) > 0; }

/* Rows of table `name` of f; 0 when there is none. */
static int table_rows(pc_file f, const char *name, uint64_t *n) {
  *n = 0;
  if (!pc_indexfile_has(f, name)) return 0;
  hid_t d;
  PC_CALL(pc_h5_dset_open(f, name, &d, n));
  H5Dclose(d);
  return 0;
}

int pc_indexfile_same_data(pc_file f, pc_file data, uint64_t want[4], uint64_t have[4],
                           int *same) {
  static const char *const attrs[4] = {"data_persons", "data_identities", "data_stays",
                                       "data_stays_checksum"};
  static const char *const tables[3] = {"persons", "identities", "stays"};
  memset(want, 0, 4 * sizeof *want);
  memset(have, 0, 4 * sizeof *have);
  *same = 0;
  for (int i = 0; i < 4; i++)
    if (!pc_indexfile_has_attr(f, attrs[i]) || pc_h5_attr_read_u64(f, attrs[i], &want[i]))
      return -1 - i;
  for (int i = 0; i < 3; i++) PC_CALL(table_rows(data, tables[i], &have[i]));
  if (pc_indexfile_has_attr(data, "stays_checksum"))
    PC_CALL(pc_h5_attr_read_u64(data, "stays_checksum", &have[3]));
  *same = memcmp(want, have, 4 * sizeof *want) == 0;
  return 0;
}

int pc_indexfile_of_data(pc_file f, const char *index_path, pc_file data, const char *data_path,
                         uint64_t have_out[4]) {
  static const char *const attrs[4] = {"data_persons", "data_identities", "data_stays",
                                       "data_stays_checksum"};
  uint64_t want[4], have[4];
  int same = 0, rc = pc_indexfile_same_data(f, data, want, have, &same);
  if (rc < 0)
    return PC_ERROR(PC_ERR_DATA, "%s: the index has no %s (damaged?)", index_path, attrs[-1 - rc]);
  PC_CALL(rc);
  if (have_out) memcpy(have_out, have, sizeof have);
  if (!same)
    return PC_ERROR(PC_ERR_DATA,
                    "%s was built from another dataset than %s (persons %llu/%llu, stays "
                    "%llu/%llu, checksum %016llx/%016llx): rebuild it with `paicha index`",
                    index_path, data_path, (unsigned long long)want[0],
                    (unsigned long long)have[0], (unsigned long long)want[2],
                    (unsigned long long)have[2], (unsigned long long)want[3],
                    (unsigned long long)have[3]);
  return 0;
}

/* Entries [a, b) of dataset d into buf + a; a damaged one is PC_ERR_IO naming the file. */
static int read_range(hid_t d, uint64_t *buf, size_t a, size_t b) {
  return b <= a ? 0 : pc_h5_dset_read(d, H5T_NATIVE_UINT64, a, b - a, buf + a);
}

/* Entries [a, b) of the 1-D uint64 dataset `name` of f, which must hold n
 * of them, into buf + a, and with `last` the last entry too; buf NULL: into
 * an array of n made here (*out; calloc, so that a block this size comes
 * straight from the system and its pages not read are never touched). */
static int read_u64s(pc_file f, const char *name, size_t n, size_t a, size_t b, int last,
                     uint64_t *buf, uint64_t **out) {
  hid_t d;
  uint64_t rows;
  if (out) *out = NULL;
  PC_CALL(pc_h5_dset_open(f, name, &d, &rows));
  int rc = 0;
  char fname[1024] = "?";
  H5Fget_name(f, fname, sizeof fname);
  if (rows != n || a > b || b > n)
    rc = PC_ERROR(PC_ERR_IO, "%s: %s has %llu entries, expected %zu (damaged index?)", fname, name,
                  (unsigned long long)rows, n);
  if (!rc && !buf && !(buf = pc_calloc(n, sizeof *buf, name))) rc = PC_ERR_MEM;
  if (!rc) rc = read_range(d, buf, a, b);
  if (!rc && last && b < n) rc = read_range(d, buf, n - 1, n);
  if (out && rc) free(buf);
  else if (out) *out = buf;
  H5Dclose(d);
  return rc;
}

int pc_indexfile_read_u64s(pc_file f, const char *name, size_t n, uint64_t **out) {
  return read_u64s(f, name, n, 0, n, 0, NULL, out);
}

int pc_indexfile_read_u64s_part(pc_file f, const char *name, size_t n, size_t a, size_t b,
                                uint64_t **out) {
  return read_u64s(f, name, n, a, b, 1, NULL, out);
}

int pc_indexfile_read_u64s_into(pc_file f, const char *name, size_t n, size_t a, size_t b,
                                uint64_t *buf) {
  return read_u64s(f, name, n, a, b, 0, buf, NULL);
}

int pc_indexfile_length(pc_file f, const char *name, uint64_t *n) {
  hid_t d;
  PC_CALL(pc_h5_dset_open(f, name, &d, n));
  H5Dclose(d);
  return 0;
}

int pc_indexfile_table_u64s(pc_out *out, const char *name, const uint64_t *v, size_t n,
                            const char *description) {
  return pc_out_table(out, name, H5T_NATIVE_UINT64, v, pc_rank(out->ctx) == 0 ? n : 0,
                      description);
}

int pc_indexfile_write_u64s(pc_ctx *ctx, pc_file f, const char *name, const uint64_t *v,
                            size_t n) {
  uint64_t dims[1] = {n};
  return pc_h5_write_array0(ctx, f, name, H5T_NATIVE_UINT64, 1, dims,
                            pc_rank(ctx) == 0 ? v : NULL, 0);
}

int pc_indexfile_rows_create(pc_out *out, const pc_schema *s, uint64_t nrows,
                             const char *description, pc_file *dset) {
  return pc_out_dset(out, s->name, pc_schema_type(s), nrows, PC_OUT_CONTIGUOUS, description,
                     dset);
}

int pc_indexfile_rows_open(const pc_out *out, pc_file dset, const pc_schema *s, uint64_t nrows,
                           pc_rows_out *w) {
  memset(w, 0, sizeof *w);
  w->raw.fd = w->dfd = -1;
  w->raw.nrows = nrows;
  w->raw.rowsize = s->rowsize;
  w->table = s->name;
  H5Fget_name(out->file, w->raw.what, sizeof w->raw.what);
  if (nrows == 0) return 0;
  /* Contiguous, allocated when created (parallel HDF5), never filled: its
   * bytes are ours to write with pwrite, as pc_raw_read reads them. */
  haddr_t off = H5Dget_offset(dset);
  if (off == HADDR_UNDEF)
    return PC_ERROR(PC_ERR_IO, "%s: table %s has no storage to write", w->raw.what, s->name);
  w->raw.offset = (uint64_t)off;
  w->raw.fd = open(w->raw.what, O_WRONLY | O_CLOEXEC);
  if (w->raw.fd < 0)
    return PC_ERROR(PC_ERR_IO, "%s: cannot open to write %s: %s", w->raw.what, s->name,
                    strerror(errno));
  /* A file system without O_DIRECT (tmpfs, some network ones) says EINVAL:
   * the page cache then takes every write, as with io.direct false. */
  if (out->direct && nrows * s->rowsize >= 2 * PC_DIRECT_ALIGN) {
    if (posix_memalign(&w->bounce, PC_DIRECT_ALIGN, PC_DIRECT_BOUNCE) != 0)
      return PC_ERROR(PC_ERR_MEM, "out of memory for the direct writes of %s", s->name);
    w->dfd = open(w->raw.what, O_WRONLY | O_CLOEXEC | O_DIRECT);
  }
  return 0;
}

int pc_indexfile_rows_fit(const pc_rows_out *w, uint64_t row, uint64_t n) {
  if (row + n > w->raw.nrows)
    return PC_ERROR(PC_ERR_IO, "%s: rows %llu..%llu beyond the end", w->raw.what,
                    (unsigned long long)row, (unsigned long long)(row + n));
  return 0;
}

int pc_indexfile_bytes_put(pc_rows_out *w, uint64_t off, size_t n, const void *bytes) {
  errno = 0;
  if (pc_pwrite_direct(w->raw.fd, w->dfd, w->bounce, bytes, n, w->raw.offset + off) == 0) return 0;
  return errno ? errno : EIO;
}

int pc_indexfile_rows_failed(const pc_rows_out *w, uint64_t row, uint64_t end, int err) {
  return PC_ERROR(PC_ERR_IO, "%s: write of /%s rows %llu..%llu failed: %s (disk full?)",
                  w->raw.what, w->table ? w->table : "?", (unsigned long long)row,
                  (unsigned long long)end, strerror(err));
}

int pc_indexfile_rows_write(pc_rows_out *w, uint64_t row, size_t n, const void *rows) {
  PC_CALL(pc_indexfile_rows_fit(w, row, n));
  const int err = pc_indexfile_bytes_put(w, row * w->raw.rowsize, n * w->raw.rowsize, rows);
  return err ? pc_indexfile_rows_failed(w, row, row + n, err) : 0;
}

void pc_indexfile_rows_close(pc_rows_out *w) {
  pc_raw_close(&w->raw);
  if (w->dfd >= 0) close(w->dfd);
  w->dfd = -1;
  free(w->bounce);
  w->bounce = NULL;
}

int pc_indexfile_rows_table(pc_out *out, const pc_schema *s, uint64_t total, uint64_t at,
                            size_t n, const void *rows, const char *description) {
  pc_file dset = -1;
  PC_CALL(pc_indexfile_rows_create(out, s, total, description, &dset));
  pc_rows_out w;
  int rc = pc_indexfile_rows_open(out, dset, s, total, &w);
  if (!rc && n) rc = pc_indexfile_rows_write(&w, at, n, rows);
  pc_indexfile_rows_close(&w);
  pc_indexfile_dset_close(dset);
  return pc_agree(out->ctx, rc);
}

void pc_indexfile_dset_close(pc_file dset) {
  if (dset >= 0) H5Dclose(dset);
}
