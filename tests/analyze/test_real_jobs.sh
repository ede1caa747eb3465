#!/usr/bin/env bash
# ioanalyze jobs on a trace recorded by iorec itself: its jobstats source
# runs a command each poll (--jobstats-cmd) that prints the 2.16 OST
# fixture, then the same with job A's write_bytes grown by 10 x 4 MiB,
# then that again; the only non-zero delta of the recording must be
# those 40 MiB, in the interval where they appeared.
. "$SRC/tests/analyze/lib.sh"
IOREC=$BIN/iorec
[[ -x $IOREC ]] || { echo "iorec not built"; exit 77; }
F=$SRC/tests/data/jobstats/ost-2.16.txt
cp "$F" "$TMP/p1.txt"
sed 's/samples:        1545, unit: bytes, min:     4096, max:  4194304, sum:       6450057216/samples:        1555, unit: bytes, min:     4096, max:  4194304, sum:       6492000256/' \
	"$F" >"$TMP/p2.txt"
cmp -s "$TMP/p1.txt" "$TMP/p2.txt" && { echo "fixture edit did not apply"; exit 1; }
cat >"$TMP/next.sh" <<SH
n=\$(cat "$TMP/n" 2>/dev/null || echo 1); [ \$n -gt 2 ] && n=2
cat "$TMP/p\$n.txt"; echo \$((n + 1)) >"$TMP/n"
SH
"$IOREC" -q -s jobstats -i 200 --jobstats-cmd "sh $TMP/next.sh" -o "$TMP/js.iotr" -- sleep 1 || fail "iorec exit"
"$IOA" jobs -f json "$TMP/js.iotr" >"$TMP/j.json" || fail "jobs exit"
jq_eq "$TMP/j.json" '[.jobs[].job_id]' '["4211870:10231:c0412",":10231:c0413","rsync.20417"]'
jq_eq "$TMP/j.json" '.jobs[0].totals.write_bytes.sum' '41943040'
jq_eq "$TMP/j.json" '[.jobs[].intervals[].counters[].sum] | add' '41943040'
jq_eq "$TMP/j.json" '[.jobs[0].intervals[] | select(.counters.write_bytes.sum > 0)] | length' '1'
jq_eq "$TMP/j.json" '.polls >= 4' 'true'
finish
