/* pc_budget.c - memory per rank: the measured costs, the budget, the check before a job. */
#include "pc_budget.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc_rates.h" /* generated from bench/rates.yaml */

/* The costs compiled in for `job`, or NULL. */
static const pc_rate *pc_rate_builtin(const char *job) {
  for (const pc_rate *r = pc_rates_table; r->job; r++)
    if (!strcmp(r->job, job)) return r;
  return NULL;
}

const double *pc_machine_bounds(void) {
  _Static_assert(sizeof pc_rates_bounds / sizeof *pc_rates_bounds == PC_BOUND_N,
                 "tools/rates2c.sh writes one speed per pc_bound");
  return pc_rates_bounds;
}

double pc_budget_per_case(const char *job) {
  const pc_rate *r = pc_rate_builtin(job);
  return r ? r->per_case_b : 0;
}

/* Items of a dataset of `persons` and `stays` in the rate's unit. */
static double pc_rate_items(const pc_rate *r, double persons, double stays) {
  return !strcmp(r->item, "persons") ? persons : !strcmp(r->item, "rows") ? persons + stays : stays;
}

/* Predicted peak memory per rank (bytes) with `items` over `ranks` ranks. */
static double pc_rate_mem(const pc_rate *r, double items, int ranks) {
  return r->base_mb * 1048576.0 + r->per_item_b * items / (ranks > 0 ? ranks : 1);
}

double pc_budget_item_bytes(const char *job, double persons, double stays, int ranks) {
  const pc_rate *r = pc_rate_builtin(job);
  return r ? r->per_item_b * pc_rate_items(r, persons, stays) / (ranks > 0 ? ranks : 1) : 0;
}

int pc_size_parse(const char *s, double *bytes) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v > 0) || v > 1e18) return -1;
  while (*end == ' ') end++;
  double unit = 1048576.0; /* a bare number is MB */
  switch (toupper((unsigned char)*end)) {
    case 0: break;
    case 'K': unit = 1024.0, end++; break;
    case 'M': end++; break;
    case 'G': unit = 1073741824.0, end++; break;
    case 'T': unit = 1099511627776.0, end++; break;
    default: return -1;
  }
  if (toupper((unsigned char)*end) == 'B') end++;
  if (*end == 'i') end++; /* GiB */
  if (toupper((unsigned char)*end) == 'B') end++;
  if (*end) return -1;
  *bytes = v * unit;
  return 0;
}

int pc_budget_config(const pc_config *cfg, pc_config_problems *p, double *bytes) {
  *bytes = 0;
  if (!pc_config_given(cfg, "memory_per_rank")) return 0;
  const char *s = pc_config_str(cfg, "memory_per_rank");
  if (pc_size_parse(s, bytes))
    return pc_config_problem(p, cfg, "memory_per_rank", "'%s' is not a size (e.g. 4G, 512M)", s);
  return 0;
}

/* Memory this node offers: Slurm's allocation, else the cgroup's limit and
 * MemAvailable, whichever is smaller. *how names the source. */
static double node_memory(const char **how) {
  const char *mn = getenv("SLURM_MEM_PER_NODE");
  if (mn && atof(mn) > 0) {
    *how = "Slurm's --mem";
    return atof(mn) * 1048576.0;
  }
  double avail = 0, limit = 0;
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "MemAvailable:", 13)) avail = atof(line + 13) * 1024.0;
  if (f) fclose(f);
  f = fopen("/sys/fs/cgroup/memory.max", "r");
  if (f && fgets(line, sizeof line, f) && isdigit((unsigned char)line[0])) limit = atof(line);
  if (f) fclose(f);
  *how = "the memory available on the node";
  if (limit > 0 && (avail == 0 || limit < avail)) {
    *how = "the node's cgroup memory limit";
    return limit;
  }
  return avail;
}

/* The budget per rank, the smallest of every rank's: 0 when nothing is known. */
static int budget_of(pc_ctx *ctx, const pc_config *cfg, double *budget, const char **how) {
  int rc = 0;
  *budget = 0;
  *how = "memory_per_rank";
  if (pc_config_given(cfg, "memory_per_rank")) {
    rc = pc_budget_config(cfg, NULL, budget); /* checked at load: fails no more */
  } else {
    const char *mc = getenv("SLURM_MEM_PER_CPU"), *cpt = getenv("SLURM_CPUS_PER_TASK");
    if (mc && atof(mc) > 0) {
      *budget = atof(mc) * 1048576.0 * (cpt && atoi(cpt) > 0 ? atoi(cpt) : 1);
      *how = "Slurm's --mem-per-cpu";
    } else {
      int local = 1;
      rc = pc_node_ranks(ctx, &local);
      *budget = node_memory(how) / local;
    }
  }
  PC_CALL(pc_agree(ctx, rc));
  uint64_t b = (uint64_t)*budget; /* every rank plans with the smallest budget */
  PC_CALL(pc_min_u64(ctx, &b, 1));
  *budget = (double)b;
  return 0;
}

/* The whole of a small /proc or /sys file into buf (NUL-terminated; "" when unreadable). */
static const char *read_small(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "r");
  size_t got = f ? fread(buf, 1, n - 1, f) : 0;
  if (f) fclose(f);
  buf[got] = 0;
  return buf;
}

static int huge_decided; /* always or never given: said and done at the job's start */

void pc_budget_huge_pages_given(pc_ctx *ctx, const pc_config *cfg) {
  const char *mode = pc_config_str(cfg, "huge_pages");
  if (!strcmp(mode, "auto")) return; /* the job's budget check decides, if it has one */
  huge_decided = 1;
  if (!strcmp(mode, "always")) pc_mem_huge_pages();
  pc_log(ctx, "memory: huge pages %s", strcmp(mode, "always") ? "not advised" : "advised");
}

/* Collective, agreed: whether this job's memory is advised as huge pages
 * (config `huge_pages`). auto: only where THP is `madvise` (under `always`
 * the kernel gives them unasked; under `never` not at all) and the node's
 * free memory in 2 MB blocks is at least 4 times what its ranks are
 * predicted to use, so that no advised fault should have to compact memory
 * first (see pc_mem_huge_pages), or, for a job measured faster with them
 * even where faults compact memory (rates.yaml's huge_always: index, ingest,
 * synth), whatever the free blocks; every rank must find it so. always and
 * never were done at the start (pc_budget_huge_pages_given). */
static int huge_pages_choose(pc_ctx *ctx, const pc_config *cfg, double need, int any_free) {
  if (huge_decided) return 0;
  const char *mode = pc_config_str(cfg, "huge_pages");
  char thp[128], buddy[8192], why[200] = "";
  int local = 1, rc = pc_node_ranks(ctx, &local);
  PC_CALL(pc_agree(ctx, rc));
  /* Free blocks the size of a huge page: 2 MB, order 9 of 4 KB pages, on x86_64. */
  const long ps = sysconf(_SC_PAGESIZE);
  const double page = ps > 0 ? (double)ps : 4096.0, hp = (double)pc_mem_huge_page_bytes();
  int order = 0;
  while (order < 20 && page * (double)(1u << order) < hp) order++;
  const double free_hp = pc_buddy_free_bytes(read_small("/proc/buddyinfo", buddy, sizeof buddy),
                                            order, page),
               node_need = need * local, GB = 1073741824.0;
  const int madv = strstr(read_small("/sys/kernel/mm/transparent_hugepage/enabled", thp,
                                     sizeof thp), "[madvise]") != NULL;
  uint64_t on = !strcmp(mode, "always") || (!strcmp(mode, "auto") && madv &&
                                            (any_free || free_hp >= 4 * node_need));
  PC_CALL(pc_min_u64(ctx, &on, 1));
  if (!strcmp(mode, "auto"))
    snprintf(why, sizeof why, " (THP %s; %.1f GB free in %g MB blocks, the node's ranks "
                              "predicted %.1f GB%s)",
             madv ? "madvise" : "not madvise", free_hp / GB, hp / 1048576.0, node_need / GB,
             any_free ? "; this job is faster with them whatever the free blocks" : "");
  if (on) pc_mem_huge_pages();
  pc_log(ctx, "memory: huge pages %s%s", on ? "advised" : "not advised", why);
  return 0;
}

/* What the job's own check predicted (bytes per rank), for pc_budget_check_more. */
static double predicted;

int pc_budget_check(pc_ctx *ctx, const pc_config *cfg, const char *job, double persons,
                    double stays) {
  const pc_rate *r = pc_rate_builtin(job);
  if (!r) return 0; /* a job without measured costs (plan; dispatch: pc_budget_check_part) */
  double budget = 0;
  const char *how;
  const double items = pc_rate_items(r, persons, stays), need = pc_rate_mem(r, items, pc_nranks(ctx));
  PC_CALL(huge_pages_choose(ctx, cfg, need, r->huge_always));
  PC_CALL(budget_of(ctx, cfg, &budget, &how));
  if (budget <= 0) return 0; /* nothing known: no check (said in --help) */
  const double MB = 1048576.0;
  if (need > budget) {
    char fit[160];
    if (r->base_mb * MB >= budget)
      snprintf(fit, sizeof fit, "no rank count fits: %s needs %.0f MB per rank whatever the count",
               job, r->base_mb);
    else {
      double q = ceil(r->per_item_b * items / (budget - r->base_mb * MB));
      if (q < 1) q = 1;
      snprintf(fit, sizeof fit, "%.0f %s would fit", q, q == 1 ? "rank" : "ranks");
    }
    return PC_ERROR(PC_ERR_MEM,
                    "%s needs about %.0f MB per rank at %d %s (%.3g %s, at the costs "
                    "bench/rates.yaml holds), more than the budget of %.0f MB per rank (%s): "
                    "%s. Run on more ranks or nodes (paicha plan recommends a header), or set "
                    "memory_per_rank if the budget is wrong",
                    job, need / MB, pc_nranks(ctx), pc_plural((unsigned)pc_nranks(ctx), "rank", "ranks"),
                    items, r->item, budget / MB, how, fit);
  }
  predicted = need;
  size_t round = (size_t)((budget - need) / 4);
  if (round < ((size_t)64 << 10)) round = (size_t)64 << 10;
  if (round < pc_ctx_round_bytes(ctx)) pc_ctx_set_round_bytes(ctx, round);
  pc_log(ctx, "memory: about %.0f MB per rank predicted, budget %.0f MB (%s); shuffle rounds of "
              "%.0f KB",
         need / MB, budget / MB, how, (double)pc_ctx_round_bytes(ctx) / 1024);
  return 0;
}

/* pc_budget_check_more, the part counted in (keep) or held only for a while. */
static int check_more(pc_ctx *ctx, const pc_config *cfg, const char *what, double bytes,
                      int keep) {
  double budget = 0;
  const char *how;
  PC_CALL(budget_of(ctx, cfg, &budget, &how));
  uint64_t b = (uint64_t)bytes;
  PC_CALL(pc_max_u64(ctx, &b, 1));
  const double most = (double)b, MB = 1048576.0;
  if (budget > 0 && predicted + most > budget)
    return PC_ERROR(PC_ERR_MEM,
                    "%s needs about %.0f MB more on a rank (%.0f MB with the job's own and what "
                    "it told before), more "
                    "than the budget of %.0f MB per rank (%s): run on more ranks or nodes, or "
                    "set memory_per_rank if the budget is wrong",
                    what, most / MB, (predicted + most) / MB, budget / MB, how);
  if (keep) {
    pc_log(ctx, "memory: %s about %.0f MB more per rank", what, most / MB);
    predicted += most;
  }
  return 0;
}

int pc_budget_check_more(pc_ctx *ctx, const pc_config *cfg, const char *what, double bytes) {
  return check_more(ctx, cfg, what, bytes, 1);
}

int pc_budget_check_while(pc_ctx *ctx, const pc_config *cfg, const char *what, double bytes) {
  return check_more(ctx, cfg, what, bytes, 0);
}

int pc_budget_check_part(pc_ctx *ctx, const pc_config *cfg, const char *job, double items,
                         const char *what) {
  const pc_rate *r = pc_rate_builtin(job);
  uint64_t v[2] = {(uint64_t)(r ? pc_rate_mem(r, items, 1) : 0), (uint64_t)items};
  PC_CALL(pc_max_u64(ctx, v, 2));
  double budget = 0;
  const char *how;
  PC_CALL(budget_of(ctx, cfg, &budget, &how));
  const double MB = 1048576.0, need = (double)v[0];
  if (budget > 0 && need > budget)
    return PC_ERROR(PC_ERR_MEM,
                    "%s needs about %.0f MB on a rank for its part of the %s (%.0f at most, at "
                    "the costs bench/rates.yaml holds), more than the budget of %.0f MB per rank "
                    "(%s): run on more ranks, or set memory_per_rank if the budget is wrong",
                    job, need / MB, what, (double)v[1], budget / MB, how);
  predicted = need;
  if (budget > 0)
    pc_log(ctx, "memory: about %.0f MB predicted on a rank (its part of the %s, %.0f at most), "
                "budget %.0f MB (%s)", need / MB, what, (double)v[1], budget / MB, how);
  return 0;
}

int pc_budget_check_tables(pc_ctx *ctx, const pc_config *cfg, pc_file data,
                           const pc_schema *const *tables, int n) {
  double bytes = 0;
  char what[160] = "the dataset's";
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    pc_table t;
    if (pc_table_open(data, NULL, tables[i], &t) != 0) {
      pc_err_clear(); /* an optional table absent: nothing to read */
      continue;
    }
    bytes += (double)t.nrows * (double)tables[i]->rowsize;
    pc_table_close(&t);
    size_t l = strlen(what);
    snprintf(what + l, sizeof what - l, "%s /%s", i ? "," : "", tables[i]->name);
  }
  size_t l = strlen(what);
  snprintf(what + l, sizeof what - l, " (read whole by every rank)");
  PC_CALL(pc_agree(ctx, rc));
  /* The measured costs hold these tables at the sizes provinces have; only
   * beyond those do they count on top (a table declared far bigger). */
  if (bytes <= PC_BUDGET_TABLES_MEASURED) return 0;
  return pc_budget_check_more(ctx, cfg, what, bytes);
}
