# test_jobs.sh - the durable job queue from outside: `orrery jobs`, `orrery
# run`, retries and backoff, the circuit breaker, pause/resume, signals,
# kill -9 of a runner, and concurrent approval decisions.

enqueue_ok() {
	run --db "$DB" jobs enqueue "$@"
	[ "$STATUS" -eq 0 ] || fail "jobs enqueue $* exited $STATUS; stderr: $ERR"
}

run_idle() {
	run --db "$DB" run --until-idle "$@"
	[ "$STATUS" -eq 0 ] || fail "run --until-idle exited $STATUS; stderr: $(head -c 600 "$T/.err")"
}

# Milliseconds since the epoch (GNU date), for timing commands.
now_ms() {
	date +%s%3N
}

# wait_sql SQL EXPECTED TENTHS: poll until SQL prints EXPECTED, at most
# TENTHS tenths of a second; returns 1 on timeout.
wait_sql() {
	w_i=0
	while [ "$w_i" -lt "$3" ]; do
		[ "$(sql "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		w_i=$((w_i + 1))
	done
	return 1
}

# What the queue looks like, for failure messages.
queue_state() {
	printf 'jobs: %s; breakers: %s' \
		"$(sql "SELECT group_concat(state || '=' || n, ' ') FROM (SELECT state, count(*) AS n FROM jobs GROUP BY state)")" \
		"$(sql "SELECT group_concat(name || '=' || breaker, ' ') FROM subsystem_state")"
}

subsystem_field() {
	run --db "$DB" subsystems --format json
	[ "$STATUS" -eq 0 ] || fail "subsystems --format json exited $STATUS: $ERR"
	printf '%s\n' "$OUT" >"$T/subs.json"
	json_sql "$T/subs.json" "(SELECT json_extract(value, '\$.$2') FROM json_each(j, '\$.subsystems') WHERE json_extract(value, '\$.name') = '$1')"
}

# --- enqueue and run ------------------------------------------------------------

test_enqueue_and_run_all_succeed() {
	init_db
	enqueue_ok system.canary --args '{"ms": 0}' --key batch --count 5
	assert_out_contains "5 jobs queued, 0 already existed"
	assert_sql "SELECT group_concat(idempotency_key, ' ') FROM (SELECT idempotency_key FROM jobs ORDER BY id)" \
		"batch-1 batch-2 batch-3 batch-4 batch-5"
	assert_sql "SELECT DISTINCT state, attempts FROM jobs" "queued|0"
	run_idle
	assert_out_contains "5 job outcomes"
	assert_sql "SELECT DISTINCT state, attempts FROM jobs" "succeeded|1"
	assert_sql "SELECT count(*), count(DISTINCT job_id), count(DISTINCT key) FROM canary_runs" "5|5|5"
	assert_sql "SELECT count(*) FROM canary_runs c JOIN jobs j ON j.id = c.job_id AND j.idempotency_key = c.key AND c.attempt = 1" 5
	# each job told the log it finished, as job.succeeded about itself
	assert_sql "SELECT count(*) FROM events e JOIN jobs j ON j.id = json_extract(e.payload, '$.job_id') WHERE e.type = 'job.succeeded' AND e.entity = 'job' AND e.entity_id = j.id" 5
	assert_sql "SELECT count(*) FROM jobs WHERE started_at IS NULL OR finished_at < started_at" 0
}

test_enqueue_errors_and_idempotency() {
	init_db
	run --db "$DB" jobs enqueue no.such --args '{}'
	assert_status 64
	run --db "$DB" jobs enqueue system.canary --args '{"ms": '
	assert_status 65
	run --db "$DB" jobs enqueue system.canary --args '[1, 2]'
	assert_status 65
	run --db "$DB" jobs enqueue system.canary --count 0
	assert_status 64
	assert_sql "SELECT count(*) FROM jobs" 0
	enqueue_ok system.canary --args '{"ms": 0}' --key once
	assert_out_contains "queued"
	enqueue_ok system.canary --args '{"ms": 99}' --key once
	assert_out_contains "already exists"
	assert_sql "SELECT count(*), args FROM jobs" '1|{"ms": 0}'
	enqueue_ok system.canary --args '{"ms": 0}' --key many --count 3
	enqueue_ok system.canary --args '{"ms": 0}' --key many --count 4
	assert_out_contains "1 jobs queued, 3 already existed"
	assert_sql "SELECT count(*) FROM jobs WHERE idempotency_key LIKE 'many-%'" 4
	# a batch with one bad member queues none of it
	run --db "$DB" jobs enqueue manual.task --args '{"title": "x"}' --key t --count 2 --max-attempts x
	assert_status 64
	assert_sql "SELECT count(*) FROM jobs WHERE kind = 'manual.task'" 0
}

# --- retries ------------------------------------------------------------------------

test_retry_until_success() {
	init_db
	enqueue_ok system.canary --args '{"ms": 0, "fail_attempts": 2}' --key flaky
	run_idle
	assert_sql "SELECT state, attempts, last_error FROM jobs" "succeeded|3|NULL"
	assert_sql "SELECT key, attempt FROM canary_runs" "flaky|3"
	assert_sql "SELECT count(*) FROM tasks" 0
}

test_permanent_failure_goes_dead_with_a_task() {
	init_db
	enqueue_ok system.canary --args '{"ms": 0, "fail_attempts": 1, "permanent": true}' --key doomed
	run_idle
	assert_sql "SELECT state, attempts FROM jobs" "dead|1"
	assert_sql "SELECT count(*) FROM jobs WHERE last_error LIKE '%on purpose%'" 1
	assert_sql "SELECT count(*) FROM canary_runs" 0
	# the system subsystem's fallback: a task for a person
	assert_sql "SELECT state, subsystem, job_id FROM tasks" "open|system|1"
	assert_sql "SELECT count(*) FROM tasks WHERE title LIKE '%dead%'" 1
	# and the outcome is an event
	assert_sql "SELECT entity, entity_id, json_extract(payload, '$.job_id'), json_extract(payload, '$.kind'), json_extract(payload, '$.key') FROM events WHERE type = 'job.dead'" \
		"job|1|1|system.canary|doomed"
	assert_sql "SELECT count(*) FROM events WHERE type = 'job.dead' AND json_extract(payload, '$.error') LIKE '%on purpose%'" 1
	assert_sql "SELECT count(*) FROM events WHERE type = 'job.succeeded'" 0
	run --db "$DB" tasks list --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/t.json"
	assert_json_valid "$T/t.json"
	assert_eq 1 "$(json_sql "$T/t.json" "json_array_length(j)")" "tasks listed"
}

test_max_attempts_exhausted_goes_dead() {
	init_db
	enqueue_ok system.canary --args '{"ms": 0, "fail_attempts": 10}' --key tired --max-attempts 2
	run_idle
	assert_sql "SELECT state, attempts, max_attempts FROM jobs" "dead|2|2"
	assert_sql "SELECT count(*) FROM tasks WHERE job_id = 1" 1
	assert_sql "SELECT count(*) FROM events WHERE type = 'job.dead'" 1
	assert_sql "SELECT count(*) FROM canary_runs" 0
}

# --- circuit breaker ---------------------------------------------------------------------

test_circuit_breaker_opens_holds_and_closes() {
	init_db
	enqueue_ok system.canary --args '{"ms": 0, "fail_attempts": 1, "permanent": true}' --key bad --count 6
	run_idle
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'dead'" 6
	assert_sql "SELECT breaker FROM subsystem_state WHERE name = 'system'" open
	opened=$(sql "SELECT opened_at FROM subsystem_state WHERE name = 'system'")
	assert_eq open "$(subsystem_field system breaker)" "system breaker in subsystems --format json"
	assert_eq closed "$(subsystem_field manual breaker)" "manual breaker in subsystems --format json"
	# while open, a healthy canary is not started ...
	enqueue_ok system.canary --args '{"ms": 0}' --key good
	run --db "$DB" run --max-seconds 2
	assert_status 0
	assert_sql "SELECT state, attempts FROM jobs WHERE idempotency_key = 'good'" "queued|0"
	# ... and --until-idle does not wait for it
	t0=$(now_ms)
	run_idle
	[ $(($(now_ms) - t0)) -lt 5000 ] || fail "run --until-idle waited for a held job"
	assert_sql "SELECT state FROM jobs WHERE idempotency_key = 'good'" queued
	# after the cool-down (10 s for system) a trial runs, succeeds, and closes it
	left=$((opened + 10200 - $(now_ms)))
	[ "$left" -gt 0 ] && sleep "$(awk -v ms="$left" 'BEGIN { printf "%.2f", ms / 1000 }')"
	run --db "$DB" run --max-seconds 2
	assert_status 0
	assert_sql "SELECT state, attempts FROM jobs WHERE idempotency_key = 'good'" "succeeded|1"
	assert_sql "SELECT breaker FROM subsystem_state WHERE name = 'system'" closed
	assert_eq closed "$(subsystem_field system breaker)" "system breaker after the trial"
}

test_runner_crash_does_not_open_the_breaker() {
	# A runner killed with jobs in hand is not the subsystem failing: the
	# jobs it held go back to the queue without tripping the breaker.
	init_db
	enqueue_ok system.canary --args '{"ms": 300}' --key held --count 8
	"$ORRERY" --db "$DB" run --workers 1 --lease-seconds 30 >/dev/null 2>&1 &
	pid=$!
	wait_sql "SELECT count(*) FROM jobs WHERE state = 'running'" 8 30 ||
		{ kill -9 $pid; fail "the runner did not take the jobs: $(queue_state)"; }
	kill -9 $pid
	wait $pid 2>/dev/null
	run_idle --workers 2
	assert_sql "SELECT breaker FROM subsystem_state WHERE name = 'system'" closed
	assert_sql "SELECT state, count(*) FROM jobs GROUP BY state" "succeeded|8"
	assert_sql "SELECT count(*), count(DISTINCT key) FROM canary_runs" "8|8"
}

# --- pause / resume ---------------------------------------------------------------------------

test_pause_and_resume() {
	init_db
	run --db "$DB" subsystems pause system
	assert_status 0
	assert_out_contains "system paused"
	assert_sql "SELECT paused FROM subsystem_state WHERE name = 'system'" 1
	assert_eq 1 "$(subsystem_field system paused)" "paused in subsystems --format json"
	enqueue_ok system.canary --args '{"ms": 0}' --key p --count 3
	enqueue_ok manual.task --args '{"title": "not paused"}' --key m
	run --db "$DB" run --max-seconds 2
	assert_status 0
	assert_sql "SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind" "manual.task|succeeded|1
system.canary|queued|3"
	t0=$(now_ms)
	run_idle
	[ $(($(now_ms) - t0)) -lt 5000 ] || fail "run --until-idle waited for paused jobs"
	assert_sql "SELECT count(*) FROM jobs WHERE kind = 'system.canary' AND state = 'queued' AND attempts = 0" 3
	run --db "$DB" subsystems resume system
	assert_status 0
	assert_out_contains "system resumed"
	assert_eq 0 "$(subsystem_field system paused)" "paused after resume"
	run_idle
	assert_sql "SELECT state, count(*) FROM jobs GROUP BY state" "succeeded|4"
	assert_sql "SELECT count(*) FROM canary_runs" 3
	run --db "$DB" subsystems pause nosuch
	assert_status 64
}

# --- operator commands ---------------------------------------------------------------------------

test_jobs_retry_cancel_kill() {
	init_db
	enqueue_ok system.canary --args '{"ms": 0, "fail_attempts": 1, "permanent": true}' --key dead --count 2
	run_idle
	enqueue_ok system.canary --args '{"ms": 0}' --key q --count 4
	assert_sql "SELECT group_concat(id || ':' || state, ' ') FROM (SELECT id, state FROM jobs ORDER BY id)" "1:dead 2:dead 3:queued 4:queued 5:queued 6:queued"

	run --db "$DB" jobs kill 3
	assert_status 0
	assert_out_contains "1 job killed"
	assert_sql "SELECT state, last_error LIKE 'killed by %' FROM jobs WHERE id = 3" "dead|1"

	run --db "$DB" jobs cancel --state queued
	assert_status 0
	assert_out_contains "3 jobs cancelled"
	assert_sql "SELECT group_concat(state, ' ') FROM (SELECT state FROM jobs WHERE id IN (4, 5, 6) ORDER BY id)" "cancelled cancelled cancelled"
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'cancelled' AND finished_at IS NOT NULL AND last_error LIKE 'cancelled by %'" 3

	# an ID that matches nothing: 0 changed, exit status 1
	run --db "$DB" jobs cancel 1
	assert_status 1
	assert_out_contains "0 jobs cancelled"
	assert_sql "SELECT state FROM jobs WHERE id = 1" dead

	run --db "$DB" jobs retry --state dead
	assert_status 0
	assert_out_contains "3 jobs queued again"
	assert_sql "SELECT group_concat(id || ':' || state || ':' || attempts || ':' || coalesce(last_error, '-'), ' ') FROM (SELECT * FROM jobs WHERE id IN (1, 2, 3) ORDER BY id)" \
		"1:queued:0:- 2:queued:0:- 3:queued:0:-"

	run --db "$DB" jobs retry 4
	assert_status 0
	assert_out_contains "1 job queued again"
	assert_sql "SELECT state FROM jobs WHERE id = 4" queued

	run --db "$DB" jobs kill --kind 'system.*' --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/k.json"
	assert_json_valid "$T/k.json"
	assert_eq 4 "$(json_get "$T/k.json" '$.jobs')" "jobs killed by --kind system.*"
	assert_sql "SELECT group_concat(state, ' ') FROM (SELECT state FROM jobs ORDER BY id)" "dead dead dead dead cancelled cancelled"

	run --db "$DB" jobs retry --kind system.canary --state cancelled
	assert_status 0
	assert_out_contains "2 jobs queued again"
	run_idle
	assert_sql "SELECT group_concat(id || ':' || state, ' ') FROM (SELECT id, state FROM jobs WHERE id IN (5, 6) ORDER BY id)" "5:succeeded 6:succeeded"

	run --db "$DB" jobs retry
	assert_status 64
	run --db "$DB" jobs cancel --state nosuch
	assert_status 64
	run --db "$DB" jobs kill 999
	assert_status 1
}

test_jobs_show_and_json() {
	init_db
	enqueue_ok system.canary --args '{"ms": 0, "fail_attempts": 1, "permanent": true}' --key shown
	run_idle
	sql "INSERT INTO job_logs (job_id, at, line) VALUES (1, 1790000000000, 'a line of the log')"
	run --db "$DB" jobs show 1
	assert_status 0
	assert_out_contains "fail_attempts"
	assert_out_contains "canary failing on purpose"
	assert_out_contains "shown"
	assert_out_contains "a line of the log"
	grep -q '^log ' "$T/.out" || fail "no log line in jobs show: $OUT"

	run --db "$DB" jobs show 1 --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/s.json"
	assert_json_valid "$T/s.json"
	assert_eq "1|dead" "$(json_sql "$T/s.json" "json_extract(j, '\$.id') || '|' || json_extract(j, '\$.state')")" "id and state"
	assert_eq "a line of the log" "$(json_get "$T/s.json" '$.log[0].line')" "log line"

	enqueue_ok system.canary --args '{"ms": 0}' --key other --count 2
	run --db "$DB" jobs list --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/l.json"
	assert_json_valid "$T/l.json"
	assert_eq 3 "$(json_sql "$T/l.json" "json_array_length(j)")" "jobs listed"
	assert_eq 3 "$(json_get "$T/l.json" '$[0].id')" "newest first"
	run --db "$DB" jobs list --state dead --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/d.json"
	assert_eq 1 "$(json_sql "$T/d.json" "json_array_length(j)")" "dead jobs listed"
	run --db "$DB" jobs list --kind manual.task --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/m.json"
	assert_eq 0 "$(json_sql "$T/m.json" "json_array_length(j)")" "manual jobs listed"
	run --db "$DB" jobs list
	assert_status 0
	assert_out_contains "other-2"
	run --db "$DB" jobs show 999
	assert_status 66
}

# --- signals and crashes ---------------------------------------------------------------------------

test_sigterm_stops_cleanly() {
	init_db
	enqueue_ok system.canary --args '{"ms": 3000}' --key long --count 3
	"$ORRERY" --db "$DB" run --workers 2 --lease-seconds 30 >"$T/run.out" 2>"$T/run.err" &
	pid=$!
	if ! wait_sql "SELECT count(*) >= 2 FROM jobs WHERE state = 'running'" 1 30; then
		kill -9 $pid
		fail "the runner did not start the jobs: $(queue_state)"
	fi
	t0=$(now_ms)
	kill -TERM $pid
	wait $pid
	rc=$?
	took=$(($(now_ms) - t0))
	assert_eq 0 "$rc" "exit status of run after SIGTERM"
	[ "$took" -lt 2500 ] || fail "run took $took ms to stop after SIGTERM"
	grep -q 'signal' "$T/run.out" || fail "run did not say it was stopped by a signal: $(cat "$T/run.out")"
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'running' OR lease_owner IS NOT NULL" 0
	# put back as they were (attempts unchanged), or done
	assert_sql "SELECT count(*) FROM jobs WHERE (state = 'queued' AND attempts = 0) OR (state = 'succeeded' AND attempts = 1)" 3
	assert_sql "SELECT count(*) FROM runners" 0
}

test_crash_safety_kill_9() {
	init_db
	enqueue_ok system.canary --count 10000 --key c --args '{"ms":0}' --max-attempts 50
	i=1
	while [ $i -le 20 ]; do
		"$ORRERY" --db "$DB" run --workers 2 --lease-seconds 2 >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v s="$i$$" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * 0.55 }')"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		i=$((i + 1))
	done
	after_kills=$(queue_state)
	run --db "$DB" run --until-idle --workers 2
	assert_status 0
	got=$(sql "SELECT count(*) FROM jobs WHERE state = 'succeeded'")
	[ "$got" = 10000 ] || fail "$got of 10000 jobs succeeded; after the kills: $after_kills; after run --until-idle: $(queue_state); run said: $OUT"
	assert_sql "SELECT count(*), count(DISTINCT key) FROM canary_runs" "10000|10000"
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'running'" 0
	assert_sql "SELECT count(*) FROM canary_runs r JOIN jobs j ON j.id = r.job_id WHERE r.key IS NOT j.idempotency_key OR r.attempt <> j.attempts" 0
	# the dead runners were noticed and forgotten
	assert_sql "SELECT count(*) FROM runners" 0
}

test_crash_safety_kill_9_with_jobs_in_flight() {
	# With {"ms":0} the 10,000 jobs above are done after the first kill or
	# two; here every kill lands while the runner holds leased jobs: fresh
	# canaries of 1 ms each round.
	init_db
	i=1
	while [ $i -le 20 ]; do
		run --db "$DB" jobs enqueue system.canary --count 200 --key "r$i" --args '{"ms":1}' --max-attempts 50
		[ "$STATUS" -eq 0 ] || fail "enqueue round $i exited $STATUS: $ERR"
		"$ORRERY" --db "$DB" run --workers 2 --lease-seconds 2 >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v s="$i$$" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * 0.2 }')"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		i=$((i + 1))
	done
	retried=$(sql "SELECT count(*) FROM jobs WHERE attempts > 1 OR state = 'failed'")
	after_kills=$(queue_state)
	run --db "$DB" run --until-idle --workers 2
	assert_status 0
	got=$(sql "SELECT count(*) FROM jobs WHERE state = 'succeeded'")
	[ "$got" = 4000 ] || fail "$got of 4000 jobs succeeded; after the kills: $after_kills; after run --until-idle: $(queue_state)"
	assert_sql "SELECT count(*), count(DISTINCT key), count(DISTINCT job_id) FROM canary_runs" "4000|4000|4000"
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'running' OR lease_owner IS NOT NULL" 0
	# the kills did catch jobs in flight (else this test proved nothing)
	[ "$retried" -gt 0 ] || [ "$(sql "SELECT count(*) FROM jobs WHERE attempts > 1")" -gt 0 ] ||
		fail "no kill caught a job in flight: $after_kills"
}

# --- approvals ----------------------------------------------------------------------------------------

test_approval_race() {
	init_db
	mkdir -p "$T/rules"
	cat >"$T/rules/ask.json" <<'EOF'
{"name": "ask-first", "on": "approve.me",
 "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "approved {{event.id}}"},
                       "approval": {"reason": "may I handle event {{event.id}}?"}}}]}
EOF
	run --db "$DB" emit approve.me --count 1000
	assert_status 0
	run_idle
	assert_sql "SELECT state, count(*) FROM approvals GROUP BY state" "pending|1000"
	assert_sql "SELECT count(*) FROM jobs" 0
	ORRERY_BUSY_MS=10000
	export ORRERY_BUSY_MS
	"$ORRERY" --db "$DB" approvals approve $(seq 1 1000) >"$T/a.out" 2>"$T/a.err" &
	pa=$!
	"$ORRERY" --db "$DB" approvals reject $(seq 1000 -1 1) >"$T/r.out" 2>"$T/r.err" &
	pr=$!
	wait $pa
	ra=$?
	wait $pr
	rr=$?
	case $ra in 0 | 1) ;; *) fail "approve exited $ra: $(head -c 300 "$T/a.err")" ;; esac
	case $rr in 0 | 1) ;; *) fail "reject exited $rr: $(head -c 300 "$T/r.err")" ;; esac
	assert_sql "SELECT count(*) FROM approvals WHERE state = 'pending'" 0
	assert_sql "SELECT count(*) FROM approvals WHERE state IN ('approved', 'rejected') AND decided_by IS NOT NULL AND decided_at IS NOT NULL" 1000
	approved=$(sql "SELECT count(*) FROM approvals WHERE state = 'approved'")
	assert_sql "SELECT count(*), count(DISTINCT approval_id) FROM jobs WHERE approval_id IS NOT NULL" "$approved|$approved"
	assert_sql "SELECT count(*) FROM jobs" "$approved"
	assert_sql "SELECT count(*) FROM approvals a JOIN jobs j ON j.id = a.job_id AND j.approval_id = a.id WHERE a.state = 'approved'" "$approved"
	assert_sql "SELECT count(*) FROM jobs j JOIN approvals a ON a.id = j.approval_id WHERE a.state <> 'approved'" 0
	won_a=$(grep -c 'approved by' "$T/a.out")
	won_r=$(grep -c 'rejected by' "$T/r.out")
	lost_a=$(grep -c 'already' "$T/a.err")
	lost_r=$(grep -c 'already' "$T/r.err")
	assert_eq 1000 "$((won_a + won_r))" "decisions won (approve $won_a + reject $won_r)"
	assert_eq "$approved" "$won_a" "approve lines vs approved rows"
	assert_eq 1000 "$((won_a + lost_a))" "approve: won $won_a + lost $lost_a"
	assert_eq 1000 "$((won_r + lost_r))" "reject: won $won_r + lost $lost_r"
	# each loss names the winner's decision
	assert_eq "$lost_a" "$(grep -c 'already rejected by' "$T/a.err")" "approve's losses say 'already rejected by'"
	assert_eq "$lost_r" "$(grep -c 'already approved by' "$T/r.err")" "reject's losses say 'already approved by'"
	# a loser exits 1
	[ "$lost_a" -eq 0 ] || assert_eq 1 "$ra" "approve's exit status after losing some"
	[ "$lost_r" -eq 0 ] || assert_eq 1 "$rr" "reject's exit status after losing some"
}

test_approval_expired_and_decided_twice() {
	init_db
	mkdir -p "$T/rules"
	cat >"$T/rules/ask.json" <<'EOF'
[{"name": "short", "on": "ask.short",
  "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "t"}, "approval": {"reason": "r", "expires": "500ms"}}}]},
 {"name": "long", "on": "ask.long",
  "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "t"}, "approval": {"reason": "r"}}}]}]
EOF
	run --db "$DB" emit ask.short
	run --db "$DB" emit ask.long
	run_idle
	assert_sql "SELECT rule, state FROM approvals ORDER BY id" "short|pending
long|pending"
	run --db "$DB" approvals approve 2 --note "fine"
	assert_status 0
	assert_out_contains "approved by"
	assert_sql "SELECT state, note, job_id IS NOT NULL FROM approvals WHERE id = 2" "approved|fine|1"
	run --db "$DB" approvals reject 2
	assert_status 1
	assert_err_contains "already approved by"
	assert_sql "SELECT state FROM approvals WHERE id = 2" approved
	sleep 0.7
	run --db "$DB" approvals approve 1
	assert_status 1
	assert_err_contains "expired at"
	assert_sql "SELECT count(*) FROM jobs WHERE approval_id = 1" 0
	run --db "$DB" approvals approve 99
	assert_status 66
}
