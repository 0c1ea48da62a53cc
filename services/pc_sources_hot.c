/* pc_sources_hot.c - sources' hotspots (flagged persons' dwell per place and community) and their screen config; the clusters' log lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc_flagged.h"
#include "pc_flaggedfile.h"
#include "pc_sort.h"
#include "pc_sources.h"
#include "pc_time.h"

/* ---- the clusters in the log ---- */

void pc_sources_log_clusters(pc_ctx *ctx, const pc_sourcer *s, size_t max) {
  size_t shown = 0, singles = 0;
  for (size_t i = 0; i < s->ncases; i++) {
    const pc_cluster_row *c = &s->clusters[i];
    if (i && c->cluster == s->clusters[i - 1].cluster) continue;
    if (c->size < 2) {
      singles++;
      continue;
    }
    if (shown++ >= max) continue;
    char a[PC_TIME_HUMAN], b[PC_TIME_HUMAN];
    if (c->top_exposure < 0) {
      pc_log(ctx, "sources: cluster %llu: %llu cases, joined by contacts only",
             (unsigned long long)c->cluster, (unsigned long long)c->size);
      continue;
    }
    const pc_common_row *e = &s->common[c->top_exposure];
    pc_log(ctx, "sources: cluster %llu: %llu cases, top common exposure %s %s, %s to %s, %llu cases",
           (unsigned long long)c->cluster, (unsigned long long)c->size, e->channel,
           e->place_name[0] ? e->place_name : "(unnamed)", pc_time_human(e->from, a),
           pc_time_human(e->to, b), (unsigned long long)e->cases);
  }
  if (shown > max) pc_log(ctx, "sources: ... and %zu more clusters of two or more", shown - max);
  pc_log(ctx, "sources: %zu %s of one case", singles, pc_plural(singles, "cluster", "clusters"));
}

/* ---- hotspots ---- */

/* A (place or community, person) total on its way to the key's owner. */
typedef struct hot {
  uint64_t key;     /* place id, or community code */
  uint64_t region;
  uint64_t persons;
  int64_t dwell;
  uint8_t kind;     /* 0 place, 1 community */
  uint8_t channel;
  uint8_t pad[6];
} hot;

/* The distinct pids of the `flagged` outputs that this rank owns, ascending. */
static int flagged_owned(pc_sourcer *s, pc_buf *pids) {
  pc_tracer *t = &s->t;
  const int P = pc_nranks(t->ctx), me = pc_rank(t->ctx);
  static const char *const tables[3] = {"contacts", "companions", "screened"};
  int rc = 0;
  for (size_t k = 0; k < pc_config_len(t->cfg, "flagged") && !rc; k++) {
    const char *path = pc_config_str_at(t->cfg, "flagged", k);
    pc_file f = pc_flaggedfile_open(path);
    if (f < 0) return PC_ERROR(PC_ERR_IO, "flagged: cannot open %s (a trace or screen output)", path);
    rc = pc_flagged_check_data(f, path, t->data, t->data_path);
    for (int j = 0; j < 3 && !rc; j++) {
      pc_flag_row *r;
      size_t m;
      if ((rc = pc_flagged_read(f, tables[j], path, &r, &m))) break;
      if (!(rc = pc_buf_reserve(pids, pids->n + m + 1)))
        for (size_t i = 0; i < m; i++)
          if (PC_OWNER(r[i].pid, P) == me) ((uint64_t *)pids->data)[pids->n++] = r[i].pid;
      free(r);
    }
    pc_flaggedfile_close(f);
  }
  uint64_t *p = pids->data;
  pc_qsort(p, pids->n, sizeof *p, pc_u64_cmp);
  size_t n = 0;
  for (size_t i = 0; i < pids->n; i++)
    if (!n || p[n - 1] != p[i]) p[n++] = p[i];
  pids->n = n;
  return rc;
}

/* One clipped interval of a person at a key. */
typedef struct span {
  uint64_t key, region;
  int64_t start, end;
  uint8_t kind, channel;
  uint8_t pad[6];
} span;

static int span_cmp(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* One person's stays in [from, to) into totals (one per place and community). */
static int person_hot(pc_sourcer *s, uint64_t pid, int64_t from, int64_t to, span **sp,
                      size_t *cap, pc_buf *out, pc_buf *dest) {
  const pc_stay *st;
  size_t n, m = 0;
  PC_CALL(pc_trace_stays_of(&s->t, pid, &st, &n));
  if (2 * n > *cap) {
    free(*sp);
    *cap = 2 * n;
    if (!(*sp = pc_malloc(*cap * sizeof **sp, "hotspots"))) return PC_ERR_MEM;
  }
  span *v = *sp;
  for (size_t j = 0; j < n; j++) {
    const int64_t a = st[j].start > from ? st[j].start : from, b = st[j].end < to ? st[j].end : to;
    if (b <= a || st[j].channel == PC_CH_HOUSEHOLD) continue;
    v[m++] = (span){st[j].place, st[j].region, a, b, 0, st[j].channel, {0}};
    if (st[j].region) v[m++] = (span){st[j].region, st[j].region, a, b, 1, 0, {0}};
  }
  pc_qsort(v, m, sizeof *v, span_cmp);
  const int P = pc_nranks(s->t.ctx);
  for (size_t i = 0; i < m;) {
    size_t j = i;
    while (j < m && v[j].kind == v[i].kind && v[j].key == v[i].key) j++;
    int64_t mins = pc_union_minutes_strided(&v[i].start, &v[i].end, sizeof *v / 8, j - i, from, to);
    PC_CALL(pc_buf_grow(out, 1));
    PC_CALL(pc_buf_grow(dest, 1));
    ((hot *)out->data)[out->n++] = (hot){v[i].key, v[i].region, 1, mins * 60, v[i].kind, v[i].channel, {0}};
    ((int *)dest->data)[dest->n++] = (int)(pc_mix64(v[i].key ^ v[i].kind) % (uint64_t)P);
    i = j;
  }
  return 0;
}

static int hot_key_cmp(const void *a, const void *b) {
  const hot *x = a, *y = b;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  return x->key < y->key ? -1 : x->key > y->key;
}

/* The totals received, summed per key; those under min_persons dropped. */
static void sum_hot(pc_buf *b, uint64_t min_persons) {
  hot *h = b->data;
  pc_qsort(h, b->n, sizeof *h, hot_key_cmp);
  size_t n = 0;
  for (size_t i = 0; i < b->n;) {
    hot acc = h[i];
    size_t j = i + 1;
    for (; j < b->n && !hot_key_cmp(&h[j], &h[i]); j++) {
      acc.persons += h[j].persons, acc.dwell += h[j].dwell;
      if (h[j].region < acc.region) acc.region = h[j].region; /* the same at any rank count */
    }
    if (acc.persons >= min_persons) h[n++] = acc;
    i = j;
  }
  b->n = n;
}

static int hot_rank_cmp(const void *a, const void *b) {
  const pc_hotspot_row *x = a, *y = b;
  if (x->persons != y->persons) return x->persons > y->persons ? -1 : 1;
  if (x->dwell != y->dwell) return x->dwell > y->dwell ? -1 : 1;
  int c = strcmp(x->kind, y->kind);
  if (c) return c;
  if (x->place != y->place) return x->place < y->place ? -1 : 1;
  return x->region < y->region ? -1 : x->region > y->region;
}

/* A name into a field of len bytes, cut at a UTF-8 character boundary. */
static void name_copy(char *dst, size_t len, const char *src, size_t srclen) {
  size_t n = strnlen(src, srclen);
  if (n >= len) {
    n = len - 1;
    while (n && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
  }
  memset(dst, 0, len);
  memcpy(dst, src, n);
}

/* Rank 0: the summed totals as ranked rows of /hotspots, with names. */
static int hot_rows(pc_sourcer *s, const pc_buf *b) {
  const hot *h = b->data;
  s->hot = pc_calloc(b->n + 1, sizeof *s->hot, "hotspots");
  if (!s->hot) return PC_ERR_MEM;
  pc_region *reg = NULL;
  uint64_t nreg = 0;
  PC_CALL(pc_table_read_all(s->t.data, NULL, &pc_schema_regions, (void **)&reg, &nreg));
  for (size_t i = 0; i < b->n; i++) {
    pc_hotspot_row *r = &s->hot[i];
    r->persons = h[i].persons, r->dwell = h[i].dwell, r->region = h[i].region;
    snprintf(r->kind, sizeof r->kind, "%s", h[i].kind ? "community" : "place");
    if (!h[i].kind) {
      r->place = h[i].key;
      snprintf(r->channel, sizeof r->channel, "%s", pc_channel_names[h[i].channel]);
      const pc_place *pl = pc_trace_place(&s->t, h[i].key);
      if (pl) name_copy(r->name, sizeof r->name, pl->name, sizeof pl->name);
      continue;
    }
    for (uint64_t k = 0; k < nreg; k++) /* regions are few beside the rows: a scan */
      if (reg[k].code == h[i].key) name_copy(r->name, sizeof r->name, reg[k].name, sizeof reg[k].name);
  }
  free(reg);
  s->nhot = b->n;
  pc_qsort(s->hot, s->nhot, sizeof *s->hot, hot_rank_cmp);
  return 0;
}

int pc_sources_hotspots(pc_sourcer *s, int64_t from, int64_t to, uint64_t min_persons) {
  pc_ctx *ctx = s->t.ctx;
  pc_buf pids, out, dest, got;
  pc_buf_init(&pids, sizeof(uint64_t));
  pc_buf_init(&out, sizeof(hot));
  pc_buf_init(&dest, sizeof(int));
  pc_buf_init(&got, sizeof(hot));
  span *sp = NULL;
  size_t cap = 0;
  int rc = pc_agree(ctx, flagged_owned(s, &pids));
  for (size_t i = 0; i < pids.n && !rc; i++)
    rc = person_hot(s, ((uint64_t *)pids.data)[i], from, to, &sp, &cap, &out, &dest);
  free(sp);
  rc = rc ? pc_agree(ctx, rc) : pc_agree(ctx, 0);
  if (!rc) rc = pc_shuffle(ctx, out.data, out.n, sizeof(hot), dest.data, &got, NULL);
  if (!rc) sum_hot(&got, min_persons);
  pc_buf_free(&out);
  pc_buf_free(&dest);
  int *d0 = pc_calloc(got.n + 1, sizeof *d0, "hotspots");
  if (!rc) rc = pc_agree(ctx, d0 ? 0 : PC_ERR_MEM);
  pc_buf all;
  pc_buf_init(&all, sizeof(hot));
  if (!rc) rc = pc_shuffle(ctx, got.data, got.n, sizeof(hot), d0, &all, NULL);
  if (!rc) rc = pc_agree(ctx, pc_rank(ctx) == 0 ? hot_rows(s, &all) : 0);
  if (!rc && !s->hot) s->hot = pc_calloc(1, sizeof *s->hot, "hotspots"); /* the table exists everywhere */
  free(d0);
  pc_buf_free(&all);
  pc_buf_free(&got);
  pc_buf_free(&pids);
  return rc;
}

/* ---- the screen config of the top hotspots ---- */

/* s as a YAML double-quoted scalar. */
static void yaml_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* The screen output beside the yaml: DIR/NAME-screen.h5 for DIR/NAME.yaml. */
static void default_output(const char *path, char *out, size_t len) {
  const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
  int stem = dot && (!slash || dot > slash) ? (int)(dot - path) : (int)strlen(path);
  snprintf(out, len, "%.*s-screen.h5", stem, path);
}

static void write_areas(FILE *f, const pc_sourcer *s, size_t top, int64_t from, int64_t to,
                        int64_t min_dwell) {
  char a[24], b[24];
  pc_time_format(from, a);
  pc_time_format(to, b);
  for (size_t i = 0; i < top && i < s->nhot; i++) {
    const pc_hotspot_row *h = &s->hot[i];
    fprintf(f, "  # %s %s, %llu flagged persons, %lld min in all\n", h->kind,
            h->name[0] ? h->name : "(unnamed)", (unsigned long long)h->persons,
            (long long)(h->dwell / 60));
    fprintf(f, "  - name: hotspot-%zu\n", i + 1);
    if (h->kind[0] == 'p')
      fprintf(f, "    places: [\"%llu\"]\n", (unsigned long long)h->place);
    else
      fprintf(f, "    regions: [\"%012llu\"]\n", (unsigned long long)h->region);
    fprintf(f, "    from: %s\n    to: %s\n    min_dwell: %lldm\n", a, b,
            (long long)((min_dwell + 59) / 60));
  }
}

int pc_sources_hotspots_yaml(const pc_sourcer *s, const char *path, size_t top, int64_t from,
                             int64_t to, int64_t min_dwell, const char *screen_output) {
  if (!s->nhot)
    return PC_ERROR(PC_ERR_DATA, "hotspots_yaml: no hotspot to write (no place or community "
                    "with min_flagged flagged persons)");
  char tmp[4200], out[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  if (screen_output[0]) snprintf(out, sizeof out, "%s", screen_output);
  else default_output(path, out, sizeof out);
  FILE *f = fopen(tmp, "w");
  if (!f) return PC_ERROR(PC_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
  fprintf(f, "# The top %zu hotspots of `paicha sources` as risk areas: run\n"
             "#   paicha screen --config THIS_FILE\n", top < s->nhot ? top : s->nhot);
  fputs("data: ", f);
  yaml_str(f, s->t.data_path);
  fputs("\noutput: ", f);
  yaml_str(f, out);
  fputs("\nareas:\n", f);
  write_areas(f, s, top, from, to, min_dwell);
  int bad = ferror(f);
  if (fclose(f) || bad || rename(tmp, path)) {
    int e = errno;
    remove(tmp);
    return PC_ERROR(PC_ERR_IO, "%s: cannot write: %s", path, strerror(e));
  }
  return 0;
}
