/* parse.c - strict value parsers for ingest. */
#include "parse.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool parse_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '\0';
}

/* Skip leading blanks; return the end of the value with trailing blanks cut. */
static const char *trim(const char **s)
{
	while (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')
		(*s)++;
	const char *end = *s + strlen(*s);
	while (end > *s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	return end;
}

/* Parse [+-]digits[.digits] into integer and fraction parts. */
static enum parse_result parse_decimal(const char *s, bool *neg, uint64_t *whole,
				       const char **frac, size_t *nfrac, const char **why)
{
	const char *end = trim(&s);
	if (s == end)
		return PARSE_EMPTY;
	*neg = false;
	if (*s == '-' || *s == '+')
		*neg = *s++ == '-';
	*whole = 0;
	size_t ndigits = 0;
	for (; s < end && isdigit((unsigned char)*s); s++, ndigits++) {
		if (*whole > (UINT64_MAX - 9) / 10) {
			*why = "number too large";
			return PARSE_BAD;
		}
		*whole = *whole * 10 + (uint64_t)(*s - '0');
	}
	*frac = s;
	*nfrac = 0;
	if (s < end && *s == '.') {
		*frac = ++s;
		for (; s < end && isdigit((unsigned char)*s); s++)
			(*nfrac)++;
	}
	if (s != end || (ndigits == 0 && *nfrac == 0)) {
		*why = "not a number";
		return PARSE_BAD;
	}
	return PARSE_OK;
}

/* True when the n characters at p are all '0'. */
static bool all_zeros(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '0')
			return false;
	return true;
}

enum parse_result parse_int(const char *s, int64_t *out, const char **why)
{
	bool neg;
	uint64_t whole;
	const char *frac;
	size_t nfrac;
	enum parse_result r = parse_decimal(s, &neg, &whole, &frac, &nfrac, why);
	if (r != PARSE_OK)
		return r;
	if (!all_zeros(frac, nfrac)) {
		*why = "not a whole number";
		return PARSE_BAD;
	}
	if (whole > (uint64_t)INT64_MAX + neg) {
		*why = "number too large";
		return PARSE_BAD;
	}
	*out = neg ? (int64_t)(0 - whole) : (int64_t)whole;
	return PARSE_OK;
}

enum parse_result parse_money(const char *s, int exponent, int64_t *out, const char **why)
{
	bool neg;
	uint64_t whole;
	const char *frac;
	size_t nfrac;
	enum parse_result r = parse_decimal(s, &neg, &whole, &frac, &nfrac, why);
	if (r != PARSE_OK)
		return r;
	if (nfrac > (size_t)exponent && !all_zeros(frac + exponent, nfrac - (size_t)exponent)) {
		*why = "more decimals than the currency has";
		return PARSE_BAD;
	}
	uint64_t minor = whole;
	for (int i = 0; i < exponent; i++) {
		if (minor > (uint64_t)INT64_MAX / 10) {
			*why = "amount too large";
			return PARSE_BAD;
		}
		minor = minor * 10 + ((size_t)i < nfrac ? (uint64_t)(frac[i] - '0') : 0);
	}
	if (minor > (uint64_t)INT64_MAX) {
		*why = "amount too large";
		return PARSE_BAD;
	}
	*out = neg ? -(int64_t)minor : (int64_t)minor;
	return PARSE_OK;
}

struct tm_fields {
	int year, mon, day, hour, min, sec;
	int offset_min; /* east of UTC */
};

/* Read exactly `width` digits (or 1..width when width is negative). */
static bool digits(const char **p, int width, int *out)
{
	int max = width < 0 ? -width : width, n = 0, v = 0;
	while (n < max && isdigit((unsigned char)(*p)[n])) {
		v = v * 10 + ((*p)[n] - '0');
		n++;
	}
	if (n == 0 || (width > 0 && n != width))
		return false;
	*p += n;
	*out = v;
	return true;
}

/* Optional "[ T]HH:MM[:SS]" after a date. */
static bool time_of_day(const char **p, struct tm_fields *t)
{
	if (**p != ' ' && **p != 'T')
		return true;
	(*p)++;
	if (!digits(p, -2, &t->hour) || *(*p)++ != ':' || !digits(p, 2, &t->min))
		return false;
	if (**p == ':') {
		(*p)++;
		if (!digits(p, 2, &t->sec))
			return false;
		if (**p == '.') /* fractional seconds: dropped, storage is to the second */
			for ((*p)++; isdigit((unsigned char)**p); (*p)++)
				;
	}
	return true;
}

/* Optional zone: "Z", " UTC", "+HH:MM", "+HHMM", "-HH". */
static bool zone(const char **p, struct tm_fields *t)
{
	if (**p == 'Z') {
		(*p)++;
		return true;
	}
	if (strncmp(*p, " UTC", 4) == 0 || strncmp(*p, " GMT", 4) == 0) {
		*p += 4;
		return true;
	}
	if (**p != '+' && **p != '-')
		return true;
	int sign = *(*p)++ == '-' ? -1 : 1, hh, mm = 0;
	if (!digits(p, 2, &hh))
		return false;
	if (**p == ':')
		(*p)++;
	if (isdigit((unsigned char)**p) && !digits(p, 2, &mm))
		return false;
	t->offset_min = sign * (hh * 60 + mm);
	return hh < 15 && mm < 60;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Civil date of a day count since 1970-01-01. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "YYYY-MM-DD" or "M/D/YYYY" or "M/D/YY". */
static bool date_part(const char **p, struct tm_fields *t)
{
	const char *s = *p;
	if (digits(&s, 4, &t->year) && *s == '-') {
		s++;
		if (!digits(&s, 2, &t->mon) || *s++ != '-' || !digits(&s, 2, &t->day))
			return false;
		*p = s;
		return true;
	}
	s = *p;
	if (!digits(&s, -2, &t->mon) || *s++ != '/' || !digits(&s, -2, &t->day) || *s++ != '/')
		return false;
	const char *y = s;
	if (!digits(&s, -4, &t->year) || (s - y != 2 && s - y != 4))
		return false;
	if (s - y == 2) /* two-digit years: 69..99 are 19xx, as POSIX strptime does */
		t->year += t->year < 69 ? 2000 : 1900;
	*p = s;
	return true;
}

static bool fields_valid(const struct tm_fields *t)
{
	return t->year >= 1900 && t->year <= 2999 && t->mon >= 1 && t->mon <= 12 &&
	       t->day >= 1 && t->day <= days_in_month(t->year, t->mon) && t->hour < 24 &&
	       t->min < 60 && t->sec < 60;
}

/* n as `width` zero-padded digits ending just before `end`. */
static void put_digits(char *end, int n, int width)
{
	while (width-- > 0) {
		*--end = (char)('0' + n % 10);
		n /= 10;
	}
}

/* "YYYY-MM-DDTHH:MM:SSZ": once per record, so written by hand, not printf. */
static void format_utc(char out[PARSE_TIME_LEN], int year, int mon, int day, int64_t secs)
{
	memcpy(out, "0000-00-00T00:00:00Z", PARSE_TIME_LEN);
	put_digits(out + 4, year, 4);
	put_digits(out + 7, mon, 2);
	put_digits(out + 10, day, 2);
	put_digits(out + 13, (int)(secs / 3600), 2);
	put_digits(out + 16, (int)(secs / 60 % 60), 2);
	put_digits(out + 19, (int)(secs % 60), 2);
}

size_t parse_int_text(int64_t v, char out[PARSE_INT_LEN])
{
	char tmp[PARSE_INT_LEN];
	char *p = tmp + sizeof tmp;
	/* work on the magnitude as unsigned so INT64_MIN does not overflow */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	size_t n = (size_t)(tmp + sizeof tmp - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

enum parse_result parse_time(const char *s, char out[PARSE_TIME_LEN], const char **why)
{
	const char *end = trim(&s);
	if (s == end)
		return PARSE_EMPTY;
	/* the parsers below stop at NUL, so work on the trimmed text alone */
	char text[64];
	if ((size_t)(end - s) >= sizeof text) {
		*why = "not a date or time in a known form";
		return PARSE_BAD;
	}
	memcpy(text, s, (size_t)(end - s));
	text[end - s] = '\0';
	struct tm_fields t = { 0 };
	const char *p = text;
	if (!date_part(&p, &t) || !time_of_day(&p, &t) || !zone(&p, &t) || *p != '\0') {
		*why = "not a date or time in a known form";
		return PARSE_BAD;
	}
	if (!fields_valid(&t)) {
		*why = "date or time out of range";
		return PARSE_BAD;
	}
	int64_t secs = days_from_civil(t.year, t.mon, t.day) * 86400 + t.hour * 3600 +
		       t.min * 60 + t.sec - (int64_t)t.offset_min * 60;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	civil_from_days(days, &t.year, &t.mon, &t.day);
	if (t.year < 0 || t.year > 9999) { /* unreachable after fields_valid, but never overflow */
		*why = "date or time out of range";
		return PARSE_BAD;
	}
	format_utc(out, t.year, t.mon, t.day, rem);
	return PARSE_OK;
}

enum parse_result parse_bool(const char *s, bool *out, const char **why)
{
	const char *end = trim(&s);
	size_t n = (size_t)(end - s);
	if (n == 0)
		return PARSE_EMPTY;
	static const char *const yes[] = { "true", "yes", "1", "y", "t" };
	static const char *const no[] = { "false", "no", "0", "n", "f" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
			return *out = true, PARSE_OK;
		if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0)
			return *out = false, PARSE_OK;
	}
	*why = "not true or false";
	return PARSE_BAD;
}

int currency_exponent(const char *code)
{
	/* Active ISO 4217 codes a store is likely to price in, with their minor
	 * unit.  Unknown codes are refused rather than guessed. */
	static const struct {
		char code[4];
		int exp;
	} table[] = {
		{ "AED", 2 }, { "ARS", 2 }, { "AUD", 2 }, { "BGN", 2 }, { "BHD", 3 }, { "BRL", 2 },
		{ "CAD", 2 }, { "CHF", 2 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 }, { "CZK", 2 },
		{ "DKK", 2 }, { "EGP", 2 }, { "EUR", 2 }, { "GBP", 2 }, { "HKD", 2 }, { "HUF", 2 },
		{ "IDR", 2 }, { "ILS", 2 }, { "INR", 2 }, { "ISK", 0 }, { "JOD", 3 }, { "JPY", 0 },
		{ "KRW", 0 }, { "KWD", 3 }, { "MAD", 2 }, { "MXN", 2 }, { "MYR", 2 }, { "NGN", 2 },
		{ "NOK", 2 }, { "NZD", 2 }, { "OMR", 3 }, { "PEN", 2 }, { "PHP", 2 }, { "PKR", 2 },
		{ "PLN", 2 }, { "QAR", 2 }, { "RON", 2 }, { "RUB", 2 }, { "SAR", 2 }, { "SEK", 2 },
		{ "SGD", 2 }, { "THB", 2 }, { "TND", 3 }, { "TRY", 2 }, { "TWD", 2 }, { "UAH", 2 },
		{ "USD", 2 }, { "VND", 0 }, { "ZAR", 2 },
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (strcmp(code, table[i].code) == 0)
			return table[i].exp;
	return -1;
}
