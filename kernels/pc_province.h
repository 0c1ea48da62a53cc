/* pc_province.h - the synthetic province's statistical divisions (regions), a pure function of nothing. */
#ifndef PC_PROVINCE_H
#define PC_PROVINCE_H

#include <stddef.h>
#include <stdint.h>

/* Region levels, as in the 12-digit code: province 2 + city 2 + county 2 +
 * township 3 + village/community 3 digits. */
enum { PC_LEVEL_PROVINCE = 1, PC_LEVEL_CITY = 2, PC_LEVEL_COUNTY = 3, PC_LEVEL_TOWNSHIP = 4,
       PC_LEVEL_COMMUNITY = 5 };

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

/* Code truncated to a level: pc_region_at_level(430102001001, PC_LEVEL_COUNTY) = 430102000000;
 * a level outside 1..5 leaves the code as it is. */
uint64_t pc_region_at_level(uint64_t code, int level);
/* Level of a code from its trailing zeros (a village code 001 is level 5); 0 if malformed. */
int pc_region_level(uint64_t code);

/* Build the province's region table: 1 province (430000000000), 14 cities
 * (4301..4313, 4331) with names and populations in proportion to the real
 * province (2020 census, largest ~10 million of 66.4 million), its 122 real
 * counties, ~1,950 townships and ~29,000 villages/communities. Rows sorted by
 * code; parents precede children. Deterministic: no seed, the same table on
 * every call, rank and machine. Local; returns 0, or PC_ERR_MEM. *out is
 * malloc'd, the caller frees. */
int pc_province_build(pc_region **out, size_t *n);

#endif
