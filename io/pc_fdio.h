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

/* O_DIRECT's unit: file offsets, lengths and buffers of direct writes are
 * multiples of it (4096 suits disks of 512- and 4096-byte sectors). */
#define PC_DIRECT_ALIGN ((size_t)4096)
/* The aligned buffer a direct write copies through (a multiple of the unit). */
#define PC_DIRECT_BOUNCE ((size_t)8 << 20)

/* pc_pwrite_full, with the whole PC_DIRECT_ALIGN blocks inside [off, off+n)
 * written through dfd (the same file opened O_DIRECT) by way of `bounce`
 * (PC_DIRECT_BOUNCE bytes, aligned to PC_DIRECT_ALIGN) - or straight from
 * buf when buf lies in memory aligned as the file is - and the partial
 * blocks at either end through fd; all through fd when dfd < 0. Writes that
 * share a block must each leave it partial, so separate calls never cover
 * the same block both ways. 0, or -1 with errno set. Local. */
int pc_pwrite_direct(int fd, int dfd, void *bounce, const void *buf, size_t n, uint64_t off);

#endif
