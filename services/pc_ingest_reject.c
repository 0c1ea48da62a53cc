/* pc_ingest_reject.c - ingest's rejects: kept where read, sent back there when found later, counted. */
#include "pc_ingest_reject.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pc_ingest_reject_here(pc_ingest *g, const pc_ingest_input *in, unsigned file, uint64_t line,
                          int reason, const char *text, const char *raw, size_t len,
                          int truncated) {
  PC_CALL(pc_buf_grow(&g->rejects, 1));
  pc_reject_row *r = (pc_reject_row *)g->rejects.data + g->rejects.n++;
  memset(r, 0, sizeof *r);
  r->line = line;
  r->file = file;
  r->reason = (uint16_t)reason;
  snprintf(r->source, sizeof r->source, "%s", in->name);
  snprintf(r->code, sizeof r->code, "%s", pc_reason_codes[reason]);
  snprintf(r->text, sizeof r->text, "%s", text);
  size_t m = len < PC_INGEST_RAW_CAP ? len : PC_INGEST_RAW_CAP;
  memcpy(r->raw, raw, m);
  r->truncated = (uint8_t)(truncated || len > PC_INGEST_RAW_CAP);
  return 0;
}

int pc_ingest_reject_later(pc_ingest *g, uint64_t origin, int reason, const char *fmt, ...) {
  PC_CALL(pc_buf_grow(&g->late, 1));
  pc_ingest_late *r = (pc_ingest_late *)g->late.data + g->late.n++;
  memset(r, 0, sizeof *r);
  r->line = pc_origin_line(origin);
  r->file = pc_origin_file(origin);
  r->reason = (uint16_t)reason;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->text, sizeof r->text, fmt, ap);
  va_end(ap);
  return 0;
}

/* The rank that read line (1-based) of input f. */
static int reader_of(const pc_ingest *g, unsigned f, uint64_t line) {
  const uint64_t *b = g->in[f].base;
  int lo = 0, hi = pc_nranks(g->ctx) - 1;
  while (lo < hi) { /* last r with b[r] <= line - 1 */
    int m = (lo + hi + 1) / 2;
    if (b[m] <= line - 1)
      lo = m;
    else
      hi = m - 1;
  }
  return lo;
}

static int late_cmp(const void *pa, const void *pb) {
  const pc_ingest_late *a = pa, *b = pb;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}
static int reject_cmp(const void *pa, const void *pb) {
  const pc_reject_row *a = pa, *b = pb;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}

/* Raw bytes fetched per late reject: one more than kept (a longer line is
 * flagged truncated); of a GB18030 file, enough for that many once
 * converted (four bytes of GB18030 give two of UTF-8 at the least, plus a
 * character cut at the end). */
static size_t fetch_cap(const pc_ingest *g) {
  for (int f = 0; f < g->nin; f++)
    if (g->in[f].enc == PC_ENC_GB18030) return 2 * (size_t)(PC_INGEST_RAW_CAP + 1) + 3;
  return PC_INGEST_RAW_CAP + 1;
}

/* A late reject of in whose raw bytes were fetched: kept as UTF-8. */
static int reject_fetched(pc_ingest *g, pc_ingest_input *in, const pc_ingest_late *m,
                          const char *raw, size_t len, size_t cap) {
  int cut = len == cap, valid = 1;
  if (in->enc == PC_ENC_GB18030) PC_CALL(pc_ingest_line_utf8(in, &raw, &len, &cut, &valid));
  /* (a line that no longer converts: the file changed since it was read; kept as it is) */
  return pc_ingest_reject_here(g, in, m->file, m->line, m->reason, m->text, raw, len, 0);
}

/* Late rejects to their readers, who fetch the raw lines. */
int pc_ingest_rejects_settle(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  int *dest = pc_malloc((g->late.n + 1) * sizeof *dest, "rejects");
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  const pc_ingest_late *l = g->late.data;
  for (size_t i = 0; i < g->late.n; i++) dest[i] = reader_of(g, l[i].file, l[i].line);
  pc_buf mine;
  pc_buf_init(&mine, sizeof(pc_ingest_late));
  int rc = pc_shuffle(ctx, g->late.data, g->late.n, sizeof(pc_ingest_late), dest, &mine, NULL);
  free(dest);
  pc_buf_free(&g->late);
  PC_CALL(rc);
  pc_ingest_late *m = mine.data;
  pc_ingest_sort(m, mine.n, sizeof *m, late_cmp);
  uint64_t *locals = pc_malloc((mine.n + 1) * sizeof *locals, "rejects");
  const size_t cap = fetch_cap(g);
  char *raw = pc_malloc((mine.n + 1) * cap, "rejects");
  size_t *lens = pc_malloc((mine.n + 1) * sizeof *lens, "rejects");
  rc = locals && raw && lens ? 0 : PC_ERR_MEM;
  for (size_t i = 0; i < mine.n && !rc;) { /* one fetch per file */
    size_t j = i;
    while (j < mine.n && m[j].file == m[i].file) {
      locals[j] = m[j].line - 1 - g->in[m[i].file].base[pc_rank(ctx)];
      j++;
    }
    pc_ingest_input *in = &g->in[m[i].file];
    rc = pc_csv_fetch(&in->f, locals + i, j - i, raw + i * cap, cap, lens + i);
    for (size_t k = i; k < j && !rc; k++)
      rc = reject_fetched(g, in, &m[k], raw + k * cap, lens[k], cap);
    i = j;
  }
  free(locals);
  free(raw);
  free(lens);
  pc_buf_free(&mine);
  PC_CALL(pc_agree(ctx, rc));
  pc_ingest_sort(g->rejects.data, g->rejects.n, sizeof(pc_reject_row), reject_cmp);
  return 0;
}

/* Per file and reason, from the rejects (each rank holds those of the lines
 * it read), summed over ranks; rows summed too. */
/* This rank's counts per input, W to an input: its rejects by reason (with
 * late, those found later too, not yet settled), then at PC_NREASONS its rows. */
static void tally(const pc_ingest *g, uint64_t *c, int W, int late) {
  const pc_reject_row *r = g->rejects.data;
  for (size_t i = 0; i < g->rejects.n; i++) c[(size_t)r[i].file * W + r[i].reason]++;
  const pc_ingest_late *l = g->late.data;
  for (size_t i = 0; late && i < g->late.n; i++) c[(size_t)l[i].file * W + l[i].reason]++;
  for (int f = 0; f < g->nin; f++) c[(size_t)f * W + PC_NREASONS] = g->in[f].rows;
}

int pc_ingest_rejects_count(pc_ingest *g) {
  const int N = g->nin, W = PC_NREASONS + 3; /* per file: reasons, rows, clipped, seat unknown */
  uint64_t *c = pc_calloc((size_t)N * W, sizeof *c, "reject counts");
  PC_CALL(pc_agree(g->ctx, c ? 0 : PC_ERR_MEM));
  tally(g, c, W, 0);
  for (int f = 0; f < N; f++) {
    c[(size_t)f * W + PC_NREASONS + 1] = g->in[f].clipped;
    c[(size_t)f * W + PC_NREASONS + 2] = g->in[f].seat_unknown;
  }
  int rc = pc_sum_u64(g->ctx, c, N * W);
  for (int f = 0; f < N && !rc; f++) {
    memcpy(g->in[f].reasons, c + (size_t)f * W, PC_NREASONS * sizeof *c);
    g->in[f].rows = c[(size_t)f * W + PC_NREASONS];
    g->in[f].clipped = c[(size_t)f * W + PC_NREASONS + 1];
    g->in[f].seat_unknown = c[(size_t)f * W + PC_NREASONS + 2];
  }
  free(c);
  return rc;
}

/* A file's rejects that count against max_reject_ratio (duplicates do not). */
static uint64_t counted(const uint64_t reasons[PC_NREASONS]) {
  uint64_t bad = 0;
  for (int r = 1; r < PC_NREASONS; r++)
    if (pc_reason_counts(r)) bad += reasons[r];
  return bad;
}

int pc_ingest_rejects_within(pc_ingest *g, double max_ratio, int *within) {
  const int N = g->nin, W = PC_NREASONS + 1; /* per file: reasons, rows */
  uint64_t *c = pc_calloc((size_t)N * W, sizeof *c, "reject counts");
  PC_CALL(pc_agree(g->ctx, c ? 0 : PC_ERR_MEM));
  tally(g, c, W, 1);
  const int rc = pc_sum_u64(g->ctx, c, N * W);
  *within = 1;
  for (int f = 0; f < N && !rc; f++) {
    const uint64_t rows = c[(size_t)f * W + PC_NREASONS], bad = counted(c + (size_t)f * W);
    if (rows && (double)bad / (double)rows > max_ratio) *within = 0;
  }
  free(c);
  return rc;
}

/* The summary: per file, rows and rejects by reason (never a row's content). */
void pc_ingest_rejects_log(const pc_ingest *g, double max_ratio, char *failing, size_t cap) {
  failing[0] = 0;
  for (int f = 0; f < g->nin; f++) {
    const pc_ingest_input *in = &g->in[f];
    const uint64_t bad = counted(in->reasons), dup = in->reasons[PC_R_DUPLICATE];
    char why[1024] = "";
    size_t k = 0;
    for (int r = 1; r < PC_NREASONS && k < sizeof why - 64; r++)
      if (in->reasons[r])
        k += (size_t)snprintf(why + k, sizeof why - k, " %s %llu", pc_reason_codes[r],
                              (unsigned long long)in->reasons[r]);
    double ratio = in->rows ? (double)bad / (double)in->rows : 0;
    char kept[96] = ""; /* stays kept as SPEC says, not rejects */
    if (in->clipped || in->seat_unknown)
      snprintf(kept, sizeof kept, "; kept %llu clipped to the window, %llu with the seat unknown",
               (unsigned long long)in->clipped, (unsigned long long)in->seat_unknown);
    pc_log(g->ctx, "ingest: %s (%s): %llu %s, %llu rejected (%.3f%%), %llu %s%s%s%s",
           in->name, pc_ingest_kind_names[in->kind], (unsigned long long)in->rows,
           pc_plural(in->rows, "row", "rows"), (unsigned long long)bad, 100 * ratio,
           (unsigned long long)dup, pc_plural(dup, "duplicate", "duplicates"), k ? ":" : "", why, kept);
    if (ratio > max_ratio && strlen(failing) + strlen(in->name) + 4 < cap)
      snprintf(failing + strlen(failing), cap - strlen(failing), "%s%s", failing[0] ? ", " : "",
               in->name);
  }
}
