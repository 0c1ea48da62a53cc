/* pc_trace_ledger.h - trace's batch of a campaign: its rows as ledger flags (with each chain's root case), `new` marked. */
#ifndef PC_TRACE_LEDGER_H
#define PC_TRACE_LEDGER_H

#include "pc_campaign.h"
#include "pc_trace_state.h"

/* Collective, agreed. After pc_trace_rows: each row of this rank (contacts
 * then companions, each sorted by pid) becomes a flag of the campaign's
 * batch, with the case its chain starts from (the sources followed back,
 * one exchange round per hop); its `new` (is_new) is set from the ledger
 * (1 for every row without one). PC_ERR_MEM, or the exchange's error. */
int pc_trace_campaign(pc_tracer *t, pc_campaign *C, pc_trace_row *rows, size_t nc, size_t nm);

#endif
