/* test_doc.c - cmocka tests of kernels/pc_doc.c and pc_pid_of_doc: each document's rule at its edges, phone forms, pids kept and separated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_doc.h"
#include "pc_hash.h"
#include "pc_idnum.h"

enum { TODAY = 20261203 };

/* Normalise a C string; on failure out must be empty (no half-written number). */
static int norm(int type, const char *s, char out[PC_DOC_MAX + 1]) {
  size_t n = 99;
  int r = pc_doc_normalise(type, s, strlen(s), out, &n, TODAY);
  if (r) {
    assert_string_equal(out, "");
    assert_int_equal(n, 0);
  } else {
    assert_int_equal(n, strlen(out));
  }
  return r;
}

/* The normal form of s, which must be valid. */
static const char *ok(int type, const char *s) {
  static char out[PC_DOC_MAX + 1];
  assert_int_equal(norm(type, s, out), PC_DOC_E_OK);
  return out;
}

static int bad(int type, const char *s) {
  char out[PC_DOC_MAX + 1];
  return norm(type, s, out);
}

/* A valid 18-character foreign permanent residence ID: '9', province 43,
 * country 840, birth, sequence; the GB 11643 check character appended. */
static void make_fpr(int32_t birth, unsigned seq, char out[19]) {
  snprintf(out, 19, "943840%08d%03u", (int)birth, seq);
  out[17] = pc_idnum_check_char(out);
  out[18] = 0;
}

/* A wrong check character for the 17 digits of id (any other of the eleven). */
static char wrong_check(const char *id) { return pc_idnum_check_char(id) == '1' ? '2' : '1'; }

/* The SPEC names, any case, blanks around; empty is id_card; anything else -1. */
static void doc_of_names(void **st) {
  (void)st;
  for (int t = 0; t < PC_NDOCS; t++) assert_int_equal(pc_doc_of(pc_doc_names[t], strlen(pc_doc_names[t])), t);
  assert_string_equal(pc_doc_names[PC_DOC_FOREIGN_PR], "foreign_pr");
  assert_string_equal(pc_doc_names[PC_DOC_HK_MACAO], "hk_macao");
  static const struct {
    const char *s;
    int want;
  } cases[] = {
      {"", PC_DOC_ID_CARD},        {"   ", PC_DOC_ID_CARD},       {"\t", PC_DOC_ID_CARD},
      {"ID_CARD", PC_DOC_ID_CARD}, {" Passport ", PC_DOC_PASSPORT}, {"HK_Macao", PC_DOC_HK_MACAO},
      {"TAIWAN\t", PC_DOC_TAIWAN}, {"Foreign_PR", PC_DOC_FOREIGN_PR}, {"OTHER", PC_DOC_OTHER},
      {" phone", PC_DOC_PHONE},    {"idcard", -1},                 {"id card", -1},
      {"id-card", -1},             {"passports", -1},              {"pass port", -1},
      {"foreign", -1},             {"p", -1},                      {"id_card_", -1},
      {"\xe6\x8a\xa4\xe7\x85\xa7", -1} /* 护照 (passport): names are the SPEC's */,
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    assert_int_equal(pc_doc_of(cases[i].s, strlen(cases[i].s)), cases[i].want);
  /* Only len bytes are read: "passport" cut to "pass" is no type. */
  assert_int_equal(pc_doc_of("passport", 4), -1);
  assert_int_equal(pc_doc_of("phonebook", 5), PC_DOC_PHONE);
}

/* ID card: GB 11643 as before, a lower-case x taken as X, blanks at the ends trimmed. */
static void id_card_rule(void **st) {
  (void)st;
  assert_string_equal(ok(PC_DOC_ID_CARD, "11010519491231002X"), "11010519491231002X");
  assert_string_equal(ok(PC_DOC_ID_CARD, "11010519491231002x"), "11010519491231002X");
  assert_string_equal(ok(PC_DOC_ID_CARD, " \t440524188001010014 "), "440524188001010014");
  assert_int_equal(bad(PC_DOC_ID_CARD, "110105194912310021"), PC_DOC_E_CHECK);
  assert_int_equal(bad(PC_DOC_ID_CARD, "11010519491231002"), PC_DOC_E_LENGTH);
  assert_int_equal(bad(PC_DOC_ID_CARD, "11010519491231002X1"), PC_DOC_E_LENGTH);
  assert_int_equal(bad(PC_DOC_ID_CARD, ""), PC_DOC_E_LENGTH);
  assert_int_equal(bad(PC_DOC_ID_CARD, "110105 19491231002X"), PC_DOC_E_LENGTH); /* inner blank kept */
  assert_int_equal(bad(PC_DOC_ID_CARD, "1101051949123100AX"), PC_DOC_E_DIGITS);
  assert_int_equal(bad(PC_DOC_ID_CARD, "11010519491231002Y"), PC_DOC_E_DIGITS);
  assert_int_equal(bad(PC_DOC_ID_CARD, "E12345678"), PC_DOC_E_LENGTH); /* a passport is no ID */
  /* The birth date: real, not after today. */
  char id[19] = {0};
  pc_idnum_make(430102, 19900230, 11, id);
  assert_int_equal(bad(PC_DOC_ID_CARD, id), PC_DOC_E_BIRTH);
  pc_idnum_make(430102, TODAY + 1, 11, id);
  assert_int_equal(bad(PC_DOC_ID_CARD, id), PC_DOC_E_BIRTH);
  pc_idnum_make(430102, TODAY, 11, id);
  assert_string_equal(ok(PC_DOC_ID_CARD, id), id);
  /* Every wrong check character is caught. */
  for (int c = 0; c < 11; c++) {
    id[17] = "0123456789X"[c];
    int r = bad(PC_DOC_ID_CARD, id);
    assert_int_equal(r, id[17] == pc_idnum_check_char(id) ? PC_DOC_E_OK : PC_DOC_E_CHECK);
  }
  /* Only len bytes are read. */
  char out[PC_DOC_MAX + 1];
  size_t n;
  assert_int_equal(pc_doc_normalise(PC_DOC_ID_CARD, "11010519491231002X99", 18, out, &n, 0), 0);
  assert_string_equal(out, "11010519491231002X");
}

/* passport, hk_macao, taiwan, other: 5-20 of A-Z, 0-9 after trimming the ends and upper-casing. */
static void generic_rule(void **st) {
  (void)st;
  static const int types[] = {PC_DOC_PASSPORT, PC_DOC_HK_MACAO, PC_DOC_TAIWAN, PC_DOC_OTHER};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    int t = types[i];
    assert_string_equal(ok(t, "E1234"), "E1234");                             /* 5 */
    assert_int_equal(bad(t, "E123"), PC_DOC_E_LENGTH);                       /* 4 */
    assert_string_equal(ok(t, "ABCDEFGHIJ0123456789"), "ABCDEFGHIJ0123456789"); /* 20 */
    assert_int_equal(bad(t, "ABCDEFGHIJ0123456789K"), PC_DOC_E_LENGTH);        /* 21 */
    assert_int_equal(bad(t, "  E123  "), PC_DOC_E_LENGTH);   /* 4 once trimmed */
    assert_string_equal(ok(t, " \te12345678\t "), "E12345678"); /* lower case, blanks at the ends */
    assert_string_equal(ok(t, "h12345678"), "H12345678");
    assert_string_equal(ok(t, "12345"), "12345");            /* digits only are fine */
    assert_int_equal(bad(t, "E1234 5678"), PC_DOC_E_CHARS);  /* a blank inside: rejected */
    assert_int_equal(bad(t, "E1234\t5678"), PC_DOC_E_CHARS);
    assert_int_equal(bad(t, "E1234-5678"), PC_DOC_E_CHARS);
    assert_int_equal(bad(t, "E1234.5678"), PC_DOC_E_CHARS);
    assert_int_equal(bad(t, "E1234_5678"), PC_DOC_E_CHARS);
    assert_int_equal(bad(t, "E1234\xef\xbc\x95"), PC_DOC_E_CHARS); /* full-width 5 */
    assert_int_equal(bad(t, ""), PC_DOC_E_LENGTH);
    assert_int_equal(bad(t, "      "), PC_DOC_E_LENGTH);
    char longs[200];
    memset(longs, 'A', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    assert_int_equal(bad(t, longs), PC_DOC_E_LENGTH);
    /* An 18-digit number under these types is just a number: no GB 11643 rule. */
    assert_string_equal(ok(t, "110105194912310021"), "110105194912310021");
    int32_t b = 7;
    int s = 7;
    assert_int_equal(pc_doc_birth_sex(t, "E12345678", &b, &s), 0);
    assert_int_equal(pc_doc_birth_sex(t, "11010519491231002X", &b, &s), 0);
    assert_int_equal(b, 7); /* untouched: the columns say */
    assert_int_equal(s, 7);
  }
}

/* foreign_pr: the 18-character card starting with 9 carries a GB 11643 check
 * character and birth date; every other form takes the 5-20 rule. */
static void foreign_pr_rule(void **st) {
  (void)st;
  char f[19];
  make_fpr(19850615, 123, f);
  assert_int_equal(f[0], '9');
  assert_string_equal(ok(PC_DOC_FOREIGN_PR, f), f);
  int32_t b = 0;
  int s = 0;
  assert_int_equal(pc_doc_birth_sex(PC_DOC_FOREIGN_PR, f, &b, &s), 1);
  assert_int_equal(b, 19850615);
  assert_int_equal(s, 1); /* 17th digit 3: odd, male */
  make_fpr(20000229, 124, f); /* a leap day; 17th digit 4: female */
  assert_int_equal(bad(PC_DOC_FOREIGN_PR, f), PC_DOC_E_OK);
  assert_int_equal(pc_doc_birth_sex(PC_DOC_FOREIGN_PR, f, &b, &s), 1);
  assert_int_equal(b, 20000229);
  assert_int_equal(s, 2);
  /* Each wrong check character is caught; a lower-case x check is X. */
  int xs = 0;
  for (unsigned seq = 0; seq < 200; seq++) {
    make_fpr(19700101, seq, f);
    char good = f[17];
    f[17] = wrong_check(f);
    assert_int_equal(bad(PC_DOC_FOREIGN_PR, f), PC_DOC_E_CHECK);
    f[17] = good;
    if (good == 'X') {
      char want[19];
      memcpy(want, f, 19);
      f[17] = 'x';
      assert_string_equal(ok(PC_DOC_FOREIGN_PR, f), want);
      xs++;
    }
  }
  assert_true(xs > 0); /* the loop met some X */
  /* 18 characters starting with 9 must be that card: no fallback to 5-20. */
  make_fpr(19850615, 123, f);
  f[3] = 'A';
  assert_int_equal(bad(PC_DOC_FOREIGN_PR, f), PC_DOC_E_DIGITS);
  make_fpr(19850230, 1, f);
  assert_int_equal(bad(PC_DOC_FOREIGN_PR, f), PC_DOC_E_BIRTH);
  make_fpr(TODAY + 1, 1, f);
  assert_int_equal(bad(PC_DOC_FOREIGN_PR, f), PC_DOC_E_BIRTH);
  make_fpr(18791231, 1, f);
  assert_int_equal(bad(PC_DOC_FOREIGN_PR, f), PC_DOC_E_BIRTH);
  /* The older 15-character card (3 letters, 12 digits): the 5-20 rule, no birth. */
  assert_string_equal(ok(PC_DOC_FOREIGN_PR, "usa430185061501"), "USA430185061501");
  b = 7;
  assert_int_equal(pc_doc_birth_sex(PC_DOC_FOREIGN_PR, "USA430185061501", &b, &s), 0);
  assert_int_equal(b, 7);
  /* 18 characters not starting with 9, or 17 starting with 9: the 5-20 rule. */
  assert_string_equal(ok(PC_DOC_FOREIGN_PR, "A12345678901234567"), "A12345678901234567");
  assert_int_equal(pc_doc_birth_sex(PC_DOC_FOREIGN_PR, "A12345678901234567", &b, &s), 0);
  assert_string_equal(ok(PC_DOC_FOREIGN_PR, "94384019850615123"), "94384019850615123");
  assert_int_equal(pc_doc_birth_sex(PC_DOC_FOREIGN_PR, "94384019850615123", &b, &s), 0);
  assert_int_equal(bad(PC_DOC_FOREIGN_PR, "USA4"), PC_DOC_E_LENGTH);
  assert_int_equal(bad(PC_DOC_FOREIGN_PR, "USA 430185061501"), PC_DOC_E_CHARS);
}

/* An ID card holds birth and sex; the phone type does not. */
static void birth_sex(void **st) {
  (void)st;
  int32_t b = 0;
  int s = 0;
  assert_int_equal(pc_doc_birth_sex(PC_DOC_ID_CARD, "11010519491231002X", &b, &s), 1);
  assert_int_equal(b, 19491231);
  assert_int_equal(s, 2); /* 17th digit 2: even, female */
  assert_int_equal(pc_doc_birth_sex(PC_DOC_ID_CARD, "440524188001010014", &b, &s), 1);
  assert_int_equal(b, 18800101);
  assert_int_equal(s, 1);
  b = 7;
  assert_int_equal(pc_doc_birth_sex(PC_DOC_PHONE, "13613087023", &b, &s), 0);
  assert_int_equal(b, 7);
}

/* The forms SPEC names, and what a prefix may never do. */
static void phone_forms(void **st) {
  (void)st;
  static const char *const good[] = {
      "13613087023",        " 13613087023\t",      "136 1308 7023",      "136-1308-7023",
      "+86 136-1308-7023",  "+8613613087023",      "+86-136-1308-7023",  "+ 86 13613087023",
      "0086 136 1308 7023", "008613613087023",     "0086-13613087023",   "8613613087023",
      "86 136 1308 7023",   "86-136-1308-7023",    "(+86) 136 1308 7023", "(+86)13613087023",
      "(86) 13613087023",   "(0086)136-1308-7023", "1 3 6 1 3 0 8 7 0 2 3",
  };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    uint64_t v = 0;
    assert_int_equal(pc_phone_normalise(good[i], strlen(good[i]), &v), 1);
    assert_true(v == 13613087023ULL);
    assert_string_equal(ok(PC_DOC_PHONE, good[i]), "13613087023");
  }
  assert_int_equal(pc_phone_normalise("19912345678", 11, NULL), 1);
  static const char *const no[] = {
      "",                 "   ",              "+86",               "1361308702",     /* 10 digits */
      "136130870231",     "+86136130870231",  "+861361308702",     "013613087023",   /* trunk 0 */
      "12345678901",      "10013087023",      "23613087023",       "8612345678901",  /* 86 + not mobile */
      "86136130870",      "861361308702",     "86861361308702",    "+85291234567",   /* Hong Kong */
      "+852 9123 4567",   "136l3087023",      "136O1308702",       "136.1308.7023",
      "136/1308/7023",    "136_1308_7023",    "(136)13087023",     "(+86 13613087023",
      "+86) 13613087023", "13613087023(+86)", "13613087023+86",    "++8613613087023",
      "+0086 13613087023","(+86)(+86)13613087023", "+86 +86 13613087023", "86 86 13613087023",
      "0086 0086 136 1308 7023", "\xef\xbc\x8b" "8613613087023", /* full-width + */
      "1361308702\xef\xbc\x93", /* full-width 3 */
      /* 11 bytes, 10 digits */
      "136 1308702",      "136-1308702",      " 1361308702",       "1361308702\t",
  };
  for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
    uint64_t v = 42;
    assert_int_equal(pc_phone_normalise(no[i], strlen(no[i]), &v), 0);
    assert_true(v == 42); /* untouched */
    assert_int_equal(bad(PC_DOC_PHONE, no[i]), PC_DOC_E_PHONE);
  }
  /* A long run of digits, blanks and dashes: rejected, nothing overrun. */
  char longs[300];
  for (size_t i = 0; i < sizeof longs - 1; i++) longs[i] = "1-3 "[i % 4];
  longs[sizeof longs - 1] = 0;
  assert_int_equal(pc_phone_normalise(longs, strlen(longs), NULL), 0);
  /* Only len bytes are read. */
  uint64_t v = 0;
  assert_int_equal(pc_phone_normalise("+86 13613087023999", 15, &v), 1);
  assert_true(v == 13613087023ULL);
}

/* An ID card and a phone keep today's pids; the other documents' pids are
 * the keyed hash of the documented bytes; one number under two types is two persons. */
static void pids(void **st) {
  (void)st;
  pc_key128 k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL}, k2 = {1, 2};
  assert_true(pc_pid_of_doc(&k, PC_DOC_ID_CARD, "11010519491231002X", 18) ==
              pc_pid_of_idnum(&k, "11010519491231002X"));
  assert_true(pc_pid_of_doc(&k, PC_DOC_PHONE, "13613087023", 11) == pc_pid_of_phone(&k, 13613087023ULL));
  /* From raw text through the normal form: "+86 136-1308-7023" is the phone's pid. */
  char out[PC_DOC_MAX + 1];
  size_t n;
  assert_int_equal(pc_doc_normalise(PC_DOC_PHONE, "+86 136-1308-7023", 17, out, &n, 0), 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_PHONE, out, n) == pc_pid_of_phone(&k, 13613087023ULL));
  assert_int_equal(pc_doc_normalise(PC_DOC_ID_CARD, "11010519491231002x ", 19, out, &n, 0), 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_ID_CARD, out, n) == pc_pid_of_idnum(&k, "11010519491231002X"));
  assert_int_equal(pc_doc_normalise(PC_DOC_PASSPORT, " e12345678", 10, out, &n, 0), 0);
  uint64_t pass = pc_pid_of_doc(&k, PC_DOC_PASSPORT, out, n);
  assert_true(pass == pc_pid_of_doc(&k, PC_DOC_PASSPORT, "E12345678", 9));
  /* The documented derivation: SipHash of 'D', name, ':', number. */
  assert_true(pass == pc_siphash(&k, "Dpassport:E12345678", 19));
  assert_true(pass != pc_pid_of_doc(&k2, PC_DOC_PASSPORT, "E12345678", 9)); /* keyed */
  /* The same number under each type: all different, never 0. */
  uint64_t seen[PC_NDOCS];
  int ns = 0;
  for (int t = 0; t < PC_NDOCS; t++) {
    if (t == PC_DOC_ID_CARD || t == PC_DOC_PHONE) continue;
    seen[ns] = pc_pid_of_doc(&k, t, "E12345678", 9);
    assert_true(seen[ns] != 0);
    for (int j = 0; j < ns; j++) assert_true(seen[j] != seen[ns]);
    ns++;
  }
  assert_true(pc_pid_of_doc(&k, PC_DOC_OTHER, "E12345678", 9) != pass);
  /* Digits that are also an ID number or a phone: another person under another type. */
  assert_true(pc_pid_of_doc(&k, PC_DOC_OTHER, "11010519491231002X", 18) !=
              pc_pid_of_idnum(&k, "11010519491231002X"));
  assert_true(pc_pid_of_doc(&k, PC_DOC_PASSPORT, "13613087023", 11) != pc_pid_of_phone(&k, 13613087023ULL));
  char f[19];
  make_fpr(19850615, 123, f);
  assert_true(pc_pid_of_doc(&k, PC_DOC_FOREIGN_PR, f, 18) != pc_pid_of_doc(&k, PC_DOC_ID_CARD, f, 18));
  /* Not in normal form, or no type: 0, never a second pid for one person. */
  assert_true(pc_pid_of_doc(&k, PC_DOC_PASSPORT, "e12345678", 9) == 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_PASSPORT, " E12345678", 10) == 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_PASSPORT, "E123", 4) == 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_PASSPORT, "ABCDEFGHIJ0123456789K", 21) == 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_ID_CARD, "11010519491231002x", 18) == 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_ID_CARD, "11010519491231002X", 17) == 0);
  assert_true(pc_pid_of_doc(&k, PC_DOC_PHONE, "+8613613087023", 14) == 0);
  assert_true(pc_pid_of_doc(&k, -1, "E12345678", 9) == 0);
  assert_true(pc_pid_of_doc(&k, PC_NDOCS, "E12345678", 9) == 0);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* 20,000 passport numbers: 20,000 pids, none 0 (a shared pid merges two persons). */
static void pids_distinct(void **st) {
  (void)st;
  pc_key128 k = {3, 4};
  enum { N = 20000 };
  uint64_t *p = malloc(N * sizeof *p);
  assert_non_null(p);
  for (int i = 0; i < N; i++) {
    char num[16];
    int len = snprintf(num, sizeof num, "E%08d", i);
    p[i] = pc_pid_of_doc(&k, PC_DOC_PASSPORT, num, (size_t)len);
    assert_true(p[i] != 0);
  }
  qsort(p, N, sizeof *p, cmp_u64);
  for (int i = 1; i < N; i++) assert_true(p[i - 1] != p[i]);
  free(p);
}

/* The reason texts say which rule failed; they are static and never hold a number. */
static void reasons(void **st) {
  (void)st;
  assert_non_null(strstr(pc_doc_reason(PC_DOC_PASSPORT, PC_DOC_E_LENGTH), "5-20"));
  assert_non_null(strstr(pc_doc_reason(PC_DOC_ID_CARD, PC_DOC_E_LENGTH), "18"));
  assert_non_null(strstr(pc_doc_reason(PC_DOC_ID_CARD, PC_DOC_E_CHECK), "check"));
  assert_non_null(strstr(pc_doc_reason(PC_DOC_PHONE, PC_DOC_E_PHONE), "mobile"));
  for (int c = PC_DOC_E_TYPE; c <= PC_DOC_E_PHONE; c++)
    for (int d = c + 1; d <= PC_DOC_E_PHONE; d++)
      assert_string_not_equal(pc_doc_reason(PC_DOC_PASSPORT, c), pc_doc_reason(PC_DOC_PASSPORT, d));
  assert_int_equal(bad(-1, "E12345678"), PC_DOC_E_TYPE);
  assert_int_equal(bad(PC_NDOCS, "E12345678"), PC_DOC_E_TYPE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(doc_of_names),    cmocka_unit_test(id_card_rule), cmocka_unit_test(generic_rule),
      cmocka_unit_test(foreign_pr_rule), cmocka_unit_test(birth_sex),    cmocka_unit_test(phone_forms),
      cmocka_unit_test(pids),            cmocka_unit_test(pids_distinct), cmocka_unit_test(reasons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
