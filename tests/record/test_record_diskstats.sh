#!/usr/bin/env bash
# The diskstats source on captured files (--diskstats-file) that this
# script swaps between polls, an old 2.6 layout, and a bad line.
. "$SRC/tests/record/lib.sh"
D=$SRC/samples/diskstats

# 1. snapshot a, then b: the recorded counters are the captured ones
cp "$D/vm-6.18-a.txt" "$T/diskstats"
( sleep 0.5; cp "$D/vm-6.18-b.txt" "$T/ds.tmp"; mv "$T/ds.tmp" "$T/diskstats" ) &
"$IOREC" -q -s diskstats -i 100 --all --duration 1 --diskstats-file "$T/diskstats" -o "$T/ds.iotr"
wait
"$DUMP" "$T/ds.iotr" > "$T/ds.txt"
want_a=$(awk '$3=="vda"{s=$4; for(i=5;i<=NF;i++) s=s","$i; print s}' "$D/vm-6.18-a.txt")
want_b=$(awk '$3=="vda"{s=$4; for(i=5;i<=NF;i++) s=s","$i; print s}' "$D/vm-6.18-b.txt")
check "first vda sample = snapshot a" test "$(grep -m1 '^disk .* dev=vda ' "$T/ds.txt" | sed 's/.* c=//')" = "$want_a"
check "last vda sample = snapshot b" test "$(grep '^disk .* dev=vda ' "$T/ds.txt" | tail -n 1 | sed 's/.* c=//')" = "$want_b"
check "all 10 devices per poll" test "$(grep -c '^disk .* dev=loop0 ' "$T/ds.txt")" -eq "$(grep -c '^disk .* dev=vda ' "$T/ds.txt")"
check "path in the metadata" test "$(meta "$T/ds.iotr" source.diskstats.path)" = "$T/diskstats"

# 2. old 2.6 layout: 14-field disk, 7-field partition in their slots
"$IOREC" -q -s diskstats -i 100 --all --duration 0.3 --diskstats-file "$D/old-2.6-partition.txt" -o "$T/old.iotr"
"$DUMP" "$T/old.iotr" > "$T/old.txt"
check "11-counter disk line" grep -q '^disk .* dev=sda major=8 minor=0 nfields=11 c=22837,9212,1098724,91136,14316,23117,299200,303772,0,100688,394908,0,0,0,0,0,0$' "$T/old.txt"
check "4-counter partition line kept as printed" grep -q '^disk .* dev=sda1 major=8 minor=1 nfields=4 c=22659,1096988,37433,299464,0,' "$T/old.txt"

# 3. a line with an unexpected field count: reported once with path and
#    line, counted, the other lines recorded
{ cat "$D/vm-6.18-a.txt"; echo "   8       0 odd 1 2 3 4 5 6 7 8 9 10"; } > "$T/bad"
"$IOREC" -s diskstats -i 100 --all --duration 0.5 --diskstats-file "$T/bad" -o "$T/bad.iotr" 2> "$T/err.txt"
rc=$?
"$DUMP" "$T/bad.iotr" > "$T/bad.txt"
check "bad line: exit 0 (got $rc)" test "$rc" -eq 0
check "bad line reported once with path and line" test "$(grep -c "$T/bad line 11: 13 fields" "$T/err.txt")" -eq 1
check "bad line counted per poll" test "$(grep -c '^loss .* source=16 count=1 reason=4 ' "$T/bad.txt")" -ge 4
check "good lines recorded" grep -q '^disk .* dev=vda ' "$T/bad.txt"
check "bad lines in the metadata" test "$(meta "$T/bad.iotr" source.diskstats.bad_lines)" -ge 4

# 4. the file disappears mid-recording: reported, counted, goes on
cp "$D/vm-6.18-a.txt" "$T/gone"
( sleep 0.3; rm -f "$T/gone" ) &
"$IOREC" -s diskstats -i 100 --all --duration 0.8 --diskstats-file "$T/gone" -o "$T/gone.iotr" 2> "$T/err3.txt"
rc=$?
wait
check "vanished file: exit 0 (got $rc)" test "$rc" -eq 0
check "vanished file reported once" test "$(grep -c "cannot read $T/gone" "$T/err3.txt")" -eq 1
check "vanished file counted" grep -q '^loss .* source=16 .* reason=3 ' <("$DUMP" "$T/gone.iotr")
check "explicit missing file fails the source, not the recording" \
	bash -c "'$IOREC' -q -s diskstats,procio --diskstats-file /no/such -o '$T/m.iotr' -- true && '$DUMP' '$T/m.iotr' | grep -q '^meta source.diskstats.status=failed: cannot read /no/such'"
# 5. the real kernel: 32 MiB written with O_DIRECT under iorec show up in
#    the sectors-written counter of the device holding the file (the file
#    system's major:minor from stat is the oracle for which line)
majmin=$(stat -c '%Hd:%Ld' "$T")
if awk -v mm="$majmin" '$1":"$2==mm{f=1} END{exit !f}' /proc/diskstats &&
	dd if=/dev/zero of="$T/probe" bs=4k count=1 oflag=direct 2> /dev/null; then
	"$IOREC" -q -s diskstats -i 100 -o "$T/real.iotr" -- \
		dd if=/dev/zero of="$T/direct.bin" bs=1M count=32 oflag=direct,sync 2> /dev/null
	"$DUMP" "$T/real.iotr" > "$T/real.txt"
	maj=${majmin%:*}; min=${majmin#*:}
	first=$(grep -m1 "^disk .* major=$maj minor=$min " "$T/real.txt" | sed 's/.* c=//' | cut -d, -f7)
	last=$(grep "^disk .* major=$maj minor=$min " "$T/real.txt" | tail -n 1 | sed 's/.* c=//' | cut -d, -f7)
	check "O_DIRECT 32 MiB seen in sectors written of $majmin ($first -> $last)" \
		test $((last - first)) -ge 65536
else
	echo "note: $T is not on a block device taking O_DIRECT; kernel oracle not run"
fi
finish
