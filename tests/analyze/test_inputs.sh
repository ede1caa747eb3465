#!/usr/bin/env bash
# TRACE arguments: directories, .tar/.tar.gz/.tar.zst/.zip read in place,
# several traces merged; bad inputs (a truncated trace inside a tar, a
# truncated archive, a non-trace file in a directory, a file that claims
# to be a trace, an empty archive) give clear errors naming the file while
# the good traces are still analyzed. Also dump and info.
. "$SRC/tests/analyze/lib.sh"
"$GEN" golden "$TMP/g.iotr" && "$GEN" golden2 "$TMP/g2.iotr" || exit 1
tot() { jq -c '.totals | [.ops, .read_bytes, .write_bytes, .errors]' "$1"; }

"$IOA" summary -f json "$TMP/g.iotr" "$TMP/g2.iotr" >"$TMP/ref.json" || fail "reference"
REF=$(tot "$TMP/ref.json")
expect_eq "two traces" "$REF" "[26,102400,11542628,2]"

mkdir -p "$TMP/d/sub" && cp "$TMP/g.iotr" "$TMP/d/" && cp "$TMP/g2.iotr" "$TMP/d/sub/"
(cd "$TMP/d" && tar cf ../all.tar g.iotr sub/g2.iotr && tar czf ../all.tar.gz g.iotr sub/g2.iotr &&
	tar --zstd -cf ../all.tar.zst g.iotr sub/g2.iotr && zip -q ../all.zip g.iotr sub/g2.iotr) ||
	fail "making archives"
for a in d all.tar all.tar.gz all.tar.zst all.zip; do
	"$IOA" summary -f json "$TMP/$a" >"$TMP/o.json" 2>"$TMP/o.err" || fail "$a exit"
	expect_eq "summary of $a" "$(tot "$TMP/o.json")" "$REF"
	[[ -s $TMP/o.err ]] && fail "$a: unexpected stderr: $(cat "$TMP/o.err")"
done
jq_eq "$TMP/o.json" '[.traces[].name | sub("^.*/all"; "all")]' '["all.zip:g.iotr","all.zip:sub/g2.iotr"]'
# an archive with an unusual name is recognised by its content
cp "$TMP/all.tar.zst" "$TMP/bundle.bin"
"$IOA" summary -f json "$TMP/bundle.bin" >"$TMP/o.json" 2>/dev/null || fail "bundle.bin exit"
expect_eq "archive found by content" "$(tot "$TMP/o.json")" "$REF"

# --- bad inputs ---
# a bigger trace (several chunks), cut in the middle, inside a tar
"$GEN" bench "$TMP/big.iotr" 300000 || exit 1
"$IOA" summary -f json "$TMP/big.iotr" >"$TMP/big.json" || fail "big exit"
BIG=$(jq .totals.ops "$TMP/big.json")
expect_eq "big trace events" "$BIG" 300000
size=$(stat -c %s "$TMP/big.iotr")
mkdir -p "$TMP/cut" && head -c $((size * 6 / 10)) "$TMP/big.iotr" >"$TMP/cut/big.iotr" && cp "$TMP/g.iotr" "$TMP/cut/"
(cd "$TMP/cut" && tar cf ../cut.tar big.iotr g.iotr)
"$IOA" summary -f json "$TMP/cut.tar" >"$TMP/cut.json" 2>"$TMP/cut.err"
expect_eq "truncated member: exit 0 (warning only)" $? 0
grep -q 'cut.tar:big.iotr' "$TMP/cut.err" || fail "warning names the member: $(cat "$TMP/cut.err")"
grep -qi 'byte' "$TMP/cut.err" || fail "warning gives a byte offset"
n=$(jq .totals.ops "$TMP/cut.json")
((n > 16 && n < BIG + 16)) && ok "truncated trace kept its complete chunks ($n events)" || fail "events after cut: $n"
jq_eq "$TMP/cut.json" '[.traces[] | .complete]' '[false,true]'
jq_eq "$TMP/cut.json" '[.processes[] | select(.comm == "writer") | .write_bytes]' '[1056868]'
"$IOA" summary "$TMP/cut.tar" 2>/dev/null | grep -q '^!! PARTIAL TRACE .*cut.tar:big.iotr' || fail "text report shows the partial trace"
"$IOA" info -f json "$TMP/cut/big.iotr" >"$TMP/info.json" || fail "info on cut trace"
jq_eq "$TMP/info.json" '.traces[0].integrity | [.status, .footer_ok, (.dropped_bytes > 0)]' '["recovered",false,true]'
"$IOA" info "$TMP/cut/big.iotr" | grep -q 'integrity   recovered (no valid index footer' || fail "info text"

# the archive itself cut short: what was read is still used
# cut inside the second member: header, g.iotr padded to 512, header, 600 bytes
gs=$(stat -c %s "$TMP/g.iotr")
head -c $(( 512 + (gs + 511) / 512 * 512 + 512 + 600 )) "$TMP/all.tar" >"$TMP/short.tar"
"$IOA" summary -f json "$TMP/short.tar" >"$TMP/short.json" 2>"$TMP/short.err"
jq_eq "$TMP/short.json" '.totals.ops >= 16' 'true'
grep -q 'short.tar' "$TMP/short.err" || fail "truncated archive is reported"

# a directory with a non-trace file and a fake trace
mkdir -p "$TMP/mixed" && cp "$TMP/g.iotr" "$TMP/g2.iotr" "$TMP/mixed/"
echo "not a trace" >"$TMP/mixed/notes.txt"
echo "garbage garbage garbage" >"$TMP/mixed/fake.iotr"
"$IOA" summary -f json "$TMP/mixed" >"$TMP/mixed.json" 2>"$TMP/mixed.err"
expect_eq "fake trace: exit 1 after the report" $? 1
expect_eq "good traces still analyzed" "$(tot "$TMP/mixed.json")" "$REF"
grep -q "error: $TMP/mixed/fake.iotr: .*not an iorec trace" "$TMP/mixed.err" || fail "fake.iotr error: $(cat "$TMP/mixed.err")"
grep -q "note: $TMP/mixed/notes.txt: skipped" "$TMP/mixed.err" || fail "notes.txt note"

# an empty archive, and nothing usable at all
tar cf "$TMP/empty.tar" -T /dev/null
"$IOA" summary "$TMP/empty.tar" >/dev/null 2>"$TMP/empty.err"
expect_eq "empty archive exit" $? 1
grep -q "empty.tar: no .iotr traces in this archive" "$TMP/empty.err" || fail "empty archive message: $(cat "$TMP/empty.err")"
"$IOA" summary -f json "$TMP/empty.tar" "$TMP/g.iotr" >"$TMP/e.json" 2>/dev/null
jq_eq "$TMP/e.json" '.totals.ops' '16'
"$IOA" summary /nonexistent.iotr 2>"$TMP/ne.err"; expect_eq "missing file exit" $? 1
grep -q '/nonexistent.iotr: No such file' "$TMP/ne.err" || fail "missing file message"
: >"$TMP/zero.iotr"
"$IOA" info "$TMP/zero.iotr" 2>"$TMP/z.err"; expect_eq "zero-length exit" $? 1
grep -q 'zero.iotr' "$TMP/z.err" || fail "zero-length message"

# --- dump ---
"$IOA" dump "$TMP/g.iotr" >"$TMP/dump.txt" || fail "dump exit"
expect_eq "dump lines" "$(wc -l <"$TMP/dump.txt")" 17
grep -q '^22:13:21.003000 writer\[100/100\] write(3</data/out.bin>, off=16384, 1048576) = 1048576 <0.001000>' "$TMP/dump.txt" || fail "dump write line"
grep -q 'openat("/etc/missing") = -1 ENOENT (No such file or directory) <0.000003>' "$TMP/dump.txt" || fail "dump error line"
grep -q 'LOSS 7 events from ebpf' "$TMP/dump.txt" || fail "dump loss line"
expect_eq "dump --pid 200" "$("$IOA" dump --pid 200 "$TMP/g.iotr" | wc -l)" 8
expect_eq "dump --stream loss" "$("$IOA" dump --stream loss "$TMP/g.iotr" | wc -l)" 1
# two nodes merged on time, host shown
"$IOA" dump "$TMP/g2.iotr" "$TMP/g.iotr" >"$TMP/d2.txt" || fail "dump two"
expect_eq "merged order" "$(awk '{print $2}' "$TMP/d2.txt" | uniq | tr '\n' ' ')" "node1 node2 "
sort -c "$TMP/d2.txt" || fail "dump lines in time order"
finish
