/* pc_chunk.h - a table's chunk made as HDF5's filters make it (shuffle, deflate, Fletcher32), by us. */
#ifndef PC_CHUNK_H
#define PC_CHUNK_H

#include <stddef.h>
#include <stdint.h>

/* Why: HDF5 1.10 compresses a collective write's chunks in its own pipeline,
 * with zlib's default strategy, and gives no way to choose another (its
 * predefined deflate filter cannot be replaced). The chunks made here are
 * what that pipeline would store - the shuffle filter, then deflate (a zlib
 * stream, any reader inflates it), then the Fletcher32 checksum - so a table
 * written with them (H5Dwrite_chunk, filter mask 0) reads back the same rows
 * through HDF5's own filters, which verify the checksum. Level 1 is ISA-L's
 * level 1 (igzip, one shot a chunk): on a trace's byte-shuffled rows 2.5-3
 * times as fast as zlib's run-length level 1, ~9 % larger (see
 * docs/PERFORMANCE.md); levels 2-9 are zlib's, default strategy. */

/* HDF5's Fletcher32 (H5_checksum_fletcher32, the checksum its filter of that
 * name appends, little-endian): 16-bit words taken big-endian, sums folded
 * every 360 words, an odd last byte as the high byte of a word. Local. */
uint32_t pc_fletcher32_h5(const void *data, size_t len);
/* Whether the 4 bytes at stored are the Fletcher32 of data[0..len) as HDF5's
 * filter checks it: little-endian, or with its bytes swapped in each half
 * (files of HDF5 before 1.6.3). Local. */
int pc_fletcher32_h5_ok(const void *data, size_t len, const void *stored);
/* The same, a word at a time as HDF5 does it (pc_fletcher32_h5 takes eight
 * words a step where the CPU has AVX2, ~10 times as fast): the reference
 * the tests hold the fast one to. Local. */
uint32_t pc_fletcher32_h5_scalar(const void *data, size_t len);

/* HDF5's shuffle filter: byte j of element i of n elements of `size` bytes
 * goes to out[j * n + i]. Local. */
void pc_shuffle_bytes(const void *in, size_t n, size_t size, void *out);

/* The largest chunk pc_chunk_pack can make of chunk_rows rows of rowsize bytes. */
size_t pc_chunk_bound(size_t chunk_rows, size_t rowsize);

/* A table's packer at `level` (1-9): ISA-L's level buffer (level 1) or one
 * zlib stream (2-9) reset for each chunk, so that its state (~270 KB) is
 * allocated and faulted once a table, not once a chunk. NULL when out of
 * memory. Local. */
typedef struct pc_chunker pc_chunker;
pc_chunker *pc_chunker_new(int level);
void pc_chunker_free(pc_chunker *k);

/* One chunk of a table: rows[0..n) of rowsize bytes (n <= chunk_rows; the
 * rest of a last, partial chunk is zeros, as a reader never sees it),
 * shuffled into scratch (chunk_rows * rowsize bytes), deflated into out (cap
 * >= pc_chunk_bound bytes) and its Fletcher32 appended. At levels 2-9 a
 * byte plane that looks incompressible (pc_plane_incompressible) goes into
 * the stream as stored blocks - still one zlib stream, inflated by any
 * reader - where deflate would spend as long as on any plane to save ~1 %.
 * Returns the chunk's size in bytes, or 0 when the compressor fails. */
size_t pc_chunk_pack(pc_chunker *k, const void *rows, size_t n, size_t rowsize, size_t chunk_rows,
                     void *scratch, void *out, size_t cap);

/* The inverse of pc_chunk_pack, for a chunk any writer stored through the
 * shuffle, deflate and Fletcher32 filters (HDF5's own, or pc_chunk_pack):
 * chunk[0..len) verified by its Fletcher32 (HDF5's byte-swapped form of old
 * files too), inflated by ISA-L into scratch (chunk_rows * rowsize bytes; its
 * zlib wrapper and Adler-32 checked, the size exactly a chunk's) and its
 * byte planes put back into rows in out. 0, or -1 when anything does not
 * verify. Local. */
int pc_chunk_unpack(const void *chunk, size_t len, size_t rowsize, size_t chunk_rows,
                    void *scratch, void *out);

/* A shuffled byte plane whose first 1,024 bytes hold at least 192 distinct
 * values and fewer than 16 bytes equal to the one before (a hash's or a
 * timestamp's low bytes): zlib's deflate saves ~1 % of it. Local. */
int pc_plane_incompressible(const uint8_t *plane, size_t n);

#endif
