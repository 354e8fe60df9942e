/* Unit tests for parse.c: integers, money, timestamps, booleans, currencies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

static const char *result_name(enum parse_result r)
{
	return r == PARSE_OK ? "OK" : r == PARSE_EMPTY ? "EMPTY" : "BAD";
}

Test(parse_int, table)
{
	static const struct {
		const char *in;
		enum parse_result r;
		int64_t out;
	} cases[] = {
		{ "0", PARSE_OK, 0 },
		{ "42", PARSE_OK, 42 },
		{ "-17", PARSE_OK, -17 },
		{ "+5", PARSE_OK, 5 },
		{ "40.0", PARSE_OK, 40 },
		{ "40.000", PARSE_OK, 40 },
		{ " 12 ", PARSE_OK, 12 },
		{ "\t7\r", PARSE_OK, 7 },
		{ "9223372036854775807", PARSE_OK, INT64_MAX },
		{ "-9223372036854775807", PARSE_OK, -INT64_MAX },
		{ "", PARSE_EMPTY, 0 },
		{ "   ", PARSE_EMPTY, 0 },
		{ "40.5", PARSE_BAD, 0 },
		{ "abc", PARSE_BAD, 0 },
		{ "12abc", PARSE_BAD, 0 },
		{ "1 2", PARSE_BAD, 0 },
		{ "-", PARSE_BAD, 0 },
		{ ".", PARSE_BAD, 0 },
		{ "1e5", PARSE_BAD, 0 },
		{ "9223372036854775808", PARSE_BAD, 0 },
		{ "99999999999999999999", PARSE_BAD, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t out = -999;
		const char *why = NULL;
		enum parse_result r = parse_int(cases[i].in, &out, &why);
		cr_expect_eq(r, cases[i].r, "parse_int(\"%s\") = %s, want %s", cases[i].in,
			     result_name(r), result_name(cases[i].r));
		if (r == PARSE_OK && cases[i].r == PARSE_OK)
			cr_expect_eq(out, cases[i].out, "parse_int(\"%s\") -> %lld, want %lld",
				     cases[i].in, (long long)out, (long long)cases[i].out);
		if (r == PARSE_BAD)
			cr_expect(why && *why, "parse_int(\"%s\") BAD without a reason", cases[i].in);
	}
}

Test(parse_money, table)
{
	static const struct {
		const char *in;
		int exponent;
		enum parse_result r;
		int64_t out;
	} cases[] = {
		{ "58.90", 2, PARSE_OK, 5890 },
		{ "0.85", 2, PARSE_OK, 85 },
		{ "2.1", 2, PARSE_OK, 210 },
		{ "1.250", 2, PARSE_OK, 125 },
		{ "-3.5", 2, PARSE_OK, -350 },
		{ "+3.5", 2, PARSE_OK, 350 },
		{ ".5", 2, PARSE_OK, 50 },
		{ "5.", 2, PARSE_OK, 500 },
		{ "7", 2, PARSE_OK, 700 },
		{ " 1.99 ", 2, PARSE_OK, 199 },
		{ "1200", 0, PARSE_OK, 1200 },
		{ "1200.00", 0, PARSE_OK, 1200 },
		{ "1.234", 3, PARSE_OK, 1234 },
		{ "1.2340", 3, PARSE_OK, 1234 },
		{ "1.255", 2, PARSE_BAD, 0 },
		{ "1200.5", 0, PARSE_BAD, 0 },
		{ "1.2345", 3, PARSE_BAD, 0 },
		{ "12,50", 2, PARSE_BAD, 0 },
		{ "$5", 2, PARSE_BAD, 0 },
		{ "99999999999999999.99", 2, PARSE_BAD, 0 },
		{ "", 2, PARSE_EMPTY, 0 },
		{ "  ", 2, PARSE_EMPTY, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t out = -999;
		const char *why = NULL;
		enum parse_result r = parse_money(cases[i].in, cases[i].exponent, &out, &why);
		cr_expect_eq(r, cases[i].r, "parse_money(\"%s\", %d) = %s, want %s", cases[i].in,
			     cases[i].exponent, result_name(r), result_name(cases[i].r));
		if (r == PARSE_OK && cases[i].r == PARSE_OK)
			cr_expect_eq(out, cases[i].out, "parse_money(\"%s\", %d) -> %lld, want %lld",
				     cases[i].in, cases[i].exponent, (long long)out,
				     (long long)cases[i].out);
		if (r == PARSE_BAD)
			cr_expect(why && *why, "parse_money(\"%s\") BAD without a reason", cases[i].in);
	}
}

struct time_case {
	const char *in;
	enum parse_result r;
	const char *out;
};

static void check_times(const struct time_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char out[PARSE_TIME_LEN] = "";
		const char *why = NULL;
		enum parse_result r = parse_time(cases[i].in, out, &why);
		cr_expect_eq(r, cases[i].r, "parse_time(\"%s\") = %s, want %s", cases[i].in,
			     result_name(r), result_name(cases[i].r));
		if (r == PARSE_OK && cases[i].r == PARSE_OK)
			cr_expect_str_eq(out, cases[i].out, "parse_time(\"%s\") -> \"%s\", want \"%s\"",
					 cases[i].in, out, cases[i].out);
		if (r == PARSE_BAD)
			cr_expect(why && *why, "parse_time(\"%s\") BAD without a reason", cases[i].in);
	}
}

Test(parse_time, forms)
{
	static const struct time_case cases[] = {
		{ "2017-10-02 10:56:33", PARSE_OK, "2017-10-02T10:56:33Z" },
		{ "2019-10-01 00:00:00 UTC", PARSE_OK, "2019-10-01T00:00:00Z" },
		{ "2019-10-01 08:00:00 GMT", PARSE_OK, "2019-10-01T08:00:00Z" },
		{ "2018-01-18T21:46:59Z", PARSE_OK, "2018-01-18T21:46:59Z" },
		{ "2018-01-18T23:46:59+02:00", PARSE_OK, "2018-01-18T21:46:59Z" },
		{ "2018-01-18T23:46:59+0200", PARSE_OK, "2018-01-18T21:46:59Z" },
		{ "2018-01-18T18:46:59-03", PARSE_OK, "2018-01-18T21:46:59Z" },
		{ "2018-01-18T21:16:59+05:30", PARSE_OK, "2018-01-18T15:46:59Z" },
		{ "2017-10-02", PARSE_OK, "2017-10-02T00:00:00Z" },
		{ "2017-10-02 10:56", PARSE_OK, "2017-10-02T10:56:00Z" },
		{ "12/06/2010 10:08", PARSE_OK, "2010-12-06T10:08:00Z" },
		{ "2/20/11 11:39", PARSE_OK, "2011-02-20T11:39:00Z" },
		{ "1/1/69 0:00", PARSE_OK, "1969-01-01T00:00:00Z" },
		{ "1/1/68 0:00", PARSE_OK, "2068-01-01T00:00:00Z" },
		{ "2010-12-01 08:26:00.123", PARSE_OK, "2010-12-01T08:26:00Z" },
		{ "  2017-10-02 10:56:33  ", PARSE_OK, "2017-10-02T10:56:33Z" },
		{ "", PARSE_EMPTY, NULL },
		{ "   ", PARSE_EMPTY, NULL },
		{ "yesterday", PARSE_BAD, NULL },
		{ "2017-10-02T", PARSE_BAD, NULL },
		{ "2017-10-02 10:56:33 CEST", PARSE_BAD, NULL },
		{ "2017-1-02", PARSE_BAD, NULL },
		{ "1/1/201 10:00", PARSE_BAD, NULL },
		{ "2018-01-18T21:46:59+15:00", PARSE_BAD, NULL },
	};
	check_times(cases, sizeof cases / sizeof *cases);
}

Test(parse_time, calendar)
{
	static const struct time_case cases[] = {
		{ "2011-01-01T00:30:00+01:00", PARSE_OK, "2010-12-31T23:30:00Z" },
		{ "2010-12-31T23:30:00-01:00", PARSE_OK, "2011-01-01T00:30:00Z" },
		{ "2012-03-01T00:30:00+01:00", PARSE_OK, "2012-02-29T23:30:00Z" },
		{ "2011-03-01T00:30:00+01:00", PARSE_OK, "2011-02-28T23:30:00Z" },
		{ "1969-12-31 23:59:59", PARSE_OK, "1969-12-31T23:59:59Z" },
		{ "1970-01-01T00:00:00+00:01", PARSE_OK, "1969-12-31T23:59:00Z" },
		{ "2012-02-29", PARSE_OK, "2012-02-29T00:00:00Z" },
		{ "2000-02-29", PARSE_OK, "2000-02-29T00:00:00Z" },
		{ "2011-02-29", PARSE_BAD, NULL },
		{ "1900-02-29", PARSE_BAD, NULL },
		{ "2011-04-31", PARSE_BAD, NULL },
		{ "2011-13-01", PARSE_BAD, NULL },
		{ "2011-00-01", PARSE_BAD, NULL },
		{ "2011-01-00", PARSE_BAD, NULL },
		{ "2011-01-01 24:00:00", PARSE_BAD, NULL },
		{ "2011-01-01 23:60:00", PARSE_BAD, NULL },
		{ "2011-01-01 23:59:60", PARSE_BAD, NULL },
		{ "13/01/2011 10:00", PARSE_BAD, NULL },
	};
	check_times(cases, sizeof cases / sizeof *cases);
}

/* Blanks around a value are trimmed for every form, as for parse_int(" 12 "). */
Test(parse_time, trailing_blank_after_date_only)
{
	static const struct time_case cases[] = {
		{ "2017-10-02\t", PARSE_OK, "2017-10-02T00:00:00Z" },
		{ "2017-10-02 ", PARSE_OK, "2017-10-02T00:00:00Z" },
		{ "2/20/11 ", PARSE_OK, "2011-02-20T00:00:00Z" },
	};
	check_times(cases, sizeof cases / sizeof *cases);
}

Test(parse_bool, table)
{
	static const struct {
		const char *in;
		enum parse_result r;
		bool out;
	} cases[] = {
		{ "true", PARSE_OK, true },   { "TRUE", PARSE_OK, true },  { "Yes", PARSE_OK, true },
		{ "1", PARSE_OK, true },      { "y", PARSE_OK, true },     { "T", PARSE_OK, true },
		{ " true ", PARSE_OK, true }, { "false", PARSE_OK, false }, { "No", PARSE_OK, false },
		{ "0", PARSE_OK, false },     { "n", PARSE_OK, false },    { "F", PARSE_OK, false },
		{ "", PARSE_EMPTY, false },   { "  ", PARSE_EMPTY, false }, { "maybe", PARSE_BAD, false },
		{ "2", PARSE_BAD, false },    { "tru", PARSE_BAD, false }, { "yess", PARSE_BAD, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		bool out = !cases[i].out;
		const char *why = NULL;
		enum parse_result r = parse_bool(cases[i].in, &out, &why);
		cr_expect_eq(r, cases[i].r, "parse_bool(\"%s\") = %s, want %s", cases[i].in,
			     result_name(r), result_name(cases[i].r));
		if (r == PARSE_OK && cases[i].r == PARSE_OK)
			cr_expect_eq(out, cases[i].out, "parse_bool(\"%s\") -> %d", cases[i].in, out);
		if (r == PARSE_BAD)
			cr_expect(why && *why, "parse_bool(\"%s\") BAD without a reason", cases[i].in);
	}
}

Test(currency_exponent, table)
{
	static const struct {
		const char *code;
		int exp;
	} cases[] = {
		{ "GBP", 2 }, { "EUR", 2 }, { "USD", 2 }, { "BRL", 2 }, { "JPY", 0 }, { "KRW", 0 },
		{ "KWD", 3 }, { "BHD", 3 }, { "XXX", -1 }, { "gbp", -1 }, { "", -1 },
		{ "GB", -1 }, { "GBPX", -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int e = currency_exponent(cases[i].code);
		cr_expect_eq(e, cases[i].exp, "currency_exponent(\"%s\") = %d, want %d",
			     cases[i].code, e, cases[i].exp);
	}
}

Test(parse_blank, table)
{
	static const struct {
		const char *in;
		bool blank;
	} cases[] = {
		{ "", true }, { " ", true },   { "\t\r\n ", true }, { "a", false },
		{ " a ", false }, { "0", false }, { " \t.", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_expect_eq(parse_blank(cases[i].in), cases[i].blank, "parse_blank(\"%s\")",
			     cases[i].in);
}

Test(parse_int_text, matches_printf)
{
	static const int64_t cases[] = { 0, 7, -7, 10, 17850, -100, INT64_MAX, INT64_MIN,
					 INT64_MIN + 1 };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char want[32], got[PARSE_INT_LEN];
		int n = snprintf(want, sizeof want, "%lld", (long long)cases[i]);
		cr_expect_eq(parse_int_text(cases[i], got), (size_t)n, "length of %s", want);
		cr_expect_str_eq(got, want);
	}
}

Test(parse_time, same_text_as_before_for_every_field_width)
{
	char out[PARSE_TIME_LEN];
	const char *why = NULL;
	cr_assert_eq(parse_time("1/2/2011 3:04", out, &why), PARSE_OK);
	cr_expect_str_eq(out, "2011-01-02T03:04:00Z");
	cr_assert_eq(parse_time("2999-12-31 23:59:59", out, &why), PARSE_OK);
	cr_expect_str_eq(out, "2999-12-31T23:59:59Z");
	cr_assert_eq(parse_time("1900-01-01T00:30:00+01:00", out, &why), PARSE_OK);
	cr_expect_str_eq(out, "1899-12-31T23:30:00Z");
}
