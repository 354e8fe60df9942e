-- 005_kpi: KPI samples computed from recorded facts, baselines to compare
-- them with, and the two facts the KPIs need that nothing recorded before:
-- when runners were up, and when circuit breakers changed state.
-- Times are Unix milliseconds (UTC), as in the decision layer.

-- One value of one KPI series (a KPI and its labels) over one UTC hour or
-- day.  value = num / den, and a longer period's value is sum(num) /
-- sum(den) of its samples, so rates and means aggregate exactly (a
-- percentile's num is the percentile times its jobs: a weighted mean).
-- The key starts with kpi and period, so recomputing "this KPI from this
-- hour on" is one range.
CREATE TABLE kpi_samples (
	kpi         TEXT NOT NULL,
	period      TEXT NOT NULL CHECK (period IN ('hour', 'day')),
	start_ms    INTEGER NOT NULL,           -- the hour or day it covers
	subsystem   TEXT NOT NULL DEFAULT '',   -- '' when the KPI has no such label
	kind        TEXT NOT NULL DEFAULT '',
	value       REAL NOT NULL,
	num         REAL NOT NULL,
	den         REAL NOT NULL CHECK (den > 0),
	computed_at INTEGER NOT NULL,
	PRIMARY KEY (kpi, period, start_ms, subsystem, kind)
) WITHOUT ROWID;
-- The samples of a recent window, for show, compare and export.
CREATE INDEX kpi_samples_recent ON kpi_samples(period, start_ms);

-- Where collection got to: cursors and signatures of the facts it read,
-- so each collection reads only what changed.
CREATE TABLE kpi_state (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;

-- A named period to compare against ("before the new rules").  Its hourly
-- samples are copied, so recomputing history later does not move it.
CREATE TABLE kpi_baselines (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	from_ms    INTEGER NOT NULL,
	to_ms      INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	CHECK (from_ms < to_ms)
);

CREATE TABLE kpi_baseline_samples (
	baseline_id INTEGER NOT NULL REFERENCES kpi_baselines(id) ON DELETE CASCADE,
	kpi         TEXT NOT NULL,
	subsystem   TEXT NOT NULL,
	kind        TEXT NOT NULL,
	start_ms    INTEGER NOT NULL,
	num         REAL NOT NULL,
	den         REAL NOT NULL CHECK (den > 0),
	PRIMARY KEY (baseline_id, kpi, subsystem, kind, start_ms)
) WITHOUT ROWID;

-- Each `orrery run` from its start to its last sign of life (updated at
-- every KPI collection and at exit): when workers were live.  `runners`
-- cannot tell this, since a runner's row goes when it stops.
CREATE TABLE runner_spans (
	runner_id  TEXT PRIMARY KEY,
	started_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL,
	workers    INTEGER NOT NULL,
	CHECK (seen_at >= started_at)
);
CREATE INDEX runner_spans_seen ON runner_spans(seen_at);

-- Every change of a subsystem's breaker, kept by triggers so that the
-- queue's own code stays as it is.  Before a subsystem's first row its
-- breaker was closed.
CREATE TABLE breaker_history (
	id        INTEGER PRIMARY KEY,
	subsystem TEXT NOT NULL,
	at        INTEGER NOT NULL,
	breaker   TEXT NOT NULL
);
CREATE INDEX breaker_history_at ON breaker_history(subsystem, at);

CREATE TRIGGER breaker_history_insert AFTER INSERT ON subsystem_state
BEGIN
	INSERT INTO breaker_history (subsystem, at, breaker)
	VALUES (NEW.name, coalesce(NEW.changed_at, 0), NEW.breaker);
END;

CREATE TRIGGER breaker_history_update AFTER UPDATE OF breaker ON subsystem_state
WHEN OLD.breaker IS NOT NEW.breaker
BEGIN
	INSERT INTO breaker_history (subsystem, at, breaker)
	VALUES (NEW.name, coalesce(NEW.changed_at, 0), NEW.breaker);
END;

-- The breakers as they stand now: history starts here.
INSERT INTO breaker_history (subsystem, at, breaker)
SELECT name, coalesce(changed_at, 0), breaker FROM subsystem_state;
