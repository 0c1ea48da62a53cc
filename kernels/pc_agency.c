/* pc_agency.c - identifiers written the way agencies write them (synth's realistic CSV). */
#include "pc_agency.h"

#include <stdio.h>
#include <string.h>

#include "pc_doc.h"
#include "pc_idnum.h"

size_t pc_agency_household(uint64_t h, char out[24]) {
  int k = snprintf(out, 24, h % 2 ? "H%08llu" : "43%08llu", (unsigned long long)h);
  return (size_t)k;
}

/* GB 32100's character set: digits and upper-case letters without I, O, S, V, Z. */
static const char uscc_set[32] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int pc_agency_employer(uint64_t e, char out[18]) {
  uint64_t lim = 1;
  for (int i = 0; i < 9; i++) lim *= 31;
  if (e == 0 || e >= lim) return -1;
  /* The area: one of the province's cities by e (any function of e will do:
   * the 9 characters alone tell employers apart). */
  snprintf(out, 9, "9143%02u00", (unsigned)(1 + e % 13));
  for (int i = 16; i >= 8; i--, e /= 31) out[i] = uscc_set[e % 31];
  /* Check character: weights 3^i mod 31 over the first 17, 31 - sum mod 31. */
  unsigned sum = 0, w = 1;
  for (int i = 0; i < 17; i++, w = w * 3 % 31)
    sum += (unsigned)(strchr(uscc_set, out[i]) - uscc_set) * w;
  out[17] = uscc_set[(31 - sum % 31) % 31];
  return 0;
}

size_t pc_agency_phone(const char phone[11], unsigned form, char out[24]) {
  const char *p = phone;
  switch (form % 5) {
    case 1: return (size_t)snprintf(out, 24, "+86 %.3s-%.4s-%.4s", p, p + 3, p + 7);
    case 2: return (size_t)snprintf(out, 24, "0086%.11s", p);
    case 3: return (size_t)snprintf(out, 24, "%.3s %.4s %.4s", p, p + 3, p + 7);
    case 4: return (size_t)snprintf(out, 24, "86-%.3s-%.4s-%.4s", p, p + 3, p + 7);
    default: return (size_t)snprintf(out, 24, "%.11s", p);
  }
}

int pc_agency_doc_of(uint64_t r, const char idnum[18]) {
  if (r % 100 != 0) return PC_DOC_ID_CARD;
  if ((r >> 32) % 4 == 0 && idnum[0] == '4' && idnum[1] == '3') return PC_DOC_FOREIGN_PR;
  return PC_DOC_PASSPORT;
}

size_t pc_agency_document(int type, const char idnum[18], char out[21]) {
  out[0] = 0;
  if (type == PC_DOC_PASSPORT) {
    uint64_t v = 0;
    for (int i = 0; i < 17; i++) v = v * 10 + (uint64_t)(idnum[i] - '0');
    out[0] = 'E';
    for (int i = 11; i >= 1; i--, v /= 36) out[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[v % 36];
    out[12] = 0;
    return 12;
  }
  if (type == PC_DOC_FOREIGN_PR && idnum[0] == '4' && idnum[1] == '3') {
    memcpy(out, "93", 2);
    memcpy(out + 2, idnum + 2, 15); /* area's last 4, birth date, sequence */
    out[17] = pc_idnum_check_char(out);
    out[18] = 0;
    return 18;
  }
  return 0;
}
