/* pc_itinerary_out.c - itinerary's files: the itineraries and same-trip CSVs (UTF-8, BOM) and the page, formatted on rank 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_itinerary.h"
#include "pc_out.h"
#include "pc_report.h"
#include "pc_textout.h"
#include "pc_time.h"

typedef pc_sb sb;

/* What the public reads for each published channel: Chinese, English. */
static const char *kind_zh(int ch) {
  return ch == PC_CH_CAFE ? "网吧" : ch == PC_CH_LODGING ? "酒店" : ch == PC_CH_FLIGHT ? "航班" : "列车";
}
static const char *kind_en(int ch) {
  return ch == PC_CH_CAFE ? "internet café" : ch == PC_CH_LODGING ? "hotel" : ch == PC_CH_FLIGHT
                                                                             ? "flight" : "train";
}

/* The place's name ("" when /places does not name it): a venue, a hotel, a flight or train and date. */
static const char *place_name(const pc_itin *I, uint64_t id, size_t *len) {
  const pc_place *p = pc_trace_place(&I->t, id);
  *len = p ? strnlen(p->name, PC_PLACE_NAME_LEN) : 0;
  return p ? p->name : "";
}

/* The name of the region containing code at level ("" when unknown). */
static const char *region_name(const pc_itin *I, uint64_t code, int level) {
  const pc_region *r = code ? pc_region_find(I->regions, I->nregions, pc_region_cut(code, level)) : NULL;
  return r ? r->name : "";
}

/* ---- CSV ---- */

/* One field, quoted when it holds a comma, a quote or a line break. */
static void csv_field(sb *b, const char *s, size_t n, int last) {
  int q = 0;
  for (size_t i = 0; i < n; i++) q |= s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (q) pc_sb_puts(b, "\"");
  for (size_t i = 0; i < n; i++) pc_sb_put(b, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2 : 1);
  if (q) pc_sb_puts(b, "\"");
  pc_sb_puts(b, last ? "\n" : ",");
}

/* date,from,to,channel_zh,channel,place,carriage,city,district, */
static void csv_where(sb *b, const pc_itin *I, uint64_t place, uint64_t region, int ch, int car,
                      int64_t from, int64_t to) {
  char f[24], t[24];
  size_t nl;
  const char *nm = place_name(I, place, &nl);
  pc_time_format(from, f);
  pc_time_format(to, t);
  pc_sb_printf(b, "%.10s,%s,%s,%s,%s,", f, f, t, kind_zh(ch), pc_channel_names[ch]);
  csv_field(b, nm, nl, 0);
  if (car) pc_sb_printf(b, "%d", car);
  pc_sb_puts(b, ",");
  const char *city = region_name(I, region, PC_LEVEL_CITY), *dist = region_name(I, region, PC_LEVEL_COUNTY);
  csv_field(b, city, strnlen(city, PC_REGION_NAME_LEN), 0);
  csv_field(b, dist, strnlen(dist, PC_REGION_NAME_LEN), 0);
}

static void csv_itineraries(sb *b, const pc_itin *I) {
  pc_sb_puts(b, "\xEF\xBB\xBF" "case,case_en,ordinal,visit,date,from,to,channel_zh,channel,place,"
                "carriage,city,district,stays\n");
  const pc_itin_visit *v = I->visits.data;
  for (size_t i = 0, k = 0; i < I->visits.n; i++) {
    k = i && v[i - 1].ordinal == v[i].ordinal ? k + 1 : 1;
    pc_sb_printf(b, "病例%u,Case %u,%u,%zu,", v[i].ordinal, v[i].ordinal, v[i].ordinal, k);
    csv_where(b, I, v[i].place, v[i].region, v[i].channel, v[i].carriage, v[i].start, v[i].end);
    pc_sb_printf(b, "%u\n", v[i].stays);
  }
}

static void csv_trips(sb *b, const pc_itin *I) {
  pc_sb_puts(b, "\xEF\xBB\xBF" "date,from,to,channel_zh,channel,place,carriage,city,district,cases,"
                "cases_en,ncases\n");
  for (size_t i = 0; i < I->ntrips; i++) {
    const pc_itin_trip *r = &I->trips[i];
    const uint32_t *c = I->tcases + r->first;
    csv_where(b, I, r->place, r->region, r->channel, r->carriage, r->from, r->to);
    for (uint32_t k = 0; k < r->ncases; k++) pc_sb_printf(b, "%s病例%u", k ? ";" : "", c[k]);
    pc_sb_puts(b, ",");
    for (uint32_t k = 0; k < r->ncases; k++) pc_sb_printf(b, "%sCase %u", k ? ";" : "", c[k]);
    pc_sb_printf(b, ",%u\n", r->ncases);
  }
}

/* ---- the page ---- */

static const char *const css =
    "body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\","
    "\"WenQuanYi Zen Hei\",\"WenQuanYi Micro Hei\",\"PingFang SC\",\"Microsoft YaHei\","
    "\"Heiti SC\",\"DejaVu Sans\",sans-serif;margin:16px auto;max-width:960px;padding:0 12px;"
    "color:#1d2330;background:#fff;line-height:1.45;font-size:16px}\n"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 6px;border-bottom:2px solid "
    "#dde3ea;padding-bottom:4px}\n"
    ".sub{color:#5b6575;font-weight:400;font-size:.8em}.note{color:#5b6575;font-size:14px;"
    "margin:2px 0 8px}\n"
    "nav a{display:inline-block;margin:0 8px 6px 0;padding:2px 10px;border:1px solid #dde3ea;"
    "border-radius:12px;color:#2b6cb0;text-decoration:none}\n"
    "ol.it{padding-left:1.4em;margin:6px 0}ol.it li{margin:0 0 8px}.when{font-weight:600}"
    ".kind{display:inline-block;font-size:13px;padding:0 6px;border-radius:4px;margin-right:4px;"
    "color:#fff}.k1{background:#6b46c1}.k2{background:#2f855a}.k3{background:#2b6cb0}"
    ".k4{background:#c05621}.where{color:#5b6575;font-size:14px}\n"
    ".scroll{overflow-x:auto}table{border-collapse:collapse;font-size:14px;margin:6px 0;"
    "min-width:100%}td,th{padding:4px 8px;border-bottom:1px solid #eef1f4;text-align:left;"
    "vertical-align:top}th{background:#f6f8fa}\n"
    "@media (max-width:600px){body{font-size:15px}table{font-size:13px}td,th{padding:3px 5px}}\n";

/* "8月1日 14:00–18:20", or "8月1日 22:00 – 8月2日 09:00" across days. */
static void when(sb *b, int64_t from, int64_t to) {
  char f[24], t[24];
  pc_time_format(from, f);
  pc_time_format(to, t);
  pc_sb_printf(b, "%d月%d日 %.5s", atoi(f + 5), atoi(f + 8), f + 11);
  if (!strncmp(f, t, 10)) pc_sb_printf(b, "–%.5s", t + 11);
  else pc_sb_printf(b, " – %d月%d日 %.5s", atoi(t + 5), atoi(t + 8), t + 11);
}

/* The kind, the place (train: and carriage), the city and district. */
static void where(sb *b, const pc_itin *I, uint64_t place, uint64_t region, int ch, int car) {
  size_t nl;
  const char *nm = place_name(I, place, &nl);
  pc_sb_printf(b, "<span class=\"kind k%d\">%s</span>", ch, kind_zh(ch));
  pc_sb_esc(b, nm, nl);
  if (car) pc_sb_printf(b, " %d车厢 <span class=\"sub\">(carriage %d)</span>", car, car);
  pc_sb_printf(b, " <span class=\"sub\">%s</span> <span class=\"where\">", kind_en(ch));
  pc_sb_esc(b, region_name(I, region, PC_LEVEL_CITY), PC_REGION_NAME_LEN);
  pc_sb_puts(b, " ");
  pc_sb_esc(b, region_name(I, region, PC_LEVEL_COUNTY), PC_REGION_NAME_LEN);
  pc_sb_puts(b, "</span>");
}

static void page_head(sb *b, const pc_itin *I) {
  char asof[24];
  pc_time_format(I->t.as_of, asof);
  asof[10] = ' '; /* 2021-08-09 00:00, as people write it */
  pc_sb_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"generator\" content=\"paicha itinerary\">\n");
  pc_sb_printf(b, "<title>病例活动轨迹 · case itineraries, as of %s</title>\n<style>\n%s</style>\n"
               "</head>\n<body>\n", asof, css);
  pc_sb_printf(b, "<h1>病例活动轨迹 <span class=\"sub\">case itineraries · as of %s (UTC+8)</span>"
               "</h1>\n<p class=\"note\">", asof);
  pc_sb_kv(b, "b", I->ncases, "cases");
  pc_sb_puts(b, " 例病例的航班、列车（车厢）、酒店和网吧行程，相同地点的连续停留已合并。"
                "病例只以序号标示：本页不含姓名、证件号、电话或任何标识；不公布基站、网格和住户。"
                "<br>The flights, trains (with carriage), hotels and internet cafés of each case in "
                "its window, consecutive stays at one place merged. Cases by ordinal only: no name, "
                "number, phone or identifier is on this page; cells, grids and households are never "
                "published.</p>\n<nav>");
  for (size_t i = 0; i < I->ncases; i++)
    pc_sb_printf(b, "<a href=\"#case-%u\">病例%u</a>", I->cases[i].ordinal, I->cases[i].ordinal);
  pc_sb_puts(b, "<a href=\"#same-trip\">同程查询</a></nav>\n");
}

/* Each case: its window, then its visits in time order. */
static void page_cases(sb *b, const pc_itin *I) {
  const pc_itin_visit *v = I->visits.data;
  size_t i = 0;
  for (size_t c = 0; c < I->ncases; c++) {
    const uint32_t o = I->cases[c].ordinal;
    size_t j = i;
    while (j < I->visits.n && v[j].ordinal == o) j++;
    pc_sb_printf(b, "<h2 id=\"case-%u\">病例%u <span class=\"sub\">Case %u</span></h2>\n"
                 "<p class=\"note\">查询时段 window: ", o, o, o);
    when(b, I->cases[c].w0, I->cases[c].w1);
    pc_sb_puts(b, " · ");
    pc_sb_kv(b, "span", j - i, "case-%u-visits", o);
    pc_sb_puts(b, " 处 places</p>\n");
    const int any = j > i;
    pc_sb_puts(b, any ? "<ol class=\"it\">\n"
                      : "<p>此时段内无公共场所或交通行程 (no flight, train, hotel or café).</p>\n");
    for (; i < j; i++) {
      pc_sb_puts(b, "<li><span class=\"when\">");
      when(b, v[i].start, v[i].end);
      pc_sb_puts(b, "</span><br>");
      where(b, I, v[i].place, v[i].region, v[i].channel, v[i].carriage);
      pc_sb_puts(b, "</li>\n");
    }
    if (any) pc_sb_puts(b, "</ol>\n");
  }
}

/* The same-trip table: every flight, train (carriage) and venue, with the cases there. */
static void page_trips(sb *b, const pc_itin *I) {
  pc_sb_puts(b, "<h2 id=\"same-trip\">疫情同程查询 <span class=\"sub\">same-trip self-check</span></h2>\n"
                "<p class=\"note\">如您在下列时间乘坐过同一航班、同一列车同一车厢，或到过同一场所，"
                "请立即向所在社区（村）报告并接受核酸检测。If you were on one of these flights, in "
                "one of these train carriages or at one of these places at these times, report to "
                "your community and get tested.</p>\n<div class=\"scroll\"><table>\n<tr><th>时间 "
                "time</th><th>行程/场所 trip or place</th><th>病例 cases</th></tr>\n");
  for (size_t i = 0; i < I->ntrips; i++) {
    const pc_itin_trip *r = &I->trips[i];
    pc_sb_puts(b, "<tr><td>");
    when(b, r->from, r->to);
    pc_sb_puts(b, "</td><td>");
    where(b, I, r->place, r->region, r->channel, r->carriage);
    pc_sb_puts(b, "</td><td>");
    for (uint32_t k = 0; k < r->ncases; k++)
      pc_sb_printf(b, "%s<a href=\"#case-%u\">病例%u</a>", k ? "、" : "", I->tcases[r->first + k],
                   I->tcases[r->first + k]);
    pc_sb_puts(b, "</td></tr>\n");
  }
  pc_sb_puts(b, "</table></div>\n<p class=\"note\">");
  pc_sb_kv(b, "span", I->ntrips, "trips");
  pc_sb_puts(b, " 条 rows: one per flight, train carriage or place and the interval in which the "
                "cases' visits there overlap.</p>\n");
}

/* Collective, agreed: the text b (rank 0's; empty elsewhere) to path, atomically. */
static int write_text(pc_ctx *ctx, const char *path, const sb *b) {
  pc_textout o;
  PC_CALL(pc_textout_open(ctx, path, "", &o));
  int lrc = 0;
  if (pc_rank(ctx) == 0 && b->n) {
    char *p = pc_textout_room(&o, b->n);
    if (p) {
      memcpy(p, b->s, b->n);
      pc_textout_commit(&o, b->n);
    } else {
      lrc = PC_ERR_MEM;
    }
  }
  return pc_textout_close(ctx, &o, lrc);
}

/* Rank 0: the text of file k (0 itineraries, 1 same-trip, 2 page) into b. */
static int format(const pc_itin *I, int k, sb *b) {
  if (k == 0) csv_itineraries(b, I);
  else if (k == 1) csv_trips(b, I);
  else {
    page_head(b, I);
    page_cases(b, I);
    page_trips(b, I);
    /* No clock on the page: the same inputs give the same bytes. */
    pc_sb_puts(b, "</body>\n</html>\n");
  }
  return b->oom ? PC_ERROR(PC_ERR_MEM, "out of memory formatting the itineraries") : 0;
}

int pc_itin_write(pc_itin *I, const char *csv, const char *trips_csv, const char *html) {
  pc_ctx *ctx = I->t.ctx;
  const char *paths[3] = {csv, trips_csv, html};
  int rc = 0;
  for (int k = 0; k < 3 && !rc; k++) {
    if (!paths[k]) continue;
    sb b = {0};
    rc = pc_agree(ctx, pc_rank(ctx) == 0 ? format(I, k, &b) : 0);
    if (!rc) rc = write_text(ctx, paths[k], &b);
    pc_strbuf_free(&b);
  }
  return rc;
}

/* ---- the HDF5 output ---- */

/* The columns a visit and a same-trip row share: place, channel, carriage, city, district. */
#define FILL_WHERE(r, place_, region_, ch, car)                                                    \
  do {                                                                                          \
    size_t nl_;                                                                                 \
    const char *nm_ = place_name(I, (place_), &nl_);                                            \
    memcpy((r)->place, nm_, nl_);                                                               \
    (r)->region = (region_);                                                                    \
    snprintf((r)->channel, sizeof (r)->channel, "%s", pc_channel_names[ch]);                    \
    snprintf((r)->channel_zh, sizeof (r)->channel_zh, "%s", kind_zh(ch));                       \
    (r)->carriage = (uint8_t)(car);                                                             \
    strncpy((r)->city, region_name(I, (region_), PC_LEVEL_CITY), sizeof (r)->city);             \
    strncpy((r)->district, region_name(I, (region_), PC_LEVEL_COUNTY), sizeof (r)->district);   \
  } while (0)

/* Rank 0: the rows of /itinerary (one per visit) and /same_trip (one per trip and case). */
static int h5_rows(const pc_itin *I, pc_itin_row **it, pc_same_trip_row **st, size_t *nst) {
  const pc_itin_visit *v = I->visits.data;
  size_t m = 0;
  for (size_t i = 0; i < I->ntrips; i++) m += I->trips[i].ncases;
  *it = pc_calloc(I->visits.n + 1, sizeof **it, "itinerary rows");
  *st = pc_calloc(m + 1, sizeof **st, "same-trip rows");
  if (!*it || !*st) return PC_ERR_MEM;
  for (size_t i = 0, k = 0; i < I->visits.n; i++) {
    pc_itin_row *r = &(*it)[i];
    k = i && v[i - 1].ordinal == v[i].ordinal ? k + 1 : 1;
    r->start = v[i].start;
    r->end = v[i].end;
    r->ordinal = v[i].ordinal;
    r->visit = (uint32_t)k;
    r->stays = v[i].stays;
    FILL_WHERE(r, v[i].place, v[i].region, v[i].channel, v[i].carriage);
  }
  *nst = 0;
  for (size_t i = 0; i < I->ntrips; i++)
    for (uint32_t c = 0; c < I->trips[i].ncases; c++) {
      const pc_itin_trip *t = &I->trips[i];
      pc_same_trip_row *r = &(*st)[(*nst)++];
      r->from = t->from;
      r->to = t->to;
      r->trip = (uint32_t)(i + 1);
      r->ordinal = I->tcases[t->first + c];
      r->ncases = t->ncases;
      FILL_WHERE(r, t->place, t->region, t->channel, t->carriage);
    }
  return 0;
}

int pc_itin_write_h5(pc_itin *I, const char *path) {
  pc_ctx *ctx = I->t.ctx;
  pc_itin_row *it = NULL;
  pc_same_trip_row *st = NULL;
  size_t nst = 0;
  const int me0 = pc_rank(ctx) == 0;
  int rc = pc_agree(ctx, me0 ? h5_rows(I, &it, &st, &nst) : 0);
  pc_out out;
  char t0[24];
  if (!rc && !(rc = pc_out_create(ctx, I->t.cfg, path, &out))) {
    out.rc = pc_out_table(&out, "itinerary", pc_schema_type(&pc_schema_itinerary), it,
                          me0 ? I->visits.n : 0,
                          "each case's visits (by ordinal, no identity): cafes, hotels, flights, "
                          "trains with carriage, consecutive stays at one place merged");
    if (!out.rc)
      out.rc = pc_out_table(&out, "same_trip", pc_schema_type(&pc_schema_same_trip), st,
                            me0 ? nst : 0,
                            "the same-trip table: one row per trip (place and interval) and case "
                            "there, for the public's self-check");
    pc_out_attr_i64(&out, "as_of", I->t.as_of);
    pc_out_attr_str(&out, "as_of_local", pc_time_format(I->t.as_of, t0));
    pc_out_attr_u64(&out, "cases", I->ncases);
    pc_out_attr_str(&out, "data", I->t.data_path);
    rc = pc_out_commit(&out, 0);
  }
  free(it);
  free(st);
  return rc;
}
