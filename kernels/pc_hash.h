/* pc_hash.h - keyed SipHash-2-4 for pseudonyms, and cheap unkeyed mixers for partitioning. */
#ifndef PC_HASH_H
#define PC_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A 128-bit SipHash key (the pseudonymisation key file holds it as 32 hex digits). */
typedef struct pc_key128 {
  uint64_t k0, k1;
} pc_key128;

/* SipHash-2-4 of len bytes with key k (Aumasson & Bernstein 2012). Local, cannot fail. */
uint64_t pc_siphash(const pc_key128 *k, const void *data, size_t len);

/* Parse 32 hex digits (upper or lower case) into a key, reading bytes in
 * order as the SipHash reference does (k0 = little-endian first 8 bytes).
 * Returns 0, or -1 when the text is not exactly 32 hex digits. */
int pc_key_parse(const char *hex, size_t len, pc_key128 *k);
/* Format a key as 32 lower-case hex digits plus NUL (buf >= 33). */
void pc_key_format(const pc_key128 *k, char *buf);

/* Pseudonymous id of a resident ID number / of a phone number: domain-separated
 * so that an ID number and a phone with the same digits never collide. 0 is
 * never returned (0 means "none" in tables). */
uint64_t pc_pid_of_idnum(const pc_key128 *k, const char *idnum /* 18 chars */);
uint64_t pc_pid_of_phone(const pc_key128 *k, uint64_t phone /* 11 digits */);

/* Pseudonymous id of a document (pc_doc.h) given its number in normal form
 * (pc_doc_normalise's out and outlen). id_card: pc_pid_of_idnum, phone:
 * pc_pid_of_phone, so datasets made before documents other than the ID card
 * keep their pids. Other types: the keyed SipHash of 'D', the type's SPEC
 * name, ':' and the number - a tag no ID number or phone input starts with,
 * and the name (not the enum value) so that the same passport number under
 * another type is another person, and pids do not move if the enum does.
 * Returns 0 (no person) when type is not a PC_DOC_* value or number is not
 * in the normal form of type - upper-case, trimmed, its length - so that a
 * caller who forgets to normalise fails visibly instead of splitting one
 * person in two; never 0 otherwise. Local. */
uint64_t pc_pid_of_doc(const pc_key128 *k, int type, const char *number, size_t len);

/* Place id of a place as an agency names it (the `place` field of stays.csv):
 * the channel in the top 8 bits (pc_place_id), below it 56 bits of a SipHash
 * with a fixed public key of the channel and the name. For rail, 48 bits of
 * that hash name the train (number and date) and the low 8 bits the carriage
 * (1-255; 0 unknown): a carriage is a place of its own, and the carriages of
 * one train are the ids of one pc_rail_train, found together (an unknown
 * carriage matches every carriage). Places are not personal data: the same
 * name gives the same id in every run, whatever the key. Local, cannot fail. */
uint64_t pc_place_key(unsigned channel, const char *name, size_t len, unsigned carriage);

/* splitmix64 finaliser: a bijective 64-bit mixer. */
static inline uint64_t pc_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* The sum over rows[0..n) - rows of `words` 64-bit words, one after the
 * other - of each row's chain h = h0, h = pc_mix64(h ^ word) word by word:
 * the fingerprints of stays (6 words), index rows (5) and area rows (3).
 * Eight rows at a time with AVX-512 when the CPU has it for 3, 5 and 6
 * words (each row's words put in lanes by permutes, the multiplies in
 * vectors: 3.5x the scalar loop, whose chain of multiplies waits on itself),
 * else row by row; the same value. Local, cannot fail. */
uint64_t pc_words_hash_sum(const void *rows, size_t n, size_t words, uint64_t h0);

/* Open addressing by key over a table of rows that each start with their
 * uint64 key: slot[h] = row index + 1 (0 empty), linear probing from
 * pc_mix64(key). *slot (of *cap slots, a power of two) made at least
 * 2 x want slots (half full at most; first `first` slots), the rows[0..n)
 * placed again; unchanged when it is large enough. Local; 0 or PC_ERR_MEM
 * (the old table kept). */
int pc_keyslots_fit(uint32_t **slot, size_t *cap, size_t want, size_t first, const void *rows,
                    size_t n, size_t rowsize);

/* Owner rank of a 64-bit uniform key among n ranks: multiply-shift maps the
 * key space onto n contiguous ranges, so sorting by key within each rank
 * sorts the whole table (the range of a rank: pc_owner_range, pc_part.h). */
static inline int pc_owner_of(uint64_t key, int n) {
  return (int)(((unsigned __int128)key * (unsigned)n) >> 64);
}
#define PC_OWNER(pid, nranks) pc_owner_of((pid), (nranks))

#endif
