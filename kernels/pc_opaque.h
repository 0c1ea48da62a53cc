/* pc_opaque.h - agencies' opaque identifiers (household, employer): checked, keyed into ids, collisions found. */
#ifndef PC_OPAQUE_H
#define PC_OPAQUE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_hash.h"

/* An identifier is 1..PC_OPAQUE_MAX bytes of UTF-8 without control
 * characters (the line was checked for those), compared byte for byte after
 * trimming blanks: `00012` is not `12` (SPEC, "Other people's data"). */
#define PC_OPAQUE_MAX 64

/* What an identifier names; the domain tag of its hash. */
enum { PC_OPAQUE_HOUSEHOLD = 'H', PC_OPAQUE_EMPLOYER = 'E' };

/* Local: the identifier in s[0..len) without its leading and trailing blanks
 * (spaces, tabs) in *out and *outlen. Returns 0, or -1 when nothing is left or
 * more than PC_OPAQUE_MAX bytes are. */
int pc_opaque_trim(const char *s, size_t len, const char **out, size_t *outlen);

/* Local, cannot fail: the id of identifier s (trimmed) of kind `kind`: a
 * SipHash-2-4 with the pseudonymisation key of the kind's tag and the bytes,
 * cut to its low 56 bits (a household is a place of channel 0: its id must
 * leave the channel's top 8 bits zero), then ANDed with mask (all ones but in
 * tests, which narrow it to force collisions); never 0 (0 means none). Two
 * strings may share an id: pc_opaque_set finds them. */
uint64_t pc_opaque_id(const pc_key128 *key, int kind, const char *s, size_t len, uint64_t mask);

/* A string behind an id, as shipped between ranks to find collisions. */
typedef struct pc_opaque_row {
  uint64_t id;
  uint32_t len;
  char s[PC_OPAQUE_MAX + 4]; /* the bytes, zero-padded (so equal strings give equal rows) */
} pc_opaque_row;             /* 80 bytes */

/* The distinct identifiers one rank has seen: their rows dense in first-seen
 * order, found by id through a table of row indices (pc_keyslots_fit). The
 * city's households (half a million a rank) in 80-byte open-addressed slots
 * made a 168 MB table, rebuilt in fresh pages at each doubling: a quarter of
 * ingest's persons phase (perf); the indices are 4 bytes a slot. */
typedef struct pc_opaque_set {
  pc_opaque_row *rows;
  size_t n, rcap;
  uint32_t *slot;
  size_t cap;
} pc_opaque_set;

/* Local: add (id, s) to the set. Returns 0 when new or already there, 1 when
 * another string has this id (*other: that string's row, in the set), or
 * PC_ERR_MEM. An empty set needs no init (zeroed). */
int pc_opaque_set_add(pc_opaque_set *set, uint64_t id, const char *s, size_t len,
                      const pc_opaque_row **other);
/* Local: room for n identifiers in all, given at once (each doubling of the
 * rows copied them, each of the table rebuilt it). 0 or PC_ERR_MEM. */
int pc_opaque_set_reserve(pc_opaque_set *set, size_t n);
/* Local: the set's rows (set->n of them), in the order first seen. */
pc_opaque_row *pc_opaque_set_rows(pc_opaque_set *set);
/* Local, never fails. */
void pc_opaque_set_free(pc_opaque_set *set);

/* Local: sort rows[0..n) by (id, string) and find the first id two
 * different strings share: *at = the index i of its first row (rows[i] and
 * rows[i + 1] differ), or n when there is none. 0, or PC_ERR_MEM (the sort's
 * bucket tables). */
int pc_opaque_collision(pc_opaque_row *rows, size_t n, size_t *at);

#endif
