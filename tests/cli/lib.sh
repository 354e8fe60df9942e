# tests/cli/lib.sh - the shared library of the black-box CLI tests.
#
# tests/run.sh sources this file, then one tests/cli/test_*.sh, then calls
# lib_main FILE.  Every shell function named test_* in FILE is one test.  Each
# test runs in its own subshell, in a fresh empty directory $T (also the
# working directory), with:
#
#   $DB          $T/orrery.db, also exported as ORRERY_DB (does not exist yet)
#   $FIX         tests/fixtures (absolute)
#   $ORRERY      the binary under test (absolute; env ORRERY, else ./orrery)
#   ORRERY_BUSY_MS=200 exported, so a lock test waits 0.2 s, not 5 s
#
# Helpers:
#   run ARGS...               run $ORRERY ARGS; sets STATUS, OUT, ERR (and the
#                             files $T/.out, $T/.err); never fails by itself
#   init_db                   `orrery --db $DB init`, asserting it worked
#   ingest_ok FILE... [OPTS]  `orrery ingest`, asserting exit 0
#   sql SQL                   print the result of SQL on $DB (sqlite3, `|`
#                             between columns, NULL as NULL; falls back to
#                             `orrery query` when sqlite3 is missing)
#   db_state                  a checksum of the whole database (sqlite3 .dump)
#   json_get FILE PATH        json_extract of a JSON file (via sqlite3)
#   json_sql FILE EXPR        any SQL expression over the file's text as `j`,
#                             e.g. json_sql f.json "json_array_length(j)"
#   fail MESSAGE              fail the test now
#   assert_status N
#   assert_out_contains TEXT  / assert_out_not_contains TEXT
#   assert_err_contains TEXT  / assert_err_not_contains TEXT
#   assert_eq EXPECTED ACTUAL [WHAT]
#   assert_sql SQL EXPECTED
#   assert_json_valid FILE
#   assert_file_exists PATH   / assert_no_file PATH
#   skip REASON               end the test as skipped (counts as passed)
#
# A test fails when an assertion fails or when its function returns non-zero.
# Results go to stdout as `ok   FILE: NAME`, `FAIL FILE: NAME` followed by
# indented reasons, or `ok   FILE: NAME # SKIP reason`.
#
# Env knobs: ORRERY_TEST_KEEP=1 keeps the directories of failed tests;
# ORRERY_TEST_FILTER=GLOB runs only matching test names;
# ORRERY_TEST_TIMEOUT=SECONDS per orrery command (default 120, needs timeout(1)).

ORRERY_BUSY_MS=200
export ORRERY_BUSY_MS
unset ORRERY_DB

# --- running orrery ---------------------------------------------------------

run() {
	if [ -n "$LIB_TIMEOUT" ]; then
		$LIB_TIMEOUT "${ORRERY_TEST_TIMEOUT:-120}" "$ORRERY" "$@" >"$T/.out" 2>"$T/.err" </dev/null
	else
		"$ORRERY" "$@" >"$T/.out" 2>"$T/.err" </dev/null
	fi
	STATUS=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	return 0
}

init_db() {
	run --db "$DB" init
	[ "$STATUS" -eq 0 ] || fail "init failed with status $STATUS: $ERR"
}

ingest_ok() {
	run --db "$DB" ingest "$@"
	[ "$STATUS" -eq 0 ] || fail "ingest $* exited $STATUS, expected 0; stderr: $(head -c 600 "$T/.err")"
}

sql() {
	if [ -n "$LIB_SQLITE3" ]; then
		"$LIB_SQLITE3" -batch -noheader -nullvalue NULL -separator '|' "$DB" "$1"
	else
		"$ORRERY" --db "$DB" query "$1" | tail -n +2 | tr '\t' '|'
	fi
}

db_state() {
	[ -n "$LIB_SQLITE3" ] || skip "sqlite3 not installed"
	[ -e "$DB" ] || { echo "no database"; return 0; }
	"$LIB_SQLITE3" -batch "$DB" .dump | cksum
}

json_get() {
	json_sql "$1" "json_extract(j, '$2')"
}

json_sql() {
	[ -n "$LIB_SQLITE3" ] || skip "sqlite3 not installed"
	"$LIB_SQLITE3" -batch -noheader -nullvalue NULL -separator '|' :memory: \
		"SELECT $2 FROM (SELECT CAST(readfile('$1') AS TEXT) AS j)"
}

# --- assertions --------------------------------------------------------------

fail() {
	printf '%s\n' "$*" >>"$T/.why"
	exit 1
}

skip() {
	printf '%s\n' "$*" >"$T/.skip"
	exit 0
}

# Indent a blob for a failure message, cut to a readable size.
lib_show() {
	printf '%s' "$1" | head -c 800 | sed 's/^/        | /'
}

assert_status() {
	[ "$STATUS" = "$1" ] && return 0
	fail "exit status $STATUS, expected $1
      stderr:
$(lib_show "$ERR")
      stdout:
$(lib_show "$OUT")"
}

assert_out_contains() {
	case $OUT in *"$1"*) return 0 ;; esac
	fail "stdout does not contain \"$1\"; stdout:
$(lib_show "$OUT")"
}

assert_out_not_contains() {
	case $OUT in *"$1"*) fail "stdout contains \"$1\"; stdout:
$(lib_show "$OUT")" ;; esac
	return 0
}

assert_err_contains() {
	case $ERR in *"$1"*) return 0 ;; esac
	fail "stderr does not contain \"$1\"; stderr:
$(lib_show "$ERR")"
}

assert_err_not_contains() {
	case $ERR in *"$1"*) fail "stderr contains \"$1\"; stderr:
$(lib_show "$ERR")" ;; esac
	return 0
}

assert_eq() {
	[ "$1" = "$2" ] && return 0
	case $1$2 in
	*"
"*)
		printf '%s\n' "$1" >"$T/.expected"
		printf '%s\n' "$2" >"$T/.got"
		fail "${3:-value} differs (diff expected got):
$(lib_show "$(diff "$T/.expected" "$T/.got" | head -n 30)")"
		;;
	esac
	fail "${3:-value}: expected \"$(printf '%s' "$1" | head -c 300)\", got \"$(printf '%s' "$2" | head -c 300)\""
}

assert_sql() {
	lib_got=$(sql "$1" 2>&1)
	[ "$lib_got" = "$2" ] && return 0
	fail "SQL: $1
      expected: $2
      got:
$(lib_show "$lib_got")"
}

assert_json_valid() {
	if [ -n "$LIB_SQLITE3" ]; then
		lib_v=$("$LIB_SQLITE3" -batch -noheader :memory: "SELECT json_valid(readfile('$1'))" 2>&1)
		[ "$lib_v" = 1 ] || fail "not valid JSON ($1):
$(lib_show "$(cat "$1")")"
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null ||
			fail "not valid JSON ($1)"
	elif command -v jq >/dev/null 2>&1; then
		jq . "$1" >/dev/null 2>&1 || fail "not valid JSON ($1)"
	fi
	return 0
}

assert_file_exists() {
	[ -e "$1" ] || fail "expected $1 to exist"
}

assert_no_file() {
	[ ! -e "$1" ] || fail "expected no $1"
}

# --- the fault server and webhook signatures ---------------------------------

# start_faultsrv [OPTIONS]: tests/tools/faultsrv in the background on
# 127.0.0.1 and a free port, recording every request to $T/rec.jsonl; sets FS
# (its base URL) and stops it when the test ends.  Skips without jq and
# openssl, which read and check what it recorded.
start_faultsrv() {
	command -v jq >/dev/null 2>&1 || skip "jq not installed"
	command -v openssl >/dev/null 2>&1 || skip "openssl not installed"
	fs=${FAULTSRV:-$LIB_ROOT/${B:-.build}/faultsrv}
	[ -x "$fs" ] || fail "no fault server at $fs (make ${B:-.build}/faultsrv)"
	"$fs" --port-file "$T/fs.port" --record "$T/rec.jsonl" "$@" 2>"$T/fs.log" &
	FSPID=$!
	trap 'kill $FSPID 2>/dev/null' EXIT
	i=0
	while [ ! -s "$T/fs.port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "faultsrv did not start: $(cat "$T/fs.log")"
		sleep 0.05
	done
	FS=http://127.0.0.1:$(cat "$T/fs.port")
}

# rec N FILTER: jq FILTER on the Nth request faultsrv recorded (1-based).
rec() {
	sed -n "${1}p" "$T/rec.jsonl" | jq -j "$2"
}

# std_sign SECRET ID TIMESTAMP BODY-FILE: the Standard Webhooks signature,
# base64 HMAC-SHA256 of "id.timestamp.body", computed by openssl, not Orrery.
std_sign() {
	key=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
	{ printf '%s.%s.' "$2" "$3"; cat "$4"; } |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64
}

# --- the driver --------------------------------------------------------------

lib_setup() {
	LIB_ROOT=$(cd "$(dirname "$1")/../.." && pwd)
	FIX=$LIB_ROOT/tests/fixtures
	ORRERY=${ORRERY:-$LIB_ROOT/orrery}
	case $ORRERY in /*) ;; *) ORRERY=$LIB_ROOT/$ORRERY ;; esac
	LIB_SQLITE3=$(command -v sqlite3 2>/dev/null || true)
	LIB_TIMEOUT=$(command -v timeout 2>/dev/null || true)
	LIB_WORK=$(mktemp -d "${TMPDIR:-/tmp}/orrery-cli.XXXXXX") || exit 70
}

# The test functions of FILE, in file order.
lib_tests() {
	sed -n 's/^\(test_[A-Za-z0-9_]*\)[[:space:]]*()[[:space:]]*{*[[:space:]]*$/\1/p' "$1"
}

lib_main() {
	lib_setup "$1"
	lib_file=$(basename "$1")
	lib_n=0
	for lib_t in $(lib_tests "$1"); do
		if [ -n "${ORRERY_TEST_FILTER:-}" ]; then
			case $lib_t in $ORRERY_TEST_FILTER) ;; *) continue ;; esac
		fi
		lib_n=$((lib_n + 1))
		T=$LIB_WORK/$lib_n
		mkdir -p "$T"
		(
			DB=$T/orrery.db
			ORRERY_DB=$DB
			export ORRERY_DB
			cd "$T" || exit 1
			"$lib_t"
		) >"$LIB_WORK/$lib_n.log" 2>&1
		lib_rc=$?
		if [ $lib_rc -eq 0 ] && [ ! -e "$T/.why" ]; then
			if [ -e "$T/.skip" ]; then
				echo "ok   $lib_file: $lib_t # SKIP $(cat "$T/.skip")"
			else
				echo "ok   $lib_file: $lib_t"
			fi
			rm -rf "$T"
		else
			echo "FAIL $lib_file: $lib_t"
			if [ -e "$T/.why" ]; then
				sed 's/^/    /' "$T/.why"
			else
				echo "    the test function returned $lib_rc"
			fi
			if [ -s "$LIB_WORK/$lib_n.log" ]; then
				echo "    output of the test itself:"
				head -c 800 "$LIB_WORK/$lib_n.log" | sed 's/^/        | /'
			fi
			if [ "${ORRERY_TEST_KEEP:-}" = 1 ]; then
				echo "    kept: $T"
			else
				rm -rf "$T"
			fi
		fi
	done
	[ "${ORRERY_TEST_KEEP:-}" = 1 ] || rm -rf "$LIB_WORK"
}
