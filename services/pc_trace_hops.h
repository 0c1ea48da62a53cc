/* pc_trace_hops.h - trace's frontier: close contacts hop by hop, then companions. */
#ifndef PC_TRACE_HOPS_H
#define PC_TRACE_HOPS_H

#include "pc_trace_state.h"

/* Collective, agreed. One level-synchronous hop (rule 8): the persons of hop
 * h query the index over the close channels (each window from their
 * exposure), the best hit per person not yet flagged (SPEC's tie-break) is
 * flagged at its owner as hop h + 1. stats (this rank's): new persons,
 * queries sent, hits received. Fails with PC_ERR_MEM or an index read's error. */
int pc_trace_hop(pc_tracer *t, int h, uint64_t stats[3]);

/* Collective, agreed. Companions (rule 9): the persons of the hops listed
 * under companions_of query the companion channels; the best hit per person
 * not yet flagged is flagged as a companion. *nqueries: queries sent here.
 * Fails as pc_trace_hop. */
int pc_trace_companions(pc_tracer *t, uint64_t *nqueries);

#endif
