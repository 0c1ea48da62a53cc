/* pc_schema.h - one declaration per on-disk table: its row, its columns, its HDF5 type, its readers. */
#ifndef PC_SCHEMA_H
#define PC_SCHEMA_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "pc_agroup.h"
#include "pc_file.h"
#include "pc_index.h"
#include "pc_ledger.h"
#include "pc_province.h"
#include "pc_rows.h"
#include "pc_types.h"

/* Why a column list and not hand-built HDF5 types: the writer and every
 * reader of a table build its type from the same list, so a column renamed or
 * retyped on one side cannot read as zeros on the other; and a reader checks
 * a file's columns against the list before reading (pc_table_open), so a file
 * of another version is refused with the column's name.
 *
 *   table  = the rows a writer stores: every column, file type == memory type
 *            (same names, order, sizes and padding as the C struct)
 *   view   = a reader's subset of a table's columns, into its own struct;
 *            each column's type is the table's (looked up by name), only the
 *            offset is the view's */

typedef enum pc_coltype {
  PC_COL_TABLE = 0, /* views only: the type of the table's column of that name */
  PC_COL_U8,
  PC_COL_U16,
  PC_COL_U32,
  PC_COL_U64,
  PC_COL_I16,
  PC_COL_I32,
  PC_COL_I64,
  PC_COL_F64,
  PC_COL_STR,   /* fixed length, NUL-padded, UTF-8 */
  PC_COL_BYTES, /* fixed length, NUL-padded, bytes as received (not necessarily UTF-8) */
} pc_coltype;

typedef struct pc_column {
  const char *name;
  size_t offset; /* in the row struct */
  size_t size;   /* bytes of the field: for strings, their fixed length */
  pc_coltype type;
  int optional;  /* readers: a file without it reads as 0 (numbers) or "" (strings) */
} pc_column;

typedef struct pc_schema {
  const char *name;              /* dataset name in its file ("contacts"); NULL: given at open */
  size_t rowsize;                /* sizeof the row struct */
  const pc_column *cols;
  size_t ncols;
  const struct pc_schema *table; /* views: the table they read; NULL for a table */
} pc_schema;

/* A column of struct T, field f, stored as `name` of type `ty` (tables). */
#define PC_COLUMN(T, f, name_, ty) \
  { .name = (name_), .offset = offsetof(T, f), .size = sizeof(((T *)0)->f), .type = (ty) }
/* A column of a view: struct T, field f, reading the table's column `name`. */
#define PC_VIEW_COLUMN(T, f, name_) \
  { .name = (name_), .offset = offsetof(T, f), .size = sizeof(((T *)0)->f), .type = PC_COL_TABLE }

/* ---- rows of the outputs (the dataset's rows are in pc_types.h, pc_province.h, pc_index.h) ---- */

/* One row of screen's /screened. */
typedef struct pc_screened_row {
  uint64_t pid;
  int64_t exposure; /* the first second counted */
  int64_t dwell;    /* seconds, whole minutes */
  uint64_t jurisdiction;
  uint64_t residence;
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN]; /* the document's type (pc_doc_names) */
  char area[32];
  char code[8];
  char sector[2];
  int16_t age;
  uint8_t is_new; /* SPEC `new`: 1 new to the campaign's ledger or code went up (1 without one) */
  uint8_t pad[3];
  int64_t reached_at; /* t_A: the instant the dwell reached the area's min_dwell */
  int64_t then_at;    /* the area's then: the instant the dwell there from t_A reached its
                         min_dwell (0: the area has no then) */
  int64_t then_dwell; /* seconds there within [t_A, t_A + within), whole minutes (0: no then) */
} pc_screened_row;
_Static_assert(sizeof(pc_screened_row) == 144, "pc_screened_row is the on-disk row of /screened");

/* One row of trace's /contacts (with hop) and /companions (without). */
typedef struct pc_trace_row {
  uint64_t pid;
  int64_t exposure;
  uint64_t source_pid;
  uint64_t place;
  uint64_t jurisdiction;
  uint64_t residence;
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN]; /* the document's type (pc_doc_names) */
  char source[PC_SUBJECT_LEN];
  char channel[16];
  char place_name[PC_PLACE_NAME_LEN];
  char code[8];
  char sector[2];
  int16_t age;
  uint8_t hop;
  char root_status[12]; /* the status of the case the chain starts from: confirmed, ... */
  uint8_t is_new;       /* SPEC `new`: 1 new to the campaign's ledger or code went up (1 without one) */
  uint8_t pad[2];
} pc_trace_row;
_Static_assert(sizeof(pc_trace_row) == 184, "pc_trace_row is the on-disk row of /contacts");

/* One row of trace's /unmatched: a case row of cases.csv that was not traced. */
typedef struct pc_unmatched_row {
  uint64_t line;         /* 1-based line of cases.csv (the header is line 1) */
  char subject_type[12]; /* what the row named the case by (its number is not repeated here) */
  char reason[84];       /* why: not in the dataset, an empty window, ... */
} pc_unmatched_row;
_Static_assert(sizeof(pc_unmatched_row) == 104, "pc_unmatched_row is the on-disk row of /unmatched");

/* One row of itinerary's /itinerary: a case's visit as a city publishes it
 * (the case by ordinal; no identity, no place id). */
typedef struct pc_itin_row {
  int64_t start, end;
  uint64_t region;                  /* 12-digit code of the place */
  uint32_t ordinal, visit;          /* the case's ordinal; the visit's number within the case */
  char place[PC_PLACE_NAME_LEN];
  char channel[8];                  /* cafe, lodging, flight, rail */
  char channel_zh[8];               /* 网吧, 酒店, 航班, 列车 */
  char city[PC_REGION_NAME_LEN], district[PC_REGION_NAME_LEN];
  uint16_t stays;                   /* stays merged into the visit */
  uint8_t carriage;                 /* rail; 0 otherwise */
  uint8_t pad[5];
} pc_itin_row;
_Static_assert(sizeof(pc_itin_row) == 224, "pc_itin_row is the on-disk row of /itinerary");

/* One row of itinerary's /same_trip: a row of the same-trip table and one
 * case there (a row per case; `trip` numbers the table's rows from 1). */
typedef struct pc_same_trip_row {
  int64_t from, to;
  uint64_t region;
  uint32_t trip, ordinal;
  char place[PC_PLACE_NAME_LEN];
  char channel[8];
  char channel_zh[8];
  char city[PC_REGION_NAME_LEN], district[PC_REGION_NAME_LEN];
  uint32_t ncases;                  /* cases of the trip */
  uint8_t carriage;
  uint8_t pad[3];
} pc_same_trip_row;
_Static_assert(sizeof(pc_same_trip_row) == 224, "pc_same_trip_row is the on-disk row of /same_trip");

/* One row of breakdown's /targets. */
typedef struct pc_target_row {
  uint64_t community;
  uint64_t county;
  char community_name[PC_REGION_NAME_LEN];
  char county_name[PC_REGION_NAME_LEN];
  char age_band[16];
  int32_t age_from;
  int32_t pad;
  uint64_t persons;
  uint64_t below_required;
  uint64_t unvaccinated;
  double share_below;
} pc_target_row;

/* One row of breakdown's /testing: where to place testing sites. The county
 * beside the community, as in /targets: community names repeat across counties. */
typedef struct pc_testing_row {
  uint64_t community;
  uint64_t county; /* 0 for the row of residents of no known community */
  char community_name[PC_REGION_NAME_LEN];
  char county_name[PC_REGION_NAME_LEN];
  uint64_t residents, red, yellow, flagged;
  double share; /* flagged / residents */
} pc_testing_row;

#define PC_REJECT_RAW 256 /* bytes of a rejected line kept */
/* One row of ingest's /rejects. */
typedef struct pc_reject_row {
  uint64_t line;       /* 1-based line number in the file (the header is line 1) */
  uint32_t file;       /* index of the file in the root attribute `inputs` */
  uint16_t reason;     /* PC_R_* */
  uint8_t truncated;   /* 1: raw holds only the start of the line */
  uint8_t pad0;
  char source[64];     /* the file's name (without directories) */
  char code[16];       /* reason code, e.g. "id_check" */
  char text[PC_REASON_TEXT];
  char raw[PC_REJECT_RAW]; /* the line as received: holds clear identities (restricted file) */
} pc_reject_row;
_Static_assert(sizeof(pc_reject_row) == 448, "pc_reject_row is the on-disk row of /rejects");

/* `paicha ledger`'s output (kernels/pc_ledger.h has the ledger's own rows). */
/* One row of /active: a person whose code is active at the run's `at`. */
typedef struct pc_active_row {
  uint64_t pid;
  uint64_t jurisdiction;
  int64_t code_since, flagged_at, reached_at;
  int32_t negatives;
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN];
  char code[8];
  char cls[16];
  char channel[16];
  uint8_t pad[4];
} pc_active_row;
_Static_assert(sizeof(pc_active_row) == 120, "pc_active_row is the on-disk row of /active");

/* One row of /batches: the ledger's batch and its found_under_control
 * (under_control / new_cases; NaN when the batch has no new cases). */
typedef struct pc_batch_out_row {
  pc_ledger_batch b;
  double found_under_control;
} pc_batch_out_row;
_Static_assert(sizeof(pc_batch_out_row) == 168, "pc_batch_out_row is the on-disk row of /batches");

/* One row of `paicha ledger`'s /rejects: a feedback row not applied. The
 * line itself is not kept (it names a person). */
typedef struct pc_fb_reject_row {
  uint64_t line;      /* 1-based line of the file (the header is line 1) */
  uint32_t file;      /* index of the file in `feedback` */
  uint16_t reason;    /* PC_FBR_* (services/pc_ledger_feedback.h) */
  uint8_t pad[2];
  char source[64];    /* the file's name (without directories) */
  char code[16];      /* reason code, e.g. "bad_time" */
  char text[PC_REASON_TEXT];
} pc_fb_reject_row;
_Static_assert(sizeof(pc_fb_reject_row) == 192, "pc_fb_reject_row is the on-disk row of /rejects");

/* One row of a dispatch list's /list (<jurisdiction>.<batch>.h5): English
 * values; the spreadsheet's Chinese labels are io/pc_lists.c's. */
typedef struct pc_list_row {
  uint64_t pid;
  int64_t exposure;
  uint64_t jurisdiction; /* cut to the list's level */
  uint64_t residence;
  uint64_t township, community; /* of the residence (0 unknown) */
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN];
  char phone[11];
  char code[8];
  char cls[16];         /* hop0, hop1, ..., companion, screened */
  char place[64];       /* the place of the exposure, or the areas */
  char channel[16];     /* what found them: case, household, cafe, ..., screening */
  char root_status[12]; /* the status of the case their chain starts from ("" screened) */
  char age_band[16];    /* "0-2", ..., "80+", "unknown" */
  int16_t age;          /* whole years at as_of, -1 unknown */
  char township_name[PC_REGION_NAME_LEN], community_name[PC_REGION_NAME_LEN];
  char jurisdiction_name[PC_REGION_NAME_LEN];
} pc_list_row;

/* ---- rows of readers' views ---- */

/* A row of /contacts, /companions or /screened: the fields lists and the
 * testing table need (views pc_view_flag_*). */
typedef struct pc_flag_row {
  uint64_t pid;
  int64_t exposure;
  uint64_t jurisdiction, residence;
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN];
  char code[8];
  char place[40]; /* place_name; "" for /screened */
  char area[32];  /* /screened only */
  char channel[16];     /* /contacts, /companions: what found them ("" for /screened) */
  char root_status[12]; /* /contacts, /companions: the status of the chain's case */
  int16_t age;          /* at as_of, -1 unknown */
  uint8_t hop;    /* /contacts only */
  uint8_t is_new; /* `new` (outputs of a version before the ledger: 0; pc_flagged_read sets 1) */
} pc_flag_row;

/* A row of /contacts, /companions or /screened: the fields report's page
 * needs (views pc_view_report_*). */
typedef struct pc_report_row {
  uint64_t pid, source_pid, jurisdiction, residence;
  int64_t exposure;
  char channel[16];
  char code[8];
  char area[32];
  uint8_t hop;
  uint8_t pad[7];
} pc_report_row;

/* A row of breakdown's /targets or /testing: what report's page counts
 * (views pc_view_report_targets, pc_view_report_testing). */
typedef struct pc_report_count_row {
  uint64_t community, county, persons, below, unvacc, residents, red, yellow, flagged;
  int32_t age_from;
  int32_t pad;
} pc_report_count_row;

/* ---- sources (SPEC, Looking back: Sources and Hotspots) ---- */

/* One row of /common_exposures: a maximal interval in which at least
 * min_cases cases were at one place; its cases are the rows of
 * /common_exposure_cases with the same `exposure` (its row number). */
typedef struct pc_common_row {
  uint64_t exposure;  /* row number, 0-based, in rank order (cases, then from) */
  uint64_t place;     /* place id (household id for channel household) */
  int64_t from, to;   /* the interval, seconds since the epoch */
  uint64_t cases;     /* distinct cases present during it */
  uint64_t region;    /* the place's region (0: unknown, households) */
  char channel[16];
  char place_name[PC_PLACE_NAME_LEN];
} pc_common_row;
_Static_assert(sizeof(pc_common_row) == 104, "pc_common_row is the on-disk row of /common_exposures");

/* One row of /common_exposure_cases: a case present during an exposure. */
typedef struct pc_common_case_row {
  uint64_t exposure;
  uint64_t pid;
} pc_common_case_row;

/* One row of /clusters: a case and its cluster (cases joined by common
 * exposures or by being each other's contacts). */
typedef struct pc_cluster_row {
  uint64_t pid;
  uint64_t cluster;       /* 1-based, largest cluster first */
  uint64_t size;          /* cases in the cluster */
  int64_t window_start;   /* onset - lookback */
  int64_t onset;
  uint64_t exposures;     /* common exposures of this case */
  int64_t top_exposure;   /* the cluster's best-ranked common exposure (-1: none) */
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN];
} pc_cluster_row;
_Static_assert(sizeof(pc_cluster_row) == 88, "pc_cluster_row is the on-disk row of /clusters");

/* One row of /candidates: a person other than the cases present at common
 * exposures of at least min_cases distinct cases (a possible source). */
typedef struct pc_candidate_row {
  uint64_t pid;
  uint64_t cases;         /* distinct cases of the common exposures attended */
  uint64_t exposures;     /* common exposures attended */
  int64_t first;          /* start of the earliest overlap with one */
  int64_t dwell;          /* seconds of overlap, summed over the exposures */
  uint64_t top_exposure;  /* the best-ranked exposure attended */
  uint64_t place;         /* its place */
  uint64_t residence;     /* 12-digit region code, 0 unknown */
  char subject[PC_SUBJECT_LEN];
  char subject_type[PC_SUBJECT_TYPE_LEN];
  char channel[16];
  char place_name[PC_PLACE_NAME_LEN];
} pc_candidate_row;
_Static_assert(sizeof(pc_candidate_row) == 152, "pc_candidate_row is the on-disk row of /candidates");

/* One row of /hotspots: a place or a community where flagged persons stayed. */
typedef struct pc_hotspot_row {
  uint64_t place;         /* place id (0 for a community) */
  uint64_t region;        /* the place's region, or the community */
  uint64_t persons;       /* distinct flagged persons who stayed there in the window */
  int64_t dwell;          /* their total time there, seconds (whole minutes each) */
  char kind[12];          /* "place" or "community" */
  char channel[16];       /* "" for a community */
  char name[PC_PLACE_NAME_LEN]; /* the place's or the community's name */
  uint8_t pad[4];
} pc_hotspot_row;
_Static_assert(sizeof(pc_hotspot_row) == 104, "pc_hotspot_row is the on-disk row of /hotspots");

/* ---- the tables ---- */

extern const pc_schema pc_schema_persons, pc_schema_identities, pc_schema_regions,
    pc_schema_stays, pc_schema_places; /* a dataset (synth, ingest, purge) */
extern const pc_schema pc_schema_place_rows;   /* an index (pc_irow) */
extern const pc_schema pc_schema_area_rows;    /* an index's area view (pc_arow) */
extern const pc_schema pc_schema_area_dir;     /* its groups in each slice (pc_adir) */
extern const pc_schema pc_schema_area_slices;  /* its slices (pc_aslice) */
extern const pc_schema pc_schema_dispatch_stays; /* an index's dispatch table (pc_stay) */
extern const pc_schema pc_schema_screened;     /* screen */
extern const pc_schema pc_schema_contacts, pc_schema_companions, pc_schema_unmatched; /* trace */
extern const pc_schema pc_schema_targets, pc_schema_testing;     /* breakdown */
extern const pc_schema pc_schema_rejects;      /* ingest */
extern const pc_schema pc_schema_active, pc_schema_batches_out, pc_schema_fb_rejects; /* ledger */
extern const pc_schema pc_schema_list;         /* dispatch's <jurisdiction>.h5 */
extern const pc_schema pc_schema_ledger_persons, pc_schema_ledger_events,
    pc_schema_ledger_batches, pc_schema_ledger_measures, pc_schema_ledger_yield,
    pc_schema_ledger_parts; /* a ledger */
extern const pc_schema pc_schema_common, pc_schema_common_cases, pc_schema_clusters,
    pc_schema_candidates, pc_schema_hotspots; /* sources */
extern const pc_schema pc_schema_itinerary, pc_schema_same_trip; /* itinerary */

/* ---- the views ---- */

/* The pid column alone (a uint64_t per row) of any pid-sorted table: open it with a name. */
extern const pc_schema pc_view_pid;
extern const pc_schema pc_view_flag_contacts, pc_view_flag_companions, pc_view_flag_screened;
/* pid, jurisdiction and `new` alone of /contacts, /companions or /screened
 * (open it with the table's name): what a flagged row's list is. */
typedef struct pc_flag_jur {
  uint64_t pid, jurisdiction;
  uint8_t is_new; /* `new` (absent in outputs of a version before the ledger: 0) */
  uint8_t pad[7];
} pc_flag_jur;
extern const pc_schema pc_view_flag_jur;
extern const pc_schema pc_view_report_contacts, pc_view_report_companions,
    pc_view_report_screened;
extern const pc_schema pc_view_report_targets, pc_view_report_testing;

/* Every table and view above, NULL-terminated (tests build each type). */
extern const pc_schema *const pc_schemas_all[];

/* Local. The compound type of a table or view (file type == memory type for
 * a table), built from its columns on first use; owned by the module, do not
 * close. Returns a negative id, with PC_ERR_ARG recorded naming the column,
 * when a view's column is not in its table or not of the table's size (a
 * programming error, caught by tests/unit/test_schema.c). */
hid_t pc_schema_type(const pc_schema *s);

/* Local. Checks the columns of dataset `dset` of file `path` (table `name`)
 * against the view or table s: every required column present, every present
 * one that HDF5 converts to s's type without loss (same class and sign, no
 * wider, strings in the same character set). Fails with PC_ERR_DATA naming
 * the file, the table and the first column that does not fit ("f.h5: table
 * /contacts has no column `hop` (written by another version?)"). *missing
 * (may be NULL) is set when an optional column is absent. */
int pc_schema_check(hid_t dset, const char *path, const char *name, const pc_schema *s,
                    int *missing);

/* A table open for reading through a view (or its own schema). */
typedef struct pc_table {
  hid_t dset;
  hid_t mtype;      /* memory type: the view's columns the file has */
  uint64_t nrows;
  size_t rowsize;
  int missing;      /* an optional column is absent */
  int zero;         /* a view or a column absent: rows are zeroed before each read */
  uint64_t absent;  /* bit i: column i of the view is absent, zeroed after each read */
  const pc_schema *schema;
  char what[1100];  /* "file:/table" for messages */
} pc_table;

/* Local. Opens dataset `name` (NULL: s->name) of an open file and checks its
 * columns (pc_schema_check). A missing dataset is PC_ERR_IO naming it, a
 * column mismatch PC_ERR_DATA naming the column. On failure nothing stays
 * open. Close with pc_table_close. */
int pc_table_open(hid_t file, const char *name, const pc_schema *s, pc_table *t);
/* Local (independent I/O): rows [start, start + n) into rows (n * s->rowsize
 * bytes); absent optional columns, and a view's fields it has no column for,
 * read as zero. Fails with PC_ERR_IO naming the rows and the table (damaged
 * file?). */
int pc_table_read(const pc_table *t, uint64_t start, size_t n, void *rows);
/* Local: the first row of t - sorted by pid, a row's first 8 bytes - whose
 * pid is at least pid (t's row count when none), by bisection, a row at a
 * time into one (room for one row). Fails as pc_table_read. */
int pc_table_lower_bound(const pc_table *t, uint64_t pid, void *one, uint64_t *row);
/* Local; safe on a table that failed to open or was closed. */
void pc_table_close(pc_table *t);
/* Local: the whole table `name` (NULL: s->name) into *rows (malloc'd, one
 * extra row, the caller frees; NULL on failure) and its row count into *n. */
int pc_table_read_all(hid_t file, const char *name, const pc_schema *s, void **rows,
                      uint64_t *n);

/* A contiguous, uncompressed table read with pread at its file offset: the
 * emergency trace reads thousands of scattered small row ranges (one
 * person's stays, one bucket of places), and going around HDF5's per-call
 * selection machinery makes each a single system call from the page cache.
 * Only for datasets this version wrote contiguous with file type == memory
 * type (checked at open: anything else is a clear error). */
typedef struct pc_raw {
  int fd;
  uint64_t offset, nrows;
  size_t rowsize;
  char what[512];
} pc_raw;
/* Local. file is an open HDF5 file of `path`; the table s->name is read with
 * table schema s (a missing column is PC_ERR_DATA naming it, pc_schema_check). */
int pc_raw_open(hid_t file, const char *path, const pc_schema *s, pc_raw *raw);
int pc_raw_read(const pc_raw *raw, uint64_t row, size_t n, void *buf);
/* Local, never fails; safe on a closed or failed pc_raw. */
void pc_raw_close(pc_raw *raw);

#endif
