/* pc_ledger.c - the campaign's ledger as arrays: a batch merged in, feedback applied, codes lifted. */
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_ledger.h"
#include "pc_sort.h"

const char *const pc_lcode_names[PC_NLCODES] = {"green", "yellow", "red"};
const char *const pc_fb_names[PC_NFB] = {"reached", "tested", "isolated", "released"};

int pc_lcode_of(const char *name) {
  for (int c = 0; c < PC_NLCODES; c++)
    if (strcmp(name, pc_lcode_names[c]) == 0) return c;
  return -1;
}

int pc_ledger_event_cmp(const void *pa, const void *pb) {
  const pc_ledger_event *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (a->at != b->at) return a->at < b->at ? -1 : 1;
  if (a->batch != b->batch) return a->batch < b->batch ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}

int pc_ledger_level(const pc_ledger_row *r) {
  int c = pc_lcode_of(r->code);
  return r->lifted_at || c < 0 ? PC_LCODE_GREEN : c;
}

static void set_str(char *dst, size_t size, const char *src) {
  memset(dst, 0, size);
  size_t n = strnlen(src, size);
  memcpy(dst, src, n < size ? n : size - 1);
}
#define SET(dst, src) set_str((dst), sizeof(dst), (src))

/* The flag gives the person its code: the fields of "the flag giving the current code". */
static void take_code(pc_ledger_row *r, const pc_ledger_flag *f, int32_t batch, int64_t t) {
  SET(r->code, f->code);
  r->code_since = t;
  r->code_batch = batch;
  r->lifted_at = 0;
  r->negatives = 0;
  SET(r->cls, f->cls);
  SET(r->channel, f->channel);
  r->source_pid = f->source_pid;
  r->root_pid = f->root_pid;
  r->jurisdiction = f->jurisdiction;
  r->residence = f->residence;
}

static void first_flag(pc_ledger_row *r, const pc_ledger_flag *f, int32_t batch, int64_t t) {
  memset(r, 0, sizeof *r);
  r->pid = f->pid;
  SET(r->subject, f->subject);
  SET(r->subject_type, f->subject_type);
  r->first_batch = batch;
  r->flagged_at = t;
  SET(r->first_cls, f->cls);
  SET(r->first_channel, f->channel);
}

/* A hop-0 flag: the person was traced as a case in this batch. */
static void traced(pc_ledger_row *r, const pc_ledger_flag *f, int32_t batch, int64_t t) {
  if (strcmp(f->cls, "hop0") != 0) return;
  r->traced_batch = batch;
  if (!r->case_batch) r->case_batch = batch, r->case_at = t;
}

static int sorted_flags(const pc_ledger_flag *f, size_t m) {
  for (size_t j = 1; j < m; j++)
    if (f[j].pid <= f[j - 1].pid) return 0;
  return 1;
}

static int sorted_rows(const pc_ledger_row *r, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (r[i].pid <= r[i - 1].pid) return 0;
  return 1;
}

int pc_ledger_merge(const pc_ledger_row *old, size_t n, const pc_ledger_flag *f, size_t m,
                    int32_t batch, int64_t t, pc_ledger_row *out, size_t *nout, uint8_t *isnew) {
  if (!sorted_flags(f, m) || !sorted_rows(old, n))
    return PC_ERROR(PC_ERR_ARG, "ledger merge: rows or flags not sorted by unique pid");
  size_t i = 0, j = 0, k = 0;
  while (i < n || j < m) {
    if (j == m || (i < n && old[i].pid < f[j].pid)) {
      out[k++] = old[i++];
      continue;
    }
    pc_ledger_row *r = &out[k++];
    int known = i < n && old[i].pid == f[j].pid;
    if (known)
      *r = old[i++];
    else
      first_flag(r, &f[j], batch, t);
    int up = !known || pc_lcode_of(f[j].code) > pc_ledger_level(r);
    if (up) take_code(r, &f[j], batch, t);
    traced(r, &f[j], batch, t);
    isnew[j++] = (uint8_t)up;
  }
  *nout = k;
  return 0;
}

static void positive(pc_ledger_row *r, int64_t at, int32_t batch) {
  if (r->positive_at) return; /* the first positive test makes the case */
  r->positive_at = at;
  if (!r->case_batch) r->case_batch = batch, r->case_at = at;
  SET(r->code, "red");
  r->code_since = at;
  r->code_batch = batch;
  r->lifted_at = 0;
  r->negatives = 0;
  SET(r->cls, "positive");
  SET(r->channel, "feedback");
}

void pc_ledger_apply(pc_ledger_row *r, const pc_ledger_event *e, size_t k, int32_t batch, int64_t t) {
  if (!r->first_batch) {
    r->first_batch = batch;
    r->flagged_at = t;
    SET(r->first_cls, "positive");
    SET(r->first_channel, "feedback");
  }
  for (size_t i = 0; i < k; i++) {
    const pc_ledger_event *v = &e[i];
    switch (v->event) {
    case PC_FB_REACHED:
      if (!r->reached_at) r->reached_at = v->at;
      break;
    case PC_FB_ISOLATED: r->isolated_at = v->at; break;
    case PC_FB_RELEASED: r->released_at = v->at; break;
    case PC_FB_TESTED:
      r->tests++;
      if (v->at > r->last_test_at) r->last_test_at = v->at;
      if (v->result == PC_FB_POSITIVE)
        positive(r, v->at, batch);
      else if (v->result == PC_FB_NEGATIVE && r->code_since && v->at >= r->code_since)
        r->negatives++;
      break;
    default: break;
    }
  }
}

int pc_ledger_lifts(const pc_ledger_row *r, const pc_ledger_policy *p, int64_t at) {
  int c = pc_ledger_level(r);
  if (c == PC_LCODE_GREEN || p->after[c] < 0) return 0;
  return at - r->code_since >= p->after[c] && r->negatives >= p->negative_tests[c];
}

void pc_ledger_count(const pc_ledger_row *r, size_t n, int32_t b, pc_ledger_batch *B) {
  for (size_t i = 0; i < n; i++) {
    if (r[i].first_batch == b) B->new_flagged++;
    if (r[i].case_batch == b) {
      B->new_cases++;
      if (r[i].flagged_at < r[i].case_at) B->under_control++;
    }
    int c = pc_ledger_level(&r[i]);
    if (c == PC_LCODE_RED) B->active_red++;
    if (c == PC_LCODE_YELLOW) B->active_yellow++;
  }
}

size_t pc_ledger_changed(const pc_ledger_row *old, size_t n, const pc_ledger_row *cur, size_t m,
                         pc_ledger_row *out) {
  size_t i = 0, k = 0;
  for (size_t j = 0; j < m; j++) {
    while (i < n && old[i].pid < cur[j].pid) i++;
    if (i < n && old[i].pid == cur[j].pid && !memcmp(&old[i], &cur[j], sizeof *cur)) continue;
    out[k++] = cur[j];
  }
  return k;
}

/* A delta row's pid and its place in the order the deltas were written. */
typedef struct seq_row {
  uint64_t pid;
  size_t at;
} seq_row;

static int seq_cmp(const void *pa, const void *pb) {
  const seq_row *a = pa, *b = pb;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  return (a->at > b->at) - (a->at < b->at);
}

int pc_ledger_overlay(const pc_ledger_row *base, size_t n, const pc_ledger_row *d, size_t k,
                      pc_ledger_row *out, size_t *nout) {
  for (size_t i = 1; i < n; i++)
    if (base[i].pid <= base[i - 1].pid)
      return PC_ERROR(PC_ERR_ARG, "ledger base not sorted by unique pid at row %zu", i);
  seq_row *s = pc_malloc((k + 1) * sizeof *s, "ledger deltas");
  if (!s) return PC_ERR_MEM;
  for (size_t j = 0; j < k; j++) s[j] = (seq_row){d[j].pid, j};
  pc_qsort(s, k, sizeof *s, seq_cmp);
  size_t i = 0, o = 0;
  for (size_t j = 0; j < k; j++) {
    if (j + 1 < k && s[j + 1].pid == s[j].pid) continue; /* a later delta has this pid */
    while (i < n && base[i].pid < s[j].pid) out[o++] = base[i++];
    if (i < n && base[i].pid == s[j].pid) i++; /* replaced */
    out[o++] = d[s[j].at];
  }
  while (i < n) out[o++] = base[i++];
  free(s);
  *nout = o;
  return 0;
}
