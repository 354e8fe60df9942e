#!/bin/sh
# Customer-context benchmark: after ingesting the generated Online Retail
# file (the generator of tests/bench/ingest.sh), time `orrery context
# customer KEY --format json` for the busiest customers against the one
# hand-written query a support script would otherwise run with `sqlite3
# -json` (the customer's orders and lines with titles and stock, nothing
# derived), in the same run; then again on a copy without the indexes of
# migration 013, to show what they buy.
#
#   make orrery .build/gen_retail
#   tests/bench/context.sh                        # 1,000,000 lines, 100 customers
#   BENCH_LINES=100000 BENCH_LOOKUPS=20 tests/bench/context.sh
#
# Each lookup is one process, as a chatbot's tool call would be: the times
# include start-up.  Knobs: BENCH_LINES (1000000), BENCH_LOOKUPS (100),
# BENCH_SEED (1), ORRERY, SQLITE3, GEN.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "context.sh: $*"; exit 1; }
cd "$(dirname "$0")/../.."

LINES=${BENCH_LINES:-1000000}
LOOKUPS=${BENCH_LOOKUPS:-100}
SEED=${BENCH_SEED:-1}
ORRERY=${ORRERY:-./orrery}
SQLITE3=${SQLITE3:-sqlite3}
GEN=${GEN:-.build/gen_retail}

for t in "$GEN" "$ORRERY"; do
    [ -x "$t" ] || die "$t not built (run: make orrery .build/gen_retail)"
done
command -v "$SQLITE3" >/dev/null 2>&1 || die "$SQLITE3 not found (apt-get install sqlite3)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-bench-context.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
db=$dir/shop.db

say "generating $LINES lines ..."
"$GEN" tests/fixtures/online-retail/online_retail.csv "$LINES" "$SEED" >"$dir/retail.csv" ||
    die "gen_retail failed"
say "ingesting ..."
"$ORRERY" --db "$db" init >/dev/null
"$ORRERY" --db "$db" ingest "$dir/retail.csv" >/dev/null || die "ingest failed"

# the busiest customers: the worst case for a lookup
"$SQLITE3" -batch -noheader "$db" \
    "SELECT c.key FROM customers c JOIN orders o ON o.customer_id = c.id
     GROUP BY c.id ORDER BY count(*) DESC, c.key LIMIT $LOOKUPS" >"$dir/keys"
[ -s "$dir/keys" ] || die "no customers with orders"
stats=$("$SQLITE3" -batch -noheader -separator ' ' "$db" \
    "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders),
            (SELECT count(*) FROM order_lines),
            (SELECT max(n) FROM (SELECT count(*) AS n FROM orders WHERE customer_id IS NOT NULL
                                 GROUP BY customer_id))")

PEER_SQL="SELECT o.key, o.status, o.purchased_at, l.line_no, l.sku, p.title, l.quantity,
       l.unit_price_minor, (SELECT sum(quantity) FROM inventory_levels i
                            WHERE i.variant_id = l.variant_id) AS on_hand
FROM customers c JOIN orders o ON o.customer_id = c.id
JOIN order_lines l ON l.order_key = o.key AND l.origin = o.origin
LEFT JOIN variants v ON v.id = l.variant_id LEFT JOIN products p ON p.id = v.product_id
WHERE c.key = :k ORDER BY o.purchased_at DESC, l.line_no"

now_ns() { date +%s%N; }

# one_lookup TOOL DB KEY
one_lookup() {
    case $1 in
    orrery) "$ORRERY" --db "$2" context customer "$3" --format json >/dev/null ||
                die "orrery context customer $3 failed" ;;
    sqlite3) "$SQLITE3" -json "$2" ".param set :k \"'$3'\"" "$PEER_SQL" >/dev/null ||
                die "sqlite3 failed for $3" ;;
    esac
}

# seconds of `times` output (0m1.250s) summed: user + sys of the children
cpu_of() { sed -n 2p | tr 'ms' '  ' | awk '{ print $1 * 60 + $2 + $3 * 60 + $4 }'; }

# lookups TOOL DB: "wall cpu" milliseconds per lookup over every key; the
# machine may be shared, so the CPU time (user + sys of the processes) is
# the steadier figure
lookups() {
    n=$(wc -l <"$dir/keys")
    t0=$(now_ns)
    cpu=$( (while read -r key; do one_lookup "$1" "$2" "$key"; done <"$dir/keys"; times) | cpu_of)
    t1=$(now_ns)
    echo "$t0 $t1 $n $cpu" | awk '{ printf "%.1f %.1f", ($2 - $1) / 1e6 / $3, $4 * 1000 / $3 }'
}

say "timing $(wc -l <"$dir/keys" | tr -d ' ') lookups each ..."
lookups orrery "$db" >/dev/null # warm the page cache
o=$(lookups orrery "$db")
s=$(lookups sqlite3 "$db")
cp "$db" "$dir/plain.db"
"$SQLITE3" "$dir/plain.db" "DROP INDEX customers_key; DROP INDEX customers_email;
    DROP INDEX customers_person; DROP INDEX orders_customer;"
on=$(lookups orrery "$dir/plain.db")
sn=$(lookups sqlite3 "$dir/plain.db")

set -- $stats
printf '%s lines: %s customers, %s orders, %s order lines; the %s busiest customers (the busiest has %s orders)\n' \
    "$LINES" "$1" "$2" "$3" "$(wc -l <"$dir/keys" | tr -d ' ')" "$4"
printf 'load average at the end: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '| per lookup, ms (wall / CPU) | with the 013 indexes | without them |\n|---|---:|---:|\n'
row() { printf '| %s | %s / %s | %s / %s |\n' "$1" $2 $3; }
row "orrery context customer --format json (50 orders in full, delivery, returns, availability, policy)" "$o" "$on"
row "sqlite3 -json, one query (every order's lines with titles and stock)" "$s" "$sn"
