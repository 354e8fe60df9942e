#!/bin/sh
# tests/ui/screenshots.sh - real captures of every pane of the console on
# the demo database: tmux capture-pane -e (ANSI), aha (ANSI -> HTML),
# headless Chromium (HTML -> PNG), into screenshots/.  `make screenshots`.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
ORRERY=${ORRERY:-$ROOT/orrery}
COLS=${SHOT_COLS:-120}
ROWS=${SHOT_ROWS:-34}
for tool in tmux aha chromium; do
	command -v $tool >/dev/null 2>&1 || { echo "screenshots: $tool is missing (apt-get install tmux aha chromium)" >&2; exit 69; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/orrery-shots.XXXXXX")
SOCK=$W/tmux.sock
trap 'tmux -S "$SOCK" kill-server 2>/dev/null; rm -rf "$W"' EXIT
DB=$W/demo.db
RULES=$ROOT/data/demo/rules

echo "screenshots: building the demo database" >&2
"$ORRERY" --db "$DB" init >/dev/null
# the demo's image products name their files relative to the database
ln -s "$ROOT/data" "$W/data"
"$ORRERY" --db "$DB" ingest "$ROOT"/data/demo/*.csv "$ROOT"/data/demo/*.jsonl >/dev/null
"$ORRERY" --db "$DB" --rules "$RULES" run --until-idle --max-seconds 300 --lease-seconds 600 >/dev/null 2>&1
"$ORRERY" --db "$DB" kpi collect >/dev/null
"$ORRERY" --db "$DB" kpi baseline save first-week >/dev/null
# a little history for the Jobs pane: canaries, one of them failing for good
"$ORRERY" --db "$DB" jobs enqueue system.canary --args '{"ms": 5}' --count 40 --key shot >/dev/null
"$ORRERY" --db "$DB" jobs enqueue system.canary --args '{"permanent": true, "fail_attempts": 9}' --key shot-bad >/dev/null
"$ORRERY" --db "$DB" --rules "$RULES" run --until-idle --max-seconds 60 >/dev/null 2>&1
"$ORRERY" --db "$DB" jobs enqueue system.canary --args '{"ms": 5}' --count 6 --key shot-queued >/dev/null

tmux -S "$SOCK" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
	"env TERM=screen-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $ORRERY --db $DB --rules $RULES console"
sleep 1

# shot NAME KEYS...: send the keys, let the console redraw, capture.
shot() {
	name=$1
	shift
	for k in "$@"; do
		tmux -S "$SOCK" send-keys -t shot "$k"
		sleep 0.4
	done
	sleep 1.2
	tmux -S "$SOCK" capture-pane -e -p -t shot >"$W/$name.ansi"
	aha --black --title "orrery $name" <"$W/$name.ansi" |
		sed 's|</head>|<style>body{margin:0;background:#000}pre{font:15px/18px "DejaVu Sans Mono",monospace;margin:6px}</style></head>|' \
			>"$W/$name.html"
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$W/chrome" --hide-scrollbars \
		--window-size=$((COLS * 9 + 12)),$((ROWS * 18 + 12)) \
		--screenshot="$ROOT/screenshots/$name.png" "file://$W/$name.html" >/dev/null 2>&1
	echo "screenshots: screenshots/$name.png" >&2
}

shot 1-audit 1
shot 2-audit-rows Enter
shot 3-map Escape 2
shot 4-map-list v
shot 5-rules v 3
shot 6-rule-explain Enter
shot 7-jobs Escape 4
shot 8-kpis 5
# the newest approval is the image fix: its before/after previews render on
# the loader thread, after the KPI pane's comparison it may still be running
tmux -S "$SOCK" send-keys -t shot 6
sleep 5
shot 9-approvals
shot 10-approval Enter
shot 11-help Escape '?'
