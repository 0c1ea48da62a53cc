/* test_csv.c - cmocka tests of io/pc_csv.c: rank ranges vs a one-pass reference, re-fetch, field split, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "pc_csv.h"
#include "pc_enc.h"
#include "pc_err.h"

static char tmpdir[64];

static int setup(void **st) {
  (void)st;
  strcpy(tmpdir, "/tmp/pc_csv_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st) {
  (void)st;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) { /* xorshift64 */
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void write_file(const char *path, const char *data, size_t n) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, n, fp), n);
  assert_int_equal(fclose(fp), 0);
}

/* The reference: one pass over the whole file, obviously following the spec. */
typedef struct { const char *p; size_t len; int over; } ref_line;

static size_t ref_split(const char *d, size_t n, size_t max_line, ref_line *out) {
  size_t k = 0, i = 0;
  while (i < n) {
    const char *nl = memchr(d + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - d) : n, len = e - i;
    const char *p = d + i;
    if (k == 0 && len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3, len -= 3;
    if (len && p[len - 1] == '\r') len--;
    out[k].over = len > max_line;
    out[k].p = p;
    out[k].len = out[k].over ? max_line : len;
    k++;
    i = e + 1;
  }
  return k;
}

/* The 0-based index of the first line (its raw bytes, '\r' and BOM kept)
 * at or after line `from` that is not strict UTF-8, or `nlines` when none. */
static size_t ref_bad_utf8(const char *d, size_t n, size_t from, size_t nlines) {
  size_t k = 0, i = 0;
  while (i < n && k < nlines) {
    const char *nl = memchr(d + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - d) : n;
    if (k >= from && !pc_utf8_valid(d + i, e - i)) return k;
    k++;
    i = e + 1;
  }
  return nlines;
}

/* One file at nranks 1..5, several buffer/line/checkpoint sizes: the ranks'
 * streams, in rank order, are the reference; fetch gives back the same text;
 * each rank's first line that is not UTF-8 is the reference's. */
static void check_file(const char *name, const char *data, size_t n) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  write_file(path, data, n);
  ref_line *ref = malloc((n + 1) * sizeof *ref);
  static const struct { size_t bufsize; uint64_t ck; } cfg[] = {{64, 100}, {4096, 0}, {4096, 100}};
  static const size_t maxls[] = {16, 100};
  for (size_t c = 0; c < 3; c++)
    for (size_t ml = 0; ml < 2; ml++) {
      size_t max_line = maxls[ml], nref = ref_split(data, n, max_line, ref);
      for (int nranks = 1; nranks <= 5; nranks++) {
        uint64_t base = 0, prev_hi = 0;
        uLong crc = crc32(0L, Z_NULL, 0);
        for (int r = 0; r < nranks; r++) {
          pc_csv_file f;
          assert_int_equal(pc_csv_open(path, r, nranks, cfg[c].bufsize, max_line, &f), 0);
          assert_true(f.size == n);
          assert_true(f.lo == prev_hi && f.lo <= f.hi && f.hi <= n);
          assert_true(f.lo == 0 || f.lo == n || data[f.lo - 1] == '\n');
          prev_hi = f.hi;
          if (cfg[c].ck) f.ck_every = cfg[c].ck;
          uint64_t before = f.nread;
          assert_int_equal(pc_csv_count(&f), 0);
          assert_true(f.nread - before == f.hi - f.lo);
          size_t bad = ref_bad_utf8(data, n, base, base + f.nlines);
          assert_true(f.bad_utf8 == (bad < base + f.nlines ? bad - base + 1 : 0));
          crc = crc32_combine(crc, f.crc, (z_off_t)(f.hi - f.lo));
          /* stream, compare with the reference, keep copies for fetch */
          char **txt = malloc((f.nlines + 1) * sizeof *txt);
          size_t *tl = malloc((f.nlines + 1) * sizeof *tl);
          const char *line;
          size_t len;
          uint64_t local, got = 0;
          int over, rc;
          while ((rc = pc_csv_next(&f, &line, &len, &local, &over)) == 1) {
            assert_true(local == got);
            assert_true(base + local < nref);
            const ref_line *e = &ref[base + local];
            assert_int_equal(len, e->len);
            assert_int_equal(over, e->over);
            assert_memory_equal(line, e->p, len);
            assert_true(got < f.nlines);
            txt[got] = malloc(len + 1);
            memcpy(txt[got], line, len);
            tl[got++] = len;
          }
          assert_int_equal(rc, 0);
          assert_true(got == f.nlines);
          /* fetch every line whole (cap = max_line), then random repeats with a small cap */
          if (f.nlines) {
            uint64_t *all = malloc(f.nlines * sizeof *all);
            size_t *lens = malloc(f.nlines * sizeof *lens);
            char *raw = malloc(f.nlines * max_line);
            for (uint64_t i = 0; i < f.nlines; i++) all[i] = i;
            before = f.nread;
            assert_int_equal(pc_csv_fetch(&f, all, f.nlines, raw, max_line, lens), 0);
            assert_true(f.nread - before <= f.hi - f.lo); /* each byte at most once */
            for (uint64_t i = 0; i < f.nlines; i++) {
              assert_int_equal(lens[i], tl[i]);
              assert_memory_equal(raw + i * max_line, txt[i], tl[i]);
            }
            enum { M = 40, CAP = 7 };
            uint64_t pick[M];
            for (int i = 0; i < M; i++) pick[i] = i && rnd() % 4 == 0 ? pick[i - 1] : rnd() % f.nlines;
            for (int i = 1; i < M; i++) /* insertion sort */
              for (int j = i; j > 0 && pick[j - 1] > pick[j]; j--) {
                uint64_t t = pick[j];
                pick[j] = pick[j - 1];
                pick[j - 1] = t;
              }
            char small[M * CAP];
            size_t sl[M];
            assert_int_equal(pc_csv_fetch(&f, pick, M, small, CAP, sl), 0);
            for (int i = 0; i < M; i++) {
              size_t want = tl[pick[i]] < CAP ? tl[pick[i]] : CAP;
              assert_int_equal(sl[i], want);
              assert_memory_equal(small + i * CAP, txt[pick[i]], want);
            }
            /* the last line alone: from the checkpoint before it, not from lo */
            if (cfg[c].ck) {
              before = f.nread;
              pick[0] = f.nlines - 1;
              assert_int_equal(pc_csv_fetch(&f, pick, 1, small, CAP, sl), 0);
              assert_true(f.nread - before <= 2 * (cfg[c].ck + 260) + cfg[c].bufsize + max_line + 1 ||
                          tl[f.nlines - 1] == max_line); /* an overlong last line is read whole */
            }
            /* streaming starts over after a fetch */
            assert_int_equal(pc_csv_next(&f, &line, &len, &local, &over), 1);
            assert_true(local == 0 && len == tl[0]);
            pick[0] = f.nlines;
            assert_int_equal(pc_csv_fetch(&f, pick, 1, small, CAP, sl), PC_ERR_ARG);
            pc_err_clear();
            free(all);
            free(lens);
            free(raw);
          }
          for (uint64_t i = 0; i < got; i++) free(txt[i]);
          free(txt);
          free(tl);
          base += f.nlines;
          pc_csv_close(&f);
        }
        assert_true(prev_hi == n);
        assert_true(base == nref);
        assert_true(crc == crc32_z(crc32(0L, Z_NULL, 0), (const Bytef *)data, n));
      }
    }
  free(ref);
}

static void test_small_files(void **st) {
  (void)st;
  static const char *const files[] = {"",
                                      "abc",
                                      "a,b\r\nc,d\r\n\r\n\r\rx\r\nlast\r",
                                      "\xEF\xBB\xBFid,name\n1,x\n2,y",
                                      "\xEF\xBB\xBF",
                                      "\xEF\xBB",
                                      "\xEF\xBB\xBF\r\n",
                                      "\n\n\na\n\n",
                                      "\n"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char name[32];
    snprintf(name, sizeof name, "small%zu.csv", i);
    check_file(name, files[i], strlen(files[i]));
  }
}

static size_t put(char *d, size_t at, char ch, size_t count) {
  memset(d + at, ch, count);
  return at + count;
}

/* A 3 MB line, lines at every length around max_line (with and without '\r'),
 * a BOM on an overlong first line, an overlong final line without '\n'. */
static void test_long_lines(void **st) {
  (void)st;
  size_t cap = 4u << 20, n = 0;
  char *d = malloc(cap);
  memcpy(d, "\xEF\xBB\xBF", 3);
  n = put(d, 3, 'q', 1000);
  n = put(d, n, '\n', 1);
  memcpy(d + n, "short\n", 6);
  n += 6;
  n = put(d, n, 'x', 3u << 20);
  n = put(d, n, '\n', 1);
  for (size_t len = 14; len <= 102; len++) {
    if (len == 19) len = 98;
    n = put(d, n, (char)('a' + len % 26), len);
    n = put(d, n, '\n', 1);
    n = put(d, n, (char)('A' + len % 26), len);
    n = put(d, n, '\r', 1);
    n = put(d, n, '\n', 1);
  }
  n = put(d, n, 'z', 200000);
  assert_true(n <= cap);
  check_file("long.csv", d, n);
  free(d);
}

/* 20000 random lines of 0..250 bytes, with stray '\r', quotes and commas. */
static void test_many_lines(void **st) {
  (void)st;
  static const char alphabet[] = "abcdefgh,\" \t\r0123456789";
  size_t cap = 20000 * 252, n = 0;
  char *d = malloc(cap);
  for (int i = 0; i < 20000; i++) {
    size_t len = rnd() % 251;
    for (size_t j = 0; j < len; j++) d[n++] = alphabet[rnd() % (sizeof alphabet - 1)];
    if (rnd() % 3 == 0) d[n++] = '\r';
    d[n++] = '\n';
  }
  check_file("many.csv", d, n);
  free(d);
}

/* Lines of UTF-8 characters (cut across reads of 64 bytes), some with a
 * byte that is not UTF-8, one open character at the very end. */
static void test_utf8_lines(void **st) {
  (void)st;
  static const char *const parts[] = {"a", ",", "中文", "é", "😀", "\r", "\xFF", "\xBA\xFE", "\xE4\xB8"};
  size_t cap = 3000 * 40, n = 0;
  char *d = malloc(cap);
  for (int i = 0; i < 3000; i++) {
    for (int k = rnd() % 10; k > 0; k--) {
      const char *p = parts[rnd() % (i % 50 ? 6 : 9)]; /* one line in 50 may hold a bad byte */
      memcpy(d + n, p, strlen(p));
      n += strlen(p);
    }
    d[n++] = '\n';
  }
  check_file("utf8.csv", d, n);
  memcpy(d + n, "\xE4\xB8", 2); /* the last line (no '\n') ends inside a character */
  check_file("utf8-open.csv", d, n + 2);
  static const char *const small[] = {"\xFF", "ok\n\xC3", "\xEF\xBB\xBF" "a\n\xED\xA0\x80\n", "\n\n\xF0\x9F\x98\n"};
  for (size_t i = 0; i < sizeof small / sizeof *small; i++) {
    char name[32];
    snprintf(name, sizeof name, "utf8-%zu.csv", i);
    check_file(name, small[i], strlen(small[i]));
  }
  free(d);
}

static void test_open_errors(void **st) {
  (void)st;
  pc_csv_file f;
  int probe = open("/dev/null", O_RDONLY); /* makes sure fd 0 is open */
  assert_true(probe >= 0);
  memset(&f, 0, sizeof f);
  pc_csv_close(&f); /* zeroed: must not close fd 0 */
  assert_int_not_equal(fcntl(0, F_GETFD), -1);
  if (probe > 0) close(probe);
  char path[128];
  snprintf(path, sizeof path, "%s/does-not-exist.csv", tmpdir);
  pc_err_clear();
  assert_int_equal(pc_csv_open(path, 0, 1, 4096, 100, &f), PC_ERR_IO);
  assert_non_null(strstr(pc_err_message(), path));
  pc_csv_close(&f);
  pc_csv_close(&f);
  pc_err_clear();
  assert_int_equal(pc_csv_open(tmpdir, 0, 1, 4096, 100, &f), PC_ERR_IO);
  assert_non_null(strstr(pc_err_message(), tmpdir));
  pc_csv_close(&f);
  pc_err_clear();
  snprintf(path, sizeof path, "%s/ok.csv", tmpdir);
  write_file(path, "a\n", 2);
  assert_int_equal(pc_csv_open(path, 2, 2, 4096, 100, &f), PC_ERR_ARG);
  assert_int_equal(pc_csv_open(path, 0, 1, 4, 100, &f), PC_ERR_ARG);
  pc_err_clear();
  /* fetch before count is refused */
  assert_int_equal(pc_csv_open(path, 0, 1, 4096, 100, &f), 0);
  uint64_t zero = 0;
  char raw[4];
  size_t len;
  assert_int_equal(pc_csv_fetch(&f, &zero, 1, raw, sizeof raw, &len), PC_ERR_ARG);
  pc_err_clear();
  pc_csv_close(&f);
}

/* Helper for test_split: field k equals s. */
static void field_is(const pc_field *fl, int k, const char *s) {
  assert_int_equal(fl[k].len, strlen(s));
  assert_memory_equal(fl[k].p, s, fl[k].len);
}

static int split(const char *s, pc_field *fl, int maxf, char *scratch) {
  return pc_csv_split(s, strlen(s), fl, maxf, scratch);
}

static void test_split(void **st) {
  (void)st;
  pc_field fl[9];
  char scratch[256];
  assert_int_equal(split("a,b,c", fl, 8, scratch), 3);
  field_is(fl, 0, "a"), field_is(fl, 1, "b"), field_is(fl, 2, "c");
  assert_int_equal(split("  a b , \tb\t,c  ", fl, 8, scratch), 3);
  field_is(fl, 0, "a b"), field_is(fl, 1, "b"), field_is(fl, 2, "c");
  assert_int_equal(split("x,\"a,b\",y", fl, 8, scratch), 3);
  field_is(fl, 0, "x"), field_is(fl, 1, "a,b"), field_is(fl, 2, "y");
  assert_int_equal(split(" \"say \"\"hi\"\"\" \t,\"\"\"\"", fl, 8, scratch), 2);
  field_is(fl, 0, "say \"hi\""), field_is(fl, 1, "\"");
  assert_int_equal(split("\"\",\"\"", fl, 8, scratch), 2);
  field_is(fl, 0, ""), field_is(fl, 1, "");
  assert_int_equal(split(",,", fl, 8, scratch), 3);
  field_is(fl, 0, ""), field_is(fl, 1, ""), field_is(fl, 2, "");
  assert_int_equal(split("a,", fl, 8, scratch), 2);
  field_is(fl, 0, "a"), field_is(fl, 1, "");
  assert_int_equal(split("\"a\",", fl, 8, scratch), 2);
  field_is(fl, 0, "a"), field_is(fl, 1, "");
  assert_int_equal(split("", fl, 8, scratch), 1);
  field_is(fl, 0, "");
  assert_int_equal(split("   ", fl, 8, scratch), 1);
  field_is(fl, 0, "");
  assert_int_equal(split("a,b,c", NULL, 0, NULL), 3);
  /* one field past maxf is counted, not stored */
  fl[2].p = NULL;
  assert_int_equal(split("p,\"q\",r", fl, 2, scratch), 3);
  field_is(fl, 1, "q");
  assert_null(fl[2].p);
  /* bad quoting */
  static const char *const bad[] = {"a\"b", "\"abc\"x", "\"abc", "\"a\"\"", "a,\"b\"c,d", "ab\"",
                                    "x,\"", "\"a\" \"b\"", "\"a\"b,c"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(split(bad[i], fl, 8, scratch), -1);
  /* a million fields counted with maxf = 8 and nothing stored past it */
  size_t n = 2 * 1000000 - 1;
  char *big = malloc(n), *bs = malloc(n);
  for (size_t i = 0; i < n; i++) big[i] = i % 2 ? ',' : (char)('0' + (i / 2) % 10);
  fl[8].p = NULL;
  fl[8].len = 12345;
  assert_int_equal(pc_csv_split(big, n, fl, 8, bs), 1000000);
  field_is(fl, 7, "7");
  assert_null(fl[8].p);
  assert_int_equal(fl[8].len, 12345);
  big[n - 3] = '"';
  assert_int_equal(pc_csv_split(big, n, fl, 8, bs), -1);
  free(big);
  free(bs);
}

/* The rules of pc_csv_split as a state machine, a byte at a time: the
 * reference for test_split_random. Fields' text into out (each field's
 * start and length in at/len), at most maxf of them; returns the count or -1. */
static int split_ref(const char *s, size_t n, char *out, size_t *at, size_t *len, int maxf) {
  enum { START, UNQ, QUOTED, AFTER } st = START;
  size_t o = 0, f0 = 0, last = 0; /* the field's start in out; its last non-blank end */
  int k = 0;
  for (size_t i = 0; i <= n; i++) {
    const int end = i == n;
    const char c = end ? ',' : s[i];
    const int blank = !end && (c == ' ' || c == '\t');
    switch (st) {
    case START:
      if (blank) break;
      if (c == '"' ) { st = QUOTED, f0 = o; break; }
      f0 = last = o;
      if (c == ',') goto field;
      out[o++] = c, last = o, st = UNQ;
      break;
    case UNQ:
      if (c == ',') { o = last; goto field; }
      if (c == '"') return -1;
      out[o++] = c;
      if (!blank) last = o;
      break;
    case QUOTED:
      if (end) return -1;
      if (c == '"') {
        if (i + 1 < n && s[i + 1] == '"') out[o++] = '"', i++;
        else st = AFTER;
      } else {
        out[o++] = c;
      }
      break;
    case AFTER:
      if (blank) break;
      if (c == ',') goto field;
      return -1;
    }
    continue;
  field:
    if (k < maxf) at[k] = f0, len[k] = o - f0;
    k++, st = START;
  }
  return k;
}

/* Random lines of commas, blanks, quotes and text, 0-200 bytes (across the
 * 64-byte blocks of the vector path), split as the reference splits them:
 * lines without a quote take the vector path on a CPU that has it, the
 * others the general path. */
static void test_split_random(void **st) {
  (void)st;
  static const char alpha[] = {'a', 'b', ' ', '\t', ',', ',', '"', '\xc3', '\xa9', '7'};
  char line[256], scratch[256], out[512];
  pc_field fl[16];
  size_t at[16], len[16];
  uint64_t r = 88172645463325252ULL;
  for (int t = 0; t < 200000; t++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    size_t n = (size_t)(r % 201);
    const int quotes = (r >> 20) % 4 == 0; /* three lines in four without any */
    for (size_t i = 0; i < n; i++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      char c = alpha[r % sizeof alpha];
      line[i] = c == '"' && !quotes ? 'q' : c;
    }
    const int maxf = (int)(r >> 40) % 17;
    const int want = split_ref(line, n, out, at, len, maxf);
    const int got = pc_csv_split(line, n, fl, maxf, scratch);
    assert_int_equal(got, want);
    for (int k = 0; k < want && k < maxf; k++) {
      assert_int_equal(fl[k].len, len[k]);
      assert_memory_equal(fl[k].p, out + at[k], len[k]);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_files), cmocka_unit_test(test_long_lines),
      cmocka_unit_test(test_many_lines),  cmocka_unit_test(test_utf8_lines),
      cmocka_unit_test(test_open_errors),
      cmocka_unit_test(test_split), cmocka_unit_test(test_split_random),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
