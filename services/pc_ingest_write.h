/* pc_ingest_write.h - ingest's dataset: its tables and attributes, laid out exactly as synth writes them. */
#ifndef PC_INGEST_WRITE_H
#define PC_INGEST_WRITE_H

#include "pc_ingest.h"

/* Collective, agreed: the output at path (committed atomically): /regions,
 * /persons and /identities (sorted by pid), /stays (sorted by pid, start;
 * contiguous), /places, /rejects in (file, line) order, the window, the
 * inputs (with their rejects by reason) and the key fingerprint; with
 * rejects_only, /rejects and the attributes of the run only (the rejects
 * file of a run that failed its reject ratio). nvis: the visitors, summed.
 * Frees g->places when it writes /places. */
int pc_ingest_write(pc_ingest *g, const char *path, int rejects_only, uint64_t nvis);

#endif
