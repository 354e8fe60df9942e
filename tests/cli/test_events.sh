# test_events.sh - the append-only event log as read by `orrery events`.

RETAIL=online-retail/online_retail.csv

# 10 lines (5 invoices) of the real sample.
small_db() {
	head -n 11 "$FIX/$RETAIL" >"$T/r.csv"
	ingest_ok "$T/r.csv"
}

# Number of lines of the last command's stdout.
out_lines() {
	if [ -s "$T/.out" ]; then wc -l <"$T/.out" | tr -d ' '; else echo 0; fi
}

test_events_lists_all_in_order() {
	small_db
	n=$(sql "SELECT count(*) FROM events")
	[ "$n" -gt 0 ] || fail "no events after an ingest"
	run --db "$DB" events
	assert_status 0
	assert_eq "$n" "$(out_lines)" "event lines"
	first=$(head -n 1 "$T/.out" | awk '{print $1}')
	assert_eq "$(sql "SELECT min(id) FROM events")" "$first" "first event id"
	sort -n -k1,1 "$T/.out" | cmp -s - "$T/.out" || fail "events are not in id order"
}

test_events_type_exact() {
	small_db
	run --db "$DB" events --type order.created
	assert_status 0
	assert_eq "$(sql "SELECT count(*) FROM events WHERE type = 'order.created'")" "$(out_lines)" "order.created lines"
	assert_out_not_contains "product.created"
	assert_out_contains "order.created"
}

test_events_type_family() {
	small_db
	run --db "$DB" events --type 'product.*'
	assert_status 0
	assert_eq "$(sql "SELECT count(*) FROM events WHERE type LIKE 'product.%'")" "$(out_lines)" "product.* lines"
	assert_out_not_contains "order.created"
	run --db "$DB" events --type 'nosuch.*'
	assert_status 0
	assert_eq 0 "$(out_lines)" "nosuch.* lines"
	run --db "$DB" events --type 'order'
	assert_status 0
	assert_eq 0 "$(out_lines)" "a bare prefix is not a family"
}

test_events_since() {
	small_db
	max=$(sql "SELECT max(id) FROM events")
	run --db "$DB" events --since $((max - 3))
	assert_status 0
	assert_eq 3 "$(out_lines)" "events after max-3"
	assert_eq "$((max - 2))" "$(head -n 1 "$T/.out" | awk '{print $1}')" "first id after --since"
	run --db "$DB" events --since "$max"
	assert_status 0
	assert_eq 0 "$(out_lines)" "events after the last"
}

test_events_limit() {
	small_db
	run --db "$DB" events --limit 3
	assert_status 0
	assert_eq 3 "$(out_lines)" "events with --limit 3"
	assert_eq "$(sql "SELECT min(id) FROM events")" "$(head -n 1 "$T/.out" | awk '{print $1}')" "--limit keeps the oldest first"
	run --db "$DB" events --type order.created --since 1 --limit 2
	assert_status 0
	assert_eq 2 "$(out_lines)" "type + since + limit"
}

test_events_json() {
	small_db
	run --db "$DB" events --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/e.json"
	assert_json_valid "$T/e.json"
	assert_eq "$(sql "SELECT count(*) FROM events")" "$(json_sql "$T/e.json" "json_array_length(j)")" "events in JSON"
	assert_eq "$(sql "SELECT type FROM events ORDER BY id LIMIT 1")" "$(json_get "$T/e.json" '$[0].type')" "first type"
	# the payload is embedded as JSON, not as a string
	assert_eq object "$(json_sql "$T/e.json" "json_type(j, '\$[0].payload')")" "payload type"
	run --db "$DB" events --type order.created --limit 1 --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/o.json"
	assert_json_valid "$T/o.json"
	assert_eq array "$(json_sql "$T/o.json" "json_type(j, '\$[0].payload.lines')")" "order.created payload.lines"
}

test_events_on_empty_database() {
	init_db
	run --db "$DB" events
	assert_status 0
	assert_eq 0 "$(out_lines)" "events of an empty database"
	run --db "$DB" events --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/e.json"
	assert_json_valid "$T/e.json"
	assert_eq 0 "$(json_sql "$T/e.json" "json_array_length(j)")" "JSON events of an empty database"
}

test_events_bad_numbers_are_usage_errors() {
	init_db
	run --db "$DB" events --since -1
	assert_status 64
	run --db "$DB" events --limit ten
	assert_status 64
	run --db "$DB" events --format yaml
	assert_status 64
}

test_event_payloads_are_valid_json() {
	ingest_ok "$FIX/$RETAIL"
	assert_sql "SELECT count(*) FROM events WHERE NOT json_valid(payload)" 0
	assert_sql "SELECT count(*) FROM events WHERE type NOT LIKE '%.%'" 0
}

# Order events whose lines differ from what SQL builds from order_lines (the
# lines of an order's last event against the table); 0 when they all agree.
stale_order_lines() {
	sql "SELECT count(*) FROM events e WHERE e.type LIKE 'order.%'
	     AND e.id = (SELECT max(id) FROM events x WHERE x.entity = 'order' AND x.entity_id = e.entity_id)
	     AND json_extract(e.payload, '\$.lines') IS NOT (SELECT json_group_array(json(j)) FROM (
	       SELECT json_patch('{}', json_object('line_no', l.line_no, 'sku', l.sku,
	         'quantity', l.quantity, 'unit_price_minor', l.unit_price_minor,
	         'freight_minor', l.freight_minor)) AS j
	       FROM order_lines l JOIN orders o ON l.origin = o.origin AND l.order_key = o.key
	       WHERE o.id = e.entity_id ORDER BY l.line_no))"
}

test_order_event_lines_match_the_table() {
	ingest_ok "$FIX/$RETAIL"
	assert_eq 0 "$(stale_order_lines)" "order events with stale lines"
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created'" 1807
}

# Invoices whose lines are not together: an order touched again after
# another one keeps one event with all its lines.
test_order_event_lines_when_invoices_interleave() {
	{ head -n 1 "$FIX/$RETAIL"; tail -n +2 "$FIX/$RETAIL" | sort -t, -k2,2; } >"$T/mixed.csv"
	ingest_ok "$T/mixed.csv"
	assert_eq 0 "$(stale_order_lines)" "order events with stale lines"
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created'" 1807
	assert_sql "SELECT sum(json_array_length(payload, '\$.lines')) FROM events WHERE type = 'order.created'" 5000
}

# JSON Lines: lines before their order, lines out of order, a line written
# twice, a customer adopted after its order, text that needs escaping.
test_order_event_lines_in_any_order() {
	cat >"$T/o.jsonl" <<'JSONL'
{"table": "order_lines", "order_key": "o-0", "line_no": 1, "sku": "EARLY", "quantity": 1}
{"table": "orders", "key": "o-0", "customer_key": "c-1"}
{"table": "orders", "key": "o-1\n\"q\"", "customer_key": "c-1"}
{"table": "order_lines", "order_key": "o-1\n\"q\"", "line_no": 2, "sku": "T\"\\\t\u0001é/", "quantity": 2}
{"table": "order_lines", "order_key": "o-1\n\"q\"", "line_no": 1, "sku": "A", "quantity": 3}
{"table": "orders", "key": "o-2"}
{"table": "order_lines", "order_key": "o-2", "line_no": 1, "sku": "B", "quantity": 1, "freight_minor": 7}
{"table": "order_lines", "order_key": "o-2", "line_no": 1, "sku": "B2", "quantity": 4}
{"table": "orders", "key": "o-3"}
{"table": "order_lines", "order_key": "o-3", "line_no": 1, "sku": "C", "quantity": 1}
{"table": "orders", "key": "o-4"}
{"table": "order_lines", "order_key": "o-3", "line_no": 2, "sku": "C", "quantity": 5}
{"table": "customers", "key": "c-1", "name": "Late"}
JSONL
	ingest_ok "$T/o.jsonl"
	assert_eq 0 "$(stale_order_lines)" "order events with stale lines"
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created'" 5
	assert_sql "SELECT json_extract(payload, '\$.customer_id') FROM events WHERE type = 'order.created' AND entity_id = 2" 1
	assert_sql "SELECT json_extract(payload, '\$.lines[1].sku') = char(84, 34, 92, 9, 1, 233, 47) FROM events WHERE entity_id = 2" 1
}

# The drafted lines wait in a spool file; when none can be made, every
# order's event is built from the tables instead, with the same payload.
test_order_events_without_a_spool_are_the_same() {
	head -n 400 "$FIX/$RETAIL" >"$T/r.csv"
	ingest_ok "$T/r.csv"
	want=$(sql "SELECT group_concat(type || ' ' || entity_id || ' ' || payload, char(10)) FROM (SELECT * FROM events ORDER BY id)")
	DB="$T/nospool.db"
	TMPDIR="$T/no-such-dir"
	export TMPDIR
	ingest_ok "$T/r.csv"
	got=$(sql "SELECT group_concat(type || ' ' || entity_id || ' ' || payload, char(10)) FROM (SELECT * FROM events ORDER BY id)")
	[ -n "$want" ] || fail "no events"
	assert_eq "$want" "$got" "events with and without a spool"
}
