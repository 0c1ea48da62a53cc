/* pc_time.c - civil-date arithmetic (H. Hinnant's algorithms) and time/duration text. */
#include "pc_time.h"

#include <stdio.h>
#include <string.h>

int64_t pc_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void pc_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = (int64_t)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

int pc_date_valid(int y, int m, int d) {
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int lim = mdays[m - 1] + (m == 2 && leap);
  return d <= lim;
}

static int digits(const char *s, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* The local midnight of the date s[0..10) "YYYY-MM-DD", or -1 when it is not one. */
static int date_midnight(const char *s, int64_t *out) {
  int y, mo, d;
  if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
      digits(s + 8, 2, &d) || !pc_date_valid(y, mo, d))
    return -1;
  *out = pc_local_midnight(pc_days_from_civil(y, (unsigned)mo, (unsigned)d));
  return 0;
}

/* Seconds into the day of s[10..len) ("", "THH:MM" or "THH:MM:SS", T or a
 * space), or -1 when it is not one; len is 10, 16 or 19. */
static int time_of_day(const char *s, size_t len, int64_t *out) {
  int h = 0, mi = 0, se = 0;
  if (len >= 16) {
    if ((s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) || s[13] != ':' ||
        digits(s + 14, 2, &mi))
      return -1;
    if (len == 19 && (s[16] != ':' || digits(s + 17, 2, &se))) return -1;
  }
  if (h > 23 || mi > 59 || se > 59) return -1;
  *out = h * 3600 + mi * 60 + se;
  return 0;
}

int pc_time_parse(const char *s, size_t len, int64_t *out) {
  int64_t day, tod;
  if ((len != 10 && len != 16 && len != 19) || date_midnight(s, &day) || time_of_day(s, len, &tod))
    return -1;
  *out = day + tod;
  return 0;
}

int pc_time_parse_memo(pc_date_memo *m, const char *s, size_t len, int64_t *out) {
  if (len != 10 && len != 16 && len != 19) return -1;
  uint64_t head;
  uint16_t tail;
  memcpy(&head, s, 8);
  memcpy(&tail, s + 8, 2);
  /* the slot: the day's and the month's last digits */
  const unsigned k = ((unsigned char)s[9] + 3u * (unsigned char)s[6]) % PC_DATE_MEMO;
  int64_t day, tod;
  if (m->tail[k] && m->head[k] == head && m->tail[k] == tail) {
    day = m->midnight[k];
  } else {
    if (date_midnight(s, &day)) return -1;
    m->head[k] = head, m->tail[k] = tail, m->midnight[k] = day; /* tail: two digits, never 0 */
  }
  if (time_of_day(s, len, &tod)) return -1;
  *out = day + tod;
  return 0;
}

char *pc_time_format(int64_t t, char *buf) {
  /* buf holds 20 bytes; the year is 4 digits for any time the contract allows */
  int64_t days = pc_local_day(t);
  int64_t sod = t - pc_local_midnight(days);
  int y;
  unsigned m, d;
  pc_civil_from_days(days, &y, &m, &d);
  int h = (int)(sod / 3600), mi = (int)(sod / 60 % 60), s = (int)(sod % 60);
  if (s)
    snprintf(buf, 24, "%04d-%02u-%02uT%02d:%02d:%02d", y, m, d, h, mi, s);
  else
    snprintf(buf, 24, "%04d-%02u-%02uT%02d:%02d", y, m, d, h, mi);
  return buf;
}

char *pc_time_human(int64_t t, char *buf) {
  char iso[24];
  pc_time_format(t, iso);
  iso[10] = ' '; /* a space reads as a time; the T of the contract's form does not */
  snprintf(buf, PC_TIME_HUMAN, "%s (UTC%+d)", iso, PC_TZ_OFFSET / 3600);
  return buf;
}

int pc_duration_parse(const char *s, size_t len, int64_t *out) {
  int64_t total = 0;
  size_t i = 0;
  if (len == 0) return -1;
  while (i < len) {
    int64_t v = 0;
    size_t start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      if (v > (INT64_MAX - (s[i] - '0')) / 10) return -1; /* exact: INT64_MAX itself parses */
      v = v * 10 + (s[i] - '0');
      i++;
    }
    if (i == start) return -1;
    int64_t unit;
    if (i == len) {
      if (start != 0) return -1; /* "1h30" is ambiguous */
      unit = 1;
    } else {
      switch (s[i]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: return -1;
      }
      i++;
    }
    if (v > INT64_MAX / unit || total > INT64_MAX - v * unit) return -1;
    total += v * unit;
  }
  *out = total;
  return 0;
}

char *pc_duration_format(int64_t secs, char *buf) {
  if (secs != 0 && secs % 86400 == 0)
    snprintf(buf, 24, "%lldd", (long long)(secs / 86400));
  else if (secs != 0 && secs % 3600 == 0)
    snprintf(buf, 24, "%lldh", (long long)(secs / 3600));
  else if (secs != 0 && secs % 60 == 0)
    snprintf(buf, 24, "%lldm", (long long)(secs / 60));
  else
    snprintf(buf, 24, "%llds", (long long)secs);
  return buf;
}

int pc_date_parse(const char *s, size_t len, int32_t *out) {
  int y, m, d;
  if (len == 8) {
    if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d)) return -1;
  } else if (len == 10) {
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d))
      return -1;
  } else {
    return -1;
  }
  if (!pc_date_valid(y, m, d)) return -1;
  *out = y * 10000 + m * 100 + d;
  return 0;
}

int32_t pc_local_ymd(int64_t t) {
  int y;
  unsigned m, d;
  pc_civil_from_days(pc_local_day(t), &y, &m, &d);
  return y * 10000 + (int32_t)(m * 100 + d);
}

int pc_age_at(int32_t ymd, int64_t t) {
  if (ymd <= 0) return -1;
  int y;
  unsigned m, d;
  pc_civil_from_days(pc_local_day(t), &y, &m, &d);
  int by = ymd / 10000, bm = ymd / 100 % 100, bd = ymd % 100;
  int age = y - by;
  if ((int)m < bm || ((int)m == bm && (int)d < bd)) age--;
  return age < 0 ? -1 : age;
}
