/* filedrop.h - the file drop: where orders and signals go for partners
 * without an API.  Files are written whole or not at all (a temporary file
 * renamed into place), named by what they carry, so writing one twice
 * leaves one file with the same content. */
#ifndef ORR_FILEDROP_H
#define ORR_FILEDROP_H

#include "rc.h"

struct store;

/* $ORRERY_DROP_DIR, else drop/ beside the database; caller frees. */
char *filedrop_dir(const struct store *st);

/* Write text to DIR/SUB/NAME (directories made as needed) atomically; the
 * path written in *path (caller frees).  ORR_IOERR with *err naming the
 * file on failure. */
enum orr_rc filedrop_write(const struct store *st, const char *sub, const char *name,
			   const char *text, char **path, char **err);

/* name made safe for a file name: every byte outside [A-Za-z0-9._-] becomes
 * '_', and a leading '.' too; caller frees. */
char *filedrop_safe_name(const char *name);

#endif
