/* pc_agroup.c - the area view's groups: stays by (township, local day of start), and the groups an area touches. */
#include "pc_agroup.h"

#include <stdlib.h>
#include <string.h>

#include "pc_err.h"

#include "pc_time.h"

#define TOWNSHIP_SCALE 1000ULL /* a 12-digit region's last 3 digits: the community */

uint64_t pc_agroup_slice_rows(uint64_t nstays) {
  uint64_t s = 4096;
  while (s < ((uint64_t)1 << 20) && s * 64 < nstays) s *= 2;
  return s;
}

uint64_t pc_agroup_nslices(uint64_t nstays) {
  const uint64_t s = pc_agroup_slice_rows(nstays);
  return (nstays + s - 1) / s;
}

size_t pc_agroup_township(const pc_agroup_layout *L, uint64_t region) {
  const uint64_t c = region / TOWNSHIP_SCALE;
  size_t lo = 0, hi = L->ntownships - 1; /* the last is PC_AGROUP_OTHER */
  while (lo < hi) {
    size_t m = lo + (hi - lo) / 2;
    if (L->townships[m] < c) lo = m + 1;
    else hi = m;
  }
  return L->townships[lo] == c ? lo : L->ntownships - 1;
}

/* Day index of t, clamped into the window's days (pc_agroup_at's). */
static uint32_t day_of(const pc_agroup_layout *L, int64_t t) {
  return (uint32_t)pc_agroup_at(L, 0, t);
}

size_t pc_agroup_of(const pc_agroup_layout *L, const pc_stay *s) {
  return pc_agroup_at(L, pc_agroup_township(L, s->region), s->start);
}

/* Mark the days [d0, d1] of township c; returns the groups newly marked. */
static size_t mark(const pc_agroup_layout *L, size_t c, uint32_t d0, uint32_t d1, uint8_t *sel) {
  size_t k = 0;
  for (uint32_t d = d0; d <= d1; d++) {
    k += !sel[c * L->ndays + d];
    sel[c * L->ndays + d] = 1;
  }
  return k;
}

size_t pc_agroup_select(const pc_agroup_layout *L, const pc_area *a, const uint64_t *place_region,
                      int astray, int64_t dmax, uint8_t *sel) {
  if (a->to <= a->from) return 0;
  const uint32_t d0 = day_of(L, a->from - dmax), d1 = day_of(L, a->to - 1);
  int all = astray && a->nplaces > 0;
  for (size_t i = 0; i < a->nplaces && !all; i++) all = place_region[i] == 0;
  size_t k = mark(L, L->ntownships - 1, d0, d1, sel);
  for (size_t c = 0; c + 1 < L->ntownships; c++) {
    const uint64_t lo = L->townships[c] * TOWNSHIP_SCALE, hi = lo + TOWNSHIP_SCALE - 1;
    int hit = all;
    for (size_t i = 0; i < a->nprefix && !hit; i++) hit = a->lo[i] <= hi && lo <= a->hi[i];
    for (size_t i = 0; i < a->nplaces && !hit; i++)
      hit = place_region[i] / TOWNSHIP_SCALE == L->townships[c];
    if (hit) k += mark(L, c, d0, d1, sel);
  }
  return k;
}

void pc_agroup_sort(size_t G, const pc_arow *a, const uint32_t *key, size_t n, pc_arow *out,
                    uint64_t *count) {
  for (size_t i = 0; i < n; i++) count[key[i]]++;
  uint64_t at = 0;
  for (size_t g = 0; g < G; g++) { /* count becomes each group's next slot, then back */
    uint64_t c = count[g];
    count[g] = at;
    at += c;
  }
  for (size_t i = 0; i < n; i++) out[count[key[i]]++] = a[i];
  for (size_t g = G; g-- > 0;) count[g] -= g ? count[g - 1] : 0;
}

static inline uint64_t row_key(const char *rows, size_t stride, size_t i) {
  uint64_t k;
  memcpy(&k, rows + i * stride, sizeof k);
  return k;
}

void pc_dict_find_rows(const pc_dict *d, const void *rows, size_t stride, size_t n,
                       uint32_t *out) {
  enum { SLOT_AHEAD = 16, VALUE_AHEAD = 8 }; /* the slot first, its value when it has come */
  const char *b = rows;
  const size_t mask = d->cap ? d->cap - 1 : 0;
  for (size_t i = 0; i < n; i++) {
    if (d->cap && i + SLOT_AHEAD < n)
      __builtin_prefetch(&d->slot[pc_mix64(row_key(b, stride, i + SLOT_AHEAD)) & mask]);
    if (d->cap && i + VALUE_AHEAD < n) {
      const uint32_t s = d->slot[pc_mix64(row_key(b, stride, i + VALUE_AHEAD)) & mask];
      if (s) __builtin_prefetch(&d->v[s - 1]);
    }
    out[i] = pc_dict_find(d, row_key(b, stride, i));
  }
}

int pc_dict_add(pc_dict *d, uint64_t x) {
  uint32_t at;
  return pc_dict_put(d, x, &at);
}

int pc_dict_put(pc_dict *d, uint64_t x, uint32_t *at) {
  if ((*at = pc_dict_find(d, x)) != UINT32_MAX) return 0;
  if (d->n + 1 >= UINT32_MAX / 2) return PC_ERROR(PC_ERR_MEM, "a dictionary of 2^31 values");
  if (d->n == d->vcap) {
    const size_t c = d->vcap ? d->vcap * 2 : 1024;
    uint64_t *v = pc_realloc(d->v, c * sizeof *v, "dictionary");
    if (!v) return PC_ERR_MEM;
    d->v = v, d->vcap = c;
  }
  *at = (uint32_t)d->n;
  d->v[d->n++] = x;
  if (2 * d->n > d->cap) return pc_keyslots_fit(&d->slot, &d->cap, d->n * 2, 1024, d->v, d->n,
                                                sizeof *d->v);
  size_t h = (size_t)pc_mix64(x) & (d->cap - 1);
  while (d->slot[h]) h = (h + 1) & (d->cap - 1);
  d->slot[h] = (uint32_t)d->n;
  return 0;
}

void pc_dict_clear(pc_dict *d) {
  /* every value goes, so a probe may pass slots already cleared */
  for (size_t i = 0; i < d->n; i++) {
    size_t h = (size_t)pc_mix64(d->v[i]) & (d->cap - 1);
    while (d->slot[h] != i + 1) h = (h + 1) & (d->cap - 1);
    d->slot[h] = 0;
  }
  d->n = 0;
}

void pc_dict_free(pc_dict *d) {
  free(d->v), free(d->slot);
  memset(d, 0, sizeof *d);
}

uint64_t pc_arows_fingerprint_sum(const pc_arow *a, size_t n) {
  _Static_assert(sizeof *a == 3 * sizeof(uint64_t), "an area row is three words");
  return pc_words_hash_sum(a, n, 3, 0x243f6a8885a308d3ULL);
}

int pc_arows_check(const pc_arow *a, size_t n, size_t np, size_t nr) {
  uint32_t p = 0, r = 0; /* the largest indices: one test at the end */
  for (size_t i = 0; i < n; i++) {
    p = a[i].place > p ? a[i].place : p;
    const uint32_t ri = a[i].regch & (uint32_t)(PC_AROW_REGIONS - 1);
    r = ri > r ? ri : r;
  }
  return !n || ((size_t)p < np && (size_t)r < nr);
}
