#!/usr/bin/env bash
# Threads with known I/O (per-thread counts and bytes exact), write()
# from a signal handler (no deadlock, every call recorded or counted as
# lost), and a process that closes every descriptor.
source "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

traced "$HELP/mt_io" "$WORK" 4 300 >mt.out || fail "mt_io failed"
merge
[[ $(wc -l <mt.out) == 4 ]] || fail "mt_io printed $(wc -l <mt.out) lines"
while read -r report; do
	read -r _ tid _ wn _ wb _ rn _ rb <<<"$report"
	line=$(awk -v t="$tid" '$1 == "tid" && $3 == t' stats)
	[[ -n $line ]] || fail "thread $tid missing from the trace"
	set -- $line
	# open, writes, preads, close, and the printf and fflush of its report
	expect_eq "thread $tid events" "$5" "$((wn + rn + 4))"
	# its data plus the report line itself (printf to stdout)
	expect_eq "thread $tid write bytes" "$9" "$((wb + ${#report} + 1))"
	expect_eq "thread $tid read bytes" "$7" "$rb"
done <mt.out

# More threads than rings (3 here): the events of threads without one
# are counted as lost, so recorded + lost is exact. Each worker: open,
# 100 writes, 100 preads, close, printf, fflush; main does no I/O.
IOREC_PRELOAD_MAX_THREADS=3 traced "$HELP/mt_io" "$WORK" 12 100 >mt.out || fail "mt_io failed"
merge
ev=$(awk '/^events/ {print $2}' stats)
loss=$(awk '/^loss/ {print $2}' stats)
echo "12 threads, 3 rings: $ev recorded, $loss lost"
expect_eq "events recorded + lost" "$((ev + loss))" $((12 * 204))
# all twelve are alive at once (a barrier after their open): three rings
expect_eq "events recorded" "$ev" $((3 * 204))

rm -rf "$SPOOL"; mkdir -m 0700 "$SPOOL"
IOREC_PRELOAD_SPOOL=$SPOOL LD_PRELOAD=$SO timeout 60 "$HELP/sig_write" "$WORK/sig" 1500 >sig.out
rc=$?
[[ $rc == 0 ]] || fail "sig_write exit $rc (124 = deadlock, killed by timeout)"
merge --dump
read -r _ hw _ mw <sig.out
got=$(ev_sum "$WORK/sig" write | cut -d' ' -f1)
loss=$(awk '/^loss/ {print $2}' stats)
echo "handler writes $hw, recorded $got, lost $loss"
((hw > 100)) || fail "the timer fired only $hw times"
((got + loss >= hw && got <= hw)) || fail "handler writes: $got recorded + $loss lost != $hw"
# only a handler that interrupts an append loses its event, not one that
# interrupts a drain
((got * 10 >= hw * 9)) || fail "more than 10% of the handler's writes lost"
expect_eq "main-thread writes" "$(ev_sum "$WORK/sig.main" write | cut -d' ' -f1)" "$mw"
# A handler that opens, writes and closes: while the library records its
# open, it asks fstat about the new descriptor itself. That call is the
# library's own, not a handler call the library had to drop.
rm -rf "$SPOOL"; mkdir -m 0700 "$SPOOL"
IOREC_PRELOAD_SPOOL=$SPOOL LD_PRELOAD=$SO timeout 60 "$HELP/sig_write" "$WORK/sigo" 1500 open >sig.out
rc=$?
[[ $rc == 0 ]] || fail "sig_write open: exit $rc (124 = deadlock, killed by timeout)"
merge --dump
read -r _ hw _ mw <sig.out
got=$(ev_sum "$WORK/sigo" 'open|openat|write|close' | cut -d' ' -f1)
loss=$(awk '/^loss/ {print $2}' stats)
echo "handler calls $((3 * hw)), recorded $got, lost $loss"
((hw > 100)) || fail "the timer fired only $hw times"
# (main's open of the file, before the timer, and its close, after it)
expect_eq "handler open/write/close: recorded + lost" "$((got - 2 + loss))" "$((3 * hw))"
((got * 10 >= 3 * hw * 9)) || fail "more than 10% of the handler's calls lost"

# Handlers that leave by siglongjmp (a timeout around I/O), on the
# thread's stack and on an alternate one: 60 jumps out of a handler that
# fires every 200 us during preads, so some land in the library's
# appends and drains. Afterwards every read is recorded, and so are the
# fork child's and the exec'd image's writes. Before, one jump left the
# library "in a handler" for good: it never drained again and skipped
# its flush at fork, exec and exit, and the trace lost all of that
# (10000 reads: 0 recorded, none counted lost). A jump out of a drain
# left its lock held, and the next fork hung.
for mode in stack altstack; do
	rm -rf "$SPOOL" "$WORK/jump"; mkdir -m 0700 "$SPOOL"; mkdir "$WORK/jump"
	IOREC_PRELOAD_SPOOL=$SPOOL LD_PRELOAD=$SO timeout 60 "$HELP/sig_jump" "$WORK/jump" 60 10000 \
		$([[ $mode == altstack ]] && echo altstack) >jump.out
	rc=$?
	[[ $rc == 0 ]] || fail "sig_jump $mode: exit $rc (124 = hung, killed by timeout)"
	expect_eq "sig_jump $mode: output" "$(cat jump.out)" "jumps 60 reads 10000"
	expect_eq "sig_jump $mode: the exec'd image ran" "$(cat "$WORK/jump/d")" "done"
	merge --dump
	expect_eq "sig_jump $mode: reads after the jumps" "$(ev_sum "$WORK/jump/b" pread)" "10000 40960000"
	expect_eq "sig_jump $mode: the fork child's write" "$(ev_sum "$WORK/jump/c" write)" "1 5"
	expect_eq "sig_jump $mode: the exec'd image's write" "$(ev_sum "$WORK/jump/d" write)" "1 5"
	# a jump out of an append loses that one event, counted
	loss=$(awk '/^loss/ {print $2}' stats)
	echo "sig_jump $mode: $(ev_sum "$WORK/jump/a" pread | cut -d' ' -f1) reads during the jumps recorded, $loss lost"
	((loss <= 60)) || fail "sig_jump $mode: $loss events lost to 60 jumps"
done

# A daemon-like program closes every descriptor, then writes a file.
cat >closeall.py <<'PY'
import os, sys
os.closerange(0, 4096)
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, b"after close-all\n")
os.close(fd)
PY
traced python3 closeall.py "$WORK/after" || fail "closeall.py failed"
merge --dump
expect_eq "writes after closing every descriptor" "$(ev_sum "$WORK/after" write)" "1 16"
echo "threads, signals, close-all: all good"

# Linux AIO reaped by a thread other than the submitting one. A
# page-cached read completes inside io_submit, so the reaper may get it
# before io_submit has returned and the library has noted the request:
# such requests count as lost, and recorded + lost is every request.
head -c 1048576 /dev/urandom >aio.dat
traced "$HELP/aio_mt" "$WORK/aio.dat" 2000 4 >aio.out
rc=$?
if ((rc == 77)); then
	echo "skip: no libaio.so.1 here (the cross-thread AIO check)"
else
	((rc == 0)) || fail "aio_mt failed ($rc)"
	expect_eq "aio_mt" "$(cat aio.out)" "submitted 8000 reaped 8000"
	merge --dump
	rec=$(ev_sum "$WORK/aio.dat" aio_read | cut -d' ' -f1)
	lost=$(awk '/^loss/ {print $2}' stats)
	echo "cross-thread AIO: $rec recorded, $lost lost"
	expect_eq "cross-thread AIO: recorded + lost" "$((rec + lost))" 8000
	((rec * 10 >= 8000 * 9)) || fail "cross-thread AIO: only $rec of 8000 recorded"
fi

# POSIX lio_listio: writes with LIO_NOWAIT (collected with aio_return),
# reads with LIO_WAIT whose results the program never asks for, and a
# read on a closed descriptor. Each request is one event, with its
# offset and result; the program's output is the same traced.
"$HELP/lio" "$WORK/lio-plain.dat" >lio-plain.out || fail "lio untraced"
traced "$HELP/lio" "$WORK/lio.dat" >lio.out || fail "lio traced"
expect_eq "lio: output traced" "$(cat lio.out)" "$(cat lio-plain.out)"
expect_eq "lio: output" "$(cat lio.out)" "writes 4 16384 reads 8 16384 badread 9"
merge --dump
expect_eq "lio: aio_write events and bytes" "$(ev_sum "$WORK/lio.dat" aio_write)" "4 16384"
expect_eq "lio: aio_read events and bytes" "$(ev_sum "$WORK/lio.dat" aio_read)" "8 16384"
expect_eq "lio: read offsets" \
	"$(awk -v p="$WORK/lio.dat" '$1 == "ev" && $11 == p && $5 == "aio_read" { print $7 }' stats | sort -n | paste -sd' ')" \
	"0 2048 4096 6144 8192 10240 12288 14336"
expect_eq "lio: the read on a closed descriptor" \
	"$(awk '$1 == "ev" && $5 == "aio_read" && $9 < 0 { print $9 }' stats)" "-9"

# Descriptors the application asks for by number (a shell's "exec
# 900>file", dup2 in a daemon): the library's own descriptor does not
# look open, and moves away from a dup2/dup3 onto it, for its batch file
# and later for its shard file. Nothing the application writes may land
# in the spool, and nothing recorded may be lost.
cat >fdclash.py <<'PY'
import errno, fcntl, os, sys, time
d = sys.argv[1]
def high():  # descriptors from 900 up: {fd: target}
    return {int(f): os.readlink("/proc/self/fd/" + f) for f in os.listdir("/proc/self/fd") if int(f) >= 900}
def expect_ebadf(what, call):
    try:
        call()
    except OSError as e:
        if e.errno == errno.EBADF:
            return
        raise
    sys.exit(what + " of the library's descriptor succeeded")
h = high()
assert list(h) == [900] and h[900].endswith("/batch"), h
expect_ebadf("fcntl", lambda: fcntl.fcntl(900, fcntl.F_GETFD))
expect_ebadf("dup", lambda: os.dup(900))
expect_ebadf("dup2 from", lambda: os.dup2(900, 50))
fd = os.open(d + "/a", os.O_WRONLY | os.O_CREAT, 0o600)
os.dup2(fd, 900)  # dup2: onto the batch file's descriptor
os.close(fd)
os.write(900, b"into a\n")
os.close(900)
time.sleep(0.35)  # old enough: the next drain moves the shard to a file
for i in range(20):
    with open(d + "/c", "a") as f:
        f.write("c%02d\n" % i)
h = high()
(lib,) = h
assert h[lib].endswith(".open"), h
fd = os.open(d + "/b", os.O_WRONLY | os.O_CREAT, 0o600)
os.dup2(fd, lib, inheritable=False)  # dup3: onto the shard file's
os.close(fd)
os.write(lib, b"into b\n")
expect_ebadf("dup2 of a closed descriptor", lambda: os.dup2(777, [f for f in high() if f != lib][0]))
h = high()
assert len(h) == 2 and h[lib].endswith("/b"), h  # the failed dup2 left no stray copy
os.close(lib)
for i in range(20, 40):
    with open(d + "/c", "a") as f:
        f.write("c%02d\n" % i)
PY
traced python3 fdclash.py "$WORK" || fail "fdclash.py failed"
expect_eq "file written through fd 900" "$(cat "$WORK/a")" "into a"
expect_eq "file written through the shard's number" "$(cat "$WORK/b")" "into b"
merge --dump
expect_eq "writes through the batch file's number" "$(ev_sum "$WORK/a" write)" "1 7"
expect_eq "writes through the shard's number" "$(ev_sum "$WORK/b" write)" "1 7"
expect_eq "writes before and after" "$(ev_sum "$WORK/c" write)" "40 160"
expect_eq "events lost" "$(awk '/^loss/ {print $2}' stats)" "0"

# bash saves and restores a descriptor it finds open around a
# redirection: the library's must not be one, or "hi" lands in the spool.
traced bash -c 'exec 900>"$1"; echo hi >&900; exec 900>&-; echo there >>"$1"' _ "$WORK/sh" ||
	fail "bash failed"
expect_eq "bash's file" "$(cat "$WORK/sh")" "$(printf 'hi\nthere')"
merge --dump
# bash's echo is a printf of the words (its newline is a putchar, which
# the library does not wrap)
expect_eq "bash's writes" "$(ev_sum "$WORK/sh" fprintf)" "2 7"
# onto 900, from 900 onto 1, and the >> onto 1
expect_eq "bash's dup2s of the file" "$(ev_sum "$WORK/sh" dup2 | cut -d' ' -f1)" "3"
echo "descriptors by number: all good"

# cwd change, chroot and setuid: the shard was opened at start, so the
# events after them still reach it.
if [[ $(id -u) == 0 ]]; then
	mkdir -p "$WORK/jail"
	chmod 0777 "$WORK/jail"
	cat >jail.py <<'PY'
import os, sys
os.chdir(sys.argv[1])
os.chroot(sys.argv[1])
os.setgid(65534)
os.setuid(65534)
fd = os.open("/inside", os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, b"jailed\n")
os.close(fd)
PY
	traced python3 jail.py "$WORK/jail" || fail "jail.py failed"
	merge --dump
	expect_eq "writes after chdir, chroot, setuid" "$(ev_sum /inside write)" "1 7"
fi
echo "cwd, chroot, setuid: all good"

# A vfork child shares the recorder's memory: its dup2 must not rewire
# the parent's descriptor table.
traced "$HELP/vfork_dup" "$WORK/vf.out" || fail "vfork_dup failed"
merge --dump
expect_eq "parent's write after a vfork child's dup2" "$(ev_sum "$WORK/vf.out" write)" "1 7"
expect_eq "writes attributed to /dev/null" "$(ev_sum /dev/null write)" "0 0"
echo "vfork: all good"

# The library's start-up (shard, /proc reads) leaves errno alone.
expect_eq "errno when main starts" "$(traced "$HELP/errno_start")" "errno 0"
