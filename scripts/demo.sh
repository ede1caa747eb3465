#!/usr/bin/env bash
# make demo: record the bundled sample workload (samples/demo-workload.sh:
# fio with sequential and random reads and writes in several processes,
# then a metadata phase) with iorec and the best sources this machine has
# (eBPF as root, else the preload library; plus diskstats and procio),
# then print the ioanalyze summary and say how to look further.
# `make demo` installs the dependencies and builds first; BUILD is the
# build directory (default build/).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
BIN=$BUILD/bin
for b in iorec ioanalyze; do
	[[ -x $BIN/$b ]] || { echo "demo: $BIN/$b is missing: run 'make demo' (or 'make') first" >&2; exit 1; }
done
out=$BUILD/demo
mkdir -p "$out"
trace=$out/demo-$(date +%Y%m%d-%H%M%S).iotr
work=$(mktemp -d "${TMPDIR:-/tmp}/iorec-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== Recording the sample workload (samples/demo-workload.sh) with iorec"
echo "   $BIN/iorec -o $trace -- samples/demo-workload.sh $work"
"$BIN/iorec" -o "$trace" -- "$SRC/samples/demo-workload.sh" "$work"
echo
echo "== What was recorded"
"$BIN/ioanalyze" info "$trace" | sed '/^  metadata/,$d'
echo
echo "== ioanalyze summary $trace"
"$BIN/ioanalyze" summary --top 8 "$trace"
if ! "$BIN/ioanalyze" info "$trace" | grep -qE '^ +io +[0-9]+'; then
	echo "(eBPF needs root and a kernel with BTF; the preload library needs nothing:"
	echo " 'iorec --check' says which sources can run here.)"
fi
echo
echo "== Next steps"
echo "  $BIN/ioanalyze summary --by file $trace      per-file table"
echo "  $BIN/ioanalyze dump $trace | less            every event, strace-like"
echo "  $BIN/ioanalyze disks $trace                  iostat -x per interval"
if [[ -x $BIN/ioview ]]; then
	echo "  $BIN/ioview $trace                           browse it (q quits, ? helps)"
else
	echo "  ioview $trace   browse it in the viewer (build/bin/ioview once built)"
fi
