/* pc_doc.c - document types, the rule of each document's number, and phones with a country prefix. */
#include "pc_doc.h"

#include <string.h>

#include "pc_idnum.h"

const char *const pc_doc_names[PC_NDOCS] = {"id_card", "passport", "hk_macao", "taiwan",
                                            "foreign_pr", "other", "phone"};

static int blank(char c) { return c == ' ' || c == '\t'; }

/* The same blanks the CSV reader trims: a value may reach us untrimmed from elsewhere. */
static void trim(const char **s, size_t *len) {
  while (*len && blank(**s)) (*s)++, (*len)--;
  while (*len && blank((*s)[*len - 1])) (*len)--;
}

static char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

int pc_doc_of(const char *s, size_t len) {
  trim(&s, &len);
  if (len == 0) return PC_DOC_ID_CARD;
  for (int t = 0; t < PC_NDOCS; t++) {
    const char *n = pc_doc_names[t];
    if (strlen(n) != len) continue;
    size_t i = 0;
    while (i < len && lower(s[i]) == n[i]) i++;
    if (i == len) return t;
  }
  return -1;
}

const char *pc_doc_reason(int type, int code) {
  switch (code) {
    case PC_DOC_E_OK: return "valid";
    case PC_DOC_E_TYPE: return "not a document type";
    case PC_DOC_E_LENGTH:
      return type == PC_DOC_ID_CARD ? "not 18 characters" : "not 5-20 characters after trimming";
    case PC_DOC_E_DIGITS: return "not 17 digits and a check character";
    case PC_DOC_E_CHARS: return "a character other than A-Z and 0-9";
    case PC_DOC_E_CHECK: return "wrong check character (ISO 7064 MOD 11-2)";
    case PC_DOC_E_BIRTH: return "the birth date it holds is not a real past date";
    case PC_DOC_E_PHONE: return "not a mobile number (11 digits starting with 13-19, optionally +86)";
    default: return "invalid document number";
  }
}

/* The GB 11643 rule on an upper-cased 18-character candidate (ID card, new foreign PR ID). */
static int gb11643(const char *u, size_t len, int32_t today_ymd) {
  switch (pc_idnum_validate(u, len, today_ymd)) {
    case PC_ID_OK: return PC_DOC_E_OK;
    case PC_ID_LENGTH: return PC_DOC_E_LENGTH;
    case PC_ID_CHECK: return PC_DOC_E_CHECK;
    case PC_ID_BIRTH: return PC_DOC_E_BIRTH;
    default: return PC_DOC_E_DIGITS;
  }
}

static int generic(const char *u, size_t len) {
  if (len < 5 || len > PC_DOC_MAX) return PC_DOC_E_LENGTH;
  for (size_t i = 0; i < len; i++)
    if (!((u[i] >= 'A' && u[i] <= 'Z') || (u[i] >= '0' && u[i] <= '9'))) return PC_DOC_E_CHARS;
  return PC_DOC_E_OK;
}

/* The rule of a non-phone type on the trimmed number u (upper-cased, len <= PC_DOC_MAX). */
static int doc_rule(int type, const char *u, size_t len, int32_t today_ymd) {
  if (type == PC_DOC_ID_CARD) return gb11643(u, len, today_ymd);
  if (type == PC_DOC_FOREIGN_PR && len == 18 && u[0] == '9') {
    int r = gb11643(u, len, today_ymd);
    return r == PC_DOC_E_LENGTH ? PC_DOC_E_DIGITS : r;
  }
  return generic(u, len);
}

int pc_doc_normalise(int type, const char *s, size_t len, char out[PC_DOC_MAX + 1],
                     size_t *outlen, int32_t today_ymd) {
  out[0] = 0;
  *outlen = 0;
  if (type < 0 || type >= PC_NDOCS) return PC_DOC_E_TYPE;
  if (type == PC_DOC_PHONE) {
    uint64_t v;
    if (!pc_phone_normalise(s, len, &v)) return PC_DOC_E_PHONE;
    pc_phone_format(v, out);
    out[11] = 0;
    *outlen = 11;
    return PC_DOC_E_OK;
  }
  trim(&s, &len);
  if (len > PC_DOC_MAX) return PC_DOC_E_LENGTH;
  char u[PC_DOC_MAX + 1];
  for (size_t i = 0; i < len; i++) u[i] = upper(s[i]);
  u[len] = 0;
  int r = doc_rule(type, u, len, today_ymd);
  if (r) return r;
  memcpy(out, u, len + 1);
  *outlen = len;
  return PC_DOC_E_OK;
}

int pc_doc_birth_sex(int type, const char *number, int32_t *birth, int *sex) {
  int holds = type == PC_DOC_ID_CARD ||
              (type == PC_DOC_FOREIGN_PR && number[0] == '9' && strlen(number) == 18);
  if (!holds) return 0;
  *birth = pc_idnum_birth(number);
  *sex = pc_idnum_sex(number);
  return 1;
}

int pc_phone_normalise(const char *s, size_t len, uint64_t *phone) {
  /* The bare number, most phones of every file: 11 bytes are 11 digits or
   * not a phone (a blank or a dash among them leaves fewer than 11). */
  if (len == 11) return pc_phone_valid(s, 11, phone);
  /* Longest accepted form without blanks and dashes: "(0086)" and 11 digits. */
  char c[6 + 11];
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (blank(s[i]) || s[i] == '-') continue;
    if (n == sizeof c) return 0;
    c[n++] = s[i];
  }
  /* Each prefix only with exactly 11 characters after it; "" is the bare number. */
  static const char *const prefix[] = {"", "86", "+86", "0086", "(86)", "(+86)", "(0086)"};
  for (size_t k = 0; k < sizeof prefix / sizeof *prefix; k++) {
    size_t pl = strlen(prefix[k]);
    if (n == pl + 11 && memcmp(c, prefix[k], pl) == 0) return pc_phone_valid(c + pl, 11, phone);
  }
  return 0;
}

void pc_doc_type_name(int t, char out[12]) {
  memset(out, 0, 12);
  if (t >= 0 && t < PC_NDOCS) memcpy(out, pc_doc_names[t], strlen(pc_doc_names[t]));
}
