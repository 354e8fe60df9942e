# test_console_data.sh - what the console's panes read, seen from the CLI
# that shares it: `map` (the integration map with traffic, errors and
# priority), `rules list|show|enable|disable` (firing statistics, history,
# switches kept in the database) and `jobs history` (sparkline buckets).

# Who an operator is: the login name, with no SSH client to add.
unset SSH_CLIENT SSH_CONNECTION
operator() {
	LOGNAME=$1
	export LOGNAME
}

rule() {
	mkdir -p "$T/rules"
	cat >"$T/rules/$1.json"
}

emit_ok() {
	run --db "$DB" emit "$@"
	[ "$STATUS" -eq 0 ] || fail "emit $* exited $STATUS; stderr: $ERR"
}

run_idle() {
	run --db "$DB" run --until-idle "$@"
	[ "$STATUS" -eq 0 ] || fail "run --until-idle exited $STATUS; stderr: $(head -c 600 "$T/.err")"
}

# jq-like: an SQL expression over the JSON in $OUT, as `j`.
out_json() {
	printf '%s\n' "$OUT" >"$T/.o.json"
	json_sql "$T/.o.json" "$1"
}

# The map's node NAME (field F) and edge FROM -> TO (field F), from $OUT.
node_f() {
	out_json "(SELECT json_extract(value, '\$.$2') FROM json_each(j, '\$.nodes') WHERE json_extract(value, '\$.name') = '$1')"
}
edge_f() {
	out_json "(SELECT json_extract(value, '\$.$3') FROM json_each(j, '\$.edges') WHERE json_extract(value, '\$.from') = '$1' AND json_extract(value, '\$.to') = '$2')"
}

# Orders (three canaries that succeed, one that dies), two product updates
# whose emitted product.flagged start two more canaries, a dead job that
# starts a manual task, and the built-in price-drop rule switched off.
scenario() {
	init_db
	rule orders <<'EOF'
[
 {"name": "order-canary", "on": "order.created", "group": "orders", "priority": 10,
  "then": [{"enqueue": {"kind": "system.canary", "max_attempts": 1,
                        "args": {"ms": 0, "fail_attempts": "{{payload.fail}}"}}}]},
 {"name": "order-quiet", "on": "order.created", "group": "orders", "priority": 1,
  "then": [{"emit": {"type": "x.quiet"}}]},
 {"name": "order-broken", "on": "order.created",
  "then": [{"enqueue": {"kind": "system.canary", "args": {"x": "{{payload.nope}}"}}}]},
 {"name": "flag", "on": "product.updated", "then": [{"emit": {"type": "product.flagged"}}]},
 {"name": "flagged-canary", "on": "product.flagged",
  "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]},
 {"name": "dead-follow-up", "on": "job.dead",
  "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "look at job {{payload.job_id}}"}}}]}
]
EOF
	operator tester
	run --db "$DB" rules disable price-drop-review
	assert_status 0
	emit_ok order.created --entity order --entity-id 1 --payload '{"fail": 0}' --count 3
	emit_ok order.created --entity order --entity-id 2 --payload '{"fail": 1}'
	emit_ok product.updated --entity product --entity-id 1 --count 2
	run_idle
	assert_sql "SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state" "dead|1
succeeded|6"
}

# --- map ------------------------------------------------------------------------

test_map_known_answer() {
	scenario
	run --db "$DB" map --format json
	assert_status 0
	assert_eq 3600000 "$(out_json "json_extract(j, '\$.window_ms')")" "window_ms"
	# every registered subsystem is a node: forecast -> supplier, marketing and
	# ingest, audit -> vision by their declared events; integration has no
	# connectors here, so only its dead jobs' edge to manual
	assert_eq "ingest integration audit forecast system marketing supplier vision manual" "$(out_json "(SELECT group_concat(json_extract(value, '\$.name'), ' ') FROM json_each(j, '\$.nodes'))")" "nodes by layer, then name"
	assert_eq "0 0 1 1 1 2 2 2 3" "$(out_json "(SELECT group_concat(json_extract(value, '\$.layer'), ' ') FROM json_each(j, '\$.nodes'))")" "layers"
	assert_eq "7 1 2 3 1 1 1 1 0" "$(out_json "(SELECT group_concat(json_extract(value, '\$.dependants'), ' ') FROM json_each(j, '\$.nodes'))")" "dependants"
	assert_eq "6|1|0.1667|6|4.0000|closed|0" \
		"$(node_f system jobs)|$(node_f system failed)|$(out_json "printf('%.4f', (SELECT json_extract(value, '\$.error_rate') FROM json_each(j, '\$.nodes') WHERE json_extract(value, '\$.name') = 'system'))")|$(node_f system events_out)|$(out_json "printf('%.4f', (SELECT json_extract(value, '\$.priority') FROM json_each(j, '\$.nodes') WHERE json_extract(value, '\$.name') = 'system'))")|$(node_f system breaker)|$(node_f system paused)" \
		"system: jobs, failed, error rate, events out, priority, breaker, paused"
	assert_eq "1|0|1|0.0" "$(node_f manual jobs)|$(node_f manual failed)|$(node_f manual events_out)|$(node_f manual priority)" "manual"
	assert_eq "source|0|8|0.0" "$(node_f ingest kind)|$(node_f ingest jobs)|$(node_f ingest events_out)|$(node_f ingest priority)" "ingest"
	# edges: merged per pair, with the emitted product.flagged followed
	assert_eq "audit>manual audit>vision forecast>manual forecast>marketing forecast>supplier ingest>audit ingest>forecast ingest>system ingest>vision integration>manual manual>manual marketing>manual supplier>manual supplier>supplier system>manual vision>manual vision>vision" \
		"$(out_json "(SELECT group_concat(json_extract(value, '\$.from') || '>' || json_extract(value, '\$.to'), ' ') FROM json_each(j, '\$.edges'))")" \
		"edges (price-drop-review is off: no ingest>manual)"
	assert_eq '["order.created","product.flagged"]|["flagged-canary","order-broken","order-canary"]|6|0.1' \
		"$(edge_f ingest system via)|$(edge_f ingest system rules)|$(edge_f ingest system events)|$(edge_f ingest system per_min)" "ingest -> system"
	assert_eq '["job.dead"]|["dead-follow-up"]|1' \
		"$(edge_f system manual via)|$(edge_f system manual rules)|$(edge_f system manual events)" "system -> manual"
	assert_eq '["source.ingested"]|["audit-after-ingest"]|0' \
		"$(edge_f ingest audit via)|$(edge_f ingest audit rules)|$(edge_f ingest audit events)" "ingest -> audit"
}

test_map_text_by_priority_and_dot() {
	scenario
	run --db "$DB" map
	assert_status 0
	assert_eq system "$(printf '%s\n' "$OUT" | sed -n 2p | awk '{print $1}')" "the first node is the highest priority"
	assert_out_contains "ingest -> system  0.10/min (6 events)  via order.created, product.flagged  rules flagged-canary, order-broken, order-canary"
	assert_out_contains "system -> manual  0.02/min (1 events)  via job.dead  rules dead-follow-up"
	assert_out_contains "ingest -> audit  0.00/min (0 events)  via source.ingested  rules audit-after-ingest"
	line=$(printf '%s\n' "$OUT" | grep '^system ')
	assert_eq "system subsystem 1 closed no 6 16.7% 0.10 1 4.00" "$(printf '%s\n' "$line" | tr -s ' ')" "the system row"
	run --db "$DB" map --format dot
	assert_status 0
	assert_out_contains 'digraph orrery {'
	assert_out_contains '"ingest" -> "system" [label="0.10/min"'
	assert_out_contains '"system" [label="system\n6 jobs, 17% failed"]'
	# the older view still draws
	run --db "$DB" subsystems --format dot
	assert_status 0
	assert_out_contains 'digraph orrery {'
}

test_map_window_leaves_older_traffic_out() {
	scenario
	run --db "$DB" map --window 1ms --format json
	assert_status 0
	assert_eq "0|0" "$(edge_f ingest system events)|$(node_f system jobs)" "a 1 ms window"
	run --db "$DB" map --window 7d --format json
	assert_eq "6|6" "$(edge_f ingest system events)|$(node_f system jobs)" "a 7 day window"
}

test_map_without_a_database() {
	run --db "$T/none.db" map --format json
	assert_status 0
	assert_no_file "$T/none.db"
	assert_eq 9 "$(out_json "json_array_length(j, '\$.nodes')")" "nodes"
	assert_eq "audit>vision forecast>marketing forecast>supplier ingest>audit ingest>forecast ingest>manual ingest>vision supplier>supplier vision>vision" \
		"$(out_json "(SELECT group_concat(json_extract(value, '\$.from') || '>' || json_extract(value, '\$.to'), ' ') FROM json_each(j, '\$.edges'))")" \
		"the built-in rules' edges"
	assert_eq 0 "$(node_f system jobs)" "no counts"
}

test_map_bad_input() {
	init_db
	run --db "$DB" map --window 5x
	assert_status 64
	assert_err_contains '"5x"'
	run --db "$DB" map --window 0
	assert_status 64
	assert_err_contains '"0"'
	run --db "$DB" map --window -1h
	assert_status 64
	run --db "$DB" map --format xml
	assert_status 64
	assert_err_contains 'xml'
	run --db "$DB" map extra
	assert_status 64
	run --db "$DB" map --help
	assert_status 0
	assert_out_contains '--window'
}

# --- rules: statistics, history, switches ---------------------------------------

test_rules_list_and_show_statistics() {
	scenario
	run --db "$DB" rules list --format json
	assert_status 0
	r() {
		out_json "(SELECT json_extract(value, '\$.$2') FROM json_each(j) WHERE json_extract(value, '\$.name') = '$1')"
	}
	assert_eq "1|4|4|0|0" "$(r order-canary enabled)|$(r order-canary fired_today)|$(r order-canary fired)|$(r order-canary suppressed)|$(r order-canary failed)" "order-canary"
	assert_eq "0|0|4|0|NULL" "$(r order-quiet fired_today)|$(r order-quiet fired)|$(r order-quiet suppressed)|$(r order-quiet failed)|$(r order-quiet last_fired_at)" "order-quiet"
	assert_eq "0|4" "$(r order-broken fired)|$(r order-broken failed)" "order-broken"
	assert_eq "1" "$(r dead-follow-up fired)" "dead-follow-up"
	assert_eq "0|tester" "$(r price-drop-review enabled)|$(r price-drop-review changed_by)" "switched off"
	assert_eq "$(sql "SELECT max(at) FROM firings WHERE rule = 'order-canary' AND outcome = 'fired'")" "$(r order-canary last_fired_at)" "last fired"
	run --db "$DB" rules list
	assert_status 0
	assert_out_contains "price-drop-review            disabled"
	assert_eq "today 4" "$(printf '%s\n' "$OUT" | grep '^order-canary ' | grep -o 'today [0-9]*')" "text: fired today"

	run --db "$DB" rules show order-canary --limit 2 --format json
	assert_status 0
	assert_eq 2 "$(out_json "json_array_length(j, '\$.firings')")" "--limit 2"
	assert_eq "$(sql "SELECT group_concat(id, ' ') FROM (SELECT id FROM firings WHERE rule = 'order-canary' ORDER BY id DESC LIMIT 2)")" \
		"$(out_json "(SELECT group_concat(json_extract(value, '\$.id'), ' ') FROM json_each(j, '\$.firings'))")" "newest first"
	assert_eq "fired|1|4" "$(out_json "json_extract(j, '\$.firings[0].outcome')")|$(out_json "json_extract(j, '\$.rule.enabled')")|$(out_json "json_extract(j, '\$.rule.fired')")" "show"
	assert_eq 1 "$(out_json "json_type(j, '\$.firings[0].actions') = 'array'")" "actions are JSON"
	src=$(out_json "json_extract(j, '\$.source')")
	case $src in *'"name": "order-canary"'*'"group": "orders"'*) ;; *) fail "source is not the rule's own text: $src" ;; esac
	run --db "$DB" rules show order-broken
	assert_status 0
	assert_out_contains "rule order-broken  enabled"
	assert_out_contains "failed 4"
	assert_out_contains "template: fact 'payload.nope' is missing"
	run --db "$DB" rules show price-drop-review
	assert_out_contains "rule price-drop-review  disabled (switched by tester at "
	assert_out_contains '"name": "price-drop-review"'
}

test_rules_switches_are_obeyed() {
	init_db
	rule tick <<'EOF'
{"name": "tick", "on": "x.tick", "then": [{"enqueue": {"kind": "system.canary", "args": {"ms": 0}}}]}
EOF
	operator ann
	run --db "$DB" rules disable tick --format json
	assert_status 0
	assert_eq "tick|0|ann" "$(out_json "json_extract(j, '\$.rule') || '|' || json_extract(j, '\$.enabled') || '|' || json_extract(j, '\$.changed_by')")" "disable, as JSON"
	assert_sql "SELECT name, enabled, changed_by FROM rule_overrides" "tick|0|ann"
	emit_ok x.tick --entity order --entity-id 1
	ev=$(sql "SELECT max(id) FROM events")
	run_idle
	assert_sql "SELECT count(*) FROM jobs" 0
	assert_sql "SELECT count(*) FROM firings" 0
	run --db "$DB" rules explain "$ev" --format json
	assert_status 0
	assert_eq disabled "$(out_json "(SELECT json_extract(value, '\$.verdict') FROM json_each(j, '\$.rules') WHERE json_extract(value, '\$.rule') = 'tick')")" "explain"
	# backtest: the rules in force (tick off) against a copy with tick on
	mkdir -p "$T/cand"
	cp "$T/rules/tick.json" "$T/cand/"
	run --db "$DB" rules backtest "$T/cand" --format json
	assert_status 0
	assert_eq "0|1" "$(out_json "json_extract(j, '\$.changed[0].current') || '|' || json_extract(j, '\$.changed[0].candidate')")" "backtest"
	# the map leaves a switched-off rule's flow out
	run --db "$DB" map --format json
	assert_eq NULL "$(edge_f ingest system rules)" "no edge for a switched-off rule"
	run --db "$DB" rules enable tick
	assert_status 0
	assert_out_contains "rule tick enabled by ann"
	run --db "$DB" rules enable tick
	assert_out_contains "(it already was)"
	emit_ok x.tick --entity order --entity-id 1
	run_idle
	assert_sql "SELECT rule, state FROM jobs" "tick|succeeded"
}

test_rules_switch_bad_input() {
	init_db
	run --db "$DB" rules enable
	assert_status 64
	assert_err_contains "which rule"
	run --db "$DB" rules disable ghost
	assert_status 66
	assert_err_contains '"ghost"'
	run --db "$DB" rules show ghost
	assert_status 66
	run --db "$DB" rules disable "x'; DROP TABLE rule_overrides;--"
	assert_status 66
	assert_sql "SELECT count(*) FROM rule_overrides" 0
	# the operator's name is data: stored as typed
	evil="o'brien\"; DROP TABLE rule_overrides;--"
	operator "$evil"
	run --db "$DB" rules disable price-drop-review
	assert_status 0
	assert_sql "SELECT changed_by FROM rule_overrides WHERE name = 'price-drop-review'" "$evil"
	run --db "$DB" rules show price-drop-review --limit x
	assert_status 64
	run --db "$DB" rules --help
	assert_status 0
	assert_out_contains "enable NAME"
}

# --- jobs history -----------------------------------------------------------------

test_jobs_history_known_answer() {
	scenario
	run --db "$DB" jobs enqueue system.canary --delay 1h --key later
	assert_status 0
	run --db "$DB" jobs enqueue system.canary --delay 1h --key cancel-me
	run --db "$DB" jobs cancel "$(sql "SELECT id FROM jobs WHERE idempotency_key = 'cancel-me'")"
	assert_status 0
	run --db "$DB" jobs history --format json
	assert_status 0
	assert_eq 300000 "$(out_json "json_extract(j, '\$.bucket_ms')")" "bucket_ms"
	for s in created started succeeded failed dead cancelled; do
		got="$got $s=$(out_json "(SELECT sum(value) FROM json_each(j, '\$.$s'))")/$(out_json "json_array_length(j, '\$.$s')")/$(out_json "json_extract(j, '\$.$s[11]')")"
	done
	# total / buckets / the newest bucket: everything happened just now
	assert_eq " created=9/12/9 started=7/12/7 succeeded=6/12/6 failed=0/12/0 dead=1/12/1 cancelled=1/12/1" "$got" "history"
	run --db "$DB" jobs history --bucket 1h --buckets 3 --format json
	assert_eq "3|3600000|9" "$(out_json "json_array_length(j, '\$.created') || '|' || json_extract(j, '\$.bucket_ms') || '|' || json_extract(j, '\$.created[2]')")" "--bucket 1h --buckets 3"
	run --db "$DB" jobs history
	assert_status 0
	assert_out_contains "jobs per 5m from "
	assert_eq "created 9" "$(printf '%s\n' "$OUT" | grep '^created' | awk '{print $1, $2}')" "text total"
}

test_jobs_history_bad_input() {
	init_db
	run --db "$DB" jobs history --bucket 7w
	assert_status 64
	assert_err_contains '"7w"'
	run --db "$DB" jobs history --buckets 0
	assert_status 64
	assert_err_contains "not 0"
	run --db "$DB" jobs history --buckets many
	assert_status 64
	assert_err_contains '"many"'
	run --db "$DB" jobs history --buckets 1001
	assert_status 64
	run --db "$DB" jobs history --format xml
	assert_status 64
	run --db "$DB" jobs history --format json
	assert_status 0
	assert_eq 0 "$(out_json "(SELECT sum(value) FROM json_each(j, '\$.created'))")" "an empty queue"
}
