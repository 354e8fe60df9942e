/* Unit tests for sig.c: HMAC-SHA256 against RFC 4231, base64 against RFC
 * 4648, Standard Webhooks against the specification's published example,
 * Shopify against a MAC computed by `openssl dgst -hmac`. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

/* The example of the Standard Webhooks specification (and of its reference
 * libraries' test suites). */
#define SPEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SPEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SPEC_TS 1614265330
#define SPEC_BODY "{\"test\": 2432232314}"
#define SPEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

/* A second secret, as during a rotation: base64 of 32 bytes. */
#define OTHER_SECRET "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludDE="

static struct sig_key key_of(const char *secret)
{
	struct sig_key k;
	char *err = NULL;
	cr_assert_eq(sig_key_decode(secret, &k, &err), ORR_OK, "decode: %s", err ? err : "");
	return k;
}

Test(sig, hmac_sha256_rfc4231_case2)
{
	const struct sig_part part = { "what do ya want for nothing?", 28 };
	unsigned char mac[SIG_MAC_LEN];
	cr_assert(sig_hmac_sha256("Jefe", 4, &part, 1, mac));
	static const unsigned char want[] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
		0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
		0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	cr_expect_eq(memcmp(mac, want, sizeof want), 0);
}

/* Split into parts, the MAC is the same as over the whole. */
Test(sig, hmac_parts_equal_whole)
{
	const struct sig_part whole = { "what do ya want for nothing?", 28 };
	const struct sig_part parts[] = { { "what do", 7 }, { "", 0 }, { " ya want for nothing?", 21 } };
	unsigned char a[SIG_MAC_LEN], b[SIG_MAC_LEN];
	cr_assert(sig_hmac_sha256("Jefe", 4, &whole, 1, a));
	cr_assert(sig_hmac_sha256("Jefe", 4, parts, 3, b));
	cr_expect_eq(memcmp(a, b, sizeof a), 0);
}

Test(sig, base64_rfc4648_vectors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					     "Zm9vYmFy" };
	for (size_t i = 0; i < 7; i++) {
		char out[16];
		size_t n = sig_base64_encode(plain[i], strlen(plain[i]), out);
		cr_expect_str_eq(out, coded[i]);
		cr_expect_eq(n, sig_base64_len(strlen(plain[i])));
		unsigned char back[16];
		size_t len = 99;
		cr_assert(sig_base64_decode(coded[i], strlen(coded[i]), back, sizeof back, &len),
			  "decode %s", coded[i]);
		cr_expect_eq(len, strlen(plain[i]));
		cr_expect_eq(memcmp(back, plain[i], len), 0);
	}
}

Test(sig, base64_refuses_malformed)
{
	static const char *const bad[] = { "Zg=", "Zg", "Z===", "Zh==", "Zm9v!A==", "Zm 9v", "=Zm9",
					   "Zg==Zg==", "Zm9vYmFy\n" };
	unsigned char out[16];
	size_t len;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect_not(sig_base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &len),
			      "accepted \"%s\"", bad[i]);
	/* too long for the room given */
	cr_expect_not(sig_base64_decode("Zm9vYmFy", 8, out, 5, &len));
}

Test(sig, spec_example_signs)
{
	struct sig_key k = key_of(SPEC_SECRET);
	char *h = sig_stdwh_sign(&k, 1, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY));
	cr_assert_not_null(h);
	cr_expect_str_eq(h, SPEC_SIG);
	free(h);
}

Test(sig, spec_example_verifies)
{
	struct sig_key k = key_of(SPEC_SECRET);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", SPEC_SIG, SPEC_BODY,
				      strlen(SPEC_BODY), SPEC_TS + 10),
		     SIG_VALID);
}

/* The prefix is optional: the bare base64 is the same secret. */
Test(sig, secret_without_prefix)
{
	struct sig_key a = key_of(SPEC_SECRET), b = key_of(&SPEC_SECRET[6]);
	cr_expect_eq(a.len, 24);
	cr_expect_eq(a.len, b.len);
	cr_expect_eq(memcmp(a.bytes, b.bytes, a.len), 0);
}

Test(sig, tampered_body_id_or_timestamp_mismatch)
{
	struct sig_key k = key_of(SPEC_SECRET);
	const char *body2 = "{\"test\": 2432232315}";
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", SPEC_SIG, body2, strlen(body2),
				      SPEC_TS),
		     SIG_MISMATCH);
	cr_expect_eq(sig_stdwh_verify(&k, 1, "msg_other", "1614265330", SPEC_SIG, SPEC_BODY,
				      strlen(SPEC_BODY), SPEC_TS),
		     SIG_MISMATCH);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265331", SPEC_SIG, SPEC_BODY,
				      strlen(SPEC_BODY), SPEC_TS),
		     SIG_MISMATCH);
}

Test(sig, wrong_key_mismatch)
{
	struct sig_key k = key_of(OTHER_SECRET);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", SPEC_SIG, SPEC_BODY,
				      strlen(SPEC_BODY), SPEC_TS),
		     SIG_MISMATCH);
}

Test(sig, timestamp_tolerance_five_minutes_each_way)
{
	struct sig_key k = key_of(SPEC_SECRET);
	size_t n = strlen(SPEC_BODY);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", SPEC_SIG, SPEC_BODY, n,
				      SPEC_TS + 300),
		     SIG_VALID);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", SPEC_SIG, SPEC_BODY, n,
				      SPEC_TS + 301),
		     SIG_STALE);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", SPEC_SIG, SPEC_BODY, n,
				      SPEC_TS - 300),
		     SIG_VALID);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", SPEC_SIG, SPEC_BODY, n,
				      SPEC_TS - 301),
		     SIG_STALE);
}

Test(sig, malformed_or_missing_headers)
{
	struct sig_key k = key_of(SPEC_SECRET);
	size_t n = strlen(SPEC_BODY);
	static const char *const bad_ts[] = { "1614265330.0", "-1614265330", " 1614265330",
					      "16142653300000000000", "0x6037" };
	for (size_t i = 0; i < sizeof bad_ts / sizeof *bad_ts; i++)
		cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, bad_ts[i], SPEC_SIG, SPEC_BODY, n,
					      SPEC_TS),
			     SIG_STALE, "timestamp \"%s\"", bad_ts[i]);
	cr_expect_eq(sig_stdwh_verify(&k, 1, NULL, "1614265330", SPEC_SIG, SPEC_BODY, n, SPEC_TS),
		     SIG_MISSING);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, NULL, SPEC_SIG, SPEC_BODY, n, SPEC_TS),
		     SIG_MISSING);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", "", SPEC_BODY, n, SPEC_TS),
		     SIG_MISSING);
	/* a v2 scheme or a truncated MAC is not a v1 match */
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330",
				      "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SPEC_BODY,
				      n, SPEC_TS),
		     SIG_MISMATCH);
	cr_expect_eq(sig_stdwh_verify(&k, 1, SPEC_ID, "1614265330", "v1,g0hM9SsE", SPEC_BODY, n,
				      SPEC_TS),
		     SIG_MISMATCH);
}

/* While a secret rotates, the sender signs with both and a receiver that
 * knows either one accepts; the receiver may also know both. */
Test(sig, rotation_several_signatures)
{
	struct sig_key both[2] = { key_of(OTHER_SECRET), key_of(SPEC_SECRET) };
	char *h = sig_stdwh_sign(both, 2, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY));
	cr_assert_not_null(h);
	cr_expect_eq(strlen(h), 2 * 47 + 1);
	cr_expect_str_eq(h + 48, SPEC_SIG, "the second entry is the spec's: %s", h);
	size_t n = strlen(SPEC_BODY);
	for (int i = 0; i < 2; i++)
		cr_expect_eq(sig_stdwh_verify(&both[i], 1, SPEC_ID, "1614265330", h, SPEC_BODY, n,
					      SPEC_TS),
			     SIG_VALID, "key %d", i);
	cr_expect_eq(sig_stdwh_verify(both, 2, SPEC_ID, "1614265330", SPEC_SIG, SPEC_BODY, n,
				      SPEC_TS),
		     SIG_VALID);
	/* extra spaces and an unknown scheme between entries are tolerated */
	cr_expect_eq(sig_stdwh_verify(&both[1], 1, SPEC_ID, "1614265330",
				      "v1a,xyz  " SPEC_SIG " ", SPEC_BODY, n, SPEC_TS),
		     SIG_VALID);
	free(h);
}

Test(sig, secret_decode_refusals_do_not_quote_the_secret)
{
	struct sig_key k;
	char *err = NULL;
	cr_expect_eq(sig_key_decode("whsec_not base64!", &k, &err), ORR_DATAERR);
	cr_assert_not_null(err);
	cr_expect_null(strstr(err, "not base64!"), "%s", err);
	free(err);
	err = NULL;
	/* 16 bytes: below the specification's 24 */
	cr_expect_eq(sig_key_decode("whsec_MDEyMzQ1Njc4OWFiY2RlZg==", &k, &err), ORR_DATAERR);
	cr_assert_not_null(err);
	cr_expect_null(strstr(err, "MDEy"), "%s", err);
	cr_expect_neq(strstr(err, "16 bytes"), NULL, "%s", err);
	free(err);
}

/* The MAC below was computed independently:
 * printf '%s' BODY | openssl dgst -sha256 -hmac hush-shopify-secret -binary | base64 */
Test(sig, shopify_hmac)
{
	const char *body = "{\"id\":820982911946154508,\"title\":\"Example T-Shirt\"}";
	const char *mac = "dODPPROJpIYnB+nG53omhMYgUJ8Yxo2PtrDZBSEwGIQ=";
	char out[SIG_MAC_B64_LEN + 1];
	cr_assert(sig_shopify_sign("hush-shopify-secret", body, strlen(body), out));
	cr_expect_str_eq(out, mac);
	cr_expect(sig_shopify_verify("hush-shopify-secret", mac, body, strlen(body)));
	cr_expect_not(sig_shopify_verify("hush-shopify-secreT", mac, body, strlen(body)));
	cr_expect_not(sig_shopify_verify("hush-shopify-secret", mac, body, strlen(body) - 1));
	cr_expect_not(sig_shopify_verify("hush-shopify-secret", NULL, body, strlen(body)));
	cr_expect_not(sig_shopify_verify("hush-shopify-secret", "dODPPROJpIYnB+nG53om", body,
					 strlen(body)));
}
