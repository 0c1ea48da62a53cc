/* test_enc.c - cmocka tests of kernels/pc_enc.c: strict UTF-8 piece by piece, GB18030 through iconv, whole texts. */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <iconv.h>

#include "pc_enc.h"
#include "pc_err.h"

/* GB18030 bytes of a UTF-8 literal, made by the C library (no table here). */
static size_t to_gb(const char *utf8, char *gb, size_t cap) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  assert_true(cd != (iconv_t)-1);
  char *ip = (char *)utf8, *op = gb;
  size_t il = strlen(utf8), ol = cap;
  assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
  iconv_close(cd);
  return (size_t)(op - gb);
}

/* The C library's own UTF-8 decoder as the reference of validity. */
static int glibc_utf8(const char *s, size_t len) {
  iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
  char out[4 * 64 + 4], *ip = (char *)s, *op = out;
  size_t il = len, ol = sizeof out;
  size_t r = iconv(cd, &ip, &il, &op, &ol);
  iconv_close(cd);
  return r != (size_t)-1;
}

static void test_names(void **st) {
  (void)st;
  assert_int_equal(pc_enc_of(NULL), PC_ENC_AUTO);
  assert_int_equal(pc_enc_of(""), PC_ENC_AUTO);
  assert_int_equal(pc_enc_of("auto"), PC_ENC_AUTO);
  assert_int_equal(pc_enc_of("UTF-8"), PC_ENC_UTF8);
  assert_int_equal(pc_enc_of("gb18030"), PC_ENC_GB18030);
  assert_int_equal(pc_enc_of("gbk"), -1);
  assert_int_equal(pc_enc_of("utf8"), -1);
  assert_null(pc_enc_names[3]);
}

static void test_utf8(void **st) {
  (void)st;
  static const char *const good[] = {
      "", "plain ASCII, with \t and \x01 control bytes", "湖南省长沙市", "\xEF\xBB\xBF" "code,name",
      "\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",
      "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "𠀀 and 😀 (four bytes)"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    assert_true(pc_utf8_valid(good[i], strlen(good[i])));
    assert_true(glibc_utf8(good[i], strlen(good[i])));
  }
  /* bad: overlong forms, surrogates, above U+10FFFF, stray and missing continuations */
  static const struct {
    const char *s;
    size_t at; /* offset of the first byte that cannot continue */
  } bad[] = {{"ab\xC0\xAF", 2},         {"\xC1\xBF", 0},         {"\xE0\x80\xAF", 1},
             {"\xE0\x9F\xBF", 1},       {"x\xF0\x80\x80\xAF", 2}, {"\xF0\x8F\xBF\xBF", 1},
             {"\xED\xA0\x80", 1},       {"\xED\xBF\xBF", 1},      {"\xF4\x90\x80\x80", 1},
             {"\xF5\x80\x80\x80", 0},   {"\xFF", 0},              {"\xFE", 0},
             {"ok\x80", 2},             {"\xE4\xB8" "A", 2},      {"\xE4\xB8\n", 2},
             {"\xC3\xA9\xA9", 2},       {"\xF0\x9F\x98", 3}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    size_t n = strlen(bad[i].s);
    uint32_t s = 0;
    size_t at = pc_utf8_scan(&s, bad[i].s, n);
    if (at == n) at = s ? n : (size_t)-1; /* open at the end: reported by the caller */
    assert_int_equal(at, bad[i].at);
    assert_false(pc_utf8_valid(bad[i].s, n));
    assert_false(glibc_utf8(bad[i].s, n));
  }
  /* Random strings of UTF-8 pieces and stray bytes: the same verdict as glibc's
   * decoder, and the same when fed in two pieces cut anywhere. */
  static const char *const parts[] = {"a", ",", "中", "é", "😀", "\x80", "\xC0", "\xE4\xB8", "\xED\xA0\x80",
                                      "\xF4\x90", "\xFF", "\xEF\xBB\xBF"};
  uint64_t r = 0x9E3779B97F4A7C15ULL;
  for (int t = 0; t < 20000; t++) {
    char s[64];
    size_t n = 0;
    for (int k = 0; k < 6; k++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      const char *p = parts[r % (t % 3 ? 5 : 12)]; /* two in three of only valid pieces */
      memcpy(s + n, p, strlen(p));
      n += strlen(p);
    }
    int v = pc_utf8_valid(s, n);
    assert_int_equal(v, glibc_utf8(s, n));
    size_t cut = (size_t)(r >> 32) % (n + 1);
    uint32_t state = 0;
    int w = pc_utf8_scan(&state, s, cut) == cut && pc_utf8_scan(&state, s + cut, n - cut) == n - cut &&
            state == 0;
    assert_int_equal(v, w);
  }
}

static void test_gb18030(void **st) {
  (void)st;
  /* 湖 (two bytes), U+0080 and 𠀀 (four bytes each), ASCII. */
  const char *text = "湖南省,\xC2\x80,𠀀,长沙市 A1";
  char gb[256];
  size_t n = to_gb(text, gb, sizeof gb);
  assert_memory_equal(gb, "\xBA\xFE", 2); /* 湖: a two-byte code */
  assert_int_equal(n, 6 + 1 + 4 + 1 + 4 + 1 + 6 + 3);
  assert_true((unsigned char)gb[7] >= 0x81 && gb[8] >= 0x30 && gb[8] <= 0x39); /* four-byte form */
  assert_false(pc_utf8_valid(gb, n));
  pc_enc_conv c;
  assert_int_equal(pc_enc_conv_open(&c), 0);
  const char *out;
  size_t len;
  int valid;
  assert_int_equal(pc_enc_conv_line(&c, gb, n, 0, &out, &len, &valid), 0);
  assert_true(valid);
  assert_int_equal(len, strlen(text));
  assert_memory_equal(out, text, len);
  /* not GB18030: 0x80 or 0xFF anywhere, a bad second byte, a cut character */
  static const char *const bad[] = {"a\x80", "\xFF", "x\xFF" "y", "\x81\x20", "\x81\x30\x20\x30", "\xBA"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(pc_enc_conv_line(&c, bad[i], strlen(bad[i]), 0, &out, &len, &valid), 0);
    assert_false(valid);
  }
  /* the head of a longer line may end inside a character: dropped */
  assert_int_equal(pc_enc_conv_line(&c, gb, 1, 1, &out, &len, &valid), 0);
  assert_true(valid);
  assert_int_equal(len, 0);
  assert_int_equal(pc_enc_conv_line(&c, gb, 9, 1, &out, &len, &valid), 0);
  assert_true(valid);
  assert_int_equal(len, 9 + 1); /* 湖南省, and U+0080 cut after 2 of its 4 bytes */
  /* a long line grows the buffer; the state starts fresh on every line */
  char *big = malloc(100000), *want = malloc(200000);
  size_t bn = 0, wn = 0;
  while (bn + 2 <= 100000) memcpy(big + bn, "\xD6\xD0", 2), bn += 2, memcpy(want + wn, "中", 3), wn += 3;
  assert_int_equal(pc_enc_conv_line(&c, big, bn, 0, &out, &len, &valid), 0);
  assert_true(valid);
  assert_int_equal(len, wn);
  assert_memory_equal(out, want, wn);
  free(big);
  free(want);
  pc_enc_conv_close(&c);
  pc_enc_conv_close(&c); /* twice is fine */
  assert_int_equal(pc_enc_conv_line(&c, "a", 1, 0, &out, &len, &valid), PC_ERR_ARG);
  pc_err_clear();
}

/* The converter against one iconv call over the whole line, on random lines
 * of ASCII (trail-byte look-alikes among it), two- and four-byte characters,
 * stray and cut bytes: the same verdict and, when valid, the same text. */
static void test_gb18030_random(void **st) {
  (void)st;
  char zh[8], ss[8], ext[8];
  size_t nzh = to_gb("中", zh, sizeof zh), nss = to_gb("ß", ss, sizeof ss), next = to_gb("𠮷", ext, sizeof ext);
  const struct { const char *p; size_t n; } parts[] = {
      {"a", 1}, {"09", 2}, {"@~\\", 3}, {",", 1}, {zh, nzh}, {ss, nss}, {ext, next},
      {"\x80", 1}, {"\xFF", 1}, {"\x81", 1}, {"\x81\x30", 2}, {"\x81\x7F", 2}, {"\xFE\x39\xFE\x39", 4}};
  pc_enc_conv c;
  assert_int_equal(pc_enc_conv_open(&c), 0);
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  uint64_t r = 0x2545F4914F6CDD1DULL;
  for (int t = 0; t < 20000; t++) {
    char s[64], want[128];
    size_t n = 0;
    for (int k = (int)(r % 7); k >= 0; k--) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      int j = (int)(r % (t % 2 ? 7 : 13)); /* one line in two of valid pieces only */
      memcpy(s + n, parts[j].p, parts[j].n);
      n += parts[j].n;
    }
    int cut = (int)(r >> 40) % 2;
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = s, *op = want;
    size_t il = n, ol = sizeof want;
    size_t rr = iconv(cd, &ip, &il, &op, &ol);
    int ref = rr != (size_t)-1 || (errno == EINVAL && cut);
    const char *out;
    size_t len;
    int valid;
    assert_int_equal(pc_enc_conv_line(&c, s, n, cut, &out, &len, &valid), 0);
    assert_int_equal(valid, ref);
    if (valid) {
      assert_int_equal(len, (size_t)(op - want));
      assert_memory_equal(out, want, len);
    }
  }
  iconv_close(cd);
  pc_enc_conv_close(&c);
}

static void test_text(void **st) {
  (void)st;
  const char *u = "\xEF\xBB\xBFsubject,onset\n长沙,2021-08-01T00:00\n湘江\n";
  char gb[256], *out;
  size_t n = to_gb(u, gb, sizeof gb), len;
  uint64_t bad[2];
  int used;
  /* auto: UTF-8 as it is, GB18030 converted to the same bytes (its BOM too) */
  assert_int_equal(pc_enc_text(PC_ENC_AUTO, u, strlen(u), &out, &len, &used, bad), 0);
  assert_int_equal(used, PC_ENC_UTF8);
  assert_int_equal(len, strlen(u));
  assert_string_equal(out, u);
  free(out);
  assert_int_equal(pc_enc_text(PC_ENC_AUTO, gb, n, &out, &len, &used, bad), 0);
  assert_int_equal(used, PC_ENC_GB18030);
  assert_string_equal(out, u);
  free(out);
  /* neither: line 2 is GB18030 (not UTF-8), line 3 holds 0xFF (neither) */
  char mix[256];
  size_t m = (size_t)snprintf(mix, sizeof mix, "a,b\n");
  m += to_gb("长沙\n", mix + m, sizeof mix - m);
  memcpy(mix + m, "x\xFFy\n", 4);
  m += 4;
  assert_int_equal(pc_enc_text(PC_ENC_AUTO, mix, m, &out, &len, &used, bad), 0);
  assert_null(out);
  assert_int_equal(bad[0], 2);
  assert_int_equal(bad[1], 3);
  char why[128];
  pc_enc_why(why, sizeof why, bad);
  assert_string_equal(why, "neither UTF-8 (line 2 is not) nor GB18030 (line 3 is not)");
  bad[0] = 3;
  pc_enc_why(why, sizeof why, bad);
  assert_string_equal(why, "line 3 is neither UTF-8 nor GB18030");
  /* forced: utf-8 passes the bytes as they are; gb18030 names the first line that is not */
  assert_int_equal(pc_enc_text(PC_ENC_UTF8, mix, m, &out, &len, &used, bad), 0);
  assert_int_equal(used, PC_ENC_UTF8);
  assert_memory_equal(out, mix, m);
  free(out);
  assert_int_equal(pc_enc_text(PC_ENC_GB18030, mix, m, &out, &len, &used, bad), 0);
  assert_null(out);
  assert_int_equal(bad[0], 0);
  assert_int_equal(bad[1], 3);
  pc_enc_why(why, sizeof why, bad);
  assert_string_equal(why, "line 3 is not GB18030");
  /* a character open at the very end is not UTF-8 */
  assert_int_equal(pc_enc_text(PC_ENC_AUTO, "ok\n\xE4\xB8", 5, &out, &len, &used, bad), 0);
  assert_int_equal(bad[0], 2);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_gb18030),
      cmocka_unit_test(test_gb18030_random),
      cmocka_unit_test(test_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
