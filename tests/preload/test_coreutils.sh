#!/usr/bin/env bash
# coreutils under the preload library: outputs and exit codes identical
# to untraced runs, and the bytes the trace shows equal the file sizes.
source "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
head -c 3000000 /dev/urandom >in.bin
seq 1 50000 | sort -R >in.txt
size=$(stat -c %s in.bin)

run_both() { # name, shell command using $O as output prefix
	local name=$1 cmd=$2 rc1 rc2
	O=u.$name bash -c "$cmd" >u.$name.out 2>u.$name.err; rc1=$?
	O=t.$name traced bash -c "$cmd" >t.$name.out 2>t.$name.err; rc2=$?
	expect_eq "$name exit code" "$rc2" "$rc1"
	cmp -s u.$name.out t.$name.out || fail "$name: stdout differs"
	cmp -s u.$name.err t.$name.err || fail "$name: stderr differs"
	for f in u.$name.*; do
		[[ $f == *.out || $f == *.err ]] && continue
		cmp -s "$f" "t${f#u}" || fail "$name: output file ${f#u.} differs"
	done
	merge --dump
}

run_both cat 'cat in.bin >$O.f'
expect_eq "cat: bytes read from in.bin" "$(ev_sum "$WORK/in.bin" 'read|copy_file_range' | cut -d' ' -f2)" 0
# cat copies regular files with copy_file_range: recorded on the output
expect_eq "cat: bytes to t.cat.f" "$(ev_sum "$WORK/t.cat.f" 'write|copy_file_range' | cut -d' ' -f2)" "$size"

run_both catpipe 'cat in.bin | cat >$O.f'
expect_eq "cat|cat: bytes read from in.bin" "$(ev_sum "$WORK/in.bin" 'read' | cut -d' ' -f2)" "$size"
expect_eq "cat|cat: bytes to t.catpipe.f" "$(ev_sum "$WORK/t.catpipe.f" 'write' | cut -d' ' -f2)" "$size"

run_both dd 'dd if=in.bin of=$O.f bs=4096 2>/dev/null'
blocks=$(( (size + 4095) / 4096 ))
expect_eq "dd: reads of in.bin" "$(ev_sum "$WORK/in.bin" read)" "$((blocks + 1)) $size"
expect_eq "dd: writes to t.dd.f" "$(ev_sum "$WORK/t.dd.f" write)" "$blocks $size"
# offsets of dd's reads are 0, 4096, ... (tracked per descriptor)
offs=$(awk -v p="$WORK/in.bin" '$1 == "ev" && $11 == p && $5 == "read" { printf "%s ", $7 }' stats | cut -d' ' -f1-3)
expect_eq "dd: read offsets" "$offs" "0 4096 8192"

run_both cp 'cp in.bin $O.f'
expect_eq "cp: bytes to t.cp.f" "$(ev_sum "$WORK/t.cp.f" 'write|copy_file_range' | cut -d' ' -f2)" "$size"

run_both sort 'sort -n in.txt >$O.f'
txt=$(stat -c %s in.txt)
expect_eq "sort: bytes read from in.txt" "$(ev_sum "$WORK/in.txt" 'read|fread' | cut -d' ' -f2)" "$txt"

run_both tar 'tar cf $O.tar in.bin in.txt && tar tf $O.tar'
expect_eq "tar: bytes read from in.bin" "$(ev_sum "$WORK/in.bin" read | cut -d' ' -f2)" "$size"
grep -q "^pid .* comm tar " stats || fail "tar process missing"

run_both fail 'cat does-not-exist; sort does-not-exist-either'
grep -q "^ev .* openat -1 -1 0 -2 " stats || grep -q "^ev .* open -1 -1 0 -2 " stats ||
	fail "failed open (ENOENT) not recorded"
echo "coreutils: all good"
