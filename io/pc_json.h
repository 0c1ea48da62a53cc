/* pc_json.h - JSON through json-c: the one text form of counts, inputs and run records. */
#ifndef PC_JSON_H
#define PC_JSON_H

#include <json-c/json.h>
#include <stdint.h>

/* Local. The compact text every output has carried since its first version:
 * `{"a": 1, "b": [1, 2]}` (", " and ": " between items, nothing inside the
 * brackets), strings escaped by json-c ('/' left as it is). json-c's own
 * flags give either no spaces or `{ "a": 1 }`, and the text is compared by
 * readers and the golden digest, so the separators are ours. Returns a
 * malloc'd string, or NULL with PC_ERR_MEM recorded. */
char *pc_json_text(json_object *o);

/* Local. Add a member (the object takes the reference of v; v == NULL is
 * JSON null). Return 0, or PC_ERR_MEM recorded when json-c could not
 * allocate (then v is released). */
int pc_json_add(json_object *o, const char *key, json_object *v);
int pc_json_add_u64(json_object *o, const char *key, uint64_t v);
int pc_json_add_i64(json_object *o, const char *key, int64_t v);
int pc_json_add_str(json_object *o, const char *key, const char *v);

/* Local. The integer member at a dotted path ("areas.Wuhan market" takes
 * member "areas", then its member "Wuhan market"; a key holding a dot is
 * found whole first); 0 when present and an integer, -1 otherwise. */
int pc_json_get_i64(json_object *o, const char *path, int64_t *v);

#endif
