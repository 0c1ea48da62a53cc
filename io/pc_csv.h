/* pc_csv.h - rank-sliced CSV reading in bounded memory: line ranges, streaming, re-fetch, field split. */
#ifndef PC_CSV_H
#define PC_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "pc_rows.h"

/* Default spacing of checkpoints recorded by pc_csv_count (bytes of file). */
#define PC_CSV_CHECKPOINT ((uint64_t)1 << 20)

/* How a file of `size` bytes is cut among 3 ranks. The nominal cuts b_r =
 * size*r/nranks move forward to the next line start s_r, so every line has
 * exactly one owner, the rank holding its first byte:
 *
 *   cut     b_0           b_1            b_2            b_3 = size
 *           v             v              v              v
 *   bytes   aaaaaa|bbbbbbbbb|cccc|dddddddd|eeeee|ffffff|  ('|' is a '\n')
 *   owner   [---- rank 0 ---)[-- rank 1 --)[-- rank 2 -)
 *           ^                ^             ^            ^
 *           s_0              s_1           s_2          s_3
 *
 * A rank may own nothing (s_r == s_{r+1}), e.g. with more ranks than lines. */
typedef struct pc_csv_file {
  int fd;
  char path[4096];
  uint64_t size;        /* file size in bytes */
  uint64_t lo, hi;      /* this rank's range, snapped: it owns the lines whose first byte is in [lo, hi) */
  uint64_t nlines;      /* lines owned (set by pc_csv_count) */
  uint32_t crc;         /* zlib crc32 of bytes [lo, hi) (set by pc_csv_count; crc32_combine in rank order gives the file's) */
  uint64_t bad_utf8;    /* 1 + local index of the first owned line that is not strict UTF-8
                         * (pc_utf8_scan), 0 when every one is (set by pc_csv_count) */
  /* checkpoints from pc_csv_count: (file offset of a line start, local line
   * index of that line), one every ck_every bytes or so, first at lo */
  uint64_t *ck_off, *ck_line;
  size_t nck;
  uint64_t ck_every;    /* PC_CSV_CHECKPOINT after open; may be changed before pc_csv_count */
  uint64_t nread;       /* bytes read from the file so far, for I/O rates */
  /* streaming state (private): buf[at, len) holds file bytes [pos - (len-at), pos) */
  char *buf;
  size_t cap, len, at;
  uint64_t pos, next_line;
  size_t max_line;
  int opened, skipping, bom_done;
} pc_csv_file;

/* Open path and compute rank `rank` of `nranks`'s snapped range (see the
 * picture above: s_0 = 0, s_r = first p >= b_r with byte[p-1] == '\n' or size
 * when none, s_nranks = size). bufsize (>= 16): bytes per read, e.g. 16 MB;
 * max_line (>= 1): longest line returned whole, e.g. 1 MB. The struct owns a
 * buffer of bufsize + max_line + 1 bytes until pc_csv_close. Local. Fails
 * with PC_ERR_IO naming the path and cause (missing, unreadable, a directory
 * or other non-regular file), PC_ERR_ARG for bad sizes/ranks, PC_ERR_MEM;
 * on failure *f is left closed (pc_csv_close is still safe). */
int pc_csv_open(const char *path, int rank, int nranks, size_t bufsize, size_t max_line,
                pc_csv_file *f);

/* Pre-pass: count the owned lines into f->nlines, checksum the range into
 * f->crc, check it is strict UTF-8 (f->bad_utf8: the read that counts is the
 * one that checks, so a UTF-8 file costs no second read to detect its
 * encoding) and record checkpoints (owned by f). A line is the bytes up to and including '\n', or a final non-empty
 * segment without one; empty lines count. Reads [lo, hi) once. Resets the
 * stream (as pc_csv_rewind). Local. Fails with PC_ERR_IO (read error, file
 * shrank) or PC_ERR_MEM. */
int pc_csv_count(pc_csv_file *f);

/* Stream the owned lines in order. *line points into f's buffer, valid until
 * the next call on f; *len excludes the '\n' and one trailing '\r'; *local is
 * the 0-based local line index; *overlong is 1 when the line (so measured) was
 * longer than max_line: *line then holds its first max_line bytes and the
 * rest is skipped unbuffered. A UTF-8 BOM at file offset 0 is removed from
 * the first line. Returns 1 (a line), 0 (no more lines), or PC_ERR_IO. Local. */
int pc_csv_next(pc_csv_file *f, const char **line, size_t *len, uint64_t *local, int *overlong);

/* Restart pc_csv_next at the first owned line. Local, cannot fail. */
void pc_csv_rewind(pc_csv_file *f);

/* Re-fetch raw text of owned lines (needs pc_csv_count first). locals: n
 * ascending local indices (repeats allowed), each < nlines. For each, up to
 * cap bytes of the line (no '\n', no trailing '\r', no BOM) go to raw + i*cap
 * (caller owns raw: n*cap bytes) and their count (<= cap) to lens[i]. Jumps
 * to the checkpoint before each line and reads forward, each byte at most
 * once per call. Uses f's buffer, so it resets the stream (as pc_csv_rewind).
 * Local. Fails with PC_ERR_ARG (not counted, unsorted or out-of-range
 * locals) or PC_ERR_IO (read error, file changed since pc_csv_count). */
int pc_csv_fetch(pc_csv_file *f, const uint64_t *locals, size_t n, char *raw, size_t cap,
                 size_t *lens);

/* Free, close and zero *f (fd = -1). Safe on a zeroed, failed or closed struct. Local. */
void pc_csv_close(pc_csv_file *f);

/* One field of a split line: unquoted ones point into the line, quoted ones
 * into the caller's scratch. Guarded: another header may define the same. */
/* pc_field (pointer, length) is defined with the row checks that consume it (pc_rows.h). */

/* Split a line (no newline) into fields, RFC 4180 quoting without newlines in
 * quotes: ',' separates; an unquoted field is trimmed of spaces/tabs; a field
 * whose first non-blank char is '"' runs to the matching '"' ("" stands for
 * one '"') and only blanks may follow it before ',' or the end. Stores at most
 * maxf fields but counts all; scratch (>= len bytes, may be NULL when maxf is
 * 0) receives unescaped quoted fields. Returns the field count (an empty line
 * gives 1 empty field), or -1 on bad quoting: a '"' inside an unquoted field,
 * text after a closing quote, an unterminated quote. Local, cannot fail
 * otherwise; the count saturates at INT_MAX. */
int pc_csv_split(const char *line, size_t len, pc_field *fields, int maxf, char *scratch);

#endif
