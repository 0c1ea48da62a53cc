/* pc_opaque.c - agencies' opaque identifiers (household, employer): checked, keyed into ids, collisions found. */
#include "pc_opaque.h"

#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_sort.h"

static int blank(char c) { return c == ' ' || c == '\t'; }

int pc_opaque_trim(const char *s, size_t len, const char **out, size_t *outlen) {
  while (len && blank(*s)) s++, len--;
  while (len && blank(s[len - 1])) len--;
  *out = s;
  *outlen = len;
  return len >= 1 && len <= PC_OPAQUE_MAX ? 0 : -1;
}

uint64_t pc_opaque_id(const pc_key128 *key, int kind, const char *s, size_t len, uint64_t mask) {
  char buf[PC_OPAQUE_MAX + 1];
  if (len > PC_OPAQUE_MAX) len = PC_OPAQUE_MAX; /* callers trimmed and checked: never */
  buf[0] = (char)kind;
  memcpy(buf + 1, s, len);
  uint64_t h = pc_siphash(key, buf, len + 1) & ((1ULL << 56) - 1) & mask;
  return h ? h : 1;
}

static void row_set(pc_opaque_row *r, uint64_t id, const char *s, size_t len) {
  memset(r, 0, sizeof *r);
  r->id = id;
  r->len = (uint32_t)len;
  memcpy(r->s, s, len);
}

static int grow(pc_opaque_set *set) {
  size_t cap = set->cap ? 2 * set->cap : 1024;
  pc_opaque_row *t = pc_calloc(cap, sizeof *t, "identifiers seen");
  if (!t) return PC_ERR_MEM;
  for (size_t i = 0; i < set->cap; i++) {
    if (!set->slot[i].id) continue;
    size_t h = pc_mix64(set->slot[i].id) & (cap - 1);
    while (t[h].id) h = (h + 1) & (cap - 1);
    t[h] = set->slot[i];
  }
  free(set->slot);
  set->slot = t;
  set->cap = cap;
  return 0;
}

int pc_opaque_set_add(pc_opaque_set *set, uint64_t id, const char *s, size_t len,
                      const pc_opaque_row **other) {
  if (2 * (set->n + 1) > set->cap) PC_CALL(grow(set));
  size_t h = pc_mix64(id) & (set->cap - 1);
  while (set->slot[h].id && set->slot[h].id != id) h = (h + 1) & (set->cap - 1);
  pc_opaque_row *r = &set->slot[h];
  if (r->id) {
    if (r->len == len && !memcmp(r->s, s, len)) return 0;
    *other = r;
    return 1;
  }
  row_set(r, id, s, len);
  set->n++;
  return 0;
}

pc_opaque_row *pc_opaque_set_rows(pc_opaque_set *set) {
  size_t k = 0;
  for (size_t i = 0; i < set->cap; i++)
    if (set->slot[i].id) set->slot[k++] = set->slot[i];
  return set->slot;
}

void pc_opaque_set_free(pc_opaque_set *set) {
  free(set->slot);
  memset(set, 0, sizeof *set);
}

static int row_cmp(const void *pa, const void *pb) {
  const pc_opaque_row *a = pa, *b = pb;
  if (a->id != b->id) return a->id < b->id ? -1 : 1;
  return memcmp(a->s, b->s, sizeof a->s); /* zero-padded, so a prefix sorts first */
}

int pc_opaque_collision(pc_opaque_row *rows, size_t n, size_t *at) {
  /* The distribution sort, not glibc's qsort (a merge sort through pointers:
   * 13 % of the city's persons phase). */
  *at = n;
  if (n > 1) PC_CALL(pc_sort_rows_inplace(rows, n, sizeof *rows, 0, UINT64_MAX, row_cmp));
  for (size_t i = 0; i + 1 < n; i++)
    if (rows[i].id == rows[i + 1].id &&
        (rows[i].len != rows[i + 1].len || memcmp(rows[i].s, rows[i + 1].s, rows[i].len))) {
      *at = i;
      break;
    }
  return 0;
}
