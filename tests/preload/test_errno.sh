#!/usr/bin/env bash
# Wrapped calls return the real call's result and errno, failing or not,
# and a succeeding call leaves errno as the program set it: errno_keep's
# report is the same traced and untraced, and the calls are in the trace.
source "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
mkdir d
"$HELP/errno_keep" "$WORK/d" >u.out 2>&1 || fail "untraced errno_keep: exit $?"
traced "$HELP/errno_keep" "$WORK/d" >t.out 2>&1 || fail "traced errno_keep: exit $?"
grep -q "open missing .* errno=2$" u.out || fail "untraced run: open of a missing file is not ENOENT"
grep -q "read ok .* errno=4242$" u.out || fail "untraced run: the sentinel did not survive a read"
diff u.out t.out || fail "results or errno differ under the library"
echo "ok: $(wc -l <u.out) calls, same results and errno traced and untraced"
merge --dump
# the failures are recorded with their -errno as the result
n=$(awk '$1 == "ev" && $5 == "read" && $6 == 987 && $9 == -9' "$WORK/stats" | wc -l)
[[ $n -ge 1 ]] || { grep '^ev' "$WORK/stats" | head -5; fail "no read with result -EBADF in the trace"; }
echo "ok: read on a bad fd recorded with result -9"
