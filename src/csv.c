/* csv.c - streaming RFC 4180 reader.
 *
 * Input is read in fixed chunks, validated (or transcoded) chunk by chunk,
 * and scanned with a small state machine whose state survives chunk edges,
 * so memory depends on the longest record, never on the file size.
 *
 * Lenient rules, as in most readers:
 *  - a quote inside an unquoted field is an ordinary character;
 *  - text between a closing quote and the next separator ("abc"def,) is
 *    appended to the field as is, quotes included.
 *
 * Other documented behaviour:
 *  - Latin-1 / CP1252 input is transcoded per chunk before parsing, so
 *    csv_raw() returns UTF-8 text;
 *  - a UTF-8 byte-order mark is skipped in every encoding (in Latin-1 it
 *    would read as "ï»¿", which is never wanted in a header);
 *  - separator detection looks at the first record as far as the first
 *    chunk holds it;
 *  - after CSV_ERROR the reader stays failed: later calls repeat the error,
 *    because the position inside the stream is no longer meaningful. */
#include "csv.h"
#include "utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Overridable so tests and fuzzing can put chunk edges everywhere. */
#ifndef CSV_CHUNK
#define CSV_CHUNK (64 * 1024)
#endif
/* A first read must hold a whole BOM and a whole UTF-8 sequence. */
_Static_assert(CSV_CHUNK >= 4, "CSV_CHUNK must be at least 4");

#define CSV_DEFAULT_MAX ((size_t)64 * 1024 * 1024)
/* Field slots are capped so their memory stays within max_record too. */
#define CSV_MIN_FIELDS 4096
#define CSV_ONES UINT64_C(0x0101010101010101)
#define CSV_HIGHS UINT64_C(0x8080808080808080)
/* Nonzero when some byte of w is zero (exact for the any-byte test). */
#define CSV_HAS_ZERO(w) (((w) - CSV_ONES) & ~(w) & CSV_HIGHS)

enum csv_state { ST_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN };
enum csv_bad { BAD_NONE, BAD_NUL, BAD_UTF8, BAD_CP1252 };

struct csv {
	FILE *fp;
	char sep;
	enum csv_encoding encoding;
	size_t max_record, max_fields;

	/* Input: rbuf holds bytes from fread (UTF-8 carry first); in points at
	 * rbuf or, when transcoding, tbuf.  Only in[pos..len) is parseable. */
	char *rbuf, *tbuf, *in;
	size_t pos, len, carry_off, carry_len;
	int eof, bom_done, skip_lf;
	uint64_t digest;        /* FNV-1a of every byte read, see csv_digest */
	size_t nread;
	enum csv_bad bad;
	unsigned char bad_byte;

	/* Current record. */
	enum csv_state state;
	int qcr, raw_in_buf;
	long line, rec_line, qline;
	char *raw, *data, *raw_ptr;
	size_t raw_len, raw_cap, raw_plen, data_len, data_cap, field_start;
	struct csv_field *fields;
	size_t nfields, fields_cap;

	int failed;
	long err_line;
	char err[256];

	/* Byte classes: cls stops an unquoted scan, qcls a quoted one. */
	unsigned char cls[256], qcls[256];
	/* Transcoding table: UTF-8 bytes in [0..2], length in [3] (0: bad). */
	unsigned char enc[256][4];
};

/* Record an error; the reader stays failed from then on. */
__attribute__((format(printf, 3, 4)))
static int csv_set_error(struct csv *c, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	c->err_line = line;
	c->failed = 1;
	return -1;
}

/* The byte the chunk scan stopped at has now been reached by the parser. */
static int csv_bad_error(struct csv *c)
{
	long l = c->line;

	if (c->bad == BAD_NUL)
		return csv_set_error(c, l, "NUL byte on line %ld: this looks like binary data, not CSV", l);
	if (c->bad == BAD_CP1252)
		return csv_set_error(c, l,
				     "byte 0x%02X on line %ld is undefined in Windows-1252; "
				     "if the file is Latin-1, pass --encoding latin1",
				     c->bad_byte, l);
	return csv_set_error(c, l,
			     "invalid UTF-8 (byte 0x%02X) on line %ld; if the file is Latin-1 or "
			     "Windows-1252, pass --encoding latin1 or --encoding cp1252",
			     c->bad_byte, l);
}

/* Grow *buf to hold need bytes; doubling keeps appends amortised O(1). */
static int csv_reserve(struct csv *c, char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	p = realloc(*buf, n);
	if (!p)
		return csv_set_error(c, c->rec_line, "out of memory on line %ld", c->rec_line);
	*buf = p;
	*cap = n;
	return 0;
}

/* Offset of the first byte that is not valid, non-NUL UTF-8.  NUL counts as
 * bad here so one pass both validates and catches binary files. */
static size_t csv_utf8_scan(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint64_t w;
		size_t k;

		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!((w | ((w - CSV_ONES) & ~w)) & CSV_HIGHS)) {
				i += 8;
				continue;
			}
		}
		if (s[i] == 0)
			return i;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : 2;
		if (k > n - i || utf8_valid_prefix((const char *)s + i, k) != k)
			return i;
		i += k;
	}
	return i;
}

/* Expose the valid part of rbuf[skip..n); a sequence cut by the chunk edge
 * is carried into the next read instead of being called invalid. */
static void csv_take_utf8(struct csv *c, size_t skip, size_t n)
{
	const unsigned char *r = (const unsigned char *)c->rbuf;
	size_t stop = skip + csv_utf8_scan(r + skip, n - skip);

	if (stop < n) {
		if (r[stop] != 0 && !c->eof && n - stop < 4) {
			c->carry_off = stop;
			c->carry_len = n - stop;
		} else {
			c->bad = r[stop] ? BAD_UTF8 : BAD_NUL;
			c->bad_byte = r[stop];
		}
	}
	c->in = c->rbuf;
	c->pos = skip;
	c->len = stop;
}

/* Transcode rbuf[skip..n) into tbuf, stopping at NUL or an undefined byte. */
static void csv_transcode(struct csv *c, size_t skip, size_t n)
{
	const unsigned char *r = (const unsigned char *)c->rbuf;
	unsigned char *o = (unsigned char *)c->tbuf;
	size_t i = skip;

	while (i < n) {
		const unsigned char *e;
		uint64_t w;

		if (n - i >= 8) {
			memcpy(&w, r + i, 8);
			if (!((w | ((w - CSV_ONES) & ~w)) & CSV_HIGHS)) {
				memcpy(o, &w, 8);
				o += 8;
				i += 8;
				continue;
			}
		}
		e = c->enc[r[i]];
		if (!e[3]) {
			c->bad = r[i] ? BAD_CP1252 : BAD_NUL;
			c->bad_byte = r[i];
			break;
		}
		memcpy(o, e, 4);
		o += e[3];
		i++;
	}
	c->in = c->tbuf;
	c->pos = 0;
	c->len = (size_t)(o - (unsigned char *)c->tbuf);
}

/* Fold bytes just read into the digest (FNV-1a 64). */
static void csv_hash(struct csv *c, const char *p, size_t n)
{
	uint64_t h = c->digest;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * UINT64_C(0x100000001b3);
	c->digest = h;
	c->nread += n;
}

uint64_t csv_digest(const struct csv *c, size_t *bytes)
{
	*bytes = c->nread;
	return c->digest;
}

/* Read one chunk behind any carried bytes and make it parseable. */
static int csv_read_chunk(struct csv *c)
{
	size_t keep = c->carry_len, n, skip = 0;

	if (keep)
		memmove(c->rbuf, c->rbuf + c->carry_off, keep);
	c->carry_len = 0;
	n = fread(c->rbuf + keep, 1, CSV_CHUNK, c->fp);
	csv_hash(c, c->rbuf + keep, n);
	if (n < CSV_CHUNK) {
		if (ferror(c->fp))
			return csv_set_error(c, c->line, "read error on line %ld: %s", c->line, strerror(errno));
		c->eof = 1;
	}
	n += keep;
	if (!c->bom_done) {
		c->bom_done = 1;
		if (n >= 3 && memcmp(c->rbuf, "\xEF\xBB\xBF", 3) == 0)
			skip = 3;
	}
	if (c->encoding == CSV_UTF8)
		csv_take_utf8(c, skip, n);
	else
		csv_transcode(c, skip, n);
	return 0;
}

/* Make in[pos..len) non-empty: 1 on data, 0 at end of input, -1 on error
 * (including a bad byte the parser has now reached). */
static int csv_fill(struct csv *c)
{
	while (c->pos == c->len) {
		if (c->bad)
			return csv_bad_error(c);
		if (c->eof)
			return 0;
		if (csv_read_chunk(c) < 0)
			return -1;
	}
	return 1;
}

/* Close the current field: NUL-terminate it and remember its length.
 * Pointers are set only at the end because data may move as it grows. */
static int csv_end_field(struct csv *c)
{
	if (c->nfields == c->fields_cap) {
		size_t n = c->fields_cap ? c->fields_cap * 2 : 64;
		struct csv_field *f;

		if (c->nfields >= c->max_fields)
			return csv_set_error(c, c->rec_line, "record has more than %zu fields on line %ld",
					     c->max_fields, c->rec_line);
		if (n > c->max_fields)
			n = c->max_fields;
		f = realloc(c->fields, n * sizeof *f);
		if (!f)
			return csv_set_error(c, c->rec_line, "out of memory on line %ld", c->rec_line);
		c->fields = f;
		c->fields_cap = n;
	}
	c->fields[c->nfields].len = c->data_len - c->field_start;
	c->data[c->data_len++] = '\0';
	c->field_start = c->data_len;
	c->nfields++;
	return 0;
}

/* Copy in[from..to) into the current field (space reserved by the caller). */
static void csv_append(struct csv *c, size_t from, size_t to)
{
	memcpy(c->data + c->data_len, c->in + from, to - from);
	c->data_len += to - from;
}

/* Skip whole 8-byte words of in[p..e) holding none of x, CR, LF; the
 * byte loops after it find the exact stop.  Fields are short, but this
 * still halves the cost of scanning typical data. */
static inline size_t csv_skip_words(const unsigned char *in, size_t p, size_t e, unsigned char x)
{
	const uint64_t mx = CSV_ONES * x, mcr = CSV_ONES * '\r', mlf = CSV_ONES * '\n';

	while (e - p >= 8) {
		uint64_t w;

		memcpy(&w, in + p, 8);
		if (CSV_HAS_ZERO(w ^ mx) | CSV_HAS_ZERO(w ^ mcr) | CSV_HAS_ZERO(w ^ mlf))
			break;
		p += 8;
	}
	return p;
}

/* Unquoted text up to a separator or newline: 1 when a record terminator
 * is at pos, 0 to keep going, -1 on error. */
static int csv_unquoted_span(struct csv *c)
{
	const unsigned char *in = (const unsigned char *)c->in;
	size_t p = c->pos, e = c->len;

	p = csv_skip_words(in, p, e, (unsigned char)c->sep);
	while (p < e && !c->cls[in[p]])
		p++;
	csv_append(c, c->pos, p);
	c->pos = p;
	if (p == e)
		return 0;
	if (in[p] != (unsigned char)c->sep)
		return 1;
	c->pos++;
	c->state = ST_START;
	return csv_end_field(c);
}

/* Quoted text up to the next quote, counting embedded newlines so later
 * records get the right physical line (CRLF is one line, even when the CR
 * ends one chunk and the LF starts the next). */
static void csv_quoted_span(struct csv *c)
{
	const unsigned char *in = (const unsigned char *)c->in;
	size_t s = c->pos, p = s, e = c->len;

	while (p < e) {
		p = csv_skip_words(in, p, e, '"');
		while (p < e && !c->qcls[in[p]])
			p++;
		if (p == e || in[p] == '"')
			break;
		if (in[p] == '\r' || !(p > s ? in[p - 1] == '\r' : c->qcr))
			c->line++;
		p++;
	}
	if (p > s)
		c->qcr = in[p - 1] == '\r';
	csv_append(c, s, p);
	c->pos = p;
	if (p < e) {
		c->pos++;
		c->state = ST_QUOTE_SEEN;
	}
}

/* One step of the record state machine over in[pos..len), which is
 * non-empty: 1 when a record terminator is at pos, 0 to continue, -1 on
 * error. */
static int csv_step(struct csv *c)
{
	switch (c->state) {
	case ST_START:
		c->state = ST_UNQUOTED;
		if (c->in[c->pos] == '"') {
			c->pos++;
			c->state = ST_QUOTED;
			c->qcr = 0;
			c->qline = c->line;
		}
		return 0;
	case ST_UNQUOTED:
		return csv_unquoted_span(c);
	case ST_QUOTED:
		csv_quoted_span(c);
		return 0;
	case ST_QUOTE_SEEN:
		/* A doubled quote is a literal one; anything else closes the
		 * quotes and the rest of the field is read as unquoted text. */
		c->state = ST_UNQUOTED;
		if (c->in[c->pos] == '"') {
			c->data[c->data_len++] = '"';
			c->pos++;
			c->state = ST_QUOTED;
			c->qcr = 0;
		}
		return 0;
	}
	return 0;
}

/* Reject a record once its raw length passes max_record. */
static int csv_check_length(struct csv *c, size_t len)
{
	if (len > c->max_record)
		return csv_set_error(c, c->rec_line, "record longer than %zu bytes on line %ld", c->max_record,
				     c->rec_line);
	return 0;
}

/* Each input byte yields at most one data byte (a separator becomes the
 * NUL), plus one NUL for a record ending at EOF; reserving that up front
 * keeps the scanning loops free of capacity checks. */
static int csv_reserve_data(struct csv *c)
{
	return csv_reserve(c, &c->data, &c->data_cap, c->data_len + (c->len - c->pos) + 2);
}

/* Save in[start..end) of the record before the chunk holding it goes. */
static int csv_flush_raw(struct csv *c, size_t start, size_t end)
{
	size_t k = end - start;

	if (csv_check_length(c, c->raw_len + k) < 0)
		return -1;
	if (csv_reserve(c, &c->raw, &c->raw_cap, c->raw_len + k + 1) < 0)
		return -1;
	memcpy(c->raw + c->raw_len, c->in + start, k);
	c->raw_len += k;
	c->raw_in_buf = 1;
	return 0;
}

/* Finish a record whose terminator is at pos (or which ends at EOF). */
static enum csv_status csv_end_record(struct csv *c, size_t start)
{
	size_t term = c->pos, i, off = 0;

	if (c->raw_in_buf) {
		if (csv_flush_raw(c, start, term) < 0)
			return CSV_ERROR;
		c->raw[c->raw_len] = '\0';
		c->raw_ptr = c->raw;
		c->raw_plen = c->raw_len;
	} else {
		if (csv_check_length(c, term - start) < 0)
			return CSV_ERROR;
		c->raw_ptr = c->in + start;
		c->raw_plen = term - start;
	}
	if (csv_end_field(c) < 0)
		return CSV_ERROR;
	if (term < c->len) {
		c->skip_lf = c->in[term] == '\r';
		c->line++;
		c->pos++;
		/* The terminator is consumed; reuse its byte to NUL-end csv_raw. */
		c->in[term] = '\0';
	}
	for (i = 0; i < c->nfields; i++) {
		c->fields[i].ptr = c->data + off;
		off += c->fields[i].len + 1;
	}
	return CSV_ROW;
}

/* End of input inside a record: finish it, or report an open quote. */
static enum csv_status csv_finish_eof(struct csv *c, size_t start)
{
	if (c->state == ST_QUOTED) {
		csv_set_error(c, c->qline, "unterminated quoted field (opened on line %ld)", c->qline);
		return CSV_ERROR;
	}
	if (c->raw_len == 0 && c->nfields == 0 && c->state == ST_START)
		return CSV_EOF;
	return csv_end_record(c, start);
}

/* Scan one record, refilling the input as needed. */
static enum csv_status csv_scan_record(struct csv *c)
{
	size_t start = c->pos;
	int r;

	for (;;) {
		if (c->pos == c->len) {
			if (csv_flush_raw(c, start, c->len) < 0)
				return CSV_ERROR;
			r = csv_fill(c);
			if (r < 0)
				return CSV_ERROR;
			if (r == 0)
				return csv_finish_eof(c, c->pos);
			start = c->pos;
			if (csv_reserve_data(c) < 0)
				return CSV_ERROR;
			continue;
		}
		r = csv_step(c);
		if (r < 0)
			return CSV_ERROR;
		if (r > 0)
			return csv_end_record(c, start);
	}
}

/* Skip the LF of a CRLF whose CR ended the previous record, and make sure
 * there is input: 1 on data, 0 at EOF, -1 on error. */
static int csv_begin_record(struct csv *c)
{
	int r = csv_fill(c);

	if (r <= 0)
		return r;
	if (c->skip_lf) {
		c->skip_lf = 0;
		if (c->in[c->pos] == '\n') {
			c->pos++;
			r = csv_fill(c);
		}
	}
	return r;
}

/* Read the next record. */
enum csv_status csv_next(struct csv *c, const struct csv_field **fields, size_t *n)
{
	enum csv_status st;
	int r;

	if (c->failed)
		return CSV_ERROR;
	c->raw_len = c->data_len = c->field_start = c->nfields = 0;
	c->raw_in_buf = 0;
	c->raw_ptr = NULL;
	c->raw_plen = 0;
	c->state = ST_START;
	r = csv_begin_record(c);
	if (r <= 0)
		return r < 0 ? CSV_ERROR : CSV_EOF;
	c->rec_line = c->line;
	if (csv_reserve_data(c) < 0)
		return CSV_ERROR;
	st = csv_scan_record(c);
	if (st == CSV_ROW) {
		*fields = c->fields;
		*n = c->nfields;
	}
	return st;
}

/* Pick `,` `;` or TAB by counting them outside quotes in the first record;
 * quote handling is simplified (any quote toggles) since this only votes. */
static char csv_detect_sep(const struct csv *c)
{
	const unsigned char *in = (const unsigned char *)c->in;
	size_t comma = 0, semi = 0, tab = 0, p;
	int inq = 0;

	for (p = c->pos; p < c->len; p++) {
		unsigned char b = in[p];

		if (b == '"')
			inq = !inq;
		else if (inq)
			continue;
		else if (b == '\r' || b == '\n')
			break;
		else if (b == ',')
			comma++;
		else if (b == ';')
			semi++;
		else if (b == '\t')
			tab++;
	}
	if (semi > comma && semi > tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

/* Byte classes for the scanning loops, once the separator is known. */
static void csv_init_classes(struct csv *c)
{
	memset(c->cls, 0, sizeof c->cls);
	memset(c->qcls, 0, sizeof c->qcls);
	c->cls[(unsigned char)c->sep] = c->cls['\r'] = c->cls['\n'] = 1;
	c->qcls['"'] = c->qcls['\r'] = c->qcls['\n'] = 1;
}

/* Precompute each byte's UTF-8 form so transcoding is a table copy. */
static void csv_init_transcoding(struct csv *c)
{
	unsigned b;

	for (b = 0; b < 256; b++) {
		unsigned cp = c->encoding == CSV_CP1252 ? cp1252_to_cp((unsigned char)b)
							: latin1_to_cp((unsigned char)b);

		memset(c->enc[b], 0, 4);
		if (cp)
			c->enc[b][3] = (unsigned char)utf8_encode(cp, (char *)c->enc[b]);
	}
}

/* Allocate the reader and its fixed-size input buffers. */
static struct csv *csv_alloc(FILE *fp, const struct csv_options *opt)
{
	struct csv *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->fp = fp;
	c->digest = UINT64_C(0xcbf29ce484222325);
	c->line = c->rec_line = 1;
	c->sep = opt ? opt->sep : 0;
	c->encoding = opt ? opt->encoding : CSV_UTF8;
	c->max_record = opt && opt->max_record ? opt->max_record : CSV_DEFAULT_MAX;
	c->max_fields = c->max_record / sizeof(struct csv_field);
	if (c->max_fields < CSV_MIN_FIELDS)
		c->max_fields = CSV_MIN_FIELDS;
	/* 4 spare bytes for a carried UTF-8 tail, 1 for a NUL after the last. */
	c->rbuf = malloc(CSV_CHUNK + 8);
	/* CP1252 expands a byte to at most 3; the table copy writes 4. */
	if (c->encoding != CSV_UTF8)
		c->tbuf = malloc(3 * (size_t)CSV_CHUNK + 8);
	if (!c->rbuf || (c->encoding != CSV_UTF8 && !c->tbuf)) {
		csv_close(c);
		return NULL;
	}
	c->in = c->rbuf;
	return c;
}

/* Start reading fp; the first chunk is read now so the separator can be
 * detected before the first record is asked for. */
struct csv *csv_open(FILE *fp, const struct csv_options *opt)
{
	struct csv *c = csv_alloc(fp, opt);

	if (!c)
		return NULL;
	if (c->sep == '"' || c->sep == '\r' || c->sep == '\n') {
		csv_set_error(c, 0, "separator cannot be a quote or a newline");
		return c;
	}
	if (c->encoding != CSV_UTF8 && c->encoding != CSV_LATIN1 && c->encoding != CSV_CP1252) {
		csv_set_error(c, 0, "unknown encoding %d", (int)c->encoding);
		return c;
	}
	csv_init_transcoding(c);
	csv_fill(c);
	if (!c->sep)
		c->sep = c->failed ? ',' : csv_detect_sep(c);
	csv_init_classes(c);
	return c;
}

/* Free the reader (not the FILE, which belongs to the caller). */
void csv_close(struct csv *c)
{
	if (!c)
		return;
	free(c->rbuf);
	free(c->tbuf);
	free(c->raw);
	free(c->data);
	free(c->fields);
	free(c);
}

/* Physical line on which the current record started. */
long csv_line(const struct csv *c)
{
	return c->rec_line;
}

/* Raw text of the current record, NUL-terminated, without terminator. */
const char *csv_raw(const struct csv *c, size_t *len)
{
	if (len)
		*len = c->raw_ptr ? c->raw_plen : 0;
	return c->raw_ptr ? c->raw_ptr : "";
}

/* The separator in use (given or detected). */
char csv_separator(const struct csv *c)
{
	return c->sep;
}

/* Why the last csv_next returned CSV_ERROR ("" if it did not). */
const char *csv_error(const struct csv *c)
{
	return c->err;
}

/* Line the error refers to (0 if none). */
long csv_error_line(const struct csv *c)
{
	return c->err_line;
}
