#!/usr/bin/env bash
# No silent loss: with a one-page ring buffer most events of a fast loop
# cannot be reserved; every one of them is counted per CPU and written as
# loss records, so recorded + lost accounts for every call. And a user
# without root gets a clear error that points to the preload source.
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
N=200000
head -c 1048576 /dev/zero > "$WORK/data.bin"
record "$WORK/loss.iotr" --ringbuf-size 4096 -- "$T/pread_loop" "$WORK/data.bin" $N 4096 >/dev/null ||
	fail "pread_loop with a tiny ring buffer"
events "$WORK/loss.iotr" > "$WORK/loss.txt"
lost=$(awk -F'\t' '$1=="LOSS" {s+=$4} END {print s+0}' "$WORK/loss.txt")
meta=$(awk -F'\t' '$1=="META" && $2=="source.ebpf.lost" {print $3}' "$WORK/loss.txt")
got=$(awk -F'\t' -v f="$WORK/data.bin" '$1=="IO" && $2=="pread" && $14==f' "$WORK/loss.txt" | wc -l)
all=$(awk -F'\t' '$1=="IO"' "$WORK/loss.txt" | wc -l)
echo "preads recorded $got, events $all, lost $lost (meta $meta)"
((lost > 0)) || fail "a 4 KiB ring buffer lost nothing?"
check "loss records sum to source.ebpf.lost" "$lost" "$meta"
check "loss reason is ringbuf full (1), source ebpf (1)" \
	"$(awk -F'\t' '$1=="LOSS" {print $2, $5}' "$WORK/loss.txt" | sort -u)" "1 1"
# every pread is either recorded or counted; the other calls of the
# program (start-up, exit) are few
((got + lost >= N)) || fail "recorded $got + lost $lost < $N calls"
((all + lost <= N + 200)) || fail "recorded $all + lost $lost is far above $N calls"
echo "ok: recorded + lost covers all $N calls"

# Not root: a clear error naming the preload source, exit status 1.
if command -v setpriv >/dev/null; then
	chmod 0711 "$WORK"; mkdir -m 0777 "$WORK/nobody"
	set +e
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$T/ebpf_drive" -o "$WORK/nobody/x.iotr" -- true 2>"$WORK/nobody.err"
	rc=$?
	set -e
	check "exit status without privileges" "$rc" 1
	grep -q "root" "$WORK/nobody.err" && grep -q "preload" "$WORK/nobody.err" ||
		fail "message should say root is needed and suggest preload: $(cat "$WORK/nobody.err")"
	echo "ok: $(cat "$WORK/nobody.err")"
	if [[ -x $BUILD/bin/iorec ]]; then
		# iorec goes on without the source and says why, once
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			"$BUILD/bin/iorec" -s ebpf -o "$WORK/nobody/y.iotr" -- true 2>"$WORK/nobody2.err" || true
		check "iorec's message about the ebpf source" \
			"$(grep -c 'ebpf: the eBPF source needs root.*preload' "$WORK/nobody2.err")" 1
	fi
fi
echo PASS
