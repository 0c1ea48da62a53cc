/* pc_time.h - province-local times (UTC+8) and durations, as the contract writes them. */
#ifndef PC_TIME_H
#define PC_TIME_H

#include <stddef.h>
#include <stdint.h>

#define PC_TZ_OFFSET (8 * 3600) /* the province's local time is UTC+8, no DST */

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
/* Format t (UTC seconds) as local "YYYY-MM-DDTHH:MM" (":SS" when non-zero).
 * buf needs 24 bytes. Returns buf. */
char *pc_time_format(int64_t t, char *buf);

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
