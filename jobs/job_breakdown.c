/* job_breakdown.c - `paicha breakdown`: the population cube and vaccination targets, streamed. */
#include <stdlib.h>
#include <string.h>

#include "pc_cube.h"
#include "pc_schema.h"
#include "pc_axes.h"
#include "pc_flagged.h"
#include "pc_budget.h"
#include "pc_h5.h"
#include "pc_job.h"
#include "pc_out.h"
#include "pc_part.h"
#include "pc_province.h"
#include "pc_time.h"
#include "pc_sort.h"

static const pc_key vacc_keys[] = {
    {.name = "required_doses", .type = PC_T_INT, .def = "2",
     .help = "doses a person needs to be counted as vaccinated", .min = 1, .max = 10},
    {.name = "min_age", .type = PC_T_INT, .def = "3",
     .help = "youngest age eligible for vaccination (targets count from here)", .max = 120},
    {0}};
static const pc_key breakdown_keys[] = {
    {.name = "data", .type = PC_T_PATH, .required = 1,
     .help = "dataset file (from synth or ingest)"},
    {.name = "output", .type = PC_T_PATH, .required = 1, .help = "breakdown file to write (HDF5)"},
    {.name = "as_of", .type = PC_T_TIME,
     .help = "ages are taken at this instant (default: the dataset's as_of)"},
    {.name = "breakdown", .type = PC_T_MAP, .help = "axes of the cube", .sub = pc_breakdown_keys},
    {.name = "vaccination", .type = PC_T_MAP, .help = "what counts as vaccinated",
     .sub = vacc_keys},
    {.name = "flagged", .type = PC_T_STRS,
     .help = "trace and/or screen outputs: adds /testing, per community the people to test by "
             "code and the share flagged"},
    {.name = "read_rows", .type = PC_T_INT, .def = "1048576",
     .help = "rows each rank reads at a time (bounds memory)", .min = 1024, .max = 1 << 26},
    PC_KEYS_COMMON,
    {0}};

/* Counters per (community, age band), for the targets table. */
enum { T_PERSONS, T_BELOW, T_NONE, T_N };

typedef pc_target_row target_row; /* one row of /targets (io/pc_schema.h) */

static int cmp_target(const void *a, const void *b) {
  const target_row *x = a, *y = b;
  if (x->below_required != y->below_required) return x->below_required > y->below_required ? -1 : 1;
  if (x->community != y->community) return x->community < y->community ? -1 : 1;
  return (x->age_from > y->age_from) - (x->age_from < y->age_from);
}

typedef pc_testing_row testing_row; /* one row of /testing (io/pc_schema.h) */

typedef struct pid_code {
  uint64_t pid, residence;
  int red;
} pid_code;
static int pid_code_cmp(const void *pa, const void *pb) {
  const pid_code *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  return b->red - a->red; /* red first: a person takes the most severe code */
}

/* Rank 0: /testing from the flagged outputs: every flagged person once, by
 * residence community, with the most severe code of any file. tg holds the
 * residents per (community, band) (T_PERSONS). */
static int testing_table(const pc_config *cfg, const pc_cube_axes *cax, const uint64_t *tg,
                         size_t nb, const pc_region *regions, size_t nreg, testing_row **out,
                         size_t *nout) {
  size_t nf = pc_config_len(cfg, "flagged"), n = 0;
  pc_buf all;
  pc_buf_init(&all, sizeof(pid_code));
  int rc = 0;
  hid_t data = H5Fopen(pc_config_str(cfg, "data"), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (data < 0) return PC_ERROR(PC_ERR_IO, "cannot open %s", pc_config_str(cfg, "data"));
  for (size_t k = 0; k < nf && !rc; k++) {
    const char *path = pc_config_str_at(cfg, "flagged", k);
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (f < 0) {
      rc = PC_ERROR(PC_ERR_IO, "flagged: cannot open %s (a trace or screen output)", path);
      break;
    }
    rc = pc_flagged_check_data(f, path, data, pc_config_str(cfg, "data"));
    static const char *const tables[3] = {"contacts", "companions", "screened"};
    for (int t = 0; t < 3 && !rc; t++) {
      pc_flag_row *r;
      size_t m;
      if ((rc = pc_flagged_read(f, tables[t], path, &r, &m))) break;
      if (!(rc = pc_buf_reserve(&all, all.n + m + 1)))
        for (size_t i = 0; i < m; i++)
          ((pid_code *)all.data)[all.n++] =
              (pid_code){r[i].pid, r[i].residence, strncmp(r[i].code, "red", 8) == 0};
      free(r);
    }
    H5Fclose(f);
  }
  pid_code *p = all.data;
  const size_t ncomm = cax->ncodes;
  uint64_t *cnt = pc_calloc((ncomm + 1) * 2, sizeof *cnt, "testing");
  testing_row *rows = pc_calloc(ncomm + 2, sizeof *rows, "testing");
  if (!rc && (!cnt || !rows)) rc = PC_ERR_MEM;
  if (!rc) {
    pc_qsort(p, all.n, sizeof *p, pid_code_cmp);
    for (size_t i = 0; i < all.n; i++) {
      if (i && p[i].pid == p[i - 1].pid) continue;
      cnt[pc_cube_region_index(cax, p[i].residence) * 2 + (p[i].red ? 0 : 1)]++;
    }
    for (size_t c = 0; c <= ncomm; c++) {
      if (!cnt[2 * c] && !cnt[2 * c + 1]) continue;
      testing_row *o = &rows[n++];
      o->community = c < ncomm ? cax->codes[c] : 0;
      for (size_t b = 0; b < nb; b++) o->residents += tg[(c * nb + b) * T_N + T_PERSONS];
      const pc_region *r = c < ncomm ? pc_region_find(regions, nreg, o->community) : NULL;
      if (r) memcpy(o->community_name, r->name, PC_REGION_NAME_LEN);
      else snprintf(o->community_name, sizeof o->community_name, "unknown");
      o->red = cnt[2 * c];
      o->yellow = cnt[2 * c + 1];
      o->flagged = o->red + o->yellow;
      o->share = o->residents ? (double)o->flagged / (double)o->residents : 0;
    }
  }
  free(cnt);
  pc_buf_free(&all);
  H5Fclose(data);
  *out = rows;
  *nout = n;
  return rc;
}

static int run_breakdown(pc_ctx *ctx, const pc_config *cfg) {
  const char *data = pc_config_str(cfg, "data"), *output = pc_config_str(cfg, "output");
  const int required = (int)pc_config_int(cfg, "vaccination.required_doses");
  const int min_age = (int)pc_config_int(cfg, "vaccination.min_age");
  pc_job_record_for(ctx, output);
  int rc = 0;

  PC_CALL(pc_phase_begin(ctx, "open"));
  pc_cube_axes ax;
  PC_CALL(pc_cube_axes_config(cfg, &ax));
  hid_t file;
  PC_CALL(pc_h5_open_read(ctx, data, &file));
  pc_table treg = {.dset = -1, .mtype = -1}, tper = treg;
  rc = pc_table_open(file, NULL, &pc_schema_regions, &treg);
  if (!rc) rc = pc_table_open(file, NULL, &pc_schema_persons, &tper);
  const uint64_t nreg = treg.nrows, npers = tper.nrows;
  if (!rc) {
    if (pc_config_given(cfg, "as_of"))
      ax.as_of = pc_config_time(cfg, "as_of");
    else
      rc = pc_h5_attr_read_i64(file, "as_of", &ax.as_of);
  }
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_budget_check(ctx, cfg, "breakdown", (double)npers, 0));
  pc_region *regions = pc_malloc(nreg * sizeof *regions, "regions");
  PC_CALL(pc_agree(ctx, regions ? 0 : PC_ERR_MEM));
  PC_CALL(pc_agree(ctx, pc_table_read(&treg, 0, nreg, regions)));
  pc_table_close(&treg);
  /* Region axis at the configured level; target rows per community. */
  uint64_t *codes = pc_malloc(nreg * sizeof *codes, "codes"), *comm = pc_malloc(nreg * sizeof *comm, "codes");
  PC_CALL(pc_agree(ctx, codes && comm ? 0 : PC_ERR_MEM));
  size_t ncomm = 0;
  for (uint64_t i = 0; i < nreg; i++) {
    if (regions[i].level == ax.level) codes[ax.ncodes++] = regions[i].code;
    if (regions[i].level == PC_LEVEL_COMMUNITY) comm[ncomm++] = regions[i].code;
    if (i && regions[i].code <= regions[i - 1].code) rc = PC_ERROR(PC_ERR_DATA, "%s: /regions is not sorted by code", data);
  }
  PC_CALL(pc_agree(ctx, rc));
  ax.codes = codes;
  pc_cube_axes cax = ax; /* the community axis of the targets */
  cax.codes = comm;
  cax.ncodes = ncomm;
  cax.level = PC_LEVEL_COMMUNITY;
  const size_t nr = pc_cube_nregions(&ax), nb = pc_cube_nbands(&ax);
  const size_t ncells = nr * nb * PC_NSECTORS * (PC_MAX_DOSES + 1);
  const size_t ntcells = (ncomm + 1) * nb * T_N;
  uint64_t *cube = pc_calloc(ncells, sizeof *cube, "population cube");
  uint64_t *tg = pc_calloc(ntcells, sizeof *tg, "target counts");
  size_t R = (size_t)pc_config_int(cfg, "read_rows");
  pc_person *buf = pc_malloc(R * sizeof *buf, "read buffer");
  PC_CALL(pc_agree(ctx, cube && tg && buf ? 0 : PC_ERR_MEM));
  pc_phase_end(ctx, nreg, nreg * sizeof(pc_region));
  pc_log(ctx, "breakdown: %llu persons, %zu regions at level %s, %zu communities",
         (unsigned long long)npers, ax.ncodes, pc_config_str(cfg, "breakdown.level"), ncomm);

  PC_CALL(pc_phase_begin(ctx, "count"));
  /* Contiguous row ranges: each rank streams its share in chunks. */
  uint64_t lo, hi;
  pc_own_range(npers, pc_rank(ctx), pc_nranks(ctx), &lo, &hi);
  int32_t band_lo[PC_MAX_AGE_EDGES + 1];
  for (int b = 0; b < ax.nedges; b++) band_lo[b] = ax.edges[b];
  for (uint64_t at = lo; at < hi && !rc; at += R) {
    size_t n = hi - at < R ? (size_t)(hi - at) : R;
    rc = pc_table_read(&tper, at, n, buf);
    if (rc) break;
    pc_cube_add_persons(&ax, buf, n, 1, cube);
    uint64_t last = UINT64_MAX;
    size_t ci = 0;
    for (size_t i = 0; i < n; i++) {
      const pc_person *p = &buf[i];
      if (p->region != last) {
        ci = pc_cube_region_index(&cax, p->region);
        last = p->region;
      }
      int age = pc_age_at(p->birth_date, ax.as_of);
      size_t b = (size_t)pc_age_band(ax.edges, ax.nedges, age);
      uint64_t *t = &tg[(ci * nb + b) * T_N];
      t[T_PERSONS]++;
      if (age >= min_age && p->doses < required) t[T_BELOW]++;
      if (age >= min_age && p->doses == 0) t[T_NONE]++;
    }
    pc_progress(ctx, at + n - lo, hi - lo);
  }
  pc_table_close(&tper);
  H5Fclose(file);
  PC_CALL(pc_agree(ctx, rc));
  pc_phase_end(ctx, hi - lo, (hi - lo) * sizeof(pc_person));

  PC_CALL(pc_phase_begin(ctx, "reduce"));
  PC_CALL(pc_reduce_u64_to0(ctx, cube, ncells));
  PC_CALL(pc_reduce_u64_to0(ctx, tg, ntcells));
  pc_phase_end(ctx, ncells + ntcells, (ncells + ntcells) * 8);

  PC_CALL(pc_phase_begin(ctx, "write"));
  /* Targets: rank 0 holds the sums; one row per (community, band) with people. */
  target_row *rows = NULL;
  size_t nrows = 0, ntrows = 0;
  testing_row *trows = NULL;
  uint64_t total = 0, below = 0;
  if (pc_rank(ctx) == 0) {
    rows = pc_calloc(ncomm * nb + 1, sizeof *rows, "targets");
    if (!rows) rc = PC_ERR_MEM;
    for (size_t c = 0; !rc && c < ncomm; c++) {
      const pc_region *r = pc_region_find(regions, nreg, comm[c]);
      const pc_region *co = pc_region_find(regions, nreg, pc_region_cut(comm[c], PC_LEVEL_COUNTY));
      for (size_t b = 0; b < nb; b++) {
        const uint64_t *t = &tg[(c * nb + b) * T_N];
        total += t[T_PERSONS];
        below += t[T_BELOW];
        if (!t[T_PERSONS]) continue;
        target_row *o = &rows[nrows++];
        o->community = comm[c];
        o->county = pc_region_cut(comm[c], PC_LEVEL_COUNTY);
        if (r) memcpy(o->community_name, r->name, PC_REGION_NAME_LEN);
        if (co) memcpy(o->county_name, co->name, PC_REGION_NAME_LEN);
        pc_age_band_label(ax.edges, ax.nedges, (int)b, o->age_band);
        o->age_from = b < (size_t)ax.nedges ? band_lo[b] : -1;
        o->persons = t[T_PERSONS];
        o->below_required = t[T_BELOW];
        o->unvaccinated = t[T_NONE];
        o->share_below = (double)t[T_BELOW] / (double)t[T_PERSONS];
      }
    }
    for (size_t b = 0; b < nb; b++) total += tg[(ncomm * nb + b) * T_N]; /* unknown community */
    if (rows) qsort(rows, nrows, sizeof *rows, cmp_target);
    if (!rc && pc_config_len(cfg, "flagged"))
      rc = testing_table(cfg, &cax, tg, nb, regions, nreg, &trows, &ntrows);
  }
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_bcast_u64(ctx, &total, 1));
  PC_CALL(pc_bcast_u64(ctx, &below, 1));
  if (total != npers)
    return PC_ERROR(PC_ERR_DATA, "counted %llu persons of %llu (internal)",
                    (unsigned long long)total, (unsigned long long)npers);
  pc_out out;
  char t[24], note[256];
  hid_t tt = pc_schema_type(&pc_schema_targets), ty = pc_schema_type(&pc_schema_testing);
  uint64_t dims[4] = {nr, nb, PC_NSECTORS, PC_MAX_DOSES + 1};
  static const char *const scales[4][2] = {{"axes/region", "region"}, {"axes/age_band", "age_band"},
                                           {"axes/sector", "sector"}, {"axes/doses", "doses"}};
  if (!pc_out_create(ctx, cfg, output, &out)) {
    out.rc = pc_h5_write_array0(ctx, out.file, "population", H5T_NATIVE_UINT64, 4, dims, cube,
                                out.deflate);
    pc_out_describe(&out, "population",
                    "persons by region x age band x sector x vaccine doses; axes in /axes");
    if (!pc_out_agree(&out)) out.rc = pc_cube_write_axes(ctx, out.file, &ax, regions, nreg, out.deflate);
    for (unsigned a = 0; a < 5; a++)
      if (!pc_out_agree(&out))
        out.rc = pc_h5_attach_scale(out.file, "population", a < 4 ? scales[a][0] : "axes/region_name",
                                    a < 4 ? a : 0, a < 4 ? scales[a][1] : "region");
    snprintf(note, sizeof note,
             "vaccination targets: per community and age band, persons aged %d+ with fewer than %d "
             "doses (below_required) and with none; sorted by below_required, most first",
             min_age, required);
    pc_out_table(&out, "targets", tt, rows, pc_rank(ctx) == 0 ? nrows : 0, note);
    if (pc_config_len(cfg, "flagged"))
      pc_out_table(&out, "testing", ty, trows, pc_rank(ctx) == 0 ? ntrows : 0,
                   "testing targets: per residence community with flagged people (from the "
                   "`flagged` trace/screen outputs, each person once with the most severe "
                   "code), the people to test by code and the share of residents flagged; "
                   "community 0: residence unknown");
    pc_out_attr_i64(&out, "as_of", ax.as_of);
    pc_out_attr_str(&out, "as_of_local", pc_time_format(ax.as_of, t));
    pc_out_attr_str(&out, "data", data);
    pc_out_attr_u64(&out, "persons", npers);
    pc_out_attr_u64(&out, "below_required", below);
    pc_out_attr_i64(&out, "required_doses", required);
    pc_out_attr_str(&out, "level", pc_config_str(cfg, "breakdown.level"));
    pc_out_record(&out, "persons", json_object_new_uint64(npers));
    pc_out_record(&out, "below_required", json_object_new_uint64(below));
    pc_out_record(&out, "target_rows", json_object_new_uint64(nrows));
  }
  rc = pc_out_commit(&out, 0);
  pc_phase_end(ctx, nrows, ncells * 8);
  free(rows);
  free(trows);
  free(cube);
  free(tg);
  free(buf);
  free(codes);
  free(comm);
  free(regions);
  if (!rc) pc_log(ctx, "breakdown: wrote %s (%llu persons, %llu below %d doses)", output,
                  (unsigned long long)npers, (unsigned long long)below, required);
  return rc;
}

const pc_jobdef pc_job_breakdown = {
    "breakdown", "population cube [region x age band x sector x doses], vaccination and testing targets",
    "Streams /persons of a dataset in chunks (memory does not grow with the province),\n"
    "counts every person into the cube /population with dimension scales in /axes, and\n"
    "writes /targets: per community and age band, the people below the required doses.\n"
    "With `flagged` (trace and screen outputs of this dataset), also /testing: per\n"
    "residence community, the people to test by code and the share of residents flagged.",
    breakdown_keys, run_breakdown, pc_cube_axes_check};
