/* pc_contact.c - SPEC's contact rules over pairs of stays, and interval helpers. */
#include "pc_contact.h"

#include <string.h>

const char *const pc_channel_names[PC_NCHANNELS] = {"household", "cafe", "lodging", "flight",
                                                    "rail",      "lbs",  "grid"};

int pc_channel_of(const char *name) {
  for (int c = 0; c < PC_NCHANNELS; c++)
    if (strcmp(name, pc_channel_names[c]) == 0) return c;
  return -1;
}

pc_chan_rule pc_chan_rule_default(int c) {
  pc_chan_rule r = {PC_ROLE_CLOSE, 0, 0, 0, 0};
  switch (c) {
  case PC_CH_CAFE: r.min_overlap = 15 * 60; break;
  case PC_CH_LODGING: r.min_overlap = 60 * 60; break;
  case PC_CH_FLIGHT: r.rows = 3; break;
  case PC_CH_LBS:
    r.role = PC_ROLE_COMPANION;
    r.min_overlap = 10 * 60;
    break;
  case PC_CH_GRID:
    r.role = PC_ROLE_COMPANION;
    r.min_overlap = 10 * 60;
    r.cumulative = 30 * 3600;
    break;
  default: break;
  }
  return r;
}

int64_t pc_contact(const pc_chan_rule *r, int c, const pc_side *x, const pc_side *y, int64_t w0,
                   int64_t w1) {
  int64_t at = 0;
  int64_t m = pc_overlap_minutes(x->start, x->end, y->start, y->end, w0, w1, &at);
  if (m < 1) return -1; /* "any positive overlap" is at least one whole minute */
  /* Whole minutes m qualify when m * 60 >= the duration (a duration of 90 s needs 2). */
  int64_t min_m = (r->min_overlap + 59) / 60;
  if (c == PC_CH_FLIGHT && x->row && y->row) {
    int d = x->row - y->row;
    if (d < 0) d = -d;
    if (d > r->rows) return -1;
  }
  if (c == PC_CH_GRID) {
    int64_t cum_m = (r->cumulative + 59) / 60;
    int long_stay = x->cum_minutes >= cum_m || y->cum_minutes >= cum_m;
    if (r->rule_or) return (m >= min_m || long_stay) ? at : -1;
    return (m >= min_m && long_stay) ? at : -1;
  }
  return m >= min_m ? at : -1;
}

int64_t pc_union_minutes_strided(const int64_t *s, const int64_t *e, size_t stride, size_t n,
                                 int64_t lo, int64_t hi) {
  int64_t total = 0, cur0 = 0, cur1 = 0;
  int open = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t si = s[i * stride], ei = e[i * stride];
    int64_t a = si < lo ? lo : si, b = ei > hi ? hi : ei;
    if (b <= a) continue;
    if (open && a <= cur1) {
      if (b > cur1) cur1 = b;
    } else {
      if (open) total += cur1 - cur0;
      cur0 = a;
      cur1 = b;
      open = 1;
    }
  }
  if (open) total += cur1 - cur0;
  return total / 60;
}

int64_t pc_union_minutes(const int64_t *s, const int64_t *e, size_t n, int64_t lo, int64_t hi) {
  return pc_union_minutes_strided(s, e, 1, n, lo, hi);
}
