/*
 * gen_webhooks - signed Shopify products/create payloads for the inbound
 * webhook benchmark (tests/bench/http_in.sh).
 *
 *   gen_webhooks COUNT SECRET > requests.tsv
 *
 * Writes COUNT lines "MAC<TAB>BODY": BODY a one-line products/create
 * payload (product "bench-N" with three variants, BENCH-N-S/M/L, prices
 * varying with N, an image), MAC its base64 HMAC-SHA256 under SECRET, as
 * Shopify sends in X-Shopify-Hmac-Sha256.  Deterministic: same arguments,
 * same bytes.  Signing happens here, before anything is timed, so wrk's Lua
 * only picks lines.  C11 + libcrypto.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

static int body(char *buf, size_t size, long n)
{
	long price = 10 + n % 90, item = 44000000000000L + 3 * n;
	return snprintf(buf, size,
		"{\"id\":%ld,\"title\":\"Bench Product %ld\",\"body_html\":\"<p>Benchmark product "
		"%ld</p>\",\"vendor\":\"bench\",\"product_type\":\"Shirts\",\"handle\":\"bench-%ld\","
		"\"tags\":\"bench\",\"published_at\":\"2026-12-01T10:00:00-05:00\",\"options\":[{"
		"\"name\":\"Size\",\"position\":1}],\"variants\":["
		"{\"id\":%ld,\"price\":\"%ld.00\",\"sku\":\"BENCH-%ld-S\",\"position\":1,\"option1\":"
		"\"Small\",\"grams\":200,\"taxable\":true,\"requires_shipping\":true,"
		"\"inventory_item_id\":%ld},"
		"{\"id\":%ld,\"price\":\"%ld.00\",\"sku\":\"BENCH-%ld-M\",\"position\":2,\"option1\":"
		"\"Medium\",\"grams\":210,\"taxable\":true,\"requires_shipping\":true,"
		"\"inventory_item_id\":%ld},"
		"{\"id\":%ld,\"price\":\"%ld.50\",\"sku\":\"BENCH-%ld-L\",\"position\":3,\"option1\":"
		"\"Large\",\"grams\":220,\"taxable\":true,\"requires_shipping\":true,"
		"\"inventory_item_id\":%ld}],"
		"\"images\":[{\"id\":%ld,\"position\":1,\"src\":\"https://cdn.example.com/bench/%ld.jpg\","
		"\"alt\":null}]}",
		7000000000000L + n, n, n, n, 42000000000000L + 3 * n, price, n, item,
		42000000000001L + 3 * n, price, n, item + 1, 42000000000002L + 3 * n, price, n,
		item + 2, 32000000000000L + n, n);
}

int main(int argc, char **argv)
{
	char *end;
	long count = argc == 3 ? strtol(argv[1], &end, 10) : 0;
	if (argc != 3 || *end || count < 1) {
		fprintf(stderr, "usage: gen_webhooks COUNT SECRET > requests.tsv\n");
		return 64;
	}
	const char *secret = argv[2];
	char buf[4096], mac64[64];
	unsigned char mac[EVP_MAX_MD_SIZE];
	for (long n = 1; n <= count; n++) {
		int len = body(buf, sizeof buf, n);
		unsigned maclen = 0;
		if (len < 0 || (size_t)len >= sizeof buf ||
		    !HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)buf,
			  (size_t)len, mac, &maclen)) {
			fprintf(stderr, "gen_webhooks: cannot make request %ld\n", n);
			return 70;
		}
		base64(mac, maclen, mac64);
		printf("%s\t%s\n", mac64, buf);
	}
	return fflush(stdout) == 0 ? 0 : 74;
}
