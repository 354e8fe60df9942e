# test_context_ask.sh - `orrery context customer ID --ask QUESTION`: the
# context document and the question sent to an OpenAI-compatible
# chat-completions endpoint (a chat connector), the answer printed.  The
# endpoint is tests/tools/chatstub on 127.0.0.1, which answers
# "Asked: QUESTION | customer KEY | N orders | model MODEL" from what it
# received, or misbehaves as its URL prefix says.

AT=2026-12-01T12:00:00Z
TOKEN=sk-live-0rr3ry-n0t-for-y0ur-eyes

start_stub() {
	cs=${CHATSTUB:-$LIB_ROOT/${B:-.build}/chatstub}
	[ -x "$cs" ] || fail "no chat stub at $cs (make ${B:-.build}/chatstub)"
	"$cs" --port-file "$T/cs.port" --record "$T/rec.jsonl" >/dev/null 2>"$T/cs.log" &
	CSPID=$!
	trap 'kill $CSPID 2>/dev/null' EXIT
	i=0
	while [ ! -s "$T/cs.port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "chatstub did not start: $(cat "$T/cs.log")"
		sleep 0.05
	done
	CS=http://127.0.0.1:$(cat "$T/cs.port")
}

setup() {
	init_db
	ingest_ok "$FIX/supplier/catalog.jsonl" "$FIX/context/customers.jsonl"
	start_stub
}

# connectors.json with one chat connector: chat URL [EXTRA_JSON_MEMBERS]
chat_connector() {
	printf '{"connectors": [{"name": "assistant", "kind": "chat", "url": "%s", "model": "stub-7b", "retry": {"base": "10ms", "cap": "50ms"}%s}]}\n' \
		"$1" "${2:+, $2}" >"$T/connectors.json"
}

ask() {
	run --db "$DB" context customer c-100 --at "$AT" --ask "$@"
}

requests() {
	if [ -e "$T/rec.jsonl" ]; then wc -l <"$T/rec.jsonl" | tr -d ' '; else echo 0; fi
}

# Field PATH of request N (1-based) as the stub recorded it.
req() {
	sed -n "${1}p" "$T/rec.jsonl" >"$T/req.json"
	json_get "$T/req.json" "$2"
}

# Field PATH of the body of request N.
req_body() {
	req "$1" '$.body' >"$T/body.json"
	json_get "$T/body.json" "$2"
}

test_answer_is_printed_and_the_request_carries_question_and_context() {
	setup
	chat_connector "$CS/ok/v1/"
	ask "Where is my order o-3?"
	assert_status 0
	run --db "$DB" context customer c-100 --at "$AT" --format json
	printf '%s' "$OUT" >"$T/ctx.json"
	key=$(json_get "$T/ctx.json" '$.customer.ids[0].key')
	ask "Where is my order o-3?"
	assert_eq "Asked: Where is my order o-3? | customer $key | 6 orders | model stub-7b" "$OUT" "answer"
	assert_eq 2 "$(requests)" "requests"
	assert_eq "POST|/ok/v1/chat/completions" "$(req 1 '$.method')|$(req 1 '$.path')" "one slash before chat/completions"
	assert_eq "stub-7b|system|user|Where is my order o-3?" \
		"$(req_body 1 '$.model')|$(req_body 1 '$.messages[0].role')|$(req_body 1 '$.messages[1].role')|$(req_body 1 '$.messages[1].content')" "body"
	# the system message holds the whole context document as JSON
	req_body 1 '$.messages[0].content' | sed -n '/^{/,$p' >"$T/sent_ctx.json"
	assert_json_valid "$T/sent_ctx.json"
	assert_eq "6|ada@example.org|o-4" "$(json_get "$T/sent_ctx.json" '$.summary.orders')|$(json_get "$T/sent_ctx.json" '$.customer.email')|$(json_get "$T/sent_ctx.json" '$.orders[0].key')" "context sent"
	case $(req 1 '$.headers.Idempotency-Key') in
	orrery-chat-????????????????) ;;
	*) fail "no idempotency key: $(req 1 '$.headers')" ;;
	esac
	[ "$(req 1 '$.headers.Idempotency-Key')" != "$(req 2 '$.headers.Idempotency-Key')" ] ||
		fail "two questions share an idempotency key"
	assert_eq "NULL" "$(req 1 '$.headers.Authorization')" "no auth header with auth none"
}

test_json_has_context_question_answer_model_and_usage() {
	setup
	chat_connector "$CS/ok/v1"
	ask "Can I still return o-1?" --format json
	assert_status 0
	printf '%s' "$OUT" >"$T/out.json"
	assert_json_valid "$T/out.json"
	assert_eq "Can I still return o-1?|assistant|stub-7b|stop|Ada Lovelace|6" \
		"$(json_get "$T/out.json" '$.question')|$(json_get "$T/out.json" '$.connector')|$(json_get "$T/out.json" '$.model')|$(json_get "$T/out.json" '$.finish_reason')|$(json_get "$T/out.json" '$.context.customer.name')|$(json_get "$T/out.json" '$.context.summary.orders')" "fields"
	case $(json_get "$T/out.json" '$.answer') in
	"Asked: Can I still return o-1? | customer "*" | 6 orders | model stub-7b") ;;
	*) fail "answer: $(json_get "$T/out.json" '$.answer')" ;;
	esac
	total=$(json_get "$T/out.json" '$.usage.total_tokens')
	p=$(json_get "$T/out.json" '$.usage.prompt_tokens')
	c=$(json_get "$T/out.json" '$.usage.completion_tokens')
	[ "$total" -gt 0 ] && [ "$total" -eq $((p + c)) ] || fail "usage: $p + $c != $total"
}

test_endpoint_down_gives_up_with_69() {
	setup
	kill $CSPID; wait $CSPID 2>/dev/null
	chat_connector "$CS/v1" '"connect_timeout": "1s"'
	ask "Anyone there?"
	assert_status 69
	assert_err_contains "connector assistant: $CS/v1/chat/completions: no answer"
	assert_err_contains "gave up after retrying"
	assert_eq "" "$OUT" "stdout"
}

test_500_then_success_retries_with_one_idempotency_key() {
	setup
	chat_connector "$CS/flaky/2/v1"
	ask "Is it in stock?"
	assert_status 0
	assert_out_contains "Asked: Is it in stock? | customer"
	assert_eq 3 "$(requests)" "attempts"
	k=$(req 1 '$.headers.Idempotency-Key')
	assert_eq "$k|$k" "$(req 2 '$.headers.Idempotency-Key')|$(req 3 '$.headers.Idempotency-Key')" "the same key on every attempt"
}

test_429_retry_after_is_honoured() {
	setup
	chat_connector "$CS/throttle/1/1/v1"
	start=$(date +%s%N)
	ask "Hello?"
	end=$(date +%s%N)
	assert_status 0
	assert_eq 2 "$(requests)" "attempts"
	# Retry-After: 1 (the backoff alone would wait at most 10 ms)
	[ $(((end - start) / 1000000)) -ge 950 ] || fail "retried after $(((end - start) / 1000000)) ms, before Retry-After"
}

test_retry_after_too_long_gives_up_at_once() {
	setup
	chat_connector "$CS/throttle/5/3600/v1"
	ask "Hello?"
	assert_status 69
	assert_err_contains "HTTP 429: stub throttling"
	assert_eq 1 "$(requests)" "attempts"
}

test_a_lasting_5xx_gives_up_after_the_attempts() {
	setup
	chat_connector "$CS/status/503/v1" '"timeout": "5s"'
	sed -i 's/"base": "10ms"/"max_attempts": 3, "base": "10ms"/' "$T/connectors.json"
	ask "Hello?"
	assert_status 69
	assert_err_contains "HTTP 503: stub told to fail (gave up after retrying)"
	assert_eq 3 "$(requests)" "attempts (max_attempts 3)"
	# at most CHAT_MAX_ATTEMPTS (4) whatever the connector allows
	: >"$T/rec.jsonl"
	sed -i 's/"max_attempts": 3/"max_attempts": 50/' "$T/connectors.json"
	ask "Hello?"
	assert_status 69
	assert_eq 4 "$(requests)" "attempts (capped)"
}

test_refused_request_is_not_retried() {
	setup
	chat_connector "$CS/status/404/v1"
	ask "Hello?"
	assert_status 69
	assert_err_contains "HTTP 404: stub told to fail"
	assert_err_not_contains "gave up"
	assert_eq 1 "$(requests)" "attempts"
}

test_slow_endpoint_times_out() {
	setup
	chat_connector "$CS/slow/3000/v1" '"timeout": "300ms"'
	sed -i 's/"base": "10ms"/"max_attempts": 1, "base": "10ms"/' "$T/connectors.json"
	ask "Hello?"
	assert_status 69
	assert_err_contains "no answer"
}

test_malformed_answer_is_76() {
	setup
	chat_connector "$CS/malformed/v1"
	ask "Hello?"
	assert_status 76
	assert_err_contains "connector assistant: $CS/malformed/v1/chat/completions: HTTP 200 but the answer is not JSON"
	assert_eq "" "$OUT" "stdout"
	chat_connector "$CS/nocontent/v1"
	ask "Hello?"
	assert_status 76
	assert_err_contains "HTTP 200 but the answer has no string choices[0].message.content"
}

test_no_chat_connector_is_a_usage_error() {
	setup
	ask "Hello?"
	assert_status 64
	assert_err_contains "$T/connectors.json has no connector of kind \"chat\""
	printf '{"connectors": [{"name": "hook", "kind": "webhook", "url": "%s/ok", "auth": "none", "events": ["order.*"]}]}\n' "$CS" >"$T/connectors.json"
	ask "Hello?"
	assert_status 64
	assert_err_contains "has no connector of kind \"chat\""
	run --db "$DB" context customer c-100 --ask "Hello?" --connector hook
	assert_status 64
	assert_err_contains "--connector hook: $T/connectors.json has no chat connector of that name"
	assert_eq 0 "$(requests)" "requests"
}

test_two_chat_connectors_need_connector() {
	setup
	printf '{"connectors": [{"name": "small", "kind": "chat", "url": "%s/ok/small", "model": "s"}, {"name": "big", "kind": "chat", "url": "%s/ok/big", "model": "b"}]}\n' "$CS" "$CS" >"$T/connectors.json"
	ask "Hello?"
	assert_status 64
	assert_err_contains "$T/connectors.json has 2 chat connectors: say which with --connector NAME"
	assert_eq 0 "$(requests)" "requests"
	ask "Hello?" --connector big
	assert_status 0
	assert_out_contains "| model b"
	assert_eq "/ok/big/chat/completions" "$(req 1 '$.path')" "path"
}

test_bearer_secret_is_sent_but_never_printed() {
	setup
	printf '{"chat": {"token": "%s"}}\n' "$TOKEN" >"$T/secrets.json"
	chmod 600 "$T/secrets.json"
	chat_connector "$CS/ok/v1" '"auth": "bearer", "secret": "chat.token"'
	ask "Hello?" --format json
	assert_status 0
	assert_eq "Bearer $TOKEN" "$(req 1 '$.headers.Authorization')" "header"
	assert_out_not_contains "$TOKEN"
	assert_err_not_contains "$TOKEN"
	# an endpoint that quotes the credentials back in its error
	chat_connector "$CS/leak/v1" '"auth": "bearer", "secret": "chat.token"'
	ask "Hello?"
	assert_status 69
	assert_err_contains "HTTP 401: (its message quotes the secret: not shown)"
	assert_err_not_contains "$TOKEN"
	assert_out_not_contains "$TOKEN"
	# a secret that is not there
	chat_connector "$CS/ok/v1" '"auth": "bearer", "secret": "chat.other"'
	ask "Hello?"
	assert_status 66
	assert_err_contains "connector assistant: secret \"chat.other\" is not in"
}

test_bad_chat_connectors_are_refused() {
	setup
	printf '{"connectors": [\n  {"name": "a", "kind": "chat", "url": "%s/v1"}]}\n' "$CS" >"$T/connectors.json"
	ask "Hello?"
	assert_status 65
	assert_err_contains "connectors.json:2:3: connectors[0] \"a\": a chat connector needs \"model\""
	printf '{"connectors": [{"name": "a", "kind": "chat", "url": "%s/v1", "model": "m", "events": ["order.*"]}]}\n' "$CS" >"$T/connectors.json"
	ask "Hello?"
	assert_status 65
	assert_err_contains "a chat connector is called: it has no \"events\""
	printf '{"connectors": [{"name": "a", "kind": "chat", "url": "%s/v1", "model": "m", "auth": "standard-webhooks", "secret": "x.y"}]}\n' "$CS" >"$T/connectors.json"
	ask "Hello?"
	assert_status 65
	assert_err_contains "a chat connector takes \"none\" or \"bearer\""
	printf '{"connectors": [{"name": "a", "kind": "webhook", "url": "%s/v1", "model": "m", "auth": "none", "events": ["x"]}]}\n' "$CS" >"$T/connectors.json"
	ask "Hello?"
	assert_status 65
	assert_err_contains "only a chat connector has a model"
	printf '{"connectors": [{"name": "a", "kind": "chat", "url": "http://example.com/v1", "model": "m"}]}\n' >"$T/connectors.json"
	ask "Hello?"
	assert_status 65
	assert_err_contains "\"url\""
	assert_eq 0 "$(requests)" "requests"
}

test_bad_options_and_unknown_customer_send_nothing() {
	setup
	chat_connector "$CS/ok/v1"
	run --db "$DB" context customer c-100 --connector assistant
	assert_status 64
	assert_err_contains "--connector goes with --ask"
	run --db "$DB" context customer c-100 --ask ""
	assert_status 64
	assert_err_contains "--ask needs a question"
	run --db "$DB" context customer nobody@example.org --ask "Hello?"
	assert_status 66
	run --db "$DB" context customer c-100 --ask "$(printf 'bad \377 bytes')"
	assert_status 64
	assert_err_contains "not valid UTF-8"
	assert_eq 0 "$(requests)" "requests"
}
