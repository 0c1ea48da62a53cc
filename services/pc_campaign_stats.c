/* pc_campaign_stats.c - the campaign's measures and yield at a time: the ledger's rows held here, counted by pc_ledger_stats. */
#include "pc_campaign.h"
#include "pc_ledger_stats.h"

int pc_campaign_stats(pc_campaign *C, int64_t at, pc_ledger_measure **m, size_t *nm,
                      pc_ledger_yield **y, size_t *ny) {
  return pc_ledger_stats(C->ctx, C->L.rows.data, C->L.rows.n, at, m, nm, y, ny);
}
