#!/usr/bin/env bash
# rates2c.sh RATES.yaml - the per-rank costs `make bench` measured, as a C table compiled
# into paicha (the memory check every job makes before it starts; `paicha plan`'s default).
set -euo pipefail
awk '
  /^machine:/  { sub(/^machine: */, ""); machine = $0 }
  /^measured:/ { sub(/^measured: */, ""); measured = $0 }
  /^  [a-z]+: *\{/ {
    name = $1; sub(/:$/, "", name)
    line = $0; sub(/^[^{]*\{/, "", line); sub(/\}.*$/, "", line)
    n = split(line, kv, ",")
    delete v
    for (i = 1; i <= n; i++) {
      split(kv[i], p, ":"); k = p[1]; x = p[2]; gsub(/ /, "", k); gsub(/ /, "", x); v[k] = x
    }
    rows = rows sprintf("    {\"%s\", \"%s\", %s, %s, %s, %s, %s},\n", name, v["item"],
                        v["mem_base_mb"], v["mem_per_item_b"], v["items_per_s"], v["base_s"],
                        v["moved_per_item_b"])
  }
  END {
    if (rows == "" || machine == "" || measured == "") { print "rates2c: nothing parsed" > "/dev/stderr"; exit 1 }
    print "/* Generated from bench/rates.yaml by tools/rates2c.sh: do not edit. */"
    print "static const char pc_rates_machine_s[] = " machine ";"
    print "static const char pc_rates_measured_s[] = " measured ";"
    print "static const pc_rate pc_rates_table[] = {"
    printf "%s", rows
    print "    {0}};"
  }' "$1"
