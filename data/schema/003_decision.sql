-- The decision layer: rule firings, approvals, the durable job queue,
-- subsystem state (pause, circuit breaker) and manual tasks.
-- Times here are Unix milliseconds (UTC) as INTEGER: leases, backoff and
-- latencies are arithmetic on them.

-- Where each event consumer has read up to; advanced in the same
-- transaction as the actions it produced, so each event is handled once.
CREATE TABLE consumers (
	name          TEXT PRIMARY KEY,
	last_event_id INTEGER NOT NULL DEFAULT 0
);

-- Every rule that matched an event: fired, or suppressed and why.
CREATE TABLE firings (
	id            INTEGER PRIMARY KEY,
	event_id      INTEGER NOT NULL REFERENCES events(id),
	rule          TEXT NOT NULL,
	entity        TEXT,
	entity_id     INTEGER,
	at            INTEGER NOT NULL,
	outcome       TEXT NOT NULL CHECK (outcome IN ('fired', 'suppressed', 'failed')),
	suppressed_by TEXT,                    -- the winning rule, when suppressed
	reason        TEXT,                    -- why suppressed or failed
	actions       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(actions))
);
CREATE INDEX firings_event ON firings(event_id);
CREATE INDEX firings_inhibit ON firings(rule, entity, entity_id, at) WHERE outcome = 'fired';

CREATE TABLE jobs (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL,         -- '<subsystem>.<verb>'
	subsystem       TEXT NOT NULL,
	state           TEXT NOT NULL DEFAULT 'queued'
	                CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
	priority        INTEGER NOT NULL DEFAULT 0,  -- higher first
	run_after       INTEGER NOT NULL,      -- not claimed before this time
	attempts        INTEGER NOT NULL DEFAULT 0,
	max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
	lease_owner     TEXT,                  -- runner id while running
	lease_until     INTEGER,
	idempotency_key TEXT UNIQUE,
	args            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(args)),
	result          TEXT CHECK (result IS NULL OR json_valid(result)),
	last_error      TEXT,
	progress        INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
	entity          TEXT,                  -- what the job is about, from its event
	entity_id       INTEGER,
	event_id        INTEGER REFERENCES events(id),
	depth           INTEGER NOT NULL DEFAULT 0,  -- of that event's cause chain
	rule            TEXT,
	approval_id     INTEGER,
	created_at      INTEGER NOT NULL,
	started_at      INTEGER,               -- the latest attempt
	finished_at     INTEGER
);
-- 'failed' is a failed attempt waiting for its retry; both are claimable.
-- subsystem rides along so "anything runnable?" never reads the table.
CREATE INDEX jobs_ready ON jobs(priority DESC, run_after, id, subsystem)
	WHERE state IN ('queued', 'failed');
CREATE INDEX jobs_leases ON jobs(lease_until) WHERE state = 'running';
-- No index on state alone: every state change would pay for it on the hot
-- path; listing by state reads newest first and stops at the limit.

CREATE TABLE job_logs (
	id     INTEGER PRIMARY KEY,
	job_id INTEGER NOT NULL REFERENCES jobs(id),
	at     INTEGER NOT NULL,
	line   TEXT NOT NULL
);
CREATE INDEX job_logs_job ON job_logs(job_id);

-- One row per execution of a system.canary job, written in the transaction
-- that completes it: exactly one row per job, whatever crashed.
CREATE TABLE canary_runs (
	id      INTEGER PRIMARY KEY,
	job_id  INTEGER NOT NULL REFERENCES jobs(id),
	key     TEXT,
	attempt INTEGER NOT NULL,
	ms      INTEGER NOT NULL,
	ran_at  INTEGER NOT NULL
);

CREATE TABLE approvals (
	id           INTEGER PRIMARY KEY,
	state        TEXT NOT NULL DEFAULT 'pending'
	             CHECK (state IN ('pending', 'approved', 'rejected', 'expired')),
	rule         TEXT NOT NULL,
	event_id     INTEGER REFERENCES events(id),
	entity       TEXT,
	entity_id    INTEGER,
	facts        TEXT NOT NULL CHECK (json_valid(facts)),   -- what the rule saw
	action       TEXT NOT NULL CHECK (json_valid(action)),  -- the job it proposes
	reason       TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,                  -- NULL: never
	decided_by   TEXT,
	decided_from TEXT,                     -- SSH client address, when over SSH
	decided_at   INTEGER,
	note         TEXT,
	job_id       INTEGER REFERENCES jobs(id)  -- the job an approval started
);
CREATE INDEX approvals_pending ON approvals(expires_at) WHERE state = 'pending';

-- Per subsystem: paused by an operator, and its circuit breaker.
CREATE TABLE subsystem_state (
	name            TEXT PRIMARY KEY,
	paused          INTEGER NOT NULL DEFAULT 0,
	breaker         TEXT NOT NULL DEFAULT 'closed' CHECK (breaker IN ('closed', 'open', 'half_open')),
	consecutive     INTEGER NOT NULL DEFAULT 0,  -- failures in a row
	window_start    INTEGER NOT NULL DEFAULT 0,
	window_calls    INTEGER NOT NULL DEFAULT 0,
	window_failures INTEGER NOT NULL DEFAULT 0,
	opened_at       INTEGER,
	trial_job_id    INTEGER,               -- the one job let through when half-open
	changed_at      INTEGER
);

-- Work for people: the usual fallback when automation gives up.
CREATE TABLE tasks (
	id         INTEGER PRIMARY KEY,
	state      TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
	subsystem  TEXT NOT NULL,
	title      TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
	job_id     INTEGER REFERENCES jobs(id),  -- the job that fell back
	created_at INTEGER NOT NULL,
	done_by    TEXT,
	done_at    INTEGER,
	note       TEXT
);
CREATE INDEX tasks_open ON tasks(created_at) WHERE state = 'open';

-- Live `orrery run` processes, so a restarted runner can take back the
-- leases of one that died on this host without waiting for them to expire.
CREATE TABLE runners (
	id         TEXT PRIMARY KEY,           -- host:pid:start
	host       TEXT NOT NULL,
	pid        INTEGER NOT NULL,
	started_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL
);

-- What caused an event (an event whose rule emitted it, or whose job
-- produced it) and how deep that chain is: a rule loop stops at a limit
-- instead of filling the log.
ALTER TABLE events ADD COLUMN cause_id INTEGER;
ALTER TABLE events ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
