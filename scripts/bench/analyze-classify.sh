#!/usr/bin/env bash
# bench-analyze: classification and HDF5 export over the 20M-event trace of
# analyze-summary.sh (written once by iotr-gen into $BUILD/bench-analyze/).
#  - ioanalyze classify --model (constant-linear.csv): events per second,
#    median of 3 runs;
#  - ioanalyze export --hdf5 against ioanalyze summary on the same trace,
#    run alternately 3 times: median of the time ratios; the export's peak
#    RSS, also on a trace 10x smaller (memory must not grow with events).
#
#   BENCH analyze.classify_events_per_s
#   BENCH export.hdf5_vs_summary_ratio
#   BENCH export.hdf5_peak_rss_mib
set -eu
: "${BUILD:?}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
IOA=$BUILD/bin/ioanalyze GEN=$BUILD/bin/iotr-gen
MODEL=$SRC/samples/models/constant-linear.csv
N=${BENCH_ANALYZE_EVENTS:-20000000}
D=$BUILD/bench-analyze
mkdir -p "$D"
big=$D/summary-$N.iotr small=$D/summary-$((N / 10)).iotr
[[ -s $big && $big -nt $GEN ]] || { rm -f "$big"; "$GEN" bench "$big" "$N"; }
[[ -s $small && $small -nt $GEN ]] || { rm -f "$small"; "$GEN" bench "$small" $((N / 10)); }

# run ARGS... -> "seconds peak_kib cpu_seconds" of one ioanalyze run (output
# discarded); CPU time says how much of the wall time a busy machine took
run() {
	python3 - "$IOA" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run([sys.argv[1]] + sys.argv[2:], stdout=subprocess.DEVNULL, check=True)
el = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f %d %.3f" % (el, ru.ru_maxrss, ru.ru_utime + ru.ru_stime))
PY
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run summary --no-progress "$big" >/dev/null # warm the page cache
ct=()
for i in 1 2 3; do
	read -r t _ _ < <(run classify --no-progress --model "$MODEL" "$big")
	ct+=("$t")
done
cmed=$(printf '%s\n' "${ct[@]}" | median)
printf 'classify of %d events: %s s per run (%s)\n' "$N" "$cmed" "${ct[*]}"

h5=$D/export.h5
st=() et=() sc=() ec=() ratios=() rss=0
for i in 1 2 3; do
	read -r ts _ cs < <(run summary -f json --no-progress "$big")
	rm -f "$h5"
	read -r te ke ce < <(run export --no-progress --hdf5 "$h5" "$big")
	st+=("$ts") et+=("$te") sc+=("$cs") ec+=("$ce")
	ratios+=("$(awk -v a="$te" -v b="$ts" 'BEGIN {printf "%.4f", a / b}')")
	((ke > rss)) && rss=$ke
done
size=$(stat -c %s "$h5")
rm -f "$h5"
read -r _ rss_small _ < <(run export --no-progress --hdf5 "$h5" "$small")
rm -f "$h5"
read -r _ rss_sum _ < <(run summary -f json --no-progress "$big")
printf 'export --hdf5 of %d events: %s s (summary: %s s), file %d MiB\n' "$N" "${et[*]}" \
	"${st[*]}" $((size >> 20))
printf 'CPU seconds: export %s, summary %s (both use every core)\n' "${ec[*]}" "${sc[*]}"
printf 'export peak RSS: %d KiB at %d events (summary: %d KiB), %d KiB at %d events\n' "$rss" "$N" \
	"$rss_sum" "$rss_small" $((N / 10))
echo "BENCH analyze.classify_events_per_s $(awk -v n="$N" -v t="$cmed" 'BEGIN {printf "%.0f", n / t}')"
echo "BENCH export.hdf5_vs_summary_ratio $(printf '%s\n' "${ratios[@]}" | median)"
echo "BENCH export.hdf5_peak_rss_mib $(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
