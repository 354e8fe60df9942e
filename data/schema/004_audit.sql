-- The data audit: every run kept, its findings, and every failing row.
-- Times are Unix milliseconds (UTC), as in the decision layer.

CREATE TABLE audit_runs (
	id          INTEGER PRIMARY KEY,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER,
	job_id      INTEGER UNIQUE REFERENCES jobs(id), -- when run as a job: once per job
	score       REAL,                              -- overall, 0-100
	scores      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(scores))
	            -- {"dimensions": {...}, "tables": {...}, "sources": {...}}
);

CREATE TABLE audit_findings (
	id         INTEGER PRIMARY KEY,
	run_id     INTEGER NOT NULL REFERENCES audit_runs(id),
	check_name TEXT NOT NULL,
	dimension  TEXT NOT NULL CHECK (dimension IN
	           ('completeness', 'validity', 'uniqueness', 'consistency', 'freshness', 'outliers')),
	severity   TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
	table_name TEXT NOT NULL,
	failing    INTEGER NOT NULL,                   -- rows that fail
	checked    INTEGER NOT NULL,                   -- rows the check looked at
	message    TEXT NOT NULL,
	examples   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(examples))
);
CREATE INDEX audit_findings_run ON audit_findings(run_id);

-- Every failing row of every finding, with no cap: `orrery audit rows ID`.
CREATE TABLE audit_finding_rows (
	finding_id INTEGER NOT NULL REFERENCES audit_findings(id),
	row_id     INTEGER NOT NULL,
	source_id  INTEGER,
	PRIMARY KEY (finding_id, row_id)
) WITHOUT ROWID;

-- Rows checked per check and source, so scores can be given per source.
CREATE TABLE audit_checked (
	run_id     INTEGER NOT NULL REFERENCES audit_runs(id),
	check_name TEXT NOT NULL,
	source_id  INTEGER,
	checked    INTEGER NOT NULL,
	failing    INTEGER NOT NULL
);
CREATE INDEX audit_checked_run ON audit_checked(run_id);

-- The column profile of each table, per run: a JSON array with one object
-- per column (see audit_profile.h for its keys).
-- source_id NULL: the whole table; else the rows of that source (kept
-- only when a table holds rows of more than one source).
CREATE TABLE audit_profiles (
	id         INTEGER PRIMARY KEY,
	run_id     INTEGER NOT NULL REFERENCES audit_runs(id),
	table_name TEXT NOT NULL,
	source_id  INTEGER REFERENCES sources(id),
	rows       INTEGER NOT NULL,
	profile    TEXT NOT NULL CHECK (json_valid(profile))
);
CREATE INDEX audit_profiles_run ON audit_profiles(run_id, table_name);

-- How old a source's newest record may be before it is stale: per source,
-- set with `orrery audit stale-after SOURCE DURATION`; other sources use
-- the run's --stale-after.
CREATE TABLE audit_freshness (
	source_id INTEGER PRIMARY KEY REFERENCES sources(id),
	stale_ms  INTEGER NOT NULL CHECK (stale_ms > 0)
);

-- Accepted user checks (`orrery audit --checks FILE --accept`): every later
-- run, by hand or as an audit.run job, runs them too.  One row per file;
-- accepting the same file again replaces its checks.
CREATE TABLE audit_user_checks (
	id          INTEGER PRIMARY KEY,
	file        TEXT NOT NULL UNIQUE,
	checks      TEXT NOT NULL CHECK (json_valid(checks)), -- {"checks": [...]}
	accepted_at INTEGER NOT NULL
);
