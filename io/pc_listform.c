/* pc_listform.c - what a dispatch list shows a person: the batch stamp, file names, columns, Chinese labels. */
#include "pc_listform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pc_err.h"
#include "pc_sort.h"
#include "pc_time.h"

mode_t pc_listform_file_mode(void) {
  mode_t um = umask(0);
  umask(um);
  return 0666 & ~um;
}

void pc_listform_batch(pc_list_batch *b, int64_t as_of, int64_t run_at, const char *source) {
  char t[24];
  b->as_of = as_of;
  b->run_at = run_at;
  b->source = source;
  snprintf(b->as_of_local, sizeof b->as_of_local, "%s (UTC+8)", pc_listform_local_time(as_of, t));
  pc_time_format(as_of, t); /* "2021-08-09T00:00": the stamp keeps its digits */
  snprintf(b->stamp, sizeof b->stamp, "%.4s%.2s%.2s-%.2s%.2s", t, t + 5, t + 8, t + 11, t + 14);
  struct tm tmv;
  time_t tt = (time_t)run_at;
  gmtime_r(&tt, &tmv);
  strftime(b->run_time, sizeof b->run_time, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

void pc_listform_stem(pc_list_info *l, const pc_list_batch *b) {
  if (l->jurisdiction)
    snprintf(l->stem, sizeof l->stem, "%llu-%s.%s", (unsigned long long)l->short_code, l->name,
             b->stamp);
  else
    snprintf(l->stem, sizeof l->stem, "unassigned.%s", b->stamp);
  for (char *p = l->stem; *p; p++)
    if (*p == '/' || *p == ' ' || *p == '\t') *p = '_';
}

char *pc_listform_local_time(int64_t t, char *buf) {
  pc_time_format(t, buf);
  buf[10] = ' ';
  return buf;
}

const pc_list_col pc_listform_cols[PC_LISTFORM_NCOLS] = {
    {"class", "类别", PC_LIST_PLAIN, 14},
    {"code", "赋码", PC_LIST_PLAIN, 7},
    {"subject", "证件号码", PC_LIST_TEXT, 21},
    {"subject_type", "证件类型", PC_LIST_PLAIN, 12},
    {"phone", "手机号", PC_LIST_TEXT, 13},
    {"age_band", "年龄段", PC_LIST_PLAIN, 8},
    {"exposure", "接触时间", PC_LIST_TIME, 17},
    {"place", "接触地点/区域", PC_LIST_PLAIN, 30},
    {"channel", "发现渠道", PC_LIST_PLAIN, 11},
    {"township", "居住乡镇代码", PC_LIST_TEXT, 14},
    {"township_name", "居住乡镇", PC_LIST_PLAIN, 14},
    {"community", "居住社区代码", PC_LIST_TEXT, 14},
    {"community_name", "居住社区", PC_LIST_PLAIN, 16},
    {"jurisdiction", "管辖地代码", PC_LIST_TEXT, 14},
    {"jurisdiction_name", "管辖地", PC_LIST_PLAIN, 12},
};
const size_t pc_listform_ncols = PC_LISTFORM_NCOLS;

/* The Chinese a caller reads for the English values the HDF5 list keeps. */
static const char *const zh_labels[][2] = {
    {"red", "红码"}, {"yellow", "黄码"}, {"green", "绿码"},
    {"id_card", "居民身份证"}, {"passport", "护照"}, {"hk_macao", "港澳居民来往内地通行证"},
    {"taiwan", "台湾居民来往大陆通行证"}, {"foreign_pr", "外国人永久居留身份证"},
    {"other", "其他证件"}, {"phone", "手机号"},
    {"case", "病例本人"}, {"household", "同住"}, {"cafe", "场所扫码"}, {"lodging", "同住宿"},
    {"flight", "同航班"}, {"rail", "同车厢"}, {"lbs", "基站时空伴随"}, {"grid", "时空网格"},
    {"screening", "区域筛查"}, {"unknown", "未知"},
    {"confirmed", "确诊病例"}, {"asymptomatic", "无症状感染者"}, {"suspected", "疑似病例"},
    {"companion", "时空伴随者"}, {"screened", "风险区域到访者"}};

static const char *zh(const char *en) {
  for (size_t i = 0; i < sizeof zh_labels / sizeof zh_labels[0]; i++)
    if (!strcmp(en, zh_labels[i][0])) return zh_labels[i][1];
  return en;
}

/* hop0: the case (by status), hop1: close contact, hop2: secondary, hopN: Nth generation. */
static const char *class_zh(const pc_list_row *x, char *buf) {
  unsigned hop;
  if (sscanf(x->cls, "hop%u", &hop) != 1) return zh(x->cls);
  if (hop == 0) { /* the case, by its status (12 bytes, not always NUL-terminated) */
    snprintf(buf, 128, "%.*s", (int)strnlen(x->root_status, sizeof x->root_status), x->root_status);
    const char *s = zh(buf);
    return s != buf ? s : "病例";
  }
  if (hop <= 2) return hop == 1 ? "密切接触者" : "次密切接触者";
  snprintf(buf, 128, "第%u代接触者", hop);
  return buf;
}

static const char *code_text(uint64_t code, char *buf) {
  if (!code) return "";
  snprintf(buf, 128, "%llu", (unsigned long long)code);
  return buf;
}

static const char *str(const char *s, size_t size, char *buf) {
  snprintf(buf, 128, "%.*s", (int)strnlen(s, size), s);
  return buf;
}
#define STR(f) str(x->f, sizeof x->f, buf)

const char *pc_listform_cell(const pc_list_row *x, size_t col, char *buf) {
  switch (col) {
    case 0: return class_zh(x, buf);
    case 1: return zh(STR(code));
    case 2: return STR(subject);
    case 3: return zh(STR(subject_type));
    case 4: return STR(phone);
    case 5: return zh(STR(age_band));
    case 6: return pc_listform_local_time(x->exposure, buf);
    case 7: return STR(place);
    case 8: return zh(STR(channel));
    case 9: return code_text(x->township, buf);
    case 10: return STR(township_name);
    case 11: return code_text(x->community, buf);
    case 12: return STR(community_name);
    case 13: return code_text(x->jurisdiction, buf);
    default: return STR(jurisdiction_name);
  }
}


int pc_listform_code_rank(const char *code) {
  return !strcmp(code, "red") ? 0 : !strcmp(code, "yellow") ? 1 : 2;
}

int pc_listform_order(const pc_list_row *a, const pc_list_row *b) {
  int ra = pc_listform_code_rank(a->code), rb = pc_listform_code_rank(b->code);
  if (ra != rb) return ra - rb;
  if (a->township != b->township) return a->township < b->township ? -1 : 1;
  if (a->community != b->community) return a->community < b->community ? -1 : 1;
  if (a->exposure != b->exposure) return a->exposure < b->exposure ? -1 : 1;
  return memcmp(a->subject, b->subject, sizeof a->subject);
}

/* A row's place in the callers' order, for the rows that the radix passes
 * leave equal (group, code, community, exposure): subject, pid, then i. */
typedef struct tie_key {
  char subject[PC_SUBJECT_LEN];
  uint64_t pid;
  uint32_t i;
} tie_key;
static int tie_cmp(const void *pa, const void *pb) {
  const tie_key *a = pa, *b = pb;
  int c = memcmp(a->subject, b->subject, sizeof a->subject);
  if (c) return c;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

/* One stable pass: ord[0..n) ordered by key[ord[j]], equal keys kept in
 * ord's order (pc_sort_kv breaks ties by val: the position). */
static void order_by(uint32_t *ord, const uint64_t *key, pc_kv *kv, pc_kv *tmp, size_t n) {
  for (size_t j = 0; j < n; j++) kv[j] = (pc_kv){key[ord[j]], j};
  pc_sort_kv(kv, tmp, n);
  for (size_t j = 0; j < n; j++) tmp[j].val = ord[kv[j].val];
  for (size_t j = 0; j < n; j++) ord[j] = (uint32_t)tmp[j].val;
}

int pc_listform_sort(const pc_list_row *it, const uint32_t *sel, size_t n, const uint64_t *group,
                     uint32_t *ord) {
  if (n >= UINT32_MAX) return PC_ERROR(PC_ERR_ARG, "more than 2^32 rows in one set of lists");
  uint64_t *key = pc_malloc((3 * n + 1) * sizeof *key, "lists");
  pc_kv *kv = key ? pc_malloc((n + 1) * sizeof *kv, "lists") : NULL,
        *tmp = kv ? pc_malloc((n + 1) * sizeof *tmp, "lists") : NULL;
  tie_key *t = NULL;
  size_t tcap = 0;
  int rc = tmp ? 0 : PC_ERR_MEM;
  uint64_t *code = key, *comm = key + n, *expo = key + 2 * n;
  for (size_t i = 0; i < n && !rc; i++) {
    const pc_list_row *x = &it[sel ? sel[i] : i];
    code[i] = (uint64_t)pc_listform_code_rank(x->code);
    comm[i] = x->community;
    expo[i] = (uint64_t)x->exposure ^ (UINT64_C(1) << 63); /* signed order */
    ord[i] = (uint32_t)i;
  }
  if (!rc) {
    order_by(ord, expo, kv, tmp, n);
    order_by(ord, comm, kv, tmp, n);
    order_by(ord, code, kv, tmp, n);
    order_by(ord, group, kv, tmp, n);
  }
  for (size_t lo = 0, hi; lo < n && !rc; lo = hi) {
    const uint32_t a = ord[lo];
    for (hi = lo + 1; hi < n; hi++) {
      const uint32_t b = ord[hi];
      if (group[b] != group[a] || code[b] != code[a] || comm[b] != comm[a] || expo[b] != expo[a])
        break;
    }
    const size_t m = hi - lo;
    if (m < 2) continue;
    if (m > tcap) {
      free(t);
      tcap = m > 64 ? m : 64;
      if (!(t = pc_malloc(tcap * sizeof *t, "lists"))) {
        rc = PC_ERR_MEM;
        break;
      }
    }
    for (size_t j = 0; j < m; j++) {
      const pc_list_row *x = &it[sel ? sel[ord[lo + j]] : ord[lo + j]];
      memcpy(t[j].subject, x->subject, sizeof t[j].subject);
      t[j].pid = x->pid;
      t[j].i = ord[lo + j];
    }
    qsort(t, m, sizeof *t, tie_cmp);
    for (size_t j = 0; j < m; j++) ord[lo + j] = t[j].i;
  }
  free(t);
  free(tmp);
  free(kv);
  free(key);
  return rc;
}

void pc_listform_permute(pc_list_row *it, uint32_t *ord, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (ord[i] == i) continue;
    pc_list_row tmp = it[i];
    size_t j = i;
    for (;;) { /* each row moved once, cycle by cycle */
      const size_t k = ord[j];
      ord[j] = (uint32_t)j;
      if (k == i) {
        it[j] = tmp;
        break;
      }
      it[j] = it[k];
      j = k;
    }
  }
}
