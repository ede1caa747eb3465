#!/usr/bin/env bash
# ioview and the terminal: 80x24 and resize, colours and monochrome, a
# truncated trace (warning), a non-trace file (error, exit 1, sane tty),
# usage errors.
. "$SRC/tests/tui/lib.sh"
tui_init

# 80x24: JOB goes first, the command stays, the key bar is on the last line.
tui_start 80 24 -- "$GOLDEN"
tui_wait 'rows 4/4'
tui_wait_not 'scanning'
tui_wait '^ +PID +READ/s +WRITE/s +R-IOPS +W-IOPS +META/s +AVG-LAT +%IO.* COMMAND'
tui_expect_row 1002 '^ +1002 +0 +8\.0M +0 +8\.0 +0 +5\.00ms +4\.0 writer -t 2'
[[ $(tui_screen | sed -n 24p) == F1Help* ]] || tui_fail "function bar not on line 24"
w=$(tui_screen | LC_ALL=C.UTF-8 wc -L)
((w <= 80)) || tui_fail "a line is wider than 80 columns"
# The whole help fits in 80x24.
tui_keys '?'
tui_wait 'Dim rows: processes that exited'
tui_wait 'any key returns'
w=$(tui_screen | LC_ALL=C.UTF-8 wc -L)
((w <= 80)) || tui_fail "help wider than 80 columns"
tui_keys Escape
tui_wait '^ +PID +READ/s'
# Grow the window: the JOB column comes back.
$TUI_T resize-window -t main -x 132 -y 40
tui_wait '^ +PID +JOB +READ/s'
tui_expect_row 1002 '^ +1002 job-B +0 +8\.0M'
[[ $(tui_screen | sed -n 40p) == F1Help* ]] || tui_fail "function bar not on line 40 after resize"
# Shrink below 80.
$TUI_T resize-window -t main -x 60 -y 20
tui_wait '^ +PID +READ/s'
tui_wait 'writer'
# Colours on a colour terminal, none with NO_COLOR.
tui_screen -e | grep -q $'\e\\[3[0-7]m\|\e\\[4[0-7]m\|\e\\[38;' || tui_fail "no colour on a colour terminal"
tui_quit_and_check

tui_start 100 30 NO_COLOR=1 -- "$GOLDEN"
tui_wait 'lost 7'
tui_screen -e | grep -q $'\e\\[3[0-7]m\|\e\\[4[0-7]m\|\e\\[38;\|\e\\[48;' && tui_fail "colour escapes with NO_COLOR"
tui_screen -e | grep -q $'\e\\[7m' || tui_fail "monochrome: no reverse video for the column header"
tui_quit_and_check
tui_start 100 30 TERM=vt100 -- "$GOLDEN"
tui_wait 'lost 7'
tui_expect_row 1001 '^ +1001 job-A +4\.0M'
tui_quit_and_check

# A non-UTF-8 locale: ASCII arrows and sparklines, non-ASCII bytes as '?'.
tui_start 100 30 LANG=C LC_ALL=C -- -V files "$GOLDEN"
tui_wait 'sort %IO-TIMEv'
tui_wait 'Lt/RtTime'
tui_wait ' /data/donn\?\?es/\?+\.dat$'
tui_keys Enter
tui_wait '^WRITE/s +[ .:=+*#@-]+$'
tui_quit_and_check

# A truncated trace opens with a visible warning and its complete chunks.
size=$(stat -c %s "$GOLDEN")
head -c $((size * 3 / 4)) "$GOLDEN" > "$TUI_TMP/cut.iotr"
tui_start 120 30 -- "$TUI_TMP/cut.iotr"
tui_wait 'WARNING: .*cut\.iotr.*truncated'
tui_wait 'PID +JOB'
tui_wait 'reader|writer'
tui_quit_and_check

# A file that is not a trace: clear error, exit 1, terminal untouched.
printf 'hello, not a trace\n' > "$TUI_TMP/notes.txt"
tui_start 100 20 -- "$TUI_TMP/notes.txt"
tui_wait 'STTY-END'
tui_screen | grep -q 'ioview: .*notes\.txt: error: not an iorec trace' || tui_fail "no clear error for a non-trace file"
tui_screen | grep -q 'IOVIEW-EXIT=1' || tui_fail "exit status is not 1"
tui_screen | grep -qE '(^| )-echo( |$)|(^| )-icanon( |$)' && tui_fail "terminal left broken"

# Outside tmux: usage errors exit 2, --help teaches, --version.
"$IOVIEW" >/dev/null 2>&1; rc=$?
((rc == 2)) || { echo "FAIL: no argument gave exit $rc"; exit 1; }
"$IOVIEW" --bogus x >/dev/null 2>&1; rc=$?
((rc == 2)) || { echo "FAIL: bad option gave exit $rc"; exit 1; }
"$IOVIEW" --help | grep -q 'Examples:' || { echo "FAIL: --help has no examples"; exit 1; }
"$IOVIEW" --version | grep -q '^ioview ' || { echo "FAIL: --version"; exit 1; }
"$IOVIEW" "$TUI_TMP/missing.iotr" 2>"$TUI_TMP/err" </dev/null; rc=$?
((rc == 1)) && grep -q 'missing.iotr' "$TUI_TMP/err" || { echo "FAIL: missing file: exit $rc"; cat "$TUI_TMP/err"; exit 1; }
echo ok
