#!/bin/sh
# Console reads benchmark: how long the reads behind the console's panes
# take on a big database (flowmap_build for the map pane, jobs_history for
# the jobs pane's sparklines, firing_rule_stats for the rules pane).
#
#   make B=.build orrery          (the core objects in $B)
#   tests/bench/console_data.sh                 # 1,000,000 events, 100,000 jobs
#   BENCH_EVENTS=200000 BENCH_JOBS=20000 tests/bench/console_data.sh
#
# The database is generated with sqlite3 after `orrery init`: events and
# jobs spread evenly over the 7 days before 2026-11-21T12:00:00Z (ids
# increase with time, as in a real log), ten event types, jobs of the three
# subsystems (5% dead, 3% waiting for a retry, 2% cancelled), a firing of
# one of 8 rules for each order.created and product.updated event.  The reads run
# at that "now" with a warm cache: one warm-up call, then BENCH_RUNS calls
# (30), median and worst in milliseconds.  Not part of the test suite:
# timings are reported, never asserted.
#
# Knobs: BENCH_EVENTS, BENCH_JOBS, BENCH_RUNS, B (.build), ORRERY (./orrery),
# SQLITE3 (sqlite3), CC (cc), BENCH_OUT (work directory; default a mktemp
# dir removed at exit).
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "console_data.sh: $*"; exit 1; }

cd "$(dirname "$0")/../.."
B=${B:-.build}
ORRERY=${ORRERY:-./orrery}
SQLITE3=${SQLITE3:-sqlite3}
EVENTS=${BENCH_EVENTS:-1000000}
JOBS=${BENCH_JOBS:-100000}
RUNS=${BENCH_RUNS:-30}
NOW=1795262400000     # 2026-11-21T12:00:00Z
SPAN=604800000        # 7 days

command -v "$SQLITE3" >/dev/null || die "needs $SQLITE3"
[ -x "$ORRERY" ] || die "$ORRERY is not built (make)"
ls "$B"/src/*.o >/dev/null 2>&1 || die "no core objects in $B/src (make B=$B)"
if [ -n "${BENCH_OUT:-}" ]; then
	mkdir -p "$BENCH_OUT"
	OUT=$BENCH_OUT
else
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/orrery-console.XXXXXX")
	trap 'rm -rf "$OUT"' EXIT
fi

say "building the reader"
OBJS=$(ls "$B"/src/*.o | grep -v '/main\.o$')
${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -O2 -Isrc $(pkg-config --cflags jansson) \
	-o "$OUT/console_data" tests/bench/console_data.c $OBJS "$B"/schema_sql.o \
	"$B"/rules_builtin.o $(pkg-config --libs ncursesw sqlite3 libcurl jansson vips) -lpthread -lm

DB=$OUT/console.db
rm -f "$DB" "$DB-wal" "$DB-shm"
"$ORRERY" --db "$DB" init >/dev/null
say "generating $EVENTS events and $JOBS jobs"
"$SQLITE3" "$DB" >/dev/null <<EOF
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $EVENTS)
INSERT INTO events (time, type, entity, entity_id, payload)
SELECT strftime('%Y-%m-%dT%H:%M:%f', ($NOW - $SPAN + i * $SPAN / $EVENTS) / 1000.0, 'unixepoch') || 'Z',
       CASE i % 10 WHEN 0 THEN 'job.succeeded' WHEN 1 THEN 'order.created'
         WHEN 2 THEN 'order.updated' WHEN 3 THEN 'product.updated' WHEN 4 THEN 'variant.updated'
         WHEN 5 THEN 'audit.finding' WHEN 6 THEN 'job.dead' WHEN 7 THEN 'customer.created'
         WHEN 8 THEN 'product.created' ELSE 'source.ingested' END,
       'product', i % 5000,
       CASE WHEN i % 10 IN (0, 6)
         THEN json_object('job_id', max(1, i * $JOBS / $EVENTS), 'kind',
                          CASE i % 3 WHEN 0 THEN 'system.canary' WHEN 1 THEN 'manual.task'
                          ELSE 'audit.run' END, 'key', NULL, 'result', json_object())
         ELSE json_object('key', 'p-' || i, 'changed',
                          json_object('price_minor', json_object('from', 100, 'to', 90))) END
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $JOBS)
INSERT INTO jobs (kind, subsystem, state, run_after, attempts, max_attempts, args, result,
                  last_error, created_at, started_at, finished_at)
SELECT CASE i % 3 WHEN 0 THEN 'system.canary' WHEN 1 THEN 'manual.task' ELSE 'audit.run' END,
       CASE i % 3 WHEN 0 THEN 'system' WHEN 1 THEN 'manual' ELSE 'audit' END,
       CASE WHEN i % 20 = 0 THEN 'dead' WHEN i % 33 = 0 THEN 'failed'
         WHEN i % 50 = 0 THEN 'cancelled' ELSE 'succeeded' END,
       c, 1, 3, '{"ms":0,"title":"something to look at"}',
       CASE WHEN i % 20 = 0 OR i % 33 = 0 THEN NULL ELSE '{"ok":true}' END,
       CASE WHEN i % 20 = 0 OR i % 33 = 0 THEN 'boom: the thing failed' END,
       c, c + 200, CASE WHEN i % 33 = 0 AND i % 20 <> 0 THEN NULL ELSE c + 500 END
FROM (SELECT i, $NOW - $SPAN + i * ($SPAN / $JOBS) AS c FROM n);
-- one firing per order or product event (a fifth of the log), of 8 rules
INSERT INTO firings (event_id, rule, entity, entity_id, at, outcome, suppressed_by, reason, actions)
SELECT id, 'rule-' || (id % 8), entity, entity_id,
       CAST((julianday(time) - 2440587.5) * 86400000 AS INTEGER),
       CASE id % 17 WHEN 0 THEN 'suppressed' WHEN 1 THEN 'failed' ELSE 'fired' END,
       CASE id % 17 WHEN 0 THEN 'rule-0' END, CASE id % 17 WHEN 0 THEN 'group' END, '[]'
FROM events WHERE type IN ('order.created', 'product.updated');
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
say "reading"
"$OUT/console_data" "$DB" "$NOW" "$RUNS" | tee "$OUT/results.md"
