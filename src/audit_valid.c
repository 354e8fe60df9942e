/* audit_valid.c - validity checks and robust statistics for the data audit.
 * Everything here is a pure function of its arguments over const tables, so
 * the SQL functions built on them need no locking. */
#include "audit_valid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "parse.h"
#include "utf8.h"
#include "xalloc.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* Locale-free character classes: the data's locale is not the process's. */
static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static int to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int to_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

/* ---- GTIN ----------------------------------------------------------------- */

bool valid_gtin(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n != 8 && n != 12 && n != 13 && n != 14)
		return false;
	int sum = 0;
	bool nonzero = false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		nonzero |= s[i] != '0';
	}
	/* GS1 weights alternate 3, 1, 3... leftwards from the digit beside the
	 * check digit, whatever the length, so short codes need no padding. */
	for (size_t i = 0; i + 1 < n; i++)
		sum += (s[i] - '0') * ((n - 2 - i) % 2 == 0 ? 3 : 1);
	return nonzero && (10 - sum % 10) % 10 == s[n - 1] - '0';
}

/* ---- host names and e-mail ------------------------------------------------ */

/* One DNS label: 1..63 of [A-Za-z0-9-], no hyphen at either end. */
static bool dns_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* Dot-separated labels; returns how many (0 when any is bad) and where the
 * last one starts. */
static size_t dns_name(const char *s, size_t n, size_t *last)
{
	size_t labels = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!dns_label(s + start, i - start))
			return 0;
		labels++;
		*last = start;
		start = i + 1;
	}
	return labels;
}

/* A top-level domain: letters only, or a punycode IDN ("xn--p1ai"). */
static bool email_tld(const char *s, size_t n)
{
	if (n > 4 && strncasecmp(s, "xn--", 4) == 0)
		return true;
	if (n < 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(s[i]))
			return false;
	return true;
}

/* RFC 5322 atext: what a dot-atom may hold between its dots. */
static bool is_atext(int c)
{
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

static bool email_local(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return false;
	return true;
}

bool valid_email(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s), last = 0;
	const char *at = strchr(s, '@');
	if (n > 254 || !at || strchr(at + 1, '@'))
		return false;
	size_t local = (size_t)(at - s), dn = n - local - 1;
	if (!email_local(s, local) || dns_name(at + 1, dn, &last) < 2)
		return false;
	return email_tld(at + 1 + last, dn - last);
}

/* ---- accent folding ------------------------------------------------------- */

/* Next code point of a NUL-terminated string.  An invalid or cut-short
 * sequence gives U+FFFD and skips one byte, so decoding always advances. */
static unsigned utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	if (s[0] < 0x80) {
		*p += 1;
		return s[0];
	}
	size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
	if (strnlen((const char *)s, n) < n || utf8_valid_prefix((const char *)s, n) != n) {
		*p += 1;
		return 0xFFFD;
	}
	unsigned cp = s[0] & (0x7Fu >> n);
	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3Fu);
	*p += n;
	return cp;
}

/* Latin-1 letters U+00C0..U+00FF and Latin Extended-A U+0100..U+017F, one
 * ASCII letter each, 16 per row; '2' marks those that become two letters
 * (fold_pairs) and '.' the two non-letters, x and the division sign. */
static const char latin_fold[] =
	"aaaaaa2ceeeeiiii" "dnooooo.ouuuuy22"   /* U+00C0 */
	"aaaaaa2ceeeeiiii" "dnooooo.ouuuuy2y"   /* U+00E0 */
	"aaaaaaccccccccdd" "ddeeeeeeeeeegggg"   /* U+0100 */
	"gggghhhhiiiiiiii" "ii22jjkkklllllll"   /* U+0120 */
	"lllnnnnnnnnnoooo" "oo22rrrrrrssssss"   /* U+0140 */
	"ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs";  /* U+0160 */
_Static_assert(sizeof latin_fold - 1 == 0x180 - 0xC0, "one letter per code point");

static const struct {
	unsigned cp;
	char to[3];
} fold_pairs[] = {
	{ 0xC6, "ae" }, { 0xDE, "th" }, { 0xDF, "ss" }, { 0xE6, "ae" },
	{ 0xFE, "th" }, { 0x132, "ij" }, { 0x133, "ij" }, { 0x152, "oe" }, { 0x153, "oe" },
};

/* The lowercase ASCII spelling of an accented Latin letter into out;
 * returns its length, 0 when cp is not one. */
static size_t fold_cp(unsigned cp, char out[2])
{
	if (cp < 0xC0 || cp >= 0xC0 + sizeof latin_fold - 1)
		return 0;
	char c = latin_fold[cp - 0xC0];
	if (c == '.')
		return 0;
	if (c != '2') {
		out[0] = c;
		return 1;
	}
	for (size_t i = 0; i < COUNT(fold_pairs); i++)
		if (fold_pairs[i].cp == cp) {
			memcpy(out, fold_pairs[i].to, 2);
			return 2;
		}
	return 0;
}

/* A string read one folded byte at a time: ASCII lowercased, accented
 * Latin letters spelt in ASCII, anything else passed through as bytes. */
struct fold {
	const unsigned char *p, *raw_end;
	char pend[2];
	size_t npend, ipend;
};

static int fold_next(struct fold *f)
{
	if (f->ipend < f->npend)
		return (unsigned char)f->pend[f->ipend++];
	if (f->p < f->raw_end)
		return *f->p++;
	if (*f->p < 0x80)
		return *f->p ? to_lower(*f->p++) : 0;
	const unsigned char *start = f->p;
	unsigned cp = utf8_next(&f->p);
	f->npend = fold_cp(cp, f->pend);
	f->ipend = 0;
	if (f->npend > 0)
		return (unsigned char)f->pend[f->ipend++];
	f->raw_end = f->p;
	f->p = start;
	return *f->p++;
}

/* Equal ignoring ASCII case and Latin accents.  Streams both strings, so a
 * mismatch costs only the common prefix: cheap across a whole table. */
static bool fold_equal(const char *a, const char *b)
{
	struct fold fa = { .p = (const unsigned char *)a }, fb = { .p = (const unsigned char *)b };
	int ca, cb;
	do {
		ca = fold_next(&fa);
		cb = fold_next(&fb);
	} while (ca == cb && ca != 0);
	return ca == cb;
}

/* ---- countries ------------------------------------------------------------ */

struct country {
	char a2[3], a3[4];
	const char *name;
};

/* ISO 3166-1 as of iso-codes 4.15 (249 codes), sorted by alpha-2 for
 * bsearch.  The name is the common English short name. */
static const struct country countries[] = {
	{ "AD", "AND", "Andorra" },
	{ "AE", "ARE", "United Arab Emirates" },
	{ "AF", "AFG", "Afghanistan" },
	{ "AG", "ATG", "Antigua and Barbuda" },
	{ "AI", "AIA", "Anguilla" },
	{ "AL", "ALB", "Albania" },
	{ "AM", "ARM", "Armenia" },
	{ "AO", "AGO", "Angola" },
	{ "AQ", "ATA", "Antarctica" },
	{ "AR", "ARG", "Argentina" },
	{ "AS", "ASM", "American Samoa" },
	{ "AT", "AUT", "Austria" },
	{ "AU", "AUS", "Australia" },
	{ "AW", "ABW", "Aruba" },
	{ "AX", "ALA", "Åland Islands" },
	{ "AZ", "AZE", "Azerbaijan" },
	{ "BA", "BIH", "Bosnia and Herzegovina" },
	{ "BB", "BRB", "Barbados" },
	{ "BD", "BGD", "Bangladesh" },
	{ "BE", "BEL", "Belgium" },
	{ "BF", "BFA", "Burkina Faso" },
	{ "BG", "BGR", "Bulgaria" },
	{ "BH", "BHR", "Bahrain" },
	{ "BI", "BDI", "Burundi" },
	{ "BJ", "BEN", "Benin" },
	{ "BL", "BLM", "Saint Barthélemy" },
	{ "BM", "BMU", "Bermuda" },
	{ "BN", "BRN", "Brunei Darussalam" },
	{ "BO", "BOL", "Bolivia" },
	{ "BQ", "BES", "Bonaire, Sint Eustatius and Saba" },
	{ "BR", "BRA", "Brazil" },
	{ "BS", "BHS", "Bahamas" },
	{ "BT", "BTN", "Bhutan" },
	{ "BV", "BVT", "Bouvet Island" },
	{ "BW", "BWA", "Botswana" },
	{ "BY", "BLR", "Belarus" },
	{ "BZ", "BLZ", "Belize" },
	{ "CA", "CAN", "Canada" },
	{ "CC", "CCK", "Cocos (Keeling) Islands" },
	{ "CD", "COD", "Congo, The Democratic Republic of the" },
	{ "CF", "CAF", "Central African Republic" },
	{ "CG", "COG", "Congo" },
	{ "CH", "CHE", "Switzerland" },
	{ "CI", "CIV", "Côte d'Ivoire" },
	{ "CK", "COK", "Cook Islands" },
	{ "CL", "CHL", "Chile" },
	{ "CM", "CMR", "Cameroon" },
	{ "CN", "CHN", "China" },
	{ "CO", "COL", "Colombia" },
	{ "CR", "CRI", "Costa Rica" },
	{ "CU", "CUB", "Cuba" },
	{ "CV", "CPV", "Cabo Verde" },
	{ "CW", "CUW", "Curaçao" },
	{ "CX", "CXR", "Christmas Island" },
	{ "CY", "CYP", "Cyprus" },
	{ "CZ", "CZE", "Czechia" },
	{ "DE", "DEU", "Germany" },
	{ "DJ", "DJI", "Djibouti" },
	{ "DK", "DNK", "Denmark" },
	{ "DM", "DMA", "Dominica" },
	{ "DO", "DOM", "Dominican Republic" },
	{ "DZ", "DZA", "Algeria" },
	{ "EC", "ECU", "Ecuador" },
	{ "EE", "EST", "Estonia" },
	{ "EG", "EGY", "Egypt" },
	{ "EH", "ESH", "Western Sahara" },
	{ "ER", "ERI", "Eritrea" },
	{ "ES", "ESP", "Spain" },
	{ "ET", "ETH", "Ethiopia" },
	{ "FI", "FIN", "Finland" },
	{ "FJ", "FJI", "Fiji" },
	{ "FK", "FLK", "Falkland Islands (Malvinas)" },
	{ "FM", "FSM", "Micronesia, Federated States of" },
	{ "FO", "FRO", "Faroe Islands" },
	{ "FR", "FRA", "France" },
	{ "GA", "GAB", "Gabon" },
	{ "GB", "GBR", "United Kingdom" },
	{ "GD", "GRD", "Grenada" },
	{ "GE", "GEO", "Georgia" },
	{ "GF", "GUF", "French Guiana" },
	{ "GG", "GGY", "Guernsey" },
	{ "GH", "GHA", "Ghana" },
	{ "GI", "GIB", "Gibraltar" },
	{ "GL", "GRL", "Greenland" },
	{ "GM", "GMB", "Gambia" },
	{ "GN", "GIN", "Guinea" },
	{ "GP", "GLP", "Guadeloupe" },
	{ "GQ", "GNQ", "Equatorial Guinea" },
	{ "GR", "GRC", "Greece" },
	{ "GS", "SGS", "South Georgia and the South Sandwich Islands" },
	{ "GT", "GTM", "Guatemala" },
	{ "GU", "GUM", "Guam" },
	{ "GW", "GNB", "Guinea-Bissau" },
	{ "GY", "GUY", "Guyana" },
	{ "HK", "HKG", "Hong Kong" },
	{ "HM", "HMD", "Heard Island and McDonald Islands" },
	{ "HN", "HND", "Honduras" },
	{ "HR", "HRV", "Croatia" },
	{ "HT", "HTI", "Haiti" },
	{ "HU", "HUN", "Hungary" },
	{ "ID", "IDN", "Indonesia" },
	{ "IE", "IRL", "Ireland" },
	{ "IL", "ISR", "Israel" },
	{ "IM", "IMN", "Isle of Man" },
	{ "IN", "IND", "India" },
	{ "IO", "IOT", "British Indian Ocean Territory" },
	{ "IQ", "IRQ", "Iraq" },
	{ "IR", "IRN", "Iran" },
	{ "IS", "ISL", "Iceland" },
	{ "IT", "ITA", "Italy" },
	{ "JE", "JEY", "Jersey" },
	{ "JM", "JAM", "Jamaica" },
	{ "JO", "JOR", "Jordan" },
	{ "JP", "JPN", "Japan" },
	{ "KE", "KEN", "Kenya" },
	{ "KG", "KGZ", "Kyrgyzstan" },
	{ "KH", "KHM", "Cambodia" },
	{ "KI", "KIR", "Kiribati" },
	{ "KM", "COM", "Comoros" },
	{ "KN", "KNA", "Saint Kitts and Nevis" },
	{ "KP", "PRK", "North Korea" },
	{ "KR", "KOR", "South Korea" },
	{ "KW", "KWT", "Kuwait" },
	{ "KY", "CYM", "Cayman Islands" },
	{ "KZ", "KAZ", "Kazakhstan" },
	{ "LA", "LAO", "Laos" },
	{ "LB", "LBN", "Lebanon" },
	{ "LC", "LCA", "Saint Lucia" },
	{ "LI", "LIE", "Liechtenstein" },
	{ "LK", "LKA", "Sri Lanka" },
	{ "LR", "LBR", "Liberia" },
	{ "LS", "LSO", "Lesotho" },
	{ "LT", "LTU", "Lithuania" },
	{ "LU", "LUX", "Luxembourg" },
	{ "LV", "LVA", "Latvia" },
	{ "LY", "LBY", "Libya" },
	{ "MA", "MAR", "Morocco" },
	{ "MC", "MCO", "Monaco" },
	{ "MD", "MDA", "Moldova" },
	{ "ME", "MNE", "Montenegro" },
	{ "MF", "MAF", "Saint Martin (French part)" },
	{ "MG", "MDG", "Madagascar" },
	{ "MH", "MHL", "Marshall Islands" },
	{ "MK", "MKD", "North Macedonia" },
	{ "ML", "MLI", "Mali" },
	{ "MM", "MMR", "Myanmar" },
	{ "MN", "MNG", "Mongolia" },
	{ "MO", "MAC", "Macao" },
	{ "MP", "MNP", "Northern Mariana Islands" },
	{ "MQ", "MTQ", "Martinique" },
	{ "MR", "MRT", "Mauritania" },
	{ "MS", "MSR", "Montserrat" },
	{ "MT", "MLT", "Malta" },
	{ "MU", "MUS", "Mauritius" },
	{ "MV", "MDV", "Maldives" },
	{ "MW", "MWI", "Malawi" },
	{ "MX", "MEX", "Mexico" },
	{ "MY", "MYS", "Malaysia" },
	{ "MZ", "MOZ", "Mozambique" },
	{ "NA", "NAM", "Namibia" },
	{ "NC", "NCL", "New Caledonia" },
	{ "NE", "NER", "Niger" },
	{ "NF", "NFK", "Norfolk Island" },
	{ "NG", "NGA", "Nigeria" },
	{ "NI", "NIC", "Nicaragua" },
	{ "NL", "NLD", "Netherlands" },
	{ "NO", "NOR", "Norway" },
	{ "NP", "NPL", "Nepal" },
	{ "NR", "NRU", "Nauru" },
	{ "NU", "NIU", "Niue" },
	{ "NZ", "NZL", "New Zealand" },
	{ "OM", "OMN", "Oman" },
	{ "PA", "PAN", "Panama" },
	{ "PE", "PER", "Peru" },
	{ "PF", "PYF", "French Polynesia" },
	{ "PG", "PNG", "Papua New Guinea" },
	{ "PH", "PHL", "Philippines" },
	{ "PK", "PAK", "Pakistan" },
	{ "PL", "POL", "Poland" },
	{ "PM", "SPM", "Saint Pierre and Miquelon" },
	{ "PN", "PCN", "Pitcairn" },
	{ "PR", "PRI", "Puerto Rico" },
	{ "PS", "PSE", "Palestine, State of" },
	{ "PT", "PRT", "Portugal" },
	{ "PW", "PLW", "Palau" },
	{ "PY", "PRY", "Paraguay" },
	{ "QA", "QAT", "Qatar" },
	{ "RE", "REU", "Réunion" },
	{ "RO", "ROU", "Romania" },
	{ "RS", "SRB", "Serbia" },
	{ "RU", "RUS", "Russian Federation" },
	{ "RW", "RWA", "Rwanda" },
	{ "SA", "SAU", "Saudi Arabia" },
	{ "SB", "SLB", "Solomon Islands" },
	{ "SC", "SYC", "Seychelles" },
	{ "SD", "SDN", "Sudan" },
	{ "SE", "SWE", "Sweden" },
	{ "SG", "SGP", "Singapore" },
	{ "SH", "SHN", "Saint Helena, Ascension and Tristan da Cunha" },
	{ "SI", "SVN", "Slovenia" },
	{ "SJ", "SJM", "Svalbard and Jan Mayen" },
	{ "SK", "SVK", "Slovakia" },
	{ "SL", "SLE", "Sierra Leone" },
	{ "SM", "SMR", "San Marino" },
	{ "SN", "SEN", "Senegal" },
	{ "SO", "SOM", "Somalia" },
	{ "SR", "SUR", "Suriname" },
	{ "SS", "SSD", "South Sudan" },
	{ "ST", "STP", "Sao Tome and Principe" },
	{ "SV", "SLV", "El Salvador" },
	{ "SX", "SXM", "Sint Maarten (Dutch part)" },
	{ "SY", "SYR", "Syria" },
	{ "SZ", "SWZ", "Eswatini" },
	{ "TC", "TCA", "Turks and Caicos Islands" },
	{ "TD", "TCD", "Chad" },
	{ "TF", "ATF", "French Southern Territories" },
	{ "TG", "TGO", "Togo" },
	{ "TH", "THA", "Thailand" },
	{ "TJ", "TJK", "Tajikistan" },
	{ "TK", "TKL", "Tokelau" },
	{ "TL", "TLS", "Timor-Leste" },
	{ "TM", "TKM", "Turkmenistan" },
	{ "TN", "TUN", "Tunisia" },
	{ "TO", "TON", "Tonga" },
	{ "TR", "TUR", "Türkiye" },
	{ "TT", "TTO", "Trinidad and Tobago" },
	{ "TV", "TUV", "Tuvalu" },
	{ "TW", "TWN", "Taiwan" },
	{ "TZ", "TZA", "Tanzania" },
	{ "UA", "UKR", "Ukraine" },
	{ "UG", "UGA", "Uganda" },
	{ "UM", "UMI", "United States Minor Outlying Islands" },
	{ "US", "USA", "United States" },
	{ "UY", "URY", "Uruguay" },
	{ "UZ", "UZB", "Uzbekistan" },
	{ "VA", "VAT", "Holy See (Vatican City State)" },
	{ "VC", "VCT", "Saint Vincent and the Grenadines" },
	{ "VE", "VEN", "Venezuela" },
	{ "VG", "VGB", "Virgin Islands, British" },
	{ "VI", "VIR", "Virgin Islands, U.S." },
	{ "VN", "VNM", "Vietnam" },
	{ "VU", "VUT", "Vanuatu" },
	{ "WF", "WLF", "Wallis and Futuna" },
	{ "WS", "WSM", "Samoa" },
	{ "YE", "YEM", "Yemen" },
	{ "YT", "MYT", "Mayotte" },
	{ "ZA", "ZAF", "South Africa" },
	{ "ZM", "ZMB", "Zambia" },
	{ "ZW", "ZWE", "Zimbabwe" },
};

/* Other names real exports use.  A NULL code marks a name that is known
 * but names no single country, so it is refused on purpose, not by
 * oversight. */
static const struct {
	const char *name;
	const char *code;
} country_aliases[] = {
	/* UCI Online Retail (I and II) spellings. */
	{ "EIRE", "IE" }, { "RSA", "ZA" }, { "USA", "US" }, { "Czech Republic", "CZ" },
	{ "Korea", "KR" }, /* Online Retail II: the South, by its trade */
	{ "Channel Islands", NULL }, /* Jersey (JE) or Guernsey (GG): unknown */
	{ "European Community", NULL }, { "European Union", NULL },
	{ "Unspecified", NULL }, { "West Indies", NULL },
	/* Common and former names. */
	{ "UK", "GB" }, { "Great Britain", "GB" }, { "Britain", "GB" }, { "England", "GB" },
	{ "Scotland", "GB" }, { "Wales", "GB" }, { "Northern Ireland", "GB" },
	{ "United Kingdom of Great Britain and Northern Ireland", "GB" },
	{ "Republic of Ireland", "IE" }, { "United States of America", "US" },
	{ "America", "US" }, { "UAE", "AE" }, { "Republic of South Africa", "ZA" },
	{ "Russia", "RU" }, { "Turkey", "TR" }, { "Holland", "NL" }, { "The Netherlands", "NL" },
	{ "Republic of Korea", "KR" }, { "Vatican", "VA" }, { "Vatican City", "VA" },
	{ "Ivory Coast", "CI" }, { "Macau", "MO" }, { "Burma", "MM" }, { "Swaziland", "SZ" },
	{ "Macedonia", "MK" }, { "Cape Verde", "CV" }, { "East Timor", "TL" },
	{ "Brunei", "BN" }, { "Palestine", "PS" }, { "Micronesia", "FM" },
	{ "Falkland Islands", "FK" }, { "British Virgin Islands", "VG" },
	{ "US Virgin Islands", "VI" }, { "Democratic Republic of the Congo", "CD" },
	{ "DR Congo", "CD" }, { "Republic of the Congo", "CG" }, { "Hong Kong SAR", "HK" },
	/* ISO 3166-1 names where the table holds the common one. */
	{ "Bolivia, Plurinational State of", "BO" },
	{ "Iran, Islamic Republic of", "IR" },
	{ "Korea, Democratic People's Republic of", "KP" },
	{ "Korea, Republic of", "KR" },
	{ "Lao People's Democratic Republic", "LA" },
	{ "Moldova, Republic of", "MD" },
	{ "Syrian Arab Republic", "SY" },
	{ "Taiwan, Province of China", "TW" },
	{ "Tanzania, United Republic of", "TZ" },
	{ "Venezuela, Bolivarian Republic of", "VE" },
	{ "Viet Nam", "VN" },
};

static int country_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct country *)elem)->a2);
}

static const struct country *country_by_a2(const char *a2)
{
	return bsearch(a2, countries, COUNT(countries), sizeof *countries, country_cmp);
}

bool valid_country(const char *s)
{
	return s && strlen(s) == 2 && country_by_a2(s) != NULL;
}

/* By code: alpha-2 or alpha-3 in any case. */
static const char *country_by_code(const char *s, size_t n)
{
	if (n == 2) {
		char up[3] = { (char)to_upper(s[0]), (char)to_upper(s[1]), 0 };
		const struct country *c = country_by_a2(up);
		return c ? c->a2 : NULL;
	}
	for (size_t i = 0; n == 3 && i < COUNT(countries); i++)
		if (strcasecmp(s, countries[i].a3) == 0)
			return countries[i].a2;
	return NULL;
}

const char *country_code(const char *name_or_code)
{
	if (!name_or_code)
		return NULL;
	const char *code = country_by_code(name_or_code, strlen(name_or_code));
	if (code)
		return code;
	for (size_t i = 0; i < COUNT(countries); i++)
		if (fold_equal(name_or_code, countries[i].name))
			return countries[i].a2;
	for (size_t i = 0; i < COUNT(country_aliases); i++)
		if (fold_equal(name_or_code, country_aliases[i].name))
			return country_aliases[i].code;
	return NULL;
}

/* ---- currency and time ---------------------------------------------------- */

bool valid_currency(const char *s)
{
	return s && strlen(s) == 3 && currency_exponent(s) >= 0;
}

#define DAY_MS INT64_C(86400000)
#define MS_1990 INT64_C(631152000000) /* 1990-01-01T00:00:00Z */

/* s has exactly the shape of pat, where '9' stands for any digit. */
static bool shape_is(const char *s, const char *pat)
{
	for (; *pat; s++, pat++)
		if (*pat == '9' ? !is_digit(*s) : *s != *pat)
			return false;
	return *s == '\0';
}

static int digits_at(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* The fields are a real UTC time: clock_parse alone would let strptime's
 * leniency and timegm's normalisation turn Feb 30 into Mar 2. */
static bool time_fields_valid(const char *s)
{
	int y = digits_at(s, 4), mo = digits_at(s + 5, 2), d = digits_at(s + 8, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	return digits_at(s + 11, 2) <= 23 && digits_at(s + 14, 2) <= 59 && digits_at(s + 17, 2) <= 59;
}

bool plausible_time(const char *utc_text, int64_t now_ms)
{
	if (!utc_text)
		return false;
	if (!shape_is(utc_text, "9999-99-99T99:99:99Z") &&
	    !shape_is(utc_text, "9999-99-99T99:99:99.999Z"))
		return false;
	if (!time_fields_valid(utc_text))
		return false;
	int64_t ms = clock_parse(utc_text);
	if (ms < MS_1990)
		return false;
	/* Up to a year ahead: scheduled launches and pre-orders are real.  ms is
	 * a 4-digit year, so subtracting from it cannot overflow. */
	return ms - 366 * DAY_MS <= now_ms;
}

/* ---- image references ----------------------------------------------------- */

/* Nothing a reference may not hold: ASCII whitespace and controls, the C1
 * controls and no-break space (U+0080..U+00A0), or invalid UTF-8. */
static bool ref_chars_ok(const char *s, size_t n)
{
	if (utf8_valid_prefix(s, n) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7F)
			return false;
		if (c == 0xC2 && (unsigned char)s[i + 1] <= 0xA0)
			return false;
	}
	return true;
}

/* ":port" of 1..65535, or nothing. */
static bool url_port(const char *s, size_t n)
{
	if (n == 0)
		return true;
	if (s[0] != ':' || n < 2 || n > 6)
		return false;
	long port = 0;
	for (size_t i = 1; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

/* host[:port], where host is a DNS name, an IPv4 address or [IPv6].
 * Credentials ("user:pw@") are refused: a catalogue should not hold them. */
static bool url_authority(const char *s, size_t n)
{
	size_t host = 0, last = 0;
	if (memchr(s, '@', n))
		return false;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close == s + 1)
			return false;
		host = (size_t)(close - s) + 1;
		for (size_t i = 1; i + 1 < host; i++)
			if (!is_digit(s[i]) && !strchr("abcdefABCDEF:.", s[i]))
				return false;
		return url_port(s + host, n - host);
	}
	while (host < n && s[host] != ':')
		host++;
	return dns_name(s, host, &last) > 0 && url_port(s + host, n - host);
}

static bool image_url(const char *rest)
{
	return url_authority(rest, strcspn(rest, "/?#"));
}

static bool image_path(const char *s)
{
	static const char *const exts[] = {
		"jpg", "jpeg", "png", "gif", "webp", "tif", "tiff", "avif", "heic",
	};
	const char *base = strrchr(s, '/');
	base = base ? base + 1 : s;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		return false;
	for (size_t i = 0; i < COUNT(exts); i++)
		if (strcasecmp(dot + 1, exts[i]) == 0)
			return true;
	return false;
}

bool valid_image_ref(const char *s)
{
	if (!s || !*s || !ref_chars_ok(s, strlen(s)))
		return false;
	if (strncasecmp(s, "http://", 7) == 0)
		return image_url(s + 7);
	if (strncasecmp(s, "https://", 8) == 0)
		return image_url(s + 8);
	if (strstr(s, "://"))
		return false; /* ftp://, s3://, file://...: nothing we can fetch or open */
	return image_path(s);
}

/* ---- title fingerprints --------------------------------------------------- */

/* Code points that separate words: Latin-1 symbols, general punctuation,
 * currency, letterlike and other symbol blocks (TM, arrows, dingbats), CJK
 * punctuation, variation selectors, emoji, and undecodable bytes. */
static bool is_separator_cp(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
	       (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFFFD;
}

/* The title lowercased and folded, every non-word character a space.  The
 * result is never longer than the input: a fold or a space replaces at
 * least as many bytes as it writes. */
static char *fold_words(const char *title)
{
	const unsigned char *p = (const unsigned char *)title;
	char *out = xmalloc(strlen(title) + 1), *o = out;
	while (*p) {
		const unsigned char *start = p;
		unsigned cp = utf8_next(&p);
		if (cp < 0x80) {
			*o++ = is_alnum((int)cp) ? (char)to_lower((int)cp) : ' ';
			continue;
		}
		size_t n = fold_cp(cp, o);
		if (n == 0 && is_separator_cp(cp))
			*o++ = ' ';
		else if (n == 0) {
			memcpy(o, start, (size_t)(p - start));
			o += p - start;
		} else
			o += n;
	}
	*o = '\0';
	return out;
}

static bool is_stop_word(const char *w)
{
	static const char *const stop[] = {
		"the", "a", "an", "and", "of", "for", "with", "de", "da", "do", "e", "com", "para",
	};
	for (size_t i = 0; i < COUNT(stop); i++)
		if (strcmp(w, stop[i]) == 0)
			return true;
	return false;
}

/* Cut text into words in place; the stop words are left out. */
static char **split_words(char *text, size_t *count)
{
	char **words = xcalloc(strlen(text) / 2 + 1, sizeof *words);
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(text, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!is_stop_word(w))
			words[n++] = w;
	*count = n;
	return words;
}

static int word_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *title_fingerprint(const char *title)
{
	char *text = fold_words(title ? title : "");
	char *out = xmalloc(strlen(text) + 1), *o = out;
	size_t n;
	char **words = split_words(text, &n);

	qsort(words, n, sizeof *words, word_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(words[i], words[i - 1]) == 0)
			continue;
		if (o > out)
			*o++ = ' ';
		size_t len = strlen(words[i]);
		memcpy(o, words[i], len);
		o += len;
	}
	*o = '\0';
	free(words);
	free(text);
	return out;
}

/* ---- robust statistics ---------------------------------------------------- */

static void swap_d(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

static double median3(double a, double b, double c)
{
	if (a > b)
		swap_d(&a, &b);
	if (b > c)
		swap_d(&b, &c);
	return a > b ? a : b;
}

/* The k-th smallest of v[0..n), left at v[k] with everything before it no
 * larger.  Three-way partitioning keeps columns full of equal values (a
 * fixed price) linear instead of quadratic. */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double p = median3(v[lo], v[lo + (hi - lo) / 2], v[hi]);
		size_t lt = lo, i = lo, gt = hi;
		while (i <= gt) {
			if (v[i] < p)
				swap_d(&v[lt++], &v[i++]);
			else if (v[i] > p)
				swap_d(&v[i], &v[gt--]); /* p itself stops gt at lo */
			else
				i++;
		}
		if (k < lt)
			hi = lt - 1;
		else if (k > gt)
			lo = gt + 1;
		else
			return p;
	}
	return v[k];
}

double stat_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	size_t k = n / 2;
	double upper = select_kth(v, n, k);
	if (n % 2 == 1)
		return upper;
	double lower = v[0];
	for (size_t i = 1; i < k; i++)
		if (v[i] > lower)
			lower = v[i];
	return lower + (upper - lower) / 2;
}

double stat_mad(const double *v, size_t n, double median)
{
	if (n == 0)
		return NAN;
	double *dev = xcalloc(n, sizeof *dev);
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(v[i] - median);
	double mad = stat_median(dev, n);
	free(dev);
	/* 1/Phi^-1(3/4): makes the MAD of normal data estimate sigma. */
	return 1.4826 * mad;
}

bool stat_outlier(double x, double median, double mad, double k)
{
	if (!(mad > 0))
		return false; /* see audit_valid.h; also refuses a NaN mad */
	return fabs(x - median) > k * mad;
}
