/* test_vision_compose.c - the composites on generated images whose truth
 * is known: where the garment, the mannequin, the product and the scene
 * are, pixel for pixel. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"
#include "vision.h"
#include "vision_compose.h"
#include "vision_preview.h"

static const unsigned char WHITE[3] = { 255, 255, 255 };
static const unsigned char BLUE[3] = { 30, 70, 200 };
static const unsigned char GREY[3] = { 60, 60, 60 }; /* the mannequin */
static const unsigned char RED[3] = { 210, 30, 30 };

static unsigned char *px(const struct vision_image *img, int x, int y)
{
	return img->px + ((size_t)y * (size_t)img->width + (size_t)x) * (size_t)img->bands;
}

static void rect(struct vision_image *img, int x0, int y0, int w, int h, const unsigned char c[3])
{
	for (int y = y0; y < y0 + h; y++)
		for (int x = x0; x < x0 + w; x++)
			memcpy(px(img, x, y), c, 3);
}

/* A file of its own per test process. */
static char *tmp_path(const char *name)
{
	static char buf[8][160];
	static int i;
	char *p = buf[i++ % 8];
	snprintf(p, 160, "/tmp/orrery-compose-%ld-%s", (long)getpid(), name);
	return p;
}

static const char *save_png(const struct vision_image *img, const char *name)
{
	char *path = tmp_path(name);
	struct vision_encode enc = { VISION_PNG, 0 };
	char *why = NULL;
	cr_assert_eq(vision_save(img, &enc, path, &why), ORR_OK, "%s", why);
	return path;
}

/* A blue T-shirt on a grey mannequin on white, 400x400: body 140..260 x
 * 120..360, sleeves 80..320 x 120..190, a neck opening 180..220 x 120..150
 * where the mannequin shows, and the mannequin's neck above the collar
 * 185..215 x 80..120. */
static const char *tshirt(void)
{
	struct vision_image *img = vision_image_fill(400, 400, WHITE);
	rect(img, 140, 120, 120, 240, BLUE);
	rect(img, 80, 120, 240, 70, BLUE);
	rect(img, 180, 120, 40, 30, GREY);
	rect(img, 185, 80, 30, 40, GREY);
	const char *path = save_png(img, "tshirt.png");
	vision_image_free(img);
	return path;
}

static bool near(const unsigned char *p, const unsigned char c[3], int tol)
{
	return abs(p[0] - c[0]) <= tol && abs(p[1] - c[1]) <= tol && abs(p[2] - c[2]) <= tol;
}

Test(ghost, removes_the_mannequin_and_fills_the_neck)
{
	struct compose_ghost g = { .front = tshirt(), .has_key = true, .key = { 60, 60, 60 } };
	struct vision_image *cut = NULL;
	char *why = NULL;
	cr_assert_eq(compose_ghost(&g, &cut, &why), ORR_OK, "%s", why);
	cr_assert_eq(cut->bands, 4);
	/* the neck above the collar is gone: the cut-out starts at the shoulders */
	cr_assert(abs(cut->width - 240) <= 3, "width %d", cut->width);
	cr_assert(abs(cut->height - 240) <= 3, "height %d (the neck stub was kept?)", cut->height);
	int grey = 0, opening = 0, opening_filled = 0;
	for (int y = 0; y < cut->height; y++)
		for (int x = 0; x < cut->width; x++) {
			const unsigned char *p = px(cut, x, y);
			if (p[3] > 200 && near(p, GREY, 12))
				grey++;
		}
	cr_assert_eq(grey, 0, "%d mannequin pixels left", grey);
	/* the opening (100..140 x 0..30 in the cut-out) is opaque, a shaded blue */
	int ox = (cut->width - 240) / 2;
	for (int y = 5; y < 25; y++)
		for (int x = 105 + ox; x < 135 + ox; x++) {
			const unsigned char *p = px(cut, x, y);
			opening++;
			if (p[3] == 255 && p[2] > p[0] && p[2] < BLUE[2] - 20)
				opening_filled++;
		}
	cr_assert_eq(opening_filled, opening, "%d of %d opening pixels filled with shade",
		     opening_filled, opening);
	vision_image_free(cut);
}

Test(ghost, the_inside_shot_goes_behind)
{
	struct vision_image *in = vision_image_fill(300, 300, WHITE);
	rect(in, 50, 50, 200, 200, RED);
	const char *inside = save_png(in, "inside.png");
	vision_image_free(in);
	struct compose_ghost g = { .front = tshirt(), .inside = inside, .has_key = true,
				   .key = { 60, 60, 60 } };
	struct vision_image *cut = NULL;
	char *why = NULL;
	cr_assert_eq(compose_ghost(&g, &cut, &why), ORR_OK, "%s", why);
	int ox = (cut->width - 240) / 2, red = 0, n = 0;
	for (int y = 5; y < 25; y++)
		for (int x = 105 + ox; x < 135 + ox; x++, n++)
			red += near(px(cut, x, y), RED, 40) && px(cut, x, y)[3] == 255;
	cr_assert(red > n * 9 / 10, "%d of %d opening pixels show the inside shot", red, n);
	vision_image_free(cut);
}

Test(ghost, a_mask_file_instead_of_a_key)
{
	struct vision_image *m = vision_image_fill(400, 400, (const unsigned char[3]){ 0, 0, 0 });
	rect(m, 180, 120, 40, 30, WHITE);
	rect(m, 185, 80, 30, 40, WHITE);
	const char *mask = save_png(m, "mask.png");
	vision_image_free(m);
	struct compose_ghost g = { .front = tshirt(), .mannequin_mask = mask };
	struct vision_image *cut = NULL;
	char *why = NULL;
	cr_assert_eq(compose_ghost(&g, &cut, &why), ORR_OK, "%s", why);
	cr_assert(abs(cut->height - 240) <= 3, "height %d", cut->height);
	vision_image_free(cut);
}

Test(ghost, refuses_without_key_or_mask_and_names_bad_files)
{
	struct compose_ghost g = { .front = tshirt() };
	struct vision_image *cut = NULL;
	char *why = NULL;
	cr_assert_eq(compose_ghost(&g, &cut, &why), ORR_USAGE);
	cr_assert(strstr(why, "key"), "%s", why);
	free(why);
	why = NULL;
	/* a mask of another size */
	struct vision_image *m = vision_image_fill(100, 100, WHITE);
	g.mannequin_mask = save_png(m, "small-mask.png");
	vision_image_free(m);
	cr_assert_eq(compose_ghost(&g, &cut, &why), ORR_DATAERR);
	cr_assert(strstr(why, "small-mask.png") && strstr(why, "100x100"), "%s", why);
	free(why);
	why = NULL;
	/* a corrupt front shot */
	const char *bad = tmp_path("corrupt.jpg");
	FILE *f = fopen(bad, "wb");
	fputs("\xff\xd8\xff\xe0 this is not a JPEG", f);
	fclose(f);
	struct compose_ghost b = { .front = bad, .has_key = true };
	cr_assert_eq(compose_ghost(&b, &cut, &why), ORR_DATAERR);
	cr_assert(strstr(why, bad), "%s", why);
	free(why);
}

/* ---- the canvas ------------------------------------------------------------ */

static const char *red_square_on_white(int side, int sq)
{
	struct vision_image *img = vision_image_fill(side, side, WHITE);
	rect(img, (side - sq) / 2, (side - sq) / 3, sq, sq * 2 / 3 * 3 / 2, RED);
	const char *path = save_png(img, "redsq.png");
	vision_image_free(img);
	return path;
}

Test(canvas, occupancy_and_a_pure_white_border)
{
	struct vision_image *cut = NULL, *out = NULL;
	char *why = NULL;
	cr_assert_eq(compose_cutout_file(red_square_on_white(600, 300), &cut, &why), ORR_OK, "%s", why);
	struct compose_canvas c = compose_canvas_white;
	c.sharpen = 0.5;
	cr_assert_eq(compose_on_canvas(cut, &c, &out, &why), ORR_OK, "%s", why);
	cr_assert_eq(out->width, 2000);
	cr_assert_eq(out->height, 2000);
	int x0 = 2000, x1 = -1;
	for (int x = 0; x < 2000; x++)
		if (!near(px(out, x, 1000), WHITE, 0)) {
			x0 = x < x0 ? x : x0;
			x1 = x;
		}
	int w = x1 - x0 + 1;
	cr_assert(abs(w - 1700) <= 34, "product %d px wide, 85%% is 1700", w);
	for (int i = 0; i < 2000; i++) {
		cr_assert(near(px(out, i, 0), WHITE, 0) && near(px(out, i, 1999), WHITE, 0));
		cr_assert(near(px(out, 0, i), WHITE, 0) && near(px(out, 1999, i), WHITE, 0));
	}
	vision_image_free(cut);
	vision_image_free(out);
}

/* ---- lifestyle --------------------------------------------------------------- */

/* A warm room: orange-brown, darker at the bottom. */
static const char *warm_scene(void)
{
	struct vision_image *img = vision_image_new(800, 600, 3);
	for (int y = 0; y < 600; y++)
		for (int x = 0; x < 800; x++) {
			unsigned char *p = px(img, x, y);
			p[0] = (unsigned char)(200 - y / 6);
			p[1] = (unsigned char)(150 - y / 8);
			p[2] = (unsigned char)(100 - y / 10);
		}
	const char *path = save_png(img, "scene.png");
	vision_image_free(img);
	return path;
}

Test(lifestyle, stands_in_the_box_with_a_shadow_and_the_scenes_cast)
{
	struct vision_image *prod = vision_image_fill(400, 400, WHITE);
	rect(prod, 100, 100, 200, 200, (const unsigned char[3]){ 128, 128, 128 });
	struct compose_lifestyle l = { .product = save_png(prod, "grey.png"), .scene = warm_scene(),
				       .box = { 300, 200, 200, 300 } };
	vision_image_free(prod);
	struct vision_image *out = NULL;
	char *why = NULL;
	cr_assert_eq(compose_lifestyle(&l, &out, &why), ORR_OK, "%s", why);
	cr_assert_eq(out->width, 800);
	cr_assert_eq(out->height, 600);
	/* the square fills the box's width and stands on its bottom: 300..500 x 300..500 */
	const unsigned char *in = px(out, 400, 450);
	cr_assert(in[0] > in[2] + 10, "grey product not warmed: %d,%d,%d", in[0], in[1], in[2]);
	cr_assert(abs(in[0] - in[1]) < 60, "not grey any more: %d,%d,%d", in[0], in[1], in[2]);
	/* above the product the scene is untouched */
	const unsigned char *above = px(out, 400, 250);
	cr_assert_eq(above[0], 200 - 250 / 6);
	/* the shadow darkens the floor just under the base */
	const unsigned char *under = px(out, 400, 505);
	cr_assert(under[0] < 200 - 505 / 6, "no shadow under the product: %d", under[0]);
	vision_image_free(out);
}

Test(lifestyle, a_box_outside_the_scene_is_refused)
{
	struct compose_lifestyle l = { .product = red_square_on_white(200, 100), .scene = warm_scene(),
				       .box = { 700, 500, 200, 200 } };
	struct vision_image *out = NULL;
	char *why = NULL;
	cr_assert_eq(compose_lifestyle(&l, &out, &why), ORR_USAGE);
	cr_assert(strstr(why, "scene.png") && strstr(why, "800x600"), "%s", why);
	free(why);
}

/* ---- group --------------------------------------------------------------------- */

/* The drawn height of column band [x0, x1): rows with a red pixel. */
static int red_rows(const struct vision_image *img, int x0, int x1, int *bottom)
{
	int top = -1;
	*bottom = -1;
	for (int y = 0; y < img->height; y++)
		for (int x = x0; x < x1; x++)
			if (near(px(img, x, y), RED, 50)) {
				if (top < 0)
					top = y;
				*bottom = y;
				break;
			}
	return top < 0 ? 0 : *bottom - top + 1;
}

/* The first and the last run of columns holding red: the two items. */
static void red_columns(const struct vision_image *img, int *a0, int *a1, int *b0, int *b1)
{
	int runs = 0;
	bool in = false;
	*a0 = *a1 = *b0 = *b1 = 0;
	for (int x = 0; x <= img->width; x++) {
		bool red = false;
		for (int y = 0; x < img->width && y < img->height && !red; y += 2)
			red = near(px(img, x, y), RED, 50);
		if (red && !in) {
			runs++;
			*b0 = x;
			if (runs == 1)
				*a0 = x;
		}
		if (!red && in) {
			*b1 = x;
			if (runs == 1)
				*a1 = x;
		}
		in = red;
	}
	cr_assert_eq(runs, 2, "%d items drawn, not 2", runs);
}

Test(group, one_scale_from_real_heights_on_one_ground)
{
	struct vision_image *img = vision_image_fill(300, 300, WHITE);
	rect(img, 100, 50, 100, 200, RED);
	const char *a = save_png(img, "tall.png");
	vision_image_free(img);
	struct compose_item items[2] = { { a, 30 }, { a, 10 } };
	struct compose_canvas c = compose_canvas_white;
	c.shadow = 0.35;
	struct vision_image *out = NULL;
	char *why = NULL;
	cr_assert_eq(compose_group(items, 2, &c, &out, &why), ORR_OK, "%s", why);
	int b1, b2, x0, x1, x2, x3;
	red_columns(out, &x0, &x1, &x2, &x3);
	int h1 = red_rows(out, x0, x1, &b1), h2 = red_rows(out, x2, x3, &b2);
	cr_assert(h2 > 0 && fabs((double)h1 / h2 - 3.0) < 0.06, "heights %d and %d, not 3:1", h1, h2);
	cr_assert(abs(b1 - b2) <= 2, "bottoms %d and %d: not one ground line", b1, b2);
	cr_assert(abs(h1 - 1700) <= 40, "tallest %d px, 85%% is 1700", h1);
	/* unknown heights: drawn the same height */
	items[1].height_cm = 0;
	vision_image_free(out);
	cr_assert_eq(compose_group(items, 2, &c, &out, &why), ORR_OK, "%s", why);
	red_columns(out, &x0, &x1, &x2, &x3);
	h1 = red_rows(out, x0, x1, &b1);
	h2 = red_rows(out, x2, x3, &b2);
	cr_assert(abs(h1 - h2) <= 2, "heights %d and %d", h1, h2);
	/* the top border stays white, the ground under the row is shaded */
	for (int x = 0; x < 2000; x++)
		cr_assert(near(px(out, x, 0), WHITE, 0));
	vision_image_free(out);
}

Test(group, counts_are_checked)
{
	struct compose_item items[1] = { { "x.png", 0 } };
	struct vision_image *out = NULL;
	char *why = NULL;
	cr_assert_eq(compose_group(items, 0, &compose_canvas_white, &out, &why), ORR_USAGE);
	free(why);
}

/* ---- poster ---------------------------------------------------------------------- */

static int count_near(const struct vision_image *img, int y0, int y1, const unsigned char c[3], int tol)
{
	int n = 0;
	for (int y = y0; y < y1; y++)
		for (int x = 0; x < img->width; x++)
			n += near(px(img, x, y), c, tol);
	return n;
}

Test(poster, product_headline_price_and_button)
{
	struct compose_poster p = { .product = red_square_on_white(600, 300),
				    .headline = "Organic cotton tee, now in red",
				    .price = "19.99 EUR", .cta = "Shop now" };
	struct vision_image *out = NULL;
	char *why = NULL;
	cr_assert_eq(compose_poster(&p, &out, &why), ORR_OK, "%s", why);
	cr_assert_eq(out->width, 1080);
	cr_assert_eq(out->height, 1350);
	static const unsigned char accent[3] = { 29, 78, 216 }, ink[3] = { 24, 24, 27 };
	int h = out->height;
	cr_assert(count_near(out, 0, h / 2, RED, 40) > 10000, "no product in the upper half");
	cr_assert(count_near(out, h / 2, h, ink, 30) > 200, "no headline");
	/* the button: a wide band of accent at the foot, white text in it */
	cr_assert(count_near(out, h * 4 / 5, h, accent, 10) > 20000, "no button");
	cr_assert(count_near(out, h * 4 / 5, h, WHITE, 0) > 0);
	vision_image_free(out);
}

Test(poster, bad_texts_are_refused)
{
	struct compose_poster p = { .product = red_square_on_white(200, 100), .headline = "",
				    .cta = "Buy" };
	struct vision_image *out = NULL;
	char *why = NULL;
	cr_assert_eq(compose_poster(&p, &out, &why), ORR_USAGE);
	free(why);
	why = NULL;
	p.headline = "bad \xff\xfe utf-8";
	cr_assert_eq(compose_poster(&p, &out, &why), ORR_USAGE);
	cr_assert(strstr(why, "UTF-8"), "%s", why);
	free(why);
	why = NULL;
	p.headline = "fine";
	p.width = 50;
	p.height = 50;
	cr_assert_eq(compose_poster(&p, &out, &why), ORR_USAGE);
	free(why);
}

/* ---- parsing and previews ------------------------------------------------------------ */

Test(parse, boxes_and_colours)
{
	struct vision_box b;
	cr_assert(compose_parse_box("10,20,300,400", &b));
	cr_assert(b.x == 10 && b.y == 20 && b.width == 300 && b.height == 400);
	cr_assert(!compose_parse_box("10,20,300", &b));
	cr_assert(!compose_parse_box("10,20,300,400,5", &b));
	cr_assert(!compose_parse_box("-1,20,300,400", &b));
	cr_assert(!compose_parse_box("a,b,c,d", &b));
	unsigned char c[3];
	cr_assert(compose_parse_rgb("#3c3C3c", c) && c[0] == 60 && c[1] == 60 && c[2] == 60);
	cr_assert(compose_parse_rgb("FF8000", c) && c[0] == 255 && c[1] == 128 && c[2] == 0);
	cr_assert(!compose_parse_rgb("#12345", c));
	cr_assert(!compose_parse_rgb("zz0000", c));
}

Test(preview, shrinks_flattens_and_survives_json)
{
	struct vision_image *img = vision_image_new(1000, 500, 4); /* transparent */
	for (int y = 0; y < 500; y++)
		for (int x = 0; x < 500; x++) {
			memcpy(px(img, x, y), RED, 3);
			px(img, x, y)[3] = 255;
		}
	struct vision_image *small = NULL;
	char *why = NULL;
	cr_assert_eq(vision_preview_image(img, 100, 100, &small, &why), ORR_OK, "%s", why);
	cr_assert_eq(small->width, 100);
	cr_assert_eq(small->height, 50);
	cr_assert_eq(small->bands, 3);
	cr_assert(near(px(small, 10, 25), RED, 10));
	cr_assert(near(px(small, 90, 25), WHITE, 0), "transparency not flattened on white");
	json_t *j = vision_preview_to_json(small);
	struct vision_image *back = vision_preview_from_json(j);
	cr_assert(back && back->width == 100 && back->height == 50);
	cr_assert_eq(memcmp(back->px, small->px, 100 * 50 * 3), 0);
	json_object_set_new(j, "width", json_integer(99)); /* sizes and bytes disagree */
	cr_assert_null(vision_preview_from_json(j));
	json_decref(j);
	vision_image_free(back);
	vision_image_free(small);
	vision_image_free(img);
}
