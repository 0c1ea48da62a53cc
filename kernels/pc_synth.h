/* pc_synth.h - the synthetic registry: households and their members as pure functions of (seed, index). */
#ifndef PC_SYNTH_H
#define PC_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "pc_hash.h"
#include "pc_province.h"
#include "pc_types.h"

#define PC_HH_MAX 8 /* largest household generated */

/* What the registry generator needs, prepared once per run (local). */
typedef struct pc_synth_params {
  uint64_t seed;
  uint64_t npersons;     /* N: exactly this many persons are generated */
  int64_t as_of;         /* ages and birth dates are relative to this instant */
  const pc_region *regions;
  size_t nregions;
  /* Communities (level 5) and their cumulative weights, in code order. */
  const pc_region **comm;
  double *comm_cum;
  uint32_t ncomm;
  /* Counties (ID areas) in code order, and each community's county ordinal. */
  uint32_t *county_code; /* 6-digit */
  uint32_t *comm_county;
  uint32_t ncounty;
} pc_synth_params;

/* Build comm/comm_cum from regions. Local; caller frees with pc_synth_params_free. */
int pc_synth_params_init(pc_synth_params *sp, uint64_t seed, uint64_t npersons, int64_t as_of,
                         const pc_region *regions, size_t nregions);
void pc_synth_params_free(pc_synth_params *sp);

/* Number of household slots: enough that their sizes always cover N persons
 * (checked by the caller), with few empty ones so ranks stay balanced. */
uint64_t pc_synth_household_slots(uint64_t npersons);
/* Size (1..PC_HH_MAX) of household slot h: a pure function of (seed, h). */
unsigned pc_synth_household_size(uint64_t seed, uint64_t h);

/* One generated person before its ID number is complete: the registry row
 * plus what the identity is made of. */
typedef struct pc_synth_person {
  pc_person p;        /* pid still 0 */
  uint64_t index;     /* global person index, 0..N-1 */
  uint64_t phone;     /* 11-digit number, 0 when the person has no phone */
} pc_synth_person;

/* Generate the n members of household slot h whose first member has global
 * person index `first` (n may be less than the slot's size when the province's
 * last household is cut at N). Local, cannot fail. */
void pc_synth_household(const pc_synth_params *sp, uint64_t h, uint64_t first, unsigned n,
                        pc_synth_person *out);

/* ID sequence numbers are assigned per block of PC_SYNTH_BLOCK household slots,
 * a unit no rank splits, so no communication is needed and the numbers do not
 * depend on the rank count:
 *
 *   county c spans blocks b0..b0+k-1 (k = blocks touching c)
 *   block b gets ordinals [(b-b0)*500/k, (b-b0+1)*500/k) of each (c, birth date, sex)
 *   within a block, ordinals go to the group's members in person-index order
 *
 * Blocks of one county never share an ordinal, so ID numbers are unique. */
#define PC_SYNTH_BLOCK 32768

/* County ordinal (0..ncounty-1) of the household whose first member has
 * person index `first`. */
uint32_t pc_synth_county_of(const pc_synth_params *sp, uint64_t first);

/* Sequence numbers of the n persons generated from one block (in person-index
 * order), given every county's first block and number of blocks. scratch holds
 * 2n pairs. Returns PC_ERR_DATA, naming the county, when more persons of one
 * sex share a birth date in one block than the block's share of numbers. */
int pc_synth_block_seqs(const pc_synth_params *sp, const pc_synth_person *ps, size_t n,
                        uint64_t block, const uint64_t *county_first_block,
                        const uint64_t *county_blocks, uint16_t *seq, void *scratch);

/* The 6-digit ID area code of a person: the county of residence. */
static inline uint32_t pc_synth_area(uint64_t region) { return (uint32_t)(region / 1000000); }

/* Key that groups persons who must get distinct ID sequence numbers:
 * (area, birth date, sex). */
static inline uint64_t pc_synth_idgroup(const pc_person *p) {
  return ((uint64_t)pc_synth_area(p->region) << 32) | ((uint64_t)(uint32_t)p->birth_date << 1) |
         (uint64_t)(p->sex == 1);
}

/* Sequence number (0..999, odd for men) of the ordinal-th person of a group;
 * distinct ordinals below 500 give distinct numbers. */
unsigned pc_synth_idseq(uint64_t group, uint64_t ordinal);

#endif
