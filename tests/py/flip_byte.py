#!/usr/bin/python3
"""flip_byte.py FILE TABLE [WHERE] - flip one byte of a table's stored data in place.

WHERE is a fraction of the stored data (default 0.5): for a contiguous table the byte at
that fraction of its bytes; for a chunked one, the byte at that fraction of the chunk
that holds that fraction of its rows. Prints the file offset flipped."""
import sys

import h5py

path, name = sys.argv[1], sys.argv[2]
where = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
with h5py.File(path, "r") as f:
    d = f[name]
    off = d.id.get_offset()
    if off is not None:
        size = d.id.get_storage_size()
        at = off + int(size * where)
    else:
        n = d.id.get_num_chunks()
        if n == 0:
            sys.exit(f"{path}:{name}: no stored data")
        info = d.id.get_chunk_info(min(n - 1, int(n * where)))
        at = info.byte_offset + info.size // 2
with open(path, "r+b") as fh:
    fh.seek(at)
    b = fh.read(1)
    fh.seek(at)
    fh.write(bytes([b[0] ^ 0x5A]))
print(at)
