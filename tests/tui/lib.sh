# lib.sh - drive the real ioview binary in a private tmux server.
#
#   . "$SRC/tests/tui/lib.sh"
#   tui_init                         temp dir, golden trace in $GOLDEN
#   tui_start 120 30 ARGS...         run ioview in a WxH pane
#   tui_wait 'regex' [secs]          until the screen matches (else fail)
#   tui_keys Right Tab ...           tmux send-keys
#   tui_screen                       the screen as text (tui_screen -e: with attributes)
#   tui_row 1002                     the table line of the row whose first column is 1002
#   tui_fail "why"                   print the screen and exit 1
#
# The pane runs `ioview ...; echo IOVIEW-EXIT=$?; stty -a ...` so tests can
# check the exit status and that the terminal was left sane.
set -u

: "${BUILD:?}" "${SRC:?}"
BIN=${BIN:-$BUILD/bin}
IOVIEW=$BIN/ioview
GOLDGEN=$BUILD/tests/ioview-golden
# One tmux server per tui_start (a server being killed cannot be reused
# at once); all are killed on exit.
TUI_N=0
TUI_SOCKS=()
TUI_T="tmux -f /dev/null -L ioview-test-$$-0"

tui_cleanup() {
	local s
	for s in "${TUI_SOCKS[@]}"; do
		tmux -L "$s" kill-server 2>/dev/null
		rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$s"
	done
	[[ -n ${TUI_TMP:-} ]] && rm -rf "$TUI_TMP"
}

tui_skip_if_missing() {
	command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }
	[[ -x $IOVIEW && -x $GOLDGEN ]] || { echo "ioview or ioview-golden not built"; exit 1; }
}

tui_init() {
	tui_skip_if_missing
	TUI_TMP=$(mktemp -d /tmp/ioview-test.XXXXXX)
	trap tui_cleanup EXIT
	GOLDEN=$TUI_TMP/golden.iotr
	"$GOLDGEN" "$GOLDEN" || { echo "cannot write the golden trace"; exit 1; }
}

# tui_start W H [ENV=VALUE...] -- ARGS...   (env assignments before --)
tui_start() {
	local w=$1 h=$2
	shift 2
	# TERM stays tmux's own (its key sequences must match the terminfo).
	local envs=(LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC)
	while (($#)) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
	[[ ${1:-} == -- ]] && shift
	local q cmd=""
	for q in "$@"; do cmd+=" $(printf '%q' "$q")"; done
	$TUI_T kill-server 2>/dev/null
	TUI_N=$((TUI_N + 1))
	TUI_SOCKS+=("ioview-test-$$-$TUI_N")
	TUI_T="tmux -f /dev/null -L ioview-test-$$-$TUI_N"
	$TUI_T new-session -d -s main -x "$w" -y "$h" \
		"env ${envs[*]} $IOVIEW$cmd; echo IOVIEW-EXIT=\$?; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(echo|icanon)' | tr '\\n' ' '; echo STTY-END; sleep 600"
}

tui_screen() {
	$TUI_T capture-pane -p "$@" -t main
}

tui_fail() {
	echo "FAIL: $*"
	echo "---- screen ----"
	tui_screen
	echo "----------------"
	exit 1
}

tui_wait() { # regex [timeout seconds]
	local re=$1 limit=${2:-5}
	local end=$((SECONDS + limit + 1))
	while ((SECONDS < end)); do
		tui_screen | grep -qE -- "$re" && return 0
		sleep 0.05
	done
	tui_fail "screen never matched /$re/ within ${limit}s"
}

tui_wait_not() { # regex [timeout]: until the regex no longer matches
	local re=$1 limit=${2:-5}
	local end=$((SECONDS + limit + 1))
	while ((SECONDS < end)); do
		tui_screen | grep -qE -- "$re" || return 0
		sleep 0.05
	done
	tui_fail "screen still matches /$re/ after ${limit}s"
}

tui_keys() {
	$TUI_T send-keys -t main "$@"
}

tui_text() { # literal text (UTF-8 allowed)
	$TUI_T send-keys -t main -l -- "$1"
}

tui_row() { # first column value -> that table line (first match)
	tui_screen | awk -v k="$1" '$1 == k { print; exit }'
}

# Order of the table's first column values (rows below the column header).
tui_first_col() {
	tui_screen | awk '/^ *PID /{on=1; next} on && NF { print $1 }' | grep -E '^[0-9]+$' | tr '\n' ' '
}

tui_expect_row() { # key regex
	local line
	line=$(tui_row "$1")
	[[ $line =~ $2 ]] || tui_fail "row $1 is '$line', expected /$2/"
}

tui_quit_and_check() { # quit with q, expect exit 0 and a sane terminal
	tui_keys q
	tui_wait 'STTY-END' 5
	tui_screen | grep -q 'IOVIEW-EXIT=0' || tui_fail "ioview did not exit 0"
	tui_screen | grep -qE '(^| )-echo( |$)|(^| )-icanon( |$)' && tui_fail "terminal left without echo/icanon"
	tui_screen | grep -qE '(^| )echo icanon( |$)|(^| )icanon echo( |$)' || tui_fail "stty did not report echo and icanon"
	return 0
}
