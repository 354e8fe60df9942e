# test_rules_engine.sh - the decision layer seen from outside: `orrery emit`,
# rule files in rules/ beside the database, `orrery run`, the firings record,
# `rules explain`, `rules backtest` and `rules check`.

# rule NAME: the JSON on stdin becomes $T/rules/NAME.json (the rules in force).
rule() {
	mkdir -p "$T/rules"
	cat >"$T/rules/$1.json"
}

# cand NAME: the JSON on stdin becomes $T/cand/NAME.json (candidate rules).
cand() {
	mkdir -p "$T/cand"
	cat >"$T/cand/$1.json"
}

emit_ok() {
	run --db "$DB" emit "$@"
	[ "$STATUS" -eq 0 ] || fail "emit $* exited $STATUS; stderr: $ERR"
}

# How many rules are compiled in (data/rules): counts below add them.
builtin_rules() {
	"$ORRERY" --rules "$T/no-such-dir" rules list --format json >"$T/.builtin.json"
	json_sql "$T/.builtin.json" "json_array_length(j)"
}

run_idle() {
	run --db "$DB" run --until-idle "$@"
	[ "$STATUS" -eq 0 ] || fail "run --until-idle exited $STATUS; stderr: $(head -c 600 "$T/.err")"
}

# --- scenario ------------------------------------------------------------------

test_scenario_event_rule_job_event_rule_job() {
	init_db
	rule chain <<'EOF'
[
  {"name": "check-flagged", "on": "order.flagged",
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "key": "check-{{event.id}}"}}]},
  {"name": "follow-up", "on": "job.succeeded",
   "when": {"fact": "payload.kind", "op": "==", "value": "system.canary"},
   "then": [{"enqueue": {"kind": "manual.task",
                         "args": {"title": "look at job {{payload.job_id}} ({{payload.key}})"}}}]}
]
EOF
	emit_ok order.flagged --entity product --entity-id 3
	ev=$(sql "SELECT max(id) FROM events")
	run_idle
	assert_sql "SELECT count(*) FROM jobs" 2
	assert_sql "SELECT kind, state, rule, event_id, idempotency_key, entity, entity_id FROM jobs WHERE id = 1" \
		"system.canary|succeeded|check-flagged|$ev|check-$ev|product|3"
	# the first job's outcome is an event, caused by the event it handled
	done_ev=$(sql "SELECT id FROM events WHERE type = 'job.succeeded' AND json_extract(payload, '$.job_id') = 1")
	[ -n "$done_ev" ] || fail "no job.succeeded event for job 1"
	assert_sql "SELECT cause_id, entity, entity_id, json_extract(payload, '$.kind'), json_extract(payload, '$.key') FROM events WHERE id = $done_ev" \
		"$ev|product|3|system.canary|check-$ev"
	# ... which the second rule turned into the second job
	assert_sql "SELECT kind, state, rule, event_id FROM jobs WHERE id = 2" \
		"manual.task|succeeded|follow-up|$done_ev"
	assert_sql "SELECT title, job_id FROM tasks" "look at job 1 (check-$ev)|2"
	assert_sql "SELECT rule, outcome FROM firings ORDER BY id" "check-flagged|fired
follow-up|fired"
	# the manual.task's own job.succeeded does not match follow-up's `when`
	assert_sql "SELECT count(*) FROM events WHERE type = 'job.succeeded'" 2
}

# --- conflict resolution -------------------------------------------------------

test_group_only_the_highest_priority_fires() {
	init_db
	rule group <<'EOF'
[
  {"name": "low", "on": "stock.low", "group": "restock", "priority": 5,
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0, "who": "low"}}}]},
  {"name": "high", "on": "stock.low", "group": "restock", "priority": 10,
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0, "who": "high"}}}]}
]
EOF
	emit_ok stock.low --entity product --entity-id 1
	run_idle
	assert_sql "SELECT rule, json_extract(args, '$.who') FROM jobs" "high|high"
	assert_sql "SELECT outcome, suppressed_by FROM firings WHERE rule = 'high'" "fired|NULL"
	assert_sql "SELECT outcome, suppressed_by, actions FROM firings WHERE rule = 'low'" "suppressed|high|[]"
	reason=$(sql "SELECT reason FROM firings WHERE rule = 'low'")
	case $reason in *restock*) ;; *) fail "the suppressed firing's reason does not name the group: '$reason'" ;; esac
}

test_priority_without_group_both_fire() {
	init_db
	rule prio <<'EOF'
[
  {"name": "second", "on": "stock.low", "priority": 1,
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "key": "second-{{event.id}}"}}]},
  {"name": "first", "on": "stock.low", "priority": 9,
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "key": "first-{{event.id}}"}}]}
]
EOF
	emit_ok stock.low --entity product --entity-id 1
	run_idle
	assert_sql "SELECT rule, state FROM jobs ORDER BY rule" "first|succeeded
second|succeeded"
	# both fired; the higher priority is handled (and recorded) first
	assert_sql "SELECT rule, outcome FROM firings ORDER BY id" "first|fired
second|fired"
}

test_inhibition_on_the_same_event() {
	init_db
	rule inhibit <<'EOF'
[
  {"name": "notify", "on": "product.*", "priority": 1,
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]},
  {"name": "outage", "on": "product.down", "priority": 10, "inhibits": {"rules": ["notify"]},
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]},
  {"name": "quiet", "on": "product.up", "priority": 0, "inhibits": {"rules": ["notify"]},
   "then": [{"emit": {"type": "x.quiet"}}]}
]
EOF
	emit_ok product.down --entity product --entity-id 7
	emit_ok product.up --entity product --entity-id 7
	run_idle
	# higher-priority inhibitor on the same event: notify is suppressed
	assert_sql "SELECT rule, outcome, coalesce(suppressed_by, '-') FROM firings WHERE event_id = 1 ORDER BY id" \
		"outage|fired|-
notify|suppressed|outage"
	reason=$(sql "SELECT reason FROM firings WHERE event_id = 1 AND rule = 'notify'")
	case $reason in *outage*) ;; *) fail "reason does not name the inhibitor: '$reason'" ;; esac
	# a lower-priority inhibitor (no window) does not suppress on the same event
	assert_sql "SELECT rule, outcome FROM firings WHERE event_id = 2 ORDER BY rule" "notify|fired
quiet|fired"
	assert_sql "SELECT rule FROM jobs ORDER BY id" "outage
notify"
}

test_inhibition_window_same_entity_only() {
	init_db
	rule inhibit <<'EOF'
[
  {"name": "outage", "on": "site.down", "inhibits": {"rules": ["notify"], "window": "1h"},
   "then": [{"emit": {"type": "x.outage"}}]},
  {"name": "notify", "on": "stock.low",
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]}
]
EOF
	emit_ok site.down --entity product --entity-id 7
	run_idle
	emit_ok stock.low --entity product --entity-id 7
	emit_ok stock.low --entity product --entity-id 8
	emit_ok stock.low --entity order --entity-id 7
	run_idle
	e7=$(sql "SELECT id FROM events WHERE type = 'stock.low' AND entity = 'product' AND entity_id = 7")
	e8=$(sql "SELECT id FROM events WHERE type = 'stock.low' AND entity = 'product' AND entity_id = 8")
	o7=$(sql "SELECT id FROM events WHERE type = 'stock.low' AND entity = 'order' AND entity_id = 7")
	assert_sql "SELECT outcome, suppressed_by FROM firings WHERE event_id = $e7 AND rule = 'notify'" "suppressed|outage"
	reason=$(sql "SELECT reason FROM firings WHERE event_id = $e7 AND rule = 'notify'")
	case $reason in *outage*) ;; *) fail "reason does not name the inhibitor: '$reason'" ;; esac
	# not across entities: product 8 and order 7 are someone else
	assert_sql "SELECT outcome FROM firings WHERE event_id = $e8 AND rule = 'notify'" "fired"
	assert_sql "SELECT outcome FROM firings WHERE event_id = $o7 AND rule = 'notify'" "fired"
	assert_sql "SELECT event_id FROM jobs WHERE rule = 'notify' ORDER BY event_id" "$e8
$o7"
}

test_inhibition_within_one_run_and_after_the_window() {
	init_db
	rule inhibit <<'EOF'
[
  {"name": "outage", "on": "site.down", "inhibits": {"rules": ["notify"], "window": "700ms"},
   "then": [{"emit": {"type": "x.outage"}}]},
  {"name": "notify", "on": "stock.low",
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]}
]
EOF
	# both events handled by the same run: the window still applies
	emit_ok site.down --entity product --entity-id 7
	emit_ok stock.low --entity product --entity-id 7
	run_idle
	assert_sql "SELECT outcome, suppressed_by FROM firings WHERE event_id = 2 AND rule = 'notify'" "suppressed|outage"
	# after the window, notify fires again for the same entity
	sleep 1
	emit_ok stock.low --entity product --entity-id 7
	run_idle
	ev=$(sql "SELECT max(id) FROM events WHERE type = 'stock.low'")
	assert_sql "SELECT outcome FROM firings WHERE event_id = $ev AND rule = 'notify'" "fired"
	assert_sql "SELECT count(*) FROM jobs WHERE rule = 'notify'" 1
}

# --- conditions and templates ----------------------------------------------------

test_when_payload_facts_and_templates() {
	init_db
	rule orders <<'EOF'
{"name": "big-order", "on": "order.placed",
 "when": {"all": [
   {"fact": "payload.amount", "op": ">=", "value": 100},
   {"fact": "payload.country", "op": "in", "value": ["FR", "DE"]},
   {"not": {"fact": "payload.tags", "op": "contains", "value": "test"}},
   {"fact": "payload.sku", "op": "starts_with", "value": "SKU-"},
   {"fact": "payload.email", "op": "matches", "value": "^[a-z]+@example\\.com$"},
   {"any": [{"fact": "payload.note", "op": "exists"}, {"fact": "payload.amount", "op": ">", "value": 1000}]},
   {"fact": "event.type", "op": "==", "value": "order.placed"}
 ]},
 "then": [
   {"emit": {"type": "order.big", "payload": {"sku": "{{payload.sku}}", "n": "{{payload.amount}}", "text": "{{payload.amount}} EUR"}}},
   {"enqueue": {"kind": "system.canary",
                "args": {"ms": 0, "amount": "{{payload.amount}}", "label": "order {{payload.sku}} from {{payload.country}}",
                         "nested": {"list": ["{{event.type}}", "{{payload.tags}}"]}},
                "key": "big-{{payload.sku}}-{{event.id}}", "priority": 3, "max_attempts": 7}},
   {"enqueue": {"kind": "manual.task", "args": {"title": "review {{payload.sku}}"},
                "approval": {"when": {"fact": "payload.amount", "op": ">", "value": 1000},
                             "reason": "check {{payload.sku}} ({{payload.amount}} from {{payload.email}})",
                             "expires": "1h"}}}
 ]}
EOF
	emit_ok order.placed --payload '{"amount": 150, "country": "FR", "tags": ["a", "b"], "sku": "SKU-1", "email": "ann@example.com", "note": "n"}'
	emit_ok order.placed --payload '{"amount": 5000, "country": "DE", "tags": [], "sku": "SKU-2", "email": "bob@example.com"}'
	emit_ok order.placed --payload '{"amount": 99, "country": "FR", "tags": [], "sku": "SKU-3", "email": "cy@example.com", "note": "n"}'
	emit_ok order.placed --payload '{"amount": 150, "country": "US", "tags": [], "sku": "SKU-4", "email": "di@example.com", "note": "n"}'
	emit_ok order.placed --payload '{"amount": 150, "country": "FR", "tags": ["test"], "sku": "SKU-5", "email": "ed@example.com", "note": "n"}'
	emit_ok order.placed --payload '{"amount": 150, "country": "FR", "tags": [], "sku": "X-6", "email": "fi@example.com", "note": "n"}'
	emit_ok order.placed --payload '{"amount": 150, "country": "FR", "tags": [], "sku": "SKU-7", "email": "Gus@example.com", "note": "n"}'
	emit_ok order.placed --payload '{"amount": 150, "country": "FR", "tags": [], "sku": "SKU-8", "email": "hal@example.com"}'
	run_idle
	# only events 1 and 2 pass every condition
	assert_sql "SELECT event_id, outcome FROM firings ORDER BY id" "1|fired
2|fired"
	# whole-placeholder strings keep their JSON type; mixed ones are text
	assert_sql "SELECT args FROM jobs WHERE kind = 'system.canary' ORDER BY id" \
		'{"ms":0,"amount":150,"label":"order SKU-1 from FR","nested":{"list":["order.placed",["a","b"]]}}
{"ms":0,"amount":5000,"label":"order SKU-2 from DE","nested":{"list":["order.placed",[]]}}'
	assert_sql "SELECT idempotency_key, priority, max_attempts, rule, state FROM jobs WHERE kind = 'system.canary' ORDER BY id" \
		"big-SKU-1-1|3|7|big-order|succeeded
big-SKU-2-2|3|7|big-order|succeeded"
	assert_sql "SELECT cause_id, depth, payload FROM events WHERE type = 'order.big' ORDER BY id" \
		'1|1|{"sku":"SKU-1","n":150,"text":"150 EUR"}
2|1|{"sku":"SKU-2","n":5000,"text":"5000 EUR"}'
	# the approval's `when`: 150 enqueues the task at once, 5000 asks first
	assert_sql "SELECT args, event_id FROM jobs WHERE kind = 'manual.task'" '{"title":"review SKU-1"}|1'
	assert_sql "SELECT state, rule, event_id, reason, expires_at - created_at FROM approvals" \
		"pending|big-order|2|check SKU-2 (5000 from bob@example.com)|3600000"
	assert_sql "SELECT json_extract(action, '$.kind'), json_extract(action, '$.args.title') FROM approvals" \
		"manual.task|review SKU-2"
}

test_template_with_a_missing_fact_fails_the_firing_whole() {
	init_db
	rule broken <<'EOF'
{"name": "half", "on": "order.placed",
 "then": [
   {"emit": {"type": "order.seen", "payload": {"sku": "{{payload.sku}}"}}},
   {"enqueue": {"kind": "system.canary", "args": {"ms": 0, "who": "{{payload.customer.name}}"}}}
 ]}
EOF
	rule fine <<'EOF'
{"name": "fine", "on": "order.placed",
 "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "key": "fine-{{event.id}}"}}]}
EOF
	emit_ok order.placed --payload '{"sku": "SKU-1"}'
	run_idle
	assert_sql "SELECT outcome, actions FROM firings WHERE rule = 'half'" "failed|[]"
	reason=$(sql "SELECT reason FROM firings WHERE rule = 'half'")
	case $reason in *payload.customer.name*) ;; *) fail "reason does not name the missing fact: '$reason'" ;; esac
	# nothing half-done: the emit before the broken action was undone too
	assert_sql "SELECT count(*) FROM events WHERE type = 'order.seen'" 0
	assert_sql "SELECT count(*) FROM jobs WHERE rule = 'half'" 0
	# another rule on the same event is not affected
	assert_sql "SELECT outcome FROM firings WHERE rule = 'fine'" fired
	assert_sql "SELECT state FROM jobs WHERE rule = 'fine'" succeeded
	# the engine moved on: the event is not handled again
	run_idle
	assert_sql "SELECT count(*) FROM firings" 2
}

test_missing_key_template_creates_no_job() {
	init_db
	rule k <<'EOF'
{"name": "keyed", "on": "x.y",
 "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "key": "k-{{payload.id}}"}}]}
EOF
	emit_ok x.y --payload '{"other": 1}'
	run_idle
	assert_sql "SELECT outcome FROM firings" failed
	assert_sql "SELECT count(*) FROM jobs" 0
	assert_sql "SELECT count(*) FROM firings WHERE reason LIKE '%payload.id%'" 1
}

# --- loops ---------------------------------------------------------------------------

test_rule_loop_stops() {
	init_db
	rule loop <<'EOF'
{"name": "pingpong", "on": "x.ping", "then": [{"emit": {"type": "x.ping", "payload": {"n": "{{event.depth}}"}}}]}
EOF
	emit_ok x.ping
	run_idle
	n=$(sql "SELECT count(*) FROM events WHERE type = 'x.ping'")
	[ "$n" -gt 2 ] || fail "the loop did not loop: $n x.ping events"
	[ "$n" -le 20 ] || fail "the loop was not stopped early: $n x.ping events"
	assert_sql "SELECT count(*) FROM firings WHERE outcome = 'failed'" 1
	assert_sql "SELECT count(*) FROM firings WHERE outcome = 'fired'" $((n - 1))
	reason=$(sql "SELECT reason FROM firings WHERE outcome = 'failed'")
	case $reason in *limit*) ;; *) fail "the failed firing does not mention the limit: '$reason'" ;; esac
	# it stays stopped
	run_idle
	assert_sql "SELECT count(*) FROM events WHERE type = 'x.ping'" "$n"
}

test_rule_loop_through_jobs_stops() {
	init_db
	rule loop <<'EOF'
{"name": "again", "on": "job.succeeded", "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]}
EOF
	run --db "$DB" jobs enqueue system.canary --args '{"ms":0}'
	assert_status 0
	run_idle
	n=$(sql "SELECT count(*) FROM jobs")
	if [ "$n" -le 2 ] || [ "$n" -gt 20 ]; then
		fail "a job -> job.succeeded -> job loop made $n jobs"
	fi
	assert_sql "SELECT count(*) FROM firings WHERE outcome = 'failed' AND reason LIKE '%limit%'" 1
	assert_sql "SELECT count(*) FROM jobs WHERE state <> 'succeeded'" 0
}

# --- exactly once ----------------------------------------------------------------------

test_cursor_handles_each_event_once() {
	init_db
	rule once <<'EOF'
{"name": "each", "on": "tick", "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]}
EOF
	emit_ok tick --count 5
	run_idle --format json
	printf '%s\n' "$OUT" >"$T/r1.json"
	assert_json_valid "$T/r1.json"
	# 5 ticks and 5 job.succeeded events
	assert_eq 10 "$(json_get "$T/r1.json" '$.events')" "events handled by the first run"
	assert_eq 5 "$(json_get "$T/r1.json" '$.jobs_finished')" "jobs finished by the first run"
	assert_sql "SELECT count(*), count(DISTINCT event_id) FROM jobs" "5|5"
	assert_sql "SELECT last_event_id = (SELECT max(id) FROM events) FROM consumers WHERE name = 'rules'" 1
	run_idle --format json
	printf '%s\n' "$OUT" >"$T/r2.json"
	assert_eq 0 "$(json_get "$T/r2.json" '$.events')" "events handled by the second run"
	assert_eq 0 "$(json_get "$T/r2.json" '$.jobs_finished')" "jobs finished by the second run"
	assert_sql "SELECT count(*) FROM jobs" 5
	assert_sql "SELECT count(*) FROM firings" 5
	# new events after that are handled, the old ones still not
	emit_ok tick
	run_idle
	assert_sql "SELECT count(*) FROM jobs" 6
}

test_until_idle_handles_the_events_of_the_jobs_it_ran() {
	# `run --until-idle` stops when no event, queued job or retry is left;
	# the job.succeeded event of a job it ran is such an event.  A large
	# held backlog (a paused subsystem's jobs) makes the idle check slow,
	# which shows whether it looks at the event backlog and the job counts
	# as one consistent picture.
	init_db
	rule after <<'EOF'
[
  {"name": "start", "on": "x.go", "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "priority": 5}}]},
  {"name": "after", "on": "job.succeeded", "when": {"fact": "payload.kind", "op": "==", "value": "system.canary"},
   "then": [{"emit": {"type": "x.after"}}]}
]
EOF
	run --db "$DB" subsystems pause manual
	assert_status 0
	run --db "$DB" jobs enqueue manual.task --args '{"title": "held"}' --key held --count 100000
	assert_status 0
	k=1
	while [ $k -le 15 ]; do
		emit_ok x.go
		run_idle
		said=$OUT
		left=$(sql "SELECT (SELECT max(id) FROM events) - (SELECT last_event_id FROM consumers)")
		[ "$left" = 0 ] || fail "run $k of --until-idle stopped with $left event(s) not handled: $(sql "SELECT group_concat(type, ', ') FROM events WHERE id > (SELECT last_event_id FROM consumers)"); it said: $said"
		assert_sql "SELECT count(*) FROM events WHERE type = 'x.after'" $k
		k=$((k + 1))
	done
	assert_sql "SELECT state, count(*) FROM jobs WHERE kind = 'system.canary' GROUP BY state" "succeeded|15"
}

test_same_idempotency_key_gives_one_job() {
	init_db
	rule key <<'EOF'
{"name": "per-order", "on": "order.paid",
 "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}, "key": "ship-{{payload.order}}"}}]}
EOF
	emit_ok order.paid --payload '{"order": 42}'
	emit_ok order.paid --payload '{"order": 42}'
	emit_ok order.paid --payload '{"order": 43}'
	run_idle
	assert_sql "SELECT idempotency_key, event_id FROM jobs ORDER BY id" "ship-42|1
ship-43|3"
	assert_sql "SELECT count(*) FROM canary_runs" 2
	# the second firing knows it found an existing job
	assert_sql "SELECT json_extract(actions, '\$[0].existed'), json_extract(actions, '\$[0].job_id') FROM firings WHERE event_id = 2" "1|1"
}

# --- explain ----------------------------------------------------------------------------

test_explain_text_and_json() {
	init_db
	rule ex <<'EOF'
[
  {"name": "matched", "on": "order.placed", "when": {"fact": "payload.amount", "op": ">", "value": 10},
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]},
  {"name": "too-small", "on": "order.placed",
   "when": {"all": [{"fact": "payload.country", "op": "==", "value": "FR"},
                    {"fact": "payload.amount", "op": ">=", "value": 1000}]},
   "then": [{"emit": {"type": "x.big"}}]},
  {"name": "elsewhere", "on": "stock.*", "then": [{"emit": {"type": "x.stock"}}]}
]
EOF
	emit_ok order.placed --entity order --entity-id 5 --payload '{"amount": 250, "country": "FR"}'
	run_idle
	run --db "$DB" rules explain 1
	assert_status 0
	assert_out_contains "order.placed"
	line=$(grep '^ *matched ' "$T/.out")
	case $line in *fires*) ;; *) fail "matched rule line: '$line'" ;; esac
	line=$(grep '^ *too-small ' "$T/.out")
	case $line in *"payload.amount"*">="*1000*250*) ;; *) fail "the miss line lacks fact, op, expected and actual: '$line'" ;; esac
	case $line in *when.all\[1\]*) ;; *) fail "the miss line does not say which condition: '$line'" ;; esac
	line=$(grep '^ *elsewhere ' "$T/.out")
	case $line in *"not for this event type"*) ;; *) fail "other-type rule line: '$line'" ;; esac
	# what was recorded when the event was handled
	assert_out_contains "fired"

	run --db "$DB" rules explain 1 --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/x.json"
	assert_json_valid "$T/x.json"
	assert_eq 1 "$(json_get "$T/x.json" '$.event.id')" "event id"
	assert_eq order.placed "$(json_get "$T/x.json" '$.event.type')" "event type"
	assert_eq "order|5" "$(json_sql "$T/x.json" "json_extract(j, '\$.event.entity') || '|' || json_extract(j, '\$.event.entity_id')")" "event entity"
	assert_eq $((3 + $(builtin_rules))) "$(json_sql "$T/x.json" "json_array_length(j, '\$.rules')")" "rules explained"
	v() { json_sql "$T/x.json" "(SELECT json_extract(value, '$1') FROM json_each(j, '\$.rules') WHERE json_extract(value, '\$.rule') = '$2')"; }
	assert_eq fires "$(v '$.verdict' matched)" "verdict of matched"
	assert_eq "no match" "$(v '$.verdict' too-small)" "verdict of too-small"
	assert_eq "payload.amount" "$(v '$.miss.fact' too-small)" "miss fact"
	assert_eq ">=" "$(v '$.miss.op' too-small)" "miss op"
	assert_eq 1000 "$(v '$.miss.expected' too-small)" "miss expected"
	assert_eq 250 "$(v '$.miss.actual' too-small)" "miss actual"
	assert_eq "not for this event type" "$(v '$.verdict' elsewhere)" "verdict of elsewhere"
	assert_eq "matched|fired" "$(json_sql "$T/x.json" "(SELECT group_concat(json_extract(value, '\$.rule') || '|' || json_extract(value, '\$.outcome')) FROM json_each(j, '\$.recorded'))")" "recorded firings"
}

test_explain_missing_fact_and_suppressed() {
	init_db
	rule ex <<'EOF'
[
  {"name": "needs-note", "on": "x.y", "when": {"fact": "payload.note", "op": "==", "value": "hi"},
   "then": [{"emit": {"type": "x.z"}}]},
  {"name": "a", "on": "x.y", "group": "g", "priority": 2, "then": [{"emit": {"type": "x.a"}}]},
  {"name": "b", "on": "x.y", "group": "g", "priority": 1, "then": [{"emit": {"type": "x.b"}}]}
]
EOF
	emit_ok x.y
	run --db "$DB" rules explain 1 --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/x.json"
	v() { json_sql "$T/x.json" "(SELECT json_extract(value, '$1') FROM json_each(j, '\$.rules') WHERE json_extract(value, '\$.rule') = '$2')"; }
	assert_eq "no match" "$(v '$.verdict' needs-note)" "verdict of needs-note"
	assert_eq "hi" "$(v '$.miss.expected' needs-note)" "expected"
	assert_eq NULL "$(v '$.miss.actual' needs-note)" "actual of a missing fact"
	assert_eq fires "$(v '$.verdict' a)" "verdict of a"
	assert_eq suppressed "$(v '$.verdict' b)" "verdict of b"
	assert_eq a "$(v '$.suppressed_by' b)" "b suppressed by"
	# not handled yet: nothing recorded
	assert_eq 0 "$(json_sql "$T/x.json" "json_array_length(j, '\$.recorded')")" "recorded before any run"
}

test_explain_unknown_event() {
	init_db
	emit_ok x.y
	run --db "$DB" rules explain 99
	assert_status 66
	assert_err_contains 99
	run --db "$DB" rules explain 99 --format json
	assert_status 66
	run --db "$DB" rules explain nope
	assert_status 64
}

# --- backtest -----------------------------------------------------------------------------

test_backtest_candidate_rules() {
	init_db
	rule current <<'EOF'
[
  {"name": "big-order", "on": "order.placed", "when": {"fact": "payload.amount", "op": ">", "value": 100},
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]},
  {"name": "audit", "on": "order.*", "then": [{"emit": {"type": "x.audit"}}]}
]
EOF
	cand current <<'EOF'
[
  {"name": "big-order", "on": "order.placed", "when": {"fact": "payload.amount", "op": ">", "value": 50},
   "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]},
  {"name": "audit", "on": "order.*", "then": [{"emit": {"type": "x.audit"}}]}
]
EOF
	cand added <<'EOF'
{"name": "vip", "on": "order.placed", "when": {"fact": "payload.vip", "op": "==", "value": true},
 "then": [{"emit": {"type": "order.vip"}}]}
EOF
	for a in 10 60 80 150 200; do
		if [ $a = 10 ] || [ $a = 200 ]; then vip=true; else vip=false; fi
		emit_ok order.placed --payload "{\"amount\": $a, \"vip\": $vip}"
	done
	run_idle
	assert_sql "SELECT count(*) FROM jobs" 2
	nev=$(sql "SELECT count(*) FROM events")
	jobs_before=$(sql "SELECT count(*) FROM jobs")
	firings_before=$(sql "SELECT count(*) FROM firings")
	before=$(db_state)

	run --db "$DB" rules backtest "$T/cand" --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/b.json"
	assert_json_valid "$T/b.json"
	assert_eq "$nev" "$(json_get "$T/b.json" '$.events')" "events replayed"
	row() { json_sql "$T/b.json" "(SELECT json_extract(value, '\$.current') || '|' || json_extract(value, '\$.candidate') || '|' || json_extract(value, '\$.only_current') || '|' || json_extract(value, '\$.only_candidate') || '|' || json_extract(value, '\$.examples') FROM json_each(j, '\$.$1') WHERE json_extract(value, '\$.rule') = '$2' AND json_extract(value, '\$.action') = '$3')"; }
	# amounts 60 and 80 (events 2 and 3) now also make a job
	assert_eq "2|4|0|2|[2,3]" "$(row changed big-order 'enqueue system.canary')" "big-order row"
	assert_eq "0|2|0|2|[1,5]" "$(row changed vip 'emit order.vip')" "vip row"
	assert_eq "5|5|0|0|[]" "$(row unchanged audit 'emit x.audit')" "audit row"
	assert_eq 2 "$(json_sql "$T/b.json" "json_array_length(j, '\$.changed')")" "changed rows"
	assert_eq 1 "$(json_sql "$T/b.json" "json_array_length(j, '\$.unchanged')")" "unchanged rows"

	# text output too
	run --db "$DB" rules backtest "$T/cand"
	assert_status 0
	assert_out_contains "replayed $nev events"
	assert_out_contains "vip"

	# --since after every event replays nothing
	run --db "$DB" rules backtest "$T/cand" --since 2999-01-01 --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/s.json"
	assert_eq 0 "$(json_get "$T/s.json" '$.events')" "events replayed since 2999"

	# no side effects
	assert_sql "SELECT count(*) FROM jobs" "$jobs_before"
	assert_sql "SELECT count(*) FROM firings" "$firings_before"
	assert_eq "$before" "$(db_state)" "database checksum after backtest"
}

test_backtest_broken_candidate() {
	init_db
	emit_ok order.placed --payload '{"amount": 1}'
	cand bad <<'EOF'
{"name": "bad", "on": "order.placed",
 "when": {"fact": "payload.amount", "op": "bigger", "value": 1},
 "then": [{"emit": {"type": "x"}}]}
EOF
	before=$(db_state)
	run --db "$DB" rules backtest "$T/cand" --format json
	assert_status 65
	grep -q 'bad\.json:[0-9][0-9]*:[0-9][0-9]*: ' "$T/.err" || fail "no file:line:col: on stderr: $ERR"
	assert_eq "$before" "$(db_state)" "database checksum"
	run --db "$DB" rules backtest "$T/nosuch"
	[ "$STATUS" -ne 0 ] || fail "backtest of a missing path exited 0"
}

# --- rules check ---------------------------------------------------------------------------

test_rules_check_valid_dir() {
	rule one <<'EOF'
{"name": "one", "on": "x.*", "then": [{"emit": {"type": "x.one"}}]}
EOF
	rule two <<'EOF'
[{"name": "two", "on": "y", "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "t"}}}]},
 {"name": "three", "on": "y", "inhibits": {"rules": ["two"], "window": "15m"}, "then": [{"emit": {"type": "z"}}]}]
EOF
	run rules check "$T/rules"
	assert_status 0
	assert_out_contains "3 rules OK"
	# the default: rules/ beside the database, after the compiled-in ones
	run --db "$DB" rules check
	assert_status 0
	assert_out_contains "$((3 + $(builtin_rules))) rules OK"
	assert_eq "" "$ERR" "stderr of a clean check"
}

# check_bad NAME EXPECTED_LINE: `rules check` of $T/bad fails with
# bad/NAME.json:LINE:COL: on stderr.
check_bad() {
	run rules check "$T/bad"
	assert_status 65
	grep -q "bad/$1\.json:$2:[0-9][0-9]*: " "$T/.err" || fail "no bad/$1.json:$2:COL: on stderr: $ERR"
}

test_rules_check_unknown_field() {
	mkdir -p "$T/bad"
	printf '{"name": "a", "on": "x", "then": [{"emit": {"type": "y"}}],\n  "colour": "red"}\n' >"$T/bad/field.json"
	check_bad field 2
	assert_err_contains colour
}

test_rules_check_bad_op() {
	mkdir -p "$T/bad"
	printf '{"name": "a", "on": "x",\n "then": [{"emit": {"type": "y"}}],\n "when": {"fact": "payload.x", "op": "~=", "value": 1}}\n' >"$T/bad/op.json"
	check_bad op 3
	assert_err_contains "~="
}

test_rules_check_json_syntax_error() {
	mkdir -p "$T/bad"
	printf '{"name": "a",\n  "on" "x"}\n' >"$T/bad/syntax.json"
	check_bad syntax 2
}

test_rules_check_bad_file_among_good_ones() {
	rule good <<'EOF'
{"name": "good", "on": "x", "then": [{"emit": {"type": "y"}}]}
EOF
	printf '{"name": "worse", "on": "x", "then": [{"enqueue": {"kind": "no.such", "args": {}}}]}\n' >"$T/rules/worse.json"
	run rules check "$T/rules"
	assert_status 65
	grep -q 'worse\.json:1:[0-9][0-9]*: ' "$T/.err" || fail "no worse.json:1:COL: on stderr: $ERR"
	assert_err_not_contains "good.json"
}

test_sql_metacharacters_are_stored_literally() {
	init_db
	evil="'); DROP TABLE jobs;--"
	rule evil <<'EOF'
{"name": "evil", "description": "'); DROP TABLE jobs;--", "on": "x.y",
 "then": [
   {"emit": {"type": "x.z", "payload": {"v": "'); DROP TABLE jobs;-- {{payload.v}}"}}},
   {"enqueue": {"kind": "manual.task", "args": {"title": "'); DROP TABLE jobs;-- {{payload.v}}"},
                "key": "'); DROP TABLE jobs;--{{event.id}}"}}
 ]}
EOF
	emit_ok x.y --payload '{"v": "'"'"'); DROP TABLE events;--"}'
	run_idle
	assert_sql "SELECT count(*) FROM sqlite_master WHERE name IN ('jobs', 'events')" 2
	assert_sql "SELECT json_extract(payload, '$.v') FROM events WHERE type = 'x.z'" "$evil $(printf '%s' "'); DROP TABLE events;--")"
	assert_sql "SELECT idempotency_key, state FROM jobs" "${evil}1|succeeded"
	assert_sql "SELECT title FROM tasks" "$evil '); DROP TABLE events;--"
	run --db "$DB" rules list --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/l.json"
	assert_eq "$evil" "$(json_sql "$T/l.json" "(SELECT json_extract(value, '\$.description') FROM json_each(j) WHERE json_extract(value, '\$.name') = 'evil')")" "description"
	# names are identifiers: metacharacters there are refused, not run
	mkdir -p "$T/bad"
	printf '{"name": "x%s", "on": "x", "then": [{"emit": {"type": "y"}}]}\n' "$evil" >"$T/bad/name.json"
	check_bad name 1
	assert_sql "SELECT count(*) FROM jobs" 1
}

# --- run with broken rules --------------------------------------------------------------------

test_run_with_broken_rules_runs_nothing() {
	init_db
	rule ok <<'EOF'
{"name": "ok", "on": "x.y", "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]}
EOF
	printf '{"name": "broken", "on": "x.y", "then": [}\n' >"$T/rules/broken.json"
	emit_ok x.y
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}'
	assert_status 0
	before=$(db_state)
	run --db "$DB" run --until-idle
	assert_status 65
	grep -q 'broken\.json:1:[0-9][0-9]*: ' "$T/.err" || fail "no broken.json:1:COL: on stderr: $ERR"
	assert_sql "SELECT count(*) FROM firings" 0
	assert_sql "SELECT state FROM jobs" queued
	assert_sql "SELECT count(*) FROM canary_runs" 0
	assert_eq "$before" "$(db_state)" "database checksum"
	# --rules DIR is checked the same way
	mkdir -p "$T/other"
	cp "$T/rules/broken.json" "$T/other/"
	run --db "$DB" --rules "$T/other" run --until-idle
	assert_status 65
	assert_sql "SELECT state FROM jobs" queued
}

test_global_rules_dir_replaces_the_default() {
	init_db
	rule local <<'EOF'
{"name": "local", "on": "x.y", "then": [{"emit": {"type": "x.local"}}]}
EOF
	mkdir -p "$T/global"
	printf '{"name": "global", "on": "x.y", "then": [{"emit": {"type": "x.global"}}]}\n' >"$T/global/g.json"
	emit_ok x.y
	run --db "$DB" --rules "$T/global" run --until-idle
	assert_status 0
	assert_sql "SELECT rule FROM firings" global
}

# --- emit ---------------------------------------------------------------------------------------

test_emit_reports_the_ids_it_appended() {
	init_db
	run --db "$DB" emit a.b
	assert_status 0
	assert_eq "event 1 a.b" "$OUT" "emit of one event"
	run --db "$DB" emit a.b --count 3
	assert_status 0
	assert_eq "event 2-4 a.b" "$OUT" "emit of three events"
	run --db "$DB" emit a.b --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/e.json"
	assert_eq "5|5" "$(json_sql "$T/e.json" "json_extract(j, '\$.first_id') || '|' || json_extract(j, '\$.last_id')")" "json ids"
	assert_sql "SELECT count(*) FROM events" 5
}

test_emit_bad_input() {
	init_db
	run --db "$DB" emit 'Bad Type'
	assert_status 64
	run --db "$DB" emit a.b --payload '[1]'
	assert_status 65
	run --db "$DB" emit a.b --payload '{"a":'
	assert_status 65
	run --db "$DB" emit a.b --count 0
	assert_status 64
	assert_sql "SELECT count(*) FROM events" 0
}
