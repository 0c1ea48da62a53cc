/* pc_itin.h - published itineraries: a case's public stays clipped to its window, merged, and the same-trip table. */
#ifndef PC_ITIN_H
#define PC_ITIN_H

#include <stddef.h>
#include <stdint.h>

#include "pc_types.h"

/* One visit of a case to a public place, as a city publishes it: a stay
 * clipped to the case's window, or consecutive ones at one place merged.
 * No person is named: the case is its ordinal. */
typedef struct pc_itin_visit {
  uint64_t place;   /* pc_place id: a venue, a hotel, a flight + date, a train + date */
  uint64_t region;  /* 12-digit code of the place (of the first stay merged) */
  int64_t start, end;
  uint32_t ordinal; /* the case's, from 1 */
  uint8_t channel;  /* PC_CH_CAFE, PC_CH_LODGING, PC_CH_FLIGHT or PC_CH_RAIL */
  uint8_t carriage; /* rail: the carriage; 0 otherwise */
  uint16_t stays;   /* stays merged into the visit */
} pc_itin_visit;

/* Local, cannot fail: 1 when a channel is published (cafes, hotels, flights,
 * trains); 0 for households, cells and grids, which never are. */
int pc_itin_public(int channel);

/* Local, cannot fail: stay s of the case `ordinal` clipped to its window
 * [w0, w1] into *v; 0 (nothing written) when s is not of a published channel
 * or does not overlap the window by a positive length. */
int pc_itin_clip(const pc_stay *s, int64_t w0, int64_t w1, uint32_t ordinal, pc_itin_visit *v);

/* Local, cannot fail: v sorted by (ordinal, start, end, channel, place,
 * carriage), then each visit merged into the one before when it is of the
 * same case, channel, place and carriage and starts at most `gap` seconds
 * after that one ends (an overlap merges too): a café session continued
 * after a break is one visit. Returns the visits left, in that order. */
size_t pc_itin_merge(pc_itin_visit *v, size_t n, int64_t gap);

/* One row of the same-trip table: a place (train: and carriage) and an
 * interval in which the visits of one or more cases there overlap one
 * another (a maximal union); its cases are cases[first .. first + ncases),
 * ascending ordinals, each once. */
typedef struct pc_itin_trip {
  uint64_t place, region;
  int64_t from, to;
  uint32_t first, ncases;
  uint8_t channel, carriage;
  uint8_t pad[6];
} pc_itin_trip;

/* Local: the same-trip table of visits v[0..n) (merged, any order; v is not
 * changed) into trips (room for n) and cases (room for n), ordered by
 * (from, channel, place, carriage). Visits at one place whose intervals
 * overlap by a positive length, directly or through others, are one row;
 * visits that only touch or are apart are rows of their own. *ntrips: the
 * rows. Fails with PC_ERR_MEM. */
int pc_itin_trips(const pc_itin_visit *v, size_t n, pc_itin_trip *trips, size_t *ntrips,
                  uint32_t *cases);

#endif
