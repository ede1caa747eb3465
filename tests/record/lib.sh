# Helpers for the record tests (sourced). Needs BUILD, SRC, BIN.
set -u
: "${BUILD:?}" "${SRC:?}"
BIN=${BIN:-$BUILD/bin}
IOREC=$BIN/iorec
DUMP=$BIN/iorec-test-dump
[[ -x $IOREC && -x $DUMP ]] || { echo "build first: $IOREC or $DUMP missing"; exit 1; }
T=$(mktemp -d /tmp/iorec-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# meta TRACE KEY: value of a metadata key
meta() { "$DUMP" "$1" | sed -n "s/^meta $2=//p" | tail -n 1; }
# field LINE NAME: value of NAME=... in a dump line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
finish() { if ((fails)); then echo "$fails check(s) failed"; exit 1; fi; echo "all passed"; exit 0; }
