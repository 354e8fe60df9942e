-- What the console reads and the operator changes from it: per-rule
-- firing history, and rules switched on or off without editing files.
-- Migrations are applied by name, so this one does not depend on 005.

-- Per rule and outcome, by time: a rule's counts are range counts over
-- this index alone (never the table), "fired today" and "last fired" are
-- a seek each, and its newest firings merge three short ranges.
CREATE INDEX firings_rule ON firings(rule, outcome, at);

-- An operator's decision to switch a rule on or off; it overrides the
-- rule file's "enabled" for every orrery that loads the rules against this
-- database.  A row per rule ever switched; no row: the file decides.
CREATE TABLE rule_overrides (
	name       TEXT PRIMARY KEY,
	enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
	changed_by TEXT,                       -- login name (and SSH client)
	changed_at INTEGER                     -- Unix ms
);
