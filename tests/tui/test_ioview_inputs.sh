#!/usr/bin/env bash
# ioview inputs: a directory of two nodes' traces merged (rows say their
# host), a tar.gz archive read in place, --view.
. "$SRC/tests/tui/lib.sh"
tui_init
mkdir -p "$TUI_TMP/nodes"
"$GOLDGEN" --host nodeA "$TUI_TMP/nodes/a.iotr" && "$GOLDGEN" --host nodeB "$TUI_TMP/nodes/b.iotr" ||
	{ echo "cannot write traces"; exit 1; }
tui_start 120 30 -- -V threads "$TUI_TMP/nodes"
tui_wait 'view threads'
tui_wait 'lost 14'          # 7 lost events per node
tui_wait 'host nodeA \(\+more\)'
tui_wait 'Total READ 8\.0M/s  WRITE 20\.0M/s  R-IOPS 8\.0  W-IOPS 20\.0  META 20\.0/s  rows 10/10'
for h in nodeA nodeB; do
	tui_screen | grep -qE "^ +1002 +1010 job-B +0 +4\.0M .* $h: writer -t 2\$" || tui_fail "thread 1010 of $h"
done
# The host is part of the filter.
tui_keys /; tui_text 'nodeB'; tui_keys Enter
tui_wait 'rows 5/10'
tui_quit_and_check

tar -C "$TUI_TMP/nodes" -czf "$TUI_TMP/job.tar.gz" a.iotr
tui_start 120 30 -- "$TUI_TMP/job.tar.gz"
tui_wait 'host nodeA  job'
tui_wait 'lost 7'
tui_expect_row 1001 '^ +1001 job-A +4\.0M +0 +4\.0 +0 +0 +2\.00ms +0\.8 reader'
tui_quit_and_check
echo ok
