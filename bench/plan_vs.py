"""plan_vs.py - `paicha plan`'s prediction beside the runs measured (issue 19: within 25 %).

As a module: line(plan_text, job, np, wall_s, mem_gb) is the bench's line for one job at np
ranks. As a script: plan_vs.py PLAN_OUTPUT JOB NP "WALLS" "PEAKS_MB" prints that line for the
medians of the runs, and plan's "a rebuild instead" line when it has one (job: append).
"""
import re
import statistics
import sys


def line(plan_text, job, np, wall_s, mem_gb):
    pm = float(re.search(r"^predicted: memory per rank ([0-9.]+) GB", plan_text, re.M).group(1))
    pt = float(re.search(r"^predicted: .*, time ([0-9.]+) s", plan_text, re.M).group(1))
    ok = "within" if abs(pt / wall_s - 1) <= 0.25 and abs(pm / mem_gb - 1) <= 0.25 else "NOT within"
    return (f"  plan {job} at {np} rank(s): wall {pt:.1f} s predicted, {wall_s:.2f} measured "
            f"({100 * (pt / wall_s - 1):+.0f}%); memory {pm:.2f} GB per rank predicted, {mem_gb:.2f} "
            f"measured ({100 * (pm / mem_gb - 1):+.0f}%): {ok} 25%")


if __name__ == "__main__":
    text = open(sys.argv[1]).read()
    wall = statistics.median(map(float, sys.argv[4].split()))
    mem = statistics.median(map(float, sys.argv[5].split())) / 1024  # MB (2^20) -> GB as plan's (2^30)
    print(line(text, sys.argv[2], sys.argv[3], wall, mem))
    for x in text.splitlines():
        if x.startswith("a rebuild instead"):
            print("  " + x)
