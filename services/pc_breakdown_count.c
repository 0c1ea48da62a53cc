/* pc_breakdown_count.c - breakdown's counts: the axes from /regions, each rank's persons streamed into the cube and the target counters. */
#include "pc_breakdown_count.h"

#include <stdlib.h>
#include <string.h>

#include "pc_flaggedfile.h"
#include "pc_part.h"
#include "pc_time.h"

int pc_breakdown_open(pc_ctx *ctx, const pc_config *cfg, pc_breakdown_counts *C) {
  C->file = -1;
  C->regions_t = (pc_table){.dset = -1, .mtype = -1};
  C->persons_t = C->regions_t;
  C->data = pc_config_str(cfg, "data");
  C->required = (int)pc_config_int(cfg, "vaccination.required_doses");
  C->min_age = (int)pc_config_int(cfg, "vaccination.min_age");
  C->read_rows = (size_t)pc_config_int(cfg, "read_rows");
  PC_CALL(pc_cube_axes_config(cfg, &C->ax));
  PC_CALL(pc_h5_open_read(ctx, C->data, &C->file));
  int rc = pc_table_open(C->file, NULL, &pc_schema_regions, &C->regions_t);
  if (!rc) rc = pc_table_open(C->file, NULL, &pc_schema_persons, &C->persons_t);
  C->nreg = C->regions_t.nrows;
  C->npers = C->persons_t.nrows;
  if (!rc) {
    if (pc_config_given(cfg, "as_of"))
      C->ax.as_of = pc_config_time(cfg, "as_of");
    else
      rc = pc_h5_attr_read_i64(C->file, "as_of", &C->ax.as_of);
  }
  return pc_agree(ctx, rc);
}

/* The cube's codes (at ax.level) and the communities, in /regions' order. */
static int axes_codes(pc_breakdown_counts *C) {
  int rc = 0;
  const pc_region *regions = C->regions;
  for (uint64_t i = 0; i < C->nreg; i++) {
    if (regions[i].level == C->ax.level) C->codes[C->ax.ncodes++] = regions[i].code;
    if (regions[i].level == PC_LEVEL_COMMUNITY) C->comm[C->ncomm++] = regions[i].code;
    if (i && regions[i].code <= regions[i - 1].code)
      rc = PC_ERROR(PC_ERR_DATA, "%s: /regions is not sorted by code", C->data);
  }
  return rc;
}

int pc_breakdown_axes(pc_ctx *ctx, pc_breakdown_counts *C) {
  const uint64_t nreg = C->nreg;
  C->regions = pc_malloc(nreg * sizeof *C->regions, "regions");
  PC_CALL(pc_agree(ctx, C->regions ? 0 : PC_ERR_MEM));
  PC_CALL(pc_agree(ctx, pc_table_read(&C->regions_t, 0, nreg, C->regions)));
  pc_table_close(&C->regions_t);
  /* Region axis at the configured level; target rows per community. */
  C->codes = pc_malloc(nreg * sizeof *C->codes, "codes");
  C->comm = pc_malloc(nreg * sizeof *C->comm, "codes");
  PC_CALL(pc_agree(ctx, C->codes && C->comm ? 0 : PC_ERR_MEM));
  PC_CALL(pc_agree(ctx, axes_codes(C)));
  C->ax.codes = C->codes;
  C->cax = C->ax; /* the community axis of the targets */
  C->cax.codes = C->comm;
  C->cax.ncodes = C->ncomm;
  C->cax.level = PC_LEVEL_COMMUNITY;
  C->nr = pc_cube_nregions(&C->ax);
  C->nb = pc_cube_nbands(&C->ax);
  C->ncells = C->nr * C->nb * PC_NSECTORS * (PC_MAX_DOSES + 1);
  C->ntcells = (C->ncomm + 1) * C->nb * PC_BD_N;
  C->cube = pc_calloc(C->ncells, sizeof *C->cube, "population cube");
  C->tg = pc_calloc(C->ntcells, sizeof *C->tg, "target counts");
  C->buf = pc_malloc(C->read_rows * sizeof *C->buf, "read buffer");
  return pc_agree(ctx, C->cube && C->tg && C->buf ? 0 : PC_ERR_MEM);
}

/* The target counters of n persons; neighbours in /persons often share a
 * region, so the last lookup is kept. */
static void count_targets(pc_breakdown_counts *C, const pc_person *buf, size_t n) {
  const size_t nb = C->nb;
  uint64_t last = UINT64_MAX;
  size_t ci = 0;
  for (size_t i = 0; i < n; i++) {
    const pc_person *p = &buf[i];
    if (p->region != last) {
      ci = pc_cube_region_index(&C->cax, p->region);
      last = p->region;
    }
    int age = pc_age_at(p->birth_date, C->ax.as_of);
    size_t b = (size_t)pc_age_band(C->ax.edges, C->ax.nedges, age);
    uint64_t *t = &C->tg[(ci * nb + b) * PC_BD_N];
    t[PC_BD_PERSONS]++;
    if (age >= C->min_age && p->doses < C->required) t[PC_BD_BELOW]++;
    if (age >= C->min_age && p->doses == 0) t[PC_BD_NONE]++;
  }
}

int pc_breakdown_count(pc_ctx *ctx, pc_breakdown_counts *C) {
  /* Contiguous row ranges: each rank streams its share in chunks. */
  const size_t R = C->read_rows;
  pc_own_range(C->npers, pc_rank(ctx), pc_nranks(ctx), &C->lo, &C->hi);
  int rc = 0;
  for (uint64_t at = C->lo; at < C->hi && !rc; at += R) {
    size_t n = C->hi - at < R ? (size_t)(C->hi - at) : R;
    rc = pc_table_read(&C->persons_t, at, n, C->buf);
    if (rc) break;
    pc_cube_add_persons(&C->ax, C->buf, n, 1, C->cube);
    count_targets(C, C->buf, n);
    pc_progress(ctx, at + n - C->lo, C->hi - C->lo);
  }
  pc_table_close(&C->persons_t);
  pc_flaggedfile_close(C->file);
  C->file = -1;
  return rc;
}

void pc_breakdown_counts_free(pc_breakdown_counts *C) {
  pc_table_close(&C->regions_t);
  pc_table_close(&C->persons_t);
  pc_flaggedfile_close(C->file);
  C->file = -1;
  free(C->regions);
  free(C->codes);
  free(C->comm);
  free(C->cube);
  free(C->tg);
  free(C->buf);
  C->regions = NULL;
  C->codes = C->comm = C->cube = C->tg = NULL;
  C->buf = NULL;
}
