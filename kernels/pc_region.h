/* pc_region.h - region codes: levels and their names, a code cut to a level, lookup, jurisdiction. */
#ifndef PC_REGION_H
#define PC_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "pc_types.h"

/*
 * A region code (GB/T 2260 and the statistical divisions below it) has 12
 * digits, one group per level; a code at a level has zeros below it:
 *
 *   43 01 02 001 001     province  430000000000  (2 digits)
 *   |  |  |  |   |       city      430100000000  (4)
 *   1  2  3  4   5       county    430102000000  (6)
 *                        township  430102001000  (9)
 *                        community 430102001001  (12)
 *
 * Cutting a code to a level zeroes the digits below it: the region at that
 * level that holds it.
 */
enum { PC_LEVEL_PROVINCE = 1, PC_LEVEL_CITY = 2, PC_LEVEL_COUNTY = 3, PC_LEVEL_TOWNSHIP = 4,
       PC_LEVEL_COMMUNITY = 5, PC_NLEVELS = 5 };

/* The one name table: pc_level_names[level] for levels 1..5 ("province" ..
 * "community"), "" at 0 and NULL after the last, so pc_level_names + L is the
 * NULL-terminated list of the levels from L down (a config key's choices). */
extern const char *const pc_level_names[PC_NLEVELS + 2];
/* Name of a level; NULL outside 1..5. Local, cannot fail. */
const char *pc_level_name(int level);
/* Level of a name ("city": PC_LEVEL_CITY); 0 when name is NULL or not a
 * level's name (exact, lower case). Local, cannot fail. */
int pc_level_of(const char *name);
/* Digits a level keeps: 2, 4, 6, 9, 12; 12 (the whole code) outside 1..5.
 * Local, cannot fail. */
int pc_level_digits(int level);

/* Code cut to a level: pc_region_cut(430102001001, PC_LEVEL_COUNTY) =
 * 430102000000; a level outside 1..5 leaves the code as it is. Local,
 * cannot fail. */
uint64_t pc_region_cut(uint64_t code, int level);
/* The digits a level keeps, as a number: pc_region_short(430102001001,
 * PC_LEVEL_CITY) = 4301 (the name of a city's list); the whole code outside
 * 1..5. Local, cannot fail. */
uint64_t pc_region_short(uint64_t code, int level);
/* Level of a code from its trailing zeros (a village code 001 is level 5);
 * 0 if malformed (not 12 digits, or a non-zero group under a zero one).
 * Local, cannot fail. */
int pc_region_level(uint64_t code);

#define PC_REGION_NAME_LEN 64 /* bytes of UTF-8, NUL-padded */

/* One row of /regions (file layout == memory layout). */
typedef struct pc_region {
  uint64_t code;     /* 12-digit code, e.g. 430102001001 */
  uint64_t parent;   /* 12-digit code of the parent; 0 for the province */
  double weight;     /* share of the province's population living here (sums to 1 over
                        each level); 0 for non-residential rows */
  uint8_t level;     /* PC_LEVEL_* */
  uint8_t urban;     /* 1: urban district (区) / street (街道) / community (社区); 0: county (县)
                        or county-level city (县级市, mostly rural) / town / 乡 / village; 0 for
                        the province and cities, which mix both */
  char name[PC_REGION_NAME_LEN]; /* UTF-8 Chinese name, e.g. "长沙市", "芙蓉区" */
  uint8_t pad[6];
} pc_region;

/* The row of code in r[0..n) (sorted by code, codes unique: /regions), or
 * NULL when absent. Binary search; local, cannot fail. */
const pc_region *pc_region_find(const pc_region *r, size_t n, uint64_t code);

/* Rule 11's stay: the longest of s[0..n) covering instant `at` (ties:
 * channel order, then place id, then the first), or NULL. So
 * pc_jurisdiction(s, n, ...) equals pc_jurisdiction over that one stay
 * (none: n = 0), which the index keeps per person (/dispatch_stays). Local. */
const pc_stay *pc_cover_stay(const pc_stay *s, size_t n, int64_t at);

/* Rule 11 (SPEC "Dispatch"): the region of the longest of a person's stays
 * s[0..n) covering instant `at` (ties: channel order, then place id), else
 * the residence, else 0 (unassigned); cut to `level` (outside 1..5: the
 * whole code). Local, cannot fail. */
uint64_t pc_jurisdiction(const pc_stay *s, size_t n, int64_t at, uint64_t residence, int level);

#endif
