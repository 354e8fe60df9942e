/* operator.h - who is at the keyboard: the login name, and the SSH client
 * address when the session came in over SSH.  Recorded with every
 * decision an operator makes. */
#ifndef ORR_OPERATOR_H
#define ORR_OPERATOR_H

struct operator_id {
	char name[64];
	char from[64]; /* "" when not over SSH */
};

void operator_identify(struct operator_id *op);

#endif
