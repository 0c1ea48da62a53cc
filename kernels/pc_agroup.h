/* pc_agroup.h - the area view's groups: stays by (township, local day of start), and the groups an area touches. */
#ifndef PC_AGROUP_H
#define PC_AGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "pc_screen.h"
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

/* Index of the township of `region` in L (the last, PC_AGROUP_OTHER, when it is
 * not listed). Local, cannot fail. */
size_t pc_agroup_township(const pc_agroup_layout *L, uint64_t region);
/* The group of a stay. Local, cannot fail. */
size_t pc_agroup_of(const pc_agroup_layout *L, const pc_stay *s);
/* Mark in sel[township * ndays + day] (ntownships * ndays bytes, not cleared)
 * every group that can hold a stay of the area inside its period: the
 * townships its prefixes overlap and those of its places (place_region[i]:
 * the region of a->places[i] in /places, 0 when not found: every township),
 * every township when astray (a place has stays in a township other than its
 * own), the PC_AGROUP_OTHER township always; the days from (from - dmax) to the
 * period's last second. Returns the groups marked now. Local, cannot fail. */
size_t pc_agroup_select(const pc_agroup_layout *L, const pc_area *a, const uint64_t *place_region,
                      int astray, int64_t dmax, uint8_t *sel);
/* Stable counting sort of s[0..n) by group into out; count[] (groups of L,
 * zeroed by the caller) gets each group's rows. key: n entries of scratch.
 * Local, cannot fail. */
void pc_agroup_sort(const pc_agroup_layout *L, const pc_stay *s, size_t n, pc_stay *out,
                  uint64_t *count, uint32_t *key);

#endif
