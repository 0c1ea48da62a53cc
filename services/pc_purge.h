/* pc_purge.h - retention: the stays before the cutoff dropped, persons settled, the dataset rewritten without them. */
#ifndef PC_PURGE_H
#define PC_PURGE_H

#include <stdint.h>

#include "pc_config.h"
#include "pc_hash.h"
#include "pc_json.h"
#include "pc_mpi.h"
#include "pc_out.h"
#include "pc_schema.h"

/* Rows per step: memory is one step of stays and persons (and identities)
 * plus one bit per person of the rank's share. */
#define PC_PURGE_STAY_STEP ((size_t)1 << 18)   /* stays per read: 12 MB */
#define PC_PURGE_PERSON_STEP ((size_t)1 << 18) /* persons (and identities) per round: 22 MB */

/* The totals over ranks, pc_purge.g[]. */
enum {
  PC_PURGE_KEPT_STAYS, PC_PURGE_REMOVED_STAYS, PC_PURGE_CHECKSUM, PC_PURGE_KEPT_PERSONS,
  PC_PURGE_REMOVED_VISITORS, PC_PURGE_KEPT_VISITORS, PC_PURGE_REMOVED_IDS, PC_PURGE_KEPT_IDS,
  PC_PURGE_REMOVED_REJECTS, PC_PURGE_NG
};

typedef struct pc_purge {
  pc_ctx *ctx;
  const pc_config *cfg;
  const char *data_path, *out_path;
  pc_file data;
  int all_ids;          /* identities: all */
  int have_ids;         /* the input has /identities (an earlier `all` removed it) */
  int keep_ids;         /* the output has /identities: have_ids and not all_ids */
  int64_t now, retention, cutoff, window_start, window_end, new_window_start;
  uint64_t N, NI, NS;   /* rows of /persons, /identities, /stays in the input */
  uint64_t p0, p1;      /* this rank's persons */
  uint64_t s0, s1;      /* this rank's stays */
  int have_stays, have_places, have_rejects;
  pc_raw st;
  uint8_t *drop;        /* one bit per person of [p0, p1): removed */
  /* this rank's counts (summed over ranks into g) */
  uint64_t kept_stays, removed_stays, checksum, kept_persons, removed_visitors, kept_visitors;
  uint64_t read_checksum; /* every stay read, kept or not: the ranks' sum is stays_checksum */
  uint64_t g[PC_PURGE_NG];
  int64_t purged_at;    /* rank 0's clock, UTC seconds */
  json_object *entry;   /* this purge's entry of purge_log */
  pc_key128 newkey;     /* identities: all: the key of the new pseudonyms, never written */
} pc_purge;

/* Local, never fails: P ready for pc_purge_open (paths and config from cfg). */
void pc_purge_init(pc_purge *P, pc_ctx *ctx, const pc_config *cfg);
/* Collective, agreed: open the dataset, check its tables (an unknown one is
 * refused: purge cannot judge whether it holds personal data older than the
 * retention), find the window and the cutoff, cut this rank's shares of
 * /persons and /stays (the same pids). PC_ERR_DATA naming the problem. */
int pc_purge_open(pc_purge *P);
/* Local, never fails: log the cutoff and what it means for the window. */
void pc_purge_log_plan(const pc_purge *P);
/* Collective, agreed: one pass over this rank's stays and persons (a merge
 * by pid): a stay ending before the cutoff goes, the others are counted and
 * fingerprinted; a visitor without a stay left goes. PC_ERR_DATA when
 * /stays or /persons is not sorted by pid, or when the stays read (all
 * ranks') do not match the dataset's stays_checksum (a damaged file). */
int pc_purge_scan(pc_purge *P);
/* Collective, agreed: the totals g over ranks, purged_at and this purge's
 * log entry. PC_ERR_MEM, or as reading /rejects fails. */
int pc_purge_totals(pc_purge *P);
/* Local, never fails: log what went and what was kept. */
void pc_purge_log_done(const pc_purge *P);
/* Local, never fails: free and close what P holds. */
void pc_purge_free(pc_purge *P);

/* Collective, agreed: /persons and (keep_recent) /identities without the
 * dropped rows, each rank at its offset; with `identities: all` no clear
 * identity is read at all. PC_ERR_DATA when /identities is not aligned with
 * /persons or the counts differ from the scan's. */
int pc_purge_write_persons(pc_purge *P, pc_out *out);
/* Collective, agreed: /stays without the removed rows, contiguous and
 * uncompressed as synth and ingest write it; PC_ERR_DATA when the stays
 * read twice differ. */
int pc_purge_write_stays(pc_purge *P, pc_out *out);
/* `identities: all` re-keys (pc_purge_rekey.c): every pid, household and
 * employer id of the kept rows is replaced through a fresh key drawn here
 * (getrandom on rank 0, broadcast) that is never written, and the rows are
 * re-sorted by the new pids (each rank holds its share of the kept persons
 * and stays at once). Init: collective, agreed. Persons and stays:
 * collective, agreed, as pc_purge_write_persons and _stays (the stays'
 * checksum of the new rows into g); the fingerprint of the new key: local. */
int pc_purge_rekey_init(pc_purge *P);
int pc_purge_rekey_persons(pc_purge *P, pc_out *out);
int pc_purge_rekey_stays(pc_purge *P, pc_out *out);
uint64_t pc_purge_rekey_fingerprint(const pc_purge *P);

/* Collective, agreed: copy a table purge does not change (/regions,
 * /places), each rank its slice, with the input's description. */
int pc_purge_copy_table(pc_purge *P, pc_out *out, const pc_schema *s);
/* Collective (every rank makes the same calls), not agreed: the root
 * attributes: the input's, the recomputed counts and checksum, the window,
 * purged_before/at and purge_log. Fails as the reads and writes do. */
int pc_purge_write_attrs(pc_purge *P, pc_out *out);

#endif
