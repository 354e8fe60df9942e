# test_audit.sh - `orrery audit`: known answers on the real fixtures, every
# failing row, scores, history, formats, bad input and the audit events.
#
# Every expected number is computed here, independently of the checks' SQL
# (src/store_audit_checks.c): with awk on the CSV fixtures, by hand for small
# JSON Lines files written by the tests, or with queries of our own written
# differently (joins on natural keys, window functions, correlated
# subqueries).  The numbers the awk gives on the unmodified fixtures (each
# also asserted, so a changed fixture shows at once):
#   online_retail.csv: 1807 invoices, 219 of them CustomerID NA (guests),
#     1039 customers, 10 sold lines at unit price 0.00, 0 exact duplicate
#     lines, 3 invoices (3 customers) from "Channel Islands" (not an ISO 3166
#     country; EIRE is Ireland), newest invoice 2011-02-23 13:21, 1 stock code
#     whose description is empty on every line, 5 stock codes first seen at 0.00.
#   olist: orders 299 (291 with carrier and customer delivery dates, none
#     delivered before dispatched; 295 with approval and carrier dates, 4
#     dispatched before approved; none approved before purchased), 298 orders
#     whose customer is not in the customers head, items: 23 repeat an earlier
#     item of their order (same product and price), 297 whose order and 294
#     whose product is not in the heads; no order has both items and payments.
#   shopify: 43 variant rows (every row has an Option1 Value), every SKU
#     empty, every Variant Grams 0 with Requires Shipping true, no barcodes.
# Derived files (copies with a few records changed or appended) are made in
# the test's directory, and the awk re-counts them: the awk is the oracle,
# the construction only double-checks the awk.

R=online-retail/online_retail.csv
OL=olist
SH=shopify

# --- helpers ----------------------------------------------------------------

au_need_sqlite() {
	[ -n "$LIB_SQLITE3" ] || skip "sqlite3 not installed (needed to read the JSON report)"
}

# `orrery audit --format json ARGS`, asserting exit 0; the report in $T/a.json.
au_audit() {
	run --db "$DB" audit --format json "$@"
	assert_status 0
	printf '%s\n' "$OUT" >"$T/a.json"
	assert_json_valid "$T/a.json"
}

# A field of the finding of CHECK in $T/a.json; NULL when there is none.
au_f() {
	json_sql "$T/a.json" "(SELECT json_extract(value, '\$.$2') FROM json_each(j, '\$.findings') WHERE json_extract(value, '\$.check_name') = '$1')"
}

# Rows CHECK looked at in the latest run (audit_checked, summed over sources).
au_checked() {
	sql "SELECT coalesce(sum(checked), 0) FROM audit_checked WHERE run_id = (SELECT max(id) FROM audit_runs) AND check_name = '$1'"
}

# au_expect CHECK FAILING [CHECKED]: the finding of CHECK in $T/a.json has
# FAILING rows of CHECKED, and `audit rows` lists FAILING ids; FAILING 0
# means no finding at all (CHECKED is then what audit_checked recorded).
au_expect() {
	if [ "$2" = 0 ]; then
		assert_eq NULL "$(au_f "$1" id)" "finding $1 (expected none; 0 failing rows)"
		[ -z "${3:-}" ] || assert_eq "$3" "$(au_checked "$1")" "rows checked by $1"
		return 0
	fi
	assert_eq "$2" "$(au_f "$1" failing)" "failing rows of $1"
	[ -z "${3:-}" ] || assert_eq "$3" "$(au_f "$1" checked)" "rows checked by $1"
	[ -z "${3:-}" ] || assert_eq "$3" "$(au_checked "$1")" "rows checked by $1 (audit_checked)"
	run --db "$DB" audit rows "$(au_f "$1" id)"
	assert_status 0
	assert_eq "$2" "$(printf '%s\n' "$OUT" | grep -c .)" "ids listed by audit rows for $1"
}

# Every failing row id of CHECK's finding, one per line, sorted.
au_rows_of() {
	run --db "$DB" audit rows "$(au_f "$1" id)"
	assert_status 0
	printf '%s\n' "$OUT" | sort -n
}

# The ids of stdin as a comma list, for IN (...).
au_in() {
	paste -sd, -
}

# awk over the Online Retail CSV (; separated, CRLF): fields 3 InvoiceNo,
# 4 StockCode, 5 Description, 6 Quantity, 7 InvoiceDate, 8 UnitPrice,
# 9 CustomerID, 10 Country.  (No field of the fixture holds a `;`: every
# line has 10 fields.)
au_retail_awk() {
	au_p=$1
	shift
	awk -F';' '{ sub(/\r$/, "") } FNR == 1 { next } '"$au_p" "$@"
}

# awk over an Olist CSV: `,` separated, quotes only around whole ids (no
# field holds a comma), so the quotes are simply removed.
au_olist_awk() {
	au_p=$1
	shift
	awk -F, '{ sub(/\r$/, ""); gsub(/"/, "") } FNR == 1 { next } '"$au_p" "$@"
}

# awk over a Shopify CSV with a real quote-aware field splitter (the files
# have no line breaks inside quotes: checked in the tests).  col["Name"] is
# the field number of a header name; f[] holds the current record.
AU_CSV_AWK='
function csvsplit(s, f,    n, i, c, q, v) {
	n = 0; v = ""; q = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q) {
			if (c == "\"") {
				if (substr(s, i + 1, 1) == "\"") { v = v "\""; i++ } else q = 0
			} else v = v c
		} else if (c == "\"") q = 1
		else if (c == ",") { f[++n] = v; v = "" }
		else v = v c
	}
	f[++n] = v
	return n
}
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
{ sub(/\r$/, "") }
FNR == 1 { for (k in col) delete col[k]; nh = csvsplit($0, h); for (i = 1; i <= nh; i++) col[h[i]] = i; next }
{ csvsplit($0, f) }
'
au_csv_awk() {
	au_p=$1
	shift
	awk "$AU_CSV_AWK$au_p" "$@"
}

# The check → dimension map, as the issue defines the dimensions (one row
# per check of src/store_audit_checks.c).
AU_DIMS="dims(check_name, dimension) AS (VALUES
 ('product_title_missing','completeness'), ('product_category_missing','completeness'),
 ('product_image_missing','completeness'), ('product_weight_missing','completeness'),
 ('variant_sku_missing','completeness'), ('variant_price_missing','completeness'),
 ('customer_email_missing','completeness'),
 ('variant_barcode_invalid','validity'), ('customer_email_invalid','validity'),
 ('customer_country_invalid','validity'), ('order_country_invalid','validity'),
 ('variant_currency_invalid','validity'), ('order_line_currency_invalid','validity'),
 ('payment_currency_invalid','validity'), ('order_time_implausible','validity'),
 ('variant_price_not_positive','validity'), ('variant_price_implausible','validity'),
 ('order_line_price_not_positive','validity'), ('order_line_negative_not_return','validity'),
 ('product_weight_not_positive','validity'), ('variant_weight_not_positive','validity'),
 ('image_reference_invalid','validity'),
 ('customer_email_duplicate','uniqueness'), ('order_line_exact_duplicate','uniqueness'),
 ('product_title_near_duplicate','uniqueness'),
 ('order_line_order_unknown','consistency'), ('order_line_sku_unknown','consistency'),
 ('order_customer_unknown','consistency'), ('order_delivered_before_dispatched','consistency'),
 ('order_dispatched_before_approved','consistency'), ('order_approved_before_purchased','consistency'),
 ('order_payments_mismatch','consistency'), ('inventory_negative','consistency'),
 ('sku_price_differs_across_sources','consistency'),
 ('source_stale','freshness'))"

# --- Online Retail ------------------------------------------------------------

test_retail_guest_orders_are_not_unknown_customers() {
	au_need_sqlite
	ingest_ok "$FIX/$R"
	invoices=$(au_retail_awk '{ i[$3] = 1 } END { for (k in i) n++; print n }' "$FIX/$R")
	guests=$(au_retail_awk '$9 == "NA" { i[$3] = 1 } END { for (k in i) n++; print n }' "$FIX/$R")
	customers=$(au_retail_awk '$9 != "NA" { c[$9] = 1 } END { for (k in c) n++; print n }' "$FIX/$R")
	assert_eq "1807|219|1039" "$invoices|$guests|$customers" "awk on the fixture"
	au_audit
	# a guest (NA) has no customer to be unknown: only the other orders are checked
	au_expect order_customer_unknown 0 $((invoices - guests))
	assert_sql "SELECT count(*) FROM orders WHERE customer_key IS NULL" "$guests"
	# no retail customer has an e-mail address
	au_expect customer_email_missing "$customers" "$customers"
}

test_retail_zero_unit_price_lines() {
	au_need_sqlite
	ingest_ok "$FIX/$R"
	zero=$(au_retail_awk '$6 + 0 > 0 && $8 + 0 == 0 { n++ } END { print n + 0 }' "$FIX/$R")
	sold=$(au_retail_awk '$6 + 0 > 0 { n++ } END { print n + 0 }' "$FIX/$R")
	assert_eq "10|5000" "$zero|$sold" "awk: zero-price and sold lines"
	au_audit
	au_expect order_line_price_not_positive "$zero" "$sold"
	assert_eq 0.2 "$(au_f order_line_price_not_positive share_pct)" "share_pct (10 of 5000)"
	assert_eq warning "$(au_f order_line_price_not_positive severity)" "severity"
	assert_eq validity "$(au_f order_line_price_not_positive dimension)" "dimension"
	assert_eq order_lines "$(au_f order_line_price_not_positive table_name)" "table"
	# the failing lines are exactly the awk's, named by invoice and position in it
	want=$(au_retail_awk '{ n[$3]++ } $6 + 0 > 0 && $8 + 0 == 0 { print $3 "|" n[$3] }' "$FIX/$R" | sort)
	ids=$(au_rows_of order_line_price_not_positive)
	got=$(sql "SELECT order_key || '|' || line_no FROM order_lines WHERE id IN ($(printf '%s\n' "$ids" | au_in))" | sort)
	assert_eq "$want" "$got" "zero-price lines (invoice|line)"
	# examples: the first five ids
	assert_eq "[$(printf '%s\n' "$ids" | head -n 5 | au_in)]" "$(au_f order_line_price_not_positive examples)" "examples"
}

# Lines appended to a copy of the fixture: exact repeats, near repeats,
# non-ISO countries, a negative quantity on a sale and on a return.
au_retail_derived() {
	{
		cat "$FIX/$R"
		printf '%s\r\n' \
			'1;1;537240;84347;ROTATING SILVER ANGELS T-LIGHT HLDR;2;12/06/2010 10:08;5.06;NA;United Kingdom' \
			'2;2;537240;84347;ROTATING SILVER ANGELS T-LIGHT HLDR;2;12/06/2010 11:30;5.06;NA;United Kingdom' \
			'3;3;537240;84347;ROTATING SILVER ANGELS T-LIGHT HLDR;3;12/06/2010 10:08;5.06;NA;United Kingdom' \
			'4;4;537240;84347;ROTATING SILVER ANGELS T-LIGHT HLDR;2;12/06/2010 10:08;4.99;NA;United Kingdom' \
			'5;5;542363;84823;;1;1/27/11 12:50;0.00;NA;United Kingdom' \
			'6;6;999001;85123A;WHITE HANGING HEART T-LIGHT HOLDER;6;03/01/2011 09:00;2.55;99901;European Community' \
			'7;7;999002;85123A;WHITE HANGING HEART T-LIGHT HOLDER;6;03/01/2011 09:05;2.55;NA;Unspecified' \
			'8;8;999002;85123A;WHITE HANGING HEART T-LIGHT HOLDER;6;03/01/2011 09:05;2.55;NA;Unspecified' \
			'9;9;999003;22652;TRAVEL SEWING KIT;-2;03/01/2011 10:00;1.65;99902;United Kingdom' \
			'10;10;C999004;22652;TRAVEL SEWING KIT;-1;03/01/2011 11:00;1.65;99902;United Kingdom'
	} >"$T/retail.csv"
}

# Repeats beyond the first of (InvoiceNo, StockCode, Description, Quantity,
# UnitPrice); with DETAIL, each repeat as invoice|position.
AU_DUP_AWK='{ n[$3]++; k = $3 SUBSEP $4 SUBSEP $5 SUBSEP $6 SUBSEP $8 }
seen[k]++ { d++; if (detail) print $3 "|" n[$3] }
END { if (!detail) print d + 0 }'

test_retail_exact_duplicate_lines() {
	au_need_sqlite
	assert_eq 0 "$(au_retail_awk "$AU_DUP_AWK" "$FIX/$R")" "awk: exact duplicates in the fixture"
	ingest_ok "$FIX/$R"
	au_audit
	au_expect order_line_exact_duplicate 0 5000
	# a copy with 4 exact repeats (one differing only by time, one with an
	# empty description) and 2 near repeats (quantity, price)
	au_retail_derived
	dups=$(au_retail_awk "$AU_DUP_AWK" "$T/retail.csv")
	assert_eq 4 "$dups" "awk: exact duplicates in the derived file"
	rm -f "$DB" "$DB-wal" "$DB-shm"
	ingest_ok "$T/retail.csv"
	lines=$(au_retail_awk 'END { print NR - 1 }' "$T/retail.csv")
	au_audit
	au_expect order_line_exact_duplicate "$dups" "$lines"
	want=$(awk -F';' -v detail=1 '{ sub(/\r$/, "") } FNR == 1 { next } '"$AU_DUP_AWK" "$T/retail.csv" | sort)
	got=$(sql "SELECT order_key || '|' || line_no FROM order_lines WHERE id IN ($(au_rows_of order_line_exact_duplicate | au_in))" | sort)
	assert_eq "$want" "$got" "repeated lines (invoice|line), from audit rows"
	# our own query: a line is a repeat when it is not the first of its group
	mine=$(sql "SELECT order_key || '|' || line_no FROM (SELECT order_key, line_no, row_number() OVER (
		PARTITION BY origin, order_key, sku, quantity, unit_price_minor, coalesce(description, char(0))
		ORDER BY line_no) AS k FROM order_lines) WHERE k > 1" | sort)
	assert_eq "$want" "$mine" "repeated lines, by a window query of our own"
	# and the other appended defects: a negative quantity on a sale (not on
	# the C... return), one more zero price
	neg=$(au_retail_awk '$6 + 0 < 0 && $3 !~ /^C/ { n++ } END { print n + 0 }' "$T/retail.csv")
	assert_eq 1 "$neg" "awk: negative quantities outside returns"
	au_expect order_line_negative_not_return "$neg" "$lines"
	au_expect order_line_price_not_positive "$(au_retail_awk '$6 + 0 > 0 && $8 + 0 == 0 { n++ } END { print n + 0 }' "$T/retail.csv")"
	assert_eq "999003|1" "$(sql "SELECT order_key || '|' || line_no FROM order_lines WHERE id IN ($(au_rows_of order_line_negative_not_return | au_in))")" "the negative line"
}

# Countries that are not ISO 3166 countries (nor an alias of one): the
# fixture's "Channel Islands" (Jersey and Guernsey are two), and the
# "European Community" and "Unspecified" of the full data set.
AU_NOT_ISO='$10 == "Channel Islands" || $10 == "European Community" || $10 == "Unspecified"'

test_retail_countries_not_iso() {
	au_need_sqlite
	ingest_ok "$FIX/$R"
	orders=$(au_retail_awk "$AU_NOT_ISO"' { i[$3] = 1 } END { for (k in i) n++; print n + 0 }' "$FIX/$R")
	custs=$(au_retail_awk "$AU_NOT_ISO"' && $9 != "NA" { c[$9] = 1 } END { for (k in c) n++; print n + 0 }' "$FIX/$R")
	assert_eq "3|3" "$orders|$custs" "awk: orders and customers from non-ISO countries"
	au_audit
	au_expect order_country_invalid "$orders" 1807
	au_expect customer_country_invalid "$custs" 1039
	want=$(au_retail_awk "$AU_NOT_ISO"' { print $3 }' "$FIX/$R" | sort -u)
	got=$(sql "SELECT key FROM orders WHERE id IN ($(au_rows_of order_country_invalid | au_in))" | sort)
	assert_eq "$want" "$got" "invoices of the failing orders"
	# with the derived file: two more invoices, one more customer (the
	# Unspecified invoice is a guest's)
	au_retail_derived
	rm -f "$DB" "$DB-wal" "$DB-shm"
	ingest_ok "$T/retail.csv"
	orders=$(au_retail_awk "$AU_NOT_ISO"' { i[$3] = 1 } END { for (k in i) n++; print n + 0 }' "$T/retail.csv")
	custs=$(au_retail_awk "$AU_NOT_ISO"' && $9 != "NA" { c[$9] = 1 } END { for (k in c) n++; print n + 0 }' "$T/retail.csv")
	assert_eq "5|4" "$orders|$custs" "awk on the derived file"
	au_audit
	au_expect order_country_invalid "$orders"
	au_expect customer_country_invalid "$custs"
	want=$(au_retail_awk "$AU_NOT_ISO"' { print $3 }' "$T/retail.csv" | sort -u)
	got=$(sql "SELECT key FROM orders WHERE id IN ($(au_rows_of order_country_invalid | au_in))" | sort)
	assert_eq "$want" "$got" "invoices of the failing orders (derived file)"
}

test_retail_titles_and_catalogue_prices() {
	au_need_sqlite
	ingest_ok "$FIX/$R"
	# a stock code whose description is empty on every line has no title
	untitled=$(au_retail_awk '{ s[$4] = 1 } $5 != "" { t[$4] = 1 } END { for (k in s) if (!(k in t)) print k }' "$FIX/$R")
	assert_eq 84689 "$untitled" "awk: stock codes never described"
	# an observed product takes the price of the first line that names it
	zero=$(au_retail_awk '!($4 in p) { p[$4] = $8 } END { for (k in p) if (p[k] + 0 == 0) n++; print n + 0 }' "$FIX/$R")
	assert_eq 5 "$zero" "awk: stock codes first sold at 0.00"
	au_audit
	au_expect product_title_missing 1 1682
	assert_eq "$untitled" "$(sql "SELECT key FROM products WHERE id IN ($(au_rows_of product_title_missing | au_in))")" "the untitled product"
	au_expect variant_price_not_positive "$zero" 1682
	assert_eq error "$(au_f variant_price_not_positive severity)" "severity"
}

test_retail_freshness() {
	au_need_sqlite
	ingest_ok "$FIX/$R"
	au_audit
	au_expect source_stale 1 1
	assert_eq 1 "$(au_rows_of source_stale)" "the stale source"
	assert_eq 0.0 "$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.dimensions.freshness'))")" "freshness score"
	au_audit --stale-after 20000d
	au_expect source_stale 0 1
	assert_eq 100.0 "$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.dimensions.freshness'))")" "freshness score with 20000d"
	# the boundary: the newest invoice from the CSV, a day either side
	newest=$(au_retail_awk '{ split($7, dt, " "); split(dt[1], d, "/"); y = d[3]; if (length(y) == 2) y = "20" y
		split(dt[2], hm, ":"); s = sprintf("%04d-%02d-%02d %02d:%02d:00", y, d[1], d[2], hm[1], hm[2]); if (s > m) m = s }
		END { print m }' "$FIX/$R")
	assert_eq "2011-02-23 13:21:00" "$newest" "awk: newest invoice"
	newest_s=$(date -u -d "$newest" +%s 2>/dev/null) || skip "date -d (GNU date) is needed for the boundary"
	age=$((($(date -u +%s) - newest_s) / 86400))
	au_audit --stale-after "$((age - 1))d"
	au_expect source_stale 1 1
	au_audit --stale-after "$((age + 1))d"
	au_expect source_stale 0 1
	run --db "$DB" audit --stale-after 7x
	assert_status 64
}

# --- Olist ------------------------------------------------------------------

# Olist orders columns: 1 order_id, 2 customer_id, 3 status, 4 purchase,
# 5 approved, 6 carrier (dispatched), 7 customer delivery, 8 estimate.
AU_BEFORE='function before(a, b) { return a != "" && b != "" && a < b }
function both(a, b) { return a != "" && b != "" }'

# A copy of the orders head: rows 2-4 delivered a year before dispatch, row 5
# delivered the very second it was dispatched (not a failure), rows 6-7
# approved a year before purchase.
au_olist_orders_derived() {
	awk -F, -v OFS=, '{ sub(/\r$/, "") }
		NR >= 2 && NR <= 4 && $6 != "" && $7 != "" { $7 = (substr($6, 1, 4) - 1) substr($6, 5) }
		NR == 5 && $6 != "" { $7 = $6 }
		NR >= 6 && NR <= 7 && $4 != "" && $5 != "" { $5 = (substr($4, 1, 4) - 1) substr($4, 5) }
		{ print }' "$FIX/$OL/olist_orders_dataset.csv" >"$T/orders.csv"
}

test_olist_delivered_before_dispatched() {
	au_need_sqlite
	ingest_ok "$FIX/$OL/olist_orders_dataset.csv"
	n=$(au_olist_awk "$AU_BEFORE"' before($7, $6) { n++ } END { print n + 0 }' "$FIX/$OL/olist_orders_dataset.csv")
	both=$(au_olist_awk "$AU_BEFORE"' both($7, $6) { n++ } END { print n + 0 }' "$FIX/$OL/olist_orders_dataset.csv")
	assert_eq "0|291" "$n|$both" "awk: delivered before dispatched, both dates known"
	au_audit
	au_expect order_delivered_before_dispatched "$n" "$both"
	au_olist_orders_derived
	rm -f "$DB" "$DB-wal" "$DB-shm"
	ingest_ok "$T/orders.csv"
	n=$(au_olist_awk "$AU_BEFORE"' before($7, $6) { n++ } END { print n + 0 }' "$T/orders.csv")
	assert_eq 3 "$n" "awk: delivered before dispatched in the derived file"
	au_audit
	au_expect order_delivered_before_dispatched "$n" "$both"
	want=$(au_olist_awk "$AU_BEFORE"' before($7, $6) { print $1 }' "$T/orders.csv" | sort)
	got=$(sql "SELECT key FROM orders WHERE id IN ($(au_rows_of order_delivered_before_dispatched | au_in))" | sort)
	assert_eq "$want" "$got" "orders delivered before dispatched"
	# ours: by the clock, not by the text
	mine=$(sql "SELECT key FROM orders WHERE julianday(delivered_at) - julianday(dispatched_at) < 0" | sort)
	assert_eq "$want" "$mine" "orders delivered before dispatched (julianday)"
}

test_olist_dispatched_before_approved() {
	au_need_sqlite
	ingest_ok "$FIX/$OL/olist_orders_dataset.csv"
	n=$(au_olist_awk "$AU_BEFORE"' before($6, $5) { n++ } END { print n + 0 }' "$FIX/$OL/olist_orders_dataset.csv")
	both=$(au_olist_awk "$AU_BEFORE"' both($6, $5) { n++ } END { print n + 0 }' "$FIX/$OL/olist_orders_dataset.csv")
	assert_eq "4|295" "$n|$both" "awk: dispatched before approved, both dates known"
	au_audit
	au_expect order_dispatched_before_approved "$n" "$both"
	assert_eq error "$(au_f order_dispatched_before_approved severity)" "severity"
	want=$(au_olist_awk "$AU_BEFORE"' before($6, $5) { print $1 }' "$FIX/$OL/olist_orders_dataset.csv" | sort)
	got=$(sql "SELECT key FROM orders WHERE id IN ($(au_rows_of order_dispatched_before_approved | au_in))" | sort)
	assert_eq "$want" "$got" "orders dispatched before approved"
}

test_olist_approved_before_purchased() {
	au_need_sqlite
	ingest_ok "$FIX/$OL/olist_orders_dataset.csv"
	n=$(au_olist_awk "$AU_BEFORE"' before($5, $4) { n++ } END { print n + 0 }' "$FIX/$OL/olist_orders_dataset.csv")
	both=$(au_olist_awk "$AU_BEFORE"' both($5, $4) { n++ } END { print n + 0 }' "$FIX/$OL/olist_orders_dataset.csv")
	assert_eq 0 "$n" "awk: approved before purchased"
	au_audit
	au_expect order_approved_before_purchased 0 "$both"
	au_olist_orders_derived
	rm -f "$DB" "$DB-wal" "$DB-shm"
	ingest_ok "$T/orders.csv"
	n=$(au_olist_awk "$AU_BEFORE"' before($5, $4) { n++ } END { print n + 0 }' "$T/orders.csv")
	assert_eq 2 "$n" "awk: approved before purchased in the derived file"
	au_audit
	au_expect order_approved_before_purchased "$n" "$both"
	want=$(au_olist_awk "$AU_BEFORE"' before($5, $4) { print $1 }' "$T/orders.csv" | sort)
	got=$(sql "SELECT key FROM orders WHERE id IN ($(au_rows_of order_approved_before_purchased | au_in))" | sort)
	assert_eq "$want" "$got" "orders approved before purchased"
}

test_olist_payments_mismatch() {
	au_need_sqlite
	# the heads share no order between items and payments: nothing to check
	ingest_ok "$FIX"/$OL/*.csv
	au_audit
	au_expect order_payments_mismatch 0 0
	# orders of our own, in the Olist formats (prices with float traps)
	rm -f "$DB" "$DB-wal" "$DB-shm"
	d='2017-05-18 20:59:24,2017-05-18 21:10:16,2017-05-22 15:50:30,2017-05-30 09:12:44,2017-06-12 00:00:00'
	{
		head -n 1 "$FIX/$OL/olist_orders_dataset.csv"
		for o in a b c d e f g; do echo "order$o,cust$o,delivered,$d"; done
	} >"$T/orders.csv"
	{
		head -n 1 "$FIX/$OL/olist_order_items_dataset.csv"
		# a: 2 x (179.90 + 15.01) = 389.82, paid 389.82 in one payment
		echo 'ordera,1,prod1,sel1,2017-05-25 21:10:16,179.90,15.01'
		echo 'ordera,2,prod1,sel1,2017-05-25 21:10:16,179.90,15.01'
		# b: 100.00 + 10.00, paid 60.00 + 50.00
		echo 'orderb,1,prod2,sel1,2017-05-25 21:10:16,100.00,10.00'
		# c: 4.35 + 0.29 = 4.64, paid 4.65 (1 minor unit: tolerated)
		echo 'orderc,1,prod3,sel1,2017-05-25 21:10:16,4.35,0.29'
		# d: 1.15 + 8.20 = 9.35, paid 9.37 (2 minor units: a mismatch)
		echo 'orderd,1,prod4,sel1,2017-05-25 21:10:16,1.15,8.20'
		# e: 20.00, paid 10.00
		echo 'ordere,1,prod5,sel1,2017-05-25 21:10:16,20.00,0.00'
		# g: items but no payment (not checked)
		echo 'orderg,1,prod6,sel1,2017-05-25 21:10:16,5.00,1.00'
	} >"$T/items.csv"
	{
		head -n 1 "$FIX/$OL/olist_order_payments_dataset.csv"
		echo 'ordera,1,credit_card,1,389.82'
		echo 'orderb,1,credit_card,1,60.00'
		echo 'orderb,2,voucher,1,50.00'
		echo 'orderc,1,boleto,1,4.65'
		echo 'orderd,1,credit_card,2,9.37'
		echo 'ordere,1,credit_card,1,10.00'
		# f: a payment but no items (not checked)
		echo 'orderf,1,credit_card,1,12.00'
	} >"$T/payments.csv"
	ingest_ok "$T/orders.csv" "$T/items.csv" "$T/payments.csv"
	assert_sql "SELECT count(*) FROM order_lines WHERE order_id IS NULL" 0
	assert_sql "SELECT count(*) FROM payments WHERE order_id IS NULL" 0
	# ours: a correlated subquery per order, over orders with both
	mine=$(sql "SELECT o.key FROM orders o
		WHERE EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id)
		  AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)
		  AND abs((SELECT total(l.quantity * l.unit_price_minor) + total(l.freight_minor)
		           FROM order_lines l WHERE l.order_id = o.id)
		        - (SELECT total(p.amount_minor) FROM payments p WHERE p.order_id = o.id)) > 1" | sort)
	assert_eq "orderd
ordere" "$mine" "mismatched orders by our own query"
	au_audit
	au_expect order_payments_mismatch 2 5
	got=$(sql "SELECT key FROM orders WHERE id IN ($(au_rows_of order_payments_mismatch | au_in))" | sort)
	assert_eq "$mine" "$got" "mismatched orders from audit rows"
}

test_olist_exact_duplicate_items() {
	au_need_sqlite
	ingest_ok "$FIX/$OL/olist_order_items_dataset.csv"
	# items: 1 order_id, 2 order_item_id, 3 product_id, 6 price; every item
	# is one unit without a description.  A repeat is any item but the
	# lowest-numbered of its (order, product, price) group.
	want=$(au_olist_awk '{ k = $1 SUBSEP $3 SUBSEP $6; g[k] = g[k] " " $2; o[k] = $1 }
		END { for (k in g) { m = split(g[k], a, " "); lo = a[1]; for (i = 2; i <= m; i++) if (a[i] + 0 < lo + 0) lo = a[i]
			for (i = 1; i <= m; i++) if (a[i] != lo) print o[k] "|" a[i] } }' \
		"$FIX/$OL/olist_order_items_dataset.csv" | sort)
	assert_eq 23 "$(printf '%s\n' "$want" | grep -c .)" "awk: repeated items"
	au_audit
	au_expect order_line_exact_duplicate 23 299
	got=$(sql "SELECT order_key || '|' || line_no FROM order_lines WHERE id IN ($(au_rows_of order_line_exact_duplicate | au_in))" | sort)
	assert_eq "$want" "$got" "repeated items (order|item) from audit rows"
}

test_olist_orphans() {
	au_need_sqlite
	ingest_ok "$FIX"/$OL/*.csv
	# customers: 1 customer_id; orders: 2 customer_id; products: 1 product_id
	no_cust=$(au_olist_awk 'FILENAME ~ /customers/ { c[$1] = 1; next } !($2 in c) { n++ } END { print n + 0 }' \
		"$FIX/$OL/olist_customers_dataset.csv" "$FIX/$OL/olist_orders_dataset.csv")
	no_order=$(au_olist_awk 'FILENAME ~ /orders_dataset/ { o[$1] = 1; next } !($1 in o) { n++ } END { print n + 0 }' \
		"$FIX/$OL/olist_orders_dataset.csv" "$FIX/$OL/olist_order_items_dataset.csv")
	no_prod=$(au_olist_awk 'FILENAME ~ /products/ { p[$1] = 1; next } !($3 in p) { n++ } END { print n + 0 }' \
		"$FIX/$OL/olist_products_dataset.csv" "$FIX/$OL/olist_order_items_dataset.csv")
	assert_eq "298|297|294" "$no_cust|$no_order|$no_prod" "awk joins"
	au_audit
	au_expect order_customer_unknown "$no_cust" 299
	au_expect order_line_order_unknown "$no_order" 299
	au_expect order_line_sku_unknown "$no_prod" 299
	# ours, on natural keys rather than resolved ids
	mine=$(sql "SELECT id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.key = o.customer_key) ORDER BY id")
	assert_eq "$mine" "$(au_rows_of order_customer_unknown)" "orders whose customer is unknown"
}

test_olist_freshness_only_dated_sources_are_stale() {
	au_need_sqlite
	ingest_ok "$FIX"/$OL/*.csv
	au_audit
	# only orders (purchase dates) and reviews (creation dates) are dated, in
	# 2016-2018; every other file is as fresh as its ingest
	au_expect source_stale 2 8
	assert_eq "olist_orders
olist_reviews" "$(sql "SELECT format FROM sources WHERE id IN ($(au_rows_of source_stale | au_in)) ORDER BY format")" "stale sources"
	au_audit --stale-after 20000d
	au_expect source_stale 0 8
}

# --- Shopify --------------------------------------------------------------

# A copy of apparel.csv with barcodes on rows 2-8 (valid EAN-13, valid UPC-A
# with a leading zero, a wrong check digit, valid EAN-8, letters, all zeros,
# a valid one padded with spaces), row 9 not shipped and row 10 at 250 g.
au_shopify_derived() {
	awk '{ sub(/\r$/, "") }
		NR == 2 { sub(/,true,true,,/, ",true,true,4006381333931,") }
		NR == 3 { sub(/,true,true,,/, ",true,true,036000291452,") }
		NR == 4 { sub(/,true,true,,/, ",true,true,4006381333932,") }
		NR == 5 { sub(/,true,true,,/, ",true,true,96385074,") }
		NR == 6 { sub(/,true,true,,/, ",true,true,ABC123,") }
		NR == 7 { sub(/,true,true,,/, ",true,true,00000000000000,") }
		NR == 8 { sub(/,true,true,,/, ",true,true, 4006381333931 ,") }
		NR == 9 { sub(/,true,true,,/, ",false,true,,") }
		NR == 10 { sub(/,0,,1,deny,/, ",250,,1,deny,") }
		{ print }' "$FIX/$SH/apparel.csv" >"$T/apparel.csv"
}

test_shopify_variants_without_sku() {
	au_need_sqlite
	for f in apparel home-and-garden; do
		assert_eq 0 "$(awk -F'"' 'NF % 2 == 0 { n++ } END { print n + 0 }' "$FIX/$SH/$f.csv")" "lines of $f.csv with an open quote"
	done
	ingest_ok "$FIX/$SH/apparel.csv" "$FIX/$SH/home-and-garden.csv"
	variants=0 nosku=0
	for f in apparel home-and-garden; do
		v=$(au_csv_awk 'trim(f[col["Option1 Value"]]) != "" { n++ } END { print n + 0 }' "$FIX/$SH/$f.csv")
		s=$(au_csv_awk 'trim(f[col["Option1 Value"]]) != "" && trim(f[col["Variant SKU"]]) == "" { n++ } END { print n + 0 }' "$FIX/$SH/$f.csv")
		variants=$((variants + v)) nosku=$((nosku + s))
	done
	assert_eq "43|43" "$variants|$nosku" "awk: variant rows, variant rows without a SKU"
	au_audit
	au_expect variant_sku_missing "$nosku" "$variants"
	# no barcode anywhere: nothing to validate
	au_expect variant_barcode_invalid 0 0
}

test_shopify_weight_zero_on_shipped_variants() {
	au_need_sqlite
	ingest_ok "$FIX/$SH/apparel.csv" "$FIX/$SH/home-and-garden.csv"
	AU_W='trim(f[col["Option1 Value"]]) != "" && f[col["Variant Grams"]] != "" && f[col["Variant Requires Shipping"]] != "false"'
	n=0 c=0
	for f in apparel home-and-garden; do
		n=$((n + $(au_csv_awk "$AU_W"' && f[col["Variant Grams"]] + 0 <= 0 { n++ } END { print n + 0 }' "$FIX/$SH/$f.csv")))
		c=$((c + $(au_csv_awk "$AU_W"' { n++ } END { print n + 0 }' "$FIX/$SH/$f.csv")))
	done
	assert_eq "43|43" "$n|$c" "awk: shipped variants at 0 g, shipped variants with a weight"
	au_audit
	au_expect variant_weight_not_positive "$n" "$c"
	# one variant not shipped, one weighed
	au_shopify_derived
	rm -f "$DB" "$DB-wal" "$DB-shm"
	ingest_ok "$T/apparel.csv"
	n=$(au_csv_awk "$AU_W"' && f[col["Variant Grams"]] + 0 <= 0 { n++ } END { print n + 0 }' "$T/apparel.csv")
	c=$(au_csv_awk "$AU_W"' { n++ } END { print n + 0 }' "$T/apparel.csv")
	assert_eq "20|21" "$n|$c" "awk on the derived file"
	au_audit
	au_expect variant_weight_not_positive "$n" "$c"
}

# GS1 check digit: lengths 8, 12, 13, 14, digits only, not all zeros; the
# weights 3, 1, 3... run leftwards from the digit before the check digit.
AU_GTIN='function gtin_ok(s,    n, i, sum, w) {
	n = length(s)
	if (n != 8 && n != 12 && n != 13 && n != 14) return 0
	if (s !~ /^[0-9]+$/ || s ~ /^0+$/) return 0
	sum = 0; w = 3
	for (i = n - 1; i >= 1; i--) { sum += substr(s, i, 1) * w; w = 4 - w }
	return (10 - sum % 10) % 10 == substr(s, n, 1) + 0
}'

test_shopify_barcodes() {
	au_need_sqlite
	au_shopify_derived
	ingest_ok "$T/apparel.csv"
	filled=$(au_csv_awk "$AU_GTIN"' trim(f[col["Variant Barcode"]]) != "" { n++ } END { print n + 0 }' "$T/apparel.csv")
	bad=$(au_csv_awk "$AU_GTIN"' (b = trim(f[col["Variant Barcode"]])) != "" && !gtin_ok(b) { print b }' "$T/apparel.csv" | sort)
	assert_eq 7 "$filled" "awk: barcodes in the derived file"
	assert_eq "00000000000000
4006381333932
ABC123" "$bad" "awk: invalid barcodes"
	au_audit
	au_expect variant_barcode_invalid 3 "$filled"
	got=$(sql "SELECT trim(barcode) FROM variants WHERE id IN ($(au_rows_of variant_barcode_invalid | au_in))" | sort)
	assert_eq "$bad" "$got" "barcodes of the failing variants"
}

# --- failing rows -----------------------------------------------------------

test_rows_lists_every_failing_row_and_pages_through_them() {
	au_need_sqlite
	ingest_ok "$FIX"/$OL/*.csv
	au_audit
	id=$(au_f order_customer_unknown id)
	failing=$(au_f order_customer_unknown failing)
	run --db "$DB" audit rows "$id"
	assert_status 0
	all=$OUT
	assert_eq "$failing" "$(printf '%s\n' "$all" | grep -c .)" "rows listed"
	assert_eq "$failing" "$(printf '%s\n' "$all" | sort -u | grep -c .)" "distinct rows listed"
	# every id is an order whose customer_key matches no customer's key
	mine=$(sql "SELECT o.id FROM orders o LEFT JOIN customers c ON c.key = o.customer_key WHERE c.id IS NULL ORDER BY o.id")
	assert_eq "$mine" "$(printf '%s\n' "$all" | sort -n)" "rows against our own query"
	# pages of 7: no gap, no overlap, then nothing
	paged= off=0 pages=0
	while :; do
		run --db "$DB" audit rows "$id" --limit 7 --offset "$off"
		assert_status 0
		[ -n "$OUT" ] || break
		n=$(printf '%s\n' "$OUT" | grep -c .)
		[ "$n" -le 7 ] || fail "page at offset $off has $n rows, limit 7"
		paged="$paged$OUT
"
		off=$((off + 7)) pages=$((pages + 1))
		[ "$pages" -le 100 ] || fail "paging does not end"
	done
	assert_eq $(((failing + 6) / 7)) "$pages" "pages of 7"
	assert_eq "$all" "$(printf '%s' "$paged" | sed '/^$/d')" "the pages, concatenated"
	# JSON: the same ids, each with its source (the orders file)
	run --db "$DB" audit rows "$id" --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/rows.json"
	assert_json_valid "$T/rows.json"
	assert_eq "$failing" "$(json_sql "$T/rows.json" "json_array_length(j)")" "JSON rows"
	assert_eq "$(sql "SELECT id FROM sources WHERE format = 'olist_orders'")" \
		"$(json_sql "$T/rows.json" "(SELECT group_concat(DISTINCT json_extract(value, '\$.source_id')) FROM json_each(j))")" "source of every row"
	assert_eq "$all" "$(json_sql "$T/rows.json" "(SELECT group_concat(json_extract(value, '\$.row_id'), char(10)) FROM json_each(j))")" "JSON row ids"
	# the table holds the same rows
	assert_sql "SELECT count(DISTINCT row_id) FROM audit_finding_rows WHERE finding_id = $id" "$failing"
}

test_rows_of_an_unknown_finding_is_an_error() {
	init_db
	run --db "$DB" audit
	assert_status 0
	# `audit show 999` says there is no run 999 (66); a finding that does not
	# exist must not look like a finding without failing rows
	run --db "$DB" audit show 999
	assert_status 66
	run --db "$DB" audit rows 999
	assert_status 66
	assert_err_contains 999
	run --db "$DB" audit rows 0
	assert_status 64
	run --db "$DB" audit rows
	assert_status 64
}

# --- scores -----------------------------------------------------------------

test_scores_match_audit_checked() {
	au_need_sqlite
	ingest_ok "$FIX/$R" "$FIX/$SH/apparel.csv" "$FIX/$SH/home-and-garden.csv"
	au_audit
	run_id=$(json_get "$T/a.json" '$.run.id')
	assert_sql "SELECT count(*) FROM audit_checked WHERE run_id = $run_id AND check_name NOT IN (WITH $AU_DIMS SELECT check_name FROM dims)" 0
	# per dimension: 100 * (1 - failing / checked) over its rows; overall: the mean
	dim="WITH $AU_DIMS, d AS (SELECT dimension, 100.0 * (1 - 1.0 * sum(failing) / sum(checked)) AS s
		FROM audit_checked JOIN dims USING (check_name) WHERE run_id = $run_id
		GROUP BY dimension HAVING sum(checked) > 0),
		r AS (SELECT CAST(readfile('$T/a.json') AS TEXT) AS j)"
	assert_sql "$dim SELECT group_concat(dimension || '=' || printf('%.1f', s), ',') FROM (SELECT * FROM d ORDER BY dimension)" \
		"$(json_sql "$T/a.json" "(SELECT group_concat(key || '=' || printf('%.1f', value), ',') FROM (SELECT key, value FROM json_each(j, '\$.scores.dimensions') ORDER BY key))")"
	assert_sql "$dim SELECT count(*) FROM d, r WHERE abs(s - json_extract(j, '\$.scores.dimensions.' || dimension)) > 1e-9" 0
	assert_sql "$dim SELECT printf('%.1f', avg(s)) = printf('%.1f', json_extract(j, '\$.scores.overall')), abs(avg(s) - json_extract(j, '\$.scores.overall')) < 1e-9, abs(avg(s) - json_extract(j, '\$.run.score')) < 1e-9 FROM d, r" "1|1|1"
	# a table (the variants of the two catalogues and the invoices) and a source
	assert_sql "WITH r AS (SELECT CAST(readfile('$T/a.json') AS TEXT) AS j)
		SELECT printf('%.1f', 100.0 * (1 - 1.0 * sum(failing) / sum(checked))) = printf('%.1f', json_extract(j, '\$.scores.tables.variants'))
		FROM audit_checked, r WHERE run_id = $run_id
		  AND (check_name LIKE 'variant_%' OR check_name = 'sku_price_differs_across_sources')" 1
	src=$(sql "SELECT id FROM sources WHERE format = 'online_retail'")
	assert_sql "WITH r AS (SELECT CAST(readfile('$T/a.json') AS TEXT) AS j)
		SELECT printf('%.1f', 100.0 * (1 - 1.0 * sum(failing) / sum(checked))) = printf('%.1f', json_extract(j, '\$.scores.sources.\"$src\"'))
		FROM audit_checked, r WHERE run_id = $run_id AND source_id = $src" 1
	# the audit_checked rows agree with the findings
	assert_sql "SELECT count(*) FROM audit_findings f WHERE run_id = $run_id AND (failing, checked) IS NOT
		(SELECT sum(failing), sum(checked) FROM audit_checked c WHERE c.run_id = f.run_id AND c.check_name = f.check_name)" 0
	# share_pct of every finding
	assert_eq 0 "$(json_sql "$T/a.json" "(SELECT count(*) FROM json_each(j, '\$.findings') WHERE abs(json_extract(value, '\$.share_pct') - round(100.0 * json_extract(value, '\$.failing') / json_extract(value, '\$.checked'), 2)) > 1e-9)")" "findings with a wrong share_pct"
}

test_scores_known_answer_by_hand() {
	au_need_sqlite
	cat >"$T/c.jsonl" <<'EOF'
{"table": "customers", "key": "c1", "email": "not-an-email", "country": "Narnia"}
{"table": "customers", "key": "c2", "email": "ana@example.com", "country": "DE"}
{"table": "customers", "key": "c3"}
EOF
	ingest_ok "$T/c.jsonl"
	au_audit
	# completeness: e-mail missing 1 of 3 -> 66.67; validity: e-mail 1 of 2
	# and country 1 of 2 -> 50; uniqueness: duplicate e-mail 0 of 2 -> 100;
	# freshness: the file, just ingested -> 100; overall 316.67 / 4 = 79.17
	assert_eq "completeness=66.7,freshness=100.0,uniqueness=100.0,validity=50.0" \
		"$(json_sql "$T/a.json" "(SELECT group_concat(key || '=' || printf('%.1f', value), ',') FROM (SELECT key, value FROM json_each(j, '\$.scores.dimensions') ORDER BY key))")" "dimension scores"
	assert_eq 79.2 "$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.overall'))")" "overall score"
	# customers: 3 failing of 9 checked; the source: 3 of 10
	assert_eq "66.7|100.0|70.0" "$(json_sql "$T/a.json" "printf('%.1f|%.1f|%.1f', json_extract(j, '\$.scores.tables.customers'), json_extract(j, '\$.scores.tables.sources'), json_extract(j, '\$.scores.sources.\"1\"'))")" "table and source scores"
	au_expect customer_email_missing 1 3
	au_expect customer_email_invalid 1 2
	au_expect customer_country_invalid 1 2
	au_expect customer_email_duplicate 0 2
	assert_eq "$(sql "SELECT id FROM customers WHERE key = 'c1'")" "$(au_rows_of customer_country_invalid)" "the customer from Narnia"
	run --db "$DB" audit
	assert_status 0
	assert_out_contains "score 79.2"
}

# --- history, exit status ----------------------------------------------------

test_history_lists_every_run() {
	au_need_sqlite
	ingest_ok "$FIX/$SH/apparel.csv"
	au_audit
	assert_eq 1 "$(json_get "$T/a.json" '$.run.id')" "first run"
	run --db "$DB" audit history --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/h.json"
	assert_json_valid "$T/h.json"
	assert_eq 1 "$(json_sql "$T/h.json" "json_array_length(j)")" "runs after one audit"
	# a second and a third audit add runs; the data changes in between
	au_audit
	ingest_ok "$FIX/$SH/home-and-garden.csv"
	au_audit
	run --db "$DB" audit history --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/h.json"
	assert_eq "3,2,1" "$(json_sql "$T/h.json" "(SELECT group_concat(json_extract(value, '\$.id'), ',') FROM json_each(j))")" "runs, newest first"
	assert_eq "$(sql "SELECT group_concat(n, ',') FROM (SELECT (SELECT count(*) FROM audit_findings f WHERE f.run_id = r.id) AS n FROM audit_runs r ORDER BY r.id DESC)")" \
		"$(json_sql "$T/h.json" "(SELECT group_concat(json_extract(value, '\$.findings'), ',') FROM json_each(j))")" "findings per run"
	assert_eq "$(printf '%.1f' "$(json_get "$T/a.json" '$.scores.overall')")" \
		"$(json_sql "$T/h.json" "printf('%.1f', json_extract(j, '\$[0].score'))")" "score of the newest run"
	run --db "$DB" audit history
	assert_status 0
	assert_eq 3 "$(printf '%s\n' "$OUT" | grep -c 'score')" "text history lines"
	assert_eq "3 2 1" "$(printf '%s\n' "$OUT" | awk '{ printf "%s%s", s, $1; s = " " }')" "text history order"
	assert_sql "SELECT count(*) FROM audit_runs WHERE finished_at IS NULL" 0
}

test_fail_under() {
	ingest_ok "$FIX/$R"
	# findings alone do not fail
	run --db "$DB" audit
	assert_status 0
	assert_out_contains "error"
	run --db "$DB" audit --fail-under 0
	assert_status 0
	run --db "$DB" audit --fail-under 101
	assert_status 1
	assert_err_contains "under 101"
	assert_out_contains "audit run"
	# the run is kept all the same
	assert_sql "SELECT count(*) FROM audit_runs WHERE finished_at IS NOT NULL" 3
	run --db "$DB" audit show --fail-under 101
	assert_status 1
	run --db "$DB" audit show --fail-under 1
	assert_status 0
	run --db "$DB" audit --fail-under lots
	assert_status 64
	assert_sql "SELECT count(*) FROM audit_runs" 3
}

test_fail_under_takes_a_decimal_score() {
	au_need_sqlite
	ingest_ok "$FIX/$R"
	au_audit
	score=$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.overall'))")
	below=$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.overall') - 0.5)")
	above=$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.overall') + 0.5)")
	# the score is reported with decimals (68.9): a threshold can have them too
	run --db "$DB" audit --fail-under "$below"
	assert_status 0
	run --db "$DB" audit --fail-under "$above"
	assert_status 1
	assert_err_contains "$score"
}

# --- formats -----------------------------------------------------------------

test_formats() {
	au_need_sqlite
	ingest_ok "$FIX/$R" "$FIX/$OL/olist_orders_dataset.csv"
	au_audit
	assert_eq "object|object|array" "$(json_sql "$T/a.json" "json_type(j, '\$.run') || '|' || json_type(j, '\$.scores') || '|' || json_type(j, '\$.findings')")" "report shape"
	assert_eq 0 "$(json_sql "$T/a.json" "(SELECT count(*) FROM json_each(j, '\$.findings') WHERE json_type(value, '\$.examples') <> 'array' OR json_array_length(value, '\$.examples') <> min(5, json_extract(value, '\$.failing')))")" "findings whose examples are not their first rows"
	# markdown: the header, the findings table, a row of it
	run --db "$DB" audit show --format md
	assert_status 0
	assert_out_contains "# Data quality audit 1"
	assert_out_contains "**Overall score: $(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.overall'))") / 100.**"
	assert_out_contains "## Findings"
	assert_out_contains "| severity | dimension | table | failing | of | share | what | finding |"
	assert_out_contains "| warning | validity | order_lines | 10 | 5000 | 0.20% | sold order lines with a unit price of zero or below | $(au_f order_line_price_not_positive id) |"
	assert_eq "$(json_sql "$T/a.json" "json_array_length(j, '\$.findings')")" "$(printf '%s\n' "$OUT" | sed -n '/^## Findings/,$p' | grep -cE '^\| (error|warning|info) \|')" "finding rows in the markdown"
	# text: one line per finding, every error before every warning before every info
	run --db "$DB" audit show
	assert_status 0
	assert_out_contains "10 of 5000"
	sev=$(printf '%s\n' "$OUT" | awk '$1 == "error" || $1 == "warning" || $1 == "info" { print $1 }')
	assert_eq "$(json_sql "$T/a.json" "json_array_length(j, '\$.findings')")" "$(printf '%s\n' "$sev" | grep -c .)" "finding lines in the text"
	assert_eq "$(printf '%s\n' "$sev" | awk '{ print ($1 == "error" ? 0 : $1 == "warning" ? 1 : 2) " " $1 }' | sort -s -n -k1,1 | cut -d' ' -f2)" "$sev" "severity order of the text"
	printf '%s\n' "$sev" | grep -qx error || fail "no error line to order"
	printf '%s\n' "$sev" | grep -qx info || fail "no info line to order"
	# json is in the same order
	assert_eq "$sev" "$(json_sql "$T/a.json" "(SELECT group_concat(json_extract(value, '\$.severity'), char(10)) FROM json_each(j, '\$.findings'))")" "severity order of the JSON"
}

test_show_reproduces_a_run() {
	au_need_sqlite
	ingest_ok "$FIX/$SH/apparel.csv"
	au_audit
	cp "$T/a.json" "$T/run1.json"
	run --db "$DB" audit show --format json
	assert_status 0
	assert_eq "$(cat "$T/run1.json")" "$OUT" "audit show after the run"
	ingest_ok "$FIX/$R"
	au_audit
	run --db "$DB" audit show 1 --format json
	assert_status 0
	assert_eq "$(cat "$T/run1.json")" "$OUT" "audit show 1 after a second run"
	run --db "$DB" audit show --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/s.json"
	assert_eq 2 "$(json_get "$T/s.json" '$.run.id')" "audit show: the latest run"
}

# --- bad input -----------------------------------------------------------------

test_empty_database() {
	au_need_sqlite
	init_db
	au_audit
	assert_eq 0 "$(json_sql "$T/a.json" "json_array_length(j, '\$.findings')")" "findings"
	assert_eq 100.0 "$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.scores.overall'))")" "overall score"
	assert_eq 100.0 "$(json_sql "$T/a.json" "printf('%.1f', json_extract(j, '\$.run.score'))")" "run score"
	assert_sql "SELECT count(*) FROM audit_findings" 0
	assert_sql "SELECT count(*) FROM audit_checked" 0
	run --db "$DB" audit
	assert_status 0
	assert_out_contains "score 100.0"
	assert_out_contains "no findings"
	run --db "$DB" audit --format md
	assert_status 0
	assert_out_contains "**Overall score: 100.0 / 100.**"
	run --db "$DB" audit --fail-under 100
	assert_status 0
}

test_one_row_database() {
	au_need_sqlite
	echo '{"table": "products", "key": "only", "title": "The only product"}' >"$T/one.jsonl"
	ingest_ok "$T/one.jsonl"
	au_audit
	# a title, but no category, image or weight: completeness 1 of 4 -> 25;
	# one title cannot be a near duplicate -> 100; fresh -> 100; mean 75
	assert_eq "product_category_missing,product_image_missing,product_weight_missing" \
		"$(json_sql "$T/a.json" "(SELECT group_concat(c, ',') FROM (SELECT json_extract(value, '\$.check_name') AS c FROM json_each(j, '\$.findings') ORDER BY 1))")" "findings"
	assert_eq 0 "$(json_sql "$T/a.json" "(SELECT count(*) FROM json_each(j, '\$.findings') WHERE json_extract(value, '\$.failing') <> 1 OR json_extract(value, '\$.checked') <> 1 OR json_extract(value, '\$.examples') <> '[1]')")" "findings other than 1 of 1, row 1"
	assert_eq "completeness=25.0,freshness=100.0,uniqueness=100.0|75.0" \
		"$(json_sql "$T/a.json" "(SELECT group_concat(key || '=' || printf('%.1f', value), ',') FROM (SELECT key, value FROM json_each(j, '\$.scores.dimensions') ORDER BY key)) || '|' || printf('%.1f', json_extract(j, '\$.scores.overall'))")" "scores"
	au_expect product_title_missing 0 1
	au_expect product_title_near_duplicate 0 1
}

test_customer_with_blank_values() {
	au_need_sqlite
	printf '%s\n' \
		'{"table": "customers", "key": "c1", "email": "", "name": "   ", "country": "  ", "city": null, "zip": "\t"}' \
		'{"table": "customers", "key": "c2", "email": null, "name": null, "country": null}' \
		'{"table": "customers", "key": "c3"}' >"$T/blank.jsonl"
	ingest_ok "$T/blank.jsonl"
	assert_sql "SELECT count(*) FROM customers" 3
	au_audit
	# blank is missing, never malformed, never a duplicate of another blank
	au_expect customer_email_missing 3 3
	au_expect customer_email_invalid 0 0
	au_expect customer_country_invalid 0 0
	au_expect customer_email_duplicate 0 0
	assert_eq "completeness=0.0,freshness=100.0|50.0" \
		"$(json_sql "$T/a.json" "(SELECT group_concat(key || '=' || printf('%.1f', value), ',') FROM (SELECT key, value FROM json_each(j, '\$.scores.dimensions') ORDER BY key)) || '|' || printf('%.1f', json_extract(j, '\$.scores.overall'))")" "scores"
}

test_invalid_utf8_in_json_lines_is_refused_and_audit_unharmed() {
	au_need_sqlite
	echo '{"table": "customers", "key": "ok", "email": "ok@example.com", "country": "Narnia"}' >"$T/ok.jsonl"
	ingest_ok "$T/ok.jsonl"
	# README, JSON Lines: text that is not UTF-8 refuses the file, so it can
	# never be stored through ingest; the refusal leaves the database as it was
	printf '{"table": "products", "key": "p1", "title": "caf\351 \377\376"}\n' >"$T/bad.jsonl"
	state=$(db_state)
	run --db "$DB" ingest "$T/bad.jsonl"
	assert_status 65
	assert_err_contains "UTF-8"
	assert_eq "$state" "$(db_state)" "database after the refused file"
	au_audit
	au_expect customer_country_invalid 1 1
	assert_sql "SELECT count(*) FROM products" 0
}

test_invalid_utf8_stored_directly_is_audited() {
	au_need_sqlite
	echo '{"table": "customers", "key": "ok", "email": "ok@example.com", "country": "DE"}' >"$T/ok.jsonl"
	ingest_ok "$T/ok.jsonl"
	# ingest refuses it (above), but another writer of the database may not:
	# titles, e-mails, countries and times that are not UTF-8
	sql "INSERT INTO products (origin, key, title, category, weight_g, photos, source_id) VALUES
		('x', 'b1', CAST(X'4142FF43C3' AS TEXT), 'c', 1, 1, 1),
		('x', 'b2', CAST(X'C3A9C3A9FF80' AS TEXT), 'c', 1, 1, 1),
		('x', 'b3', CAST(X'C3A9C3A9FF80' AS TEXT), 'c', 1, 1, 1);
	     INSERT INTO customers (origin, key, email, country, source_id) VALUES
		('x', 'cb', CAST(X'61FF40622E636F6D' AS TEXT), CAST(X'4765726D61FF' AS TEXT), 1);
	     INSERT INTO orders (origin, key, country, purchased_at, source_id) VALUES
		('x', 'ob', CAST(X'E9' AS TEXT), CAST(X'32303131FF' AS TEXT), 1)" >/dev/null
	assert_sql "SELECT count(*) FROM products" 3
	au_audit
	# neither "Germa\xff" nor "\xe9" is a country; "2011\xff" is no time
	au_expect customer_country_invalid 1 2
	au_expect order_country_invalid 1 1
	au_expect order_time_implausible 1 1
	# the two byte-identical titles are one title
	assert_eq "$(sql "SELECT id FROM products WHERE key IN ('b2', 'b3') ORDER BY id")" "$(au_rows_of product_title_near_duplicate)" "near-duplicate titles"
	run --db "$DB" audit --format md
	assert_status 0
	run --db "$DB" audit
	assert_status 0
	run --db "$DB" audit rows "$(au_f customer_country_invalid id)"
	assert_status 0
	assert_eq "$(sql "SELECT id FROM customers WHERE key = 'cb'")" "$OUT" "the customer"
}

test_sql_metacharacters_in_titles() {
	au_need_sqlite
	cat >"$T/evil.jsonl" <<'EOF'
{"table": "products", "key": "evil-1", "title": "'); DROP TABLE products;--"}
{"table": "products", "key": "evil-2", "title": "--; products TABLE DROP ;)'"}
{"table": "products", "key": "evil-3", "title": "Robert'); DELETE FROM audit_runs; --", "category": "x\" OR 1=1 --"}
{"table": "customers", "key": "evil-c", "email": "a'@b'.com", "country": "'; DROP TABLE customers;--"}
EOF
	ingest_ok "$T/evil.jsonl"
	au_audit
	au_audit
	assert_sql "SELECT count(*) FROM products" 3
	assert_sql "SELECT count(*) FROM customers" 1
	assert_sql "SELECT count(*) FROM audit_runs" 2
	# the first two titles are the same words in another order and punctuation
	au_expect product_title_near_duplicate 2 3
	run --db "$DB" query "SELECT title FROM products WHERE id IN ($(au_rows_of product_title_near_duplicate | au_in)) ORDER BY key"
	assert_status 0
	assert_out_contains "'); DROP TABLE products;--"
	assert_out_contains "--; products TABLE DROP ;)'"
	au_expect customer_country_invalid 1 1
	au_expect customer_email_invalid 1 1
	run --db "$DB" audit --format md
	assert_status 0
}

test_audit_read_actions_on_a_missing_database() {
	# like `events` and `sources`, reading the audit of a database that does
	# not exist is missing input (66), not an internal error
	run --db "$T/none.db" events
	assert_status 66
	run --db "$T/none.db" audit history
	assert_err_not_contains "no such table"
	assert_status 66
	run --db "$T/none2.db" audit rows 1
	assert_err_not_contains "no such table"
	assert_status 66
	run --db "$T/none3.db" audit show 1
	assert_err_not_contains "no such table"
	assert_status 66
}

# --- events --------------------------------------------------------------------

test_audit_events() {
	au_need_sqlite
	ingest_ok "$FIX/$R"
	before=$(sql "SELECT max(id) FROM events")
	au_audit
	run_id=$(json_get "$T/a.json" '$.run.id')
	nf=$(json_sql "$T/a.json" "json_array_length(j, '\$.findings')")
	assert_sql "SELECT count(*) FROM events WHERE id > $before AND type = 'audit.finding'" "$nf"
	assert_sql "SELECT count(*) FROM events WHERE id > $before AND type = 'audit.completed'" 1
	assert_sql "SELECT count(*) FROM events WHERE id > $before AND type NOT IN ('audit.finding', 'audit.completed')" 0
	# one event per finding, with its id, check, severity and failing count
	assert_sql "SELECT count(DISTINCT json_extract(payload, '\$.finding_id')) FROM events WHERE id > $before AND type = 'audit.finding'" "$nf"
	assert_sql "WITH r AS (SELECT CAST(readfile('$T/a.json') AS TEXT) AS j),
		f AS (SELECT value AS v FROM r, json_each(j, '\$.findings'))
		SELECT count(*) FROM f WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id > $before
			AND e.type = 'audit.finding' AND e.entity_id = json_extract(v, '\$.id')
			AND json_extract(e.payload, '\$.finding_id') = json_extract(v, '\$.id')
			AND json_extract(e.payload, '\$.check') = json_extract(v, '\$.check_name')
			AND json_extract(e.payload, '\$.severity') = json_extract(v, '\$.severity')
			AND json_extract(e.payload, '\$.failing') = json_extract(v, '\$.failing'))" 0
	assert_sql "SELECT json_extract(payload, '\$.failing') FROM events WHERE id > $before AND type = 'audit.finding' AND json_extract(payload, '\$.check') = 'order_line_price_not_positive'" 10
	assert_sql "SELECT json_extract(payload, '\$.run_id') || '|' || json_extract(payload, '\$.findings') FROM events WHERE id > $before AND type = 'audit.completed'" "$run_id|$nf"
	assert_eq 1 "$(json_sql "$T/a.json" "abs(json_extract(j, '\$.scores.overall') - $(sql "SELECT json_extract(payload, '\$.score') FROM events WHERE id > $before AND type = 'audit.completed'")) < 0.006")" "score in audit.completed"
	# the completion comes last
	assert_sql "SELECT type FROM events WHERE id = (SELECT max(id) FROM events)" audit.completed
	# a second audit appends a second set
	au_audit
	assert_sql "SELECT count(*) FROM events WHERE id > $before AND type = 'audit.finding'" $((2 * nf))
	assert_sql "SELECT count(*) FROM events WHERE id > $before AND type = 'audit.completed'" 2
	run --db "$DB" events --type 'audit.*' --limit 1
	assert_status 0
	assert_out_contains "audit."
}

# The profile of a table agrees with queries the test writes itself.
test_profile_known_answers() {
	ingest_ok "$FIX/online-retail/online_retail.csv"
	run --db "$DB" audit
	assert_status 0
	run --db "$DB" audit profile orders --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/p.json"
	assert_json_valid "$T/p.json"
	col() { json_sql "$T/p.json" "(SELECT json_extract(value, '\$.$2') FROM json_each(j, '\$[0].profile') WHERE json_extract(value, '\$.name') = '$1')"; }
	assert_eq "$(sql "SELECT count(*) FROM orders")" "$(json_get "$T/p.json" '$[0].rows')" "rows"
	assert_eq "$(sql "SELECT count(*) FROM orders WHERE customer_key IS NULL")" "$(col customer_key nulls)" "guest orders are null customers"
	assert_eq "$(sql "SELECT count(DISTINCT country) FROM orders")" "$(col country distinct)" "distinct countries"
	assert_eq "$(sql "SELECT min(purchased_at) FROM orders")" "$(col purchased_at min)" "first purchase"
	assert_eq datetime "$(col purchased_at type)" "purchase times are datetimes"
	assert_eq integer "$(col is_return type)" "is_return is an integer"
	run --db "$DB" audit profile
	assert_status 0
	assert_out_contains "order_lines ("
	run --db "$DB" audit profile no_such_table
	assert_status 66
}

# Local image files are read by their header only: a missing file and a
# file that is no image are unreadable; real images under 500 px on their
# shorter side are below the marketplace minimum; URLs are not fetched.
test_local_images_checked_by_header() {
	IMG="$(cd "$FIX/images" && pwd)"
	cat >"$T/a.jsonl" <<EOF2
{"table": "products", "key": "p-1", "title": "Lamp"}
{"table": "assets", "product_key": "p-1", "kind": "source", "uri": "$IMG/png-7x5.png", "position": 1}
{"table": "assets", "product_key": "p-1", "kind": "source", "uri": "$IMG/huge-20000x20000.png", "position": 2}
{"table": "assets", "product_key": "p-1", "kind": "source", "uri": "$IMG/text.jpg", "position": 3}
{"table": "assets", "product_key": "p-1", "kind": "source", "uri": "$T/missing.png", "position": 4}
{"table": "assets", "product_key": "p-1", "kind": "source", "uri": "https://cdn.example.com/lamp.jpg", "position": 5}
EOF2
	ingest_ok "$T/a.jsonl"
	run --db "$DB" audit --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/r.json"
	f() { json_sql "$T/r.json" "(SELECT json_extract(value, '\$.$2') FROM json_each(j, '\$.findings') WHERE json_extract(value, '\$.check_name') = '$1')"; }
	assert_eq "2|4" "$(f image_file_unreadable failing)|$(f image_file_unreadable checked)" "unreadable of local"
	assert_eq "1|4" "$(f image_below_minimum failing)|$(f image_below_minimum checked)" "small of local"
	small=$(f image_below_minimum id)
	run --db "$DB" audit rows "$small"
	assert_status 0
	assert_eq "$(sql "SELECT id FROM assets WHERE uri LIKE '%png-7x5.png'")" "$OUT" "the 7x5 image"
}

# A price far from its category's median is an outlier; a category of four
# prices is too small to judge; the spread is robust (median and MAD), so
# one huge price does not hide itself by inflating a standard deviation.
test_price_outliers_within_a_category() {
	{
		for i in 1 2 3 4 5 6; do
			echo "{\"table\": \"products\", \"key\": \"lamp-$i\", \"title\": \"Lamp $i\", \"category\": \"lamps\"}"
		done
		for i in 1 2 3 4; do
			echo "{\"table\": \"products\", \"key\": \"rug-$i\", \"title\": \"Rug $i\", \"category\": \"rugs\"}"
		done
		n=0
		for p in 1000 1100 1050 1020 990 99999; do
			n=$((n + 1))
			echo "{\"table\": \"variants\", \"product_key\": \"lamp-$n\", \"position\": 1, \"sku\": \"L-$n\", \"price_minor\": $p, \"currency\": \"EUR\"}"
		done
		n=0
		for p in 500 510 520 99999; do
			n=$((n + 1))
			echo "{\"table\": \"variants\", \"product_key\": \"rug-$n\", \"position\": 1, \"sku\": \"R-$n\", \"price_minor\": $p, \"currency\": \"EUR\"}"
		done
	} >"$T/o.jsonl"
	ingest_ok "$T/o.jsonl"
	run --db "$DB" audit --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/r.json"
	id=$(json_sql "$T/r.json" "(SELECT json_extract(value, '\$.id') FROM json_each(j, '\$.findings') WHERE json_extract(value, '\$.check_name') = 'variant_price_outlier')")
	[ -n "$id" ] || fail "no price outlier finding"
	run --db "$DB" audit rows "$id"
	assert_status 0
	assert_eq "$(sql "SELECT id FROM variants WHERE sku = 'L-6'")" "$OUT" "only the 99999 lamp"
	assert_sql "SELECT checked FROM audit_findings WHERE id = $id" 10
}

# A source can carry its own freshness threshold: the 2011 retail file is
# stale under the default 7 days, fresh once its own threshold is 20000 days,
# while --stale-after still applies to the other sources.
test_freshness_threshold_per_source() {
	ingest_ok "$FIX/online-retail/online_retail.csv"
	sid=$(sql "SELECT id FROM sources")
	run --db "$DB" audit --format json
	printf '%s\n' "$OUT" >"$T/a.json"
	assert_eq 1 "$(json_sql "$T/a.json" "(SELECT json_extract(value, '\$.failing') FROM json_each(j, '\$.findings') WHERE json_extract(value, '\$.check_name') = 'source_stale')")" "stale by default"
	run --db "$DB" audit stale-after "$sid" 20000d
	assert_status 0
	assert_out_contains "source $sid is stale"
	run --db "$DB" audit --format json
	printf '%s\n' "$OUT" >"$T/b.json"
	assert_eq NULL "$(json_sql "$T/b.json" "(SELECT json_extract(value, '\$.failing') FROM json_each(j, '\$.findings') WHERE json_extract(value, '\$.check_name') = 'source_stale')")" "fresh under its own threshold"
	run --db "$DB" audit stale-after 999 7d
	assert_status 66
	run --db "$DB" audit stale-after "$sid" soon
	assert_status 64
}

# A table holding rows of several sources gets a profile per source too,
# each counting only that source's rows; a one-source table does not.
test_profiles_per_source() {
	ingest_ok "$FIX/shopify/apparel.csv" "$FIX/shopify/home-and-garden.csv"
	run --db "$DB" audit
	assert_status 0
	for sid in $(sql "SELECT id FROM sources"); do
		run --db "$DB" audit profile products --source "$sid" --format json
		assert_status 0
		printf '%s\n' "$OUT" >"$T/p.json"
		assert_eq "$(sql "SELECT count(*) FROM products WHERE source_id = $sid")" "$(json_get "$T/p.json" '$[0].rows')" "rows of source $sid"
	done
	run --db "$DB" audit profile products --format json
	printf '%s\n' "$OUT" >"$T/all.json"
	assert_eq "$(sql "SELECT count(*) FROM products")" "$(json_get "$T/all.json" '$[0].rows')" "rows of the table"
	run --db "$DB" audit profile categories --source 1
	assert_status 66
}

# --- the operator's checks ---------------------------------------------------

# The suggestion of TABLE.COLUMN:CHECK in $T/s.json (FIELD, or the check
# itself when FIELD is empty); NULL when there is none.
au_sug() {
	json_sql "$T/s.json" "(SELECT json_extract(value, '\$${4:+.$4}') FROM json_each(j, '\$.checks') WHERE json_extract(value, '\$.table') = '$1' AND json_extract(value, '\$.column') = '$2' AND json_extract(value, '\$.check') = '$3')"
}

au_suggest_retail() {
	init_db
	ingest_ok "$FIX/$R"
	run --db "$DB" audit
	assert_status 0
	run --db "$DB" audit suggest
	assert_status 0
	printf '%s\n' "$OUT" >"$T/s.json"
	assert_json_valid "$T/s.json"
}

# Each suggestion agrees with a query of our own over the same rows.
test_suggest_agrees_with_the_data() {
	au_suggest_retail
	assert_eq 0 "$(sql "SELECT count(*) FROM order_lines WHERE quantity IS NULL")" "quantity has no nulls"
	[ "$(au_sug order_lines quantity not_null)" != NULL ] || fail "no not_null suggested for order_lines.quantity"
	assert_eq "$(sql "SELECT count(*) FROM orders")" "$(sql "SELECT count(DISTINCT key) FROM orders WHERE key IS NOT NULL")" "order keys are distinct"
	[ "$(au_sug orders key unique)" != NULL ] || fail "no unique suggested for orders.key"
	assert_eq "$(sql "SELECT min(quantity) || '|' || max(quantity) FROM order_lines")" \
		"$(au_sug order_lines quantity range min)|$(au_sug order_lines quantity range max)" "range of order_lines.quantity"
	assert_eq "$(sql "SELECT json_group_array(currency) FROM (SELECT DISTINCT currency FROM orders)")" \
		"$(au_sug orders currency in values)" "values of orders.currency"
	assert_eq 0 "$(sql "SELECT count(*) FROM orders WHERE currency NOT GLOB '[A-Z][A-Z][A-Z]'")" "currencies are three letters"
	assert_eq AAA "$(au_sug orders currency pattern pattern)" "pattern of orders.currency"
	# nothing proposed for the keys, nor a unique for a repeated value
	assert_eq NULL "$(au_sug orders id not_null)" "no check of id"
	assert_eq NULL "$(au_sug orders source_id not_null)" "no check of source_id"
	[ "$(sql "SELECT count(*) - count(DISTINCT sku) FROM order_lines")" -gt 0 ] || fail "skus repeat"
	assert_eq NULL "$(au_sug order_lines sku unique)" "no unique for a repeated sku"
}

# What suggest proposes holds on the data it came from.
test_suggest_round_trip_has_no_failures() {
	au_suggest_retail
	[ "$(json_sql "$T/s.json" "json_array_length(j, '\$.checks')")" -gt 10 ] || fail "few suggestions"
	au_audit --checks "$T/s.json"
	assert_eq 0 "$(json_sql "$T/a.json" "(SELECT count(*) FROM json_each(j, '\$.findings') WHERE json_extract(value, '\$.check_name') LIKE 'user:%')")" "findings of suggested checks"
	assert_eq "$(json_sql "$T/s.json" "json_array_length(j, '\$.checks')")" \
		"$(sql "SELECT count(DISTINCT check_name) FROM audit_checked WHERE run_id = (SELECT max(id) FROM audit_runs) AND check_name LIKE 'user:%'")" "every suggested check ran"
}

au_write_checks() {
	cat >"$T/checks.json" <<'JSON'
{"checks": [
  {"table": "products", "column": "description", "check": "not_null"},
  {"table": "order_lines", "column": "quantity", "check": "range", "min": 1, "max": 10},
  {"table": "orders", "column": "country", "check": "in", "values": ["United Kingdom", "France"]},
  {"table": "order_lines", "column": "sku", "check": "pattern", "pattern": "99999"},
  {"table": "order_lines", "column": "sku", "check": "unique"}
]}
JSON
}

# au_user_expect CHECK SQL: the finding of CHECK lists exactly SQL's ids.
au_user_expect() {
	au_want=$(sql "$2" | sort -n)
	[ -n "$au_want" ] || fail "$1: the test expects failing rows"
	assert_eq "$(printf '%s\n' "$au_want" | grep -c .)" "$(au_f "$1" failing)" "failing rows of $1"
	assert_eq "$au_want" "$(au_rows_of "$1")" "rows of $1"
	assert_eq warning "$(au_f "$1" severity)" "severity of $1"
}

au_expect_checks_file() {
	au_user_expect user:products.description:not_null \
		"SELECT id FROM products WHERE description IS NULL OR trim(description, ' ' || char(9, 10, 11, 12, 13)) = ''"
	au_user_expect user:order_lines.quantity:range \
		"SELECT id FROM order_lines WHERE quantity IS NOT NULL AND (typeof(quantity) NOT IN ('integer', 'real') OR quantity < 1 OR quantity > 10)"
	au_user_expect user:orders.country:in \
		"SELECT id FROM orders WHERE country IS NOT NULL AND country NOT IN ('United Kingdom', 'France')"
	au_user_expect user:order_lines.sku:pattern \
		"SELECT id FROM order_lines WHERE trim(sku, ' ') <> '' AND NOT (length(sku) = 5 AND sku GLOB '[0-9][0-9][0-9][0-9][0-9]')"
	au_user_expect user:order_lines.sku:unique \
		"SELECT id FROM (SELECT id, sku, count(*) OVER (PARTITION BY sku) AS n FROM order_lines) WHERE sku IS NOT NULL AND n > 1"
}

test_checks_file_finds_every_failing_row() {
	init_db
	ingest_ok "$FIX/$R"
	au_write_checks
	au_audit --checks "$T/checks.json"
	au_expect_checks_file
	assert_eq completeness "$(au_f user:products.description:not_null dimension)" "dimension of not_null"
	assert_eq uniqueness "$(au_f user:order_lines.sku:unique dimension)" "dimension of unique"
	assert_eq validity "$(au_f user:orders.country:in dimension)" "dimension of in"
	assert_eq "products.description is null or blank (checks.json)" "$(au_f user:products.description:not_null message)" "message"
	# every row of the table is checked, per source, so the scores count them
	assert_eq "$(sql "SELECT count(*) FROM order_lines")" "$(au_checked user:order_lines.quantity:range)" "rows checked by the range"
	assert_sql "SELECT count(*) FROM audit_checked WHERE run_id = (SELECT max(id) FROM audit_runs) AND check_name = 'user:order_lines.sku:unique' AND source_id IS NULL" 0
	# the checks file is not kept without --accept
	run --db "$DB" audit --format json
	printf '%s\n' "$OUT" >"$T/a.json"
	assert_eq NULL "$(au_f user:orders.country:in id)" "not run again without --accept"
}

test_bad_checks_files_are_refused() {
	init_db
	ingest_ok "$FIX/$R"
	printf '{"checks": [{"table": "orders", "column": "country", "check": "not_null"}, {"table": "orders", "column": "nope", "check": "not_null"}]}\n' >"$T/col.json"
	printf '{"checks": [{"table": "order_lines", "column": "quantity", "check": "range", "min": "1", "max": 10}]}\n' >"$T/type.json"
	printf '{"checks": [{"table": "orders", "column": "country", "check": "in", "values": [' >"$T/broken.json"
	printf '{"checks": [{"table": "nope", "column": "country", "check": "not_null"}]}\n' >"$T/table.json"
	printf '{"checks": [{"table": "orders", "column": "country", "check": "sometimes"}]}\n' >"$T/kind.json"
	for f in col type broken table kind; do
		run --db "$DB" audit --checks "$T/$f.json" --accept
		assert_status 65
		assert_err_contains "$T/$f.json: "
		assert_sql "SELECT count(*) FROM audit_runs" 0
		assert_sql "SELECT count(*) FROM audit_user_checks" 0
	done
	run --db "$DB" audit --checks "$T/col.json"
	assert_err_contains "checks[1]: unknown column \"nope\""
	run --db "$DB" audit --checks "$T/type.json"
	assert_err_contains "checks[0]: range needs numbers"
	run --db "$DB" audit --accept
	assert_status 64
}

# Accepted checks run again in every later audit, by hand or as a job.
test_accepted_checks_run_again() {
	init_db
	ingest_ok "$FIX/$R"
	au_write_checks
	run --db "$DB" audit --checks "$T/checks.json" --accept
	assert_status 0
	run --db "$DB" audit checks
	assert_status 0
	assert_out_contains "$T/checks.json  5 checks"
	au_audit
	au_expect_checks_file
	# accepting the file again replaces its checks
	printf '{"checks": [{"table": "orders", "column": "country", "check": "in", "values": ["France"]}]}\n' >"$T/checks.json"
	run --db "$DB" audit --checks "$T/checks.json" --accept
	assert_status 0
	assert_sql "SELECT count(*) FROM audit_user_checks" 1
	ingest_ok "$FIX/shopify/apparel.csv"
	run --db "$DB" run --until-idle --max-seconds 60
	assert_status 0
	# the newest run is the job's after the last ingest (each ingest enqueued one)
	au_job_run="(SELECT max(id) FROM audit_runs WHERE job_id IS NOT NULL)"
	assert_sql "SELECT max(id) FROM audit_runs" "$(sql "SELECT $au_job_run")"
	assert_sql "SELECT failing FROM audit_findings WHERE run_id = $au_job_run AND check_name = 'user:orders.country:in'" \
		"$(sql "SELECT count(*) FROM orders WHERE country IS NOT NULL AND country <> 'France'")"
	assert_sql "SELECT count(*) FROM audit_findings WHERE run_id = $au_job_run AND check_name = 'user:order_lines.sku:unique'" 0
}

# Files ingested together queue one audit each; the first audit that runs
# after they were queued has seen them all, so the others only point at it.
test_one_audit_covers_files_ingested_together() {
	ingest_ok "$FIX/shopify/apparel.csv" "$FIX/shopify/home-and-garden.csv" "$FIX/online-retail/online_retail.csv"
	run --db "$DB" run --until-idle
	assert_status 0
	assert_sql "SELECT count(*) FROM jobs WHERE kind = 'audit.run' AND state = 'succeeded'" 3
	assert_sql "SELECT count(*) FROM audit_runs" 1
	assert_sql "SELECT count(DISTINCT json_extract(result, '\$.run_id')) FROM jobs WHERE kind = 'audit.run'" 1
}

# The order-line checks that join other tables, computed in the one scan of
# order_lines (src/audit_joins.c): quantity outliers within the category of
# each line's product, and catalogue prices outside what another source sold
# the SKU at.  Catalogue and sales come from two files (two sources).
test_line_quantity_outliers_and_sku_prices_across_sources() {
	au_need_sqlite
	{
		echo '{"table": "products", "key": "lamp", "title": "Lamp", "category": "lamps"}'
		echo '{"table": "products", "key": "rug", "title": "Rug", "category": "rugs"}'
		echo '{"table": "variants", "product_key": "lamp", "position": 1, "sku": "L-1", "price_minor": 1000, "currency": "EUR"}'
		echo '{"table": "variants", "product_key": "rug", "position": 1, "sku": "R-1", "price_minor": 500, "currency": "EUR"}'
	} >"$T/catalogue.jsonl"
	{
		echo '{"table": "orders", "key": "o-1"}'
		n=0
		# lamps: 1 1 1 2 2 40, median 1.5, MAD 0.5 (x 1.4826): 40 is out
		for q in 1 2 1 2 1 40; do
			n=$((n + 1))
			echo "{\"table\": \"order_lines\", \"order_key\": \"o-1\", \"line_no\": $n, \"sku\": \"L-1\", \"quantity\": $q, \"unit_price_minor\": $((900 + n * 30)), \"currency\": \"EUR\"}"
		done
		# rugs sold at 600 and 700: the catalogue's 500 is outside
		echo '{"table": "order_lines", "order_key": "o-1", "line_no": 7, "sku": "R-1", "quantity": 1, "unit_price_minor": 600, "currency": "EUR"}'
		echo '{"table": "order_lines", "order_key": "o-1", "line_no": 8, "sku": "R-1", "quantity": 1, "unit_price_minor": 700, "currency": "EUR"}'
	} >"$T/sales.jsonl"
	ingest_ok "$T/catalogue.jsonl"
	ingest_ok "$T/sales.jsonl"
	assert_sql "SELECT count(*) FROM order_lines WHERE variant_id IS NULL" 0
	assert_sql "SELECT count(DISTINCT source_id) FROM order_lines" 1
	au_audit
	au_expect order_line_quantity_outlier 1 8
	assert_eq "$(sql "SELECT id FROM order_lines WHERE quantity = 40")" \
		"$(au_rows_of order_line_quantity_outlier)" "the line of 40 lamps"
	au_expect sku_price_differs_across_sources 1 2
	assert_eq "$(sql "SELECT id FROM variants WHERE sku = 'R-1'")" \
		"$(au_rows_of sku_price_differs_across_sources)" "the rug priced under its sales"
}
