/* pc_schema.c - the column lists of every on-disk table and view, their HDF5 types, checked reads. */
#include "pc_schema.h"
#include "pc_fdio.h"
#include "pc_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NCOLS(a) (sizeof(a) / sizeof(a)[0])
#define SCHEMA(name_, T, cols_) \
  {.name = (name_), .rowsize = sizeof(T), .cols = (cols_), .ncols = NCOLS(cols_)}
#define VIEW(name_, T, cols_, table_) \
  {.name = (name_), .rowsize = sizeof(T), .cols = (cols_), .ncols = NCOLS(cols_), .table = (table_)}

/* ---- the dataset ---- */

static const pc_column persons_cols[] = {
    PC_COLUMN(pc_person, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_person, household, "household", PC_COL_U64),
    PC_COLUMN(pc_person, region, "region", PC_COL_U64),
    PC_COLUMN(pc_person, employer, "employer", PC_COL_U64),
    PC_COLUMN(pc_person, birth_date, "birth_date", PC_COL_I32),
    PC_COLUMN(pc_person, sex, "sex", PC_COL_U8),
    PC_COLUMN(pc_person, doses, "doses", PC_COL_U8),
    PC_COLUMN(pc_person, sector, "sector", PC_COL_STR),
    PC_COLUMN(pc_person, flags, "flags", PC_COL_U8),
};
const pc_schema pc_schema_persons = SCHEMA("persons", pc_person, persons_cols);

static const pc_column identities_cols[] = {
    PC_COLUMN(pc_identity, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_identity, subject, "subject", PC_COL_STR),
    PC_COLUMN(pc_identity, phone, "phone", PC_COL_STR),
    PC_COLUMN(pc_identity, flags, "flags", PC_COL_U8),
    PC_COLUMN(pc_identity, id_type, "id_type", PC_COL_U8),
};
const pc_schema pc_schema_identities = SCHEMA("identities", pc_identity, identities_cols);

static const pc_column regions_cols[] = {
    PC_COLUMN(pc_region, code, "code", PC_COL_U64),
    PC_COLUMN(pc_region, parent, "parent", PC_COL_U64),
    PC_COLUMN(pc_region, weight, "weight", PC_COL_F64),
    PC_COLUMN(pc_region, level, "level", PC_COL_U8),
    PC_COLUMN(pc_region, urban, "urban", PC_COL_U8),
    PC_COLUMN(pc_region, name, "name", PC_COL_STR),
};
const pc_schema pc_schema_regions = SCHEMA("regions", pc_region, regions_cols);

static const pc_column stays_cols[] = {
    PC_COLUMN(pc_stay, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_stay, place, "place", PC_COL_U64),
    PC_COLUMN(pc_stay, start, "start", PC_COL_I64),
    PC_COLUMN(pc_stay, end, "end", PC_COL_I64),
    PC_COLUMN(pc_stay, region, "region", PC_COL_U64),
    PC_COLUMN(pc_stay, channel, "channel", PC_COL_U8),
    PC_COLUMN(pc_stay, carriage, "carriage", PC_COL_U8),
    PC_COLUMN(pc_stay, row, "row", PC_COL_I16),
};
const pc_schema pc_schema_stays = SCHEMA("stays", pc_stay, stays_cols);

static const pc_column places_cols[] = {
    PC_COLUMN(pc_place, id, "id", PC_COL_U64),
    PC_COLUMN(pc_place, region, "region", PC_COL_U64),
    PC_COLUMN(pc_place, channel, "channel", PC_COL_U8),
    PC_COLUMN(pc_place, name, "name", PC_COL_STR),
};
const pc_schema pc_schema_places = SCHEMA("places", pc_place, places_cols);

/* ---- the index ---- */

static const pc_column place_rows_cols[] = {
    PC_COLUMN(pc_irow, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_irow, place, "place", PC_COL_U64),
    PC_COLUMN(pc_irow, start, "start", PC_COL_I64),
    PC_COLUMN(pc_irow, end, "end", PC_COL_I64),
    PC_COLUMN(pc_irow, cum, "cum", PC_COL_U32),
    PC_COLUMN(pc_irow, row, "row", PC_COL_I16),
    PC_COLUMN(pc_irow, channel, "channel", PC_COL_U8),
    PC_COLUMN(pc_irow, carriage, "carriage", PC_COL_U8),
};
const pc_schema pc_schema_place_rows = SCHEMA("place_rows", pc_irow, place_rows_cols);
/* The index's area view: the stays, 24 bytes each (kernels/pc_agroup.h,
 * services/pc_aview.h). An index of an earlier version holds /stays' rows
 * under this name: screen tells it by area_format and streams. */
static const pc_column area_rows_cols[] = {
    PC_COLUMN(pc_arow, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_arow, start, "start", PC_COL_I32),
    PC_COLUMN(pc_arow, end, "end", PC_COL_I32),
    PC_COLUMN(pc_arow, place, "place", PC_COL_U32),
    PC_COLUMN(pc_arow, regch, "region_channel", PC_COL_U32),
};
const pc_schema pc_schema_area_rows = SCHEMA("area_rows", pc_arow, area_rows_cols);
static const pc_column area_dir_cols[] = {PC_COLUMN(pc_adir, off, "off", PC_COL_U32)};
const pc_schema pc_schema_area_dir = SCHEMA("area_dir", pc_adir, area_dir_cols);
static const pc_column area_slices_cols[] = {
    PC_COLUMN(pc_aslice, start, "start", PC_COL_U64),
    PC_COLUMN(pc_aslice, pid, "pid", PC_COL_U64),
};
const pc_schema pc_schema_area_slices = SCHEMA("area_slices", pc_aslice, area_slices_cols);
/* The index's dispatch table: one row of /stays per person (services/pc_pview.h). */
const pc_schema pc_schema_dispatch_stays = SCHEMA("dispatch_stays", pc_stay, stays_cols);

/* ---- the outputs ---- */

static const pc_column screened_cols[] = {
    PC_COLUMN(pc_screened_row, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_screened_row, subject, "subject", PC_COL_STR),
    PC_COLUMN(pc_screened_row, subject_type, "subject_type", PC_COL_STR),
    PC_COLUMN(pc_screened_row, exposure, "exposure", PC_COL_I64),
    PC_COLUMN(pc_screened_row, dwell, "dwell", PC_COL_I64),
    PC_COLUMN(pc_screened_row, area, "area", PC_COL_STR),
    PC_COLUMN(pc_screened_row, code, "code", PC_COL_STR),
    PC_COLUMN(pc_screened_row, jurisdiction, "jurisdiction", PC_COL_U64),
    PC_COLUMN(pc_screened_row, residence, "residence", PC_COL_U64),
    PC_COLUMN(pc_screened_row, age, "age", PC_COL_I16),
    PC_COLUMN(pc_screened_row, sector, "sector", PC_COL_STR),
    PC_COLUMN(pc_screened_row, is_new, "new", PC_COL_U8),
    PC_COLUMN(pc_screened_row, reached_at, "reached_at", PC_COL_I64),
    PC_COLUMN(pc_screened_row, then_at, "then_at", PC_COL_I64),
    PC_COLUMN(pc_screened_row, then_dwell, "then_dwell", PC_COL_I64),
};
const pc_schema pc_schema_screened = SCHEMA("screened", pc_screened_row, screened_cols);

/* /companions is /contacts without hop (a companion has none); same row struct. */
#define TRACE_COLS_HEAD                                                     \
  PC_COLUMN(pc_trace_row, pid, "pid", PC_COL_U64),                          \
      PC_COLUMN(pc_trace_row, subject, "subject", PC_COL_STR),              \
      PC_COLUMN(pc_trace_row, subject_type, "subject_type", PC_COL_STR)
#define TRACE_COLS_TAIL                                                     \
  PC_COLUMN(pc_trace_row, exposure, "exposure", PC_COL_I64),                \
      PC_COLUMN(pc_trace_row, source_pid, "source_pid", PC_COL_U64),        \
      PC_COLUMN(pc_trace_row, source, "source", PC_COL_STR),                \
      PC_COLUMN(pc_trace_row, channel, "channel", PC_COL_STR),              \
      PC_COLUMN(pc_trace_row, place, "place", PC_COL_U64),                  \
      PC_COLUMN(pc_trace_row, place_name, "place_name", PC_COL_STR),        \
      PC_COLUMN(pc_trace_row, code, "code", PC_COL_STR),                    \
      PC_COLUMN(pc_trace_row, jurisdiction, "jurisdiction", PC_COL_U64),    \
      PC_COLUMN(pc_trace_row, residence, "residence", PC_COL_U64),          \
      PC_COLUMN(pc_trace_row, age, "age", PC_COL_I16),                      \
      PC_COLUMN(pc_trace_row, sector, "sector", PC_COL_STR),                \
      PC_COLUMN(pc_trace_row, root_status, "root_status", PC_COL_STR),         \
      PC_COLUMN(pc_trace_row, is_new, "new", PC_COL_U8)
static const pc_column contacts_cols[] = {
    TRACE_COLS_HEAD, PC_COLUMN(pc_trace_row, hop, "hop", PC_COL_U8), TRACE_COLS_TAIL};
static const pc_column companions_cols[] = {TRACE_COLS_HEAD, TRACE_COLS_TAIL};
const pc_schema pc_schema_contacts = SCHEMA("contacts", pc_trace_row, contacts_cols);
const pc_schema pc_schema_companions = SCHEMA("companions", pc_trace_row, companions_cols);

static const pc_column unmatched_cols[] = {
    PC_COLUMN(pc_unmatched_row, line, "line", PC_COL_U64),
    PC_COLUMN(pc_unmatched_row, subject_type, "subject_type", PC_COL_STR),
    PC_COLUMN(pc_unmatched_row, reason, "reason", PC_COL_STR),
};
const pc_schema pc_schema_unmatched = SCHEMA("unmatched", pc_unmatched_row, unmatched_cols);

#define ITIN_COLS(T)                                                        \
  PC_COLUMN(T, region, "region", PC_COL_U64),                               \
      PC_COLUMN(T, ordinal, "ordinal", PC_COL_U32),                         \
      PC_COLUMN(T, place, "place", PC_COL_STR),                             \
      PC_COLUMN(T, channel, "channel", PC_COL_STR),                         \
      PC_COLUMN(T, channel_zh, "channel_zh", PC_COL_STR),                   \
      PC_COLUMN(T, carriage, "carriage", PC_COL_U8),                        \
      PC_COLUMN(T, city, "city", PC_COL_STR),                               \
      PC_COLUMN(T, district, "district", PC_COL_STR)
static const pc_column itinerary_cols[] = {
    PC_COLUMN(pc_itin_row, visit, "visit", PC_COL_U32), PC_COLUMN(pc_itin_row, start, "start", PC_COL_I64),
    PC_COLUMN(pc_itin_row, end, "end", PC_COL_I64), ITIN_COLS(pc_itin_row),
    PC_COLUMN(pc_itin_row, stays, "stays", PC_COL_U16)};
const pc_schema pc_schema_itinerary = SCHEMA("itinerary", pc_itin_row, itinerary_cols);
static const pc_column same_trip_cols[] = {
    PC_COLUMN(pc_same_trip_row, trip, "trip", PC_COL_U32),
    PC_COLUMN(pc_same_trip_row, from, "from", PC_COL_I64),
    PC_COLUMN(pc_same_trip_row, to, "to", PC_COL_I64), ITIN_COLS(pc_same_trip_row),
    PC_COLUMN(pc_same_trip_row, ncases, "ncases", PC_COL_U32)};
const pc_schema pc_schema_same_trip = SCHEMA("same_trip", pc_same_trip_row, same_trip_cols);

static const pc_column targets_cols[] = {
    PC_COLUMN(pc_target_row, community, "community", PC_COL_U64),
    PC_COLUMN(pc_target_row, county, "county", PC_COL_U64),
    PC_COLUMN(pc_target_row, community_name, "community_name", PC_COL_STR),
    PC_COLUMN(pc_target_row, county_name, "county_name", PC_COL_STR),
    PC_COLUMN(pc_target_row, age_band, "age_band", PC_COL_STR),
    PC_COLUMN(pc_target_row, age_from, "age_from", PC_COL_I32),
    PC_COLUMN(pc_target_row, persons, "persons", PC_COL_U64),
    PC_COLUMN(pc_target_row, below_required, "below_required", PC_COL_U64),
    PC_COLUMN(pc_target_row, unvaccinated, "unvaccinated", PC_COL_U64),
    PC_COLUMN(pc_target_row, share_below, "share_below", PC_COL_F64),
};
const pc_schema pc_schema_targets = SCHEMA("targets", pc_target_row, targets_cols);

static const pc_column testing_cols[] = {
    PC_COLUMN(pc_testing_row, community, "community", PC_COL_U64),
    PC_COLUMN(pc_testing_row, county, "county", PC_COL_U64),
    PC_COLUMN(pc_testing_row, community_name, "community_name", PC_COL_STR),
    PC_COLUMN(pc_testing_row, county_name, "county_name", PC_COL_STR),
    PC_COLUMN(pc_testing_row, residents, "residents", PC_COL_U64),
    PC_COLUMN(pc_testing_row, red, "red", PC_COL_U64),
    PC_COLUMN(pc_testing_row, yellow, "yellow", PC_COL_U64),
    PC_COLUMN(pc_testing_row, flagged, "flagged", PC_COL_U64),
    PC_COLUMN(pc_testing_row, share, "share", PC_COL_F64),
};
const pc_schema pc_schema_testing = SCHEMA("testing", pc_testing_row, testing_cols);

static const pc_column rejects_cols[] = {
    PC_COLUMN(pc_reject_row, line, "line", PC_COL_U64),
    PC_COLUMN(pc_reject_row, file, "file", PC_COL_U32),
    PC_COLUMN(pc_reject_row, reason, "reason", PC_COL_U16),
    PC_COLUMN(pc_reject_row, truncated, "truncated", PC_COL_U8),
    PC_COLUMN(pc_reject_row, source, "source", PC_COL_STR),
    PC_COLUMN(pc_reject_row, code, "code", PC_COL_STR),
    PC_COLUMN(pc_reject_row, text, "text", PC_COL_STR),
    PC_COLUMN(pc_reject_row, raw, "raw", PC_COL_BYTES),
};
const pc_schema pc_schema_rejects = SCHEMA("rejects", pc_reject_row, rejects_cols);

/* ---- `paicha ledger`'s output ---- */

#define AC(f, name, ty) PC_COLUMN(pc_active_row, f, name, ty)
static const pc_column active_cols[] = {
    AC(pid, "pid", PC_COL_U64), AC(jurisdiction, "jurisdiction", PC_COL_U64),
    AC(code_since, "code_since", PC_COL_I64), AC(flagged_at, "flagged_at", PC_COL_I64),
    AC(reached_at, "reached_at", PC_COL_I64), AC(negatives, "negatives", PC_COL_I32),
    AC(subject, "subject", PC_COL_STR), AC(subject_type, "subject_type", PC_COL_STR),
    AC(code, "code", PC_COL_STR), AC(cls, "class", PC_COL_STR),
    AC(channel, "channel", PC_COL_STR),
};
#undef AC
const pc_schema pc_schema_active = SCHEMA("active", pc_active_row, active_cols);

#define BO(f, name, ty) PC_COLUMN(pc_batch_out_row, b.f, name, ty)
static const pc_column batches_out_cols[] = {
    BO(batch, "batch", PC_COL_I32), BO(kind, "kind", PC_COL_STR), BO(time, "time", PC_COL_I64),
    BO(run_time, "run_time", PC_COL_I64), BO(rows, "rows", PC_COL_U64),
    BO(rejected, "rejected", PC_COL_U64), BO(new_flagged, "new_flagged", PC_COL_U64),
    BO(raised, "raised", PC_COL_U64), BO(new_cases, "new_cases", PC_COL_U64),
    BO(under_control, "under_control", PC_COL_U64), BO(active_red, "active_red", PC_COL_U64),
    BO(active_yellow, "active_yellow", PC_COL_U64), BO(input, "input", PC_COL_STR),
    PC_COLUMN(pc_batch_out_row, found_under_control, "found_under_control", PC_COL_F64),
};
#undef BO
const pc_schema pc_schema_batches_out = SCHEMA("batches", pc_batch_out_row, batches_out_cols);

static const pc_column fb_rejects_cols[] = {
    PC_COLUMN(pc_fb_reject_row, line, "line", PC_COL_U64),
    PC_COLUMN(pc_fb_reject_row, file, "file", PC_COL_U32),
    PC_COLUMN(pc_fb_reject_row, reason, "reason", PC_COL_U16),
    PC_COLUMN(pc_fb_reject_row, source, "source", PC_COL_STR),
    PC_COLUMN(pc_fb_reject_row, code, "code", PC_COL_STR),
    PC_COLUMN(pc_fb_reject_row, text, "text", PC_COL_STR),
};
const pc_schema pc_schema_fb_rejects = SCHEMA("rejects", pc_fb_reject_row, fb_rejects_cols);

static const pc_column list_cols[] = {
    PC_COLUMN(pc_list_row, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_list_row, subject, "subject", PC_COL_STR),
    PC_COLUMN(pc_list_row, subject_type, "subject_type", PC_COL_STR),
    PC_COLUMN(pc_list_row, phone, "phone", PC_COL_STR),
    PC_COLUMN(pc_list_row, cls, "class", PC_COL_STR),
    PC_COLUMN(pc_list_row, code, "code", PC_COL_STR),
    PC_COLUMN(pc_list_row, exposure, "exposure", PC_COL_I64),
    PC_COLUMN(pc_list_row, place, "place", PC_COL_STR),
    PC_COLUMN(pc_list_row, jurisdiction, "jurisdiction", PC_COL_U64),
    PC_COLUMN(pc_list_row, township, "township", PC_COL_U64),
    PC_COLUMN(pc_list_row, community, "community", PC_COL_U64),
    PC_COLUMN(pc_list_row, residence, "residence", PC_COL_U64),
    PC_COLUMN(pc_list_row, channel, "channel", PC_COL_STR),
    PC_COLUMN(pc_list_row, root_status, "root_status", PC_COL_STR),
    PC_COLUMN(pc_list_row, age, "age", PC_COL_I16),
    PC_COLUMN(pc_list_row, age_band, "age_band", PC_COL_STR),
    PC_COLUMN(pc_list_row, township_name, "township_name", PC_COL_STR),
    PC_COLUMN(pc_list_row, community_name, "community_name", PC_COL_STR),
    PC_COLUMN(pc_list_row, jurisdiction_name, "jurisdiction_name", PC_COL_STR),
};
const pc_schema pc_schema_list = SCHEMA("list", pc_list_row, list_cols);

/* ---- the views ---- */

/* pid is the same column (uint64, first) in every pid-sorted table. */
static const pc_column pid_cols[] = {{.name = "pid", .offset = 0, .size = sizeof(uint64_t)}};
const pc_schema pc_view_pid = VIEW(NULL, uint64_t, pid_cols, &pc_schema_persons);

#define FLAG_COLS_HEAD                                            \
  PC_VIEW_COLUMN(pc_flag_row, pid, "pid"),                        \
      PC_VIEW_COLUMN(pc_flag_row, exposure, "exposure"),          \
      PC_VIEW_COLUMN(pc_flag_row, jurisdiction, "jurisdiction"),  \
      PC_VIEW_COLUMN(pc_flag_row, residence, "residence"),        \
      PC_VIEW_COLUMN(pc_flag_row, subject, "subject"),            \
      PC_VIEW_COLUMN(pc_flag_row, subject_type, "subject_type"),  \
      PC_VIEW_COLUMN(pc_flag_row, code, "code"),                  \
      PC_VIEW_COLUMN(pc_flag_row, age, "age"),                    \
      {.name = "new", .offset = offsetof(pc_flag_row, is_new), .size = 1, .optional = 1}
#define FLAG_COLS_TRACE                                           \
  PC_VIEW_COLUMN(pc_flag_row, place, "place_name"),               \
      PC_VIEW_COLUMN(pc_flag_row, channel, "channel"),            \
      PC_VIEW_COLUMN(pc_flag_row, root_status, "root_status")
static const pc_column flag_contacts_cols[] = {FLAG_COLS_HEAD, FLAG_COLS_TRACE,
                                               PC_VIEW_COLUMN(pc_flag_row, hop, "hop")};
static const pc_column flag_companions_cols[] = {FLAG_COLS_HEAD, FLAG_COLS_TRACE};
static const pc_column flag_screened_cols[] = {FLAG_COLS_HEAD,
                                               PC_VIEW_COLUMN(pc_flag_row, area, "area")};
const pc_schema pc_view_flag_contacts =
    VIEW("contacts", pc_flag_row, flag_contacts_cols, &pc_schema_contacts);
const pc_schema pc_view_flag_companions =
    VIEW("companions", pc_flag_row, flag_companions_cols, &pc_schema_companions);
const pc_schema pc_view_flag_screened =
    VIEW("screened", pc_flag_row, flag_screened_cols, &pc_schema_screened);
static const pc_column flag_jur_cols[] = {
    PC_VIEW_COLUMN(pc_flag_jur, pid, "pid"),
    PC_VIEW_COLUMN(pc_flag_jur, jurisdiction, "jurisdiction"),
    {.name = "new", .offset = offsetof(pc_flag_jur, is_new), .size = 1, .optional = 1}};
const pc_schema pc_view_flag_jur = VIEW(NULL, pc_flag_jur, flag_jur_cols, &pc_schema_contacts);

#define REPORT_COLS_HEAD                                             \
  PC_VIEW_COLUMN(pc_report_row, pid, "pid"),                         \
      PC_VIEW_COLUMN(pc_report_row, jurisdiction, "jurisdiction"),   \
      PC_VIEW_COLUMN(pc_report_row, residence, "residence"),         \
      PC_VIEW_COLUMN(pc_report_row, exposure, "exposure"),           \
      PC_VIEW_COLUMN(pc_report_row, code, "code")
#define REPORT_COLS_TRACE                                            \
  PC_VIEW_COLUMN(pc_report_row, source_pid, "source_pid"),           \
      PC_VIEW_COLUMN(pc_report_row, channel, "channel")
static const pc_column report_contacts_cols[] = {
    REPORT_COLS_HEAD, REPORT_COLS_TRACE, PC_VIEW_COLUMN(pc_report_row, hop, "hop")};
static const pc_column report_companions_cols[] = {REPORT_COLS_HEAD, REPORT_COLS_TRACE};
static const pc_column report_screened_cols[] = {REPORT_COLS_HEAD,
                                                 PC_VIEW_COLUMN(pc_report_row, area, "area")};
const pc_schema pc_view_report_contacts =
    VIEW("contacts", pc_report_row, report_contacts_cols, &pc_schema_contacts);
const pc_schema pc_view_report_companions =
    VIEW("companions", pc_report_row, report_companions_cols, &pc_schema_companions);
const pc_schema pc_view_report_screened =
    VIEW("screened", pc_report_row, report_screened_cols, &pc_schema_screened);

static const pc_column report_targets_cols[] = {
    PC_VIEW_COLUMN(pc_report_count_row, county, "county"),
    PC_VIEW_COLUMN(pc_report_count_row, age_from, "age_from"),
    PC_VIEW_COLUMN(pc_report_count_row, persons, "persons"),
    PC_VIEW_COLUMN(pc_report_count_row, below, "below_required"),
    PC_VIEW_COLUMN(pc_report_count_row, unvacc, "unvaccinated"),
};
static const pc_column report_testing_cols[] = {
    PC_VIEW_COLUMN(pc_report_count_row, community, "community"),
    PC_VIEW_COLUMN(pc_report_count_row, residents, "residents"),
    PC_VIEW_COLUMN(pc_report_count_row, red, "red"),
    PC_VIEW_COLUMN(pc_report_count_row, yellow, "yellow"),
    PC_VIEW_COLUMN(pc_report_count_row, flagged, "flagged"),
};
const pc_schema pc_view_report_targets =
    VIEW("targets", pc_report_count_row, report_targets_cols, &pc_schema_targets);
const pc_schema pc_view_report_testing =
    VIEW("testing", pc_report_count_row, report_testing_cols, &pc_schema_testing);

/* ---- the ledger (kernels/pc_ledger.h) ---- */

#define LR(f, name, ty) PC_COLUMN(pc_ledger_row, f, name, ty)
static const pc_column ledger_persons_cols[] = {
    LR(pid, "pid", PC_COL_U64), LR(subject, "subject", PC_COL_STR),
    LR(subject_type, "subject_type", PC_COL_STR), LR(code, "code", PC_COL_STR),
    LR(code_since, "code_since", PC_COL_I64), LR(code_batch, "code_batch", PC_COL_I32),
    LR(lifted_at, "lifted_at", PC_COL_I64), LR(cls, "class", PC_COL_STR),
    LR(channel, "channel", PC_COL_STR), LR(source_pid, "source_pid", PC_COL_U64),
    LR(root_pid, "root_pid", PC_COL_U64), LR(jurisdiction, "jurisdiction", PC_COL_U64),
    LR(residence, "residence", PC_COL_U64), LR(first_batch, "first_batch", PC_COL_I32),
    LR(flagged_at, "flagged_at", PC_COL_I64), LR(first_cls, "first_class", PC_COL_STR),
    LR(first_channel, "first_channel", PC_COL_STR), LR(case_batch, "case_batch", PC_COL_I32),
    LR(case_at, "case_at", PC_COL_I64), LR(traced_batch, "traced_batch", PC_COL_I32),
    LR(positive_at, "positive_at", PC_COL_I64), LR(reached_at, "reached_at", PC_COL_I64),
    LR(isolated_at, "isolated_at", PC_COL_I64), LR(released_at, "released_at", PC_COL_I64),
    LR(last_test_at, "last_test_at", PC_COL_I64), LR(tests, "tests", PC_COL_I32),
    LR(negatives, "negatives", PC_COL_I32),
};
#undef LR
const pc_schema pc_schema_ledger_persons = SCHEMA("persons", pc_ledger_row, ledger_persons_cols);

static const pc_column ledger_events_cols[] = {
    PC_COLUMN(pc_ledger_event, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_ledger_event, at, "at", PC_COL_I64),
    PC_COLUMN(pc_ledger_event, batch, "batch", PC_COL_I32),
    PC_COLUMN(pc_ledger_event, line, "line", PC_COL_U64),
    PC_COLUMN(pc_ledger_event, event, "event", PC_COL_U8),
    PC_COLUMN(pc_ledger_event, result, "result", PC_COL_U8),
};
const pc_schema pc_schema_ledger_events = SCHEMA("events", pc_ledger_event, ledger_events_cols);

#define LB(f, name, ty) PC_COLUMN(pc_ledger_batch, f, name, ty)
static const pc_column ledger_batches_cols[] = {
    LB(batch, "batch", PC_COL_I32), LB(kind, "kind", PC_COL_STR), LB(time, "time", PC_COL_I64),
    LB(run_time, "run_time", PC_COL_I64), LB(input, "input", PC_COL_STR),
    LB(rows, "rows", PC_COL_U64), LB(rejected, "rejected", PC_COL_U64),
    LB(new_flagged, "new_flagged", PC_COL_U64), LB(raised, "raised", PC_COL_U64),
    LB(new_cases, "new_cases", PC_COL_U64), LB(under_control, "under_control", PC_COL_U64),
    LB(active_red, "active_red", PC_COL_U64), LB(active_yellow, "active_yellow", PC_COL_U64),
};
#undef LB
const pc_schema pc_schema_ledger_batches = SCHEMA("batches", pc_ledger_batch, ledger_batches_cols);

#define LM(f) PC_COLUMN(pc_ledger_measure, f, #f, PC_COL_U64)
static const pc_column ledger_measures_cols[] = {
    LM(jurisdiction), LM(flagged), LM(active_red), LM(active_yellow), LM(reached),
    LM(reached_24h), LM(tested), LM(positive), LM(overdue),
};
#undef LM
const pc_schema pc_schema_ledger_measures =
    SCHEMA("measures", pc_ledger_measure, ledger_measures_cols);

static const pc_column ledger_yield_cols[] = {
    PC_COLUMN(pc_ledger_yield, cls, "class", PC_COL_STR),
    PC_COLUMN(pc_ledger_yield, channel, "channel", PC_COL_STR),
    PC_COLUMN(pc_ledger_yield, flagged, "flagged", PC_COL_U64),
    PC_COLUMN(pc_ledger_yield, positive, "positive", PC_COL_U64),
};
const pc_schema pc_schema_ledger_yield = SCHEMA("yield", pc_ledger_yield, ledger_yield_cols);

static const pc_column ledger_parts_cols[] = {
    PC_COLUMN(pc_ledger_part, batch, "batch", PC_COL_I32),
    PC_COLUMN(pc_ledger_part, base, "base", PC_COL_I32),
    PC_COLUMN(pc_ledger_part, persons, "persons", PC_COL_U64),
    PC_COLUMN(pc_ledger_part, events, "events", PC_COL_U64),
};
const pc_schema pc_schema_ledger_parts = SCHEMA("parts", pc_ledger_part, ledger_parts_cols);

/* ---- sources ---- */

static const pc_column common_cols[] = {
    PC_COLUMN(pc_common_row, exposure, "exposure", PC_COL_U64),
    PC_COLUMN(pc_common_row, channel, "channel", PC_COL_STR),
    PC_COLUMN(pc_common_row, place, "place", PC_COL_U64),
    PC_COLUMN(pc_common_row, place_name, "place_name", PC_COL_STR),
    PC_COLUMN(pc_common_row, region, "region", PC_COL_U64),
    PC_COLUMN(pc_common_row, from, "from", PC_COL_I64),
    PC_COLUMN(pc_common_row, to, "to", PC_COL_I64),
    PC_COLUMN(pc_common_row, cases, "cases", PC_COL_U64),
};
const pc_schema pc_schema_common = SCHEMA("common_exposures", pc_common_row, common_cols);

static const pc_column common_cases_cols[] = {
    PC_COLUMN(pc_common_case_row, exposure, "exposure", PC_COL_U64),
    PC_COLUMN(pc_common_case_row, pid, "pid", PC_COL_U64),
};
const pc_schema pc_schema_common_cases =
    SCHEMA("common_exposure_cases", pc_common_case_row, common_cases_cols);

static const pc_column clusters_cols[] = {
    PC_COLUMN(pc_cluster_row, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_cluster_row, subject, "subject", PC_COL_STR),
    PC_COLUMN(pc_cluster_row, subject_type, "subject_type", PC_COL_STR),
    PC_COLUMN(pc_cluster_row, cluster, "cluster", PC_COL_U64),
    PC_COLUMN(pc_cluster_row, size, "size", PC_COL_U64),
    PC_COLUMN(pc_cluster_row, window_start, "window_start", PC_COL_I64),
    PC_COLUMN(pc_cluster_row, onset, "onset", PC_COL_I64),
    PC_COLUMN(pc_cluster_row, exposures, "exposures", PC_COL_U64),
    PC_COLUMN(pc_cluster_row, top_exposure, "top_exposure", PC_COL_I64),
};
const pc_schema pc_schema_clusters = SCHEMA("clusters", pc_cluster_row, clusters_cols);

static const pc_column candidates_cols[] = {
    PC_COLUMN(pc_candidate_row, pid, "pid", PC_COL_U64),
    PC_COLUMN(pc_candidate_row, subject, "subject", PC_COL_STR),
    PC_COLUMN(pc_candidate_row, subject_type, "subject_type", PC_COL_STR),
    PC_COLUMN(pc_candidate_row, cases, "cases", PC_COL_U64),
    PC_COLUMN(pc_candidate_row, exposures, "exposures", PC_COL_U64),
    PC_COLUMN(pc_candidate_row, first, "first", PC_COL_I64),
    PC_COLUMN(pc_candidate_row, dwell, "dwell", PC_COL_I64),
    PC_COLUMN(pc_candidate_row, top_exposure, "top_exposure", PC_COL_U64),
    PC_COLUMN(pc_candidate_row, channel, "channel", PC_COL_STR),
    PC_COLUMN(pc_candidate_row, place, "place", PC_COL_U64),
    PC_COLUMN(pc_candidate_row, place_name, "place_name", PC_COL_STR),
    PC_COLUMN(pc_candidate_row, residence, "residence", PC_COL_U64),
};
const pc_schema pc_schema_candidates = SCHEMA("candidates", pc_candidate_row, candidates_cols);

static const pc_column hotspots_cols[] = {
    PC_COLUMN(pc_hotspot_row, kind, "kind", PC_COL_STR),
    PC_COLUMN(pc_hotspot_row, channel, "channel", PC_COL_STR),
    PC_COLUMN(pc_hotspot_row, place, "place", PC_COL_U64),
    PC_COLUMN(pc_hotspot_row, region, "region", PC_COL_U64),
    PC_COLUMN(pc_hotspot_row, name, "name", PC_COL_STR),
    PC_COLUMN(pc_hotspot_row, persons, "persons", PC_COL_U64),
    PC_COLUMN(pc_hotspot_row, dwell, "dwell", PC_COL_I64),
};
const pc_schema pc_schema_hotspots = SCHEMA("hotspots", pc_hotspot_row, hotspots_cols);

const pc_schema *const pc_schemas_all[] = {
    &pc_schema_persons, &pc_schema_identities, &pc_schema_regions, &pc_schema_stays,
    &pc_schema_places, &pc_schema_place_rows, &pc_schema_screened, &pc_schema_contacts,
    &pc_schema_companions, &pc_schema_targets, &pc_schema_testing, &pc_schema_rejects,
    &pc_schema_list, &pc_view_pid, &pc_view_flag_contacts, &pc_view_flag_companions,
    &pc_view_flag_screened, &pc_view_flag_jur, &pc_view_report_contacts,
    &pc_view_report_companions, &pc_view_report_screened, &pc_view_report_targets,
    &pc_view_report_testing,
    &pc_schema_ledger_persons, &pc_schema_ledger_events, &pc_schema_ledger_batches,
    &pc_schema_ledger_measures, &pc_schema_ledger_yield, &pc_schema_ledger_parts,
    &pc_schema_common, &pc_schema_common_cases, &pc_schema_clusters, &pc_schema_candidates,
    &pc_schema_hotspots, &pc_schema_itinerary, &pc_schema_same_trip, &pc_schema_active,
    &pc_schema_batches_out, &pc_schema_fb_rejects, NULL};

/* ---- types ---- */

/* The column of a table that a column of s stands for (itself for a table). */
static const pc_column *table_column(const pc_schema *s, const pc_column *c) {
  if (!s->table) return c;
  for (size_t i = 0; i < s->table->ncols; i++)
    if (!strcmp(s->table->cols[i].name, c->name)) return &s->table->cols[i];
  return NULL;
}

/* A new HDF5 type of one column (caller closes); -1 when the column is not
 * of its table's size (a view's field too small or too big). */
static hid_t column_type(const pc_column *tc, size_t size) {
  static const size_t sizes[] = {[PC_COL_U8] = 1,  [PC_COL_U16] = 2, [PC_COL_U32] = 4,
                                 [PC_COL_U64] = 8, [PC_COL_I16] = 2, [PC_COL_I32] = 4,
                                 [PC_COL_I64] = 8, [PC_COL_F64] = 8};
  if (size != tc->size) return -1;
  hid_t t = -1;
  switch (tc->type) {
  case PC_COL_U8: t = H5Tcopy(H5T_NATIVE_UINT8); break;
  case PC_COL_U16: t = H5Tcopy(H5T_NATIVE_UINT16); break;
  case PC_COL_U32: t = H5Tcopy(H5T_NATIVE_UINT32); break;
  case PC_COL_U64: t = H5Tcopy(H5T_NATIVE_UINT64); break;
  case PC_COL_I16: t = H5Tcopy(H5T_NATIVE_INT16); break;
  case PC_COL_I32: t = H5Tcopy(H5T_NATIVE_INT32); break;
  case PC_COL_I64: t = H5Tcopy(H5T_NATIVE_INT64); break;
  case PC_COL_F64: t = H5Tcopy(H5T_NATIVE_DOUBLE); break;
  case PC_COL_STR: return pc_h5_str_type(tc->size);
  case PC_COL_BYTES:
    /* Raw bytes as received: not necessarily UTF-8, so no UTF-8 tag. */
    t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, tc->size);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    return t;
  case PC_COL_TABLE: return -1;
  }
  if (t >= 0 && sizes[tc->type] != tc->size) {
    H5Tclose(t);
    return -1;
  }
  return t;
}

/* A new compound type of s's columns, those with present[i] != 0 when
 * present is given (caller closes); -1 with the cause recorded. */
static hid_t build_type(const pc_schema *s, const unsigned char *present) {
  hid_t t = H5Tcreate(H5T_COMPOUND, s->rowsize);
  if (t < 0) return PC_ERROR(PC_ERR_IO, "cannot create the row type of %s", s->name), -1;
  for (size_t i = 0; i < s->ncols; i++) {
    if (present && !present[i]) continue;
    const pc_column *c = &s->cols[i], *tc = table_column(s, c);
    hid_t ct = tc ? column_type(tc, c->size) : -1;
    if (ct < 0 || H5Tinsert(t, c->name, c->offset, ct) < 0) {
      if (ct >= 0) H5Tclose(ct);
      H5Tclose(t);
      PC_ERROR(PC_ERR_ARG, "schema of %s: column `%s` %s", s->name ? s->name : "(any table)",
               c->name, tc ? "does not fit its field" : "is not in its table");
      return -1;
    }
    H5Tclose(ct);
  }
  return t;
}

hid_t pc_schema_type(const pc_schema *s) {
  /* Built once per schema: the types are asked for in every write loop. */
  static struct {
    const pc_schema *s;
    hid_t t;
  } cache[64];
  static size_t ncache;
  for (size_t i = 0; i < ncache; i++)
    if (cache[i].s == s) return cache[i].t;
  hid_t t = build_type(s, NULL);
  if (t >= 0 && ncache < NCOLS(cache)) cache[ncache].s = s, cache[ncache++].t = t;
  return t;
}

/* ---- checked reads ---- */

/* "a 1-byte unsigned integer", "an 18-byte UTF-8 string"... of a member type. */
static const char *describe(hid_t t, char *buf, size_t len) {
  const H5T_class_t c = H5Tget_class(t);
  const size_t n = H5Tget_size(t);
  char digits[24];
  snprintf(digits, sizeof digits, "%zu", n);
  const char *a = digits[0] == '8' || n == 11 || n == 18 ? "an" : "a"; /* an 8-, 11-, 18-, 80-byte */
  if (c == H5T_INTEGER)
    snprintf(buf, len, "%s %zu-byte %s integer", a, n,
             H5Tget_sign(t) == H5T_SGN_NONE ? "unsigned" : "signed");
  else if (c == H5T_FLOAT)
    snprintf(buf, len, "%s %zu-byte float", a, n);
  else if (c == H5T_STRING && H5Tis_variable_str(t) > 0)
    snprintf(buf, len, "a variable-length string");
  else if (c == H5T_STRING)
    snprintf(buf, len, "%s %zu-byte %s string", a, n,
             H5Tget_cset(t) == H5T_CSET_UTF8 ? "UTF-8" : "ASCII");
  else
    snprintf(buf, len, "%s", c == H5T_COMPOUND ? "a compound" : c == H5T_ARRAY ? "an array"
                                                                   : "another kind of value");
  return buf;
}

/* Whether HDF5 reads a member stored as `have` into `want` without loss:
 * same class, no wider (a 32-byte name into a 64-byte field, a uint32 into a
 * uint64), integers of the same sign, strings fixed-length in the same
 * character set (HDF5 does not convert between ASCII and UTF-8). */
static int same_kind(hid_t want, hid_t have) {
  const H5T_class_t c = H5Tget_class(want);
  if (c != H5Tget_class(have) || H5Tget_size(have) > H5Tget_size(want)) return 0;
  if (c == H5T_INTEGER) return H5Tget_sign(want) == H5Tget_sign(have);
  if (c == H5T_STRING)
    return H5Tis_variable_str(have) <= 0 && H5Tget_cset(want) == H5Tget_cset(have);
  return 1;
}

int pc_schema_check(hid_t dset, const char *path, const char *name, const pc_schema *s,
                    int *missing) {
  if (missing) *missing = 0;
  hid_t ft = H5Dget_type(dset);
  if (ft < 0 || H5Tget_class(ft) != H5T_COMPOUND) {
    if (ft >= 0) H5Tclose(ft);
    return PC_ERROR(PC_ERR_DATA, "%s: /%s is not a table of rows (written by another version?)",
                    path, name);
  }
  int rc = 0;
  for (size_t i = 0; i < s->ncols && !rc; i++) {
    const pc_column *c = &s->cols[i], *tc = table_column(s, c);
    int k = H5Tget_member_index(ft, c->name);
    if (k < 0) {
      if (c->optional) {
        if (missing) *missing = 1;
        continue;
      }
      rc = PC_ERROR(PC_ERR_DATA, "%s: table /%s has no column `%s` (written by another version?)",
                    path, name, c->name);
      break;
    }
    hid_t want = tc ? column_type(tc, c->size) : -1, have = H5Tget_member_type(ft, (unsigned)k);
    if (want < 0) {
      rc = PC_ERROR(PC_ERR_ARG, "schema of /%s: column `%s` does not fit its table", name, c->name);
    } else if (!same_kind(want, have)) {
      char hb[64], wb[64];
      rc = PC_ERROR(PC_ERR_DATA,
                    "%s: table /%s column `%s` is %s, this version reads %s (written by another "
                    "version?)",
                    path, name, c->name, describe(have, hb, sizeof hb),
                    describe(want, wb, sizeof wb));
    }
    if (want >= 0) H5Tclose(want);
    if (have >= 0) H5Tclose(have);
  }
  H5Tclose(ft);
  return rc;
}

int pc_table_open(hid_t file, const char *name, const pc_schema *s, pc_table *t) {
  memset(t, 0, sizeof *t);
  t->dset = t->mtype = -1;
  t->rowsize = s->rowsize;
  t->schema = s;
  if (!name) name = s->name;
  char path[1024] = "?";
  H5Fget_name(file, path, sizeof path);
  snprintf(t->what, sizeof t->what, "%s:/%s", path, name);
  PC_CALL(pc_h5_dset_open(file, name, &t->dset, &t->nrows));
  int rc = pc_schema_check(t->dset, path, name, s, &t->missing);
  if (!rc && !t->missing) {
    t->mtype = H5Tcopy(pc_schema_type(s));
  } else if (!rc) {
    /* Only the columns the file has: HDF5 would refuse a member it cannot find. */
    hid_t ft = H5Dget_type(t->dset);
    unsigned char present[64] = {0};
    for (size_t i = 0; i < s->ncols && i < sizeof present; i++) {
      present[i] = H5Tget_member_index(ft, s->cols[i].name) >= 0;
      if (!present[i]) t->absent |= (uint64_t)1 << i;
    }
    H5Tclose(ft);
    t->mtype = s->ncols <= sizeof present ? build_type(s, present) : -1;
  }
  if (!rc && t->mtype < 0) rc = PC_ERROR(PC_ERR_ARG, "no row type for %s", t->what);
  /* HDF5 converting into a view leaves the bytes of fields it does not
   * fill as they were: zero them, so they read as documented. */
  t->zero = t->missing || s->table != NULL;
  if (rc) pc_table_close(t);
  return rc;
}

int pc_table_read(const pc_table *t, uint64_t start, size_t n, void *rows) {
  if (t->zero) memset(rows, 0, n * t->rowsize);
  int rc = pc_h5_dset_read(t->dset, t->mtype, start, n, rows);
  if (rc) return rc;
  /* When the memory type equals the file's, HDF5 copies whole rows, bytes
   * between its members too: clear the absent columns after the read. */
  for (size_t i = 0; t->absent && i < t->schema->ncols; i++)
    if (t->absent >> i & 1)
      for (size_t r = 0; r < n; r++)
        memset((char *)rows + r * t->rowsize + t->schema->cols[i].offset, 0,
               t->schema->cols[i].size);
  return 0;
}

int pc_table_lower_bound(const pc_table *t, uint64_t pid, void *one, uint64_t *row) {
  uint64_t lo = 0, hi = t->nrows;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    uint64_t at;
    PC_CALL(pc_table_read(t, mid, 1, one));
    memcpy(&at, one, sizeof at);
    if (at < pid) lo = mid + 1;
    else hi = mid;
  }
  *row = lo;
  return 0;
}

void pc_table_close(pc_table *t) {
  if (t->dset >= 0) H5Dclose(t->dset);
  if (t->mtype >= 0) H5Tclose(t->mtype);
  t->dset = t->mtype = -1;
}

int pc_table_read_all(hid_t file, const char *name, const pc_schema *s, void **rows,
                      uint64_t *n) {
  *rows = NULL;
  *n = 0;
  pc_table t;
  PC_CALL(pc_table_open(file, name, s, &t));
  void *buf = pc_malloc((size_t)(t.nrows + 1) * s->rowsize, t.what);
  int rc = buf ? pc_table_read(&t, 0, (size_t)t.nrows, buf) : PC_ERR_MEM;
  if (rc) {
    free(buf);
    buf = NULL;
  } else {
    *n = t.nrows;
  }
  pc_table_close(&t);
  *rows = buf;
  return rc;
}

/* ---- raw reads of contiguous tables ---- */

int pc_raw_open(hid_t file, const char *path, const pc_schema *s, pc_raw *raw) {
  memset(raw, 0, sizeof *raw);
  raw->fd = -1;
  const char *name = s->name;
  hid_t memtype = pc_schema_type(s);
  hid_t d;
  PC_CALL(pc_h5_dset_open(file, name, &d, &raw->nrows));
  /* Name a missing or retyped column before the layout check below. */
  int rc = pc_schema_check(d, path, name, s, NULL);
  if (rc) {
    H5Dclose(d);
    return rc;
  }
  hid_t ft = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
  int same = H5Tget_size(ft) == H5Tget_size(memtype) && H5Tequal(ft, memtype) > 0;
  int contig = H5Pget_layout(dcpl) == H5D_CONTIGUOUS;
  haddr_t off = raw->nrows ? H5Dget_offset(d) : 0;
  H5Tclose(ft);
  H5Pclose(dcpl);
  H5Dclose(d);
  raw->rowsize = H5Tget_size(memtype);
  if (!same)
    return PC_ERROR(PC_ERR_IO, "%s: dataset %s does not have the row layout this version reads",
                    path, name);
  if (!contig || off == HADDR_UNDEF)
    return PC_ERROR(PC_ERR_IO,
                    "%s: dataset %s is not stored contiguously and uncompressed (write it "
                    "again with this version)",
                    path, name);
  raw->offset = (uint64_t)off;
  raw->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (raw->fd < 0) return PC_ERROR(PC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  snprintf(raw->what, sizeof raw->what, "%s:%s", path, name);
  return 0;
}

int pc_raw_read(const pc_raw *raw, uint64_t row, size_t n, void *buf) {
  if (row + n > raw->nrows)
    return PC_ERROR(PC_ERR_IO, "%s: rows %llu..%llu beyond the end (%llu rows)", raw->what,
                    (unsigned long long)row, (unsigned long long)(row + n),
                    (unsigned long long)raw->nrows);
  if (pc_pread_full(raw->fd, buf, n * raw->rowsize, raw->offset + row * raw->rowsize) != 0)
    return PC_ERROR(PC_ERR_IO, "%s: read of rows %llu..%llu failed: %s (truncated file?)",
                    raw->what, (unsigned long long)row, (unsigned long long)(row + n),
                    errno ? strerror(errno) : "end of file");
  return 0;
}

void pc_raw_close(pc_raw *raw) {
  if (raw->fd >= 0) close(raw->fd);
  raw->fd = -1;
}
