/* pc_flagged.h - what trace and screen share about flagged persons: jurisdiction, codes' cubes. */
#ifndef PC_FLAGGED_H
#define PC_FLAGGED_H

#include "pc_job.h"

/* Digits of a region code at a dispatch level ("city": 4, "county": 6, ...). */
int pc_level_digits(const char *level);

/* Rule 11 (SPEC "Dispatch"): the region of the longest of a person's stays
 * covering `at` (ties: channel order, then place id), else the residence,
 * else 0 (unassigned); cut to `digits`. Local, cannot fail. */
uint64_t pc_jurisdiction(const pc_stay *s, size_t n, int64_t at, uint64_t residence, int digits);

/* Collective: /axes (from the dataset's /regions at breakdown.level) and one
 * cube /breakdown/<names[k]> [residence region x age band x sector] per
 * class, each flagged person p[i] counted in class cls[i] and in class
 * code[i] (indexes into names, -1: not counted). Persons are those of this
 * rank; cubes are summed onto rank 0, which writes them. */
int pc_flag_cubes(pc_ctx *ctx, const pc_config *cfg, hid_t data, hid_t file, int64_t as_of,
                  const char *const *names, int ncls, const pc_person *p, const int *cls,
                  const int *code, size_t n, int deflate);

#endif
