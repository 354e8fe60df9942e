# test_context.sh - `orrery context customer ID|EMAIL`: the customer-service
# document (purchase history, open orders and delivery status, availability
# of the items, the return policy), found by email, key or id, across every
# id of the same person; judged at a fixed time with --at.

AT=2026-12-01T12:00:00Z

setup_customers() {
	init_db
	ingest_ok "$FIX/supplier/catalog.jsonl" "$FIX/context/customers.jsonl"
}

context_json() {
	run --db "$DB" context customer "$1" --at "$AT" --format json
	[ "$STATUS" -eq 0 ] || fail "context customer $1 exited $STATUS: $ERR"
	printf '%s' "$OUT" >"$T/ctx.json"
	assert_json_valid "$T/ctx.json"
}

# jq-like: one JSON path of the last context document
ctx() {
	json_get "$T/ctx.json" "$1"
}

test_email_finds_every_id_of_the_person() {
	setup_customers
	context_json "ADA@EXAMPLE.ORG"
	assert_eq "Ada Lovelace|ada@example.org|2" "$(ctx '$.customer.name')|$(ctx '$.customer.email')|$(json_sql "$T/ctx.json" "json_array_length(j, '\$.customer.ids')")" "customer"
	assert_eq "6|2|1|1" "$(ctx '$.summary.orders')|$(ctx '$.summary.open')|$(ctx '$.summary.late')|$(ctx '$.summary.returns')" "summary"
	# the webshop's cancelled order belongs to the same person (same email)
	assert_eq "cancelled" "$(json_sql "$T/ctx.json" "(SELECT json_extract(value, '\$.delivery_status') FROM json_each(j, '\$.orders') WHERE json_extract(value, '\$.key') = 'o-5')")" "o-5"
}

test_key_and_numeric_id_find_the_same_person() {
	setup_customers
	context_json c-100
	a=$(ctx '$.summary.orders')
	context_json "$(sql "SELECT id FROM customers WHERE key = 'w-7'")"
	assert_eq "$a" "$(ctx '$.summary.orders')" "orders by id"
	assert_eq "Ada Lovelace" "$(ctx '$.customer.name')" "name by id"
}

test_delivery_status_lateness_and_returns() {
	setup_customers
	context_json c-100
	q() {
		json_sql "$T/ctx.json" "(SELECT json_extract(value, '\$.delivery_status') || '|' || json_extract(value, '\$.open') || '|' || json_extract(value, '\$.late') || '|' || coalesce(json_extract(value, '\$.returnable'), '-') || '|' || coalesce(json_extract(value, '\$.returnable_until'), '-') FROM json_each(j, '\$.orders') WHERE json_extract(value, '\$.key') = '$1')"
	}
	assert_eq "delivered|0|0|1|2026-12-20T15:30:00.000Z" "$(q o-1)" "o-1 (delivered 11-20, 30 days)"
	assert_eq "delivered|0|1|0|2026-10-01T11:00:00.000Z" "$(q o-2)" "o-2 (delivered late, window closed)"
	assert_eq "shipped|1|1|-|-" "$(q o-3)" "o-3 (shipped, past its estimate)"
	assert_eq "processing|1|0|-|-" "$(q o-4)" "o-4"
	assert_eq "return|0|0|-|-" "$(q C-o-6)" "C-o-6"
	# newest first, and the total of o-2 = 6 x 1.65 + 2.55
	assert_eq "o-4 o-3 o-1 o-5 C-o-6 o-2" "$(json_sql "$T/ctx.json" "(SELECT group_concat(json_extract(value, '\$.key'), ' ') FROM json_each(j, '\$.orders'))")" "order"
	assert_eq "1245" "$(json_sql "$T/ctx.json" "(SELECT json_extract(value, '\$.total_minor') FROM json_each(j, '\$.orders') WHERE json_extract(value, '\$.key') = 'o-2')")" "o-2 total"
	# at another time the same order is no longer returnable
	run --db "$DB" context customer c-100 --at 2026-12-21 --format json
	printf '%s' "$OUT" >"$T/ctx.json"
	assert_eq "delivered|0|0|0|2026-12-20T15:30:00.000Z" "$(q o-1)" "o-1 after its window"
}

test_availability_with_an_incoming_purchase_order() {
	setup_customers
	run --db "$DB" supplier terms "$FIX/supplier/terms.csv"
	assert_status 0
	v=$(sql "SELECT id FROM variants WHERE sku = '22960'")
	run --db "$DB" emit stockout.risk --entity variant --entity-id "$v" --payload "{\"sku\":\"22960\",\"variant_id\":$v,\"on_hand\":3,\"daily_mean\":1.2,\"daily_sd\":0.8,\"lead_time_days\":14,\"lead_time_sd\":3.5,\"z\":1.645,\"safety_stock\":5.6,\"reorder_point\":22.4,\"order_up_to\":40}"
	run --db "$DB" run --until-idle
	assert_status 0
	context_json ada@example.org
	a() {
		json_sql "$T/ctx.json" "(SELECT json_extract(value, '\$.$2') FROM json_each(j, '\$.availability') WHERE json_extract(value, '\$.sku') = '$1')"
	}
	assert_eq "3|1|48|1" "$(a 22960 on_hand)|$(a 22960 in_stock)|$(a 22960 incoming)|$(a 22960 in_open_order)" "22960"
	po=$(sql "SELECT number FROM purchase_orders")
	assert_eq "$po" "$(a 22960 next_purchase_order)" "next order"
	# approved now, 14 days' lead time
	approved=$(sql "SELECT approved_at FROM purchase_orders")
	assert_eq "$(( (approved + 14 * 86400000) / 1000 ))" "$(json_sql "$T/ctx.json" "(SELECT CAST(strftime('%s', json_extract(value, '\$.expected_by')) AS INTEGER) FROM json_each(j, '\$.availability') WHERE json_extract(value, '\$.sku') = '22960')")" "expected by"
	assert_eq "0" "$(a 85123A in_open_order)" "85123A is only in history"
	run --db "$DB" context customer ada@example.org --at "$AT"
	assert_out_contains "- JAM MAKING SET WITH JARS (SKU 22960), in an open order: 3 in stock, 48 incoming ($po, expected by"
}

test_text_document_for_a_chatbot() {
	setup_customers
	run --db "$DB" context customer c-100 --at "$AT"
	assert_status 0
	assert_out_contains "# Customer Ada Lovelace"
	assert_out_contains "Customer ids: jsonl/c-100, webshop/w-7"
	assert_out_contains "Orders: 6 (2 open, 1 late, 1 returns)"
	assert_out_contains "- order o-3 (jsonl), bought 2026-11-23: shipped since 2026-11-25, expected by 2026-11-28 (late); total 4.25 GBP"
	assert_out_contains "  - 1 x JAM MAKING SET WITH JARS (SKU 22960) at 4.25 GBP"
	assert_out_contains "- order o-1 (jsonl), bought 2026-11-14: delivered 2026-11-20; returnable until 2026-12-20; total 5.10 GBP"
	assert_out_contains "## Return policy: Returns and refunds"
	assert_out_contains "You can return most items within 30 days of delivery"
	# open orders come before the history
	open_line=$(printf '%s\n' "$OUT" | grep -n '^## Open orders' | cut -d: -f1)
	hist_line=$(printf '%s\n' "$OUT" | grep -n '^## Purchase history' | cut -d: -f1)
	o3_line=$(printf '%s\n' "$OUT" | grep -n 'order o-3' | cut -d: -f1)
	[ "$open_line" -lt "$o3_line" ] && [ "$o3_line" -lt "$hist_line" ] || fail "o-3 is not under Open orders"
}

test_orders_limit_keeps_the_counts() {
	setup_customers
	run --db "$DB" context customer c-100 --at "$AT" --orders 2 --format json
	assert_status 0
	printf '%s' "$OUT" >"$T/ctx.json"
	assert_eq "6|2|2" "$(ctx '$.summary.orders')|$(ctx '$.summary.shown')|$(json_sql "$T/ctx.json" "json_array_length(j, '\$.orders')")" "limited"
}

test_customer_without_orders_or_catalogued_items() {
	setup_customers
	context_json grace@example.org
	assert_eq "1|0|0" "$(ctx '$.summary.orders')|$(ctx '$.summary.open')|$(json_sql "$T/ctx.json" "json_array_length(j, '\$.availability')")" "grace"
	run --db "$DB" context customer grace@example.org --at "$AT"
	assert_out_contains "no lines on record"
	assert_out_contains "(no catalogued items)"
}

test_operator_return_policy_replaces_the_default() {
	setup_customers
	mkdir -p "$T/policies"
	printf '{"name": "Holiday returns", "window_days": 120, "text": "Until the new year."}\n' >"$T/policies/returns.json"
	context_json c-100
	assert_eq "Holiday returns|120|$T/policies/returns.json" "$(ctx '$.return_policy.name')|$(ctx '$.return_policy.window_days')|$(ctx '$.return_policy_source')" "policy"
	# 120 days from 2026-09-01: o-2 is returnable again
	assert_eq "1" "$(json_sql "$T/ctx.json" "(SELECT json_extract(value, '\$.returnable') FROM json_each(j, '\$.orders') WHERE json_extract(value, '\$.key') = 'o-2')")" "o-2 in 120 days"
	printf '{"name": "broken",\n "window_days": }\n' >"$T/policies/returns.json"
	run --db "$DB" context customer c-100
	assert_status 65
	assert_err_contains "policies/returns.json:2:"
	printf '[1, 2]\n' >"$T/policies/returns.json"
	run --db "$DB" context customer c-100
	assert_status 65
	assert_err_contains "a policy is a JSON object"
}

test_unknown_and_ambiguous_customers() {
	setup_customers
	run --db "$DB" context customer nobody@example.org
	assert_status 66
	assert_err_contains "no customer has the email \"nobody@example.org\""
	run --db "$DB" context customer no-such-key
	assert_status 66
	run --db "$DB" context customer shared-key
	assert_status 65
	assert_err_contains "\"shared-key\" names 2 different customers"
	assert_err_contains "(webshop shared-key)"
	# the numeric id settles it
	context_json "$(sql "SELECT id FROM customers WHERE origin = 'webshop' AND key = 'shared-key'")"
	assert_eq "Cy" "$(ctx '$.customer.name')" "by id"
	# a key that looks like SQL is only a key
	run --db "$DB" context customer "x' OR 1=1 --"
	assert_status 66
}

test_usage() {
	setup_customers
	run --db "$DB" context --help
	assert_status 0
	assert_out_contains "usage: orrery [--db PATH] context customer ID|EMAIL"
	run --db "$DB" context
	assert_status 64
	run --db "$DB" context customer
	assert_status 64
	run --db "$DB" context supplier x
	assert_status 64
	run --db "$DB" context customer c-100 --at yesterday
	assert_status 64
	assert_err_contains "--at \"yesterday\" is not a time"
	run --db "$DB" context customer c-100 --orders -1
	assert_status 64
	run --db "$T/none.db" context customer c-100
	assert_status 66
}

test_online_retail_invoices_are_not_tracked() {
	init_db
	ingest_ok "$FIX/online-retail/online_retail.csv"
	key=$(sql "SELECT c.key FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id ORDER BY count(*) DESC, c.key LIMIT 1")
	n=$(sql "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.key = '$key'")
	context_json "$key"
	# invoices record no fulfilment: none is open, none is late
	assert_eq "$n|0|0" "$(ctx '$.summary.orders')|$(ctx '$.summary.open')|$(ctx '$.summary.late')" "summary"
	assert_eq "not tracked" "$(json_sql "$T/ctx.json" "(SELECT group_concat(DISTINCT json_extract(value, '\$.delivery_status')) FROM json_each(j, '\$.orders'))")" "statuses"
	# the lines carry the catalogue's titles
	assert_eq 1 "$(json_sql "$T/ctx.json" "json_array_length(j, '\$.orders[0].lines') > 0 AND json_extract(j, '\$.orders[0].lines[0].title') IS NOT NULL")" "titled lines"
}
