/* pc_flaggedfile.h - trace and screen outputs read as files: opened by one rank, which tables and stamps they hold. */
#ifndef PC_FLAGGEDFILE_H
#define PC_FLAGGEDFILE_H

#include "pc_h5.h"

/* Local (one rank, not MPI-IO): open an HDF5 file read-only; negative, with
 * no error raised, when it is missing or not HDF5 (the caller names it).
 * Close with pc_flaggedfile_close. */
hid_t pc_flaggedfile_open(const char *path);
/* Local, never fails: close a file opened here or by pc_h5_open_read
 * (negative: nothing). */
void pc_flaggedfile_close(hid_t f);
/* Local: 1 when the file has a link `name` (a table), else 0. */
int pc_flaggedfile_has(hid_t f, const char *name);
/* Local: 1 when the object loc has the attribute `name`, else 0. */
int pc_flaggedfile_has_attr(hid_t loc, const char *name);

#endif
