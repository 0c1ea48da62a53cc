/* pc_trace_out.c - trace's output file: /contacts, /companions, the /breakdown cubes, counts and attributes. */
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_out.h"
#include "pc_time.h"
#include "pc_trace_out.h"
#include "pc_tracefile.h"

static int write_cubes(pc_tracer *t, pc_out *out, pc_trace_rowmaker *m, int hops) {
  pc_ctx *ctx = t->ctx;
  const size_t n = m->nc + m->nm;
  const int ncls = hops + 4; /* hop0..hopK, companion, red, yellow */
  char (*nm_)[16] = pc_calloc((size_t)ncls, 16, "class names");
  const char **names = pc_calloc((size_t)ncls, sizeof *names, "class names");
  pc_person *p = pc_calloc(n + 1, sizeof *p, "flagged persons");
  int *cls = pc_malloc((n + 1) * sizeof *cls, "classes"),
      *code = pc_malloc((n + 1) * sizeof *code, "classes");
  int rc = nm_ && names && p && cls && code ? 0 : PC_ERR_MEM;
  for (int k = 0; k < ncls && !rc; k++) {
    if (k <= hops)
      snprintf(nm_[k], 16, "hop%d", k);
    else
      snprintf(nm_[k], 16, "%s", k == hops + 1 ? "companion" : k == hops + 2 ? "red" : "yellow");
    names[k] = nm_[k];
  }
  size_t at = 0; /* the flags, in pid order: their order does not change a count */
  for (size_t k = 0; k < n && !rc; k++) {
    const pc_trace_flag *f = &m->f[k];
    const pc_person *q = pc_trace_person_from(t, f->pid, &at);
    if (q) p[k] = *q; /* else all zero: unknown */
    const int comp = f->hop == PC_TRACE_COMPANION;
    cls[k] = comp ? hops + 1 : f->hop;
    code[k] = pc_trace_rows_red(m, f) ? hops + 2 : hops + 3;
  }
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_flag_cubes(ctx, t->cfg, t->data, out->file, t->as_of, names, ncls, p, cls, code, n,
                       out->deflate);
  free(nm_);
  free(names);
  free(p);
  free(cls);
  free(code);
  return rc;
}

static void make_rows(void *arg, size_t first, size_t n, void *rows) {
  pc_trace_rows_make(arg, first, n, rows);
}

int pc_trace_write(pc_tracer *t, const char *output, const char *index, int64_t dispatch_at,
                   pc_trace_rowmaker *m, const pc_trace_counts *K) {
  const int hops = K->hops;
  pc_out out;
  char t0[24];
  int rc;
  if (!(rc = pc_out_create(t->ctx, t->cfg, output, &out))) {
    pc_tracefile_write_rows(&out, make_rows, m, m->nc, m->nm);
    if (!out.rc)
      out.rc = pc_out_table(&out, "unmatched", pc_schema_type(&pc_schema_unmatched),
                            t->unmatched.data, pc_rank(t->ctx) == 0 ? t->unmatched.n : 0,
                            "rows of cases.csv not traced: line (1-based, the header is 1), "
                            "what the row named the case by, why");
    if (!out.rc) out.rc = write_cubes(t, &out, m, hops);
    json_object *counts = pc_trace_counts_json(K, hops);
    if (counts) pc_json_add_u64(counts, "unmatched", t->unmatched.n);
    pc_out_json(&out, "counts", counts, 1);
    pc_out_attr_i64(&out, "as_of", t->as_of);
    pc_out_attr_str(&out, "as_of_local", pc_time_format(t->as_of, t0));
    pc_out_attr_i64(&out, "dispatch_at", dispatch_at);
    pc_out_attr_str(&out, "data", t->data_path);
    if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, t->data);
    pc_out_attr_str(&out, "index", index ? index : "(built in memory)");
    pc_out_attr_str(&out, "cases", pc_config_str(t->cfg, "cases"));
  }
  return pc_out_commit(&out, rc);
}
