/* vision_check.h - does an image comply with a preset?  The rules a
 * marketplace applies to a main image, measured on the file itself:
 * size, long side, format, a background of exactly the preset's colour
 * at the border, and the product's share of the frame. */
#ifndef ORR_VISION_CHECK_H
#define ORR_VISION_CHECK_H

#include <stdbool.h>

#include "vision_preset.h"

/* Pixels differing from the background by more than this (any channel)
 * are product when measuring occupancy: the ringing of lossy codecs
 * around a product (JPEG, and WebP more) stays under it. */
#define VISION_CHECK_TOLERANCE 12

struct vision_rule {
	const char *rule;    /* "size", "long_side", "format", "border", "occupancy" */
	bool pass;
	double value, expected;
	char detail[160];    /* the measure in words */
};

#define VISION_MAX_RULES 6

struct vision_check_report {
	int width, height;
	const char *format;  /* "jpeg", "png", "webp", "avif", or "other" */
	double border_share; /* border pixels exactly the background colour, 0..1 */
	double occupancy;    /* the larger of the product box's shares of width and height */
	struct vision_rule rules[VISION_MAX_RULES];
	int nrules;
	bool pass;
};

/* Check the image at path against p.  ORR_OK with r->pass saying the
 * outcome; other codes when the file cannot be read (as vision_load). */
int vision_check(const char *path, const struct vision_preset *p, struct vision_check_report *r, char **why);

/* The same measures on an image in memory (format not checked). */
void vision_check_image(const struct vision_image *img, const struct vision_preset *p, struct vision_check_report *r);

#endif
