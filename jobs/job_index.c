/* job_index.c - `paicha index`: build the co-location index of a dataset and persist it. */
#include <stdlib.h>
#include <string.h>

#include "pc_budget.h"
#include "pc_out.h"
#include "pc_schema.h"
#include "pc_job.h"
#include "pc_pview.h"
#include "pc_aview.h"

static const pc_key index_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "index", .type = PC_T_PATH, .role = PC_P_OUT, .replaces = "append", .required = 1,
     .help = "index file to write (HDF5); may be `append`'s, replaced when complete"},
    {.name = "append", .type = PC_T_PATH, .role = PC_P_IN_H5,
     .help = "update this index (built from an earlier window of the same stays) instead of a "
             "full rebuild: drop the days before the window, add the new days; may equal `index`"},
    {.name = "buckets", .type = PC_T_INT, .def = "0",
     .help = "place buckets, a power of two (0: about one per 128 stays, at least 1024)",
     .max = 1 << 30},
    {.name = "area_view", .type = PC_T_BOOL, .def = "false",
     .help = "also write the area view (the stays by township and day) that screen given "
             "`index` reads selectively: faster for a few townships or cells, about even for a "
             "whole city; 24 bytes a stay more in the index (3.3 GB at the city tier, 57 % of "
             "its own bytes; docs/PERFORMANCE.md)"},
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_OPEN, PH_BUILD, PH_WRITE, PH_N };
static const char *const index_phases[PH_N] = {
    [PH_OPEN] = "open", [PH_BUILD] = "build", [PH_WRITE] = "write"};

typedef struct index_run {
  const pc_config *cfg;
  const char *data, *path, *append; /* append: the index brought forward, or NULL */
  int64_t given;                    /* buckets asked for, 0: from the data */
  pc_file file;                      /* the dataset */
  uint64_t nstays;
  pc_pview pv;
  double imbalance;                 /* rows per rank: max over mean, for the run record */
  uint64_t rows_total, rows_max;
  pc_aview_build *area;             /* the area view, made with the build's pass */
} index_run;

/* The place view built; with the area view, its rows made from the same
 * pass over the stays (the shuffle's) and written meanwhile. */
static int build(pc_ctx *ctx, index_run *R, pc_out *out, uint32_t nb) {
  if (pc_config_bool(R->cfg, "area_view")) {
    /* a slice's rows as made, their groups, and two slices grouped (one being written) */
    const double slice = (double)pc_agroup_slice_rows(R->nstays);
    PC_CALL(pc_budget_check_more(ctx, R->cfg, "the area view's slices",
                                 slice * (3.0 * sizeof(pc_arow) + sizeof(uint32_t))));
    PC_CALL(pc_aview_begin(ctx, out, R->file, R->data, &R->area));
  }
  const pc_pview_take take = {pc_aview_take, R->area};
  return pc_pview_build(ctx, R->file, R->data, nb, 1, out, R->area ? &take : NULL, &R->pv);
}

static int open_data(pc_ctx *ctx, index_run *R) {
  PC_CALL(pc_indexfile_open(ctx, R->data, &R->file));
  pc_table d;
  int rc = pc_table_open(R->file, NULL, &pc_schema_stays, &d);
  if (!rc) R->nstays = d.nrows;
  pc_table_close(&d);
  return rc;
}

/* Rows per rank, logged and kept for the run record. Collective. */
static int log_balance(pc_ctx *ctx, index_run *R) {
  uint64_t mm[2] = {R->pv.nrows, R->pv.nrows}, tot = R->pv.nrows;
  PC_CALL(pc_max_u64(ctx, &mm[0], 1));
  PC_CALL(pc_min_u64(ctx, &mm[1], 1));
  PC_CALL(pc_sum_u64(ctx, &tot, 1));
  double mean = (double)tot / pc_nranks(ctx);
  pc_log(ctx, "index: %llu rows; per rank min %llu max %llu, imbalance %.3f (max/mean)",
         (unsigned long long)tot, (unsigned long long)mm[1], (unsigned long long)mm[0],
         mean > 0 ? (double)mm[0] / mean : 1.0);
  R->imbalance = mean > 0 ? (double)mm[0] / mean : 1.0;
  R->rows_total = tot;
  R->rows_max = mm[0];
  return 0;
}

/* The output was created before the build (which wrote /place_rows to it
 * when it built the view here): the rest of it, then commit (whatever
 * happens, so out is done with). */
static int write_index(pc_ctx *ctx, index_run *R, pc_out *out) {
  char imb[32];
  snprintf(imb, sizeof imb, "%.4f", R->imbalance);
  pc_phase_bound(ctx, PC_BOUND_WRITE);
  pc_pview_write(out, &R->pv);
  pc_out_attr_str(out, "data", R->data);
  if (R->append) pc_out_attr_str(out, "appended_to", R->append);
  pc_out_record(out, "index_rows", json_object_new_uint64(R->rows_total));
  pc_out_record(out, "index_rows_max", json_object_new_uint64(R->rows_max));
  pc_out_record(out, "index_imbalance", json_object_new_double_s(R->imbalance, imb));
  pc_out_record(out, "buckets", json_object_new_int64(R->pv.nbuckets));
  if (pc_config_bool(R->cfg, "area_view") && !pc_out_agree(out) &&
      !(out->rc = pc_phase_begin(ctx, "area"))) {
    pc_phase_bound(ctx, PC_BOUND_WRITE);
    /* built: its rows were made and written with the build's pass; the rest
     * now. Appended: made now, in a pass of its own. */
    const uint64_t share = R->nstays / (uint64_t)pc_nranks(ctx);
    if (R->area)
      out->rc = pc_aview_end(ctx, out, R->area, 0);
    else
      out->rc = pc_aview_write(ctx, out, R->file, R->data);
    R->area = NULL; /* freed by either */
    pc_phase_end(ctx, R->append ? share : 0, R->append ? share * sizeof(pc_arow) : 0);
  }
  return pc_out_commit(out, 0);
}

/* The plan: open the dataset; check the memory budget; build the place view
 * (or bring the old index forward: its own phases); write it. */
static int run_index(pc_ctx *ctx, const pc_config *cfg) {
  index_run R = {.cfg = cfg,
                 .data = pc_config_str(cfg, "data"),
                 .path = pc_config_str(cfg, "index"),
                 .append = pc_config_str(cfg, "append"),
                 .given = pc_config_int(cfg, "buckets"), /* a power of two: checked at load */
                 .file = -1,
                 .pv = {.raw = {.fd = -1}, .disp = {.raw = {.fd = -1}}}};
  pc_phases_declare(ctx, index_phases, PH_N);
  pc_job_record_for(ctx, R.path);
  int rc = PC_PHASE(ctx, PH_OPEN, open_data(ctx, &R), 0, 0);
  if (!rc) rc = pc_budget_check(ctx, cfg, R.append ? "append" : "index", 0, (double)R.nstays);
  /* The file first: a build writes /place_rows to it as its sort ends (and
   * an output that cannot be made stops the job before the long passes). */
  pc_out out;
  const int made = !rc && !(rc = pc_out_create(ctx, cfg, R.path, &out));
  if (!rc && R.append) {
    rc = pc_pview_append(ctx, R.append, R.file, R.data, R.given, &R.pv);
  } else if (!rc) {
    uint32_t nb = pc_index_buckets(R.nstays, R.given);
    pc_log(ctx, "index: %s: %llu stays into %u buckets", R.data, (unsigned long long)R.nstays, nb);
    rc = PC_PHASE(ctx, PH_BUILD, build(ctx, &R, &out, nb), R.pv.nrows, 0);
  }
  if (!rc) rc = log_balance(ctx, &R);
  /* the rows it writes: /place_rows (unless the build wrote it) and the dispatch table */
  const uint64_t wrows = (R.pv.rows_written ? 0 : R.pv.nrows) + R.pv.ndsp;
  const uint64_t wbytes = (R.pv.rows_written ? 0 : R.pv.nrows * sizeof(pc_irow)) +
                          R.pv.ndsp * sizeof(pc_stay);
  if (!rc) rc = PC_PHASE(ctx, PH_WRITE, write_index(ctx, &R, &out), wrows, wbytes);
  else if (made)
    rc = pc_out_commit(&out, rc);
  if (!rc) pc_log(ctx, "index: wrote %s", R.path);
  pc_aview_build_free(R.area);
  pc_pview_free(&R.pv);
  pc_indexfile_close(R.file);
  return rc;
}

const pc_jobdef pc_job_index = {
    "index", "build and persist the co-location index of a dataset",
    "Re-partitions every stay by place bucket (hot places spread by day), sorts each\n"
    "bucket by (place, start), computes every person's time per grid, and writes the\n"
    "place view with its bucket directory and pid directories over the dataset's\n"
    "tables, so `trace` at any rank count reads only what its queries touch, and the\n"
    "dispatch table (each person's stay covering the dispatch instant, rule 11), so\n"
    "trace and screen find jurisdictions without reading all the stays. The file\n"
    "records the dataset's checksum: an index of another dataset is refused. It\n"
    "reads /stays once when the dataset counts its stays by bucket (/stay_buckets,\n"
    "written by synth and ingest), else twice (the first pass counts them).\n"
    "\n"
    "With `append: OLD.h5`, the index of yesterday's window is brought to the\n"
    "dataset's window instead: rows of the days before it are dropped, the stays\n"
    "after the old window added, grid totals and households redone - the same file\n"
    "a rebuild with OLD's bucket count writes, without re-sorting every stay. It is\n"
    "refused when the days both windows cover hold other stays (corrected records).",
    index_keys, run_index, pc_index_buckets_check, NULL};
