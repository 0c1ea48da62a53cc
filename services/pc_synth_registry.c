/* pc_synth_registry.c - synth's registry: households, persons generated in blocks and shuffled to their owners, the pid order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc_idnum.h"
#include "pc_part.h"
#include "pc_synth_registry.h"

_Static_assert(sizeof(((pc_person *)0)->pad) >= 6, "phone and sequence ride in the padding");

static void wire_set(pc_synth_row *w, uint64_t phone, unsigned seq) {
  uint64_t v = phone << 10 | seq;
  for (int b = 0; b < 6; b++) w->p.pad[b] = (uint8_t)(v >> (8 * b));
}

uint64_t pc_synth_row_phone_seq(const pc_synth_row *w) {
  uint64_t v = 0;
  for (int b = 0; b < 6; b++) v |= (uint64_t)w->p.pad[b] << (8 * b);
  return v;
}

void pc_synth_row_identity(const pc_synth_row *w, pc_identity *id) {
  memset(id, 0, sizeof *id);
  id->pid = w->p.pid;
  uint64_t phone_seq = pc_synth_row_phone_seq(w);
  pc_idnum_make(pc_synth_area(w->p.region), w->p.birth_date, (unsigned)(phone_seq & 1023),
                id->subject);
  uint64_t phone = phone_seq >> 10;
  if (phone) pc_phone_format(phone, id->phone);
  id->flags = w->p.flags;
}

void pc_synth_row_person(const pc_synth_row *w, pc_person *p) {
  *p = w->p;
  memset(p->pad, 0, sizeof p->pad);
}

int pc_synth_slots_plan(pc_ctx *ctx, uint64_t seed, uint64_t N, pc_synth_slots *s) {
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
static int county_blocks(pc_ctx *ctx, const pc_synth_params *sp, const pc_synth_slots *s,
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
  pc_buf *owned; /* pc_synth_rows whose pid this rank owns */
  pc_synth_row *out;
  int *dest;
  uint64_t bytes;
} gen_state;

static int ship_persons(pc_ctx *ctx, const pc_synth_person *ps, const uint16_t *seq, size_t n,
                        gen_state *g) {
  char id[18];
  for (size_t i = 0; i < n; i++) {
    pc_synth_row *w = &g->out[i];
    w->p = ps[i].p;
    pc_idnum_make(pc_synth_area(w->p.region), w->p.birth_date, seq[i], id);
    w->p.pid = pc_pid_of_idnum(g->key, id);
    wire_set(w, ps[i].phone, seq[i]);
    g->dest[i] = PC_OWNER(w->p.pid, pc_nranks(ctx));
  }
  uint64_t b = 0;
  PC_CALL(pc_shuffle(ctx, g->out, n, sizeof(pc_synth_row), g->dest, g->owned, &b));
  g->bytes += b;
  return 0;
}

/* Generates this rank's blocks in order, numbers each block's persons and ships
 * them. Blocks go a few at a time, so each shuffle moves a few hundred thousand
 * rows; the round count is agreed, since the shuffle is collective. */
static int generate(pc_ctx *ctx, const pc_synth_params *sp, const pc_synth_slots *s, gen_state *g) {
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

int pc_synth_generate(pc_ctx *ctx, const pc_synth_params *sp, pc_synth_slots *s,
                      const pc_key128 *key, uint64_t N, pc_buf *owned, uint64_t *bytes) {
  gen_state g = {.key = key, .owned = owned};
  pc_buf_init(owned, sizeof(pc_synth_row));
  /* Pids are uniform: each rank owns N/P give or take a few standard deviations. */
  double mean = (double)N / pc_nranks(ctx);
  int rc = pc_buf_reserve(owned, (size_t)(mean + 8 * sqrt(mean) + 4096));
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(generate(ctx, sp, s, &g));
  free(s->size);
  s->size = NULL;
  *bytes = g.bytes;
  return 0;
}

int pc_synth_order(pc_ctx *ctx, const pc_synth_row *rows, size_t n, pc_kv **order_out) {
  int rc = 0;
  pc_kv *order = pc_malloc(n * sizeof *order, "sort keys"), *tmp = pc_malloc(n * sizeof *tmp, "sort scratch");
  *order_out = order;
  rc = pc_agree(ctx, order && tmp ? 0 : PC_ERR_MEM);
  if (rc) {
    free(tmp);
    return rc;
  }
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
  return pc_agree(ctx, rc);
}
