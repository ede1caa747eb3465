#!/usr/bin/env bash
# The demo workload: a recognisable mix for `make demo` to record.
#  - fio (samples/demo.fio): sequential and random reads and writes, with
#    fsyncs, in four processes
#  - a metadata phase: a small tree created, listed, stat'ed, renamed and
#    removed by ordinary tools (mkdir, touch, ls, stat, mv, rm), one more
#    process each
# Without fio, dd and cat stand in for the data part.
#   samples/demo-workload.sh DIR
set -eu
dir=${1:?usage: demo-workload.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
if command -v fio >/dev/null; then
	DEMO_DIR=$dir fio --output=/dev/null "$here/demo.fio"
else
	dd if=/dev/zero of="$dir/seq.dat" bs=256k count=64 status=none
	for i in $(seq 1 64); do
		dd if="$dir/seq.dat" of=/dev/null bs=4k count=1 skip=$((RANDOM % 4096)) status=none
	done
	cat "$dir/seq.dat" >/dev/null
fi
mkdir -p "$dir/tree"
for d in a b c d; do
	mkdir -p "$dir/tree/$d"
	for f in 1 2 3 4 5 6 7 8; do echo "$d$f" >"$dir/tree/$d/file$f.txt"; done
done
ls -lR "$dir/tree" >/dev/null
stat "$dir"/tree/*/* >/dev/null
for d in a b c d; do mv "$dir/tree/$d" "$dir/tree/$d.old"; done
cat "$dir"/tree/*/file1.txt >/dev/null
rm -rf "$dir/tree" "$dir"/*.0.* "$dir"/seq.dat 2>/dev/null || true
