/* pc_province.h - the synthetic province's statistical divisions (regions), a pure function of nothing. */
#ifndef PC_PROVINCE_H
#define PC_PROVINCE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_region.h" /* its rows, levels and codes */

/* Build the province's region table: 1 province (430000000000), 14 cities
 * (4301..4313, 4331) with names and populations in proportion to the real
 * province (2020 census, largest ~10 million of 66.4 million), its 122 real
 * counties, ~1,950 townships and ~29,000 villages/communities. Rows sorted by
 * code; parents precede children. Deterministic: no seed, the same table on
 * every call, rank and machine. Local; returns 0, or PC_ERR_MEM. *out is
 * malloc'd, the caller frees. */
int pc_province_build(pc_region **out, size_t *n);

#endif
