/* pc_file.h - the handle of an open HDF5 file or object, as the layers above io/ hold it. */
#ifndef PC_FILE_H
#define PC_FILE_H

#include <hdf5.h>

/* An open HDF5 file or object as the layers above io/ hold it: the handle
 * pc_h5_open_read and the output writer give, which services/ and jobs/ only
 * pass back to io/ (tables, attributes, cubes) and never give to HDF5
 * themselves, so the HDF5 names stay inside io/. Negative: none. */
typedef hid_t pc_file;

#endif
