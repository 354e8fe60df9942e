#!/bin/sh
# Audit benchmark: after ingesting the generated Online Retail file (the
# same generator as tests/bench/ingest.sh), time `orrery audit` against
# `mlr --icsv summary` and `csvstat` on the same CSV in the same run.
#
#   make orrery .build/gen_retail .build/rss
#   tests/bench/audit.sh                          # 1,000,000 lines, 3 runs
#   BENCH_LINES=100000 BENCH_RUNS=1 tests/bench/audit.sh
#
# orrery audits the database (37 checks, every failing row stored, scores,
# and a profile of every column of every table); mlr summary and csvstat
# profile the columns of the one CSV file.  csvstat is slow, so it runs
# once whatever BENCH_RUNS says, and BENCH_CSVSTAT=0 leaves it out (for
# quick iterations).  Knobs: BENCH_LINES (1000000), BENCH_RUNS (3, medians),
# BENCH_SEED (1), BENCH_CSVSTAT (1), ORRERY, MLR, CSVSTAT, GEN, RSS.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "audit.sh: $*"; exit 1; }
cd "$(dirname "$0")/../.."

LINES=${BENCH_LINES:-1000000}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
ORRERY=${ORRERY:-./orrery}
MLR=${MLR:-mlr}
CSVSTAT=${CSVSTAT:-csvstat}
GEN=${GEN:-.build/gen_retail}
RSS=${RSS:-.build/rss}
WITH_CSVSTAT=${BENCH_CSVSTAT:-1}

for t in "$GEN" "$RSS" "$ORRERY"; do
    [ -x "$t" ] || die "$t not built (run: make orrery .build/gen_retail .build/rss)"
done
tools=$MLR
[ "$WITH_CSVSTAT" = 0 ] || tools="$tools $CSVSTAT"
for t in $tools; do
    command -v "$t" >/dev/null 2>&1 ||
        die "$t not found (apt-get install miller csvkit)"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-bench-audit.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
csv=$dir/retail.csv
db=$dir/audit.db

say "generating $LINES lines ..."
"$GEN" tests/fixtures/online-retail/online_retail.csv "$LINES" "$SEED" >"$csv" ||
    die "gen_retail failed"
say "ingesting ..."
"$ORRERY" --db "$db" init >/dev/null
"$ORRERY" --db "$db" ingest "$csv" >/dev/null || die "ingest failed"

# time TOOL ARGS...: one run, its wall seconds and peak RSS appended to $dir/TOOL
time_run() {
    tool=$1
    shift
    "$RSS" "$dir/$tool.times" -- "$@" >/dev/null 2>"$dir/$tool.err" ||
        die "$tool failed: $(head -n 3 "$dir/$tool.err")"
}

i=1
while [ "$i" -le "$RUNS" ]; do
    say "run $i/$RUNS ..."
    time_run orrery "$ORRERY" --db "$db" audit --format json
    time_run mlr "$MLR" --icsv --ojson summary "$csv"
    i=$((i + 1))
done
if [ "$WITH_CSVSTAT" != 0 ]; then
    say "csvstat (once) ..."
    time_run csvstat "$CSVSTAT" "$csv"
fi

# median wall seconds and max RSS (MB) of a tool's runs
median() { sort -n -k1,1 "$dir/$1.times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
peak() { awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$dir/$1.times"; }

o=$(median orrery)
m=$(median mlr)
printf '%s lines, orrery and mlr median of %s runs, csvstat 1 run\n\n' "$LINES" "$RUNS"
printf '| tool | what it does | wall s | peak RSS MB | orrery is faster by |\n|---|---|---:|---:|---:|\n'
printf '| orrery audit | 37 checks over the database, every failing row stored, scores, profiles of every table | %s | %s | - |\n' "$o" "$(peak orrery)"
printf '| mlr --icsv summary | column summary of the CSV | %s | %s | %.1fx |\n' "$m" "$(peak mlr)" "$(echo "$m $o" | awk '{ print $1 / $2 }')"
if [ "$WITH_CSVSTAT" != 0 ]; then
    c=$(median csvstat)
    printf '| csvstat | column statistics of the CSV | %s | %s | %.1fx |\n' "$c" "$(peak csvstat)" "$(echo "$c $o" | awk '{ print $1 / $2 }')"
fi
printf '\ngoal: 3x faster than mlr summary, 30x faster than csvstat\n'
