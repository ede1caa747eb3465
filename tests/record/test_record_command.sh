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

# a command that exits at once still gets counters from before and after
"$IOREC" -q -o "$T/true.iotr" -- true
check "two disk polls around 'true'" test "$("$DUMP" "$T/true.iotr" | grep '^disk ' | cut -d' ' -f2 | sort -u | wc -l)" -eq 2
"$IOREC" -q -o "$T/nodir.iotr/x.iotr" -- true 2> "$T/err.txt"
rc=$?
check "uncreatable output: exit 1 (got $rc)" test "$rc" -eq 1
check "uncreatable output: message names the path" grep -q "cannot create $T/nodir.iotr/x.iotr" "$T/err.txt"

# COMMAND gets exactly the descriptors iorec was given (a jobserver, 7<),
# none of iorec's own (trace, pipes, sources)
want=$(sh -c 'ls /proc/$$/fd' 7< /dev/null | sort -n | tr '\n' ' ')
got=$("$IOREC" -q -s diskstats,procio,jobstats --jobstats-cmd 'sleep 0.2; echo' -o "$T/fd.iotr" -- \
	sh -c 'ls /proc/$$/fd' 7< /dev/null | sort -n | tr '\n' ' ')
check "COMMAND's descriptors = a plain run's ($got)" test "$got" = "$want"

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

# full disk: one clear message, exit 1, COMMAND still runs to its end,
# and what reached the disk opens by recovery
if [[ $(id -u) -eq 0 ]] && command -v unshare > /dev/null; then
	mkdir "$T/full"
	unshare -m sh -c "mount -t tmpfs -o size=4k tmpfs '$T/full' &&
		'$IOREC' -i 10 -o '$T/full/t.iotr' -- sh -c 'sleep 2; echo done > $T/marker' 2> '$T/full.err'
		echo \$? > '$T/full.rc'; '$DUMP' '$T/full/t.iotr' > '$T/full.txt'"
	check "full disk: exit 1 (got $(cat "$T/full.rc"))" test "$(cat "$T/full.rc")" -eq 1
	check "full disk: said once, with the path" test "$(grep -c "$T/full/t.iotr: write error: No space left" "$T/full.err")" -eq 1
	check "full disk: no source blamed" test "$(grep -c 'failed' "$T/full.err")" -eq 0
	check "full disk: COMMAND ran to its end" test "$(cat "$T/marker" 2>/dev/null)" = done
	check "full disk: the partial trace opens by recovery" grep -q '^meta rec.mode=command' "$T/full.txt"
elif [[ ${CI:-} == true ]]; then
	fail "CI=true but not root: the full-disk test must run"
fi

# 8. children that come and go between polls get their own records
"$IOREC" -q -i 50 -o "$T/kids.iotr" -- sh -c 'sleep 0.3 & sleep 0.4 & wait; sleep 0.3'
"$DUMP" "$T/kids.iotr" > "$T/kids.txt"
check "three sleep children recorded" test "$(grep -c '^proc .* comm=sleep ' "$T/kids.txt")" -eq 3
check "their exits noticed (exit time set)" test "$(grep '^proc .* comm=sleep ' "$T/kids.txt" | grep -vc ' exit=0 ')" -eq 3
check "children's parent is the shell" test "$(grep '^proc .* comm=sleep ' "$T/kids.txt" | sed 's/.* ppid=\([0-9]*\) .*/\1/' | sort -u)" = \
	"$(sed -n 's/^proc pid=\([0-9]*\) .* comm=sh .*/\1/p' "$T/kids.txt")"

# default output name: iorec-HOST-YYYYmmdd-HHMMSS.iotr in the cwd
(cd "$T" && "$IOREC" -q -- true)
check "default output name" bash -c 'compgen -G "$0" > /dev/null' "$T/iorec-$(hostname -s)-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9].iotr"

# EACCES on other users' /proc/PID/io: counted, reported once, not fatal
if [[ $(id -u) -eq 0 ]] && command -v setpriv > /dev/null && id nobody > /dev/null 2>&1; then
	chmod 711 "$T"
	mkdir -m 1777 "$T/pub"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$IOREC" --all -s procio -i 100 \
		--duration 0.3 -o "$T/pub/eacces.iotr" 2> "$T/eacces.err"
	rc=$?
	check "unprivileged --all exits 0 (got $rc)" test "$rc" -eq 0
	check "EACCES counted" test "$(meta "$T/pub/eacces.iotr" source.procio.eacces)" -gt 0
	check "EACCES reported once" test "$(grep -c 'Permission denied' "$T/eacces.err")" -eq 1
	check "own processes still sampled" grep -q '^procio ' <("$DUMP" "$T/pub/eacces.iotr")
elif [[ ${CI:-} == true ]]; then
	fail "CI=true but not root (or no setpriv/nobody): the EACCES test must run"
fi

# 9. --anonymize: no path of the command, its cwd or its exe survives
(cd "$T" && "$IOREC" -q --anonymize -o "$T/anon.iotr" -- sh -c "cat /etc/hostname > $T/anon-out")
"$DUMP" "$T/anon.iotr" > "$T/anon.txt"
check "anonymized flag" test "$(meta "$T/anon.iotr" rec.anonymized)" = yes
check "no real path left in the trace" test -z "$(grep -E 'hostname|/usr/bin|/bin/|iorec-test' "$T/anon.txt" || true)"
check "cmdline keeps non-path words" test "$(meta "$T/anon.iotr" rec.cmdline | cut -d' ' -f1-2)" = "sh -c"
check "cwd hashed with its depth kept" test "$(meta "$T/anon.iotr" rec.cwd | tr -cd / | wc -c)" -eq "$(printf %s "$T" | tr -cd / | wc -c)"
check "no rec.argv when anonymized" test -z "$(meta "$T/anon.iotr" rec.argv)"

# 10. started through sudo: COMMAND runs as SUDO_UID/SUDO_GID
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
elif [[ ${CI:-} == true ]]; then
	fail "CI=true but not root (or no user nobody): the sudo identity test must run"
else
	echo "note: not root, sudo identity test not run"
fi
finish
