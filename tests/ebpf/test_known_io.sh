#!/usr/bin/env bash
# The eBPF source records a program with known I/O exactly: op counts,
# sizes, offsets, results (an ENOENT), paths, fds and the pid.
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
D=$WORK/data; mkdir -p "$D"
record "$WORK/k.iotr" -- "$T/known_io" "$D" || fail "known_io under the recorder"
events "$WORK/k.iotr" > "$WORK/k.txt" || fail "cannot read the trace"
F=$D/known.dat
# fields: 1 IO 2 op 3 pid 4 tid 5 fd 6 offset 7 size 8 result 9 source 10 ftype 11 eflags 12 flags 13 dur 14 path
sel() { awk -F'\t' -v p="$1" '$1=="IO" && $14==p' "$WORK/k.txt"; }
sel "$F" | cut -f2,5,6,7,8,9,10 > "$WORK/got.txt"
cat > "$WORK/want.txt" <<EOT
openat	3	-1	0	3	ebpf	file
write	3	0	4096	4096	ebpf	file
write	3	4096	4096	4096	ebpf	file
write	3	8192	4096	4096	ebpf	file
pwrite	3	50000	100	100	ebpf	file
fsync	3	-1	0	0	ebpf	file
close	3	-1	0	0	ebpf	file
openat	3	-1	0	3	ebpf	file
pread	3	8192	4096	4096	ebpf	file
lseek	3	1000	0	1000	ebpf	file
read	3	1000	500	500	ebpf	file
readv	3	1500	300	300	ebpf	file
close	3	-1	0	0	ebpf	file
fstatat	-1	-1	0	0	ebpf	unknown
unlink	-1	-1	0	0	ebpf	unknown
EOT
diff -u "$WORK/want.txt" "$WORK/got.txt" || fail "events on $F differ from the program's calls"
echo "ok: 15 calls on $F with sizes, offsets, results"
check "ENOENT open" "$(sel "$D/missing.dat" | cut -f2,8)" "openat	-2"
check "open flags (O_CREAT|O_WRONLY|O_TRUNC)" "$(sel "$F" | head -n 1 | cut -f12)" "$((0100 | 01 | 01000))"
pids=$(sel "$F" | cut -f3,4 | sort -u)
check "one pid, one tid" "$(wc -l <<<"$pids")" 1
check "pid == tid (single thread)" "$(cut -f1 <<<"$pids")" "$(cut -f2 <<<"$pids")"
# bytes: 3*4096+100 written, 4096+500+300 read
check "bytes written" "$(sel "$F" | awk -F'\t' '$2 ~ /write/ {s+=$8} END {print s}')" 12388
check "bytes read" "$(sel "$F" | awk -F'\t' '$2 ~ /read/ {s+=$8} END {print s}')" 4896
# latency is measured: fsync takes longer than zero
check "calls without a duration" "$(sel "$F" | awk -F'\t' '$13 <= 0' | wc -l)" 0
# O_APPEND: offsets are where the data went; a dup'd fd names the same file
A=$D/append.dat
sel "$A" | cut -f2,5,6,7,8 > "$WORK/got.txt"
cat > "$WORK/want.txt" <<EOT
openat	3	-1	0	3
write	3	0	10	10
write	3	10	10	10
dup2	3	-1	0	9
write	9	20	5	5
close	3	-1	0	0
close	9	-1	0	0
EOT
diff -u "$WORK/want.txt" "$WORK/got.txt" || fail "O_APPEND/dup2 events differ"
echo "ok: O_APPEND offsets and dup2"
check "write into a pipe: offset, type" \
	"$(awk -F'\t' '$1=="IO" && $2=="write" && $10=="fifo" {print $6, $7, $8, ($14 ~ /^pipe:\[[0-9]+\]$/)}' "$WORK/k.txt")" "-1 3 3 1"
grep -q $'^META\tsource.ebpf.lost\t0$' "$WORK/k.txt" || fail "source.ebpf.lost meta not 0"

# an ia32 syscall (int 0x80) from a 64-bit process uses other numbers
# (3 is read there, close here): it must not show up as a close
if [[ $(uname -m) == x86_64 ]]; then
	echo abcdefgh > "$D/c.txt"
	record "$WORK/c.iotr" -- "$T/compat_call" "$D/c.txt" > "$WORK/c.out" || fail "compat_call"
	check "compat read worked" "$(cat "$WORK/c.out")" 4
	events "$WORK/c.iotr" > "$WORK/c.txt"
	check "calls on the file" \
		"$(awk -F'\t' -v f="$D/c.txt" '$1=="IO" && $14==f {printf "%s ", $2}' "$WORK/c.txt")" "openat close "
	check "no close returning bytes (the compat read taken for a close)" \
		"$(awk -F'\t' '$1=="IO" && $2=="close" && $8 > 0' "$WORK/c.txt" | wc -l)" 0
fi
echo PASS
