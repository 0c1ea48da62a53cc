/* pc_idnum.h - resident ID numbers (GB 11643-1999) and mobile numbers. */
#ifndef PC_IDNUM_H
#define PC_IDNUM_H

#include <stddef.h>
#include <stdint.h>

/* Check character of the first 17 digits (ISO 7064 MOD 11-2): '0'..'9' or 'X'.
 * Returns 0 when a character is not a digit. */
char pc_idnum_check_char(const char *first17);

/* Validate an 18-character ID number: 17 digits, the right check character
 * (upper-case X only), a real birth date in positions 7-14 no later than
 * today_ymd (YYYYMMDD; 0 = no bound) and not before 1880. Returns 0 when
 * valid, else a reason code below. */
enum { PC_ID_OK = 0, PC_ID_LENGTH, PC_ID_DIGITS, PC_ID_CHECK, PC_ID_BIRTH };
int pc_idnum_validate(const char *s, size_t len, int32_t today_ymd);
const char *pc_idnum_reason(int code);

/* Fields of a valid ID number. sex: 1 male (odd sequence), 2 female. */
int32_t pc_idnum_birth(const char *id);
int pc_idnum_sex(const char *id);
uint32_t pc_idnum_area(const char *id); /* the 6-digit area code */

/* Compose area (6 digits), birth YYYYMMDD, sequence 0..999 into out[18] (no NUL). */
void pc_idnum_make(uint32_t area, int32_t birth, unsigned seq, char *out);

/* A mobile number: 11 digits starting with 1 (second digit 3-9). */
int pc_phone_valid(const char *s, size_t len, uint64_t *out);
/* Write an 11-digit phone into out[11] (no NUL). */
void pc_phone_format(uint64_t phone, char *out);

#endif
