/* pc_synth.c - households, ages, sectors, doses and phones of the synthetic registry. */
#include "pc_synth.h"

#include "pc_sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_rng.h"
#include "pc_time.h"

/* Purposes: independent streams per entity. */
enum { P_HHSIZE = 1, P_HH = 2, P_PERSON = 3 };

/* Household sizes 1..8, shares after the 2020 census (mean ~2.6). */
static const double hh_size_cum[PC_HH_MAX] = {0.25, 0.55, 0.76, 0.89, 0.95, 0.98, 0.995, 1.0};

/* Mean size is ~2.63: 0.4 slots a person covers N with a 5% margin. */
uint64_t pc_synth_household_slots(uint64_t n) { return n / 5 * 2 + 64; }

unsigned pc_synth_household_size(uint64_t seed, uint64_t h) {
  double u = pc_u01(pc_rng(seed, h, P_HHSIZE, 0));
  unsigned s = 0;
  while (s < PC_HH_MAX - 1 && u >= hh_size_cum[s]) s++;
  return s + 1;
}

int pc_synth_params_init(pc_synth_params *sp, uint64_t seed, uint64_t n, int64_t as_of,
                         const pc_region *regions, size_t nregions) {
  memset(sp, 0, sizeof *sp);
  sp->seed = seed;
  sp->npersons = n;
  sp->as_of = as_of;
  sp->regions = regions;
  sp->nregions = nregions;
  uint32_t nc = 0;
  for (size_t i = 0; i < nregions; i++) nc += regions[i].level == PC_LEVEL_COMMUNITY;
  sp->comm = pc_malloc(nc * sizeof *sp->comm, "communities");
  sp->comm_cum = pc_malloc(nc * sizeof *sp->comm_cum, "community weights");
  if (!sp->comm || !sp->comm_cum) return PC_ERR_MEM;
  double c = 0;
  for (size_t i = 0; i < nregions; i++)
    if (regions[i].level == PC_LEVEL_COMMUNITY) {
      sp->comm[sp->ncomm] = &regions[i];
      c += regions[i].weight;
      sp->comm_cum[sp->ncomm++] = c;
    }
  if (nc == 0) return PC_ERROR(PC_ERR_DATA, "region table has no communities");
  sp->county_code = pc_malloc(nc * sizeof *sp->county_code, "counties");
  sp->comm_county = pc_malloc(nc * sizeof *sp->comm_county, "counties");
  if (!sp->county_code || !sp->comm_county) return PC_ERR_MEM;
  for (uint32_t i = 0; i < nc; i++) {
    uint32_t code = pc_synth_area(sp->comm[i]->code);
    if (sp->ncounty == 0 || sp->county_code[sp->ncounty - 1] != code) {
      if (sp->ncounty > 0 && code < sp->county_code[sp->ncounty - 1])
        return PC_ERROR(PC_ERR_DATA, "communities are not in code order");
      sp->county_code[sp->ncounty++] = code;
    }
    sp->comm_county[i] = sp->ncounty - 1;
  }
  return 0;
}

uint32_t pc_synth_county_of(const pc_synth_params *sp, uint64_t first) {
  double pos = ((double)first + 0.5) / (double)sp->npersons;
  return sp->comm_county[pc_pick_cum(sp->comm_cum, sp->ncomm, pos)];
}

static uint32_t county_ordinal(const pc_synth_params *sp, uint32_t code) {
  uint32_t lo = 0, hi = sp->ncounty - 1;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (sp->county_code[mid] < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int pc_synth_block_seqs(const pc_synth_params *sp, const pc_synth_person *ps, size_t n,
                        uint64_t block, const uint64_t *county_first_block,
                        const uint64_t *county_blocks, uint16_t *seq, void *scratch) {
  pc_kv *kv = scratch, *tmp = kv + n;
  for (size_t i = 0; i < n; i++) {
    kv[i].key = pc_synth_idgroup(&ps[i].p);
    kv[i].val = i;
  }
  pc_sort_kv(kv, tmp, n);
  uint64_t ord = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t group = kv[i].key;
    ord = (i > 0 && group == kv[i - 1].key) ? ord + 1 : 0;
    uint32_t c = county_ordinal(sp, (uint32_t)(group >> 32));
    uint64_t k = county_blocks[c], share = 500 / k, at = block - county_first_block[c];
    if (ord >= share)
      return PC_ERROR(PC_ERR_DATA,
                      "county %06u: more than %llu persons of one sex born on one day in a "
                      "block of households (the county spans %llu blocks): ID numbers cannot "
                      "be unique; use fewer persons",
                      sp->county_code[c], (unsigned long long)share, (unsigned long long)k);
    seq[kv[i].val] = (uint16_t)pc_synth_idseq(group, at * share + ord);
  }
  return 0;
}

void pc_synth_params_free(pc_synth_params *sp) {
  free(sp->comm);
  free(sp->comm_cum);
  free(sp->county_code);
  free(sp->comm_county);
  sp->county_code = sp->comm_county = NULL;
  sp->comm = NULL;
  sp->comm_cum = NULL;
}

/* Age of a household head (years), shaped so that the whole population's
 * pyramid resembles Hunan's 2020 census: ~19% aged 0-14, ~20% 60+. */
static const double head_age_cum[] = {
    /* 20-24 ... 95-99, 5-year bins */
    0.05, 0.14, 0.26, 0.38, 0.49, 0.59, 0.68, 0.76, 0.83, 0.89, 0.935, 0.967, 0.987, 0.996, 0.9995, 1.0};

static int draw_head_age(pc_stream *s, unsigned size) {
  double u = pc_next_u01(s);
  int bin = 0;
  while (bin < 15 && u >= head_age_cum[bin]) bin++;
  int age = 20 + 5 * bin + (int)pc_next_below(s, 5);
  /* Families with children have heads of parenting age. */
  if (size >= 3 && pc_next_u01(s) < 0.5) age = 26 + (int)pc_next_below(s, 22);
  /* Singles skew old (widowed elderly) or young (migrant workers). */
  if (size <= 2 && pc_next_u01(s) < 0.3) age = 60 + (int)pc_next_below(s, 30);
  return age;
}

/* GB/T 4754 sections for workers, urban and rural shares (sum 1). */
static const char sec_letters[20] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J',
                                     'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T'};
static const double sec_rural[20] = {0.46, 0.012, 0.15, 0.006, 0.09, 0.08, 0.03, 0.03, 0.004, 0.004,
                                     0.005, 0.01, 0.003, 0.004, 0.03, 0.03, 0.02, 0.004, 0.037, 0.001};
static const double sec_urban[20] = {0.04, 0.008, 0.20, 0.012, 0.10, 0.16, 0.06, 0.07, 0.03, 0.03,
                                     0.03, 0.04, 0.02, 0.008, 0.05, 0.05, 0.04, 0.012, 0.039, 0.001};

static void set_sector(char out[2], char a, char b) {
  out[0] = a;
  out[1] = b;
}

static void draw_work_sector(pc_stream *s, int urban, char out[2]) {
  const double *w = urban ? sec_urban : sec_rural;
  double u = pc_next_u01(s), c = 0;
  int i = 0;
  for (; i < 19; i++) {
    c += w[i];
    if (u < c) break;
  }
  set_sector(out, sec_letters[i], 0);
}

/* Vaccine doses by age, roughly as in August 2021. Columns: P(0), P(<=1), P(<=2). */
static uint8_t draw_doses(pc_stream *s, int age) {
  double u = pc_next_u01(s);
  double c0, c1, c2;
  if (age < 3)
    return 0;
  else if (age < 12)
    c0 = 0.40, c1 = 0.60, c2 = 1.0;
  else if (age < 18)
    c0 = 0.10, c1 = 0.25, c2 = 1.0;
  else if (age < 60)
    c0 = 0.08, c1 = 0.18, c2 = 0.90;
  else if (age < 80)
    c0 = 0.25, c1 = 0.40, c2 = 0.95;
  else
    c0 = 0.55, c1 = 0.70, c2 = 1.0;
  return u < c0 ? 0 : u < c1 ? 1 : u < c2 ? 2 : 3;
}

/* Unique phone of person index i: an affine bijection of [0, 7e9) onto the
 * numbers 13x..19x, so no two persons share a number. */
static uint64_t phone_of(uint64_t i) {
  const uint64_t M = 7000000000ULL, A = 2654435761ULL /* odd, not a multiple of 5 or 7 */;
  uint64_t q = (uint64_t)(((unsigned __int128)A * i + 1234567ULL) % M);
  return 10000000000ULL + (3 + q / 1000000000ULL) * 1000000000ULL + q % 1000000000ULL;
}

static int32_t birth_of(pc_stream *s, int64_t as_of, int age) {
  int64_t today = pc_local_day(as_of);
  /* A birthday uniformly in the year that ends today at age `age`. */
  int64_t d = today - (int64_t)floor(age * 365.2425) - (int64_t)pc_next_below(s, 365);
  int y;
  unsigned m, dd;
  pc_civil_from_days(d, &y, &m, &dd);
  return y * 10000 + (int32_t)(m * 100 + dd);
}

void pc_synth_household(const pc_synth_params *sp, uint64_t h, uint64_t first, unsigned n,
                        pc_synth_person *out) {
  pc_stream s = pc_stream_make(sp->seed, h, P_HH);
  unsigned size = pc_synth_household_size(sp->seed, h);
  /* The community is fixed by where the household falls in the ordered
   * registry, so every community gets its share of the province exactly. */
  double pos = ((double)first + 0.5) / (double)sp->npersons;
  const pc_region *c = sp->comm[pc_pick_cum(sp->comm_cum, sp->ncomm, pos)];
  int ages[PC_HH_MAX];
  int head = draw_head_age(&s, size);
  ages[0] = head;
  for (unsigned j = 1; j < size; j++) {
    if (j == 1 && size >= 2 && (size != 2 || pc_next_u01(&s) < 0.75)) {
      int a = head + (int)pc_next_below(&s, 9) - 4; /* spouse */
      ages[j] = a < 18 ? 18 : a;
    } else if (j >= 4 && j == size - 1 && head < 60) {
      ages[j] = head + 22 + (int)pc_next_below(&s, 12); /* a grandparent */
    } else {
      int a = head - 21 - (int)pc_next_below(&s, 14); /* a child */
      ages[j] = a < 0 ? (int)pc_next_below(&s, 6) : a;
    }
    if (ages[j] > 100) ages[j] = 100;
  }
  int head_male = pc_next_u01(&s) < 0.52;
  uint64_t n_emp = 1 + (uint64_t)(c->weight * (double)sp->npersons / 40.0);
  for (unsigned j = 0; j < n; j++) {
    pc_synth_person *o = &out[j];
    memset(o, 0, sizeof *o);
    uint64_t idx = first + j;
    pc_stream ps = pc_stream_make(sp->seed, idx, P_PERSON);
    int age = ages[j];
    o->index = idx;
    o->p.household = h + 1;
    o->p.region = c->code;
    o->p.sex = j == 0 ? (head_male ? 1 : 2) : j == 1 && size >= 2 ? (head_male ? 2 : 1)
                                                                 : (pc_next_u01(&ps) < 0.51 ? 1 : 2);
    o->p.birth_date = birth_of(&ps, sp->as_of, age);
    int real_age = pc_age_at(o->p.birth_date, sp->as_of);
    if (real_age >= 0) age = real_age;
    double u = pc_next_u01(&ps);
    uint64_t county = c->code / 1000000;
    if (age < 3) {
      set_sector(o->p.sector, 'U', '0');
    } else if (age < 18 || (age < 23 && u < 0.45)) {
      set_sector(o->p.sector, age < 6 && u < 0.15 ? 'U' : 'S', '0');
      if (o->p.sector[0] == 'S') /* a school in the county of residence */
        o->p.employer = county * 1000000 + 900000 + pc_next_below(&ps, 1 + n_emp / 20);
    } else if (age < 60 ? u < 0.80 : age < 65 ? u < 0.30 : u < 0.12) {
      draw_work_sector(&ps, c->urban, o->p.sector);
      if (o->p.sector[0] != 'A') {
        /* Skewed toward low numbers: a few large employers, many small ones. */
        double v = pc_next_u01(&ps);
        o->p.employer = county * 1000000 + 1 + (uint64_t)(v * v * (double)n_emp);
      }
    } else {
      set_sector(o->p.sector, age >= 55 ? 'R' : 'U', '0');
    }
    o->p.doses = draw_doses(&ps, age);
    double pp = age < 8 ? 0 : age < 12 ? 0.3 : age < 80 ? 0.97 : 0.7;
    if (pc_next_u01(&ps) < pp) o->phone = phone_of(idx);
  }
}

unsigned pc_synth_idseq(uint64_t group, uint64_t ordinal) {
  unsigned male = (unsigned)(group & 1);
  /* 263 is coprime to 500, so distinct ordinals give distinct numbers, spread
   * over the range rather than all starting at 000. */
  unsigned m = (unsigned)((ordinal * 263 + pc_mix64(group) % 500) % 500);
  return 2 * m + male;
}
