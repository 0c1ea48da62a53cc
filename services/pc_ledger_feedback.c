/* pc_ledger_feedback.c - the localities' feedback CSVs: read and checked by every rank (a share each), applied to the ledger at the owners of their pids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pc_csv.h"
#include "pc_enc.h"
#include "pc_flaggedfile.h"
#include "pc_ledger_feedback.h"
#include "pc_sort.h"
#include "pc_subject.h"
#include "pc_time.h"

const char *const pc_fbr_codes[PC_NFBR] = {
    "", "quote", "fields", "subject_type", "subject", "event", "time", "after_at",
    "before_data", "result", "result_other", "not_in_ledger", "duplicate"};
const char *const pc_fbr_texts[PC_NFBR] = {
    "",
    "bad CSV quoting",
    "not as many fields as the header",
    "subject_type: not id_card, passport, hk_macao, taiwan, foreign_pr, other or phone",
    "subject: empty or not a valid number of its subject_type",
    "event: not reached, tested, isolated or released",
    "at: not YYYY-MM-DDTHH:MM[:SS]",
    "at: after the batch's at",
    "at: before the dataset's window starts",
    "tested without result negative or positive",
    "result given for an event other than tested",
    "not in the ledger: only flagged persons and positives are kept",
    "the same event, time and result as an earlier row or batch: applied once"};

/* One feedback row as a rank read it; reason is why it is not applied (0:
 * it is, so far). The subject is kept only to name a new person's row. */
typedef struct fb_row {
  uint64_t pid;
  uint64_t phone;    /* the subject as a phone (resolved to its owner), 0: not one */
  int64_t at;
  uint64_t line;
  uint32_t file;
  uint8_t event, result, reason, type;
  char subject[PC_SUBJECT_LEN];
  uint8_t pad[4];
} fb_row;
_Static_assert(sizeof(fb_row) == 64, "fb_row is sent between ranks");

enum { C_SUBJECT, C_TYPE, C_EVENT, C_AT, C_RESULT, NCOLS };
static const char *const col_names[NCOLS] = {"subject", "subject_type", "event", "at", "result"};

/* What reading a file needs. */
typedef struct fb_reader {
  const pc_key128 *key;
  int64_t at, ws;
  int enc;
  int part, parts; /* this reader checks the rows of its share part of parts of each file */
} fb_reader;

static int name_of(const char *s, const char *const *names, int n) {
  for (int k = 0; k < n; k++)
    if (!strcasecmp(s, names[k])) return k;
  return -1;
}

/* The field f as a C string in buf (cap bytes); 0 when it does not fit. */
static int field_str(pc_field f, char *buf, size_t cap) {
  buf[0] = 0;
  if (f.len >= cap) return 0;
  memcpy(buf, f.p, f.len);
  buf[f.len] = 0;
  return 1;
}

/* One data row's fields v (col: the header's columns) checked into r. */
static void check_row(const fb_reader *R, const pc_field *fld, const int *col, fb_row *r) {
  char v[NCOLS][64];
  int fits[NCOLS];
  for (int k = 0; k < NCOLS; k++) fits[k] = field_str(fld[col[k]], v[k], sizeof v[k]);
  const int type = pc_subject_type(fits[C_TYPE] ? v[C_TYPE] : "?", v[C_SUBJECT]);
  char norm[PC_DOC_MAX + 1];
  if (type < 0) {
    r->reason = PC_FBR_TYPE;
    return;
  }
  r->type = (uint8_t)type;
  if (!fits[C_SUBJECT] || !*v[C_SUBJECT] ||
      !pc_subject_pid(R->key, type, v[C_SUBJECT], &r->pid, &r->phone, norm)) {
    r->reason = PC_FBR_SUBJECT;
    return;
  }
  memcpy(r->subject, norm, strnlen(norm, sizeof r->subject));
  const int ev = fits[C_EVENT] ? name_of(v[C_EVENT], pc_fb_names, PC_NFB) : -1;
  static const char *const results[3] = {"", "negative", "positive"};
  const int res = fits[C_RESULT] ? name_of(v[C_RESULT], results, 3) : -1;
  if (ev < 0) r->reason = PC_FBR_EVENT;
  else if (!fits[C_AT] || pc_time_parse(v[C_AT], strlen(v[C_AT]), &r->at) != 0)
    r->reason = PC_FBR_TIME;
  else if (r->at > R->at) r->reason = PC_FBR_AFTER;
  else if (r->at < R->ws) r->reason = PC_FBR_BEFORE;
  else if (ev == PC_FB_TESTED && res <= 0) r->reason = PC_FBR_RESULT;
  else if (ev != PC_FB_TESTED && (!fits[C_RESULT] || *v[C_RESULT])) r->reason = PC_FBR_RESULT_OTHER;
  r->event = (uint8_t)ev;
  r->result = (uint8_t)(res < 0 ? 0 : res);
}

/* The header's columns into col; PC_ERR_DATA naming what it lacks. */
static int header(const char *path, int ln, const pc_field *fld, int nf, int *col) {
  char name[32];
  for (int k = 0; k < NCOLS; k++) col[k] = -1;
  for (int i = 0; i < nf && i < 16; i++) {
    int k = field_str(fld[i], name, sizeof name) ? name_of(name, col_names, NCOLS) : -1;
    if (k >= 0 && col[k] < 0) col[k] = i;
  }
  for (int k = 0; k < NCOLS; k++)
    if (col[k] < 0)
      return PC_ERROR(PC_ERR_DATA, "%s:%d: the header must name subject,subject_type,event,at,"
                      "result (no %s)", path, ln, col_names[k]);
  return 0;
}

/* One line (s[0..len), no newline) of file `file`: the header (*nf == 0 on
 * entry) or a row appended to out. */
static int read_line(const fb_reader *R, const char *path, uint32_t file, int ln, const char *s,
                     size_t len, int *col, int *nf, pc_buf *out, char *scratch) {
  pc_field fld[16];
  const int n = pc_csv_split(s, len, fld, 16, scratch);
  if (!*nf) {
    if (n < 0) return PC_ERROR(PC_ERR_DATA, "%s:%d: the header's quoting is bad", path, ln);
    *nf = n;
    return header(path, ln, fld, n, col);
  }
  PC_CALL(pc_buf_grow(out, 1));
  fb_row *r = (fb_row *)out->data + out->n++;
  memset(r, 0, sizeof *r);
  r->file = file;
  r->line = (uint64_t)ln;
  if (n < 0) r->reason = PC_FBR_QUOTE;
  else if (n != *nf) r->reason = PC_FBR_FIELDS;
  else check_row(R, fld, col, r);
  return 0;
}

/* The start of the line holding text[at] or, when at is not a line's start,
 * of the next one (tlen at the end). */
static size_t line_start_from(const char *text, size_t tlen, size_t at) {
  if (at == 0 || at >= tlen || text[at - 1] == '\n') return at < tlen ? at : tlen;
  const char *nl = memchr(text + at, '\n', tlen - at);
  return nl ? (size_t)(nl - text) + 1 : tlen;
}

/* The newlines of text[0..n). */
static uint64_t lines_before(const char *text, size_t n) {
  uint64_t k = 0;
  for (const char *s = text, *end = text + n; (s = memchr(s, '\n', (size_t)(end - s))); s++) k++;
  return k;
}

/* The rows of one file (its whole text: a locality's feedback is small) in
 * this reader's share into out: every reader reads the text and its header;
 * a row belongs to share k when its line starts in [k, k + 1) * len / parts,
 * so the shares part the rows whatever the rank count. *rows: the rows read. */
static int read_file(const fb_reader *R, const char *path, uint32_t file, pc_buf *out,
                     uint64_t *rows) {
  char *text, *scratch = NULL;
  size_t tlen;
  PC_CALL(pc_subject_file_text(path, R->enc, &text, &tlen));
  int rc = 0, nf = 0, col[NCOLS], ln = 0;
  const size_t n0 = out->n;
  char *s = text, *end = text + tlen, *stop = end;
  if (tlen >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3;
  while (!rc && s < stop) {
    char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t len = (size_t)((nl ? nl : end) - s);
    ln++;
    if (len && s[len - 1] == '\r') len--;
    size_t b = 0;
    while (b < len && (s[b] == ' ' || s[b] == '\t')) b++;
    const int header = !nf;
    if (b < len) { /* blank lines are skipped, as in cases.csv */
      char *more = pc_realloc(scratch, len + 1, "feedback");
      rc = more ? read_line(R, path, file, ln, s, len, col, &nf, out, scratch = more) : PC_ERR_MEM;
    }
    s = nl ? nl + 1 : end;
    if (header && nf && R->parts > 1) { /* the header read: on to this share's first line */
      const size_t lo = (size_t)((uint64_t)tlen * (uint64_t)R->part / (uint64_t)R->parts);
      const size_t hi = (size_t)((uint64_t)tlen * (uint64_t)(R->part + 1) / (uint64_t)R->parts);
      const size_t from = line_start_from(text, tlen, lo);
      if (text + from > s) {
        ln += (int)lines_before(s, (size_t)(text + from - s));
        s = text + from;
      }
      stop = text + line_start_from(text, tlen, hi);
    }
  }
  if (!rc && !nf) rc = PC_ERROR(PC_ERR_DATA, "%s: empty (no header)", path);
  *rows = out->n - n0;
  free(text);
  free(scratch);
  return rc;
}

static const char *file_path(const pc_config *cfg, uint32_t f) {
  return pc_config_str_at(cfg, "feedback", f);
}

int pc_feedback_check(const pc_config *cfg, int64_t at, int64_t ws, pc_config_problems *p,
                      uint64_t *rows) {
  const pc_key128 key = {0, 0}; /* pids do not matter here: only whether a row is valid */
  const fb_reader R = {&key, at, ws, pc_enc_of(pc_config_str(cfg, "encoding")), 0, 1};
  *rows = 0;
  for (size_t f = 0; f < pc_config_len(cfg, "feedback"); f++) {
    const char *path = file_path(cfg, (uint32_t)f);
    FILE *fp = fopen(path, "rb");
    if (!fp) continue; /* listed by the path checks */
    fclose(fp);
    pc_buf b;
    pc_buf_init(&b, sizeof(fb_row));
    uint64_t n = 0;
    int rc = read_file(&R, path, (uint32_t)f, &b, &n);
    if (rc == PC_ERR_MEM) {
      pc_buf_free(&b);
      return rc;
    }
    if (rc) pc_config_problem(p, cfg, "feedback", "%s", pc_err_message());
    const fb_row *r = b.data;
    for (size_t i = 0; i < b.n; i++)
      if (r[i].reason)
        pc_config_problem_in(p, path, (int)r[i].line, "%s", pc_fbr_texts[r[i].reason]);
    *rows += n;
    pc_buf_free(&b);
  }
  return 0;
}

/* ---- the run ---- */

void pc_feedback_init(pc_feedback *F, pc_ctx *ctx, const pc_config *cfg) {
  memset(F, 0, sizeof *F);
  F->ctx = ctx;
  F->cfg = cfg;
  F->data = -1;
  F->nfiles = (int)pc_config_len(cfg, "feedback");
  pc_buf_init(&F->rejects, sizeof(pc_fb_reject_row));
}

int pc_feedback_open_data(pc_feedback *F, const char *path) {
  PC_CALL(pc_h5_open_read(F->ctx, path, &F->data));
  return pc_agree(F->ctx, pc_h5_attr_read_i64(F->data, "window_start", &F->window_start));
}

void pc_feedback_free(pc_feedback *F) {
  if (F->data >= 0) pc_flaggedfile_close(F->data);
  F->data = -1;
  free(F->rows);
  free(F->bad);
  pc_buf_free(&F->rejects);
  F->rows = F->bad = NULL;
}

/* This rank's share of every file's rows read into rows (F->rows per file). */
static int read_all(pc_feedback *F, int64_t at, pc_buf *rows) {
  const fb_reader R = {&F->key, at, F->window_start, pc_enc_of(pc_config_str(F->cfg, "encoding")),
                       pc_rank(F->ctx), pc_nranks(F->ctx)};
  for (int f = 0; f < F->nfiles; f++)
    PC_CALL(read_file(&R, file_path(F->cfg, (uint32_t)f), (uint32_t)f, rows, &F->rows[f]));
  return 0;
}

/* Every rank: the owners of phones[0..n) among its share of /identities,
 * read in pieces; the largest owner over every rank. Collective, agreed. */
static int phone_owners(pc_feedback *F, const uint64_t *phones, size_t n, uint64_t *owner) {
  pc_ctx *ctx = F->ctx;
  if (!n) return 0; /* (n is the same on every rank) */
  pc_table t;
  PC_CALL(pc_agree(ctx, pc_table_open(F->data, NULL, &pc_schema_identities, &t)));
  const uint64_t N = t.nrows, P = (uint64_t)pc_nranks(ctx), r = (uint64_t)pc_rank(ctx);
  const uint64_t a = N * r / P, b = N * (r + 1) / P, piece = 1 << 18;
  pc_identity *ids = pc_malloc(piece * sizeof *ids, "identities");
  int rc = ids ? 0 : PC_ERR_MEM;
  memset(owner, 0, n * sizeof *owner);
  for (uint64_t s = a; s < b && !rc; s += piece) {
    const size_t m = (size_t)(b - s < piece ? b - s : piece);
    rc = pc_table_read(&t, s, m, ids);
    if (!rc) rc = pc_subject_phone_match(ids, m, phones, n, owner);
  }
  free(ids);
  pc_table_close(&t);
  PC_CALL(pc_agree(ctx, rc));
  return pc_max_u64(ctx, owner, (int)n);
}

/* Every rank's rows that name a phone get its registered owner's pid (a
 * phone nobody registered keeps its own pseudonym, as in trace): the phones
 * of every rank, sorted and unique, are looked up by all. Collective. */
static int resolve(pc_feedback *F, fb_row *r, size_t n) {
  pc_ctx *ctx = F->ctx;
  const int P = pc_nranks(ctx);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) m += !r[i].reason && r[i].phone;
  uint64_t *send = pc_malloc((m * (size_t)P + 1) * sizeof *send, "phones");
  int *dest = pc_malloc((m * (size_t)P + 1) * sizeof *dest, "phones");
  int rc = pc_agree(ctx, send && dest ? 0 : PC_ERR_MEM);
  size_t k = 0;
  for (size_t i = 0; i < n && !rc; i++)
    for (int q = 0; q < P && !r[i].reason && r[i].phone; q++) send[k] = r[i].phone, dest[k++] = q;
  pc_buf all;
  pc_buf_init(&all, sizeof(uint64_t));
  if (!rc) rc = pc_shuffle(ctx, send, k, sizeof *send, dest, &all, NULL);
  free(send);
  free(dest);
  uint64_t *ph = all.data, *owner = NULL;
  size_t u = 0;
  if (!rc) {
    pc_qsort(ph, all.n, sizeof *ph, pc_u64_cmp);
    for (size_t i = 0; i < all.n; i++)
      if (!u || ph[i] != ph[u - 1]) ph[u++] = ph[i];
    owner = pc_malloc((u + 1) * sizeof *owner, "phones");
    rc = pc_agree(ctx, owner ? 0 : PC_ERR_MEM);
  }
  if (!rc) rc = phone_owners(F, ph, u, owner);
  for (size_t i = 0; i < n && !rc; i++) {
    if (r[i].reason || !r[i].phone) continue;
    const uint64_t *at = bsearch(&r[i].phone, ph, u, sizeof *ph, pc_u64_cmp);
    if (at && owner[at - ph]) r[i].pid = owner[at - ph];
  }
  free(owner);
  pc_buf_free(&all);
  return rc;
}

/* This rank's rows to check (reason 0) go to the owners of their pids, into mine. */
static int to_owners(pc_ctx *ctx, const fb_row *r, size_t n, pc_buf *mine) {
  fb_row *send = pc_malloc((n + 1) * sizeof *send, "feedback");
  int *dest = pc_malloc((n + 1) * sizeof *dest, "feedback");
  int rc = pc_agree(ctx, send && dest ? 0 : PC_ERR_MEM);
  size_t m = 0;
  for (size_t i = 0; i < n && !rc; i++)
    if (!r[i].reason) {
      dest[m] = pc_owner_of(r[i].pid, pc_nranks(ctx));
      send[m++] = r[i];
    }
  if (!rc) rc = pc_shuffle(ctx, send, m, sizeof *send, dest, mine, NULL);
  free(send);
  free(dest);
  return rc;
}

static int row_cmp(const void *pa, const void *pb) {
  const fb_row *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (a->at != b->at) return a->at < b->at ? -1 : 1;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}

static int reject_cmp(const void *pa, const void *pb) {
  const pc_fb_reject_row *a = pa, *b = pb;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}

/* The ledger row of pid among this rank's (sorted), or NULL. */
static pc_ledger_row *ledger_find(pc_ledger_data *L, uint64_t pid) {
  pc_ledger_row *r = L->rows.data;
  size_t a = 0, b = L->rows.n;
  while (a < b) {
    size_t mid = (a + b) / 2;
    if (r[mid].pid < pid) a = mid + 1;
    else b = mid;
  }
  return a < L->rows.n && r[a].pid == pid ? &r[a] : NULL;
}

/* 1 when the ledger's events (this rank's, by pid and at) hold one equal
 * to r: the same feedback given again in a later batch. */
static int in_ledger_events(const pc_ledger_data *L, const fb_row *r) {
  const pc_ledger_event *e = L->events.data;
  size_t a = 0, b = L->events.n;
  while (a < b) {
    size_t mid = (a + b) / 2;
    if (e[mid].pid < r->pid || (e[mid].pid == r->pid && e[mid].at < r->at)) a = mid + 1;
    else b = mid;
  }
  for (; a < L->events.n && e[a].pid == r->pid && e[a].at == r->at; a++)
    if (e[a].event == r->event && e[a].result == r->result) return 1;
  return 0;
}

/* One person's rows g[0..k) (sorted by at, file, line): duplicates (of an
 * earlier row, or of an event the ledger holds) marked; 1 when one of the
 * others is a positive test. */
static int mark_duplicates(const pc_ledger_data *L, fb_row *g, size_t k) {
  int pos = 0;
  for (size_t i = 0; i < k; i++) {
    for (size_t q = i; q-- > 0 && g[q].at == g[i].at;)
      if (!g[q].reason && g[q].event == g[i].event && g[q].result == g[i].result) {
        g[i].reason = PC_FBR_DUPLICATE;
        break;
      }
    if (!g[i].reason && in_ledger_events(L, &g[i])) g[i].reason = PC_FBR_DUPLICATE;
    pos |= !g[i].reason && g[i].event == PC_FB_TESTED && g[i].result == PC_FB_POSITIVE;
  }
  return pos;
}

/* What applying one rank's rows makes: events, new rows, rejects. */
typedef struct fb_out {
  pc_buf events;   /* pc_ledger_event of this batch, by (pid, at, file, line) */
  pc_buf added;    /* pc_ledger_row new to the ledger, by pid */
  pc_buf rejects;  /* pc_fb_reject_row found here (duplicates, not in the ledger) */
  uint64_t applied, raised;
} fb_out;

static int reject_add(const pc_config *cfg, pc_buf *b, const fb_row *r) {
  PC_CALL(pc_buf_grow(b, 1));
  pc_fb_reject_row *j = (pc_fb_reject_row *)b->data + b->n++;
  memset(j, 0, sizeof *j);
  const char *path = file_path(cfg, r->file), *slash = strrchr(path, '/');
  j->line = r->line;
  j->file = r->file;
  j->reason = r->reason;
  snprintf(j->source, sizeof j->source, "%s", slash ? slash + 1 : path);
  snprintf(j->code, sizeof j->code, "%s", pc_fbr_codes[r->reason]);
  snprintf(j->text, sizeof j->text, "%s", pc_fbr_texts[r->reason]);
  return 0;
}

/* One person's rows g[0..k): applied to their ledger row (a new one for a
 * positive not in the ledger), or rejected. */
static int apply_person(pc_campaign *C, const pc_config *cfg, fb_row *g, size_t k, fb_out *o) {
  const int pos = mark_duplicates(&C->L, g, k);
  pc_ledger_row *r = ledger_find(&C->L, g[0].pid), fresh;
  for (size_t i = 0; i < k; i++)
    if (!r && !pos && !g[i].reason) g[i].reason = PC_FBR_NOT_IN_LEDGER;
  const size_t e0 = o->events.n;
  for (size_t i = 0; i < k; i++) {
    if (g[i].reason) {
      PC_CALL(reject_add(cfg, &o->rejects, &g[i]));
      continue;
    }
    PC_CALL(pc_buf_grow(&o->events, 1));
    pc_ledger_event *e = (pc_ledger_event *)o->events.data + o->events.n++;
    *e = (pc_ledger_event){.pid = g[i].pid, .at = g[i].at, .line = g[i].line,
                           .batch = C->next.batch, .event = g[i].event, .result = g[i].result};
  }
  const size_t ne = o->events.n - e0;
  if (!ne) return 0;
  if (!r) {
    memset(&fresh, 0, sizeof fresh);
    fresh.pid = g[0].pid;
    for (size_t i = 0; i < k && !fresh.subject[0]; i++)
      if (!g[i].reason) {
        memcpy(fresh.subject, g[i].subject, sizeof fresh.subject);
        pc_doc_type_name(g[i].type, fresh.subject_type);
      }
  }
  pc_ledger_row *t = r ? r : &fresh;
  PC_CALL(pc_campaign_touch(C, t->pid));
  const int before = pc_ledger_level(t);
  pc_ledger_apply(t, (pc_ledger_event *)o->events.data + e0, ne, C->next.batch, C->next.time);
  o->applied += ne;
  o->raised += r && before < PC_LCODE_RED && pc_ledger_level(t) == PC_LCODE_RED;
  if (r) return 0;
  PC_CALL(pc_buf_grow(&o->added, 1));
  ((pc_ledger_row *)o->added.data)[o->added.n++] = fresh;
  return 0;
}

static int ledger_row_cmp(const void *pa, const void *pb) {
  const pc_ledger_row *a = pa, *b = pb;
  return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* This rank's rows (at their owner) sorted, and the ledger's events of
 * their persons read when the open left them to be (a delta: only those
 * are needed, for the duplicate check). Collective, agreed. */
static int events_of_mine(pc_campaign *C, pc_buf *mine) {
  fb_row *r = mine->data;
  pc_qsort(r, mine->n, sizeof *r, row_cmp);
  uint64_t *pids = pc_malloc((mine->n + 1) * sizeof *pids, "feedback");
  PC_CALL(pc_agree(C->ctx, pids ? 0 : PC_ERR_MEM));
  size_t n = 0;
  for (size_t i = 0; i < mine->n; i++)
    if (!n || pids[n - 1] != r[i].pid) pids[n++] = r[i].pid;
  int rc = pc_campaign_events_of(C, pids, n);
  free(pids);
  return rc;
}

/* This rank's rows (at their owner, sorted): applied person by person, the
 * new events and rows merged into the ledger. Local. */
static int apply_mine(pc_campaign *C, const pc_config *cfg, pc_buf *mine, fb_out *o) {
  fb_row *r = mine->data;
  for (size_t i = 0, j; i < mine->n; i = j) {
    for (j = i; j < mine->n && r[j].pid == r[i].pid;) j++;
    PC_CALL(apply_person(C, cfg, r + i, j - i, o));
  }
  pc_qsort(o->events.data, o->events.n, sizeof(pc_ledger_event), pc_ledger_event_cmp);
  PC_CALL(pc_buf_merge(&C->L.events, &o->events, pc_ledger_event_cmp));
  return pc_buf_merge(&C->L.rows, &o->added, ledger_row_cmp);
}

/* The rejects found in reading and at the owners go to rank 0; it counts
 * them per file and reason and every rank gets the counts. Collective, agreed. */
static int settle(pc_feedback *F, const fb_row *r, size_t n, fb_out *o) {
  pc_ctx *ctx = F->ctx;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    if (r[i].reason) rc = reject_add(F->cfg, &o->rejects, &r[i]);
  int *dest = pc_calloc(o->rejects.n + 1, sizeof *dest, "rejects");
  PC_CALL(pc_agree(ctx, rc ? rc : dest ? 0 : PC_ERR_MEM));
  PC_CALL(pc_sum_u64(ctx, F->rows, F->nfiles)); /* the rows each rank read */
  rc = pc_shuffle(ctx, o->rejects.data, o->rejects.n, sizeof(pc_fb_reject_row), dest, &F->rejects,
                  NULL);
  free(dest);
  PC_CALL(rc);
  const pc_fb_reject_row *j = F->rejects.data;
  pc_qsort(F->rejects.data, F->rejects.n, sizeof *j, reject_cmp);
  const size_t W = 2 * (size_t)F->nfiles + PC_NFBR;
  uint64_t *c = pc_calloc(W + 1, sizeof *c, "counts");
  PC_CALL(pc_agree(ctx, c ? 0 : PC_ERR_MEM));
  for (int f = 0; f < F->nfiles; f++) c[f] = F->rows[f];
  for (size_t i = 0; i < F->rejects.n; i++) {
    c[2 * (size_t)F->nfiles + j[i].reason]++;
    if (j[i].reason != PC_FBR_DUPLICATE) c[F->nfiles + j[i].file]++;
  }
  rc = pc_bcast_u64(ctx, c, (int)W);
  for (int f = 0; f < F->nfiles && !rc; f++) F->rows[f] = c[f], F->bad[f] = c[F->nfiles + f];
  if (!rc) memcpy(F->reasons, c + 2 * F->nfiles, sizeof F->reasons);
  free(c);
  F->raised_here = o->raised;
  uint64_t s[3] = {o->applied, o->raised, o->added.n};
  if (!rc) rc = pc_sum_u64(ctx, s, 3);
  F->applied = s[0], F->raised = s[1], F->added = s[2];
  return pc_agree(ctx, rc);
}

int pc_feedback_apply(pc_campaign *C, pc_feedback *F, int64_t at) {
  pc_ctx *ctx = F->ctx;
  F->rows = pc_calloc((size_t)F->nfiles + 1, sizeof *F->rows, "feedback");
  F->bad = pc_calloc((size_t)F->nfiles + 1, sizeof *F->bad, "feedback");
  PC_CALL(pc_agree(ctx, F->rows && F->bad ? 0 : PC_ERR_MEM));
  pc_buf rows, mine;
  pc_buf_init(&rows, sizeof(fb_row));
  pc_buf_init(&mine, sizeof(fb_row));
  fb_out o;
  memset(&o, 0, sizeof o);
  pc_buf_init(&o.events, sizeof(pc_ledger_event));
  pc_buf_init(&o.added, sizeof(pc_ledger_row));
  pc_buf_init(&o.rejects, sizeof(pc_fb_reject_row));
  int rc = pc_agree(ctx, read_all(F, at, &rows));
  if (!rc) rc = resolve(F, rows.data, rows.n);
  if (!rc) rc = to_owners(ctx, rows.data, rows.n, &mine);
  if (!rc) rc = events_of_mine(C, &mine);
  if (!rc) rc = pc_agree(ctx, apply_mine(C, F->cfg, &mine, &o));
  if (!rc) rc = settle(F, rows.data, rows.n, &o);
  pc_buf_free(&rows);
  pc_buf_free(&mine);
  pc_buf_free(&o.events);
  pc_buf_free(&o.added);
  pc_buf_free(&o.rejects);
  return rc;
}

void pc_feedback_log(const pc_feedback *F, double max_ratio, char *failing, size_t cap) {
  failing[0] = 0;
  for (int f = 0; f < F->nfiles; f++) {
    const double ratio = F->rows[f] ? (double)F->bad[f] / (double)F->rows[f] : 0;
    pc_log(F->ctx, "ledger: %s: %llu %s, %llu rejected (%.3f%%)", file_path(F->cfg, (uint32_t)f),
           (unsigned long long)F->rows[f], pc_plural(F->rows[f], "row", "rows"),
           (unsigned long long)F->bad[f], 100 * ratio);
    if (ratio > max_ratio && strlen(failing) + strlen(file_path(F->cfg, (uint32_t)f)) + 4 < cap)
      snprintf(failing + strlen(failing), cap - strlen(failing), "%s%s", failing[0] ? ", " : "",
               file_path(F->cfg, (uint32_t)f));
  }
  char why[512] = "";
  size_t k = 0;
  for (int r = 1; r < PC_NFBR && k < sizeof why - 48; r++)
    if (F->reasons[r])
      k += (size_t)snprintf(why + k, sizeof why - k, " %s %llu", pc_fbr_codes[r],
                            (unsigned long long)F->reasons[r]);
  if (k) pc_log(F->ctx, "ledger: rejects by reason:%s", why);
}
