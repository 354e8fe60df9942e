/* cli_vision_compose.c - the composites and the asset set from the command line.  The
 * first positional argument is the subcommand's name (pos[0]); its inputs
 * follow. */
#include "cli_vision_compose.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_internal.h"
#include "rc.h"
#include "vision.h"
#include "vision_compose.h"
#include "vision_preset.h"
#include "xalloc.h"

#define GROUP_MAX 12

/* "[2/3] cutting out" on stderr, on a terminal or with --progress. */
static void stage(struct cli *cli, int step, int total, const char *what)
{
	if (!cli_args_get(&cli->args, "progress") && !isatty(fileno(cli->errs)))
		return;
	fprintf(cli->errs, "\r[%d/%d] %-40s", step, total, what);
	if (step == total)
		fputc('\n', cli->errs);
	fflush(cli->errs);
}

/* The encoding of --out from its extension. */
static int out_encoding(struct cli *cli, const char *sub, const char **path,
			struct vision_encode *enc)
{
	*path = cli_args_get(&cli->args, "out");
	if (!*path || !**path)
		return cli_fail(cli, ORR_USAGE, xasprintf("vision %s: --out FILE is required", sub));
	const char *dot = strrchr(*path, '.');
	int f = dot && !strchr(dot, '/') ? vision_format_parse(dot + 1) : -1;
	if (f < 0)
		return cli_fail(cli, ORR_USAGE,
				xasprintf("vision %s: %s: name the output .jpg, .png, .webp or .avif",
					  sub, *path));
	if (!vision_format_supported((enum vision_format)f))
		return cli_fail(cli, ORR_USAGE,
				xasprintf("vision %s: this libvips cannot write %s", sub,
					  vision_format_name((enum vision_format)f)));
	*enc = (struct vision_encode){ .format = (enum vision_format)f, .quality = 90 };
	return ORR_OK;
}

/* Save, then report the file (text or JSON). */
static int finish(struct cli *cli, const struct vision_image *img, const char *path,
		  const struct vision_encode *enc)
{
	char *why = NULL;
	int rc = vision_save(img, enc, path, &why);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, why);
	struct stat sb;
	long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
	if (cli->json)
		cli_emit_json(cli, json_pack("{sssisisI}", "path", path, "width", img->width, "height",
					     img->height, "bytes", (json_int_t)bytes));
	else
		fprintf(cli->out, "%s: %dx%d, %lld bytes\n", path, img->width, img->height, bytes);
	return ORR_OK;
}

/* The one input after the subcommand's name. */
static const char *one_input(struct cli *cli, const char *sub, const char *what)
{
	if (cli->args.npos != 2) {
		cli_fail(cli, ORR_USAGE, xasprintf("vision %s: give exactly one %s", sub, what));
		return NULL;
	}
	return cli->args.pos[1];
}

static int composed(struct cli *cli, int rc, char *why, struct vision_image *img, const char *path,
		    const struct vision_encode *enc)
{
	if (rc != ORR_OK)
		return cli_fail(cli, rc, why);
	rc = finish(cli, img, path, enc);
	vision_image_free(img);
	return rc;
}

/* ---- ghost ------------------------------------------------------------------- */

int cli_vision_ghost(struct cli *cli)
{
	const char *out, *m = cli_args_get(&cli->args, "mannequin");
	struct vision_encode enc;
	const char *front = one_input(cli, "ghost", "front shot");
	if (!front || out_encoding(cli, "ghost", &out, &enc) != ORR_OK)
		return ORR_USAGE;
	struct compose_ghost g = { .front = front, .inside = cli_args_get(&cli->args, "inside") };
	if (!m || !*m)
		return cli_fail(cli, ORR_USAGE,
				xstrdup("vision ghost: --mannequin RRGGBB (its colour) or FILE (a mask) "
					"is required"));
	/* a colour is six hex digits; anything else names a mask file */
	g.has_key = compose_parse_rgb(m, g.key);
	if (!g.has_key)
		g.mannequin_mask = m;
	struct vision_image *cut = NULL, *img = NULL;
	char *why = NULL;
	stage(cli, 1, 2, "removing the mannequin");
	int rc = compose_ghost(&g, &cut, &why);
	stage(cli, 2, 2, "placing on white");
	if (rc == ORR_OK)
		rc = compose_on_canvas(cut, &compose_canvas_white, &img, &why);
	vision_image_free(cut);
	return composed(cli, rc, why, img, out, &enc);
}

/* ---- lifestyle ----------------------------------------------------------------- */

static int parse_shadow(struct cli *cli, const char *sub, double *shadow)
{
	const char *s = cli_args_get(&cli->args, "shadow");
	if (!s)
		return ORR_OK;
	char *end;
	*shadow = strtod(s, &end);
	if (*end || end == s || *shadow < 0 || *shadow > 1)
		return cli_fail(cli, ORR_USAGE,
				xasprintf("vision %s: --shadow \"%s\" is not a number from 0 to 1", sub, s));
	if (*shadow == 0)
		*shadow = -1; /* 0 asks for none; 0 in the struct means the default */
	return ORR_OK;
}

int cli_vision_lifestyle(struct cli *cli)
{
	const char *out, *box = cli_args_get(&cli->args, "box");
	struct vision_encode enc;
	const char *product = one_input(cli, "lifestyle", "product image");
	if (!product || out_encoding(cli, "lifestyle", &out, &enc) != ORR_OK)
		return ORR_USAGE;
	struct compose_lifestyle l = { .product = product, .scene = cli_args_get(&cli->args, "scene") };
	if (!l.scene)
		return cli_fail(cli, ORR_USAGE, xstrdup("vision lifestyle: --scene FILE is required"));
	if (!box || !compose_parse_scene_box(box, &l))
		return cli_fail(cli, ORR_USAGE,
				xasprintf("vision lifestyle: --box \"%s\" is not x,y,width,height in pixels",
					  box ? box : ""));
	if (parse_shadow(cli, "lifestyle", &l.shadow) != ORR_OK)
		return ORR_USAGE;
	struct vision_image *img = NULL;
	char *why = NULL;
	stage(cli, 1, 1, "composing into the scene");
	int rc = compose_lifestyle(&l, &img, &why);
	return composed(cli, rc, why, img, out, &enc);
}

/* ---- group ----------------------------------------------------------------------- */

/* --heights 30,12.5,... : one real height in cm per image. */
static int parse_heights(struct cli *cli, struct compose_item *items, int n)
{
	const char *s = cli_args_get(&cli->args, "heights");
	if (!s)
		return ORR_OK;
	const char *p = s;
	for (int i = 0; i < n; i++) {
		char *end;
		items[i].height_cm = strtod(p, &end);
		if (end == p || items[i].height_cm <= 0 || items[i].height_cm > 100000 ||
		    (i < n - 1 && *end != ',') || (i == n - 1 && *end))
			return cli_fail(cli, ORR_USAGE,
					xasprintf("vision group: --heights \"%s\" must be %d positive "
						  "numbers (cm), comma-separated", s, n));
		p = end + 1;
	}
	return ORR_OK;
}

int cli_vision_group(struct cli *cli)
{
	const char *out;
	struct vision_encode enc;
	int n = cli->args.npos - 1;
	if (n < 2 || n > GROUP_MAX)
		return cli_fail(cli, ORR_USAGE,
				xasprintf("vision group: give 2 to %d images, not %d", GROUP_MAX, n));
	if (out_encoding(cli, "group", &out, &enc) != ORR_OK)
		return ORR_USAGE;
	struct compose_item items[GROUP_MAX] = { { 0 } };
	for (int i = 0; i < n; i++)
		items[i].path = cli->args.pos[i + 1];
	if (parse_heights(cli, items, n) != ORR_OK)
		return ORR_USAGE;
	struct compose_canvas c = compose_canvas_white;
	c.shadow = 0.35;
	struct vision_image *img = NULL;
	char *why = NULL;
	stage(cli, 1, 1, "cutting out and placing");
	int rc = compose_group(items, n, &c, &img, &why);
	return composed(cli, rc, why, img, out, &enc);
}

/* ---- poster ------------------------------------------------------------------------ */

static int parse_size(struct cli *cli, int *w, int *h)
{
	const char *s = cli_args_get(&cli->args, "size");
	if (!s)
		return ORR_OK;
	char *end;
	long a = strtol(s, &end, 10), b = *end == 'x' ? strtol(end + 1, &end, 10) : -1;
	if (*end || a < 200 || b < 200 || a > 8000 || b > 8000)
		return cli_fail(cli, ORR_USAGE,
				xasprintf("vision poster: --size \"%s\" is not WIDTHxHEIGHT, 200 to 8000", s));
	*w = (int)a;
	*h = (int)b;
	return ORR_OK;
}

int cli_vision_poster(struct cli *cli)
{
	const char *out;
	struct vision_encode enc;
	const char *product = one_input(cli, "poster", "product image");
	if (!product || out_encoding(cli, "poster", &out, &enc) != ORR_OK)
		return ORR_USAGE;
	struct compose_poster p = {
		.product = product, .headline = cli_args_get(&cli->args, "headline"),
		.price = cli_args_get(&cli->args, "price"), .cta = cli_args_get(&cli->args, "cta"),
	};
	if (!p.headline)
		return cli_fail(cli, ORR_USAGE, xstrdup("vision poster: --headline TEXT is required"));
	if (!p.cta)
		p.cta = "Shop now";
	if (parse_size(cli, &p.width, &p.height) != ORR_OK)
		return ORR_USAGE;
	struct vision_image *img = NULL;
	char *why = NULL;
	stage(cli, 1, 1, "rendering the poster");
	int rc = compose_poster(&p, &img, &why);
	return composed(cli, rc, why, img, out, &enc);
}

/* ---- asset set ----------------------------------------------------------------------- */

struct set_out {
	struct cli *cli;
	const char *dir;
	json_t *list;
	int done, total;
};

/* One output of the set into dir, named after its preset. */
static int set_save(void *ctx, const struct vision_preset *p, const struct vision_image *canvas,
		    char **why)
{
	struct set_out *o = ctx;
	char *path = xasprintf("%s/%s.%s", o->dir, p->name, vision_format_ext(p->enc.format));
	int rc = vision_save(canvas, &p->enc, path, why);
	stage(o->cli, ++o->done, o->total, p->name);
	if (rc == ORR_OK && o->cli->json)
		json_array_append_new(o->list, json_pack("{sssssisi}", "preset", p->name, "path", path,
							 "width", canvas->width, "height", canvas->height));
	else if (rc == ORR_OK)
		fprintf(o->cli->out, "%s: %dx%d\n", path, canvas->width, canvas->height);
	free(path);
	return rc;
}

int cli_vision_asset_set(struct cli *cli)
{
	const char *in = one_input(cli, "asset-set", "product image");
	const char *dir = cli_args_get(&cli->args, "out");
	if (!in)
		return ORR_USAGE;
	if (!dir || !*dir)
		return cli_fail(cli, ORR_USAGE, xstrdup("vision asset-set: --out DIR is required"));
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return cli_fail(cli, ORR_IOERR, xasprintf("%s: %s", dir, strerror(errno)));
	struct vision_image *img = NULL;
	char *why = NULL;
	int rc = vision_load(in, NULL, &img, &why);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, why);
	int n = 0;
	free(vision_presets(&n));
	struct set_out o = { cli, dir, json_array(), 0, n + 1 };
	rc = compose_asset_set(img, set_save, &o, &why);
	vision_image_free(img);
	if (rc != ORR_OK) {
		json_decref(o.list);
		return cli_fail(cli, rc, xasprintf("%s: %s", in, why ? why : "failed"));
	}
	if (cli->json)
		cli_emit_json(cli, json_pack("{ssso}", "input", in, "outputs", o.list));
	else
		json_decref(o.list);
	return ORR_OK;
}
