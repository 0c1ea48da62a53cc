/* pc_aview.c - the index's area view: the stays by (township, day), written with the index, read selectively by screen. */
#include "pc_aview.h"

#include <stdlib.h>
#include <string.h>

#include "pc_hash.h"
#include "pc_fdio.h"
#include "pc_rowstream.h"
#include "pc_part.h"
#include "pc_region.h"
#include "pc_sort.h"
#include "pc_time.h"

/* Rows of /stays a step when the view is built alone (an appended index):
 * 1 Mi rows, 48 MB. */
#define AVIEW_STEP ((size_t)1 << 20)

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

/* A stay whose place or region the dictionaries lacked when its row was
 * made: the row is made again, and written again, once they are merged. */
typedef struct aview_patch {
  uint64_t row; /* its row of /area_rows (set when its slice is grouped) */
  size_t at;    /* its index in its slice */
  pc_stay s;
} aview_patch;

/* A place of /places as the stays there are made rows: its region's code,
 * that region's index in the dictionary (UINT32_MAX: none) and its township's
 * index in the layout. 16 bytes: one cache line a stay, where three arrays
 * took three. */
typedef struct aview_place {
  uint64_t region;
  uint32_t rindex, township;
} aview_place;

/* What the build keeps while the stays go by, a slice after another. */
struct pc_aview_build {
  pc_aview *v, view;      /* v: &view */
  pc_raw st;
  uint64_t s0, s1;        /* this rank's rows of /stays: whole slices */
  size_t G;
  uint64_t S, k0, k1;     /* slice rows; this rank's slices [k0, k1) */
  uint64_t *bound;        /* k1 - k0 + 1: this rank's slices' first rows (the last: its end);
                             slice k's is bound[k - k0] (BOUND(B, k)) */
  uint64_t nslices;
  uint64_t k;             /* the slice being filled */
  size_t m;               /* its rows so far */
  pc_arow *conv;          /* its rows as made, in /stays order */
  uint32_t *key;          /* their groups */
  char *out[2];           /* slices grouped: one being written while the next is grouped
                             (aligned memory: each slice put at its file offset's place in
                             a block, so the disk takes it without a copy) */
  size_t cap;             /* rows each of those holds (the rank's largest slice) */
  uint64_t *count;        /* G: a slice's rows per group */
  pc_adir *dir;           /* (k1 - k0) x (G + 1): each slice's groups' first rows */
  uint32_t *pl;           /* a step's places' indices */
  size_t plcap;
  pc_rows_out w;          /* /area_rows */
  pc_file dset;
  pc_rowstream *writing;  /* the slice being written, or NULL */
  pc_buf patch;           /* aview_patch */
  size_t patch_done;      /* patches whose slice is grouped */
  pc_dict places, regions;    /* the view's dictionaries: /places' and /regions' first */
  uint32_t *township;         /* per region of the dictionary: its township's index */
  size_t ntownship;           /* regions it covers so far */
  aview_place *place;         /* per place of /places (its index) */
  size_t nplaces0;            /* places of /places (entries of place) */
  pc_dict xplaces, xregions;  /* this rank's stays' places and regions not in them */
};
typedef struct pc_aview_build aview_build;
#define BOUND(B, k) ((B)->bound[(k) - (B)->k0])

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
  if (!rc && !(B->place = pc_malloc((np + 1) * sizeof *B->place, "places"))) rc = PC_ERR_MEM;
  if (!rc) rc = pc_dict_add(&B->regions, 0);
  for (uint64_t i = 0; i < nr && !rc; i++) rc = pc_dict_add(&B->regions, rg[i].code);
  for (uint64_t i = 0; i < np && !rc; i++) {
    const size_t k = B->places.n;
    rc = pc_dict_add(&B->places, pl[i].id);
    if (!rc && B->places.n > k) {
      B->place[k] = (aview_place){pl[i].region, pc_dict_find(&B->regions, pl[i].region),
                                  (uint32_t)pc_agroup_township(&B->v->L, pl[i].region)};
    }
  }
  B->nplaces0 = B->places.n;
  free(pl), free(rg);
  return rc ? rc : townships_fill(B);
}

/* The group of stay s, whose region is at index r of the dictionary
 * (UINT32_MAX: not in it, searched). Local. */
static inline size_t group_of(const aview_build *B, const pc_stay *s, uint32_t r) {
  return r < B->ntownship ? pc_agroup_at(&B->v->L, B->township[r], s->start)
                          : pc_agroup_of(&B->v->L, s);
}

/* Local: the slice k of this rank grouped into out[k % 2] and given to the
 * writer (once the previous slice's writes are done: at most one slice is
 * being written while the next is grouped); its directory row and the
 * patched rows' places in the file set. */
static int slice_done(aview_build *B) {
  const size_t G = B->G, m = B->m;
  const uint64_t k = B->k;
  /* where the slice's first row lies in its disk block, when the table's rows are aligned */
  const size_t shift = (size_t)((B->w.raw.offset + BOUND(B, k) * sizeof(pc_arow)) %
                                PC_DIRECT_ALIGN);
  pc_arow *o = (pc_arow *)(void *)(B->out[k % 2] + (shift % _Alignof(pc_arow) ? 0 : shift));
  memset(B->count, 0, G * sizeof *B->count);
  pc_agroup_sort(G, B->conv, B->key, m, o, B->count);
  pc_adir *d = B->dir + (k - B->k0) * (G + 1);
  uint64_t at = 0;
  for (size_t g = 0; g < G; g++) {
    const size_t c = (size_t)B->count[g];
    d[g].off = (uint32_t)at;
    if (c) B->v->gcount[g] += c, B->v->gsum[g] += pc_arows_fingerprint_sum(o + at, c);
    at += c;
  }
  d[G].off = (uint32_t)at;
  /* where the patched rows went: the sort is stable (rare: one pass when any) */
  aview_patch *pt = B->patch.data;
  if (B->patch_done < B->patch.n) {
    for (size_t g = 0; g < G; g++) B->count[g] = d[g].off;
    size_t j = B->patch_done;
    for (size_t i = 0; i < m && j < B->patch.n; i++) {
      const uint64_t pos = B->count[B->key[i]]++;
      if (pt[j].at == i) pt[j++].row = BOUND(B, k) + pos;
    }
    B->patch_done = B->patch.n;
  }
  PC_CALL(pc_rowstream_finish(B->writing));
  B->writing = NULL;
  PC_CALL(pc_rowstream_start(&B->w, BOUND(B, k), o, m, &B->writing));
  pc_rowstream_ready(B->writing, m);
  B->k++;
  B->m = 0;
  return 0;
}

/* Local: the stays s[0..n), rows [at, at + n) of /stays, made rows of the
 * current slice (a new slice begun at each bound). */
static int take(aview_build *B, const pc_stay *s, uint64_t at, size_t n) {
  pc_aview *v = B->v;
  if (n > B->plcap) {
    uint32_t *p = pc_realloc(B->pl, n * sizeof *p, "area view step");
    if (!p) return PC_ERR_MEM;
    B->pl = p, B->plcap = n;
  }
  pc_dict_find_rows(&B->places, &s[0].place, sizeof *s, n, B->pl);
  const pc_agroup_layout *L = &v->L;
  for (size_t i = 0; i < n;) {
    while (B->k < B->k1 && at + i >= BOUND(B, B->k + 1)) PC_CALL(slice_done(B));
    if (B->k == B->k1 || at + i != BOUND(B, B->k) + B->m)
      return PC_ERROR(PC_ERR_DATA, "area view: stay row %llu out of order",
                      (unsigned long long)(at + i));
    /* the rows of this step in this slice */
    const size_t e = at + n <= BOUND(B, B->k + 1) ? n : (size_t)(BOUND(B, B->k + 1) - at);
    pc_arow *a = B->conv + B->m;
    uint32_t *key = B->key + B->m;
    int64_t dmax = v->dmax;
    for (; i < e; i++, a++, key++) {
      const pc_stay *x = &s[i];
      const uint32_t p = B->pl[i];
      if (x->end - x->start > dmax) dmax = x->end - x->start;
      const aview_place *q = p < B->nplaces0 ? &B->place[p] : NULL;
      if (q && q->region == x->region && q->rindex < PC_AROW_REGIONS &&
          !pc_arow_at(x, v->t0, p, q->rindex, a)) { /* nearly every stay: in its place's region */
        *key = (uint32_t)pc_agroup_at(L, q->township, x->start);
        continue;
      }
      const uint32_t r = pc_dict_find(&B->regions, x->region);
      if (p == UINT32_MAX) {
        v->astray++;
        PC_CALL(pc_dict_add(&B->xplaces, x->place));
      } else {
        v->astray += q->region / 1000 != x->region / 1000;
      }
      if (r == UINT32_MAX || r >= PC_AROW_REGIONS) PC_CALL(pc_dict_add(&B->xregions, x->region));
      if (pc_arow_at(x, v->t0, p, r, a)) {
        if (p != UINT32_MAX && r < PC_AROW_REGIONS)
          return PC_ERROR(PC_ERR_DATA,
                          "%s: row %llu: a stay more than 68 years from the window's start: "
                          "not an area view's row",
                          B->st.what, (unsigned long long)(at + i));
        /* a placeholder (zeros, summed as such), made again once the
         * dictionaries are merged */
        PC_CALL(pc_buf_grow(&B->patch, 1));
        ((aview_patch *)B->patch.data)[B->patch.n++] =
            (aview_patch){.at = (size_t)(a - B->conv), .s = *x};
        memset(a, 0, sizeof *a);
      }
      *key = (uint32_t)group_of(B, x, r < PC_AROW_REGIONS ? r : UINT32_MAX);
    }
    v->dmax = dmax;
    B->m = (size_t)(a - B->conv);
  }
  if (at + n == B->s1) /* the rank's last: its last slice, and every write done */
    while (B->k < B->k1) PC_CALL(slice_done(B));
  if (B->k == B->k1) {
    PC_CALL(pc_rowstream_finish(B->writing));
    B->writing = NULL;
  }
  return 0;
}

int pc_aview_take(void *arg, const pc_stay *s, uint64_t at, size_t n) {
  return n ? take(arg, s, at, n) : 0;
}

/* Local: open /stays and the dictionaries, find the slices, allocate. */
static int build_open(pc_ctx *ctx, pc_file data, const char *data_path, aview_build *B) {
  pc_aview *v = B->v;
  PC_CALL(layout_of(data, v));
  PC_CALL(pc_indexfile_attr_i64(data, "window_start", &v->t0));
  PC_CALL(dicts_open(data, B));
  PC_CALL(pc_raw_open(data, data_path, &pc_schema_stays, &B->st));
  B->G = v->L.ntownships * v->L.ndays;
  B->S = pc_agroup_slice_rows(B->st.nrows);
  B->nslices = pc_agroup_nslices(B->st.nrows);
  /* this rank's slices, found as pc_stays_rank_range finds the index's share
   * (two rows read a slice: each rank its own, not every rank all of them) */
  pc_own_range(B->nslices, pc_rank(ctx), pc_nranks(ctx), &B->k0, &B->k1);
  B->k = B->k0;
  B->bound = pc_malloc((size_t)(B->k1 - B->k0 + 1) * sizeof *B->bound, "area view slices");
  if (!B->bound) return PC_ERR_MEM;
  for (uint64_t k = B->k0; k <= B->k1; k++)
    PC_CALL(pc_stays_person_boundary(&B->st, k * B->S, &BOUND(B, k)));
  B->s0 = BOUND(B, B->k0), B->s1 = BOUND(B, B->k1);
  B->cap = 1;
  for (uint64_t k = B->k0; k < B->k1; k++)
    if (BOUND(B, k + 1) - BOUND(B, k) > B->cap) B->cap = (size_t)(BOUND(B, k + 1) - BOUND(B, k));
  if (B->cap > UINT32_MAX)
    return PC_ERROR(PC_ERR_DATA, "area view: a slice of %zu stays (one person's?)", B->cap);
  const size_t G = B->G;
  B->count = pc_calloc(G + 1, sizeof *B->count, "area view counts");
  B->dir = pc_calloc((size_t)(B->k1 - B->k0) * (G + 1) + 1, sizeof *B->dir, "area view directory");
  B->conv = pc_malloc(B->cap * sizeof *B->conv, "area view slice");
  B->key = pc_malloc(B->cap * sizeof *B->key, "area view slice");
  for (int i = 0; i < 2; i++)
    if (posix_memalign((void **)&B->out[i], PC_DIRECT_ALIGN,
                       B->cap * sizeof(pc_arow) + PC_DIRECT_ALIGN) != 0)
      B->out[i] = NULL;
  v->gsum = pc_calloc(G + 1, sizeof *v->gsum, "area view checksums");
  v->gcount = pc_calloc(G + 1, sizeof *v->gcount, "area view counts");
  pc_buf_init(&B->patch, sizeof(aview_patch));
  return B->count && B->dir && B->conv && B->key && B->out[0] && B->out[1] && v->gsum &&
                 v->gcount
             ? 0
             : PC_ERR_MEM;
}

int pc_aview_begin(pc_ctx *ctx, pc_out *out, pc_file data, const char *data_path,
                   aview_build **res) {
  aview_build *B = pc_calloc(1, sizeof *B, "area view build");
  *res = B;
  PC_CALL(pc_agree(ctx, B ? 0 : PC_ERR_MEM));
  B->v = &B->view;
  B->st.fd = -1;
  B->view.rows.fd = -1;
  B->view.disp.raw.fd = -1;
  B->w.raw.fd = B->w.dfd = -1;
  B->dset = -1;
  PC_CALL(pc_agree(ctx, build_open(ctx, data, data_path, B)));
  PC_CALL(pc_indexfile_rows_create(
      out, &pc_schema_area_rows, B->st.nrows,
      "the area view: every stay, 24 bytes: pid; start and end in seconds after area_t0; "
      "place, an index into /area_places; region_channel, the region's index into "
      "/area_regions in its low 24 bits and the channel above them. Row i is the stay of "
      "/stays row i's slice (/area_slices: the slices' first rows and pids), each slice's "
      "rows grouped by (township, local day of its start): group g = township index (in "
      "/area_townships; the last: townships not in /regions) x area_ndays + day - area_day0 "
      "(clamped to the window), each group in /stays order; /area_dir holds area_ndays x "
      "area_ntownships + 1 entries a slice: each group's first row after the slice's; "
      "area_sum[g] is the fingerprint sum of all its rows; a stay lies under its start's "
      "day only: a query reaches back by area_dmax",
      &B->dset));
  return pc_agree(ctx, pc_indexfile_rows_open(out, B->dset, &pc_schema_area_rows, B->st.nrows,
                                              &B->w));
}

void pc_aview_build_free(aview_build *B) {
  if (!B) return;
  pc_rowstream_finish(B->writing); /* stopped after its current write when not all ready */
  pc_indexfile_rows_close(&B->w);
  pc_indexfile_dset_close(B->dset);
  pc_raw_close(&B->st);
  free(B->bound), free(B->count), free(B->dir), free(B->pl);
  free(B->conv), free(B->key), free(B->out[0]), free(B->out[1]);
  pc_buf_free(&B->patch);
  free(B->place);
  free(B->township);
  pc_dict_free(&B->places), pc_dict_free(&B->regions);
  pc_dict_free(&B->xplaces), pc_dict_free(&B->xregions);
  pc_aview_free(B->v);
  free(B);
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

/* Local: the rows of the patched stays made with the merged dictionaries
 * and written over their placeholders; their fingerprints summed. */
static int patch_rows(aview_build *B) {
  pc_aview *v = B->v;
  const aview_patch *pt = B->patch.data;
  for (size_t j = 0; j < B->patch.n; j++) {
    pc_arow a;
    const uint32_t p = pc_dict_find(&B->places, pt[j].s.place),
                   r = pc_dict_find(&B->regions, pt[j].s.region);
    if (pc_arow_at(&pt[j].s, v->t0, p, r, &a))
      return PC_ERROR(PC_ERR_DATA,
                      "%s: a stay of pid row %llu: more than 68 years from the window's start, "
                      "or beyond the view's dictionaries: not an area view's row",
                      B->st.what, (unsigned long long)pt[j].row);
    const pc_arow zero = {0};
    v->gsum[group_of(B, &pt[j].s, r)] += pc_arow_fingerprint(&a) - pc_arow_fingerprint(&zero);
    PC_CALL(pc_indexfile_rows_write(&B->w, pt[j].row, 1, &a));
  }
  return 0;
}

/* Collective, agreed: each rank's slices' first rows, pids and directory rows. */
static int write_slices(pc_ctx *ctx, pc_out *out, aview_build *B) {
  const size_t mine = (size_t)(B->k1 - B->k0);
  pc_aslice *sl = pc_malloc((mine + 1) * sizeof *sl, "area view slices");
  int rc = sl ? 0 : PC_ERR_MEM;
  for (uint64_t k = B->k0; !rc && k < B->k1; k++) {
    pc_stay x;
    sl[k - B->k0].start = BOUND(B, k);
    sl[k - B->k0].pid = UINT64_MAX; /* an empty slice at the end: no pid */
    if (BOUND(B, k) < B->st.nrows && !(rc = pc_raw_read(&B->st, BOUND(B, k), 1, &x)))
      sl[k - B->k0].pid = x.pid; /* an empty slice's: the next stay's */
  }
  rc = pc_agree(ctx, rc);
  if (!rc)
    rc = pc_indexfile_rows_table(out, &pc_schema_area_slices, B->nslices, B->k0, mine, sl,
                                 "the area view's slices: each one's first row of /area_rows "
                                 "(and of /stays) and that stay's pid");
  free(sl);
  PC_CALL(rc);
  const size_t G1 = B->G + 1;
  return pc_indexfile_rows_table(out, &pc_schema_area_dir, B->nslices * G1, B->k0 * G1,
                                 (size_t)(B->k1 - B->k0) * G1, B->dir,
                                 "the area view's directory: for each slice (of /area_slices), "
                                 "area_ntownships x area_ndays + 1 entries: each group's first "
                                 "row counted from the slice's, then the slice's rows");
}

static int write_tables(pc_ctx *ctx, pc_out *out, const aview_build *B) {
  const pc_aview *v = B->v;
  PC_CALL(pc_indexfile_write_u64s(ctx, out->file, "area_count", v->gcount, B->G));
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
  pc_out_attr_u64(out, "area_nslices", B->nslices);
  pc_out_attr_u64(out, "area_slice_rows", B->S);
  pc_out_attr_i64(out, "area_dmax", v->dmax);
  pc_out_attr_u64(out, "area_places_astray", v->astray);
  return out->rc;
}

int pc_aview_end(pc_ctx *ctx, pc_out *out, aview_build *B, int rc) {
  pc_aview *v = B->v;
  /* a rank whose slices hold no stay (one person's stays span them) saw none */
  while (!rc && B->k < B->k1 && B->m == 0 && BOUND(B, B->k) == BOUND(B, B->k + 1))
    rc = slice_done(B);
  if (!rc && B->k != B->k1) rc = PC_ERROR(PC_ERR_DATA, "area view: slices left unmade");
  const int wrc = pc_rowstream_finish(B->writing);
  B->writing = NULL;
  if (!rc) rc = wrc;
  PC_CALLG(pc_agree(ctx, rc), done);
  uint64_t mx[1] = {(uint64_t)v->dmax}, as = v->astray;
  PC_CALLG(pc_max_u64(ctx, mx, 1), done);
  PC_CALLG(pc_sum_u64(ctx, &as, 1), done);
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
  if (!rc) rc = patch_rows(B);
  PC_CALLG(pc_agree(ctx, rc), done);
  pc_indexfile_rows_close(&B->w);
  pc_indexfile_dset_close(B->dset);
  B->dset = -1;
  PC_CALLG(pc_sum_u64(ctx, v->gsum, (int)B->G), done);
  PC_CALLG(pc_sum_u64(ctx, v->gcount, (int)B->G), done);
  PC_CALLG(write_slices(ctx, out, B), done);
  rc = write_tables(ctx, out, B);
done:
  pc_aview_build_free(B);
  return rc;
}

int pc_aview_write(pc_ctx *ctx, pc_out *out, pc_file data, const char *data_path) {
  aview_build *B = NULL;
  int rc = pc_aview_begin(ctx, out, data, data_path, &B);
  if (rc) {
    pc_aview_build_free(B);
    return rc;
  }
  pc_stay *buf = pc_malloc(AVIEW_STEP * sizeof *buf, "stays step");
  rc = buf ? 0 : PC_ERR_MEM;
  for (uint64_t r = B->s0; r < B->s1 && !rc;) {
    const size_t n = B->s1 - r < AVIEW_STEP ? (size_t)(B->s1 - r) : AVIEW_STEP;
    if (!(rc = pc_raw_read(&B->st, r, n, buf))) rc = take(B, buf, r, n);
    r += n;
  }
  free(buf);
  return pc_aview_end(ctx, out, B, rc);
}

void pc_aview_free(pc_aview *v) {
  pc_raw_close(&v->rows);
  pc_raw_close(&v->dirs);
  free(v->townships), free(v->gcount), free(v->gsum), free(v->slices);
  free(v->places), free(v->regions);
  free(v->dir.stays), free(v->stays_sum);
  pc_disptab_free(&v->disp);
  memset(v, 0, sizeof *v);
  v->rows.fd = -1;
  v->dirs.fd = -1;
  v->disp.raw.fd = -1;
}

/* Local: the view's tables and the index's pid directory of /stays; f is
 * the index (at path), known to hold a view and to be of this dataset. */
static int read_view(pc_file f, const char *path, int64_t at, uint64_t pid_lo, uint64_t pid_hi,
                     pc_aview *v) {
  int64_t nd = 0, bits = 0;
  uint64_t nc = 0, S = 0;
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
  PC_CALL(pc_indexfile_attr_u64(f, "area_nslices", &v->nslices));
  PC_CALL(pc_indexfile_attr_u64(f, "area_slice_rows", &S));
  if (nd < 1 || nd > 100000 || nc < 1 || nc > 10000000 || bits < 1 || bits > 30)
    return PC_ERROR(PC_ERR_DATA, "%s: area view of %lld days, %llu townships (damaged index?)",
                    path, (long long)nd, (unsigned long long)nc);
  v->L.ndays = (uint32_t)nd;
  v->L.ntownships = (size_t)nc;
  const size_t G = v->L.ntownships * v->L.ndays, K = (size_t)1 << bits;
  PC_CALL(pc_indexfile_read_u64s(f, "area_townships", nc, &v->townships));
  v->L.townships = v->townships;
  PC_CALL(pc_indexfile_read_u64s(f, "area_count", G, &v->gcount));
  PC_CALL(pc_indexfile_read_u64s(f, "area_sum", G, &v->gsum));
  v->dir.bits = (int)bits;
  PC_CALL(pc_raw_open(f, path, &pc_schema_area_rows, &v->rows));
  PC_CALL(pc_raw_open(f, path, &pc_schema_area_dir, &v->dirs));
  pc_raw sl = {.fd = -1};
  PC_CALL(pc_raw_open(f, path, &pc_schema_area_slices, &sl));
  int rc = 0;
  if (sl.nrows != v->nslices || v->nslices != pc_agroup_nslices(v->rows.nrows) ||
      S != pc_agroup_slice_rows(v->rows.nrows) || v->dirs.nrows != v->nslices * (G + 1))
    rc = PC_ERROR(PC_ERR_DATA, "%s: the area view's slices do not match its rows (damaged "
                               "index?)", path);
  if (!rc && !(v->slices = pc_malloc((v->nslices + 1) * sizeof *v->slices, "area view slices")))
    rc = PC_ERR_MEM;
  if (!rc) rc = pc_raw_read(&sl, 0, (size_t)v->nslices, v->slices);
  pc_raw_close(&sl);
  PC_CALL(rc);
  v->slices[v->nslices] = (pc_aslice){v->rows.nrows, UINT64_MAX};
  uint64_t rows = 0;
  for (size_t g = 0; g < G; g++) rows += v->gcount[g];
  for (uint64_t k = 0; k < v->nslices; k++)
    if (v->slices[k].start > v->slices[k + 1].start ||
        (k && v->slices[k].pid < v->slices[k - 1].pid) || rows != v->rows.nrows)
      return PC_ERROR(PC_ERR_DATA, "%s: /area_slices or /area_count does not match /area_rows "
                                   "(damaged index?)", path);
  /* The directories' slots of this rank's pids only (at a province, 2^24
   * slots: 0.27 GB the two of either kind, on every rank otherwise). */
  const uint64_t k0 = pc_piddir_key(&v->dir, pid_lo);
  uint64_t k1 = pc_piddir_key(&v->dir, pid_hi == UINT64_MAX ? UINT64_MAX : pid_hi - 1);
  k1 = pid_hi > pid_lo && k1 > k0 ? k1 : k0; /* no pids: one slot, never looked up */
  PC_CALL(pc_disptab_open_part(f, path, (int)bits, k0, k1, &v->disp));
  if (pc_disptab_usable(&v->disp, at)) return 0;
  v->dir.k0 = k0, v->dir.k1 = k1, v->dir.part = 1;
  PC_CALL(pc_indexfile_read_u64s_part(f, "stays_dir", K + 1, k0, k1 + 2, &v->dir.stays));
  return pc_indexfile_read_u64s_part(f, "stays_sum", K, k0, k1 + 1, &v->stays_sum);
}

int pc_aview_open(pc_ctx *ctx, const char *path, pc_file data, int64_t at, uint64_t pid_lo,
                  uint64_t pid_hi, pc_aview *v, int *usable) {
  memset(v, 0, sizeof *v);
  v->rows.fd = -1;
  v->dirs.fd = -1;
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
    rc = read_view(f, path, at, pid_lo, pid_hi, v);
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

/* This rank's part of every marked group: its runs (*run, malloc'd, *n of
 * them) in the slices whose pids meet [pid_lo, pid_hi), in file order
 * (slice, township, day); *rows: their rows. Local. */
static int runs_of(const pc_aview *v, const uint8_t *sel, uint64_t pid_lo, uint64_t pid_hi,
                   pc_arun **run, size_t *n, uint64_t *rows) {
  const size_t G = v->L.ntownships * v->L.ndays, D = v->L.ndays;
  *run = NULL, *n = 0, *rows = 0;
  /* the slices holding pids of [pid_lo, pid_hi): nonempty, pids below the next's */
  uint64_t k0 = 0, k1 = 0;
  while (k0 < v->nslices && v->slices[k0 + 1].pid <= pid_lo) k0++;
  for (k1 = k0; k1 < v->nslices && v->slices[k1].pid < pid_hi;) k1++;
  if (pid_lo >= pid_hi || k0 >= k1) return 0;
  size_t nsel = 0;
  for (size_t g = 0; g < G; g++) nsel += sel[g] != 0;
  pc_adir *d = pc_malloc((G + 1) * sizeof *d, "area view directory");
  pc_arun *r = pc_malloc((nsel * (size_t)(k1 - k0) + 1) * sizeof *r, "area view runs");
  int rc = d && r ? 0 : PC_ERR_MEM;
  size_t m = 0;
  for (uint64_t k = k0; k < k1 && !rc; k++) {
    if ((rc = pc_raw_read(&v->dirs, k * (G + 1), G + 1, d))) break;
    const uint64_t base = v->slices[k].start;
    if (d[G].off != v->slices[k + 1].start - base) {
      rc = PC_ERROR(PC_ERR_DATA, "%s: /area_dir of slice %llu does not match its rows "
                                 "(damaged index?)", v->rows.what, (unsigned long long)k);
      break;
    }
    uint32_t last_c = UINT32_MAX;
    for (size_t g = 0; g < G && !rc; g++) {
      if (!sel[g]) continue;
      pc_arun x = {base + d[g].off, base + d[g + 1].off, (uint32_t)g, 0};
      if (d[g].off > d[g + 1].off || d[g + 1].off > d[G].off) {
        rc = PC_ERROR(PC_ERR_DATA, "%s: /area_dir of slice %llu does not match its rows "
                                   "(damaged index?)", v->rows.what, (unsigned long long)k);
        break;
      }
      if (x.r0 == x.r1) continue;
      /* the first and last slices may hold other ranks' pids too */
      if (v->slices[k].pid < pid_lo) rc = lower_bound(&v->rows, x.r0, x.r1, pid_lo, &x.r0);
      if (!rc && v->slices[k + 1].pid > pid_hi && pid_hi != UINT64_MAX)
        rc = lower_bound(&v->rows, x.r0, x.r1, pid_hi, &x.r1);
      if (rc || x.r1 == x.r0) continue;
      x.span = last_c != g / D;
      last_c = (uint32_t)(g / D);
      r[m++] = x, *rows += x.r1 - x.r0;
    }
  }
  free(d);
  if (rc) {
    free(r);
    return rc;
  }
  *run = r, *n = m;
  return 0;
}

/* The end of the span that run j begins: its township's last run in its slice. */
static size_t span_end(const pc_arun *run, size_t j, size_t end) {
  size_t e = j + 1;
  while (e < end && !run[e].span) e++;
  return e;
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

/* The span of runs [j, e) (a township's marked days in a slice, and the
 * unmarked days between them) read into dst with one read, each run's rows
 * checked and added to its group's sum; *m: the rows read. Local. */
static int span_read(const pc_aview *v, const pc_arun *run, size_t j, size_t e, uint64_t *sum,
                     pc_arow *dst, size_t *m) {
  const uint64_t r0 = run[j].r0;
  *m = (size_t)(run[e - 1].r1 - r0);
  PC_CALL(pc_raw_read(&v->rows, r0, *m, dst));
  for (; j < e; j++)
    PC_CALL(rows_read(v, dst + (run[j].r0 - r0), (size_t)(run[j].r1 - run[j].r0), &sum[run[j].g]));
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
    *total += v->gcount[g];
    if (sum[g] != v->gsum[g])
      rc = PC_ERROR(PC_ERR_DATA,
                    "%s: group %zu (township %zu, day %zu; %llu rows) does not match its "
                    "checksum in /area_sum: the index is damaged (build it again)",
                    v->rows.what, g, g / v->L.ndays, g % v->L.ndays,
                    (unsigned long long)v->gcount[g]);
  }
  return rc;
}

int pc_aview_read(pc_ctx *ctx, const pc_aview *v, const uint8_t *sel, uint64_t pid_lo,
                  uint64_t pid_hi, pc_stay **rows, size_t *n, uint64_t *total) {
  const size_t G = v->L.ntownships * v->L.ndays;
  uint64_t *sum = pc_calloc(G + 1, sizeof *sum, "area view sums");
  pc_arun *run = NULL;
  size_t nrun = 0;
  uint64_t part = 0;
  *rows = NULL;
  *n = 0;
  pc_arow *tmp = NULL;
  int rc = sum ? 0 : PC_ERR_MEM;
  if (!rc) rc = runs_of(v, sel, pid_lo, pid_hi, &run, &nrun, &part);
  size_t big = 0; /* the largest span: a township's runs in a slice, read together */
  for (size_t j = 0; j < nrun && !rc; j = span_end(run, j, nrun)) {
    const size_t e = span_end(run, j, nrun);
    big = run[e - 1].r1 - run[j].r0 > big ? (size_t)(run[e - 1].r1 - run[j].r0) : big;
  }
  if (!rc && !(*rows = pc_malloc((part + 1) * sizeof **rows, "area rows"))) rc = PC_ERR_MEM;
  if (!rc && !(tmp = pc_malloc((big + 1) * sizeof *tmp, "area rows"))) rc = PC_ERR_MEM;
  for (size_t j = 0; j < nrun && !rc;) {
    const size_t e = span_end(run, j, nrun);
    size_t got;
    if (!(rc = span_read(v, run, j, e, sum, tmp, &got)))
      for (const uint64_t r0 = run[j].r0; j < e; j++) {
        const size_t m = (size_t)(run[j].r1 - run[j].r0);
        pc_aview_stays(v, tmp + (run[j].r0 - r0), m, *rows + *n), *n += m;
      }
  }
  free(tmp), free(run);
  rc = check_sums(ctx, v, sel, sum, total, rc);
  /* Each run is sorted by pid; together, by pid: an in-place distribution
   * sort (no second copy of the rows, no heap over thousands of runs: that
   * merge was 45 % of a county-sized screen). */
  if (!rc && *n > 1)
    rc = pc_sort_rows_inplace(*rows, *n, sizeof **rows, pid_lo, pid_hi - 1, stay_pid_cmp);
  free(sum);
  return pc_agree(ctx, rc);
}

int pc_aview_windows_open(const pc_aview *v, const uint8_t *sel, uint64_t pid_lo, uint64_t pid_hi,
                          size_t window_rows, pc_aview_windows *it) {
  const size_t G = v->L.ntownships * v->L.ndays;
  memset(it, 0, sizeof *it);
  it->v = v, it->sel = sel, it->lo = pid_lo, it->hi = pid_hi;
  it->sum = pc_calloc(G + 1, sizeof *it->sum, "area view cursors");
  if (!it->sum) return PC_ERR_MEM;
  PC_CALL(runs_of(v, sel, pid_lo, pid_hi, &it->run, &it->nrun, &it->part));
  it->wrun = pc_malloc((it->nrun + 2) * sizeof *it->wrun, "area view windows");
  if (!it->wrun) return PC_ERR_MEM;
  /* Windows of whole slices: a slice's spans (its townships' marked days,
   * read whole) added while the window stays within window_rows, or alone. */
  size_t w = 0, most = 0, in = 0;
  it->wrun[0] = 0;
  for (size_t j = 0; j < it->nrun;) {
    /* the next slice's runs [j, e): those below the next slice's first row */
    size_t a = 0, b = (size_t)v->nslices; /* the first slice starting past run j */
    while (a < b) {
      const size_t m = a + (b - a) / 2;
      if (v->slices[m + 1].start > it->run[j].r0) b = m;
      else a = m + 1;
    }
    const uint64_t next = v->slices[a + 1].start;
    size_t e = j, slice_rows = 0;
    while (e < it->nrun && it->run[e].r0 < next) {
      const size_t f = span_end(it->run, e, it->nrun);
      slice_rows += (size_t)(it->run[f - 1].r1 - it->run[e].r0);
      e = f;
    }
    if (in && in + slice_rows > window_rows) { /* this slice begins the next window */
      it->wrun[++w] = j;
      most = in > most ? in : most;
      in = 0;
    }
    in += slice_rows;
    j = e;
  }
  if (it->nrun) {
    it->wrun[++w] = it->nrun;
    most = in > most ? in : most;
  }
  it->nw = w;
  it->cap = most;
  return 0;
}

int pc_aview_window_next(pc_aview_windows *it, const pc_arow **rows, size_t *n, int *more) {
  *n = 0;
  *rows = it->buf;
  *more = it->w < it->nw;
  if (!*more) return 0;
  const size_t j0 = it->wrun[it->w], j1 = it->wrun[it->w + 1], D = it->v->L.ndays;
  if (!it->buf) {
    it->buf = pc_malloc((it->cap + 1) * sizeof *it->buf, "area view window");
    it->out = pc_malloc((it->cap + 1) * sizeof *it->out, "area view window");
    it->at = pc_malloc((it->nrun + 1) * sizeof *it->at, "area view window");
    it->order = pc_malloc((it->nrun + 1) * sizeof *it->order, "area view window");
    it->day = pc_malloc((D + 1) * sizeof *it->day, "area view window");
    if (!it->buf || !it->out || !it->at || !it->order || !it->day) return PC_ERR_MEM;
  }
  /* each span with one read, in file order */
  size_t got = 0;
  for (size_t j = j0; j < j1;) {
    const size_t e = span_end(it->run, j, j1);
    size_t m;
    PC_CALL(span_read(it->v, it->run, j, e, it->sum, it->buf + got, &m));
    for (const uint64_t r0 = it->run[j].r0; j < e; j++) it->at[j] = got + (size_t)(it->run[j].r0 - r0);
    got += m;
  }
  /* Runs day by day (stable: a person's rows of a day by township), so that
   * grouping (stable) leaves each person's rows nearly in time order: the
   * union of their intervals then sorts almost nothing. */
  size_t *cnt = it->day; /* D + 1 (an index may hold 100,000 days: not on the stack) */
  memset(cnt, 0, (D + 1) * sizeof *cnt);
  for (size_t j = j0; j < j1; j++) cnt[it->run[j].g % D + 1]++;
  for (size_t d = 0; d < D; d++) cnt[d + 1] += cnt[d];
  for (size_t j = j0; j < j1; j++) it->order[j0 + cnt[it->run[j].g % D]++] = j;
  for (size_t i = j0; i < j1; i++) {
    const pc_arun *x = &it->run[it->order[i]];
    const size_t m = (size_t)(x->r1 - x->r0);
    memcpy(it->out + *n, it->buf + it->at[it->order[i]], m * sizeof *it->out);
    *n += m;
  }
  it->w++;
  it->rows += *n;
  /* Each run is sorted by pid; grouped by pid out of place (a distribution
   * sort in place was 30 % of a city's screen, its buckets holding one
   * person's many rows sent to qsort). */
  PC_CALL(pc_group_rows(&it->grp, it->out, *n, sizeof *it->out, it->buf));
  *rows = it->buf;
  return 0;
}

int pc_aview_windows_close(pc_ctx *ctx, pc_aview_windows *it, int rc) {
  rc = check_sums(ctx, it->v, it->sel, it->sum, &it->total, rc);
  free(it->run), free(it->wrun), free(it->sum), free(it->at), free(it->order), free(it->day);
  free(it->buf), free(it->out);
  pc_grouper_free(&it->grp);
  it->run = NULL, it->wrun = it->at = it->order = it->day = NULL, it->sum = NULL;
  it->buf = it->out = NULL;
  return rc;
}
