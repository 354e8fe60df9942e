# test_console_vision.sh - before/after previews of image jobs in the
# console's Approvals pane, in a detached tmux session: Unicode half blocks
# in 256 colours in a UTF-8 locale, ASCII shading without one, nothing for
# approvals that are not image jobs.  (The harness is test_console.sh's.)

ui_start() {
	command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
	size=100x40
	case ${1:-} in *x*) size=$1; shift ;; esac
	UI_SOCK=$T/tmux.sock
	UI_S=v1
	trap 'tmux -S "$UI_SOCK" kill-server 2>/dev/null' EXIT
	tmux -S "$UI_SOCK" -f /dev/null new-session -d -s "$UI_S" -x "${size%x*}" -y "${size#*x}" \
		"env TERM=${UI_TERM:-screen-256color} LANG=${UI_LANG:-C.UTF-8} LC_ALL=${UI_LANG:-C.UTF-8} $ORRERY --db $DB --rules $T/rules console $* 2>$T/console.err; echo EXITED \$? >$T/console.exit; sleep 30"
	ui_wait "Approvals" || fail "the console did not draw its tab bar; screen: $(ui_screen)"
}

ui_screen() {
	tmux -S "$UI_SOCK" capture-pane -p -t "$UI_S" 2>/dev/null
}

# The screen with its colours, as escape sequences.
ui_screen_ansi() {
	tmux -S "$UI_SOCK" capture-pane -e -p -t "$UI_S" 2>/dev/null
}

ui_keys() {
	tmux -S "$UI_SOCK" send-keys -t "$UI_S" "$@"
}

ui_wait() {
	w=0
	while [ "$w" -lt "${2:-50}" ]; do
		ui_screen | grep -qF -- "$1" && return 0
		sleep 0.1
		w=$((w + 1))
	done
	return 1
}

ui_expect() {
	ui_wait "$1" "${2:-50}" || fail "expected \"$1\" on the screen; it shows:
$(ui_screen)"
}

# A product with a local photo and a rule that asks a person before
# rendering it on amazon-main; one event, so one pending approval.  With
# "asset" the job names the source asset (as the audit's fix does), else
# the product.
with_image_approval() {
	mkdir -p "$T/rules"
	target='"product_id": "{{payload.product_id}}"'
	[ "${1:-}" = asset ] && target='"asset_ids": ["{{payload.asset_id}}"]'
	cat >"$T/rules/fix.json" <<JSON
{"name": "fix-image", "on": "image.flagged",
 "then": [{"enqueue": {"kind": "vision.marketplace",
                       "args": {$target, "preset": "amazon-main"},
                       "approval": {"reason": "rebuild the image of product {{payload.product_id}}"}}}]}
JSON
	init_db
	printf '{"table": "products", "key": "brick", "title": "Yoga brick", "photos": 0}\n{"table": "assets", "product_key": "brick", "kind": "source", "uri": "%s"}\n' \
		"$FIX/vision/luma-yoga-brick.jpg" >"$T/p.jsonl"
	ingest_ok "$T/p.jsonl"
	run --db "$DB" --rules "$T/rules" emit image.flagged --payload '{"product_id": 1, "asset_id": 1}'
	[ "$STATUS" -eq 0 ] || fail "emit: $ERR"
	run --db "$DB" --rules "$T/rules" run --until-idle --max-seconds 30
	[ "$STATUS" -eq 0 ] || fail "run: $ERR"
	assert_sql "SELECT count(*) FROM approvals WHERE state = 'pending'" 1
}

test_image_approval_shows_before_and_after_in_256_colours() {
	with_image_approval
	ui_start
	ui_keys 6
	ui_expect "rebuild the image of product 1"
	ui_expect "after" 100
	ui_expect "vision.marketplace" 100
	s=$(ui_screen)
	printf '%s\n' "$s" | grep -q "before" || fail "no before preview: $s"
	printf '%s\n' "$s" | grep -qF "luma-yoga-brick.jpg" || fail "the before preview does not name its file: $s"
	a=$(ui_screen_ansi)
	n=$(printf '%s\n' "$a" | grep -o '▀' | wc -l)
	[ "$n" -ge 200 ] || fail "only $n half blocks drawn: $s"
	printf '%s\n' "$a" | grep -q '38;5;[0-9]*' || fail "no 256-colour foreground in the previews"
	printf '%s\n' "$a" | grep -q '48;5;[0-9]*' || fail "no 256-colour background in the previews"
	# the brick is blue: some cell mixes a blue of the xterm cube
	printf '%s\n' "$a" | grep -qE '[34]8;5;(2[0-9]|3[0-9]|6[0-9]|7[0-5])m' || fail "no blue in the previews"
	# approving still works with the previews shown
	ui_keys a
	ui_expect "6 Approvals (0)"
	assert_sql "SELECT state FROM approvals" "approved"
}

test_ascii_shading_without_utf8() {
	with_image_approval asset
	UI_LANG=C ui_start
	ui_keys 6
	ui_expect "rebuild the image of product 1"
	ui_expect "vision.marketplace" 100
	s=$(ui_screen)
	if printf '%s' "$s" | LC_ALL=C grep -q '[^ -~]'; then
		fail "non-ASCII bytes on the screen: $s"
	fi
	printf '%s\n' "$s" | grep -qF "luma-yoga-brick.jpg" || fail "the before preview (from the asset) does not name its file: $s"
	# white backgrounds shade as the densest character, the product lighter
	n=$(printf '%s\n' "$s" | grep -o '@' | wc -l)
	[ "$n" -ge 100 ] || fail "only $n '@' cells: $s"
	printf '%s\n' "$s" | grep -qE '[.:=+*#%-]' || fail "no shading of the product: $s"
}

test_no_preview_for_other_approvals() {
	mkdir -p "$T/rules"
	cat >"$T/rules/review.json" <<'JSON'
{"name": "review", "on": "order.flagged",
 "then": [{"enqueue": {"kind": "manual.task", "args": {"title": "look"},
                       "approval": {"reason": "order looks odd"}}}]}
JSON
	init_db
	run --db "$DB" emit order.flagged --payload '{}'
	run --db "$DB" --rules "$T/rules" run --until-idle --max-seconds 20
	ui_start
	ui_keys 6
	ui_expect "order looks odd"
	sleep 1
	s=$(ui_screen)
	printf '%s\n' "$s" | grep -q "before" && fail "a preview for a manual task: $s"
	return 0
}
