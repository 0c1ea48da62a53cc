/* pc_trace_ledger.h - trace's batch of a campaign: its rows as ledger flags (with each chain's root case), `new` marked. */
#ifndef PC_TRACE_LEDGER_H
#define PC_TRACE_LEDGER_H

#include "pc_campaign.h"
#include "pc_trace_rows.h"
#include "pc_trace_state.h"

/* Collective, agreed. After pc_trace_rows: each row of this rank (contacts
 * and companions, in pid order) becomes a flag of the campaign's batch,
 * with the case its chain starts from (the sources followed back, one
 * exchange round per hop); the rows' `new` (m->is_new) is set from the
 * ledger (left 1 without one). PC_ERR_MEM, or the exchange's error. */
int pc_trace_campaign(pc_tracer *t, pc_campaign *C, pc_trace_rowmaker *m);

#endif
