/* pc_itin.c - published itineraries: clipping, merging consecutive stays at one place, the same-trip table. */
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_itin.h"
#include "pc_sort.h"

int pc_itin_public(int channel) {
  return channel == PC_CH_CAFE || channel == PC_CH_LODGING || channel == PC_CH_FLIGHT ||
         channel == PC_CH_RAIL;
}

int pc_itin_clip(const pc_stay *s, int64_t w0, int64_t w1, uint32_t ordinal, pc_itin_visit *v) {
  if (!pc_itin_public(s->channel)) return 0;
  const int64_t a = s->start > w0 ? s->start : w0, b = s->end < w1 ? s->end : w1;
  if (b <= a) return 0;
  memset(v, 0, sizeof *v);
  v->place = s->place;
  v->region = s->region;
  v->start = a;
  v->end = b;
  v->ordinal = ordinal;
  v->channel = s->channel;
  v->carriage = s->channel == PC_CH_RAIL ? s->carriage : 0;
  v->stays = 1;
  return 1;
}

#define CMP(x, y) \
  if ((x) != (y)) return (x) < (y) ? -1 : 1
static int visit_cmp(const void *pa, const void *pb) {
  const pc_itin_visit *a = pa, *b = pb;
  CMP(a->ordinal, b->ordinal);
  CMP(a->start, b->start);
  CMP(a->end, b->end);
  CMP(a->channel, b->channel);
  CMP(a->place, b->place);
  CMP(a->carriage, b->carriage);
  return 0;
}

static int same_place(const pc_itin_visit *a, const pc_itin_visit *b) {
  return a->channel == b->channel && a->place == b->place && a->carriage == b->carriage;
}

size_t pc_itin_merge(pc_itin_visit *v, size_t n, int64_t gap) {
  pc_qsort(v, n, sizeof *v, visit_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    pc_itin_visit *m = k ? &v[k - 1] : NULL;
    if (m && m->ordinal == v[i].ordinal && same_place(m, &v[i]) && v[i].start - m->end <= gap) {
      if (v[i].end > m->end) m->end = v[i].end;
      if (m->stays < UINT16_MAX) m->stays++;
      continue;
    }
    v[k++] = v[i];
  }
  return k;
}

/* By place (channel, place, carriage), then start, end, ordinal. */
static int by_place(const void *pa, const void *pb) {
  const pc_itin_visit *a = pa, *b = pb;
  CMP(a->channel, b->channel);
  CMP(a->place, b->place);
  CMP(a->carriage, b->carriage);
  CMP(a->start, b->start);
  CMP(a->end, b->end);
  CMP(a->ordinal, b->ordinal);
  return 0;
}

static int trip_cmp(const void *pa, const void *pb) {
  const pc_itin_trip *a = pa, *b = pb;
  CMP(a->from, b->from);
  CMP(a->channel, b->channel);
  CMP(a->place, b->place);
  CMP(a->carriage, b->carriage);
  return 0;
}

static int u32_cmp(const void *pa, const void *pb) {
  const uint32_t *a = pa, *b = pb;
  CMP(*a, *b);
  return 0;
}

/* The rows of one place p[0..n) (sorted by start): maximal unions of
 * overlapping visits, each with its distinct cases. */
static void place_trips(const pc_itin_visit *p, size_t n, pc_itin_trip *t, size_t *nt,
                        uint32_t *cases, size_t *nc) {
  for (size_t i = 0; i < n;) {
    pc_itin_trip *r = &t[(*nt)++];
    memset(r, 0, sizeof *r);
    r->place = p[i].place;
    r->region = p[i].region;
    r->channel = p[i].channel;
    r->carriage = p[i].carriage;
    r->from = p[i].start;
    r->to = p[i].end;
    r->first = (uint32_t)*nc;
    size_t j = i;
    for (; j < n && (j == i || p[j].start < r->to); j++) {
      if (p[j].end > r->to) r->to = p[j].end;
      cases[(*nc)++] = p[j].ordinal;
    }
    uint32_t *c = cases + r->first;
    size_t m = *nc - r->first, u = 0;
    pc_qsort(c, m, sizeof *c, u32_cmp);
    for (size_t k = 0; k < m; k++)
      if (!u || c[u - 1] != c[k]) c[u++] = c[k];
    *nc = r->first + u;
    r->ncases = (uint32_t)u;
    i = j;
  }
}

int pc_itin_trips(const pc_itin_visit *v, size_t n, pc_itin_trip *trips, size_t *ntrips,
                  uint32_t *cases) {
  *ntrips = 0;
  pc_itin_visit *p = pc_malloc((n + 1) * sizeof *p, "same-trip table");
  if (!p) return PC_ERR_MEM;
  memcpy(p, v, n * sizeof *p);
  pc_qsort(p, n, sizeof *p, by_place);
  size_t nc = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && same_place(&p[i], &p[j])) j++;
    place_trips(p + i, j - i, trips, ntrips, cases, &nc);
    i = j;
  }
  free(p);
  pc_qsort(trips, *ntrips, sizeof *trips, trip_cmp);
  return 0;
}
