/* pc_report_stream.c - the report's streaming: tables read front to back in chunks, checked to be in pid order; counts per region code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_report.h"
#include "pc_reportfile.h"

typedef pc_report_cursor cursor;
typedef pc_report_agg agg;

/* ------------------------------------------------------------- cursors ---- */

int pc_report_cursor_open(pc_reportfile f, const char *path, const pc_schema *v, cursor *c) {
  memset(c, 0, sizeof *c);
  c->t.dset = c->t.mtype = -1;
  c->path = path;
  c->name = v->name;
  c->rowsize = v->rowsize;
  if (!pc_reportfile_has(f, v->name)) return 0;
  PC_CALL(pc_table_open(f, NULL, v, &c->t));
  c->n = c->t.nrows;
  size_t cap = c->n < PC_REPORT_CHUNK ? (size_t)c->n : PC_REPORT_CHUNK;
  c->buf = pc_malloc((cap ? cap : 1) * c->rowsize, v->name);
  return c->buf ? 0 : PC_ERR_MEM;
}

void pc_report_cursor_close(cursor *c) {
  pc_table_close(&c->t);
  free(c->buf);
  memset(c, 0, sizeof *c);
  c->t.dset = c->t.mtype = -1;
}

int pc_report_cursor_head(cursor *c, const void **row) {
  *row = NULL;
  if (c->pos == c->len) {
    if (c->next >= c->n) return 0;
    size_t m = c->n - c->next < PC_REPORT_CHUNK ? (size_t)(c->n - c->next) : PC_REPORT_CHUNK;
    int rc = pc_table_read(&c->t, c->next, m, c->buf);
    if (rc) return PC_ERROR(rc, "%s: cannot read /%s rows %llu..", c->path, c->name,
                            (unsigned long long)c->next);
    c->next += m;
    c->len = m;
    c->pos = 0;
  }
  const char *r = (const char *)c->buf + c->pos * c->rowsize;
  uint64_t pid;
  memcpy(&pid, r, sizeof pid); /* pid first in every row type read so */
  if (pid < c->last)
    return PC_ERROR(PC_ERR_DATA, "%s: /%s is not sorted by pid (row %llu)", c->path, c->name,
                    (unsigned long long)(c->next - c->len + c->pos));
  *row = r;
  return 0;
}

void pc_report_cursor_pop(cursor *c) {
  memcpy(&c->last, (const char *)c->buf + c->pos * c->rowsize, sizeof c->last);
  c->pos++;
}

/* ------------------------------------------------------- a row's fields ---- */

int pc_report_code_is(const char *c, const char *s) { return strncmp(c, s, 8) == 0; }

int pc_report_channel_of(const char *s) {
  char b[17];
  snprintf(b, sizeof b, "%.16s", s);
  if (!strcmp(b, "case")) return -1;
  int c = pc_channel_of(b);
  return c < 0 ? PC_NCHANNELS : c;
}

/* ---------------------------------------------------- counts per region ---- */

agg *pc_report_agg_at(pc_report_aggmap *m, uint64_t code) {
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->a[mid].code < code) lo = mid + 1;
    else hi = mid;
  }
  if (lo < m->n && m->a[lo].code == code) return &m->a[lo];
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    agg *q = pc_realloc(m->a, cap * sizeof *q, "report counts");
    if (!q) return NULL;
    m->a = q;
    m->cap = cap;
  }
  memmove(m->a + lo + 1, m->a + lo, (m->n - lo) * sizeof *m->a);
  memset(&m->a[lo], 0, sizeof m->a[lo]);
  m->a[lo].code = code;
  m->n++;
  return &m->a[lo];
}

int pc_report_agg_by_v0(const void *a, const void *b) {
  const agg *x = a, *y = b;
  if (x->v[0] != y->v[0]) return x->v[0] < y->v[0] ? 1 : -1;
  return (x->code > y->code) - (x->code < y->code);
}
int pc_report_agg_by_v1(const void *a, const void *b) {
  const agg *x = a, *y = b;
  if (x->v[1] != y->v[1]) return x->v[1] < y->v[1] ? 1 : -1;
  return (x->code > y->code) - (x->code < y->code);
}
