/* pc_lists.h - dispatch's list files: XLSX, CSV and HDF5 per jurisdiction and a manifest, a set replaced atomically. */
#ifndef PC_LISTS_H
#define PC_LISTS_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pc_region.h"
#include "pc_schema.h"

/* Local: open a trace or screen output and its dataset read-only (serial
 * HDF5: one rank reads them). PC_ERR_IO naming the file that cannot be
 * read or is not HDF5; on failure nothing is left open (both -1). */
int pc_lists_open(const char *in_path, const char *data_path, hid_t *in, hid_t *data);
/* Local, never fails: close what pc_lists_open opened (-1: nothing). */
void pc_lists_close(hid_t in, hid_t data);
/* Local, never fails: the file holds /contacts or /screened (a trace or
 * screen output, even one that flagged nobody). */
int pc_lists_is_flagged_output(hid_t in);

/* The batch a set of lists belongs to: in every file's name (stamp) and in
 * every file (the XLSX's batch sheet, the HDF5's attributes). */
typedef struct pc_list_batch {
  int64_t as_of;        /* the input's as_of, UTC seconds */
  char as_of_local[40]; /* "2021-08-09 00:00 (UTC+8)" */
  char stamp[24];       /* "20210809-0000": as_of, local, in every file name */
  int64_t run_at;       /* when dispatch ran, UTC seconds */
  char run_time[32];    /* "2026-12-03T21:00:00Z" */
  const char *source;   /* the input's path */
} pc_list_batch;
/* Local, never fails: the batch of input `source` made at as_of, run at run_at. */
void pc_lists_batch(pc_list_batch *b, int64_t as_of, int64_t run_at, const char *source);

/* One list of a set: whose it is and what it holds (a row of manifest.csv). */
typedef struct pc_list_info {
  uint64_t jurisdiction;         /* cut to the level; 0: unassigned */
  uint64_t short_code;           /* its digits at the level (4301); 0: unassigned */
  char name[PC_REGION_NAME_LEN]; /* "长沙市"; "unassigned" */
  char stem[200];                /* "4301-长沙市.20210809-0000": its files' name without suffix */
  size_t count, red, yellow;
} pc_list_info;
/* Local, never fails: l's stem from its code, name and the batch's stamp
 * ("unassigned.20210809-0000" without a jurisdiction); no '/' nor blank. */
void pc_lists_stem(pc_list_info *l, const pc_list_batch *b);

/* The columns of the spreadsheet forms (XLSX, CSV), in order: the HDF5
 * column each shows (en) and its Chinese header (zh). */
enum { PC_LIST_PLAIN, PC_LIST_TEXT, PC_LIST_TIME };
typedef struct pc_list_col {
  const char *en, *zh;
  int kind;     /* PC_LIST_TEXT: digits a spreadsheet must keep as text (IDs, phones, codes) */
  double width; /* XLSX column width, characters */
} pc_list_col;
extern const pc_list_col pc_list_cols[];
extern const size_t pc_list_ncols;
/* Local, never fails: cell `col` of row x as a person reads it (Chinese
 * labels for class, code, document type, channel; local time); buf holds
 * 128 bytes and may be returned. "" for an empty field. */
const char *pc_lists_cell(const pc_list_row *x, size_t col, char *buf);
/* Local, never fails: t as local "2021-08-09 00:00" (":SS" when not 0);
 * buf holds 24 bytes. Returns buf. */
char *pc_lists_local_time(int64_t t, char *buf);

/* Local: the set's fresh temporary directory <dir>.tmp.<host>.<pid>.<random>
 * into tmpdir (size bytes), created here (mkdir never reuses what is
 * there) after dir's parent passed pc_dir_check, with the files' mode
 * (umask from output_mode) plus search permission where read is given:
 * 0600 files in a 0700 directory, 0640 in 0750. PC_ERR_IO naming it. */
int pc_lists_tmpdir(const char *dir, char *tmpdir, size_t size);
/* Local: the files' mode (0666 less the umask: 0600, or 0640 with
 * output_mode 0640). Never fails. */
mode_t pc_lists_file_mode(void);

/* Local: one jurisdiction's list l in dir: <stem>.csv (UTF-8 with BOM,
 * Chinese headers, identifiers quoted behind a TAB), <stem>.xlsx and
 * <stem>.h5 (/list, pc_schema_list, the batch in attributes), created
 * exclusively, owner-only. PC_ERR_IO naming the file that cannot be created
 * or written. */
int pc_lists_write(const char *dir, const pc_list_batch *b, const pc_list_info *l,
                   const pc_list_row *it, size_t n);
/* Local: <dir>/manifest.csv (UTF-8 with BOM): jurisdiction, name, count,
 * red, yellow, file (the XLSX), one row per list. PC_ERR_IO naming it. */
int pc_lists_manifest(const char *dir, const pc_list_info *l, size_t n);

/* Local, never fails: remove a directory of plain files (the lists)
 * without crossing a link: a link at d (or in it) loses only the link. */
void pc_lists_remove_dir(const char *d);
/* Local: tmp becomes dir. With overwrite a previous dir (or a link there)
 * is moved aside first, under an unpredictable name, and removed after;
 * without, anything at dir is kept and the call fails (PC_ERR_CONFIG:
 * "... exists: choose another output or set overwrite: true"). On failure
 * tmp is removed and the previous dir left as it was; PC_ERR_IO saying
 * what. */
int pc_lists_replace_dir(const char *tmp, const char *dir, int overwrite);

#endif
