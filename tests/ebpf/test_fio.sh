#!/usr/bin/env bash
# fio's own JSON report is the oracle: the read/write ops and bytes the
# eBPF source records on fio's data files equal fio's total_ios/io_bytes,
# for the psync engine (pread64/pwrite64), the io_uring engine
# (requests from the io_uring tracepoints) and the libaio engine (Linux
# AIO requests, from io_submit to io_getevents).
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
command -v fio >/dev/null || skip_or_fail "fio not installed"
command -v jq >/dev/null || skip_or_fail "jq not installed"

run_fio() { # name engine readop writeop [fio options]
	local name=$1 engine=$2 rop=$3 wop=$4 D=$WORK/$1
	shift 4
	mkdir -p "$D"
	record "$WORK/$name.iotr" -- fio --name=t --directory="$D" --ioengine="$engine" \
		--rw=randrw --bs=4k --size=2M --numjobs=2 --iodepth=8 --randseed=7 "$@" \
		--output-format=json --output="$WORK/$name.json" >/dev/null ||
		fail "fio $name under the recorder"
	events "$WORK/$name.iotr" > "$WORK/$name.txt" || fail "cannot read the trace"
	local want_r want_w want_rb want_wb got
	want_r=$(jq '[.jobs[].read.total_ios] | add' "$WORK/$name.json")
	want_w=$(jq '[.jobs[].write.total_ios] | add' "$WORK/$name.json")
	want_rb=$(jq '[.jobs[].read.io_bytes] | add' "$WORK/$name.json")
	want_wb=$(jq '[.jobs[].write.io_bytes] | add' "$WORK/$name.json")
	((want_r > 0 && want_w > 0)) || fail "fio $name did no I/O?"
	got=$(awk -F'\t' -v d="$D/" -v op="$rop" '$1=="IO" && $2==op && index($14, d)==1 {n++; b+=$8} END {print n+0, b+0}' "$WORK/$name.txt")
	check "$name read ops, bytes" "$got" "$want_r $want_rb"
	got=$(awk -F'\t' -v d="$D/" -v op="$wop" '$1=="IO" && $2==op && index($14, d)==1 {n++; b+=$8} END {print n+0, b+0}' "$WORK/$name.txt")
	check "$name write ops, bytes" "$got" "$want_w $want_wb"
	check "$name lost events" "$(awk -F'\t' '$1=="META" && $2=="source.ebpf.lost" {print $3}' "$WORK/$name.txt")" 0
}

run_fio psync psync pread pwrite
# end to end: ioanalyze's summary of the trace agrees with fio too (the data
# files also get fio's layout writes, so compare reads, and pwrite ops)
if [[ -x $BUILD/bin/ioanalyze ]]; then
	got=$("$BUILD/bin/ioanalyze" summary --format json "$WORK/psync.iotr" |
		jq --arg d "$WORK/psync/" '[.files[] | select(.path | startswith($d))] | [(map(.read_ops) | add), (map(.read_bytes) | add)] | join(" ")' -r)
	check "ioanalyze summary: reads of fio's files" "$got" \
		"$(jq '[.jobs[].read.total_ios] | add' "$WORK/psync.json") $(jq '[.jobs[].read.io_bytes] | add' "$WORK/psync.json")"
fi
run_fio io_uring io_uring io_uring_read io_uring_write
# registered files and buffers: READ_FIXED/WRITE_FIXED on fixed-file indexes
run_fio io_uring_fixed io_uring io_uring_read io_uring_write --registerfiles=1 --fixedbufs=1
# SQPOLL: a kernel thread of the process submits (made by create_io_thread,
# which the fork tracepoint does not see)
run_fio io_uring_sqpoll io_uring io_uring_read io_uring_write --sqthread_poll=1
# --syscalls with one asynchronous op: only those requests
only_op() { # name engine op fio-direction
	local name=$1 engine=$2 op=$3 dir=$4
	mkdir -p "$WORK/$name"
	record "$WORK/$name.iotr" --syscalls "$op" -- fio --name=t --directory="$WORK/$name" \
		--ioengine="$engine" --rw=randrw --bs=4k --size=1M --iodepth=4 --randseed=3 \
		--output-format=json --output="$WORK/$name.json" >/dev/null || fail "fio --syscalls $op"
	check "--syscalls $op: ops recorded" \
		"$(events "$WORK/$name.iotr" | awk -F'\t' '$1=="IO" {print $2}' | sort | uniq -c | awk '{print $2, $1}')" \
		"$op $(jq "[.jobs[].$dir.total_ios] | add" "$WORK/$name.json")"
}
only_op uw io_uring io_uring_write write

# Linux AIO (libaio): requests queued by io_submit, one event each when
# io_getevents reaps it; as threads, and as processes submitting batches
run_fio libaio libaio aio_read aio_write --thread
run_fio libaio_batch libaio aio_read aio_write --iodepth_batch_submit=4 --iodepth_batch_complete_min=2
# from io_submit to the reaping: fio's own latency (O_DIRECT, where it is
# long enough to compare; tmpfs has none)
mkdir -p "$WORK/lat"
if dd if=/dev/zero of="$WORK/lat/probe" bs=4k count=1 oflag=direct 2>/dev/null; then
	record "$WORK/lat.iotr" -- fio --name=lat --filename="$WORK/lat/f" --ioengine=libaio \
		--direct=1 --rw=randread --bs=4k --size=8m --io_size=4m --iodepth=4 --randseed=5 \
		--output-format=json --output="$WORK/lat.json" >/dev/null || fail "fio libaio O_DIRECT"
	got=$(events "$WORK/lat.iotr" | awk -F'\t' -v f="$WORK/lat/f" '$1=="IO" && $2=="aio_read" && $14==f {n++; d+=$13} END {printf "%.0f", n ? d / n : 0}')
	want=$(jq '.jobs[0].read.lat_ns.mean' "$WORK/lat.json")
	awk -v g="$got" -v w="$want" 'BEGIN { exit !(g > 0.8 * w && g < 1.25 * w) }' ||
		fail "libaio O_DIRECT: mean latency $got ns in the trace, fio says $want ns"
	echo "ok: libaio O_DIRECT mean latency $got ns, fio $want ns"
fi
only_op ar libaio aio_read read

# With --all, requests a running program queued before the recording
# started cannot be matched when reaped: counted, not recorded.
if [[ ${REC[0]} == */iorec ]]; then
	mkdir -p "$WORK/bg"
	fio --name=lay --filename="$WORK/bg/f" --size=16m --rw=write --bs=1m --output-format=json \
		>/dev/null 2>&1 || fail "fio layout"
	fio --name=bg --filename="$WORK/bg/f" --ioengine=libaio --iodepth=32 --rw=randread \
		--bs=4k --size=16m --time_based --runtime=4 --output-format=json >/dev/null 2>&1 &
	bg=$!
	sleep 1
	record "$WORK/all.iotr" --all --duration 1 || fail "iorec --all beside a running fio"
	wait $bg || fail "the background fio failed"
	unmatched=$(events "$WORK/all.iotr" | awk -F'\t' '$1=="META" && $2=="source.ebpf.aio_unmatched" {print $3}')
	reaped=$(events "$WORK/all.iotr" | awk -F'\t' -v f="$WORK/bg/f" '$1=="IO" && $2=="aio_read" && $14==f {n++} END {print n+0}')
	echo "--all beside fio (32 in flight): $reaped aio_read recorded, ${unmatched:-0} unmatched"
	((${unmatched:-0} >= 1 && ${unmatched:-0} <= 32)) || fail "aio_unmatched '${unmatched:-}', want 1-32"
	((reaped > 100)) || fail "only $reaped aio_read recorded beside a running fio"
fi

# io_uring events carry their source, the file's offset and the latency
awk -F'\t' '$1=="IO" && $2 ~ /^io_uring_(read|write)$/ && ($9 != "io_uring" || $6 < 0 || $6 % 4096 || $7 != 4096)' \
	"$WORK/io_uring.txt" | head -n 3 > "$WORK/bad.txt"
[[ ! -s $WORK/bad.txt ]] || fail "io_uring events without source/offset/size: $(cat "$WORK/bad.txt")"
echo PASS
