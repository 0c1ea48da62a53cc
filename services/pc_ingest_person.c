/* pc_ingest_person.c - ingest's registries: regions on rank 0, persons and phones at their owners, visitors. */
#include "pc_ingest_person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_doc.h"
#include "pc_idnum.h"
#include "pc_ingest_input.h"
#include "pc_ingest_reject.h"
#include "pc_sort.h"

typedef struct wregion {
  pc_region r;
  uint64_t origin;
} wregion;

static int take_region(pc_ingest *g, unsigned fi, uint64_t line, const pc_field *cells, void *arg,
                       char *text, int *err) {
  (void)g;
  pc_buf *out = arg;
  pc_region r;
  int reason = pc_row_region(cells, &r, text);
  if (reason) return reason;
  if ((*err = pc_buf_grow(out, 1))) return PC_R_OK;
  wregion *w = (wregion *)out->data + out->n++;
  w->r = r;
  w->origin = pc_origin_of(fi, line);
  return PC_R_OK;
}

static int wregion_cmp(const void *pa, const void *pb) {
  const wregion *a = pa, *b = pb;
  if (a->r.code != b->r.code) return a->r.code < b->r.code ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

int pc_ingest_regions_load(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  pc_buf mine, all;
  pc_buf_init(&mine, sizeof(wregion));
  pc_buf_init(&all, sizeof(wregion));
  int done = 0;
  PC_CALL(pc_agree(ctx, pc_ingest_read_rows(g, 0, SIZE_MAX, take_region, &mine, &done)));
  int *dest = pc_calloc(mine.n + 1, sizeof *dest, "regions"); /* all to rank 0 */
  PC_CALL(pc_agree(ctx, dest ? 0 : PC_ERR_MEM));
  int rc = pc_shuffle(ctx, mine.data, mine.n, sizeof(wregion), dest, &all, NULL);
  free(dest);
  pc_buf_free(&mine);
  PC_CALL(rc);
  char *bytes = NULL;
  size_t len = 0;
  if (pc_rank(ctx) == 0) {
    /* In code order parents come first (a parent's code is a prefix of its
     * children's, padded with zeros): keep the first row of each code whose
     * parent was kept; the rest are rejects. */
    wregion *w = all.data;
    pc_ingest_sort(w, all.n, sizeof *w, wregion_cmp);
    pc_region *kept = pc_malloc((all.n + 1) * sizeof *kept, "regions");
    uint64_t *korig = pc_malloc((all.n + 1) * sizeof *korig, "regions");
    rc = kept && korig ? 0 : PC_ERR_MEM;
    size_t k = 0;
    for (size_t i = 0; i < all.n && !rc; i++) {
      if (k && kept[k - 1].code == w[i].r.code) {
        int same = !memcmp(&kept[k - 1], &w[i].r, sizeof w[i].r);
        rc = pc_ingest_reject_later(g, w[i].origin, same ? PC_R_DUPLICATE : PC_R_CONFLICT,
                                    same ? "same region as line %llu"
                                         : "code already on line %llu with "
                                           "another parent, level or name",
                                    (unsigned long long)pc_origin_line(korig[k - 1]));
        continue;
      }
      if (w[i].r.parent && !pc_region_find(kept, k, w[i].r.parent)) {
        rc = pc_ingest_reject_later(g, w[i].origin, PC_R_REGION,
                                    "parent %llu is not in regions.csv (or was rejected)",
                                    (unsigned long long)w[i].r.parent);
        continue;
      }
      korig[k] = w[i].origin;
      kept[k++] = w[i].r;
    }
    if (!rc && k == 0) rc = PC_ERROR(PC_ERR_DATA, "%s: no valid region", g->in[0].path);
    bytes = (char *)kept;
    len = k * sizeof *kept;
    free(korig);
  }
  pc_buf_free(&all);
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_bcast_bytes(ctx, &bytes, &len));
  g->regions = (pc_region *)bytes;
  g->nregions = len / sizeof(pc_region);
  g->codes = pc_malloc((g->nregions + 1) * sizeof *g->codes, "region codes");
  PC_CALL(pc_agree(ctx, g->codes ? 0 : PC_ERR_MEM));
  for (size_t i = 0; i < g->nregions; i++) g->codes[i] = g->regions[i].code;
  g->chk.regions = g->codes;
  g->chk.nregions = g->nregions;
  return 0;
}

static const char *const opaque_names[2] = {"household", "employer"};

/* The trimmed string of an opaque identifier remembered by its id (set
 * `which` of g->opaque); PC_ERR_DATA, naming both, when another string seen
 * here has the same id: they must not become one household or employer. */
static int opaque_seen(pc_ingest *g, int which, const pc_field *f, uint64_t id, unsigned fi,
                       uint64_t line) {
  const char *s;
  size_t n;
  const pc_opaque_row *o;
  if (!id || pc_opaque_trim(f->p, f->len, &s, &n)) return 0;
  int rc = pc_opaque_set_add(&g->opaque[which], id, s, n, &o);
  if (rc != 1) return rc;
  return PC_ERROR(PC_ERR_DATA,
                  "%s:%llu: %s \"%.*s\" and %s \"%.*s\" give one internal id (a keyed-hash "
                  "collision): they would become one; make a new key file and rerun",
                  g->in[fi].path, (unsigned long long)line, opaque_names[which], (int)n, s,
                  opaque_names[which], (int)o->len, o->s);
}

static int take_person(pc_ingest *g, unsigned fi, uint64_t line, const pc_field *cells, void *arg,
                       char *text, int *err) {
  pc_buf *out = arg;
  pc_wperson w;
  int reason = pc_row_person(&g->chk, cells, &w.p, &w.id, text);
  if (reason) return reason;
  if ((*err = opaque_seen(g, 0, &cells[2], w.p.household, fi, line)) ||
      (*err = opaque_seen(g, 1, &cells[7], w.p.employer, fi, line)))
    return PC_R_OK;
  /* By type and number, as a stay keyed by the same document is (pc_ingest_stay). */
  w.p.pid = w.id.pid = pc_pid_of_doc(&g->key, w.id.id_type, w.id.subject,
                                     strnlen(w.id.subject, sizeof w.id.subject));
  w.origin = pc_origin_of(fi, line);
  if ((*err = pc_buf_grow(out, 1))) return PC_R_OK;
  ((pc_wperson *)out->data)[out->n++] = w;
  return PC_R_OK;
}

typedef struct wphone {
  uint64_t phone, pid, origin;
} wphone;
static int wphone_cmp(const void *pa, const void *pb) {
  const wphone *a = pa, *b = pb;
  if (a->phone != b->phone) return a->phone < b->phone ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

/* 1 when pid is among the first n persons (sorted by pid). */
static int find_in(const pc_ingest *g, size_t n, uint64_t pid) {
  return pc_ingest_find_u64(g->persons.data, n, sizeof(pc_wperson), pid) < n;
}

int pc_ingest_find_person(const pc_ingest *g, uint64_t pid) { return find_in(g, g->persons.n, pid); }

/* Persons rows read in rounds, each to the owner of its pid: the persons
 * files one after the other, in the config's order (as read_stays does). */
static int read_persons(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  pc_buf batch;
  pc_buf_init(&batch, sizeof(pc_wperson));
  const size_t R = pc_ctx_round_bytes(ctx) / sizeof(pc_wperson) + 1;
  uint64_t total = 0, before = 0; /* lines of this rank's ranges, for progress */
  for (int f = 1; f < g->persons1; f++) total += g->in[f].f.nlines;
  /* Room at once for a round's rows and for the persons this rank will own
   * (about as many as it reads: owners are by the pid's hash). Grown a row
   * at a time, both were copied at every growth - realloc in the heap, not
   * remapped - a sixth of rank 0's time over a persons file (perf). Room not
   * written is not resident; past the estimate they grow as before. */
  int fi = 1, more = 1, rc = pc_buf_reserve(&batch, (total < R ? (size_t)total : R) + 1);
  if (!rc) rc = pc_buf_reserve(&g->persons, g->persons.n + total + total / 16 + 1024);
  /* At most one household and one employer a row. */
  for (int k = 0; k < 2 && !rc; k++) rc = pc_opaque_set_reserve(&g->opaque[k], (size_t)total + 1);
  PC_CALLG(pc_agree(ctx, rc), done);
  for (uint64_t r = 0; more; r++) {
    batch.n = 0;
    while (!rc && fi < g->persons1 && batch.n < R) {
      int done = 0;
      rc = pc_ingest_read_rows(g, (unsigned)fi, R - batch.n, take_person, &batch, &done);
      if (done) before += g->in[fi].f.nlines, fi++;
    }
    PC_CALLG(pc_agree(ctx, rc), done);
    PC_CALLG(pc_ingest_shuffle(g, batch.data, batch.n, sizeof(pc_wperson), pc_ingest_owner_first,
                               &g->persons), done);
    PC_CALLG(pc_ingest_more_rounds(ctx, fi < g->persons1, &more), done);
    uint64_t now = before + (fi < g->persons1 ? g->in[fi].f.next_line : 0);
    pc_progress(ctx, now < total ? now : total, total);
  }
done: /* the round's buffer, on failure too (a rejected file ends the job) */
  pc_buf_free(&batch);
  return rc;
}

/* A later row of a kept person, held until the phones are settled: the kept
 * row's origin, the pid, the row's origin, 1 when it says something else
 * than the kept row (a phone, a household...) that is not taken. */
typedef struct wdup {
  uint64_t first, pid, origin, other;
} wdup;

/* SPEC: a second row of a person conflicts when it disagrees on birth date,
 * sex or region (one unknown, 0, disagrees with nothing); the names of the
 * attributes that disagree go to why ("" when none). */
static void person_disagrees(const pc_person *a, const pc_person *b, char *why, size_t cap) {
  why[0] = 0;
  if (a->birth_date && b->birth_date && a->birth_date != b->birth_date)
    snprintf(why + strlen(why), cap - strlen(why), "%sbirth date", *why ? ", " : "");
  if (a->sex && b->sex && a->sex != b->sex)
    snprintf(why + strlen(why), cap - strlen(why), "%ssex", *why ? ", " : "");
  if (a->region && b->region && a->region != b->region)
    snprintf(why + strlen(why), cap - strlen(why), "%sregion", *why ? ", " : "");
}

/* The first row of each ID number (files in the config's order, then lines)
 * is kept. A later row that disagrees on birth date, sex or region is a
 * conflict naming the kept row's file and line; any other is a duplicate,
 * whatever else it says (phone, household, employer, sector, doses: the
 * first row's stand), unless the person is dropped below for a phone
 * conflict: then every copy is that conflict (held in dups till then). */
static int keep_first_rows(pc_ingest *g, pc_buf *dups) {
  pc_ctx *ctx = g->ctx;
  int rc = 0;
  pc_wperson *w = g->persons.data;
  PC_CALL(pc_agree(ctx,
                   pc_sort_rows_inplace(w, g->persons.n, sizeof *w, g->p0, g->p1, pc_wperson_cmp)));
  size_t k = 0;
  for (size_t i = 0; i < g->persons.n && !rc; i++) {
    if (k && w[k - 1].p.pid == w[i].p.pid) {
      if (memcmp(w[k - 1].id.subject, w[i].id.subject, sizeof w[i].id.subject) ||
          w[k - 1].id.id_type != w[i].id.id_type) {
        rc = PC_ERROR(PC_ERR_DATA, "two ID numbers share one pid (a 64-bit hash collision): make "
                      "a new key file and rerun");
        break;
      }
      char why[40];
      person_disagrees(&w[k - 1].p, &w[i].p, why, sizeof why);
      const uint64_t first = w[k - 1].origin;
      if (!why[0]) {
        const int other = memcmp(&w[k - 1].p, &w[i].p, sizeof w[i].p) ||
                          memcmp(&w[k - 1].id, &w[i].id, sizeof w[i].id);
        if (!(rc = pc_buf_grow(dups, 1)))
          ((wdup *)dups->data)[dups->n++] = (wdup){first, w[i].p.pid, w[i].origin, other != 0};
      } else {
        rc = pc_ingest_reject_later(g, w[i].origin, PC_R_CONFLICT,
                                    "%s already on %s:%llu with another %s",
                                    w[i].id.id_type == PC_DOC_ID_CARD ? "ID number" : "document",
                                    g->in[pc_origin_file(first)].name,
                                    (unsigned long long)pc_origin_line(first), why);
      }
      continue;
    }
    w[k++] = w[i];
  }
  g->persons.n = k;
  return pc_agree(ctx, rc);
}

/* Phones: each registered to one person; a later row claiming a phone
 * already registered is rejected whole: its person goes to drop as
 * (pid, origin of the phone's first row), at the owner of the phone. */
static int register_phones(pc_ingest *g, pc_buf *drop) {
  pc_ctx *ctx = g->ctx;
  const pc_wperson *w = g->persons.data;
  const size_t k = g->persons.n;
  int rc = 0;
  pc_buf ph;
  pc_buf_init(&ph, sizeof(wphone));
  for (size_t i = 0; i < k && !rc; i++) {
    uint64_t phone;
    if (!w[i].id.phone[0] || !pc_phone_valid(w[i].id.phone, 11, &phone)) continue;
    if ((rc = pc_buf_grow(&ph, 1))) break;
    ((wphone *)ph.data)[ph.n++] = (wphone){phone, w[i].p.pid, w[i].origin};
  }
  PC_CALL(pc_agree(ctx, rc));
  pc_buf mine;
  pc_buf_init(&mine, sizeof(wphone));
  rc = pc_ingest_shuffle(g, ph.data, ph.n, sizeof(wphone), pc_ingest_owner_phone, &mine);
  pc_buf_free(&ph);
  PC_CALL(rc);
  wphone *m = mine.data;
  rc = pc_ingest_sort_u64(m, mine.n, sizeof *m, wphone_cmp);
  if (!rc) rc = pc_buf_reserve(&g->phones, mine.n + 1);
  if ((rc = pc_agree(ctx, rc))) {
    pc_buf_free(&mine);
    return rc;
  }
  pc_idpair *tab = g->phones.data;
  size_t t = 0;
  uint64_t first = 0; /* origin of the row that registered the phone */
  for (size_t i = 0; i < mine.n && !rc; i++) {
    if (t && tab[t - 1].a == m[i].phone) {
      rc = pc_ingest_reject_later(g, m[i].origin, PC_R_CONFLICT,
                                  "phone already registered to the person on %s:%llu",
                                  g->in[pc_origin_file(first)].name,
                                  (unsigned long long)pc_origin_line(first));
      if (!rc && !(rc = pc_buf_grow(drop, 1)))
        ((pc_idpair *)drop->data)[drop->n++] = (pc_idpair){m[i].pid, first};
      continue;
    }
    tab[t++] = (pc_idpair){m[i].phone, m[i].pid};
    first = m[i].origin;
  }
  g->phones.n = t;
  pc_buf_free(&mine);
  return pc_agree(ctx, rc);
}

/* The persons of drop leave (at their owners); their later rows that agree
 * are that conflict too, the others' duplicates. */
static int drop_persons(pc_ingest *g, pc_buf *drop, pc_buf *dups) {
  pc_ctx *ctx = g->ctx;
  pc_wperson *w = g->persons.data;
  pc_buf gone;
  pc_buf_init(&gone, sizeof(pc_idpair));
  int rc =
      pc_ingest_shuffle(g, drop->data, drop->n, sizeof(pc_idpair), pc_ingest_owner_first, &gone);
  pc_buf_free(drop);
  PC_CALL(rc);
  pc_idpair *drops = gone.data;
  pc_ingest_sort(drops, gone.n, sizeof *drops, pc_idpair_cmp);
  size_t q = 0, kk = 0;
  for (size_t i = 0; i < g->persons.n; i++) {
    while (q < gone.n && drops[q].a < w[i].p.pid) q++;
    if (q < gone.n && drops[q].a == w[i].p.pid) continue;
    w[kk++] = w[i];
  }
  g->persons.n = kk;
  const wdup *d = dups->data;
  q = 0;
  for (size_t i = 0; i < dups->n && !rc; i++) {
    while (q < gone.n && drops[q].a < d[i].pid) q++;
    if (q < gone.n && drops[q].a == d[i].pid)
      rc = pc_ingest_reject_later(g, d[i].origin, PC_R_CONFLICT,
                                  "phone already registered to the person on %s:%llu",
                                  g->in[pc_origin_file(drops[q].b)].name,
                                  (unsigned long long)pc_origin_line(drops[q].b));
    else
      rc = pc_ingest_reject_later(g, d[i].origin, PC_R_DUPLICATE, "same person as %s:%llu%s",
                                  g->in[pc_origin_file(d[i].first)].name,
                                  (unsigned long long)pc_origin_line(d[i].first),
                                  d[i].other ? " (that row is kept; this one differs)" : "");
  }
  pc_buf_free(&gone);
  pc_buf_free(dups);
  return pc_agree(ctx, rc);
}

/* Every rank's households and employers, each id at one owner (by its
 * hash): two strings with one id anywhere in the files stop the run. */
static int opaque_check(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  for (int which = 0; which < 2; which++) {
    pc_opaque_set *set = &g->opaque[which];
    pc_buf all;
    pc_buf_init(&all, sizeof(pc_opaque_row));
    int rc = pc_ingest_shuffle(g, pc_opaque_set_rows(set), set->n, sizeof(pc_opaque_row),
                               pc_ingest_owner_phone, &all);
    pc_opaque_set_free(set);
    PC_CALL(rc);
    pc_opaque_row *r = all.data;
    size_t i = all.n;
    rc = pc_opaque_collision(r, all.n, &i);
    if (!rc && i < all.n)
      rc = PC_ERROR(PC_ERR_DATA,
                    "%s: %s \"%.*s\" and %s \"%.*s\" give one internal id (a keyed-hash "
                    "collision): they would become one; make a new key file and rerun",
                    g->persons1 == 2 ? g->in[1].path : "the persons files", opaque_names[which],
                    (int)r[i].len, r[i].s,
                    opaque_names[which], (int)r[i + 1].len, r[i + 1].s);
    pc_buf_free(&all);
    PC_CALL(pc_agree(ctx, rc));
  }
  return 0;
}

static int take_owner(pc_ingest *g, unsigned fi, uint64_t line, const pc_field *cells,
                      void *arg, char *text, int *err) {
  pc_buf *out = arg;
  pc_wowner w;
  memset(&w, 0, sizeof w);
  int type;
  char number[PC_SUBJECT_LEN + 1];
  int reason = pc_row_owner(&g->chk, cells, &w.phone, &type, number, text);
  if (reason) return reason;
  const size_t n = strlen(number);
  w.type = (uint8_t)type;
  memcpy(w.number, number, n);
  w.pid = pc_pid_of_doc(&g->key, type, number, n);
  w.origin = pc_origin_of(fi, line);
  if ((*err = pc_buf_grow(out, 1))) return PC_R_OK;
  ((pc_wowner *)out->data)[out->n++] = w;
  return PC_R_OK;
}

static int wowner_cmp(const void *pa, const void *pb) {
  const pc_wowner *a = pa, *b = pb;
  if (a->phone != b->phone) return a->phone < b->phone ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

/* The pid the persons files registered phone to, or 0 (g->phones sorted by phone). */
static uint64_t registered_to(const pc_ingest *g, uint64_t phone) {
  size_t a = pc_ingest_find_u64(g->phones.data, g->phones.n, sizeof(pc_idpair), phone);
  return a < g->phones.n ? ((const pc_idpair *)g->phones.data)[a].b : 0;
}

/* At the phones' owners: each phone keeps its first owner (the persons files
 * first, then the owners file by line); a later row naming the same owner is a
 * duplicate, another owner a conflict. The kept ones join g->phones. */
static int owners_keep(pc_ingest *g, pc_wowner *m, size_t n) {
  int rc = pc_buf_reserve(&g->owners, n + 1);
  if (!rc) rc = pc_buf_reserve(&g->phones, g->phones.n + n + 1);
  for (size_t i = 0; i < n && !rc; i++) {
    const uint64_t reg = registered_to(g, m[i].phone);
    const pc_wowner *prev = g->owners.n ? (const pc_wowner *)g->owners.data + g->owners.n - 1 : NULL;
    if (reg)
      rc = pc_ingest_reject_later(g, m[i].origin, reg == m[i].pid ? PC_R_DUPLICATE : PC_R_CONFLICT,
                                  reg == m[i].pid ? "the persons files register this phone to the "
                                                    "same person"
                                                  : "the persons files register this phone to "
                                                    "another person");
    else if (prev && prev->phone == m[i].phone)
      rc = pc_ingest_reject_later(g, m[i].origin,
                                  prev->pid == m[i].pid ? PC_R_DUPLICATE : PC_R_CONFLICT,
                                  "phone already given to %s owner on line %llu",
                                  prev->pid == m[i].pid ? "the same" : "another",
                                  (unsigned long long)pc_origin_line(prev->origin));
    else
      ((pc_wowner *)g->owners.data)[g->owners.n++] = m[i];
  }
  for (size_t i = 0; i < g->owners.n && !rc; i++) {
    const pc_wowner *o = (const pc_wowner *)g->owners.data + i;
    ((pc_idpair *)g->phones.data)[g->phones.n++] = (pc_idpair){o->phone, o->pid};
  }
  if (!rc) rc = pc_ingest_sort_u64(g->phones.data, g->phones.n, sizeof(pc_idpair), pc_idpair_cmp);
  return rc;
}

/* input.phone_owners, when given: read in rounds, each row at the owner of
 * its phone, kept there (owners_keep). Collective, agreed. */
static int owners_load(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  if (g->persons1 == g->stays0) return 0; /* none given (every rank alike) */
  pc_buf batch, mine;
  pc_buf_init(&batch, sizeof(pc_wowner));
  pc_buf_init(&mine, sizeof(pc_wowner));
  const size_t R = pc_ctx_round_bytes(ctx) / sizeof(pc_wowner) + 1;
  int more = 1, done = 0, rc = 0;
  while (more && !rc) {
    batch.n = 0;
    if (!done) rc = pc_ingest_read_rows(g, (unsigned)g->persons1, R, take_owner, &batch, &done);
    if ((rc = pc_agree(ctx, rc))) break;
    if ((rc = pc_ingest_shuffle(g, batch.data, batch.n, sizeof(pc_wowner), pc_ingest_owner_phone,
                                &mine)))
      break;
    rc = pc_ingest_more_rounds(ctx, !done, &more);
  }
  pc_buf_free(&batch);
  if (!rc) {
    rc = pc_ingest_sort_u64(mine.data, mine.n, sizeof(pc_wowner), wowner_cmp);
    if (!rc) rc = owners_keep(g, mine.data, mine.n);
    rc = pc_agree(ctx, rc);
  }
  pc_buf_free(&mine);
  return rc;
}

int pc_ingest_persons_load(pc_ingest *g) {
  pc_buf dups, drop; /* dups: wdup, in pid order */
  pc_buf_init(&dups, sizeof(wdup));
  pc_buf_init(&drop, sizeof(pc_idpair));
  PC_CALL(read_persons(g));
  PC_CALL(opaque_check(g));
  PC_CALL(keep_first_rows(g, &dups));
  PC_CALL(register_phones(g, &drop));
  PC_CALL(drop_persons(g, &drop, &dups));
  return owners_load(g);
}

static size_t unique_pairs(pc_idpair *p, size_t n) {
  pc_ingest_sort(p, n, sizeof *p, pc_idpair_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!k || p[k - 1].a != p[i].a || p[k - 1].b != p[i].b) p[k++] = p[i];
  return k;
}

/* Documents other than the ID card the stays named, gathered at their pids'
 * owners: those the registry lacks become persons of their own (appended
 * after the n0 registered ones: visitors_add sorts them in; their birth date and sex when
 * the document holds them). */
static int doc_visitors(pc_ingest *g, size_t n0) {
  pc_ctx *ctx = g->ctx;
  pc_buf all;
  pc_buf_init(&all, sizeof(pc_opaque_row));
  int rc = pc_ingest_shuffle(g, pc_opaque_set_rows(&g->docs), g->docs.n, sizeof(pc_opaque_row),
                             pc_ingest_owner_first, &all);
  pc_opaque_set_free(&g->docs);
  PC_CALL(rc);
  pc_opaque_row *r = all.data;
  size_t at = all.n;
  rc = pc_opaque_collision(r, all.n, &at); /* sorts r by pid */
  if (!rc && at < all.n)
    rc = PC_ERROR(PC_ERR_DATA, "two documents share one pid (a 64-bit hash collision): make a "
                  "new key file and rerun");
  if (!rc) rc = pc_buf_reserve(&g->persons, g->persons.n + all.n + 1);
  for (size_t i = 0; i < all.n && !rc; i++) {
    if ((i && r[i - 1].id == r[i].id) || find_in(g, n0, r[i].id)) continue;
    pc_wperson *w = (pc_wperson *)g->persons.data + g->persons.n++;
    memset(w, 0, sizeof *w);
    w->p.pid = w->id.pid = r[i].id;
    w->p.flags = w->id.flags = PC_PERSON_VISITOR;
    w->id.id_type = (uint8_t)r[i].s[0];
    memcpy(w->id.subject, r[i].s + 1, r[i].len - 1);
    char number[PC_SUBJECT_LEN + 1] = {0};
    memcpy(number, r[i].s + 1, r[i].len - 1);
    int32_t born;
    int sex;
    if (pc_doc_birth_sex(w->id.id_type, number, &born, &sex))
      w->p.birth_date = born, w->p.sex = (uint8_t)sex;
  }
  pc_buf_free(&all);
  return pc_agree(ctx, rc);
}

/* The (pid, x) pairs of src gathered at the owners of their pids, unique and
 * sorted, into out (src freed). Collective, agreed. */
static int gather_pairs(pc_ingest *g, pc_buf *src, pc_buf *out) {
  int rc = pc_ingest_shuffle(g, src->data, src->n, sizeof(pc_idpair), pc_ingest_owner_first, out);
  pc_buf_free(src);
  PC_CALL(rc);
  out->n = unique_pairs(out->data, out->n);
  return 0;
}

/* The phones the owners' file gave to owners who became visitors: in their
 * /identities rows (a case named by the phone finds them); persons sorted. */
static int owner_phones(pc_ingest *g) {
  pc_buf mine;
  pc_buf_init(&mine, sizeof(pc_idpair));
  PC_CALL(gather_pairs(g, &g->owner_phones, &mine));
  const pc_idpair *op = mine.data;
  pc_wperson *w = g->persons.data;
  for (size_t i = 0; i < mine.n; i++) {
    size_t k = pc_ingest_find_u64(w, g->persons.n, sizeof *w, op[i].a);
    if (k < g->persons.n && (w[k].p.flags & PC_PERSON_VISITOR) && !w[k].id.phone[0])
      pc_phone_format(op[i].b, w[k].id.phone);
  }
  pc_buf_free(&mine);
  return 0;
}

/* Unregistered ID numbers, documents and phones: persons of their own, flagged. */
int pc_ingest_visitors_add(pc_ingest *g, uint64_t *nvis) {
  pc_ctx *ctx = g->ctx;
  const size_t nreg = g->persons.n;
  PC_CALL(doc_visitors(g, nreg));
  /* An ID number seen in a stay and also as a phone's owner is made once. */
  PC_CALL(pc_agree(ctx, pc_sort_rows_inplace(g->persons.data, g->persons.n, sizeof(pc_wperson),
                                             g->p0, g->p1, pc_wperson_cmp)));
  PC_CALL(owner_phones(g));
  size_t kept = 0;
  pc_idpair *idv = g->id_visitors.data;
  for (size_t i = 0; i < g->id_visitors.n; i++)
    if (!find_in(g, g->persons.n, idv[i].a)) idv[kept++] = idv[i];
  g->id_visitors.n = kept;
  g->phone_visitors.n = unique_pairs(g->phone_visitors.data, g->phone_visitors.n);
  pc_buf pv;
  pc_buf_init(&pv, sizeof(pc_idpair));
  PC_CALL(gather_pairs(g, &g->phone_visitors, &pv));
  int rc = 0;
  pc_idpair *iv = g->id_visitors.data, *ph = pv.data;
  size_t ni = unique_pairs(iv, g->id_visitors.n), np = pv.n;
  PC_CALL(pc_agree(ctx, pc_buf_reserve(&g->persons, g->persons.n + ni + np + 1)));
  for (size_t i = 0; i < ni + np && !rc; i++) {
    const pc_idpair *v = i < ni ? &iv[i] : &ph[i - ni];
    if ((i < ni && i && iv[i - 1].a == v->a) || (i >= ni && i > ni && ph[i - ni - 1].a == v->a) ||
        (i >= ni && pc_ingest_find_person(g, v->a))) {
      rc = PC_ERROR(PC_ERR_DATA, "two subjects share one pid (a 64-bit hash collision): make a "
                    "new key file and rerun");
      break;
    }
    pc_wperson *w = (pc_wperson *)g->persons.data + g->persons.n++;
    memset(w, 0, sizeof *w);
    w->p.pid = w->id.pid = v->a;
    w->p.flags = w->id.flags = PC_PERSON_VISITOR;
    if (i < ni) { /* an ID number: its birth date and sex are known */
      pc_ingest_id_unpack(v->b, w->id.subject);
      w->p.birth_date = pc_idnum_birth(w->id.subject);
      w->p.sex = (uint8_t)pc_idnum_sex(w->id.subject);
    } else {
      pc_phone_format(v->b, w->id.subject);
      pc_phone_format(v->b, w->id.phone);
      w->id.id_type = PC_DOC_PHONE;
    }
  }
  pc_buf_free(&pv);
  pc_buf_free(&g->id_visitors);
  PC_CALL(pc_agree(ctx, rc));
  *nvis = g->persons.n - nreg;
  return pc_agree(ctx, pc_sort_rows_inplace(g->persons.data, g->persons.n, sizeof(pc_wperson),
                                            g->p0, g->p1, pc_wperson_cmp));
}
