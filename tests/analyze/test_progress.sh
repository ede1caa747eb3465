#!/usr/bin/env bash
# The progress bar: drawn on stderr when it is a terminal (a pty from
# script(1)) and the work lasts long enough, absent when stderr is a pipe
# or with --no-progress; stdout is the same either way.
. "$SRC/tests/analyze/lib.sh"
command -v script >/dev/null || { echo "script(1) not installed"; exit 77; }
"$GEN" bench "$TMP/b.iotr" 3000000 || exit 1
export IOANALYZE_PROGRESS_AFTER_MS=0 IOANALYZE_WORKERS=1
script -qec "$IOA summary -f json $TMP/b.iotr 2>$TMP/tty.err >$TMP/tty.out" /dev/null </dev/null >/dev/null
# above stderr was a file (no bar); now stderr is the pty itself
script -qec "$IOA summary -f json $TMP/b.iotr >$TMP/tty2.out" "$TMP/typescript" </dev/null >/dev/null
grep -aq 'reading \[#*\.*\] *[0-9]*%' "$TMP/typescript" && ok "bar drawn on a terminal" || fail "no bar on a terminal: $(head -c 300 "$TMP/typescript" | od -c | head)"
[[ -s $TMP/tty.err ]] && fail "bar drawn on a file: $(head -c 100 "$TMP/tty.err")" || ok "no bar when stderr is a file"
script -qec "$IOA summary --no-progress -f json $TMP/b.iotr >/dev/null" "$TMP/ts3" </dev/null >/dev/null
grep -aq 'reading \[' "$TMP/ts3" && fail "--no-progress still draws" || ok "--no-progress"
cmp -s "$TMP/tty.out" "$TMP/tty2.out" && ok "same report either way" || fail "report differs with the bar"
finish
