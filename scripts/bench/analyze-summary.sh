#!/usr/bin/env bash
# bench-analyze: ioanalyze summary over a 20M-event trace (written once by
# iotr-gen into $BUILD/bench-analyze/), end to end: events per second
# (median of 3 runs), peak RSS (compared with a 2M-event trace: it must not
# grow with the event count), and the slowdown of reading the same trace
# through a .tar.zst (plain and archive runs alternate, median ratio).
#
#   BENCH analyze.summary_events_per_s
#   BENCH analyze.summary_peak_rss_mib
#   BENCH analyze.tarzst_slowdown
set -eu
: "${BUILD:?}"
IOA=$BUILD/bin/ioanalyze GEN=$BUILD/bin/iotr-gen
N=${BENCH_ANALYZE_EVENTS:-20000000}
D=$BUILD/bench-analyze
mkdir -p "$D"
big=$D/summary-$N.iotr small=$D/summary-$((N / 10)).iotr
[[ -s $big && $big -nt $GEN ]] || { rm -f "$big"; "$GEN" bench "$big" "$N"; }
[[ -s $small && $small -nt $GEN ]] || { rm -f "$small"; "$GEN" bench "$small" $((N / 10)); }
[[ -s $big.tar.zst && $big.tar.zst -nt $big ]] ||
	{ rm -f "$big.tar.zst"; tar -C "$D" --zstd -cf "$big.tar.zst" "$(basename "$big")"; }

# run FILE -> "seconds peak_kib cpu_seconds" of one summary run
run() {
	python3 - "$IOA" "$1" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run([sys.argv[1], "summary", "-f", "json", "--no-progress", sys.argv[2]],
               stdout=subprocess.DEVNULL, check=True)
el = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f %d %.3f" % (el, ru.ru_maxrss, ru.ru_utime + ru.ru_stime))
PY
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run "$big" >/dev/null # warm the page cache
plain=() tz=() ratios=() cpu=() rss=0
for i in 1 2 3; do
	read -r tp kp cp < <(run "$big")
	read -r tt _ _ < <(run "$big.tar.zst")
	plain+=("$tp") tz+=("$tt") cpu+=("$cp")
	ratios+=("$(awk -v a="$tt" -v b="$tp" 'BEGIN {printf "%.4f", a / b}')")
	((kp > rss)) && rss=$kp
done
read -r _ rss_small _ < <(run "$small")
tmed=$(printf '%s\n' "${plain[@]}" | median)
printf 'summary of %d events: %s s per run (%s), through .tar.zst: %s\n' "$N" "$tmed" \
	"${plain[*]}" "${tz[*]}"
printf 'CPU seconds per plain run: %s on %s CPUs (load average now: %s)\n' "${cpu[*]}" "$(nproc)" \
	"$(cut -d' ' -f1 /proc/loadavg)"
printf 'peak RSS: %d KiB at %d events, %d KiB at %d events\n' "$rss" "$N" "$rss_small" $((N / 10))
echo "BENCH analyze.summary_events_per_s $(awk -v n="$N" -v t="$tmed" 'BEGIN {printf "%.0f", n / t}')"
echo "BENCH analyze.summary_peak_rss_mib $(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
echo "BENCH analyze.tarzst_slowdown $(printf '%s\n' "${ratios[@]}" | median)"
