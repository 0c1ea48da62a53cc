/* pc_types.h - the rows of the dataset file, laid out in memory exactly as in HDF5. */
#ifndef PC_TYPES_H
#define PC_TYPES_H

#include <stdint.h>

/* Why file layout == memory layout: a compound file type that differs from the
 * memory type turns collective HDF5 writes into independent ones and breaks
 * filtered parallel writes (ENV.md). Every byte is initialised (padding too),
 * so identical data gives identical files. */

/* One registered person, /persons. No clear identity here: the ID number and
 * phone live in /identities only. */
typedef struct pc_person {
  uint64_t pid;        /* keyed hash of the ID number (or of the phone for visitors) */
  uint64_t household;  /* household registry number; 0 unknown */
  uint64_t region;     /* residence, 12-digit community code; 0 unknown */
  uint64_t employer;   /* employer id; 0 none */
  int32_t birth_date;  /* YYYYMMDD; 0 unknown */
  uint8_t sex;         /* 1 male, 2 female, 0 unknown (GB/T 2261.1) */
  uint8_t doses;       /* vaccine doses received */
  char sector[2];      /* GB/T 4754 section "A".."T" (NUL-padded), "S0" student,
                          "R0" retired, "U0" none; "" unknown */
  uint8_t flags;       /* PC_PERSON_* bits */
  uint8_t pad[7];
} pc_person;           /* 48 bytes */
_Static_assert(sizeof(pc_person) == 48, "pc_person is the on-disk row of /persons");

enum { PC_PERSON_VISITOR = 1 /* an unregistered phone: attributes unknown */ };

#define PC_SUBJECT_LEN 20 /* the longest document number (pc_doc.h PC_DOC_MAX) */
#define PC_SUBJECT_TYPE_LEN 12 /* the longest document type name ("foreign_pr"), NUL-padded */

/* One identity, /identities: the only place clear identities are kept. */
typedef struct pc_identity {
  uint64_t pid;
  char subject[PC_SUBJECT_LEN]; /* the document number in its normal form (pc_doc.h: an ID
                                   number, a passport number ...; for a visitor known only
                                   by phone the phone), NUL-padded */
  char phone[11];      /* 11 digits, or all NUL when none */
  uint8_t flags;       /* PC_PERSON_* bits */
  uint8_t id_type;     /* PC_DOC_* of subject (0 the resident ID card, 6 a phone) */
  uint8_t pad[7];
} pc_identity;         /* 48 bytes */
_Static_assert(sizeof(pc_identity) == 48, "pc_identity is the on-disk row of /identities");

/* Channels, in the order of SPEC's table: also the tie-break order. */
enum {
  PC_CH_HOUSEHOLD = 0, /* implicit: /persons.household, never a stay */
  PC_CH_CAFE = 1,
  PC_CH_LODGING = 2,
  PC_CH_FLIGHT = 3,
  PC_CH_RAIL = 4,
  PC_CH_LBS = 5,
  PC_CH_GRID = 6,
  PC_NCHANNELS = 7
};
extern const char *const pc_channel_names[PC_NCHANNELS];
/* Channel number of a name, -1 when unknown. */
int pc_channel_of(const char *name);

/* Place ids carry their channel in the top 8 bits. */
static inline uint64_t pc_place_id(unsigned channel, uint64_t n) {
  return (uint64_t)channel << 56 | (n & ((1ULL << 56) - 1));
}
static inline unsigned pc_place_channel(uint64_t place) { return (unsigned)(place >> 56); }
/* A rail place's train (its carriage bits zero) and carriage (0 unknown). */
static inline uint64_t pc_rail_train(uint64_t place) { return place & ~(uint64_t)0xff; }
static inline unsigned pc_rail_carriage(uint64_t place) { return (unsigned)(place & 0xff); }
/* Two places of channel c are one for the contact rules: the same id, or for
 * rail the same train where a carriage is unknown on either side (SPEC:
 * a ticket without a carriage matches every carriage of that train and date). */
static inline int pc_place_meets(int c, uint64_t a, uint64_t b) {
  if (a == b) return 1;
  return c == PC_CH_RAIL && pc_rail_train(a) == pc_rail_train(b) &&
         (!pc_rail_carriage(a) || !pc_rail_carriage(b));
}

/* One stay, /stays (docs/TRACE.md): who, where, when. */
typedef struct pc_stay {
  uint64_t pid;
  uint64_t place;    /* pc_place_id(channel, n) */
  int64_t start;     /* seconds since the epoch; start < end */
  int64_t end;
  uint64_t region;   /* 12-digit code of the place; 0 unknown */
  uint8_t channel;   /* PC_CH_* (never household) */
  uint8_t carriage;  /* rail carriage, 0 otherwise */
  int16_t row;       /* seat row on flights and trains, 0 unknown */
  uint8_t pad[4];
} pc_stay;           /* 48 bytes */
_Static_assert(sizeof(pc_stay) == 48, "pc_stay is the on-disk row of /stays");

#define PC_PLACE_NAME_LEN 40
/* One place, /places. */
typedef struct pc_place {
  uint64_t id;
  uint64_t region;
  uint8_t channel;
  char name[PC_PLACE_NAME_LEN];
  uint8_t pad[7];
} pc_place;          /* 64 bytes */
_Static_assert(sizeof(pc_place) == 64, "pc_place is the on-disk row of /places");

/* Sectors, in cube order: GB/T 4754 sections A-T, then S0 student, R0
 * retired, U0 none, and "unknown" last. */
#define PC_NSECTORS 24
extern const char *const pc_sector_labels[PC_NSECTORS];
/* Index of a 2-char sector field; PC_NSECTORS-1 (unknown) when unrecognised. */
int pc_sector_index(const char s[2]);

#endif
