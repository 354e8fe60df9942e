/* sig.h - webhook signatures: HMAC-SHA256 (libcrypto), base64, Standard
 * Webhooks 1.0 signing and verification, Shopify's X-Shopify-Hmac-Sha256.
 *
 * Standard Webhooks signs "<webhook-id>.<webhook-timestamp>.<body>" with
 * HMAC-SHA256 under the secret's decoded bytes (a secret is written
 * "whsec_" + base64 of 24..64 bytes), and sends "v1,<base64 MAC>"; while a
 * secret rotates the header carries one such entry per secret, separated by
 * spaces.  Shopify signs the raw body with the app's shared secret as given
 * (its bytes, not decoded) and sends the base64 MAC.
 *
 * Every comparison of a MAC is constant-time.  Nothing here prints, and no
 * error message ever contains a secret. */
#ifndef ORR_SIG_H
#define ORR_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

#define SIG_MAC_LEN 32                  /* HMAC-SHA256 output, bytes */
#define SIG_MAC_B64_LEN 44              /* its base64, without the NUL */
#define SIG_KEY_MIN 24                  /* Standard Webhooks secret bounds, bytes */
#define SIG_KEY_MAX 64
#define SIG_TOLERANCE_S 300             /* webhook-timestamp: 5 minutes either way */
#define SIG_MAX_KEYS 4                  /* secrets signing at once while rotating */

/* One piece of a message: the MAC runs over the pieces in order, so a
 * caller never has to copy "id.timestamp.body" into one buffer. */
struct sig_part {
	const void *data;
	size_t len;
};

/* A decoded Standard Webhooks secret. */
struct sig_key {
	unsigned char bytes[SIG_KEY_MAX];
	size_t len;
};

/* HMAC-SHA256 of the concatenated parts under key.  Returns false only when
 * libcrypto fails (out of memory). */
bool sig_hmac_sha256(const void *key, size_t keylen, const struct sig_part *parts, size_t nparts,
		     unsigned char out[SIG_MAC_LEN]);

/* Standard base64 (RFC 4648 section 4, with padding).  encode writes
 * sig_base64_len(len) characters and a NUL into out, returns the count. */
size_t sig_base64_len(size_t len);
size_t sig_base64_encode(const void *in, size_t len, char *out);
/* Decodes in[0..inlen); padding is required to complete the last quantum,
 * no whitespace is allowed.  Returns false on any malformed input or when
 * the result would exceed cap bytes. */
bool sig_base64_decode(const char *in, size_t inlen, unsigned char *out, size_t cap, size_t *outlen);

/* Constant-time equality of two equal-length buffers. */
bool sig_equal(const void *a, const void *b, size_t n);

/* Decode a "whsec_..." secret (the prefix is optional).  On failure *err
 * says why without quoting the secret; caller frees. */
enum orr_rc sig_key_decode(const char *secret, struct sig_key *key, char **err);
/* Wipe a decoded key. */
void sig_key_wipe(struct sig_key *key);

/* The webhook-signature header for (id, timestamp, body) under each key:
 * "v1,<b64> v1,<b64>".  Owned by the caller; NULL only if libcrypto fails. */
char *sig_stdwh_sign(const struct sig_key *keys, size_t nkeys, const char *id, int64_t timestamp,
		     const void *body, size_t len);

enum sig_verdict {
	SIG_VALID,
	SIG_MISSING,   /* a header is absent or empty */
	SIG_STALE,     /* webhook-timestamp malformed or beyond the tolerance */
	SIG_MISMATCH,  /* no v1 signature matches any key */
};

/* Verify a Standard Webhooks request: the three header values (NULL when
 * absent), the raw body, the keys accepted now and the current time.  Valid
 * when any "v1," entry of the signature header matches any key. */
enum sig_verdict sig_stdwh_verify(const struct sig_key *keys, size_t nkeys, const char *id,
				  const char *timestamp, const char *signature, const void *body,
				  size_t len, int64_t now);

/* Shopify: the base64 HMAC-SHA256 of the raw body under the secret's bytes. */
bool sig_shopify_sign(const char *secret, const void *body, size_t len,
		      char out[SIG_MAC_B64_LEN + 1]);
/* True when header (X-Shopify-Hmac-Sha256) is that MAC. */
bool sig_shopify_verify(const char *secret, const char *header, const void *body, size_t len);

/* A short name of a verdict, for logs and metrics (never a secret). */
const char *sig_verdict_name(enum sig_verdict v);

#endif
