# lib.sh - shared setup of the eBPF source tests (sourced, not run).
#   need_ebpf          skip (77) or, with CI=true, fail when BPF cannot load
#   record OUT ARGS... record with the eBPF source: iorec -s ebpf, or the
#                      ebpf_drive harness where iorec is not built
#   REC                that command (array), for tests that run it themselves
#   events TRACE       the trace as lines (see tests/ebpf/iotr_events.c)
#   fail MSG           print and exit 1
#   check WHAT GOT WANT
set -u
: "${BUILD:?}" "${SRC:?}"
T=$BUILD/tests
WORK=$(mktemp -d "${TMPDIR:-/tmp}/iorec-ebpf-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

check() { # what got want
	if [[ "$2" != "$3" ]]; then fail "$1: got '$2', want '$3'"; fi
	echo "ok: $1 = $3"
}

skip_or_fail() {
	if [[ ${CI:-} == true ]]; then fail "$* (CI=true: eBPF tests must run)"; fi
	echo "$*"; exit 77
}

need_ebpf() {
	[[ -x $T/ebpf_drive && -x $T/iotr_events ]] || fail "test helpers missing: make test-bins"
	((EUID == 0)) || skip_or_fail "needs root for eBPF"
	[[ -r /sys/kernel/btf/vmlinux ]] || skip_or_fail "no kernel BTF"
	local out=$WORK/probe.iotr
	if ! "$T/ebpf_drive" -o "$out" -- true 2>"$WORK/probe.err"; then
		skip_or_fail "eBPF source cannot load: $(tail -n 1 "$WORK/probe.err")"
	fi
	rm -f "$out"
}

if [[ -x ${BIN:-$BUILD/bin}/iorec ]]; then
	REC=("${BIN:-$BUILD/bin}/iorec" -s ebpf)
else
	REC=("$T/ebpf_drive")
fi

record() { # out args...
	local out=$1; shift
	"${REC[@]}" -q -o "$out" "$@"
}

events() { "$T/iotr_events" "$1"; }
