# test_forecast.sh - `orrery forecast`: demand history -> model choice ->
# forecast with interval -> reorder policy -> stored forecasts and risk
# events; options, bad input, the forecast.run job.

m5_db() {
	init_db
	ingest_ok "$FIX/m5/calendar.csv" "$FIX/m5/sales_train_validation.csv"
}

# Online Retail with stock figures and supplier terms (85123A: 2 on hand,
# minimum order 50, packs of 12, lead time 7 +- 2 days).
retail_db() {
	init_db
	ingest_ok "$FIX/online-retail/online_retail.csv"
	ingest_ok "$FIX/supplier/retail_stock.jsonl"
	run --db "$DB" supplier terms "$FIX/supplier/retail_terms.csv"
	[ "$STATUS" -eq 0 ] || fail "supplier terms exited $STATUS: $ERR"
}

test_help() {
	run forecast --help
	assert_status 0
	assert_out_contains "usage: orrery [--db PATH] forecast"
	assert_out_contains "rolling-origin backtest"
}

test_every_m5_series_forecast() {
	m5_db
	run --db "$DB" forecast --format json
	assert_status 0
	echo "$OUT" >"$T/f.json"
	assert_eq 10 "$(json_get "$T/f.json" '$.skus')" "SKUs forecast"
	assert_eq 2016-04-24 "$(json_get "$T/f.json" '$.as_of')" "as of the last day of sales"
	assert_eq 28 "$(json_sql "$T/f.json" "json_array_length(j, '\$.forecasts[0].forecast')")" "horizon"
	# every forecast non-negative, every interval around it where there is one
	assert_eq 0 "$(json_sql "$T/f.json" "(SELECT count(*) FROM json_each(j, '\$.forecasts') f, json_each(f.value, '\$.forecast') v WHERE v.value < 0)")"
	assert_eq 0 "$(json_sql "$T/f.json" "(SELECT count(*) FROM json_each(j, '\$.forecasts') f, json_each(f.value, '\$.forecast') v WHERE json_extract(f.value, '\$.lo[' || v.key || ']') > v.value + 1e-9 OR json_extract(f.value, '\$.hi[' || v.key || ']') < v.value - 1e-9)")"
	assert_sql "SELECT count(*), count(DISTINCT run_id), sum(mase IS NOT NULL) FROM forecasts" "10|1|10"
	assert_sql "SELECT type, entity, json_extract(payload, '\$.skus') FROM events WHERE type LIKE 'forecast.%'" "forecast.updated|forecast_run|10"
	# M5 has no stock figures: no risk can be judged, so none is raised
	assert_sql "SELECT count(*) FROM events WHERE type LIKE '%.risk'" 0
	assert_sql "SELECT count(*) FROM forecasts WHERE policy ->> '\$.on_hand' IS NOT NULL OR risk IS NOT NULL" 0
}

test_text_output_and_show() {
	m5_db
	run --db "$DB" forecast --sku FOODS_1_001 --horizon 14
	assert_status 0
	assert_out_contains "FOODS_1_001"
	assert_out_contains "forecast run 1: 1 SKU as of 2016-04-24, 14 days ahead"
	run --db "$DB" forecast show --sku FOODS_1_001 --format json
	assert_status 0
	echo "$OUT" >"$T/s.json"
	assert_eq 14 "$(json_sql "$T/s.json" "json_array_length(j, '\$[0].forecast.mean')")"
	assert_eq FOODS_1_001 "$(json_get "$T/s.json" '$[0].policy.sku')"
	run --db "$DB" forecast show --sku HOBBIES_1_001
	assert_status 66
	assert_err_contains "HOBBIES_1_001 has no forecast"
}

# Days before a series' first sale are not history: HOBBIES_1_001 starts
# selling on d_898.
test_days_before_first_sale_left_out() {
	m5_db
	run --db "$DB" forecast --sku HOBBIES_1_001 --history 0 --format json
	assert_status 0
	echo "$OUT" >"$T/f.json"
	first=$(sql "SELECT substr(c.date, 1, 10) FROM unit_sales u JOIN calendar_days c ON c.day = u.day AND c.origin = u.origin WHERE u.sku = 'HOBBIES_1_001' AND u.units > 0 ORDER BY c.date LIMIT 1")
	assert_eq "$first" "$(json_get "$T/f.json" '$.forecasts[0].history_from')"
	assert_sql "SELECT history_days FROM forecasts" "$(sql "SELECT CAST(julianday('2016-04-24') - julianday('$first') AS INTEGER) + 1")"
}

test_as_of_backdates_the_history() {
	m5_db
	run --db "$DB" forecast --as-of 2016-03-27 --sku FOODS_1_001 --format json
	assert_status 0
	echo "$OUT" >"$T/f.json"
	assert_eq 2016-03-27 "$(json_get "$T/f.json" '$.forecasts[0].as_of')"
}

test_bad_options_are_64() {
	m5_db
	for args in "--horizon 0" "--horizon abc" "--horizon 400" "--as-of 2016-02-30" \
		"--as-of yesterday" "--level 1.5" "--service-level 0" "--sku="; do
		# shellcheck disable=SC2086
		run --db "$DB" forecast $args
		[ "$STATUS" -eq 64 ] || fail "forecast $args exited $STATUS, expected 64: $ERR"
	done
	run --db "$DB" forecast bogus
	assert_status 64
	assert_err_contains "unknown action \"bogus\""
	assert_sql "SELECT count(*) FROM forecast_runs" 0
}

test_unknown_sku_is_66_and_writes_nothing() {
	m5_db
	before=$(db_state)
	run --db "$DB" forecast --sku NO_SUCH_SKU
	assert_status 66
	assert_err_contains "SKU NO_SUCH_SKU has no demand recorded"
	assert_eq "$before" "$(db_state)" "database unchanged"
}

test_missing_database_is_66() {
	run --db "$T/nothing.db" forecast show
	assert_status 66
	assert_no_file "$T/nothing.db"
}

# 85123A: 2 on hand against its real demand: a stockout risk, with the
# supplier's terms in the arithmetic, raised once (not again while it stands).
test_stockout_risk_from_real_demand() {
	retail_db
	run --db "$DB" forecast --sku 85123A --format json
	assert_status 0
	assert_sql "SELECT count(*), entity, entity_id = (SELECT id FROM variants WHERE sku = '85123A') FROM events WHERE type = 'stockout.risk'" "1|variant|1"
	p="SELECT payload FROM events WHERE type = 'stockout.risk'"
	sql "$p" >"$T/p.json"
	assert_eq 85123A "$(json_get "$T/p.json" '$.sku')"
	assert_eq 2 "$(json_get "$T/p.json" '$.on_hand')"
	assert_eq 7.0 "$(json_get "$T/p.json" '$.lead_time_days')"
	assert_eq 2.0 "$(json_get "$T/p.json" '$.lead_time_sd')"
	assert_eq 50 "$(json_get "$T/p.json" '$.min_order')"
	# reorder point = lead-time demand + safety stock; the order fills up to
	# S in whole packs of 12, at least the minimum of 50
	assert_eq 1 "$(json_sql "$T/p.json" "abs(j ->> '\$.reorder_point' - (j ->> '\$.lead_time_demand' + j ->> '\$.safety_stock')) < 0.001")"
	assert_eq 1 "$(json_sql "$T/p.json" "j ->> '\$.order_qty' % 12 = 0 AND j ->> '\$.order_qty' >= 50 AND j ->> '\$.order_qty' >= j ->> '\$.order_up_to' - 2")"
	assert_eq 28 "$(json_sql "$T/p.json" "json_array_length(j, '\$.forecast')")"
	run --db "$DB" forecast --sku 85123A
	assert_status 0
	assert_sql "SELECT count(*) FROM events WHERE type = 'stockout.risk'" 1
	assert_sql "SELECT count(*) FROM forecast_runs" 2
}

# A restock of 2,000 turns the standing stockout risk into overstock.
test_overstock_after_restock() {
	retail_db
	run --db "$DB" forecast --sku 85123A
	ingest_ok "$FIX/supplier/retail_restock.jsonl"
	run --db "$DB" forecast --sku 85123A
	assert_status 0
	assert_sql "SELECT risk FROM forecasts WHERE sku = '85123A'" overstock
	assert_sql "SELECT count(*) FROM events WHERE type = 'overstock.risk'" 1
}

# A cancellation nets against the day's sales (and carries over a day that
# sold less), and days that began out of stock are flagged.
test_returns_netted_and_stockout_days_flagged() {
	init_db
	{
		printf 'X.1;X;InvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID;Country\r\n'
		for d in 01 02 03 04 05 06 07 08 09 10 11 12 13 14; do
			printf '1;1;5%s01;TEST1;TEST ITEM;4;12/%s/2010 10:00;1.00;17850;United Kingdom\r\n' "$d" "$d"
		done
		printf '1;1;C599999;TEST1;TEST ITEM;-6;12/14/2010 12:00;1.00;17850;United Kingdom\r\n'
	} >"$T/sales.csv"
	ingest_ok "$T/sales.csv"
	v=$(sql "SELECT id FROM variants WHERE sku = 'TEST1'")
	[ -n "$v" ] || skip "the retail format keeps no variant for TEST1"
	sql "INSERT INTO inventory_history (variant_id, day, on_hand) VALUES ($v, '2010-12-05', 0), ($v, '2010-12-06', 0), ($v, '2010-12-07', 3)"
	run --db "$DB" forecast --sku TEST1 --format json
	assert_status 0
	echo "$OUT" >"$T/f.json"
	assert_eq 6.0 "$(json_get "$T/f.json" '$.forecasts[0].returned')"
	assert_eq 2 "$(json_get "$T/f.json" '$.forecasts[0].stockout_days')"
	assert_eq 2010-12-14 "$(json_get "$T/f.json" '$.forecasts[0].as_of')"
}

test_job_runs_the_forecast() {
	m5_db
	run --db "$DB" jobs enqueue forecast.run --args '{"sku": "FOODS_1_002", "horizon": 7}'
	assert_status 0
	run --db "$DB" run --until-idle
	assert_status 0
	assert_sql "SELECT state, json_extract(result, '\$.skus') FROM jobs WHERE kind = 'forecast.run'" "succeeded|1"
	assert_sql "SELECT json_array_length(forecast, '\$.mean') FROM forecasts WHERE sku = 'FOODS_1_002'" 7
	assert_sql "SELECT count(*) FROM forecast_runs WHERE job_id IS NOT NULL" 1
}

test_job_with_bad_args_dies_at_once() {
	m5_db
	run --db "$DB" jobs enqueue forecast.run --args '{"horizon": "soon"}'
	assert_status 0
	run --db "$DB" run --until-idle
	assert_sql "SELECT state, attempts FROM jobs WHERE kind = 'forecast.run'" "dead|1"
	assert_sql "SELECT count(*) FROM forecast_runs" 0
}

test_subsystem_is_registered() {
	run subsystems --format json
	assert_status 0
	echo "$OUT" >"$T/s.json"
	assert_eq '["forecast.updated","stockout.risk","overstock.risk"]' \
		"$(json_sql "$T/s.json" "(SELECT json_extract(value, '\$.produces') FROM json_each(j, '\$.subsystems') WHERE json_extract(value, '\$.name') = 'forecast')")"
}
