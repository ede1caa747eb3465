#!/usr/bin/env bash
# ioanalyze iofs: the per-request CSV parsed back with python's csv module
# and checked row by row against the events of tests/classify/gen_classify.c;
# --with-class agrees with ioanalyze classify.
set -euo pipefail
: "${BIN:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$BIN/iotr-gen-classify" c.iotr
hand=$SRC/tests/models/hand.csv
"$BIN/ioanalyze" iofs c.iotr > plain.csv
"$BIN/ioanalyze" iofs -o out.csv --model "$hand" --with-class c.iotr
[[ $(stat -c %a out.csv) == 600 ]] || { echo "mode $(stat -c %a out.csv)"; exit 1; }
"$BIN/ioanalyze" classify --model "$hand" --format json c.iotr > cls.json

python3 - <<'EOF'
import csv, json
def expect(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"

with open("plain.csv", newline="") as f:
    rows = list(csv.reader(f))
expect(rows[0], ["timestamp_unix", "operation_type", "path", "offset", "bytes_transferred",
                 "latency_seconds"], "header")
A, B, C = '/data/a,b "q".dat', "/data/new\nline.txt", "/data/plain.bin"
# every successful read/write/open/getattr event of gen_classify.c, in time
# order, as iofs logs them: open and getattr (fstat, stat) rows carry offset
# 0 and bytes 1; failed calls (w4, r7, the failed openat) and the zero-byte
# read r6 have no row
want = [
    ["1700000001", "open", A, "0", "1", "0.000020"],
    ["1700000001", "read", A, "0", "4095", "0.100000"],
    ["1700000001", "read", A, "4095", "4096", "0.100000"],
    ["1700000001", "write", A, "8191", "500", "0.000000"],
    ["1700000001", "getattr", A, "0", "1", "0.000005"],
    ["1700000002", "open", C, "0", "1", "0.000020"],
    ["1700000002", "read", C, "0", "4096", "0.250000"],
    ["1700000002", "write", C, "4096", "2000", "0.500000"],
    ["1700000002", "read", C, "0", "4097", "0.300000"],
    ["1700000002", "read", B, "0", "4097", "0.500000"],
    ["1700000003", "write", B, "0", "100", "0.010000"],
    ["1700000003", "write", C, "8192", "101", "0.010000"],
    ["1700000003", "getattr", C, "0", "1", "0.000007"],
]
expect(len(rows) - 1, len(want), "row count")
for i, (got, w) in enumerate(zip(rows[1:], want)):
    expect(got, w, f"row {i + 1}")

# the raw text: quoted exactly per RFC 4180 (doubled quotes, quoted newline)
text = open("plain.csv", newline="").read()
assert '"/data/a,b ""q"".dat"' in text, "comma/quote path not quoted"
assert '"/data/new\nline.txt"' in text, "newline path not quoted"
assert ",/data/plain.bin," in text, "plain path quoted needlessly"
for line in text.split("\n"):
    if line.count(",") >= 5 and line[:10].isdigit():
        lat = line.rsplit(",", 1)[1]
        assert len(lat.split(".")[1]) == 6, f"latency not 6 decimals: {line!r}"

# --with-class: a final class column; counts equal the classify report
with open("out.csv", newline="") as f:
    crow = list(csv.reader(f))
expect(crow[0][-1], "class", "class header")
expect([r[:-1] for r in crow[1:]], rows[1:], "same rows with --with-class")
counts = {}
for r in crow[1:]:
    op, cls = r[1], r[6]
    if op in ("read", "write"):
        counts[(cls, op)] = counts.get((cls, op), 0) + 1
    else:
        expect(cls, "", f"class of a {op} row")
# classify also classifies the zero-byte read r6 (SameOffset), which has
# no iofs row
rep = json.load(open("cls.json"))
for c in rep["classes"]:
    for d in ("read", "write"):
        want_n = c[d] - (1 if (c["class"], d) == ("SameOffset", "read") else 0)
        expect(counts.get((c["class"], d), 0), want_n, f"{c['class']} {d}")
expect(crow[2][-1], "SameOffset", "r1 class")
expect(crow[3][-1], "Sequential", "r2 class")
print("iofs: all checks passed")
EOF

# the edges: timestamp_unix is the second the call ended in; no rows for
# failed calls or a zero-byte read
"$BIN/iotr-gen-classify" e.iotr edges
"$BIN/ioanalyze" iofs e.iotr > edges.csv
python3 - <<'EOF'
import csv
rows = list(csv.reader(open("edges.csv", newline="")))[1:]
want = [
    ["1700000002", "read", "/data/plain.bin", "0", "4096", "0.200000"],
    ["1700000003", "getattr", "/data/plain.bin", "0", "1", "0.100000"],
    ["1700000003", "write", "/data/plain.bin", "77", "1", "0.000005"],
]
assert rows == want, f"edges: got {rows!r}"
EOF

# usage errors
set +e
"$BIN/ioanalyze" iofs --with-class c.iotr 2>/dev/null; rc1=$?
"$BIN/ioanalyze" iofs -o out.csv c.iotr 2>/dev/null; rc2=$?
set -e
[[ $rc1 == 2 ]] || { echo "--with-class without --model: exit $rc1"; exit 1; }
[[ $rc2 == 1 ]] || { echo "overwrote out.csv: exit $rc2"; exit 1; }
echo "test_iofs: ok"
