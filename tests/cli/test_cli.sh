# test_cli.sh - commands, help, the database location, exit statuses of the
# command line itself, and the read-only query command.

RETAIL=online-retail/online_retail.csv

test_help_lists_every_command() {
	run help
	assert_status 0
	for c in init ingest sources rejects events query version help; do
		assert_out_contains "  $c "
	done
	assert_out_contains "64 usage"
}

test_every_command_has_help() {
	for c in init ingest sources rejects events query version help; do
		run "$c" --help
		[ "$STATUS" = 0 ] || fail "$c --help exited $STATUS: $ERR"
		case $OUT in *"usage: orrery"*"$c"*) ;; *) fail "$c --help prints no usage: $OUT" ;; esac
	done
	# --help needs no database and must not create one
	assert_no_file "$DB"
	assert_no_file "$T/orrery.db"
}

test_global_help_and_version_flags() {
	run --help
	assert_status 0
	assert_out_contains "usage: orrery"
	run --version
	assert_status 0
	assert_out_contains "orrery "
}

test_help_for_a_command_names_its_options() {
	run help ingest
	assert_status 0
	assert_out_contains "--strict"
	assert_out_contains "--encoding"
	assert_out_contains "online_retail"
	run help nosuchcommand
	assert_status 64
}

test_version() {
	run version
	assert_status 0
	assert_out_contains "orrery "
	assert_out_contains "sqlite"
	run version --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/v.json"
	assert_json_valid "$T/v.json"
}

test_no_command_is_usage_error() {
	run
	assert_status 64
	assert_err_contains "usage"
}

test_unknown_command_is_usage_error() {
	run --db "$DB" frobnicate
	assert_status 64
	assert_err_contains "frobnicate"
	assert_no_file "$DB"
}

test_unknown_global_option_is_usage_error() {
	run --bogus init
	assert_status 64
	assert_err_contains "--bogus"
	assert_no_file "$T/orrery.db"
}

test_unknown_command_option_is_usage_error() {
	init_db
	run --db "$DB" sources --bogus
	assert_status 64
	assert_err_contains "bogus"
	run --db "$DB" ingest "$FIX/$RETAIL" --bogus
	assert_status 64
	assert_sql "SELECT count(*) FROM sources" 0
}

test_option_missing_its_value_is_usage_error() {
	init_db
	run --db "$DB" events --limit
	assert_status 64
	run --db "$DB" events --limit abc
	assert_status 64
	run --db "$DB" rejects --source -1
	assert_status 64
	run --db "$DB" sources --format xml
	assert_status 64
}

test_ingest_without_files_is_usage_error() {
	run --db "$DB" ingest
	assert_status 64
}

test_init_creates_database() {
	run --db "$DB" init
	assert_status 0
	assert_file_exists "$DB"
	assert_sql "SELECT name FROM schema_migrations ORDER BY name LIMIT 1" "001_core"
	run --db "$DB" query "select name from schema_migrations"
	assert_status 0
	assert_out_contains "001_core"
}

test_init_twice_is_fine() {
	init_db
	before=$(db_state)
	run --db "$DB" init
	assert_status 0
	assert_out_contains "0 migrations"
	assert_sql "SELECT count(*) FROM schema_migrations WHERE name = '001_core'" 1
	assert_eq "$before" "$(db_state)" "database after a second init"
}

test_database_is_in_wal_mode() {
	init_db
	run --db "$DB" query "PRAGMA journal_mode"
	assert_status 0
	assert_out_contains "wal"
	assert_sql "PRAGMA journal_mode" "wal"
}

test_default_database_is_orrery_db_in_cwd() {
	unset ORRERY_DB
	run init
	assert_status 0
	assert_file_exists "$T/orrery.db"
}

test_env_orrery_db_and_db_flag() {
	ORRERY_DB=$T/env.db
	export ORRERY_DB
	run init
	assert_status 0
	assert_file_exists "$T/env.db"
	assert_no_file "$T/orrery.db"
	run --db "$T/flag.db" init
	assert_status 0
	assert_file_exists "$T/flag.db"
	run --db="$T/eq.db" init
	assert_status 0
	assert_file_exists "$T/eq.db"
}

test_reading_a_missing_database_is_66() {
	for c in sources rejects events; do
		run --db "$T/none.db" "$c"
		[ "$STATUS" = 66 ] || fail "$c on a missing database exited $STATUS, expected 66: $ERR"
		assert_no_file "$T/none.db"
	done
	run --db "$T/none.db" query "select 1"
	assert_status 66
	assert_err_contains "none.db"
	assert_no_file "$T/none.db"
}

test_reading_an_empty_sqlite_file_is_66() {
	: >"$T/empty.db"
	run --db "$T/empty.db" sources
	assert_status 66
	assert_err_contains "not an orrery database"
}

test_database_that_is_not_sqlite_is_refused() {
	printf 'this is not a database\n%.0s' 1 2 3 4 5 6 7 8 9 10 >"$T/text.db"
	run --db "$T/text.db" sources
	case $STATUS in 65 | 66 | 74) ;; *) fail "sources on a text file exited $STATUS, expected 65, 66 or 74: $ERR" ;; esac
	run --db "$T/text.db" ingest "$FIX/$RETAIL"
	case $STATUS in 65 | 74) ;; *) fail "ingest into a text file exited $STATUS, expected 65 or 74: $ERR" ;; esac
	assert_eq "this is not a database" "$(head -n 1 "$T/text.db")" "the text file"
}

test_database_path_is_a_directory_is_74() {
	mkdir "$T/dir.db"
	run --db "$T/dir.db" init
	assert_status 74
	assert_err_contains "directory"
	run --db "$T/dir.db" ingest "$FIX/$RETAIL"
	assert_status 74
	run --db "$T/dir.db" sources
	assert_status 74
}

test_database_in_missing_directory_is_refused() {
	run --db "$T/no/such/dir/x.db" init
	assert_status 74
	assert_no_file "$T/no"
}

test_query_prints_header_and_rows() {
	init_db
	run --db "$DB" query "SELECT 1 AS a, 'x' AS b, NULL AS c"
	assert_status 0
	assert_eq "a	b	c
1	x	NULL" "$OUT" "query output"
}

test_query_json() {
	init_db
	run --db "$DB" query "SELECT 1 AS a, 'x''y' AS b UNION ALL SELECT 2, 'z'" --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/q.json"
	assert_json_valid "$T/q.json"
	assert_eq 2 "$(json_sql "$T/q.json" "json_array_length(j)")" "rows"
	assert_eq "x'y" "$(json_get "$T/q.json" '$[0].b')" "first row b"
}

test_query_needs_exactly_one_sql() {
	init_db
	run --db "$DB" query
	assert_status 64
	run --db "$DB" query "select 1" "select 2"
	assert_status 64
}

test_query_bad_sql_is_an_error_not_a_crash() {
	init_db
	run --db "$DB" query "SELEC nonsense"
	[ "$STATUS" -ne 0 ] || fail "bad SQL exited 0"
	[ "$STATUS" -lt 128 ] || fail "bad SQL crashed with status $STATUS"
	assert_err_contains "orrery"
}

test_query_cannot_write() {
	init_db
	run --db "$DB" ingest "$FIX/$RETAIL"
	assert_status 0
	before=$(db_state)
	run --db "$DB" query "DELETE FROM products"
	[ "$STATUS" -ne 0 ] || fail "query DELETE exited 0"
	run --db "$DB" query "DROP TABLE products"
	[ "$STATUS" -ne 0 ] || fail "query DROP TABLE exited 0"
	run --db "$DB" query "INSERT INTO categories (origin, name) VALUES ('x', 'y')"
	[ "$STATUS" -ne 0 ] || fail "query INSERT exited 0"
	run --db "$DB" query "UPDATE variants SET price_minor = 0"
	[ "$STATUS" -ne 0 ] || fail "query UPDATE exited 0"
	assert_sql "SELECT count(*) FROM products" 1682
	assert_eq "$before" "$(db_state)" "database after write attempts through query"
}

test_query_cannot_be_made_writable() {
	init_db
	run --db "$DB" ingest "$FIX/$RETAIL"
	assert_status 0
	before=$(db_state)
	run --db "$DB" query "PRAGMA query_only = 0; DELETE FROM products"
	run --db "$DB" query "DELETE FROM products; SELECT 1"
	run --db "$DB" query "WITH x AS (SELECT 1) DELETE FROM products"
	assert_sql "SELECT count(*) FROM products" 1682
	run --db "$DB" query "PRAGMA journal_mode = DELETE"
	assert_sql "PRAGMA journal_mode" "wal"
	assert_eq "$before" "$(db_state)" "database after write attempts through query"
}

test_empty_db_path_is_refused_clearly() {
	run --db "" init
	[ "$STATUS" -ne 0 ] || fail "--db \"\" init exited 0"
	case $STATUS in 64 | 74) ;; *) fail "--db \"\" exited $STATUS, expected 64 or 74" ;; esac
	assert_err_not_contains "not an error"
}

# WAL: a reader holding a read transaction does not block an ingest.
test_open_reader_does_not_block_ingest() {
	[ -n "$LIB_SQLITE3" ] || skip "sqlite3 not installed"
	init_db
	mkfifo "$T/fifo"
	"$LIB_SQLITE3" "$DB" <"$T/fifo" >"$T/reader.log" 2>&1 &
	reader=$!
	exec 8>"$T/fifo"
	printf "BEGIN;\nSELECT count(*) FROM schema_migrations;\n" >&8
	sleep 0.2
	run --db "$DB" ingest "$FIX/$RETAIL"
	printf 'COMMIT;\n.quit\n' >&8
	exec 8>&-
	wait $reader
	assert_status 0
	assert_sql "SELECT count(*) FROM order_lines" 5000
}

test_events_type_is_not_a_sql_pattern() {
	head -n 11 "$FIX/$RETAIL" >"$T/r.csv"
	ingest_ok "$T/r.csv"
	for t in 'order_created' '%' '%.*' '*' 'order.%'; do
		run --db "$DB" events --type "$t"
		[ "$STATUS" = 0 ] || fail "events --type '$t' exited $STATUS"
		[ ! -s "$T/.out" ] || fail "events --type '$t' matched: $(head -n 1 "$T/.out" | cut -c1-80)"
	done
}

# A failed write of the output (disk full, closed pipe) is an I/O error,
# not success: scripts must not take a truncated report for a whole one.
test_output_write_error_is_74() {
	[ -w /dev/full ] || skip "no /dev/full"
	head -n 11 "$FIX/$RETAIL" >"$T/r.csv"
	ingest_ok "$T/r.csv"
	for c in sources events; do
		"$ORRERY" --db "$DB" "$c" >/dev/full 2>"$T/full.err"
		st=$?
		[ "$st" = 74 ] || fail "orrery $c >/dev/full exited $st, expected 74; stderr: $(cat "$T/full.err")"
	done
	"$ORRERY" --db "$DB" query "SELECT * FROM events" --format json >/dev/full 2>"$T/full.err"
	st=$?
	[ "$st" = 74 ] || fail "orrery query --format json >/dev/full exited $st, expected 74"
}
