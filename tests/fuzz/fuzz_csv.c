/* fuzz_csv.c - libFuzzer target for the streaming CSV reader.
 *
 * Each input is read through fmemopen + csv_open/csv_next in every encoding,
 * with separator detection and with an explicit separator and a small
 * max_record.  Every result is checked against a simple whole-buffer
 * reference parser with the same documented rules, so chunk-edge bugs show
 * up as mismatches, not only as crashes.  Build with -DCSV_CHUNK=7 (both
 * files) to put chunk edges everywhere. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum ref_err { E_NONE, E_BAD, E_MAX, E_UNTERM, E_FIELDS };
enum ref_state { R_START, R_UNQ, R_Q, R_QSEEN };

/* Whole-buffer model of one reader configuration. */
struct ref {
	unsigned char *t;       /* text after BOM skip and transcoding */
	size_t vend;            /* end of the valid part of t */
	int has_bad;            /* input has a bad byte at vend */
	size_t pos, max;
	long line;
	int skip_lf;
	unsigned char sep;
	/* Current record. */
	unsigned char *data;
	size_t dlen, *flen, nf, start, end;
	long rline;
	enum ref_err err;
	long eline;
};

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz_csv: check failed: %s (line %d)\n", #cond, \
				__LINE__);                                            \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* Decode the input as the reader would; returns the text length. */
static size_t ref_text(struct ref *r, const uint8_t *in, size_t n, enum csv_encoding enc)
{
	size_t i = 0, o = 0;

	if (n >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	if (enc == CSV_UTF8) {
		size_t v = utf8_valid_prefix((const char *)in + i, n - i);
		const void *z = memchr(in + i, 0, v);

		if (z)
			v = (size_t)((const uint8_t *)z - (in + i));
		memcpy(r->t, in + i, n - i);
		r->vend = v;
		r->has_bad = v < n - i;
		return n - i;
	}
	for (; i < n; i++) {
		unsigned cp = enc == CSV_CP1252 ? cp1252_to_cp(in[i]) : latin1_to_cp(in[i]);

		if (!cp)
			break;
		o += utf8_encode(cp, (char *)r->t + o);
	}
	r->vend = o;
	r->has_bad = i < n;
	return o;
}

/* The reader's detection rule, over the text it would see. */
static char ref_detect(const struct ref *r)
{
	size_t p, comma = 0, semi = 0, tab = 0;
	int inq = 0;

	for (p = 0; p < r->vend; p++) {
		unsigned char b = r->t[p];

		if (b == '"')
			inq = !inq;
		else if (inq)
			continue;
		else if (b == '\r' || b == '\n')
			break;
		else
			comma += b == ',', semi += b == ';', tab += b == '\t';
	}
	if (semi > comma && semi > tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

/* Close the model's current field. */
static void ref_end_field(struct ref *r, size_t *fstart)
{
	r->flen[r->nf++] = r->dlen - *fstart;
	*fstart = r->dlen;
}

/* Set the error the reader must report when the record hits vend. */
static enum csv_status ref_at_end(struct ref *r, enum ref_state st, long qline, size_t *fstart)
{
	if (r->vend - r->start > r->max) {
		r->err = E_MAX, r->eline = r->rline;
		return CSV_ERROR;
	}
	if (r->has_bad) {
		r->err = E_BAD, r->eline = r->line;
		return CSV_ERROR;
	}
	if (st == R_Q) {
		r->err = E_UNTERM, r->eline = qline;
		return CSV_ERROR;
	}
	ref_end_field(r, fstart);
	r->end = r->vend;
	return CSV_ROW;
}

/* The record ends at the newline b just consumed. */
static enum csv_status ref_terminate(struct ref *r, unsigned char b, size_t *fstart)
{
	r->end = r->pos - 1;
	if (r->end - r->start > r->max) {
		r->err = E_MAX, r->eline = r->rline;
		return CSV_ERROR;
	}
	ref_end_field(r, fstart);
	r->line++;
	r->skip_lf = b == '\r';
	return CSV_ROW;
}

/* Next record of the model, byte by byte with no chunking. */
static enum csv_status ref_next(struct ref *r)
{
	enum ref_state st = R_START;
	size_t fstart = 0;
	long qline = 0;
	int qcr = 0;

	if (r->skip_lf && r->pos < r->vend && r->t[r->pos] == '\n')
		r->pos++;
	r->skip_lf = 0;
	r->start = r->pos, r->rline = r->line, r->dlen = r->nf = 0;
	if (r->pos == r->vend) {
		if (!r->has_bad)
			return CSV_EOF;
		r->err = E_BAD, r->eline = r->line;
		return CSV_ERROR;
	}
	while (r->pos < r->vend) {
		unsigned char b = r->t[r->pos];

		if (st == R_START) {
			st = R_UNQ;
			if (b == '"') {
				st = R_Q, qline = r->line, qcr = 0, r->pos++;
				continue;
			}
		}
		if (st == R_QSEEN) {
			st = R_UNQ;
			if (b == '"') {
				r->data[r->dlen++] = '"';
				st = R_Q, qcr = 0, r->pos++;
				continue;
			}
		}
		r->pos++;
		if (st == R_Q) {
			if (b == '"') {
				st = R_QSEEN;
				continue;
			}
			if (b == '\r' || (b == '\n' && !qcr))
				r->line++;
			qcr = b == '\r';
			r->data[r->dlen++] = b;
		} else if (b == r->sep) {
			ref_end_field(r, &fstart);
			st = R_START;
		} else if (b == '\r' || b == '\n') {
			return ref_terminate(r, b, &fstart);
		} else {
			r->data[r->dlen++] = b;
		}
	}
	return ref_at_end(r, st, qline, &fstart);
}

/* Error class of a reader message. */
static enum ref_err classify(const char *msg)
{
	if (strncmp(msg, "NUL byte", 8) == 0 || strncmp(msg, "invalid UTF-8", 13) == 0 ||
	    strncmp(msg, "byte 0x", 7) == 0)
		return E_BAD;
	if (strncmp(msg, "record longer", 13) == 0)
		return E_MAX;
	if (strncmp(msg, "unterminated", 12) == 0)
		return E_UNTERM;
	if (strstr(msg, "fields"))
		return E_FIELDS;
	return E_NONE;
}

/* One reader record must equal the model's. */
static void compare_row(struct csv *c, struct ref *r, const struct csv_field *f, size_t n)
{
	size_t i, off = 0, rawlen;
	const char *raw = csv_raw(c, &rawlen);

	CHECK(n == r->nf);
	CHECK(csv_line(c) == r->rline);
	for (i = 0; i < n; i++) {
		CHECK(f[i].len == r->flen[i]);
		CHECK(memcmp(f[i].ptr, r->data + off, f[i].len) == 0);
		CHECK(f[i].ptr[f[i].len] == '\0');
		CHECK(utf8_valid_prefix(f[i].ptr, f[i].len) == f[i].len);
		off += f[i].len;
	}
	CHECK(rawlen == r->end - r->start);
	CHECK(memcmp(raw, r->t + r->start, rawlen) == 0);
	CHECK(raw[rawlen] == '\0');
}

/* Read the whole input with one configuration and check it against the model. */
static void run(const uint8_t *data, size_t size, enum csv_encoding enc, char sep, size_t max)
{
	struct csv_options o = {.sep = sep, .encoding = enc, .max_record = max};
	FILE *fp = fmemopen((void *)(uintptr_t)data, size, "r");
	struct ref r = {0};
	struct csv *c;

	if (!fp)
		return;
	r.t = malloc(3 * size + 8);
	r.data = malloc(3 * size + 8);
	r.flen = malloc((3 * size + 8) * sizeof *r.flen);
	c = csv_open(fp, &o);
	CHECK(c && r.t && r.data && r.flen);
	ref_text(&r, data, size, enc);
	r.sep = (unsigned char)csv_separator(c);
	r.max = max ? max : (size_t)64 << 20;
	r.line = 1;
	if (sep)
		CHECK(r.sep == (unsigned char)sep);
	else
		CHECK(r.sep == ',' || r.sep == ';' || r.sep == '\t');
#ifndef CSV_CHUNK
	/* With the real 64 KiB chunk the whole fuzz input is seen at once. */
	if (!sep && size < 60000)
		CHECK(r.sep == (unsigned char)ref_detect(&r));
#endif
	for (;;) {
		const struct csv_field *f;
		size_t n;
		enum csv_status got = csv_next(c, &f, &n), want = ref_next(&r);

		if (got == CSV_ERROR && classify(csv_error(c)) == E_FIELDS && r.nf >= 4096)
			break;
		CHECK(got == want);
		if (got == CSV_ROW) {
			compare_row(c, &r, f, n);
			continue;
		}
		if (got == CSV_ERROR) {
			CHECK(classify(csv_error(c)) == r.err);
			CHECK(csv_error_line(c) == r.eline);
			CHECK(csv_next(c, &f, &n) == CSV_ERROR);
		}
		break;
	}
	csv_close(c);
	fclose(fp);
	free(r.t);
	free(r.data);
	free(r.flen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum csv_encoding encs[] = {CSV_UTF8, CSV_LATIN1, CSV_CP1252};
	size_t small = size ? 1 + data[0] % 48 : 1, i;

	for (i = 0; i < 3; i++) {
		run(data, size, encs[i], 0, 0);
		run(data, size, encs[i], ',', small);
		run(data, size, encs[i], ';', 0);
	}
	return 0;
}
