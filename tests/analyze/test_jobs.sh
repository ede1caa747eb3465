#!/usr/bin/env bash
# ioanalyze jobs on jobstats sequences built from the real and 2.16-layout
# fixtures (tests/data/jobstats): counters that grow, a reset (changed
# start_time, smaller values), a job that vanishes and comes back, a new
# job with a quoted \xHH id, an id without its job part, the 2.12 layout
# (no start_time: reset seen as a decrease) and the DDN 2.14 capture.
. "$SRC/tests/analyze/lib.sh"
D=$SRC/tests/data/jobstats

# poll files derived from the fixtures by editing job blocks
python3 - "$D" "$TMP" <<'PY' || { echo "cannot build poll files"; exit 1; }
import re, sys
src, out = sys.argv[1], sys.argv[2]

def blocks(text):
    """header lines, then [(job_id, [lines])] per target, in order"""
    targets, cur = [], None
    for line in text.splitlines():
        if ".job_stats=" in line:
            cur = [line, []]; targets.append(cur)
        elif line.startswith("- job_id:"):
            cur[1].append([line.split(":", 1)[1].strip(), [line]])
        elif line.startswith("job_stats:") or not line.strip():
            cur[0] += "\n" + line if line.strip() else ""
        else:
            cur[1][-1][1].append(line)
    return targets

def render(targets):
    res = []
    for head, jobs in targets:
        res.append(head)
        res += [l for _, lines in jobs for l in lines]
    return "\n".join(res) + "\n"

def setc(jobs, jid, counter, samples, total, start=None):
    for j, lines in jobs:
        if j != jid: continue
        for i, l in enumerate(lines):
            if l.strip().startswith(counter + ":"):
                l = re.sub(r"samples: +\d+", "samples: %12d" % samples, l)
                lines[i] = re.sub(r"sum: +\d+", "sum: %16d" % total, l, count=1)
            if start and l.strip().startswith("start_time:"):
                lines[i] = "  start_time:      %s secs.nsecs" % start
        return
    raise SystemExit("no job " + jid)

def copy_job(jobs, jid, newid):
    for j, lines in jobs:
        if j == jid:
            nl = [l for l in lines]
            nl[0] = "- job_id:          " + newid
            jobs.append([newid, nl]); return

ost = open(src + "/ost-2.16.txt").read()
mdt = open(src + "/mdt-2.16.txt").read()
A, B, C, Dq = '"4211870:10231:c0412"', '":10231:c0413"', "rsync.20417", '"my\\x20job:1000:c0414"'
# poll 1: the fixtures as captured
open(out + "/p1.txt", "w").write(ost + mdt)
# poll 2: A wrote 10 x 4 MiB in 8000 us, B vanished (cleanup), new job D
t = blocks(ost); jobs = t[0][1]
setc(jobs, A, "write_bytes", 1555, 6450057216 + 41943040)
setc(jobs, A, "write", 1555, 1311117 + 8000)
copy_job(jobs, C, Dq)
setc(jobs, Dq, "write_bytes", 2, 8192); setc(jobs, Dq, "write", 2, 300)
t[0][1] = [j for j in jobs if j[0] != B]
m = blocks(mdt); setc(m[0][1], A, "open", 645, 57344 + 500)
open(out + "/p2.txt", "w").write(render(t) + render(m))
# poll 3: A restarted (new start_time, small counters), B back from zero,
# D grew by one 4 KiB write
jobs = t[0][1]
setc(jobs, A, "write_bytes", 5, 20971520, start="1718031800.000000000")
setc(jobs, A, "write", 5, 4000, start="1718031800.000000000")
b = blocks(ost)[0][1]
jobs.insert(1, [B, [l for j, ls in b if j == B for l in ls]])
setc(jobs, B, "read_bytes", 4, 4194304); setc(jobs, B, "read", 4, 400)
setc(jobs, Dq, "write_bytes", 3, 12288); setc(jobs, Dq, "write", 3, 450)
m2 = blocks(mdt); setc(m2[0][1], A, "open", 650, 57344 + 1000)
open(out + "/p3.txt", "w").write(render(t) + render(m2))
# 2.12 layout: write_bytes goes down without start_time
o12 = open(src + "/ost-2.12.txt").read()
open(out + "/q1.txt", "w").write(o12)
open(out + "/q2.txt", "w").write(o12.replace("1537, unit: bytes, min:    4096, max: 4194304, sum:      6442455040",
                                             "1600, unit: bytes, min:    4096, max: 4194304, sum:      6706692096"))
open(out + "/q3.txt", "w").write(o12.replace("1537, unit: bytes, min:    4096, max: 4194304, sum:      6442455040",
                                             "   3, unit: bytes, min:    4096, max: 4194304, sum:         4202496"))
PY

"$GEN" jobstats "$TMP/js.iotr" 10 "$TMP/p1.txt" 20 "$TMP/p2.txt" 30 "$TMP/p3.txt" || exit 1
"$IOA" jobs -f json "$TMP/js.iotr" >"$TMP/j.json" || fail "jobs exit"
python3 -m json.tool "$TMP/j.json" >/dev/null || fail "jobs JSON does not parse"
J=$TMP/j.json
jq_eq "$J" '[.jobs[].job_id]' '["4211870:10231:c0412",":10231:c0413","rsync.20417","cp.0","my job:1000:c0414"]'
jq_eq "$J" '.jobs[0] | [.job, .uid, .host, .missing_job, .targets]' \
	'["4211870","10231","c0412",false,["obdfilter.scratch-OST0000","mdt.scratch-MDT0000"]]'
jq_eq "$J" '.jobs[1] | [.job, .uid, .host, .missing_job]' '[null,"10231","c0413",true]'
jq_eq "$J" '.jobs[2] | [.job, .uid, .host, .exe, .missing_job]' '[null,"20417",null,"rsync",false]'
jq_eq "$J" '.jobs[4] | [.job, .uid, .host, .raw_id]' '["my job","1000","c0414","\"my\\x20job:1000:c0414\""]'
# A: +10 writes / 40 MiB in poll 2, then a reset: the new values count
jq_eq "$J" '.jobs[0].totals | [.write_bytes.samples, .write_bytes.sum, .write.samples, .write.sum, .open.samples, .open.sum]' \
	'[15,62914560,15,12000,10,1000]'
jq_eq "$J" '[.jobs[0].intervals[] | select(.target | test("OST")) | [.start, .end, .reset, .counters.write_bytes.sum, .counters.write_bytes.mb_per_s, .counters.write.ops_per_s, .counters.write.mean]]' \
	'[[1700000010,1700000020,false,41943040,4.194304,1,800],[1700000020,1700000030,true,20971520,2.097152,0.5,800]]'
jq_eq "$J" '.jobs[0] | [.resets, .returns]' '[1,0]'
# B vanished in poll 2 and came back from zero in poll 3
jq_eq "$J" '[.jobs[1].intervals[] | [.start, .end, .new, .counters.read_bytes.sum]]' '[[1700000020,1700000030,true,4194304]]'
jq_eq "$J" '.jobs[1] | [.returns, .totals.read_bytes.samples, .totals.read.sum]' '[1,4,400]'
# C never changed: two idle intervals
jq_eq "$J" '[.jobs[2].intervals[] | .counters.write_bytes.sum]' '[0,0]'
# D new in poll 2: starts from zero at poll 1
jq_eq "$J" '[.jobs[4].intervals[] | [.start, .new, .counters.write_bytes.samples, .counters.write_bytes.sum]]' \
	'[[1700000010,true,2,8192],[1700000020,false,1,4096]]'
jq_eq "$J" '.jobs[4].totals.write_bytes' '{"samples":3,"sum":12288,"unit":"bytes"}'

# 2.12 layout: a decrease without start_time is a reset
"$GEN" jobstats "$TMP/q.iotr" 1 "$TMP/q1.txt" 2 "$TMP/q2.txt" 3 "$TMP/q3.txt" || exit 1
"$IOA" jobs -f json "$TMP/q.iotr" >"$TMP/q.json" || fail "2.12 exit"
jq_eq "$TMP/q.json" '[.jobs[0].intervals[] | [.reset, .counters.write_bytes.samples, .counters.write_bytes.sum]]' \
	'[[false,63,264237056],[true,3,4202496]]'
jq_eq "$TMP/q.json" '.jobs[0] | [.job, .uid, .host, .totals.write_bytes.sum]' '["4211870","10231","c0412",268439552]'

# DDN 2.14 capture, polled twice unchanged: 16 jobs, quoted and raw ids
"$GEN" jobstats "$TMP/ddn.iotr" 5 "$D/ddn-2.14-real-ost.txt" 6 "$D/ddn-2.14-real-ost.txt" || exit 1
"$IOA" jobs -f json "$TMP/ddn.iotr" >"$TMP/ddn.json" || fail "ddn exit"
jq_eq "$TMP/ddn.json" '.jobs | length' '16'
jq_eq "$TMP/ddn.json" '[.jobs[] | select(.job == "SLURM_JOB10") | [.job_id, .uid, .host]]' \
	'[["SLURM_JOB10:0:es18kxe-co-client","0","es18kxe-co-client"],["SLURM_JOB10",null,null]]'
jq_eq "$TMP/ddn.json" '[.jobs[].intervals[].counters[].sum] | add' '0'

# CSV and text
"$IOA" jobs -f csv "$TMP/js.iotr" >"$TMP/j.csv" || fail "csv exit"
python3 - "$TMP/j.csv" <<'PY' || fail "jobs CSV content"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
r = [x for x in rows if x["job"] == "my job" and x["counter"] == "write_bytes"]
assert [x["sum"] for x in r] == ["8192", "4096"], r
PY
"$IOA" jobs "$TMP/js.iotr" >"$TMP/j.txt" || fail "text exit"
grep -q 'job part missing' "$TMP/j.txt" || fail "text flags the id without job"
grep -q 'write_bytes 40.0 MiB (4.19 MB/s)' "$TMP/j.txt" || fail "text shows the A delta"
grep -q 'RESET' "$TMP/j.txt" || fail "text shows the reset"

# jobstats and traced I/O events of the same job side by side
"$GEN" golden "$TMP/g.iotr" || exit 1
cat >"$TMP/j42.txt" <<'TXT'
obdfilter.fs-OST0000.job_stats=
job_stats:
- job_id:          J42
  snapshot_time:   1700000001
  write_bytes:     { samples:           1, unit: bytes, min:    4096, max: 4194304, sum:      4096 }
TXT
sed 's/samples:           1, unit: bytes, min:    4096, max: 4194304, sum:      4096/samples: 5, unit: bytes, min: 1, max: 1, sum: 1060964/' "$TMP/j42.txt" >"$TMP/j42b.txt"
"$GEN" jobstats "$TMP/j42.iotr" 1 "$TMP/j42.txt" 3 "$TMP/j42b.txt" || exit 1
"$IOA" jobs -f json "$TMP/j42.iotr" "$TMP/g.iotr" >"$TMP/side.json" || fail "side by side exit"
jq_eq "$TMP/side.json" '.jobs[0] | [.job_id, .totals.write_bytes.sum, .io_events.write_bytes, .io_events.read_ops]' \
	'["J42",1056868,1056868,5]'
finish
