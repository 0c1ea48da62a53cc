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
#include "pc_json.h"

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
  const char *h = buf;
  int cut = 0, valid = 1;
  if (in->enc == PC_ENC_GB18030) PC_CALL(pc_ingest_line_utf8(in, &h, &len, &cut, &valid));
  if (!valid) return PC_ERROR(PC_ERR_DATA, "%s: the header row is not GB18030 text", in->path);
  if (len >= 3 && !memcmp(h, "\xEF\xBB\xBF", 3)) h += 3, len -= 3; /* GB18030's BOM converts to it */
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
  for (int k = 0; k < pc_ingest_nrequired[in->kind]; k++)
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
  for (int k = 0; k < pc_ingest_ncolumns[in->kind]; k++)
    cells[k] = in->col[k] >= 0 ? f[in->col[k]] : (pc_field){"", 0}; /* an optional column absent */
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
  pc_field cells[PC_INGEST_MAX_COLUMNS];
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
    int reason = PC_R_OK, valid = 1;
    if (in->enc == PC_ENC_GB18030) PC_CALL(pc_ingest_line_utf8(in, &line, &len, &overlong, &valid));
    if (!valid) { /* kept as received, as a line that is not UTF-8 is */
      reason = PC_R_ENCODING;
      snprintf(text, PC_REASON_TEXT, "not GB18030 text");
    }
    if (reason == PC_R_OK) reason = line_form(in, line, len, overlong, cells, scratch, text);
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

/* Every rank learns every rank's line counts (in[].base, the line-number
 * bases), each file's CRC (combined in rank order, so the same at any rank
 * count) and its first line that is not UTF-8 (in[].bad[0]). */
static int share_counts(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  const int P = pc_nranks(ctx), N = g->nin, me = pc_rank(ctx);
  uint64_t *tab = pc_calloc((size_t)4 * N * P, sizeof *tab, "line counts");
  PC_CALL(pc_agree(ctx, tab ? 0 : PC_ERR_MEM));
  for (int f = 0; f < N; f++) {
    tab[(size_t)f * P + me] = g->in[f].f.nlines;
    tab[(size_t)(N + f) * P + me] = g->in[f].f.crc;
    tab[(size_t)(2 * N + f) * P + me] = g->in[f].f.hi - g->in[f].f.lo;
    tab[(size_t)(3 * N + f) * P + me] = g->in[f].f.bad_utf8;
  }
  int rc = pc_sum_u64(ctx, tab, 4 * N * P);
  for (int f = 0; f < N && !rc; f++) {
    pc_ingest_input *in = &g->in[f];
    in->base = pc_malloc((size_t)(P + 1) * sizeof *in->base, "line counts");
    if (!in->base) {
      rc = PC_ERR_MEM;
      break;
    }
    uint64_t at = 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    in->bad[0] = 0;
    for (int r = 0; r < P; r++) {
      uint64_t bad = tab[(size_t)(3 * N + f) * P + r];
      if (bad && !in->bad[0]) in->bad[0] = at + bad; /* ranks hold the lines in order */
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

/* This rank's lines of in as GB18030: *bad = the first (1-based, global)
 * that does not convert, else UINT64_MAX. A second read, made only for a
 * file that is not UTF-8. */
static int scan_gb18030(pc_ingest *g, pc_ingest_input *in, uint64_t *bad) {
  const char *line, *u;
  size_t len, n;
  uint64_t local;
  int over, valid, r;
  *bad = UINT64_MAX;
  while ((r = pc_csv_next(&in->f, &line, &len, &local, &over)) == 1) {
    PC_CALL(pc_enc_conv_line(&in->conv, line, len, over, &u, &n, &valid));
    if (!valid) {
      *bad = in->base[pc_rank(g->ctx)] + local + 1;
      r = 0;
      break;
    }
  }
  pc_csv_rewind(&in->f);
  return r;
}

/* The encoding of every input: forced by input.encoding, or (auto) UTF-8
 * when no rank found a line that is not, else GB18030 when no rank finds a
 * line that is not, else the run fails naming the file and the lines. */
static int pick_encodings(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  const int N = g->nin, forced = pc_enc_of(pc_config_str(g->cfg, "input.encoding"));
  uint64_t gb[PC_INGEST_MAX_INPUTS];
  int rc = 0, again = 0;
  for (int f = 0; f < N && !rc; f++) {
    pc_ingest_input *in = &g->in[f];
    gb[f] = UINT64_MAX;
    in->enc = forced != PC_ENC_AUTO ? forced : in->bad[0] ? PC_ENC_GB18030 : PC_ENC_UTF8;
    if (forced != PC_ENC_AUTO) in->bad[0] = 0; /* not asked */
    if (in->enc == PC_ENC_GB18030) rc = pc_enc_conv_open(&in->conv);
    if (!rc && forced == PC_ENC_AUTO && in->bad[0]) again = 1, rc = scan_gb18030(g, in, &gb[f]);
  }
  PC_CALL(pc_agree(ctx, rc));
  if (again) PC_CALL(pc_min_u64(ctx, gb, N)); /* every rank knows bad[0]: all or none here */
  for (int f = 0; f < N && !rc; f++) {
    pc_ingest_input *in = &g->in[f];
    if (gb[f] == UINT64_MAX) continue;
    char why[160];
    in->bad[1] = gb[f];
    pc_enc_why(why, sizeof why, in->bad);
    rc = PC_ERROR(PC_ERR_DATA,
                  "%s: %s; fix the file, or set input.encoding to utf-8 or gb18030 to read it "
                  "so and reject the lines that are not",
                  in->path, why);
  }
  return pc_agree(ctx, rc);
}

/* The encodings read as, in the log and the run record. Local. */
static int log_encodings(pc_ingest *g) {
  char line[1024] = "";
  size_t k = 0;
  json_object *j = json_object_new_array();
  int rc = j ? 0 : PC_ERR_MEM, shown = 0;
  for (int f = 0; f < g->nin && !rc; f++) {
    const pc_ingest_input *in = &g->in[f];
    const char *name = pc_enc_names[in->enc];
    json_object *o = json_object_new_object();
    if (!o || json_object_array_add(j, o)) {
      json_object_put(o);
      rc = PC_ERR_MEM;
      break;
    }
    pc_json_add_str(o, "path", in->path);
    pc_json_add_str(o, "encoding", name);
    if (k < sizeof line - 200)
      k += (size_t)snprintf(line + k, sizeof line - k, "%s%s %s", f ? ", " : "", in->name, name), shown++;
  }
  if (shown < g->nin)
    snprintf(line + k, sizeof line - k, ", and %d more", g->nin - shown);
  char *t = rc ? NULL : pc_json_text(j);
  json_object_put(j);
  if (!t) return PC_ERROR(PC_ERR_MEM, "out of memory building the inputs' encodings");
  pc_log(g->ctx, "ingest: read as: %s", line);
  rc = pc_record_add(g->ctx, "input_encodings", t);
  free(t);
  return rc;
}

/* Open every input, count this rank's lines and CRC, check they are UTF-8;
 * share the counts; pick each file's encoding; read the headers. */
int pc_ingest_scan(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  int rc = 0;
  for (int f = 0; f < g->nin && !rc; f++) {
    pc_ingest_input *in = &g->in[f];
    const char *slash = strrchr(in->path, '/');
    snprintf(in->name, sizeof in->name, "%s", slash ? slash + 1 : in->path);
    rc = pc_csv_open(in->path, pc_rank(ctx), pc_nranks(ctx), PC_INGEST_READ_BYTES,
                     PC_INGEST_MAX_LINE, &in->f);
    if (!rc) rc = pc_csv_count(&in->f);
  }
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(share_counts(g));
  PC_CALL(pick_encodings(g));
  for (int f = 0; f < g->nin && !rc; f++) rc = read_header(&g->in[f]);
  if (!rc) rc = log_encodings(g);
  return pc_agree(ctx, rc);
}
