/* pc_lists.c - dispatch's list files: CSV, XLSX and HDF5 per jurisdiction and a manifest, in a directory replaced whole. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pc_err.h"
#include "pc_h5.h"
#include "pc_lists.h"
#include "pc_textout.h"
#include "pc_time.h"
#include "pc_xlsx.h"

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
  const mode_t fmode = pc_lists_file_mode();
  const mode_t dmode = fmode | 0100 | ((fmode & 040) ? 010 : 0);
  if (mkdir(tmpdir, 0700) != 0 || chmod(tmpdir, dmode) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", tmpdir, strerror(errno));
  return 0;
}

mode_t pc_lists_file_mode(void) {
  mode_t um = umask(0);
  umask(um);
  return 0666 & ~um;
}

void pc_lists_batch(pc_list_batch *b, int64_t as_of, int64_t run_at, const char *source) {
  char t[24];
  b->as_of = as_of;
  b->run_at = run_at;
  b->source = source;
  snprintf(b->as_of_local, sizeof b->as_of_local, "%s (UTC+8)", pc_lists_local_time(as_of, t));
  pc_time_format(as_of, t); /* "2021-08-09T00:00": the stamp keeps its digits */
  snprintf(b->stamp, sizeof b->stamp, "%.4s%.2s%.2s-%.2s%.2s", t, t + 5, t + 8, t + 11, t + 14);
  struct tm tmv;
  time_t tt = (time_t)run_at;
  gmtime_r(&tt, &tmv);
  strftime(b->run_time, sizeof b->run_time, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

void pc_lists_stem(pc_list_info *l, const pc_list_batch *b) {
  if (l->jurisdiction)
    snprintf(l->stem, sizeof l->stem, "%llu-%s.%s", (unsigned long long)l->short_code, l->name,
             b->stamp);
  else
    snprintf(l->stem, sizeof l->stem, "unassigned.%s", b->stamp);
  for (char *p = l->stem; *p; p++)
    if (*p == '/' || *p == ' ' || *p == '\t') *p = '_';
}

char *pc_lists_local_time(int64_t t, char *buf) {
  pc_time_format(t, buf);
  buf[10] = ' ';
  return buf;
}

const pc_list_col pc_list_cols[] = {
    {"class", "类别", PC_LIST_PLAIN, 14},
    {"code", "赋码", PC_LIST_PLAIN, 7},
    {"subject", "证件号码", PC_LIST_TEXT, 21},
    {"subject_type", "证件类型", PC_LIST_PLAIN, 12},
    {"phone", "手机号", PC_LIST_TEXT, 13},
    {"age_band", "年龄段", PC_LIST_PLAIN, 8},
    {"exposure", "接触时间", PC_LIST_TIME, 17},
    {"place", "接触地点/区域", PC_LIST_PLAIN, 30},
    {"channel", "发现渠道", PC_LIST_PLAIN, 11},
    {"township", "居住乡镇代码", PC_LIST_TEXT, 14},
    {"township_name", "居住乡镇", PC_LIST_PLAIN, 14},
    {"community", "居住社区代码", PC_LIST_TEXT, 14},
    {"community_name", "居住社区", PC_LIST_PLAIN, 16},
    {"jurisdiction", "管辖地代码", PC_LIST_TEXT, 14},
    {"jurisdiction_name", "管辖地", PC_LIST_PLAIN, 12},
};
const size_t pc_list_ncols = sizeof pc_list_cols / sizeof pc_list_cols[0];

/* The Chinese a caller reads for the English values the HDF5 list keeps. */
static const char *const zh_labels[][2] = {
    {"red", "红码"}, {"yellow", "黄码"}, {"green", "绿码"},
    {"id_card", "居民身份证"}, {"passport", "护照"}, {"hk_macao", "港澳居民来往内地通行证"},
    {"taiwan", "台湾居民来往大陆通行证"}, {"foreign_pr", "外国人永久居留身份证"},
    {"other", "其他证件"}, {"phone", "手机号"},
    {"case", "病例本人"}, {"household", "同住"}, {"cafe", "场所扫码"}, {"lodging", "同住宿"},
    {"flight", "同航班"}, {"rail", "同车厢"}, {"lbs", "基站时空伴随"}, {"grid", "时空网格"},
    {"screening", "区域筛查"}, {"unknown", "未知"},
    {"confirmed", "确诊病例"}, {"asymptomatic", "无症状感染者"}, {"suspected", "疑似病例"},
    {"companion", "时空伴随者"}, {"screened", "风险区域到访者"}};

static const char *zh(const char *en) {
  for (size_t i = 0; i < sizeof zh_labels / sizeof zh_labels[0]; i++)
    if (!strcmp(en, zh_labels[i][0])) return zh_labels[i][1];
  return en;
}

/* hop0: the case (by status), hop1: close contact, hop2: secondary, hopN: Nth generation. */
static const char *class_zh(const pc_list_row *x, char *buf) {
  unsigned hop;
  if (sscanf(x->cls, "hop%u", &hop) != 1) return zh(x->cls);
  if (hop == 0) return x->root_status[0] && strcmp(zh(x->root_status), x->root_status)
                           ? zh(x->root_status) : "病例";
  if (hop <= 2) return hop == 1 ? "密切接触者" : "次密切接触者";
  snprintf(buf, 128, "第%u代接触者", hop);
  return buf;
}

static const char *code_text(uint64_t code, char *buf) {
  if (!code) return "";
  snprintf(buf, 128, "%llu", (unsigned long long)code);
  return buf;
}

static const char *str(const char *s, size_t size, char *buf) {
  snprintf(buf, 128, "%.*s", (int)strnlen(s, size), s);
  return buf;
}
#define STR(f) str(x->f, sizeof x->f, buf)

const char *pc_lists_cell(const pc_list_row *x, size_t col, char *buf) {
  switch (col) {
    case 0: return class_zh(x, buf);
    case 1: return zh(STR(code));
    case 2: return STR(subject);
    case 3: return zh(STR(subject_type));
    case 4: return STR(phone);
    case 5: return zh(STR(age_band));
    case 6: return pc_lists_local_time(x->exposure, buf);
    case 7: return STR(place);
    case 8: return zh(STR(channel));
    case 9: return code_text(x->township, buf);
    case 10: return STR(township_name);
    case 11: return code_text(x->community, buf);
    case 12: return STR(community_name);
    case 13: return code_text(x->jurisdiction, buf);
    default: return STR(jurisdiction_name);
  }
}

/* A CSV field of row x: identifiers quoted behind a TAB ("\t4301...") so a
 * spreadsheet keeps them as text, other fields quoted when they need it. */
static size_t put_cell(char *p, const pc_list_row *x, size_t col) {
  char buf[128];
  const char *s = pc_lists_cell(x, col, buf);
  if (pc_list_cols[col].kind == PC_LIST_TEXT && s[0]) return (size_t)sprintf(p, "\"\t%s\"", s);
  return pc_csv_quote(s, strlen(s), p);
}

static FILE *create_file(const char *path) {
  int fd = pc_create_excl(path, O_WRONLY, 0666);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f && fd >= 0) close(fd);
  if (!f) PC_ERROR(PC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
  return f;
}

/* The CSV list: the Chinese header, then one line per person. */
static int write_csv(const char *path, const pc_list_row *it, size_t n) {
  FILE *f = create_file(path);
  if (!f) return PC_ERR_IO;
  fputs("\xEF\xBB\xBF", f);
  for (size_t c = 0; c < pc_list_ncols; c++) fprintf(f, "%s%s", c ? "," : "", pc_list_cols[c].zh);
  fputc('\n', f);
  char line[2048];
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    for (size_t c = 0; c < pc_list_ncols; c++) {
      if (c) line[k++] = ',';
      k += put_cell(line + k, &it[i], c);
    }
    line[k++] = '\n';
    fwrite(line, 1, k, f);
  }
  if (fclose(f) != 0) return PC_ERROR(PC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  return 0;
}

/* A 1-d attribute of UTF-8 strings (the header rows). */
static int attr_strings(hid_t loc, const char *name, const char *const *v, size_t n) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hsize_t dims[1] = {n};
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  int bad = a < 0 || H5Awrite(a, t, v) < 0;
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return bad ? PC_ERROR(PC_ERR_IO, "cannot write attribute %s", name) : 0;
}

/* The list's attributes: what it is, its batch, the spreadsheets' header row. */
static int list_attrs(hid_t h, hid_t d, const pc_list_batch *b, const pc_list_info *l) {
  const char *en[32], *zh_[32];
  for (size_t c = 0; c < pc_list_ncols; c++) en[c] = pc_list_cols[c].en, zh_[c] = pc_list_cols[c].zh;
  PC_CALL(pc_h5_attr_str(d, "description",
                         "RESTRICTED: the people this jurisdiction must reach: red first, then "
                         "yellow, then the others; each by township, community (of residence), "
                         "exposure; exposure int64 seconds since the epoch (UTC)"));
  PC_CALL(attr_strings(d, "columns", en, pc_list_ncols));
  PC_CALL(attr_strings(d, "columns_zh", zh_, pc_list_ncols));
  PC_CALL(pc_h5_attr_str(h, "source", b->source));
  PC_CALL(pc_h5_attr_i64(h, "as_of", b->as_of));
  PC_CALL(pc_h5_attr_str(h, "as_of_local", b->as_of_local));
  PC_CALL(pc_h5_attr_str(h, "batch", b->stamp));
  PC_CALL(pc_h5_attr_str(h, "run_time", b->run_time));
  PC_CALL(pc_h5_attr_u64(h, "jurisdiction", l->jurisdiction));
  return pc_h5_attr_str(h, "jurisdiction_name", l->name);
}

/* The HDF5 list: /list, where it came from, its batch. */
static int write_h5(const char *path, const pc_list_batch *b, const pc_list_info *l,
                    const pc_list_row *it, size_t n) {
  hid_t h = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  if (h < 0) return PC_ERROR(PC_ERR_IO, "cannot create %s", path);
  hsize_t dims[1] = {n};
  hid_t sp = H5Screate_simple(1, dims, NULL), t = pc_schema_type(&pc_schema_list);
  hid_t d = H5Dcreate2(h, "list", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int bad = d < 0 || (n && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, it) < 0);
  if (!bad) bad = list_attrs(h, d, b, l) != 0;
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  if (H5Fclose(h) < 0) bad = 1;
  return bad ? PC_ERROR(PC_ERR_IO, "cannot write %s", path) : 0;
}

int pc_lists_write(const char *dir, const pc_list_batch *b, const pc_list_info *l,
                   const pc_list_row *it, size_t n) {
  char path[4600];
  snprintf(path, sizeof path, "%s/%s.csv", dir, l->stem);
  PC_CALL(write_csv(path, it, n));
  snprintf(path, sizeof path, "%s/%s.xlsx", dir, l->stem);
  PC_CALL(pc_xlsx_write_list(path, b, l, it, n));
  snprintf(path, sizeof path, "%s/%s.h5", dir, l->stem);
  return write_h5(path, b, l, it, n);
}

int pc_lists_manifest(const char *dir, const pc_list_info *l, size_t n) {
  char path[4600], name[2 * PC_REGION_NAME_LEN + 2], file[2 * sizeof l->stem + 16];
  snprintf(path, sizeof path, "%s/manifest.csv", dir);
  FILE *f = create_file(path);
  if (!f) return PC_ERR_IO;
  fputs("\xEF\xBB\xBF" "jurisdiction,name,count,red,yellow,file\n", f);
  for (size_t i = 0; i < n; i++) {
    char stem[sizeof l->stem + 8];
    snprintf(stem, sizeof stem, "%s.xlsx", l[i].stem);
    name[pc_csv_quote(l[i].name, strnlen(l[i].name, sizeof l[i].name), name)] = 0;
    file[pc_csv_quote(stem, strlen(stem), file)] = 0;
    if (l[i].jurisdiction) fprintf(f, "\"\t%llu\"", (unsigned long long)l[i].short_code);
    fprintf(f, ",%s,%zu,%zu,%zu,%s\n", name, l[i].count, l[i].red, l[i].yellow, file);
  }
  if (fclose(f) != 0) return PC_ERROR(PC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  return 0;
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

/* Without overwrite: tmp takes dir's name only where nothing is (renameat2
 * with RENAME_NOREPLACE: a directory made since the check is not replaced). */
static int put_new_dir(const char *tmp, const char *dir) {
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE) == 0) return 0;
  int e = errno;
  pc_lists_remove_dir(tmp);
  if (e == EEXIST)
    return PC_ERROR(PC_ERR_CONFIG, "%s exists: choose another output or set overwrite: true", dir);
  return PC_ERROR(PC_ERR_IO, "cannot rename %s to %s: %s", tmp, dir, strerror(e));
}

int pc_lists_replace_dir(const char *tmp, const char *dir, int overwrite) {
  if (!overwrite) return put_new_dir(tmp, dir);
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
