/* main.c - `paicha JOB --config FILE.yaml`: one binary, one job per subcommand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pc_job.h"

#ifndef PC_VERSION
#define PC_VERSION "0.1.0"
#endif

static const pc_jobdef *const jobs[] = {&pc_job_synth, &pc_job_ingest, &pc_job_index,
                                        &pc_job_trace, &pc_job_screen, &pc_job_breakdown,
                                        &pc_job_dispatch, &pc_job_report, &pc_job_purge, &pc_job_plan,
                                        &pc_job_sources, &pc_job_itinerary, &pc_job_ledger, &pc_job_bounds, NULL};

static void usage(FILE *f) {
  fprintf(f,
          "paicha %s - screening a province for contacts, companions and risk-area visitors\n\n"
          "usage: paicha JOB --config FILE.yaml [--quiet] [--debug]\n"
          "       paicha JOB --check --config FILE.yaml   check the config, its paths and inputs\n"
          "       paicha JOB --help        the keys JOB's config accepts\n"
          "       paicha --version\n\n"
          "Run under MPI: mpirun -n N build/paicha JOB --config FILE.yaml, or srun --mpi=pmix.\n\n"
          "jobs:\n",
          PC_VERSION);
  for (int i = 0; jobs[i]; i++) fprintf(f, "  %-10s %s\n", jobs[i]->name, jobs[i]->summary);
  fprintf(f, "\nTimes are local (UTC+8) as YYYY-MM-DDTHH:MM; durations as 15m, 2h, 14d.\n"
             "--quiet: errors and warnings only; --debug: messages name their C source lines.\n"
             "Exit status: 0 success, 1 failure, 2 bad usage or config.\n");
}

static void job_help(const pc_jobdef *j) {
  /* `paicha JOB --help | grep -q KEY` stops reading at the first match: the
   * rest of the text is not wanted, and not a failure of the command. */
  signal(SIGPIPE, SIG_IGN);
  printf("usage: paicha %s --config FILE.yaml [--quiet] [--debug]\n"
         "       paicha %s --check --config FILE.yaml   check only (no MPI needed), exit 2 on "
         "problems\n\n%s\n\n%s\n\nconfig keys (relative paths: to the config file's "
         "directory):\n", j->name, j->name, j->summary, j->description);
  pc_config_help(stdout, pc_job_keys(j), 1);
}

/* The job's arguments into *config, *quiet, *check (--debug is set here):
 * -1 to go on, else the exit status (0 after --help, 2 on a usage error). */
static int job_args(const pc_jobdef *job, int argc, char **argv, const char **config, int *quiet,
                    int *check) {
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      job_help(job);
      return 0;
    } else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
      *config = argv[++i];
    } else if (!strncmp(argv[i], "--config=", 9)) {
      *config = argv[i] + 9;
    } else if (!strcmp(argv[i], "--quiet")) {
      *quiet = 1;
    } else if (!strcmp(argv[i], "--check")) {
      *check = 1;
    } else if (!strcmp(argv[i], "--debug")) {
      pc_err_set_debug(1); /* messages name their C source lines */
    } else {
      fprintf(stderr, "paicha %s: unexpected argument '%s' (try paicha %s --help)\n", job->name,
              argv[i], job->name);
      return 2;
    }
  }
  if (!*config) {
    fprintf(stderr, "paicha %s: --config FILE.yaml is required (try paicha %s --help)\n",
            job->name, job->name);
    return 2;
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("paicha %s\n", PC_VERSION);
    return 0;
  }
  pc_job_register(jobs);
  const pc_jobdef *job = NULL;
  for (int i = 0; jobs[i]; i++)
    if (!strcmp(argv[1], jobs[i]->name)) job = jobs[i];
  if (!job) {
    fprintf(stderr, "paicha: unknown job '%s' (try paicha --help)\n", argv[1]);
    return 2;
  }
  const char *config = NULL;
  int quiet = 0, check = 0;
  const int st = job_args(job, argc, argv, &config, &quiet, &check);
  if (st >= 0) return st;
  if (check) return pc_job_check(job, config);
  if (pc_mpi_init(&argc, &argv) != 0) {
    fprintf(stderr, "paicha %s: %s\n", job->name, pc_err_message());
    return 1;
  }
  int status = pc_job_run(job, config, quiet);
  pc_mpi_finalize();
  return status;
}
