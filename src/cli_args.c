/* cli_args.c - long-option parsing for one command. */
#include "cli_args.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static struct cli_opt *find(struct cli_args *args, const char *name, size_t len)
{
	for (int i = 0; i < args->nopts; i++)
		if (strlen(args->opts[i].name) == len && strncmp(args->opts[i].name, name, len) == 0)
			return &args->opts[i];
	return NULL;
}

/* Handle argv[*i], an option; may consume the next argument as its value. */
static bool one_option(struct cli_args *args, int argc, char **argv, int *i, char **err)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	struct cli_opt *o = find(args, arg, len);
	if (!o) {
		*err = xasprintf("unknown option --%.*s", (int)len, arg);
		return false;
	}
	if (!o->takes_value) {
		if (eq) {
			*err = xasprintf("option --%s takes no value", o->name);
			return false;
		}
		o->value = "";
		return true;
	}
	if (eq) {
		o->value = eq + 1;
	} else if (*i + 1 < argc) {
		o->value = argv[++*i];
	} else {
		*err = xasprintf("option --%s needs a value", o->name);
		return false;
	}
	return true;
}

bool cli_args_parse(struct cli_args *args, int argc, char **argv, char **err)
{
	args->pos = xcalloc((size_t)argc + 1, sizeof *args->pos);
	args->npos = 0;
	bool options = true;
	for (int i = 0; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0) {
			options = false;
		} else if (options && strncmp(argv[i], "--", 2) == 0) {
			if (!one_option(args, argc, argv, &i, err))
				return false;
		} else if (options && argv[i][0] == '-' && argv[i][1] != '\0') {
			*err = xasprintf("unknown option %s (options are spelled --name)", argv[i]);
			return false;
		} else {
			args->pos[args->npos++] = argv[i];
		}
	}
	return true;
}

const char *cli_args_get(const struct cli_args *args, const char *name)
{
	for (int i = 0; i < args->nopts; i++)
		if (strcmp(args->opts[i].name, name) == 0)
			return args->opts[i].value;
	return NULL;
}

void cli_args_free(struct cli_args *args)
{
	free(args->pos);
	args->pos = NULL;
}
