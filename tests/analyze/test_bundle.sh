#!/usr/bin/env bash
# scripts/bundle-traces.sh: traces of two nodes with the same file name end
# up under their host names in one archive, which ioanalyze reads in place
# with the same result as the loose files; --job keeps one job's traces.
. "$SRC/tests/analyze/lib.sh"
B=$SRC/scripts/bundle-traces.sh
mkdir -p "$TMP/n1" "$TMP/n2"
"$GEN" golden "$TMP/n1/run.iotr" && "$GEN" golden2 "$TMP/n2/run.iotr" || exit 1
"$GEN" disk "$TMP/n2/other.iotr" 1 "$SRC/tests/data/diskstats/vm-6.18-a.txt" || exit 1
"$IOA" summary -f json "$TMP/n1/run.iotr" "$TMP/n2/run.iotr" >"$TMP/ref.json" || fail "reference"

for ext in tar.zst tar.gz zip; do
	"$B" --ioanalyze "$IOA" -o "$TMP/job.$ext" --job J42 "$TMP/n1" "$TMP/n2" >"$TMP/b.out" || fail "bundle $ext"
	grep -q '2 trace(s)' "$TMP/b.out" || fail "$ext: count line: $(cat "$TMP/b.out")"
	"$IOA" summary -f json "$TMP/job.$ext" >"$TMP/s.json" || fail "summary of $ext"
	expect_eq "$ext totals" "$(jq -c .totals "$TMP/s.json")" "$(jq -c .totals "$TMP/ref.json")"
done
expect_eq "members" "$(tar --zstd -tf "$TMP/job.tar.zst" | grep iotr | sort | tr '\n' ' ')" "./node1/run.iotr ./node2/run.iotr "
expect_eq "mode" "$(stat -c %a "$TMP/job.tar.zst")" 600
# without --job the trace of no job comes along
"$B" --ioanalyze "$IOA" -o "$TMP/all.tar" "$TMP/n1" "$TMP/n2" >/dev/null || fail "bundle all"
expect_eq "all members" "$(tar -tf "$TMP/all.tar" | grep -c iotr)" 3
# refuses to overwrite, and complains clearly
"$B" --ioanalyze "$IOA" -o "$TMP/all.tar" "$TMP/n1" 2>"$TMP/e"; expect_eq "overwrite exit" $? 1
grep -q 'exists; not overwriting' "$TMP/e" || fail "overwrite message"
"$B" --ioanalyze "$IOA" -o "$TMP/x.tar" --job nope "$TMP/n1" 2>"$TMP/e"; expect_eq "no match exit" $? 1
grep -q 'no trace to bundle for job nope' "$TMP/e" || fail "no-match message"
"$B" 2>/dev/null; expect_eq "usage exit" $? 2
finish
