/* sig.c - HMAC-SHA256 through libcrypto's EVP_MAC, base64, and the two
 * webhook signature schemes built on them (see sig.h). */
#include "sig.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The HMAC implementation is fetched once: a fetch walks libcrypto's
 * provider tables and costs more than the MAC of a small webhook. */
static EVP_MAC *hmac_impl;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
	hmac_impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

bool sig_hmac_sha256(const void *key, size_t keylen, const struct sig_part *parts, size_t nparts,
		     unsigned char out[SIG_MAC_LEN])
{
	pthread_once(&hmac_once, hmac_fetch);
	if (!hmac_impl)
		return false;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_impl);
	if (!ctx)
		return false;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	/* An empty key is legal HMAC; libcrypto wants a non-NULL pointer. */
	static const unsigned char empty;
	bool ok = EVP_MAC_init(ctx, keylen ? key : &empty, keylen, params) == 1;
	for (size_t i = 0; ok && i < nparts; i++)
		ok = parts[i].len == 0 || EVP_MAC_update(ctx, parts[i].data, parts[i].len) == 1;
	size_t outlen = 0;
	ok = ok && EVP_MAC_final(ctx, out, &outlen, SIG_MAC_LEN) == 1 && outlen == SIG_MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sig_base64_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

size_t sig_base64_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* The 6-bit value of a base64 character, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool sig_base64_decode(const char *in, size_t inlen, unsigned char *out, size_t cap, size_t *outlen)
{
	if (inlen % 4 != 0)
		return false;
	size_t o = 0;
	for (size_t i = 0; i < inlen; i += 4) {
		bool last = i + 4 == inlen;
		int pad = last && in[i + 3] == '=' ? (in[i + 2] == '=' ? 2 : 1) : 0;
		uint32_t v = 0;
		for (int k = 0; k < 4; k++) {
			int d = k >= 4 - pad ? 0 : b64_value((unsigned char)in[i + k]);
			if (d < 0)
				return false;
			v = v << 6 | (uint32_t)d;
		}
		/* The bits a padded quantum drops must be zero (canonical form). */
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
			return false;
		size_t n = 3 - (size_t)pad;
		if (o + n > cap)
			return false;
		out[o++] = (unsigned char)(v >> 16);
		if (n > 1)
			out[o++] = (unsigned char)(v >> 8);
		if (n > 2)
			out[o++] = (unsigned char)v;
	}
	*outlen = o;
	return true;
}

bool sig_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

enum orr_rc sig_key_decode(const char *secret, struct sig_key *key, char **err)
{
	memset(key, 0, sizeof *key);
	const char *b64 = strncmp(secret, "whsec_", 6) == 0 ? secret + 6 : secret;
	size_t n = strlen(b64);
	if (!sig_base64_decode(b64, n, key->bytes, sizeof key->bytes, &key->len)) {
		sig_key_wipe(key);
		*err = xasprintf("not a Standard Webhooks secret (\"whsec_\" and the base64 of %d to %d "
				 "bytes)", SIG_KEY_MIN, SIG_KEY_MAX);
		return ORR_DATAERR;
	}
	if (key->len < SIG_KEY_MIN) {
		size_t len = key->len;
		sig_key_wipe(key);
		*err = xasprintf("secret of %zu bytes, shorter than the %d the Standard Webhooks "
				 "specification requires", len, SIG_KEY_MIN);
		return ORR_DATAERR;
	}
	return ORR_OK;
}

void sig_key_wipe(struct sig_key *key)
{
	OPENSSL_cleanse(key, sizeof *key);
}

/* The MAC of "id.timestamp.body" under key, base64 into out. */
static bool stdwh_mac(const struct sig_key *key, const char *id, const char *ts, const void *body,
		      size_t len, char out[SIG_MAC_B64_LEN + 1])
{
	const struct sig_part parts[] = {
		{ id, strlen(id) }, { ".", 1 }, { ts, strlen(ts) }, { ".", 1 }, { body, len },
	};
	unsigned char mac[SIG_MAC_LEN];
	if (!sig_hmac_sha256(key->bytes, key->len, parts, sizeof parts / sizeof *parts, mac))
		return false;
	sig_base64_encode(mac, sizeof mac, out);
	return true;
}

char *sig_stdwh_sign(const struct sig_key *keys, size_t nkeys, const char *id, int64_t timestamp,
		     const void *body, size_t len)
{
	char ts[24];
	snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
	/* "v1," + 44 + a space per key */
	char *out = xmalloc(nkeys * (3 + SIG_MAC_B64_LEN + 1) + 1);
	size_t o = 0;
	for (size_t i = 0; i < nkeys; i++) {
		if (i)
			out[o++] = ' ';
		memcpy(out + o, "v1,", 3);
		o += 3;
		if (!stdwh_mac(&keys[i], id, ts, body, len, out + o)) {
			free(out);
			return NULL;
		}
		o += SIG_MAC_B64_LEN;
	}
	out[o] = '\0';
	return out;
}

/* webhook-timestamp: decimal seconds, nothing else. */
static bool parse_timestamp(const char *s, int64_t *out)
{
	int64_t v = 0;
	if (!*s || strlen(s) > 15)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* Does one "v1,<b64>" entry match one of the expected MACs?  Every
 * expected MAC is compared, matched or not, so the time taken does not
 * say which key (or how much of a MAC) matched. */
static bool entry_matches(const char *entry, size_t len, char expected[][SIG_MAC_B64_LEN + 1],
			  size_t nkeys)
{
	if (len != 3 + SIG_MAC_B64_LEN || memcmp(entry, "v1,", 3) != 0)
		return false;
	bool any = false;
	for (size_t k = 0; k < nkeys; k++)
		any |= sig_equal(entry + 3, expected[k], SIG_MAC_B64_LEN);
	return any;
}

enum sig_verdict sig_stdwh_verify(const struct sig_key *keys, size_t nkeys, const char *id,
				  const char *timestamp, const char *signature, const void *body,
				  size_t len, int64_t now)
{
	if (!id || !*id || !timestamp || !*timestamp || !signature || !*signature || nkeys == 0)
		return SIG_MISSING;
	int64_t ts;
	if (!parse_timestamp(timestamp, &ts) || ts < now - SIG_TOLERANCE_S ||
	    ts > now + SIG_TOLERANCE_S)
		return SIG_STALE;
	if (nkeys > SIG_MAX_KEYS)
		nkeys = SIG_MAX_KEYS;
	char expected[SIG_MAX_KEYS][SIG_MAC_B64_LEN + 1];
	for (size_t k = 0; k < nkeys; k++)
		if (!stdwh_mac(&keys[k], id, timestamp, body, len, expected[k]))
			return SIG_MISMATCH;
	bool ok = false;
	for (const char *p = signature; *p;) {
		while (*p == ' ')
			p++;
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		ok |= entry_matches(p, n, expected, nkeys);
		p += n;
	}
	OPENSSL_cleanse(expected, sizeof expected);
	return ok ? SIG_VALID : SIG_MISMATCH;
}

bool sig_shopify_sign(const char *secret, const void *body, size_t len,
		      char out[SIG_MAC_B64_LEN + 1])
{
	const struct sig_part part = { body, len };
	unsigned char mac[SIG_MAC_LEN];
	if (!sig_hmac_sha256(secret, strlen(secret), &part, 1, mac))
		return false;
	sig_base64_encode(mac, sizeof mac, out);
	return true;
}

bool sig_shopify_verify(const char *secret, const char *header, const void *body, size_t len)
{
	char expected[SIG_MAC_B64_LEN + 1];
	if (!header || strlen(header) != SIG_MAC_B64_LEN || !secret ||
	    !sig_shopify_sign(secret, body, len, expected))
		return false;
	bool ok = sig_equal(header, expected, SIG_MAC_B64_LEN);
	OPENSSL_cleanse(expected, sizeof expected);
	return ok;
}

const char *sig_verdict_name(enum sig_verdict v)
{
	switch (v) {
	case SIG_VALID:
		return "valid";
	case SIG_MISSING:
		return "missing";
	case SIG_STALE:
		return "stale";
	case SIG_MISMATCH:
		return "mismatch";
	}
	return "unknown";
}
