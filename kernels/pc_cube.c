/* pc_cube.c - sector and age-band axes and the person-counting kernel. */
#include "pc_cube.h"

#include <stdio.h>
#include <string.h>

#include "pc_province.h"
#include "pc_time.h"

const char *const pc_sector_labels[PC_NSECTORS] = {
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L",
    "M", "N", "O", "P", "Q", "R", "S", "T", "S0", "R0", "U0", "unknown"};

int pc_sector_index(const char s[2]) {
  if (s[1] == 0 && s[0] >= 'A' && s[0] <= 'T') return s[0] - 'A';
  if (s[1] == '0') {
    if (s[0] == 'S') return 20;
    if (s[0] == 'R') return 21;
    if (s[0] == 'U') return 22;
  }
  return PC_NSECTORS - 1;
}

int pc_age_edges_check(const int32_t *e, int n) {
  if (n < 1 || n > PC_MAX_AGE_EDGES || e[0] != 0) return -1;
  for (int i = 1; i < n; i++)
    if (e[i] <= e[i - 1] || e[i] > 200) return -1;
  return 0;
}

int pc_age_band(const int32_t *e, int n, int age) {
  if (age < 0) return n;
  int lo = 0, hi = n - 1; /* last i with e[i] <= age */
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (e[mid] <= age)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

char *pc_age_band_label(const int32_t *e, int n, int i, char *buf) {
  if (i >= n)
    snprintf(buf, 16, "unknown");
  else if (i == n - 1)
    snprintf(buf, 16, "%d+", (int)e[i]);
  else
    snprintf(buf, 16, "%d-%d", (int)e[i], (int)e[i + 1] - 1);
  return buf;
}

size_t pc_cube_region_index(const pc_cube_axes *ax, uint64_t code) {
  uint64_t c = pc_region_cut(code, ax->level);
  size_t lo = 0, hi = ax->ncodes;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (ax->codes[mid] < c)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (lo < ax->ncodes && ax->codes[lo] == c) ? lo : ax->ncodes;
}

/* The cell of p[0..n) in a cube without a dose axis into cell[]: the region
 * axis's index and the age band found once per person (one binary search
 * each, the last region kept for runs of one). */
void pc_cube_cells(const pc_cube_axes *ax, const pc_person *p, size_t n, size_t *cell) {
  const size_t nb = pc_cube_nbands(ax);
  /* Ages change only at birthdays: compute the as_of date once, not per row. */
  const int32_t today = pc_local_ymd(ax->as_of);
  uint64_t last_code = UINT64_MAX;
  size_t last_r = 0;
  for (size_t i = 0; i < n; i++) {
    const pc_person *q = &p[i];
    size_t r;
    if (q->region == last_code) {
      r = last_r;
    } else {
      r = pc_cube_region_index(ax, q->region);
      last_code = q->region;
      last_r = r;
    }
    int age = -1;
    if (q->birth_date > 0 && q->birth_date <= today)
      age = (today / 10000 - q->birth_date / 10000) - ((today % 10000) < (q->birth_date % 10000));
    size_t b = (size_t)pc_age_band(ax->edges, ax->nedges, age);
    size_t s = (size_t)pc_sector_index(q->sector);
    cell[i] = (r * nb + b) * PC_NSECTORS + s;
  }
}

void pc_cube_add_persons(const pc_cube_axes *ax, const pc_person *p, size_t n, int doses,
                         uint64_t *cube) {
  enum { STEP = 1024 };
  const size_t nd = PC_MAX_DOSES + 1;
  size_t cell[STEP];
  for (size_t i0 = 0; i0 < n; i0 += STEP) {
    const size_t k = n - i0 < STEP ? n - i0 : STEP;
    pc_cube_cells(ax, p + i0, k, cell);
    for (size_t i = 0; i < k; i++) {
      const pc_person *q = &p[i0 + i];
      const size_t dd = q->doses > PC_MAX_DOSES ? PC_MAX_DOSES : q->doses;
      cube[doses ? cell[i] * nd + dd : cell[i]]++;
    }
  }
}
