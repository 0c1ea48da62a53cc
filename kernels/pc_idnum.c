/* pc_idnum.c - GB 11643 check characters, ID composition and phone checks. */
#include "pc_idnum.h"

#include "pc_time.h"

static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char id_check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

char pc_idnum_check_char(const char *s) {
  int sum = 0;
  for (int i = 0; i < 17; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    sum += (s[i] - '0') * id_weights[i];
  }
  return id_check[sum % 11];
}

int pc_idnum_validate(const char *s, size_t len, int32_t today) {
  if (len != 18) return PC_ID_LENGTH;
  for (int i = 0; i < 17; i++)
    if (s[i] < '0' || s[i] > '9') return PC_ID_DIGITS;
  if (!((s[17] >= '0' && s[17] <= '9') || s[17] == 'X')) return PC_ID_DIGITS;
  if (pc_idnum_check_char(s) != s[17]) return PC_ID_CHECK;
  int32_t b = pc_idnum_birth(s);
  int y = b / 10000, m = b / 100 % 100, d = b % 100;
  if (!pc_date_valid(y, m, d) || y < 1880 || (today > 0 && b > today)) return PC_ID_BIRTH;
  return PC_ID_OK;
}

const char *pc_idnum_reason(int code) {
  switch (code) {
  case PC_ID_OK: return "valid";
  case PC_ID_LENGTH: return "ID number is not 18 characters";
  case PC_ID_DIGITS: return "ID number has a character that is not a digit (or X last)";
  case PC_ID_CHECK: return "ID number check character is wrong (GB 11643)";
  case PC_ID_BIRTH: return "ID number holds an impossible birth date";
  default: return "invalid ID number";
  }
}

int32_t pc_idnum_birth(const char *s) {
  int32_t v = 0;
  for (int i = 6; i < 14; i++) v = v * 10 + (s[i] - '0');
  return v;
}

int pc_idnum_sex(const char *s) { return ((s[16] - '0') % 2) ? 1 : 2; }

uint32_t pc_idnum_area(const char *s) {
  uint32_t v = 0;
  for (int i = 0; i < 6; i++) v = v * 10 + (uint32_t)(s[i] - '0');
  return v;
}

static void put_digits(char *out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    out[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

void pc_idnum_make(uint32_t area, int32_t birth, unsigned seq, char *out) {
  put_digits(out, area, 6);
  put_digits(out + 6, (uint64_t)birth, 8);
  put_digits(out + 14, seq, 3);
  out[17] = pc_idnum_check_char(out);
}

int pc_phone_valid(const char *s, size_t len, uint64_t *out) {
  if (len != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9') return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < 11; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (out) *out = v;
  return 1;
}

void pc_phone_format(uint64_t phone, char *out) { put_digits(out, phone, 11); }
