/* fuzz_csv.c - libFuzzer target: bytes as an agency's CSV file through ingest's line reader, field split and row checks. */
/*
 * Input: two control bytes, then the file.
 *   byte 0: kind = b0 % 3 (0 regions, 1 persons, 2 stays), ranks = 1 + (b0 / 3) % 4,
 *           fetch cap = {257, 1, 16, 0}[(b0 / 12) % 4]
 *           b0 >= 96 (lowercase letters...): the first line is made long, its text
 *           repeated to MAX_LINE - 8 + b0 % 16 bytes (around the limit), 4 times that
 *           when b0 >= 192; libFuzzer alone grows inputs to 64 kB lines only slowly
 *   byte 1: read size = 16 << (b1 & 7); checkpoints every 1 + ((b1 >> 3) & 15) * 64
 *           bytes, or PC_CSV_CHECKPOINT when b1 & 0x80
 * ("1G" + a persons.csv: one rank, 2 kB reads; "aG": the same with a long first line.)
 *
 * The file goes to a memfd once per input (pc_csv_open takes a path) and is
 * read as ingest reads it: every rank's range streamed with pc_csv_next
 * (max_line 65,536, ingest's MAX_LINE), each line through ingest's line_form
 * (length, UTF-8, split, field count) and the row check of its kind. Checked:
 *   - the ranks' lines, in rank order, are the one-pass reference split;
 *     the rejected lines, re-fetched as ingest does (pc_csv_fetch: ascending,
 *     some twice), give back the same bytes; bad fetches are refused;
 *   - pc_csv_split agrees with itself whatever maxf, and its fields lie in
 *     the line or the scratch;
 *   - a row is either accepted with every field inside the contract's limits,
 *     or rejected with a reason code its check can give and a text; never
 *     both; the region cache changes nothing.
 * No MPI. Out-of-bounds reads and writes are ASan's to find: the split's
 * buffers (lines up to MAX_LINE) and fetch's are sized exactly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pc_csv.h"
#include "pc_doc.h"
#include "pc_err.h"
#include "pc_hash.h"
#include "pc_idnum.h"
#include "pc_province.h"
#include "pc_rows.h"
#include "pc_time.h"

#define MAX_LINE (1 << 16) /* jobs/job_ingest.c */
#define MAX_FIELDS 64
#define MAX_FETCH 512

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "fuzz_csv: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

static const int ncols[3] = {4, 9, 8};

static int memfd = -1;
static char path[64];
static uint64_t *codes; /* the province's region codes, sorted */
static size_t ncodes;
static uint64_t cache[PC_REGION_CACHE];
static pc_place_memo memo[1 << PC_PLACE_MEMO_BITS]; /* kept across inputs: names met again */
static pc_date_memo dates;                          /* the same: dates met again */
static pc_rowcheck chk, chk_nocache; /* with the caches, and without: the same rows */

static void setup(void) {
  memfd = memfd_create("fuzz_csv", 0);
  CHECK(memfd >= 0);
  snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
  pc_region *r;
  CHECK(pc_province_build(&r, &ncodes) == 0);
  codes = malloc(ncodes * sizeof *codes);
  CHECK(codes);
  for (size_t i = 0; i < ncodes; i++) codes[i] = r[i].code;
  free(r);
  for (size_t i = 1; i < ncodes; i++) CHECK(codes[i - 1] < codes[i]);
  int64_t as_of;
  CHECK(pc_time_parse("2021-08-09T00:00", 16, &as_of) == 0);
  static const pc_key128 key = {1, 2};
  chk = (pc_rowcheck){codes, ncodes, as_of - 14 * 86400, as_of, 20210809, cache, &key, ~0ULL, memo,
                      &dates};
  chk_nocache = chk;
  chk_nocache.cache = NULL;
  chk_nocache.places = NULL;
  chk_nocache.dates = NULL;
}

/* Big buffers kept between inputs: an exact malloc of a few hundred kB per
 * input goes to mmap and back under ASan and costs more than the parsing.
 * Lines up to MAX_LINE still get exactly sized buffers. */
static void *reuse(void **buf, size_t *cap, size_t need) {
  if (need > *cap) {
    free(*buf);
    *cap = need + need / 2;
    *buf = malloc(*cap);
    CHECK(*buf);
  }
  return *buf;
}

static int in_table(uint64_t code) {
  size_t a = 0, b = ncodes;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (codes[m] < code) a = m + 1;
    else b = m;
  }
  return a < ncodes && codes[a] == code;
}

/* ---- reference line split: obviously the spec of pc_csv_next ---- */

typedef struct ref_line {
  const char *p;
  size_t len; /* whole line: no '\n', no trailing '\r', no BOM */
} ref_line;

static size_t ref_split(const char *d, size_t n, ref_line *out) {
  size_t k = 0, i = 0;
  while (i < n) {
    const char *nl = memchr(d + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - d) : n, len = e - i;
    const char *p = d + i;
    if (k == 0 && len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3, len -= 3;
    if (len && p[len - 1] == '\r') len--;
    out[k].p = p;
    out[k++].len = len;
    i = e + 1;
  }
  return k;
}

/* ---- the split ---- */

static int within(const char *p, size_t len, const char *base, size_t blen) {
  return p >= base && len <= blen && (size_t)(p - base) <= blen - len;
}

/* pc_csv_split of a line into f with scratch (len bytes, exactly: ASan
 * watches its end), checked against itself at other maxf. */
static int split(const char *line, size_t len, pc_field *f, char *scratch) {
  int nf = pc_csv_split(line, len, f, MAX_FIELDS, scratch);
  CHECK(nf == -1 || nf >= 1);
  CHECK(pc_csv_split(line, len, NULL, 0, NULL) == nf);
  pc_field two[2];
  static void *big;
  static size_t bigcap;
  char *s2 = len > MAX_LINE ? reuse(&big, &bigcap, len) : malloc(len ? len : 1);
  CHECK(s2);
  CHECK(pc_csv_split(line, len, two, 2, s2) == nf);
  size_t quoted = 0;
  for (int k = 0; k < nf && k < MAX_FIELDS; k++) {
    if (within(f[k].p, f[k].len, line, len)) {
      /* unquoted: no separator, no quote, no blank at either end */
      CHECK(!memchr(f[k].p, ',', f[k].len) && !memchr(f[k].p, '"', f[k].len));
      CHECK(!f[k].len || (f[k].p[0] != ' ' && f[k].p[0] != '\t'));
      CHECK(!f[k].len || (f[k].p[f[k].len - 1] != ' ' && f[k].p[f[k].len - 1] != '\t'));
    } else {
      CHECK(within(f[k].p, f[k].len, scratch, len));
      quoted += f[k].len;
    }
    if (k < 2) CHECK(two[k].len == f[k].len && (!f[k].len || !memcmp(two[k].p, f[k].p, f[k].len)));
  }
  CHECK(quoted <= len);
  if (len <= MAX_LINE) free(s2);
  return nf;
}

/* ---- the row checks ---- */

static void text_ok(int reason, const char *text) {
  if (reason == PC_R_OK) return;
  CHECK(memchr(text, 0, PC_REASON_TEXT) != NULL);
  CHECK(text[0] != 0);
}

static int check_region(const pc_field *cells) {
  pc_field f[4];
  memcpy(f, cells, sizeof f);
  pc_region r;
  char text[PC_REASON_TEXT];
  memset(text, 0, sizeof text);
  int reason = pc_row_region(f, &r, text);
  CHECK(reason == PC_R_OK || reason == PC_R_REGION || reason == PC_R_FIELD);
  text_ok(reason, text);
  if (reason) return reason;
  CHECK(r.code >= 100000000000ULL && r.code <= 999999999999ULL);
  CHECK(r.level >= 1 && r.level <= 5 && r.level == pc_region_level(r.code));
  CHECK(r.level == 1 ? r.parent == 0 || pc_region_level(r.parent) < r.level
                     : pc_region_level(r.parent) >= 1 && pc_region_level(r.parent) < r.level);
  size_t nl = strnlen(r.name, sizeof r.name);
  CHECK(nl >= 1 && nl < sizeof r.name && nl == f[3].len && !memcmp(r.name, f[3].p, nl));
  CHECK(r.weight == 0 && r.urban == 0);
  return PC_R_OK;
}

/* Looks like an identity (an ID number or a phone): 8+ digits, X allowed. */
static int identity_like(const pc_field *f) {
  if (f->len < 8) return 0;
  for (size_t i = 0; i < f->len; i++)
    if ((f->p[i] < '0' || f->p[i] > '9') && f->p[i] != 'X') return 0;
  return 1;
}

/* cells: the contract's columns, and the optional type column when typed. */
static int check_person(const pc_field *cells, int typed) {
  pc_field f[10];
  memcpy(f, cells, sizeof f);
  if (!typed) f[9] = (pc_field){"", 0};
  pc_person p, p2;
  pc_identity id, id2;
  char text[PC_REASON_TEXT], text2[PC_REASON_TEXT];
  memset(text, 0, sizeof text);
  int reason = pc_row_person(&chk, f, &p, &id, text);
  int again = pc_row_person(&chk_nocache, f, &p2, &id2, text2);
  CHECK(reason == again);
  CHECK(reason == PC_R_OK || (reason >= PC_R_ID_FORMAT && reason <= PC_R_REGION) ||
        reason == PC_R_FIELD);
  text_ok(reason, text);
  if (reason) {
    CHECK(!strcmp(text, text2));
    /* texts never quote the ID number or the phone (unless the region field holds it) */
    if (identity_like(&f[0]) && !memmem(f[3].p, f[3].len, f[0].p, f[0].len))
      CHECK(!memmem(text, strlen(text), f[0].p, f[0].len));
    if (identity_like(&f[1]) && !memmem(f[3].p, f[3].len, f[1].p, f[1].len))
      CHECK(!memmem(text, strlen(text), f[1].p, f[1].len));
    return reason;
  }
  CHECK(!memcmp(&p, &p2, sizeof p) && !memcmp(&id, &id2, sizeof id));
  char number[PC_DOC_MAX + 1];
  size_t nl;
  CHECK(id.id_type < PC_DOC_PHONE && pc_doc_normalise(id.id_type, f[0].p, f[0].len, number, &nl,
                                                       chk.today_ymd) == PC_DOC_E_OK);
  CHECK(!memcmp(id.subject, number, nl) && (nl == PC_SUBJECT_LEN || id.subject[nl] == 0));
  static const char nophone[11];
  uint64_t ph = 0;
  CHECK(f[1].len ? pc_phone_normalise(f[1].p, f[1].len, &ph) && pc_phone_valid(id.phone, 11, NULL)
                 : !memcmp(id.phone, nophone, 11));
  CHECK(p.pid == 0 && id.pid == 0 && p.flags == 0 && id.flags == 0);
  CHECK(in_table(p.region) && pc_region_level(p.region) >= 1);
  if (id.id_type == PC_DOC_ID_CARD) {
    CHECK(pc_idnum_validate(id.subject, 18, chk.today_ymd) == PC_ID_OK);
    CHECK(p.birth_date == pc_idnum_birth(id.subject) && (p.sex == 1 || p.sex == 2));
  }
  CHECK(p.birth_date == 0 || (p.birth_date <= chk.today_ymd && p.birth_date >= 18800101));
  CHECK(p.sex <= 2);
  CHECK(p.doses <= 20);
  CHECK(pc_sector_index(p.sector) < PC_NSECTORS - 1 || (p.sector[0] == 0 && p.sector[1] == 0));
  return PC_R_OK;
}

static int check_stay(const pc_field *cells, int typed) {
  pc_field f[9];
  memcpy(f, cells, sizeof f);
  if (!typed) f[8] = (pc_field){"", 0};
  pc_instay s, s2;
  char text[PC_REASON_TEXT], text2[PC_REASON_TEXT];
  memset(text, 0, sizeof text);
  int reason = pc_row_stay(&chk, f, &s, text);
  int again = pc_row_stay(&chk_nocache, f, &s2, text2);
  CHECK(reason == again);
  CHECK(reason == PC_R_OK || (reason >= PC_R_ID_FORMAT && reason <= PC_R_FIELD &&
                              reason != PC_R_BIRTH_MISMATCH && reason != PC_R_SEX_MISMATCH));
  text_ok(reason, text);
  if (reason) {
    CHECK(!strcmp(text, text2));
    if (identity_like(&f[1]) && !memmem(f[5].p, f[5].len, f[1].p, f[1].len))
      CHECK(!memmem(text, strlen(text), f[1].p, f[1].len));
    return reason;
  }
  CHECK(!memcmp(&s, &s2, sizeof s));
  CHECK(s.channel >= PC_CH_CAFE && s.channel <= PC_CH_GRID);
  if (s.subject_type == PC_DOC_PHONE) {
    uint64_t v;
    CHECK(pc_phone_normalise(f[1].p, f[1].len, &v) && v == s.phone);
  } else {
    CHECK(s.phone == 0 && s.subject_type < PC_DOC_PHONE);
    CHECK(s.subject_type != PC_DOC_ID_CARD ||
          pc_idnum_validate(s.subject, 18, chk.today_ymd) == PC_ID_OK);
  }
  if (!typed) CHECK(s.subject_type == ((s.channel == PC_CH_LBS || s.channel == PC_CH_GRID)
                                           ? PC_DOC_PHONE : PC_DOC_ID_CARD));
  CHECK(s.start < s.end && s.start >= chk.window_start && s.end <= chk.window_end);
  CHECK(in_table(s.region));
  CHECK(s.row >= 0 && s.row <= 32767);
  CHECK(s.seat_unknown == ((s.channel == PC_CH_FLIGHT && !s.row) ||
                           (s.channel == PC_CH_RAIL && !s.carriage)));
  CHECK(s.place_len >= 1 && s.place_len <= 64 && s.place_name >= f[2].p &&
        s.place_name + s.place_len <= f[2].p + f[2].len);
  CHECK(s.place == pc_place_key(s.channel, s.place_name, s.place_len, s.carriage));
  return PC_R_OK;
}

/* ingest's line_form, then the row check: 1 when ingest rejects the line. */
static int check_line(int kind, const char *line, size_t len, int overlong) {
  pc_field f[MAX_FIELDS];
  static void *big;
  static size_t bigcap;
  char *scratch = len > MAX_LINE ? reuse(&big, &bigcap, len) : malloc(len ? len : 1);
  CHECK(scratch);
  int nf = split(line, len, f, scratch); /* whatever ingest does, the split must survive it */
  int clean = overlong ? -1 : pc_utf8_clean(line, len);
  if (clean == 1) CHECK(memchr(line, 0, len) == NULL);
  /* else PC_R_LINE_LONG, PC_R_ENCODING; then PC_R_QUOTE, PC_R_FIELDS */
  /* persons and stays may carry their optional type column last */
  const int typed = kind > 0 && nf == ncols[kind] + 1;
  int reason = clean != 1 || (nf != ncols[kind] && !typed);
  if (!reason)
    reason = kind == 0 ? check_region(f) : kind == 1 ? check_person(f, typed) : check_stay(f, typed);
  if (len <= MAX_LINE) free(scratch);
  return reason != PC_R_OK;
}

/* ---- one input ---- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (memfd < 0) setup();
  if (size < 2) return 0;
  const int kind = data[0] % 3, nranks = 1 + (data[0] / 3) % 4;
  static const size_t caps[4] = {257, 1, 16, 0};
  const size_t cap = caps[(data[0] / 12) % 4];
  const size_t bufsize = (size_t)16 << (data[1] & 7);
  const uint64_t ck = data[1] & 0x80 ? PC_CSV_CHECKPOINT : 1 + (uint64_t)((data[1] >> 3) & 15) * 64;
  const char *d = (const char *)data + 2;
  size_t n = size - 2;
  static void *grown, *refs;
  static size_t grown_cap, refs_cap;
  if (data[0] >= 96) {
    const char *nl = memchr(d, '\n', n);
    size_t first = nl ? (size_t)(nl - d) : n, want = (size_t)MAX_LINE - 8 + data[0] % 16;
    if (data[0] >= 192) want *= 4;
    char *g = reuse(&grown, &grown_cap, want + (n - first) + 1);
    for (size_t i = 0; i < want; i++) g[i] = first ? d[i % first] : ',';
    memcpy(g + want, d + first, n - first);
    d = g;
    n = want + (n - first);
  }
  pc_err_clear();

  CHECK(ftruncate(memfd, 0) == 0);
  CHECK(pwrite(memfd, d, n, 0) == (ssize_t)n);

  ref_line *ref = reuse(&refs, &refs_cap, (n + 1) * sizeof *ref);
  const size_t nref = ref_split(d, n, ref);

  uint64_t base = 0, prev_hi = 0;
  for (int r = 0; r < nranks; r++) {
    pc_csv_file f;
    CHECK(pc_csv_open(path, r, nranks, bufsize, MAX_LINE, &f) == 0);
    CHECK(f.size == n && f.lo == prev_hi && f.lo <= f.hi && f.hi <= n);
    CHECK(f.lo == 0 || f.lo == n || d[f.lo - 1] == '\n');
    prev_hi = f.hi;
    f.ck_every = ck;
    CHECK(pc_csv_count(&f) == 0);
    const char *line;
    size_t len;
    uint64_t local, got = 0;
    int over, rc;
    static uint64_t locals[MAX_FETCH];
    size_t m = 0;
    while ((rc = pc_csv_next(&f, &line, &len, &local, &over)) == 1) {
      CHECK(local == got && got < f.nlines && base + local < nref);
      const ref_line *e = &ref[base + local];
      CHECK(over == (e->len > MAX_LINE));
      CHECK(len == (over ? (size_t)MAX_LINE : e->len));
      CHECK(!len || !memcmp(line, e->p, len));
      got++;
      if (len == 0 && !over) continue; /* ingest skips empty lines */
      /* ingest re-fetches the rejected lines' text: ascending, some twice */
      if (check_line(kind, e->p, over ? e->len : len, over) && m < MAX_FETCH) {
        locals[m++] = local;
        if (local % 5 == 1 && m < MAX_FETCH) locals[m++] = local;
      }
    }
    CHECK(rc == 0 && got == f.nlines);
    if (m) {
      char *raw = malloc(m * cap ? m * cap : 1);
      size_t *lens = malloc(m * sizeof *lens);
      CHECK(raw && lens);
      CHECK(pc_csv_fetch(&f, locals, m, raw, cap, lens) == 0);
      for (size_t i = 0; i < m; i++) {
        const ref_line *e = &ref[base + locals[i]];
        size_t want = e->len < cap ? e->len : cap;
        CHECK(lens[i] == want);
        CHECK(!want || !memcmp(raw + i * cap, e->p, want));
      }
      /* out of range, unsorted: refused */
      uint64_t bad[2] = {f.nlines, 0};
      CHECK(pc_csv_fetch(&f, bad, 1, raw, cap, lens) == PC_ERR_ARG);
      if (m > 1 && locals[m - 1] > locals[0]) {
        bad[0] = locals[m - 1];
        bad[1] = locals[0];
        CHECK(pc_csv_fetch(&f, bad, 2, raw, cap, lens) == PC_ERR_ARG);
      }
      pc_err_clear();
      free(raw);
      free(lens);
      /* streaming starts over after a fetch */
      CHECK(pc_csv_next(&f, &line, &len, &local, &over) == 1 && local == 0);
    }
    base += f.nlines;
    pc_csv_close(&f);
  }
  CHECK(prev_hi == n && base == nref);
  return 0;
}
