/* subsys_audit.h - the audit as a subsystem: the audit.run job. */
#ifndef ORR_SUBSYS_AUDIT_H
#define ORR_SUBSYS_AUDIT_H

#include "subsystem.h"

extern const struct subsystem subsys_audit;

#endif
