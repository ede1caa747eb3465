#!/usr/bin/env bash
# ioanalyze summary on golden traces written by iotr-gen (tests/analyze/
# gen_traces.c): every number below was computed by hand from the events
# listed there. JSON is validated by jq and python's json module.
. "$SRC/tests/analyze/lib.sh"

"$GEN" golden "$TMP/g.iotr" || { echo "cannot write golden trace"; exit 1; }
"$GEN" golden2 "$TMP/g2.iotr" || exit 1

"$IOA" summary -f json "$TMP/g.iotr" >"$TMP/s.json" || fail "summary exit status"
python3 -m json.tool "$TMP/s.json" >/dev/null || fail "summary JSON does not parse (python)"
J=$TMP/s.json
jq_eq "$J" '.totals | [.ops, .read_ops, .read_bytes, .write_ops, .write_bytes, .meta_ops, .sync_ops]' \
	'[16,5,102400,4,1056868,6,1]'
jq_eq "$J" '.totals.io_time_s' '0.006851'
jq_eq "$J" '.totals | [.read_time_s, .write_time_s, .meta_time_s]' '[0.000472,0.00135,2.9e-05]'
jq_eq "$J" '.totals.errors' '2'
jq_eq "$J" '.totals.errors_by_errno' '{"ENOENT":1,"EBADF":1}'
jq_eq "$J" '.totals.access' \
	'{"read":{"sequential":4,"consecutive":4,"random":0},"write":{"sequential":3,"consecutive":2,"random":1}}'
jq_eq "$J" '.totals.rw_switches' '1'
jq_eq "$J" '.totals.read_sizes | [."0-100", ."100-1K", ."1K-10K", ."10K-100K"]' '[1,0,1,2]'
jq_eq "$J" '.totals.write_sizes | [."0-100", ."1K-10K", ."100K-1M", ."1M-4M"]' '[1,2,1,0]'
jq_eq "$J" '.totals.latency | [.min_s, .max_s]' '[1e-06,0.005]'
jq_eq "$J" '.totals.latency.mean_s' '0.000428188'
# percentiles come from log buckets (<= 6.25% off): p50 is the 8th of 16
# sorted latencies (10 us), p95/p99 the 16th (5 ms, clamped to max)
jq_eq "$J" '.totals.latency | (.p50_s > 0.0000093 and .p50_s < 0.0000107)' 'true'
jq_eq "$J" '.totals.latency | (.p99_s > 0.00468 and .p99_s <= 0.005)' 'true'
jq_eq "$J" '.totals | [.first, .last]' '[1700000001,1700000002.007002]'
jq_eq "$J" '[.lost_events, .loss_records]' '[7,1]'
jq_eq "$J" '[.processes[] | [.pid, .comm, .job, .read_ops, .read_bytes, .write_ops, .write_bytes, .meta_ops, .errors]]' \
	'[[100,"writer","J42",1,4096,4,1056868,2,0],[200,"reader","J42",4,98304,0,0,4,2]]'
jq_eq "$J" '[.processes[] | .io_time_s]' '[0.006382,0.000469]'
jq_eq "$J" '[.processes[] | .cmdline]' '["writer -n 4 /data/out.bin","reader /data/in.bin"]'
jq_eq "$J" '[.files[] | [.path, .ops, .read_bytes, .write_bytes, .errors]]' \
	'[["/data/in.bin",6,98304,0,0],["/data/out.bin",8,4096,1056868,0],["/etc/missing",1,0,0,1],["<fd 99 of pid 200>",1,0,0,1]]'
jq_eq "$J" '[.ops[] | [.op, .count, .bytes, .errors]]' \
	'[["read",5,102400,1],["write",3,1056768,0],["pwrite",1,100,0],["openat",3,0,1],["close",2,0,0],["fsync",1,0,0],["stat",1,0,0]]'
jq_eq "$J" '[.jobs[] | [.job, .processes, .ops]]' '[["J42",2,16]]'
jq_eq "$J" '.traces[0] | [.host, .complete]' '["node1",true]'

# filters
"$IOA" summary -f json --pid 200 "$TMP/g.iotr" >"$TMP/p.json" || fail "--pid exit"
jq_eq "$TMP/p.json" '.totals | [.ops, .read_bytes, .errors]' '[8,98304,2]'
"$IOA" summary -f json --comm writer --path /data "$TMP/g.iotr" >"$TMP/c.json" || fail "--comm exit"
jq_eq "$TMP/c.json" '.totals | [.ops, .write_bytes]' '[8,1056868]'
# --path goes by whole components: /data/out is not /data/out.bin
for p in /data/out /da; do
	"$IOA" summary -f json --path $p "$TMP/g.iotr" >"$TMP/c.json" || fail "--path $p exit"
	jq_eq "$TMP/c.json" '.totals.ops' '0'
	[[ -z $("$IOA" dump --path $p "$TMP/g.iotr" | grep -v '^#') ]] || fail "dump --path $p: events shown"
done
for p in /data/out.bin /data/ /; do
	"$IOA" summary -f json --path $p "$TMP/g.iotr" >"$TMP/c.json" || fail "--path $p exit"
	jq_eq "$TMP/c.json" '[.files[] | .path] | index("/data/out.bin") != null' 'true'
done
"$IOA" summary -f json --since 1700000001.004 --until 1700000002 "$TMP/g.iotr" >"$TMP/w.json" || fail "--since exit"
jq_eq "$TMP/w.json" '.totals | [.ops, .write_ops, .read_ops, .sync_ops, .meta_ops]' '[4,1,1,1,1]'
"$IOA" summary -f json --since "2023-11-14 22:13:22" "$TMP/g.iotr" >"$TMP/w2.json" || fail "--since date exit"
jq_eq "$TMP/w2.json" '.totals.ops' '8'

# per-thread table
"$IOA" summary -f json --threads "$TMP/g.iotr" >"$TMP/t.json" || fail "--threads exit"
jq_eq "$TMP/t.json" '[.threads[] | [.pid, .tid, .ops]]' '[[100,100,8],[200,200,8]]'

# two nodes: processes stay apart (same pid, different hosts), files merge
"$IOA" summary -f json "$TMP/g.iotr" "$TMP/g2.iotr" >"$TMP/m.json" || fail "merge exit"
jq_eq "$TMP/m.json" '.totals | [.ops, .write_ops, .write_bytes]' '[26,14,11542628]'
jq_eq "$TMP/m.json" '[.processes[] | [.pid, .host, .write_bytes]]' \
	'[[100,"node1",1056868],[200,"node1",0],[100,"node2",10485760]]'
jq_eq "$TMP/m.json" '[.files[] | select(.path == "/data/out.bin") | [.write_ops, .processes]]' '[[14,2]]'
jq_eq "$TMP/m.json" '.totals | [.first, .last]' '[1700000001,1700000003.011]'

# text report: aligned and complete enough to read at a glance
"$IOA" summary "$TMP/g.iotr" >"$TMP/s.txt" || fail "text exit"
grep -q '^!! LOST EVENTS: 7 events' "$TMP/s.txt" || fail "text: loss warning missing"
grep -q 'writer -n 4 /data/out.bin' "$TMP/s.txt" || fail "text: command line missing"
grep -q 'errors *2: ENOENT 1 EBADF 1' "$TMP/s.txt" || fail "text: errors line"
grep -Eq '^ +100 writer +J42 +1 +4.00 KiB +4 +1.01 MiB' "$TMP/s.txt" || fail "text: process row"

# CSV: one table per --by, parsed by python's csv module
for by in job process file op; do
	"$IOA" summary -f csv --by $by "$TMP/g.iotr" >"$TMP/$by.csv" || fail "csv --by $by exit"
done
python3 - "$TMP" <<'PY' || fail "CSV content"
import csv, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/process.csv")))
assert [r["pid"] for r in rows] == ["100", "200"], rows
assert rows[0]["write_bytes"] == "1056868" and rows[1]["errors"] == "2", rows
ops = {r["op"]: r for r in csv.DictReader(open(d + "/op.csv"))}
assert ops["read"]["count"] == "5" and ops["read"]["bytes"] == "102400", ops["read"]
files = {r["path"]: r for r in csv.DictReader(open(d + "/file.csv"))}
assert files["/data/out.bin"]["write_consecutive"] == "2", files["/data/out.bin"]
jobs = list(csv.DictReader(open(d + "/job.csv")))
assert jobs[0]["job"] == "J42" and jobs[0]["ops"] == "16", jobs
PY

# worker threads split the chunks; merged aggregates (access patterns
# included) are identical to a single pass
"$GEN" bench "$TMP/big.iotr" 400000 || exit 1
for w in 1 2 3; do
	IOANALYZE_WORKERS=$w "$IOA" summary -f json "$TMP/big.iotr" >"$TMP/w$w.json" || fail "workers=$w exit"
done
cmp -s "$TMP/w1.json" "$TMP/w2.json" && cmp -s "$TMP/w1.json" "$TMP/w3.json" && ok "1, 2 and 3 workers agree" ||
	fail "worker results differ: $(diff "$TMP/w1.json" "$TMP/w3.json" | head -5)"
jq_eq "$TMP/w3.json" '.totals | [.ops, .access.read.consecutive > 0, .access.read.random > 0]' '[400000,true,true]'
# options may follow the traces
"$IOA" summary "$TMP/g.iotr" -f json --by op >"$TMP/late.json" || fail "options after TRACE"
jq_eq "$TMP/late.json" '.ops | length' '7'

# No events: the text says why - no event source, a source that saw
# none, or a damaged trace whose events were lost (real recordings).
"$BIN/iorec" -q -s diskstats -o "$TMP/ne-disk.iotr" -- sleep 0.05 || fail "iorec -s diskstats"
"$IOA" summary "$TMP/ne-disk.iotr" 2>/dev/null | grep -q 'recorded without an event source' ||
	fail "diskstats-only trace: no 'without an event source'"
"$BIN/iorec" -q -s preload -o "$TMP/ne-true.iotr" -- /bin/true || fail "iorec -s preload /bin/true"
"$IOA" summary "$TMP/ne-true.iotr" 2>/dev/null | grep -q 'event source (ebpf or preload) recorded none' ||
	fail "preload trace of /bin/true: no 'recorded none'"
"$BIN/iorec" -q -s preload -o "$TMP/ne-cat.iotr" -- cat /etc/hostname >/dev/null || fail "iorec cat"
size=$(stat -c %s "$TMP/ne-cat.iotr") cut=0
for ((n = 100; n < size; n += 50)); do
	head -c "$n" "$TMP/ne-cat.iotr" >"$TMP/ne-cut.iotr"
	out=$("$IOA" summary "$TMP/ne-cut.iotr" 2>/dev/null) || continue
	[[ $out == *" 0 events"* ]] || continue
	cut=$((cut + 1))
	[[ $out == *"No I/O events survived in the input: the trace is damaged"* ]] ||
		fail "trace cut at $n bytes: no 'survived ... damaged'"
done
((cut > 0)) && ok "$cut cuts before the I/O chunks say the trace is damaged" || fail "no cut without events"

# usage errors exit 2
"$IOA" summary --by nonsense "$TMP/g.iotr" 2>/dev/null; expect_eq "bad --by exit" $? 2
"$IOA" summary 2>/dev/null; expect_eq "no TRACE exit" $? 2
"$IOA" frobnicate 2>/dev/null; expect_eq "unknown command exit" $? 2
"$IOA" summary --help | grep -q 'Examples:' || fail "--help has examples"
"$IOA" --version | grep -q '^ioanalyze ' || fail "--version"
finish
