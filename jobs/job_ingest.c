/* job_ingest.c - `paicha ingest`: agencies' CSV files into the validated, pseudonymised dataset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "pc_csv.h"
#include "pc_schema.h"
#include "pc_budget.h"
#include "pc_h5.h"
#include "pc_idnum.h"
#include "pc_index.h"
#include "pc_job.h"
#include "pc_out.h"
#include "pc_keyfile.h"
#include "pc_pview.h"
#include "pc_rows.h"
#include "pc_sort.h"
#include "pc_time.h"

/* The plan of a run (every step collective unless said):
 *
 *   scan      every rank counts the lines of its byte range of every file
 *             (and its CRC): line numbers are then known everywhere
 *   regions   rows checked where read, gathered on rank 0, duplicates and
 *             parents checked, the table broadcast
 *   persons   rows checked where read, shuffled to the owner of their pid
 *             (keyed hash of the ID number); duplicates and conflicts
 *             resolved there in file order; phones shuffled to the owner of
 *             the phone: the phone -> pid table
 *   stays     in rounds: rows checked where read; by-ID rows go to the owner
 *             of the pid, by-phone rows to the owner of the phone, which
 *             resolves the pid (or makes a visitor) and forwards them
 *   visitors  unregistered ID numbers and phones become persons flagged
 *             PC_PERSON_VISITOR at the owner of their pid
 *   sort      each rank's stays in place by (pid, start, channel, place);
 *             identical stays kept once
 *   rejects   rows found bad after the shuffles go back to the rank that
 *             read them, which fetches their raw text; every reject is then
 *             where its line is, and /rejects is written in (file, line)
 *             order whatever the rank count
 *   write     the dataset, laid out exactly as synth writes it */

static const pc_key input_keys[] = {
    {.name = "regions", .type = PC_T_PATH, .required = 1,
     .help = "regions.csv: code,parent,level,name"},
    {.name = "persons", .type = PC_T_PATH, .required = 1,
     .help = "persons.csv: "
             "id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses"},
    {.name = "stays", .type = PC_T_STRS,
     .help = "stays.csv, one file or a list (one per agency): "
             "channel,subject,place,start,end,region,carriage,row"},
    {0}};

static const pc_key ingest_keys[] = {
    {.name = "key", .type = PC_T_PATH, .required = 1,
     .help = "pseudonymisation key file (created with mode 0600 if missing; refused unless "
             "owner-only)"},
    {.name = "data", .type = PC_T_PATH, .required = 1, .help = "dataset file to write (HDF5)"},
    {.name = "input", .type = PC_T_MAP, .required = 1,
     .help = "the CSV files (UTF-8, header row, optional BOM, \\r\\n ok)", .sub = input_keys},
    {.name = "as_of", .type = PC_T_TIME, .required = 1,
     .help = "the instant the data ends (local time)"},
    {.name = "days", .type = PC_T_INT, .def = "14",
     .help = "the data window is [as_of - days, as_of]", .min = 1, .max = 3650},
    {.name = "max_reject_ratio", .type = PC_T_FLOAT, .def = "0.01",
     .help = "fail when a file's rejected rows (duplicates aside) exceed this share of its rows"},
    PC_KEYS_COMMON,
    {0}};

enum { K_REGIONS, K_PERSONS, K_STAYS };
static const char *const kind_names[] = {"regions", "persons", "stays"};
static const char *const columns[3][9] = {
    {"code", "parent", "level", "name"},
    {"id_number", "phone", "household", "region", "birth_date", "sex", "sector", "employer",
     "vaccine_doses"},
    {"channel", "subject", "place", "start", "end", "region", "carriage", "row"}};
static const int ncolumns[3] = {4, 9, 8};

#define MAX_INPUTS 250
#define RAW_CAP PC_REJECT_RAW
#define MAX_LINE (1 << 16) /* no valid row comes near: longer lines are rejected unread */
#define MAX_FIELDS 64

typedef pc_reject_row reject_row; /* one row of /rejects (io/pc_schema.h) */

/* A reject found after the shuffles, on its way back to the rank that read the line. */
typedef struct late_reject {
  uint64_t line;
  uint32_t file;
  uint16_t reason;
  uint16_t pad;
  char text[PC_REASON_TEXT];
} late_reject;

typedef struct input {
  int kind;
  const char *path;
  char name[64];
  pc_csv_file f;
  uint64_t *base; /* nranks + 1: first line (0-based) read by each rank */
  int col[9];     /* the file's column of each of the contract's columns */
  int ncols;
  uint64_t rows;  /* non-empty data lines read by this rank (summed before the report) */
  uint64_t reasons[PC_NREASONS]; /* rejects by reason (global, after the count) */
  uint32_t crc;
} input;

/* A row's origin: file index (8 bits) and 1-based line (56 bits); ordering
 * origins orders rows as the files list them. */
static inline uint64_t origin_of(unsigned file, uint64_t line) {
  return (uint64_t)file << 56 | line;
}
static inline unsigned origin_file(uint64_t o) { return (unsigned)(o >> 56); }
static inline uint64_t origin_line(uint64_t o) { return o & ((1ULL << 56) - 1); }

typedef struct wperson {
  pc_person p;
  pc_identity id;
  uint64_t origin;
} wperson;

typedef struct cstay cstay;

/* A rank's stay while ingesting: 40 bytes (the rank's share of ~10^10 stays
 * is most of its memory); expanded to pc_stay when written. */
struct cstay {
  uint64_t pid, place;
  uint32_t start, dur; /* seconds from the window's start; end - start */
  uint64_t rcr;        /* region << 24 | carriage << 16 | row */
  uint64_t origin;
};

/* A stay on its way to the owner of its pid: by phone (subj 0), pid holds
 * the phone until the phone's owner has resolved it; by ID number, subj is
 * the number packed (never 0), for the identity of a visitor. */
typedef struct wstay {
  cstay c;
  uint64_t subj;
} wstay;

typedef struct idpair {
  uint64_t a, b;
} idpair;

/* An ID number as a number: 17 digits * 11 + check (X = 10). */
static uint64_t id_pack(const char *id) {
  uint64_t v = 0;
  for (int i = 0; i < 17; i++) v = v * 10 + (uint64_t)(id[i] - '0');
  return v * 11 + (uint64_t)(id[17] == 'X' ? 10 : id[17] - '0');
}
static void id_unpack(uint64_t v, char *id) {
  unsigned c = (unsigned)(v % 11);
  id[17] = c == 10 ? 'X' : (char)('0' + c);
  v /= 11;
  for (int i = 16; i >= 0; i--, v /= 10) id[i] = (char)('0' + v % 10);
}

typedef struct ingest {
  pc_ctx *ctx;
  const pc_config *cfg;
  pc_key128 key;
  pc_rowcheck chk;
  input in[MAX_INPUTS];
  int nin;
  pc_buf rejects;  /* reject_row: rows this rank read */
  pc_buf late;     /* late_reject: found here, to send to the reader */
  /* regions (every rank, sorted by code) */
  pc_region *regions;
  size_t nregions;
  uint64_t *codes;
  /* persons owned (sorted by pid), phones owned (sorted by phone) */
  pc_buf persons;  /* wperson */
  pc_buf phones;   /* idpair (phone, pid) */
  /* stays owned, visitors found, places seen */
  pc_buf stays;    /* cstay */
  pc_buf id_visitors;    /* idpair (pid, packed ID) at the pid's owner */
  pc_buf phone_visitors; /* idpair (pid, phone) at the phone's owner */
  pc_buf places;         /* pc_place + name hash, see place_seen */
  uint64_t region_cache[PC_REGION_CACHE];
  pc_buf got, ans;       /* idpair: a round's phone requests and answers */
  pc_buf scratch;        /* uint64: a round's phones and requests, kept between rounds */
  uint64_t p0, p1;       /* owned pid range */
  uint64_t dup_stays;
} ingest;

/* qsort, but for empty tables too (their data may be NULL: qsort's is nonnull). */
static void sort_rows(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  if (n > 1) qsort(rows, n, size, cmp);
}

/* ---- rejects ---- */

static int reject_here(ingest *g, const input *in, unsigned file, uint64_t line, int reason,
                       const char *text, const char *raw, size_t len, int truncated) {
  PC_CALL(pc_buf_grow(&g->rejects, 1));
  reject_row *r = (reject_row *)g->rejects.data + g->rejects.n++;
  memset(r, 0, sizeof *r);
  r->line = line;
  r->file = file;
  r->reason = (uint16_t)reason;
  snprintf(r->source, sizeof r->source, "%s", in->name);
  snprintf(r->code, sizeof r->code, "%s", pc_reason_codes[reason]);
  snprintf(r->text, sizeof r->text, "%s", text);
  size_t m = len < RAW_CAP ? len : RAW_CAP;
  memcpy(r->raw, raw, m);
  r->truncated = (uint8_t)(truncated || len > RAW_CAP);
  return 0;
}

static int reject_later(ingest *g, uint64_t origin, int reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int reject_later(ingest *g, uint64_t origin, int reason, const char *fmt, ...) {
  PC_CALL(pc_buf_grow(&g->late, 1));
  late_reject *r = (late_reject *)g->late.data + g->late.n++;
  memset(r, 0, sizeof *r);
  r->line = origin_line(origin);
  r->file = origin_file(origin);
  r->reason = (uint16_t)reason;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->text, sizeof r->text, fmt, ap);
  va_end(ap);
  return 0;
}

/* The rank that read line (1-based) of input f. */
static int reader_of(const ingest *g, unsigned f, uint64_t line) {
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
  const late_reject *a = pa, *b = pb;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}
static int reject_cmp(const void *pa, const void *pb) {
  const reject_row *a = pa, *b = pb;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}

/* Late rejects to their readers, who fetch the raw lines. */
static int settle_rejects(ingest *g) {
  pc_ctx *ctx = g->ctx;
  int *dest = pc_malloc((g->late.n + 1) * sizeof *dest, "rejects");
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  const late_reject *l = g->late.data;
  for (size_t i = 0; i < g->late.n; i++) dest[i] = reader_of(g, l[i].file, l[i].line);
  pc_buf mine;
  pc_buf_init(&mine, sizeof(late_reject));
  int rc = pc_shuffle(ctx, g->late.data, g->late.n, sizeof(late_reject), dest, &mine, NULL);
  free(dest);
  pc_buf_free(&g->late);
  PC_CALL(rc);
  late_reject *m = mine.data;
  sort_rows(m, mine.n, sizeof *m, late_cmp);
  uint64_t *locals = pc_malloc((mine.n + 1) * sizeof *locals, "rejects");
  /* One byte more than kept: a line of more than RAW_CAP bytes is flagged truncated. */
  char *raw = pc_malloc((mine.n + 1) * (size_t)(RAW_CAP + 1), "rejects");
  size_t *lens = pc_malloc((mine.n + 1) * sizeof *lens, "rejects");
  rc = locals && raw && lens ? 0 : PC_ERR_MEM;
  for (size_t i = 0; i < mine.n && !rc;) { /* one fetch per file */
    size_t j = i;
    while (j < mine.n && m[j].file == m[i].file) {
      locals[j] = m[j].line - 1 - g->in[m[i].file].base[pc_rank(ctx)];
      j++;
    }
    input *in = &g->in[m[i].file];
    rc = pc_csv_fetch(&in->f, locals + i, j - i, raw + i * (RAW_CAP + 1), RAW_CAP + 1, lens + i);
    for (size_t k = i; k < j && !rc; k++)
      rc = reject_here(g, in, m[k].file, m[k].line, m[k].reason, m[k].text,
                       raw + k * (RAW_CAP + 1), lens[k], 0);
    i = j;
  }
  free(locals);
  free(raw);
  free(lens);
  pc_buf_free(&mine);
  PC_CALL(pc_agree(ctx, rc));
  sort_rows(g->rejects.data, g->rejects.n, sizeof(reject_row), reject_cmp);
  return 0;
}

/* ---- reading ---- */

/* The header: the contract's columns in any order, each once, nothing else. */
static int read_header(input *in) {
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
  pc_field f[MAX_FIELDS];
  char scratch[4096];
  int nf = pc_csv_split(h, len, f, MAX_FIELDS, scratch);
  const int want = ncolumns[in->kind];
  if (nf < 0 || nf > MAX_FIELDS)
    return PC_ERROR(PC_ERR_DATA, "%s: the header row is not valid CSV", in->path);
  for (int k = 0; k < want; k++) in->col[k] = -1;
  for (int j = 0; j < nf; j++) {
    int k = 0;
    while (k < want && !(f[j].len == strlen(columns[in->kind][k]) &&
                         !strncasecmp(f[j].p, columns[in->kind][k], f[j].len)))
      k++;
    /* A file without its header row would put a person's ID number here: a column name
     * with a digit is not quoted, so a message never carries a value of a data row. */
    int quote = f[j].len <= 32;
    for (size_t b = 0; b < f[j].len && quote; b++)
      quote = !(f[j].p[b] >= '0' && f[j].p[b] <= '9') && f[j].p[b] != 0;
    if (k == want || in->col[k] >= 0)
      return PC_ERROR(PC_ERR_DATA,
                      "%s: header column %d %s%.*s%s is %s; a %s file has the columns %s,%s,...",
                      in->path, j + 1, quote ? "(\"" : "", quote ? (int)f[j].len : 0, f[j].p,
                      quote ? "\")" : "(not quoted: it holds digits; is the header row missing?)",
                      k == want ? "not one of the contract's" : "given twice",
                      kind_names[in->kind], columns[in->kind][0], columns[in->kind][1]);
    in->col[k] = j;
  }
  for (int k = 0; k < want; k++)
    if (in->col[k] < 0)
      return PC_ERROR(PC_ERR_DATA, "%s: the header has no column \"%s\" (a %s file)", in->path,
                      columns[in->kind][k], kind_names[in->kind]);
  in->ncols = nf;
  return 0;
}

/* Split and check a line's form; on PC_R_OK cells[] are the contract's
 * columns. */
static int line_form(const input *in, const char *line, size_t len, int overlong,
                     pc_field *cells, char *scratch, char *text) {
  pc_field f[MAX_FIELDS];
  if (overlong) {
    snprintf(text, PC_REASON_TEXT, "line longer than %d bytes", MAX_LINE);
    return PC_R_LINE_LONG;
  }
  if (!pc_utf8_clean(line, len)) {
    snprintf(text, PC_REASON_TEXT, "not UTF-8 text (or a NUL/control byte)");
    return PC_R_ENCODING;
  }
  int nf = pc_csv_split(line, len, f, MAX_FIELDS, scratch);
  if (nf < 0) {
    snprintf(text, PC_REASON_TEXT, "bad quoting (a quote inside a field, or one not closed)");
    return PC_R_QUOTE;
  }
  if (nf != in->ncols) {
    snprintf(text, PC_REASON_TEXT, "%d fields, the header has %d", nf, in->ncols);
    return PC_R_FIELDS;
  }
  for (int k = 0; k < ncolumns[in->kind]; k++) cells[k] = f[in->col[k]];
  return PC_R_OK;
}

/* What a reader does with a row of good form: check and keep it. Returns
 * PC_R_OK when kept, else the reject reason with text filled; *err is set
 * when something other than the row failed (memory). */
typedef int (*take_fn)(ingest *g, unsigned fi, uint64_t line, const pc_field *cells, void *arg,
                       char *text, int *err);

/* Read up to max rows of input fi on this rank (each good row to take, each
 * bad one to the rejects); *done = 1 when the rank's range is finished. */
static int read_rows(ingest *g, unsigned fi, size_t max, take_fn take, void *arg, int *done) {
  input *in = &g->in[fi];
  const uint64_t base = in->base[pc_rank(g->ctx)];
  static char scratch[MAX_LINE + 1];
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
    PC_CALL(reject_here(g, in, fi, lineno, reason, text, line, len, overlong));
  }
  return 0;
}

/* Rounds of reading: every rank takes part in every collective round until
 * the last rank is done. */
static int more_rounds(pc_ctx *ctx, int local_more, int *more) {
  uint64_t m = (uint64_t)local_more;
  PC_CALL(pc_max_u64(ctx, &m, 1));
  *more = m != 0;
  return 0;
}

/* ---- regions ---- */

typedef struct wregion {
  pc_region r;
  uint64_t origin;
} wregion;

static int take_region(ingest *g, unsigned fi, uint64_t line, const pc_field *cells, void *arg,
                       char *text, int *err) {
  (void)g;
  pc_buf *out = arg;
  pc_region r;
  int reason = pc_row_region(cells, &r, text);
  if (reason) return reason;
  if ((*err = pc_buf_grow(out, 1))) return PC_R_OK;
  wregion *w = (wregion *)out->data + out->n++;
  w->r = r;
  w->origin = origin_of(fi, line);
  return PC_R_OK;
}

static int wregion_cmp(const void *pa, const void *pb) {
  const wregion *a = pa, *b = pb;
  if (a->r.code != b->r.code) return a->r.code < b->r.code ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

static int load_regions(ingest *g) {
  pc_ctx *ctx = g->ctx;
  pc_buf mine, all;
  pc_buf_init(&mine, sizeof(wregion));
  pc_buf_init(&all, sizeof(wregion));
  int done = 0;
  PC_CALL(pc_agree(ctx, read_rows(g, 0, SIZE_MAX, take_region, &mine, &done)));
  int *dest = pc_calloc(mine.n + 1, sizeof *dest, "regions"); /* all to rank 0 */
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  int rc = pc_shuffle(ctx, mine.data, mine.n, sizeof(wregion), dest, &all, NULL);
  free(dest);
  pc_buf_free(&mine);
  PC_CALL(rc);
  char *bytes = NULL;
  size_t len = 0;
  if (pc_rank(ctx) == 0) {
    /* In code order parents come first (a parent's code is a prefix of its
     * children's, padded with zeros): keep the first row of each code whose
     * parent was kept; the rest are rejects. */
    wregion *w = all.data;
    sort_rows(w, all.n, sizeof *w, wregion_cmp);
    pc_region *kept = pc_malloc((all.n + 1) * sizeof *kept, "regions");
    uint64_t *korig = pc_malloc((all.n + 1) * sizeof *korig, "regions");
    rc = kept && korig ? 0 : PC_ERR_MEM;
    size_t k = 0;
    for (size_t i = 0; i < all.n && !rc; i++) {
      if (k && kept[k - 1].code == w[i].r.code) {
        int same = !memcmp(&kept[k - 1], &w[i].r, sizeof w[i].r);
        rc = reject_later(g, w[i].origin, same ? PC_R_DUPLICATE : PC_R_CONFLICT,
                          same ? "same region as line %llu" : "code already on line %llu with "
                                                              "another parent, level or name",
                          (unsigned long long)origin_line(korig[k - 1]));
        continue;
      }
      if (w[i].r.parent && !pc_region_find(kept, k, w[i].r.parent)) {
        rc = reject_later(g, w[i].origin, PC_R_REGION,
                          "parent %llu is not in regions.csv (or was rejected)",
                          (unsigned long long)w[i].r.parent);
        continue;
      }
      korig[k] = w[i].origin;
      kept[k++] = w[i].r;
    }
    if (!rc && k == 0) rc = PC_ERROR(PC_ERR_DATA, "%s: no valid region", g->in[0].path);
    bytes = (char *)kept;
    len = k * sizeof *kept;
    free(korig);
  }
  pc_buf_free(&all);
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_bcast_bytes(ctx, &bytes, &len));
  g->regions = (pc_region *)bytes;
  g->nregions = len / sizeof(pc_region);
  g->codes = pc_malloc((g->nregions + 1) * sizeof *g->codes, "region codes");
  PC_CALL(pc_agree(ctx, g->codes ? 0 : PC_ERR_MEM));
  for (size_t i = 0; i < g->nregions; i++) g->codes[i] = g->regions[i].code;
  g->chk.regions = g->codes;
  g->chk.nregions = g->nregions;
  return 0;
}

/* ---- persons ---- */

static int take_person(ingest *g, unsigned fi, uint64_t line, const pc_field *cells, void *arg,
                       char *text, int *err) {
  pc_buf *out = arg;
  wperson w;
  int reason = pc_row_person(&g->chk, cells, &w.p, &w.id, text);
  if (reason) return reason;
  w.p.pid = w.id.pid = pc_pid_of_idnum(&g->key, w.id.subject);
  w.origin = origin_of(fi, line);
  if ((*err = pc_buf_grow(out, 1))) return PC_R_OK;
  ((wperson *)out->data)[out->n++] = w;
  return PC_R_OK;
}

static int wperson_cmp(const void *pa, const void *pb) {
  const wperson *a = pa, *b = pb;
  if (a->p.pid != b->p.pid) return a->p.pid < b->p.pid ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

static int idpair_cmp(const void *pa, const void *pb) {
  const idpair *a = pa, *b = pb;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  return (a->b > b->b) - (a->b < b->b);
}
typedef struct wphone {
  uint64_t phone, pid, origin;
} wphone;
static int wphone_cmp(const void *pa, const void *pb) {
  const wphone *a = pa, *b = pb;
  if (a->phone != b->phone) return a->phone < b->phone ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

/* Destinations of a shuffle: kept between rounds (a fresh array a round
 * costs its page faults every time). */
static pc_buf dest_scratch = {NULL, 0, 0, sizeof(int)};

static int shuffle_to(pc_ctx *ctx, const void *rows, size_t n, size_t rowsize,
                      int (*dest_of)(const void *row, int nranks), pc_buf *out) {
  PC_CALL(pc_agree(ctx, pc_buf_reserve(&dest_scratch, n + 1)));
  int *dest = dest_scratch.data;
  for (size_t i = 0; i < n; i++) dest[i] = dest_of((const char *)rows + i * rowsize, pc_nranks(ctx));
  return pc_shuffle(ctx, rows, n, rowsize, dest, out, NULL);
}
static int owner_first(const void *row, int nranks) {
  uint64_t k;
  memcpy(&k, row, sizeof k);
  return PC_OWNER(k, nranks);
}
static int answer_rank(const void *row, int nranks) {
  (void)nranks;
  return (int)(((const idpair *)row)->a >> 32);
}
static int owner_phone(const void *row, int nranks) {
  uint64_t k;
  memcpy(&k, row, sizeof k);
  return PC_OWNER(pc_mix64(k), nranks);
}

static int find_person(const ingest *g, uint64_t pid) {
  const wperson *w = g->persons.data;
  size_t a = 0, b = g->persons.n;
  while (a < b) {
    size_t m = (a + b) / 2;
    if (w[m].p.pid < pid) a = m + 1;
    else b = m;
  }
  return a < g->persons.n && w[a].p.pid == pid;
}

static int load_persons(ingest *g) {
  pc_ctx *ctx = g->ctx;
  pc_buf batch;
  pc_buf_init(&batch, sizeof(wperson));
  const size_t R = pc_ctx_round_bytes(ctx) / sizeof(wperson) + 1;
  int more = 1, done = 0, rc = 0;
  for (uint64_t r = 0; more; r++) {
    batch.n = 0;
    if (!done) rc = read_rows(g, 1, R, take_person, &batch, &done);
    PC_CALL(pc_agree(ctx, rc));
    PC_CALL(shuffle_to(ctx, batch.data, batch.n, sizeof(wperson), owner_first, &g->persons));
    PC_CALL(more_rounds(ctx, !done, &more));
    pc_progress(ctx, g->in[1].f.next_line, g->in[1].f.nlines);
  }
  pc_buf_free(&batch);
  /* The first row of each ID number (in file order) is kept. Identical
   * copies are duplicates, unless the person is dropped below for a phone
   * conflict: then every copy is that conflict (held in dups till then). */
  wperson *w = g->persons.data;
  PC_CALL(pc_agree(ctx, pc_sort_rows_inplace(w, g->persons.n, sizeof *w, g->p0, g->p1, wperson_cmp)));
  pc_buf dups; /* wphone: (kept row's origin, pid, the copy's origin), in pid order */
  pc_buf_init(&dups, sizeof(wphone));
  size_t k = 0;
  for (size_t i = 0; i < g->persons.n && !rc; i++) {
    if (k && w[k - 1].p.pid == w[i].p.pid) {
      if (memcmp(w[k - 1].id.subject, w[i].id.subject, 18)) {
        rc = PC_ERROR(PC_ERR_DATA, "two ID numbers share one pid (a 64-bit hash collision): make "
                      "a new key file and rerun");
        break;
      }
      int same = !memcmp(&w[k - 1].p, &w[i].p, sizeof w[i].p) &&
                 !memcmp(&w[k - 1].id, &w[i].id, sizeof w[i].id);
      if (same) {
        if (!(rc = pc_buf_grow(&dups, 1)))
          ((wphone *)dups.data)[dups.n++] = (wphone){w[k - 1].origin, w[i].p.pid, w[i].origin};
      } else {
        rc = reject_later(g, w[i].origin, PC_R_CONFLICT,
                          "ID number already on line %llu with other attributes",
                          (unsigned long long)origin_line(w[k - 1].origin));
      }
      continue;
    }
    w[k++] = w[i];
  }
  g->persons.n = k;
  PC_CALL(pc_agree(ctx, rc));
  /* Phones: each registered to one person; a later row claiming a phone
   * already registered is rejected whole. */
  pc_buf ph, drop;
  pc_buf_init(&ph, sizeof(wphone));
  pc_buf_init(&drop, sizeof(idpair)); /* (pid, origin of the phone's first row) */
  for (size_t i = 0; i < k && !rc; i++) {
    uint64_t phone;
    if (!w[i].id.phone[0] || !pc_phone_valid(w[i].id.phone, 11, &phone)) continue;
    if ((rc = pc_buf_grow(&ph, 1))) break;
    ((wphone *)ph.data)[ph.n++] = (wphone){phone, w[i].p.pid, w[i].origin};
  }
  PC_CALL(pc_agree(ctx, rc));
  pc_buf mine;
  pc_buf_init(&mine, sizeof(wphone));
  rc = shuffle_to(ctx, ph.data, ph.n, sizeof(wphone), owner_phone, &mine);
  pc_buf_free(&ph);
  PC_CALL(rc);
  wphone *m = mine.data;
  sort_rows(m, mine.n, sizeof *m, wphone_cmp);
  PC_CALL(pc_agree(ctx, pc_buf_reserve(&g->phones, mine.n + 1)));
  idpair *tab = g->phones.data;
  size_t t = 0;
  uint64_t first = 0; /* origin of the row that registered the phone */
  for (size_t i = 0; i < mine.n && !rc; i++) {
    if (t && tab[t - 1].a == m[i].phone) {
      rc = reject_later(g, m[i].origin, PC_R_CONFLICT,
                        "phone already registered to the person on line %llu",
                        (unsigned long long)origin_line(first));
      if (!rc && !(rc = pc_buf_grow(&drop, 1)))
        ((idpair *)drop.data)[drop.n++] = (idpair){m[i].pid, first};
      continue;
    }
    tab[t++] = (idpair){m[i].phone, m[i].pid};
    first = m[i].origin;
  }
  g->phones.n = t;
  pc_buf_free(&mine);
  PC_CALL(pc_agree(ctx, rc));
  pc_buf gone;
  pc_buf_init(&gone, sizeof(idpair));
  rc = shuffle_to(ctx, drop.data, drop.n, sizeof(idpair), owner_first, &gone);
  pc_buf_free(&drop);
  PC_CALL(rc);
  idpair *drops = gone.data;
  sort_rows(drops, gone.n, sizeof *drops, idpair_cmp);
  size_t q = 0, kk = 0;
  for (size_t i = 0; i < g->persons.n; i++) {
    while (q < gone.n && drops[q].a < w[i].p.pid) q++;
    if (q < gone.n && drops[q].a == w[i].p.pid) continue;
    w[kk++] = w[i];
  }
  g->persons.n = kk;
  const wphone *d = dups.data;
  q = 0;
  for (size_t i = 0; i < dups.n && !rc; i++) {
    while (q < gone.n && drops[q].a < d[i].pid) q++;
    if (q < gone.n && drops[q].a == d[i].pid)
      rc = reject_later(g, d[i].origin, PC_R_CONFLICT,
                        "phone already registered to the person on line %llu",
                        (unsigned long long)origin_line(drops[q].b));
    else
      rc = reject_later(g, d[i].origin, PC_R_DUPLICATE, "same person as line %llu",
                        (unsigned long long)origin_line(d[i].phone));
  }
  pc_buf_free(&gone);
  pc_buf_free(&dups);
  return pc_agree(ctx, rc);
}

/* ---- stays ---- */

/* Places seen by this rank's readers: an open-addressing set by id, with a
 * hash of the full name to catch two names with one id. */
typedef struct pslot {
  uint64_t id, nh, region;
  char name[PC_PLACE_NAME_LEN];
} pslot;

static int place_seen(ingest *g, const pc_instay *s) {
  pc_buf *b = &g->places;
  if (2 * (b->n + 1) > b->cap) { /* grow to twice, rehash */
    size_t cap = b->cap ? 2 * b->cap : 1 << 16;
    pslot *t = pc_calloc(cap, sizeof *t, "places seen");
    if (!t) return PC_ERR_MEM;
    pslot *o = b->data;
    for (size_t i = 0; i < b->cap; i++) {
      if (!o[i].id) continue;
      size_t h = pc_mix64(o[i].id) & (cap - 1);
      while (t[h].id) h = (h + 1) & (cap - 1);
      t[h] = o[i];
    }
    free(b->data);
    b->data = t;
    b->cap = cap;
  }
  pslot *t = b->data;
  size_t h = pc_mix64(s->place) & (b->cap - 1);
  while (t[h].id && t[h].id != s->place) h = (h + 1) & (b->cap - 1);
  /* The name's check: its length and, for a short name, the name itself;
   * a long one's hash (names longer than /places keeps are rare). */
  const int longname = s->place_len >= PC_PLACE_NAME_LEN;
  uint64_t nh = longname ? pc_place_key(0, s->place_name, s->place_len, 0) : s->place_len;
  if (t[h].id) {
    if (t[h].nh != nh || (!longname && memcmp(t[h].name, s->place_name, s->place_len)))
      return PC_ERROR(PC_ERR_DATA, "two place names give one place id (a 56-bit hash collision "
                      "between \"%.40s\" and \"%.40s\")", t[h].name, s->place_name);
    if (s->region < t[h].region) t[h].region = s->region;
    return 0;
  }
  t[h].id = s->place;
  t[h].nh = nh;
  t[h].region = s->region;
  memset(t[h].name, 0, sizeof t[h].name);
  size_t n = s->place_len < PC_PLACE_NAME_LEN - 1 ? s->place_len : PC_PLACE_NAME_LEN - 1;
  while (n > 0 && (s->place_name[n] & 0xc0) == 0x80 && n < s->place_len) n--; /* whole UTF-8 chars */
  memcpy(t[h].name, s->place_name, n);
  b->n++;
  return 0;
}

static int take_stay(ingest *g, unsigned fi, uint64_t line, const pc_field *cells, void *arg,
                     char *text, int *err) {
  pc_buf *out = arg;
  pc_instay s;
  int reason = pc_row_stay(&g->chk, cells, &s, text);
  if (reason) return reason;
  if ((*err = pc_buf_grow(out, 1)) || (*err = place_seen(g, &s))) return PC_R_OK;
  wstay *w = (wstay *)out->data + out->n++;
  memset(w, 0, sizeof *w);
  if (s.phone) {
    w->c.pid = s.phone;
  } else {
    w->c.pid = pc_pid_of_idnum(&g->key, s.idnum);
    w->subj = id_pack(s.idnum);
  }
  w->c.place = s.place;
  w->c.start = (uint32_t)(s.start - g->chk.window_start);
  w->c.dur = (uint32_t)(s.end - s.start);
  w->c.rcr = s.region << 24 | (uint64_t)s.carriage << 16 | (uint16_t)s.row;
  w->c.origin = origin_of(fi, line);
  return PC_R_OK;
}

static int keep_stay(ingest *g, const cstay *c) {
  PC_CALL(pc_buf_grow(&g->stays, 1));
  ((cstay *)g->stays.data)[g->stays.n++] = *c;
  return 0;
}

static int phone_owner_pid(const ingest *g, uint64_t phone, uint64_t *pid) {
  const idpair *t = g->phones.data;
  size_t a = 0, b = g->phones.n;
  while (a < b) {
    size_t m = (a + b) / 2;
    if (t[m].a < phone) a = m + 1;
    else b = m;
  }
  if (a < g->phones.n && t[a].a == phone) {
    *pid = t[a].b;
    return 1;
  }
  *pid = pc_pid_of_phone(&g->key, phone);
  return 0;
}

/* The pids of this round's phones: each distinct phone asks its owner once
 * (16 bytes there and back instead of moving the stays twice); the owner
 * answers from its phone table, or makes the phone a visitor. Collective. */
static int resolve_phones(ingest *g, wstay *w, size_t n) {
  pc_ctx *ctx = g->ctx;
  size_t nu = 0;
  for (size_t i = 0; i < n; i++) nu += w[i].subj == 0;
  int rc = pc_buf_reserve(&g->scratch, 3 * (nu + 1));
  uint64_t *u = g->scratch.data, *tmp = u + nu + 1;
  idpair *q = (idpair *)tmp; /* after the sort, tmp's room and beyond hold the requests */
  if (!rc) {
    nu = 0;
    for (size_t i = 0; i < n; i++)
      if (w[i].subj == 0) u[nu++] = w[i].c.pid;
    pc_sort_u64(u, tmp, nu); /* sorted into u */
    size_t k = 0;
    for (size_t i = 0; i < nu; i++)
      if (!k || u[k - 1] != u[i]) u[k++] = u[i];
    nu = k;
    /* requests: (phone, rank << 32 | index); answers: (rank << 32 | index, pid) */
    for (size_t i = 0; i < nu; i++) q[i] = (idpair){u[i], (uint64_t)pc_rank(ctx) << 32 | i};
  }
  pc_buf *gotp = &g->got, *ansp = &g->ans; /* kept between rounds */
  gotp->n = ansp->n = 0;
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(shuffle_to(ctx, q, nu, sizeof *q, owner_phone, gotp), out);
  idpair *r = gotp->data;
  for (size_t i = 0; i < gotp->n && !rc; i++) {
    uint64_t pid;
    if (!phone_owner_pid(g, r[i].a, &pid) && !(rc = pc_buf_grow(&g->phone_visitors, 1)))
      ((idpair *)g->phone_visitors.data)[g->phone_visitors.n++] = (idpair){pid, r[i].a};
    r[i].a = r[i].b;
    r[i].b = pid;
  }
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(shuffle_to(ctx, gotp->data, gotp->n, sizeof(idpair), answer_rank, ansp), out);
  r = ansp->data;
  for (size_t i = 0; i < ansp->n; i++) q[r[i].a & 0xffffffffu].b = r[i].b;
  for (size_t i = 0; i < n; i++) {
    if (w[i].subj) continue;
    size_t a = 0, b = nu;
    while (a < b) {
      size_t m = (a + b) / 2;
      if (u[m] < w[i].c.pid) a = m + 1;
      else b = m;
    }
    w[i].c.pid = q[a].b;
  }
out:
  return rc;
}

static int load_stays(ingest *g) {
  pc_ctx *ctx = g->ctx;
  pc_buf batch, recv;
  pc_buf_init(&batch, sizeof(wstay));
  pc_buf_init(&recv, sizeof(wstay));
  const size_t R = pc_ctx_round_bytes(ctx) / sizeof(wstay) + 1;
  uint64_t total = 0, before = 0; /* lines of this rank's ranges, for progress */
  for (int f = 2; f < g->nin; f++) total += g->in[f].f.nlines;
  int fi = 2, more = 1, rc = 0;
  for (uint64_t r = 0; more; r++) {
    batch.n = 0;
    while (!rc && fi < g->nin && batch.n < R) {
      int done = 0;
      rc = read_rows(g, (unsigned)fi, R - batch.n, take_stay, &batch, &done);
      if (done) before += g->in[fi].f.nlines, fi++;
    }
    PC_CALL(pc_agree(ctx, rc));
    PC_CALL(resolve_phones(g, batch.data, batch.n));
    recv.n = 0;
    PC_CALL(shuffle_to(ctx, batch.data, batch.n, sizeof(wstay), owner_first, &recv));
    const wstay *w = recv.data;
    for (size_t i = 0; i < recv.n && !rc; i++) {
      if (w[i].subj && !find_person(g, w[i].c.pid)) { /* an ID number the registry lacks */
        if ((rc = pc_buf_grow(&g->id_visitors, 1))) break;
        ((idpair *)g->id_visitors.data)[g->id_visitors.n++] = (idpair){w[i].c.pid, w[i].subj};
      }
      if (!rc) rc = keep_stay(g, &w[i].c);
    }
    PC_CALL(pc_agree(ctx, rc));
    PC_CALL(more_rounds(ctx, fi < g->nin, &more));
    uint64_t now = before + (fi < g->nin ? g->in[fi].f.next_line : 0);
    pc_progress(ctx, now < total ? now : total, total);
  }
  pc_buf_free(&batch);
  pc_buf_free(&recv);
  return 0;
}

static size_t unique_pairs(idpair *p, size_t n) {
  sort_rows(p, n, sizeof *p, idpair_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!k || p[k - 1].a != p[i].a || p[k - 1].b != p[i].b) p[k++] = p[i];
  return k;
}

/* Unregistered ID numbers and phones: persons of their own, flagged. */
static int add_visitors(ingest *g, uint64_t *nvis) {
  pc_ctx *ctx = g->ctx;
  g->phone_visitors.n = unique_pairs(g->phone_visitors.data, g->phone_visitors.n);
  pc_buf pv;
  pc_buf_init(&pv, sizeof(idpair));
  int rc = shuffle_to(ctx, g->phone_visitors.data, g->phone_visitors.n, sizeof(idpair),
                      owner_first, &pv);
  pc_buf_free(&g->phone_visitors);
  PC_CALL(rc);
  idpair *iv = g->id_visitors.data, *ph = pv.data;
  size_t ni = unique_pairs(iv, g->id_visitors.n), np = unique_pairs(ph, pv.n);
  PC_CALL(pc_agree(ctx, pc_buf_reserve(&g->persons, g->persons.n + ni + np + 1)));
  size_t n0 = g->persons.n;
  for (size_t i = 0; i < ni + np && !rc; i++) {
    const idpair *v = i < ni ? &iv[i] : &ph[i - ni];
    if ((i < ni && i && iv[i - 1].a == v->a) || (i >= ni && i > ni && ph[i - ni - 1].a == v->a) ||
        (i >= ni && find_person(g, v->a))) {
      rc = PC_ERROR(PC_ERR_DATA, "two subjects share one pid (a 64-bit hash collision): make a "
                    "new key file and rerun");
      break;
    }
    wperson *w = (wperson *)g->persons.data + g->persons.n++;
    memset(w, 0, sizeof *w);
    w->p.pid = w->id.pid = v->a;
    w->p.flags = w->id.flags = PC_PERSON_VISITOR;
    if (i < ni) { /* an ID number: its birth date and sex are known */
      id_unpack(v->b, w->id.subject);
      w->p.birth_date = pc_idnum_birth(w->id.subject);
      w->p.sex = (uint8_t)pc_idnum_sex(w->id.subject);
    } else {
      pc_phone_format(v->b, w->id.subject);
      pc_phone_format(v->b, w->id.phone);
    }
  }
  pc_buf_free(&pv);
  pc_buf_free(&g->id_visitors);
  PC_CALL(pc_agree(ctx, rc));
  *nvis = g->persons.n - n0;
  return pc_agree(ctx, pc_sort_rows_inplace(g->persons.data, g->persons.n, sizeof(wperson), g->p0,
                                            g->p1, wperson_cmp));
}

static int cstay_cmp(const void *pa, const void *pb) {
  const cstay *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  if (a->place != b->place) return a->place < b->place ? -1 : 1;
  if (a->dur != b->dur) return a->dur < b->dur ? -1 : 1;
  if (a->rcr != b->rcr) return a->rcr < b->rcr ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

/* Sort in place; an identical stay reported again (by another agency or
 * twice by one) is kept once, the copies are rejects naming the first. */
static int sort_stays(ingest *g) {
  cstay *c = g->stays.data;
  PC_CALL(pc_sort_rows_inplace(c, g->stays.n, sizeof *c, g->p0, g->p1, cstay_cmp));
  size_t k = 0;
  int rc = 0;
  for (size_t i = 0; i < g->stays.n && !rc; i++) {
    if (k && c[k - 1].pid == c[i].pid && c[k - 1].start == c[i].start &&
        c[k - 1].place == c[i].place && c[k - 1].dur == c[i].dur && c[k - 1].rcr == c[i].rcr) {
      g->dup_stays++;
      rc = reject_later(g, c[i].origin, PC_R_DUPLICATE, "same stay as %s line %llu",
                        g->in[origin_file(c[k - 1].origin)].name,
                        (unsigned long long)origin_line(c[k - 1].origin));
      continue;
    }
    c[k++] = c[i];
  }
  g->stays.n = k;
  return rc;
}

/* ---- writing ---- */

/* /rejects in (file, line) order: each rank's rejects of a file are the
 * lines it read, so file by file the ranks' pieces follow each other. */
static int write_rejects(ingest *g, pc_out *out) {
  pc_ctx *ctx = g->ctx;
  uint64_t total = g->rejects.n;
  PC_CALL(pc_sum_u64(ctx, &total, 1));
  hid_t d = -1;
  PC_CALL(pc_out_dset(out, "rejects", pc_schema_type(&pc_schema_rejects), total, PC_OUT_CHUNKED,
                      "RESTRICTED (raw lines hold clear identities): rows not ingested, in "
                      "(file, line) order; file indexes the root attribute `inputs`; line is "
                      "1-based (the header is line 1); a duplicate was kept once",
                      &d));
  const reject_row *r = g->rejects.data;
  uint64_t at = 0;
  size_t i = 0;
  int rc = 0;
  for (int f = 0; f < g->nin && !rc; f++) {
    size_t j = i;
    while (j < g->rejects.n && r[j].file == (uint32_t)f) j++;
    uint64_t before = 0, n = j - i;
    if (!(rc = pc_exscan_u64(ctx, n, &before)) && !(rc = pc_sum_u64(ctx, &n, 1)) && n)
      rc = pc_agree(ctx, pc_h5_dset_write(ctx, d, pc_schema_type(&pc_schema_rejects), at + before, j - i, r + i));
    at += n;
    i = j;
  }
  H5Dclose(d);
  return rc;
}

/* Collective: a table of this rank's rows at its rank-order offset, in rounds. */
static int write_persons(ingest *g, pc_out *out) {
  pc_ctx *ctx = g->ctx;
  size_t n = g->persons.n;
  uint64_t start = 0, N = n;
  PC_CALL(pc_exscan_u64(ctx, n, &start));
  PC_CALL(pc_sum_u64(ctx, &N, 1));
  hid_t dp = -1, di = -1;
  const size_t R = 1 << 20;
  pc_person *pb = pc_malloc(R * sizeof *pb, "write buffer");
  pc_identity *ib = pc_malloc(R * sizeof *ib, "write buffer");
  int rc = pb && ib ? 0 : PC_ERR_MEM;
  PC_CALLG(pc_agree(ctx, rc), done);
  PC_CALLG(pc_out_dset(out, "persons", pc_schema_type(&pc_schema_persons), N, PC_OUT_CHUNKED,
                       "persons sorted by pid (registered, and visitors flagged 1: an ID "
                       "number or phone in the stays that the registry does not hold); "
                       "birth_date YYYYMMDD; sex 1 male 2 female; no clear identities",
                       &dp), done);
  PC_CALLG(pc_out_dset(out, "identities", pc_schema_type(&pc_schema_identities), N, PC_OUT_CHUNKED,
                       "RESTRICTED: clear identities (ID number, phone) by pid, sorted by pid",
                       &di), done);
  uint64_t rounds = (n + R - 1) / R;
  PC_CALLG(pc_max_u64(ctx, &rounds, 1), done);
  const wperson *w = g->persons.data;
  for (uint64_t k = 0; k < rounds; k++) {
    size_t lo = k * R < n ? k * R : n, m = n - lo < R ? n - lo : R;
    for (size_t i = 0; i < m; i++) {
      pb[i] = w[lo + i].p;
      ib[i] = w[lo + i].id;
    }
    PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, dp, pc_schema_type(&pc_schema_persons), start + lo, m, pb)), done);
    PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, di, pc_schema_type(&pc_schema_identities), start + lo, m, ib)), done);
  }
done:
  if (dp >= 0) H5Dclose(dp);
  if (di >= 0) H5Dclose(di);
  free(pb);
  free(ib);
  return rc;
}

static int write_stays(ingest *g, pc_out *out, uint64_t *nstays, uint64_t *checksum) {
  pc_ctx *ctx = g->ctx;
  size_t n = g->stays.n;
  uint64_t start = 0, sums[2] = {n, 0};
  PC_CALL(pc_exscan_u64(ctx, n, &start));
  const size_t R = 1 << 20;
  pc_stay *b = pc_malloc(R * sizeof *b, "write buffer");
  PC_CALL(pc_agree(ctx, b ? 0 : PC_ERR_MEM));
  uint64_t N = n;
  int rc = pc_sum_u64(ctx, &N, 1);
  hid_t d = -1;
  /* Contiguous: screen, trace and purge read it with pread (pc_raw_open). */
  if (!rc)
    rc = pc_out_dset(out, "stays", pc_schema_type(&pc_schema_stays), N, PC_OUT_CONTIGUOUS,
                     "stays sorted by (pid, start, channel, place); times int64 seconds since "
                     "the epoch (UTC); channel 1 cafe 2 lodging 3 flight 4 rail 5 lbs 6 grid; "
                     "place ids in /places; region = the place's 12-digit code",
                     &d);
  uint64_t rounds = (n + R - 1) / R;
  if (!rc) rc = pc_max_u64(ctx, &rounds, 1);
  const cstay *c = g->stays.data;
  for (uint64_t k = 0; k < rounds && !rc; k++) {
    size_t lo = k * R < n ? k * R : n, m = n - lo < R ? n - lo : R;
    for (size_t i = 0; i < m; i++) {
      const cstay *x = &c[lo + i];
      pc_stay *s = &b[i];
      memset(s, 0, sizeof *s);
      s->pid = x->pid;
      s->place = x->place;
      s->start = g->chk.window_start + x->start;
      s->end = s->start + x->dur;
      s->region = x->rcr >> 24;
      s->channel = (uint8_t)pc_place_channel(x->place);
      s->carriage = (uint8_t)(x->rcr >> 16);
      s->row = (int16_t)(uint16_t)x->rcr;
      sums[1] += pc_stay_fingerprint(s);
    }
    rc = pc_agree(ctx, pc_h5_dset_write(ctx, d, pc_schema_type(&pc_schema_stays), start + lo, m, b));
    pc_progress(ctx, lo + m, n);
  }
  free(b);
  if (!rc) rc = pc_sum_u64(ctx, sums, 2);
  if (d >= 0) H5Dclose(d);
  *nstays = sums[0];
  *checksum = sums[1];
  return rc;
}

static int pslot_cmp(const void *pa, const void *pb) {
  const pslot *a = pa, *b = pb;
  if (a->id != b->id) return a->id < b->id ? -1 : 1;
  return (a->region > b->region) - (a->region < b->region);
}

/* /places: every rank's places gathered on rank 0 (places are few: cells,
 * grids, venues, trains), sorted by id. */
static int write_places(ingest *g, pc_out *out, uint64_t *nplaces) {
  pc_ctx *ctx = g->ctx;
  pslot *t = g->places.data;
  size_t k = 0;
  for (size_t i = 0; i < g->places.cap; i++)
    if (t[i].id) t[k++] = t[i];
  int *dest = pc_calloc(k + 1, sizeof *dest, "places");
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  pc_buf all;
  pc_buf_init(&all, sizeof(pslot));
  int rc = pc_shuffle(ctx, t, k, sizeof(pslot), dest, &all, NULL);
  free(dest);
  pc_buf_free(&g->places);
  PC_CALL(rc);
  pslot *a = all.data;
  pc_place *pl = pc_calloc(all.n + 1, sizeof *pl, "places");
  size_t m = 0;
  rc = pl ? 0 : PC_ERR_MEM;
  if (!rc) sort_rows(a, all.n, sizeof *a, pslot_cmp);
  for (size_t i = 0; i < all.n && !rc; i++) {
    if (m && pl[m - 1].id == a[i].id) {
      if (a[i].nh != a[i - 1].nh || memcmp(a[i].name, a[i - 1].name, PC_PLACE_NAME_LEN))
        rc = PC_ERROR(PC_ERR_DATA, "two place names give one place id (a 56-bit hash collision)");
      continue; /* the smallest region was first */
    }
    pl[m].id = a[i].id;
    pl[m].region = a[i].region;
    pl[m].channel = (uint8_t)pc_place_channel(a[i].id);
    memcpy(pl[m].name, a[i].name, PC_PLACE_NAME_LEN);
    m++;
  }
  pc_buf_free(&all);
  PC_CALL(pc_agree(ctx, rc));
  rc = pc_out_table(out, "places", pc_schema_type(&pc_schema_places), pl, m, NULL);
  free(pl);
  *nplaces = m;
  PC_CALL(pc_max_u64(ctx, nplaces, 1));
  return rc;
}

/* The inputs and rejects as JSON for the root attribute `inputs`; NULL when
 * json-c is out of memory (pc_out_json records it). Local. */
static json_object *inputs_json(const ingest *g) {
  json_object *j = json_object_new_array();
  for (int f = 0; j && f < g->nin; f++) {
    const input *in = &g->in[f];
    uint64_t rej = 0;
    for (int r = 1; r < PC_NREASONS; r++) rej += in->reasons[r];
    json_object *o = json_object_new_object(), *why = json_object_new_object();
    char crc[12];
    snprintf(crc, sizeof crc, "%08x", in->crc);
    if (!o || !why || json_object_array_add(j, o)) {
      json_object_put(o);
      json_object_put(why);
      json_object_put(j);
      return NULL;
    }
    pc_json_add_i64(o, "index", f);
    pc_json_add_str(o, "kind", kind_names[in->kind]);
    pc_json_add_str(o, "path", in->path);
    pc_json_add_u64(o, "bytes", in->f.size);
    pc_json_add_str(o, "crc32", crc);
    pc_json_add_u64(o, "lines", in->base[pc_nranks(g->ctx)]);
    pc_json_add_u64(o, "rows", in->rows);
    pc_json_add_u64(o, "rejected", rej);
    for (int r = 1; r < PC_NREASONS; r++)
      if (in->reasons[r]) pc_json_add_u64(why, pc_reason_codes[r], in->reasons[r]);
    pc_json_add(o, "reasons", why);
  }
  return j;
}

/* ---- the run ---- */

/* Open every input, count this rank's lines and CRC, read the header; then
 * every rank learns every rank's line counts (the line-number bases) and
 * each file's CRC (combined in rank order, so the same at any rank count). */
static int scan_inputs(ingest *g) {
  pc_ctx *ctx = g->ctx;
  const int P = pc_nranks(ctx), N = g->nin;
  int rc = 0;
  for (int f = 0; f < N && !rc; f++) {
    input *in = &g->in[f];
    const char *slash = strrchr(in->path, '/');
    snprintf(in->name, sizeof in->name, "%s", slash ? slash + 1 : in->path);
    rc = pc_csv_open(in->path, pc_rank(ctx), P, 16u << 20, MAX_LINE, &in->f);
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
    input *in = &g->in[f];
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

static int write_dataset(ingest *g, const char *path, int rejects_only, uint64_t nvis) {
  pc_ctx *ctx = g->ctx;
  const pc_config *cfg = g->cfg;
  pc_out out;
  PC_CALL(pc_out_create(ctx, cfg, path, &out));
  uint64_t nstays = 0, checksum = 0, nplaces = 0, npersons = g->persons.n;
  int rc = 0;
  if (!rejects_only) {
    rc = pc_out_table(&out, "regions", pc_schema_type(&pc_schema_regions), g->regions,
                      pc_rank(ctx) == 0 ? g->nregions : 0, NULL);
    if (!rc) rc = write_persons(g, &out);
    if (!rc) rc = write_stays(g, &out, &nstays, &checksum);
    if (!rc) rc = write_places(g, &out, &nplaces);
    if (!rc) rc = pc_sum_u64(ctx, &npersons, 1);
  }
  if (!rc) rc = write_rejects(g, &out);
  if (rc) return pc_out_commit(&out, rc);
  const int64_t as_of = pc_config_time(cfg, "as_of");
  char t[24];
  pc_out_attr_i64(&out, "as_of", as_of);
  pc_out_attr_str(&out, "as_of_local", pc_time_format(as_of, t));
  pc_out_attr_i64(&out, "days", pc_config_int(cfg, "days"));
  pc_out_attr_i64(&out, "window_start", g->chk.window_start);
  pc_out_attr_i64(&out, "window_end", g->chk.window_end);
  pc_out_json(&out, "inputs", inputs_json(g), 0);
  pc_out_attr_u64(&out, "key_fingerprint", pc_key_fingerprint(&g->key));
  pc_out_attr_str(&out, "source", "paicha ingest (agencies' CSV files)");
  if (!rejects_only) {
    pc_out_attr_u64(&out, "persons", npersons);
    pc_out_attr_u64(&out, "visitors", nvis);
    pc_out_attr_u64(&out, "stays", nstays);
    pc_out_attr_u64(&out, "stays_checksum", checksum);
    pc_out_attr_u64(&out, "places", nplaces);
  }
  return pc_out_commit(&out, 0);
}

/* Per file and reason, from the rejects (each rank holds those of the lines
 * it read), summed over ranks; rows summed too. */
static int count_rejects(ingest *g) {
  const int N = g->nin;
  uint64_t *c = pc_calloc((size_t)N * (PC_NREASONS + 1), sizeof *c, "reject counts");
  PC_CALL(pc_agree(g->ctx, c ? 0 : PC_ERR_MEM));
  const reject_row *r = g->rejects.data;
  for (size_t i = 0; i < g->rejects.n; i++) c[(size_t)r[i].file * (PC_NREASONS + 1) + r[i].reason]++;
  for (int f = 0; f < N; f++) c[(size_t)f * (PC_NREASONS + 1) + PC_NREASONS] = g->in[f].rows;
  int rc = pc_sum_u64(g->ctx, c, N * (PC_NREASONS + 1));
  for (int f = 0; f < N && !rc; f++) {
    memcpy(g->in[f].reasons, c + (size_t)f * (PC_NREASONS + 1), PC_NREASONS * sizeof *c);
    g->in[f].rows = c[(size_t)f * (PC_NREASONS + 1) + PC_NREASONS];
  }
  free(c);
  return rc;
}

static void ingest_free(ingest *g) {
  for (int f = 0; f < g->nin; f++) {
    pc_csv_close(&g->in[f].f);
    free(g->in[f].base);
  }
  pc_buf_free(&g->rejects);
  pc_buf_free(&g->late);
  pc_buf_free(&g->persons);
  pc_buf_free(&g->phones);
  pc_buf_free(&g->stays);
  pc_buf_free(&g->id_visitors);
  pc_buf_free(&g->phone_visitors);
  pc_buf_free(&g->places);
  pc_buf_free(&g->scratch);
  pc_buf_free(&g->got);
  pc_buf_free(&g->ans);
  pc_buf_free(&dest_scratch);
  free(g->regions);
  free(g->codes);
}

/* input.stays fits in ingest.in beside regions and persons; problems into p
 * (NULL: the process's error). */
static int stays_files_fit(const pc_config *cfg, pc_config_problems *p) {
  if (pc_config_len(cfg, "input.stays") > MAX_INPUTS - 2)
    return pc_config_problem(p, cfg, "input.stays", "at most %d files", MAX_INPUTS - 2);
  return 0;
}

static int run(pc_ctx *ctx, const pc_config *cfg, ingest *g) {
  const char *path = pc_config_str(cfg, "data");
  const int64_t as_of = pc_config_time(cfg, "as_of");
  const int64_t days = pc_config_int(cfg, "days");
  const double max_ratio = pc_config_float(cfg, "max_reject_ratio"); /* in [0, 1]: checked */
  g->ctx = ctx;
  g->cfg = cfg;
  g->chk.window_start = as_of - days * 86400;
  g->chk.cache = g->region_cache;
  g->chk.window_end = as_of;
  g->chk.today_ymd = pc_local_ymd(as_of); /* no one is born after as_of's local date */
  g->in[0] = (input){.kind = K_REGIONS, .path = pc_config_str(cfg, "input.regions")};
  g->in[1] = (input){.kind = K_PERSONS, .path = pc_config_str(cfg, "input.persons")};
  g->nin = 2;
  size_t ns = pc_config_len(cfg, "input.stays");
  PC_CALL(stays_files_fit(cfg, NULL)); /* checked at load: g->in holds them */
  for (size_t i = 0; i < ns; i++)
    g->in[g->nin++] = (input){.kind = K_STAYS, .path = pc_config_str_at(cfg, "input.stays", i)};
  pc_buf_init(&g->rejects, sizeof(reject_row));
  pc_buf_init(&g->late, sizeof(late_reject));
  pc_buf_init(&g->persons, sizeof(wperson));
  pc_buf_init(&g->phones, sizeof(idpair));
  pc_buf_init(&g->stays, sizeof(cstay));
  pc_buf_init(&g->id_visitors, sizeof(idpair));
  pc_buf_init(&g->phone_visitors, sizeof(idpair));
  pc_buf_init(&g->places, sizeof(pslot));
  pc_buf_init(&g->scratch, sizeof(uint64_t));
  pc_buf_init(&g->got, sizeof(idpair));
  pc_buf_init(&g->ans, sizeof(idpair));
  pc_owner_range(pc_rank(ctx), pc_nranks(ctx), &g->p0, &g->p1);
  pc_job_record_for(ctx, path);

  PC_CALL(pc_phase_begin(ctx, "setup"));
  PC_CALL(pc_job_key(ctx, pc_config_str(cfg, "key"), 1, &g->key));
  pc_phase_end(ctx, 0, 0);

  PC_CALL(pc_phase_begin(ctx, "scan"));
  PC_CALL(scan_inputs(g));
  uint64_t bytes = 0, lines = 0;
  for (int f = 0; f < g->nin; f++) bytes += g->in[f].f.hi - g->in[f].f.lo, lines += g->in[f].f.nlines;
  pc_phase_end(ctx, lines, bytes);
  {
    uint64_t tot[2] = {bytes, lines};
    PC_CALL(pc_sum_u64(ctx, tot, 2));
    pc_log(ctx, "ingest: %d files, %.1f MB, %llu lines; window %lld days to as_of", g->nin,
           (double)tot[0] / 1e6, (unsigned long long)tot[1], (long long)days);
    PC_CALL(pc_budget_check(ctx, g->cfg, "ingest", 0, (double)tot[1]));
  }

  PC_CALL(pc_phase_begin(ctx, "regions"));
  PC_CALL(load_regions(g));
  pc_phase_end(ctx, g->in[0].f.nlines, 0);
  pc_log(ctx, "ingest: %zu regions", g->nregions);

  PC_CALL(pc_phase_begin(ctx, "persons"));
  PC_CALL(load_persons(g));
  pc_phase_end(ctx, g->in[1].f.nlines, 0);

  uint64_t nvis = 0;
  PC_CALL(pc_phase_begin(ctx, "stays"));
  {
    /* Reserve the rank's expected share (address space only until touched:
     * growing a big block moves pages, never copies them). */
    uint64_t sb = 0;
    for (int f = 2; f < g->nin; f++) sb += g->in[f].f.size;
    PC_CALL(pc_agree(ctx, pc_buf_reserve(&g->stays, (size_t)(sb / 40 / (uint64_t)pc_nranks(ctx)) + 1024)));
  }
  PC_CALL(load_stays(g));
  pc_phase_end(ctx, g->stays.n, 0);
  PC_CALL(pc_phase_begin(ctx, "visitors"));
  PC_CALL(add_visitors(g, &nvis));
  pc_phase_end(ctx, nvis, 0);
  PC_CALL(pc_sum_u64(ctx, &nvis, 1));

  PC_CALL(pc_phase_begin(ctx, "sort"));
  PC_CALL(pc_agree(ctx, sort_stays(g)));
  pc_phase_end(ctx, g->stays.n, 0);

  PC_CALL(pc_phase_begin(ctx, "rejects"));
  PC_CALL(settle_rejects(g));
  PC_CALL(count_rejects(g));
  pc_phase_end(ctx, g->rejects.n, 0);

  /* The summary: per file, rows and rejects by reason (never a row's content). */
  char failing[1024] = "";
  for (int f = 0; f < g->nin; f++) {
    const input *in = &g->in[f];
    uint64_t bad = 0, dup = in->reasons[PC_R_DUPLICATE];
    for (int r = 1; r < PC_NREASONS; r++)
      if (pc_reason_counts(r)) bad += in->reasons[r];
    char why[1024] = "";
    size_t k = 0;
    for (int r = 1; r < PC_NREASONS && k < sizeof why - 64; r++)
      if (in->reasons[r])
        k += (size_t)snprintf(why + k, sizeof why - k, " %s %llu", pc_reason_codes[r],
                              (unsigned long long)in->reasons[r]);
    double ratio = in->rows ? (double)bad / (double)in->rows : 0;
    pc_log(ctx, "ingest: %s (%s): %llu rows, %llu rejected (%.3f%%), %llu duplicates%s%s",
           in->name, kind_names[in->kind], (unsigned long long)in->rows, (unsigned long long)bad,
           100 * ratio, (unsigned long long)dup, k ? ":" : "", why);
    if (ratio > max_ratio && strlen(failing) + strlen(in->name) + 4 < sizeof failing)
      snprintf(failing + strlen(failing), sizeof failing - strlen(failing), "%s%s",
               failing[0] ? ", " : "", in->name);
  }
  if (failing[0]) {
    char rpath[4200];
    snprintf(rpath, sizeof rpath, "%s.rejects.h5", path);
    PC_CALL(pc_phase_begin(ctx, "write"));
    PC_CALL(write_dataset(g, rpath, 1, 0));
    pc_phase_end(ctx, g->rejects.n, 0);
    return PC_ERROR(PC_ERR_DATA,
                    "rejected rows exceed max_reject_ratio = %g in %s: %s not written; the "
                    "rejects (line, reason, raw line) are in %s for the senders",
                    max_ratio, failing, path, rpath);
  }

  PC_CALL(pc_phase_begin(ctx, "write"));
  PC_CALL(write_dataset(g, path, 0, nvis));
  pc_phase_end(ctx, g->persons.n + g->stays.n, g->stays.n * sizeof(pc_stay));
  uint64_t tot[3] = {g->persons.n, g->stays.n, g->rejects.n};
  PC_CALL(pc_sum_u64(ctx, tot, 3));
  pc_log(ctx, "ingest: wrote %s: %llu persons (%llu visitors), %llu stays, %llu rejects", path,
         (unsigned long long)tot[0], (unsigned long long)nvis, (unsigned long long)tot[1],
         (unsigned long long)tot[2]);
  return 0;
}

/* Checks of meaning at load: the reject ratio is a share, the stays files fit. */
static int check_ingest(const pc_config *cfg, pc_config_problems *p) {
  const double max_ratio = pc_config_float(cfg, "max_reject_ratio");
  if (max_ratio < 0 || max_ratio > 1)
    pc_config_problem(p, cfg, "max_reject_ratio", "must be between 0 and 1");
  stays_files_fit(cfg, p);
  return 0;
}

static int run_ingest(pc_ctx *ctx, const pc_config *cfg) {
  ingest *g = pc_calloc(1, sizeof *g, "ingest");
  PC_CALL(pc_agree(ctx, g ? 0 : PC_ERR_MEM));
  int rc = run(ctx, cfg, g);
  ingest_free(g);
  free(g);
  return rc;
}

const pc_jobdef pc_job_ingest = {
    "ingest", "agencies' CSV files into a validated, pseudonymised dataset file",
    "Reads regions.csv, persons.csv and one or more stays.csv (each rank its byte range of\n"
    "every file), checks every row (field count, ID number and check character, birth\n"
    "date and sex against the ID number, phone, region codes, channel, times inside\n"
    "[as_of - days, as_of], carriage and row, duplicates), replaces ID numbers and phones\n"
    "by pids (keyed SipHash), and writes the dataset exactly as synth lays it out:\n"
    "/regions, /persons and /identities (sorted by pid), /stays (sorted by pid, start),\n"
    "/places, and /rejects: every row not taken, with its file, line, reason and raw\n"
    "text. An unregistered phone or ID number becomes a visitor (flag 1). A file whose\n"
    "rejects exceed max_reject_ratio fails the run: the rejects then go to\n"
    "<data>.rejects.h5 and the dataset is not written. Logs carry counts only.",
    ingest_keys, run_ingest, check_ingest};
