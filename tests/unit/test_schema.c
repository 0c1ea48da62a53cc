/* test_schema.c - the table schemas: types built from the column lists, and the reader's column check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pc_err.h"
#include "pc_schema.h"
#include "unit_h5.h"

/* A scratch HDF5 file, removed by the caller. */
static hid_t scratch(char *path, size_t len) { return unit_h5_scratch(path, len, "pc-schema"); }

/* Writes n rows of table schema s as dataset `name` (contiguous). */
static void put(hid_t f, const char *name, const pc_schema *s, const void *rows, size_t n) {
  hsize_t d[1] = {n};
  hid_t sp = H5Screate_simple(1, d, NULL), t = pc_schema_type(s);
  assert_true(t >= 0);
  hid_t ds = H5Dcreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(ds >= 0);
  assert_true(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
  H5Dclose(ds);
  H5Sclose(sp);
}

/* Every table and view builds a type of its row's size; a table's members are its columns, in
 * order, at their offsets (what keeps the files as they were and file type == memory type). */
static void test_types(void **st) {
  (void)st;
  for (size_t k = 0; pc_schemas_all[k]; k++) {
    const pc_schema *s = pc_schemas_all[k];
    hid_t t = pc_schema_type(s);
    assert_true(t >= 0);
    assert_int_equal(H5Tget_size(t), s->rowsize);
    assert_int_equal(H5Tget_nmembers(t), (int)s->ncols);
    assert_true(pc_schema_type(s) == t); /* built once */
    for (unsigned i = 0; i < s->ncols; i++) {
      char *name = H5Tget_member_name(t, i);
      assert_string_equal(name, s->cols[i].name);
      H5free_memory(name);
      assert_int_equal(H5Tget_member_offset(t, i), s->cols[i].offset);
      assert_true(s->cols[i].offset + s->cols[i].size <= s->rowsize);
    }
  }
  /* The dataset's rows keep their on-disk sizes and column counts. */
  assert_int_equal(H5Tget_size(pc_schema_type(&pc_schema_persons)), 48);
  assert_int_equal(H5Tget_nmembers(pc_schema_type(&pc_schema_stays)), 8);
  assert_int_equal(H5Tget_nmembers(pc_schema_type(&pc_schema_contacts)),
                   H5Tget_nmembers(pc_schema_type(&pc_schema_companions)) + 1);
  /* Raw reject lines are bytes as received (not tagged UTF-8); names are UTF-8. */
  hid_t rt = pc_schema_type(&pc_schema_rejects);
  hid_t raw = H5Tget_member_type(rt, (unsigned)H5Tget_member_index(rt, "raw"));
  hid_t txt = H5Tget_member_type(rt, (unsigned)H5Tget_member_index(rt, "text"));
  assert_int_equal(H5Tget_cset(raw), H5T_CSET_ASCII);
  assert_int_equal(H5Tget_cset(txt), H5T_CSET_UTF8);
  H5Tclose(raw);
  H5Tclose(txt);
}

/* A view whose column is not in its table, or does not fit its field, is refused when built. */
typedef struct bad_row {
  uint64_t pid;
  uint16_t hop; /* the table's hop is one byte */
} bad_row;
static const pc_column bad_name_cols[] = {PC_VIEW_COLUMN(bad_row, pid, "person")};
static const pc_column bad_size_cols[] = {PC_VIEW_COLUMN(bad_row, hop, "hop")};
static const pc_schema bad_name = {"contacts", sizeof(bad_row), bad_name_cols, 1, &pc_schema_contacts};
static const pc_schema bad_size = {"contacts", sizeof(bad_row), bad_size_cols, 1, &pc_schema_contacts};

static void test_bad_views(void **st) {
  (void)st;
  pc_err_clear();
  assert_true(pc_schema_type(&bad_name) < 0);
  assert_non_null(strstr(pc_err_message(), "column `person` is not in its table"));
  pc_err_clear();
  assert_true(pc_schema_type(&bad_size) < 0);
  assert_non_null(strstr(pc_err_message(), "column `hop` does not fit its field"));
  pc_err_clear();
}

/* Rows written through a table read back through a view; a table without a column the view
 * needs is refused, naming file, table and column, and a retyped column likewise. */
static void test_check(void **st) {
  (void)st;
  char path[512];
  hid_t f = scratch(path, sizeof path);
  pc_trace_row w[3];
  memset(w, 0, sizeof w);
  for (int i = 0; i < 3; i++) {
    w[i].pid = 100 + (uint64_t)i;
    w[i].exposure = -5 - i;
    w[i].jurisdiction = 430100000000;
    w[i].residence = 430102001001 + (uint64_t)i;
    w[i].hop = (uint8_t)(i + 1);
    memcpy(w[i].subject, "43010219900101001X", 18); /* 18 of 20 bytes: the rest NUL */
    w[i].subject[16] = (char)('0' + i);
    snprintf(w[i].code, sizeof w[i].code, "red");
    snprintf(w[i].place_name, sizeof w[i].place_name, "场所 %d", i);
  }
  put(f, "contacts", &pc_schema_contacts, w, 3);
  put(f, "companions", &pc_schema_companions, w, 3);
  /* /companions written under the name of /contacts: the same rows without hop. */
  put(f, "nohop", &pc_schema_companions, w, 3);

  void *rv;
  uint64_t n;
  assert_int_equal(pc_table_read_all(f, NULL, &pc_view_flag_contacts, &rv, &n), 0);
  assert_int_equal(n, 3);
  const pc_flag_row *r = rv;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(r[i].pid, w[i].pid);
    assert_int_equal(r[i].exposure, w[i].exposure);
    assert_int_equal(r[i].residence, w[i].residence);
    assert_int_equal(r[i].hop, w[i].hop);
    assert_memory_equal(r[i].subject, w[i].subject, sizeof r[i].subject);
    assert_string_equal(r[i].place, w[i].place_name);
    assert_string_equal(r[i].area, ""); /* not a column of /contacts: zero, not garbage */
  }
  free(rv);

  pc_err_clear();
  pc_table t;
  assert_int_equal(pc_table_open(f, "nohop", &pc_view_flag_contacts, &t), PC_ERR_DATA);
  char want[700];
  snprintf(want, sizeof want, "%s: table /nohop has no column `hop` (written by another version?)",
           path);
  assert_non_null(strstr(pc_err_message(), want));
  assert_true(t.dset < 0); /* nothing left open */
  pc_table_close(&t);      /* and closing it again is harmless */

  /* A column of another type: a table whose `pid` is a float. */
  typedef struct frow {
    double pid;
  } frow;
  static const pc_column fcols[] = {PC_COLUMN(frow, pid, "pid", PC_COL_F64)};
  static const pc_schema fs = {"floats", sizeof(frow), fcols, 1, NULL};
  frow fr[1] = {{1.5}};
  put(f, "floats", &fs, fr, 1);
  pc_err_clear();
  assert_int_equal(pc_table_open(f, "floats", &pc_view_pid, &t), PC_ERR_DATA);
  assert_non_null(strstr(pc_err_message(),
                         "table /floats column `pid` is an 8-byte float, this version reads an "
                         "8-byte unsigned integer"));
  pc_err_clear();
  /* Narrower columns convert without loss and are read: names of 32 bytes into 64-byte fields,
   * as tests/py/h5dataset.py writes /regions. */
  typedef struct region32 {
    uint64_t code, parent;
    double weight;
    uint8_t level, urban;
    char name[32];
  } region32;
  static const pc_column r32cols[] = {
      PC_COLUMN(region32, code, "code", PC_COL_U64), PC_COLUMN(region32, parent, "parent", PC_COL_U64),
      PC_COLUMN(region32, weight, "weight", PC_COL_F64), PC_COLUMN(region32, level, "level", PC_COL_U8),
      PC_COLUMN(region32, urban, "urban", PC_COL_U8), PC_COLUMN(region32, name, "name", PC_COL_STR)};
  static const pc_schema r32 = {"regions", sizeof(region32), r32cols, 6, NULL};
  region32 rw = {430102000000, 430100000000, 0.25, 3, 1, "芙蓉区"};
  put(f, "regions", &r32, &rw, 1);
  assert_int_equal(pc_table_read_all(f, NULL, &pc_schema_regions, &rv, &n), 0);
  assert_int_equal(n, 1);
  const pc_region *rr = rv;
  assert_int_equal(rr->code, rw.code);
  assert_int_equal(rr->level, 3);
  assert_string_equal(rr->name, "芙蓉区");
  free(rv);
  /* ... but not wider ones: a 64-byte name into a 32-byte field would be cut. */
  static const pc_column r32view[] = {PC_VIEW_COLUMN(region32, name, "name")};
  static const pc_schema v32 = {"regions", sizeof(region32), r32view, 1, &r32};
  pc_region big = {.code = 1, .name = "x"};
  put(f, "regions64", &pc_schema_regions, &big, 1);
  assert_int_equal(pc_table_open(f, "regions64", &v32, &t), PC_ERR_DATA);
  assert_non_null(strstr(pc_err_message(), "column `name` is a 64-byte UTF-8 string, this version "
                                           "reads a 32-byte UTF-8 string"));
  pc_err_clear();
  /* A dataset that is not a table. */
  hsize_t d[1] = {4};
  hid_t sp = H5Screate_simple(1, d, NULL);
  hid_t ds = H5Dcreate2(f, "numbers", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(ds);
  H5Sclose(sp);
  assert_int_equal(pc_table_open(f, "numbers", &pc_schema_persons, &t), PC_ERR_DATA);
  assert_non_null(strstr(pc_err_message(), "/numbers is not a table of rows"));
  pc_err_clear();
  H5Fclose(f);
  unlink(path);
}

/* An optional column a file lacks reads as zero, even over a dirty buffer. */
typedef struct opt_row {
  uint64_t a;
  uint32_t b;
  uint32_t pad;
} opt_row;
static const pc_column opt_table_cols[] = {PC_COLUMN(opt_row, a, "a", PC_COL_U64),
                                           PC_COLUMN(opt_row, b, "b", PC_COL_U32)};
static const pc_column opt_old_cols[] = {PC_COLUMN(opt_row, a, "a", PC_COL_U64)};
static const pc_schema opt_table = {"t", sizeof(opt_row), opt_table_cols, 2, NULL};
static const pc_schema opt_old = {"t", sizeof(opt_row), opt_old_cols, 1, NULL};
static const pc_column opt_view_cols[] = {
    PC_VIEW_COLUMN(opt_row, a, "a"),
    {.name = "b", .offset = offsetof(opt_row, b), .size = sizeof(uint32_t), .optional = 1}};
static const pc_schema opt_view = {"t", sizeof(opt_row), opt_view_cols, 2, &opt_table};

static void test_optional(void **st) {
  (void)st;
  char path[512];
  hid_t f = scratch(path, sizeof path);
  opt_row w[2] = {{7, 70, 0}, {8, 80, 0}};
  put(f, "t", &opt_old, w, 2); /* written without b (its bytes stored as padding) */
  pc_table t;
  assert_int_equal(pc_table_open(f, NULL, &opt_view, &t), 0);
  assert_int_equal(t.missing, 1);
  opt_row r[2];
  memset(r, 0xff, sizeof r);
  assert_int_equal(pc_table_read(&t, 0, 2, r), 0);
  assert_int_equal(r[0].a, 7);
  assert_int_equal(r[1].a, 8);
  assert_int_equal(r[0].b, 0);
  assert_int_equal(r[1].b, 0);
  pc_table_close(&t);
  H5Fclose(f);
  unlink(path);
}

int main(void) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* the failures below are expected */
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_types), cmocka_unit_test(test_bad_views),
                                     cmocka_unit_test(test_check), cmocka_unit_test(test_optional)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
