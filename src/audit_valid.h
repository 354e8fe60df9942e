/* audit_valid.h - the data audit's validity checks and robust statistics.
 * Pure functions: no I/O, no SQL, no global state.  Every string check
 * takes NULL and answers false, so SQL NULLs need no special case. */
#ifndef ORR_AUDIT_VALID_H
#define ORR_AUDIT_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A GTIN-8, UPC-A (12), EAN-13 or GTIN-14: digits only, nothing around
 * them, with a correct GS1 mod-10 check digit.  All zeros is refused: it
 * passes the checksum but is the usual "no barcode" placeholder. */
bool valid_gtin(const char *s);

/* Pragmatic address syntax: local@domain, at most 254 bytes.  The local
 * part (<= 64) is an RFC 5322 dot-atom; the domain has >= 2 labels of
 * letters, digits and inner hyphens (<= 63 each) and ends in a TLD of >= 2
 * letters or an "xn--" IDN label.  ASCII only: quoted local parts, IP
 * literals and unencoded Unicode are refused. */
bool valid_email(const char *s);

/* An ISO 3166-1 alpha-2 code as assigned today, uppercase ("GB", not "gb"
 * and not the reserved "UK" or "EU"). */
bool valid_country(const char *s);

/* The alpha-2 code (a static string) of an alpha-2 code in any case, an
 * alpha-3 code in any case, or an English name compared ignoring case and
 * Latin accents ("cote d'ivoire" finds CI).  Names include the ISO short
 * names and the forms seen in exports, e.g. the UCI Online Retail set's
 * "EIRE" -> IE, "RSA" -> ZA, "USA" -> US, "Korea" -> KR.  NULL when
 * unknown, and deliberately NULL for the non-countries those exports carry:
 * "Channel Islands" (Jersey and Guernsey have separate codes, JE and GG, and
 * the data does not say which), "European Community", "Unspecified",
 * "West Indies". */
const char *country_code(const char *name_or_code);

/* An ISO 4217 code Orrery knows (parse.c's table), uppercase. */
bool valid_currency(const char *s);

/* A UTC time as the store writes it, "YYYY-MM-DDTHH:MM:SSZ" or
 * "YYYY-MM-DDTHH:MM:SS.mmmZ", that is a real calendar time between
 * 1990-01-01T00:00:00Z and now_ms + 366 days, both inclusive. */
bool plausible_time(const char *utc_text, int64_t now_ms);

/* An image reference a product may carry: an http:// or https:// URL with a
 * host (no credentials; optional port), or a local path, absolute or
 * relative, whose file name has a non-empty stem and one of the extensions
 * jpg jpeg png gif webp tif tiff avif heic in any case.  Whitespace, control
 * characters, invalid UTF-8, other URL schemes and "" are refused. */
bool valid_image_ref(const char *s);

/* A key under which near-duplicate product titles collide: lowercased,
 * Latin accents folded (é->e, ç->c, ß->ss, æ->ae), punctuation made
 * separators, the stop words the a an and of for with de da do e com para
 * dropped, the words sorted and de-duplicated, joined by one space.
 * Letters outside Latin-1 are kept as they are (not case-folded), so
 * non-Latin titles still get distinct keys.  NULL counts as "".  The result
 * is "" when no word survives: callers should not group on "".  Caller
 * frees. */
char *title_fingerprint(const char *title);

/* Median of v[0..n): the mean of the two middle values when n is even; NAN
 * when n is 0.  Reorders v (quickselect, O(n) expected).  v must not hold
 * NaN. */
double stat_median(double *v, size_t n);

/* Median absolute deviation of v[0..n) around `median`, times 1.4826 so that
 * it estimates the standard deviation of normal data; NAN when n is 0.  v is
 * left as it is, so a caller can go on to test each value. */
double stat_mad(const double *v, size_t n, double median);

/* |x - median| > k * mad.  False whenever mad is not > 0: a MAD of 0 means
 * more than half the values are identical (a fixed price, a default
 * quantity), and then every other value would be "infinitely" far out;
 * flagging all of them says nothing, so such a column needs another test. */
bool stat_outlier(double x, double median, double mad, double k);

#endif
