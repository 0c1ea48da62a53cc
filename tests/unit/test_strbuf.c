/* test_strbuf.c - cmocka tests of kernels/pc_strbuf.c: text grows past its first room intact; take and free leave it empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_strbuf.h"

/* 10,000 appends of mixed kinds: every byte where it belongs after many doublings. */
static void grows_intact(void **state) {
  (void)state;
  pc_strbuf b = {0};
  char want[80000];
  size_t n = 0;
  for (int i = 0; i < 10000; i++) {
    if (i % 3 == 0) pc_strbuf_puts(&b, "ab"), memcpy(want + n, "ab", 2), n += 2;
    else if (i % 3 == 1) pc_strbuf_put(&b, "xyz", 1), want[n++] = 'x';
    else n += (size_t)snprintf(want + n, sizeof want - n, "%d,", i), pc_strbuf_printf(&b, "%d,", i);
  }
  assert_false(b.oom);
  assert_int_equal(b.n, n);
  assert_int_equal(strlen(b.s), n);
  assert_memory_equal(b.s, want, n);
  char *t = pc_strbuf_take(&b);
  assert_non_null(t);
  assert_memory_equal(t, want, n);
  assert_null(b.s);
  assert_int_equal(b.n, 0);
  free(t);
}

/* Nothing appended: take gives "", not NULL (NULL means out of memory). */
static void empty_take(void **state) {
  (void)state;
  pc_strbuf b = {0};
  char *t = pc_strbuf_take(&b);
  assert_non_null(t);
  assert_string_equal(t, "");
  free(t);
  pc_strbuf_printf(&b, "%s=%d", "k", 7);
  assert_string_equal(b.s, "k=7");
  pc_strbuf_free(&b);
  assert_null(b.s);
}

/* Once an allocation failed, appends do nothing and take says so with NULL. */
static void oom_sticks(void **state) {
  (void)state;
  pc_strbuf b = {0};
  pc_strbuf_puts(&b, "kept");
  b.oom = 1;
  pc_strbuf_puts(&b, "lost");
  assert_int_equal(b.n, 4);
  assert_null(pc_strbuf_take(&b));
  assert_null(b.s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(grows_intact),
      cmocka_unit_test(empty_take),
      cmocka_unit_test(oom_sticks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
