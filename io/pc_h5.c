/* pc_h5.c - parallel HDF5 helpers: every write collective, every output atomic. */
#include "pc_h5.h"
#include "pc_comm.h"
#include "pc_textout.h"

#include <errno.h>
#include <hdf5_hl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "pc_chunk.h"
#include "pc_fdio.h"
#include "pc_index.h"
#include "pc_province.h"
#include "pc_types.h"

#ifndef PC_VERSION
#define PC_VERSION "0.1.0"
#endif

#define H5CHK(expr, ...)                                                                   \
  do {                                                                                     \
    if ((expr) < 0) return PC_ERROR(PC_ERR_IO, __VA_ARGS__);                               \
  } while (0)

/* Rows written per rank in one collective call: bounded so no MPI-IO request
 * passes 2 GB and the temporary buffers of HDF5 stay small. */
#define PC_H5_ROUND_BYTES ((size_t)256 << 20)

static int quiet_hdf5 = 0;
static void h5_quiet(void) {
  /* HDF5 prints a stack of internal errors for any failed call; our messages
   * name the file and the dataset instead. PAICHA_HDF5_DEBUG=1 keeps them. */
  if (!quiet_hdf5) {
    if (!getenv("PAICHA_HDF5_DEBUG")) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    quiet_hdf5 = 1;
  }
}

int pc_h5_create(pc_ctx *ctx, const char *path, pc_h5out *out) {
  h5_quiet();
  memset(out, 0, sizeof *out);
  out->file = -1;
  if (strlen(path) >= sizeof out->path) return PC_ERROR(PC_ERR_ARG, "output path too long");
  snprintf(out->path, sizeof out->path, "%s", path);
  PC_CALL(pc_atomic_tmp(ctx, path, out->tmp, sizeof out->tmp));
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, pc_ctx_comm(ctx), pc_ctx_io_info(ctx));
  /* Collective metadata ops keep ranks from each reading the same metadata. */
  H5Pset_all_coll_metadata_ops(fapl, 1);
  H5Pset_coll_metadata_write(fapl, 1);
  /* Exclusive: never opens what is already there (a planted file or link). */
  errno = 0;
  out->file = H5Fcreate(out->tmp, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  int rc = 0, err = errno;
  char why[4400];
  /* Through MPI-IO the cause is often lost (EBADF): the directory tells it. */
  if (out->file < 0)
    rc = PC_ERROR(PC_ERR_IO, "cannot create output %s: %s", path,
                  pc_err_create_why(out->tmp, err == EBADF ? 0 : err, why, sizeof why));
  return pc_agree(ctx, rc);
}

/* Room for the close: H5Fclose writes the metadata still in the cache, and
 * a write that fails there on a full disk (or quota) leaves HDF5 hung in a
 * collective call or crashing at MPI_Finalize (seen: a 224 kB file system
 * that held every table; dispatch's lists on a full one). So the file's
 * blocks are first allocated up to its end of allocation plus twice the
 * metadata cache plus 1 MB, past its size (FALLOC_FL_KEEP_SIZE: the holes
 * below too). No room: "disk full", and the caller empties the file before
 * the close. Where the file system has no fallocate, statvfs's free space is
 * compared instead. *reserved: the blocks past the size were taken
 * (pc_h5_drop_reserve gives them back). */
int pc_h5_room(hid_t file, const char *tmp, const char *path, size_t more, int *reserved) {
  haddr_t eoa = 0;
  size_t cache = 0;
  *reserved = 0;
  if (H5Fget_eoa(file, &eoa) < 0) eoa = 0;
  if (H5Fget_mdc_size(file, NULL, NULL, &cache, NULL) < 0) cache = 0;
  const off_t need = (off_t)more + (off_t)(2 * cache) + ((off_t)1 << 20);
  int e = 0, fd = open(tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) e = errno;
  else {
    if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)eoa + need) != 0) e = errno;
    else *reserved = 1;
    close(fd);
  }
  struct statvfs vs;
  char d[4200];
  snprintf(d, sizeof d, "%s", tmp);
  if (e && e != ENOSPC && e != EDQUOT && statvfs(dirname(d), &vs) == 0 &&
      (double)vs.f_bavail * (double)vs.f_frsize < (double)need)
    e = ENOSPC;
  if ((e == ENOSPC || e == EDQUOT) && !more)
    return PC_ERROR(PC_ERR_IO, "cannot close %s: disk full (%s): no room for the %.1f MB of "
                    "metadata HDF5 writes last", path, strerror(e), (double)need / 1e6);
  if (e == ENOSPC || e == EDQUOT)
    return PC_ERROR(PC_ERR_IO, "cannot write %s: disk full (%s): no room for %.1f MB more",
                    path, strerror(e), (double)need / 1e6);
  return 0;
}

/* Rank 0 of pc_h5_close, every rank closed. */
static int reserve_close(pc_ctx *ctx, pc_h5out *out, int *reserved) {
  int rc = 0;
  *reserved = 0;
  if (pc_rank(ctx) == 0) rc = pc_h5_room(out->file, out->tmp, out->path, 0, reserved);
  return pc_agree(ctx, rc);
}

void pc_h5_drop_reserve(const char *tmp) {
  struct stat st;
  if (stat(tmp, &st) != 0) return;
  /* Failing, the file keeps its reserve, or one zero byte past its end
   * (HDF5 reads a file longer than its end of allocation as it is). */
  if (truncate(tmp, st.st_size + 1) == 0 && truncate(tmp, st.st_size) != 0) { /* as said */ }
}

int pc_h5_close_local(hid_t file, const char *path, int failed, int ahead) {
  int reserved = 0, rc = 0;
  if (file < 0) return 0;
  if (!failed) failed = rc = pc_h5_room(file, path, path, 0, &reserved);
  /* a failed file is removed by its caller: emptied now, its flush has room -
   * unless its room was taken ahead of its writes (ahead), which the flush
   * then has: emptying it would give that room to the other ranks' files */
  if (failed && !ahead && truncate(path, 0) != 0) { /* nothing more to do */ }
  if (H5Fclose(file) < 0 && !rc) rc = PC_ERROR(PC_ERR_IO, "cannot close %s (disk full?)", path);
  if (!failed && !rc && reserved) pc_h5_drop_reserve(path);
  return rc;
}

int pc_h5_commit(pc_ctx *ctx, pc_h5out *out, int rc_in) {
  return pc_atomic_commit(ctx, out->tmp, out->path, pc_h5_close(ctx, out, rc_in));
}

int pc_h5_close(pc_ctx *ctx, pc_h5out *out, int rc_in) {
  int rc = rc_in, reserved = 0, kept = 0; /* reserved: rank 0 only; kept: every rank */
  /* A failed output is removed below, but H5Fclose still flushes its
   * metadata collectively; on a full disk a flush that fails on one rank
   * only leaves the ranks in different collectives inside HDF5 (a hang,
   * seen with a 200 kB file system). Emptying the doomed file first gives
   * the flush room; a good one gets its room first (reserve_close). */
  if (out->file >= 0) {
    int doomed = pc_agree(ctx, rc_in);
    if (!doomed) doomed = rc = reserve_close(ctx, out, &reserved);
    if (doomed) {
      if (pc_rank(ctx) == 0 && truncate(out->tmp, 0) != 0) { /* nothing more to do */ }
      reserved = 0;
      pc_agree(ctx, 0); /* every rank closes after the truncation */
    }
    kept = !doomed;
  }
  if (out->file >= 0 && H5Fclose(out->file) < 0 && !rc)
    rc = PC_ERROR(PC_ERR_IO, "cannot close %s (disk full?)", out->tmp);
  out->file = -1;
  if (kept) { /* every rank closed: rank 0 gives back what it reserved */
    rc = pc_agree(ctx, rc);
    if (!rc && reserved) pc_h5_drop_reserve(out->tmp);
  }
  return pc_agree(ctx, rc);
}

int pc_h5_reopen_local(const pc_h5out *out, hid_t *file) {
  h5_quiet();
  *file = H5Fopen(out->tmp, H5F_ACC_RDWR, H5P_DEFAULT);
  if (*file < 0) return PC_ERROR(PC_ERR_IO, "cannot open %s again to write its tables", out->tmp);
  return 0;
}

int pc_h5_write_chunk(hid_t dset, uint64_t row, const void *bytes, size_t len) {
  hsize_t off[1] = {row};
  if (H5Dwrite_chunk(dset, H5P_DEFAULT, 0, off, len, bytes) < 0) {
    char name[256] = "?";
    H5Iget_name(dset, name, sizeof name);
    return PC_ERROR(PC_ERR_IO, "cannot write the chunk at row %llu of %s (disk full?)",
                    (unsigned long long)row, name);
  }
  return 0;
}

/* Rows of table `name` into *n (0 when absent); fails as pc_h5_dset_open. */
static int table_rows(hid_t file, const char *name, uint64_t *n) {
  hid_t d = -1;
  *n = 0;
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return 0;
  PC_CALL(pc_h5_dset_open(file, name, &d, n));
  H5Dclose(d);
  return 0;
}

/* A dataset (a file with a stays_checksum) read as input: its declared sizes
 * agree with its tables and its window is a window, before any job sizes
 * its memory or its cut-offs by them (issue 22: a crafted window_end made
 * purge delete every stay; a 2^40-row /persons spun index). */
static int dataset_sane(hid_t f, const char *path) {
  static const char *const tables[][2] = {
      {"persons", "persons"}, {"identities", "persons"}, {"stays", "stays"}, {"places", "places"}};
  if (H5Aexists(f, "stays_checksum") <= 0) return 0; /* an index or an output */
  for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
    uint64_t want = 0, have = 0;
    if (H5Aexists(f, tables[i][1]) <= 0 || H5Lexists(f, tables[i][0], H5P_DEFAULT) <= 0) continue;
    PC_CALL(table_rows(f, tables[i][0], &have));
    PC_CALL(pc_h5_attr_read_u64(f, tables[i][1], &want));
    if (have != want)
      return PC_ERROR(PC_ERR_DATA,
                      "%s: /%s has %llu rows but the file says %llu %s: the dataset was altered "
                      "or damaged (make it again)",
                      path, tables[i][0], (unsigned long long)have, (unsigned long long)want,
                      tables[i][1]);
  }
  /* Regions: China has about 700,000 villages and communities. */
  uint64_t regions = 0;
  const uint64_t max_regions = (uint64_t)1 << 22;
  PC_CALL(table_rows(f, "regions", &regions));
  if (regions > max_regions)
    return PC_ERROR(PC_ERR_DATA, "%s: /regions has %llu rows, more than any province's %llu: "
                    "the dataset was altered or crafted", path, (unsigned long long)regions,
                    (unsigned long long)max_regions);
  int64_t a = 0, b = 0, days = 0;
  const int64_t lo = 946684800, hi = 4102444800; /* 2000-01-01 .. 2100-01-01 UTC */
  if (H5Aexists(f, "window_start") <= 0 || H5Aexists(f, "window_end") <= 0) return 0;
  PC_CALL(pc_h5_attr_read_i64(f, "window_start", &a));
  PC_CALL(pc_h5_attr_read_i64(f, "window_end", &b));
  if (H5Aexists(f, "days") > 0) PC_CALL(pc_h5_attr_read_i64(f, "days", &days));
  /* A purged dataset's window is shorter than its `days` (purge cuts its start). */
  if (a < lo || b > hi || a > b || (days > 0 && b - a > days * 86400))
    return PC_ERROR(PC_ERR_DATA,
                    "%s: its window (window_start %lld, window_end %lld, days %lld) is not a "
                    "window of this century of at most `days` days: the dataset was altered or crafted",
                    path, (long long)a, (long long)b, (long long)days);
  return 0;
}

/* The files opened for reading here - by pc_h5_open_read through MPI-IO, by
 * pc_h5_open_serial with HDF5's sec2 driver - and the file (device, inode)
 * their path named then: read_plain reads only these files' chunks itself,
 * knowing their driver without asking HDF5 (H5Fget_access_plist of an MPI-IO
 * file duplicates its communicator: collective, it hung a read by one rank),
 * and must not read chunks of a file published under the same name since.
 * A ring: a job opens a few. */
enum { OPENED_MAX = 64 };
static struct opened {
  hid_t file;
  dev_t dev;
  ino_t ino;
  int serial;
} opened[OPENED_MAX];
static unsigned nopened;

static void remember_file(hid_t file, const char *path, int serial) {
  struct stat st;
  if (stat(path, &st) != 0) return;
  opened[nopened++ % OPENED_MAX] = (struct opened){file, st.st_dev, st.st_ino, serial};
}

int pc_h5_open_serial(const char *path, hid_t *file) {
  h5_quiet();
  *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*file < 0) return PC_ERROR(PC_ERR_IO, "cannot open %s as HDF5 (damaged or truncated?)", path);
  remember_file(*file, path, 1);
  return 0;
}

static const struct opened *opened_file(hid_t file) {
  for (unsigned i = 0; i < OPENED_MAX && i < nopened; i++)
    if (opened[i].file == file) return &opened[i];
  return NULL;
}

int pc_h5_open_read(pc_ctx *ctx, const char *path, hid_t *file) {
  h5_quiet();
  int rc = 0;
  if (access(path, R_OK) != 0)
    rc = PC_ERROR(PC_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  else if (H5Fis_hdf5(path) <= 0)
    rc = PC_ERROR(PC_ERR_IO, "%s is not an HDF5 file (or is damaged)", path);
  if ((rc = pc_agree(ctx, rc))) return rc;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, pc_ctx_comm(ctx), pc_ctx_io_info(ctx));
  H5Pset_all_coll_metadata_ops(fapl, 1);
  *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (*file < 0) rc = PC_ERROR(PC_ERR_IO, "cannot open %s as HDF5 (damaged or truncated?)", path);
  else remember_file(*file, path, 0);
  if (!rc) rc = dataset_sane(*file, path);
  return pc_agree(ctx, rc);
}

hid_t pc_h5_str_type(size_t size) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, size);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

int pc_h5_dset_create(pc_ctx *ctx, hid_t loc, const char *name, hid_t type, uint64_t nglobal,
                      size_t chunk_rows, int deflate, hid_t *dset) {
  (void)ctx;
  hsize_t dims[1] = {nglobal};
  hid_t space = H5Screate_simple(1, dims, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (nglobal > 0 && chunk_rows > 0) {
    hsize_t ch[1] = {chunk_rows < nglobal ? chunk_rows : nglobal};
    H5Pset_chunk(dcpl, 1, ch);
    if (deflate > 0) {
      H5Pset_shuffle(dcpl);
      H5Pset_deflate(dcpl, (unsigned)deflate);
    }
    /* Every chunk carries its checksum: a damaged byte anywhere in the table
     * fails the read of its chunk in HDF5 itself, never reads as data. */
    H5Pset_fletcher32(dcpl);
  }
  H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
  *dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5CHK(*dset, "cannot create dataset %s (disk full?)", name);
  return 0;
}

int pc_h5_dset_write(pc_ctx *ctx, hid_t dset, hid_t type, uint64_t start, size_t n,
                     const void *buf) {
  (void)ctx;
  hid_t fs = H5Dget_space(dset);
  hsize_t st[1] = {start}, cnt[1] = {n};
  hid_t ms = H5Screate_simple(1, cnt, NULL);
  if (n)
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL);
  else {
    H5Sselect_none(fs);
    H5Sselect_none(ms);
  }
  /* A contiguous dataset written by ranks in disjoint blocks needs no
   * two-phase collective buffering (it only adds a copy and a shuffle:
   * measured 4x slower for /stays); chunked (compressed) ones must be
   * written collectively. */
  hid_t dcpl = H5Dget_create_plist(dset);
  int contiguous = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CONTIGUOUS;
  if (dcpl >= 0) H5Pclose(dcpl);
  hid_t dx = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dx, contiguous ? H5FD_MPIO_INDEPENDENT : H5FD_MPIO_COLLECTIVE);
  /* Chunk by chunk: measured 8% faster than one linked I/O for compressed tables. */
  if (!contiguous) H5Pset_dxpl_mpio_chunk_opt(dx, H5FD_MPIO_CHUNK_MULTI_IO);
  herr_t e = (contiguous && !n) ? 0 : H5Dwrite(dset, type, ms, fs, dx, n ? buf : NULL);
  H5Pclose(dx);
  H5Sclose(ms);
  H5Sclose(fs);
  H5CHK(e, "write of %zu rows at row %llu failed (disk full?)", n,
        (unsigned long long)start);
  return 0;
}

/* The message of a table that does not read back: one for HDF5's reader and ours. */
static int damaged(hid_t dset, uint64_t start, size_t n) {
  char name[256] = "?", fname[1024] = "?";
  H5Iget_name(dset, name, sizeof name);
  H5Fget_name(dset, fname, sizeof fname);
  return PC_ERROR(PC_ERR_IO,
                  "%s: cannot read rows %llu..%llu of dataset %s: the file is damaged (its "
                  "checksum or compressed data do not verify)",
                  fname, (unsigned long long)start, (unsigned long long)(start + n), name);
}

/* How a chunked table's chunks are stored, when read_plain can read them. */
enum { STORED_OTHER, STORED_BARE, STORED_SUM, STORED_PACKED };

/* The rows per chunk of a chunked 1-D table whose chunks are stored as its
 * rows are (no filter: STORED_BARE; only Fletcher32: STORED_SUM) or as the
 * tables this project writes compressed (shuffle, deflate, Fletcher32 in that
 * order: STORED_PACKED), in *how; or 0 for any other table. */
static hsize_t plain_chunks(hid_t dset, int *how) {
  hid_t dcpl = H5Dget_create_plist(dset);
  hsize_t c = 0;
  int nf = -1;
  if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, &c) == 1)
    nf = H5Pget_nfilters(dcpl);
  H5Z_filter_t f[3] = {-1, -1, -1};
  for (int i = 0; i < nf && i < 3; i++) {
    unsigned flags, conf;
    size_t nelm = 0;
    f[i] = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nelm, NULL, 0, NULL, &conf);
  }
  *how = nf == 0                                     ? STORED_BARE
         : nf == 1 && f[0] == H5Z_FILTER_FLETCHER32 ? STORED_SUM
         : nf == 3 && f[0] == H5Z_FILTER_SHUFFLE && f[1] == H5Z_FILTER_DEFLATE &&
                 f[2] == H5Z_FILTER_FLETCHER32
             ? STORED_PACKED
             : STORED_OTHER;
  if (dcpl >= 0) H5Pclose(dcpl);
  return *how != STORED_OTHER ? c : 0;
}

/* Where read_plain finds a table's chunks: the dataset to ask for their
 * addresses and a descriptor of the file to read them with. A file opened by
 * pc_h5_open_serial gives both itself. A file opened through MPI-IO with
 * collective metadata reads (pc_h5_open_read) must not be asked
 * by one rank alone - a chunk lookup that misses HDF5's metadata cache there
 * is a read by rank 0 for all, and ranks asking for different chunks took
 * each other's answers (index at 3 ranks of a dataset in chunks of 7 rows:
 * "has no dataset persons") - so the file is opened again, serially, and
 * used only when it is still the file the job opened (same device and
 * inode). 0, or 1: no such way (the caller reads through HDF5). */
typedef struct plain_src {
  hid_t file, dset; /* a serial file and its dataset, opened here; or -1 */
  hid_t use;        /* the dataset to look chunks up in */
  int fd;
} plain_src;

static void plain_src_close(plain_src *p) {
  if (p->dset >= 0) H5Dclose(p->dset);
  if (p->file >= 0) H5Fclose(p->file);
}

static int vfd_of(hid_t file, int *fd) {
  void *h = NULL;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &h) < 0 || !h) return -1;
  *fd = *(int *)h;
  return 0;
}

static int plain_src_open(hid_t dset, plain_src *p) {
  *p = (plain_src){.file = -1, .dset = -1, .use = -1, .fd = -1};
  const hid_t fid = H5Iget_file_id(dset); /* local: no property list asked of MPI-IO */
  const struct opened *o = fid >= 0 ? opened_file(fid) : NULL;
  int rc = 1;
  struct stat st;
  if (o && o->serial) {
    if (!vfd_of(fid, &p->fd) && fstat(p->fd, &st) == 0 && st.st_dev == o->dev &&
        st.st_ino == o->ino) {
      p->use = dset;
      rc = 0;
    }
  } else if (o) {
    char fname[4096], name[1024];
    if (H5Fget_name(dset, fname, sizeof fname) > 0 && H5Iget_name(dset, name, sizeof name) > 0 &&
        (p->file = H5Fopen(fname, H5F_ACC_RDONLY, H5P_DEFAULT)) >= 0 && !vfd_of(p->file, &p->fd) &&
        fstat(p->fd, &st) == 0 && st.st_dev == o->dev && st.st_ino == o->ino &&
        (p->dset = H5Dopen2(p->file, name, H5P_DEFAULT)) >= 0) {
      p->use = p->dset;
      rc = 0;
    }
  }
  if (fid >= 0) H5Fclose(fid);
  if (rc) plain_src_close(p);
  return rc;
}

enum { PLAIN_CHUNK_MIN = 256 << 10 }; /* bytes of a chunk read_plain reads */

static unsigned long long plain_chunks_read; /* pc_h5_plain_chunks_read */

unsigned long long pc_h5_plain_chunks_read(void) { return plain_chunks_read; }

/* A reader of a table's chunks from the file's bytes (plain_rd_open), rows
 * range by range (plain_rd_rows), its buffers kept from one range to the next. */
typedef struct plain_rd {
  hid_t dset;
  plain_src src;
  hsize_t c, nrows;
  int how;
  size_t rowsize, cb, stored, zcap;
  uint8_t *scratch, *z, *planes;
} plain_rd;

/* 0, or 1 when the table cannot be read so (not 1-D; plain_src_open). */
static int plain_rd_open(plain_rd *r, hid_t dset, hid_t type, hsize_t c, int how) {
  *r = (plain_rd){.dset = dset, .c = c, .how = how, .rowsize = H5Tget_size(type)};
  r->cb = (size_t)c * r->rowsize;
  r->stored = r->cb + (how == STORED_BARE ? 0 : 4);
  hsize_t dims[1] = {0};
  hid_t fs = H5Dget_space(dset);
  const int one = fs >= 0 && H5Sget_simple_extent_ndims(fs) == 1 &&
                  H5Sget_simple_extent_dims(fs, dims, NULL) == 1;
  if (fs >= 0) H5Sclose(fs);
  r->nrows = dims[0];
  return !one || plain_src_open(dset, &r->src) ? 1 : 0;
}

static void plain_rd_close(plain_rd *r) {
  free(r->scratch);
  free(r->z);
  free(r->planes);
  plain_src_close(&r->src);
}

/* Rows [start, start + n) of a table plain_chunks accepts, from the file's
 * bytes, each chunk read with pread and verified here: a chunk stored as its
 * rows straight into buf when wholly wanted, its checksum verified after; a
 * compressed one checked, inflated by ISA-L and put back into rows by
 * pc_chunk_unpack. HDF5's own read copies every chunk through its buffer,
 * sums it a word at a time (a tenth of the 100-case trace's rank 0, loading
 * the persons it owns), inflates with zlib and unshuffles a byte at a time.
 * Returns 1 when a chunk is not stored as expected (never written, other than
 * its size, a filter skipped) or past the end: HDF5 reads the table then, and
 * says what is wrong; 0; or an error. */
static int plain_rd_rows(plain_rd *r, uint64_t start, size_t n, void *buf) {
  const hsize_t c = r->c;
  const size_t rowsize = r->rowsize, cb = r->cb;
  if (start + n > r->nrows) return 1; /* past the end: HDF5 says so */
  uint8_t tail[4];
  for (uint64_t k = start / c; k <= (start + n - 1) / c; k++) {
    hsize_t at[1] = {k * c}, size = 0;
    haddr_t addr = HADDR_UNDEF;
    unsigned mask = 0;
    if (H5Dget_chunk_info_by_coord(r->src.use, at, &mask, &addr, &size) < 0 ||
        addr == HADDR_UNDEF || mask != 0 ||
        (r->how == STORED_PACKED ? size <= 4 || size > 2 * cb + 4096 : size != r->stored))
      return 1;
    const uint64_t r0 = at[0] > start ? at[0] : start,
                   r1 = at[0] + c < start + n ? at[0] + c : start + n;
    const int whole = r0 == at[0] && r1 == at[0] + c;
    if (!whole && !r->scratch && !(r->scratch = pc_malloc(r->stored, "a chunk of a table")))
      return PC_ERR_MEM;
    uint8_t *to = whole ? (uint8_t *)buf + (r0 - start) * rowsize : r->scratch;
    if (r->how == STORED_PACKED) {
      if (size > r->zcap) {
        free(r->z);
        r->zcap = (size_t)size;
        if (!(r->z = pc_malloc(r->zcap, "a compressed chunk of a table"))) return PC_ERR_MEM;
      }
      if (!r->planes && !(r->planes = pc_malloc(cb, "a chunk of a table's byte planes")))
        return PC_ERR_MEM;
      if (pc_pread_full(r->src.fd, r->z, (size_t)size, addr) != 0 ||
          pc_chunk_unpack(r->z, (size_t)size, rowsize, (size_t)c, r->planes, to) != 0)
        return damaged(r->dset, start, n);
    } else if (pc_pread_full(r->src.fd, to, cb, addr) != 0 ||
               (r->how == STORED_SUM && (pc_pread_full(r->src.fd, tail, 4, addr + cb) != 0 ||
                                         !pc_fletcher32_h5_ok(to, cb, tail)))) {
      return damaged(r->dset, start, n);
    }
    if (!whole) memcpy((uint8_t *)buf + (r0 - start) * rowsize, r->scratch + (r0 - at[0]) * rowsize,
                       (r1 - r0) * rowsize);
    plain_chunks_read++;
  }
  return 0;
}

/* Rows [start, start + n) of a table plain_chunks accepts whose file type is
 * the type read (plain_rd_rows): 0, 1 (HDF5 reads the table then) or an error. */
static int read_plain(hid_t dset, hid_t type, hsize_t c, int how, uint64_t start, size_t n,
                      void *buf) {
  plain_rd r;
  int rc = plain_rd_open(&r, dset, type, c, how);
  if (!rc) rc = plain_rd_rows(&r, start, n, buf);
  plain_rd_close(&r);
  return rc;
}

/* Rows [start, start + n) of a table whose file type is not `type` but
 * converts to it (a view of some of its columns, or another byte order):
 * read from the file's bytes as read_plain reads them, a few megabytes of
 * whole chunks at a time, converted by HDF5 in memory, and each member of
 * `type` copied into buf (its other bytes left as they are, as HDF5's read
 * leaves them). Dispatch's read of the 1,000-case trace's /companions (1.5 M
 * rows, a view of 11 of its 16 columns) spent 0.9 s of 1.3 s in zlib through
 * HDF5. Returns 1 where read_plain does, or when HDF5 cannot convert so
 * (HDF5 reads the table then); 0; or an error. */
static int read_converted(hid_t dset, hid_t type, hid_t ftype, hsize_t c, int how,
                          uint64_t start, size_t n, void *buf) {
  const size_t fsize = H5Tget_size(ftype), msize = H5Tget_size(type);
  const size_t wide = fsize > msize ? fsize : msize;
  const size_t per = (size_t)c * (1 + (16u << 20) / ((size_t)c * wide)); /* whole chunks */
  const int nm = H5Tget_class(type) == H5T_COMPOUND ? H5Tget_nmembers(type) : 0;
  size_t *off = pc_calloc((size_t)nm + 1, sizeof *off, "a table's columns"),
         *len = pc_calloc((size_t)nm + 1, sizeof *len, "a table's columns");
  uint8_t *tmp = off && len ? pc_malloc(per * wide, "rows being converted") : NULL,
          *bkg = tmp ? pc_calloc(per, msize, "rows being converted") : NULL; /* HDF5's */
  plain_rd r;
  int rc = plain_rd_open(&r, dset, ftype, c, how);
  if (!rc && !bkg) rc = PC_ERR_MEM;
  for (int i = 0; i < nm && !rc; i++) {
    hid_t mt = H5Tget_member_type(type, (unsigned)i);
    off[i] = H5Tget_member_offset(type, (unsigned)i);
    len[i] = mt >= 0 ? H5Tget_size(mt) : 0;
    if (mt < 0) rc = 1;
    else H5Tclose(mt);
  }
  for (uint64_t s = start; s < start + n && !rc;) {
    const uint64_t e0 = (s / c) * c + per, e = e0 < start + n ? e0 : start + n;
    const size_t m = (size_t)(e - s);
    if ((rc = plain_rd_rows(&r, s, m, tmp))) break;
    if (H5Tconvert(ftype, type, m, tmp, bkg, H5P_DEFAULT) < 0) {
      rc = 1;
      break;
    }
    uint8_t *to = (uint8_t *)buf + (s - start) * msize;
    if (!nm) memcpy(to, tmp, m * msize);
    for (size_t k = 0; k < m && nm; k++)
      for (int i = 0; i < nm; i++)
        memcpy(to + k * msize + off[i], tmp + k * msize + off[i], len[i]);
    s = e;
  }
  plain_rd_close(&r);
  free(off);
  free(len);
  free(tmp);
  free(bkg);
  return rc;
}

int pc_h5_dset_read(hid_t dset, hid_t type, uint64_t start, size_t n, void *buf) {
  if (n == 0) return 0;
  /* A chunk's worth of rows or more, in chunks of 256 KB or more: fewer rows,
   * as a binary search reads them, are served from HDF5's chunk cache better
   * than by reading the chunk; and each chunk costs read_plain a lookup of
   * ~0.2 ms (HDF5's own read walks the chunk index once for all): for
   * chunks of a few rows (io.chunk_rows: 7) index took 11 s instead of 2. */
  int how, rc = 1;
  const hid_t ft = H5Dget_type(dset);
  const size_t fsize = ft >= 0 ? H5Tget_size(ft) : 0;
  /* Rows that point into the file (variable-length strings or sequences,
   * references) are not their bytes: HDF5 reads and follows them. Another
   * type in the file is read as it is there and converted here. */
  const int big = fsize && n * fsize >= PLAIN_CHUNK_MIN && H5Tis_variable_str(ft) == 0 &&
                  H5Tdetect_class(ft, H5T_VLEN) == 0 && H5Tdetect_class(ft, H5T_REFERENCE) == 0;
  const int same = big && fsize == H5Tget_size(type) && H5Tequal(ft, type) > 0;
  const int convertible = big && !same;
  const hsize_t c = same || convertible ? plain_chunks(dset, &how) : 0;
  if (c && n >= c && c * fsize >= PLAIN_CHUNK_MIN)
    rc = same ? read_plain(dset, ft, c, how, start, n, buf)
              : read_converted(dset, type, ft, c, how, start, n, buf);
  if (ft >= 0) H5Tclose(ft);
  if (rc != 1) return rc;
  hid_t fs = H5Dget_space(dset);
  hsize_t st[1] = {start}, cnt[1] = {n};
  hid_t ms = H5Screate_simple(1, cnt, NULL);
  H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL);
  herr_t e = H5Dread(dset, type, ms, fs, H5P_DEFAULT, buf);
  H5Sclose(ms);
  H5Sclose(fs);
  return e < 0 ? damaged(dset, start, n) : 0;
}

/* Every component of `name` a hard link inside the file: a soft link is
 * another name of the file's own object, an external link reaches into a
 * file its writer chose (issue 22: a crafted input read another file
 * through it). PC_ERR_IO naming the component. */
static int hard_path(hid_t file, const char *fname, const char *name) {
  char part[1024];
  size_t n = strlen(name);
  if (n >= sizeof part) return PC_ERROR(PC_ERR_IO, "%s: dataset name too long", fname);
  for (size_t i = 1; i <= n; i++) {
    if (i < n && name[i] != '/') continue;
    memcpy(part, name, i);
    part[i] = 0;
    H5L_info_t li;
    if (H5Lexists(file, part, H5P_DEFAULT) <= 0 || H5Lget_info(file, part, &li, H5P_DEFAULT) < 0)
      return PC_ERROR(PC_ERR_IO, "%s has no dataset %s", fname, name);
    if (li.type != H5L_TYPE_HARD)
      return PC_ERROR(PC_ERR_IO,
                      "%s: %s is %s link, not a table of the file: refused (a file this "
                      "project writes has none; the file was altered or crafted)",
                      fname, part, li.type == H5L_TYPE_EXTERNAL ? "an external" : "a soft");
  }
  return 0;
}

/* The dataset's bytes in the file itself: not in external raw files nor
 * mapped from other datasets (virtual), which a crafted input could point
 * at any file the job can read. */
static int own_storage(hid_t d, const char *fname, const char *name) {
  hid_t dcpl = H5Dget_create_plist(d);
  if (dcpl < 0) return PC_ERROR(PC_ERR_IO, "%s: cannot read the layout of %s", fname, name);
  const H5D_layout_t layout = H5Pget_layout(dcpl);
  const int external = H5Pget_external_count(dcpl);
  H5Pclose(dcpl);
  if (layout == H5D_VIRTUAL || external != 0)
    return PC_ERROR(PC_ERR_IO,
                    "%s: dataset %s keeps its rows %s: refused (a file this project writes "
                    "keeps every row inside it; the file was altered or crafted)",
                    fname, name, layout == H5D_VIRTUAL ? "in other datasets (virtual)" : "in external files");
  return 0;
}

int pc_h5_dset_open(hid_t file, const char *name, hid_t *dset, uint64_t *nrows) {
  h5_quiet();
  char fname[1024] = "?";
  H5Fget_name(file, fname, sizeof fname);
  PC_CALL(hard_path(file, fname, name));
  *dset = H5Dopen2(file, name, H5P_DEFAULT);
  if (*dset < 0) return PC_ERROR(PC_ERR_IO, "cannot open dataset %s in %s", name, fname);
  int bad = own_storage(*dset, fname, name);
  if (bad) {
    H5Dclose(*dset);
    *dset = -1;
    return bad;
  }
  hid_t s = H5Dget_space(*dset);
  hsize_t d[H5S_MAX_RANK];
  int nd = H5Sget_simple_extent_dims(s, d, NULL);
  H5Sclose(s);
  if (nd != 1) {
    H5Dclose(*dset);
    return PC_ERROR(PC_ERR_IO, "dataset %s in %s is not a table", name, fname);
  }
  if (nrows) *nrows = d[0];
  return 0;
}

int pc_h5_dset_write_rows(pc_ctx *ctx, hid_t d, hid_t type, uint64_t start, const void *rows,
                          size_t n_local) {
  size_t rs = H5Tget_size(type);
  size_t R = PC_H5_ROUND_BYTES / rs;
  uint64_t rounds = (n_local + R - 1) / R;
  int rc = pc_max_u64(ctx, &rounds, 1);
  for (uint64_t k = 0; !rc && k < rounds; k++) {
    size_t lo = k * R < n_local ? k * R : n_local;
    size_t n = n_local - lo < R ? n_local - lo : R;
    rc = pc_agree(ctx, pc_h5_dset_write(ctx, d, type, start + lo, n, (const char *)rows + lo * rs));
  }
  return rc;
}

int pc_h5_write_array0(pc_ctx *ctx, hid_t loc, const char *name, hid_t type, int ndims,
                       const uint64_t *dims, const void *data, int deflate) {
  hsize_t d[8] = {0}, ch[8] = {0};
  uint64_t total = 1;
  for (int i = 0; i < ndims; i++) {
    d[i] = dims[i];
    total *= dims[i];
  }
  hid_t space = H5Screate_simple(ndims, d, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (total > 0) {
    /* Chunks of whole trailing axes, ~1 MB, so a reader slicing by region is cheap;
     * chunked even uncompressed, for the Fletcher32 checksum: the index's bucket and
     * pid directories are such arrays, and a damaged one must not answer wrongly. */
    uint64_t inner = 1;
    for (int i = 1; i < ndims; i++) {
      ch[i] = d[i];
      inner *= d[i];
    }
    uint64_t lead = (1u << 17) / (inner ? inner : 1);
    ch[0] = lead < 1 ? 1 : (lead > d[0] ? d[0] : lead);
    H5Pset_chunk(dcpl, ndims, ch);
    if (deflate > 0) {
      H5Pset_shuffle(dcpl);
      H5Pset_deflate(dcpl, (unsigned)deflate);
    }
    H5Pset_fletcher32(dcpl); /* as for tables (pc_h5_dset_create) */
  }
  hid_t ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  int rc = 0;
  if (ds < 0) rc = PC_ERROR(PC_ERR_IO, "cannot create dataset %s (disk full?)", name);
  rc = pc_agree(ctx, rc);
  if (!rc) {
    hid_t fs = H5Dget_space(ds), ms = H5Scopy(fs);
    if (pc_rank(ctx) != 0) {
      H5Sselect_none(fs);
      H5Sselect_none(ms);
    }
    hid_t dx = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dx, H5FD_MPIO_COLLECTIVE);
    if (total > 0 && H5Dwrite(ds, type, ms, fs, dx, pc_rank(ctx) == 0 ? data : NULL) < 0)
      rc = PC_ERROR(PC_ERR_IO, "cannot write dataset %s (disk full?)", name);
    H5Pclose(dx);
    H5Sclose(fs);
    H5Sclose(ms);
    rc = pc_agree(ctx, rc);
  }
  if (ds >= 0) H5Dclose(ds);
  H5Sclose(space);
  return rc;
}

int pc_h5_attach_scale(hid_t loc, const char *dset, const char *scale, unsigned axis,
                       const char *label) {
  hid_t d = H5Dopen2(loc, dset, H5P_DEFAULT), s = H5Dopen2(loc, scale, H5P_DEFAULT);
  int rc = 0;
  if (d < 0 || s < 0) rc = PC_ERROR(PC_ERR_IO, "cannot open %s or %s", dset, scale);
  /* The scale is named after its dataset, so a reader can look up
   * dims[axis]["region_name"] when two scales share an axis. */
  const char *sname = strrchr(scale, '/') ? strrchr(scale, '/') + 1 : scale;
  if (!rc && !H5DSis_scale(s) && H5DSset_scale(s, sname) < 0)
    rc = PC_ERROR(PC_ERR_IO, "cannot make %s a dimension scale", scale);
  if (!rc && H5DSattach_scale(d, s, axis) < 0)
    rc = PC_ERROR(PC_ERR_IO, "cannot attach %s to %s", scale, dset);
  if (!rc && H5DSset_label(d, axis, label) < 0)
    rc = PC_ERROR(PC_ERR_IO, "cannot label axis %u of %s", axis, dset);
  if (d >= 0) H5Dclose(d);
  if (s >= 0) H5Dclose(s);
  return rc;
}

static int attr_write(hid_t loc, const char *name, hid_t type, hid_t space, const void *v) {
  if (H5Aexists(loc, name) > 0) H5Adelete(loc, name);
  hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  int rc = 0;
  if (a < 0 || H5Awrite(a, type, v) < 0) rc = PC_ERROR(PC_ERR_IO, "cannot write attribute %s", name);
  if (a >= 0) H5Aclose(a);
  return rc;
}

int pc_h5_attr_str(hid_t loc, const char *name, const char *value) {
  size_t n = strlen(value);
  hid_t t = pc_h5_str_type(n ? n : 1);
  hid_t s = H5Screate(H5S_SCALAR);
  int rc = attr_write(loc, name, t, s, n ? value : "");
  H5Sclose(s);
  H5Tclose(t);
  return rc;
}

int pc_h5_attr_i64(hid_t loc, const char *name, int64_t v) {
  hid_t s = H5Screate(H5S_SCALAR);
  int rc = attr_write(loc, name, H5T_NATIVE_INT64, s, &v);
  H5Sclose(s);
  return rc;
}

int pc_h5_attr_u64(hid_t loc, const char *name, uint64_t v) {
  hid_t s = H5Screate(H5S_SCALAR);
  int rc = attr_write(loc, name, H5T_NATIVE_UINT64, s, &v);
  H5Sclose(s);
  return rc;
}

int pc_h5_attr_i32_array(hid_t loc, const char *name, const int32_t *v, size_t n) {
  hsize_t d[1] = {n};
  hid_t s = H5Screate_simple(1, d, NULL);
  int rc = attr_write(loc, name, H5T_NATIVE_INT32, s, v);
  H5Sclose(s);
  return rc;
}

int pc_h5_attr_read_str(hid_t loc, const char *name, char **out) {
  if (H5Aexists(loc, name) <= 0) return PC_ERROR(PC_ERR_IO, "attribute %s is missing", name);
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t t = H5Aget_type(a);
  int rc = 0;
  if (H5Tget_class(t) != H5T_STRING || H5Tis_variable_str(t) > 0) {
    rc = PC_ERROR(PC_ERR_IO, "attribute %s is not a fixed-length string", name);
  } else {
    size_t n = H5Tget_size(t);
    *out = pc_calloc(n + 1, 1, "attribute");
    if (!*out)
      rc = PC_ERR_MEM;
    else if (H5Aread(a, t, *out) < 0)
      rc = PC_ERROR(PC_ERR_IO, "cannot read attribute %s", name);
  }
  H5Tclose(t);
  H5Aclose(a);
  return rc;
}

static int attr_read(hid_t loc, const char *name, hid_t type, void *v) {
  if (H5Aexists(loc, name) <= 0) {
    char fname[1024] = "?";
    H5Fget_name(loc, fname, sizeof fname);
    return PC_ERROR(PC_ERR_IO, "%s: attribute %s is missing", fname, name);
  }
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  int rc = 0;
  if (H5Aread(a, type, v) < 0) rc = PC_ERROR(PC_ERR_IO, "cannot read attribute %s", name);
  H5Aclose(a);
  return rc;
}
int pc_h5_attr_read_i64(hid_t loc, const char *name, int64_t *v) {
  return attr_read(loc, name, H5T_NATIVE_INT64, v);
}
int pc_h5_attr_read_u64(hid_t loc, const char *name, uint64_t *v) {
  return attr_read(loc, name, H5T_NATIVE_UINT64, v);
}

int pc_h5_stamp(pc_ctx *ctx, hid_t file, const char *cfg) {
  /* Every rank must pass identical values: take rank 0's clock. */
  int64_t now = (int64_t)time(NULL);
  PC_CALL(pc_bcast_i64(ctx, &now, 1));
  char ts[32];
  struct tm tmv;
  time_t tt = (time_t)now;
  gmtime_r(&tt, &tmv);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  char sl[160] = "";
  const char *jid = getenv("SLURM_JOB_ID"), *nl = getenv("SLURM_JOB_NODELIST");
  PC_CALL(pc_h5_attr_str(file, "tool", "paicha"));
  PC_CALL(pc_h5_attr_str(file, "tool_version", PC_VERSION));
  PC_CALL(pc_h5_attr_str(file, "job", pc_ctx_job(ctx)));
  PC_CALL(pc_h5_attr_str(file, "config", cfg ? cfg : ""));
  PC_CALL(pc_h5_attr_i64(file, "ranks", pc_nranks(ctx)));
  PC_CALL(pc_h5_attr_str(file, "run_time", ts));
  if (jid) {
    snprintf(sl, sizeof sl, "%s", jid);
    PC_CALL(pc_h5_attr_str(file, "slurm_job_id", sl));
    snprintf(sl, sizeof sl, "%s", nl ? nl : "");
    PC_CALL(pc_h5_attr_str(file, "slurm_nodelist", sl));
  }
  return 0;
}
