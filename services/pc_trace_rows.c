/* pc_trace_rows.c - trace's output rows: codes, jurisdictions, identities, the sources' subjects, counts. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_agroup.h"
#include "pc_doc.h"
#include "pc_hash.h"
#include "pc_region.h"
#include "pc_sort.h"
#include "pc_time.h"
#include "pc_trace_rows.h"

/* Is class `cls` ("hop1", "companion") listed under codes.red? (rule 10) */
static int is_red(const pc_config *cfg, const char *cls) {
  for (size_t i = 0; i < pc_config_len(cfg, "codes.red"); i++)
    if (!strcmp(pc_config_str_at(cfg, "codes.red", i), cls)) return 1;
  return 0;
}
/* Rule 11 for every flagged person f[0..n) (sorted by pid) into jur[]: their
 * stays read by runs of nearby directory slots, one read each (a read per
 * person was most of assembling 316 k rows). Local. */
_Static_assert(offsetof(pc_trace_flag, pid) == 0, "pc_stays_slot_run reads the pid first");

typedef struct jur_arg {
  pc_tracer *t;
  const pc_trace_flag *f;
  int64_t at;
  int level;
  uint64_t *jur;
  size_t cur; /* in the rank's persons: f is sorted by pid */
} jur_arg;

static int jur_one(void *arg, size_t q, const pc_stay *s, size_t m) {
  jur_arg *J = arg;
  const pc_person *p = pc_trace_person_from(J->t, J->f[q].pid, &J->cur);
  J->jur[q] = pc_jurisdiction(s, m, J->at, p ? p->region : 0, J->level);
  return 0;
}

static int jurisdictions(pc_tracer *t, const pc_trace_flag *f, size_t n, int64_t at, int level,
                         uint64_t *jur) {
  /* The index's dispatch table when it is for this instant: each person's one
   * stay that counts (pc_cover_stay), 1/70 of the bytes of all their stays. */
  const pc_disptab *D = &t->pv.disp;
  const int table = pc_disptab_usable(D, at);
  pc_log(t->ctx, "trace: jurisdictions at the dispatch instant from %s",
         table ? "the index's dispatch table"
         : D->raw.fd >= 0 ? "the flagged persons' stays (the index's dispatch table is for "
                            "another instant)"
         : t->pv.from_file ? "the flagged persons' stays (the index has no dispatch table)"
                           : "the flagged persons' stays");
  jur_arg J = {t, f, at, level, jur, 0};
  return table ? pc_slots_each(&D->raw, &D->dir, D->sum, f, sizeof *f, n, jur_one, &J, NULL)
               : pc_slots_each(&t->stays, &t->pv.dir, t->pv.stays_sum, f, sizeof *f, n, jur_one,
                               &J, NULL);
}

/* Source subjects live at the sources' owners: ask them. */
typedef struct subj_req {
  uint64_t source, who;
  char subject[PC_SUBJECT_LEN];
  uint8_t pad[4];
} subj_req;

/* Each distinct source once: a thousand cases' 1.5 M companions name a
 * few thousand sources, and a request per row moved 60 MB a rank each way.
 * The distinct sources are found with a dictionary that stays in the cache
 * (a sort of the rows' sources, then a write to each row in that order, at
 * random, was a tenth of assembling a thousand cases' rows). Into m->src
 * (each flag's source's index) and m->subject. */
static int fill_sources(pc_trace_rowmaker *m, size_t n) {
  pc_tracer *t = m->t;
  pc_ctx *ctx = t->ctx;
  pc_dict srcs = {0};
  subj_req *rq = NULL;
  int *dest = NULL;
  pc_buf got, back;
  pc_buf_init(&got, sizeof(subj_req));
  pc_buf_init(&back, sizeof(subj_req));
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    uint32_t at = UINT32_MAX;
    if (m->f[i].source) rc = pc_dict_put(&srcs, m->f[i].source, &at);
    m->src[i] = at;
  }
  const size_t u = srcs.n;
  if (!rc) {
    rq = pc_calloc(u + 1, sizeof *rq, "source requests");
    dest = pc_malloc((u + 1) * sizeof *dest, "source requests");
    m->subject = pc_calloc(u + 1, sizeof *m->subject, "source subjects");
    if (!rq || !dest || !m->subject) rc = PC_ERR_MEM;
  }
  PC_CALLG(pc_agree(ctx, rc), out);
  /* The requester's rank rides in the pad bytes' place: who = rank << 40 | request. */
  for (size_t k = 0; k < u; k++) {
    rq[k].source = srcs.v[k];
    rq[k].who = (uint64_t)pc_rank(ctx) << 40 | k;
    dest[k] = PC_OWNER(srcs.v[k], pc_nranks(ctx));
  }
  PC_CALLG(pc_shuffle(ctx, rq, u, sizeof *rq, dest, &got, NULL), out);
  {
    subj_req *g = got.data;
    int *d2 = pc_malloc((got.n + 1) * sizeof *d2, "source answers");
    /* Looked up in the order of the sources: one forward walk over the identities. */
    pc_kv *kv = pc_malloc((got.n + 1) * sizeof *kv, "source answers"),
          *kt = pc_malloc((got.n + 1) * sizeof *kt, "source answers");
    PC_CALLG(pc_agree(ctx, d2 && kv && kt ? 0 : PC_ERR_MEM), ans);
    for (size_t i = 0; i < got.n; i++) kv[i].key = g[i].source, kv[i].val = i;
    pc_sort_kv(kv, kt, got.n);
    size_t at = 0;
    const pc_identity *id = NULL;
    for (size_t j = 0; j < got.n; j++) {
      subj_req *x = &g[kv[j].val];
      if (!j || kv[j].key != kv[j - 1].key) id = pc_trace_identity_from(t, x->source, &at);
      if (id) memcpy(x->subject, id->subject, sizeof x->subject);
      d2[kv[j].val] = (int)(x->who >> 40);
    }
    rc = pc_shuffle(ctx, g, got.n, sizeof *g, d2, &back, NULL);
  ans:
    free(kv);
    free(kt);
    free(d2);
    PC_CALLG(rc, out);
  }
  for (size_t i = 0; i < back.n; i++) {
    const subj_req *b = (const subj_req *)back.data + i;
    memcpy(m->subject[b->who & ((1ULL << 40) - 1)], b->subject, sizeof b->subject);
  }
out:
  pc_dict_free(&srcs);
  free(rq);
  free(dest);
  pc_buf_free(&got);
  pc_buf_free(&back);
  return rc;
}

static int flag_pid_cmp(const void *a, const void *b) {
  const pc_trace_flag *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* s into the zeroed field dst of cap bytes, cut to cap - 1 bytes and ended
 * by a NUL as snprintf's "%s" would: five fields of every row, where
 * snprintf was 2 % of a thousand cases' run. */
static void put_str(char *dst, size_t cap, const char *s) {
  const size_t n = strnlen(s, cap - 1);
  memcpy(dst, s, n);
  dst[n] = '\0';
}

/* The places of the rows, remembered: a thousand cases' 1.5 M companions
 * were met at a few thousand places (the hot cells), each looked up again
 * by a binary search over all the places (2 % of the run). Direct-mapped
 * by the place's hash; a miss asks pc_trace_place. */
enum { PLACE_MEMO = 4096 };
typedef struct place_memo {
  uint64_t id[PLACE_MEMO];
  const pc_place *pl[PLACE_MEMO];
  uint8_t have[PLACE_MEMO];
} place_memo;

static const pc_place *place_of(pc_tracer *t, place_memo *m, uint64_t id) {
  const size_t k = pc_mix64(id) & (PLACE_MEMO - 1);
  if (!m->have[k] || m->id[k] != id) m->id[k] = id, m->pl[k] = pc_trace_place(t, id), m->have[k] = 1;
  return m->pl[k];
}

void pc_trace_rows_make_who(pc_trace_rowmaker *m, size_t k, pc_trace_row *o) {
  pc_tracer *t = m->t;
  const pc_trace_flag *f = &m->f[k];
  memset(o, 0, sizeof *o);
  o->pid = f->pid;
  o->source_pid = f->source;
  o->hop = f->hop == PC_TRACE_COMPANION ? 0 : f->hop;
  const pc_identity *id = pc_trace_identity_from(t, f->pid, &m->at_i);
  if (id) {
    memcpy(o->subject, id->subject, sizeof o->subject);
    pc_doc_type_name(id->id_type, o->subject_type);
  }
  put_str(o->channel, sizeof o->channel,
          f->channel == PC_TRACE_CASE ? "case" : pc_channel_names[f->channel]);
  put_str(o->code, sizeof o->code, pc_trace_rows_red(m, f) ? "red" : "yellow");
  o->jurisdiction = m->jur[k];
  const pc_person *p = pc_trace_person_from(t, f->pid, &m->at_p);
  o->age = -1;
  if (p) {
    o->residence = p->region;
    o->age = (int16_t)(p->birth_date ? pc_age_at(p->birth_date, t->as_of) : -1);
    memcpy(o->sector, p->sector, 2);
  }
}

void pc_trace_rows_make_flag(pc_trace_rowmaker *m, size_t k, pc_trace_row *o) {
  pc_tracer *t = m->t;
  const pc_trace_flag *f = &m->f[k];
  pc_trace_rows_make_who(m, k, o);
  o->exposure = f->exposure;
  o->place = f->place;
  put_str(o->root_status, sizeof o->root_status,
          pc_case_status_names[f->root < PC_NCASE_STATUS ? f->root : 0]);
  if (m->src[k] != UINT32_MAX) memcpy(o->source, m->subject[m->src[k]], sizeof o->source);
  if (f->channel == PC_CH_HOUSEHOLD)
    put_str(o->place_name, sizeof o->place_name, "household");
  else if (f->channel != PC_TRACE_CASE) {
    const pc_place *pl = place_of(t, m->pm, f->place);
    if (pl) memcpy(o->place_name, pl->name, sizeof o->place_name);
    /* A train is named by number and date; the carriage is the id's, when known. */
    size_t nl = strnlen(o->place_name, sizeof o->place_name);
    unsigned car = pc_rail_carriage(f->place);
    if (pl && f->channel == PC_CH_RAIL && car && nl + 8 < sizeof o->place_name)
      snprintf(o->place_name + nl, sizeof o->place_name - nl, " car %02u", car);
  }
  o->is_new = m->is_new[k];
}

void pc_trace_rows_make(pc_trace_rowmaker *m, size_t first, size_t n, pc_trace_row *out) {
  for (size_t i = 0; i < n; i++) pc_trace_rows_make_flag(m, m->ord[first + i], &out[i]);
}

void pc_trace_rows_free(pc_trace_rowmaker *m) {
  free(m->ord);
  free(m->jur);
  free(m->is_new);
  free(m->src);
  free(m->subject);
  free(m->pm);
  memset(m, 0, sizeof *m);
}

/* The maker of this rank's rows (contacts, then companions, each sorted by pid). */
static int assemble(pc_tracer *t, int64_t dispatch_at, int level, pc_trace_rowmaker *m) {
  const size_t n = t->flags.n;
  pc_trace_flag *f = t->flags.data;
  /* by pid (the hash table is no longer used): a distribution sort over the
   * pids' whole range (a rank owns pids by hash, spread evenly), not qsort */
  PC_CALL(pc_sort_rows_inplace(f, n, sizeof *f, 0, UINT64_MAX, flag_pid_cmp));
  if (n >= UINT32_MAX) return PC_ERROR(PC_ERR_MEM, "more than 2^32 flagged persons on one rank");
  m->t = t;
  m->f = f;
  m->ord = pc_malloc((n + 1) * sizeof *m->ord, "output rows");
  m->jur = pc_malloc((n + 1) * sizeof *m->jur, "jurisdictions");
  m->is_new = pc_malloc(n + 1, "output rows");
  m->src = pc_malloc((n + 1) * sizeof *m->src, "source subjects");
  m->pm = pc_calloc(1, sizeof *m->pm, "places of the rows");
  if (!m->ord || !m->jur || !m->is_new || !m->src || !m->pm) return PC_ERR_MEM;
  PC_CALL(jurisdictions(t, f, n, dispatch_at, level, m->jur));
  memset(m->is_new, 1, n + 1); /* outside a campaign every row is new (SPEC) */
  /* Each class's code once (rule 10), not a lookup of codes.red per row. */
  m->red_companion = is_red(t->cfg, "companion");
  for (unsigned h = 0; h < 256; h++) {
    char cls[16];
    snprintf(cls, sizeof cls, "hop%u", h);
    m->red_hop[h] = is_red(t->cfg, cls);
  }
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n; i++)
      if ((f[i].hop == PC_TRACE_COMPANION) == pass)
        m->ord[pass ? m->nc + m->nm++ : m->nc++] = (uint32_t)i;
  return 0;
}

json_object *pc_trace_counts_json(const pc_trace_counts *K, int hops) {
  json_object *j = json_object_new_object(), *ch = json_object_new_object();
  if (!j || !ch) {
    json_object_put(j);
    json_object_put(ch);
    return NULL;
  }
  char k[16], key_[32];
  for (int h = 0; h <= hops; h++) {
    snprintf(k, sizeof k, "hop%d", h);
    pc_json_add_u64(j, k, K->hop[h]);
  }
  pc_json_add_u64(j, "companion", K->companion);
  pc_json_add_u64(j, "red", K->red);
  pc_json_add_u64(j, "yellow", K->yellow);
  for (int c = 0; c < PC_NCHANNELS; c++)
    pc_json_add_u64(ch, pc_channel_names[c], K->channel[0][c] + K->channel[1][c]);
  pc_json_add(j, "channels", ch);
  for (int s_ = 0; s_ < PC_NCASE_STATUS; s_++) {
    snprintf(key_, sizeof key_, "root_%s", pc_case_status_names[s_]);
    pc_json_add_u64(j, key_, K->root[s_]);
  }
  return j;
}

void pc_trace_counts_log(pc_ctx *ctx, const pc_trace_counts *k) {
  char line[512];
  int at = snprintf(line, sizeof line, "trace: persons per hop:");
  for (int h = 0; h <= k->hops; h++)
    at += snprintf(line + at, sizeof line - (size_t)at, " hop%d %llu", h, (unsigned long long)k->hop[h]);
  pc_log(ctx, "%s; companions %llu", line, (unsigned long long)k->companion);
  for (int w = 0; w < 2; w++) {
    at = snprintf(line, sizeof line, "trace: %s by channel:", w ? "companions" : "contacts (hop >= 1)");
    for (int c = 0; c < PC_NCHANNELS; c++)
      if (k->channel[w][c])
        at += snprintf(line + at, sizeof line - (size_t)at, " %s %llu", pc_channel_names[c],
                       (unsigned long long)k->channel[w][c]);
    pc_log(ctx, "%s", line);
  }
  pc_log(ctx, "trace: codes: red %llu, yellow %llu", (unsigned long long)k->red,
         (unsigned long long)k->yellow);
}

int pc_trace_rows(pc_tracer *t, int64_t dispatch_at, int level, pc_trace_rowmaker *m) {
  memset(m, 0, sizeof *m);
  int rc = pc_agree(t->ctx, assemble(t, dispatch_at, level, m));
  if (!rc) rc = fill_sources(m, m->nc + m->nm);
  return rc;
}

int pc_trace_count(pc_ctx *ctx, pc_trace_rowmaker *m, pc_trace_counts *K) {
  /* From the flags, what their rows say (pc_trace_rows_make_flag): hop,
   * root status, channel ("case": the last), code. */
  for (size_t k = 0; k < m->nc + m->nm; k++) {
    const pc_trace_flag *f = &m->f[k];
    const int comp = f->hop == PC_TRACE_COMPANION;
    if (comp)
      K->companion++;
    else
      K->hop[f->hop]++;
    if (!comp && f->hop) K->root[f->root < PC_NCASE_STATUS ? f->root : 0]++;
    K->channel[comp][f->channel < PC_NCHANNELS ? f->channel : PC_NCHANNELS] += 1;
    if (pc_trace_rows_red(m, f))
      K->red++;
    else
      K->yellow++;
  }
  PC_CALL(pc_sum_u64(ctx, K->hop, K->hops + 1));
  PC_CALL(pc_sum_u64(ctx, &K->companion, 3));
  PC_CALL(pc_sum_u64(ctx, K->root, PC_NCASE_STATUS));
  return pc_sum_u64(ctx, &K->channel[0][0], 2 * (PC_NCHANNELS + 1));
}
