/* job_trace.c - `paicha trace`: contacts of cases to k hops, companions, codes, dispatch, cubes. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pc_contact.h"
#include "pc_schema.h"
#include "pc_cube.h"
#include "pc_budget.h"
#include "pc_h5.h"
#include "pc_idnum.h"
#include "pc_index.h"
#include "pc_flagged.h"
#include "pc_job.h"
#include "pc_out.h"
#include "pc_pview.h"
#include "pc_sort.h"
#include "pc_time.h"


/* ---- config ---- */

static const char *const roles[] = {"close", "companion", "off", NULL};
static const char *const and_or[] = {"and", "or", NULL};

#define CHANNEL_KEYS(role, minov, rows, cum, rule)                                           \
  {{.name = "role", .type = PC_T_STR, .def = role,                                           \
    .help = "close: builds chains; companion: flagged, not chained; off", .choices = roles}, \
   {.name = "min_overlap", .type = PC_T_DURATION, .def = minov,                              \
    .help = "shortest overlap that counts (whole minutes)", .max = 366 * 86400LL},           \
   {.name = "rows", .type = PC_T_INT, .def = rows,                                           \
    .help = "flight: seat rows either side that count", .max = 1000},                        \
   {.name = "cumulative", .type = PC_T_DURATION, .def = cum,                                 \
    .help = "grid: a person's total time in the grid that makes its overlaps count",         \
    .max = 366 * 86400LL},                                                                   \
   {.name = "rule", .type = PC_T_STR, .def = rule,                                           \
    .help = "grid: and = overlap and total; or = either", .choices = and_or},                \
   {0}}

static const pc_key ch_household[] = CHANNEL_KEYS("close", "0m", "3", "30h", "and");
static const pc_key ch_cafe[] = CHANNEL_KEYS("close", "15m", "3", "30h", "and");
static const pc_key ch_lodging[] = CHANNEL_KEYS("close", "1h", "3", "30h", "and");
static const pc_key ch_flight[] = CHANNEL_KEYS("close", "0m", "3", "30h", "and");
static const pc_key ch_rail[] = CHANNEL_KEYS("close", "0m", "3", "30h", "and");
static const pc_key ch_lbs[] = CHANNEL_KEYS("companion", "10m", "3", "30h", "and");
static const pc_key ch_grid[] = CHANNEL_KEYS("companion", "10m", "3", "30h", "and");

static const pc_key channel_keys[] = {
    {.name = "household", .type = PC_T_MAP, .help = "members of one registered household",
     .sub = ch_household},
    {.name = "cafe", .type = PC_T_MAP, .help = "internet cafe sessions", .sub = ch_cafe},
    {.name = "lodging", .type = PC_T_MAP, .help = "hotel stays", .sub = ch_lodging},
    {.name = "flight", .type = PC_T_MAP, .help = "flights (flight + date, seat row)",
     .sub = ch_flight},
    {.name = "rail", .type = PC_T_MAP, .help = "trains (train + date + carriage)", .sub = ch_rail},
    {.name = "lbs", .type = PC_T_MAP, .help = "phone cell presence", .sub = ch_lbs},
    {.name = "grid", .type = PC_T_MAP, .help = "800 m grid presence", .sub = ch_grid},
    {0}};

static const pc_key str_item[] = {{.name = "", .type = PC_T_STR}, {0}};
static const pc_key hop_item[] = {{.name = "", .type = PC_T_INT, .max = 64}, {0}};
static const pc_key code_keys[] = {
    {.name = "red", .type = PC_T_LIST, .def = "[hop0, hop1]", .help = "classes given a red code",
     .sub = str_item},
    {.name = "yellow", .type = PC_T_LIST, .def = "[hop2, companion]",
     .help = "classes given a yellow code (any class not red is yellow)", .sub = str_item},
    {0}};

static const pc_key trace_keys[] = {
    {.name = "data", .type = PC_T_PATH, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "index", .type = PC_T_PATH,
     .help = "co-location index from `paicha index` (default: build it now)"},
    {.name = "cases", .type = PC_T_PATH, .required = 1,
     .help = "cases.csv: subject,onset,isolated,last_negative"},
    {.name = "key", .type = PC_T_PATH, .required = 1,
     .help = "pseudonymisation key file (mode 0600)"},
    {.name = "output", .type = PC_T_PATH, .required = 1, .help = "trace file to write (HDF5)"},
    {.name = "as_of", .type = PC_T_TIME,
     .help = "end of every window (default: the dataset's as_of)"},
    {.name = "hops", .type = PC_T_INT, .def = "2",
     .help = "hops of close contacts to expand (1 close, 2 their contacts)", .max = 32},
    {.name = "lookback", .type = PC_T_DURATION, .def = "2d",
     .help = "a case's window starts this long before onset", .max = 366 * 86400LL},
    {.name = "channels", .type = PC_T_MAP, .help = "role and rule of each channel",
     .sub = channel_keys},
    {.name = "companions_of", .type = PC_T_LIST, .def = "[0]",
     .help = "hops whose companions are flagged", .sub = hop_item},
    {.name = "codes", .type = PC_T_MAP, .help = "codes per class (hop0, hop1, ..., companion)",
     .sub = code_keys},
    {.name = "dispatch", .type = PC_T_MAP, .help = "who receives each person",
     .sub = pc_dispatch_keys},
    {.name = "breakdown", .type = PC_T_MAP, .help = "axes of the /breakdown cubes",
     .sub = pc_breakdown_keys},
    {.name = "buckets", .type = PC_T_INT, .def = "0",
     .help = "place buckets when the index is built here (0: automatic)", .max = 1 << 30},
    PC_KEYS_COMMON,
    {0}};

/* ---- state ---- */

#define CLASS_COMPANION 255

/* A flagged person, kept at the owner of its pid. */
typedef struct flag {
  uint64_t pid;
  int64_t exposure;  /* start of the person's window */
  int64_t wend;      /* end of the window: isolated/as_of for cases, as_of otherwise */
  uint64_t source;   /* 0 for a case */
  uint64_t place;
  uint8_t hop;       /* CLASS_COMPANION for a companion */
  uint8_t channel;   /* 255 for a case */
  uint8_t pad[6];
} flag;

/* One output row of /contacts and /companions (file layout == memory layout). */
typedef pc_trace_row out_row; /* one row of /contacts and /companions (io/pc_schema.h) */

typedef struct tracer {
  pc_ctx *ctx;
  const pc_config *cfg;
  const char *data_path;
  hid_t data;
  pc_raw stays;               /* the dataset's /stays: the owner view */
  pc_pview pv;
  pc_chan_rule rules[PC_NCHANNELS];
  int64_t as_of, window_start, window_end;
  /* owned persons and identities: sorted by pid */
  pc_person *persons;
  size_t npersons;
  pc_identity *ids;
  size_t nids;
  pc_place *places;           /* every place, sorted by id */
  size_t nplaces;
  /* flagged persons owned here; open addressing pid -> index+1 */
  pc_buf flags;
  uint32_t *table;
  size_t tcap;
  /* scratch */
  pc_stay *sbuf;
  size_t scap;
  uint64_t stay_reads;
} tracer;

/* ---- small lookups ---- */

/* The row whose leading uint64 (pid, place id) is `key`, in rows sorted by it. */
static const void *find_row(const void *rows, size_t n, size_t rowsize, uint64_t key) {
  const char *r = rows;
  size_t lo = 0, hi = n;
  uint64_t k;
  while (lo < hi) {
    size_t m = lo + (hi - lo) / 2;
    memcpy(&k, r + m * rowsize, sizeof k);
    if (k < key)
      lo = m + 1;
    else
      hi = m;
  }
  if (lo == n) return NULL;
  memcpy(&k, r + lo * rowsize, sizeof k);
  return k == key ? r + lo * rowsize : NULL;
}
_Static_assert(offsetof(pc_person, pid) == 0 && offsetof(pc_identity, pid) == 0 &&
                   offsetof(pc_place, id) == 0,
               "find_row keys on the leading uint64");

static const pc_person *find_person(const tracer *t, uint64_t pid) {
  return find_row(t->persons, t->npersons, sizeof *t->persons, pid);
}
static const pc_identity *find_identity(const tracer *t, uint64_t pid) {
  return find_row(t->ids, t->nids, sizeof *t->ids, pid);
}
static const pc_place *find_place(const tracer *t, uint64_t id) {
  return find_row(t->places, t->nplaces, sizeof *t->places, id);
}

static flag *flag_at(tracer *t, size_t i) { return (flag *)t->flags.data + i; }

static flag *flag_find(tracer *t, uint64_t pid) {
  if (!t->tcap) return NULL; /* nobody flagged on this rank yet */
  size_t mask = t->tcap - 1;
  for (size_t h = pc_mix64(pid) & mask;; h = (h + 1) & mask) {
    if (!t->table[h]) return NULL;
    flag *f = flag_at(t, t->table[h] - 1);
    if (f->pid == pid) return f;
  }
}

static int flag_add(tracer *t, const flag *f) {
  if ((t->flags.n + 1) * 2 > t->tcap) { /* grow the table: load factor <= 1/2 */
    size_t cap = t->tcap ? t->tcap * 2 : 1024;
    uint32_t *nt = pc_calloc(cap, sizeof *nt, "flagged persons");
    if (!nt) return PC_ERR_MEM;
    free(t->table);
    t->table = nt;
    t->tcap = cap;
    for (size_t i = 0; i < t->flags.n; i++) {
      size_t h = pc_mix64(flag_at(t, i)->pid) & (cap - 1);
      while (nt[h]) h = (h + 1) & (cap - 1);
      nt[h] = (uint32_t)(i + 1);
    }
  }
  if (t->flags.n >= UINT32_MAX - 1) return PC_ERROR(PC_ERR_MEM, "too many flagged persons on one rank");
  PC_CALL(pc_buf_grow(&t->flags, 1));
  *flag_at(t, t->flags.n) = *f;
  size_t h = pc_mix64(f->pid) & (t->tcap - 1);
  while (t->table[h]) h = (h + 1) & (t->tcap - 1);
  t->table[h] = (uint32_t)(++t->flags.n);
  return 0;
}

/* The stays of one person (owned here), via the pid directory: one read of
 * the directory block, then the person's run. */
static int person_stays(tracer *t, uint64_t pid, const pc_stay **out, size_t *n) {
  const uint64_t *dir = t->pv.dir.stays;
  uint64_t k = pc_piddir_key(&t->pv.dir, pid), lo = dir[k], hi = dir[k + 1];
  size_t m = (size_t)(hi - lo);
  *n = 0;
  *out = t->sbuf;
  if (m == 0) return 0;
  if (m > t->scap) {
    pc_stay *nb = pc_realloc(t->sbuf, m * sizeof *nb, "stays of a person");
    if (!nb) return PC_ERR_MEM;
    t->sbuf = nb;
    t->scap = m;
  }
  PC_CALL(pc_raw_read(&t->stays, lo, m, t->sbuf));
  t->stay_reads++;
  size_t a = 0;
  while (a < m && t->sbuf[a].pid < pid) a++;
  size_t b = a;
  while (b < m && t->sbuf[b].pid == pid) b++;
  *out = t->sbuf + a;
  *n = b - a;
  return 0;
}

/* ---- one round of queries: from `from` (flag indices) over channels of `role` ---- */

typedef struct hitbuf {
  pc_buf hits;
  pc_buf dest;
  int nranks;
  int rc;
} hitbuf;

static void emit_hit(void *arg, const pc_hit *h) {
  hitbuf *hb = arg;
  if (hb->rc) return;
  if ((hb->rc = pc_buf_grow(&hb->hits, 1))) return;
  if ((hb->rc = pc_buf_grow(&hb->dest, 1))) return;
  ((pc_hit *)hb->hits.data)[hb->hits.n++] = *h;
  ((int *)hb->dest.data)[hb->dest.n++] = PC_OWNER(h->pid, hb->nranks);
}

static int add_query(tracer *t, pc_buf *q, pc_buf *qd, const pc_query *x) {
  PC_CALL(pc_buf_grow(q, 1));
  PC_CALL(pc_buf_grow(qd, 1));
  ((pc_query *)q->data)[q->n++] = *x;
  ((int *)qd->data)[qd->n++] = pc_pview_rank_of(&t->pv, pc_nranks(t->ctx), x->bucket);
  return 0;
}

/* Queries of the persons `from`: their household and their stays in channels of `role`. */
static int make_queries(tracer *t, const size_t *from, size_t nfrom, int role, pc_buf *q,
                        pc_buf *qd) {
  uint32_t *cum = NULL;
  pc_gspan *gs = NULL;
  size_t ccap = 0;
  int rc = 0;
  for (size_t i = 0; i < nfrom && !rc; i++) {
    const flag *f = flag_at(t, from[i]);
    int64_t w0 = f->exposure, w1 = f->wend;
    if (w1 <= w0) continue;
    pc_query x;
    memset(&x, 0, sizeof x);
    x.source = f->pid;
    const pc_person *p = find_person(t, f->pid);
    if (t->rules[PC_CH_HOUSEHOLD].role == role && p && p->household) {
      x.place = p->household;
      x.channel = PC_CH_HOUSEHOLD;
      x.a = w0;
      x.b = w1;
      x.bucket = pc_bucket_of(p->household, PC_CH_HOUSEHOLD, 0, t->pv.nbuckets);
      if ((rc = add_query(t, q, qd, &x))) break;
    }
    const pc_stay *s;
    size_t n;
    if ((rc = person_stays(t, f->pid, &s, &n))) break;
    if (n > ccap) {
      free(cum);
      free(gs);
      ccap = n;
      cum = pc_malloc(n * sizeof *cum, "grid totals");
      gs = pc_malloc(n * sizeof *gs, "grid totals");
      if (!cum || !gs) {
        rc = PC_ERR_MEM;
        break;
      }
    }
    if (n) pc_grid_cum(s, n, t->window_start, t->window_end, cum, gs);
    for (size_t j = 0; j < n && !rc; j++) {
      int c = s[j].channel;
      if (c <= 0 || c >= PC_NCHANNELS || t->rules[c].role != role) continue;
      int64_t a = s[j].start > w0 ? s[j].start : w0, b = s[j].end < w1 ? s[j].end : w1;
      if (b <= a) continue;
      x.place = s[j].place;
      x.channel = (uint8_t)c;
      x.a = a;
      x.b = b;
      x.row = s[j].row;
      x.cum = cum[j];
      if (!pc_channel_by_day(c)) {
        x.bucket = pc_bucket_of(x.place, c, a, t->pv.nbuckets);
        rc = add_query(t, q, qd, &x);
        continue;
      }
      /* Every day a stay overlapping [a, b) can start on. */
      int64_t d0, d1;
      pc_query_days(a, b, t->pv.dmax[c], &d0, &d1);
      for (int64_t d = d0; d <= d1 && !rc; d++) {
        x.bucket = pc_bucket_of(x.place, c, pc_local_midnight(d), t->pv.nbuckets);
        rc = add_query(t, q, qd, &x);
      }
    }
  }
  free(cum);
  free(gs);
  return rc;
}

/* Answer the queries received, bucket by bucket; hits go to hb. */
static int answer(tracer *t, const pc_query *q, size_t nq, hitbuf *hb) {
  pc_kv *kv = pc_malloc((nq + 1) * sizeof *kv, "queries"), *tmp = pc_malloc((nq + 1) * sizeof *tmp, "queries");
  pc_query *sq = pc_malloc((nq + 1) * sizeof *sq, "queries");
  int rc = kv && tmp && sq ? 0 : PC_ERR_MEM;
  pc_irow *buf = NULL;
  size_t bcap = 0, rcap = 0;
  size_t *runs = NULL;
  int64_t *dmax = NULL;
  if (!rc) {
    for (size_t i = 0; i < nq; i++) kv[i].key = q[i].bucket, kv[i].val = i;
    pc_sort_kv(kv, tmp, nq);
    for (size_t i = 0; i < nq; i++) sq[i] = q[kv[i].val];
  }
  for (size_t i = 0; i < nq && !rc;) {
    size_t j = i;
    while (j < nq && sq[j].bucket == sq[i].bucket) j++;
    const pc_irow *rows;
    size_t n;
    rc = pc_pview_bucket(&t->pv, pc_rank(t->ctx), sq[i].bucket, &rows, &n, &buf, &bcap);
    if (!rc && n > rcap) {
      free(runs);
      free(dmax);
      rcap = n;
      runs = pc_malloc(n * sizeof *runs, "bucket runs");
      dmax = pc_malloc(n * sizeof *dmax, "bucket runs");
      if (!runs || !dmax) rc = PC_ERR_MEM;
    }
    if (!rc && n) pc_answer_bucket(t->rules, rows, n, sq + i, j - i, runs, dmax, emit_hit, hb);
    if (!rc) rc = hb->rc;
    i = j;
  }
  free(kv);
  free(tmp);
  free(sq);
  free(buf);
  free(runs);
  free(dmax);
  return rc;
}

/* One round: queries from `from` over `role`, answered, hits back at their
 * owners in *hits. Collective. */
static int round_trip(tracer *t, const size_t *from, size_t nfrom, int role, pc_buf *hits,
                      uint64_t *nqueries) {
  pc_ctx *ctx = t->ctx;
  pc_buf q, qd, rq;
  pc_buf_init(&q, sizeof(pc_query));
  pc_buf_init(&qd, sizeof(int));
  pc_buf_init(&rq, sizeof(pc_query));
  hitbuf hb = {.nranks = pc_nranks(ctx)};
  pc_buf_init(&hb.hits, sizeof(pc_hit));
  pc_buf_init(&hb.dest, sizeof(int));
  int rc = pc_agree(ctx, make_queries(t, from, nfrom, role, &q, &qd));
  *nqueries = q.n;
  if (!rc) rc = pc_shuffle(ctx, q.data, q.n, sizeof(pc_query), qd.data, &rq, NULL);
  pc_buf_free(&q);
  pc_buf_free(&qd);
  if (!rc) rc = pc_agree(ctx, answer(t, rq.data, rq.n, &hb));
  pc_buf_free(&rq);
  if (!rc) rc = pc_shuffle(ctx, hb.hits.data, hb.hits.n, sizeof(pc_hit), hb.dest.data, hits, NULL);
  pc_buf_free(&hb.hits);
  pc_buf_free(&hb.dest);
  return rc;
}

/* The best hit per person among hits[0..n) (SPEC's tie-break), skipping
 * persons `skip` says are already flagged; calls take() for each winner. */
static int best_hits(tracer *t, pc_buf *hits, int (*skip)(tracer *, uint64_t),
                     int (*take)(tracer *, const pc_hit *, void *), void *arg) {
  size_t n = hits->n;
  pc_hit *h = hits->data;
  pc_kv *kv = pc_malloc((n + 1) * sizeof *kv, "hits"), *tmp = pc_malloc((n + 1) * sizeof *tmp, "hits");
  int rc = kv && tmp ? 0 : PC_ERR_MEM;
  if (!rc) {
    for (size_t i = 0; i < n; i++) kv[i].key = h[i].pid, kv[i].val = i;
    pc_sort_kv(kv, tmp, n);
  }
  for (size_t i = 0; i < n && !rc;) {
    size_t j = i;
    const pc_hit *best = &h[kv[i].val];
    for (; j < n && kv[j].key == kv[i].key; j++)
      if (pc_hit_less(&h[kv[j].val], best)) best = &h[kv[j].val];
    if (!skip(t, best->pid)) rc = take(t, best, arg);
    i = j;
  }
  free(kv);
  free(tmp);
  return rc;
}

static int skip_flagged(tracer *t, uint64_t pid) { return flag_find(t, pid) != NULL; }

static int take_contact(tracer *t, const pc_hit *h, void *arg) {
  flag f;
  memset(&f, 0, sizeof f);
  f.pid = h->pid;
  f.exposure = h->exposure;
  f.wend = t->as_of;
  f.source = h->source;
  f.place = h->place;
  f.channel = h->channel;
  f.hop = *(uint8_t *)arg;
  return flag_add(t, &f);
}

static int take_companion(tracer *t, const pc_hit *h, void *arg) {
  (void)arg;
  flag f;
  memset(&f, 0, sizeof f);
  f.pid = h->pid;
  f.exposure = h->exposure;
  f.wend = t->as_of;
  f.source = h->source;
  f.place = h->place;
  f.channel = h->channel;
  f.hop = CLASS_COMPANION;
  return flag_add(t, &f);
}

/* ---- cases ---- */

typedef struct case_row {
  uint64_t pid;
  int64_t w0, w1;
  uint64_t phone;   /* 11-digit phone subject, 0 for an ID number */
  int32_t line;
  int32_t pad;
} case_row;

/* Split a CSV line in place into at most max fields (plain fields, or
 * double-quoted with "" escapes). Returns the number of fields. */
static int csv_split(char *s, char **f, int max) {
  int n = 0;
  char *p = s;
  for (;;) {
    if (n == max) return max + 1;
    if (*p == '"') {
      char *w = ++p;
      f[n++] = w;
      while (*p && !(*p == '"' && p[1] != '"')) {
        if (*p == '"') p++;
        *w++ = *p++;
      }
      if (*p == '"') p++;
      *w = 0;
      if (*p == ',') {
        *p++ = 0;
        continue;
      }
      return n;
    }
    f[n++] = p;
    while (*p && *p != ',') p++;
    if (!*p) return n;
    *p++ = 0;
  }
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
  return s;
}

/* Rank 0: parse cases.csv (rule 1). Pids of ID numbers are computed here;
 * phones are resolved against /identities by every rank afterwards. */
static int read_cases(const char *path, const pc_key128 *key, int64_t as_of, int64_t lookback,
                      pc_buf *out) {
  FILE *f = fopen(path, "r");
  if (!f) return PC_ERROR(PC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  char line[4096];
  int ln = 0, rc = 0, col[4] = {-1, -1, -1, -1};
  static const char *const names[4] = {"subject", "onset", "isolated", "last_negative"};
  while (!rc && fgets(line, sizeof line, f)) {
    ln++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n') {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: line too long", path, ln);
      break;
    }
    char *s = line;
    if (ln == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
      s += 3;
    s = trim(s);
    if (!*s) continue;
    char *fld[16];
    int nf = csv_split(s, fld, 16);
    if (nf > 16) {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: too many fields", path, ln);
      break;
    }
    if (col[0] < 0) { /* the header */
      for (int i = 0; i < nf; i++)
        for (int k = 0; k < 4; k++)
          if (!strcmp(trim(fld[i]), names[k])) col[k] = i;
      if (col[0] < 0 || col[1] < 0)
        rc = PC_ERROR(PC_ERR_DATA, "%s:%d: the header must name subject,onset[,isolated,last_negative]",
                      path, ln);
      continue;
    }
    const char *v[4] = {"", "", "", ""};
    for (int k = 0; k < 4; k++)
      if (col[k] >= 0 && col[k] < nf) v[k] = trim(fld[col[k]]);
    case_row c;
    memset(&c, 0, sizeof c);
    c.line = ln;
    size_t sl = strlen(v[0]);
    if (sl == 18) {
      if (pc_idnum_check_char(v[0]) != v[0][17]) {
        rc = PC_ERROR(PC_ERR_DATA, "%s:%d: subject is not a valid ID number (GB 11643 check)", path, ln);
        break;
      }
      c.pid = pc_pid_of_idnum(key, v[0]);
    } else if (pc_phone_valid(v[0], sl, &c.phone)) {
      c.pid = pc_pid_of_phone(key, c.phone);
    } else {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: subject is neither an ID number nor an 11-digit phone", path, ln);
      break;
    }
    int64_t onset, iso = as_of, neg = INT64_MIN;
    if (pc_time_parse(v[1], strlen(v[1]), &onset) != 0 ||
        (*v[2] && pc_time_parse(v[2], strlen(v[2]), &iso) != 0) ||
        (*v[3] && pc_time_parse(v[3], strlen(v[3]), &neg) != 0)) {
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: times must be YYYY-MM-DDTHH:MM[:SS] (onset required)", path, ln);
      break;
    }
    c.w0 = onset - lookback;
    if (*v[3] && neg > c.w0) c.w0 = neg;
    c.w1 = iso;
    if ((rc = pc_buf_grow(out, 1))) break;
    ((case_row *)out->data)[out->n++] = c;
  }
  if (!rc && ferror(f)) rc = PC_ERROR(PC_ERR_IO, "%s: read error", path);
  if (!rc && col[0] < 0) rc = PC_ERROR(PC_ERR_DATA, "%s: empty (no header)", path);
  fclose(f);
  return rc;
}

static int case_pid_cmp(const void *a, const void *b) {
  const case_row *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Every rank: resolve phones to their registered owners, check each case
 * exists, refuse duplicates; add the owned cases as hop 0. Collective. */
static int load_cases(tracer *t, const pc_key128 *key, int64_t lookback, uint64_t *ncases) {
  pc_ctx *ctx = t->ctx;
  pc_buf cases;
  pc_buf_init(&cases, sizeof(case_row));
  int rc = 0;
  if (pc_rank(ctx) == 0)
    rc = read_cases(pc_config_str(t->cfg, "cases"), key, t->as_of, lookback, &cases);
  PC_CALL(pc_agree(ctx, rc));
  char *bytes = pc_rank(ctx) == 0 ? (char *)cases.data : NULL;
  size_t len = pc_rank(ctx) == 0 ? cases.n * sizeof(case_row) : 0;
  if (pc_rank(ctx) == 0 && !bytes) bytes = calloc(1, 1);
  PC_CALL(pc_bcast_bytes(ctx, &bytes, &len));
  size_t n = len / sizeof(case_row);
  case_row *c = (case_row *)bytes;
  if (pc_rank(ctx) != 0) cases.data = bytes;
  /* found[i]: the registered owner of a phone subject (pid), or 1 when the
   * case's pid is known here (identities or stays); maxed over ranks. */
  uint64_t *owner = pc_calloc(2 * n + 1, sizeof *owner, "cases"), *known = owner + n;
  PC_CALL(pc_agree(ctx, owner ? 0 : PC_ERR_MEM));
  char ph[12];
  for (size_t i = 0; i < n; i++) {
    if (!c[i].phone) continue;
    pc_phone_format(c[i].phone, ph);
    for (size_t k = 0; k < t->nids; k++)
      if (!memcmp(t->ids[k].phone, ph, 11)) owner[i] = t->ids[k].pid;
  }
  PC_CALL(pc_max_u64(ctx, owner, (int)n));
  for (size_t i = 0; i < n; i++)
    if (owner[i]) c[i].pid = owner[i];
  for (size_t i = 0; i < n && !rc; i++) {
    if (PC_OWNER(c[i].pid, pc_nranks(ctx)) != pc_rank(ctx)) continue;
    const pc_stay *s;
    size_t m = 0;
    if (find_identity(t, c[i].pid) || (!(rc = person_stays(t, c[i].pid, &s, &m)) && m > 0)) known[i] = 1;
  }
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_max_u64(ctx, known, (int)n));
  const char *path = pc_config_str(t->cfg, "cases");
  for (size_t i = 0; i < n && !rc; i++)
    if (!known[i])
      rc = PC_ERROR(PC_ERR_DATA, "%s:%d: this subject is in neither /identities nor /stays of %s",
                    path, c[i].line, t->data_path);
  free(owner);
  if (!rc) {
    pc_qsort(c, n, sizeof *c, case_pid_cmp);
    for (size_t i = 1; i < n && !rc; i++)
      if (c[i].pid == c[i - 1].pid)
        rc = PC_ERROR(PC_ERR_DATA, "%s:%d: the same person as line %d", path,
                      c[i].line > c[i - 1].line ? c[i].line : c[i - 1].line,
                      c[i].line > c[i - 1].line ? c[i - 1].line : c[i].line);
  }
  for (size_t i = 0; i < n && !rc; i++) {
    if (PC_OWNER(c[i].pid, pc_nranks(ctx)) != pc_rank(ctx)) continue;
    flag f;
    memset(&f, 0, sizeof f);
    f.pid = c[i].pid;
    f.exposure = c[i].w0;
    f.wend = c[i].w1;
    f.channel = 255;
    rc = flag_add(t, &f);
  }
  *ncases = n;
  pc_buf_free(&cases);
  return pc_agree(ctx, rc);
}

/* ---- loading the owned persons, identities, places ---- */

static int read_owned(tracer *t, const pc_schema *s, const uint64_t *dir, void **rows, size_t *n) {
  const size_t rowsize = s->rowsize;
  uint64_t p0, p1, lo, hi;
  pc_owner_range(pc_rank(t->ctx), pc_nranks(t->ctx), &p0, &p1);
  pc_piddir_range(&t->pv.dir, dir, p0, p1, &lo, &hi);
  pc_table d;
  PC_CALL(pc_table_open(t->data, NULL, s, &d));
  char *buf = pc_malloc((size_t)(hi - lo + 1) * rowsize, s->name);
  int rc = buf ? pc_table_read(&d, lo, (size_t)(hi - lo), buf) : PC_ERR_MEM;
  pc_table_close(&d);
  size_t m = 0;
  for (uint64_t i = 0; !rc && i < hi - lo; i++) {
    uint64_t pid;
    memcpy(&pid, buf + i * rowsize, sizeof pid);
    if (pid < p0 || pid > p1) continue;
    if (m != i) memcpy(buf + m * rowsize, buf + i * rowsize, rowsize);
    m++;
  }
  *rows = buf;
  *n = m;
  return rc;
}

static int load_places(tracer *t) {
  uint64_t n = 0;
  if (H5Lexists(t->data, "places", H5P_DEFAULT) <= 0) return 0; /* names are optional */
  void *pv = NULL;
  int rc = pc_table_read_all(t->data, NULL, &pc_schema_places, &pv, &n);
  t->places = pv;
  t->nplaces = (size_t)n;
  for (size_t i = 1; i < t->nplaces && !rc; i++)
    if (t->places[i].id <= t->places[i - 1].id)
      rc = PC_ERROR(PC_ERR_DATA, "%s: /places is not sorted by id", t->data_path);
  return rc;
}

/* ---- output ---- */

/* Is class `cls` ("hop1", "companion") listed under codes.red? (rule 10) */
static int is_red(const pc_config *cfg, const char *cls) {
  for (size_t i = 0; i < pc_config_len(cfg, "codes.red"); i++)
    if (!strcmp(pc_config_str_at(cfg, "codes.red", i), cls)) return 1;
  return 0;
}

/* Checks of meaning at load: the classes named under codes, companions_of
 * within hops, the buckets of an index built here, the breakdown axes. */
static int check_trace(const pc_config *cfg, pc_config_problems *p) {
  static const char *const lists[2] = {"codes.red", "codes.yellow"};
  char k[64];
  for (int l = 0; l < 2; l++)
    for (size_t i = 0; i < pc_config_len(cfg, lists[l]); i++) {
      const char *c = pc_config_str_at(cfg, lists[l], i);
      int ok = !strcmp(c, "companion");
      if (!strncmp(c, "hop", 3) && c[3]) {
        ok = 1;
        for (const char *q = c + 3; *q; q++) ok &= isdigit((unsigned char)*q) != 0;
      }
      snprintf(k, sizeof k, "%s.%zu", lists[l], i);
      if (!ok) pc_config_problem(p, cfg, k, "unknown class '%s' (hop0, hop1, ..., companion)", c);
    }
  const int64_t hops = pc_config_int(cfg, "hops");
  for (size_t i = 0; i < pc_config_len(cfg, "companions_of"); i++) {
    snprintf(k, sizeof k, "companions_of.%zu", i);
    if (pc_config_int_at(cfg, "companions_of", i) > hops)
      pc_config_problem(p, cfg, k, "hop %lld is beyond hops = %lld",
                        (long long)pc_config_int_at(cfg, "companions_of", i), (long long)hops);
  }
  pc_index_buckets_check(cfg, p);
  pc_cube_axes_check(cfg, p);
  return 0;
}

/* Rule 11, from the person's stays (pc_jurisdiction). */
static int jurisdiction_of(tracer *t, uint64_t pid, int64_t at, int level, uint64_t *out) {
  const pc_stay *s;
  size_t n;
  PC_CALL(person_stays(t, pid, &s, &n));
  const pc_person *p = find_person(t, pid);
  *out = pc_jurisdiction(s, n, at, p ? p->region : 0, level);
  return 0;
}

/* Source subjects live at the sources' owners: ask them. */
typedef struct subj_req {
  uint64_t source, who;
  char subject[18];
  uint8_t pad[6];
} subj_req;

static int fill_sources(tracer *t, out_row *rows, size_t n) {
  pc_ctx *ctx = t->ctx;
  subj_req *rq = pc_calloc(n + 1, sizeof *rq, "source requests");
  int *dest = pc_malloc((n + 1) * sizeof *dest, "source requests");
  pc_buf got, back;
  pc_buf_init(&got, sizeof(subj_req));
  pc_buf_init(&back, sizeof(subj_req));
  int rc = rq && dest ? 0 : PC_ERR_MEM;
  size_t m = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (!rows[i].source_pid) continue;
    rq[m].source = rows[i].source_pid;
    rq[m].who = i;
    dest[m++] = PC_OWNER(rows[i].source_pid, pc_nranks(ctx));
  }
  PC_CALLG(pc_agree(ctx, rc), out);
  /* The requester's rank rides in the pad bytes' place: who = rank << 40 | index. */
  for (size_t i = 0; i < m; i++) rq[i].who |= (uint64_t)pc_rank(ctx) << 40;
  PC_CALLG(pc_shuffle(ctx, rq, m, sizeof *rq, dest, &got, NULL), out);
  {
    subj_req *g = got.data;
    int *d2 = pc_malloc((got.n + 1) * sizeof *d2, "source answers");
    PC_CALLG(pc_agree(ctx, d2 ? 0 : PC_ERR_MEM), out);
    for (size_t i = 0; i < got.n; i++) {
      const pc_identity *id = find_identity(t, g[i].source);
      if (id) memcpy(g[i].subject, id->subject, sizeof g[i].subject);
      d2[i] = (int)(g[i].who >> 40);
    }
    rc = pc_shuffle(ctx, g, got.n, sizeof *g, d2, &back, NULL);
    free(d2);
    PC_CALLG(rc, out);
  }
  for (size_t i = 0; i < back.n; i++) {
    const subj_req *b = (const subj_req *)back.data + i;
    memcpy(rows[b->who & ((1ULL << 40) - 1)].source, b->subject, 18);
  }
out:
  free(rq);
  free(dest);
  pc_buf_free(&got);
  pc_buf_free(&back);
  return rc;
}

static int flag_pid_cmp(const void *a, const void *b) {
  const flag *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Build the output rows of this rank (contacts, then companions, each sorted by pid). */
static int assemble(tracer *t, int64_t dispatch_at, int level, out_row **rows, size_t *ncontacts,
                    size_t *ncompanions) {
  size_t n = t->flags.n;
  flag *f = t->flags.data;
  pc_qsort(f, n, sizeof *f, flag_pid_cmp); /* the hash table is no longer used */
  out_row *r = pc_calloc(n + 1, sizeof *r, "output rows");
  if (!r) return PC_ERR_MEM;
  size_t nc = 0;
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n; i++) {
      int comp = f[i].hop == CLASS_COMPANION;
      if (comp != pass) continue;
      out_row *o = &r[nc++];
      o->pid = f[i].pid;
      o->exposure = f[i].exposure;
      o->source_pid = f[i].source;
      o->place = f[i].place;
      o->hop = comp ? 0 : f[i].hop;
      const pc_identity *id = find_identity(t, f[i].pid);
      if (id) memcpy(o->subject, id->subject, sizeof o->subject);
      snprintf(o->channel, sizeof o->channel, "%s",
               f[i].channel == 255 ? "case" : pc_channel_names[f[i].channel]);
      if (f[i].channel == PC_CH_HOUSEHOLD)
        snprintf(o->place_name, sizeof o->place_name, "household");
      else if (f[i].channel != 255) {
        const pc_place *pl = find_place(t, f[i].place);
        if (pl) memcpy(o->place_name, pl->name, sizeof o->place_name);
      }
      char cls[16];
      if (comp)
        snprintf(cls, sizeof cls, "companion");
      else
        snprintf(cls, sizeof cls, "hop%u", f[i].hop);
      snprintf(o->code, sizeof o->code, "%s", is_red(t->cfg, cls) ? "red" : "yellow");
      PC_CALL(jurisdiction_of(t, f[i].pid, dispatch_at, level, &o->jurisdiction));
      const pc_person *p = find_person(t, f[i].pid);
      o->age = -1;
      if (p) {
        o->residence = p->region;
        o->age = (int16_t)(p->birth_date ? pc_age_at(p->birth_date, t->as_of) : -1);
        memcpy(o->sector, p->sector, 2);
      }
      if (pass == 0) *ncontacts = nc;
    }
  *ncompanions = nc - *ncontacts;
  *rows = r;
  return 0;
}

/* ---- counts and cubes ---- */

typedef struct counts {
  int hops;
  uint64_t *hop;            /* hops + 1 */
  uint64_t companion, red, yellow;
  uint64_t channel[2][PC_NCHANNELS + 1]; /* [contact/companion][channel], last = case */
} counts;

/* The `counts` attribute: persons by hop, companions, codes, rows by
 * channel. NULL when json-c is out of memory (pc_out_json records it). Local. */
static json_object *trace_counts(const counts *K, int hops) {
  json_object *j = json_object_new_object(), *ch = json_object_new_object();
  if (!j || !ch) {
    json_object_put(j);
    json_object_put(ch);
    return NULL;
  }
  char k[16];
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
  return j;
}

static int class_of(const out_row *o, int comp) { return comp ? -1 : o->hop; }

static int write_cubes(tracer *t, hid_t file, const out_row *rows, size_t nc, size_t nm, int hops,
                       int deflate) {
  pc_ctx *ctx = t->ctx;
  const int ncls = hops + 4; /* hop0..hopK, companion, red, yellow */
  char (*nm_)[16] = pc_calloc((size_t)ncls, 16, "class names");
  const char **names = pc_calloc((size_t)ncls, sizeof *names, "class names");
  pc_person *p = pc_calloc(nc + nm + 1, sizeof *p, "flagged persons");
  int *cls = pc_malloc((nc + nm + 1) * sizeof *cls, "classes"),
      *code = pc_malloc((nc + nm + 1) * sizeof *code, "classes");
  int rc = nm_ && names && p && cls && code ? 0 : PC_ERR_MEM;
  for (int k = 0; k < ncls && !rc; k++) {
    if (k <= hops)
      snprintf(nm_[k], 16, "hop%d", k);
    else
      snprintf(nm_[k], 16, "%s", k == hops + 1 ? "companion" : k == hops + 2 ? "red" : "yellow");
    names[k] = nm_[k];
  }
  for (size_t i = 0; i < nc + nm && !rc; i++) {
    const pc_person *q = find_person(t, rows[i].pid);
    if (q) p[i] = *q; /* else all zero: unknown */
    int c = class_of(&rows[i], i >= nc);
    cls[i] = c < 0 ? hops + 1 : c;
    code[i] = strcmp(rows[i].code, "red") == 0 ? hops + 2 : hops + 3;
  }
  if (!(rc = pc_agree(ctx, rc)))
    rc = pc_flag_cubes(ctx, t->cfg, t->data, file, t->as_of, names, ncls, p, cls, code, nc + nm,
                       deflate);
  free(nm_);
  free(names);
  free(p);
  free(cls);
  free(code);
  return rc;
}

/* ---- the job ---- */

static int setup_rules(tracer *t) {
  const pc_config *cfg = t->cfg;
  for (int c = 0; c < PC_NCHANNELS; c++) {
    char k[64];
    pc_chan_rule *r = &t->rules[c];
    memset(r, 0, sizeof *r);
    snprintf(k, sizeof k, "channels.%s.role", pc_channel_names[c]);
    const char *role = pc_config_str(cfg, k);
    r->role = !strcmp(role, "close") ? PC_ROLE_CLOSE : !strcmp(role, "companion") ? PC_ROLE_COMPANION : PC_ROLE_OFF;
    snprintf(k, sizeof k, "channels.%s.min_overlap", pc_channel_names[c]);
    r->min_overlap = pc_config_duration(cfg, k);
    snprintf(k, sizeof k, "channels.%s.rows", pc_channel_names[c]);
    r->rows = (int)pc_config_int(cfg, k);
    snprintf(k, sizeof k, "channels.%s.cumulative", pc_channel_names[c]);
    r->cumulative = pc_config_duration(cfg, k);
    snprintf(k, sizeof k, "channels.%s.rule", pc_channel_names[c]);
    r->rule_or = !strcmp(pc_config_str(cfg, k), "or");
  }
  return 0;
}

static void log_counts(pc_ctx *ctx, const counts *k) {
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

static int run_trace(pc_ctx *ctx, const pc_config *cfg) {
  tracer T, *t = &T;
  memset(t, 0, sizeof *t);
  t->ctx = ctx;
  t->cfg = cfg;
  t->stays.fd = -1;
  t->pv.raw.fd = -1;
  pc_buf_init(&t->flags, sizeof(flag));
  t->data_path = pc_config_str(cfg, "data");
  const char *output = pc_config_str(cfg, "output"), *index = pc_config_str(cfg, "index");
  const int hops = (int)pc_config_int(cfg, "hops");
  const int level = pc_level_of(pc_config_str(cfg, "dispatch.level"));
  setup_rules(t);
  pc_job_record_for(ctx, output);
  int rc = 0;
  out_row *rows = NULL;
  size_t nc = 0, nm = 0;
  counts K;
  memset(&K, 0, sizeof K);
  K.hops = hops;
  K.hop = pc_calloc((size_t)hops + 1, sizeof *K.hop, "counts");
  if (!K.hop) return PC_ERR_MEM;

  /* setup: key, dataset, index */
  PC_CALLG(pc_phase_begin(ctx, "setup"), done);
  pc_key128 key;
  PC_CALLG(pc_job_key(ctx, pc_config_str(cfg, "key"), 0, &key), done);
  PC_CALLG(pc_h5_open_read(ctx, t->data_path, &t->data), done);
  rc = pc_h5_attr_read_i64(t->data, "window_start", &t->window_start);
  if (!rc) rc = pc_h5_attr_read_i64(t->data, "window_end", &t->window_end);
  if (!rc) {
    if (pc_config_given(cfg, "as_of"))
      t->as_of = pc_config_time(cfg, "as_of");
    else
      rc = pc_h5_attr_read_i64(t->data, "as_of", &t->as_of);
  }
  if (!rc) rc = pc_raw_open(t->data, t->data_path, &pc_schema_stays, &t->stays);
  uint64_t npersons = 0;
  if (!rc) rc = pc_h5_attr_read_u64(t->data, "persons", &npersons);
  PC_CALLG(pc_agree(ctx, rc), done);
  PC_CALLG(pc_budget_check(ctx, cfg, "trace", (double)npersons, (double)t->stays.nrows), done);
  pc_phase_end(ctx, 0, 0);
  if (index) {
    PC_CALLG(pc_phase_begin(ctx, "load index"), done);
    rc = pc_pview_open(ctx, index, t->data, t->data_path, &t->pv);
    pc_phase_end(ctx, 0, 0);
    if (rc) goto done;
    pc_log(ctx, "trace: index %s: %llu rows in %u buckets", index,
           (unsigned long long)t->pv.bstart[t->pv.nbuckets], t->pv.nbuckets);
  } else {
    PC_CALLG(pc_phase_begin(ctx, "build index"), done);
    rc = pc_pview_build(ctx, t->data, t->data_path,
                        pc_index_buckets(t->stays.nrows, pc_config_int(cfg, "buckets")), &t->pv);
    pc_phase_end(ctx, t->pv.nrows, 0);
    if (rc) goto done;
  }
  PC_CALLG(pc_phase_begin(ctx, "load persons"), done);
  {
    void *p = NULL, *q = NULL;
    rc = read_owned(t, &pc_schema_persons, t->pv.dir.persons, &p, &t->npersons);
    t->persons = p;
    if (!rc) rc = read_owned(t, &pc_schema_identities, t->pv.dir.identities, &q, &t->nids);
    t->ids = q;
    if (!rc) rc = load_places(t);
  }
  PC_CALLG(pc_agree(ctx, rc), done);
  uint64_t ncases = 0;
  PC_CALLG(load_cases(t, &key, pc_config_duration(cfg, "lookback"), &ncases), done);
  pc_phase_end(ctx, t->npersons, 0);
  pc_log(ctx, "trace: %llu cases, %d hops, as_of %lld", (unsigned long long)ncases, hops,
         (long long)t->as_of);

  /* hops, level-synchronous (rule 8) */
  size_t *from = NULL;
  for (int h = 0; h < hops; h++) {
    char name[32];
    snprintf(name, sizeof name, "hop %d", h + 1);
    PC_CALLG(pc_phase_begin(ctx, name), done);
    size_t nf = 0;
    free(from);
    from = pc_malloc((t->flags.n + 1) * sizeof *from, "frontier");
    PC_CALLG(pc_agree(ctx, from ? 0 : PC_ERR_MEM), done);
    for (size_t i = 0; i < t->flags.n; i++)
      if (flag_at(t, i)->hop == h) from[nf++] = i;
    pc_buf hits;
    pc_buf_init(&hits, sizeof(pc_hit));
    uint64_t nq = 0, before = t->flags.n;
    rc = round_trip(t, from, nf, PC_ROLE_CLOSE, &hits, &nq);
    uint8_t hop = (uint8_t)(h + 1);
    if (!rc) rc = pc_agree(ctx, best_hits(t, &hits, skip_flagged, take_contact, &hop));
    uint64_t stats[3] = {t->flags.n - before, nq, hits.n};
    pc_buf_free(&hits);
    pc_phase_end(ctx, nq, 0);
    if (rc) goto done;
    PC_CALLG(pc_sum_u64(ctx, stats, 3), done);
    pc_log(ctx, "trace: hop %d: %llu persons (%llu queries, %llu hits)", h + 1,
           (unsigned long long)stats[0], (unsigned long long)stats[1], (unsigned long long)stats[2]);
    if (stats[0] == 0) break;
  }
  /* companions (rule 9) */
  PC_CALLG(pc_phase_begin(ctx, "companions"), done);
  {
    size_t nf = 0;
    free(from);
    from = pc_malloc((t->flags.n + 1) * sizeof *from, "frontier");
    PC_CALLG(pc_agree(ctx, from ? 0 : PC_ERR_MEM), done);
    for (size_t i = 0; i < t->flags.n; i++)
      for (size_t k = 0; k < pc_config_len(cfg, "companions_of"); k++)
        if (flag_at(t, i)->hop == pc_config_int_at(cfg, "companions_of", k)) {
          from[nf++] = i;
          break;
        }
    pc_buf hits;
    pc_buf_init(&hits, sizeof(pc_hit));
    uint64_t nq = 0;
    rc = round_trip(t, from, nf, PC_ROLE_COMPANION, &hits, &nq);
    if (!rc) rc = pc_agree(ctx, best_hits(t, &hits, skip_flagged, take_companion, NULL));
    pc_buf_free(&hits);
    pc_phase_end(ctx, nq, 0);
    free(from);
    from = NULL;
    if (rc) goto done;
  }

  /* dispatch, identities, rows */
  PC_CALLG(pc_phase_begin(ctx, "assemble"), done);
  int64_t dispatch_at;
  if (pc_config_given(cfg, "dispatch.at"))
    dispatch_at = pc_config_time(cfg, "dispatch.at");
  else
    dispatch_at = pc_dispatch_instant(t->as_of);
  rc = pc_agree(ctx, assemble(t, dispatch_at, level, &rows, &nc, &nm));
  if (!rc) rc = fill_sources(t, rows, nc + nm);
  pc_phase_end(ctx, nc + nm, 0);
  if (rc) goto done;
  for (size_t i = 0; i < nc + nm; i++) {
    int comp = i >= nc;
    if (comp)
      K.companion++;
    else
      K.hop[rows[i].hop]++;
    int ch = pc_channel_of(rows[i].channel);
    K.channel[comp][ch < 0 ? PC_NCHANNELS : ch] += 1;
    if (!strcmp(rows[i].code, "red"))
      K.red++;
    else
      K.yellow++;
  }
  PC_CALLG(pc_sum_u64(ctx, K.hop, hops + 1), done);
  PC_CALLG(pc_sum_u64(ctx, &K.companion, 3), done);
  PC_CALLG(pc_sum_u64(ctx, &K.channel[0][0], 2 * (PC_NCHANNELS + 1)), done);

  PC_CALLG(pc_phase_begin(ctx, "write"), done);
  {
    pc_out out;
    char t0[24];
    hid_t tc = pc_schema_type(&pc_schema_contacts), tm = pc_schema_type(&pc_schema_companions);
    if (!(rc = pc_out_create(ctx, cfg, output, &out))) {
      pc_out_table(&out, "contacts", tc, rows, nc,
                   "contacts by pid: hop 0 = cases; exposure = start of the person's window "
                   "(int64 s since the epoch, UTC); source = who they met, channel and place "
                   "where; jurisdiction = region at dispatch_at (level of the config)");
      pc_out_table(&out, "companions", tm, rows + nc, nm, NULL);
      if (!out.rc) out.rc = write_cubes(t, out.file, rows, nc, nm, hops, out.deflate);
      pc_out_json(&out, "counts", trace_counts(&K, hops), 1);
      pc_out_attr_i64(&out, "as_of", t->as_of);
      pc_out_attr_str(&out, "as_of_local", pc_time_format(t->as_of, t0));
      pc_out_attr_i64(&out, "dispatch_at", dispatch_at);
      pc_out_attr_str(&out, "data", t->data_path);
      if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, t->data);
      pc_out_attr_str(&out, "index", index ? index : "(built in memory)");
      pc_out_attr_str(&out, "cases", pc_config_str(cfg, "cases"));
    }
    rc = pc_out_commit(&out, rc);
  }
  pc_phase_end(ctx, nc + nm, (nc + nm) * sizeof(out_row));
  if (!rc) {
    log_counts(ctx, &K);
    pc_log(ctx, "trace: wrote %s", output);
  }
done:
  free(rows);
  free(K.hop);
  free(t->persons);
  free(t->ids);
  free(t->places);
  free(t->table);
  free(t->sbuf);
  pc_buf_free(&t->flags);
  pc_pview_free(&t->pv);
  pc_raw_close(&t->stays);
  if (t->data > 0) H5Fclose(t->data);
  return rc;
}

const pc_jobdef pc_job_trace = {
    "trace", "contacts of cases to k hops, companions, codes, dispatch, breakdown cubes",
    "From cases.csv, expands close contacts hop by hop (time-respecting: each person's\n"
    "window starts at their exposure), flags the companions around the hops in\n"
    "companions_of, gives codes by policy and the jurisdiction where each person was at\n"
    "dispatch.at, and writes /contacts, /companions and /breakdown cubes (docs/TRACE.md).\n"
    "With `index:` it reads a persisted index selectively; without, it builds one.",
    trace_keys, run_trace, check_trace};
