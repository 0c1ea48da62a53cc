/* pc_screen_config.c - screen's config read for meaning: the risk areas, the code of `screened`, the checks at load. */
#include "pc_screen_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_axes.h"
#include "pc_hash.h"
#include "pc_sort.h"

static int u64_cmp(const void *pa, const void *pb) {
  uint64_t x = *(const uint64_t *)pa, y = *(const uint64_t *)pb;
  return (x > y) - (x < y);
}

void pc_screen_areas_free(pc_screen_areas *A) {
  free(A->a);
  free(A->lo);
  free(A->hi);
  free(A->places);
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

int pc_screen_areas_load(const pc_config *cfg, pc_screen_areas *A, pc_config_problems *p) {
  size_t n = pc_config_len(cfg, "areas"), np = 0, npl = 0;
  char k[128];
  for (size_t i = 0; i < n; i++) {
    snprintf(k, sizeof k, "areas.%zu.regions", i);
    np += pc_config_len(cfg, k);
    snprintf(k, sizeof k, "areas.%zu.places", i);
    npl += pc_config_len(cfg, k);
  }
  A->n = n;
  A->a = pc_calloc(n + 1, sizeof *A->a, "areas");
  A->lo = pc_malloc((np + 1) * sizeof *A->lo, "areas");
  A->hi = pc_malloc((np + 1) * sizeof *A->hi, "areas");
  A->places = pc_malloc((6 * npl + 1) * sizeof *A->places, "areas");
  if (!A->a || !A->lo || !A->hi || !A->places) return PC_ERR_MEM;
  if (n == 0) AREA_PROBLEM("areas", "give at least one area");
  size_t at = 0, atp = 0;
  for (size_t i = 0; i < n; i++) {
    pc_area *a = &A->a[i];
    snprintf(k, sizeof k, "areas.%zu.name", i);
    const char *name = pc_config_str(cfg, k);
    if (!name[0] || strlen(name) >= sizeof a->name)
      AREA_PROBLEM(k, "an area name has 1-31 bytes");
    for (size_t j = 0; j < i; j++) {
      char kj[128];
      snprintf(kj, sizeof kj, "areas.%zu.name", j);
      if (!strcmp(pc_config_str(cfg, kj), name)) {
        AREA_PROBLEM(k, "area name '%s' given twice (first in areas.%zu)", name, j);
        break;
      }
    }
    snprintf(a->name, sizeof a->name, "%s", name);
    a->lo = A->lo + at;
    a->hi = A->hi + at;
    snprintf(k, sizeof k, "areas.%zu.regions", i);
    for (size_t j = 0; j < pc_config_len(cfg, k); j++, at++) {
      const char *pre = pc_config_str_at(cfg, k, j);
      if (pc_prefix_range(pre, &A->lo[at], &A->hi[at])) {
        char kp[160];
        snprintf(kp, sizeof kp, "%s.%zu", k, j);
        AREA_PROBLEM(kp, "area '%s': region prefix '%s' is not 1-12 digits", name, pre);
      }
      a->nprefix++;
    }
    a->places = A->places + atp;
    snprintf(k, sizeof k, "areas.%zu.places", i);
    a->nplaces = area_places(cfg, k, A->places + atp);
    atp += a->nplaces;
    pc_qsort((uint64_t *)a->places, a->nplaces, sizeof *a->places, u64_cmp);
    snprintf(k, sizeof k, "areas.%zu", i);
    if (!a->nprefix && !a->nplaces) AREA_PROBLEM(k, "area '%s': give regions or places", name);
    snprintf(k, sizeof k, "areas.%zu.from", i);
    a->from = pc_config_time(cfg, k);
    snprintf(k, sizeof k, "areas.%zu.to", i);
    a->to = pc_config_time(cfg, k);
    if (a->to <= a->from) AREA_PROBLEM(k, "area '%s': `to` is not after `from`", name);
    snprintf(k, sizeof k, "areas.%zu.hours", i);
    if (pc_config_given(cfg, k)) {
      a->hours = 1;
      if (pc_hours_parse(pc_config_str(cfg, k), &a->h0, &a->h1))
        AREA_PROBLEM(k, "area '%s': hours must be \"HH:MM-HH:MM\" with two different times",
                     name);
    }
    snprintf(k, sizeof k, "areas.%zu.min_dwell", i);
    a->min_dwell = pc_config_duration(cfg, k);
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
