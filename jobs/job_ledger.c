/* job_ledger.c - `paicha ledger`: the localities' feedback applied to the campaign's ledger as one batch, codes lifted, the campaign measured. */
#include <string.h>

#include "pc_enc.h"
#include "pc_job.h"
#include "pc_ledger_feedback.h"
#include "pc_ledger_out.h"
#include "pc_paths.h"
#include "pc_time.h"

static const pc_key path_item[] = {{.name = "", .type = PC_T_STR}, {0}};
static const pc_key expire_red[] = {
    {.name = "after", .type = PC_T_DURATION, .def = "14d", .max = 366 * 86400LL,
     .help = "a red code lifts this long after it was given ..."},
    {.name = "negative_tests", .type = PC_T_INT, .def = "2", .max = 1000,
     .help = "... and with this many negative tests since then (both must hold)"},
    {0}};
static const pc_key expire_yellow[] = {
    {.name = "after", .type = PC_T_DURATION, .def = "7d", .max = 366 * 86400LL,
     .help = "a yellow code lifts this long after it was given ..."},
    {.name = "negative_tests", .type = PC_T_INT, .def = "3", .max = 1000,
     .help = "... and with this many negative tests since then (both must hold)"},
    {0}};
static const pc_key expire_keys[] = {
    {.name = "red", .type = PC_T_MAP, .help = "when a red code lifts", .sub = expire_red},
    {.name = "yellow", .type = PC_T_MAP, .help = "when a yellow code lifts", .sub = expire_yellow},
    {0}};

static const pc_key ledger_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "the dataset the campaign traces (its identity; phones to their owners)"},
    {.name = "key", .type = PC_T_PATH, .role = PC_P_KEY, .required = 1,
     .help = "pseudonymisation key file (mode 0600): feedback subjects to persons"},
    {.name = "ledger", .type = PC_T_PATH, .role = PC_P_LEDGER, .required = 1,
     .help = "the campaign's ledger: this run is appended as one feedback batch"},
    {.name = "at", .type = PC_T_TIME, .required = 1,
     .help = "the batch's time: feedback after it is refused, codes lift at it"},
    {.name = "feedback", .type = PC_T_STRS, .role = PC_P_IN, .sub = path_item,
     .help = "feedback CSV(s): subject,subject_type,event,at,result (absent: codes are only "
             "lifted)"},
    {.name = "encoding", .type = PC_T_STR, .choices = pc_enc_names,
     .help = "how the feedback is read; absent: UTF-8 when the whole file is, else GB18030 "
             "when the whole file is, else an error naming the line"},
    {.name = "max_reject_ratio", .type = PC_T_FLOAT, .def = "0.01",
     .help = "fail (ledger unchanged) when a file's rejected rows (duplicates aside) exceed "
             "this share of its rows"},
    {.name = "expire", .type = PC_T_MAP, .help = "the code policy over time", .sub = expire_keys},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT,
     .help = "HDF5: /active, /measures, /yield, /batches, /rejects (identity-bearing)"},
    {.name = "new_cases", .type = PC_T_PATH, .role = PC_P_OUT,
     .help = "cases.csv of the positives not yet traced, for the next trace"},
    {.name = "ledger_wait", .type = PC_T_DURATION, .def = "10m", .max = 7 * 86400LL,
     .help = "how long to wait while another run appends to the ledger, then fail (nothing "
             "changed)"},
    PC_CAMPAIGN_PARTS_KEY,
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_SETUP, PH_FEEDBACK, PH_LIFT, PH_LEDGER, PH_OUTPUT, PH_N };
static const char *const ledger_phases[PH_N] = {[PH_SETUP] = "setup", [PH_FEEDBACK] = "feedback",
                                                [PH_LIFT] = "lift", [PH_LEDGER] = "ledger",
                                                [PH_OUTPUT] = "output"};

typedef struct ledger_run {
  const pc_config *cfg;
  int64_t at;
  pc_feedback F;
  pc_campaign C;
  uint64_t lifted;
} ledger_run;

/* The key, the dataset, the ledger claimed and read, batch `feedback` at `at`. */
static int setup(pc_ctx *ctx, ledger_run *R) {
  const pc_config *cfg = R->cfg;
  PC_CALL(pc_job_key(ctx, pc_config_str(cfg, "key"), 0, &R->F.key));
  PC_CALL(pc_feedback_open_data(&R->F, pc_config_str(cfg, "data")));
  const char *input = R->F.nfiles ? pc_config_str_at(cfg, "feedback", 0) : "(no feedback)";
  return pc_campaign_open(ctx, cfg, R->F.data, pc_config_str(cfg, "data"), "feedback", R->at,
                          input, &R->C);
}

/* Every row read and checked, the good ones applied; too many rejects in a
 * file stop the run before the ledger is written. */
static int feedback(pc_ctx *ctx, ledger_run *R) {
  if (!R->F.nfiles) return 0;
  PC_CALL(pc_feedback_apply(&R->C, &R->F, R->at));
  char failing[1024];
  const double max_ratio = pc_config_float(R->cfg, "max_reject_ratio");
  pc_feedback_log(&R->F, max_ratio, failing, sizeof failing);
  if (failing[0])
    return PC_ERROR(PC_ERR_DATA, "rejected rows exceed max_reject_ratio = %g in %s: the ledger "
                    "is unchanged; fix the rows (paicha ledger --check lists them by line)",
                    max_ratio, failing);
  pc_log(ctx, "ledger: %llu %s applied, %zu rejected, %llu %s added (positive), %llu %s raised",
         (unsigned long long)R->F.applied, pc_plural(R->F.applied, "event", "events"),
         R->F.rejects.n, (unsigned long long)R->F.added,
         pc_plural(R->F.added, "person", "persons"), (unsigned long long)R->F.raised,
         pc_plural(R->F.raised, "code", "codes"));
  return 0;
}

/* The batch's part of each rank, as pc_campaign_write sums it: events
 * applied here, rejects (rank 0), codes raised (it takes the persons new to
 * the ledger off `raised`, so they are counted in first). */
static int write_ledger(ledger_run *R, pc_ctx *ctx) {
  pc_ledger_batch *B = &R->C.next;
  const pc_ledger_row *r = R->C.L.rows.data;
  B->rows = B->raised = 0;
  for (size_t i = 0; i < R->C.L.rows.n; i++) B->raised += r[i].first_batch == B->batch;
  const pc_ledger_event *e = R->C.L.events.data;
  for (size_t i = 0; i < R->C.L.events.n; i++) B->rows += e[i].batch == B->batch;
  B->raised += R->F.raised_here;
  B->rejected = pc_rank(ctx) == 0 ? R->F.rejects.n : 0;
  return pc_campaign_write(&R->C, R->cfg, R->F.data);
}

/* The output and new_cases, from the ledger as written. */
static int outputs(pc_ctx *ctx, ledger_run *R) {
  const char *out = pc_config_str(R->cfg, "output"), *nc = pc_config_str(R->cfg, "new_cases");
  if (out) PC_CALL(pc_ledger_output_write(&R->C, &R->F, R->cfg, R->F.data, R->at, R->lifted));
  uint64_t n = 0;
  if (nc) PC_CALL(pc_ledger_new_cases_write(&R->C, nc, &n));
  if (nc) pc_log(ctx, "ledger: %s: %llu %s not yet traced", nc, (unsigned long long)n,
                 pc_plural(n, "positive", "positives"));
  return 0;
}

/* The plan: setup (key, dataset, ledger claimed); apply the feedback; lift
 * codes at `at`; write the ledger (this batch's counts); then the output and
 * new_cases from it, so /batches holds this batch as the ledger does. */
static int run_ledger(pc_ctx *ctx, const pc_config *cfg) {
  ledger_run R = {.cfg = cfg, .at = pc_config_time(cfg, "at")};
  pc_feedback_init(&R.F, ctx, cfg);
  pc_phases_declare(ctx, ledger_phases, PH_N);
  const char *out = pc_config_str(cfg, "output");
  pc_job_record_for(ctx, out ? out : pc_config_str(cfg, "ledger"));
  pc_ledger_policy p;
  pc_ledger_policy_of(cfg, &p);
  int rc = PC_PHASE(ctx, PH_SETUP, setup(ctx, &R), R.C.L.rows.n, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_FEEDBACK, feedback(ctx, &R),
                                  pc_rank(ctx) == 0 ? R.F.applied : 0, 0);
  if (!rc)
    rc = PC_PHASE(ctx, PH_LIFT, pc_ledger_lift(&R.C, &p, R.at, &R.lifted),
                  pc_rank(ctx) == 0 ? R.lifted : 0, 0);
  char at[PC_TIME_HUMAN];
  if (!rc) pc_log(ctx, "ledger: %llu %s lifted at %s", (unsigned long long)R.lifted,
                  pc_plural(R.lifted, "code", "codes"), pc_time_human(R.at, at));
  if (!rc) rc = PC_PHASE(ctx, PH_LEDGER, write_ledger(&R, ctx), R.C.L.rows.n, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_OUTPUT, outputs(ctx, &R), 0, 0);
  pc_campaign_close(&R.C);
  pc_feedback_free(&R.F);
  return rc;
}

/* Checks of meaning at load: the reject ratio is a share. */
static int check_ledger(const pc_config *cfg, pc_config_problems *p) {
  const double max_ratio = pc_config_float(cfg, "max_reject_ratio");
  if (max_ratio < 0 || max_ratio > 1)
    pc_config_problem(p, cfg, "max_reject_ratio", "must be between 0 and 1");
  return 0;
}

/* --check: every feedback row as the run reads it, against `at` and the
 * dataset's window (the dataset's own problems are the path checks'). */
static int inspect_ledger(const pc_config *cfg, pc_config_problems *p, uint64_t *rows) {
  int64_t ws, as_of;
  *rows = 0;
  if (pc_paths_data_window(pc_config_str(cfg, "data"), &ws, &as_of) != 0) return 0;
  return pc_feedback_check(cfg, pc_config_time(cfg, "at"), ws, p, rows);
}

const pc_jobdef pc_job_ledger = {
    .name = "ledger",
    .summary = "feedback from the localities applied to a campaign's ledger; codes lifted",
    .description =
        "Appends one batch of kind feedback, at `at`, to the ledger that trace and screen\n"
        "append to. Each feedback row (subject,subject_type,event,at,result; event reached,\n"
        "tested with result negative or positive, isolated or released) is checked as ingest\n"
        "checks its rows: a bad one is a reject with its file, line and reason (never its\n"
        "content), a file with more than max_reject_ratio rejected fails the run and leaves\n"
        "the ledger as it was. Events of a person not in the ledger are refused unless the\n"
        "person tested positive (a new case, red). Then codes lift per `expire` at `at`.\n"
        "`output` (HDF5): /active, /measures per jurisdiction, /yield per class and channel,\n"
        "/batches with found_under_control, /rejects. `new_cases`: cases.csv of the\n"
        "positives not yet traced. Outputs hold clear identities: owner-only.",
    .keys = ledger_keys,
    .run = run_ledger,
    .check = check_ledger,
    .inspect = inspect_ledger};
