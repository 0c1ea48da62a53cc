/* pc_chunk.c - a table's chunk made as HDF5's filters make it: shuffle, deflate (ISA-L or zlib),
 * Fletcher32. */
#include "pc_chunk.h"

#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

uint32_t pc_fletcher32_h5_scalar(const void *data, size_t len) {
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

/* HDF5's sums, reduced the way it reduces them (a fold of the high half into
 * the low, every 360 words and twice at the end), are the plain sums modulo
 * 65,535 taken in 1..65,535 - 0 only for a sum of 0, that is for all-zero
 * data. With the words w[0..M) (an odd last byte the high byte of a last
 * word): s1 = sum w[i], s2 = sum (M - i) w[i]. */
static uint32_t fletcher_canon(uint64_t s, int nonzero) {
  if (!nonzero) return 0;
  const uint32_t r = (uint32_t)(s % 65535u);
  return r ? r : 65535u;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* Eight lanes of 32 bits, each summing every eighth word (A) and its running
 * sum (B), 256 steps of 8 words (4 KB) at most before they are folded into
 * the 64-bit sums: B stays under 65,535 * 256 * 257 / 2 < 2^32. A block of K
 * steps (N = 8K words) adds N * s1 + sum over lanes l of (8 B[l] - l A[l]) to
 * s2 (word 8k + l is N - 8k - l words from the end), and the A's to s1. */
__attribute__((target("avx2"))) static uint32_t fletcher32_avx2(const uint8_t *p, size_t len) {
  const __m128i swap = _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  uint64_t s1 = 0, s2 = 0;
  uint8_t any = 0;
  size_t i = 0;
  __m256i nz = _mm256_setzero_si256();
  while (len - i >= 16) {
    size_t steps = (len - i) / 16;
    if (steps > 256) steps = 256;
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    for (size_t k = 0; k < steps; k++, i += 16) {
      const __m256i w = _mm256_cvtepu16_epi32(
          _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + i)), swap));
      a = _mm256_add_epi32(a, w);
      b = _mm256_add_epi32(b, a);
    }
    nz = _mm256_or_si256(nz, a);
    uint32_t A[8], B[8];
    _mm256_storeu_si256((__m256i *)A, a);
    _mm256_storeu_si256((__m256i *)B, b);
    uint64_t sa = 0, t = 0;
    for (int l = 0; l < 8; l++) {
      sa += A[l];
      t += 8 * (uint64_t)B[l] - (uint64_t)l * A[l]; /* B[l] >= A[l]: never below 0 */
    }
    s2 = (s2 + (8 * steps % 65535u) * s1 + t) % 65535u;
    s1 = (s1 + sa) % 65535u;
  }
  any = !_mm256_testz_si256(nz, nz);
  for (; i + 1 < len; i += 2) { /* the words after the last 16 bytes */
    const uint32_t w = ((uint32_t)p[i] << 8) | p[i + 1];
    any |= w != 0;
    s1 += w;
    s2 += s1;
  }
  if (i < len) { /* an odd last byte */
    any |= p[i] != 0;
    s1 += (uint32_t)p[i] << 8;
    s2 += s1;
  }
  return (fletcher_canon(s2, any) << 16) | fletcher_canon(s1, any);
}
#endif

uint32_t pc_fletcher32_h5(const void *data, size_t len) {
#if defined(__x86_64__)
  static int avx2 = -1; /* the CPU's answer, asked once */
  if (avx2 < 0) avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && len >= 64) return fletcher32_avx2(data, len);
#endif
  return pc_fletcher32_h5_scalar(data, len);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* A 16 x 16 tile of bytes transposed: 16 rows' 16 bytes at column j go to 16
 * planes, 16 bytes each (four rounds of interleaving). */
static void tile16(const uint8_t *r, size_t size, uint8_t *o, size_t n) {
  __m128i a[16], b[16];
  for (int k = 0; k < 16; k++) a[k] = _mm_loadu_si128((const __m128i *)(r + (size_t)k * size));
  for (int k = 0; k < 8; k++) {
    b[2 * k] = _mm_unpacklo_epi8(a[2 * k], a[2 * k + 1]);
    b[2 * k + 1] = _mm_unpackhi_epi8(a[2 * k], a[2 * k + 1]);
  }
  for (int k = 0; k < 4; k++)
    for (int h = 0; h < 2; h++) {
      a[4 * k + h] = _mm_unpacklo_epi16(b[4 * k + h], b[4 * k + h + 2]);
      a[4 * k + h + 2] = _mm_unpackhi_epi16(b[4 * k + h], b[4 * k + h + 2]);
    }
  for (int k = 0; k < 2; k++)
    for (int h = 0; h < 4; h++) {
      b[8 * k + h] = _mm_unpacklo_epi32(a[8 * k + h], a[8 * k + h + 4]);
      b[8 * k + h + 4] = _mm_unpackhi_epi32(a[8 * k + h], a[8 * k + h + 4]);
    }
  for (int h = 0; h < 8; h++) {
    a[h] = _mm_unpacklo_epi64(b[h], b[h + 8]);
    a[h + 8] = _mm_unpackhi_epi64(b[h], b[h + 8]);
  }
  /* a[k] now holds byte c of the 16 rows for c = the k-th column in the
   * order the rounds left them: bit-reversed halves, undone here. */
  static const int col[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
  for (int k = 0; k < 16; k++) _mm_storeu_si128((__m128i *)(o + (size_t)col[k] * n), a[k]);
}
#endif

void pc_shuffle_bytes(const void *in, size_t n, size_t size, void *out) {
  const uint8_t *s = in;
  uint8_t *d = out;
  size_t i = 0;
#ifdef __SSE2__
  /* Sixteen rows at a time, sixteen columns a tile; the columns past the
   * last whole tile a byte at a time. */
  for (; i + 16 <= n; i += 16) {
    const uint8_t *r = s + i * size;
    size_t j = 0;
    for (; j + 16 <= size; j += 16) tile16(r + j, size, d + j * n + i, n);
    for (; j < size; j++)
      for (int k = 0; k < 16; k++) d[j * n + i + (size_t)k] = r[(size_t)k * size + j];
  }
#endif
  for (; i < n; i++)
    for (size_t j = 0; j < size; j++) d[j * n + i] = s[i * size + j];
}

size_t pc_chunk_bound(size_t chunk_rows, size_t rowsize) {
  /* zlib's bound for one stream, a block boundary (up to 6 bytes) at each
   * switch between stored and deflated planes, and the checksum. ISA-L's
   * stateless deflate needs less: the input, a 5-byte header per stored
   * block of up to 65,535 bytes, the zlib wrapper's 6 bytes. */
  return (size_t)compressBound((uLong)(chunk_rows * rowsize)) + 6 * rowsize + 4;
}

struct pc_chunker {
  int level;
  z_stream z;              /* levels 2-9 */
  struct isal_zstream iz;  /* level 1 */
  uint8_t *level_buf;
};

pc_chunker *pc_chunker_new(int level) {
  pc_chunker *k = calloc(1, sizeof *k);
  if (!k) return NULL;
  k->level = level < 1 ? 1 : level > 9 ? 9 : level;
  if (k->level == 1) {
    if (!(k->level_buf = malloc(ISAL_DEF_LVL1_DEFAULT))) {
      free(k);
      return NULL;
    }
    return k;
  }
  if (deflateInit2(&k->z, k->level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    free(k);
    return NULL;
  }
  return k;
}

void pc_chunker_free(pc_chunker *k) {
  if (!k) return;
  if (k->level == 1)
    free(k->level_buf);
  else
    deflateEnd(&k->z);
  free(k);
}

int pc_plane_incompressible(const uint8_t *p, size_t n) {
  uint64_t seen[4] = {0, 0, 0, 0};
  const size_t m = n < 1024 ? n : 1024;
  int rep = 0;
  for (size_t i = 0; i < m; i++) {
    seen[p[i] >> 6] |= 1ull << (p[i] & 63);
    rep += i && p[i] == p[i - 1];
  }
  int d = 0;
  for (int w = 0; w < 4; w++) d += __builtin_popcountll(seen[w]);
  return d >= 192 && rep < 16;
}

/* ISA-L's level 1, one shot over the shuffled chunk: 2.5-3 times as fast as
 * zlib's run-length level 1 on the byte planes of a trace's rows, ~9 % larger
 * (docs/PERFORMANCE.md). Its stream is a zlib stream like zlib's own. */
static size_t isal_chunk(pc_chunker *k, uint8_t *in, uint32_t n, void *out, uint32_t room) {
  struct isal_zstream *z = &k->iz;
  isal_deflate_stateless_init(z);
  z->level = 1;
  z->level_buf = k->level_buf;
  z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  z->gzip_flag = IGZIP_ZLIB;
  z->end_of_stream = 1;
  z->flush = NO_FLUSH;
  z->next_in = in;
  z->avail_in = n;
  z->next_out = out;
  z->avail_out = room;
  if (isal_deflate_stateless(z) != COMP_OK || z->avail_in) return 0;
  return z->total_out;
}

/* zlib at levels 2-9, plane by plane: a plane that looks incompressible goes
 * into the stream as stored blocks. */
static size_t zlib_chunk(pc_chunker *k, uint8_t *scratch, size_t chunk_rows, size_t rowsize,
                         void *out, uint32_t room) {
  z_stream *z = &k->z;
  if (deflateReset(z) != Z_OK || deflateParams(z, k->level, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
  z->next_out = out;
  z->avail_out = room;
  int level = k->level, e = Z_OK;
  for (size_t j = 0; j < rowsize && e == Z_OK; j++) {
    uint8_t *plane = scratch + j * chunk_rows;
    /* A change of level ends the block of the planes before (Z_BLOCK). */
    int want = pc_plane_incompressible(plane, chunk_rows) ? 0 : k->level;
    if (want != level && deflateParams(z, want, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    level = want;
    z->next_in = plane;
    z->avail_in = (uInt)chunk_rows;
    e = deflate(z, j + 1 == rowsize ? Z_FINISH : Z_NO_FLUSH);
    if (j + 1 < rowsize && z->avail_in) return 0; /* out of room: cap below the bound */
  }
  return e == Z_STREAM_END ? z->total_out : 0;
}

size_t pc_chunk_pack(pc_chunker *k, const void *rows, size_t n, size_t rowsize, size_t chunk_rows,
                     void *scratch, void *out, size_t cap) {
  const size_t bytes = chunk_rows * rowsize;
  if (n > chunk_rows || cap < pc_chunk_bound(chunk_rows, rowsize) || bytes > 0xffffffffu ||
      chunk_rows > 0xffffffffu)
    return 0;
  if (n < chunk_rows) { /* a last chunk: shuffled as a whole chunk, its tail zeros */
    memcpy(out, rows, n * rowsize);
    memset((char *)out + n * rowsize, 0, bytes - n * rowsize);
    pc_shuffle_bytes(out, chunk_rows, rowsize, scratch);
  } else
    pc_shuffle_bytes(rows, chunk_rows, rowsize, scratch);
  const uint32_t room = (uint32_t)(cap - 4 > 0xffffffffu ? 0xffffffffu : cap - 4);
  const size_t len = k->level == 1 ? isal_chunk(k, scratch, (uint32_t)bytes, out, room)
                                   : zlib_chunk(k, scratch, chunk_rows, rowsize, out, room);
  if (!len) return 0;
  uint32_t f = pc_fletcher32_h5(out, len);
  uint8_t *t = (uint8_t *)out + len;
  t[0] = (uint8_t)f;
  t[1] = (uint8_t)(f >> 8);
  t[2] = (uint8_t)(f >> 16);
  t[3] = (uint8_t)(f >> 24);
  return len + 4;
}

int pc_fletcher32_h5_ok(const void *data, size_t len, const void *stored) {
  const uint8_t *t = stored;
  const uint32_t f = pc_fletcher32_h5(data, len),
                 swapped = ((f & 0x00ff00ffu) << 8) | ((f >> 8) & 0x00ff00ffu),
                 have = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
                        (uint32_t)t[3] << 24;
  return have == f || have == swapped;
}

int pc_chunk_unpack(const void *chunk, size_t len, size_t rowsize, size_t chunk_rows,
                    void *scratch, void *out) {
  const size_t bytes = chunk_rows * rowsize;
  if (len < 4 || len - 4 > 0xffffffffu || bytes > 0xffffffffu) return -1;
  const uint8_t *c = chunk;
  if (!pc_fletcher32_h5_ok(c, len - 4, c + len - 4)) return -1;
  struct inflate_state z;
  isal_inflate_init(&z);
  z.next_in = (uint8_t *)(uintptr_t)c;
  z.avail_in = (uint32_t)(len - 4);
  z.next_out = scratch;
  z.avail_out = (uint32_t)bytes;
  z.crc_flag = ISAL_ZLIB; /* the zlib wrapper read and its Adler-32 verified */
  const int r = isal_inflate_stateless(&z);
  if ((r != ISAL_DECOMP_OK && r != ISAL_END_INPUT) || z.total_out != bytes || z.avail_in != 0)
    return -1;
  pc_shuffle_bytes(scratch, rowsize, chunk_rows, out); /* planes back into rows */
  return 0;
}
