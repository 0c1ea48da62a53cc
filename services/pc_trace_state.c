/* pc_trace_state.c - trace's state on each rank: lookups, the flagged persons' table, a person's stays, loading. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pc_trace_state.h"
#include "pc_tracefile.h"

/* ---- the channels' rules as config keys (trace's and sources' `channels:`) ---- */

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

const pc_key pc_trace_channel_keys[] = {
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

void pc_tracer_init(pc_tracer *t, pc_ctx *ctx, const pc_config *cfg) {
  memset(t, 0, sizeof *t);
  t->ctx = ctx;
  t->cfg = cfg;
  t->stays.fd = -1;
  t->pv.raw.fd = -1;
  t->pv.disp.raw.fd = -1;
  pc_buf_init(&t->flags, sizeof(pc_trace_flag));
  t->data_path = pc_config_str(cfg, "data");
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
}

void pc_tracer_free(pc_tracer *t) {
  free(t->persons);
  free(t->ids);
  free(t->places);
  free(t->table);
  free(t->sbuf);
  pc_buf_free(&t->flags);
  pc_buf_free(&t->unmatched);
  pc_pview_free(&t->pv);
  pc_raw_close(&t->stays);
  pc_tracefile_close(t->data);
}

/* ---- small lookups ---- */

/* The first of rows [lo, hi) (sorted by their leading uint64) whose key is >= key. */
static size_t lower_bound(const char *r, size_t lo, size_t hi, size_t rowsize, uint64_t key) {
  uint64_t k;
  while (lo < hi) {
    size_t m = lo + (hi - lo) / 2;
    memcpy(&k, r + m * rowsize, sizeof k);
    if (k < key)
      lo = m + 1;
    else
      hi = m;
  }
  return lo;
}

/* Row i when its key is `key`, else NULL. */
static const void *row_if(const char *r, size_t i, size_t n, size_t rowsize, uint64_t key) {
  uint64_t k;
  if (i == n) return NULL;
  memcpy(&k, r + i * rowsize, sizeof k);
  return k == key ? r + i * rowsize : NULL;
}

/* The row whose leading uint64 (pid, place id) is `key`, in rows sorted by it. */
static const void *find_row(const void *rows, size_t n, size_t rowsize, uint64_t key) {
  return row_if(rows, lower_bound(rows, 0, n, rowsize, key), n, rowsize, key);
}
_Static_assert(offsetof(pc_person, pid) == 0 && offsetof(pc_identity, pid) == 0 &&
                   offsetof(pc_place, id) == 0,
               "find_row keys on the leading uint64");

/* find_row from *at onwards (rows before it have smaller keys, when key is
 * above the one asked last): a galloping search, then *at = where key is
 * or would be. */
static const void *find_row_from(const void *rows, size_t n, size_t rowsize, uint64_t key,
                                 size_t *at) {
  const char *r = rows;
  uint64_t k;
  size_t lo = *at <= n ? *at : 0, hi = n;
  if (lo > 0) {
    memcpy(&k, r + (lo - 1) * rowsize, sizeof k);
    if (k >= key) lo = 0; /* not ascending: from the start */
  }
  for (size_t step = 1; lo + step <= n; step *= 2) {
    const size_t p = lo + step - 1;
    memcpy(&k, r + p * rowsize, sizeof k);
    if (k >= key) {
      hi = p + 1;
      break;
    }
    lo = p + 1;
  }
  *at = lower_bound(r, lo, hi, rowsize, key);
  return row_if(r, *at, n, rowsize, key);
}

const pc_person *pc_trace_person_from(const pc_tracer *t, uint64_t pid, size_t *at) {
  return find_row_from(t->persons, t->npersons, sizeof *t->persons, pid, at);
}
const pc_identity *pc_trace_identity_from(const pc_tracer *t, uint64_t pid, size_t *at) {
  return find_row_from(t->ids, t->nids, sizeof *t->ids, pid, at);
}

const pc_person *pc_trace_person(const pc_tracer *t, uint64_t pid) {
  return find_row(t->persons, t->npersons, sizeof *t->persons, pid);
}
const pc_identity *pc_trace_identity(const pc_tracer *t, uint64_t pid) {
  return find_row(t->ids, t->nids, sizeof *t->ids, pid);
}
const pc_place *pc_trace_place(const pc_tracer *t, uint64_t id) {
  return find_row(t->places, t->nplaces, sizeof *t->places, id);
}

/* ---- the flagged persons ---- */

pc_trace_flag *pc_trace_flag_at(pc_tracer *t, size_t i) { return (pc_trace_flag *)t->flags.data + i; }

pc_trace_flag *pc_trace_flag_find(pc_tracer *t, uint64_t pid) {
  if (!t->tcap) return NULL; /* nobody flagged on this rank yet */
  size_t mask = t->tcap - 1;
  for (size_t h = pc_mix64(pid) & mask;; h = (h + 1) & mask) {
    if (!t->table[h]) return NULL;
    pc_trace_flag *f = pc_trace_flag_at(t, t->table[h] - 1);
    if (f->pid == pid) return f;
  }
}

/* The table with room for `want` flagged persons at half load, every one placed again. */
static int flag_table(pc_tracer *t, size_t want) {
  _Static_assert(offsetof(pc_trace_flag, pid) == 0, "the table keys on the leading pid");
  return pc_keyslots_fit(&t->table, &t->tcap, want, 1024, t->flags.data, t->flags.n,
                         sizeof(pc_trace_flag));
}

int pc_trace_flag_reserve(pc_tracer *t, size_t more) {
  PC_CALL(flag_table(t, t->flags.n + more));
  /* Grown by a row at a time, the rows of a thousand cases' companions
   * (750 k a rank) were copied by realloc at every step. */
  const size_t unflagged = t->npersons > t->flags.n ? t->npersons - t->flags.n : 0;
  return pc_buf_reserve(&t->flags, t->flags.n + (more < unflagged ? more : unflagged));
}

void pc_trace_flag_prefetch(const pc_tracer *t, uint64_t pid) {
  if (t->tcap) __builtin_prefetch(&t->table[pc_mix64(pid) & (t->tcap - 1)]);
}

int pc_trace_flag_add(pc_tracer *t, const pc_trace_flag *f) {
  PC_CALL(flag_table(t, t->flags.n + 1)); /* load factor <= 1/2 */
  if (t->flags.n >= UINT32_MAX - 1) return PC_ERROR(PC_ERR_MEM, "too many flagged persons on one rank");
  PC_CALL(pc_buf_grow(&t->flags, 1));
  *pc_trace_flag_at(t, t->flags.n) = *f;
  size_t h = pc_mix64(f->pid) & (t->tcap - 1);
  while (t->table[h]) h = (h + 1) & (t->tcap - 1);
  t->table[h] = (uint32_t)(++t->flags.n);
  return 0;
}

/* Read the pid-directory slot k into sbuf, checked against the index's
 * /stays_sum; sbuf holds it until another slot is read. */
static int read_slot(pc_tracer *t, uint64_t k) {
  size_t m;
  t->sslot = 0;
  PC_CALL(pc_stays_read_slots(&t->stays, t->pv.dir.stays, t->pv.stays_sum, k, k, &t->sbuf,
                              &t->scap, &m));
  t->sslot = k + 1;
  return 0;
}

/* One read of the directory block (unless sbuf holds it, verified), then the person's run. */
int pc_trace_stays_of(pc_tracer *t, uint64_t pid, const pc_stay **out, size_t *n) {
  const uint64_t *dir = t->pv.dir.stays;
  const uint64_t k = pc_piddir_key(&t->pv.dir, pid);
  PC_CALL(pc_piddir_need(&t->pv.dir, k));
  const uint64_t lo = dir[k], hi = dir[k + 1];
  size_t m = (size_t)(hi - lo);
  *n = 0;
  *out = t->sbuf;
  if (m == 0) return 0;
  if (t->sslot != k + 1) PC_CALL(read_slot(t, k));
  size_t a = 0;
  while (a < m && t->sbuf[a].pid < pid) a++;
  size_t b = a;
  while (b < m && t->sbuf[b].pid == pid) b++;
  *out = t->sbuf + a;
  *n = b - a;
  return 0;
}

/* ---- loading ---- */

int pc_trace_open_data(pc_tracer *t, uint64_t *npersons) {
  const int given = pc_config_given(t->cfg, "as_of");
  pc_trace_window w = {.as_of = given ? pc_config_time(t->cfg, "as_of") : 0};
  int rc = pc_tracefile_open(t->ctx, t->data_path, !given, &t->data, &w, &t->stays);
  t->window_start = w.start;
  t->window_end = w.end;
  t->as_of = w.as_of;
  *npersons = w.persons;
  return rc;
}

static int read_owned(pc_tracer *t, const pc_schema *s, const uint64_t *dir, void **rows, size_t *n) {
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

int pc_trace_load_owned(pc_tracer *t) {
  void *p = NULL, *q = NULL;
  int rc = read_owned(t, &pc_schema_persons, t->pv.dir.persons, &p, &t->npersons);
  t->persons = p;
  if (!rc) rc = read_owned(t, &pc_schema_identities, t->pv.dir.identities, &q, &t->nids);
  t->ids = q;
  if (!rc) rc = pc_tracefile_places(t->data, t->data_path, &t->places, &t->nplaces);
  return rc;
}
