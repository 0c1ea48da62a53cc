/* test_memory.c - cmocka tests of the memory helpers: /proc/buddyinfo read right, and the
 * huge pages pc_mem_huge_pages turns on really given, to big blocks and to the heap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pc_err.h"
#include "pc_mpi.h"

/* A node of this VM's kind, as /proc/buddyinfo prints it. */
static const char BUDDY[] =
    "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n"
    "Node 0, zone    DMA32      0      4      2      2      1      2      0      3      3      1    753 \n"
    "Node 0, zone   Normal   2322   1726    644   2468    859   1381    727    380    157     51   2473 \n";

static void test_buddy(void **state) {
  (void)state;
  const double MB = 1048576.0;
  /* Order 9 (2 MB) and 10 (4 MB) blocks of 4 KB pages, over the three zones. */
  const double want2m = ((1 + 1 + 51) * 2.0 + (3 + 753 + 2473) * 4.0) * MB;
  assert_true(pc_buddy_free_bytes(BUDDY, 9, 4096) == want2m);
  /* Order 10 alone: the 4 MB blocks. */
  assert_true(pc_buddy_free_bytes(BUDDY, 10, 4096) == (3 + 753 + 2473) * 4.0 * MB);
  /* Order 0: every free page; the DMA zone's line alone. */
  const char *dma = "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3\n";
  assert_true(pc_buddy_free_bytes(dma, 0, 4096) == (256 + 512 + 3 * 1024) * 4096.0);
  /* Two nodes add up; text of another shape (or none) is nothing. */
  char two[sizeof BUDDY * 2];
  snprintf(two, sizeof two, "%s%s", BUDDY, BUDDY);
  assert_true(pc_buddy_free_bytes(two, 9, 4096) == 2 * want2m);
  assert_true(pc_buddy_free_bytes("", 9, 4096) == 0);
  assert_true(pc_buddy_free_bytes("MemTotal: 24683748 kB\n", 0, 4096) == 0);
  assert_true(pc_buddy_free_bytes("Node 0, zone Normal x y\n", 0, 4096) == 0);
}

/* The kB of `field` in /proc/self/smaps_rollup, -1 when unreadable. */
static long smaps_kb(const char *field) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  char line[256];
  long kb = -1;
  const size_t n = strlen(field);
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, field, n) && line[n] == ':') kb = atol(line + n + 1);
  if (f) fclose(f);
  return kb;
}

/* THP's setting here: "madvise", "always", "never" or NULL when unknown. */
static const char *thp_mode(void) {
  static char buf[128];
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[got] = 0;
  return strstr(buf, "[madvise]") ? "madvise" : strstr(buf, "[always]") ? "always"
         : strstr(buf, "[never]") ? "never" : NULL;
}

/* Once turned on, a big block and the heap's growth (blocks of 1 MB, which glibc
 * takes from the heap) are backed by 2 MB pages where the kernel can give them. */
static void test_huge_pages(void **state) {
  (void)state;
  const char *mode = thp_mode();
  if (!mode || !strcmp(mode, "never") || smaps_kb("AnonHugePages") < 0) {
    printf("# THP off or unknown here: huge pages not checked\n");
    skip();
  }
  pc_mem_huge_pages();
  const long before = smaps_kb("AnonHugePages");
  const size_t big = (size_t)64 << 20;
  unsigned char *b = pc_malloc(big, "test block");
  memset(b, 1, big);
  const long with_big = smaps_kb("AnonHugePages");
  printf("# THP %s: AnonHugePages %ld kB, %ld kB with a 64 MB block\n", mode, before, with_big);
  assert_true(with_big - before >= 32 * 1024); /* at least half the block */
#if defined(__SANITIZE_ADDRESS__)
  /* Under AddressSanitizer malloc is ASan's, not glibc's: its heap is not the one advised. */
  printf("# AddressSanitizer's heap: the heap's blocks not checked\n");
  free(b);
  return;
#endif
  enum { N = 64 };
  unsigned char *small[N];
  for (int i = 0; i < N; i++) {
    small[i] = pc_malloc((size_t)1 << 20, "test heap block");
    memset(small[i], 2, (size_t)1 << 20);
  }
  const long with_heap = smaps_kb("AnonHugePages");
  printf("# and %ld kB with 64 blocks of 1 MB from the heap\n", with_heap);
  assert_true(with_heap - with_big >= 32 * 1024);
  for (int i = 0; i < N; i++) assert_true(small[i][i] == 2);
  for (int i = 0; i < N; i++) free(small[i]);
  assert_true(b[big - 1] == 1);
  free(b);
}

/* A row buffer keeps its rows as it grows, whichever way it grows: mostly
 * empty (a round's buffer emptied for the next: a new block, only the rows
 * held copied) or mostly full (realloc), small or past glibc's mapping
 * threshold; a reserve it already has leaves the block where it is. */
static void check_rows(const pc_buf *b, uint64_t seed) {
  const uint64_t *r = b->data;
  for (size_t i = 0; i < b->n; i++) assert_true(r[i] == seed + i * 7);
}

static void fill(pc_buf *b, size_t n, uint64_t seed) {
  assert_int_equal(pc_buf_grow(b, n), 0);
  for (size_t i = 0; i < n; i++) ((uint64_t *)b->data)[b->n + i] = seed + (b->n + i) * 7;
  b->n += n;
}

static void test_buf_reserve(void **state) {
  (void)state;
  pc_buf b;
  pc_buf_init(&b, sizeof(uint64_t));
  fill(&b, 1000, 11);
  const size_t big = (size_t)64 << 20 >> 3; /* 64 MB of rows: a mapped block */
  for (int round = 0; round < 2; round++) {
    /* mostly empty: 3 rows held of the room */
    b.n = 0;
    fill(&b, 3, 5);
    assert_int_equal(pc_buf_reserve(&b, b.cap * 4), 0);
    assert_int_equal(b.n, 3);
    check_rows(&b, 5);
    /* mostly full: every row held */
    b.n = 0;
    fill(&b, b.cap - 1, 9);
    const size_t held = b.n;
    assert_int_equal(pc_buf_reserve(&b, round ? big * 2 : b.cap * 3), 0);
    assert_int_equal(b.n, held);
    check_rows(&b, 9);
    /* no growth: the same block, the same rows */
    void *at = b.data;
    assert_int_equal(pc_buf_reserve(&b, b.cap / 2), 0);
    assert_ptr_equal(b.data, at);
    check_rows(&b, 9);
    /* empty and past the threshold: a new block, nothing to copy */
    b.n = 0;
    assert_int_equal(pc_buf_reserve(&b, b.cap + big), 0);
    fill(&b, 100, 3);
    check_rows(&b, 3);
  }
  pc_buf_free(&b);
  assert_null(b.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buddy),
      cmocka_unit_test(test_huge_pages),
      cmocka_unit_test(test_buf_reserve),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
