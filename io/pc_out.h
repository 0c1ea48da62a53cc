/* pc_out.h - the one output writer: every job's HDF5 output, from creation to commit and run record. */
#ifndef PC_OUT_H
#define PC_OUT_H

#include "pc_config.h"
#include "pc_schema.h"
#include "pc_h5.h"
#include "pc_json.h"

/* The sequence every output follows, in one place:
 *
 *   pc_out_create        file under a temporary name beside the output
 *   pc_out_table ...     tables (chunked and compressed per io.chunk_rows,
 *                        io.deflate), each with its description
 *   pc_out_attr_* ...    root attributes of the job
 *   pc_out_json          JSON attributes (counts), also put in the run record
 *   pc_out_commit        the dataset identity stamp, then atomic rename when
 *                        every rank succeeded; the run record's members
 *
 * Failures are sticky: after one, later calls do nothing and return it, so a
 * job writes its block as a list of calls and checks the status of commit.
 * Every collective call agrees first (a failure on any rank stops all ranks
 * at the same call); local ones (attributes) are agreed at the next
 * collective call or at commit. */
typedef struct pc_out {
  pc_ctx *ctx;
  hid_t file;         /* the open file, for writers of their own groups (cubes, axes) */
  pc_h5out h5;
  size_t chunk_rows;  /* io.chunk_rows */
  int deflate;        /* io.deflate */
  int direct;         /* io.direct: row tables written with O_DIRECT (pc_indexfile_rows_open) */
  char *config;       /* effective config, stamped at commit */
  json_object *json;  /* JSON attributes, written at commit */
  json_object *record;/* members of the run record */
  int rc;             /* first failure on this rank */
  int created;        /* the temporary file exists (the same on every rank) */
  struct pc_out_later *later; /* compressed tables written at commit (pc_out_table) */
  int nlater;
} pc_out;

/* Collective, agreed. Creates the output's temporary file (see pc_h5_create)
 * with the layout options and effective config of cfg. On failure nothing
 * is held and nothing is left to commit: the caller may return the status
 * at once, or still call pc_out_commit (which then only agrees). */
int pc_out_create(pc_ctx *ctx, const pc_config *cfg, const char *path, pc_out *out);

/* Table layouts: chunked (io.chunk_rows, io.deflate, read through HDF5);
 * contiguous and uncompressed (read raw with pread, see pc_raw_open); or
 * chunked and checksummed like the first but never compressed, whatever
 * io.deflate says: the registry tables (/persons, /identities) that every
 * job reads whole at its start. Compressed, their inflate was 3/4 of a
 * screen's setup (1.45 s of 1.9 s per rank at the city tier); plain, they
 * cost ~1.5 % more file. */
enum { PC_OUT_CHUNKED = 0, PC_OUT_CONTIGUOUS = 1, PC_OUT_PLAIN = 2 };

/* Collective, agreed: a table of rows distributed over ranks (rank 0's
 * first; n_local may be 0), with a `description` attribute when not NULL.
 * A compressed table (PC_OUT_CHUNKED, io.deflate > 0) is compressed here,
 * every rank its own chunks (the rows of a chunk that spans ranks go to the
 * rank of its first row), and written at commit: rank 0 puts the chunks in
 * the closed file as they are (see pc_chunk.h); the rows may be freed on
 * return. Until commit the table is not in the file: a job reads none of
 * its own tables back. */
int pc_out_table(pc_out *out, const char *name, hid_t type, const void *rows, size_t n_local,
                 const char *description);
/* A table's rows made on demand: rows [first, first + n) of this rank's
 * n_local into rows (n rows of the table's type). Local, cannot fail. */
typedef void (*pc_out_rows_fn)(void *arg, size_t first, size_t n, void *rows);
/* Collective, agreed: pc_out_table with rows made by fn as they are
 * written - a chunk's rows at a time for a compressed table, so that the
 * job never holds them all (a thousand cases' companions: 139 MB a rank);
 * all of them at once, in a buffer of this call's, for an uncompressed one. */
int pc_out_table_gen(pc_out *out, const char *name, hid_t type, pc_out_rows_fn fn, void *arg,
                     size_t n_local, const char *description);
/* Collective, agreed: pc_out_table with the layout given. */
int pc_out_table_layout(pc_out *out, const char *name, hid_t type, const void *rows,
                        size_t n_local, int layout, const char *description);
/* Collective, agreed: an empty table of nglobal rows the job fills itself
 * with pc_h5_dset_write (then closes *dset), with its description. */
int pc_out_dset(pc_out *out, const char *name, hid_t type, uint64_t nglobal, int layout,
                const char *description, hid_t *dset);

/* Local: the `description` attribute of a dataset the job wrote itself
 * (an array, a cube). */
int pc_out_describe(pc_out *out, const char *dset, const char *description);
/* Collective, agreed: agree on the status so far before a collective step of the
 * job's own (a cube, axes); returns it. */
int pc_out_agree(pc_out *out);

/* Local (every rank makes the same calls): root attributes. */
int pc_out_attr_str(pc_out *out, const char *name, const char *value);
int pc_out_attr_i64(pc_out *out, const char *name, int64_t v);
int pc_out_attr_u64(pc_out *out, const char *name, uint64_t v);
/* Local: a root attribute holding the JSON text of v (pc_json_text's form),
 * written at commit; with in_record, v is also a member `name` of the run
 * record. Takes the reference of v. */
int pc_out_json(pc_out *out, const char *name, json_object *v, int in_record);
/* Local: a member of the run record only (takes the reference of v). */
int pc_out_record(pc_out *out, const char *name, json_object *v);

/* Collective, agreed: records rc_in, stamps the file (tool, version, job, config,
 * ranks, run time, Slurm ids), writes the JSON attributes, closes, and
 * renames the file to its path when every rank succeeded (else removes it);
 * then hands the run record members to the context. Returns the agreed
 * status (rc_in itself when it was non-zero here). Frees what out holds. */
int pc_out_commit(pc_out *out, int rc_in);
/* Collective: the output given up unwritten - closed, its temporary removed,
 * nothing published or recorded, its path still claimed (the job writes it
 * again, pc_out_create). Never fails; frees what out holds. */
void pc_out_drop(pc_out *out);

#endif
