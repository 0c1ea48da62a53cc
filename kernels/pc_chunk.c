/* pc_chunk.c - a table's chunk made as HDF5's filters make it: shuffle, deflate (zlib), Fletcher32. */
#include "pc_chunk.h"

#include <string.h>
#include <zlib.h>

uint32_t pc_fletcher32_h5(const void *data, size_t len) {
  const uint8_t *p = data;
  size_t words = len / 2;
  uint32_t s1 = 0, s2 = 0;
  while (words) {
    size_t t = words > 360 ? 360 : words; /* the most sums that cannot overflow */
    words -= t;
    do {
      s1 += ((uint32_t)p[0] << 8) | p[1];
      s2 += s1;
      p += 2;
    } while (--t);
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
  }
  if (len % 2) {
    s1 += (uint32_t)p[0] << 8;
    s2 += s1;
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
  }
  s1 = (s1 & 0xffff) + (s1 >> 16);
  s2 = (s2 & 0xffff) + (s2 >> 16);
  return (s2 << 16) | s1;
}

void pc_shuffle_bytes(const void *in, size_t n, size_t size, void *out) {
  const uint8_t *s = in;
  uint8_t *d = out;
  /* Eight elements at a time: eight bytes of a plane written together, the
   * eight rows read once each per plane from the cache. */
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint8_t *r = s + i * size;
    for (size_t j = 0; j < size; j++) {
      uint8_t *o = d + j * n + i;
      o[0] = r[j];
      o[1] = r[size + j];
      o[2] = r[2 * size + j];
      o[3] = r[3 * size + j];
      o[4] = r[4 * size + j];
      o[5] = r[5 * size + j];
      o[6] = r[6 * size + j];
      o[7] = r[7 * size + j];
    }
  }
  for (; i < n; i++)
    for (size_t j = 0; j < size; j++) d[j * n + i] = s[i * size + j];
}

size_t pc_chunk_bound(size_t chunk_rows, size_t rowsize) {
  return (size_t)compressBound((uLong)(chunk_rows * rowsize)) + 4;
}

size_t pc_chunk_pack(const void *rows, size_t n, size_t rowsize, size_t chunk_rows, int level,
                     void *scratch, void *out, size_t cap) {
  const size_t bytes = chunk_rows * rowsize;
  if (n > chunk_rows || cap < bytes + 4 || bytes > 0xffffffffu) return 0;
  if (n < chunk_rows) { /* a last chunk: shuffled as a whole chunk, its tail zeros */
    memcpy(out, rows, n * rowsize);
    memset((char *)out + n * rowsize, 0, bytes - n * rowsize);
    pc_shuffle_bytes(out, chunk_rows, rowsize, scratch);
  } else
    pc_shuffle_bytes(rows, chunk_rows, rowsize, scratch);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (level < 1) level = 1;
  if (level > 9) level = 9;
  if (deflateInit2(&z, level, Z_DEFLATED, 15, 8, level == 1 ? Z_RLE : Z_DEFAULT_STRATEGY) != Z_OK)
    return 0;
  z.next_in = scratch;
  z.avail_in = (uInt)bytes;
  z.next_out = out;
  z.avail_out = (uInt)(cap - 4 > 0xffffffffu ? 0xffffffffu : cap - 4);
  int e = deflate(&z, Z_FINISH);
  size_t len = z.total_out;
  deflateEnd(&z);
  if (e != Z_STREAM_END) return 0;
  uint32_t f = pc_fletcher32_h5(out, len);
  uint8_t *t = (uint8_t *)out + len;
  t[0] = (uint8_t)f;
  t[1] = (uint8_t)(f >> 8);
  t[2] = (uint8_t)(f >> 16);
  t[3] = (uint8_t)(f >> 24);
  return len + 4;
}
