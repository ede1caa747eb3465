#!/usr/bin/env bash
# Runs every test of the project and ends with one line
#   "N passed, N failed, N skipped"
# and a non-zero exit status if anything failed.
#
#  - Check suites:      $BUILD/tests/check_*          (their own summary lines are shown)
#  - fuzz corpus:       $BUILD/san/tests/replay_NAME over tests/fuzz/corpus/NAME/
#  - scripts:           tests/**/test_*.sh  (exit 0 pass, 77 skip, else fail)
#
# Scripts get BUILD (absolute build dir), SRC (source root) and BIN
# ($BUILD/bin) in their environment. With CI=true a script that needs
# root or eBPF must fail instead of skipping; that is each script's job.
# TESTS=pattern runs only tests whose name contains pattern.
set -u
: "${BUILD:?}" "${SRC:?}"
export BUILD SRC BIN="$BUILD/bin"
cd "$SRC" || exit 1
pass=0 fail=0 skip=0 failed=()
logdir="$BUILD/test-logs"
mkdir -p "$logdir"
filter=${TESTS:-}

run_one() { # name, command...
	local name=$1; shift
	[[ -n $filter && $name != *"$filter"* ]] && return
	local log="$logdir/${name//\//_}.log" start=$SECONDS rc
	timeout --kill-after=10 600 "$@" >"$log" 2>&1 </dev/null
	rc=$?
	local t=$((SECONDS - start))
	if ((rc == 0)); then
		pass=$((pass + 1)); printf 'PASS  %-48s %3ds\n' "$name" "$t"
		grep -E '^[0-9]+%: Checks:' "$log" | sed 's/^/      /'
	elif ((rc == 77)); then
		skip=$((skip + 1)); printf 'SKIP  %-48s %s\n' "$name" "$(tail -n 1 "$log")"
	else
		fail=$((fail + 1)); failed+=("$name"); printf 'FAIL  %-48s %3ds (exit %d)\n' "$name" "$t" "$rc"
		tail -n 30 "$log" | sed 's/^/      | /'
	fi
}

for prog in "$BUILD"/tests/check_*; do
	[[ -x $prog ]] || continue
	CK_FORK=yes run_one "$(basename "$prog")" "$prog"
done
for prog in "$BUILD"/san/tests/replay_*; do
	[[ -x $prog ]] || continue
	name=${prog##*/replay_}
	run_one "fuzz-replay/$name" "$prog" "tests/fuzz/corpus/$name"
done
while IFS= read -r script; do
	run_one "${script#tests/}" bash "$script"
done < <(find tests -name 'test_*.sh' -type f | sort)

echo
((fail)) && printf 'failed: %s\n' "${failed[*]}" && echo "logs in $logdir"
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0 && pass > 0))
