/* subsys_system.h - the system subsystem: the system.canary job, for
 * health checks and benchmarks. */
#ifndef ORR_SUBSYS_SYSTEM_H
#define ORR_SUBSYS_SYSTEM_H

#include "subsystem.h"

extern const struct subsystem subsys_system;

#endif
