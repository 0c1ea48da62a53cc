/* pc_dispatch.h - dispatch's lists: the flagged persons of an output, their phones, one list per jurisdiction. */
#ifndef PC_DISPATCH_H
#define PC_DISPATCH_H

#include <stddef.h>

#include "pc_mpi.h"
#include "pc_region.h"
#include "pc_schema.h"

/* One dispatch: the output read, its persons as list rows, the region
 * names. Rank 0 only (the lists are the flagged persons, not the province). */
typedef struct pc_dispatch {
  const char *in_path, *data_path, *dir;
  int level;                 /* PC_LEVEL_CITY or PC_LEVEL_COUNTY */
  pc_file in, data;            /* the output, the dataset */
  pc_flag_row *r[3];         /* /contacts, /companions, /screened */
  size_t nr[3];
  pc_list_row *it;           /* the lists' rows */
  size_t n;
  pc_region *reg;            /* the dataset's /regions */
  uint64_t nreg;
} pc_dispatch;

/* Local: open the output and the dataset, check they belong together, read
 * the flagged tables. PC_ERR_IO / PC_ERR_DATA naming the file (neither
 * /contacts nor /screened: not a trace or screen output). */
int pc_dispatch_read(pc_dispatch *D);
/* Local: one list row per flagged person (a person screened in several
 * areas: one row, the areas joined by ';'), jurisdiction cut to the level.
 * PC_ERR_CONFIG when lists per county are asked of an output that assigned
 * people to cities; PC_ERR_MEM. */
int pc_dispatch_rows(pc_dispatch *D);
/* Local: the phones from the dataset's /identities (a merge in pid order,
 * in chunks), the region names, then the callers' order (jurisdiction,
 * township, community, exposure, subject). Fails as the reads do. */
int pc_dispatch_join(pc_dispatch *D);
/* Local: the whole set written into a fresh temporary directory, which
 * replaces `dir` only when every list is written (a reader never sees half
 * a set, a failure leaves the previous lists as they were); each list
 * logged. PC_ERR_IO saying what. */
int pc_dispatch_write(pc_ctx *ctx, pc_dispatch *D);
/* Local, never fails: free and close what D holds. */
void pc_dispatch_free(pc_dispatch *D);

#endif
