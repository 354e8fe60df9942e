-- 002_m5: the M5 (Walmart) forecasting data.  The calendar names each day
-- ('d_1' ...) and the sales files have one column per day, so unit sales are
-- stored by day name and dated by joining calendar_days on (origin, day):
-- the two files can be ingested in either order.

-- One row per calendar day of the M5 calendar.csv.
CREATE TABLE calendar_days (
	id          INTEGER PRIMARY KEY,
	origin      TEXT NOT NULL,
	day         TEXT NOT NULL,             -- the day's name: 'd_1'
	date        TEXT NOT NULL,             -- UTC: '2011-01-29T00:00:00Z'
	week        TEXT,                      -- Walmart week: wm_yr_wk, '11101'
	event1      TEXT,                      -- event_name_1: 'SuperBowl'
	event1_type TEXT,                      -- event_type_1: 'Sporting'
	event2      TEXT,
	event2_type TEXT,
	snap        TEXT,                      -- states with SNAP that day, e.g. 'CA,WI'; NULL: none
	source_id   INTEGER REFERENCES sources(id),
	UNIQUE (origin, day)
);

-- Units sold of one series (an item in a store) on one day: one row per day
-- column of sales_train_validation.csv.
CREATE TABLE unit_sales (
	id          INTEGER PRIMARY KEY,
	origin      TEXT NOT NULL,
	series      TEXT NOT NULL,             -- the M5 id: 'HOBBIES_1_001_CA_1_validation'
	sku         TEXT NOT NULL,             -- item_id, the variant's SKU
	location    TEXT NOT NULL,             -- store_id: 'CA_1'
	day         TEXT NOT NULL,             -- 'd_N', see calendar_days.day
	units       INTEGER NOT NULL CHECK (units >= 0),
	variant_id  INTEGER REFERENCES variants(id),
	source_id   INTEGER REFERENCES sources(id),
	UNIQUE (origin, series, day)
);
CREATE INDEX unit_sales_day ON unit_sales(origin, day);
