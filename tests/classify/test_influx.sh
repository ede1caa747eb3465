#!/usr/bin/env bash
# ioanalyze classify --influx: the line-protocol file checked line by line
# against the events of tests/classify/gen_classify.c (1 s intervals), and
# a 2 s interval against the same numbers summed.
set -euo pipefail
: "${BIN:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$BIN/iotr-gen-classify" c.iotr
hand=$SRC/tests/models/hand.csv
"$BIN/ioanalyze" classify --model "$hand" --influx one.lp --interval 1 --format json c.iotr > cls.json
"$BIN/ioanalyze" classify --model "$hand" --influx two.lp --interval 2000ms c.iotr > /dev/null
[[ $(stat -c %a one.lp) == 600 ]] || { echo "mode $(stat -c %a one.lp)"; exit 1; }

python3 - <<'EOF'
import json, re

def expect(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"

def split_unescaped(s, sep):
    out, cur, i = [], "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]; i += 2; continue
        if s[i] == sep:
            out.append(cur); cur = ""
        else:
            cur += s[i]
        i += 1
    out.append(cur)
    return out

def parse(path):
    """Line protocol: measurement[,tag=v...] field=v[,field=v...] timestamp."""
    pts = []
    for n, line in enumerate(open(path), 1):
        assert line.endswith("\n"), f"line {n} not terminated"
        parts = split_unescaped(line.rstrip("\n"), " ")
        assert len(parts) == 3, f"line {n}: {line!r}"
        key, fields, ts = parts
        assert re.fullmatch(r"[0-9]+", ts), f"line {n}: timestamp {ts!r}"
        meas, *tags = split_unescaped(key, ",")
        tags = dict(t.split("=", 1) for t in tags)
        assert list(tags)[:2] == ["host", "job"], f"line {n}: tags {tags}"
        fv = {}
        for f in split_unescaped(fields, ","):
            k, v = f.split("=", 1)
            assert re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?", v), f"line {n}: field value {v!r}"
            fv[k] = float(v)
        pts.append((meas, tags, fv, int(ts)))
    return pts

pts = parse("one.lp")
expect(len(pts), 4 * 17, "lines (4 series-intervals x 17)")
base = 1700000000 * 10**9
S = 10**9
expect(sorted({p[3] for p in pts}), [base + S, base + 2 * S, base + 3 * S], "interval timestamps (ns)")
expect({p[1]["host"] for p in pts}, {"node7"}, "host tag")

def get(meas, ts, job, **tags):
    hits = [p[2] for p in pts if p[0] == meas and p[3] == base + ts * S and p[1]["job"] == job
            and all(p[1].get(k) == v for k, v in tags.items())]
    expect(len(hits), 1, f"{meas} {ts} {job} {tags}")
    return hits[0]

# classifications per interval and job, by hand (see gen_classify.c)
cls = {
    (1, "J1"): {"SameOffset": (1, 0), "Sequential": (1, 0), "Unclassified": (0, 1)},
    (2, "J1"): {"SameOffset": (1, 0), "Reverse": (0, 1)},
    (2, "J2"): {"RandomUncached": (1, 0), "Unclassified": (1, 0)},
    (3, "J2"): {"SameOffset": (1, 1), "Unclassified": (0, 1)},
}
for (ts, job), want in cls.items():
    for k in ("RandomUncached", "SameOffset", "Sequential", "Reverse", "Unclassified"):
        f = get("iofs_classifications", ts, job, type=k)
        expect((f["read"], f["write"]), want.get(k, (0, 0)), f"classes {ts} {job} {k}")

# size buckets: size=S counts transfers below S bytes (iofs's histogram)
sizes = {
    (1, "J1"): {"4096": (1, 1), "8192": (1, 0)},   # r1 4095, w1 500 | r2 4096
    (2, "J1"): {"4096": (0, 1), "8192": (1, 0)},   # w2 2000 | r3 4096
    (2, "J2"): {"8192": (2, 0)},                   # r4, r5 4097
    (3, "J2"): {"4096": (1, 2)},                   # r6 0 B, w3 100, w5 101
}
for (ts, job), want in sizes.items():
    for b in ("4096", "8192", "16384", "65536", "131072", "262144", "large"):
        f = get("iofs_size", ts, job, size=b)
        expect((f["read"], f["write"]), want.get(b, (0, 0)), f"size {ts} {job} {b}")

# counts: every counter present on every line
counts = {
    (1, "J1"): {"MD_get": 2, "read": 2, "write": 2, "getattr": 1, "open": 1},
    (2, "J1"): {"MD_get": 1, "read": 1, "write": 1, "open": 1, "release": 1},
    (2, "J2"): {"read": 2},
    (3, "J2"): {"MD_get": 2, "read": 2, "write": 2, "getattr": 1, "open": 1, "fsync": 1},
}
names = ["MD_get", "MD_mod", "MD_other", "read", "write", "getattr", "access", "readdir", "mkdir",
         "unlink", "rmdir", "rename", "truncate", "create", "open", "release", "fsync", "fallocate"]
for (ts, job), want in counts.items():
    f = get("iofs_counts", ts, job)
    expect(list(f), names, "counter names")
    expect({k: v for k, v in f.items() if v}, {k: float(v) for k, v in want.items()}, f"counts {ts} {job}")

# latency: read latencies of J2 in second 3 are 1 us and 40 us (r6, r7)
lat = {k: get("iofs_lat", 3, "J2", latency=k) for k in ("sum", "mean", "min", "max")}
assert abs(lat["sum"]["read"] - 41e-6) < 1e-12 and abs(lat["mean"]["read"] - 20.5e-6) < 1e-12
assert abs(lat["min"]["read"] - 1e-6) < 1e-12 and abs(lat["max"]["read"] - 40e-6) < 1e-12
expect(set(lat["sum"]), {"MD_get", "read", "write", "getattr", "open", "fsync"}, "latency fields: counters with calls")
assert abs(lat["max"]["fsync"] - 0.004) < 1e-12

# totals over the intervals equal the classify report
rep = {c["class"]: (c["read"], c["write"]) for c in json.load(open("cls.json"))["classes"]}
for k, (r, w) in rep.items():
    tr = sum(p[2]["read"] for p in pts if p[0] == "iofs_classifications" and p[1]["type"] == k)
    tw = sum(p[2]["write"] for p in pts if p[0] == "iofs_classifications" and p[1]["type"] == k)
    expect((tr, tw), (float(r), float(w)), f"total {k}")

# 2 s intervals start at even seconds: [0,2) holds second 1, [2,4) seconds 2-3
two = parse("two.lp")
expect(sorted({p[3] for p in two}), [base, base + 2 * S], "2 s interval timestamps")
f = [p[2] for p in two if p[0] == "iofs_counts" and p[3] == base + 2 * S and p[1]["job"] == "J2"][0]
expect((f["read"], f["write"]), (4.0, 2.0), "J2 counts over seconds 2-3")
print("influx: all checks passed")
EOF

# two nodes read from one archive: one series per (host, job), node2's
# pwrites (10 x 1 MiB in second 3, job J42) in its own lines
"$BIN/iotr-gen" golden2 g2.iotr
tar -cf both.tar c.iotr g2.iotr
"$BIN/ioanalyze" classify --model "$hand" --influx both.lp both.tar > /dev/null
python3 - <<'EOF2'
lines = open("both.lp").read().splitlines()
series = {tuple(l.split(" ")[0].split(",")[1:3]) for l in lines}
assert series == {("host=node7", "job=J1"), ("host=node7", "job=J2"), ("host=node2", "job=J42")}, series
n2 = [l for l in lines if l.startswith("iofs_counts,host=node2,job=J42 ")]
assert len(n2) == 1 and ",write=10," in n2[0] and n2[0].endswith(" 1700000003000000000"), n2
big = [l for l in lines if l.startswith("iofs_size,host=node2,job=J42,size=large ")]
assert big == ["iofs_size,host=node2,job=J42,size=large read=0,write=10 1700000003000000000"], big
assert len(lines) == len(open("one.lp").read().splitlines()) + 17
EOF2

set +e
"$BIN/ioanalyze" classify --model "$hand" --influx x.lp --interval 0 c.iotr 2>/dev/null; rc1=$?
"$BIN/ioanalyze" classify --model "$hand" --interval 5 c.iotr 2>/dev/null; rc2=$?
"$BIN/ioanalyze" classify --model "$hand" --influx one.lp c.iotr >/dev/null 2>&1; rc3=$?
set -e
[[ $rc1 == 2 && $rc2 == 2 ]] || { echo "bad --interval use: exit $rc1 / $rc2, want 2"; exit 1; }
[[ $rc3 == 1 ]] || { echo "overwrote one.lp: exit $rc3"; exit 1; }
[[ ! -e x.lp ]] || { echo "x.lp created on a usage error"; exit 1; }
echo "test_influx: ok"
