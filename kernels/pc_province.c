/* pc_province.c - the synthetic Hunan-like province: cities, counties, townships, communities. */
#include "pc_province.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"
#include "pc_rng.h"

static const uint64_t level_div[6] = {0, 10000000000ULL, 100000000ULL, 1000000ULL, 1000ULL, 1ULL};

uint64_t pc_region_at_level(uint64_t code, int level) {
  if (level < 1 || level > 5) return code;
  return code / level_div[level] * level_div[level];
}

int pc_region_level(uint64_t code) {
  if (code < 100000000000ULL || code > 999999999999ULL) return 0;
  uint64_t city = code / 100000000 % 100, county = code / 1000000 % 100;
  uint64_t town = code / 1000 % 1000, comm = code % 1000;
  if (comm) return town && county && city ? 5 : 0;
  if (town) return county && city ? 4 : 0;
  if (county) return city ? 3 : 0;
  return city ? 2 : 1;
}

/* City: code, name, 2020 census population, urban districts, counties,
 * county-level cities (the real province has 122 county-level divisions). */
typedef struct city_def {
  unsigned code;
  const char *name;
  double pop;
  int districts, counties, cities;
} city_def;

static const city_def cities[14] = {
    {4301, "长沙市", 10047914, 6, 1, 2}, {4302, "株洲市", 3902738, 5, 3, 1},
    {4303, "湘潭市", 2726181, 2, 1, 2},  {4304, "衡阳市", 6645243, 5, 5, 2},
    {4305, "邵阳市", 6563520, 3, 6, 3},  {4306, "岳阳市", 5051922, 3, 4, 2},
    {4307, "常德市", 5279102, 2, 6, 1},  {4308, "张家界市", 1517027, 2, 2, 0},
    {4309, "益阳市", 3851564, 3, 3, 1},  {4310, "郴州市", 4667134, 2, 8, 1},
    {4311, "永州市", 5289824, 2, 9, 0},  {4312, "怀化市", 4587594, 1, 11, 1},
    {4313, "娄底市", 3826996, 1, 2, 2},  {4331, "湘西土家族苗族自治州", 2488105, 0, 7, 1},
};

/* Changsha's real divisions; other cities' names are generated. */
static const struct {
  unsigned code;
  const char *name;
} changsha[9] = {{430102, "芙蓉区"}, {430103, "天心区"}, {430104, "岳麓区"},
                 {430105, "开福区"}, {430111, "雨花区"}, {430112, "望城区"},
                 {430121, "长沙县"}, {430181, "浏阳市"}, {430182, "宁乡市"}};

static const char *const syl[48] = {
    "东", "西", "南", "北", "中", "新", "安", "平", "和", "兴", "华", "阳", "山", "江", "河", "湖",
    "桥", "塘", "坪", "岭", "溪", "冲", "湾", "田", "石", "龙", "凤", "金", "银", "青", "白", "红",
    "花", "桃", "李", "松", "柏", "梅", "竹", "云", "水", "泉", "林", "洲", "湘", "资", "沅", "澧"};

/* A two-character name, distinct for distinct i under one parent (i < 48*47). */
static void gen_name(char *out, unsigned parent_salt, unsigned i, const char *suffix) {
  unsigned a = (i + parent_salt) % 48, b = (i / 48 + parent_salt * 7 + 1 + a) % 48;
  if (b == a) b = (b + 1) % 48;
  snprintf(out, PC_REGION_NAME_LEN, "%s%s%s", syl[a], syl[b], suffix);
}

typedef struct builder {
  pc_region *r;
  size_t n, cap;
} builder;

static pc_region *add(builder *b, uint64_t code, uint64_t parent, int level, int urban,
                      const char *name, double w) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    pc_region *p = realloc(b->r, cap * sizeof *p);
    if (!p) return NULL;
    b->r = p;
    b->cap = cap;
  }
  pc_region *x = &b->r[b->n++];
  memset(x, 0, sizeof *x); /* every byte defined: the struct is written to HDF5 as is */
  x->code = code;
  x->parent = parent;
  x->level = (uint8_t)level;
  x->urban = (uint8_t)urban;
  x->weight = w;
  snprintf(x->name, PC_REGION_NAME_LEN, "%s", name);
  return x;
}

static int cmp_code(const void *a, const void *b) {
  const pc_region *x = a, *y = b;
  return (x->code > y->code) - (x->code < y->code);
}

/* Kinds of county-level division. */
enum { DISTRICT, COUNTY, CITY };

int pc_province_build(pc_region **out, size_t *nout) {
  builder b = {0};
  const uint64_t seed = 0x48554e414eULL; /* fixed: the province is the same every run */
  double total = 0;
  for (int c = 0; c < 14; c++) total += cities[c].pop;
  if (!add(&b, 430000000000ULL, 0, PC_LEVEL_PROVINCE, 0, "湖南省", 1.0)) goto oom;
  for (int c = 0; c < 14; c++) {
    const city_def *cd = &cities[c];
    uint64_t ccode = (uint64_t)cd->code * 100000000ULL;
    double cw = cd->pop / total;
    if (!add(&b, ccode, 430000000000ULL, PC_LEVEL_CITY, 1, cd->name, cw)) goto oom;
    int nco = cd->districts + cd->counties + cd->cities;
    double kw[16], ksum = 0;
    int kind[16];
    unsigned kcode[16];
    for (int k = 0; k < nco; k++) {
      kind[k] = k < cd->districts ? DISTRICT : k < cd->districts + cd->counties ? COUNTY : CITY;
      int local = kind[k] == DISTRICT ? 2 + k : kind[k] == COUNTY ? 21 + (k - cd->districts)
                                                                  : 81 + (k - cd->districts - cd->counties);
      kcode[k] = cd->code * 100 + (unsigned)local;
      /* Urban districts of big cities are dense; county sizes vary +-40%. */
      double u = pc_u01(pc_rng(seed, kcode[k], 1, 0));
      kw[k] = (kind[k] == DISTRICT ? 1.6 : kind[k] == CITY ? 1.3 : 1.0) * (0.6 + 0.8 * u);
      ksum += kw[k];
    }
    if (cd->code == 4301)
      for (int k = 0; k < nco; k++) kcode[k] = changsha[k].code;
    for (int k = 0; k < nco; k++) {
      uint64_t kc = (uint64_t)kcode[k] * 1000000ULL;
      char nm[PC_REGION_NAME_LEN];
      if (cd->code == 4301)
        snprintf(nm, sizeof nm, "%s", changsha[k].name);
      else
        gen_name(nm, cd->code, (unsigned)k * 5 + 3, kind[k] == DISTRICT ? "区" : kind[k] == COUNTY ? "县" : "市");
      double kwt = cw * kw[k] / ksum;
      if (!add(&b, kc, ccode, PC_LEVEL_COUNTY, kind[k] != COUNTY, nm, kwt)) goto oom;
      pc_stream s = pc_stream_make(seed, kcode[k], 2);
      int ntown = 10 + (int)pc_next_below(&s, 12); /* 10..21, mean ~15.5 */
      double tw[32], tsum = 0;
      for (int t = 0; t < ntown; t++) {
        tw[t] = 0.5 + pc_next_u01(&s);
        tsum += tw[t];
      }
      for (int t = 0; t < ntown; t++) {
        /* Districts are all streets; a county's seat and a county-level city's
         * first streets are urban; the rest are towns and townships. */
        int urban = kind[k] == DISTRICT || (kind[k] == CITY && t < 3) || t == 0;
        uint64_t tc = kc + (uint64_t)(t + 1) * 1000ULL;
        gen_name(nm, kcode[k] % 9973, (unsigned)t,
                 urban ? "街道" : (pc_next_u01(&s) < 0.75 ? "镇" : "乡"));
        double twt = kwt * tw[t] / tsum;
        if (!add(&b, tc, kc, PC_LEVEL_TOWNSHIP, urban, nm, twt)) goto oom;
        int ncomm = 8 + (int)pc_next_below(&s, 15); /* 8..22, mean 15 */
        double vw[32], vsum = 0;
        int vurban[32];
        for (int v = 0; v < ncomm; v++) {
          vurban[v] = urban && (kind[k] != COUNTY || v < ncomm / 2);
          vw[v] = (vurban[v] ? 1.6 : 1.0) * (0.5 + pc_next_u01(&s));
          vsum += vw[v];
        }
        for (int v = 0; v < ncomm; v++) {
          gen_name(nm, (unsigned)(tc / 1000 % 99991), (unsigned)v, vurban[v] ? "社区" : "村");
          if (!add(&b, tc + (uint64_t)(v + 1), tc, PC_LEVEL_COMMUNITY, vurban[v], nm,
                    twt * vw[v] / vsum))
            goto oom;
        }
      }
    }
  }
  qsort(b.r, b.n, sizeof *b.r, cmp_code);
  *out = b.r;
  *nout = b.n;
  return 0;
oom:
  free(b.r);
  return PC_ERROR(PC_ERR_MEM, "cannot allocate the region table");
}
