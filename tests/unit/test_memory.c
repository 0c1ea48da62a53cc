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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buddy),
      cmocka_unit_test(test_huge_pages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
