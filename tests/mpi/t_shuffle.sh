# t_shuffle - the MPI layer's row exchange (pc_shuffle, pc_shuffle_others) at 1-4 ranks: every row at its destination once and in its source's order, in one round, hundreds, or three rows a round, from grouped or scattered input, with a rank that sends nothing, and a destination out of range told to every rank; a rank's own rows left out by pc_shuffle_others; rows fed to rank 0 piece by piece, round by round in rank order; a block that holds the rows sent never grown under them.
. "$(dirname "$0")/lib.sh"
prog="$BUILD/tests/prog_shuffle"
[ -x "$prog" ] || die "$prog is not built (make test builds it)"
for np in 1 2 3 4; do
  timeout 600 mpirun -n $np --oversubscribe --allow-run-as-root "$prog" > "$T/s$np.log" 2>&1 \
    || { cat "$T/s$np.log"; die "the shuffle lost, doubled or reordered rows at $np ranks"; }
  grep -q "^shuffle: 15 cases at $np ranks, 0 failures$" "$T/s$np.log" || { cat "$T/s$np.log"; die "the shuffle's cases did not all run at $np ranks"; }
done
echo "shuffle: 15 cases each at 1, 2, 3 and 4 ranks"
