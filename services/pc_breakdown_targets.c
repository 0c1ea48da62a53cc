/* pc_breakdown_targets.c - breakdown's tables on rank 0: vaccination targets from the counts, testing targets from flagged outputs. */
#include "pc_breakdown_targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_flaggedfile.h"
#include "pc_sort.h"

static int cmp_target(const void *a, const void *b) {
  const pc_target_row *x = a, *y = b;
  if (x->below_required != y->below_required) return x->below_required > y->below_required ? -1 : 1;
  if (x->community != y->community) return x->community < y->community ? -1 : 1;
  return (x->age_from > y->age_from) - (x->age_from < y->age_from);
}

/* The rows of community c: one per band with people. */
static void community_rows(const pc_breakdown_counts *C, size_t c, pc_target_row *rows,
                           size_t *nrows, uint64_t *total, uint64_t *below) {
  const uint64_t code = C->comm[c], county = pc_region_cut(code, PC_LEVEL_COUNTY);
  const pc_region *r = pc_region_find(C->regions, C->nreg, code);
  const pc_region *co = pc_region_find(C->regions, C->nreg, county);
  for (size_t b = 0; b < C->nb; b++) {
    const uint64_t *t = &C->tg[(c * C->nb + b) * PC_BD_N];
    *total += t[PC_BD_PERSONS];
    *below += t[PC_BD_BELOW];
    if (!t[PC_BD_PERSONS]) continue;
    pc_target_row *o = &rows[(*nrows)++];
    o->community = code;
    o->county = county;
    if (r) memcpy(o->community_name, r->name, PC_REGION_NAME_LEN);
    if (co) memcpy(o->county_name, co->name, PC_REGION_NAME_LEN);
    pc_age_band_label(C->ax.edges, C->ax.nedges, (int)b, o->age_band);
    o->age_from = b < (size_t)C->ax.nedges ? C->ax.edges[b] : -1;
    o->persons = t[PC_BD_PERSONS];
    o->below_required = t[PC_BD_BELOW];
    o->unvaccinated = t[PC_BD_NONE];
    o->share_below = (double)t[PC_BD_BELOW] / (double)t[PC_BD_PERSONS];
  }
}

int pc_breakdown_targets(const pc_breakdown_counts *C, pc_target_row **out, size_t *nrows,
                         uint64_t *total, uint64_t *below) {
  const size_t nb = C->nb;
  pc_target_row *rows = pc_calloc(C->ncomm * nb + 1, sizeof *rows, "targets");
  *out = rows;
  *nrows = 0;
  if (!rows) return PC_ERR_MEM;
  for (size_t c = 0; c < C->ncomm; c++) community_rows(C, c, rows, nrows, total, below);
  for (size_t b = 0; b < nb; b++) *total += C->tg[(C->ncomm * nb + b) * PC_BD_N]; /* unknown community */
  qsort(rows, *nrows, sizeof *rows, cmp_target);
  return 0;
}

typedef struct pid_code {
  uint64_t pid, residence;
  int red;
} pid_code;
static int pid_code_cmp(const void *pa, const void *pb) {
  const pid_code *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  return b->red - a->red; /* red first: a person takes the most severe code */
}

/* The flagged persons of every `flagged` file (with their code) into all. */
static int read_flagged(const pc_config *cfg, pc_file data, pc_buf *all) {
  size_t nf = pc_config_len(cfg, "flagged");
  int rc = 0;
  for (size_t k = 0; k < nf && !rc; k++) {
    const char *path = pc_config_str_at(cfg, "flagged", k);
    pc_file f = pc_flaggedfile_open(path);
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
      if (!(rc = pc_buf_reserve(all, all->n + m + 1)))
        for (size_t i = 0; i < m; i++)
          ((pid_code *)all->data)[all->n++] =
              (pid_code){r[i].pid, r[i].residence, strncmp(r[i].code, "red", 8) == 0};
      free(r);
    }
    pc_flaggedfile_close(f);
  }
  return rc;
}

/* One /testing row per community with flagged people (cnt: red, yellow per community). */
static size_t testing_rows(const pc_breakdown_counts *C, const uint64_t *cnt, pc_testing_row *rows) {
  const pc_cube_axes *cax = &C->cax;
  const size_t ncomm = cax->ncodes, nb = C->nb;
  size_t n = 0;
  for (size_t c = 0; c <= ncomm; c++) {
    if (!cnt[2 * c] && !cnt[2 * c + 1]) continue;
    pc_testing_row *o = &rows[n++];
    o->community = c < ncomm ? cax->codes[c] : 0;
    for (size_t b = 0; b < nb; b++) o->residents += C->tg[(c * nb + b) * PC_BD_N + PC_BD_PERSONS];
    const pc_region *r = c < ncomm ? pc_region_find(C->regions, C->nreg, o->community) : NULL;
    if (r) memcpy(o->community_name, r->name, PC_REGION_NAME_LEN);
    else snprintf(o->community_name, sizeof o->community_name, "unknown");
    o->county = c < ncomm ? pc_region_cut(o->community, PC_LEVEL_COUNTY) : 0;
    const pc_region *co = o->county ? pc_region_find(C->regions, C->nreg, o->county) : NULL;
    if (co) memcpy(o->county_name, co->name, PC_REGION_NAME_LEN);
    else snprintf(o->county_name, sizeof o->county_name, "unknown");
    o->red = cnt[2 * c];
    o->yellow = cnt[2 * c + 1];
    o->flagged = o->red + o->yellow;
    o->share = o->residents ? (double)o->flagged / (double)o->residents : 0;
  }
  return n;
}

int pc_breakdown_testing(const pc_config *cfg, const pc_breakdown_counts *C, pc_testing_row **out,
                         size_t *nout) {
  pc_buf all;
  pc_buf_init(&all, sizeof(pid_code));
  pc_file data = pc_flaggedfile_open(pc_config_str(cfg, "data"));
  if (data < 0) return PC_ERROR(PC_ERR_IO, "cannot open %s", pc_config_str(cfg, "data"));
  int rc = read_flagged(cfg, data, &all);
  pid_code *p = all.data;
  const size_t ncomm = C->cax.ncodes;
  uint64_t *cnt = pc_calloc((ncomm + 1) * 2, sizeof *cnt, "testing");
  pc_testing_row *rows = pc_calloc(ncomm + 2, sizeof *rows, "testing");
  size_t n = 0;
  if (!rc && (!cnt || !rows)) rc = PC_ERR_MEM;
  if (!rc) {
    pc_qsort(p, all.n, sizeof *p, pid_code_cmp);
    for (size_t i = 0; i < all.n; i++) {
      if (i && p[i].pid == p[i - 1].pid) continue;
      cnt[pc_cube_region_index(&C->cax, p[i].residence) * 2 + (p[i].red ? 0 : 1)]++;
    }
    n = testing_rows(C, cnt, rows);
  }
  free(cnt);
  pc_buf_free(&all);
  pc_flaggedfile_close(data);
  *out = rows;
  *nout = n;
  return rc;
}
