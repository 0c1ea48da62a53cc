/* pc_exposure.c - common exposures of cases at a place (a sweep over their merged presences), contacts between cases, attendees of an interval. */
#include <stdlib.h>
#include <string.h>

#include "pc_sort.h"
#include "pc_exposure.h"

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

int pc_presence_cmp(const void *a, const void *b) {
  const pc_presence *x = a, *y = b;
  int c = cmp_u64(x->place, y->place);
  if (!c) c = cmp_i64(x->start, y->start);
  if (!c) c = cmp_i64(x->end, y->end);
  if (!c) c = cmp_u64(x->pid, y->pid);
  if (!c) c = x->row - y->row;
  return c;
}

static int by_pid_start(const void *a, const void *b) {
  const pc_presence *x = a, *y = b;
  int c = cmp_u64(x->pid, y->pid);
  return c ? c : cmp_i64(x->start, y->start);
}

static int i64_cmp(const void *a, const void *b) {
  return cmp_i64(*(const int64_t *)a, *(const int64_t *)b);
}

/* The cases of the merged presences p[0..m) (sorted by pid) present during
 * [from, to) for a positive time, into pids; returns how many. */
static uint32_t present(const pc_presence *p, size_t m, int64_t from, int64_t to, uint64_t *pids) {
  uint32_t k = 0;
  for (size_t i = 0; i < m; i++)
    if (p[i].start < to && p[i].end > from && (!k || pids[k - 1] != p[i].pid)) pids[k++] = p[i].pid;
  return k;
}

int pc_sources_common(pc_presence *p, size_t n, int min_cases, int64_t min_minutes,
                      int64_t *scratch, pc_common_fn emit, void *arg) {
  if (n == 0) return 0;
  /* One case's overlapping or touching presences count once: their union. */
  pc_qsort(p, n, sizeof *p, by_pid_start);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (m && p[m - 1].pid == p[i].pid && p[i].start <= p[m - 1].end) {
      if (p[i].end > p[m - 1].end) p[m - 1].end = p[i].end;
      continue;
    }
    p[m++] = p[i];
  }
  int64_t *st = scratch, *en = scratch + n;
  uint64_t *pids = (uint64_t *)(scratch + 2 * n);
  for (size_t i = 0; i < m; i++) st[i] = p[i].start, en[i] = p[i].end;
  pc_qsort(st, m, sizeof *st, i64_cmp);
  pc_qsort(en, m, sizeof *en, i64_cmp);
  /* Sweep the distinct instants; at each, every end and start there is
   * applied before the count is compared, so the intervals are maximal. */
  size_t i = 0, j = 0;
  int cnt = 0;
  int64_t from = 0;
  while (j < m) {
    const int64_t t = i < m && st[i] < en[j] ? st[i] : en[j];
    const int before = cnt;
    for (; j < m && en[j] == t; j++) cnt--;
    for (; i < m && st[i] == t; i++) cnt++;
    if (before < min_cases && cnt >= min_cases) from = t;
    if (before >= min_cases && cnt < min_cases && (t - from) / 60 >= min_minutes) {
      pc_common e;
      memset(&e, 0, sizeof e);
      e.place = p[0].place;
      e.channel = p[0].channel;
      e.from = from;
      e.to = t;
      e.ncases = present(p, m, from, t, pids);
      int rc = emit(arg, &e, pids);
      if (rc) return rc;
    }
  }
  return 0;
}

int pc_sources_links(const pc_presence *p, size_t n, const pc_chan_rule *r,
                     int (*link)(void *arg, uint64_t a, uint64_t b), void *arg) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n && p[j].start < p[i].end; j++) {
      if (p[i].pid == p[j].pid) continue;
      pc_side x = {p[i].start, p[i].end, p[i].row, p[i].cum};
      pc_side y = {p[j].start, p[j].end, p[j].row, p[j].cum};
      if (pc_contact(r, p[i].channel, &x, &y, INT64_MIN, INT64_MAX) < 0) continue;
      uint64_t a = p[i].pid < p[j].pid ? p[i].pid : p[j].pid;
      int rc = link(arg, a, a == p[i].pid ? p[j].pid : p[i].pid);
      if (rc) return rc;
    }
  return 0;
}

int pc_sources_attendees(const pc_irow *rows, size_t n, uint64_t place, int c, int64_t a,
                         int64_t b, int64_t min_minutes,
                         int (*hit)(void *arg, const pc_irow *r, int64_t at, int64_t secs),
                         void *arg) {
  /* Rail: a ticket without a carriage meets every carriage of its train. */
  const uint64_t lo = c == PC_CH_RAIL ? pc_rail_train(place) : place;
  const uint64_t hi = c == PC_CH_RAIL ? lo | 0xff : place;
  size_t k = 0, top = n;
  while (k < top) {
    size_t mid = k + (top - k) / 2;
    if (rows[mid].place < lo) k = mid + 1;
    else top = mid;
  }
  for (; k < n && rows[k].place <= hi; k++) {
    const pc_irow *r = &rows[k];
    if (r->channel != c || !pc_place_meets(c, r->place, place) || r->start >= b) continue;
    const int64_t s = r->start > a ? r->start : a, e = r->end < b ? r->end : b;
    if (e <= s || (e - s) / 60 < min_minutes) continue;
    int rc = hit(arg, r, s, e - s);
    if (rc) return rc;
  }
  return 0;
}

void pc_uf_init(uint32_t *parent, size_t n) {
  for (size_t i = 0; i < n; i++) parent[i] = (uint32_t)i;
}

uint32_t pc_uf_find(uint32_t *parent, uint32_t i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

void pc_uf_join(uint32_t *parent, uint32_t a, uint32_t b) {
  a = pc_uf_find(parent, a);
  b = pc_uf_find(parent, b);
  if (a < b) parent[b] = a;
  else parent[a] = b;
}
