#!/usr/bin/env bash
# ioview on the golden trace: the first screen shows the expected processes
# with the expected numbers; sorting, filtering and quitting behave.
. "$SRC/tests/tui/lib.sh"
tui_init
tui_start 120 30 -- "$GOLDEN"
tui_wait 'PID +JOB +READ/s +WRITE/s +R-IOPS +W-IOPS +META/s +AVG-LAT +%IO.* COMMAND'
# The scan finishes quickly on this trace: the loss count appears.
tui_wait 'lost 7'
tui_wait 'host goldnode'
# The golden trace's clock puts its start at 2026-01-01 00:00:05 UTC.
tui_wait 'Window \+0\.000s\.\.\+1\.000s \(1s\) at 00:00:05\.000'
tui_wait 'start 00:00:05\.000'
# Numbers written into the golden trace (tests/tui/golden.c).
tui_expect_row 1001 '^ +1001 job-A +4\.0M +0 +4\.0 +0 +0 +2\.00ms +0\.8 reader --in /data/input\.dat'
tui_expect_row 1002 '^ +1002 job-B +0 +8\.0M +0 +8\.0 +0 +5\.00ms +4\.0 writer -t 2'
tui_expect_row 1004 '^ +1004 job-A +0 +0 +0 +0 +10\.0 +100us +0\.1 statter'
tui_expect_row 1005 '^ +1005 job-B +0 +2\.0M +0 +2\.0 +0 +3\.00ms +0\.6 shortlived'
tui_wait 'Total READ 4\.0M/s  WRITE 10\.0M/s  R-IOPS 4\.0  W-IOPS 10\.0  META 10\.0/s  rows 4/4'
# Default sort: %IO, busiest first.
[[ $(tui_first_col) == "1002 1001 1005 1004 " ]] || tui_fail "default order: $(tui_first_col)"

# '>' moves the sort to COMMAND (alphabetical), 'r' reverses it.
tui_keys '>'
tui_wait 'sort COMMAND'
[[ $(tui_first_col) == "1001 1005 1004 1002 " ]] || tui_fail "by command: $(tui_first_col)"
tui_keys r
tui_wait 'sort COMMAND▲'
[[ $(tui_first_col) == "1002 1004 1005 1001 " ]] || tui_fail "reversed: $(tui_first_col)"
tui_keys r
# '<' three times from COMMAND: %IO, AVG-LAT, META/s.
tui_keys '<' '<' '<'
tui_wait 'sort META/s'
[[ $(tui_first_col) == 10* ]] && [[ $(tui_first_col) == "1004 "* ]] || tui_fail "by META/s: $(tui_first_col)"
# F6 is the same as '>': META/s -> AVG-LAT.
tui_keys F6
tui_wait 'sort AVG-LAT'
[[ $(tui_first_col) == "1002 1005 1001 1004 " ]] || tui_fail "by AVG-LAT: $(tui_first_col)"

# '/' filters incrementally on the command (case-insensitive).
tui_keys /
tui_wait 'Filter \(command, path, job\):'
tui_text 'STAT'
tui_wait 'rows 1/4'
[[ $(tui_first_col) == "1004 " ]] || tui_fail "filter STAT: $(tui_first_col)"
tui_keys Enter
tui_wait 'filter "STAT"'
# Esc clears the filter.
tui_keys Escape
tui_wait 'rows 4/4'
# Filter on a job id.
tui_keys / ; tui_text 'job-b'; tui_keys Enter
tui_wait 'rows 2/4'
[[ $(tui_first_col) == "1002 1005 " ]] || tui_fail "filter job-b: $(tui_first_col)"
tui_keys Escape
tui_wait 'rows 4/4'

# 'o' hides rows without I/O in the window: step to 5 s, shortlived is idle.
tui_keys Right Right Right Right Right
tui_wait 'Window \+5\.000s\.\.\+6\.000s \(1s\) at 00:00:10\.000'
tui_expect_row 1005 '^ +1005 job-B +0 +0 +0 +0 +0 +- +0\.0 shortlived'
tui_keys o
tui_wait 'active only'
tui_wait 'rows 3/4'
[[ -z $(tui_row 1005) ]] || tui_fail "inactive row still shown with 'o'"
tui_keys o
tui_wait 'rows 4/4'

tui_quit_and_check
echo "ok"
