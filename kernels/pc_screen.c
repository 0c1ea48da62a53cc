/* pc_screen.c - risk-area screening of one person: dwell in an area, a period and a time-of-day window. */
#include "pc_screen.h"

#include <stdlib.h>
#include <string.h>

#include "pc_time.h"

int pc_prefix_range(const char *p, uint64_t *lo, uint64_t *hi) {
  size_t n = strlen(p);
  if (n < 1 || n > 12) return -1;
  uint64_t v = 0, scale = 1;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (uint64_t)(p[i] - '0');
  }
  for (size_t i = n; i < 12; i++) scale *= 10;
  *lo = v * scale;
  *hi = v * scale + scale - 1;
  return 0;
}

static int hhmm(const char *s, int32_t *out) {
  if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' && s[3] >= '0' &&
        s[3] <= '5' && s[4] >= '0' && s[4] <= '9'))
    return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || (h == 24 && m)) return -1;
  *out = h * 3600 + m * 60;
  return 0;
}

int pc_hours_parse(const char *s, int32_t *h0, int32_t *h1) {
  if (strlen(s) != 11 || s[5] != '-' || hhmm(s, h0) || hhmm(s + 6, h1)) return -1;
  if (*h0 == 86400) return -1; /* 24:00 only ends a window (then it does not cross midnight) */
  if (*h0 == *h1) return -1;
  return 0;
}

int pc_area_match(const pc_area *a, const pc_stay *s) {
  for (size_t i = 0; i < a->nprefix; i++)
    if (s->region >= a->lo[i] && s->region <= a->hi[i]) return 1;
  size_t lo = 0, hi = a->nplaces;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (a->places[m] < s->place) lo = m + 1;
    else hi = m;
  }
  return lo < a->nplaces && a->places[lo] == s->place;
}

size_t pc_dwell_scratch(size_t n, int64_t span) {
  return 2 * n * (size_t)(span / 86400 + 3);
}

/* The union of the person's stays in the area, cut to the period and the
 * daily window, as k sorted disjoint intervals [iv[2i], iv[2i+1]); returns k. */
static size_t area_union(const pc_area *a, const pc_stay *s, size_t n, int64_t *iv) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!pc_area_match(a, &s[i])) continue;
    int64_t x = s[i].start > a->from ? s[i].start : a->from;
    int64_t y = s[i].end < a->to ? s[i].end : a->to;
    if (x >= y) continue;
    if (!a->hours) {
      iv[2 * k] = x;
      iv[2 * k + 1] = y;
      k++;
      continue;
    }
    /* The daily windows touching [x, y): one per local day, from the day
     * before x's (a window crossing midnight starts the evening before). */
    int64_t d0 = pc_local_day(x) - 1, d1 = pc_local_day(y);
    for (int64_t d = d0; d <= d1; d++) {
      int64_t w0 = pc_local_midnight(d) + a->h0;
      int64_t w1 = pc_local_midnight(d) + a->h1 + (a->h1 <= a->h0 ? PC_DAY : 0);
      int64_t p = x > w0 ? x : w0, q = y < w1 ? y : w1;
      if (p >= q) continue;
      iv[2 * k] = p;
      iv[2 * k + 1] = q;
      k++;
    }
  }
  if (!k) return 0;
  /* By start: a shell sort (Ciura's gaps), in place, no allocation: glibc's
   * qsort is a merge sort that allocates, and was a fifth of a screen. The
   * intervals nearly always come nearly in order (the stream's by start, the
   * area view's by day): then only its last pass, an insertion sort, which
   * moves each interval as far as it is out of place. */
  static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
  size_t descents = 0;
  for (size_t i = 1; i < k; i++) descents += iv[2 * i] < iv[2 * (i - 1)];
  const size_t g0 = descents <= k / 4 ? sizeof gaps / sizeof *gaps - 1 : 0;
  for (size_t g = g0; g < sizeof gaps / sizeof *gaps; g++) {
    const size_t h = gaps[g];
    for (size_t i = h; i < k; i++) {
      const int64_t x = iv[2 * i], y = iv[2 * i + 1];
      size_t j = i;
      for (; j >= h && iv[2 * (j - h)] > x; j -= h)
        iv[2 * j] = iv[2 * (j - h)], iv[2 * j + 1] = iv[2 * (j - h) + 1];
      iv[2 * j] = x, iv[2 * j + 1] = y;
    }
  }
  size_t m = 0; /* merged in place: overlapping stays count once */
  for (size_t i = 1; i < k; i++) {
    if (iv[2 * i] <= iv[2 * m + 1]) {
      if (iv[2 * i + 1] > iv[2 * m + 1]) iv[2 * m + 1] = iv[2 * i + 1];
      continue;
    }
    m++;
    iv[2 * m] = iv[2 * i];
    iv[2 * m + 1] = iv[2 * i + 1];
  }
  return m + 1;
}

static int64_t union_length(const int64_t *iv, size_t k) {
  int64_t total = 0;
  for (size_t i = 0; i < k; i++) total += iv[2 * i + 1] - iv[2 * i];
  return total;
}

/* The seconds of union that make a dwell of min_dwell in whole minutes (and
 * at least one): whole minutes of the union reach min_dwell exactly when
 * the union is this long. */
static int64_t dwell_needed(int64_t min_dwell) {
  int64_t need = min_dwell > 60 ? min_dwell : 60;
  return (need + 59) / 60 * 60;
}

/* The instant the union, walked from its start, holds `need` seconds. */
static int64_t union_reach(const int64_t *iv, size_t k, int64_t need) {
  int64_t acc = 0;
  for (size_t i = 0; i < k; i++) {
    int64_t len = iv[2 * i + 1] - iv[2 * i];
    if (acc + len >= need) return iv[2 * i] + (need - acc);
    acc += len;
  }
  return 0; /* not reached: callers check the length first */
}

int64_t pc_dwell(const pc_area *a, const pc_stay *s, size_t n, int64_t *first, int64_t *iv) {
  size_t k = area_union(a, s, n, iv);
  if (!k) return 0;
  *first = iv[0];
  return union_length(iv, k) / 60 * 60;
}

int pc_screen_area(const pc_area *a, const pc_stay *s, size_t n, pc_screen_hit *h, int64_t *iv) {
  memset(h, 0, sizeof *h);
  size_t k = area_union(a, s, n, iv);
  if (!k) return 0;
  const int64_t total = union_length(iv, k), need = dwell_needed(a->min_dwell);
  h->first = iv[0];
  h->dwell = total / 60 * 60;
  if (total < need) return 0;
  h->reached = union_reach(iv, k, need);
  if (!a->then) return 1;
  /* The then area's stays cut to [t_A, t_A + within), no daily window. */
  pc_area b = *a->then;
  b.from = h->reached;
  b.to = h->reached + a->within;
  b.hours = 0;
  k = area_union(&b, s, n, iv);
  const int64_t then_total = union_length(iv, k), then_need = dwell_needed(b.min_dwell);
  h->then_dwell = then_total / 60 * 60;
  if (then_total < then_need) return 0;
  h->then_at = union_reach(iv, k, then_need);
  return 1;
}

int pc_area_origin(const pc_area *a, const char *idnum) {
  if (!a->norigin) return 1;
  if (!idnum) return 0;
  for (size_t i = 0; i < a->norigin; i++)
    if (!strncmp(idnum, a->origin[i], strlen(a->origin[i]))) return 1;
  return 0;
}
