#!/usr/bin/env bash
# Fds opened before the recording began get their names too: a shell that
# opened fd 7 before `--all` started forks a subshell that writes through
# it and exits at once (before the recorder reads its events); the write is
# named after the file, learnt from the parent's /proc/PID/fd.
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
D=$WORK/data; mkdir -p "$D"
mkfifo "$D/go"
sh -c 'exec 7>"$1"; read _ < "$2"; (echo inherited >&7); sleep 0.3' _ "$D/inh.txt" "$D/go" &
shell=$!
"${REC[@]}" -v --all -o "$WORK/i.iotr" 2>"$WORK/rec.log" &
rec=$!
for _ in $(seq 100); do grep -q recording "$WORK/rec.log" && break; sleep 0.1; done
echo go > "$D/go"
wait $shell
sleep 0.2
kill -INT $rec
wait $rec || fail "recorder failed: $(cat "$WORK/rec.log")"
check "the subshell wrote" "$(cat "$D/inh.txt")" inherited
events "$WORK/i.iotr" > "$WORK/i.txt"
got=$(awk -F'\t' -v f="$D/inh.txt" -v s="$shell" '$1=="IO" && $2=="write" && $14==f && $3!=s {print $8}' "$WORK/i.txt")
check "write of the subshell, named after the inherited file" "$got" 10
echo PASS
