/* pc_ingest_person.h - ingest's registries: regions on rank 0, persons and phones at their owners, visitors. */
#ifndef PC_INGEST_PERSON_H
#define PC_INGEST_PERSON_H

#include "pc_ingest.h"

/* Collective, agreed: regions.csv read where it lies, gathered on rank 0,
 * which keeps the first row of each code whose parent was kept (the rest
 * are rejects) and broadcasts the table: g->regions, g->codes, g->chk's
 * region list. PC_ERR_DATA when no region is valid. */
int pc_ingest_regions_load(pc_ingest *g);

/* Collective, agreed: the persons files read in rounds, in the config's
 * order, each row at the owner of its pid (keyed hash of the ID number); the
 * first row of each ID number (in file, then line order) is kept (sorted by
 * pid in g->persons); a later row is a conflict reject when it disagrees on
 * birth date, sex or region, else a duplicate (its other fields not taken);
 * each phone is registered to one person at the phone's owner (g->phones),
 * a later person claiming it is rejected whole. PC_ERR_DATA on a pid
 * collision or two households (employers) with one id. */
int pc_ingest_persons_load(pc_ingest *g);

/* Local: 1 when this rank holds the person pid (g->persons sorted by pid). */
int pc_ingest_find_person(const pc_ingest *g, uint64_t pid);

/* Collective, agreed: the unregistered ID numbers and phones the stays named
 * become persons flagged PC_PERSON_VISITOR at the owner of their pid (*nvis
 * of them here); g->persons is sorted again. PC_ERR_DATA on a pid collision. */
int pc_ingest_visitors_add(pc_ingest *g, uint64_t *nvis);

#endif
