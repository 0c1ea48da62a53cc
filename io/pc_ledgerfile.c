/* pc_ledgerfile.c - the campaign's ledger in HDF5: each rank's share of /persons and /events read, the whole written. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pc_err.h"
#include "pc_flaggedfile.h"
#include "pc_h5.h"
#include "pc_ledgerfile.h"
#include "pc_schema.h"

void pc_ledger_data_init(pc_ledger_data *L) {
  pc_buf_init(&L->rows, sizeof(pc_ledger_row));
  pc_buf_init(&L->events, sizeof(pc_ledger_event));
  pc_buf_init(&L->batches, sizeof(pc_ledger_batch));
}

void pc_ledger_data_free(pc_ledger_data *L) {
  pc_buf_free(&L->rows);
  pc_buf_free(&L->events);
  pc_buf_free(&L->batches);
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
  for (size_t k = 0; k < sizeof tables / sizeof *tables && !rc; k++) {
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

int pc_ledgerfile_size(pc_file file, uint64_t *persons, uint64_t *events) {
  pc_table t;
  PC_CALL(pc_table_open(file, NULL, &pc_schema_ledger_persons, &t));
  *persons = t.nrows;
  pc_table_close(&t);
  PC_CALL(pc_table_open(file, NULL, &pc_schema_ledger_events, &t));
  *events = t.nrows;
  pc_table_close(&t);
  return 0;
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

/* The rows of table s whose pids are in [p0, p1], appended to b. */
static int read_range(pc_file file, const pc_schema *s, uint64_t p0, uint64_t p1, pc_buf *b) {
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
  size_t n = (size_t)(hi - lo);
  rc = pc_buf_reserve(b, b->n + n + 1);
  if (!rc && n) rc = pc_table_read(&t, lo, n, (char *)b->data + b->n * b->rowsize);
  if (!rc) b->n += n;
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

int pc_ledgerfile_read(pc_ctx *ctx, pc_file file, const char *path, uint64_t p0, uint64_t p1,
                       pc_ledger_data *L) {
  L->rows.n = L->events.n = L->batches.n = 0;
  int rc = read_range(file, &pc_schema_ledger_persons, p0, p1, &L->rows);
  if (!rc) rc = read_range(file, &pc_schema_ledger_events, p0, p1, &L->events);
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

int pc_ledgerfile_write(pc_out *out, const pc_ledger_data *L, const pc_ledger_measure *m,
                        size_t nm, const pc_ledger_yield *y, size_t ny) {
  const int root = pc_rank(out->ctx) == 0;
  const pc_ledger_batch *b = L->batches.data;
  pc_out_table_layout(out, "persons", pc_schema_type(&pc_schema_ledger_persons), L->rows.data, L->rows.n, PC_OUT_CONTIGUOUS,
               "every person the campaign flagged, by pid: the current code (green once lifted) "
               "and since when, the flag that gave it (class, channel, source, root case, "
               "jurisdiction), the first flag, when they became a case, the feedback's times; "
               "times are seconds since the epoch (UTC), 0 never");
  pc_out_table_layout(out, "events", pc_schema_type(&pc_schema_ledger_events), L->events.data,
               L->events.n, PC_OUT_CONTIGUOUS,
               "the localities' feedback applied, by pid: event 0 reached, 1 tested, 2 isolated, "
               "3 released; result 1 negative, 2 positive; line of its feedback file");
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
