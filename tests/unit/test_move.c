/* test_move.c - synthetic movement: determinism, the shape of every person's
 * stays, places and their regions, shared trains, the model's rates, venues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pc_hash.h"
#include "pc_idnum.h"
#include "pc_move.h"
#include "pc_province.h"
#include "pc_synth.h"
#include "pc_time.h"

#define DAYS 14
#define SEED 7

/* Two populations: SMALL, a whole 20,000-person province (every traveller of
 * a train is there, so venues and shared rides can be checked); CITY, every
 * 100th household of the 2-million city tier (~20,000 persons with the
 * place densities of the benchmark), for the model's rates. */
typedef struct fix {
  const char *name;
  pc_synth_params sp;
  pc_move_params mp;
  pc_person *p;
  uint64_t *id;
  size_t np;
  pc_place *pl; /* every place, by index */
  pc_stay *st;  /* every person's stays, person after person */
  size_t *st0;  /* first stay of person i; st0[np] = total */
} fix;

static pc_region *R;
static size_t NR;
static int64_t AS_OF;
static fix SMALL = {.name = "small"}, CITY = {.name = "city"};

static int64_t local_midnight(int y, unsigned m, unsigned d) {
  return pc_days_from_civil(y, m, d) * 86400 - PC_TZ_OFFSET;
}

static size_t gen(const fix *f, const pc_move_params *mp, size_t i, pc_stay *out, size_t cap) {
  return pc_move_person(mp, &f->p[i], f->id[i], out, cap);
}

/* Persons of households h = 0, stride, 2*stride, ... of an N-person province,
 * up to `want`; pid and ident deterministic. */
static int fix_init(fix *f, uint64_t N, uint64_t stride, size_t want) {
  if (pc_synth_params_init(&f->sp, SEED, N, AS_OF, R, NR)) return -1;
  if (pc_move_params_init(&f->mp, &f->sp, AS_OF, DAYS)) return -1;
  f->p = calloc(want, sizeof *f->p);
  f->id = calloc(want, sizeof *f->id);
  pc_synth_person hh[PC_HH_MAX];
  uint64_t first = 0;
  for (uint64_t h = 0; first < N && f->np < want; h++) {
    unsigned n = pc_synth_household_size(SEED, h);
    if (first + n > N) n = (unsigned)(N - first);
    if (h % stride == 0) {
      if (f->np + n > want) n = (unsigned)(want - f->np);
      pc_synth_household(&f->sp, h, first, n, hh);
      for (unsigned j = 0; j < n; j++) {
        pc_person *p = &f->p[f->np];
        *p = hh[j].p;
        p->pid = pc_mix64(first + j + 1);
        char id[18];
        pc_idnum_make(pc_synth_area(p->region), p->birth_date, (unsigned)((first + j) % 1000), id);
        f->id[f->np++] = pc_move_ident(id);
      }
    }
    first += pc_synth_household_size(SEED, h);
  }
  f->pl = calloc(f->mp.nplaces, sizeof *f->pl);
  for (uint64_t i = 0; i < f->mp.nplaces; i++) pc_move_place(&f->mp, i, &f->pl[i]);
  const size_t cap = (size_t)PC_MOVE_MAX_PER_DAY * DAYS;
  f->st = malloc(f->np * cap * sizeof *f->st);
  f->st0 = malloc((f->np + 1) * sizeof *f->st0);
  memset(f->st, 0xff, f->np * cap * sizeof *f->st); /* fault the pages in: time generation only */
  size_t n = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (size_t i = 0; i < f->np; i++) {
    f->st0[i] = n;
    n += gen(f, &f->mp, i, f->st + n, cap);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  f->st0[f->np] = n;
  double s = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
  const pc_move_params *mp = &f->mp;
  printf("# %s: %zu of %llu persons, %zu stays (%.1f a person) in %.3f s: %.2f million "
         "stays/s (one core, not asserted)\n",
         f->name, f->np, (unsigned long long)N, n, (double)n / (double)f->np, s,
         (double)n / s / 1e6);
  printf("# %s: places %llu: cells %llu grids %llu, trains/day %u x %u carriages, flights/day %u\n",
         f->name, (unsigned long long)mp->nplaces,
         (unsigned long long)(mp->cell0[mp->ncounty - 1] + mp->ncell[mp->ncounty - 1]),
         (unsigned long long)(mp->grid0[mp->ncounty - 1] + mp->ngrid[mp->ncounty - 1]),
         mp->trains_per_day, mp->carriages, mp->flights_per_day);
  return 0;
}

static void fix_free(fix *f) {
  pc_move_params_free(&f->mp);
  pc_synth_params_free(&f->sp);
  free(f->p);
  free(f->id);
  free(f->pl);
  free(f->st);
  free(f->st0);
}

static int setup(void **st) {
  (void)st;
  AS_OF = local_midnight(2021, 8, 9);
  if (pc_province_build(&R, &NR)) return -1;
  if (fix_init(&SMALL, 20000, 1, 20000)) return -1;
  if (fix_init(&CITY, 2000000, 100, 20000)) return -1;
  return 0;
}

static int teardown(void **st) {
  (void)st;
  fix_free(&SMALL);
  fix_free(&CITY);
  free(R);
  return 0;
}

/* Index of place id in f->pl (places are numbered channel by channel), or -1. */
static int64_t place_index(const fix *f, uint64_t id) { return pc_move_place_index(&f->mp, id); }
/* Index in f->pl of the channel's place number n. */
static int64_t place_at(const fix *f, unsigned ch, uint64_t n) {
  static const fix *memo_f;
  static uint64_t first[PC_NCHANNELS];
  if (memo_f != f) {
    for (unsigned c = 0; c < PC_NCHANNELS; c++) {
      uint64_t i = 0;
      while (i < f->mp.nplaces && f->pl[i].channel != c) i++;
      first[c] = i;
    }
    memo_f = f;
  }
  return (int64_t)(first[ch] + n);
}
/* The channel's place number of id (its rank among the channel's places). */
static uint64_t place_n_of(const fix *f, uint64_t id) {
  int64_t k = place_index(f, id);
  assert_true(k >= 0);
  return (uint64_t)(k - place_at(f, f->pl[k].channel, 0));
}
#define place_n(id) place_n_of(f, (id))

static int local_minute(int64_t t) { return (int)(((t + PC_TZ_OFFSET) % 86400) / 60); }
static int64_t local_day(int64_t t) { return (t + PC_TZ_OFFSET) / 86400; }

static int stay_less(const pc_stay *a, const pc_stay *b) {
  if (a->start != b->start) return a->start < b->start;
  if (a->channel != b->channel) return a->channel < b->channel;
  return a->place < b->place;
}

/* The ident hash: fixed, sensitive to every character. */
static void test_ident(void **st) {
  (void)st;
  const char *a = "43010219800101001X";
  char b[19];
  assert_int_equal(pc_move_ident(a), pc_move_ident(a));
  for (int i = 0; i < 18; i++) {
    memcpy(b, a, 19);
    b[i] = b[i] == '1' ? '2' : '1';
    assert_true(pc_move_ident(b) != pc_move_ident(a));
  }
}

/* Same inputs, same bytes: in any order, from freshly prepared parameters,
 * whatever the output buffer held before (every byte, padding too, is set). */
static void check_determinism(const fix *f) {
  const size_t cap = (size_t)PC_MOVE_MAX_PER_DAY * DAYS;
  pc_move_params mp2;
  assert_int_equal(pc_move_params_init(&mp2, &f->sp, AS_OF, DAYS), 0);
  assert_int_equal(mp2.nplaces, f->mp.nplaces);
  pc_stay *buf = malloc(cap * sizeof *buf);
  for (size_t r = 0; r < 600; r++) {
    size_t i = f->np - 1 - (r * 37) % f->np; /* backwards and scattered */
    memset(buf, 0xA5, cap * sizeof *buf);
    size_t n = gen(f, &mp2, i, buf, cap);
    assert_int_equal(n, f->st0[i + 1] - f->st0[i]);
    assert_memory_equal(buf, f->st + f->st0[i], n * sizeof *buf);
  }
  for (uint64_t i = 0; i < f->mp.nplaces; i += 7) {
    pc_place pl;
    memset(&pl, 0x5A, sizeof pl);
    pc_move_place(&mp2, i, &pl);
    assert_memory_equal(&pl, &f->pl[i], sizeof pl);
  }
  /* Another seed moves people differently. */
  pc_synth_params sp3 = f->sp;
  sp3.seed = SEED + 1;
  pc_move_params mp3;
  assert_int_equal(pc_move_params_init(&mp3, &sp3, AS_OF, DAYS), 0);
  size_t differ = 0;
  for (size_t i = 0; i < 200; i++) {
    size_t n = gen(f, &mp3, i, buf, cap);
    differ += n != f->st0[i + 1] - f->st0[i] ||
              memcmp(buf, f->st + f->st0[i], n * sizeof *buf) != 0;
  }
  assert_true(differ > 150);
  pc_move_params_free(&mp3);
  pc_move_params_free(&mp2);
  free(buf);
}
static void test_determinism(void **st) {
  (void)st;
  check_determinism(&SMALL);
  check_determinism(&CITY);
}

/* Places: numbered channel by channel, ids = pc_place_key of the name, channel in the id,
 * community regions of the province, names NUL-padded; per-county counts. */
static void check_places(const fix *f) {
  const pc_move_params *mp = &f->mp;
  uint64_t per[PC_NCHANNELS] = {0};
  for (uint64_t i = 0; i < mp->nplaces; i++) {
    const pc_place *p = &f->pl[i];
    if (i) assert_true(p->channel >= f->pl[i - 1].channel);
    assert_int_equal(pc_place_channel(p->id), p->channel);
    /* The id is what ingest computes from the name in stays.csv. */
    char nm[PC_PLACE_NAME_LEN];
    unsigned car;
    pc_move_place_csv(mp, i, nm, &car);
    assert_int_equal(p->id, pc_place_key(p->channel, nm, strnlen(nm, sizeof nm), car));
    assert_int_equal(place_index(f, p->id), (int64_t)i);
    assert_true(p->channel >= PC_CH_CAFE && p->channel <= PC_CH_GRID);
    assert_int_equal(pc_region_level(p->region), PC_LEVEL_COMMUNITY);
    assert_int_equal(p->region / 10000000000ULL, 43);
    size_t len = strnlen(p->name, PC_PLACE_NAME_LEN);
    assert_true(len > 0 && len < PC_PLACE_NAME_LEN);
    for (size_t j = len; j < PC_PLACE_NAME_LEN; j++) assert_int_equal(p->name[j], 0);
    for (size_t j = 0; j < sizeof p->pad; j++) assert_int_equal(p->pad[j], 0);
    assert_int_equal(place_n(p->id), per[p->channel]);
    per[p->channel]++;
  }
  assert_int_equal(mp->nday, DAYS);
  assert_int_equal(per[PC_CH_RAIL], (uint64_t)mp->nday * mp->trains_per_day * mp->carriages);
  assert_int_equal(per[PC_CH_FLIGHT], (uint64_t)mp->nday * mp->flights_per_day);
  assert_int_equal(mp->ncity, 14);
  for (uint32_t c = 0; c < mp->ncounty; c++) {
    assert_true(mp->ncell[c] >= 3 && mp->ngrid[c] >= 1 && mp->ncafe[c] >= 1 && mp->nhotel[c] >= 1);
    if (c + 1 < mp->ncounty) {
      assert_int_equal(mp->cell0[c] + mp->ncell[c], mp->cell0[c + 1]);
      assert_int_equal(mp->grid0[c] + mp->ngrid[c], mp->grid0[c + 1]);
      assert_int_equal(mp->cafe0[c] + mp->ncafe[c], mp->cafe0[c + 1]);
      assert_int_equal(mp->hotel0[c] + mp->nhotel[c], mp->hotel0[c + 1]);
    }
    assert_int_equal(mp->city_code[mp->county_city[c]], f->sp.county_code[c] / 100);
    /* A county's cells lie in its own communities. */
    int64_t k = place_at(f, PC_CH_LBS, mp->cell0[c] + mp->ncell[c] / 2);
    assert_int_equal(f->pl[k].region / 1000000, f->sp.county_code[c]);
  }
  assert_int_equal(per[PC_CH_LBS], mp->cell0[mp->ncounty - 1] + mp->ncell[mp->ncounty - 1]);
  assert_int_equal(per[PC_CH_GRID], mp->grid0[mp->ncounty - 1] + mp->ngrid[mp->ncounty - 1]);
  /* Names as documented: train 1 (or train 2 with one carriage) on day 0, its carriage 2 (or
   * 1) in the id's low byte, every carriage of a train under one name and train id. */
  int64_t k = place_at(f, PC_CH_RAIL, mp->carriages + 1);
  assert_non_null(strstr(f->pl[k].name, " 2021-07-26"));
  assert_int_equal(pc_rail_carriage(f->pl[k].id), (mp->carriages + 1) % mp->carriages + 1);
  if (mp->carriages > 1) {
    int64_t k2 = place_at(f, PC_CH_RAIL, mp->carriages);
    assert_string_equal(f->pl[k2].name, f->pl[k].name);
    assert_true(pc_rail_train(f->pl[k2].id) == pc_rail_train(f->pl[k].id));
  }
  k = place_at(f, PC_CH_LBS, 0);
  assert_string_equal(f->pl[k].name, "cell 430102-00000");
  k = place_at(f, PC_CH_CAFE, 0);
  assert_string_equal(f->pl[k].name, "cafe 430102-0000");
  k = place_at(f, PC_CH_FLIGHT, mp->flights_per_day);
  assert_non_null(strstr(f->pl[k].name, " 2021-07-27"));
}
static void test_places(void **st) {
  (void)st;
  check_places(&SMALL);
  check_places(&CITY);
}

/* Every person's stays: sorted, inside the window, start < end, ids and
 * regions those of real places, no overlap within a channel, fields zero
 * where they do not apply, lbs/grid/cafe within one local day. */
static void check_shape(const fix *f) {
  const pc_move_params *mp = &f->mp;
  for (size_t i = 0; i < f->np; i++) {
    const pc_stay *s = f->st + f->st0[i];
    size_t n = f->st0[i + 1] - f->st0[i];
    assert_true(n > 0 && n <= (size_t)PC_MOVE_MAX_PER_DAY * DAYS);
    int64_t last_end[PC_NCHANNELS];
    for (int c = 0; c < PC_NCHANNELS; c++) last_end[c] = INT64_MIN;
    for (size_t j = 0; j < n; j++) {
      const pc_stay *x = &s[j];
      assert_int_equal(x->pid, f->p[i].pid);
      assert_true(x->start < x->end);
      assert_true(x->start >= mp->window_start && x->end <= mp->window_end);
      if (j) assert_true(stay_less(&s[j - 1], x));
      assert_int_equal(pc_place_channel(x->place), x->channel);
      int64_t k = place_index(f, x->place);
      assert_true(k >= 0);
      assert_int_equal(x->region, f->pl[k].region);
      assert_true(x->start >= last_end[x->channel]); /* starts are sorted: no overlap */
      last_end[x->channel] = x->end;
      for (int b = 0; b < 4; b++) assert_int_equal(x->pad[b], 0);
      if (x->channel == PC_CH_RAIL) {
        assert_true(x->carriage >= 1 && x->carriage <= mp->carriages);
        assert_int_equal(place_n(x->place) % mp->carriages + 1, x->carriage);
        assert_true(x->row >= 1 && x->row <= 18);
      } else {
        assert_int_equal(x->carriage, 0);
        if (x->channel == PC_CH_FLIGHT)
          assert_true(x->row >= 1 && x->row <= 30);
        else
          assert_int_equal(x->row, 0);
      }
      if (x->channel == PC_CH_LBS || x->channel == PC_CH_GRID || x->channel == PC_CH_CAFE)
        assert_int_equal(local_day(x->start), local_day(x->end - 1));
      if (x->channel == PC_CH_RAIL || x->channel == PC_CH_FLIGHT) {
        /* The ride's day is the place's day. */
        uint64_t tn = place_n(x->place) / (x->channel == PC_CH_RAIL ? mp->carriages : 1);
        uint64_t per_day = x->channel == PC_CH_RAIL ? mp->trains_per_day : mp->flights_per_day;
        assert_int_equal(local_day(x->start), mp->day0 + (int64_t)(tn / per_day));
      }
    }
  }
}
static void test_shape(void **st) {
  (void)st;
  check_shape(&SMALL);
  check_shape(&CITY);
}

/* A person who does not travel has lbs stays tiling the whole window (and
 * grid stays too); adjacent lbs stays change cell unless a day ends. Home is
 * the household's: every member's first cell is the same. */
static void check_tiling(const fix *f) {
  const pc_move_params *mp = &f->mp;
  size_t checked = 0;
  for (size_t i = 0; i < f->np; i++) {
    const pc_stay *s = f->st + f->st0[i];
    size_t n = f->st0[i + 1] - f->st0[i];
    int travels = 0;
    for (size_t j = 0; j < n; j++)
      travels |= s[j].channel == PC_CH_RAIL || s[j].channel == PC_CH_FLIGHT ||
                 s[j].channel == PC_CH_LODGING;
    if (travels) continue;
    for (int ch = PC_CH_LBS; ch <= PC_CH_GRID; ch++) {
      int64_t at = mp->window_start;
      uint64_t prev = 0;
      for (size_t j = 0; j < n; j++) {
        if (s[j].channel != ch) continue;
        assert_int_equal(s[j].start, at);
        if (prev) assert_true(prev != s[j].place || local_minute(s[j].start) == 0);
        prev = s[j].place;
        at = s[j].end;
      }
      assert_int_equal(at, mp->window_end);
    }
    checked++;
  }
  assert_true(checked > f->np * 3 / 4);
  /* Household members wake up in the same cell (unless away: first stay lodging). */
  size_t pairs = 0;
  for (size_t i = 1; i < f->np; i++) {
    if (f->p[i].household != f->p[i - 1].household) continue;
    const pc_stay *a = f->st + f->st0[i - 1], *b = f->st + f->st0[i];
    if (a[0].channel != PC_CH_LBS || b[0].channel != PC_CH_LBS) continue;
    assert_int_equal(a[0].place, b[0].place);
    pairs++;
  }
  assert_true(pairs > 1000);
}
static void test_tiling(void **st) {
  (void)st;
  check_tiling(&SMALL);
  check_tiling(&CITY);
}

/* Everyone in one carriage (or on one flight) boards and leaves together,
 * and so do all carriages of one train. */
static void test_shared_rides(void **st) {
  (void)st;
  const fix *f = &SMALL;
  const uint32_t C = f->mp.carriages;
  size_t cap = 0, n = 0;
  pc_stay *r = NULL;
  for (size_t i = 0; i < f->st0[f->np]; i++)
    if (f->st[i].channel == PC_CH_RAIL || f->st[i].channel == PC_CH_FLIGHT) {
      if (n == cap) r = realloc(r, (cap = cap * 2 + 64) * sizeof *r);
      r[n++] = f->st[i];
    }
  assert_true(n > 1000);
  /* Sort by (channel, train), then check runs. */
  for (size_t a = 1; a < n; a++) {
    pc_stay x = r[a];
    size_t j = a;
    while (j > 0 && (r[j - 1].channel > x.channel ||
                     (r[j - 1].channel == x.channel && place_n(r[j - 1].place) > place_n(x.place)))) {
      r[j] = r[j - 1];
      j--;
    }
    r[j] = x;
  }
  size_t same_car = 0, same_train = 0;
  for (size_t a = 1; a < n; a++) {
    uint64_t ta = place_n(r[a - 1].place) / (r[a - 1].channel == PC_CH_RAIL ? C : 1);
    uint64_t tb = place_n(r[a].place) / (r[a].channel == PC_CH_RAIL ? C : 1);
    if (r[a].channel != r[a - 1].channel || ta != tb) continue;
    same_train++;
    same_car += r[a].place == r[a - 1].place;
    assert_int_equal(r[a].start, r[a - 1].start);
    assert_int_equal(r[a].end, r[a - 1].end);
  }
  assert_true(same_car > n / 2);
  assert_true(same_train >= same_car);
  free(r);
}

/* The model's rates over ~20,000 persons of the city tier x 14 days. */
static void test_rates(void **st) {
  (void)st;
  const fix *f = &CITY;
  double stays = (double)f->st0[f->np] / (double)f->np;
  uint64_t cafe = 0, cafe_pd = 0, rail_out = 0, flight_out = 0, travel_pd = 0, lodging = 0;
  uint64_t hot = 0, per_ch[PC_NCHANNELS] = {0};
  for (size_t i = 0; i < f->np; i++) {
    int age = pc_age_at(f->p[i].birth_date, AS_OF);
    if (age >= 16 && age <= 35) cafe_pd += DAYS;
    if (age >= 12) travel_pd += DAYS;
    for (size_t j = f->st0[i]; j < f->st0[i + 1]; j++) {
      const pc_stay *x = &f->st[j];
      per_ch[x->channel]++;
      if (x->channel == PC_CH_CAFE) {
        assert_true(age >= 16 && age <= 35);
        assert_true(x->end - x->start >= 30 * 60 && x->end - x->start <= 4 * 3600);
        cafe++;
      }
      /* Outbound rides leave in the morning, returns in the afternoon/evening. */
      if (x->channel == PC_CH_RAIL && local_minute(x->start) < 720) rail_out++;
      if (x->channel == PC_CH_FLIGHT && local_minute(x->start) < 720) flight_out++;
      if (x->channel == PC_CH_RAIL || x->channel == PC_CH_FLIGHT) assert_true(age >= 12);
      if (x->channel == PC_CH_LODGING) {
        lodging++;
        assert_true(x->end - x->start <= 13 * 3600);
        if (x->start > f->mp.window_start && x->end < f->mp.window_end)
          assert_true(x->end - x->start >= 9 * 3600);
      }
      if (x->channel == PC_CH_LBS) {
        uint64_t c = place_n(x->place);
        for (uint32_t q = 0; q < f->mp.ncity; q++) {
          /* hot cells: the first 3 cells of each city's first county */
          uint32_t c0 = 0;
          while (f->mp.county_city[c0] != q) c0++;
          if (c >= f->mp.cell0[c0] && c < f->mp.cell0[c0] + 3 && x->end - x->start <= 90 * 60)
            hot++;
        }
      }
    }
  }
  double pd = (double)f->np * DAYS;
  double cafe_rate = (double)cafe / (double)cafe_pd;
  double rail_rate = (double)rail_out / (double)travel_pd;
  double flight_rate = (double)flight_out / (double)travel_pd;
  printf("# city: stays/person %.1f (cafe %.2f lodging %.2f flight %.3f rail %.2f lbs %.1f grid "
         "%.1f)\n",
         stays, (double)per_ch[1] / (double)f->np, (double)per_ch[2] / (double)f->np,
         (double)per_ch[3] / (double)f->np, (double)per_ch[4] / (double)f->np,
         (double)per_ch[5] / (double)f->np, (double)per_ch[6] / (double)f->np);
  printf("# city: cafe visits per person-day (16-35) %.4f; per person-day (12+) rail trips %.4f, "
         "flight trips %.5f; hotel nights %.4f, short hot-cell stays %.4f per person-day\n",
         cafe_rate, rail_rate, flight_rate, (double)lodging / pd, (double)hot / pd);
  assert_true(stays >= 70 && stays <= 100);
  assert_true(cafe_rate > 0.012 && cafe_rate < 0.018);
  assert_true(rail_rate > 0.0033 && rail_rate < 0.0047);
  assert_true(flight_rate > 0.0003 && flight_rate < 0.002);
  /* Hot-cell visits (workers 3%, non-workers' outings 10%), stations, and
   * residents' short stays at home in those cells. */
  assert_true((double)hot / pd > 0.04 && (double)hot / pd < 0.15);
}

/* Hot cells: each city's 3 (the first cells of its first county) take more
 * stays a day than an ordinary cell, Changsha's far more. */
static void test_hot_cells(void **st) {
  (void)st;
  const fix *f = &CITY;
  const pc_move_params *mp = &f->mp;
  uint64_t ncell = mp->cell0[mp->ncounty - 1] + mp->ncell[mp->ncounty - 1];
  uint64_t *cnt = calloc(ncell, sizeof *cnt);
  for (size_t j = 0; j < f->st0[f->np]; j++)
    if (f->st[j].channel == PC_CH_LBS) cnt[place_n(f->st[j].place)]++;
  uint64_t total = 0;
  for (uint64_t c = 0; c < ncell; c++) total += cnt[c];
  double avg = (double)total / (double)ncell;
  for (uint32_t c = 0; c < mp->ncounty; c++) {
    if (c && mp->county_city[c] == mp->county_city[c - 1]) continue;
    double hot = (double)(cnt[mp->cell0[c]] + cnt[mp->cell0[c] + 1] + cnt[mp->cell0[c] + 2]) / 3;
    if (c == 0)
      printf("# city: a Changsha hot cell: %.0f stays a day in the 1%% sample (x100 at the city "
             "tier, x3300 in the province); an average cell %.1f\n",
             hot / DAYS, avg / DAYS);
    /* A hot cell takes ~1.8% of its city's persons a day, an ordinary one its
     * ~400 residents; at the city tier even the smallest city's are busier. */
    assert_true(hot > (c == 0 ? 8 : 2) * avg);
  }
  free(cnt);
}

/* The venues are a cafe, a hotel and a carriage of the most populous city
 * (Changsha, 4301), with visitors in [t0, t1) = days -7 .. -5. */
static void test_venues(void **st) {
  (void)st;
  const fix *f = &SMALL;
  uint64_t v[3];
  int64_t t0, t1;
  pc_move_venues(&f->mp, v, &t0, &t1);
  assert_int_equal(t0, AS_OF - 7 * 86400);
  assert_int_equal(t1, AS_OF - 4 * 86400);
  assert_int_equal(pc_place_channel(v[0]), PC_CH_CAFE);
  assert_int_equal(pc_place_channel(v[1]), PC_CH_LODGING);
  assert_int_equal(pc_place_channel(v[2]), PC_CH_RAIL);
  int64_t k0 = place_index(f, v[0]), k1 = place_index(f, v[1]), k2 = place_index(f, v[2]);
  assert_true(k0 >= 0 && k1 >= 0 && k2 >= 0);
  assert_int_equal(f->pl[k0].region / 100000000, 4301);
  assert_int_equal(f->pl[k1].region / 100000000, 4301);
  assert_non_null(strstr(f->pl[k2].name, "2021-08-03")); /* day -6 */
  /* A room is the lodging place: the venue is every room of the hotel, no other hotel's. */
  const char *room = strstr(f->pl[k1].name, " room ");
  assert_non_null(room);
  size_t hl = (size_t)(room - f->pl[k1].name), other_rooms = 0, other_hotels = 0;
  for (int64_t k = k1 + 1; k < (int64_t)f->mp.nplaces && f->pl[k].channel == PC_CH_LODGING; k++) {
    int same = strncmp(f->pl[k].name, f->pl[k1].name, hl) == 0 && f->pl[k].name[hl] == ' ';
    assert_int_equal(pc_move_at_venue(&f->mp, v, f->pl[k].id), same);
    other_rooms += same;
    other_hotels += !same;
  }
  assert_true(other_rooms >= 9 && other_hotels >= 1);
  assert_int_equal(pc_rail_carriage(f->pl[k2].id), 1);
  uint64_t visits[3] = {0}, into_city = 0;
  for (size_t i = 0; i < f->np; i++)
    for (size_t j = f->st0[i]; j < f->st0[i + 1]; j++) {
      const pc_stay *x = &f->st[j];
      for (int q = 0; q < 3; q++)
        if (x->start >= t0 && x->start < t1 && pc_move_at_venue(&f->mp, v, x->place) &&
            pc_place_channel(x->place) == pc_place_channel(v[q]))
          visits[q]++;
      /* The carriage brings Changsha's residents home. */
      if (x->place == v[2]) into_city += f->p[i].region / 100000000 == 4301;
    }
  printf("# small: venue visits on days -7..-5: cafe %llu, hotel %llu, carriage %llu\n",
         (unsigned long long)visits[0], (unsigned long long)visits[1],
         (unsigned long long)visits[2]);
  for (int q = 0; q < 3; q++) assert_true(visits[q] >= 3);
  assert_int_equal(into_city, visits[2]);
  /* A short window: the period is clipped to it. */
  pc_move_params m;
  assert_int_equal(pc_move_params_init(&m, &f->sp, AS_OF, 5), 0);
  pc_move_venues(&m, v, &t0, &t1);
  assert_int_equal(t0, AS_OF - 5 * 86400);
  assert_int_equal(t1, AS_OF - 4 * 86400);
  pc_move_params_free(&m);
}

/* A window not starting at local midnight: 15 local days, the first and last
 * partial; stays clipped to the window. And the plan of a day does not depend
 * on the window: the lbs/grid/cafe/lodging stays of a 10-day window are those
 * of the 14-day window clipped to it. */
static void test_windows(void **st) {
  (void)st;
  const fix *f = &SMALL;
  const int64_t as_of = AS_OF + 3 * 3600 + 37 * 60 + 11; /* inside hotel nights */
  pc_move_params m14, m10;
  assert_int_equal(pc_move_params_init(&m14, &f->sp, as_of, DAYS), 0);
  assert_int_equal(pc_move_params_init(&m10, &f->sp, as_of, 10), 0);
  assert_int_equal(m14.nday, DAYS + 1);
  assert_int_equal(m10.nday, 11);
  const size_t cap = (size_t)PC_MOVE_MAX_PER_DAY * DAYS;
  pc_stay *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
  size_t lodging_cut = 0;
  for (size_t i = 0; i < f->np; i += 7) {
    size_t na = gen(f, &m14, i, a, cap), nb = gen(f, &m10, i, b, (size_t)PC_MOVE_MAX_PER_DAY * 10);
    size_t lbs = 0;
    for (size_t q = 0; q < na; q++) {
      assert_true(a[q].start >= m14.window_start && a[q].end <= m14.window_end);
      assert_true(a[q].start < a[q].end);
      if (q) assert_true(stay_less(&a[q - 1], &a[q]));
      lbs += a[q].channel == PC_CH_LBS;
    }
    assert_true(lbs >= DAYS + 1); /* at least one a local day */
    /* a's stays clipped to the shorter window, re-sorted; rides aside (their
     * place numbers count days from the window's first). */
    size_t nc = 0, nd = 0;
    for (size_t q = 0; q < na; q++) {
      pc_stay x = a[q];
      if (x.channel == PC_CH_RAIL || x.channel == PC_CH_FLIGHT) continue;
      if (x.start < m10.window_start) x.start = m10.window_start;
      if (x.start >= x.end) continue;
      lodging_cut += x.channel == PC_CH_LODGING && x.start == m10.window_start;
      size_t r = nc++;
      while (r > 0 && stay_less(&x, &a[r - 1])) {
        a[r] = a[r - 1];
        r--;
      }
      a[r] = x;
    }
    for (size_t q = 0; q < nb; q++)
      if (b[q].channel != PC_CH_RAIL && b[q].channel != PC_CH_FLIGHT) b[nd++] = b[q];
    assert_int_equal(nc, nd);
    assert_memory_equal(a, b, nc * sizeof *a);
  }
  printf("# small: %zu hotel nights cut by the start of the 10-day window, kept\n", lodging_cut);
  free(a);
  free(b);
  pc_move_params_free(&m14);
  pc_move_params_free(&m10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ident),        cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_places),       cmocka_unit_test(test_shape),
      cmocka_unit_test(test_tiling),       cmocka_unit_test(test_shared_rides),
      cmocka_unit_test(test_rates),        cmocka_unit_test(test_hot_cells),
      cmocka_unit_test(test_venues),       cmocka_unit_test(test_windows),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
