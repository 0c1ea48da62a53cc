/* pc_screen_area.h - screen through the index's area view: the candidates from the groups their areas touch, then their stays. */
#ifndef PC_SCREEN_AREA_H
#define PC_SCREEN_AREA_H

#include "pc_aview.h"
#include "pc_screen_scan.h"

/* Collective, agreed: with the config's `index`, open its area view for
 * S's dataset (pc_aview_open: a line says when it is not used and why);
 * *use = 1 when screen reads it. No `index`: *use = 0 and a line saying
 * screen streams. */
int pc_screen_area_open(pc_ctx *ctx, pc_screener *S, pc_aview *v, int *use);
/* Collective, agreed: pc_screen_scan's rows through the area view: each
 * rank reads its pids' part of the groups its areas (and their then: areas)
 * touch (pc_aview_read), keeps the persons whose dwell there alone reaches an
 * area's min_dwell (a superset of those flagged), and adds the stays that
 * can cover the dispatch instant: the groups of every township on the days
 * of [at - area_dmax, at] when they are fewer rows than the candidates' own
 * stays, else exactly those from /stays by the index's pid directory (each
 * slot checked against /stays_sum); with the index's dispatch table for this
 * instant, neither: each candidate's one row of it. Each candidate is then
 * screened as the stream does (pc_screen_person) on every stay that can
 * count: the same rows. Closes /stays. With `area_view: auto`, first weighs
 * the view's rows (the areas' groups, and without the dispatch table the
 * dispatch instant's up to as many) against the stream's: at
 * 1/PC_AVIEW_ROW_COST of the stays or more it reads nothing, says so, sets
 * *used = 0 and leaves /stays open for pc_screen_scan; else *used = 1. */
int pc_screen_area_scan(pc_ctx *ctx, pc_screener *S, const pc_aview *v, int *used);

/* A row read through the area view costs about this many rows streamed
 * (the city tier, 2 ranks, 2026-12-04, medians of 5 screen phases in turn:
 * Changsha's 21.0 M view rows in 0.652 s against 137.1 M streamed in 0.882 s,
 * 4.8 to 1, since a window's rows are grouped by pid out of place (it was
 * 9.8 to 1 with the in-place sort); the view's rows come from thousands of
 * groups and are grouped by pid, the stream's are read in order). */
#define PC_AVIEW_ROW_COST 5

#endif
