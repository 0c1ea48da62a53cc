/* pc_dispatch.c - dispatch's lists: rows from the flagged tables, phones joined, a set per jurisdiction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc_dispatch.h"
#include "pc_flagged.h"
#include "pc_flaggedfile.h"
#include "pc_lists.h"
#include "pc_reportfile.h"
#include "pc_sort.h"

typedef pc_list_row item; /* one person of a list (io/pc_schema.h) */

/* The rows' order by pid: a radix sort of the pids beside their rows' indices
 * (*byp, n pairs, the caller frees). */
static int pid_order(const item *it, size_t n, pc_kv **byp) {
  pc_kv *kv = pc_malloc((n + 1) * sizeof *kv, "lists"),
        *tmp = pc_malloc((n + 1) * sizeof *tmp, "lists");
  int rc = kv && tmp ? 0 : PC_ERR_MEM;
  for (size_t i = 0; i < n && !rc; i++) kv[i] = (pc_kv){it[i].pid, i};
  if (!rc) pc_sort_kv(kv, tmp, n);
  free(tmp);
  if (rc) free(kv);
  *byp = rc ? NULL : kv;
  return rc;
}

/* The rows in the callers' order (pc_listform_sort by jurisdiction), each
 * row moved once. A qsort of 72-byte keys took 1.2 s of 1.54 M rows. */
static int sort_for_lists(item *it, size_t n) {
  uint64_t *jur = pc_malloc((n + 1) * sizeof *jur, "lists");
  uint32_t *ord = jur ? pc_malloc((n + 1) * sizeof *ord, "lists") : NULL;
  int rc = ord ? 0 : PC_ERR_MEM;
  for (size_t i = 0; i < n && !rc; i++) jur[i] = it[i].jurisdiction;
  if (!rc) rc = pc_listform_sort(it, NULL, n, jur, ord);
  if (!rc) pc_listform_permute(it, ord, n);
  free(ord);
  free(jur);
  return rc;
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

static const char *const flag_tables[3] = {"contacts", "companions", "screened"};

int pc_dispatch_open(pc_dispatch *D) {
  PC_CALL(pc_lists_open(D->in_path, D->data_path, &D->in, &D->data));
  PC_CALL(pc_flagged_check_data(D->in, D->in_path, D->data, D->data_path));
  D->nflagged = 0;
  for (int k = 0; k < 3; k++) {
    PC_CALL(pc_flagged_rows(D->in, flag_tables[k], D->in_path, &D->ntab[k]));
    D->nflagged += D->ntab[k];
  }
  if (!D->nflagged && !pc_lists_is_flagged_output(D->in))
    return PC_ERROR(PC_ERR_DATA, "%s: neither /contacts nor /screened: not a trace or screen "
                    "output", D->in_path);
  return 0;
}

int pc_dispatch_share(pc_dispatch *D, int rank, int P) {
  for (int k = 0; k < 3; k++) {
    const uint64_t N = D->ntab[k]; /* N * P: far below 2^64 */
    uint64_t a, b = N;
    PC_CALL(pc_flagged_part_start(D->in, flag_tables[k], D->in_path,
                                  N * (uint64_t)rank / (uint64_t)P, &a));
    if (rank + 1 < P)
      PC_CALL(pc_flagged_part_start(D->in, flag_tables[k], D->in_path,
                                    N * (uint64_t)(rank + 1) / (uint64_t)P, &b));
    D->start[k] = a;
    D->nr[k] = (size_t)(b > a ? b - a : 0);
  }
  return 0;
}

int pc_dispatch_read(pc_dispatch *D) {
  for (int k = 0; k < 3; k++)
    PC_CALL(pc_flagged_read_part(D->in, flag_tables[k], D->in_path, D->start[k], D->nr[k],
                                 &D->r[k]));
  return read_batch(D);
}

/* The input assigned people at a coarser level than the lists' (the
 * jurisdiction j of one of its rows tells which). */
static int coarse_input(const pc_dispatch *D, uint64_t j) {
  static const char *const plural[PC_NLEVELS + 1] = {"", "the province", "cities", "counties",
                                                     "townships", "communities"};
  int at = pc_region_level(j);
  return PC_ERROR(PC_ERR_CONFIG,
                  "%s assigned people to %s: lists per %s need the trace or screen run with "
                  "dispatch: {level: %s} (or a finer level)", D->in_path,
                  at >= 1 && at <= PC_NLEVELS ? plural[at] : "coarser regions",
                  pc_level_name(D->level), pc_level_name(D->level));
}

/* Lists at a level need the input's jurisdiction j at that level or finer:
 * its digits of the level are zeros when the input was made coarser. */
static int level_check(const pc_dispatch *D, uint64_t j) {
  if (j && D->level > PC_LEVEL_CITY && pc_region_cut(j, D->level) == pc_region_cut(j, D->level - 1))
    return coarse_input(D, j);
  return 0;
}

/* What a row (pid, marked new or not) of table k (2: screened) is to the
 * lists, after the row made before it (prev; screened: whether that one was
 * screened): the rule of pc_dispatch_rows and of plan's count of them. */
enum { ROW_MAKE, ROW_SKIP, ROW_MERGE };
typedef struct prev_row {
  uint64_t pid;
  int screened; /* 0 also when none was made */
} prev_row;
static int row_rule(const pc_dispatch *D, int k, uint64_t pid, int is_new, prev_row *prev) {
  if (D->only_new && !is_new) return ROW_SKIP; /* sent by an earlier batch, code not raised */
  /* one person screened in several areas: one row (a person's screened rows are one rank's) */
  if (k == 2 && prev->screened && prev->pid == pid) return ROW_MERGE;
  *prev = (prev_row){pid, k == 2};
  return ROW_MAKE;
}

/* src (at most max bytes, NUL-terminated or not) into dst of size bytes, as
 * snprintf(dst, size, "%.*s", max, src) would: a copy, not a format, for
 * each of the 1.5 M rows of a thousand cases' lists. */
static void put_str(char *dst, size_t size, const char *src, size_t max) {
  size_t n = strnlen(src, max);
  if (n > size - 1) n = size - 1;
  memcpy(dst, src, n);
  dst[n] = 0;
}

/* Row y from the flagged row x of table k (0 contacts, 1 companions, 2
 * screened); bands: the age bands' labels (pc_age_band_label), unknown last. */
static int make_row(const pc_dispatch *D, int k, const pc_flag_row *x, char (*bands)[16], item *y) {
  y->pid = x->pid;
  y->exposure = x->exposure;
  y->residence = x->residence;
  y->township = pc_region_cut(x->residence, PC_LEVEL_TOWNSHIP);
  y->community = x->residence;
  memcpy(y->subject, x->subject, sizeof y->subject);
  memcpy(y->subject_type, x->subject_type, sizeof y->subject_type);
  memcpy(y->code, x->code, sizeof y->code);
  if (k == 0) snprintf(y->cls, sizeof y->cls, "hop%u", x->hop);
  else put_str(y->cls, sizeof y->cls, k == 1 ? "companion" : "screened", sizeof y->cls);
  if (k == 2) put_str(y->place, sizeof y->place, x->area, 32);
  else put_str(y->place, sizeof y->place, x->place, 40);
  put_str(y->channel, sizeof y->channel, k == 2 ? "screening" : x->channel, 16);
  memcpy(y->root_status, x->root_status, sizeof y->root_status);
  y->age = x->age;
  memcpy(y->age_band, bands[pc_age_band(D->edges, D->nedges, x->age)], sizeof y->age_band);
  y->jurisdiction = pc_region_cut(x->jurisdiction, D->level);
  return level_check(D, x->jurisdiction);
}

/* Where a row stands in the tables (table, row), kept in its jurisdiction's
 * name until the rows are put back in that order (the names are joined
 * after). */
static void order_put(item *y, int k, uint64_t row) {
  const uint64_t g = (uint64_t)k << 56 | row;
  memcpy(y->jurisdiction_name, &g, sizeof g);
}
static uint64_t order_take(item *y) {
  uint64_t g;
  memcpy(&g, y->jurisdiction_name, sizeof g);
  memset(y->jurisdiction_name, 0, sizeof g);
  return g;
}

int pc_dispatch_rows(pc_dispatch *D) {
  D->it = pc_calloc(D->nr[0] + D->nr[1] + D->nr[2] + 1, sizeof *D->it, "lists");
  if (!D->it) return PC_ERR_MEM;
  char bands[PC_MAX_AGE_EDGES + 1][16] = {{0}}; /* whole: the lists hold every byte */
  for (int b = 0; b <= D->nedges && b <= PC_MAX_AGE_EDGES; b++)
    pc_age_band_label(D->edges, D->nedges, b, bands[b]);
  size_t n = 0;
  prev_row prev = {0, 0};
  for (int k = 0; k < 3; k++) {
    for (size_t i = 0; i < D->nr[k]; i++) {
      const pc_flag_row *x = &D->r[k][i];
      item *it = D->it;
      const int what = row_rule(D, k, x->pid, x->is_new, &prev);
      if (what == ROW_SKIP) D->skipped++;
      if (what == ROW_MERGE) { /* the areas joined */
        size_t l = strnlen(it[n - 1].place, sizeof it[n - 1].place);
        snprintf(it[n - 1].place + l, sizeof it[n - 1].place - l, ";%.32s", x->area);
      }
      if (what != ROW_MAKE) continue;
      PC_CALL(make_row(D, k, x, bands, &it[n]));
      order_put(&it[n++], k, D->start[k] + i);
    }
    free(D->r[k]); /* its rows made: not needed again (270 MB for a thousand cases) */
    D->r[k] = NULL;
  }
  D->n = n;
  return 0;
}

/* Phones from /identities, merged in pid order (the rows taken in the
 * order byp gives), in chunks. */
static int join_phones(pc_file data, item *it, const pc_kv *byp, size_t n) {
  pc_table d;
  if (!n) return 0;
  PC_CALL(pc_table_open(data, NULL, &pc_schema_identities, &d));
  const uint64_t N = d.nrows;
  const size_t C = 1 << 20;
  pc_identity *buf = pc_malloc(C * sizeof *buf, "identities");
  int rc = buf ? 0 : PC_ERR_MEM;
  size_t j = 0;
  uint64_t lo = 0; /* the first identity at or after the rows' first pid */
  if (!rc) rc = pc_table_lower_bound(&d, byp[0].key, buf, &lo);
  for (uint64_t at = lo; at < N && j < n && !rc; at += C) {
    size_t m = (size_t)(N - at < C ? N - at : C);
    if ((rc = pc_table_read(&d, at, m, buf))) break;
    for (size_t i = 0; i < m && j < n; i++) {
      while (j < n && byp[j].key < buf[i].pid) j++;
      for (; j < n && byp[j].key == buf[i].pid; j++) memcpy(it[byp[j].val].phone, buf[i].phone, 11);
    }
  }
  free(buf);
  pc_table_close(&d);
  return rc;
}

/* The name of region `code` of /regions ("" when absent) into name
 * (PC_REGION_NAME_LEN), the last one found kept in *last: the rows come in
 * the callers' order, jurisdiction by jurisdiction, community by community. */
static void region_name(const pc_dispatch *D, uint64_t code, const pc_region **last, char *name) {
  if (!*last || (*last)->code != code) {
    const pc_region *x = code ? pc_region_find(D->reg, D->nreg, code) : NULL;
    if (!x) {
      name[0] = 0;
      return;
    }
    *last = x;
  }
  memcpy(name, (*last)->name, PC_REGION_NAME_LEN);
}

int pc_dispatch_phones(pc_dispatch *D) {
  pc_kv *byp = NULL;
  PC_CALL(pid_order(D->it, D->n, &byp));
  int rc = join_phones(D->data, D->it, byp, D->n);
  if (!rc && D->employers) rc = pc_employers_join(D->data, D->it, byp, D->n, &D->emp);
  free(byp);
  return rc;
}

/* The dataset's /regions (every level), once. */
static int read_regions(pc_dispatch *D) {
  void *rv = NULL;
  if (D->reg) return 0;
  int rc = pc_table_read_all(D->data, NULL, &pc_schema_regions, &rv, &D->nreg);
  D->reg = rv;
  return rc;
}

/* The region names beside their codes, the rows in the callers' order. */
static void join_names(const pc_dispatch *D, item *rows, size_t n) {
  const pc_region *t = NULL, *c = NULL, *j = NULL;
  for (size_t i = 0; i < n; i++) {
    item *x = &rows[i];
    region_name(D, x->township, &t, x->township_name);
    region_name(D, x->community, &c, x->community_name);
    region_name(D, x->jurisdiction, &j, x->jurisdiction_name);
  }
}

/* The rows back in the order of the tables (each rank's part came whole,
 * its rounds interleaved with the others'; at 1 rank they are in it). */
static int table_order(item *it, size_t n) {
  pc_kv *kv = pc_malloc((n + 1) * sizeof *kv, "lists");
  pc_kv *tmp = pc_malloc((n + 1) * sizeof *tmp, "lists");
  uint32_t *ord = kv && tmp ? pc_malloc((n + 1) * sizeof *ord, "lists") : NULL;
  int rc = ord ? 0 : PC_ERR_MEM, sorted = 1;
  for (size_t i = 0; i < n && !rc; i++) {
    kv[i] = (pc_kv){order_take(&it[i]), i};
    sorted &= !i || kv[i - 1].key < kv[i].key;
  }
  if (!rc && sorted) n = 0; /* nothing to move */
  if (!rc) pc_sort_kv(kv, tmp, n);
  for (size_t i = 0; i < n && !rc; i++) ord[i] = (uint32_t)kv[i].val;
  free(kv);
  free(tmp);
  if (!rc) pc_listform_permute(it, ord, n);
  free(ord);
  return rc;
}

/* The directory of the city of code: "4301-长沙市" (no '/' nor blank). */
static void city_dir(const pc_dispatch *D, uint64_t code, char *out, size_t size) {
  char name[PC_REGION_NAME_LEN];
  uint64_t c = pc_region_cut(code, PC_LEVEL_CITY);
  const pc_region *last = NULL;
  region_name(D, c, &last, name);
  snprintf(out, size, "%llu-%s", (unsigned long long)pc_region_short(c, PC_LEVEL_CITY), name);
  for (char *p = out; *p; p++)
    if (*p == '/' || *p == ' ' || *p == '\t') *p = '_';
}

/* A township's or community's CSV: in its city's directory; unassigned's
 * beside the manifest. */
static void fine_file(const pc_dispatch *D, pc_list_info *l) {
  char city[PC_REGION_NAME_LEN + 24];
  if (l->jurisdiction) city_dir(D, l->jurisdiction, city, sizeof city);
  snprintf(l->file, sizeof l->file, "%s%s%s.csv", l->jurisdiction ? city : "",
           l->jurisdiction ? "/" : "", l->stem);
}

/* a[0..m) sorted, each value once; returns how many. */
static size_t sort_unique(uint64_t *a, size_t m) {
  pc_qsort(a, m, sizeof *a, pc_u64_cmp);
  size_t k = 0;
  for (size_t i = 0; i < m; i++)
    if (!k || a[i] != a[k - 1]) a[k++] = a[i];
  return k;
}

/* The jurisdictions D's rows name (not 0), each once, ascending: *j, *m. */
static int named_jurisdictions(const pc_dispatch *D, uint64_t **j, size_t *m) {
  uint64_t *a = pc_malloc((D->n + 1) * sizeof *a, "lists");
  *j = a, *m = 0;
  if (!a) return PC_ERR_MEM;
  for (size_t i = 0; i < D->n; i++)
    if (D->it[i].jurisdiction) a[(*m)++] = D->it[i].jurisdiction;
  *m = sort_unique(a, *m);
  return 0;
}

/* The set's lists: every region of /regions at the level, any other
 * jurisdiction named[0..nn) (rows name), sorted, unassigned last. */
static int plan_lists(pc_dispatch *D, const uint64_t *named, size_t nn) {
  uint64_t *c = pc_calloc(D->nreg + nn + 1, sizeof *c, "lists");
  D->lists = c ? pc_calloc(D->nreg + nn + 1, sizeof *D->lists, "lists") : NULL;
  if (!D->lists) {
    free(c);
    return PC_ERR_MEM;
  }
  size_t m = 0, k = 0;
  for (uint64_t i = 0; i < D->nreg; i++)
    if (D->reg[i].level == D->level) c[m++] = D->reg[i].code;
  for (size_t i = 0; i < nn; i++) c[m++] = named[i];
  pc_qsort(c, m, sizeof *c, pc_u64_cmp);
  for (size_t i = 0; i <= m; i++) {
    if (i < m && k && c[i] == D->lists[k - 1].jurisdiction) continue;
    pc_list_info *l = &D->lists[k++];
    l->jurisdiction = i < m ? c[i] : 0;
    l->short_code = i < m ? pc_region_short(c[i], D->level) : 0;
    const pc_region *last = NULL;
    if (i < m) region_name(D, c[i], &last, l->name);
    else snprintf(l->name, sizeof l->name, "unassigned");
    pc_listform_stem(l, &D->batch);
    if (D->level >= PC_LEVEL_TOWNSHIP) fine_file(D, l);
  }
  D->nlists = k;
  free(c);
  return 0;
}

/* Which rank writes each list: the largest first, each to the rank with the
 * fewest rows so far (a list's files cost about its rows; the three files of
 * an empty one count as LIST_ROWS rows; at the fine levels a list is a CSV,
 * none when empty, FILE_ROWS for its creation). Rank 0 starts with head
 * rows (the fine levels' HDF5 file, which it writes alone). The same on every
 * rank. */
enum { LIST_ROWS = 500, FILE_ROWS = 50, GROUP_ROWS = 20 };
typedef struct by_size {
  size_t rows, k;
} by_size;
static int by_size_cmp(const void *pa, const void *pb) {
  const by_size *a = pa, *b = pb;
  if (a->rows != b->rows) return a->rows > b->rows ? -1 : 1;
  return (a->k > b->k) - (a->k < b->k);
}
static int list_writers(const pc_list_info *l, size_t n, int P, int fine, uint64_t head,
                        int *writer) {
  by_size *o = pc_malloc((n + 1) * sizeof *o, "lists");
  uint64_t *load = pc_calloc((size_t)P, sizeof *load, "lists");
  if (!o || !load) {
    free(o);
    free(load);
    return PC_ERR_MEM;
  }
  load[0] = head;
  for (size_t k = 0; k < n; k++)
    o[k] = (by_size){fine ? (l[k].count ? l[k].count + FILE_ROWS : 0) : l[k].count + LIST_ROWS, k};
  pc_qsort(o, n, sizeof *o, by_size_cmp);
  for (size_t i = 0; i < n; i++) {
    int r = 0;
    for (int q = 1; q < P; q++)
      if (load[q] < load[r]) r = q;
    writer[o[i].k] = r;
    load[r] += o[i].rows;
  }
  free(o);
  free(load);
  return 0;
}

/* Rank 0's temporary directory to every rank, which checks it sees it. Collective, agreed. */
static int share_tmpdir(pc_ctx *ctx, char **tmpdir) {
  size_t len = strlen(*tmpdir);
  int rc = 0;
  if (pc_rank(ctx)) { /* a copy of rank 0's comes */
    free(*tmpdir);
    *tmpdir = NULL;
  }
  rc = pc_bcast_bytes(ctx, tmpdir, &len);
  if (!rc && pc_rank(ctx)) rc = pc_lists_tmpdir_seen(*tmpdir);
  return pc_agree(ctx, rc);
}

/* The fine levels' CSV lists go in a directory per city, made here (tmpdir
 * NULL: not here); an empty township or community has none (~29,000 file
 * creations in a province - most of the job's time there, more on a parallel
 * file system - saying what the manifest and the empty group say). Rank 0
 * makes the directories before its temporary directory is shared; every
 * rank blanks its plan's empty lists' files. */
static int fine_dirs(pc_list_info *lists, size_t n, const char *tmpdir) {
  char dir[sizeof lists->file] = "";
  for (size_t k = 0; k < n; k++) {
    pc_list_info *l = &lists[k];
    if (!l->count) l->file[0] = 0;
    const char *slash = strchr(l->file, '/');
    if (tmpdir && slash &&
        (strncmp(dir, l->file, (size_t)(slash - l->file)) || dir[slash - l->file])) {
      snprintf(dir, sizeof dir, "%.*s", (int)(slash - l->file), l->file);
      PC_CALL(pc_lists_subdir(tmpdir, dir));
    }
  }
  return 0;
}

/* The fine levels' HDF5 file goes in rounds of lists: consecutive lists of
 * the plan of at most `cap` rows in all (a larger list alone), unassigned -
 * the last, whose rows come first on its writer - alone; each writer's rows
 * of a round are then one piece of its block. The round that starts at list
 * k: where it ends. */
static size_t feed_cap(void) {
  return pc_feed_rows(PC_DISPATCH_FEED_BYTES, sizeof(item));
}
static size_t round_end(const pc_dispatch *D, size_t k, size_t cap) {
  const size_t last = D->nlists - 1;
  if (k == last) return D->nlists;
  size_t rows = D->lists[k].count, e = k + 1;
  while (e < last && rows + D->lists[e].count <= cap) rows += D->lists[e++].count;
  return e;
}
static size_t rounds_of(const pc_dispatch *D) {
  size_t m = 0;
  for (size_t k = 0, cap = feed_cap(); k < D->nlists; k = round_end(D, k, cap)) m++;
  return m;
}
/* The most rows a round brings rank 0 from the lists the others write. */
static size_t feed_rows(const pc_dispatch *D, const int *writer) {
  size_t most = 0;
  for (size_t k = 0, e, cap = feed_cap(); k < D->nlists; k = e) {
    size_t m = 0;
    e = round_end(D, k, cap);
    for (size_t j = k; j < e; j++) m += writer[j] ? D->lists[j].count : 0;
    if (m > most) most = m;
  }
  return most;
}

/* A rank's pieces for rank 0 (rank > 0): in each round, the rows of
 * its lists there, from[j] where list j's rows start in its block. Local,
 * before the sends are agreed: PC_ERR_DATA when they are not one piece, a
 * piece of 2^31 rows PC_ERR_ARG. */
static int feed_pieces(const pc_dispatch *D, int me, const int *writer, const size_t *from,
                       uint64_t *start, uint64_t *count) {
  size_t i = 0;
  for (size_t k = 0, e, cap = feed_cap(); k < D->nlists; k = e, i++) {
    e = round_end(D, k, cap);
    start[i] = count[i] = 0;
    for (size_t j = k; j < e; j++) {
      if (writer[j] != me) continue;
      if (!count[i]) start[i] = from[j];
      if (from[j] != start[i] + count[i])
        return PC_ERROR(PC_ERR_DATA, "dispatch: the rows of a round are not together");
      count[i] += D->lists[j].count;
    }
    if (count[i] >= INT32_MAX) return PC_ERROR(PC_ERR_ARG, "dispatch: a round of 2^31 rows");
  }
  return 0;
}

/* The fine levels' HDF5 file, h5 its name: a group per township or community,
 * empty ones too, in the plan's order, round by round. Rank 0: list k's rows
 * are at rows + from[k] when the list is its own, else they come from their
 * writer into buf, which holds a round of them (feed rows). Every round is taken, also after
 * a failure here: the others' pieces are sent without waiting for rank 0. */
static int fine_groups(pc_ctx *ctx, pc_dispatch *D, const item *rows, const size_t *from,
                       const int *writer, item *buf, uint64_t *count, const char *tmpdir,
                       char *h5, size_t size) {
  const int P = pc_nranks(ctx), feed = P > 1;
  char path[4300];
  snprintf(h5, size, "%s.%s.h5", D->level == PC_LEVEL_TOWNSHIP ? "townships" : "communities",
           D->batch.stamp);
  snprintf(path, sizeof path, "%s/%s", tmpdir, h5);
  pc_listgroups *g = NULL;
  int rc = pc_listgroups_create(path, &D->batch,
                                "RESTRICTED: one list per jurisdiction (/<code>/list, its counts in "
                                "the group's attributes): the people it must reach, red first, then "
                                "yellow, then the others; each by township, community (of "
                                "residence), exposure; exposure int64 seconds since the epoch (UTC)",
                                &g);
  uint64_t *at = count + P; /* count: 2 P of the caller's */
  for (size_t k = 0, e, cap = feed_cap(); k < D->nlists; k = e) {
    e = round_end(D, k, cap);
    for (int s = 0; s < P; s++) count[s] = 0;
    for (size_t j = k; feed && j < e; j++) count[writer[j]] += writer[j] ? D->lists[j].count : 0;
    if (feed) {
      int taken = pc_feed_take(ctx, buf, sizeof *buf, count);
      if (taken) { /* MPI failed: the others cannot be drained */
        rc = rc ? rc : taken;
        break;
      }
    }
    uint64_t sum = 0;
    for (int s = 1; s < P; s++) at[s] = sum, sum += count[s];
    size_t n = 0; /* the round's rows: their room taken before they are written */
    for (size_t j = k; j < e; j++) n += D->lists[j].count;
    if (!rc) rc = pc_listgroups_room(g, n, e - k);
    for (size_t j = k; j < e && !rc; j++) {
      const pc_list_info *l = &D->lists[j];
      const int there = feed && writer[j]; /* its rows came into buf */
      rc = pc_listgroups_add(g, "jurisdiction", l, there ? buf + at[writer[j]] : rows + from[j],
                             l->count);
      if (there) at[writer[j]] += l->count;
    }
  }
  int rc2 = pc_listgroups_close(g);
  return rc ? rc : rc2;
}

/* One line for the fine levels' CSVs: how many each rank wrote; rounds: the
 * HDF5 file's, fed to rank 0 (0: it held every row). */
static void log_fine_writers(pc_ctx *ctx, const pc_list_info *l, size_t n, const int *writer,
                             size_t rounds) {
  char line[512] = "";
  size_t len = 0, total = 0;
  for (size_t k = 0; k < n; k++) total += l[k].count > 0;
  int r = 0;
  for (; r < pc_nranks(ctx) && len < sizeof line - 40; r++) {
    size_t m = 0;
    for (size_t k = 0; k < n; k++) m += writer[k] == r && l[k].count;
    len += (size_t)snprintf(line + len, sizeof line - len, "%srank %d: %zu", r ? ", " : "", r, m);
  }
  char fed[96] = "";
  if (rounds)
    snprintf(fed, sizeof fed, ", the others' rows fed to it in %zu %s", rounds,
             pc_plural(rounds, "round", "rounds"));
  pc_log(ctx, "dispatch: %zu CSV lists with people, shared out (%s%s); rank 0 wrote the HDF5 "
         "file%s", total, line, r < pc_nranks(ctx) ? ", ..." : "", fed);
}

/* Which rank writes each list (list_writers), the same on every rank that
 * holds the plan's counts; at the fine levels rank 0 starts with its HDF5
 * file, counted as a quarter of what the rows' CSVs cost and GROUP_ROWS rows
 * a group, empty ones too: measured between a half and a tenth, as the
 * disk's inode allocation makes the CSVs dearer after many sets replaced. */
static int writers_of(const pc_dispatch *D, int P, int *writer) {
  const int fine = D->level >= PC_LEVEL_TOWNSHIP;
  uint64_t all_rows = 0;
  for (size_t k = 0; k < D->nlists; k++) all_rows += D->lists[k].count;
  return list_writers(D->lists, D->nlists, P, fine,
                      fine ? all_rows / 4 + D->nlists * GROUP_ROWS : 0, writer);
}

/* Every list of the plan, each with its rows, the lists shared out among the
 * ranks; rank 0 logs the ones with people (at the fine levels, too many for
 * a line each, their CSVs are shared out and rank 0 writes their HDF5 file
 * first). Collective, agreed. Each rank holds the rows of its lists
 * (unassigned's first, then by jurisdiction, as the plan's lists but for
 * unassigned, its last); at the fine levels the others feed rank 0 the rows
 * of the HDF5 file round by round, sent as they start their CSVs. */
static int write_lists(pc_ctx *ctx, pc_dispatch *D, char **tmpdir) {
  const int P = pc_nranks(ctx), me = pc_rank(ctx), fine = D->level >= PC_LEVEL_TOWNSHIP;
  const int feed = fine && P > 1;
  int rc = fine ? fine_dirs(D->lists, D->nlists, me ? NULL : *tmpdir) : 0;
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(share_tmpdir(ctx, tmpdir)); /* every rank made the plan */
  const size_t nl = D->nlists, rounds = feed ? rounds_of(D) : 0;
  int *writer = pc_malloc((nl + 1) * sizeof *writer, "lists");
  size_t *from = pc_malloc((nl + 1) * sizeof *from, "lists");
  /* fed (fine levels): rank 0's room for a round and its counts; a sender's
   * pieces and its requests, had before anything is sent */
  uint64_t *piece = fine ? pc_calloc(2 * (rounds + (size_t)P) + 1, sizeof *piece, "lists") : NULL;
  item *buf = feed && !me ? pc_malloc((D->feed + 1) * sizeof *buf, "the HDF5 file's rows") : NULL;
  pc_feed *f = NULL;
  rc = writer && from && (!fine || piece) && (!feed || me || buf) ? writers_of(D, P, writer)
                                                                   : PC_ERR_MEM;
  /* Where each list's rows start among this rank's (its lists' only: they
   * came straight to it), unassigned's first. */
  for (size_t j = 0, off = 0; j < nl && !rc; j++) {
    const size_t k = (j + nl - 1) % nl; /* unassigned, then the plan's order */
    from[k] = off;
    off += writer[k] == me ? D->lists[k].count : 0;
  }
  if (!rc && feed && me) rc = feed_pieces(D, me, writer, from, piece, piece + rounds);
  if (!rc && feed && me) rc = pc_feed_new(rounds, &f);
  rc = pc_agree(ctx, rc);
  const pc_list_row *rows = D->it;
  char h5[64] = "";
  if (!rc && f) rc = pc_feed_send(ctx, f, rows, sizeof *rows, rounds, piece, piece + rounds);
  if (!rc && fine && me == 0)
    rc = fine_groups(ctx, D, rows, from, writer, buf, piece, *tmpdir, h5, sizeof h5);
  for (size_t k = 0; k < nl && !rc; k++) {
    const pc_list_info *l = &D->lists[k];
    if (writer[k] != me || (fine && !l->count)) continue;
    rc = fine ? pc_lists_write_csv(*tmpdir, l->file, rows + from[k], l->count)
              : pc_lists_write(*tmpdir, &D->batch, l, rows + from[k], l->count);
    if (!rc) rc = pc_feed_poll(f);
    if (!rc && l->count && !fine) pc_log(ctx, "dispatch: %s: %zu persons", l->stem, l->count);
  }
  int sent = pc_feed_end(f); /* the pieces go, also after a failure: rank 0 takes them all */
  rc = pc_agree(ctx, rc ? rc : sent);
  if (!rc && fine) log_fine_writers(ctx, D->lists, nl, writer, rounds);
  for (size_t k = 0; k < nl && !rc && !fine; k++)
    if (writer[k] && D->lists[k].count)
      pc_log(ctx, "dispatch: %s: %zu persons (written by rank %d)", D->lists[k].stem,
             D->lists[k].count, writer[k]);
  if (!rc && me == 0)
    rc = fine ? pc_lists_manifest_groups(*tmpdir, "manifest.csv", "jurisdiction", 1, 1, h5,
                                         D->lists, nl)
              : pc_lists_manifest(*tmpdir, D->lists, nl);
  free(writer);
  free(from);
  free(piece);
  free(buf);
  return pc_agree(ctx, rc); /* rank 0's manifest */
}

/* The set's files: the lists (per jurisdiction, shared out among the ranks;
 * at the fine levels their CSVs shared out and their HDF5 file by rank 0),
 * the manifest, the employers' (rank 0's file, fed by the others).
 * Collective, agreed. */
static int write_set(pc_ctx *ctx, pc_dispatch *D, char **tmpdir) {
  PC_CALL(write_lists(ctx, D, tmpdir));
  if (!D->employers) return 0;
  PC_CALL(pc_employers_write(ctx, &D->emp, *tmpdir, &D->batch));
  uint64_t without = D->emp.without;
  PC_CALL(pc_sum_u64(ctx, &without, 1));
  pc_log(ctx, "dispatch: employers: %zu flagged %s of %zu %s in employers.%s.h5; %llu "
         "without an employer in none", D->emp.staff, pc_plural(D->emp.staff, "person", "persons"),
         D->emp.employers, pc_plural(D->emp.employers, "employer", "employers"), D->batch.stamp,
         (unsigned long long)without);
  return 0;
}

/* The list of jurisdiction j in the plan (lists[0..nlists-1) ascending,
 * unassigned last). */
static size_t list_of(const pc_dispatch *D, uint64_t j) {
  size_t lo = 0, hi = D->nlists - 1;
  if (!j) return hi;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (D->lists[mid].jurisdiction < j) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int pc_dispatch_plan_spread(pc_ctx *ctx, pc_dispatch *D, double *came) {
  const int me = pc_rank(ctx), P = pc_nranks(ctx);
  int64_t run_at = D->batch.run_at; /* rank 0's, in every file */
  int rc = read_regions(D);
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_bcast_i64(ctx, &run_at, 1));
  pc_listform_batch(&D->batch, D->batch.as_of, run_at, D->in_path);
  uint64_t *named = NULL, *all = NULL;
  size_t nn = 0, na = 0;
  rc = named_jurisdictions(D, &named, &nn);
  PC_CALL(pc_agree(ctx, rc));
  rc = pc_allgather_u64(ctx, named, nn, &all, &na);
  free(named);
  PC_CALL(pc_agree(ctx, rc));
  rc = plan_lists(D, all, sort_unique(all, na));
  free(all);
  PC_CALL(pc_agree(ctx, rc));
  const size_t nl = D->nlists;
  uint64_t *cnt = pc_calloc(3 * nl + 1, sizeof *cnt, "lists");
  int *writer = pc_malloc((nl + 1) * sizeof *writer, "lists");
  D->dest = pc_malloc((D->n + 1) * sizeof *D->dest, "lists"); /* each row's list, then writer */
  rc = cnt && writer && D->dest ? 0 : PC_ERR_MEM;
  for (size_t i = 0; i < D->n && !rc; i++) {
    const size_t k = list_of(D, D->it[i].jurisdiction);
    D->dest[i] = (int)k;
    cnt[3 * k]++;
    cnt[3 * k + 1] += !strcmp(D->it[i].code, "red");
    cnt[3 * k + 2] += !strcmp(D->it[i].code, "yellow");
  }
  if (!(rc = pc_agree(ctx, rc))) rc = pc_sum_u64(ctx, cnt, (int)(3 * nl));
  for (size_t k = 0; k < nl && !rc; k++) {
    D->lists[k].count = (size_t)cnt[3 * k];
    D->lists[k].red = (size_t)cnt[3 * k + 1];
    D->lists[k].yellow = (size_t)cnt[3 * k + 2];
  }
  if (!rc) rc = writers_of(D, P, writer);
  size_t held = 0, own = 0; /* the rows of this rank's lists; of those, its own */
  for (size_t k = 0; k < nl && !rc; k++) held += writer[k] == me ? D->lists[k].count : 0;
  for (size_t i = 0; i < D->n && !rc; i++) {
    D->dest[i] = writer[D->dest[i]];
    own += D->dest[i] == me;
  }
  D->came = held >= own ? held - own : 0;
  if (!rc && D->level >= PC_LEVEL_TOWNSHIP && P > 1) D->feed = feed_rows(D, writer);
  *came = (double)(D->came + (me ? 0 : D->feed)) * sizeof *D->it;
  free(cnt);
  free(writer);
  return pc_agree(ctx, rc);
}

int pc_dispatch_staff(pc_ctx *ctx, pc_dispatch *D) {
  PC_CALL(pc_employers_spread(ctx, D->it, D->n, &D->emp));
  for (size_t i = 0; i < D->emp.n; i++) /* their place in the tables is the rows' to keep */
    (void)order_take(&D->emp.rows[i]);
  join_names(D, D->emp.rows, D->emp.n);
  return 0;
}

int pc_dispatch_spread_rows(pc_ctx *ctx, pc_dispatch *D) {
  const int me = pc_rank(ctx);
  int *dest = D->dest; /* each row's writer (pc_dispatch_plan_spread) */
  int rc = 0;
  /* The rows that come land after this rank's own, in its block, grown once. */
  item *t = realloc(D->it, (D->n + D->came + 1) * sizeof *t);
  if (t) D->it = t;
  else rc = PC_ERROR(PC_ERR_MEM, "out of memory for the rows of this rank's lists");
  pc_buf got = {.data = D->it, .n = D->n, .cap = D->n + D->came + 1, .rowsize = sizeof *D->it};
  PC_CALLG(pc_agree(ctx, rc), out);
  rc = pc_shuffle_others(ctx, D->it, D->n, sizeof *D->it, dest, &got, NULL);
  D->it = got.data; /* the same block: pc_shuffle never grows one under the rows sent */
  PC_CALLG(pc_agree(ctx, rc), out);
  const size_t sent = D->n, came = got.n - D->n;
  size_t m = 0; /* this rank's own rows to the front, in order, then the ones that came */
  for (size_t i = 0; i < sent; i++)
    if (dest[i] == me) D->it[m++] = D->it[i];
  memmove(D->it + m, D->it + sent, came * sizeof *D->it);
  D->n = m + came;
  if (D->n >= UINT32_MAX) rc = PC_ERROR(PC_ERR_ARG, "more than 2^32 persons on one rank");
  if (!rc) rc = table_order(D->it, D->n);
  if (!rc) rc = sort_for_lists(D->it, D->n);
  if (!rc) join_names(D, D->it, D->n);
out:
  free(D->dest);
  D->dest = NULL;
  return pc_agree(ctx, rc);
}

int pc_dispatch_write(pc_ctx *ctx, pc_dispatch *D) {
  enum { PATH = 4200 };
  char *tmpdir = pc_calloc(PATH, 1, "a path");
  int rc = tmpdir ? 0 : PC_ERR_MEM;
  if (!rc && pc_rank(ctx) == 0) {
    int swept = pc_lists_sweep(D->dir);
    if (swept)
      pc_log(ctx, "removed %d temporary %s of %s left by an interrupted run", swept,
             pc_plural((unsigned)swept, "directory", "directories"), D->dir);
    if (!rc) rc = pc_lists_tmpdir(D->dir, tmpdir, PATH);
  }
  if ((rc = pc_agree(ctx, rc))) {
    free(tmpdir);
    return rc;
  }
  rc = write_set(ctx, D, &tmpdir);
  if (pc_rank(ctx) == 0) {
    if (!rc) pc_test_hold(ctx, "commit"); /* a test meets a second run here */
    if (!rc) rc = pc_lists_replace_dir(tmpdir, D->dir, D->overwrite);
    else pc_lists_remove_dir(tmpdir);
    size_t persons = 0; /* rank 0 may hold only the rows of its lists */
    for (size_t k = 0; k < D->nlists; k++) persons += D->lists[k].count;
    if (!rc)
      pc_log(ctx, "dispatch: %zu persons in %zu lists (batch %s) under %s; manifest.csv lists "
             "them", persons, D->nlists, D->batch.stamp, D->dir);
  }
  free(tmpdir);
  return pc_agree(ctx, rc);
}

/* The jurisdictions of table kt of f cut to the level, one per list row
 * (row_rule, as pc_dispatch_rows makes them), appended to *cut (grown as
 * needed); *prev: the last row made, of any table. */
static int cut_rows(const pc_dispatch *D, pc_file f, int kt, pc_buf *cut, prev_row *prev) {
  const char *name = flag_tables[kt];
  enum { STEP = 1 << 20 };
  pc_table t;
  int rc = 0;
  if (!pc_flaggedfile_has(f, name)) return 0;
  if (pc_table_open(f, name, &pc_view_flag_jur, &t))
    return PC_ERROR(PC_ERR_DATA, "%s: cannot read /%s (not a trace or screen output?)",
                    D->in_path, name);
  const int all_new = t.missing; /* `new` is the view's only optional column */
  pc_flag_jur *r = pc_malloc(STEP * sizeof *r, "a table's rows");
  if (!r) rc = PC_ERR_MEM;
  for (uint64_t i0 = 0; i0 < t.nrows && !rc; i0 += STEP) {
    const size_t k = t.nrows - i0 < STEP ? (size_t)(t.nrows - i0) : STEP;
    if ((rc = pc_table_read(&t, i0, k, r)) || (rc = pc_buf_grow(cut, k))) break;
    uint64_t *c = cut->data;
    for (size_t i = 0; i < k && !rc; i++) {
      if (row_rule(D, kt, r[i].pid, all_new || r[i].is_new, prev) != ROW_MAKE) continue;
      rc = level_check(D, r[i].jurisdiction);
      c[cut->n++] = pc_region_cut(r[i].jurisdiction, D->level);
    }
  }
  free(r);
  pc_table_close(&t);
  return rc;
}

int pc_dispatch_size_of(const char *path, int level, int only_new, pc_dispatch_size *s) {
  memset(s, 0, sizeof *s);
  pc_dispatch D = {.in_path = path, .level = level, .only_new = only_new};
  pc_file f = pc_flaggedfile_open(path);
  if (f < 0) return PC_ERROR(PC_ERR_IO, "cannot open %s as HDF5", path);
  pc_buf cut;
  pc_buf_init(&cut, sizeof(uint64_t));
  int rc = 0;
  prev_row prev = {0, 0};
  for (int k = 0; k < 3 && !rc; k++) rc = cut_rows(&D, f, k, &cut, &prev);
  if (!rc && !cut.n && !pc_lists_is_flagged_output(f))
    rc = PC_ERROR(PC_ERR_DATA, "%s: neither /contacts nor /screened: not a trace or screen "
                  "output", path);
  uint64_t *c = cut.data, *tmp = rc || !cut.n ? NULL : pc_malloc(cut.n * sizeof *tmp, "lists");
  if (!rc && cut.n && !tmp) rc = PC_ERR_MEM;
  if (!rc && cut.n) pc_sort_u64(c, tmp, cut.n);
  for (size_t i = 0, j; !rc && i < cut.n; i = j) {
    for (j = i; j < cut.n && c[j] == c[i]; j++) {}
    s->lists++;
    if (j - i > s->largest) s->largest = j - i, s->largest_code = c[i];
  }
  s->rows = rc ? 0 : cut.n;
  free(tmp);
  pc_buf_free(&cut);
  pc_flaggedfile_close(f);
  return rc;
}

void pc_dispatch_free(pc_dispatch *D) {
  free(D->dest);
  for (int k = 0; k < 3; k++) free(D->r[k]);
  free(D->it);
  free(D->reg);
  free(D->lists);
  pc_employers_free(&D->emp);
  pc_lists_close(D->in, D->data);
  D->in = D->data = -1;
}
