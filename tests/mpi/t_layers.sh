# t_layers - the layering check (tools/layers.sh): each rule fails on a planted violation, naming file, line and rule; the real tree keeps the rules that hold.
. "$(dirname "$0")/lib.sh"
: "${BUILD:=$(dirname "$PAICHA")}"
check="$ROOT/tools/layers.sh"
CC=${CC:-cc}

# expect_fail NAME TREE RULE PATTERN: the check fails on TREE and prints PATTERN.
expect_fail() {
  set +e; PY=$PY bash "$check" --root "$2" --build "$2/build" --rule "$3" > "$T/$1.out" 2>&1; local rc=$?; set -e
  [ $rc = 1 ] || { cat "$T/$1.out"; die "$1: exit $rc, not 1 (a violation)"; }
  grep -qE -- "$4" "$T/$1.out" || { cat "$T/$1.out"; die "$1: the violation is not named ($4)"; }
}
expect_pass() {
  PY=$PY bash "$check" --root "$1" --build "$1/build" --rule "$2" > "$T/pass.out" 2>&1 ||
    { cat "$T/pass.out"; die "the check fails on a clean tree ($1, rules $2)"; }
}

# A mini tree that keeps every rule: a kernel, an MPI wrapper, an HDF5 reader,
# a job service and a job whose object exports its definition only.
mini() {
  local t=$1
  mkdir -p "$t"/kernels "$t"/mpi "$t"/io "$t"/jobs "$t"/build/obj/jobs
  printf '/* k.h */\nint pc_k_sum(int a, int b);\n' > "$t/kernels/pc_k.h"
  printf '/* k.c - a comment may name MPI_Send and H5Fopen. */\n#include "pc_k.h"\nint pc_k_sum(int a, int b) { return a + b; } /* "MPI_Barrier" */\nconst char *pc_k_name = "H5Dread and MPI_Recv in a string";\n' > "$t/kernels/pc_k.c"
  printf '/* m.c */\n#include <mpi.h>\nint pc_m_rank(void) { int r; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }\n' > "$t/mpi/pc_m.c"
  printf '/* h.c */\n#include <hdf5.h>\n#include "pc_comm.h"\nhid_t pc_h_open(const char *p) { return H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT); }\n' > "$t/io/pc_h.c"
  printf '/* svc.h */\nint pc_svc_twice(int x);\n' > "$t/jobs/pc_svc.h"
  printf '/* svc.c */\n#include "pc_svc.h"\n#include "pc_k.h"\nint pc_svc_twice(int x) { return pc_k_sum(x, x); }\n' > "$t/jobs/pc_svc.c"
  printf '/* job_x.c */\n#include "pc_svc.h"\nstatic int run(int x) { return pc_svc_twice(x); }\nint (*const pc_job_x)(int) = run;\n' > "$t/jobs/job_x.c"
}
build_jobs() { # compile the mini tree's jobs/ and kernels/ for the object rules
  local t=$1 f
  mkdir -p "$t/build/obj/kernels"
  for f in "$t"/jobs/*.c "$t"/kernels/*.c; do
    local d; d=$(basename "$(dirname "$f")")
    $CC -g -c -I"$t/kernels" -I"$t/jobs" "$f" -o "$t/build/obj/$d/$(basename "$f" .c).o"
  done
}

# The clean mini tree passes all four rules: the check can pass.
mini "$T/ok"; build_jobs "$T/ok"
expect_pass "$T/ok" abcd

# (a) an MPI call in a kernel, <mpi.h> in io/, the communicator handle in jobs/,
# the context's private fields in io/.
mini "$T/a"
printf 'int pc_k_rank(void) { int r; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }\n' >> "$T/a/kernels/pc_k.c"
expect_fail a1 "$T/a" a '^kernels/pc_k\.c:5: rule a: MPI_Comm_rank outside mpi/'
sed -i '2i #include <mpi.h>' "$T/a/io/pc_h.c"
expect_fail a2 "$T/a" a '^io/pc_h\.c:2: rule a: #include <mpi\.h> outside mpi/'
printf '#include "pc_comm.h"\n' >> "$T/a/jobs/pc_svc.c"
expect_fail a3 "$T/a" a '^jobs/pc_svc\.c:5: rule a: #include "pc_comm\.h" outside mpi/, io/'
printf '#include "pc_mpi_impl.h"\n' >> "$T/a/io/pc_h.c"
expect_fail a5 "$T/a" a '^io/pc_h\.c:6: rule a: #include "pc_mpi_impl\.h" outside mpi/'
# ... and on a copy of the real sources, an MPI call planted in a kernel.
mkdir -p "$T/real"
cp -r "$ROOT"/kernels "$ROOT"/mpi "$ROOT"/io "$ROOT"/jobs "$T/real/"
expect_pass "$T/real" a
printf 'void pc_planted(void) { MPI_Barrier(MPI_COMM_WORLD); }\n' >> "$T/real/kernels/pc_sort.c"
expect_fail a4 "$T/real" a '^kernels/pc_sort\.c:[0-9]+: rule a: MPI_Barrier outside mpi/'

# (b) an HDF5 handle in a job, <hdf5.h> and "pc_h5.h" in mpi/.
mini "$T/b"
printf 'static hid_t pc_planted;\n' >> "$T/b/jobs/job_x.c"
expect_fail b1 "$T/b" b '^jobs/job_x\.c:5: rule b: hid_t outside io/'
printf '#include <hdf5.h>\n#include "pc_h5.h"\nvoid pc_m_close(long f) { H5Fclose(f); }\n' >> "$T/b/mpi/pc_m.c"
expect_fail b2 "$T/b" b '^mpi/pc_m\.c:4: rule b: #include <hdf5\.h> outside io/'
expect_fail b3 "$T/b" b '^mpi/pc_m\.c:5: rule b: #include "pc_h5\.h" outside io/'
expect_fail b4 "$T/b" b '^mpi/pc_m\.c:6: rule b: H5Fclose outside io/'

# (c) a job file exporting a helper beside its definition.
mini "$T/c"
printf 'int pc_x_helper(int x) { return x + 1; }\n' >> "$T/c/jobs/job_x.c"
build_jobs "$T/c"
expect_fail c1 "$T/c" c '^jobs/job_x\.c:5: rule c: pc_x_helper exported from a job file \(only pc_job_x may be\)'
[ "$(grep -c 'rule c:' "$T/c1.out")" = 1 ] || { cat "$T/c1.out"; die "c: the job's own definition was reported"; }

# (d) two headers including each other; and a service calling back into a job
# (the shape of the cycles issue 14 found: no include line closes the loop).
mini "$T/d1"
printf '#include "pc_svc.h"\n' >> "$T/d1/kernels/pc_k.h"
build_jobs "$T/d1"
expect_fail d1 "$T/d1" d 'rule d: cycle (jobs/pc_svc -> kernels/pc_k -> jobs/pc_svc|kernels/pc_k -> jobs/pc_svc -> kernels/pc_k)'
mini "$T/d2"
printf 'int pc_x_scale(int x);\n' >> "$T/d2/jobs/pc_svc.h"
printf 'int pc_svc_scaled(int x) { return pc_x_scale(x); }\n' >> "$T/d2/jobs/pc_svc.c"
printf 'int pc_x_scale(int x) { return 3 * x; }\n' >> "$T/d2/jobs/job_x.c"
build_jobs "$T/d2"
expect_fail d2 "$T/d2" d 'rule d: cycle jobs/job_x -> jobs/pc_svc -> jobs/job_x \(.*uses pc_x_scale of jobs/job_x\.c\)'

# The real tree holds every rule: no MPI outside mpi/, no HDF5 name outside io/ (services/
# and jobs/ hold files as io's pc_file handle), a job file exports its definition only, no
# cycle.
[ -d "$BUILD/obj/jobs" ] || die "no objects in $BUILD: build first"
PY=$PY bash "$check" --root "$ROOT" --build "$BUILD" > "$T/real.out" 2>&1 ||
  { cat "$T/real.out"; die "the real tree breaks a layering rule"; }
echo "layers: planted violations of a, b, c, d caught; the tree holds all four"
