/* pc_fdio.h - whole reads and writes at an offset (pread/pwrite until done), for every raw file io/ and the bounds test touch. */
#ifndef PC_FDIO_H
#define PC_FDIO_H

#include <stddef.h>
#include <stdint.h>

/* All n bytes at offset off read into buf (pread again after a short read or
 * EINTR). 0, or -1 with errno set: 0 when the file ended first. Local. */
int pc_pread_full(int fd, void *buf, size_t n, uint64_t off);
/* All n bytes of buf written at offset off. 0, or -1 with errno set: 0 when
 * a write took nothing. Local. */
int pc_pwrite_full(int fd, const void *buf, size_t n, uint64_t off);

#endif
