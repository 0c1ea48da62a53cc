/* pc_exposure.h - where cases met: common exposures of cases at one place, contacts between
 * cases, and who else was there (SPEC, Looking back: Sources). Plain C over intervals. */
#ifndef PC_EXPOSURE_H
#define PC_EXPOSURE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_contact.h"
#include "pc_index.h"

/* One case's stay clipped to its window [onset - lookback, onset] (or, for
 * channel household, the whole window at its household id): the unit the
 * common exposures and the contacts between cases are made of. */
typedef struct pc_presence {
  uint64_t place;    /* place id, or household id (channel 0) */
  uint64_t pid;      /* the case */
  int64_t start, end;
  int64_t cum;       /* grid: the case's whole minutes in this grid over the data window */
  int16_t row;       /* flight/rail seat row, 0 unknown */
  uint8_t channel;
  uint8_t pad[5];
} pc_presence;       /* 48 bytes: travels between ranks */
_Static_assert(sizeof(pc_presence) == 48, "pc_presence travels between ranks");

/* Order of presences: (place, start, end, pid, row). Local. */
int pc_presence_cmp(const void *a, const void *b);

/* Whole minutes an interval at channel c must last to count (SPEC: the
 * channel's min_overlap; flights, rail, households: any positive length,
 * which in whole minutes is one). Local, cannot fail. */
static inline int64_t pc_sources_min_minutes(const pc_chan_rule *r, int c) {
  int64_t m = c == PC_CH_FLIGHT || c == PC_CH_RAIL ? 0 : (r->min_overlap + 59) / 60;
  return m < 1 ? 1 : m;
}

/* A common exposure found at one place: [from, to) with ncases distinct
 * cases present during it, pids[0..ncases) ascending (valid during the call). */
typedef struct pc_common {
  uint64_t place;
  int64_t from, to;
  uint32_t ncases;
  uint8_t channel;
  uint8_t pad[3];
} pc_common;
typedef int (*pc_common_fn)(void *arg, const pc_common *e, const uint64_t *pids);

/*
 * The common exposures of one place: p[0..n) are the presences at it (one
 * place, one channel, any order; sorted here). Each case's presences are
 * first merged into their union; then every maximal interval [from, to) in
 * which at least min_cases distinct cases are present at once, lasting at
 * least min_minutes whole minutes, is passed to emit with the cases present
 * during it (any of them for a positive time), in order of from. Intervals
 * are half-open: a case leaving at 10:00 and one arriving at 10:00 never
 * meet. scratch: 4 * n int64s. Returns emit's first non-zero status, or 0.
 * Local.
 */
int pc_sources_common(pc_presence *p, size_t n, int min_cases, int64_t min_minutes,
                      int64_t *scratch, pc_common_fn emit, void *arg);

/* The contacts between cases at one place (p[0..n) sorted by pc_presence_cmp,
 * one place and channel): every pair of presences of two different cases
 * that make a contact under rule r (pc_contact: each side already clipped to
 * its own window) is passed to link(a, b) once per pair of presences, a < b.
 * Local; returns link's first non-zero status, or 0. */
int pc_sources_links(const pc_presence *p, size_t n, const pc_chan_rule *r,
                     int (*link)(void *arg, uint64_t a, uint64_t b), void *arg);

/* Who else was there: the rows of one bucket (rows[0..n), sorted by
 * pc_irow_cmp) at place `place` of channel c (rail: the train's carriages
 * that meet it, pc_place_meets) whose own stay overlaps [a, b) by at least
 * min_minutes whole minutes; each passed to hit(row, overlap start,
 * overlap seconds). Local, cannot fail beyond hit's status. */
int pc_sources_attendees(const pc_irow *rows, size_t n, uint64_t place, int c, int64_t a,
                         int64_t b, int64_t min_minutes,
                         int (*hit)(void *arg, const pc_irow *r, int64_t at, int64_t secs),
                         void *arg);

/* Clusters: a union-find over n items (parent[n], each its own set at
 * pc_uf_init). pc_uf_find halves paths; pc_uf_join keeps the smaller index
 * as the root, so the root of a set is its smallest member. Local. */
void pc_uf_init(uint32_t *parent, size_t n);
uint32_t pc_uf_find(uint32_t *parent, uint32_t i);
void pc_uf_join(uint32_t *parent, uint32_t a, uint32_t b);

#endif
