/* pc_report_text.c - the report page's text buffer: appending, HTML escaping, checked numbers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_report.h"

typedef pc_sb sb;

void pc_sb_put(sb *b, const char *s, size_t len) { pc_strbuf_put(b, s, len); }
void pc_sb_puts(sb *b, const char *s) { pc_strbuf_puts(b, s); }

void pc_sb_printf(sb *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pc_strbuf_vprintf(b, fmt, ap);
  va_end(ap);
}

/* HTML-escaped text of at most max bytes (fixed-length HDF5 strings need not end in NUL). */
void pc_sb_esc(sb *b, const char *s, size_t max) {
  for (size_t i = 0; i < max && s[i]; i++) {
    switch (s[i]) {
    case '&': pc_sb_puts(b, "&amp;"); break;
    case '<': pc_sb_puts(b, "&lt;"); break;
    case '>': pc_sb_puts(b, "&gt;"); break;
    case '"': pc_sb_puts(b, "&quot;"); break;
    case '\'': pc_sb_puts(b, "&#39;"); break;
    default: pc_sb_put(b, s + i, 1);
    }
  }
}

/* 2629 -> "2,629". */
char *pc_report_fmt_num(uint64_t v, char *buf) {
  char t[32];
  int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v), k = 0;
  for (int i = 0; i < n; i++) {
    if (i && (n - i) % 3 == 0) buf[k++] = ',';
    buf[k++] = t[i];
  }
  buf[k] = 0;
  return buf;
}

/* A checked number: <tag data-k="KEY" data-value="v">v with commas</tag>. */
void pc_sb_kv(sb *b, const char *tag, uint64_t v, const char *kfmt, ...) {
  char key[160], num[40];
  va_list ap;
  va_start(ap, kfmt);
  vsnprintf(key, sizeof key, kfmt, ap);
  va_end(ap);
  pc_sb_printf(b, "<%s data-k=\"%s\" data-value=\"%llu\">%s</%s>", tag, key, (unsigned long long)v,
               pc_report_fmt_num(v, num), tag);
}

void pc_sb_pct(sb *b, uint64_t a, uint64_t n) {
  if (n) pc_sb_printf(b, "%.1f%%", 100.0 * (double)a / (double)n);
  else pc_sb_puts(b, "–");
}

const char *pc_report_channel_name(int c) {
  return c >= 0 && c < PC_NCHANNELS ? pc_channel_names[c] : "other";
}
