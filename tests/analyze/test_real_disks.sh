#!/usr/bin/env bash
# ioanalyze disks on a real recording: iorec's diskstats source polls
# /proc/diskstats every 200 ms while dd writes 64 MiB with O_DIRECT to the
# disk under $BUILD; the written kB/s integrated over the intervals must
# account for at least those 64 MiB on that device, and the device's
# w/s and wareq-sz must be plausible for 1 MiB requests.
. "$SRC/tests/analyze/lib.sh"
IOREC=$BIN/iorec
[[ -x $IOREC ]] || { echo "iorec not built"; exit 77; }
src=$(df --output=source "$BUILD" | tail -1)
dev=${src#/dev/}
[[ -e /sys/block/$dev/stat ]] || { echo "$BUILD is not on a whole block device ($src)"; exit 77; }
work=$(mktemp -d "$BUILD/ioa-real.XXXXXX")
trap 'rm -rf "$TMP" "$work"' EXIT
"$IOREC" -q -s diskstats -i 200 -o "$TMP/dd.iotr" -- \
	dd if=/dev/zero of="$work/f" bs=1M count=64 oflag=direct status=none || fail "iorec exit"
"$IOA" disks -f json "$TMP/dd.iotr" >"$TMP/d.json" || fail "disks exit"
python3 - "$TMP/d.json" "$dev" <<'PY' || fail "written bytes not accounted for"
import json, sys
d = json.load(open(sys.argv[1]))
dev = [x for x in d["devices"] if x["device"] == sys.argv[2]]
assert dev, "device %s not in %s" % (sys.argv[2], [x["device"] for x in d["devices"]])
kb = sum(iv["wkB/s"] * (iv["end"] - iv["start"]) for iv in dev[0]["intervals"])
ios = sum(iv["w/s"] * (iv["end"] - iv["start"]) for iv in dev[0]["intervals"])
print("written %.0f kB in %.0f requests over %d intervals" % (kb, ios, len(dev[0]["intervals"])))
assert kb >= 64 * 1024 * 0.999, kb
assert kb < 64 * 1024 * 4, kb   # other I/O on the machine, but not that much
assert ios >= 64 * 0.9, ios
# io_ticks moves by whole jiffies (up to 10 ms): over an interval of a few
# tens of ms (dd is quick) %util may pass 100 by that much, in iostat too.
for iv in dev[0]["intervals"]:
    ms = (iv["end"] - iv["start"]) * 1000
    assert 0 <= iv["%util"] <= 100.5 + 10 / ms * 100, (iv["%util"], ms)
PY
finish
