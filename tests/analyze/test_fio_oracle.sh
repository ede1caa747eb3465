#!/usr/bin/env bash
# ioanalyze summary against an independent oracle: fio's own JSON report.
# fio (psync engine, 2 jobs of random reads and writes) runs under iorec
# with each I/O event source this build has (ebpf, preload); for every
# job's data file, the pread/pwrite counts and bytes in the summary must
# equal fio's read/write total_ios and io_bytes exactly (fio's layout of
# the files uses write(), not pwrite, so it does not disturb the count).
. "$SRC/tests/analyze/lib.sh"
IOREC=$BIN/iorec
command -v fio >/dev/null || { echo "fio not installed"; exit 77; }
[[ -x $IOREC ]] || { echo "iorec not built"; exit 77; }
check=$("$IOREC" --check 2>&1 || true)
ran=0
for src in ebpf preload; do
	line=$(grep -E "^$src " <<<"$check" || true)
	if [[ -z $line ]]; then
		echo "note: source $src is not built into this iorec"
		continue
	fi
	if ! grep -qE "^$src +yes" <<<"$line"; then
		if [[ ${CI:-} == true ]]; then fail "source $src cannot run here: $line"; continue; fi
		echo "note: source $src cannot run here: $line"
		continue
	fi
	d=$TMP/$src
	mkdir -p "$d"
	cat >"$d/job.fio" <<FIO
[global]
ioengine=psync
directory=$d
filesize=4m
io_size=2m
[rw]
rw=randrw
bs=4k
numjobs=2
FIO
	"$IOREC" -q -s "$src" -o "$d/t.iotr" -- fio --output-format=json --output="$d/fio.json" "$d/job.fio" ||
		{ fail "$src: iorec/fio exit"; continue; }
	for n in 0 1; do
		want=$(jq -c ".jobs[$n] | [.read.total_ios, .read.io_bytes, .write.total_ios, .write.io_bytes]" "$d/fio.json")
		"$IOA" summary -f json --by op --path "$d/rw.$n.0" "$d/t.iotr" >"$d/s$n.json" || fail "$src: summary"
		got=$(jq -c '[(.ops[] | select(.op == "pread") | .count, .bytes), (.ops[] | select(.op == "pwrite") | .count, .bytes)]' "$d/s$n.json")
		expect_eq "$src: job $n pread/pwrite vs fio" "$got" "$want"
	done
	"$IOA" summary -f json --comm fio "$d/t.iotr" >"$d/all.json" || fail "$src: summary --comm"
	jq_eq "$d/all.json" '[.processes[] | select(.read_ops > 0)] | length >= 2' 'true'
	jq_eq "$d/all.json" '.totals.errors_by_errno | keys | all(startswith("E"))' 'true'
	ran=$((ran + 1))
done
((ran)) || { ((fails)) && finish; echo "no I/O event source (ebpf, preload) available in this build"; exit 77; }
finish
