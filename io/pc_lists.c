/* pc_lists.c - dispatch's list files: CSV and HDF5 per jurisdiction, in a directory replaced whole. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_err.h"
#include "pc_h5.h"
#include "pc_lists.h"
#include "pc_textout.h"
#include "pc_time.h"

int pc_lists_open(const char *in_path, const char *data_path, hid_t *in, hid_t *data) {
  *in = *data = -1;
  if (access(in_path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", in_path, strerror(errno));
  if (access(data_path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", data_path, strerror(errno));
  *in = H5Fopen(in_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  *data = H5Fopen(data_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*in >= 0 && *data >= 0) return 0;
  int rc = PC_ERROR(PC_ERR_IO, "%s: not an HDF5 file", *in < 0 ? in_path : data_path);
  pc_lists_close(*in, *data);
  *in = *data = -1;
  return rc;
}

void pc_lists_close(hid_t in, hid_t data) {
  if (in >= 0) H5Fclose(in);
  if (data >= 0) H5Fclose(data);
}

int pc_lists_is_flagged_output(hid_t in) {
  return H5Lexists(in, "contacts", H5P_DEFAULT) > 0 || H5Lexists(in, "screened", H5P_DEFAULT) > 0;
}

int pc_lists_tmpdir(const char *dir, char *tmpdir, size_t size) {
  char sfx[128], pdir[4200];
  snprintf(pdir, sizeof pdir, "%s", dir);
  PC_CALL(pc_dir_check(dirname(pdir), dir));
  PC_CALL(pc_unpredictable_suffix(sfx, sizeof sfx));
  snprintf(tmpdir, size, "%s.tmp.%s", dir, sfx);
  mode_t um = umask(0);
  umask(um);
  const mode_t dmode = (0666 & ~um) | 0100 | ((0666 & ~um & 040) ? 010 : 0);
  if (mkdir(tmpdir, 0700) != 0 || chmod(tmpdir, dmode) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", tmpdir, strerror(errno));
  return 0;
}

static const char *region_name(const pc_region *r, size_t n, uint64_t code) {
  const pc_region *x = pc_region_find(r, n, code);
  return x ? x->name : "";
}

static size_t put_field(char *p, const char *s, size_t max) {
  size_t len = strnlen(s, max);
  return pc_csv_quote(s, len, p);
}

/* The CSV list: one line per person, the callers' columns. */
static int write_csv(const char *path, const pc_list_row *it, size_t n, const pc_region *reg,
                     size_t nreg) {
  int fd = pc_create_excl(path, O_WRONLY, 0666);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    if (fd >= 0) close(fd);
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
  }
  fputs("\xEF\xBB\xBF" "township,township_name,community,community_name,subject,subject_type,phone,class,code,"
        "exposure,place,residence,jurisdiction\n", f);
  char line[1024];
  for (size_t i = 0; i < n; i++) {
    const pc_list_row *x = &it[i];
    char t[24];
    size_t k = (size_t)snprintf(line, sizeof line, "%llu,", (unsigned long long)x->township);
    k += put_field(line + k, region_name(reg, nreg, x->township), PC_REGION_NAME_LEN);
    k += (size_t)snprintf(line + k, sizeof line - k, ",%llu,", (unsigned long long)x->community);
    k += put_field(line + k, region_name(reg, nreg, x->community), PC_REGION_NAME_LEN);
    k += (size_t)snprintf(line + k, sizeof line - k, ",%.20s,%.12s,%.11s,%s,%.8s,%s,", x->subject,
                          x->subject_type, x->phone, x->cls, x->code, pc_time_format(x->exposure, t));
    k += put_field(line + k, x->place, sizeof x->place);
    k += (size_t)snprintf(line + k, sizeof line - k, ",%llu,%llu\n",
                          (unsigned long long)x->residence, (unsigned long long)x->jurisdiction);
    fwrite(line, 1, k, f);
  }
  if (fclose(f) != 0) return PC_ERROR(PC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  return 0;
}

/* The HDF5 list: /list and where it came from. */
static int write_h5(const char *path, const pc_list_row *it, size_t n, const char *source) {
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

int pc_lists_write(const char *dir, const char *name, const pc_list_row *it, size_t n,
                   const pc_region *reg, size_t nreg, const char *source) {
  char path[4600];
  snprintf(path, sizeof path, "%s/%s.csv", dir, name);
  PC_CALL(write_csv(path, it, n, reg, nreg));
  snprintf(path, sizeof path, "%s/%s.h5", dir, name);
  return write_h5(path, it, n, source);
}

/* The directory is opened with O_NOFOLLOW and its entries removed with
 * unlinkat, so a link at `d` (or in it) loses only the link itself. */
void pc_lists_remove_dir(const char *d) {
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

int pc_lists_replace_dir(const char *tmp, const char *dir) {
  char old[4300], sfx[128];
  PC_CALL(pc_unpredictable_suffix(sfx, sizeof sfx));
  snprintf(old, sizeof old, "%s.old.%s", dir, sfx);
  struct stat st;
  int had = lstat(dir, &st) == 0;
  if (had && rename(dir, old) != 0) {
    pc_lists_remove_dir(tmp);
    return PC_ERROR(PC_ERR_IO, "cannot move the previous %s aside: %s", dir, strerror(errno));
  }
  if (rename(tmp, dir) != 0) {
    int e = errno;
    if (had) rename(old, dir);
    pc_lists_remove_dir(tmp);
    return PC_ERROR(PC_ERR_IO, "cannot rename %s to %s: %s", tmp, dir, strerror(e));
  }
  if (had) pc_lists_remove_dir(old);
  return 0;
}
