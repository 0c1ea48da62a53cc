/* job_dispatch.c - `paicha dispatch`: one list per jurisdiction from a trace or screen output, for the callers. */
#include <dirent.h>
#include <libgen.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_flagged.h"
#include "pc_schema.h"
#include "pc_h5.h"
#include "pc_job.h"
#include "pc_textout.h"
#include "pc_time.h"
#include "pc_sort.h"

/* The lists are small (the flagged persons, not the province): rank 0 reads
 * the output, joins the phones from the dataset's /identities (a merge in
 * pid order, in chunks), sorts, and writes the files; the other ranks wait. */

static const char *const levels[] = {"city", "county", NULL};
static const pc_key dispatch_keys[] = {
    {.name = "input", .type = PC_T_PATH, .required = 1, .help = "a trace or screen output (HDF5)"},
    {.name = "data", .type = PC_T_PATH, .required = 1,
     .help = "the dataset it was made from (phones, region names)"},
    {.name = "output", .type = PC_T_PATH, .required = 1,
     .help = "directory for the lists (created mode 0700)"},
    {.name = "level", .type = PC_T_STR, .def = "city",
     .help = "one list per city or per county (the input's dispatch level or coarser)",
     .choices = levels},
    PC_KEYS_COMMON,
    {0}};

typedef pc_list_row item; /* one person of a list (io/pc_schema.h) */

static int item_pid_cmp(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  return (a->pid > b->pid) - (a->pid < b->pid);
}
/* The callers' order: jurisdiction, township, community, exposure, subject. */
static int item_list_cmp(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  if (a->jurisdiction != b->jurisdiction) return a->jurisdiction < b->jurisdiction ? -1 : 1;
  if (a->township != b->township) return a->township < b->township ? -1 : 1;
  if (a->community != b->community) return a->community < b->community ? -1 : 1;
  if (a->exposure != b->exposure) return a->exposure < b->exposure ? -1 : 1;
  return memcmp(a->subject, b->subject, sizeof a->subject);
}

/* Phones from /identities, merged in pid order (items sorted by pid), in chunks. */
static int join_phones(hid_t data, const char *path, item *it, size_t n) {
  pc_table d;
  PC_CALL(pc_table_open(data, NULL, &pc_schema_identities, &d));
  const uint64_t N = d.nrows;
  const size_t C = 1 << 20;
  pc_identity *buf = pc_malloc(C * sizeof *buf, "identities");
  int rc = buf ? 0 : PC_ERR_MEM;
  size_t j = 0;
  for (uint64_t at = 0; at < N && j < n && !rc; at += C) {
    size_t m = (size_t)(N - at < C ? N - at : C);
    if ((rc = pc_table_read(&d, at, m, buf))) break;
    for (size_t i = 0; i < m && j < n; i++) {
      while (j < n && it[j].pid < buf[i].pid) j++;
      while (j < n && it[j].pid == buf[i].pid) memcpy(it[j++].phone, buf[i].phone, 11);
    }
  }
  (void)path;
  free(buf);
  pc_table_close(&d);
  return rc;
}

static const char *region_name(const pc_region *r, size_t n, uint64_t code) {
  const pc_region *x = pc_region_find(r, n, code);
  return x ? x->name : "";
}

static size_t put_field(char *p, const char *s, size_t max) {
  size_t len = strnlen(s, max);
  return pc_csv_quote(s, len, p);
}

/* One jurisdiction's list: <dir>/<name>.csv (UTF-8 with BOM) and <name>.h5,
 * created exclusively in the set's fresh temporary directory (the whole set
 * is renamed when complete). Local (rank 0). */
static int write_list(const char *dir, const char *name, const item *it, size_t n,
                      const pc_region *reg, size_t nreg, const char *source) {
  char path[4600];
  snprintf(path, sizeof path, "%s/%s.csv", dir, name);
  int fd = pc_create_excl(path, O_WRONLY, 0666);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    if (fd >= 0) close(fd);
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
  }
  fputs("\xEF\xBB\xBF" "township,township_name,community,community_name,subject,phone,class,code,"
        "exposure,place,residence,jurisdiction\n", f);
  char line[1024];
  for (size_t i = 0; i < n; i++) {
    const item *x = &it[i];
    char t[24];
    size_t k = (size_t)snprintf(line, sizeof line, "%llu,", (unsigned long long)x->township);
    k += put_field(line + k, region_name(reg, nreg, x->township), PC_REGION_NAME_LEN);
    k += (size_t)snprintf(line + k, sizeof line - k, ",%llu,", (unsigned long long)x->community);
    k += put_field(line + k, region_name(reg, nreg, x->community), PC_REGION_NAME_LEN);
    k += (size_t)snprintf(line + k, sizeof line - k, ",%.18s,%.11s,%s,%.8s,%s,", x->subject,
                          x->phone, x->cls, x->code, pc_time_format(x->exposure, t));
    k += put_field(line + k, x->place, sizeof x->place);
    k += (size_t)snprintf(line + k, sizeof line - k, ",%llu,%llu\n",
                          (unsigned long long)x->residence, (unsigned long long)x->jurisdiction);
    fwrite(line, 1, k, f);
  }
  if (fclose(f) != 0) return PC_ERROR(PC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  snprintf(path, sizeof path, "%s/%s.h5", dir, name);
  hid_t h = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  if (h < 0) return PC_ERROR(PC_ERR_IO, "cannot create %s", path);
  hsize_t dims[1] = {n};
  hid_t sp = H5Screate_simple(1, dims, NULL), t = pc_schema_type(&pc_schema_list);
  hid_t d = H5Dcreate2(h, "list", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int bad = d < 0 || (n && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, it) < 0);
  if (!bad) {
    bad |= pc_h5_attr_str(d, "description",
                          "RESTRICTED: the people this jurisdiction must reach, sorted by "
                          "township, community (of residence), exposure; exposure int64 seconds "
                          "since the epoch (UTC)") != 0;
    bad |= pc_h5_attr_str(h, "source", source) != 0;
  }
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  if (H5Fclose(h) < 0) bad = 1;
  return bad ? PC_ERROR(PC_ERR_IO, "cannot write %s", path) : 0;
}

/* Remove a directory of plain files (the lists) without crossing a link:
 * the directory is opened with O_NOFOLLOW and its entries removed with
 * unlinkat, so a link at `d` (or in it) loses only the link itself. */
static void remove_dir(const char *d) {
  char pb[4400], bb[4400];
  snprintf(pb, sizeof pb, "%s", d);
  snprintf(bb, sizeof bb, "%s", d);
  const char *parent = dirname(pb), *base = basename(bb);
  int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0) return;
  int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *h = fd >= 0 ? fdopendir(fd) : NULL;
  if (h) {
    struct dirent *e;
    while ((e = readdir(h)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlinkat(fd, e->d_name, 0);
    closedir(h);
    unlinkat(pfd, base, AT_REMOVEDIR);
  } else {
    if (fd >= 0) close(fd);
    unlinkat(pfd, base, 0); /* a link or a file: the name goes, nothing it points to */
  }
  close(pfd);
}

/* tmp becomes dir; a previous dir (or a link there) is moved aside first,
 * under an unpredictable name, and removed after. */
static int replace_dir(const char *tmp, const char *dir) {
  char old[4300], sfx[128];
  PC_CALL(pc_unpredictable_suffix(sfx, sizeof sfx));
  snprintf(old, sizeof old, "%s.old.%s", dir, sfx);
  struct stat st;
  int had = lstat(dir, &st) == 0;
  if (had && rename(dir, old) != 0) {
    remove_dir(tmp);
    return PC_ERROR(PC_ERR_IO, "cannot move the previous %s aside: %s", dir, strerror(errno));
  }
  if (rename(tmp, dir) != 0) {
    int e = errno;
    if (had) rename(old, dir);
    remove_dir(tmp);
    return PC_ERROR(PC_ERR_IO, "cannot rename %s to %s: %s", tmp, dir, strerror(e));
  }
  if (had) remove_dir(old);
  return 0;
}

static int build_lists(pc_ctx *ctx, const pc_config *cfg) {
  const char *in_path = pc_config_str(cfg, "input"), *data_path = pc_config_str(cfg, "data"),
             *dir = pc_config_str(cfg, "output");
  const int level = pc_level_of(pc_config_str(cfg, "level"));
  hid_t in = -1, data = -1;
  pc_flag_row *r[3] = {NULL, NULL, NULL};
  size_t nr[3] = {0, 0, 0};
  item *it = NULL;
  pc_region *reg = NULL;
  int rc = 0;
  if (access(in_path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", in_path, strerror(errno));
  if (access(data_path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", data_path, strerror(errno));
  in = H5Fopen(in_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  data = H5Fopen(data_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (in < 0 || data < 0) {
    rc = PC_ERROR(PC_ERR_IO, "%s: not an HDF5 file", in < 0 ? in_path : data_path);
    goto out;
  }
  if ((rc = pc_flagged_check_data(in, in_path, data, data_path))) goto out;
  static const char *const tables[3] = {"contacts", "companions", "screened"};
  for (int k = 0; k < 3 && !rc; k++) rc = pc_flagged_read(in, tables[k], in_path, &r[k], &nr[k]);
  if (!rc && !nr[0] && !nr[1] && !nr[2] && H5Lexists(in, "contacts", H5P_DEFAULT) <= 0 &&
      H5Lexists(in, "screened", H5P_DEFAULT) <= 0)
    rc = PC_ERROR(PC_ERR_DATA, "%s: neither /contacts nor /screened: not a trace or screen output",
                  in_path);
  if (rc) goto out;
  it = pc_calloc(nr[0] + nr[1] + nr[2] + 1, sizeof *it, "lists");
  if (!it) {
    rc = PC_ERR_MEM;
    goto out;
  }
  size_t n = 0;
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < nr[k]; i++) {
      const pc_flag_row *x = &r[k][i];
      if (k == 2 && n && it[n - 1].pid == x->pid) { /* one person in several areas: one row */
        size_t l = strnlen(it[n - 1].place, sizeof it[n - 1].place);
        snprintf(it[n - 1].place + l, sizeof it[n - 1].place - l, ";%.32s", x->area);
        continue;
      }
      item *y = &it[n++];
      y->pid = x->pid;
      y->exposure = x->exposure;
      y->residence = x->residence;
      y->township = pc_region_cut(x->residence, PC_LEVEL_TOWNSHIP);
      y->community = x->residence;
      memcpy(y->subject, x->subject, sizeof y->subject);
      memcpy(y->code, x->code, sizeof y->code);
      if (k == 0) snprintf(y->cls, sizeof y->cls, "hop%u", x->hop);
      else snprintf(y->cls, sizeof y->cls, "%s", k == 1 ? "companion" : "screened");
      if (k == 2) snprintf(y->place, sizeof y->place, "%.32s", x->area);
      else snprintf(y->place, sizeof y->place, "%.40s", x->place);
      /* Lists per county need the input's jurisdiction at county level or finer. */
      if (x->jurisdiction && level == PC_LEVEL_COUNTY &&
          pc_region_cut(x->jurisdiction, PC_LEVEL_COUNTY) == pc_region_cut(x->jurisdiction, PC_LEVEL_CITY)) {
        rc = PC_ERROR(PC_ERR_CONFIG,
                      "%s assigned people to cities: lists per county need the trace or screen "
                      "run with dispatch: {level: county}", in_path);
        goto out;
      }
      y->jurisdiction = pc_region_cut(x->jurisdiction, level);
    }
  pc_qsort(it, n, sizeof *it, item_pid_cmp);
  if ((rc = join_phones(data, data_path, it, n))) goto out;
  uint64_t nreg = 0;
  void *rv = NULL;
  rc = pc_table_read_all(data, NULL, &pc_schema_regions, &rv, &nreg);
  reg = rv;
  if (rc) goto out;
  pc_qsort(it, n, sizeof *it, item_list_cmp);
  /* The whole set at once: written into <dir>.tmp.<host>.<pid>.<random>,
   * created here (mkdir never reuses what is there), which replaces <dir>
   * only when every list is written (a reader never sees half a set, a
   * failure leaves the previous lists as they were). */
  char tmpdir[4200], sfx[128], pdir[4200];
  snprintf(pdir, sizeof pdir, "%s", dir);
  if ((rc = pc_dir_check(dirname(pdir), dir))) goto out;
  if ((rc = pc_unpredictable_suffix(sfx, sizeof sfx))) goto out;
  snprintf(tmpdir, sizeof tmpdir, "%s.tmp.%s", dir, sfx);
  /* The files' mode (umask from output_mode) plus search permission where
   * read is given: 0600 files in a 0700 directory, 0640 in 0750. */
  mode_t um = umask(0);
  umask(um);
  const mode_t dmode = (0666 & ~um) | 0100 | ((0666 & ~um & 040) ? 010 : 0);
  if (mkdir(tmpdir, 0700) != 0 || chmod(tmpdir, dmode) != 0) {
    rc = PC_ERROR(PC_ERR_IO, "cannot create %s: %s", tmpdir, strerror(errno));
    goto out;
  }
  size_t lists = 0;
  for (size_t i = 0; i < n && !rc;) {
    size_t j = i;
    while (j < n && it[j].jurisdiction == it[i].jurisdiction) j++;
    char name[128];
    if (it[i].jurisdiction) /* "4301-长沙市": the code's digits at the level, and the name */
      snprintf(name, sizeof name, "%llu-%s", (unsigned long long)pc_region_short(it[i].jurisdiction, level),
               region_name(reg, nreg, it[i].jurisdiction));
    else
      snprintf(name, sizeof name, "unassigned");
    for (char *p = name; *p; p++)
      if (*p == '/' || *p == ' ') *p = '_';
    rc = write_list(tmpdir, name, it + i, j - i, reg, nreg, in_path);
    if (!rc) pc_log(ctx, "dispatch: %s: %zu persons", name, j - i);
    lists++;
    i = j;
  }
  if (!rc) rc = replace_dir(tmpdir, dir);
  else remove_dir(tmpdir);
  if (!rc) pc_log(ctx, "dispatch: %zu persons in %zu lists under %s", n, lists, dir);
out:
  for (int k = 0; k < 3; k++) free(r[k]);
  free(it);
  free(reg);
  if (in >= 0) H5Fclose(in);
  if (data >= 0) H5Fclose(data);
  return rc;
}

static int run_dispatch(pc_ctx *ctx, const pc_config *cfg) {
  PC_CALL(pc_phase_begin(ctx, "lists"));
  int rc = pc_rank(ctx) == 0 ? build_lists(ctx, cfg) : 0;
  PC_CALL(pc_agree(ctx, rc));
  pc_phase_end(ctx, 0, 0);
  return 0;
}

const pc_jobdef pc_job_dispatch = {
    "dispatch", "one list per city or county from a trace or screen output",
    "Reads /contacts and /companions (trace) or /screened (screen) and writes, under\n"
    "`output`, one list per jurisdiction at `level` (its code and name: 4301-长沙市.csv and\n"
    ".h5) plus unassigned.csv/.h5: only that jurisdiction's people, each once, with their\n"
    "ID number (or phone), phone, class, code, exposure and place (or areas), sorted for a\n"
    "caller by township, community (of residence) and exposure. CSV files are UTF-8 with a\n"
    "BOM (spreadsheets open them right). Files are owner-only: they hold clear identities.",
    dispatch_keys, run_dispatch, NULL};
