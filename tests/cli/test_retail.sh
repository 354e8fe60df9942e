# test_retail.sh - ingest of UCI Online Retail (the real 5,000-row sample
# and small hand-made files): what is stored, idempotent re-ingest, changes,
# and the dataset's quirks.
#
# Expected numbers of the fixture, computed independently (python csv):
# 5000 lines, 1807 invoices, 1682 stock codes, 1039 customers (not NA),
# 219 invoices with CustomerID NA, 10 zero prices, 4 empty descriptions.

RETAIL=online-retail/online_retail.csv
HDR='InvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID;Country'

counts() {
	sql "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines),
	        (SELECT count(*) FROM products), (SELECT count(*) FROM variants),
	        (SELECT count(*) FROM customers), (SELECT count(*) FROM events),
	        (SELECT coalesce(max(id), 0) FROM events)"
}

test_ingest_real_fixture_stores_every_record() {
	run --db "$DB" ingest "$FIX/$RETAIL"
	assert_status 0
	assert_out_contains "5000 records"
	assert_out_contains "5000 stored"
	assert_out_contains "0 rejected"
	assert_sql "SELECT count(*) FROM orders" 1807
	assert_sql "SELECT count(*) FROM order_lines" 5000
	assert_sql "SELECT count(*) FROM products" 1682
	assert_sql "SELECT count(*) FROM variants" 1682
	assert_sql "SELECT count(*) FROM customers" 1039
	assert_sql "SELECT count(*) FROM rejected_rows" 0
	assert_sql "SELECT count(*) FROM order_lines WHERE order_id IS NULL OR variant_id IS NULL" 0
	assert_sql "SELECT DISTINCT currency FROM order_lines" GBP
}

test_sources_json_reports_the_file() {
	ingest_ok "$FIX/$RETAIL"
	run --db "$DB" sources --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/s.json"
	assert_json_valid "$T/s.json"
	assert_eq 1 "$(json_sql "$T/s.json" "json_array_length(j)")" "sources"
	assert_eq "$FIX/$RETAIL" "$(json_get "$T/s.json" '$[0].path')" "path"
	assert_eq online_retail "$(json_get "$T/s.json" '$[0].format')" "format"
	assert_eq 5000 "$(json_get "$T/s.json" '$[0].records')" "records"
	assert_eq 5000 "$(json_get "$T/s.json" '$[0].stored')" "stored"
	assert_eq 0 "$(json_get "$T/s.json" '$[0].rejected')" "rejected"
	assert_eq 1 "$(json_sql "$T/s.json" "json_extract(j, '\$[0].records') = json_extract(j, '\$[0].stored') + json_extract(j, '\$[0].rejected')")" "records = stored + rejected"
	assert_eq 478570 "$(json_get "$T/s.json" '$[0].bytes')" "bytes"
	run --db "$DB" sources
	assert_status 0
	assert_out_contains "online_retail"
	assert_out_contains "$FIX/$RETAIL"
}

test_ingest_output_json() {
	run --db "$DB" ingest "$FIX/$RETAIL" --output json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/r.json"
	assert_json_valid "$T/r.json"
	assert_eq 5000 "$(json_get "$T/r.json" '$[0].records')" "records"
	assert_eq 5000 "$(json_get "$T/r.json" '$[0].created')" "created"
	assert_eq 1 "$(json_get "$T/r.json" '$[0].source_id')" "source_id"
	assert_eq "$(sql "SELECT count(*) FROM events")" "$(json_get "$T/r.json" '$[0].events')" "events in the report"
}

test_ingest_appends_events() {
	ingest_ok "$FIX/$RETAIL"
	assert_sql "SELECT count(*) FROM events WHERE type = 'product.created'" 1682
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created'" 1807
	assert_sql "SELECT count(*) FROM events WHERE type = 'customer.created'" 1039
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created' AND json_type(payload, '\$.lines') <> 'array'" 0
	assert_sql "SELECT sum(json_array_length(payload, '\$.lines')) FROM events WHERE type = 'order.created'" 5000
	run --db "$DB" events --type order.created --limit 1
	assert_status 0
	assert_out_contains '"lines"'
	assert_out_contains "order.created"
}

test_events_are_append_only() {
	ingest_ok "$FIX/$RETAIL"
	sql "DELETE FROM events" >/dev/null 2>&1
	sql "UPDATE events SET type = 'x'" >/dev/null 2>&1
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created'" 1807
}

test_reingest_same_file_changes_nothing() {
	ingest_ok "$FIX/$RETAIL"
	before=$(counts)
	state=$(db_state)
	run --db "$DB" ingest "$FIX/$RETAIL"
	assert_status 0
	assert_out_contains "unchanged"
	assert_eq "$before" "$(counts)" "table counts and max event id"
	assert_eq "$state" "$(db_state)" "database dump"
}

test_identical_copy_at_another_path_is_all_unchanged() {
	ingest_ok "$FIX/$RETAIL"
	before=$(counts)
	cp "$FIX/$RETAIL" "$T/copy.csv"
	run --db "$DB" ingest "$T/copy.csv"
	assert_status 0
	assert_out_contains "0 new, 0 updated, 5000 unchanged"
	assert_eq "$before" "$(counts)" "table counts and max event id"
	assert_sql "SELECT count(*) FROM sources" 2
	assert_sql "SELECT records, stored, created, updated, unchanged FROM sources WHERE path = '$T/copy.csv'" "5000|5000|0|0|5000"
}

test_changed_quantity_updates_one_line() {
	cp "$FIX/$RETAIL" "$T/retail.csv"
	ingest_ok "$T/retail.csv"
	before_max=$(sql "SELECT max(id) FROM events")
	assert_sql "SELECT quantity FROM order_lines WHERE order_key = '537240' AND sku = '84347'" 2
	# line 2: 10952;11306;537240;84347;ROTATING SILVER ANGELS T-LIGHT HLDR;2;12/06/2010 10:08;...
	sed '2s/;HLDR;2;/;HLDR;7;/; 2s/T-LIGHT HLDR;2;/T-LIGHT HLDR;7;/' "$FIX/$RETAIL" >"$T/retail.csv"
	[ "$(cmp "$FIX/$RETAIL" "$T/retail.csv" 2>&1 | wc -l)" = 1 ] || fail "sed did not change the copy"
	run --db "$DB" ingest "$T/retail.csv"
	assert_status 0
	assert_out_contains "0 new, 1 updated, 4999 unchanged"
	assert_sql "SELECT quantity FROM order_lines WHERE order_key = '537240' AND sku = '84347'" 7
	assert_sql "SELECT count(*) FROM events WHERE id > $before_max AND type <> 'source.ingested'" 1
	assert_sql "SELECT type FROM events WHERE id > $before_max AND type <> 'source.ingested'" "order.updated"
	assert_sql "SELECT json_type(payload, '\$.changed') FROM events WHERE id > $before_max AND type <> 'source.ingested'" "object"
	run --db "$DB" events --since "$before_max"
	assert_status 0
	assert_out_contains "order.updated"
	assert_out_contains '"changed"'
	assert_out_contains "quantity"
	assert_sql "SELECT count(*) FROM order_lines" 5000
	assert_sql "SELECT updated, unchanged FROM sources" "1|4999"
}

test_changed_then_reverted_updates_again() {
	cp "$FIX/$RETAIL" "$T/retail.csv"
	ingest_ok "$T/retail.csv"
	sed '2s/T-LIGHT HLDR;2;/T-LIGHT HLDR;7;/' "$FIX/$RETAIL" >"$T/retail.csv"
	ingest_ok "$T/retail.csv"
	cp "$FIX/$RETAIL" "$T/retail.csv"
	run --db "$DB" ingest "$T/retail.csv"
	assert_status 0
	assert_out_contains "1 updated"
	assert_sql "SELECT quantity FROM order_lines WHERE order_key = '537240' AND sku = '84347'" 2
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.updated'" 2
}

test_cancellation_is_stored_as_return() {
	cat >"$T/c.csv" <<EOF
$HDR
536365;85123A;WHITE HANGING HEART T-LIGHT HOLDER;6;12/01/2010 08:26;2.55;17850;United Kingdom
C536379;D;Discount;-1;12/01/2010 09:41;27.50;14527;United Kingdom
C536383;35004C;SET OF 3 COLOURED  FLYING DUCKS;-1;12/01/2010 09:49;4.65;15311;United Kingdom
EOF
	ingest_ok "$T/c.csv"
	assert_out_contains "3 stored"
	assert_sql "SELECT key, is_return FROM orders ORDER BY key" "536365|0
C536379|1
C536383|1"
	assert_sql "SELECT quantity FROM order_lines WHERE order_key = 'C536379'" -1
	assert_sql "SELECT unit_price_minor FROM order_lines WHERE order_key = 'C536379'" 2750
}

test_customer_na_is_a_guest_order() {
	ingest_ok "$FIX/$RETAIL"
	assert_sql "SELECT customer_key IS NULL, customer_id IS NULL FROM orders WHERE key = '537240'" "1|1"
	assert_sql "SELECT customer_key FROM orders WHERE key = '544447'" 16466
	assert_sql "SELECT count(*) FROM orders WHERE customer_key IS NULL" 219
	assert_sql "SELECT count(*) FROM customers WHERE key = 'NA'" 0
}

test_customer_id_with_decimal_is_the_same_customer() {
	cat >"$T/d.csv" <<EOF
$HDR
536365;85123A;WHITE HANGING HEART;6;12/01/2010 08:26;2.55;17850.0;United Kingdom
536366;22633;HAND WARMER UNION JACK;6;12/01/2010 08:28;1.85;17850;United Kingdom
EOF
	ingest_ok "$T/d.csv"
	assert_sql "SELECT count(*) FROM customers" 1
	assert_sql "SELECT DISTINCT customer_key FROM orders" 17850
}

test_both_date_forms_parse() {
	ingest_ok "$FIX/$RETAIL"
	assert_sql "SELECT purchased_at FROM orders WHERE key = '537240'" "2010-12-06T10:08:00Z"
	assert_sql "SELECT purchased_at FROM orders WHERE key = '544447'" "2011-02-20T11:39:00Z"
	assert_sql "SELECT count(*) FROM orders WHERE purchased_at IS NULL OR purchased_at NOT LIKE '201_-__-__T__:__:00Z'" 0
}

test_online_retail_ii_header_with_commas() {
	cat >"$T/ii.csv" <<'EOF'
Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
489434,85048,"15CM CHRISTMAS GLASS BALL 20 LIGHTS",12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom
489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085.0,United Kingdom
C489449,22087,"PAPER BUNTING WHITE LACE",-12,2009-12-01 10:33:00,2.95,16321.0,Australia
489435,22350,"CAT BOWL, SMALL",12,12/1/2009 7:46,2.55,,United Kingdom
EOF
	run --db "$DB" ingest "$T/ii.csv"
	assert_status 0
	assert_out_contains "4 stored"
	assert_sql "SELECT format FROM sources" online_retail
	assert_sql "SELECT count(*) FROM orders" 3
	assert_sql "SELECT unit_price_minor FROM order_lines WHERE sku = '85048'" 695
	assert_sql "SELECT customer_key FROM orders WHERE key = '489434'" 13085
	assert_sql "SELECT customer_key IS NULL FROM orders WHERE key = '489435'" 1
	assert_sql "SELECT is_return, country FROM orders WHERE key = 'C489449'" "1|Australia"
	assert_sql "SELECT purchased_at FROM orders WHERE key = '489434'" "2009-12-01T07:45:00Z"
	assert_sql "SELECT description FROM order_lines WHERE sku = '22350'" "CAT BOWL, SMALL"
}

test_comma_and_semicolon_give_the_same_rows() {
	head -n 200 "$FIX/$RETAIL" >"$T/semi.csv"
	# the ; file quotes values with a quote ("...36""BLACK") but not values
	# with a comma ("KEY FOB , FRONT  DOOR"): quote those for the , version
	awk -F';' '{
		sub(/\r$/, "")
		for (i = 1; i <= NF; i++) {
			f = $i
			if (f ~ /,/ && f !~ /^"/) f = "\"" f "\""
			printf "%s%s", f, (i < NF ? "," : "\r\n")
		}
	}' "$T/semi.csv" >"$T/comma.csv"
	[ "$(awk -F';' 'NF != 10' "$T/semi.csv" | wc -l)" = 0 ] || fail "a quoted ; in the sample"
	grep -q 'KEY FOB , FRONT' "$T/semi.csv" || fail "fixture lost its comma"
	ingest_ok "$T/semi.csv"
	q="SELECT order_key, line_no, sku, description, quantity, unit_price_minor FROM order_lines ORDER BY 1, 2"
	semi=$(sql "$q")
	DB=$T/comma.db
	ingest_ok "$T/comma.csv"
	assert_eq "$semi" "$(sql "$q")" "order lines from the , file"
	assert_sql "SELECT count(*) FROM order_lines" 199
	assert_sql "SELECT description FROM order_lines WHERE sku = '21902'" "KEY FOB , FRONT  DOOR"
	assert_sql "SELECT count(*) FROM rejected_rows" 0
}

test_leading_index_columns_are_ignored() {
	cat >"$T/x.csv" <<EOF
X.1;X;$HDR
1;2;536365;85123A;WHITE HANGING HEART;6;12/01/2010 08:26;2.55;17850;United Kingdom
EOF
	ingest_ok "$T/x.csv"
	assert_sql "SELECT order_key, sku, quantity FROM order_lines" "536365|85123A|6"
}

test_zero_prices_and_empty_descriptions_are_kept() {
	ingest_ok "$FIX/$RETAIL"
	assert_sql "SELECT count(*) FROM order_lines WHERE unit_price_minor = 0" 10
	assert_sql "SELECT count(*) FROM order_lines WHERE description IS NULL OR description = ''" 4
	assert_sql "SELECT count(*) FROM products WHERE key IN ('POST', 'DOT')" 2
}

test_quoted_fields_are_unescaped() {
	cat >"$T/q.csv" <<'EOF'
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,A1,"a ""quoted"", word",1,12/01/2010 08:26,1.00,17850,United Kingdom
536365,A2,"two
lines",1,12/01/2010 08:26,1.00,17850,United Kingdom
536365,A3,  padded  ,1,12/01/2010 08:26,1.00,17850,United Kingdom
EOF
	ingest_ok "$T/q.csv"
	assert_out_contains "3 stored"
	assert_sql "SELECT description FROM order_lines WHERE sku = 'A1'" 'a "quoted", word'
	assert_sql "SELECT description FROM order_lines WHERE sku = 'A2'" "two
lines"
	assert_sql "SELECT description FROM order_lines WHERE sku = 'A3'" "padded"
}

test_crlf_line_endings() {
	head -n 20 "$FIX/$RETAIL" | tr -d '\r' >"$T/lf.csv"
	head -n 20 "$FIX/$RETAIL" >"$T/crlf.csv"
	ingest_ok "$T/crlf.csv"
	assert_sql "SELECT count(*) FROM order_lines WHERE description LIKE '%' || char(13)" 0
	assert_sql "SELECT count(*) FROM orders WHERE country LIKE '%' || char(13)" 0
	ingest_ok "$T/lf.csv"
	assert_out_contains "19 unchanged"
}

test_sql_text_is_stored_literally() {
	cat >"$T/inj.csv" <<EOF
$HDR
536365;85123A;"'); DROP TABLE products;--";6;12/01/2010 08:26;2.55;17850;United Kingdom
536365;85123B;"Robert'); DELETE FROM orders; --";1;12/01/2010 08:26;2.55;17850;United Kingdom
536365;85123C;Robert'), ('x;1;12/01/2010 08:26;2.55;17850;United Kingdom
EOF
	ingest_ok "$T/inj.csv"
	assert_sql "SELECT title FROM products WHERE key = '85123A'" "'); DROP TABLE products;--"
	assert_sql "SELECT description FROM order_lines WHERE sku = '85123B'" "Robert'); DELETE FROM orders; --"
	assert_sql "SELECT description FROM order_lines WHERE sku = '85123C'" "Robert'), ('x"
	assert_sql "SELECT count(*) FROM products" 3
	assert_sql "SELECT count(*) FROM orders" 1
	run --db "$DB" query "SELECT title FROM products WHERE key = '85123A'"
	assert_status 0
	assert_out_contains "'); DROP TABLE products;--"
}

test_currency_option() {
	head -n 11 "$FIX/$RETAIL" >"$T/r.csv"
	ingest_ok "$T/r.csv" --currency EUR
	assert_sql "SELECT DISTINCT currency FROM order_lines" EUR
	assert_sql "SELECT DISTINCT currency FROM orders" EUR
	run --db "$DB" ingest "$T/r.csv" --currency XX
	assert_status 64
}

test_multiple_files_each_in_its_own_transaction() {
	head -n 11 "$FIX/$RETAIL" >"$T/good.csv"
	printf 'foo,bar\n1,2\n' >"$T/bad.csv"
	head -n 1 "$FIX/$RETAIL" >"$T/good2.csv"
	sed -n '12,21p' "$FIX/$RETAIL" >>"$T/good2.csv"
	run --db "$DB" ingest "$T/good.csv" "$T/bad.csv" "$T/good2.csv"
	assert_status 65
	assert_err_contains "$T/bad.csv"
	assert_sql "SELECT count(*) FROM sources" 2
	assert_sql "SELECT count(*) FROM order_lines" 20
}

test_tab_separator() {
	printf 'InvoiceNo\tStockCode\tDescription\tQuantity\tInvoiceDate\tUnitPrice\tCustomerID\tCountry\n' >"$T/t.tsv"
	printf '536365\tA1\tBAG; RED, BIG\t2\t12/01/2010 08:26\t1.50\t17850\tUnited Kingdom\n' >>"$T/t.tsv"
	ingest_ok "$T/t.tsv"
	assert_sql "SELECT description, quantity, unit_price_minor FROM order_lines" "BAG; RED, BIG|2|150"
}

test_lone_cr_line_endings() {
	printf '%s\r536365;A1;one;1;12/01/2010 08:26;1.00;17850;UK\r536366;A2;two;1;12/01/2010 08:26;1.00;17850;UK\r' "$HDR" >"$T/cr.csv"
	ingest_ok "$T/cr.csv"
	assert_out_contains "2 records"
	assert_sql "SELECT sku, description FROM order_lines ORDER BY sku" "A1|one
A2|two"
}

test_bom_and_header_case_and_blanks() {
	printf '\357\273\277 invoiceno ;STOCKCODE;description;Quantity ;invoicedate;UNITPRICE;customerid;country\n' >"$T/b.csv"
	printf '536365;A1;one;1;12/01/2010 08:26;1.00;17850;UK\n' >>"$T/b.csv"
	ingest_ok "$T/b.csv"
	assert_sql "SELECT format FROM sources" online_retail
	assert_sql "SELECT order_key, sku, quantity FROM order_lines" "536365|A1|1"
}

test_same_file_twice_in_one_command() {
	head -n 11 "$FIX/$RETAIL" >"$T/r.csv"
	run --db "$DB" ingest "$T/r.csv" "$T/r.csv"
	assert_status 0
	assert_out_contains "10 new"
	assert_out_contains "unchanged"
	assert_sql "SELECT count(*) FROM sources" 1
	assert_sql "SELECT count(*) FROM order_lines" 10
}

test_relative_path_is_recorded_absolute() {
	mkdir "$T/sub"
	head -n 11 "$FIX/$RETAIL" >"$T/sub/r.csv"
	cd "$T/sub" || fail "cd"
	ingest_ok r.csv
	assert_sql "SELECT path FROM sources" "$(cd "$T/sub" && pwd -P)/r.csv"
	# the same file by another relative name is the same source
	cd "$T" || fail "cd"
	run --db "$DB" ingest ./sub/../sub/r.csv
	assert_status 0
	assert_out_contains "unchanged"
	assert_sql "SELECT count(*) FROM sources" 1
}

test_path_with_quote_space_and_semicolon() {
	f="$T/it's a file; really.csv"
	head -n 11 "$FIX/$RETAIL" >"$f"
	ingest_ok "$f"
	assert_sql "SELECT count(*) FROM sources WHERE path LIKE '%it''s a file; really.csv'" 1
	run --db "$DB" sources --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/s.json"
	assert_json_valid "$T/s.json"
	assert_eq "$f" "$(json_get "$T/s.json" '$[0].path')" "path in JSON"
}

# A path seen for the first time is hashed while it is read (no separate
# pass); that checksum must be the one a later ingest recognises, for every
# reader: UTF-8, transcoded Latin-1 and JSON Lines.
test_checksum_taken_while_reading_recognises_the_same_file() {
	printf 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n1,A,caf\351,1,12/01/2010 08:19,1.25,17255,United Kingdom\n' >"$T/l1.csv"
	printf '%s\n' '{"table": "orders", "key": "o-1"}' >"$T/o.jsonl"
	head -n 50 "$FIX/$RETAIL" >"$T/r.csv"
	ingest_ok "$T/l1.csv" --encoding latin1
	ingest_ok "$T/o.jsonl"
	ingest_ok "$T/r.csv"
	assert_sql "SELECT description FROM order_lines WHERE order_key = '1'" "café"
	assert_sql "SELECT count(*) FROM sources WHERE bytes = 0 OR length(checksum) <> 16" 0
	assert_sql "SELECT bytes FROM sources WHERE path LIKE '%r.csv'" "$(wc -c <"$T/r.csv" | tr -d ' ')"
	for f in "l1.csv --encoding latin1" o.jsonl r.csv; do
		# shellcheck disable=SC2086
		run --db "$DB" ingest "$T/"$f
		assert_status 0
		assert_out_contains "unchanged since the last ingest"
	done
}
