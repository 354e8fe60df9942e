#!/bin/sh
# Console benchmark: on a database of 1,000,000 products (one variant each,
# audited) and 100,000 jobs, the real console's
#   - time to the first complete frame (`console --frames 1`, output to a file)
#   - pane switch time: the data load plus the draw of the frame after each
#     of the keys 2 3 4 5 6 1 (--timings writes them per frame), the slowest
#     of the six panes and their median
#   - peak RSS over a visit of every pane
#   - bytes per second written to the terminal while idle (60 refresh cycles,
#     12 s, nothing pressed)
# and htop's start-up on the same machine in the same run, as a reference:
# time until its first screen is written and has settled, peak RSS, idle
# bytes per second.  Medians of BENCH_RUNS runs.
#
#   make bench-console          (builds orrery and .build/rss first)
#   BENCH_PRODUCTS=100000 BENCH_JOBS=10000 BENCH_RUNS=3 tests/bench/console.sh
#
# The table goes to stdout, progress to stderr.  Not part of the test suite.
set -eu
say() { printf '%s\n' "$*" >&2; }
die() { say "console.sh: $*"; exit 1; }

cd "$(dirname "$0")/../.."
ORRERY=${ORRERY:-$PWD/orrery}
RSS=${RSS:-$PWD/.build/rss}
P=${BENCH_PRODUCTS:-1000000}
J=${BENCH_JOBS:-100000}
RUNS=${BENCH_RUNS:-5}
COLS=${BENCH_COLS:-120}
ROWS=${BENCH_ROWS:-40}
[ -x "$ORRERY" ] || die "no $ORRERY (make orrery)"
[ -x "$RSS" ] || die "no $RSS (make .build/rss)"
command -v sqlite3 >/dev/null || die "sqlite3 is needed to fill the database"
HTOP=$(command -v htop || true)
[ -n "$HTOP" ] || say "note: htop not installed (apt-get install htop): no reference row"

W=$(mktemp -d "${TMPDIR:-/tmp}/orrery-console-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
DB=$W/bench.db
export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 COLUMNS=$COLS LINES=$ROWS

now_ms() { date +%s%3N; }

say "building: $P products, $J jobs"
"$ORRERY" --db "$DB" init >/dev/null
sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode = WAL; -- prints "wal"
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $P)
INSERT INTO products (origin, key, title, category, weight_g)
SELECT 'bench', 'p' || i, CASE WHEN i % 17 = 0 THEN NULL ELSE 'Product ' || i END,
       'cat' || (i % 40), CASE WHEN i % 23 = 0 THEN NULL ELSE 100 + i % 900 END FROM n;
INSERT INTO variants (product_id, position, sku, price_minor, currency)
SELECT id, 1, 'SKU-' || id, CASE WHEN id % 31 = 0 THEN NULL ELSE 100 + id % 9000 END, 'EUR'
FROM products;
COMMIT;
SQL
"$ORRERY" --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --count "$J" --key b >/dev/null
# A week of a busy queue: the jobs spread over the last 7 days (ids in
# time order, as the queue writes them), a spread of states.  BENCH_RECENT=1
# puts them all in the last minute instead: the worst case for the windowed
# counts of the Map and Jobs panes.
span=$((7 * 24 * 3600 * 1000))
[ "${BENCH_RECENT:-0}" = 1 ] && span=60000
sqlite3 "$DB" "UPDATE jobs SET created_at = created_at - $span + $span * id / $J,
	state = CASE id % 10 WHEN 0 THEN 'dead' WHEN 1 THEN 'failed'
	WHEN 2 THEN 'queued' ELSE 'succeeded' END, attempts = 1;
	UPDATE jobs SET run_after = created_at, started_at = created_at + 5,
	finished_at = CASE WHEN state = 'queued' THEN NULL ELSE created_at + 9 END,
	last_error = CASE id % 10 WHEN 0 THEN 'gave up' WHEN 1 THEN 'timeout' END"
say "auditing the database once (the Audit pane shows the latest run)"
"$ORRERY" --db "$DB" audit run >/dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run_frames OUT FRAMES KEYS: wall ms of one console run, its output to OUT
run_frames() {
	t0=$(now_ms)
	"$ORRERY" --db "$DB" console --frames "$2" --keys "$3" </dev/null >"$1"
	echo $(($(now_ms) - t0))
}

# first_screen_ms OUT CMD...: start CMD with output to OUT and stdin a silent
# pipe; the time until OUT has stopped growing for 100 ms (a frame written
# and settled).  CMD is then stopped.
first_screen_ms() {
	out=$1
	shift
	t0=$(now_ms)
	(sleep 30 | "$@" >"$out" 2>/dev/null) &
	pid=$!
	last=0 since=$t0 size=0
	while :; do
		size=$(stat -c %s "$out" 2>/dev/null || echo 0)
		t=$(now_ms)
		if [ "$size" != "$last" ]; then last=$size; since=$t
		elif [ "$size" -gt 0 ] && [ $((t - since)) -ge 100 ]; then break
		fi
		[ $((t - t0)) -gt 20000 ] && break
		sleep 0.005
	done
	pkill -P $pid 2>/dev/null || true
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	echo $((since - t0))
}

# idle_bps OUT SECONDS CMD...: bytes per second written after the first screen
idle_bps() {
	out=$1 secs=$2
	shift 2
	(sleep $((secs + 5)) | timeout "$((secs + 2))" "$@" >"$out" 2>/dev/null) || true
	first=$(head -c 100000000 "$out" | wc -c)
	echo "$first"
}

: >"$W/first" ; : >"$W/switch" ; : >"$W/switch_max" ; : >"$W/arrive" ; : >"$W/rss" ; : >"$W/htop_first" ; : >"$W/htop_rss"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	say "run $i of $RUNS"
	one=$(run_frames "$W/f1" 1 "")
	rm -f "$W/timings"
	# 30 frames: the six switches, then ticks enough for the loader's data
	sleep 8 | "$ORRERY" --db "$DB" console --frames 30 --keys 234561 --timings "$W/timings" >/dev/null
	echo "$one" >>"$W/first"
	# frame lines: frame pane load|- load_ms draw_ms; "# PANE data in MS" when
	# the loader's data for a pane arrives (Map, Jobs)
	awk '!/^#/ && $1 > 0 { t = $4 + $5; if (t > max) max = t } END { print max }' "$W/timings" >>"$W/switch_max"
	awk '!/^#/ && $1 > 0 { print $4 + $5 }' "$W/timings" >>"$W/switch"
	awk '/^#/ { print $5 }' "$W/timings" >>"$W/arrive"
	"$RSS" "$W/rss.raw" -- "$ORRERY" --db "$DB" console --frames 7 --keys 234561 </dev/null >/dev/null
	tail -1 "$W/rss.raw" | awk '{ printf "%.1f\n", $2 / 1024 }' >>"$W/rss"
	if [ -n "$HTOP" ]; then
		first_screen_ms "$W/h1" "$HTOP" >>"$W/htop_first"
		"$RSS" "$W/hrss.raw" -- timeout 2 "$HTOP" </dev/null >/dev/null 2>&1 || true
		tail -1 "$W/hrss.raw" | awk '{ printf "%.1f\n", $2 / 1024 }' >>"$W/htop_rss"
	fi
done
ofirst_screen=$(first_screen_ms "$W/o1" "$ORRERY" --db "$DB" console)

say "idle output: 12 s each"
frames_one=$(wc -c <"$W/f1")
t0=$(now_ms)
sleep 14 | "$ORRERY" --db "$DB" console --frames 60 >"$W/idle" 2>/dev/null
t1=$(now_ms)
idle_bytes=$(( $(wc -c <"$W/idle") - frames_one ))
orrery_bps=$(awk -v b="$idle_bytes" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", b / (ms / 1000) }')
htop_bps=-
if [ -n "$HTOP" ]; then
	sleep 14 | timeout 13 "$HTOP" >"$W/hidle" 2>/dev/null || true
	hfirst=$(wc -c <"$W/h1")
	htop_bps=$(awk -v b="$(( $(wc -c <"$W/hidle") - hfirst ))" 'BEGIN { printf "%.0f", b / 13 }')
fi

first=$(median <"$W/first")
switch=$(median <"$W/switch")
switch_max=$(median <"$W/switch_max")
arrive=$(sort -n "$W/arrive" | tail -1)
rss=$(median <"$W/rss")
hfirst=$( [ -n "$HTOP" ] && median <"$W/htop_first" || echo -)
hrss=$( [ -n "$HTOP" ] && median <"$W/htop_rss" || echo -)
cat <<TABLE
Console at ${COLS}x${ROWS}, $P products, $J jobs over $((span / 60000)) minutes, median of $RUNS runs:

| measure | orrery console | htop $( [ -n "$HTOP" ] && "$HTOP" --version | head -1 | awk '{print $2}') | goal |
|---|---:|---:|---|
| first complete frame, ms (--frames 1, process start to exit) | $first | - | <= 100 |
| first screen written and settled, ms (same method for both) | $ofirst_screen | $hfirst | - |
| pane switch, ms (data load + draw), median over the six panes | $switch | - | <= 16 |
| pane switch, ms, the slowest pane | $switch_max | - | <= 16 |
| data of the Map and Jobs panes (loader thread) arrives, ms, slowest | ${arrive:--} | - | - |
| peak RSS, MB | $rss | $hrss | <= 40 |
| idle output, bytes/s | $orrery_bps | $htop_bps | < 200 |
TABLE
