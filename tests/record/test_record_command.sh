#!/usr/bin/env bash
# iorec on real commands: a shell pipeline, exit statuses, a signal death,
# a missing command, output refusal, usage errors, sudo identity drop.
. "$SRC/tests/record/lib.sh"

# 1. a pipeline writing 8 MiB through cat: trace closed, final procio of
#    the shell counts the bytes its children wrote (kernel accounting is
#    the oracle: /proc/PID/io includes reaped children).
"$IOREC" -q -o "$T/pipe.iotr" -i 100 -- sh -c "head -c 8388608 /dev/zero | cat > $T/out.bin"
rc=$?
check "pipeline exits 0" test "$rc" -eq 0
check "pipeline output written" test "$(stat -c %s "$T/out.bin")" -eq 8388608
"$DUMP" "$T/pipe.iotr" > "$T/pipe.txt" || fail "trace does not open"
check "footer present" grep -q '^integrity footer_ok=1 dropped=0' "$T/pipe.txt"
check "exit code in metadata" test "$(meta "$T/pipe.iotr" rec.exit_code)" = 0
# the default event source (ebpf or preload, whichever can run) comes first
check "sources recorded" bash -c '[[ $1 == diskstats,procio || $1 == preload,diskstats,procio || $1 == ebpf,diskstats,procio ]]' _ "$(meta "$T/pipe.iotr" rec.sources)"
check "source status ok" test "$(meta "$T/pipe.iotr" source.procio.status)" = ok
shpid=$(sed -n 's/^proc pid=\([0-9]*\) .* comm=sh .*/\1/p' "$T/pipe.txt" | head -n 1)
check "the shell is in the process table" test -n "$shpid"
last=$(grep "^procio .* pid=$shpid " "$T/pipe.txt" | tail -n 1)
wchar=$(field "$last" wchar)
check "final wchar of the shell >= 8 MiB (got ${wchar:-none})" test "${wchar:-0}" -ge 8388608
check "cat and head were seen or accounted" test "${wchar:-0}" -lt $((8388608 * 3))
# diskstats: every device of /proc/diskstats, with its field count
ndev=$(awk 'NF>=7' /proc/diskstats | wc -l)
nf=$(($(awk 'NR==1{print NF}' /proc/diskstats) - 3))
first_ts=$(grep -m1 '^disk ' "$T/pipe.txt" | sed 's/disk ts=\([0-9]*\).*/\1/')
check "one disk sample per device per poll ($ndev)" test "$(grep -c "^disk ts=$first_ts " "$T/pipe.txt")" -eq "$ndev"
check "disk nfields = kernel's ($nf)" grep -q "^disk ts=$first_ts .* nfields=$nf " "$T/pipe.txt"
for dev in $(awk 'NF>=7{print $3}' /proc/diskstats); do
	grep -q "^disk .* dev=$dev " "$T/pipe.txt" || fail "device $dev missing"
done
check "at least two disk polls" test "$(grep '^disk ' "$T/pipe.txt" | cut -d' ' -f2 | sort -u | wc -l)" -ge 2

# 2. exit status 3 is passed through
"$IOREC" -q -o "$T/exit3.iotr" -- sh -c 'exit 3'
rc=$?
check "exit 3 passed through (got $rc)" test "$rc" -eq 3
check "exit code 3 in metadata" test "$(meta "$T/exit3.iotr" rec.exit_code)" = 3
check "wait status in the process record" grep -q '^proc .* status=768 ' <("$DUMP" "$T/exit3.iotr")

# 3. killed by a signal: 128+9
"$IOREC" -q -o "$T/kill.iotr" -- sh -c 'kill -KILL $$'
rc=$?
check "killed by SIGKILL gives 137 (got $rc)" test "$rc" -eq 137
check "signal in metadata" test "$(meta "$T/kill.iotr" rec.exit_signal)" = 9
check "signal status in the process record" grep -q '^proc .* status=9 ' <("$DUMP" "$T/kill.iotr")

# 4. -o refuses to overwrite; --force replaces
echo precious > "$T/keep.iotr"
"$IOREC" -q -o "$T/keep.iotr" -- true 2> "$T/err.txt"
rc=$?
check "existing output refused with 1 (got $rc)" test "$rc" -eq 1
check "existing file untouched" test "$(cat "$T/keep.iotr")" = precious
check "message names the file and --force" grep -q "keep.iotr exists.*--force" "$T/err.txt"
"$IOREC" -q --force -o "$T/keep.iotr" -- true
check "--force replaces it" grep -q '^integrity footer_ok=1' <("$DUMP" "$T/keep.iotr")
check "trace is private (0600)" test "$(stat -c %a "$T/keep.iotr")" = 600
ln -s "$T/elsewhere" "$T/link.iotr"
"$IOREC" -q -o "$T/link.iotr" -- true 2>/dev/null
check "symlink output refused" test ! -e "$T/elsewhere"

# 5. a missing command: 127, no trace left behind
"$IOREC" -q -o "$T/none.iotr" -- /no/such/program 2> "$T/err.txt"
rc=$?
check "missing command gives 127 (got $rc)" test "$rc" -eq 127
check "message names the command" grep -q "cannot run '/no/such/program'" "$T/err.txt"
check "no trace for a command that never ran" test ! -e "$T/none.iotr"

# 6. usage errors: exit 2 and say what was wrong
usage() { # expected-text args...
	local want=$1; shift
	"$IOREC" "$@" > /dev/null 2> "$T/err.txt"
	local rc=$?
	if [[ $rc -ne 2 ]] || ! grep -q -- "$want" "$T/err.txt"; then
		fail "iorec $* -> rc $rc, $(head -c 200 "$T/err.txt")"
	else
		ok "usage error: $*"
	fi
}
usage "unknown option '--frobnicate'" --frobnicate -- true
usage "interval" -i abc -- true
usage "interval" -i 0 -- true
usage "unknown source 'nosuch'" -s nosuch -- true
usage "no COMMAND" -o "$T/x.iotr"
usage "not both" --all -- true
usage "duration" --all --duration -1
usage "duration" --duration 5 -- true
usage "needs a value" -o
usage "unknown operation 'frob'" --syscalls read,frob -- true
usage "process id" --pid 12x -- true
usage "ringbuf" --ringbuf-size 12Q -- true
check "--help teaches with examples" bash -c "'$IOREC' --help | grep -q 'Examples:'"
check "--version" bash -c "'$IOREC' --version | grep -q '^iorec [0-9]'"
check "--check lists the sources" bash -c "'$IOREC' --check | grep -q '^procio *yes'"

# 7. job id from the batch system's environment
SLURM_JOB_ID=4242 "$IOREC" -q -o "$T/job.iotr" -- true
check "job id from SLURM_JOB_ID" test "$(meta "$T/job.iotr" rec.job_id)" = 4242
check "job id on the process" grep -q '^proc .* job=4242 ' <("$DUMP" "$T/job.iotr")
"$IOREC" -q --job-id abc.7 -o "$T/job2.iotr" -- true
check "--job-id wins" test "$(meta "$T/job2.iotr" rec.job_id)" = abc.7

# 8. started through sudo: COMMAND runs as SUDO_UID/SUDO_GID
if [[ $(id -u) -eq 0 ]] && id nobody > /dev/null 2>&1; then
	chmod 1777 "$T"
	nuid=$(id -u nobody); ngid=$(id -g nobody)
	SUDO_UID=$nuid SUDO_GID=$ngid SUDO_USER=nobody "$IOREC" -q -o "$T/sudo.iotr" -- \
		sh -c "id -u > $T/uid.txt; id -g >> $T/uid.txt; id -G >> $T/uid.txt"
	check "command ran as SUDO_UID" test "$(sed -n 1p "$T/uid.txt")" = "$nuid"
	check "command ran with SUDO_GID" test "$(sed -n 2p "$T/uid.txt")" = "$ngid"
	check "supplementary groups of the user, not root's" test "$(sed -n 3p "$T/uid.txt")" = "$(id -G nobody)"
	check "trace still owned by root" test "$(stat -c %u "$T/sudo.iotr")" = 0
	check "process record has the user's uid" grep -q "^proc .* uid=$nuid " <("$DUMP" "$T/sudo.iotr")
	check "rec.user is the sudo user" test "$(meta "$T/sudo.iotr" rec.user)" = nobody
else
	echo "note: not root, sudo identity test not run"
fi
finish
