# Shared helpers for the analyzer's test scripts (sourced).
set -u
: "${BUILD:?}" "${SRC:?}"
BIN=${BIN:-$BUILD/bin}
IOA=$BIN/ioanalyze
GEN=$BIN/iotr-gen
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ioa-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
	if [[ "$2" == "$3" ]]; then ok "$1 = $3"; else fail "$1: got '$2', expected '$3'"; fi
}

# jq_eq FILE FILTER EXPECTED: compare the jq -c output of FILTER
jq_eq() {
	local got
	got=$(jq -c "$2" "$1" 2>&1)
	expect_eq "$2" "$got" "$3"
}

finish() {
	if ((fails)); then echo "$fails check(s) failed"; exit 1; fi
	echo "all checks passed"
	exit 0
}
