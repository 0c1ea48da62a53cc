/* pc_stay_buckets.c - a dataset's stays counted by place bucket: made with /stays, read by index. */
#include "pc_stay_buckets.h"

#include <stdlib.h>

#include "pc_budget.h"
#include "pc_index.h"

int pc_stay_buckets_init(pc_ctx *ctx, const pc_config *cfg, pc_stay_buckets *h, uint64_t nstays) {
  h->nb = pc_index_buckets(nstays, 0);
  h->count = NULL;
  PC_CALL(pc_budget_check_more(ctx, cfg, "the stays' bucket counts (/stay_buckets)",
                               (double)h->nb * sizeof *h->count));
  h->count = pc_calloc(h->nb, sizeof *h->count, "the stays' bucket counts");
  return pc_agree(ctx, h->count ? 0 : PC_ERR_MEM);
}

void pc_stay_buckets_add(pc_stay_buckets *h, const pc_stay *s, size_t n) {
  pc_stays_bucket_count(s, n, h->nb, h->count);
}

void pc_stay_buckets_free(pc_stay_buckets *h) {
  free(h->count);
  h->count = NULL;
}

int pc_stay_buckets_write(pc_ctx *ctx, pc_out *out, pc_stay_buckets *h, uint64_t checksum) {
  PC_CALL(pc_agree(ctx, h->count ? 0 : PC_ERR_MEM));
  PC_CALL(pc_sum_u64(ctx, h->count, (int)h->nb));
  PC_CALL(pc_indexfile_table_u64s(
      out, "stay_buckets", h->count, h->nb,
      "rows of /stays in each place bucket of the index (the place hashed, and for lbs and "
      "grid its local day), at the bucket count index chooses for these stays by default: "
      "index reads them instead of counting; they count the stays whose stays_checksum is "
      "the root attribute stay_buckets_checksum"));
  return pc_out_attr_u64(out, "stay_buckets_checksum", checksum);
}

int pc_stay_buckets_of(pc_ctx *ctx, const pc_config *cfg, pc_out *out, const pc_stay *s,
                       size_t n, uint64_t nstays, uint64_t checksum) {
  pc_stay_buckets h;
  PC_CALL(pc_stay_buckets_init(ctx, cfg, &h, nstays));
  pc_stay_buckets_add(&h, s, n);
  const int rc = pc_stay_buckets_write(ctx, out, &h, checksum);
  pc_stay_buckets_free(&h);
  return rc;
}

int pc_stay_buckets_read(pc_ctx *ctx, pc_file data, const char *path, uint64_t nstays,
                         uint32_t nb, uint64_t *count, int *have, uint64_t *length,
                         const char **why) {
  *have = 0;
  *length = 0;
  uint64_t tag = 0, sum = 0, len = 0;
  if (!pc_indexfile_has(data, "stay_buckets") ||
      !pc_indexfile_has_attr(data, "stay_buckets_checksum")) {
    *why = "the dataset has no /stay_buckets";
    return 0;
  }
  if (!pc_indexfile_has_attr(data, "stays_checksum")) {
    *why = "the dataset has no stays_checksum";
    return 0;
  }
  PC_CALL(pc_agree(ctx, pc_indexfile_attr_u64(data, "stay_buckets_checksum", &tag)));
  PC_CALL(pc_agree(ctx, pc_indexfile_attr_u64(data, "stays_checksum", &sum)));
  PC_CALL(pc_agree(ctx, pc_indexfile_length(data, "stay_buckets", &len)));
  if (tag != sum) {
    *why = "its /stay_buckets counted other stays";
    return 0;
  }
  if (len < nb || len % nb || (len & (len - 1))) {
    *why = "its /stay_buckets counts other buckets";
    return 0;
  }
  int rc = 0;
  if (pc_rank(ctx) == 0) {
    uint64_t *h = NULL, total = 0;
    rc = pc_indexfile_read_u64s(data, "stay_buckets", (size_t)len, &h);
    for (uint64_t k = 0; k < len && !rc; k++) {
      count[k & (nb - 1)] += h[k];
      total += h[k];
    }
    free(h);
    if (!rc && total != nstays)
      rc = PC_ERROR(PC_ERR_DATA,
                    "%s: /stay_buckets counts %llu stays, /stays holds %llu: the file is "
                    "damaged; make it again, or delete /stay_buckets (index then counts the "
                    "stays itself)",
                    path, (unsigned long long)total, (unsigned long long)nstays);
  }
  PC_CALL(pc_agree(ctx, rc));
  *have = 1;
  *length = len;
  return 0;
}
