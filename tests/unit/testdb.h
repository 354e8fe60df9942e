/* testdb.h - a database file of its own for each test process.  Criterion
 * forks a process per test; a file left by a crashed earlier run under a
 * reused pid would otherwise hand a test someone else's rows. */
#ifndef ORR_TESTDB_H
#define ORR_TESTDB_H

#include <stdio.h>
#include <unistd.h>

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

#endif
