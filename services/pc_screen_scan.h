/* pc_screen_scan.h - screen's pass: each rank's persons and the stays of exactly those, streamed once into rows of /screened. */
#ifndef PC_SCREEN_SCAN_H
#define PC_SCREEN_SCAN_H

#include "pc_config.h"
#include "pc_mpi.h"
#include "pc_schema.h"
#include "pc_screen_config.h"
#include "pc_sort.h"

/* One run of screen: what the setup reads, what the pass makes. */
typedef struct pc_screener {
  uint64_t checksum;    /* fingerprints of the stays read: all ranks' sum = the dataset's */
  pc_ctx *ctx;
  const pc_config *cfg;
  const char *data_path;
  pc_file data;           /* the dataset, open until the output is written */
  pc_screen_areas A;
  int64_t as_of, at;    /* ages; the dispatch instant */
  int level, red;       /* level: of the jurisdiction (PC_LEVEL_*); red: the code of `screened` */
  pc_person *persons;   /* this rank's rows of /persons, sorted by pid */
  pc_identity *ids;     /* and their identities */
  size_t np;
  uint64_t npersons;    /* rows of /persons */
  pc_raw stays;         /* /stays, read raw */
  uint64_t r0, r1;      /* this rank's rows of /stays: those of its persons */
  uint64_t read_bytes;  /* stays this rank read (as pc_stay), whole /stays range or the view's */
  uint64_t hi_pid;      /* the next rank's first pid (UINT64_MAX: none): this rank holds
                           the pids below it, from its own first */
  pc_buf rows;          /* pc_screened_row, in pid then area order */
  uint64_t *per_area;   /* rows per area (this rank) */
  int64_t *scratch;     /* pc_dwell's scratch */
  size_t scap;
} pc_screener;

/* Collective, agreed: the areas, the dataset `data` opened, as_of (the key,
 * else the dataset's attribute), the dispatch instant and level, the code. */
int pc_screen_open(pc_ctx *ctx, const pc_config *cfg, pc_screener *S);
/* Collective, agreed: this rank's share of /persons and /identities (the
 * two must have as many rows: PC_ERR_DATA), and the range of /stays holding
 * exactly their stays (binary search: /stays is sorted by pid). */
int pc_screen_persons(pc_ctx *ctx, pc_screener *S);
/* Local, not agreed: walk this rank's stays in chunks alongside its persons,
 * adding a row per person and area whose dwell reached the area's
 * min_dwell (then, with the area's `then`, reached the then area's within
 * `within`; of an ID number under `id_origin` when it has one: pc_screen_area,
 * pc_area_origin); closes /stays. PC_ERR_DATA when one person has more stays than
 * a chunk holds, the reader's error, PC_ERR_MEM. */
int pc_screen_scan(pc_ctx *ctx, pc_screener *S);
/* Local: person i of S->persons, with all their stays s[0..n) (any order):
 * a row of /screened per area that flags them (as pc_screen_scan's).
 * PC_ERR_MEM. */
int pc_screen_person(pc_screener *S, size_t i, const pc_stay *s, size_t n);
/* The same, the jurisdiction from js[0..nj) (rule 11: the stays that can
 * cover the dispatch instant, e.g. the index's dispatch table's row). */
int pc_screen_person_with(pc_screener *S, size_t i, const pc_stay *s, size_t n,
                          const pc_stay *js, size_t nj);
/* Collective, agreed: the stays all ranks read are the dataset's (their
 * fingerprints' sum equals its stays_checksum), else an error naming it. */
int pc_screen_verify(pc_ctx *ctx, pc_screener *S);
/* Local: the distinct flagged persons of this rank's rows (*fp, *nd) for
 * the cubes, each of class 0 (`screened`) and code 1 (red) or 2 (yellow) in
 * *cls, *code. Arrays malloc'd (also on failure, the caller frees);
 * PC_ERR_MEM. */
int pc_screen_flagged(const pc_screener *S, pc_person **fp, int **cls, int **code, size_t *nd);
/* Local, never fails: release what S holds (the dataset included). */
void pc_screener_free(pc_screener *S);

#endif
