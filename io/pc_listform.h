/* pc_listform.h - what a dispatch list shows a person: its batch, name, columns and Chinese labels. */
#ifndef PC_LISTFORM_H
#define PC_LISTFORM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pc_region.h"
#include "pc_schema.h"

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
void pc_listform_batch(pc_list_batch *b, int64_t as_of, int64_t run_at, const char *source);

/* One list of a set: whose it is and what it holds (a row of manifest.csv). */
typedef struct pc_list_info {
  uint64_t jurisdiction;         /* cut to the level; 0: unassigned */
  uint64_t short_code;           /* its digits at the level (4301); 0: unassigned */
  char name[PC_REGION_NAME_LEN]; /* "长沙市"; "unassigned" */
  char stem[200];                /* "4301-长沙市.20210809-0000": its files' name without suffix */
  char file[400];                /* township, community, employer: its CSV or HDF5 group, as
                                    manifest.csv names it ("4301-长沙市/<stem>.csv") */
  size_t count, red, yellow;
} pc_list_info;
/* Local, never fails: l's stem from its code, name and the batch's stamp
 * ("unassigned.20210809-0000" without a jurisdiction); no '/' nor blank. */
void pc_listform_stem(pc_list_info *l, const pc_list_batch *b);

/* The columns of the spreadsheet forms (XLSX, CSV), in order: the HDF5
 * column each shows (en) and its Chinese header (zh). */
enum { PC_LIST_PLAIN, PC_LIST_TEXT, PC_LIST_TIME };
typedef struct pc_list_col {
  const char *en, *zh;
  int kind;     /* PC_LIST_TEXT: digits a spreadsheet must keep as text (IDs, phones, codes) */
  double width; /* XLSX column width, characters */
} pc_list_col;
#define PC_LISTFORM_NCOLS 15
extern const pc_list_col pc_listform_cols[PC_LISTFORM_NCOLS];
extern const size_t pc_listform_ncols; /* PC_LISTFORM_NCOLS */
/* Local, never fails: cell `col` of row x as a person reads it (Chinese
 * labels for class, code, document type, channel; local time); buf holds
 * 128 bytes and may be returned. "" for an empty field. */
/* Local, never fails: the order of the rows within one list (a jurisdiction's,
 * an employer's), as the callers work through them: red, yellow, the others;
 * then township, community, exposure, subject. <0, 0, >0 as strcmp. */
int pc_listform_order(const pc_list_row *a, const pc_list_row *b);
/* Local, never fails: where a code comes in that order: red 0, yellow 1, any other 2. */
int pc_listform_code_rank(const char *code);
/* Local: the callers' order of n rows - it[sel[i]], or it[i] when sel is
 * NULL - grouped by group[i] ascending (a jurisdiction, an employer), within
 * a group as pc_listform_order, then by pid and i: ord[j] is the i of the
 * j-th row. Stable radix passes over the group, the code, the community (its
 * township is its code cut, so their order comes with it) and the exposure,
 * then the runs equal in those by the comparator. PC_ERR_MEM; PC_ERR_ARG from 2^32 rows. */
int pc_listform_sort(const pc_list_row *it, const uint32_t *sel, size_t n, const uint64_t *group,
                     uint32_t *ord);
/* Local, never fails: it[0..n) put in place in the order ord gives (ord[j]:
 * the row that goes to place j, as pc_listform_sort gives it with sel NULL);
 * ord is used up. */
void pc_listform_permute(pc_list_row *it, uint32_t *ord, size_t n);

const char *pc_listform_cell(const pc_list_row *x, size_t col, char *buf);
/* Local, never fails: t as local "2021-08-09 00:00" (":SS" when not 0);
 * buf holds 24 bytes. Returns buf. */
char *pc_listform_local_time(int64_t t, char *buf);

/* Local: the files' mode (0666 less the umask: 0600, or 0640 with
 * output_mode 0640). Never fails. */
mode_t pc_listform_file_mode(void);

#endif
