/* pc_synthfile.h - synth's registry tables (/persons, /identities) in a dataset being written, filled in slices; a dataset's size read back. */
#ifndef PC_SYNTHFILE_H
#define PC_SYNTHFILE_H

#include "pc_out.h"
#include "pc_types.h"

/* The two tables open for writing, rows in the same (pid) order. */
typedef struct pc_synthfile {
  pc_ctx *ctx;
  hid_t persons, identities; /* -1: not open */
} pc_synthfile;

/* Collective, agreed: /persons and /identities of nglobal rows each, chunked
 * per io.*, with their descriptions, in out. On failure nothing is left open
 * (the failure is out's, sticky). */
int pc_synthfile_open(pc_out *out, uint64_t nglobal, pc_synthfile *w);
/* Collective, agreed: each rank writes its m rows (m may be 0) of both
 * tables at global row `start`. Fails with HDF5's error. */
int pc_synthfile_write(pc_synthfile *w, uint64_t start, size_t m, const pc_person *persons,
                       const pc_identity *identities);
/* Local, never fails: close what is open. */
void pc_synthfile_close(pc_synthfile *w);

/* Local: the size of the dataset at path (synth's or ingest's), from its
 * root attributes: persons, and stays (0 when the attribute is absent: a
 * registry without movement). Fails with PC_ERR_IO when the file cannot be
 * opened, or the attribute's read error. */
int pc_synthfile_size(const char *path, uint64_t *persons, uint64_t *stays);
/* Local: 1 when the dataset at path holds /stay_buckets counting its stays
 * (stay_buckets_checksum equal to its stays_checksum), else 0 (also when
 * it cannot be read: pc_synthfile_size says why). */
int pc_synthfile_counts_stays(const char *path);

#endif
