/* pc_csv.c - rank-sliced CSV reading: snapped ranges, pread streaming, checkpointed re-fetch, field split. */
#include "pc_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/crc.h>
#include <zlib.h>

#include "pc_enc.h"
#include "pc_err.h"
#include "pc_fdio.h"

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

/* Read exactly n bytes at off; a short file is an error (it changed under us). */
static int read_at(pc_csv_file *f, char *dst, size_t n, uint64_t off) {
  if (pc_pread_full(f->fd, dst, n, off) != 0) {
    if (errno)
      return PC_ERROR(PC_ERR_IO, "%s: read at offset %llu: %s", f->path, (unsigned long long)off,
                      strerror(errno));
    return PC_ERROR(PC_ERR_IO, "%s: file ended before offset %llu, expected %llu bytes (changed?)",
                    f->path, (unsigned long long)(off + n), (unsigned long long)f->size);
  }
  f->nread += n;
  return 0;
}

/* Append the next bytes of [pos, hi) to the buffer, first keeping the
 * unconsumed tail buf[at, len) (keep) or dropping it. */
static int refill(pc_csv_file *f, int keep) {
  if (keep && f->at) {
    memmove(f->buf, f->buf + f->at, f->len - f->at);
    f->len -= f->at;
  } else if (!keep) {
    f->len = 0;
  }
  f->at = 0;
  uint64_t left = f->hi - f->pos;
  size_t n = f->cap - f->len < left ? f->cap - f->len : (size_t)left;
  int rc = read_at(f, f->buf + f->len, n, f->pos);
  if (rc) return rc;
  f->len += n;
  f->pos += n;
  return 0;
}

/* s_r for a nominal cut b > 0: the first p >= b with byte[p-1] == '\n', else size. */
static int snap(pc_csv_file *f, uint64_t b, uint64_t *s) {
  uint64_t q = b - 1;
  for (size_t piece = 4096 < f->cap ? 4096 : f->cap; q < f->size;) { /* lines are short: start small */
    size_t n = f->size - q < piece ? (size_t)(f->size - q) : piece;
    int rc = read_at(f, f->buf, n, q);
    if (rc) return rc;
    const char *nl = memchr(f->buf, '\n', n);
    if (nl) {
      *s = q + (uint64_t)(nl - f->buf) + 1;
      return 0;
    }
    q += n;
    piece = piece < f->cap / 2 ? 2 * piece : f->cap;
  }
  *s = f->size;
  return 0;
}

void pc_csv_rewind(pc_csv_file *f) {
  f->len = f->at = 0;
  f->pos = f->lo;
  f->next_line = 0;
  f->skipping = f->bom_done = 0;
}

int pc_csv_open(const char *path, int rank, int nranks, size_t bufsize, size_t max_line,
                pc_csv_file *f) {
  memset(f, 0, sizeof *f);
  f->fd = -1;
  if (nranks < 1 || rank < 0 || rank >= nranks || bufsize < 16 || max_line < 1 ||
      bufsize > SIZE_MAX / 2 || max_line > SIZE_MAX / 2)
    return PC_ERROR(PC_ERR_ARG, "%s: bad csv open arguments (rank %d of %d, bufsize %zu, max_line %zu)",
                    path, rank, nranks, bufsize, max_line);
  if (strlen(path) >= sizeof f->path)
    return PC_ERROR(PC_ERR_ARG, "%.200s...: path too long", path);
  strcpy(f->path, path);
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PC_ERROR(PC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  f->fd = fd;
  f->opened = 1;
  int rc = 0;
  if (fstat(fd, &st)) {
    rc = PC_ERROR(PC_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    rc = PC_ERROR(PC_ERR_IO, "%s: cannot read: %s", path,
                  S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
  }
  if (rc) goto fail;
  f->size = (uint64_t)st.st_size;
  f->max_line = max_line;
  f->cap = bufsize + max_line + 1; /* a kept partial line (<= max_line + '\r') + one read */
  f->ck_every = PC_CSV_CHECKPOINT;
  if (!(f->buf = pc_malloc(f->cap, "csv read buffer"))) {
    rc = PC_ERR_MEM;
    goto fail;
  }
  /* b_r = size*r/n without overflowing: size = q*n + m. */
  uint64_t n = (uint64_t)nranks, q = f->size / n, m = f->size % n, r = (uint64_t)rank;
  uint64_t b_lo = q * r + m * r / n, b_hi = q * (r + 1) + m * (r + 1) / n;
  f->lo = 0;
  f->hi = f->size;
  if (rank > 0 && (rc = snap(f, b_lo ? b_lo : 1, &f->lo))) goto fail;
  if (rank + 1 < nranks && (rc = snap(f, b_hi ? b_hi : 1, &f->hi))) goto fail;
  if (f->hi > f->lo) posix_fadvise(fd, (off_t)f->lo, (off_t)(f->hi - f->lo), POSIX_FADV_SEQUENTIAL);
  pc_csv_rewind(f);
  return 0;
fail:
  pc_csv_close(f);
  return rc;
}

static int add_ck(pc_csv_file *f, size_t *ncap, uint64_t off, uint64_t line) {
  if (f->nck == *ncap) {
    size_t c = *ncap ? 2 * *ncap : 64;
    uint64_t *o = pc_realloc(f->ck_off, c * sizeof *o, "csv checkpoints");
    if (!o) return PC_ERR_MEM;
    f->ck_off = o;
    uint64_t *l = pc_realloc(f->ck_line, c * sizeof *l, "csv checkpoints");
    if (!l) return PC_ERR_MEM;
    f->ck_line = l;
    *ncap = c;
  }
  f->ck_off[f->nck] = off;
  f->ck_line[f->nck++] = line;
  return 0;
}

/* The read buf[0, want), whose first byte is in local line n: the first
 * byte that is not strict UTF-8 makes its line f->bad_utf8. */
static void check_utf8(pc_csv_file *f, uint32_t *state, size_t want, uint64_t n) {
  size_t at = pc_utf8_scan(state, f->buf, want);
  if (at == want) return;
  for (const char *p = f->buf, *e = f->buf + at; (p = memchr(p, '\n', (size_t)(e - p))); p++) n++;
  f->bad_utf8 = n + 1;
}

int pc_csv_count(pc_csv_file *f) {
  size_t ncap = 0;
  free(f->ck_off);
  free(f->ck_line);
  f->ck_off = f->ck_line = NULL;
  f->nck = 0;
  f->nlines = f->bad_utf8 = 0;
  pc_csv_rewind(f);
  uint64_t every = f->ck_every ? f->ck_every : 1, next_ck = f->lo + every, n = 0;
  uLong crc = crc32(0L, Z_NULL, 0);
  int rc = add_ck(f, &ncap, f->lo, 0);
  char last = '\n';
  uint32_t utf8 = 0; /* a character open across reads */
  for (uint64_t off = f->lo; !rc && off < f->hi;) {
    size_t want = f->hi - off < f->cap ? (size_t)(f->hi - off) : f->cap;
    if ((rc = read_at(f, f->buf, want, off))) break;
    /* ISA-L's CRC-32 (the gzip polynomial, zlib's crc32 values) runs ~4x zlib's here. */
    crc = crc32_gzip_refl((uint32_t)crc, (const unsigned char *)f->buf, (uint64_t)want);
    if (!f->bad_utf8) check_utf8(f, &utf8, want, n);
    const char *p = f->buf, *end = f->buf + want, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
      n++;
      p = nl + 1;
      uint64_t start = off + (uint64_t)(p - f->buf);
      if (start >= next_ck && start < f->hi) {
        if ((rc = add_ck(f, &ncap, start, n))) break;
        next_ck = start + every;
      }
    }
    last = end[-1];
    off += want;
  }
  if (rc) return rc;
  if (!f->bad_utf8 && utf8) f->bad_utf8 = n + 1; /* the last line ends inside a character */
  f->nlines = n + (last != '\n');
  f->crc = (uint32_t)crc;
  return 0;
}

/* Finish a line of raw bytes s[0, raw) (no '\n'): strip one '\r', truncate. */
static int emit(pc_csv_file *f, const char *s, size_t raw, const char **line, size_t *len,
                uint64_t *local, int *overlong) {
  if (raw && s[raw - 1] == '\r') raw--;
  *overlong = raw > f->max_line;
  *line = s;
  *len = *overlong ? f->max_line : raw;
  *local = f->next_line++;
  return 1;
}

int pc_csv_next(pc_csv_file *f, const char **line, size_t *len, uint64_t *local, int *overlong) {
  int rc;
  if (!f->bom_done) {
    f->bom_done = 1;
    if (f->lo == 0 && f->pos < f->hi && f->len == 0 && (rc = refill(f, 0))) return rc;
    if (f->lo == 0 && f->len >= 3 && !memcmp(f->buf, bom, 3)) f->at = 3, f->bom_done = 2;
  }
  while (f->skipping) { /* the tail of an overlong line, never kept */
    const char *nl = memchr(f->buf + f->at, '\n', f->len - f->at);
    f->at = nl ? (size_t)(nl - f->buf) + 1 : f->len;
    if (nl || f->pos == f->hi) f->skipping = 0;
    else if ((rc = refill(f, 0))) return rc;
  }
  for (;;) {
    char *s = f->buf + f->at;
    size_t avail = f->len - f->at;
    const char *nl = memchr(s, '\n', avail);
    if (nl) {
      f->at += (size_t)(nl - s) + 1;
      return emit(f, s, (size_t)(nl - s), line, len, local, overlong);
    }
    if (f->pos == f->hi) { /* a final segment without '\n' */
      if (!avail && !(f->bom_done == 2 && f->next_line == 0)) return 0; /* a BOM alone is a line */
      f->at = f->len;
      return emit(f, s, avail, line, len, local, overlong);
    }
    if (avail > f->max_line + 1) { /* overlong whatever follows: return its head, skip the rest */
      f->at = f->len;
      f->skipping = 1;
      return emit(f, s, avail, line, len, local, overlong);
    }
    if ((rc = refill(f, 1))) return rc;
  }
}

int pc_csv_fetch(pc_csv_file *f, const uint64_t *locals, size_t n, char *raw, size_t cap,
                 size_t *lens) {
  if (!n) return 0;
  if (!f->nck) return PC_ERROR(PC_ERR_ARG, "%s: pc_csv_fetch before pc_csv_count", f->path);
  int rc = 0, placed = 0;
  uint64_t cur = 0; /* local index of the line starting at buf[at] once placed */
  for (size_t i = 0; i < n && !rc; i++) {
    uint64_t want = locals[i];
    if (want >= f->nlines || (i && want < locals[i - 1])) {
      rc = PC_ERROR(PC_ERR_ARG, "%s: fetch of local line %llu (owned %llu): out of range or unsorted",
                    f->path, (unsigned long long)want, (unsigned long long)f->nlines);
      break;
    }
    if (i && want == locals[i - 1]) {
      if (lens[i - 1]) memcpy(raw + i * cap, raw + (i - 1) * cap, lens[i - 1]);
      lens[i] = lens[i - 1];
      continue;
    }
    size_t a = 0, b = f->nck; /* last checkpoint at or before want */
    while (b - a > 1) {
      size_t mid = a + (b - a) / 2;
      if (f->ck_line[mid] <= want) a = mid;
      else b = mid;
    }
    if (!placed || (f->ck_line[a] > cur && f->ck_off[a] >= f->pos)) { /* jump forward, never back */
      f->pos = f->ck_off[a];
      f->at = f->len = 0;
      cur = f->ck_line[a];
      placed = 1;
    } else if (f->ck_line[a] > cur) { /* the checkpoint is already in the buffer */
      f->at = f->len - (size_t)(f->pos - f->ck_off[a]);
      cur = f->ck_line[a];
    }
    while (cur < want && !rc) {
      const char *nl = memchr(f->buf + f->at, '\n', f->len - f->at);
      if (nl) {
        f->at = (size_t)(nl - f->buf) + 1;
        cur++;
      } else if (f->pos == f->hi) {
        rc = PC_ERROR(PC_ERR_IO, "%s: fewer lines than counted (file changed?)", f->path);
      } else {
        rc = refill(f, 0);
      }
    }
    if (rc) break;
    if (want == 0 && f->lo == 0) {
      if (f->len - f->at < 3 && f->pos < f->hi && (rc = refill(f, 1))) break;
      if (f->len - f->at >= 3 && !memcmp(f->buf + f->at, bom, 3)) f->at += 3;
    }
    char *out = cap ? raw + i * cap : NULL, lastc = 0;
    size_t got = 0;
    uint64_t rawlen = 0;
    for (;;) {
      const char *s = f->buf + f->at, *nl = memchr(s, '\n', f->len - f->at);
      size_t seg = nl ? (size_t)(nl - s) : f->len - f->at;
      if (seg) {
        size_t c = cap - got < seg ? cap - got : seg;
        if (c) memcpy(out + got, s, c);
        got += c;
        rawlen += seg;
        lastc = s[seg - 1];
      }
      if (nl) {
        f->at += seg + 1;
        break;
      }
      f->at = f->len;
      if (f->pos == f->hi) break;
      if ((rc = refill(f, 0))) break;
    }
    cur++;
    rawlen -= lastc == '\r';
    lens[i] = rawlen < cap ? (size_t)rawlen : cap;
  }
  pc_csv_rewind(f);
  return rc;
}

void pc_csv_close(pc_csv_file *f) {
  if (f->opened) close(f->fd);
  free(f->buf);
  free(f->ck_off);
  free(f->ck_line);
  memset(f, 0, sizeof *f);
  f->fd = -1;
}

/* Index just past a run of spaces/tabs starting at i. */
static size_t skip_blanks(const char *s, size_t i, size_t len) {
  while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
  return i;
}

/* The length of p[0, n) without its trailing spaces/tabs. */
static inline size_t trimmed(const char *p, size_t n) {
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  return n;
}

/* One field [a, e) of a line without quotes, as the general path below
 * makes it: blanks skipped at its start, trimmed at its end. */
static inline void plain_field(const char *line, size_t a, size_t e, pc_field *fields, int maxf,
                               int *k) {
  a = skip_blanks(line, a, e);
  const size_t flen = trimmed(line + a, e - a);
  if (*k < maxf) {
    fields[*k].p = line + a;
    fields[*k].len = flen;
  }
  if (*k < INT_MAX) (*k)++;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PC_CSV_AVX512 1
/* A line 64 bytes at a time (ingest's stays: ~80-byte lines of 8 fields):
 * one compare finds every ',' and every '"' of the block; the commas' bits
 * are the field boundaries, in order. Returns -2 at the first '"' (the
 * general path then splits the line), else the field count. The masked load
 * reads no byte past the line. */
__attribute__((target("avx512f,avx512bw"))) static int split_plain_avx512(const char *line,
                                                                           size_t len,
                                                                           pc_field *fields,
                                                                           int maxf) {
  const __m512i comma = _mm512_set1_epi8(','), quote = _mm512_set1_epi8('"');
  size_t a = 0;
  int k = 0;
  for (size_t base = 0; base < len; base += 64) {
    const size_t n = len - base < 64 ? len - base : 64;
    const __mmask64 in = n == 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(in, line + base);
    if (_mm512_mask_cmpeq_epi8_mask(in, v, quote)) return -2;
    for (uint64_t c = _mm512_mask_cmpeq_epi8_mask(in, v, comma); c; c &= c - 1) {
      const size_t e = base + (size_t)__builtin_ctzll(c);
      plain_field(line, a, e, fields, maxf, &k);
      a = e + 1;
    }
  }
  plain_field(line, a, len, fields, maxf, &k);
  return k;
}
#endif

int pc_csv_split(const char *line, size_t len, pc_field *fields, int maxf, char *scratch) {
#ifdef PC_CSV_AVX512
  static int avx512 = -1; /* the CPU's answer, asked once */
  if (avx512 < 0) avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  if (avx512) {
    const int k = split_plain_avx512(line, len, fields, maxf);
    if (k != -2) return k;
  }
#endif
  size_t i = 0, so = 0;
  int k = 0;
  for (;;) {
    const char *p;
    size_t flen, j = skip_blanks(line, i, len);
    if (j < len && line[j] == '"') {
      char *out = k < maxf ? scratch + so : NULL;
      flen = 0;
      for (j++;; j++) {
        if (j >= len) return -1; /* unterminated */
        if (line[j] == '"') {
          if (j + 1 < len && line[j + 1] == '"') j++;
          else break;
        }
        if (out) out[flen] = line[j];
        flen++;
      }
      j = skip_blanks(line, j + 1, len);
      if (j < len && line[j] != ',') return -1; /* text after the closing quote */
      p = out;
      so += out ? flen : 0;
    } else {
      const char *comma = memchr(line + j, ',', len - j);
      size_t e = comma ? (size_t)(comma - line) : len;
      if (memchr(line + j, '"', e - j)) return -1;
      p = line + j;
      flen = trimmed(p, e - j);
      j = e;
    }
    if (k < maxf) {
      fields[k].p = p;
      fields[k].len = flen;
    }
    if (k < INT_MAX) k++;
    if (j >= len) return k;
    i = j + 1; /* past the ',' */
  }
}
