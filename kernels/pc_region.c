/* pc_region.c - region levels, cuts, lookup and the jurisdiction rule. */
#include "pc_region.h"

#include <string.h>

const char *const pc_level_names[PC_NLEVELS + 2] = {"",         "province",  "city", "county",
                                                    "township", "community", NULL};

/* What a level keeps, as a divisor: the code's digit groups are 2 + 2 + 2 + 3 + 3. */
static const uint64_t level_div[PC_NLEVELS + 1] = {1ULL, 10000000000ULL, 100000000ULL,
                                                   1000000ULL, 1000ULL, 1ULL};
static const int level_digits[PC_NLEVELS + 1] = {12, 2, 4, 6, 9, 12};

static int level_ok(int level) { return level >= PC_LEVEL_PROVINCE && level <= PC_LEVEL_COMMUNITY; }

const char *pc_level_name(int level) { return level_ok(level) ? pc_level_names[level] : NULL; }

int pc_level_of(const char *name) {
  for (int l = PC_LEVEL_PROVINCE; name && l <= PC_LEVEL_COMMUNITY; l++)
    if (!strcmp(name, pc_level_names[l])) return l;
  return 0;
}

int pc_level_digits(int level) { return level_digits[level_ok(level) ? level : 0]; }

uint64_t pc_region_cut(uint64_t code, int level) {
  if (!level_ok(level)) return code;
  return code / level_div[level] * level_div[level];
}

uint64_t pc_region_short(uint64_t code, int level) {
  return level_ok(level) ? code / level_div[level] : code;
}

int pc_region_level(uint64_t code) {
  if (code < 100000000000ULL || code > 999999999999ULL) return 0;
  uint64_t city = code / 100000000 % 100, county = code / 1000000 % 100;
  uint64_t town = code / 1000 % 1000, comm = code % 1000;
  /* A non-zero group under a zero one names a child of nothing. */
  if (comm) return town && county && city ? PC_LEVEL_COMMUNITY : 0;
  if (town) return county && city ? PC_LEVEL_TOWNSHIP : 0;
  if (county) return city ? PC_LEVEL_COUNTY : 0;
  return city ? PC_LEVEL_CITY : PC_LEVEL_PROVINCE;
}

const pc_region *pc_region_find(const pc_region *r, size_t n, uint64_t code) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r[mid].code < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && r[lo].code == code ? &r[lo] : NULL;
}

const pc_stay *pc_cover_stay(const pc_stay *s, size_t n, int64_t at) {
  const pc_stay *best = NULL;
  for (size_t i = 0; i < n; i++) {
    if (!(s[i].start <= at && at < s[i].end)) continue;
    if (!best || s[i].end - s[i].start > best->end - best->start ||
        (s[i].end - s[i].start == best->end - best->start &&
         (s[i].channel < best->channel || (s[i].channel == best->channel && s[i].place < best->place))))
      best = &s[i];
  }
  return best;
}

uint64_t pc_jurisdiction(const pc_stay *s, size_t n, int64_t at, uint64_t residence, int level) {
  const pc_stay *best = pc_cover_stay(s, n, at);
  uint64_t region = best ? best->region : 0;
  if (!region) region = residence;
  return pc_region_cut(region, level);
}
