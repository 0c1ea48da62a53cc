/* job_report.c - `paicha report`: one self-contained HTML page (inline SVG) of a run's outputs. */
#include <stdlib.h>
#include <string.h>

#include "pc_job.h"
#include "pc_report.h"
#include "pc_textout.h"

static const pc_key report_keys[] = {
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA,
     .help = "the dataset the outputs were made from (region names, /persons for the age "
             "pyramids); required unless a ledger alone is given"},
    {.name = "trace", .type = PC_T_PATH, .role = PC_P_IN_H5, .help = "a trace output (counts, people to reach, trees)"},
    {.name = "screen", .type = PC_T_PATH, .role = PC_P_IN_H5, .help = "a screen output (counts, people to reach)"},
    {.name = "breakdown", .type = PC_T_PATH, .role = PC_P_IN_H5,
     .help = "a breakdown output (/targets: the vaccination gap; /testing when made with "
             "flagged:)"},
    {.name = "ledger", .type = PC_T_PATH, .role = PC_P_IN_H5,
     .help = "a campaign's ledger (its /batches, /measures and /yield: the campaign over time)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1, .help = "the HTML page to write"},
    {.name = "top", .type = PC_T_INT, .def = "20",
     .help = "counties in the bar charts (people to reach, vaccination gap), communities in the "
             "testing table",
     .min = 1, .max = 1000},
    {.name = "clusters", .type = PC_T_INT, .def = "5",
     .help = "largest case clusters drawn as transmission trees", .max = 100},
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_REPORT, PH_N };
static const char *const report_phases[PH_N] = {[PH_REPORT] = "report"};

static int given(const pc_config *cfg, const char *key) {
  const char *s = pc_config_str(cfg, key);
  return s && s[0];
}

/* At least one output to report on, and the dataset with any but a ledger;
 * the problem into p (NULL: the process's error). Also the check of meaning
 * at load. */
static int something_to_report(const pc_config *cfg, pc_config_problems *p) {
  int outputs = given(cfg, "trace") || given(cfg, "screen") || given(cfg, "breakdown");
  if (!outputs && !given(cfg, "ledger")) {
    pc_config_problem(p, cfg, "",
                      "nothing to report: give trace, screen, breakdown or ledger (or several)");
    return p ? 0 : PC_ERR_CONFIG;
  }
  if (outputs && !given(cfg, "data")) {
    pc_config_problem(p, cfg, "", "missing required key 'data' (the dataset the trace, screen or "
                      "breakdown was made from)");
    return p ? 0 : PC_ERR_CONFIG;
  }
  return 0;
}

/* Rank 0: the page of the outputs into b, the rows read into *rows. Local. */
static int build_page(pc_ctx *ctx, const pc_config *cfg, pc_sb *b, uint64_t *rows) {
  PC_CALL(something_to_report(cfg, NULL)); /* checked at load */
  pc_report *R = pc_report_new(pc_config_str(cfg, "data"), pc_config_str(cfg, "trace"),
                               pc_config_str(cfg, "screen"), pc_config_str(cfg, "breakdown"),
                               (int)pc_config_int(cfg, "top"), (int)pc_config_int(cfg, "clusters"));
  if (!R) return PC_ERR_MEM;
  R->ledger_path = pc_config_str(cfg, "ledger");
  double t0 = pc_wtime();
  int rc = pc_report_open(R);
  if (!rc && R->ledger >= 0) rc = pc_report_read_ledger(R);
  if (!rc && R->trace >= 0) rc = pc_report_read_trace(ctx, R);
  if (!rc) rc = pc_report_merge(ctx, R);
  if (!rc)
    pc_log(ctx, "report: %llu flagged %s, %llu %s in the dataset (%.1f s)",
           (unsigned long long)R->fl_persons, pc_plural(R->fl_persons, "person", "persons"),
           (unsigned long long)R->persons_rows, pc_plural(R->persons_rows, "person", "persons"),
           pc_wtime() - t0);
  if (!rc && R->bd >= 0) rc = pc_report_read_breakdown(R);
  if (!rc) rc = pc_report_check_counts(R);
  if (!rc) {
    rc = pc_report_page(ctx, R, b);
    *rows = R->persons_rows + R->nn + R->comp_n + R->scr_rows + R->nlb + R->nlm + R->nly;
  }
  if (!rc) pc_log(ctx, "report: page of %zu bytes built in %.2f s", b->n, pc_wtime() - t0);
  pc_report_free(R);
  return rc;
}

/* Written under a temporary name and renamed (owner-only by the umask of
 * output_mode); rank 0 holds the page, the others join. Collective. */
static int write_page(pc_ctx *ctx, const char *output, const pc_sb *page) {
  pc_textout o;
  PC_CALL(pc_textout_open(ctx, output, "", &o));
  int lrc = 0;
  if (pc_rank(ctx) == 0) {
    char *p = pc_textout_room(&o, page->n);
    if (p) {
      memcpy(p, page->s, page->n);
      pc_textout_commit(&o, page->n);
    } else {
      lrc = PC_ERR_MEM;
    }
  }
  return pc_textout_close(ctx, &o, lrc);
}

/* The phase: rank 0 builds the page, every rank agrees, then all write it. */
static int make_report(pc_ctx *ctx, const pc_config *cfg, const char *output, pc_sb *page,
                       uint64_t *rows) {
  int rc = pc_rank(ctx) == 0 ? build_page(ctx, cfg, page, rows) : 0;
  PC_CALL(pc_agree(ctx, rc));
  return write_page(ctx, output, page);
}

/* The plan: rank 0 reads the outputs and builds the page; every rank joins its write. */
static int run_report(pc_ctx *ctx, const pc_config *cfg) {
  const char *output = pc_config_str(cfg, "output");
  pc_phases_declare(ctx, report_phases, PH_N);
  pc_job_record_for(ctx, output);
  pc_sb page = {0};
  uint64_t rows = 0;
  int rc = PC_PHASE(ctx, PH_REPORT, make_report(ctx, cfg, output, &page, &rows), rows,
                    pc_rank(ctx) == 0 ? page.n : 0);
  if (!rc) pc_log(ctx, "report: wrote %s (%zu bytes)", output, page.n);
  free(page.s);
  return rc;
}

const pc_jobdef pc_job_report = {
    .name = "report",
    .summary = "one self-contained HTML page (inline SVG) of a run's outputs",
    .description =
    "Reads a trace, a screen and a breakdown output (any of them; trace and screen must come\n"
    "from `data`: key fingerprint and stays checksum) and writes one HTML page that any browser\n"
    "opens offline (no script, no network): counts per class, hop, channel, area and code;\n"
    "people to reach (each flagged person once) per city and in the `top` counties (by\n"
    "jurisdiction when every output was dispatched by county, else by residence); age pyramids\n"
    "(sex x 5-year band, from `data`'s /persons) of the flagged against the whole population;\n"
    "the vaccination gap (aged 60+, below the required doses) per county from /targets; testing\n"
    "targets from /testing; the transmission trees of the `clusters` largest case clusters\n"
    "(cases as ordinals, close contacts as nodes, the counts beyond them); the provenance of\n"
    "every file (root attributes, effective config, run record). Given a campaign's `ledger`\n"
    "(alone, `data` then optional, or beside the outputs), the campaign over time\n"
    "from its /batches, /measures and /yield: new cases and new flagged per batch and per local\n"
    "day, red and yellow codes active, found under control, reach within 24 h per city, the\n"
    "yield per class and channel (never its /persons). Counts and region names only:\n"
    "no ID number, phone, pid or place name. Rank 0 does the work (run it with one process,\n"
    "e.g. on a login node): /contacts is held, every other table streamed in chunks of 1 M\n"
    "rows. Numbers a test checks carry data-k and data-value attributes. The page is written\n"
    "under a temporary name and renamed, owner-only (output_mode).",
    .keys = report_keys,
    .run = run_report,
    .check = something_to_report};
