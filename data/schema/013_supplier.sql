-- 013_supplier: what the supplier and marketing subsystems keep (issue 9).
-- Supplier terms per SKU, purchase orders (proposed by a rule on
-- stockout.risk, approved by a person above a value threshold or by the
-- rule below it, then delivered), and the marketing signals sent.  Times are
-- Unix milliseconds (UTC) like the decision tables.

-- Who supplies a SKU and on what terms: one supplier per variant (the one
-- purchase orders go to).  Loaded by `orrery supplier terms FILE.csv`.
CREATE TABLE supplier_terms (
	variant_id        INTEGER PRIMARY KEY REFERENCES variants(id),
	supplier_id       INTEGER NOT NULL REFERENCES suppliers(id),
	unit_cost_minor   INTEGER NOT NULL CHECK (unit_cost_minor >= 0),
	currency          TEXT NOT NULL,
	min_order         INTEGER NOT NULL DEFAULT 1 CHECK (min_order >= 1),
	pack_size         INTEGER NOT NULL DEFAULT 1 CHECK (pack_size >= 1),
	lead_time_days    REAL NOT NULL CHECK (lead_time_days >= 0),
	lead_time_sd_days REAL CHECK (lead_time_sd_days IS NULL OR lead_time_sd_days >= 0),
	delivery          TEXT NOT NULL DEFAULT 'csv' CHECK (delivery IN ('csv', 'json', 'webhook')),
	updated_at        INTEGER NOT NULL
);
CREATE INDEX supplier_terms_supplier ON supplier_terms(supplier_id);

-- A purchase order.  number is its id outside (file names, the supplier's
-- idempotency key).  event_id is the stockout.risk it answers: one order per
-- risk event, however often the job runs.  rationale is the arithmetic in
-- words; risk the event's payload (forecast, interval, policy numbers).
CREATE TABLE purchase_orders (
	id             INTEGER PRIMARY KEY,
	number         TEXT NOT NULL UNIQUE,
	event_id       INTEGER NOT NULL UNIQUE REFERENCES events(id),
	variant_id     INTEGER NOT NULL REFERENCES variants(id),
	sku            TEXT NOT NULL,
	supplier_id    INTEGER NOT NULL REFERENCES suppliers(id),
	quantity       INTEGER NOT NULL CHECK (quantity > 0),
	unit_cost_minor INTEGER NOT NULL,
	value_minor    INTEGER NOT NULL,
	currency       TEXT NOT NULL,
	state          TEXT NOT NULL DEFAULT 'proposed'
	               CHECK (state IN ('proposed', 'approved', 'delivered', 'rejected', 'received')),
	rationale      TEXT NOT NULL,
	risk           TEXT NOT NULL CHECK (json_valid(risk)),
	created_at     INTEGER NOT NULL,
	approved_by    TEXT,
	approved_at    INTEGER,
	delivered_to   TEXT,                  -- the file written
	delivered_at   INTEGER,
	received_by    TEXT,                  -- who booked the goods in
	received_at    INTEGER
);
-- Open orders of a SKU: the quantity already on its way.
CREATE INDEX purchase_orders_open ON purchase_orders(variant_id)
	WHERE state IN ('proposed', 'approved', 'delivered');

-- Marketing signals: promote or pause one SKU, each answering one risk event.
CREATE TABLE marketing_signals (
	id           INTEGER PRIMARY KEY,
	event_id     INTEGER NOT NULL REFERENCES events(id),
	kind         TEXT NOT NULL CHECK (kind IN ('promote', 'pause')),
	variant_id   INTEGER REFERENCES variants(id),
	sku          TEXT NOT NULL,
	reason       TEXT NOT NULL,
	delivered_to TEXT,
	created_at   INTEGER NOT NULL,
	UNIQUE (event_id, kind)
);
CREATE INDEX marketing_signals_sku ON marketing_signals(sku, created_at);

-- The customer-service context (`orrery context customer ID|EMAIL`) finds a
-- customer by key, email or person and their orders by customer: one seek
-- each instead of a scan of customers and orders per question.
CREATE INDEX customers_key ON customers(key);
CREATE INDEX customers_email ON customers(lower(email)) WHERE email IS NOT NULL;
CREATE INDEX customers_person ON customers(person_key) WHERE person_key IS NOT NULL;
CREATE INDEX orders_customer ON orders(customer_id) WHERE customer_id IS NOT NULL;
