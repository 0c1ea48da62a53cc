#!/usr/bin/env bash
# t_readme - the README's "Running" commands, run verbatim from the repository's root (a copy
# of the tree, with the built binary; the demo province made smaller so the test stays short):
# every command succeeds, the outputs land in demo/ as the configs say (relative to themselves,
# not to where paicha runs), nothing is written beside the configs, and `--check` says OK.
. "$(dirname "$0")/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
tree=$T/tree
mkdir -p "$tree/build"
if git -C "$ROOT" rev-parse --git-dir > /dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tree")
else
  (cd "$ROOT" && tar --exclude=./build --exclude=./demo --exclude=./.git -cf - .) | tar -C "$tree" -xf -
fi
cp "$PAICHA" "$tree/build/paicha"
# A province of 20,000 persons and 20 cases instead of 200,000 and 100: the same commands,
# a shorter run.
sed -i 's/^persons: 200000$/persons: 20000/; s/^outbreak: {cases: 100}$/outbreak: {cases: 20}/' \
  "$tree/jobs/configs/demo-synth.yaml"
grep -q '^persons: 20000$' "$tree/jobs/configs/demo-synth.yaml" && grep -q '^outbreak: {cases: 20}$' \
  "$tree/jobs/configs/demo-synth.yaml" || die "demo-synth.yaml has no persons/outbreak lines to shrink"
# The first sh block after "## Running", one command a line.
$PY - "$ROOT/README.md" > "$T/commands" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = lines.index("## Running")
while lines[i] != "```sh":
    i += 1
i += 1
while lines[i] != "```":
    if lines[i].strip():
        print(lines[i])
    i += 1
PY
n=$(wc -l < "$T/commands")
[ "$n" -ge 8 ] || die "the README's Running block has only $n commands"
grep -q "paicha trace --config jobs/configs/demo-trace.yaml" "$T/commands" || die "the Running block does not run the trace"
k=0
while IFS= read -r cmd; do
  k=$((k + 1))
  (cd "$tree" && timeout 300 bash -c "$cmd") > "$T/cmd$k.log" 2>&1 < /dev/null \
    || { cat "$T/cmd$k.log"; die "README command $k failed from the repository's root: $cmd"; }
  case $cmd in *--check*) grep -q "config OK" "$T/cmd$k.log" || { cat "$T/cmd$k.log"; die "no 'config OK' from: $cmd"; };; esac
done < "$T/commands"
for f in demo.h5 demo-index.h5 demo-trace.h5 demo-screen.h5 demo-breakdown.h5 demo-report.html \
  demo-ingested.h5 demo-purged.h5 demo-cases.csv; do
  [ -s "$tree/demo/$f" ] || die "demo/$f was not written by the README's commands"
done
ls "$tree"/demo/demo-lists/*.csv > /dev/null 2>&1 || die "no lists in demo/demo-lists/"
! ls "$tree"/jobs/configs/*.h5 > /dev/null 2>&1 || die "outputs were written beside the configs"
# The same config from another directory names the same files (relative to the config).
(cd "$T" && "$tree/build/paicha" trace --check --config tree/jobs/configs/demo-trace.yaml) > "$T/other.log" 2>&1 \
  || { cat "$T/other.log"; die "the trace config checked from another directory does not find its files"; }
$PY - "$tree/demo/demo-trace.h5" "$tree/demo" <<'PY' || die "the trace's effective config does not show the resolved paths"
import os, sys, h5py
cfg = h5py.File(sys.argv[1], "r").attrs["config"]
cfg = cfg.decode() if isinstance(cfg, bytes) else cfg
assert f'data: "{os.path.realpath(sys.argv[2])}/demo.h5"' in cfg, cfg[:600]
PY
echo "t_readme: the README's $n Running commands work verbatim from the repository's root"
