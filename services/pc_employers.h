/* pc_employers.h - dispatch's lists per employer: each work unit's flagged staff and their counts by code. */
#ifndef PC_EMPLOYERS_H
#define PC_EMPLOYERS_H

#include <stddef.h>
#include <stdint.h>

#include "pc_file.h"
#include "pc_listform.h"
#include "pc_schema.h"
#include "pc_sort.h"

/* The flagged persons of a dispatch by employer. An employer is the keyed id
 * of /persons.employer (the agencies' strings are not kept in the dataset:
 * the lists name employers by that id); persons without one (0, visitors)
 * are in no employer's list. Rank 0 only, as dispatch. */
typedef struct pc_employers {
  pc_list_row *rows;   /* the staff: by employer, then red, yellow, the others; township,
                          community, exposure, subject */
  size_t n;
  pc_list_info *lists; /* one per employer (jurisdiction, short_code: its id), by id */
  size_t nlists;
  size_t without;      /* flagged persons of no employer */
} pc_employers;

/* Local: the employer of each of it[0..n) (names joined), taken in pid
 * order (byp[j].val: the j-th row by pid, as pc_sort_kv of (pid, row) gives),
 * from data's /persons (a merge in pid order, in chunks), and the staff
 * lists. PC_ERR_MEM; fails as the reads do. */
int pc_employers_collect(pc_file data, const pc_list_row *it, const pc_kv *byp, size_t n,
                         pc_employers *E);
/* Local: in dir, employers.<batch>.h5 (a group per employer: /<id>/list
 * and its counts) and employers.csv (employer, count, red, yellow, h5,
 * group: one row per employer). PC_ERR_IO naming the file. */
int pc_employers_write(const pc_employers *E, const char *dir, const pc_list_batch *b);
/* Local, never fails: free what E holds. */
void pc_employers_free(pc_employers *E);

#endif
