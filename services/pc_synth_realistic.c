/* pc_synth_realistic.c - synth's CSV rows the way agencies write them: string household numbers, credit codes, passports and foreign PR IDs, typed phones, seatless tickets where no contact can change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_agency.h"
#include "pc_csv.h"
#include "pc_rng.h"
#include "pc_synth_realistic.h"
#include "pc_textout.h"
#include "pc_time.h"

enum { SALT_DOC = 0x646f63, SALT_PHONE = 0x70686f };

/* The document of every owned person; the outbreak's pool (visitors of its venues
 * or of other public places in its period) keep the ID card (the cases are drawn
 * among them). */
static void plan_docs(pc_synth_real *r, const pc_synth_row *rows, const pc_kv *order, size_t n,
                      const pc_synth_movement *mv) {
  uint64_t venue[3] = {0};
  int64_t t0 = 0, t1 = 0;
  if (mv) pc_move_venues(&mv->mp, venue, &t0, &t1);
  const pc_stay *st = mv ? mv->stays.data : NULL;
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    const pc_synth_row *w = &rows[order[i].val];
    int pool = 0;
    for (; mv && j < mv->stays.n && st[j].pid == w->p.pid; j++)
      pool |= pc_move_pool_part(&mv->mp, venue, t0, t1, &st[j]) >= 0;
    pc_identity id;
    pc_synth_row_identity(w, &id);
    uint64_t d = pc_rng(r->seed, pc_move_ident(id.subject), SALT_DOC, 0);
    r->doc[i] = (uint8_t)(pool ? PC_DOC_ID_CARD : pc_agency_doc_of(d, id.subject));
    r->ndoc[r->doc[i]]++;
  }
}

/* Riders per vehicle over the whole province: lone[v] = 1 for a vehicle
 * ridden by exactly one stay. Collective, agreed. */
static int plan_lone(pc_ctx *ctx, const pc_synth_movement *mv, pc_synth_real *r) {
  r->nveh = pc_move_vehicles(&mv->mp);
  uint64_t *cnt = pc_calloc(r->nveh + 1, sizeof *cnt, "riders per vehicle");
  r->lone = pc_calloc(r->nveh + 1, 1, "riders per vehicle");
  int rc = cnt && r->lone ? 0 : PC_ERR_MEM;
  const pc_stay *st = mv->stays.data;
  for (size_t j = 0; j < mv->stays.n && !rc; j++) {
    if (st[j].channel != PC_CH_FLIGHT && st[j].channel != PC_CH_RAIL) continue;
    int64_t v = pc_move_vehicle(&mv->mp, (uint64_t)pc_move_place_index(&mv->mp, st[j].place));
    if (v >= 0) cnt[v]++;
  }
  rc = pc_agree(ctx, rc);
  if (!rc) rc = pc_sum_u64(ctx, cnt, (int)r->nveh);
  for (uint64_t v = 0; v < r->nveh && !rc; v++) r->lone[v] = cnt[v] == 1;
  free(cnt);
  return rc;
}

int pc_synth_real_plan(pc_ctx *ctx, uint64_t seed, const pc_synth_row *rows, const pc_kv *order,
                       size_t n, const pc_synth_movement *mv, pc_synth_real *r) {
  r->seed = seed;
  r->doc = pc_calloc(n + 1, 1, "documents");
  PC_CALL(pc_agree(ctx, r->doc ? 0 : PC_ERR_MEM));
  plan_docs(r, rows, order, n, mv);
  return mv ? plan_lone(ctx, mv, r) : 0;
}

void pc_synth_real_free(pc_synth_real *r) {
  free(r->doc);
  free(r->lone);
  memset(r, 0, sizeof *r);
}

/* The subject of a stay keyed by document: the number the person shows. */
static size_t subject(const pc_synth_real *r, size_t i, const pc_identity *id, char *p) {
  if (r->doc[i] == PC_DOC_ID_CARD) {
    memcpy(p, id->subject, 18);
    return 18;
  }
  char num[21];
  size_t k = pc_agency_document(r->doc[i], id->subject, num);
  memcpy(p, num, k);
  return k;
}

size_t pc_synth_real_person(const pc_synth_real *r, size_t i, const pc_synth_row *w, char *p) {
  pc_identity id;
  pc_synth_row_identity(w, &id);
  size_t k = subject(r, i, &id, p);
  p[k++] = ',';
  if (id.phone[0]) {
    uint64_t f = pc_rng(r->seed, pc_move_ident(id.subject), SALT_PHONE, 0);
    k += pc_agency_phone(id.phone, (unsigned)(f % 5), p + k);
  }
  p[k++] = ',';
  if (w->p.household) k += pc_agency_household(w->p.household, p + k);
  int32_t b = w->p.birth_date;
  k += (size_t)sprintf(p + k, ",%llu,%04d-%02d-%02d,%s,%.2s,", (unsigned long long)w->p.region,
                       b / 10000, b / 100 % 100, b % 100,
                       w->p.sex == 1 ? "M" : w->p.sex == 2 ? "F" : "", w->p.sector);
  if (w->p.employer) {
    if (pc_agency_employer(w->p.employer, p + k)) return 0;
    k += 18;
  }
  k += (size_t)sprintf(p + k, ",%u,%s\n", w->p.doses,
                       r->doc[i] == PC_DOC_ID_CARD ? "" : pc_doc_names[r->doc[i]]);
  return k;
}

size_t pc_synth_real_stay(pc_synth_real *r, const pc_move_params *mp, size_t i, const pc_stay *x,
                          const pc_identity *id, char *p) {
  size_t k = (size_t)sprintf(p, "%s,", pc_channel_names[x->channel]);
  const int by_phone = x->channel == PC_CH_LBS || x->channel == PC_CH_GRID;
  if (by_phone) { /* the same phone typed differently from one record to the next */
    uint64_t f = pc_rng(r->seed, pc_move_ident(id->subject), SALT_PHONE, (uint64_t)x->start);
    k += pc_agency_phone(id->phone, (unsigned)(f % 5), p + k);
  } else {
    k += subject(r, i, id, p + k);
  }
  p[k++] = ',';
  char name[PC_PLACE_NAME_LEN];
  unsigned car;
  const int64_t pi = pc_move_place_index(mp, x->place);
  pc_move_place_csv(mp, (uint64_t)pi, name, &car);
  k += pc_csv_quote(name, strnlen(name, sizeof name), p + k);
  char a[24], b[24];
  k += (size_t)sprintf(p + k, ",%s,%s,%llu,", pc_time_format(x->start, a), pc_time_format(x->end, b),
                       (unsigned long long)x->region);
  /* A seat left out only where it cannot change a contact: the rider is
   * alone on the flight, or alone on the whole train that date (every
   * carriage). An unknown row is in range of every row and an unknown
   * carriage matches every carriage of the train (docs/TRACE.md rule 4), but
   * with nobody else aboard there is nobody to meet, so trace finds the
   * same contacts as from the plain CSV. */
  const int64_t v = r->lone ? pc_move_vehicle(mp, (uint64_t)pi) : -1;
  const int seatless = v >= 0 && r->lone[v];
  r->seat_unknown += (uint64_t)seatless;
  if (x->carriage && !(seatless && x->channel == PC_CH_RAIL)) k += (size_t)sprintf(p + k, "%u", x->carriage);
  p[k++] = ',';
  if (x->row && !(seatless && x->channel == PC_CH_FLIGHT)) k += (size_t)sprintf(p + k, "%d", x->row);
  p[k++] = ',';
  if (!by_phone && r->doc[i] != PC_DOC_ID_CARD) {
    size_t l = strlen(pc_doc_names[r->doc[i]]);
    memcpy(p + k, pc_doc_names[r->doc[i]], l);
    k += l;
  }
  p[k++] = '\n';
  return k;
}
