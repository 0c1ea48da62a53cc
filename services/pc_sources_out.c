/* pc_sources_out.c - sources' output file: the tables (written by rank 0, ranked), /unmatched, counts and attributes. */
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_out.h"
#include "pc_sources.h"
#include "pc_time.h"

static json_object *counts_of(const pc_sourcer *s) {
  json_object *j = json_object_new_object();
  if (!j) return NULL;
  uint64_t nclusters = 0;
  for (size_t i = 0; s->clusters && i < s->ncases; i++)
    if (s->clusters[i].cluster > nclusters) nclusters = s->clusters[i].cluster;
  pc_json_add_u64(j, "cases", s->ncases);
  pc_json_add_u64(j, "common_exposures", s->ncommon);
  pc_json_add_u64(j, "clusters", nclusters);
  pc_json_add_u64(j, "candidates", s->ncand);
  pc_json_add_u64(j, "hotspots", s->nhot);
  pc_json_add_u64(j, "unmatched", s->t.unmatched.n);
  return j;
}

int pc_sources_write(pc_sourcer *s, const char *output, const char *index) {
  pc_tracer *t = &s->t;
  const int r0 = pc_rank(t->ctx) == 0;
  pc_out out;
  char t0[24];
  int rc;
  if (!(rc = pc_out_create(t->ctx, t->cfg, output, &out))) {
    pc_out_table(&out, "common_exposures", pc_schema_type(&pc_schema_common), s->common,
                 r0 ? s->ncommon : 0,
                 "intervals in which at least min_cases cases were at one place together "
                 "(within their windows [onset - lookback, onset]), ranked by cases, then from; "
                 "exposure = row number, its cases in /common_exposure_cases");
    pc_out_table(&out, "common_exposure_cases", pc_schema_type(&pc_schema_common_cases),
                 s->ccases, r0 ? s->nccases : 0,
                 "the cases present during each common exposure: (exposure, pid)");
    pc_out_table(&out, "clusters", pc_schema_type(&pc_schema_clusters), s->clusters,
                 r0 ? s->ncases : 0,
                 "each case's cluster (1 the largest): cases joined by a common exposure or by "
                 "being each other's close contacts within their windows");
    pc_out_table(&out, "candidates", pc_schema_type(&pc_schema_candidates), s->cand,
                 r0 ? s->ncand : 0,
                 "possible sources: persons other than the cases whose stay overlaps common "
                 "exposures by the channel's min_overlap, with at least min_cases distinct "
                 "cases over them; ranked by cases, exposures, first");
    if (s->hot)
      pc_out_table(&out, "hotspots", pc_schema_type(&pc_schema_hotspots), s->hot,
                   r0 ? s->nhot : 0,
                   "places and communities where flagged persons stayed in the window, ranked "
                   "by persons, then dwell (seconds)");
    pc_out_table(&out, "unmatched", pc_schema_type(&pc_schema_unmatched), t->unmatched.data,
                 r0 ? t->unmatched.n : 0,
                 "rows of cases.csv not used: line (1-based, the header is 1), what the row "
                 "named the case by, why");
    pc_out_json(&out, "counts", counts_of(s), 1);
    pc_out_attr_i64(&out, "as_of", t->as_of);
    pc_out_attr_str(&out, "as_of_local", pc_time_format(t->as_of, t0));
    pc_out_attr_str(&out, "data", t->data_path);
    if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, t->data);
    pc_out_attr_str(&out, "index", index ? index : "(built in memory)");
    pc_out_attr_str(&out, "cases", pc_config_str(t->cfg, "cases"));
  }
  return pc_out_commit(&out, rc);
}
