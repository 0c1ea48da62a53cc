/* pc_screen_ledger.h - screen's batch of a campaign: the ledger read for this rank's persons, one flag per person, `new` marked. */
#ifndef PC_SCREEN_LEDGER_H
#define PC_SCREEN_LEDGER_H

#include "pc_campaign.h"
#include "pc_screen_scan.h"

/* Collective, agreed: pc_campaign_open_range for the pids of this rank's
 * slice of /persons (after pc_screen_persons), batch kind "screen" at as_of. */
int pc_screen_campaign_open(pc_ctx *ctx, pc_screener *S, pc_campaign *C);
/* Collective, agreed: each person of this rank's rows of /screened (one row
 * per person and area, in pid order) is one flag of the batch (class
 * screened, channel screening, the code and jurisdiction of the rows); every
 * row of a person gets their `new` (1 for all without a ledger). PC_ERR_MEM. */
int pc_screen_campaign(pc_screener *S, pc_campaign *C);

#endif
