#!/usr/bin/env bash
# ioanalyze export --hdf5: the file read back with h5dump and with h5py and
# compared with `ioanalyze summary --format json` and with the events of
# tests/classify/gen_classify.c; a multi-chunk trace checked event by event
# against the summary's totals; two traces merged; the example of
# analyze/HDF5.md run as written.
set -euo pipefail
: "${BIN:?}" "${SRC:?}"
PY=/usr/bin/python3 # h5py lives in the system python, not in a pyenv one
if ! command -v h5dump >/dev/null || ! "$PY" -c 'import h5py, numpy' 2>/dev/null; then
	[[ ${CI:-} == true ]] && { echo "h5dump or h5py missing"; exit 1; }
	echo "skip: h5dump or /usr/bin/python3 with h5py missing (scripts/install-deps.sh)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$BIN/iotr-gen-classify" c.iotr
"$BIN/iotr-gen" golden2 g2.iotr
"$BIN/iotr-gen" bench big.iotr 300000
"$BIN/ioanalyze" export --hdf5 c.h5 c.iotr
"$BIN/ioanalyze" export --hdf5 two.h5 c.iotr g2.iotr
"$BIN/ioanalyze" export --hdf5 big.h5 big.iotr
"$BIN/ioanalyze" summary --format json c.iotr > c.json
"$BIN/ioanalyze" summary --format json c.iotr g2.iotr > two.json
"$BIN/ioanalyze" summary --format json big.iotr > big.json
[[ $(stat -c %a c.h5) == 600 ]] || { echo "mode $(stat -c %a c.h5)"; exit 1; }
ls "$tmp" | grep -q '\.tmp\.' && { echo "temporary file left behind"; exit 1; }

# --- h5dump: the layout, the types, chunking and filters -------------------
h5dump -H c.h5 > layout.txt
for want in 'GROUP "metadata"' 'GROUP "io"' 'DATASET "events"' 'DATASET "processes"' \
	'DATASET "files"' 'DATASET "diskstats"' 'DATASET "procio"' 'DATASET "jobstats"' \
	'DATASET "loss"' 'GROUP "summary"' 'DATASET "totals"' 'DATASET "ops"' 'H5T_ENUM' \
	'"pread"            2' 'CSET H5T_CSET_UTF8' 'STRSIZE H5T_VARIABLE' 'ATTRIBUTE "layout_version"'; do
	grep -qF "$want" layout.txt || { echo "h5dump -H: missing $want"; exit 1; }
done
for ds in /io/events /processes /summary/ops /counters/diskstats; do
	h5dump -p -H -d "$ds" c.h5 > props.txt
	grep -q "CHUNKED" props.txt && grep -q "SHUFFLE" props.txt && grep -q "COMPRESSION DEFLATE" props.txt ||
		{ echo "$ds: not chunked + shuffle + deflate"; cat props.txt; exit 1; }
done
# the data decodes with the stock HDF5 tools: op names through the enum,
# strings, the 19 events
h5dump -d /io/events -y c.h5 > events.txt
grep -q 'SIMPLE { ( 19 ) / ( H5S_UNLIMITED ) }' events.txt || { echo "h5dump: not 19 events"; exit 1; }
for op in pread pwrite writev openat fstat stat fsync close; do
	grep -qw "$op" events.txt || { echo "h5dump: op $op not shown"; exit 1; }
done
h5dump -d /processes c.h5 | grep -q '"alpha"' || { echo "h5dump: comm alpha missing"; exit 1; }
h5dump -d /files c.h5 | grep -qF '"/data/a,b "q".dat"' || { echo "h5dump: path missing"; exit 1; }
h5dump -a /metadata/0/host.name c.h5 | grep -q '"node7"' || { echo "h5dump: host.name"; exit 1; }

# --- h5py: everything against the summary and the generator ----------------
"$PY" - <<'EOF'
import json
import h5py
import numpy as np

def expect(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"

COUNTERS = ["ops", "read_ops", "read_bytes", "write_ops", "write_bytes", "meta_ops", "sync_ops",
            "other_ops", "errors"]
TIMES = ["io_time_s", "read_time_s", "write_time_s", "meta_time_s"]

def same_stats(row, js, what):
    for k in COUNTERS:
        expect(int(row[k]), js[k], f"{what} {k}")
    for k in TIMES:
        assert abs(float(row[k]) - js[k]) < 1e-9, f"{what} {k}: {row[k]} vs {js[k]}"

def check_summary(f, js):
    same_stats(f["summary/totals"][0], js["totals"], "totals")
    ops = f["summary/ops"]
    names = {v: k for k, v in h5py.check_enum_dtype(ops.dtype["op"]).items()}
    h5ops = {names[r["op"]]: r for r in ops[:]}
    expect(sorted(h5ops), sorted(o["op"] for o in js["ops"]), "ops seen")
    for o in js["ops"]:
        r = h5ops[o["op"]]
        same_stats(r, o, "op " + o["op"])
        expect(int(r["ops"]), o["count"], "op count")
        expect(int(r["read_bytes"] + r["write_bytes"]), o["bytes"], "op bytes")
    procs = {(int(r["pid"]), r["host"].decode()): r for r in f["summary/processes"][:]}
    expect(len(procs), len(js["processes"]), "process rows")
    for p in js["processes"]:
        r = procs[(p["pid"], p["host"])]
        expect(r["comm"].decode(), p["comm"], "comm")
        same_stats(r, p, f"process {p['pid']}")
    files = {r["path"].decode(): r for r in f["summary/files"][:]}
    expect(sorted(files), sorted(x["path"] for x in js["files"]), "file paths")
    for x in js["files"]:
        same_stats(files[x["path"]], x, "file " + x["path"])
    jobs = {r["job"].decode(): r for r in f["summary/jobs"][:]}
    for j in js["jobs"]:
        same_stats(jobs[j["job"]], j, "job " + j["job"])
    expect(int(f["summary"].attrs["lost_events"]), js["lost_events"], "lost events")

def check_events(f, js):
    """Every event, recomputed from /io/events, gives the summary's totals."""
    ev = f["io/events"][:]
    codes = h5py.check_enum_dtype(f["io/events"].dtype["op"])
    cat = {}
    for name in ["read", "pread", "readv", "preadv", "preadv2", "fread", "fgets", "getc",
                 "io_uring_read"]:
        cat[codes[name]] = "read"
    for name in ["write", "pwrite", "writev", "pwritev", "pwritev2", "fwrite", "fputs",
                 "fprintf", "putc", "io_uring_write", "sendfile", "copy_file_range", "splice"]:
        cat[codes[name]] = "write"
    t = js["totals"]
    expect(len(ev), t["ops"], "event count")
    is_r = np.isin(ev["op"], [c for c, k in cat.items() if k == "read"])
    is_w = np.isin(ev["op"], [c for c, k in cat.items() if k == "write"])
    ok = ev["result"] > 0
    expect(int(is_r.sum()), t["read_ops"], "read events")
    expect(int(is_w.sum()), t["write_ops"], "write events")
    expect(int(ev["result"][is_r & ok].sum()), t["read_bytes"], "bytes read")
    expect(int(ev["result"][is_w & ok].sum()), t["write_bytes"], "bytes written")
    expect(int((ev["result"] < 0).sum()), t["errors"], "failed events")
    assert abs(int(ev["dur_ns"].sum()) / 1e9 - t["io_time_s"]) < 1e-6, "io time"
    return ev

# one trace: the summary, every event of gen_classify.c, the counters
with h5py.File("c.h5", "r") as f:
    js = json.load(open("c.json"))
    expect(f.attrs["format"], "iorec-hdf5", "format attribute")
    expect(int(f.attrs["layout_version"]), 1, "layout version")
    expect(int(f.attrs["traces"]), 1, "trace count")
    m = f["metadata/0"].attrs
    expect((m["host.name"], m["job.id"], m["trace_name"]), ("node7", "J0", "c.iotr"), "metadata")
    check_summary(f, js)
    ev = check_events(f, js)
    codes = h5py.check_enum_dtype(f["io/events"].dtype["op"])
    r4 = ev[(ev["pid"] == 200) & (ev["size"] == 8192) & (ev["result"] == 4097)]
    expect(len(r4), 1, "r4 found")
    r4 = r4[0]
    expect((int(r4["ts_ns"]), int(r4["dur_ns"]), int(r4["op"]), int(r4["fd"]), int(r4["file_id"]),
            int(r4["offset"]), int(r4["tid"]), int(r4["trace"])),
           (1700000002310000000, 300000000, codes["read"], 5, 3, 0, 200, 0), "r4 fields")
    r7 = ev[ev["result"] == -5][0]
    expect((int(r7["offset"]), int(r7["op"])), (-1, codes["read"]), "r7: unknown offset, -EIO")
    procs = {int(r["pid"]): r for r in f["processes"][:]}
    expect((procs[100]["comm"].decode(), procs[100]["job_id"].decode(), int(procs[100]["uid"])),
           ("alpha", "J1", 1000), "process 100")
    expect(int(procs[100]["start_ns"]), 1700000001000000000, "start on the wall clock")
    files = {int(r["id"]): r["path"].decode() for r in f["files"][:]}
    expect(files, {1: '/data/a,b "q".dat', 2: "/data/new\nline.txt", 3: "/data/plain.bin"}, "files")
    d = f["counters/diskstats"][:]
    expect(len(d), 2, "diskstats rows")
    expect((d[1]["name"].decode(), int(d[1]["major"]), int(d[1]["nfields"]), int(d[1]["ts_ns"])),
           ("vda", 254, 17, 1700000003000000000), "diskstats row")
    expect([int(x) for x in d[1]["counters"]], [2000 + k for k in range(17)], "disk counters")
    p = f["counters/procio"][:]
    expect([int(x) for x in p["rchar"]], [8191, 16382], "procio rchar")
    j = f["counters/jobstats"][:]
    expect((j[0]["target"].decode(), j[0]["job_id"].decode(), j[0]["counter"].decode(),
            j[0]["unit"].decode(), int(j[1]["sum"])),
           ("obdfilter.fs-OST0000", "J1", "read_bytes", "bytes", 10000000), "jobstats")
    lo = f["loss"][:]
    expect((len(lo), int(lo[0]["count"]), int(lo[0]["ts_ns"])), (1, 3, 1700000003500000000), "loss")

# two traces: merged on time, the summary of both
with h5py.File("two.h5", "r") as f:
    js = json.load(open("two.json"))
    expect(int(f.attrs["traces"]), 2, "two traces")
    expect((f["metadata/0"].attrs["host.name"], f["metadata/1"].attrs["host.name"]),
           ("node7", "node2"), "hosts")
    check_summary(f, js)
    ev = check_events(f, js)
    assert np.all(np.diff(ev["ts_ns"].astype(np.int64)) >= 0), "events of two traces not time-ordered"
    expect(int((ev["trace"] == 1).sum()), 10, "events of trace 1")

# 300000 events: 19 chunks (the last one partial) through the
# compression thread, every event accounted for
with h5py.File("big.h5", "r") as f:
    js = json.load(open("big.json"))
    e = f["io/events"]
    expect(e.chunks, (16384,), "event chunk size")
    expect((e.compression, e.shuffle), ("gzip", True), "event filters")
    check_events(f, js)
    check_summary(f, js)
print("hdf5: all checks passed")
EOF

# --- the documented example, run as written --------------------------------
awk '/<!-- example:/{f=1;next} f&&/^```python/{p=1;next} p&&/^```/{exit} p' \
	"$SRC/analyze/HDF5.md" > example.py
[[ -s example.py ]] || { echo "no example found in HDF5.md"; exit 1; }
if "$PY" -c 'import pandas' 2>/dev/null; then
	"$PY" example.py c.h5 > example.out
	grep -q "^node7: 19 events, 20481 bytes read" example.out || { cat example.out; exit 1; }
	grep -qE "^ *100 +12287 +alpha" example.out || { echo "example: per-process table"; cat example.out; exit 1; }
elif [[ ${CI:-} == true ]]; then
	echo "pandas missing for the HDF5.md example"; exit 1
else
	echo "note: pandas missing, HDF5.md example not run"
fi

# --- decoding on several threads: the same file, warnings kept -------------
# (export decodes on every core from 2M events on; IOANALYZE_WORKERS forces it)
for w in 2 3; do
	rm -f w$w.h5
	IOANALYZE_WORKERS=$w "$BIN/ioanalyze" export --hdf5 w$w.h5 big.iotr
	cmp <(h5dump big.h5 | tail -n +2) <(h5dump w$w.h5 | tail -n +2) >/dev/null ||
		{ echo "export with $w decoders differs from one decoder"; exit 1; }
done
# a flipped byte in two neighbouring chunks (of 10): each is dropped with a
# warning naming the file and the byte, by one decoder as by several (where
# each decoder thread has its own reader)
cp big.iotr bad.iotr
size=$(stat -c %s bad.iotr)
for at in $((size / 2)) $((size * 6 / 10)); do
	byte=$(od -An -tu1 -j "$at" -N1 bad.iotr | tr -d ' ')
	printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
		dd of=bad.iotr bs=1 seek="$at" conv=notrunc status=none
done
for w in 1 2; do
	rm -f bad$w.h5
	IOANALYZE_WORKERS=$w "$BIN/ioanalyze" export --hdf5 bad$w.h5 bad.iotr 2> bad$w.err ||
		{ echo "bad trace, $w decoders: exit $?"; cat bad$w.err; exit 1; }
	[[ $(grep -cE "bad\.iotr: at byte [0-9]+: io chunk" bad$w.err) == 2 ]] ||
		{ echo "want 2 warnings naming the file and byte ($w decoders):"; cat bad$w.err; exit 1; }
done
n1=$("$PY" -c 'import h5py, sys; print(len(h5py.File(sys.argv[1])["io/events"]))' bad1.h5)
(( n1 > 0 && n1 < 300000 )) || { echo "bad trace: $n1 events exported"; exit 1; }
cmp <(h5dump bad1.h5 | tail -n +2) <(h5dump bad2.h5 | tail -n +2) >/dev/null ||
	{ echo "bad trace: one and two decoders differ"; exit 1; }

# --- refusals ----------------------------------------------------------------
set +e
"$BIN/ioanalyze" export --hdf5 c.h5 c.iotr 2> err1.txt; rc1=$?
"$BIN/ioanalyze" export c.iotr 2> /dev/null; rc2=$?
"$BIN/ioanalyze" export --hdf5 none.h5 missing.iotr 2> /dev/null; rc3=$?
set -e
[[ $rc1 == 1 ]] && grep -q exists err1.txt || { echo "overwrote c.h5"; exit 1; }
[[ $rc2 == 2 ]] || { echo "no --hdf5: exit $rc2"; exit 1; }
[[ $rc3 == 1 && ! -e none.h5 ]] || { echo "missing trace: exit $rc3 or file left"; exit 1; }
ls "$tmp" | grep -q '\.tmp\.' && { echo "temporary file left behind"; exit 1; }
echo "test_hdf5: ok"
