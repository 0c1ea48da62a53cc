#!/usr/bin/env bash
# rates2c.sh RATES.yaml - the per-rank memory costs `make bench` measured, as a C table compiled
# into paicha for the memory check every job makes before it starts (`paicha plan` reads the
# file itself, with the time costs), and the machine's speeds per rank (`bounds:`, measured by
# `paicha bounds`) the phase table compares each phase with.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0;; esac
[ $# -eq 1 ] || { echo "usage: tools/rates2c.sh RATES.yaml (try --help)" >&2; exit 2; }
awk '
  /^bounds: *\{/ {
    line = $0; sub(/^[^{]*\{/, "", line); sub(/\}.*$/, "", line)
    n = split(line, kv, ",")
    for (i = 1; i <= n; i++) {
      split(kv[i], p, ":"); k = p[1]; x = p[2]; gsub(/ /, "", k); gsub(/ /, "", x); b[k] = x
    }
  }
  /^  [a-z_]+: *\{/ {
    name = $1; sub(/:$/, "", name)
    line = $0; sub(/^[^{]*\{/, "", line); sub(/\}.*$/, "", line)
    n = split(line, kv, ",")
    delete v
    for (i = 1; i <= n; i++) {
      split(kv[i], p, ":"); k = p[1]; x = p[2]; gsub(/ /, "", k); gsub(/ /, "", x); v[k] = x
    }
    if (v["item"] == "" || v["mem_base_mb"] == "" || v["mem_per_item_b"] == "") {
      print "rates2c: " name ": item, mem_base_mb or mem_per_item_b missing" > "/dev/stderr"; bad = 1
    }
    rows = rows sprintf("    {\"%s\", \"%s\", %s, %s, %s, %d},\n", name, v["item"], v["mem_base_mb"],
                        v["mem_per_item_b"], v["mem_per_case_b"] == "" ? 0 : v["mem_per_case_b"],
                        v["huge_always"] + 0)
  }
  END {
    if (bad) exit 1
    if (rows == "") { print "rates2c: nothing parsed" > "/dev/stderr"; exit 1 }
    print "/* Generated from bench/rates.yaml by tools/rates2c.sh: do not edit. */"
    print "static const pc_rate pc_rates_table[] = {"
    printf "%s", rows
    print "    {0}};"
    printf "/* By pc_bound: none, read, memory, network, write (MB/s per rank; 0: not measured). */\n"
    printf "static const double pc_rates_bounds[] = {0, %s, %s, %s, %s};\n", b["read_mb_s"] + 0,
           b["memory_mb_s"] + 0, b["network_mb_s"] + 0, b["write_mb_s"] + 0
  }' "$1"
