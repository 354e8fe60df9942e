-- 001_core: the unified store.  Money is integer minor units plus an ISO 4217
-- currency; timestamps are UTC ISO 8601 text ('2010-12-06T10:08:00Z').
-- Natural keys are (origin, key): the same id in two systems (an Olist order
-- and an Online Retail invoice) never collide.  References between ingested
-- records are kept as natural keys plus a resolved id, because real exports
-- arrive in any order and do not join completely: a line whose order is not
-- (yet) known keeps order_id NULL, which the audit reports as an orphan.

CREATE TABLE sources (
	id          INTEGER PRIMARY KEY,
	path        TEXT NOT NULL UNIQUE,      -- absolute path of the file
	format      TEXT NOT NULL,
	bytes       INTEGER NOT NULL,
	checksum    TEXT NOT NULL,             -- FNV-1a 64 of the content, hex
	records     INTEGER NOT NULL,          -- data records read
	stored      INTEGER NOT NULL,          -- created + updated + unchanged
	rejected    INTEGER NOT NULL,
	created     INTEGER NOT NULL,
	updated     INTEGER NOT NULL,
	unchanged   INTEGER NOT NULL,
	ingested_at TEXT NOT NULL,
	CHECK (records = stored + rejected)
);

CREATE TABLE rejected_rows (
	id        INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
	line      INTEGER NOT NULL,            -- physical line where the record starts
	column    TEXT,                        -- header name, NULL for the whole row
	reason    TEXT NOT NULL,
	raw       TEXT NOT NULL
);
CREATE INDEX rejected_rows_source ON rejected_rows(source_id, line);

CREATE TABLE suppliers (
	id         INTEGER PRIMARY KEY,
	origin     TEXT NOT NULL,
	key        TEXT NOT NULL,
	name       TEXT,
	zip        TEXT,
	city       TEXT,
	state      TEXT,
	country    TEXT,                       -- ISO 3166 alpha-2 where known
	source_id  INTEGER REFERENCES sources(id),
	UNIQUE (origin, key)
);

CREATE TABLE products (
	id            INTEGER PRIMARY KEY,
	origin        TEXT NOT NULL,
	key           TEXT NOT NULL,           -- Shopify handle, Olist product_id, StockCode
	title         TEXT,
	description   TEXT,
	vendor        TEXT,
	category      TEXT,
	product_type  TEXT,
	tags          TEXT,
	published     INTEGER,                 -- 0/1, NULL unknown
	option1_name  TEXT,
	option2_name  TEXT,
	option3_name  TEXT,
	weight_g      INTEGER,
	length_cm     INTEGER,
	height_cm     INTEGER,
	width_cm      INTEGER,
	photos        INTEGER,                 -- photo count the source declares
	seen_at       TEXT,                    -- first transaction that mentioned it (observed products)
	source_id     INTEGER REFERENCES sources(id),
	UNIQUE (origin, key)
);

CREATE TABLE variants (
	id               INTEGER PRIMARY KEY,
	product_id       INTEGER NOT NULL REFERENCES products(id),
	sku              TEXT UNIQUE,          -- NULL when the source has none
	position         INTEGER NOT NULL,     -- order within the product, from 1
	option1          TEXT,
	option2          TEXT,
	option3          TEXT,
	price_minor      INTEGER,
	compare_at_minor INTEGER,
	currency         TEXT,
	grams            INTEGER,
	barcode          TEXT,
	requires_shipping INTEGER,
	taxable          INTEGER,
	seen_at          TEXT,                 -- first transaction that mentioned it (observed variants)
	source_id        INTEGER REFERENCES sources(id),
	UNIQUE (product_id, position)
);

CREATE TABLE inventory_levels (
	id          INTEGER PRIMARY KEY,
	variant_id  INTEGER NOT NULL REFERENCES variants(id),
	location    TEXT NOT NULL,             -- 'default' when the source has one stock figure
	quantity    INTEGER NOT NULL,
	policy      TEXT,                      -- Shopify: deny / continue
	source_id   INTEGER REFERENCES sources(id),
	UNIQUE (variant_id, location)
);

-- Product media.  Ingested image references have kind 'source' and a URI;
-- produced images (later, the vision subsystem) have kind 'produced'.
CREATE TABLE assets (
	id          INTEGER PRIMARY KEY,
	product_id  INTEGER NOT NULL REFERENCES products(id),
	variant_id  INTEGER REFERENCES variants(id),
	kind        TEXT NOT NULL CHECK (kind IN ('source', 'produced')),
	uri         TEXT NOT NULL,
	position    INTEGER,
	alt_text    TEXT,
	preset      TEXT,
	width       INTEGER,
	height      INTEGER,
	bytes       INTEGER,
	checksum    TEXT,
	source_id   INTEGER REFERENCES sources(id),
	UNIQUE (product_id, kind, uri)
);

-- Category names and their English translation (Olist ships one).
CREATE TABLE categories (
	id         INTEGER PRIMARY KEY,
	origin     TEXT NOT NULL,
	name       TEXT NOT NULL,
	name_en    TEXT,
	source_id  INTEGER REFERENCES sources(id),
	UNIQUE (origin, name)
);

CREATE TABLE customers (
	id          INTEGER PRIMARY KEY,
	origin      TEXT NOT NULL,
	key         TEXT NOT NULL,
	person_key  TEXT,                      -- Olist customer_unique_id: one person, many ids
	email       TEXT,
	name        TEXT,
	zip         TEXT,
	city        TEXT,
	state       TEXT,
	country     TEXT,
	source_id   INTEGER REFERENCES sources(id),
	UNIQUE (origin, key)
);

CREATE TABLE orders (
	id            INTEGER PRIMARY KEY,
	origin        TEXT NOT NULL,
	key           TEXT NOT NULL,
	customer_key  TEXT,                    -- NULL: guest order
	customer_id   INTEGER REFERENCES customers(id),
	status        TEXT,
	is_return     INTEGER NOT NULL DEFAULT 0, -- a cancellation / credit note
	country       TEXT,
	currency      TEXT,
	purchased_at  TEXT,
	approved_at   TEXT,
	dispatched_at TEXT,
	delivered_at  TEXT,
	estimated_at  TEXT,
	source_id     INTEGER REFERENCES sources(id),
	UNIQUE (origin, key)
);
CREATE INDEX orders_waiting_customer ON orders(origin, customer_key)
	WHERE customer_id IS NULL AND customer_key IS NOT NULL;

CREATE TABLE order_lines (
	id               INTEGER PRIMARY KEY,
	origin           TEXT NOT NULL,
	order_key        TEXT NOT NULL,
	line_no          INTEGER NOT NULL,
	order_id         INTEGER REFERENCES orders(id),
	sku              TEXT,
	variant_id       INTEGER REFERENCES variants(id),
	supplier_key     TEXT,
	supplier_id      INTEGER REFERENCES suppliers(id),
	description      TEXT,
	quantity         INTEGER NOT NULL,     -- negative on returns only
	unit_price_minor INTEGER,
	freight_minor    INTEGER,
	currency         TEXT,
	ship_by          TEXT,
	source_id        INTEGER REFERENCES sources(id),
	-- The natural key (origin, order_key, line_no), indexed order key first:
	-- every line inserted costs key comparisons down this index, and the
	-- order key tells lines apart at once where the origin rarely does.
	UNIQUE (order_key, line_no, origin)
);

-- Lines whose order, variant or supplier is not known yet wait for it; only
-- they are indexed for the adoption, so well-joined data pays nothing.
CREATE INDEX order_lines_waiting_variant ON order_lines(sku)
	WHERE variant_id IS NULL AND sku IS NOT NULL;
CREATE INDEX order_lines_waiting_supplier ON order_lines(origin, supplier_key)
	WHERE supplier_id IS NULL AND supplier_key IS NOT NULL;

CREATE TABLE payments (
	id           INTEGER PRIMARY KEY,
	origin       TEXT NOT NULL,
	order_key    TEXT NOT NULL,
	sequence     INTEGER NOT NULL,
	order_id     INTEGER REFERENCES orders(id),
	method       TEXT,
	installments INTEGER,
	amount_minor INTEGER NOT NULL,
	currency     TEXT NOT NULL,
	source_id    INTEGER REFERENCES sources(id),
	UNIQUE (origin, order_key, sequence)
);

CREATE TABLE reviews (
	id          INTEGER PRIMARY KEY,
	origin      TEXT NOT NULL,
	key         TEXT NOT NULL,             -- review id + order id: Olist reuses review ids
	review_key  TEXT NOT NULL,
	order_key   TEXT NOT NULL,
	order_id    INTEGER REFERENCES orders(id),
	score       INTEGER,
	title       TEXT,
	message     TEXT,
	created_at  TEXT,
	answered_at TEXT,
	source_id   INTEGER REFERENCES sources(id),
	UNIQUE (origin, key)
);
CREATE INDEX reviews_waiting_order ON reviews(origin, order_key) WHERE order_id IS NULL;

-- Behavioural events from a storefront (REES46: view, cart, purchase).
CREATE TABLE interactions (
	id           INTEGER PRIMARY KEY,
	origin       TEXT NOT NULL,
	occurred_at  TEXT NOT NULL,
	kind         TEXT NOT NULL,
	product_key  TEXT NOT NULL,
	variant_id   INTEGER REFERENCES variants(id),
	user_key     TEXT,
	session      TEXT,
	price_minor  INTEGER,
	currency     TEXT,
	source_id    INTEGER REFERENCES sources(id),
	UNIQUE (origin, occurred_at, kind, product_key, user_key, session)
);
CREATE INDEX interactions_waiting_variant ON interactions(product_key)
	WHERE variant_id IS NULL;

-- The append-only log every subsystem reads.  Rows are written in the same
-- transaction as the data they describe.
CREATE TABLE events (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	time      TEXT NOT NULL,
	type      TEXT NOT NULL,               -- '<entity>.<verb>', e.g. 'order.created'
	entity    TEXT NOT NULL,
	entity_id INTEGER,
	payload   TEXT NOT NULL CHECK (json_valid(payload))
);
CREATE INDEX events_type ON events(type, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
