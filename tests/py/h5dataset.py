#!/usr/bin/python3
"""h5dataset.py - write a small dataset file in the layout of docs/TRACE.md (h5py).

Used by test builders (make_edges.py) to hand-make a dataset: each table is given
as a list of dicts (missing fields default to 0 / empty), sorted here as the
layout requires, and written as one compound dataset.

    /regions     code, parent, weight, level, urban, name       sorted by code
    /persons     pid, household, region, employer, birth_date,
                 sex, doses, sector, flags                      sorted by pid
    /identities  pid, subject, phone, flags, id_type            sorted by pid
    /stays       pid, place, start, end, region, channel,
                 carriage, row                                  sorted by (pid, start, channel, place)
    /places      id, region, channel, name                      sorted by id
    root attributes: as_of, window_start, window_end, days (int64), persons (uint64)
"""
import h5py
import numpy as np


def _utf8(n):
    """A fixed-length UTF-8 string of n bytes, as paicha writes (HDF5 does not convert between
    ASCII and UTF-8 strings, so the character set must match)."""
    return h5py.string_dtype("utf-8", n)


REGION_T = np.dtype([("code", "<u8"), ("parent", "<u8"), ("weight", "<f8"),
                     ("level", "u1"), ("urban", "u1"), ("name", _utf8(32))])
PERSON_T = np.dtype([("pid", "<u8"), ("household", "<u8"), ("region", "<u8"), ("employer", "<u8"),
                     ("birth_date", "<i4"), ("sex", "u1"), ("doses", "u1"), ("sector", _utf8(2)),
                     ("flags", "u1")])
IDENTITY_T = np.dtype([("pid", "<u8"), ("subject", _utf8(20)), ("phone", _utf8(11)), ("flags", "u1"),
                       ("id_type", "u1")])
# /stays exactly as the C row (pc_stay, 48 bytes with padding): paicha reads it
# with plain reads at its file offset, so it must be contiguous and laid out so.
STAY_T = np.dtype({"names": ["pid", "place", "start", "end", "region", "channel", "carriage", "row"],
                   "formats": ["<u8", "<u8", "<i8", "<i8", "<u8", "u1", "u1", "<i2"],
                   "offsets": [0, 8, 16, 24, 32, 40, 41, 42], "itemsize": 48})
PLACE_T = np.dtype([("id", "<u8"), ("region", "<u8"), ("channel", "u1"), ("name", _utf8(40))])

CHANNEL_NUMBER = {"household": 0, "cafe": 1, "lodging": 2, "flight": 3, "rail": 4, "lbs": 5, "grid": 6}


def place_id(channel, n):
    """A place id: the channel number in the top 8 bits, n below (n < 2^56)."""
    ch = CHANNEL_NUMBER[channel] if isinstance(channel, str) else int(channel)
    assert 0 <= n < (1 << 56)
    return (ch << 56) | n


def _encode(v):
    return v.encode("utf-8") if isinstance(v, str) else v


def _table(rows, dtype, sort_key):
    rows = sorted(rows, key=sort_key)
    a = np.zeros(len(rows), dtype=dtype)
    for i, r in enumerate(rows):
        unknown = set(r) - set(dtype.names)
        if unknown:
            raise KeyError(f"fields {sorted(unknown)} are not in {dtype.names}")
        for k, v in r.items():
            a[i][k] = _encode(v)
    return a


M64 = (1 << 64) - 1


def _mix64(z):
    """splitmix64's finaliser, as pc_mix64."""
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


def stays_checksum(st):
    """Sum (mod 2^64) of pc_stay_fingerprint over the rows: names the dataset an index was built from."""
    total = 0
    for row in np.frombuffer(st.tobytes(), dtype="<u8").reshape(len(st), 6).tolist():
        h = 0x243f6a8885a308d3
        for w in row:
            h = _mix64(h ^ w)
        total = (total + h) & M64
    return total


def write_dataset(path, *, regions, persons, identities, stays, places, as_of, days):
    """Write the dataset file; as_of in int64 epoch seconds, days an int."""
    for s in stays:
        assert s["start"] < s["end"], s
        assert as_of - days * 86400 <= s["start"] and s["end"] <= as_of, s
        assert s["place"] >> 56 == s["channel"], s
    with h5py.File(path, "w") as f:
        f.create_dataset("regions", data=_table(regions, REGION_T, lambda r: r["code"]))
        f.create_dataset("persons", data=_table(persons, PERSON_T, lambda r: r["pid"]))
        f.create_dataset("identities", data=_table(identities, IDENTITY_T, lambda r: r["pid"]))
        st = _table(stays, STAY_T, lambda r: (r["pid"], r["start"], r["channel"], r["place"]))
        f.create_dataset("stays", data=st)
        f.create_dataset("places", data=_table(places, PLACE_T, lambda r: r["id"]))
        f.attrs["as_of"] = np.int64(as_of)
        f.attrs["window_start"] = np.int64(as_of - days * 86400)
        f.attrs["window_end"] = np.int64(as_of)
        f.attrs["days"] = np.int64(days)
        f.attrs["persons"] = np.uint64(len(persons))
        f.attrs["stays"] = np.uint64(len(stays))
        f.attrs["stays_checksum"] = np.uint64(stays_checksum(st))
