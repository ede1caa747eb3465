#!/usr/bin/env bash
# ioview time navigation: step, window size, Home/End, go-to, accumulated
# totals, playing, and exited processes greyed.
. "$SRC/tests/tui/lib.sh"
tui_init
tui_start 120 30 -- "$GOLDEN"
tui_wait 'lost 7'
tui_keys Right
tui_wait 'Window \+1\.000s\.\.\+2\.000s \(1s\)'
tui_expect_row 1001 '^ +1001 job-A +4\.0M '
tui_keys Left
tui_wait 'Window \+0\.000s\.\.\+1\.000s'
# ']' doubles the window; rates stay per second.
tui_keys ']'
tui_wait 'Window \+0\.000s\.\.\+2\.000s \(2s\)'
tui_expect_row 1002 '^ +1002 job-B +0 +8\.0M +0 +8\.0 '
tui_keys '[' '['
tui_wait 'Window \+0\.000s\.\.\+0\.500s \(500ms\)'
tui_keys ']'
tui_wait '\(1s\)'
tui_keys End
tui_wait 'Window \+9\.000s\.\.\+10\.000s'
tui_keys Home
tui_wait 'Window \+0\.000s\.\.\+1\.000s'
# g: go to a time.
tui_keys g
tui_wait 'Go to time'
tui_text '7.5'; tui_keys Enter
tui_wait 'Window \+7\.500s\.\.\+8\.500s'
tui_keys g; tui_text '-2'; tui_keys Enter
tui_wait 'Window \+5\.500s\.\.\+6\.500s'
tui_keys g; tui_text 'nonsense'; tui_keys Enter
tui_wait 'not a time: "nonsense"'
# Exited process: shortlived exits at 4 s; from then on its row is dim.
tui_keys g; tui_text '5'; tui_keys Enter
tui_wait 'Window \+5\.000s'
tui_screen -e | grep -E '1005' | grep -q $'\e\\[2m' || tui_fail "exited process 1005 not greyed (no dim attribute)"
tui_screen -e | grep -E ' 1001 ' | grep -q $'\e\\[2m' && tui_fail "running process 1001 greyed"
# a: accumulated since the start: 5 s, shortlived wrote 6 MiB in 0..3 s.
tui_keys a
tui_wait 'Accumulated \+0\.000s\.\.\+6\.000s'
tui_expect_row 1005 '^ +1005 job-B +0 +1\.0M +0 +1\.0 '
tui_expect_row 1001 '^ +1001 job-A +4\.0M +0 +4\.0 '
tui_keys a
tui_wait 'Window \+5\.000s\.\.\+6\.000s'
# Space plays: the window moves on by itself; '+' speeds up.
tui_keys Home
tui_wait 'Window \+0\.000s'
tui_keys + + +   # 1x -> 10x
tui_keys Space
tui_wait 'PLAY x10'
tui_wait 'Window \+[3-9]\.[0-9]{3}s' 5
tui_keys Space
tui_wait_not 'PLAY'
w1=$(tui_screen | sed -n 2p)
sleep 0.5
[[ $(tui_screen | sed -n 2p) == "$w1" ]] || tui_fail "window still moving after pause"
tui_quit_and_check
echo ok
