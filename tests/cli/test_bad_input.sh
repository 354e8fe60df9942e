# test_bad_input.sh - files orrery must refuse whole (exit 65, database
# exactly as before), records it must reject one by one (rejects shows where
# and why), and environments it must report (missing input, unwritable or
# locked database).

RETAIL=online-retail/online_retail.csv
HDR='InvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID;Country'

# A database with some data in it, and its checksum.
prepare() {
	head -n 11 "$FIX/$RETAIL" >"$T/base.csv"
	ingest_ok "$T/base.csv"
	BEFORE=$(db_state)
}

assert_db_unchanged() {
	assert_eq "$BEFORE" "$(db_state)" "database (sqlite3 .dump) after the refused file"
}

line() { # line INVOICE STOCK DESC QTY DATE PRICE
	printf '%s;%s;%s;%s;%s;%s;17850;United Kingdom\n' "$@"
}

# --- refused files -------------------------------------------------------------

test_unterminated_quote_at_eof_refuses_file() {
	prepare
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		line 536366 A2 '"never closed' 1 "12/01/2010 08:26" 1.00
		line 536367 A3 more 1 "12/01/2010 08:26" 1.00
	} >"$T/uq.csv"
	run --db "$DB" ingest "$T/uq.csv"
	assert_status 65
	assert_err_contains "$T/uq.csv:3"
	assert_err_contains "unterminated"
	assert_db_unchanged
}

test_ragged_row_is_rejected_and_the_rest_stored() {
	prepare
	{
		echo "$HDR"
		line 536365 A1 first 1 "12/01/2010 08:26" 1.00
		echo "536366;A2;short row;1;12/01/2010 08:26"
		line 536367 A3 third 1 "12/01/2010 08:26" 1.00
		echo "536368;A4;long row;1;12/01/2010 08:26;1.00;17850;United Kingdom;extra"
	} >"$T/ragged.csv"
	run --db "$DB" ingest "$T/ragged.csv"
	assert_status 0
	assert_out_contains "4 records: 2 stored"
	assert_out_contains "2 rejected"
	assert_sql "SELECT sku FROM order_lines WHERE order_key IN ('536365', '536366', '536367', '536368') ORDER BY sku" "A1
A3"
	run --db "$DB" rejects
	assert_status 0
	assert_out_contains "$T/ragged.csv:3:"
	assert_out_contains "$T/ragged.csv:5:"
	assert_out_contains "expected 8 fields"
	assert_out_contains "short row"
	assert_sql "SELECT records, stored, rejected FROM sources WHERE path = '$T/ragged.csv'" "4|2|2"
	run --db "$DB" rejects --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/rej.json"
	assert_json_valid "$T/rej.json"
	assert_eq 2 "$(json_sql "$T/rej.json" "json_array_length(j)")" "rejects"
	assert_eq 3 "$(json_get "$T/rej.json" '$[0].line')" "line of the first reject"
	assert_eq "$T/ragged.csv" "$(json_get "$T/rej.json" '$[0].path')" "path of the first reject"
}

test_random_binary_is_refused() {
	prepare
	head -c 4096 /dev/urandom >"$T/random.csv"
	run --db "$DB" ingest "$T/random.csv"
	assert_status 65
	assert_err_contains "$T/random.csv"
	assert_db_unchanged
}

test_png_is_refused() {
	prepare
	# a PNG signature and the start of an IHDR chunk: high bytes and NULs
	printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\020\000\000\000\020\010\006\000\000\000' >"$T/image.csv"
	head -c 512 /dev/zero >>"$T/image.csv"
	run --db "$DB" ingest "$T/image.csv"
	assert_status 65
	assert_err_contains "$T/image.csv:1"
	assert_db_unchanged
}

test_nul_bytes_after_a_good_header_are_refused() {
	prepare
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		printf '536366;A2;bad\000desc;1;12/01/2010 08:26;1.00;17850;UK\n'
	} >"$T/nul.csv"
	run --db "$DB" ingest "$T/nul.csv"
	assert_status 65
	assert_err_contains "$T/nul.csv:3"
	assert_err_contains "binary"
	assert_db_unchanged
}

test_empty_file_is_refused() {
	prepare
	: >"$T/empty.csv"
	run --db "$DB" ingest "$T/empty.csv"
	assert_status 65
	assert_err_contains "empty"
	assert_err_contains "$T/empty.csv"
	assert_db_unchanged
}

test_blank_lines_only_is_empty() {
	prepare
	printf '\n\r\n\n' >"$T/blank.csv"
	run --db "$DB" ingest "$T/blank.csv"
	assert_status 65
	assert_err_contains "empty"
	assert_db_unchanged
}

test_header_only_is_zero_records() {
	prepare
	head -n 1 "$FIX/$RETAIL" >"$T/header.csv"
	run --db "$DB" ingest "$T/header.csv"
	assert_status 0
	assert_out_contains "0 records"
	assert_sql "SELECT format, records, stored, rejected FROM sources WHERE path = '$T/header.csv'" "online_retail|0|0|0"
	assert_sql "SELECT count(*) FROM order_lines" 10
}

test_ten_megabyte_field_is_rejected_with_its_size() {
	prepare
	{
		echo "$HDR"
		line 536365 A1 before 1 "12/01/2010 08:26" 1.00
		printf '536366;A2;'
		head -c 10485760 /dev/zero | tr '\0' x
		printf ';1;12/01/2010 08:26;1.00;17850;United Kingdom\n'
		line 536367 A3 after 1 "12/01/2010 08:26" 1.00
	} >"$T/big.csv"
	run --db "$DB" ingest "$T/big.csv"
	assert_status 0
	assert_out_contains "3 records: 2 stored"
	assert_out_contains "1 rejected"
	assert_sql "SELECT sku FROM order_lines WHERE order_key IN ('536365', '536366', '536367') ORDER BY sku" "A1
A3"
	assert_sql "SELECT line, column FROM rejected_rows" "3|Description"
	assert_sql "SELECT reason LIKE '%10485760%' FROM rejected_rows" 1
	run --db "$DB" rejects
	assert_status 0
	assert_out_contains "10485760"
	# the report stays readable: the raw text is cut
	[ "$(wc -c <"$T/.out")" -lt 100000 ] || fail "rejects printed $(wc -c <"$T/.out") bytes"
}

test_invalid_utf8_is_refused_naming_encoding() {
	prepare
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		printf '536366;A2;CAF\351 AU LAIT;1;12/01/2010 08:26;1.00;17850;United Kingdom\n'
	} >"$T/latin1.csv"
	run --db "$DB" ingest "$T/latin1.csv"
	assert_status 65
	assert_err_contains "--encoding"
	assert_err_contains "$T/latin1.csv:3"
	assert_db_unchanged
}

test_latin1_with_encoding_option_is_stored_as_utf8() {
	prepare
	{
		echo "$HDR"
		printf '536366;A2;CAF\351 AU LAIT;1;12/01/2010 08:26;1.00;17850;United Kingdom\n'
	} >"$T/latin1.csv"
	run --db "$DB" ingest "$T/latin1.csv" --encoding latin1
	assert_status 0
	assert_out_contains "1 stored"
	assert_sql "SELECT description FROM order_lines WHERE sku = 'A2'" "CAFé AU LAIT"
	assert_sql "SELECT hex(title) FROM products WHERE key = 'A2'" "434146C3A9204155204C414954"
}

test_cp1252_with_encoding_option() {
	{
		echo "$HDR"
		printf '536366;A2;\223SMART\224 MUG \200 5;1;12/01/2010 08:26;1.00;17850;United Kingdom\n'
	} >"$T/cp.csv"
	run --db "$DB" ingest "$T/cp.csv" --encoding cp1252
	assert_status 0
	assert_sql "SELECT description FROM order_lines WHERE sku = 'A2'" "“SMART” MUG € 5"
}

test_unknown_encoding_is_usage_error() {
	prepare
	run --db "$DB" ingest "$T/base.csv" --encoding ebcdic
	assert_status 64
	assert_err_contains "ebcdic"
}

test_unknown_header_is_refused_naming_file_and_line_1() {
	prepare
	printf 'colour,size,weight\nred,L,3\n' >"$T/unknown.csv"
	run --db "$DB" ingest "$T/unknown.csv"
	assert_status 65
	assert_err_contains "$T/unknown.csv:1"
	assert_err_contains "colour"
	assert_db_unchanged
}

test_forced_format_with_the_wrong_file_is_refused() {
	prepare
	run --db "$DB" ingest "$FIX/olist/olist_sellers_dataset.csv" --format online_retail
	assert_status 65
	assert_err_contains "olist_sellers_dataset.csv:1"
	assert_db_unchanged
}

test_unknown_format_value_is_usage_error() {
	prepare
	run --db "$DB" ingest "$T/base.csv" --format no_such_format
	assert_status 64
	assert_err_contains "no_such_format"
	assert_db_unchanged
}

test_missing_input_file_is_66() {
	prepare
	run --db "$DB" ingest "$T/does-not-exist.csv"
	assert_status 66
	assert_err_contains "does-not-exist.csv"
	assert_db_unchanged
}

test_directory_as_input_is_66() {
	prepare
	mkdir "$T/adir"
	run --db "$DB" ingest "$T/adir"
	assert_status 66
	assert_db_unchanged
}

test_unreadable_input_is_66() {
	[ "$(id -u)" != 0 ] || skip "root can read a mode 000 file"
	prepare
	cp "$T/base.csv" "$T/secret.csv"
	chmod 000 "$T/secret.csv"
	run --db "$DB" ingest "$T/secret.csv"
	assert_status 66
	assert_db_unchanged
}

test_readonly_database_file_is_74() {
	[ "$(id -u)" != 0 ] || skip "root can write a mode 444 file"
	prepare
	chmod 444 "$DB"
	run --db "$DB" ingest "$FIX/$RETAIL"
	assert_status 74
	chmod 644 "$DB"
	assert_db_unchanged
}

test_database_path_is_a_directory_is_74() {
	mkdir "$T/db-dir"
	run --db "$T/db-dir" ingest "$FIX/$RETAIL"
	assert_status 74
	assert_err_contains "directory"
}

# Hold the write lock from another process while orrery runs.
test_locked_database_is_75() {
	[ -n "$LIB_SQLITE3" ] || skip "sqlite3 not installed"
	prepare
	mkfifo "$T/fifo"
	"$LIB_SQLITE3" "$DB" <"$T/fifo" >"$T/holder.log" 2>&1 &
	holder=$!
	exec 8>"$T/fifo"
	# the probe below takes the write lock for an instant; the holder
	# waits it out instead of failing on it
	printf ".timeout 5000\nBEGIN IMMEDIATE;\nINSERT INTO categories (origin, name) VALUES ('lock', 'held');\n" >&8
	# wait until the lock is really held: a writer with no timeout fails
	i=0
	while "$LIB_SQLITE3" "$DB" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			exec 8>&-
			wait $holder
			fail "the sqlite3 holder never took the lock: $(cat "$T/holder.log")"
		fi
		sleep 0.05
	done
	ORRERY_BUSY_MS=200
	export ORRERY_BUSY_MS
	started=$(date +%s)
	run --db "$DB" ingest "$FIX/$RETAIL"
	elapsed=$(($(date +%s) - started))
	printf 'ROLLBACK;\n.quit\n' >&8
	exec 8>&-
	wait $holder
	assert_status 75
	assert_err_contains "locked"
	[ "$elapsed" -lt 5 ] || fail "orrery waited ${elapsed}s with ORRERY_BUSY_MS=200"
	assert_db_unchanged
	# once the lock is gone the same ingest works
	run --db "$DB" ingest "$FIX/$RETAIL"
	assert_status 0
}

test_strict_with_one_bad_row_stores_nothing() {
	prepare
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		line 536366 A2 bad abc "12/01/2010 08:26" 1.00
		line 536367 A3 fine 1 "12/01/2010 08:26" 1.00
	} >"$T/strict.csv"
	run --db "$DB" ingest "$T/strict.csv" --strict
	assert_status 65
	assert_err_contains "$T/strict.csv:3"
	assert_err_contains "Quantity"
	assert_db_unchanged
	# without --strict the same file is stored with one reject
	run --db "$DB" ingest "$T/strict.csv"
	assert_status 0
	assert_out_contains "2 stored"
	assert_out_contains "1 rejected"
}

test_strict_with_good_rows_is_fine() {
	head -n 11 "$FIX/$RETAIL" >"$T/good.csv"
	run --db "$DB" ingest "$T/good.csv" --strict
	assert_status 0
	assert_out_contains "10 stored"
}

test_bad_number_is_rejected_naming_quantity() {
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		line 536366 A2 bad abc "12/01/2010 08:26" 1.00
	} >"$T/num.csv"
	run --db "$DB" ingest "$T/num.csv"
	assert_status 0
	assert_out_contains "1 rejected"
	assert_sql "SELECT line, column FROM rejected_rows" "3|Quantity"
	assert_sql "SELECT reason LIKE '%abc%' FROM rejected_rows" 1
	run --db "$DB" rejects
	assert_status 0
	assert_out_contains "$T/num.csv:3: Quantity:"
	assert_sql "SELECT count(*) FROM order_lines WHERE sku = 'A2'" 0
	assert_sql "SELECT count(*) FROM products WHERE key = 'A2'" 0
}

test_unparseable_date_is_rejected_naming_invoicedate() {
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		line 536366 A2 bad 1 "yesterday at noon" 1.00
		line 536367 A3 bad 1 "13/45/2010 08:26" 1.00
	} >"$T/date.csv"
	run --db "$DB" ingest "$T/date.csv"
	assert_status 0
	assert_out_contains "2 rejected"
	assert_sql "SELECT line, column FROM rejected_rows ORDER BY line" "3|InvoiceDate
4|InvoiceDate"
	run --db "$DB" rejects
	assert_out_contains "InvoiceDate"
	assert_out_contains "yesterday at noon"
}

test_bad_price_and_missing_invoice_are_rejected() {
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		line 536366 A2 bad 1 "12/01/2010 08:26" 1.2.3
		line "" A3 bad 1 "12/01/2010 08:26" 1.00
		line 536368 "" bad 1 "12/01/2010 08:26" 1.00
	} >"$T/price.csv"
	run --db "$DB" ingest "$T/price.csv"
	assert_status 0
	assert_out_contains "1 stored"
	assert_out_contains "3 rejected"
	assert_sql "SELECT line, column FROM rejected_rows ORDER BY line" "3|UnitPrice
4|InvoiceNo
5|StockCode"
}

test_rejects_filters_and_limit() {
	{
		echo "$HDR"
		line 536365 A1 bad x "12/01/2010 08:26" 1.00
		line 536366 A2 bad y "12/01/2010 08:26" 1.00
		line 536367 A3 bad z "12/01/2010 08:26" 1.00
	} >"$T/a.csv"
	{
		echo "$HDR"
		line 536368 A4 bad w "12/01/2010 08:26" 1.00
	} >"$T/b.csv"
	ingest_ok "$T/a.csv" "$T/b.csv"
	b=$(sql "SELECT id FROM sources WHERE path = '$T/b.csv'")
	run --db "$DB" rejects --source "$b"
	assert_status 0
	assert_out_contains "$T/b.csv:2"
	assert_out_not_contains "$T/a.csv"
	run --db "$DB" rejects --limit 2 --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/r.json"
	assert_eq 2 "$(json_sql "$T/r.json" "json_array_length(j)")" "rejects with --limit 2"
}

test_fixed_file_clears_its_old_rejects() {
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		line 536366 A2 bad abc "12/01/2010 08:26" 1.00
	} >"$T/fix.csv"
	ingest_ok "$T/fix.csv"
	assert_sql "SELECT count(*) FROM rejected_rows" 1
	sed 's/;abc;/;4;/' "$T/fix.csv" >"$T/fix2.csv" && mv "$T/fix2.csv" "$T/fix.csv"
	run --db "$DB" ingest "$T/fix.csv"
	assert_status 0
	assert_out_contains "0 rejected"
	assert_sql "SELECT count(*) FROM rejected_rows" 0
	assert_sql "SELECT records, stored, rejected FROM sources" "2|2|0"
	assert_sql "SELECT quantity FROM order_lines WHERE sku = 'A2'" 4
}

test_refused_file_among_good_ones_keeps_the_good() {
	head -n 11 "$FIX/$RETAIL" >"$T/good.csv"
	: >"$T/empty.csv"
	run --db "$DB" ingest "$T/empty.csv" "$T/good.csv"
	assert_status 65
	assert_err_contains "$T/empty.csv"
	assert_sql "SELECT count(*) FROM order_lines" 10
	assert_sql "SELECT count(*) FROM sources" 1
}

test_strict_with_one_ragged_row_stores_nothing() {
	prepare
	{
		echo "$HDR"
		line 536365 A1 fine 1 "12/01/2010 08:26" 1.00
		echo "536366;A2;short row;1;12/01/2010 08:26"
	} >"$T/strict.csv"
	run --db "$DB" ingest "$T/strict.csv" --strict
	assert_status 65
	assert_err_contains "$T/strict.csv:3"
	assert_db_unchanged
}

# A pipe or FIFO cannot be read twice: orrery must ingest it or refuse it
# clearly, never call a file with 5 lines empty.
test_fifo_input_is_read_or_refused_clearly() {
	prepare
	mkfifo "$T/pipe.csv"
	head -n 5 "$FIX/$RETAIL" >"$T/pipe.csv" &
	writer=$!
	run --db "$DB" ingest "$T/pipe.csv"
	kill $writer 2>/dev/null
	wait $writer 2>/dev/null
	if [ "$STATUS" = 0 ]; then
		assert_sql "SELECT records, stored FROM sources WHERE path = '$T/pipe.csv'" "4|4"
	else
		assert_err_not_contains "empty"
		assert_status 66
		assert_db_unchanged
	fi
}
