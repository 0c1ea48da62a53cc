/* test_lists.c - a list's CSV as a spreadsheet reads it: identifiers and formula-like text behind a TAB, Chinese labels; the callers' order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pc_listform.h"
#include "pc_lists.h"

/* One person of a list, as dispatch makes it. */
static pc_list_row person(void) {
  pc_list_row x;
  memset(&x, 0, sizeof x);
  x.pid = 7;
  x.exposure = 1628300000; /* 2021-08-07 09:33:20 local */
  x.jurisdiction = 430100000000;
  x.township = 430102001000;
  x.community = x.residence = 430102001001;
  memcpy(x.subject, "43010219900101001X", 18);
  snprintf(x.subject_type, sizeof x.subject_type, "id_card");
  memcpy(x.phone, "13800000000", 11);
  snprintf(x.code, sizeof x.code, "red");
  snprintf(x.cls, sizeof x.cls, "hop0");
  memcpy(x.root_status, "asymptomatic", 12); /* fills the field: no NUL, as trace writes it */
  snprintf(x.place, sizeof x.place, "=HYPERLINK(\"x\",\"y\")");
  snprintf(x.channel, sizeof x.channel, "case");
  snprintf(x.age_band, sizeof x.age_band, "unknown");
  x.age = -1;
  snprintf(x.township_name, sizeof x.township_name, "文艺路街道");
  snprintf(x.community_name, sizeof x.community_name, "-社区, 一");
  snprintf(x.jurisdiction_name, sizeof x.jurisdiction_name, "长沙市");
  return x;
}

static void test_csv_row(void **state) {
  (void)state;
  char dir[256], path[512], text[4096];
  snprintf(dir, sizeof dir, "%s/pc-lists-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  assert_non_null(mkdtemp(dir));
  pc_list_batch b;
  pc_listform_batch(&b, 1628438400, 1628438400, "trace.h5");
  assert_string_equal(b.as_of_local, "2021-08-09 00:00 (UTC+8)");
  assert_string_equal(b.stamp, "20210809-0000");
  pc_list_info l = {.jurisdiction = 430100000000, .short_code = 4301, .name = "长沙/市 x"};
  pc_listform_stem(&l, &b);
  assert_string_equal(l.stem, "4301-长沙_市_x.20210809-0000"); /* no '/' nor blank in a name */
  pc_list_row x = person();
  assert_int_equal(pc_lists_write(dir, &b, &l, &x, 1), 0);
  snprintf(path, sizeof path, "%s/%s.csv", dir, l.stem);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = 0;
  fclose(f);
  const char *row = strchr(text, '\n') + 1;
  assert_string_equal(row, "无症状感染者,红码,\"\t43010219900101001X\",居民身份证,\"\t13800000000\","
                           "未知,2021-08-07 09:33:20,\"\t=HYPERLINK(\"\"x\"\",\"\"y\"\")\",病例本人,"
                           "\"\t430102001000\",文艺路街道,\"\t430102001001\",\"\t-社区, 一\","
                           "\"\t430100000000\",长沙市\n");
  static const char *const ext[] = {".csv", ".xlsx", ".h5"};
  for (int i = 0; i < 3; i++) { /* owner-only, the XLSX too */
    struct stat st;
    snprintf(path, sizeof path, "%s/%s%s", dir, l.stem, ext[i]);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unlink(path);
  }
  rmdir(dir);
}

/* The reference: group, then pc_listform_order (code, township, community,
 * exposure, subject), then pid, then position - compared one pair at a time. */
static const pc_list_row *ref_rows;
static const uint32_t *ref_sel;
static const uint64_t *ref_group;
static int ref_cmp(const void *pa, const void *pb) {
  const uint32_t i = *(const uint32_t *)pa, j = *(const uint32_t *)pb;
  if (ref_group[i] != ref_group[j]) return ref_group[i] < ref_group[j] ? -1 : 1;
  const pc_list_row *a = &ref_rows[ref_sel ? ref_sel[i] : i],
                    *b = &ref_rows[ref_sel ? ref_sel[j] : j];
  int c = pc_listform_order(a, b);
  if (c) return c;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  return (i > j) - (i < j);
}

/* pc_listform_sort (radix passes, then the runs they leave equal) gives the
 * comparator's order on rows with few distinct values in every key - so that
 * most rows tie on several of them, negative exposures too, codes other than
 * red and yellow, a person in two rows - taken directly or through a selection. */
static void test_listform_sort(void **state) {
  (void)state;
  enum { N = 5000 };
  pc_list_row *it = calloc(N, sizeof *it);
  uint64_t *group = malloc(N * sizeof *group);
  uint32_t *ord = malloc(N * sizeof *ord), *want = malloc(N * sizeof *want),
           *sel = malloc(N * sizeof *sel);
  assert_non_null(it && group && ord && want && sel);
  static const char *const codes[4] = {"red", "yellow", "green", ""};
  srand(7);
  for (size_t i = 0; i < N; i++) {
    pc_list_row *x = &it[i];
    x->community = 430102001000 + (uint64_t)(rand() % 3) * 1000 + (uint64_t)(rand() % 3);
    x->township = x->community / 1000 * 1000;
    x->exposure = (int64_t)(rand() % 5) - 2;
    snprintf(x->code, sizeof x->code, "%s", codes[rand() % 4]);
    x->subject[0] = (char)('a' + rand() % 3);
    if (rand() % 2) x->subject[1] = (char)('a' + rand() % 2);
    x->pid = (uint64_t)(rand() % (N / 2)); /* some persons in two rows */
    group[i] = (uint64_t)(rand() % 4) * UINT64_C(0x0100000000000001);
    sel[i] = (uint32_t)(N - 1 - i);
  }
  for (int how = 0; how < 2; how++) {
    const uint32_t *s = how ? sel : NULL;
    assert_int_equal(pc_listform_sort(it, s, N, group, ord), 0);
    for (uint32_t i = 0; i < N; i++) want[i] = i;
    ref_rows = it, ref_sel = s, ref_group = group;
    qsort(want, N, sizeof *want, ref_cmp);
    assert_memory_equal(ord, want, N * sizeof *ord);
  }
  assert_int_equal(pc_listform_sort(it, NULL, 0, group, ord), 0);
  free(it), free(group), free(ord), free(want), free(sel);
}

int main(void) {
  umask(077);
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_csv_row),
                                     cmocka_unit_test(test_listform_sort)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
