/* pc_move.h - synthetic movement: every person's stays as a pure function of
 * (seed, person, day), and the places they go to. Plain C (docs/TRACE.md). */
#ifndef PC_MOVE_H
#define PC_MOVE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_synth.h"
#include "pc_types.h"

/* Most stays one person can have in one day (travel days included). */
#define PC_MOVE_MAX_PER_DAY 16

/* Everything the generator needs, prepared once per run (local, no MPI):
 * per county its population share and its ranges of place numbers per
 * channel, per city its hot cells, per day the trains and flights. */
typedef struct pc_move_params {
  uint64_t seed;
  int64_t window_start, window_end; /* [as_of - days*86400, as_of) */
  int days;
  /* Local days (cut at local midnight, UTC+8) that touch the window: day index
   * d in [0, nday) is the local day number day0 + d (days since 1970-01-01,
   * local). nday = days when as_of is a local midnight, else days + 1 (the
   * first and last day partial). Trains and flights are numbered per day index. */
  int64_t day0;
  uint32_t nday;
  const pc_synth_params *sp;
  /* Per county (ordinal as in sp->county_code): first place number and count,
   * for each channel that has per-county places. */
  uint32_t ncounty;
  uint64_t *cell0, *ncell, *grid0, *ngrid, *cafe0, *ncafe, *hotel0, *nhotel;
  /* Cities (4-digit codes) and each county's city ordinal. */
  uint32_t ncity;
  uint32_t *city_code;
  uint32_t *county_city;
  /* Trains and flights per day (same count every day), carriages per train. */
  uint32_t trains_per_day, flights_per_day, carriages;
  uint64_t nplaces; /* total places, all channels */
  void *priv;       /* anything else the implementation keeps (freed by _free) */
} pc_move_params;

/* Prepare. window_start = as_of - days*86400. Returns 0, or PC_ERR_MEM. */
int pc_move_params_init(pc_move_params *mp, const pc_synth_params *sp, int64_t as_of, int days);
void pc_move_params_free(pc_move_params *mp);

/* The stays of person p (a row of /persons, pid set) over the whole window,
 * written to out (room for cap = PC_MOVE_MAX_PER_DAY * days rows; never more
 * than cap are written: a day has at most PC_MOVE_MAX_PER_DAY stays, and the
 * two partial days of a window not starting at local midnight together have
 * no more than that in practice, ~6 a day on average), sorted by
 * (start, channel, place), every byte set (pad zero), pid = p->pid, every
 * stay inside [window_start, window_end) with start < end. `ident` is a
 * per-person 64-bit number that does not depend on the pseudonymisation key
 * (the caller passes pc_move_ident of the ID number). Pure function of
 * (mp, *p, ident): no state, any rank can call it for anyone. Returns the
 * number of stays. */
size_t pc_move_person(const pc_move_params *mp, const pc_person *p, uint64_t ident, pc_stay *out,
                      size_t cap);

/* The key-independent identity of a person for the generator: a hash of the
 * 18-character ID number. */
uint64_t pc_move_ident(const char *idnum18);

/* Places, enumerated by number i in [0, mp->nplaces) (channel by channel: cafe,
 * lodging, flight, rail, lbs, grid). A place's id is pc_place_key of its name
 * (and carriage), exactly what ingest computes from stays.csv, so synth ->
 * CSV -> ingest gives the same /stays. Local. */
void pc_move_place(const pc_move_params *mp, uint64_t i, pc_place *out);
/* Place i as stays.csv writes it: name (PC_PLACE_NAME_LEN bytes, NUL-padded)
 * and rail carriage (0 otherwise). Local. */
void pc_move_place_csv(const pc_move_params *mp, uint64_t i, char *name, unsigned *carriage);
/* Number of the k-th place in ascending id order (k < nplaces): /places is
 * written in id order. Local. */
uint64_t pc_move_place_by_rank(const pc_move_params *mp, uint64_t k);
/* Number of the place with this id, -1 when none. Local (binary search). */
int64_t pc_move_place_index(const pc_move_params *mp, uint64_t id);

/* The outbreak venues: three places (a cafe, a hotel, a train carriage) in
 * the most populous city, and the period [*t0, *t1) (days -7 .. -5 before
 * as_of, clipped to the window; day -1 is the local day before the one that
 * contains as_of) in which their visitors become the pool the cases are drawn
 * from. The cafe is the first (busy) cafe of the city's most populous county;
 * the hotel the city's first (busy) hotel; the carriage is carriage 1 of the
 * evening train into the city on day -6 (clipped into the window), on the
 * rail route that starts in the city: it brings the city's travellers home. */
void pc_move_venues(const pc_move_params *mp, uint64_t venue[3], int64_t *t0, int64_t *t1);
/* 1 when place (an id) is one of the venues pc_move_venues gave, any room of the
 * venue hotel counting as the hotel (a room is a lodging place; venue[1] is the
 * hotel's first room), else 0. Local, cannot fail. */
int pc_move_at_venue(const pc_move_params *mp, const uint64_t venue[3], uint64_t place);
/* Which part of the outbreak's pool stay s puts its person in: 0 when it is a visit to a
 * venue (pc_move_at_venue) starting in [t0, t1), 1 when it is a visit to another cafe,
 * hotel, flight or train starting then (the pool's second part, drawn from only when a
 * small province's venues have fewer visitors than cases are asked for), else -1.
 * Local, cannot fail. */
int pc_move_pool_part(const pc_move_params *mp, const uint64_t venue[3], int64_t t0, int64_t t1,
                      const pc_stay *s);

/* Vehicles: every flight, and every train on a date with all its carriages,
 * numbered [0, pc_move_vehicles(mp)). The vehicle of place number i, or -1
 * when place i is neither a flight nor a rail carriage. Local, cannot fail
 * (synth's realistic CSV counts the riders of each). */
uint64_t pc_move_vehicles(const pc_move_params *mp);
int64_t pc_move_vehicle(const pc_move_params *mp, uint64_t i);

#endif
