/* pc_ledgerfile.c - the campaign's ledger in HDF5: each rank's share of /persons and /events read, the whole written. */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_err.h"
#include "pc_flaggedfile.h"
#include "pc_h5.h"
#include "pc_ledgerfile.h"
#include "pc_schema.h"
#include "pc_sort.h"

void pc_ledger_data_init(pc_ledger_data *L) {
  pc_buf_init(&L->rows, sizeof(pc_ledger_row));
  pc_buf_init(&L->events, sizeof(pc_ledger_event));
  pc_buf_init(&L->batches, sizeof(pc_ledger_batch));
  pc_buf_init(&L->parts, sizeof(pc_ledger_part));
}

void pc_ledger_data_free(pc_ledger_data *L) {
  pc_buf_free(&L->rows);
  pc_buf_free(&L->events);
  pc_buf_free(&L->batches);
  pc_buf_free(&L->parts);
}

static const pc_schema *const tables[] = {&pc_schema_ledger_persons, &pc_schema_ledger_events,
                                          &pc_schema_ledger_batches};

int pc_ledgerfile_open(pc_ctx *ctx, const char *path, pc_file *file, int *exists) {
  struct stat st;
  *file = -1;
  *exists = 0;
  int there = stat(path, &st) == 0;
  PC_CALL(pc_bcast_int(ctx, &there, 1));
  if (!there) return 0;
  PC_CALL(pc_h5_open_read(ctx, path, file));
  int rc = 0;
  const size_t first = pc_flaggedfile_has(*file, "parts") ? 2 : 0; /* in parts: no /persons, /events */
  for (size_t k = first; k < sizeof tables / sizeof *tables && !rc; k++) {
    pc_table t;
    rc = pc_table_open(*file, NULL, tables[k], &t);
    if (rc == PC_ERR_IO)
      rc = PC_ERROR(PC_ERR_DATA, "%s: not a ledger (no table /%s)", path, tables[k]->name);
    pc_table_close(&t);
  }
  if ((rc = pc_agree(ctx, rc))) {
    pc_ledgerfile_close(*file);
    *file = -1;
    return rc;
  }
  *exists = 1;
  return 0;
}

void pc_ledgerfile_close(pc_file file) { pc_flaggedfile_close(file); }

int pc_ledgerfile_size(pc_file file, const pc_ledger_data *L, uint64_t *persons,
                       uint64_t *events) {
  const pc_ledger_part *p = L->parts.data;
  *persons = *events = 0;
  for (size_t k = 0; k < L->parts.n; k++) *persons += p[k].persons, *events += p[k].events;
  if (L->parts.n) return 0;
  pc_table t;
  PC_CALL(pc_table_open(file, NULL, &pc_schema_ledger_persons, &t));
  *persons = t.nrows;
  pc_table_close(&t);
  PC_CALL(pc_table_open(file, NULL, &pc_schema_ledger_events, &t));
  *events = t.nrows;
  pc_table_close(&t);
  return 0;
}

void pc_ledgerfile_part_path(char *buf, size_t size, const char *path, int32_t batch) {
  snprintf(buf, size, "%s.part%04d", path, (int)batch);
}

int pc_ledgerfile_parts(pc_ctx *ctx, pc_file file, const char *path, pc_ledger_data *L) {
  L->parts.n = 0;
  int rc = 0;
  if (pc_flaggedfile_has(file, "parts")) {
    void *v = NULL;
    uint64_t n = 0;
    rc = pc_table_read_all(file, NULL, &pc_schema_ledger_parts, &v, &n);
    if (!rc) {
      free(L->parts.data);
      L->parts.data = v;
      L->parts.n = L->parts.cap = (size_t)n;
    }
    const pc_ledger_part *p = L->parts.data;
    for (size_t k = 0; k < L->parts.n && !rc; k++)
      if (p[k].base != (k == 0) || (k && p[k].batch <= p[k - 1].batch))
        rc = PC_ERROR(PC_ERR_DATA, "%s: /parts is not a base followed by later deltas (row %zu): "
                      "a damaged ledger", path, k);
    if (!rc && !L->parts.n) rc = PC_ERROR(PC_ERR_DATA, "%s: /parts is empty: a damaged ledger", path);
  }
  return pc_agree(ctx, rc);
}

/* The first row of t whose pid (its first column) is >= p: binary search
 * reading one pid per step. */
static int lower_bound(const pc_table *pids, uint64_t p, uint64_t *at) {
  uint64_t lo = 0, hi = pids->nrows;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2, v;
    PC_CALL(pc_table_read(pids, mid, 1, &v));
    if (v < p)
      lo = mid + 1;
    else
      hi = mid;
  }
  *at = lo;
  return 0;
}

/* The first row of a raw table whose pid (its first 8 bytes) is >= p. */
static int raw_lower_bound(const pc_raw *raw, uint64_t p, uint64_t *at) {
  uint64_t lo = 0, hi = raw->nrows, v;
  char row[sizeof(pc_ledger_row)];
  if (raw->rowsize > sizeof row) return PC_ERROR(PC_ERR_ARG, "%s: rows too wide", raw->what);
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    PC_CALL(pc_raw_read(raw, mid, 1, row));
    memcpy(&v, row, sizeof v);
    if (v < p)
      lo = mid + 1;
    else
      hi = mid;
  }
  *at = lo;
  return 0;
}

/* Of rows r[0..k) (sorted by pid, their first 8 bytes, none below *prev),
 * those whose pid is in only[*j..nonly) (sorted, unique) appended to b; *j
 * and *prev advanced. PC_ERR_DATA when the rows are out of order (the merge
 * would miss rows). */
static int keep_named(pc_buf *b, const char *r, size_t k, const uint64_t *only, size_t nonly,
                      size_t *j, uint64_t *prev) {
  for (size_t i = 0; i < k && *j < nonly; i++) {
    uint64_t pid;
    memcpy(&pid, r + i * b->rowsize, sizeof pid);
    if (pid < *prev) return PC_ERROR(PC_ERR_DATA, "a ledger table is not sorted by pid");
    *prev = pid;
    while (*j < nonly && only[*j] < pid) ++*j;
    if (*j < nonly && only[*j] == pid) {
      PC_CALL(pc_buf_grow(b, 1));
      memcpy((char *)b->data + b->n++ * b->rowsize, r + i * b->rowsize, b->rowsize);
    }
  }
  return 0;
}

/* Rows [lo, lo + n) of a table read in pieces (raw or through t) into b:
 * all of them, or with only (sorted, unique pids; nonly of them) those
 * rows whose pid is named. In pieces: a table whose file type differs from
 * the rows' (another writer's column order) is converted by HDF5 through
 * buffers that grew with the rest of the read, quadratic in one call (25 s
 * for 5 M rows); with a filter, nothing of the range is held at once. */
static int read_rows(const pc_raw *raw, pc_table *t, uint64_t lo, size_t n, const uint64_t *only,
                     size_t nonly, pc_buf *b) {
  const size_t piece = 1 << 16;
  if (!only && raw) {
    PC_CALL(pc_buf_reserve(b, b->n + n + 1));
    if (n) PC_CALL(pc_raw_read(raw, lo, n, (char *)b->data + b->n * b->rowsize));
    b->n += n;
    return 0;
  }
  char *scratch = NULL;
  if (only) {
    scratch = pc_malloc(piece * b->rowsize, "ledger read");
    if (!scratch) return PC_ERR_MEM;
  } else {
    PC_CALL(pc_buf_reserve(b, b->n + n + 1));
  }
  int rc = 0;
  size_t j = 0;
  uint64_t prev = 0;
  for (size_t at = 0; !rc && at < n && (!only || j < nonly); at += piece) {
    const size_t k = n - at < piece ? n - at : piece;
    char *to = only ? scratch : (char *)b->data + (b->n + at) * b->rowsize;
    rc = raw ? pc_raw_read(raw, lo + at, k, to) : pc_table_read(t, lo + at, k, to);
    if (!rc && only) rc = keep_named(b, scratch, k, only, nonly, &j, &prev);
  }
  if (!rc && !only) b->n += n;
  free(scratch);
  return rc;
}

/* read_range of a table this version wrote (contiguous, the rows' own
 * type): preads from the page cache, no HDF5 or MPI-IO in between. */
static int read_range_raw(const pc_raw *raw, uint64_t p0, uint64_t p1, const uint64_t *only,
                          size_t nonly, pc_buf *b) {
  uint64_t lo = 0, hi = 0;
  PC_CALL(raw_lower_bound(raw, p0, &lo));
  if (p1 < p0) hi = lo;
  else if (p1 == UINT64_MAX) hi = raw->nrows;
  else PC_CALL(raw_lower_bound(raw, p1 + 1, &hi));
  return read_rows(raw, NULL, lo, (size_t)(hi - lo), only, nonly, b);
}

/* The rows of table s whose pids are in [p0, p1] (and, with only, among
 * those nonly pids), appended to b: raw when paicha wrote the table, else
 * through HDF5 (another writer's layout). */
static int read_range(pc_file file, const char *path, const pc_schema *s, uint64_t p0,
                      uint64_t p1, const uint64_t *only, size_t nonly, pc_buf *b) {
  pc_raw raw;
  if (pc_raw_open(file, path, s, &raw) == 0) {
    int rc = read_range_raw(&raw, p0, p1, only, nonly, b);
    pc_raw_close(&raw);
    return rc;
  }
  pc_raw_close(&raw);
  pc_err_clear();
  uint64_t lo = 0, hi = 0;
  pc_table pids, t;
  PC_CALL(pc_table_open(file, s->name, &pc_view_pid, &pids));
  int rc = lower_bound(&pids, p0, &lo);
  if (!rc && p1 < p0) {
    hi = lo; /* an empty range */
  } else if (!rc) {
    if (p1 == UINT64_MAX)
      hi = pids.nrows;
    else
      rc = lower_bound(&pids, p1 + 1, &hi);
  }
  pc_table_close(&pids);
  if (rc) return rc;
  PC_CALL(pc_table_open(file, NULL, s, &t));
  rc = read_rows(NULL, &t, lo, (size_t)(hi - lo), only, nonly, b);
  pc_table_close(&t);
  return rc;
}

static int check_sorted(const pc_ledger_data *L, const char *path) {
  const pc_ledger_row *r = L->rows.data;
  for (size_t i = 1; i < L->rows.n; i++)
    if (r[i].pid <= r[i - 1].pid)
      return PC_ERROR(PC_ERR_DATA, "%s: /persons is not sorted by unique pid (row %zu)", path, i);
  const pc_ledger_event *e = L->events.data;
  for (size_t i = 1; i < L->events.n; i++)
    if (e[i].pid < e[i - 1].pid)
      return PC_ERROR(PC_ERR_DATA, "%s: /events is not sorted by pid (row %zu)", path, i);
  return 0;
}

/* One part's file opened (every rank) and checked against its /parts row. */
static int part_open(pc_ctx *ctx, const char *path, const pc_ledger_part *p, hid_t *pf) {
  char pp[4200];
  pc_ledgerfile_part_path(pp, sizeof pp, path, p->batch);
  PC_CALL(pc_h5_open_read(ctx, pp, pf));
  int64_t batch = 0, base = -1;
  uint64_t np = 0, ne = 0;
  pc_ledger_data one = {.parts = {.n = 0}};
  int rc = pc_h5_attr_read_i64(*pf, "part_batch", &batch);
  if (!rc) rc = pc_h5_attr_read_i64(*pf, "part_base", &base);
  if (!rc) rc = pc_ledgerfile_size(*pf, &one, &np, &ne);
  if (!rc && (batch != p->batch || base != p->base || np != p->persons || ne != p->events))
    rc = PC_ERROR(PC_ERR_DATA, "%s: not the part %s lists (batch %lld, %llu persons, %llu "
                  "events; listed: batch %d, %llu, %llu)", pp, path, (long long)batch,
                  (unsigned long long)np, (unsigned long long)ne, (int)p->batch,
                  (unsigned long long)p->persons, (unsigned long long)p->events);
  if ((rc = pc_agree(ctx, rc))) pc_ledgerfile_close(*pf);
  return rc;
}

/* The parts of L->parts read and laid over each other: the base's rows and
 * events straight into L, the deltas' after them; with persons 0, only the
 * events, and with only, only the events of those pids (nonly, sorted). */
static int read_parts(pc_ctx *ctx, const char *path, uint64_t p0, uint64_t p1, int persons,
                      int events, const uint64_t *only, size_t nonly, pc_ledger_data *L) {
  pc_buf d, de;
  pc_buf_init(&d, sizeof(pc_ledger_row));
  pc_buf_init(&de, sizeof(pc_ledger_event));
  const pc_ledger_part *p = L->parts.data;
  int rc = 0;
  for (size_t k = 0; k < L->parts.n && !rc; k++) {
    hid_t pf;
    if ((rc = part_open(ctx, path, &p[k], &pf))) break;
    char pp[4200];
    pc_ledgerfile_part_path(pp, sizeof pp, path, p[k].batch);
    if (persons) rc = read_range(pf, pp, &pc_schema_ledger_persons, p0, p1, NULL, 0, k ? &d : &L->rows);
    if (!rc && events)
      rc = read_range(pf, pp, &pc_schema_ledger_events, p0, p1, only, nonly, k ? &de : &L->events);
    pc_ledgerfile_close(pf);
    rc = pc_agree(ctx, rc);
  }
  pc_ledger_row *out = NULL;
  size_t n = 0;
  if (!rc && d.n) {
    out = pc_malloc((L->rows.n + d.n + 1) * sizeof *out, "ledger");
    rc = out ? pc_ledger_overlay(L->rows.data, L->rows.n, d.data, d.n, out, &n) : PC_ERR_MEM;
    if (!rc) {
      free(L->rows.data);
      L->rows.data = out;
      L->rows.n = n;
      L->rows.cap = L->rows.n + d.n + 1;
    } else {
      free(out);
    }
  }
  if (!rc && de.n) {
    pc_qsort(de.data, de.n, sizeof(pc_ledger_event), pc_ledger_event_cmp);
    rc = pc_buf_merge(&L->events, &de, pc_ledger_event_cmp);
  }
  pc_buf_free(&d);
  pc_buf_free(&de);
  return pc_agree(ctx, rc);
}

int pc_ledgerfile_read(pc_ctx *ctx, pc_file file, const char *path, uint64_t p0, uint64_t p1,
                       int events, pc_ledger_data *L) {
  L->rows.n = L->events.n = L->batches.n = 0;
  int rc = 0;
  if (L->parts.n) {
    rc = read_parts(ctx, path, p0, p1, 1, events, NULL, 0, L);
  } else {
    rc = read_range(file, path, &pc_schema_ledger_persons, p0, p1, NULL, 0, &L->rows);
    if (!rc && events)
      rc = read_range(file, path, &pc_schema_ledger_events, p0, p1, NULL, 0, &L->events);
    rc = pc_agree(ctx, rc);
  }
  if (!rc) {
    void *b = NULL;
    uint64_t nb = 0;
    rc = pc_table_read_all(file, NULL, &pc_schema_ledger_batches, &b, &nb);
    free(L->batches.data);
    L->batches.data = b;
    L->batches.n = L->batches.cap = (size_t)nb;
  }
  if (!rc) rc = check_sorted(L, path);
  return pc_agree(ctx, rc);
}

int pc_ledgerfile_read_events_of(pc_ctx *ctx, const char *path, uint64_t p0, uint64_t p1,
                                 const uint64_t *pids, size_t n, pc_ledger_data *L) {
  L->events.n = 0;
  const uint64_t none = 0;
  if (!pids) pids = &none; /* no pid named: none read, but the files are still opened by all */
  if (L->parts.n) return read_parts(ctx, path, p0, p1, 0, 1, pids, n, L);
  pc_file f;
  PC_CALL(pc_h5_open_read(ctx, path, &f));
  int rc = read_range(f, path, &pc_schema_ledger_events, p0, p1, pids, n, &L->events);
  pc_ledgerfile_close(f);
  if (!rc) rc = check_sorted(L, path);
  return pc_agree(ctx, rc);
}

/* /persons and /events of a ledger in one file, or of a part. */
static void persons_events(pc_out *out, const pc_ledger_row *r, size_t n, const pc_ledger_event *e,
                           size_t ne) {
  pc_out_table_layout(out, "persons", pc_schema_type(&pc_schema_ledger_persons), r, n,
                      PC_OUT_CONTIGUOUS,
                      "every person the campaign flagged, by pid: the current code (green once "
                      "lifted) and since when, the flag that gave it (class, channel, source, root "
                      "case, jurisdiction), the first flag, when they became a case, the feedback's "
                      "times; times are seconds since the epoch (UTC), 0 never");
  pc_out_table_layout(out, "events", pc_schema_type(&pc_schema_ledger_events), e, ne,
                      PC_OUT_CONTIGUOUS,
                      "the localities' feedback applied, by pid: event 0 reached, 1 tested, 2 "
                      "isolated, 3 released; result 1 negative, 2 positive; line of its feedback file");
}

int pc_ledgerfile_write(pc_out *out, const pc_ledger_data *L, const pc_ledger_measure *m,
                        size_t nm, const pc_ledger_yield *y, size_t ny) {
  const int root = pc_rank(out->ctx) == 0;
  const pc_ledger_batch *b = L->batches.data;
  if (L->parts.n)
    pc_out_table(out, "parts", pc_schema_type(&pc_schema_ledger_parts), L->parts.data,
                 root ? L->parts.n : 0,
                 "the files holding /persons and /events (PATH.partNNNN, NNNN the batch that wrote "
                 "it), in order: a base with every person and event as of its batch, then deltas "
                 "with the persons each later batch changed or added and its events; a person's "
                 "latest row wins");
  else
    persons_events(out, L->rows.data, L->rows.n, L->events.data, L->events.n);
  pc_out_table(out, "batches", pc_schema_type(&pc_schema_ledger_batches), b,
               root ? L->batches.n : 0,
               "the campaign's batches in order: kind, time (the run's as_of or at), rows, "
               "persons new and raised, new cases and those already flagged before, codes "
               "active after it");
  pc_out_table(out, "measures", pc_schema_type(&pc_schema_ledger_measures), m, root ? nm : 0,
               "per jurisdiction at the last batch's time: flagged, active codes, reached (within "
               "24 h of being flagged), tested, positive, overdue (flagged over 24 h ago, not "
               "reached)");
  pc_out_table(out, "yield", pc_schema_type(&pc_schema_ledger_yield), y, root ? ny : 0,
               "per class and channel of the first flag: persons flagged, and of those who "
               "became cases after it");
  int64_t last = L->batches.n ? b[L->batches.n - 1].time : 0;
  pc_out_attr_i64(out, "batches", (int64_t)L->batches.n);
  pc_out_attr_i64(out, "last_time", last);
  return out->rc;
}

int pc_ledgerfile_write_part(pc_out *out, pc_ledger_part *p, const pc_ledger_row *r, size_t n,
                             const pc_ledger_event *e, size_t ne) {
  uint64_t c[2] = {n, ne};
  if (!out->rc) out->rc = pc_sum_u64(out->ctx, c, 2);
  p->persons = c[0], p->events = c[1];
  persons_events(out, r, n, e, ne);
  pc_out_attr_i64(out, "part_batch", p->batch);
  pc_out_attr_i64(out, "part_base", p->base);
  return out->rc;
}

/* The batch of a part file's name NAME.partNNNN, or -1 for any other name. */
static long part_batch_of(const char *entry, const char *base) {
  size_t nb = strlen(base);
  if (strncmp(entry, base, nb) || strncmp(entry + nb, ".part", 5)) return -1;
  const char *d = entry + nb + 5;
  if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 9) return -1;
  return strtol(d, NULL, 10);
}

void pc_ledgerfile_sweep(pc_ctx *ctx, const char *path, const pc_ledger_data *L) {
  if (pc_rank(ctx) != 0) return;
  char d[4200], bn[4200];
  snprintf(d, sizeof d, "%s", path);
  snprintf(bn, sizeof bn, "%s", path);
  const char *dir = dirname(d), *base = basename(bn);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dp = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!dp) {
    if (dfd >= 0) close(dfd);
    return;
  }
  const pc_ledger_part *p = L->parts.data;
  struct dirent *e;
  int n = 0;
  while ((e = readdir(dp))) {
    long b = part_batch_of(e->d_name, base);
    int listed = 0;
    for (size_t k = 0; k < L->parts.n && !listed; k++) listed = p[k].batch == b;
    if (b >= 0 && !listed && unlinkat(dfd, e->d_name, 0) == 0) n++;
  }
  closedir(dp);
  if (n) pc_log(ctx, "ledger %s: removed %d %s it no longer lists", path, n,
                pc_plural((unsigned)n, "part", "parts"));
}
