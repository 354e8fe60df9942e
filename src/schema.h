/* schema.h - the migrations compiled into the binary from data/schema/. */
#ifndef ORR_SCHEMA_H
#define ORR_SCHEMA_H

struct schema_migration {
	const char *name; /* "001_core" */
	const char *sql;
};

extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

#endif
