/* pc_ingest_write.c - ingest's dataset: its tables and attributes, laid out exactly as synth writes them. */
#include "pc_ingest_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_index.h"
#include "pc_ingestfile.h"
#include "pc_keyfile.h"
#include "pc_out.h"
#include "pc_rowstream.h"
#include "pc_time.h"


/* /rejects in (file, line) order: each rank's rejects of a file are the
 * lines it read, so file by file the ranks' pieces follow each other. */
static int write_rejects(pc_ingest *g, pc_out *out) {
  pc_ctx *ctx = g->ctx;
  uint64_t total = g->rejects.n;
  PC_CALL(pc_sum_u64(ctx, &total, 1));
  pc_ingestfile_table d = {.dset = -1};
  PC_CALL(pc_ingestfile_open(out, "rejects", &pc_schema_rejects, total, PC_OUT_CHUNKED,
                      "RESTRICTED (raw lines hold clear identities): rows not ingested, in "
                      "(file, line) order; file indexes the root attribute `inputs`; line is "
                      "1-based (the header is line 1); a duplicate was kept once",
                      &d));
  const pc_reject_row *r = g->rejects.data;
  uint64_t at = 0;
  size_t i = 0;
  int rc = 0;
  for (int f = 0; f < g->nin && !rc; f++) {
    size_t j = i;
    while (j < g->rejects.n && r[j].file == (uint32_t)f) j++;
    uint64_t before = 0, n = j - i;
    if (!(rc = pc_exscan_u64(ctx, n, &before)) && !(rc = pc_sum_u64(ctx, &n, 1)) && n)
      rc = pc_ingestfile_write(&d, at + before, j - i, r + i);
    at += n;
    i = j;
  }
  pc_ingestfile_close(&d);
  return rc;
}

/* Collective: a table of this rank's rows at its rank-order offset, in rounds. */
static int write_persons(pc_ingest *g, pc_out *out) {
  pc_ctx *ctx = g->ctx;
  size_t n = g->persons.n;
  uint64_t start = 0, N = n;
  PC_CALL(pc_exscan_u64(ctx, n, &start));
  PC_CALL(pc_sum_u64(ctx, &N, 1));
  pc_ingestfile_table dp = {.dset = -1}, di = {.dset = -1};
  const size_t R = 1 << 20;
  pc_person *pb = pc_malloc(R * sizeof *pb, "write buffer");
  pc_identity *ib = pc_malloc(R * sizeof *ib, "write buffer");
  int rc = pb && ib ? 0 : PC_ERR_MEM;
  PC_CALLG(pc_agree(ctx, rc), done);
  PC_CALLG(pc_ingestfile_open(out, "persons", &pc_schema_persons, N, PC_OUT_PLAIN,
                       "persons sorted by pid (registered, and visitors flagged 1: an ID "
                       "number or phone in the stays that the registry does not hold); "
                       "birth_date YYYYMMDD; sex 1 male 2 female; no clear identities",
                       &dp), done);
  PC_CALLG(pc_ingestfile_open(out, "identities", &pc_schema_identities, N, PC_OUT_PLAIN,
                       "RESTRICTED: clear identities (ID number, phone) by pid, sorted by pid",
                       &di), done);
  uint64_t rounds = (n + R - 1) / R;
  PC_CALLG(pc_max_u64(ctx, &rounds, 1), done);
  const pc_wperson *w = g->persons.data;
  for (uint64_t k = 0; k < rounds; k++) {
    size_t lo = k * R < n ? k * R : n, m = n - lo < R ? n - lo : R;
    for (size_t i = 0; i < m; i++) {
      pb[i] = w[lo + i].p;
      ib[i] = w[lo + i].id;
    }
    PC_CALLG(pc_ingestfile_write(&dp, start + lo, m, pb), done);
    PC_CALLG(pc_ingestfile_write(&di, start + lo, m, ib), done);
  }
done:
  pc_ingestfile_close(&dp);
  pc_ingestfile_close(&di);
  free(pb);
  free(ib);
  return rc;
}

/* /stays: this rank's rows at its rank-order offset, made a piece at a time
 * in a ring that a thread writes from (the disk busy while the next piece is
 * made: the write phase was the pieces made and written in turn). Opened
 * for n rows here; the rows made as they are final (pc_ingest_write_rows),
 * then the thread waited for (stays_finish). */
enum { PIECE = 1 << 18, PIECES = 4 }; /* 12 MB pieces, a ring of 48 MB */

static int stays_open(pc_ingest *g, pc_ingest_out *o, uint64_t n) {
  pc_ctx *ctx = g->ctx;
  uint64_t start = 0, N = n;
  o->n = n, o->made = 0, o->sums[0] = n, o->sums[1] = 0;
  PC_CALL(pc_exscan_u64(ctx, n, &start));
  PC_CALL(pc_sum_u64(ctx, &N, 1));
  PC_CALL(pc_stay_buckets_init(ctx, g->cfg, &o->buckets, N));
  /* Contiguous: screen, trace and purge read it with pread (pc_raw_open). */
  PC_CALL(pc_ingestfile_open(&o->out, "stays", &pc_schema_stays, N, PC_OUT_CONTIGUOUS,
                             "stays sorted by (pid, start, channel, place); times int64 seconds "
                             "since the epoch (UTC); channel 1 cafe 2 lodging 3 flight 4 rail 5 "
                             "lbs 6 grid; place ids in /places; region = the place's 12-digit code",
                             &o->stays));
  return pc_agree(ctx, pc_rowstream_start_ring(&o->stays.w, start, n, (uint64_t)PIECE * PIECES,
                                               &o->ws));
}

void pc_ingest_write_rows(pc_ingest *g, pc_ingest_out *o, const pc_cstay *c, size_t k, int all) {
  const uint64_t upto = k < o->n ? k : o->n;
  while (!o->rc && o->made < upto && (all || upto - o->made >= PIECE)) {
    const size_t lo = o->made, m = upto - lo < PIECE ? upto - lo : PIECE;
    pc_stay *b = pc_rowstream_room(o->ws, lo, m);
    if (!b) { /* a write failed: pc_rowstream_finish says which */
      o->rc = PC_ERR_IO;
      break;
    }
    for (size_t i = 0; i < m; i++) {
      const pc_cstay *x = &c[lo + i];
      pc_stay *s = &b[i];
      memset(s, 0, sizeof *s);
      s->pid = x->pid;
      s->place = x->place;
      s->start = g->chk.window_start + x->start;
      s->end = s->start + x->dur;
      s->region = x->rcr >> 24;
      s->channel = (uint8_t)pc_place_channel(x->place);
      s->carriage = (uint8_t)(x->rcr >> 16);
      s->row = (int16_t)(uint16_t)x->rcr;
    }
    o->sums[1] += pc_stays_fingerprint_sum(b, m);
    pc_stay_buckets_add(&o->buckets, b, m);
    o->made = lo + m;
    pc_rowstream_ready(o->ws, o->made);
    pc_progress(g->ctx, o->made, o->n);
  }
}

/* Collective, agreed: the last rows written, the table closed. */
static int stays_finish(pc_ingest *g, pc_ingest_out *o) {
  pc_ingest_write_rows(g, o, g->stays.data, g->stays.n, 1);
  const int wrc = pc_rowstream_finish(o->ws); /* names the write that failed, if one did */
  o->ws = NULL;
  int rc = wrc ? wrc : o->rc;
  if (!rc && o->made != o->n)
    rc = PC_ERROR(PC_ERR_DATA, "/stays: %llu rows made of the %llu it was opened for",
                  (unsigned long long)o->made, (unsigned long long)o->n);
  rc = pc_agree(g->ctx, rc);
  if (!rc) rc = pc_sum_u64(g->ctx, o->sums, 2);
  pc_ingestfile_close(&o->stays);
  if (!rc) rc = pc_stay_buckets_write(g->ctx, &o->out, &o->buckets, o->sums[1]);
  pc_stay_buckets_free(&o->buckets);
  return rc;
}

static int pslot_cmp(const void *pa, const void *pb) {
  const pc_pslot *a = pa, *b = pb;
  if (a->id != b->id) return a->id < b->id ? -1 : 1;
  return (a->region > b->region) - (a->region < b->region);
}

/* /places: every rank's places gathered on rank 0 (places are few: cells,
 * grids, venues, trains), sorted by id. */
static int write_places(pc_ingest *g, pc_out *out, uint64_t *nplaces) {
  pc_ctx *ctx = g->ctx;
  pc_pslot *t = g->places.data;
  size_t k = 0;
  for (size_t i = 0; i < g->places.cap; i++)
    if (t[i].id) t[k++] = t[i];
  int *dest = pc_calloc(k + 1, sizeof *dest, "places");
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  pc_buf all;
  pc_buf_init(&all, sizeof(pc_pslot));
  int rc = pc_shuffle(ctx, t, k, sizeof(pc_pslot), dest, &all, NULL);
  free(dest);
  pc_buf_free(&g->places);
  PC_CALL(rc);
  pc_pslot *a = all.data;
  pc_place *pl = pc_calloc(all.n + 1, sizeof *pl, "places");
  size_t m = 0;
  rc = pl ? 0 : PC_ERR_MEM;
  if (!rc) rc = pc_ingest_sort_u64(a, all.n, sizeof *a, pslot_cmp);
  for (size_t i = 0; i < all.n && !rc; i++) {
    if (m && pl[m - 1].id == a[i].id) {
      if (a[i].nh != a[i - 1].nh || memcmp(a[i].name, a[i - 1].name, PC_PLACE_NAME_LEN))
        rc = PC_ERROR(PC_ERR_DATA, "two place names give one place id (a 56-bit hash collision "
                      "between \"%.40s\" and \"%.40s\"): they would become one place",
                      a[i - 1].name, a[i].name);
      continue; /* the smallest region was first */
    }
    pl[m].id = a[i].id;
    pl[m].region = a[i].region;
    pl[m].channel = (uint8_t)pc_place_channel(a[i].id);
    memcpy(pl[m].name, a[i].name, PC_PLACE_NAME_LEN);
    m++;
  }
  pc_buf_free(&all);
  PC_CALLG(pc_agree(ctx, rc), failed);
  rc = pc_out_table(out, "places", pc_schema_type(&pc_schema_places), pl, m, NULL);
  free(pl);
  *nplaces = m;
  PC_CALL(pc_max_u64(ctx, nplaces, 1));
  return rc;
failed: /* a collision here or a failure on another rank: the table is not written */
  free(pl);
  return rc;
}

/* The inputs and rejects as JSON for the root attribute `inputs`; NULL when
 * json-c is out of memory (pc_out_json records it). Local. */
static json_object *inputs_json(const pc_ingest *g) {
  json_object *j = json_object_new_array();
  for (int f = 0; j && f < g->nin; f++) {
    const pc_ingest_input *in = &g->in[f];
    uint64_t rej = 0;
    for (int r = 1; r < PC_NREASONS; r++) rej += in->reasons[r];
    json_object *o = json_object_new_object(), *why = json_object_new_object();
    char crc[12];
    snprintf(crc, sizeof crc, "%08x", in->crc);
    if (!o || !why || json_object_array_add(j, o)) {
      json_object_put(o);
      json_object_put(why);
      json_object_put(j);
      return NULL;
    }
    pc_json_add_i64(o, "index", f);
    pc_json_add_str(o, "kind", pc_ingest_kind_names[in->kind]);
    pc_json_add_str(o, "path", in->path);
    pc_json_add_u64(o, "bytes", in->f.size);
    pc_json_add_str(o, "crc32", crc);
    pc_json_add_u64(o, "lines", in->base[pc_nranks(g->ctx)]);
    pc_json_add_u64(o, "rows", in->rows);
    pc_json_add_u64(o, "rejected", rej);
    if (in->kind == PC_INGEST_STAYS) {
      pc_json_add_u64(o, "clipped", in->clipped);
      pc_json_add_u64(o, "seat_unknown", in->seat_unknown);
    }
    for (int r = 1; r < PC_NREASONS; r++)
      if (in->reasons[r]) pc_json_add_u64(why, pc_reason_codes[r], in->reasons[r]);
    pc_json_add(o, "reasons", why);
  }
  return j;
}

/* /stays given up: its writer stopped (rows not made are not written), the table closed. */
static void stays_stop(pc_ingest_out *o) {
  pc_rowstream_finish(o->ws);
  o->ws = NULL;
  pc_ingestfile_close(&o->stays);
  pc_stay_buckets_free(&o->buckets);
}

int pc_ingest_write_open(pc_ingest *g, const char *path, int rejects_only, uint64_t nstays,
                         pc_ingest_out *o) {
  pc_ctx *ctx = g->ctx;
  memset(o, 0, sizeof *o);
  o->stays.dset = -1;
  o->rejects_only = rejects_only;
  PC_CALL(pc_out_create(ctx, g->cfg, path, &o->out));
  int rc = 0;
  if (!rejects_only) {
    rc = pc_out_table(&o->out, "regions", pc_schema_type(&pc_schema_regions), g->regions,
                      pc_rank(ctx) == 0 ? g->nregions : 0, NULL);
    if (!rc) rc = write_persons(g, &o->out);
    if (!rc) rc = stays_open(g, o, nstays);
  }
  if (rc) { /* a failure: told, nothing published */
    stays_stop(o);
    return pc_out_commit(&o->out, rc);
  }
  return 0;
}

void pc_ingest_write_drop(pc_ingest_out *o) {
  stays_stop(o);
  pc_out_drop(&o->out);
}

int pc_ingest_write_close(pc_ingest *g, pc_ingest_out *o, uint64_t nvis) {
  pc_ctx *ctx = g->ctx;
  const pc_config *cfg = g->cfg;
  pc_out *out = &o->out;
  uint64_t nplaces = 0, npersons = g->persons.n;
  int rc = 0;
  if (!o->rejects_only) {
    rc = stays_finish(g, o);
    if (!rc) rc = write_places(g, out, &nplaces);
    if (!rc) rc = pc_sum_u64(ctx, &npersons, 1);
  }
  if (!rc) rc = write_rejects(g, out);
  if (rc) return pc_out_commit(out, rc); /* (stays_finish closed /stays) */
  const int64_t as_of = pc_config_time(cfg, "as_of");
  char t[24];
  pc_out_attr_i64(out, "as_of", as_of);
  pc_out_attr_str(out, "as_of_local", pc_time_format(as_of, t));
  pc_out_attr_i64(out, "days", pc_config_int(cfg, "days"));
  pc_out_attr_i64(out, "window_start", g->chk.window_start);
  pc_out_attr_i64(out, "window_end", g->chk.window_end);
  pc_out_json(out, "inputs", inputs_json(g), 0);
  pc_out_attr_u64(out, "key_fingerprint", pc_key_fingerprint(&g->key));
  pc_out_attr_str(out, "source", "paicha ingest (agencies' CSV files)");
  if (!o->rejects_only) {
    pc_out_attr_u64(out, "persons", npersons);
    pc_out_attr_u64(out, "visitors", nvis);
    pc_out_attr_u64(out, "stays", o->sums[0]);
    pc_out_attr_u64(out, "stays_checksum", o->sums[1]);
    pc_out_attr_u64(out, "places", nplaces);
  }
  return pc_out_commit(out, 0);
}

int pc_ingest_write(pc_ingest *g, const char *path, int rejects_only, uint64_t nvis) {
  pc_ingest_out o;
  PC_CALL(pc_ingest_write_open(g, path, rejects_only, g->stays.n, &o));
  return pc_ingest_write_close(g, &o, nvis);
}
