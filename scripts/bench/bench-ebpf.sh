#!/usr/bin/env bash
# bench-ebpf: overhead of iorec's eBPF source on the worst case for any
# tracer, a syscall-bound loop of pread(4 KiB) from the page cache, with
# strace, perf trace and bpftrace measured side by side in the same run.
#
# The ratio is traced/untraced wall time of the loop as the program itself
# measures it (tools' start-up excluded for every tool alike), median of
# RUNS alternating runs; iorec's whole-command ratio (load, attach, final
# flush included) is printed too. strace and perf trace run on PEER_CALLS
# calls (they need minutes for 1M); their ratios are per call and
# comparable. Needs root; mounts tracefs for the peers if it is absent.
#
#   BUILD=build SRC=. scripts/bench/bench-ebpf.sh
#   CALLS=1000000 PEER_CALLS=50000 RUNS=5 (environment overrides)
set -euo pipefail
: "${BUILD:?}" "${SRC:?}"
CALLS=${CALLS:-1000000}
PEER_CALLS=${PEER_CALLS:-50000}
RUNS=${RUNS:-5}
LOOP=$BUILD/tests/pread_loop
IOREC=$BUILD/bin/iorec
EVENTS=$BUILD/tests/iotr_events
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-ebpf.XXXXXX")
trap 'rm -rf "$W"' EXIT
((EUID == 0)) || { echo "bench-ebpf: needs root (eBPF, and the peers)" >&2; exit 1; }
head -c $((1 << 20)) /dev/urandom > "$W/data.bin"
cat "$W/data.bin" > /dev/null

# wall, user and system seconds of a command and its children (bash's time)
timed() { # outfile cmd...
	local out=$1; shift
	local TIMEFORMAT='%R %U %S'
	{ time "$@" > "$W/out"; } 2> "$out"
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
loop_s() { awk '/^loop_s/ {print $2}'; }

# untraced vs iorec, alternating
: > "$W/base"; : > "$W/rec"; : > "$W/recwall"; : > "$W/basewall"; : > "$W/drain"
: > "$W/basecpu"; : > "$W/reccpu"
for i in $(seq "$RUNS"); do
	timed "$W/t" "$LOOP" "$W/data.bin" "$CALLS" 4096
	loop_s < "$W/out" >> "$W/base"; awk '{print $1}' "$W/t" >> "$W/basewall"
	awk '/^loop_s/ {print $4}' "$W/out" >> "$W/basecpu"
	rm -f "$W/run.iotr"
	timed "$W/t" "$IOREC" -q -s ebpf -o "$W/run.iotr" -- "$LOOP" "$W/data.bin" "$CALLS" 4096
	loop_s < "$W/out" >> "$W/rec"
	awk '/^loop_s/ {print $4}' "$W/out" >> "$W/reccpu"
	awk '{print $1}' "$W/t" >> "$W/recwall"
	# iorec's own CPU (user+sys, without COMMAND's), as it wrote it into the trace
	"$EVENTS" "$W/run.iotr" | awk -F'\t' '$1=="META" && $2=="rec.self_cpu_ns" {print $3 / 1e9}' >> "$W/drain"
done
base=$(median < "$W/base"); rec=$(median < "$W/rec")
basewall=$(median < "$W/basewall"); recwall=$(median < "$W/recwall")
"$EVENTS" "$W/run.iotr" > "$W/run.txt"
events=$(awk -F'\t' '$1=="META" && $2=="source.ebpf.events" {print $3}' "$W/run.txt")
lost=$(awk -F'\t' '$1=="LOSS" {s+=$4} END {print s+0}' "$W/run.txt")
preads=$(awk -F'\t' -v f="$W/data.bin" '$1=="IO" && $2=="pread" && $14==f' "$W/run.txt" | wc -l)
size=$(stat -c %s "$W/run.iotr")
drain=$(median < "$W/drain")
drain_core=$(awk -v c="$drain" -v e="$events" 'BEGIN {printf "%.3f", c / (e / 1e6)}')

# peers
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
peer_base=$( ("$LOOP" "$W/data.bin" "$PEER_CALLS" 4096; "$LOOP" "$W/data.bin" "$PEER_CALLS" 4096;
	"$LOOP" "$W/data.bin" "$PEER_CALLS" 4096) | loop_s | median)
strace_s=NaN perf_s=NaN bpft_s=NaN
if command -v strace >/dev/null; then
	strace_s=$(strace -f -T -o "$W/strace.out" "$LOOP" "$W/data.bin" "$PEER_CALLS" 4096 | loop_s)
fi
if command -v perf >/dev/null; then
	perf_s=$(perf trace -e pread64 -o "$W/perf.out" -- "$LOOP" "$W/data.bin" "$PEER_CALLS" 4096 2>/dev/null | loop_s) || perf_s=NaN
fi
if command -v bpftrace >/dev/null; then
	bpft_s=$(bpftrace -e 'tracepoint:syscalls:sys_enter_pread64 /pid == cpid/ { @s[tid] = nsecs; }
		tracepoint:syscalls:sys_exit_pread64 /@s[tid]/ { @lat = hist(nsecs - @s[tid]); delete(@s[tid]); }' \
		-c "$LOOP $W/data.bin $CALLS 4096" 2>/dev/null | loop_s) || bpft_s=NaN
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "NaN" || a == "" || b <= 0) print "NaN"; else printf "%.2f", a / b}'; }
r_iorec=$(ratio "$rec" "$base")
r_wall=$(ratio "$recwall" "$basewall")
r_cpu=$(ratio "$(median < "$W/reccpu")" "$(median < "$W/basecpu")")
r_strace=$(ratio "$strace_s" "$peer_base")
r_perf=$(ratio "$perf_s" "$peer_base")
r_bpft=$(ratio "$bpft_s" "$base")

printf '\nbench-ebpf: %s x pread 4 KiB from the page cache (peers marked * on %s calls)\n' "$CALLS" "$PEER_CALLS"
printf '%-34s %10s %8s  %s\n' "tracer" "loop s" "ratio" "records"
printf '%-34s %10.3f %8s  %s\n' "untraced (median of $RUNS)" "$base" "1.00" "-"
printf '%-34s %10.3f %8s  %s\n' "iorec -s ebpf (median of $RUNS)" "$rec" "$r_iorec" "every call: $preads preads, $lost lost"
printf '%-34s %10s %8s  %s\n' "  whole command incl. load/attach" "${recwall}s" "$r_wall" "vs ${basewall}s untraced"
printf '%-34s %10s %8s  %s\n' "  CPU time of the loop" "" "$r_cpu" "(less sensitive to other load)"
printf '%-34s %10s %8s  %s\n' "strace -f -T -o *" "$strace_s" "$r_strace" "every call, text"
printf '%-34s %10s %8s  %s\n' "perf trace -e pread64 -o *" "$perf_s" "$r_perf" "every call, text"
printf '%-34s %10s %8s  %s\n' "bpftrace enter/exit histogram" "$bpft_s" "$r_bpft" "a latency histogram only"
printf 'iorec: %s events, trace %s bytes (%.2f bytes/event), own CPU %.3f s = %s core at 1M events/s\n\n' \
	"$events" "$size" "$(awk -v s="$size" -v e="$events" 'BEGIN {print s / e}')" "$drain" "$drain_core"

echo "BENCH ebpf.ratio_pread_loop $r_iorec"
echo "BENCH ebpf.lost_events $lost"
echo "BENCH ebpf.drain_cpu_core $drain_core"
echo "BENCH strace.ratio_pread_loop $r_strace"
echo "BENCH perftrace.ratio_pread_loop $r_perf"
echo "BENCH bpftrace.ratio_pread_loop $r_bpft"
echo "BENCH ebpf.bytes_per_event $(awk -v s="$size" -v e="$events" 'BEGIN {printf "%.2f", s / e}')"
