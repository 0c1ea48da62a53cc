/* job_screen.c - `paicha screen`: everyone who stayed long enough in a risk area, streaming each rank's stays. */
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_schema.h"
#include "pc_budget.h"
#include "pc_h5.h"
#include "pc_out.h"
#include "pc_hash.h"
#include "pc_job.h"
#include "pc_pview.h"
#include "pc_screen.h"
#include "pc_time.h"
#include "pc_sort.h"

/* The plan: rank r takes rows [N r / P, N (r+1) / P) of /persons (sorted by
 * pid) with their identities, and the rows of /stays of exactly those pids
 * (found by binary search: /stays is sorted by pid). It walks its persons and
 * their stays in chunks, computes each person's dwell in each area, and
 * writes its rows of /screened in pid order after the lower ranks'. No
 * shuffle, no pairs: one pass over the stays, ~1/P of them per rank. */

static const pc_key str_item[] = {{.name = "", .type = PC_T_STR}, {0}};
static const pc_key area_keys[] = {
    {.name = "name", .type = PC_T_STR, .required = 1,
     .help = "the area's name (up to 31 bytes) in /screened"},
    {.name = "regions", .type = PC_T_LIST,
     .help = "region code prefixes, 1-12 digits (\"4201\": Wuhan)", .sub = str_item},
    {.name = "places", .type = PC_T_LIST,
     .help = "places: a place id (decimal), or a place's name as in stays.csv (any channel but "
             "rail)",
     .sub = str_item},
    {.name = "from", .type = PC_T_TIME, .required = 1, .help = "start of the period (local time)"},
    {.name = "to", .type = PC_T_TIME, .required = 1, .help = "end of the period (excluded)"},
    {.name = "hours", .type = PC_T_STR,
     .help = "daily window \"HH:MM-HH:MM\" (may cross midnight)"},
    {.name = "min_dwell", .type = PC_T_DURATION, .required = 1,
     .help = "least time in the area (whole minutes count)", .max = 366 * 86400LL},
    {0}};
static const pc_key area_item[] = {{.name = "", .type = PC_T_MAP, .sub = area_keys}, {0}};
static const pc_key code_keys[] = {
    {.name = "red", .type = PC_T_LIST, .def = "[]", .help = "classes given a red code",
     .sub = str_item},
    {.name = "yellow", .type = PC_T_LIST, .def = "[screened]",
     .help = "classes given a yellow code (the rest are yellow)", .sub = str_item},
    {0}};

static const pc_key screen_keys[] = {
    {.name = "data", .type = PC_T_PATH, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "output", .type = PC_T_PATH, .required = 1, .help = "screening file to write (HDF5)"},
    {.name = "as_of", .type = PC_T_TIME,
     .help = "ages and dispatch (default: the dataset's as_of)"},
    {.name = "areas", .type = PC_T_LIST, .required = 1, .help = "the risk areas", .sub = area_item},
    {.name = "codes", .type = PC_T_MAP, .help = "code of the class `screened`", .sub = code_keys},
    {.name = "dispatch", .type = PC_T_MAP, .help = "who receives each person",
     .sub = pc_dispatch_keys},
    {.name = "breakdown", .type = PC_T_MAP, .help = "axes of the /breakdown cubes",
     .sub = pc_breakdown_keys},
    PC_KEYS_COMMON,
    {0}};

typedef pc_screened_row screen_row; /* one row of /screened (io/pc_schema.h) */

typedef struct areas {
  pc_area *a;
  size_t n;
  uint64_t *lo, *hi, *places; /* storage the areas point into */
} areas;

static int u64_cmp(const void *pa, const void *pb) {
  uint64_t x = *(const uint64_t *)pa, y = *(const uint64_t *)pb;
  return (x > y) - (x < y);
}

static void areas_free(areas *A) {
  free(A->a);
  free(A->lo);
  free(A->hi);
  free(A->places);
  memset(A, 0, sizeof *A);
}

/* A problem of the areas: into p at load; at run time (p NULL) the first
 * one fails the call. */
#define AREA_PROBLEM(...)                                                  \
  do {                                                                     \
    if (pc_config_problem(p, cfg, __VA_ARGS__) && !p) return PC_ERR_CONFIG; \
  } while (0)

/* The areas of the config, built into A (the caller frees it with
 * areas_free). Local. At load, p collects every problem of every area; the
 * job passes NULL, the areas being checked then. */
static int load_areas(const pc_config *cfg, areas *A, pc_config_problems *p) {
  size_t n = pc_config_len(cfg, "areas"), np = 0, npl = 0;
  char k[128];
  for (size_t i = 0; i < n; i++) {
    snprintf(k, sizeof k, "areas.%zu.regions", i);
    np += pc_config_len(cfg, k);
    snprintf(k, sizeof k, "areas.%zu.places", i);
    npl += pc_config_len(cfg, k);
  }
  A->n = n;
  A->a = pc_calloc(n + 1, sizeof *A->a, "areas");
  A->lo = pc_malloc((np + 1) * sizeof *A->lo, "areas");
  A->hi = pc_malloc((np + 1) * sizeof *A->hi, "areas");
  A->places = pc_malloc((6 * npl + 1) * sizeof *A->places, "areas");
  if (!A->a || !A->lo || !A->hi || !A->places) return PC_ERR_MEM;
  if (n == 0) AREA_PROBLEM("areas", "give at least one area");
  size_t at = 0, atp = 0;
  for (size_t i = 0; i < n; i++) {
    pc_area *a = &A->a[i];
    snprintf(k, sizeof k, "areas.%zu.name", i);
    const char *name = pc_config_str(cfg, k);
    if (!name[0] || strlen(name) >= sizeof a->name)
      AREA_PROBLEM(k, "an area name has 1-31 bytes");
    for (size_t j = 0; j < i; j++) {
      char kj[128];
      snprintf(kj, sizeof kj, "areas.%zu.name", j);
      if (!strcmp(pc_config_str(cfg, kj), name)) {
        AREA_PROBLEM(k, "area name '%s' given twice (first in areas.%zu)", name, j);
        break;
      }
    }
    snprintf(a->name, sizeof a->name, "%s", name);
    a->lo = A->lo + at;
    a->hi = A->hi + at;
    snprintf(k, sizeof k, "areas.%zu.regions", i);
    for (size_t j = 0; j < pc_config_len(cfg, k); j++, at++) {
      const char *pre = pc_config_str_at(cfg, k, j);
      if (pc_prefix_range(pre, &A->lo[at], &A->hi[at])) {
        char kp[160];
        snprintf(kp, sizeof kp, "%s.%zu", k, j);
        AREA_PROBLEM(kp, "area '%s': region prefix '%s' is not 1-12 digits", name, pre);
      }
      a->nprefix++;
    }
    a->places = A->places + atp;
    snprintf(k, sizeof k, "areas.%zu.places", i);
    for (size_t j = 0; j < pc_config_len(cfg, k); j++) {
      const char *pl = pc_config_str_at(cfg, k, j);
      size_t len = strlen(pl), d = strspn(pl, "0123456789");
      if (len && d == len && len <= 20) {
        A->places[atp++] = strtoull(pl, NULL, 10);
      } else if (len) {
        static const int ch[] = {PC_CH_CAFE, PC_CH_LODGING, PC_CH_FLIGHT, PC_CH_LBS, PC_CH_GRID};
        for (int c = 0; c < 5; c++) A->places[atp++] = pc_place_key((unsigned)ch[c], pl, len, 0);
      }
    }
    a->nplaces = (size_t)(A->places + atp - a->places);
    pc_qsort((uint64_t *)a->places, a->nplaces, sizeof *a->places, u64_cmp);
    snprintf(k, sizeof k, "areas.%zu", i);
    if (!a->nprefix && !a->nplaces) AREA_PROBLEM(k, "area '%s': give regions or places", name);
    snprintf(k, sizeof k, "areas.%zu.from", i);
    a->from = pc_config_time(cfg, k);
    snprintf(k, sizeof k, "areas.%zu.to", i);
    a->to = pc_config_time(cfg, k);
    if (a->to <= a->from) AREA_PROBLEM(k, "area '%s': `to` is not after `from`", name);
    snprintf(k, sizeof k, "areas.%zu.hours", i);
    if (pc_config_given(cfg, k)) {
      a->hours = 1;
      if (pc_hours_parse(pc_config_str(cfg, k), &a->h0, &a->h1))
        AREA_PROBLEM(k, "area '%s': hours must be \"HH:MM-HH:MM\" with two different times",
                     name);
    }
    snprintf(k, sizeof k, "areas.%zu.min_dwell", i);
    a->min_dwell = pc_config_duration(cfg, k);
  }
  return 0;
}

/* Checks of meaning at load: the areas, as the job will build them; the
 * one class codes name (a typo would silently give everyone yellow); the
 * breakdown axes. */
static int check_screen(const pc_config *cfg, pc_config_problems *p) {
  areas A = {0};
  int rc = load_areas(cfg, &A, p);
  areas_free(&A);
  static const char *const lists[2] = {"codes.red", "codes.yellow"};
  char k[64];
  for (int l = 0; l < 2; l++)
    for (size_t i = 0; i < pc_config_len(cfg, lists[l]); i++) {
      const char *c = pc_config_str_at(cfg, lists[l], i);
      snprintf(k, sizeof k, "%s.%zu", lists[l], i);
      if (strcmp(c, "screened"))
        pc_config_problem(p, cfg, k, "unknown class '%s' (screen has one: screened)", c);
    }
  pc_cube_axes_check(cfg, p);
  return rc == PC_ERR_MEM ? rc : 0;
}

static int is_red(const pc_config *cfg) {
  for (size_t i = 0; i < pc_config_len(cfg, "codes.red"); i++)
    if (!strcmp(pc_config_str_at(cfg, "codes.red", i), "screened")) return 1;
  return 0;
}

typedef struct screener {
  uint64_t checksum; /* fingerprints of the stays read: all ranks' sum = the dataset's */
  pc_ctx *ctx;
  const pc_config *cfg;
  areas A;
  int64_t as_of, at;
  int level, red; /* level: of the jurisdiction (PC_LEVEL_*) */
  pc_person *persons;
  pc_identity *ids;
  size_t np;
  pc_buf rows;          /* screen_row */
  uint64_t *per_area;   /* rows per area (this rank) */
  int64_t *scratch;
  size_t scap;
  uint64_t nstays;
} screener;

/* One person's rows: their dwell in each area. */
static int screen_person(screener *S, size_t i, const pc_stay *s, size_t n) {
  const pc_person *p = &S->persons[i];
  size_t need = 0;
  for (size_t a = 0; a < S->A.n; a++) {
    size_t q = pc_dwell_scratch(n, S->A.a[a].to - S->A.a[a].from);
    if (q > need) need = q;
  }
  if (need > S->scap) {
    free(S->scratch);
    S->scap = need * 2;
    S->scratch = pc_malloc(S->scap * sizeof *S->scratch, "dwell scratch");
    if (!S->scratch) return PC_ERR_MEM;
  }
  int have_j = 0;
  uint64_t jur = 0;
  for (size_t a = 0; a < S->A.n; a++) {
    const pc_area *ar = &S->A.a[a];
    int64_t first = 0, dwell = pc_dwell(ar, s, n, &first, S->scratch);
    if (dwell < 60 || dwell < ar->min_dwell) continue;
    if (!have_j) jur = pc_jurisdiction(s, n, S->at, p->region, S->level), have_j = 1;
    PC_CALL(pc_buf_grow(&S->rows, 1));
    screen_row *r = (screen_row *)S->rows.data + S->rows.n++;
    memset(r, 0, sizeof *r);
    r->pid = p->pid;
    r->exposure = first;
    r->dwell = dwell;
    r->jurisdiction = jur;
    r->residence = p->region;
    memcpy(r->subject, S->ids[i].subject, sizeof r->subject);
    memcpy(r->area, ar->name, sizeof r->area);
    snprintf(r->code, sizeof r->code, "%s", S->red ? "red" : "yellow");
    memcpy(r->sector, p->sector, sizeof r->sector);
    r->age = (int16_t)pc_age_at(p->birth_date, S->as_of);
    S->per_area[a]++;
  }
  return 0;
}

/* Walk this rank's stays [r0, r1) in chunks alongside its persons. */
static int scan_stays(screener *S, const pc_raw *st, uint64_t r0, uint64_t r1) {
  const size_t C = 1 << 20;
  pc_stay *buf = pc_malloc(C * sizeof *buf, "stays chunk");
  if (!buf) return PC_ERR_MEM;
  size_t have = 0, pi = 0;
  uint64_t next = r0;
  int rc = 0;
  while (!rc && (next < r1 || have)) {
    size_t take = (size_t)(r1 - next < C - have ? r1 - next : C - have);
    if (take && (rc = pc_raw_read(st, next, take, buf + have))) break;
    for (size_t i = have; i < have + take; i++) S->checksum += pc_stay_fingerprint(&buf[i]);
    have += take;
    next += take;
    const int last = next == r1;
    size_t at = 0;
    while (at < have && !rc) {
      size_t e = at;
      while (e < have && buf[e].pid == buf[at].pid) e++;
      if (e == have && !last) break; /* the person may go on in the next chunk */
      if (at == 0 && e == have && have == C) {
        rc = PC_ERROR(PC_ERR_DATA, "a person has more than %zu stays", C);
        break;
      }
      while (pi < S->np && S->persons[pi].pid < buf[at].pid) pi++; /* persons without stays */
      if (pi < S->np && S->persons[pi].pid == buf[at].pid) rc = screen_person(S, pi, buf + at, e - at);
      at = e;
    }
    memmove(buf, buf + at, (have - at) * sizeof *buf);
    have -= at;
    pc_progress(S->ctx, next - r0, r1 - r0);
  }
  free(buf);
  return rc;
}

/* The `counts` attribute: flagged persons, rows, by code and by area. NULL
 * (json-c out of memory) is recorded by pc_out_json. Local. */
static json_object *screen_counts(const screener *S, const uint64_t *tot) {
  json_object *j = json_object_new_object(), *by_area = json_object_new_object();
  if (!j || !by_area) {
    json_object_put(j);
    json_object_put(by_area);
    return NULL;
  }
  pc_json_add_u64(j, "screened", tot[1]);
  pc_json_add_u64(j, "rows", tot[0]);
  pc_json_add_u64(j, "red", S->red ? tot[1] : 0);
  pc_json_add_u64(j, "yellow", S->red ? 0 : tot[1]);
  for (size_t a = 0; a < S->A.n; a++) pc_json_add_u64(by_area, S->A.a[a].name, S->per_area[a]);
  pc_json_add(j, "areas", by_area);
  return j;
}

static int run(pc_ctx *ctx, const pc_config *cfg, screener *S) {
  const char *data_path = pc_config_str(cfg, "data"), *out_path = pc_config_str(cfg, "output");
  S->ctx = ctx;
  S->cfg = cfg;
  pc_buf_init(&S->rows, sizeof(screen_row));
  pc_job_record_for(ctx, out_path);
  PC_CALL(pc_phase_begin(ctx, "setup"));
  PC_CALL(pc_agree(ctx, load_areas(cfg, &S->A, NULL)));
  S->per_area = pc_calloc(S->A.n + 1, sizeof *S->per_area, "areas");
  PC_CALL(pc_agree(ctx, S->per_area ? 0 : PC_ERR_MEM));
  hid_t data;
  PC_CALL(pc_h5_open_read(ctx, data_path, &data));
  int rc = 0;
  if (pc_config_given(cfg, "as_of"))
    S->as_of = pc_config_time(cfg, "as_of");
  else
    rc = pc_h5_attr_read_i64(data, "as_of", &S->as_of);
  PC_CALLG(pc_agree(ctx, rc), out);
  S->at = pc_config_given(cfg, "dispatch.at") ? pc_config_time(cfg, "dispatch.at")
                                              : pc_dispatch_instant(S->as_of);
  S->level = pc_level_of(pc_config_str(cfg, "dispatch.level"));
  S->red = is_red(cfg);
  /* This rank's persons and identities. */
  uint64_t hi_pid = UINT64_MAX;
  pc_table tp = {.dset = -1, .mtype = -1}, ti = tp;
  PC_CALLG(pc_agree(ctx, pc_table_open(data, NULL, &pc_schema_persons, &tp)), out);
  rc = pc_table_open(data, NULL, &pc_schema_identities, &ti);
  const uint64_t N = tp.nrows, NI = ti.nrows;
  if (!rc && NI != N)
    rc = PC_ERROR(PC_ERR_DATA, "%s: /identities has %llu rows, /persons %llu", data_path,
                  (unsigned long long)NI, (unsigned long long)N);
  uint64_t p0, p1;
  pc_own_range(N, pc_rank(ctx), pc_nranks(ctx), &p0, &p1);
  S->np = (size_t)(p1 - p0);
  S->persons = pc_malloc((S->np + 1) * sizeof *S->persons, "persons");
  S->ids = pc_malloc((S->np + 1) * sizeof *S->ids, "identities");
  if (!rc && (!S->persons || !S->ids)) rc = PC_ERR_MEM;
  if (!rc) rc = pc_table_read(&tp, p0, S->np, S->persons);
  if (!rc) rc = pc_table_read(&ti, p0, S->np, S->ids);
  if (!rc && p1 < N) { /* local: the next rank's first person, where this rank's stays end */
    pc_person nextp;
    if (!(rc = pc_table_read(&tp, p1, 1, &nextp))) hi_pid = nextp.pid;
  }
  pc_table_close(&tp);
  pc_table_close(&ti);
  PC_CALLG(pc_agree(ctx, rc), out);
  /* The stays of exactly those persons: from the first one's pid to the next rank's first. */
  uint64_t lo_pid = S->np ? S->persons[0].pid : UINT64_MAX;
  pc_raw st = {.fd = -1};
  uint64_t r0 = 0, r1 = 0;
  if (!rc) rc = pc_raw_open(data, data_path, &pc_schema_stays, &st);
  if (!rc) rc = pc_stays_lower_bound(&st, lo_pid, &r0);
  if (!rc) rc = hi_pid == UINT64_MAX ? (r1 = st.nrows, 0) : pc_stays_lower_bound(&st, hi_pid, &r1);
  if (!rc && r1 < r0) r1 = r0;
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(pc_budget_check(ctx, cfg, "screen", (double)N, (double)st.nrows), out);
  pc_phase_end(ctx, S->np, 0);

  PC_CALLG(pc_phase_begin(ctx, "screen"), out);
  rc = scan_stays(S, &st, r0, r1);
  pc_raw_close(&st);
  PC_CALLG(pc_agree(ctx, rc), out);
  PC_CALLG(pc_sum_u64(ctx, &S->checksum, 1), out);
  PC_CALLG(pc_agree(ctx, pc_stays_verify(data, data_path, S->checksum)), out);
  pc_phase_end(ctx, r1 - r0, (r1 - r0) * sizeof(pc_stay));

  PC_CALLG(pc_phase_begin(ctx, "write"), out);
  {
    /* Distinct persons (rows of one person are adjacent) for the counts and cubes. */
    const screen_row *r = S->rows.data;
    size_t nd = 0;
    for (size_t i = 0; i < S->rows.n; i++) nd += !i || r[i].pid != r[i - 1].pid;
    pc_person *fp = pc_calloc(nd + 1, sizeof *fp, "flagged");
    int *cls = pc_malloc((nd + 1) * sizeof *cls, "flagged"), *code = pc_malloc((nd + 1) * sizeof *code, "flagged");
    rc = fp && cls && code ? 0 : PC_ERR_MEM;
    size_t k = 0, pi = 0;
    for (size_t i = 0; i < S->rows.n && !rc; i++) {
      if (i && r[i].pid == r[i - 1].pid) continue;
      while (S->persons[pi].pid < r[i].pid) pi++;
      fp[k] = S->persons[pi];
      cls[k] = 0;
      code[k] = S->red ? 1 : 2;
      k++;
    }
    uint64_t tot[3] = {S->rows.n, nd, 0};
    PC_CALLG(pc_agree(ctx, rc), cubes_out);
    PC_CALLG(pc_sum_u64(ctx, tot, 2), cubes_out);
    PC_CALLG(pc_sum_u64(ctx, S->per_area, (int)S->A.n), cubes_out);
    pc_out out;
    PC_CALLG(pc_out_create(ctx, cfg, out_path, &out), cubes_out);
    pc_out_table(&out, "screened", pc_schema_type(&pc_schema_screened), S->rows.data, S->rows.n,
                 "RESTRICTED (subjects are clear identities): one row per person and area whose "
                 "dwell (seconds, whole minutes) reached the area's min_dwell; exposure = first "
                 "second counted; sorted by pid, then area order");
    static const char *const names[3] = {"screened", "red", "yellow"};
    if (!out.rc)
      out.rc = pc_flag_cubes(ctx, cfg, data, out.file, S->as_of, names, 3, fp, cls, code, nd,
                             out.deflate);
    pc_out_json(&out, "counts", screen_counts(S, tot), 1);
    pc_out_attr_i64(&out, "as_of", S->as_of);
    pc_out_attr_i64(&out, "dispatch_at", S->at);
    pc_out_attr_str(&out, "data", data_path);
    if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, data);
    rc = pc_out_commit(&out, 0);
    if (!rc) {
      pc_log(ctx, "screen: %llu persons flagged (%llu rows); code %s", (unsigned long long)tot[1],
             (unsigned long long)tot[0], S->red ? "red" : "yellow");
      for (size_t a = 0; a < S->A.n; a++)
        pc_log(ctx, "screen: area %s: %llu persons", S->A.a[a].name,
               (unsigned long long)S->per_area[a]);
    }
  cubes_out:
    free(fp);
    free(cls);
    free(code);
  }
  pc_phase_end(ctx, S->rows.n, 0);
out:
  H5Fclose(data);
  return rc;
}

static int run_screen(pc_ctx *ctx, const pc_config *cfg) {
  screener *S = pc_calloc(1, sizeof *S, "screen");
  PC_CALL(pc_agree(ctx, S ? 0 : PC_ERR_MEM));
  int rc = run(ctx, cfg, S);
  areas_free(&S->A);
  free(S->persons);
  free(S->ids);
  free(S->per_area);
  free(S->scratch);
  pc_buf_free(&S->rows);
  free(S);
  return rc;
}

const pc_jobdef pc_job_screen = {
    "screen", "risk-area screening: everyone whose dwell in an area reached its minimum",
    "For each area (region code prefixes and/or places, a period [from, to), an optional\n"
    "daily window that may cross midnight, min_dwell), flags every person whose stays in\n"
    "the area, cut to the period and the window and counted once where they overlap, add\n"
    "up to min_dwell or more (whole minutes). Each rank streams the stays of its share of\n"
    "the persons once. Writes /screened (one row per person and area, sorted by pid:\n"
    "subject, exposure = first second counted, dwell, area, code, jurisdiction at the\n"
    "dispatch instant, residence, age, sector), /breakdown/{screened,red,yellow} cubes\n"
    "and the `counts` attribute.",
    screen_keys, run_screen, check_screen};
