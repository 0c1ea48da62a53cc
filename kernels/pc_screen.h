/* pc_screen.h - risk-area screening of one person: dwell in an area, a period and a time-of-day window. */
#ifndef PC_SCREEN_H
#define PC_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "pc_types.h"

/* Longest id_origin prefix: 17 digits (the 18th character of an ID number is its check). */
#define PC_ORIGIN_MAX 17

/* A risk area (SPEC "Risk-area screening"): stays whose region lies under one
 * of the prefixes, or whose place is listed, inside the period [from, to)
 * and, when `hours`, inside the daily local window [h0, h1) (seconds after
 * local midnight; h1 <= h0 crosses midnight: 22:00-02:00). Optionally
 * (SPEC "Screening across areas and origins") the area reached next, `then`,
 * within [t_A, t_A + within) of the instant t_A the dwell here reached
 * min_dwell, and the ID-number prefixes of the persons kept, `origin`. */
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
  const struct pc_area *then; /* NULL, or the area to reach next: its prefixes, places and
                                 min_dwell (its period and hours are not used) */
  int64_t within;             /* with then: seconds after t_A */
  const char (*origin)[PC_ORIGIN_MAX + 1]; /* id_origin prefixes (NUL-terminated digits) */
  size_t norigin;             /* 0: every person, whatever their documents */
} pc_area;

/* What the screening of one person in one area found (pc_screen_area). */
typedef struct pc_screen_hit {
  int64_t dwell;      /* seconds in the period (and daily window), whole minutes */
  int64_t first;      /* the first second counted */
  int64_t reached;    /* t_A: the instant the running dwell reached min_dwell (and a minute) */
  int64_t then_at;    /* with then: the instant the dwell in the then area, counted from t_A,
                         reached its min_dwell; 0 without then */
  int64_t then_dwell; /* with then: seconds in the then area within [t_A, t_A + within),
                         whole minutes; 0 without then */
} pc_screen_hit;

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
/* One person in one area, by the rules of pc_dwell: 1 (flagged) when the
 * dwell reached the area's min_dwell and at least a minute, and, when the
 * area has `then`, the dwell in the then area within [t_A, t_A + within)
 * (the union of the matching stays cut to it, whole minutes) reached the
 * then area's min_dwell and a minute; else 0. *h is filled as far as it
 * got. The person's origin is not looked at (pc_area_origin). s, n,
 * scratch: as pc_dwell's. Local, cannot fail. */
int pc_screen_area(const pc_area *a, const pc_stay *s, size_t n, pc_screen_hit *h, int64_t *scratch);
/* 1 when the area keeps a person with this ID number: the area has no
 * id_origin, or idnum (the 18 characters of a resident ID number; NULL for a
 * person without one: a visitor known by phone, a passport) begins with one
 * of its prefixes. Local, cannot fail. */
int pc_area_origin(const pc_area *a, const char *idnum);
/* int64s of scratch pc_dwell needs for n stays when the window spans `span` seconds. */
size_t pc_dwell_scratch(size_t n, int64_t span);

#endif
