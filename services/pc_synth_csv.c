/* pc_synth_csv.c - synth's data as the CSV inputs of ingest (SPEC "CSV inputs"), written by every rank in rounds. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "pc_csv.h"
#include "pc_enc.h"
#include "pc_strbuf.h"
#include "pc_synth_csv.h"
#include "pc_synth_realistic.h"
#include "pc_textout.h"
#include "pc_time.h"

static size_t put_u64(char *p, uint64_t v) {
  char t[24];
  size_t k = 0;
  do t[k++] = (char)('0' + v % 10); while (v /= 10);
  for (size_t i = 0; i < k; i++) p[i] = t[k - 1 - i];
  return k;
}

/* A row of persons.csv: id_number,phone,household,region,birth_date,sex,sector,employer,doses. */
static size_t person_csv(const pc_synth_row *w, char *p) {
  pc_identity id;
  pc_synth_row_identity(w, &id);
  size_t k = 0;
  memcpy(p, id.subject, 18);
  k = 18;
  p[k++] = ',';
  size_t pl = strnlen(id.phone, sizeof id.phone);
  memcpy(p + k, id.phone, pl);
  k += pl;
  p[k++] = ',';
  k += put_u64(p + k, w->p.household);
  p[k++] = ',';
  k += put_u64(p + k, w->p.region);
  int32_t b = w->p.birth_date;
  k += (size_t)sprintf(p + k, ",%04d-%02d-%02d,%s,", b / 10000, b / 100 % 100, b % 100,
                       w->p.sex == 1 ? "M" : w->p.sex == 2 ? "F" : "");
  size_t sl = strnlen(w->p.sector, 2);
  memcpy(p + k, w->p.sector, sl);
  k += sl;
  p[k++] = ',';
  if (w->p.employer) k += put_u64(p + k, w->p.employer);
  p[k++] = ',';
  k += put_u64(p + k, w->p.doses);
  p[k++] = '\n';
  return k;
}

/* A row of stays.csv: channel,subject,place,start,end,region,carriage,row. */
static size_t stay_csv(const pc_move_params *mp, const pc_stay *x, const pc_identity *id,
                       char *p) {
  size_t k = (size_t)sprintf(p, "%s,", pc_channel_names[x->channel]);
  if (x->channel == PC_CH_LBS || x->channel == PC_CH_GRID) {
    memcpy(p + k, id->phone, 11);
    k += 11;
  } else {
    memcpy(p + k, id->subject, 18);
    k += 18;
  }
  p[k++] = ',';
  char name[PC_PLACE_NAME_LEN];
  unsigned car;
  pc_move_place_csv(mp, (uint64_t)pc_move_place_index(mp, x->place), name, &car);
  k += pc_csv_quote(name, strnlen(name, sizeof name), p + k);
  char a[24], b[24];
  k += (size_t)sprintf(p + k, ",%s,%s,", pc_time_format(x->start, a), pc_time_format(x->end, b));
  k += put_u64(p + k, x->region);
  p[k++] = ',';
  if (x->carriage) k += put_u64(p + k, x->carriage);
  p[k++] = ',';
  if (x->row) k += put_u64(p + k, (uint64_t)x->row);
  p[k++] = '\n';
  return k;
}

/* The rows of regions.csv in UTF-8 into b. */
static void region_rows(pc_strbuf *b, const pc_region *regions, size_t nregions) {
  char line[64 + 2 * PC_REGION_NAME_LEN];
  for (size_t i = 0; i < nregions; i++) {
    const pc_region *r = &regions[i];
    size_t k = put_u64(line, r->code);
    line[k++] = ',';
    if (r->parent) k += put_u64(line + k, r->parent);
    k += (size_t)sprintf(line + k, ",%u,", r->level);
    k += pc_csv_quote(r->name, strnlen(r->name, PC_REGION_NAME_LEN), line + k);
    line[k++] = '\n';
    pc_strbuf_put(b, line, k);
  }
}

/* regions.csv: rank 0 alone; with gb, in GB18030 (what a spreadsheet in a
 * Chinese locale writes; the header is ASCII, the same in both). Collective,
 * agreed. */
static int write_regions(pc_ctx *ctx, const char *dir, const pc_region *regions, size_t nregions,
                         int gb) {
  char path[4200];
  pc_textout o;
  int rc = 0;
  snprintf(path, sizeof path, "%s/regions.csv", dir);
  PC_CALL(pc_textout_open(ctx, path, "code,parent,level,name\n", &o));
  if (pc_rank(ctx) == 0) {
    pc_strbuf b = {0};
    region_rows(&b, regions, nregions);
    const char *text = b.s ? b.s : "";
    char *gbt = NULL;
    size_t len = b.n;
    rc = b.oom ? PC_ERR_MEM : 0;
    if (!rc && gb && !(rc = pc_enc_to_gb18030(text, len, &gbt, &len))) text = gbt;
    char *p = rc ? NULL : pc_textout_room(&o, len + 1);
    if (!rc && !p) rc = PC_ERR_MEM;
    if (!rc) memcpy(p, text, len), pc_textout_commit(&o, len);
    free(gbt);
    pc_strbuf_free(&b);
  }
  return pc_textout_close(ctx, &o, rc);
}

/* Rows [lo, hi) of the registry in pid order into o: persons.csv's rows, or
 * with mv stays.csv's, *j walking the stays alongside. Local. */
static int format_rows(pc_textout *o, const pc_synth_row *rows, const pc_kv *order, size_t lo,
                       size_t hi, const pc_synth_movement *mv, size_t *j, pc_synth_real *real) {
  const pc_stay *st = mv ? mv->stays.data : NULL;
  for (size_t i = lo; i < hi; i++) {
    const pc_synth_row *w = &rows[order[i].val];
    if (!mv) {
      char *p = pc_textout_room(o, 256);
      if (!p) return PC_ERR_MEM;
      size_t k = real ? pc_synth_real_person(real, i, w, p) : person_csv(w, p);
      if (!k) return PC_ERROR(PC_ERR_DATA, "synth: an employer number beyond the credit code's range");
      pc_textout_commit(o, k);
      continue;
    }
    pc_identity id;
    pc_synth_row_identity(w, &id);
    for (; *j < mv->stays.n && st[*j].pid == w->p.pid; (*j)++) {
      char *p = pc_textout_room(o, 256);
      if (!p) return PC_ERR_MEM;
      pc_textout_commit(o, real ? pc_synth_real_stay(real, &mv->mp, i, &st[*j], &id, p)
                                : stay_csv(&mv->mp, &st[*j], &id, p));
    }
  }
  return 0;
}

/* persons.csv (which 0) or stays.csv (1), a round of R persons at a time;
 * real: the realistic rows. Collective, agreed. */
static int write_rows(pc_ctx *ctx, const char *dir, int which, const pc_synth_row *rows,
                      const pc_kv *order, size_t n, const pc_synth_movement *mv,
                      pc_synth_real *real) {
  const size_t R = 1 << 16;
  uint64_t rounds = (n + R - 1) / R;
  PC_CALL(pc_max_u64(ctx, &rounds, 1));
  char path[4200];
  pc_textout o;
  int rc = 0;
  snprintf(path, sizeof path, "%s/%s", dir, which ? "stays.csv" : "persons.csv");
  const char *head = which ? (real ? "channel,subject,place,start,end,region,carriage,row,subject_type\n"
                                   : "channel,subject,place,start,end,region,carriage,row\n")
                           : (real ? "id_number,phone,household,region,birth_date,sex,sector,"
                                     "employer,vaccine_doses,id_type\n"
                                   : "id_number,phone,household,region,birth_date,sex,sector,"
                                     "employer,vaccine_doses\n");
  PC_CALL(pc_textout_open(ctx, path, head, &o));
  size_t j = 0;
  for (uint64_t r = 0; r < rounds; r++) {
    size_t lo = r * R < n ? r * R : n, hi = (r + 1) * R < n ? (r + 1) * R : n;
    if (!rc) rc = format_rows(&o, rows, order, lo, hi, which ? mv : NULL, &j, real);
    if (!(rc = pc_agree(ctx, rc))) rc = pc_textout_flush(ctx, &o);
    if (rc) break;
    pc_progress(ctx, r * R, n);
  }
  return pc_textout_close(ctx, &o, rc);
}

/* What the realistic CSV holds, summed over the ranks, in the log. Collective, agreed. */
static int log_realistic(pc_ctx *ctx, const char *dir, const pc_synth_real *real) {
  uint64_t c[3] = {real->ndoc[PC_DOC_PASSPORT], real->ndoc[PC_DOC_FOREIGN_PR], real->seat_unknown};
  PC_CALL(pc_sum_u64(ctx, c, 3));
  pc_log(ctx, "synth: realistic CSV in %s: %llu %s, %llu foreign PR %s, %llu %s without "
         "their seat (alone aboard), regions.csv in GB18030", dir, (unsigned long long)c[0],
         pc_plural(c[0], "passport", "passports"), (unsigned long long)c[1], pc_plural(c[1], "ID", "IDs"),
         (unsigned long long)c[2], pc_plural(c[2], "stay", "stays"));
  return 0;
}

int pc_synth_csv(pc_ctx *ctx, const char *dir, const pc_region *regions, size_t nregions,
                 const pc_synth_row *rows, const pc_kv *order, size_t n,
                 const pc_synth_movement *mv, uint64_t seed, int realistic) {
  int rc = 0;
  if (pc_rank(ctx) == 0) rc = pc_mkdir_output(dir, "csv");
  PC_CALL(pc_agree(ctx, rc));
  pc_synth_real real = {0};
  if (realistic) rc = pc_synth_real_plan(ctx, seed, rows, order, n, mv, &real);
  if (!rc) rc = write_regions(ctx, dir, regions, nregions, realistic);
  for (int which = 0; which < (mv ? 2 : 1) && !rc; which++)
    rc = write_rows(ctx, dir, which, rows, order, n, mv, realistic ? &real : NULL);
  if (!rc && realistic) rc = log_realistic(ctx, dir, &real);
  pc_synth_real_free(&real);
  if (!rc) pc_log(ctx, "synth: wrote %s/regions.csv, persons.csv%s", dir, mv ? ", stays.csv" : "");
  return rc;
}
