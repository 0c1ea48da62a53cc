/* test_agency.c - cmocka tests of kernels/pc_agency.c: the realistic identifiers pass ingest's rules, read back to what they stand for, and stay distinct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_agency.h"
#include "pc_doc.h"
#include "pc_idnum.h"

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

/* Distinct numbers give distinct strings (checked over a range and sorted). */
static void households_distinct(void **st) {
  (void)st;
  enum { N = 20000 };
  char(*s)[24] = calloc(N, 24);
  for (int i = 0; i < N; i++) pc_agency_household((uint64_t)i + 1, s[i]);
  assert_string_equal(s[0], "H00000001");
  assert_string_equal(s[1], "4300000002");
  qsort(s, N, 24, cmp_str);
  for (int i = 1; i < N; i++) assert_string_not_equal(s[i - 1], s[i]);
  free(s);
}

/* Employer codes: 18 characters of GB 32100's set, the check character
 * right (recomputed here by the standard's weights), distinct, refused out
 * of range. */
static void employers(void **st) {
  (void)st;
  enum { N = 20000 };
  const char *set = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  char(*s)[19] = calloc(N, 19);
  static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  for (int i = 0; i < N; i++) {
    uint64_t e = i < N / 2 ? (uint64_t)i + 1 : (uint64_t)i * 1000003ULL;
    assert_int_equal(pc_agency_employer(e, s[i]), 0);
    int sum = 0;
    for (int k = 0; k < 17; k++) {
      assert_non_null(strchr(set, s[i][k]));
      sum += (int)(strchr(set, s[i][k]) - set) * w[k];
    }
    assert_int_equal(s[i][17], set[(31 - sum % 31) % 31]);
    assert_memory_equal(s[i], "91", 2);
  }
  qsort(s, N, 19, cmp_str);
  for (int i = 1; i < N; i++) assert_string_not_equal(s[i - 1], s[i]);
  char o[18];
  assert_int_equal(pc_agency_employer(0, o), -1);
  assert_int_equal(pc_agency_employer(26439622160671ULL, o), -1); /* 31^9 */
  assert_int_equal(pc_agency_employer(26439622160670ULL, o), 0);
  free(s);
}

/* Every phone form is read back by ingest's rule to the same 11 digits. */
static void phones(void **st) {
  (void)st;
  char out[24];
  assert_int_equal(pc_agency_phone("13800138000", 1, out), 17);
  assert_string_equal(out, "+86 138-0013-8000");
  assert_string_equal((pc_agency_phone("13800138000", 3, out), out), "138 0013 8000");
  for (unsigned f = 0; f < 5; f++) {
    uint64_t v = 0;
    size_t n = pc_agency_phone("13800138000", f, out);
    assert_int_equal(n, strlen(out));
    assert_true(pc_phone_normalise(out, n, &v));
    assert_true(v == 13800138000ULL);
  }
}

/* Passports and foreign PR IDs pass their rules; the PR ID holds the ID
 * card's birth date and sex; both are one per ID number. */
static void documents(void **st) {
  (void)st;
  enum { N = 5000 };
  char(*pp)[21] = calloc(N, 21), (*pr)[21] = calloc(N, 21);
  for (int i = 0; i < N; i++) {
    char id[19] = {0};
    pc_idnum_make(430102 + (uint32_t)(i % 7), 19800101 + (i % 28), (unsigned)(i / 7), id);
    char norm[PC_DOC_MAX + 1];
    size_t n;
    assert_int_equal(pc_agency_document(PC_DOC_PASSPORT, id, pp[i]), 12);
    assert_int_equal(pc_doc_normalise(PC_DOC_PASSPORT, pp[i], 12, norm, &n, 20261203), PC_DOC_E_OK);
    assert_int_equal(pc_agency_document(PC_DOC_FOREIGN_PR, id, pr[i]), 18);
    assert_int_equal(pc_doc_normalise(PC_DOC_FOREIGN_PR, pr[i], 18, norm, &n, 20261203), PC_DOC_E_OK);
    assert_int_equal(pr[i][0], '9');
    int32_t b = 0;
    int sex = 0;
    assert_true(pc_doc_birth_sex(PC_DOC_FOREIGN_PR, pr[i], &b, &sex));
    assert_int_equal(b, pc_idnum_birth(id));
    assert_int_equal(sex, pc_idnum_sex(id));
  }
  qsort(pp, N, 21, cmp_str);
  qsort(pr, N, 21, cmp_str);
  for (int i = 1; i < N; i++) {
    assert_string_not_equal(pp[i - 1], pp[i]);
    assert_string_not_equal(pr[i - 1], pr[i]);
  }
  char id[19] = {0}, o[21];
  pc_idnum_make(110101, 19800101, 5, id); /* not of province 43: no PR ID from it */
  assert_int_equal(pc_agency_document(PC_DOC_FOREIGN_PR, id, o), 0);
  assert_int_equal(pc_agency_doc_of(7, id), PC_DOC_ID_CARD);
  assert_int_equal(pc_agency_doc_of(0, id), PC_DOC_PASSPORT);
  pc_idnum_make(430102, 19800101, 5, id);
  assert_int_equal(pc_agency_doc_of(0, id), PC_DOC_FOREIGN_PR);
  free(pp);
  free(pr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(households_distinct), cmocka_unit_test(employers),
      cmocka_unit_test(phones),              cmocka_unit_test(documents),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
