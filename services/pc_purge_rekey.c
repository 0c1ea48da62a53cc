/* pc_purge_rekey.c - purge's `identities: all`: the kept persons and stays under new pseudonyms whose key is not kept. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "pc_budget.h"
#include "pc_err.h"
#include "pc_hash.h"
#include "pc_index.h"
#include "pc_keyfile.h"
#include "pc_purge.h"
#include "pc_purgefile.h"
#include "pc_sort.h"
#include "pc_stay_buckets.h"

/* Why: with the clear identities gone, the old key still links the file to
 * people (a pid is the keyed hash of an ID number: ~500 candidates per
 * person from birth date, sex and residence, 20,000 of 20,000 found in a
 * review). Every pid, household and employer id is replaced through a fresh
 * key that only this run's memory ever holds; the rows are then re-sorted by
 * the new pids (their old order would give the old pids away). */

int pc_purge_rekey_init(pc_purge *P) {
  int rc = 0;
  memset(&P->newkey, 0, sizeof P->newkey);
  if (pc_rank(P->ctx) == 0) {
    const char *t = getenv("PAICHA_TEST_REKEY"); /* tests only: the same key at every rank count */
    if (t && *t) {
      P->newkey.k0 = pc_mix64(strtoull(t, NULL, 10) ^ 0x5bd1e995ULL);
      P->newkey.k1 = pc_mix64(P->newkey.k0);
    } else if (getrandom(&P->newkey, sizeof P->newkey, 0) != (ssize_t)sizeof P->newkey) {
      rc = PC_ERROR(PC_ERR_IO, "cannot draw a new key for identities: all (getrandom)");
    }
  }
  PC_CALL(pc_agree(P->ctx, rc));
  PC_CALL(pc_bcast_mem(P->ctx, &P->newkey, sizeof P->newkey));
  /* a rank holds its kept persons and stays twice (read, then received) */
  return pc_budget_check_more(P->ctx, P->cfg, "re-keying (identities: all)",
                              2.0 * (double)(P->p1 - P->p0) * sizeof(pc_person) +
                                  2.0 * (double)(P->s1 - P->s0) * sizeof(pc_stay));
}

static uint64_t rekey(const pc_key128 *k, uint64_t v) { return v ? pc_siphash(k, &v, sizeof v) : 0; }

/* Rows of rowsize bytes starting with their pid, sent to the owners of
 * their (new) pids and sorted there by cmp; *out holds this rank's. */
static int to_owners(pc_ctx *ctx, pc_buf *rows, int (*cmp)(const void *, const void *),
                     pc_buf *out) {
  int *dest = pc_malloc((rows->n + 1) * sizeof *dest, "re-keyed rows");
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  for (size_t i = 0; i < rows->n; i++)
    dest[i] = PC_OWNER(*(const uint64_t *)((const char *)rows->data + i * rows->rowsize),
                       pc_nranks(ctx));
  int rc = pc_shuffle(ctx, rows->data, rows->n, rows->rowsize, dest, out, NULL);
  free(dest);
  pc_buf_free(rows);
  if (!rc) pc_qsort(out->data, out->n, out->rowsize, cmp);
  return rc;
}

/* Write this rank's n rows at its offset in steps (every rank takes part in every step). */
static int write_steps(pc_ctx *ctx, pc_file d, const pc_schema *s, const void *rows, size_t n) {
  uint64_t at = 0, rounds = (n + PC_PURGE_STAY_STEP - 1) / PC_PURGE_STAY_STEP;
  PC_CALL(pc_exscan_u64(ctx, n, &at));
  PC_CALL(pc_max_u64(ctx, &rounds, 1));
  for (uint64_t k = 0; k < rounds; k++) {
    size_t lo = (size_t)(k * PC_PURGE_STAY_STEP < n ? k * PC_PURGE_STAY_STEP : n);
    size_t m = n - lo < PC_PURGE_STAY_STEP ? n - lo : PC_PURGE_STAY_STEP;
    PC_CALL(pc_agree(ctx, pc_purgefile_write_rows(ctx, d, s, at + lo, m,
                                                  (const char *)rows + lo * s->rowsize)));
  }
  return 0;
}

static int person_cmp(const void *a, const void *b) {
  uint64_t x = ((const pc_person *)a)->pid, y = ((const pc_person *)b)->pid;
  return x < y ? -1 : x > y;
}

static int stay_cmp(const void *pa, const void *pb) {
  const pc_stay *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  if (a->place != b->place) return a->place < b->place ? -1 : 1;
  if (a->end != b->end) return a->end < b->end ? -1 : 1;
  if (a->region != b->region) return a->region < b->region ? -1 : 1;
  if (a->channel != b->channel) return a->channel < b->channel ? -1 : 1;
  if (a->carriage != b->carriage) return a->carriage < b->carriage ? -1 : 1;
  return (a->row > b->row) - (a->row < b->row);
}

/* Two rows with one new pid: a collision of the new key (about 2^-64 per pair). */
static int unique(const pc_person *p, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (p[i].pid == p[i - 1].pid)
      return PC_ERROR(PC_ERR_DATA, "two persons drew the same new pseudonym: run the purge again");
  return 0;
}

int pc_purge_rekey_persons(pc_purge *P, pc_out *out) {
  pc_ctx *ctx = P->ctx;
  const uint64_t np = P->p1 - P->p0;
  pc_buf keep, mine;
  pc_buf_init(&keep, sizeof(pc_person));
  pc_buf_init(&mine, sizeof(pc_person));
  pc_table in = {.dset = -1, .mtype = -1};
  pc_file d = -1;
  int rc = pc_buf_reserve(&keep, (size_t)np + 1);
  if (!rc) rc = pc_table_open(P->data, NULL, &pc_schema_persons, &in);
  if (!rc && np) rc = pc_table_read(&in, P->p0, (size_t)np, keep.data);
  pc_table_close(&in);
  pc_person *p = keep.data;
  for (size_t i = 0; i < np && !rc; i++) {
    if (P->drop[i >> 3] >> (i & 7) & 1) continue;
    pc_person q = p[i];
    q.pid = rekey(&P->newkey, q.pid);
    q.household = rekey(&P->newkey, q.household);
    q.employer = rekey(&P->newkey, q.employer);
    p[keep.n++] = q;
  }
  if (!rc && keep.n != P->kept_persons)
    rc = PC_ERROR(PC_ERR_DATA, "kept %zu persons, counted %llu (the input changed?)", keep.n,
                  (unsigned long long)P->kept_persons);
  PC_CALLG(pc_agree(ctx, rc), done);
  PC_CALLG(to_owners(ctx, &keep, person_cmp, &mine), done);
  PC_CALLG(pc_agree(ctx, unique(mine.data, mine.n)), done);
  char *desc = NULL;
  rc = pc_purgefile_description(P->data, "persons", &desc);
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_out_dset(out, "persons", pc_schema_type(&pc_schema_persons),
                     P->g[PC_PURGE_KEPT_PERSONS], PC_OUT_PLAIN, desc, &d);
  free(desc);
  if (!rc) rc = write_steps(ctx, d, &pc_schema_persons, mine.data, mine.n);
done:
  pc_purgefile_close_dset(d);
  pc_buf_free(&keep);
  pc_buf_free(&mine);
  return rc;
}

/* This rank's kept stays under their new pids; *old_sum: the fingerprints as read. */
static int read_stays(pc_purge *P, pc_buf *keep, uint64_t *old_sum) {
  const uint64_t ns = P->s1 - P->s0;
  PC_CALL(pc_buf_reserve(keep, (size_t)P->kept_stays + 1));
  pc_stay *sb = pc_malloc(PC_PURGE_STAY_STEP * sizeof *sb, "stays step");
  if (!sb) return PC_ERR_MEM;
  int rc = 0;
  for (uint64_t lo = 0; lo < ns && !rc; lo += PC_PURGE_STAY_STEP) {
    size_t n = ns - lo < PC_PURGE_STAY_STEP ? (size_t)(ns - lo) : PC_PURGE_STAY_STEP;
    rc = pc_raw_read(&P->st, P->s0 + lo, n, sb);
    for (size_t i = 0; i < n && !rc; i++) {
      if (sb[i].end < P->cutoff) continue;
      *old_sum += pc_stay_fingerprint(&sb[i]);
      if (keep->n == P->kept_stays) return PC_ERROR(PC_ERR_DATA, "more stays kept than counted");
      pc_stay s = sb[i];
      s.pid = rekey(&P->newkey, s.pid);
      ((pc_stay *)keep->data)[keep->n++] = s;
    }
  }
  free(sb);
  return rc;
}

int pc_purge_rekey_stays(pc_purge *P, pc_out *out) {
  pc_ctx *ctx = P->ctx;
  pc_buf keep, mine;
  pc_buf_init(&keep, sizeof(pc_stay));
  pc_buf_init(&mine, sizeof(pc_stay));
  uint64_t old_sum = 0, sum[1] = {0};
  pc_file d = -1;
  int rc = read_stays(P, &keep, &old_sum);
  if (!rc && (keep.n != P->kept_stays || old_sum != P->checksum))
    rc = PC_ERROR(PC_ERR_DATA, "%s: the stays read twice differ (changed during the purge?)",
                  P->data_path);
  PC_CALLG(pc_agree(ctx, rc), done);
  PC_CALLG(to_owners(ctx, &keep, stay_cmp, &mine), done);
  sum[0] += pc_stays_fingerprint_sum(mine.data, mine.n);
  PC_CALLG(pc_sum_u64(ctx, sum, 1), done);
  P->g[PC_PURGE_CHECKSUM] = sum[0]; /* stays_checksum of the new rows */
  char *desc = NULL;
  rc = pc_purgefile_description(P->data, "stays", &desc);
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_out_dset(out, "stays", pc_schema_type(&pc_schema_stays), P->g[PC_PURGE_KEPT_STAYS],
                     PC_OUT_CONTIGUOUS, desc, &d);
  free(desc);
  if (!rc) rc = write_steps(ctx, d, &pc_schema_stays, mine.data, mine.n);
  pc_purgefile_close_dset(d);
  d = -1;
  if (!rc) /* the kept stays' buckets (their pids play no part) */
    rc = pc_stay_buckets_of(ctx, P->cfg, out, mine.data, mine.n, P->g[PC_PURGE_KEPT_STAYS],
                            sum[0]);
done:
  pc_purgefile_close_dset(d);
  pc_buf_free(&keep);
  pc_buf_free(&mine);
  return rc;
}

uint64_t pc_purge_rekey_fingerprint(const pc_purge *P) { return pc_key_fingerprint(&P->newkey); }
