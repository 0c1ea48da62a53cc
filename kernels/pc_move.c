/* pc_move.c - synthetic movement: each person's stays as a pure function of
 * (seed, ident, local day), and the places they go to (docs/TRACE.md,
 * "Synthetic movement"). */
#include "pc_move.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_hash.h"
#include "pc_rng.h"
#include "pc_sort.h"
#include "pc_time.h"

/* ---- The model's numbers ------------------------------------------------ */

#define RES_PER_CELL 400.0
#define RES_PER_GRID 1500.0
#define RES_PER_CAFE 5000.0
#define RES_PER_HOTEL 5000.0 /* China: ~300,000 hotels for 1.4 billion */
/* Floors per county, so that small tiers keep the day's shape (home, work and
 * an outing in different cells and mostly different grids). */
#define MIN_CELLS 16
#define MIN_GRIDS 8
/* Calibrated (issue 20) so that a 100-case outbreak's contacts of close contacts are ~3
 * per close contact at the city tier (Hunan 2021: 38,368 of 16,840, 2.3): every ride,
 * hotel night and cafe evening of a close contact in its window (exposure to as_of) adds
 * its whole carriage, room or evening crowd to hop 2. */
#define P_RAIL 0.004    /* a rail trip starts, per person-day (age >= 12): China's railways
                         * carried ~3.7 billion rides in 2019, ~0.7% of person-days */
#define P_FLIGHT 0.0005 /* a flight trip starts, per person-day (age >= 12): ~0.6 billion
                         * rides in 2019, fewer in 2021 */
#define P_HOT 0.045     /* a worker/student visits a city hot cell after work; with
                         * P_OUT_HOT, some of the station visits fewer trips no longer bring */
#define P_CAFE 0.015    /* an internet cafe visit, ages 16-35: one evening in ~2 months */
#define P_OUT_HOT 0.13  /* a non-worker's outing goes to a city hot cell */
#define P_OUT_MKT 0.20  /* ... to the county's market cell (its first cell) */
#define P_BUSY_CAFE 0.15  /* of cafe visits go to the county's busy tenth of its cafes */
#define P_BUSY_HOTEL 0.25 /* of hotel stays go to the city's first tenth of its hotels */
/* Rooms per hotel: a trip's nights are in one room, drawn uniformly, and a room is the
 * lodging place (SPEC: same room if rooms given), so a guest meets the room's other
 * guests, not every guest of the hotel's night (~20 at the city tier, ~60 in a busy one). */
#define ROOMS_PER_HOTEL 100
#define RAIL_PER_CARRIAGE 30.0 /* a third of a second-class carriage's ~90 seats (summer 2021) */
/* Rides per person-day: 2 a trip, ~88% of persons are 12 or older. */
#define PAX_PER_FLIGHT 125.0
#define FLIGHT_RIDES (P_FLIGHT * 2 * 0.88)
#define RAIL_RIDES (P_RAIL * 2 * 0.88)
#define MAX_CARRIAGES 8
#define LOOKBACK 3 /* longest trip: 3 hotel nights */

/* A probability as a threshold on a uniform 64-bit draw. */
#define TH(p) ((uint64_t)((p) * 18446744073709551616.0))

/* Purposes of the random draws (pc_rng), one per decision kind. Day-dependent
 * ones carry the local day number in the bits above 8. */
enum {
  P_ROUTE = 1, P_FROUTE, P_HOME, P_WORK, P_PERS, P_COMM, P_TRIP, P_TRIPD, P_NIGHT, P_DAY
};
static inline uint64_t day_purpose(unsigned purpose, int64_t day) {
  return (uint64_t)purpose | (uint64_t)day << 8;
}

/* One rail or flight route between two cities: 4 trains (flights) a day, in
 * the order a->b morning, b->a morning, a->b evening, b->a evening. An
 * outbound trip takes the morning one, the return the evening one back. */
typedef struct route {
  uint32_t a, b;   /* city ordinals */
  uint16_t dur;    /* minutes, both directions */
  uint16_t dep[4]; /* departure, minutes after local midnight */
} route;

typedef struct routes {
  uint32_t n;
  route *r;
  uint32_t *city0; /* ncity + 1: routes touching city c are list[city0[c] .. city0[c+1]) */
  uint32_t *list;
} routes;

typedef struct mv_priv {
  const pc_synth_params *sp;
  /* Counties. */
  double *county_cum;     /* cumulative population share (normalised to 1) */
  uint32_t *county_comm0; /* communities [comm0, comm1) of the county */
  uint32_t *county_comm1;
  /* Cities: counties [county0, county1), 3 hot cells (station, mall, hospital). */
  uint32_t *city_county0, *city_county1;
  double *city_share;
  uint32_t *city_hot;
  uint32_t big_city; /* most populous */
  /* Totals per channel and the place tables. */
  uint64_t ncell_t, ngrid_t, ncafe_t, nhotel_t, nroom_t, nflight_t, nrail_t;
  uint64_t *cell_region, *grid_region, *cafe_region, *hotel_region;
  uint32_t *cell_grid, *cafe_cell, *hotel_cell;
  uint32_t *cell_county, *grid_county, *cafe_county, *hotel_county;
  /* Communities: sorted codes, and the cells lying in each (home cells). */
  uint64_t *comm_code;
  uint32_t *comm_cell0, *comm_ncell;
  routes rail, air;
  uint64_t *train_region; /* per train of a day: the departure station's region */
  uint64_t *flight_region;
  /* Place ids: the id of global place number i (channel totals in the order
   * cafe, lodging, flight, rail, lbs, grid) is pc_place_key of its name, as
   * ingest computes it from stays.csv; ch0[ch] = the global number of the
   * channel's place 0; by_id: (id, i) sorted by id for lookups. */
  uint64_t *hid;
  uint64_t ch0[PC_NCHANNELS];
  pc_kv *by_id;
} mv_priv;

/* One of n places, the first max(1, n/10) of them (the busy ones) with
 * probability p_busy, else any of the n uniformly. */
static uint64_t pick_skewed(uint64_t r1, uint64_t r2, uint64_t n, double p_busy) {
  uint64_t busy = n / 10 ? n / 10 : 1;
  return pc_below(r2, pc_u01(r1) < p_busy ? busy : n);
}


/* ---- Preparation -------------------------------------------------------- */

static int place_ids(pc_move_params *mp, mv_priv *v);

static uint64_t count_of(double residents, double per, uint64_t min) {
  double x = residents / per + 0.5;
  uint64_t n = x < 1 ? 0 : (uint64_t)x;
  return n < min ? min : n;
}

/* The community of county c at fraction f (0..1) of its population, walking
 * the county's communities in code order (binary search on comm_cum). */
static uint32_t comm_at(const pc_synth_params *sp, const mv_priv *v, uint32_t c, double f) {
  uint32_t k0 = v->county_comm0[c], k1 = v->county_comm1[c];
  double lo = k0 ? sp->comm_cum[k0 - 1] : 0, hi = sp->comm_cum[k1 - 1];
  double x = lo + f * (hi - lo);
  uint32_t a = k0, b = k1 - 1;
  while (a < b) {
    uint32_t m = (a + b) / 2;
    if (sp->comm_cum[m] > x)
      b = m;
    else
      a = m + 1;
  }
  return a;
}

/* Number the places of one per-county channel: per county count(residents),
 * positions spread over the county's population; region = the community at
 * each position. */
static int number_places(const pc_synth_params *sp, mv_priv *v, const double *share, double per,
                         uint64_t min, uint64_t *first, uint64_t *cnt, uint64_t *total,
                         uint64_t **region, uint32_t **county) {
  uint64_t n = 0;
  for (uint32_t c = 0; c < sp->ncounty; c++) {
    first[c] = n;
    cnt[c] = count_of(share[c] * (double)sp->npersons, per, min);
    n += cnt[c];
  }
  *total = n;
  *region = pc_malloc(n * sizeof **region, "place regions");
  *county = pc_malloc(n * sizeof **county, "place counties");
  if (!*region || !*county) return PC_ERR_MEM;
  for (uint32_t c = 0; c < sp->ncounty; c++)
    for (uint64_t j = 0; j < cnt[c]; j++) {
      double f = ((double)j + 0.5) / (double)cnt[c];
      (*region)[first[c] + j] = sp->comm[comm_at(sp, v, c, f)]->code;
      (*county)[first[c] + j] = c;
    }
  return 0;
}

/* City picked by the fraction u of the province's population. */
static uint32_t city_at(const mv_priv *v, uint32_t ncity, double u) {
  double c = 0;
  for (uint32_t i = 0; i < ncity; i++) {
    c += v->city_share[i];
    if (u < c) return i;
  }
  return ncity - 1;
}

/* Routes. The first `ncover` start at cities 0, 1, ... in turn, and end at
 * city r + ncover while there is one, so every city is served; the others
 * start at cities in proportion to population. The far end, unless fixed, is
 * another city drawn in proportion to population (a gravity model). */
static int build_routes(uint64_t seed, mv_priv *v, uint32_t ncity, uint32_t n, uint32_t ncover,
                        unsigned purpose, unsigned dur_steps, unsigned am_steps, unsigned pm_steps,
                        routes *rt) {
  rt->n = ncity >= 2 ? (n > ncover ? n : ncover) : 0;
  rt->r = pc_calloc(rt->n + 1, sizeof *rt->r, "routes");
  rt->city0 = pc_calloc(ncity + 1, sizeof *rt->city0, "routes");
  rt->list = pc_calloc(2 * (size_t)rt->n + 1, sizeof *rt->list, "routes");
  if (!rt->r || !rt->city0 || !rt->list) return PC_ERR_MEM;
  for (uint32_t r = 0; r < rt->n; r++) {
    route *x = &rt->r[r];
    pc_stream s = pc_stream_make(seed, r, purpose);
    x->a = r < ncover ? r
                      : city_at(v, ncity, ((double)(r - ncover) + 0.5) / (double)(rt->n - ncover));
    double u = pc_next_u01(&s) * (1.0 - v->city_share[x->a]), c = 0;
    x->b = x->a == 0 ? 1 : 0;
    for (uint32_t i = 0; i < ncity; i++) {
      if (i == x->a) continue;
      x->b = i;
      c += v->city_share[i];
      if (u < c) break;
    }
    if (r < ncover && r + ncover < ncity) x->b = r + ncover;
    x->dur = (uint16_t)(60 + 5 * pc_next_below(&s, dur_steps));
    x->dep[0] = (uint16_t)(420 + 5 * pc_next_below(&s, am_steps));
    x->dep[1] = (uint16_t)(420 + 5 * pc_next_below(&s, am_steps));
    x->dep[2] = (uint16_t)(900 + 5 * pc_next_below(&s, pm_steps));
    x->dep[3] = (uint16_t)(900 + 5 * pc_next_below(&s, pm_steps));
  }
  /* Per city, the routes touching it (CSR). */
  for (uint32_t r = 0; r < rt->n; r++) {
    rt->city0[rt->r[r].a + 1]++;
    rt->city0[rt->r[r].b + 1]++;
  }
  for (uint32_t c = 0; c < ncity; c++) rt->city0[c + 1] += rt->city0[c];
  uint32_t *fill = pc_calloc(ncity + 1, sizeof *fill, "routes");
  if (!fill) return PC_ERR_MEM;
  for (uint32_t r = 0; r < rt->n; r++) {
    rt->list[rt->city0[rt->r[r].a] + fill[rt->r[r].a]++] = r;
    rt->list[rt->city0[rt->r[r].b] + fill[rt->r[r].b]++] = r;
  }
  free(fill);
  return 0;
}

int pc_move_params_init(pc_move_params *mp, const pc_synth_params *sp, int64_t as_of, int days) {
  memset(mp, 0, sizeof *mp);
  if (sp->ncounty == 0 || sp->ncomm == 0)
    return PC_ERROR(PC_ERR_DATA, "movement: the region table has no counties");
  mv_priv *v = pc_calloc(1, sizeof *v, "movement parameters");
  if (!v) return PC_ERR_MEM;
  mp->priv = v;
  v->sp = sp;
  mp->sp = sp;
  mp->seed = sp->seed;
  mp->days = days < 0 ? 0 : days;
  mp->window_end = as_of;
  mp->window_start = as_of - (int64_t)mp->days * 86400;
  mp->day0 = pc_local_day(mp->window_start);
  const int64_t last_day = pc_local_day(mp->window_end - 1);
  mp->nday = mp->days ? (uint32_t)(last_day - mp->day0 + 1) : 0;
  const uint32_t C = sp->ncounty;
  mp->ncounty = C;
  /* Counties: share, community ranges, cities. */
  double *share = pc_calloc(C, sizeof *share, "county shares");
  v->county_cum = pc_calloc(C, sizeof *v->county_cum, "county shares");
  v->county_comm0 = pc_calloc(C, sizeof *v->county_comm0, "counties");
  v->county_comm1 = pc_calloc(C, sizeof *v->county_comm1, "counties");
  mp->county_city = pc_calloc(C, sizeof *mp->county_city, "counties");
  mp->city_code = pc_calloc(C, sizeof *mp->city_code, "cities");
  v->city_county0 = pc_calloc(C, sizeof *v->city_county0, "cities");
  v->city_county1 = pc_calloc(C, sizeof *v->city_county1, "cities");
  v->city_share = pc_calloc(C, sizeof *v->city_share, "cities");
  v->comm_code = pc_malloc(sp->ncomm * sizeof *v->comm_code, "communities");
  v->comm_cell0 = pc_calloc(sp->ncomm, sizeof *v->comm_cell0, "communities");
  v->comm_ncell = pc_calloc(sp->ncomm, sizeof *v->comm_ncell, "communities");
  int rc = 0;
  if (!share || !v->county_cum || !v->county_comm0 || !v->county_comm1 ||
      !mp->county_city || !mp->city_code || !v->city_county0 || !v->city_county1 ||
      !v->city_share || !v->comm_code || !v->comm_cell0 || !v->comm_ncell) {
    rc = PC_ERR_MEM;
    goto done;
  }
  const double total = sp->comm_cum[sp->ncomm - 1];
  for (uint32_t k = 0; k < sp->ncomm; k++) {
    uint32_t c = sp->comm_county[k];
    v->comm_code[k] = sp->comm[k]->code;
    if (k == 0 || sp->comm_county[k - 1] != c) v->county_comm0[c] = k;
    v->county_comm1[c] = k + 1;
    share[c] += (sp->comm_cum[k] - (k ? sp->comm_cum[k - 1] : 0)) / total;
  }
  double cum = 0;
  for (uint32_t c = 0; c < C; c++) {
    cum += share[c];
    v->county_cum[c] = cum;
    uint32_t city = sp->county_code[c] / 100;
    if (mp->ncity == 0 || mp->city_code[mp->ncity - 1] != city) {
      mp->city_code[mp->ncity] = city;
      v->city_county0[mp->ncity] = c;
      mp->ncity++;
    }
    mp->county_city[c] = mp->ncity - 1;
    v->city_county1[mp->ncity - 1] = c + 1;
    v->city_share[mp->ncity - 1] += share[c];
  }
  v->county_cum[C - 1] = 1.0;
  for (uint32_t i = 1; i < mp->ncity; i++)
    if (v->city_share[i] > v->city_share[v->big_city]) v->big_city = i;
  /* Places per county. */
  mp->cell0 = pc_calloc(C, sizeof(uint64_t), "cells");
  mp->ncell = pc_calloc(C, sizeof(uint64_t), "cells");
  mp->grid0 = pc_calloc(C, sizeof(uint64_t), "grids");
  mp->ngrid = pc_calloc(C, sizeof(uint64_t), "grids");
  mp->cafe0 = pc_calloc(C, sizeof(uint64_t), "cafes");
  mp->ncafe = pc_calloc(C, sizeof(uint64_t), "cafes");
  mp->hotel0 = pc_calloc(C, sizeof(uint64_t), "hotels");
  mp->nhotel = pc_calloc(C, sizeof(uint64_t), "hotels");
  if (!mp->cell0 || !mp->ncell || !mp->grid0 || !mp->ngrid || !mp->cafe0 || !mp->ncafe ||
      !mp->hotel0 || !mp->nhotel) {
    rc = PC_ERR_MEM;
    goto done;
  }
  /* MIN_CELLS >= 3: each city's first county holds its 3 hot cells. */
  if ((rc = number_places(sp, v, share, RES_PER_CELL, MIN_CELLS, mp->cell0, mp->ncell,
                          &v->ncell_t, &v->cell_region, &v->cell_county)) ||
      (rc = number_places(sp, v, share, RES_PER_GRID, MIN_GRIDS, mp->grid0, mp->ngrid,
                          &v->ngrid_t, &v->grid_region, &v->grid_county)) ||
      (rc = number_places(sp, v, share, RES_PER_CAFE, 1, mp->cafe0, mp->ncafe, &v->ncafe_t,
                          &v->cafe_region, &v->cafe_county)) ||
      (rc = number_places(sp, v, share, RES_PER_HOTEL, 1, mp->hotel0, mp->nhotel, &v->nhotel_t,
                          &v->hotel_region, &v->hotel_county)))
    goto done;
  if (v->ncell_t >= UINT32_MAX || v->ngrid_t >= UINT32_MAX) {
    rc = PC_ERROR(PC_ERR_DATA, "movement: too many cells");
    goto done;
  }
  /* Cells nest in grids, cafes and hotels lie in cells: by position in the
   * county's population. Home cells: the cells lying in each community. */
  v->cell_grid = pc_malloc(v->ncell_t * sizeof *v->cell_grid, "cells");
  v->cafe_cell = pc_malloc(v->ncafe_t * sizeof *v->cafe_cell, "cafes");
  v->hotel_cell = pc_malloc(v->nhotel_t * sizeof *v->hotel_cell, "hotels");
  v->city_hot = pc_malloc(3 * (size_t)mp->ncity * sizeof *v->city_hot, "hot cells");
  if (!v->cell_grid || !v->cafe_cell || !v->hotel_cell || !v->city_hot) {
    rc = PC_ERR_MEM;
    goto done;
  }
  for (uint32_t c = 0; c < C; c++) {
    uint64_t nc = mp->ncell[c];
    for (uint64_t j = 0; j < nc; j++) {
      uint64_t g = (uint64_t)(((double)j + 0.5) / (double)nc * (double)mp->ngrid[c]);
      if (g >= mp->ngrid[c]) g = mp->ngrid[c] - 1;
      v->cell_grid[mp->cell0[c] + j] = (uint32_t)(mp->grid0[c] + g);
      uint32_t k = comm_at(sp, v, c, ((double)j + 0.5) / (double)nc);
      if (v->comm_ncell[k]++ == 0) v->comm_cell0[k] = (uint32_t)(mp->cell0[c] + j);
    }
    for (uint64_t j = 0; j < mp->ncafe[c]; j++) {
      uint64_t x = (uint64_t)(((double)j + 0.5) / (double)mp->ncafe[c] * (double)nc);
      v->cafe_cell[mp->cafe0[c] + j] = (uint32_t)(mp->cell0[c] + (x < nc ? x : nc - 1));
    }
    for (uint64_t j = 0; j < mp->nhotel[c]; j++) {
      uint64_t x = (uint64_t)(((double)j + 0.5) / (double)mp->nhotel[c] * (double)nc);
      v->hotel_cell[mp->hotel0[c] + j] = (uint32_t)(mp->cell0[c] + (x < nc ? x : nc - 1));
    }
    /* A community too small to hold a cell's centre uses the cell nearest its start. */
    uint32_t k0 = v->county_comm0[c], k1 = v->county_comm1[c];
    double lo = k0 ? sp->comm_cum[k0 - 1] : 0, w = sp->comm_cum[k1 - 1] - lo;
    for (uint32_t k = k0; k < k1; k++)
      if (v->comm_ncell[k] == 0) {
        double f = w > 0 ? ((k ? sp->comm_cum[k - 1] : 0) - lo) / w : 0;
        uint64_t x = (uint64_t)(f * (double)nc);
        v->comm_cell0[k] = (uint32_t)(mp->cell0[c] + (x < nc ? x : nc - 1));
        v->comm_ncell[k] = 1;
      }
  }
  for (uint32_t i = 0; i < mp->ncity; i++)
    for (int h = 0; h < 3; h++)
      v->city_hot[3 * i + h] = (uint32_t)(mp->cell0[v->city_county0[i]] + (uint64_t)h);
  /* Trains and flights: sized so a carriage holds ~60 riders and a flight
   * ~125 passengers, with at least the routes that serve every city. */
  {
    double N = (double)sp->npersons;
    double carriage_days = N * RAIL_RIDES / RAIL_PER_CARRIAGE;
    uint32_t nr = (uint32_t)(carriage_days / (4.0 * MAX_CARRIAGES) + 0.5);
    if (nr < mp->ncity) nr = mp->ncity;
    if (mp->ncity < 2) nr = 0;
    double car = carriage_days / (4.0 * nr) + 0.5;
    mp->carriages = car < 1 ? 1 : car > MAX_CARRIAGES ? MAX_CARRIAGES : (uint32_t)car;
    double flights = N * FLIGHT_RIDES / PAX_PER_FLIGHT;
    uint32_t nf = (uint32_t)(flights / 4.0 + 0.5);
    /* Rail: a route starts at every city. Flights: every city is an end of
     * one of the first ncity/2 routes. */
    if ((rc = build_routes(sp->seed, v, mp->ncity, nr, mp->ncity, P_ROUTE, 25, 48, 48, &v->rail)) ||
        (rc = build_routes(sp->seed, v, mp->ncity, nf, (mp->ncity + 1) / 2, P_FROUTE, 19, 37, 49,
                           &v->air)))
      goto done;
    mp->trains_per_day = 4 * v->rail.n;
    mp->flights_per_day = 4 * v->air.n;
    v->train_region = pc_calloc(mp->trains_per_day + 1, sizeof(uint64_t), "trains");
    v->flight_region = pc_calloc(mp->flights_per_day + 1, sizeof(uint64_t), "flights");
    if (!v->train_region || !v->flight_region) {
      rc = PC_ERR_MEM;
      goto done;
    }
    for (uint32_t t = 0; t < mp->trains_per_day; t++) {
      const route *x = &v->rail.r[t / 4];
      uint32_t from = (t % 2 == 0) ? x->a : x->b;
      v->train_region[t] = v->cell_region[v->city_hot[3 * from]];
    }
    for (uint32_t t = 0; t < mp->flights_per_day; t++) {
      const route *x = &v->air.r[t / 4];
      uint32_t from = (t % 2 == 0) ? x->a : x->b;
      v->flight_region[t] = v->cell_region[v->city_hot[3 * from]];
    }
  }
  v->nflight_t = (uint64_t)mp->nday * mp->flights_per_day;
  v->nrail_t = (uint64_t)mp->nday * mp->trains_per_day * mp->carriages;
  v->nroom_t = v->nhotel_t * ROOMS_PER_HOTEL;
  mp->nplaces = v->ncafe_t + v->nroom_t + v->nflight_t + v->nrail_t + v->ncell_t + v->ngrid_t;
  rc = place_ids(mp, v);
done:
  free(share);
  if (rc) pc_move_params_free(mp);
  return rc;
}

static void free_routes(routes *r) {
  free(r->r);
  free(r->city0);
  free(r->list);
}

void pc_move_params_free(pc_move_params *mp) {
  mv_priv *v = mp->priv;
  if (v) {
    free(v->county_cum);
    free(v->county_comm0);
    free(v->county_comm1);
    free(v->city_county0);
    free(v->city_county1);
    free(v->city_share);
    free(v->city_hot);
    free(v->cell_region);
    free(v->grid_region);
    free(v->cafe_region);
    free(v->hotel_region);
    free(v->cell_grid);
    free(v->cafe_cell);
    free(v->hotel_cell);
    free(v->cell_county);
    free(v->grid_county);
    free(v->cafe_county);
    free(v->hotel_county);
    free(v->comm_code);
    free(v->hid);
    free(v->by_id);
    free(v->comm_cell0);
    free(v->comm_ncell);
    free_routes(&v->rail);
    free_routes(&v->air);
    free(v->train_region);
    free(v->flight_region);
    free(v);
  }
  free(mp->cell0);
  free(mp->ncell);
  free(mp->grid0);
  free(mp->ngrid);
  free(mp->cafe0);
  free(mp->ncafe);
  free(mp->hotel0);
  free(mp->nhotel);
  free(mp->city_code);
  free(mp->county_city);
  memset(mp, 0, sizeof *mp);
}

/* ---- One person --------------------------------------------------------- */

static int stay_less(const pc_stay *a, const pc_stay *b) {
  if (a->start != b->start) return a->start < b->start;
  if (a->channel != b->channel) return a->channel < b->channel;
  return a->place < b->place;
}

static void insertion_sort(pc_stay *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    if (!stay_less(&a[i], &a[i - 1])) continue;
    pc_stay x = a[i];
    size_t j = i;
    while (j > 0 && stay_less(&x, &a[j - 1])) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = x;
  }
}

/* Output being written: the window, the person, one day's rows in a small
 * buffer (cache-hot: sorted there, then copied out in one go), the rows. */
#define DAY_BUF (PC_MOVE_MAX_PER_DAY + 8)
typedef struct sink {
  const pc_move_params *mp;
  const mv_priv *v;
  uint64_t pid;
  int64_t ws, we;
  pc_stay *out;
  size_t n, cap;
  size_t nb;
  pc_stay buf[DAY_BUF];
} sink;

/* The day's rows, sorted, to the output (at most cap rows in all). */
static void flush(sink *k) {
  insertion_sort(k->buf, k->nb);
  size_t m = k->nb < k->cap - k->n ? k->nb : k->cap - k->n;
  memcpy(k->out + k->n, k->buf, m * sizeof *k->buf);
  k->n += m;
  k->nb = 0;
}

static void emit(sink *k, unsigned ch, uint64_t n, uint64_t region, int64_t s, int64_t e,
                 unsigned carriage, int row) {
  if (s < k->ws) s = k->ws;
  if (e > k->we) e = k->we;
  if (s >= e || k->nb >= DAY_BUF) return;
  pc_stay *o = &k->buf[k->nb++];
  memset(o, 0, sizeof *o);
  o->pid = k->pid;
  o->place = k->v->hid[k->v->ch0[ch] + n];
  o->start = s;
  o->end = e;
  o->region = region;
  o->channel = (uint8_t)ch;
  o->carriage = (uint8_t)carriage;
  o->row = (int16_t)row;
}

/* One day's phone timeline: cells over [a, b) minutes after local midnight. */
typedef struct seg {
  int a, b;
  uint32_t cell;
} seg;
typedef struct timeline {
  seg s[12];
  int n;
} timeline;

static void add(timeline *t, int a, int b, uint32_t cell) {
  if (b <= a) return;
  if (t->n && t->s[t->n - 1].cell == cell && t->s[t->n - 1].b == a) {
    t->s[t->n - 1].b = b;
    return;
  }
  if (t->n < (int)(sizeof t->s / sizeof t->s[0])) t->s[t->n++] = (seg){a, b, cell};
}

/* The timeline as lbs stays, and mirrored on the grids (consecutive cells of
 * one grid make one grid stay). */
static void emit_timeline(sink *k, const timeline *t, int64_t t0) {
  const mv_priv *v = k->v;
  for (int i = 0; i < t->n; i++)
    emit(k, PC_CH_LBS, t->s[i].cell, v->cell_region[t->s[i].cell], t0 + 60 * (int64_t)t->s[i].a,
         t0 + 60 * (int64_t)t->s[i].b, 0, 0);
  for (int i = 0; i < t->n;) {
    uint32_t g = v->cell_grid[t->s[i].cell];
    int a = t->s[i].a, b = t->s[i].b, j = i + 1;
    while (j < t->n && t->s[j].a == b && v->cell_grid[t->s[j].cell] == g) b = t->s[j++].b;
    emit(k, PC_CH_GRID, g, v->grid_region[g], t0 + 60 * (int64_t)a, t0 + 60 * (int64_t)b, 0, 0);
    i = j;
  }
}

/* Whether a trip starts on a day (before the no-overlap rule), and its
 * number of hotel nights. */
typedef struct trip_raw {
  int kind; /* 0 none, 1 rail, 2 flight */
  int nights;
} trip_raw;

static trip_raw raw_trip(uint64_t seed, uint64_t ident, int64_t day, int travels) {
  trip_raw t = {0, 0};
  if (!travels) return t;
  uint64_t r = pc_rng(seed, ident, day_purpose(P_TRIP, day), 0);
  if (r < TH(P_RAIL))
    t.kind = 1;
  else if (r < TH(P_RAIL) + TH(P_FLIGHT))
    t.kind = 2;
  else
    return t;
  uint64_t r2 = pc_mix64(r ^ 0x7472697070ULL);
  t.nights = (r2 & 1) ? 0 : 1 + (int)((r2 >> 1) % 3);
  return t;
}

/* A trip starting on `day` really happens unless a trip drawn on one of the
 * previous LOOKBACK days still covers it; then no two trips overlap, and
 * day d's plan needs only days d-2*LOOKBACK .. d. */
static int trip_starts(uint64_t seed, uint64_t ident, int64_t day, int travels, trip_raw *t) {
  *t = raw_trip(seed, ident, day, travels);
  if (!t->kind) return 0;
  for (int i = 1; i <= LOOKBACK; i++) {
    trip_raw p = raw_trip(seed, ident, day - i, travels);
    if (p.kind && p.nights >= i) return 0;
  }
  return 1;
}

/* A hotel night starting on `day`: check-in (minutes after that midnight)
 * and check-out (minutes after the next midnight). */
static void night_times(uint64_t seed, uint64_t ident, int64_t day, int *in, int *out) {
  uint64_t r = pc_rng(seed, ident, day_purpose(P_NIGHT, day), 0);
  *in = 1200 + (int)pc_below(r, 91);
  *out = 420 + (int)pc_below(pc_mix64(r), 120);
}

/* Everything about one trip, a pure function of (seed, ident, start day). */
typedef struct trip {
  int rail;
  uint32_t out_t, ret_t; /* train/flight of the day (4*route + kind) */
  int dep, arr, rdep, rarr, pre;
  unsigned car_out, car_ret;
  int row_out, row_ret;
  uint32_t st_home, st_dest, dest_cell, hotel, hotel_cell, room;
} trip;

static int plan_trip(const pc_move_params *mp, const mv_priv *v, uint64_t ident, int64_t day,
                     int kind, uint32_t city, trip *tr) {
  const routes *rt = kind == 2 ? &v->air : &v->rail;
  if (rt->city0[city + 1] == rt->city0[city]) rt = &v->rail; /* no airport route: by train */
  uint32_t nr = rt->city0[city + 1] - rt->city0[city];
  if (nr == 0) return 0;
  pc_stream s = pc_stream_make(mp->seed, ident, day_purpose(P_TRIPD, day));
  uint32_t r = rt->list[rt->city0[city] + pc_next_below(&s, nr)];
  const route *x = &rt->r[r];
  int dir = x->a == city ? 0 : 1;
  uint32_t dest = dir ? x->a : x->b;
  tr->rail = rt == &v->rail;
  tr->out_t = 4 * r + (uint32_t)dir;
  tr->ret_t = 4 * r + 3 - (uint32_t)dir;
  tr->dep = x->dep[dir];
  tr->arr = tr->dep + x->dur;
  tr->rdep = x->dep[3 - dir];
  tr->rarr = tr->rdep + x->dur;
  tr->pre = tr->rail ? 30 : 60;
  unsigned ncar = tr->rail ? mp->carriages : 1;
  int rows = tr->rail ? 18 : 30;
  tr->car_out = tr->rail ? 1 + (unsigned)pc_next_below(&s, ncar) : 0;
  tr->car_ret = tr->rail ? 1 + (unsigned)pc_next_below(&s, ncar) : 0;
  tr->row_out = 1 + (int)pc_next_below(&s, (uint64_t)rows);
  tr->row_ret = 1 + (int)pc_next_below(&s, (uint64_t)rows);
  tr->st_home = v->city_hot[3 * city];
  tr->st_dest = v->city_hot[3 * dest];
  /* A county of the destination city by population, a cell in it. */
  uint32_t c0 = v->city_county0[dest], c1 = v->city_county1[dest];
  double lo = c0 ? v->county_cum[c0 - 1] : 0, hi = v->county_cum[c1 - 1];
  double xx = lo + pc_next_u01(&s) * (hi - lo);
  uint32_t a = c0, b = c1 - 1;
  while (a < b) {
    uint32_t m = (a + b) / 2;
    if (v->county_cum[m] > xx)
      b = m;
    else
      a = m + 1;
  }
  tr->dest_cell = (uint32_t)(mp->cell0[a] + pc_next_below(&s, mp->ncell[a]));
  /* A hotel of the destination city; its first tenth (in the city's first,
   * central county) are busy. */
  uint64_t h0 = mp->hotel0[c0], nh = mp->hotel0[c1 - 1] + mp->nhotel[c1 - 1] - h0;
  uint64_t r1 = pc_next(&s), r2 = pc_next(&s);
  tr->hotel = (uint32_t)(h0 + pick_skewed(r1, r2, nh, P_BUSY_HOTEL));
  tr->hotel_cell = v->hotel_cell[tr->hotel];
  tr->room = (uint32_t)pc_next_below(&s, ROOMS_PER_HOTEL);
  return 1;
}

static void emit_ride(sink *k, const trip *tr, int ret, int64_t day, int64_t t0) {
  const pc_move_params *mp = k->mp;
  const mv_priv *v = k->v;
  int64_t d = day - mp->day0;
  if (d < 0 || d >= (int64_t)mp->nday) return;
  uint32_t t = ret ? tr->ret_t : tr->out_t;
  int a = ret ? tr->rdep : tr->dep, b = ret ? tr->rarr : tr->arr;
  if (tr->rail) {
    unsigned car = ret ? tr->car_ret : tr->car_out;
    uint64_t n = ((uint64_t)d * mp->trains_per_day + t) * mp->carriages + car - 1;
    emit(k, PC_CH_RAIL, n, v->train_region[t], t0 + 60 * (int64_t)a, t0 + 60 * (int64_t)b, car,
         ret ? tr->row_ret : tr->row_out);
  } else {
    uint64_t n = (uint64_t)d * mp->flights_per_day + t;
    emit(k, PC_CH_FLIGHT, n, v->flight_region[t], t0 + 60 * (int64_t)a, t0 + 60 * (int64_t)b, 0,
         ret ? tr->row_ret : tr->row_out);
  }
}

static void emit_lodging(sink *k, const trip *tr, uint64_t ident, int64_t day, int64_t t0) {
  int in, out;
  night_times(k->mp->seed, ident, day, &in, &out);
  emit(k, PC_CH_LODGING, (uint64_t)tr->hotel * ROOMS_PER_HOTEL + tr->room,
       k->v->hotel_region[tr->hotel], t0 + 60 * (int64_t)in,
       t0 + 86400 + 60 * (int64_t)out, 0, 0);
}

static uint32_t find_comm(const mv_priv *v, uint32_t ncomm, uint64_t code) {
  uint32_t a = 0, b = ncomm;
  while (a < b) {
    uint32_t m = (a + b) / 2;
    if (v->comm_code[m] < code)
      a = m + 1;
    else
      b = m;
  }
  return a < ncomm && v->comm_code[a] == code ? a : UINT32_MAX;
}

static uint32_t find_county(const pc_synth_params *sp, uint32_t code) {
  uint32_t a = 0, b = sp->ncounty;
  while (a < b) {
    uint32_t m = (a + b) / 2;
    if (sp->county_code[m] < code)
      a = m + 1;
    else
      b = m;
  }
  return a < sp->ncounty && sp->county_code[a] == code ? a : UINT32_MAX;
}

size_t pc_move_person(const pc_move_params *mp, const pc_person *p, uint64_t ident, pc_stay *out,
                      size_t cap) {
  const mv_priv *v = mp->priv;
  const pc_synth_params *sp = v->sp;
  const uint64_t seed = mp->seed;
  if (mp->nday == 0) return 0;
  sink k;
  k.mp = mp;
  k.v = v;
  k.pid = p->pid;
  k.ws = mp->window_start;
  k.we = mp->window_end;
  k.out = out;
  k.n = 0;
  k.cap = cap;
  k.nb = 0;
  /* Residence: community, county, city; home cell from the household. */
  uint32_t comm = find_comm(v, sp->ncomm, p->region);
  if (comm == UINT32_MAX)
    comm = pc_pick_cum(sp->comm_cum, sp->ncomm, pc_u01(pc_rng(seed, ident, P_COMM, 0)));
  const uint32_t county = sp->comm_county[comm], city = mp->county_city[county];
  uint64_t hh = p->household ? p->household : ident ^ 0x8000000000000000ULL;
  const uint32_t home =
      v->comm_cell0[comm] + (uint32_t)pc_below(pc_rng(seed, hh, P_HOME, 0), v->comm_ncell[comm]);
  /* Who: worker/student (a day at work or school), or not. */
  const int age = pc_age_at(p->birth_date, mp->window_end);
  const int student = p->sector[0] == 'S' && p->sector[1] == '0';
  const int worker = student || (p->sector[0] >= 'A' && p->sector[0] <= 'T' && p->sector[1] == 0);
  const int cafe_age = age >= 16 && age <= 35, travels = age >= 12 || age < 0;
  pc_stream ps = pc_stream_make(seed, ident, P_PERS);
  uint32_t work = home;
  int base0 = 0, base1 = 0;
  if (worker) {
    uint32_t ec = p->employer ? find_county(sp, (uint32_t)(p->employer / 1000000)) : UINT32_MAX;
    if (ec != UINT32_MAX)
      work = (uint32_t)(mp->cell0[ec] +
                        pc_below(pc_rng(seed, p->employer, P_WORK, 0), mp->ncell[ec]));
    else /* farmers, and employers outside the province's counties: a cell of the county */
      work = (uint32_t)(mp->cell0[county] + pc_next_below(&ps, mp->ncell[county]));
    base0 = (int)pc_next_below(&ps, 51);
    base1 = (int)pc_next_below(&ps, 51);
  }
  const uint32_t *hot = &v->city_hot[3 * city];
  const uint32_t market = (uint32_t)mp->cell0[county];

  for (int64_t day = mp->day0 - 1; day < mp->day0 + (int64_t)mp->nday; day++) {
    flush(&k); /* the day before's rows */
    const int64_t t0 = pc_local_midnight(day);
    const int pre_window = day < mp->day0; /* only its hotel night can reach the window */
    /* The trip covering this day, if any: started j days ago with L >= j nights. */
    trip_raw tw = {0, 0};
    int64_t tstart = 0;
    for (int j = 0; j <= LOOKBACK; j++) {
      trip_raw t;
      if (trip_starts(seed, ident, day - j, travels, &t) && t.nights >= j) {
        tw = t;
        tstart = day - j;
        break;
      }
    }
    trip tr;
    if (tw.kind && plan_trip(mp, v, ident, tstart, tw.kind, city, &tr)) {
      const int j = (int)(day - tstart), L = tw.nights;
      if (j < L) emit_lodging(&k, &tr, ident, day, t0);
      if (pre_window) continue;
      timeline tl = {.n = 0};
      int t = 0;
      if (j == 0) {
        add(&tl, 0, tr.dep - tr.pre, home);
        add(&tl, tr.dep - tr.pre, tr.dep, tr.st_home);
        emit_ride(&k, &tr, 0, day, t0);
        add(&tl, tr.arr, tr.arr + 30, tr.st_dest);
        t = tr.arr + 30;
      } else {
        int in, co;
        night_times(seed, ident, day - 1, &in, &co);
        add(&tl, 0, co, tr.hotel_cell);
        t = co;
      }
      if (j < L) {
        int in, co;
        night_times(seed, ident, day, &in, &co);
        add(&tl, t, in, tr.dest_cell);
        add(&tl, in, 1440, tr.hotel_cell);
      } else {
        add(&tl, t, tr.rdep - tr.pre, tr.dest_cell);
        add(&tl, tr.rdep - tr.pre, tr.rdep, tr.st_dest);
        emit_ride(&k, &tr, 1, day, t0);
        add(&tl, tr.rarr, tr.rarr + 30, tr.st_home);
        add(&tl, tr.rarr + 30, 1440, home);
      }
      emit_timeline(&k, &tl, t0);
      continue;
    }
    if (pre_window) continue;
    /* A day at home. */
    pc_stream s = pc_stream_make(seed, ident, day_purpose(P_DAY, day));
    timeline tl = {.n = 0};
    int t;
    if (worker) {
      int w0 = 480 + base0 + (int)pc_next_below(&s, 11) - 5;
      int w1 = 1020 + base1 + (int)pc_next_below(&s, 11) - 5;
      add(&tl, 0, w0, home);
      add(&tl, w0, w1, work);
      t = w1;
      if (pc_next(&s) < TH(P_HOT)) {
        int d = 30 + (int)pc_next_below(&s, 61);
        add(&tl, t, t + d, hot[pc_next_below(&s, 3)]);
        t += d;
      }
    } else {
      int o0 = 480 + (int)pc_next_below(&s, 481);
      uint64_t u = pc_next(&s);
      uint32_t cell;
      int d;
      if (u < TH(P_OUT_HOT)) {
        cell = hot[pc_next_below(&s, 3)];
        d = 30 + (int)pc_next_below(&s, 61);
      } else {
        cell = u < TH(P_OUT_HOT + P_OUT_MKT)
                   ? market
                   : (uint32_t)(mp->cell0[county] + pc_next_below(&s, mp->ncell[county]));
        d = 60 + (int)pc_next_below(&s, 121);
      }
      add(&tl, 0, o0, home);
      add(&tl, o0, o0 + d, cell);
      t = o0 + d;
    }
    if (cafe_age && pc_next(&s) < TH(P_CAFE)) {
      /* An internet cafe of the county, in the evening, 1-4 h; the county's
       * first tenth of cafes are busy. */
      int cs = 1140 + (int)pc_next_below(&s, 121), ce;
      if (cs < t) cs = t;
      ce = cs + 60 + (int)pc_next_below(&s, 181);
      if (ce > 1410) ce = 1410;
      uint64_t r1 = pc_next(&s), r2 = pc_next(&s);
      uint64_t cafe = mp->cafe0[county] + pick_skewed(r1, r2, mp->ncafe[county], P_BUSY_CAFE);
      if (ce - cs >= 30) {
        add(&tl, t, cs, home);
        add(&tl, cs, ce, v->cafe_cell[cafe]);
        emit(&k, PC_CH_CAFE, cafe, v->cafe_region[cafe], t0 + 60 * (int64_t)cs,
             t0 + 60 * (int64_t)ce, 0, 0);
        t = ce;
      }
    }
    add(&tl, t, 1440, home);
    emit_timeline(&k, &tl, t0);
  }
  flush(&k);
  /* Every stay of a day starts within it (a hotel night begun the day before
   * the window starts at the window's start, first of that instant), so the
   * days' sorted rows are sorted; a check, and a sort should that not hold. */
  for (size_t i = 1; i < k.n; i++)
    if (stay_less(&out[i], &out[i - 1])) {
      insertion_sort(out, k.n);
      break;
    }
  return k.n;
}

uint64_t pc_move_ident(const char *idnum18) {
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
  for (int i = 0; i < 18; i++) {
    h ^= (uint8_t)idnum18[i];
    h *= 0x100000001b3ULL;
  }
  return pc_mix64(h);
}

/* ---- Places ------------------------------------------------------------- */

static void date_of(const pc_move_params *mp, uint64_t d, int *y, unsigned *m, unsigned *dd) {
  pc_civil_from_days(mp->day0 + (int64_t)d, y, m, dd);
}

/* Place number i's channel, region and name (id left 0); *carriage its rail
 * carriage (0 for other channels). */
static void place_named(const pc_move_params *mp, const mv_priv *v, uint64_t i, pc_place *out,
                        unsigned *carriage) {
  const pc_synth_params *sp = v->sp;
  memset(out, 0, sizeof *out);
  char name[64];
  unsigned ch;
  uint64_t n = i;
  int y;
  unsigned mo, dd;
  if (n < v->ncafe_t) {
    ch = PC_CH_CAFE;
    uint32_t c = v->cafe_county[n];
    out->region = v->cafe_region[n];
    snprintf(name, sizeof name, "cafe %06u-%04llu", sp->county_code[c],
             (unsigned long long)(n - mp->cafe0[c]));
  } else if ((n -= v->ncafe_t) < v->nroom_t) {
    ch = PC_CH_LODGING;
    uint64_t h = n / ROOMS_PER_HOTEL;
    uint32_t c = v->hotel_county[h];
    out->region = v->hotel_region[h];
    snprintf(name, sizeof name, "hotel %06u-%04llu room %03u", sp->county_code[c],
             (unsigned long long)(h - mp->hotel0[c]), (unsigned)(n % ROOMS_PER_HOTEL) + 1);
  } else if ((n -= v->nroom_t) < v->nflight_t) {
    static const char *const air[8] = {"CZ", "MU", "CA", "HU", "3U", "ZH", "MF", "SC"};
    ch = PC_CH_FLIGHT;
    uint64_t f = n % mp->flights_per_day, d = n / mp->flights_per_day;
    out->region = v->flight_region[f];
    date_of(mp, d, &y, &mo, &dd);
    snprintf(name, sizeof name, "%s%04u %04d-%02u-%02u", air[f % 8],
             (unsigned)(1000 + (f / 8) % 8999), y, mo, dd);
  } else if ((n -= v->nflight_t) < v->nrail_t) {
    ch = PC_CH_RAIL;
    uint64_t car = n % mp->carriages + 1, tn = n / mp->carriages;
    uint64_t t = tn % mp->trains_per_day, d = tn / mp->trains_per_day;
    out->region = v->train_region[t];
    *carriage = (unsigned)car;
    date_of(mp, d, &y, &mo, &dd);
    /* The train and date, as the railway names it; the carriage is its own column. */
    snprintf(name, sizeof name, "%c%04u %04d-%02u-%02u", "GDCKZT"[(t / 8999) % 6],
             (unsigned)(1000 + t % 8999), y, mo, dd);
  } else if ((n -= v->nrail_t) < v->ncell_t) {
    ch = PC_CH_LBS;
    uint32_t c = v->cell_county[n];
    out->region = v->cell_region[n];
    snprintf(name, sizeof name, "cell %06u-%05llu", sp->county_code[c],
             (unsigned long long)(n - mp->cell0[c]));
  } else {
    n -= v->ncell_t;
    ch = PC_CH_GRID;
    uint32_t c = v->grid_county[n];
    out->region = v->grid_region[n];
    snprintf(name, sizeof name, "grid %06u-%04llu", sp->county_code[c],
             (unsigned long long)(n - mp->grid0[c]));
  }
  out->channel = (uint8_t)ch;
  memcpy(out->name, name, strnlen(name, PC_PLACE_NAME_LEN - 1));
}

void pc_move_place(const pc_move_params *mp, uint64_t i, pc_place *out) {
  const mv_priv *v = mp->priv;
  unsigned car = 0;
  place_named(mp, v, i, out, &car);
  out->id = v->hid[i];
}

void pc_move_place_csv(const pc_move_params *mp, uint64_t i, char *name, unsigned *carriage) {
  const mv_priv *v = mp->priv;
  pc_place pl;
  *carriage = 0;
  place_named(mp, v, i, &pl, carriage);
  memcpy(name, pl.name, PC_PLACE_NAME_LEN);
}

uint64_t pc_move_place_by_rank(const pc_move_params *mp, uint64_t k) {
  const mv_priv *v = mp->priv;
  return v->by_id[k].val;
}

int64_t pc_move_place_index(const pc_move_params *mp, uint64_t id) {
  const mv_priv *v = mp->priv;
  uint64_t a = 0, b = mp->nplaces;
  while (a < b) {
    uint64_t m = a + (b - a) / 2;
    if (v->by_id[m].key < id)
      a = m + 1;
    else
      b = m;
  }
  return a < mp->nplaces && v->by_id[a].key == id ? (int64_t)v->by_id[a].val : -1;
}

/* Every place's id from its name (what ingest does with stays.csv), and the
 * lookup table. Two names hashing to one id (56 bits: ~1e-5 for a million
 * places) are refused: the generator would merge two places. */
static int place_ids(pc_move_params *mp, mv_priv *v) {
  uint64_t n = mp->nplaces;
  v->ch0[PC_CH_CAFE] = 0;
  v->ch0[PC_CH_LODGING] = v->ncafe_t;
  v->ch0[PC_CH_FLIGHT] = v->ch0[PC_CH_LODGING] + v->nroom_t;
  v->ch0[PC_CH_RAIL] = v->ch0[PC_CH_FLIGHT] + v->nflight_t;
  v->ch0[PC_CH_LBS] = v->ch0[PC_CH_RAIL] + v->nrail_t;
  v->ch0[PC_CH_GRID] = v->ch0[PC_CH_LBS] + v->ncell_t;
  v->hid = pc_malloc((n + 1) * sizeof *v->hid, "place ids");
  v->by_id = pc_malloc((n + 1) * sizeof *v->by_id, "place ids");
  pc_kv *tmp = pc_malloc((n + 1) * sizeof *tmp, "place ids");
  int rc = v->hid && v->by_id && tmp ? 0 : PC_ERR_MEM;
  for (uint64_t i = 0; i < n && !rc; i++) {
    pc_place pl;
    unsigned car = 0;
    place_named(mp, v, i, &pl, &car);
    v->hid[i] = pc_place_key(pl.channel, pl.name, strnlen(pl.name, PC_PLACE_NAME_LEN), car);
    v->by_id[i] = (pc_kv){v->hid[i], i};
  }
  if (!rc) pc_sort_kv(v->by_id, tmp, n);
  for (uint64_t i = 1; i < n && !rc; i++)
    if (v->by_id[i].key == v->by_id[i - 1].key)
      rc = PC_ERROR(PC_ERR_DATA, "movement: two synthetic places share the id %llx (a 56-bit "
                    "hash collision): use another seed", (unsigned long long)v->by_id[i].key);
  free(tmp);
  return rc;
}

void pc_move_venues(const pc_move_params *mp, uint64_t venue[3], int64_t *t0, int64_t *t1) {
  const mv_priv *v = mp->priv;
  const uint32_t city = v->big_city;
  const uint32_t c0 = v->city_county0[city], c1 = v->city_county1[city];
  /* The cafe: the first (a busy one) of the city's most populous county. */
  uint32_t best = c0;
  for (uint32_t c = c0; c < c1; c++) {
    double sc = v->county_cum[c] - (c ? v->county_cum[c - 1] : 0);
    double sb = v->county_cum[best] - (best ? v->county_cum[best - 1] : 0);
    if (sc > sb) best = c;
  }
  venue[0] = v->hid[v->ch0[PC_CH_CAFE] + mp->cafe0[best]];
  /* The hotel: the city's first (its first room; pc_move_at_venue counts every room). */
  venue[1] = v->hid[v->ch0[PC_CH_LODGING] + mp->hotel0[c0] * ROOMS_PER_HOTEL];
  /* The carriage: carriage 1 of the evening train into the city on the route
   * that starts there (route `city`), on day -6: it brings the city's own
   * travellers home. */
  const int64_t kM = pc_local_day(mp->window_end); /* day 0 = as_of's day */
  int64_t d = kM - 6 - mp->day0;
  if (d < 0) d = 0;
  if (mp->nday && d >= (int64_t)mp->nday) d = mp->nday - 1;
  uint32_t t = 4 * city + 3; /* route `city` is a = city; kind 3 is b -> a, evening */
  if (v->rail.n == 0 || mp->nday == 0)
    venue[2] = 0; /* no trains: no carriage venue */
  else
    venue[2] = v->hid[v->ch0[PC_CH_RAIL] + ((uint64_t)d * mp->trains_per_day + t) * mp->carriages];
  /* Days -7..-5: cases fall ill 2-5 days later and are traced at as_of, so a close
   * contact's window (exposure to as_of: the data give no quarantine) spans ~4 days, not
   * the ~5.5 of days -10..-6, each day adding contacts of close contacts (issue 20). */
  int64_t a = pc_local_midnight(kM - 7), b = pc_local_midnight(kM - 4);
  if (a < mp->window_start) a = mp->window_start;
  if (b > mp->window_end) b = mp->window_end;
  if (a > b) a = b;
  *t0 = a;
  *t1 = b;
}

int pc_move_at_venue(const pc_move_params *mp, const uint64_t venue[3], uint64_t place) {
  if (place == venue[0] || place == venue[1] || place == venue[2]) return 1;
  if (pc_place_channel(place) != PC_CH_LODGING || pc_place_channel(venue[1]) != PC_CH_LODGING)
    return 0;
  const mv_priv *v = mp->priv;
  int64_t i = pc_move_place_index(mp, place), h = pc_move_place_index(mp, venue[1]);
  uint64_t l0 = v->ch0[PC_CH_LODGING];
  return i >= 0 && h >= 0 &&
         ((uint64_t)i - l0) / ROOMS_PER_HOTEL == ((uint64_t)h - l0) / ROOMS_PER_HOTEL;
}

int pc_move_pool_part(const pc_move_params *mp, const uint64_t venue[3], int64_t t0, int64_t t1,
                      const pc_stay *s) {
  if (s->start < t0 || s->start >= t1 || s->channel == PC_CH_LBS || s->channel == PC_CH_GRID)
    return -1;
  return pc_move_at_venue(mp, venue, s->place) ? 0 : 1;
}

uint64_t pc_move_vehicles(const pc_move_params *mp) {
  const mv_priv *v = mp->priv;
  return v->nflight_t + v->nrail_t / mp->carriages;
}

int64_t pc_move_vehicle(const pc_move_params *mp, uint64_t i) {
  const mv_priv *v = mp->priv;
  if (i >= v->ch0[PC_CH_FLIGHT] && i < v->ch0[PC_CH_RAIL])
    return (int64_t)(i - v->ch0[PC_CH_FLIGHT]);
  if (i >= v->ch0[PC_CH_RAIL] && i < v->ch0[PC_CH_LBS]) /* a train's carriages are consecutive */
    return (int64_t)(v->nflight_t + (i - v->ch0[PC_CH_RAIL]) / mp->carriages);
  return -1;
}
