/* job_dispatch.c - `paicha dispatch`: one list per jurisdiction from a trace or screen output, for the callers. */
#include <sys/stat.h>

#include "pc_budget.h"
#include "pc_dispatch.h"
#include "pc_job.h"

/* Every rank reads a part of the output and joins its phones from the
 * dataset's /identities (a merge in pid order, in chunks). Each row goes to
 * its list's writer, which sorts its rows - no rank holds them all - and
 * with employers each employed person's row to its employer's rank; the
 * one-file outputs (the townships' or communities' HDF5 file, the
 * employers') are rank 0's, fed by the others round by round. The files,
 * most of the time (a workbook of 244,000 persons takes seconds), are
 * written by every rank, a share of the lists each. */

static const char *const levels[] = {"city", "county", "township", "community", NULL};
static const pc_key dispatch_keys[] = {
    {.name = "input", .type = PC_T_PATH, .role = PC_P_IN_H5, .required = 1, .help = "a trace or screen output (HDF5)"},
    {.name = "data", .type = PC_T_PATH, .role = PC_P_IN_DATA, .required = 1,
     .help = "the dataset it was made from (phones, region names)"},
    {.name = "output", .type = PC_T_PATH, .role = PC_P_OUT_DIR, .required = 1,
     .help = "directory for the lists (created mode 0700); one directory per batch"},
    {.name = "overwrite", .type = PC_T_BOOL, .def = "false",
     .help = "replace an existing output directory (default: refused before any work)"},
    {.name = "level", .type = PC_T_STR, .def = "city",
     .help = "one list per city, county, township or community (the input's dispatch level "
             "or coarser); townships and communities: one HDF5 file and CSVs, no XLSX",
     .choices = levels},
    {.name = "employers", .type = PC_T_BOOL, .def = "false",
     .help = "also a list per employer of the flagged persons' registry rows (counts by code, "
             "its flagged staff), for work units"},
    {.name = "only_new", .type = PC_T_BOOL, .def = "false",
     .help = "only the rows marked new by the campaign's ledger (each person sent once, again "
             "only when their code went up)"},
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_READ, PH_LISTS, PH_N };
static const char *const dispatch_phases[PH_N] = {[PH_READ] = "read", [PH_LISTS] = "lists"};

/* At load: an existing set of lists is another batch's, kept unless overwrite. */
static int check_dispatch(const pc_config *cfg, pc_config_problems *p) {
  struct stat st;
  const char *out = pc_config_str(cfg, "output");
  if (!pc_config_bool(cfg, "overwrite") && out && lstat(out, &st) == 0)
    pc_config_problem(p, cfg, "output", "%s exists: choose another output or set overwrite: true",
                      out);
  return 0;
}

/* Phase "read": every rank opens the output, counts its rows and takes its
 * part of the tables (a person's rows whole); the memory check of a rank's
 * part; every rank reads its part, makes its rows and joins their phones
 * (with employers, their employers); the plan of lists on every rank and
 * the check of the rows that will come; with employers the staff go to
 * their employers' ranks (checked first); then every row goes to its list's
 * writer, which puts its rows back in the tables' order, sorts and names
 * them. */
static int read_rows(pc_ctx *ctx, const pc_config *cfg, pc_dispatch *D) {
  PC_CALL(pc_agree(ctx, pc_dispatch_open(D)));
  PC_CALL(pc_agree(ctx, pc_dispatch_share(D, pc_rank(ctx), pc_nranks(ctx))));
  PC_CALL(pc_budget_check_part(ctx, cfg, "dispatch", (double)(D->nr[0] + D->nr[1] + D->nr[2]),
                               "flagged rows"));
  int rc = pc_dispatch_read(D);
  if (!rc) rc = pc_dispatch_rows(D);
  if (!rc) rc = pc_dispatch_phones(D);
  PC_CALL(pc_agree(ctx, rc));
  uint64_t skipped = D->skipped;
  PC_CALL(pc_sum_u64(ctx, &skipped, 1));
  if (D->only_new)
    pc_log(ctx, "dispatch: only_new: %llu %s already sent by an earlier batch left out",
           (unsigned long long)skipped, pc_plural(skipped, "row", "rows"));
  double came = 0, staff = 0;
  PC_CALL(pc_dispatch_plan_spread(ctx, D, &came));
  if (D->employers) {
    PC_CALL(pc_employers_need(ctx, &D->emp, D->n, &staff));
    PC_CALL(pc_budget_check_more(ctx, cfg, "the flagged staff of the employers a rank lists",
                                 staff));
    PC_CALL(pc_dispatch_staff(ctx, D));
  }
  PC_CALL(pc_budget_check_more(ctx, cfg,
                               D->level >= PC_LEVEL_TOWNSHIP
                                   ? "the rows of the lists a rank writes (rank 0: and a round "
                                     "of the HDF5 file's)"
                                   : "the rows of the lists a rank writes",
                               came));
  return pc_dispatch_spread_rows(ctx, D);
}

/* Phase "lists": the ranks share the lists out and write them; rank 0 puts
 * the set in place. */
static int run_dispatch(pc_ctx *ctx, const pc_config *cfg) {
  pc_phases_declare(ctx, dispatch_phases, PH_N);
  pc_dispatch D = {.in_path = pc_config_str(cfg, "input"),
                   .data_path = pc_config_str(cfg, "data"),
                   .dir = pc_config_str(cfg, "output"),
                   .level = pc_level_of(pc_config_str(cfg, "level")),
                   .overwrite = pc_config_bool(cfg, "overwrite"),
                   .only_new = pc_config_bool(cfg, "only_new"),
                   .employers = pc_config_bool(cfg, "employers"),
                   .in = -1,
                   .data = -1};
  int rc = PC_PHASE(ctx, PH_READ, read_rows(ctx, cfg, &D), D.n, 0);
  if (!rc) rc = PC_PHASE(ctx, PH_LISTS, pc_dispatch_write(ctx, &D), D.n, 0);
  pc_dispatch_free(&D);
  return rc;
}

const pc_jobdef pc_job_dispatch = {
    .name = "dispatch",
    .summary = "one list per city, county, township or community (and per employer) from a trace or screen output",
    .description =
        "Reads /contacts and /companions (trace) or /screened (screen) and writes, under\n"
        "`output`, a list for every jurisdiction at `level` in the dataset's /regions, empty\n"
        "ones too, plus unassigned, each as .xlsx, .csv and .h5 named by code, name and batch\n"
        "(4301-长沙市.20210809-0000.xlsx: the input's as_of, local), and manifest.csv (counts\n"
        "per list). A list holds that jurisdiction's people, each once: class, code, ID number\n"
        "(or phone), phone, age band, exposure, place (or areas), the channel that found them,\n"
        "residence and jurisdiction with names; red first, then yellow, then the others, each\n"
        "by township, community and exposure. XLSX and CSV have Chinese headers and keep ID\n"
        "numbers, phones and codes as text (CSV: quoted behind a TAB). An existing `output` is\n"
        "refused unless overwrite: true. Files are owner-only: they hold clear identities.\n"
        "The ranks read a part each; the lists are shared out among the ranks, each writing\n"
        "its own (the output must be on a file system every rank sees). The rows go\n"
        "straight to their lists' writers, and the staff to their employers' ranks (no\n"
        "rank holds every row); rank 0 writes the townships' or communities' HDF5 file\n"
        "and the employers' as the others send it their rows, a round at a time.\n"
        "Townships and communities (~29,000 lists in a province): one HDF5 file with a group\n"
        "per list (communities.20210809-0000.h5:/430102001001/list) and the CSV lists in a\n"
        "directory per city, no XLSX; manifest.csv names both. employers: true adds\n"
        "employers.<batch>.h5 (a group per employer: its flagged staff) and employers.csv\n"
        "(counts by code per employer, by the dataset's keyed employer id).",
    .keys = dispatch_keys,
    .run = run_dispatch,
    .check = check_dispatch};
