#!/usr/bin/env bash
# Everyday programs: dd (exact reads/writes with offsets), cat and cp
# (all bytes of the file accounted for, on the right paths).
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
D=$WORK/data; mkdir -p "$D"
head -c 1000000 /dev/urandom > "$D/src.bin"
size=1000000

# dd: 8 blocks of 64 KiB, skip 2 input blocks, seek 3 output blocks
record "$WORK/dd.iotr" -- dd if="$D/src.bin" of="$D/dd.out" bs=65536 count=8 skip=2 seek=3 status=none ||
	fail "dd under the recorder"
events "$WORK/dd.iotr" > "$WORK/dd.txt"
got=$(awk -F'\t' -v p="$D/src.bin" '$1=="IO" && $2=="read" && $14==p {printf "%s:%s:%s ", $6, $7, $8}' "$WORK/dd.txt")
want=""; for i in 0 1 2 3 4 5 6 7; do want+="$(((i + 2) * 65536)):65536:65536 "; done
check "dd reads (offset:size:result)" "$got" "$want"
got=$(awk -F'\t' -v p="$D/dd.out" '$1=="IO" && $2=="write" && $14==p {printf "%s:%s:%s ", $6, $7, $8}' "$WORK/dd.txt")
want=""; for i in 0 1 2 3 4 5 6 7; do want+="$(((i + 3) * 65536)):65536:65536 "; done
check "dd writes (offset:size:result)" "$got" "$want"

# cat: every byte of the file read, in order, from offset 0
# (into a pipe: to a regular file cat would use copy_file_range)
record "$WORK/cat.iotr" -- cat "$D/src.bin" | cat > "$WORK/cat.out" || fail "cat under the recorder"
events "$WORK/cat.iotr" > "$WORK/cat.txt"
check "cat bytes read from the file" \
	"$(awk -F'\t' -v p="$D/src.bin" '$1=="IO" && $14==p && ($2=="read" || $2=="copy_file_range" || $2=="splice" || $2=="sendfile") && $8>0 {s+=$8} END {print s}' "$WORK/cat.txt")" "$size"
check "cat reads are consecutive" \
	"$(awk -F'\t' -v p="$D/src.bin" '$1=="IO" && $2=="read" && $14==p && $8>0 {if ($6 != next_off) bad++; next_off=$6+$8} END {print bad+0}' "$WORK/cat.txt")" 0
check "cat opened the file once" "$(awk -F'\t' -v p="$D/src.bin" '$1=="IO" && $2=="openat" && $14==p' "$WORK/cat.txt" | wc -l)" 1

# cp: the destination receives every byte (by write, copy_file_range, ...)
record "$WORK/cp.iotr" -- cp "$D/src.bin" "$D/copy.bin" || fail "cp under the recorder"
events "$WORK/cp.iotr" > "$WORK/cp.txt"
cmp -s "$D/src.bin" "$D/copy.bin" || fail "cp did not copy"
check "cp bytes into the copy" \
	"$(awk -F'\t' -v p="$D/copy.bin" '$1=="IO" && $14==p && ($2 ~ /write/ || $2=="copy_file_range" || $2=="sendfile" || $2=="splice") && $8>0 {s+=$8} END {print s}' "$WORK/cp.txt")" "$size"
grep -qP '^IO\topenat\t.*\t'"$D"'/copy.bin$' "$WORK/cp.txt" || fail "cp's open of the copy not recorded"

# relative paths of short-lived processes: the kernel names the cwd at the
# call, so the trace has absolute paths although cat is gone before the
# recorder reads its events; a failed relative open too
mkdir -p "$D/sub"
record "$WORK/rel.iotr" -- sh -c 'cd "$1" && cat ../src.bin ./missing.bin 2>/dev/null | wc -c' _ "$D/sub" > "$WORK/rel.out"
events "$WORK/rel.iotr" > "$WORK/rel.txt"
check "relative open, named absolute" \
	"$(awk -F'\t' -v p="$D/src.bin" '$1=="IO" && $2=="openat" && $14==p {print $8}' "$WORK/rel.txt")" 3
check "relative failed open, named absolute" \
	"$(awk -F'\t' -v p="$D/sub/missing.bin" '$1=="IO" && $2=="openat" && $14==p {print $8}' "$WORK/rel.txt")" -2
echo PASS
