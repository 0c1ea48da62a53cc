/* pc_rng.h - counter-based random draws: every draw is a pure function of its coordinates. */
#ifndef PC_RNG_H
#define PC_RNG_H

#include <stdint.h>

#include "pc_hash.h"

/* Why counter-based: a draw depends only on (seed, entity, purpose, counter),
 * never on which rank made it or in what order, so synthetic data is the same
 * at any rank count. */
static inline uint64_t pc_rng(uint64_t seed, uint64_t entity, uint64_t purpose, uint64_t ctr) {
  uint64_t z = pc_mix64(seed ^ 0x9e3779b97f4a7c15ULL);
  z = pc_mix64(z ^ entity);
  z = pc_mix64(z ^ (purpose * 0xd1342543de82ef95ULL) ^ ctr);
  return z;
}

/* Uniform double in [0, 1) from 53 bits. */
static inline double pc_u01(uint64_t r) { return (double)(r >> 11) * (1.0 / 9007199254740992.0); }

/* Uniform integer in [0, n), n > 0 (Lemire's multiply; bias < n/2^64, negligible). */
static inline uint64_t pc_below(uint64_t r, uint64_t n) {
  return (uint64_t)(((unsigned __int128)r * n) >> 64);
}

/* A stream: successive draws for one (seed, entity, purpose). Its state is
 * seeded from the coordinates, then advanced as splitmix64 (one mix a draw),
 * so the n-th draw is still a pure function of (seed, entity, purpose, n). */
typedef struct pc_stream {
  uint64_t state;
} pc_stream;

static inline pc_stream pc_stream_make(uint64_t seed, uint64_t entity, uint64_t purpose) {
  pc_stream s = {pc_rng(seed, entity, purpose, 0)};
  return s;
}
static inline uint64_t pc_next(pc_stream *s) {
  s->state += 0x9e3779b97f4a7c15ULL;
  return pc_mix64(s->state);
}
static inline double pc_next_u01(pc_stream *s) { return pc_u01(pc_next(s)); }
static inline uint64_t pc_next_below(pc_stream *s, uint64_t n) { return pc_below(pc_next(s), n); }

/* Index of the first cumulative weight > u*total in cum[0..n) (cum ascending,
 * cum[n-1] = total): a weighted choice. */
static inline uint32_t pc_pick_cum(const double *cum, uint32_t n, double u) {
  double x = u * cum[n - 1];
  uint32_t lo = 0, hi = n - 1;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (cum[mid] > x)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

#endif
