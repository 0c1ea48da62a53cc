/* pc_sort.h - LSD radix sort of (key, value) pairs: the sort under every pid-ordered table. */
#ifndef PC_SORT_H
#define PC_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct pc_kv {
  uint64_t key;
  uint64_t val;
} pc_kv;

/* Sort a[0..n) by (key, val) ascending, stable in effect because val breaks ties.
 * tmp must hold n pairs (caller-owned scratch). Passes over bytes where every
 * key agrees are skipped, so keys in a narrow range cost fewer passes. Local,
 * cannot fail. */
void pc_sort_kv(pc_kv *a, pc_kv *tmp, size_t n);

/* qsort that accepts an empty table: C's qsort may be handed no NULL even
 * for n == 0 (UBSan says so), and a rank with nothing to sort has NULL. */
static inline void pc_qsort(void *base, size_t n, size_t size,
                            int (*cmp)(const void *, const void *)) {
  if (n > 1) qsort(base, n, size, cmp);
}

/* qsort/bsearch comparator of uint64 values, ascending. */
static inline int pc_u64_cmp(const void *pa, const void *pb) {
  const uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
  return (a > b) - (a < b);
}

/* Sort a[0..n) of uint64 ascending; tmp holds n. */
void pc_sort_u64(uint64_t *a, uint64_t *tmp, size_t n);
/* The same by the bits from `low` (a multiple of 8, below 64) up: keys
 * equal there end in any order among themselves. For keys whose low bits
 * only tell equal keys apart (a row's index below its fields): each byte
 * below `low` is a counting pass saved. */
void pc_sort_u64_above(uint64_t *a, uint64_t *tmp, size_t n, int low);

/* Sort n rows of rowsize (<= 256) bytes in place by cmp, where each row
 * starts with a uint64 key spread evenly over [lo, hi] (a rank's pids) and
 * cmp orders by that key first (keys outside [lo, hi] are sorted too, in
 * the first or last bucket: slower, still right): one in-place distribution pass into buckets
 * of ~16 rows by key (American flag sort), then each bucket by cmp. Memory:
 * two counters per bucket, never a copy of the rows (a rank's stays fill
 * most of its memory). Local; returns 0, or PC_ERR_MEM. */
int pc_sort_rows_inplace(void *rows, size_t n, size_t rowsize, uint64_t lo, uint64_t hi,
                         int (*cmp)(const void *, const void *));

/* The same, where cmp orders rows of one leading key by the uint32 at byte
 * `sub` of the row next (then by anything): each bucket's rows are sorted by
 * 64-bit words (the key's rank in the bucket, that field, the row's index)
 * and only rows equal in both are compared by cmp - for rows that come out
 * of order (agencies' files), where a quicksort of a person's ~68 rows by
 * cmp was most of the time. Memory: up to 1.5 times the largest bucket's
 * rows more, never more than 65,536 rows' (bigger buckets are sorted as by
 * pc_sort_rows_inplace). With done not NULL, done(arg, upto) is called as
 * the rows [0, upto) become final, upto growing to n (a caller may take them
 * while the rest sorts). Local; returns 0, or PC_ERR_ARG for a field outside
 * the row. */
typedef void (*pc_sort_done_fn)(void *arg, size_t upto);
int pc_sort_rows_inplace_sub(void *rows, size_t n, size_t rowsize, uint64_t lo, uint64_t hi,
                             size_t sub, int (*cmp)(const void *, const void *),
                             pc_sort_done_fn done, void *arg);

/* Rows grouped by the uint64 key each starts with, out of place: out[0..n)
 * gets in's n rows with keys ascending and each key's rows in their order in
 * `in` (stable). One hashed pass over the keys, a sort of the distinct keys,
 * one scatter: no comparison of rows, and no slower when one key has many
 * rows (a person's stays), where a distribution sort by key value sends
 * whole buckets to qsort. The buffers in g are kept for the next call
 * (pc_grouper_free). Local; returns 0, or PC_ERR_MEM. */
typedef struct pc_grouper {
  uint64_t *keys;    /* the distinct keys, in order of first appearance */
  uint32_t *count;   /* rows of each, then where its next row goes */
  uint32_t *slot;    /* open addressing: index + 1 into keys, 0 empty */
  uint32_t *sid;     /* each row's distinct index */
  pc_kv *kv, *tmp;   /* the distinct keys sorted */
  size_t cap, dcap, ncap;
} pc_grouper;
int pc_group_rows(pc_grouper *g, const void *in, size_t n, size_t rowsize, void *out);
void pc_grouper_free(pc_grouper *g);

/* Rows and their destinations grouped in place by destination: rows[0..n)
 * of rowsize bytes and dest[0..n) (each in [0, P)) permuted together so that
 * dest ascends (not stable; each row keeps its destination). One counting
 * pass, then each row swapped straight to its group (an American flag
 * pass): no second buffer, so a shuffle can send the rows from where they
 * are (pc_shuffle does, when dest ascends). rowsize <= 256; at: scratch of
 * 2 P + 1 entries. Local, cannot fail. */
void pc_group_by_dest(void *rows, size_t rowsize, int *dest, size_t n, int P, size_t *at);

/* 1 when a[0..n) is sorted by (key, val). */
int pc_is_sorted_kv(const pc_kv *a, size_t n);

#endif
