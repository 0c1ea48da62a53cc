/* pc_synth_write.c - synth's dataset written through the output writer: the registry in rounds by pid, the movement's tables, the attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_keyfile.h"
#include "pc_opaque.h"
#include "pc_out.h"
#include "pc_part.h"
#include "pc_stay_buckets.h"
#include "pc_synth_write.h"
#include "pc_synthfile.h"
#include "pc_time.h"

/* The registry's household and employer numbers as ingest keeps them: the
 * keyed ids of their decimal strings, which is what synth's CSV says. */
static void pseudonymise(const pc_key128 *key, pc_person *p) {
  uint64_t *v[2] = {&p->household, &p->employer};
  const int kind[2] = {PC_OPAQUE_HOUSEHOLD, PC_OPAQUE_EMPLOYER};
  for (int i = 0; i < 2; i++) {
    if (!*v[i]) continue; /* none */
    char s[24];
    int n = snprintf(s, sizeof s, "%llu", (unsigned long long)*v[i]);
    *v[i] = pc_opaque_id(key, kind[i], s, (size_t)n, ~0ULL);
  }
}

/* /persons and /identities, every rank its rows in pid order at its offset,
 * a round of R rows at a time. Collective, agreed. */
static int write_registry(pc_ctx *ctx, pc_out *out, const pc_synth_row *rows, const pc_kv *order,
                          size_t n, uint64_t N, const pc_key128 *key) {
  const size_t R = 1 << 20;
  uint64_t start = 0;
  PC_CALL(pc_exscan_u64(ctx, n, &start));
  pc_synthfile w;
  PC_CALL(pc_synthfile_open(out, N, &w));
  pc_person *pb = pc_malloc(R * sizeof *pb, "write buffer");
  pc_identity *ib = pc_malloc(R * sizeof *ib, "write buffer");
  int rc = pc_agree(ctx, pb && ib ? 0 : PC_ERR_MEM);
  uint64_t rounds = (n + R - 1) / R;
  if (!rc) rc = pc_max_u64(ctx, &rounds, 1);
  for (uint64_t k = 0; k < rounds && !rc; k++) {
    size_t lo = k * R < n ? k * R : n, m = n - lo < R ? n - lo : R;
    for (size_t i = 0; i < m; i++) {
      /* A random gather: fetch a few rows ahead so the misses overlap. */
      if (lo + i + 16 < n) __builtin_prefetch(&rows[order[lo + i + 16].val]);
      const pc_synth_row *r = &rows[order[lo + i].val];
      pc_synth_row_person(r, &pb[i]);
      pseudonymise(key, &pb[i]);
      pc_synth_row_identity(r, &ib[i]);
    }
    rc = pc_synthfile_write(&w, start + lo, m, pb, ib);
    if (!rc) pc_progress(ctx, lo + m, n);
  }
  pc_synthfile_close(&w);
  free(pb);
  free(ib);
  return rc;
}

/* /stays contiguous and uncompressed: trace reads one person's stays with
 * one small read (pc_raw); /places is small and compressed. Then the
 * counts. Collective, agreed. */
static int write_movement(pc_ctx *ctx, const pc_config *cfg, pc_out *out,
                          const pc_synth_movement *mv) {
  PC_CALL(pc_out_table_layout(out, "stays", pc_schema_type(&pc_schema_stays), mv->stays.data,
                              mv->stays.n, PC_OUT_CONTIGUOUS,
                              "stays sorted by (pid, start, channel, place); times int64 "
                              "seconds since the epoch (UTC); channel 1 cafe 2 lodging 3 "
                              "flight 4 rail 5 lbs 6 grid; place ids in /places; region = "
                              "the place's 12-digit code"));
  uint64_t np = mv->mp.nplaces, p0, p1;
  pc_own_range(np, pc_rank(ctx), pc_nranks(ctx), &p0, &p1);
  pc_place *pl = pc_calloc(p1 - p0 + 1, sizeof *pl, "places");
  PC_CALL(pc_agree(ctx, pl ? 0 : PC_ERR_MEM));
  for (uint64_t i = p0; i < p1; i++) /* in id order: trace looks places up by id */
    pc_move_place(&mv->mp, pc_move_place_by_rank(&mv->mp, i), &pl[i - p0]);
  int rc = pc_out_table(out, "places", pc_schema_type(&pc_schema_places), pl, p1 - p0, NULL);
  free(pl);
  PC_CALL(rc);
  uint64_t sums[2] = {mv->stays.n, mv->checksum};
  PC_CALL(pc_sum_u64(ctx, sums, 2));
  PC_CALL(pc_stay_buckets_of(ctx, cfg, out, mv->stays.data, mv->stays.n, sums[0], sums[1]));
  pc_out_attr_u64(out, "stays", sums[0]);
  pc_out_attr_u64(out, "stays_checksum", sums[1]);
  pc_out_attr_u64(out, "places", np);
  return 0;
}

/* The window, the registry's size, the seed and the key. Local. */
static void write_attrs(pc_out *out, const pc_config *cfg, uint64_t N, const pc_key128 *key) {
  int64_t as_of = pc_config_time(cfg, "as_of");
  int64_t days = pc_config_int(cfg, "days");
  char t[24];
  pc_out_attr_i64(out, "days", days);
  pc_out_attr_i64(out, "as_of", as_of);
  pc_out_attr_str(out, "as_of_local", pc_time_format(as_of, t));
  pc_out_attr_i64(out, "window_start", as_of - days * 86400);
  pc_out_attr_i64(out, "window_end", as_of);
  pc_out_attr_u64(out, "persons", N);
  pc_out_attr_u64(out, "seed", (uint64_t)pc_config_int(cfg, "seed"));
  pc_out_attr_u64(out, "key_fingerprint", pc_key_fingerprint(key));
  pc_out_attr_str(out, "source", "paicha synth (synthetic province)");
}

int pc_synth_write(pc_ctx *ctx, const pc_config *cfg, const char *path, const pc_region *regions,
                   size_t nregions, const pc_synth_row *rows, const pc_kv *order, size_t n,
                   uint64_t N, const pc_key128 *key, const pc_synth_movement *mv) {
  pc_out out;
  PC_CALL(pc_out_create(ctx, cfg, path, &out));
  int rc = pc_out_table(&out, "regions", pc_schema_type(&pc_schema_regions), regions,
                        pc_rank(ctx) == 0 ? nregions : 0, NULL);
  if (!rc) rc = write_registry(ctx, &out, rows, order, n, N, key);
  if (!rc && mv) rc = write_movement(ctx, cfg, &out, mv);
  if (!rc) write_attrs(&out, cfg, N, key);
  return pc_out_commit(&out, rc);
}
