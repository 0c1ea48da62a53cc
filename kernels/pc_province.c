/* pc_province.c - the synthetic Hunan-like province: its 14 cities, 122 counties, townships and communities. */
#include "pc_province.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_err.h"

/* ---- The real cities and counties --------------------------------------- */

/* 2020 census (seventh national census) resident populations; their sum,
 * 66,444,864, is the province's. City weights are exactly these shares. */
typedef struct city_def {
  uint32_t code; /* 4 digits */
  const char *name;
  uint64_t pop;
} city_def;

static const city_def cities[] = {
    {4301, "长沙市", 10047914}, {4302, "株洲市", 3902738}, {4303, "湘潭市", 2726181},
    {4304, "衡阳市", 6645243},  {4305, "邵阳市", 6563520}, {4306, "岳阳市", 5051922},
    {4307, "常德市", 5279102},  {4308, "张家界市", 1517027}, {4309, "益阳市", 3851564},
    {4310, "郴州市", 4667134},  {4311, "永州市", 5289824}, {4312, "怀化市", 4587594},
    {4313, "娄底市", 3826996},  {4331, "湘西土家族苗族自治州", 2488105},
};
enum { NCITY = sizeof cities / sizeof cities[0] };

/* County-level kinds. A county-level city (县级市) is marked rural (urban=0)
 * like a county: most of its people live in towns and villages, and its seat
 * is marked urban at the township level (街道) instead. */
enum { DISTRICT, COUNTY, CITY };

/* The 122 county-level divisions with their GB/T 2260 codes (as of 2021:
 * 渌口区 and 邵东市/祁阳市 after their upgrades). `size` is a rough relative
 * size (about the population in 10,000s) used only to split the city's exact
 * census total among its counties, so the skew is realistic (dense urban
 * districts of Changsha, tiny 南岳区/武陵源区/韶山市, million-strong 新化县)
 * without claiming county-level accuracy. */
typedef struct county_def {
  uint32_t code; /* 6 digits */
  const char *name;
  uint8_t kind;
  uint16_t size;
} county_def;

static const county_def counties[] = {
    /* 长沙市 */
    {430102, "芙蓉区", DISTRICT, 63}, {430103, "天心区", DISTRICT, 82},
    {430104, "岳麓区", DISTRICT, 153}, {430105, "开福区", DISTRICT, 83},
    {430111, "雨花区", DISTRICT, 141}, {430112, "望城区", DISTRICT, 88},
    {430121, "长沙县", COUNTY, 137}, {430181, "浏阳市", CITY, 143}, {430182, "宁乡市", CITY, 126},
    /* 株洲市 */
    {430202, "荷塘区", DISTRICT, 45}, {430203, "芦淞区", DISTRICT, 40},
    {430204, "石峰区", DISTRICT, 30}, {430211, "天元区", DISTRICT, 50},
    {430212, "渌口区", DISTRICT, 30}, {430223, "攸县", COUNTY, 67}, {430224, "茶陵县", COUNTY, 55},
    {430225, "炎陵县", COUNTY, 17}, {430281, "醴陵市", CITY, 90},
    /* 湘潭市 */
    {430302, "雨湖区", DISTRICT, 60}, {430304, "岳塘区", DISTRICT, 55},
    {430321, "湘潭县", COUNTY, 80}, {430381, "湘乡市", CITY, 75}, {430382, "韶山市", CITY, 10},
    /* 衡阳市 */
    {430405, "珠晖区", DISTRICT, 40}, {430406, "雁峰区", DISTRICT, 30},
    {430407, "石鼓区", DISTRICT, 30}, {430408, "蒸湘区", DISTRICT, 35},
    {430412, "南岳区", DISTRICT, 6}, {430421, "衡阳县", COUNTY, 90}, {430422, "衡南县", COUNTY, 80},
    {430423, "衡山县", COUNTY, 37}, {430424, "衡东县", COUNTY, 55}, {430426, "祁东县", COUNTY, 80},
    {430481, "耒阳市", CITY, 115}, {430482, "常宁市", CITY, 80},
    /* 邵阳市 */
    {430502, "双清区", DISTRICT, 35}, {430503, "大祥区", DISTRICT, 40},
    {430511, "北塔区", DISTRICT, 15}, {430522, "新邵县", COUNTY, 65}, {430523, "邵阳县", COUNTY, 85},
    {430524, "隆回县", COUNTY, 100}, {430525, "洞口县", COUNTY, 75}, {430527, "绥宁县", COUNTY, 30},
    {430528, "新宁县", COUNTY, 55}, {430529, "城步苗族自治县", COUNTY, 25},
    {430581, "武冈市", CITY, 75}, {430582, "邵东市", CITY, 100},
    /* 岳阳市 */
    {430602, "岳阳楼区", DISTRICT, 80}, {430603, "云溪区", DISTRICT, 20},
    {430611, "君山区", DISTRICT, 20}, {430621, "岳阳县", COUNTY, 60}, {430623, "华容县", COUNTY, 60},
    {430624, "湘阴县", COUNTY, 60}, {430626, "平江县", COUNTY, 85}, {430681, "汨罗市", CITY, 60},
    {430682, "临湘市", CITY, 45},
    /* 常德市 */
    {430702, "武陵区", DISTRICT, 70}, {430703, "鼎城区", DISTRICT, 70},
    {430721, "安乡县", COUNTY, 40}, {430722, "汉寿县", COUNTY, 65}, {430723, "澧县", COUNTY, 75},
    {430724, "临澧县", COUNTY, 35}, {430725, "桃源县", COUNTY, 80}, {430726, "石门县", COUNTY, 55},
    {430781, "津市市", CITY, 22},
    /* 张家界市 */
    {430802, "永定区", DISTRICT, 50}, {430811, "武陵源区", DISTRICT, 6},
    {430821, "慈利县", COUNTY, 55}, {430822, "桑植县", COUNTY, 38},
    /* 益阳市 */
    {430902, "资阳区", DISTRICT, 40}, {430903, "赫山区", DISTRICT, 90},
    {430921, "南县", COUNTY, 55}, {430922, "桃江县", COUNTY, 70}, {430923, "安化县", COUNTY, 85},
    {430981, "沅江市", CITY, 60},
    /* 郴州市 */
    {431002, "北湖区", DISTRICT, 55}, {431003, "苏仙区", DISTRICT, 50},
    {431021, "桂阳县", COUNTY, 70}, {431022, "宜章县", COUNTY, 55}, {431023, "永兴县", COUNTY, 55},
    {431024, "嘉禾县", COUNTY, 30}, {431025, "临武县", COUNTY, 30}, {431026, "汝城县", COUNTY, 30},
    {431027, "桂东县", COUNTY, 18}, {431028, "安仁县", COUNTY, 35}, {431081, "资兴市", CITY, 35},
    /* 永州市 */
    {431102, "零陵区", DISTRICT, 55}, {431103, "冷水滩区", DISTRICT, 70},
    {431122, "东安县", COUNTY, 50}, {431123, "双牌县", COUNTY, 15}, {431124, "道县", COUNTY, 70},
    {431125, "江永县", COUNTY, 22}, {431126, "宁远县", COUNTY, 70}, {431127, "蓝山县", COUNTY, 35},
    {431128, "新田县", COUNTY, 35}, {431129, "江华瑶族自治县", COUNTY, 40},
    {431181, "祁阳市", CITY, 85},
    /* 怀化市 */
    {431202, "鹤城区", DISTRICT, 70}, {431221, "中方县", COUNTY, 25}, {431222, "沅陵县", COUNTY, 50},
    {431223, "辰溪县", COUNTY, 45}, {431224, "溆浦县", COUNTY, 75}, {431225, "会同县", COUNTY, 30},
    {431226, "麻阳苗族自治县", COUNTY, 35}, {431227, "新晃侗族自治县", COUNTY, 20},
    {431228, "芷江侗族自治县", COUNTY, 33}, {431229, "靖州苗族侗族自治县", COUNTY, 25},
    {431230, "通道侗族自治县", COUNTY, 20}, {431281, "洪江市", CITY, 40},
    /* 娄底市 */
    {431302, "娄星区", DISTRICT, 60}, {431321, "双峰县", COUNTY, 80}, {431322, "新化县", COUNTY, 115},
    {431381, "冷水江市", CITY, 35}, {431382, "涟源市", CITY, 90},
    /* 湘西土家族苗族自治州: an autonomous prefecture numbers its county-level city 01 */
    {433101, "吉首市", CITY, 45}, {433122, "泸溪县", COUNTY, 27}, {433123, "凤凰县", COUNTY, 40},
    {433124, "花垣县", COUNTY, 30}, {433125, "保靖县", COUNTY, 28}, {433126, "古丈县", COUNTY, 13},
    {433127, "永顺县", COUNTY, 45}, {433130, "龙山县", COUNTY, 50},
};
enum { NCOUNTY = sizeof counties / sizeof counties[0] };

/* ---- Deterministic draws ----------------------------------------------- */

/* A private splitmix64 rather than pc_rng.h: the province must stay the same
 * table even if the shared generators are retuned. Each stream is keyed by a
 * region code, so one region's draws never depend on how many draws another
 * region made. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

typedef struct stream {
  uint64_t s;
} stream;

static stream stream_of(uint64_t code, uint64_t purpose) {
  stream st = {mix64(0x48554e414e2d3433ULL ^ mix64(code * 0x9e3779b97f4a7c15ULL + purpose))};
  return st;
}

static uint64_t next(stream *st) {
  st->s += 0x9e3779b97f4a7c15ULL;
  return mix64(st->s);
}

/* Uniform in [0, n); the modulo bias (n < 2^10 against 2^64) is immaterial. */
static uint32_t below(stream *st, uint32_t n) { return (uint32_t)(next(st) % n); }

/* Populations are whole people and weights are formed only at the end as
 * pop / total (one correctly rounded division), so the table is bit-identical
 * on every IEEE machine whatever FMA contraction or optimisation level the
 * compiler picks (only -ffast-math would change it), and every node is
 * exactly the sum of its children before that division. */

/* Split total among n parts in proportion to w (integers, sum < 2^32) with no
 * person lost or gained: part i = floor(total*C_i/W) - floor(total*C_{i-1}/W)
 * over cumulative weights C. total*W stays below 2^64 for total < 2^32. */
static void apportion(uint64_t total, const uint32_t *w, int n, uint64_t *part) {
  uint64_t sum = 0, cum = 0, prev = 0;
  for (int i = 0; i < n; i++) sum += w[i];
  for (int i = 0; i < n; i++) {
    cum += w[i];
    uint64_t at = total * cum / sum;
    part[i] = at - prev;
    prev = at;
  }
}

static uint32_t isqrt(uint32_t x) {
  uint32_t r = 0;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/* ---- Generated names --------------------------------------------------- */

/* Township and community names are a head character and a tail character
 * (青山镇, 东华社区). Heads and tails are disjoint sets so no name doubles a
 * character; rural and urban tails are disjoint too, so a 街道 and a 镇 of
 * one county never share a stem by accident. */
static const char *const heads[40] = {
    "白", "黄", "青", "红", "金", "石", "松", "枫", "桃", "梅", "竹", "杨", "柳", "大",
    "小", "上", "下", "东", "西", "南", "北", "中", "双", "三", "长", "高", "龙", "凤",
    "马", "花", "莲", "荷", "桂", "茶", "樟", "太", "观", "朝", "横", "永"};
static const char *const rural_tails[32] = {
    "沙", "山", "江", "溪", "塘", "桥", "坪", "冲", "湾", "田", "岭", "洲", "湖", "港", "铺", "岗",
    "坡", "峰", "林", "泉", "源", "口", "坝", "垅", "堰", "滩", "洞", "寨", "屋", "场", "庄", "坳"};
static const char *const urban_tails[32] = {
    "华", "阳", "园", "苑", "城", "门", "坊", "路", "新", "兴", "安", "康", "乐", "宁", "和", "平",
    "盛", "荣", "景", "晖", "丰", "明", "光", "福", "泰", "春", "秀", "湘", "岳", "星", "辰", "霞"};
enum { NSTEM = 40 * 32, STEM_STRIDE = 37 /* coprime to NSTEM */ };

/* Name of the i-th child (i < NSTEM) of parent: distinct i give distinct
 * stems, and the parent's code shifts where the sequence starts so that
 * siblings in neighbouring parents do not all read alike. */
static void child_name(char *out, uint64_t parent, unsigned i, int urban, const char *suffix) {
  unsigned idx = (unsigned)((mix64(parent) % NSTEM + (uint64_t)i * STEM_STRIDE) % NSTEM);
  unsigned head = idx % 40, tail = (idx / 40 + 7 * head) % 32; /* still one-to-one; less regular */
  snprintf(out, PC_REGION_NAME_LEN, "%s%s%s", heads[head], (urban ? urban_tails : rural_tails)[tail],
           suffix);
}

/* ---- Building the table ------------------------------------------------ */

typedef struct table {
  pc_region *r;
  size_t n, cap;
  uint64_t total; /* the province's population: weight = pop / total */
} table;

static int add(table *t, uint64_t code, uint64_t parent, int level, int urban, const char *name,
               uint64_t pop) {
  if (t->n == t->cap) {
    size_t cap = t->cap * 2;
    pc_region *p = pc_realloc(t->r, cap * sizeof *p, "the region table");
    if (!p) return PC_ERR_MEM;
    t->r = p;
    t->cap = cap;
  }
  pc_region *x = &t->r[t->n++];
  memset(x, 0, sizeof *x); /* every byte defined: the struct goes to HDF5 as is */
  x->code = code;
  x->parent = parent;
  x->level = (uint8_t)level;
  x->urban = (uint8_t)urban;
  x->weight = (double)pop / (double)t->total;
  snprintf(x->name, PC_REGION_NAME_LEN, "%s", name);
  return 0;
}

/* Township kinds. */
enum { STREET, TOWN, XIANG };

enum { MAX_TOWN = 25, MAX_COMM = 25 };

/* Villages and communities of one township, as many as its population
 * needs at ~4,600 people a street community and ~1,700 (town) or ~1,400 (乡)
 * a unit elsewhere, within 8..25: medians come out near 3,700 per community
 * and 1,600 per village, ~28,900 units in all like the real ~29,000. A
 * community is drawn twice as heavy as a village of the same township. */
static int build_township(table *t, uint64_t tcode, int tkind, uint64_t tpop) {
  stream st = stream_of(tcode, 3);
  static const uint32_t per_unit[3] = {4600, 1700, 1400};
  int n = (int)(tpop / per_unit[tkind]) + (int)below(&st, 5) - 2;
  n = n < 8 ? 8 : n > MAX_COMM ? MAX_COMM : n;
  /* A town's seat is a few urban communities; a 乡 seat at most one. */
  int ncommunity = tkind == STREET ? n : tkind == TOWN ? 1 + (int)below(&st, 3) : (int)below(&st, 2);
  uint32_t w[MAX_COMM];
  uint64_t pop[MAX_COMM];
  for (int v = 0; v < n; v++) w[v] = (v < ncommunity ? 2 : 1) * (600 + below(&st, 801));
  apportion(tpop, w, n, pop);
  for (int v = 0; v < n; v++) {
    char name[PC_REGION_NAME_LEN];
    int urban = v < ncommunity;
    child_name(name, tcode, (unsigned)v, urban, urban ? "社区" : "村");
    if (add(t, tcode + (uint64_t)(v + 1), tcode, PC_LEVEL_COMMUNITY, urban, name, pop[v]))
      return PC_ERR_MEM;
  }
  return 0;
}

/* Townships of one county. Their number grows with the square root of the
 * population (big counties have more, and larger, townships), within 8..25:
 * ~16 a county, ~1,950 in all like the real ~1,940. Districts are streets
 * (outside the capital a district's outer quarter stays towns); a county's
 * seat is 2 streets, a county-level city's 4; the rest are towns and some 乡. */
static int build_county(table *t, const county_def *cd, uint64_t kcode, uint64_t kpop,
                        int capital) {
  stream st = stream_of(kcode, 2);
  int n = 6 + (int)isqrt((uint32_t)(kpop * 130 / 600000)) + (int)below(&st, 5) - 2;
  n = n < 8 ? 8 : n > MAX_TOWN ? MAX_TOWN : n;
  int nstreet = cd->kind == DISTRICT ? (capital ? n : n - n / 4) : cd->kind == CITY ? 4 : 2;
  int kind[MAX_TOWN];
  uint32_t w[MAX_TOWN];
  uint64_t pop[MAX_TOWN];
  for (int i = 0; i < n; i++) {
    kind[i] = i < nstreet ? STREET : below(&st, 100) < (cd->kind == CITY ? 85u : 70u) ? TOWN : XIANG;
    /* Seats and streets are denser than towns, towns than 乡. */
    uint32_t base = kind[i] == STREET ? (cd->kind == DISTRICT ? 4 : 6) : kind[i] == TOWN ? 4 : 3;
    w[i] = base * (500 + below(&st, 1001));
  }
  apportion(kpop, w, n, pop);
  for (int i = 0; i < n; i++) {
    static const char *const suffix[3] = {"街道", "镇", "乡"};
    char name[PC_REGION_NAME_LEN];
    uint64_t tcode = kcode + (uint64_t)(i + 1) * 1000ULL;
    child_name(name, kcode, (unsigned)i, kind[i] == STREET, suffix[kind[i]]);
    if (add(t, tcode, kcode, PC_LEVEL_TOWNSHIP, kind[i] == STREET, name, pop[i])) return PC_ERR_MEM;
    if (build_township(t, tcode, kind[i], pop[i])) return PC_ERR_MEM;
  }
  return 0;
}

/* Rows are emitted depth first with children in ascending code order; that
 * is ascending code order overall, because a parent's code is its children's
 * with the lower digit groups zeroed (430100000000 < 430102000000 <
 * 430102001000 < 430102001001), and every code of a subtree is below the
 * next sibling's code. */
int pc_province_build(pc_region **out, size_t *nout) {
  *out = NULL;
  *nout = 0;
  table t = {NULL, 0, 32768, 0}; /* ~31,000 rows: usually no regrowth */
  for (int c = 0; c < NCITY; c++) t.total += cities[c].pop;
  t.r = pc_malloc(t.cap * sizeof *t.r, "the region table");
  if (!t.r) return PC_ERROR(PC_ERR_MEM, "cannot build the province");
  if (add(&t, 430000000000ULL, 0, PC_LEVEL_PROVINCE, 0, "湖南省", t.total)) goto oom;
  const county_def *cd = counties;
  for (int c = 0; c < NCITY; c++) {
    const city_def *ct = &cities[c];
    uint64_t ccode = (uint64_t)ct->code * 100000000ULL;
    if (add(&t, ccode, 430000000000ULL, PC_LEVEL_CITY, 0, ct->name, ct->pop)) goto oom;
    int nk = 0;
    while (cd + nk < counties + NCOUNTY && cd[nk].code / 100 == ct->code) nk++;
    uint32_t w[16];
    uint64_t pop[16];
    for (int k = 0; k < nk; k++) w[k] = cd[k].size;
    apportion(ct->pop, w, nk, pop);
    for (int k = 0; k < nk; k++) {
      uint64_t kcode = (uint64_t)cd[k].code * 1000000ULL;
      if (add(&t, kcode, ccode, PC_LEVEL_COUNTY, cd[k].kind == DISTRICT, cd[k].name, pop[k])) goto oom;
      if (build_county(&t, &cd[k], kcode, pop[k], ct->code == 4301)) goto oom;
    }
    cd += nk;
  }
  *out = t.r;
  *nout = t.n;
  return 0;
oom:
  free(t.r);
  return PC_ERROR(PC_ERR_MEM, "cannot build the province");
}
