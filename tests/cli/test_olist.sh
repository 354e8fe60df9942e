# test_olist.sh - the Olist tables (heads of the real files, see
# tests/fixtures/README.md).  Expected numbers computed independently
# (python csv): customers 200, sellers 164, orders 299 (8 without a delivered
# date, 4 without a carrier date), items 299 (2 whose order is in the orders
# head: 00571ded73b3c061925584feab0db425 items 1 and 2), payments 299,
# reviews 275 (14 messages with embedded CRLF), products 299 (7 without a
# category), categories 71.  Customers, sellers and the category translation
# end without a final newline; the translation starts with a UTF-8 BOM; the
# reviews use CRLF.

O=olist
JOINED=00571ded73b3c061925584feab0db425

test_olist_customers() {
	run --db "$DB" ingest "$FIX/$O/olist_customers_dataset.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "olist_customers|200|200|0"
	assert_sql "SELECT count(*) FROM customers" 200
	# zip prefixes are text: leading zeros stay
	assert_sql "SELECT count(*) FROM customers WHERE zip IN ('09790', '01151', '08775')" 3
	assert_sql "SELECT person_key, zip, city, state FROM customers WHERE key = '06b8999e2fba1a1fbc88172c00ba8bc7'" \
		"861eff4711a542e4b93843c6dd7febb0|14409|franca|SP"
}

test_olist_last_record_without_newline_is_read() {
	ingest_ok "$FIX/$O/olist_sellers_dataset.csv"
	assert_sql "SELECT records, stored FROM sources" "164|164"
	assert_sql "SELECT count(*) FROM suppliers" 164
	last=$(tail -n 1 "$FIX/$O/olist_sellers_dataset.csv" | cut -d, -f1 | tr -d '"')
	assert_sql "SELECT count(*) FROM suppliers WHERE key = '$last'" 1
}

test_olist_orders() {
	run --db "$DB" ingest "$FIX/$O/olist_orders_dataset.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "olist_orders|299|299|0"
	assert_sql "SELECT count(*) FROM orders" 299
	assert_sql "SELECT count(*) FROM orders WHERE delivered_at IS NULL" 8
	assert_sql "SELECT count(*) FROM orders WHERE dispatched_at IS NULL" 4
	assert_sql "SELECT status, purchased_at, approved_at, dispatched_at, delivered_at, estimated_at FROM orders WHERE key = 'e481f51cbdc54678b7cc49136f2d6af7'" \
		"delivered|2017-10-02T10:56:33Z|2017-10-02T11:07:15Z|2017-10-04T19:55:00Z|2017-10-10T21:25:13Z|2017-10-18T00:00:00Z"
	assert_sql "SELECT customer_key FROM orders WHERE key = 'e481f51cbdc54678b7cc49136f2d6af7'" 9ef432eb6251297304e76186b10a928d
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.created'" 299
}

test_olist_items_orphans_are_kept_then_linked() {
	# items first: their orders are unknown, so order_id stays NULL
	run --db "$DB" ingest "$FIX/$O/olist_order_items_dataset.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "olist_items|299|299|0"
	assert_sql "SELECT count(*) FROM order_lines" 299
	assert_sql "SELECT count(*) FROM order_lines WHERE order_id IS NULL" 299
	assert_sql "SELECT line_no, sku, unit_price_minor, freight_minor, ship_by FROM order_lines WHERE order_key = '00010242fe8c5a6d1ba2dd792cb16214'" \
		"1|4244733e06e7ecb4970a6e2683c13e61|5890|1329|2017-09-19T09:45:35Z"
	# then the orders: the two items of the one order in both heads are linked
	ingest_ok "$FIX/$O/olist_orders_dataset.csv"
	assert_sql "SELECT count(*) FROM order_lines WHERE order_id IS NOT NULL" 2
	assert_sql "SELECT l.line_no FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.key = '$JOINED' ORDER BY 1" "1
2"
}

test_olist_items_after_orders_are_linked() {
	ingest_ok "$FIX/$O/olist_orders_dataset.csv"
	ingest_ok "$FIX/$O/olist_order_items_dataset.csv"
	assert_sql "SELECT count(*) FROM order_lines WHERE order_id IS NOT NULL" 2
	assert_sql "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.key = '$JOINED'" 2
}

test_olist_payments() {
	run --db "$DB" ingest "$FIX/$O/olist_order_payments_dataset.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "olist_payments|299|299|0"
	assert_sql "SELECT count(*) FROM payments" 299
	assert_sql "SELECT sequence, method, installments, amount_minor, currency FROM payments WHERE order_key = 'b81ef226f3fe1789b1e8b2acac839d17'" \
		"1|credit_card|8|9933|BRL"
}

test_olist_reviews_crlf_and_embedded_newlines() {
	run --db "$DB" ingest "$FIX/$O/olist_order_reviews_dataset.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "olist_reviews|275|275|0"
	assert_sql "SELECT count(*) FROM reviews" 275
	# the record terminator CRLF never leaks into a value
	assert_sql "SELECT count(*) FROM reviews WHERE answered_at IS NULL OR answered_at LIKE '%' || char(13)" 0
	assert_sql "SELECT score, created_at, answered_at FROM reviews WHERE review_key = '7bc2406110b926393aa56f80a40eba40'" \
		"4|2018-01-18T00:00:00Z|2018-01-18T21:46:59Z"
	# a message with an embedded line break keeps it
	assert_sql "SELECT message LIKE 'Mas um pouco ,travando...pelo valor ta Boa.%' FROM reviews WHERE review_key = '4b49719c8a200003f700d3d986ea1a19'" 1
	assert_sql "SELECT count(*) FROM reviews WHERE message LIKE '%' || char(10) || '%'" 14
}

test_olist_products_misspelled_columns() {
	run --db "$DB" ingest "$FIX/$O/olist_products_dataset.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "olist_products|299|299|0"
	assert_sql "SELECT count(*) FROM products" 299
	assert_sql "SELECT count(*) FROM variants" 299
	assert_sql "SELECT category, photos, weight_g, length_cm, height_cm, width_cm FROM products WHERE key = '1e9e8ef04dbcff4541ed26657ea517e5'" \
		"perfumaria|1|225|16|10|14"
	assert_sql "SELECT count(*) FROM products WHERE category IS NULL" 7
	assert_sql "SELECT count(*) FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = p.key" 299
}

test_olist_category_translation_with_bom() {
	run --db "$DB" ingest "$FIX/$O/product_category_name_translation.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "olist_categories|71|71|0"
	assert_sql "SELECT count(*) FROM categories" 71
	assert_sql "SELECT name_en FROM categories WHERE name = 'beleza_saude'" health_beauty
	assert_sql "SELECT count(*) FROM categories WHERE name LIKE char(65279) || '%' OR name_en LIKE '%' || char(13)" 0
}

test_olist_all_files_in_one_command() {
	run --db "$DB" ingest "$FIX"/$O/*.csv
	assert_status 0
	assert_sql "SELECT count(*) FROM sources" 8
	assert_sql "SELECT count(*) FROM sources WHERE format NOT LIKE 'olist_%'" 0
	assert_sql "SELECT count(DISTINCT format) FROM sources" 8
	assert_sql "SELECT count(*) FROM sources WHERE records <> stored + rejected" 0
	assert_sql "SELECT sum(rejected) FROM sources" 0
	# items link to the products, orders and sellers present in the heads
	assert_sql "SELECT count(*) FROM order_lines WHERE variant_id IS NOT NULL" 5
	assert_sql "SELECT count(*) FROM order_lines WHERE supplier_id IS NOT NULL" 11
	assert_sql "SELECT count(*) FROM order_lines WHERE order_id IS NOT NULL" 2
	assert_sql "SELECT DISTINCT currency FROM order_lines" BRL
}

test_olist_reingest_is_a_noop() {
	ingest_ok "$FIX"/$O/*.csv
	state=$(db_state)
	run --db "$DB" ingest "$FIX"/$O/*.csv
	assert_status 0
	assert_out_contains "unchanged"
	assert_out_not_contains " new,"
	assert_eq "$state" "$(db_state)" "database after re-ingesting the Olist heads"
}

test_olist_changed_status_updates_order() {
	cp "$FIX/$O/olist_orders_dataset.csv" "$T/orders.csv"
	ingest_ok "$T/orders.csv"
	max=$(sql "SELECT max(id) FROM events")
	sed 's/^e481f51cbdc54678b7cc49136f2d6af7,\("[0-9a-f]*"\),delivered,/e481f51cbdc54678b7cc49136f2d6af7,\1,canceled,/' \
		"$FIX/$O/olist_orders_dataset.csv" >"$T/orders.csv"
	cmp -s "$FIX/$O/olist_orders_dataset.csv" "$T/orders.csv" && fail "sed did not change the orders"
	run --db "$DB" ingest "$T/orders.csv"
	assert_status 0
	assert_out_contains "1 updated"
	assert_sql "SELECT status FROM orders WHERE key = 'e481f51cbdc54678b7cc49136f2d6af7'" canceled
	assert_sql "SELECT type FROM events WHERE id > $max AND type <> 'source.ingested'" order.updated
	assert_sql "SELECT json_extract(payload, '\$.changed.status') IS NOT NULL FROM events WHERE id > $max AND type <> 'source.ingested'" 1
}

test_olist_bad_review_score_is_rejected() {
	{
		head -n 1 "$FIX/$O/olist_order_reviews_dataset.csv"
		printf '"r1","o1",9,,,2018-01-18 00:00:00,2018-01-18 21:46:59\r\n'
		printf '"r2","o2",five,,,2018-01-18 00:00:00,2018-01-18 21:46:59\r\n'
		printf '"r3","o3",5,,,2018-01-18 00:00:00,2018-01-18 21:46:59\r\n'
	} >"$T/reviews.csv"
	run --db "$DB" ingest "$T/reviews.csv"
	assert_status 0
	assert_sql "SELECT records, stored, rejected FROM sources" "3|1|2"
	assert_sql "SELECT line, column FROM rejected_rows ORDER BY line" "2|review_score
3|review_score"
}
