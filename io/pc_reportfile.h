/* pc_reportfile.h - what the report reads of HDF5 outputs beyond their tables: files, links, attributes. */
#ifndef PC_REPORTFILE_H
#define PC_REPORTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pc_h5.h"

/* An open HDF5 output as the report's services hold it (-1: none): pc_file. */
typedef pc_file pc_reportfile;

/* Open path read-only, serially (the report runs on one rank): *f = -1 and
 * 0 for a NULL or empty path. Local; fails PC_ERR_IO (unreadable, not HDF5). */
int pc_reportfile_open(const char *path, hid_t *f);
/* Close *f if open, set it to -1. Local, never fails. */
void pc_reportfile_close(hid_t *f);
/* Whether file f (-1: none) has the link (a table, a group) or the root
 * attribute `name`. Local; an error reads as absent. */
int pc_reportfile_has(hid_t f, const char *name);
int pc_reportfile_has_attr(hid_t f, const char *name);
/* The age_edges attribute of f's /axes into e (at most max): how many, 0
 * when absent, longer than max or unreadable. Local. */
size_t pc_reportfile_age_edges(hid_t f, int32_t *e, size_t max);

/* What a root attribute holds, for a table cell. */
enum {
  PC_REPORTFILE_ABSENT, /* no such attribute (or no file) */
  PC_REPORTFILE_OTHER,  /* present, but not a string or integer, or unreadable */
  PC_REPORTFILE_STR,    /* *s: the string (free it) */
  PC_REPORTFILE_INT     /* *v: the integer */
};
/* Read root attribute `name` of f (-1: none) as a string or an integer.
 * Local; returns one of PC_REPORTFILE_*, never fails otherwise. */
int pc_reportfile_attr(hid_t f, const char *name, char **s, long long *v);

#endif
