#!/usr/bin/env bash
# ioanalyze disks against the real sysstat iostat on the same two
# snapshots: in a private mount namespace, files we control are bind-
# mounted over /sys/block/DEV/stat (what iostat reads for a named device)
# and /proc/uptime (its clock), rewritten between iostat's two samples;
# every iostat -x column must match ours to 2 decimals. Scenarios: plain
# deltas, a 2 s and a 1.37 s interval with uneven numbers, and the 32-bit
# wrap of the millisecond fields.
. "$SRC/tests/analyze/lib.sh"

need_root() {
	if [[ ${CI:-} == true ]]; then echo "FAIL: $1"; exit 1; fi
	echo "$1"; exit 77
}
command -v iostat >/dev/null || need_root "iostat (sysstat) not installed"
((EUID == 0)) || need_root "needs root for unshare -m and bind mounts"
unshare -m true 2>/dev/null || need_root "unshare -m not permitted here"
DEV=
for d in /sys/block/*; do
	[[ -r $d/stat && $(wc -w <"$d/stat") -ge 17 ]] && { DEV=${d##*/}; break; }
done
[[ -n $DEV ]] || need_root "no block device with a 17-field stat file"

python3 - "$TMP" <<'PY' || { echo "cannot write scenarios"; exit 1; }
import sys, random
out = sys.argv[1]
random.seed(6)
W = 2**32
def rnd_pair(dt, wrap=False):
    a = [random.randint(1000, 10**7) for _ in range(17)]
    d = [random.randint(0, 5000) for _ in range(17)]
    a[8] = random.randint(0, 9)   # in flight: a level
    for ms in (3, 7, 9, 10, 14, 16):
        d[ms] = random.randint(0, int(dt * 1000) * (3 if ms == 10 else 1))
        if wrap:
            a[ms] = W - random.randint(1, d[ms] + 1) if d[ms] else W - 5
    d[9] = min(d[9], int(dt * 1000))  # io_ticks cannot exceed the interval
    b = [a[i] + d[i] for i in range(17)]
    b[8] = random.randint(0, 9)
    for ms in (3, 7, 9, 10, 14, 16):
        b[ms] %= W
    return a, b
scen = [(1000.00, 1001.00, False), (2000.37, 2002.37, False), (500.00, 501.37, False),
        (777.00, 778.00, True)]
with open(out + "/scenarios", "w") as f:
    for n, (u1, u2, wrap) in enumerate(scen):
        a, b = rnd_pair(u2 - u1, wrap)
        f.write("%d %.2f %.2f %s | %s\n" % (n, u1, u2, " ".join(map(str, a)), " ".join(map(str, b))))
PY

cat >"$TMP/ns.sh" <<'NS'
set -e
T=$1 DEV=$2
mount --make-rprivate /
: >"$T/stat"; : >"$T/uptime"
mount --bind "$T/stat" "/sys/block/$DEV/stat"
mount --bind "$T/uptime" /proc/uptime
while read -r n u1 u2 rest; do
	a=${rest%%|*} b=${rest##*|}
	echo "$a" >"$T/stat"
	echo "$u1 1.00" >"$T/uptime"
	iostat -x -d -o JSON "$DEV" 1 2 >"$T/iostat.$n.json" &
	sleep 0.5
	echo "$b" >"$T/stat"
	echo "$u2 1.00" >"$T/uptime"
	wait
done <"$T/scenarios"
NS
unshare -m bash "$TMP/ns.sh" "$TMP" "$DEV" || fail "iostat run in the mount namespace"

while read -r n u1 u2 rest; do
	a=${rest%%|*} b=${rest##*|}
	echo "8 0 $DEV $a" >"$TMP/a.$n"
	echo "8 0 $DEV $b" >"$TMP/b.$n"
	"$GEN" disk "$TMP/d.$n.iotr" "$u1" "$TMP/a.$n" "$u2" "$TMP/b.$n" || fail "gen $n"
	"$IOA" disks -f json "$TMP/d.$n.iotr" >"$TMP/ours.$n.json" || fail "disks $n"
	python3 - "$TMP/iostat.$n.json" "$TMP/ours.$n.json" "$n" <<'PY' || fail "scenario $n differs from iostat"
import json, sys
ref = json.load(open(sys.argv[1]))["sysstat"]["hosts"][0]["statistics"][-1]["disk"][0]
ours = json.load(open(sys.argv[2]))["devices"][0]["intervals"][0]
bad = 0
for k, v in ref.items():
    if k == "disk_device":
        continue
    ok_key = k if k in ours else "%" + k
    mine = ours[ok_key]
    if abs(round(mine, 2) - v) > 0.0100001:
        print("scenario %s: %s iostat %.2f ours %.6f" % (sys.argv[3], ok_key, v, mine)); bad += 1
print("scenario %s: %d columns compared, %d differ" % (sys.argv[3], len(ref) - 1, bad))
sys.exit(1 if bad or len(ref) < 20 else 0)
PY
done <"$TMP/scenarios"

# re-attach: counters going down count from zero and are flagged
echo "8 0 sdz 500 0 8000 100 0 0 0 0 0 100 100" >"$TMP/r1"
echo "8 0 sdz 50 0 800 10 0 0 0 0 0 10 10" >"$TMP/r2"
"$GEN" disk "$TMP/r.iotr" 1 "$TMP/r1" 2 "$TMP/r2" || exit 1
"$IOA" disks -f json "$TMP/r.iotr" >"$TMP/r.json" || fail "reattach exit"
jq_eq "$TMP/r.json" '.devices[0].intervals[0] | [.reset, ."r/s", ."rkB/s", ."%util"]' '[true,50,400,1]'
# 2.6 partition lines (4 fields) still give reads and writes
"$GEN" disk "$TMP/old.iotr" 1 "$SRC/tests/data/diskstats/old-2.6-partition.txt" 2 "$SRC/tests/data/diskstats/old-2.6-partition.txt" || exit 1
"$IOA" disks -f json "$TMP/old.iotr" >"$TMP/old.json" || fail "old layout exit"
jq_eq "$TMP/old.json" '[.devices[].device]' '["sda","sda1"]'
finish
