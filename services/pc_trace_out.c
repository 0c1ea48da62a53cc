/* pc_trace_out.c - trace's output file: /contacts, /companions, the /breakdown cubes, counts and attributes. */
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_out.h"
#include "pc_time.h"
#include "pc_trace_out.h"
#include "pc_tracefile.h"

/* The flags as the cubes take them, in pid order from the first (a
 * person found from where the last step's left off). */
typedef struct cube_flags {
  pc_tracer *t;
  pc_trace_rowmaker *m;
  int hops;
  size_t at; /* where the next person is looked for */
} cube_flags;

static void fill_flags(void *arg, size_t first, size_t k, pc_person *p, int *cls, int *code) {
  cube_flags *C = arg;
  for (size_t i = 0; i < k; i++) {
    const pc_trace_flag *f = &C->m->f[first + i];
    const pc_person *q = pc_trace_person_from(C->t, f->pid, &C->at);
    if (q)
      p[i] = *q;
    else
      memset(&p[i], 0, sizeof p[i]); /* unknown */
    cls[i] = f->hop == PC_TRACE_COMPANION ? C->hops + 1 : f->hop;
    code[i] = pc_trace_rows_red(C->m, f) ? C->hops + 2 : C->hops + 3;
  }
}

static int write_cubes(pc_tracer *t, pc_out *out, pc_trace_rowmaker *m, int hops) {
  enum { NCLS_MAX = 64 };
  const int ncls = hops + 4; /* hop0..hopK, companion, red, yellow */
  if (ncls > NCLS_MAX) /* the config allows 32 hops */
    return PC_ERROR(PC_ERR_ARG, "%d hops: the cubes take at most %d", hops, NCLS_MAX - 4);
  char nm_[NCLS_MAX][16];
  const char *names[NCLS_MAX];
  for (int k = 0; k < ncls; k++) {
    if (k <= hops)
      snprintf(nm_[k], 16, "hop%d", k);
    else
      snprintf(nm_[k], 16, "%s", k == hops + 1 ? "companion" : k == hops + 2 ? "red" : "yellow");
    names[k] = nm_[k];
  }
  cube_flags C = {t, m, hops, 0};
  return pc_flag_cubes(t->ctx, t->cfg, t->data, out->file, t->as_of, names, ncls, fill_flags, &C,
                       m->nc + m->nm, out->deflate);
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
