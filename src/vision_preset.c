/* vision_preset.c - presets read from JSON and run as pipelines. */
#include "vision_preset.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "vision_check.h"
#include "xalloc.h"

static int fail(char **why, int rc, char *msg)
{
	if (why)
		*why = msg;
	else
		free(msg);
	return rc;
}

/* ---- parsing ------------------------------------------------------------- */

static const struct {
	const char *name;
	enum vision_step_kind kind;
	const char *params; /* the keys it takes, space separated */
} step_names[] = {
	{ "load", VSTEP_LOAD, "max_megapixels" },
	{ "cutout", VSTEP_CUTOUT, "tolerance feather keep_holes" },
	{ "normalise", VSTEP_NORMALISE, "" },
	{ "shadow", VSTEP_SHADOW, "strength" },
	{ "fit", VSTEP_FIT, "occupancy" },
	{ "sharpen", VSTEP_SHARPEN, "amount" },
	{ "encode", VSTEP_ENCODE, "format quality" },
};

/* Whether key is one of the space-separated words of list. */
static bool listed(const char *list, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ");
		if (len == n && strncmp(p, key, n) == 0)
			return true;
		p += len;
		p += *p == ' ';
	}
	return false;
}

/* A number in [lo, hi] at obj.key (def when absent), or NAN on error. */
static double number(json_t *obj, const char *key, double def, double lo, double hi)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return def;
	if (!json_is_number(v))
		return NAN;
	double d = json_number_value(v);
	return d >= lo && d <= hi ? d : NAN;
}

/* "#rrggbb" or [r, g, b]. */
static bool parse_colour(json_t *v, unsigned char rgb[3])
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		unsigned r, g, b;
		char end;
		if (strlen(s) != 7 || sscanf(s, "#%2x%2x%2x%c", &r, &g, &b, &end) != 3)
			return false;
		rgb[0] = (unsigned char)r;
		rgb[1] = (unsigned char)g;
		rgb[2] = (unsigned char)b;
		return true;
	}
	if (!json_is_array(v) || json_array_size(v) != 3)
		return false;
	for (int i = 0; i < 3; i++) {
		json_t *c = json_array_get(v, (size_t)i);
		if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 255)
			return false;
		rgb[i] = (unsigned char)json_integer_value(c);
	}
	return true;
}

/* The parameters of one step into s; an error message or NULL. */
static char *parse_params(json_t *obj, struct vision_step *s)
{
	double v = 0;
	switch (s->kind) {
	case VSTEP_LOAD:
		v = number(obj, "max_megapixels", VISION_MAX_PIXELS / 1e6, 0.001, 10000);
		break;
	case VSTEP_CUTOUT: {
		s->mask.tolerance = number(obj, "tolerance", 0, 0, 100);
		double f = number(obj, "feather", 1, -1, 16);
		json_t *k = json_object_get(obj, "keep_holes");
		if (isnan(s->mask.tolerance) || isnan(f))
			return xstrdup("tolerance takes 0..100 (0: from the noise), feather -1..16");
		if (k && !json_is_boolean(k))
			return xstrdup("keep_holes takes true or false");
		s->mask.feather = (int)f;
		s->mask.keep_holes = json_is_true(k);
		return NULL;
	}
	case VSTEP_NORMALISE:
		return NULL;
	case VSTEP_SHADOW:
		v = number(obj, "strength", 0.35, 0.01, 1);
		break;
	case VSTEP_FIT:
		v = number(obj, "occupancy", NAN, 0.05, 1);
		break;
	case VSTEP_SHARPEN:
		v = number(obj, "amount", 0.5, 0, 5);
		break;
	case VSTEP_ENCODE: {
		json_t *f = json_object_get(obj, "format");
		int fmt = vision_format_parse(json_string_value(f));
		double q = number(obj, "quality", 90, 1, 100);
		if (fmt < 0)
			return xstrdup("format takes jpeg, png, webp or avif");
		if (isnan(q))
			return xstrdup("quality takes 1..100");
		s->enc.format = (enum vision_format)fmt;
		s->enc.quality = (int)q;
		return NULL;
	}
	}
	if (isnan(v))
		return xstrdup(s->kind == VSTEP_FIT ? "occupancy is required, 0.05..1"
				: s->kind == VSTEP_LOAD ? "max_megapixels takes a positive number"
				: s->kind == VSTEP_SHADOW ? "strength takes 0.01..1"
							  : "amount takes 0..5");
	s->value = v;
	return NULL;
}

/* One element of "steps"; an error message or NULL. */
static char *parse_step(json_t *obj, struct vision_step *s)
{
	if (!json_is_object(obj))
		return xstrdup("a step is an object {\"step\": NAME, ...}");
	const char *name = json_string_value(json_object_get(obj, "step"));
	if (!name)
		return xstrdup("has no \"step\" name");
	size_t k = 0;
	while (k < sizeof step_names / sizeof *step_names && strcmp(step_names[k].name, name) != 0)
		k++;
	if (k == sizeof step_names / sizeof *step_names)
		return xasprintf("unknown step \"%s\" (load, cutout, normalise, shadow, fit, sharpen, "
				 "encode)",
				 name);
	memset(s, 0, sizeof *s);
	s->kind = step_names[k].kind;
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val)
	{
		if (strcmp(key, "step") != 0 && !listed(step_names[k].params, key))
			return xasprintf("%s: unknown parameter \"%s\"%s%s", name, key,
					 *step_names[k].params ? "; it takes " : " (it takes none)",
					 step_names[k].params);
	}
	char *err = parse_params(obj, s);
	if (err) {
		char *m = xasprintf("%s: %s", name, err);
		free(err);
		return m;
	}
	return NULL;
}

/* The order the steps must come in: each needs what an earlier one made. */
static char *check_order(struct vision_preset *p)
{
	int fit = -1, encode = -1, cutout = -1;
	for (int i = 0; i < p->nsteps; i++) {
		const struct vision_step *s = &p->steps[i];
		bool again = (s->kind == VSTEP_FIT && fit >= 0) || (s->kind == VSTEP_ENCODE && encode >= 0) ||
			     (s->kind == VSTEP_CUTOUT && cutout >= 0);
		if (again)
			return xasprintf("steps[%d]: a second %s step", i, step_names[s->kind].name);
		if (encode >= 0)
			return xasprintf("steps[%d]: encode must be the last step", i);
		if (s->kind == VSTEP_LOAD && i != 0)
			return xasprintf("steps[%d]: load must be the first step", i);
		if ((s->kind == VSTEP_NORMALISE || s->kind == VSTEP_SHADOW) && (cutout < 0 || fit >= 0))
			return xasprintf("steps[%d]: %s comes after cutout and before fit", i,
					 step_names[s->kind].name);
		if (s->kind == VSTEP_CUTOUT && fit >= 0)
			return xasprintf("steps[%d]: cutout comes before fit", i);
		if (s->kind == VSTEP_SHARPEN && fit < 0)
			return xasprintf("steps[%d]: sharpen comes after fit", i);
		fit = s->kind == VSTEP_FIT ? i : fit;
		encode = s->kind == VSTEP_ENCODE ? i : encode;
		cutout = s->kind == VSTEP_CUTOUT ? i : cutout;
		if (s->kind == VSTEP_FIT)
			p->occupancy = s->value;
		if (s->kind == VSTEP_ENCODE)
			p->enc = s->enc;
		if (s->kind == VSTEP_LOAD)
			p->limits.max_pixels = (uint64_t)(s->value * 1e6);
	}
	if (fit < 0 || encode < 0)
		return xstrdup("steps: a preset needs a fit and an encode step");
	return NULL;
}

static char *parse_canvas(json_t *c, struct vision_preset *p)
{
	json_t *w = json_object_get(c, "width"), *h = json_object_get(c, "height");
	if (!json_is_integer(w) || !json_is_integer(h) || json_integer_value(w) < 16 ||
	    json_integer_value(h) < 16 || json_integer_value(w) > 10000 || json_integer_value(h) > 10000)
		return xstrdup("canvas: width and height are required, 16..10000 pixels");
	p->width = (int)json_integer_value(w);
	p->height = (int)json_integer_value(h);
	json_t *bg = json_object_get(c, "background");
	memset(p->background, 255, 3);
	if (bg && !parse_colour(bg, p->background))
		return xstrdup("canvas: background is \"#rrggbb\" or [r, g, b]");
	return NULL;
}

static char *parse_check(json_t *c, struct vision_preset *p)
{
	p->occupancy_tolerance = 0.02;
	if (!c)
		return NULL;
	double m = number(c, "min_long_side", 0, 0, 10000);
	double t = number(c, "occupancy_tolerance", 0.02, 0.001, 0.5);
	if (isnan(m) || isnan(t))
		return xstrdup("check: min_long_side takes 0..10000, occupancy_tolerance 0.001..0.5");
	p->min_long_side = (int)m;
	p->occupancy_tolerance = t;
	return NULL;
}

static char *parse_preset(json_t *root, struct vision_preset *p)
{
	memset(p, 0, sizeof *p);
	if (!json_is_object(root))
		return xstrdup("a preset is a JSON object");
	const char *name = json_string_value(json_object_get(root, "name"));
	const char *summary = json_string_value(json_object_get(root, "summary"));
	if (!name || !*name || strlen(name) >= sizeof p->name || strcspn(name, "/ \t") != strlen(name))
		return xstrdup("name: required, up to 63 characters, no '/' or spaces");
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->summary, sizeof p->summary, "%s", summary ? summary : "");
	char *err = parse_canvas(json_object_get(root, "canvas"), p);
	if (!err)
		err = parse_check(json_object_get(root, "check"), p);
	if (err)
		return err;
	json_t *steps = json_object_get(root, "steps");
	if (!json_is_array(steps) || json_array_size(steps) == 0 || json_array_size(steps) > VISION_MAX_STEPS)
		return xasprintf("steps: an array of 1..%d steps", VISION_MAX_STEPS);
	for (size_t i = 0; i < json_array_size(steps); i++) {
		err = parse_step(json_array_get(steps, i), &p->steps[i]);
		if (err) {
			char *m = xasprintf("steps[%zu]: %s", i, err);
			free(err);
			return m;
		}
		p->nsteps++;
	}
	return check_order(p);
}

int vision_preset_parse(const char *source, const char *text, struct vision_preset *p, char **why)
{
	json_error_t e;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (!root)
		return fail(why, ORR_DATAERR, xasprintf("%s:%d:%d: %s", source, e.line, e.column, e.text));
	char *err = parse_preset(root, p);
	json_decref(root);
	if (err) {
		int rc = fail(why, ORR_DATAERR, xasprintf("%s: %s", source, err));
		free(err);
		return rc;
	}
	return ORR_OK;
}

/* ---- finding ------------------------------------------------------------- */

static int preset_file(const char *path, struct vision_preset *p, char **why)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(why, ORR_NOINPUT, xasprintf("%s: cannot open the preset", path));
	json_error_t e;
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &e);
	fclose(f);
	if (!root)
		return fail(why, ORR_DATAERR, xasprintf("%s:%d:%d: %s", path, e.line, e.column, e.text));
	char *err = parse_preset(root, p);
	json_decref(root);
	if (err) {
		int rc = fail(why, ORR_DATAERR, xasprintf("%s: %s", path, err));
		free(err);
		return rc;
	}
	return ORR_OK;
}

struct vision_preset *vision_presets(int *n)
{
	struct vision_preset *v = xcalloc((size_t)vision_presets_builtin_count + 1, sizeof *v);
	*n = 0;
	for (int i = 0; i < vision_presets_builtin_count; i++)
		/* the build's own files: a broken one fails the unit tests */
		if (vision_preset_parse(vision_presets_builtin[i].name, vision_presets_builtin[i].text, &v[*n],
					NULL) == ORR_OK)
			(*n)++;
	return v;
}

int vision_preset_find(const char *name, struct vision_preset *p, char **why)
{
	size_t len = strlen(name);
	if (strchr(name, '/') || (len > 5 && strcmp(name + len - 5, ".json") == 0))
		return preset_file(name, p, why);
	int n;
	struct vision_preset *all = vision_presets(&n);
	char *names = xstrdup("");
	for (int i = 0; i < n; i++) {
		if (strcmp(all[i].name, name) == 0) {
			*p = all[i];
			free(all);
			free(names);
			return ORR_OK;
		}
		char *more = xasprintf("%s%s%s", names, i ? ", " : "", all[i].name);
		free(names);
		names = more;
	}
	free(all);
	int rc = fail(why, ORR_USAGE, xasprintf("no preset \"%s\" (%s; or a preset file)", name, names));
	free(names);
	return rc;
}

/* ---- running --------------------------------------------------------------- */

/* The pipeline's state between steps. */
struct run {
	const struct vision_preset *p;
	struct vision_image *cut;    /* the product, RGBA */
	struct vision_image *canvas; /* after fit */
	struct vision_mask_info info;
	struct vision_result *res;
};

/* The product over its contact shadow, one RGBA layer. */
static int add_shadow(struct run *r, double strength, char **why)
{
	struct vision_image *shadow;
	int rc = vision_shadow(r->cut, strength, &shadow, why);
	if (rc != ORR_OK)
		return rc;
	int w = r->cut->width, h = r->cut->height + shadow->height / 2;
	struct vision_image *layer = vision_image_new(w, h, 4);
	vision_over(layer, shadow, 0, h - shadow->height);
	vision_over(layer, r->cut, 0, 0);
	vision_image_free(shadow);
	vision_image_free(r->cut);
	r->cut = layer;
	return ORR_OK;
}

/* Whether an RGBA pixel shows on the canvas colour: the measure of
 * `vision check` (VISION_CHECK_TOLERANCE), so that what is fitted at the
 * target occupancy is what the check will find there. */
static bool shows(const unsigned char *px, const unsigned char bg[3])
{
	for (int c = 0; c < 3; c++) {
		int v = (px[c] * px[3] + bg[c] * (255 - px[3]) + 127) / 255;
		if (abs(v - bg[c]) > VISION_CHECK_TOLERANCE)
			return true;
	}
	return false;
}

/* The cut-out cropped to what shows on the canvas: faint edges of a soft
 * shadow or of a white product would be fitted but not seen. */
static void crop_to_visible(struct run *r)
{
	struct vision_image *c = r->cut;
	int x0 = c->width, y0 = c->height, x1 = -1, y1 = -1;
	for (int y = 0; y < c->height; y++)
		for (int x = 0; x < c->width; x++)
			if (shows(c->px + ((size_t)y * c->width + x) * 4, r->p->background)) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y;
			}
	if (x1 < 0 || (x0 == 0 && y0 == 0 && x1 == c->width - 1 && y1 == c->height - 1))
		return; /* nothing shows (a white product on white): keep it whole */
	struct vision_image *out = vision_image_new(x1 - x0 + 1, y1 - y0 + 1, 4);
	for (int y = 0; y < out->height; y++)
		memcpy(out->px + (size_t)y * out->width * 4, c->px + ((size_t)(y0 + y) * c->width + x0) * 4,
		       (size_t)out->width * 4);
	vision_image_free(c);
	r->cut = out;
}

/* The cut-out flattened on the canvas colour, as RGB (it is freed). */
static struct vision_image *flatten(struct vision_image *cut, const unsigned char bg[3])
{
	struct vision_image *rgb = vision_image_new(cut->width, cut->height, 3);
	size_t n = (size_t)cut->width * cut->height;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *s = cut->px + i * 4;
		for (int c = 0; c < 3; c++)
			rgb->px[i * 3 + c] = (unsigned char)((s[c] * s[3] + bg[c] * (255 - s[3]) + 127) / 255);
	}
	vision_image_free(cut);
	return rgb;
}

/* The canvas with the product at the preset's occupancy.  On a canvas of
 * one colour, compositing and resampling commute (both are linear): the
 * cut-out is flattened on the canvas colour at its own size, resampled as
 * plain RGB and copied into its box, which is cheaper than resampling
 * premultiplied RGBA and compositing it. */
static int fit(struct run *r, double occupancy, char **why)
{
	const struct vision_preset *p = r->p;
	crop_to_visible(r);
	struct vision_box box = vision_fit(r->cut->width, r->cut->height, p->width, p->height, occupancy);
	struct vision_image *flat = flatten(r->cut, p->background), *scaled = NULL;
	r->cut = NULL;
	int rc = vision_resize(flat, box.width, box.height, &scaled, why);
	vision_image_free(flat);
	if (rc != ORR_OK)
		return rc;
	r->canvas = vision_image_fill(p->width, p->height, p->background);
	for (int y = 0; y < box.height; y++)
		memcpy(r->canvas->px + ((size_t)(box.y + y) * p->width + box.x) * 3,
		       scaled->px + (size_t)y * box.width * 3, (size_t)box.width * 3);
	vision_image_free(scaled);
	r->res->occupancy = fmax((double)box.width / p->width, (double)box.height / p->height);
	return ORR_OK;
}

static int run_step(struct run *r, const struct vision_step *s, const struct vision_image *img, char **why)
{
	switch (s->kind) {
	case VSTEP_LOAD:
	case VSTEP_ENCODE:
	case VSTEP_NORMALISE: /* done by cutout, which knows the backdrop */
		return ORR_OK;
	case VSTEP_CUTOUT: {
		bool normalise = false;
		for (int i = 0; i < r->p->nsteps; i++)
			normalise |= r->p->steps[i].kind == VSTEP_NORMALISE;
		int rc = vision_cutout(img, &s->mask, normalise, &r->cut, &r->info, why);
		r->res->from_alpha = r->info.from_alpha;
		r->res->normalised = normalise && r->info.background_light && !r->info.from_alpha;
		return rc;
	}
	case VSTEP_SHADOW:
		return add_shadow(r, s->value, why);
	case VSTEP_FIT:
		return fit(r, s->value, why);
	case VSTEP_SHARPEN:
		/* the canvas around the product stays exactly its colour */
		vision_sharpen_product(r->canvas, s->value, r->p->background);
		return ORR_OK;
	}
	return ORR_OK;
}

/* The image as an RGBA layer (for presets without a cutout step). */
static struct vision_image *as_layer(const struct vision_image *img)
{
	struct vision_image *l = vision_image_new(img->width, img->height, 4);
	size_t n = (size_t)img->width * img->height;
	for (size_t i = 0; i < n; i++) {
		memcpy(l->px + i * 4, img->px + i * img->bands, 3);
		l->px[i * 4 + 3] = img->bands == 4 ? img->px[i * 4 + 3] : 255;
	}
	return l;
}

/* The steps on *img; when own, *img is freed as soon as the cut-out no
 * longer needs it (and set to NULL), which lowers a batch's peak memory. */
static int render(const struct vision_preset *p, struct vision_image **img, bool own, struct vision_image **out,
		  struct vision_result *res, char **why)
{
	struct vision_result local;
	struct run r = { .p = p, .res = res ? res : &local };
	memset(r.res, 0, sizeof *r.res);
	*out = NULL;
	bool cutout = false;
	for (int i = 0; i < p->nsteps; i++)
		cutout |= p->steps[i].kind == VSTEP_CUTOUT;
	if (!cutout)
		r.cut = as_layer(*img);
	int rc = ORR_OK;
	for (int i = 0; i < p->nsteps && rc == ORR_OK; i++) {
		rc = run_step(&r, &p->steps[i], *img, why);
		if (own && r.cut && *img) {
			vision_image_free(*img);
			*img = NULL;
		}
	}
	vision_image_free(r.cut);
	if (rc != ORR_OK) {
		vision_image_free(r.canvas);
		return rc;
	}
	r.res->width = r.canvas->width;
	r.res->height = r.canvas->height;
	*out = r.canvas;
	return ORR_OK;
}

int vision_preset_render(const struct vision_preset *p, const struct vision_image *img, struct vision_image **out,
			 struct vision_result *res, char **why)
{
	struct vision_image *in = (struct vision_image *)img; /* not freed: own is false */
	return render(p, &in, false, out, res, why);
}

int vision_process(const struct vision_preset *p, const char *in_path, const char *out_path,
		   struct vision_result *res, char **why)
{
	struct vision_result local;
	res = res ? res : &local;
	struct vision_image *img, *canvas = NULL;
	int rc = vision_load(in_path, &p->limits, &img, why);
	if (rc != ORR_OK)
		return rc;
	char *err = NULL;
	rc = render(p, &img, true, &canvas, res, &err);
	vision_image_free(img);
	if (rc == ORR_OK) {
		void *buf;
		size_t len;
		rc = vision_encode(canvas, &p->enc, &buf, &len, &err);
		if (rc == ORR_OK) {
			rc = vision_write_file(out_path, buf, len, &err);
			free(buf);
			res->bytes = len;
		}
	}
	vision_image_free(canvas);
	if (rc != ORR_OK) {
		rc = fail(why, rc, xasprintf("%s: %s", in_path, err));
		free(err);
	}
	return rc;
}
