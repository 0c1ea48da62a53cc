/* job_ingest.c - `paicha ingest`: agencies' CSV files into the validated, pseudonymised dataset. */
#include <stdio.h>

#include "pc_budget.h"
#include "pc_ingest.h"
#include "pc_ingest_input.h"
#include "pc_ingest_person.h"
#include "pc_ingest_reject.h"
#include "pc_ingest_stay.h"
#include "pc_ingest_write.h"
#include "pc_job.h"
#include "pc_publish.h"
#include "pc_schema.h"
#include "pc_textout.h"
#include "pc_time.h"

/* The plan of a run (every step collective unless said):
 *
 *   scan      every rank counts the lines of its byte range of every file
 *             (and its CRC), checking they are UTF-8: line numbers are then
 *             known everywhere, and each file's encoding (a file that is not
 *             UTF-8 is read again, as GB18030, under input.encoding auto)
 *   regions   rows checked where read, gathered on rank 0, duplicates and
 *             parents checked, the table broadcast
 *   persons   rows checked where read, shuffled to the owner of their pid
 *             (keyed hash of the ID number); duplicates and conflicts
 *             resolved there in file order; phones shuffled to the owner of
 *             the phone: the phone -> pid table
 *   stays     in rounds: rows checked where read; by-ID rows go to the owner
 *             of the pid, by-phone rows to the owner of the phone, which
 *             resolves the pid (or makes a visitor) and forwards them
 *   visitors  unregistered ID numbers and phones become persons flagged
 *             PC_PERSON_VISITOR at the owner of their pid
 *   sort      each rank's stays in place by (pid, start, channel, place);
 *             identical stays kept once
 *   rejects   rows found bad after the shuffles go back to the rank that
 *             read them, which fetches their raw text; every reject is then
 *             where its line is, and /rejects is written in (file, line)
 *             order whatever the rank count
 *   write     the dataset, laid out exactly as synth writes it */

static const pc_key input_keys[] = {
    {.name = "regions", .type = PC_T_PATH, .role = PC_P_IN, .required = 1,
     .help = "regions.csv: code,parent,level,name"},
    {.name = "persons", .type = PC_T_STRS, .role = PC_P_IN, .required = 1,
     .help = "persons.csv, one file or a list (e.g. the household and the floating-population "
             "registries; the first row of a person in this order is kept): "
             "id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses"
             "[,id_type]"},
    {.name = "phone_owners", .type = PC_T_PATH, .role = PC_P_IN,
     .help = "the operators' real-name registration: phone,subject[,subject_type]; stays keyed "
             "by such a phone are its owner's (a phone of the persons files keeps its person)"},
    {.name = "stays", .type = PC_T_STRS, .role = PC_P_IN,
     .help = "stays.csv, one file or a list (one per agency): "
             "channel,subject,place,start,end,region,carriage,row[,subject_type]"},
    {.name = "encoding", .type = PC_T_STR, .choices = pc_enc_names,
     .help = "how every file is read; absent: auto, as UTF-8 when the whole file is, else as "
             "GB18030 when the whole file is, else the run fails naming the file and line; "
             "utf-8 or gb18030: a line that is not is rejected (`encoding`)"},
    {0}};

static const pc_key ingest_keys[] = {
    {.name = "key", .type = PC_T_PATH, .role = PC_P_KEY_NEW, .required = 1,
     .help = "pseudonymisation key file (created with mode 0600 if missing; refused unless "
             "owner-only)"},
    {.name = "data", .type = PC_T_PATH, .role = PC_P_OUT, .required = 1, .help = "dataset file to write (HDF5)"},
    {.name = "input", .type = PC_T_MAP, .required = 1,
     .help = "the CSV files (UTF-8 or GB18030, header row, optional BOM, \\r\\n ok)",
     .sub = input_keys},
    {.name = "as_of", .type = PC_T_TIME, .required = 1,
     .help = "the instant the data ends (local time)"},
    {.name = "days", .type = PC_T_INT, .def = "14",
     .help = "the data window is [as_of - days, as_of]", .min = 1, .max = 3650},
    {.name = "max_reject_ratio", .type = PC_T_FLOAT, .def = "0.01",
     .help = "fail when a file's rejected rows (duplicates aside) exceed this share of its rows"},
    PC_KEYS_COMMON,
    {0}};

/* The phases, in the order they run: the phase table and the run record show these names. */
enum { PH_SETUP, PH_SCAN, PH_REGIONS, PH_PERSONS, PH_STAYS, PH_VISITORS, PH_SORT, PH_REJECTS,
       PH_WRITE, PH_N };
static const char *const ingest_phases[PH_N] = {
    [PH_SETUP] = "setup",       [PH_SCAN] = "scan",   [PH_REGIONS] = "regions",
    [PH_PERSONS] = "persons",   [PH_STAYS] = "stays", [PH_VISITORS] = "visitors",
    [PH_SORT] = "sort",         [PH_REJECTS] = "rejects", [PH_WRITE] = "write"};

typedef struct ingest_run {
  const pc_config *cfg;
  const char *path;    /* the dataset */
  pc_ingest *g;
  uint64_t lines, bytes; /* of this rank's byte ranges */
  uint64_t nvis;         /* visitors made here, then over all ranks */
} ingest_run;

static int scan(ingest_run *R) {
  pc_ingest *g = R->g;
  pc_phase_bound(g->ctx, PC_BOUND_READ);
  PC_CALL(pc_ingest_scan(g));
  for (int f = 0; f < g->nin; f++) {
    R->bytes += g->in[f].f.hi - g->in[f].f.lo;
    R->lines += g->in[f].f.nlines;
  }
  return 0;
}

/* The size of the run, logged; the memory budget checked against its lines. Collective. */
static int check_size(pc_ctx *ctx, const ingest_run *R) {
  uint64_t tot[2] = {R->bytes, R->lines};
  PC_CALL(pc_sum_u64(ctx, tot, 2));
  const long long days = (long long)pc_config_int(R->cfg, "days");
  char asof[PC_TIME_HUMAN];
  pc_log(ctx, "ingest: %d %s, %.1f MB, %llu %s; window %lld %s to as_of %s", R->g->nin,
         pc_plural((unsigned)R->g->nin, "file", "files"), (double)tot[0] / 1e6,
         (unsigned long long)tot[1], pc_plural(tot[1], "line", "lines"), days,
         pc_plural((unsigned long long)days, "day", "days"),
         pc_time_human(pc_config_time(R->cfg, "as_of"), asof));
  return pc_budget_check(ctx, R->cfg, "ingest", 0, (double)tot[1]);
}

/* Lines of the persons files in this rank's ranges, for the phase's rate. */
static uint64_t persons_lines(const pc_ingest *g) {
  uint64_t n = 0;
  for (int f = 1; f < g->persons1; f++) n += g->in[f].f.nlines;
  return n;
}

static int settle_rejects(pc_ingest *g) {
  PC_CALL(pc_ingest_rejects_settle(g));
  return pc_ingest_rejects_count(g);
}

/* Rejects beyond max_reject_ratio in `failing`: they go to <data>.rejects.h5
 * for the senders, the dataset is not written. */
static int write_rejects_only(pc_ctx *ctx, const ingest_run *R, const char *failing) {
  char rpath[4200];
  snprintf(rpath, sizeof rpath, "%s.rejects.h5", R->path);
  PC_CALL(PC_PHASE(ctx, PH_WRITE, pc_ingest_write(R->g, rpath, 1, 0), R->g->rejects.n, 0));
  /* The one output a failed run publishes, on purpose: the senders need it. */
  PC_CALL(pc_publish_all(ctx, 0));
  return PC_ERROR(PC_ERR_DATA,
                  "rejected rows exceed max_reject_ratio = %g in %s: %s not written; the "
                  "rejects (line, reason, raw line) are in %s for the senders",
                  pc_config_float(R->cfg, "max_reject_ratio"), failing, R->path, rpath);
}

static int log_written(pc_ctx *ctx, const ingest_run *R) {
  const pc_ingest *g = R->g;
  uint64_t tot[3] = {g->persons.n, g->stays.n, g->rejects.n};
  PC_CALL(pc_sum_u64(ctx, tot, 3));
  pc_log(ctx, "ingest: wrote %s: %llu %s (%llu %s), %llu %s, %llu %s", R->path,
         (unsigned long long)tot[0], pc_plural(tot[0], "person", "persons"),
         (unsigned long long)R->nvis, pc_plural(R->nvis, "visitor", "visitors"),
         (unsigned long long)tot[1], pc_plural(tot[1], "stay", "stays"), (unsigned long long)tot[2],
         pc_plural(tot[2], "reject", "rejects"));
  return 0;
}

/* /stays written as the sort makes its rows final (the disk busy while the
 * rest sorts), into the dataset opened before the sort, until a duplicate
 * stay on any rank: its rows after it move in the file. The ranks tell each
 * other at each sixteenth of their rows sorted (every rank agrees 16 times,
 * wherever its sort stops), so at most a sixteenth more is written for a
 * file that will be dropped. */
enum { SORT_TOLD = 16 };
typedef struct sort_writer {
  pc_ingest *g;
  pc_ingest_out *o;
  uint64_t n;  /* this rank's rows to sort */
  int told;    /* agreements made */
  int dropped; /* some rank has a duplicate: write no more */
  int rc;
} sort_writer;

/* The agreements due once `sorted` of the n rows are (all of them: `sorted` n). */
static void sort_agree(sort_writer *w, uint64_t sorted) {
  const int due = w->n ? (int)(sorted * SORT_TOLD / w->n) : SORT_TOLD;
  for (; w->told < due; w->told++) {
    uint64_t any = w->g->dup_stays > 0;
    const int rc = pc_max_u64(w->g->ctx, &any, 1); /* made on every rank, failed or not */
    if (!w->rc) w->rc = rc;
    if (any) w->dropped = 1;
  }
}

static void write_kept(void *arg, const pc_cstay *c, size_t k, size_t sorted) {
  sort_writer *w = arg;
  sort_agree(w, sorted);
  if (!w->dropped && !w->g->dup_stays) pc_ingest_write_rows(w->g, w->o, c, k, 0);
}

/* The stays sorted. When no input is over its reject ratio so far (the
 * dataset will then be written: duplicates do not count against it), the
 * dataset is opened first and /stays written during the sort; a duplicate
 * stay on any rank moves the rows after it in the file, so then the file so
 * far is dropped, to be written after the sort. *open: the dataset is open. */
static int sort_stays(ingest_run *R, double max_ratio, pc_ingest_out *o, int *open) {
  pc_ingest *g = R->g;
  pc_ctx *ctx = g->ctx;
  int within = 0;
  *open = 0;
  PC_CALL(pc_ingest_rejects_within(g, max_ratio, &within));
  if (within) {
    PC_CALL(pc_ingest_write_open(g, R->path, 0, g->stays.n, o));
    *open = 1;
  }
  sort_writer w = {.g = g, .o = o, .n = g->stays.n};
  int rc = pc_ingest_stays_sort(g, *open ? write_kept : NULL, &w);
  if (*open) sort_agree(&w, w.n); /* the agreements a failed sort did not make */
  rc = pc_agree(ctx, rc ? rc : w.rc);
  uint64_t dups = g->dup_stays;
  if (!rc && *open) rc = pc_sum_u64(ctx, &dups, 1);
  if (*open && (rc || dups)) {
    pc_ingest_write_drop(o);
    *open = 0;
    if (!rc)
      pc_log(ctx, "ingest: %llu duplicate %s: /stays is written after the sort",
             (unsigned long long)dups, pc_plural(dups, "stay", "stays"));
  }
  return rc;
}

/* The plan: the key; scan the inputs and check the budget; regions, persons,
 * stays and visitors (each a phase of reads and shuffles); sort (writing
 * /stays as it goes, sort_stays); settle the rejects and log them per file;
 * write the dataset, or only the rejects when a file's share of rejects is
 * too high. */
static int run(pc_ctx *ctx, ingest_run *R) {
  pc_ingest *g = R->g;
  const double max_ratio = pc_config_float(R->cfg, "max_reject_ratio"); /* in [0, 1]: checked */
  PC_CALL(PC_PHASE(ctx, PH_SETUP, pc_job_key(ctx, pc_config_str(R->cfg, "key"), 1, &g->key), 0, 0));
  PC_CALL(PC_PHASE(ctx, PH_SCAN, scan(R), R->lines, R->bytes));
  PC_CALL(check_size(ctx, R));
  PC_CALL(PC_PHASE(ctx, PH_REGIONS, pc_ingest_regions_load(g), g->in[0].f.nlines, 0));
  pc_log(ctx, "ingest: %zu regions", g->nregions);
  PC_CALL(PC_PHASE(ctx, PH_PERSONS, pc_ingest_persons_load(g), persons_lines(g), 0));
  PC_CALL(PC_PHASE(ctx, PH_STAYS, pc_ingest_stays_load(g), g->stays.n, 0));
  PC_CALL(PC_PHASE(ctx, PH_VISITORS, pc_ingest_visitors_add(g, &R->nvis), R->nvis, 0));
  PC_CALL(pc_sum_u64(ctx, &R->nvis, 1));
  pc_ingest_out o;
  int open = 0;
  PC_CALL(PC_PHASE(ctx, PH_SORT, sort_stays(R, max_ratio, &o, &open), g->stays.n,
                   open ? o.made * sizeof(pc_stay) : 0));
  const uint64_t early = open ? o.made : 0; /* rows of /stays written during the sort */
  int rc = PC_PHASE(ctx, PH_REJECTS, settle_rejects(g), g->rejects.n, 0);
  char failing[1024] = "";
  if (!rc) pc_ingest_rejects_log(g, max_ratio, failing, sizeof failing);
  if (open && (rc || failing[0])) pc_ingest_write_drop(&o);
  PC_CALL(rc);
  if (failing[0]) return write_rejects_only(ctx, R, failing);
  PC_CALL(PC_PHASE(ctx, PH_WRITE,
                   open ? pc_ingest_write_close(g, &o, R->nvis)
                        : pc_ingest_write(g, R->path, 0, R->nvis),
                   g->persons.n + g->stays.n, (g->stays.n - early) * sizeof(pc_stay)));
  PC_CALL(pc_remove_rejects_sidecar(ctx, R->path, "this ingest succeeded"));
  return log_written(ctx, R);
}

/* Checks of meaning at load: the reject ratio is a share, the files fit. */
static int check_ingest(const pc_config *cfg, pc_config_problems *p) {
  const double max_ratio = pc_config_float(cfg, "max_reject_ratio");
  if (max_ratio < 0 || max_ratio > 1)
    pc_config_problem(p, cfg, "max_reject_ratio", "must be between 0 and 1");
  pc_ingest_files_fit(cfg, p);
  return 0;
}

static int run_ingest(pc_ctx *ctx, const pc_config *cfg) {
  ingest_run R = {.cfg = cfg, .path = pc_config_str(cfg, "data")};
  int rc = pc_ingest_new(ctx, cfg, &R.g);
  if (!rc) {
    pc_phases_declare(ctx, ingest_phases, PH_N);
    pc_job_record_for(ctx, R.path);
    rc = run(ctx, &R);
  }
  pc_ingest_delete(R.g);
  return rc;
}

const pc_jobdef pc_job_ingest = {
    .name = "ingest",
    .summary = "agencies' CSV files into a validated, pseudonymised dataset file",
    .description =
        "Reads regions.csv, one or more persons.csv and one or more stays.csv (each rank its\n"
        "byte range of every file), checks every row (field count, ID number and check\n"
        "character, birth date and sex against the ID number, phone, region codes, channel,\n"
        "times inside [as_of - days, as_of], carriage and row; one row per person: a later one\n"
        "that agrees is a duplicate, one with another birth date, sex or region a conflict;\n"
        "identical stays), replaces ID numbers and phones by pids (keyed SipHash), and\n"
        "writes the dataset exactly as synth lays it out:\n"
        "/regions, /persons and /identities (sorted by pid), /stays (sorted by pid, start)\n"
        "with /stay_buckets (its rows counted by index bucket: index reads them once),\n"
        "/places, and /rejects: every row not taken, with its file, line, reason and raw\n"
        "text. An unregistered phone or ID number becomes a visitor (flag 1). A file whose\n"
        "rejects exceed max_reject_ratio fails the run: the rejects then go to\n"
        "<data>.rejects.h5 and the dataset is not written. Logs carry counts only.",
    .keys = ingest_keys,
    .run = run_ingest,
    .check = check_ingest};
