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
