#!/usr/bin/env bash
# bench-record: the pollers' costs.
#   poll.jobstats_parse_ms_2000  parse 1000 jobs x 2 targets: median of 31
#                                runs, CPU time of the parsing thread
#   poll.iorec_cpu_pct           iorec's own CPU (user+sys, from its
#                                rusage in the trace) in % of one core over
#                                the recording's wall time: --all, diskstats +
#                                procio (every process of the node) + jobstats
#                                on the real captures in samples/jobstats
#                                (DDN 2.14 OSS, 2.16 OST and MDT), 1 s interval
#   poll.iorec_rss_mib           iorec's peak RSS during that recording
#   poll.iorec_cpu_pct_2000jobs  the same with 1000 jobs x 2 targets of
#                                jobstats (stress case, 30000 samples a poll)
#   poll.iorec_rss_mib_2000jobs  its peak RSS
set -euo pipefail
: "${BUILD:?}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DUR=${BENCH_RECORD_SECONDS:-10}
T=$(mktemp -d /tmp/iorec-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$BUILD/bin/iorec-bench-poll"

run() { # name glob
	"$BUILD/bin/iorec" -q --all -s diskstats,procio,jobstats -i 1000 --duration "$DUR" \
		--jobstats-glob "$2" -o "$T/$1.iotr"
	"$BUILD/bin/iorec-test-dump" "$T/$1.iotr" > "$T/$1.txt"
	m() { sed -n "s/^meta $1=//p" "$T/$2.txt" | tail -n 1; }
	local cpu rss s e
	cpu=$(m rec.self_cpu_ns "$1"); rss=$(m rec.self_max_rss_kib "$1")
	s=$(m rec.start_mono_ns "$1"); e=$(m rec.end_mono_ns "$1")
	echo "$1: ${DUR} s, $(grep -c '^js ' "$T/$1.txt") jobstat samples," \
		"$(grep -c '^proc ' "$T/$1.txt") processes, trace $(stat -c %s "$T/$1.iotr") bytes," \
		"cpu $((cpu / 1000000)) ms"
	awk -v c="$cpu" -v s="$s" -v e="$e" -v n="$3" 'BEGIN{printf "BENCH poll.iorec_cpu_pct%s %.3f\n", n, 100 * c / (e - s)}'
	awk -v r="$rss" -v n="$3" 'BEGIN{printf "BENCH poll.iorec_rss_mib%s %.1f\n", n, r / 1024}'
}

mkdir -p "$T/real/obdfilter/es01a-OST0001" "$T/real/obdfilter/scratch-OST0000" "$T/real/mdt/scratch-MDT0000"
cp "$SRC/samples/jobstats/ddn-2.14-real-ost.txt" "$T/real/obdfilter/es01a-OST0001/job_stats"
cp "$SRC/samples/jobstats/ost-2.16.txt" "$T/real/obdfilter/scratch-OST0000/job_stats"
cp "$SRC/samples/jobstats/mdt-2.16.txt" "$T/real/mdt/scratch-MDT0000/job_stats"
run real "$T/real/*/*/job_stats" ""

"$BUILD/bin/iorec-bench-poll" --write "$T/big"
run big "$T/big/obdfilter/*/job_stats" _2000jobs
