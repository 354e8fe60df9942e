/* vision_preview.h - small RGB previews of images for the console: an
 * image file (or a composite) shrunk to fit a number of terminal cells,
 * and carried to the console's thread as JSON. */
#ifndef ORR_VISION_PREVIEW_H
#define ORR_VISION_PREVIEW_H

#include <jansson.h>

#include "vision.h"

/* Previews are at most this many pixels a side. */
#define VISION_PREVIEW_MAX 256

/* img shrunk to fit max_w x max_h (aspect kept, never enlarged), as RGB:
 * alpha flattened on white.  ORR_OK or an rc with *why. */
int vision_preview_image(const struct vision_image *img, int max_w, int max_h,
			 struct vision_image **out, char **why);
/* The same from a file (loaded with the usual limits). */
int vision_preview_file(const char *path, int max_w, int max_h, struct vision_image **out,
			char **why);

/* An RGB preview as JSON {"width", "height", "rgb": hex of the bytes}, and
 * back (NULL when the JSON is not one: wrong sizes, bad hex). */
json_t *vision_preview_to_json(const struct vision_image *rgb);
struct vision_image *vision_preview_from_json(const json_t *j);

#endif
