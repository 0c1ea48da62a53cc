/* pc_screen.h - risk-area screening of one person: dwell in an area, a period and a time-of-day window. */
#ifndef PC_SCREEN_H
#define PC_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "pc_types.h"

/* A risk area (SPEC "Risk-area screening"): stays whose region lies under one
 * of the prefixes, or whose place is listed, inside the period [from, to)
 * and, when `hours`, inside the daily local window [h0, h1) (seconds after
 * local midnight; h1 <= h0 crosses midnight: 22:00-02:00). */
typedef struct pc_area {
  char name[32];
  const uint64_t *lo, *hi; /* region code ranges [lo[i], hi[i]] of the prefixes */
  size_t nprefix;
  const uint64_t *places;  /* sorted place ids */
  size_t nplaces;
  int64_t from, to;
  int hours;
  int32_t h0, h1;
  int64_t min_dwell;       /* seconds */
} pc_area;

/* The code range of a region prefix of 1-12 digits ("4201": Wuhan's
 * 420100000000-420199999999). Returns 0, or -1 when not 1-12 digits. Local. */
int pc_prefix_range(const char *prefix, uint64_t *lo, uint64_t *hi);
/* Parse "HH:MM-HH:MM" (24:00 allowed as an end) into seconds after midnight.
 * Returns 0, or -1 when malformed or empty (start == end). Local. */
int pc_hours_parse(const char *s, int32_t *h0, int32_t *h1);

/* 1 when the stay's region or place is in the area (period and hours aside). */
int pc_area_match(const pc_area *a, const pc_stay *s);

/* A person's dwell in the area: the length of the union of their matching
 * stays cut to the period and the daily window, in whole minutes (returned
 * in seconds, a multiple of 60); *first = the first second counted (the
 * union's start), unset when the dwell is 0. s: the person's stays (any
 * order), n of them; scratch: room for 2 * (days spanned + 2) * n intervals
 * (pc_dwell_scratch). Overlapping stays count once. Local, cannot fail. */
int64_t pc_dwell(const pc_area *a, const pc_stay *s, size_t n, int64_t *first, int64_t *scratch);
/* int64s of scratch pc_dwell needs for n stays when the window spans `span` seconds. */
size_t pc_dwell_scratch(size_t n, int64_t span);

#endif
