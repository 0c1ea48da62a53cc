/* pc_part.c - ownership ranges of pids and buckets. */
#include "pc_part.h"

void pc_owner_range(int r, int n, uint64_t *p0, uint64_t *p1) {
  /* The smallest pid p with p * n >> 64 >= r is ceil(r 2^64 / n). */
  unsigned __int128 lo = (((unsigned __int128)r << 64) + (unsigned)n - 1) / (unsigned)n;
  unsigned __int128 hi = (((unsigned __int128)(r + 1) << 64) + (unsigned)n - 1) / (unsigned)n;
  *p0 = (uint64_t)lo;
  *p1 = (uint64_t)(hi - 1);
}

void pc_cut_ranges(const uint64_t *start, uint32_t nitems, uint32_t nranks, uint32_t *b0) {
  const uint64_t total = start[nitems];
  uint32_t b = 0;
  for (uint32_t r = 0; r <= nranks; r++) {
    unsigned __int128 goal = (unsigned __int128)total * r / nranks;
    while (b < nitems && start[b] < goal) b++;
    b0[r] = r == nranks ? nitems : b;
  }
}

void pc_cut_ranges_part(const uint64_t *start, uint32_t nitems, uint32_t lo, uint32_t hi,
                        uint32_t nranks, uint64_t *cut) {
  const uint64_t total = start[nitems];
  for (uint32_t r = 0; r <= nranks; r++) { /* the first b with start[b] >= the goal */
    const unsigned __int128 goal = (unsigned __int128)total * r / nranks;
    uint32_t a = lo, b = hi;
    while (a < b) {
      const uint32_t m = a + (b - a) / 2;
      if (start[m] < goal) a = m + 1;
      else b = m;
    }
    cut[r] = r < nranks && a < hi ? a : nitems; /* a later slice's a is no less */
  }
}
