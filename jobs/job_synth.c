/* job_synth.c - `paicha synth`: the synthetic province's registry, generated in parallel into HDF5. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc_h5.h"
#include "pc_idnum.h"
#include "pc_job.h"
#include "pc_keyfile.h"
#include "pc_province.h"
#include "pc_sort.h"
#include "pc_synth.h"
#include "pc_time.h"

static const pc_key outbreak_keys[] = {
    {"cases", PC_T_INT, 0, "100", "index cases of the outbreak scenario", NULL, NULL, 0,
     1000000},
    {0}};

static const pc_key synth_keys[] = {
    {"key", PC_T_PATH, 1, NULL, "pseudonymisation key file (created with mode 0600 if missing)",
     NULL, NULL, 0, 0},
    {"data", PC_T_PATH, 1, NULL, "dataset file to write (HDF5)", NULL, NULL, 0, 0},
    {"seed", PC_T_INT, 0, "1", "seed of the synthetic province", NULL, NULL, 0, INT64_MAX},
    {"persons", PC_T_INT, 0, "200000", "persons in the registry (66444900: the whole province)",
     NULL, NULL, 1, 2000000000},
    {"days", PC_T_INT, 0, "0",
     "days of movement before as_of (0: the registry alone; movement is not generated yet)",
     NULL, NULL, 0, 0},
    {"as_of", PC_T_TIME, 1, NULL, "the instant the data ends (local time)", NULL, NULL, 0, 0},
    {"outbreak", PC_T_MAP, 0, NULL, "outbreak scenario (with movement data)", outbreak_keys, NULL,
     0, 0},
    {"cases_csv", PC_T_PATH, 0, NULL, "write the outbreak's index cases here (with movement)",
     NULL, NULL, 0, 0},
    {"csv", PC_T_PATH, 0, NULL, "also write the four CSV inputs into this directory (not yet)",
     NULL, NULL, 0, 0},
    PC_KEYS_COMMON,
    {0}};

/* A person in flight between generator and owner: the registry row with the
 * phone and ID sequence packed beside it (phone < 2^34, seq < 2^10). */
typedef struct wire_row {
  pc_person p;
  uint64_t phone_seq;
} wire_row;

/* Household slots [slo, shi) of this rank and the person index of its first member. */
typedef struct slots {
  uint64_t slo, shi, first, npersons;
  uint8_t *size; /* persons of each slot on this rank (0 beyond N) */
} slots;

static int plan_households(pc_ctx *ctx, uint64_t seed, uint64_t N, slots *s) {
  uint64_t S = pc_synth_household_slots(N);
  s->slo = S * (uint64_t)ctx->rank / (uint64_t)ctx->nranks;
  s->shi = S * (uint64_t)(ctx->rank + 1) / (uint64_t)ctx->nranks;
  s->size = pc_malloc(s->shi - s->slo, "household sizes");
  int rc = s->size ? 0 : PC_ERR_MEM;
  PC_CALL(pc_agree(ctx, rc));
  uint64_t sum = 0;
  for (uint64_t h = s->slo; h < s->shi; h++) {
    s->size[h - s->slo] = (uint8_t)pc_synth_household_size(seed, h);
    sum += s->size[h - s->slo];
  }
  uint64_t before = 0, total = sum;
  PC_CALL(pc_exscan_u64(ctx, sum, &before));
  PC_CALL(pc_sum_u64(ctx, &total, 1));
  if (total < N)
    return PC_ERROR(PC_ERR_DATA, "household slots hold %llu persons, fewer than %llu (internal)",
                    (unsigned long long)total, (unsigned long long)N);
  /* Cut the registry at exactly N persons: later slots are empty, the one
   * crossing N is truncated. */
  uint64_t at = before;
  for (uint64_t h = s->slo; h < s->shi; h++) {
    uint64_t sz = s->size[h - s->slo];
    if (at >= N)
      sz = 0;
    else if (at + sz > N)
      sz = N - at;
    s->size[h - s->slo] = (uint8_t)sz;
    at += sz;
  }
  s->first = before < N ? before : N;
  s->npersons = (at < N ? at : N) - s->first;
  return 0;
}

/* Calls fn for every person of this rank's slots, in chunks of about `chunk`
 * persons; the chunk count is agreed so every rank makes the same number of
 * calls (fn may be collective). */
typedef int (*chunk_fn)(pc_ctx *ctx, pc_synth_person *ps, size_t n, void *arg);
static int for_chunks(pc_ctx *ctx, const pc_synth_params *sp, const slots *s, size_t chunk,
                      chunk_fn fn, void *arg) {
  uint64_t nchunks = (s->npersons + chunk - 1) / chunk;
  PC_CALL(pc_max_u64(ctx, &nchunks, 1));
  pc_synth_person *buf = pc_malloc((chunk + PC_HH_MAX) * sizeof *buf, "person chunk");
  PC_CALL(pc_agree(ctx, buf ? 0 : PC_ERR_MEM));
  uint64_t h = s->slo, idx = s->first;
  int rc = 0;
  for (uint64_t c = 0; c < nchunks && !rc; c++) {
    size_t n = 0;
    while (h < s->shi && n < chunk) {
      unsigned sz = s->size[h - s->slo];
      if (sz) pc_synth_household(sp, h, idx, sz, buf + n);
      n += sz;
      idx += sz;
      h++;
    }
    rc = fn(ctx, buf, n, arg);
    pc_progress(ctx, idx - s->first, s->npersons);
  }
  free(buf);
  return rc;
}

/* --- phase 1: ID sequence numbers, unique within (area, birth date, sex) --- */

typedef struct idgroups {
  pc_buf pairs; /* (group, person index) of this rank's persons */
} idgroups;

static int collect_groups(pc_ctx *ctx, pc_synth_person *ps, size_t n, void *arg) {
  (void)ctx;
  idgroups *g = arg;
  PC_CALL(pc_buf_reserve(&g->pairs, g->pairs.n + n));
  pc_kv *kv = (pc_kv *)g->pairs.data + g->pairs.n;
  for (size_t i = 0; i < n; i++) {
    kv[i].key = pc_synth_idgroup(&ps[i].p);
    kv[i].val = ps[i].index;
  }
  g->pairs.n += n;
  return 0;
}

/* Rank that generated person index i, from every rank's first index. */
static int origin_of(const uint64_t *firsts, int P, uint64_t i) {
  int lo = 0, hi = P - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (firsts[mid] <= i)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

static int assign_sequences(pc_ctx *ctx, const pc_synth_params *sp, const slots *s,
                            uint16_t *seq) {
  int rc = 0;
  idgroups g;
  pc_buf_init(&g.pairs, sizeof(pc_kv));
  PC_CALL(pc_agree(ctx, pc_buf_reserve(&g.pairs, s->npersons)));
  PC_CALL(for_chunks(ctx, sp, s, 1 << 20, collect_groups, &g));
  /* Group owners: every person of a group meets on one rank. */
  int *dest = pc_malloc(g.pairs.n * sizeof *dest, "destinations");
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  pc_kv *kv = g.pairs.data;
  for (size_t i = 0; i < g.pairs.n; i++) dest[i] = pc_owner_of(pc_mix64(kv[i].key), ctx->nranks);
  pc_buf got;
  pc_buf_init(&got, sizeof(pc_kv));
  uint64_t bytes = 0;
  rc = pc_shuffle(ctx, g.pairs.data, g.pairs.n, sizeof(pc_kv), dest, &got, &bytes);
  pc_buf_free(&g.pairs);
  free(dest);
  if (rc) {
    pc_buf_free(&got);
    return rc;
  }
  pc_kv *a = got.data, *tmp = pc_malloc(got.n * sizeof *tmp, "sort scratch");
  rc = tmp ? 0 : PC_ERR_MEM;
  if (!rc) {
    pc_sort_kv(a, tmp, got.n);
    free(tmp);
  }
  PC_CALL(pc_agree(ctx, rc));
  /* Ordinal within the group, in person-index order: rank-count independent. */
  uint64_t *firsts = pc_malloc((size_t)ctx->nranks * sizeof *firsts, "rank firsts");
  int *back = pc_malloc(got.n * sizeof *back, "destinations");
  PC_CALL(pc_agree(ctx, firsts && back ? 0 : PC_ERR_MEM));
  PC_MPI(MPI_Allgather(&s->first, 1, MPI_UINT64_T, firsts, 1, MPI_UINT64_T, ctx->comm));
  uint64_t ord = 0, maxord = 0, prev = 0;
  for (size_t i = 0; i < got.n; i++) {
    uint64_t group = a[i].key; /* a[i] is rewritten below: compare with prev, not a[i-1] */
    ord = (i > 0 && group == prev) ? ord + 1 : 0;
    prev = group;
    if (ord > maxord) maxord = ord;
    back[i] = origin_of(firsts, ctx->nranks, a[i].val);
    a[i].key = a[i].val;
    a[i].val = pc_synth_idseq(group, ord);
  }
  free(firsts);
  PC_CALL(pc_max_u64(ctx, &maxord, 1));
  if (maxord >= 500) {
    free(back);
    pc_buf_free(&got);
    return PC_ERROR(PC_ERR_DATA,
                    "more than 500 persons of one sex born on one day in one county: ID numbers "
                    "cannot be unique (use fewer persons)");
  }
  pc_buf ret;
  pc_buf_init(&ret, sizeof(pc_kv));
  rc = pc_shuffle(ctx, got.data, got.n, sizeof(pc_kv), back, &ret, NULL);
  pc_buf_free(&got);
  free(back);
  if (!rc) {
    pc_kv *r = ret.data;
    for (size_t i = 0; i < ret.n; i++) seq[r[i].key - s->first] = (uint16_t)r[i].val;
    if (ret.n != s->npersons)
      rc = PC_ERROR(PC_ERR_DATA, "ID sequences: %zu returned for %llu persons", ret.n,
                    (unsigned long long)s->npersons);
  }
  pc_buf_free(&ret);
  pc_phase_end(ctx, 0, bytes);
  return rc;
}

/* --- phase 2: complete the persons and send them to the owners of their pids --- */

typedef struct gen_state {
  const pc_key128 *key;
  const uint16_t *seq;
  uint64_t first;
  pc_buf owned; /* wire_rows whose pid this rank owns */
  wire_row *out;
  int *dest;
  uint64_t bytes;
} gen_state;

static int ship_persons(pc_ctx *ctx, pc_synth_person *ps, size_t n, void *arg) {
  gen_state *g = arg;
  char id[18];
  for (size_t i = 0; i < n; i++) {
    wire_row *w = &g->out[i];
    unsigned sq = g->seq[ps[i].index - g->first];
    w->p = ps[i].p;
    pc_idnum_make(pc_synth_area(w->p.region), w->p.birth_date, sq, id);
    w->p.pid = pc_pid_of_idnum(g->key, id);
    w->phone_seq = ps[i].phone << 10 | sq;
    g->dest[i] = PC_OWNER(w->p.pid, ctx->nranks);
  }
  uint64_t b = 0;
  PC_CALL(pc_shuffle(ctx, g->out, n, sizeof(wire_row), g->dest, &g->owned, &b));
  g->bytes += b;
  return 0;
}

/* --- phase 3: write, sorted by pid --- */

static void make_identity(const wire_row *w, pc_identity *id) {
  memset(id, 0, sizeof *id);
  id->pid = w->p.pid;
  pc_idnum_make(pc_synth_area(w->p.region), w->p.birth_date, (unsigned)(w->phone_seq & 1023),
                id->subject);
  uint64_t phone = w->phone_seq >> 10;
  if (phone) pc_phone_format(phone, id->phone);
  id->flags = w->p.flags;
}

static int write_dataset(pc_ctx *ctx, const pc_config *cfg, const char *path,
                         const pc_region *regions, size_t nregions, const wire_row *rows,
                         const pc_kv *order, size_t n, uint64_t N, const pc_key128 *key) {
  pc_h5out out;
  PC_CALL(pc_h5_create(ctx, path, &out));
  int rc = 0;
  size_t chunk = (size_t)pc_config_int(cfg, "io.chunk_rows");
  int deflate = (int)pc_config_int(cfg, "io.deflate");
  char *eff = pc_config_effective(cfg);
  hid_t dp = -1, di = -1;
  pc_person *pb = NULL;
  pc_identity *ib = NULL;
  const size_t R = 1 << 20;
  PC_CALLG(pc_agree(ctx, eff ? 0 : PC_ERR_MEM), fail);
  PC_CALLG(pc_h5_write_table(ctx, out.file, "regions", pc_h5_type_region(), regions,
                             ctx->rank == 0 ? nregions : 0, 4096, deflate),
           fail);
  uint64_t start = 0;
  PC_CALLG(pc_exscan_u64(ctx, n, &start), fail);
  PC_CALLG(pc_agree(ctx, pc_h5_dset_create(ctx, out.file, "persons", pc_h5_type_person(), N,
                                           chunk, deflate, &dp)),
           fail);
  PC_CALLG(pc_agree(ctx, pc_h5_dset_create(ctx, out.file, "identities",
                                           pc_h5_type_identity(), N, chunk, deflate, &di)),
           fail);
  pb = pc_malloc(R * sizeof *pb, "write buffer");
  ib = pc_malloc(R * sizeof *ib, "write buffer");
  PC_CALLG(pc_agree(ctx, pb && ib ? 0 : PC_ERR_MEM), fail);
  uint64_t rounds = (n + R - 1) / R;
  PC_CALLG(pc_max_u64(ctx, &rounds, 1), fail);
  for (uint64_t k = 0; k < rounds; k++) {
    size_t lo = k * R < n ? k * R : n, m = n - lo < R ? n - lo : R;
    for (size_t i = 0; i < m; i++) {
      const wire_row *w = &rows[order[lo + i].val];
      pb[i] = w->p;
      memset(pb[i].pad, 0, sizeof pb[i].pad);
      make_identity(w, &ib[i]);
    }
    PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, dp, pc_h5_type_person(), start + lo, m, pb)),
             fail);
    PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, di, pc_h5_type_identity(), start + lo, m, ib)),
             fail);
    pc_progress(ctx, lo + m, n);
  }
  {
    int64_t as_of = pc_config_time(cfg, "as_of");
    int64_t days = pc_config_int(cfg, "days");
    char t[24];
    PC_CALLG(pc_h5_stamp(ctx, out.file, eff), fail);
    PC_CALLG(pc_h5_attr_i64(out.file, "as_of", as_of), fail);
    PC_CALLG(pc_h5_attr_str(out.file, "as_of_local", pc_time_format(as_of, t)), fail);
    PC_CALLG(pc_h5_attr_i64(out.file, "window_start", as_of - days * 86400), fail);
    PC_CALLG(pc_h5_attr_i64(out.file, "window_end", as_of), fail);
    PC_CALLG(pc_h5_attr_u64(out.file, "persons", N), fail);
    PC_CALLG(pc_h5_attr_u64(out.file, "seed", (uint64_t)pc_config_int(cfg, "seed")), fail);
    PC_CALLG(pc_h5_attr_u64(out.file, "key_fingerprint", pc_key_fingerprint(key)), fail);
    PC_CALLG(pc_h5_attr_str(out.file, "source", "paicha synth (synthetic province)"), fail);
    PC_CALLG(pc_h5_attr_str(dp, "description",
                            "registered persons sorted by pid; birth_date YYYYMMDD; sex 1 male 2 "
                            "female; sector GB/T 4754 section or S0 student, R0 retired, U0 "
                            "none; region = residence community code; no clear identities"),
             fail);
    PC_CALLG(pc_h5_attr_str(di, "description",
                            "RESTRICTED: clear identities (ID number, phone) by pid, sorted by pid"),
             fail);
  }
fail:
  if (dp >= 0) H5Dclose(dp);
  if (di >= 0) H5Dclose(di);
  free(pb);
  free(ib);
  free(eff);
  return pc_h5_commit(ctx, &out, rc);
}

static int run_synth(pc_ctx *ctx, const pc_config *cfg) {
  const uint64_t N = (uint64_t)pc_config_int(cfg, "persons");
  const uint64_t seed = (uint64_t)pc_config_int(cfg, "seed");
  const int64_t as_of = pc_config_time(cfg, "as_of");
  const char *path = pc_config_str(cfg, "data");
  int rc = 0;
  if (pc_config_given(cfg, "csv"))
    return PC_ERROR(PC_ERR_UNSUPPORTED, "synth: csv output is not implemented yet");
  pc_job_record_for(ctx, path);

  PC_CALL(pc_phase_begin(ctx, "setup"));
  pc_key128 key;
  PC_CALL(pc_job_key(ctx, pc_config_str(cfg, "key"), 1, &key));
  pc_region *regions = NULL;
  size_t nregions = 0;
  PC_CALL(pc_agree(ctx, pc_province_build(&regions, &nregions)));
  pc_synth_params sp;
  PC_CALL(pc_agree(ctx, pc_synth_params_init(&sp, seed, N, as_of, regions, nregions)));
  slots s = {0};
  PC_CALL(plan_households(ctx, seed, N, &s));
  pc_phase_end(ctx, s.shi - s.slo, 0);
  pc_log(ctx, "synth: %llu persons in %u communities, %llu household slots",
         (unsigned long long)N, sp.ncomm, (unsigned long long)pc_synth_household_slots(N));

  PC_CALL(pc_phase_begin(ctx, "id-sequences"));
  uint16_t *seq = pc_malloc(s.npersons * sizeof *seq, "ID sequences");
  PC_CALL(pc_agree(ctx, seq ? 0 : PC_ERR_MEM));
  PC_CALL(assign_sequences(ctx, &sp, &s, seq));

  PC_CALL(pc_phase_begin(ctx, "generate"));
  gen_state g = {.key = &key, .seq = seq, .first = s.first};
  const size_t chunk = 1 << 19;
  pc_buf_init(&g.owned, sizeof(wire_row));
  /* Pids are uniform: each rank owns N/P give or take a few standard deviations. */
  double mean = (double)N / ctx->nranks;
  rc = pc_buf_reserve(&g.owned, (size_t)(mean + 8 * sqrt(mean) + 4096));
  g.out = pc_malloc((chunk + PC_HH_MAX) * sizeof *g.out, "generate buffer");
  g.dest = pc_malloc((chunk + PC_HH_MAX) * sizeof *g.dest, "generate buffer");
  if (!rc && (!g.out || !g.dest)) rc = PC_ERR_MEM;
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(for_chunks(ctx, &sp, &s, chunk, ship_persons, &g));
  free(g.out);
  free(g.dest);
  free(seq);
  free(s.size);
  pc_phase_end(ctx, s.npersons, g.bytes);

  PC_CALL(pc_phase_begin(ctx, "sort"));
  size_t n = g.owned.n;
  wire_row *rows = g.owned.data;
  pc_kv *order = pc_malloc(n * sizeof *order, "sort keys"), *tmp = pc_malloc(n * sizeof *tmp, "sort scratch");
  PC_CALL(pc_agree(ctx, order && tmp ? 0 : PC_ERR_MEM));
  for (size_t i = 0; i < n; i++) {
    order[i].key = rows[i].p.pid;
    order[i].val = i;
  }
  pc_sort_kv(order, tmp, n);
  free(tmp);
  for (size_t i = 1; i < n && !rc; i++)
    if (order[i].key == order[i - 1].key)
      rc = PC_ERROR(PC_ERR_DATA,
                    "two ID numbers share one pid (a 64-bit hash collision): make a new key "
                    "file and rerun");
  PC_CALL(pc_agree(ctx, rc));
  pc_phase_end(ctx, n, 0);

  PC_CALL(pc_phase_begin(ctx, "write"));
  rc = write_dataset(ctx, cfg, path, regions, nregions, rows, order, n, N, &key);
  pc_phase_end(ctx, n, n * (sizeof(pc_person) + sizeof(pc_identity)));
  free(order);
  pc_buf_free(&g.owned);
  pc_synth_params_free(&sp);
  free(regions);
  if (!rc) pc_log(ctx, "synth: wrote %s (%llu persons)", path, (unsigned long long)N);
  return rc;
}

const pc_jobdef pc_job_synth = {
    "synth", "generate a synthetic province (registry; movement to come) into a dataset file",
    "Generates N persons with valid resident ID numbers, phones, households, residence,\n"
    "age, sex, sector, employer and vaccine doses, deterministically from `seed`: the\n"
    "same config gives identical /persons and /identities at any rank count. Writes\n"
    "/regions, /persons (sorted by pid, no clear identities) and /identities (restricted).",
    synth_keys, run_synth};
