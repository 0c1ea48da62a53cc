/* pc_report_prov.c - the report's provenance: every file's attributes, run record, config and inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_json.h"
#include "pc_report.h"
#include "pc_reportfile.h"
#include "pc_time.h"

typedef pc_sb sb;
typedef pc_report report;

/* One cell of the provenance table: an attribute of a file, "–" when absent. */
static void prov_cell(sb *b, pc_reportfile f, const char *name) {
  char *s = NULL, tb[32];
  long long v = 0;
  int kind = pc_reportfile_attr(f, name, &s, &v);
  if (kind == PC_REPORTFILE_ABSENT) {
    pc_sb_puts(b, "<td>–</td>");
    return;
  }
  pc_sb_puts(b, "<td>");
  if (kind == PC_REPORTFILE_STR) {
    pc_sb_esc(b, s, strlen(s));
    free(s);
  } else if (kind == PC_REPORTFILE_INT) {
    if (!strcmp(name, "as_of") || !strcmp(name, "dispatch_at") || !strncmp(name, "window_", 7) ||
        !strcmp(name, "last_time"))
      pc_sb_printf(b, "%s", pc_time_format(v, tb));
    else if (!strcmp(name, "ranks"))
      pc_sb_printf(b, "%lld", v);
    else
      pc_sb_puts(b, pc_report_fmt_num((uint64_t)v, tb));
  }
  pc_sb_puts(b, "</td>");
}

static char *read_small(const char *path, size_t max) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char *s = malloc(max + 1);
  size_t n = s ? fread(s, 1, max, f) : 0;
  fclose(f);
  if (s) s[n] = 0;
  return s;
}

/* The report's five files, each a column when given. */
enum { NPROV = 5 };
typedef struct prov {
  const char *what[NPROV], *path[NPROV];
  pc_reportfile f[NPROV];
  char *rec[NPROV];         /* each one's run record (PATH.run.json), NULL when none */
  json_object *jrec[NPROV]; /* the run record parsed, NULL when none or not JSON */
} prov;

static void prov_open(prov *P, const report *R) {
  *P = (prov){.what = {"trace", "screen", "breakdown", "ledger", "dataset"},
              .path = {R->trace_path, R->screen_path, R->bd_path, R->ledger_path, R->data_path},
              .f = {R->trace, R->screen, R->bd, R->ledger, R->data}};
  for (int i = 0; i < NPROV; i++)
    if (P->f[i] >= 0) {
      char p[4200];
      snprintf(p, sizeof p, "%s.run.json", P->path[i]);
      P->rec[i] = read_small(p, 1 << 20);
      P->jrec[i] = P->rec[i] ? json_tokener_parse(P->rec[i]) : NULL;
    }
}

static void prov_close(prov *P) {
  for (int i = 0; i < NPROV; i++) {
    free(P->rec[i]);
    json_object_put(P->jrec[i]);
  }
}

/* The table's head (a column per file) and a row per root attribute any file has. */
static void prov_attrs(sb *b, const prov *P) {
  pc_sb_puts(b, "<h2>Provenance</h2>\n<table class=\"prov\"><tr><th></th>");
  for (int i = 0; i < NPROV; i++)
    if (P->f[i] >= 0) {
      pc_sb_printf(b, "<th>%s<br><code>", P->what[i]);
      pc_sb_esc(b, P->path[i], strlen(P->path[i]));
      pc_sb_puts(b, "</code></th>");
    }
  pc_sb_puts(b, "</tr>\n");
  static const char *const attrs[][2] = {
      {"job", "job"}, {"tool_version", "paicha version"}, {"as_of", "as_of (UTC+8)"},
      {"window_start", "data window from"}, {"window_end", "data window to"},
      {"dispatch_at", "jurisdiction at"}, {"data", "dataset"}, {"index", "index"},
      {"cases", "cases file"}, {"persons", "persons"}, {"stays", "stays"},
      {"batches", "batches"}, {"last_time", "last batch at (UTC+8)"},
      {"ranks", "ranks"}, {"run_time", "run at (UTC)"}, {"slurm_job_id", "Slurm job"},
      {"slurm_nodelist", "Slurm nodes"}};
  for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++) {
    int any = 0;
    for (int i = 0; i < NPROV; i++) any |= pc_reportfile_has_attr(P->f[i], attrs[k][0]);
    if (!any) continue;
    pc_sb_printf(b, "<tr><td>%s</td>", attrs[k][1]);
    for (int i = 0; i < NPROV; i++)
      if (P->f[i] >= 0) prov_cell(b, P->f[i], attrs[k][0]);
    pc_sb_puts(b, "</tr>\n");
  }
}

/* The run records' figures as the table's last rows: wall time, peak memory. */
static void prov_figures(sb *b, const prov *P) {
  pc_sb_puts(b, "<tr><td>wall time</td>");
  for (int i = 0; i < NPROV; i++) {
    if (P->f[i] < 0) continue;
    json_object *w = NULL;
    if (P->jrec[i] && json_object_object_get_ex(P->jrec[i], "wall_seconds", &w))
      pc_sb_printf(b, "<td>%.2f s</td>", json_object_get_double(w));
    else pc_sb_puts(b, "<td>–</td>");
  }
  pc_sb_puts(b, "</tr>\n<tr><td>peak memory per rank</td>");
  for (int i = 0; i < NPROV; i++) {
    if (P->f[i] < 0) continue;
    int64_t rss = -1;
    if (pc_json_get_i64(P->jrec[i], "peak_rss_bytes_max", &rss)) rss = -1;
    if (rss >= 0) pc_sb_printf(b, "<td>%.0f MB</td>", (double)rss / 1048576);
    else pc_sb_puts(b, "<td>–</td>");
  }
  pc_sb_puts(b, "</tr></table>\n");
}

/* Each file's effective config, input list and run record in full, folded. */
static void prov_texts(sb *b, const prov *P) {
  static const char *const texts[2][2] = {{"config", "effective config"},
                                          {"inputs", "input files"}};
  for (int i = 0; i < NPROV; i++) {
    if (P->f[i] < 0) continue;
    for (int k = 0; k < 2; k++) {
      char *s = NULL;
      if (!pc_reportfile_has_attr(P->f[i], texts[k][0]) ||
          pc_h5_attr_read_str(P->f[i], texts[k][0], &s))
        continue;
      pc_sb_printf(b, "<details><summary>%s: %s (the <code>%s</code> attribute)</summary><pre>",
                   P->what[i], texts[k][1], texts[k][0]);
      pc_sb_esc(b, s, strlen(s));
      pc_sb_puts(b, "</pre></details>\n");
      free(s);
    }
    if (P->rec[i]) {
      pc_sb_printf(b, "<details><summary>%s: run record (<code>", P->what[i]);
      pc_sb_esc(b, P->path[i], strlen(P->path[i]));
      pc_sb_puts(b, ".run.json</code>)</summary><pre>");
      pc_sb_esc(b, P->rec[i], strlen(P->rec[i]));
      pc_sb_puts(b, "</pre></details>\n");
    }
  }
}

void pc_report_provenance(sb *b, const report *R) {
  prov P;
  prov_open(&P, R);
  prov_attrs(b, &P);
  prov_figures(b, &P);
  prov_texts(b, &P);
  prov_close(&P);
}
