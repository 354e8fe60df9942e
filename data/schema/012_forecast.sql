-- 012_forecast: demand forecasting and the inventory policy built on it.

-- Stock on hand at the start of a day, where a source keeps its history:
-- days that started at zero are stockout days, whose zero sales say
-- nothing about demand.
CREATE TABLE inventory_history (
	variant_id  INTEGER NOT NULL REFERENCES variants(id),
	day         TEXT NOT NULL,                 -- 'YYYY-MM-DD', UTC
	on_hand     INTEGER NOT NULL,
	PRIMARY KEY (variant_id, day)
) WITHOUT ROWID;

-- One forecast run: when, how far ahead, what it covered.
CREATE TABLE forecast_runs (
	id          INTEGER PRIMARY KEY,
	started_at  TEXT NOT NULL,
	finished_at TEXT,
	as_of       TEXT NOT NULL,                 -- last day of history used
	horizon     INTEGER NOT NULL,
	level       REAL NOT NULL,
	skus        INTEGER NOT NULL DEFAULT 0,
	job_id      INTEGER                        -- the forecast.run job, if one ran it
);

-- The newest forecast of each SKU: the chosen model, its backtest scores,
-- the forecast with its interval, and the inventory policy computed from it.
CREATE TABLE forecasts (
	sku           TEXT PRIMARY KEY,
	variant_id    INTEGER REFERENCES variants(id),
	run_id        INTEGER NOT NULL REFERENCES forecast_runs(id),
	as_of         TEXT NOT NULL,
	history_days  INTEGER NOT NULL,
	model         TEXT NOT NULL,
	mase          REAL,
	wape          REAL,
	bias          REAL,
	daily_mean    REAL NOT NULL,
	daily_sd      REAL NOT NULL,
	forecast      TEXT NOT NULL CHECK (json_valid(forecast)),  -- {"mean":[..],"lo":[..],"hi":[..]}
	policy        TEXT CHECK (policy IS NULL OR json_valid(policy)),
	risk          TEXT CHECK (risk IN ('stockout', 'overstock'))
);
