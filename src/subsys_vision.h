/* subsys_vision.h - the vision subsystem: product images produced as jobs
 * (marketplace presets, ghost mannequin, lifestyle, group shot, poster,
 * the page asset set).  Each job writes its files, records them as
 * 'produced' assets and emits one asset.ready per file in the transaction
 * that completes it; bad input fails it as permanent with the reason. */
#ifndef ORR_SUBSYS_VISION_H
#define ORR_SUBSYS_VISION_H

#include <jansson.h>

#include "rc.h"
#include "subsystem.h"

struct store;

extern const struct subsystem subsys_vision;

/* The local file behind an asset's uri: "file://" stripped, a relative
 * path taken from the database's directory; NULL (with *err) for http(s)
 * URLs, which are not fetched.  Allocated. */
char *vision_asset_path(struct store *st, const char *uri, char **err);

/* The image a vision job with these args starts from (its "before"): the
 * named file, or the product's first local source image.  Allocated, or
 * NULL with *err. */
char *vision_job_input(struct store *st, const char *kind, const json_t *args, char **err);

/* The image a job of this kind and args would produce (its first, for an
 * asset set), rendered in memory and not saved: the "after" of an
 * approval's preview.  ORR_USAGE for kinds that make no image. */
struct vision_image;
int vision_job_render(struct store *st, const char *kind, const json_t *args,
		      struct vision_image **out, char **why);

#endif
