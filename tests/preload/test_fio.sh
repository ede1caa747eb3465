#!/usr/bin/env bash
# fio (psync, libaio and posixaio engines) under the preload library, as threads
# and as processes: the pread/pwrite calls (aio_read/aio_write requests)
# on the data files in the trace equal the read/write ops and bytes of
# fio's own JSON report.
source "$(dirname "$0")/lib.sh"
command -v fio >/dev/null || { echo "fio not installed"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
cd "$WORK" || exit 1
mkdir data

check_fio() { # label, read op, write op, extra fio options
	local label=$1 rop=$2 wop=$3; shift 3
	rm -f data/*
	traced fio --name=job --directory="$WORK/data" --ioengine=psync --rw=randrw --bs=4k \
		--size=4m --numjobs=2 --io_size=2m --randrepeat=1 --output-format=json "$@" \
		>fio.json 2>fio.err || { cat fio.err; fail "$label: fio failed"; }
	merge --dump
	local want_r want_rb want_w want_wb
	want_r=$(jq '[.jobs[].read.total_ios] | add' fio.json)
	want_rb=$(jq '[.jobs[].read.io_bytes] | add' fio.json)
	want_w=$(jq '[.jobs[].write.total_ios] | add' fio.json)
	want_wb=$(jq '[.jobs[].write.io_bytes] | add' fio.json)
	local got_r got_w
	got_r=$(awk -v d="$WORK/data/" -v op="$rop" '$1 == "ev" && index($11, d) == 1 && $5 == op { n++; b += $9 } END { printf "%d %.0f", n, b }' stats)
	got_w=$(awk -v d="$WORK/data/" -v op="$wop" '$1 == "ev" && index($11, d) == 1 && $5 == op { n++; b += $9 } END { printf "%d %.0f", n, b }' stats)
	expect_eq "$label: read ops and bytes" "$got_r" "$want_r $want_rb"
	expect_eq "$label: write ops and bytes" "$got_w" "$want_w $want_wb"
	expect_eq "$label: lost events" "$(awk '/^loss/ {print $2}' stats)" 0
}
check_fio threads pread pwrite --thread
check_fio processes pread pwrite
# Linux AIO: each request is one event when fio reaps it
check_fio "libaio threads" aio_read aio_write --thread --ioengine=libaio --iodepth=8
check_fio "libaio processes" aio_read aio_write --ioengine=libaio --iodepth=16 --iodepth_batch_submit=4
# POSIX AIO (glibc's threads call the kernel unseen): from aio_read/
# aio_write/aio_fsync to the aio_error that reports the request done
check_fio posixaio aio_read aio_write --ioengine=posixaio --iodepth=8 --fsync=8
expect_eq "posixaio: fsyncs" \
	"$(awk -v d="$WORK/data/" '$1 == "ev" && index($11, d) == 1 && $5 == "aio_fsync" { n++ } END { print n + 0 }' stats)" \
	"$(jq '[.jobs[].sync.total_ios] | add' fio.json)"

# More Linux AIO requests in flight than the library's table holds (4096):
# those without room are counted as lost, so recorded + lost is exact.
rm -f data/*
traced fio --name=deep --filename="$WORK/data/deep" --ioengine=libaio --rw=randread --bs=4k \
	--size=32m --iodepth=6000 --iodepth_batch_submit=6000 --iodepth_batch_complete_min=6000 \
	--io_size=64m --randrepeat=1 --output-format=json >deep.json 2>deep.err ||
	{ cat deep.err; fail "deep libaio: fio failed"; }
merge --dump
got=$(awk -v f="$WORK/data/deep" '$1 == "ev" && $11 == f && $5 == "aio_read" { n++ } END { print n + 0 }' stats)
lost=$(awk '/^loss/ {print $2}' stats)
echo "deep libaio: $got recorded, $lost lost"
((lost > 0)) || fail "deep libaio: nothing lost with 6000 requests in flight"
expect_eq "deep libaio: recorded + lost" "$((got + lost))" "$(jq '.jobs[0].read.total_ios' deep.json)"

# An AIO event lasts from io_submit to the io_getevents that reaped it:
# what fio reports as its latency (from the device, where it is long
# enough to compare; tmpfs has no O_DIRECT).
if dd if=/dev/zero of=data/probe bs=4k count=1 oflag=direct 2>/dev/null; then
	rm -f data/*
	traced fio --name=lat --filename="$WORK/data/lat" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --size=8m --io_size=4m --iodepth=4 --randrepeat=1 --output-format=json \
		>lat.json 2>lat.err || { cat lat.err; fail "libaio O_DIRECT: fio failed"; }
	merge --dump
	want=$(jq '.jobs[0].read.lat_ns.mean' lat.json)
	got=$("$BIN/ioanalyze" summary -f json --by file --top 0 out.iotr |
		jq --arg p "$WORK/data/lat" '.files[] | select(.path == $p) | .read_time_s / .read_ops * 1e9 | round')
	awk -v g="$got" -v w="$want" 'BEGIN { exit !(g > 0.8 * w && g < 1.25 * w) }' ||
		fail "libaio O_DIRECT: mean latency $got ns in the trace, fio says $want ns"
	echo "ok: libaio O_DIRECT mean latency $got ns, fio $want ns"
else
	echo "skip: no O_DIRECT in $WORK (the AIO latency check)"
fi

# 4K random reads of a 64 MiB file, several I/O chunks. The traced
# processes store their chunks as they are (zstd would cost the
# application more than the rest of the writer together); iorec's merge
# compresses them. The shards say the first, the merged trace the
# second, and the file's reads are still exactly fio's through iorec and
# ioanalyze.
rr_fio() {
	"$@" fio --name=rr --filename="$WORK/data/rr" --ioengine=psync --rw=randread --bs=4k \
		--size=64m --io_size=160m --randrepeat=1 --output-format=json
}
rm -f data/*
rr_fio traced >rr-shards.json 2>rr.err || { cat rr.err; fail "fio randread under the library"; }
"$BIN/ioanalyze" info -f json "$SPOOL" >shards-info.json 2>/dev/null || fail "ioanalyze info on the shards"
expect_eq "shards: I/O chunks compressed by the traced processes" \
	"$(jq '[.traces[].streams.io // empty | .chunks - .stored_chunks] | add' shards-info.json)" 0
chunks=$(jq '[.traces[].streams.io // empty | .chunks] | add' shards-info.json)
(( chunks >= 4 )) || fail "shards hold $chunks I/O chunks, want >= 4"
rm -f data/*
rr_fio "$BIN/iorec" -q -s preload -o rr.iotr -- >rr.json 2>rr.err ||
	{ cat rr.err; fail "fio randread under iorec"; }
"$BIN/ioanalyze" info -f json rr.iotr >rr-info.json || fail "ioanalyze info rr.iotr"
read -r mchunks stored bytes unpacked < <(jq -r '.traces[0].streams.io | "\(.chunks) \(.stored_chunks) \(.bytes) \(.unpacked_bytes)"' rr-info.json)
# A chunk that zstd does not make smaller stays stored: the short ones
# the age flush cuts (a few dozen random offsets, 100-700 bytes) usually
# are. Two in 75 were seen; a merge that compressed nothing stores all.
(( stored * 10 <= mchunks && bytes * 10 < unpacked * 9 )) ||
	fail "merged trace: $stored of $mchunks I/O chunks stored, $bytes of $unpacked bytes; want <= 10% stored, >= 10% off"
echo "ok: $chunks stored chunks in the shards; merged: $bytes of $unpacked bytes"
"$BIN/ioanalyze" summary -f json --by file --top 0 rr.iotr >rr-sum.json || fail "ioanalyze summary rr.iotr"
expect_eq "randread ops and bytes through iorec" \
	"$(jq -r --arg p "$WORK/data/rr" '.files[] | select(.path == $p) | "\(.read_ops) \(.read_bytes)"' rr-sum.json)" \
	"$(jq -r '.jobs[0].read | "\(.total_ios) \(.io_bytes)"' rr.json)"
echo "fio: all good"
