/* pc_paths.c - the paths of a config checked by role: inputs readable (HDF5 of the right kind), outputs creatable. */
#include "pc_paths.h"

#include <errno.h>
#include <hdf5.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_err.h"
#include "pc_indexfile.h"
#include "pc_keyfile.h"

/* What the walk over the paths carries: the dataset the config names (the
 * index must be of it), and where the problems go. */
typedef struct walk {
  pc_config_problems *p;
  const char *data;     /* the PC_P_IN_DATA value, NULL: none or a bad one */
  const char *data_key;
  int nout, nin;        /* the outputs and inputs (values, keys), for collisions */
  const char *out[32], *in[32];
  char out_key[32][128], in_key[32][128];
  const char *out_replaces[32]; /* the input key the output may replace (pc_key.replaces) */
  const char *out_held[32];     /* a file a directory output holds: its name, else NULL */
  char held[16][4200];          /* the paths of those files */
  int nheld;
} walk;

/* Serial open, no HDF5 error stack on stderr (our message names the file). */
static hid_t open_ro(const char *path) {
  hid_t f;
  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  return f;
}

/* Rows of the 1-D dataset `name` of f; -1 when it is not there. */
static int64_t rows_of(hid_t f, const char *name) {
  hid_t d, s;
  int64_t n = -1;
  H5E_BEGIN_TRY {
    if ((d = H5Dopen2(f, name, H5P_DEFAULT)) >= 0) {
      hsize_t dims[1] = {0};
      if ((s = H5Dget_space(d)) >= 0 && H5Sget_simple_extent_ndims(s) == 1 &&
          H5Sget_simple_extent_dims(s, dims, NULL) == 1)
        n = (int64_t)dims[0];
      if (s >= 0) H5Sclose(s);
      H5Dclose(d);
    }
  }
  H5E_END_TRY;
  return n;
}

/* A numeric attribute of the root of f read as type t into v; -1 when absent. */
static int attr_of(hid_t f, const char *name, hid_t t, void *v) {
  int rc = -1;
  H5E_BEGIN_TRY {
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a >= 0) {
      rc = H5Aread(a, t, v) < 0 ? -1 : 0;
      H5Aclose(a);
    }
  }
  H5E_END_TRY;
  return rc;
}

/* An input file: there, readable, not a directory. 0 when it is. */
static int input_ok(walk *w, const pc_config *c, const char *key, const char *v) {
  struct stat st;
  if (stat(v, &st) != 0 || access(v, R_OK) != 0)
    return pc_config_problem(w->p, c, key, "cannot read %s: %s", v, strerror(errno));
  if (S_ISDIR(st.st_mode))
    return pc_config_problem(w->p, c, key, "%s is a directory, not a file", v);
  return 0;
}

/* A key file as the job will read it: the key file's own rules and words. */
static void key_ok(walk *w, const pc_config *c, const char *key, const char *v) {
  pc_key128 k;
  int created = 0;
  if (pc_keyfile_load(v, 0, &k, &created) != 0)
    pc_config_problem(w->p, c, key, "%s", pc_err_message());
  explicit_bzero(&k, sizeof k);
}

/* The identity an index records of its dataset against the dataset's own. */
static void index_of_data(walk *w, const pc_config *c, const char *key, const char *v, hid_t f) {
  uint64_t nb;
  if (attr_of(f, "nbuckets", H5T_NATIVE_UINT64, &nb) != 0) {
    pc_config_problem(w->p, c, key, "%s is not an index of `paicha index` (no nbuckets)", v);
    return;
  }
  if (!w->data) return; /* no dataset to compare with: its own problem is listed */
  hid_t d = open_ro(w->data);
  if (d < 0) return;
  if (pc_indexfile_of_data(f, v, d, w->data, NULL) != 0) {
    pc_config_problem(w->p, c, key, "%s", pc_err_message());
    pc_err_clear();
  }
  H5Fclose(d);
}

/* An HDF5 input of its role's kind. */
static void input_h5(walk *w, const pc_config *c, const char *key, const pc_key *k, const char *v) {
  if (input_ok(w, c, key, v)) return;
  htri_t is;
  H5E_BEGIN_TRY { is = H5Fis_hdf5(v); }
  H5E_END_TRY;
  hid_t f = is > 0 ? open_ro(v) : -1;
  if (f < 0) {
    pc_config_problem(w->p, c, key, "%s is not an HDF5 file (or is damaged)", v);
    return;
  }
  /* /persons makes a dataset (synth without days writes no /stays); a table
   * that is there but cannot be opened is damage. */
  static const char *const tables[2] = {"persons", "stays"};
  for (int i = 0; i < 2 && k->role == PC_P_IN_DATA; i++) {
    if (rows_of(f, tables[i]) >= 0) continue;
    htri_t there;
    H5E_BEGIN_TRY { there = H5Lexists(f, tables[i], H5P_DEFAULT); }
    H5E_END_TRY;
    if (i == 1 && there <= 0) break;
    if (there > 0)
      pc_config_problem(w->p, c, key, "%s: /%s cannot be opened: the file is damaged (restore it "
                        "or make it again)", v, tables[i]);
    else
      pc_config_problem(w->p, c, key, "%s is not a dataset of synth or ingest (no /%s)", v,
                        tables[i]);
    break;
  }
  if (k->role == PC_P_IN_INDEX) index_of_data(w, c, key, v, f);
  /* a ledger in parts holds /parts instead of /persons (pc_ledgerfile.h) */
  if (k->role == PC_P_LEDGER &&
      ((rows_of(f, "persons") < 0 && rows_of(f, "parts") < 0) || rows_of(f, "batches") < 0))
    pc_config_problem(w->p, c, key, "%s is not a ledger (no /persons or /batches): name the "
                      "campaign's ledger, or a new file to start one", v);
  H5Fclose(f);
}

/* An output: its directory exists, is one, is writable; the output itself
 * is of its kind when it is already there. */
static void output_ok(walk *w, const pc_config *c, const char *key, const pc_key *k,
                      const char *v) {
  char d[4096];
  struct stat st;
  snprintf(d, sizeof d, "%s", v);
  const char *dir = dirname(d);
  if (stat(dir, &st) != 0)
    pc_config_problem(w->p, c, key, "cannot create %s: directory %s does not exist (mkdir -p %s)",
                      v, dir, dir);
  else if (!S_ISDIR(st.st_mode))
    pc_config_problem(w->p, c, key, "cannot create %s: %s is not a directory", v, dir);
  else if (access(dir, W_OK | X_OK) != 0)
    pc_config_problem(w->p, c, key, "cannot create %s: directory %s is not writable: %s", v, dir,
                      strerror(errno));
  else if (stat(v, &st) == 0 && k->role == PC_P_OUT_DIR && !S_ISDIR(st.st_mode))
    pc_config_problem(w->p, c, key, "%s is a file, not a directory: name a directory", v);
  else if (stat(v, &st) == 0 && k->role != PC_P_OUT_DIR && S_ISDIR(st.st_mode))
    pc_config_problem(w->p, c, key, "%s is a directory: name a file to write", v);
}

/* Remember a path of the run (an input or an output) by its key. */
static void note(const char **vals, char keys[][128], int *n, const char *key, const char *v) {
  if (*n >= 32) return;
  vals[*n] = v;
  snprintf(keys[(*n)++], 128, "%s", key);
}

/* Outputs at the path of another output, or of an input (but the one the
 * output's key says it replaces): the run would destroy what it reads or writes.
 * Recorded at the output's key, naming the other. */
static void collisions(walk *w, const pc_config *c) {
  for (int j = 0; j < w->nout; j++) {
    const char *v = w->out[j];
    for (int i = 0; i < j; i++) {
      if (!pc_paths_same(w->out[i], v) || (w->out_held[i] && w->out_held[j])) continue;
      const int h = w->out_held[i] ? i : j, o = h == i ? j : i; /* a file of a directory */
      if (w->out_held[h])
        pc_config_problem(w->p, c, w->out_key[o], "%s is the %s the job writes in `%s`: name "
                          "another file", w->out[o], w->out_held[h], w->out_key[h]);
      else
        pc_config_problem(w->p, c, w->out_key[j], "%s is also `%s`: two outputs of one run "
                          "cannot share a path (one would replace the other)", v, w->out_key[i]);
    }
    for (int i = 0; i < w->nin; i++)
      if (pc_paths_same(w->in[i], v) &&
          !(w->out_replaces[j] && !strcmp(w->out_replaces[j], w->in_key[i])))
        pc_config_problem(w->p, c, w->out_key[j], "%s is also the input `%s`: the run would "
                          "overwrite what it reads; name another file", v, w->in_key[i]);
  }
}

/* A file the directory output `key` will hold, an output of the run too. */
static void hold(walk *w, const char *key, const char *dir, const char *name) {
  if (w->nheld >= 16 || w->nout >= 32) return;
  char *p = w->held[w->nheld++];
  snprintf(p, sizeof w->held[0], "%.4000s/%s", dir, name);
  w->out_replaces[w->nout] = NULL, w->out_held[w->nout] = name;
  note(w->out, w->out_key, &w->nout, key, p);
}

static void check_one(const pc_config *c, const char *key, const pc_key *k, const char *v,
                      void *arg) {
  walk *w = arg;
  struct stat st;
  if (k->role >= PC_P_IN && k->role <= PC_P_KEY) note(w->in, w->in_key, &w->nin, key, v);
  switch (k->role) {
  case PC_P_NONE: break;
  case PC_P_IN: input_ok(w, c, key, v); break;
  case PC_P_IN_H5:
  case PC_P_IN_DATA:
  case PC_P_IN_INDEX: input_h5(w, c, key, k, v); break;
  case PC_P_KEY: key_ok(w, c, key, v); break;
  case PC_P_KEY_NEW: /* anything there (a link too) must be a good key; else it is made */
    if (lstat(v, &st) == 0) key_ok(w, c, key, v);
    else output_ok(w, c, key, k, v);
    break;
  case PC_P_LEDGER: /* read when there, then written like any output */
  case PC_P_OUT:
  case PC_P_OUT_DIR:
    if (k->role == PC_P_LEDGER && lstat(v, &st) == 0) input_h5(w, c, key, k, v);
    output_ok(w, c, key, k, v);
    if (w->nout < 32) w->out_replaces[w->nout] = k->replaces, w->out_held[w->nout] = NULL;
    note(w->out, w->out_key, &w->nout, key, v);
    for (int i = 0; k->role == PC_P_OUT_DIR && k->holds && k->holds[i]; i++)
      hold(w, key, v, k->holds[i]);
    break;
  }
}

int pc_paths_same(const char *a, const char *b) {
  char da[4096], db[4096], ra[PATH_MAX], rb[PATH_MAX];
  snprintf(da, sizeof da, "%s", a);
  snprintf(db, sizeof db, "%s", b);
  const char *ba = strrchr(a, '/') ? strrchr(a, '/') + 1 : a;
  const char *bb = strrchr(b, '/') ? strrchr(b, '/') + 1 : b;
  if (strcmp(ba, bb)) return 0;
  if (!realpath(dirname(da), ra) || !realpath(dirname(db), rb)) return !strcmp(a, b);
  return !strcmp(ra, rb);
}

/* The first dataset input, checked on its own so an index can be compared with it. */
static void find_data(const pc_config *c, const char *key, const pc_key *k, const char *v,
                      void *arg) {
  walk *w = arg;
  if (k->role != PC_P_IN_DATA || w->data_key) return;
  w->data_key = key;
  hid_t f = access(v, R_OK) == 0 ? open_ro(v) : -1;
  if (f >= 0) w->data = v, H5Fclose(f);
}

int pc_paths_check(const pc_config *c, pc_config_problems *p) {
  walk w = {.p = p};
  pc_config_paths(c, find_data, &w);
  w.data_key = NULL; /* the key string lived in the walk's buffer */
  pc_config_paths(c, check_one, &w);
  collisions(&w, c);
  return 0;
}

int pc_paths_data_window(const char *path, int64_t *window_start, int64_t *as_of) {
  hid_t f = access(path, R_OK) == 0 ? open_ro(path) : -1;
  if (f < 0) return PC_ERROR(PC_ERR_IO, "cannot read %s as HDF5", path);
  int rc = attr_of(f, "window_start", H5T_NATIVE_INT64, window_start) ||
           attr_of(f, "as_of", H5T_NATIVE_INT64, as_of);
  H5Fclose(f);
  return rc ? PC_ERROR(PC_ERR_IO, "%s: no window_start or as_of (not a dataset?)", path) : 0;
}
