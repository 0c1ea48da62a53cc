/* pc_feed.c - rows fed to rank 0 piece by piece while their senders go on with their own work. */
#include <stdlib.h>

#include "pc_mpi_impl.h"

/* One tag for every piece: MPI keeps the messages of one sender and tag in
 * the order they were sent, so rank 0's i-th receive from a rank is that
 * rank's i-th piece. */
enum { FEED_TAG = 7121 };

struct pc_feed {
  MPI_Datatype row;
  MPI_Request *req;
  size_t cap, n; /* requests room, posted */
};

/* rowsize bytes as one element, so a piece's count is its rows (< 2^31). */
static int row_type(size_t rowsize, MPI_Datatype *t) {
  if (rowsize > INT32_MAX) return PC_ERROR(PC_ERR_ARG, "feed: rows of %zu bytes", rowsize);
  PC_MPI(MPI_Type_contiguous((int)rowsize, MPI_BYTE, t));
  PC_MPI(MPI_Type_commit(t));
  return 0;
}

size_t pc_feed_rows(size_t bytes, size_t rowsize) {
  const char *t = getenv("PAICHA_TEST_FEED_ROWS"); /* tests only: many rounds of small data */
  if (t && atol(t) > 0) return (size_t)atol(t);
  return bytes / (rowsize ? rowsize : 1);
}

int pc_feed_new(size_t pieces, pc_feed **out) {
  pc_feed *f = pc_calloc(1, sizeof *f, "feed");
  if (f) f->req = pc_malloc((pieces + 1) * sizeof *f->req, "feed requests");
  if (!f || !f->req) {
    free(f);
    return PC_ERR_MEM;
  }
  f->row = MPI_DATATYPE_NULL;
  f->cap = pieces;
  *out = f;
  return 0;
}

int pc_feed_send(pc_ctx *ctx, pc_feed *f, const void *rows, size_t rowsize, size_t pieces,
                 const uint64_t *start, const uint64_t *count) {
  if (ctx->rank == 0 || pieces > f->cap)
    return PC_ERROR(PC_ERR_ARG, "feed: %zu pieces sent by rank %d", pieces, ctx->rank);
  for (size_t i = 0; i < pieces; i++)
    if (count[i] >= INT32_MAX) return PC_ERROR(PC_ERR_ARG, "feed: a piece of 2^31 rows");
  PC_CALL(row_type(rowsize, &f->row));
  for (size_t i = 0; i < pieces; i++) {
    if (!count[i]) continue; /* rank 0 knows it: nothing sent */
    PC_MPI(MPI_Isend((const char *)rows + start[i] * rowsize, (int)count[i], f->row, 0, FEED_TAG,
                     ctx->comm, &f->req[f->n]));
    f->n++;
    ctx->bytes_moved += count[i] * rowsize;
  }
  return 0;
}

int pc_feed_poll(pc_feed *f) {
  int done = 0;
  if (f && f->n) PC_MPI(MPI_Testall((int)f->n, f->req, &done, MPI_STATUSES_IGNORE));
  return 0;
}

int pc_feed_end(pc_feed *f) {
  if (!f) return 0;
  int rc = 0;
  if (f->n && MPI_Waitall((int)f->n, f->req, MPI_STATUSES_IGNORE) != MPI_SUCCESS)
    rc = PC_ERROR(PC_ERR_MPI, "feed: a piece for rank 0 was not sent");
  if (f->row != MPI_DATATYPE_NULL) MPI_Type_free(&f->row);
  free(f->req);
  free(f);
  return rc;
}

int pc_feed_take(pc_ctx *ctx, void *buf, size_t rowsize, const uint64_t *count) {
  const int P = ctx->nranks;
  if (ctx->rank != 0) return PC_ERROR(PC_ERR_ARG, "feed: taken on rank %d", ctx->rank);
  MPI_Request *req = pc_malloc((size_t)P * sizeof *req, "feed requests");
  MPI_Datatype row = MPI_DATATYPE_NULL;
  int rc = req ? row_type(rowsize, &row) : PC_ERR_MEM;
  int n = 0;
  size_t at = 0;
  for (int s = 1; s < P && !rc; s++) {
    if (!count[s]) continue;
    if (count[s] >= INT32_MAX) rc = PC_ERROR(PC_ERR_ARG, "feed: a piece of 2^31 rows");
    else if (MPI_Irecv((char *)buf + at * rowsize, (int)count[s], row, s, FEED_TAG, ctx->comm,
                       &req[n]) != MPI_SUCCESS)
      rc = PC_ERROR(PC_ERR_MPI, "feed: cannot receive from rank %d", s);
    else n++;
    at += count[s];
  }
  /* the receives posted are waited for, also after a failure: none is left pending */
  if (n && MPI_Waitall(n, req, MPI_STATUSES_IGNORE) != MPI_SUCCESS && !rc)
    rc = PC_ERROR(PC_ERR_MPI, "feed: a piece from a rank did not come");
  if (row != MPI_DATATYPE_NULL) MPI_Type_free(&row);
  free(req);
  return rc;
}
