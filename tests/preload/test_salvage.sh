#!/usr/bin/env bash
# iorec --salvage: a recording cut short loses nothing that reached the
# disk. iorec killed with SIGKILL leaves its trace under a temporary name
# and the shards it had not merged in its spool; a second ^C leaves the
# trace without an index and keeps the spool. Salvaged, every event is
# there exactly once: short processes' batch frames that iorec had
# merged are not merged again, those it had not are.
source "$(dirname "$0")/lib.sh"
with_iorec
printf 'abcdefgh' >in.txt
# writes N lines 10 ms apart to $1, ignoring SIGINT, then touches $1.done
cat >slow.py <<'PY'
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write("line %04d\n" % i)
        f.flush()
        time.sleep(0.01)
open(sys.argv[1] + ".done", "w").close()
PY
wait_for() { # file: up to 20 s
	for ((i = 0; i < 200; i++)); do [[ -e $1 ]] && return 0; sleep 0.1; done
	fail "$1 never appeared"
}
reads_of() { # trace path -> "reads writes" on path
	"$BIN/ioanalyze" summary -f json --by file --top 0 "$1" |
		jq -r --arg p "$2" '[.files[] | select(.path == $p)] | if length == 0 then "0 0" else "\(.[0].read_ops) \(.[0].write_ops)" end'
}

# 1. SIGKILL: 60 cats (batch frames iorec merges within its first
# second), a 3 s python (a shard of its own), 60 more cats after iorec
# is gone (frames after the merged part of the batch file).
script="for i in \$(seq 60); do cat in.txt >/dev/null; done; python3 slow.py $WORK/k.out 300; for i in \$(seq 60); do cat in.txt >/dev/null; done; touch $WORK/k.end"
"$IOREC" -q -s preload -o k.iotr -- bash -c "$script" 2>/dev/null &
rec=$!
sleep 1.8
kill -KILL $rec
wait $rec 2>/dev/null
# the script still runs, tracing into the spool: not yet
"$IOREC" --salvage .k.iotr.tmp.* 2>early.err; rc=$?
expect_eq "salvage while traced processes run: refused" "$rc" 1
grep -q "still writing into .*iorec-spool-$rec-" early.err || fail "no 'still writing' message: $(cat early.err)"
[[ -n $(ls -A | grep '^\.k\.iotr\.tmp\.') ]] || fail "the refused salvage removed the trace"
wait_for "$WORK/k.end"
sleep 0.3
tmp=$(ls -A | grep '^\.k\.iotr\.tmp\.') || fail "no temporary trace left by the killed iorec"
[[ -n $(ls "$TMPDIR") ]] || fail "no spool left by the killed iorec"
expect_eq "reads of in.txt in the cut trace < 240" "$(( $(reads_of "$tmp" "$WORK/in.txt" | cut -d' ' -f1) < 240 ))" 1
"$IOREC" --salvage "$tmp" 2>salvage.err || fail "--salvage failed: $(cat salvage.err)"
grep -q "^iorec: salvage: using .*iorec-spool-$rec-" salvage.err || fail "spool not found: $(cat salvage.err)"
[[ -f k.iotr ]] || fail "k.iotr not written"
expect_eq "leftovers removed" "$(ls -A | grep -c '^\.k\.iotr\.tmp\.')$(ls -A "$TMPDIR")" "0"
"$BIN/ioanalyze" info k.iotr >k.info || fail "ioanalyze info k.iotr"
grep -q "integrity *clean" k.info || fail "salvaged trace not clean: $(cat k.info)"
grep -q "rec.salvaged *yes" k.info || fail "no rec.salvaged in the metadata"
# cat reads twice (its data, then end of file)
expect_eq "reads of in.txt, once each" "$(reads_of k.iotr "$WORK/in.txt" | cut -d' ' -f1)" 240
expect_eq "python's writes" "$(reads_of k.iotr "$WORK/k.out" | cut -d' ' -f2)" 300
echo "ok: SIGKILL salvaged"

# 2. A second SIGINT stops at once: the trace has no index, the spool
# is kept and named; salvaged in place.
"$IOREC" -s preload -o s.iotr -- python3 slow.py "$WORK/s.out" 250 2>stop.err &
rec=$!
sleep 1.2
kill -INT $rec; sleep 0.05; kill -INT $rec
wait $rec
wait_for "$WORK/s.out.done"
sleep 0.3
spool=$(ls -d "$TMPDIR"/iorec-spool-$rec-*) || fail "spool not kept: $(cat stop.err)"
grep -q "'iorec --salvage s.iotr $spool' adds them" stop.err || fail "no salvage hint: $(cat stop.err)"
# ioanalyze reads the spool's shard files, and says what to do with its batch file
"$BIN/ioanalyze" info "$spool" >/dev/null 2>an.err
grep -q "batch: skipped: the batch file of an iorec spool.*iorec --salvage" an.err ||
	fail "ioanalyze gave no salvage hint for the batch file: $(cat an.err)"
# without its spool: salvaged, with a warning that the spool is missing
"$IOREC" -q --salvage -o nospool.iotr s.iotr 2>ns.err || fail "--salvage without the spool failed"
grep -q "warning: s.iotr was cut short while recording with -s preload, and its spool (iorec-spool-PID-XXXXXX) was not given" ns.err ||
	fail "no warning about the missing spool: $(cat ns.err)"
"$IOREC" -q --salvage s.iotr "$spool/" 2>ns.err || fail "in-place --salvage failed"
[[ ! -s ns.err ]] || fail "in-place --salvage with its spool said: $(cat ns.err)"
expect_eq "python's writes after salvage in place" "$(reads_of s.iotr "$WORK/s.out" | cut -d' ' -f2)" 250
[[ -z $(ls -A "$TMPDIR") ]] || fail "spool left: $(ls -AR "$TMPDIR")"
[[ -z $(ls -A | grep '^\..*\.salvage\.') ]] || fail "in-place leftovers: $(ls -A)"
echo "ok: stopped at once, salvaged in place"

# 3. What it refuses.
"$IOREC" --salvage 2>e.err; rc=$?
expect_eq "no paths: usage error" "$rc" 2
cp k.iotr other.iotr
# the input by another name is the same file: completed in place, never
# replaced by --force
"$IOREC" -q --force --salvage -o ./other.iotr other.iotr || fail "--salvage -o ./X X failed"
expect_eq "reads of in.txt after -o ./X X" "$(reads_of other.iotr "$WORK/in.txt" | cut -d' ' -f1)" 240
"$IOREC" --salvage -o k.iotr other.iotr 2>e.err; rc=$?
expect_eq "existing output: refused" "$rc" 1
grep -q "k.iotr exists" e.err || fail "no 'exists' message: $(cat e.err)"
"$IOREC" -q -s preload -o live.iotr -- python3 slow.py "$WORK/l.out" 150 &
rec=$!
for ((i = 0; i < 100; i++)); do
	live=$(ls -A | grep '^\.live\.iotr\.tmp\.') && break
	sleep 0.1
done
[[ -n $live ]] || fail "the live recording made no temporary trace"
"$IOREC" --salvage "$live" 2>e.err; rc=$?
expect_eq "a live recording: refused" "$rc" 1
grep -q "still recording" e.err || fail "no 'still recording' message: $(cat e.err)"
wait $rec || fail "the live recording failed"
[[ -f live.iotr ]] || fail "the live recording lost its trace"

# 4. Killed in the middle of a merge pass. iorec appends the pass's
# shards to its output one by one; the spool keeps them until the pass is
# done, and its merge journal says where the output stood before the
# pass. The salvage keeps the cut trace up to there and takes the whole
# pass again from the spool: the shards appended before the kill are not
# there twice. (IOREC_TEST_MERGE_PAUSE_MS slows each shard's merge.)
journal_of() { cat "$TMPDIR"/iorec-spool-"$1"-*/merge.journal 2>/dev/null; }
script="for i in \$(seq 40); do cat in.txt >/dev/null; done; python3 slow.py $WORK/m.out 30; touch $WORK/m.end"
IOREC_TEST_MERGE_PAUSE_MS=item:100 "$IOREC" -q -s preload -o m.iotr -- bash -c "$script" 2>/dev/null &
rec=$!
wait_for "$WORK/m.end"
for ((i = 0; i < 100; i++)); do
	journal_of $rec | grep -q '^state running' && break
	sleep 0.05
done
journal_of $rec | grep -q '^state running' || fail "no merge pass at work: $(journal_of $rec)"
sleep 1 # some of the pass's shards into the output (each takes 100 ms)
kill -KILL $rec
wait $rec 2>/dev/null
tmp=$(ls -A | grep '^\.m\.iotr\.tmp\.') || fail "no temporary trace left"
"$IOREC" --salvage "$tmp" 2>m.err || fail "--salvage failed: $(cat m.err)"
grep -q "killed while merging" m.err || fail "the cut pass was not named: $(cat m.err)"
expect_eq "reads of in.txt after a kill within a pass" "$(reads_of m.iotr "$WORK/in.txt" | cut -d' ' -f1)" 80
expect_eq "python's writes after a kill within a pass" "$(reads_of m.iotr "$WORK/m.out" | cut -d' ' -f2)" 30
echo "ok: killed within a merge pass"

# 5. Killed after a pass was done, before it deleted its shard files:
# those are in the output, and the journal lists them.
script="python3 slow.py $WORK/c.out 40; touch $WORK/c.end"
IOREC_TEST_MERGE_PAUSE_MS=commit:3000 "$IOREC" -q -s preload -o c.iotr -- bash -c "$script" 2>/dev/null &
rec=$!
wait_for "$WORK/c.end"
shard=
for ((i = 0; i < 100; i++)); do
	if journal_of $rec | grep -q '^state done'; then
		shard=$(journal_of $rec | awk '$1 == "shard" { print $2 }' | while read -r f; do
			[[ -e $(echo "$TMPDIR"/iorec-spool-$rec-*)/$f ]] && echo "$f"; done | head -1)
		[[ -n $shard ]] && break
	fi
	sleep 0.05
done
[[ -n $shard ]] || fail "no done pass with its shard files still there: $(journal_of $rec)"
kill -KILL $rec
wait $rec 2>/dev/null
tmp=$(ls -A | grep '^\.c\.iotr\.tmp\.') || fail "no temporary trace left"
"$IOREC" -q --salvage "$tmp" || fail "--salvage failed"
expect_eq "python's writes after a kill before the shards went" "$(reads_of c.iotr "$WORK/c.out" | cut -d' ' -f2)" 40
echo "ok: killed after a pass, before its shards were deleted"

# 6. A journal that cannot be read is said, not trusted.
mkdir -m 0700 "$TMPDIR/iorec-spool-999999-badjnl"
printf 'iorec-merge-journal 1\nstate sideways\n' >"$TMPDIR/iorec-spool-999999-badjnl/merge.journal"
"$IOREC" -q --salvage -o bad.iotr "$TMPDIR/iorec-spool-999999-badjnl" 2>bad.err ||
	fail "--salvage of a spool with a bad journal failed: $(cat bad.err)"
grep -q "merge.journal cannot be read" bad.err || fail "no message for the bad journal: $(cat bad.err)"
echo "salvage: all good"
