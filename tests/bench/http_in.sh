#!/bin/sh
# Inbound webhook benchmark: `orrery serve` under wrk on loopback.
#
#   make orrery .build/gen_webhooks
#   tests/bench/http_in.sh                        # 10 s per case, 3 runs
#   BENCH_SECONDS=5 BENCH_RUNS=1 tests/bench/http_in.sh
#
# Cases, each against a fresh database and a fresh server
# (serve [--threads $THREADS] --rate 0: by default its own thread count), wrk -t$WRK_THREADS -c$CONNECTIONS:
#   healthz   GET /healthz: the HTTP floor of the same server (one SELECT)
#   forged    POST products/create with a wrong X-Shopify-Hmac-Sha256: 401,
#             the cost of refusing (HMAC of the body, nothing stored)
#   stored    POST products/create, a different product each request (three
#             variants and an image: 5 records, 4 events), correctly signed,
#             a fresh X-Shopify-Webhook-Id: verified, mapped, stored through
#             ingest with its receipt, one transaction each
#   replayed  the stored case's requests sent again with their ids: verified,
#             recognised as duplicates, nothing written
# Requests are signed before anything is timed (gen_webhooks, libcrypto).
# After each case the database is checked: stored = as many receipts and
# products as 200 answers, forged = none, replayed = no new receipt.
#
# Knobs: BENCH_SECONDS (10) BENCH_RUNS (3, medians) THREADS (serve's default)
#        WRK_THREADS (2) CONNECTIONS (64) ORRERY (./orrery)
#        GEN (.build/gen_webhooks) SQLITE3 (sqlite3) BENCH_OUT (work dir)
# The table goes to stdout (and results.md in the work directory).
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "http_in.sh: $*"; exit 1; }

case ${BENCH_OUT:-} in '' | /*) ;; *) BENCH_OUT=$PWD/$BENCH_OUT ;; esac
case ${ORRERY:-} in '' | /*) ;; *) if [ -e "$ORRERY" ]; then ORRERY=$PWD/$ORRERY; fi ;; esac
case ${GEN:-} in '' | /*) ;; *) if [ -e "$GEN" ]; then GEN=$PWD/$GEN; fi ;; esac
cd "$(dirname "$0")/../.."

SECONDS_PER=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
THREADS=${THREADS:-}
WRK_THREADS=${WRK_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
ORRERY=${ORRERY:-$PWD/orrery}
GEN=${GEN:-$PWD/.build/gen_webhooks}
SQLITE3=${SQLITE3:-sqlite3}
SECRET=bench-shopify-secret-0123456789

command -v wrk >/dev/null 2>&1 || die "wrk not installed (apt-get install wrk)"
command -v "$SQLITE3" >/dev/null 2>&1 || die "sqlite3 not found"
[ -x "$ORRERY" ] || die "orrery not found: $ORRERY (run: make orrery)"
[ -x "$GEN" ] || die "gen_webhooks not found: $GEN (run: make .build/gen_webhooks)"

own_dir=0
if [ -n "${BENCH_OUT:-}" ]; then dir=$BENCH_OUT; mkdir -p "$dir"
else dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-http-bench.XXXXXX"); own_dir=1; fi
SPID=
cleanup() {
    [ -z "$SPID" ] || kill "$SPID" 2>/dev/null || true
    if [ "$own_dir" = 1 ]; then rm -rf "$dir"; else rm -f "$dir"/*.db*; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

q() { "$SQLITE3" -batch -noheader -init /dev/null "$@" </dev/null; }

# --- requests, signed once: one file per wrk thread, each its own products ----------
per_thread=$((12000 * SECONDS_PER / WRK_THREADS + 1000))
total=$((per_thread * WRK_THREADS))
say "signing $total products/create requests ..."
"$GEN" "$total" "$SECRET" >"$dir/all.tsv"
awk -v n="$WRK_THREADS" -v d="$dir" '{ print > (d "/req-" ((NR - 1) % n + 1) ".tsv") }' "$dir/all.tsv"
rm -f "$dir/all.tsv"

# One Lua script for the POST cases: MODE stored | replayed | forged.
cat >"$dir/post.lua" <<EOF
local dir, mode = "$dir", os.getenv("MODE")
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  macs, bodies = {}, {}
  for line in io.lines(dir .. "/req-" .. tid .. ".tsv") do
    local tab = line:find("\t", 1, true)
    macs[#macs + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
  stored = {}
  if mode == "replayed" then
    for l in io.lines(dir .. "/stored-" .. tid .. ".txt") do stored[#stored + 1] = tonumber(l) end
  end
  n = 0
end
function request()
  n = n + 1
  local i = mode == "replayed" and stored[(n - 1) % #stored + 1] or (n - 1) % #bodies + 1
  local mac = mode == "forged" and "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" or macs[i]
  return wrk.format("POST", "/webhooks/shopify/products/create",
    { ["Content-Type"] = "application/json", ["X-Shopify-Hmac-Sha256"] = mac,
      ["X-Shopify-Webhook-Id"] = "t" .. tid .. "-" .. i }, bodies[i])
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.0f %.0f\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
EOF
cat >"$dir/get.lua" <<'EOF'
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.0f %.0f\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
EOF

start_server() {
    db=$dir/bench.db
    rm -f "$db"*
    "$ORRERY" --db "$db" init >/dev/null 2>&1 || die "orrery init failed"
    printf '{"shopify": {"webhook_secret": "%s"}}\n' "$SECRET" >"$dir/secrets.json"
    chmod 600 "$dir/secrets.json"
    rm -f "$dir/serve.log" # else the old server's line may be read before the new one truncates it
    "$ORRERY" --db "$db" --secrets "$dir/secrets.json" serve --listen 127.0.0.1:0 \
        ${THREADS:+--threads "$THREADS"} --rate 0 >/dev/null 2>"$dir/serve.log" &
    SPID=$!
    k=0
    until grep -q 'serving on' "$dir/serve.log" 2>/dev/null; do
        k=$((k + 1)); [ $k -lt 100 ] || die "serve did not start: $(cat "$dir/serve.log")"
        sleep 0.1
    done
    port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/serve.log" | head -1)
}

stop_server() {
    kill -TERM "$SPID"
    wait "$SPID" || die "serve ended badly: $(tail -5 "$dir/serve.log")"
    SPID=
}

TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SPID/stat"; }

# wrk_case NAME SCRIPT [PATH]: sets REQS NON2XX SOCKERR P50US P99US RATE, and
# CPUUS: the server's CPU time (user + system) per answered request in us,
# which the other load on the machine changes much less than the rate.
wrk_case() {
    log=$dir/wrk-$1.log
    c0=$(cpu_ticks)
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER}s" -s "$2" \
        "http://127.0.0.1:$port${3:-/}" >"$log" 2>&1 || die "wrk failed: $(cat "$log")"
    c1=$(cpu_ticks)
    RATE=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$log" | head -1)
    set -- $(sed -n 's/^RESULT //p' "$log")
    [ $# = 5 ] || die "no result from wrk: $(cat "$log")"
    REQS=$1 NON2XX=$2 SOCKERR=$3 P50US=$4 P99US=$5
    CPUUS=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$REQS" 'BEGIN { printf "%.0f", n ? t * 1e6 / k / n : 0 }')
    [ "$SOCKERR" = 0 ] || say "note: $SOCKERR socket errors in $log"
}

res=$dir/runs.tsv
: >"$res"
i=1
while [ "$i" -le "$RUNS" ]; do
    start_server
    wrk_case healthz "$dir/get.lua" /healthz
    [ "$NON2XX" = 0 ] || die "healthz: $NON2XX non-2xx answers"
    h_rate=$RATE h_p50=$P50US h_p99=$P99US h_cpu=$CPUUS
    MODE=forged wrk_case forged "$dir/post.lua"
    [ "$NON2XX" = "$REQS" ] || die "forged: $NON2XX of $REQS refused"
    [ "$(q "$db" "SELECT count(*) FROM webhook_receipts")" = 0 ] || die "forged requests stored something"
    f_rate=$RATE f_p50=$P50US f_p99=$P99US f_cpu=$CPUUS
    MODE=stored wrk_case stored "$dir/post.lua"
    [ "$NON2XX" = 0 ] || die "stored: $NON2XX non-2xx answers (see $dir/serve.log)"
    s_cpu=$CPUUS
    stop_server
    receipts=$(q "$db" "SELECT count(*) FROM webhook_receipts")
    products=$(q "$db" "SELECT count(*) FROM products")
    events=$(q "$db" "SELECT count(*) FROM events")
    # wrk counts the requests it saw answered; a request in flight at the end
    # may be stored without being counted: allow the connections' worth.
    [ "$receipts" -ge "$REQS" ] && [ "$receipts" -le $((REQS + CONNECTIONS)) ] ||
        die "stored: $REQS answered, $receipts receipts"
    [ "$products" = "$receipts" ] || die "stored: $receipts receipts, $products products"
    s_rate=$RATE s_p50=$P50US s_p99=$P99US s_events=$events
    # replay what was stored, on the same database
    rm -f "$dir/serve.log"
    "$ORRERY" --db "$db" --secrets "$dir/secrets.json" serve --listen 127.0.0.1:0 \
        ${THREADS:+--threads "$THREADS"} --rate 0 >/dev/null 2>"$dir/serve.log" &
    SPID=$!
    k=0
    until grep -q 'serving on' "$dir/serve.log" 2>/dev/null; do k=$((k + 1)); [ $k -lt 100 ] || die "restart"; sleep 0.1; done
    port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/serve.log" | head -1)
    # each wrk thread replays exactly the ids of its that were stored
    k=1
    while [ "$k" -le "$WRK_THREADS" ]; do
        q "$db" "SELECT substr(webhook_id, instr(webhook_id, '-') + 1) FROM webhook_receipts
            WHERE webhook_id LIKE 't$k-%'" >"$dir/stored-$k.txt"
        [ -s "$dir/stored-$k.txt" ] || die "wrk thread $k stored nothing"
        k=$((k + 1))
    done
    MODE=replayed wrk_case replayed "$dir/post.lua"
    [ "$NON2XX" = 0 ] || die "replayed: $NON2XX non-2xx answers"
    stop_server
    [ "$(q "$db" "SELECT count(*) FROM webhook_receipts")" = "$receipts" ] ||
        die "replays stored new receipts"
    r_rate=$RATE r_p50=$P50US r_p99=$P99US r_cpu=$CPUUS
    load=$(cut -d' ' -f1 /proc/loadavg)
    printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$h_rate" "$h_p50" \
        "$h_p99" "$f_rate" "$f_p50" "$f_p99" "$s_rate" "$s_p50" "$s_p99" "$r_rate" "$r_p50" \
        "$r_p99" "$receipts" "$s_events" "$h_cpu" "$f_cpu" "$s_cpu" "$r_cpu" "$load" >>"$res"
    say "run $i/$RUNS: healthz $h_rate/s, forged $f_rate/s, stored $s_rate/s ($receipts webhooks, $s_events events, $s_cpu us CPU each), replayed $r_rate/s; load average $load"
    i=$((i + 1))
done

med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$1" '{ print $c }' "$res" | med; }
{
    printf '| case (%s s, wrk -t%s -c%s, serve --threads %s) | requests/s | p50 ms | p99 ms | serve CPU per request |\n' \
        "$SECONDS_PER" "$WRK_THREADS" "$CONNECTIONS" "${THREADS:-$(getconf _NPROCESSORS_ONLN) (default)}"
    printf '|---|---:|---:|---:|---:|\n'
    ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
    row() { printf '| %s | %.0f | %s | %s | %s us |\n' "$1" "$(col "$2")" "$(ms "$(col "$3")")" "$(ms "$(col "$4")")" "$(col "$5")"; }
    row 'GET /healthz (the HTTP floor)' 1 2 3 15
    row 'forged signature: 401, nothing stored' 4 5 6 16
    row '**verified and stored** (a new product: 5 records, 4 events)' 7 8 9 17
    row 'verified replay: duplicate, nothing written' 10 11 12 18
    printf '\nmedians of %s runs; %s cores (%s); load average during the runs %s\n' "$RUNS" \
        "$(nproc)" "$(uname -m)" "$(awk '{ print $19 }' "$res" | tr '\n' ' ')"
} | tee "$dir/results.md"
