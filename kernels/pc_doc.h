/* pc_doc.h - identity documents other than the resident ID card, and phones as agencies write them: type, normal form, rule. */
#ifndef PC_DOC_H
#define PC_DOC_H

#include <stddef.h>
#include <stdint.h>

/* The rules (SPEC "Other people's data"). Every number is first trimmed of
 * blanks (space, tab) at both ends and upper-cased (ASCII); document numbers
 * are case-insensitive. A blank inside a document number is not removed: the
 * number is rejected (trimming is the ends only; "E1234 5678" may be two
 * numbers run together, and guessing would merge two persons).
 *
 *   id_card     GB 11643: 17 digits and the ISO 7064 MOD 11-2 check character
 *               ('x' is taken as 'X'), a real birth date in positions 7-14, not
 *               before 1880 and not after today (pc_idnum_validate).
 *   passport, hk_macao, taiwan, other
 *               5-20 characters A-Z, 0-9.
 *   foreign_pr  18 characters starting with '9': the foreigner's permanent
 *               residence ID of 2023, checked exactly as an ID card (17 digits,
 *               the same check character, birth date at 7-14, 17th digit odd =
 *               male). Any 18-character number starting with '9' must pass
 *               that check: it is that card, mistyped or not. Otherwise the
 *               5-20 A-Z, 0-9 rule (the older 15-character card, 3 letters and
 *               12 digits, passes it).
 *   phone       pc_phone_normalise below; the normal form is its 11 digits.
 *
 * The pseudonym of a document is pc_pid_of_doc (pc_hash.h). */
enum {
  PC_DOC_ID_CARD = 0,
  PC_DOC_PASSPORT,
  PC_DOC_HK_MACAO,
  PC_DOC_TAIWAN,
  PC_DOC_FOREIGN_PR,
  PC_DOC_OTHER,
  PC_DOC_PHONE, /* stays and cases only: a person is not registered by phone */
  PC_NDOCS
};
/* SPEC names: "id_card", "passport", "hk_macao", "taiwan", "foreign_pr", "other", "phone". */
extern const char *const pc_doc_names[PC_NDOCS];

#define PC_DOC_MAX 20 /* longest normal form: 20 characters (an ID number 18, a phone 11) */

/* Write the name of type t (pc_doc_names; "" when t is not a type) into
 * out, NUL-padded to PC_SUBJECT_TYPE_LEN (12) bytes: the outputs'
 * `subject_type` column. Local, cannot fail. */
void pc_doc_type_name(int t, char out[12]);

/* The document type a column value (id_type, subject_type) names: trimmed,
 * case-insensitive. Empty (or only blanks) is id_card, the default. Returns
 * a PC_DOC_* value, or -1 for a name that is none of them. Local, cannot fail. */
int pc_doc_of(const char *s, size_t len);

/* Why a number does not follow its type's rule. The texts (pc_doc_reason)
 * never quote the number: it is personal data. When wiring into pc_rows:
 * LENGTH, DIGITS, CHARS -> id_format; CHECK -> id_check; BIRTH -> id_birth;
 * PHONE -> phone; TYPE -> field. */
enum {
  PC_DOC_E_OK = 0,
  PC_DOC_E_TYPE,   /* type is not a PC_DOC_* value */
  PC_DOC_E_LENGTH, /* id_card: not 18 characters; others: not 5-20 characters */
  PC_DOC_E_DIGITS, /* id_card, 18-character foreign_pr: not 17 digits and a check character */
  PC_DOC_E_CHARS,  /* 5-20 rule: a character other than A-Z, 0-9 (a blank inside among them) */
  PC_DOC_E_CHECK,  /* wrong check character (ISO 7064 MOD 11-2) */
  PC_DOC_E_BIRTH,  /* the birth date the number holds is not a real past date */
  PC_DOC_E_PHONE   /* not a mobile number in any accepted form */
};
/* A short static text for code (of a number of that type), e.g. "not 5-20
 * characters after trimming". Local, cannot fail: an unknown code gives a
 * generic text. */
const char *pc_doc_reason(int type, int code);

/* Check s[0..len) against the rule of type and write its normal form to out
 * (NUL-terminated, *outlen characters): the trimmed, upper-cased number; for
 * a phone its 11 digits. today_ymd (YYYYMMDD, 0 = no bound) is the latest
 * birth date an ID number may hold, as in pc_idnum_validate. Returns
 * PC_DOC_E_OK, or a PC_DOC_E_* code, and then out is "" and *outlen 0.
 * Local. */
int pc_doc_normalise(int type, const char *s, size_t len, char out[PC_DOC_MAX + 1],
                     size_t *outlen, int32_t today_ymd);

/* 1 when a number in normal form (pc_doc_normalise's out, NUL-terminated)
 * holds the birth date and sex: an id_card, an 18-character foreign_pr
 * starting with '9'. Then *birth = YYYYMMDD and *sex = 1 male, 2 female.
 * Else 0, *birth and *sex untouched: they come from the birth_date and sex
 * columns (unknown: 0 each). Local, cannot fail. */
int pc_doc_birth_sex(int type, const char *number, int32_t *birth, int *sex);

/* A mobile number as agencies write it: blanks (space, tab) and dashes are
 * removed anywhere; then the rest is 11 digits, or one country prefix
 * followed by exactly 11 digits: "+86", "0086", "86", or one of them in
 * parentheses ("(+86)", "(0086)", "(86)", at the start only: how the prefix
 * is printed on cards and in spreadsheets). The 11 digits must pass
 * pc_phone_valid (start with 1, second digit 3-9). A prefix is recognised by
 * the total length only (13 digits for "86"), so an 11-digit number is never
 * shortened. Anything else (letters, dots, slashes, another country's prefix,
 * a leading 0 trunk prefix) is not a phone. Returns 1 and *phone (when phone
 * is not NULL) when valid, else 0. Local, cannot fail. */
int pc_phone_normalise(const char *s, size_t len, uint64_t *phone);

#endif
