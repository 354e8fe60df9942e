/* utf8.c - UTF-8 validation and single-byte transcoding. libc only. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

#define UTF8_HIGHS UINT64_C(0x8080808080808080)

/* Length of the valid multibyte sequence starting at s[0] (lead >= 0x80),
 * or 0 when it is invalid or cut short by the end of the input.  The
 * second-byte ranges are what exclude overlongs, surrogates and > U+10FFFF. */
size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (b >= 0xC2 && b <= 0xDF)
		n = 2;
	else if (b >= 0xE0 && b <= 0xEF)
		n = 3;
	else if (b >= 0xF0 && b <= 0xF4)
		n = 4;
	else
		return 0;
	if (b == 0xE0)
		lo = 0xA0;
	else if (b == 0xED)
		hi = 0x9F;
	else if (b == 0xF0)
		lo = 0x90;
	else if (b == 0xF4)
		hi = 0x8F;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Longest valid prefix; ASCII runs are skipped eight bytes at a time because
 * real data is overwhelmingly ASCII. */
size_t utf8_valid_prefix(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		uint64_t w;
		size_t k;

		if (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!(w & UTF8_HIGHS)) {
				i += 8;
				continue;
			}
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq_len(s + i, len - i);
		if (!k)
			break;
		i += k;
	}
	return i;
}

/* Encode one code point; surrogates and values past U+10FFFF cannot be
 * represented in UTF-8, so they become U+FFFD rather than invalid bytes. */
size_t utf8_encode(unsigned cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Latin-1 is the first 256 code points of Unicode, byte for byte. */
unsigned latin1_to_cp(unsigned char b)
{
	return b;
}

/* Windows-1252 differs from Latin-1 only in 0x80-0x9F, where it has
 * typographic characters instead of C1 controls (0 = undefined). */
unsigned cp1252_to_cp(unsigned char b)
{
	static const unsigned short c1[32] = {
		0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
		0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
	};

	if (b >= 0x80 && b <= 0x9F)
		return c1[b - 0x80];
	return b;
}
