/* rc.h - the one result type.  Values are sysexits.h codes so that a
 * command's result is also its exit status. */
#ifndef ORR_RC_H
#define ORR_RC_H

enum orr_rc {
	ORR_OK = 0,
	ORR_USAGE = 64,     /* EX_USAGE: bad command line */
	ORR_DATAERR = 65,   /* EX_DATAERR: input refused */
	ORR_NOINPUT = 66,   /* EX_NOINPUT: missing or unreadable input file */
	ORR_UNAVAILABLE = 69, /* EX_UNAVAILABLE: a remote service is down or refused */
	ORR_SOFTWARE = 70,  /* EX_SOFTWARE: internal error */
	ORR_IOERR = 74,     /* EX_IOERR: database or file I/O failed */
	ORR_PROTOCOL = 76,  /* EX_PROTOCOL: a remote service answered nonsense */
	ORR_TEMPFAIL = 75,  /* EX_TEMPFAIL: database busy, try again */
};

#endif
