/* pc_time.h - province-local times (UTC+8) and durations, as the contract writes them. */
#ifndef PC_TIME_H
#define PC_TIME_H

#include <stddef.h>
#include <stdint.h>

#define PC_TZ_OFFSET (8 * 3600) /* the province's local time is UTC+8, no DST */
#define PC_DAY 86400             /* seconds of a local day (no DST, no leap seconds) */

/* Local calendar day of instant t (UTC seconds): days since 1970-01-01 local,
 * floor((t + 8 h) / 1 day), so an instant before the local epoch (t < -8 h)
 * falls on day -1 or earlier, and local 00:00 exactly starts its day. Local,
 * cannot fail; inline because index bucketing calls it for every row. */
static inline int64_t pc_local_day(int64_t t) {
  int64_t l = t + PC_TZ_OFFSET;
  return l >= 0 ? l / PC_DAY : -((-l + PC_DAY - 1) / PC_DAY);
}
/* The instant (UTC seconds) local day `day` begins: local 00:00, 16:00 UTC
 * of the day before; pc_local_day(pc_local_midnight(d)) == d for every d.
 * Local, cannot fail. */
static inline int64_t pc_local_midnight(int64_t day) { return day * PC_DAY - PC_TZ_OFFSET; }
/* SPEC "Dispatch": the default instant whose location decides a person's
 * jurisdiction, 03:00 local on the day before as_of's local date (as_of at
 * local 00:00 exactly is on its own day: 03:00 of the day before that).
 * Local, cannot fail. */
static inline int64_t pc_dispatch_instant(int64_t as_of) {
  return pc_local_midnight(pc_local_day(as_of) - 1) + 3 * 3600;
}
/* Local date of instant t as YYYYMMDD (the form of birth dates). Local,
 * cannot fail. */
int32_t pc_local_ymd(int64_t t);

/* Days since 1970-01-01 of a proleptic Gregorian date; local, cannot fail. */
int64_t pc_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of pc_days_from_civil. */
void pc_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);
/* 1 when y-m-d is a real calendar date. */
int pc_date_valid(int y, int m, int d);

/* Parse "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (also "YYYY-MM-DD HH:MM",
 * and a bare "YYYY-MM-DD" meaning 00:00), local time, into seconds since the
 * epoch (UTC). Exactly len bytes are read (no NUL needed). Returns 0 or -1. */
int pc_time_parse(const char *s, size_t len, int64_t *out);
/* Dates met lately, by their text "YYYY-MM-DD": the local midnight of each,
 * valid dates only. A stays file's times fall on the few days of its window,
 * the end mostly on its start's day: the date's day count and check alone
 * were half of parsing a time (perf, ingest). Zeroed before use; one
 * reader's own. */
enum { PC_DATE_MEMO = 16 };
typedef struct pc_date_memo {
  uint64_t head[PC_DATE_MEMO]; /* "YYYY-MM-" */
  uint16_t tail[PC_DATE_MEMO]; /* "DD"; 0: the slot is empty */
  int64_t midnight[PC_DATE_MEMO];
} pc_date_memo;
/* pc_time_parse, the date found in m when it is there (put there when it is
 * valid and not). The same result and return as pc_time_parse for every
 * input. Local. */
int pc_time_parse_memo(pc_date_memo *m, const char *s, size_t len, int64_t *out);
/* Format t (UTC seconds) as local "YYYY-MM-DDTHH:MM" (":SS" when non-zero).
 * buf needs 24 bytes. Returns buf. */
char *pc_time_format(int64_t t, char *buf);
/* Format t (UTC seconds) for people reading a message or log: local
 * "YYYY-MM-DD HH:MM (UTC+8)" (":SS" when non-zero), never epoch seconds.
 * buf needs PC_TIME_HUMAN bytes. Returns buf. Local, cannot fail. */
#define PC_TIME_HUMAN 40
char *pc_time_human(int64_t t, char *buf);

/* Parse a duration "15m", "2h", "14d", "90s", "1h30m" or a bare number of
 * seconds into seconds. Returns 0 or -1. */
int pc_duration_parse(const char *s, size_t len, int64_t *out);
/* Format seconds as the shortest duration string ("2h", "90m", "14d"). buf >= 24. */
char *pc_duration_format(int64_t secs, char *buf);

/* Parse YYYYMMDD or YYYY-MM-DD into an int YYYYMMDD; validates the date. */
int pc_date_parse(const char *s, size_t len, int32_t *yyyymmdd);
/* Whole years of age at local time t of someone born on yyyymmdd; -1 if unknown (0). */
int pc_age_at(int32_t yyyymmdd, int64_t t);

#endif
