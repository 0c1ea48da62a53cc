/* pc_subject.h - a person named in a CSV (trace's cases, the ledger's feedback): subject to pid, phones to owners, the file's text. */
#ifndef PC_SUBJECT_H
#define PC_SUBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "pc_doc.h"
#include "pc_hash.h"
#include "pc_mpi.h"
#include "pc_types.h"

/* Local, never fails: the document type of a subject (PC_DOC_*) from its
 * subject_type column (type, pc_doc_of) or, when that is empty, as SPEC
 * says: an 18-character subject is an ID number, anything else a phone.
 * -1: a type name that is none. */
int pc_subject_type(const char *type, const char *subject);

/* Local, never fails: the identifier s read as `type`: its pid (the key's
 * pseudonym), the phone when it is one (else 0) and, when norm is not NULL,
 * its normal form (pc_doc_normalise). 0 when s is not a valid number of
 * that type, else 1. */
int pc_subject_pid(const pc_key128 *key, int type, const char *s, uint64_t *pid, uint64_t *phone,
                   char norm[PC_DOC_MAX + 1]);

/* Local: owner[i] becomes the largest of itself and the pids of the
 * persons among ids[0..nids) whose registered phone is phones[i] (0: none
 * asked). PC_ERR_MEM. */
int pc_subject_phone_match(const pc_identity *ids, size_t nids, const uint64_t *phones, size_t n,
                           uint64_t *owner);

/* Collective, agreed on memory (PC_ERR_MEM), not on PC_ERR_MPI: owner[i] gets the pid of a person
 * among ids[0..nids) (this rank's identities; each rank a different share)
 * whose registered phone is phones[i] (0: none asked), the largest such pid
 * over every rank, 0 when nobody has it. */
int pc_subject_phone_owners(pc_ctx *ctx, const pc_identity *ids, size_t nids,
                            const uint64_t *phones, size_t n, uint64_t *owner);

/* Local: the whole file at path (a few MB at most: cases, feedback) as
 * UTF-8 text under enc (pc_enc_text; malloc'd, NUL-terminated, the caller
 * frees it). PC_ERR_IO when it cannot be read, PC_ERR_DATA naming the first
 * line that is not in the encoding, PC_ERR_MEM. */
int pc_subject_file_text(const char *path, int enc, char **text, size_t *len);

#endif
