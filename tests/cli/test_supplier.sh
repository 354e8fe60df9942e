# test_supplier.sh - the supplier and marketing subsystems from outside:
# stockout.risk -> purchase-order proposal (quantity, cost, the arithmetic)
# -> approval above the threshold -> purchase_order.approved and the file
# drop; rejected approvals withdraw the order; open orders count as on order;
# marketing.pause inhibits the promotion rule for the same SKU; supplier
# terms files with bad rows are refused whole.

run_idle() {
	run --db "$DB" run --until-idle
	[ "$STATUS" -eq 0 ] || fail "run --until-idle exited $STATUS; stderr: $(head -c 600 "$T/.err")"
}

# The catalogue (three SKUs of the Online Retail data, three suppliers) and
# their terms.
setup_catalog() {
	init_db
	ingest_ok "$FIX/supplier/catalog.jsonl"
	run --db "$DB" supplier terms "$FIX/supplier/terms.csv"
	[ "$STATUS" -eq 0 ] || fail "supplier terms exited $STATUS: $ERR"
	# the audit's own jobs are not what these tests look at
	run_idle
}

variant_of() {
	sql "SELECT id FROM variants WHERE sku = '$1'"
}

# risk_payload SKU ON_HAND ORDER_UP_TO: a stockout.risk payload as the
# forecast subsystem writes it (mean 3.2/day, sd 1.1, lead time 7 d, sd 2).
risk_payload() {
	printf '{"sku":"%s","variant_id":%s,"on_hand":%s,"daily_mean":3.2,"daily_sd":1.1,"lead_time_days":7,"lead_time_sd":2,"z":1.645,"service_level":0.95,"safety_stock":11.57,"reorder_point":33.97,"order_up_to":%s,"model":"ets_ann","horizon":7,"forecast":[3.1,3.2,3.2,3.3,3.2,3.1,3.2],"lo":[1.0,1.1,1.0,1.2,1.1,1.0,1.1],"hi":[5.2,5.3,5.4,5.4,5.3,5.2,5.3],"level":0.95,"stockout_date":"2026-12-08"}' \
		"$1" "$(variant_of "$1")" "$2" "$3"
}

emit_risk() {
	run --db "$DB" emit "$1" --entity variant --entity-id "$(variant_of "$2")" --payload "$(risk_payload "$2" "$3" "$4")"
	[ "$STATUS" -eq 0 ] || fail "emit $1 exited $STATUS: $ERR"
}

# --- proposals ------------------------------------------------------------------

test_small_order_is_proposed_and_sent_without_approval() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 56
	run_idle
	# 56 - 12 - 0 = 44, raised to the minimum order 50, packs of 12: 60 x 1.05 GBP
	assert_sql "SELECT number, sku, quantity, unit_cost_minor, value_minor, currency, state FROM purchase_orders" \
		"PO-$(sql "SELECT max(id) FROM events WHERE type = 'stockout.risk'")|85123A|60|105|6300|GBP|delivered"
	assert_sql "SELECT count(*) FROM approvals" 0
	assert_sql "SELECT approved_by FROM purchase_orders" "rule: under the approval threshold"
	assert_sql "SELECT group_concat(type, ' ') FROM (SELECT type FROM events WHERE type LIKE 'purchase_order.%' ORDER BY id)" \
		"purchase_order.proposed purchase_order.approved"
	number=$(sql "SELECT number FROM purchase_orders")
	assert_file_exists "$T/drop/purchase_orders/$number.csv"
	assert_eq "po_number,supplier_key,supplier_name,sku,quantity,unit_cost_minor,value_minor,currency,approved_by
\"$number\",\"candle-works\",\"Candle Works Ltd\",\"85123A\",60,105,6300,\"GBP\",\"rule: under the approval threshold\"" \
		"$(tr -d '\r' <"$T/drop/purchase_orders/$number.csv")" "the CSV file drop"
	assert_sql "SELECT delivered_to = '$T/drop/purchase_orders/$number.csv' FROM purchase_orders" 1
}

test_rationale_writes_out_the_arithmetic() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 56
	run_idle
	run --db "$DB" supplier show 1
	assert_status 0
	assert_out_contains "Lead-time demand = 3.20 x 7.00 = 22.4 units."
	assert_out_contains "Safety stock = z x sqrt(L x sd^2 + mean^2 x sdL^2) = 1.645 x sqrt(7.00 x 1.10^2 + 3.20^2 x 2.00^2) = 11.6 units (service level 95.0%)."
	assert_out_contains "Reorder point = 22.4 + 11.6 = 34.0 units; inventory position = on hand 12 + on order 0 = 12, at or below it"
	assert_out_contains "projected stockout 2026-12-08"
	assert_out_contains "Order-up-to 56.0 - on hand 12 - on order 0 = 44.0 units; at least the minimum order of 50; rounded up to packs of 12: 60 units x 1.05 GBP = 63.00 GBP."
	# the proposal's event carries the forecast and its interval for the console
	assert_sql "SELECT json_array_length(payload, '\$.forecast'), json_extract(payload, '\$.hi[0]'), json_extract(payload, '\$.reorder_point') FROM events WHERE type = 'purchase_order.proposed'" "7|5.2|33.97"
}

test_reported_safety_stock_that_differs_is_shown() {
	setup_catalog
	run --db "$DB" emit stockout.risk --entity variant --entity-id "$(variant_of 85123A)" \
		--payload "$(risk_payload 85123A 12 56 | sed 's/"safety_stock":11.57/"safety_stock":9.5/')"
	run_idle
	assert_sql "SELECT instr(rationale, '= 11.6 units (the forecast''s policy reports 9.5)') > 0 FROM purchase_orders" 1
}

test_large_order_waits_for_approval_then_is_delivered() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 600
	run_idle
	# 588 units in packs of 12 = 588 x 1.05 = 617.40 GBP: above 500.00
	assert_sql "SELECT quantity, value_minor, state FROM purchase_orders" "588|61740|proposed"
	assert_sql "SELECT state, rule, entity, entity_id FROM approvals" "pending|supplier-release|purchase_order|1"
	run --db "$DB" approvals
	assert_out_contains "588 x 85123A from candle-works for 617.40 GBP"
	assert_no_file "$T/drop/purchase_orders/PO-$(sql "SELECT event_id FROM purchase_orders").csv"
	USER=alice run --db "$DB" approvals approve 1 --note "checked the forecast"
	assert_status 0
	run_idle
	assert_sql "SELECT state, approved_by FROM purchase_orders" "delivered|alice"
	assert_sql "SELECT json_extract(payload, '\$.approved_by'), json_extract(payload, '\$.value_minor') FROM events WHERE type = 'purchase_order.approved'" "alice|61740"
	assert_file_exists "$T/drop/purchase_orders/$(sql "SELECT number FROM purchase_orders").csv"
}

test_rejected_approval_withdraws_the_order() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 600
	run_idle
	run --db "$DB" approvals reject 1 --note "too much"
	assert_status 0
	run_idle
	assert_sql "SELECT state FROM purchase_orders" "rejected"
	assert_sql "SELECT count(*) FROM events WHERE type = 'purchase_order.approved'" 0
	# no longer on order: the next risk proposes again, for the whole shortfall
	emit_risk stockout.risk 85123A 12 56
	run_idle
	assert_sql "SELECT quantity, state FROM purchase_orders WHERE id = 2" "60|delivered"
}

test_expired_approval_withdraws_the_order() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 600
	run_idle
	assert_sql "SELECT expires_at - created_at FROM approvals" 604800000
	# a week passes without a decision
	sql "UPDATE approvals SET expires_at = 1 WHERE id = 1"
	run_idle
	assert_sql "SELECT state FROM approvals" expired
	assert_sql "SELECT state FROM purchase_orders" rejected
	assert_sql "SELECT count(*) FROM jobs WHERE kind = 'supplier.withdraw' AND state = 'succeeded'" 1
}

test_open_orders_count_as_on_order() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 600
	run_idle
	# the first order (588) waits for approval; a second risk finds it on order
	emit_risk stockout.risk 85123A 12 600
	run_idle
	assert_sql "SELECT count(*) FROM purchase_orders" 1
	assert_sql "SELECT json_extract(result, '\$.skipped') IS NOT NULL, json_extract(result, '\$.on_order') FROM jobs WHERE kind = 'supplier.propose' ORDER BY id DESC LIMIT 1" "1|588"
	# a higher target orders only the difference: 700 - 12 - 588 = 100 -> 108
	emit_risk stockout.risk 85123A 12 700
	run_idle
	assert_sql "SELECT quantity FROM purchase_orders WHERE id = 2" 108
	run --db "$DB" supplier show 2
	assert_out_contains "Order-up-to 700.0 - on hand 12 - on order 588 = 100.0 units"
}

test_sending_twice_delivers_once() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 56
	run_idle
	cp "$T/drop/purchase_orders/PO-"*.csv "$T/first.csv"
	# a second send of the same order (another key): same file, no second event
	run --db "$DB" jobs enqueue supplier.send --args '{"po_id": 1}' --key again
	assert_status 0
	run_idle
	assert_sql "SELECT state FROM jobs WHERE idempotency_key = 'again'" succeeded
	assert_sql "SELECT count(*) FROM events WHERE type = 'purchase_order.approved'" 1
	assert_eq "$(cat "$T/first.csv")" "$(cat "$T/drop/purchase_orders/PO-"*.csv)" "the file after a resend"
	assert_eq 1 "$(ls "$T/drop/purchase_orders" | wc -l | tr -d ' ')" "files in the drop"
	# and the same risk event proposes one order however often its job runs
	run --db "$DB" jobs enqueue supplier.propose --key again2 \
		--args "{\"event_id\": $(sql "SELECT event_id FROM purchase_orders"), \"risk\": $(risk_payload 85123A 12 56)}"
	run_idle
	assert_sql "SELECT count(*) FROM purchase_orders" 1
	assert_sql "SELECT count(*) FROM events WHERE type = 'purchase_order.proposed'" 1
}

test_received_orders_no_longer_count_as_on_order() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 600
	run_idle
	run --db "$DB" supplier receive 1
	assert_status 1
	assert_err_contains "PO-"
	assert_err_contains "is proposed: only approved or delivered orders can be received"
	run --db "$DB" approvals approve 1
	run_idle
	USER=carol run --db "$DB" supplier receive 1
	assert_status 0
	assert_out_contains "purchase order 1 received"
	assert_sql "SELECT state, received_by, received_at > 0 FROM purchase_orders" "received|carol|1"
	assert_sql "SELECT json_extract(payload, '\$.quantity'), entity, entity_id FROM events WHERE type = 'purchase_order.received'" "588|purchase_order|1"
	run --db "$DB" supplier receive 1
	assert_status 1
	assert_err_contains "is received"
	run --db "$DB" supplier receive 99
	assert_status 66
	# nothing on order now: the next risk orders the whole shortfall again
	emit_risk stockout.risk 85123A 12 56
	run_idle
	assert_sql "SELECT quantity FROM purchase_orders WHERE id = 2" 60
	run --db "$DB" supplier show 1
	assert_out_contains "received by   carol"
}

test_json_and_webhook_suppliers() {
	setup_catalog
	emit_risk stockout.risk 22469 40 100
	emit_risk stockout.risk 22960 3 40
	run_idle
	# 22469: 60 in packs of 6 (no minimum) -> JSON file
	n1=$(sql "SELECT number FROM purchase_orders WHERE sku = '22469'")
	assert_file_exists "$T/drop/purchase_orders/$n1.json"
	assert_json_valid "$T/drop/purchase_orders/$n1.json"
	assert_eq "60|Wicker \"Co\", Ltd" "$(json_sql "$T/drop/purchase_orders/$n1.json" "json_extract(j, '\$.quantity') || '|' || json_extract(j, '\$.supplier_name')")" "JSON drop"
	# 22960: a webhook supplier gets purchase_order.approved and no file
	assert_sql "SELECT quantity, state, delivered_to FROM purchase_orders WHERE sku = '22960'" "48|approved|NULL"
	assert_sql "SELECT count(*) FROM events WHERE type = 'purchase_order.approved' AND json_extract(payload, '\$.sku') = '22960'" 1
	assert_eq 1 "$(ls "$T/drop/purchase_orders" | wc -l | tr -d ' ')" "files in the drop"
}

test_drop_dir_from_the_environment() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 56
	ORRERY_DROP_DIR=$T/elsewhere run --db "$DB" run --until-idle
	assert_status 0
	assert_file_exists "$T/elsewhere/purchase_orders/$(sql "SELECT number FROM purchase_orders").csv"
	assert_no_file "$T/drop"
}

# --- what cannot be proposed --------------------------------------------------------

test_sku_without_terms_falls_back_to_a_task() {
	setup_catalog
	sql "DELETE FROM supplier_terms WHERE variant_id = $(variant_of 22469)"
	emit_risk stockout.risk 22469 40 100
	run_idle
	assert_sql "SELECT state FROM jobs WHERE kind = 'supplier.propose'" dead
	assert_sql "SELECT count(*) FROM purchase_orders" 0
	assert_sql "SELECT instr(title, 'SKU 22469: variant') > 0 AND instr(title, 'has no supplier terms') > 0 FROM tasks WHERE subsystem = 'supplier'" 1
}

test_malformed_risk_payload_is_refused() {
	setup_catalog
	run --db "$DB" emit stockout.risk --entity variant --entity-id 1 --payload '{"sku": "85123A", "variant_id": 1, "on_hand": "twelve"}'
	run_idle
	assert_sql "SELECT state, attempts FROM jobs WHERE kind = 'supplier.propose'" "dead|1"
	assert_sql "SELECT instr(last_error, 'args.on_hand is missing') > 0 FROM jobs WHERE kind = 'supplier.propose'" 1
	assert_sql "SELECT count(*) FROM purchase_orders" 0
}

test_enough_on_order_proposes_nothing() {
	setup_catalog
	emit_risk stockout.risk 85123A 60 56
	run_idle
	assert_sql "SELECT count(*) FROM purchase_orders" 0
	assert_sql "SELECT state, json_extract(result, '\$.skipped') IS NOT NULL FROM jobs WHERE kind = 'supplier.propose'" "succeeded|1"
}

# --- marketing -------------------------------------------------------------------------

test_pause_inhibits_the_promotion_rule_for_the_same_sku() {
	setup_catalog
	emit_risk stockout.risk 85123A 12 56
	run_idle
	assert_sql "SELECT kind, sku FROM marketing_signals" "pause|85123A"
	assert_sql "SELECT count(*) FROM events WHERE type = 'marketing.pause' AND entity = 'variant' AND entity_id = $(variant_of 85123A)" 1
	assert_file_exists "$T/drop/marketing/pause-85123A-E$(sql "SELECT max(id) FROM events WHERE type = 'stockout.risk'").json"
	# an overstock of the same SKU within 14 days: the promotion is suppressed
	emit_risk overstock.risk 85123A 400 56
	ev=$(sql "SELECT max(id) FROM events WHERE type = 'overstock.risk'")
	run_idle
	assert_sql "SELECT outcome, suppressed_by FROM firings WHERE event_id = $ev AND rule = 'marketing-promote'" "suppressed|marketing-pause"
	assert_sql "SELECT count(*) FROM jobs WHERE kind = 'marketing.promote'" 0
	run --db "$DB" rules explain "$ev"
	assert_out_contains "marketing-pause"
	# another SKU is promoted
	emit_risk overstock.risk 22469 400 100
	run_idle
	assert_sql "SELECT kind, sku FROM marketing_signals ORDER BY id DESC LIMIT 1" "promote|22469"
	assert_sql "SELECT count(*) FROM events WHERE type = 'marketing.promote'" 1
	run --db "$DB" marketing signals --format json
	assert_status 0
	printf '%s' "$OUT" >"$T/signals.json"
	assert_eq 2 "$(json_sql "$T/signals.json" "json_array_length(j)")" "signals"
}

# --- supplier terms -------------------------------------------------------------------------

test_terms_are_listed() {
	setup_catalog
	run --db "$DB" supplier terms
	assert_status 0
	assert_out_contains "85123A"
	assert_out_contains "1.05 GBP"
	run --db "$DB" supplier terms --format json
	printf '%s' "$OUT" >"$T/terms.json"
	assert_eq "3|6|json|" "$(json_sql "$T/terms.json" "json_array_length(j) || '|' || json_extract(j, '\$[0].pack_size') || '|' || json_extract(j, '\$[0].delivery') || '|' || coalesce(json_extract(j, '\$[0].lead_time_sd_days'), '')")" "terms"
}

# terms_refused CONTENT MESSAGE: the file is refused with MESSAGE and the
# database is unchanged.
terms_refused() {
	printf '%s' "$1" >"$T/bad.csv"
	before=$(db_state)
	run --db "$DB" supplier terms "$T/bad.csv"
	assert_status 65
	assert_err_contains "$2"
	assert_eq "$before" "$(db_state)" "database after a refused terms file"
}

test_bad_terms_files_are_refused_whole() {
	init_db
	ingest_ok "$FIX/supplier/catalog.jsonl"
	h='sku,supplier,unit_cost,currency,lead_time_days'
	terms_refused "$h
85123A,candle-works,1.05,GBP,7
NOPE,candle-works,1.05,GBP,7
" "bad.csv:3: sku: no variant has SKU \"NOPE\""
	terms_refused "$h
85123A,nobody,1.05,GBP,7
" "bad.csv:2: supplier: no supplier has key \"nobody\""
	terms_refused "$h
85123A,candle-works,1.05,XXX,7
" "bad.csv:2: currency: not an ISO 4217 currency"
	terms_refused "$h
85123A,candle-works,1.055,GBP,7
" "bad.csv:2: unit_cost:"
	terms_refused "$h
85123A,candle-works,-1,GBP,7
" "bad.csv:2: unit_cost:"
	terms_refused "$h
85123A,candle-works,1.05,GBP,soon
" "bad.csv:2: lead_time_days: must be a number of days"
	terms_refused "$h,pack_size
85123A,candle-works,1.05,GBP,7,0
" "bad.csv:2: pack_size: must be a whole number from 1"
	terms_refused "$h,delivery
85123A,candle-works,1.05,GBP,7,fax
" "bad.csv:2: delivery: must be csv, json or webhook"
	terms_refused "sku,supplier,unit_cost,currency
85123A,candle-works,1.05,GBP
" "bad.csv:1: lead_time_days: required column missing"
	terms_refused "$h,colour
85123A,candle-works,1.05,GBP,7,red
" "bad.csv:1: colour: unknown column"
	terms_refused "" "bad.csv:1: empty file"
	terms_refused "$h
\"85123A,candle-works,1.05,GBP,7
" "bad.csv:"
	run --db "$DB" supplier terms "$T/missing.csv"
	assert_status 66
	assert_err_contains "missing.csv"
}

test_commands_help_and_usage() {
	init_db
	run --db "$DB" supplier --help
	assert_status 0
	assert_out_contains "usage: orrery [--db PATH] supplier"
	run --db "$DB" marketing --help
	assert_status 0
	run --db "$DB" supplier orders --state lost
	assert_status 64
	assert_err_contains "unknown --state \"lost\""
	run --db "$DB" supplier show
	assert_status 64
	run --db "$DB" supplier show 9
	assert_status 66
	assert_err_contains "no purchase order 9"
	run --db "$DB" supplier fly
	assert_status 64
	run --db "$DB" supplier orders --format json
	assert_status 0
	assert_eq "[]" "$OUT" "no orders as JSON"
	run --db "$T/none.db" supplier orders
	assert_status 66
}

# --- the whole chain, from ingested orders ---------------------------------------------

test_end_to_end_from_orders_to_a_delivered_order_and_a_pause() {
	init_db
	# the supplier's API and the marketing tool: one webhook connector on
	# 127.0.0.1 subscribed to the approved orders and the signals
	start_faultsrv
	signing=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
	printf '{"hooks": {"signing": "%s"}}\n' "$signing" >"$T/secrets.json"
	chmod 600 "$T/secrets.json"
	printf '{"connectors": [{"name": "partners", "kind": "webhook", "url": "%s/ok", "secret": "hooks.signing", "events": ["purchase_order.approved", "marketing.*"]}]}\n' \
		"$FS" >"$T/connectors.json"
	# real orders (Online Retail), a stock figure and terms for two of its SKUs
	ingest_ok "$FIX/online-retail/online_retail.csv" "$FIX/supplier/retail_stock.jsonl"
	run --db "$DB" supplier terms "$FIX/supplier/retail_terms.csv"
	assert_status 0
	run --db "$DB" forecast run
	assert_status 0
	# 85123A: 2 on hand against a week's lead time -> stockout.risk;
	# 22469: 900 on hand -> overstock.risk
	assert_sql "SELECT json_extract(payload, '\$.sku') FROM events WHERE type = 'stockout.risk'" "85123A"
	assert_sql "SELECT json_extract(payload, '\$.sku') FROM events WHERE type = 'overstock.risk'" "22469"
	risk=$(sql "SELECT id FROM events WHERE type = 'stockout.risk'")
	run_idle
	# the proposal: the forecast's order-up-to level in packs of 12 (at least 60) at 9.00 GBP: over 500.00 whatever the model
	assert_sql "SELECT number, sku, quantity % 12, quantity >= 50, value_minor = quantity * 900, state FROM purchase_orders" \
		"PO-$risk|85123A|0|1|1|proposed"
	assert_sql "SELECT json_extract(payload, '\$.order_qty') = (SELECT quantity FROM purchase_orders) FROM events WHERE id = $risk" 1
	assert_sql "SELECT state, entity FROM approvals" "pending|purchase_order"
	run --db "$DB" supplier show 1
	assert_out_contains "Lead-time demand = "
	assert_out_contains "Safety stock = z x sqrt(L x sd^2 + mean^2 x sdL^2) = 1.645 x sqrt(7.00 x "
	# approved by a person: purchase_order.approved and the supplier's CSV
	USER=bob run --db "$DB" approvals approve 1
	assert_status 0
	run_idle
	assert_sql "SELECT state, approved_by FROM purchase_orders" "delivered|bob"
	assert_sql "SELECT count(*) FROM events WHERE type = 'purchase_order.approved' AND json_extract(payload, '\$.number') = 'PO-$risk'" 1
	assert_file_exists "$T/drop/purchase_orders/PO-$risk.csv"
	# and as a signed webhook the supplier's endpoint received and can verify
	assert_sql "SELECT state FROM deliveries WHERE event_type = 'purchase_order.approved'" "delivered"
	jq -c 'select((.body | fromjson).type == "purchase_order.approved")' "$T/rec.jsonl" >"$T/po.jsonl"
	assert_eq 1 "$(wc -l <"$T/po.jsonl" | tr -d ' ')" "purchase orders received"
	jq -j .body "$T/po.jsonl" >"$T/po.body"
	assert_eq "PO-$risk" "$(jq -r .data.number "$T/po.body")" "the order's number in the webhook"
	id=$(jq -j '.headers["webhook-id"]' "$T/po.jsonl")
	ts=$(jq -j '.headers["webhook-timestamp"]' "$T/po.jsonl")
	assert_eq "v1,$(std_sign "$signing" "$id" "$ts" "$T/po.body")" \
		"$(jq -j '.headers["webhook-signature"]' "$T/po.jsonl")" "webhook-signature"
	# coordinated: 85123A's promotion paused, 22469 promoted, both sent
	assert_sql "SELECT group_concat(kind || ':' || sku, ' ') FROM (SELECT kind, sku FROM marketing_signals ORDER BY sku)" "promote:22469 pause:85123A"
	assert_sql "SELECT group_concat(event_type || ':' || state, ' ') FROM (SELECT event_type, state FROM deliveries WHERE event_type LIKE 'marketing.%' ORDER BY event_type)" \
		"marketing.pause:delivered marketing.promote:delivered"
	# restocked, 85123A turns to overstock: its promotion rule stays inhibited
	ingest_ok "$FIX/supplier/retail_restock.jsonl"
	run --db "$DB" forecast run --sku 85123A
	assert_status 0
	over=$(sql "SELECT max(id) FROM events WHERE type = 'overstock.risk' AND json_extract(payload, '\$.sku') = '85123A'")
	[ -n "$over" ] && [ "$over" != NULL ] || fail "no overstock.risk for 85123A after the restock"
	run_idle
	assert_sql "SELECT outcome, suppressed_by FROM firings WHERE event_id = $over AND rule = 'marketing-promote'" "suppressed|marketing-pause"
	assert_sql "SELECT count(*) FROM marketing_signals WHERE sku = '85123A' AND kind = 'promote'" 0
}
