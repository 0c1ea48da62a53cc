/* pc_synth_registry.h - synth's registry: households planned, persons generated and numbered, sent to the owners of their pids, ordered by pid. */
#ifndef PC_SYNTH_REGISTRY_H
#define PC_SYNTH_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "pc_hash.h"
#include "pc_mpi.h"
#include "pc_types.h"
#include "pc_sort.h"
#include "pc_synth.h"

/* A person in flight between generator and owner: the registry row, with the
 * phone and ID sequence (phone < 2^34, seq < 2^10: 44 bits) carried in the
 * row's padding, which is zeroed again before it is written. */
typedef struct pc_synth_row {
  pc_person p;
} pc_synth_row;

/* Household slots [slo, shi) of this rank, whole blocks [b0, b1) of
 * PC_SYNTH_BLOCK slots, and the person index of its first member. */
typedef struct pc_synth_slots {
  uint64_t slo, shi, b0, b1, first, npersons;
  uint8_t *size; /* persons of each slot on this rank (0 beyond N); freed by pc_synth_generate */
} pc_synth_slots;

/* The phone (0: none) and ID sequence a row carries: phone << 10 | seq. Local. */
uint64_t pc_synth_row_phone_seq(const pc_synth_row *w);
/* The row's clear identity (ID number, phone, flags). Local, never fails. */
void pc_synth_row_identity(const pc_synth_row *w, pc_identity *id);
/* The registry row as written: the padding zeroed. Local, never fails. */
void pc_synth_row_person(const pc_synth_row *w, pc_person *p);

/* Collective, agreed. This rank's household slots, their sizes, the registry
 * cut at exactly N persons. Fails with PC_ERR_MEM, or PC_ERR_DATA when the
 * slots hold fewer than N persons (internal). */
int pc_synth_slots_plan(pc_ctx *ctx, uint64_t seed, uint64_t N, pc_synth_slots *s);

/* Collective, agreed. Generates this rank's blocks of persons, numbers them
 * (ID number, pid under key) and ships each to the owner of its pid: owned
 * (initialised here, of pc_synth_row) receives the rows this rank owns, bytes
 * the bytes shuffled. Frees s->size. Fails with PC_ERR_MEM or a shuffle's
 * error; owned is the caller's to free either way. */
int pc_synth_generate(pc_ctx *ctx, const pc_synth_params *sp, pc_synth_slots *s,
                      const pc_key128 *key, uint64_t N, pc_buf *owned, uint64_t *bytes);

/* Collective, agreed. The order of the n rows by pid (key pid, val the row's
 * index), malloc'ed into *order (the caller frees it, also on failure). Fails
 * with PC_ERR_MEM, or PC_ERR_DATA when two ID numbers share one pid. */
int pc_synth_order(pc_ctx *ctx, const pc_synth_row *rows, size_t n, pc_kv **order);

#endif
