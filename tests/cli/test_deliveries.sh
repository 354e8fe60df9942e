# tests/cli/test_deliveries.sh - connectors.json checking, the delivery log
# (`deliveries list|show|replay`), `connectors`, and what the fan-out
# delivers.  The receiving end is tests/tools/faultsrv on 127.0.0.1.

SIGNING=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

setup() {
	init_db
	printf '{"hooks": {"signing": "%s"}}\n' "$SIGNING" >"$T/secrets.json"
	chmod 600 "$T/secrets.json"
}

# hook PATH EVENTS-JSON: connectors.json with the webhook connector "hook".
hook() {
	printf '{"connectors": [{"name": "hook", "kind": "webhook", "url": "%s%s", "secret": "hooks.signing", "events": %s}]}\n' \
		"$FS" "$1" "$2" >"$T/connectors.json"
}

# refused TEXT: connectors.json holding TEXT stops a command with 65.
refused() {
	printf '%s\n' "$1" >"$T/connectors.json"
	run --db "$DB" deliveries
	assert_status 65
	assert_err_contains "$T/connectors.json:"
}

test_unknown_key_is_refused_naming_file_line_and_key() {
	setup
	refused '{"connectors": [{"name": "a", "kind": "webhook", "url": "https://x.example/h",
  "auth": "none", "events": ["x"], "urll": 1}]}'
	assert_err_contains "connectors.json:2:36: connectors[0] \"a\": \"urll\": unknown key"
}

test_bad_values_are_refused_with_their_key() {
	setup
	refused '{"connectors": [{"name": "a", "kind": "webhook", "url": "http://x.example/h", "auth": "none", "events": ["x"]}]}'
	assert_err_contains '"url": plain http is allowed only to the loopback interface'
	refused '{"connectors": [{"name": "a", "kind": "ftp", "url": "https://x.example"}]}'
	assert_err_contains '"kind": must be one of "webhook", "shopify"'
	refused '{"connectors": [{"name": "a", "kind": "webhook", "url": "https://x.example", "auth": "none", "events": ["x"], "timeout": "soon"}]}'
	assert_err_contains '"timeout": must be a duration'
	refused '{"connectors": [{"name": "a", "kind": "webhook", "url": "https://x.example", "auth": "none", "events": ["x"], "retry": {"max_attempts": 0}}]}'
	assert_err_contains '"max_attempts": must be an integer from 1 to 50'
	refused '{"connectors": [{"name": "a", "kind": "webhook", "url": "https://x.example", "events": ["x"]}]}'
	assert_err_contains 'needs "secret"'
	refused '{"connectors": [{"name": "a", "kind": "webhook", "url": "https://x.example", "auth": "none"}]}'
	assert_err_contains 'a webhook connector needs "events"'
	refused '{"connectors": [{"name": "Bad Name", "kind": "webhook"}]}'
	assert_err_contains '"name" is required'
	refused '{"connectors": [{"name": "a", "kind": "webhook", "url": "https://x.example", "auth": "none", "events": ["x"]},
  {"name": "a", "kind": "webhook", "url": "https://x.example", "auth": "none", "events": ["x"]}]}'
	assert_err_contains 'a second connector of this name'
	refused '{"connectors": [}'
	assert_err_contains 'not valid JSON'
}

test_a_bad_connectors_file_changes_nothing() {
	setup
	before=$(db_state)
	refused '{"connectors": 3}'
	run --db "$DB" emit order.created
	assert_status 65
	assert_eq "$before" "$(db_state)" "database"
}

test_missing_secret_kills_the_delivery_without_quoting_secrets() {
	setup
	start_faultsrv
	printf '{"connectors": [{"name": "hook", "kind": "webhook", "url": "%s/ok", "secret": "hooks.nope", "events": ["order.*"]}]}\n' \
		"$FS" >"$T/connectors.json"
	run --db "$DB" emit order.created --entity order --entity-id 1
	run --db "$DB" run --until-idle --max-seconds 20
	assert_status 0
	assert_sql "SELECT state, attempts FROM deliveries" "dead|0"
	assert_sql "SELECT last_error LIKE '%secret \"hooks.nope\" is not in%' FROM deliveries" "1"
	assert_eq 0 "$(wc -c <"$T/rec.jsonl" | tr -d ' ')" "bytes received by the server"
	run --db "$DB" deliveries show 1
	assert_out_not_contains "$SIGNING"
	assert_sql "SELECT count(*) FROM jobs WHERE last_error LIKE '%MfKQ9r8%'" "0"
}

test_only_subscribed_events_are_delivered_and_never_job_outcomes() {
	setup
	start_faultsrv
	hook /ok '["order.created", "job.*"]'
	run --db "$DB" emit order.created --entity order --entity-id 1
	run --db "$DB" emit customer.created --entity customer --entity-id 2
	run --db "$DB" run --until-idle --max-seconds 20
	assert_status 0
	# the delivery job's own job.succeeded is not delivered (no loop)
	assert_sql "SELECT event_type, state FROM deliveries" "order.created|delivered"
	run --db "$DB" emit order.created --entity order --entity-id 3
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT count(*) FROM deliveries" "2"
}

test_events_before_a_connector_exists_are_not_delivered() {
	setup
	run --db "$DB" emit order.created --entity order --entity-id 1
	run --db "$DB" run --until-idle --max-seconds 20
	assert_status 0
	start_faultsrv
	hook /ok '["order.*"]'
	run --db "$DB" emit order.created --entity order --entity-id 2
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT event_id, state FROM deliveries" "2|delivered"
}

test_list_show_and_json() {
	setup
	start_faultsrv
	hook /ok '["order.*"]'
	run --db "$DB" emit order.created --entity order --entity-id 1 --count 3
	run --db "$DB" run --until-idle --max-seconds 20
	run --db "$DB" deliveries list --state delivered
	assert_status 0
	assert_out_contains "delivered"
	assert_eq 4 "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" "lines (header and 3)"
	run --db "$DB" deliveries list --format json --limit 2
	assert_status 0
	assert_json_valid "$T/.out"
	assert_eq 2 "$(jq length "$T/.out")" "rows"
	assert_eq "msg_hook_3" "$(jq -r '.[0].msg_id' "$T/.out")" "newest first"
	run --db "$DB" deliveries show 1 --format json
	assert_status 0
	assert_eq "200" "$(jq -r '.calls[0].status' "$T/.out")" "the call"
	run --db "$DB" deliveries show 99
	assert_status 66
	assert_err_contains "no delivery 99"
	run --db "$DB" deliveries list --state lost
	assert_status 64
	run --db "$DB" deliveries frob
	assert_status 64
	run --db "$DB" deliveries --help
	assert_status 0
	assert_out_contains "replay ID"
}

test_replay_sends_a_dead_delivery_again_with_the_same_id() {
	setup
	start_faultsrv
	hook /status/400 '["order.*"]'
	run --db "$DB" emit order.created --entity order --entity-id 1
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT state FROM deliveries" "dead"
	hook /ok '["order.*"]'
	run --db "$DB" deliveries replay 1
	assert_status 0
	assert_out_contains "queued again"
	run --db "$DB" deliveries replay 1
	assert_status 64
	assert_err_contains "pending already"
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT state, attempts, replays FROM deliveries" "delivered|2|1"
	assert_eq "msg_hook_1
msg_hook_1" "$(jq -r '.headers["webhook-id"]' "$T/rec.jsonl")" "webhook-ids"
	run --db "$DB" deliveries replay 7
	assert_status 66
}

test_connectors_list_shows_state_and_traffic() {
	setup
	start_faultsrv
	hook /ok '["order.*"]'
	run --db "$DB" emit order.created --entity order --entity-id 1
	run --db "$DB" run --until-idle --max-seconds 20
	run --db "$DB" connectors --format json
	assert_status 0
	assert_json_valid "$T/.out"
	assert_eq "hook|closed|1|1|false" "$(jq -r '.[0] | "\(.name)|\(.breaker)|\(.calls_1h)|\(.ok_1h)|\(.disabled)"' "$T/.out")" "connector"
	assert_out_not_contains "$SIGNING"
	run --db "$DB" connectors enable nosuch
	assert_status 64
	run --db "$DB" connectors pull hook products
	assert_status 0
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT state, last_error LIKE '%not a shopify connector%' FROM jobs WHERE kind = 'integration.pull'" "dead|1"
}

test_map_shows_connectors_with_measured_calls() {
	setup
	start_faultsrv
	hook /flaky/1/x '["order.*"]'
	run --db "$DB" emit order.created --entity order --entity-id 1
	run --db "$DB" run --until-idle --max-seconds 20
	run --db "$DB" map --format json
	assert_status 0
	assert_json_valid "$T/.out"
	assert_eq "connector|webhook" "$(jq -r '.nodes[] | select(.name == "hook") | "\(.kind)|\(.connector)"' "$T/.out")" "node"
	assert_eq "2|0.5|closed" "$(jq -r '.edges[] | select(.from == "integration" and .to == "hook") | "\(.calls)|\(.success_rate)|\(.breaker)"' "$T/.out")" "edge"
	assert_eq "number" "$(jq -r '.edges[] | select(.to == "hook") | .p95_ms | type' "$T/.out")" "p95"
	assert_eq "order.created,order.updated" "$(jq -r '.edges[] | select(.from == "ingest" and .to == "integration") | .via | join(",")' "$T/.out")" "subscribed flow"
	run --db "$DB" map
	assert_out_contains "integration -> hook"
	assert_out_contains "ok 50.0%"
	run --db "$DB" map --format dot
	assert_out_contains '"hook" [label="hook\n2 calls, 50% failed", shape=component]'
	assert_out_contains '"integration" -> "hook"'
}

test_operator_job_actions_keep_deliveries_consistent() {
	setup
	start_faultsrv
	hook /status/400 '["order.*"]'
	run --db "$DB" emit order.created --entity order --entity-id 1
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT state FROM deliveries" "dead"
	# `jobs retry` of the dead delivery job sends it again
	hook /ok '["order.*"]'
	run --db "$DB" jobs retry --state dead --kind 'integration.*'
	assert_status 0
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT state, attempts FROM deliveries" "delivered|2"
	# a cancelled delivery job leaves it pending: it can be replayed
	run --db "$DB" subsystems pause integration
	assert_status 0
	run --db "$DB" emit order.created --entity order --entity-id 2
	run --db "$DB" run --max-seconds 2
	assert_sql "SELECT d.state, j.state FROM deliveries d JOIN jobs j ON j.id = d.job_id WHERE d.id = 2" "pending|queued"
	run --db "$DB" deliveries replay 2
	assert_status 64
	run --db "$DB" jobs cancel --kind 'integration.*'
	assert_status 0
	run --db "$DB" subsystems resume integration
	run --db "$DB" deliveries replay 2
	assert_status 0
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT state FROM deliveries WHERE id = 2" "delivered"
}
