#!/usr/bin/env bash
# Fds opened before the recording began get their names too: a shell that
# opened fd 7 before `--all` started forks a subshell that writes through
# it and exits at once (before the recorder reads its events); the write is
# named after the file, learnt from the parent's /proc/PID/fd. Then a
# descriptor passed over a socket, on an inode number a deleted file had.
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

# A descriptor received over a socket is named from the inode it refers
# to, by the last name that inode was opened under: the file system gave
# "gone"'s inode number, freed by its deletion, to "new". The receiver is
# the sender's sibling, so none of its descriptors came from the sender.
cat >"$WORK/pass.py" <<'PY'
import os, socket, sys, time
role, d = sys.argv[1], sys.argv[2]
addr = os.path.join(d, "sock")
if role == "recv":
    s = socket.socket(socket.AF_UNIX)
    s.bind(addr + ".tmp")
    s.listen(1)
    os.rename(addr + ".tmp", addr)
    c, _ = s.accept()
    msg, fds, _, _ = socket.recv_fds(c, 16, 1)
    os.write(fds[0], b"passed\n")
    sys.exit(0)
inos = []
for name in ("gone", "new"):
    fd = os.open(os.path.join(d, name), os.O_CREAT | os.O_WRONLY, 0o600)
    inos.append(os.fstat(fd).st_ino)
    if name == "gone":
        os.close(fd)
        os.unlink(os.path.join(d, name))
while not os.path.exists(addr):
    time.sleep(0.01)
s = socket.socket(socket.AF_UNIX)
s.connect(addr)
socket.send_fds(s, [b"x"], [fd])
print("inode reused" if inos[0] == inos[1] else "inode not reused")
PY
record "$WORK/p.iotr" -- bash -c 'python3 "$1" recv "$2" & python3 "$1" send "$2"; wait' _ "$WORK/pass.py" "$D" ||
	fail "recording pass.py failed"
check "the receiver wrote" "$(cat "$D/new")" passed
events "$WORK/p.iotr" > "$WORK/p.txt"
got=$(awk -F'\t' -v d="$D/" '$1=="IO" && $2=="write" && $8==7 && index($14, d) == 1 {print $14}' "$WORK/p.txt")
check "write through the received descriptor, named" "$got" "$D/new"
opens() { awk -F'\t' -v f="$1" '$1=="IO" && $2 ~ /^open/ && $14==f' "$WORK/p.txt" | wc -l; }
check "opens of the deleted file, named" "$(opens "$D/gone")" 1
check "opens of the next file on its inode, named" "$(opens "$D/new")" 1
echo PASS
