/* subsys_marketing.h - coordinated marketing signals: promote a SKU at
 * overstock risk (marketing.promote), pause its promotion at stockout risk
 * (marketing.pause).  The default rules make the pause inhibit the
 * promotion rule for the same SKU for a window. */
#ifndef ORR_SUBSYS_MARKETING_H
#define ORR_SUBSYS_MARKETING_H

#include "subsystem.h"

extern const struct subsystem subsys_marketing;

#endif
