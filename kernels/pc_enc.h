/* pc_enc.h - input encodings: strict UTF-8 checked piecewise, GB18030 converted to UTF-8 through iconv. */
#ifndef PC_ENC_H
#define PC_ENC_H

#include <stddef.h>
#include <stdint.h>

/* How an input is read (input.encoding; trace's encoding). AUTO: as UTF-8
 * when the whole file is valid UTF-8, else as GB18030 when the whole file is
 * valid GB18030, else not at all. Outputs are always UTF-8.
 *
 * Lines of a GB18030 file are cut on its '\n' bytes like those of a UTF-8
 * file, before any conversion (each rank its own byte range, pc_csv.h). That
 * is safe: GB18030 is one byte 0x00-0x7F (ASCII itself), two bytes
 * [0x81-0xFE][0x40-0x7E, 0x80-0xFE], or four bytes
 * [0x81-0xFE][0x30-0x39][0x81-0xFE][0x30-0x39]. No byte after the first of a
 * sequence is below 0x30, so none is '\n' (0x0A), '\r' (0x0D), '"' (0x22),
 * ',' (0x2C), blank or tab: a line end, a quote or a separator found by byte
 * is one in the text (the trail bytes 0x30-0x39 and 0x40-0x7E do include
 * digits, letters and '\\', so fields are split after the conversion). */
enum { PC_ENC_AUTO, PC_ENC_UTF8, PC_ENC_GB18030 };
/* "auto", "utf-8", "gb18030", NULL: names by value, NULL-terminated (the
 * config keys' choices). */
extern const char *const pc_enc_names[4];

/* Local: the encoding named (case-insensitive); NULL or "" is PC_ENC_AUTO.
 * Returns -1 for any other name. Cannot fail. */
int pc_enc_of(const char *name);

/* Local: strict UTF-8 (RFC 3629: no overlong form, no surrogate, nothing
 * above U+10FFFF; control bytes are allowed here) checked piece by piece.
 * *state is 0 before the first piece and carries an open character from one
 * piece to the next. Returns len when every byte fits (then *state == 0 when
 * s ends on a character boundary), else the offset of the first byte that
 * cannot continue valid UTF-8 (*state is then meaningless: start again from
 * 0). Cannot fail. */
size_t pc_utf8_scan(uint32_t *state, const char *s, size_t len);
/* Local: 1 when s[0..len) is strict UTF-8 (as pc_utf8_scan), else 0. */
int pc_utf8_valid(const char *s, size_t len);

/* A GB18030 -> UTF-8 converter: an iconv descriptor opened once (per file
 * and rank) and the output buffer it fills. Zeroed is closed. */
typedef struct pc_enc_conv {
  void *cd; /* iconv_t */
  char *out;
  size_t cap;
} pc_enc_conv;

/* Local: open c (zeroed or closed before). Fails with PC_ERR_UNSUPPORTED
 * when the C library's iconv has no GB18030, PC_ERR_MEM; c stays closed. */
int pc_enc_conv_open(pc_enc_conv *c);
/* Local: convert one line in[0..len) (no '\n') to UTF-8. *valid = 1 and the
 * text in *out[0..*outlen) (owned by c, or in itself when in is ASCII;
 * valid until the next call and while in is) when
 * every byte belongs to a GB18030 character; *valid = 0 otherwise (*out,
 * *outlen then undefined). cut = 1: in is the head of a longer line, so a
 * character left open at its end is dropped instead of invalid. Fails with
 * PC_ERR_MEM (the output buffer) or PC_ERR_ARG (c not open). */
int pc_enc_conv_line(pc_enc_conv *c, const char *in, size_t len, int cut, const char **out,
                     size_t *outlen, int *valid);
/* Local: close c and zero it; safe on a zeroed or closed one. */
void pc_enc_conv_close(pc_enc_conv *c);

/* Local: a whole small text file (e.g. cases.csv) as UTF-8 under enc.
 * AUTO: in as it is when strict UTF-8, else converted when every line is
 * GB18030; UTF8: as it is (unchecked, as a row's bytes are); GB18030:
 * converted. On success *out (malloc'd, NUL-terminated, the caller frees),
 * *outlen and *used (PC_ENC_UTF8 or PC_ENC_GB18030) are set. When the text
 * is not in the encoding, *out is NULL and bad[0] / bad[1] hold the 1-based
 * line of its first byte that is not UTF-8 / not GB18030 (0: none, or not
 * looked at); format them with pc_enc_why. Fails with PC_ERR_MEM,
 * PC_ERR_UNSUPPORTED (no GB18030 in iconv), PC_ERR_ARG (bad enc). */
int pc_enc_text(int enc, const char *in, size_t len, char **out, size_t *outlen, int *used,
                uint64_t bad[2]);

/* Local: why a file is not read, from its first bad lines as pc_enc_text
 * gives them (bad[0] not UTF-8, bad[1] not GB18030; 0 when not looked at),
 * as a phrase for a message after "FILE: ", e.g. "neither UTF-8 (line 7 is
 * not) nor GB18030 (line 2 is not)". Never fails; cut to cap bytes. */
void pc_enc_why(char *buf, size_t cap, const uint64_t bad[2]);

/* Local: the UTF-8 text in[0..len) as GB18030, for writers of test and
 * benchmark inputs (synth's realistic CSV; inputs are read with
 * pc_enc_conv). *out is malloc'd (the caller frees it), *outlen bytes.
 * Fails with PC_ERR_DATA when in is not UTF-8, PC_ERR_UNSUPPORTED (no
 * GB18030 in iconv) or PC_ERR_MEM; *out is then NULL. */
int pc_enc_to_gb18030(const char *in, size_t len, char **out, size_t *outlen);

#endif
