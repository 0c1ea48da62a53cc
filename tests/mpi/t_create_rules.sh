#!/usr/bin/env bash
# t_create_rules - outputs are created exclusively under unpredictable names in a directory no
# other account can write: a group/world-writable output directory is refused with a message
# naming it and the key (shared_dir_ok: true accepts it, 0640 accepts a group-writable one);
# links planted at the old fixed temporary names or at dispatch's list directory are never
# followed (their targets keep their bytes); synth's CSV directory is 0700 (0750 with 0640).
. "$(dirname "$0")/lib.sh"
mkdir -m 700 "$T/out"
synth_cfg 3000 "$T/out/data.h5" > "$T/synth.yaml"
printf "csv: %s\ndays: 7\noutbreak: {cases: 5}\n" "$T/out/csv" >> "$T/synth.yaml"
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
[ "$(stat -c %a "$T/out/csv")" = 700 ] || die "synth's CSV directory is $(stat -c %a "$T/out/csv"), not 700"
for f in "$T"/out/csv/*.csv; do
  [ "$(stat -c %a "$f")" = 600 ] || die "$f is mode $(stat -c %a "$f"), not 600"
done
synth_cfg 3000 "$T/out/data640.h5" > "$T/synth640.yaml"
printf 'csv: %s\noutput_mode: "0640"\noutbreak: {cases: 5}\n' "$T/out/csv640" >> "$T/synth640.yaml"
run 2 synth --config "$T/synth640.yaml" > "$T/synth640.log" 2>&1 || { cat "$T/synth640.log"; die "synth (0640) failed"; }
[ "$(stat -c %a "$T/out/csv640")" = 750 ] || die "synth's CSV directory with 0640 is $(stat -c %a "$T/out/csv640"), not 750"

index() { # dir, [extra config lines]
  printf 'data: %s\nindex: %s/index.h5\nquiet: true\n%s\n' "$T/out/data.h5" "$1" "${2:-}" > "$T/index.yaml"
  run 2 index --config "$T/index.yaml" > "$T/index.log" 2>&1
}
# A world-writable directory (even with the sticky bit, as /tmp): refused, clearly.
mkdir "$T/world" && chmod 1777 "$T/world"
if index "$T/world"; then die "index wrote into a world-writable directory"; fi
grep -q "directory $T/world (mode 1777) can be written by every account" "$T/index.log" \
  || { cat "$T/index.log"; die "the refusal does not name the directory"; }
grep -q 'shared_dir_ok: true' "$T/index.log" || die "the refusal does not name the key"
[ -z "$(ls -A "$T/world")" ] || die "a refused run left files: $(ls -A "$T/world")"
index "$T/world" "shared_dir_ok: true" || { cat "$T/index.log"; die "shared_dir_ok: true was refused"; }
[ -s "$T/world/index.h5" ] || die "no index with shared_dir_ok: true"
# Group-writable: refused for owner-only outputs, accepted when the group may read them.
mkdir "$T/group" && chmod 770 "$T/group"
if index "$T/group"; then die "index wrote owner-only outputs into a group-writable directory"; fi
grep -q "can be written by its group" "$T/index.log" || { cat "$T/index.log"; die "no clear refusal for 0770"; }
index "$T/group" 'output_mode: "0640"' || { cat "$T/index.log"; die "0640 outputs refused in a 0770 directory"; }

# Links planted where earlier versions wrote at a fixed name are never followed.
echo "precious" > "$T/victim"
ln -s "$T/victim" "$T/out/index.h5.run.json.tmp"       # the run record's old temporary name
ln -s "$T/victim" "$T/out/.index.h5.tmp.1234"          # looks like a leftover of a killed run
index "$T/out" || { cat "$T/index.log"; die "index failed beside planted links"; }
[ "$(cat "$T/victim")" = precious ] || die "a planted link was followed: the victim was overwritten"
[ ! -L "$T/out/.index.h5.tmp.1234" ] || die "the leftover link was not removed"
grep -q '"job": "index"' "$T/out/index.h5.run.json" || die "no run record"
[ ! -L "$T/out/index.h5.run.json" ] || die "the run record is a link"
left=$(ls -A "$T/out" | grep '\.tmp\.' || true)
[ -z "$left" ] || die "temporary files left: $left"

# dispatch with a link at its list directory: the link goes, its target's files stay.
cat > "$T/screen.yaml" <<CFG
data: $T/out/data.h5
output: $T/out/screen.h5
areas:
  - {name: all, regions: ["43"], from: 2021-07-27T00:00, to: 2021-08-09T00:00, min_dwell: 1h}
quiet: true
CFG
run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen failed"; }
mkdir -m 700 "$T/elsewhere" && echo keep > "$T/elsewhere/keep.csv"
ln -s "$T/elsewhere" "$T/out/lists"
printf 'input: %s\ndata: %s\noutput: %s\nlevel: city\noverwrite: true\nquiet: true\n' "$T/out/screen.h5" \
  "$T/out/data.h5" "$T/out/lists" > "$T/dispatch.yaml"
run 2 dispatch --config "$T/dispatch.yaml" > "$T/dispatch.log" 2>&1 || { cat "$T/dispatch.log"; die "dispatch failed"; }
[ -f "$T/elsewhere/keep.csv" ] || die "dispatch deleted the files of the directory its link pointed to"
[ -d "$T/out/lists" ] && [ ! -L "$T/out/lists" ] || die "the lists are not a directory of their own"
ls "$T"/out/lists/*.csv > /dev/null || die "no lists written"
echo "create rules: shared directories refused (shared_dir_ok accepts), planted links not followed, CSV directory 0700/0750"
