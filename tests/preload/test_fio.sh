#!/usr/bin/env bash
# fio (psync engine) under the preload library, as threads and as
# processes: the pread/pwrite calls on the data files in the trace equal
# the read/write ops and bytes of fio's own JSON report.
source "$(dirname "$0")/lib.sh"
command -v fio >/dev/null || { echo "fio not installed"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
cd "$WORK" || exit 1
mkdir data

check_fio() { # label, extra fio options
	local label=$1; shift
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
	got_r=$(awk -v d="$WORK/data/" '$1 == "ev" && index($11, d) == 1 && $5 == "pread" { n++; b += $9 } END { printf "%d %.0f", n, b }' stats)
	got_w=$(awk -v d="$WORK/data/" '$1 == "ev" && index($11, d) == 1 && $5 == "pwrite" { n++; b += $9 } END { printf "%d %.0f", n, b }' stats)
	expect_eq "$label: read ops and bytes" "$got_r" "$want_r $want_rb"
	expect_eq "$label: write ops and bytes" "$got_w" "$want_w $want_wb"
	expect_eq "$label: lost events" "$(awk '/^loss/ {print $2}' stats)" 0
}
check_fio threads --thread
check_fio processes

# Through iorec and ioanalyze: 4K random reads of a 64 MiB file, four I/O
# chunks and more. zstd barely shrinks random offsets, so the library
# stores such chunks as they are: the trace says so, and the file's reads
# are still exactly fio's.
rm -f data/*
"$BIN/iorec" -q -s preload -o rr.iotr -- fio --name=rr --filename="$WORK/data/rr" \
	--ioengine=psync --rw=randread --bs=4k --size=64m --io_size=160m --randrepeat=1 \
	--output-format=json >rr.json 2>rr.err || { cat rr.err; fail "fio randread under iorec"; }
"$BIN/ioanalyze" info -f json rr.iotr >rr-info.json || fail "ioanalyze info rr.iotr"
stored=$(jq '.traces[0].streams.io.stored_chunks' rr-info.json)
(( stored >= 2 )) || fail "random-read I/O chunks stored without zstd: $stored, want >= 2"
echo "ok: $stored I/O chunks stored without zstd"
"$BIN/ioanalyze" summary -f json --by file --top 0 rr.iotr >rr-sum.json || fail "ioanalyze summary rr.iotr"
expect_eq "randread ops and bytes through iorec" \
	"$(jq -r --arg p "$WORK/data/rr" '.files[] | select(.path == $p) | "\(.read_ops) \(.read_bytes)"' rr-sum.json)" \
	"$(jq -r '.jobs[0].read | "\(.total_ios) \(.io_bytes)"' rr.json)"
echo "fio: all good"
