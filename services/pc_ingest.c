/* pc_ingest.c - ingest's state: its inputs, the rows it holds on their way, the shuffles it makes. */
#include "pc_ingest.h"

#include <stdlib.h>
#include <string.h>

#include "pc_part.h"
#include "pc_sort.h"
#include "pc_time.h"

const char *const pc_ingest_kind_names[4] = {"regions", "persons", "stays", "phone owners"};
const char *const pc_ingest_columns[4][PC_INGEST_MAX_COLUMNS] = {
    {"code", "parent", "level", "name"},
    {"id_number", "phone", "household", "region", "birth_date", "sex", "sector", "employer",
     "vaccine_doses", "id_type"},
    {"channel", "subject", "place", "start", "end", "region", "carriage", "row", "subject_type"},
    {"phone", "subject", "subject_type"}};
const int pc_ingest_ncolumns[4] = {4, 10, 9, 3};
const int pc_ingest_nrequired[4] = {4, 9, 8, 2};

int pc_ingest_files_fit(const pc_config *cfg, pc_config_problems *p) {
  const size_t np = pc_config_len(cfg, "input.persons"), ns = pc_config_len(cfg, "input.stays");
  if (np == 0) return pc_config_problem(p, cfg, "input.persons", "names no file");
  if (np > PC_INGEST_MAX_INPUTS - 1)
    return pc_config_problem(p, cfg, "input.persons", "at most %d files", PC_INGEST_MAX_INPUTS - 1);
  const size_t no = pc_config_given(cfg, "input.phone_owners") ? 1 : 0; /* its own slot */
  if (np + no + ns > PC_INGEST_MAX_INPUTS - 1)
    return pc_config_problem(p, cfg, "input.stays", "at most %d files%s",
                             PC_INGEST_MAX_INPUTS - 1 - (int)(np + no),
                             np > 1 ? " beside the persons files" : "");
  return 0;
}

/* The window, the inputs (regions, the persons files, then the stays files,
 * each list in the config's order: a row's file index, so that "earlier"
 * means earlier in that order), empty buffers. */
static int init(pc_ingest *g, pc_ctx *ctx, const pc_config *cfg) {
  const int64_t as_of = pc_config_time(cfg, "as_of");
  const int64_t days = pc_config_int(cfg, "days");
  g->ctx = ctx;
  g->cfg = cfg;
  g->chk.window_start = as_of - days * 86400;
  g->chk.cache = g->region_cache;
  g->chk.places = g->place_memo;
  g->chk.dates = &g->date_memo;
  g->chk.window_end = as_of;
  g->chk.today_ymd = pc_local_ymd(as_of); /* no one is born after as_of's local date */
  g->chk.key = &g->key;
  /* A test-only hook: household and employer ids cut to a few bits, so that a
   * small file has two strings with one id (the collision check's test). */
  const char *bits = getenv("PAICHA_TEST_OPAQUE_BITS");
  g->chk.id_mask = bits && atoi(bits) > 0 && atoi(bits) < 56 ? (1ULL << atoi(bits)) - 1 : ~0ULL;
  g->in[0] = (pc_ingest_input){.kind = PC_INGEST_REGIONS,
                               .path = pc_config_str(cfg, "input.regions")};
  g->nin = 1;
  const size_t np = pc_config_len(cfg, "input.persons"), ns = pc_config_len(cfg, "input.stays");
  PC_CALL(pc_ingest_files_fit(cfg, NULL)); /* checked at load: g->in holds them */
  for (size_t i = 0; i < np; i++)
    g->in[g->nin++] = (pc_ingest_input){.kind = PC_INGEST_PERSONS,
                                        .path = pc_config_str_at(cfg, "input.persons", i)};
  g->persons1 = g->nin;
  if (pc_config_given(cfg, "input.phone_owners"))
    g->in[g->nin++] = (pc_ingest_input){.kind = PC_INGEST_OWNERS,
                                        .path = pc_config_str(cfg, "input.phone_owners")};
  g->stays0 = g->nin;
  for (size_t i = 0; i < ns; i++)
    g->in[g->nin++] = (pc_ingest_input){.kind = PC_INGEST_STAYS,
                                        .path = pc_config_str_at(cfg, "input.stays", i)};
  pc_buf_init(&g->rejects, sizeof(pc_reject_row));
  pc_buf_init(&g->late, sizeof(pc_ingest_late));
  pc_buf_init(&g->persons, sizeof(pc_wperson));
  pc_buf_init(&g->phones, sizeof(pc_idpair));
  pc_buf_init(&g->owners, sizeof(pc_wowner));
  pc_buf_init(&g->owner_phones, sizeof(pc_idpair));
  pc_buf_init(&g->stays, sizeof(pc_cstay));
  pc_buf_init(&g->id_visitors, sizeof(pc_idpair));
  pc_buf_init(&g->phone_visitors, sizeof(pc_idpair));
  pc_buf_init(&g->places, sizeof(pc_pslot));
  pc_buf_init(&g->scratch, sizeof(uint64_t));
  pc_buf_init(&g->phone_at, sizeof(uint32_t));
  pc_buf_init(&g->got, sizeof(pc_idpair));
  pc_buf_init(&g->ans, sizeof(pc_idpair));
  pc_buf_init(&g->dest, sizeof(int));
  pc_owner_range(pc_rank(ctx), pc_nranks(ctx), &g->p0, &g->p1);
  return 0;
}

int pc_ingest_new(pc_ctx *ctx, const pc_config *cfg, pc_ingest **gp) {
  pc_ingest *g = pc_calloc(1, sizeof *g, "ingest");
  *gp = g;
  PC_CALL(pc_agree(ctx, g ? 0 : PC_ERR_MEM));
  return init(g, ctx, cfg);
}

int pc_ingest_line_utf8(pc_ingest_input *in, const char **line, size_t *len, int *cut,
                        int *valid) {
  const char *u;
  size_t n;
  PC_CALL(pc_enc_conv_line(&in->conv, *line, *len, *cut, &u, &n, valid));
  if (!*valid) return 0;
  *line = u;
  *cut |= n > PC_INGEST_MAX_LINE; /* measured as its UTF-8 twin's would be */
  *len = n > PC_INGEST_MAX_LINE ? PC_INGEST_MAX_LINE : n;
  return 0;
}

void pc_ingest_delete(pc_ingest *g) {
  if (!g) return;
  for (int f = 0; f < g->nin; f++) {
    pc_csv_close(&g->in[f].f);
    pc_enc_conv_close(&g->in[f].conv);
    free(g->in[f].base);
  }
  pc_buf_free(&g->rejects);
  pc_buf_free(&g->late);
  pc_buf_free(&g->persons);
  pc_buf_free(&g->phones);
  pc_buf_free(&g->owners);
  pc_buf_free(&g->owner_phones);
  pc_buf_free(&g->stays);
  pc_buf_free(&g->id_visitors);
  pc_buf_free(&g->phone_visitors);
  pc_buf_free(&g->places);
  pc_opaque_set_free(&g->opaque[0]);
  pc_opaque_set_free(&g->opaque[1]);
  pc_opaque_set_free(&g->docs);
  pc_buf_free(&g->scratch);
  pc_buf_free(&g->phone_at);
  pc_dict_free(&g->round_phones);
  pc_buf_free(&g->got);
  pc_buf_free(&g->ans);
  pc_buf_free(&g->dest);
  free(g->regions);
  free(g->codes);
  free(g);
}

void pc_ingest_sort(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  if (n > 1) qsort(rows, n, size, cmp);
}

int pc_ingest_sort_u64(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  if (n < 2) return 0;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t k;
    memcpy(&k, (const char *)rows + i * size, sizeof k);
    lo = k < lo ? k : lo;
    hi = k > hi ? k : hi;
  }
  return pc_sort_rows_inplace(rows, n, size, lo, hi, cmp);
}

int pc_idpair_cmp(const void *pa, const void *pb) {
  const pc_idpair *a = pa, *b = pb;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  return (a->b > b->b) - (a->b < b->b);
}

int pc_wperson_cmp(const void *pa, const void *pb) {
  const pc_wperson *a = pa, *b = pb;
  if (a->p.pid != b->p.pid) return a->p.pid < b->p.pid ? -1 : 1;
  return (a->origin > b->origin) - (a->origin < b->origin);
}

int pc_ingest_shuffle(pc_ingest *g, const void *rows, size_t n, size_t rowsize,
                      int (*dest_of)(const void *row, int nranks), pc_buf *out) {
  pc_ctx *ctx = g->ctx;
  PC_CALL(pc_agree(ctx, pc_buf_reserve(&g->dest, n + 1)));
  int *dest = g->dest.data;
  for (size_t i = 0; i < n; i++)
    dest[i] = dest_of((const char *)rows + i * rowsize, pc_nranks(ctx));
  return pc_shuffle(ctx, rows, n, rowsize, dest, out, NULL);
}

int pc_ingest_owner_first(const void *row, int nranks) {
  uint64_t k;
  memcpy(&k, row, sizeof k);
  return PC_OWNER(k, nranks);
}

int pc_ingest_answer_rank(const void *row, int nranks) {
  (void)nranks;
  return (int)(((const pc_idpair *)row)->a >> 32);
}

int pc_ingest_owner_phone(const void *row, int nranks) {
  uint64_t k;
  memcpy(&k, row, sizeof k);
  return PC_OWNER(pc_mix64(k), nranks);
}

uint64_t pc_ingest_id_pack(const char *id) {
  uint64_t v = 0;
  for (int i = 0; i < 17; i++) v = v * 10 + (uint64_t)(id[i] - '0');
  return v * 11 + (uint64_t)(id[17] == 'X' ? 10 : id[17] - '0');
}

void pc_ingest_id_unpack(uint64_t v, char *id) {
  unsigned c = (unsigned)(v % 11);
  id[17] = c == 10 ? 'X' : (char)('0' + c);
  v /= 11;
  for (int i = 16; i >= 0; i--, v /= 10) id[i] = (char)('0' + v % 10);
}

int pc_ingest_doc_seen(pc_ingest *g, uint64_t pid, int type, const char *number, size_t n) {
  char s[1 + PC_SUBJECT_LEN];
  const pc_opaque_row *o;
  s[0] = (char)type;
  memcpy(s + 1, number, n);
  int rc = pc_opaque_set_add(&g->docs, pid, s, n + 1, &o);
  if (rc == 1)
    return PC_ERROR(PC_ERR_DATA, "two documents share one pid (a 64-bit hash collision): make a "
                    "new key file and rerun");
  return rc;
}

size_t pc_ingest_find_u64(const void *rows, size_t n, size_t size, uint64_t key) {
  size_t a = 0, b = n;
  uint64_t v;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    memcpy(&v, (const char *)rows + m * size, sizeof v);
    if (v < key) a = m + 1;
    else b = m;
  }
  if (a < n) memcpy(&v, (const char *)rows + a * size, sizeof v);
  return a < n && v == key ? a : n;
}
