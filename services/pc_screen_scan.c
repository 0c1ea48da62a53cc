/* pc_screen_scan.c - screen's pass: each rank's persons and the stays of exactly those, streamed once into rows of /screened. */
#include "pc_screen_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_doc.h"
#include "pc_flaggedfile.h"
#include "pc_part.h"
#include "pc_pview.h"
#include "pc_region.h"
#include "pc_time.h"

int pc_screen_open(pc_ctx *ctx, const pc_config *cfg, pc_screener *S) {
  S->ctx = ctx;
  S->cfg = cfg;
  S->data = -1;
  S->stays = (pc_raw){.fd = -1};
  S->data_path = pc_config_str(cfg, "data");
  pc_buf_init(&S->rows, sizeof(pc_screened_row));
  PC_CALL(pc_agree(ctx, pc_screen_areas_load(cfg, &S->A, NULL)));
  S->per_area = pc_calloc(S->A.n + 1, sizeof *S->per_area, "areas");
  PC_CALL(pc_agree(ctx, S->per_area ? 0 : PC_ERR_MEM));
  PC_CALL(pc_h5_open_read(ctx, S->data_path, &S->data));
  int rc = 0;
  if (pc_config_given(cfg, "as_of"))
    S->as_of = pc_config_time(cfg, "as_of");
  else
    rc = pc_h5_attr_read_i64(S->data, "as_of", &S->as_of);
  PC_CALL(pc_agree(ctx, rc));
  S->at = pc_config_given(cfg, "dispatch.at") ? pc_config_time(cfg, "dispatch.at")
                                              : pc_dispatch_instant(S->as_of);
  S->level = pc_level_of(pc_config_str(cfg, "dispatch.level"));
  S->red = pc_screen_is_red(cfg);
  return 0;
}

/* Rows [p0, p0 + np) of /persons and /identities; *hi_pid: the next rank's
 * first pid (UINT64_MAX for the last rank). Local. */
static int read_persons(pc_screener *S, pc_table *tp, pc_table *ti, uint64_t p0, uint64_t p1,
                        uint64_t *hi_pid) {
  const uint64_t N = tp->nrows, NI = ti->nrows;
  if (NI != N)
    return PC_ERROR(PC_ERR_DATA, "%s: /identities has %llu rows, /persons %llu", S->data_path,
                    (unsigned long long)NI, (unsigned long long)N);
  S->persons = pc_malloc((S->np + 1) * sizeof *S->persons, "persons");
  S->ids = pc_malloc((S->np + 1) * sizeof *S->ids, "identities");
  if (!S->persons || !S->ids) return PC_ERR_MEM;
  PC_CALL(pc_table_read(tp, p0, S->np, S->persons));
  PC_CALL(pc_table_read(ti, p0, S->np, S->ids));
  if (p1 < N) { /* local: the next rank's first person, where this rank's stays end */
    pc_person nextp;
    PC_CALL(pc_table_read(tp, p1, 1, &nextp));
    *hi_pid = nextp.pid;
  }
  return 0;
}

/* The rows of /stays of pids [lo_pid, hi_pid). Local. */
static int stays_range(pc_screener *S, uint64_t lo_pid, uint64_t hi_pid) {
  pc_raw *st = &S->stays;
  PC_CALL(pc_raw_open(S->data, S->data_path, &pc_schema_stays, st));
  PC_CALL(pc_stays_lower_bound(st, lo_pid, &S->r0));
  if (hi_pid == UINT64_MAX) S->r1 = st->nrows;
  else PC_CALL(pc_stays_lower_bound(st, hi_pid, &S->r1));
  if (S->r1 < S->r0) S->r1 = S->r0;
  return 0;
}

int pc_screen_persons(pc_ctx *ctx, pc_screener *S) {
  uint64_t hi_pid = UINT64_MAX;
  pc_table tp = {.dset = -1, .mtype = -1}, ti = tp;
  PC_CALL(pc_agree(ctx, pc_table_open(S->data, NULL, &pc_schema_persons, &tp)));
  int rc = pc_table_open(S->data, NULL, &pc_schema_identities, &ti);
  S->npersons = tp.nrows;
  uint64_t p0, p1;
  pc_own_range(tp.nrows, pc_rank(ctx), pc_nranks(ctx), &p0, &p1);
  S->np = (size_t)(p1 - p0);
  if (!rc) rc = read_persons(S, &tp, &ti, p0, p1, &hi_pid);
  pc_table_close(&tp);
  pc_table_close(&ti);
  PC_CALL(pc_agree(ctx, rc));
  S->hi_pid = hi_pid;
  /* The stays of exactly those persons: from the first one's pid to the next rank's first. */
  return pc_agree(ctx, stays_range(S, S->np ? S->persons[0].pid : UINT64_MAX, hi_pid));
}

int pc_screen_person(pc_screener *S, size_t i, const pc_stay *s, size_t n) {
  return pc_screen_person_with(S, i, s, n, s, n);
}

int pc_screen_person_with(pc_screener *S, size_t i, const pc_stay *s, size_t n,
                          const pc_stay *js, size_t nj) {
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
  /* id_origin looks at the resident ID number only: a visitor known by
   * phone, or a person registered by passport, has none; a visitor known by
   * an ID number the registry lacks has one. */
  const char *idnum = S->ids[i].id_type == PC_DOC_ID_CARD ? S->ids[i].subject : NULL;
  for (size_t a = 0; a < S->A.n; a++) {
    const pc_area *ar = &S->A.a[a];
    pc_screen_hit h;
    if (!pc_area_origin(ar, idnum) || !pc_screen_area(ar, s, n, &h, S->scratch)) continue;
    if (!have_j) jur = pc_jurisdiction(js, nj, S->at, p->region, S->level), have_j = 1;
    PC_CALL(pc_buf_grow(&S->rows, 1));
    pc_screened_row *r = (pc_screened_row *)S->rows.data + S->rows.n++;
    memset(r, 0, sizeof *r);
    r->pid = p->pid;
    r->exposure = h.first;
    r->dwell = h.dwell;
    r->reached_at = h.reached;
    r->then_at = h.then_at;
    r->then_dwell = h.then_dwell;
    r->jurisdiction = jur;
    r->residence = p->region;
    memcpy(r->subject, S->ids[i].subject, sizeof r->subject);
    pc_doc_type_name(S->ids[i].id_type, r->subject_type);
    memcpy(r->area, ar->name, sizeof r->area);
    snprintf(r->code, sizeof r->code, "%s", S->red ? "red" : "yellow");
    memcpy(r->sector, p->sector, sizeof r->sector);
    r->age = (int16_t)pc_age_at(p->birth_date, S->as_of);
    S->per_area[a]++;
  }
  return 0;
}

/* Walk this rank's stays [r0, r1) in chunks alongside its persons: reads of
 * PC_STAYS_READ_ROWS, appended to what a person not yet whole left, up to C
 * rows a person. */
static int scan_stays(pc_screener *S, const pc_raw *st, uint64_t r0, uint64_t r1) {
  const size_t C = 1 << 20, R = PC_STAYS_READ_ROWS;
  pc_stay *buf = pc_malloc(C * sizeof *buf, "stays chunk");
  if (!buf) return PC_ERR_MEM;
  size_t have = 0, pi = 0;
  uint64_t next = r0;
  int rc = 0;
  while (!rc && (next < r1 || have)) {
    size_t take = (size_t)(r1 - next < C - have ? r1 - next : C - have);
    if (take > R) take = R;
    if (take && (rc = pc_raw_read(st, next, take, buf + have))) break;
    S->checksum += pc_stays_fingerprint_sum(buf + have, take);
    have += take;
    next += take;
    const int last = next == r1;
    size_t at = 0;
    while (at < have && !rc) {
      size_t e = at;
      while (e < have && buf[e].pid == buf[at].pid) e++;
      if (e == have && !last) { /* the person may go on in the next chunk */
        /* unless one person fills the buffer (this check came after that break, which
         * then waited for rows that could not come: a loop without end) */
        if (at == 0 && have == C) rc = PC_ERROR(PC_ERR_DATA, "a person has more than %zu stays", C);
        break;
      }
      while (pi < S->np && S->persons[pi].pid < buf[at].pid) pi++; /* persons without stays */
      if (pi < S->np && S->persons[pi].pid == buf[at].pid) rc = pc_screen_person(S, pi, buf + at, e - at);
      at = e;
    }
    memmove(buf, buf + at, (have - at) * sizeof *buf);
    have -= at;
    pc_progress(S->ctx, next - r0, r1 - r0);
  }
  free(buf);
  return rc;
}

int pc_screen_scan(pc_ctx *ctx, pc_screener *S) {
  int rc = scan_stays(S, &S->stays, S->r0, S->r1);
  pc_raw_close(&S->stays);
  return rc;
}

int pc_screen_verify(pc_ctx *ctx, pc_screener *S) {
  PC_CALL(pc_sum_u64(ctx, &S->checksum, 1));
  return pc_agree(ctx, pc_stays_verify(S->data, S->data_path, S->checksum));
}

int pc_screen_flagged(const pc_screener *S, pc_person **fpp, int **clsp, int **codep, size_t *ndp) {
  /* Distinct persons (rows of one person are adjacent) for the counts and cubes. */
  const pc_screened_row *r = S->rows.data;
  size_t nd = 0;
  for (size_t i = 0; i < S->rows.n; i++) nd += !i || r[i].pid != r[i - 1].pid;
  pc_person *fp = *fpp = pc_calloc(nd + 1, sizeof *fp, "flagged");
  int *cls = *clsp = pc_malloc((nd + 1) * sizeof *cls, "flagged");
  int *code = *codep = pc_malloc((nd + 1) * sizeof *code, "flagged");
  *ndp = nd;
  if (!fp || !cls || !code) return PC_ERR_MEM;
  size_t k = 0, pi = 0;
  for (size_t i = 0; i < S->rows.n; i++) {
    if (i && r[i].pid == r[i - 1].pid) continue;
    while (S->persons[pi].pid < r[i].pid) pi++;
    fp[k] = S->persons[pi];
    cls[k] = 0;
    code[k] = S->red ? 1 : 2;
    k++;
  }
  return 0;
}

void pc_screener_free(pc_screener *S) {
  pc_raw_close(&S->stays);
  pc_flaggedfile_close(S->data);
  S->data = -1;
  pc_screen_areas_free(&S->A);
  free(S->persons);
  free(S->ids);
  free(S->per_area);
  free(S->scratch);
  pc_buf_free(&S->rows);
  S->persons = NULL;
  S->ids = NULL;
  S->per_area = NULL;
  S->scratch = NULL;
}
