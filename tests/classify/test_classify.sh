#!/usr/bin/env bash
# ioanalyze classify and summary --model on the hand-checked trace of
# tests/classify/gen_classify.c (every event's class is worked out there),
# with the hand model and both published dummy models; model errors; the
# --compare ranking; text, JSON and CSV reports.
set -euo pipefail
: "${BIN:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$BIN/iotr-gen-classify" c.iotr
hand=$SRC/tests/models/hand.csv
lin=$SRC/samples/models/linear.csv
cl=$SRC/samples/models/constant-linear.csv

"$BIN/ioanalyze" classify --model "$hand" --format json c.iotr > hand.json
"$BIN/ioanalyze" classify --model "$hand" --by process --format json c.iotr > byproc.json
"$BIN/ioanalyze" classify --model "$hand" --by job --format json c.iotr > byjob.json
"$BIN/ioanalyze" classify --model "$hand" --by file --format json c.iotr > byfile.json
"$BIN/ioanalyze" classify --model "$hand" --format csv c.iotr > hand.csv
"$BIN/ioanalyze" summary --model "$hand" --format json c.iotr > summary.json
"$BIN/ioanalyze" classify --model "$lin" --format json c.iotr > lin.json
"$BIN/ioanalyze" classify --model "$cl" --format json c.iotr > cl.json
"$BIN/ioanalyze" classify --compare "$lin" "$cl" "$hand" --format json c.iotr > cmp.json
"$BIN/ioanalyze" classify --compare "$lin" "$cl" "$hand" --format csv c.iotr > cmp.csv

python3 - "$hand" "$lin" "$cl" <<'EOF'
import csv, json, sys
hand_path, lin_path, cl_path = sys.argv[1:4]

def classes(doc):
    return {c["class"]: c for c in doc["classes"]}

def expect(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"

# --- hand model: the classes listed in gen_classify.c -------------------
h = json.load(open("hand.json"))
c = classes(h)
expect(list(c), ["RandomUncached", "SameOffset", "Sequential", "Reverse", "Unclassified"], "class order")
want = {  # class: (read ops, read bytes, write ops, write bytes)
    "RandomUncached": (1, 4097, 0, 0),        # r4 (4097 of 8192 requested)
    "SameOffset": (3, 4095 + 4096 + 0, 1, 100),  # r1 r3 r6, w3
    "Sequential": (1, 4096, 0, 0),            # r2
    "Reverse": (0, 0, 1, 2000),               # w2
    "Unclassified": (1, 4097, 2, 500 + 101),  # r5, w1 w5
}
for k, (ro, rb, wo, wb) in want.items():
    expect((c[k]["read"], c[k]["read_bytes"], c[k]["write"], c[k]["write_bytes"]), (ro, rb, wo, wb), k)
assert abs(c["SameOffset"]["read_time_s"] - (0.1 + 0.25 + 0.000001)) < 1e-12
assert abs(c["Reverse"]["write_time_s"] - 0.5) < 1e-12
expect(h["unclassified_failed"], 2, "failed calls")
expect((h["failed_reads"], h["failed_writes"]), (1, 1), "failed by direction")
q = h["quality"]
expect((q["requests"], q["classified"], q["unclassified"]), (10, 7, 3), "quality counts")
assert abs(q["classified_share"] - 0.7) < 1e-12
# |prediction - t| of the 7 classified requests, by hand:
# r1 .5-.1, r2 .25-.1, r3 .5-.25, r4 .5-.3, r6 .5-1e-6, w2 1-.5, w3 .125-.01
mae = (0.4 + 0.15 + 0.25 + 0.2 + 0.499999 + 0.5 + 0.115) / 7
assert abs(q["mean_abs_error_s"] - mae) < 1e-9, q

# --- groups: by process / job / file ------------------------------------
def group_counts(doc, keyname):
    out = {}
    for g in doc["groups"]:
        gc = classes(g)
        out[str(g[keyname])] = ({k: (v["read"], v["write"]) for k, v in gc.items() if v["read"] or v["write"]},
                                g["unclassified_failed"])
    return out
bp = group_counts(json.load(open("byproc.json")), "pid")
expect(bp["100"], ({"SameOffset": (2, 0), "Sequential": (1, 0), "Reverse": (0, 1), "Unclassified": (0, 1)}, 1), "pid 100")
expect(bp["200"], ({"RandomUncached": (1, 0), "SameOffset": (1, 1), "Unclassified": (1, 1)}, 1), "pid 200")
procs = {g["pid"]: g["comm"] for g in json.load(open("byproc.json"))["groups"]}
expect(procs, {100: "alpha", 200: "beta"}, "process names")
bj = group_counts(json.load(open("byjob.json")), "job")
expect(sorted(bj), ["J1", "J2"], "jobs")
expect(bj["J1"], bp["100"], "job J1 = pid 100")
bf = group_counts(json.load(open("byfile.json")), "path")
expect(bf['/data/a,b "q".dat'], ({"SameOffset": (1, 0), "Sequential": (1, 0), "Unclassified": (0, 1)}, 1), "file A")
expect(bf["/data/new\nline.txt"], ({"SameOffset": (1, 1), "Unclassified": (1, 0)}, 1), "file B")
expect(bf["/data/plain.bin"], ({"RandomUncached": (1, 0), "SameOffset": (1, 0), "Reverse": (0, 1), "Unclassified": (0, 1)}, 0), "file C")

# --- CSV report: the same numbers ----------------------------------------
rows = list(csv.DictReader(open("hand.csv", newline="")))
tot = {r["class"]: r for r in rows if r["scope"] == "total"}
for k, (ro, rb, wo, wb) in want.items():
    expect((int(tot[k]["read_ops"]), int(tot[k]["read_bytes"]), int(tot[k]["write_ops"]), int(tot[k]["write_bytes"])),
           (ro, rb, wo, wb), "csv " + k)

# --- summary --model: the same classes section ---------------------------
s = json.load(open("summary.json"))
expect(s["classes"], h["classes"], "summary classes == classify classes")
expect(s["unclassified_failed"], 2, "summary failed")
expect(s["totals"]["read_ops"], 7, "summary read_ops")

# --- published dummy models, worked out by hand ---------------------------
# linear.csv, reads: SO 2.067e-10*B - 2.69e-5, Seq 5.84e-10*B + 1.12e-4,
#   RU 1.005e-9*B + 5.65e-4, Rev 6.40e-10*B + 1.204e-3 (all far below the
#   0.1 s and slower latencies of this trace, so every read but r6 is
#   Unclassified; r6 (0 B, 1 us): SO is negative, Seq 1.12e-4 is least).
# writes: w1 500 B in 1 ns: SO 2.067e-10*500 - 2.97e-5 < 0, Seq -3.36e-5
#   + 1.4e-6 < 0, Rev 4.41e-4 + 1.6e-6, RU 1.554e-3 + 2e-6 -> Reverse.
#   w2 (0.5 s), w3 (0.01 s), w5 (0.01 s): slower than every row.
l = classes(json.load(open("lin.json")))
expect({k: (v["read"], v["write"]) for k, v in l.items()},
       {"RandomUncached": (0, 0), "SameOffset": (0, 0), "Sequential": (1, 0),
        "Reverse": (0, 1), "Unclassified": (5, 3)}, "linear.csv")
# constant-linear.csv: r6 (0 B, 1 us) -> rows with bounds 0..4096 only:
#   SO 1.086e-6 is the least above 1e-6. w1 (500 B, 1 ns): SO 7.43e-7.
cm = classes(json.load(open("cl.json")))
expect({k: (v["read"], v["write"]) for k, v in cm.items()},
       {"RandomUncached": (0, 0), "SameOffset": (1, 1), "Sequential": (0, 0),
        "Reverse": (0, 0), "Unclassified": (5, 3)}, "constant-linear.csv")

# --- --compare: hand.csv classifies 7/10, the others 2/10 ------------------
cmp = json.load(open("cmp.json"))["models"]
expect([m["model"] for m in cmp][0], hand_path, "best model")
expect([m["rank"] for m in cmp], [1, 2, 3], "ranks")
expect([m["classified"] for m in cmp], [7, 2, 2], "classified per model")
# tie on share: the lower mean absolute error ranks first
m2, m3 = cmp[1], cmp[2]
assert m2["mean_abs_error_s"] <= m3["mean_abs_error_s"], cmp
crow = list(csv.DictReader(open("cmp.csv", newline="")))
expect([r["model"] for r in crow], [m["model"] for m in cmp], "csv compare order")
print("classify: all checks passed")
EOF

# text report names the classes and the failed calls
"$BIN/ioanalyze" classify --model "$hand" c.iotr > hand.txt
grep -q "10 read/write requests, 7 classified (70.0%), 3 unclassified, 2 failed" hand.txt
grep -q "^Unclassified *1 " hand.txt

# --top: text shows the busiest groups only, JSON keeps them all unless asked
"$BIN/ioanalyze" classify --model "$hand" --by file --top 1 c.iotr > top.txt
grep -q "(1 of 3 file groups below" top.txt
[[ $(grep -c "^file " top.txt) == 1 ]] || { echo "--top 1 printed $(grep -c "^file " top.txt) groups"; exit 1; }
[[ $(grep -c '"path"' byfile.json) == 3 ]] || { echo "JSON lost groups"; exit 1; }
"$BIN/ioanalyze" classify --model "$hand" --by file --top 2 --format json c.iotr > top2.json
[[ $(grep -c '"path"' top2.json) == 2 ]] || { echo "--top 2 JSON"; exit 1; }

# errors: each bad row reported with file:line, exit 1, nothing printed on stdout
set +e
"$BIN/ioanalyze" classify --model "$SRC/tests/models/bad.csv" c.iotr > out.txt 2> err.txt
rc=$?
set -e
[[ $rc == 1 ]] || { echo "bad model: exit $rc, want 1"; exit 1; }
[[ ! -s out.txt ]] || { echo "bad model: a report was printed"; exit 1; }
for want in "bad.csv:3: wrong column count: 4 fields" "bad.csv:4: unknown benchmark type 'FooBar'" \
	"bad.csv:5: non-numeric slope 'x'" "bad.csv:6: negative left_bound '-5'"; do
	grep -qF "$want" err.txt || { echo "missing error: $want"; cat err.txt; exit 1; }
done
printf 'benchmark_type,is_read_op,slope,y_intercept,left_bound,right_bound\n' > empty.csv
set +e
"$BIN/ioanalyze" classify --model empty.csv c.iotr 2> err2.txt; rc=$?
"$BIN/ioanalyze" classify c.iotr 2> err3.txt; rc3=$?
"$BIN/ioanalyze" classify --model "$hand" --by op c.iotr 2> /dev/null; rc4=$?
"$BIN/ioanalyze" summary --model "$SRC/tests/models/bad.csv" c.iotr > /dev/null 2> err5.txt; rc5=$?
set -e
[[ $rc == 1 ]] && grep -q "no model rows" err2.txt || { echo "empty model accepted"; exit 1; }
[[ $rc3 == 2 && $rc4 == 2 ]] || { echo "usage errors: exit $rc3 / $rc4, want 2"; exit 1; }
[[ $rc5 == 1 ]] && grep -q "bad.csv:4" err5.txt || { echo "summary accepted a bad model"; exit 1; }

# -o: a new file, mode 0600, never over an existing one
"$BIN/ioanalyze" classify --model "$hand" --format json -o rep.json c.iotr
cmp -s rep.json hand.json || { echo "-o output differs from stdout"; exit 1; }
[[ $(stat -c %a rep.json) == 600 ]] || { echo "report mode $(stat -c %a rep.json)"; exit 1; }
if "$BIN/ioanalyze" classify --model "$hand" -o rep.json c.iotr 2> err6.txt; then
	echo "overwrote an existing report"; exit 1
fi
grep -q "exists" err6.txt
# a trace of 10 I/O chunks: the two-thread totals path equals the
# single-thread replay (--by forces the latter), class by class
"$BIN/iotr-gen" bench big.iotr 600000
"$BIN/ioanalyze" classify --model "$SRC/samples/models/constant-linear.csv" --format json big.iotr > par.json
"$BIN/ioanalyze" classify --model "$SRC/samples/models/constant-linear.csv" --by job --format json big.iotr > seq.json
python3 - <<'EOF2'
import json
p, s = json.load(open("par.json")), json.load(open("seq.json"))
assert p["events"] == s["events"] == 600000, (p["events"], s["events"])
for a, b in zip(p["classes"], s["classes"]):
    for k in ("class", "read", "write", "read_bytes", "write_bytes"):
        assert a[k] == b[k], (k, a, b)
    assert abs(a["read_time_s"] - b["read_time_s"]) < 1e-6
assert p["quality"]["classified"] == s["quality"]["classified"] > 0
assert sum(c["read"] + c["write"] for c in p["classes"]) == p["quality"]["requests"]
EOF2
echo "test_classify: ok"
