/* pc_ingest_stay.c - ingest's stays: read in rounds, phones resolved at their owners, sorted, duplicates out. */
#include "pc_ingest_stay.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_doc.h"
#include "pc_ingest_input.h"
#include "pc_ingest_person.h"
#include "pc_ingest_reject.h"
#include "pc_sort.h"

/* Local: the place of s in g->places, its region the smallest seen;
 * PC_ERR_DATA when two names give one place id. */
static int place_seen(pc_ingest *g, const pc_instay *s) {
  pc_buf *b = &g->places;
  if (2 * (b->n + 1) > b->cap) { /* grow to twice, rehash */
    size_t cap = b->cap ? 2 * b->cap : 1 << 16;
    pc_pslot *t = pc_calloc(cap, sizeof *t, "places seen");
    if (!t) return PC_ERR_MEM;
    pc_pslot *o = b->data;
    for (size_t i = 0; i < b->cap; i++) {
      if (!o[i].id) continue;
      size_t h = pc_mix64(o[i].id) & (cap - 1);
      while (t[h].id) h = (h + 1) & (cap - 1);
      t[h] = o[i];
    }
    free(b->data);
    b->data = t;
    b->cap = cap;
  }
  pc_pslot *t = b->data;
  size_t h = pc_mix64(s->place) & (b->cap - 1);
  while (t[h].id && t[h].id != s->place) h = (h + 1) & (b->cap - 1);
  /* The name's check: its length and, for a short name, the name itself;
   * a long one's hash (names longer than /places keeps are rare). */
  const int longname = s->place_len >= PC_PLACE_NAME_LEN;
  uint64_t nh = longname ? pc_place_key(0, s->place_name, s->place_len, 0) : s->place_len;
  if (t[h].id) {
    if (t[h].nh != nh || (!longname && memcmp(t[h].name, s->place_name, s->place_len)))
      return PC_ERROR(PC_ERR_DATA, "two place names give one place id (a 56-bit hash collision "
                      "between \"%.40s\" and \"%.*s\"): they would become one place", t[h].name,
                      (int)s->place_len, s->place_name); /* the name is not NUL-terminated */
    if (s->region < t[h].region) t[h].region = s->region;
    return 0;
  }
  t[h].id = s->place;
  t[h].nh = nh;
  t[h].region = s->region;
  memset(t[h].name, 0, sizeof t[h].name);
  size_t n = s->place_len < PC_PLACE_NAME_LEN - 1 ? s->place_len : PC_PLACE_NAME_LEN - 1;
  /* whole UTF-8 chars */
  while (n > 0 && (s->place_name[n] & 0xc0) == 0x80 && n < s->place_len) n--;
  memcpy(t[h].name, s->place_name, n);
  b->n++;
  return 0;
}

static int take_stay(pc_ingest *g, unsigned fi, uint64_t line, const pc_field *cells, void *arg,
                     char *text, int *err) {
  pc_buf *out = arg;
  pc_instay s;
  int reason = pc_row_stay(&g->chk, cells, &s, text);
  if (reason) return reason;
  g->in[fi].clipped += s.clipped;
  g->in[fi].seat_unknown += s.seat_unknown;
  if ((*err = pc_buf_grow(out, 1))) return PC_R_OK;
  /* A place whose name the reader's memo met again (95 % of a city's rows)
   * was checked against the table when its slot was filled: the table is
   * looked at again only for a region below the one recorded then (a probe
   * of a table of megabytes, a cache miss a row, was half of take_stay). */
  pc_place_checked *seen = s.memo >= 0 ? &g->place_checked[s.memo] : NULL;
  if (seen && s.memo_new) seen->place = 0;
  if (!seen || seen->place != s.place || s.region < seen->region) {
    if ((*err = place_seen(g, &s))) return PC_R_OK;
    if (seen) seen->place = s.place, seen->region = s.region;
  }
  pc_wstay *w = (pc_wstay *)out->data + out->n++;
  memset(w, 0, sizeof *w);
  if (s.subject_type == PC_DOC_PHONE) {
    w->c.pid = s.phone;
  } else if (s.subject_type == PC_DOC_ID_CARD) {
    w->c.pid = pc_pid_of_idnum(&g->key, s.subject);
    w->subj = pc_ingest_id_pack(s.subject);
  } else { /* another document: its number goes to the pid's owner on its own (a visitor?) */
    const size_t n = strlen(s.subject);
    w->c.pid = pc_pid_of_doc(&g->key, s.subject_type, s.subject, n);
    w->subj = PC_SUBJ_DOC;
    if ((*err = pc_ingest_doc_seen(g, w->c.pid, s.subject_type, s.subject, n))) return PC_R_OK;
  }
  w->c.place = s.place;
  w->c.start = (uint32_t)(s.start - g->chk.window_start);
  w->c.dur = (uint32_t)(s.end - s.start);
  w->c.rcr = s.region << 24 | (uint64_t)s.carriage << 16 | (uint16_t)s.row;
  w->c.origin = pc_origin_of(fi, line);
  return PC_R_OK;
}

static int phone_owner_pid(const pc_ingest *g, uint64_t phone, uint64_t *pid) {
  size_t a = pc_ingest_find_u64(g->phones.data, g->phones.n, sizeof(pc_idpair), phone);
  if (a < g->phones.n) {
    *pid = ((const pc_idpair *)g->phones.data)[a].b;
    return 1;
  }
  *pid = pc_pid_of_phone(&g->key, phone);
  return 0;
}

/* A phone input.phone_owners gives an owner: the owner's document, to make
 * them a person of their own when the registry lacks them (visitors_add). */
static int owner_seen(pc_ingest *g, uint64_t phone) {
  const pc_wowner *o = g->owners.data;
  size_t a = pc_ingest_find_u64(o, g->owners.n, sizeof *o, phone);
  if (a == g->owners.n) return 0; /* a persons file's phone */
  PC_CALL(pc_buf_grow(&g->owner_phones, 1));
  ((pc_idpair *)g->owner_phones.data)[g->owner_phones.n++] = (pc_idpair){o[a].pid, phone};
  return pc_ingest_doc_seen(g, o[a].pid, o[a].type, o[a].number,
                            strnlen(o[a].number, sizeof o[a].number));
}

/* The pids of this round's phones: each distinct phone asks its owner once
 * (16 bytes there and back instead of moving the stays twice); the owner
 * answers from its phone table, or makes the phone a visitor. The distinct
 * phones are found by a dictionary (a stay's phone its index there, a run of
 * one phone's stays looked up once) and asked in ascending order; only they
 * are sorted, not every stay's phone. Collective. */
static int resolve_phones(pc_ingest *g, pc_wstay *w, size_t n) {
  pc_ctx *ctx = g->ctx;
  pc_dict *d = &g->round_phones;
  pc_dict_clear(d);
  int rc = pc_buf_reserve(&g->phone_at, n + 1);
  uint32_t *at = g->phone_at.data, last_at = UINT32_MAX;
  uint64_t last = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (w[i].subj) continue;
    if (last_at == UINT32_MAX || w[i].c.pid != last) {
      last = w[i].c.pid;
      rc = pc_dict_put(d, last, &last_at);
    }
    at[i] = last_at;
  }
  size_t nu = rc ? 0 : d->n;
  if (!rc) rc = pc_buf_reserve(&g->scratch, 4 * (nu + 1));
  /* u: the distinct phones sorted; tmp, then q (the requests, 2 words
   * each) after the sort; pid_of: each distinct phone's pid, by its index in d */
  uint64_t *u = g->scratch.data, *tmp = u + nu + 1, *pid_of = u + 3 * (nu + 1);
  pc_idpair *q = (pc_idpair *)tmp;
  if (!rc) {
    if (nu) memcpy(u, d->v, nu * sizeof *u); /* d->v is NULL while the dictionary is empty */
    pc_sort_u64(u, tmp, nu); /* sorted into u */
    /* requests: (phone, rank << 32 | index); answers: (rank << 32 | index, pid) */
    for (size_t i = 0; i < nu; i++) q[i] = (pc_idpair){u[i], (uint64_t)pc_rank(ctx) << 32 | i};
  }
  pc_buf *gotp = &g->got, *ansp = &g->ans; /* kept between rounds */
  gotp->n = ansp->n = 0;
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(pc_ingest_shuffle(g, q, nu, sizeof *q, pc_ingest_owner_phone, gotp), out);
  pc_idpair *r = gotp->data;
  for (size_t i = 0; i < gotp->n && !rc; i++) {
    uint64_t pid;
    if (!phone_owner_pid(g, r[i].a, &pid) && !(rc = pc_buf_grow(&g->phone_visitors, 1)))
      ((pc_idpair *)g->phone_visitors.data)[g->phone_visitors.n++] = (pc_idpair){pid, r[i].a};
    else if (!rc)
      rc = owner_seen(g, r[i].a);
    r[i].a = r[i].b;
    r[i].b = pid;
  }
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(
      pc_ingest_shuffle(g, gotp->data, gotp->n, sizeof(pc_idpair), pc_ingest_answer_rank, ansp),
      out);
  r = ansp->data;
  for (size_t i = 0; i < ansp->n; i++) q[r[i].a & 0xffffffffu].b = r[i].b;
  for (size_t i = 0; i < nu; i++) pid_of[pc_dict_find(d, q[i].a)] = q[i].b;
  for (size_t i = 0; i < n; i++)
    if (!w[i].subj) w[i].c.pid = pid_of[at[i]];
out:
  return rc;
}

/* A stay by ID number whose person the registry (this rank's part, the
 * owner's) lacks: a visitor, its number kept for /identities. */
static int visitor_seen(pc_ingest *g, uint64_t pid, uint64_t subj) {
  if (!subj || subj == PC_SUBJ_DOC || pc_ingest_find_person(g, pid)) return 0;
  PC_CALL(pc_buf_grow(&g->id_visitors, 1));
  ((pc_idpair *)g->id_visitors.data)[g->id_visitors.n++] = (pc_idpair){pid, subj};
  return 0;
}

/* A round's buffers, kept between rounds: the stays for the other ranks
 * (pc_cstay, grouped by owner) and every stay's owner (int); the persons
 * named by ID number among them (pc_idpair: pid, packed number) and their
 * owners (int); what the two exchanges bring. */
typedef struct ship {
  pc_buf send, dest, ids, idest, recv, idrecv;
  size_t *pos; /* per rank: where its group of send begins, then fills (P) */
} ship;

/* The round's stays w[0..n) at the owners of their pids: this rank's own
 * straight into g->stays; the others' as the 40-byte rows g->stays holds,
 * grouped by owner, so that the exchange sends them from where they are;
 * the numbers of the persons named by ID (0.3 % of a city's rows: the
 * owner tells visitors by them) on their own, once per run of one person.
 * Sent whole, a stay's 48 bytes were copied into a send window, across, and
 * into g->stays; now a rank's own are copied once, the others' three times
 * in 40 bytes. Rows land in another order than one exchange gave: the sort
 * orders them whole (file and line break every tie). Collective, agreed. */
static int ship_stays(pc_ingest *g, const pc_wstay *w, size_t n, ship *b) {
  pc_ctx *ctx = g->ctx;
  const int P = pc_nranks(ctx), me = pc_rank(ctx);
  size_t *pos = b->pos;
  b->ids.n = b->idest.n = b->recv.n = b->idrecv.n = 0;
  int rc = pc_buf_reserve(&b->dest, n + 1);
  int *dest = b->dest.data;
  for (int p = 0; p < P; p++) pos[p] = 0;
  for (size_t i = 0; i < n && !rc; i++) pos[dest[i] = PC_OWNER(w[i].c.pid, P)]++;
  size_t nsend = 0;
  for (int p = 0; p < P && !rc; p++) { /* counts become starts; this rank's group is none */
    const size_t c = p == me ? 0 : pos[p];
    pos[p] = nsend;
    nsend += c;
  }
  if (!rc) rc = pc_buf_reserve(&b->send, nsend + 1);
  if (!rc) rc = pc_buf_grow(&g->stays, n - nsend); /* the round's room at once */
  pc_cstay *send = b->send.data, *keep = g->stays.data;
  uint64_t last = 0; /* the pid of the last stay by ID number (seen: one was) */
  int seen = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const int d = dest[i];
    if (d == me)
      keep[g->stays.n++] = w[i].c;
    else
      send[pos[d]++] = w[i].c;
    if (!w[i].subj || w[i].subj == PC_SUBJ_DOC || (seen && w[i].c.pid == last)) continue;
    last = w[i].c.pid, seen = 1; /* a person's run of stays asks once */
    if (d == me) {
      rc = visitor_seen(g, w[i].c.pid, w[i].subj);
    } else if (!(rc = pc_buf_grow(&b->ids, 1)) && !(rc = pc_buf_grow(&b->idest, 1))) {
      ((pc_idpair *)b->ids.data)[b->ids.n++] = (pc_idpair){w[i].c.pid, w[i].subj};
      ((int *)b->idest.data)[b->idest.n++] = d;
    }
  }
  size_t k = 0; /* the owners of send's rows, in its order (pos[p]: where p's group ends) */
  for (int p = 0; p < P && !rc; p++)
    while (k < pos[p]) dest[k++] = p;
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_shuffle(ctx, b->send.data, nsend, sizeof(pc_cstay), dest, &b->recv, NULL));
  PC_CALL(pc_agree(ctx, pc_buf_grow(&g->stays, b->recv.n)));
  if (b->recv.n)
    memcpy((pc_cstay *)g->stays.data + g->stays.n, b->recv.data, b->recv.n * sizeof(pc_cstay));
  g->stays.n += b->recv.n;
  PC_CALL(pc_shuffle(ctx, b->ids.data, b->ids.n, sizeof(pc_idpair), b->idest.data, &b->idrecv,
                     NULL));
  const pc_idpair *v = b->idrecv.data;
  for (size_t i = 0; i < b->idrecv.n && !rc; i++) rc = visitor_seen(g, v[i].a, v[i].b);
  return pc_agree(ctx, rc);
}

static int read_stays(pc_ingest *g) {
  pc_ctx *ctx = g->ctx;
  pc_buf batch;
  pc_buf_init(&batch, sizeof(pc_wstay));
  ship b;
  pc_buf_init(&b.send, sizeof(pc_cstay));
  pc_buf_init(&b.dest, sizeof(int));
  pc_buf_init(&b.ids, sizeof(pc_idpair));
  pc_buf_init(&b.idest, sizeof(int));
  pc_buf_init(&b.recv, sizeof(pc_cstay));
  pc_buf_init(&b.idrecv, sizeof(pc_idpair));
  b.pos = pc_calloc((size_t)pc_nranks(ctx) + 1, sizeof *b.pos, "stays by owner");
  const size_t R = pc_ctx_round_bytes(ctx) / sizeof(pc_wstay) + 1;
  uint64_t total = 0, before = 0; /* lines of this rank's ranges, for progress */
  for (int f = g->stays0; f < g->nin; f++) total += g->in[f].f.nlines;
  /* A round's rows and what the exchange brings (about as many, a quarter
   * more for the ranks' differences) get their room before the first:
   * grown a half at a time, the first round copied its buffers at every
   * step into fresh pages - a fifth of a rank's time for the 200,000-person
   * CSV (perf: memcpy under realloc). The room never written is never
   * resident; a round that brings more still grows `recv`. The exchange
   * does not bring the stays straight into g->stays: tried (fa32795), the
   * copy after it went, but on this VM a page written only by the kernel's
   * cross-process copy (Open MPI's CMA) costs its first touch again when
   * the sort reads it (~1.5 s a GB): sort and write took 4.4 s longer a
   * rank at the city tier than the copy saved. */
  const size_t want = total < R ? (size_t)total + 1 : R;
  int fi = g->stays0, more = 1, rc = b.pos ? pc_buf_reserve(&batch, want) : PC_ERR_MEM;
  if (!rc) rc = pc_buf_reserve(&b.send, want);
  if (!rc) rc = pc_buf_reserve(&b.recv, want + want / 4 + 1024);
  PC_CALLG(pc_agree(ctx, rc), done);
  for (uint64_t r = 0; more; r++) {
    batch.n = 0;
    while (!rc && fi < g->nin && batch.n < R) {
      int done = 0;
      rc = pc_ingest_read_rows(g, (unsigned)fi, R - batch.n, take_stay, &batch, &done);
      if (done) before += g->in[fi].f.nlines, fi++;
    }
    PC_CALLG(pc_agree(ctx, rc), done);
    PC_CALLG(resolve_phones(g, batch.data, batch.n), done);
    PC_CALLG(ship_stays(g, batch.data, batch.n, &b), done);
    PC_CALLG(pc_ingest_more_rounds(ctx, fi < g->nin, &more), done);
    uint64_t now = before + (fi < g->nin ? g->in[fi].f.next_line : 0);
    pc_progress(ctx, now < total ? now : total, total);
  }
done: /* the round's buffers, on failure too (a rejected file ends the job) */
  pc_buf_free(&batch);
  pc_buf_free(&b.send);
  pc_buf_free(&b.dest);
  pc_buf_free(&b.ids);
  pc_buf_free(&b.idest);
  pc_buf_free(&b.recv);
  pc_buf_free(&b.idrecv);
  free(b.pos);
  return rc;
}

static int cstay_cmp(const void *pa, const void *pb) {
  const pc_cstay *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  if (a->place != b->place) return a->place < b->place ? -1 : 1;
  if (a->dur != b->dur) return a->dur < b->dur ? -1 : 1;
  if (a->rcr != b->rcr) return a->rcr < b->rcr ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

/* The rows the sort has made final, deduplicated as they come: an
 * identical stay reported again (by another agency or twice by one) is
 * kept once, the copies are rejects naming the first. */
typedef struct dedup {
  pc_ingest *g;
  size_t i, k; /* the next row to look at; rows kept */
  int rc;
  pc_ingest_kept_fn kept;
  void *arg;
} dedup;

static void dedup_upto(void *arg, size_t upto) {
  dedup *d = arg;
  pc_ingest *g = d->g;
  pc_cstay *c = g->stays.data;
  for (; d->i < upto && !d->rc; d->i++) {
    const size_t i = d->i, k = d->k;
    if (k && c[k - 1].pid == c[i].pid && c[k - 1].start == c[i].start &&
        c[k - 1].place == c[i].place && c[k - 1].dur == c[i].dur && c[k - 1].rcr == c[i].rcr) {
      g->dup_stays++;
      d->rc = pc_ingest_reject_later(g, c[i].origin, PC_R_DUPLICATE, "same stay as %s line %llu",
                                     g->in[pc_origin_file(c[k - 1].origin)].name,
                                     (unsigned long long)pc_origin_line(c[k - 1].origin));
      continue;
    }
    c[d->k++] = c[i];
  }
  if (d->kept) d->kept(d->arg, c, d->rc ? 0 : d->k, upto); /* told even after a failure */
}

int pc_ingest_stays_sort(pc_ingest *g, pc_ingest_kept_fn kept, void *arg) {
  dedup d = {.g = g, .kept = kept, .arg = arg};
  PC_CALL(pc_sort_rows_inplace_sub(g->stays.data, g->stays.n, sizeof(pc_cstay), g->p0, g->p1,
                                   offsetof(pc_cstay, start), cstay_cmp, dedup_upto, &d));
  g->stays.n = d.k;
  return d.rc;
}

int pc_ingest_stays_load(pc_ingest *g) {
  /* Reserve the rank's expected share (address space only until touched:
   * growing a big block moves pages, never copies them). */
  const uint64_t P = (uint64_t)pc_nranks(g->ctx);
  uint64_t sb = 0, lines = 0;
  for (int f = g->stays0; f < g->nin; f++) sb += g->in[f].f.size, lines += g->in[f].base[P];
  PC_CALL(pc_agree(g->ctx, pc_buf_reserve(&g->stays, (size_t)(sb / 40 / P) + 1024)));
  /* The pages of the rows this rank will keep (its share of the lines, the
   * pids spread evenly), faulted in at once in a sub-phase of their own, as
   * index does (docs/PERFORMANCE.md: one call against a fault a page, while
   * the other ranks of the node fault in theirs). */
  size_t share = (size_t)(lines / P + lines / P / 100);
  share = share < g->stays.cap ? share : g->stays.cap;
  PC_CALL(pc_phase_begin(g->ctx, "touch"));
  pc_prefault(g->stays.data, share * sizeof(pc_cstay));
  pc_phase_end(g->ctx, 0, share * sizeof(pc_cstay));
  return read_stays(g);
}
