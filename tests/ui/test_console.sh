# test_console.sh - the real console in a detached tmux session: start it at
# 80x24 on a fixture database, send keys, read the screen with capture-pane
# and check the effect of every action through the CLI afterwards.

# --- the harness ------------------------------------------------------------------

# ui_start [COLSxROWS] [console args...]: the console on $DB in tmux, on a
# private server socket in $T; stopped when the test ends, however it ends.
ui_start() {
	command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
	size=80x24
	case ${1:-} in *x*) size=$1; shift ;; esac
	UI_SOCK=$T/tmux.sock
	UI_N=${UI_N:-0}
	UI_N=$((UI_N + 1))
	UI_S=c$UI_N
	trap 'tmux -S "$UI_SOCK" kill-server 2>/dev/null' EXIT
	tmux -S "$UI_SOCK" -f /dev/null new-session -d -s "$UI_S" -x "${size%x*}" -y "${size#*x}" \
		"env TERM=${UI_TERM:-screen-256color} LANG=${UI_LANG:-C.UTF-8} LC_ALL=${UI_LANG:-C.UTF-8} ${UI_ENV:-} $ORRERY --db $DB console $* 2>$T/console.$UI_N.err; echo EXITED \$? >$T/console.$UI_N.exit; sleep 30"
	ui_wait "Approvals" || fail "the console did not draw its tab bar; screen: $(ui_screen)"
}

# ui_screen [SESSION]: the visible screen as text.
ui_screen() {
	tmux -S "$UI_SOCK" capture-pane -p -t "${1:-$UI_S}" 2>/dev/null
}

# ui_keys KEY...: tmux key names (Enter, Escape, Tab, Space, C-c) or text.
ui_keys() {
	tmux -S "$UI_SOCK" send-keys -t "$UI_S" "$@"
}

# ui_type TEXT: literal text, then nothing else.
ui_type() {
	tmux -S "$UI_SOCK" send-keys -t "$UI_S" -l -- "$1"
}

# ui_wait TEXT [TENTHS] [SESSION]: poll the screen until it shows TEXT.
ui_wait() {
	w=0
	while [ "$w" -lt "${2:-50}" ]; do
		ui_screen "${3:-}" | grep -qF -- "$1" && return 0
		sleep 0.1
		w=$((w + 1))
	done
	return 1
}

# ui_wait_gone TEXT [TENTHS]
ui_wait_gone() {
	w=0
	while [ "$w" -lt "${2:-50}" ]; do
		ui_screen | grep -qF -- "$1" || return 0
		sleep 0.1
		w=$((w + 1))
	done
	return 1
}

ui_expect() {
	ui_wait "$1" "${2:-50}" || fail "expected \"$1\" on the screen; it shows:
$(ui_screen)"
}

ui_expect_not() {
	ui_wait_gone "$1" "${2:-30}" || fail "expected no \"$1\" on the screen; it shows:
$(ui_screen)"
}

# A rule that asks a person before enqueuing a task, and N events for it.
with_approvals() {
	mkdir -p "$T/rules"
	cat >"$T/rules/review.json" <<'JSON'
{"name": "big-order-review", "on": "order.flagged",
 "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "Look at order {{payload.order}}"},
                       "approval": {"reason": "order {{payload.order}} looks odd"}}}]}
JSON
	init_db
	i=1
	while [ "$i" -le "$1" ]; do
		run --db "$DB" emit order.flagged --entity order --entity-id "$i" --payload "{\"order\": \"o-$i\"}"
		[ "$STATUS" -eq 0 ] || fail "emit: $ERR"
		i=$((i + 1))
	done
	run --db "$DB" run --until-idle --max-seconds 20
	[ "$STATUS" -eq 0 ] || fail "run: $ERR"
	assert_sql "SELECT count(*) FROM approvals WHERE state = 'pending'" "$1"
}

# --- the frame ---------------------------------------------------------------------

test_opens_with_the_six_panes_and_the_header() {
	init_db
	ui_start
	s=$(ui_screen)
	for pane in "1 Audit" "2 Map" "3 Rules" "4 Jobs" "5 KPIs" "6 Approvals (0)"; do
		printf '%s\n' "$s" | head -1 | grep -qF "$pane" || fail "tab \"$pane\" missing: $(printf '%s' "$s" | head -2)"
	done
	printf '%s\n' "$s" | sed -n 2p | grep -qF "/orrery.db" || fail "header lacks the database: $s"
	printf '%s\n' "$s" | sed -n 2p | grep -qF "operator" || fail "header lacks the operator"
	printf '%s\n' "$s" | sed -n 2p | grep -qF "orchestrator stopped" || fail "header lacks the orchestrator"
	printf '%s\n' "$s" | sed -n 2p | grep -Eq '[0-9]{2}:[0-9]{2}:[0-9]{2} UTC' || fail "header lacks the clock"
	printf '%s\n' "$s" | tail -1 | grep -qF "help" || fail "footer lacks help: $s"
	ui_expect "No audit yet"
}

test_number_keys_and_tab_switch_panes() {
	init_db
	ui_start
	ui_keys 4
	ui_expect "jobs: all states"
	ui_keys 3
	ui_expect "rules from the defaults"
	ui_expect "audit-after-ingest"
	ui_keys Tab
	ui_expect "jobs: all states"
	ui_keys 6
	ui_expect "Nothing waits for a decision"
	ui_keys 2
	ui_expect "integration map"
	ui_keys 5
	ui_expect "KPI"
}

test_help_is_generated_from_the_key_table() {
	init_db
	ui_start
	ui_keys 4 '?'
	ui_expect "Keys: Jobs pane"
	ui_expect "retry the job (or all marked)"
	ui_expect "kill the job to dead"
	ui_keys Escape
	ui_expect_not "Keys: Jobs pane"
}

test_read_only_disables_mutating_keys() {
	with_approvals 1
	ui_start --read-only
	ui_expect "[read-only]"
	ui_keys 6
	ui_expect "looks odd"
	ui_keys a
	ui_expect "read-only: approval.approve is disabled"
	assert_sql "SELECT state FROM approvals" "pending"
	ui_keys '?'
	ui_expect "greyed keys are off"
}

test_quit_ends_the_console() {
	init_db
	ui_start
	ui_keys q
	w=0
	while [ ! -e "$T/console.1.exit" ] && [ $w -lt 50 ]; do sleep 0.1; w=$((w + 1)); done
	assert_eq "EXITED 0" "$(cat "$T/console.1.exit" 2>/dev/null)" "exit of the console"
}

test_too_small_a_terminal_says_so() {
	init_db
	command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
	ui_start 80x24
	tmux -S "$UI_SOCK" resize-window -t "$UI_S" -x 60 -y 20
	ui_expect "needs 80x24; this terminal is 60x20"
	tmux -S "$UI_SOCK" resize-window -t "$UI_S" -x 80 -y 24
	ui_expect "1 Audit"
}

test_resize_to_200x50_and_back() {
	with_approvals 3
	ui_start
	ui_keys 6
	ui_expect "o-3 looks odd"
	tmux -S "$UI_SOCK" resize-window -t "$UI_S" -x 200 -y 50
	ui_wait "UTC" 30
	w=0
	# the clock sits at the right edge of the new width
	while [ $w -lt 30 ]; do
		line=$(ui_screen | sed -n 2p)
		[ "${#line}" -ge 190 ] && break
		sleep 0.1; w=$((w + 1))
	done
	[ "${#line}" -ge 190 ] || fail "header not laid out at 200 columns: ${#line}: $line"
	[ "$(ui_screen | wc -l)" -eq 50 ] || fail "screen not 50 rows"
	ui_screen | tail -1 | grep -qF "approve" || fail "footer not at the bottom after resize"
	tmux -S "$UI_SOCK" resize-window -t "$UI_S" -x 80 -y 24
	ui_expect "o-3 looks odd"
	line=$(ui_screen | sed -n 2p)
	[ "${#line}" -le 80 ] || fail "header wider than 80 after resize back"
}

test_every_pane_at_300x100() {
	with_approvals 2
	ui_start 300x100
	for k in 1 2 3 4 5 6; do
		ui_keys "$k"
		sleep 0.3
		[ "$(ui_screen | wc -l)" -eq 100 ] || fail "pane $k: not 100 rows"
		ui_screen | tail -1 | grep -qF "quit" || fail "pane $k: no key bar at the bottom"
	done
	ui_expect "o-2 looks odd"
	line=$(ui_screen | sed -n 2p)
	[ "${#line}" -ge 290 ] || fail "header not laid out at 300 columns: ${#line}"
}

test_filter_and_inverted_filter() {
	with_approvals 3
	ui_start
	ui_keys 6
	ui_expect "o-2 looks odd"
	ui_keys /
	ui_type "o-2"
	ui_keys Enter
	ui_expect "1 of 3 rows"
	ui_expect_not "o-1 looks odd"
	ui_expect "o-2 looks odd"
	ui_keys /
	ui_keys C-u
	ui_type "!o-2"
	ui_keys Enter
	ui_expect "o-1 looks odd"
	ui_expect_not "o-2 looks odd"
}

# --- approvals ---------------------------------------------------------------------

test_approve_is_recorded_with_the_operator() {
	with_approvals 2
	ui_start
	ui_keys 6
	ui_expect "o-2 looks odd"
	ui_keys a
	ui_expect "approved 2: job"
	assert_sql "SELECT state, decided_by IS NOT NULL, job_id IS NOT NULL FROM approvals WHERE id = 2" "approved|1|1"
	run --db "$DB" approvals show 2 --format json
	assert_out_contains '"state": "approved"'
	assert_sql "SELECT state FROM approvals WHERE id = 1" "pending"
	ui_expect "6 Approvals (1)"
}

test_reject_marked_with_a_note() {
	with_approvals 3
	ui_start
	ui_keys 6
	ui_expect "o-3 looks odd"
	ui_keys Space Space
	ui_keys x
	ui_expect "Reject 2 approvals"
	ui_type "dup; DROP TABLE approvals; --"
	ui_keys Enter
	ui_expect "6 Approvals (1)"
	assert_sql "SELECT group_concat(id || ':' || state, ' ') FROM approvals" "1:pending 2:rejected 3:rejected"
	assert_sql "SELECT DISTINCT note FROM approvals WHERE state = 'rejected'" "dup; DROP TABLE approvals; --"
}

test_decision_in_one_console_shows_in_the_other() {
	with_approvals 2
	ui_start
	first=$UI_S
	ui_start
	second=$UI_S
	UI_S=$second
	ui_keys 6
	ui_expect "o-2 looks odd"
	UI_S=$first
	ui_keys 6
	ui_expect "o-2 looks odd"
	ui_keys a
	ui_expect "approved 2"
	UI_S=$second
	# the other console reloads each second
	ui_expect "6 Approvals (1)" 25
	ui_expect_not "o-2 looks odd" 25
	UI_S=$second
	ui_keys a
	ui_expect "approved 1"
	assert_sql "SELECT count(*) FROM approvals WHERE state = 'approved'" 2
}

test_enter_shows_the_whole_approval() {
	with_approvals 1
	ui_start
	ui_keys 6
	ui_expect "o-1 looks odd"
	ui_keys Enter
	ui_expect "approval 1"
	ui_expect '"kind": "manual.task"'
	ui_keys Escape
	ui_expect "o-1 looks odd"
}

# --- jobs ----------------------------------------------------------------------------

test_jobs_kill_asks_and_retry_brings_back() {
	init_db
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --count 3 --key k
	[ "$STATUS" -eq 0 ] || fail "enqueue: $ERR"
	ui_start
	ui_keys 4
	ui_expect "system.canary"
	ui_expect "queued         3"
	ui_keys k
	ui_expect "Kill (to dead) job 3?"
	ui_keys n
	ui_expect "cancelled"
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'dead'" 0
	ui_keys Space Space
	ui_keys k
	ui_expect "2 marked jobs?"
	ui_keys y
	ui_expect "killed 2 of 2"
	assert_sql "SELECT group_concat(id || ':' || state, ' ') FROM jobs" "1:queued 2:dead 3:dead"
	ui_keys Home R
	ui_expect "job 3 retried"
	assert_sql "SELECT state FROM jobs WHERE id = 3" "queued"
}

test_jobs_state_filter_and_details() {
	init_db
	run --db "$DB" jobs enqueue system.canary --args '{"permanent": true, "fail_attempts": 9}' --key bad
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --key good
	run --db "$DB" run --until-idle --max-seconds 20
	ui_start
	ui_keys 4
	ui_expect "dead"
	ui_keys s s s s
	ui_expect "jobs: dead (newest 1 shown"
	ui_keys Enter
	ui_expect "job 1"
	ui_expect '"last_error"'
}

test_orchestrator_runs_in_process() {
	init_db
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --count 5 --key o
	ui_start
	ui_keys 4 o
	ui_expect "orchestrator running here"
	ui_expect "done/1h        5" 80
	ui_keys o
	ui_expect "orchestrator stopped" 80
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'succeeded'" 5
}

test_pause_a_subsystem_from_the_jobs_pane() {
	init_db
	run --db "$DB" jobs enqueue system.canary --key p
	ui_start
	ui_keys 4
	ui_expect "system.canary"
	ui_keys p
	ui_expect "subsystem system paused"
	run --db "$DB" subsystems --format json
	assert_out_contains '"paused": true'
	ui_keys p
	ui_expect "subsystem system resumed"
}

# --- the command line, the log --------------------------------------------------------

test_command_line_runs_cli_commands() {
	init_db
	run --db "$DB" jobs enqueue system.canary --count 2 --key x
	ui_start
	ui_keys :
	ui_type "jobs cancel --state queued"
	ui_keys Enter
	ui_expect "(exit 0)"
	ui_expect "2 jobs cancelled"
	assert_sql "SELECT count(*) FROM jobs WHERE state = 'cancelled'" 2
	ui_keys Escape L
	ui_expect "what the console did on your behalf"
	ui_expect ":jobs cancel --state queued"
}

# --- audit, rules, map, KPIs ------------------------------------------------------------

test_audit_runs_in_the_background_and_drills_to_rows() {
	init_db
	ingest_ok "$FIX/olist/olist_products_dataset.csv"
	ui_start
	ui_keys r
	ui_expect "audit run 1 at"
	ui_expect "product_title_missing" 30
	ui_keys Enter
	ui_expect "failing rows of finding"
	ui_expect "olist_products_dataset.csv"
	ui_keys Escape
	ui_expect "score 88.6, 4 findings"
	assert_sql "SELECT count(*) FROM audit_runs WHERE finished_at IS NOT NULL" 1
}

test_rule_toggle_is_kept_in_the_database() {
	init_db
	ui_start
	ui_keys 3
	ui_expect "price-drop-review"
	# other subsystems' default rules sort around it: find it by name
	ui_keys /
	ui_type price-drop
	ui_keys Enter
	ui_keys e
	ui_expect "rule price-drop-review disabled"
	assert_sql "SELECT name, enabled FROM rule_overrides" "price-drop-review|0"
	run --db "$DB" rules list
	assert_out_contains "price-drop-review"
	ui_keys Enter
	ui_expect '"explain_latest_event": "no event of this type is stored yet"'
	ui_expect '"recent_firings": []'
	ui_keys End
	ui_expect 'price_minor.from}}'
}

test_map_draws_boxes_and_lists_by_priority() {
	init_db
	ui_start 120x30
	ui_keys 2
	ui_expect "ingest"
	ui_expect "audit"
	ui_expect "/m"
	ui_keys v
	ui_expect "PRIORITY"
}

test_map_list_and_drawing_at_80x24() {
	init_db
	ui_start 80x24
	ui_keys 2
	ui_expect "ingest"
	ui_keys v
	ui_expect "PRIORITY"
	ui_keys Enter
	ui_expect '"dependants"'
	ui_keys Escape v
	ui_expect_not "PRIORITY"
}

test_kpis_pane_saves_a_baseline() {
	init_db
	ui_start
	ui_keys 5 s Enter
	ui_expect "no KPI samples yet: nothing to save"
	run --db "$DB" jobs enqueue system.canary --args '{"ms": 0}' --count 3 --key k
	run --db "$DB" run --until-idle --max-seconds 20
	[ "$STATUS" -eq 0 ] || fail "run: $ERR"
	ui_keys 5
	ui_expect "no baseline yet"
	ui_keys s
	ui_expect "save a baseline"
	ui_keys C-u
	ui_type "before-rollout"
	ui_keys Enter
	ui_expect "baseline before-rollout saved"
	ui_expect "against baseline before-rollout" 40
	run --db "$DB" kpi baseline list --format json
	assert_out_contains "before-rollout"
}

# --- terminals --------------------------------------------------------------------------

test_ascii_when_the_locale_is_not_utf8() {
	with_approvals 1
	UI_LANG=C ui_start
	ui_keys 4
	ui_expect "jobs: all states"
	ui_screen | grep -q "$(printf '\342\224\202')" && fail "Unicode line drawing in the C locale: $(ui_screen | sed -n 2p)"
	ui_screen | sed -n 2p | grep -qF "|" || fail "no ASCII separator in the header: $(ui_screen | sed -n 2p)"
}

test_no_color_draws_without_colours() {
	init_db
	UI_ENV="NO_COLOR=1" ui_start
	colours=$(tmux -S "$UI_SOCK" capture-pane -p -e -t "$UI_S" | grep -c "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[4[0-7]m" || true)
	assert_eq 0 "$colours" "lines with colour escapes under NO_COLOR"
	ui_keys q
}

test_frames_renders_and_exits_without_a_terminal() {
	init_db
	TERM=xterm run --db "$DB" console --frames 3 --keys "4?\\e6"
	assert_status 0
	case $OUT in *Approvals*) ;; *) fail "no frame drawn: $(printf '%s' "$OUT" | head -c 300)" ;; esac
}

test_console_on_a_missing_database_is_66() {
	run --db "$T/none.db" console --frames 1
	assert_status 66
	assert_err_contains "no database at"
	assert_no_file "$T/none.db"
}

test_orrery_with_no_command_on_a_terminal_opens_the_console() {
	init_db
	command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
	UI_SOCK=$T/tmux.sock
	UI_S=bare
	trap 'tmux -S "$UI_SOCK" kill-server 2>/dev/null' EXIT
	tmux -S "$UI_SOCK" -f /dev/null new-session -d -s bare -x 80 -y 24 \
		"env TERM=screen LANG=C.UTF-8 ORRERY_DB=$DB $ORRERY; sleep 30"
	ui_expect "6 Approvals (0)"
	ui_keys q
}

test_rules_backtest_shows_what_a_candidate_would_do() {
	init_db
	run --db "$DB" emit order.flagged --entity order --entity-id 1 --payload '{"order": "o-1"}'
	mkdir -p "$T/candidate"
	cat >"$T/candidate/flag.json" <<'JSON'
{"name": "flag-review", "on": "order.flagged",
 "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "flagged {{payload.order}}"}}}]}
JSON
	ui_start
	ui_keys 3 b
	ui_expect "backtest rules file or directory:"
	ui_keys C-u
	ui_type "$T/candidate"
	ui_keys Enter
	ui_expect ":rules backtest  (exit 0)"
	ui_expect "flag-review"
	assert_sql "SELECT count(*) FROM jobs" 0
}

# --- what the review found ------------------------------------------------------------

test_a_confirmation_acts_on_the_rows_it_named() {
	with_approvals 3
	ui_start
	ui_keys 6
	ui_expect "o-3 looks odd"
	ui_keys x
	ui_expect "Reject approval 3"
	# approval 3 is decided elsewhere while the question is open
	run --db "$DB" approvals approve 3
	[ "$STATUS" -eq 0 ] || fail "approve 3: $ERR"
	ui_expect_not "o-3 looks odd" 30
	ui_type "too late"
	ui_keys Enter
	ui_expect "approval 3: approval 3 was already approved by"
	assert_sql "SELECT group_concat(id || ':' || state, ' ') FROM approvals" "1:pending 2:pending 3:approved"
}

test_keys_of_a_hidden_pane_do_nothing_under_help_or_a_view() {
	with_approvals 1
	ui_start
	ui_keys 6 '?'
	ui_expect "Keys: Approvals pane"
	ui_keys a
	ui_expect "close the help first"
	ui_keys Escape Enter
	ui_expect "approval 1"
	ui_keys a
	ui_expect "close the view first"
	assert_sql "SELECT state FROM approvals" "pending"
}

test_command_line_refuses_console_and_run() {
	init_db
	ui_start
	ui_keys :
	ui_type "--log-format text"
	ui_keys Enter
	ui_expect "(exit 64)"
	ui_keys Escape :
	ui_type "run --until-idle"
	ui_keys Enter
	ui_expect "run is the o key in the console"
}

test_audit_from_the_command_line_keeps_the_screen() {
	init_db
	ingest_ok "$FIX/olist/olist_products_dataset.csv"
	command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
	UI_SOCK=$T/tmux.sock
	UI_S=tty
	trap 'tmux -S "$UI_SOCK" kill-server 2>/dev/null' EXIT
	# stderr on the terminal, as an operator runs it
	tmux -S "$UI_SOCK" -f /dev/null new-session -d -s tty -x 80 -y 24 \
		"env TERM=screen LANG=C.UTF-8 $ORRERY --db $DB console; sleep 30"
	ui_expect "1 Audit"
	ui_keys :
	ui_type "audit"
	ui_keys Enter
	ui_expect ":audit  (exit 0)" 80
	ui_screen | head -1 | grep -qF "1 Audit" || fail "the tab bar scrolled away: $(ui_screen | head -3)"
	ui_screen | grep -qF "checks (" && fail "progress written over the console: $(ui_screen)"
	return 0
}

test_marks_hidden_by_the_filter_are_said_and_kept() {
	init_db
	run --db "$DB" jobs enqueue system.canary --count 2 --key a
	run --db "$DB" jobs enqueue audit.run --key b
	ui_start
	ui_keys 4
	ui_expect "audit.run"
	ui_keys End Space
	ui_expect "1 marked"
	ui_keys /
	ui_type "audit"
	ui_keys Enter
	ui_expect "1 of 3 rows"
	ui_keys Space
	ui_expect "2 marked (1 hidden by the filter)"
	ui_keys c
	ui_expect "Cancel job 3?"
	ui_keys y
	ui_expect "job 3 cancelled"
	assert_sql "SELECT group_concat(id || ':' || state, ' ') FROM jobs" "1:queued 2:queued 3:cancelled"
	ui_expect "1 marked (1 hidden by the filter)" 100
}

test_failing_row_opens_its_record() {
	init_db
	ingest_ok "$FIX/olist/olist_products_dataset.csv"
	run --db "$DB" audit run
	ui_start
	ui_expect "product_title_missing"
	ui_keys Enter
	ui_expect "products without a title"
	ui_keys Enter
	ui_expect '"origin": "olist"'
}

test_approvals_pane_shows_a_purchase_orders_forecast_and_arithmetic() {
	with_approvals 1
	ingest_ok "$FIX/supplier/catalog.jsonl"
	run --db "$DB" supplier terms "$FIX/supplier/terms.csv"
	v=$(sql "SELECT id FROM variants WHERE sku = '85123A'")
	run --db "$DB" emit stockout.risk --entity variant --entity-id "$v" --payload "{\"sku\":\"85123A\",\"variant_id\":$v,\"on_hand\":12,\"daily_mean\":3.2,\"daily_sd\":1.1,\"lead_time_days\":7,\"lead_time_sd\":2,\"z\":1.645,\"safety_stock\":11.57,\"reorder_point\":33.97,\"order_up_to\":600,\"model\":\"ets_aan\",\"forecast\":[3.1,3.2,3.4,3.6],\"lo\":[1.0,1.1,0.9,0.7],\"hi\":[5.2,5.3,5.9,6.5],\"level\":0.9}"
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT count(*) FROM approvals WHERE state = 'pending' AND entity = 'purchase_order'" 1
	ui_start 120x30
	ui_keys 6
	# the newest approval, the order, is under the cursor
	ui_expect "588 x 85123A from candle-works  617.40 GBP  (proposed)  forecast by ets_aan, 90% interval, 4 days"
	ui_expect "mean  ▄▄▄▅ 3.1/day"
	ui_expect "hi    ▆▇▇█ 5.2"
	ui_expect "lo    ▁▁▁▁ 1.0"
	ui_expect "Lead-time demand = 3.20 x 7.00 = 22.4 units."
	ui_expect "Order-up-to 600.0 - on hand 12 - on order 0 = 588.0 units"
	# another approval has no order to show
	ui_keys Down
	ui_expect_not "Lead-time demand"
	ui_keys Up
	ui_expect "Lead-time demand"
	ui_keys a
	ui_expect "approved 2: job"
	run --db "$DB" run --until-idle --max-seconds 20
	assert_sql "SELECT state, approved_by FROM purchase_orders" "delivered|$(id -un)"
}
