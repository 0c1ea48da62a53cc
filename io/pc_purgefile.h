/* pc_purgefile.h - what purge reads and writes of a dataset beyond its tables: links, descriptions, root attributes. */
#ifndef PC_PURGEFILE_H
#define PC_PURGEFILE_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "pc_mpi.h"
#include "pc_schema.h"

/* Collective, agreed: open the dataset at path read-only (pc_h5_open_read). */
int pc_purgefile_open(pc_ctx *ctx, const char *path, hid_t *file);
/* Local, never fails: close a file or dataset handle (-1: nothing). */
void pc_purgefile_close(hid_t file);
void pc_purgefile_close_dset(hid_t dset);

/* Local, never fails: 1 when f has a root link not in known
 * (NULL-terminated), its name in name (256 bytes); 1 with name empty when
 * the links cannot be listed; 0 when every link is known. */
int pc_purgefile_unknown(hid_t f, const char *const *known, char name[256]);
/* Local, never fails: f has the root link `name`. */
int pc_purgefile_has(hid_t f, const char *name);
/* Local, never fails: loc has the attribute `name`. */
int pc_purgefile_has_attr(hid_t loc, const char *name);

/* Local: the int64 root attribute `name` of f (PC_ERR_DATA/IO naming it). */
int pc_purgefile_read_i64(hid_t f, const char *name, int64_t *v);
/* Local: the string attribute `name` of loc into *out (malloc'd), NULL when
 * absent; fails as pc_h5_attr_read_str. */
int pc_purgefile_read_str(hid_t loc, const char *name, char **out);
/* Local: the `description` of the dataset `name` in f (malloc'd), NULL
 * when it has none; fails when the dataset cannot be opened or read. */
int pc_purgefile_description(hid_t f, const char *name, char **desc);

/* Collective (every rank writes the same rows' slices), not agreed: rows
 * [start, start + n) of the dataset d made by pc_out_dset for schema s. */
int pc_purgefile_write_rows(pc_ctx *ctx, hid_t d, const pc_schema *s, uint64_t start, size_t n,
                            const void *rows);

/* Collective (every rank makes the same calls), not agreed: copy the root
 * attributes of in to out as they are, but those named in skip
 * (NULL-terminated). Fixed-size types only (every attribute this project
 * writes): a variable-length one is PC_ERR_DATA naming it; PC_ERR_IO when
 * one cannot be read or written, or the iteration fails (naming path). */
int pc_purgefile_copy_attrs(hid_t in, const char *path, hid_t out, const char *const *skip);

#endif
