/* pc_synth_movement.c - synth's movement in pid order, the outbreak's index cases drawn from its visitors, and their publication. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc_claim.h"
#include "pc_index.h"
#include "pc_rng.h"
#include "pc_sort.h"
#include "pc_synth_movement.h"
#include "pc_textout.h"
#include "pc_time.h"

int pc_synth_movement_make(pc_ctx *ctx, const pc_synth_params *sp, int64_t as_of, int days,
                           const pc_synth_row *rows, const pc_kv *order, size_t n,
                           pc_synth_movement *mv) {
  pc_buf_init(&mv->stays, sizeof(pc_stay));
  int rc = pc_move_params_init(&mv->mp, sp, as_of, days);
  mv->have_mp = rc == 0;
  PC_CALL(pc_agree(ctx, rc));
  const size_t cap = (size_t)PC_MOVE_MAX_PER_DAY * (size_t)days;
  rc = pc_buf_reserve(&mv->stays, n * (size_t)(7 * days) + cap);
  for (size_t i = 0; i < n && !rc; i++) {
    if (mv->stays.n + cap > mv->stays.cap) rc = pc_buf_reserve(&mv->stays, mv->stays.cap * 3 / 2);
    if (rc) break;
    const pc_synth_row *w = &rows[order[i].val];
    pc_identity id;
    pc_synth_row_identity(w, &id);
    pc_person p;
    pc_synth_row_person(w, &p);
    pc_stay *out = (pc_stay *)mv->stays.data + mv->stays.n;
    size_t k = pc_move_person(&mv->mp, &p, pc_move_ident(id.subject), out, cap);
    if (!(pc_synth_row_phone_seq(w) >> 10)) { /* no phone: no cell or grid records of this person */
      size_t m = 0;
      for (size_t j = 0; j < k; j++)
        if (out[j].channel != PC_CH_LBS && out[j].channel != PC_CH_GRID) out[m++] = out[j];
      k = m;
    }
    mv->checksum += pc_stays_fingerprint_sum(out, k);
    mv->stays.n += k;
    if ((i & 65535) == 0) pc_progress(ctx, i, n);
  }
  return pc_agree(ctx, rc);
}

void pc_synth_movement_free(pc_synth_movement *mv) {
  pc_buf_free(&mv->stays);
  if (mv->have_mp) pc_move_params_free(&mv->mp);
  mv->have_mp = 0;
}

/* A visitor of the outbreak's venues (part 0 of the pool) or of another public place
 * in their period (part 1: drawn from when the venues' visitors are too few). Cases
 * files are written by rank 0, mode 0600: they hold clear ID numbers. */
typedef struct visitor {
  uint64_t draw;         /* order of selection: pure function of (seed, ID number) */
  int64_t visit;         /* first visit to a place of its part of the pool */
  char subject[18];
  uint8_t part;
  uint8_t pad[5];
} visitor;
_Static_assert(sizeof(visitor) == 40, "visitor travels between ranks");

static int visitor_cmp(const void *pa, const void *pb) {
  const visitor *a = pa, *b = pb;
  if (a->part != b->part) return a->part < b->part ? -1 : 1;
  if (a->draw != b->draw) return a->draw < b->draw ? -1 : 1;
  return memcmp(a->subject, b->subject, sizeof a->subject);
}

/* Every visitor of the venues in their period, gathered on rank 0 into all
 * (initialised by the caller). Collective, agreed. */
static int gather_visitors(pc_ctx *ctx, uint64_t seed, const pc_synth_movement *mv,
                           const pc_synth_row *rows, const pc_kv *order, size_t n, pc_buf *all) {
  uint64_t venue[3];
  int64_t t0, t1;
  pc_move_venues(&mv->mp, venue, &t0, &t1);
  pc_buf mine;
  pc_buf_init(&mine, sizeof(visitor));
  const pc_stay *st = mv->stays.data;
  int rc = 0;
  /* Stays are in pid order, persons too: walk both. */
  size_t j = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const pc_synth_row *w = &rows[order[i].val];
    int64_t first = INT64_MAX;
    int part = 2;
    for (; j < mv->stays.n && st[j].pid == w->p.pid; j++) {
      int q = pc_move_pool_part(&mv->mp, venue, t0, t1, &st[j]);
      if (q >= 0 && (q < part || (q == part && st[j].start < first))) {
        part = q;
        first = st[j].start;
      }
    }
    if (part == 2) continue;
    if ((rc = pc_buf_grow(&mine, 1))) break;
    visitor *v = (visitor *)mine.data + mine.n++;
    memset(v, 0, sizeof *v);
    pc_identity id;
    pc_synth_row_identity(w, &id);
    memcpy(v->subject, id.subject, sizeof v->subject);
    v->draw = pc_rng(seed, pc_move_ident(id.subject), 0x6f7574, 0);
    v->visit = first;
    v->part = (uint8_t)part;
  }
  PC_CALL(pc_agree(ctx, rc));
  int *dest = pc_calloc(mine.n + 1, sizeof *dest, "outbreak"); /* all to rank 0 */
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  rc = pc_shuffle(ctx, mine.data, mine.n, sizeof(visitor), dest, all, NULL);
  free(dest);
  pc_buf_free(&mine);
  return rc;
}

/* One cases file from the sorted visitors v: the first `want`. Rank 0. */
static int write_cases(const char *tmp, const char *path, const visitor *v, uint64_t want,
                       uint64_t seed, int64_t as_of) {
  int fd = pc_create_excl(tmp, O_WRONLY, 0666);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    int err = errno;
    char why[4400];
    if (fd >= 0) close(fd);
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", path, pc_err_create_why(tmp, err, why, sizeof why));
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
  if (fclose(f) != 0) return PC_ERROR(PC_ERR_IO, "%s: write failed: %s", path, strerror(errno));
  return 0;
}

/* The cases files asked for (cases_csv, and cases.csv in the csv directory,
 * made here), their temporary names kept in pend. Collective, agreed. */
static int pend_cases(pc_ctx *ctx, const pc_config *cfg, pc_synth_pending *pend,
                      char paths[2][4200], int *npaths) {
  int rc = 0;
  *npaths = 0;
  if (pc_config_given(cfg, "cases_csv"))
    snprintf(paths[(*npaths)++], sizeof paths[0], "%s", pc_config_str(cfg, "cases_csv"));
  if (pc_config_given(cfg, "csv"))
    snprintf(paths[(*npaths)++], sizeof paths[0], "%s/cases.csv", pc_config_str(cfg, "csv"));
  if (pc_rank(ctx) == 0 && pc_config_given(cfg, "csv"))
    rc = pc_mkdir_output(pc_config_str(cfg, "csv"), "csv");
  PC_CALL(pc_agree(ctx, rc));
  for (int q = 0; q < *npaths; q++) {
    PC_CALL(pc_atomic_tmp(ctx, paths[q], pend->tmp[q], sizeof pend->tmp[q]));
    snprintf(pend->path[q], sizeof pend->path[q], "%.4190s", paths[q]);
    pend->n = q + 1;
  }
  return 0;
}

int pc_synth_outbreak(pc_ctx *ctx, const pc_config *cfg, pc_synth_pending *pend,
                      const pc_synth_movement *mv, const pc_synth_row *rows, const pc_kv *order,
                      size_t n, int64_t as_of) {
  const uint64_t seed = (uint64_t)pc_config_int(cfg, "seed");
  pc_buf all;
  pc_buf_init(&all, sizeof(visitor));
  PC_CALL(gather_visitors(ctx, seed, mv, rows, order, n, &all));
  uint64_t want = (uint64_t)pc_config_int(cfg, "outbreak.cases");
  char paths[2][4200];
  int npaths = 0, rc = 0;
  PC_CALL(pend_cases(ctx, cfg, pend, paths, &npaths));
  if (pc_rank(ctx) == 0) {
    visitor *v = all.data;
    pc_qsort(v, all.n, sizeof *v, visitor_cmp);
    size_t at_venues = 0;
    while (at_venues < all.n && v[at_venues].part == 0) at_venues++;
    if (all.n < want)
      rc = PC_ERROR(PC_ERR_DATA,
                    "outbreak: only %zu %s visited the venues or other public places in their "
                    "period, fewer than outbreak.cases = %llu (a bigger province or fewer cases)",
                    all.n, pc_plural(all.n, "person", "persons"), (unsigned long long)want);
    for (int q = 0; q < npaths && !rc; q++) {
      rc = write_cases(pend->tmp[q], paths[q], v, want, seed, as_of);
      if (!rc)
        pc_log(ctx, "synth: outbreak: %llu %s drawn from %zu visitors of 3 venues%s, for %s",
               (unsigned long long)want, pc_plural(want, "case", "cases"), at_venues,
               at_venues < want ? " and other public places of their period" : "", paths[q]);
    }
  }
  pc_buf_free(&all);
  return pc_agree(ctx, rc);
}

int pc_synth_pending_publish(pc_ctx *ctx, pc_synth_pending *pend, int rc) {
  /* publish the cases (with the run's other outputs, under the runner), or drop them */
  for (int q = 0; q < pend->n; q++) rc = pc_atomic_commit(ctx, pend->tmp[q], pend->path[q], rc);
  return pc_agree(ctx, rc);
}
