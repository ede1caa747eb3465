#!/usr/bin/env bash
# iorec -s preload end to end: COMMAND's exit status and output are those
# of an untraced run, the trace holds the I/O of COMMAND and its
# children, no shard or spool is left behind, and a statically linked
# COMMAND is reported as not traceable.
source "$(dirname "$0")/lib.sh"
with_iorec

head -c 1000000 /dev/urandom >in.bin
cmd='cat in.bin | gzip -1 >in.gz; gzip -dc in.gz >back.bin; cmp in.bin back.bin && echo same; exit 7'
bash -c "$cmd" >u.out 2>u.err; rc1=$?
"$IOREC" -q -s preload -o run.iotr -- bash -c "$cmd" >t.out 2>t.err; rc2=$?
expect_eq "exit status through iorec" "$rc2" "$rc1"
cmp -s u.out t.out || fail "stdout differs"
cmp -s u.err t.err || fail "stderr differs: $(cat t.err)"
[[ -z $(ls -A "$TMPDIR") ]] || fail "spool left behind: $(ls -A "$TMPDIR")"
"$STATS" --dump run.iotr >"$WORK/stats" || fail "cannot read run.iotr"
# cat and cmp read it
expect_eq "bytes read from in.bin" "$(ev_sum "$WORK/in.bin" read | cut -d" " -f2)" 2000000
expect_eq "bytes written to back.bin" "$(ev_sum "$WORK/back.bin" write | cut -d' ' -f2)" 1000000
for c in bash cat gzip cmp; do
	grep -q "^pid [0-9]* comm $c " stats || fail "no process $c in the trace"
done

# --anonymize: shards are re-encoded with hashed paths; no clear path of
# the run reaches the output, the I/O is all there.
"$IOREC" -q -s preload --anonymize -o anon.iotr -- cat in.bin >/dev/null || fail "anonymized run failed"
"$STATS" --dump anon.iotr >"$WORK/stats" || fail "cannot read anon.iotr"
grep -q "^file .*in.bin" stats && fail "clear path in an anonymized trace"
grep -q "$WORK" stats && fail "clear directory in an anonymized trace"
grep -q '^op read count .* bytes 1000000 ' stats || fail "anonymized trace lost the reads: $(grep '^op read' stats)"
"$BIN/ioanalyze" dump anon.iotr >anon.txt 2>&1 || fail "ioanalyze cannot read anon.iotr"
grep -q "in.bin" anon.txt && fail "clear path in ioanalyze dump of an anonymized trace"
echo "ok: --anonymize leaves no clear path"

# Filters: --comm, --syscalls and --path combine (AND), each list is an OR.
"$IOREC" -q -s preload --comm cat --syscalls read,write --path "$WORK/in.bin" -o filt.iotr -- \
	sh -c 'cat in.bin | cat >/dev/null; dd if=in.bin of=/dev/null bs=64k 2>/dev/null' || fail "filtered run failed"
"$STATS" filt.iotr >"$WORK/stats" || fail "cannot read filt.iotr"
expect_eq "filtered: operations and bytes" "$(awk '$1 == "op" {printf "%s:%s ", $2, $6}' stats)" "read:1000000 "
expect_eq "filtered: processes with events" "$(awk '$1 == "pid" {print $4}' stats)" cat
expect_eq "filtered: files" "$(awk '$1 == "file" {print $2}' stats)" "$WORK/in.bin"

# Calls left out by --syscalls still move the offsets (dd skips by lseek).
"$IOREC" -q -s preload --syscalls read -o skip.iotr -- dd if=in.bin of=/dev/null bs=4096 skip=2 count=2 2>/dev/null ||
	fail "dd run failed"
"$STATS" --dump skip.iotr >"$WORK/stats" || fail "cannot read skip.iotr"
expect_eq "read offsets after a filtered lseek" \
	"$(awk -v p="$WORK/in.bin" '$1 == "ev" && $11 == p {printf "%s ", $7}' stats)" "8192 12288 "

# Started through sudo: COMMAND runs as the user, its shards land in the
# spool the core gave to that user.
if [[ $(id -u) == 0 ]]; then
	chmod 0755 "$WORK"; chmod 0644 in.bin
	SUDO_UID=65534 SUDO_GID=65534 SUDO_USER=nobody "$IOREC" -q -s preload -o sudo.iotr -- cat in.bin >/dev/null ||
		fail "sudo-style run failed"
	"$STATS" --dump sudo.iotr >"$WORK/stats" || fail "cannot read sudo.iotr"
	expect_eq "as the sudo user: bytes read" "$(ev_sum "$WORK/in.bin" 'read|copy_file_range' | cut -d' ' -f2)" 1000000
fi

# io_uring requests bypass every wrapper: a process that sets a ring up
# is named, once per command, and each such pid is in the metadata; a
# psync job is not.
uring_fio() { # engine
	fio --name=u --filename="$WORK/u.dat" --size=1m --rw=randread --bs=4k --numjobs=2 \
		--ioengine="$1" --output-format=json >/dev/null
}
if command -v fio >/dev/null && uring_fio io_uring 2>/dev/null; then
	"$IOREC" -s preload -o ur.iotr -- bash -c "$(declare -f uring_fio); WORK=$WORK; uring_fio io_uring" \
		2>ur.err || fail "fio io_uring under iorec: $(cat ur.err)"
	expect_eq "io_uring messages (once per command)" \
		"$(grep -c '^iorec: preload: fio (pid [0-9]*) submits I/O through io_uring' ur.err)" 1
	expect_eq "io_uring pids in the metadata" \
		"$("$BIN/ioanalyze" info ur.iotr | grep -c 'source.preload.io_uring.[0-9]* *[0-9]* fio$')" 2
	"$IOREC" -s preload -o ps.iotr -- bash -c "$(declare -f uring_fio); WORK=$WORK; uring_fio psync" \
		2>ps.err || fail "fio psync under iorec: $(cat ps.err)"
	grep -q io_uring ps.err && fail "io_uring named for a psync job: $(cat ps.err)"
	[[ -z $(ls -A "$TMPDIR") ]] || fail "spool left behind: $(ls -A "$TMPDIR")"
	echo "ok: io_uring users named"
else
	echo "skip: fio with io_uring is not available here"
fi

# A statically linked COMMAND, and one started by a traced shell.
printf '#include <stdio.h>\nint main(void) { puts("static"); return 4; }\n' >st.c
if ! ${CC:-cc} -static -o st st.c 2>/dev/null; then
	echo "no static libc to build a static test program"; exit 77
fi
"$IOREC" -s preload -o st1.iotr -- ./st >st.out 2>st.err; rc=$?
expect_eq "static COMMAND exit status" "$rc" 4
grep -q "^iorec: preload: ./st is statically linked" st.err || fail "no static message: $(cat st.err)"
"$IOREC" -s preload -o st2.iotr -- sh -c './st; ./st; exit 0' >st.out 2>st.err; rc=$?
expect_eq "static grandchild exit status" "$rc" 0
expect_eq "static messages (once per program)" "$(grep -c 'st is statically linked' st.err)" 1
"$IOREC" -s preload --anonymize -o st3.iotr -- "$WORK/st" >/dev/null 2>st.err
"$BIN/ioanalyze" info st3.iotr >st3.txt 2>&1 || fail "ioanalyze info st3.iotr"
grep -q 'source.preload.static.0 .* is statically linked' st3.txt || fail "no static note in the metadata"
grep -q "$WORK" st3.txt && fail "clear path in the metadata of an anonymized trace"
echo "ok: static note anonymized"
echo "iorec -s preload: all good"
