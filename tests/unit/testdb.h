/* testdb.h - a database file of its own for each test process.  Criterion
 * forks a process per test; a file left by a crashed earlier run under a
 * reused pid would otherwise hand a test someone else's rows. */
#ifndef ORR_TESTDB_H
#define ORR_TESTDB_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store.h"

static inline void testdb_remove(const char *db)
{
	char path[128];
	unlink(db);
	snprintf(path, sizeof path, "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", db);
	unlink(path);
}

/* /tmp/orrery-NAME-PID.db, removed first if it exists. */
static inline void testdb_fresh(char *db, size_t size, const char *name)
{
	snprintf(db, size, "/tmp/orrery-%s-%ld.db", name, (long)getpid());
	testdb_remove(db);
}

/* testdb_fresh, then opened and migrated: the test's store. */
static inline struct store *testdb_open(char *db, size_t size, const char *name)
{
	testdb_fresh(db, size, name);
	struct store *st = NULL;
	char *err = NULL;
	cr_assert_eq(store_open(db, STORE_READWRITE, &st, &err), ORR_OK, "%s", err);
	cr_assert_eq(store_migrate(st, NULL, &err), ORR_OK, "%s", err);
	return st;
}

static inline void testdb_close(struct store *st, const char *db)
{
	store_close(st);
	testdb_remove(db);
}

#endif
