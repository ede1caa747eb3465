#!/usr/bin/env bash
# MPI-IO under mpirun (Open MPI), recorded by each event source: the
# ranks are followed through mpirun and known by their rank, each rank's
# bytes written in the trace are the bytes MPI counted, the collective
# read's bytes add up to the ranks', and the job prints what it prints
# untraced.
. "$SRC/tests/record/lib.sh"
MPI_IO=$BUILD/tests/record/mpi_io
ANALYZE=$BIN/ioanalyze
skip_or_fail() {
	if [[ ${CI:-} == true ]]; then echo "FAIL: $* (CI=true: the MPI test must run)"; exit 1; fi
	echo "$*"; exit 77
}
command -v mpirun >/dev/null || skip_or_fail "no mpirun: install Open MPI (scripts/install-deps.sh does)"
[[ -x $MPI_IO ]] || skip_or_fail "no $MPI_IO: mpicc was missing when the tests were built"
MPIRUN=(mpirun --oversubscribe -n 4)
((EUID == 0)) && MPIRUN+=(--allow-run-as-root)
mkdir "$T/data"
F=$T/data/f
# rank lines without their pids, in rank order
norm() { sed 's/ pid [0-9]*//' "$1" | sort; }

"${MPIRUN[@]}" "$MPI_IO" "$F" 8 >"$T/u.out" 2>"$T/u.err"
rc=$?
check "untraced job exits 0" test "$rc" -eq 0
((rc == 0)) || cat "$T/u.err"
check "untraced: 4 ranks read back what they wrote" test "$(grep -c ' ok$' "$T/u.out")" -eq 4

sources=(preload)
if "$IOREC" --check 2>/dev/null | grep -q '^ebpf *yes'; then
	sources+=(ebpf)
elif [[ ${CI:-} == true ]]; then
	fail "the eBPF source cannot run here (CI=true: it must)"
fi
for s in "${sources[@]}"; do
	rm -f "$F"
	"$IOREC" -q -s "$s" -o "$T/$s.iotr" -- "${MPIRUN[@]}" "$MPI_IO" "$F" 8 >"$T/$s.out" 2>"$T/$s.err"
	rc=$?
	check "$s: traced job exits 0" test "$rc" -eq 0
	((rc == 0)) || cat "$T/$s.err"
	check "$s: stdout as untraced (pids aside)" cmp -s <(norm "$T/u.out") <(norm "$T/$s.out")
	check "$s: stderr as untraced" cmp -s <(sort "$T/u.err") <(sort "$T/$s.err")
	"$ANALYZE" summary -f csv --by process --path "$F" "$T/$s.iotr" >"$T/$s.csv" ||
		fail "$s: ioanalyze summary failed"
	# pid,comm,job,host,cmdline,ops,read_ops,read_bytes,write_ops,write_bytes,...,rank
	while read -r _ rank _ pid _ wrote _; do
		got=$(awk -F, -v p="$pid" '$1 == p { print $10 }' "$T/$s.csv")
		check "$s: rank $rank (pid $pid) wrote ${got:-nothing}, MPI counted $wrote" test "${got:-x}" = "$wrote"
		got=$(awk -F, -v p="$pid" '$1 == p { print $NF }' "$T/$s.csv")
		check "$s: pid $pid is rank ${got:-none} in the trace, $rank by MPI" test "${got:-x}" = "$rank"
		got=$(awk -F, -v p="$pid" '$1 == p { print $2 }' "$T/$s.csv")
		check "$s: pid $pid's command is $got" test "$got" = mpi_io
	done <"$T/$s.out"
	"$ANALYZE" summary --by process "$T/$s.iotr" >"$T/$s.txt" || fail "$s: text summary failed"
	check "$s: the text table has a RANK column" grep -q ' RANK ' "$T/$s.txt"
	# the HDF5 export's process table, read with h5py
	if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
		"$ANALYZE" export --hdf5 "$T/$s.h5" "$T/$s.iotr" >/dev/null 2>&1 || fail "$s: export failed"
		got=$(/usr/bin/python3 -c '
import sys, h5py
p = h5py.File(sys.argv[1])["processes"][:]
print(" ".join(sorted(r["rank"].decode() for r in p if r["comm"] == b"mpi_io")))' "$T/$s.h5")
		check "$s: ranks in the HDF5 export: $got" test "$got" = "0 1 2 3"
	elif [[ ${CI:-} == true ]]; then
		fail "no h5py in /usr/bin/python3 (CI=true)"
	fi
	# Collective reads are done by aggregator ranks on behalf of all.
	want=$(awk '{ n += $8 } END { print n }' "$T/$s.out")
	got=$(awk -F, 'NR > 1 { n += $8 } END { print n }' "$T/$s.csv")
	check "$s: bytes read from the file, all ranks: $got, MPI counted $want" test "$got" = "$want"
	# (mpirun's SIGCHLD handler writes while the library is recording)
	lost=$("$ANALYZE" summary -f json "$T/$s.iotr" | jq '.lost_events')
	check "$s: no event lost ($lost)" test "$lost" = 0
	check "$s: the file is the ranks' bytes" test "$(stat -c %s "$F")" -eq "$(awk '{ n += $6 } END { print n }' "$T/$s.out")"
done

# ioview: the process table has a RANK column, and each rank's pid
# carries the rank MPI gave it.
if command -v tmux >/dev/null && [[ -x $BIN/ioview ]]; then
	. "$SRC/tests/tui/lib.sh"
	trap 'tui_cleanup; rm -rf "$T"' EXIT
	tui_start 200 50 -- -a "$T/preload.iotr"
	tui_wait '^ +PID +JOB +RANK +READ/s '
	while read -r _ rank _ pid _; do
		tui_wait "^ +$pid +[^ ]+ +$rank +.*/mpi_io "
		ok "ioview: pid $pid is rank $rank"
	done <"$T/preload.out"
	tui_keys Tab
	tui_wait 'view threads'
	tui_wait '^ +PID +TID +JOB +RANK +READ/s '
	tui_quit_and_check
elif [[ ${CI:-} == true ]]; then
	fail "no tmux or ioview (CI=true)"
fi
finish
