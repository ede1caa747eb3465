#!/usr/bin/env bash
# A process killed with SIGKILL loses at most its last second: its shard
# (no footer) is merged, and its last recorded event is less than a
# second older than the kill.
source "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
rm -rf "$SPOOL"; mkdir -m 0700 "$SPOOL"
cat >busy.py <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
while True:
    os.pwrite(fd, b"k" * 512, 0)
    time.sleep(0.001)
PY
IOREC_PRELOAD_SPOOL=$SPOOL LD_PRELOAD=$SO python3 busy.py "$WORK/busy" &
pid=$!
sleep 2.5
# kill and read the clock in one process: the time is taken right after
# the signal (starting a python takes long, and would count as loss)
killed_ns=$(/usr/bin/python3 -c 'import os, sys, time; os.kill(int(sys.argv[1]), 9); print(time.monotonic_ns())' $pid)
wait $pid 2>/dev/null
ls "$SPOOL" | grep -q '\.open$' || fail "no unclosed shard after SIGKILL: $(ls "$SPOOL")"
merge --dump
expect_eq "unclosed shards merged" "$(awk '/^merged/ {print $4}' stats)" 1
last=$(awk -v p="$WORK/busy" '$1 == "ev" && $11 == p && $5 == "pwrite" { if ($2 > m) m = $2 } END { printf "%.0f\n", m }' stats)
n=$(ev_sum "$WORK/busy" pwrite | cut -d' ' -f1)
age_ms=$(( (killed_ns - last) / 1000000 ))
echo "recorded $n pwrites; the last one $age_ms ms before the kill"
((n > 500)) || fail "only $n pwrites recorded"
((age_ms >= 0 && age_ms < 1000)) || fail "lost the last $age_ms ms (limit 1000)"
echo "SIGKILL: all good"
