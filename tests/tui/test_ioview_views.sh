#!/usr/bin/env bash
# ioview views (threads, jobs, files, devices, lustre), drill-down with the
# timeline, files and events, help, UTF-8 paths.
. "$SRC/tests/tui/lib.sh"
tui_init
tui_start 120 40 -- "$GOLDEN"
tui_wait 'lost 7'
# Drill into the writer (first row by %IO).
tui_keys Enter
tui_wait 'PID 1002  writer -t 2  job job-B'
tui_wait 'in window: READ 0/s  WRITE 8\.0M/s  ops 8\.0/s  AVG-LAT 5\.00ms  \| /proc io/s: rchar 0 wchar 8\.0M disk r 0 w 4\.0M'
tui_wait '^WRITE/s '
tui_wait '^cursor +\^+'
tui_wait '^ +0 +4\.0M +4\.0  /data/out\.dat'
tui_wait '^ +0 +4\.0M +4\.0  /data/données/файл\.dat'
tui_wait 'EVENTS in the window: 8  lat p50 5\.00ms'
n=$(tui_screen | grep -c 'pwrite(3<')
((n == 8)) || tui_fail "expected 8 pwrite events, saw $n"
tui_wait '\+0\.250s \[1002/1010\] pwrite\(3</data/données/файл\.dat>, 1\.0M @1048576\) = 1048576 <5\.00ms>'
# Time keys work inside the drill-down: the events follow the window.
tui_keys Right Right
tui_wait '\+2\.000s \[1002\] pwrite\(3</data/out\.dat>, 1\.0M @8388608\)'
tui_keys Down
tui_wait_not '\+2\.000s \[1002\]'
tui_keys Escape
tui_wait 'PID +JOB +READ/s'

# Threads (Tab and 'p'): the two writer threads.
tui_keys p
tui_wait 'view threads'
tui_expect_row 1002 '^ +1002 +1002 job-B +0 +4\.0M '
tui_screen | grep -qE '^ +1002 +1010 job-B +0 +4\.0M ' || tui_fail "thread 1010 row"
tui_keys p
tui_wait 'view processes'
tui_keys Tab Tab
tui_wait 'view jobs'
# At +2 s job-B is the writer and shortlived, job-A the reader and statter.
tui_wait '^ +2 +0 +10\.0M +0 +10\.0 +0 +4\.60ms +4\.6 job-B$'
tui_wait '^ +2 +4\.0M +0 +4\.0 +0 +10\.0 +643us +0\.9 job-A$'
tui_keys Tab
tui_wait 'view files'
tui_wait '^ +0 +4\.0M +0 +4\.0 +0 +5\.00ms +2\.0 /data/données/файл\.dat$'
tui_wait '^ +4\.0M +0 +4\.0 +0 +0 +2\.00ms +0\.8 /data/input\.dat$'
# Filter with a UTF-8 string.
tui_keys /; tui_text 'файл'; tui_keys Enter
tui_wait 'rows 1/5'
tui_keys Escape
# Drill into a file: its processes.
tui_keys /; tui_text 'input'; tui_keys Enter
tui_wait 'rows 1/5'
tui_keys Enter
tui_wait '^FILE /data/input\.dat'
tui_wait '^ +4\.0M +0 +4\.0 +1001  reader'
tui_wait '\+2\.000s \[1001\] pread\(3</data/input\.dat>, 1\.0M @8388608\) = 1048576 <2\.00ms>'
tui_keys BSpace
tui_wait 'view files'
tui_keys Escape
tui_wait 'rows 5/5'
tui_keys Tab
tui_wait 'view devices'
tui_wait 'r/s +w/s +rkB/s +wkB/s +r_await +w_await +aqu-sz +%util'
tui_wait '^ +100\.00 +50\.00 +4096\.00 +8192\.00 +2\.00 +10\.00 +0\.70 +60\.00 vda$'
# A device's drill-down: its timeline and the iostat line of each poll
# interval in the window.
tui_keys Enter
tui_wait '^DEVICE vda'
tui_wait '^AWAIT '
tui_wait 'INTERVALS in the window: 1 '
tui_wait '^\+2\.000s\.\.\+3\.000s  r/s 100\.00  w/s 50\.00  rkB/s 4096\.00  wkB/s 8192\.00  r_await 2\.00  w_await 10\.00  aqu-sz 0\.70'
tui_keys ']'
tui_wait 'INTERVALS in the window: 2 '
tui_keys '['
tui_keys Escape
tui_wait 'view devices'
tui_keys Tab
tui_wait 'view lustre'
tui_wait '^job-A +4\.0M +0 +4\.0 +0 +0 obdfilter\.lustre-OST0000$'
tui_wait '^job-B +0 +8\.0M +0 +8\.0 +0 obdfilter\.lustre-OST0000$'
tui_keys Enter
tui_wait '^LUSTRE job job-A on obdfilter\.lustre-OST0000'
tui_wait '^\+2\.000s\.\.\+3\.000s +read_bytes 4/4\.0M$'
tui_keys Escape
tui_wait 'view lustre'
tui_keys Tab
tui_wait 'view processes'
# Help lists the keys; any key returns.
tui_keys '?'
tui_wait 'Left/Right  step back/forward'
for k in 'Tab / F2' '< / > / F6' 'Enter' 'Space' '  /  ' 'q  quit' 'g  ' '  a  ' '  o  ' '  p  ' 'Home/End' '[ ]' '+ -' ' r '; do
	tui_screen | grep -qF -- "$k" || tui_fail "help does not mention '$k'"
done
tui_keys x
tui_wait 'PID +JOB +READ/s'
tui_keys F1
tui_wait 'any key returns'
tui_keys Escape
tui_wait 'PID +JOB +READ/s'
tui_quit_and_check
echo ok
