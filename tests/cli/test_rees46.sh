# test_rees46.sh - REES46 behavioural events (the 1,000-row real sample,
# whole).  Expected numbers computed independently (python csv): 1000
# events (987 view, 10 purchase, 3 cart), all distinct, 534 products, 330
# users, 366 with a blank category_code, times like "2019-10-01 00:00:00 UTC".

EV=rees46/rees46-2019-oct-sample.csv

test_rees46_events_become_interactions() {
	run --db "$DB" ingest "$FIX/$EV"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "rees46|1000|1000|0"
	assert_sql "SELECT count(*) FROM interactions" 1000
	assert_sql "SELECT kind, count(*) FROM interactions GROUP BY kind ORDER BY kind" "cart|3
purchase|10
view|987"
}

test_rees46_time_zone_and_price() {
	ingest_ok "$FIX/$EV"
	assert_sql "SELECT occurred_at, kind, user_key, session, price_minor FROM interactions WHERE product_key = '44600062' ORDER BY occurred_at LIMIT 1" \
		"2019-10-01T00:00:00Z|view|541312140|72d76fde-8bb3-4e00-8c23-a032dfed738c|3579"
	assert_sql "SELECT count(*) FROM interactions WHERE occurred_at NOT LIKE '2019-10-01T00:__:__Z'" 0
}

test_rees46_products_and_users_are_observed() {
	ingest_ok "$FIX/$EV"
	assert_sql "SELECT count(*) FROM products" 534
	assert_sql "SELECT count(*) FROM variants" 534
	assert_sql "SELECT count(*) FROM interactions WHERE variant_id IS NULL" 0
	assert_sql "SELECT count(*) FROM customers" 330
	assert_sql "SELECT category FROM products WHERE key = '1004856'" electronics.smartphone
	assert_sql "SELECT count(*) FROM products WHERE category IS NULL" 0
}

test_rees46_reingest_is_a_noop() {
	ingest_ok "$FIX/$EV"
	state=$(db_state)
	run --db "$DB" ingest "$FIX/$EV"
	assert_status 0
	assert_out_contains "unchanged"
	assert_eq "$state" "$(db_state)" "database after re-ingesting"
	cp "$FIX/$EV" "$T/copy.csv"
	max=$(sql "SELECT max(id) FROM events")
	run --db "$DB" ingest "$T/copy.csv"
	assert_status 0
	assert_out_contains "0 new, 0 updated, 1000 unchanged"
	assert_sql "SELECT count(*) FROM interactions" 1000
	assert_sql "SELECT max(id) FROM events" "$max"
}

test_rees46_unknown_event_type_is_rejected() {
	{
		head -n 1 "$FIX/$EV"
		echo "2019-10-01 00:00:00 UTC,view,1,2,,b,1.00,10,s1"
		echo "2019-10-01 00:00:01 UTC,teleport,1,2,,b,1.00,10,s1"
		echo "2019-10-01 00:00:02 UTC,cart,1,2,,b,-1x,10,s1"
	} >"$T/ev.csv"
	run --db "$DB" ingest "$T/ev.csv"
	assert_status 0
	assert_sql "SELECT records, stored, rejected FROM sources" "3|1|2"
	assert_sql "SELECT line, column FROM rejected_rows ORDER BY line" "3|event_type
4|price"
}
