/* pc_enc.c - input encodings: strict UTF-8 checked piecewise, GB18030 converted to UTF-8 through iconv. */
#include "pc_enc.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pc_err.h"

const char *const pc_enc_names[4] = {"auto", "utf-8", "gb18030", NULL};

int pc_enc_of(const char *name) {
  if (!name || !*name) return PC_ENC_AUTO;
  for (int e = 0; pc_enc_names[e]; e++)
    if (!strcasecmp(name, pc_enc_names[e])) return e;
  return -1;
}

/* The state of an open character: continuation bytes still to come (low 2
 * bits) and the range the next one must lie in (bits 8-15 low, 16-23 high),
 * narrower than 0x80-0xBF after E0, ED, F0 and F4 (RFC 3629's table): that
 * refuses overlong forms, surrogates and code points above U+10FFFF. */
#define OPEN(n, lo, hi) ((uint32_t)(n) | (uint32_t)(lo) << 8 | (uint32_t)(hi) << 16)

static uint32_t lead(unsigned c) {
  if (c >= 0xC2 && c <= 0xDF) return OPEN(1, 0x80, 0xBF);
  if (c == 0xE0) return OPEN(2, 0xA0, 0xBF);
  if (c == 0xED) return OPEN(2, 0x80, 0x9F);
  if (c >= 0xE1 && c <= 0xEF) return OPEN(2, 0x80, 0xBF);
  if (c == 0xF0) return OPEN(3, 0x90, 0xBF);
  if (c >= 0xF1 && c <= 0xF3) return OPEN(3, 0x80, 0xBF);
  if (c == 0xF4) return OPEN(3, 0x80, 0x8F);
  return 0; /* 0x80-0xC1 (a stray continuation, an overlong lead), 0xF5-0xFF */
}

size_t pc_utf8_scan(uint32_t *state, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  uint32_t st = *state;
  size_t i = 0;
  while (i < len) {
    if (!st) {
      while (len - i >= 32) { /* text is mostly ASCII: 32 bytes at a time */
        uint64_t v[4];
        memcpy(v, p + i, 32);
        if ((v[0] | v[1] | v[2] | v[3]) & 0x8080808080808080ULL) break;
        i += 32;
      }
      while (len - i >= 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        if (v & 0x8080808080808080ULL) break;
        i += 8;
      }
      if (i == len) break;
      if (p[i] >= 0x80 && !(st = lead(p[i]))) return i;
      i++;
      continue;
    }
    if (p[i] < (st >> 8 & 0xFF) || p[i] > (st >> 16 & 0xFF)) return i;
    st = (st & 3) - 1;
    if (st) st = OPEN(st, 0x80, 0xBF);
    i++;
  }
  *state = st;
  return len;
}

int pc_utf8_valid(const char *s, size_t len) {
  uint32_t st = 0;
  return pc_utf8_scan(&st, s, len) == len && st == 0;
}

int pc_enc_conv_open(pc_enc_conv *c) {
  memset(c, 0, sizeof *c);
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == (iconv_t)-1) {
    if (errno == ENOMEM) return PC_ERROR(PC_ERR_MEM, "out of memory opening a GB18030 converter");
    return PC_ERROR(PC_ERR_UNSUPPORTED, "the C library's iconv cannot convert GB18030 to UTF-8: %s",
                    strerror(errno));
  }
  c->cd = cd;
  return 0;
}

void pc_enc_conv_close(pc_enc_conv *c) {
  if (c->cd) iconv_close((iconv_t)c->cd);
  free(c->out);
  memset(c, 0, sizeof *c);
}

/* 1 when s[0..len) is ASCII, which GB18030 keeps as it is. */
static int ascii(const char *s, size_t len) {
  size_t i = 0;
  for (uint64_t v; len - i >= 8; i += 8)
    if (memcpy(&v, s + i, 8), v & 0x8080808080808080ULL) return 0;
  for (; i < len; i++)
    if ((unsigned char)s[i] >= 0x80) return 0;
  return 1;
}

/* The end of the run of multibyte characters starting at p[i] >= 0x80, cut
 * by GB18030's form alone (a lead 0x81-0xFE and one more byte, or three when
 * the next is a digit; 0x80 and 0xFF stand alone and are invalid): iconv
 * judges and maps what is inside. May pass len when the last is cut. */
static size_t gb_run(const unsigned char *p, size_t i, size_t len) {
  while (i < len && p[i] >= 0x80) {
    if (p[i] == 0x80 || p[i] == 0xFF) i += 1;
    else if (i + 1 < len && p[i + 1] >= 0x30 && p[i + 1] <= 0x39) i += 4;
    else i += 2;
  }
  return i;
}

int pc_enc_conv_line(pc_enc_conv *c, const char *in, size_t len, int cut, const char **out,
                     size_t *outlen, int *valid) {
  if (!c->cd) return PC_ERROR(PC_ERR_ARG, "GB18030 converter used before it was opened");
  *valid = 1;
  if (ascii(in, len)) { /* most lines (numbers, times, codes): no call into iconv */
    *out = in;
    *outlen = len;
    return 0;
  }
  /* UTF-8 takes at most 3 bytes for 2 of GB18030 (1 for 1, 4 for 4): 1.5x. */
  size_t need = len + len / 2 + 8;
  if (need > c->cap) {
    char *o = pc_realloc(c->out, need, "GB18030 conversion");
    if (!o) return PC_ERR_MEM;
    c->out = o;
    c->cap = need;
  }
  /* ASCII runs copied, runs of multibyte characters through iconv: a line is
   * mostly ASCII (times, numbers), and iconv costs per byte. GB18030 has no
   * shift state, so the runs are independent. */
  const unsigned char *p = (const unsigned char *)in;
  char *op = c->out;
  size_t ol = c->cap;
  for (size_t i = 0; i < len && *valid;) {
    size_t a = i;
    while (i < len && p[i] < 0x80) i++;
    memcpy(op, in + a, i - a);
    op += i - a, ol -= i - a;
    if (i == len) break;
    size_t e = gb_run(p, i, len);
    char *ip = (char *)in + i;
    size_t il = (e < len ? e : len) - i;
    /* EILSEQ: a byte that starts no GB18030 character; EINVAL: one left open
     * at the end (fine only where the line was cut); E2BIG cannot happen. */
    if (iconv((iconv_t)c->cd, &ip, &il, &op, &ol) == (size_t)-1) {
      *valid = errno == EINVAL && cut && e >= len;
      iconv((iconv_t)c->cd, NULL, NULL, NULL, NULL); /* nothing left over for the next line */
    }
    i = e;
  }
  *out = c->out;
  *outlen = (size_t)(op - c->out);
  return 0;
}

/* 1-based line of byte `at` of text. */
static uint64_t line_of(const char *text, size_t at) {
  uint64_t n = 1;
  for (const char *p = text, *e = text + at; (p = memchr(p, '\n', (size_t)(e - p))); p++) n++;
  return n;
}

/* in converted line by line ('\n' kept) into a new buffer, or *out NULL and
 * bad[1] the first line that does not convert. */
static int convert_text(const char *in, size_t len, char **out, size_t *outlen, uint64_t bad[2]) {
  pc_enc_conv c;
  PC_CALL(pc_enc_conv_open(&c));
  char *o = pc_malloc(len + len / 2 + 1, "GB18030 conversion");
  int rc = o ? 0 : PC_ERR_MEM;
  size_t at = 0, k = 0;
  for (uint64_t line = 1; !rc && at < len; line++) {
    const char *nl = memchr(in + at, '\n', len - at);
    size_t n = nl ? (size_t)(nl - (in + at)) : len - at, m;
    const char *u;
    int valid;
    if ((rc = pc_enc_conv_line(&c, in + at, n, 0, &u, &m, &valid))) break;
    if (!valid) {
      bad[1] = line;
      free(o);
      o = NULL;
      break;
    }
    memcpy(o + k, u, m);
    k += m;
    if (nl) o[k++] = '\n';
    at += n + (nl != NULL);
  }
  pc_enc_conv_close(&c);
  if (rc) {
    free(o);
    return rc;
  }
  if (o) o[k] = 0;
  *out = o;
  *outlen = k;
  return 0;
}

int pc_enc_text(int enc, const char *in, size_t len, char **out, size_t *outlen, int *used,
                uint64_t bad[2]) {
  *out = NULL;
  *outlen = 0;
  bad[0] = bad[1] = 0;
  if (enc != PC_ENC_AUTO && enc != PC_ENC_UTF8 && enc != PC_ENC_GB18030)
    return PC_ERROR(PC_ERR_ARG, "unknown encoding %d", enc);
  if (enc == PC_ENC_AUTO) {
    uint32_t st = 0;
    size_t at = pc_utf8_scan(&st, in, len);
    if (at == len && st) at = len - 1; /* a character left open at the very end */
    if (at < len) bad[0] = line_of(in, at);
  }
  *used = enc == PC_ENC_GB18030 || bad[0] ? PC_ENC_GB18030 : PC_ENC_UTF8;
  if (*used == PC_ENC_GB18030) return convert_text(in, len, out, outlen, bad);
  *out = pc_malloc(len + 1, "text");
  if (!*out) return PC_ERR_MEM;
  memcpy(*out, in, len);
  (*out)[len] = 0;
  *outlen = len;
  return 0;
}

void pc_enc_why(char *buf, size_t cap, const uint64_t bad[2]) {
  unsigned long long u = bad[0], g = bad[1];
  if (u && g && u == g)
    snprintf(buf, cap, "line %llu is neither UTF-8 nor GB18030", u);
  else if (u && g)
    snprintf(buf, cap, "neither UTF-8 (line %llu is not) nor GB18030 (line %llu is not)", u, g);
  else if (g)
    snprintf(buf, cap, "line %llu is not GB18030", g);
  else if (u)
    snprintf(buf, cap, "line %llu is not UTF-8", u);
  else
    snprintf(buf, cap, "not in its encoding");
}

int pc_enc_to_gb18030(const char *in, size_t len, char **out, size_t *outlen) {
  *out = NULL;
  *outlen = 0;
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  if (cd == (iconv_t)-1)
    return PC_ERROR(errno == ENOMEM ? PC_ERR_MEM : PC_ERR_UNSUPPORTED,
                    "the C library's iconv cannot convert UTF-8 to GB18030: %s", strerror(errno));
  /* GB18030 takes 1 byte for 1 of UTF-8, 2 for 2, at most 4 for 3 or 4: 2x. */
  size_t cap = 2 * len + 8, ol = cap;
  char *o = pc_malloc(cap, "GB18030 conversion"), *op = o, *ip = (char *)in;
  size_t il = len;
  int rc = o ? 0 : PC_ERR_MEM;
  if (!rc && iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
    rc = PC_ERROR(PC_ERR_DATA, "text to convert to GB18030 is not UTF-8 (byte %zu)",
                  (size_t)(ip - in));
  iconv_close(cd);
  if (rc) {
    free(o);
    return rc;
  }
  *out = o;
  *outlen = (size_t)(op - o);
  return 0;
}
