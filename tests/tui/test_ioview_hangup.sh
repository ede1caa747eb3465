#!/usr/bin/env bash
# ioview must end when its terminal goes away, never spin: stdin at EOF
# (/dev/null) and a pty whose tmux server is killed.
set -u
: "${BIN:?}" "${SRC:?}"
trace="$SRC/tests/data/format/valid.iotr"
fail() { echo "FAIL: $*"; exit 1; }

start=$SECONDS
timeout 10 "$BIN/ioview" "$trace" </dev/null >/dev/null 2>&1
rc=$?
((rc != 124)) || fail "ioview kept running with stdin at EOF"
((SECONDS - start <= 3)) || fail "ioview took $((SECONDS - start)) s to notice EOF on stdin"

sock="ioview-hup-$$"
tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 "exec '$BIN/ioview' '$trace'" || fail "tmux"
pid=
for _ in $(seq 50); do
	pid=$(tmux -L "$sock" list-panes -F '#{pane_pid}' 2>/dev/null | head -n 1)
	[[ -n $pid ]] && break
	sleep 0.1
done
[[ -n $pid ]] || fail "no ioview pane"
sleep 0.5
tmux -L "$sock" kill-server
for _ in $(seq 30); do
	state=$(ps -o stat= -p "$pid" 2>/dev/null)
	[[ -z $state || $state == Z* ]] && { echo ok; exit 0; }
	sleep 0.1
done
kill "$pid" 2>/dev/null
fail "ioview (pid $pid) still running 3 s after its terminal hung up"
