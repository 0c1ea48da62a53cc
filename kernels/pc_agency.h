/* pc_agency.h - identifiers written the way agencies write them (synth's realistic CSV): pure functions. */
#ifndef PC_AGENCY_H
#define PC_AGENCY_H

#include <stddef.h>
#include <stdint.h>

/* Every function here is injective in its number, so distinct households,
 * employers and persons keep distinct strings: ingest compares them byte for
 * byte, and one string for two would merge two families. */

/* Local, cannot fail: household h (> 0) as a registry writes it into out
 * (room for 24 bytes), NUL-terminated; returns its length. Odd h: "H" and 8
 * digits or more ("H00012345"); even h: the 10-digit registry style "43" and
 * 8 digits or more. Zero-padded decimal never cuts a digit, and the forms
 * differ in their first character. */
size_t pc_agency_household(uint64_t h, char out[24]);

/* Local: employer e (0 < e < 31^9, about 2.6e13) as an 18-character code
 * shaped like a unified social credit code (GB 32100: "91", a 6-digit area,
 * 9 characters of the 31-character set 0-9 A-Y without I O S V Z, and the
 * standard's check character) into out (no NUL). The 9 characters are e in
 * base 31, so distinct e give distinct codes. Returns 0, or -1 when e is 0
 * or too large. */
int pc_agency_employer(uint64_t e, char out[18]);

/* Local, cannot fail: an 11-digit phone (as pc_phone_format writes it) in
 * one of the forms people type, chosen by form % 5: "13800138000",
 * "+86 138-0013-8000", "008613800138000", "138 0013 8000",
 * "86-138-0013-8000". NUL-terminated into out (room for 24); returns its
 * length. pc_phone_normalise reads every form back. */
size_t pc_agency_phone(const char phone[11], unsigned form, char out[24]);

/* Which document a person shows instead of the ID card, from a draw r
 * uniform over 64 bits (a pure function of seed and person): about 1 in 100
 * persons: 0 (PC_DOC_ID_CARD, the other 99), PC_DOC_PASSPORT, or
 * PC_DOC_FOREIGN_PR (a quarter of them, when their ID number's area is in
 * province 43: see pc_agency_document). Local, cannot fail. */
int pc_agency_doc_of(uint64_t r, const char idnum[18]);

/* Local: the number of the document of type `type` (from pc_agency_doc_of)
 * of the person whose ID number is idnum (valid), into out (room for 21),
 * NUL-terminated; returns its length.
 *   passport   "E" and the 17 digits before the check character in base 36
 *              (11 characters of 0-9 A-Z): 12 characters, one per ID number.
 *   foreign_pr the 2023 card: "93", the area's last 4 digits, the same birth
 *              date and sequence (so the same sex), and the GB 11643 check
 *              character: one per ID number of area 43xxxx (else 0 is
 *              returned and out is "").
 * Returns 0 for any other type. */
size_t pc_agency_document(int type, const char idnum[18], char out[21]);

#endif
