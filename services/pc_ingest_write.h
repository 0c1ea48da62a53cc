/* pc_ingest_write.h - ingest's dataset: its tables and attributes, laid out exactly as synth writes them. */
#ifndef PC_INGEST_WRITE_H
#define PC_INGEST_WRITE_H

#include "pc_ingest.h"
#include "pc_ingestfile.h"
#include "pc_out.h"
#include "pc_rowstream.h"
#include "pc_stay_buckets.h"

/* Collective, agreed: the output at path (committed atomically): /regions,
 * /persons and /identities (sorted by pid), /stays (sorted by pid, start;
 * contiguous) with /stay_buckets (pc_stay_buckets.h), /places, /rejects in (file, line) order, the window, the
 * inputs (with their rejects by reason) and the key fingerprint; with
 * rejects_only, /rejects and the attributes of the run only (the rejects
 * file of a run that failed its reject ratio). nvis: the visitors, summed.
 * Frees g->places when it writes /places. */
int pc_ingest_write(pc_ingest *g, const char *path, int rejects_only, uint64_t nvis);

/* The same in steps, so that /stays is written while the stays sort: the
 * file made and its tables up to /stays, opened for nstays rows of this
 * rank (pc_ingest_write_open); the rows c[0..k) given as they are final
 * (pc_ingest_write_rows, as many times as wanted); the rest written and the
 * file committed (pc_ingest_write_close) - or given up (pc_ingest_write_drop:
 * nothing published, the path still claimed, for pc_ingest_write again). */
typedef struct pc_ingest_out {
  pc_out out;
  pc_ingestfile_table stays;
  pc_rowstream *ws;  /* /stays' writer */
  uint64_t n, made;  /* this rank's rows of /stays; made so far */
  uint64_t sums[2];  /* rows of /stays, their fingerprint sum: over all ranks at close */
  pc_stay_buckets buckets; /* /stay_buckets: this rank's rows counted as made */
  int rc;            /* a write failed (pc_rowstream_finish tells it) */
  int rejects_only;
} pc_ingest_out;
/* Collective, agreed: on failure, told and nothing left. */
int pc_ingest_write_open(pc_ingest *g, const char *path, int rejects_only, uint64_t nstays,
                         pc_ingest_out *o);
/* Local, never fails: the rows of c[0..k) not yet made, whole pieces of them
 * (all: every one); they must be the first k of the nstays opened for. */
void pc_ingest_write_rows(pc_ingest *g, pc_ingest_out *o, const pc_cstay *c, size_t k, int all);
/* Collective, agreed: as pc_ingest_write from /stays on, g->stays being the
 * nstays rows opened for. */
int pc_ingest_write_close(pc_ingest *g, pc_ingest_out *o, uint64_t nvis);
/* Collective, never fails. */
void pc_ingest_write_drop(pc_ingest_out *o);

#endif
