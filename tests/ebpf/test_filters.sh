#!/usr/bin/env bash
# In-kernel filters: --all sees a process started after recording began
# and never iorec's own I/O; --comm, --pid, --syscalls and --path keep out
# what they must.
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
D=$WORK/data; mkdir -p "$D/in" "$D/out"
echo hello > "$D/in/a.txt"; echo hello > "$D/out/b.txt"

# Start a whole-node recording in the background, wait until it records.
start_all() { # out args...
	local out=$1; shift
	"${REC[@]}" -v --all -o "$out" "$@" 2>"$out.log" &
	DRIVE=$!
	for _ in $(seq 100); do grep -q recording "$out.log" 2>/dev/null && return; sleep 0.1; done
	fail "${REC[*]} --all did not start: $(cat "$out.log")"
}
stop_all() { kill -INT "$DRIVE"; wait "$DRIVE" || fail "${REC[*]} --all failed: $(cat "$1.log")"; }

# --all: a later process is seen; the recorder's own I/O is not.
start_all "$WORK/all.iotr"
"$T/known_io" "$D/in" & kpid=$!; wait $kpid
stop_all "$WORK/all.iotr"
events "$WORK/all.iotr" > "$WORK/all.txt"
check "--all: known_io's writes to its file" \
	"$(awk -F'\t' -v p="$kpid" -v f="$D/in/known.dat" '$1=="IO" && $3==p && $2=="write" && $14==f' "$WORK/all.txt" | wc -l)" 3
check "--all: no events of the recorder itself" \
	"$(awk -F'\t' -v p="$DRIVE" '$1=="IO" && $3==p' "$WORK/all.txt" | wc -l)" 0

# iorec's helpers (here --jobstats-cmd, run each interval) are its own I/O
if [[ -x $BUILD/bin/iorec ]]; then
	echo "x" > "$D/js.txt"
	"$BUILD/bin/iorec" -q -s ebpf,jobstats -i 100 --jobstats-cmd "cat $D/js.txt; echo ran >> $D/marker" \
		--all --duration 1.5 -o "$WORK/own.iotr" || fail "iorec --all with --jobstats-cmd"
	runs=$(wc -l < "$D/marker")
	((runs >= 3)) || fail "--jobstats-cmd ran $runs times"
	events "$WORK/own.iotr" > "$WORK/own.txt"
	check "--all: the $runs runs of iorec's helper command not recorded" \
		"$(awk -F'\t' -v a="$D/js.txt" -v b="$D/marker" '$1=="IO" && ($14==a || $14==b)' "$WORK/own.txt" | wc -l)" 0
fi

# --comm: only known_io, not the cat that runs beside it
start_all "$WORK/comm.iotr" --comm known_io
cat "$D/out/b.txt" >/dev/null
"$T/known_io" "$D/in"
stop_all "$WORK/comm.iotr"
events "$WORK/comm.iotr" > "$WORK/comm.txt"
check "--comm: known_io's calls on its file" \
	"$(awk -F'\t' -v f="$D/in/known.dat" '$1=="IO" && $14==f' "$WORK/comm.txt" | wc -l)" 15
check "--comm: cat's read not recorded" \
	"$(awk -F'\t' -v f="$D/out/b.txt" '$1=="IO" && $14==f' "$WORK/comm.txt" | wc -l)" 0
check "--comm: a single process" "$(awk -F'\t' '$1=="IO" {print $3}' "$WORK/comm.txt" | sort -u | wc -l)" 1

# --pid: two shells read their own file in a loop; only the chosen one is kept
reader='for i in $(seq 100); do read -r x < "$1"; sleep 0.02; done'
bash -c "$reader" _ "$D/in/a.txt" & pa=$!
bash -c "$reader" _ "$D/out/b.txt" & pb=$!
start_all "$WORK/pid.iotr" --pid "$pa"
wait $pa $pb
stop_all "$WORK/pid.iotr"
events "$WORK/pid.iotr" > "$WORK/pid.txt"
n=$(awk -F'\t' -v f="$D/in/a.txt" -v p="$pa" '$1=="IO" && $2=="read" && $3==p && $14==f' "$WORK/pid.txt" | wc -l)
((n > 0)) || fail "--pid: no reads of the chosen process"
echo "ok: --pid: $n reads of the chosen process"
check "--pid: other pids" "$(awk -F'\t' -v p="$pa" '$1=="IO" && $3!=p' "$WORK/pid.txt" | wc -l)" 0

# --tid: the same with the thread id of the other (single-threaded) shell
bash -c "$reader" _ "$D/in/a.txt" & pa=$!
bash -c "$reader" _ "$D/out/b.txt" & pb=$!
start_all "$WORK/tid.iotr" --tid "$pb"
wait $pa $pb
stop_all "$WORK/tid.iotr"
events "$WORK/tid.iotr" > "$WORK/tid.txt"
n=$(awk -F'\t' -v f="$D/out/b.txt" -v p="$pb" '$1=="IO" && $2=="read" && $4==p && $14==f' "$WORK/tid.txt" | wc -l)
((n > 0)) || fail "--tid: no reads of the chosen thread"
check "--tid: other threads" "$(awk -F'\t' -v p="$pb" '$1=="IO" && $4!=p' "$WORK/tid.txt" | wc -l)" 0

# --syscalls: only the listed calls
record "$WORK/sys.iotr" --syscalls pread,openat -- "$T/known_io" "$D/in" || fail "known_io --syscalls"
events "$WORK/sys.iotr" > "$WORK/sys.txt"
check "--syscalls: ops recorded" "$(awk -F'\t' '$1=="IO" {print $2}' "$WORK/sys.txt" | sort -u | tr '\n' ' ')" "openat pread "
check "--syscalls: pread on the file" \
	"$(awk -F'\t' -v f="$D/in/known.dat" '$1=="IO" && $2=="pread" && $14==f {print $6, $7}' "$WORK/sys.txt")" "8192 4096"

# --path: only files under the prefix, by whole components: not in2/,
# whether the kernel side judges the path (absolute) or iorec (relative)
mkdir -p "$D/in2"; echo c > "$D/in2/c.txt"; echo d > "$D/in2/d.txt"
record "$WORK/path.iotr" --path "$D/in" -- sh -c 'cat "$1" "$2" "$3" > /dev/null; cd "$4" && cat in2/d.txt > /dev/null' \
	_ "$D/in/a.txt" "$D/out/b.txt" "$D/in2/c.txt" "$D" ||
	fail "cat --path"
events "$WORK/path.iotr" > "$WORK/path.txt"
check "--path: files seen" "$(awk -F'\t' '$1=="IO" {print $14}' "$WORK/path.txt" | sort -u)" "$D/in/a.txt"
check "--path: calls on the kept file (open, fstatat by fd, read x2, close)" \
	"$(awk -F'\t' '$1=="IO" {print $2}' "$WORK/path.txt" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" \
	"close:1 fstatat:1 openat:1 read:2 "
dropped=$(awk -F'\t' '$1=="META" && $2=="source.ebpf.filtered_by_path" {print $3}' "$WORK/path.txt")
in_kernel=$(awk -F'\t' '$1=="META" && $2=="source.ebpf.filtered_in_kernel" {print $3}' "$WORK/path.txt")
((dropped > 0 && in_kernel > 0 && in_kernel <= dropped)) ||
	fail "--path: filtered $dropped calls, $in_kernel of them in the kernel"
echo "ok: --path: $dropped calls filtered, $in_kernel of them in the kernel"
echo PASS
