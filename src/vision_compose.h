/* vision_compose.h - composites built from product cut-outs: the ghost
 * mannequin, a product in a lifestyle scene, a group shot at one scale, an
 * ad poster, and the canvas every composite ends on.
 *
 * Everything works on struct vision_image (vision.h): 8-bit sRGB buffers,
 * RGBA with straight alpha for cut-outs.  Like vision.h, each fallible
 * function returns an enum orr_rc and sets *why (when not NULL) to an
 * allocated message naming the file at fault; the caller frees it. */
#ifndef ORR_VISION_COMPOSE_H
#define ORR_VISION_COMPOSE_H

#include <stdbool.h>

#include "vision.h"

/* The canvas a composite is delivered on. */
struct compose_canvas {
	int width, height;
	double occupancy;        /* share of the canvas the content's larger side takes */
	unsigned char bg[3];     /* background colour */
	double shadow;           /* contact shadow strength 0..1; 0: none */
	double sharpen;          /* unsharp amount; 0: none */
};

/* The product canvas of the white marketplace presets: 2000x2000, 85%. */
extern const struct compose_canvas compose_canvas_white;

/* Put a cut-out (RGBA) on a new canvas: resized so its larger side fills
 * the canvas' occupancy, centred, with its shadow under its base; pixels
 * outside the product and its shadow are exactly the background. */
int compose_on_canvas(const struct vision_image *cutout, const struct compose_canvas *c,
		      struct vision_image **out, char **why);

/* ---- ghost mannequin ---------------------------------------------------- */

struct compose_ghost {
	const char *front;        /* the garment on the mannequin, front view */
	const char *inside;       /* optional: the inside of the back (the neck label view) */
	const char *mannequin_mask; /* optional: an image the front's size, light = mannequin */
	bool has_key;             /* without a mask: the mannequin's colour */
	unsigned char key[3];
	double tolerance;         /* Lab distance to the key that is mannequin; 0: 20 */
};

/* The garment without its mannequin, as an RGBA cut-out: the mannequin's
 * pixels (keyed on its colour, or the mask's) are removed; those inside the
 * garment's outline (the neck opening) are filled with the inside shot,
 * scaled to the opening, or without one with the garment's own colour in
 * shade, and those outside it (the neck above the collar, arms) become
 * transparent.  Neither a key nor a mask is ORR_USAGE. */
int compose_ghost(const struct compose_ghost *g, struct vision_image **out, char **why);

/* ---- lifestyle ---------------------------------------------------------- */

struct compose_lifestyle {
	const char *product;      /* a product photo or a cut-out with alpha */
	const char *scene;        /* the scene photo */
	struct vision_box box;    /* where the product stands in the scene, in scene pixels */
	bool relative;            /* use rel[] instead: x, y, w, h as shares of the scene */
	double rel[4];
	double shadow;            /* 0..1; 0: the default 0.5; <0: none */
	bool no_colour_match;
};

/* The product cut out, fitted into the box (bottom-centred: it stands on
 * the box's lower edge), with a contact shadow, its white balance and
 * brightness pulled towards the scene's around the box.  A box outside the
 * scene or under 8 px is ORR_USAGE. */
int compose_lifestyle(const struct compose_lifestyle *l, struct vision_image **out, char **why);

/* ---- group shot ---------------------------------------------------------- */

struct compose_item {
	const char *path;
	double height_cm;         /* the real height; 0: unknown */
};

/* Cut-outs side by side on one canvas, standing on one ground line with a
 * shared shadow.  When every item's height is known they share one scale
 * (pixels per cm); otherwise every item is drawn the same height.  The
 * row fills the canvas' occupancy.  1 to 12 items. */
int compose_group(const struct compose_item *items, int n, const struct compose_canvas *c,
		  struct vision_image **out, char **why);

/* ---- poster ---------------------------------------------------------------- */

struct compose_poster {
	const char *product;
	const char *headline;
	const char *price;        /* as printed, "€19.99" */
	const char *cta;          /* call to action, "Shop now" */
	int width, height;        /* 0: 1080 x 1350 */
	unsigned char bg[3], ink[3], accent[3];
	bool has_colours;         /* false: white, near-black, and a blue accent */
	const char *font;         /* Pango family; NULL: "Sans" */
};

/* The template: the product cut-out in the upper 58% on the background,
 * the headline under it (bold, wrapped to the width), the price, and the
 * call to action as white text on an accent button.  Texts must be valid
 * UTF-8 of 1 to 200 bytes; headline and cta are required. */
int compose_poster(const struct compose_poster *p, struct vision_image **out, char **why);

/* ---- the page asset set ---------------------------------------------------- */

struct vision_preset;
/* The zoom image's preset for img: amazon-main's steps on a square canvas
 * as large as the source allows (its long side, 1600 to 4000 px), named
 * "zoom": the picture a marketplace's zoom view magnifies. */
int compose_zoom_preset(const struct vision_image *img, struct vision_preset *z, char **why);

/* Every built-in preset and the zoom image of one decoded photo: for each,
 * in order, fn(ctx, preset, canvas) with the rendered canvas (not yet
 * encoded).  Presets whose cut-out steps ask the same (mask options,
 * normalise) share one cut-out: the mask is computed once per kind, not
 * once per output; the other steps are the preset's own, rendered by
 * vision_preset_render.  Stops at the first rc != ORR_OK (fn's, or a
 * render's with *why). */
typedef int (*compose_set_fn)(void *ctx, const struct vision_preset *p,
			      const struct vision_image *canvas, char **why);
int compose_asset_set(const struct vision_image *img, compose_set_fn fn, void *ctx, char **why);

/* ---- helpers ---------------------------------------------------------------- */

/* The cut-out of one image file (its own alpha when it has one). */
int compose_cutout_file(const char *path, struct vision_image **out, char **why);

/* Parse "x,y,w,h" (pixels) into box: false when malformed or negative. */
bool compose_parse_box(const char *s, struct vision_box *box);
/* Parse a box for a lifestyle: pixels as above, or four shares of the
 * scene from 0 to 1 with a decimal point ("0.3,0.4,0.4,0.5"), which fit
 * any scene; sets l->box or l->relative and l->rel. */
bool compose_parse_scene_box(const char *s, struct compose_lifestyle *l);
/* Parse "RRGGBB" or "#RRGGBB": false when malformed. */
bool compose_parse_rgb(const char *s, unsigned char rgb[3]);

#endif
