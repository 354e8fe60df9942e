/* csv.h - streaming RFC 4180 reader.
 *
 * Reads one record at a time from a FILE, in bounded memory: quoted fields
 * with separators, quotes and newlines inside; CRLF, LF and lone CR mixed;
 * a UTF-8 byte-order mark; `,` `;` or TAB detected from the first record.
 * Input is validated as UTF-8, or transcoded from Latin-1 / CP1252, so every
 * field handed out is valid UTF-8.  Depends on libc only. */
#ifndef ORR_CSV_H
#define ORR_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum csv_encoding { CSV_UTF8, CSV_LATIN1, CSV_CP1252 };

struct csv_options {
	char sep;               /* 0: detect from the first record */
	enum csv_encoding encoding;
	size_t max_record;      /* 0: 64 MiB; a longer record is a structural error */
};

struct csv_field {
	const char *ptr;        /* NUL-terminated, unescaped, valid UTF-8 */
	size_t len;
};

enum csv_status { CSV_ERROR = -1, CSV_EOF = 0, CSV_ROW = 1 };

struct csv;

/* Start reading fp (not owned: the caller closes it).  opt may be NULL. */
struct csv *csv_open(FILE *fp, const struct csv_options *opt);
void csv_close(struct csv *c);

/* Read the next record.  On CSV_ROW, *fields and *n stay valid until the
 * next call.  An empty line yields a record of one empty field.  On
 * CSV_ERROR, csv_error() says what is wrong and csv_error_line() where. */
enum csv_status csv_next(struct csv *c, const struct csv_field **fields, size_t *n);

/* Physical line (1-based) on which the current record started. */
long csv_line(const struct csv *c);
/* Raw bytes of the current record as read (after transcoding, without the
 * record terminator), for reports of rejected rows. */
const char *csv_raw(const struct csv *c, size_t *len);
char csv_separator(const struct csv *c);
/* FNV-1a 64 of every byte read from the FILE so far (as read, before any
 * transcoding), and their count in *bytes: after CSV_EOF, of the whole
 * input, so callers need no second pass for a checksum. */
uint64_t csv_digest(const struct csv *c, size_t *bytes);
const char *csv_error(const struct csv *c);
long csv_error_line(const struct csv *c);

#endif
