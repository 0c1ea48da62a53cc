/* pc_synth_csv.h - synth's data as the CSV inputs of ingest (regions.csv, persons.csv, stays.csv). */
#ifndef PC_SYNTH_CSV_H
#define PC_SYNTH_CSV_H

#include "pc_synth_movement.h"
#include "pc_types.h"

/* Collective, agreed. Writes DIR/regions.csv (rank 0's nregions),
 * persons.csv from the n rows in `order` and, with mv (NULL: no movement),
 * stays.csv: every rank its own persons and their stays in pid order, in
 * rounds, each file atomically (pc_textout). DIR is made if missing. Clear
 * identities: files are created per the umask (owner only by default).
 * realistic: written the way agencies write them (pc_synth_realistic.h;
 * README, synth): string household numbers, credit-code employers, about 1
 * person in 100 on a passport or foreign PR ID (never an outbreak venue's
 * visitor, so the cases stay on ID cards), typed phones, regions.csv in
 * GB18030, seats left out where the rider is alone aboard; ingest gives the
 * same persons and stays (pids of the document holders aside). seed draws
 * the documents and phone forms. Fails with PC_ERR_IO (a file, the
 * directory), PC_ERR_MEM, PC_ERR_UNSUPPORTED (no GB18030 in iconv). */
int pc_synth_csv(pc_ctx *ctx, const char *dir, const pc_region *regions, size_t nregions,
                 const pc_synth_row *rows, const pc_kv *order, size_t n,
                 const pc_synth_movement *mv, uint64_t seed, int realistic);

#endif
