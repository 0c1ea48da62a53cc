/* pc_keyfile.h - the pseudonymisation key file: 32 hex digits, owner-only. */
#ifndef PC_KEYFILE_H
#define PC_KEYFILE_H

#include "pc_hash.h"

/* Read the key at path. When it is missing and create is non-zero, make a new
 * random key (from /dev/urandom) with mode 0600, created exclusively, and say
 * so in *created. Refused, with a message saying how to fix it and never the
 * key itself: a symbolic link at path (not followed), anything but a regular
 * file, a file owned by another user than the effective one, readable or
 * writable by group or others, not holding exactly 32 hex digits (one optional
 * trailing newline), or holding the all-zero key. The checks are made on the
 * open file (fstat), so a file swapped in after them is never read. Local
 * (rank 0 calls it and broadcasts). */
int pc_keyfile_load(const char *path, int create, pc_key128 *key, int *created);

/* A non-secret fingerprint of the key (stored in datasets so that jobs can
 * refuse to mix pseudonyms made with different keys). Local, never fails. */
uint64_t pc_key_fingerprint(const pc_key128 *key);

#endif
