/* job_synth.c - `paicha synth`: the synthetic province's registry, generated in parallel into HDF5. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc_budget.h"
#include "pc_schema.h"
#include "pc_h5.h"
#include "pc_idnum.h"
#include "pc_index.h"
#include "pc_job.h"
#include "pc_out.h"
#include "pc_keyfile.h"
#include "pc_move.h"
#include "pc_part.h"
#include "pc_province.h"
#include "pc_rng.h"
#include "pc_sort.h"
#include "pc_synth.h"
#include "pc_textout.h"
#include "pc_time.h"

static const pc_key outbreak_keys[] = {
    {.name = "cases", .type = PC_T_INT, .def = "100",
     .help = "index cases of the outbreak scenario", .max = 1000000},
    {0}};

static const pc_key synth_keys[] = {
    {.name = "key", .type = PC_T_PATH, .required = 1,
     .help = "pseudonymisation key file (created with mode 0600 if missing)"},
    {.name = "data", .type = PC_T_PATH, .required = 1, .help = "dataset file to write (HDF5)"},
    {.name = "seed", .type = PC_T_INT, .def = "1", .help = "seed of the synthetic province",
     .max = INT64_MAX},
    {.name = "persons", .type = PC_T_INT, .def = "200000",
     .help = "persons in the registry (66444900: the whole province)", .min = 1, .max = 2000000000},
    {.name = "days", .type = PC_T_INT, .def = "0",
     .help = "days of movement before as_of (0: the registry alone, no stays)", .max = 366},
    {.name = "as_of", .type = PC_T_TIME, .required = 1,
     .help = "the instant the data ends (local time)"},
    {.name = "outbreak", .type = PC_T_MAP, .help = "outbreak scenario (with movement data)",
     .sub = outbreak_keys},
    {.name = "cases_csv", .type = PC_T_PATH,
     .help = "write the outbreak's index cases here (with movement)"},
    {.name = "csv", .type = PC_T_PATH,
     .help = "also write the data as the CSV inputs of ingest into this directory (regions.csv, "
             "persons.csv, stays.csv, cases.csv; created mode 0700 if missing)"},
    PC_KEYS_COMMON,
    {0}};

/* A person in flight between generator and owner: the registry row, with the
 * phone and ID sequence (phone < 2^34, seq < 2^10: 44 bits) carried in the
 * row's padding, which is zeroed again before it is written. */
typedef struct wire_row {
  pc_person p;
} wire_row;
_Static_assert(sizeof(((pc_person *)0)->pad) >= 6, "phone and sequence ride in the padding");

static void wire_set(wire_row *w, uint64_t phone, unsigned seq) {
  uint64_t v = phone << 10 | seq;
  for (int b = 0; b < 6; b++) w->p.pad[b] = (uint8_t)(v >> (8 * b));
}
static uint64_t wire_get(const wire_row *w) {
  uint64_t v = 0;
  for (int b = 0; b < 6; b++) v |= (uint64_t)w->p.pad[b] << (8 * b);
  return v;
}

/* Household slots [slo, shi) of this rank, whole blocks [b0, b1) of
 * PC_SYNTH_BLOCK slots, and the person index of its first member. */
typedef struct slots {
  uint64_t slo, shi, b0, b1, first, npersons;
  uint8_t *size; /* persons of each slot on this rank (0 beyond N) */
} slots;

static int plan_households(pc_ctx *ctx, uint64_t seed, uint64_t N, slots *s) {
  uint64_t S = pc_synth_household_slots(N), nb = (S + PC_SYNTH_BLOCK - 1) / PC_SYNTH_BLOCK;
  pc_own_range(nb, pc_rank(ctx), pc_nranks(ctx), &s->b0, &s->b1);
  s->slo = s->b0 * PC_SYNTH_BLOCK < S ? s->b0 * PC_SYNTH_BLOCK : S;
  s->shi = s->b1 * PC_SYNTH_BLOCK < S ? s->b1 * PC_SYNTH_BLOCK : S;
  s->size = pc_malloc(s->shi - s->slo + 1, "household sizes");
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

/* Which blocks touch each county: its first block and their number, summed
 * over ranks. Counties are contiguous in person-index order, so a block
 * touches the counties from its first household's to its last's. */
static int county_blocks(pc_ctx *ctx, const pc_synth_params *sp, const slots *s,
                         uint64_t **first_block, uint64_t **nblocks) {
  uint32_t C = sp->ncounty;
  uint64_t *fb = pc_malloc(C * sizeof *fb, "county blocks"), *nbk = pc_calloc(C, sizeof *nbk, "county blocks");
  PC_CALL(pc_agree(ctx, fb && nbk ? 0 : PC_ERR_MEM));
  for (uint32_t c = 0; c < C; c++) fb[c] = UINT64_MAX;
  uint64_t h = s->slo, idx = s->first;
  for (uint64_t b = s->b0; b < s->b1; b++) {
    uint64_t end = (b + 1) * PC_SYNTH_BLOCK < s->shi ? (b + 1) * PC_SYNTH_BLOCK : s->shi;
    /* Only the first and last household need their county looked up. */
    int have = 0;
    uint64_t first = 0, last = 0;
    for (; h < end; h++) {
      unsigned sz = s->size[h - s->slo];
      if (!sz) continue;
      if (!have) first = idx;
      last = idx;
      have = 1;
      idx += sz;
    }
    uint32_t cf = have ? pc_synth_county_of(sp, first) : 0, cl = have ? pc_synth_county_of(sp, last) : 0;
    for (uint32_t c = cf; have && c <= cl; c++) {
      nbk[c]++;
      if (b < fb[c]) fb[c] = b;
    }
  }
  PC_CALL(pc_min_u64(ctx, fb, C));
  PC_CALL(pc_sum_u64(ctx, nbk, C));
  *first_block = fb;
  *nblocks = nbk;
  return 0;
}

/* --- generate: each block's persons with their ID numbers, sent to the owners of their pids --- */

typedef struct gen_state {
  const pc_key128 *key;
  pc_buf owned; /* wire_rows whose pid this rank owns */
  wire_row *out;
  int *dest;
  uint64_t bytes;
} gen_state;

static int ship_persons(pc_ctx *ctx, const pc_synth_person *ps, const uint16_t *seq, size_t n,
                        gen_state *g) {
  char id[18];
  for (size_t i = 0; i < n; i++) {
    wire_row *w = &g->out[i];
    w->p = ps[i].p;
    pc_idnum_make(pc_synth_area(w->p.region), w->p.birth_date, seq[i], id);
    w->p.pid = pc_pid_of_idnum(g->key, id);
    wire_set(w, ps[i].phone, seq[i]);
    g->dest[i] = PC_OWNER(w->p.pid, pc_nranks(ctx));
  }
  uint64_t b = 0;
  PC_CALL(pc_shuffle(ctx, g->out, n, sizeof(wire_row), g->dest, &g->owned, &b));
  g->bytes += b;
  return 0;
}

/* Generates this rank's blocks in order, numbers each block's persons and ships
 * them. Blocks go a few at a time, so each shuffle moves a few hundred thousand
 * rows; the round count is agreed, since the shuffle is collective. */
static int generate(pc_ctx *ctx, const pc_synth_params *sp, const slots *s, gen_state *g) {
  enum { PER_ROUND = 4 };
  uint64_t *fb = NULL, *nbk = NULL;
  PC_CALL(county_blocks(ctx, sp, s, &fb, &nbk));
  const size_t cap = (size_t)PER_ROUND * PC_SYNTH_BLOCK * PC_HH_MAX;
  pc_synth_person *buf = pc_malloc(cap * sizeof *buf, "person block");
  uint16_t *seq = pc_malloc(cap * sizeof *seq, "ID sequences");
  pc_kv *scratch = pc_malloc((size_t)2 * PC_SYNTH_BLOCK * PC_HH_MAX * sizeof *scratch, "ID sort");
  g->out = pc_malloc(cap * sizeof *g->out, "generate buffer");
  g->dest = pc_malloc(cap * sizeof *g->dest, "generate buffer");
  int rc = buf && seq && scratch && g->out && g->dest ? 0 : PC_ERR_MEM;
  uint64_t rounds = (s->b1 - s->b0 + PER_ROUND - 1) / PER_ROUND;
  if (!(rc = pc_agree(ctx, rc))) rc = pc_max_u64(ctx, &rounds, 1);
  uint64_t h = s->slo, idx = s->first, b = s->b0;
  for (uint64_t r = 0; r < rounds && !rc; r++) {
    size_t n = 0;
    for (int k = 0; k < PER_ROUND && b < s->b1 && !rc; k++, b++) {
      uint64_t end = (b + 1) * PC_SYNTH_BLOCK < s->shi ? (b + 1) * PC_SYNTH_BLOCK : s->shi;
      size_t n0 = n;
      for (; h < end; h++) {
        unsigned sz = s->size[h - s->slo];
        if (sz) pc_synth_household(sp, h, idx, sz, buf + n);
        n += sz;
        idx += sz;
      }
      rc = pc_synth_block_seqs(sp, buf + n0, n - n0, b, fb, nbk, seq + n0, scratch);
    }
    if (!(rc = pc_agree(ctx, rc))) rc = ship_persons(ctx, buf, seq, n, g);
    pc_progress(ctx, idx - s->first, s->npersons);
  }
  free(fb);
  free(nbk);
  free(buf);
  free(seq);
  free(scratch);
  free(g->out);
  free(g->dest);
  return rc;
}

/* --- phase 3: write, sorted by pid --- */

static void make_identity(const wire_row *w, pc_identity *id) {
  memset(id, 0, sizeof *id);
  id->pid = w->p.pid;
  uint64_t phone_seq = wire_get(w);
  pc_idnum_make(pc_synth_area(w->p.region), w->p.birth_date, (unsigned)(phone_seq & 1023),
                id->subject);
  uint64_t phone = phone_seq >> 10;
  if (phone) pc_phone_format(phone, id->phone);
  id->flags = w->p.flags;
}

/* --- movement: every owned person's stays, in pid order, so /stays is born sorted --- */

typedef struct movement {
  pc_buf stays;          /* pc_stay, sorted by (pid, start, channel, place) */
  uint64_t checksum;     /* local sum of stay_fingerprint */
  pc_move_params mp;
  int have_mp;
} movement;

static int generate_movement(pc_ctx *ctx, const pc_synth_params *sp, int64_t as_of, int days,
                             const wire_row *rows, const pc_kv *order, size_t n, movement *mv) {
  pc_buf_init(&mv->stays, sizeof(pc_stay));
  int rc = pc_move_params_init(&mv->mp, sp, as_of, days);
  mv->have_mp = rc == 0;
  PC_CALL(pc_agree(ctx, rc));
  const size_t cap = (size_t)PC_MOVE_MAX_PER_DAY * (size_t)days;
  rc = pc_buf_reserve(&mv->stays, n * (size_t)(7 * days) + cap);
  for (size_t i = 0; i < n && !rc; i++) {
    if (mv->stays.n + cap > mv->stays.cap) rc = pc_buf_reserve(&mv->stays, mv->stays.cap * 3 / 2);
    if (rc) break;
    const wire_row *w = &rows[order[i].val];
    pc_identity id;
    make_identity(w, &id);
    pc_person p = w->p;
    memset(p.pad, 0, sizeof p.pad);
    pc_stay *out = (pc_stay *)mv->stays.data + mv->stays.n;
    size_t k = pc_move_person(&mv->mp, &p, pc_move_ident(id.subject), out, cap);
    if (!(wire_get(w) >> 10)) { /* no phone: no cell or grid records of this person */
      size_t m = 0;
      for (size_t j = 0; j < k; j++)
        if (out[j].channel != PC_CH_LBS && out[j].channel != PC_CH_GRID) out[m++] = out[j];
      k = m;
    }
    for (size_t j = 0; j < k; j++) mv->checksum += pc_stay_fingerprint(&out[j]);
    mv->stays.n += k;
    if ((i & 65535) == 0) pc_progress(ctx, i, n);
  }
  return pc_agree(ctx, rc);
}

/* The outbreak: the persons who visited the venues in their period are the
 * pool; the cases are the `cases` of them first by a key-independent draw,
 * with onsets 2-5 days after their visit and isolation 1-2 days after onset
 * (left empty when that is after as_of). Written by rank 0, mode 0600: it
 * holds clear ID numbers. */
typedef struct visitor {
  uint64_t draw;         /* order of selection: pure function of (seed, ID number) */
  int64_t visit;         /* first visit to a venue */
  char subject[18];
  uint8_t pad[6];
} visitor;
_Static_assert(sizeof(visitor) == 40, "visitor travels between ranks");

static int visitor_cmp(const void *pa, const void *pb) {
  const visitor *a = pa, *b = pb;
  if (a->draw != b->draw) return a->draw < b->draw ? -1 : 1;
  return memcmp(a->subject, b->subject, sizeof a->subject);
}

/* The outbreak's cases files, written under temporary names and renamed
 * only once the dataset is committed: a failed synth publishes none. */
typedef struct pending_files {
  int n;
  char tmp[2][4200], path[2][4200];
} pending_files;

static int write_outbreak(pc_ctx *ctx, const pc_config *cfg, pending_files *pend, const movement *mv,
                          const wire_row *rows, const pc_kv *order, size_t n, int64_t as_of) {
  uint64_t venue[3];
  int64_t t0, t1;
  pc_move_venues(&mv->mp, venue, &t0, &t1);
  const uint64_t seed = (uint64_t)pc_config_int(cfg, "seed");
  pc_buf mine, all;
  pc_buf_init(&mine, sizeof(visitor));
  pc_buf_init(&all, sizeof(visitor));
  const pc_stay *st = mv->stays.data;
  int rc = 0;
  /* Stays are in pid order, persons too: walk both. */
  size_t j = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const wire_row *w = &rows[order[i].val];
    int64_t first = INT64_MAX;
    for (; j < mv->stays.n && st[j].pid == w->p.pid; j++)
      if ((st[j].place == venue[0] || st[j].place == venue[1] || st[j].place == venue[2]) &&
          st[j].start >= t0 && st[j].start < t1 && st[j].start < first)
        first = st[j].start;
    if (first == INT64_MAX) continue;
    if ((rc = pc_buf_grow(&mine, 1))) break;
    visitor *v = (visitor *)mine.data + mine.n++;
    memset(v, 0, sizeof *v);
    pc_identity id;
    make_identity(w, &id);
    memcpy(v->subject, id.subject, sizeof v->subject);
    v->draw = pc_rng(seed, pc_move_ident(id.subject), 0x6f7574, 0);
    v->visit = first;
  }
  PC_CALL(pc_agree(ctx, rc));
  int *dest = pc_calloc(mine.n + 1, sizeof *dest, "outbreak"); /* all to rank 0 */
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  rc = pc_shuffle(ctx, mine.data, mine.n, sizeof(visitor), dest, &all, NULL);
  free(dest);
  pc_buf_free(&mine);
  PC_CALL(rc);
  uint64_t want = (uint64_t)pc_config_int(cfg, "outbreak.cases");
  /* cases_csv, and cases.csv in the csv directory. */
  char paths[2][4200];
  int npaths = 0;
  if (pc_config_given(cfg, "cases_csv"))
    snprintf(paths[npaths++], sizeof paths[0], "%s", pc_config_str(cfg, "cases_csv"));
  if (pc_config_given(cfg, "csv"))
    snprintf(paths[npaths++], sizeof paths[0], "%s/cases.csv", pc_config_str(cfg, "csv"));
  if (pc_rank(ctx) == 0 && pc_config_given(cfg, "csv"))
    rc = pc_mkdir_output(pc_config_str(cfg, "csv"), "csv");
  PC_CALL(pc_agree(ctx, rc));
  for (int q = 0; q < npaths; q++) {
    PC_CALL(pc_atomic_tmp(ctx, paths[q], pend->tmp[q], sizeof pend->tmp[q]));
    snprintf(pend->path[q], sizeof pend->path[q], "%.4190s", paths[q]);
    pend->n = q + 1;
  }
  if (pc_rank(ctx) == 0) {
    visitor *v = all.data;
    pc_qsort(v, all.n, sizeof *v, visitor_cmp);
    if (all.n < want)
      rc = PC_ERROR(PC_ERR_DATA,
                    "outbreak: only %zu persons visited the venues, fewer than outbreak.cases = "
                    "%llu (a bigger province or fewer cases)",
                    all.n, (unsigned long long)want);
    for (int q = 0; q < npaths && !rc; q++) {
      const char *path = paths[q];
      int fd = pc_create_excl(pend->tmp[q], O_WRONLY, 0666);
      FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
      if (!f) {
        if (fd >= 0) close(fd);
        rc = PC_ERROR(PC_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        break;
      }
      fprintf(f, "subject,onset,isolated,last_negative\n");
      for (uint64_t k = 0; k < want; k++) {
        uint64_t ident = pc_move_ident(v[k].subject);
        int64_t onset = v[k].visit + 2 * 86400 + (int64_t)pc_below(pc_rng(seed, ident, 0x6f6e73, 0), 3 * 86400);
        int64_t iso = onset + 86400 + (int64_t)pc_below(pc_rng(seed, ident, 0x69736f, 0), 86400);
        onset -= onset % 60;
        iso -= iso % 60;
        char a[24], b[24] = "";
        if (onset >= as_of) onset = as_of - 3600;
        pc_time_format(onset, a);
        if (iso < as_of) pc_time_format(iso, b);
        fprintf(f, "%.18s,%s,%s,\n", v[k].subject, a, b);
      }
      if (fclose(f) != 0) rc = PC_ERROR(PC_ERR_IO, "%s: write failed: %s", path, strerror(errno));
      if (!rc)
        pc_log(ctx, "synth: outbreak: %llu cases drawn from %zu visitors of 3 venues, for %s",
               (unsigned long long)want, all.n, path);
    }
  }
  pc_buf_free(&all);
  return pc_agree(ctx, rc);
}

static int write_dataset(pc_ctx *ctx, const pc_config *cfg, const char *path,
                         const pc_region *regions, size_t nregions, const wire_row *rows,
                         const pc_kv *order, size_t n, uint64_t N, const pc_key128 *key,
                         const movement *mv) {
  pc_out out;
  PC_CALL(pc_out_create(ctx, cfg, path, &out));
  int rc = 0;
  hid_t dp = -1, di = -1;
  pc_person *pb = NULL;
  pc_identity *ib = NULL;
  const size_t R = 1 << 20;
  PC_CALLG(pc_out_table(&out, "regions", pc_schema_type(&pc_schema_regions), regions,
                        pc_rank(ctx) == 0 ? nregions : 0, NULL),
           fail);
  uint64_t start = 0;
  PC_CALLG(pc_exscan_u64(ctx, n, &start), fail);
  PC_CALLG(pc_out_dset(&out, "persons", pc_schema_type(&pc_schema_persons), N, PC_OUT_CHUNKED,
                       "registered persons sorted by pid; birth_date YYYYMMDD; sex 1 male 2 "
                       "female; sector GB/T 4754 section or S0 student, R0 retired, U0 "
                       "none; region = residence community code; no clear identities",
                       &dp),
           fail);
  PC_CALLG(pc_out_dset(&out, "identities", pc_schema_type(&pc_schema_identities), N, PC_OUT_CHUNKED,
                       "RESTRICTED: clear identities (ID number, phone) by pid, sorted by pid",
                       &di),
           fail);
  pb = pc_malloc(R * sizeof *pb, "write buffer");
  ib = pc_malloc(R * sizeof *ib, "write buffer");
  PC_CALLG(pc_agree(ctx, pb && ib ? 0 : PC_ERR_MEM), fail);
  uint64_t rounds = (n + R - 1) / R;
  PC_CALLG(pc_max_u64(ctx, &rounds, 1), fail);
  for (uint64_t k = 0; k < rounds; k++) {
    size_t lo = k * R < n ? k * R : n, m = n - lo < R ? n - lo : R;
    for (size_t i = 0; i < m; i++) {
      /* A random gather: fetch a few rows ahead so the misses overlap. */
      if (lo + i + 16 < n) __builtin_prefetch(&rows[order[lo + i + 16].val]);
      const wire_row *w = &rows[order[lo + i].val];
      pb[i] = w->p;
      memset(pb[i].pad, 0, sizeof pb[i].pad);
      make_identity(w, &ib[i]);
    }
    PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, dp, pc_schema_type(&pc_schema_persons), start + lo, m, pb)),
             fail);
    PC_CALLG(pc_agree(ctx, pc_h5_dset_write(ctx, di, pc_schema_type(&pc_schema_identities), start + lo, m, ib)),
             fail);
    pc_progress(ctx, lo + m, n);
  }
  if (mv) {
    /* /stays contiguous and uncompressed: trace reads one person's stays with
     * one small read (pc_raw); /places is small and compressed. */
    PC_CALLG(pc_out_table_layout(&out, "stays", pc_schema_type(&pc_schema_stays), mv->stays.data, mv->stays.n,
                                 PC_OUT_CONTIGUOUS,
                                 "stays sorted by (pid, start, channel, place); times int64 "
                                 "seconds since the epoch (UTC); channel 1 cafe 2 lodging 3 "
                                 "flight 4 rail 5 lbs 6 grid; place ids in /places; region = "
                                 "the place's 12-digit code"),
             fail);
    uint64_t np = mv->mp.nplaces, p0, p1;
    pc_own_range(np, pc_rank(ctx), pc_nranks(ctx), &p0, &p1);
    pc_place *pl = pc_calloc(p1 - p0 + 1, sizeof *pl, "places");
    PC_CALLG(pc_agree(ctx, pl ? 0 : PC_ERR_MEM), fail);
    for (uint64_t i = p0; i < p1; i++) /* in id order: trace looks places up by id */
      pc_move_place(&mv->mp, pc_move_place_by_rank(&mv->mp, i), &pl[i - p0]);
    rc = pc_out_table(&out, "places", pc_schema_type(&pc_schema_places), pl, p1 - p0, NULL);
    free(pl);
    PC_CALLG(rc, fail);
    uint64_t sums[2] = {mv->stays.n, mv->checksum};
    PC_CALLG(pc_sum_u64(ctx, sums, 2), fail);
    pc_out_attr_u64(&out, "stays", sums[0]);
    pc_out_attr_u64(&out, "stays_checksum", sums[1]);
    pc_out_attr_u64(&out, "places", np);
  }
  int64_t as_of = pc_config_time(cfg, "as_of");
  int64_t days = pc_config_int(cfg, "days");
  char t[24];
  pc_out_attr_i64(&out, "days", days);
  pc_out_attr_i64(&out, "as_of", as_of);
  pc_out_attr_str(&out, "as_of_local", pc_time_format(as_of, t));
  pc_out_attr_i64(&out, "window_start", as_of - days * 86400);
  pc_out_attr_i64(&out, "window_end", as_of);
  pc_out_attr_u64(&out, "persons", N);
  pc_out_attr_u64(&out, "seed", (uint64_t)pc_config_int(cfg, "seed"));
  pc_out_attr_u64(&out, "key_fingerprint", pc_key_fingerprint(key));
  pc_out_attr_str(&out, "source", "paicha synth (synthetic province)");
fail:
  if (dp >= 0) H5Dclose(dp);
  if (di >= 0) H5Dclose(di);
  free(pb);
  free(ib);
  return pc_out_commit(&out, rc);
}

/* --- csv: the same data as the CSV inputs of ingest (SPEC "CSV inputs") --- */

static size_t put_u64(char *p, uint64_t v) {
  char t[24];
  size_t k = 0;
  do t[k++] = (char)('0' + v % 10); while (v /= 10);
  for (size_t i = 0; i < k; i++) p[i] = t[k - 1 - i];
  return k;
}

/* A row of persons.csv: id_number,phone,household,region,birth_date,sex,sector,employer,doses. */
static size_t person_csv(const wire_row *w, char *p) {
  pc_identity id;
  make_identity(w, &id);
  size_t k = 0;
  memcpy(p, id.subject, 18);
  k = 18;
  p[k++] = ',';
  size_t pl = strnlen(id.phone, sizeof id.phone);
  memcpy(p + k, id.phone, pl);
  k += pl;
  p[k++] = ',';
  k += put_u64(p + k, w->p.household);
  p[k++] = ',';
  k += put_u64(p + k, w->p.region);
  int32_t b = w->p.birth_date;
  k += (size_t)sprintf(p + k, ",%04d-%02d-%02d,%s,", b / 10000, b / 100 % 100, b % 100,
                       w->p.sex == 1 ? "M" : w->p.sex == 2 ? "F" : "");
  size_t sl = strnlen(w->p.sector, 2);
  memcpy(p + k, w->p.sector, sl);
  k += sl;
  p[k++] = ',';
  if (w->p.employer) k += put_u64(p + k, w->p.employer);
  p[k++] = ',';
  k += put_u64(p + k, w->p.doses);
  p[k++] = '\n';
  return k;
}

/* A row of stays.csv: channel,subject,place,start,end,region,carriage,row. */
static size_t stay_csv(const pc_move_params *mp, const pc_stay *x, const pc_identity *id,
                       char *p) {
  size_t k = (size_t)sprintf(p, "%s,", pc_channel_names[x->channel]);
  if (x->channel == PC_CH_LBS || x->channel == PC_CH_GRID) {
    memcpy(p + k, id->phone, 11);
    k += 11;
  } else {
    memcpy(p + k, id->subject, 18);
    k += 18;
  }
  p[k++] = ',';
  char name[PC_PLACE_NAME_LEN];
  unsigned car;
  pc_move_place_csv(mp, (uint64_t)pc_move_place_index(mp, x->place), name, &car);
  k += pc_csv_quote(name, strnlen(name, sizeof name), p + k);
  char a[24], b[24];
  k += (size_t)sprintf(p + k, ",%s,%s,", pc_time_format(x->start, a), pc_time_format(x->end, b));
  k += put_u64(p + k, x->region);
  p[k++] = ',';
  if (x->carriage) k += put_u64(p + k, x->carriage);
  p[k++] = ',';
  if (x->row) k += put_u64(p + k, (uint64_t)x->row);
  p[k++] = '\n';
  return k;
}

/* Writes <dir>/regions.csv, persons.csv and (with movement) stays.csv: every
 * rank its own persons and their stays in pid order, in rounds. Clear
 * identities: files are created per the umask (owner only by default). */
static int write_csv(pc_ctx *ctx, const char *dir, const pc_region *regions, size_t nregions,
                     const wire_row *rows, const pc_kv *order, size_t n, const movement *mv) {
  int rc = 0;
  if (pc_rank(ctx) == 0) rc = pc_mkdir_output(dir, "csv");
  PC_CALL(pc_agree(ctx, rc));
  char path[4200];
  pc_textout o;
  /* regions.csv: rank 0 alone. */
  snprintf(path, sizeof path, "%s/regions.csv", dir);
  PC_CALL(pc_textout_open(ctx, path, "code,parent,level,name\n", &o));
  for (size_t i = 0; pc_rank(ctx) == 0 && i < nregions && !rc; i++) {
    char *p = pc_textout_room(&o, 64 + 2 * PC_REGION_NAME_LEN);
    if (!p) { rc = PC_ERR_MEM; break; }
    const pc_region *r = &regions[i];
    size_t k = put_u64(p, r->code);
    p[k++] = ',';
    if (r->parent) k += put_u64(p + k, r->parent);
    k += (size_t)sprintf(p + k, ",%u,", r->level);
    k += pc_csv_quote(r->name, strnlen(r->name, PC_REGION_NAME_LEN), p + k);
    p[k++] = '\n';
    pc_textout_commit(&o, k);
  }
  PC_CALL(pc_textout_close(ctx, &o, rc));
  /* persons.csv and stays.csv, a round of R persons at a time. */
  const size_t R = 1 << 16;
  uint64_t rounds = (n + R - 1) / R;
  PC_CALL(pc_max_u64(ctx, &rounds, 1));
  for (int which = 0; which < (mv ? 2 : 1); which++) {
    snprintf(path, sizeof path, "%s/%s", dir, which ? "stays.csv" : "persons.csv");
    PC_CALL(pc_textout_open(ctx, path,
                            which ? "channel,subject,place,start,end,region,carriage,row\n"
                                  : "id_number,phone,household,region,birth_date,sex,sector,"
                                    "employer,vaccine_doses\n",
                            &o));
    const pc_stay *st = which ? mv->stays.data : NULL;
    size_t j = 0;
    for (uint64_t r = 0; r < rounds; r++) {
      for (size_t i = r * R; i < n && i < (r + 1) * R && !rc; i++) {
        const wire_row *w = &rows[order[i].val];
        if (!which) {
          char *p = pc_textout_room(&o, 256);
          if (!p) { rc = PC_ERR_MEM; break; }
          pc_textout_commit(&o, person_csv(w, p));
          continue;
        }
        pc_identity id;
        make_identity(w, &id);
        for (; j < mv->stays.n && st[j].pid == w->p.pid && !rc; j++) {
          char *p = pc_textout_room(&o, 256);
          if (!p) rc = PC_ERR_MEM;
          else pc_textout_commit(&o, stay_csv(&mv->mp, &st[j], &id, p));
        }
      }
      PC_CALL(pc_agree(ctx, rc));
      PC_CALL(pc_textout_flush(ctx, &o));
      pc_progress(ctx, r * R, n);
    }
    PC_CALL(pc_textout_close(ctx, &o, rc));
  }
  pc_log(ctx, "synth: wrote %s/regions.csv, persons.csv%s", dir, mv ? ", stays.csv" : "");
  return 0;
}

/* Check of meaning at load: index cases come from movement. */
static int check_synth(const pc_config *cfg, pc_config_problems *p) {
  if (pc_config_given(cfg, "cases_csv") && pc_config_int(cfg, "days") == 0)
    pc_config_problem(p, cfg, "cases_csv", "needs movement data: set days (e.g. 14)");
  return 0;
}

static int run_synth(pc_ctx *ctx, const pc_config *cfg) {
  const uint64_t N = (uint64_t)pc_config_int(cfg, "persons");
  const uint64_t seed = (uint64_t)pc_config_int(cfg, "seed");
  const int64_t as_of = pc_config_time(cfg, "as_of");
  const char *path = pc_config_str(cfg, "data");
  int rc = 0;
  const int days = (int)pc_config_int(cfg, "days");
  pc_job_record_for(ctx, path);

  pending_files pend = {0};
  PC_CALL(pc_phase_begin(ctx, "setup"));
  /* Stays to expect: ~5.1 per person and day (70.9 over 14 days at the city tier). */
  PC_CALL(pc_budget_check(ctx, cfg, "synth", (double)N, (double)N * days * 5.1));
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

  PC_CALL(pc_phase_begin(ctx, "generate"));
  gen_state g = {.key = &key};
  pc_buf_init(&g.owned, sizeof(wire_row));
  /* Pids are uniform: each rank owns N/P give or take a few standard deviations. */
  double mean = (double)N / pc_nranks(ctx);
  rc = pc_buf_reserve(&g.owned, (size_t)(mean + 8 * sqrt(mean) + 4096));
  if (!rc) pc_advise_random(g.owned.data, g.owned.cap * sizeof(wire_row)); /* gathered by pid */
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(generate(ctx, &sp, &s, &g));
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

  movement mv = {0};
  if (days > 0) {
    PC_CALL(pc_phase_begin(ctx, "movement"));
    rc = generate_movement(ctx, &sp, as_of, days, rows, order, n, &mv);
    pc_phase_end(ctx, mv.stays.n, 0);
    uint64_t tot = mv.stays.n;
    if (!rc) rc = pc_sum_u64(ctx, &tot, 1);
    if (!rc)
      pc_log(ctx, "synth: %llu stays over %d days (%.1f per person)", (unsigned long long)tot,
             days, (double)tot / (double)N);
    if (!rc && (pc_config_given(cfg, "cases_csv") || pc_config_given(cfg, "csv"))) {
      PC_CALL(pc_phase_begin(ctx, "outbreak"));
      rc = write_outbreak(ctx, cfg, &pend, &mv, rows, order, n, as_of);
      pc_phase_end(ctx, mv.stays.n, 0);
    }
  }
  /* From here a failure must still drop the pending cases files. */
  if (!rc && !(rc = pc_phase_begin(ctx, "write"))) {
    rc = write_dataset(ctx, cfg, path, regions, nregions, rows, order, n, N, &key,
                       days > 0 ? &mv : NULL);
    pc_phase_end(ctx, n + mv.stays.n,
                 n * (sizeof(pc_person) + sizeof(pc_identity)) + mv.stays.n * sizeof(pc_stay));
  }
  if (!rc && pc_config_given(cfg, "csv") && !(rc = pc_phase_begin(ctx, "csv"))) {
    rc = write_csv(ctx, pc_config_str(cfg, "csv"), regions, nregions, rows, order, n,
                   days > 0 ? &mv : NULL);
    pc_phase_end(ctx, n + mv.stays.n, 0);
  }
  rc = pc_agree(ctx, rc);
  for (int q = 0; q < pend.n && pc_rank(ctx) == 0; q++) { /* publish the cases, or drop them */
    if (!rc && rename(pend.tmp[q], pend.path[q]) != 0)
      rc = PC_ERROR(PC_ERR_IO, "cannot rename %s to %s: %s", pend.tmp[q], pend.path[q],
                    strerror(errno));
    if (rc) unlink(pend.tmp[q]);
  }
  rc = pc_agree(ctx, rc);
  pc_buf_free(&mv.stays);
  if (mv.have_mp) pc_move_params_free(&mv.mp);
  free(order);
  pc_buf_free(&g.owned);
  pc_synth_params_free(&sp);
  free(regions);
  if (!rc) pc_log(ctx, "synth: wrote %s (%llu persons)", path, (unsigned long long)N);
  return rc;
}

const pc_jobdef pc_job_synth = {
    "synth", "generate a synthetic province (registry, movement, outbreak) into a dataset file",
    "Generates N persons with valid resident ID numbers, phones, households, residence,\n"
    "age, sex, sector, employer and vaccine doses, deterministically from `seed`: the\n"
    "same config gives identical /persons and /identities at any rank count. Writes\n"
    "/regions, /persons (sorted by pid, no clear identities) and /identities (restricted).\n"
    "With `days`, every person's stays over the days before as_of (cells, 800 m grids,\n"
    "cafes, hotels, trains, flights; docs/TRACE.md) into /stays (sorted by pid,\n"
    "contiguous) and /places; with `cases_csv`, an outbreak's index cases drawn among\n"
    "the visitors of a cafe, a hotel and a train carriage.",
    synth_keys, run_synth, check_synth};
