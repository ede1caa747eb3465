#!/usr/bin/env bash
# ioview on a real recording of I/O events: dd writes 16 x 1 MiB under
# iorec with each event source this build has (ebpf, preload). The
# oracle is dd's own block size and count: the file's row must show an
# average write of 1.0M (WRITE/s / W-IOPS), the process view a dd row, and
# the drill-down 16 writes of 1048576 bytes to the file.
. "$SRC/tests/tui/lib.sh"
tui_init
IOREC=$BIN/iorec
[[ -x $IOREC ]] || { echo "iorec not built"; exit 77; }
check=$("$IOREC" --check 2>&1 || true)
ran=0
for src in ebpf preload; do
	line=$(grep -E "^$src " <<<"$check" || true)
	[[ -n $line ]] || { echo "note: source $src is not built into this iorec"; continue; }
	if ! grep -qE "^$src +yes" <<<"$line"; then
		[[ ${CI:-} == true ]] && { echo "FAIL: source $src cannot run here: $line"; exit 1; }
		echo "note: source $src cannot run here: $line"
		continue
	fi
	d=$TUI_TMP/$src
	mkdir -p "$d"
	"$IOREC" -q -s "$src" -o "$d/t.iotr" -- dd if=/dev/zero of="$d/out.dat" bs=1M count=16 status=none ||
		{ echo "FAIL: $src: iorec"; exit 1; }
	tui_start 160 40 -- -a "$d/t.iotr"
	tui_wait 'Accumulated'
	tui_wait_not 'scanning'
	tui_keys End
	tui_wait 'PID +JOB'
	tui_screen | grep -qE '^ +[0-9]+ .* dd( |$)' || tui_fail "$src: no dd process row"
	tui_keys Tab Tab Tab
	tui_wait 'view files'
	tui_keys /; tui_text "$d/out.dat"; tui_keys Enter
	tui_wait 'rows 1/'
	row=$(tui_screen | grep -E " $d/out\.dat\$" | head -n 1)
	read -r rbps wbps riops wiops rest <<<"$row"
	[[ $wbps == *[MG] && $wiops != 0 ]] || tui_fail "$src: file row '$row'"
	# average write size in MiB; at G/s the rate has two significant digits only
	if [[ $wbps == *G ]]; then
		avg=$(echo "${wbps%G} * 1024 / $wiops" | bc -l) tol=0.08
	else
		avg=$(echo "${wbps%M} / $wiops" | bc -l) tol=0.03
	fi
	ok=$(echo "$avg > 1 - $tol && $avg < 1 + $tol" | bc -l)
	((ok == 1)) || tui_fail "$src: average write ${avg}M, dd wrote 1M blocks"
	tui_keys Enter
	tui_wait "^FILE $d/out\.dat"
	tui_wait 'EVENTS in the window: [0-9]+'
	n=$(tui_screen | grep -cE "write\([0-9]+<$d/out\.dat>, 1\.0M.*\) = 1048576 <")
	((n == 16)) || tui_fail "$src: $n writes of 1 MiB listed, dd made 16"
	tui_quit_and_check
	ran=$((ran + 1))
done
((ran)) || { echo "no I/O event source (ebpf, preload) available in this build"; exit 77; }
echo ok
