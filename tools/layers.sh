#!/usr/bin/env bash
# layers.sh - the layering check: MPI only in mpi/, HDF5 only in io/, job files export their definition only, no cycles.
#
# usage: tools/layers.sh [--root DIR] [--build DIR] [--rule a|b|c|d]...
#   --root   the source tree (default: this script's tree)
#   --build  where its objects are, BUILD/obj/<dir>/<file>.o (default: ROOT/build);
#            rules c and d read them with nm, so build first
#   --rule   check only these rules (repeatable; default all four)
# Rules (docs/ARCHITECTURE.md says why):
#   a  no MPI_ name and no <mpi.h> outside mpi/; "pc_comm.h" (the communicator
#      handle for parallel HDF5) only in mpi/ and io/; "pc_mpi_impl.h" (the
#      context's fields) only in mpi/
#   b  no HDF5 name (H5x..., hid_t, hsize_t, herr_t) and no <hdf5.h>, <hdf5_hl.h>
#      or "pc_h5.h" outside io/
#   c  a jobs/job_NAME.c object exports pc_job_NAME and nothing else
#   d  no cycle among modules (x.c with x.h and x_impl.h): an edge is an
#      #include "y.h", or a symbol x.o uses that y.o defines - a header
#      declaring what another file defines hides a cycle from include lines
# Comments and string literals are not code: a comment naming MPI_Send is fine.
# Prints one line per violation, FILE:LINE: rule R: what; exits 1 when any,
# 2 on bad usage or missing objects, 0 when every rule checked holds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=
rules=
while [ $# -gt 0 ]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --rule) rules="$rules$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "layers.sh: unexpected argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
: "${build:=$root/build}"
: "${rules:=abcd}"
case $rules in *[!abcd]*) echo "layers.sh: rules are a, b, c, d (got '$rules')" >&2; exit 2 ;; esac
exec "${PY:-python3}" - "$root" "$build" "$rules" <<'PY'
import os, re, subprocess, sys

root, build, rules = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
LAYERS = ("kernels", "mpi", "io", "services", "jobs")
found = []  # (file, line, rule, text)

def rel(p):
    return os.path.relpath(p, root)

def sources():
    """Every .c and .h of the layers (tests/ and tools/ are not layers: a unit test of io/
    may call HDF5 to build a bad file), but build outputs and hidden folders."""
    out = []
    for d, subs, files in os.walk(root):
        if d != root and os.path.relpath(d, root).split(os.sep)[0] not in LAYERS:
            subs[:] = []
            continue
        subs[:] = sorted(s for s in subs if not s.startswith(".") and
                         os.path.join(d, s) != build and not (d == root and s == "build"))
        out += [os.path.join(d, f) for f in sorted(files) if f.endswith((".c", ".h"))]
    return out

def strip(text):
    """(code without comments, code without comments and string/char contents),
    both keeping every newline so line numbers hold."""
    nc, ns, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            nc.append(" " * (j - i)); ns.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank = re.sub(r"[^\n]", " ", text[i:j])
            nc.append(blank); ns.append(blank); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            nc.append(text[i:j]); ns.append(c + " " * max(j - i - 2, 0) + (c if j - i >= 2 else "")); i = j
        else:
            nc.append(c); ns.append(c); i += 1
    return "".join(nc), "".join(ns)

def top(path):
    r = rel(path)
    return r.split(os.sep)[0] if os.sep in r else ""

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]', re.M)
files = {p: strip(open(p, encoding="utf-8", errors="replace").read()) for p in sources()}

def lineno(text, pos):
    return text.count("\n", 0, pos) + 1

def check_names(rule, allowed, names, headers):
    for p, (nc, ns) in files.items():
        if top(p) in allowed:
            continue
        for m in re.finditer(names, ns):
            found.append((rel(p), lineno(ns, m.start()), rule, "%s outside %s" % (m.group(0), "/, ".join(allowed) + "/")))
        for m in INCLUDE.finditer(nc):
            if m.group(2) in headers:
                inc = m.group(1) + m.group(2) + (">" if m.group(1) == "<" else '"')
                found.append((rel(p), lineno(nc, m.start()), rule, "#include %s outside %s" % (inc, "/, ".join(allowed) + "/")))

def nm(obj, *flags):
    """[(symbol type, name, file:line or None)] of an object file."""
    r = subprocess.run(["nm", "-l"] + list(flags) + [obj], capture_output=True, text=True)
    if r.returncode:
        sys.exit("layers.sh: nm %s failed: %s" % (obj, r.stderr.strip()))
    out = []
    for ln in r.stdout.splitlines():
        where = None
        if "\t" in ln:
            ln, where = ln.split("\t", 1)
        f = ln.split()
        # the sanitizers' symbols (make SAN=1: ASan's ODR indicators) are the compiler's, not the code's
        if len(f) >= 2 and not f[-1].startswith(("__odr_asan", "__asan_", "__ubsan_", "__sanitizer_")):
            out.append((f[-2], f[-1], where))
    return out

def located(where, fallback, sym):
    """FILE, LINE of nm's debug location, else the first line of fallback naming sym."""
    if where and ":" in where:
        f, l = where.rsplit(":", 1)
        f = os.path.join(root, f) if not os.path.isabs(f) else f
        if os.path.exists(f) and l.isdigit():
            return rel(os.path.realpath(f)), int(l)
    try:
        for i, ln in enumerate(open(fallback, encoding="utf-8", errors="replace"), 1):
            if re.search(r"\b%s\b" % re.escape(sym), ln):
                return rel(fallback), i
    except OSError:
        pass
    return rel(fallback), 1

def objects():
    objs = {}
    for d in LAYERS:
        od = os.path.join(build, "obj", d)
        for f in sorted(os.listdir(od)) if os.path.isdir(od) else []:
            src = os.path.join(root, d, f[:-2] + ".c")
            # main.o is the entry point, not part of the library; an object whose
            # source is gone is stale, not code
            if f.endswith(".o") and not (d == "jobs" and f == "main.o") and os.path.exists(src):
                objs[src] = os.path.join(od, f)
    return objs

if "a" in rules:
    check_names("a", ("mpi",), r"\bP?MPI_\w*", {"mpi.h"})
    for p, (nc, ns) in files.items():
        for m in INCLUDE.finditer(nc):
            if m.group(2) == "pc_comm.h" and top(p) not in ("mpi", "io"):
                found.append((rel(p), lineno(nc, m.start()), "a", '#include "pc_comm.h" outside mpi/, io/'))
            if m.group(2) == "pc_mpi_impl.h" and top(p) != "mpi":
                found.append((rel(p), lineno(nc, m.start()), "a", '#include "pc_mpi_impl.h" outside mpi/'))
if "b" in rules:
    check_names("b", ("io",), r"\b(H5[A-Z_]\w*|hid_t|hsize_t|hssize_t|herr_t|htri_t|haddr_t)\b",
                {"hdf5.h", "hdf5_hl.h", "pc_h5.h"})

objs = objects() if ("c" in rules or "d" in rules) else {}
if ("c" in rules or "d" in rules) and not objs:
    print("layers.sh: no objects under %s/obj: build first (make), or pass --build" % build, file=sys.stderr)
    sys.exit(2)

if "c" in rules:
    for src, obj in objs.items():
        base = os.path.basename(src)[:-2]
        if top(src) != "jobs" or not base.startswith("job_"):
            continue
        mine = "pc_job_" + base[4:]
        for t, sym, where in nm(obj, "-g", "--defined-only"):
            if sym != mine and t in "TDRBCGSV":
                f, l = located(where, src, sym)
                found.append((f, l, "c", "%s exported from a job file (only %s may be)" % (sym, mine)))

if "d" in rules:
    dirs = [os.path.join(root, d) for d in LAYERS]
    # a module is x.c with x.h, and x_impl.h, x's private header
    mod = lambda p: re.sub(r"_impl$", "", os.path.splitext(p)[0])
    edges = {}  # module -> {module: (file, line, why)}
    def edge(a, b, why):
        if a != b:
            edges.setdefault(a, {}).setdefault(b, why)
    for p, (nc, ns) in files.items():
        for m in INCLUDE.finditer(nc):
            if m.group(1) != '"':
                continue
            for d in [os.path.dirname(p)] + dirs:
                h = os.path.join(d, m.group(2))
                if h in files:
                    edge(mod(p), mod(h), (rel(p), lineno(nc, m.start()), "includes " + m.group(2)))
                    break
    defined, uses = {}, {}
    for src, obj in objs.items():
        for t, sym, where in nm(obj):
            if t == "U":
                uses.setdefault(src, []).append((sym, where))
            elif t in "TDRBCGSV" and t.isupper():
                defined[sym] = src
    for src, lst in uses.items():
        for sym, where in lst:
            if sym in defined:
                f, l = located(where, src, sym)
                edge(mod(src), mod(defined[sym]), (f, l, "uses %s of %s" % (sym, rel(defined[sym]))))
    # Tarjan's strongly connected components; one shortest cycle reported per component.
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(set(comp))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in comps:
        start = min(comp)
        prev, queue = {start: None}, [start]
        while queue:  # breadth first inside the component, back to start
            v = queue.pop(0)
            for w in sorted(edges.get(v, {})):
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    path = path[::-1] + [start]
                    queue = []
                    break
                if w in comp and w not in prev:
                    prev[w] = v; queue.append(w)
        first = edges[path[0]][path[1]]
        steps = "; ".join("%s:%d %s" % edges[a][b] for a, b in zip(path, path[1:]))
        found.append((first[0], first[1], "d", "cycle %s (%s)" % (" -> ".join(rel(m) for m in path), steps)))

for f, l, r, t in sorted(set(found)):
    print("%s:%d: rule %s: %s" % (f, l, r, t))
for r in rules:
    k = sum(1 for x in set(found) if x[2] == r)
    print("layers: rule %s %s" % (r, "holds" if not k else "broken (%d)" % k), file=sys.stderr)
sys.exit(1 if found else 0)
PY
