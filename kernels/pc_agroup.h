/* pc_agroup.h - the area view's groups: stays by (township, local day of start), and the groups an area touches. */
#ifndef PC_AGROUP_H
#define PC_AGROUP_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "pc_hash.h"
#include "pc_screen.h"
#include "pc_time.h"
#include "pc_types.h"

/* The last township of a layout: the stays whose township is not in /regions. */
#define PC_AGROUP_OTHER UINT64_MAX

/*
 * The area view holds the dataset's stays grouped by (township, local day of
 * start), township-major, each group in /stays order (by pid):
 *
 *   group g = township index * ndays + day index      area_start[g]: its first row
 *
 * Township = the first 9 digits of the stay's region (region / 10^3; 0 for an
 * unknown region); days are the local days of the data window, a start
 * before it in the first, after it in the last. A stay lies in exactly one
 * group, that of its start: a query reaches back by the longest stay (dmax).
 */
typedef struct pc_agroup_layout {
  const uint64_t *townships; /* sorted township codes, the last PC_AGROUP_OTHER */
  size_t ntownships;
  int64_t day0;             /* pc_local_day of the window's start */
  uint32_t ndays;
} pc_agroup_layout;

/* The view is cut into slices of /stays, each of about pc_agroup_slice_rows
 * rows (a power of two from the number of stays alone: a 64th of them, at
 * least 4096, at most 1 Mi) and ending where a person's stays end: slice k
 * is the rows from the first person boundary at or after k * S to the first
 * at or after (k + 1) * S, and its view rows are /area_rows' same rows,
 * grouped inside the slice. Local, cannot fail. */
uint64_t pc_agroup_slice_rows(uint64_t nstays);
/* The number of slices: ceil(nstays / S) (0 for no stays). */
uint64_t pc_agroup_nslices(uint64_t nstays);

/* Index of the township of `region` in L (the last, PC_AGROUP_OTHER, when it is
 * not listed). Local, cannot fail. */
size_t pc_agroup_township(const pc_agroup_layout *L, uint64_t region);
/* The group of a stay. Local, cannot fail. */
size_t pc_agroup_of(const pc_agroup_layout *L, const pc_stay *s);
/* The group of a stay starting at `start` in township index `township` (of
 * pc_agroup_township): pc_agroup_of without the township's search. */
static inline size_t pc_agroup_at(const pc_agroup_layout *L, size_t township, int64_t start) {
  const int64_t d = pc_local_day(start) - L->day0;
  return township * L->ndays +
         (d < 0 ? 0 : d >= (int64_t)L->ndays ? L->ndays - 1 : (size_t)d);
}
/* Mark in sel[township * ndays + day] (ntownships * ndays bytes, not cleared)
 * every group that can hold a stay of the area inside its period: the
 * townships its prefixes overlap and those of its places (place_region[i]:
 * the region of a->places[i] in /places, 0 when not found: every township),
 * every township when astray (a place has stays in a township other than its
 * own), the PC_AGROUP_OTHER township always; the days from (from - dmax) to the
 * period's last second. Returns the groups marked now. Local, cannot fail. */
size_t pc_agroup_select(const pc_agroup_layout *L, const pc_area *a, const uint64_t *place_region,
                      int astray, int64_t dmax, uint8_t *sel);
/* Stable counting sort of rows a[0..n) by their groups key[0..n) (of G) into
 * out; count[] (G, zeroed by the caller) gets each group's rows. Local,
 * cannot fail. */
struct pc_arow;
void pc_agroup_sort(size_t G, const struct pc_arow *a, const uint32_t *key, size_t n,
                    struct pc_arow *out, uint64_t *count);

/* A row of the area view's /area_rows: a stay with only what screening reads
 * (pid, place, start, end, region, channel), 24 bytes where /stays' are 48,
 * so the view written with the index is half the bytes. Times are seconds
 * from the view's origin t0 (its window's start); place and region are
 * indices into the view's dictionaries (/area_places, /area_regions). */
typedef struct pc_arow {
  uint64_t pid;
  int32_t start, end; /* seconds after t0 */
  uint32_t place;     /* index into the places' dictionary */
  uint32_t regch;     /* region index (low 24 bits) | channel << 24 */
} pc_arow;
_Static_assert(sizeof(pc_arow) == 24, "pc_arow is the on-disk row of /area_rows");

/* A row of /area_dir: for each slice, G + 1 of them, the first row of each
 * group in the slice (counted from the slice's first row; the last: its
 * rows). */
typedef struct pc_adir {
  uint32_t off;
} pc_adir;
/* A row of /area_slices: a slice's first row and its first stay's pid (the
 * slice's stays have pids from it to the next slice's). */
typedef struct pc_aslice {
  uint64_t start, pid;
} pc_aslice;

/* Distinct regions a view can name: 2^24 (16.7 M; a province has ~10^5). */
#define PC_AROW_REGIONS ((size_t)1 << 24)

/* Distinct values in the order they were added (a view's places or
 * regions) and a map from value to index: pc_keyslots_fit over the values. */
typedef struct pc_dict {
  uint64_t *v;    /* n values, owned (room for vcap) */
  size_t n, vcap;
  uint32_t *slot; /* index + 1, 0 empty */
  size_t cap;     /* slots, a power of two */
} pc_dict;
/* Index of x in d, or UINT32_MAX when absent. Local, cannot fail. */
static inline uint32_t pc_dict_find(const pc_dict *d, uint64_t x) {
  if (!d->cap) return UINT32_MAX;
  size_t h = (size_t)pc_mix64(x) & (d->cap - 1);
  for (;;) {
    uint32_t s = d->slot[h];
    if (!s) return UINT32_MAX;
    if (d->v[s - 1] == x) return s - 1;
    h = (h + 1) & (d->cap - 1);
  }
}
/* out[i] = pc_dict_find(d, key i) for the keys at rows + i * stride
 * (i < n): each search's slot and value fetched some keys ahead, so that
 * the misses of successive searches overlap (a search waits on two loads,
 * one after the other, where the table is larger than the cache). Local,
 * cannot fail. */
void pc_dict_find_rows(const pc_dict *d, const void *rows, size_t stride, size_t n,
                       uint32_t *out);
/* Add x at index n when absent (d zeroed: an empty dictionary). Local; PC_ERR_MEM. */
int pc_dict_add(pc_dict *d, uint64_t x);
/* pc_dict_add, and *at = x's index (new or found). Local; PC_ERR_MEM. */
int pc_dict_put(pc_dict *d, uint64_t x, uint32_t *at);
/* Empty d, keeping its memory for the next values: only the slots in use are
 * cleared. Local, never fails. */
void pc_dict_clear(pc_dict *d);
/* Local, never fails. */
void pc_dict_free(pc_dict *d);

/* The row of stay s in a view of origin t0, its place and region at
 * indices p and r of the view's dictionaries (UINT32_MAX: not in it).
 * Returns 0, or -1 when a time lies more than 2^31 s from t0 or the place or
 * region is not in its dictionary (the caller's error). Local. */
static inline int pc_arow_at(const pc_stay *s, int64_t t0, uint32_t p, uint32_t r, pc_arow *a) {
  const int64_t x = s->start - t0, y = s->end - t0;
  if (x < INT32_MIN || x > INT32_MAX || y < INT32_MIN || y > INT32_MAX || p == UINT32_MAX ||
      r >= PC_AROW_REGIONS)
    return -1;
  a->pid = s->pid;
  a->start = (int32_t)x, a->end = (int32_t)y;
  a->place = p;
  a->regch = r | (uint32_t)s->channel << 24;
  return 0;
}
/* pc_arow_at, the indices searched in the dictionaries places and regions. */
static inline int pc_arow_of(const pc_stay *s, int64_t t0, const pc_dict *places,
                             const pc_dict *regions, pc_arow *a) {
  return pc_arow_at(s, t0, pc_dict_find(places, s->place), pc_dict_find(regions, s->region), a);
}
/* The stay a row stands for (carriage and seat row 0: screening reads
 * neither). places, regions: the dictionaries' values; the row's indices
 * are checked when the view is read (pc_arows_check). Local, cannot fail. */
static inline void pc_arow_stay(const pc_arow *a, int64_t t0, const uint64_t *places,
                                const uint64_t *regions, pc_stay *s) {
  memset(s, 0, sizeof *s);
  s->pid = a->pid;
  s->place = places[a->place];
  s->start = t0 + a->start, s->end = t0 + a->end;
  s->region = regions[a->regch & (PC_AROW_REGIONS - 1)];
  s->channel = (uint8_t)(a->regch >> 24);
}
/* Fingerprint of a row (its three words mixed: /area_sum sums them). */
static inline uint64_t pc_arow_fingerprint(const pc_arow *a) {
  uint64_t w[3];
  memcpy(w, a, sizeof w);
  return pc_mix64(pc_mix64(pc_mix64(w[0] ^ 0x243f6a8885a308d3ULL) ^ w[1]) ^ w[2]);
}
/* The sum of pc_arow_fingerprint over a[0..n). Local, cannot fail. */
uint64_t pc_arows_fingerprint_sum(const pc_arow *a, size_t n);
/* 1 when every row of a[0..n) names a place below np and a region below nr. */
int pc_arows_check(const pc_arow *a, size_t n, size_t np, size_t nr);

#endif
