# tests/cli/test_http.sh - outbound HTTP through connectors, against
# tests/tools/faultsrv (127.0.0.1, a free port, started and stopped by each
# test): signed deliveries, 500s, 429 with Retry-After, responses slower
# than the timeout, connection resets, oversized bodies, 410, 4xx, the
# per-connector circuit breaker, and the Shopify pull (pages, 429, malformed
# JSON).  Signatures are checked with `openssl dgst`, independently of
# Orrery's code.

SIGNING=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
SIGNING_OLD=whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludDE=
TOKEN=shpat_never-printed-0123456789

# start_faultsrv, rec and std_sign are in lib.sh.

write_secrets() {
	printf '{"hooks": {"signing": ["%s", "%s"]}, "shop": {"token": "%s"}}\n' \
		"$SIGNING" "$SIGNING_OLD" "$TOKEN" >"$T/secrets.json"
	chmod 600 "$T/secrets.json"
}

# one_hook PATH [EXTRA JSON MEMBERS]: connectors.json with one webhook
# connector "hook" on order.* at $FS/PATH.
one_hook() {
	printf '{"connectors": [{"name": "hook", "kind": "webhook", "url": "%s%s", "secret": "hooks.signing", "events": ["order.*"]%s}]}\n' \
		"$FS" "$1" "${2:+, $2}" >"$T/connectors.json"
}

setup_db() {
	init_db
	write_secrets
}

emit_order() {
	run --db "$DB" emit order.created --entity order --entity-id "${1:-7}" --payload '{"total": 12.5}'
	assert_status 0
}

run_idle() {
	run --db "$DB" run --until-idle --max-seconds "${1:-30}"
	assert_status 0
}

test_delivery_is_signed_with_every_rotating_secret() {
	setup_db
	start_faultsrv
	one_hook /ok
	emit_order
	run_idle
	assert_sql "SELECT state, attempts, last_status FROM deliveries" "delivered|1|200"
	assert_eq 1 "$(wc -l <"$T/rec.jsonl" | tr -d ' ')" "requests received"
	id=$(rec 1 '.headers["webhook-id"]')
	ts=$(rec 1 '.headers["webhook-timestamp"]')
	rec 1 '.body' >"$T/body"
	assert_eq "msg_hook_1" "$id" "webhook-id"
	assert_eq "$id" "$(rec 1 '.headers["Idempotency-Key"]')" "Idempotency-Key"
	sig=$(rec 1 '.headers["webhook-signature"]')
	new=$(std_sign "$SIGNING" "$id" "$ts" "$T/body")
	old=$(std_sign "$SIGNING_OLD" "$id" "$ts" "$T/body")
	assert_eq "v1,$new v1,$old" "$sig" "webhook-signature"
	assert_eq "order.created" "$(jq -r .type "$T/body")" "type"
	assert_eq "12.5" "$(jq -r .data.total "$T/body")" "data.total"
	now=$(date +%s)
	[ $((now - ts)) -ge 0 ] && [ $((now - ts)) -lt 120 ] || fail "timestamp $ts is not now ($now)"
}

test_500s_are_retried_with_the_same_id_and_key() {
	setup_db
	start_faultsrv
	one_hook /flaky/2/x '"retry": {"base": "50ms", "cap": "100ms"}'
	emit_order
	run_idle
	assert_sql "SELECT state, attempts, last_status FROM deliveries" "delivered|3|200"
	assert_sql "SELECT group_concat(coalesce(status, 'none'), ',') FROM connector_calls" "500,500,200"
	assert_eq "msg_hook_1
msg_hook_1
msg_hook_1" "$(jq -r '.headers["Idempotency-Key"]' "$T/rec.jsonl")" "idempotency keys"
	assert_eq 1 "$(jq -r '.body' "$T/rec.jsonl" | sort -u | wc -l | tr -d ' ')" "distinct bodies"
}

test_429_waits_for_retry_after_then_dies_with_its_reason() {
	setup_db
	start_faultsrv
	one_hook /retry-after/1 '"retry": {"max_attempts": 2, "base": "10ms", "cap": "20ms"}'
	emit_order
	run_idle
	assert_sql "SELECT state, attempts, last_status FROM deliveries" "dead|2|429"
	run --db "$DB" deliveries show 1
	assert_out_contains "HTTP 429; Retry-After 1000 ms"
	# the connector's backoff alone (<= 20 ms) would have retried at once
	gap=$(sql "SELECT max(at) - min(at) FROM connector_calls")
	[ "$gap" -ge 1000 ] || fail "the retry came $gap ms after the 429, before its Retry-After"
}

test_slower_than_the_timeout_is_retried_then_dead() {
	setup_db
	start_faultsrv
	one_hook /slow/3000 '"timeout": "300ms", "retry": {"max_attempts": 2, "base": "10ms", "cap": "20ms"}'
	emit_order
	run_idle
	assert_sql "SELECT state, attempts, last_status FROM deliveries" "dead|2|NULL"
	assert_sql "SELECT count(*) FROM connector_calls WHERE status IS NULL AND error LIKE 'timed out after 300 ms%'" "2"
}

test_connection_reset_is_retried_then_dead() {
	setup_db
	start_faultsrv
	one_hook /reset '"retry": {"max_attempts": 3, "base": "10ms", "cap": "20ms"}'
	emit_order
	run_idle
	assert_sql "SELECT state, attempts FROM deliveries" "dead|3"
	assert_sql "SELECT count(*) FROM connector_calls WHERE status IS NULL AND ok = 0" "3"
	run --db "$DB" jobs list --state dead
	assert_out_contains "integration.deliver"
}

test_oversized_response_is_refused_without_retry() {
	setup_db
	start_faultsrv
	one_hook /big/200000 '"max_response": 1024'
	emit_order
	run_idle
	assert_sql "SELECT state, attempts FROM deliveries" "dead|1"
	assert_sql "SELECT last_error LIKE '%over the 1024-byte limit%' FROM deliveries" "1"
}

test_4xx_is_refused_without_retry() {
	setup_db
	start_faultsrv
	one_hook /status/400
	emit_order
	run_idle
	assert_sql "SELECT state, attempts, last_status FROM deliveries" "dead|1|400"
	assert_sql "SELECT last_error LIKE 'HTTP 400: refused%' FROM deliveries" "1"
}

test_410_disables_the_connector_until_enabled() {
	setup_db
	start_faultsrv
	one_hook /status/410
	emit_order 1
	run_idle
	assert_sql "SELECT state, attempts, last_status FROM deliveries" "dead|1|410"
	run --db "$DB" connectors
	assert_status 0
	assert_out_contains "disabled"
	# the next event is not sent: its delivery dies with the reason
	emit_order 2
	run_idle
	assert_sql "SELECT count(*) FROM connector_calls" "1"
	assert_sql "SELECT state, attempts, last_error LIKE 'connector hook is disabled%' FROM deliveries WHERE id = 2" "dead|0|1"
	one_hook /ok
	run --db "$DB" connectors enable hook
	assert_status 0
	run --db "$DB" deliveries replay 2
	assert_status 0
	run_idle
	assert_sql "SELECT state FROM deliveries WHERE id = 2" "delivered"
}

test_breaker_opens_waits_its_cooldown_and_half_opens() {
	setup_db
	start_faultsrv
	# 500, 500 open the breaker; after 600 ms one trial (500) opens it again;
	# after another 600 ms the trial gets 200 and closes it
	one_hook /flaky/3/x '"retry": {"max_attempts": 6, "base": "10ms", "cap": "20ms"}, "breaker": {"consecutive": 2, "cooldown": "600ms"}'
	emit_order
	run_idle
	assert_sql "SELECT state, attempts FROM deliveries" "delivered|4"
	assert_sql "SELECT breaker FROM connector_state WHERE name = 'hook'" "closed"
	# the job used an attempt per call: waiting on the breaker used none
	assert_sql "SELECT attempts, state FROM jobs WHERE kind = 'integration.deliver'" "4|succeeded"
	gaps=$(sql "SELECT group_concat(at - lag, ',') FROM (SELECT at, lag(at) OVER (ORDER BY id) AS lag FROM connector_calls) WHERE lag IS NOT NULL")
	g2=$(echo "$gaps" | cut -d, -f2)
	g3=$(echo "$gaps" | cut -d, -f3)
	[ "$g2" -ge 600 ] || fail "call 3 came $g2 ms after call 2, inside the cool-down (gaps $gaps)"
	[ "$g3" -ge 600 ] || fail "call 4 came $g3 ms after call 3, inside the cool-down (gaps $gaps)"
}

test_an_open_breaker_holds_other_deliveries_of_the_connector_only() {
	setup_db
	start_faultsrv
	printf '{"connectors": [
	  {"name": "down", "kind": "webhook", "url": "%s/status/503", "auth": "none", "events": ["order.*"],
	   "retry": {"max_attempts": 1}, "breaker": {"consecutive": 1, "cooldown": "1h"}},
	  {"name": "up", "kind": "webhook", "url": "%s/ok", "auth": "none", "events": ["order.*"]}]}\n' \
		"$FS" "$FS" >"$T/connectors.json"
	emit_order 1
	emit_order 2
	emit_order 3
	run --db "$DB" run --until-idle --max-seconds 3
	assert_status 0
	assert_sql "SELECT count(*) FROM deliveries WHERE connector = 'up' AND state = 'delivered'" "3"
	assert_sql "SELECT count(*) FROM connector_calls WHERE connector = 'down'" "1"
	assert_sql "SELECT breaker FROM connector_state WHERE name = 'down'" "open"
	# the held jobs wait for the cool-down, queued, with no attempt used
	assert_sql "SELECT count(*) FROM jobs WHERE kind = 'integration.deliver' AND state = 'queued' AND attempts = 0" "2"
}

test_pull_follows_pages_waits_out_429_and_stores_through_ingest() {
	setup_db
	start_faultsrv --products "$FIX/shopify-admin/catalog.json"
	printf '{"connectors": [{"name": "shop", "kind": "shopify", "url": "%s/throttled", "secret": "shop.token"}]}\n' \
		"$FS" >"$T/connectors.json"
	run --db "$DB" connectors pull shop products --limit 2
	assert_status 0
	run --db "$DB" connectors pull shop orders --limit 2
	assert_status 0
	run_idle
	assert_sql "SELECT count(*) FROM products" "5"
	assert_sql "SELECT count(*) FROM orders" "3"
	assert_sql "SELECT count(*) FROM events WHERE type = 'product.created'" "5"
	# (the vision rules also act on the new products: only the pulls here)
	assert_sql "SELECT state, count(*) FROM jobs WHERE kind = 'integration.pull' GROUP BY state" "succeeded|2"
	# 3 + 2 pages, each asked twice (429 first)
	assert_sql "SELECT count(*), sum(status = 429) FROM connector_calls" "10|5"
	assert_eq "c2" "$(jq -r 'select(.path | endswith("products.json")) | .query.page_info // empty' "$T/rec.jsonl" | sort -u | head -1)" "cursor"
	assert_eq "$TOKEN" "$(rec 1 '.headers["X-Shopify-Access-Token"]')" "access token"
	run --db "$DB" jobs show 1
	assert_out_not_contains "$TOKEN"
}

test_pull_of_malformed_json_stores_nothing_and_dies() {
	setup_db
	start_faultsrv
	printf '{"connectors": [{"name": "shop", "kind": "shopify", "url": "%s/malformed", "secret": "shop.token"}]}\n' \
		"$FS" >"$T/connectors.json"
	run --db "$DB" connectors pull shop products
	assert_status 0
	run_idle
	assert_sql "SELECT count(*) FROM products" "0"
	assert_sql "SELECT state, last_error LIKE '%malformed JSON%' FROM jobs" "dead|1"
	run --db "$DB" tasks
	assert_out_contains "integration"
}

test_rate_limit_spaces_the_calls() {
	setup_db
	start_faultsrv
	one_hook /ok '"rate_limit": 4'
	run --db "$DB" emit order.created --entity order --entity-id 1 --count 5
	run --db "$DB" run --workers 2 --until-idle --max-seconds 30
	assert_status 0
	assert_sql "SELECT count(*) FROM deliveries WHERE state = 'delivered'" "5"
	# 4 calls per second: five calls start over at least a second (a call
	# starts at at - latency_ms; 100 ms of slack for the work between the
	# rate gate and the request)
	span=$(sql "SELECT max(at - latency_ms) - min(at - latency_ms) FROM connector_calls")
	[ "$span" -ge 900 ] || fail "5 calls at 4/s started within $span ms"
}

test_redirects_are_not_followed_with_credentials_or_bodies() {
	setup_db
	start_faultsrv
	printf '{"connectors": [{"name": "shop", "kind": "shopify", "url": "%s/redirect", "secret": "shop.token"},
	  {"name": "hook", "kind": "webhook", "url": "%s/redirect", "secret": "hooks.signing", "events": ["order.*"]}]}\n' \
		"$FS" "$FS" >"$T/connectors.json"
	run --db "$DB" connectors pull shop products
	emit_order
	run_idle
	assert_sql "SELECT count(*) FROM connector_calls WHERE status = 302" "2"
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'dead' AND last_error LIKE '%HTTP 302 to http://elsewhere.invalid/steal: not followed%'" "2"
	assert_eq 2 "$(wc -l <"$T/rec.jsonl" | tr -d ' ')" "requests received"
}

test_tls_certificates_are_verified() {
	setup_db
	command -v openssl >/dev/null 2>&1 || skip "openssl not installed"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/c.pem" -days 1 \
		-subj /CN=127.0.0.1 >/dev/null 2>&1 || fail "cannot make a certificate"
	# s_server cannot pick a free port itself: try random ones until one binds
	tries=0
	while :; do
		tries=$((tries + 1))
		[ $tries -le 20 ] || fail "openssl s_server found no free port: $(cat "$T/tls.log")"
		port=$(awk -v s="$$$tries" 'BEGIN { srand(s); print int(20000 + rand() * 40000) }')
		openssl s_server -accept "127.0.0.1:$port" -cert "$T/c.pem" -key "$T/k.pem" -www \
			-quiet >"$T/tls.log" 2>&1 &
		TLSPID=$!
		trap 'kill $TLSPID 2>/dev/null' EXIT
		i=0
		while kill -0 "$TLSPID" 2>/dev/null &&
			! (echo | openssl s_client -connect "127.0.0.1:$port" >/dev/null 2>&1); do
			i=$((i + 1))
			[ $i -lt 50 ] || fail "openssl s_server did not answer: $(cat "$T/tls.log")"
			sleep 0.1
		done
		kill -0 "$TLSPID" 2>/dev/null && break
	done
	printf '{"connectors": [{"name": "hook", "kind": "webhook", "url": "https://127.0.0.1:%s/", "secret": "hooks.signing", "events": ["order.*"]}]}\n' \
		"$port" >"$T/connectors.json"
	emit_order
	run_idle
	# a self-signed certificate: refused at once, not retried
	assert_sql "SELECT state, attempts FROM deliveries" "dead|1"
	assert_sql "SELECT last_error LIKE '%certificate%' FROM deliveries" "1"
}
