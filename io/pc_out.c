/* pc_out.c - the one output writer: create, tables per io.*, attributes, stamp, commit, run record. */
#include "pc_out.h"

#include <stdlib.h>
#include <string.h>

/* A collective step: agree on what happened before, so every rank enters or none does. */
static int agree(pc_out *out) {
  out->rc = pc_agree(out->ctx, out->rc);
  return out->rc;
}

int pc_out_create(pc_ctx *ctx, const pc_config *cfg, const char *path, pc_out *out) {
  memset(out, 0, sizeof *out);
  out->ctx = ctx;
  out->file = -1;
  out->h5.file = -1;
  out->chunk_rows = (size_t)pc_config_int(cfg, "io.chunk_rows");
  out->deflate = (int)pc_config_int(cfg, "io.deflate");
  out->direct = pc_config_bool(cfg, "io.direct");
  out->config = pc_config_effective(cfg);
  out->json = json_object_new_object();
  out->record = json_object_new_object();
  if (!out->config || !out->json || !out->record)
    out->rc = PC_ERROR(PC_ERR_MEM, "out of memory preparing output %s", path);
  agree(out);
  if (!out->rc) out->rc = pc_h5_create(ctx, path, &out->h5); /* agreed */
  out->created = !out->rc;
  out->file = out->created ? out->h5.file : -1;
  if (!out->created) { /* nothing to commit: a caller may return at once */
    free(out->config);
    json_object_put(out->json);
    json_object_put(out->record);
    out->config = NULL;
    out->json = out->record = NULL;
  }
  return out->rc;
}

static int describe(hid_t d, const char *description) {
  return description ? pc_h5_attr_str(d, "description", description) : 0;
}

int pc_out_dset(pc_out *out, const char *name, hid_t type, uint64_t nglobal, int layout,
                const char *description, hid_t *dset) {
  *dset = -1;
  if (agree(out)) return out->rc;
  int contiguous = layout == PC_OUT_CONTIGUOUS;
  int rc = pc_h5_dset_create(out->ctx, out->file, name, type, nglobal,
                             contiguous ? 0 : out->chunk_rows,
                             layout == PC_OUT_CHUNKED ? out->deflate : 0, dset);
  if (!rc) rc = describe(*dset, description);
  out->rc = pc_agree(out->ctx, rc);
  if (out->rc && *dset >= 0) {
    H5Dclose(*dset);
    *dset = -1;
  }
  return out->rc;
}

int pc_out_table_layout(pc_out *out, const char *name, hid_t type, const void *rows,
                        size_t n_local, int layout, const char *description) {
  if (agree(out)) return out->rc;
  uint64_t start = 0, tot = n_local;
  int rc = pc_exscan_u64(out->ctx, n_local, &start);
  if (!rc) rc = pc_sum_u64(out->ctx, &tot, 1);
  if ((out->rc = pc_agree(out->ctx, rc))) return out->rc;
  hid_t d;
  if (pc_out_dset(out, name, type, tot, layout, description, &d)) return out->rc;
  out->rc = pc_h5_dset_write_rows(out->ctx, d, type, start, rows, n_local);
  H5Dclose(d);
  return out->rc;
}

int pc_out_table(pc_out *out, const char *name, hid_t type, const void *rows, size_t n_local,
                 const char *description) {
  return pc_out_table_layout(out, name, type, rows, n_local, PC_OUT_CHUNKED, description);
}

int pc_out_describe(pc_out *out, const char *dset, const char *description) {
  if (out->rc) return out->rc;
  hid_t d = H5Dopen2(out->file, dset, H5P_DEFAULT);
  if (d < 0) return out->rc = PC_ERROR(PC_ERR_IO, "cannot open dataset %s to describe it", dset);
  out->rc = describe(d, description);
  H5Dclose(d);
  return out->rc;
}

int pc_out_agree(pc_out *out) { return agree(out); }

int pc_out_attr_str(pc_out *out, const char *name, const char *value) {
  if (!out->rc) out->rc = pc_h5_attr_str(out->file, name, value);
  return out->rc;
}
int pc_out_attr_i64(pc_out *out, const char *name, int64_t v) {
  if (!out->rc) out->rc = pc_h5_attr_i64(out->file, name, v);
  return out->rc;
}
int pc_out_attr_u64(pc_out *out, const char *name, uint64_t v) {
  if (!out->rc) out->rc = pc_h5_attr_u64(out->file, name, v);
  return out->rc;
}

int pc_out_json(pc_out *out, const char *name, json_object *v, int in_record) {
  if (!v && !out->rc) out->rc = PC_ERROR(PC_ERR_MEM, "out of memory building JSON %s", name);
  if (out->rc || !out->json) {
    json_object_put(v);
    return out->rc;
  }
  if (in_record && (out->rc = pc_json_add(out->record, name, json_object_get(v)))) {
    json_object_put(v);
    return out->rc;
  }
  out->rc = pc_json_add(out->json, name, v);
  return out->rc;
}

int pc_out_record(pc_out *out, const char *name, json_object *v) {
  if (!v && !out->rc) out->rc = PC_ERROR(PC_ERR_MEM, "out of memory building JSON %s", name);
  if (out->rc || !out->record) {
    json_object_put(v);
    return out->rc;
  }
  out->rc = pc_json_add(out->record, name, v);
  return out->rc;
}

/* The JSON attributes and the run record's members, as text. */
static int finish_json(pc_out *out) {
  json_object_object_foreach(out->json, k, v) {
    /* Rank 0's text on every rank: an attribute must be written alike by all
     * ranks (parallel HDF5's metadata), and a count that only rank 0 holds
     * (rows it writes alone) would otherwise give attributes of different
     * sizes - a hang when the file is closed. */
    char *t = pc_rank(out->ctx) == 0 ? pc_json_text(v) : NULL;
    size_t len = t ? strlen(t) : 0;
    int rc = pc_agree(out->ctx, pc_rank(out->ctx) == 0 && !t ? PC_ERR_MEM : 0);
    if (!rc) rc = pc_bcast_bytes(out->ctx, &t, &len);
    if (!rc) rc = pc_h5_attr_str(out->file, k, t);
    free(t);
    if (rc) return rc;
  }
  return 0;
}

int pc_out_commit(pc_out *out, int rc_in) {
  if (!out->rc) out->rc = rc_in;
  /* The stamp broadcasts rank 0's clock: only when every rank is still on
   * (created is the same on every rank: pc_h5_create agreed). */
  if (!agree(out) && out->created) out->rc = pc_h5_stamp(out->ctx, out->file, out->config);
  if (!out->rc && out->created) out->rc = finish_json(out);
  int rc = out->created ? pc_h5_commit(out->ctx, &out->h5, out->rc) : pc_agree(out->ctx, out->rc);
  out->file = -1;
  if (!rc && out->record) {
    json_object_object_foreach(out->record, k, v) {
      char *t = pc_json_text(v);
      rc = t ? pc_record_add(out->ctx, k, t) : PC_ERR_MEM;
      free(t);
      if (rc) break;
    }
    rc = pc_agree(out->ctx, rc);
  }
  free(out->config);
  out->config = NULL;
  json_object_put(out->json);
  json_object_put(out->record);
  out->json = out->record = NULL;
  return rc_in ? rc_in : rc;
}
