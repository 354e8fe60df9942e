/* keys.h - the one key table: key, operation, help text, where it applies
 * and whether read-only mode allows it.  The help screen and the footer
 * are generated from it, so they cannot drift from what the keys do. */
#ifndef ORR_UI_KEYS_H
#define ORR_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "ui.h"

#define ALL_PANES 0x3F
#define IN(p) (1 << (p))

struct key_binding {
	int key;              /* a character or a KEY_* code */
	const char *label;    /* how help and the footer spell it */
	unsigned panes;       /* bit per pane_id */
	enum op op;
	const char *name;     /* the operation's name ("job.retry") */
	const char *help;
	bool read_only_safe;  /* allowed by --read-only */
	bool footer;          /* shown in the footer bar */
};

const struct key_binding *keys_all(size_t *n);
/* The binding of key in pane, or NULL. */
const struct key_binding *keys_find(int key, int pane);

#endif
