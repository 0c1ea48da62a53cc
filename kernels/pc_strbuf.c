/* pc_strbuf.c - a growable string, doubling its room. */
#include "pc_strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int room(pc_strbuf *b, size_t more) {
  if (b->oom) return -1;
  if (b->n + more + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->n + more + 1) cap *= 2;
  char *p = realloc(b->s, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->s = p;
  b->cap = cap;
  return 0;
}

void pc_strbuf_put(pc_strbuf *b, const char *s, size_t n) {
  if (room(b, n)) return;
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

void pc_strbuf_puts(pc_strbuf *b, const char *s) { pc_strbuf_put(b, s, strlen(s)); }

void pc_strbuf_vprintf(pc_strbuf *b, const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  int k = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  if (k < 0 || room(b, (size_t)k)) return;
  vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
  b->n += (size_t)k;
}

void pc_strbuf_printf(pc_strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pc_strbuf_vprintf(b, fmt, ap);
  va_end(ap);
}

char *pc_strbuf_take(pc_strbuf *b) {
  char *s = b->oom ? NULL : b->s ? b->s : calloc(1, 1);
  if (b->oom) free(b->s);
  memset(b, 0, sizeof *b);
  return s;
}

void pc_strbuf_free(pc_strbuf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}
