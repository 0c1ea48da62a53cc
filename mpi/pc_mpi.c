/* pc_mpi.c - the context, agreement, phases and timing, the small collectives (mpi/ is the only MPI caller). */
#include "pc_mpi_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>

#include <json-c/json.h>

int pc_mpi_fail(int mpirc, const char *file, int line, const char *expr) {
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(mpirc, msg, &len) != MPI_SUCCESS) snprintf(msg, sizeof msg, "code %d", mpirc);
  return pc_err_raise(PC_ERR_MPI, file, line, "MPI failed: %s: %s", expr, msg);
}

/* SIGTERM (Slurm at the time limit, scancel; mpirun passing it on) and
 * SIGINT only raise a flag: the ranks see it at their next agreement, fail
 * there together with a message naming the phase, and the output's
 * temporary file is removed on the way out, as for any failure. */
static volatile sig_atomic_t signal_seen;
static void on_signal(int sig) { signal_seen = sig; }

int pc_ctx_create(const char *job, pc_ctx **out) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  pc_ctx *c = pc_calloc(1, sizeof *c, "job context");
  if (!c) return PC_ERR_MEM;
  PC_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &c->comm));
  /* Without this, a failing MPI call aborts the job before PC_MPI can name it. */
  PC_MPI(MPI_Comm_set_errhandler(c->comm, MPI_ERRORS_RETURN));
  PC_MPI(MPI_Comm_rank(c->comm, &c->rank));
  PC_MPI(MPI_Comm_size(c->comm, &c->nranks));
  c->job = job;
  c->t0 = MPI_Wtime();
  c->round_bytes = (size_t)64 << 20;
  const char *fr = getenv("PAICHA_FAIL_RANK"), *fp = getenv("PAICHA_FAIL_PHASE");
  c->fail_rank = fr ? atoi(fr) : -1;
  c->fail_phase = fp;
  const char *fw = getenv("PAICHA_FAILURE_WAIT");
  c->failure_wait = fw && atof(fw) > 0 ? atof(fw) : 60.0;
  c->last_progress = c->t0;
  *out = c;
  return 0;
}

int pc_rank(const pc_ctx *ctx) { return ctx->rank; }
int pc_nranks(const pc_ctx *ctx) { return ctx->nranks; }
const char *pc_ctx_job(const pc_ctx *ctx) { return ctx->job; }
size_t pc_ctx_round_bytes(const pc_ctx *ctx) { return ctx->round_bytes; }
void pc_ctx_set_round_bytes(pc_ctx *ctx, size_t bytes) { ctx->round_bytes = bytes; }
void pc_ctx_set_quiet(pc_ctx *ctx, int quiet) { ctx->quiet = quiet; }
uint64_t pc_ctx_bytes_moved(const pc_ctx *ctx) { return ctx->bytes_moved; }

void pc_ctx_set_record(pc_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->record, sizeof ctx->record, fmt, ap);
  va_end(ap);
}
const char *pc_ctx_record(const pc_ctx *ctx) { return ctx->record[0] ? ctx->record : NULL; }

const char *pc_ctx_record_extra(const pc_ctx *ctx) { return ctx->record_extra; }

void pc_ctx_destroy(pc_ctx **ctx) {
  if (!ctx || !*ctx) return;
  MPI_Comm_free(&(*ctx)->comm);
  free((*ctx)->shuffle_win);
  free((*ctx)->record_extra);
  free(*ctx);
  *ctx = NULL;
}

void pc_ctx_on_stuck(pc_ctx *ctx, void (*fn)(pc_ctx *)) { ctx->on_stuck = fn; }

/* This rank failed and the others did not come to the agreement: say why
 * (the job's one error line), remove what the run was writing, stop them. */
static void give_up(pc_ctx *ctx) {
  const char *m = pc_err_message();
  char who[32] = "";
  if (strncmp(m, "rank ", 5) != 0) snprintf(who, sizeof who, "rank %d: ", ctx->rank);
  fprintf(stderr,
          "paicha %s: error: %s%s; the other ranks did not come to agree on it within %.0f s "
          "(left waiting inside a collective call of the HDF5 library by this failure, or "
          "still busy): the job is stopped, no output written\n",
          ctx->job, who, m, ctx->failure_wait);
  fflush(stderr);
  if (ctx->on_stuck) ctx->on_stuck(ctx);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

/* The agreement's reduction. A rank bringing a failure waits for the others
 * at most failure_wait seconds (PAICHA_FAILURE_WAIT, default 60): MPI-IO
 * reports a failed write only on the ranks whose part failed, so after a
 * collective write inside HDF5 fails on one rank (a full disk) the others
 * may be waiting in the library's next collective call, never here. Then
 * this rank stops the job itself (give_up) rather than hang until the
 * time limit. Non-blocking on every rank: a non-blocking collective does
 * not match a blocking one. */
static void agree_min(pc_ctx *ctx, int *mine, int *first, int failed) {
  MPI_Request rq;
  if (MPI_Iallreduce(mine, first, 1, MPI_INT, MPI_MIN, ctx->comm, &rq) != MPI_SUCCESS)
    MPI_Abort(MPI_COMM_WORLD, 3);
  if (!failed) {
    if (MPI_Wait(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 3);
    return;
  }
  const double until = MPI_Wtime() + ctx->failure_wait;
  for (int done = 0;;) {
    if (MPI_Test(&rq, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 3);
    if (done) return;
    if (MPI_Wtime() > until) give_up(ctx);
    usleep(1000);
  }
}

int pc_agree(pc_ctx *ctx, int local_rc) {
  if (!local_rc && signal_seen) {
    const char *ph = ctx->depth ? ctx->phases[ctx->open[ctx->depth - 1]].name : "start";
    local_rc = PC_ERROR(PC_ERR_SIGNAL,
                        "stopped by %s in phase '%s' (a Slurm time limit, scancel or Ctrl-C): "
                        "no output written",
                        signal_seen == SIGTERM ? "SIGTERM" : "SIGINT", ph);
  }
  int mine = local_rc ? ctx->rank : ctx->nranks, first = ctx->nranks;
  /* If the agreement itself fails, ranks can no longer agree: abort. */
  agree_min(ctx, &mine, &first, local_rc != 0);
  if (first == ctx->nranks) return 0;
  struct {
    int code;
    char msg[2000];
  } m;
  memset(&m, 0, sizeof m);
  if (ctx->rank == first) {
    m.code = local_rc;
    snprintf(m.msg, sizeof m.msg, "%s", pc_err_message());
  }
  if (MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, ctx->comm) != MPI_SUCCESS)
    MPI_Abort(MPI_COMM_WORLD, 3);
  /* A message agreed on before already names its rank: keep it as it is. */
  if (strncmp(m.msg, "rank ", 5) != 0) {
    char tmp[2100];
    snprintf(tmp, sizeof tmp, "rank %d: %s", first, m.msg);
    snprintf(m.msg, sizeof m.msg, "%.1990s", tmp);
  }
  pc_err_clear();
  pc_err_raise(m.code, "", 0, "%s", m.msg);
  return m.code ? m.code : PC_ERR_MPI;
}

static void log_line(pc_ctx *ctx, const char *kind, const char *fmt, va_list ap) {
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  fprintf(stderr, "[%s %7.1fs] %s%s\n", ctx->job, MPI_Wtime() - ctx->t0, kind, buf);
  fflush(stderr);
}

void pc_log(pc_ctx *ctx, const char *fmt, ...) {
  if (ctx->rank != 0 || ctx->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  log_line(ctx, "", fmt, ap);
  va_end(ap);
}

void pc_warn(pc_ctx *ctx, const char *fmt, ...) {
  if (ctx->rank != 0) return;
  va_list ap;
  va_start(ap, fmt);
  log_line(ctx, "warning: ", fmt, ap);
  va_end(ap);
}

static const char *cur_phase(pc_ctx *ctx) {
  return ctx->depth ? ctx->phases[ctx->open[ctx->depth - 1]].name : "-";
}

static void human(double v, char *buf, size_t n) {
  if (v >= 1e9)
    snprintf(buf, n, "%.2fG", v / 1e9);
  else if (v >= 1e6)
    snprintf(buf, n, "%.2fM", v / 1e6);
  else if (v >= 1e3)
    snprintf(buf, n, "%.1fk", v / 1e3);
  else
    snprintf(buf, n, "%.0f", v);
}

void pc_progress(pc_ctx *ctx, uint64_t done, uint64_t total) {
  if (ctx->rank != 0 || ctx->quiet) return;
  double now = MPI_Wtime();
  if (now - ctx->last_progress < 2.0 && done < total) return;
  if (done >= total && now - ctx->last_progress < 2.0) return; /* short phase: no line */
  ctx->last_progress = now;
  double t = ctx->depth ? now - (ctx->phases[ctx->open[ctx->depth - 1]].seconds) : 0;
  double rate = t > 0 ? done / t : 0;
  double eta = rate > 0 && total > done ? (total - done) / rate : 0;
  char d[16], tt[16], r[16];
  human((double)done, d, sizeof d);
  human((double)total, tt, sizeof tt);
  human(rate, r, sizeof r);
  pc_log(ctx, "%s: %s/%s rows on rank 0 (%.0f%%), %s rows/s, ETA %.0f s", cur_phase(ctx), d, tt,
         total ? 100.0 * done / total : 100.0, r, eta);
}

int pc_signalled(void) { return signal_seen; }

void pc_test_hold(pc_ctx *ctx, const char *point) {
  const char *stall = getenv("PAICHA_STALL_PHASE");
  if (!stall || strcmp(stall, point)) return;
  const char *only = getenv("PAICHA_STALL_RANK"); /* that rank alone holds */
  if (only && *only && atoi(only) != ctx->rank) return;
  if (ctx->rank == (only && *only ? atoi(only) : 0))
    fprintf(stderr, "[%s] test hook: holding phase '%s'\n", ctx->job, point);
  const char *secs = getenv("PAICHA_STALL_SECONDS");
  const char *until = getenv("PAICHA_STALL_UNTIL"); /* released early when this file exists */
  const int tenths = secs && atof(secs) > 0 ? (int)(atof(secs) * 10) : 600;
  for (int i = 0; i < tenths && !signal_seen; i++) {
    if (until && *until && access(until, F_OK) == 0) break;
    usleep(100000);
  }
}

int pc_phase_begin(pc_ctx *ctx, const char *name) {
  if (ctx->nphases >= PC_MAX_PHASES || ctx->depth >= 8)
    return PC_ERROR(PC_ERR_ARG, "too many phases (internal)");
  pc_phase *p = &ctx->phases[ctx->nphases];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  p->depth = ctx->depth;
  /* While open, seconds holds the start time; pc_phase_end turns it into a duration. */
  p->seconds = MPI_Wtime();
  ctx->open[ctx->depth++] = ctx->nphases++;
  ctx->last_progress = p->seconds;
  int rc = 0;
  if (ctx->fail_phase && ctx->rank == ctx->fail_rank && strcmp(ctx->fail_phase, name) == 0)
    rc = PC_ERROR(PC_ERR_INJECT, "failure injected in phase '%s' (PAICHA_FAIL_PHASE)", name);
  pc_test_hold(ctx, name);
  /* A phase boundary is a point of agreement: every rank enters, or none does. */
  return pc_agree(ctx, rc);
}

void pc_phase_end(pc_ctx *ctx, uint64_t rows, uint64_t bytes) {
  if (ctx->depth == 0) return;
  pc_phase *p = &ctx->phases[ctx->open[--ctx->depth]];
  p->seconds = MPI_Wtime() - p->seconds;
  p->rows += rows;
  p->bytes += bytes;
}

const char *const pc_bound_names[PC_BOUND_N] = {"", "read", "memory", "network", "write"};

void pc_phase_bound(pc_ctx *ctx, pc_bound kind) {
  if (ctx->depth > 0 && kind >= 0 && kind < PC_BOUND_N)
    ctx->phases[ctx->open[ctx->depth - 1]].bound = (int)kind;
}

void pc_ctx_set_bounds(pc_ctx *ctx, const double *mb_s) {
  for (int k = 0; k < PC_BOUND_N; k++) ctx->bounds[k] = mb_s[k] > 0 ? mb_s[k] : 0;
}

/* The share of the machine's speed a phase reached: its bytes per second per
 * rank (bytes over all ranks / ranks / its slowest rank's time) over the
 * speed of its kind; negative when there is nothing to compare. */
static double bound_share(const pc_ctx *ctx, int kind, double bytes, double seconds) {
  if (kind <= PC_BOUND_NONE || kind >= PC_BOUND_N || ctx->bounds[kind] <= 0 || bytes <= 0 ||
      seconds <= 0)
    return -1;
  return bytes / ctx->nranks / seconds / (ctx->bounds[kind] * 1e6);
}

void pc_phases_declare(pc_ctx *ctx, const char *const *names, int n) {
  ctx->phase_names = names;
  ctx->phase_count = n;
}

int pc_phase_enter(pc_ctx *ctx, int id) {
  int known = ctx->phase_names && id >= 0 && id < ctx->phase_count && ctx->phase_names[id];
  /* Open it even when unknown, so the leave that follows closes this phase, not its parent. */
  int rc = pc_phase_begin(ctx, known ? ctx->phase_names[id] : "(undeclared)");
  if (!rc && !known)
    rc = pc_agree(ctx, PC_ERROR(PC_ERR_ARG, "phase %d is not in the job's phase table (internal)", id));
  return rc;
}

int pc_phase_keep(pc_ctx *ctx, int rc) {
  ctx->phase_rc = rc;
  return rc;
}

int pc_phase_leave(pc_ctx *ctx, uint64_t rows, uint64_t bytes) {
  if (ctx->depth == 0) return pc_agree(ctx, ctx->phase_rc);
  pc_phase *p = &ctx->phases[ctx->open[ctx->depth - 1]];
  p->seconds = MPI_Wtime() - p->seconds;
  p->rows += rows;
  p->bytes += bytes;
  int rc = pc_agree(ctx, ctx->phase_rc); /* the phase still open: messages name it */
  ctx->depth--;
  return rc;
}

uint64_t pc_peak_rss(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)ru.ru_maxrss * 1024;
}

/* A number printed with `digits` decimals, as the record has always shown it. */
static json_object *fixed(double v, int digits) {
  char t[64];
  snprintf(t, sizeof t, "%.*f", digits, v);
  return json_object_new_double_s(v, t);
}

/* A ratio to `digits` significant digits: a tiny file's write reaches a ten-thousandth of the
 * disk's speed, which fixed decimals would round to a share of nothing. */
static json_object *significant(double v, int digits) {
  char t[64];
  snprintf(t, sizeof t, "%.*g", digits, v);
  return json_object_new_double_s(v, t);
}

/* The job's members (`"k": v, ...`) as an object; NULL when they are not JSON. */
static json_object *record_object(pc_ctx *ctx, const char *extra) {
  (void)ctx;
  size_t n = extra ? strlen(extra) : 0;
  char *t = malloc(n + 3);
  if (!t) return NULL;
  t[0] = '{';
  memcpy(t + 1, extra ? extra : "", n);
  t[n + 1] = '}';
  t[n + 2] = 0;
  json_object *o = json_tokener_parse(t);
  free(t);
  if (o && !json_object_is_type(o, json_type_object)) {
    json_object_put(o);
    o = NULL;
  }
  return o;
}

/* Rank 0: the record under an unpredictable name created exclusively beside
 * path (never through a link planted there), then renamed over it. */
static int record_write(const char *path, const char *text) {
  char tmp[4300];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp)
    return PC_ERROR(PC_ERR_ARG, "run record path too long: %.64s...", path);
  int fd = mkostemp(tmp, O_CLOEXEC);
  char why[4400];
  if (fd < 0)
    return PC_ERROR(PC_ERR_IO, "cannot create run record %s: %s", path,
                    pc_err_create_why(path, errno, why, sizeof why));
  /* mkostemp creates 0600: give the record the mode of the outputs (umask). */
  mode_t um = umask(0);
  umask(um);
  int bad = fchmod(fd, 0666 & ~um) != 0;
  size_t n = strlen(text), at = 0;
  while (!bad && at <= n) {
    const char *p = at < n ? text + at : "\n";
    size_t k = at < n ? n - at : 1;
    ssize_t w = write(fd, p, k);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) bad = 1;
    else at += (size_t)w;
  }
  int err = errno;
  if (close(fd) != 0) bad = 1, err = errno;
  if (bad || rename(tmp, path) != 0) {
    if (!bad) err = errno;
    unlink(tmp);
    return PC_ERROR(PC_ERR_IO, "cannot write run record %s: %s", path,
                    err == ENOSPC || err == EDQUOT ? pc_err_create_why(path, err, why, sizeof why)
                                                   : strerror(err));
  }
  return 0;
}

int pc_record_add(pc_ctx *ctx, const char *key, const char *json_value) {
  json_object *k = json_object_new_string(key);
  if (!k) return PC_ERROR(PC_ERR_MEM, "out of memory for the run record");
  const char *ks = json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  size_t old = ctx->record_extra ? strlen(ctx->record_extra) : 0;
  size_t need = old + strlen(ks) + strlen(json_value) + 8;
  char *p = pc_realloc(ctx->record_extra, need, "run record");
  if (!p) {
    json_object_put(k);
    return PC_ERR_MEM;
  }
  if (!old) p[0] = 0;
  snprintf(p + old, need - old, "%s%s: %s", old ? ", " : "", ks, json_value);
  ctx->record_extra = p;
  json_object_put(k);
  return 0;
}

int pc_phase_report(pc_ctx *ctx, FILE *f, const char *path, const char *extra) {
  int np = ctx->nphases;
  /* Ranks run the same code, so they hold the same phases in the same order. */
  struct {
    double v;
    int r;
  } *loc = pc_calloc((size_t)np + 2, sizeof *loc, "phase report"), *mn = NULL, *mx = NULL;
  double *sum = pc_calloc((size_t)np + 2, sizeof *sum, "phase report");
  uint64_t *rows = pc_calloc((size_t)np * 2 + 2, sizeof *rows, "phase report");
  mn = pc_calloc((size_t)np + 2, sizeof *mn, "phase report");
  mx = pc_calloc((size_t)np + 2, sizeof *mx, "phase report");
  int rc = 0;
  if (!loc || !sum || !rows || !mn || !mx) {
    rc = PC_ERR_MEM;
    goto done;
  }
  double wall = MPI_Wtime() - ctx->t0;
  for (int i = 0; i < np; i++) {
    loc[i].v = ctx->phases[i].seconds;
    loc[i].r = ctx->rank;
    rows[2 * i] = ctx->phases[i].rows;
    rows[2 * i + 1] = ctx->phases[i].bytes;
  }
  loc[np].v = wall;
  loc[np].r = ctx->rank;
  loc[np + 1].v = (double)pc_peak_rss();
  loc[np + 1].r = ctx->rank;
  rows[2 * np] = ctx->bytes_moved;
  rows[2 * np + 1] = ctx->shuffle_rounds;
  for (int i = 0; i < np + 2; i++) sum[i] = loc[i].v;
  if (MPI_Allreduce(loc, mn, np + 2, MPI_DOUBLE_INT, MPI_MINLOC, ctx->comm) != MPI_SUCCESS ||
      MPI_Allreduce(loc, mx, np + 2, MPI_DOUBLE_INT, MPI_MAXLOC, ctx->comm) != MPI_SUCCESS ||
      MPI_Allreduce(MPI_IN_PLACE, sum, np + 2, MPI_DOUBLE, MPI_SUM, ctx->comm) != MPI_SUCCESS ||
      MPI_Allreduce(MPI_IN_PLACE, rows, 2 * np + 2, MPI_UINT64_T, MPI_SUM, ctx->comm) !=
          MPI_SUCCESS) {
    rc = PC_ERROR(PC_ERR_MPI, "phase report reduction failed");
    goto done;
  }
  if (ctx->rank == 0 && f && !ctx->quiet) {
    fprintf(f, "\n%-28s %14s %14s %9s %6s %10s %10s %10s %s\n", "phase (" "seconds)", "min@rank",
            "max@rank", "mean", "imbal", "rows", "rows/s", "bytes", "  bound");
    for (int i = 0; i < np; i++) {
      char nm[64], a[24], b[24], r1[16], r2[16], r3[16];
      snprintf(nm, sizeof nm, "%*s%s", 2 * ctx->phases[i].depth, "", ctx->phases[i].name);
      snprintf(a, sizeof a, "%.3f@%d", mn[i].v, mn[i].r);
      snprintf(b, sizeof b, "%.3f@%d", mx[i].v, mx[i].r);
      double mean = sum[i] / ctx->nranks;
      human((double)rows[2 * i], r1, sizeof r1);
      human(mx[i].v > 0 ? rows[2 * i] / mx[i].v : 0, r2, sizeof r2);
      human((double)rows[2 * i + 1], r3, sizeof r3);
      char bd[32] = "";
      double share = bound_share(ctx, ctx->phases[i].bound, (double)rows[2 * i + 1], mx[i].v);
      if (share >= 0) snprintf(bd, sizeof bd, "  %.0f%% %s", 100 * share, pc_bound_names[ctx->phases[i].bound]);
      fprintf(f, "%-28s %14s %14s %9.3f %6.2f %10s %10s %10s%s\n", nm, a, b, mean,
              mean > 0 ? mx[i].v / mean : 1.0, r1, r2, r3, bd);
    }
    char mv[16];
    human((double)rows[2 * np], mv, sizeof mv);
    fprintf(f, "%-28s %14s %14s  ranks %d, shuffled %sB, peak RSS max %.0f MB@%d\n", "total wall",
            "", "", ctx->nranks, mv, mx[np + 1].v / 1048576.0, mx[np + 1].r);
    fprintf(f, "%-28s %.3f s\n", "wall (max over ranks)", mx[np].v);
    fflush(f);
  }
  if (ctx->rank == 0 && path) {
    json_object *ph = json_object_new_array();
    for (int i = 0; ph && i < np; i++) {
      double mean = sum[i] / ctx->nranks;
      json_object *p = json_object_new_object();
      if (!p || json_object_array_add(ph, p)) {
        json_object_put(p);
        json_object_put(ph);
        ph = NULL;
        break;
      }
      json_object_object_add(p, "name", json_object_new_string(ctx->phases[i].name));
      json_object_object_add(p, "depth", json_object_new_int(ctx->phases[i].depth));
      json_object_object_add(p, "min", fixed(mn[i].v, 6));
      json_object_object_add(p, "min_rank", json_object_new_int(mn[i].r));
      json_object_object_add(p, "max", fixed(mx[i].v, 6));
      json_object_object_add(p, "max_rank", json_object_new_int(mx[i].r));
      json_object_object_add(p, "mean", fixed(mean, 6));
      json_object_object_add(p, "imbalance", fixed(mean > 0 ? mx[i].v / mean : 1.0, 4));
      json_object_object_add(p, "rows", json_object_new_uint64(rows[2 * i]));
      json_object_object_add(p, "bytes", json_object_new_uint64(rows[2 * i + 1]));
      if (ctx->phases[i].bound > PC_BOUND_NONE) {
        double share = bound_share(ctx, ctx->phases[i].bound, (double)rows[2 * i + 1], mx[i].v);
        json_object_object_add(p, "bound", json_object_new_string(pc_bound_names[ctx->phases[i].bound]));
        if (share >= 0) json_object_object_add(p, "bound_share", significant(share, 4));
      }
    }
    json_object *r = record_object(ctx, extra);
    if (!r || !ph) {
      json_object_put(r);
      json_object_put(ph);
      rc = PC_ERROR(PC_ERR_DATA, "run record %s: the job's members are not JSON (internal)", path);
      goto done;
    }
    /* The job's members after the figures of every run, as before. */
    json_object *rec = json_object_new_object();
    json_object_object_add(rec, "job", json_object_new_string(ctx->job));
    json_object_object_add(rec, "ranks", json_object_new_int(ctx->nranks));
    json_object_object_add(rec, "wall_seconds", fixed(mx[np].v, 6));
    json_object_object_add(rec, "peak_rss_bytes_max", fixed(mx[np + 1].v, 0));
    json_object_object_add(rec, "peak_rss_rank", json_object_new_int(mx[np + 1].r));
    json_object_object_add(rec, "peak_rss_bytes_mean", fixed(sum[np + 1] / ctx->nranks, 0));
    json_object_object_add(rec, "bytes_shuffled", json_object_new_uint64(rows[2 * np]));
    json_object_object_add(rec, "shuffle_rounds",
                           json_object_new_uint64(rows[2 * np + 1] / (uint64_t)ctx->nranks));
    const char *jid = getenv("SLURM_JOB_ID"), *nl = getenv("SLURM_JOB_NODELIST");
    if (jid) { /* the batch job that ran it: ids and node names, never user data */
      json_object_object_add(rec, "slurm_job_id", json_object_new_string_len(jid, (int)strnlen(jid, 32)));
      json_object_object_add(rec, "slurm_nodelist",
                             json_object_new_string_len(nl ? nl : "", nl ? (int)strnlen(nl, 200) : 0));
    }
    json_object_object_foreach(r, k, v) json_object_object_add(rec, k, json_object_get(v));
    json_object_put(r);
    json_object_object_add(rec, "phases", ph);
    const char *text = json_object_to_json_string_ext(
        rec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    rc = record_write(path, text);
    json_object_put(rec);
  }
done:
  free(loc);
  free(sum);
  free(rows);
  free(mn);
  free(mx);
  return rc;
}

int pc_sum_u64(pc_ctx *ctx, uint64_t *v, int n) {
  PC_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_SUM, ctx->comm));
  return 0;
}
int pc_max_u64(pc_ctx *ctx, uint64_t *v, int n) {
  PC_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_MAX, ctx->comm));
  return 0;
}
int pc_alltoall_speed(pc_ctx *ctx, const void *send, void *recv, size_t bytes, int reps,
                      double *mb_s) {
  *mb_s = 0;
  if (ctx->nranks < 2) return 0;
  size_t block = bytes / (size_t)ctx->nranks;
  if (block > INT_MAX) block = INT_MAX;
  double best = 0;
  for (int i = 0; i <= reps; i++) {
    PC_MPI(MPI_Barrier(ctx->comm));
    double t = MPI_Wtime();
    PC_MPI(MPI_Alltoall(send, (int)block, MPI_BYTE, recv, (int)block, MPI_BYTE, ctx->comm));
    t = MPI_Wtime() - t;
    PC_MPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, ctx->comm));
    if (i > 0 && (best == 0 || t < best)) best = t; /* the first one is the warm-up */
  }
  if (best > 0) *mb_s = (double)block * (ctx->nranks - 1) / best / 1e6;
  return 0;
}

int pc_min_u64(pc_ctx *ctx, uint64_t *v, int n) {
  PC_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_MIN, ctx->comm));
  return 0;
}
int pc_exscan_u64(pc_ctx *ctx, uint64_t v, uint64_t *before) {
  uint64_t r = 0;
  PC_MPI(MPI_Exscan(&v, &r, 1, MPI_UINT64_T, MPI_SUM, ctx->comm));
  *before = ctx->rank == 0 ? 0 : r; /* Exscan leaves rank 0's result undefined */
  return 0;
}

int pc_reduce_u64_to0(pc_ctx *ctx, uint64_t *v, size_t n) {
  const size_t piece = (size_t)1 << 27;
  for (size_t off = 0; off < n; off += piece) {
    int cnt = (int)(n - off < piece ? n - off : piece);
    if (ctx->rank == 0)
      PC_MPI(MPI_Reduce(MPI_IN_PLACE, v + off, cnt, MPI_UINT64_T, MPI_SUM, 0, ctx->comm));
    else
      PC_MPI(MPI_Reduce(v + off, NULL, cnt, MPI_UINT64_T, MPI_SUM, 0, ctx->comm));
  }
  return 0;
}

int pc_bcast_bytes(pc_ctx *ctx, char **buf, size_t *len) {
  uint64_t n = ctx->rank == 0 ? (uint64_t)*len : 0;
  PC_MPI(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, ctx->comm));
  if (n > (uint64_t)1 << 30) return PC_ERROR(PC_ERR_ARG, "broadcast of %llu bytes refused", (unsigned long long)n);
  if (ctx->rank != 0) {
    *buf = pc_malloc((size_t)n + 1, "broadcast buffer");
    if (!*buf) return PC_ERR_MEM;
    (*buf)[n] = 0;
    *len = (size_t)n;
  }
  PC_MPI(MPI_Bcast(*buf, (int)n, MPI_BYTE, 0, ctx->comm));
  return 0;
}

int pc_send_to0(pc_ctx *ctx, int from, const void *buf, size_t len, char **got, size_t *got_len) {
  enum { TAG = 7117 };
  const size_t piece = (size_t)1 << 20;
  if (ctx->rank == from) {
    uint64_t n = len;
    PC_MPI(MPI_Send(&n, 1, MPI_UINT64_T, 0, TAG, ctx->comm));
    for (size_t at = 0; at < len; at += piece)
      PC_MPI(MPI_Send((const char *)buf + at, (int)(len - at < piece ? len - at : piece), MPI_BYTE, 0,
                      TAG, ctx->comm));
    ctx->bytes_moved += len;
    return 0;
  }
  if (ctx->rank != 0) return PC_ERROR(PC_ERR_ARG, "pc_send_to0 called on rank %d", ctx->rank);
  static char drop[1 << 20]; /* pieces taken when *got could not be had */
  uint64_t n = 0;
  *got = NULL;
  *got_len = 0;
  PC_MPI(MPI_Recv(&n, 1, MPI_UINT64_T, from, TAG, ctx->comm, MPI_STATUS_IGNORE));
  char *b = n ? pc_malloc((size_t)n, "bytes from a rank") : NULL;
  for (uint64_t at = 0; at < n; at += piece)
    PC_MPI(MPI_Recv(b ? b + at : drop, (int)(n - at < piece ? n - at : piece), MPI_BYTE, from, TAG,
                    ctx->comm, MPI_STATUS_IGNORE));
  *got = b;
  *got_len = (size_t)n; /* also when dropped: the caller knows a message came */
  return n && !b ? PC_ERR_MEM : 0;
}

int pc_bcast_mem(pc_ctx *ctx, void *p, size_t bytes) {
  if (bytes > (size_t)1 << 30) return PC_ERROR(PC_ERR_ARG, "broadcast of %zu bytes refused", bytes);
  PC_MPI(MPI_Bcast(p, (int)bytes, MPI_BYTE, 0, ctx->comm));
  return 0;
}
int pc_bcast_int(pc_ctx *ctx, int *v, int n) {
  PC_MPI(MPI_Bcast(v, n, MPI_INT, 0, ctx->comm));
  return 0;
}
int pc_bcast_i64(pc_ctx *ctx, int64_t *v, int n) {
  PC_MPI(MPI_Bcast(v, n, MPI_INT64_T, 0, ctx->comm));
  return 0;
}
int pc_allgather_u64(pc_ctx *ctx, const uint64_t *v, size_t n, uint64_t **all, size_t *total) {
  const int P = ctx->nranks;
  *all = NULL, *total = 0;
  int *cnt = calloc((size_t)P, sizeof *cnt), *at = calloc((size_t)P, sizeof *at);
  int mine = n < INT_MAX ? (int)n : -1, rc = pc_agree(ctx, cnt && at ? 0 : PC_ERR_MEM);
  if (!rc && MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, ctx->comm) != MPI_SUCCESS)
    rc = PC_ERROR(PC_ERR_MPI, "MPI_Allgather failed");
  uint64_t sum = 0;
  for (int q = 0; q < P && !rc; q++) {
    if (cnt[q] < 0 || sum + (uint64_t)cnt[q] >= INT_MAX)
      rc = PC_ERROR(PC_ERR_ARG, "too many values to gather: 2^31 or more");
    else at[q] = (int)sum, sum += (uint64_t)cnt[q];
  }
  if (!rc && !(*all = pc_malloc((size_t)(sum + 1) * sizeof **all, "gathered values")))
    rc = PC_ERR_MEM;
  rc = pc_agree(ctx, rc); /* every rank gathers, or none */
  if (!rc && MPI_Allgatherv(v, mine, MPI_UINT64_T, *all, cnt, at, MPI_UINT64_T, ctx->comm) !=
                 MPI_SUCCESS)
    rc = PC_ERROR(PC_ERR_MPI, "MPI_Allgatherv failed");
  free(cnt), free(at);
  if (rc) free(*all), *all = NULL;
  else *total = (size_t)sum;
  return rc;
}

int pc_bcast_u64(pc_ctx *ctx, uint64_t *v, int n) {
  PC_MPI(MPI_Bcast(v, n, MPI_UINT64_T, 0, ctx->comm));
  return 0;
}

/* No core file of a job (issue 22): its memory holds the key and a
 * province's identities. RLIMIT_CORE 0 stops core files; PR_SET_DUMPABLE 0
 * also stops a piped core_pattern (systemd-coredump) and other processes of
 * the account reading its memory. A non-dumpable rank cannot be read by its
 * neighbours' process_vm_readv (Open MPI's CMA single copy) unless they may
 * ptrace it (root may): other accounts' ranks copy through shared memory
 * instead (btl_vader_single_copy_mechanism none, unless they set one). */
static void no_core_dumps_before_init(void) {
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  if (geteuid() != 0) setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
}

int pc_mpi_init(int *argc, char ***argv) {
  no_core_dumps_before_init();
  /* Funneled: only this thread calls MPI; a writer thread (pc_rowstream)
   * may run beside it, making plain system calls. */
  int provided = MPI_THREAD_SINGLE;
  int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  /* MPI_Error_string is not promised to work before a successful init. */
  if (rc != MPI_SUCCESS)
    return PC_ERROR(PC_ERR_MPI, "MPI could not start (MPI_Init_thread returned %d)", rc);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return 0;
}

void pc_mpi_finalize(void) { MPI_Finalize(); }

double pc_wtime(void) { return MPI_Wtime(); }

void pc_buf_init(pc_buf *b, size_t rowsize) {
  b->data = NULL;
  b->n = b->cap = 0;
  b->rowsize = rowsize;
}

int pc_buf_reserve(pc_buf *b, size_t cap) {
  if (cap <= b->cap) return 0;
  void *p;
  if (b->n < b->cap / 2) {
    /* Most of the room unused (a round's buffer, emptied for the next):
     * realloc would copy all of it - unless glibc can remap the block,
     * which it cannot for one taken from the heap's free space (ingest's
     * rounds copied 80 MB of nothing so, a fifth of a rank's time for the
     * 200,000-person CSV) - so only the rows held are copied. */
    p = pc_malloc(cap * b->rowsize, "row buffer");
    if (p && b->n) memcpy(p, b->data, b->n * b->rowsize);
    if (p) free(b->data);
  } else {
    p = pc_realloc(b->data, cap * b->rowsize, "row buffer");
  }
  if (!p) return PC_ERR_MEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int pc_buf_grow(pc_buf *b, size_t more) {
  if (b->n + more <= b->cap) return 0;
  size_t want = b->cap + b->cap / 2 + 1024;
  return pc_buf_reserve(b, want > b->n + more ? want : b->n + more);
}

void pc_buf_free(pc_buf *b) {
  free(b->data);
  b->data = NULL;
  b->n = b->cap = 0;
}

int pc_buf_merge(pc_buf *a, const pc_buf *b, int (*cmp)(const void *, const void *)) {
  if (!b->n) return 0;
  /* In place, from the back: a grows by realloc (a large block by remapping,
   * not copying), so only the rows that move are copied and no second
   * buffer of a's size is faulted in. */
  PC_CALL(pc_buf_reserve(a, a->n + b->n));
  const size_t sz = a->rowsize;
  char *x = a->data;
  const char *y = b->data;
  size_t i = a->n, j = b->n, k = a->n + b->n;
  while (j > 0) {
    if (i > 0 && cmp(x + (i - 1) * sz, y + (j - 1) * sz) > 0) /* equal: b's row after a's */
      memcpy(x + --k * sz, x + --i * sz, sz);
    else
      memcpy(x + --k * sz, y + --j * sz, sz);
  }
  a->n += b->n;
  return 0;
}

int pc_node_ranks(pc_ctx *ctx, int *n) {
  if (ctx->node_ranks > 0) { /* a job's ranks do not move between nodes */
    *n = ctx->node_ranks;
    return 0;
  }
  MPI_Comm node;
  PC_MPI(MPI_Comm_split_type(ctx->comm, MPI_COMM_TYPE_SHARED, ctx->rank, MPI_INFO_NULL, &node));
  int rc = MPI_Comm_size(node, n);
  MPI_Comm_free(&node);
  if (rc == MPI_SUCCESS) ctx->node_ranks = *n;
  return rc == MPI_SUCCESS ? 0 : PC_ERROR(PC_ERR_MPI, "MPI_Comm_size of the node failed");
}
