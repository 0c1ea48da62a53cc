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
