/* store_audit_checks.c - one table row per check.  The SQL of each is
 * assembled at compile time: every statement is a constant. */
#include "store_audit_checks.h"

/* Every failing row of FAIL (which selects id, source_id) goes to the
 * finding ?1; nothing is capped. */
#define ROWS(FAIL)                                                                \
	"INSERT INTO audit_finding_rows (finding_id, row_id, source_id) "        \
	"SELECT ?1, id, source_id FROM (" FAIL ")"
#define PER_SOURCE(FROM_WHERE) "SELECT source_id, count(*) " FROM_WHERE " GROUP BY source_id"
#define BLANK(c) "(" c " IS NULL OR trim(" c ") = '')"
#define FILLED(c) "(" c " IS NOT NULL AND trim(" c ") <> '')"

#define LOCAL_IMAGE "lower(substr(uri, 1, 7)) <> 'http://' AND lower(substr(uri, 1, 8)) <> 'https://'"

#define CHECK(name, dim, sev, table, msg, FAIL, CHECKED) \
	{ name, dim, sev, table, msg, ROWS(FAIL), PER_SOURCE(CHECKED), NULL }

/* Values far from their group's median (median and MAD, computed in C):
 * SELECT group, id, source_id, value FROM_WHERE ORDER BY group. */
#define OUTLIER(name, table, msg, SRC, COLS, FROM_WHERE) \
	{ name, "outliers", "info", table, msg, NULL, \
	  "SELECT " SRC ", count(*) " FROM_WHERE " GROUP BY " SRC, \
	  "SELECT " COLS " " FROM_WHERE " ORDER BY 1" }

/* A missing or blank column of a table. */
#define MISSING(name, sev, table, col, msg)                                             \
	CHECK(name, "completeness", sev, table, msg,                                     \
	      "SELECT id, source_id FROM " table " WHERE " BLANK(col), "FROM " table)

/* Two timestamps of an order in the wrong order. */
#define BEFORE(name, later, earlier, msg)                                              \
	CHECK(name, "consistency", "error", "orders", msg,                              \
	      "SELECT id, source_id FROM orders WHERE " later " < " earlier,            \
	      "FROM orders WHERE " later " IS NOT NULL AND " earlier " IS NOT NULL")

/* A currency column that is not an ISO 4217 code; each distinct value is
 * judged once, not once per row. */
#define CURRENCY(name, table)                                                          \
	CHECK(name, "validity", "error", table, table " with a currency that is not ISO 4217", \
	      "SELECT id, source_id FROM " table " WHERE currency IN (SELECT c FROM "   \
	      "(SELECT DISTINCT currency AS c FROM " table ") "                        \
	      "WHERE NOT orr_valid_currency(c))",                                       \
	      "FROM " table " WHERE currency IS NOT NULL")

static const struct audit_check checks[] = {
	/* completeness: what a listing needs */
	MISSING("product_title_missing", "error", "products", "title", "products without a title"),
	MISSING("product_category_missing", "warning", "products", "category",
		"products without a category"),
	CHECK("product_image_missing", "completeness", "warning", "products",
	      "products without any image",
	      "SELECT id, source_id FROM products WHERE coalesce(photos, 0) = 0 AND NOT EXISTS "
	      "(SELECT 1 FROM assets a WHERE a.product_id = products.id)",
	      "FROM products"),
	CHECK("product_weight_missing", "completeness", "warning", "products",
	      "products without a weight (on the product or any variant)",
	      "SELECT id, source_id FROM products WHERE weight_g IS NULL AND NOT EXISTS "
	      "(SELECT 1 FROM variants v WHERE v.product_id = products.id AND v.grams IS NOT NULL)",
	      "FROM products"),
	MISSING("variant_sku_missing", "warning", "variants", "sku", "variants without a SKU"),
	CHECK("variant_price_missing", "completeness", "error", "variants",
	      "variants without a price",
	      "SELECT id, source_id FROM variants WHERE price_minor IS NULL", "FROM variants"),
	MISSING("customer_email_missing", "info", "customers", "email",
		"customers without an email address"),

	/* validity */
	CHECK("variant_barcode_invalid", "validity", "warning", "variants",
	      "variants whose barcode is not a valid GTIN/EAN/UPC (check digit)",
	      "SELECT id, source_id FROM variants WHERE " FILLED("barcode")
	      " AND NOT orr_valid_gtin(trim(barcode))",
	      "FROM variants WHERE " FILLED("barcode")),
	CHECK("customer_email_invalid", "validity", "warning", "customers",
	      "customers whose email address is malformed",
	      "SELECT id, source_id FROM customers WHERE " FILLED("email")
	      " AND NOT orr_valid_email(trim(email))",
	      "FROM customers WHERE " FILLED("email")),
	CHECK("customer_country_invalid", "validity", "warning", "customers",
	      "customers whose country is not an ISO 3166 country",
	      "SELECT id, source_id FROM customers WHERE " FILLED("country")
	      " AND orr_country_code(trim(country)) IS NULL",
	      "FROM customers WHERE " FILLED("country")),
	CHECK("order_country_invalid", "validity", "warning", "orders",
	      "orders whose country is not an ISO 3166 country",
	      "SELECT id, source_id FROM orders WHERE " FILLED("country")
	      " AND orr_country_code(trim(country)) IS NULL",
	      "FROM orders WHERE " FILLED("country")),
	CURRENCY("variant_currency_invalid", "variants"),
	CURRENCY("order_line_currency_invalid", "order_lines"),
	CURRENCY("payment_currency_invalid", "payments"),
	CHECK("order_time_implausible", "validity", "warning", "orders",
	      "orders with a date before 1990 or more than a year ahead",
	      "SELECT id, source_id FROM orders WHERE "
	      "(purchased_at IS NOT NULL AND NOT orr_plausible_time(purchased_at, ?2)) OR "
	      "(approved_at IS NOT NULL AND NOT orr_plausible_time(approved_at, ?2)) OR "
	      "(dispatched_at IS NOT NULL AND NOT orr_plausible_time(dispatched_at, ?2)) OR "
	      "(delivered_at IS NOT NULL AND NOT orr_plausible_time(delivered_at, ?2))",
	      "FROM orders"),
	CHECK("variant_price_not_positive", "validity", "error", "variants",
	      "variants priced at zero or below",
	      "SELECT id, source_id FROM variants WHERE price_minor <= 0",
	      "FROM variants WHERE price_minor IS NOT NULL"),
	CHECK("variant_price_implausible", "validity", "warning", "variants",
	      "variants priced above 100,000 currency units",
	      "SELECT id, source_id FROM variants WHERE price_minor > 10000000",
	      "FROM variants WHERE price_minor IS NOT NULL"),
	CHECK("order_line_price_not_positive", "validity", "warning", "order_lines",
	      "sold order lines with a unit price of zero or below",
	      "SELECT id, source_id FROM order_lines WHERE quantity > 0 AND unit_price_minor <= 0",
	      "FROM order_lines WHERE quantity > 0 AND unit_price_minor IS NOT NULL"),
	CHECK("order_line_negative_not_return", "validity", "error", "order_lines",
	      "order lines with a negative quantity on an order that is not a return",
	      "SELECT l.id, l.source_id FROM order_lines l LEFT JOIN orders o ON o.id = l.order_id "
	      "WHERE l.quantity < 0 AND NOT coalesce(o.is_return, 0)",
	      "FROM order_lines"),
	CHECK("product_weight_not_positive", "validity", "warning", "products",
	      "products with a weight of zero or below",
	      "SELECT id, source_id FROM products WHERE weight_g <= 0",
	      "FROM products WHERE weight_g IS NOT NULL"),
	CHECK("variant_weight_not_positive", "validity", "warning", "variants",
	      "shipped variants with a weight of zero or below",
	      "SELECT id, source_id FROM variants WHERE grams <= 0 AND coalesce(requires_shipping, 1)",
	      "FROM variants WHERE grams IS NOT NULL AND coalesce(requires_shipping, 1)"),
	CHECK("image_reference_invalid", "validity", "warning", "assets",
	      "image references that are neither an http(s) URL nor an image file path",
	      "SELECT id, source_id FROM assets WHERE NOT orr_valid_image_ref(uri)", "FROM assets"),

	/* local image files, header only; the shorter side against the usual
	 * marketplace minimum of 500 px */
	CHECK("image_file_unreadable", "validity", "error", "assets",
	      "local image files that are missing or not readable images",
	      "SELECT id, source_id FROM assets WHERE orr_image_min_side(uri) < 0",
	      "FROM assets WHERE " LOCAL_IMAGE),
	CHECK("image_below_minimum", "validity", "warning", "assets",
	      "local images whose shorter side is under 500 px (the usual marketplace minimum)",
	      "SELECT id, source_id FROM assets WHERE orr_image_min_side(uri) BETWEEN 0 AND 499",
	      "FROM assets WHERE " LOCAL_IMAGE),

	/* uniqueness */
	CHECK("customer_email_duplicate", "uniqueness", "warning", "customers",
	      "customers sharing an email address with another customer record",
	      "SELECT id, source_id FROM customers WHERE " FILLED("email")
	      " AND lower(trim(email)) IN (SELECT lower(trim(email)) FROM customers WHERE "
	      FILLED("email") " GROUP BY 1 HAVING count(*) > 1)",
	      "FROM customers WHERE " FILLED("email")),
	CHECK("order_line_exact_duplicate", "uniqueness", "warning", "order_lines",
	      "order lines that repeat an earlier line of the same order exactly",
	      /* groups of identical lines first (one sort), then the later copies */
	      "SELECT l.id, l.source_id FROM order_lines l JOIN (SELECT origin, order_key, sku, "
	      "quantity, unit_price_minor, description, min(line_no) AS first FROM order_lines "
	      "GROUP BY origin, order_key, sku, quantity, unit_price_minor, description "
	      "HAVING count(*) > 1) d ON d.order_key = l.order_key AND d.origin = l.origin "
	      "AND l.line_no > d.first AND d.sku IS l.sku AND d.quantity = l.quantity "
	      "AND d.unit_price_minor IS l.unit_price_minor AND d.description IS l.description",
	      "FROM order_lines"),
	CHECK("product_title_near_duplicate", "uniqueness", "info", "products",
	      "products whose title matches another product's once case, accents, punctuation "
	      "and word order are ignored",
	      "SELECT id, source_id FROM products WHERE " FILLED("title")
	      " AND orr_fingerprint(title) IN (SELECT orr_fingerprint(title) FROM products WHERE "
	      FILLED("title") " GROUP BY 1 HAVING count(*) > 1)",
	      "FROM products WHERE " FILLED("title")),

	/* consistency */
	CHECK("order_line_order_unknown", "consistency", "error", "order_lines",
	      "order lines whose order is unknown",
	      "SELECT id, source_id FROM order_lines WHERE order_id IS NULL", "FROM order_lines"),
	CHECK("order_line_sku_unknown", "consistency", "warning", "order_lines",
	      "order lines whose SKU is in no catalogue",
	      "SELECT id, source_id FROM order_lines WHERE " FILLED("sku") " AND variant_id IS NULL",
	      "FROM order_lines WHERE " FILLED("sku")),
	CHECK("order_customer_unknown", "consistency", "warning", "orders",
	      "orders whose customer is unknown",
	      "SELECT id, source_id FROM orders WHERE customer_key IS NOT NULL AND customer_id IS NULL",
	      "FROM orders WHERE customer_key IS NOT NULL"),
	BEFORE("order_delivered_before_dispatched", "delivered_at", "dispatched_at",
	       "orders delivered before they were dispatched"),
	BEFORE("order_dispatched_before_approved", "dispatched_at", "approved_at",
	       "orders dispatched before they were approved"),
	BEFORE("order_approved_before_purchased", "approved_at", "purchased_at",
	       "orders approved before they were purchased"),
	CHECK("order_payments_mismatch", "consistency", "warning", "orders",
	      "orders whose payments differ from their lines plus freight by more than 1 minor unit",
	      "SELECT o.id, o.source_id FROM orders o "
	      "JOIN (SELECT order_id, sum(quantity * coalesce(unit_price_minor, 0) + "
	      "coalesce(freight_minor, 0)) AS due FROM order_lines WHERE order_id IS NOT NULL "
	      "GROUP BY order_id) l ON l.order_id = o.id "
	      "JOIN (SELECT order_id, sum(amount_minor) AS paid FROM payments "
	      "WHERE order_id IS NOT NULL GROUP BY order_id) p ON p.order_id = o.id "
	      "WHERE abs(l.due - p.paid) > 1",
	      "FROM orders WHERE id IN (SELECT order_id FROM payments) "
	      "AND id IN (SELECT order_id FROM order_lines)"),
	CHECK("inventory_negative", "consistency", "error", "inventory_levels",
	      "inventory levels below zero",
	      "SELECT id, source_id FROM inventory_levels WHERE quantity < 0",
	      "FROM inventory_levels"),
	CHECK("sku_price_differs_across_sources", "consistency", "warning", "variants",
	      "SKUs whose catalogue price is outside the prices another source sold them at",
	      "SELECT DISTINCT v.id, v.source_id FROM variants v "
	      "JOIN (SELECT variant_id, source_id, min(unit_price_minor) AS lo, "
	      "max(unit_price_minor) AS hi FROM order_lines WHERE variant_id IS NOT NULL "
	      "AND quantity > 0 AND unit_price_minor > 0 GROUP BY variant_id, source_id) l "
	      "ON l.variant_id = v.id AND l.source_id IS NOT v.source_id "
	      "WHERE v.price_minor NOT BETWEEN l.lo AND l.hi",
	      "FROM variants WHERE price_minor IS NOT NULL"),

	/* outliers: robust, within a category */
	OUTLIER("variant_price_outlier", "variants",
		"variant prices far from their category's median (more than 5 robust deviations)",
		"v.source_id", "p.category, v.id, v.source_id, v.price_minor",
		"FROM variants v JOIN products p ON p.id = v.product_id WHERE "
		FILLED("p.category") " AND v.price_minor > 0"),
	OUTLIER("order_line_quantity_outlier", "order_lines",
		"order line quantities far from their category's median (more than 5 robust deviations)",
		"l.source_id", "p.category, l.id, l.source_id, l.quantity",
		"FROM order_lines l JOIN variants v ON v.id = l.variant_id "
		"JOIN products p ON p.id = v.product_id WHERE " FILLED("p.category")
		" AND l.quantity > 0"),

	/* freshness: the newest record a source holds against now */
	CHECK("source_stale", "freshness", "warning", "sources",
	      "sources whose newest record is older than their freshness threshold",
	      "SELECT id, id AS source_id FROM sources s WHERE ?2 - (julianday(coalesce("
	      "(SELECT max(purchased_at) FROM orders WHERE source_id = s.id), "
	      "(SELECT max(created_at) FROM reviews WHERE source_id = s.id), "
	      "(SELECT max(occurred_at) FROM interactions WHERE source_id = s.id), "
	      "s.ingested_at)) - 2440587.5) * 86400000.0 > coalesce("
	      "(SELECT stale_ms FROM audit_freshness f WHERE f.source_id = s.id), ?3)",
	      "FROM (SELECT id AS source_id FROM sources)"),
};

const struct audit_check *audit_checks(size_t *n)
{
	*n = sizeof checks / sizeof *checks;
	return checks;
}
