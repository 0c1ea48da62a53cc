/* pc_ingest_stay.h - ingest's stays: read in rounds, phones resolved at their owners, sorted, duplicates out. */
#ifndef PC_INGEST_STAY_H
#define PC_INGEST_STAY_H

#include "pc_ingest.h"

/* Collective, agreed: every stays file read in rounds; by-ID rows go to the
 * owner of the pid, by-phone rows first ask the owner of the phone for the
 * pid (or make it a visitor there); each rank keeps the stays of its pids
 * (g->stays), the places its readers saw (g->places) and the ID numbers
 * the registry lacks (g->id_visitors). PC_ERR_DATA on a place-id collision. */
int pc_ingest_stays_load(pc_ingest *g);

/* Local (the caller agrees): g->stays sorted in place by (pid, start,
 * place, ...); an identical stay reported again is kept once, its copies
 * are rejects naming the first (g->dup_stays counts them). With kept not
 * NULL, kept(arg, c, k, sorted) is called as the first `sorted` rows are
 * final, c[0..k) the rows kept of them (the caller may write them while the
 * rest sorts); k is 0 after a failure; sorted grows to g->stays.n (unless
 * the sort itself fails, told by its return). Fails with PC_ERR_MEM. */
typedef void (*pc_ingest_kept_fn)(void *arg, const pc_cstay *c, size_t k, size_t sorted);
int pc_ingest_stays_sort(pc_ingest *g, pc_ingest_kept_fn kept, void *arg);

#endif
