/* pc_ledger_out.c - what `paicha ledger` makes of a ledger at its `at`: codes lifted, the output file, new_cases.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_flagged.h"
#include "pc_json.h"
#include "pc_ledger_out.h"
#include "pc_out.h"
#include "pc_textout.h"
#include "pc_time.h"

void pc_ledger_policy_of(const pc_config *cfg, pc_ledger_policy *p) {
  memset(p, 0, sizeof *p);
  p->after[PC_LCODE_GREEN] = -1;
  p->after[PC_LCODE_RED] = pc_config_duration(cfg, "expire.red.after");
  p->after[PC_LCODE_YELLOW] = pc_config_duration(cfg, "expire.yellow.after");
  p->negative_tests[PC_LCODE_RED] = (int32_t)pc_config_int(cfg, "expire.red.negative_tests");
  p->negative_tests[PC_LCODE_YELLOW] = (int32_t)pc_config_int(cfg, "expire.yellow.negative_tests");
}

int pc_ledger_lift(pc_campaign *C, const pc_ledger_policy *p, int64_t at, uint64_t *lifted) {
  pc_ledger_row *r = C->L.rows.data;
  *lifted = 0;
  int rc = 0;
  for (size_t i = 0; i < C->L.rows.n && !rc; i++) {
    if (!pc_ledger_lifts(&r[i], p, at) || (rc = pc_campaign_touch(C, r[i].pid))) continue;
    snprintf(r[i].code, sizeof r[i].code, "%s", pc_lcode_names[PC_LCODE_GREEN]);
    r[i].lifted_at = at;
    ++*lifted;
  }
  PC_CALL(pc_agree(C->ctx, rc));
  return pc_agree(C->ctx, pc_sum_u64(C->ctx, lifted, 1));
}

/* This rank's rows whose code is active (the ledger row's fields /active shows). */
static int active_rows(const pc_campaign *C, pc_buf *out) {
  const pc_ledger_row *r = C->L.rows.data;
  for (size_t i = 0; i < C->L.rows.n; i++) {
    if (pc_ledger_level(&r[i]) == PC_LCODE_GREEN) continue;
    PC_CALL(pc_buf_grow(out, 1));
    pc_active_row *a = (pc_active_row *)out->data + out->n++;
    memset(a, 0, sizeof *a);
    a->pid = r[i].pid;
    a->jurisdiction = r[i].jurisdiction;
    a->code_since = r[i].code_since;
    a->flagged_at = r[i].flagged_at;
    a->reached_at = r[i].reached_at;
    a->negatives = r[i].negatives;
    memcpy(a->subject, r[i].subject, sizeof a->subject);
    memcpy(a->subject_type, r[i].subject_type, sizeof a->subject_type);
    memcpy(a->code, r[i].code, sizeof a->code);
    memcpy(a->cls, r[i].cls, sizeof a->cls);
    memcpy(a->channel, r[i].channel, sizeof a->channel);
  }
  return 0;
}

/* The ledger's batches, each with found_under_control (NaN without new cases). */
static int batch_rows(const pc_campaign *C, pc_buf *out) {
  const pc_ledger_batch *b = C->L.batches.data;
  PC_CALL(pc_buf_reserve(out, C->L.batches.n + 1));
  for (size_t i = 0; i < C->L.batches.n; i++) {
    pc_batch_out_row *o = (pc_batch_out_row *)out->data + out->n++;
    memset(o, 0, sizeof *o);
    o->b = b[i];
    o->found_under_control =
        b[i].new_cases ? (double)b[i].under_control / (double)b[i].new_cases : NAN;
  }
  return 0;
}

static json_object *counts_json(const pc_campaign *C, const pc_feedback *F, uint64_t active,
                                uint64_t lifted) {
  json_object *o = json_object_new_object(), *r = json_object_new_object();
  if (!o || !r) return json_object_put(o), json_object_put(r), NULL;
  const pc_ledger_batch *b = C->L.batches.data;
  const pc_ledger_batch *B = C->L.batches.n ? &b[C->L.batches.n - 1] : &C->next;
  uint64_t rows = 0, rejected = 0; /* (every rank's: the attribute is written by all) */
  for (int f = 0; f < F->nfiles; f++) rows += F->rows ? F->rows[f] : 0;
  for (int k = 1; k < PC_NFBR; k++) rejected += F->reasons[k];
  pc_json_add_i64(o, "batch", B->batch);
  pc_json_add_u64(o, "feedback_rows", rows);
  pc_json_add_u64(o, "applied", F->applied);
  pc_json_add_u64(o, "rejected", rejected);
  for (int k = 1; k < PC_NFBR; k++) pc_json_add_u64(r, pc_fbr_codes[k], F->reasons[k]);
  pc_json_add(o, "rejects_by_reason", r);
  pc_json_add_u64(o, "added", F->added);
  pc_json_add_u64(o, "lifted", lifted);
  pc_json_add_u64(o, "active", active);
  pc_json_add_u64(o, "new_cases", B->new_cases);
  pc_json_add_u64(o, "under_control", B->under_control);
  return o;
}

#define ACTIVE_DESC                                                                            \
  "every person whose code is active at the run's at: pid, subject (clear identity), "        \
  "subject_type, code, code_since, class and channel of the flag giving it, jurisdiction, "   \
  "flagged_at, reached_at (0: not reached), negatives (negative tests since code_since)"
#define REJECTS_DESC                                                                           \
  "feedback rows not applied: file (index in feedback) and source (its name), line "          \
  "(1-based, the header is 1), reason code and text; the line itself is not kept (it names "  \
  "a person: see the file at that line)"

/* The tables, in order. */
static int write_tables(pc_out *out, const pc_campaign *C, const pc_feedback *F, pc_buf *active,
                        pc_buf *batches, const pc_ledger_measure *m, size_t nm,
                        const pc_ledger_yield *y, size_t ny) {
  const int r0 = pc_rank(C->ctx) == 0;
  pc_out_table(out, "active", pc_schema_type(&pc_schema_active), active->data, active->n,
               ACTIVE_DESC);
  pc_out_table(out, "measures", pc_schema_type(&pc_schema_ledger_measures), m, r0 ? nm : 0,
               "per jurisdiction at at: flagged, active red and yellow, reached, reached within "
               "24 h of flagged_at, tested, positive, overdue (flagged more than 24 h before at, "
               "not reached, code active)");
  pc_out_table(out, "yield", pc_schema_type(&pc_schema_ledger_yield), y, r0 ? ny : 0,
               "per class and channel of the first flag (cases when first seen left out): "
               "flagged, and positive after it");
  pc_out_table(out, "batches", pc_schema_type(&pc_schema_batches_out), batches->data,
               r0 ? batches->n : 0,
               "the ledger's batches; found_under_control = under_control / new_cases (NaN "
               "without new cases)");
  pc_out_table(out, "rejects", pc_schema_type(&pc_schema_fb_rejects), F->rejects.data,
               r0 ? F->rejects.n : 0, REJECTS_DESC);
  return out->rc;
}

int pc_ledger_output_write(pc_campaign *C, const pc_feedback *F, const pc_config *cfg,
                           pc_file data, int64_t at, uint64_t lifted) {
  pc_ctx *ctx = C->ctx;
  pc_buf active, batches;
  pc_buf_init(&active, sizeof(pc_active_row));
  pc_buf_init(&batches, sizeof(pc_batch_out_row));
  pc_ledger_measure *m = NULL;
  pc_ledger_yield *y = NULL;
  size_t nm = 0, ny = 0;
  int rc = pc_agree(ctx, active_rows(C, &active) || batch_rows(C, &batches) ? PC_ERR_MEM : 0);
  if (!rc) rc = pc_campaign_stats(C, at, &m, &nm, &y, &ny);
  uint64_t nactive = active.n;
  if (!rc) rc = pc_agree(ctx, pc_sum_u64(ctx, &nactive, 1));
  pc_out out;
  char t0[24];
  if (!rc && !(rc = pc_out_create(ctx, cfg, pc_config_str(cfg, "output"), &out))) {
    write_tables(&out, C, F, &active, &batches, m, nm, y, ny);
    pc_out_json(&out, "counts", counts_json(C, F, nactive, lifted), 1);
    pc_out_attr_i64(&out, "at", at);
    pc_out_attr_str(&out, "at_local", pc_time_format(at, t0));
    pc_out_attr_str(&out, "ledger", C->path);
    pc_out_attr_str(&out, "data", pc_config_str(cfg, "data"));
    if (!out.rc) out.rc = pc_flagged_stamp_data(out.file, data);
    rc = pc_out_commit(&out, out.rc);
  }
  free(m);
  free(y);
  pc_buf_free(&active);
  pc_buf_free(&batches);
  return rc;
}

/* This rank's rows of new_cases.csv into o (its rows are by pid). */
static int new_case_lines(const pc_campaign *C, pc_textout *o, uint64_t *n) {
  const pc_ledger_row *r = C->L.rows.data;
  char onset[24], iso[24];
  for (size_t i = 0; i < C->L.rows.n; i++) {
    if (!r[i].positive_at || r[i].traced_batch >= r[i].case_batch) continue;
    char *p = pc_textout_room(o, 160);
    if (!p) return PC_ERR_MEM;
    iso[0] = 0;
    if (r[i].isolated_at) pc_time_format(r[i].isolated_at, iso);
    int k = snprintf(p, 160, "%.*s,%s,%s,,%.*s,confirmed\n", (int)sizeof r[i].subject,
                     r[i].subject, pc_time_format(r[i].positive_at, onset), iso,
                     (int)sizeof r[i].subject_type, r[i].subject_type);
    pc_textout_commit(o, (size_t)k);
    ++*n;
  }
  return 0;
}

int pc_ledger_new_cases_write(pc_campaign *C, const char *path, uint64_t *n) {
  pc_textout o;
  *n = 0;
  PC_CALL(pc_textout_open(C->ctx, path, "subject,onset,isolated,last_negative,subject_type,status\n",
                          &o));
  int rc = new_case_lines(C, &o, n);
  rc = pc_textout_close(C->ctx, &o, rc);
  if (!rc) rc = pc_agree(C->ctx, pc_sum_u64(C->ctx, n, 1));
  return rc;
}
