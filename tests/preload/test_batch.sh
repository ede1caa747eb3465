#!/usr/bin/env bash
# Short processes share the spool's batch file instead of a shard file
# each: hundreds of them started 8 at a time (concurrent O_APPEND frames
# must not tear) are all in the merged trace with all their reads; a
# process that lives longer than PRELOAD_AGE_NS gets its own file; and
# through iorec, a script of many short commands leaves nothing behind
# and loses nothing.
source "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
head -c 3000 /dev/urandom >small

# 400 cats, 8 at a time; none lives long enough for a file of its own
seq 400 | traced xargs -P 8 -I{} cat small >/dev/null || fail "xargs failed"
read -r files frames < <(spool_shards) || fail "batch file unreadable"
echo "400 concurrent cats: $files shard files, $frames batch frames"
((frames >= 401)) || fail "only $frames frames for 400 cats and xargs"
merge --dump
expect_eq "frames merged" "$(awk '/^merged/ {print $2}' stats)" "$((files + frames))"
expect_eq "cat processes" "$(grep -c '^pid [0-9]* comm cat ' stats)" 400
expect_eq "bytes read from small" "$(ev_sum "$WORK/small" read | cut -d' ' -f2)" $((400 * 3000))
expect_eq "opens of small" "$(awk -v p="$WORK/small" '$1 == "ev" && $11 == p && $5 == "open"' stats | wc -l)" 400

# a process past PRELOAD_AGE_NS (250 ms) that goes on recording gets a
# file; its short child does not
traced /usr/bin/python3 -c '
import os, subprocess, time
t = time.time()
while time.time() - t < 0.6:
    os.stat("small")
    time.sleep(0.01)
subprocess.run(["cat", "small"], stdout=subprocess.DEVNULL)
' || fail "python failed"
expect_eq "long python and its short cat: shard files, batch frames" "$(spool_shards)" "1 1"
merge
grep -q '^pid [0-9]* comm cat ' stats || fail "no cat in the trace"

# through iorec: a script of short commands
if [[ -x $BIN/iorec ]]; then
	export TMPDIR=$WORK/tmp
	mkdir "$TMPDIR"
	"$BIN/iorec" -q -s preload -o loop.iotr -- bash -c 'for i in $(seq 200); do cat small; done >/dev/null' ||
		fail "iorec failed"
	[[ -z $(ls -A "$TMPDIR") ]] || fail "spool left behind: $(ls -A "$TMPDIR")"
	"$STATS" --dump loop.iotr >"$WORK/stats" || fail "cannot read loop.iotr"
	expect_eq "iorec: cat processes" "$(grep -c '^pid [0-9]* comm cat ' stats)" 200
	expect_eq "iorec: bytes read from small" "$(ev_sum "$WORK/small" read | cut -d' ' -f2)" $((200 * 3000))
	"$BIN/ioanalyze" info -f json loop.iotr >info.json || fail "ioanalyze info"
	expect_eq "iorec: batched shards" "$(jq -r '.meta["source.preload.shards_batched"] // .traces[0].meta["source.preload.shards_batched"] // empty' info.json)" \
		"$(jq -r '.meta["source.preload.shards"] // .traces[0].meta["source.preload.shards"] // empty' info.json)"
fi
echo "batch file: all good"
