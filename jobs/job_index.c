/* job_index.c - `paicha index`: build the co-location index of a dataset and persist it. */
#include <stdlib.h>
#include <string.h>

#include "pc_budget.h"
#include "pc_h5.h"
#include "pc_job.h"
#include "pc_pview.h"

static const pc_key index_keys[] = {
    {.name = "data", .type = PC_T_PATH, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "index", .type = PC_T_PATH, .required = 1, .help = "index file to write (HDF5)"},
    {.name = "append", .type = PC_T_PATH,
     .help = "update this index (built from an earlier window of the same stays) instead of a "
             "full rebuild: drop the days before the window, add the new days; may equal `index`"},
    {.name = "buckets", .type = PC_T_INT, .def = "0",
     .help = "place buckets, a power of two (0: about one per 128 stays, at least 1024)",
     .max = 1 << 30},
    PC_KEYS_COMMON,
    {0}};

/* Buckets: a power of two from the size of the data alone, never from the
 * rank count, so the index is the same file at any rank count. */
uint32_t pc_index_buckets(uint64_t nstays, int64_t given) {
  if (given > 0) return (uint32_t)given;
  uint32_t b = 1024;
  while (b < (1u << 24) && (uint64_t)b * 128 < nstays) b <<= 1;
  return b;
}

int pc_index_buckets_check(const pc_config *cfg, pc_config_problems *p) {
  int64_t given = pc_config_int(cfg, "buckets");
  if (given > 0 && (given & (given - 1)))
    pc_config_problem(p, cfg, "buckets", "must be a power of two (or 0)");
  return 0;
}

static int run_index(pc_ctx *ctx, const pc_config *cfg) {
  const char *data = pc_config_str(cfg, "data"), *path = pc_config_str(cfg, "index");
  int64_t given = pc_config_int(cfg, "buckets"); /* a power of two: checked at load */
  pc_job_record_for(ctx, path);
  PC_CALL(pc_phase_begin(ctx, "open"));
  hid_t file;
  PC_CALL(pc_h5_open_read(ctx, data, &file));
  pc_table d;
  uint64_t nstays = 0;
  int rc = pc_table_open(file, NULL, &pc_schema_stays, &d);
  if (!rc) nstays = d.nrows;
  pc_table_close(&d);
  pc_phase_end(ctx, 0, 0);
  PC_CALLG(pc_agree(ctx, rc), close);
  PC_CALLG(pc_budget_check(ctx, cfg, pc_config_given(cfg, "append") ? "append" : "index", 0,
                           (double)nstays),
           close);
  const char *append = pc_config_str(cfg, "append");
  pc_pview pv;
  if (append) {
    rc = pc_pview_append(ctx, append, file, data, given, &pv);
  } else {
    uint32_t nb = pc_index_buckets(nstays, given);
    pc_log(ctx, "index: %s: %llu stays into %u buckets", data, (unsigned long long)nstays, nb);
    PC_CALLG(pc_phase_begin(ctx, "build"), close);
    rc = pc_pview_build(ctx, file, data, nb, &pv);
    pc_phase_end(ctx, pv.nrows, 0);
  }
  if (rc) goto free;
  const uint32_t nb = pv.nbuckets;
  double imbalance = 1.0;
  uint64_t rows_total = 0, rows_max = 0;
  {
    uint64_t mm[2] = {pv.nrows, pv.nrows}, tot = pv.nrows;
    PC_CALLG(pc_max_u64(ctx, &mm[0], 1), free);
    PC_CALLG(pc_min_u64(ctx, &mm[1], 1), free);
    PC_CALLG(pc_sum_u64(ctx, &tot, 1), free);
    double mean = (double)tot / ctx->nranks;
    pc_log(ctx, "index: %llu rows; per rank min %llu max %llu, imbalance %.3f (max/mean)",
           (unsigned long long)tot, (unsigned long long)mm[1], (unsigned long long)mm[0],
           mean > 0 ? (double)mm[0] / mean : 1.0);
    imbalance = mean > 0 ? (double)mm[0] / mean : 1.0;
    rows_total = tot;
    rows_max = mm[0];
  }
  PC_CALLG(pc_phase_begin(ctx, "write"), free);
  {
    pc_out out;
    char imb[32];
    snprintf(imb, sizeof imb, "%.4f", imbalance);
    if (!pc_out_create(ctx, cfg, path, &out)) {
      pc_pview_write(&out, &pv);
      pc_out_attr_str(&out, "data", data);
      if (append) pc_out_attr_str(&out, "appended_to", append);
      pc_out_record(&out, "index_rows", json_object_new_uint64(rows_total));
      pc_out_record(&out, "index_rows_max", json_object_new_uint64(rows_max));
      pc_out_record(&out, "index_imbalance", json_object_new_double_s(imbalance, imb));
      pc_out_record(&out, "buckets", json_object_new_int64(nb));
    }
    rc = pc_out_commit(&out, 0);
  }
  pc_phase_end(ctx, pv.nrows, pv.nrows * sizeof(pc_irow));
  if (!rc) pc_log(ctx, "index: wrote %s", path);
free:
  pc_pview_free(&pv);
close:
  H5Fclose(file);
  return rc;
}

const pc_jobdef pc_job_index = {
    "index", "build and persist the co-location index of a dataset",
    "Re-partitions every stay by place bucket (hot places spread by day), sorts each\n"
    "bucket by (place, start), computes every person's time per grid, and writes the\n"
    "place view with its bucket directory and pid directories over the dataset's\n"
    "tables, so `trace` at any rank count reads only what its queries touch. The file\n"
    "records the dataset's checksum: an index of another dataset is refused.\n"
    "\n"
    "With `append: OLD.h5`, the index of yesterday's window is brought to the\n"
    "dataset's window instead: rows of the days before it are dropped, the stays\n"
    "after the old window added, grid totals and households redone - the same file\n"
    "a rebuild with OLD's bucket count writes, without re-sorting every stay. It is\n"
    "refused when the days both windows cover hold other stays (corrected records).",
    index_keys, run_index, pc_index_buckets_check};
