/* pc_budget.h - memory per rank: the costs `make bench` measured, the budget, the check
 * every job makes before it starts. */
#ifndef PC_BUDGET_H
#define PC_BUDGET_H

#include "pc_config.h"
#include "pc_mpi.h"
#include "pc_schema.h"

/* Memory costs of a job compiled in from bench/rates.yaml (the time costs
 * there are `paicha plan`'s, which reads the file itself): memory per rank =
 * base_mb MB + per_item_b bytes x items per rank. */
typedef struct pc_rate {
  const char *job, *item; /* item: "persons", "stays" or "rows" (persons + stays) */
  double base_mb, per_item_b;
  double per_case_b; /* trace: bytes per case traced, over all ranks (0: none) */
  int huge_always;   /* huge_pages: auto advises them under THP madvise whatever the free
                        2 MB blocks (measured faster so: bench/rates.yaml says where) */
} pc_rate;

/* Local, never fails: the machine's speeds per rank (MB/s, by pc_bound; 0
 * where not measured) compiled in from bench/rates.yaml's `bounds`. */
const double *pc_machine_bounds(void);

/* Local, never fails (the config alike on every rank, so every rank does the same):
 * huge_pages always or never, as given, advised or not from the job's start for every
 * job, and logged; auto is left to the job's budget check (pc_budget_check: the free 2 MB
 * blocks against its predicted memory), so a job without predicted costs is not advised
 * them on auto. Called by pc_job_run. */
void pc_budget_huge_pages_given(pc_ctx *ctx, const pc_config *cfg);

/* Collective, agreed, before a job's heavy phases: the budget per rank is the
 * config's `memory_per_rank`, else the memory Slurm gave the node
 * (SLURM_MEM_PER_NODE, SLURM_MEM_PER_CPU), else the memory available on the
 * node, shared by the ranks on the node. When the predicted memory exceeds
 * it, fails with a message giving the prediction and the rank count that
 * would fit; else logs both and bounds the shuffles' rounds to a quarter of
 * the headroom (at least 64 KiB), so a tight budget means more rounds. */
int pc_budget_check(pc_ctx *ctx, const pc_config *cfg, const char *job, double persons,
                    double stays);

/* Collective, agreed: after pc_budget_check, a part of the job whose size
 * is only known now (`what`, e.g. "the campaign's ledger") needs `bytes`
 * more on this rank: fails, before it is read, when the most any rank needs
 * plus the job's prediction and the parts told before exceeds the budget,
 * naming what and how much; else logs it and counts it in (the parts are
 * held together: trace's index built in memory and its cases' rows). No
 * budget known: no check. */
int pc_budget_check_more(pc_ctx *ctx, const pc_config *cfg, const char *what, double bytes);

/* Collective, agreed: pc_budget_check_more for a part held only for a while
 * (a round's buffers, freed before the next): the same check and message,
 * not counted in, not logged. */
int pc_budget_check_while(pc_ctx *ctx, const pc_config *cfg, const char *what, double bytes);

/* Collective, agreed: the memory check of a job whose ranks each read a
 * part of its items (dispatch: `items` this rank's part, `what` what they
 * are): the most a rank needs at `job`'s costs
 * (mem_base_mb + mem_per_item_b x its items) against the budget; fails
 * naming both, else logs them. No budget known: no check. */
int pc_budget_check_part(pc_ctx *ctx, const pc_config *cfg, const char *job, double items,
                         const char *what);

/* Local, never fails: the bytes per rank that grow with the data in `job`'s
 * measured costs (mem_per_item_b, without its fixed mem_base_mb: that is
 * the job's own buffers, fitted at the city tier) for a dataset of
 * `persons` and `stays` over `ranks` ranks; 0 when it has none. */
double pc_budget_item_bytes(const char *job, double persons, double stays, int ranks);

/* Local, never fails: the bytes per case traced `job`'s measured costs hold
 * (over all ranks; 0 when none), for pc_budget_check_more once the cases are
 * counted. */
double pc_budget_per_case(const char *job);

/* Collective, agreed: pc_budget_check_more for the tables of data that
 * every rank reads whole (n of them, each with its schema, e.g. /regions,
 * /places): their declared rows times the row size, checked before they
 * are read, so a table declared huge says so before any allocation. The
 * measured costs already hold such tables at a province's sizes: they count
 * on top only beyond PC_BUDGET_TABLES_MEASURED bytes together. */
#define PC_BUDGET_TABLES_MEASURED (256.0 * 1048576.0)
int pc_budget_check_tables(pc_ctx *ctx, const pc_config *cfg, pc_file data,
                           const pc_schema *const *tables, int n);

/* The config's `memory_per_rank` in bytes (0 when not given). Local. A value
 * that is not a size is a problem at its position (pc_config_problem: into p
 * at load; with p NULL the process's error) and gives PC_ERR_CONFIG. */
int pc_budget_config(const pc_config *cfg, pc_config_problems *p, double *bytes);

/* Parse "512M", "4G", "4GB", "1.5T" or a bare number of MB into bytes; 0 or -1. Local. */
int pc_size_parse(const char *s, double *bytes);

#endif
