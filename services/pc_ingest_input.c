/* pc_ingest_input.c - ingest's CSV inputs: byte ranges scanned, headers mapped, rows read in rounds. */
#include "pc_ingest_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "pc_ingest_reject.h"

/* The header: the contract's columns in any order, each once, nothing else. */
static int read_header(pc_ingest_input *in) {
  char buf[4096 + 1];
  ssize_t n = pread(in->f.fd, buf, sizeof buf - 1, 0);
  if (n < 0) return PC_ERROR(PC_ERR_IO, "%s: cannot read: %s", in->path, strerror(errno));
  buf[n] = 0;
  size_t len = strcspn(buf, "\n");
  if (n == 0) return PC_ERROR(PC_ERR_DATA, "%s: empty file (a header row is required)", in->path);
  if (len == (size_t)n && n == (ssize_t)sizeof buf - 1)
    return PC_ERROR(PC_ERR_DATA, "%s: the header row is longer than 4 kB", in->path);
  char *h = buf;
  if (len >= 3 && !memcmp(h, "\xEF\xBB\xBF", 3)) h += 3, len -= 3;
  if (len && h[len - 1] == '\r') len--;
  pc_field f[PC_INGEST_MAX_FIELDS];
  char scratch[4096];
  int nf = pc_csv_split(h, len, f, PC_INGEST_MAX_FIELDS, scratch);
  const int want = pc_ingest_ncolumns[in->kind];
  if (nf < 0 || nf > PC_INGEST_MAX_FIELDS)
    return PC_ERROR(PC_ERR_DATA, "%s: the header row is not valid CSV", in->path);
  for (int k = 0; k < want; k++) in->col[k] = -1;
  for (int j = 0; j < nf; j++) {
    int k = 0;
    while (k < want && !(f[j].len == strlen(pc_ingest_columns[in->kind][k]) &&
                         !strncasecmp(f[j].p, pc_ingest_columns[in->kind][k], f[j].len)))
      k++;
    /* A file without its header row would put a person's ID number here: a column name
     * with a digit is not quoted, so a message never carries a value of a data row. */
    int quote = f[j].len <= 32;
    for (size_t b = 0; b < f[j].len && quote; b++)
      quote = !(f[j].p[b] >= '0' && f[j].p[b] <= '9') && f[j].p[b] != 0;
    if (k == want || in->col[k] >= 0)
      return PC_ERROR(
          PC_ERR_DATA, "%s: header column %d %s%.*s%s is %s; a %s file has the columns %s,%s,...",
          in->path, j + 1, quote ? "(\"" : "", quote ? (int)f[j].len : 0, f[j].p,
          quote ? "\")" : "(not quoted: it holds digits; is the header row missing?)",
          k == want ? "not one of the contract's" : "given twice", pc_ingest_kind_names[in->kind],
          pc_ingest_columns[in->kind][0], pc_ingest_columns[in->kind][1]);
    in->col[k] = j;
  }
  for (int k = 0; k < want; k++)
    if (in->col[k] < 0)
      return PC_ERROR(PC_ERR_DATA, "%s: the header has no column \"%s\" (a %s file)", in->path,
                      pc_ingest_columns[in->kind][k], pc_ingest_kind_names[in->kind]);
  in->ncols = nf;
  return 0;
}

/* Split and check a line's form; on PC_R_OK cells[] are the contract's
 * columns. */
static int line_form(const pc_ingest_input *in, const char *line, size_t len, int overlong,
                     pc_field *cells, char *scratch, char *text) {
  pc_field f[PC_INGEST_MAX_FIELDS];
  if (overlong) {
    snprintf(text, PC_REASON_TEXT, "line longer than %d bytes", PC_INGEST_MAX_LINE);
    return PC_R_LINE_LONG;
  }
  if (!pc_utf8_clean(line, len)) {
    snprintf(text, PC_REASON_TEXT, "not UTF-8 text (or a NUL/control byte)");
    return PC_R_ENCODING;
  }
  int nf = pc_csv_split(line, len, f, PC_INGEST_MAX_FIELDS, scratch);
  if (nf < 0) {
    snprintf(text, PC_REASON_TEXT, "bad quoting (a quote inside a field, or one not closed)");
    return PC_R_QUOTE;
  }
  if (nf != in->ncols) {
    snprintf(text, PC_REASON_TEXT, "%d fields, the header has %d", nf, in->ncols);
    return PC_R_FIELDS;
  }
  for (int k = 0; k < pc_ingest_ncolumns[in->kind]; k++) cells[k] = f[in->col[k]];
  return PC_R_OK;
}

/* Read up to max rows of input fi on this rank (each good row to take, each
 * bad one to the rejects); *done = 1 when the rank's range is finished. */
int pc_ingest_read_rows(pc_ingest *g, unsigned fi, size_t max, pc_ingest_take_fn take, void *arg,
                        int *done) {
  pc_ingest_input *in = &g->in[fi];
  const uint64_t base = in->base[pc_rank(g->ctx)];
  static char scratch[PC_INGEST_MAX_LINE + 1];
  char text[PC_REASON_TEXT];
  pc_field cells[9];
  *done = 0;
  for (size_t k = 0; k < max; k++) {
    const char *line;
    size_t len;
    uint64_t local;
    int overlong, err = 0;
    int r = pc_csv_next(&in->f, &line, &len, &local, &overlong);
    if (r == 0) {
      *done = 1;
      return 0;
    }
    if (r != 1) return r;
    uint64_t lineno = base + local + 1;
    if (lineno == 1 || (len == 0 && !overlong)) continue; /* the header; empty lines */
    in->rows++;
    int reason = line_form(in, line, len, overlong, cells, scratch, text);
    if (reason == PC_R_OK) reason = take(g, fi, lineno, cells, arg, text, &err);
    if (err) return err;
    if (reason == PC_R_OK) continue;
    PC_CALL(pc_ingest_reject_here(g, in, fi, lineno, reason, text, line, len, overlong));
  }
  return 0;
}

/* Rounds of reading: every rank takes part in every collective round until
 * the last rank is done. */
int pc_ingest_more_rounds(pc_ctx *ctx, int local_more, int *more) {
  uint64_t m = (uint64_t)local_more;
  PC_CALL(pc_max_u64(ctx, &m, 1));
  *more = m != 0;
  return 0;
}

/* Open every input, count this rank's lines and CRC, read the header; then
 * every rank learns every rank's line counts (the line-number bases) and
 * each file's CRC (combined in rank order, so the same at any rank count). */
int pc_ingest_scan(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  const int P = pc_nranks(ctx), N = g->nin;
  int rc = 0;
  for (int f = 0; f < N && !rc; f++) {
    pc_ingest_input *in = &g->in[f];
    const char *slash = strrchr(in->path, '/');
    snprintf(in->name, sizeof in->name, "%s", slash ? slash + 1 : in->path);
    rc = pc_csv_open(in->path, pc_rank(ctx), P, 16u << 20, PC_INGEST_MAX_LINE, &in->f);
    if (!rc) rc = read_header(in);
    if (!rc) rc = pc_csv_count(&in->f);
  }
  PC_CALL(pc_agree(ctx, rc));
  uint64_t *tab = pc_calloc((size_t)3 * N * P, sizeof *tab, "line counts");
  PC_CALL(pc_agree(ctx, tab ? 0 : PC_ERR_MEM));
  for (int f = 0; f < N; f++) {
    tab[(size_t)f * P + pc_rank(ctx)] = g->in[f].f.nlines;
    tab[(size_t)(N + f) * P + pc_rank(ctx)] = g->in[f].f.crc;
    tab[(size_t)(2 * N + f) * P + pc_rank(ctx)] = g->in[f].f.hi - g->in[f].f.lo;
  }
  rc = pc_sum_u64(ctx, tab, 3 * N * P);
  for (int f = 0; f < N && !rc; f++) {
    pc_ingest_input *in = &g->in[f];
    in->base = pc_malloc((size_t)(P + 1) * sizeof *in->base, "line counts");
    if (!in->base) {
      rc = PC_ERR_MEM;
      break;
    }
    uint64_t at = 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    for (int r = 0; r < P; r++) {
      in->base[r] = at;
      at += tab[(size_t)f * P + r];
      crc = crc32_combine(crc, (uLong)tab[(size_t)(N + f) * P + r],
                          (z_off_t)tab[(size_t)(2 * N + f) * P + r]);
    }
    in->base[P] = at;
    in->crc = (uint32_t)crc;
  }
  free(tab);
  return pc_agree(ctx, rc);
}
