/* Unit tests for vision.c, vision_mask.c, vision_preset.c, vision_check.c:
 * loading (every colour space and every bad input), geometry, composition,
 * encoding, presets and the compliance measures.  Run from the repo root
 * (tests/run.sh does); fixtures: tests/fixtures/images/README.md. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"
#include "vision.h"
#include "vision_check.h"
#include "vision_mask.h"
#include "vision_preset.h"

#define IMG(name) "tests/fixtures/images/" name
#define VIS(name) "tests/fixtures/images/vision/" name
#define COUNT(a) (sizeof(a) / sizeof *(a))

static const unsigned char WHITE[3] = { 255, 255, 255 };

/* ---- loading --------------------------------------------------------------- */

Test(vision_load, bad_inputs_name_the_file_and_the_reason, .timeout = 60)
{
	static const struct {
		const char *path;
		int rc;
		const char *reason;
	} bad[] = {
		{ IMG("corrupt.jpg"), ORR_DATAERR, "" },
		{ VIS("truncated.jpg"), ORR_DATAERR, "" },
		{ IMG("truncated.png"), ORR_DATAERR, "" },
		{ VIS("truncated-data.png"), ORR_DATAERR, "" },
		{ IMG("empty.png"), ORR_DATAERR, "empty file" },
		{ IMG("text.jpg"), ORR_DATAERR, "not an image" },
		{ VIS("huge-50000x50000.png"), ORR_DATAERR, "over the limit of 100 megapixels" },
		{ IMG("huge-20000x20000.jpg"), ORR_DATAERR, "over the limit" },
		{ VIS("no-such-file.jpg"), ORR_NOINPUT, "cannot open" },
		{ IMG("cutouts"), ORR_DATAERR, "is a directory" },
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		struct vision_image *img = (struct vision_image *)1;
		char *why = NULL;
		int rc = vision_load(bad[i].path, NULL, &img, &why);
		cr_expect_eq(rc, bad[i].rc, "%s: rc %d, want %d (%s)", bad[i].path, rc, bad[i].rc, why ? why : "");
		cr_expect_null(img, "%s: an image despite the failure", bad[i].path);
		cr_assert_not_null(why, "%s: no reason", bad[i].path);
		cr_expect_eq(strncmp(why, bad[i].path, strlen(bad[i].path)), 0, "%s: message \"%s\" does not start with the path",
			     bad[i].path, why);
		cr_expect_not_null(strstr(why, bad[i].reason), "%s: \"%s\" lacks \"%s\"", bad[i].path, why, bad[i].reason);
		free(why);
	}
}

Test(vision_load, a_lower_limit_is_honoured)
{
	struct vision_limits lim = { .max_pixels = 500000 };
	struct vision_image *img;
	char *why = NULL;
	cr_expect_eq(vision_load(VIS("luma-foam-roller.jpg"), &lim, &img, &why), ORR_DATAERR); /* 1 MP */
	cr_expect_not_null(strstr(why, "1000x1000 pixels is over the limit of 0.5 megapixels"), "%s", why);
	free(why);
}

/* Every input kind arrives as 8-bit sRGB, 3 bands, or 4 with a real alpha. */
Test(vision_load, colour_spaces_depths_palettes_alpha_exif)
{
	static const struct {
		const char *path;
		int width, height, bands;
	} ok[] = {
		{ VIS("cmyk.jpg"), 400, 400, 3 },        { VIS("rgb16.png"), 400, 400, 3 },
		{ VIS("palette.png"), 300, 300, 3 },     { VIS("grey-alpha.png"), 400, 400, 4 },
		{ VIS("exif-rotated.jpg"), 200, 400, 3 }, { IMG("png-7x5.png"), 7, 5, 3 },
	};
	for (size_t i = 0; i < COUNT(ok); i++) {
		struct vision_image *img = NULL;
		char *why = NULL;
		int rc = vision_load(ok[i].path, NULL, &img, &why);
		cr_assert_eq(rc, ORR_OK, "%s: %s", ok[i].path, why ? why : "");
		cr_expect_eq(img->width, ok[i].width, "%s: width %d", ok[i].path, img->width);
		cr_expect_eq(img->height, ok[i].height, "%s: height %d", ok[i].path, img->height);
		cr_expect_eq(img->bands, ok[i].bands, "%s: bands %d", ok[i].path, img->bands);
		vision_image_free(img);
	}
}

/* The yoga brick is blue whatever the encoding: CMYK and 16-bit decode to
 * the colours of the 8-bit sRGB original (its centre pixel). */
Test(vision_load, cmyk_and_16_bit_keep_the_colour)
{
	const char *paths[] = { VIS("cmyk.jpg"), VIS("rgb16.png") };
	for (size_t i = 0; i < COUNT(paths); i++) {
		struct vision_image *img;
		cr_assert_eq(vision_load(paths[i], NULL, &img, NULL), ORR_OK);
		const unsigned char *p = img->px + ((size_t)200 * img->width + 200) * 3;
		cr_expect(p[2] > p[0] + 60 && p[2] > p[1], "%s: centre %d,%d,%d is not blue", paths[i], p[0], p[1], p[2]);
		vision_image_free(img);
	}
}

/* ---- geometry and composition ---------------------------------------------------- */

Test(vision_fit, the_larger_share_is_the_occupancy)
{
	struct vision_box b = vision_fit(1000, 500, 2000, 2000, 0.85);
	cr_expect_eq(b.width, 1700);
	cr_expect_eq(b.height, 850);
	cr_expect_eq(b.x, 150);
	cr_expect_eq(b.y, 575);
	b = vision_fit(300, 900, 2500, 2000, 0.8); /* tall on a wide canvas: the height limits */
	cr_expect_eq(b.height, 1600);
	cr_expect_eq(b.width, 533);
	b = vision_fit(0, 10, 100, 100, 0.5);
	cr_expect(b.width >= 1 && b.height >= 1);
}

Test(vision_over, transparent_leaves_the_canvas_exact)
{
	struct vision_image *canvas = vision_image_fill(8, 8, WHITE);
	struct vision_image *rgba = vision_image_new(4, 4, 4);
	rgba->px[0] = 10, rgba->px[3] = 255;                  /* (0,0) opaque */
	rgba->px[4 * 5] = 0, rgba->px[4 * 5 + 3] = 128;       /* (1,1) half black */
	vision_over(canvas, rgba, 2, 2);
	cr_expect_eq(canvas->px[(2 * 8 + 2) * 3], 10);
	cr_expect_eq(canvas->px[(3 * 8 + 3) * 3], 127);
	for (int i = 0; i < 8 * 8; i++) {
		int x = i % 8, y = i / 8;
		if ((x == 2 && y == 2) || (x == 3 && y == 3))
			continue;
		cr_expect_eq(canvas->px[i * 3], 255, "pixel %d,%d changed", x, y);
	}
	vision_over(canvas, rgba, -3, 6); /* clipped, no crash */
	vision_image_free(rgba);
	vision_image_free(canvas);
}

Test(vision_place, resizes_into_the_box_only)
{
	struct vision_image *canvas = vision_image_fill(100, 100, WHITE);
	struct vision_image *rgba = vision_image_new(10, 10, 4);
	for (int i = 0; i < 100; i++)
		rgba->px[i * 4 + 3] = 255; /* opaque black */
	struct vision_box box = { 20, 30, 50, 40 };
	cr_assert_eq(vision_place(canvas, rgba, box, NULL), ORR_OK);
	for (int y = 0; y < 100; y++)
		for (int x = 0; x < 100; x++) {
			bool inside = x >= 20 && x < 70 && y >= 30 && y < 70;
			unsigned char v = canvas->px[((size_t)y * 100 + x) * 3];
			if (!inside)
				cr_assert_eq(v, 255, "outside the box at %d,%d: %d", x, y, v);
			else if (x > 22 && x < 67 && y > 32 && y < 67)
				cr_assert_lt(v, 8, "inside the box at %d,%d: %d", x, y, v);
		}
	vision_image_free(rgba);
	vision_image_free(canvas);
}

Test(vision_sharpen, leaves_the_canvas_colour_alone)
{
	struct vision_image *img = vision_image_fill(40, 40, WHITE);
	for (int y = 10; y < 30; y++)
		for (int x = 10; x < 30; x++)
			memset(img->px + ((size_t)y * 40 + x) * 3, x < 20 ? 60 : 180, 3);
	vision_sharpen_product(img, 1.0, WHITE);
	for (int i = 0; i < 40 * 40; i++) {
		int x = i % 40, y = i / 40;
		if (x < 10 || x >= 30 || y < 10 || y >= 30)
			cr_assert_eq(img->px[i * 3], 255, "canvas changed at %d,%d", x, y);
	}
	/* the edge inside the product is steeper */
	cr_expect_lt(img->px[(20 * 40 + 19) * 3], 60);
	cr_expect_gt(img->px[(20 * 40 + 20) * 3], 180);
	vision_image_free(img);
}

/* ---- encoding --------------------------------------------------------------- */

/* Pure white survives JPEG exactly: the border rule depends on it. */
Test(vision_encode, white_stays_255_through_jpeg_and_webp)
{
	struct vision_image *img = vision_image_fill(64, 48, WHITE);
	const enum vision_format fmts[] = { VISION_JPEG, VISION_WEBP, VISION_PNG };
	for (size_t f = 0; f < COUNT(fmts); f++) {
		char path[64];
		snprintf(path, sizeof path, "/tmp/orrery-vision-white-%d.%s", (int)getpid(), vision_format_ext(fmts[f]));
		struct vision_encode enc = { fmts[f], 90 };
		char *why = NULL;
		cr_assert_eq(vision_save(img, &enc, path, &why), ORR_OK, "%s", why ? why : "");
		struct vision_image *back;
		cr_assert_eq(vision_load(path, NULL, &back, &why), ORR_OK, "%s", why ? why : "");
		cr_expect_eq(back->width, 64);
		cr_expect_eq(back->height, 48);
		for (int i = 0; i < 64 * 48 * 3; i++)
			cr_assert_eq(back->px[i], 255, "%s: byte %d is %d", path, i, back->px[i]);
		vision_image_free(back);
		unlink(path);
	}
	vision_image_free(img);
}

Test(vision_encode, save_into_a_missing_directory_is_an_io_error_leaving_nothing)
{
	struct vision_image *img = vision_image_fill(4, 4, WHITE);
	struct vision_encode enc = { VISION_JPEG, 90 };
	char *why = NULL;
	cr_expect_eq(vision_save(img, &enc, "/nonexistent-orrery-dir/x.jpg", &why), ORR_IOERR);
	cr_expect_not_null(strstr(why, "/nonexistent-orrery-dir/x.jpg: cannot write"), "%s", why);
	free(why);
	vision_image_free(img);
}

Test(vision_encode, formats_by_name)
{
	cr_expect_eq(vision_format_parse("jpg"), VISION_JPEG);
	cr_expect_eq(vision_format_parse("jpeg"), VISION_JPEG);
	cr_expect_eq(vision_format_parse("webp"), VISION_WEBP);
	cr_expect_eq(vision_format_parse("avif"), VISION_AVIF);
	cr_expect_eq(vision_format_parse("gif"), -1);
	cr_expect_eq(vision_format_parse(NULL), -1);
	cr_expect_str_eq(vision_format_ext(VISION_JPEG), "jpg");
}

/* ---- the mask ----------------------------------------------------------------- */

/* A red disc on a grey gradient with noise: the mask is the disc. */
Test(vision_mask, disc_on_a_gradient)
{
	int n = 200;
	struct vision_image *img = vision_image_new(n, n, 3);
	unsigned seed = 7;
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++) {
			unsigned char *p = img->px + ((size_t)y * n + x) * 3;
			bool disc = (x - 100) * (x - 100) + (y - 90) * (y - 90) < 50 * 50;
			seed = seed * 1103515245 + 12345;
			int noise = (int)((seed >> 16) % 5) - 2;
			p[0] = disc ? 200 : (unsigned char)(150 + y / 4 + noise);
			p[1] = disc ? 30 : (unsigned char)(150 + y / 4 + noise);
			p[2] = disc ? 30 : (unsigned char)(155 + y / 4 + noise);
		}
	struct vision_image *mask;
	struct vision_mask_info info;
	char *why = NULL;
	cr_assert_eq(vision_mask(img, NULL, &mask, &info, &why), ORR_OK, "%s", why ? why : "");
	size_t inter = 0, uni = 0;
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++) {
			bool t = (x - 100) * (x - 100) + (y - 90) * (y - 90) < 50 * 50, m = mask->px[y * n + x] >= 128;
			inter += t && m;
			uni += t || m;
		}
	cr_expect_geq((double)inter / uni, 0.98, "IoU %.3f (inter %zu union %zu)", (double)inter / uni, inter, uni);
	cr_expect(!info.from_alpha);
	cr_expect(abs(info.x - 50) <= 2 && abs(info.width - 100) <= 4, "box x %d w %d", info.x, info.width);
	vision_image_free(mask);
	vision_image_free(img);
}

Test(vision_mask, nothing_but_background_is_an_error)
{
	struct vision_image *img = vision_image_fill(50, 50, WHITE), *mask = NULL;
	char *why = NULL;
	cr_expect_eq(vision_mask(img, NULL, &mask, NULL, &why), ORR_DATAERR);
	cr_expect_null(mask);
	cr_expect_not_null(strstr(why, "no product found"), "%s", why);
	free(why);
	vision_image_free(img);
}

Test(vision_mask, an_alpha_channel_is_the_mask)
{
	struct vision_image *img = vision_image_new(20, 20, 4), *cut;
	for (int y = 5; y < 15; y++)
		for (int x = 4; x < 10; x++)
			img->px[((size_t)y * 20 + x) * 4 + 3] = 255;
	struct vision_mask_info info;
	cr_assert_eq(vision_cutout(img, NULL, true, &cut, &info, NULL), ORR_OK);
	cr_expect(info.from_alpha);
	cr_expect_eq(cut->width, 6);
	cr_expect_eq(cut->height, 10);
	cr_expect_eq(cut->bands, 4);
	vision_image_free(cut);
	vision_image_free(img);
}

/* ---- presets ------------------------------------------------------------------- */

Test(vision_preset, every_builtin_parses)
{
	int n;
	struct vision_preset *all = vision_presets(&n);
	cr_expect_eq(n, vision_presets_builtin_count, "a built-in preset does not parse");
	cr_expect_eq(n, 6);
	struct vision_preset p;
	cr_assert_eq(vision_preset_find("amazon-main", &p, NULL), ORR_OK);
	cr_expect_eq(p.width, 2000);
	cr_expect_eq(p.enc.format, VISION_JPEG);
	cr_expect_float_eq(p.occupancy, 0.85, 1e-9);
	cr_expect_eq(p.min_long_side, 1000);
	free(all);
}

Test(vision_preset, errors_say_where)
{
	static const struct {
		const char *json, *want;
	} bad[] = {
		{ "[]", "a preset is a JSON object" },
		{ "{\"canvas\":{\"width\":100,\"height\":100},\"steps\":[]}", "name: required" },
		{ "{\"name\":\"x\",\"steps\":[]}", "canvas: width and height are required" },
		{ "{\"name\":\"x\",\"canvas\":{\"width\":100,\"height\":100,\"background\":\"white\"},\"steps\":[]}",
		  "background is" },
		{ "{\"name\":\"x\",\"canvas\":{\"width\":100,\"height\":100},\"steps\":[{\"step\":\"fit\"}]}",
		  "steps[0]: fit: occupancy is required" },
		{ "{\"name\":\"x\",\"canvas\":{\"width\":100,\"height\":100},\"steps\":[{\"step\":\"fit\",\"occupancy\":0.5,"
		  "\"speed\":1}]}",
		  "unknown parameter \"speed\"" },
		{ "{\"name\":\"x\",\"canvas\":{\"width\":100,\"height\":100},\"steps\":[{\"step\":\"fit\",\"occupancy\":0.5}]}",
		  "needs a fit and an encode step" },
		{ "{\"name\":\"x\",\"canvas\":{\"width\":100,\"height\":100},\"steps\":[{\"step\":\"fit\",\"occupancy\":0.5},"
		  "{\"step\":\"shadow\"},{\"step\":\"encode\",\"format\":\"png\"}]}",
		  "shadow comes after cutout and before fit" },
		{ "{\"name\":\"x\",\"canvas\":{\"width\":100,\"height\":100},\"steps\":[{\"step\":\"fit\",\"occupancy\":0.5},"
		  "{\"step\":\"encode\",\"format\":\"bmp\"}]}",
		  "format takes jpeg, png, webp or avif" },
		{ "{\"name\":\"x\",\"name\":\"y\"}", "duplicate" },
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		struct vision_preset p;
		char *why = NULL;
		cr_expect_eq(vision_preset_parse("t.json", bad[i].json, &p, &why), ORR_DATAERR, "case %zu", i);
		cr_assert_not_null(why);
		cr_expect_not_null(strstr(why, bad[i].want), "case %zu: \"%s\" lacks \"%s\"", i, why, bad[i].want);
		cr_expect_eq(strncmp(why, "t.json", 6), 0, "%s", why);
		free(why);
	}
	struct vision_preset p;
	char *why = NULL;
	cr_expect_eq(vision_preset_find("no-such", &p, &why), ORR_USAGE);
	cr_expect_not_null(strstr(why, "amazon-main"), "%s", why);
	free(why);
}

/* ---- compliance ----------------------------------------------------------------- */

Test(vision_check, measures_border_and_occupancy)
{
	struct vision_preset p;
	cr_assert_eq(vision_preset_find("ebay", &p, NULL), ORR_OK); /* 1600x1600, 85% */
	struct vision_image *img = vision_image_fill(1600, 1600, WHITE);
	for (int y = 200; y < 1400; y++)
		for (int x = 120; x < 120 + 1360; x++)
			memset(img->px + ((size_t)y * 1600 + x) * 3, 40, 3);
	struct vision_check_report r;
	vision_check_image(img, &p, &r);
	cr_expect(r.pass, "a 1360-wide product on 1600 is 85%%");
	cr_expect_float_eq(r.occupancy, 0.85, 1e-9);
	cr_expect_float_eq(r.border_share, 1.0, 1e-9);
	img->px[5] = 254; /* one border pixel off white */
	vision_check_image(img, &p, &r);
	cr_expect(!r.pass);
	cr_expect_lt(r.border_share, 1.0);
	img->px[5] = 255;
	for (int y = 200; y < 1400; y++) /* a wider product: 90% */
		memset(img->px + ((size_t)y * 1600 + 80) * 3, 40, 3 * 40);
	vision_check_image(img, &p, &r);
	cr_expect(!r.pass, "occupancy %.3f passed", r.occupancy);
	vision_image_free(img);
}
