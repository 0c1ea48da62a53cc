/* pc_rowstream.c - a row table written by a thread while the rows are still being finished. */
#include "pc_rowstream.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_fdio.h"

/* Rows wait until this many bytes are final (or the last are): few, large writes. */
#define STREAM_PIECE ((uint64_t)32 << 20)

struct pc_rowstream {
  pc_rows_out *w;
  const char *rows;
  uint64_t at, n;
  uint64_t cap;     /* row i is at rows[i % cap]: n for rows given whole, less for a ring */
  void *ring;       /* the ring's block (ours to free), or NULL */
  char *seam;       /* a ring's block of the file across its end (PC_DIRECT_ALIGN bytes) */
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t more, room;
  uint64_t ready;   /* rows final (the caller's) */
  uint64_t want;    /* bytes the caller waits to see written (a ring's room) */
  int stop;         /* the caller gave up: write no more */
  uint64_t written; /* bytes of the rows written (the thread's; under the lock) */
  int ended;        /* the thread wrote its last row or stopped (under the lock) */
  int err;          /* errno of the failed write, 0 */
};

/* Where the thread's next write from byte wb of the rows ends, given the
 * bytes final rb (all the rows': total); wb when there is none. Every write
 * but the last ends at a block of the file, so that none begins or ends
 * with a part of a block (written through the page cache, such a part cost
 * a read of the block from the disk first: tens of ms each, two a write).
 * None runs past a ring's end; the block across it is written on its own
 * (stream_seam). *now: the write ends where it must (the last rows, the
 * ring's end, the block across it): no reason to wait for more. */
static uint64_t write_end(const pc_rowstream *s, uint64_t wb, uint64_t rb, uint64_t total,
                          uint64_t base, int *now) {
  const uint64_t A = PC_DIRECT_ALIGN, ringb = s->cap * s->w->raw.rowsize;
  const uint64_t wrap = (wb / ringb + 1) * ringb; /* the ring's end after wb */
  const uint64_t seam = (base + wrap) / A * A - base; /* the block across it begins here */
  *now = 1;
  if (wrap < total && wb >= seam) { /* that block: once its bytes past the end are final */
    const uint64_t e = seam + A < total ? seam + A : total;
    return rb >= e ? e : wb;
  }
  const uint64_t stop = wrap < total ? seam : total; /* seam > wb here */
  if (rb >= stop) return stop;
  *now = 0;
  const uint64_t fe = (base + rb) / A * A; /* in the file: rb may lie in wb's block */
  return fe > base + wb ? fe - base : wb;
}

/* Bytes [wb, e) of a ring that cross its end, one block of the file: put
 * together in s->seam, written in one piece. */
static int stream_seam(pc_rowstream *s, uint64_t wb, uint64_t e) {
  const uint64_t ringb = s->cap * s->w->raw.rowsize, k = ringb - wb % ringb;
  memcpy(s->seam, s->rows + wb % ringb, k);
  memcpy(s->seam + k, s->rows, e - wb - k);
  return pc_indexfile_bytes_put(s->w, s->at * s->w->raw.rowsize + wb, e - wb, s->seam);
}

static void *stream_main(void *arg) {
  pc_rowstream *s = arg;
  const uint64_t rs = s->w->raw.rowsize, total = s->n * rs, ringb = s->cap * rs;
  const uint64_t base = s->w->raw.offset + s->at * rs; /* the first row's place in the file */
  uint64_t wb = 0, e = 0;
  for (;;) {
    pthread_mutex_lock(&s->lock);
    for (;;) { /* a piece final, a waiting caller, or the last rows */
      int now;
      e = write_end(s, wb, s->ready * rs, total, base, &now);
      if (s->stop || (e > wb && (now || e - wb >= STREAM_PIECE || s->want > wb))) break;
      pthread_cond_wait(&s->more, &s->lock);
    }
    const int stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    if (stop) break;
    if (wb / ringb != (e - 1) / ringb) /* across the ring's end */
      s->err = stream_seam(s, wb, e);
    else
      s->err = pc_indexfile_bytes_put(s->w, s->at * rs + wb, (size_t)(e - wb),
                                      s->rows + wb % ringb);
    if (s->err) break;
    wb = e;
    pthread_mutex_lock(&s->lock);
    s->written = wb;
    pthread_cond_signal(&s->room);
    pthread_mutex_unlock(&s->lock);
    if (wb == total) break;
  }
  pthread_mutex_lock(&s->lock);
  s->ended = 1;
  pthread_cond_signal(&s->room);
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

static int stream_start(pc_rows_out *w, uint64_t at, const void *rows, uint64_t n, uint64_t cap,
                        void *ring, void *seam, pc_rowstream **out) {
  pc_rowstream *s = pc_calloc(1, sizeof *s, "row writer");
  if (!s) {
    free(ring);
    free(seam);
    return PC_ERR_MEM;
  }
  s->w = w, s->rows = rows, s->at = at, s->n = n, s->cap = cap, s->ring = ring, s->seam = seam;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->more, NULL);
  pthread_cond_init(&s->room, NULL);
  int e = pthread_create(&s->thread, NULL, stream_main, s);
  if (e) {
    pthread_cond_destroy(&s->more);
    pthread_cond_destroy(&s->room);
    pthread_mutex_destroy(&s->lock);
    free(s->ring);
    free(s->seam);
    free(s);
    return PC_ERROR(PC_ERR_IO, "%s: cannot start a thread to write it: %s", w->raw.what,
                    strerror(e));
  }
  *out = s;
  return 0;
}

int pc_rowstream_start(pc_rows_out *w, uint64_t at, const void *rows, uint64_t n,
                       pc_rowstream **out) {
  *out = NULL;
  if (n == 0) return 0;
  PC_CALL(pc_indexfile_rows_fit(w, at, n));
  return stream_start(w, at, rows, n, n, NULL, NULL, out);
}

int pc_rowstream_start_ring(pc_rows_out *w, uint64_t at, uint64_t n, uint64_t cap,
                            pc_rowstream **out) {
  *out = NULL;
  if (n == 0) return 0;
  PC_CALL(pc_indexfile_rows_fit(w, at, n));
  /* The ring never lies as the file's blocks do: its writes go through the
   * writer's aligned bounce buffer. Straight from the ring (pc_pwrite_direct
   * takes memory aligned as the file as it is), ingest's /stays took 0.5-1 s
   * longer a rank on this VM, in requests of 8 MB or of 75 MB alike; through
   * the bounce, 0.3 s less than without the thread (docs/PERFORMANCE.md). */
  const uint64_t rs = w->raw.rowsize, A = PC_DIRECT_ALIGN;
  if (cap > n) cap = n;          /* a small table: no more room than its rows */
  cap = (cap + A - 1) / A * A; /* cap * rs is then whole blocks */
  const size_t shift = (size_t)((w->raw.offset + at * rs + A / 2) % A);
  void *ring = NULL;
  if (posix_memalign(&ring, A, (size_t)(cap * rs) + shift) != 0)
    return PC_ERROR(PC_ERR_MEM, "out of memory for the writes of %s (%.0f MB)", w->raw.what,
                    (double)(cap * rs) / 1e6);
  void *seam = NULL;
  if (posix_memalign(&seam, A, A) != 0) {
    free(ring);
    return PC_ERROR(PC_ERR_MEM, "out of memory for the writes of %s", w->raw.what);
  }
  return stream_start(w, at, (char *)ring + shift, n, cap, ring, seam, out);
}

void *pc_rowstream_room(pc_rowstream *s, uint64_t from, uint64_t k) {
  const uint64_t rs = s->w->raw.rowsize, need = from + k > s->cap ? (from + k - s->cap) * rs : 0;
  pthread_mutex_lock(&s->lock);
  if (need > s->want) s->want = need;
  pthread_cond_signal(&s->more); /* rows below need must go now, whole pieces or not */
  while (!s->ended && s->written < need) pthread_cond_wait(&s->room, &s->lock);
  const int ok = s->written >= need;
  pthread_mutex_unlock(&s->lock);
  return ok ? (char *)s->rows + from % s->cap * s->w->raw.rowsize : NULL;
}

void pc_rowstream_ready(pc_rowstream *s, uint64_t upto) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  if (upto > s->ready) s->ready = upto < s->n ? upto : s->n;
  pthread_cond_signal(&s->more);
  pthread_mutex_unlock(&s->lock);
}

int pc_rowstream_finish(pc_rowstream *s) {
  if (!s) return 0;
  pthread_mutex_lock(&s->lock);
  const int gave_up = s->ready < s->n;
  s->stop = gave_up;
  pthread_cond_signal(&s->more);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  int rc = 0;
  /* a failed write is told even when the caller gave up (a ring's caller
   * stops because of it) */
  const uint64_t done = s->written / s->w->raw.rowsize;
  if (s->err || (!gave_up && done != s->n))
    rc = pc_indexfile_rows_failed(s->w, s->at + done, s->at + s->n, s->err ? s->err : EIO);
  pthread_cond_destroy(&s->more);
  pthread_cond_destroy(&s->room);
  pthread_mutex_destroy(&s->lock);
  free(s->ring);
  free(s->seam);
  free(s);
  return rc;
}
