/* pc_aview.c - the index's area view: the stays by (township, day), written with the index, read selectively by screen. */
#include "pc_aview.h"

#include <stdlib.h>
#include <string.h>

#include "pc_hash.h"
#include "pc_part.h"
#include "pc_region.h"
#include "pc_sort.h"
#include "pc_time.h"

/* Rows of /stays a step: 4 Mi rows, 192 MB; grouped a sub-step at a time
 * (256 Ki rows, 6 MB twice: in cache). */
#define AVIEW_STEP ((size_t)1 << 22)
/* The count's steps, in memory of its own (48 MB: it may run while the
 * index's rows, the later scratch, are still being written). */
#define AVIEW_COUNT_STEP ((size_t)1 << 20)
#define AVIEW_SUB ((size_t)1 << 18)

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* The layout of dataset `data`: its window's days, the townships of its
 * /regions (and 0, unknown), PC_AGROUP_OTHER last. Local. */
static int layout_of(pc_file data, pc_aview *v) {
  int64_t ws, we;
  PC_CALL(pc_indexfile_attr_i64(data, "window_start", &ws));
  PC_CALL(pc_indexfile_attr_i64(data, "window_end", &we));
  v->L.day0 = pc_local_day(ws);
  v->L.ndays = (uint32_t)(pc_local_day(we > ws ? we - 1 : ws) - v->L.day0 + 1);
  pc_region *rg = NULL;
  uint64_t nr = 0;
  PC_CALL(pc_table_read_all(data, NULL, &pc_schema_regions, (void **)&rg, &nr));
  v->townships = pc_malloc((nr + 2) * sizeof *v->townships, "area view townships");
  if (!v->townships) {
    free(rg);
    return PC_ERR_MEM;
  }
  size_t k = 0;
  v->townships[k++] = 0;
  for (uint64_t i = 0; i < nr; i++) v->townships[k++] = rg[i].code / 1000;
  free(rg);
  pc_qsort(v->townships, k, sizeof *v->townships, cmp_u64);
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    if (!m || v->townships[i] != v->townships[m - 1]) v->townships[m++] = v->townships[i];
  v->townships[m++] = PC_AGROUP_OTHER;
  v->L.townships = v->townships;
  v->L.ntownships = m;
  return 0;
}

/* What the two passes over a rank's share of /stays keep. */
struct pc_aview_build {
  pc_aview *v, view;      /* v: &view */
  pc_raw st;
  uint64_t s0, s1;      /* this rank's rows of /stays */
  size_t G;
  uint64_t *count;      /* nranks x G: rows of each group per rank (this rank's row filled) */
  size_t rank;
  uint64_t *next;       /* G: the next slot of each group in this rank's rows in memory */
  pc_stay *buf, *own_buf;    /* a step of /stays: in the scratch's tail, or own_buf */
  pc_arow *conv, *grouped;   /* a sub-step's rows, as made and grouped */
  uint32_t *key;             /* a sub-step's groups */
  uint64_t *sub_count;       /* G: a sub-step's rows per group */
  pc_dict places, regions;    /* the view's dictionaries: /places' and /regions' first */
  uint32_t *township;         /* per region of the dictionary: its township's index */
  size_t ntownship;           /* regions it covers so far */
  uint64_t *place_township;   /* per place of /places (its index): its township + 1 */
  uint64_t *place_region;     /* per place of /places: its region's code */
  uint32_t *place_rindex;     /* and that region's index in the dictionary */
  size_t nplaces0;            /* places of /places (entries of the two above) */
  pc_dict xplaces, xregions;  /* this rank's stays' places and regions not in them */
};
typedef struct pc_aview_build aview_build;

/* The township index of every region of the dictionary not covered yet
 * (its search done once a region, not once a stay). Local; PC_ERR_MEM. */
static int townships_fill(aview_build *B) {
  uint32_t *t = pc_realloc(B->township, (B->regions.n + 1) * sizeof *t, "regions' townships");
  if (!t) return PC_ERR_MEM;
  B->township = t;
  for (; B->ntownship < B->regions.n; B->ntownship++)
    t[B->ntownship] = (uint32_t)pc_agroup_township(&B->v->L, B->regions.v[B->ntownship]);
  return 0;
}

/* The dictionaries begun from /places (ids, in file order) and /regions
 * (0, then the codes): the same on every rank. Local. */
static int dicts_open(pc_file data, aview_build *B) {
  pc_place *pl = NULL;
  pc_region *rg = NULL;
  uint64_t np = 0, nr = 0;
  int rc = pc_table_read_all(data, NULL, &pc_schema_places, (void **)&pl, &np);
  if (!rc) rc = pc_table_read_all(data, NULL, &pc_schema_regions, (void **)&rg, &nr);
  if (!rc && !((B->place_township = pc_malloc((np + 1) * sizeof *B->place_township, "places")) &&
               (B->place_region = pc_malloc((np + 1) * sizeof *B->place_region, "places")) &&
               (B->place_rindex = pc_malloc((np + 1) * sizeof *B->place_rindex, "places"))))
    rc = PC_ERR_MEM;
  if (!rc) rc = pc_dict_add(&B->regions, 0);
  for (uint64_t i = 0; i < nr && !rc; i++) rc = pc_dict_add(&B->regions, rg[i].code);
  for (uint64_t i = 0; i < np && !rc; i++) {
    const size_t k = B->places.n;
    rc = pc_dict_add(&B->places, pl[i].id);
    if (!rc && B->places.n > k) {
      B->place_township[k] = pl[i].region / 1000 + 1;
      B->place_region[k] = pl[i].region;
      B->place_rindex[k] = pc_dict_find(&B->regions, pl[i].region);
    }
  }
  B->nplaces0 = B->places.n;
  free(pl), free(rg);
  return rc ? rc : townships_fill(B);
}

/* The dictionary's index of stay s's region, given its place's index p
 * (UINT32_MAX: not in it): its place's region's, found once a place, when
 * the stay lies in its place's region (nearly every stay); else searched.
 * UINT32_MAX when not in the dictionary. Local. */
static inline uint32_t region_index(const aview_build *B, const pc_stay *s, uint32_t p) {
  if (p < B->nplaces0 && B->place_region[p] == s->region) return B->place_rindex[p];
  return pc_dict_find(&B->regions, s->region);
}

/* The group of stay s, whose region is at index r of the dictionary
 * (UINT32_MAX: not in it, searched). Local. */
static inline size_t group_of(const aview_build *B, const pc_stay *s, uint32_t r) {
  return r < B->ntownship ? pc_agroup_at(&B->v->L, B->township[r], s->start)
                          : pc_agroup_of(&B->v->L, s);
}

/* Pass 1: count this rank's rows per group, the longest stay, the stays
 * astray (their place unknown or in another township), and the places and
 * regions the dictionaries lack. Local. */
static int count_pass(aview_build *B, uint64_t *mine) {
  pc_aview *v = B->v;
  pc_stay *buf = pc_malloc(AVIEW_COUNT_STEP * sizeof *buf, "stays step");
  uint32_t *pl = pc_malloc(AVIEW_COUNT_STEP * sizeof *pl, "stays step");
  int rc = buf && pl ? 0 : PC_ERR_MEM;
  for (uint64_t r = B->s0; r < B->s1 && !rc;) {
    size_t n = B->s1 - r < AVIEW_COUNT_STEP ? (size_t)(B->s1 - r) : AVIEW_COUNT_STEP;
    if ((rc = pc_raw_read(&B->st, r, n, buf))) break;
    pc_dict_find_rows(&B->places, &buf[0].place, sizeof *buf, n, pl);
    for (size_t i = 0; i < n && !rc; i++) {
      const pc_stay *s = &buf[i];
      const uint32_t p = pl[i], ri = region_index(B, s, p);
      mine[group_of(B, s, ri)]++;
      if (s->end - s->start > v->dmax) v->dmax = s->end - s->start;
      if (p == UINT32_MAX) {
        v->astray++;
        rc = pc_dict_add(&B->xplaces, s->place);
      } else {
        v->astray += B->place_township[p] - 1 != s->region / 1000;
      }
      if (!rc && ri == UINT32_MAX) rc = pc_dict_add(&B->xregions, s->region);
    }
    r += n;
  }
  free(buf), free(pl);
  return rc;
}

/* Collective: every rank's values of x not in d yet added to d, in order:
 * the same dictionary on every rank at any rank count. Local failures are
 * this rank's (the caller agrees). */
static int dict_merge(pc_ctx *ctx, pc_dict *d, const pc_dict *x) {
  uint64_t *all = NULL;
  size_t n = 0;
  PC_CALL(pc_allgather_u64(ctx, x->v, x->n, &all, &n));
  pc_qsort(all, n, sizeof *all, cmp_u64);
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) rc = pc_dict_add(d, all[i]);
  free(all);
  return rc;
}

/* Pass 2: each stay made a row of the view and put in its group's next
 * slot of this rank's rows in memory (`rows`, its groups one after another,
 * each in /stays order), its fingerprint summed. A sub-step's rows are
 * grouped in cache first and copied group by group: scattered one by one
 * into the whole, each row was a cache and TLB miss (this pass 9.5 s, now
 * 2.8 s, at the city tier). Local. */
static int make_pass(aview_build *B, pc_arow *rows) {
  pc_aview *v = B->v;
  const uint64_t *mine = B->count + B->rank * B->G;
  uint64_t at = 0;
  for (size_t g = 0; g < B->G; g++) B->next[g] = at, at += mine[g];
  for (uint64_t r = B->s0; r < B->s1;) {
    size_t n = B->s1 - r < AVIEW_STEP ? (size_t)(B->s1 - r) : AVIEW_STEP;
    PC_CALL(pc_raw_read(&B->st, r, n, B->buf));
    for (size_t i0 = 0; i0 < n; i0 += AVIEW_SUB) {
      const size_t m = n - i0 < AVIEW_SUB ? n - i0 : AVIEW_SUB;
      /* the places' indices first (key[i], then the group) */
      pc_dict_find_rows(&B->places, &B->buf[i0].place, sizeof *B->buf, m, B->key);
      for (size_t i = 0; i < m; i++) {
        const pc_stay *s = &B->buf[i0 + i];
        const uint32_t p = B->key[i];
        if (pc_arow_at(s, v->t0, p, region_index(B, s, p), &B->conv[i]))
          return PC_ERROR(PC_ERR_DATA,
                          "%s: row %llu: a stay more than 68 years from the window's start: "
                          "not an area view's row",
                          B->st.what, (unsigned long long)(r + i0 + i));
        const size_t g = group_of(B, s, B->conv[i].regch & (uint32_t)(PC_AROW_REGIONS - 1));
        B->key[i] = (uint32_t)g;
        v->gsum[g] += pc_arow_fingerprint(&B->conv[i]);
      }
      memset(B->sub_count, 0, B->G * sizeof *B->sub_count);
      pc_agroup_sort(B->G, B->conv, B->key, m, B->grouped, B->sub_count);
      size_t off = 0;
      for (size_t g = 0; g < B->G; g++) {
        const size_t c = (size_t)B->sub_count[g];
        if (c) memcpy(rows + B->next[g], B->grouped + off, c * sizeof *rows);
        B->next[g] += c;
        off += c;
      }
    }
    r += n;
  }
  return 0;
}

/* Collective, agreed (rc: this rank's status): the view's rows to the
 * file in rounds. The groups are cut in file order into parts of at most
 * room_rows rows (a larger group alone), and each round gives the next part
 * to each rank: every rank sends each its pieces of the part's groups
 * (contiguous in `rows`), receives the part - every rank's pieces, each
 * where the file has it - in `room` and writes it with one write, past the
 * page cache. Written piece by piece, each rank's 31 k pieces of ~50 kB
 * at the city tier took 7.2 s, their partial blocks through the page cache. */
static int exchange_write(pc_ctx *ctx, aview_build *B, int rc, const pc_arow *rows,
                          pc_arow *room, size_t room_rows, pc_rows_out *w) {
  const size_t G = B->G, P = (size_t)pc_nranks(ctx);
  const uint64_t *mine = B->count + B->rank * B->G, *gstart = B->v->gstart;
  uint64_t *loc = pc_malloc((G + 1) * sizeof *loc, "area view pieces");
  size_t *cut = pc_malloc((G + 2) * sizeof *cut, "area view parts");
  uint64_t *piece = pc_malloc((4 * P + 2 * P * G + 1) * sizeof *piece, "area view pieces");
  if (!rc && !(loc && cut && piece)) rc = PC_ERR_MEM;
  rc = pc_agree(ctx, rc);
  size_t nparts = 0;
  if (!rc) {
    uint64_t at = 0;
    for (size_t g = 0; g <= G; g++) loc[g] = at, at += g < G ? mine[g] : 0;
    cut[nparts++] = 0; /* part j: groups [cut[j], cut[j + 1]) */
    for (size_t g = 0; g < G; g++)
      if (gstart[g + 1] - gstart[cut[nparts - 1]] > room_rows && g > cut[nparts - 1])
        cut[nparts++] = g;
    cut[nparts] = G;
  }
  uint64_t *sstart = piece, *scount = piece + P, *rstart = piece + 2 * P,
           *rcount = piece + 2 * P + P * G;
  for (size_t j0 = 0; !rc && j0 < nparts; j0 += P) {
    for (size_t q = 0; q < P; q++) { /* rank q takes part j0 + q (none past the last) */
      const size_t a = j0 + q < nparts ? cut[j0 + q] : G, b = j0 + q < nparts ? cut[j0 + q + 1] : G;
      sstart[q] = loc[a], scount[q] = loc[b] - loc[a];
    }
    const size_t mj = j0 + B->rank;
    const size_t a = mj < nparts ? cut[mj] : G, b = mj < nparts ? cut[mj + 1] : G, nb = b - a;
    for (size_t s = 0; s < P; s++)
      for (size_t g = a; g < b; g++) {
        uint64_t before = 0;
        for (size_t t = 0; t < s; t++) before += B->count[t * G + g];
        rstart[s * nb + g - a] = gstart[g] - gstart[a] + before;
        rcount[s * nb + g - a] = B->count[s * G + g];
      }
    rc = pc_exchange_pieces(ctx, sizeof *rows, rows, sstart, scount, room, nb, rstart, rcount);
    if (!rc && gstart[b] > gstart[a])
      rc = pc_indexfile_rows_write(w, gstart[a], (size_t)(gstart[b] - gstart[a]), room);
    rc = pc_agree(ctx, rc);
  }
  free(loc), free(cut), free(piece);
  return rc;
}

/* Collective, agreed (rc: this rank's status): the counts of all ranks give
 * the group directory (every rank's counts kept: the rounds place its
 * pieces); the dictionaries completed. */
static int directory(pc_ctx *ctx, aview_build *B, int rc) {
  pc_aview *v = B->v;
  const size_t G = B->G, P = (size_t)pc_nranks(ctx);
  PC_CALL(pc_agree(ctx, rc));
  PC_CALL(pc_sum_u64(ctx, B->count, (int)(P * G)));
  uint64_t mx[2] = {(uint64_t)v->dmax, 0}, as = v->astray;
  PC_CALL(pc_max_u64(ctx, mx, 1));
  PC_CALL(pc_sum_u64(ctx, &as, 1));
  v->dmax = (int64_t)mx[0];
  v->astray = as;
  /* both merges on every rank, whatever the first gave: each is collective */
  rc = dict_merge(ctx, &B->places, &B->xplaces);
  const int rc2 = dict_merge(ctx, &B->regions, &B->xregions);
  if (!rc) rc = rc2;
  if (!rc && B->regions.n > PC_AROW_REGIONS)
    rc = PC_ERROR(PC_ERR_DATA, "the stays name %zu regions: an area view holds %zu at most",
                  B->regions.n, PC_AROW_REGIONS);
  if (!rc) rc = townships_fill(B);
  PC_CALL(pc_agree(ctx, rc));
  uint64_t row = 0;
  for (size_t g = 0; g < G; g++) {
    v->gstart[g] = row;
    for (size_t q = 0; q < P; q++) row += B->count[q * G + g];
  }
  v->gstart[G] = row;
  return 0;
}

/* Local: open /stays and the dictionaries, cut this rank's share, allocate
 * (the make pass's step: later, in the scratch). */
static int build_open(pc_ctx *ctx, pc_file data, const char *data_path, aview_build *B) {
  pc_aview *v = B->v;
  PC_CALL(layout_of(data, v));
  PC_CALL(pc_indexfile_attr_i64(data, "window_start", &v->t0));
  PC_CALL(dicts_open(data, B));
  PC_CALL(pc_raw_open(data, data_path, &pc_schema_stays, &B->st));
  pc_own_range(B->st.nrows, pc_rank(ctx), pc_nranks(ctx), &B->s0, &B->s1);
  B->G = v->L.ntownships * v->L.ndays;
  const size_t G = B->G, P = (size_t)pc_nranks(ctx);
  B->count = pc_calloc(P * G + 1, sizeof *B->count, "area view counts");
  B->next = pc_calloc(G + 1, sizeof *B->next, "area view counts");
  B->sub_count = pc_calloc(G + 1, sizeof *B->sub_count, "area view counts");
  B->conv = pc_malloc(AVIEW_SUB * sizeof *B->conv, "area view sub-step");
  B->grouped = pc_malloc(AVIEW_SUB * sizeof *B->grouped, "area view sub-step");
  B->key = pc_malloc(AVIEW_SUB * sizeof *B->key, "area view sub-step");
  B->rank = (size_t)pc_rank(ctx);
  v->gstart = pc_calloc(G + 1, sizeof *v->gstart, "area view directory");
  v->gsum = pc_calloc(G + 1, sizeof *v->gsum, "area view checksums");
  return B->count && B->next && B->sub_count && B->conv && B->grouped && B->key &&
                 v->gstart && v->gsum
             ? 0
             : PC_ERR_MEM;
}

/* Local: the make pass's step, in the scratch's last bytes when it holds
 * one (*scratch_bytes then shrinks by it), else in memory of its own. */
static int step_place(aview_build *B, void *scratch, size_t *scratch_bytes) {
  const size_t step = AVIEW_STEP * sizeof *B->buf;
  if (*scratch_bytes >= step + 64) {
    const size_t at = (*scratch_bytes - step) / 64 * 64; /* scratch is malloc's, so aligned */
    B->buf = (pc_stay *)(void *)((char *)scratch + at);
    *scratch_bytes = at;
    return 0;
  }
  B->buf = B->own_buf = pc_malloc(step, "stays step");
  return B->buf ? 0 : PC_ERR_MEM;
}

void pc_aview_build_free(aview_build *B) {
  if (!B) return;
  pc_raw_close(&B->st);
  free(B->count), free(B->next), free(B->sub_count);
  free(B->conv), free(B->grouped), free(B->key);
  free(B->own_buf), free(B->place_township), free(B->place_region), free(B->place_rindex);
  free(B->township);
  pc_dict_free(&B->places), pc_dict_free(&B->regions);
  pc_dict_free(&B->xplaces), pc_dict_free(&B->xregions);
  pc_aview_free(B->v);
  free(B);
}

static int write_tables(pc_ctx *ctx, pc_out *out, const aview_build *B) {
  const pc_aview *v = B->v;
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "area_start", v->gstart, B->G + 1));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "area_sum", v->gsum, B->G));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "area_townships", v->townships,
                                  v->L.ntownships));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "area_places", B->places.v, B->places.n));
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "area_regions", B->regions.v, B->regions.n));
  pc_out_attr_i64(out, "area_format", PC_AVIEW_FORMAT);
  pc_out_attr_i64(out, "area_t0", v->t0);
  pc_out_attr_i64(out, "area_day0", v->L.day0);
  pc_out_attr_i64(out, "area_ndays", v->L.ndays);
  pc_out_attr_u64(out, "area_ntownships", v->L.ntownships);
  pc_out_attr_u64(out, "area_nplaces", B->places.n);
  pc_out_attr_u64(out, "area_nregions", B->regions.n);
  pc_out_attr_i64(out, "area_dmax", v->dmax);
  pc_out_attr_u64(out, "area_places_astray", v->astray);
  return out->rc;
}

int pc_aview_count(pc_ctx *ctx, pc_file data, const char *data_path, aview_build **out) {
  aview_build *B = pc_calloc(1, sizeof *B, "area view build");
  *out = B;
  PC_CALL(pc_agree(ctx, B ? 0 : PC_ERR_MEM));
  B->v = &B->view;
  B->st.fd = -1;
  B->view.rows.fd = -1;
  B->view.disp.raw.fd = -1;
  int rc = pc_agree(ctx, build_open(ctx, data, data_path, B));
  if (!rc) rc = count_pass(B, B->count + (size_t)pc_rank(ctx) * B->G);
  return directory(ctx, B, rc);
}

int pc_aview_finish(pc_ctx *ctx, pc_out *out, aview_build *B, void *scratch,
                    size_t scratch_bytes) {
  pc_aview *v = B->v;
  const size_t whole_scratch = scratch_bytes; /* the step takes its tail until made */
  int rc = step_place(B, scratch, &scratch_bytes);
  pc_file dset = -1;
  if (!rc)
    rc = pc_indexfile_rows_create(
        out, &pc_schema_area_rows, v->gstart[B->G],
        "the area view: every stay, 24 bytes: pid; start and end in seconds after area_t0; "
        "place, an index into /area_places; region_channel, the region's index into "
        "/area_regions in its low 24 bits and the channel above them. Grouped by (township, "
        "local day of its start): group g = township index (in /area_townships; the last: "
        "townships not in /regions) x area_ndays + day - area_day0 (clamped to the window), "
        "each group in /stays order; area_start[g] is its first row, area_sum[g] its rows' "
        "fingerprint sum; a stay lies under its start's day only: a query reaches back by "
        "area_dmax",
        &dset);
  /* This rank's rows, in the scratch when they fit before the step (the
   * place view's rows, written by then: memory touched and budgeted); the
   * room a round receives after them (the step's bytes are free by then). */
  uint64_t mine = 0, largest = 0;
  for (size_t g = 0; !rc && g < B->G; g++) {
    mine += B->count[B->rank * B->G + g];
    if (v->gstart[g + 1] - v->gstart[g] > largest) largest = v->gstart[g + 1] - v->gstart[g];
  }
  size_t room_rows = pc_ctx_round_bytes(ctx) / sizeof(pc_arow);
  if (room_rows < largest) room_rows = (size_t)largest;
  pc_arow *rows = NULL, *room = NULL, *own = NULL, *own_room = NULL;
  if (!rc && mine * sizeof *rows <= scratch_bytes)
    rows = scratch;
  else if (!rc && !(rows = own = pc_malloc(mine * sizeof *rows + 1, "the area view's rows")))
    rc = PC_ERR_MEM;
  if (!rc && !own && (mine + room_rows) * sizeof *rows <= whole_scratch)
    room = rows + mine;
  else if (!rc && !(room = own_room = pc_malloc(room_rows * sizeof *room, "an area view round")))
    rc = PC_ERR_MEM;
  if (!rc) rc = make_pass(B, rows);
  pc_rows_out w = {.raw = {.fd = -1}, .dfd = -1};
  if (!rc) rc = pc_indexfile_rows_open(out, dset, &pc_schema_area_rows, v->gstart[B->G], &w);
  rc = exchange_write(ctx, B, rc, rows, room, room_rows, &w);
  pc_indexfile_rows_close(&w);
  free(own), free(own_room);
  pc_indexfile_dset_close(dset);
  if (!rc) rc = pc_sum_u64(ctx, v->gsum, (int)B->G);
  if (!rc) rc = write_tables(ctx, out, B);
  pc_aview_build_free(B);
  return rc;
}

int pc_aview_write(pc_ctx *ctx, pc_out *out, pc_file data, const char *data_path,
                   void *scratch, size_t scratch_bytes) {
  aview_build *B = NULL;
  const int rc = pc_aview_count(ctx, data, data_path, &B);
  if (rc) {
    pc_aview_build_free(B);
    return rc;
  }
  return pc_aview_finish(ctx, out, B, scratch, scratch_bytes);
}

void pc_aview_free(pc_aview *v) {
  pc_raw_close(&v->rows);
  free(v->townships), free(v->gstart), free(v->gsum);
  free(v->places), free(v->regions);
  free(v->dir.stays), free(v->stays_sum);
  pc_disptab_free(&v->disp);
  memset(v, 0, sizeof *v);
  v->rows.fd = -1;
  v->disp.raw.fd = -1;
}

/* Local: the view's directory and the index's pid directory of /stays; f is
 * the index (at path), known to hold a view and to be of this dataset. */
static int read_view(pc_file f, const char *path, int64_t at, pc_aview *v) {
  int64_t nd = 0, bits = 0;
  uint64_t nc = 0;
  PC_CALL(pc_indexfile_attr_i64(f, "area_t0", &v->t0));
  PC_CALL(pc_indexfile_attr_u64(f, "area_nplaces", &v->nplaces));
  PC_CALL(pc_indexfile_attr_u64(f, "area_nregions", &v->nregions));
  if (v->nplaces > UINT32_MAX || v->nregions > PC_AROW_REGIONS)
    return PC_ERROR(PC_ERR_DATA, "%s: area view of %llu places, %llu regions (damaged index?)",
                    path, (unsigned long long)v->nplaces, (unsigned long long)v->nregions);
  PC_CALL(pc_indexfile_read_u64s(f, "area_places", v->nplaces, &v->places));
  PC_CALL(pc_indexfile_read_u64s(f, "area_regions", v->nregions, &v->regions));
  PC_CALL(pc_indexfile_attr_i64(f, "area_day0", &v->L.day0));
  PC_CALL(pc_indexfile_attr_i64(f, "area_ndays", &nd));
  PC_CALL(pc_indexfile_attr_i64(f, "area_dmax", &v->dmax));
  PC_CALL(pc_indexfile_attr_u64(f, "area_places_astray", &v->astray));
  PC_CALL(pc_indexfile_attr_i64(f, "pid_bits", &bits));
  PC_CALL(pc_indexfile_attr_u64(f, "area_ntownships", &nc));
  if (nd < 1 || nd > 100000 || nc < 1 || nc > 10000000 || bits < 1 || bits > 30)
    return PC_ERROR(PC_ERR_DATA, "%s: area view of %lld days, %llu townships (damaged index?)",
                    path, (long long)nd, (unsigned long long)nc);
  v->L.ndays = (uint32_t)nd;
  v->L.ntownships = (size_t)nc;
  const size_t G = v->L.ntownships * v->L.ndays, K = (size_t)1 << bits;
  PC_CALL(pc_indexfile_read_u64s(f, "area_townships", nc, &v->townships));
  v->L.townships = v->townships;
  PC_CALL(pc_indexfile_read_u64s(f, "area_start", G + 1, &v->gstart));
  PC_CALL(pc_indexfile_read_u64s(f, "area_sum", G, &v->gsum));
  v->dir.bits = (int)bits;
  PC_CALL(pc_raw_open(f, path, &pc_schema_area_rows, &v->rows));
  for (size_t g = 0; g < G; g++)
    if (v->gstart[g] > v->gstart[g + 1] || v->gstart[G] != v->rows.nrows)
      return PC_ERROR(PC_ERR_DATA, "%s: area_start does not match /area_rows (damaged index?)",
                      path);
  PC_CALL(pc_disptab_open(f, path, (int)bits, &v->disp));
  if (pc_disptab_usable(&v->disp, at)) return 0;
  PC_CALL(pc_indexfile_read_u64s(f, "stays_dir", K + 1, &v->dir.stays));
  return pc_indexfile_read_u64s(f, "stays_sum", K, &v->stays_sum);
}

int pc_aview_open(pc_ctx *ctx, const char *path, pc_file data, int64_t at, pc_aview *v,
                  int *usable) {
  memset(v, 0, sizeof *v);
  v->rows.fd = -1;
  v->disp.raw.fd = -1;
  *usable = 0;
  pc_file f;
  PC_CALL(pc_indexfile_open(ctx, path, &f));
  uint64_t want[4], have[4];
  int same = 0, rc = 0;
  int64_t format = 0;
  if (!pc_indexfile_has(f, "area_rows")) {
    pc_log(ctx, "screen: %s has no area view (an index built before it, or with area_view: "
                "false): streaming /stays", path);
  } else if (!pc_indexfile_has_attr(f, "area_format") ||
             pc_indexfile_attr_i64(f, "area_format", &format) || format != PC_AVIEW_FORMAT) {
    pc_log(ctx, "screen: %s has an area view of another version (format %lld, this version "
                "reads %d): streaming /stays (`paicha index` with area_view: true writes it "
                "again)", path, (long long)format, PC_AVIEW_FORMAT);
  } else if ((rc = pc_indexfile_same_data(f, data, want, have, &same)) > 0) {
    /* the dataset could not be read: rc stands */
  } else if (rc < 0 || !same) {
    rc = 0;
    pc_warn(ctx, "screen: %s was built from another dataset (persons %llu/%llu, stays "
                 "%llu/%llu): its area view is not used; streaming /stays (bring the index "
                 "up to date with `paicha index`)", path, (unsigned long long)want[0],
            (unsigned long long)have[0], (unsigned long long)want[2], (unsigned long long)have[2]);
  } else {
    rc = read_view(f, path, at, v);
    *usable = !rc;
  }
  pc_indexfile_close(f);
  return pc_agree(ctx, rc);
}

/* First row of [lo, hi) of /area_rows (sorted by pid there) whose pid is >= pid. Local.
 * Pids are keyed hashes, spread evenly: where pid lies is guessed from the
 * keys known to bound the range (at first the whole key space) and a block
 * of rows read there, which holds it nearly always; else the range narrows
 * to one side of the block. One or two reads, where a binary search took a
 * read per probe (72 k reads a rank to find Changsha's parts). */
static int lower_bound(const pc_raw *rows, uint64_t lo, uint64_t hi, uint64_t pid, uint64_t *at) {
  enum { B = 128 };
  pc_arow blk[B];
  uint64_t klo = 0, khi = UINT64_MAX; /* keys of [lo, hi) lie in [klo, khi] */
  for (;;) {
    uint64_t b0 = lo, nb = hi - lo;
    if (nb > B) {
      const double f = pid <= klo ? 0.0 : pid >= khi ? 1.0 : (double)(pid - klo) / (double)(khi - klo);
      uint64_t guess = lo + (uint64_t)(f * (double)(hi - lo));
      b0 = guess > lo + B / 2 ? guess - B / 2 : lo;
      if (b0 + B > hi) b0 = hi - B;
      nb = B;
    }
    if (nb) PC_CALL(pc_raw_read(rows, b0, (size_t)nb, blk));
    if (nb == hi - lo || (blk[0].pid < pid && blk[nb - 1].pid >= pid) ||
        (b0 == lo && blk[0].pid >= pid) || (b0 + nb == hi && blk[nb - 1].pid < pid)) {
      size_t i = 0;
      while (i < nb && blk[i].pid < pid) i++;
      *at = b0 + i;
      return 0;
    }
    if (blk[0].pid >= pid) hi = b0, khi = blk[0].pid; /* before the block */
    else lo = b0 + nb, klo = blk[nb - 1].pid;         /* after it */
  }
}

/* This rank's part [r0[g], r1[g]) of every marked group. Local. */
static int parts(const pc_aview *v, const uint8_t *sel, uint64_t pid_lo, uint64_t pid_hi,
                 uint64_t *r0, uint64_t *r1, size_t *n) {
  const size_t G = v->L.ntownships * v->L.ndays;
  *n = 0;
  for (size_t g = 0; g < G; g++) {
    r0[g] = r1[g] = 0;
    if (!sel[g] || v->gstart[g] == v->gstart[g + 1]) continue;
    PC_CALL(lower_bound(&v->rows, v->gstart[g], v->gstart[g + 1], pid_lo, &r0[g]));
    if (pid_hi == UINT64_MAX) r1[g] = v->gstart[g + 1];
    else PC_CALL(lower_bound(&v->rows, r0[g], v->gstart[g + 1], pid_hi, &r1[g]));
    *n += (size_t)(r1[g] - r0[g]);
  }
  return 0;
}

/* Order of rows by pid alone (a person's rows in any order: screen unites them). */
static int stay_pid_cmp(const void *a, const void *b) {
  const uint64_t x = ((const pc_stay *)a)->pid, y = ((const pc_stay *)b)->pid;
  return (x > y) - (x < y);
}

/* Rows a[0..m) as read: their fingerprints added to *sum, their indices
 * checked against the dictionaries (a damaged index). Local. */
static int rows_read(const pc_aview *v, const pc_arow *a, size_t m, uint64_t *sum) {
  *sum += pc_arows_fingerprint_sum(a, m);
  if (!pc_arows_check(a, m, v->nplaces, v->nregions))
    return PC_ERROR(PC_ERR_DATA, "%s: a row names a place or region beyond the view's "
                                 "dictionaries: the index is damaged (build it again)",
                    v->rows.what);
  return 0;
}

void pc_aview_stays(const pc_aview *v, const pc_arow *a, size_t m, pc_stay *s) {
  for (size_t i = 0; i < m; i++) pc_arow_stay(&a[i], v->t0, v->places, v->regions, &s[i]);
}

/* Local: read the parts (through tmp, room for the largest), each group's
 * fingerprints into sum[g], the stays into out. */
static int read_parts(const pc_aview *v, const uint64_t *r0, const uint64_t *r1, pc_arow *tmp,
                      pc_stay *out, uint64_t *sum) {
  const size_t G = v->L.ntownships * v->L.ndays;
  size_t at = 0;
  for (size_t g = 0; g < G; g++) {
    const size_t m = (size_t)(r1[g] - r0[g]);
    sum[g] = 0;
    if (!m) continue;
    PC_CALL(pc_raw_read(&v->rows, r0[g], m, tmp));
    PC_CALL(rows_read(v, tmp, m, &sum[g]));
    pc_aview_stays(v, tmp, m, out + at);
    at += m;
  }
  return 0;
}

/* Collective, agreed: after this rank's status rc, the marked groups' sums of
 * all ranks (sum[g], summed here) against /area_sum; *total: their rows. */
static int check_sums(pc_ctx *ctx, const pc_aview *v, const uint8_t *sel, uint64_t *sum,
                      uint64_t *total, int rc) {
  const size_t G = v->L.ntownships * v->L.ndays;
  if (!(rc = pc_agree(ctx, rc))) rc = pc_sum_u64(ctx, sum, (int)G);
  *total = 0;
  for (size_t g = 0; g < G && !rc; g++) {
    if (!sel[g]) continue;
    *total += v->gstart[g + 1] - v->gstart[g];
    if (sum[g] != v->gsum[g])
      rc = PC_ERROR(PC_ERR_DATA,
                    "%s: group %zu (rows %llu..%llu) does not match its checksum in /area_sum: "
                    "the index is damaged (build it again)",
                    v->rows.what, g, (unsigned long long)v->gstart[g],
                    (unsigned long long)v->gstart[g + 1]);
  }
  return rc;
}

int pc_aview_read(pc_ctx *ctx, const pc_aview *v, const uint8_t *sel, uint64_t pid_lo,
                  uint64_t pid_hi, pc_stay **rows, size_t *n, uint64_t *total) {
  const size_t G = v->L.ntownships * v->L.ndays;
  uint64_t *r0 = pc_malloc((G + 1) * sizeof *r0, "area view parts");
  uint64_t *r1 = pc_malloc((G + 1) * sizeof *r1, "area view parts");
  uint64_t *sum = pc_malloc((G + 1) * sizeof *sum, "area view parts");
  *rows = NULL;
  *n = 0;
  pc_arow *tmp = NULL;
  int rc = r0 && r1 && sum ? 0 : PC_ERR_MEM;
  if (!rc && pid_lo < pid_hi) rc = parts(v, sel, pid_lo, pid_hi, r0, r1, n);
  else if (!rc) memset(r1, 0, G * sizeof *r1), memset(r0, 0, G * sizeof *r0);
  size_t big = 0;
  for (size_t g = 0; g < G && !rc; g++)
    big = r1[g] - r0[g] > big ? (size_t)(r1[g] - r0[g]) : big;
  if (!rc && !(*rows = pc_malloc((*n + 1) * sizeof **rows, "area rows"))) rc = PC_ERR_MEM;
  if (!rc && !(tmp = pc_malloc((big + 1) * sizeof *tmp, "area rows"))) rc = PC_ERR_MEM;
  if (!rc) rc = read_parts(v, r0, r1, tmp, *rows, sum);
  free(tmp);
  rc = check_sums(ctx, v, sel, sum, total, rc);
  /* Each group's part is sorted by pid; together, by pid: an in-place
   * distribution sort (no second copy of the rows, no heap over thousands of
   * runs: that merge was 45 % of a county-sized screen). */
  if (!rc && *n > 1)
    rc = pc_sort_rows_inplace(*rows, *n, sizeof **rows, pid_lo, pid_hi - 1, stay_pid_cmp);
  free(r0), free(r1), free(sum);
  return pc_agree(ctx, rc);
}

int pc_aview_windows_open(const pc_aview *v, const uint8_t *sel, uint64_t pid_lo, uint64_t pid_hi,
                          size_t window_rows, pc_aview_windows *it) {
  const size_t G = v->L.ntownships * v->L.ndays;
  memset(it, 0, sizeof *it);
  it->v = v, it->sel = sel, it->lo = pid_lo, it->hi = pid_hi;
  it->cur = pc_calloc(G + 1, sizeof *it->cur, "area view cursors");
  it->end = pc_calloc(G + 1, sizeof *it->end, "area view cursors");
  it->sum = pc_calloc(G + 1, sizeof *it->sum, "area view cursors");
  it->next = pc_calloc(G + 1, sizeof *it->next, "area view cursors");
  if (!it->cur || !it->end || !it->sum || !it->next) return PC_ERR_MEM;
  size_t n = 0;
  if (pid_lo < pid_hi) PC_CALL(parts(v, sel, pid_lo, pid_hi, it->cur, it->end, &n));
  it->part = n;
  it->nw = n ? (n + window_rows - 1) / window_rows : 0;
  return 0;
}

/* Pid where window w starts (window nw: the rank's end). */
static uint64_t window_pid(const pc_aview_windows *it, size_t w) {
  if (w >= it->nw) return it->hi;
  return it->lo + (uint64_t)(((unsigned __int128)(it->hi - it->lo) * w) / it->nw);
}

/* Room for m more rows in it's buffer (grown by half again at least). */
static int room(pc_aview_windows *it, size_t n, size_t m) {
  if (n + m <= it->cap) return 0;
  size_t want = n + m > it->cap + it->cap / 2 ? n + m : it->cap + it->cap / 2;
  pc_arow *b = pc_realloc(it->buf, want * sizeof *b, "area view window");
  if (!b) return PC_ERR_MEM;
  it->buf = b, it->cap = want;
  return 0;
}

/* Group g's rows of window w (pids below `upto`; the last window: all the rest)
 * appended at it->buf + *n. */
static int window_group(pc_aview_windows *it, size_t g, int last, uint64_t upto, size_t *n) {
  const size_t left = it->nw - it->w;
  if (!last && it->next[g] >= upto) return 0; /* its next row was read: a later window's */
  while (it->cur[g] < it->end[g]) {
    const uint64_t rest = it->end[g] - it->cur[g];
    /* this window's share and a margin (pids are spread evenly), or all when last */
    uint64_t k = last ? rest : rest / left + rest / left / 16 + 32;
    if (k > rest) k = rest;
    PC_CALL(room(it, *n, (size_t)k));
    pc_arow *r = it->buf + *n;
    PC_CALL(pc_raw_read(&it->v->rows, it->cur[g], (size_t)k, r));
    size_t take = (size_t)k;
    if (!last) { /* the group's part is sorted by pid: the first row of the next window */
      size_t a = 0, b = (size_t)k;
      while (a < b) {
        size_t m = a + (b - a) / 2;
        if (r[m].pid < upto) a = m + 1;
        else b = m;
      }
      take = a;
    }
    PC_CALL(rows_read(it->v, r, take, &it->sum[g]));
    it->cur[g] += take;
    it->next[g] = take < k ? r[take].pid : 0; /* 0: not known */
    *n += take;
    if (take < k || last) break; /* reached the next window (or the end) */
  }
  return 0;
}

int pc_aview_window_next(pc_aview_windows *it, const pc_arow **rows, size_t *n, int *more) {
  *n = 0;
  *rows = it->out;
  *more = it->w < it->nw;
  if (!*more) return 0;
  const int last = it->w + 1 == it->nw;
  const uint64_t upto = window_pid(it, it->w + 1);
  /* Day by day, so that grouping (stable) leaves each person's rows nearly in
   * time order: the union of their intervals then sorts almost nothing. */
  const size_t T = it->v->L.ntownships, D = it->v->L.ndays;
  for (size_t d = 0; d < D; d++)
    for (size_t c = 0; c < T; c++)
      if (it->sel[c * D + d]) PC_CALL(window_group(it, c * D + d, last, upto, n));
  it->w++;
  it->rows += *n;
  if (*n > it->ocap) {
    free(it->out);
    it->ocap = it->cap; /* as large as the read buffer, which only grows */
    if (!(it->out = pc_malloc(it->ocap * sizeof *it->out, "area view window"))) return PC_ERR_MEM;
  }
  /* Each group's part is sorted by pid; grouped by pid out of place (a
   * distribution sort in place was 30 % of a city's screen, its buckets
   * holding one person's many rows sent to qsort). */
  PC_CALL(pc_group_rows(&it->grp, it->buf, *n, sizeof *it->buf, it->out));
  *rows = it->out;
  return 0;
}

int pc_aview_windows_close(pc_ctx *ctx, pc_aview_windows *it, int rc) {
  rc = check_sums(ctx, it->v, it->sel, it->sum, &it->total, rc);
  free(it->cur), free(it->end), free(it->sum), free(it->next), free(it->buf), free(it->out);
  pc_grouper_free(&it->grp);
  it->cur = it->end = it->sum = it->next = NULL, it->buf = it->out = NULL;
  return rc;
}
