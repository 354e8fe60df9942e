/* subsystem.c - the registry: one line per subsystem. */
#include "subsystem.h"

#include <string.h>

#include "subsys_audit.h"
#include "subsys_integration.h"
#include "subsys_forecast.h"
#include "subsys_manual.h"
#include "subsys_marketing.h"
#include "subsys_supplier.h"
#include "subsys_system.h"
#include "subsys_vision.h"

static const struct subsystem *const registry[] = {
	&subsys_manual,
	&subsys_system,
	&subsys_audit,
	&subsys_vision,
	&subsys_integration,
	&subsys_forecast,
	&subsys_supplier,
	&subsys_marketing,
};

#define NREGISTRY (sizeof registry / sizeof *registry)

const struct subsystem *const *subsystem_all(size_t *n)
{
	*n = NREGISTRY;
	return registry;
}

const struct subsystem *subsystem_find(const char *name)
{
	for (size_t i = 0; i < NREGISTRY; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const struct job_kind *subsystem_job_kind(const char *kind, const struct subsystem **owner)
{
	for (size_t i = 0; i < NREGISTRY; i++)
		for (size_t k = 0; k < registry[i]->nkinds; k++)
			if (strcmp(registry[i]->kinds[k].name, kind) == 0) {
				if (owner)
					*owner = registry[i];
				return &registry[i]->kinds[k];
			}
	return NULL;
}

bool subsystem_kind_known(const char *kind)
{
	return subsystem_job_kind(kind, NULL) != NULL;
}
