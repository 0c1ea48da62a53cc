/* pc_rows.h - one CSV row of an agency's file checked and turned into a dataset row, or a reason why not. */
#ifndef PC_ROWS_H
#define PC_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "pc_hash.h"
#include "pc_province.h"
#include "pc_time.h"
#include "pc_types.h"

/* Why a row was rejected: the reason code stored in /rejects (the number) and
 * its short name (the `code` field). Order = the order checks run in; the
 * first failing check names the row's reason. */
enum {
  PC_R_OK = 0,
  PC_R_LINE_LONG,      /* line longer than the longest a row can be */
  PC_R_ENCODING,       /* not UTF-8, or a NUL/control byte */
  PC_R_QUOTE,          /* bad CSV quoting */
  PC_R_FIELDS,         /* wrong number of fields */
  PC_R_ID_FORMAT,      /* ID number not 17 digits + check character */
  PC_R_ID_CHECK,       /* wrong GB 11643 check character */
  PC_R_ID_BIRTH,       /* the ID number's birth date is not a real past date */
  PC_R_BIRTH_MISMATCH, /* birth_date disagrees with the ID number */
  PC_R_SEX_MISMATCH,   /* sex disagrees with the ID number */
  PC_R_PHONE,          /* phone not 11 digits starting with 1 */
  PC_R_REGION,         /* region code malformed or not in regions.csv */
  PC_R_CHANNEL,        /* channel unknown (or household: implicit in persons.csv) */
  PC_R_TIME,           /* start or end does not parse */
  PC_R_ORDER,          /* end not after start */
  PC_R_WINDOW,         /* stay wholly outside the data window [as_of - days, as_of] */
  PC_R_SEAT,           /* carriage or row invalid */
  PC_R_FIELD,          /* another field invalid (the text names it) */
  PC_R_DUPLICATE,      /* identical to an earlier row: kept once (not counted against the ratio) */
  PC_R_CONFLICT,       /* same ID number (or phone, or region code) as an earlier, different row */
  PC_NREASONS
};
extern const char *const pc_reason_codes[PC_NREASONS];
/* 1 when rows rejected for this reason count toward max_reject_ratio. */
int pc_reason_counts(int reason);

#define PC_REASON_TEXT 96 /* bytes of a reason text, NUL included */

/* One field of a split CSV line: pointer and length (pc_csv_split fills them). */
typedef struct pc_field {
  const char *p;
  size_t len;
} pc_field;

/* A place name recently keyed: pc_place_key's SipHash of the name is ~13 %
 * of reading a stay, and a reader meets a person's few places again and again
 * (95 % of the city CSV's rows hit 4 Ki slots, plain or agency-shaped). */
#define PC_PLACE_MEMO_BITS 12
#define PC_PLACE_MEMO_NAME 53 /* longer names are keyed every time */
typedef struct pc_place_memo {
  uint64_t key; /* pc_place_key(channel, name, len, carriage) */
  uint8_t len, channel, carriage; /* len 0: empty */
  char name[PC_PLACE_MEMO_NAME];
} pc_place_memo; /* 64 bytes */

/* What the checks need to know. regions: sorted codes of regions.csv. */
typedef struct pc_rowcheck {
  const uint64_t *regions;
  size_t nregions;
  int64_t window_start, window_end; /* a stay must lie in [start, end] */
  int32_t today_ymd;                /* no birth after this day (as_of's local date) */
  uint64_t *cache;                  /* PC_REGION_CACHE codes recently found (zeroed), or NULL:
                                       one reader's own (rows of a place repeat its region) */
  const pc_key128 *key;             /* the pseudonymisation key: household and employer ids */
  uint64_t id_mask;                 /* pc_opaque_id's mask, and the place ids': all ones
                                       (tests narrow it to force collisions) */
  pc_place_memo *places;            /* 1 << PC_PLACE_MEMO_BITS slots (zeroed), or NULL:
                                       one reader's own */
  pc_date_memo *dates;              /* the stays' dates (zeroed), or NULL: one reader's own */
} pc_rowcheck;
/* 64 Ki slots (512 kB): a province's ~30,000 communities mostly find their
 * own slot, where 4 Ki sent most codes on to the binary search. region_ok is
 * ~4 % of an ingest's samples either way (now the slot's cache miss); 64 Ki
 * made the 200,000-person ingest 1.5 % faster (paired). */
#define PC_REGION_CACHE_BITS 16
#define PC_REGION_CACHE (1 << PC_REGION_CACHE_BITS)

/* Exactly 12 ASCII digits s[0..len) into *v: 0, else -1 (a region code,
 * one per row of every file: read a word at a time). Local. */
int pc_digits12(const char *s, size_t len, uint64_t *v);

/* 1 when s[0..len) is valid UTF-8 without NUL or control bytes other than tab. Local. */
int pc_utf8_clean(const char *s, size_t len);

/* regions.csv, columns code,parent,level,name (f in that order). Fills r
 * (weight 0, urban 0, padding zero). Returns PC_R_OK or a reason with text
 * (PC_REASON_TEXT bytes). The parent's presence is checked by the caller,
 * which has the whole table. Local. */
int pc_row_region(const pc_field f[4], pc_region *r, char *text);

/* persons.csv, columns id_number,phone,household,region,birth_date,sex,
 * sector,employer,vaccine_doses and the optional id_type (f[9], empty when
 * the file lacks it: id_card). id_number is a number of that document type
 * (pc_doc.h; kept in its normal form, id->id_type). Birth date and sex come
 * from the document when it holds them (the columns, when given, must
 * agree), else from the columns (empty: unknown, 0). The phone may carry
 * +86, blanks and dashes (pc_phone_normalise). Empty household, employer,
 * doses are 0, empty sector unknown.
 * household and employer are opaque strings (pc_opaque.h), kept as their
 * keyed ids (pc_opaque_id with c->key and c->id_mask).
 * Fills p (pid left 0: the caller hashes id->subject) and id (subject,
 * phone, flags). Texts never quote the ID number or the phone. Local. */
int pc_row_person(const pc_rowcheck *c, const pc_field f[10], pc_person *p, pc_identity *id,
                  char *text);

/* input.phone_owners (the operators' real-name registration), columns
 * phone,subject and the optional subject_type (f[2], empty when absent:
 * id_card; not phone): the phone (+86, blanks and dashes allowed) and its
 * owner's document in normal form (number, NUL-terminated, and *type).
 * Local. */
int pc_row_owner(const pc_rowcheck *c, const pc_field f[3], uint64_t *phone, int *type,
                 char number[PC_SUBJECT_LEN + 1], char *text);

/* A stay as read: who by ID number or by phone, and the stay's fields. */
typedef struct pc_instay {
  char subject[PC_SUBJECT_LEN + 1]; /* the document's number in normal form, unless by phone */
  uint8_t subject_type;             /* PC_DOC_* (pc_doc.h) */
  uint64_t phone;     /* subject when by phone (subject_type PC_DOC_PHONE), else 0 */
  uint64_t place;     /* pc_place_key of the place field (and carriage for rail) */
  int64_t start, end;
  uint64_t region;
  uint8_t channel, carriage; /* carriage 0: unknown (rail) */
  int16_t row;               /* 0: unknown (flight) */
  uint8_t clipped;           /* 1: start or end was outside the data window, clipped to it */
  uint8_t seat_unknown;      /* 1: a flight without its row or a train without its carriage */
  const char *place_name; /* the place field (points into the line) */
  size_t place_len;
  int32_t memo;     /* the slot of pc_rowcheck.places that keyed the place, -1: none */
  uint8_t memo_new; /* 1: that slot was filled for this place (its name met anew) */
} pc_instay;

/* stays.csv, columns channel,subject,place,start,end,region,carriage,row and
 * the optional subject_type (f[8], empty when the file lacks it). The
 * subject is a document of that type or a phone (+86, blanks, dashes
 * allowed); without a type, an ID number for cafe, lodging, flight and rail,
 * a phone for lbs and grid. A stay overlapping the data window is clipped to it (flag
 * clipped), one wholly outside is a `window` reject; a flight without its row
 * or a train without its carriage is kept with it unknown (flag seat_unknown).
 * Local. */
int pc_row_stay(const pc_rowcheck *c, const pc_field f[9], pc_instay *s, char *text);

#endif
