#!/usr/bin/env bash
# bench-preload.sh - overhead of the preload source (make bench-preload).
#
# Side by side in one run, alternating traced and untraced; each figure is
# the median, over the runs, of the ratio between a traced run and the
# untraced run just before it (neighbours in time see the same machine: on
# a shared VM the speed of the kernel's copy drifts by 10-30% from minute
# to minute, more than the tracer costs). Times are wall times of the
# whole process: start-up, loop, final flush.
#   - 1M x pread of 4 KiB from the page cache, with libiorec-preload.so
#     (every call recorded) vs. untraced
#   - the same loop under `iorec -s ebpf` when that source can run here
#   - strace -f on 20k calls (it is too slow for 1M)
#   - fio 4K random read (psync) on a cached file: fio's IOPS untraced / traced
#     (and the same from the device with O_DIRECT, and through libaio)
#   - random 4 KiB preads in one process, alternating blocks of wrapped
#     pread() and plain syscall() (tests/preload/pread_mix): the ns the
#     library adds per call, free of the machine's drift
#   - per process: start to exit of /bin/true untraced, with the library
#     loaded, and recording (tests/preload/spawn_cost)
#   - a shell script of 300 /bin/true, untraced and through iorec
#   - memory per thread: RSS growth from 8 to 40 threads that each did
#     20k preads, traced minus untraced, divided by 32
#   - 16 threads at once: the share of events lost to full rings
# Prints BENCH preload.ratio_pread_loop, preload.ratio_fio_randread,
# preload.thread_mem_kib and the comparison figures.
set -u
: "${BUILD:?}" "${SRC:?}"
SO=$BUILD/lib/libiorec-preload.so
H=$BUILD/tests/preload
RUNS=${RUNS:-9}
FIO_RUNS=${FIO_RUNS:-30} # fio pairs: single pairs spread by +-10% here
LOOP=${LOOP:-1000000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-preload.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
head -c $((16 << 20)) /dev/urandom >"$WORK/data"
cat "$WORK/data" >/dev/null

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# pair_ratios A B: B[i] / A[i] over the lines of files A and B
pair_ratios() { paste "$1" "$2" | awk '{ printf "%.6f\n", $2 / $1 }'; }
pair_median() { pair_ratios "$@" | median; }
# pair_quartiles A B: "q1-q3" of the same ratios (how far to trust the median)
pair_quartiles() {
	pair_ratios "$@" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.3f-%.3f", v[int((NR + 3) / 4)], v[int((3 * NR + 1) / 4)] }'
}
# A fresh spool per run, made before the clock starts. The one before is
# removed, as iorec removes the shards it has merged: kept, the spools of
# a whole bench (hundreds of MB) were written back to the disk during
# later runs, which made fio's traced/untraced ratio 2-3 points worse.
SPOOL_N=0
SPOOL=
newspool() {
	[[ -n $SPOOL ]] && rm -rf "$SPOOL"
	SPOOL_N=$((SPOOL_N + 1)); SPOOL=$WORK/spool.$SPOOL_N; mkdir -m 0700 "$SPOOL"
}

# fio_pairs N FN U T: N pairs of "FN env" (untraced, to file U) and
# "FN traced" (to T), in turn untraced first and traced first, so that a
# drift of the machine within a pair does not favour either side.
fio_pairs() {
	local n=$1 fn=$2 u=$3 t=$4 i
	: >"$u"; : >"$t"
	for ((i = 0; i < n; i++)); do
		newspool
		if ((i % 2 == 0)); then
			"$fn" env >>"$u"; "$fn" traced >>"$t"
		else
			"$fn" traced >>"$t"; "$fn" env >>"$u"
		fi
	done
}

wall() { # command... -> seconds (bash's clock: no process started around it)
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || { echo "bench-preload: '$*' failed" >&2; exit 1; }
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

# CPU seconds (user + system) of command..., appended to file $1: less
# sensitive than wall time to other work on a busy machine.
cpu() {
	local out=$1; shift
	/usr/bin/time -f "%U %S" -o "$WORK/time.out" "$@" >/dev/null 2>&1 ||
		{ echo "bench-preload: '$*' failed" >&2; exit 1; }
	awk '{ printf "%.3f %.3f\n", $1 + $2, $1 }' "$WORK/time.out" >>"$out"
}

traced() { IOREC_PRELOAD_SPOOL=$SPOOL LD_PRELOAD=$SO "$@"; }
# spool_preads: preads recorded in the last spool (merged, then dropped)
spool_preads() {
	"$H/iotr_stats" --merge "$WORK/check.iotr" "$SPOOL" | awk '$1 == "op" && $2 == "pread" { print $4 }'
	rm -f "$WORK/check.iotr"
}

ebpf_ok=0
if [[ -x $BUILD/bin/iorec ]] && "$BUILD/bin/iorec" --check 2>/dev/null | grep -q '^ebpf *yes'; then
	ebpf_ok=1
fi
ebpf_run() { rm -f "$WORK/e.iotr"; "$BUILD/bin/iorec" -q -s ebpf -o "$WORK/e.iotr" -- "$@"; }

echo "preload benchmark: $LOOP x pread 4 KiB, $RUNS alternating runs (median wall time)"
: >"$WORK/u"; : >"$WORK/t"; : >"$WORK/e"
for ((i = 0; i < RUNS; i++)); do
	wall "$H/pread_loop" "$WORK/data" "$LOOP" >>"$WORK/u"
	newspool
	wall traced "$H/pread_loop" "$WORK/data" "$LOOP" >>"$WORK/t"
	((ebpf_ok)) && wall ebpf_run "$H/pread_loop" "$WORK/data" "$LOOP" >>"$WORK/e"
done
u=$(median <"$WORK/u"); t=$(median <"$WORK/t")
ratio=$(pair_median "$WORK/u" "$WORK/t")
if [[ -x /usr/bin/time ]]; then
	: >"$WORK/cu"; : >"$WORK/ct"
	for ((i = 0; i < RUNS; i++)); do
		cpu "$WORK/cu" "$H/pread_loop" "$WORK/data" "$LOOP"
		newspool
		cpu "$WORK/ct" env IOREC_PRELOAD_SPOOL="$SPOOL" LD_PRELOAD="$SO" "$H/pread_loop" "$WORK/data" "$LOOP"
	done
	cu=$(cut -d' ' -f1 "$WORK/cu" | median); ct=$(cut -d' ' -f1 "$WORK/ct" | median)
	uu=$(cut -d' ' -f2 "$WORK/cu" | median); ut=$(cut -d' ' -f2 "$WORK/ct" | median)
	printf "  CPU time (user+sys): untraced %.3f s, preload %.3f s (user %.3f s, %.3f s)\n" "$cu" "$ct" "$uu" "$ut"
	echo "BENCH preload.cpu_ratio_pread_loop $(awk -v a="$ct" -v b="$cu" 'BEGIN { printf "%.3f", a / b }')"
	# what the library adds per call in user time (the kernel part is the same)
	echo "BENCH preload.user_ns_per_event $(awk -v a="$ut" -v b="$uu" -v n="$LOOP" 'BEGIN { printf "%.0f", (a - b) * 1e9 / n }')"
fi
# every call must be in the trace
n=$(spool_preads)
[[ $n == "$LOOP" ]] || { echo "bench-preload: trace holds $n of $LOOP preads" >&2; exit 1; }
printf "  untraced %8.3f s\n  preload  %8.3f s  (%s events recorded)\n" "$u" "$t" "$n"
if ((ebpf_ok)); then
	e=$(median <"$WORK/e")
	printf "  ebpf     %8.3f s  (iorec -s ebpf, incl. load and attach)\n" "$e"
	echo "BENCH preload.ebpf_ratio_pread_loop $(pair_median "$WORK/u" "$WORK/e")"
else
	echo "  ebpf     not available here (iorec --check)"
fi

# In one process, wrapped and plain calls a millisecond apart: the
# figure to compare builds by (the pairs above spread by several %).
: >"$WORK/x"; : >"$WORK/xr"; : >"$WORK/x0"
for ((i = 0; i < RUNS; i++)); do
	"$H/pread_mix" "$WORK/data" "$LOOP" | awk '{ print $6 }' >>"$WORK/x0"
	newspool
	traced "$H/pread_mix" "$WORK/data" "$LOOP" >"$WORK/mix.out" ||
		{ echo "bench-preload: pread_mix failed" >&2; exit 1; }
	awk '{ print $6 >> "'"$WORK/x"'"; print $8 >> "'"$WORK/xr"'" }' "$WORK/mix.out"
done
n=$(spool_preads)
want=$(awk '{ print $10 }' "$WORK/mix.out")
[[ $n == "$want" ]] || { echo "bench-preload: pread_mix trace holds $n of $want preads" >&2; exit 1; }
printf "  random 4K pread, wrapped vs plain in one process: +%.1f ns per call (without the library: %+.1f ns)\n" \
	"$(median <"$WORK/x")" "$(median <"$WORK/x0")"
echo "BENCH preload.ns_per_event_random_pread $(printf '%.1f' "$(median <"$WORK/x")")"
echo "BENCH preload.ratio_random_pread_interleaved $(printf '%.3f' "$(median <"$WORK/xr")")"

SMALL=20000
: >"$WORK/su"; : >"$WORK/st"; : >"$WORK/sp"
if command -v strace >/dev/null; then
	for ((i = 0; i < 3; i++)); do
		wall "$H/pread_loop" "$WORK/data" $SMALL >>"$WORK/su"
		wall strace -f -o "$WORK/strace.out" "$H/pread_loop" "$WORK/data" $SMALL >>"$WORK/st"
		newspool
		wall traced "$H/pread_loop" "$WORK/data" $SMALL >>"$WORK/sp"
	done
	su=$(median <"$WORK/su"); st=$(median <"$WORK/st"); sp=$(median <"$WORK/sp")
	printf "  %d calls: untraced %.3f s, preload %.3f s, strace -f %.3f s\n" $SMALL "$su" "$sp" "$st"
	echo "BENCH preload.strace_ratio_pread_20k $(awk -v a="$st" -v b="$su" 'BEGIN { printf "%.2f", a / b }')"
	echo "BENCH preload.ratio_pread_20k $(awk -v a="$sp" -v b="$su" 'BEGIN { printf "%.3f", a / b }')"
fi
echo "BENCH preload.ratio_pread_loop $(printf '%.3f' "$ratio")"

if command -v fio >/dev/null && command -v jq >/dev/null; then
	fio_iops() {
		"$@" fio --name=rr --filename="$WORK/data" --ioengine=psync --rw=randread --bs=4k \
			--size=16m --io_size=1g --randrepeat=1 --invalidate=0 --output-format=json 2>/dev/null |
			jq '.jobs[0].read.iops'
	}
	fio_pairs "$FIO_RUNS" fio_iops "$WORK/fu" "$WORK/ft"
	fu=$(median <"$WORK/fu"); ft=$(median <"$WORK/ft")
	printf "  fio 4K randread: %.0f IOPS untraced, %.0f IOPS traced (medians); ratio quartiles %s over %d pairs\n" \
		"$fu" "$ft" "$(pair_quartiles "$WORK/ft" "$WORK/fu")" "$FIO_RUNS"
	# IOPS: untraced over traced is the time ratio
	echo "BENCH preload.ratio_fio_randread $(printf '%.3f' "$(pair_median "$WORK/ft" "$WORK/fu")")"

	# The same from the device (O_DIRECT, 256 MiB file): what an application
	# reading a file it has not cached sees. The page-cache figure above is
	# the tracer's worst case (about 1 us per read).
	fio_direct_iops() {
		"$@" fio --name=rd --filename="$WORK/direct" --ioengine=psync --rw=randread --bs=4k \
			--size=256m --direct=1 --runtime=3 --time_based --randrepeat=1 \
			--output-format=json 2>/dev/null | jq '.jobs[0].read.iops'
	}
	fio --name=lay --filename="$WORK/direct" --size=256m --rw=write --bs=1m \
		--output-format=json >/dev/null 2>&1
	fio_pairs 3 fio_direct_iops "$WORK/du" "$WORK/dt"
	du=$(median <"$WORK/du"); dt=$(median <"$WORK/dt")
	printf "  fio 4K randread O_DIRECT: %.0f IOPS untraced, %.0f IOPS traced (medians)\n" "$du" "$dt"
	echo "BENCH preload.ratio_fio_randread_direct $(printf '%.3f' "$(pair_median "$WORK/dt" "$WORK/du")")"
	rm -f "$WORK/direct"

	# Linux AIO (libaio, 16 in flight) on the cached file: each request
	# is an io_submit and an io_getevents of the library's, plus its
	# table of requests in flight.
	fio_aio_iops() {
		"$@" fio --name=aio --filename="$WORK/data" --ioengine=libaio --iodepth=16 \
			--rw=randread --bs=4k --size=16m --io_size=512m --randrepeat=1 --invalidate=0 \
			--output-format=json 2>/dev/null | jq '.jobs[0].read.iops'
	}
	fio_pairs "$FIO_RUNS" fio_aio_iops "$WORK/au" "$WORK/at"
	printf "  fio 4K randread libaio (iodepth 16): %.0f IOPS untraced, %.0f IOPS traced (medians); ratio quartiles %s\n" \
		"$(median <"$WORK/au")" "$(median <"$WORK/at")" "$(pair_quartiles "$WORK/at" "$WORK/au")"
	echo "BENCH preload.ratio_fio_libaio $(printf '%.3f' "$(pair_median "$WORK/at" "$WORK/au")")"
fi

# Start and exit of a short process (/bin/true, in turn untraced, with
# the library loaded but not recording, and recording into a spool in
# TMPDIR as under iorec, with its TSC verdict): what each traced process
# of a shell script costs.
tsc=0
grep -qw constant_tsc /proc/cpuinfo && grep -qw nonstop_tsc /proc/cpuinfo && tsc=1
newspool
read -r su sl st < <("$H/spawn_cost" 400 /bin/true - "LD_PRELOAD=$SO" \
	"LD_PRELOAD=$SO IOREC_PRELOAD_SPOOL=$SPOOL IOREC_PRELOAD_TSC=$tsc" | awk '{ printf "%s ", $2 }')
echo "  /bin/true start to exit (median): untraced $su us, library loaded $sl us, recording $st us"
echo "BENCH preload.process_start_extra_us $(awk -v a="$st" -v b="$su" 'BEGIN { printf "%.0f", a - b }')"
echo "BENCH preload.library_load_us $(awk -v a="$sl" -v b="$su" 'BEGIN { printf "%.0f", a - b }')"

# A shell script of short commands through iorec (spool in TMPDIR, as a
# user would run it): what a traced job script pays per command,
# including iorec's merging beside it.
if [[ -x $BUILD/bin/iorec ]]; then
	printf 'for ((i = 0; i < 300; i++)); do /bin/true; done\n' >"$WORK/script.sh"
	: >"$WORK/qu"; : >"$WORK/qt"
	for ((i = 0; i < 5; i++)); do
		wall bash "$WORK/script.sh" >>"$WORK/qu"
		rm -f "$WORK/q.iotr"
		wall "$BUILD/bin/iorec" -q -s preload -o "$WORK/q.iotr" -- bash "$WORK/script.sh" >>"$WORK/qt"
	done
	qu=$(median <"$WORK/qu"); qt=$(median <"$WORK/qt")
	printf "  script of 300 /bin/true: untraced %.3f s, iorec -s preload %.3f s (TMPDIR %s)\n" \
		"$qu" "$qt" "${TMPDIR:-/tmp}"
	echo "BENCH preload.script_extra_us_per_command $(awk -v a="$qt" -v b="$qu" 'BEGIN { printf "%.0f", (a - b) * 1e6 / 300 }')"
fi

# Per thread: the slope between 8 and 40 threads, traced minus untraced,
# so that per-process memory (the shard writer) does not count.
: >"$WORK/m"
for ((i = 0; i < 3; i++)); do
	u8=$("$H/thread_mem" "$WORK/data" 8 20000); u40=$("$H/thread_mem" "$WORK/data" 40 20000)
	newspool
	t8=$(traced "$H/thread_mem" "$WORK/data" 8 20000)
	newspool
	t40=$(traced "$H/thread_mem" "$WORK/data" 40 20000)
	echo $(( ((t40 - t8) - (u40 - u8)) / 32 )) >>"$WORK/m"
	echo "  RSS KiB with 8 / 40 threads after 20k preads each: untraced $u8 / $u40, traced $t8 / $t40"
done
echo "BENCH preload.thread_mem_kib $(median <"$WORK/m")"

# Contention: 16 threads on this machine's CPUs, each writing and reading
# back 50k blocks. A thread whose ring is full while another holds the
# drain lock (or was preempted holding it) counts its events as lost
# rather than wait: the share lost, over 3 runs (median).
: >"$WORK/ml"
for ((i = 0; i < 3; i++)); do
	newspool
	mkdir -p "$WORK/mt" && rm -f "$WORK/mt"/*
	traced "$H/mt_io" "$WORK/mt" 16 50000 >/dev/null ||
		{ echo "bench-preload: mt_io failed" >&2; exit 1; }
	"$H/iotr_stats" --merge "$WORK/check.iotr" "$SPOOL" |
		awk '$1 == "events" { e = $2 } $1 == "loss" { l = $2 } END { printf "%.2f\n", 100 * l / (e + l) }' >>"$WORK/ml"
	rm -f "$WORK/check.iotr"
done
echo "  16 threads x 100k calls: $(paste -sd' ' "$WORK/ml") % of the events lost (ring full, drain lock busy)"
echo "BENCH preload.mt16_lost_pct $(median <"$WORK/ml")"
