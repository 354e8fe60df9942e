/* vision_compose.c - ghost mannequin, lifestyle, group and poster
 * composites over vision.h's pixel buffers.  Cut-outs come from
 * vision_cutout; resizing, blurring, shadows and text from vision.h; the
 * rest (keying the mannequin, filling the neck, colour matching, layout)
 * is plain C here. */
#include "vision_compose.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "utf8.h"
#include "vision_preset.h"
#include "xalloc.h"

#define MAX_GROUP 12

const struct compose_canvas compose_canvas_white = {
	.width = 2000, .height = 2000, .occupancy = 0.85, .bg = { 255, 255, 255 },
	.shadow = 0, .sharpen = 0,
};

static int fail(char **why, int rc, char *msg)
{
	if (why)
		*why = msg;
	else
		free(msg);
	return rc;
}

static unsigned char *pixel(const struct vision_image *img, int x, int y)
{
	return img->px + ((size_t)y * (size_t)img->width + (size_t)x) * (size_t)img->bands;
}

static unsigned char clamp255(double v)
{
	return v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)lround(v);
}

/* ---- colour --------------------------------------------------------------- */

static double srgb_linear(double c)
{
	c /= 255.0;
	return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double lab_f(double t)
{
	return t > 216.0 / 24389.0 ? cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
}

/* CIE Lab (D65) of an sRGB colour. */
static void rgb_to_lab(const unsigned char rgb[3], double lab[3])
{
	double r = srgb_linear(rgb[0]), g = srgb_linear(rgb[1]), b = srgb_linear(rgb[2]);
	double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
	double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
	double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
	double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
	lab[0] = 116.0 * fy - 16.0;
	lab[1] = 500.0 * (fx - fy);
	lab[2] = 200.0 * (fy - fz);
}

static double lab_distance(const double a[3], const double b[3])
{
	double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
	return sqrt(d0 * d0 + d1 * d1 + d2 * d2);
}

/* ---- small image helpers ---------------------------------------------------- */

/* img as RGB: alpha flattened on white (a scene with transparency). */
static struct vision_image *as_rgb(const struct vision_image *img)
{
	static const unsigned char white[3] = { 255, 255, 255 };
	struct vision_image *out = vision_image_fill(img->width, img->height, white);
	if (img->bands == 4)
		vision_over(out, img, 0, 0);
	else
		for (int y = 0; y < img->height; y++)
			for (int x = 0; x < img->width; x++) {
				const unsigned char *s = pixel(img, x, y);
				unsigned char *d = pixel(out, x, y);
				for (int b = 0; b < 3; b++)
					d[b] = s[img->bands >= 3 ? b : 0];
			}
	return out;
}

/* The box of the pixels with alpha > floor, or width 0 when none. */
static struct vision_box alpha_box_over(const struct vision_image *rgba, int floor)
{
	int x0 = rgba->width, y0 = rgba->height, x1 = -1, y1 = -1;
	for (int y = 0; y < rgba->height; y++)
		for (int x = 0; x < rgba->width; x++)
			if (pixel(rgba, x, y)[3] > floor) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y > y1 ? y : y1;
			}
	if (x1 < 0)
		return (struct vision_box){ 0, 0, 0, 0 };
	return (struct vision_box){ x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

static struct vision_box alpha_box(const struct vision_image *rgba)
{
	return alpha_box_over(rgba, 0);
}

static struct vision_image *crop(const struct vision_image *img, struct vision_box b)
{
	struct vision_image *out = vision_image_new(b.width, b.height, img->bands);
	for (int y = 0; y < b.height; y++)
		memcpy(pixel(out, 0, y), pixel(img, b.x, b.y + y), (size_t)b.width * (size_t)img->bands);
	return out;
}

/* Where the cut-out's shadow goes: centred under its base. */
static int place_shadow(struct vision_image *canvas, const struct vision_image *placed,
			struct vision_box box, double strength, char **why)
{
	struct vision_image *sh = NULL;
	int rc = vision_shadow(placed, strength, &sh, why);
	if (rc != ORR_OK)
		return rc;
	vision_over(canvas, sh, box.x, box.y + box.height - sh->height / 2);
	vision_image_free(sh);
	return ORR_OK;
}

/* ---- the canvas --------------------------------------------------------------- */

/* A mask of the canvas' pixels that are not the background, so sharpening
 * leaves the background exactly as it is. */
static struct vision_image *content_mask(const struct vision_image *canvas, const unsigned char bg[3])
{
	struct vision_image *m = vision_image_new(canvas->width, canvas->height, 1);
	for (int y = 0; y < canvas->height; y++)
		for (int x = 0; x < canvas->width; x++) {
			const unsigned char *p = pixel(canvas, x, y);
			m->px[(size_t)y * (size_t)canvas->width + (size_t)x] =
				(p[0] != bg[0] || p[1] != bg[1] || p[2] != bg[2]) ? 255 : 0;
		}
	return m;
}

int compose_on_canvas(const struct vision_image *cutout, const struct compose_canvas *c,
		      struct vision_image **out, char **why)
{
	if (cutout->width < 1 || cutout->height < 1 || cutout->bands != 4)
		return fail(why, ORR_SOFTWARE, xstrdup("compose: the cut-out must be RGBA"));
	struct vision_box box = vision_fit(cutout->width, cutout->height, c->width, c->height,
					   c->occupancy);
	struct vision_image *placed = NULL;
	int rc = vision_resize(cutout, box.width, box.height, &placed, why);
	if (rc != ORR_OK)
		return rc;
	struct vision_image *canvas = vision_image_fill(c->width, c->height, c->bg);
	if (c->shadow > 0)
		rc = place_shadow(canvas, placed, box, c->shadow, why);
	if (rc == ORR_OK)
		vision_over(canvas, placed, box.x, box.y);
	vision_image_free(placed);
	if (rc == ORR_OK && c->sharpen > 0) {
		struct vision_image *keep = content_mask(canvas, c->bg);
		rc = vision_sharpen(canvas, c->sharpen, keep, why);
		vision_image_free(keep);
	}
	if (rc != ORR_OK) {
		vision_image_free(canvas);
		return rc;
	}
	*out = canvas;
	return ORR_OK;
}

int compose_cutout_file(const char *path, struct vision_image **out, char **why)
{
	struct vision_image *img = NULL;
	int rc = vision_load(path, NULL, &img, why);
	if (rc != ORR_OK)
		return rc;
	struct vision_mask_opts opts = { 0 };
	struct vision_mask_info info;
	char *reason = NULL;
	struct vision_image *cut = NULL;
	rc = vision_cutout(img, &opts, true, &cut, &info, &reason);
	vision_image_free(img);
	if (rc != ORR_OK) {
		/* name the file: the cut-out knows only pixels */
		rc = fail(why, rc, xasprintf("%s: %s", path, reason ? reason : "no product found"));
		free(reason);
		return rc;
	}
	/* a render's own faint shadow or haze (alpha under a quarter) would
	 * count as product and leave it floating over its box's bottom: the
	 * composites draw their own shadows, so trim to the solid part */
	struct vision_box solid = alpha_box_over(cut, 63);
	if (solid.width > 0 && (solid.width < cut->width || solid.height < cut->height)) {
		*out = crop(cut, solid);
		vision_image_free(cut);
	} else {
		*out = cut;
	}
	return ORR_OK;
}

/* ---- ghost mannequin ------------------------------------------------------------ */

/* The mannequin's pixels of the cut-out (alpha > 127), 1 band: from the
 * mask file cropped to the cut-out's box, or keyed on its colour. */
static int mannequin_pixels(const struct compose_ghost *g, const struct vision_image *cut,
			    struct vision_box at, int front_w, int front_h, unsigned char **out,
			    char **why)
{
	size_t n = (size_t)cut->width * (size_t)cut->height;
	unsigned char *m = xcalloc(n, 1);
	struct vision_image *mask = NULL;
	if (g->mannequin_mask) {
		int rc = vision_load(g->mannequin_mask, NULL, &mask, why);
		if (rc != ORR_OK) {
			free(m);
			return rc;
		}
		if (mask->width != front_w || mask->height != front_h) {
			char *msg = xasprintf("%s: the mannequin mask is %dx%d, the front shot %dx%d",
					      g->mannequin_mask, mask->width, mask->height, front_w, front_h);
			vision_image_free(mask);
			free(m);
			return fail(why, ORR_DATAERR, msg);
		}
	}
	double key[3] = { 0, 0, 0 }, tol = g->tolerance > 0 ? g->tolerance : 20.0;
	if (!mask)
		rgb_to_lab(g->key, key);
	for (int y = 0; y < cut->height; y++)
		for (int x = 0; x < cut->width; x++) {
			const unsigned char *p = pixel(cut, x, y);
			if (p[3] <= 127)
				continue;
			bool is_mannequin;
			if (mask) {
				const unsigned char *q = pixel(mask, x + at.x, y + at.y);
				is_mannequin = q[0] > 127;
			} else {
				double lab[3];
				rgb_to_lab(p, lab);
				is_mannequin = lab_distance(lab, key) < tol;
			}
			m[(size_t)y * (size_t)cut->width + (size_t)x] = is_mannequin;
		}
	vision_image_free(mask);
	*out = m;
	return ORR_OK;
}

/* Opening (erode then dilate, 3x3) of a 0/1 map: specks of the garment's
 * own colour that happen to match the key stay garment. */
static void open_map(unsigned char *m, int w, int h)
{
	unsigned char *t = xmalloc((size_t)w * (size_t)h);
	for (int pass = 0; pass < 2; pass++) {
		bool erode = pass == 0;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int v = erode ? 1 : 0;
				for (int dy = -1; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++) {
						int xx = x + dx, yy = y + dy;
						int s = (xx < 0 || yy < 0 || xx >= w || yy >= h)
								? !erode ? 0 : 1
								: m[(size_t)yy * (size_t)w + (size_t)xx];
						v = erode ? (v && s) : (v || s);
					}
				t[(size_t)y * (size_t)w + (size_t)x] = (unsigned char)v;
			}
		memcpy(m, t, (size_t)w * (size_t)h);
	}
	free(t);
}

/* The garment's extent: per row its leftmost and rightmost garment pixel,
 * per column its lowest.  A mannequin pixel with garment to its left, its
 * right and below it is inside the garment's outline (the neck opening);
 * anything else of the mannequin (the neck above the collar, arms) is
 * outside. */
struct extent {
	int *left, *right, *bottom;
};

static struct extent garment_extent(const struct vision_image *cut, const unsigned char *man)
{
	int w = cut->width, h = cut->height;
	struct extent e = { xmalloc(sizeof(int) * (size_t)h), xmalloc(sizeof(int) * (size_t)h),
			    xmalloc(sizeof(int) * (size_t)w) };
	for (int y = 0; y < h; y++) {
		e.left[y] = w;
		e.right[y] = -1;
	}
	for (int x = 0; x < w; x++)
		e.bottom[x] = -1;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * (size_t)w + (size_t)x;
			if (pixel(cut, x, y)[3] <= 127 || man[i])
				continue;
			e.left[y] = x < e.left[y] ? x : e.left[y];
			e.right[y] = x > e.right[y] ? x : e.right[y];
			e.bottom[x] = y;
		}
	return e;
}

static void extent_free(struct extent *e)
{
	free(e->left);
	free(e->right);
	free(e->bottom);
}

static bool inside_outline(const struct extent *e, int x, int y)
{
	return x > e->left[y] && x < e->right[y] && e->bottom[x] > y;
}

/* Mean colour of the garment in rows y0..y1. */
static void garment_mean(const struct vision_image *cut, const unsigned char *man, int y0, int y1,
			 double mean[3])
{
	double sum[3] = { 0, 0, 0 };
	long n = 0;
	for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < cut->height; y++)
		for (int x = 0; x < cut->width; x++) {
			const unsigned char *p = pixel(cut, x, y);
			if (p[3] > 127 && !man[(size_t)y * (size_t)cut->width + (size_t)x]) {
				for (int b = 0; b < 3; b++)
					sum[b] += p[b];
				n++;
			}
		}
	for (int b = 0; b < 3; b++)
		mean[b] = n ? sum[b] / (double)n : 128.0;
}

/* Fill of the neck opening: the inside shot's cut-out scaled to the
 * opening's width, top-aligned, where it has pixels; elsewhere the
 * garment's colour in shade, darker towards the top (deeper inside). */
struct neck_fill {
	struct vision_box box;     /* the opening, in cut-out pixels */
	struct vision_image *inside; /* RGBA at box size, or NULL */
	double shade[3];
};

static void fill_pixel(const struct neck_fill *f, int x, int y, unsigned char *d)
{
	int ix = x - f->box.x, iy = y - f->box.y;
	if (f->inside && ix >= 0 && iy >= 0 && ix < f->inside->width && iy < f->inside->height) {
		const unsigned char *s = pixel(f->inside, ix, iy);
		if (s[3] > 127) {
			memcpy(d, s, 3);
			d[3] = 255;
			return;
		}
	}
	double depth = f->box.height > 1 ? (double)iy / (f->box.height - 1) : 1.0;
	double k = 0.45 + 0.25 * depth;
	for (int b = 0; b < 3; b++)
		d[b] = clamp255(f->shade[b] * k);
	d[3] = 255;
}

static int neck_fill_init(const struct compose_ghost *g, const struct vision_image *cut,
			  const unsigned char *man, const struct extent *e, struct neck_fill *f,
			  char **why)
{
	int x0 = cut->width, y0 = cut->height, x1 = -1, y1 = -1;
	for (int y = 0; y < cut->height; y++)
		for (int x = 0; x < cut->width; x++)
			if (man[(size_t)y * (size_t)cut->width + (size_t)x] && inside_outline(e, x, y)) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y > y1 ? y : y1;
			}
	*f = (struct neck_fill){ .box = { 0, 0, 0, 0 } };
	if (x1 < 0)
		return ORR_OK; /* no opening: nothing to fill */
	f->box = (struct vision_box){ x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
	garment_mean(cut, man, y0, y1, f->shade);
	if (!g->inside)
		return ORR_OK;
	struct vision_image *in = NULL;
	int rc = compose_cutout_file(g->inside, &in, why);
	if (rc != ORR_OK)
		return rc;
	int h = (int)lround((double)in->height * f->box.width / in->width);
	rc = vision_resize(in, f->box.width, h > 0 ? h : 1, &f->inside, why);
	vision_image_free(in);
	return rc;
}

static int ghost_check(const struct compose_ghost *g, char **why)
{
	if (!g->front)
		return fail(why, ORR_USAGE, xstrdup("ghost mannequin: no front shot"));
	if (!g->mannequin_mask && !g->has_key)
		return fail(why, ORR_USAGE,
			    xstrdup("ghost mannequin: give the mannequin's colour (key) or a mask file"));
	return ORR_OK;
}

int compose_ghost(const struct compose_ghost *g, struct vision_image **out, char **why)
{
	int rc = ghost_check(g, why);
	if (rc != ORR_OK)
		return rc;
	struct vision_image *img = NULL, *cut = NULL;
	if ((rc = vision_load(g->front, NULL, &img, why)) != ORR_OK)
		return rc;
	struct vision_mask_opts opts = { .keep_holes = true };
	struct vision_mask_info info;
	char *reason = NULL;
	rc = vision_cutout(img, &opts, true, &cut, &info, &reason);
	int fw = img->width, fh = img->height;
	vision_image_free(img);
	if (rc != ORR_OK) {
		rc = fail(why, rc, xasprintf("%s: %s", g->front, reason ? reason : "no product found"));
		free(reason);
		return rc;
	}
	unsigned char *man = NULL;
	struct vision_box at = { info.x, info.y, info.width, info.height };
	if ((rc = mannequin_pixels(g, cut, at, fw, fh, &man, why)) != ORR_OK) {
		vision_image_free(cut);
		return rc;
	}
	open_map(man, cut->width, cut->height);
	struct extent e = garment_extent(cut, man);
	struct neck_fill f;
	rc = neck_fill_init(g, cut, man, &e, &f, why);
	for (int y = 0; rc == ORR_OK && y < cut->height; y++)
		for (int x = 0; x < cut->width; x++) {
			if (!man[(size_t)y * (size_t)cut->width + (size_t)x])
				continue;
			unsigned char *d = pixel(cut, x, y);
			if (inside_outline(&e, x, y))
				fill_pixel(&f, x, y, d);
			else
				d[3] = 0;
		}
	extent_free(&e);
	free(man);
	vision_image_free(f.inside);
	struct vision_box keep = rc == ORR_OK ? alpha_box(cut) : (struct vision_box){ 0, 0, 0, 0 };
	if (rc == ORR_OK && keep.width == 0)
		rc = fail(why, ORR_DATAERR,
			  xasprintf("%s: nothing but mannequin: the key colour matches the whole garment",
				    g->front));
	if (rc == ORR_OK)
		*out = crop(cut, keep);
	vision_image_free(cut);
	return rc;
}

/* ---- lifestyle ------------------------------------------------------------------- */

/* Mean colour of the scene in the box grown by half its size each way. */
static void scene_mean(const struct vision_image *scene, struct vision_box b, double mean[3])
{
	int x0 = b.x - b.width / 2, x1 = b.x + b.width + b.width / 2;
	int y0 = b.y - b.height / 2, y1 = b.y + b.height + b.height / 2;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > scene->width ? scene->width : x1;
	y1 = y1 > scene->height ? scene->height : y1;
	double sum[3] = { 0, 0, 0 };
	long n = 0;
	/* every other pixel: the mean does not need them all */
	for (int y = y0; y < y1; y += 2)
		for (int x = x0; x < x1; x += 2) {
			const unsigned char *p = pixel(scene, x, y);
			for (int c = 0; c < 3; c++)
				sum[c] += p[c];
			n++;
		}
	for (int c = 0; c < 3; c++)
		mean[c] = n ? sum[c] / (double)n : 128.0;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Pull the product's white balance a third of the way to the scene's cast
 * and its brightness towards the scene's: a studio-lit product in a dim
 * warm room should not glow cold. */
static void colour_match(struct vision_image *rgba, const double mean[3])
{
	double grey = (mean[0] + mean[1] + mean[2]) / 3.0;
	if (grey < 1.0)
		return;
	double gain[3];
	double light = clampd(0.72 + 0.28 * grey / 180.0, 0.7, 1.0);
	for (int c = 0; c < 3; c++)
		gain[c] = clampd(pow(mean[c] / grey, 0.35), 0.85, 1.15) * light;
	size_t n = (size_t)rgba->width * (size_t)rgba->height;
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < 3; c++)
			rgba->px[i * 4 + (size_t)c] = clamp255(rgba->px[i * 4 + (size_t)c] * gain[c]);
}

static int lifestyle_box_check(const struct compose_lifestyle *l, const struct vision_image *scene,
			       char **why)
{
	struct vision_box b = l->box;
	if (b.width < 8 || b.height < 8 || b.x < 0 || b.y < 0 || b.x + b.width > scene->width ||
	    b.y + b.height > scene->height)
		return fail(why, ORR_USAGE,
			    xasprintf("%s: the box %d,%d,%d,%d is not inside the %dx%d scene (or is "
				      "under 8 px)", l->scene, b.x, b.y, b.width, b.height,
				      scene->width, scene->height));
	return ORR_OK;
}

/* The fitted product, bottom-centred in the box. */
static int lifestyle_place(const struct compose_lifestyle *l, struct vision_image *scene,
			   const struct vision_image *cut, char **why)
{
	struct vision_box fit = vision_fit(cut->width, cut->height, l->box.width, l->box.height, 1.0);
	struct vision_box at = { l->box.x + fit.x, l->box.y + l->box.height - fit.height, fit.width,
				 fit.height };
	struct vision_image *placed = NULL;
	int rc = vision_resize(cut, at.width, at.height, &placed, why);
	if (rc != ORR_OK)
		return rc;
	if (!l->no_colour_match) {
		double mean[3];
		scene_mean(scene, l->box, mean);
		colour_match(placed, mean);
	}
	double strength = l->shadow == 0 ? 0.5 : l->shadow;
	if (strength > 0)
		rc = place_shadow(scene, placed, at, strength > 1 ? 1 : strength, why);
	if (rc == ORR_OK)
		vision_over(scene, placed, at.x, at.y);
	vision_image_free(placed);
	return rc;
}

int compose_lifestyle(const struct compose_lifestyle *l, struct vision_image **out, char **why)
{
	struct vision_image *loaded = NULL, *cut = NULL;
	int rc = vision_load(l->scene, NULL, &loaded, why);
	if (rc != ORR_OK)
		return rc;
	struct vision_image *scene = as_rgb(loaded);
	vision_image_free(loaded);
	struct compose_lifestyle at = *l;
	if (l->relative) {
		at.box = (struct vision_box){ (int)lround(l->rel[0] * scene->width),
					      (int)lround(l->rel[1] * scene->height),
					      (int)lround(l->rel[2] * scene->width),
					      (int)lround(l->rel[3] * scene->height) };
		l = &at;
	}
	if ((rc = lifestyle_box_check(l, scene, why)) == ORR_OK &&
	    (rc = compose_cutout_file(l->product, &cut, why)) == ORR_OK)
		rc = lifestyle_place(l, scene, cut, why);
	vision_image_free(cut);
	if (rc != ORR_OK) {
		vision_image_free(scene);
		return rc;
	}
	*out = scene;
	return ORR_OK;
}

/* ---- group shot ------------------------------------------------------------------ */

/* Each item's drawn size: one scale in pixels per cm when every height is
 * known, else one common height; the row and its gaps fit the canvas'
 * occupancy. */
static void group_layout(struct vision_image *const *cuts, const struct compose_item *items, int n,
			 const struct compose_canvas *c, struct vision_box *boxes)
{
	bool real = true;
	for (int i = 0; i < n; i++)
		real = real && items[i].height_cm > 0;
	double gap = 0.04 * c->width, aw = c->occupancy * c->width - gap * (n - 1);
	double ah = c->occupancy * c->height, sumw = 0, maxh = 0;
	double *unit_h = xmalloc(sizeof(double) * (size_t)n);
	for (int i = 0; i < n; i++) {
		unit_h[i] = real ? items[i].height_cm : 1.0; /* height at scale 1 */
		sumw += unit_h[i] * cuts[i]->width / cuts[i]->height;
		maxh = unit_h[i] > maxh ? unit_h[i] : maxh;
	}
	double scale = fmin(aw / sumw, ah / maxh);
	double total = scale * sumw + gap * (n - 1);
	double x = (c->width - total) / 2.0, ground = (c->height + scale * maxh) / 2.0;
	for (int i = 0; i < n; i++) {
		double h = scale * unit_h[i], w = h * cuts[i]->width / cuts[i]->height;
		boxes[i] = (struct vision_box){ (int)lround(x), (int)lround(ground - h),
						(int)fmax(1, lround(w)), (int)fmax(1, lround(h)) };
		x += w + gap;
	}
	free(unit_h);
}

/* One soft elliptical shadow under the whole row, centred on the ground. */
static int ground_shadow(struct vision_image *canvas, const struct vision_box *boxes, int n,
			 double strength, char **why)
{
	int x0 = boxes[0].x, x1 = boxes[n - 1].x + boxes[n - 1].width, ground = 0;
	for (int i = 0; i < n; i++)
		ground = boxes[i].y + boxes[i].height > ground ? boxes[i].y + boxes[i].height : ground;
	int pad = (x1 - x0) / 20, w = x1 - x0 + 2 * pad, h = w / 28 > 8 ? w / 28 : 8;
	struct vision_image *sh = vision_image_new(w, h, 4);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double dx = (x + 0.5 - w / 2.0) / (w / 2.0), dy = (y + 0.5 - h / 2.0) / (h / 2.0);
			double d = dx * dx + dy * dy;
			pixel(sh, x, y)[3] = d < 1 ? clamp255(255.0 * strength * (1 - d)) : 0;
		}
	int rc = vision_blur(&sh, h / 4.0, why);
	if (rc == ORR_OK)
		vision_over(canvas, sh, x0 - pad, ground - h / 2);
	vision_image_free(sh);
	return rc;
}

static int group_draw(struct vision_image *canvas, struct vision_image *const *cuts,
		      const struct vision_box *boxes, int n, double shadow, char **why)
{
	int rc = shadow > 0 ? ground_shadow(canvas, boxes, n, shadow, why) : ORR_OK;
	for (int i = 0; rc == ORR_OK && i < n; i++)
		rc = vision_place(canvas, cuts[i], boxes[i], why);
	return rc;
}

int compose_group(const struct compose_item *items, int n, const struct compose_canvas *c,
		  struct vision_image **out, char **why)
{
	if (n < 1 || n > MAX_GROUP)
		return fail(why, ORR_USAGE, xasprintf("group shot: %d images (1 to %d)", n, MAX_GROUP));
	struct vision_image *cuts[MAX_GROUP] = { 0 };
	struct vision_box boxes[MAX_GROUP];
	int rc = ORR_OK;
	for (int i = 0; rc == ORR_OK && i < n; i++)
		rc = compose_cutout_file(items[i].path, &cuts[i], why);
	struct vision_image *canvas = NULL;
	if (rc == ORR_OK) {
		group_layout(cuts, items, n, c, boxes);
		canvas = vision_image_fill(c->width, c->height, c->bg);
		rc = group_draw(canvas, cuts, boxes, n, c->shadow > 0 ? c->shadow : 0.35, why);
	}
	for (int i = 0; i < n; i++)
		vision_image_free(cuts[i]);
	if (rc != ORR_OK) {
		vision_image_free(canvas);
		return rc;
	}
	*out = canvas;
	return ORR_OK;
}

/* ---- poster ------------------------------------------------------------------------ */

static int text_check(const char *what, const char *s, bool required, char **why)
{
	if (!s || !*s)
		return required ? fail(why, ORR_USAGE, xasprintf("poster: the %s is empty", what))
				: ORR_OK;
	size_t len = strlen(s);
	if (len > 200)
		return fail(why, ORR_USAGE,
			    xasprintf("poster: the %s is %zu bytes (200 at most)", what, len));
	if (utf8_valid_prefix(s, len) != len)
		return fail(why, ORR_USAGE, xasprintf("poster: the %s is not valid UTF-8", what));
	return ORR_OK;
}

/* Text at a pixel size, shrunk until it is at most max_h tall. */
static int poster_text(const struct compose_poster *p, const char *text, bool bold, int size,
		       int width, int max_h, const unsigned char rgb[3], struct vision_image **out,
		       char **why)
{
	for (;;) {
		char font[96];
		snprintf(font, sizeof font, "%s%s %d", p->font ? p->font : "Sans", bold ? " Bold" : "",
			 size);
		int rc = vision_text(text, font, width, rgb, out, why);
		if (rc != ORR_OK || (*out)->height <= max_h || size <= 8)
			return rc;
		vision_image_free(*out);
		*out = NULL;
		size = size * 4 / 5;
	}
}

/* A filled rounded rectangle of colour rgb, radius r, into canvas. */
static void fill_round_rect(struct vision_image *canvas, struct vision_box b, int r,
			    const unsigned char rgb[3])
{
	for (int y = b.y; y < b.y + b.height; y++)
		for (int x = b.x; x < b.x + b.width; x++) {
			if (x < 0 || y < 0 || x >= canvas->width || y >= canvas->height)
				continue;
			int cx = x < b.x + r ? b.x + r : x >= b.x + b.width - r ? b.x + b.width - r - 1 : x;
			int cy = y < b.y + r ? b.y + r : y >= b.y + b.height - r ? b.y + b.height - r - 1 : y;
			double d = hypot(x - cx, y - cy);
			if (d > r + 0.5)
				continue;
			unsigned char *px = pixel(canvas, x, y);
			double a = d > r - 0.5 ? r + 0.5 - d : 1.0; /* one pixel of anti-aliasing */
			for (int c = 0; c < 3; c++)
				px[c] = clamp255(px[c] * (1 - a) + rgb[c] * a);
		}
}

struct poster_parts {
	struct vision_image *cut, *headline, *price, *cta;
};

static void parts_free(struct poster_parts *t)
{
	vision_image_free(t->cut);
	vision_image_free(t->headline);
	vision_image_free(t->price);
	vision_image_free(t->cta);
}

static int poster_render_parts(const struct compose_poster *p, int w, int h,
			       const unsigned char ink[3], const unsigned char accent[3],
			       struct poster_parts *t, char **why)
{
	static const unsigned char white[3] = { 255, 255, 255 };
	int m = w / 16, tw = w - 2 * m;
	int rc = compose_cutout_file(p->product, &t->cut, why);
	if (rc == ORR_OK)
		rc = poster_text(p, p->headline, true, h / 18, tw, h / 7, ink, &t->headline, why);
	if (rc == ORR_OK && p->price && *p->price)
		rc = poster_text(p, p->price, true, h / 14, tw, h / 10, accent, &t->price, why);
	if (rc == ORR_OK)
		rc = poster_text(p, p->cta, true, h / 28, tw - 2 * m, h / 14, white, &t->cta, why);
	return rc;
}

/* Layout, top to bottom: product, headline, price; the button at the foot. */
static int poster_layout(struct vision_image *canvas, const struct poster_parts *t,
			 const unsigned char accent[3], char **why)
{
	int w = canvas->width, h = canvas->height, m = w / 16;
	int btn_h = t->cta->height + 2 * (h / 60), btn_w = t->cta->width + 2 * m;
	int btn_y = h - m - btn_h;
	int text_h = t->headline->height + (t->price ? t->price->height + h / 60 : 0);
	int text_y = btn_y - h / 30 - text_h;
	int prod_h = text_y - h / 30 - m;
	if (prod_h < h / 5)
		return fail(why, ORR_USAGE, xstrdup("poster: the texts leave no room for the product"));
	struct vision_box slot = vision_fit(t->cut->width, t->cut->height, w - 2 * m, prod_h, 0.95);
	slot.x += m;
	slot.y += m;
	int rc = vision_place(canvas, t->cut, slot, why);
	if (rc != ORR_OK)
		return rc;
	vision_over(canvas, t->headline, (w - t->headline->width) / 2, text_y);
	if (t->price)
		vision_over(canvas, t->price, (w - t->price->width) / 2,
			    text_y + t->headline->height + h / 60);
	struct vision_box btn = { (w - btn_w) / 2, btn_y, btn_w, btn_h };
	fill_round_rect(canvas, btn, btn_h / 4, accent);
	vision_over(canvas, t->cta, btn.x + (btn_w - t->cta->width) / 2,
		    btn.y + (btn_h - t->cta->height) / 2);
	return ORR_OK;
}

int compose_poster(const struct compose_poster *p, struct vision_image **out, char **why)
{
	int rc;
	if ((rc = text_check("headline", p->headline, true, why)) != ORR_OK ||
	    (rc = text_check("price", p->price, false, why)) != ORR_OK ||
	    (rc = text_check("call to action", p->cta, true, why)) != ORR_OK)
		return rc;
	if (!p->product)
		return fail(why, ORR_USAGE, xstrdup("poster: no product image"));
	int w = p->width > 0 ? p->width : 1080, h = p->height > 0 ? p->height : 1350;
	if (w < 200 || h < 200 || w > 8000 || h > 8000)
		return fail(why, ORR_USAGE, xasprintf("poster: %dx%d is not 200 to 8000 px a side", w, h));
	static const unsigned char def_bg[3] = { 255, 255, 255 }, def_ink[3] = { 24, 24, 27 },
				   def_accent[3] = { 29, 78, 216 };
	const unsigned char *bg = p->has_colours ? p->bg : def_bg;
	const unsigned char *ink = p->has_colours ? p->ink : def_ink;
	const unsigned char *accent = p->has_colours ? p->accent : def_accent;
	struct poster_parts t = { 0 };
	rc = poster_render_parts(p, w, h, ink, accent, &t, why);
	struct vision_image *canvas = rc == ORR_OK ? vision_image_fill(w, h, bg) : NULL;
	if (rc == ORR_OK)
		rc = poster_layout(canvas, &t, accent, why);
	parts_free(&t);
	if (rc != ORR_OK) {
		vision_image_free(canvas);
		return rc;
	}
	*out = canvas;
	return ORR_OK;
}

/* ---- the page asset set ---------------------------------------------------------------- */

int compose_zoom_preset(const struct vision_image *img, struct vision_preset *z, char **why)
{
	int rc = vision_preset_find("amazon-main", z, why);
	if (rc != ORR_OK)
		return rc;
	int side = img->width > img->height ? img->width : img->height;
	side = side < 1600 ? 1600 : side > 4000 ? 4000 : side;
	snprintf(z->name, sizeof z->name, "zoom");
	snprintf(z->summary, sizeof z->summary, "amazon-main at %dx%d for zoom views", side, side);
	z->width = z->height = side;
	return ORR_OK;
}

/* One cut-out per distinct cutout step: presets usually share theirs. */
#define SET_CUTS 8

struct set_cut {
	struct vision_mask_opts mask;
	bool normalise;
	struct vision_image *cut;
};

struct set_cache {
	struct set_cut v[SET_CUTS];
	int n;
};

static bool same_cut(const struct set_cut *c, const struct vision_mask_opts *m, bool normalise)
{
	return c->normalise == normalise && c->mask.tolerance == m->tolerance &&
	       c->mask.feather == m->feather && c->mask.ignore_alpha == m->ignore_alpha &&
	       c->mask.keep_holes == m->keep_holes;
}

/* The preset without its cutout and normalise steps, and what they ask:
 * rendered from a cut-out, the preset takes it as its layer. */
static bool strip_cutout(const struct vision_preset *p, struct vision_preset *q,
			 struct vision_mask_opts *mask, bool *normalise)
{
	bool has = false;
	*q = *p;
	q->nsteps = 0;
	*normalise = false;
	for (int i = 0; i < p->nsteps; i++) {
		const struct vision_step *s = &p->steps[i];
		if (s->kind == VSTEP_CUTOUT) {
			*mask = s->mask;
			has = true;
		} else if (s->kind == VSTEP_NORMALISE) {
			*normalise = true;
		} else {
			q->steps[q->nsteps++] = *s;
		}
	}
	return has;
}

static int set_cut_of(struct set_cache *c, const struct vision_image *img,
		      const struct vision_mask_opts *mask, bool normalise,
		      const struct vision_image **cut, char **why)
{
	for (int i = 0; i < c->n; i++)
		if (same_cut(&c->v[i], mask, normalise)) {
			*cut = c->v[i].cut;
			return ORR_OK;
		}
	if (c->n == SET_CUTS) /* cannot happen with the built-in presets */
		return fail(why, ORR_SOFTWARE, xstrdup("asset set: too many kinds of cut-out"));
	struct vision_mask_info info;
	struct set_cut *n = &c->v[c->n];
	int rc = vision_cutout(img, mask, normalise, &n->cut, &info, why);
	if (rc != ORR_OK)
		return rc;
	n->mask = *mask;
	n->normalise = normalise;
	c->n++;
	*cut = n->cut;
	return ORR_OK;
}

/* One preset of the set: from the shared cut-out when it has a cutout
 * step, else as the preset says. */
static int set_render(struct set_cache *c, const struct vision_preset *p,
		      const struct vision_image *img, struct vision_image **out, char **why)
{
	struct vision_preset q;
	struct vision_mask_opts mask;
	bool normalise;
	struct vision_result res;
	if (!strip_cutout(p, &q, &mask, &normalise))
		return vision_preset_render(p, img, out, &res, why);
	const struct vision_image *cut = NULL;
	int rc = set_cut_of(c, img, &mask, normalise, &cut, why);
	return rc == ORR_OK ? vision_preset_render(&q, cut, out, &res, why) : rc;
}

int compose_asset_set(const struct vision_image *img, compose_set_fn fn, void *ctx, char **why)
{
	int n = 0;
	struct vision_preset *all = vision_presets(&n), zoom;
	if (!all)
		return fail(why, ORR_SOFTWARE, xstrdup("the built-in presets do not parse"));
	struct set_cache cache = { .n = 0 };
	int rc = compose_zoom_preset(img, &zoom, why);
	for (int i = 0; rc == ORR_OK && i <= n; i++) {
		const struct vision_preset *p = i < n ? &all[i] : &zoom;
		struct vision_image *canvas = NULL;
		rc = set_render(&cache, p, img, &canvas, why);
		if (rc == ORR_OK)
			rc = fn(ctx, p, canvas, why);
		vision_image_free(canvas);
	}
	for (int i = 0; i < cache.n; i++)
		vision_image_free(cache.v[i].cut);
	free(all);
	return rc;
}

/* ---- parsing -------------------------------------------------------------------------- */

bool compose_parse_box(const char *s, struct vision_box *box)
{
	long v[4];
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return false;
		v[i] = strtol(p, &end, 10);
		if (v[i] > 1000000 || (i < 3 && *end != ',') || (i == 3 && *end))
			return false;
		p = end + 1;
	}
	*box = (struct vision_box){ (int)v[0], (int)v[1], (int)v[2], (int)v[3] };
	return true;
}

bool compose_parse_scene_box(const char *s, struct compose_lifestyle *l)
{
	if (!strchr(s, '.')) {
		l->relative = false;
		return compose_parse_box(s, &l->box);
	}
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return false;
		l->rel[i] = strtod(p, &end);
		if (l->rel[i] > 1 || (i < 3 && *end != ',') || (i == 3 && *end))
			return false;
		p = end + 1;
	}
	l->relative = l->rel[0] + l->rel[2] <= 1 && l->rel[1] + l->rel[3] <= 1;
	return l->relative;
}

bool compose_parse_rgb(const char *s, unsigned char rgb[3])
{
	if (*s == '#')
		s++;
	if (strlen(s) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	unsigned long v = strtoul(s, NULL, 16);
	rgb[0] = (unsigned char)(v >> 16);
	rgb[1] = (unsigned char)(v >> 8);
	rgb[2] = (unsigned char)v;
	return true;
}
