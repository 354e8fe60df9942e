-- The console counts the jobs of each live state once a second; a scan of
-- the table for that grows with every job ever run.  Jobs waiting for a
-- retry, dead or cancelled are few next to the succeeded ones, so a partial
-- index of them costs the hot path (queued -> running -> succeeded) nothing
-- and makes their counts index-only.
CREATE INDEX jobs_parked ON jobs(state) WHERE state IN ('failed', 'dead', 'cancelled');
