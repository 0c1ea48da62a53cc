/* pc_lists.c - dispatch's list files: CSV, XLSX and HDF5 per jurisdiction and a manifest, in a directory replaced whole. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_claim.h"
#include "pc_err.h"
#include "pc_h5.h"
#include "pc_lists.h"
#include "pc_publish.h"
#include "pc_textout.h"
#include "pc_xlsx.h"

int pc_lists_open(const char *in_path, const char *data_path, hid_t *in, hid_t *data) {
  *in = *data = -1;
  if (access(in_path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", in_path, strerror(errno));
  if (access(data_path, R_OK) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot read %s: %s", data_path, strerror(errno));
  /* Opened serially and remembered: their big tables are read from the file's bytes. */
  int rc = pc_h5_open_serial(in_path, in);
  if (!rc) rc = pc_h5_open_serial(data_path, data);
  if (!rc) return 0;
  pc_lists_close(*in, *data);
  *in = *data = -1;
  return rc;
}

void pc_lists_close(hid_t in, hid_t data) {
  if (in >= 0) H5Fclose(in);
  if (data >= 0) H5Fclose(data);
}

int pc_lists_as_of(hid_t in, const char *path, int64_t *as_of) {
  if (H5Aexists(in, "as_of") <= 0 || pc_h5_attr_read_i64(in, "as_of", as_of))
    return PC_ERROR(PC_ERR_DATA, "%s: no as_of attribute: not a trace or screen output", path);
  return 0;
}

int pc_lists_is_flagged_output(hid_t in) {
  return H5Lexists(in, "contacts", H5P_DEFAULT) > 0 || H5Lexists(in, "screened", H5P_DEFAULT) > 0;
}

int pc_lists_sweep(const char *dir) {
  if (!pc_claim_held(dir)) return 0; /* another run may be writing beside it */
  char pb[4200], bb[4200], tmp[4300], old[4300], path[8600];
  snprintf(pb, sizeof pb, "%s", dir);
  snprintf(bb, sizeof bb, "%s", dir);
  const char *parent = dirname(pb), *base = basename(bb);
  snprintf(tmp, sizeof tmp, "%s.tmp.", base);
  snprintf(old, sizeof old, "%s.old.", base);
  DIR *d = opendir(parent);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    if (!strncmp(e->d_name, tmp, strlen(tmp)) || !strncmp(e->d_name, old, strlen(old))) {
      snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
      pc_lists_remove_dir(path);
      n++;
    }
  if (d) closedir(d);
  return n;
}

/* The set's directories: the files' mode plus search where read is given
 * (0600 files in a 0700 directory, 0640 in 0750). */
static mode_t dir_mode(void) {
  const mode_t fmode = pc_listform_file_mode();
  return fmode | 0100 | ((fmode & 040) ? 010 : 0);
}

int pc_lists_tmpdir(const char *dir, char *tmpdir, size_t size) {
  char sfx[128], pdir[4200];
  snprintf(pdir, sizeof pdir, "%s", dir);
  PC_CALL(pc_dir_check(dirname(pdir), dir));
  PC_CALL(pc_unpredictable_suffix(sfx, sizeof sfx));
  snprintf(tmpdir, size, "%s.tmp.%s", dir, sfx);
  if (mkdir(tmpdir, 0700) != 0 || chmod(tmpdir, dir_mode()) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", tmpdir, strerror(errno));
  return 0;
}

int pc_lists_tmpdir_seen(const char *tmpdir) {
  struct stat st;
  if (stat(tmpdir, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) errno = ENOTDIR; /* another file of that name: not ours */
    else if (access(tmpdir, W_OK | X_OK) == 0) return 0;
  }
  return PC_ERROR(PC_ERR_IO,
                  "cannot write into %s, the lists' temporary directory rank 0 made: %s (the "
                  "output must be on a file system every rank sees, or run dispatch on one node)",
                  tmpdir, strerror(errno));
}

int pc_lists_subdir(const char *dir, const char *name) {
  char path[4600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if ((mkdir(path, 0700) != 0 && errno != EEXIST) || chmod(path, dir_mode()) != 0)
    return PC_ERROR(PC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
  return 0;
}

/* A CSV field of row x: identifiers quoted behind a TAB ("\t4301...") so a
 * spreadsheet keeps them as text, and so is text it would take for a
 * formula (a place named "=..."); other fields quoted when they need it.
 * At most 2 * 129 + 2 bytes. */
static size_t put_cell(char *p, const pc_list_row *x, size_t col) {
  char buf[128], t[130];
  const char *s = pc_listform_cell(x, col, buf);
  if (!s[0] || (pc_listform_cols[col].kind != PC_LIST_TEXT && !strchr("=+-@", s[0])))
    return pc_csv_quote(s, strlen(s), p);
  snprintf(t, sizeof t, "\t%s", s);
  size_t k = pc_csv_quote(t, strlen(t), p + 1);
  if (p[1] == '"') { /* quoted already (it holds a comma or a quote) */
    memmove(p, p + 1, k);
    return k;
  }
  p[0] = p[k + 1] = '"';
  return k + 2;
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
  for (size_t c = 0; c < pc_listform_ncols; c++)
    fprintf(f, "%s%s", c ? "," : "", pc_listform_cols[c].zh);
  fputc('\n', f);
  char line[4096]; /* 15 fields of at most 260 bytes */
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    for (size_t c = 0; c < pc_listform_ncols; c++) {
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

/* What a list is (on d, its table) and its batch (on h, the file). */
static int batch_attrs(hid_t h, hid_t d, const pc_list_batch *b, const char *what) {
  const char *en[PC_LISTFORM_NCOLS], *zh_[PC_LISTFORM_NCOLS];
  for (size_t c = 0; c < pc_listform_ncols; c++) {
    en[c] = pc_listform_cols[c].en;
    zh_[c] = pc_listform_cols[c].zh;
  }
  PC_CALL(pc_h5_attr_str(d, "description", what));
  PC_CALL(attr_strings(d, "columns", en, pc_listform_ncols));
  PC_CALL(attr_strings(d, "columns_zh", zh_, pc_listform_ncols));
  PC_CALL(pc_h5_attr_str(h, "source", b->source));
  PC_CALL(pc_h5_attr_i64(h, "as_of", b->as_of));
  PC_CALL(pc_h5_attr_str(h, "as_of_local", b->as_of_local));
  PC_CALL(pc_h5_attr_str(h, "batch", b->stamp));
  return pc_h5_attr_str(h, "run_time", b->run_time);
}

/* The list's attributes: what it is, its batch, the spreadsheets' header row. */
static int list_attrs(hid_t h, hid_t d, const pc_list_batch *b, const pc_list_info *l) {
  PC_CALL(batch_attrs(h, d, b,
                      "RESTRICTED: the people this jurisdiction must reach: red first, then "
                      "yellow, then the others; each by township, community (of residence), "
                      "exposure; exposure int64 seconds since the epoch (UTC)"));
  PC_CALL(pc_h5_attr_u64(h, "jurisdiction", l->jurisdiction));
  return pc_h5_attr_str(h, "jurisdiction_name", l->name);
}

/* The HDF5 list: /list, where it came from, its batch. */
static int write_h5(const char *path, const pc_list_batch *b, const pc_list_info *l,
                    const pc_list_row *it, size_t n) {
  hid_t h = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  if (h < 0) return PC_ERROR(PC_ERR_IO, "cannot create %s", path);
  int reserved = 0; /* its rows' room and its close's, taken before they are written */
  int rc = pc_h5_room(h, path, path, n * sizeof *it + 65536, &reserved);
  if (rc) {
    (void)pc_h5_close_local(h, path, 1, 0);
    return rc;
  }
  hsize_t dims[1] = {n};
  hid_t sp = H5Screate_simple(1, dims, NULL), t = pc_schema_type(&pc_schema_list);
  hid_t d = H5Dcreate2(h, "list", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int bad = d < 0 || (n && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, it) < 0);
  if (!bad) bad = list_attrs(h, d, b, l) != 0;
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  if (bad) {
    (void)pc_h5_close_local(h, path, 1, 1);
    return PC_ERROR(PC_ERR_IO, "cannot write %s", path);
  }
  return pc_h5_close_local(h, path, 0, 1);
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

int pc_lists_write_csv(const char *dir, const char *file, const pc_list_row *it, size_t n) {
  char path[4600];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  return write_csv(path, it, n);
}

int pc_lists_manifest(const char *dir, const pc_list_info *l, size_t n) {
  /* room for pc_csv_quote (2 * len + 2) and a NUL */
  char path[4600], name[2 * PC_REGION_NAME_LEN + 3], file[2 * (sizeof l->stem + 8) + 3];
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

/* ---- many lists in one HDF5 file ---- */

struct pc_listgroups {
  hid_t h, type; /* the file; the list's row type, committed once as /list_row */
  hid_t scalar;  /* the attributes' dataspace */
  int failed;    /* a write failed: the file is emptied before its close, */
  int ahead;     /* unless every write had its room taken ahead (pc_listgroups_room) */
  char path[4200];
};

void pc_listgroups_name(const pc_list_info *l, char *out, size_t size) {
  if (l->jurisdiction) snprintf(out, size, "%llu", (unsigned long long)l->short_code);
  else snprintf(out, size, "unassigned");
}

/* The file's newest format keeps 29,000 groups in an indexed link table
 * (not a symbol table searched per insert); the row type committed once
 * keeps each group's header small. */
static int groups_open(pc_listgroups *g) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  g->h = H5Fcreate(g->path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (g->h < 0) return PC_ERROR(PC_ERR_IO, "cannot create %s", g->path);
  g->type = H5Tcopy(pc_schema_type(&pc_schema_list));
  if (g->type < 0 || H5Tcommit2(g->h, "list_row", g->type, H5P_DEFAULT, H5P_DEFAULT,
                                H5P_DEFAULT) < 0)
    return PC_ERROR(PC_ERR_IO, "cannot write %s", g->path);
  return 0;
}

int pc_listgroups_create(const char *path, const pc_list_batch *b, const char *what,
                         pc_listgroups **out) {
  pc_listgroups *g = pc_calloc(1, sizeof *g, "lists");
  if (!(*out = g)) return PC_ERR_MEM;
  g->h = g->type = -1;
  g->scalar = H5Screate(H5S_SCALAR);
  snprintf(g->path, sizeof g->path, "%s", path);
  int rc = groups_open(g), reserved = 0;
  if (!rc) rc = pc_h5_room(g->h, g->path, g->path, 65536, &reserved); /* the root's attributes */
  g->ahead = !rc; /* its creation's room taken; each round's by pc_listgroups_room */
  if (!rc) rc = batch_attrs(g->h, g->h, b, what);
  if (rc) {
    g->failed = 1;
    pc_listgroups_close(g);
    *out = NULL;
  }
  return rc;
}

/* A new attribute of a new group (no earlier one to replace: pc_h5's
 * check would double the cost over 29,000 groups). */
static int new_attr(hid_t loc, const char *name, hid_t type, hid_t space, const void *v) {
  hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  int bad = a < 0 || H5Awrite(a, type, v) < 0;
  if (a >= 0) H5Aclose(a);
  return bad;
}

/* A group's attributes: its code (key), name, count, red, yellow. */
static int group_attrs(pc_listgroups *g, hid_t grp, const char *key, const pc_list_info *l) {
  hid_t u = H5T_NATIVE_UINT64, s = g->scalar;
  uint64_t v[4] = {l->jurisdiction, l->count, l->red, l->yellow};
  int bad = new_attr(grp, key, u, s, &v[0]) || new_attr(grp, "count", u, s, &v[1]) ||
            new_attr(grp, "red", u, s, &v[2]) || new_attr(grp, "yellow", u, s, &v[3]);
  size_t len = strnlen(l->name, sizeof l->name);
  if (!bad && len) {
    hid_t t = pc_h5_str_type(len);
    bad = t < 0 || new_attr(grp, "name", t, s, l->name);
    if (t >= 0) H5Tclose(t);
  }
  return bad;
}

/* A group's own bytes in the file, its rows apart (its header, its list's
 * dataset header, five attributes: ~660 B measured over 28,899 community
 * groups), with room to spare: the close's margin takes the rest. */
int pc_listgroups_room(pc_listgroups *g, size_t rows, size_t groups) {
  int reserved = 0;
  if (g->failed) return 0; /* the error was told */
  int rc = pc_h5_room(g->h, g->path, g->path, rows * sizeof(pc_list_row) + groups * 1024,
                      &reserved);
  if (rc) g->failed = 1;
  return rc;
}

int pc_listgroups_add(pc_listgroups *g, const char *key, const pc_list_info *l,
                      const pc_list_row *it, size_t n) {
  char name[32];
  pc_listgroups_name(l, name, sizeof name);
  hid_t grp = H5Gcreate2(g->h, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[1] = {n};
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t d = grp < 0 ? -1 : H5Dcreate2(grp, "list", g->type, sp, H5P_DEFAULT, H5P_DEFAULT,
                                      H5P_DEFAULT);
  int bad = d < 0 || (n && H5Dwrite(d, g->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, it) < 0);
  if (!bad) bad = group_attrs(g, grp, key, l);
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  if (grp >= 0) H5Gclose(grp);
  g->failed |= bad;
  return bad ? PC_ERROR(PC_ERR_IO, "cannot write %s:/%s", g->path, name) : 0;
}

int pc_listgroups_close(pc_listgroups *g) {
  if (!g) return 0;
  if (g->type >= 0) H5Tclose(g->type);
  if (g->scalar >= 0) H5Sclose(g->scalar);
  int rc = pc_h5_close_local(g->h, g->path, g->failed, g->ahead);
  free(g);
  return rc;
}

/* A text cell of a manifest: quoted behind a TAB (a code or id kept as text). */
static void put_text_code(FILE *f, uint64_t v) {
  fprintf(f, "\"\t%llu\"", (unsigned long long)v);
}

int pc_lists_manifest_groups(const char *dir, const char *name, const char *key, int with_names,
                             int with_csv, const char *h5, const pc_list_info *l, size_t n) {
  char path[4600], q[2 * sizeof l->file + 3], g[32];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = create_file(path);
  if (!f) return PC_ERR_IO;
  fprintf(f, "\xEF\xBB\xBF%s%s,count,red,yellow%s,h5,group\n", key, with_names ? ",name" : "",
          with_csv ? ",csv" : "");
  for (size_t i = 0; i < n; i++) {
    if (l[i].jurisdiction) put_text_code(f, l[i].short_code);
    if (with_names) {
      q[pc_csv_quote(l[i].name, strnlen(l[i].name, sizeof l[i].name), q)] = 0;
      fprintf(f, ",%s", q);
    }
    fprintf(f, ",%zu,%zu,%zu", l[i].count, l[i].red, l[i].yellow);
    if (with_csv) {
      q[pc_csv_quote(l[i].file, strnlen(l[i].file, sizeof l[i].file), q)] = 0;
      fprintf(f, ",%s", q);
    }
    pc_listgroups_name(&l[i], g, sizeof g);
    q[pc_csv_quote(h5, strlen(h5), q)] = 0;
    fprintf(f, ",%s,%s\n", q, g);
  }
  if (fclose(f) != 0) return PC_ERROR(PC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  return 0;
}

void pc_lists_remove_dir(const char *d) {
  char pb[4400], bb[4400];
  snprintf(pb, sizeof pb, "%s", d);
  snprintf(bb, sizeof bb, "%s", d);
  const char *parent = dirname(pb), *base = basename(bb);
  int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0) return;
  pc_publish_remove_tree(pfd, base, 1); /* the set, and its cities' directories */
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
  if (pc_publish_deferred()) { /* with the run's other outputs, at its end */
    int rc = pc_publish_add(tmp, dir, PC_PUB_DIR | (overwrite ? 0 : PC_PUB_NOREPLACE));
    if (rc) pc_lists_remove_dir(tmp);
    return rc;
  }
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
