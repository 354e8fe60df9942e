/* Unit tests for utf8.c: validation, encoding, single-byte tables. */
#include <criterion/criterion.h>
#include <string.h>

#include "utf8.h"

/* Valid prefix length of a string literal (sizeof - 1 keeps embedded NULs). */
#define VP(s) utf8_valid_prefix((s), sizeof(s) - 1)

/* Decode one valid sequence, for checking utf8_encode round trips. */
static unsigned decode(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0];
	if (n == 2)
		return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
	if (n == 3)
		return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
	return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

Test(utf8, ascii_is_valid)
{
	cr_assert_eq(VP("hello, world; 0123456789"), 24);
	cr_assert_eq(utf8_valid_prefix("", 0), 0);
}

Test(utf8, nul_is_valid_utf8)
{
	cr_assert_eq(VP("ab\0cd"), 5);
}

Test(utf8, valid_multibyte)
{
	cr_assert_eq(VP("\xC3\xA9"), 2);             /* é */
	cr_assert_eq(VP("\xE2\x82\xAC"), 3);         /* € */
	cr_assert_eq(VP("\xF0\x9D\x84\x9E"), 4);     /* 𝄞 */
	cr_assert_eq(VP("\xF4\x8F\xBF\xBF"), 4);     /* U+10FFFF */
	cr_assert_eq(VP("caf\xC3\xA9 \xE2\x82\xAC 5"), 11);
}

Test(utf8, overlong_rejected)
{
	cr_assert_eq(VP("\xC0\x80"), 0);
	cr_assert_eq(VP("\xC1\xBF"), 0);
	cr_assert_eq(VP("\xE0\x80\x80"), 0);
	cr_assert_eq(VP("\xE0\x9F\xBF"), 0);
	cr_assert_eq(VP("\xF0\x80\x80\x80"), 0);
	cr_assert_eq(VP("\xF0\x8F\xBF\xBF"), 0);
}

Test(utf8, surrogate_rejected)
{
	cr_assert_eq(VP("\xED\xA0\x80"), 0);
	cr_assert_eq(VP("\xED\xBF\xBF"), 0);
	cr_assert_eq(VP("\xED\x9F\xBF"), 3); /* U+D7FF is fine */
}

Test(utf8, above_max_rejected)
{
	cr_assert_eq(VP("\xF4\x90\x80\x80"), 0);
	cr_assert_eq(VP("\xF5\x80\x80\x80"), 0);
	cr_assert_eq(VP("\xFF"), 0);
}

Test(utf8, truncated_sequence)
{
	cr_assert_eq(VP("ab\xC3"), 2);
	cr_assert_eq(VP("ab\xE2\x82"), 2);
	cr_assert_eq(VP("ab\xF0\x9D\x84"), 2);
	cr_assert_eq(VP("ab\xE2\x82x"), 2);
}

Test(utf8, stray_continuation_rejected)
{
	cr_assert_eq(VP("a\x80"), 1);
	cr_assert_eq(VP("\xC3\xA9\xA9"), 2);
}

Test(utf8, error_after_ascii_run_found_exactly)
{
	/* The 8-byte fast path must not skip over the bad byte. */
	cr_assert_eq(VP("0123456789abc\xE9xyz0123456789"), 13);
	cr_assert_eq(VP("01234567\x80"), 8);
}

Test(utf8, encode_boundaries)
{
	static const unsigned cps[] = {0,      0x41,   0x7F,   0x80,    0x7FF,   0x800,
				       0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
	static const size_t lens[] = {1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4};
	size_t i;

	for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
		char buf[4];
		size_t n = utf8_encode(cps[i], buf);

		cr_assert_eq(n, lens[i], "U+%04X: %zu bytes", cps[i], n);
		cr_assert_eq(utf8_valid_prefix(buf, n), n, "U+%04X encodes invalid", cps[i]);
		cr_assert_eq(decode((const unsigned char *)buf, n), cps[i]);
	}
}

Test(utf8, encode_round_trips_all_scalars)
{
	unsigned cp;

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		char buf[4];
		size_t n;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = utf8_encode(cp, buf);
		if (utf8_valid_prefix(buf, n) != n || decode((const unsigned char *)buf, n) != cp)
			cr_assert_fail("U+%04X does not round-trip", cp);
	}
}

Test(utf8, encode_known_bytes)
{
	char buf[4];

	cr_assert_eq(utf8_encode(0xE9, buf), 2);
	cr_assert_eq(memcmp(buf, "\xC3\xA9", 2), 0);
	cr_assert_eq(utf8_encode(0x20AC, buf), 3);
	cr_assert_eq(memcmp(buf, "\xE2\x82\xAC", 3), 0);
	cr_assert_eq(utf8_encode(0x1D11E, buf), 4);
	cr_assert_eq(memcmp(buf, "\xF0\x9D\x84\x9E", 4), 0);
}

Test(utf8, encode_unencodable_gives_replacement)
{
	char buf[4];

	cr_assert_eq(utf8_encode(0xD800, buf), 3);
	cr_assert_eq(memcmp(buf, "\xEF\xBF\xBD", 3), 0);
	cr_assert_eq(utf8_encode(0x110000, buf), 3);
	cr_assert_eq(memcmp(buf, "\xEF\xBF\xBD", 3), 0);
}

Test(utf8, latin1_table_is_identity)
{
	unsigned b;

	for (b = 0; b < 256; b++)
		cr_assert_eq(latin1_to_cp((unsigned char)b), b);
}

Test(utf8, cp1252_table)
{
	cr_assert_eq(cp1252_to_cp(0x41), 0x41);
	cr_assert_eq(cp1252_to_cp(0xE9), 0xE9);
	cr_assert_eq(cp1252_to_cp(0xA0), 0xA0);
	cr_assert_eq(cp1252_to_cp(0xFF), 0xFF);
	cr_assert_eq(cp1252_to_cp(0x80), 0x20AC);
	cr_assert_eq(cp1252_to_cp(0x85), 0x2026);
	cr_assert_eq(cp1252_to_cp(0x92), 0x2019);
	cr_assert_eq(cp1252_to_cp(0x99), 0x2122);
	cr_assert_eq(cp1252_to_cp(0x9F), 0x0178);
}

Test(utf8, cp1252_undefined_bytes)
{
	static const unsigned char undef[] = {0x81, 0x8D, 0x8F, 0x90, 0x9D};
	unsigned b, n = 0;
	size_t i;

	for (i = 0; i < sizeof undef; i++)
		cr_assert_eq(cp1252_to_cp(undef[i]), 0, "0x%02X should be undefined", undef[i]);
	for (b = 0x80; b <= 0x9F; b++)
		n += cp1252_to_cp((unsigned char)b) == 0;
	cr_assert_eq(n, 5);
}
