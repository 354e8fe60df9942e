#!/bin/sh
# Job queue benchmark: events -> rule -> jobs -> workers, end to end, against
# a raw SQLite INSERT loop of the same row count in the same run.
#
#   make orrery .build/rss
#   tests/bench/jobs.sh                               # 100,000 events, 3 runs
#   BENCH_EVENTS=20000 BENCH_RUNS=1 tests/bench/jobs.sh
#
# Each run, on a fresh database:
#   1. `orrery emit bench.tick --count N`                 (timed apart: "emit")
#   2. `orrery --rules R run --workers 2 --until-idle --format json` with one
#      rule enqueuing system.canary {"ms":0} keyed "tick-{{event.id}}"
#      (timed: "end to end": every event handled, every job run, every
#      job.succeeded event handled)
#   3. checks: N jobs succeeded, N canary_runs with N distinct keys
#   4. event-to-start latency per job, in SQL: jobs.started_at (Unix ms)
#      minus events.time ("YYYY-MM-DDTHH:MM:SS.mmmZ" as Unix ms), p50 and p99
#   5. raw `sqlite3 db <file` (WAL, synchronous=NORMAL) inserting N rows
#      into a table made from orrery's own `jobs` schema (with its indexes),
#      one INSERT per row: in autocommit (one transaction per row), and
#      again all inside one transaction.  The SQL files are generated (awk)
#      before anything is timed.
# Orrery and sqlite3 alternate which goes first from run to run.
#
# Knobs: BENCH_EVENTS (100000) BENCH_RUNS (3, medians reported)
#        BENCH_OUT (work directory; default a mktemp dir, removed at exit; a
#        given one is kept with the logs and results.md, databases removed)
#        ORRERY (./orrery) SQLITE3 (sqlite3) RSS (.build/rss, optional: adds
#        peak RSS) WORKERS (2)
# The table goes to stdout (and results.md in the work directory), progress
# to stderr.  Exits non-zero if any command or check fails.  Not part of the
# test suite.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "jobs.sh: $*"; exit 1; }

case ${BENCH_OUT:-} in '' | /*) ;; *) BENCH_OUT=$PWD/$BENCH_OUT ;; esac
# A relative ORRERY that exists from here is the caller's; else the repo's.
case ${ORRERY:-} in
'' | /*) ;;
*) if [ -e "$ORRERY" ]; then ORRERY=$PWD/$ORRERY; fi ;;
esac
cd "$(dirname "$0")/../.."

N=${BENCH_EVENTS:-100000}
RUNS=${BENCH_RUNS:-3}
WORKERS=${WORKERS:-2}
ORRERY=${ORRERY:-./orrery}
SQLITE3=${SQLITE3:-sqlite3}
RSS=${RSS:-.build/rss}

is_count() { case $1 in '' | *[!0-9]*) return 1 ;; esac; [ "$1" -gt 0 ]; }
is_count "$N" || die "BENCH_EVENTS must be a positive integer, got '$N'"
is_count "$RUNS" || die "BENCH_RUNS must be a positive integer, got '$RUNS'"
is_count "$WORKERS" || die "WORKERS must be a positive integer, got '$WORKERS'"
command -v "$ORRERY" >/dev/null 2>&1 || die "orrery not found: $ORRERY (run: make orrery)"
command -v "$SQLITE3" >/dev/null 2>&1 || die "sqlite3 not found: $SQLITE3"
[ -x "$RSS" ] || { say "note: $RSS not built (make .build/rss): no peak RSS"; RSS=; }

own_dir=0
if [ -n "${BENCH_OUT:-}" ]; then
    dir=$BENCH_OUT
    mkdir -p "$dir"
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-jobs-bench.XXXXXX")
    own_dir=1
fi
cleanup() {
    if [ "$own_dir" = 1 ]; then
        rm -rf "$dir"
    else
        rm -f "$dir"/*.db "$dir"/*.db-wal "$dir"/*.db-shm
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- timing ----------------------------------------------------------------------

# timed NAME LOG CMD...: run CMD with stdin from /dev/null, stdout+stderr to
# LOG; sets SECS (wall seconds) and KIB (peak RSS, 0 without rss).
timed() {
    t_name=$1 t_log=$2
    shift 2
    t_times=$dir/.times
    : >"$t_times"
    if [ -n "$RSS" ]; then
        if ! "$RSS" "$t_times" -- "$@" </dev/null >"$t_log" 2>&1; then
            say "jobs.sh: $t_name failed: $*"
            tail -n 20 "$t_log" >&2
            exit 1
        fi
        SECS=$(awk '{ print $1 }' "$t_times")
        KIB=$(awk '{ print $2 }' "$t_times")
    else
        t0=$(date +%s%N)
        if ! "$@" </dev/null >"$t_log" 2>&1; then
            say "jobs.sh: $t_name failed: $*"
            tail -n 20 "$t_log" >&2
            exit 1
        fi
        t1=$(date +%s%N)
        SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
        KIB=0
    fi
}

q() { "$SQLITE3" -batch -noheader -init /dev/null "$@" </dev/null; }

# --- inputs, generated once -----------------------------------------------------------

rules=$dir/rules
mkdir -p "$rules"
cat >"$rules/bench.json" <<'EOF'
{"name": "bench-tick", "description": "jobs.sh: one canary per tick", "on": "bench.tick",
 "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "key": "tick-{{event.id}}"}}]}
EOF

# The raw side's table: orrery's own jobs schema, indexes included.
rm -f "$dir/schema.db"*
"$ORRERY" --db "$dir/schema.db" init </dev/null >/dev/null 2>&1 || die "orrery init failed"
jobs_schema=$(q "$dir/schema.db" ".schema jobs")
rm -f "$dir/schema.db"*
[ -n "$jobs_schema" ] || die "no jobs table in orrery's schema"

say "generating $N INSERT statements ..."
rows() {
    awk -v n="$N" 'BEGIN {
        t = 1795000000000
        for (i = 1; i <= n; i++)
            printf "INSERT INTO jobs (kind, subsystem, run_after, max_attempts, idempotency_key, args, event_id, depth, rule, created_at) VALUES (\047system.canary\047, \047system\047, %d, 5, \047tick-%d\047, \047{\"ms\":0}\047, %d, 0, \047bench-tick\047, %d);\n", t + i, i, i, t + i
    }'
}
{
    printf 'PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n%s\n' "$jobs_schema"
    rows
} >"$dir/autocommit.sql"
{
    printf 'PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n%s\nBEGIN;\n' "$jobs_schema"
    rows
    printf 'COMMIT;\n'
} >"$dir/onetx.sql"

# --- runs ---------------------------------------------------------------------------------

res=$dir/runs.tsv
: >"$res"

run_orrery() {
    db=$dir/o$i.db
    rm -f "$db"*
    "$ORRERY" --db "$db" init </dev/null >/dev/null 2>&1 || die "orrery init failed"
    timed "orrery emit" "$dir/emit$i.log" "$ORRERY" --db "$db" emit bench.tick --count "$N"
    emit_s=$SECS
    timed "orrery run" "$dir/run$i.log" \
        "$ORRERY" --db "$db" --rules "$rules" run --workers "$WORKERS" --until-idle --format json
    run_s=$SECS run_kib=$KIB
    ok=$(q "$db" "SELECT count(*) FROM jobs WHERE state = 'succeeded'")
    cr=$(q "$db" "SELECT count(*) || ' ' || count(DISTINCT key) FROM canary_runs")
    [ "$ok" = "$N" ] || die "run $i: $ok of $N jobs succeeded (see $dir/run$i.log)"
    [ "$cr" = "$N $N" ] || die "run $i: canary_runs has '$cr' (rows, distinct keys), expected '$N $N'"
    handled=$(q "$db" "SELECT json_extract(CAST(readfile('$dir/run$i.log') AS TEXT), '\$.events')")
    # event-to-start latency in ms, one row per job
    lat=$(q "$db" "
        WITH l AS (SELECT j.started_at - CAST(round((julianday(e.time) - 2440587.5) * 86400000) AS INTEGER) AS ms
                   FROM jobs j JOIN events e ON e.id = j.event_id),
             c AS (SELECT count(*) AS n FROM l)
        SELECT (SELECT ms FROM l ORDER BY ms LIMIT 1 OFFSET (SELECT n * 50 / 100 FROM c)) || ' ' ||
               (SELECT ms FROM l ORDER BY ms LIMIT 1 OFFSET (SELECT min(n - 1, n * 99 / 100) FROM c))")
    rm -f "$db"*
}

run_raw() {
    rm -f "$dir/s$i.db"* "$dir/t$i.db"*
    timed "sqlite3 autocommit" "$dir/raw$i.log" sh -c 'exec "$0" -batch -init /dev/null "$1" <"$2"' "$SQLITE3" "$dir/s$i.db" "$dir/autocommit.sql"
    raw_s=$SECS
    timed "sqlite3 one transaction" "$dir/tx$i.log" sh -c 'exec "$0" -batch -init /dev/null "$1" <"$2"' "$SQLITE3" "$dir/t$i.db" "$dir/onetx.sql"
    tx_s=$SECS
    got=$(q "$dir/s$i.db" "SELECT count(*) FROM jobs")
    [ "$got" = "$N" ] || die "sqlite3 inserted $got rows, expected $N"
    rm -f "$dir/s$i.db"* "$dir/t$i.db"*
}

i=1
while [ "$i" -le "$RUNS" ]; do
    if [ $((i % 2)) -eq 1 ]; then
        run_orrery
        run_raw
    else
        run_raw
        run_orrery
    fi
    p50=${lat% *} p99=${lat#* }
    printf '%s %s %s %s %s %s %s %s\n' "$emit_s" "$run_s" "$handled" "$p50" "$p99" "$raw_s" "$tx_s" "$run_kib" >>"$res"
    say "run $i/$RUNS: emit ${emit_s}s; run ${run_s}s ($handled events, latency p50/p99 ms: $p50/$p99); sqlite3 autocommit ${raw_s}s, one transaction ${tx_s}s"
    i=$((i + 1))
done

# --- report -------------------------------------------------------------------------------

# median COLUMN: the median of that column of runs.tsv.
median() {
    awk -v c="$1" '{ print $c }' "$res" | sort -g | awk '
        { v[NR] = $1 }
        END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
emit_m=$(median 1)
run_m=$(median 2)
ev_m=$(median 3)
p50_m=$(median 4)
p99_m=$(median 5)
raw_m=$(median 6)
tx_m=$(median 7)
kib_max=$(awk '$8 > m { m = $8 } END { print m + 0 }' "$res")

sqlite_version=$("$SQLITE3" -version | awk '{ print $1 }')
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[ -n "$cpu" ] || cpu=$(uname -m)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')

table() {
    awk -v n="$N" -v runs="$RUNS" -v w="$WORKERS" -v emit="$emit_m" -v run="$run_m" -v ev="$ev_m" \
        -v p50="$p50_m" -v p99="$p99_m" -v raw="$raw_m" -v tx="$tx_m" -v kib="$kib_max" \
        -v sv="$sqlite_version" -v cpu="$cpu" -v ncpu="$ncpu" '
    function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
    BEGIN {
        printf "%d events -> %d jobs, %d workers, median of %d runs; sqlite3 %s; %s, %s CPUs\n\n", n, n, w, runs, sv, cpu, ncpu
        printf "| metric | orrery | raw insert | ratio |\n|---|---:|---:|---:|\n"
        printf "| wall s, end to end vs autocommit loop (%d INSERTs, one transaction each) | %.3f | %.3f | %s |\n", n, run, raw, ratio(run, raw)
        printf "| wall s, end to end vs the same loop in one transaction | %.3f | %.3f | %s |\n", run, tx, ratio(run, tx)
        printf "| jobs/s (rows/s for sqlite3 autocommit) | %d | %d | %s |\n", n / run, n / raw, ratio(n / run, n / raw)
        printf "| events/s handled by the engine (ticks + job.succeeded) | %d | - | - |\n", ev / run
        printf "| event-to-start latency p50 ms | %d | - | - |\n", p50
        printf "| event-to-start latency p99 ms | %d | - | - |\n", p99
        printf "| emit of %d events, s (not in end to end) | %.3f | - | - |\n", n, emit
        if (kib > 0) printf "| peak RSS MB of run (max) | %.1f | - | - |\n", kib / 1024
        printf "\n"
        jps = n / run
        met = (jps >= 20000) ? "MET" : "NOT MET"
        printf "goal: >= 20000 jobs/s end to end: %s (%d jobs/s)\n", met, jps
        met = (raw > 0 && run / raw <= 3) ? "MET" : "NOT MET"
        r1 = (raw > 0) ? run / raw : 0
        r2 = (tx > 0) ? run / tx : 0
        printf "goal: <= 3x the raw insert time (autocommit loop): %s (%.2fx; %.2fx against one transaction)\n", met, r1, r2
    }'
}

table
table >"$dir/results.md"
[ "$own_dir" = 1 ] || say "table written to $dir/results.md"
