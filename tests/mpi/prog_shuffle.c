/* prog_shuffle.c - pc_shuffle and pc_shuffle_others at any rank count (t_shuffle runs it at
 * 1-4 ranks): every row reaches its destination once, in its source's order, whatever the
 * rounds, the grouping of the input or a rank with nothing to send; pc_shuffle_others leaves
 * each rank's own rows out and still counts them; rows fed to rank 0 (pc_feed) come round by
 * round in rank order. Exit 0, or 1 with what went wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_mpi.h"

typedef struct row {
  uint32_t src, i; /* sending rank, index among its rows */
  int32_t dest;
  uint32_t check;
  uint64_t pad[2]; /* 32 bytes, a size pc_shuffle copies by a known memcpy */
} row;

static int failures;
#define EXPECT(c, ...)                                       \
  do {                                                       \
    if (!(c)) {                                              \
      fprintf(stderr, "prog_shuffle: " __VA_ARGS__);         \
      fputc('\n', stderr);                                   \
      failures++;                                            \
    }                                                        \
  } while (0)

/* Rank s's rows in case c: a count that depends on s (rank 1 sends none) and destinations
 * at random, or ascending (grouped: sent from where they are). */
static size_t make_rows(int s, int P, int c, int grouped, row **out, int **dest) {
  const size_t n = s == 1 ? 0 : (size_t)(1000 + 337 * s + 101 * c);
  row *r = calloc(n + 1, sizeof *r);
  int *d = calloc(n + 1, sizeof *d);
  uint64_t z = 0x9e3779b97f4a7c15ull * (uint64_t)(s + 1) + (uint64_t)c;
  for (size_t i = 0; i < n; i++) {
    z ^= z << 13, z ^= z >> 7, z ^= z << 17;
    d[i] = grouped ? (int)(i * (size_t)P / n) : (int)(z % (uint64_t)P);
    r[i] = (row){.src = (uint32_t)s, .i = (uint32_t)i, .dest = d[i], .check = (uint32_t)(z >> 32)};
  }
  *out = r, *dest = d;
  return n;
}

/* One case: what arrived at this rank is, source by source, the rows sent to it in order
 * (its own rows only with pc_shuffle); rounds of `round` bytes. */
static void one_case(pc_ctx *ctx, int c, int grouped, int others, size_t round) {
  const int P = pc_nranks(ctx), me = pc_rank(ctx);
  pc_ctx_set_round_bytes(ctx, round);
  row *r;
  int *d;
  const size_t n = make_rows(me, P, c, grouped, &r, &d);
  pc_buf out;
  pc_buf_init(&out, sizeof(row));
  uint64_t sent = 0;
  int rc = others ? pc_shuffle_others(ctx, r, n, sizeof(row), d, &out, &sent)
                  : pc_shuffle(ctx, r, n, sizeof(row), d, &out, &sent);
  EXPECT(rc == 0, "case %d: the shuffle failed (%d)", c, rc);
  size_t self = 0;
  for (size_t i = 0; i < n; i++) self += d[i] == me;
  EXPECT(sent == (n - self) * sizeof(row), "case %d: %llu bytes sent, %zu rows to others", c,
         (unsigned long long)sent, n - self);
  /* Expected: each source's rows for me, in its order; received rows are interleaved by
   * round, so they are compared source by source. */
  const row *got = out.data;
  size_t want_total = 0;
  for (int s = 0; s < P; s++) {
    row *sr;
    int *sd;
    const size_t sn = make_rows(s, P, c, grouped, &sr, &sd);
    size_t k = 0;
    for (size_t j = 0; j < out.n; j++) {
      if (got[j].src != (uint32_t)s) continue;
      while (k < sn && sd[k] != me) k++;
      EXPECT(k < sn && memcmp(&got[j], &sr[k], sizeof(row)) == 0,
             "case %d: row %zu received from rank %d is not its next row for rank %d", c, j, s,
             me);
      k++;
    }
    size_t mine = 0;
    for (size_t i = 0; i < sn; i++) mine += sd[i] == me;
    if (!(others && s == me)) want_total += mine;
    while (k < sn && sd[k] != me) k++;
    EXPECT(k == sn || (others && s == me), "case %d: rows of rank %d for rank %d missing", c, s,
           me);
    if (others && s == me)
      for (size_t j = 0; j < out.n; j++)
        EXPECT(got[j].src != (uint32_t)me, "case %d: pc_shuffle_others delivered a row to itself",
               c);
    free(sr);
    free(sd);
  }
  EXPECT(out.n == want_total, "case %d: %zu rows received, %zu expected", c, out.n, want_total);
  pc_buf_free(&out);
  free(r);
  free(d);
}

/* A destination out of range on the last rank only: every rank is told (no rank left
 * waiting in the exchange) and nothing arrives. */
/* Rows received into the block that holds the rows sent (dispatch's): with no room past
 * them, the block is not grown under the rows being sent - every rank is told instead
 * (at 1 rank nothing comes: fine). */
static void no_room(pc_ctx *ctx, int c) {
  const int P = pc_nranks(ctx), me = pc_rank(ctx);
  enum { N = 500 };
  row *r = calloc(N, sizeof *r);
  int *d = calloc(N, sizeof *d);
  for (int i = 0; i < N; i++) d[i] = (me + 1 + i) % P;
  pc_buf out = {.data = r, .n = N, .cap = N, .rowsize = sizeof(row)};
  const int rc = pc_shuffle_others(ctx, r, N, sizeof(row), d, &out, NULL);
  EXPECT(P == 1 ? rc == 0 : rc != 0, "case %d: rank %d: %s", c, me,
         P == 1 ? "a shuffle with nothing to receive failed"
                : "the block was grown under the rows sent");
  EXPECT(out.data == r, "case %d: the block moved", c);
  pc_err_clear();
  free(out.data);
  free(d);
}

/* Rows fed to rank 0 (pc_feed): each rank s > 0 sends R pieces of its rows, piece i of a size
 * both sides derive ((s * 7 + i * 3) % 5 rows: some empty), polling between; rank 0 takes
 * them round by round and finds each rank's rows in rank order, in the order sent. */
static void feed_case(pc_ctx *ctx, int c) {
  enum { R = 40 };
  const int P = pc_nranks(ctx), me = pc_rank(ctx);
  uint64_t start[R], count[R], total = 0;
  for (int i = 0; i < R; i++) {
    start[i] = total;
    count[i] = (uint64_t)((me * 7 + i * 3) % 5);
    total += count[i];
  }
  row *r = calloc(total + 1, sizeof *r);
  for (uint64_t i = 0; i < total; i++) r[i] = (row){.src = (uint32_t)me, .i = (uint32_t)i};
  if (me) {
    pc_feed *f = NULL;
    EXPECT(!pc_feed_new(R, &f), "case %d: no room to feed rank 0", c);
    EXPECT(!pc_feed_send(ctx, f, r, sizeof *r, R, start, count), "case %d: not sent", c);
    for (int i = 0; i < R; i++) EXPECT(!pc_feed_poll(f), "case %d: poll failed", c);
    EXPECT(!pc_feed_end(f), "case %d: the pieces did not all go", c);
  } else {
    row *buf = calloc(5 * (size_t)P, sizeof *buf);
    uint64_t *want = calloc((size_t)P, sizeof *want), *n = calloc((size_t)P, sizeof *n);
    for (int i = 0; i < R; i++) {
      uint64_t at = 0;
      for (int s = 1; s < P; s++) n[s] = (uint64_t)((s * 7 + i * 3) % 5);
      EXPECT(!pc_feed_take(ctx, buf, sizeof *buf, n), "case %d: round %d not taken", c, i);
      for (int s = 1; s < P; s++)
        for (uint64_t k = 0; k < n[s]; k++, at++) {
          EXPECT(buf[at].src == (uint32_t)s && buf[at].i == want[s],
                 "case %d: round %d: row %u of rank %u where row %llu of rank %d belongs", c, i,
                 buf[at].i, buf[at].src, (unsigned long long)want[s], s);
          want[s]++;
        }
    }
    free(buf), free(want), free(n);
  }
  free(r);
}

static void bad_destination(pc_ctx *ctx, int c) {
  const int P = pc_nranks(ctx), me = pc_rank(ctx);
  row r[3] = {{0}};
  int d[3] = {0, 0, me == P - 1 ? P : 0};
  pc_buf out;
  pc_buf_init(&out, sizeof(row));
  const int rc = pc_shuffle(ctx, r, 3, sizeof(row), d, &out, NULL);
  EXPECT(rc != 0, "case %d: a destination out of range went unnoticed on rank %d", c, me);
  EXPECT(out.n == 0, "case %d: %zu rows arrived from a failed shuffle", c, out.n);
  pc_err_clear();
  pc_buf_free(&out);
}

int main(int argc, char **argv) {
  if (pc_mpi_init(&argc, &argv)) return 1;
  pc_ctx *ctx = NULL;
  if (pc_ctx_create("shuffle", &ctx)) return 1;
  pc_ctx_set_quiet(ctx, 1);
  int c = 0;
  for (int grouped = 0; grouped < 2; grouped++)
    for (int others = 0; others < 2; others++) {
      one_case(ctx, c++, grouped, others, (size_t)64 << 20); /* one round */
      one_case(ctx, c++, grouped, others, 7 * sizeof(row));  /* hundreds of rounds */
      one_case(ctx, c++, grouped, others, 3 * sizeof(row) + 1); /* three rows a round */
    }
  bad_destination(ctx, c++);
  feed_case(ctx, c++);
  no_room(ctx, c++);
  uint64_t bad = (uint64_t)failures;
  pc_sum_u64(ctx, &bad, 1);
  if (pc_rank(ctx) == 0)
    printf("shuffle: %d cases at %d ranks, %llu failures\n", c, pc_nranks(ctx),
           (unsigned long long)bad);
  pc_ctx_destroy(&ctx);
  pc_mpi_finalize();
  return bad ? 1 : 0;
}
