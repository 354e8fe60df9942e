/* vision_preview.c - console previews: shrink, flatten, carry as JSON. */
#include "vision_preview.h"

#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "xalloc.h"

int vision_preview_image(const struct vision_image *img, int max_w, int max_h,
			 struct vision_image **out, char **why)
{
	max_w = max_w < 1 ? 1 : max_w > VISION_PREVIEW_MAX ? VISION_PREVIEW_MAX : max_w;
	max_h = max_h < 1 ? 1 : max_h > VISION_PREVIEW_MAX ? VISION_PREVIEW_MAX : max_h;
	/* never enlarged: a 40x30 thumbnail stays 40x30 */
	double sx = (double)max_w / img->width, sy = (double)max_h / img->height;
	double s = sx < sy ? sx : sy;
	s = s > 1.0 ? 1.0 : s;
	int w = (int)(img->width * s + 0.5), h = (int)(img->height * s + 0.5);
	w = w < 1 ? 1 : w;
	h = h < 1 ? 1 : h;
	struct vision_image *small = NULL;
	int rc = vision_resize(img, w, h, &small, why);
	if (rc != ORR_OK)
		return rc;
	static const unsigned char white[3] = { 255, 255, 255 };
	struct vision_image *rgb = vision_image_fill(w, h, white);
	if (small->bands == 4) {
		vision_over(rgb, small, 0, 0);
	} else {
		for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
			for (int b = 0; b < 3; b++)
				rgb->px[i * 3 + (size_t)b] =
					small->px[i * (size_t)small->bands + (size_t)(small->bands >= 3 ? b : 0)];
	}
	vision_image_free(small);
	*out = rgb;
	return ORR_OK;
}

int vision_preview_file(const char *path, int max_w, int max_h, struct vision_image **out,
			char **why)
{
	struct vision_image *img = NULL;
	int rc = vision_load(path, NULL, &img, why);
	if (rc != ORR_OK)
		return rc;
	rc = vision_preview_image(img, max_w, max_h, out, why);
	vision_image_free(img);
	return rc;
}

json_t *vision_preview_to_json(const struct vision_image *rgb)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = (size_t)rgb->width * (size_t)rgb->height * 3;
	char *hex = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[rgb->px[i] >> 4];
		hex[2 * i + 1] = digits[rgb->px[i] & 15];
	}
	hex[2 * n] = 0;
	json_t *j = json_pack("{sisiss}", "width", rgb->width, "height", rgb->height, "rgb", hex);
	free(hex);
	return j;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

struct vision_image *vision_preview_from_json(const json_t *j)
{
	json_int_t w = json_integer_value(json_object_get(j, "width"));
	json_int_t h = json_integer_value(json_object_get(j, "height"));
	const char *hex = json_string_value(json_object_get(j, "rgb"));
	if (w < 1 || h < 1 || w > VISION_PREVIEW_MAX || h > VISION_PREVIEW_MAX || !hex ||
	    strlen(hex) != (size_t)(w * h * 6))
		return NULL;
	struct vision_image *img = vision_image_new((int)w, (int)h, 3);
	for (size_t i = 0; i < (size_t)(w * h * 3); i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			vision_image_free(img);
			return NULL;
		}
		img->px[i] = (unsigned char)(hi << 4 | lo);
	}
	return img;
}
