# test_m5.sh - ingest of the M5 (Walmart) calendar and wide daily sales.
#
# Expected numbers of the fixtures, computed independently (python csv):
# calendar: 1969 days (d_1 2011-01-29 .. d_1969 2016-06-19), 162 with
# event_name_1, 5 with event_name_2, 994 with no SNAP state, 260 with all
# three; sales: 10 series of 10 distinct items, d_1..d_1913, 11709 units in
# all, 12 on d_1913.

CAL=m5/calendar.csv
SALES=m5/sales_train_validation.csv

counts() {
	sql "SELECT (SELECT count(*) FROM calendar_days), (SELECT count(*) FROM unit_sales),
	        (SELECT count(*) FROM products), (SELECT count(*) FROM variants),
	        (SELECT count(*) FROM events), (SELECT coalesce(max(id), 0) FROM events)"
}

# The database without the sources table, whose row records the last run
# (--currency makes a re-ingest run again rather than skip the known file).
data_state() {
	[ -n "$LIB_SQLITE3" ] || skip "sqlite3 not installed"
	"$LIB_SQLITE3" -batch "$DB" .dump | grep -v '^INSERT INTO sources ' | cksum
}

# A sales file of the fixture's first record with day column $1 set to $2.
bad_sales() {
	awk -F, -v OFS=, -v col="$1" -v val="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; print; next }
		NR == 2 { $c = val; print }' "$FIX/$SALES" >"$T/bad.csv"
}

test_ingest_calendar_then_sales() {
	run --db "$DB" ingest "$FIX/$CAL" "$FIX/$SALES"
	assert_status 0
	assert_out_contains "(m5_calendar): 1969 records: 1969 stored (1969 new"
	assert_out_contains "(m5_sales): 10 records: 10 stored (10 new"
	assert_out_contains "0 rejected"
	assert_sql "SELECT count(*) FROM calendar_days" 1969
	assert_sql "SELECT count(*) FROM unit_sales" 19130
	assert_sql "SELECT count(*) FROM products WHERE origin = 'm5'" 10
	assert_sql "SELECT count(*) FROM variants" 10
	assert_sql "SELECT count(*) FROM rejected_rows" 0
	assert_sql "SELECT sum(units) FROM unit_sales" 11709
	assert_sql "SELECT sum(units) FROM unit_sales WHERE day = 'd_1913'" 12
	assert_sql "SELECT count(*) FROM unit_sales WHERE variant_id IS NULL" 0
	assert_sql "SELECT format FROM sources ORDER BY id" "m5_calendar
m5_sales"
}

test_ingest_sales_then_calendar() {
	ingest_ok "$FIX/$SALES"
	ingest_ok "$FIX/$CAL"
	assert_sql "SELECT count(*) FROM calendar_days" 1969
	assert_sql "SELECT count(*) FROM unit_sales" 19130
	assert_sql "SELECT count(*) FROM unit_sales u JOIN calendar_days c ON c.origin = u.origin AND c.day = u.day" 19130
}

test_calendar_values() {
	ingest_ok "$FIX/$CAL"
	assert_sql "SELECT date, week, snap FROM calendar_days WHERE day = 'd_1'" "2011-01-29T00:00:00Z|11101|NULL"
	assert_sql "SELECT date FROM calendar_days WHERE day = 'd_1969'" "2016-06-19T00:00:00Z"
	assert_sql "SELECT event1, event1_type, snap FROM calendar_days WHERE day = 'd_9'" "SuperBowl|Sporting|CA,TX,WI"
	assert_sql "SELECT count(*) FROM calendar_days WHERE event1 IS NOT NULL" 162
	assert_sql "SELECT count(*) FROM calendar_days WHERE event2 IS NOT NULL" 5
	assert_sql "SELECT count(*) FROM calendar_days WHERE snap IS NULL" 994
	assert_sql "SELECT count(*) FROM calendar_days WHERE snap = 'CA,TX,WI'" 260
	assert_sql "SELECT count(*) FROM events WHERE type <> 'source.ingested'" 0
}

test_sales_products_and_variants() {
	ingest_ok "$FIX/$SALES"
	assert_sql "SELECT key, category, product_type FROM products WHERE key = 'FOODS_2_033'" "FOODS_2_033|FOODS|FOODS_2"
	assert_sql "SELECT v.sku, v.position, v.currency FROM variants v JOIN products p ON p.id = v.product_id WHERE p.key = 'HOBBIES_1_001'" "HOBBIES_1_001|1|USD"
	assert_sql "SELECT sku, location, units FROM unit_sales WHERE series = 'HOBBIES_1_001_CA_1_validation' AND day = 'd_1913'" "HOBBIES_1_001|CA_1|1"
	assert_sql "SELECT count(DISTINCT day) FROM unit_sales" 1913
	assert_sql "SELECT count(*) FROM events WHERE type = 'product.created'" 10
	assert_sql "SELECT count(*) FROM events WHERE type = 'variant.created'" 10
}

test_query_joins_every_sale_to_its_day() {
	ingest_ok "$FIX/$CAL" "$FIX/$SALES"
	run --db "$DB" query "select count(*) from unit_sales u join calendar_days c on c.origin=u.origin and c.day=u.day"
	assert_status 0
	assert_out_contains 19130
}

test_reingest_changes_nothing() {
	ingest_ok "$FIX/$CAL" "$FIX/$SALES"
	before=$(counts)
	state=$(data_state)
	run --db "$DB" ingest "$FIX/$SALES" "$FIX/$CAL" --currency USD
	assert_status 0
	assert_out_contains "1969 stored (0 new, 0 updated, 1969 unchanged)"
	assert_out_contains "10 stored (0 new, 0 updated, 10 unchanged)"
	assert_eq "$before" "$(counts)" "table counts and max event id"
	assert_eq "$state" "$(data_state)" "database dump but sources"
}

test_negative_units_reject_the_record() {
	bad_sales d_1000 -1
	run --db "$DB" ingest "$T/bad.csv"
	assert_status 0
	assert_out_contains "1 rejected"
	assert_sql "SELECT column FROM rejected_rows" d_1000
	assert_sql "SELECT count(*) FROM unit_sales" 0
	assert_sql "SELECT count(*) FROM products" 0
}

test_non_numeric_units_reject_the_record() {
	bad_sales d_7 x
	run --db "$DB" ingest "$T/bad.csv"
	assert_status 0
	assert_out_contains "1 rejected"
	assert_sql "SELECT column FROM rejected_rows" d_7
	assert_sql "SELECT count(*) FROM unit_sales" 0
}

test_bad_record_does_not_stop_the_others() {
	awk -F, -v OFS=, 'NR == 3 { $10 = "-1" } { print }' "$FIX/$SALES" >"$T/mixed.csv"
	run --db "$DB" ingest "$T/mixed.csv"
	assert_status 0
	assert_out_contains "10 records: 9 stored"
	assert_sql "SELECT column FROM rejected_rows" d_4
	assert_sql "SELECT count(*) FROM unit_sales" 17217
	assert_sql "SELECT count(*) FROM unit_sales WHERE series = 'HOBBIES_1_002_CA_1_validation'" 0
}
