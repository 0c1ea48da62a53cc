/* pc_screen_ledger.c - screen's batch of a campaign: the ledger read for this rank's persons, one flag per person, `new` marked. */
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_screen_ledger.h"

int pc_screen_campaign_open(pc_ctx *ctx, pc_screener *S, pc_campaign *C) {
  /* this rank holds the pids from its first person to the next rank's first,
   * rank 0 from 0: the ranges ascend and cover every pid */
  uint64_t p0 = pc_rank(ctx) == 0 ? 0 : S->np ? S->persons[0].pid : 1;
  uint64_t p1 = S->hi_pid == UINT64_MAX ? UINT64_MAX : S->hi_pid - 1;
  if (!S->np && pc_rank(ctx) != 0) p1 = 0; /* no persons: an empty range */
  return pc_campaign_open_range(ctx, S->cfg, S->data, S->data_path, "screen", S->as_of,
                                pc_config_str(S->cfg, "output"), p0, p1, C);
}

static void flag_of(pc_ledger_flag *f, const pc_screened_row *r) {
  memset(f, 0, sizeof *f);
  f->pid = r->pid;
  f->jurisdiction = r->jurisdiction;
  f->residence = r->residence;
  memcpy(f->subject, r->subject, sizeof f->subject);
  memcpy(f->subject_type, r->subject_type, sizeof f->subject_type);
  memcpy(f->code, r->code, sizeof f->code);
  snprintf(f->cls, sizeof f->cls, "screened");
  snprintf(f->channel, sizeof f->channel, "screening");
}

int pc_screen_campaign(pc_screener *S, pc_campaign *C) {
  pc_screened_row *rows = S->rows.data;
  const size_t n = S->rows.n;
  if (!C->path) { /* no campaign: every row is new (SPEC), no flags to build */
    for (size_t i = 0; i < n; i++) rows[i].is_new = 1;
    return pc_agree(S->ctx, 0);
  }
  pc_ledger_flag *f = pc_malloc((n + 1) * sizeof *f, "ledger flags");
  uint8_t *isnew = pc_malloc(n + 1, "ledger flags");
  int rc = pc_agree(S->ctx, f && isnew ? 0 : PC_ERR_MEM);
  size_t m = 0;
  for (size_t i = 0; i < n && !rc; i++)
    if (!m || rows[i].pid != f[m - 1].pid) flag_of(&f[m++], &rows[i]);
  if (!rc) rc = pc_campaign_flag(C, f, m, isnew);
  for (size_t i = 0, j = 0; i < n && !rc; i++) {
    while (f[j].pid != rows[i].pid) j++;
    rows[i].is_new = isnew[j];
  }
  free(f);
  free(isnew);
  return rc;
}
