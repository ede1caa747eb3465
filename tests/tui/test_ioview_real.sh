#!/usr/bin/env bash
# ioview on a real recording: iorec records /proc/diskstats around a 256
# MiB O_DIRECT dd; the devices view must show, for the disk under the
# test directory, the average write size that the kernel's own counters
# (/sys/block/DEV/stat read by this test before and after) give.
. "$SRC/tests/tui/lib.sh"
tui_init
IOREC=$BIN/iorec
[[ -x $IOREC ]] || { echo "iorec not built"; exit 77; }
dir=$(mktemp -d /var/tmp/ioview-real.XXXXXX)
trap 'rm -rf "$dir"; tui_cleanup' EXIT
# The whole disk under $dir (a partition's parent, or a virtio/nvme disk).
src=$(df --output=source "$dir" | tail -n 1)
dev=$(basename "$(readlink -f "$src")")
if [[ -e /sys/class/block/$dev/partition ]]; then
	dev=$(basename "$(readlink -f "/sys/class/block/$dev/..")")
fi
[[ -r /sys/block/$dev/stat ]] || { echo "no /sys/block stat for $src"; exit 77; }
dd if=/dev/zero of="$dir/probe" bs=1M count=1 oflag=direct status=none 2>/dev/null ||
	{ echo "O_DIRECT writes not supported under $dir"; exit 77; }
rm -f "$dir/probe"
read -r -a s0 < "/sys/block/$dev/stat"
"$IOREC" -q -s diskstats -i 200 -o "$dir/real.iotr" -- \
	dd if=/dev/zero of="$dir/data" bs=1M count=256 oflag=direct status=none ||
	{ echo "FAIL: iorec"; exit 1; }
read -r -a s1 < "/sys/block/$dev/stat"
writes=$((s1[4] - s0[4])) kb=$(( (s1[6] - s0[6]) / 2 ))
((writes > 0)) || { echo "no writes counted by the kernel on $dev (direct I/O not reaching it?)"; exit 77; }
want=$(echo "$kb / $writes" | bc -l)

# No I/O event source in this recording: ioview starts in the devices view.
tui_start 160 30 -- "$dir/real.iotr"
tui_wait 'view devices'
tui_wait_not 'scanning'
tui_keys End a
tui_wait 'Accumulated'
line=$(tui_screen | awk -v d="$dev" '$NF == d { print; exit }')
[[ -n $line ]] || tui_fail "no row for $dev"
read -r rs ws rkb wkb rest <<<"$line"
got=$(echo "$wkb / $ws" | bc -l 2>/dev/null) || tui_fail "bad numbers in '$line'"
echo "kernel: $writes writes, $kb kB ($want kB each); ioview: w/s $ws wkB/s $wkb ($got kB each)"
ok=$(echo "$got > $want * 0.85 && $got < $want * 1.15 && $want > 256" | bc -l)
((ok == 1)) || tui_fail "average write size $got kB, kernel says $want kB"
tui_quit_and_check
echo ok
