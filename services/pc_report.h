/* pc_report.h - the report's reading of a run's outputs, its HTML page (inline SVG) and provenance. */
#ifndef PC_REPORT_H
#define PC_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pc_strbuf.h"
#include "pc_err.h"
#include "pc_mpi.h"
#include "pc_region.h"
#include "pc_reportfile.h"
#include "pc_schema.h"

/* Rank 0 does the work (a login node after the batch job: one process is
 * enough); the other ranks only join the atomic write. Everything is
 * aggregated while streaming: the trace's /contacts are held (every hop,
 * needed to walk each chain back to its case), while /companions, /screened
 * and the dataset's /persons are read in chunks of 1 M rows and merged in
 * pid order (each is sorted by pid), and the breakdown's /targets and
 * /testing summed in chunks alike, so memory does not grow with the
 * province and the page holds no per-person element but the bounded nodes
 * of the trees. Every number on the page that a test checks carries data-k
 * (its name) and data-value (the raw integer). No clear identity, pid or
 * place name is ever written: counts, region names, and case ordinals. */

#define PC_REPORT_MAXHOP 32
#define PC_REPORT_NBANDS 18            /* the pyramid's 5-year bands: 0-4, ..., 80-84, 85+ */
#define PC_REPORT_NONE UINT32_MAX
#define PC_REPORT_NCH (PC_NCHANNELS + 1) /* the channels, then "other" */
#define PC_REPORT_MAXAREAS 256

/* ---- the page's text: a growing buffer; out of memory is kept in oom ---- */

/* The page's text: kernels/pc_strbuf (oom set when a write did not fit: the
 * text is incomplete). */
typedef pc_strbuf pc_sb;

/* Append to b. Local; out of memory sets b->oom and drops the text. */
void pc_sb_put(pc_sb *b, const char *s, size_t len);
void pc_sb_puts(pc_sb *b, const char *s);
void pc_sb_printf(pc_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HTML-escaped text of at most max bytes (fixed-length HDF5 strings need not
 * end in NUL). Local, as pc_sb_put. */
void pc_sb_esc(pc_sb *b, const char *s, size_t max);
/* A checked number: <tag data-k="KEY" data-value="v">v with commas</tag>.
 * Local, as pc_sb_put. */
void pc_sb_kv(pc_sb *b, const char *tag, uint64_t v, const char *kfmt, ...)
    __attribute__((format(printf, 4, 5)));
/* a / n as "12.3%", "–" when n is 0. Local, as pc_sb_put. */
void pc_sb_pct(pc_sb *b, uint64_t a, uint64_t n);
/* 2629 -> "2,629" into buf (40 bytes are enough); returns buf. Local, never fails. */
char *pc_report_fmt_num(uint64_t v, char *buf);
/* The name of channel c (PC_CH_*), "other" for PC_NCHANNELS. Local, never fails. */
const char *pc_report_channel_name(int c);

/* ---- what the page shows, aggregated from the outputs ---- */

/* Counts per region code, kept sorted by code while counting (a few hundred
 * entries at most); the page then orders them by count. */
typedef struct pc_report_agg {
  uint64_t code;
  uint64_t v[3];
} pc_report_agg;
typedef struct pc_report_aggmap {
  pc_report_agg *a;
  size_t n, cap;
} pc_report_aggmap;


typedef struct pc_report_pyramid {
  uint64_t c[2][PC_REPORT_NBANDS]; /* [male, female][band] */
  uint64_t total, unknown;         /* unknown: sex or age unknown */
} pc_report_pyramid;

/* One person of /contacts, held for the trees. */
typedef struct pc_report_node {
  uint64_t pid, source, jurisdiction, residence;
  int64_t exposure;
  uint32_t root; /* ordinal (0-based) of the case the chain starts at; NONE unresolved */
  uint32_t anc1; /* dense index of the hop-1 ancestor (itself at hop 1); NONE for a case */
  uint8_t hop, red, yellow;
  int8_t channel; /* PC_CH_*, -1 case, PC_NCHANNELS other */
} pc_report_node;

typedef struct pc_report_area {
  char name[33];
  uint64_t rows;
} pc_report_area;

typedef struct pc_report {
  const char *trace_path, *screen_path, *bd_path, *data_path;
  pc_reportfile trace, screen, bd, data; /* -1: not given */
  pc_region *reg;
  size_t nreg;
  int64_t as_of;
  int top, nclusters;
  /* trace */
  pc_report_node *nodes;
  size_t nn;
  int maxhop;
  uint64_t hop_n[PC_REPORT_MAXHOP + 1], comp_n, trace_red, trace_yellow, ch_n[PC_REPORT_NCH],
      unresolved;
  int64_t unmatched, root_suspected, root_asymptomatic; /* from the trace's counts; -1 unknown */
  uint32_t *cases; /* node index of each case, by ordinal */
  size_t ncases, nh1;
  uint32_t *h1node;   /* node index of each hop-1 person, by dense index */
  uint64_t *clu;      /* [case][maxhop + 2]: [h] persons at hop h, [maxhop + 1] companions */
  uint64_t *h1;       /* [hop-1 person][maxhop + 2]: their descendants, alike */
  uint64_t *casecomp; /* companions whose source is the case itself */
  /* screen */
  uint64_t scr_persons, scr_rows, scr_red, scr_yellow;
  pc_report_area areas[PC_REPORT_MAXAREAS];
  int nareas;
  /* everyone flagged, each once */
  uint64_t fl_persons, fl_red, fl_yellow;
  pc_report_aggmap city, county; /* v: total, red, yellow */
  int county_by_jur;
  pc_report_pyramid all, flag;
  uint64_t persons_rows;
  /* breakdown */
  pc_report_aggmap vax; /* v: persons aged vax_from+, below the required doses, unvaccinated */
  int vax_from, has_targets, has_testing;
  int64_t required_doses;
  uint64_t vax_persons, vax_below, vax_unvacc;
  uint64_t t_rows, t_residents, t_red, t_yellow, t_flagged;
  pc_report_agg *t_top; /* the top communities of /testing, v: flagged, red, yellow */
  size_t nt_top;
  /* the campaign's ledger: its small tables only (never /persons, which is
   * identity-bearing and ten million rows in a province-wide campaign) */
  const char *ledger_path;
  pc_reportfile ledger;
  pc_ledger_batch *lb;   /* /batches, by batch */
  pc_ledger_measure *lm; /* /measures, by jurisdiction, at the last batch's time */
  pc_ledger_yield *ly;   /* /yield, by class and channel */
  size_t nlb, nlm, nly;
  pc_sb warn; /* the outputs' own counts, where they disagree with their tables */
} pc_report;

/* ---- streaming (pc_report_stream.c); every function Local ---- */

#define PC_REPORT_CHUNK ((size_t)1 << 20) /* rows read at a time */

/* A table read front to back in chunks, checked to be sorted by pid. */
typedef struct pc_report_cursor {
  pc_table t;
  uint64_t n, next; /* rows in the table; the first not yet read */
  void *buf;
  size_t rowsize, len, pos; /* the chunk in buf: its rows, the current one */
  uint64_t last;            /* the pid of the last row popped */
  const char *path, *name;
} pc_report_cursor;

/* Open table v->name of f (path for messages) through view v
 * (pc_view_report_* or pc_schema_persons; pid its first field). An absent
 * table, or f < 0, is an empty cursor. Fails as pc_table_open, PC_ERR_MEM. */
int pc_report_cursor_open(pc_reportfile f, const char *path, const pc_schema *v,
                          pc_report_cursor *c);
/* The current row into *row (NULL at the end), reading the next chunk when
 * needed. Fails on a read error, PC_ERR_DATA when the pid is below the last
 * row popped. */
int pc_report_cursor_head(pc_report_cursor *c, const void **row);
/* Past the current row (pc_report_cursor_head gave one). Never fails. */
void pc_report_cursor_pop(pc_report_cursor *c);
/* Close the table, free the chunk; c stays closable. Never fails. */
void pc_report_cursor_close(pc_report_cursor *c);

/* 1 when the fixed-length code field c (8 bytes, no NUL needed) is s. */
int pc_report_code_is(const char *c, const char *s);
/* The channel of a fixed-length channel field (16 bytes): PC_CH_*, -1 for
 * "case", PC_NCHANNELS for any other. Never fails. */
int pc_report_channel_of(const char *s);

/* The entry of code in m, added with zero counts when new (m stays sorted
 * by code). NULL when out of memory (the error raised). */
pc_report_agg *pc_report_agg_at(pc_report_aggmap *m, uint64_t code);
/* qsort orders of pc_report_agg: by v[0] (or v[1]) descending, then code
 * ascending (the page's order everywhere). Never fail. */
int pc_report_agg_by_v0(const void *a, const void *b);
int pc_report_agg_by_v1(const void *a, const void *b);

/* ---- reading (pc_report_read.c but where named); rank 0 alone, every function Local ---- */

/* A report of the given files (trace, screen, bd: NULL or "" when not
 * given), nothing open yet. NULL when out of memory (the error raised). */
pc_report *pc_report_new(const char *data, const char *trace, const char *screen,
                         const char *bd, int top, int nclusters);
/* Close the files, free everything. NULL is fine. */
void pc_report_free(pc_report *R);
/* Open every file given (R->ledger_path too, set after pc_report_new) and
 * check it: trace, screen and ledger made from the dataset, each output the
 * kind it is given as; read the dataset's as_of and regions (when given) and
 * tell how counties are assigned. Fails PC_ERR_IO (a file unreadable),
 * PC_ERR_DATA (another kind of file, another dataset), PC_ERR_MEM. */
int pc_report_open(pc_report *R);
/* Hold the trace's /contacts and resolve each chain to its case and hop-1
 * ancestor. Fails PC_ERR_DATA (a person twice, a hop too deep, not sorted
 * by pid), a read error, PC_ERR_MEM. */
int pc_report_read_trace(pc_ctx *ctx, pc_report *R);
/* pc_report_merge.c: the merge in pid order of /contacts (held),
 * /companions, /screened and the dataset's /persons: every flagged person
 * once, the pyramids, the clusters' companions. Fails PC_ERR_DATA (a person
 * twice in /companions, a table not sorted by pid, more than
 * PC_REPORT_MAXAREAS areas), a read error, PC_ERR_MEM. */
int pc_report_merge(pc_ctx *ctx, pc_report *R);
/* The breakdown's /targets (the vaccination gap) and /testing (the top
 * communities). Fails on a read error, PC_ERR_MEM. */
int pc_report_read_breakdown(pc_report *R);
/* pc_report_ledger.c: the ledger's /batches, /measures and /yield (small
 * tables: a batch, a jurisdiction, a class and channel per row). Fails
 * PC_ERR_DATA (batches not numbered 1, 2, ... in order), a read error,
 * PC_ERR_MEM. */
int pc_report_read_ledger(pc_report *R);
/* pc_report_check.c: the outputs' own `counts` attributes against their
 * tables: each disagreement is a warning line in R->warn. Fails on a read
 * error. */
int pc_report_check_counts(pc_report *R);
/* The name of a region code, NULL when the dataset has none. */
const char *pc_report_region_name(const pc_report *R, uint64_t code);
/* The index in R->nodes of pid, (size_t)-1 when not held. */
size_t pc_report_node_find(const pc_report *R, uint64_t pid);

/* ---- the page (pc_report_page.c, its parts in the files named); Local ---- */

/* The whole page into b: head, every section, provenance. Fails PC_ERR_MEM
 * (b->oom tells a page cut short). */
int pc_report_page(pc_ctx *ctx, pc_report *R, pc_sb *b);

/* pc_report_svg.c: the charts; each writes into b, failing as pc_sb_put. */
/* The colour of channel c (PC_CH_*), "other"'s for PC_NCHANNELS. Never fails. */
const char *pc_report_channel_color(int c);
/* The label of a region: its name and code digits at `level` ("长沙市 4301";
 * "city 4301" when no dataset was given),
 * `none` for code 0. */
void pc_sb_region(pc_sb *b, const pc_report *R, uint64_t code, int level, const char *none);
/* Horizontal stacked bars (red, yellow, the rest grey) of the people to reach
 * in a[0..n), one row per region; the numbers checked as PREFIX-<code>. */
void pc_report_svg_reach(pc_sb *b, const pc_report *R, const pc_report_agg *a, size_t n,
                         int level, const char *prefix, const char *none);
/* One bar per county of a[0..n) (R->vax's entries): those below the required doses. */
void pc_report_svg_vax(pc_sb *b, const pc_report *R, const pc_report_agg *a, size_t n);
/* Age band i as "0-4", ..., "85+" into buf (16 bytes are enough). Never fails. */
void pc_report_band_label(int i, char *buf);
/* Male left, female right; each set as shares of its own known total: the
 * whole population as grey bars, the flagged (when has_flag) as narrower
 * coloured bars. */
void pc_report_svg_pyramid(pc_sb *b, const pc_report_pyramid *all, const pc_report_pyramid *fl,
                           int has_flag);

/* pc_report_ledger.c: the campaign over time from the ledger's tables (per
 * batch and per local day, codes active, found under control, reach within
 * 24 h per city, yield per class and channel), nothing without a ledger.
 * pc_report_ledger_svg.c draws its charts. Fails PC_ERR_MEM. */
int pc_report_campaign_section(pc_sb *b, const pc_report *R);
/* One series of a column chart: a value per column, its fill colour, its name. */
typedef struct pc_report_series {
  const uint64_t *v;
  const char *fill, *name;
} pc_report_series;
/* Columns, one per label of lab[0..n), of k series (1 or 2): stacked (the
 * series on one scale) or, when !stacked, one panel per series, each on its
 * own scale (new flagged and new cases differ by orders of magnitude). */
void pc_report_svg_columns(pc_sb *b, const char *const *lab, size_t n, const pc_report_series *s,
                           int k, int stacked);
/* Found under control per batch: a column per batch of under[i] / cases[i]
 * as a share, "—" where cases[i] is 0. */
void pc_report_svg_shares(pc_sb *b, const char *const *lab, size_t n, const uint64_t *under,
                          const uint64_t *cases);
/* One row per entry of m[0..n) (measures summed per city): flagged,
 * stacked as reached within 24 h, reached later, overdue, the rest. */
void pc_report_svg_reach24(pc_sb *b, const pc_report *R, const pc_ledger_measure *m, size_t n);
/* One row per entry of y[0..n): flagged, and the later positive among them. */
void pc_report_svg_yield(pc_sb *b, const pc_ledger_yield *y, size_t n);

/* pc_report_tree.c: the transmission trees of the R->nclusters largest
 * clusters, nothing without a trace. Fails PC_ERR_MEM. */
int pc_report_trees_section(pc_sb *b, const pc_report *R);

/* pc_report_prov.c: every file as a column: its root attributes and its run record's
 * figures, then the effective configs, input lists and run records in full.
 * Never fails (what cannot be read shows as "–" or is left out). */
void pc_report_provenance(pc_sb *b, const pc_report *R);

#endif
