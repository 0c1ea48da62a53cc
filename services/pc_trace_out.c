/* pc_trace_out.c - trace's output file: /contacts, /companions, the /breakdown cubes, counts and attributes. */
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_out.h"
#include "pc_time.h"
#include "pc_trace_out.h"
#include "pc_tracefile.h"

static int class_of(const pc_trace_row *o, int comp) { return comp ? -1 : o->hop; }

static int write_cubes(pc_tracer *t, pc_out *out, const pc_trace_row *rows, size_t nc, size_t nm, int hops) {
  pc_ctx *ctx = t->ctx;
  const int ncls = hops + 4; /* hop0..hopK, companion, red, yellow */
  char (*nm_)[16] = pc_calloc((size_t)ncls, 16, "class names");
  const char **names = pc_calloc((size_t)ncls, sizeof *names, "class names");
  pc_person *p = pc_calloc(nc + nm + 1, sizeof *p, "flagged persons");
  int *cls = pc_malloc((nc + nm + 1) * sizeof *cls, "classes"),
      *code = pc_malloc((nc + nm + 1) * sizeof *code, "classes");
  int rc = nm_ && names && p && cls && code ? 0 : PC_ERR_MEM;
  for (int k = 0; k < ncls && !rc; k++) {
    if (k <= hops)
      snprintf(nm_[k], 16, "hop%d", k);
    else
      snprintf(nm_[k], 16, "%s", k == hops + 1 ? "companion" : k == hops + 2 ? "red" : "yellow");
    names[k] = nm_[k];
  }
  size_t at = 0; /* contacts, then companions: each sorted by pid */
  for (size_t i = 0; i < nc + nm && !rc; i++) {
    const pc_person *q = pc_trace_person_from(t, rows[i].pid, &at);
    if (q) p[i] = *q; /* else all zero: unknown */
    int c = class_of(&rows[i], i >= nc);
    cls[i] = c < 0 ? hops + 1 : c;
    code[i] = strcmp(rows[i].code, "red") == 0 ? hops + 2 : hops + 3;
  }
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_flag_cubes(ctx, t->cfg, t->data, out->file, t->as_of, names, ncls, p, cls, code, nc + nm,
                       out->deflate);
  free(nm_);
  free(names);
  free(p);
  free(cls);
  free(code);
  return rc;
}

int pc_trace_write(pc_tracer *t, const char *output, const char *index, int64_t dispatch_at,
                   const pc_trace_row *rows, size_t nc, size_t nm, const pc_trace_counts *K) {
  const int hops = K->hops;
  pc_out out;
  char t0[24];
  int rc;
  if (!(rc = pc_out_create(t->ctx, t->cfg, output, &out))) {
    pc_tracefile_write_rows(&out, rows, nc, nm);
    if (!out.rc)
      out.rc = pc_out_table(&out, "unmatched", pc_schema_type(&pc_schema_unmatched),
                            t->unmatched.data, pc_rank(t->ctx) == 0 ? t->unmatched.n : 0,
                            "rows of cases.csv not traced: line (1-based, the header is 1), "
                            "what the row named the case by, why");
    if (!out.rc) out.rc = write_cubes(t, &out, rows, nc, nm, hops);
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
