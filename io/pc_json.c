/* pc_json.c - JSON text in paicha's compact form over json-c's escaping. */
#include "pc_json.h"
#include "pc_strbuf.h"

#include <stdlib.h>
#include <string.h>

#include "pc_err.h"

typedef pc_strbuf jbuf;

static void puts_(jbuf *b, const char *s) { pc_strbuf_puts(b, s); }

/* A scalar (or a key, as a string) in json-c's escaping. */
static void scalar(jbuf *b, json_object *v) {
  puts_(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void emit(jbuf *b, json_object *v) {
  if (json_object_is_type(v, json_type_object)) {
    int first = 1;
    puts_(b, "{");
    json_object_object_foreach(v, key, val) {
      if (!first) puts_(b, ", ");
      first = 0;
      json_object *k = json_object_new_string(key);
      if (!k) {
        b->oom = 1;
        return;
      }
      scalar(b, k);
      json_object_put(k);
      puts_(b, ": ");
      emit(b, val);
    }
    puts_(b, "}");
  } else if (json_object_is_type(v, json_type_array)) {
    puts_(b, "[");
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      if (i) puts_(b, ", ");
      emit(b, json_object_array_get_idx(v, i));
    }
    puts_(b, "]");
  } else {
    scalar(b, v);
  }
}

char *pc_json_text(json_object *o) {
  jbuf b = {0};
  emit(&b, o);
  char *text = pc_strbuf_take(&b);
  if (!text) PC_ERROR(PC_ERR_MEM, "out of memory writing JSON");
  return text;
}

int pc_json_add(json_object *o, const char *key, json_object *v) {
  if (json_object_object_add(o, key, v) != 0) {
    json_object_put(v);
    return PC_ERROR(PC_ERR_MEM, "out of memory building JSON (%s)", key);
  }
  return 0;
}
int pc_json_add_u64(json_object *o, const char *key, uint64_t v) {
  json_object *j = json_object_new_uint64(v);
  return j ? pc_json_add(o, key, j) : PC_ERROR(PC_ERR_MEM, "out of memory building JSON");
}
int pc_json_add_i64(json_object *o, const char *key, int64_t v) {
  json_object *j = json_object_new_int64(v);
  return j ? pc_json_add(o, key, j) : PC_ERROR(PC_ERR_MEM, "out of memory building JSON");
}
int pc_json_add_str(json_object *o, const char *key, const char *v) {
  json_object *j = json_object_new_string(v);
  return j ? pc_json_add(o, key, j) : PC_ERROR(PC_ERR_MEM, "out of memory building JSON");
}

int pc_json_get_i64(json_object *o, const char *path, int64_t *v) {
  json_object *m = NULL;
  if (!o) return -1;
  if (!json_object_object_get_ex(o, path, &m)) {
    const char *dot = strchr(path, '.');
    if (!dot) return -1;
    char head[256];
    size_t n = (size_t)(dot - path);
    if (n >= sizeof head) return -1;
    memcpy(head, path, n);
    head[n] = 0;
    json_object *sub = NULL;
    if (!json_object_object_get_ex(o, head, &sub)) return -1;
    return pc_json_get_i64(sub, dot + 1, v);
  }
  if (!json_object_is_type(m, json_type_int)) return -1;
  *v = json_object_get_int64(m);
  return 0;
}
