/* pc_ingest.h - ingest's state: its inputs, the rows it holds on their way, the shuffles it makes. */
#ifndef PC_INGEST_H
#define PC_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "pc_agroup.h"
#include "pc_config.h"
#include "pc_csv.h"
#include "pc_enc.h"
#include "pc_hash.h"
#include "pc_mpi.h"
#include "pc_opaque.h"
#include "pc_rows.h"
#include "pc_schema.h"

/* The kinds of input, their contract's columns (names[kind][k], ncolumns[kind]):
 * the first nrequired[kind] required, the rest optional (persons' id_type,
 * stays' subject_type: an absent one reads as empty cells). */
enum { PC_INGEST_REGIONS, PC_INGEST_PERSONS, PC_INGEST_STAYS, PC_INGEST_OWNERS };
#define PC_INGEST_MAX_COLUMNS 10
extern const char *const pc_ingest_kind_names[4];
extern const char *const pc_ingest_columns[4][PC_INGEST_MAX_COLUMNS];
extern const int pc_ingest_ncolumns[4];
extern const int pc_ingest_nrequired[4];

#define PC_INGEST_MAX_INPUTS 250
#define PC_INGEST_RAW_CAP PC_REJECT_RAW
#define PC_INGEST_MAX_LINE (1 << 16) /* no valid row comes near: longer lines are rejected unread */
#define PC_INGEST_MAX_FIELDS 64
/* Bytes of a CSV file read at a time: 1 MB, so a read and the passes over it
 * (CRC, UTF-8 check, line count; then splitting the rows) stay in the core's
 * L2 cache. 16 MB reads went to memory and back for each pass: counting and
 * checking 1.06 GB took 0.96 s against 0.47 s (0.58 s of it the copies out of
 * the page cache, against 0.19 s). 1 MB is also a parallel file system's usual
 * stripe. */
#define PC_INGEST_READ_BYTES (1u << 20)

/* A reject found after the shuffles, on its way back to the rank that read the line. */
typedef struct pc_ingest_late {
  uint64_t line;
  uint32_t file;
  uint16_t reason;
  uint16_t pad;
  char text[PC_REASON_TEXT];
} pc_ingest_late;

typedef struct pc_ingest_input {
  int kind;
  const char *path;
  char name[64];
  pc_csv_file f;
  uint64_t *base; /* nranks + 1: first line (0-based) read by each rank */
  int col[PC_INGEST_MAX_COLUMNS]; /* the file's column of each of the contract's columns, -1 absent */
  int ncols;
  uint64_t rows;  /* non-empty data lines read by this rank (summed before the report) */
  uint64_t clipped, seat_unknown; /* stays kept clipped to the window / with the seat unknown
                                     (this rank's, summed with rows) */
  uint64_t reasons[PC_NREASONS]; /* rejects by reason (global, after the count) */
  uint32_t crc;
  int enc;           /* PC_ENC_UTF8 or PC_ENC_GB18030: how its lines are read (after the scan) */
  pc_enc_conv conv;  /* open when enc is PC_ENC_GB18030 */
  uint64_t bad[2];   /* first line (1-based, global) not UTF-8 / not GB18030; 0: none or not looked at */
} pc_ingest_input;

/* A row's origin: file index (8 bits) and 1-based line (56 bits); ordering
 * origins orders rows as the files list them. */
static inline uint64_t pc_origin_of(unsigned file, uint64_t line) {
  return (uint64_t)file << 56 | line;
}
static inline unsigned pc_origin_file(uint64_t o) { return (unsigned)(o >> 56); }
static inline uint64_t pc_origin_line(uint64_t o) { return o & ((1ULL << 56) - 1); }

typedef struct pc_wperson {
  pc_person p;
  pc_identity id;
  uint64_t origin;
} pc_wperson;

/* A rank's stay while ingesting: 40 bytes (the rank's share of ~10^10 stays
 * is most of its memory); expanded to pc_stay when written. */
typedef struct pc_cstay {
  uint64_t pid, place;
  uint32_t start, dur; /* seconds from the window's start; end - start */
  uint64_t rcr;        /* region << 24 | carriage << 16 | row */
  uint64_t origin;
} pc_cstay;

/* A stay on its way to the owner of its pid: by phone (subj 0), pid holds
 * the phone until the phone's owner has resolved it; by ID number, subj is
 * the number packed (never 0), for the identity of a visitor. */
typedef struct pc_wstay {
  pc_cstay c;
  uint64_t subj;
} pc_wstay;
/* subj of a stay by a document other than the ID card (pc_ingest_doc_seen
 * keeps the number): no packed ID number is below 2^63. */
#define PC_SUBJ_DOC ((uint64_t)1 << 63)

typedef struct pc_idpair {
  uint64_t a, b;
} pc_idpair;

/* A row of input.phone_owners (the operators' real-name registration) at the
 * owner of its phone: the phone's owner by document. */
typedef struct pc_wowner {
  uint64_t phone, pid, origin;
  uint8_t type;                 /* PC_DOC_* of number */
  char number[PC_SUBJECT_LEN];  /* normal form, NUL-padded */
  uint8_t pad[3];
} pc_wowner;

/* Places seen by this rank's readers: an open-addressing set by id, with a
 * hash of the full name to catch two names with one id. */
typedef struct pc_pslot {
  uint64_t id, nh, region;
  char name[PC_PLACE_NAME_LEN];
} pc_pslot;
_Static_assert(sizeof(pc_pslot) <= 256 && sizeof(pc_wowner) <= 256 && sizeof(pc_idpair) <= 256,
               "rows sorted by pc_ingest_sort_u64 (pc_sort_rows_inplace takes up to 256 bytes)");

/* A place memo slot's name as last checked against the places seen. */
typedef struct pc_place_checked {
  uint64_t place, region;
} pc_place_checked;

typedef struct pc_ingest {
  pc_ctx *ctx;
  const pc_config *cfg;
  pc_key128 key;
  pc_rowcheck chk;
  pc_ingest_input in[PC_INGEST_MAX_INPUTS];
  int nin;
  int persons1;    /* in[1 .. persons1-1] the persons files */
  int stays0;      /* in[0] regions, then the persons files, the phone owners' file (when
                      given: in[persons1], persons1 < stays0), in[stays0 .. nin-1] stays */
  pc_buf rejects;  /* pc_reject_row: rows this rank read */
  pc_buf late;     /* pc_ingest_late: found here, to send to the reader */
  /* regions (every rank, sorted by code) */
  pc_region *regions;
  size_t nregions;
  uint64_t *codes;
  /* persons owned (sorted by pid), phones owned (sorted by phone) */
  pc_buf persons;  /* pc_wperson */
  pc_buf phones;   /* pc_idpair (phone, pid): persons' phones, then the owners' */
  pc_buf owners;   /* pc_wowner: phones registered by input.phone_owners, sorted by phone */
  pc_buf owner_phones; /* pc_idpair (pid, phone): owners' phones the stays used, for the
                          owners' /identities rows (a case named by that phone finds them) */
  /* stays owned, visitors found, places seen */
  pc_buf stays;    /* pc_cstay */
  pc_buf id_visitors;    /* pc_idpair (pid, packed ID) at the pid's owner */
  pc_buf phone_visitors; /* pc_idpair (pid, phone) at the phone's owner */
  pc_buf places;         /* pc_pslot, see pc_ingest_place_seen */
  pc_opaque_set opaque[2]; /* households and employers this rank's readers saw */
  pc_opaque_set docs;      /* documents other than the ID card the stays named: pid ->
                              type byte + number (pc_ingest_doc_seen) */
  uint64_t region_cache[PC_REGION_CACHE];
  pc_place_memo place_memo[1 << PC_PLACE_MEMO_BITS];
  /* Per slot of place_memo: the place its name was last checked as against
   * `places` (0: none since the slot was filled) and the region it was
   * recorded with - the table's is at most that (pc_ingest_stay.c). */
  pc_place_checked place_checked[1 << PC_PLACE_MEMO_BITS];
  pc_date_memo date_memo;
  pc_buf got, ans;       /* pc_idpair: a round's phone requests and answers */
  pc_buf scratch;        /* uint64: a round's phones and requests, kept between rounds */
  pc_dict round_phones;  /* a round's distinct phones, in the order the stays name them */
  pc_buf phone_at;       /* uint32: each stay's phone's index in round_phones */
  pc_buf dest;           /* int: a shuffle's destinations, kept between rounds (a fresh
                          * array a round costs its page faults every time) */
  uint64_t p0, p1;       /* owned pid range */
  uint64_t dup_stays;
} pc_ingest;

/* Local: input.persons names at least one file, and the persons and stays
 * files fit in pc_ingest.in beside regions; problems into p (NULL: the
 * process's error, PC_ERR_CONFIG). */
int pc_ingest_files_fit(const pc_config *cfg, pc_config_problems *p);

/* Collective, agreed: a new state for a run of cfg (the window, the inputs,
 * empty buffers, the owned pid range) in *g. Fails with PC_ERR_MEM, or
 * PC_ERR_CONFIG when the files do not fit (checked at load). */
int pc_ingest_new(pc_ctx *ctx, const pc_config *cfg, pc_ingest **g);
/* Local: closes the inputs, frees everything g holds and g; NULL is fine. */
void pc_ingest_delete(pc_ingest *g);

/* Local: a line of in (read as GB18030) as UTF-8: on *valid = 1, *line and
 * *len are its UTF-8 text (owned by in's converter, valid until its next
 * use), cut to PC_INGEST_MAX_LINE bytes with *cut = 1 when longer, as its
 * UTF-8 twin would be; *cut = 1 on entry: *line is the head of a longer line
 * (a character open at its end is dropped). On *valid = 0 nothing changed.
 * Fails with PC_ERR_MEM. */
int pc_ingest_line_utf8(pc_ingest_input *in, const char **line, size_t *len, int *cut,
                        int *valid);

/* Local: qsort, but for empty tables too (their data may be NULL: qsort's is nonnull). */
void pc_ingest_sort(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* Local: the same for rows (at most 256 bytes) that begin with a uint64 which cmp orders by
 * first, ascending: a distribution pass on that key, then ~16 rows at a time by cmp
 * (pc_sort_rows_inplace), not a merge sort by cmp with a copy of the rows - a rank's
 * phones, its places. Returns 0, or pc_sort_rows_inplace's error (PC_ERR_MEM; PC_ERR_ARG
 * for rows over 256 bytes, which the rows sorted so cannot be: asserted below). */
int pc_ingest_sort_u64(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* Local: orders of pc_idpair (a, b) and pc_wperson (pid, origin), for pc_ingest_sort. */
int pc_idpair_cmp(const void *pa, const void *pb);
int pc_wperson_cmp(const void *pa, const void *pb);

/* Collective (agreed on memory, then pc_shuffle's agreement): the n rows
 * each to rank dest_of(row, nranks), received rows appended to out. */
int pc_ingest_shuffle(pc_ingest *g, const void *rows, size_t n, size_t rowsize,
                      int (*dest_of)(const void *row, int nranks), pc_buf *out);
/* Destinations for pc_ingest_shuffle, by a row's first uint64: its owner
 * as a pid, its owner as a phone (hashed), the rank in its high 32 bits. */
int pc_ingest_owner_first(const void *row, int nranks);
int pc_ingest_owner_phone(const void *row, int nranks);
int pc_ingest_answer_rank(const void *row, int nranks);

/* Local: the index of the row of rows[0..n) (each `size` bytes, sorted by
 * their first uint64) whose first uint64 is key, or n when none is. */
size_t pc_ingest_find_u64(const void *rows, size_t n, size_t size, uint64_t key);

/* Local: remember that stays named document `number` (n bytes, normal form)
 * of type `type` as pid; PC_ERR_DATA when another document has the pid (a
 * 64-bit hash collision), PC_ERR_MEM. */
int pc_ingest_doc_seen(pc_ingest *g, uint64_t pid, int type, const char *number, size_t n);

/* Local: an ID number as a number (17 digits * 11 + check, X = 10) and back
 * (18 characters, no NUL written). */
uint64_t pc_ingest_id_pack(const char *id);
void pc_ingest_id_unpack(uint64_t v, char *id);

#endif
