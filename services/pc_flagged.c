/* pc_flagged.c - what trace and screen share about flagged persons: the dispatch keys, codes' cubes. */
#include "pc_flagged.h"
#include "pc_cubefile.h"
#include "pc_flaggedfile.h"
#include "pc_schema.h"

#include <stdlib.h>
#include <string.h>

const pc_key pc_dispatch_keys[] = {
    {.name = "level", .type = PC_T_STR, .def = "city",
     .help = "jurisdiction level that receives the lists",
     .choices = pc_level_names + PC_LEVEL_PROVINCE},
    {.name = "at", .type = PC_T_TIME,
     .help = "the instant whose location decides (default: 03:00 the day before as_of)"},
    {0}};

int pc_flag_cubes(pc_ctx *ctx, const pc_config *cfg, pc_file data, pc_file file, int64_t as_of,
                  const char *const *names, int ncls, pc_flag_fill_fn fill, void *arg, size_t n,
                  int deflate) {
  pc_cube_axes ax;
  PC_CALL(pc_cube_axes_config(cfg, &ax));
  ax.as_of = as_of;
  /* Regions at the level, from the dataset. */
  uint64_t nreg = 0;
  void *rv = NULL;
  int rc = pc_table_read_all(data, NULL, &pc_schema_regions, &rv, &nreg);
  pc_region *regions = rv;
  uint64_t *codes = rc ? NULL : pc_malloc((nreg + 1) * sizeof *codes, "regions");
  if (!rc && !codes) rc = PC_ERR_MEM;
  PC_CALLG(pc_agree(ctx, rc), out);
  for (uint64_t i = 0; i < nreg; i++)
    if (regions[i].level == ax.level) codes[ax.ncodes++] = regions[i].code;
  ax.codes = codes;
  {
    const size_t cell = pc_cube_nregions(&ax) * pc_cube_nbands(&ax) * PC_NSECTORS;
    uint64_t *cube = pc_calloc(cell * (size_t)ncls, sizeof *cube, "cubes");
    PC_CALLG(pc_agree(ctx, cube ? 0 : PC_ERR_MEM), out);
    pc_person p[PC_FLAG_STEP];
    int cls[PC_FLAG_STEP], code[PC_FLAG_STEP];
    size_t at[PC_FLAG_STEP]; /* each person's cell found once, counted in its class and code's */
    for (size_t i0 = 0; i0 < n; i0 += PC_FLAG_STEP) {
      const size_t k = n - i0 < PC_FLAG_STEP ? n - i0 : PC_FLAG_STEP;
      fill(arg, i0, k, p, cls, code);
      pc_cube_cells(&ax, p, k, at);
      for (size_t i = 0; i < k; i++) {
        if (cls[i] >= 0) cube[cell * (size_t)cls[i] + at[i]]++;
        if (code[i] >= 0) cube[cell * (size_t)code[i] + at[i]]++;
      }
    }
    rc = pc_reduce_u64_to0(ctx, cube, cell * (size_t)ncls);
    if (!rc) rc = pc_cubefile_write_axes(ctx, file, &ax, regions, nreg, deflate);
    uint64_t dims[3] = {pc_cube_nregions(&ax), pc_cube_nbands(&ax), PC_NSECTORS};
    if (!rc)
      rc = pc_cubefile_write_group(ctx, file, "breakdown", names, ncls, dims,
                                   pc_rank(ctx) == 0 ? cube : NULL, 4,
                                   "flagged persons per class and code by residence region x "
                                   "age band x sector (axes in /axes)");
    free(cube);
  }
out:
  free(regions);
  free(codes);
  return rc;
}

/* The view of table `name` as pc_flag_rows. */
static const pc_schema *flag_view(const char *name) {
  return !strcmp(name, "contacts")     ? &pc_view_flag_contacts
         : !strcmp(name, "companions") ? &pc_view_flag_companions
                                       : &pc_view_flag_screened;
}

int pc_flagged_read(pc_file f, const char *name, const char *path, pc_flag_row **rows, size_t *n) {
  uint64_t m = 0;
  *rows = NULL;
  *n = 0;
  PC_CALL(pc_flagged_rows(f, name, path, &m));
  PC_CALL(pc_flagged_read_part(f, name, path, 0, (size_t)m, rows));
  *n = (size_t)m;
  return 0;
}

int pc_flagged_read_part(pc_file f, const char *name, const char *path, uint64_t start, size_t n,
                         pc_flag_row **rows) {
  *rows = NULL;
  if (!n || !pc_flaggedfile_has(f, name)) return 0;
  pc_table t;
  if (pc_table_open(f, name, flag_view(name), &t))
    return PC_ERROR(PC_ERR_DATA, "%s: cannot read /%s (not a trace or screen output?)", path, name);
  pc_flag_row *r = pc_malloc(n * sizeof *r, "flagged rows");
  int rc = r ? 0 : PC_ERR_MEM;
  if (!rc && (start > t.nrows || n > t.nrows - start))
    rc = PC_ERROR(PC_ERR_DATA, "%s: /%s has %llu rows, not %llu (changed while read?)", path,
                  name, (unsigned long long)t.nrows, (unsigned long long)(start + n));
  if (!rc) rc = pc_table_read(&t, start, n, r);
  /* An output of a version before the ledger has no `new` (the view's only
   * optional column): without a ledger every row is new. The view fills only
   * its columns: the others (place of /screened, area of /contacts) read as
   * "" and hop of /companions as 0. */
  for (size_t i = 0; i < n && !rc && t.missing; i++) r[i].is_new = 1;
  pc_table_close(&t);
  if (rc) free(r);
  else *rows = r;
  return rc;
}

int pc_flagged_part_start(pc_file f, const char *name, const char *path, uint64_t at,
                          uint64_t *start) {
  enum { STEP = 1024 };
  *start = at;
  if (!at || !pc_flaggedfile_has(f, name)) return 0;
  pc_table t;
  if (pc_table_open(f, name, &pc_view_pid, &t))
    return PC_ERROR(PC_ERR_DATA, "%s: cannot read /%s (not a trace or screen output?)", path, name);
  uint64_t pid[STEP + 1];
  int rc = 0;
  if (at < t.nrows) rc = pc_table_read(&t, at - 1, 1, pid); /* the row before the part */
  for (uint64_t i = at; i < t.nrows && !rc;) { /* past the rows of that person */
    const size_t k = t.nrows - i < STEP ? (size_t)(t.nrows - i) : STEP;
    if ((rc = pc_table_read(&t, i, k, pid + 1))) break;
    size_t j = 0;
    while (j < k && pid[1 + j] == pid[0]) j++;
    i += j;
    *start = i;
    if (j < k) break;
  }
  pc_table_close(&t);
  return rc;
}

int pc_flagged_rows(pc_file f, const char *name, const char *path, uint64_t *n) {
  *n = 0;
  if (!pc_flaggedfile_has(f, name)) return 0;
  pc_table t;
  if (pc_table_open(f, name, flag_view(name), &t))
    return PC_ERROR(PC_ERR_DATA, "%s: cannot read /%s (not a trace or screen output?)", path, name);
  *n = t.nrows;
  pc_table_close(&t);
  return 0;
}

int pc_flagged_stamp_data(pc_file out, pc_file data) {
  static const char *const names[2][2] = {{"key_fingerprint", "data_key_fingerprint"},
                                          {"stays_checksum", "data_stays_checksum"}};
  for (int k = 0; k < 2; k++) {
    uint64_t v = 0;
    if (pc_flaggedfile_has_attr(data, names[k][0])) PC_CALL(pc_h5_attr_read_u64(data, names[k][0], &v));
    PC_CALL(pc_h5_attr_u64(out, names[k][1], v));
  }
  return 0;
}

int pc_flagged_check_data(pc_file in, const char *in_path, pc_file data, const char *data_path) {
  static const char *const names[2][2] = {{"key_fingerprint", "data_key_fingerprint"},
                                          {"stays_checksum", "data_stays_checksum"}};
  for (int k = 0; k < 2; k++) {
    uint64_t a = 0, b = 0;
    if (!pc_flaggedfile_has_attr(in, names[k][1]) || !pc_flaggedfile_has_attr(data, names[k][0]))
      continue;
    PC_CALL(pc_h5_attr_read_u64(in, names[k][1], &a));
    PC_CALL(pc_h5_attr_read_u64(data, names[k][0], &b));
    if (a != b)
      return PC_ERROR(PC_ERR_DATA, "%s was not made from %s (%s differs): give the dataset it "
                      "was made from", in_path, data_path, names[k][0]);
  }
  return 0;
}
