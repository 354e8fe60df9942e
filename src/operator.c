/* operator.c - the login name and SSH client of this process. */
#include "operator.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void login_name(char *out, size_t size)
{
	const char *name = getenv("LOGNAME");
	if (!name || !*name)
		name = getenv("USER");
	if (!name || !*name) {
		const struct passwd *pw = getpwuid(getuid());
		name = pw ? pw->pw_name : NULL;
	}
	if (name && *name)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "uid:%ld", (long)getuid());
}

/* SSH_CLIENT is "address port port"; SSH_CONNECTION starts the same way. */
static void ssh_client(char *out, size_t size)
{
	const char *env = getenv("SSH_CLIENT");
	if (!env || !*env)
		env = getenv("SSH_CONNECTION");
	out[0] = '\0';
	if (env && *env)
		snprintf(out, size, "%.*s", (int)strcspn(env, " "), env);
}

void operator_identify(struct operator_id *op)
{
	login_name(op->name, sizeof op->name);
	ssh_client(op->from, sizeof op->from);
}
