/* pc_report_check.c - the report's check of each output's own `counts` attribute against its tables: a disagreement is a warning on the page. */
#include <stdio.h>
#include <stdlib.h>

#include "pc_json.h"
#include "pc_report.h"
#include "pc_reportfile.h"

typedef pc_report report;

/* A `counts` member (a dotted path: "areas.<name>") against what the tables
 * hold; a missing, non-integer or different one is a warning on the page. */
static void check_count(report *R, const char *file, json_object *counts, const char *key,
                        uint64_t have) {
  int64_t v = -1;
  if (!pc_json_get_i64(counts, key, &v) && v >= 0 && (uint64_t)v == have) return;
  char a[40];
  pc_sb_printf(&R->warn,
               "<li>%s: the <code>counts</code> attribute gives %s %lld, its tables %s</li>", file,
               key, (long long)v, pc_report_fmt_num(have, a));
}

/* The trace's counts: per hop, companions, codes, channels. */
static int check_trace_counts(report *R) {
  char *t = NULL, k[64];
  PC_CALL(pc_h5_attr_read_str(R->trace, "counts", &t));
  json_object *j = json_tokener_parse(t);
  for (int h = 0; h <= R->maxhop; h++) {
    snprintf(k, sizeof k, "hop%d", h);
    check_count(R, R->trace_path, j, k, R->hop_n[h]);
  }
  check_count(R, R->trace_path, j, "companion", R->comp_n);
  check_count(R, R->trace_path, j, "red", R->trace_red);
  check_count(R, R->trace_path, j, "yellow", R->trace_yellow);
  /* what only the trace knows: its case rows not traced, contacts by their case's status */
  if (pc_json_get_i64(j, "unmatched", &R->unmatched)) R->unmatched = -1;
  if (pc_json_get_i64(j, "root_suspected", &R->root_suspected)) R->root_suspected = -1;
  if (pc_json_get_i64(j, "root_asymptomatic", &R->root_asymptomatic)) R->root_asymptomatic = -1;
  for (int c = 0; c < PC_NCHANNELS; c++) {
    snprintf(k, sizeof k, "channels.%s", pc_report_channel_name(c));
    check_count(R, R->trace_path, j, k, R->ch_n[c]);
  }
  json_object_put(j);
  free(t);
  return 0;
}

/* The screen's counts: persons, rows, codes, areas. */
static int check_screen_counts(report *R) {
  char *t = NULL, k[64];
  PC_CALL(pc_h5_attr_read_str(R->screen, "counts", &t));
  json_object *j = json_tokener_parse(t);
  check_count(R, R->screen_path, j, "screened", R->scr_persons);
  check_count(R, R->screen_path, j, "rows", R->scr_rows);
  check_count(R, R->screen_path, j, "red", R->scr_red);
  check_count(R, R->screen_path, j, "yellow", R->scr_yellow);
  for (int i = 0; i < R->nareas; i++) {
    snprintf(k, sizeof k, "areas.%s", R->areas[i].name);
    check_count(R, R->screen_path, j, k, R->areas[i].rows);
  }
  json_object_put(j);
  free(t);
  return 0;
}

int pc_report_check_counts(pc_report *R) {
  if (pc_reportfile_has_attr(R->trace, "counts")) PC_CALL(check_trace_counts(R));
  if (pc_reportfile_has_attr(R->screen, "counts")) PC_CALL(check_screen_counts(R));
  return 0;
}
