/* pc_rowstream.c - a row table written by a thread while the rows are still being finished. */
#include "pc_rowstream.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"

/* Rows wait until this many bytes are final (or the last are): few, large writes. */
#define STREAM_PIECE ((uint64_t)32 << 20)

struct pc_rowstream {
  pc_rows_out *w;
  const char *rows;
  uint64_t at, n;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t more;
  uint64_t ready;   /* rows final (the caller's) */
  int stop;         /* the caller gave up: write no more */
  uint64_t written; /* rows written (the thread's) */
  int err;          /* errno of the failed write, 0 */
};

static void *stream_main(void *arg) {
  pc_rowstream *s = arg;
  const uint64_t rs = s->w->raw.rowsize, piece = STREAM_PIECE / rs + 1;
  for (;;) {
    pthread_mutex_lock(&s->lock);
    while (!s->stop && s->ready < s->n && s->ready - s->written < piece)
      pthread_cond_wait(&s->more, &s->lock);
    const uint64_t upto = s->ready;
    const int stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    if (stop || upto == s->written) break;
    s->err = pc_indexfile_rows_put(s->w, s->at + s->written, (size_t)(upto - s->written),
                                   s->rows + s->written * rs);
    if (s->err) break;
    s->written = upto;
    if (upto == s->n) break;
  }
  return NULL;
}

int pc_rowstream_start(pc_rows_out *w, uint64_t at, const void *rows, uint64_t n,
                       pc_rowstream **out) {
  *out = NULL;
  if (n == 0) return 0;
  PC_CALL(pc_indexfile_rows_fit(w, at, n));
  pc_rowstream *s = pc_calloc(1, sizeof *s, "row writer");
  if (!s) return PC_ERR_MEM;
  s->w = w, s->rows = rows, s->at = at, s->n = n;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->more, NULL);
  int e = pthread_create(&s->thread, NULL, stream_main, s);
  if (e) {
    pthread_cond_destroy(&s->more);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return PC_ERROR(PC_ERR_IO, "%s: cannot start a thread to write it: %s", w->raw.what,
                    strerror(e));
  }
  *out = s;
  return 0;
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
  if (!gave_up && (s->err || s->written != s->n))
    rc = pc_indexfile_rows_failed(s->w, s->at + s->written, s->at + s->n, s->err ? s->err : EIO);
  pthread_cond_destroy(&s->more);
  pthread_mutex_destroy(&s->lock);
  free(s);
  return rc;
}
