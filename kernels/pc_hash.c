/* pc_hash.c - SipHash-2-4 (reference algorithm) and the pid derivations built on it. */
#include "pc_hash.h"

#include "pc_doc.h"
#include "pc_idnum.h"
#include "pc_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                           \
  do {                                                                                     \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                              \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                 \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                 \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                              \
  } while (0)

static uint64_t load64_le(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

uint64_t pc_siphash(const pc_key128 *k, const void *data, size_t len) {
  const uint8_t *in = data;
  uint64_t v0 = 0x736f6d6570736575ULL ^ k->k0;
  uint64_t v1 = 0x646f72616e646f6dULL ^ k->k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k->k0;
  uint64_t v3 = 0x7465646279746573ULL ^ k->k1;
  const uint8_t *end = in + len - (len % 8);
  for (; in != end; in += 8) {
    uint64_t m = load64_le(in);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
  }
  uint64_t b = ((uint64_t)len) << 56;
  for (size_t i = 0; i < len % 8; i++) b |= ((uint64_t)in[i]) << (8 * i);
  v3 ^= b;
  SIPROUND;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int pc_key_parse(const char *hex, size_t len, pc_key128 *k) {
  uint8_t b[16];
  if (len != 32) return -1;
  for (int i = 0; i < 16; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    b[i] = (uint8_t)(hi << 4 | lo);
  }
  k->k0 = load64_le(b);
  k->k1 = load64_le(b + 8);
  return 0;
}

void pc_key_format(const pc_key128 *k, char *buf) {
  for (int i = 0; i < 16; i++) {
    uint64_t w = i < 8 ? k->k0 : k->k1;
    snprintf(buf + 2 * i, 3, "%02x", (unsigned)((w >> (8 * (i % 8))) & 0xff));
  }
}

uint64_t pc_pid_of_idnum(const pc_key128 *k, const char *idnum) {
  char buf[19];
  buf[0] = 'I'; /* domain tag: ID numbers */
  memcpy(buf + 1, idnum, 18);
  uint64_t h = pc_siphash(k, buf, sizeof buf);
  return h ? h : 1;
}

uint64_t pc_pid_of_phone(const pc_key128 *k, uint64_t phone) {
  char buf[12];
  buf[0] = 'P'; /* domain tag: phones of unregistered visitors */
  for (int i = 11; i >= 1; i--) {
    buf[i] = (char)('0' + phone % 10);
    phone /= 10;
  }
  uint64_t h = pc_siphash(k, buf, sizeof buf);
  return h ? h : 1;
}

/* The normal form pc_doc_normalise writes: shape only (the check
 * character and birth date were checked there). */
static int doc_normal(int type, const char *s, size_t len) {
  if (type == PC_DOC_PHONE) return pc_phone_valid(s, len, NULL);
  if (type == PC_DOC_ID_CARD) {
    if (len != 18) return 0;
    for (size_t i = 0; i < 17; i++)
      if (s[i] < '0' || s[i] > '9') return 0;
    return (s[17] >= '0' && s[17] <= '9') || s[17] == 'X';
  }
  if (len < 5 || len > PC_DOC_MAX) return 0;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) return 0;
  return 1;
}

uint64_t pc_pid_of_doc(const pc_key128 *k, int type, const char *number, size_t len) {
  if (type < 0 || type >= PC_NDOCS || !doc_normal(type, number, len)) return 0;
  if (type == PC_DOC_ID_CARD) return pc_pid_of_idnum(k, number);
  if (type == PC_DOC_PHONE) {
    uint64_t phone;
    pc_phone_valid(number, len, &phone);
    return pc_pid_of_phone(k, phone);
  }
  const char *name = pc_doc_names[type];
  size_t nl = strlen(name);
  char buf[1 + 16 + 1 + PC_DOC_MAX];
  buf[0] = 'D'; /* domain tag: documents other than the ID card */
  memcpy(buf + 1, name, nl);
  buf[1 + nl] = ':';
  memcpy(buf + 2 + nl, number, len);
  uint64_t h = pc_siphash(k, buf, 2 + nl + len);
  return h ? h : 1;
}

uint64_t pc_place_key(unsigned channel, const char *name, size_t len, unsigned carriage) {
  /* A fixed, public key: domain separation from the pseudonyms, not secrecy. */
  static const pc_key128 place_key = {0x706169636861706cULL, 0x6163652069647321ULL};
  enum { MAXN = 256 };
  char buf[MAXN + 4];
  uint64_t h;
  if (len > MAXN) { /* long names: hash the name, then the tag over that */
    uint64_t inner = pc_siphash(&place_key, name, len);
    memcpy(buf + 1, &inner, 8);
    len = 8;
  } else {
    memcpy(buf + 1, name, len);
  }
  buf[0] = (char)channel;
  h = pc_siphash(&place_key, buf, 1 + len);
  if (channel == PC_CH_RAIL) /* the train (48 bits), then its carriage: pc_rail_train */
    return (uint64_t)PC_CH_RAIL << 56 | (h & ((1ULL << 48) - 1)) << 8 | (carriage & 0xff);
  return (uint64_t)(channel & 0xff) << 56 | (h & ((1ULL << 56) - 1));
}

int pc_keyslots_fit(uint32_t **slot, size_t *cap, size_t want, size_t first, const void *rows,
                    size_t n, size_t rowsize) {
  size_t c = *cap ? *cap : first;
  while (c < 2 * want) c *= 2;
  if (c == *cap) return 0;
  uint32_t *s = pc_calloc(c, sizeof *s, "a table by key");
  if (!s) return PC_ERR_MEM;
  for (size_t i = 0; i < n; i++) {
    uint64_t k;
    memcpy(&k, (const char *)rows + i * rowsize, sizeof k);
    size_t h = pc_mix64(k) & (c - 1);
    while (s[h]) h = (h + 1) & (c - 1);
    s[h] = (uint32_t)(i + 1);
  }
  free(*slot);
  *slot = s;
  *cap = c;
  return 0;
}

/* ---- sums of rows' chained hashes (fingerprints and checksums) ---- */

static uint64_t words_hash_sum_scalar(const unsigned char *b, size_t n, size_t words,
                                      uint64_t h0) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++, b += 8 * words) {
    uint64_t h = h0;
    for (size_t w = 0; w < words; w++) {
      uint64_t x;
      memcpy(&x, b + 8 * w, sizeof x);
      h = pc_mix64(h ^ x);
    }
    sum += h;
  }
  return sum;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PC_HASH_AVX512 1
/* Eight rows of W words are W 512-bit loads, row after row; word w of row r
 * is the flat word W r + w. Lane r of vector w takes it from the pair of
 * loads (2p, 2p + 1) holding it, p = (W r + w) / 16, by a two-source permute
 * (the last load alone when W is odd), the pairs merged by masks. Then the
 * chain lane-wise. W is a constant in each caller: the loops unroll. */
__attribute__((always_inline, target("avx512f,avx512dq"))) static inline uint64_t
words_hash_sum_avx512(const unsigned char *b, size_t n, const int W, uint64_t h0) {
  enum { MAXW = 6, MAXP = (MAXW + 1) / 2 };
  const int P = (W + 1) / 2;
  long long ix[MAXW][MAXP][8] __attribute__((aligned(64)));
  __mmask8 mk[MAXW][MAXP];
  for (int w = 0; w < W; w++)
    for (int p = 0; p < P; p++) {
      mk[w][p] = 0;
      for (int r = 0; r < 8; r++) {
        const int f = W * r + w;
        ix[w][p][r] = f / 16 == p ? f - 16 * p : 0;
        if (f / 16 == p) mk[w][p] = (__mmask8)(mk[w][p] | 1u << r);
      }
    }
  __m512i I[MAXW][MAXP];
  for (int w = 0; w < W; w++)
    for (int p = 0; p < P; p++) I[w][p] = _mm512_load_si512(ix[w][p]);
  const __m512i c1 = _mm512_set1_epi64((long long)0xbf58476d1ce4e5b9ULL),
                c2 = _mm512_set1_epi64((long long)0x94d049bb133111ebULL),
                hh = _mm512_set1_epi64((long long)h0);
  __m512i acc = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 8 <= n; i += 8, b += 64 * W) {
    __m512i v[MAXW + 1];
    for (int q = 0; q < W; q++) v[q] = _mm512_loadu_si512(b + 64 * q);
    v[W] = v[W - 1]; /* the odd last load pairs with itself (its indices < 8) */
    __m512i h = hh;
    for (int w = 0; w < W; w++) {
      __m512i x = _mm512_permutex2var_epi64(v[0], I[w][0], v[1]);
      for (int p = 1; p < P; p++)
        x = _mm512_mask_mov_epi64(x, mk[w][p],
                                  _mm512_permutex2var_epi64(v[2 * p], I[w][p], v[2 * p + 1]));
      __m512i z = _mm512_xor_si512(h, x); /* pc_mix64(h ^ word) */
      z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), c1);
      z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)), c2);
      h = _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
    }
    acc = _mm512_add_epi64(acc, h);
  }
  uint64_t lane[8], sum = 0; /* summed unsigned: the intrinsic's reduce adds signed (UB on overflow) */
  _mm512_storeu_si512(lane, acc);
  for (int l = 0; l < 8; l++) sum += lane[l];
  return sum + words_hash_sum_scalar(b, n - i, (size_t)W, h0);
}
__attribute__((target("avx512f,avx512dq"))) static uint64_t words3(const unsigned char *b,
                                                                    size_t n, uint64_t h0) {
  return words_hash_sum_avx512(b, n, 3, h0);
}
__attribute__((target("avx512f,avx512dq"))) static uint64_t words5(const unsigned char *b,
                                                                    size_t n, uint64_t h0) {
  return words_hash_sum_avx512(b, n, 5, h0);
}
__attribute__((target("avx512f,avx512dq"))) static uint64_t words6(const unsigned char *b,
                                                                    size_t n, uint64_t h0) {
  return words_hash_sum_avx512(b, n, 6, h0);
}
#endif

uint64_t pc_words_hash_sum(const void *rows, size_t n, size_t words, uint64_t h0) {
  const unsigned char *b = rows;
#ifdef PC_HASH_AVX512
  static int avx512 = -1; /* the CPU's answer, asked once */
  if (avx512 < 0) avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  if (avx512 && n >= 8) {
    if (words == 3) return words3(b, n, h0);
    if (words == 5) return words5(b, n, h0);
    if (words == 6) return words6(b, n, h0);
  }
#endif
  return words_hash_sum_scalar(b, n, words, h0);
}
