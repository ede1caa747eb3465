#!/usr/bin/env bash
# SIGINT/SIGTERM handling and --all --duration, on the real binary.
. "$SRC/tests/record/lib.sh"

wait_for_file() { # path: until the writer created its temporary or final file
	local dir=${1%/*} base=${1##*/}
	for _ in $(seq 100); do
		compgen -G "$dir/.$base.tmp.*" > /dev/null && return 0
		[[ -e $1 ]] && return 0
		sleep 0.05
	done
	return 1
}

# 1. --all --duration: stops by itself, closes cleanly, exit 0
start=$(date +%s%N)
"$IOREC" -q --all --duration 1.2 -i 100 -o "$T/all.iotr"
rc=$?
el=$((($(date +%s%N) - start) / 1000000))
check "--all --duration exits 0 (got $rc)" test "$rc" -eq 0
check "took about 1.2 s (${el} ms)" test "$el" -ge 1100 -a "$el" -lt 4000
"$DUMP" "$T/all.iotr" > "$T/all.txt"
check "footer present" grep -q '^integrity footer_ok=1' "$T/all.txt"
check "mode all" test "$(meta "$T/all.iotr" rec.mode)" = all
check "stopped by duration" test "$(meta "$T/all.iotr" rec.stopped_by)" = duration
npolls=$(grep '^disk ' "$T/all.txt" | cut -d' ' -f2 | sort -u | wc -l)
check "about 12 disk polls at 100 ms ($npolls)" test "$npolls" -ge 9 -a "$npolls" -le 16
npids=$(grep '^procio ' "$T/all.txt" | sed 's/.* pid=\([0-9]*\) .*/\1/' | sort -u | wc -l)
nproc_now=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
check "every process sampled with --all ($npids, ~$nproc_now now)" test "$npids" -ge $((nproc_now / 2))
check "this test shell is in the process table" grep -q "^proc pid=$$ " "$T/all.txt"
s=$(meta "$T/all.iotr" rec.start_mono_ns); e=$(meta "$T/all.iotr" rec.end_mono_ns)
check "monotonic span matches the duration" test $(((e - s) / 1000000)) -ge 1150

# 2. --all stopped by SIGTERM: clean close, exit 0
"$IOREC" -q --all -i 100 -o "$T/term.iotr" &
pid=$!
wait_for_file "$T/term.iotr" || fail "no output file appeared"
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
check "--all + SIGTERM exits 0 (got $rc)" test "$rc" -eq 0
check "closed cleanly" grep -q '^integrity footer_ok=1' <("$DUMP" "$T/term.iotr")
check "stopped_by SIGTERM" test "$(meta "$T/term.iotr" rec.stopped_by)" = SIGTERM

# 2b. --all and SIGHUP (terminal closed): also a clean close
"$IOREC" -q --all -i 100 -s diskstats -o "$T/hup.iotr" &
pid=$!
wait_for_file "$T/hup.iotr"
sleep 0.3
kill -HUP $pid
wait $pid
check "SIGHUP: closed cleanly" grep -q '^integrity footer_ok=1' <("$DUMP" "$T/hup.iotr")
check "stopped_by SIGHUP" test "$(meta "$T/hup.iotr" rec.stopped_by)" = SIGHUP

# 3. SIGINT sent to iorec (by kill) is passed to COMMAND, which dies of
#    it; iorec exits 130 and the trace is complete.
"$IOREC" -q -i 100 -o "$T/int.iotr" -- sleep 30 &
pid=$!
wait_for_file "$T/int.iotr"
sleep 0.4
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit 130 (got $rc)" test "$rc" -eq 130
"$DUMP" "$T/int.iotr" > "$T/int.txt"
check "SIGINT: closed cleanly" grep -q '^integrity footer_ok=1' "$T/int.txt"
check "SIGINT reached sleep (status 2 in its record)" grep -q '^proc .* status=2 comm=sleep' "$T/int.txt"
check "no sleep left behind" test -z "$(pgrep -f '^sleep 30$' -P $$ || true)"

# 4. COMMAND ignores SIGINT: after the grace period the trace is closed
#    anyway; COMMAND keeps running.
"$IOREC" -q -i 100 -o "$T/ign.iotr" -- sh -c 'trap "" INT; sleep 6' &
pid=$!
wait_for_file "$T/ign.iotr"
sleep 0.4
t0=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
el=$((($(date +%s%N) - t0) / 1000000))
check "ignored SIGINT: iorec exits 130 (got $rc)" test "$rc" -eq 130
check "ignored SIGINT: closed after the grace period (${el} ms)" test "$el" -ge 1500 -a "$el" -lt 5000
check "ignored SIGINT: closed cleanly" grep -q '^integrity footer_ok=1' <("$DUMP" "$T/ign.iotr")
check "stopped_by SIGINT" test "$(meta "$T/ign.iotr" rec.stopped_by)" = SIGINT
# end the COMMAND we started (its pid is in the trace)
kill_started() { for p in $("$DUMP" "$1" | sed -n 's/^proc pid=\([0-9]*\) .* comm=\(sh\|sleep\) .*/\1/p'); do kill "$p" 2>/dev/null; done; }
kill_started "$T/ign.iotr"

# 5. a second SIGINT stops at once: no footer, but the file opens by
#    recovery with what was recorded
"$IOREC" -q -i 100 -o "$T/twice.iotr" -- sh -c 'trap "" INT; sleep 6' &
pid=$!
wait_for_file "$T/twice.iotr"
sleep 1.5
t0=$(date +%s%N)
kill -INT $pid
sleep 0.2
kill -INT $pid
wait $pid
rc=$?
el=$((($(date +%s%N) - t0) / 1000000))
check "second SIGINT: exit 130 (got $rc)" test "$rc" -eq 130
check "second SIGINT: stopped at once (${el} ms)" test "$el" -lt 1500
check "second SIGINT: final name exists" test -f "$T/twice.iotr"
"$DUMP" "$T/twice.iotr" > "$T/twice.txt"
check "second SIGINT: opens without footer" grep -q '^integrity footer_ok=0' "$T/twice.txt"
check "second SIGINT: metadata recovered" grep -q '^meta rec.mode=command' "$T/twice.txt"
check "second SIGINT: samples recovered" grep -q '^disk ' "$T/twice.txt"
check "no temporary file left" test -z "$(ls -A "$T" | grep -v '\.iotr$\|\.txt$' || true)"
kill_started "$T/twice.iotr"
finish
