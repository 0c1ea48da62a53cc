/* pc_trace_cases.c - trace's cases: cases.csv read on rank 0, subjects matched to persons, hop 0 flagged. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_enc.h"
#include "pc_idnum.h"
#include "pc_sort.h"
#include "pc_time.h"
#include "pc_trace_cases.h"

typedef struct case_row {
  uint64_t pid;
  int64_t w0, w1;
  uint64_t phone;   /* 11-digit phone subject, 0 for an ID number */
  int32_t line;
  int32_t pad;
} case_row;

/* Split a CSV line in place into at most max fields (plain fields, or
 * double-quoted with "" escapes). Returns the number of fields. */
static int csv_split(char *s, char **f, int max) {
  int n = 0;
  char *p = s;
  for (;;) {
    if (n == max) return max + 1;
    if (*p == '"') {
      char *w = ++p;
      f[n++] = w;
      while (*p && !(*p == '"' && p[1] != '"')) {
        if (*p == '"') p++;
        *w++ = *p++;
      }
      if (*p == '"') p++;
      *w = 0;
      if (*p == ',') {
        *p++ = 0;
        continue;
      }
      return n;
    }
    f[n++] = p;
    while (*p && *p != ',') p++;
    if (!*p) return n;
    *p++ = 0;
  }
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
  return s;
}

/* The whole of cases.csv (a few lines) as UTF-8 text under enc (pc_enc_text). */
static int cases_text(const char *path, int enc, char **text, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return PC_ERROR(PC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  char *raw = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  while (!rc && !feof(f) && !ferror(f)) {
    if (n == cap) {
      char *more = pc_realloc(raw, cap ? 2 * cap : 1 << 16, "cases.csv");
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

/* Rank 0: parse cases.csv (rule 1). Pids of ID numbers are computed here;
 * phones are resolved against /identities by every rank afterwards. */
static int read_cases(const char *path, int enc, const pc_key128 *key, int64_t as_of,
                      int64_t lookback, pc_buf *out) {
  char *text;
  size_t tlen;
  PC_CALL(cases_text(path, enc, &text, &tlen));
  FILE *f = tlen ? fmemopen(text, tlen, "r") : NULL;
  if (!f) {
    free(text);
    return tlen ? PC_ERROR(PC_ERR_MEM, "%s: cannot read it from memory: %s", path, strerror(errno))
                : PC_ERROR(PC_ERR_DATA, "%s: empty (no header)", path);
  }
  char line[4096];
  int ln = 0, rc = 0, col[4] = {-1, -1, -1, -1};
  static const char *const names[4] = {"subject", "onset", "isolated", "last_negative"};
  while (!rc && fgets(line, sizeof line, f)) {
    ln++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n') {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: line too long", path, ln);
      break;
    }
    char *s = line;
    if (ln == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
      s += 3;
    s = trim(s);
    if (!*s) continue;
    char *fld[16];
    int nf = csv_split(s, fld, 16);
    if (nf > 16) {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: too many fields", path, ln);
      break;
    }
    if (col[0] < 0) { /* the header */
      for (int i = 0; i < nf; i++)
        for (int k = 0; k < 4; k++)
          if (!strcmp(trim(fld[i]), names[k])) col[k] = i;
      if (col[0] < 0 || col[1] < 0)
        rc = PC_ERROR(PC_ERR_DATA, "%s:%d: the header must name subject,onset[,isolated,last_negative]",
                      path, ln);
      continue;
    }
    const char *v[4] = {"", "", "", ""};
    for (int k = 0; k < 4; k++)
      if (col[k] >= 0 && col[k] < nf) v[k] = trim(fld[col[k]]);
    case_row c;
    memset(&c, 0, sizeof c);
    c.line = ln;
    size_t sl = strlen(v[0]);
    if (sl == 18) {
      if (pc_idnum_check_char(v[0]) != v[0][17]) {
        rc = PC_ERROR(PC_ERR_DATA, "%s:%d: subject is not a valid ID number (GB 11643 check)", path, ln);
        break;
      }
      c.pid = pc_pid_of_idnum(key, v[0]);
    } else if (pc_phone_valid(v[0], sl, &c.phone)) {
      c.pid = pc_pid_of_phone(key, c.phone);
    } else {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: subject is neither an ID number nor an 11-digit phone", path, ln);
      break;
    }
    int64_t onset, iso = as_of, neg = INT64_MIN;
    if (pc_time_parse(v[1], strlen(v[1]), &onset) != 0 ||
        (*v[2] && pc_time_parse(v[2], strlen(v[2]), &iso) != 0) ||
        (*v[3] && pc_time_parse(v[3], strlen(v[3]), &neg) != 0)) {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: times must be YYYY-MM-DDTHH:MM[:SS] (onset required)", path, ln);
      break;
    }
    c.w0 = onset - lookback;
    if (*v[3] && neg > c.w0) c.w0 = neg;
    c.w1 = iso;
    if ((rc = pc_buf_grow(out, 1))) break;
    ((case_row *)out->data)[out->n++] = c;
  }
  if (!rc && ferror(f)) rc = PC_ERROR(PC_ERR_IO, "%s: read error", path);
  if (!rc && col[0] < 0) rc = PC_ERROR(PC_ERR_DATA, "%s: empty (no header)", path);
  fclose(f);
  free(text);
  return rc;
}

static int case_pid_cmp(const void *a, const void *b) {
  const case_row *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Every rank: resolve phones to their registered owners, check each case
 * exists, refuse duplicates; add the owned cases as hop 0. Collective. */
int pc_trace_cases_load(pc_tracer *t, const pc_key128 *key, int64_t lookback, uint64_t *ncases) {
  pc_ctx *ctx = t->ctx;
  pc_buf cases;
  pc_buf_init(&cases, sizeof(case_row));
  int rc = 0;
  if (pc_rank(ctx) == 0)
    rc = read_cases(pc_config_str(t->cfg, "cases"), pc_enc_of(pc_config_str(t->cfg, "encoding")),
                    key, t->as_of, lookback, &cases);
  PC_CALL(pc_agree(ctx, rc));
  char *bytes = pc_rank(ctx) == 0 ? (char *)cases.data : NULL;
  size_t len = pc_rank(ctx) == 0 ? cases.n * sizeof(case_row) : 0;
  if (pc_rank(ctx) == 0 && !bytes) bytes = calloc(1, 1);
  PC_CALL(pc_bcast_bytes(ctx, &bytes, &len));
  size_t n = len / sizeof(case_row);
  case_row *c = (case_row *)bytes;
  if (pc_rank(ctx) != 0) cases.data = bytes;
  /* found[i]: the registered owner of a phone subject (pid), or 1 when the
   * case's pid is known here (identities or stays); maxed over ranks. */
  uint64_t *owner = pc_calloc(2 * n + 1, sizeof *owner, "cases"), *known = owner + n;
  PC_CALL(pc_agree(ctx, owner ? 0 : PC_ERR_MEM));
  char ph[12];
  for (size_t i = 0; i < n; i++) {
    if (!c[i].phone) continue;
    pc_phone_format(c[i].phone, ph);
    for (size_t k = 0; k < t->nids; k++)
      if (!memcmp(t->ids[k].phone, ph, 11)) owner[i] = t->ids[k].pid;
  }
  PC_CALL(pc_max_u64(ctx, owner, (int)n));
  for (size_t i = 0; i < n; i++)
    if (owner[i]) c[i].pid = owner[i];
  for (size_t i = 0; i < n && !rc; i++) {
    if (PC_OWNER(c[i].pid, pc_nranks(ctx)) != pc_rank(ctx)) continue;
    const pc_stay *s;
    size_t m = 0;
    if (pc_trace_identity(t, c[i].pid) || (!(rc = pc_trace_stays_of(t, c[i].pid, &s, &m)) && m > 0)) known[i] = 1;
  }
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_max_u64(ctx, known, (int)n));
  const char *path = pc_config_str(t->cfg, "cases");
  for (size_t i = 0; i < n && !rc; i++)
    if (!known[i])
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: this subject is in neither /identities nor /stays of %s",
                    path, c[i].line, t->data_path);
  free(owner);
  if (!rc) {
    pc_qsort(c, n, sizeof *c, case_pid_cmp);
    for (size_t i = 1; i < n && !rc; i++)
      if (c[i].pid == c[i - 1].pid)
        rc = PC_ERROR(PC_ERR_DATA, "%s:%d: the same person as line %d", path,
                      c[i].line > c[i - 1].line ? c[i].line : c[i - 1].line,
                      c[i].line > c[i - 1].line ? c[i - 1].line : c[i].line);
  }
  for (size_t i = 0; i < n && !rc; i++) {
    if (PC_OWNER(c[i].pid, pc_nranks(ctx)) != pc_rank(ctx)) continue;
    pc_trace_flag f;
    memset(&f, 0, sizeof f);
    f.pid = c[i].pid;
    f.exposure = c[i].w0;
    f.wend = c[i].w1;
    f.channel = PC_TRACE_CASE;
    rc = pc_trace_flag_add(t, &f);
  }
  *ncases = n;
  pc_buf_free(&cases);
  return pc_agree(ctx, rc);
}
