#!/usr/bin/env bash
# The jobstats source on the real binary: job_stats files that this
# script rewrites between polls (--jobstats-glob), the captured fixtures
# through --jobstats-cmd, a malformed block, an unreadable file, a slow
# and a failing command. Oracles: the text we wrote and awk on fixtures.
. "$SRC/tests/record/lib.sh"

L=$T/lustre
mkdir -p "$L/obdfilter/fs-OST0000" "$L/mdt/fs-MDT0000" "$L/obdfilter/broken/job_stats"

# gen N [bad]: OST text in the 2.16 layout where job app.1000 has written
# N*10 requests of 4 KiB; "bad" adds a malformed block before it.
gen_ost() {
	local n=$1 s=$(($1 * 10))
	echo "job_stats:"
	if [[ ${2:-} == bad ]]; then
		echo '- job_id:          "bad.1"'
		echo '  snapshot_time:   1718031723.000000001 secs.nsecs'
		echo '  write_bytes:     { samples: lots, unit: bytes }'
	fi
	echo '- job_id:          "app.1000"'
	echo "  snapshot_time:   $((1718031700 + n)).512338091 secs.nsecs"
	echo '  start_time:      1718031187.020447113 secs.nsecs'
	echo '  elapsed_time:    536.491890978 secs.nsecs'
	echo "  write_bytes:     { samples: $s, unit: bytes, min: 4096, max: 4096, sum: $((s * 4096)), sumsq: $((s * 4096 * 4096)), hist: { 4K: $s } }"
	echo "  write:           { samples: $s, unit: usecs, min: 10, max: 20, sum: $((s * 15)), sumsq: $((s * 225)) }"
	echo '  punch:           { samples: 1, unit: usecs, min: 3, max: 3, sum: 3, sumsq: 9 }'
}
gen_mdt() {
	echo "job_stats:"
	echo "- job_id:          cp.0"
	echo "  snapshot_time:   1718031650"
	echo "  open:            { samples: $(($1 + 100)), unit:  reqs }"
	echo "  close:           { samples: $(($1 + 100)), unit:  reqs }"
}
write_gen() { # atomic, like a proc file read
	gen_ost "$@" > "$L/obdfilter/fs-OST0000/.tmp" && mv "$L/obdfilter/fs-OST0000/.tmp" "$L/obdfilter/fs-OST0000/job_stats"
	gen_mdt "$1" > "$L/mdt/fs-MDT0000/.tmp" && mv "$L/mdt/fs-MDT0000/.tmp" "$L/mdt/fs-MDT0000/job_stats"
}

# 1. files rewritten between polls
write_gen 1
(
	for n in 2 3 4 5 6 7 8 9; do
		sleep 0.15
		if ((n >= 4 && n <= 6)); then write_gen $n bad; else write_gen $n; fi
	done
) &
writer=$!
"$IOREC" -s jobstats -i 100 --all --duration 2 -o "$T/js.iotr" \
	--jobstats-glob "$L/*/*/job_stats" --jobstats-glob "$T/nothere/*/job_stats" 2> "$T/err.txt"
rc=$?
wait $writer
check "recording exits 0 (got $rc)" test "$rc" -eq 0
"$DUMP" "$T/js.iotr" > "$T/js.txt"
grep '^js .* target=obdfilter.fs-OST0000 job="app.1000" counter=write_bytes ' "$T/js.txt" > "$T/wb.txt"
vals=$(sed 's/.* samples=\([0-9]*\) .*/\1/' "$T/wb.txt")
check "write_bytes sampled many times ($(wc -l < "$T/wb.txt"))" test "$(wc -l < "$T/wb.txt")" -ge 10
check "every generation 1..9 seen" test "$(echo "$vals" | sort -un | tr '\n' ' ')" = "10 20 30 40 50 60 70 80 90 "
check "never decreasing over time" test "$(echo "$vals" | tr '\n' ' ')" = "$(echo "$vals" | sort -n | tr '\n' ' ')"
check "closing sample holds the last generation" test "$(echo "$vals" | tail -n 1)" = 90
bad=0
while read -r line; do
	s=$(field "$line" samples); sum=$(field "$line" sum); sq=$(field "$line" sumsq)
	[[ $sum -eq $((s * 4096)) && $sq -eq $((s * 4096 * 4096)) ]] || bad=1
	[[ $(field "$line" unit) == bytes && $(field "$line" min) == 4096 && $(field "$line" flags) == 7 ]] || bad=1
	[[ $(field "$line" start) == 1718031187020447113 ]] || bad=1
done < "$T/wb.txt"
check "sum, sumsq, min, unit, flags, start_time as written" test "$bad" -eq 0
check "snapshot_time of generation 9 (secs.nsecs)" grep -q "samples=90 .* snapshot=1718031709512338091 " "$T/wb.txt"
check "mdt target from its path, 2.12-style counter" \
	grep -q '^js .* target=mdt.fs-MDT0000 job=cp.0 counter=open unit=reqs samples=109 .* flags=0 snapshot=1718031650000000000 ' "$T/js.txt"
check "the malformed job is not recorded" test "$(grep -c 'job="bad.1"' "$T/js.txt")" -eq 0
check "malformed blocks counted as parse losses" grep -q '^loss .* source=18 count=1 reason=4 ' "$T/js.txt"
lts=$(grep -m1 '^loss .* reason=4 ' "$T/js.txt" | sed 's/loss ts=\([0-9]*\) .*/\1/')
check "the poll with the bad block kept app.1000" grep -q "^js ts=$lts .*job=\"app.1000\"" "$T/js.txt"
check "bad blocks in the metadata" test "$(meta "$T/js.iotr" source.jobstats.bad_blocks)" -ge 1
check "malformed text reported once, with the path" test "$(grep -c 'fs-OST0000/job_stats line [0-9]*: malformed' "$T/err.txt")" -eq 1
check "unreadable file reported once, with the path" test "$(grep -c "cannot read $L/obdfilter/broken/job_stats" "$T/err.txt")" -eq 1
check "unreadable file counted as poll errors" grep -q '^loss .* source=18 count=1 reason=3 ' "$T/js.txt"

# 2. --jobstats-cmd on the real captures: every job of the DDN 2.14 OSS
DDN=$SRC/samples/jobstats/ddn-2.14-real-ost.txt
"$IOREC" -q -s jobstats -i 200 --all --duration 0.5 -o "$T/cmd.iotr" \
	--jobstats-cmd "cat '$DDN' '$SRC/samples/jobstats/ost-2.16.txt' '$SRC/samples/jobstats/mdt-2.16.txt'"
"$DUMP" "$T/cmd.iotr" > "$T/cmd.txt"
ts=$(grep -m1 '^js ' "$T/cmd.txt" | sed 's/js ts=\([0-9]*\) .*/\1/')
want_jobs=$(grep -c '^- job_id:' "$DDN")
want_sum=$(awk '/write_bytes:/{gsub(",","");for(i=1;i<=NF;i++) if($i=="sum:") s+=$(i+1)} END{printf "%.0f", s}' "$DDN")
got_jobs=$(grep "^js ts=$ts target=obdfilter.es01a-OST0001 .* counter=write_bytes " "$T/cmd.txt" | wc -l)
got_sum=$(grep "^js ts=$ts target=obdfilter.es01a-OST0001 .* counter=write_bytes " "$T/cmd.txt" |
	sed 's/.* sum=\([0-9]*\) .*/\1/' | paste -sd+ | bc)
check "DDN capture: all $want_jobs jobs in one poll ($got_jobs)" test "$got_jobs" -eq "$want_jobs"
check "DDN capture: write_bytes sum equals awk's ($want_sum)" test "$got_sum" = "$want_sum"
check "2.16 quoted id kept as printed" \
	grep -q "^js ts=$ts target=obdfilter.scratch-OST0000 job=\"4211870:10231:c0412\" counter=write_bytes unit=bytes samples=1545 .* sumsq=27029363081871360 " "$T/cmd.txt"
check "2.16 mdt counters" grep -q "^js ts=$ts target=mdt.scratch-MDT0000 job=\"4211870:10231:c0412\" counter=open .* samples=640 " "$T/cmd.txt"
check "unpadded long counter name" grep -q "^js ts=$ts .* counter=parallel_rename_file " "$T/cmd.txt"
check "at least 3 polls from the command" test "$(grep '^js ' "$T/cmd.txt" | cut -d' ' -f2 | sort -u | wc -l)" -ge 3

# 3. a slow command never blocks the loop (diskstats keeps its pace)
t0=$(date +%s%N)
"$IOREC" -q -s jobstats,diskstats -i 100 --all --duration 1.5 -o "$T/slow.iotr" \
	--jobstats-cmd "sleep 2; cat '$SRC/samples/jobstats/ost-2.12.txt'"
el=$((($(date +%s%N) - t0) / 1000000))
"$DUMP" "$T/slow.iotr" > "$T/slow.txt"
np=$(grep '^disk ' "$T/slow.txt" | cut -d' ' -f2 | sort -u | wc -l)
check "diskstats polled on time beside a slow command ($np polls)" test "$np" -ge 12
check "the slow command's output still arrives" grep -q '^js .* job=4211870:10231:c0412 counter=write_bytes .* samples=1537 ' "$T/slow.txt"
check "bounded stop (${el} ms)" test "$el" -lt 6000

# 4. a failing command: reported once, counted, recording goes on
"$IOREC" -s jobstats,diskstats -i 100 --all --duration 0.6 -o "$T/fail.iotr" \
	--jobstats-cmd "exit 4" 2> "$T/err2.txt"
rc=$?
check "failing command: recording exits 0 (got $rc)" test "$rc" -eq 0
check "failing command reported once" test "$(grep -c "exited with status 4" "$T/err2.txt")" -eq 1
check "failing command counted" test "$(grep -c '^loss .* source=18 .* reason=3 ' <("$DUMP" "$T/fail.iotr"))" -ge 3
check "diskstats went on" grep -q '^disk ' <("$DUMP" "$T/fail.iotr")
finish
