/* job_purge.c - `paicha purge`: destroy the stays and clear identities older than the retention period. */
#include "pc_budget.h"
#include "pc_job.h"
#include "pc_purge.h"
#include "pc_textout.h"

/*
 * The plan. A dataset's /persons and /stays are both sorted by pid, so rank
 * r takes rows [N r / P, N (r+1) / P) of /persons and the rows of /stays from
 * its first person's pid to the next rank's (binary search; rank 0 from row
 * 0, the last rank to the end, so no stay is left out whatever its pid):
 *
 *   /persons  |-- rank 0 --|-- rank 1 --|-- rank 2 --|-- rank 3 --|
 *   /stays    |--- rank 0 ---|-- rank 1 --|---- rank 2 ----|- r3 -|   cut at the same pids
 *
 *   scan   stream the stays in steps; a stay ending before the cutoff goes,
 *          the others are counted and fingerprinted; walking the persons
 *          alongside (a merge by pid) marks each person with a stay left; a
 *          visitor (flags bit 0) without one goes (one bit per person).
 *   write  exclusive scans of the kept counts give every rank its offsets;
 *          the kept rows of /persons, /identities and /stays are written in
 *          their input order, step by step: the output is the input minus
 *          the removed rows, the same file at any rank count.
 *
 * The stays are read twice (the contiguous /stays must be sized before it is
 * written) and never held whole: memory is one step of stays and persons
 * plus one bit per person of the rank's share.
 */

static const char *const identity_modes[] = {"keep_recent", "all", NULL};

static const pc_key purge_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "dataset to purge (from synth, ingest or an earlier purge)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT, .replaces = "data", .required = 1,
     .help = "purged dataset to write; may equal `data` (replaced only when the purge is "
             "complete)"},
    {.name = "retention", .type = PC_T_DURATION, .required = 1,
     .help = "how long data is kept: stays that ended before now - retention are destroyed",
     .min = 3600, .max = 3660 * 86400LL},
    {.name = "now", .type = PC_T_TIME,
     .help = "the instant the retention is counted back from (default: the dataset's window_end, "
             "i.e. its as_of - never the wall clock, so a rerun removes the same rows)"},
    {.name = "identities", .type = PC_T_STR, .def = "keep_recent",
     .help = "keep_recent: drop the clear identities of the visitors left without stays; all: "
             "remove /identities (breakdowns still work; trace, screen and dispatch lists no "
             "longer can)",
     .choices = identity_modes},
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show
 * these names; persons and stays run inside write. */
enum { PH_OPEN, PH_SCAN, PH_WRITE, PH_PERSONS, PH_STAYS, PH_N };
static const char *const purge_phases[PH_N] = {[PH_OPEN] = "open",
                                               [PH_SCAN] = "scan",
                                               [PH_WRITE] = "write",
                                               [PH_PERSONS] = "persons",
                                               [PH_STAYS] = "stays"};

/* Collective: open and cut the dataset, check the memory budget, say what goes. */
static int open_step(pc_purge *P) {
  PC_CALL(pc_purge_open(P));
  /* No costs are measured for purge yet (bench/rates.yaml): a no-op until they are;
   * its memory is bounded anyway (a step of stays and persons, a bit per person). */
  PC_CALL(pc_budget_check(P->ctx, P->cfg, "purge", (double)P->N, (double)P->NS));
  pc_purge_log_plan(P);
  return 0;
}

/* Collective, agreed: the purged dataset: /regions, /persons (and
 * /identities), /stays, /places, the root attributes, the record; committed
 * (renamed over `output`) only when every rank succeeded. */
static int write_step(pc_purge *P) {
  pc_ctx *ctx = P->ctx;
  pc_out out;
  int rc = pc_out_create(ctx, P->cfg, P->out_path, &out);
  if (!rc) rc = pc_purge_copy_table(P, &out, &pc_schema_regions);
  /* identities: all also re-keys: the old key no longer links the file to anyone */
  const int rk = P->all_ids;
  if (!rc && rk) rc = pc_purge_rekey_init(P);
  if (!rc)
    rc = PC_PHASE(ctx, PH_PERSONS, rk ? pc_purge_rekey_persons(P, &out) : pc_purge_write_persons(P, &out),
                  P->p1 - P->p0,
                  P->kept_persons * (sizeof(pc_person) + (P->keep_ids ? sizeof(pc_identity) : 0)));
  if (!rc && P->have_stays)
    rc = PC_PHASE(ctx, PH_STAYS, rk ? pc_purge_rekey_stays(P, &out) : pc_purge_write_stays(P, &out),
                  P->s1 - P->s0, P->kept_stays * sizeof(pc_stay));
  if (!rc && P->have_places) rc = pc_purge_copy_table(P, &out, &pc_schema_places);
  if (!rc) rc = pc_agree(ctx, pc_purge_write_attrs(P, &out));
  if (!rc) pc_out_record(&out, "purge", json_object_get(P->entry));
  return pc_out_commit(&out, rc);
}

/* The plan: open (cut the shares, the cutoff); scan the stays and persons;
 * total over ranks; write the dataset without what went. */
static int run_purge(pc_ctx *ctx, const pc_config *cfg) {
  pc_purge *P = pc_calloc(1, sizeof *P, "purge");
  PC_CALL(pc_agree(ctx, P ? 0 : PC_ERR_MEM));
  pc_purge_init(P, ctx, cfg);
  pc_phases_declare(ctx, purge_phases, PH_N);
  pc_job_record_for(ctx, P->out_path);
  int rc = PC_PHASE(ctx, PH_OPEN, open_step(P), P->p1 - P->p0, 0);
  if (!rc)
    rc = PC_PHASE(ctx, PH_SCAN, pc_purge_scan(P), P->s1 - P->s0,
                  (P->s1 - P->s0) * sizeof(pc_stay));
  if (!rc) rc = pc_purge_totals(P);
  if (!rc)
    rc = PC_PHASE(ctx, PH_WRITE, write_step(P), P->kept_stays + P->kept_persons, 0);
  if (!rc) pc_purge_log_done(P);
  if (!rc) rc = pc_remove_rejects_sidecar(ctx, P->data_path, "the data were purged");
  if (!rc) rc = pc_remove_rejects_sidecar(ctx, P->out_path, "the data were purged");
  pc_purge_free(P);
  free(P);
  return rc;
}

const pc_jobdef pc_job_purge = {
    .name = "purge",
    .summary = "destroy the stays and clear identities older than the retention period",
    .description =
        "Writes the dataset without the stays that ended before the cutoff = now - retention\n"
        "(a stay still running at the cutoff, or ending on it, is kept whole: data within the\n"
        "retention is not cut), without the visitors (persons flags bit 0) left with no stay,\n"
        "and without their clear identities. Registered persons stay in /persons (the registry\n"
        "is not trajectory data); /regions and /places are copied; /rejects (ingest's raw\n"
        "lines) is destroyed. `identities: all` destroys every clear identity: /identities is\n"
        "removed, so breakdown still runs on the pseudonymous dataset while trace, screen and\n"
        "index (and so dispatch lists) refuse it. `now` defaults to the dataset's window_end\n"
        "(its as_of), never the wall clock, so a rerun removes exactly the same rows.\n"
        "window_start becomes max(window_start, cutoff); persons, visitors, stays,\n"
        "stays_checksum and /stay_buckets (the kept stays counted by index bucket) are\n"
        "recomputed as synth and ingest define them, so an index, trace or\n"
        "screen output made before the purge is refused against the purged dataset. Root\n"
        "attributes purged_before (the cutoff), purged_at (when, UTC seconds) and purge_log\n"
        "(one JSON entry per purge, counts only) record it. `output` may equal `data`: the file\n"
        "is replaced only when every rank finished. Copies elsewhere (indexes, outputs, CSV\n"
        "files, backups, the file system's freed blocks) are not touched: delete them.",
    .keys = purge_keys,
    .run = run_purge};
