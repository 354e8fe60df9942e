/* vision_check.c - compliance of an image with a preset. */
#include "vision_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* The file's format from its first bytes (not its name). */
static const char *sniff(const char *path)
{
	unsigned char h[16] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(h, 1, sizeof h, f) : 0;
	if (f)
		fclose(f);
	if (n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
		return "jpeg";
	if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0)
		return "webp";
	if (n >= 12 && memcmp(h + 4, "ftypavi", 7) == 0)
		return "avif";
	return "other";
}

static bool is_background(const unsigned char *px, const unsigned char bg[3], int tolerance)
{
	for (int c = 0; c < 3; c++)
		if (abs((int)px[c] - (int)bg[c]) > tolerance)
			return false;
	return true;
}

/* Border: the outer ring, 1% of the shorter side deep (at least 1 px). */
static double border_share(const struct vision_image *img, const unsigned char bg[3])
{
	int w = img->width, h = img->height;
	int depth = (w < h ? w : h) / 100;
	depth = depth < 1 ? 1 : depth;
	size_t total = 0, exact = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			if (x >= depth && x < w - depth && y >= depth && y < h - depth) {
				x = w - depth - 1;
				continue;
			}
			const unsigned char *p = img->px + ((size_t)y * w + x) * img->bands;
			bool opaque = img->bands < 4 || p[3] == 255;
			total++;
			exact += opaque && is_background(p, bg, 0);
		}
	return total ? (double)exact / (double)total : 0;
}

/* The box of everything not background, as the larger share of a side. */
static double occupancy(const struct vision_image *img, const unsigned char bg[3])
{
	int w = img->width, h = img->height, x0 = w, y0 = h, x1 = -1, y1 = -1;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			const unsigned char *p = img->px + ((size_t)y * w + x) * img->bands;
			if (is_background(p, bg, VISION_CHECK_TOLERANCE))
				continue;
			x0 = x < x0 ? x : x0;
			x1 = x > x1 ? x : x1;
			y0 = y < y0 ? y : y0;
			y1 = y;
		}
	if (x1 < 0)
		return 0;
	return fmax((double)(x1 - x0 + 1) / w, (double)(y1 - y0 + 1) / h);
}

static struct vision_rule *add(struct vision_check_report *r, const char *rule, bool pass, double value,
			       double expected)
{
	struct vision_rule *x = &r->rules[r->nrules++];
	x->rule = rule;
	x->pass = pass;
	x->value = value;
	x->expected = expected;
	r->pass &= pass;
	return x;
}

void vision_check_image(const struct vision_image *img, const struct vision_preset *p, struct vision_check_report *r)
{
	int w = img->width, h = img->height;
	r->width = w;
	r->height = h;
	r->nrules = 0;
	r->pass = true;
	struct vision_rule *x = add(r, "size", w == p->width && h == p->height, (double)w * h,
				    (double)p->width * p->height);
	snprintf(x->detail, sizeof x->detail, "%dx%d, the preset's canvas is %dx%d", w, h, p->width, p->height);
	if (p->min_long_side > 0) {
		int lng = w > h ? w : h;
		x = add(r, "long_side", lng >= p->min_long_side, lng, p->min_long_side);
		snprintf(x->detail, sizeof x->detail, "long side %d px, at least %d", lng, p->min_long_side);
	}
	r->border_share = border_share(img, p->background);
	x = add(r, "border", r->border_share >= 1.0, r->border_share, 1.0);
	snprintf(x->detail, sizeof x->detail, "%.2f%% of border pixels are exactly %d,%d,%d", r->border_share * 100,
		 p->background[0], p->background[1], p->background[2]);
	r->occupancy = occupancy(img, p->background);
	double dev = p->occupancy > 0 ? fabs(r->occupancy / p->occupancy - 1) : 0;
	x = add(r, "occupancy", dev <= p->occupancy_tolerance, r->occupancy, p->occupancy);
	snprintf(x->detail, sizeof x->detail, "product fills %.1f%% of the frame, target %.0f%% within %.0f%%",
		 r->occupancy * 100, p->occupancy * 100, p->occupancy_tolerance * 100);
}

int vision_check(const char *path, const struct vision_preset *p, struct vision_check_report *r, char **why)
{
	memset(r, 0, sizeof *r);
	struct vision_image *img;
	int rc = vision_load(path, &p->limits, &img, why);
	if (rc != ORR_OK)
		return rc;
	vision_check_image(img, p, r);
	vision_image_free(img);
	r->format = sniff(path);
	const char *want = vision_format_name(p->enc.format);
	struct vision_rule *x = add(r, "format", strcmp(r->format, want) == 0, 0, 0);
	snprintf(x->detail, sizeof x->detail, "%s, the preset encodes %s", r->format, want);
	return ORR_OK;
}
