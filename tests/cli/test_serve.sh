# tests/cli/test_serve.sh - orrery serve: signed webhooks over HTTP on
# 127.0.0.1 (a port the kernel picks, read from the start-up line), started
# and stopped by each test.  Needs curl and openssl (the signatures are made
# by `openssl dgst`, independently of Orrery's code).

SHOPIFY_SECRET=hush-shopify-0123456789
STD_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
STD_OLD=whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludDE=

need_tools() {
	command -v curl >/dev/null 2>&1 || skip "curl not installed"
	command -v openssl >/dev/null 2>&1 || skip "openssl not installed"
}

write_secrets() {
	printf '{"shopify": {"webhook_secret": "%s"},\n "standard": {"webhook_secret": ["%s", "%s"]}}\n' \
		"$SHOPIFY_SECRET" "$STD_SECRET" "$STD_OLD" >"$T/secrets.json"
	chmod 600 "$T/secrets.json"
}

# start_server [SERVE OPTIONS...]: serve in the background; sets PORT, SPID.
start_server() {
	need_tools
	[ -e "$DB" ] || init_db
	[ -e "$T/secrets.json" ] || write_secrets
	"$ORRERY" --db "$DB" serve --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.log" &
	SPID=$!
	i=0
	while ! grep -q 'serving on' "$T/serve.log" 2>/dev/null; do
		kill -0 "$SPID" 2>/dev/null || fail "serve exited: $(cat "$T/serve.log")"
		i=$((i + 1))
		[ $i -lt 100 ] || fail "serve did not start in 10 s"
		sleep 0.1
	done
	PORT=$(sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/serve.log" | head -1)
	[ -n "$PORT" ] || fail "no port in: $(cat "$T/serve.log")"
}

# stop_server: SIGTERM, and the server must end with status 0.
stop_server() {
	kill -TERM "$SPID"
	wait "$SPID"
	st=$?
	[ "$st" -eq 0 ] || fail "serve ended with status $st: $(cat "$T/serve.log")"
}

shopify_mac() {
	openssl dgst -sha256 -hmac "$SHOPIFY_SECRET" -binary <"$1" | base64
}

# post_shopify TOPIC FILE ID [MAC]: sets CODE and BODY.
post_shopify() {
	mac=${4-$(shopify_mac "$2")}
	CODE=$(curl -s -o "$T/resp" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' -H "X-Shopify-Topic: $1" \
		-H "X-Shopify-Hmac-Sha256: $mac" -H "X-Shopify-Webhook-Id: $3" \
		--data-binary @"$2" "http://127.0.0.1:$PORT/webhooks/shopify/$1")
	BODY=$(cat "$T/resp")
}

# std_sign SECRET ID TIMESTAMP FILE: the base64 MAC of "id.timestamp.body".
std_sign() {
	key=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
	{ printf '%s.%s.' "$2" "$3"; cat "$4"; } |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64
}

# post_standard FILE ID TIMESTAMP SIGNATURE-HEADER: sets CODE and BODY.
post_standard() {
	CODE=$(curl -s -o "$T/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H "webhook-id: $2" -H "webhook-timestamp: $3" -H "webhook-signature: $4" \
		--data-binary @"$1" "http://127.0.0.1:$PORT/webhooks/standard")
	BODY=$(cat "$T/resp")
}

# A Standard Webhooks envelope around a Shopify-shaped payload.
envelope() {
	printf '{"type": "%s", "timestamp": "2026-12-01T16:02:40Z", "data": %s}' "$1" "$(cat "$2")" \
		>"$3"
}

test_shopify_product_lands_in_the_database() {
	start_server
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	assert_eq 200 "$CODE" "status ($BODY)"
	assert_eq '{"status":"stored","records":5}' "$BODY"
	stop_server
	assert_sql "SELECT origin, key, title, vendor, published FROM products" \
		"shopify|classic-varsity-top|Classic Varsity Top|partners-demo|1"
	assert_sql "SELECT group_concat(sku || ':' || price_minor || ':' || currency, ' ') FROM \
		(SELECT * FROM variants ORDER BY position)" "CVT-S:6000:USD CVT-M:6000:USD CVT-L:6000:USD"
	assert_sql "SELECT uri FROM assets" "https://burst.shopifycdn.com/photos/casual-fashion-woman_925x.jpg"
	assert_sql "SELECT group_concat(type, ' ') FROM events" \
		"product.created variant.created variant.created variant.created"
	assert_sql "SELECT provider, webhook_id, topic, records FROM webhook_receipts" \
		"shopify|wh-1|products/create|5"
	# a webhook is not a file: no source.ingested, so no whole-database audit per webhook
	assert_sql "SELECT count(*) FROM events WHERE type = 'source.ingested'" "0"
}

# The issue's "done when": a Shopify webhook lands and triggers the rules.
# The price of one variant falls: price-drop-review opens a manual task.
test_shopify_update_triggers_a_rule() {
	start_server
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	assert_eq 200 "$CODE" "create"
	post_shopify products/update "$FIX/webhooks/products-update.json" wh-2
	assert_eq 200 "$CODE" "update ($BODY)"
	stop_server
	assert_sql "SELECT payload ->> '$.changed.price_minor.from', payload ->> '$.changed.price_minor.to' \
		FROM events WHERE type = 'variant.updated'" "6000|4500"
	run --db "$DB" run --until-idle --max-seconds 30
	assert_status 0
	assert_sql "SELECT count(*) FROM tasks WHERE title LIKE 'Check the price drop of Classic Varsity Top%6000 -> 4500 USD'" "1"
}

test_run_listen_receives_and_fires_rules_in_one_process() {
	need_tools
	init_db
	write_secrets
	"$ORRERY" --db "$DB" run --listen 127.0.0.1:0 --max-seconds 20 >"$T/run.out" 2>"$T/serve.log" &
	SPID=$!
	i=0
	until grep -q 'serving on' "$T/serve.log"; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "run --listen did not start: $(cat "$T/serve.log")"
		sleep 0.1
	done
	PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/serve.log" | head -1)
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	post_shopify products/update "$FIX/webhooks/products-update.json" wh-2
	assert_eq 200 "$CODE" "update"
	i=0
	until [ "$(sql "SELECT count(*) FROM tasks")" = 1 ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "no task 10 s after the webhook"
		sleep 0.1
	done
	stop_server
	assert_out_not_contains "error"
}

test_bad_signature_is_401_without_detail_and_stores_nothing() {
	start_server
	before=$(db_state)
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1 "dODPPROJpIYnB+nG53omhMYgUJ8Yxo2PtrDZBSEwGIQ="
	assert_eq 401 "$CODE" "forged MAC"
	assert_eq "" "$BODY" "401 body"
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1 ""
	assert_eq 401 "$CODE" "no MAC"
	# signed with another secret
	mac=$(openssl dgst -sha256 -hmac "not-the-secret" -binary <"$FIX/webhooks/products-create.json" | base64)
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1 "$mac"
	assert_eq 401 "$CODE" "other secret"
	# the right MAC over other bytes
	sed 's/60.00/6.00/' "$FIX/webhooks/products-create.json" >"$T/tampered.json"
	post_shopify products/create "$T/tampered.json" wh-1 "$(shopify_mac "$FIX/webhooks/products-create.json")"
	assert_eq 401 "$CODE" "tampered body"
	stop_server
	assert_eq "$before" "$(db_state)" "database after forged requests"
	grep -q '401 signature does not verify' "$T/serve.log" || fail "no log line: $(cat "$T/serve.log")"
}

test_replayed_webhook_id_changes_nothing() {
	start_server
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	assert_eq 200 "$CODE"
	before=$(db_state)
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	assert_eq 200 "$CODE" "replay is acknowledged"
	assert_eq '{"status":"duplicate"}' "$BODY"
	# the same id with an update body: still the delivery already stored
	post_shopify products/update "$FIX/webhooks/products-update.json" wh-1
	assert_eq '{"status":"duplicate"}' "$BODY"
	stop_server
	assert_eq "$before" "$(db_state)" "database after replays"
}

test_parallel_replays_store_once() {
	start_server --threads 4
	for i in 1 2 3 4 5 6 7 8; do
		curl -s -o /dev/null -X POST -H "X-Shopify-Hmac-Sha256: $(shopify_mac "$FIX/webhooks/products-create.json")" \
			-H "X-Shopify-Webhook-Id: same" --data-binary @"$FIX/webhooks/products-create.json" \
			"http://127.0.0.1:$PORT/webhooks/shopify/products/create" &
	done
	wait_children=$(jobs -p | grep -v "^$SPID\$")
	for p in $wait_children; do wait "$p"; done
	stop_server
	assert_sql "SELECT count(*) FROM webhook_receipts" "1"
	assert_sql "SELECT count(*) FROM events" "4"
}

test_standard_webhook_verified_with_either_rotating_secret() {
	start_server
	envelope product.created "$FIX/webhooks/products-create.json" "$T/std.json"
	ts=$(date +%s)
	sig="v1,$(std_sign "$STD_SECRET" msg_1 "$ts" "$T/std.json")"
	post_standard "$T/std.json" msg_1 "$ts" "$sig"
	assert_eq 200 "$CODE" "new secret ($BODY)"
	# signed with the old secret only, while it rotates
	envelope products/update "$FIX/webhooks/products-update.json" "$T/std2.json"
	sig="v1,$(std_sign "$STD_OLD" msg_2 "$ts" "$T/std2.json")"
	post_standard "$T/std2.json" msg_2 "$ts" "$sig"
	assert_eq 200 "$CODE" "old secret ($BODY)"
	# both signatures in one header, an unknown scheme first
	sig="v1a,abc v1,$(std_sign "$STD_OLD" msg_3 "$ts" "$T/std2.json") v1,$(std_sign "$STD_SECRET" msg_3 "$ts" "$T/std2.json")"
	post_standard "$T/std2.json" msg_3 "$ts" "$sig"
	assert_eq 200 "$CODE" "two signatures"
	stop_server
	assert_sql "SELECT group_concat(provider || ':' || webhook_id || ':' || topic, ' ') FROM \
		(SELECT * FROM webhook_receipts ORDER BY webhook_id)" \
		"standard:msg_1:products/create standard:msg_2:products/update standard:msg_3:products/update"
	assert_sql "SELECT price_minor FROM variants WHERE sku = 'CVT-M'" "4500"
}

test_standard_webhook_stale_or_future_timestamp_is_refused() {
	start_server
	envelope product.created "$FIX/webhooks/products-create.json" "$T/std.json"
	before=$(db_state)
	for ts in $(($(date +%s) - 400)) $(($(date +%s) + 400)) 12abc; do
		sig="v1,$(std_sign "$STD_SECRET" msg_1 "$ts" "$T/std.json")"
		post_standard "$T/std.json" msg_1 "$ts" "$sig"
		assert_eq 401 "$CODE" "timestamp $ts"
		assert_eq "" "$BODY"
	done
	# the signature of another id
	ts=$(date +%s)
	post_standard "$T/std.json" msg_2 "$ts" "v1,$(std_sign "$STD_SECRET" msg_1 "$ts" "$T/std.json")"
	assert_eq 401 "$CODE" "id swapped"
	stop_server
	assert_eq "$before" "$(db_state)" "database after refusals"
	grep -q '401 stale' "$T/serve.log" || fail "no stale line: $(cat "$T/serve.log")"
}

test_oversized_body_is_413_and_stores_nothing() {
	start_server --max-body 1000
	before=$(db_state)
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	assert_eq 413 "$CODE" "declared length over the limit"
	# no Content-Length: chunked, cut off as it arrives
	CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Transfer-Encoding: chunked' \
		-H "X-Shopify-Hmac-Sha256: $(shopify_mac "$FIX/webhooks/products-create.json")" \
		-H "X-Shopify-Webhook-Id: wh-2" --data-binary @"$FIX/webhooks/products-create.json" \
		"http://127.0.0.1:$PORT/webhooks/shopify/products/create")
	assert_eq 413 "$CODE" "chunked body over the limit"
	stop_server
	assert_eq "$before" "$(db_state)"
}

test_malformed_or_unusable_payload_is_422_and_stores_nothing() {
	start_server
	before=$(db_state)
	printf '{"handle": "x", "variants": [' >"$T/bad.json"
	post_shopify products/create "$T/bad.json" wh-1
	assert_eq 422 "$CODE" "truncated JSON"
	case $BODY in *"not valid JSON at line 1"*) ;; *) fail "body: $BODY" ;; esac
	printf '{"title": "no handle"}' >"$T/nohandle.json"
	post_shopify products/create "$T/nohandle.json" wh-2
	assert_eq 422 "$CODE" "no handle"
	printf '{"handle": "h", "variants": [{"sku": "A", "price": "1.00"}, {"sku": "B", "price": "abc"}]}' >"$T/price.json"
	post_shopify products/create "$T/price.json" wh-3
	assert_eq 422 "$CODE" "bad price in the second variant: the product is not stored either"
	post_shopify inventory_levels/update "$FIX/webhooks/inventory-levels-update.json" wh-4
	assert_eq 422 "$CODE" "unknown inventory item ($BODY)"
	post_shopify carts/create "$FIX/webhooks/products-create.json" wh-5
	assert_eq 422 "$CODE" "unsupported topic"
	stop_server
	assert_eq "$before" "$(db_state)"
	# a refused payload leaves no receipt: the fixed delivery is accepted
}

test_missing_webhook_id_is_400() {
	start_server
	CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "X-Shopify-Hmac-Sha256: $(shopify_mac "$FIX/webhooks/products-create.json")" \
		--data-binary @"$FIX/webhooks/products-create.json" \
		"http://127.0.0.1:$PORT/webhooks/shopify/products/create")
	assert_eq 400 "$CODE"
	stop_server
	assert_sql "SELECT count(*) FROM products" "0"
}

test_orders_and_inventory_webhooks() {
	start_server
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	post_shopify orders/create "$FIX/webhooks/orders-create.json" wh-2
	assert_eq 200 "$CODE" "order ($BODY)"
	post_shopify inventory_levels/update "$FIX/webhooks/inventory-levels-update.json" wh-3
	assert_eq 200 "$CODE" "inventory ($BODY)"
	stop_server
	assert_sql "SELECT key, customer_key, status, country, currency, purchased_at FROM orders" \
		"5702934528186|6489215664314|paid|GB|USD|2026-12-02T19:21:09Z"
	assert_sql "SELECT group_concat(line_no || ':' || sku || ':' || quantity || ':' || unit_price_minor, ' ') \
		FROM order_lines" "1:CVT-S:1:6000 2:CVT-M:1:6000"
	assert_sql "SELECT count(*) FROM order_lines WHERE variant_id IS NULL" "0"
	assert_sql "SELECT name, email, city, country FROM customers" "Ada Lovelace|ada@example.com|London|GB"
	assert_sql "SELECT v.sku, i.location, i.quantity FROM inventory_levels i JOIN variants v ON v.id = i.variant_id" \
		"CVT-M|68374937786|7"
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created'" "1"
}

test_rate_limit_per_client_is_429() {
	# one request a second, a burst of one: of 20 sent at once, however slow
	# the machine, most find the bucket empty
	start_server --rate 1
	mac=$(shopify_mac "$FIX/webhooks/products-create.json")
	for i in $(seq 1 20); do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "X-Shopify-Hmac-Sha256: $mac" \
			-H "X-Shopify-Webhook-Id: wh-$i" --data-binary @"$FIX/webhooks/products-create.json" \
			"http://127.0.0.1:$PORT/webhooks/shopify/products/create" >"$T/code-$i" &
	done
	wait_children=$(jobs -p | grep -v "^$SPID\$")
	for p in $wait_children; do wait "$p"; done
	stop_server
	ok=$(cat "$T"/code-* | grep -c '^200$')
	limited=$(cat "$T"/code-* | grep -c '^429$')
	[ "$limited" -ge 10 ] || fail "only $limited of 20 refused with 429 ($ok stored)"
	[ "$ok" -ge 1 ] || fail "none stored"
	assert_eq 20 $((ok + limited)) "every answer is 200 or 429"
	assert_sql "SELECT count(*) FROM webhook_receipts" "$ok"
}

test_routes_methods_health_and_metrics() {
	start_server
	code() { curl -s -o "$T/resp" -w '%{http_code}' "$@"; }
	assert_eq 200 "$(code "http://127.0.0.1:$PORT/healthz")" "healthz"
	assert_eq 404 "$(code "http://127.0.0.1:$PORT/nope")" "unknown route"
	assert_eq 404 "$(code -X POST "http://127.0.0.1:$PORT/webhooks/shopify/")" "no topic"
	assert_eq 405 "$(code "http://127.0.0.1:$PORT/webhooks/standard")" "GET a webhook"
	assert_eq 405 "$(code -X POST "http://127.0.0.1:$PORT/healthz")" "POST healthz"
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1 x
	assert_eq 200 "$(code "http://127.0.0.1:$PORT/metrics")" "metrics"
	cp "$T/resp" "$T/metrics.txt"
	stop_server
	grep -q '^orrery_webhooks_stored_total 1$' "$T/metrics.txt" || fail "stored: $(head -c 800 "$T/metrics.txt")"
	grep -q '^orrery_http_requests_total{route="shopify",code="401"} 1$' "$T/metrics.txt" ||
		fail "401 counter: $(head -c 800 "$T/metrics.txt")"
	grep -q '^orrery_webhook_receipts 1$' "$T/metrics.txt" || fail "receipts gauge"
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$T/metrics.txt" >"$T/promtool.out" 2>&1 ||
			fail "promtool: $(cat "$T/promtool.out")"
	fi
}

test_secrets_readable_by_others_refuse_to_start() {
	need_tools
	init_db
	write_secrets
	chmod 644 "$T/secrets.json"
	run --db "$DB" serve --listen 127.0.0.1:0
	assert_status 65
	assert_err_contains "secrets.json: mode 0644"
	assert_err_contains "chmod 600"
	# every command, not only serve
	run --db "$DB" sources
	assert_status 65
	# --secrets names another file: that one is checked
	cp "$T/secrets.json" "$T/other.json"
	chmod 600 "$T/other.json"
	run --db "$DB" --secrets "$T/other.json" sources
	assert_status 0
	run --db "$DB" --secrets "$T/missing.json" sources
	assert_status 66
}

test_no_verifying_secret_refuses_to_start() {
	need_tools
	init_db
	printf '{"other": {"token": "abc"}}' >"$T/secrets.json"
	chmod 600 "$T/secrets.json"
	run --db "$DB" serve --listen 127.0.0.1:0
	assert_status 65
	assert_err_contains "neither shopify.webhook_secret nor standard.webhook_secret"
	printf '{"standard": {"webhook_secret": "whsec_tooshort"}}' >"$T/secrets.json"
	run --db "$DB" serve --listen 127.0.0.1:0
	assert_status 65
	assert_err_contains "standard.webhook_secret (entry 1)"
	assert_err_not_contains "tooshort"
}

test_bad_listen_and_options_are_usage_errors() {
	need_tools
	init_db
	write_secrets
	for l in 127.0.0.1 localhost:80 127.0.0.1:99999 :80 "[::1" 127.0.0.1:8x; do
		run --db "$DB" serve --listen "$l"
		assert_status 64
	done
	run --db "$DB" serve
	assert_status 64
	assert_err_contains "--listen HOST:PORT is required"
	run --db "$DB" serve --listen 127.0.0.1:0 --threads 0
	assert_status 64
	run --db "$DB" serve --listen 127.0.0.1:0 --currency XX
	assert_status 64
	run --db "$DB" serve --help
	assert_status 0
	assert_out_contains "POST /webhooks/shopify/TOPIC"
}

test_port_in_use_is_an_io_error() {
	start_server
	run --db "$DB" serve --listen "127.0.0.1:$PORT"
	assert_status 74
	assert_err_contains "cannot listen on 127.0.0.1:$PORT"
	stop_server
}

test_secrets_never_appear_in_output_or_logs() {
	start_server
	post_shopify products/create "$FIX/webhooks/products-create.json" wh-1 bad
	printf 'not json' >"$T/bad.json"
	post_shopify products/create "$T/bad.json" wh-2
	curl -s "http://127.0.0.1:$PORT/metrics" >"$T/metrics.txt"
	stop_server
	for f in "$T/serve.log" "$T/serve.out" "$T/metrics.txt" "$T/resp"; do
		for s in "$SHOPIFY_SECRET" "${STD_SECRET#whsec_}" "${STD_OLD#whsec_}"; do
			! grep -qF "$s" "$f" || fail "a secret in $f"
		done
	done
}
