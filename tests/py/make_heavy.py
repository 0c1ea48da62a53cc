#!/usr/bin/python3
"""make_heavy.py SRC DST - SRC's dataset with one heavy subject more in it: the first person
of /stays also spent 40,000 consecutive 30-second stays in a cell nobody else visits (a
phone pinging every 30 s for the whole window). 40,000 is more than the rows an index
step reads (32 Ki) at once: the index must take the person whole, and a trace cannot change
(nobody shares the cell)."""
import os
import shutil
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h5dataset  # noqa: E402

N = 40000


def main(src, dst):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        st, pl = f["stays"][:].astype(h5dataset.STAY_T), f["places"][:]
        ws, we = int(f.attrs["window_start"]), int(f.attrs["window_end"])
        assert ws + 30 * N <= we, "the window is too short for the heavy subject"
        cell = h5dataset.place_id("lbs", (1 << 55) + 12345)
        assert cell not in set(pl["id"].tolist())
        extra = np.zeros(N, dtype=st.dtype)
        extra["pid"] = st["pid"][0]
        extra["place"] = cell
        extra["start"] = ws + 30 * np.arange(N, dtype=np.int64)
        extra["end"] = extra["start"] + 30
        extra["region"] = st["region"][0]
        extra["channel"] = h5dataset.CHANNEL_NUMBER["lbs"]
        stays = np.concatenate([st, extra])
        stays = stays[np.lexsort((stays["place"], stays["channel"], stays["start"], stays["pid"]))]
        stays = stays.astype(h5dataset.STAY_T)  # concatenate packs the fields: the file's layout back
        place = np.zeros(1, dtype=pl.dtype)
        place["id"], place["region"], place["channel"] = cell, st["region"][0], extra["channel"][0]
        place["name"] = b"cell heavy"
        places = np.concatenate([pl, place])
        places = places[np.argsort(places["id"], kind="stable")]
        for name, data in (("stays", stays), ("places", places)):
            del f[name]
            f.create_dataset(name, data=data)
        f.attrs["stays"] = np.uint64(len(stays))
        f.attrs["stays_checksum"] = np.uint64(h5dataset.stays_checksum(stays))


if __name__ == "__main__":
    main(*sys.argv[1:3])
