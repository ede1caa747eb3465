# lib.sh - shared by tests/preload/test_*.sh (sourced, not a test).
# Runs programs with libiorec-preload.so and a private spool, merges the
# shards with the preload source's merge code (iotr_stats --merge) and
# reads the result back with libiotrace.
set -u
: "${BUILD:?}" "${SRC:?}"
SO=$BUILD/lib/libiorec-preload.so
STATS=$BUILD/tests/preload/iotr_stats
HELP=$BUILD/tests/preload
for f in "$SO" "$STATS"; do
	[[ -e $f ]] || { echo "missing $f (make test-bins)"; exit 1; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preload-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SPOOL=$WORK/spool

fail() { echo "FAIL: $*"; exit 1; }

# traced CMD...: run CMD with the library and a fresh spool.
traced() {
	rm -rf "$SPOOL"
	mkdir -m 0700 "$SPOOL"
	IOREC_PRELOAD_SPOOL=$SPOOL LD_PRELOAD=$SO "$@"
}

# spool_shards: "FILES FRAMES", the shard files in the spool and the
# frames of its batch file (short processes), read independently of the
# library: 32-byte headers "IORECBF1", the shard's length at byte 16.
spool_shards() {
	local files
	files=$(find "$SPOOL" -maxdepth 1 -name '*.iotr' -o -maxdepth 1 -name '*.open' | wc -l)
	python3 - "$SPOOL/batch" "$files" <<'PY'
import os, struct, sys
n = pos = 0
data = open(sys.argv[1], "rb").read() if os.path.exists(sys.argv[1]) else b""
while pos + 32 <= len(data) and data[pos:pos + 8] == b"IORECBF1":
    n += 1
    pos += 32 + struct.unpack_from("<I", data, pos + 16)[0]
if pos != len(data):
    sys.exit("batch file: %d bytes, frames end at %d" % (len(data), pos))
print(sys.argv[2], n)
PY
}

# merge [--dump]: merge the spool into $WORK/out.iotr, stats in $WORK/stats.
merge() {
	rm -f "$WORK/out.iotr"
	"$STATS" "$@" --merge "$WORK/out.iotr" "$SPOOL" >"$WORK/stats" || fail "merge failed"
	[[ -z $(ls -A "$SPOOL") ]] || fail "shards left in the spool: $(ls "$SPOOL")"
}

# stat_field KEYWORD NAME FIELD: value of FIELD on the line "KEYWORD NAME ...".
stat_field() {
	awk -v k="$1" -v n="$2" -v f="$3" '$1 == k && $2 == n { for (i = 3; i < NF; i++) if ($i == f) { print $(i + 1); exit } }' "$WORK/stats"
}

# ev_sum PATH OPS: "count bytes" of events on PATH whose op is in OPS (a|b).
ev_sum() {
	awk -v p="$1" -v ops="^($2)\$" '$1 == "ev" && $11 == p && $5 ~ ops { n++; if ($9 > 0) b += $9 } END { printf "%d %.0f\n", n, b }' "$WORK/stats"
}

# with_iorec: IOREC is the built iorec; work in $WORK with a private
# TMPDIR, where iorec makes its spool.
with_iorec() {
	IOREC=$BIN/iorec
	[[ -x $IOREC ]] || fail "missing $IOREC"
	cd "$WORK" || exit 1
	export TMPDIR=$WORK/tmp
	mkdir -p "$TMPDIR"
}

expect_eq() { # what got want
	[[ $2 == "$3" ]] || fail "$1: got '$2', want '$3'"
	echo "ok: $1 = $3"
}
