/* pc_ledger_out.h - what `paicha ledger` makes of a ledger at its `at`: codes lifted, the output file, new_cases.csv. */
#ifndef PC_LEDGER_OUT_H
#define PC_LEDGER_OUT_H

#include "pc_campaign.h"
#include "pc_ledger_feedback.h"

/* The config's `expire` (red and yellow: after, negative_tests) as a
 * policy; green never lifts. Local, never fails. */
void pc_ledger_policy_of(const pc_config *cfg, pc_ledger_policy *p);

/* Collective, agreed: every code active at `at` that pc_ledger_lifts under
 * p becomes green, lifted_at = at (this rank's rows of C). *lifted: how
 * many over every rank. PC_ERR_MPI only. */
int pc_ledger_lift(pc_campaign *C, const pc_ledger_policy *p, int64_t at, uint64_t *lifted);

/* Collective, agreed: writes `output` (HDF5, identity-bearing): /active
 * (each rank its rows whose code is active at `at`, by pid), /measures and
 * /yield at `at` (pc_campaign_stats), /batches (the ledger's, with
 * found_under_control), /rejects (F's, without the lines themselves), the
 * root attribute counts and data's identity stamp. Call after the batch is
 * in C->L.batches (pc_campaign_write). Fails with the writer's error. */
int pc_ledger_output_write(pc_campaign *C, const pc_feedback *F, const pc_config *cfg,
                           pc_file data, int64_t at, uint64_t lifted);

/* Collective, agreed: writes `new_cases` (a cases.csv, atomically, mode by
 * output_mode): the persons with a positive test not traced since they
 * became a case (traced_batch < case_batch), by pid: subject, onset (the
 * positive test, local time), isolated (when known), last_negative (empty),
 * subject_type, status (confirmed). *n: the rows over every rank. */
int pc_ledger_new_cases_write(pc_campaign *C, const char *path, uint64_t *n);

#endif
