/* pc_paths.h - every path a config names checked by its role before any work: inputs there, outputs creatable. */
#ifndef PC_PATHS_H
#define PC_PATHS_H

#include <stdint.h>

#include "pc_config.h"

/* A check of meaning (pc_config_check_fn) over every path of c with a role
 * (pc_prole, pc_config_paths): an input that is missing, unreadable or a
 * directory; an HDF5 input that is not HDF5 (or that HDF5 cannot open); a
 * dataset without /persons, or whose /persons or /stays cannot be opened; a
 * key file the key file's rules refuse (pc_keyfile_load, its words); an
 * index that is not one, or was built from another dataset than
 * the config's PC_P_IN_DATA (the identity the index records: persons,
 * identities, stays and the stays' checksum, as trace compares it); an
 * output whose directory does not exist ("cannot create OUT: directory D
 * does not exist (mkdir -p D)"), is not a directory or is not writable; an
 * output file that is a directory, an output directory that is a file; two
 * outputs of the run at one path (recorded at the later key, naming the
 * first), the files a directory output holds (pc_key.holds) counted as
 * outputs (recorded at the other output's key, naming both). Each is recorded at its key. Local (rank 0, serial HDF5, no MPI); returns 0, or
 * PC_ERR_MEM when memory runs out. */
int pc_paths_check(const pc_config *c, pc_config_problems *p);

/* Local, never fails: a and b name the same file (their directories
 * resolved through realpath when they exist, then compared with the
 * names). */
int pc_paths_same(const char *a, const char *b);

/* Local: the window start and as_of attributes of the dataset at path
 * (serial read). PC_ERR_IO naming the file when it cannot be read. */
int pc_paths_data_window(const char *path, int64_t *window_start, int64_t *as_of);

#endif
