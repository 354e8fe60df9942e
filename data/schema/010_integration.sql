-- 010_integration.sql - the integration layer: outbound webhook deliveries,
-- every outbound HTTP call with its outcome, and the state of each
-- connector (its circuit breaker; disabled after a 410).  Times are Unix
-- milliseconds (UTC).

-- One subscribed event for one connector.  The job that carries it
-- (integration.deliver) retries it; this row is what an operator reads and
-- replays.  msg_id is the Standard Webhooks webhook-id and the
-- Idempotency-Key: the same across attempts and replays.
CREATE TABLE deliveries (
	id           INTEGER PRIMARY KEY,
	connector    TEXT NOT NULL,
	event_id     INTEGER NOT NULL REFERENCES events(id),
	event_type   TEXT NOT NULL,
	msg_id       TEXT NOT NULL UNIQUE,
	job_id       INTEGER,                 -- the latest job carrying it
	state        TEXT NOT NULL DEFAULT 'pending'
	             CHECK (state IN ('pending', 'delivered', 'dead')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_status  INTEGER,                 -- HTTP status of the latest attempt
	last_error   TEXT,                    -- why it is dead, or why the latest attempt failed
	latency_ms   INTEGER,                 -- of the latest attempt
	replays      INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	delivered_at INTEGER,
	UNIQUE (connector, event_id)
);
CREATE INDEX deliveries_state ON deliveries(state, id);

-- Every outbound call: deliveries and pulls.  The integration map measures
-- calls per minute, success rate and latency percentiles from it.
CREATE TABLE connector_calls (
	id          INTEGER PRIMARY KEY,
	connector   TEXT NOT NULL,
	at          INTEGER NOT NULL,
	job_id      INTEGER,
	delivery_id INTEGER REFERENCES deliveries(id),
	method      TEXT NOT NULL,
	status      INTEGER,                  -- NULL: no answer (network error, timeout)
	ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
	latency_ms  INTEGER NOT NULL,
	error       TEXT
);
CREATE INDEX connector_calls_at ON connector_calls(connector, at);
CREATE INDEX connector_calls_delivery ON connector_calls(delivery_id) WHERE delivery_id IS NOT NULL;

-- A connector's circuit breaker (retry.h's state machine, with the
-- connector's own policy) and whether a 410 disabled it.  A connector never
-- stored is enabled with a closed breaker.
CREATE TABLE connector_state (
	name            TEXT PRIMARY KEY,
	disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	disabled_reason TEXT,
	breaker         TEXT NOT NULL DEFAULT 'closed'
	                CHECK (breaker IN ('closed', 'open', 'half_open')),
	consecutive     INTEGER NOT NULL DEFAULT 0,
	window_start    INTEGER NOT NULL DEFAULT 0,
	window_calls    INTEGER NOT NULL DEFAULT 0,
	window_failures INTEGER NOT NULL DEFAULT 0,
	opened_at       INTEGER NOT NULL DEFAULT 0,
	trial_job       INTEGER NOT NULL DEFAULT 0,
	changed_at      INTEGER NOT NULL
);
