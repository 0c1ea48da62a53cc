/* pc_xlsx.h - a dispatch list as an XLSX workbook (libxlsxwriter): the table, its batch, owner-only. */
#ifndef PC_XLSX_H
#define PC_XLSX_H

#include <stddef.h>

#include "pc_listform.h"

/* Local: list l (rows it[0..n)) as the workbook `path`, created exclusively
 * in a private directory (the set's temporary one, which also holds
 * libxlsxwriter's own temporary files), mode pc_listform_file_mode(): a sheet
 * 名单 with the table (Chinese header in row 1, frozen, autofilter;
 * identifiers as text cells, exposure a date-time cell), a sheet 批次 with
 * the batch, the document's title naming the list and batch. PC_ERR_IO
 * naming the file and libxlsxwriter's reason. */
int pc_xlsx_write_list(const char *path, const pc_list_batch *b, const pc_list_info *l,
                       const pc_list_row *it, size_t n);

#endif
