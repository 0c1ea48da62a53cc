/* pc_sort.c - byte-wise LSD radix sort with skipped constant digits. */
#include "pc_sort.h"

#include <string.h>

/* One stable counting pass of pairs on byte `shift/8` of the key (or of val
 * when on_val). */
static void pass_kv(const pc_kv *src, pc_kv *dst, size_t n, int shift, int on_val,
                    const size_t *count) {
  size_t off[256];
  size_t s = 0;
  for (int b = 0; b < 256; b++) {
    off[b] = s;
    s += count[b];
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t k = on_val ? src[i].val : src[i].key;
    dst[off[(k >> shift) & 0xff]++] = src[i];
  }
}

void pc_sort_kv(pc_kv *a, pc_kv *tmp, size_t n) {
  if (n < 2) return;
  /* Histograms of all 16 digit positions in one read of the data. */
  static size_t hist[16][256];
  memset(hist, 0, sizeof hist);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = a[i].key, v = a[i].val;
    for (int d = 0; d < 8; d++) {
      hist[d][(v >> (8 * d)) & 0xff]++;
      hist[8 + d][(k >> (8 * d)) & 0xff]++;
    }
  }
  pc_kv *src = a, *dst = tmp;
  for (int d = 0; d < 16; d++) {
    int skip = 0;
    for (int b = 0; b < 256; b++)
      if (hist[d][b] == n) skip = 1;
    if (skip) continue;
    pass_kv(src, dst, n, 8 * (d % 8), d < 8, hist[d]);
    pc_kv *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

void pc_sort_u64(uint64_t *a, uint64_t *tmp, size_t n) {
  if (n < 2) return;
  static size_t hist[8][256];
  memset(hist, 0, sizeof hist);
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < 8; d++) hist[d][(a[i] >> (8 * d)) & 0xff]++;
  uint64_t *src = a, *dst = tmp;
  for (int d = 0; d < 8; d++) {
    int skip = 0;
    for (int b = 0; b < 256; b++)
      if (hist[d][b] == n) skip = 1;
    if (skip) continue;
    size_t off[256], s = 0;
    for (int b = 0; b < 256; b++) {
      off[b] = s;
      s += hist[d][b];
    }
    for (size_t i = 0; i < n; i++) dst[off[(src[i] >> (8 * d)) & 0xff]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

int pc_is_sorted_kv(const pc_kv *a, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (a[i - 1].key > a[i].key || (a[i - 1].key == a[i].key && a[i - 1].val > a[i].val))
      return 0;
  return 1;
}
