/* pc_contact.h - the contact rules of SPEC (docs/TRACE.md rules 3-5) over pairs of stays, and the
 * hits they give. Plain C. */
#ifndef PC_CONTACT_H
#define PC_CONTACT_H

#include <stddef.h>
#include <stdint.h>

#include "pc_types.h"

enum { PC_ROLE_OFF = 0, PC_ROLE_CLOSE = 1, PC_ROLE_COMPANION = 2 };

/* The rule of one channel, from the config (seconds; whole minutes apply). */
typedef struct pc_chan_rule {
  int role;
  int64_t min_overlap; /* seconds */
  int rows;            /* flight: |row difference| allowed */
  int64_t cumulative;  /* grid: seconds of a person's total time in the grid */
  int rule_or;         /* grid: 1 "or", 0 "and" */
} pc_chan_rule;

/* Defaults of SPEC's table, for channel c. */
pc_chan_rule pc_chan_rule_default(int c);

/* Whole minutes of [s0,s1) ∩ [u0,u1) ∩ [w0,w1); *start gets the start of the
 * intersection. -1 when the intersection is empty. */
static inline int64_t pc_overlap_minutes(int64_t s0, int64_t s1, int64_t u0, int64_t u1,
                                         int64_t w0, int64_t w1, int64_t *start) {
  int64_t a = s0 > u0 ? s0 : u0, b = s1 < u1 ? s1 : u1;
  if (w0 > a) a = w0;
  if (w1 < b) b = w1;
  if (b <= a) return -1;
  *start = a;
  return (b - a) / 60;
}

/* One side of a candidate contact: a stay, clipped by its person's window for the
 * source; cum is the person's whole minutes in this grid (grid only). */
typedef struct pc_side {
  int64_t start, end;
  int16_t row;
  int64_t cum_minutes;
} pc_side;

/* The exposure (start of the qualifying overlap) when source stay x, inside the
 * source's window [w0, w1), and target stay y at the same place of channel c
 * make a contact under rule r; -1 when they do not. Rules 3-5 of TRACE.md. */
int64_t pc_contact(const pc_chan_rule *r, int c, const pc_side *x, const pc_side *y, int64_t w0,
                   int64_t w1);

/* Whole minutes of the union of intervals [s[i], e[i]) clipped to [lo, hi).
 * The intervals must be sorted by start. */
int64_t pc_union_minutes(const int64_t *s, const int64_t *e, size_t n, int64_t lo, int64_t hi);
/* The same over s[i * stride], e[i * stride] (starts and ends inside an array of structs,
 * stride counted in int64s). */
int64_t pc_union_minutes_strided(const int64_t *s, const int64_t *e, size_t stride, size_t n,
                                 int64_t lo, int64_t hi);

/* The smaller of two hits by SPEC's tie-break: (exposure, source pid, channel, place). */
typedef struct pc_hit {
  uint64_t pid;      /* who was hit */
  int64_t exposure;
  uint64_t source;   /* source pid */
  uint64_t place;    /* place id, or household id */
  uint8_t channel;
  uint8_t root;      /* the status of the case the source's chain starts from (travels along) */
  uint8_t pad[2];
  uint32_t query;    /* pc_answer_bucket: which of the queries it was given made the hit */
} pc_hit;            /* 40 bytes */

static inline int pc_hit_less(const pc_hit *a, const pc_hit *b) {
  if (a->exposure != b->exposure) return a->exposure < b->exposure;
  if (a->source != b->source) return a->source < b->source;
  if (a->channel != b->channel) return a->channel < b->channel;
  return a->place < b->place;
}

#endif
