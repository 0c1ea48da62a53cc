/* pc_shuffle.c - all-to-all exchange of rows in bounded rounds (counts first, then rows). */
#include <stdlib.h>
#include <string.h>

#include "pc_mpi_impl.h"

/* One row copied: a memcpy of a size known here (the rows of the big
 * shuffles are 16 to 64 bytes) is a few moves; of the row size as a variable
 * it is a call into glibc's memcpy a row (perf: __memmove_avx512_unaligned_erms,
 * a tenth of rank 0's samples in ingest's stays phase; the phase's time did
 * not move measurably, the first touches of the rows' pages rule it). */
static inline void copy_row(char *restrict d, const char *restrict s, size_t size) {
  switch (size) {
    case 16: memcpy(d, s, 16); return;
    case 24: memcpy(d, s, 24); return;
    case 32: memcpy(d, s, 32); return;
    case 40: memcpy(d, s, 40); return;
    case 48: memcpy(d, s, 48); return;
    case 56: memcpy(d, s, 56); return;
    case 64: memcpy(d, s, 64); return;
    default: memcpy(d, s, size);
  }
}

/*
 * One round, ranks r0..r2, budget B rows per rank per round:
 *
 *   input rows [kB, (k+1)B), in input order      send window (grouped by destination)
 *   rank 0: | ->2 ->0 ->1 ->0 ->1 ->1 |   ==>    | ->0 ->0 | ->1 ->1 ->1 | ->2 |
 *
 * Each round reads the next B input rows in order and scatters them into the
 * window by destination (P sequential write streams, no random gather over the
 * whole table). Counts go first (MPI_Alltoall), then rows (MPI_Alltoallv with a
 * row-sized contiguous datatype, so counts are rows, not bytes, and stay below
 * 2^31). Received rows land directly at the end of `out`: from each source they
 * keep that source's input order, interleaved by round; callers sort what they
 * receive. The only extra buffer is one round's send window (kept in ctx).
 */
/* pc_shuffle and pc_shuffle_others: with keep_self, the rows for this rank
 * stay where they are (not appended to out). */
static int shuffle(pc_ctx *ctx, const void *rows, size_t n, size_t rowsize, const int *dest,
                   pc_buf *out, uint64_t *sent_bytes, int keep_self) {
  const int P = ctx->nranks;
  int rc = 0;
  if (out->rowsize != rowsize) return PC_ERROR(PC_ERR_ARG, "shuffle: row size mismatch");
  size_t B = ctx->round_bytes / rowsize;
  if (B < 1) B = 1;
  if (B > (size_t)INT32_MAX / (size_t)P) B = (size_t)INT32_MAX / (size_t)P;

  size_t *fill = pc_calloc((size_t)P, sizeof *fill, "shuffle offsets");
  /* Rows already grouped by destination (dest ascending: pc_group_by_dest)
   * are sent from where they are, each round's slice being grouped too: no
   * window, whose pages a shuffle of a thousand cases' hits (57 MB a rank)
   * touched for the first time. One pass finds that and checks the
   * destinations. */
  int grouped = 1;
  for (size_t i = 0; i < n && !rc; i++) {
    if (dest[i] < 0 || dest[i] >= P)
      rc = PC_ERROR(PC_ERR_ARG, "shuffle: destination %d out of range", dest[i]);
    grouped &= !i || dest[i - 1] <= dest[i];
  }
  size_t need = grouped || rc ? 0 : (n < B ? n : B) * rowsize;
  if (need > ctx->shuffle_cap) {
    free(ctx->shuffle_win);
    ctx->shuffle_cap = 0;
    ctx->shuffle_win = pc_malloc(need, "shuffle send window");
    if (ctx->shuffle_win) ctx->shuffle_cap = need;
  }
  char *win = need ? ctx->shuffle_win : NULL;
  int *scnt = pc_calloc((size_t)P * 4, sizeof *scnt, "shuffle counts");
  MPI_Datatype rowtype = MPI_DATATYPE_NULL;
  if (!rc && (!fill || (need && !win) || !scnt)) rc = PC_ERR_MEM;
  /* Every rank must learn of a local failure, or the others wait in Alltoall. */
  if ((rc = pc_agree(ctx, rc))) goto done;
  int *sdis = scnt + P, *rcnt = scnt + 2 * P, *rdis = scnt + 3 * P;
  uint64_t rounds = (n + B - 1) / B;
  if ((rc = pc_max_u64(ctx, &rounds, 1))) goto done;
  if (MPI_Type_contiguous((int)rowsize, MPI_BYTE, &rowtype) != MPI_SUCCESS ||
      MPI_Type_commit(&rowtype) != MPI_SUCCESS) {
    rc = PC_ERROR(PC_ERR_MPI, "shuffle: cannot make row datatype");
    goto done;
  }
  uint64_t nsent = 0, nrecv = 0, nself = 0;
  ctx->shuffle_rounds += rounds;
  for (uint64_t k = 0; k < rounds; k++) {
    size_t lo = k * B < n ? k * B : n, hi = lo + B < n ? lo + B : n;
    for (int p = 0; p < P; p++) scnt[p] = 0;
    for (size_t i = lo; i < hi; i++) scnt[dest[i]]++;
    for (int p = 0, o = 0; p < P; p++) {
      sdis[p] = o;
      fill[p] = (size_t)o;
      o += scnt[p];
    }
    nself += (uint64_t)scnt[ctx->rank];
    /* Rows for this rank skip the window and MPI: copied once, after the
     * exchange, into their place among the received rows. */
    const int me = ctx->rank;
    const char *send = grouped ? (const char *)rows + lo * rowsize : win;
    for (size_t i = lo; i < hi && !grouped; i++)
      if (dest[i] != me)
        copy_row(win + fill[dest[i]]++ * rowsize, (const char *)rows + i * rowsize, rowsize);
    if (MPI_Alltoall(scnt, 1, MPI_INT, rcnt, 1, MPI_INT, ctx->comm) != MPI_SUCCESS) {
      rc = PC_ERROR(PC_ERR_MPI, "shuffle: MPI_Alltoall of counts failed");
      goto done;
    }
    if (keep_self) rcnt[me] = 0;
    size_t tot = 0;
    for (int p = 0; p < P; p++) {
      rdis[p] = (int)tot;
      tot += (size_t)rcnt[p];
    }
    const uintptr_t at = (uintptr_t)rows, base = (uintptr_t)out->data;
    if (out->n + tot > out->cap && n && at >= base && at < base + out->cap * rowsize)
      rc = PC_ERROR(PC_ERR_ARG, "shuffle: %zu rows came to a block of %zu that holds the rows "
                    "sent (it cannot grow under them)", out->n + tot, out->cap);
    else
      rc = pc_buf_reserve(out, out->n + tot > out->cap ? (out->n + tot) + (out->n + tot) / 4
                                                       : out->cap);
    if ((rc = pc_agree(ctx, rc))) goto done;
    int self = scnt[me];
    scnt[me] = rcnt[me] = 0;
    if (MPI_Alltoallv(send, scnt, sdis, rowtype, (char *)out->data + out->n * rowsize, rcnt, rdis,
                      rowtype, ctx->comm) != MPI_SUCCESS) {
      rc = PC_ERROR(PC_ERR_MPI, "shuffle: MPI_Alltoallv of rows failed");
      goto done;
    }
    char *mine = (char *)out->data + (out->n + (size_t)rdis[me]) * rowsize;
    for (size_t i = lo; i < hi && !keep_self; i++)
      if (dest[i] == me) {
        copy_row(mine, (const char *)rows + i * rowsize, rowsize);
        mine += rowsize;
      }
    out->n += tot;
    nsent += hi - lo;
    nrecv += tot + (keep_self ? (size_t)self : 0);
  }
  uint64_t cons[2] = {nsent, nrecv};
  if ((rc = pc_sum_u64(ctx, cons, 2))) goto done;
  if (cons[0] != cons[1]) {
    rc = PC_ERROR(PC_ERR_MPI, "shuffle lost rows: %llu sent, %llu received",
                  (unsigned long long)cons[0], (unsigned long long)cons[1]);
    goto done;
  }
  {
    uint64_t off = (uint64_t)(n - nself) * rowsize;
    ctx->bytes_moved += off;
    if (sent_bytes) *sent_bytes = off;
  }
done:
  if (rowtype != MPI_DATATYPE_NULL) MPI_Type_free(&rowtype);
  free(fill);
  free(scnt);
  return rc;
}

int pc_shuffle(pc_ctx *ctx, const void *rows, size_t n, size_t rowsize, const int *dest,
               pc_buf *out, uint64_t *sent_bytes) {
  return shuffle(ctx, rows, n, rowsize, dest, out, sent_bytes, 0);
}

int pc_shuffle_others(pc_ctx *ctx, const void *rows, size_t n, size_t rowsize, const int *dest,
                      pc_buf *out, uint64_t *sent_bytes) {
  return shuffle(ctx, rows, n, rowsize, dest, out, sent_bytes, 1);
}

/* Each pair's pieces as one derived datatype a side (hindexed over rows,
 * offsets in bytes from the buffer), so MPI_Alltoallw places every piece
 * where it goes with no staging copy of ours. */
int pc_exchange_pieces(pc_ctx *ctx, size_t rowsize, const void *send, const uint64_t *sstart,
                       const uint64_t *scount, void *recv, size_t nb, const uint64_t *rstart,
                       const uint64_t *rcount) {
  const int P = ctx->nranks, me = ctx->rank;
  int *ones = pc_calloc((size_t)P * 2, sizeof *ones, "exchange counts");
  int *lens = pc_calloc(nb + 1, sizeof *lens, "exchange pieces");
  MPI_Aint *disp = pc_calloc(nb + 1, sizeof *disp, "exchange pieces");
  MPI_Datatype *types = pc_calloc((size_t)P * 2 + 1, sizeof *types, "exchange types");
  MPI_Datatype rowtype = MPI_DATATYPE_NULL;
  int *zero = pc_calloc((size_t)P, sizeof *zero, "exchange displacements");
  int rc = ones && lens && disp && types && zero ? 0 : PC_ERR_MEM;
  for (int i = 0; types && i < 2 * P; i++) types[i] = MPI_DATATYPE_NULL;
  for (int q = 0; q < P && !rc; q++) {
    if (scount[q] >= INT32_MAX) rc = PC_ERROR(PC_ERR_ARG, "exchange: a piece of 2^31 rows");
    for (size_t k = 0; k < nb && !rc; k++)
      if (rcount[(size_t)q * nb + k] >= INT32_MAX)
        rc = PC_ERROR(PC_ERR_ARG, "exchange: a piece of 2^31 rows");
  }
  if (!rc && (MPI_Type_contiguous((int)rowsize, MPI_BYTE, &rowtype) != MPI_SUCCESS ||
              MPI_Type_commit(&rowtype) != MPI_SUCCESS))
    rc = PC_ERROR(PC_ERR_MPI, "exchange: cannot make the row datatype");
  uint64_t sent = 0;
  for (int q = 0; q < P && !rc; q++) {
    int n1 = (int)scount[q];
    MPI_Aint d1 = (MPI_Aint)(sstart[q] * rowsize);
    ones[q] = 1;
    if (q != me) sent += scount[q] * rowsize;
    if (MPI_Type_create_hindexed(1, &n1, &d1, rowtype, &types[q]) != MPI_SUCCESS ||
        MPI_Type_commit(&types[q]) != MPI_SUCCESS)
      rc = PC_ERROR(PC_ERR_MPI, "exchange: cannot make a send datatype");
  }
  for (int s = 0; s < P && !rc; s++) {
    for (size_t k = 0; k < nb; k++) {
      lens[k] = (int)rcount[(size_t)s * nb + k];
      disp[k] = (MPI_Aint)(rstart[(size_t)s * nb + k] * rowsize);
    }
    ones[P + s] = 1;
    if (MPI_Type_create_hindexed((int)nb, lens, disp, rowtype, &types[P + s]) != MPI_SUCCESS ||
        MPI_Type_commit(&types[P + s]) != MPI_SUCCESS)
      rc = PC_ERROR(PC_ERR_MPI, "exchange: cannot make a receive datatype");
  }
  /* every rank learns of a local failure before the collective */
  rc = pc_agree(ctx, rc);
  /* displacements 0: the types carry the pieces' places */
  if (!rc && MPI_Alltoallw(send, ones, zero, types, recv, ones + P, zero, types + P,
                           ctx->comm) != MPI_SUCCESS)
    rc = PC_ERROR(PC_ERR_MPI, "exchange: MPI_Alltoallw failed");
  if (!rc) ctx->bytes_moved += sent;
  for (int i = 0; types && i < 2 * P; i++)
    if (types[i] != MPI_DATATYPE_NULL) MPI_Type_free(&types[i]);
  if (rowtype != MPI_DATATYPE_NULL) MPI_Type_free(&rowtype);
  free(ones), free(lens), free(disp), free(types), free(zero);
  return rc;
}
