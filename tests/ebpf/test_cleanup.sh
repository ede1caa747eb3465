#!/usr/bin/env bash
# Every BPF object the recorder creates (programs, links, maps) is gone
# after it ends: on a normal exit, on SIGINT, and even after SIGKILL
# (nothing is pinned; the kernel frees what the process held).
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
command -v bpftool >/dev/null || skip_or_fail "bpftool not installed"

# ids of the BPF maps, programs and links pid holds ("map 12" ...)
bpf_ids() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^(map|prog|link)_id:/ {sub(/_id:/, ""); print $1, $2}' "$f" 2>/dev/null
	done | sort -u
}

# wait until pid holds a ring buffer map, programs and links, print them
wait_loaded() {
	local ids
	for _ in $(seq 100); do
		ids=$(bpf_ids "$1")
		if grep -q '^link ' <<<"$ids" && grep -q '^map ' <<<"$ids"; then echo "$ids"; return; fi
		sleep 0.1
	done
	fail "recorder $1 never held BPF objects"
}

# every id is gone from the kernel (freed after an RCU grace period)
all_gone() { # label ids
	local kind id left
	for _ in $(seq 50); do
		left=0
		while read -r kind id; do
			bpftool "$kind" show id "$id" >/dev/null 2>&1 && left=$((left + 1))
		done <<<"$2"
		((left == 0)) && { echo "ok: $1: $(wc -l <<<"$2") BPF objects freed"; return; }
		sleep 0.1
	done
	fail "$1: $left BPF objects still loaded"
}

for how in exit INT KILL; do
	rm -f "$WORK/c.iotr"
	if [[ $how == exit ]]; then
		"${REC[@]}" -q -o "$WORK/c.iotr" -- sleep 1.5 &
	else
		"${REC[@]}" -q --all -o "$WORK/c.iotr" &
	fi
	pid=$!
	ids=$(wait_loaded $pid)
	[[ $how != exit ]] && kill -"$how" $pid
	wait $pid
	rc=$?
	[[ $how == KILL ]] && check "killed" "$rc" 137
	[[ $how != KILL ]] && check "$how: status" "$rc" 0
	all_gone "$how" "$ids"
done
echo PASS
