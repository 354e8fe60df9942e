/* Unit tests for audit_profile.c: the column profiler of the data audit. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_profile.h"

/* ---- fixtures and helpers ------------------------------------------------ */

static json_t *res; /* the last profiler_result, freed after each test */

static void teardown(void)
{
	json_decref(res);
	res = NULL;
}

TestSuite(profile, .fini = teardown);

static struct prof_value T(const char *s)
{
	return (struct prof_value){ .type = PROF_TEXT, .s = s, .len = strlen(s) };
}

/* Text with explicit length: embedded NULs and invalid bytes. */
static struct prof_value TN(const char *s, size_t len)
{
	return (struct prof_value){ .type = PROF_TEXT, .s = s, .len = len };
}

static struct prof_value I(int64_t i)
{
	return (struct prof_value){ .type = PROF_INT, .i = i };
}

static struct prof_value R(double r)
{
	return (struct prof_value){ .type = PROF_REAL, .r = r };
}

static struct prof_value N(void)
{
	return (struct prof_value){ .type = PROF_NULL };
}

/* Profile one column named "c" holding vals; the result goes to res. */
static void profile(const struct prof_value *vals, size_t n)
{
	const char *names[] = { "c" };
	struct profiler *p = profiler_new(1, names);
	for (size_t i = 0; i < n; i++)
		profiler_add_row(p, &vals[i]);
	json_decref(res);
	res = profiler_result(p);
	profiler_free(p);
	cr_assert(json_is_array(res) && json_array_size(res) == 1);
}

#define PROFILE(...)                                                   \
	do {                                                           \
		const struct prof_value vals_[] = { __VA_ARGS__ };       \
		profile(vals_, sizeof vals_ / sizeof vals_[0]);          \
	} while (0)

/* Profile n text values "<prefix><f(i)>", built by fmt_value. */
static void profile_generated(size_t n, void (*fmt_value)(char *buf, size_t size, size_t i))
{
	const char *names[] = { "c" };
	struct profiler *p = profiler_new(1, names);
	char buf[128];
	for (size_t i = 0; i < n; i++) {
		fmt_value(buf, sizeof buf, i);
		struct prof_value v = T(buf);
		profiler_add_row(p, &v);
	}
	json_decref(res);
	res = profiler_result(p);
	profiler_free(p);
}

static json_t *col_at(size_t i)
{
	json_t *c = json_array_get(res, i);
	cr_assert(json_is_object(c), "no column %zu", i);
	return c;
}

static json_t *fld(const char *key)
{
	json_t *v = json_object_get(col_at(0), key);
	cr_assert_not_null(v, "no key \"%s\"", key);
	return v;
}

static json_int_t ifld(const char *key)
{
	json_t *v = fld(key);
	cr_assert(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static double nfld(const char *key)
{
	json_t *v = fld(key);
	cr_assert(json_is_number(v), "\"%s\" is not a number", key);
	return json_number_value(v);
}

static const char *sfld(const char *key)
{
	json_t *v = fld(key);
	cr_assert(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

static bool bfld(const char *key)
{
	json_t *v = fld(key);
	cr_assert(json_is_boolean(v), "\"%s\" is not a boolean", key);
	return json_is_true(v);
}

static void expect_null(const char *key)
{
	cr_expect(json_is_null(fld(key)), "\"%s\" should be null", key);
}

/* Entry i of "top" (or "patterns"): its value and count. */
static json_t *top_value(const char *list, const char *valkey, size_t i, json_int_t *count)
{
	json_t *e = json_array_get(fld(list), i);
	cr_assert(json_is_object(e), "no %s[%zu]", list, i);
	*count = json_integer_value(json_object_get(e, "count"));
	return json_object_get(e, valkey);
}

static const char *top_text(size_t i, json_int_t *count)
{
	json_t *v = top_value("top", "value", i, count);
	cr_assert(json_is_string(v), "top[%zu] is not text", i);
	return json_string_value(v);
}

static const char *pattern_at(size_t i, json_int_t *count)
{
	json_t *v = top_value("patterns", "pattern", i, count);
	cr_assert(json_is_string(v));
	return json_string_value(v);
}

/* ---- counts ---------------------------------------------------------------- */

Test(profile, counts_nulls_and_blanks)
{
	PROFILE(T("a"), T(""), T("  "), T("\t\r\n"), N(), N(), T("b"), T(" a "), T("a"));
	cr_expect_str_eq(sfld("name"), "c");
	cr_expect_eq(ifld("records"), 9);
	cr_expect_eq(ifld("nulls"), 2, "SQL NULL only");
	cr_expect_eq(ifld("blanks"), 3, "empty and whitespace-only text, not \" a \"");
	/* a, "", "  ", "\t\r\n", b, " a ": blanks are values, NULL is not. */
	cr_expect_eq(ifld("distinct"), 6);
	cr_expect(bfld("distinct_exact"));
}

Test(profile, blanks_left_out_of_type_and_range)
{
	PROFILE(T("7"), T(""), T("3"), T("   "), T("5"));
	cr_expect_str_eq(sfld("type"), "integer", "blanks do not make a column mixed");
	cr_expect_eq(ifld("min"), 3);
	cr_expect_eq(ifld("max"), 7);
	cr_expect_float_eq(nfld("pattern_share"), 1.0, 1e-12, "share of non-blank values");
	cr_expect_eq(ifld("min_len"), 0, "lengths include blanks");
}

Test(profile, storage_classes_are_different_values)
{
	PROFILE(I(42), R(42.0), T("42"), I(42), R(-0.0), R(0.0));
	cr_expect_eq(ifld("distinct"), 4, "42, 42.0, '42' and 0.0 (-0.0 is 0.0)");
}

Test(profile, nan_counts_as_null_infinity_kept_out_of_stats)
{
	PROFILE(R(NAN), R(1.0), R(INFINITY), R(3.0));
	cr_expect_eq(ifld("nulls"), 1, "SQLite stores NaN as NULL");
	cr_expect_str_eq(sfld("type"), "real");
	cr_expect_float_eq(nfld("mean"), 2.0, 1e-12);
	cr_expect_float_eq(nfld("max"), 3.0, 1e-12);
	char *dump = json_dumps(res, 0);
	cr_expect_not_null(dump, "the result stays valid JSON");
	free(dump);
}

/* ---- distinct: exact, then HyperLogLog -------------------------------------- */

static void fmt_id(char *buf, size_t size, size_t i)
{
	snprintf(buf, size, "ID-%zu", i);
}

Test(profile, distinct_exact_up_to_the_cap)
{
	profile_generated(PROF_EXACT_MAX, fmt_id);
	cr_expect_eq(ifld("distinct"), PROF_EXACT_MAX);
	cr_expect(bfld("distinct_exact"));
	cr_expect(bfld("top_exact"));
}

Test(profile, distinct_switches_to_estimate_past_the_cap, .timeout = 60)
{
	static const size_t sizes[] = { PROF_EXACT_MAX + 1, 20000, 50000, 300000 };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		profile_generated(sizes[s], fmt_id);
		cr_expect(!bfld("distinct_exact"), "n=%zu", sizes[s]);
		cr_expect(!bfld("top_exact"));
		double err = ((double)ifld("distinct") - (double)sizes[s]) / (double)sizes[s];
		cr_expect(fabs(err) < 0.03, "n=%zu: distinct %lld", sizes[s], (long long)ifld("distinct"));
	}
}

/* Repeats do not move a column past the cap: only distinct values count. */
static void fmt_repeating(char *buf, size_t size, size_t i)
{
	snprintf(buf, size, "R%zu", i % 5000);
}

Test(profile, repeats_stay_exact)
{
	profile_generated(100000, fmt_repeating);
	cr_expect(bfld("distinct_exact"));
	cr_expect_eq(ifld("distinct"), 5000);
	json_int_t count;
	top_text(0, &count);
	cr_expect_eq(count, 20);
}

/* ---- numbers ------------------------------------------------------------------ */

/* Two-pass mean and sample standard deviation, independent of Welford. */
static void two_pass(const double *x, size_t n, double *mean, double *sd)
{
	double sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	*mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (x[i] - *mean) * (x[i] - *mean);
	*sd = sqrt(sq / (double)(n - 1));
}

Test(profile, integer_stats)
{
	static const int64_t v[] = { 3, -7, 12, 40, 0, 5, 5 };
	struct prof_value vals[7];
	double x[7], mean, sd;
	for (size_t i = 0; i < 7; i++) {
		vals[i] = I(v[i]);
		x[i] = (double)v[i];
	}
	profile(vals, 7);
	two_pass(x, 7, &mean, &sd);
	cr_expect_str_eq(sfld("type"), "integer");
	cr_expect(json_is_integer(fld("min")), "integer columns report integers");
	cr_expect_eq(ifld("min"), -7);
	cr_expect_eq(ifld("max"), 40);
	cr_expect_float_eq(nfld("mean"), mean, 1e-12);
	cr_expect_float_eq(nfld("stddev"), sd, 1e-12);
	cr_expect_eq(ifld("min_len"), 1, "\"0\"");
	cr_expect_eq(ifld("max_len"), 2, "\"-7\", \"12\", \"40\"");
}

/* REAL storage and numeric text together; "40.0" is a real. */
Test(profile, real_stats_from_mixed_storage)
{
	PROFILE(R(1.5), T("40.0"), I(2), T("-0.25"), R(1e3), T("7"));
	const double x[] = { 1.5, 40.0, 2, -0.25, 1e3, 7 };
	double mean, sd;
	two_pass(x, 6, &mean, &sd);
	cr_expect_str_eq(sfld("type"), "real");
	cr_expect(json_is_real(fld("min")));
	cr_expect_float_eq(nfld("min"), -0.25, 1e-12);
	cr_expect_float_eq(nfld("max"), 1000.0, 1e-12);
	cr_expect_float_eq(nfld("mean"), mean, 1e-9);
	cr_expect_float_eq(nfld("stddev"), sd, 1e-9);
}

/* Values near 1e12 with a spread of a few units: the sum-of-squares formula
 * loses every digit here, Welford does not. */
Test(profile, stddev_is_numerically_stable)
{
	PROFILE(R(1e12 + 4), R(1e12 + 7), R(1e12 + 13), R(1e12 + 16));
	cr_expect_float_eq(nfld("mean"), 1e12 + 10, 1e-3);
	cr_expect_float_eq(nfld("stddev"), sqrt(30.0), 1e-6);
}

Test(profile, int64_extremes)
{
	PROFILE(I(INT64_MAX), I(INT64_MIN), T("9223372036854775807"), T("-9223372036854775808"));
	cr_expect_str_eq(sfld("type"), "integer");
	cr_expect_eq(ifld("min"), INT64_MIN, "exact, not through a double");
	cr_expect_eq(ifld("max"), INT64_MAX);
	cr_expect_eq(ifld("max_len"), 20);
}

Test(profile, text_columns_have_no_mean)
{
	PROFILE(T("banana"), T("Apple"), T("cherry"), T("apple"), T("Árbol"));
	cr_expect_str_eq(sfld("type"), "text");
	expect_null("mean");
	expect_null("stddev");
	cr_expect_str_eq(sfld("min"), "Apple", "bytewise: uppercase sorts first");
	cr_expect_str_eq(sfld("max"), "Árbol", "bytewise: UTF-8 sorts after ASCII");
}

/* Numbers in a text column compare by their text forms. */
Test(profile, mixed_column_min_max_as_text)
{
	PROFILE(I(9), I(10), T("abc"), T("xyz"));
	cr_expect_str_eq(sfld("type"), "mixed");
	cr_expect_str_eq(sfld("min"), "10", "\"10\" < \"9\" bytewise");
	cr_expect_str_eq(sfld("max"), "xyz");
	expect_null("mean");
}

Test(profile, dates_min_max_chronological)
{
	PROFILE(T("2017-10-02"), T("2016-01-31"), T("2018-12-01"));
	cr_expect_str_eq(sfld("type"), "date");
	cr_expect_str_eq(sfld("min"), "2016-01-31");
	cr_expect_str_eq(sfld("max"), "2018-12-01");
}

Test(profile, one_row_table)
{
	const char *names[] = { "n", "r", "t", "z" };
	struct profiler *p = profiler_new(4, names);
	struct prof_value row[] = { I(5), R(2.5), T("hello"), N() };
	profiler_add_row(p, row);
	res = profiler_result(p);
	profiler_free(p);
	cr_assert_eq(json_array_size(res), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *c = col_at(i);
		cr_expect_eq(json_integer_value(json_object_get(c, "records")), 1);
		cr_expect(json_is_null(json_object_get(c, "stddev")), "one value has no sample deviation");
	}
	json_t *n = col_at(0), *t = col_at(2), *z = col_at(3);
	cr_expect_str_eq(json_string_value(json_object_get(n, "name")), "n");
	cr_expect_eq(json_integer_value(json_object_get(n, "min")), 5);
	cr_expect_eq(json_integer_value(json_object_get(n, "max")), 5);
	cr_expect_float_eq(json_number_value(json_object_get(n, "mean")), 5.0, 1e-12);
	cr_expect_eq(json_integer_value(json_object_get(n, "distinct")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(t, "min")), "hello");
	cr_expect_str_eq(json_string_value(json_object_get(t, "pattern")), "AAAAA");
	cr_expect_str_eq(json_string_value(json_object_get(z, "type")), "empty");
}

Test(profile, all_null_column)
{
	PROFILE(N(), N(), N());
	cr_expect_eq(ifld("records"), 3);
	cr_expect_eq(ifld("nulls"), 3);
	cr_expect_eq(ifld("distinct"), 0);
	cr_expect_str_eq(sfld("type"), "empty");
	const char *nulls[] = { "type_share", "min", "max", "mean", "stddev", "min_len", "max_len", "pattern",
				"pattern_share" };
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		expect_null(nulls[i]);
	cr_expect_eq(json_array_size(fld("top")), 0);
	cr_expect_eq(json_array_size(fld("patterns")), 0);
}

Test(profile, no_rows_and_no_columns)
{
	PROFILE(N());
	struct profiler *p = profiler_new(2, (const char *const[]){ "a", "b" });
	json_decref(res);
	res = profiler_result(p);
	cr_expect_eq(json_array_size(res), 2);
	cr_expect_eq(json_integer_value(json_object_get(col_at(1), "records")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(col_at(1), "type")), "empty");
	profiler_free(p);
	p = profiler_new(0, NULL);
	json_t *none = profiler_result(p);
	cr_expect_eq(json_array_size(none), 0);
	json_decref(none);
	profiler_free(p);
}

/* ---- top values --------------------------------------------------------------- */

Test(profile, top_values_exact)
{
	PROFILE(T("b"), T("c"), T("a"), T("c"), T("d"), T("b"), T("c"), T("e"), T("a"), T("f"), T("c"),
		T("e"), T("g"), T("c"), T("a"), T("b"), N(), N(), N(), N(), N(), N());
	static const struct {
		const char *value;
		json_int_t count;
	} want[] = { { "c", 5 }, { "a", 3 }, { "b", 3 }, { "e", 2 }, { "d", 1 } };
	cr_assert_eq(json_array_size(fld("top")), PROF_TOP, "NULL is not a value; ties by value");
	for (size_t i = 0; i < PROF_TOP; i++) {
		json_int_t count;
		cr_expect_str_eq(top_text(i, &count), want[i].value, "top[%zu]", i);
		cr_expect_eq(count, want[i].count, "top[%zu]", i);
	}
	cr_expect(bfld("top_exact"));
}

Test(profile, top_values_keep_their_type)
{
	PROFILE(I(7), I(7), R(2.5), T("x"));
	json_int_t count;
	json_t *v = top_value("top", "value", 0, &count);
	cr_expect(json_is_integer(v) && json_integer_value(v) == 7 && count == 2);
	v = top_value("top", "value", 1, &count);
	cr_expect(json_is_real(v) && json_real_value(v) == 2.5);
}

/* Past the cap the top list comes from the sketch: five heavy values mixed
 * into 30,000 unique ones, plus one that only starts after the switch, are
 * still found, in order.  The reported counts are lower bounds (count minus
 * the count inherited on entry), and here they are exact: the hot values
 * enter the sketch with exact counts at the switch, "late" enters on its
 * first occurrence, and none is ever evicted. */
static void fmt_heavy(char *buf, size_t size, size_t i)
{
	static const size_t every[] = { 9, 11, 13, 17, 19 };
	if (i >= 30000 && i % 4 == 0) {
		snprintf(buf, size, "late");
		return;
	}
	for (size_t h = 0; h < 5; h++) {
		if (i % every[h] == 0) {
			snprintf(buf, size, "hot-%zu", h);
			return;
		}
	}
	snprintf(buf, size, "u-%zu", i);
}

Test(profile, top_values_from_the_sketch, .timeout = 30)
{
	enum { ROWS = 60000 };
	json_int_t truth[6] = { 0 };
	char buf[32];
	for (size_t i = 0; i < ROWS; i++) {
		fmt_heavy(buf, sizeof buf, i);
		if (!strcmp(buf, "late"))
			truth[5]++;
		else if (!strncmp(buf, "hot-", 4))
			truth[buf[4] - '0']++;
	}
	profile_generated(ROWS, fmt_heavy);
	cr_assert(!bfld("top_exact"));
	/* late 7500, hot-0 ~5800 (every 9th row before 30000, fewer after). */
	const char *order[] = { "late", "hot-0", "hot-1", "hot-2", "hot-3" };
	const int idx[] = { 5, 0, 1, 2, 3 };
	for (size_t i = 0; i < PROF_TOP; i++) {
		json_int_t count;
		cr_expect_str_eq(top_text(i, &count), order[i], "top[%zu]", i);
		cr_expect_eq(count, truth[idx[i]], "%s: %lld, truly %lld", order[i], (long long)count,
			     (long long)truth[idx[i]]);
	}
}

/* Long churn through the sketch: every eviction reshuffles its hash index,
 * and a key lost there would get a second counter and split its count.
 * Eight keys of 10,000 occurrences each among 170,000 unique values keep
 * exact counts, and the top five appear once each. */
static void fmt_churn(char *buf, size_t size, size_t i)
{
	if (i % 25 < 8)
		snprintf(buf, size, "heavy-%zu", i % 25);
	else
		snprintf(buf, size, "once-%zu", i);
}

Test(profile, sketch_survives_long_churn, .timeout = 60)
{
	profile_generated(250000, fmt_churn);
	cr_assert(!bfld("distinct_exact"));
	for (size_t i = 0; i < PROF_TOP; i++) {
		json_int_t count;
		char want[16];
		snprintf(want, sizeof want, "heavy-%zu", i);
		cr_expect_str_eq(top_text(i, &count), want);
		cr_expect_eq(count, 10000, "%s", want);
	}
}

/* ---- type inference ------------------------------------------------------------ */

/* One value per row: the class the rules of audit_profile.h give it. */
Test(profile, type_of_single_values)
{
	static const struct {
		const char *value, *type;
	} cases[] = {
		{ "0", "integer" },
		{ "42", "integer" },
		{ "-17", "integer" },
		{ "+5", "integer" },
		{ "9223372036854775807", "integer" },
		{ "-9223372036854775808", "integer" },
		{ "9223372036854775808", "text" }, /* past int64 */
		{ "0042", "text" },                /* leading zero: a code */
		{ "-007", "text" },
		{ "40.0", "real" },
		{ "0.5", "real" },
		{ "-3.25", "real" },
		{ "1e5", "real" },
		{ "6.02E+23", "real" },
		{ "1.5e-3", "real" },
		{ "00.5", "text" },
		{ ".5", "text" },
		{ "5.", "text" },
		{ "1e", "text" },
		{ "inf", "text" },
		{ "NaN", "text" },
		{ "1,5", "text" },
		{ " 42", "text" },
		{ "42 ", "text" },
		{ "--1", "text" },
		{ "2017-10-02", "date" },
		{ "2020-02-29", "date" },
		{ "2019-02-29", "text" }, /* not a leap year */
		{ "2000-02-29", "date" },
		{ "1900-02-29", "text" },
		{ "2017-13-01", "text" },
		{ "2017-04-31", "text" },
		{ "2017-4-1", "text" },
		{ "2017-10-02 10:56:33", "datetime" },
		{ "2017-10-02T10:56:33", "datetime" },
		{ "2017-10-02T10:56:33Z", "datetime" },
		{ "2017-10-02T10:56:33.123456+02:00", "datetime" },
		{ "2017-10-02T10:56:33-0500", "datetime" },
		{ "2017-10-02 10:56", "datetime" },
		{ "2017-10-02 24:00:00", "text" },
		{ "2017-10-02 10:61:00", "text" },
		{ "2017-10-02 10:56:33 UTC", "text" },
		{ "2017-10-02x10:56:33", "text" },
		{ "true", "boolean" },
		{ "FALSE", "boolean" },
		{ "True", "boolean" },
		{ "yes", "text" },
		{ "truex", "text" },
		{ "a@b.co", "email" },
		{ "first.last+tag@mail.example.com", "email" },
		{ "123@example.org", "email" },
		{ "a@b", "text" },
		{ "a@@b.com", "text" },
		{ "@b.com", "text" },
		{ "a.@b.com", "text" },
		{ "a..b@c.com", "text" },
		{ "a@-b.com", "text" },
		{ "a@b.c0m", "text" },
		{ "a b@c.com", "text" },
		{ "https://example.com/x?y=1#z", "url" },
		{ "http://a.b", "url" },
		{ "HTTPS://EXAMPLE.COM", "url" },
		{ "ftp://files.example.com/a.txt", "url" },
		{ "http://", "text" },
		{ "http:///path", "text" },
		{ "http://a b.com", "text" },
		{ "www.example.com", "text" },
		{ "mailto:a@b.co", "text" },
		{ "hello", "text" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		PROFILE(T(cases[i].value));
		cr_expect_str_eq(sfld("type"), cases[i].type, "\"%s\"", cases[i].value);
	}
}

/* Whole columns: shares, the 95% rule and the coverage rules. */
Test(profile, type_of_columns)
{
	static const struct {
		const char *label;
		int ints, reals, texts, blanks, nulls;
		const char *type;
	} cases[] = {
		{ "all integers", 20, 0, 0, 0, 0, "integer" },
		{ "integers and reals", 10, 10, 0, 0, 0, "real" },
		{ "19 of 20 integers (95%)", 19, 0, 1, 0, 0, "integer" },
		{ "18 of 20 integers (90%)", 18, 0, 2, 0, 0, "mixed" },
		{ "95% numbers, ints and reals", 9, 10, 1, 0, 0, "real" },
		{ "text with 1 in 20 numbers", 1, 0, 19, 0, 0, "text" },
		{ "half and half", 10, 0, 10, 0, 0, "mixed" },
		{ "blanks and nulls do not vote", 10, 0, 0, 30, 30, "integer" },
		{ "only blanks and nulls", 0, 0, 0, 3, 3, "empty" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct prof_value vals[100];
		size_t n = 0;
		for (int i = 0; i < cases[c].ints; i++)
			vals[n++] = I(i);
		for (int i = 0; i < cases[c].reals; i++)
			vals[n++] = T("2.5");
		for (int i = 0; i < cases[c].texts; i++)
			vals[n++] = T("word");
		for (int i = 0; i < cases[c].blanks; i++)
			vals[n++] = T(" ");
		for (int i = 0; i < cases[c].nulls; i++)
			vals[n++] = N();
		profile(vals, n);
		cr_expect_str_eq(sfld("type"), cases[c].type, "%s", cases[c].label);
	}
}

Test(profile, type_share_reported)
{
	PROFILE(T("1"), T("2"), T("3"), T("x"));
	cr_expect_str_eq(sfld("type"), "mixed");
	cr_expect_float_eq(nfld("type_share"), 0.75, 1e-12, "the largest share");
	expect_null("mean");
}

Test(profile, dates_count_as_datetimes)
{
	PROFILE(T("2017-10-02"), T("2017-10-02 10:56:33"), T("2017-10-03T08:00:00Z"));
	cr_expect_str_eq(sfld("type"), "datetime");
}

Test(profile, storage_types_decide_for_numbers)
{
	PROFILE(R(40.0), R(1.0));
	cr_expect_str_eq(sfld("type"), "real", "a REAL that is whole is still a real");
	cr_expect(json_is_real(fld("max")));
	PROFILE(I(0), I(1), I(1));
	cr_expect_str_eq(sfld("type"), "integer", "0/1 integers are not booleans");
}

/* ---- patterns ---------------------------------------------------------------- */

Test(profile, pattern_dominant_shape)
{
	PROFILE(T("AB-1234"), T("cd-5678"), T("EF-9012"), T("x"), T(""), N());
	cr_expect_str_eq(sfld("pattern"), "AA-9999");
	cr_expect_float_eq(nfld("pattern_share"), 0.75, 1e-12, "3 of 4 non-blank values");
	json_int_t count;
	cr_expect_str_eq(pattern_at(0, &count), "AA-9999");
	cr_expect_eq(count, 3);
	cr_expect_str_eq(pattern_at(1, &count), "A");
	cr_expect_eq(count, 1);
	cr_expect_eq(json_array_size(fld("patterns")), 2);
	cr_expect(bfld("patterns_exact"));
}

Test(profile, pattern_shapes)
{
	static const struct {
		const char *value, *shape;
	} cases[] = {
		{ "aaa", "AAA" },                         /* runs are not collapsed */
		{ "São Paulo", "AAA AAAAA" },             /* non-ASCII counts as a letter */
		{ "a.b@c.com", "A.A@A.AAA" },
		{ "(555) 123-4567", "(999) 999-9999" },
		{ "'; DROP TABLE t; --", "'; AAAA AAAAA A; --" },
		{ "abcdefghijklmnopqrstuvwxyz0123", "AAAAAAAAAAAAAAAAAAAAAAAA…" },
		{ "abcdefghijklmnopqrstuvwx", "AAAAAAAAAAAAAAAAAAAAAAAA" }, /* exactly 24: not cut */
		{ "a\xff"
		  "b",
		  "A\xEF\xBF\xBD"
		  "A" },
		{ "12", "99" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		PROFILE(T(cases[i].value));
		cr_expect_str_eq(sfld("pattern"), cases[i].shape, "\"%s\"", cases[i].value);
	}
}

Test(profile, patterns_top_three)
{
	PROFILE(T("A1"), T("B2"), T("C3"), T("D4"), T("AA1"), T("BB2"), T("CC3"), T("1"), T("2"), T("x-"));
	cr_assert_eq(json_array_size(fld("patterns")), PROF_TOP_PATTERNS);
	static const struct {
		const char *shape;
		json_int_t count;
	} want[] = { { "A9", 4 }, { "AA9", 3 }, { "9", 2 } };
	for (size_t i = 0; i < PROF_TOP_PATTERNS; i++) {
		json_int_t count;
		cr_expect_str_eq(pattern_at(i, &count), want[i].shape);
		cr_expect_eq(count, want[i].count);
	}
}

/* Numbers have shapes too, from their text forms. */
Test(profile, patterns_of_numbers)
{
	PROFILE(R(19.99), R(10.5), I(12345), R(40.0), I(-3));
	json_int_t count;
	cr_expect_str_eq(pattern_at(0, &count), "99.9", "10.5 and 40.0 (printed as SQLite does)");
	cr_expect_eq(count, 2);
	cr_expect_eq(json_array_size(fld("patterns")), 3);
	cr_expect_str_eq(pattern_at(2, &count), "99.99", "ties by shape: -9 < 99.99 < 99999");
}

/* More shapes than the exact table holds: the dominant one still wins. */
static void fmt_many_shapes(char *buf, size_t size, size_t i)
{
	if (i % 2 == 0) {
		snprintf(buf, size, "SKU-%04zu", i % 10000);
		return;
	}
	size_t n = 0;
	for (size_t b = 0; b < 12; b++)
		buf[n++] = (i >> b) & 1 ? 'x' : '7';
	buf[n] = '\0';
	(void)size;
}

Test(profile, patterns_past_the_exact_table)
{
	profile_generated(20000, fmt_many_shapes);
	cr_expect(!bfld("patterns_exact"));
	cr_expect_str_eq(sfld("pattern"), "AAA-9999");
	double share = nfld("pattern_share");
	cr_expect(share <= 0.5 && share > 0.45, "share %.4f (truly 0.5, a lower bound)", share);
}

/* ---- text: UTF-8, invalid bytes, metacharacters, long values --------------- */

Test(profile, utf8_lengths_in_code_points)
{
	static const struct {
		const char *value;
		json_int_t len;
	} cases[] = {
		{ "São Paulo", 9 }, { "日本", 2 }, { "\xF0\x9F\x98\x80", 1 }, { "abc", 3 }, { "Köln", 4 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		PROFILE(T(cases[i].value));
		cr_expect_eq(ifld("min_len"), cases[i].len, "\"%s\"", cases[i].value);
		cr_expect_eq(ifld("max_len"), cases[i].len);
	}
	PROFILE(T("São Paulo"), T("Rio"), N(), T(""));
	cr_expect_eq(ifld("min_len"), 0);
	cr_expect_eq(ifld("max_len"), 9);
}

/* Each invalid byte counts as one character and shows as U+FFFD. */
Test(profile, invalid_utf8_does_not_crash)
{
	static const struct {
		const char *bytes;
		size_t n;
		json_int_t len;
	} cases[] = {
		{ "ab\xFF\xFE", 4, 4 },  /* bytes never valid in UTF-8 */
		{ "\xC3", 1, 1 },        /* a sequence cut short */
		{ "x\xE6\x97", 3, 3 },   /* 3-byte sequence missing its last byte */
		{ "\xC0\xAF", 2, 2 },    /* overlong '/' */
		{ "\xED\xA0\x80", 3, 3 }, /* a surrogate */
		{ "\x80\x80", 2, 2 },    /* lone continuation bytes */
		{ "a\0b", 3, 3 },        /* NUL is a character */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct prof_value v[] = { TN(cases[i].bytes, cases[i].n) };
		profile(v, 1);
		cr_expect_eq(ifld("max_len"), cases[i].len, "case %zu", i);
		cr_expect_str_eq(sfld("type"), "text");
		char *dump = json_dumps(res, 0);
		cr_expect_not_null(dump, "case %zu: valid JSON out", i);
		free(dump);
	}
	const struct prof_value v[] = { TN("ab\xFF", 3) };
	profile(v, 1);
	json_int_t count;
	cr_expect_str_eq(top_text(0, &count), "ab\xEF\xBF\xBD");
	cr_expect_str_eq(sfld("min"), "ab\xEF\xBF\xBD");
}

Test(profile, sql_metacharacters_are_plain_text)
{
	static const char *const values[] = {
		"'; DROP TABLE events; --", "Robert'); DROP TABLE students;--", "%", "_", "a\"b", "\\", "' OR '1'='1",
	};
	enum { NV = sizeof values / sizeof values[0] };
	struct prof_value vals[NV * 2];
	for (size_t i = 0; i < NV; i++)
		vals[i] = vals[NV + i] = T(values[i]);
	profile(vals, NV * 2);
	cr_expect_eq(ifld("distinct"), NV);
	cr_expect_str_eq(sfld("type"), "text");
	for (size_t i = 0; i < PROF_TOP; i++) {
		json_int_t count;
		const char *v = top_text(i, &count);
		bool known = false;
		for (size_t j = 0; j < NV; j++)
			known |= !strcmp(v, values[j]);
		cr_expect(known, "top value \"%s\" came back unchanged", v);
		cr_expect_eq(count, 2);
	}
	cr_expect_str_eq(sfld("min"), "%");
	cr_expect_str_eq(sfld("max"), "a\"b");
}

/* A value longer than PROF_KEEP bytes is kept as a prefix: values that
 * differ only past it are still told apart, and show ending in "…". */
Test(profile, long_values)
{
	char a[200], b[200];
	memset(a, 'q', sizeof a - 1);
	a[sizeof a - 1] = '\0';
	memcpy(b, a, sizeof b);
	b[150] = 'r';
	PROFILE(T(a), T(b), T(a), T("short"));
	cr_expect_eq(ifld("distinct"), 3);
	cr_expect_eq(ifld("max_len"), 199);
	json_int_t count;
	const char *top = top_text(0, &count);
	cr_expect_eq(count, 2);
	cr_expect_eq(strlen(top), PROF_KEEP + strlen("…"));
	cr_expect_eq(strncmp(top, a, PROF_KEEP), 0);
	cr_expect_str_eq(top + PROF_KEEP, "…");
	cr_expect_str_eq(sfld("min"), top, "the min is the cut value");
	cr_expect_str_eq(sfld("max"), "short");
}

/* A value equal to the kept prefix of a longer one sorts before it, and
 * shows without "…". */
Test(profile, long_value_and_its_prefix)
{
	char longer[100], prefix[PROF_KEEP + 1];
	memset(longer, 'k', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	memcpy(prefix, longer, PROF_KEEP);
	prefix[PROF_KEEP] = '\0';
	PROFILE(T(longer), T(prefix));
	cr_expect_str_eq(sfld("min"), prefix);
	cr_expect_eq(strlen(sfld("max")), PROF_KEEP + strlen("…"), "the longer value, cut");
	PROFILE(T(prefix), T(longer));
	cr_expect_str_eq(sfld("min"), prefix, "in either order");
	cr_expect_eq(ifld("distinct"), 2);
}

/* A cut that falls inside a multibyte character drops that character. */
Test(profile, long_value_cut_on_a_character_boundary)
{
	char v[PROF_KEEP + 20] = "";
	strcat(v, "x");
	while (strlen(v) + 2 < sizeof v)
		strcat(v, "é"); /* 2 bytes each, from an odd offset: 64 falls mid-character */
	PROFILE(T(v));
	const char *min = sfld("min");
	cr_expect_eq(strlen(min), PROF_KEEP - 1 + strlen("…"));
	cr_expect_eq(strncmp(min, v, PROF_KEEP - 1), 0);
}

/* ---- the profiler as a whole ----------------------------------------------- */

Test(profile, columns_are_independent)
{
	const char *names[] = { "id", "email" };
	struct profiler *p = profiler_new(2, names);
	for (int i = 0; i < 100; i++) {
		char mail[32];
		snprintf(mail, sizeof mail, "user%d@example.com", i % 10);
		struct prof_value row[] = { I(i), T(mail) };
		profiler_add_row(p, row);
	}
	res = profiler_result(p);
	profiler_free(p);
	json_t *id = col_at(0), *mail = col_at(1);
	cr_expect_str_eq(json_string_value(json_object_get(id, "name")), "id");
	cr_expect_eq(json_integer_value(json_object_get(id, "distinct")), 100);
	cr_expect_str_eq(json_string_value(json_object_get(id, "type")), "integer");
	cr_expect_str_eq(json_string_value(json_object_get(mail, "name")), "email");
	cr_expect_eq(json_integer_value(json_object_get(mail, "distinct")), 10);
	cr_expect_str_eq(json_string_value(json_object_get(mail, "type")), "email");
}

Test(profile, result_can_be_taken_twice)
{
	const char *names[] = { "c" };
	struct profiler *p = profiler_new(1, names);
	struct prof_value v = I(1);
	profiler_add_row(p, &v);
	json_t *first = profiler_result(p);
	profiler_add_row(p, &v);
	res = profiler_result(p);
	profiler_free(p);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(first, 0), "records")), 1);
	cr_expect_eq(ifld("records"), 2);
	json_decref(first);
}

Test(profile, keys_in_documented_order)
{
	PROFILE(T("x"));
	static const char *const keys[] = {
		"name",   "records", "nulls",   "blanks",    "distinct", "distinct_exact", "type",
		"type_share", "min", "max",     "mean",      "stddev",   "min_len",        "max_len",
		"top",    "top_exact", "pattern", "pattern_share", "patterns", "patterns_exact",
	};
	const char *key;
	json_t *value;
	size_t i = 0;
	json_object_foreach(col_at(0), key, value) {
		cr_assert_lt(i, sizeof keys / sizeof keys[0], "extra key %s", key);
		cr_expect_str_eq(key, keys[i], "key %zu", i);
		i++;
	}
	(void)value;
	cr_expect_eq(i, sizeof keys / sizeof keys[0]);
}

/* A row of two columns from i: a text that repeats (so the shapes stay
 * exact) and a number that is new each time (so the values spill to the
 * sketch and the HyperLogLog past PROF_EXACT_MAX). */
static void clone_row(struct prof_value *row, char *buf, size_t size, size_t i)
{
	snprintf(buf, size, "k%zu", i % 37);
	row[0] = T(buf);
	row[1] = I((int64_t)(i * 7919));
}

/* A clone taken part way describes the same rows as the original, and the
 * two then go on apart: each ends as a profiler fed its own rows directly. */
Test(profile, clone_goes_on_independently, .timeout = 60)
{
	const char *names[] = { "t", "n" };
	struct profiler *a = profiler_new(2, names), *whole = profiler_new(2, names);
	struct profiler *b = NULL, *shared = profiler_new(2, names);
	struct prof_value row[2];
	char buf[32];
	for (size_t i = 0; i < 3 * PROF_EXACT_MAX; i++) {
		if (i == PROF_EXACT_MAX + 5) /* past the spill: the sketch is copied */
			b = profiler_clone(a);
		clone_row(row, buf, sizeof buf, i);
		profiler_add_row(a, row);
		profiler_add_row(whole, row);
		if (!b)
			profiler_add_row(shared, row);
	}
	for (size_t i = 0; i < 100; i++) { /* rows only the clone sees */
		clone_row(row, buf, sizeof buf, 1000000 + i);
		profiler_add_row(b, row);
		profiler_add_row(shared, row);
	}
	json_t *ja = profiler_result(a), *jw = profiler_result(whole);
	json_t *jb = profiler_result(b), *js = profiler_result(shared);
	cr_expect(json_equal(ja, jw), "the original is unchanged by its clone");
	cr_expect(json_equal(jb, js), "the clone is the profile of its own rows");
	cr_expect(!json_is_true(json_object_get(json_array_get(jb, 1), "distinct_exact")));
	json_decref(ja);
	json_decref(jw);
	json_decref(jb);
	json_decref(js);
	profiler_free(a);
	profiler_free(b);
	profiler_free(whole);
	profiler_free(shared);
}

/* A clone of a profiler that saw nothing, and of one still exact. */
Test(profile, clone_of_small_profilers)
{
	const char *names[] = { "c" };
	struct profiler *p = profiler_new(1, names);
	struct profiler *empty = profiler_clone(p);
	struct prof_value v[] = { T("a"), T("b"), T("a"), N(), I(3) };
	for (size_t i = 0; i < 5; i++)
		profiler_add_row(p, &v[i]);
	struct profiler *q = profiler_clone(p);
	json_t *jp = profiler_result(p), *jq = profiler_result(q), *je = profiler_result(empty);
	cr_expect(json_equal(jp, jq));
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(je, 0), "records")), 0);
	json_decref(jp);
	json_decref(jq);
	json_decref(je);
	profiler_free(p);
	profiler_free(q);
	profiler_free(empty);
}

/* ---- the repeat path ---------------------------------------------------------- */

/* The profile of pals[] given in runs (each value repeated, so the repeat
 * path takes every value after the first of a run) against the profile of
 * the same values given round-robin (never one after itself): the same,
 * mean and deviation aside, which Welford's order may move in the last
 * bits. */
Test(profile, runs_of_the_same_value_profile_as_scattered_ones)
{
	static char longv[100];
	memset(longv, 'x', 80);
	struct prof_value pals[] = { I(7),	 T("7"),	 R(7.0),	 R(-0.0),  I(-3),
				     T(""),	 T("  "),	 T("12.5"),	 T("abc"), TN(longv, 80),
				     T("2024-01-02"), R(0.0),	 N(),		 I(1000),  T("a-1") };
	enum { NPALS = sizeof pals / sizeof *pals, RUN = 4 };
	const char *names[] = { "c" };
	struct profiler *runs = profiler_new(1, names), *scattered = profiler_new(1, names);
	for (size_t i = 0; i < NPALS; i++)
		for (int r = 0; r < RUN; r++)
			profiler_add_row(runs, &pals[i]);
	for (int r = 0; r < RUN; r++)
		for (size_t i = 0; i < NPALS; i++)
			profiler_add_row(scattered, &pals[i]);
	json_t *ra = profiler_result(runs), *rb = profiler_result(scattered);
	json_t *a = json_array_get(ra, 0), *b = json_array_get(rb, 0);
	cr_expect(fabs(json_real_value(json_object_get(a, "mean")) -
		       json_real_value(json_object_get(b, "mean"))) < 1e-9);
	cr_expect(fabs(json_real_value(json_object_get(a, "stddev")) -
		       json_real_value(json_object_get(b, "stddev"))) < 1e-9);
	json_object_del(a, "mean");
	json_object_del(b, "mean");
	json_object_del(a, "stddev");
	json_object_del(b, "stddev");
	char *ta = json_dumps(a, JSON_SORT_KEYS), *tb = json_dumps(b, JSON_SORT_KEYS);
	cr_expect_str_eq(ta, tb);
	free(ta);
	free(tb);
	json_decref(ra);
	json_decref(rb);
	profiler_free(runs);
	profiler_free(scattered);
}

/* Integers take their shape from the sign and digit count (scan_int):
 * the same patterns and lengths as their printed text would give, and the
 * same as text holding those digits. */
Test(profile, integer_shapes_match_their_text)
{
	PROFILE(I(INT64_MIN), I(INT64_MAX), I(0), I(-7), I(-7), I(42), I(-1000000000000));
	json_t *ints = json_deep_copy(fld("patterns"));
	json_int_t lo = ifld("min_len"), hi = ifld("max_len");
	PROFILE(T("-9223372036854775808"), T("9223372036854775807"), T("0"), T("-7"), T("-7"),
		T("42"), T("-1000000000000"));
	cr_expect(json_equal(ints, fld("patterns")), "the same patterns as the text");
	cr_expect_eq(lo, ifld("min_len"));
	cr_expect_eq(hi, ifld("max_len"));
	cr_expect_eq(hi, 20);
	json_decref(ints);
}
