/* test_json.c - cmocka tests of io/pc_json.c: the counts text as readers and the golden digest know it, escaping, lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_json.h"

/* The text of a screen's `counts` exactly as every earlier version wrote it. */
static void counts_keep_their_bytes(void **state) {
  (void)state;
  json_object *j = json_object_new_object(), *areas = json_object_new_object();
  assert_int_equal(pc_json_add_u64(j, "screened", 5105), 0);
  assert_int_equal(pc_json_add_u64(j, "rows", 6852), 0);
  assert_int_equal(pc_json_add_u64(areas, "furong-days", 4906), 0);
  assert_int_equal(pc_json_add_u64(areas, "furong-nights", 1946), 0);
  assert_int_equal(pc_json_add(j, "areas", areas), 0);
  json_object *list = json_object_new_array();
  json_object_array_add(list, json_object_new_int64(1));
  json_object_array_add(list, json_object_new_string("x/y"));
  assert_int_equal(pc_json_add(j, "list", list), 0);
  char *t = pc_json_text(j);
  assert_non_null(t);
  assert_string_equal(t, "{\"screened\": 5105, \"rows\": 6852, \"areas\": {\"furong-days\": 4906, "
                         "\"furong-nights\": 1946}, \"list\": [1, \"x/y\"]}");
  free(t);
  json_object_put(j);
}

/* An area named with a quote, a backslash or a control character still
 * gives JSON a reader parses back to the same name and count (the snprintf
 * text it replaces did not). */
static void names_are_escaped(void **state) {
  (void)state;
  const char *name = "a \"quoted\" \\ area\n";
  json_object *j = json_object_new_object(), *areas = json_object_new_object();
  pc_json_add_u64(areas, name, 42);
  pc_json_add(j, "areas", areas);
  char *t = pc_json_text(j);
  assert_non_null(t);
  json_object *back = json_tokener_parse(t);
  assert_non_null(back);
  json_object *a = NULL, *v = NULL;
  assert_true(json_object_object_get_ex(back, "areas", &a));
  assert_true(json_object_object_get_ex(a, name, &v));
  assert_int_equal(json_object_get_int64(v), 42);
  free(t);
  json_object_put(back);
  json_object_put(j);
}

/* Dotted paths find nested members; a name with a dot is found whole. */
static void lookup(void **state) {
  (void)state;
  json_object *j = json_tokener_parse(
      "{\"hop0\": 3, \"channels\": {\"cafe\": 7}, \"areas\": {\"No.1 market\": 9}, \"s\": \"x\"}");
  int64_t v = -1;
  assert_int_equal(pc_json_get_i64(j, "hop0", &v), 0);
  assert_int_equal(v, 3);
  assert_int_equal(pc_json_get_i64(j, "channels.cafe", &v), 0);
  assert_int_equal(v, 7);
  assert_int_equal(pc_json_get_i64(j, "areas.No.1 market", &v), 0);
  assert_int_equal(v, 9);
  assert_int_equal(pc_json_get_i64(j, "channels.rail", &v), -1);
  assert_int_equal(pc_json_get_i64(j, "s", &v), -1); /* not an integer */
  assert_int_equal(pc_json_get_i64(NULL, "hop0", &v), -1);
  json_object_put(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(counts_keep_their_bytes),
      cmocka_unit_test(names_are_escaped),
      cmocka_unit_test(lookup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
