#!/usr/bin/env bash
# Threads and forked children are followed (fork tracking in the kernel)
# and each event carries the pid/tid that made the call.
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
D=$WORK/data; mkdir -p "$D"
record "$WORK/t.iotr" -- "$T/threads_fork" "$D" > "$WORK/who.txt" || fail "threads_fork under the recorder"
events "$WORK/t.iotr" > "$WORK/t.txt" || fail "cannot read the trace"
main_pid=$(awk '$1=="MAIN" {print $2}' "$WORK/who.txt")
[[ -n $main_pid ]] || fail "workload printed no MAIN line"
n=0
while read -r kind id path count; do
	[[ $kind == MAIN ]] && continue
	if [[ $kind == THREAD ]]; then want_pid=$main_pid want_tid=$id; else want_pid=$id want_tid=$id; fi
	got=$(awk -F'\t' -v p="$path" '$1=="IO" && $2=="write" && $14==p {print $3, $4, $8}' "$WORK/t.txt" | sort | uniq -c | awk '{$1=$1; print}')
	check "$kind $path: writes by pid tid" "$got" "$count $want_pid $want_tid 512"
	n=$((n + 1))
done < "$WORK/who.txt"
check "files checked" "$n" 3
[[ $(awk -F'\t' '$1=="THREAD"' "$WORK/who.txt" | wc -l) == 0 ]] || true
# threads differ from the main thread, the child from the parent
check "distinct tids writing" "$(awk -F'\t' -v d="$D/" '$1=="IO" && $2=="write" && index($14,d)==1 {print $4}' "$WORK/t.txt" | sort -u | wc -l)" 3
grep -q $'^PROC\t'"$main_pid"$'\t' "$WORK/t.txt" || fail "no process record for $main_pid"
echo PASS
