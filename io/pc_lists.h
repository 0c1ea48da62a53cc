/* pc_lists.h - dispatch's list files: XLSX, CSV and HDF5 per jurisdiction and a manifest, a set replaced atomically. */
#ifndef PC_LISTS_H
#define PC_LISTS_H

#include <hdf5.h>
#include <stddef.h>

#include "pc_listform.h"
#include "pc_schema.h"

/* Local: open a trace or screen output and its dataset read-only (serial
 * HDF5: one rank reads them). PC_ERR_IO naming the file that cannot be
 * read or is not HDF5; on failure nothing is left open (both -1). */
int pc_lists_open(const char *in_path, const char *data_path, hid_t *in, hid_t *data);
/* Local, never fails: close what pc_lists_open opened (-1: nothing). */
void pc_lists_close(hid_t in, hid_t data);
/* Local: the as_of of a trace or screen output (its root attribute).
 * PC_ERR_DATA naming the file when it has none. */
int pc_lists_as_of(hid_t in, const char *path, int64_t *as_of);
/* Local, never fails: the file holds /contacts or /screened (a trace or
 * screen output, even one that flagged nobody). */
int pc_lists_is_flagged_output(hid_t in);

/* Local: the set's fresh temporary directory <dir>.tmp.<host>.<pid>.<random>
 * into tmpdir (size bytes), created here (mkdir never reuses what is
 * there) after dir's parent passed pc_dir_check, with the files' mode
 * (umask from output_mode) plus search permission where read is given:
 * 0600 files in a 0700 directory, 0640 in 0750. PC_ERR_IO naming it. */
int pc_lists_tmpdir(const char *dir, char *tmpdir, size_t size);
/* Local: tmpdir (made by rank 0's pc_lists_tmpdir) is a directory this
 * process can write into; else PC_ERR_IO saying that every rank must see the
 * output's file system (dispatch's ranks write their lists there). */
int pc_lists_tmpdir_seen(const char *tmpdir);
/* Local, never fails: while this run holds dir's claim (pc_claim.h), remove
 * the "<dir>.tmp.*" and "<dir>.old.*" directories runs that are gone left
 * beside it (pc_lists_remove_dir: never through a link); returns how many. */
int pc_lists_sweep(const char *dir);

/* Local: one jurisdiction's list l in dir: <stem>.csv (UTF-8 with BOM,
 * Chinese headers, identifiers quoted behind a TAB), <stem>.xlsx and
 * <stem>.h5 (/list, pc_schema_list, the batch in attributes), created
 * exclusively, owner-only. PC_ERR_IO naming the file that cannot be created
 * or written. */
int pc_lists_write(const char *dir, const pc_list_batch *b, const pc_list_info *l,
                   const pc_list_row *it, size_t n);
/* Local: <dir>/manifest.csv (UTF-8 with BOM): jurisdiction, name, count,
 * red, yellow, file (the XLSX), one row per list. PC_ERR_IO naming it. */
int pc_lists_manifest(const char *dir, const pc_list_info *l, size_t n);

/* Local: the directory <dir>/<name> (a city's CSV lists) with the set's
 * mode (as pc_lists_tmpdir gives dir); one already there is used.
 * PC_ERR_IO naming it. */
int pc_lists_subdir(const char *dir, const char *name);
/* Local: the CSV list alone (township and community lists: their HDF5 is a
 * group of one file, pc_listgroups) as <dir>/<file>, the same form as
 * pc_lists_write's CSV. PC_ERR_IO naming the file. */
int pc_lists_write_csv(const char *dir, const char *file, const pc_list_row *it, size_t n);

/* Many lists in one HDF5 file, a group per list (the ~29,000 community lists
 * of a province, the lists per employer): /<group>/list (pc_schema_list,
 * one committed row type), the group's attributes <key> (the jurisdiction's
 * code or the employer's id), name, count, red, yellow; the batch, the
 * columns and their Chinese headers once, on the root. A list's group is
 * its short code in decimal ("430102001001"), "unassigned" without one. */
typedef struct pc_listgroups pc_listgroups;
/* Local: create path exclusively (owner-only by the umask), the root's
 * attributes written; `what` is its description. PC_ERR_IO / PC_ERR_MEM. */
int pc_listgroups_create(const char *path, const pc_list_batch *b, const char *what,
                         pc_listgroups **g);
/* Local: room on the disk for the next groups, `groups` of them holding
 * `rows` rows in all (and the file's close), taken before they are written:
 * PC_ERR_IO "disk full" when there is none (the file is then closed as it
 * is, within the room taken before, and removed by its caller). A writer
 * that adds groups without it gets no such care at the close. */
int pc_listgroups_room(pc_listgroups *g, size_t rows, size_t groups);
/* Local: list l (rows it[0..n)) as its group; key names l's code attribute
 * ("jurisdiction", "employer"); the name attribute only when l has one.
 * PC_ERR_IO naming the file and group. */
int pc_listgroups_add(pc_listgroups *g, const char *key, const pc_list_info *l,
                      const pc_list_row *it, size_t n);
/* Local: close and free g (NULL: nothing); PC_ERR_IO when the file cannot be
 * completed. */
int pc_listgroups_close(pc_listgroups *g);
/* Local, never fails: l's group name (at least 24 bytes of out). */
void pc_listgroups_name(const pc_list_info *l, char *out, size_t size);
/* Local: <dir>/<name> (UTF-8 with BOM), one row per list of a groups file
 * h5: <key> (its short code, text), name (with_names), count, red, yellow,
 * csv (with_csv: l->file, the CSV beside it), h5, group. PC_ERR_IO naming it. */
int pc_lists_manifest_groups(const char *dir, const char *name, const char *key, int with_names,
                             int with_csv, const char *h5, const pc_list_info *l, size_t n);

/* Local, never fails: remove a directory of plain files (the lists) and of
 * directories of plain files (the cities' CSV lists) without crossing a
 * link: a link at d (or in it) loses only the link. */
void pc_lists_remove_dir(const char *d);
/* Local: tmp becomes dir. With overwrite a previous dir (or a link there)
 * is moved aside first, under an unpredictable name, and removed after;
 * without, anything at dir is kept and the call fails (PC_ERR_CONFIG:
 * "... exists: choose another output or set overwrite: true"). On failure
 * tmp is removed and the previous dir left as it was; PC_ERR_IO saying
 * what. Under the job runner (pc_publish_deferred) tmp is listed for the
 * run's publication instead, where the same rules hold (exchange with the
 * previous dir; without overwrite, refused when one is there). */
int pc_lists_replace_dir(const char *tmp, const char *dir, int overwrite);

#endif
