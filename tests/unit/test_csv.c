/* Unit tests for csv.c: the streaming RFC 4180 reader. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Matches the reader's read size, to put fields across the chunk edge. */
#define CHUNK (64 * 1024)

struct rd {
	FILE *fp;
	struct csv *c;
};

/* Reader over n bytes of s, held in an anonymous temporary file. */
static struct rd rd_open(const char *s, size_t n, const struct csv_options *o)
{
	struct rd r;

	r.fp = tmpfile();
	cr_assert_not_null(r.fp);
	cr_assert_eq(fwrite(s, 1, n, r.fp), n);
	rewind(r.fp);
	r.c = csv_open(r.fp, o);
	cr_assert_not_null(r.c);
	return r;
}

/* Reader over a NUL-terminated string. */
static struct rd rd_str(const char *s, const struct csv_options *o)
{
	return rd_open(s, strlen(s), o);
}

/* Free the reader and its temporary file. */
static void rd_close(struct rd *r)
{
	csv_close(r->c);
	fclose(r->fp);
}

/* Next record must have exactly the given n fields. */
static void expect_row(struct csv *c, size_t n, ...)
{
	const struct csv_field *f;
	size_t got, i;
	enum csv_status st = csv_next(c, &f, &got);
	va_list ap;

	cr_assert_eq(st, CSV_ROW, "status %d (%s)", (int)st, csv_error(c));
	cr_assert_eq(got, n, "got %zu fields, want %zu (line %ld)", got, n, csv_line(c));
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);

		cr_assert_eq(f[i].len, strlen(want), "field %zu: len %zu, want %zu", i, f[i].len, strlen(want));
		cr_assert_str_eq(f[i].ptr, want, "field %zu", i);
	}
	va_end(ap);
}

/* Next call must report the end of input. */
static void expect_eof(struct csv *c)
{
	const struct csv_field *f;
	size_t n;
	enum csv_status st = csv_next(c, &f, &n);

	cr_assert_eq(st, CSV_EOF, "status %d (%s)", (int)st, csv_error(c));
}

/* Next call must fail with a message containing want, on line. */
static void expect_error(struct csv *c, const char *want, long line)
{
	const struct csv_field *f;
	size_t n;
	enum csv_status st = csv_next(c, &f, &n);

	cr_assert_eq(st, CSV_ERROR, "status %d", (int)st);
	cr_assert(strstr(csv_error(c), want), "error \"%s\" lacks \"%s\"", csv_error(c), want);
	cr_assert_eq(csv_error_line(c), line, "error line %ld, want %ld", csv_error_line(c), line);
}

Test(csv, simple_rows)
{
	struct rd r = rd_str("a,b,c\n1,2,3\n", NULL);

	expect_row(r.c, 3, "a", "b", "c");
	cr_assert_eq(csv_line(r.c), 1);
	expect_row(r.c, 3, "1", "2", "3");
	cr_assert_eq(csv_line(r.c), 2);
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, quoted_separators)
{
	struct rd r = rd_str("\"a,b\",c,\"d;e\"\n", NULL);

	expect_row(r.c, 3, "a,b", "c", "d;e");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, doubled_quotes)
{
	struct rd r = rd_str("\"say \"\"hi\"\"\",\"\"\"\",\"\"\n", NULL);

	expect_row(r.c, 3, "say \"hi\"", "\"", "");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, empty_fields)
{
	struct rd r = rd_str(",,\na,\n", NULL);

	expect_row(r.c, 3, "", "", "");
	expect_row(r.c, 2, "a", "");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, embedded_lf_in_quotes)
{
	struct rd r = rd_str("h1,h2\n\"line1\nline2\nline3\",x\nnext,row\n", NULL);

	expect_row(r.c, 2, "h1", "h2");
	expect_row(r.c, 2, "line1\nline2\nline3", "x");
	cr_assert_eq(csv_line(r.c), 2);
	expect_row(r.c, 2, "next", "row");
	cr_assert_eq(csv_line(r.c), 5);
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, embedded_crlf_in_quotes)
{
	struct rd r = rd_str("\"a\r\nb\r\nc\",x\r\nnext\r\n\"lone\rcr\"\r\nlast\r\n", NULL);

	expect_row(r.c, 2, "a\r\nb\r\nc", "x");
	cr_assert_eq(csv_line(r.c), 1);
	expect_row(r.c, 1, "next");
	cr_assert_eq(csv_line(r.c), 4);
	expect_row(r.c, 1, "lone\rcr");
	cr_assert_eq(csv_line(r.c), 5);
	expect_row(r.c, 1, "last");
	cr_assert_eq(csv_line(r.c), 7);
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, mixed_terminators)
{
	struct rd r = rd_str("a,1\r\nb,2\nc,3\rd,4\r\ne,5", NULL);

	expect_row(r.c, 2, "a", "1");
	expect_row(r.c, 2, "b", "2");
	cr_assert_eq(csv_line(r.c), 2);
	expect_row(r.c, 2, "c", "3");
	cr_assert_eq(csv_line(r.c), 3);
	expect_row(r.c, 2, "d", "4");
	cr_assert_eq(csv_line(r.c), 4);
	expect_row(r.c, 2, "e", "5");
	cr_assert_eq(csv_line(r.c), 5);
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, cr_then_crlf_is_two_lines)
{
	struct rd r = rd_str("a\r\r\nb\n", NULL);

	expect_row(r.c, 1, "a");
	expect_row(r.c, 1, "");
	cr_assert_eq(csv_line(r.c), 2);
	expect_row(r.c, 1, "b");
	cr_assert_eq(csv_line(r.c), 3);
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, bom_skipped)
{
	struct rd r = rd_str("\xEF\xBB\xBFid;name\n1;x\n", NULL);

	cr_assert_eq(csv_separator(r.c), ';');
	expect_row(r.c, 2, "id", "name");
	expect_row(r.c, 2, "1", "x");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, bom_only_file_is_empty)
{
	struct rd r = rd_str("\xEF\xBB\xBF", NULL);

	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, detect_semicolon)
{
	struct rd r = rd_str("a;b;c,d\n1;2;3,4\n", NULL);

	cr_assert_eq(csv_separator(r.c), ';');
	expect_row(r.c, 3, "a", "b", "c,d");
	expect_row(r.c, 3, "1", "2", "3,4");
	rd_close(&r);
}

Test(csv, detect_tab)
{
	struct rd r = rd_str("a\tb\tc\n1\t2,5\t3\n", NULL);

	cr_assert_eq(csv_separator(r.c), '\t');
	expect_row(r.c, 3, "a", "b", "c");
	expect_row(r.c, 3, "1", "2,5", "3");
	rd_close(&r);
}

Test(csv, detect_ignores_quoted_and_later_records)
{
	struct rd r = rd_str("\"a;b;c;d\",e,f\n1;2;3;4;5;6\n", NULL);

	cr_assert_eq(csv_separator(r.c), ',');
	expect_row(r.c, 3, "a;b;c;d", "e", "f");
	rd_close(&r);
}

Test(csv, detect_tie_or_none_is_comma)
{
	struct rd r1 = rd_str("a;b,c\n", NULL);
	struct rd r2 = rd_str("single\n", NULL);

	cr_assert_eq(csv_separator(r1.c), ',');
	cr_assert_eq(csv_separator(r2.c), ',');
	expect_row(r1.c, 2, "a;b", "c");
	rd_close(&r1);
	rd_close(&r2);
}

Test(csv, explicit_sep)
{
	struct csv_options o = {.sep = '|'};
	struct rd r = rd_str("a|b,c;d\n", &o);

	cr_assert_eq(csv_separator(r.c), '|');
	expect_row(r.c, 2, "a", "b,c;d");
	rd_close(&r);
}

Test(csv, explicit_sep_overrides_detection)
{
	struct csv_options o = {.sep = ','};
	struct rd r = rd_str("a;b;c,d\n", &o);

	expect_row(r.c, 2, "a;b;c", "d");
	rd_close(&r);
}

Test(csv, quote_separator_rejected)
{
	struct csv_options o = {.sep = '"'};
	struct rd r = rd_str("a\n", &o);

	expect_error(r.c, "separator", 0);
	rd_close(&r);
}

Test(csv, no_trailing_newline)
{
	struct rd r = rd_str("a,b\nc,d", NULL);

	expect_row(r.c, 2, "a", "b");
	expect_row(r.c, 2, "c", "d");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, quoted_last_field_without_newline)
{
	struct rd r = rd_str("a,\"b\"", NULL);

	expect_row(r.c, 2, "a", "b");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, trailing_newline_gives_no_extra_record)
{
	static const char *const inputs[] = {"a,b\n", "a,b\r\n", "a,b\r"};
	size_t i;

	for (i = 0; i < 3; i++) {
		struct rd r = rd_str(inputs[i], NULL);

		expect_row(r.c, 2, "a", "b");
		expect_eof(r.c);
		expect_eof(r.c);
		rd_close(&r);
	}
}

Test(csv, empty_line_is_one_empty_field)
{
	struct rd r = rd_str("a,b\n\nc,d\n", NULL);

	expect_row(r.c, 2, "a", "b");
	expect_row(r.c, 1, "");
	cr_assert_eq(csv_line(r.c), 2);
	expect_row(r.c, 2, "c", "d");
	cr_assert_eq(csv_line(r.c), 3);
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, ragged_rows_returned_as_is)
{
	struct rd r = rd_str("a,b,c\n1\n1,2,3,4,5\n", NULL);

	expect_row(r.c, 3, "a", "b", "c");
	expect_row(r.c, 1, "1");
	expect_row(r.c, 5, "1", "2", "3", "4", "5");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, lenient_quote_inside_unquoted_field)
{
	struct rd r = rd_str("ab\"c,5\" screen\n", NULL);

	expect_row(r.c, 2, "ab\"c", "5\" screen");
	rd_close(&r);
}

Test(csv, lenient_text_after_closing_quote)
{
	struct rd r = rd_str("\"abc\"def,\"x\" \"y\",z\n", NULL);

	expect_row(r.c, 3, "abcdef", "x \"y\"", "z");
	rd_close(&r);
}

Test(csv, unterminated_quote_error_line)
{
	char buf[256] = "h\n";
	int i;

	for (i = 2; i < 12; i++)
		strcat(buf, "row\n");
	strcat(buf, "a,\"open field\nmore\nstill open");
	{
		struct rd r = rd_str(buf, NULL);

		for (i = 1; i < 12; i++)
			csv_next(r.c, &(const struct csv_field *){0}, &(size_t){0});
		expect_error(r.c, "unterminated quoted field (opened on line 12)", 12);
		rd_close(&r);
	}
}

Test(csv, invalid_utf8_error_line_and_byte)
{
	struct rd r = rd_str("a,b\nc,d\n\"x\ny\",z\ncaf\xE9,1\n", NULL);

	expect_row(r.c, 2, "a", "b");
	expect_row(r.c, 2, "c", "d");
	expect_row(r.c, 2, "x\ny", "z");
	expect_error(r.c, "invalid UTF-8 (byte 0xE9) on line 5", 5);
	cr_assert(strstr(csv_error(r.c), "--encoding latin1"));
	rd_close(&r);
}

Test(csv, invalid_utf8_inside_quoted_newlines)
{
	struct rd r = rd_str("\"a\r\nb\r\n\xC0\x80\"\n", NULL);

	expect_error(r.c, "byte 0xC0", 3);
	rd_close(&r);
}

Test(csv, surrogate_in_file_rejected)
{
	struct rd r = rd_str("ok\n\xED\xA0\x80\n", NULL);

	expect_row(r.c, 1, "ok");
	expect_error(r.c, "invalid UTF-8 (byte 0xED)", 2);
	rd_close(&r);
}

Test(csv, truncated_utf8_at_eof_rejected)
{
	struct rd r = rd_str("ok\nx\xE2\x82", NULL);

	expect_row(r.c, 1, "ok");
	expect_error(r.c, "invalid UTF-8 (byte 0xE2)", 2);
	rd_close(&r);
}

Test(csv, valid_utf8_passes_through)
{
	struct rd r = rd_str("caf\xC3\xA9,\xE2\x82\xAC,\xF0\x9D\x84\x9E\n", NULL);

	expect_row(r.c, 3, "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E");
	rd_close(&r);
}

Test(csv, nul_byte_error)
{
	static const char in[] = "a,b\nc,d\nx\0y\n";
	struct rd r = rd_open(in, sizeof in - 1, NULL);

	expect_row(r.c, 2, "a", "b");
	expect_row(r.c, 2, "c", "d");
	expect_error(r.c, "NUL byte on line 3: this looks like binary data, not CSV", 3);
	rd_close(&r);
}

Test(csv, nul_byte_error_in_latin1)
{
	static const char in[] = "a\n\0";
	struct csv_options o = {.encoding = CSV_LATIN1};
	struct rd r = rd_open(in, sizeof in - 1, &o);

	expect_row(r.c, 1, "a");
	expect_error(r.c, "NUL byte on line 2", 2);
	rd_close(&r);
}

Test(csv, error_is_sticky)
{
	struct rd r = rd_str("\"open\n", NULL);

	expect_error(r.c, "unterminated", 1);
	expect_error(r.c, "unterminated", 1);
	rd_close(&r);
}

Test(csv, latin1_transcoding)
{
	struct csv_options o = {.encoding = CSV_LATIN1};
	struct rd r = rd_str("caf\xE9,\xA3\x35,\xFF\x80\n", &o);
	size_t len;

	expect_row(r.c, 3, "caf\xC3\xA9", "\xC2\xA3" "5", "\xC3\xBF\xC2\x80");
	cr_assert_str_eq(csv_raw(r.c, &len), "caf\xC3\xA9,\xC2\xA3" "5,\xC3\xBF\xC2\x80");
	rd_close(&r);
}

Test(csv, cp1252_transcoding)
{
	struct csv_options o = {.encoding = CSV_CP1252};
	struct rd r = rd_str("caf\xE9;\x80" "5;\x93quoted\x94;it\x92s\n", &o);

	expect_row(r.c, 4, "caf\xC3\xA9", "\xE2\x82\xAC" "5", "\xE2\x80\x9Cquoted\xE2\x80\x9D",
		   "it\xE2\x80\x99s");
	rd_close(&r);
}

Test(csv, cp1252_undefined_byte_error)
{
	struct csv_options o = {.encoding = CSV_CP1252};
	struct rd r = rd_str("a\nb\nx\x81y\n", &o);

	expect_row(r.c, 1, "a");
	expect_row(r.c, 1, "b");
	expect_error(r.c, "byte 0x81 on line 3", 3);
	rd_close(&r);
}

Test(csv, latin1_accepts_cp1252_undefined_bytes)
{
	struct csv_options o = {.encoding = CSV_LATIN1};
	struct rd r = rd_str("x\x81y\n", &o);

	expect_row(r.c, 1, "x\xC2\x81y");
	rd_close(&r);
}

Test(csv, ten_mb_field)
{
	size_t big = 10u << 20, i, n = 0, len;
	char *in = malloc(big * 2 + 64), *want = malloc(big + 1);
	const struct csv_field *f;
	struct csv_options o = {.sep = ','};
	struct rd r;

	cr_assert(in && want);
	in[n++] = '"';
	for (i = 0; i < big; i++) {
		char ch = i % 100000 == 7 ? '"' : i % 1000 == 999 ? '\n' : (char)('a' + i % 26);

		want[i] = ch;
		if (ch == '"')
			in[n++] = '"';
		in[n++] = ch;
	}
	want[big] = '\0';
	memcpy(in + n, "\",tail\nnext\n", 12);
	r = rd_open(in, n + 12, &o);
	cr_assert_eq(csv_next(r.c, &f, &len), CSV_ROW, "%s", csv_error(r.c));
	cr_assert_eq(len, 2);
	cr_assert_eq(f[0].len, big);
	cr_assert_eq(memcmp(f[0].ptr, want, big), 0);
	cr_assert_eq(f[0].ptr[big], '\0');
	cr_assert_str_eq(f[1].ptr, "tail");
	expect_row(r.c, 1, "next");
	cr_assert_eq(csv_line(r.c), 1 + (long)(big / 1000) + 1);
	rd_close(&r);
	free(in);
	free(want);
}

Test(csv, record_beyond_max_record)
{
	struct csv_options o = {.max_record = 1000};
	char *in = malloc(4096);
	struct rd r;

	strcpy(in, "short,row\n");
	memset(in + 10, 'x', 1001);
	strcpy(in + 1011, "\nafter\n");
	r = rd_str(in, &o);
	expect_row(r.c, 2, "short", "row");
	expect_error(r.c, "record longer than 1000 bytes on line 2", 2);
	rd_close(&r);
	free(in);
}

Test(csv, record_of_exactly_max_record_is_fine)
{
	struct csv_options o = {.max_record = 1000};
	char *in = malloc(2048);
	const struct csv_field *f;
	size_t n, len;
	struct rd r;

	memset(in, 'x', 1000);
	strcpy(in + 1000, "\n");
	r = rd_str(in, &o);
	cr_assert_eq(csv_next(r.c, &f, &n), CSV_ROW, "%s", csv_error(r.c));
	cr_assert_eq(f[0].len, 1000);
	csv_raw(r.c, &len);
	cr_assert_eq(len, 1000);
	expect_eof(r.c);
	rd_close(&r);
	free(in);
}

Test(csv, record_beyond_max_record_across_chunks)
{
	size_t big = 5 * CHUNK;
	struct csv_options o = {.max_record = 2 * CHUNK};
	char *in = malloc(big + 16);
	struct rd r;

	memcpy(in, "a\n\"", 3);
	memset(in + 3, 'q', big);
	memcpy(in + 3 + big, "\"\n", 2);
	r = rd_open(in, big + 5, &o);
	expect_row(r.c, 1, "a");
	expect_error(r.c, "record longer than 131072 bytes on line 2", 2);
	rd_close(&r);
	free(in);
}

Test(csv, raw_is_record_text_without_terminator)
{
	struct rd r = rd_str("a,\"b\"\"c\"\r\n\"x\r\ny\",z\nlast,\"q\"", NULL);
	size_t len;
	const char *raw;

	expect_row(r.c, 2, "a", "b\"c");
	raw = csv_raw(r.c, &len);
	cr_assert_eq(len, 8);
	cr_assert_str_eq(raw, "a,\"b\"\"c\"");
	expect_row(r.c, 2, "x\r\ny", "z");
	raw = csv_raw(r.c, &len);
	cr_assert_str_eq(raw, "\"x\r\ny\",z");
	cr_assert_eq(len, 8);
	expect_row(r.c, 2, "last", "q");
	raw = csv_raw(r.c, &len);
	cr_assert_str_eq(raw, "last,\"q\"");
	cr_assert_eq(len, 8);
	rd_close(&r);
}

Test(csv, raw_of_record_spanning_chunks)
{
	size_t big = CHUNK + 100, len;
	char *in = malloc(big + 16);
	const char *raw;
	struct rd r;

	memset(in, 'r', big);
	memcpy(in + big - 4, ",end", 4);
	memcpy(in + big, "\nz\n", 3);
	r = rd_open(in, big + 3, NULL);
	cr_assert_eq(csv_next(r.c, &(const struct csv_field *){0}, &(size_t){0}), CSV_ROW);
	raw = csv_raw(r.c, &len);
	cr_assert_eq(len, big);
	cr_assert_eq(memcmp(raw, in, big), 0);
	cr_assert_eq(raw[big], '\0');
	expect_row(r.c, 1, "z");
	rd_close(&r);
	free(in);
}

/* Build padding rows of exactly pad bytes, then a record full of chunk-edge
 * hazards (doubled quote, CRLF inside quotes, multibyte UTF-8, CRLF end). */
static size_t build_edge_input(char *buf, size_t pad, long *tricky_line)
{
	size_t nfull = (pad - 2) / 64, rem = pad - 64 * nfull, n = 0, i;
	static const char tricky[] =
		"\"q\"\"x\r\ny\",\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E,\"\"\r\ntail,row\r";

	for (i = 0; i < nfull; i++) {
		memset(buf + n, 'p', 63);
		buf[n + 63] = '\n';
		n += 64;
	}
	memset(buf + n, 'z', rem - 1);
	buf[n + rem - 1] = '\n';
	n += rem;
	memcpy(buf + n, tricky, sizeof tricky - 1);
	*tricky_line = (long)nfull + 2;
	return n + sizeof tricky - 1;
}

Test(csv, record_split_across_read_buffer)
{
	char *buf = malloc(CHUNK + 256);
	size_t shift;

	for (shift = 0; shift <= 24; shift++) {
		long line, i;
		size_t n = build_edge_input(buf, CHUNK - shift, &line);
		struct rd r = rd_open(buf, n, NULL);
		size_t len;

		for (i = 1; i < line; i++)
			cr_assert_eq(csv_next(r.c, &(const struct csv_field *){0}, &(size_t){0}), CSV_ROW);
		expect_row(r.c, 3, "q\"x\r\ny", "\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E", "");
		cr_assert_eq(csv_line(r.c), line, "shift %zu", shift);
		cr_assert_str_eq(csv_raw(r.c, &len), "\"q\"\"x\r\ny\",\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E,\"\"");
		expect_row(r.c, 2, "tail", "row");
		cr_assert_eq(csv_line(r.c), line + 2, "shift %zu", shift);
		expect_eof(r.c);
		rd_close(&r);
	}
	free(buf);
}

Test(csv, many_small_rows_streamed)
{
	FILE *fp = tmpfile();
	struct csv *c;
	const struct csv_field *f;
	size_t n;
	long i;
	char want[32];

	cr_assert_not_null(fp);
	fputs("id,name,double\n", fp);
	for (i = 0; i < 100000; i++)
		fprintf(fp, "%ld,\"item %ld\",%ld\r\n", i, i, 2 * i);
	rewind(fp);
	c = csv_open(fp, NULL);
	cr_assert_eq(csv_next(c, &f, &n), CSV_ROW);
	for (i = 0; i < 100000; i++) {
		cr_assert_eq(csv_next(c, &f, &n), CSV_ROW, "row %ld: %s", i, csv_error(c));
		cr_assert_eq(n, 3);
		cr_assert_eq(strtol(f[0].ptr, NULL, 10), i);
		snprintf(want, sizeof want, "item %ld", i);
		if (strcmp(f[1].ptr, want) != 0)
			cr_assert_fail("row %ld: name \"%s\"", i, f[1].ptr);
		cr_assert_eq(strtol(f[2].ptr, NULL, 10), 2 * i);
		cr_assert_eq(csv_line(c), i + 2);
	}
	cr_assert_eq(csv_next(c, &f, &n), CSV_EOF);
	csv_close(c);
	fclose(fp);
}

Test(csv, header_only_file)
{
	struct rd r = rd_str("id,name,qty\n", NULL);

	expect_row(r.c, 3, "id", "name", "qty");
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, empty_file_is_eof)
{
	struct rd r = rd_open("", 0, NULL);

	cr_assert_eq(csv_separator(r.c), ',');
	expect_eof(r.c);
	expect_eof(r.c);
	rd_close(&r);
}

Test(csv, null_options_and_close_null)
{
	struct rd r = rd_str("x\n", NULL);

	expect_row(r.c, 1, "x");
	rd_close(&r);
	csv_close(NULL);
}
