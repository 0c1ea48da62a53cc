/* pc_strbuf.h - a growable string: the config writer, the JSON writer and the report page build text with it. */
#ifndef PC_STRBUF_H
#define PC_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Zero-initialise ({0}) to start. Once an allocation fails the buffer stops
 * growing and `oom` stays set: writers append without checking each call and
 * look at oom (or pc_strbuf_take's NULL) once at the end. s is always
 * NUL-terminated once anything was appended. */
typedef struct pc_strbuf {
  char *s;
  size_t n, cap;
  int oom;
} pc_strbuf;

/* Append n bytes of s. Local, cannot fail (sets oom instead). */
void pc_strbuf_put(pc_strbuf *b, const char *s, size_t n);
/* Append a NUL-terminated string. Local, cannot fail (sets oom instead). */
void pc_strbuf_puts(pc_strbuf *b, const char *s);
/* Append printf-style. Local, cannot fail (sets oom instead). */
void pc_strbuf_printf(pc_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with a va_list (for wrappers of their own printf). */
void pc_strbuf_vprintf(pc_strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The text, the caller's to free ("" when nothing was appended); NULL when
 * an allocation failed (the buffer is freed then). b is left empty. Local. */
char *pc_strbuf_take(pc_strbuf *b);
/* Free the text and leave b empty. Local, never fails. */
void pc_strbuf_free(pc_strbuf *b);

#endif
