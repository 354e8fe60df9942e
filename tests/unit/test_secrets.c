/* Unit tests for secrets.c: the mode check, lookups by dotted key, lists
 * while a secret rotates, and refusals that never quote a value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secrets.h"

static char path[128];

static void write_secrets(const char *text, mode_t mode)
{
	snprintf(path, sizeof path, "/tmp/orrery-secrets-%ld.json", (long)getpid());
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
}

static void cleanup(void)
{
	unlink(path);
}

/* Load and expect a refusal whose message names the file and never
 * contains needle (a piece of a secret). */
static void expect_refused(enum orr_rc want, const char *needle)
{
	struct secrets *s = NULL;
	char *err = NULL;
	cr_expect_eq(secrets_load(path, 1, &s, &err), want);
	cr_expect_null(s);
	cr_assert_not_null(err);
	cr_expect_neq(strstr(err, path), NULL, "names the file: %s", err);
	if (needle)
		cr_expect_null(strstr(err, needle), "quotes the secret: %s", err);
	free(err);
}

Test(secrets, nested_and_flat_keys, .fini = cleanup)
{
	write_secrets("{\"shopify\": {\"webhook_secret\": \"hush\"},"
		      " \"standard.webhook_secret\": [\"whsec_new\", \"whsec_old\"],"
		      " \"a\": {\"b\": {\"c\": \"deep\"}}}", 0600);
	struct secrets *s = NULL;
	char *err = NULL;
	cr_assert_eq(secrets_load(path, 1, &s, &err), ORR_OK, "%s", err ? err : "");
	cr_expect_str_eq(secrets_get(s, "shopify.webhook_secret"), "hush");
	cr_expect_str_eq(secrets_get(s, "a.b.c"), "deep");
	cr_expect_null(secrets_get(s, "shopify"));
	cr_expect_null(secrets_get(s, "nope"));
	size_t n;
	const char *const *v = secrets_get_all(s, "standard.webhook_secret", &n);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(v[0], "whsec_new");
	cr_expect_str_eq(v[1], "whsec_old");
	cr_expect_str_eq(secrets_get(s, "standard.webhook_secret"), "whsec_new");
	secrets_free(s);
}

Test(secrets, readable_by_others_refused, .fini = cleanup)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0606, 0666 };
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		write_secrets("{\"k\": \"topsecretvalue\"}", modes[i]);
		expect_refused(ORR_DATAERR, "topsecretvalue");
	}
	/* stricter than 0600 is fine */
	write_secrets("{\"k\": \"v\"}", 0400);
	struct secrets *s = NULL;
	char *err = NULL;
	cr_expect_eq(secrets_load(path, 1, &s, &err), ORR_OK);
	secrets_free(s);
}

Test(secrets, mode_message_says_what_to_do, .fini = cleanup)
{
	write_secrets("{}", 0644);
	struct secrets *s = NULL;
	char *err = NULL;
	cr_assert_eq(secrets_load(path, 1, &s, &err), ORR_DATAERR);
	cr_expect_neq(strstr(err, "0644"), NULL, "%s", err);
	cr_expect_neq(strstr(err, "chmod 600"), NULL, "%s", err);
	free(err);
}

Test(secrets, missing_file)
{
	struct secrets *s = NULL;
	char *err = NULL;
	snprintf(path, sizeof path, "/tmp/orrery-secrets-none-%ld.json", (long)getpid());
	unlink(path);
	/* beside the database and absent: an empty set */
	cr_assert_eq(secrets_load(path, 0, &s, &err), ORR_OK);
	cr_expect_null(secrets_get(s, "shopify.webhook_secret"));
	secrets_free(s);
	/* named with --secrets and absent: missing input */
	s = NULL;
	expect_refused(ORR_NOINPUT, NULL);
}

Test(secrets, malformed_json_gives_position_not_content, .fini = cleanup)
{
	write_secrets("{\n  \"k\": \"topsecretvalue\" \"oops\"\n}", 0600);
	struct secrets *s = NULL;
	char *err = NULL;
	cr_assert_eq(secrets_load(path, 1, &s, &err), ORR_DATAERR);
	cr_expect_neq(strstr(err, "line 2"), NULL, "%s", err);
	cr_expect_null(strstr(err, "topsecret"), "%s", err);
	cr_expect_null(strstr(err, "oops"), "%s", err);
	free(err);
}

Test(secrets, bad_values_refused_naming_the_key, .fini = cleanup)
{
	static const char *const bad[] = {
		"{\"k\": 5}", "{\"k\": \"\"}", "{\"k\": []}", "{\"k\": [\"a\", 7]}", "{\"k\": null}",
		"[\"topsecretvalue\"]", "{\"k\": \"topsecretvalue\", \"k\": \"x\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		write_secrets(bad[i], 0600);
		expect_refused(ORR_DATAERR, "topsecretvalue");
	}
}

Test(secrets, path_beside_database)
{
	char *p = secrets_path_beside("/var/lib/orrery/shop.db");
	cr_expect_str_eq(p, "/var/lib/orrery/secrets.json");
	free(p);
	p = secrets_path_beside("shop.db");
	cr_expect_str_eq(p, "secrets.json");
	free(p);
}
