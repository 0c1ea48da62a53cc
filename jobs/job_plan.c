/* job_plan.c - `paicha plan`: memory per rank and time of a job from the data's size and measured per-rank costs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pc_dispatch.h"
#include "pc_job.h"
#include "pc_synthfile.h"

static const char *const plan_jobs[] = {"synth",     "ingest",   "index", "append", "trace",
                                        "screen",    "breakdown", "dispatch", NULL};
static const char *const levels[] = {"city", "county", "township", "community", NULL};
static const pc_key plan_keys[] = {
    {.name = "job", .type = PC_T_STR, .required = 1,
     .help = "the job to plan (append: `index` with `append:`, the daily update of an index, "
             "beside a rebuild's prediction)",
     .choices = plan_jobs},
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .help = "its dataset: persons and stays are read from it"},
    {.name = "persons", .type = PC_T_INT, .def = "0", .help = "persons (instead of data)",
     .max = INT64_MAX},
    {.name = "stays", .type = PC_T_INT, .def = "0", .help = "stays (instead of data)",
     .max = INT64_MAX},
    {.name = "nodes", .type = PC_T_INT, .def = "1", .help = "nodes", .min = 1, .max = 100000},
    {.name = "tasks_per_node", .type = PC_T_INT, .def = "2", .help = "MPI ranks per node",
     .min = 1, .max = 1024},
    {.name = "memory_per_node_gb", .type = PC_T_INT, .def = "20",
     .help = "usable memory per node (GB)", .min = 1, .max = 1 << 20},
    {.name = "network_gbs", .type = PC_T_FLOAT, .def = "12.5",
     .help = "network bandwidth per node, GB/s (100 Gb/s)"},
    {.name = "rates", .type = PC_T_PATH, .def = "bench/rates.yaml",
     .help = "per-rank costs measured by make bench"},
    {.name = "cases", .type = PC_T_INT, .def = "100", .min = 0, .max = 10000000,
     .help = "trace: the cases traced (their frontiers and rows grow with them: case_s and "
             "mem_per_case_b of the rates, shared by the ranks)"},
    {.name = "input", .type = PC_T_PATH, .role = PC_P_IN_H5,
     .help = "dispatch: the trace or screen output it will read (its rows counted, its largest "
             "list found)"},
    {.name = "flagged", .type = PC_T_INT, .def = "0", .max = INT64_MAX,
     .help = "dispatch: its rows (instead of input; the largest list then unknown)"},
    {.name = "level", .type = PC_T_STR, .def = "city", .choices = levels,
     .help = "dispatch: the lists' level, as dispatch's"},
    {.name = "employers", .type = PC_T_BOOL, .def = "false",
     .help = "dispatch: the employers' lists too (on rank 0)"},
    {.name = "only_new", .type = PC_T_BOOL, .def = "false",
     .help = "dispatch: only the rows the campaign's ledger marked new are counted"},
    {.name = "overwrite", .type = PC_T_BOOL, .def = "false",
     .help = "dispatch's, not used by plan (a dispatch config with jobs: {plan: {job: "
             "dispatch}} plans the lists it would write)"},
    {.name = "replaces", .type = PC_T_PATH,
     .help = "the output the job will write over, if there (default, for index and append: "
             "`index`; not for dispatch): rank 0 removes it after the commit, at the rates' "
             "bounds.remove_mb_s, and plan adds that time"},
    {.name = "index", .type = PC_T_PATH,
     .help = "shared key: for job index or append, the index it writes (what it replaces when "
             "there, unless replaces is given); not used for the other jobs"},
    {.name = "province", .type = PC_T_BOOL, .def = "false",
     .help = "also plan the full province (66.4 M persons, 10^10 stays) on 16, 64 and 256 nodes"},
    PC_KEYS_COMMON,
    {0}};

static const pc_key rate_item_keys[] = {
    {.name = "item", .type = PC_T_STR, .required = 1, .help = ""},
    {.name = "mem_base_mb", .type = PC_T_FLOAT, .required = 1, .help = ""},
    {.name = "mem_per_item_b", .type = PC_T_FLOAT, .required = 1, .help = ""},
    {.name = "items_per_s", .type = PC_T_FLOAT, .required = 1, .help = ""},
    {.name = "base_s", .type = PC_T_FLOAT, .required = 1, .help = ""},
    {.name = "moved_per_item_b", .type = PC_T_FLOAT, .required = 1, .help = ""},
    {.name = "items_per_s_1", .type = PC_T_FLOAT, .def = "0", .help = ""},
    {.name = "case_s", .type = PC_T_FLOAT, .def = "0", .help = ""},
    {.name = "mem_per_case_b", .type = PC_T_FLOAT, .def = "0", .help = ""},
    {.name = "huge_always", .type = PC_T_INT, .def = "0", .max = 1, .help = ""},
    {.name = "read_items_per_s", .type = PC_T_FLOAT, .def = "0", .help = ""},
    {.name = "fine_items_per_s", .type = PC_T_FLOAT, .def = "0", .help = ""},
    {0}};
static const pc_key rate_item[] = {{.name = "", .type = PC_T_MAP, .sub = rate_item_keys}, {0}};
static const pc_key bounds_keys[] = {
    {.name = "read_mb_s", .type = PC_T_FLOAT, .help = ""},
    {.name = "memory_mb_s", .type = PC_T_FLOAT, .help = ""},
    {.name = "network_mb_s", .type = PC_T_FLOAT, .help = ""},
    {.name = "write_mb_s", .type = PC_T_FLOAT, .help = ""},
    {.name = "remove_mb_s", .type = PC_T_FLOAT, .help = ""},
    {0}};
static const pc_key rates_schema[] = {
    {.name = "machine", .type = PC_T_STR, .required = 1, .help = ""},
    {.name = "measured", .type = PC_T_STR, .required = 1, .help = ""},
    {.name = "jobs", .type = PC_T_DICT, .required = 1, .help = "", .sub = rate_item},
    {.name = "bounds", .type = PC_T_MAP, .help = "the machine's speeds per rank (paicha bounds)",
     .sub = bounds_keys},
    {0}};

typedef struct model {
  char item[16];
  double base_mb, per_item_b, rate, base_s, moved_b;
  double rate_1; /* items per second of a rank alone on its node (0: rate) */
  double case_s, per_case_b, cases; /* trace: per case traced, and how many */
  double rate0, rate_fine; /* dispatch: a rank's read of its part; the lists at the fine levels */
  double remove_mb_s;      /* the machine's removal of a file (bounds; 0: not measured) */
} model;

typedef struct estimate {
  double items_per_rank, mem_gb, time_s;
  int fits;
} estimate;

static estimate predict(const model *m, double persons, double stays, int nodes, int tpn,
                        double node_gb, double net_gbs) {
  estimate e;
  double items = !strcmp(m->item, "persons") ? persons : !strcmp(m->item, "rows") ? persons + stays : stays;
  int P = nodes * tpn;
  e.items_per_rank = items / P;
  e.mem_gb = (m->base_mb * 1048576.0 + m->per_item_b * e.items_per_rank +
              m->per_case_b * m->cases / P) / 1073741824.0;
  /* A rank alone on its node has its memory bandwidth and page faults to itself. */
  const double rate = tpn == 1 && m->rate_1 > 0 ? m->rate_1 : m->rate;
  e.time_s = m->base_s + e.items_per_rank / rate + m->case_s * m->cases / P;
  if (nodes > 1) /* across nodes the shuffles go over the network, shared by the node's ranks */
    e.time_s += m->moved_b * e.items_per_rank / (net_gbs * 1e9 / tpn);
  e.fits = e.mem_gb * tpn <= node_gb * 0.9;
  return e;
}

/* node_gb: the most a node's ranks need together. */
static void header(const char *job, int nodes, int tpn, double time_s, double node_gb) {
  double t = time_s * 2 + 300; /* twice the estimate and 5 minutes of start-up */
  int mem = (int)ceil(node_gb * 1.3);
  printf("  #SBATCH --nodes=%d\n  #SBATCH --ntasks-per-node=%d\n  #SBATCH --mem=%dG\n"
         "  #SBATCH --time=%02d:%02d:00\n  sbatch jobs/slurm/%s.sbatch CONFIG.yaml\n",
         nodes, tpn, mem < 1 ? 1 : mem, (int)(t / 3600), (int)fmod(t / 60, 60), job);
}

/* The per-rank costs of the planned job, from the rates file (a config of
 * its own: its problems come as its FILE:LINE:COL lines, after the key
 * `rates` that names it). Problems into p (NULL: the process's error). */
static int load_model(const pc_config *cfg, pc_config_problems *p, const char *job, model *m,
                      char *from, size_t fromlen) {
  const char *rates = pc_config_str(cfg, "rates");
  pc_config *rc_cfg = NULL;
  char err[2048] = "";
  if (pc_config_load(rates, rates_schema, &rc_cfg, err, sizeof err)) {
    size_t n = strlen(err);
    if (n && err[n - 1] == '\n') err[n - 1] = 0;
    return pc_config_problem(p, cfg, "rates", "the rates file has problems:\n%s", err);
  }
  char k[128];
  snprintf(k, sizeof k, "jobs.%s.item", job);
  if (!pc_config_has(rc_cfg, k)) {
    pc_config_destroy(&rc_cfg);
    return pc_config_problem(p, cfg, "rates", "%s has no figures for %s: run make bench", rates,
                             job);
  }
  snprintf(m->item, sizeof m->item, "%s", pc_config_str(rc_cfg, k));
  static const char *const f[10] = {"mem_base_mb",   "mem_per_item_b",   "items_per_s",
                                    "base_s",        "moved_per_item_b", "items_per_s_1",
                                    "case_s",        "mem_per_case_b",   "read_items_per_s",
                                    "fine_items_per_s"};
  double *v[10] = {&m->base_mb, &m->per_item_b, &m->rate,       &m->base_s, &m->moved_b,
                   &m->rate_1,  &m->case_s,     &m->per_case_b, &m->rate0,  &m->rate_fine};
  m->cases = (double)pc_config_int(cfg, "cases");
  for (int i = 0; i < 10; i++) {
    snprintf(k, sizeof k, "jobs.%s.%s", job, f[i]);
    *v[i] = pc_config_float(rc_cfg, k);
  }
  m->remove_mb_s =
      pc_config_has(rc_cfg, "bounds.remove_mb_s") ? pc_config_float(rc_cfg, "bounds.remove_mb_s") : 0;
  snprintf(from, fromlen, "%s; %s", pc_config_str(rc_cfg, "machine"),
           pc_config_str(rc_cfg, "measured"));
  pc_config_destroy(&rc_cfg);
  return 0;
}

/* Checks of meaning at load: the costs of the job are known, the data's
 * size comes from somewhere. */
static int check_plan(const pc_config *cfg, pc_config_problems *p) {
  model m;
  char from[512];
  const char *job = pc_config_str(cfg, "job");
  const int bad = load_model(cfg, p, job, &m, from, sizeof from);
  if (!bad && !strcmp(job, "append")) load_model(cfg, p, "index", &m, from, sizeof from);
  if (!strcmp(job, "dispatch")) {
    if (pc_config_bool(cfg, "employers"))
      load_model(cfg, p, "dispatch_employers", &m, from, sizeof from);
    if (!pc_config_given(cfg, "input") && pc_config_int(cfg, "flagged") <= 0)
      pc_config_problem(p, cfg, "flagged", "give input (the trace or screen output), or flagged");
    if (pc_config_bool(cfg, "province"))
      pc_config_problem(p, cfg, "province", "dispatch's size is its input's rows, not the "
                        "province's: plan it with input (or flagged) instead");
    if (pc_config_given(cfg, "replaces"))
      pc_config_problem(p, cfg, "replaces", "dispatch writes a folder of lists (with overwrite: "
                        "true, over the old ones): plan does not count their removal");
  } else if (!pc_config_given(cfg, "data") && pc_config_int(cfg, "persons") <= 0) {
    pc_config_problem(p, cfg, "persons", "give data, or persons (and stays)");
  }
  return 0;
}

/* The data's size: the dataset's attributes, else persons and stays as given. */
static int data_size(const pc_config *cfg, double *persons, double *stays) {
  *persons = (double)pc_config_int(cfg, "persons");
  *stays = (double)pc_config_int(cfg, "stays");
  if (pc_config_given(cfg, "data")) {
    uint64_t p = 0, s = 0;
    PC_CALL(pc_synthfile_size(pc_config_str(cfg, "data"), &p, &s));
    *persons = (double)p;
    *stays = (double)s;
  }
  if (*persons <= 0) return PC_ERROR(PC_ERR_CONFIG, "plan: give data, or persons (and stays)");
  return 0;
}

/* The seconds rank 0 spends removing `replaces` (index and append: `index`
 * unless given) after the job's commit (0: none given, not there, or the
 * rates do not say), told on stdout. A file system that discards freed
 * blocks (ext4 mounted with `discard`) takes seconds for the gigabytes of
 * yesterday's index. */
static double replaced_s(const pc_config *cfg, const model *m) {
  const char *job = pc_config_str(cfg, "job");
  const int writes_index = !strcmp(job, "index") || !strcmp(job, "append");
  const char *path = pc_config_given(cfg, "replaces")                  ? pc_config_str(cfg, "replaces")
                     : writes_index && pc_config_given(cfg, "index") ? pc_config_str(cfg, "index")
                                                                       : NULL;
  if (!path) return 0;
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
    printf("replaces %s: not there, nothing to remove\n", path);
    return 0;
  }
  const double mb = (double)st.st_size / 1e6;
  if (m->remove_mb_s <= 0) {
    printf("replaces %s (%.2f GB): its removal after the commit is not counted (the rates have no "
           "bounds.remove_mb_s: make bench BENCH=bounds)\n", path, mb / 1e3);
    return 0;
  }
  const double s = mb / m->remove_mb_s;
  printf("replaces %s (%.2f GB): removed after the commit, %.1f s at %.0f MB/s (bounds.remove_mb_s), "
         "counted in the time\n", path, mb / 1e3, s, m->remove_mb_s);
  return s;
}

/* The prediction on the nodes given, whether it fits (else how many nodes
 * would), and the sbatch header recommended; with rebuild (job: append, the
 * index's rates), a rebuild's prediction beside it and which is the faster. */
static void print_plan(const pc_config *cfg, const model *m, const model *rebuild,
                       double persons, double stays) {
  const char *job = pc_config_str(cfg, "job");
  const int nodes = (int)pc_config_int(cfg, "nodes"), tpn = (int)pc_config_int(cfg, "tasks_per_node");
  const double node_gb = (double)pc_config_int(cfg, "memory_per_node_gb"), net = pc_config_float(cfg, "network_gbs");
  estimate e = predict(m, persons, stays, nodes, tpn, node_gb, net);
  printf("data: %.0f persons, %.0f stays; %d node(s) x %d ranks: %.3g %s per rank\n", persons,
         stays, nodes, tpn, e.items_per_rank, m->item);
  const double removal = replaced_s(cfg, m);
  e.time_s += removal;
  printf("predicted: memory per rank %.2f GB (%.0f MB + %.1f B per %s", e.mem_gb, m->base_mb,
         m->per_item_b, m->item[0] == 'p' ? "person" : m->item[0] == 'r' ? "row" : "stay");
  if (m->per_case_b > 0 || m->case_s > 0)
    printf(", %.0f cases: %.2f MB and %.3f s each over the ranks", m->cases,
           m->per_case_b / 1048576.0, m->case_s);
  printf("), time %.1f s\n", e.time_s);
  if (!strcmp(job, "index") && pc_config_given(cfg, "data") &&
      !pc_synthfile_counts_stays(pc_config_str(cfg, "data")))
    printf("note: %s has no /stay_buckets counting its stays (an older synth, ingest or purge "
           "wrote it, or another tool): index will read /stays twice, and this time is for "
           "once (the first pass was 15-20 %% of the build at the city tier); synth, ingest or "
           "purge writes them\n",
           pc_config_str(cfg, "data"));
  if (!e.fits) {
    int n = nodes;
    while (n < 1000000 && !predict(m, persons, stays, n, tpn, node_gb, net).fits) n *= 2;
    printf("does NOT fit: %d ranks x %.2f GB > 90%% of %.0f GB per node; %d node(s) of %d ranks "
           "would fit\n", tpn, e.mem_gb, node_gb, n, tpn);
  }
  printf("recommended:\n");
  header(strcmp(job, "append") ? job : "index", nodes, tpn, e.time_s, e.mem_gb * tpn);
  if (!rebuild) return;
  /* append: a rebuild's prediction (job: index) on the same nodes beside it, and which to run */
  estimate r = predict(rebuild, persons, stays, nodes, tpn, node_gb, net);
  r.time_s += removal;
  const int faster = r.fits && (!e.fits || r.time_s < e.time_s);
  printf("a rebuild instead (job: index, the same buckets): memory per rank %.2f GB, "
         "time %.1f s%s; %s\n", r.mem_gb, r.time_s, r.fits ? "" : " (does NOT fit)",
         faster ? "the rebuild is the faster here: give `index` without `append:` (with the "
                  "old index's `buckets:`, the file is the same)"
                : "the append is the faster here");
}

/* ---- dispatch: its size is the flagged rows, shared out among the ranks ---- */

/* Dispatch's plan. Every rank reads a part of the rows (mem_per_item_b a row
 * of it, at read_items_per_s: the parts are read side by side); the rows
 * then go straight to their lists' writers (each holds its lists' rows,
 * moved_per_item_b each: the largest list's writer at least that list; at
 * the fine levels rank 0 also takes a round of the HDF5 file's rows from the
 * others, PC_DISPATCH_FEED_BYTES at most); with employers each rank holds
 * its employers' staff besides (dispatch_employers' bytes a row of its part;
 * rank 0 writes their file, items_per_s). The lists are
 * shared out, the largest first, so they take at least the largest one's
 * time; the fine levels' HDF5 file counts as a quarter of the rows' cost (as
 * pc_dispatch's share-out counts it). */
/* A rank's memory (GB) when each of P reads R / P of R rows (mem_per_item_b
 * a row) and then holds `held` rows of the lists it writes (moved_per_item_b
 * a row: those that come from the other ranks beside its own). */
static double dispatch_rank_gb(const model *m, double R, double held, int P) {
  const double part = R / P;
  return (m->base_mb * 1048576.0 +
          fmax(m->per_item_b * part, m->moved_b * (part + held * (1 - 1.0 / P)))) /
         1073741824.0;
}
/* The rows of the lists a rank writes: city and county, its share, the
 * largest list's writer at least that list; the fine levels' lists are
 * small, and rank 0, which starts with the HDF5 file (head), writes fewer:
 * the others' share is (R + head) / P (rank0: rank 0's). */
static double dispatch_held(double R, double L, int P, int fine, int rank0) {
  const double head = fine ? R / 4 : 0, share = fmin(R, (R + head) / P);
  if (!fine) return fmax(R / P, L);
  return rank0 && P > 1 ? fmax(0, share - head) : share;
}
/* With employers, what a rank holds of their staff (GB): the rates' bytes
 * a flagged row of its part (the staff of the employers it lists, with
 * their sort's room), beside its lists' rows. */
static double dispatch_staff_gb(const model *emp, double R, int P) {
  return emp ? (emp->base_mb * 1048576.0 + emp->per_item_b * R / P) / 1073741824.0 : 0;
}
/* Rank 0's round of the fine levels' HDF5 file (GB): the others' rows of a
 * round of lists, at most PC_DISPATCH_FEED_BYTES (a larger list alone, of
 * up to L rows). */
static double dispatch_feed_gb(double R, double L, int P) {
  const double row = sizeof(pc_list_row), others = R * (1 - 1.0 / P) * row;
  return P > 1 ? fmin(others, fmax((double)PC_DISPATCH_FEED_BYTES, L * row)) / 1073741824.0 : 0;
}

/* The memory (GB) of a rank (*others) and of rank 0 (*rank0; *feed: its
 * round of the fine levels' HDF5 file) when P ranks dispatch R rows whose
 * largest list has L. */
static void dispatch_mem(const model *m, const model *emp, double R, double L, int P, int fine,
                         double *others, double *rank0, double *feed) {
  const double staff = dispatch_staff_gb(emp, R, P);
  *feed = fine ? dispatch_feed_gb(R, L, P) : 0;
  *others = dispatch_rank_gb(m, R, dispatch_held(R, L, P, fine, 0), P) + staff;
  *rank0 = dispatch_rank_gb(m, R, dispatch_held(R, L, P, fine, 1), P) + staff + *feed;
}

static int plan_dispatch(const pc_config *cfg, const model *m, const model *emp) {
  const int nodes = (int)pc_config_int(cfg, "nodes");
  const int tpn = (int)pc_config_int(cfg, "tasks_per_node");
  const int P = nodes * tpn, level = pc_level_of(pc_config_str(cfg, "level"));
  const int fine = level >= PC_LEVEL_TOWNSHIP;
  const double node_gb = (double)pc_config_int(cfg, "memory_per_node_gb");
  pc_dispatch_size sz = {.rows = (uint64_t)pc_config_int(cfg, "flagged")};
  if (pc_config_given(cfg, "input")) {
    PC_CALL(pc_dispatch_size_of(pc_config_str(cfg, "input"), level,
                                pc_config_bool(cfg, "only_new"), &sz));
    printf("input: %llu rows%s in %llu lists with people at the %s level; the largest, ",
           (unsigned long long)sz.rows, pc_config_bool(cfg, "only_new") ? " (only_new)" : "",
           (unsigned long long)sz.lists, pc_level_name(level));
    if (sz.largest_code)
      printf("%llu", (unsigned long long)pc_region_short(sz.largest_code, level));
    else
      printf("unassigned");
    printf(", %llu rows\n", (unsigned long long)sz.largest);
  } else {
    printf("input: %llu rows (flagged, as given; the largest list unknown)\n",
           (unsigned long long)sz.rows);
  }
  const double R = (double)sz.rows, L = (double)sz.largest;
  const double head = fine ? R / 4 : 0; /* rank 0's HDF5 file of the fine levels */
  const double share = fine ? fmax((R + head) / P, head) : fmax(R / P, L);
  const double rate = fine ? m->rate_fine : m->rate;
  if (m->rate0 <= 0 || rate <= 0)
    return PC_ERROR(PC_ERR_CONFIG, "%s: dispatch has no read_items_per_s or %s: run make "
                    "bench BENCH=lists", pc_config_str(cfg, "rates"),
                    fine ? "fine_items_per_s" : "items_per_s");
  const double read_s = R / P / m->rate0, lists_s = share / rate;
  const double emp_s = emp ? R / emp->rate : 0;
  const double time_s = m->base_s + read_s + lists_s + emp_s;
  double mem1, mem0, feed;
  dispatch_mem(m, emp, R, L, P, fine, &mem1, &mem0, &feed);
  printf("predicted: memory per rank %.2f GB (%.0f MB + %.0f B a row of its part, %.0f B a "
         "row of the lists it writes", mem1, m->base_mb, m->per_item_b, m->moved_b);
  if (emp)
    printf(", %.0f MB + %.0f B a row of its part for the employers' staff", emp->base_mb,
           emp->per_item_b);
  printf(")");
  if (feed > 0)
    printf(", on rank 0 %.2f GB (with a round of the HDF5 file's rows, %.0f MB)", mem0,
           feed * 1024);
  printf("; time %.1f s (the parts read %.1f s, the lists %.1f s%s", time_s, read_s, lists_s,
         fine ? " with rank 0's HDF5 file" : "");
  if (emp) printf(", the employers' lists %.1f s on rank 0", emp_s);
  printf(")\n");
  if (!fine && L > 0 && L >= R / P)
    printf("note: the largest list bounds the lists' time: more ranks do not shorten it "
           "(%.0f rows, %.1f s alone; the lists gain up to %.0f ranks)\n", L, L / rate,
           ceil(R / L));
  /* dispatch checks each rank's need against the node's memory over its ranks */
  const double per_rank = fmax(mem0, mem1), node0 = per_rank * tpn;
  if (node0 > node_gb * 0.9) {
    int fit = 0; /* the most ranks a node, on as many nodes, whose needs fit */
    for (int t = tpn - 1; t >= 1 && !fit; t--) {
      double h, h0, fq;
      dispatch_mem(m, emp, R, L, nodes * t, fine, &h, &h0, &fq);
      if (fmax(h, h0) * t <= node_gb * 0.9) fit = t;
    }
    printf("does NOT fit: %d ranks of %.2f GB > 90%% of %.0f GB per node (dispatch gives each "
           "rank the node's memory over its ranks); ", tpn, per_rank, node_gb);
    if (fit >= 1)
      printf("%d %s a node would fit\n", fit, fit == 1 ? "rank" : "ranks");
    else
      printf("a node with %.0f GB would (1 rank)\n", ceil(per_rank / 0.9));
  }
  printf("recommended:\n");
  header("dispatch", nodes, tpn, time_s, node0);
  return 0;
}

/* The full province on 16, 64 and 256 nodes, assumptions stated. */
static void print_province(const model *m, double net) {
  const double P_PERSONS = 66444900, P_STAYS = 1e10;
  printf("\nthe full province: %.0f persons, %.0e stays (~150 per person over 14 days);\n"
         "assumed nodes: 64 ranks, 256 GB, %.1f GB/s network each; per-rank rates as measured "
         "here (a cluster core is usually faster: a conservative plan)\n",
         P_PERSONS, P_STAYS, net);
  printf("%8s %12s %14s %12s %8s\n", "nodes", "ranks", "mem/rank GB", "time s", "fits");
  const int ns[3] = {16, 64, 256};
  for (int i = 0; i < 3; i++) {
    estimate x = predict(m, P_PERSONS, P_STAYS, ns[i], 64, 256, net);
    printf("%8d %12d %14.2f %12.1f %8s\n", ns[i], ns[i] * 64, x.mem_gb, x.time_s, x.fits ? "yes" : "no");
  }
}

/* The plan (rank 0 alone: it reads little and prints): the job's costs from
 * the rates file; the data's size; the prediction and the sbatch header; with
 * `province`, the full province's plan. */
static int run_plan(pc_ctx *ctx, const pc_config *cfg) {
  if (pc_rank(ctx) != 0) return 0;
  model m, emp;
  char from[512];
  double persons, stays;
  const char *job = pc_config_str(cfg, "job");
  PC_CALL(load_model(cfg, NULL, job, &m, from, sizeof from)); /* checked at load */
  printf("paicha plan: %s, from %s (%s)\n", job, pc_config_str(cfg, "rates"), from);
  if (!strcmp(job, "dispatch")) {
    const int with_emp = pc_config_bool(cfg, "employers");
    if (with_emp) PC_CALL(load_model(cfg, NULL, "dispatch_employers", &emp, from, sizeof from));
    PC_CALL(plan_dispatch(cfg, &m, with_emp ? &emp : NULL));
    fflush(stdout);
    return 0;
  }
  PC_CALL(data_size(cfg, &persons, &stays));
  model idx;
  const int append = !strcmp(job, "append");
  if (append) /* checked at load */
    PC_CALL(load_model(cfg, NULL, "index", &idx, from, sizeof from));
  print_plan(cfg, &m, append ? &idx : NULL, persons, stays);
  if (pc_config_bool(cfg, "province")) print_province(&m, pc_config_float(cfg, "network_gbs"));
  fflush(stdout);
  return 0;
}

const pc_jobdef pc_job_plan = {
    .name = "plan",
    .summary = "predict memory per rank and time of a job, recommend an sbatch header",
    .description =
    "From the data's size (the dataset's attributes, or persons and stays given) and the\n"
    "per-rank costs `make bench` measured on this kind of machine (bench/rates.yaml, with\n"
    "the machine and date), predicts the memory per rank and the time of `job` on `nodes`\n"
    "x `tasks_per_node` ranks, says whether it fits the nodes' memory (and how many nodes\n"
    "would), and prints the sbatch header it recommends. With `province: true`, also the\n"
    "plan of the full province on 16, 64 and 256 nodes, assumptions stated.\n"
    "job: append (index's daily update, `index` with `append:`; data: the new dataset)\n"
    "also predicts a rebuild on the same nodes and says which of the two is the faster.\n"
    "job: dispatch is planned from its input (a trace or screen output: its rows, its\n"
    "lists at `level` and the largest, read from its pid and jurisdiction columns) or\n"
    "`flagged` rows: rank 0's memory (it holds every row, on any number of ranks), the\n"
    "others', and the time: rank 0's read, then the lists shared out, at least the largest\n"
    "list's time (past that, more ranks do not shorten them, and plan says so).",
    .keys = plan_keys,
    .run = run_plan,
    .check = check_plan};
