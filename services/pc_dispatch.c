/* pc_dispatch.c - dispatch's lists: rows from the flagged tables, phones joined, a set per jurisdiction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc_dispatch.h"
#include "pc_flagged.h"
#include "pc_lists.h"
#include "pc_reportfile.h"
#include "pc_sort.h"

typedef pc_list_row item; /* one person of a list (io/pc_schema.h) */

static int item_pid_cmp(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  return (a->pid > b->pid) - (a->pid < b->pid);
}
/* Red first, then yellow, then the others (green, none). */
static int code_rank(const char *code) {
  return !strcmp(code, "red") ? 0 : !strcmp(code, "yellow") ? 1 : 2;
}
/* The callers' order: jurisdiction; red, yellow, the others; township,
 * community, exposure, subject. */
static int item_list_cmp(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  if (a->jurisdiction != b->jurisdiction) return a->jurisdiction < b->jurisdiction ? -1 : 1;
  int ra = code_rank(a->code), rb = code_rank(b->code);
  if (ra != rb) return ra - rb;
  if (a->township != b->township) return a->township < b->township ? -1 : 1;
  if (a->community != b->community) return a->community < b->community ? -1 : 1;
  if (a->exposure != b->exposure) return a->exposure < b->exposure ? -1 : 1;
  return memcmp(a->subject, b->subject, sizeof a->subject);
}

/* The batch (the input's as_of, this run) and the age bands of the input's cubes. */
static int read_batch(pc_dispatch *D) {
  int64_t as_of;
  PC_CALL(pc_lists_as_of(D->in, D->in_path, &as_of));
  pc_listform_batch(&D->batch, as_of, (int64_t)time(NULL), D->in_path);
  static const int32_t spec[] = {0, 3, 12, 18, 60, 80}; /* SPEC's default bands */
  D->nedges = (int)pc_reportfile_age_edges(D->in, D->edges, PC_MAX_AGE_EDGES);
  if (D->nedges >= 1 && pc_age_edges_check(D->edges, D->nedges))
    return PC_ERROR(PC_ERR_DATA, "%s: its age_edges are not increasing from 0: the file was "
                    "altered or damaged", D->in_path);
  if (D->nedges < 1) { /* an output without cubes: SPEC's bands */
    D->nedges = (int)(sizeof spec / sizeof spec[0]);
    memcpy(D->edges, spec, sizeof spec);
  }
  return 0;
}

int pc_dispatch_read(pc_dispatch *D) {
  PC_CALL(pc_lists_open(D->in_path, D->data_path, &D->in, &D->data));
  PC_CALL(pc_flagged_check_data(D->in, D->in_path, D->data, D->data_path));
  static const char *const tables[3] = {"contacts", "companions", "screened"};
  int rc = 0;
  for (int k = 0; k < 3 && !rc; k++)
    rc = pc_flagged_read(D->in, tables[k], D->in_path, &D->r[k], &D->nr[k]);
  if (!rc && !D->nr[0] && !D->nr[1] && !D->nr[2] && !pc_lists_is_flagged_output(D->in))
    rc = PC_ERROR(PC_ERR_DATA, "%s: neither /contacts nor /screened: not a trace or screen output",
                  D->in_path);
  return rc ? rc : read_batch(D);
}

/* Row y from the flagged row x of table k (0 contacts, 1 companions, 2 screened). */
static int make_row(const pc_dispatch *D, int k, const pc_flag_row *x, item *y) {
  y->pid = x->pid;
  y->exposure = x->exposure;
  y->residence = x->residence;
  y->township = pc_region_cut(x->residence, PC_LEVEL_TOWNSHIP);
  y->community = x->residence;
  memcpy(y->subject, x->subject, sizeof y->subject);
  memcpy(y->subject_type, x->subject_type, sizeof y->subject_type);
  memcpy(y->code, x->code, sizeof y->code);
  if (k == 0) snprintf(y->cls, sizeof y->cls, "hop%u", x->hop);
  else snprintf(y->cls, sizeof y->cls, "%s", k == 1 ? "companion" : "screened");
  if (k == 2) snprintf(y->place, sizeof y->place, "%.32s", x->area);
  else snprintf(y->place, sizeof y->place, "%.40s", x->place);
  snprintf(y->channel, sizeof y->channel, "%.16s", k == 2 ? "screening" : x->channel);
  memcpy(y->root_status, x->root_status, sizeof y->root_status);
  y->age = x->age;
  int band = pc_age_band(D->edges, D->nedges, x->age);
  pc_age_band_label(D->edges, D->nedges, band, y->age_band);
  /* Lists per county need the input's jurisdiction at county level or finer. */
  if (x->jurisdiction && D->level == PC_LEVEL_COUNTY &&
      pc_region_cut(x->jurisdiction, PC_LEVEL_COUNTY) == pc_region_cut(x->jurisdiction, PC_LEVEL_CITY))
    return PC_ERROR(PC_ERR_CONFIG,
                    "%s assigned people to cities: lists per county need the trace or screen "
                    "run with dispatch: {level: county}", D->in_path);
  y->jurisdiction = pc_region_cut(x->jurisdiction, D->level);
  return 0;
}

int pc_dispatch_rows(pc_dispatch *D) {
  D->it = pc_calloc(D->nr[0] + D->nr[1] + D->nr[2] + 1, sizeof *D->it, "lists");
  if (!D->it) return PC_ERR_MEM;
  size_t n = 0;
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < D->nr[k]; i++) {
      const pc_flag_row *x = &D->r[k][i];
      item *it = D->it;
      if (D->only_new && !x->is_new) { /* sent by an earlier batch, code not raised */
        D->skipped++;
        continue;
      }
      if (k == 2 && n && it[n - 1].pid == x->pid) { /* one person in several areas: one row */
        size_t l = strnlen(it[n - 1].place, sizeof it[n - 1].place);
        snprintf(it[n - 1].place + l, sizeof it[n - 1].place - l, ";%.32s", x->area);
        continue;
      }
      PC_CALL(make_row(D, k, x, &it[n++]));
    }
  D->n = n;
  return 0;
}

/* Phones from /identities, merged in pid order (items sorted by pid), in chunks. */
static int join_phones(pc_file data, item *it, size_t n) {
  pc_table d;
  PC_CALL(pc_table_open(data, NULL, &pc_schema_identities, &d));
  const uint64_t N = d.nrows;
  const size_t C = 1 << 20;
  pc_identity *buf = pc_malloc(C * sizeof *buf, "identities");
  int rc = buf ? 0 : PC_ERR_MEM;
  size_t j = 0;
  for (uint64_t at = 0; at < N && j < n && !rc; at += C) {
    size_t m = (size_t)(N - at < C ? N - at : C);
    if ((rc = pc_table_read(&d, at, m, buf))) break;
    for (size_t i = 0; i < m && j < n; i++) {
      while (j < n && it[j].pid < buf[i].pid) j++;
      while (j < n && it[j].pid == buf[i].pid) memcpy(it[j++].phone, buf[i].phone, 11);
    }
  }
  free(buf);
  pc_table_close(&d);
  return rc;
}

/* The name of a region of /regions ("" when absent) into name (PC_REGION_NAME_LEN). */
static void region_name(const pc_dispatch *D, uint64_t code, char *name) {
  const pc_region *x = code ? pc_region_find(D->reg, D->nreg, code) : NULL;
  memcpy(name, x ? x->name : "", x ? PC_REGION_NAME_LEN : 1);
}

int pc_dispatch_join(pc_dispatch *D) {
  pc_qsort(D->it, D->n, sizeof *D->it, item_pid_cmp);
  PC_CALL(join_phones(D->data, D->it, D->n));
  void *rv = NULL;
  int rc = pc_table_read_all(D->data, NULL, &pc_schema_regions, &rv, &D->nreg);
  D->reg = rv;
  if (rc) return rc;
  for (size_t i = 0; i < D->n; i++) {
    item *x = &D->it[i];
    region_name(D, x->township, x->township_name);
    region_name(D, x->community, x->community_name);
    region_name(D, x->jurisdiction, x->jurisdiction_name);
  }
  pc_qsort(D->it, D->n, sizeof *D->it, item_list_cmp);
  return 0;
}

static int u64_cmp(const void *pa, const void *pb) {
  const uint64_t *a = pa, *b = pb;
  return (*a > *b) - (*a < *b);
}

/* The set's lists: every region of /regions at the level, any other
 * jurisdiction the rows name (sorted, as the rows are), unassigned last. */
static int plan_lists(pc_dispatch *D) {
  uint64_t *c = pc_calloc(D->nreg + D->n + 1, sizeof *c, "lists");
  D->lists = c ? pc_calloc(D->nreg + D->n + 1, sizeof *D->lists, "lists") : NULL;
  if (!D->lists) {
    free(c);
    return PC_ERR_MEM;
  }
  size_t m = 0, k = 0;
  for (uint64_t i = 0; i < D->nreg; i++)
    if (D->reg[i].level == D->level) c[m++] = D->reg[i].code;
  for (size_t i = 0; i < D->n; i++)
    if (D->it[i].jurisdiction && (!i || D->it[i].jurisdiction != D->it[i - 1].jurisdiction))
      c[m++] = D->it[i].jurisdiction;
  pc_qsort(c, m, sizeof *c, u64_cmp);
  for (size_t i = 0; i <= m; i++) {
    if (i < m && k && c[i] == D->lists[k - 1].jurisdiction) continue;
    pc_list_info *l = &D->lists[k++];
    l->jurisdiction = i < m ? c[i] : 0;
    l->short_code = i < m ? pc_region_short(c[i], D->level) : 0;
    if (i < m) region_name(D, c[i], l->name);
    else snprintf(l->name, sizeof l->name, "unassigned");
    pc_listform_stem(l, &D->batch);
  }
  D->nlists = k;
  free(c);
  return 0;
}

/* Every list of the plan, each with its rows (rows sorted by jurisdiction,
 * unassigned - jurisdiction 0 - first); the ones with people logged. */
static int write_lists(pc_ctx *ctx, pc_dispatch *D, const char *tmpdir) {
  const item *it = D->it;
  size_t at = 0;
  while (at < D->n && !it[at].jurisdiction) at++;
  for (size_t k = 0; k < D->nlists; k++) {
    pc_list_info *l = &D->lists[k];
    size_t from = l->jurisdiction ? at : 0, to = from;
    while (to < D->n && it[to].jurisdiction == l->jurisdiction) to++;
    if (l->jurisdiction) at = to;
    l->count = to - from;
    for (size_t i = from; i < to; i++) {
      l->red += !strcmp(it[i].code, "red");
      l->yellow += !strcmp(it[i].code, "yellow");
    }
    PC_CALL(pc_lists_write(tmpdir, &D->batch, l, it + from, l->count));
    if (l->count) pc_log(ctx, "dispatch: %s: %zu persons", l->stem, l->count);
  }
  return 0;
}

int pc_dispatch_write(pc_ctx *ctx, pc_dispatch *D) {
  PC_CALL(plan_lists(D));
  char tmpdir[4200];
  int swept = pc_lists_sweep(D->dir);
  if (swept)
    pc_log(ctx, "removed %d temporary %s of %s left by an interrupted run", swept,
           pc_plural((unsigned)swept, "directory", "directories"), D->dir);
  PC_CALL(pc_lists_tmpdir(D->dir, tmpdir, sizeof tmpdir));
  int rc = write_lists(ctx, D, tmpdir);
  if (!rc) rc = pc_lists_manifest(tmpdir, D->lists, D->nlists);
  if (!rc) pc_test_hold(ctx, "commit"); /* a test meets a second run here */
  if (!rc) rc = pc_lists_replace_dir(tmpdir, D->dir, D->overwrite);
  else pc_lists_remove_dir(tmpdir);
  if (!rc)
    pc_log(ctx, "dispatch: %zu persons in %zu lists (batch %s) under %s; manifest.csv lists them",
           D->n, D->nlists, D->batch.stamp, D->dir);
  return rc;
}

void pc_dispatch_free(pc_dispatch *D) {
  for (int k = 0; k < 3; k++) free(D->r[k]);
  free(D->it);
  free(D->reg);
  free(D->lists);
  pc_lists_close(D->in, D->data);
  D->in = D->data = -1;
}
