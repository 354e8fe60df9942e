#!/bin/sh
# Ingest benchmark: `orrery ingest` against `sqlite3 .import` on the same
# generated Online Retail file, interleaved in the same run.  See README.md.
#
#   make bench                      # builds ./orrery .build/gen_retail .build/rss
#   BENCH_LINES=100000 BENCH_RUNS=3 tests/bench/ingest.sh
#
# Knobs: BENCH_LINES (1000000) BENCH_RUNS (5) BENCH_SEED (1) BENCH_DIR (mktemp)
#        BENCH_OUT (also write the table there) BENCH_SAMPLE (sample CSV)
#        ORRERY (./orrery) SQLITE3 (sqlite3) GEN (.build/gen_retail) RSS (.build/rss)
# The table goes to stdout (and $BENCH_OUT), progress to stderr.  Exits
# non-zero if any command fails.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "ingest.sh: $*"; exit 1; }

# Paths given relative to the caller's directory stay valid after the cd.
case ${BENCH_OUT:-} in '' | /*) ;; *) BENCH_OUT=$PWD/$BENCH_OUT ;; esac
case ${BENCH_DIR:-} in '' | /*) ;; *) BENCH_DIR=$PWD/$BENCH_DIR ;; esac
case ${BENCH_SAMPLE:-} in '' | /*) ;; *) BENCH_SAMPLE=$PWD/$BENCH_SAMPLE ;; esac
cd "$(dirname "$0")/../.."

LINES=${BENCH_LINES:-1000000}
RUNS=${BENCH_RUNS:-5}
SEED=${BENCH_SEED:-1}
ORRERY=${ORRERY:-./orrery}
SQLITE3=${SQLITE3:-sqlite3}
GEN=${GEN:-.build/gen_retail}
RSS=${RSS:-.build/rss}

is_count() { case $1 in '' | *[!0-9]*) return 1 ;; esac; [ "$1" -gt 0 ]; }
is_count "$LINES" || die "BENCH_LINES must be a positive integer, got '$LINES'"
is_count "$RUNS" || die "BENCH_RUNS must be a positive integer, got '$RUNS'"
case $SEED in '' | *[!0-9]*) die "BENCH_SEED must be a non-negative integer, got '$SEED'" ;; esac

for t in "$GEN" "$RSS"; do
    [ -x "$t" ] || die "$t not built (run: make orrery .build/gen_retail .build/rss)"
done
command -v "$ORRERY" >/dev/null 2>&1 || die "orrery not found: $ORRERY (run: make orrery)"
command -v "$SQLITE3" >/dev/null 2>&1 || die "sqlite3 not found: $SQLITE3"

if [ -n "${BENCH_SAMPLE:-}" ]; then
    SAMPLE=$BENCH_SAMPLE
elif [ -r tests/fixtures/online-retail/online_retail.csv ]; then
    SAMPLE=tests/fixtures/online-retail/online_retail.csv
elif [ -r ../shared/data/online-retail/online_retail.csv ]; then
    SAMPLE=../shared/data/online-retail/online_retail.csv
else
    die "Online Retail sample not found (tests/fixtures/online-retail/online_retail.csv)"
fi
[ -r "$SAMPLE" ] || die "cannot read sample $SAMPLE"

# Work directory: our own temp dir is removed at exit; a given BENCH_DIR is
# kept (with the generated CSV in it), only the databases and logs go.
own_dir=0
if [ -n "${BENCH_DIR:-}" ]; then
    dir=$BENCH_DIR
    mkdir -p "$dir"
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-bench.XXXXXX")
    own_dir=1
fi
cleanup() {
    if [ "$own_dir" = 1 ]; then
        rm -rf "$dir"
    else
        rm -f "$dir"/o[0-9]*.db* "$dir"/s[0-9]*.db* "$dir"/*.log "$dir"/*.times
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

csv=$dir/retail-$LINES-seed$SEED.csv
say "generating $LINES lines from $SAMPLE (seed $SEED) ..."
"$GEN" "$SAMPLE" "$LINES" "$SEED" >"$csv" || die "gen_retail failed"
bytes=$(wc -c <"$csv" | tr -d ' ')
nl=$(wc -l <"$csv" | tr -d ' ')
[ "$nl" -eq $((LINES + 1)) ] || die "generated $nl lines, expected $((LINES + 1))"
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
say "input: $csv, $bytes bytes ($mb MiB), $nl lines (header + $LINES)"

otimes=$dir/orrery.times
stimes=$dir/sqlite3.times
: >"$otimes"
: >"$stimes"

# run_timed NAME TIMES LOG CMD...: time CMD under rss; on failure show its log.
run_timed() {
    name=$1 times=$2 log=$3
    shift 3
    if "$RSS" "$times" -- "$@" </dev/null >"$log" 2>&1; then
        return 0
    fi
    say "ingest.sh: $name failed (exit status $(tail -n 1 "$times" | awk '{ print $3 }')): $*"
    tail -n 20 "$log" >&2
    exit 1
}

run_orrery() {
    run_timed "orrery ingest" "$otimes" "$dir/o$i.log" \
        "$ORRERY" --db "$dir/o$i.db" ingest --format online_retail "$csv"
}
run_sqlite3() {
    run_timed "sqlite3 .import" "$stimes" "$dir/s$i.log" \
        "$SQLITE3" -init /dev/null "$dir/s$i.db" ".import --csv \"$csv\" t"
}
last() { tail -n 1 "$1" | awk '{ printf "%.3f s, %.1f MB", $1, $2 / 1024 }'; }

i=1
while [ "$i" -le "$RUNS" ]; do
    rm -f "$dir/o$i.db"* "$dir/s$i.db"*
    # Untimed: create the orrery database and schema.
    if ! "$ORRERY" --db "$dir/o$i.db" init </dev/null >"$dir/init.log" 2>&1; then
        say "ingest.sh: orrery init failed: $ORRERY --db $dir/o$i.db init"
        tail -n 20 "$dir/init.log" >&2
        exit 1
    fi
    # Alternate which tool goes first so neither always gets the warmer machine.
    if [ $((i % 2)) -eq 1 ]; then
        run_orrery
        run_sqlite3
    else
        run_sqlite3
        run_orrery
    fi
    if [ "$i" -eq 1 ]; then
        rows=$("$SQLITE3" -init /dev/null "$dir/s$i.db" "select count(*) from t" </dev/null)
        [ "$rows" = "$LINES" ] || die "sqlite3 imported $rows rows, expected $LINES"
    fi
    say "run $i/$RUNS: orrery $(last "$otimes"); sqlite3 $(last "$stimes")"
    rm -f "$dir/o$i.db"* "$dir/s$i.db"*
    i=$((i + 1))
done

# stats TIMES: "median min max peak_rss_kib" (median of an even count is the
# mean of the middle two).
stats() {
    sort -n -k1,1 "$1" | awk '
        { t[NR] = $1; if ($2 > rss) rss = $2 }
        END {
            med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
            print med, t[1], t[NR], rss
        }'
}
ostats=$(stats "$otimes")
sstats=$(stats "$stimes")

sqlite_version=$("$SQLITE3" -version | awk '{ print $1 }')
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[ -n "$cpu" ] || cpu=$(uname -m)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')

table() {
    printf '%s lines (%s MiB), %s runs, seed %s; sqlite3 %s; %s, %s CPUs\n\n' \
        "$LINES" "$mb" "$RUNS" "$SEED" "$sqlite_version" "$cpu" "$ncpu"
    printf '| tool | median s | min s | max s | peak RSS MB (max) | lines/s (median) |\n'
    printf '|---|---:|---:|---:|---:|---:|\n'
    row() {
        echo "$2" | awk -v name="$1" -v n="$LINES" '{
            printf "| %s | %.3f | %.3f | %.3f | %.1f | %d |\n",
                name, $1, $2, $3, $4 / 1024, ($1 > 0 ? n / $1 : 0) }'
    }
    row "orrery ingest" "$ostats"
    row "sqlite3 .import" "$sstats"
    printf '\n'
    echo "$ostats $sstats" | awk '{ printf "ratio orrery/sqlite3 = %.2fx\n", ($5 > 0 ? $1 / $5 : 0) }'
}

table
if [ -n "${BENCH_OUT:-}" ]; then
    table >"$BENCH_OUT"
    say "table written to $BENCH_OUT"
fi
