/* pc_synth_realistic.h - synth's CSV written the way agencies write it (`realistic: true`): opaque household and employer strings, other documents, typed phones, seatless tickets. */
#ifndef PC_SYNTH_REALISTIC_H
#define PC_SYNTH_REALISTIC_H

#include <stddef.h>
#include <stdint.h>

#include "pc_doc.h"
#include "pc_synth_movement.h"

/* What the realistic rows need beyond a person's row: the document each
 * owned person shows, and which vehicles carry a single rider. */
typedef struct pc_synth_real {
  uint64_t seed;
  uint8_t *doc;               /* per owned person, in pid order (order[i]): PC_DOC_* */
  uint8_t *lone;              /* per vehicle (pc_move_vehicle): 1 when one stay rides it */
  uint64_t nveh;
  uint64_t ndoc[PC_NDOCS];    /* persons per document type (this rank) */
  uint64_t seat_unknown;      /* stays written without their row or carriage (this rank) */
} pc_synth_real;

/* Collective, agreed. r (zeroed by the caller; free it with
 * pc_synth_real_free, also on failure) for the n owned rows in `order` and
 * their stays mv (NULL: no movement). About 1 person in 100 shows a passport
 * or a foreign PR ID instead of the ID card (pc_agency_doc_of, a draw of
 * seed and ID number), except the outbreak's pool (who visited its venues or
 * another public place in its period: pc_move_pool_part): the index cases are
 * drawn among them, and trace's cases.csv names
 * a case by ID number. Fails with PC_ERR_MEM. */
int pc_synth_real_plan(pc_ctx *ctx, uint64_t seed, const pc_synth_row *rows, const pc_kv *order,
                       size_t n, const pc_synth_movement *mv, pc_synth_real *r);
/* Local, never fails. */
void pc_synth_real_free(pc_synth_real *r);

/* Local: the persons.csv row (the plain columns and id_type) of owned person
 * i (w = rows[order[i].val]) into p (room for 256); returns its length.
 * Fails (returns 0) only on an employer number beyond the code's range
 * (pc_agency_employer), which synth never makes. */
size_t pc_synth_real_person(const pc_synth_real *r, size_t i, const pc_synth_row *w, char *p);
/* Local, cannot fail: the stays.csv row (the plain columns and
 * subject_type) of stay x of owned person i (identity id) into p (room for
 * 256); returns its length. */
size_t pc_synth_real_stay(pc_synth_real *r, const pc_move_params *mp, size_t i, const pc_stay *x,
                          const pc_identity *id, char *p);

#endif
