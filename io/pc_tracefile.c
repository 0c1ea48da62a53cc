/* pc_tracefile.c - trace's files in HDF5: the dataset's window and places, the /contacts and /companions tables. */
#include "pc_tracefile.h"

#include "pc_h5.h"

int pc_tracefile_open(pc_ctx *ctx, const char *path, int read_as_of, hid_t *file,
                      pc_trace_window *w, pc_raw *stays) {
  PC_CALL(pc_h5_open_read(ctx, path, file));
  int rc = pc_h5_attr_read_i64(*file, "window_start", &w->start);
  if (!rc) rc = pc_h5_attr_read_i64(*file, "window_end", &w->end);
  if (!rc && read_as_of) rc = pc_h5_attr_read_i64(*file, "as_of", &w->as_of);
  if (!rc) rc = pc_raw_open(*file, path, &pc_schema_stays, stays);
  w->persons = 0;
  if (!rc) rc = pc_h5_attr_read_u64(*file, "persons", &w->persons);
  return pc_agree(ctx, rc);
}

void pc_tracefile_close(hid_t file) {
  if (file > 0) H5Fclose(file);
}

int pc_tracefile_places(hid_t file, const char *path, pc_place **places, size_t *n) {
  uint64_t m = 0;
  *places = NULL;
  *n = 0;
  if (H5Lexists(file, "places", H5P_DEFAULT) <= 0) return 0; /* names are optional */
  void *pv = NULL;
  int rc = pc_table_read_all(file, NULL, &pc_schema_places, &pv, &m);
  *places = pv;
  *n = (size_t)m;
  for (size_t i = 1; i < *n && !rc; i++)
    if ((*places)[i].id <= (*places)[i - 1].id)
      rc = PC_ERROR(PC_ERR_DATA, "%s: /places is not sorted by id", path);
  return rc;
}

/* The companions' rows: the maker's rows from nc on. */
typedef struct rows_from {
  pc_out_rows_fn fn;
  void *arg;
  size_t nc;
} rows_from;

static void companions_of(void *arg, size_t first, size_t n, void *rows) {
  const rows_from *L = arg;
  L->fn(L->arg, L->nc + first, n, rows);
}

int pc_tracefile_write_rows(pc_out *out, pc_out_rows_fn fn, void *arg, size_t nc, size_t nm) {
  hid_t tc = pc_schema_type(&pc_schema_contacts), tm = pc_schema_type(&pc_schema_companions);
  pc_out_table_gen(out, "contacts", tc, fn, arg, nc,
                   "contacts by pid: hop 0 = cases; exposure = start of the person's window "
                   "(int64 s since the epoch, UTC); source = who they met, channel and place "
                   "where; jurisdiction = region at dispatch_at (level of the config)");
  rows_from L = {fn, arg, nc};
  return pc_out_table_gen(out, "companions", tm, companions_of, &L, nm, NULL);
}
