#!/bin/sh
# Outbound webhook benchmark: signed deliveries per second from
# `orrery run --workers 2` to a local receiver (tests/tools/faultsrv /ok on
# 127.0.0.1), against two other ways to send the same POSTs:
#
#   orrery     N order.created events (emit --count) fanned out to one
#              webhook connector and delivered by `run --workers 2
#              --until-idle`: each delivery is a job (claimed with a lease,
#              its connector's breaker and rate limit checked, the body
#              built from the event, signed per Standard Webhooks, POSTed
#              with its Idempotency-Key, the call and its outcome recorded,
#              the job and the delivery marked in one transaction).
#              Timed from the start of `run` to its end; every delivery is
#              checked delivered afterwards.
#   curl       the same body POSTed by curl(1), one process per request, two
#              at a time (xargs -P2): what a shell script would do, with no
#              signing, no record and no retry
#   wrk        wrk -t2 -c2 POSTing the same body for BENCH_SECONDS: the
#              receiver's ceiling over two keep-alive connections, nothing
#              recorded
#
#   make orrery .build/faultsrv && tests/bench/http_out.sh
#   N=5000 BENCH_RUNS=1 tests/bench/http_out.sh
#
# Knobs: N (20000 deliveries) CURL_N (2000) BENCH_SECONDS (5) BENCH_RUNS (3,
# medians) ORRERY (./orrery) FAULTSRV (.build/faultsrv) BENCH_OUT (work dir).
# The table goes to stdout.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "http_out.sh: $*"; exit 1; }

case ${ORRERY:-} in '' | /*) ;; *) if [ -e "$ORRERY" ]; then ORRERY=$PWD/$ORRERY; fi ;; esac
case ${FAULTSRV:-} in '' | /*) ;; *) if [ -e "$FAULTSRV" ]; then FAULTSRV=$PWD/$FAULTSRV; fi ;; esac
cd "$(dirname "$0")/../.."
ROOT=$PWD
ORRERY=${ORRERY:-$ROOT/orrery}
FAULTSRV=${FAULTSRV:-$ROOT/.build/faultsrv}
N=${N:-20000}
CURL_N=${CURL_N:-2000}
SECONDS_PER=${BENCH_SECONDS:-5}
RUNS=${BENCH_RUNS:-3}
[ -x "$ORRERY" ] || die "no $ORRERY (make orrery)"
[ -x "$FAULTSRV" ] || die "no $FAULTSRV (make .build/faultsrv)"
command -v sqlite3 >/dev/null || die "sqlite3 is needed to check the deliveries"

WORK=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/orrery-http-out.XXXXXX")}
mkdir -p "$WORK"
FSPID=
cleanup() { [ -z "$FSPID" ] || kill "$FSPID" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

rm -f "$WORK/fs.port"
"$FAULTSRV" --port-file "$WORK/fs.port" 2>"$WORK/fs.log" &
FSPID=$!
i=0
while [ ! -s "$WORK/fs.port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || die "faultsrv did not start"; sleep 0.05
done
URL=http://127.0.0.1:$(cat "$WORK/fs.port")/ok
BODY='{"type":"order.created","timestamp":"2026-12-04T17:00:00.000Z","data":{"total":12.5,"event_id":1,"entity":"order","entity_id":7}}'

# --- orrery ---------------------------------------------------------------
orrery_once() {
	d=$WORK/orrery
	rm -rf "$d"; mkdir -p "$d"
	printf '{"hooks": {"signing": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}\n' >"$d/secrets.json"
	chmod 600 "$d/secrets.json"
	printf '{"connectors": [{"name": "bench", "kind": "webhook", "url": "%s", "secret": "hooks.signing", "events": ["order.created"], "rate_limit": 100000}]}\n' \
		"$URL" >"$d/connectors.json"
	"$ORRERY" --db "$d/db" init >/dev/null
	"$ORRERY" --db "$d/db" emit order.created --entity order --entity-id 7 \
		--payload '{"total": 12.5}' --count "$N" >/dev/null
	t0=$(now_ms)
	"$ORRERY" --db "$d/db" run --workers 2 --until-idle >/dev/null 2>"$d/run.log"
	t1=$(now_ms)
	got=$(sqlite3 "$d/db" "SELECT count(*) FROM deliveries WHERE state = 'delivered'")
	[ "$got" = "$N" ] || die "orrery delivered $got of $N (see $d/run.log)"
	p=$(sqlite3 "$d/db" "SELECT latency_ms FROM connector_calls ORDER BY latency_ms LIMIT 1 OFFSET (SELECT count(*) * 95 / 100 FROM connector_calls)")
	say "orrery: $N deliveries in $((t1 - t0)) ms (p95 call $p ms)"
	echo "$((N * 1000 / (t1 - t0)))"
}

# --- curl -------------------------------------------------------------------
curl_once() {
	t0=$(now_ms)
	seq "$CURL_N" | xargs -P2 -I{} curl -s -o /dev/null -X POST \
		-H 'Content-Type: application/json' -H 'Idempotency-Key: msg_{}' \
		--data-binary "$BODY" "$URL"
	t1=$(now_ms)
	echo "$((CURL_N * 1000 / (t1 - t0)))"
}

# --- wrk --------------------------------------------------------------------
wrk_once() {
	cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
EOF
	wrk -t2 -c2 -d"${SECONDS_PER}s" -s "$WORK/post.lua" "$URL" 2>/dev/null |
		awk '/Requests\/sec/ {printf "%d\n", $2}'
}

for r in $(seq "$RUNS"); do
	say "run $r of $RUNS"
	orrery_once >>"$WORK/orrery.txt"
	if command -v curl >/dev/null; then curl_once >>"$WORK/curl.txt"; fi
	if command -v wrk >/dev/null; then wrk_once >>"$WORK/wrk.txt"; fi
done

o=$(median <"$WORK/orrery.txt")
printf '| sender | what it does per POST | POSTs/s (median of %s) |\n|---|---|---:|\n' "$RUNS"
printf '| orrery run --workers 2 | job claim, breaker, sign, POST, record, commit | %s |\n' "$o"
[ ! -s "$WORK/curl.txt" ] || printf '| curl, xargs -P2 | a process per POST, nothing recorded | %s |\n' "$(median <"$WORK/curl.txt")"
[ ! -s "$WORK/wrk.txt" ] || printf '| wrk -t2 -c2 | keep-alive POSTs, nothing recorded (the ceiling) | %s |\n' "$(median <"$WORK/wrk.txt")"
