# t_coredump - a job leaves no core file (issue 22, item 5): its memory holds the key and a
# province's identities. Every rank runs with RLIMIT_CORE 0 and is not dumpable
# (PR_SET_DUMPABLE 0: no piped core_pattern either, no reading of its memory by other
# processes of the account). Seen from outside, on a job held mid-run: /proc/PID/limits
# says core 0, and a rank run by an unprivileged account has its /proc/PID files owned by
# root, as the kernel does for a non-dumpable process. That account's 2-rank run, whose
# shuffles cannot use Open MPI's cross-process reads of a non-dumpable rank, still works.
. "$(dirname "$0")/lib.sh"
# Under ASan (make SAN=1 check) ASan sets the core limit to 0 itself: told not to here, so
# the limit seen is the one paicha sets.
[ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$ASAN_OPTIONS:disable_coredump=0"
# held USER DIR: synth at 2 ranks in DIR as USER, held in its movement phase; once held,
# $job is mpirun's pid and $pids the ranks' pids.
held() {
  local user=$1 d=$2
  printf 'key: %s/key\ndata: %s/data.h5\nseed: 3\npersons: 2000\ndays: 14\nas_of: 2021-08-09T00:00\n' \
    "$d" "$d" > "$d/synth.yaml"
  local pre=()
  ulimit -c unlimited 2> /dev/null || ulimit -c "$(ulimit -H -c)" # the job must lower it itself
  [ "$user" = root ] || pre=(runuser -u "$user" --)
  # TMPDIR and the session directory's base (lib.sh sets it to root's scratch, which the
  # account cannot write): Open MPI's session directory goes where the account can write.
  PAICHA_STALL_PHASE=movement PAICHA_STALL_SECONDS=8 "${pre[@]}" env PAICHA_STALL_PHASE=movement \
    PAICHA_STALL_SECONDS=8 TMPDIR="$d" OMPI_MCA_orte_tmpdir_base="$d" \
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    timeout 120 mpirun -n 2 --oversubscribe "$PAICHA" synth --config "$d/synth.yaml" > "$d/log" 2>&1 &
  job=$!
  for _ in $(seq 300); do grep -q "holding phase 'movement'" "$d/log" && break; sleep 0.1; done
  grep -q "holding phase 'movement'" "$d/log" || { cat "$d/log"; die "synth as $user never reached its hold"; }
  pids=$(pgrep -f "^$PAICHA synth --config $d/synth.yaml")
  [ "$(echo "$pids" | wc -l)" = 2 ] || die "not two ranks of synth as $user: $pids"
}
mkdir -p "$T/root"
held root "$T/root"
for p in $pids; do
  grep -Eq '^Max core file size +0 +0 ' "/proc/$p/limits" || { cat "/proc/$p/limits"; die "rank $p may dump core"; }
done
wait "$job" || { cat "$T/root/log"; die "synth as root failed"; }
echo "root: every rank runs with a core limit of 0"

if ! { id paicha-other > /dev/null 2>&1 || useradd --system --no-create-home paicha-other 2> /dev/null; }; then
  echo "SKIP: no second account could be made (useradd): the non-dumpable run of another account is not tried"
  exit 0
fi
mkdir -p "$T/user" && chown paicha-other "$T/user" && chmod 700 "$T/user"
chmod 711 "$T"
held paicha-other "$T/user"
for p in $pids; do
  [ "$(stat -c %u "/proc/$p/environ")" = 0 ] || die "a rank of paicha-other is dumpable (its /proc files are its own)"
  grep -Eq '^Max core file size +0 +0 ' "/proc/$p/limits" || die "a rank of paicha-other may dump core"
done
wait "$job" || { cat "$T/user/log"; die "synth at 2 ranks as an unprivileged account failed"; }
[ -s "$T/user/data.h5" ] || die "the unprivileged run wrote no dataset"
echo "unprivileged account: ranks not dumpable, no core limit; its 2-rank synth ran to the end"
