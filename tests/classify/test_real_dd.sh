#!/usr/bin/env bash
# classify, iofs and export --hdf5 on a real recording: dd writes 16 x 1 MiB
# under iorec with each I/O event source this build can run (ebpf,
# preload). The oracle is dd itself: 16 writes of 1048576 bytes at offsets
# 0, 1 MiB, ..., 15 MiB of the output file, one open of it.
set -euo pipefail
: "${BIN:?}" "${SRC:?}"
IOREC=$BIN/iorec
[[ -x $IOREC ]] || { echo "iorec not built"; exit 77; }
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check=$("$IOREC" --check 2>&1 || true)
ran=0
for src in ebpf preload; do
	line=$(grep -E "^$src " <<<"$check" || true)
	if [[ -z $line ]] || ! grep -qE "^$src +yes" <<<"$line"; then
		[[ ${CI:-} == true && $src == preload ]] && { echo "FAIL: source $src cannot run: $line"; exit 1; }
		echo "note: source $src cannot run here: ${line:-not built}"
		continue
	fi
	d=$tmp/$src
	mkdir -p "$d"
	"$IOREC" -q -s "$src" -o "$d/t.iotr" -- dd if=/dev/zero of="$d/out.dat" bs=1M count=16 status=none
	"$BIN/ioanalyze" iofs -o "$d/req.csv" --model "$SRC/samples/models/linear.csv" --with-class "$d/t.iotr"
	"$BIN/ioanalyze" classify --model "$SRC/samples/models/linear.csv" --by file --format json \
		"$d/t.iotr" > "$d/cls.json"
	"$BIN/ioanalyze" export --hdf5 "$d/t.h5" "$d/t.iotr"
	OUT=$d/out.dat D=$d SRCNAME=$src python3 - <<'EOF'
import csv, json, os
out, d, src = os.environ["OUT"], os.environ["D"], os.environ["SRCNAME"]
rows = list(csv.DictReader(open(f"{d}/req.csv", newline="")))
w = [r for r in rows if r["path"] == out and r["operation_type"] == "write"]
assert len(w) == 16, f"{src}: {len(w)} writes of {out} in the iofs CSV, dd made 16"
assert [int(r["bytes_transferred"]) for r in w] == [1 << 20] * 16, w
assert [int(r["offset"]) for r in w] == [i << 20 for i in range(16)], [r["offset"] for r in w]
assert all(r["class"] for r in w), "a write without a class"
opens = [r for r in rows if r["path"] == out and r["operation_type"] == "open"]
assert len(opens) >= 1 and all(r["offset"] == "0" and r["bytes_transferred"] == "1" for r in opens), opens
g = [x for x in json.load(open(f"{d}/cls.json"))["groups"] if x["path"] == out]
assert len(g) == 1, f"{src}: no classify group for {out}"
cl = g[0]["classes"]
assert sum(c["write"] for c in cl) == 16 and sum(c["write_bytes"] for c in cl) == 16 << 20, cl
classes = {}
for r in w:
    classes[r["class"]] = classes.get(r["class"], 0) + 1
assert classes == {c["class"]: c["write"] for c in cl if c["write"]}, (classes, cl)
EOF
	OUT=$d/out.dat D=$d "$PY" - <<'EOF'
import os
import h5py
out, d = os.environ["OUT"], os.environ["D"]
with h5py.File(f"{d}/t.h5", "r") as f:
    files = {(int(r["trace"]), int(r["id"])) for r in f["files"][:] if r["path"].decode() == out}
    assert files, "output file missing from /files"
    ev = f["io/events"][:]
    codes = h5py.check_enum_dtype(f["io/events"].dtype["op"])
    writes = {codes[n] for n in ("write", "pwrite", "writev", "pwritev", "fwrite")}
    mine = [e for e in ev if (int(e["trace"]), int(e["file_id"])) in files and int(e["op"]) in writes]
    assert len(mine) == 16, f"{len(mine)} write events of {out} in /io/events"
    assert all(int(e["result"]) == 1 << 20 and int(e["size"]) == 1 << 20 for e in mine)
    assert sorted(int(e["offset"]) for e in mine) == [i << 20 for i in range(16)]
EOF
	echo "$src: ok"
	ran=$((ran + 1))
done
((ran)) || { echo "no I/O event source (ebpf, preload) can run here"; exit 77; }
echo "test_real_dd: ok"
