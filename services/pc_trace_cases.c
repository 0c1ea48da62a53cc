/* pc_trace_cases.c - trace's cases: cases.csv read on rank 0, subjects matched to persons, hop 0 flagged. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pc_doc.h"
#include "pc_enc.h"
#include "pc_idnum.h"
#include "pc_sort.h"
#include "pc_subject.h"
#include "pc_time.h"
#include "pc_trace_cases.h"

/* One row of cases.csv as read on rank 0: up to two identifiers of the
 * case (the subject; the optional phone), its window and status; reason is
 * why it cannot be traced (0: it can, so far). */
typedef struct case_row {
  uint64_t pid[2];   /* of the subject, of the phone column (0: none) */
  uint64_t phone[2]; /* the identifier as a phone, resolved to its registered owner (0: not one) */
  int64_t w0, w1;
  int64_t onset;
  int32_t line;
  uint8_t status;    /* PC_CASE_* */
  uint8_t type;      /* the subject's PC_DOC_* */
  uint8_t reason;    /* R_* */
  uint8_t pad;
} case_row;

/* Why a case row is not traced (its /unmatched reason). */
enum { R_OK, R_TYPE, R_SUBJECT, R_TIME, R_STATUS, R_ONSET, R_ISOLATED, R_EMPTY, R_BEFORE, R_NOT_FOUND };
static const char *const reasons[] = {
    "",
    "subject_type: not id_card, passport, hk_macao, taiwan, foreign_pr, other or phone",
    "subject: not a valid number of its type (or, without subject_type, neither an ID number "
    "nor a phone)",
    "onset, isolated, last_negative, reported: not YYYY-MM-DDTHH:MM[:SS] (onset required)",
    "status: not confirmed, asymptomatic or suspected",
    "onset after as_of",
    "isolated after as_of",
    "empty window: isolated is not after the window's start (onset - lookback, or last_negative)",
    "the window ends before the data window starts: nothing to trace",
    "not in the dataset (neither in /identities nor in /stays)"};

const char *const pc_case_status_names[PC_NCASE_STATUS] = {"confirmed", "asymptomatic",
                                                          "suspected"};

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

static int status_of(const char *s) {
  if (!*s) return PC_CASE_CONFIRMED;
  for (int k = 0; k < PC_NCASE_STATUS; k++)
    if (!strcasecmp(s, pc_case_status_names[k])) return k;
  return -1;
}

/* The window of rule 1 from the row's times v[1..3] (v[7]: reported, only
 * checked), or the reason it has none worth tracing. */
static int window_of(const char *const v[8], int64_t as_of, int64_t lookback, int64_t ws,
                     int to_onset, case_row *c) {
  int64_t onset, iso = as_of, neg = INT64_MIN, rep;
  if (pc_time_parse(v[1], strlen(v[1]), &onset) != 0 ||
      (*v[2] && pc_time_parse(v[2], strlen(v[2]), &iso) != 0) ||
      (*v[3] && pc_time_parse(v[3], strlen(v[3]), &neg) != 0) ||
      (*v[7] && pc_time_parse(v[7], strlen(v[7]), &rep) != 0))
    return R_TIME;
  c->onset = onset;
  if (onset > as_of) return R_ONSET;
  if (iso > as_of) return R_ISOLATED;
  c->w0 = onset - lookback;
  if (*v[3] && neg > c->w0 && !to_onset) c->w0 = neg;
  c->w1 = to_onset ? onset : iso;
  if (c->w1 <= c->w0) return R_EMPTY;
  if (c->w1 <= ws) return R_BEFORE;
  return R_OK;
}

/* One data row (v: the columns of `names`, "" when absent) into c. Without
 * subject_type an 18-character subject is an ID number, anything else a
 * phone (SPEC). A phone column that is not a phone is dropped (*bad_phone):
 * the case is still traced by its subject. */
static void case_of(const char *const v[8], const pc_key128 *key, int64_t as_of, int64_t lookback,
                    int64_t ws, int to_onset, case_row *c, int *bad_phone) {
  const int type = pc_subject_type(v[4], v[0]);
  const int st = status_of(v[6]);
  *bad_phone = 0;
  if (type < 0) {
    c->reason = R_TYPE;
    return;
  }
  c->type = (uint8_t)type;
  if (!pc_subject_pid(key, type, v[0], &c->pid[0], &c->phone[0], NULL)) c->reason = R_SUBJECT;
  else if (st < 0) c->reason = R_STATUS;
  else c->reason = (uint8_t)window_of(v, as_of, lookback, ws, to_onset, c);
  c->status = (uint8_t)(st < 0 ? 0 : st);
  if (*v[5] && !pc_subject_pid(key, PC_DOC_PHONE, v[5], &c->pid[1], &c->phone[1], NULL)) {
    c->pid[1] = c->phone[1] = 0;
    *bad_phone = 1;
  }
}

/* Rank 0: parse cases.csv (rule 1); every row goes to out, with the reason
 * it cannot be traced when it cannot. Pids of documents are computed here;
 * phones are resolved against /identities by every rank afterwards. */
static int read_cases(pc_ctx *ctx, const char *path, int enc, const pc_key128 *key, int64_t as_of,
                      int64_t lookback, int64_t ws, int to_onset, pc_buf *out) {
  char *text;
  size_t tlen;
  PC_CALL(pc_subject_file_text(path, enc, &text, &tlen));
  FILE *f = tlen ? fmemopen(text, tlen, "r") : NULL;
  if (!f) {
    free(text);
    return tlen ? PC_ERROR(PC_ERR_MEM, "%s: cannot read it from memory: %s", path, strerror(errno))
                : PC_ERROR(PC_ERR_DATA, "%s: empty (no header)", path);
  }
  char line[4096];
  int ln = 0, rc = 0, col[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
  static const char *const names[8] = {"subject", "onset",  "isolated", "last_negative",
                                       "subject_type", "phone", "status", "reported"};
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
        for (int k = 0; k < 8; k++)
          if (!strcasecmp(trim(fld[i]), names[k])) col[k] = i;
      if (col[0] < 0 || col[1] < 0)
        rc = PC_ERROR(PC_ERR_DATA, "%s:%d: the header must name subject,onset[,isolated,"
                      "last_negative,subject_type,phone,status,reported]", path, ln);
      continue;
    }
    const char *v[8];
    for (int k = 0; k < 8; k++) v[k] = col[k] >= 0 && col[k] < nf ? trim(fld[col[k]]) : "";
    case_row c;
    memset(&c, 0, sizeof c);
    c.line = ln;
    int bad_phone;
    case_of(v, key, as_of, lookback, ws, to_onset, &c, &bad_phone);
    if (bad_phone && ctx)
      pc_log(ctx, "trace: %s:%d: the phone column is not a phone: the case is traced by its "
             "subject only", path, ln);
    if ((rc = pc_buf_grow(out, 1))) break;
    ((case_row *)out->data)[out->n++] = c;
  }
  if (!rc && ferror(f)) rc = PC_ERROR(PC_ERR_IO, "%s: read error", path);
  if (!rc && col[0] < 0) rc = PC_ERROR(PC_ERR_DATA, "%s: empty (no header)", path);
  fclose(f);
  free(text);
  return rc;
}

int pc_trace_cases_check(const pc_config *cfg, int64_t as_of, int64_t ws, pc_config_problems *p,
                         uint64_t *rows) {
  return pc_cases_check(cfg, as_of, ws, 0, p, rows);
}

int pc_cases_check(const pc_config *cfg, int64_t as_of, int64_t ws, int to_onset,
                   pc_config_problems *p, uint64_t *rows) {
  const char *path = pc_config_str(cfg, "cases");
  const pc_key128 key = {0, 0}; /* pids do not matter here: only whether a row is valid */
  *rows = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return 0; /* listed by the path checks */
  fclose(f);
  pc_buf b;
  pc_buf_init(&b, sizeof(case_row));
  int rc = read_cases(NULL, path, pc_enc_of(pc_config_str(cfg, "encoding")), &key, as_of,
                      pc_config_duration(cfg, "lookback"), ws, to_onset, &b);
  if (rc == PC_ERR_MEM) return rc;
  if (rc) pc_config_problem(p, cfg, "cases", "%s", pc_err_message());
  const case_row *c = b.data;
  for (size_t i = 0; i < b.n; i++)
    if (c[i].reason) pc_config_problem_in(p, path, c[i].line, "%s", reasons[c[i].reason]);
  *rows = b.n;
  pc_buf_free(&b);
  return 0;
}

static int case_pid_cmp(const void *a, const void *b) {
  const pc_trace_case *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Every rank: each phone identifier becomes its registered owner's pid, and
 * known[2i + j] says whether identifier j of row i is in /identities or
 * /stays (maxed over ranks). Collective, agreed. */
static int resolve(pc_tracer *t, case_row *c, size_t n, uint64_t *known) {
  pc_ctx *ctx = t->ctx;
  uint64_t *owner = pc_calloc(2 * n + 1, sizeof *owner, "cases");
  uint64_t *phones = pc_calloc(2 * n + 1, sizeof *phones, "cases");
  PC_CALL(pc_agree(ctx, owner && phones ? 0 : PC_ERR_MEM));
  for (size_t i = 0; i < 2 * n; i++) phones[i] = c[i / 2].phone[i % 2];
  int rc = pc_subject_phone_owners(ctx, t->ids, t->nids, phones, 2 * n, owner);
  free(phones);
  for (size_t i = 0; i < 2 * n && !rc; i++)
    if (owner[i]) c[i / 2].pid[i % 2] = owner[i];
  free(owner);
  for (size_t i = 0; i < 2 * n && !rc; i++) {
    const uint64_t pid = c[i / 2].pid[i % 2];
    if (!pid || c[i / 2].reason || PC_OWNER(pid, pc_nranks(ctx)) != pc_rank(ctx)) continue;
    const pc_stay *s;
    size_t ns = 0;
    if (pc_trace_identity(t, pid) || (!(rc = pc_trace_stays_of(t, pid, &s, &ns)) && ns > 0))
      known[i] = 1;
  }
  PC_CALL(pc_agree(ctx, rc));
  return pc_max_u64(ctx, known, (int)(2 * n));
}

/* The rows not traced as /unmatched rows (rank 0 writes them); with
 * `unmatched: fail`, the first is an error. Local. */
static int unmatched(pc_tracer *t, const case_row *c, size_t n) {
  pc_buf_init(&t->unmatched, sizeof(pc_unmatched_row));
  for (size_t i = 0; i < n; i++) {
    if (!c[i].reason) continue;
    PC_CALL(pc_buf_grow(&t->unmatched, 1));
    pc_unmatched_row *u = (pc_unmatched_row *)t->unmatched.data + t->unmatched.n++;
    memset(u, 0, sizeof *u);
    u->line = (uint64_t)c[i].line;
    if (c[i].reason != R_TYPE) pc_doc_type_name(c[i].type, u->subject_type);
    snprintf(u->reason, sizeof u->reason, "%s", reasons[c[i].reason]);
  }
  const pc_unmatched_row *u = t->unmatched.data;
  if (t->unmatched.n && !strcmp(pc_config_str(t->cfg, "unmatched"), "fail"))
    return PC_ERROR(PC_ERR_DATA, "%s:%llu: %s (and %zu more unmatched; `unmatched: fail`)",
                    pc_config_str(t->cfg, "cases"), (unsigned long long)u->line, u->reason,
                    t->unmatched.n - 1);
  return 0;
}

/* The pids the traceable rows name (every known identifier), one case per
 * person: the hull of its rows' windows, the most certain status, the
 * earliest onset and line. */
static int merge_cases(const case_row *c, size_t n, const uint64_t *known, pc_buf *out) {
  for (size_t i = 0; i < 2 * n; i++) {
    if (!known[i] || c[i / 2].reason) continue;
    PC_CALL(pc_buf_grow(out, 1));
    ((pc_trace_case *)out->data)[out->n++] = (pc_trace_case){
        c[i / 2].pid[i % 2], c[i / 2].w0, c[i / 2].w1, c[i / 2].onset, c[i / 2].line,
        c[i / 2].status, {0}};
  }
  pc_trace_case *p = out->data;
  pc_qsort(p, out->n, sizeof *p, case_pid_cmp);
  size_t k = 0;
  for (size_t i = 0; i < out->n; i++) {
    if (k && p[k - 1].pid == p[i].pid) {
      if (p[i].w0 < p[k - 1].w0) p[k - 1].w0 = p[i].w0;
      if (p[i].w1 > p[k - 1].w1) p[k - 1].w1 = p[i].w1;
      if (p[i].status < p[k - 1].status) p[k - 1].status = p[i].status;
      if (p[i].onset < p[k - 1].onset) p[k - 1].onset = p[i].onset;
      if (p[i].line < p[k - 1].line) p[k - 1].line = p[i].line;
      continue;
    }
    p[k++] = p[i];
  }
  out->n = k;
  return 0;
}

int pc_trace_cases_read(pc_tracer *t, const pc_key128 *key, int64_t lookback,
                        pc_trace_case **out, size_t *nout) {
  pc_ctx *ctx = t->ctx;
  pc_buf rows, cases;
  pc_buf_init(&rows, sizeof(case_row));
  pc_buf_init(&cases, sizeof(pc_trace_case));
  *out = NULL;
  *nout = 0;
  int rc = 0;
  if (pc_rank(ctx) == 0)
    rc = read_cases(ctx, pc_config_str(t->cfg, "cases"),
                    pc_enc_of(pc_config_str(t->cfg, "encoding")), key, t->as_of, lookback,
                    t->window_start, t->window_to_onset, &rows);
  PC_CALL(pc_agree(ctx, rc));
  char *bytes = pc_rank(ctx) == 0 ? (char *)rows.data : NULL;
  size_t len = pc_rank(ctx) == 0 ? rows.n * sizeof(case_row) : 0;
  if (pc_rank(ctx) == 0 && !bytes) bytes = calloc(1, 1);
  PC_CALL(pc_bcast_bytes(ctx, &bytes, &len));
  const size_t n = len / sizeof(case_row);
  case_row *c = (case_row *)bytes;
  uint64_t *known = pc_calloc(2 * n + 1, sizeof *known, "cases");
  rc = pc_agree(ctx, known ? 0 : PC_ERR_MEM);
  if (!rc) rc = resolve(t, c, n, known);
  for (size_t i = 0; i < n && !rc; i++)
    if (!c[i].reason && !known[2 * i] && !known[2 * i + 1]) c[i].reason = R_NOT_FOUND;
  if (!rc) rc = pc_agree(ctx, unmatched(t, c, n));
  if (!rc) rc = pc_agree(ctx, merge_cases(c, n, known, &cases));
  free(known);
  free(bytes == rows.data ? NULL : bytes);
  pc_buf_free(&rows);
  if (rc) pc_buf_free(&cases);
  else {
    *out = cases.data;
    *nout = cases.n;
  }
  return rc;
}

int pc_trace_cases_load(pc_tracer *t, const pc_key128 *key, int64_t lookback, uint64_t *ncases) {
  pc_ctx *ctx = t->ctx;
  pc_trace_case *p;
  size_t n;
  PC_CALL(pc_trace_cases_read(t, key, lookback, &p, &n));
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (PC_OWNER(p[i].pid, pc_nranks(ctx)) != pc_rank(ctx)) continue;
    pc_trace_flag f;
    memset(&f, 0, sizeof f);
    f.pid = p[i].pid;
    f.exposure = p[i].w0;
    f.wend = p[i].w1;
    f.channel = PC_TRACE_CASE;
    f.root = p[i].status;
    rc = pc_trace_flag_add(t, &f);
  }
  *ncases = n;
  free(p);
  return pc_agree(ctx, rc);
}
