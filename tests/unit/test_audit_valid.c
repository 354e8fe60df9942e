/* Unit tests for audit_valid.c: GTINs, e-mail, countries, currencies, times,
 * image references, title fingerprints and the robust statistics. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_valid.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* ---- GTIN ----------------------------------------------------------------- */

/* The GS1 check digit of body, computed here independently of the code
 * under test: weight 3 on the rightmost body digit, then 1, 3, 1... */
static char gtin_check_digit(const char *body)
{
	size_t n = strlen(body);
	int sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (body[n - 1 - i] - '0') * (i % 2 == 0 ? 3 : 1);
	return (char)('0' + (10 - sum % 10) % 10);
}

Test(valid_gtin, computed_check_digits)
{
	/* Bodies of each length: 7 (GTIN-8), 11 (UPC-A), 12 (EAN-13), 13 (GTIN-14). */
	static const char *const bodies[] = {
		"1234567", "9638507", "0000001",
		"03600029145", "01234567890", "88888888888",
		"400638133393", "590123412345", "978030640615", "000000000001",
		"1001234567890", "0001234560001", "9999999999999",
	};
	for (size_t i = 0; i < COUNT(bodies); i++) {
		char code[16], wrong[16];
		snprintf(code, sizeof code, "%s%c", bodies[i], gtin_check_digit(bodies[i]));
		snprintf(wrong, sizeof wrong, "%s%c", bodies[i],
			 (char)('0' + (gtin_check_digit(bodies[i]) - '0' + 1) % 10));
		cr_expect(valid_gtin(code), "valid_gtin(\"%s\") should be true", code);
		cr_expect(!valid_gtin(wrong), "valid_gtin(\"%s\") should be false", wrong);
	}
}

Test(valid_gtin, real_barcodes)
{
	static const char *const real[] = {
		"96385074",       /* EAN-8 */
		"73513537",       /* EAN-8 */
		"036000291452",   /* UPC-A */
		"4006381333931",  /* EAN-13 */
		"5901234123457",  /* EAN-13 */
		"9780306406157",  /* ISBN-13 as EAN-13 */
		"00012345600012", /* GTIN-14, GS1's example */
		"10012345678902", /* GTIN-14, packaging level 1 */
	};
	for (size_t i = 0; i < COUNT(real); i++) {
		size_t n = strlen(real[i]);
		char body[16];
		memcpy(body, real[i], n - 1);
		body[n - 1] = '\0';
		cr_expect_eq(gtin_check_digit(body), real[i][n - 1], "test's own check digit of %s", real[i]);
		cr_expect(valid_gtin(real[i]), "valid_gtin(\"%s\") should be true", real[i]);
	}
}

Test(valid_gtin, refused)
{
	static const char *const bad[] = {
		"", "9638507", "963850745", "03600029145", "0360002914521", "400638133393",
		"40063813339310", "400638133393100", "4006381333932", "036000291453",
		" 4006381333931", "4006381333931 ", "4006381333931\n", "400638133393-1",
		"40063813339.1", "+036000291452", "4006381333a31", "00000000", "000000000000",
		"0000000000000", "00000000000000", "４００６３８１３３３９３１",
	};
	for (size_t i = 0; i < COUNT(bad); i++)
		cr_expect(!valid_gtin(bad[i]), "valid_gtin(\"%s\") should be false", bad[i]);
	cr_expect(!valid_gtin(NULL));
}

/* ---- e-mail --------------------------------------------------------------- */

Test(valid_email, table)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{ "user@example.com", true },
		{ "first.last@sub.example.co.uk", true },
		{ "a@b.cd", true },
		{ "o'brien@example.ie", true },
		{ "x+tag@example.com", true },
		{ "!#$%&'*+/=?^_`{|}~-@example.org", true },
		{ "user@123.example.com", true },
		{ "user@a-b.example.com", true },
		{ "user@xn--80ak6aa92e.xn--p1ai", true },
		{ "USER@EXAMPLE.COM", true },
		{ "", false },
		{ "plain", false },
		{ "@example.com", false },
		{ "user@", false },
		{ "user@@example.com", false },
		{ "a@b@example.com", false },
		{ "user..name@example.com", false },
		{ ".user@example.com", false },
		{ "user.@example.com", false },
		{ "user@example", false },
		{ "user@localhost", false },
		{ "user@example.c", false },
		{ "user@example.123", false },
		{ "user@example.c0m", false },
		{ "user@-example.com", false },
		{ "user@example-.com", false },
		{ "user@exa_mple.com", false },
		{ "user@example..com", false },
		{ "user@.example.com", false },
		{ "user@example.com.", false },
		{ "us er@example.com", false },
		{ " user@example.com", false },
		{ "user@example.com ", false },
		{ "user@exam ple.com", false },
		{ "user\t@example.com", false },
		{ "josé@example.com", false },
		{ "user@exämple.com", false },
		{ "用户@例子.中国", false },
		{ "\"quoted\"@example.com", false },
		{ "user@[192.168.0.1]", false },
		{ "user(comment)@example.com", false },
		{ "user,name@example.com", false },
		{ "user@example.com,other@example.com", false },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		cr_expect_eq(valid_email(cases[i].in), cases[i].ok, "valid_email(\"%s\") should be %s",
			     cases[i].in, cases[i].ok ? "true" : "false");
	cr_expect(!valid_email(NULL));
}

/* "<local>@<label>.com" with the given lengths. */
static char *email_of(size_t local, size_t label)
{
	char *s = malloc(local + label + 6);
	cr_assert_not_null(s);
	memset(s, 'a', local);
	s[local] = '@';
	memset(s + local + 1, 'b', label);
	strcpy(s + local + 1 + label, ".com");
	return s;
}

Test(valid_email, length_limits)
{
	static const struct {
		size_t local, label;
		bool ok;
	} cases[] = {
		{ 64, 10, true }, { 65, 10, false }, { 10, 63, true }, { 10, 64, false },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		char *s = email_of(cases[i].local, cases[i].label);
		cr_expect_eq(valid_email(s), cases[i].ok, "local %zu, label %zu", cases[i].local,
			     cases[i].label);
		free(s);
	}
	/* 254 in all is the limit: 64 + '@' + 63 '.' 63 '.' 57 + ".com". */
	for (int last = 57; last <= 58; last++) {
		char total[300];
		memset(total, 'a', 64);
		snprintf(total + 64, sizeof total - 64, "@%063d.%063d.%0*d.com", 0, 0, last, 0);
		for (char *p = total + 65; *p; p++)
			if (*p == '0')
				*p = 'b';
		cr_assert_eq(strlen(total), (size_t)(254 + last - 57));
		cr_expect_eq(valid_email(total), last == 57, "%zu bytes", strlen(total));
	}
}

/* ---- countries ------------------------------------------------------------ */

Test(valid_country, table)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{ "GB", true }, { "US", true }, { "IE", true }, { "ZA", true }, { "JE", true },
		{ "GG", true }, { "AX", true }, { "SS", true }, { "BQ", true }, { "AD", true },
		{ "ZW", true }, { "gb", false }, { "Gb", false }, { "UK", false }, { "EU", false },
		{ "XK", false }, { "AN", false }, { "CS", false }, { "GBR", false }, { "G", false },
		{ "", false }, { "G1", false }, { " GB", false },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		cr_expect_eq(valid_country(cases[i].in), cases[i].ok, "valid_country(\"%s\")", cases[i].in);
	cr_expect(!valid_country(NULL));
}

Test(country_code, table)
{
	static const struct {
		const char *in, *code;
	} cases[] = {
		/* Codes. */
		{ "GB", "GB" }, { "gb", "GB" }, { "gB", "GB" }, { "GBR", "GB" }, { "gbr", "GB" },
		{ "DEU", "DE" }, { "ZAF", "ZA" }, { "USA", "US" }, { "ZW", "ZW" },
		/* The UCI Online Retail countries, as spelt there. */
		{ "United Kingdom", "GB" }, { "France", "FR" }, { "Australia", "AU" },
		{ "Netherlands", "NL" }, { "Germany", "DE" }, { "Norway", "NO" }, { "EIRE", "IE" },
		{ "Switzerland", "CH" }, { "Spain", "ES" }, { "Poland", "PL" }, { "Portugal", "PT" },
		{ "Italy", "IT" }, { "Belgium", "BE" }, { "Lithuania", "LT" }, { "Japan", "JP" },
		{ "Iceland", "IS" }, { "Denmark", "DK" }, { "Cyprus", "CY" }, { "Sweden", "SE" },
		{ "Austria", "AT" }, { "Israel", "IL" }, { "Finland", "FI" }, { "Bahrain", "BH" },
		{ "Greece", "GR" }, { "Hong Kong", "HK" }, { "Singapore", "SG" }, { "Lebanon", "LB" },
		{ "United Arab Emirates", "AE" }, { "Saudi Arabia", "SA" }, { "Czech Republic", "CZ" },
		{ "Canada", "CA" }, { "Brazil", "BR" }, { "Malta", "MT" }, { "RSA", "ZA" },
		{ "Nigeria", "NG" }, { "Thailand", "TH" }, { "Korea", "KR" },
		{ "Channel Islands", NULL }, { "European Community", NULL }, { "Unspecified", NULL },
		{ "West Indies", NULL },
		/* Case, accents and other names. */
		{ "united kingdom", "GB" }, { "UNITED KINGDOM", "GB" }, { "Eire", "IE" }, { "UK", "GB" },
		{ "United States", "US" }, { "United States of America", "US" },
		{ "Czechia", "CZ" }, { "Côte d'Ivoire", "CI" }, { "cote d'ivoire", "CI" },
		{ "CÔTE D'IVOIRE", "CI" }, { "Ivory Coast", "CI" }, { "Curacao", "CW" },
		{ "Türkiye", "TR" }, { "Turkey", "TR" }, { "Réunion", "RE" }, { "Aland Islands", "AX" },
		{ "South Korea", "KR" }, { "North Korea", "KP" }, { "Korea, Republic of", "KR" },
		{ "Viet Nam", "VN" }, { "Vietnam", "VN" }, { "Russia", "RU" },
		{ "Russian Federation", "RU" }, { "Bolivia, Plurinational State of", "BO" },
		/* Unknown. */
		{ "Atlantis", NULL }, { "", NULL }, { "XX", NULL }, { "EU", NULL }, { "United", NULL },
		{ "United Kingdom ", NULL }, { "Englandd", NULL }, { "Cote", NULL },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		const char *got = country_code(cases[i].in);
		if (!cases[i].code)
			cr_expect_null(got, "country_code(\"%s\") = \"%s\", want NULL", cases[i].in, got);
		else
			cr_expect(got && strcmp(got, cases[i].code) == 0,
				  "country_code(\"%s\") = \"%s\", want \"%s\"", cases[i].in,
				  got ? got : "(null)", cases[i].code);
		if (got)
			cr_expect(valid_country(got), "country_code(\"%s\") gave invalid \"%s\"", cases[i].in, got);
	}
	cr_expect_null(country_code(NULL));
}

/* ---- currency ------------------------------------------------------------- */

Test(valid_currency, table)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{ "GBP", true }, { "EUR", true }, { "USD", true }, { "JPY", true }, { "BHD", true },
		{ "BRL", true }, { "gbp", false }, { "Gbp", false }, { "XXX", false }, { "BTC", false },
		{ "GB", false }, { "GBPX", false }, { "", false }, { " GBP", false }, { "GBP ", false },
		{ "£", false },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		cr_expect_eq(valid_currency(cases[i].in), cases[i].ok, "valid_currency(\"%s\")", cases[i].in);
	cr_expect(!valid_currency(NULL));
}

/* ---- plausible times ------------------------------------------------------ */

#define NOW_MS INT64_C(1718452800000) /* 2024-06-15T12:00:00Z */

Test(plausible_time, table)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{ "1990-01-01T00:00:00Z", true },      /* first instant allowed */
		{ "1990-01-01T00:00:00.000Z", true },
		{ "1989-12-31T23:59:59Z", false },
		{ "1989-12-31T23:59:59.999Z", false },
		{ "2024-06-15T12:00:00Z", true },      /* now */
		{ "2024-06-15T12:00:00.123Z", true },
		{ "2025-06-16T12:00:00Z", true },      /* now + 366 days, last allowed */
		{ "2025-06-16T12:00:00.000Z", true },
		{ "2025-06-16T12:00:00.001Z", false },
		{ "2025-06-16T12:00:01Z", false },
		{ "2099-01-01T00:00:00Z", false },
		{ "1970-01-01T00:00:00Z", false },
		{ "2024-02-29T00:00:00Z", true },      /* leap day */
		{ "2000-02-29T00:00:00Z", true },      /* leap century */
		{ "2023-02-29T00:00:00Z", false },
		{ "2100-02-29T00:00:00Z", false },
		{ "2024-04-31T00:00:00Z", false },
		{ "2024-13-01T00:00:00Z", false },
		{ "2024-00-10T00:00:00Z", false },
		{ "2024-06-00T00:00:00Z", false },
		{ "2024-06-15T24:00:00Z", false },
		{ "2024-06-15T23:60:00Z", false },
		{ "2024-06-15T23:59:60Z", false },
		{ "2024-06-15 12:00:00Z", false },
		{ "2024-06-15T12:00:00", false },
		{ "2024-06-15T12:00:00+00:00", false },
		{ "2024-06-15T12:00Z", false },
		{ "2024-06-15T12:00:00.12Z", false },
		{ "2024-06-15T12:00:00.1234Z", false },
		{ "2024-6-15T12:00:00Z", false },
		{ " 2024-06-15T12:00:00Z", false },
		{ "2024-06-15T12:00:00Zjunk", false },
		{ "2024-06-15", false },
		{ "", false },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		cr_expect_eq(plausible_time(cases[i].in, NOW_MS), cases[i].ok, "plausible_time(\"%s\")",
			     cases[i].in);
	cr_expect(!plausible_time(NULL, NOW_MS));
}

Test(plausible_time, extreme_now)
{
	cr_expect(plausible_time("9999-12-31T23:59:59Z", INT64_MAX), "no overflow near INT64_MAX");
	cr_expect(!plausible_time("2000-01-01T00:00:00Z", INT64_MIN), "no overflow near INT64_MIN");
}

/* ---- image references ----------------------------------------------------- */

Test(valid_image_ref, table)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{ "https://cdn.example.com/p/123.jpg", true },
		{ "http://example.com/img?id=5", true },
		{ "HTTPS://EXAMPLE.COM/A.PNG", true },
		{ "https://example.com", true },
		{ "https://example.com:8443/a.webp", true },
		{ "http://127.0.0.1/a.png", true },
		{ "http://[::1]:8080/a.png", true },
		{ "https://localhost/x", true },
		{ "https://example.com/a%20b.jpg", true },
		{ "images/shoe.JPG", true },
		{ "/var/img/shoe.jpeg", true },
		{ "./a.png", true },
		{ "../b.gif", true },
		{ "photo.tif", true },
		{ "photo.TIFF", true },
		{ "p.avif", true },
		{ "p.heic", true },
		{ "p.webp", true },
		{ "fotos/sapatênis.jpg", true },
		{ "", false },
		{ "https://", false },
		{ "https:///a.jpg", false },
		{ "https://?a.jpg", false },
		{ "http://exa mple.com/a.jpg", false },
		{ "https://example.com/a b.jpg", false },
		{ "https://user:pw@example.com/a.jpg", false },
		{ "https://example.com:99999/a.jpg", false },
		{ "https://example.com:/a.jpg", false },
		{ "https://example.com:0/a.jpg", false },
		{ "https://-bad.com/a.jpg", false },
		{ "https://bad_host.com/a.jpg", false },
		{ "https://[]/a.jpg", false },
		{ "https://exämple.com/a.jpg", false },
		{ "ftp://example.com/a.jpg", false },
		{ "file:///tmp/a.jpg", false },
		{ "s3://bucket/a.jpg", false },
		{ "images/shoe.bmp", false },
		{ "images/shoe.svg", false },
		{ "images/shoe", false },
		{ "images/.png", false },
		{ ".jpg", false },
		{ "images/shoe.jpg/", false },
		{ "shoe.jpg.exe", false },
		{ "shoe.jpg?v=2", false },
		{ "shoe.jpg\n", false },
		{ "shoe\t.jpg", false },
		{ " shoe.jpg", false },
		{ "shoe.jpg ", false },
		{ "sh\x01oe.jpg", false },
		{ "shoe\x7f.jpg", false },
		{ "shoe\xc2\xa0.jpg", false },  /* no-break space */
		{ "shoe\xc2\x85.jpg", false },  /* NEL, a C1 control */
		{ "sho\xff" "e.jpg", false },   /* invalid UTF-8 */
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		cr_expect_eq(valid_image_ref(cases[i].in), cases[i].ok, "valid_image_ref(\"%s\") should be %s",
			     cases[i].in, cases[i].ok ? "true" : "false");
	cr_expect(!valid_image_ref(NULL));
}

/* ---- title fingerprints --------------------------------------------------- */

Test(title_fingerprint, table)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "Red Shoe", "red shoe" },
		{ "Shoe Red", "red shoe" },                             /* word order */
		{ "The Red Shoe", "red shoe" },                         /* stop word */
		{ "red red RED shoe", "red shoe" },                     /* duplicates */
		{ "Red-Shoe, (size 42)!", "42 red shoe size" },         /* punctuation */
		{ "  Red\t\tShoe  ", "red shoe" },
		{ "Sapatênis Café Açúcar", "acucar cafe sapatenis" },   /* accents */
		{ "ÀÉÎÕÜ àéîõü Ññ Çç", "aeiou cc nn" },
		{ "Straße", "strasse" },
		{ "Æble Œuvre Øl Þing", "aeble oeuvre ol thing" },
		{ "Łódź Škoda Żubr", "lodz skoda zubr" },               /* Latin Extended-A */
		{ "Camiseta de Algodão com Gola para Homem", "algodao camiseta gola homem" },
		{ "A Box of Nails for the Wall, with Hooks and Screws",
		  "box hooks nails screws wall" },
		{ "Café e Pão do Dia da Mãe", "cafe dia mae pao" },
		{ "Nike™ Air “Max” – 90 🔥", "90 air max nike" },       /* symbols separate */
		{ "iPhone 15 Pro Max 256GB", "15 256gb iphone max pro" },
		{ "5.5 × 3 cm", "3 5 cm" },
		{ "Кофе Чай", "Кофе Чай" },                             /* kept, not folded */
		{ "caf\xe9 au lait", "au caf lait" },                   /* stray Latin-1 byte */
		{ "the and of", "" },
		{ "", "" },
		{ "!!!", "" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		char *got = title_fingerprint(cases[i].in);
		cr_expect_str_eq(got, cases[i].want, "title_fingerprint(\"%s\") = \"%s\", want \"%s\"",
				 cases[i].in, got, cases[i].want);
		free(got);
	}
	char *empty = title_fingerprint(NULL);
	cr_expect_str_eq(empty, "");
	free(empty);
}

Test(title_fingerprint, near_duplicates)
{
	static const struct {
		const char *a, *b;
		bool same;
	} pairs[] = {
		{ "Camiseta Algodão Homem", "camiseta de algodao - homem", true },
		{ "WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T Light Holder", true },
		{ "Set of 3 Cake Tins", "cake tins, set of 3", true },
		{ "Red Shoe 42", "Red Shoe 43", false },
		{ "Red Shoe", "Red Shoes", false },
	};
	for (size_t i = 0; i < COUNT(pairs); i++) {
		char *a = title_fingerprint(pairs[i].a), *b = title_fingerprint(pairs[i].b);
		cr_expect_eq(strcmp(a, b) == 0, pairs[i].same, "\"%s\" (%s) vs \"%s\" (%s)", pairs[i].a, a,
			     pairs[i].b, b);
		free(a);
		free(b);
	}
}

/* ---- robust statistics ---------------------------------------------------- */

#define MAD_SCALE 1.4826

Test(stat_median, by_hand)
{
	static const struct {
		double v[9];
		size_t n;
		double median, mad;
	} cases[] = {
		/* median 3; |dev| 2 1 0 1 97 -> 0 1 1 2 97 -> 1 */
		{ { 1, 2, 3, 4, 100 }, 5, 3, 1 * MAD_SCALE },
		/* median (2+3)/2; |dev| 1.5 1.5 0.5 0.5 -> (0.5+1.5)/2 */
		{ { 4, 1, 3, 2 }, 4, 2.5, 1 * MAD_SCALE },
		/* median (4+5)/2; |dev| 2.5 .5 .5 .5 .5 .5 2.5 4.5 -> .5 */
		{ { 2, 4, 4, 4, 5, 5, 7, 9 }, 8, 4.5, 0.5 * MAD_SCALE },
		/* median -2; |dev| 1 1 0 -> 1 */
		{ { -3, -1, -2 }, 3, -2, 1 * MAD_SCALE },
		/* more than half equal: MAD 0 */
		{ { 1, 1, 1, 2, 9, 1, 1 }, 7, 1, 0 },
		{ { 5, 5, 5, 5, 5, 5 }, 6, 5, 0 },
		{ { 7 }, 1, 7, 0 },
		/* median 15; |dev| 5 5 -> 5 */
		{ { 10, 20 }, 2, 15, 5 * MAD_SCALE },
		/* median 0.3; |dev| .2 .1 0 .1 .6 -> .1 */
		{ { 0.1, 0.2, 0.3, 0.4, 0.9 }, 5, 0.3, 0.1 * MAD_SCALE },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		double v[9], before[9];
		memcpy(v, cases[i].v, sizeof v);
		double med = stat_median(v, cases[i].n);
		cr_expect(fabs(med - cases[i].median) < 1e-12, "case %zu: median %g, want %g", i, med,
			  cases[i].median);
		memcpy(before, v, sizeof v);
		double mad = stat_mad(v, cases[i].n, cases[i].median);
		cr_expect(fabs(mad - cases[i].mad) < 1e-12, "case %zu: mad %g, want %g", i, mad, cases[i].mad);
		cr_expect(memcmp(before, v, sizeof v) == 0, "case %zu: stat_mad changed v", i);
	}
}

Test(stat_median, empty_is_nan)
{
	double v[1] = { 1 };
	cr_expect(isnan(stat_median(v, 0)));
	cr_expect(isnan(stat_mad(v, 0, 0)));
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quickselect against sorting, on random arrays with and without many ties;
 * and the values must be the same multiset afterwards. */
Test(stat_median, matches_sorting)
{
	srand(12345);
	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + (size_t)(rand() % 60);
		int range = round % 3 == 0 ? 3 : 1000; /* a third with heavy ties */
		double v[60], sorted[60];
		for (size_t i = 0; i < n; i++)
			v[i] = sorted[i] = (double)(rand() % range) - range / 2;
		qsort(sorted, n, sizeof *sorted, dbl_cmp);
		double want = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
		double got = stat_median(v, n);
		cr_assert(fabs(got - want) < 1e-9, "round %d n %zu: median %g, want %g", round, n, got, want);
		qsort(v, n, sizeof *v, dbl_cmp);
		cr_assert(memcmp(v, sorted, n * sizeof *v) == 0, "round %d: values changed", round);
	}
}

/* A million equal prices: a two-way partition would go quadratic here. */
Test(stat_median, equal_values_stay_linear, .timeout = 10)
{
	size_t n = 1000000;
	double *v = malloc(n * sizeof *v);
	cr_assert_not_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = 9.99;
	cr_expect_eq(stat_median(v, n), 9.99);
	for (size_t i = 0; i < n; i++)
		v[i] = (double)(i % 2); /* two values, sorted order: also a bad case */
	cr_expect_eq(stat_median(v, n), 0.5);
	free(v);
}

Test(stat_outlier, table)
{
	static const struct {
		double x, median, mad, k;
		bool out;
	} cases[] = {
		{ 100, 3, MAD_SCALE, 3, true },  /* |97| > 4.45 */
		{ 4, 3, MAD_SCALE, 3, false },   /* |1| */
		{ 7, 4, 1, 3, false },           /* exactly k*mad: not beyond */
		{ 7.0001, 4, 1, 3, true },
		{ 1, 4, 1, 3, false },           /* exactly, below */
		{ 0.5, 4, 1, 3, true },
		{ -100, 0, 10, 3.5, true },
		{ 1000, 5, 0, 3, false },        /* MAD 0: never */
		{ 5, 5, 0, 3, false },
		{ 1000, 5, -1, 3, false },
		{ 1000, 5, NAN, 3, false },
		{ NAN, 5, 1, 3, false },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		cr_expect_eq(stat_outlier(cases[i].x, cases[i].median, cases[i].mad, cases[i].k),
			     cases[i].out, "stat_outlier(%g, %g, %g, %g)", cases[i].x, cases[i].median,
			     cases[i].mad, cases[i].k);
}

/* The three together, as the audit uses them: one wrong price in a column. */
Test(stat_outlier, column)
{
	double v[] = { 19.9, 20.5, 21.0, 19.5, 20.0, 2000.0, 20.2, 19.8 };
	size_t n = COUNT(v);
	double copy[COUNT(v)];
	memcpy(copy, v, sizeof v);
	double med = stat_median(copy, n);
	double mad = stat_mad(v, n, med);
	/* sorted 19.5 19.8 19.9 20.0 20.2 20.5 21.0 2000 -> median 20.1;
	 * |dev| .6 .3 .2 .1 .1 .4 .9 1979.9 -> .1 .1 .2 .3 .4 .6 .9 .. -> .35 */
	cr_expect(fabs(med - 20.1) < 1e-9, "median %g", med);
	cr_expect(fabs(mad - 0.35 * MAD_SCALE) < 1e-9, "mad %g", mad);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(stat_outlier(v[i], med, mad, 3.5), v[i] == 2000.0, "value %g", v[i]);
}
