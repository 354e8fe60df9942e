# test_shopify.sh - Shopify product CSV exports (the two real sample files,
# whole).  Expected numbers computed independently (python csv):
# apparel.csv: 22 records, 20 handles, 22 variants (classic-varsity-top has
# Small / Medium / Large on three records, the later two carrying only the
# handle and variant columns), 20 images, every Variant SKU empty, every
# Variant Grams 0.  home-and-garden.csv: 21 records, 20 handles, 21 variants
# (clay-plant-pot: Regular 9.99 and Large 15.99, each with its own image),
# 21 images.

S=shopify

test_shopify_apparel_products_and_variants() {
	run --db "$DB" ingest "$FIX/$S/apparel.csv"
	assert_status 0
	assert_sql "SELECT format, records, stored, rejected FROM sources" "shopify|22|22|0"
	assert_sql "SELECT count(*) FROM products" 20
	assert_sql "SELECT count(*) FROM variants" 22
	assert_sql "SELECT title, vendor, tags, published, option1_name FROM products WHERE key = 'ocean-blue-shirt'" \
		"Ocean Blue Shirt|partners-demo|men|1|Title"
}

test_shopify_continuation_rows_add_variants() {
	ingest_ok "$FIX/$S/apparel.csv"
	assert_sql "SELECT option1_name, title FROM products WHERE key = 'classic-varsity-top'" "Size|Classic Varsity Top"
	assert_sql "SELECT v.position, v.option1, v.price_minor FROM variants v JOIN products p ON p.id = v.product_id WHERE p.key = 'classic-varsity-top' ORDER BY v.position" \
		"1|Small|6000
2|Medium|6000
3|Large|6000"
	# a continuation row creates no product of its own
	assert_sql "SELECT count(*) FROM products WHERE title IS NULL" 0
}

test_shopify_empty_sku_and_zero_grams() {
	ingest_ok "$FIX/$S/apparel.csv"
	assert_sql "SELECT count(*) FROM variants WHERE sku IS NULL" 22
	assert_sql "SELECT count(*) FROM variants WHERE sku = ''" 0
	assert_sql "SELECT count(*) FROM variants WHERE grams = 0" 22
}

test_shopify_images_become_source_assets() {
	ingest_ok "$FIX/$S/home-and-garden.csv"
	assert_sql "SELECT format, records, stored, rejected FROM sources" "shopify|21|21|0"
	assert_sql "SELECT count(*) FROM products" 20
	assert_sql "SELECT count(*) FROM variants" 21
	assert_sql "SELECT count(*) FROM assets WHERE kind = 'source'" 21
	assert_sql "SELECT count(*) FROM assets a JOIN products p ON p.id = a.product_id WHERE p.key = 'clay-plant-pot'" 2
	assert_sql "SELECT v.option1, v.price_minor FROM variants v JOIN products p ON p.id = v.product_id WHERE p.key = 'clay-plant-pot' ORDER BY v.position" \
		"Regular|999
Large|1599"
	assert_sql "SELECT count(*) FROM assets WHERE uri NOT LIKE 'https://%'" 0
}

test_shopify_both_files() {
	run --db "$DB" ingest "$FIX/$S/apparel.csv" "$FIX/$S/home-and-garden.csv"
	assert_status 0
	assert_sql "SELECT count(*) FROM products" 40
	assert_sql "SELECT count(*) FROM variants" 43
	assert_sql "SELECT count(*) FROM assets" 41
	assert_sql "SELECT count(*) FROM events WHERE type = 'product.created'" 40
}

test_shopify_reingest_is_a_noop() {
	ingest_ok "$FIX/$S/apparel.csv" "$FIX/$S/home-and-garden.csv"
	state=$(db_state)
	cp "$FIX/$S/apparel.csv" "$T/apparel-copy.csv"
	run --db "$DB" ingest "$FIX/$S/apparel.csv" "$FIX/$S/home-and-garden.csv"
	assert_status 0
	assert_out_contains "unchanged"
	assert_eq "$state" "$(db_state)" "database after re-ingesting the Shopify files"
	max=$(sql "SELECT max(id) FROM events")
	run --db "$DB" ingest "$T/apparel-copy.csv"
	assert_status 0
	assert_out_contains "0 new, 0 updated, 22 unchanged"
	assert_sql "SELECT max(id) FROM events" "$max"
}

test_shopify_changed_price_updates_variant() {
	cp "$FIX/$S/home-and-garden.csv" "$T/hg.csv"
	ingest_ok "$T/hg.csv"
	max=$(sql "SELECT max(id) FROM events")
	sed '/^copper-light,/s/,59\.99,/,49.99,/' "$FIX/$S/home-and-garden.csv" >"$T/hg.csv"
	cmp -s "$FIX/$S/home-and-garden.csv" "$T/hg.csv" && fail "sed did not change the price"
	run --db "$DB" ingest "$T/hg.csv"
	assert_status 0
	assert_out_contains "1 updated"
	assert_sql "SELECT v.price_minor FROM variants v JOIN products p ON p.id = v.product_id WHERE p.key = 'copper-light'" 4999
	assert_sql "SELECT type FROM events WHERE id > $max AND type <> 'source.ingested'" variant.updated
}

# The compiled-in default rule price-drop-review turns a price drop into a
# task for a person, naming the SKU and both prices.
test_shopify_price_drop_opens_a_review_task() {
	cp "$FIX/$S/home-and-garden.csv" "$T/hg.csv"
	ingest_ok "$T/hg.csv"
	sed '/^copper-light,/s/,59\.99,/,49.99,/' "$FIX/$S/home-and-garden.csv" >"$T/hg.csv"
	ingest_ok "$T/hg.csv"
	run --db "$DB" run --until-idle
	assert_status 0
	v=$(sql "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id WHERE p.key = 'copper-light'")
	title=$(sql "SELECT title FROM products WHERE key = 'copper-light'")
	assert_sql "SELECT count(*) FROM tasks" 1
	assert_sql "SELECT title FROM tasks" "Check the price drop of $title (variant $v): 5999 -> 4999 USD"
	assert_sql "SELECT outcome FROM firings WHERE rule = 'price-drop-review'" fired
	# a price rise is no reason to worry
	sed '/^copper-light,/s/,59\.99,/,69.99,/' "$FIX/$S/home-and-garden.csv" >"$T/hg.csv"
	ingest_ok "$T/hg.csv"
	run --db "$DB" run --until-idle
	assert_sql "SELECT count(*) FROM tasks" 1
}
