/* pc_flagged.h - what trace and screen share about flagged persons: the dispatch keys, codes' cubes. */
#ifndef PC_FLAGGED_H
#define PC_FLAGGED_H

#include "pc_axes.h"
#include "pc_config.h"
#include "pc_mpi.h"
#include "pc_schema.h"

/* The `dispatch:` map of trace and screen: level, at. */
extern const pc_key pc_dispatch_keys[];

/* The flagged persons first..first+k-1 of this rank (k at most
 * PC_FLAG_STEP): each one's person p[i] (all zero: unknown), class cls[i]
 * and code class code[i] (indexes into the cubes' names, -1: not counted). */
enum { PC_FLAG_STEP = 1024 };
typedef void (*pc_flag_fill_fn)(void *arg, size_t first, size_t k, pc_person *p, int *cls,
                                int *code);

/* Collective: /axes (from the dataset's /regions at breakdown.level) and one
 * cube /breakdown/<names[k]> [residence region x age band x sector] per
 * class, each of this rank's n flagged persons, as `fill` gives them a step
 * at a time (no copy of them all is made), counted in its class and its
 * code's. Cubes are summed onto rank 0, which writes them. Agreed on its
 * reads and memory, not on the last attribute writes: the caller agrees. */
int pc_flag_cubes(pc_ctx *ctx, const pc_config *cfg, pc_file data, pc_file file, int64_t as_of,
                  const char *const *names, int ncls, pc_flag_fill_fn fill, void *arg, size_t n,
                  int deflate);

/* Local: the whole table `name` ("contacts", "companions" or "screened") of
 * an open trace or screen output as pc_flag_rows (io/pc_schema.h; absent: 0
 * rows, no error; a column missing: PC_ERR_DATA naming it); *rows malloc'd,
 * the caller frees. */
int pc_flagged_read(pc_file f, const char *name, const char *path, pc_flag_row **rows, size_t *n);
/* Local: the rows table `name` of an open output declares, without reading
 * them (absent: 0); PC_ERR_DATA naming the file when it is not a table. */
int pc_flagged_rows(pc_file f, const char *name, const char *path, uint64_t *n);
/* Local: rows [start, start + n) of table `name` as pc_flagged_read gives
 * them all (*rows malloc'd, the caller frees; n 0 or the table absent: none). */
int pc_flagged_read_part(pc_file f, const char *name, const char *path, uint64_t start, size_t n,
                         pc_flag_row **rows);
/* Local: where a part of table `name` that should begin at row `at` begins
 * so that no person's rows (a run of one pid) are split: the first row at
 * or after `at` whose pid is not that of the row before it (`at` itself at
 * 0, at the table's end or beyond, or when the table is absent). */
int pc_flagged_part_start(pc_file f, const char *name, const char *path, uint64_t at,
                          uint64_t *start);

/* Outputs of trace and screen record the dataset's key fingerprint and
 * stays checksum (data_key_fingerprint, data_stays_checksum), so that lists
 * and tables never mix datasets or keys. Stamp: collective like every
 * attribute write, not agreed. Check: local; an error naming both files. */
int pc_flagged_stamp_data(pc_file out, pc_file data);
int pc_flagged_check_data(pc_file in, const char *in_path, pc_file data, const char *data_path);

#endif
