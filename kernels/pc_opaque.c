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

int pc_opaque_set_add(pc_opaque_set *set, uint64_t id, const char *s, size_t len,
                      const pc_opaque_row **other) {
  if (set->n == set->rcap) {
    size_t rcap = set->rcap ? 2 * set->rcap : 512;
    pc_opaque_row *r = pc_realloc(set->rows, rcap * sizeof *r, "identifiers seen");
    if (!r) return PC_ERR_MEM;
    set->rows = r;
    set->rcap = rcap;
  }
  PC_CALL(pc_keyslots_fit(&set->slot, &set->cap, set->n + 1, 1024, set->rows, set->n,
                          sizeof *set->rows));
  const size_t mask = set->cap - 1;
  size_t h = pc_mix64(id) & mask;
  for (; set->slot[h]; h = (h + 1) & mask) {
    const pc_opaque_row *r = &set->rows[set->slot[h] - 1];
    if (r->id != id) continue;
    if (r->len == len && !memcmp(r->s, s, len)) return 0;
    *other = r;
    return 1;
  }
  if (set->n >= UINT32_MAX) return PC_ERROR(PC_ERR_MEM, "more than 2^32 identifiers on a rank");
  row_set(&set->rows[set->n], id, s, len);
  set->slot[h] = (uint32_t)++set->n;
  return 0;
}

int pc_opaque_set_reserve(pc_opaque_set *set, size_t n) {
  if (n > set->rcap) {
    pc_opaque_row *r = pc_realloc(set->rows, n * sizeof *r, "identifiers seen");
    if (!r) return PC_ERR_MEM;
    set->rows = r;
    set->rcap = n;
  }
  return pc_keyslots_fit(&set->slot, &set->cap, n, 1024, set->rows, set->n, sizeof *set->rows);
}

pc_opaque_row *pc_opaque_set_rows(pc_opaque_set *set) { return set->rows; }

void pc_opaque_set_free(pc_opaque_set *set) {
  free(set->rows);
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
