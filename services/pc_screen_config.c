/* pc_screen_config.c - screen's config read for meaning: the risk areas, the code of `screened`, the checks at load. */
#include "pc_screen_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_axes.h"
#include "pc_hash.h"
#include "pc_sort.h"

void pc_screen_areas_free(pc_screen_areas *A) {
  free(A->a);
  free(A->then);
  free(A->lo);
  free(A->hi);
  free(A->places);
  free(A->origin);
  memset(A, 0, sizeof *A);
}

/* The place ids of the list k into out: an id given in decimal, or a
 * name's id on each channel but rail; returns how many (at most 5 per item). */
static size_t area_places(const pc_config *cfg, const char *k, uint64_t *out) {
  size_t n = 0;
  for (size_t j = 0; j < pc_config_len(cfg, k); j++) {
    const char *pl = pc_config_str_at(cfg, k, j);
    size_t len = strlen(pl), d = strspn(pl, "0123456789");
    if (len && d == len && len <= 20) {
      out[n++] = strtoull(pl, NULL, 10);
    } else if (len) {
      static const int ch[] = {PC_CH_CAFE, PC_CH_LODGING, PC_CH_FLIGHT, PC_CH_LBS, PC_CH_GRID};
      for (int c = 0; c < 5; c++) out[n++] = pc_place_key((unsigned)ch[c], pl, len, 0);
    }
  }
  return n;
}

/* A problem of the areas: into p at load; at run time (p NULL) the first
 * one fails the call. */
#define AREA_PROBLEM(...)                                                  \
  do {                                                                     \
    if (pc_config_problem(p, cfg, __VA_ARGS__) && !p) return PC_ERR_CONFIG; \
  } while (0)

/* Where the storage of the next area's prefixes and places begins. */
typedef struct area_fill {
  size_t at, atp, ato;
} area_fill;

/* The regions and places under `base` (an area, or an area's then) into a. */
static int area_where(const pc_config *cfg, const char *base, const char *name, pc_screen_areas *A,
                      area_fill *f, pc_area *a, pc_config_problems *p) {
  char k[160], kp[192];
  a->lo = A->lo + f->at;
  a->hi = A->hi + f->at;
  snprintf(k, sizeof k, "%s.regions", base);
  for (size_t j = 0; j < pc_config_len(cfg, k); j++, f->at++) {
    const char *pre = pc_config_str_at(cfg, k, j);
    snprintf(kp, sizeof kp, "%s.%zu", k, j);
    if (pc_prefix_range(pre, &A->lo[f->at], &A->hi[f->at]))
      AREA_PROBLEM(kp, "area '%s': region prefix '%s' is not 1-12 digits", name, pre);
    a->nprefix++;
  }
  a->places = A->places + f->atp;
  snprintf(k, sizeof k, "%s.places", base);
  a->nplaces = area_places(cfg, k, A->places + f->atp);
  f->atp += a->nplaces;
  pc_qsort((uint64_t *)a->places, a->nplaces, sizeof *a->places, pc_u64_cmp);
  if (!a->nprefix && !a->nplaces) AREA_PROBLEM(base, "area '%s': give regions or places", name);
  return 0;
}

/* Area i's `then` (when given) into A->then[i], a->then pointing to it. */
static int area_then(const pc_config *cfg, size_t i, pc_screen_areas *A, area_fill *f, pc_area *a,
                     pc_config_problems *p) {
  char base[64], k[96];
  snprintf(base, sizeof base, "areas.%zu.then", i);
  if (!pc_config_given(cfg, base)) return 0;
  pc_area *b = &A->then[i];
  snprintf(b->name, sizeof b->name, "%s", a->name);
  PC_CALL(area_where(cfg, base, a->name, A, f, b, p));
  a->then = b;
  snprintf(k, sizeof k, "%s.within", base);
  if (pc_config_given(cfg, k)) a->within = pc_config_duration(cfg, k);
  else AREA_PROBLEM(base, "area '%s': then needs within", a->name);
  snprintf(k, sizeof k, "%s.min_dwell", base);
  if (pc_config_given(cfg, k)) b->min_dwell = pc_config_duration(cfg, k);
  else AREA_PROBLEM(base, "area '%s': then needs min_dwell", a->name);
  return 0;
}

/* Area i's id_origin (when given): prefixes of ID numbers, 1-17 digits. */
static int area_origin(const pc_config *cfg, size_t i, pc_screen_areas *A, area_fill *f, pc_area *a,
                       pc_config_problems *p) {
  char k[64], kp[96];
  snprintf(k, sizeof k, "areas.%zu.id_origin", i);
  if (!pc_config_given(cfg, k)) return 0;
  a->origin = (const char(*)[PC_ORIGIN_MAX + 1]) & A->origin[f->ato];
  if (!pc_config_len(cfg, k)) AREA_PROBLEM(k, "area '%s': id_origin lists no prefix", a->name);
  for (size_t j = 0; j < pc_config_len(cfg, k); j++) {
    const char *pre = pc_config_str_at(cfg, k, j);
    size_t len = strlen(pre);
    snprintf(kp, sizeof kp, "%s.%zu", k, j);
    if (!len || len > PC_ORIGIN_MAX || strspn(pre, "0123456789") != len)
      AREA_PROBLEM(kp, "area '%s': id_origin prefix '%s' is not 1-%d digits", a->name, pre,
                   PC_ORIGIN_MAX);
    snprintf(A->origin[f->ato++], sizeof A->origin[0], "%.*s", PC_ORIGIN_MAX, pre);
    a->norigin++;
  }
  return 0;
}

/* Area i's name (unique), period, hours and min_dwell. */
static int area_period(const pc_config *cfg, size_t i, pc_area *a, pc_config_problems *p) {
  char k[128];
  snprintf(k, sizeof k, "areas.%zu.name", i);
  const char *name = pc_config_str(cfg, k);
  if (!name[0] || strlen(name) >= sizeof a->name) AREA_PROBLEM(k, "an area name has 1-31 bytes");
  for (size_t j = 0; j < i; j++) {
    char kj[128];
    snprintf(kj, sizeof kj, "areas.%zu.name", j);
    if (!strcmp(pc_config_str(cfg, kj), name)) {
      AREA_PROBLEM(k, "area name '%s' given twice (first in areas.%zu)", name, j);
      break;
    }
  }
  snprintf(a->name, sizeof a->name, "%s", name);
  snprintf(k, sizeof k, "areas.%zu.from", i);
  a->from = pc_config_time(cfg, k);
  snprintf(k, sizeof k, "areas.%zu.to", i);
  a->to = pc_config_time(cfg, k);
  if (a->to <= a->from) AREA_PROBLEM(k, "area '%s': `to` is not after `from`", name);
  snprintf(k, sizeof k, "areas.%zu.hours", i);
  if (pc_config_given(cfg, k)) {
    a->hours = 1;
    if (pc_hours_parse(pc_config_str(cfg, k), &a->h0, &a->h1))
      AREA_PROBLEM(k, "area '%s': hours must be \"HH:MM-HH:MM\" with two different times", name);
  }
  snprintf(k, sizeof k, "areas.%zu.min_dwell", i);
  a->min_dwell = pc_config_duration(cfg, k);
  return 0;
}

/* How many prefixes, places and origins the areas list (their then too). */
static void areas_sizes(const pc_config *cfg, size_t n, size_t *np, size_t *npl, size_t *no) {
  static const char *const sub[2] = {"", ".then"};
  char k[128];
  for (size_t i = 0; i < n; i++) {
    for (int t = 0; t < 2; t++) {
      snprintf(k, sizeof k, "areas.%zu%s.regions", i, sub[t]);
      *np += pc_config_len(cfg, k);
      snprintf(k, sizeof k, "areas.%zu%s.places", i, sub[t]);
      *npl += pc_config_len(cfg, k);
    }
    snprintf(k, sizeof k, "areas.%zu.id_origin", i);
    *no += pc_config_len(cfg, k);
  }
}

int pc_screen_areas_load(const pc_config *cfg, pc_screen_areas *A, pc_config_problems *p) {
  size_t n = pc_config_len(cfg, "areas"), np = 0, npl = 0, no = 0;
  areas_sizes(cfg, n, &np, &npl, &no);
  A->n = n;
  A->a = pc_calloc(n + 1, sizeof *A->a, "areas");
  A->then = pc_calloc(n + 1, sizeof *A->then, "areas");
  A->lo = pc_malloc((np + 1) * sizeof *A->lo, "areas");
  A->hi = pc_malloc((np + 1) * sizeof *A->hi, "areas");
  A->places = pc_malloc((6 * npl + 1) * sizeof *A->places, "areas");
  A->origin = pc_calloc(no + 1, sizeof *A->origin, "areas");
  if (!A->a || !A->then || !A->lo || !A->hi || !A->places || !A->origin) return PC_ERR_MEM;
  if (n == 0) AREA_PROBLEM("areas", "give at least one area");
  area_fill f = {0, 0, 0};
  char base[64];
  for (size_t i = 0; i < n; i++) {
    pc_area *a = &A->a[i];
    snprintf(base, sizeof base, "areas.%zu", i);
    PC_CALL(area_period(cfg, i, a, p));
    PC_CALL(area_where(cfg, base, a->name, A, &f, a, p));
    PC_CALL(area_then(cfg, i, A, &f, a, p));
    PC_CALL(area_origin(cfg, i, A, &f, a, p));
  }
  return 0;
}

int pc_screen_check(const pc_config *cfg, pc_config_problems *p) {
  pc_screen_areas A = {0};
  int rc = pc_screen_areas_load(cfg, &A, p);
  pc_screen_areas_free(&A);
  static const char *const lists[2] = {"codes.red", "codes.yellow"};
  char k[64];
  for (int l = 0; l < 2; l++)
    for (size_t i = 0; i < pc_config_len(cfg, lists[l]); i++) {
      const char *c = pc_config_str_at(cfg, lists[l], i);
      snprintf(k, sizeof k, "%s.%zu", lists[l], i);
      if (strcmp(c, "screened"))
        pc_config_problem(p, cfg, k, "unknown class '%s' (screen has one: screened)", c);
    }
  pc_cube_axes_check(cfg, p);
  return rc == PC_ERR_MEM ? rc : 0;
}

int pc_screen_is_red(const pc_config *cfg) {
  for (size_t i = 0; i < pc_config_len(cfg, "codes.red"); i++)
    if (!strcmp(pc_config_str_at(cfg, "codes.red", i), "screened")) return 1;
  return 0;
}
