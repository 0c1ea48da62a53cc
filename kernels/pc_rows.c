/* pc_rows.c - one CSV row of an agency's file checked and turned into a dataset row, or a reason why not. */
#include "pc_rows.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pc_hash.h"
#include "pc_doc.h"
#include "pc_idnum.h"
#include "pc_opaque.h"
#include "pc_time.h"

const char *const pc_reason_codes[PC_NREASONS] = {
    "ok",        "line_long", "encoding", "quote",  "fields",   "id_format", "id_check",
    "id_birth",  "birth_mismatch", "sex_mismatch", "phone", "region", "channel", "time",
    "order",     "window",    "seat",     "field",  "duplicate", "conflict"};

int pc_reason_counts(int reason) { return reason != PC_R_DUPLICATE && reason != PC_R_OK; }

static int fail(char *text, int reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *text, int reason, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, PC_REASON_TEXT, fmt, ap);
  va_end(ap);
  return reason;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PC_ROWS_AVX512 1
/* The length of the leading run of printable ASCII (and tabs) in s[0..len),
 * 64 bytes at a time: a stays line (~80 bytes) in two steps, where the
 * 8-byte loop below takes ten. The masked load reads no byte past s. */
__attribute__((target("avx512f,avx512bw"))) static size_t printable_run(const char *s, size_t len) {
  const __m512i space = _mm512_set1_epi8(0x20), del = _mm512_set1_epi8(0x7f),
                tab = _mm512_set1_epi8('\t');
  for (size_t base = 0; base < len; base += 64) {
    const size_t n = len - base < 64 ? len - base : 64;
    const __mmask64 in = n == 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(in, s + base);
    /* unsigned: below 0x20 but a tab, 0x7f, or 0x80 and above */
    const __mmask64 bad = (_mm512_mask_cmplt_epu8_mask(in, v, space) &
                           ~_mm512_mask_cmpeq_epi8_mask(in, v, tab)) |
                          _mm512_mask_cmpge_epu8_mask(in, v, del);
    if (bad) return base + (size_t)__builtin_ctzll(bad);
  }
  return len;
}
#endif

int pc_utf8_clean(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *e = p + len;
#ifdef PC_ROWS_AVX512
  static int avx512 = -1; /* the CPU's answer, asked once */
  if (avx512 < 0) avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  if (avx512) p += printable_run(s, len);
#endif
  while (p < e) {
    /* Eight ASCII printable bytes at a time: no high bit, none below 0x20
     * (tab aside, which takes the slow path), no DEL. */
    while (e - p >= 8) {
      uint64_t v;
      memcpy(&v, p, 8);
      const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
      uint64_t below20 = (v - ones * 0x20) & ~v & highs, del = ((v ^ (ones * 0x7f)) - ones) & ~(v ^ (ones * 0x7f)) & highs;
      if ((v & highs) | below20 | del) break;
      p += 8;
    }
    if (p >= e) break;
    unsigned c = *p;
    if (c < 0x80) {
      if (c < 0x20 && c != '\t') return 0;
      if (c == 0x7f) return 0;
      p++;
      continue;
    }
    size_t n;
    unsigned min;
    if ((c & 0xe0) == 0xc0) n = 1, min = 0x80, c &= 0x1f;
    else if ((c & 0xf0) == 0xe0) n = 2, min = 0x800, c &= 0x0f;
    else if ((c & 0xf8) == 0xf0) n = 3, min = 0x10000, c &= 0x07;
    else return 0;
    if ((size_t)(e - p) <= n) return 0;
    for (size_t i = 1; i <= n; i++) {
      if ((p[i] & 0xc0) != 0x80) return 0;
      c = c << 6 | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
    p += n + 1;
  }
  return 1;
}

/* Decimal digits only, 1..maxd of them, into *v. */
static int num(const pc_field *f, size_t maxd, uint64_t *v) {
  if (f->len == 0 || f->len > maxd) return -1;
  uint64_t x = 0;
  for (size_t i = 0; i < f->len; i++) {
    if (f->p[i] < '0' || f->p[i] > '9') return -1;
    x = x * 10 + (uint64_t)(f->p[i] - '0');
  }
  *v = x;
  return 0;
}

static int is(const pc_field *f, const char *s) {
  return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

static inline uint64_t load8(const char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* pc_place_key of a place's name, through c->places when there is one: the
 * slot by the name's first 16 and last 8 bytes, its length, channel and
 * carriage; the key when the slot holds this very name (compared by those
 * three words, then memcmp past 24 bytes), else keyed and kept. Names of
 * fewer than 16 bytes are keyed every time. */
static uint64_t place_id(const pc_rowcheck *c, unsigned ch, const char *name, size_t len,
                         unsigned carriage, pc_instay *s) {
  s->memo = -1;
  if (!c->places || len < 16 || len > PC_PLACE_MEMO_NAME)
    return pc_place_key(ch, name, len, carriage);
  const uint64_t w0 = load8(name), w1 = load8(name + 8), w2 = load8(name + len - 8);
  const uint64_t h = pc_mix64(w0 ^ (w1 << 29 | w1 >> 35) ^ (w2 << 17 | w2 >> 47) ^
                              (uint64_t)len << 56 ^ (uint64_t)ch << 48 ^ (uint64_t)carriage << 40);
  pc_place_memo *m = &c->places[h >> (64 - PC_PLACE_MEMO_BITS)];
  s->memo = (int32_t)(h >> (64 - PC_PLACE_MEMO_BITS));
  s->memo_new = 0;
  if (m->len == len && m->channel == ch && m->carriage == carriage && load8(m->name) == w0 &&
      load8(m->name + 8) == w1 && load8(m->name + len - 8) == w2 &&
      (len <= 24 || !memcmp(m->name + 16, name + 16, len - 24)))
    return m->key;
  s->memo_new = 1;
  m->key = pc_place_key(ch, name, len, carriage);
  m->len = (uint8_t)len;
  m->channel = (uint8_t)ch;
  m->carriage = (uint8_t)carriage;
  memcpy(m->name, name, len);
  return m->key;
}

/* 1 when the 8 bytes of v (first in the low byte) are all ASCII digits:
 * each byte's high nibble is 3, and still is with 6 added (no byte carries
 * into the next when every high nibble is 3). */
static inline int digits_swar(uint64_t v, uint64_t ones) {
  const uint64_t hi = ones * 0xF0, three = ones * 0x30;
  return (v & hi) == three && ((v + ones * 0x06) & hi) == three;
}

int pc_digits12(const char *p, size_t len, uint64_t *v) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (len != 12) return -1;
  uint64_t a;
  uint32_t b;
  memcpy(&a, p, 8);
  memcpy(&b, p + 8, 4);
  const uint64_t ones = 0x0101010101010101ULL;
  /* b's four digits, padded with '0' to a word */
  if (!digits_swar(a, ones) || !digits_swar(b | 0x3030303000000000ULL, ones)) return -1;
  /* pairs, then fours, then eight (the first digit is the low byte) */
  a -= 0x3030303030303030ULL;
  a = a * 10 + (a >> 8);
  a = (((a & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
       (((a >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
  b -= 0x30303030u;
  b = b * 10 + (b >> 8);
  *v = a * 10000 + (b & 0xFF) * 100 + ((b >> 16) & 0xFF);
  return 0;
#else
  const pc_field f = {p, len};
  return num(&f, 12, v);
#endif
}

/* A 12-digit code present in the sorted table. */
static int region_ok(const pc_rowcheck *c, const pc_field *f, uint64_t *code) {
  if (pc_digits12(f->p, f->len, code) || *code == 0) return 0;
  const uint64_t slot = (*code * 0x9E3779B97F4A7C15ULL) >> (64 - PC_REGION_CACHE_BITS);
  uint64_t *hit = c->cache ? &c->cache[slot] : NULL;
  if (hit && *hit == *code) return 1;
  size_t a = 0, b = c->nregions;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (c->regions[m] < *code) a = m + 1;
    else b = m;
  }
  if (a < c->nregions && c->regions[a] == *code) {
    if (hit) *hit = *code;
    return 1;
  }
  return 0;
}

int pc_row_region(const pc_field f[4], pc_region *r, char *text) {
  memset(r, 0, sizeof *r);
  uint64_t v;
  if (f[0].len != 12 || num(&f[0], 12, &r->code) || pc_region_level(r->code) == 0)
    return fail(text, PC_R_REGION, "code is not a 12-digit division code");
  if (f[1].len && (f[1].len != 12 || num(&f[1], 12, &r->parent) || pc_region_level(r->parent) == 0))
    return fail(text, PC_R_REGION, "parent is not a 12-digit division code");
  int level = 0;
  if (f[2].len == 1 && !num(&f[2], 1, &v)) level = (int)v;
  for (int k = PC_LEVEL_PROVINCE; k <= PC_LEVEL_COMMUNITY && !level; k++)
    if (is(&f[2], pc_level_name(k))) level = k;
  if (level < 1 || level > 5)
    return fail(text, PC_R_FIELD, "level must be 1-5 (province, city, county, township, community)");
  if (level != pc_region_level(r->code))
    return fail(text, PC_R_FIELD, "level %d does not match code %llu (level %d)", level,
                (unsigned long long)r->code, pc_region_level(r->code));
  if (level > 1 && !r->parent) return fail(text, PC_R_REGION, "parent missing");
  if (r->parent && pc_region_level(r->parent) >= level)
    return fail(text, PC_R_REGION, "parent %llu is not above level %d",
                (unsigned long long)r->parent, level);
  r->level = (uint8_t)level;
  if (f[3].len == 0) return fail(text, PC_R_FIELD, "name is empty");
  if (f[3].len >= PC_REGION_NAME_LEN)
    return fail(text, PC_R_FIELD, "name longer than %d bytes", PC_REGION_NAME_LEN - 1);
  memcpy(r->name, f[3].p, f[3].len);
  return PC_R_OK;
}

/* The document checks shared by persons and stays: field f (named `what`)
 * holds a number of type `type`; its normal form goes to out (*n bytes). */
static int doc_ok(const pc_rowcheck *c, int type, const pc_field *f, const char *what,
                  char out[PC_DOC_MAX + 1], size_t *n, char *text) {
  int e = pc_doc_normalise(type, f->p, f->len, out, n, c->today_ymd);
  if (type == PC_DOC_ID_CARD) switch (e) {
      case PC_DOC_E_OK: return PC_R_OK;
      case PC_DOC_E_CHECK: return fail(text, PC_R_ID_CHECK, "%s: wrong check character (GB 11643)", what);
      case PC_DOC_E_BIRTH: return fail(text, PC_R_ID_BIRTH, "%s: birth date in the ID number is not a real past date", what);
      default: return fail(text, PC_R_ID_FORMAT, "%s: not 17 digits and a check character", what);
    }
  switch (e) {
    case PC_DOC_E_OK: return PC_R_OK;
    case PC_DOC_E_CHECK: return fail(text, PC_R_ID_CHECK, "%s: %s", what, pc_doc_reason(type, e));
    case PC_DOC_E_BIRTH: return fail(text, PC_R_ID_BIRTH, "%s: %s", what, pc_doc_reason(type, e));
    case PC_DOC_E_PHONE: return fail(text, PC_R_PHONE, "%s: %s", what, pc_doc_reason(type, e));
    default: return fail(text, PC_R_ID_FORMAT, "%s: %s", what, pc_doc_reason(type, e));
  }
}

/* The type named by an id_type / subject_type field (empty: dflt); -1 and a
 * reject text when it names none, or phone where phones are not documents. */
static int doc_type(const pc_field *f, int dflt, int phone_ok, const char *what, char *text) {
  int t = f->len ? pc_doc_of(f->p, f->len) : dflt;
  if (t < 0 || (t == PC_DOC_PHONE && !phone_ok)) {
    fail(text, PC_R_FIELD, "%s: not one of id_card, passport, hk_macao, taiwan, foreign_pr, other%s",
         what, phone_ok ? ", phone" : "");
    return -1;
  }
  return t;
}

/* Sex as a column gives it: 1 male, 2 female, 0 not one of the accepted forms. */
static int sex_of(const pc_field *f) {
  return is(f, "M") || is(f, "1") || is(f, "男")   ? 1
         : is(f, "F") || is(f, "2") || is(f, "女") ? 2
                                                    : 0;
}

/* Birth date and sex: from the document when it holds them (the columns, when
 * given, must agree), else from the columns (empty: unknown, 0). */
static int birth_and_sex(const pc_rowcheck *c, const pc_field f[10], int type, const char *number,
                         pc_person *p, char *text) {
  int32_t born = 0, b = 0;
  int sex = 0, s = 0;
  const int held = pc_doc_birth_sex(type, number, &born, &sex);
  if (f[4].len && pc_date_parse(f[4].p, f[4].len, &b))
    return fail(text, PC_R_FIELD, "birth_date: not a date YYYY-MM-DD");
  if (f[5].len && !(s = sex_of(&f[5]))) return fail(text, PC_R_FIELD, "sex: not M/F (1/2, 男/女)");
  if (held && f[4].len && b != born)
    return fail(text, PC_R_BIRTH_MISMATCH, "birth_date differs from the ID number's");
  if (held && f[5].len && s != sex)
    return fail(text, PC_R_SEX_MISMATCH, "sex differs from the ID number's");
  if (!held && b && ((c->today_ymd && b > c->today_ymd) || b < 18800101))
    return fail(text, PC_R_FIELD, "birth_date: not a real date on or before as_of");
  p->birth_date = held ? born : b;
  p->sex = (uint8_t)(held ? sex : s);
  return PC_R_OK;
}

/* An opaque identifier's id (the field is not empty: the splitter trimmed
 * unquoted fields; a quoted one may still be blanks only, then it is none). */
static int opaque(const pc_rowcheck *c, const pc_field *f, int kind, uint64_t *id) {
  const char *s;
  size_t n;
  if (pc_opaque_trim(f->p, f->len, &s, &n)) return n > PC_OPAQUE_MAX;
  *id = pc_opaque_id(c->key, kind, s, n, c->id_mask);
  return 0;
}

int pc_row_person(const pc_rowcheck *c, const pc_field f[10], pc_person *p, pc_identity *id,
                  char *text) {
  memset(p, 0, sizeof *p);
  memset(id, 0, sizeof *id);
  const int type = doc_type(&f[9], PC_DOC_ID_CARD, 0, "id_type", text);
  if (type < 0) return PC_R_FIELD;
  char number[PC_DOC_MAX + 1];
  size_t nl;
  int r = doc_ok(c, type, &f[0], "id_number", number, &nl, text);
  if (r) return r;
  memcpy(id->subject, number, nl);
  id->id_type = (uint8_t)type;
  uint64_t v;
  if (f[1].len) {
    if (!pc_phone_normalise(f[1].p, f[1].len, &v))
      return fail(text, PC_R_PHONE, "phone: not 11 digits starting with 13-19 (+86 and blanks allowed)");
    pc_phone_format(v, id->phone);
  }
  if (f[2].len && opaque(c, &f[2], PC_OPAQUE_HOUSEHOLD, &p->household))
    return fail(text, PC_R_FIELD, "household: longer than %d bytes", PC_OPAQUE_MAX);
  if (!region_ok(c, &f[3], &p->region))
    return fail(text, PC_R_REGION, "region: not a code of regions.csv");
  if ((r = birth_and_sex(c, f, type, number, p, text))) return r;
  if (f[6].len) {
    int ok = (f[6].len == 1 && f[6].p[0] >= 'A' && f[6].p[0] <= 'T') || is(&f[6], "S0") ||
             is(&f[6], "R0") || is(&f[6], "U0");
    if (!ok) return fail(text, PC_R_FIELD, "sector: not A-T, S0, R0 or U0");
    memcpy(p->sector, f[6].p, f[6].len);
  }
  if (f[7].len && opaque(c, &f[7], PC_OPAQUE_EMPLOYER, &p->employer))
    return fail(text, PC_R_FIELD, "employer: longer than %d bytes", PC_OPAQUE_MAX);
  if (f[8].len) {
    if (num(&f[8], 2, &v) || v > 20) return fail(text, PC_R_FIELD, "vaccine_doses: not 0-20");
    p->doses = (uint8_t)v;
  }
  return PC_R_OK;
}

int pc_row_owner(const pc_rowcheck *c, const pc_field f[3], uint64_t *phone, int *type,
                 char number[PC_SUBJECT_LEN + 1], char *text) {
  if (!pc_phone_normalise(f[0].p, f[0].len, phone))
    return fail(text, PC_R_PHONE, "phone: not 11 digits starting with 13-19 (+86 and blanks allowed)");
  if ((*type = doc_type(&f[2], PC_DOC_ID_CARD, 0, "subject_type", text)) < 0) return PC_R_FIELD;
  size_t n;
  return doc_ok(c, *type, &f[1], "subject", number, &n, text);
}

/* The contract's CSV time: YYYY-MM-DDTHH:MM, seconds optional (the config
 * also takes a space for the T or a bare date; an agency's file may not). */
static int csv_time(const pc_field *f) { return (f->len == 16 || f->len == 19) && f->p[10] == 'T'; }

/* A time through the reader's date memo, when it has one. */
static int time_of(const pc_rowcheck *c, const pc_field *f, int64_t *t) {
  return c->dates ? pc_time_parse_memo(c->dates, f->p, f->len, t) : pc_time_parse(f->p, f->len, t);
}

int pc_row_stay(const pc_rowcheck *c, const pc_field f[9], pc_instay *s, char *text) {
  memset(s, 0, sizeof *s);
  int ch = -1;
  switch (f[0].len ? f[0].p[0] : 0) { /* one candidate by first letter */
    case 'c': ch = PC_CH_CAFE; break;
    case 'l': ch = f[0].len > 1 && f[0].p[1] == 'b' ? PC_CH_LBS : PC_CH_LODGING; break;
    case 'f': ch = PC_CH_FLIGHT; break;
    case 'r': ch = PC_CH_RAIL; break;
    case 'g': ch = PC_CH_GRID; break;
    default: break;
  }
  if (ch >= 0 && !is(&f[0], pc_channel_names[ch])) ch = -1;
  if (ch < 0 && is(&f[0], "household")) /* not a channel of stays: asked only of a bad one */
    return fail(text, PC_R_CHANNEL, "channel: household is implicit (persons.csv), not a stay");
  if (ch < 0)
    return fail(text, PC_R_CHANNEL, "channel: not one of cafe, lodging, flight, rail, lbs, grid");
  s->channel = (uint8_t)ch;
  /* Without subject_type: cells and grids are keyed by phone, the rest by ID number. */
  const int by_phone = ch == PC_CH_LBS || ch == PC_CH_GRID;
  const int type = doc_type(&f[8], by_phone ? PC_DOC_PHONE : PC_DOC_ID_CARD, 1, "subject_type", text);
  if (type < 0) return PC_R_FIELD;
  s->subject_type = (uint8_t)type;
  if (type == PC_DOC_PHONE) {
    if (!pc_phone_normalise(f[1].p, f[1].len, &s->phone))
      return fail(text, PC_R_PHONE, "subject: %s (11 digits, 13-19; +86 and blanks allowed)",
                  by_phone && !f[8].len ? "a cell or grid record needs a phone" : "not a phone");
  } else {
    size_t nl;
    int r = doc_ok(c, type, &f[1], "subject", s->subject, &nl, text);
    if (r) return r;
  }
  const char *place;
  size_t plen;
  if (pc_opaque_trim(f[2].p, f[2].len, &place, &plen))
    return plen ? fail(text, PC_R_FIELD, "place: longer than %d bytes", PC_OPAQUE_MAX)
                : fail(text, PC_R_FIELD, "place is empty");
  if (!csv_time(&f[3]) || time_of(c, &f[3], &s->start))
    return fail(text, PC_R_TIME, "start: not YYYY-MM-DDTHH:MM[:SS]");
  if (!csv_time(&f[4]) || time_of(c, &f[4], &s->end))
    return fail(text, PC_R_TIME, "end: not YYYY-MM-DDTHH:MM[:SS]");
  if (s->end <= s->start) return fail(text, PC_R_ORDER, "end is not after start");
  if (s->end <= c->window_start || s->start >= c->window_end)
    return fail(text, PC_R_WINDOW, "stay wholly outside the data window");
  if (s->start < c->window_start || s->end > c->window_end) { /* SPEC: clipped and kept */
    s->clipped = 1;
    if (s->start < c->window_start) s->start = c->window_start;
    if (s->end > c->window_end) s->end = c->window_end;
  }
  if (!region_ok(c, &f[5], &s->region))
    return fail(text, PC_R_REGION, "region: not a code of regions.csv");
  uint64_t v = 0;
  if (f[6].len) {
    if (num(&f[6], 3, &v) || v < 1 || v > 255) return fail(text, PC_R_SEAT, "carriage: not 1-255");
    s->carriage = (uint8_t)v;
  }
  if (f[7].len) {
    if (num(&f[7], 5, &v) || v < 1 || v > 32767) return fail(text, PC_R_SEAT, "row: not 1-32767");
    s->row = (int16_t)v;
  }
  /* SPEC: a flight without its row is kept, the row unknown (in range of every
   * row); a ticket without its carriage matches every carriage of the train. */
  s->seat_unknown = (ch == PC_CH_FLIGHT && !s->row) || (ch == PC_CH_RAIL && !s->carriage);
  s->place_name = place;
  s->place_len = plen;
  /* (the mask, all ones but in tests, narrows the hash bits below the channel) */
  const uint64_t keep = ch == PC_CH_RAIL ? ~0ULL << 56 | c->id_mask << 8 | 0xff : ~0ULL << 56 | c->id_mask;
  s->place = place_id(c, (unsigned)ch, place, plen, s->carriage, s) & keep;
  return PC_R_OK;
}
