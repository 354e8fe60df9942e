# test_kpi.sh - `orrery kpi` and the KPI side of `orrery run`: known
# answers from facts the tests make (jobs run by the real runner, orders
# ingested from JSON Lines written here), baselines and comparisons with
# verdicts, the Prometheus export checked by promtool, the metrics file,
# JSON logs, timed collection, sparklines, and every kind of bad input.
#
# Expected numbers are computed here independently of src/kpi*: from the
# jobs table with SQL of our own, or by construction of the input (the
# orders below are dispatched 48 h +- 2 h, then 24 h +- 2 h, after purchase,
# with noise that sums to zero, so the means are exactly 48 and 24).

# --- helpers ----------------------------------------------------------------

kp_json() {
	run --db "$DB" kpi "$@" --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/k.json"
	assert_json_valid "$T/k.json"
}

# A field of the entry of KPI (and SUBSYSTEM, KIND) in $T/k.json.
kp_field() {
	json_sql "$T/k.json" "(SELECT json_extract(value, '\$.$2') FROM json_each(j, '\$.kpis') WHERE json_extract(value, '\$.name') = '$1' AND coalesce(json_extract(value, '\$.subsystem'), '') = '${3:-}' AND coalesce(json_extract(value, '\$.kind'), '') = '${4:-}')"
}

# Round a number for comparison: printf %.6f.
kp_round() {
	printf '%.6f' "$1"
}

# Four canary jobs run by the real runner: two succeed at once, one after a
# retry, one fails for good (dead, with the system subsystem's fallback task).
kp_run_jobs() {
	init_db
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --key ok --count 2
	assert_status 0
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0, "fail_attempts": 1}' --key flaky
	assert_status 0
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0, "fail_attempts": 1, "permanent": true}' --key doomed
	assert_status 0
	run --db "$DB" run --until-idle "$@"
	assert_status 0
}

# N orders, one an hour from midnight of day 1 of MONTH (2020-01), each
# dispatched after HOURS +- 2 h (-2, -1, 0, +1, +2 in turn), as JSON Lines
# with keys PREFIX0...  Dispatches stay within the month's first week.
kp_orders() {
	awk -v n="$1" -v month="$2" -v h="$3" -v prefix="$4" 'function at(k) {
		return sprintf("%s-%02dT%02d:00:00Z", month, 1 + int(k / 24), k % 24)
	}
	BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"table\": \"orders\", \"key\": \"%s%d\", \"purchased_at\": \"%s\", \"dispatched_at\": \"%s\"}\n", prefix, i, at(i), at(i + h + i % 5 - 2)
	}'
}

kp_two_periods() {
	init_db
	{
		kp_orders 60 2020-01 48 jan
		kp_orders 60 2020-03 24 mar
	} >"$T/orders.jsonl"
	ingest_ok "$T/orders.jsonl"
}

# --- help and bad input -------------------------------------------------------

test_kpi_help_and_usage() {
	run --db "$DB" kpi --help
	assert_status 0
	assert_out_contains "baseline save NAME"
	assert_out_contains "compare [NAME]"
	run help kpi
	assert_status 0
	run --db "$DB" run --help
	assert_status 0
	assert_out_contains "--metrics-file"
	assert_out_contains "--log-format"
	run --db "$DB" kpi catalog
	assert_status 0
	assert_out_contains "job_error_rate"
	kp_json catalog
	assert_eq 22 "$(json_sql "$T/k.json" "json_array_length(j)")" "KPIs in the catalogue"
	assert_eq 0 "$(json_sql "$T/k.json" "(SELECT count(*) FROM json_each(j) WHERE json_extract(value, '\$.computation') = '' OR json_extract(value, '\$.description') = '')")" \
		"every KPI has a definition"
}

test_kpi_bad_input() {
	init_db
	run --db "$DB" kpi frobnicate
	assert_status 64
	assert_err_contains "frobnicate"
	run --db "$DB" kpi baseline frobnicate
	assert_status 64
	run --db "$DB" kpi show --window soon
	assert_status 64
	assert_err_contains '"soon"'
	run --db "$DB" kpi compare --window 0
	assert_status 64
	run --db "$DB" kpi baseline save x --from 2026-13-45
	assert_status 64
	assert_err_contains '"2026-13-45"'
	run --db "$DB" kpi baseline save x --to yesterday
	assert_status 64
	assert_err_contains '"yesterday"'
	run --db "$DB" kpi baseline save x --from 2026-02-01 --to 2026-01-01
	assert_status 64
	run --db "$DB" kpi baseline save 'bad name!'
	assert_status 64
	assert_err_contains "bad name!"
	run --db "$DB" kpi baseline save
	assert_status 64
	run --db "$DB" kpi show --at never
	assert_status 64
	run --db "$DB" kpi export --prometheus --format json
	assert_status 64
	run --db "$DB" kpi show --format xml
	assert_status 64
	run --db "$DB" kpi compare nosuch
	assert_status 66
	assert_err_contains '"nosuch"'
	run --db "$DB" kpi compare
	assert_status 66
	assert_err_contains "no baseline"
	run --db "$DB" kpi baseline delete nosuch
	assert_status 66
	run --db "$DB" --log-format xml run --until-idle
	assert_status 64
	assert_err_contains '"xml"'
	run --db "$DB" run --until-idle --log-format yaml
	assert_status 64
	run --db "$DB" run --until-idle --kpi-every soon
	assert_status 64
	assert_err_contains '"soon"'
	run --db "$T/none.db" kpi show
	[ "$STATUS" -ne 0 ] || true
}

# A refused save or delete leaves the database as it was.
test_kpi_refusals_write_nothing() {
	kp_run_jobs
	run --db "$DB" kpi baseline save first
	assert_status 0
	before=$(db_state)
	run --db "$DB" kpi baseline save first
	assert_status 65
	assert_err_contains "exists already"
	run --db "$DB" kpi baseline save old --from 2001-01-01 --to 2001-02-01
	assert_status 65
	assert_err_contains "no KPI samples"
	run --db "$DB" kpi baseline delete second
	assert_status 66
	assert_eq "$before" "$(db_state)" "database after refused baseline commands"
}

# --- known answers -----------------------------------------------------------------

# Attempts 1 + 1 + 2 + 1 = 5, of which 2 failed: 40%; 1 of 4 retried; 1 of
# 4 dead; 3 of 4 automated (the dead one is not).  Each is checked against
# the jobs table read with SQL of our own.
test_kpi_job_known_answers_after_a_run() {
	kp_run_jobs
	assert_sql "SELECT group_concat(state || ':' || attempts, ' ') FROM (SELECT state, attempts FROM jobs ORDER BY id)" \
		"succeeded:1 succeeded:1 succeeded:2 dead:1"
	want_err=$(sql "SELECT (sum(attempts) - sum(state = 'succeeded')) * 1.0 / sum(attempts) FROM jobs")
	want_retry=$(sql "SELECT avg(attempts > 1) FROM jobs")
	want_dead=$(sql "SELECT avg(state = 'dead') FROM jobs")
	want_auto=$(sql "SELECT avg(state = 'succeeded' AND approval_id IS NULL AND id NOT IN (SELECT job_id FROM tasks WHERE job_id IS NOT NULL)) FROM jobs")
	assert_eq 0.400000 "$(kp_round "$want_err")" "the oracle's error rate"
	kp_json show
	assert_eq "$(kp_round "$want_err")" "$(kp_round "$(kp_field job_error_rate current system system.canary)")" "error rate"
	assert_eq "$(kp_round "$want_retry")" "$(kp_round "$(kp_field job_retry_rate current system system.canary)")" "retry rate"
	assert_eq "$(kp_round "$want_dead")" "$(kp_round "$(kp_field job_dead_letter_rate current system system.canary)")" "dead-letter rate"
	assert_eq "$(kp_round "$want_auto")" "$(kp_round "$(kp_field automation_coverage current)")" "automation coverage"
	assert_eq 0.750000 "$(kp_round "$want_auto")" "the oracle's coverage"
	want_p50=$(sql "SELECT (started_at - created_at) / 1000.0 FROM jobs WHERE state IN ('succeeded', 'dead') ORDER BY started_at - created_at LIMIT 1 OFFSET 1")
	want_p50b=$(sql "SELECT (started_at - created_at) / 1000.0 FROM jobs WHERE state IN ('succeeded', 'dead') ORDER BY started_at - created_at LIMIT 1 OFFSET 2")
	# the median of four waits is the mean of the middle two (one hour of samples)
	if [ "$(sql "SELECT count(DISTINCT finished_at / 3600000) FROM jobs")" = 1 ]; then
		assert_eq "$(kp_round "$(echo "$want_p50 $want_p50b" | awk '{print ($1 + $2) / 2}')")" \
			"$(kp_round "$(kp_field job_queue_wait_p50 current system system.canary)")" "queue wait p50"
	fi
	# the runner recorded its span: availability and throughput exist
	# (one per registered subsystem)
	run --db "$DB" subsystems --format json
	printf '%s' "$OUT" >"$T/subs.json"
	nsubs=$(json_sql "$T/subs.json" "json_array_length(j, '\$.subsystems')")
	assert_eq "$nsubs" "$(json_sql "$T/k.json" "(SELECT count(*) FROM json_each(j, '\$.kpis') WHERE json_extract(value, '\$.name') = 'availability' AND json_extract(value, '\$.current') > 0)")" "availability of every subsystem"
	assert_eq 1 "$(sql "SELECT count(*) > 0 FROM kpi_samples WHERE kpi = 'job_throughput' AND kind = 'system.canary' AND value > 0")" "throughput"
	assert_sql "SELECT count(*) FROM runner_spans WHERE seen_at >= started_at" 1
	# hour and day samples, written by the run's own final collection
	assert_sql "SELECT count(*) > 0 FROM kpi_samples WHERE period = 'day' AND kpi = 'job_error_rate'" 1
}

# Orders ingested from JSON Lines: the baseline (January) dispatches after
# 48 h on average, the current month (March) after 24 h; accuracy is 100%
# in both.  A seeded bootstrap: the same numbers every time.
test_kpi_compare_known_answers_from_orders() {
	kp_two_periods
	run --db "$DB" kpi baseline save january --from 2020-01-01 --to 2020-01-31
	assert_status 0
	assert_out_contains 'baseline "january" saved: 2020-01-01T00:00:00.000Z to 2020-02-01T00:00:00.000Z'
	kp_json compare january --window 31d --at 2020-04-01
	assert_eq january "$(json_get "$T/k.json" '$.baseline')" "baseline"
	assert_eq 48.000000 "$(kp_round "$(kp_field order_to_dispatch baseline)")" "baseline dispatch time"
	assert_eq 24.000000 "$(kp_round "$(kp_field order_to_dispatch current)")" "current dispatch time"
	assert_eq -24.000000 "$(kp_round "$(kp_field order_to_dispatch change)")" "change"
	assert_eq -50.000000 "$(kp_round "$(kp_field order_to_dispatch change_pct)")" "change %"
	assert_eq better "$(kp_field order_to_dispatch verdict)" "dispatching faster is better"
	assert_eq 1 "$(json_sql "$T/k.json" "(SELECT json_extract(value, '\$.ci_high') < 0 AND json_extract(value, '\$.ci_low') <= -24 FROM json_each(j, '\$.kpis') WHERE json_extract(value, '\$.name') = 'order_to_dispatch')")" "the CI excludes 0 and holds the change"
	assert_eq "no significant change" "$(kp_field order_accuracy verdict)" "accuracy 100% both times"
	assert_eq "insufficient data" "$(kp_field job_error_rate verdict)" "no jobs: no claim"
	cp "$T/k.json" "$T/first.json"
	kp_json compare january --window 31d --at 2020-04-01
	assert_eq "$(cat "$T/first.json")" "$(cat "$T/k.json")" "the comparison is reproducible"
	# text output: one line per KPI with the verdict
	run --db "$DB" kpi compare january --window 31d --at 2020-04-01
	assert_status 0
	assert_out_contains 'baseline "january"'
	assert_out_contains "order to dispatch"
	assert_out_contains "better"
	# March against March: no significant change anywhere
	run --db "$DB" kpi baseline save march --from 2020-03-01 --to 2020-03-31
	assert_status 0
	kp_json compare march --window 31d --at 2020-04-01
	assert_eq "no significant change" "$(kp_field order_to_dispatch verdict)" "same period"
	# three hours of baseline: too few samples to claim anything
	run --db "$DB" kpi baseline save brief --from 2020-01-02T22:00:00Z --to 2020-01-03T01:00:00Z
	assert_status 0
	kp_json compare brief --window 31d --at 2020-04-01
	assert_eq "insufficient data" "$(kp_field order_to_dispatch verdict)" "3 samples"
	assert_eq NULL "$(kp_field order_to_dispatch ci_low)" "no interval"
	# the newest baseline is the default
	kp_json compare --window 31d --at 2020-04-01
	assert_eq brief "$(json_get "$T/k.json" '$.baseline')" "default baseline"
}

test_kpi_baselines_list_and_delete() {
	kp_two_periods
	run --db "$DB" kpi baseline save january --from 2020-01-01 --to 2020-01-31
	assert_status 0
	run --db "$DB" kpi baseline save everything
	assert_status 0
	kp_json baseline list
	assert_eq 2 "$(json_sql "$T/k.json" "json_array_length(j)")" "baselines"
	assert_eq everything "$(json_get "$T/k.json" '$[0].name')" "newest first"
	assert_eq 1577836800000 "$(json_get "$T/k.json" '$[1].from')" "from"
	assert_eq 1580515200000 "$(json_get "$T/k.json" '$[1].to')" "to: the end of the 31st"
	assert_eq 2 "$(json_get "$T/k.json" '$[1].kpis')" "accuracy and dispatch time"
	run --db "$DB" kpi baseline list
	assert_status 0
	assert_out_contains "january"
	run --db "$DB" kpi baseline delete january
	assert_status 0
	assert_out_contains 'baseline "january" deleted'
	assert_sql "SELECT count(*) FROM kpi_baselines" 1
	assert_sql "SELECT count(*) FROM kpi_baseline_samples WHERE baseline_id NOT IN (SELECT id FROM kpi_baselines)" 0
}

# --- export ---------------------------------------------------------------------

kp_promtool() {
	command -v promtool >/dev/null 2>&1 || return 1
	promtool check metrics <"$1" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics failed: $(cat "$T/promtool.out")
$(lib_show "$(cat "$1")")"
	return 0
}

test_kpi_prometheus_export_validates() {
	kp_run_jobs
	run --db "$DB" kpi export --prometheus
	assert_status 0
	printf '%s\n' "$OUT" >"$T/m.prom"
	assert_out_contains "# HELP orrery_job_error_ratio "
	assert_out_contains "# TYPE orrery_job_error_ratio gauge"
	assert_out_contains 'orrery_job_error_ratio{subsystem="system",kind="system.canary"} 0.4'
	assert_out_contains "# TYPE orrery_job_queue_wait_seconds summary"
	assert_out_contains 'orrery_job_queue_wait_seconds{subsystem="system",kind="system.canary",quantile="0.99"}'
	assert_out_contains 'orrery_job_queue_wait_seconds_count{subsystem="system",kind="system.canary"} 4'
	assert_out_contains 'orrery_availability_ratio{subsystem="audit"}'
	assert_eq 0 "$(grep -v '^#' "$T/m.prom" | grep -cv '^orrery_')" "every sample is orrery_*"
	run --db "$DB" kpi export
	assert_status 0
	assert_out_contains "# TYPE orrery_job_error_ratio gauge"
	kp_json export
	assert_eq 0.4 "$(kp_field job_error_rate current system system.canary)" "JSON export"
	kp_promtool "$T/m.prom" || skip "promtool not installed (.ci/deps installs it)"
}

test_run_writes_the_metrics_file_atomically() {
	init_db
	mkdir "$T/textfile"
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --key m --count 3
	run --db "$DB" run --until-idle --metrics-file "$T/textfile/orrery.prom"
	assert_status 0
	assert_file_exists "$T/textfile/orrery.prom"
	assert_eq "orrery.prom" "$(ls -A "$T/textfile")" "only the file: no temporary left"
	assert_eq 644 "$(stat -c %a "$T/textfile/orrery.prom")" "readable by the exporter"
	grep -q '^orrery_job_error_ratio{subsystem="system",kind="system.canary"} 0$' "$T/textfile/orrery.prom" ||
		fail "no error ratio in the metrics file: $(cat "$T/textfile/orrery.prom")"
	kp_promtool "$T/textfile/orrery.prom" || skip "promtool not installed"
}

test_run_refuses_an_unwritable_metrics_file() {
	init_db
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --key m
	run --db "$DB" run --until-idle --metrics-file "$T/no/such/dir/orrery.prom"
	assert_status 74
	assert_err_contains "$T/no/such/dir/orrery.prom"
	assert_sql "SELECT state FROM jobs" queued
}

# --- logs and the timer -------------------------------------------------------------

test_run_logs_json_lines() {
	kp_run_jobs --log-format json --metrics-file "$T/metrics.prom"
	[ -s "$T/.err" ] || fail "no log lines"
	n=$(wc -l <"$T/.err")
	i=1
	while [ "$i" -le "$n" ]; do
		sed -n "${i}p" "$T/.err" >"$T/line.json"
		assert_json_valid "$T/line.json"
		assert_eq 6 "$(json_sql "$T/line.json" "(SELECT count(*) FROM json_each(j) WHERE key IN ('time', 'level', 'subsystem', 'job_id', 'event_id', 'message'))")" "keys of line $i"
		i=$((i + 1))
	done
	grep -q '"level":"error","subsystem":"system","job_id":4,' "$T/.err" ||
		fail "no error line for the dead job 4: $(cat "$T/.err")"
	grep -q '"level":"warn","subsystem":"system","job_id":3,' "$T/.err" ||
		fail "no warning for the retried job 3"
	grep -q '"message":"KPIs collected' "$T/.err" || fail "no collection line (--metrics-file collects at the end)"
	# the global option does the same
	run --db "$DB" --log-format json run --until-idle
	assert_status 0
	grep -q '^{"time":"' "$T/.err" || fail "global --log-format json: $(cat "$T/.err")"
}

test_run_logs_text_warnings() {
	kp_run_jobs
	assert_err_contains "warn system job 3"
	assert_err_contains "error system job 4"
	assert_err_not_contains "succeeded (attempt"
}

# Collection on a timer while the runner runs: the samples appear before it
# stops (a generous wait, no timing asserted).
test_run_collects_on_a_timer() {
	init_db
	"$ORRERY" --db "$DB" run --kpi-every 1s --max-seconds 60 --metrics-file "$T/m.prom" \
		>"$T/run.out" 2>"$T/run.err" &
	pid=$!
	i=0
	while [ "$i" -lt 100 ]; do
		[ "$(sql "SELECT count(*) > 0 FROM kpi_samples WHERE kpi = 'availability'" 2>/dev/null)" = 1 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$pid" 2>/dev/null || fail "the runner stopped early: $(cat "$T/run.err")"
	kill -TERM "$pid"
	wait "$pid"
	[ "$i" -lt 100 ] || fail "no samples within 10 s of a 1 s timer"
	assert_file_exists "$T/m.prom"
}

# --- show and sparklines ----------------------------------------------------------

test_kpi_show_and_sparklines() {
	kp_two_periods
	kp_json show --window 31d --at 2020-04-01
	assert_eq 24.000000 "$(kp_round "$(kp_field order_to_dispatch current)")" "dispatch time in March"
	assert_eq 24 "$(kp_field order_to_dispatch 'spark' | tr -cd ',' | wc -c | awk '{print $1 + 1}')" "24 values in the sparkline"
	LC_ALL=C run --db "$DB" kpi show --window 31d --at 2020-04-01
	assert_status 0
	assert_out_contains "order to dispatch"
	assert_out_not_contains "▁"
	printf '%s\n' "$OUT" | grep 'order to dispatch' | grep -q '[_.:=+*#-]\{24\}' ||
		fail "no ASCII sparkline: $OUT"
	LC_ALL=C.UTF-8 run --db "$DB" kpi show --window 31d --at 2020-04-01
	assert_status 0
	printf '%s\n' "$OUT" | grep 'order to dispatch' | grep -q '[▁▂▃▄▅▆▇█]' ||
		fail "no Unicode sparkline: $OUT"
	run --db "$DB" kpi collect --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/c.json"
	assert_json_valid "$T/c.json"
}

test_kpi_empty_database() {
	init_db
	run --db "$DB" kpi collect
	assert_status 0
	assert_out_contains "0 samples written"
	kp_json show
	assert_eq 0 "$(json_sql "$T/k.json" "(SELECT count(*) FROM json_each(j, '\$.kpis') WHERE json_extract(value, '\$.current') IS NOT NULL)")" "no value claimed"
	run --db "$DB" kpi export --prometheus
	assert_status 0
	assert_eq "" "$OUT" "nothing to export"
}
