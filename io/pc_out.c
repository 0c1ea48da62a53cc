/* pc_out.c - the one output writer: create, tables per io.*, attributes, stamp, commit, run record. */
#include "pc_out.h"

#include <stdlib.h>
#include <string.h>

#include "pc_chunk.h"
#include "pc_textout.h"

enum { PC_OUT_BATCH = 4 << 20 }; /* bytes of compressed chunks a rank sends rank 0 at a time */

/* A compressed table waiting for commit: this rank's chunks, each as a
 * record (u64 chunk index, u64 bytes, the bytes), in order. */
struct pc_out_later {
  char *name, *description;
  hid_t type;
  uint64_t nglobal;
  size_t chunk_rows;
  char *packed;
  size_t len;
};

static void later_free(pc_out *out) {
  for (int i = 0; i < out->nlater; i++) {
    struct pc_out_later *l = &out->later[i];
    free(l->name);
    free(l->description);
    free(l->packed);
    if (l->type >= 0) H5Tclose(l->type);
  }
  free(out->later);
  out->later = NULL;
  out->nlater = 0;
}

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

/* A table's rows: held (rows; fn NULL) or made when needed (fn). */
typedef struct rows_src {
  const char *rows;
  pc_out_rows_fn fn;
  void *arg;
  size_t rs;
} rows_src;

/* Rows [first, first + n): where they are held, or made into buf. */
static const char *src_rows(const rows_src *s, size_t first, size_t n, char *buf) {
  if (!s->fn) return n ? s->rows + first * s->rs : s->rows;
  if (n) s->fn(s->arg, first, n, buf);
  return buf;
}

/* The rows of this rank's chunks of a table of `tot` rows in chunks of C:
 * its own rows from the first that starts a chunk or follows one of its own
 * (rows [start, start + n)), then the rows of the next ranks that fall in
 * its last chunk. Each rank's head - its rows before its first chunk start,
 * when its rows begin inside a chunk - goes to the rank holding that
 * chunk's first row. *head: this rank's head rows (not its own); *tail,
 * *ntail: the rows received (a new buffer, the caller frees). */
static int chunk_rows_of(pc_out *out, size_t rs, const rows_src *src, size_t n, size_t C,
                         size_t *head, char **tail, size_t *ntail) {
  pc_ctx *ctx = out->ctx;
  const int P = pc_nranks(ctx), me = pc_rank(ctx);
  uint64_t nn = n, *cnt = NULL;
  size_t got = 0;
  *head = 0, *tail = NULL, *ntail = 0;
  int rc = pc_allgather_u64(ctx, &nn, 1, &cnt, &got);
  if (rc) return rc;
  uint64_t *first = pc_calloc((size_t)P + 1, sizeof *first, "chunk owners"),
           *sst = pc_calloc((size_t)P, sizeof *sst, "chunk owners"),
           *sc = pc_calloc((size_t)P, sizeof *sc, "chunk owners"),
           *rst = pc_calloc((size_t)P, sizeof *rst, "chunk owners"),
           *rct = pc_calloc((size_t)P, sizeof *rct, "chunk owners");
  rc = first && sst && sc && rst && rct ? 0 : PC_ERR_MEM;
  for (int q = 0; !rc && q < P; q++) first[q + 1] = first[q] + cnt[q];
  /* Rank q's head: rows [first[q], min(end, next chunk start)) when first[q]
   * is inside a chunk; they go to the rank holding that chunk's first row. */
  for (int q = 0; !rc && q < P; q++) {
    const uint64_t s = first[q], e = first[q + 1], c0 = s / C * C;
    if (s == e || s == c0) continue;
    const uint64_t h = (e < c0 + C ? e : c0 + C) - s;
    int to = 0;
    while (first[to + 1] <= c0) to++;
    if (q == me) sc[to] = h, *head = (size_t)h;
    if (to == me) rst[q] = *ntail, rct[q] = h, *ntail += (size_t)h;
  }
  if (!rc && *ntail && !(*tail = pc_malloc(*ntail * rs, "rows of a shared chunk"))) rc = PC_ERR_MEM;
  char *hb = !rc && *head && src->fn ? pc_malloc(*head * rs, "rows of a shared chunk") : NULL;
  if (!rc && *head && src->fn && !hb) rc = PC_ERR_MEM;
  rc = pc_agree(ctx, rc);
  if (!rc)
    rc = pc_exchange_pieces(ctx, rs, src_rows(src, 0, *head, hb), sst, sc, *tail, 1, rst, rct);
  free(hb);
  free(cnt);
  free(first);
  free(sst);
  free(sc);
  free(rst);
  free(rct);
  return rc;
}

/* Compress this rank's chunks of a table (see pc_out_table) into a waiting
 * table of out; collective, agreed. */
static int defer_table(pc_out *out, const char *name, hid_t type, const rows_src *rsrc, size_t n,
                       uint64_t start, uint64_t tot, const char *description) {
  const size_t rs = H5Tget_size(type);
  const size_t C = out->chunk_rows < tot ? out->chunk_rows : (size_t)tot;
  size_t head = 0, ntail = 0;
  char *tail = NULL;
  if ((double)C * (double)rs >= 4294967295.0) /* the same on every rank */
    return out->rc = PC_ERROR(PC_ERR_ARG,
                              "io.chunk_rows %zu makes chunks of %.1f GB of table %s: HDF5 takes "
                              "chunks under 4 GB (1-3 MB is best)",
                              C, (double)C * (double)rs / 1e9, name);
  int rc = chunk_rows_of(out, rs, rsrc, n, C, &head, &tail, &ntail);
  struct pc_out_later *ls = NULL, *l = NULL;
  if (!rc && !(ls = realloc(out->later, (size_t)(out->nlater + 1) * sizeof *ls)))
    rc = PC_ERROR(PC_ERR_MEM, "out of memory for table %s", name);
  if (ls) {
    out->later = ls;
    l = &ls[out->nlater++];
    memset(l, 0, sizeof *l);
    l->type = H5Tcopy(type);
    l->name = strdup(name);
    l->description = description ? strdup(description) : NULL;
    l->nglobal = tot;
    l->chunk_rows = C;
    if (l->type < 0 || !l->name || (description && !l->description))
      rc = PC_ERROR(PC_ERR_MEM, "out of memory for table %s", name);
  }
  /* Own rows kept: [head, n) at global rows start + head .., then the tail. */
  const size_t keep = n - head, have = keep + ntail;
  const size_t nch = have ? (have + C - 1) / C : 0, bound = pc_chunk_bound(C, rs);
  char *scratch = have ? pc_malloc(C * rs, "a chunk") : NULL,
       *mixed = ntail ? pc_malloc(C * rs, "a chunk") : NULL,
       *made = keep && rsrc->fn ? pc_malloc(C * rs, "a chunk") : NULL;
  pc_chunker *zk = have ? pc_chunker_new(out->deflate) : NULL;
  size_t cap = have ? nch * 16 + (keep + ntail) * rs / 3 + bound : 0;
  if (!rc && have &&
      (!scratch || !zk || (ntail && !mixed) || (keep && rsrc->fn && !made) ||
       !(l->packed = pc_malloc(cap, "compressed chunks"))))
    rc = PC_ERROR(PC_ERR_MEM, "out of memory compressing table %s", name);
  const uint64_t c0 = (start + head) / C; /* this rank's first chunk */
  for (size_t k = 0; !rc && k < nch; k++) {
    const size_t lo = k * C, m = have - lo < C ? have - lo : C;
    const size_t own = lo + m > keep ? keep - lo : m; /* this rank's rows of the chunk */
    const char *src = src_rows(rsrc, head + lo, own, own < m ? mixed : made);
    if (own < m) { /* the chunk the next ranks' rows end */
      if (src != mixed) memcpy(mixed, src, own * rs);
      memcpy(mixed + own * rs, tail, (m - own) * rs);
      src = mixed;
    }
    if (cap - l->len < 16 + bound) {
      size_t nc = cap + cap / 2 + 16 + bound;
      char *p = realloc(l->packed, nc);
      if (!p) {
        rc = PC_ERROR(PC_ERR_MEM, "out of memory compressing table %s", name);
        break;
      }
      l->packed = p, cap = nc;
    }
    char *rec = l->packed + l->len;
    uint64_t hdr[2] = {c0 + k, 0};
    hdr[1] = pc_chunk_pack(zk, src, m, rs, C, scratch, rec + 16, bound);
    if (!hdr[1]) rc = PC_ERROR(PC_ERR_MEM, "zlib could not compress a chunk of table %s", name);
    memcpy(rec, hdr, sizeof hdr);
    l->len += 16 + (size_t)hdr[1];
  }
  if (!rc && l && l->packed && l->len < cap) { /* give back what the guess left over */
    char *p = realloc(l->packed, l->len ? l->len : 1);
    if (p) l->packed = p;
  }
  pc_chunker_free(zk);
  free(scratch);
  free(mixed);
  free(made);
  free(tail);
  return out->rc = pc_agree(out->ctx, rc);
}

static int table_of(pc_out *out, const char *name, hid_t type, const rows_src *src,
                    size_t n_local, int layout, const char *description) {
  if (agree(out)) return out->rc;
  uint64_t start = 0, tot = n_local;
  int rc = pc_exscan_u64(out->ctx, n_local, &start);
  if (!rc) rc = pc_sum_u64(out->ctx, &tot, 1);
  if ((out->rc = pc_agree(out->ctx, rc))) return out->rc;
  if (layout == PC_OUT_CHUNKED && out->deflate > 0 && out->chunk_rows > 0 && tot > 0)
    return defer_table(out, name, type, src, n_local, start, tot, description);
  /* Written through HDF5 in one collective call: rows made are all made first. */
  char *all = src->fn ? pc_malloc(n_local * src->rs + 1, "a table's rows") : NULL;
  if ((out->rc = pc_agree(out->ctx, !src->fn || all ? 0 : PC_ERR_MEM))) return out->rc;
  const char *rows = src_rows(src, 0, n_local, all);
  hid_t d;
  if (!pc_out_dset(out, name, type, tot, layout, description, &d)) {
    out->rc = pc_h5_dset_write_rows(out->ctx, d, type, start, rows, n_local);
    H5Dclose(d);
  }
  free(all);
  return out->rc;
}

int pc_out_table_layout(pc_out *out, const char *name, hid_t type, const void *rows,
                        size_t n_local, int layout, const char *description) {
  const rows_src src = {rows, NULL, NULL, H5Tget_size(type)};
  return table_of(out, name, type, &src, n_local, layout, description);
}

int pc_out_table_gen(pc_out *out, const char *name, hid_t type, pc_out_rows_fn fn, void *arg,
                     size_t n_local, const char *description) {
  const rows_src src = {NULL, fn, arg, H5Tget_size(type)};
  return table_of(out, name, type, &src, n_local, PC_OUT_CHUNKED, description);
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

/* Rank 0 writes one waiting table's chunks: its own (then freed), then each
 * rank's as they come (batches of at most PC_OUT_BATCH, then an empty
 * message). A rank 0 that failed still takes every message. */
static int write_later_table(pc_out *out, hid_t file, struct pc_out_later *l, int rc) {
  pc_ctx *ctx = out->ctx;
  const int P = pc_nranks(ctx);
  hid_t d = -1;
  if (!rc) rc = pc_h5_dset_create(ctx, file, l->name, l->type, l->nglobal, l->chunk_rows,
                                  out->deflate, &d);
  if (!rc && l->description) rc = describe(d, l->description);
  char *got = NULL;
  size_t len = l->len;
  const char *p = l->packed;
  for (int r = 0; r < P; r++) {
    for (;;) {
      if (r > 0) {
        int e = pc_send_to0(ctx, r, NULL, 0, &got, &len);
        if (e && !rc) rc = e;
        if (e == PC_ERR_MPI) return rc; /* the link is gone: nothing more will come */
        if (!len) break; /* rank r is done */
        if (!got) continue; /* dropped (no memory here): its next message */
        p = got;
      }
      for (size_t at = 0; at + 16 <= len;) {
        uint64_t hdr[2];
        memcpy(hdr, p + at, sizeof hdr);
        if (!rc) rc = pc_h5_write_chunk(d, hdr[0] * l->chunk_rows, p + at + 16, (size_t)hdr[1]);
        at += 16 + (size_t)hdr[1];
      }
      free(got);
      got = NULL;
      if (r == 0) { /* its room serves the others' batches */
        free(l->packed);
        l->packed = NULL;
        l->len = 0;
        break;
      }
    }
  }
  if (d >= 0 && H5Dclose(d) < 0 && !rc)
    rc = PC_ERROR(PC_ERR_IO, "cannot write table %s (disk full?)", l->name);
  return rc;
}

/* The other ranks send their chunks of each waiting table to rank 0, in
 * batches of a few MB: rank 0 takes each into a new block, which the
 * heap gives back for the next (a batch of a shuffle round, 64 MB, was
 * new memory every time: a thousand cases' companions took rank 0's peak
 * up by the size of a rank's compressed rows). */
static int send_later_table(pc_out *out, const struct pc_out_later *l) {
  pc_ctx *ctx = out->ctx;
  const size_t rb = pc_ctx_round_bytes(ctx), round = PC_OUT_BATCH < rb ? PC_OUT_BATCH : rb;
  char *none = NULL;
  size_t zero = 0;
  for (size_t at = 0; at < l->len;) {
    size_t end = at;
    do { /* whole records, at least one */
      uint64_t hdr[2];
      memcpy(hdr, l->packed + end, sizeof hdr);
      end += 16 + (size_t)hdr[1];
    } while (end < l->len && end - at < round);
    PC_CALL(pc_send_to0(ctx, pc_rank(ctx), l->packed + at, end - at, &none, &zero));
    at = end;
  }
  return pc_send_to0(ctx, pc_rank(ctx), NULL, 0, &none, &zero);
}

/* Collective, agreed: the waiting tables written into the closed file. */
static int write_later(pc_out *out, int rc) {
  if (rc || !out->nlater) return rc;
  pc_ctx *ctx = out->ctx;
  if (pc_rank(ctx) == 0) {
    hid_t f = -1;
    rc = pc_h5_reopen_local(&out->h5, &f);
    for (int i = 0; i < out->nlater; i++) rc = write_later_table(out, f, &out->later[i], rc);
    if (f >= 0 && H5Fclose(f) < 0 && !rc)
      rc = PC_ERROR(PC_ERR_IO, "cannot close %s (disk full?)", out->h5.tmp);
  } else
    for (int i = 0; i < out->nlater && !rc; i++) rc = send_later_table(out, &out->later[i]);
  return pc_agree(ctx, rc);
}

void pc_out_drop(pc_out *out) {
  if (out->created) {
    (void)pc_h5_close(out->ctx, &out->h5, PC_ERR_DATA); /* doomed: emptied, closed */
    pc_atomic_drop(out->ctx, out->h5.tmp);
  }
  later_free(out);
  out->file = -1;
  out->created = 0;
  free(out->config);
  out->config = NULL;
  json_object_put(out->json);
  json_object_put(out->record);
  out->json = out->record = NULL;
}

int pc_out_commit(pc_out *out, int rc_in) {
  if (!out->rc) out->rc = rc_in;
  /* The stamp broadcasts rank 0's clock: only when every rank is still on
   * (created is the same on every rank: pc_h5_create agreed). */
  if (!agree(out) && out->created) out->rc = pc_h5_stamp(out->ctx, out->file, out->config);
  if (!out->rc && out->created) out->rc = finish_json(out);
  int rc = pc_agree(out->ctx, out->rc);
  if (out->created) {
    rc = pc_h5_close(out->ctx, &out->h5, rc);
    rc = write_later(out, rc);
    rc = pc_atomic_commit(out->ctx, out->h5.tmp, out->h5.path, rc);
  }
  later_free(out);
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
