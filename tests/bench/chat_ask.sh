#!/bin/sh
# Chat benchmark: what `orrery context customer KEY --ask Q` adds to a
# question, with the model out of the picture.  The endpoint is
# tests/tools/chatstub on 127.0.0.1 (it answers at once), so the times are
# Orrery's own: the context document, the request, the HTTP round trip,
# the answer checked.  Against, in the same run, for the same customers:
#
#   context    `orrery context customer KEY --format json` alone: the
#              document without asking (the floor)
#   ask        `orrery context customer KEY --ask Q`: one process per
#              question, as a chatbot's tool call would be
#   shell      what a script would do without --ask: the same JSON document
#              from `orrery context --format json`, wrapped into the same
#              request body by jq, POSTed by curl, the answer pulled out by
#              jq (no retry, no check of the answer, no secret handling)
#
#   make orrery .build/gen_retail .build/chatstub && tests/bench/chat_ask.sh
#   BENCH_LINES=100000 BENCH_LOOKUPS=20 tests/bench/chat_ask.sh
#
# Knobs: BENCH_LINES (200000 generated Online Retail lines), BENCH_LOOKUPS
# (50 busiest customers), BENCH_SEED (1), ORRERY, GEN, CHATSTUB.  The
# table (median and p95 milliseconds per question, mean request bytes)
# goes to stdout.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "chat_ask.sh: $*"; exit 1; }
cd "$(dirname "$0")/../.."

LINES=${BENCH_LINES:-200000}
LOOKUPS=${BENCH_LOOKUPS:-50}
SEED=${BENCH_SEED:-1}
ORRERY=${ORRERY:-./orrery}
GEN=${GEN:-.build/gen_retail}
CHATSTUB=${CHATSTUB:-.build/chatstub}
Q="Which of my orders can I still return, and is everything I ordered in stock?"

for t in "$GEN" "$ORRERY" "$CHATSTUB"; do
    [ -x "$t" ] || die "$t not built (run: make orrery .build/gen_retail .build/chatstub)"
done
for t in jq curl sqlite3; do
    command -v $t >/dev/null 2>&1 || die "$t not found (apt-get install $t)"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-bench-chat.XXXXXX")
stub=
cleanup() { [ -z "$stub" ] || kill "$stub" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
db=$dir/shop.db

say "generating $LINES lines and ingesting ..."
"$GEN" tests/fixtures/online-retail/online_retail.csv "$LINES" "$SEED" >"$dir/retail.csv" ||
    die "gen_retail failed"
"$ORRERY" --db "$db" init >/dev/null
"$ORRERY" --db "$db" ingest "$dir/retail.csv" >/dev/null || die "ingest failed"
sqlite3 -batch -noheader "$db" \
    "SELECT c.key FROM customers c JOIN orders o ON o.customer_id = c.id
     GROUP BY c.id ORDER BY count(*) DESC, c.key LIMIT $LOOKUPS" >"$dir/keys"
[ -s "$dir/keys" ] || die "no customers with orders"

"$CHATSTUB" --port-file "$dir/port" --record "$dir/rec.jsonl" >/dev/null 2>"$dir/stub.log" &
stub=$!
i=0
while [ ! -s "$dir/port" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || die "chatstub did not start: $(cat "$dir/stub.log")"
    sleep 0.05
done
base=http://127.0.0.1:$(cat "$dir/port")/ok/v1
printf '{"connectors": [{"name": "bench", "kind": "chat", "url": "%s", "model": "bench"}]}\n' \
    "$base" >"$dir/connectors.json"
instructions=$(sed -n '/^const char chat_instructions\[\] =/,/;$/p' src/chat.c |
    sed -n 's/^[^"]*"\(.*\)"[;]*$/\1/p' | tr -d '\n' | sed 's/\\n/\n/g')

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# One way of asking, timed per customer: NAME then the command (KEY is $k).
timed() {
    name=$1; shift
    : >"$dir/$name.ms"
    while read -r k; do
        t0=$(now_ms)
        "$@" >"$dir/out" 2>"$dir/err" || die "$name $k failed: $(cat "$dir/err")"
        t1=$(now_ms)
        [ -s "$dir/out" ] || die "$name $k printed nothing"
        echo $((t1 - t0)) >>"$dir/$name.ms"
    done <"$dir/keys"
}

ctx() { "$ORRERY" --db "$db" context customer "$k" --format json; }
ask() { "$ORRERY" --db "$db" context customer "$k" --ask "$Q"; }
shell() {
    "$ORRERY" --db "$db" context customer "$k" --format json |
        jq -c --arg sys "$instructions" --arg q "$Q" \
            '{model: "bench", messages: [{role: "system", content: ($sys + (. | tojson))}, {role: "user", content: $q}]}' |
        curl -sf -X POST -H 'Content-Type: application/json' -H "Idempotency-Key: sh-$k" \
            --data-binary @- "$base/chat/completions" |
        jq -er '.choices[0].message.content'
}

say "timing $(wc -l <"$dir/keys" | tr -d ' ') customers x 3 ways ..."
timed context ctx
mean_body() { jq -r '.body | length' "$dir/rec.jsonl" | awk '{s+=$1} END {printf "%d", s / NR}'; }
: >"$dir/rec.jsonl"
timed ask ask
ask_bytes=$(mean_body)
: >"$dir/rec.jsonl"
timed shell shell
shell_bytes=$(mean_body)

stat() { # median and p95 of a file of numbers
    sort -n "$1" | awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.95+0.999)]; printf "%d | %d", m, p}'
}
stats=$(sqlite3 -batch -noheader -separator ' ' "$db" \
    "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines)")
set -- $stats
echo "Chat ask: $1 customers, $2 orders, $3 lines (generated Online Retail, seed $SEED); the $(wc -l <"$dir/keys" | tr -d ' ') busiest customers, one process per question, request body $ask_bytes bytes on average ($shell_bytes from jq); endpoint tests/tools/chatstub on 127.0.0.1"
echo
echo "| way | median ms | p95 ms |"
echo "|---|---:|---:|"
echo "| \`orrery context customer KEY --format json\` (the document only) | $(stat "$dir/context.ms") |"
echo "| \`orrery context customer KEY --ask Q\` | $(stat "$dir/ask.ms") |"
echo "| \`orrery context --format json \\| jq \\| curl \\| jq\` | $(stat "$dir/shell.ms") |"
