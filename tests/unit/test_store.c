/* Unit tests for store.c: open, migrations, ad-hoc queries, transactions,
 * and the guarantees the schema gives (WAL, foreign keys, append-only events). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "store.h"

static char dir[64];
static char db[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/orrery-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp");
	snprintf(db, sizeof db, "%s/t.db", dir);
}

/* Remove the temp dir and every file in it (the database, -wal, -shm). */
static void teardown(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char path[512];
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) != 0)
			rmdir(path);
	}
	closedir(d);
	rmdir(dir);
}

TestSuite(store, .init = setup, .fini = teardown);

/* Open db with access, asserting success. */
static struct store *open_ok(enum store_access access)
{
	struct store *st = NULL;
	char *err = NULL;
	enum orr_rc rc = store_open(db, access, &st, &err);
	cr_assert_eq(rc, ORR_OK, "store_open(%s): %d %s", db, rc, err ? err : "");
	cr_assert_not_null(st);
	return st;
}

/* Open read-write and apply the migrations. */
static struct store *open_migrated(void)
{
	struct store *st = open_ok(STORE_READWRITE);
	char *err = NULL;
	enum orr_rc rc = store_migrate(st, NULL, &err);
	cr_assert_eq(rc, ORR_OK, "store_migrate: %s", err ? err : "");
	return st;
}

/* What a query returned: the header, the first row, how many rows. */
struct capture {
	int headers, rows, ncols;
	char head[4][32];
	char first[4][256];
	bool null[4];
};

static void capture_row(void *ctx, bool is_header, int ncols, const char *const *vals)
{
	struct capture *c = ctx;
	if (is_header) {
		c->headers++;
		c->ncols = ncols;
		for (int i = 0; i < ncols && i < 4; i++)
			snprintf(c->head[i], sizeof c->head[i], "%s", vals[i]);
		return;
	}
	if (c->rows++ > 0)
		return;
	for (int i = 0; i < ncols && i < 4; i++) {
		c->null[i] = vals[i] == NULL;
		snprintf(c->first[i], sizeof c->first[i], "%s", vals[i] ? vals[i] : "");
	}
}

/* Run sql; returns its rc, and frees any message (reported in *had_err). */
static enum orr_rc run(struct store *st, const char *sql, struct capture *c, bool *had_err)
{
	struct capture scratch;
	memset(&scratch, 0, sizeof scratch);
	char *err = NULL;
	enum orr_rc rc = store_query(st, sql, capture_row, c ? c : &scratch, &err);
	if (had_err)
		*had_err = err != NULL && *err != '\0';
	free(err);
	return rc;
}

/* The first value of the first row of sql, which must succeed. */
static const char *scalar(struct store *st, const char *sql)
{
	static struct capture c;
	memset(&c, 0, sizeof c);
	enum orr_rc rc = run(st, sql, &c, NULL);
	cr_assert_eq(rc, ORR_OK, "query %s: rc %d", sql, rc);
	cr_assert_geq(c.rows, 1, "query %s returned no row", sql);
	return c.first[0];
}

Test(store, open_creates_file)
{
	struct stat sb;
	cr_assert_neq(stat(db, &sb), 0, "no file before open");
	struct store *st = open_ok(STORE_READWRITE);
	cr_expect_eq(stat(db, &sb), 0, "store_open READWRITE creates %s", db);
	cr_expect_str_eq(store_path(st), db);
	store_close(st);
	store_close(NULL);
}

Test(store, migrate_once)
{
	struct store *st = open_ok(STORE_READWRITE);
	cr_expect_eq(store_schema_version(st), 0, "a new database has no migrations");
	int applied = -1;
	char *err = NULL;
	cr_assert_eq(store_migrate(st, &applied, &err), ORR_OK, "%s", err ? err : "");
	cr_expect_geq(schema_migration_count, 1);
	cr_expect_eq(applied, schema_migration_count, "first migrate applied %d", applied);
	cr_expect_eq(store_schema_version(st), schema_migration_count);
	cr_assert_eq(store_migrate(st, &applied, &err), ORR_OK, "%s", err ? err : "");
	cr_expect_eq(applied, 0, "second migrate applied %d", applied);
	cr_expect_eq(store_schema_version(st), schema_migration_count);
	cr_expect_str_eq(scalar(st, "SELECT name FROM schema_migrations ORDER BY name LIMIT 1"),
			 "001_core");
	store_close(st);
}

Test(store, migrate_survives_reopen)
{
	store_close(open_migrated());
	struct store *st = open_ok(STORE_READWRITE);
	int applied = -1;
	char *err = NULL;
	cr_assert_eq(store_migrate(st, &applied, &err), ORR_OK, "%s", err ? err : "");
	cr_expect_eq(applied, 0, "a migrated file needs none, applied %d", applied);
	store_close(st);
}

Test(store, readonly_missing_file)
{
	struct store *st = (struct store *)&st; /* must be reset to NULL */
	char *err = NULL;
	enum orr_rc rc = store_open(db, STORE_READONLY, &st, &err);
	cr_expect_eq(rc, ORR_NOINPUT, "rc %d", rc);
	cr_expect_null(st);
	cr_assert_not_null(err);
	cr_expect(strstr(err, db) != NULL, "message names the path: %s", err);
	free(err);
	struct stat sb;
	cr_expect_neq(stat(db, &sb), 0, "READONLY must not create the file");
}

Test(store, open_directory)
{
	static const enum store_access modes[] = { STORE_READWRITE, STORE_READONLY };
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		struct store *st = NULL;
		char *err = NULL;
		enum orr_rc rc = store_open(dir, modes[i], &st, &err);
		cr_expect_eq(rc, ORR_IOERR, "mode %zu: rc %d", i, rc);
		cr_expect_null(st);
		cr_expect(err && strstr(err, "directory"), "mode %zu: %s", i, err ? err : "(null)");
		free(err);
	}
}

Test(store, open_in_missing_directory)
{
	char path[256];
	snprintf(path, sizeof path, "%s/no/such/dir/t.db", dir);
	struct store *st = NULL;
	char *err = NULL;
	enum orr_rc rc = store_open(path, STORE_READWRITE, &st, &err);
	cr_expect_eq(rc, ORR_IOERR, "rc %d", rc);
	cr_expect_null(st);
	cr_expect_not_null(err);
	free(err);
}

Test(store, open_not_a_database)
{
	FILE *f = fopen(db, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 100; i++)
		fputs("this is not an sqlite database, just some text\n", f);
	fclose(f);
	struct store *st = NULL;
	char *err = NULL;
	enum orr_rc rc = store_open(db, STORE_READWRITE, &st, &err);
	cr_expect_eq(rc, ORR_DATAERR, "rc %d (%s)", rc, err ? err : "");
	cr_expect_null(st);
	cr_expect_not_null(err);
	free(err);
}

Test(store, query_header_and_rows)
{
	struct store *st = open_ok(STORE_READWRITE);
	struct capture c;
	memset(&c, 0, sizeof c);
	cr_assert_eq(run(st, "select 1 as a, 'x' as b, null as c", &c, NULL), ORR_OK);
	cr_expect_eq(c.headers, 1);
	cr_expect_eq(c.ncols, 3);
	cr_expect_str_eq(c.head[0], "a");
	cr_expect_str_eq(c.head[1], "b");
	cr_expect_str_eq(c.head[2], "c");
	cr_expect_eq(c.rows, 1);
	cr_expect_str_eq(c.first[0], "1");
	cr_expect_str_eq(c.first[1], "x");
	cr_expect(c.null[2], "SQL NULL is passed as a NULL pointer");
	store_close(st);
}

Test(store, query_several_statements_and_rows)
{
	struct store *st = open_ok(STORE_READWRITE);
	struct capture c;
	memset(&c, 0, sizeof c);
	cr_assert_eq(run(st, "select 1; select 2 union all select 3 ;  -- done\n", &c, NULL),
		     ORR_OK);
	cr_expect_eq(c.headers, 2, "one header per statement, got %d", c.headers);
	cr_expect_eq(c.rows, 3, "got %d rows", c.rows);
	store_close(st);
}

Test(store, query_errors)
{
	static const struct {
		const char *sql;
		enum orr_rc rc;
	} cases[] = {
		{ "selec 1", ORR_USAGE },
		{ "select * from no_such_table", ORR_USAGE },
		{ "select 1 from", ORR_USAGE },
	};
	struct store *st = open_migrated();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		bool had_err = false;
		enum orr_rc rc = run(st, cases[i].sql, NULL, &had_err);
		cr_expect_eq(rc, cases[i].rc, "%s: rc %d, want %d", cases[i].sql, rc, cases[i].rc);
		cr_expect(had_err, "%s: no message", cases[i].sql);
	}
	store_close(st);
}

Test(store, readonly_refuses_writes)
{
	store_close(open_migrated());
	struct store *st = open_ok(STORE_READONLY);
	static const char *const writes[] = {
		"delete from products",
		"INSERT INTO sources(path,format,bytes,checksum,records,stored,rejected,created,"
		"updated,unchanged,ingested_at) VALUES('/x','t',0,'c',0,0,0,0,0,0,'t')",
		"CREATE TABLE t (x)",
	};
	for (size_t i = 0; i < sizeof writes / sizeof *writes; i++) {
		bool had_err = false;
		enum orr_rc rc = run(st, writes[i], NULL, &had_err);
		cr_expect_neq(rc, ORR_OK, "READONLY accepted: %s", writes[i]);
		cr_expect(had_err, "no message for: %s", writes[i]);
	}
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM sources"), "0");
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM sqlite_master WHERE name = 't'"), "0");
	store_close(st);
}

Test(store, pragmas)
{
	struct store *st = open_ok(STORE_READWRITE);
	cr_expect_str_eq(scalar(st, "PRAGMA journal_mode"), "wal");
	cr_expect_str_eq(scalar(st, "PRAGMA foreign_keys"), "1");
	store_close(st);
	st = open_ok(STORE_READONLY);
	cr_expect_str_eq(scalar(st, "PRAGMA journal_mode"), "wal");
	cr_expect_str_eq(scalar(st, "PRAGMA foreign_keys"), "1");
	store_close(st);
}

Test(store, foreign_keys_enforced)
{
	struct store *st = open_migrated();
	enum orr_rc rc = run(st, "INSERT INTO rejected_rows (source_id, line, reason, raw) "
				 "VALUES (999, 1, 'r', 'x')", NULL, NULL);
	cr_expect_neq(rc, ORR_OK, "a row naming a missing source was accepted");
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM rejected_rows"), "0");
	store_close(st);
}

#define EVENT_INSERT "INSERT INTO events (time, type, entity, entity_id, payload) VALUES "

Test(store, events_append_only)
{
	struct store *st = open_migrated();
	cr_assert_eq(run(st, EVENT_INSERT "('2024-01-01T00:00:00Z', 'product.created', 'product', "
				      "1, '{\"id\":1}')", NULL, NULL), ORR_OK);
	static const char *const refused[] = {
		"UPDATE events SET type = 'product.updated'",
		"UPDATE events SET payload = '{}' WHERE id = 1",
		"DELETE FROM events",
		"DELETE FROM events WHERE id = 1",
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		bool had_err = false;
		cr_expect_neq(run(st, refused[i], NULL, &had_err), ORR_OK, "accepted: %s",
			      refused[i]);
		cr_expect(had_err, "no message for: %s", refused[i]);
	}
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM events"), "1");
	cr_expect_str_eq(scalar(st, "SELECT type || ' ' || payload FROM events"),
			 "product.created {\"id\":1}");
	store_close(st);
}

Test(store, event_payload_must_be_json)
{
	struct store *st = open_migrated();
	static const char *const bad[] = {
		EVENT_INSERT "('t', 'x.created', 'x', 1, 'not json')",
		EVENT_INSERT "('t', 'x.created', 'x', 1, '{\"a\":')",
		EVENT_INSERT "('t', 'x.created', 'x', 1, NULL)",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect_neq(run(st, bad[i], NULL, NULL), ORR_OK, "accepted: %s", bad[i]);
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM events"), "0");
	store_close(st);
}

#define SOURCE_INSERT                                                                    \
	"INSERT INTO sources(path,format,bytes,checksum,records,stored,rejected,created," \
	"updated,unchanged,ingested_at) VALUES('/x','t',0,'c',0,0,0,0,0,0,"             \
	"'2024-01-01T00:00:00Z')"

Test(store, rollback_leaves_nothing)
{
	struct store *st = open_migrated();
	char *err = NULL;
	cr_assert_eq(store_begin(st, &err), ORR_OK, "%s", err ? err : "");
	cr_assert_eq(run(st, SOURCE_INSERT, NULL, NULL), ORR_OK);
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM sources"), "1");
	store_rollback(st);
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM sources"), "0");
	store_rollback(st); /* no transaction: harmless */
	store_close(st);
}

Test(store, commit_persists)
{
	struct store *st = open_migrated();
	char *err = NULL;
	cr_assert_eq(store_begin(st, &err), ORR_OK, "%s", err ? err : "");
	cr_assert_eq(run(st, SOURCE_INSERT, NULL, NULL), ORR_OK);
	cr_assert_eq(store_commit(st, &err), ORR_OK, "%s", err ? err : "");
	store_close(st);
	st = open_ok(STORE_READONLY);
	cr_expect_str_eq(scalar(st, "SELECT count(*) FROM sources"), "1");
	store_close(st);
}

Test(store, commit_without_begin_fails)
{
	struct store *st = open_migrated();
	char *err = NULL;
	cr_expect_neq(store_commit(st, &err), ORR_OK);
	cr_expect_not_null(err);
	free(err);
	store_close(st);
}

Test(store, second_writer_gets_tempfail)
{
	setenv("ORRERY_BUSY_MS", "50", 1);
	struct store *a = open_migrated();
	struct store *b = open_ok(STORE_READWRITE);
	char *err = NULL;
	cr_assert_eq(store_begin(a, &err), ORR_OK, "%s", err ? err : "");
	enum orr_rc rc = store_begin(b, &err);
	cr_expect_eq(rc, ORR_TEMPFAIL, "second writer: rc %d", rc);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "locked") != NULL, "message: %s", err);
	free(err);
	err = NULL;
	store_rollback(a);
	cr_expect_eq(store_begin(b, &err), ORR_OK, "after the first let go: %s", err ? err : "");
	store_rollback(b);
	store_close(b);
	store_close(a);
}

Test(store, reader_not_blocked_by_writer)
{
	setenv("ORRERY_BUSY_MS", "50", 1);
	struct store *w = open_migrated();
	char *err = NULL;
	cr_assert_eq(store_begin(w, &err), ORR_OK);
	cr_assert_eq(run(w, SOURCE_INSERT, NULL, NULL), ORR_OK);
	struct store *r = open_ok(STORE_READONLY);
	cr_expect_str_eq(scalar(r, "SELECT count(*) FROM sources"), "0",
			 "a reader sees the last commit while a write is open (WAL)");
	cr_assert_eq(store_commit(w, &err), ORR_OK, "%s", err ? err : "");
	cr_expect_str_eq(scalar(r, "SELECT count(*) FROM sources"), "1");
	store_close(r);
	store_close(w);
}

Test(store, busy_timeout_from_env)
{
	static const struct {
		const char *env; /* NULL: unset */
		int ms;
	} cases[] = {
		{ NULL, 5000 },  { "50", 50 },     { "0", 0 },       { "600000", 600000 },
		{ "", 5000 },    { "abc", 5000 },  { "10ms", 5000 }, { "-1", 5000 },
		{ "600001", 5000 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (cases[i].env)
			setenv("ORRERY_BUSY_MS", cases[i].env, 1);
		else
			unsetenv("ORRERY_BUSY_MS");
		int ms = store_busy_timeout_ms();
		cr_expect_eq(ms, cases[i].ms, "ORRERY_BUSY_MS=%s: %d, want %d",
			     cases[i].env ? cases[i].env : "(unset)", ms, cases[i].ms);
	}
}

Test(store, engine_version)
{
	const char *v = store_engine_version();
	cr_assert_not_null(v);
	cr_expect_eq(v[0], '3', "SQLite 3: %s", v);
}
