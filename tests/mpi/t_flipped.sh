#!/usr/bin/env bash
# t_flipped - one byte flipped in the middle of any chunked table (the dataset's /persons,
# /identities, /regions, /places; trace's /contacts, /companions; screen's /screened) is
# caught by HDF5's Fletcher32 checksum in every job that reads the table: exit 1, one error
# naming the damage, no output. The same files unflipped are read fine (positive control).
. "$(dirname "$0")/lib.sh"
small_run 6
cat > "$T/screen.yaml" <<CFG
data: $T/data.h5
output: $T/screen.h5
areas:
  - {name: all, regions: ["43"], from: 2021-07-27T00:00, to: 2021-08-09T00:00, min_dwell: 1h}
quiet: true
CFG
run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen failed"; }
for f in data trace screen; do cp "$T/$f.h5" "$T/$f.good.h5"; done
flip() { # file, table: one byte in the middle of the table's first chunk
  $PY - "$1" "$2" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    d = f[sys.argv[2]]
    assert d.chunks and d.fletcher32, \
        f"{sys.argv[2]} has no Fletcher32 checksum"
    ci = d.id.get_chunk_info(0)
at = ci.byte_offset + ci.size // 2
with open(sys.argv[1], "r+b") as g:
    g.seek(at); b = g.read(1); g.seek(at); g.write(bytes([b[0] ^ 0x5a]))
PY
}
# job, config file, output it writes (must not appear)
expect_caught() { # file, table, job, config, output
  local out=$5
  rm -f "$out"
  if run 2 "$3" --config "$4" > "$T/caught.log" 2>&1; then
    cat "$T/caught.log"; die "$3 read $1:/$2 with a flipped byte without an error"
  fi
  grep "paicha $3: error: " "$T/caught.log" | grep -q "damaged\|checksum\|/$2\b" \
    || { cat "$T/caught.log"; die "$3: no clear error for a flipped byte in $1:/$2"; }
  [ ! -e "$out" ] || die "$3 wrote $out from a damaged $1"
}
cat > "$T/bd.yaml" <<CFG
data: $T/data.h5
output: $T/bd.h5
quiet: true
CFG
printf 'input: %s\ndata: %s\noutput: %s\nlevel: city\nquiet: true\n' "$T/trace.h5" "$T/data.h5" \
  "$T/lists" > "$T/dispatch.yaml"
printf 'input: %s\ndata: %s\noutput: %s\nlevel: city\nquiet: true\n' "$T/screen.h5" "$T/data.h5" \
  "$T/slists" > "$T/sdispatch.yaml"
# Positive control: the intact files are read by every job below.
for j in "screen $T/screen.yaml $T/screen.h5" "breakdown $T/bd.yaml $T/bd.h5" \
         "trace $T/trace.yaml $T/trace.h5" "dispatch $T/dispatch.yaml $T/lists" \
         "dispatch $T/sdispatch.yaml $T/slists"; do
  set -- $j
  for f in data trace screen; do cp "$T/$f.good.h5" "$T/$f.h5"; done
  run 2 "$1" --config "$2" > "$T/ok.log" 2>&1 || { cat "$T/ok.log"; die "$1 failed on intact files"; }
  [ -e "$3" ] || die "$1 wrote no $3 from intact files"
  rm -rf "$3"
done
cases=(
  "data persons screen $T/screen.yaml $T/screen.h5"
  "data persons breakdown $T/bd.yaml $T/bd.h5"
  "data identities screen $T/screen.yaml $T/screen.h5"
  "data identities dispatch $T/dispatch.yaml $T/lists"
  "data regions breakdown $T/bd.yaml $T/bd.h5"
  "data regions dispatch $T/dispatch.yaml $T/lists"
  "data places trace $T/trace.yaml $T/trace.h5"
  "trace contacts dispatch $T/dispatch.yaml $T/lists"
  "trace companions dispatch $T/dispatch.yaml $T/lists"
  "screen screened dispatch $T/sdispatch.yaml $T/slists"
)
n=0
for c in "${cases[@]}"; do
  set -- $c
  for f in data trace screen; do cp "$T/$f.good.h5" "$T/$f.h5"; done
  flip "$T/$1.h5" "$2"
  expect_caught "$1.h5" "$2" "$3" "$4" "$5"
  n=$((n + 1))
done
echo "flipped: a byte in each of 7 chunked tables caught by Fletcher32 in $n job reads"
