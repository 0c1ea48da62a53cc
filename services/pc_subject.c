/* pc_subject.c - a person named in a CSV: subject to pid, phones to owners, the file's text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_enc.h"
#include "pc_idnum.h"
#include "pc_sort.h"
#include "pc_subject.h"

int pc_subject_type(const char *type, const char *subject) {
  if (*type) return pc_doc_of(type, strlen(type));
  return strlen(subject) == 18 ? PC_DOC_ID_CARD : PC_DOC_PHONE;
}

int pc_subject_pid(const pc_key128 *key, int type, const char *s, uint64_t *pid, uint64_t *phone,
                   char norm[PC_DOC_MAX + 1]) {
  char number[PC_DOC_MAX + 1];
  size_t n;
  *phone = 0;
  if (norm) norm[0] = 0;
  if (type == PC_DOC_PHONE) {
    if (!pc_phone_normalise(s, strlen(s), phone)) return 0;
    *pid = pc_pid_of_phone(key, *phone);
    if (norm) snprintf(norm, PC_DOC_MAX + 1, "%011llu", (unsigned long long)*phone);
    return 1;
  }
  if (pc_doc_normalise(type, s, strlen(s), number, &n, 0)) return 0;
  *pid = pc_pid_of_doc(key, type, number, n);
  if (norm) memcpy(norm, number, n + 1);
  return 1;
}

static int kv_key_cmp(const void *a, const void *b) {
  const pc_kv *x = a, *y = b;
  return x->key < y->key ? -1 : x->key > y->key;
}

int pc_subject_phone_match(const pc_identity *ids, size_t nids, const uint64_t *phones, size_t n,
                           uint64_t *owner) {
  pc_kv *ph = pc_malloc((n + 1) * sizeof *ph, "phones"); /* (phone, index) sorted */
  if (!ph) return PC_ERR_MEM;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (phones[i]) ph[m++] = (pc_kv){phones[i], i};
  pc_qsort(ph, m, sizeof *ph, kv_key_cmp);
  /* One pass over the identities (not one per phone): each phone they hold
   * is looked up among the phones asked. */
  for (size_t k = 0; k < nids && m; k++) {
    uint64_t v;
    if (!ids[k].phone[0] || !pc_phone_valid(ids[k].phone, 11, &v)) continue;
    size_t a = 0, b = m;
    while (a < b) {
      size_t mid = (a + b) / 2;
      if (ph[mid].key < v) a = mid + 1;
      else b = mid;
    }
    for (; a < m && ph[a].key == v; a++)
      if (ids[k].pid > owner[ph[a].val]) owner[ph[a].val] = ids[k].pid;
  }
  free(ph);
  return 0;
}

int pc_subject_phone_owners(pc_ctx *ctx, const pc_identity *ids, size_t nids,
                            const uint64_t *phones, size_t n, uint64_t *owner) {
  memset(owner, 0, n * sizeof *owner);
  PC_CALL(pc_agree(ctx, pc_subject_phone_match(ids, nids, phones, n, owner)));
  return pc_max_u64(ctx, owner, (int)n);
}

int pc_subject_file_text(const char *path, int enc, char **text, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return PC_ERROR(PC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  char *raw = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  while (!rc && !feof(f) && !ferror(f)) {
    if (n == cap) {
      char *more = pc_realloc(raw, cap ? 2 * cap : 1 << 16, path);
      if (!more) {
        rc = PC_ERR_MEM;
        break;
      }
      raw = more;
      cap = cap ? 2 * cap : 1 << 16;
    }
    n += fread(raw + n, 1, cap - n, f);
  }
  if (!rc && ferror(f)) rc = PC_ERROR(PC_ERR_IO, "%s: read error", path);
  fclose(f);
  uint64_t bad[2];
  int used;
  if (!rc) rc = pc_enc_text(enc, raw ? raw : "", n, text, len, &used, bad);
  free(raw);
  if (rc || *text) return rc;
  char why[160];
  pc_enc_why(why, sizeof why, bad);
  return PC_ERROR(PC_ERR_DATA, "%s: %s; fix the file, or set encoding to utf-8 or gb18030", path,
                  why);
}
