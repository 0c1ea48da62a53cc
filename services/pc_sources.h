/* pc_sources.h - sources' work on each rank: the cases' presences met at their places, common exposures, clusters, candidates, hotspots. */
#ifndef PC_SOURCES_H
#define PC_SOURCES_H

#include "pc_exposure.h"
#include "pc_trace_state.h"

/*
 * Where the work happens (P ranks):
 *
 *   case owners (PC_OWNER(pid))   each case's stays clipped to its window
 *        |  presences, to mix(place) % P
 *   place owners                  common exposures and contacts between cases, per place
 *        |  to rank 0
 *   rank 0                        exposures ranked, clusters; exposures broadcast
 *        |  queries (exposure e from rank e % P), to the index's bucket owners
 *   bucket owners                 who else stayed there (pc_sources_attendees)
 *        |  hits, to PC_OWNER(pid)
 *   person owners                 candidates (cases of the exposures attended), to rank 0
 */
typedef struct pc_sourcer {
  pc_tracer t;                  /* dataset, index, owned persons; the cases as hop-0 flags */
  int min_cases;
  /* every rank, after pc_sources_exposures: */
  pc_common_row *common;        /* ranked: exposure i is common[i] */
  size_t ncommon;
  pc_common_case_row *ccases;   /* sorted by (exposure, pid) */
  size_t nccases;
  uint64_t *cstart;             /* ncommon + 1: the cases of exposure i are ccases[cstart[i]..) */
  uint64_t *case_pids;          /* every case, ascending */
  size_t ncases;
  /* rank 0 only: the tables as written */
  pc_cluster_row *clusters;     /* sorted by (cluster, pid) */
  pc_candidate_row *cand;       /* ranked */
  size_t ncand;
  pc_hotspot_row *hot;          /* ranked */
  size_t nhot;
} pc_sourcer;

/* Local, never fails: frees what s holds (the tracer too). */
void pc_sourcer_free(pc_sourcer *s);

/* Collective, agreed. The cases' presences sent to their places' owners;
 * there the common exposures (pc_sources_common, min_cases, each channel's
 * min_overlap; channels with role off are left out) and the contacts
 * between cases (pc_sources_links over the close channels); on rank 0 the
 * exposures ranked (cases descending, from, channel, place), the clusters
 * (joined by an exposure or a contact; largest first), and the exposures
 * broadcast to every rank. *stats: presences sent here. Fails with
 * PC_ERR_MEM or a read's error. */
int pc_sources_exposures(pc_sourcer *s, uint64_t *presences);

/* Collective, agreed. One query per common exposure (per day bucket for lbs
 * and grid) to the index; persons other than the cases whose stay overlaps
 * the interval by the channel's minimum are gathered at their owners, kept
 * with at least min_cases distinct cases over the exposures they attended,
 * and ranked on rank 0 (cases, exposures descending, first, pid). *queries:
 * queries sent here. Fails with PC_ERR_MEM or an index read's error. */
int pc_sources_candidates(pc_sourcer *s, uint64_t *queries);

/* Collective, agreed. Hotspots of the flagged persons of the outputs
 * `flagged` (trace or screen files: /contacts, /companions, /screened):
 * each owner reads its flagged persons' stays in [from, to), and per place
 * (households left out) and per community of the places, the distinct
 * persons and their total dwell (the union of each person's stays there, in
 * whole minutes) are summed at rank 0 and ranked (persons, dwell
 * descending, kind, place, region); rows with fewer than min_persons
 * persons are dropped. Fails with PC_ERR_DATA naming a file that is no
 * flagged output, or a read's error. */
int pc_sources_hotspots(pc_sourcer *s, int64_t from, int64_t to, uint64_t min_persons);

/* Collective, agreed: the output file (through pc_out) with /common_exposures,
 * /common_exposure_cases, /clusters, /candidates, /hotspots (when hot is
 * not NULL), /unmatched, attributes and counts. */
int pc_sources_write(pc_sourcer *s, const char *output, const char *index);

/* Local (rank 0): a log line per cluster of at least two cases, the first
 * `max` of them: its number, cases and best-ranked common exposure (channel,
 * place name, interval, cases); never an identity. */
void pc_sources_log_clusters(pc_ctx *ctx, const pc_sourcer *s, size_t max);

/* Local (rank 0's tables): the `top` first places and communities of
 * /hotspots as a `screen` config at path (areas with places or region
 * prefixes, from/to, min_dwell; data, key and output given), written to a
 * temporary name and renamed. Fails with PC_ERR_IO naming the file. */
int pc_sources_hotspots_yaml(const pc_sourcer *s, const char *path, size_t top, int64_t from,
                             int64_t to, int64_t min_dwell, const char *screen_output);

#endif
