/* subsys_vision.c - the vision subsystem's job kinds.
 *
 * run() does the image work outside any transaction: it reads the product
 * and its source images, composes, and writes each file atomically under
 * the output directory (args.out, else assets/ beside the database), one
 * directory per product.  It lists what it wrote in the job's result;
 * commit() then records each file as a 'produced' asset and emits its
 * asset.ready, in the transaction that marks the job succeeded.  A job run
 * again (after a crash) rewrites the same paths and updates the same rows. */
#include "subsys_vision.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "jobs.h"
#include "store.h"
#include "store_asset.h"
#include "store_event.h"
#include "store_row.h"
#include "subsys_manual.h"
#include "vision.h"
#include "vision_compose.h"
#include "vision_check.h"
#include "vision_preset.h"
#include "xalloc.h"

/* Not an error: the product has no local image to work from (only URLs,
 * or none), so a job triggered for every new product finishes without
 * output instead of dying; its result says why. */
#define RC_SKIP 1

/* ---- paths -------------------------------------------------------------- */

/* The database's directory, absolute: produced assets' uris are paths
 * that stay valid from any working directory. */
static char *db_dir(struct store *st)
{
	char *copy = xstrdup(store_path(st));
	char *dir = realpath(dirname(copy), NULL);
	if (!dir) /* vanished under us: the relative form still names it */
		dir = xstrdup(dirname(copy));
	free(copy);
	return dir;
}

/* A relative path is taken from the database's directory. */
static char *resolve(struct store *st, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char *dir = db_dir(st);
	char *full = xasprintf("%s/%s", dir, path);
	free(dir);
	return full;
}

char *vision_asset_path(struct store *st, const char *uri, char **err)
{
	if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0) {
		*err = xasprintf("%s: a URL; orrery does not fetch images, give a local file", uri);
		return NULL;
	}
	if (strncmp(uri, "file://", 7) == 0)
		uri += 7;
	if (!*uri) {
		*err = xstrdup("an empty image path");
		return NULL;
	}
	return resolve(st, uri);
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

/* FNV-1a 64 of the file (the checksum ingest uses for sources) and its size. */
static int file_checksum(const char *path, char hex[17], int64_t *bytes)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint64_t h = 1469598103934665603ULL;
	unsigned char buf[65536];
	size_t n;
	*bytes = 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		for (size_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ULL;
		*bytes += (int64_t)n;
	}
	int bad = ferror(f);
	fclose(f);
	snprintf(hex, 17, "%016llx", (unsigned long long)h);
	return bad ? -1 : 0;
}

/* ---- one job ------------------------------------------------------------- */

struct vjob {
	struct job_ctx *ctx;
	json_t *product;   /* the product's row, or NULL */
	int64_t product_id;
	char *outdir;      /* where this job's files go */
	json_t *assets;    /* what it wrote: [{product_ids, preset, uri, ...}] */
	const char *preset; /* the preset column of the next file; NULL: its label */
};

static void vjob_free(struct vjob *j)
{
	json_decref(j->product);
	json_decref(j->assets);
	free(j->outdir);
}

/* Bad input cannot get better by retrying; a missing libvips or a full
 * disk can. */
static enum job_status rc_status(int rc)
{
	return rc == ORR_DATAERR || rc == ORR_NOINPUT || rc == ORR_USAGE ? JOB_PERMANENT
									  : JOB_RETRY;
}

static enum job_status fail_rc(struct job_ctx *ctx, int rc, char *why)
{
	enum job_status s = job_fail(ctx, rc_status(rc), "%s: %s", ctx->kind->name,
				     why ? why : "failed");
	free(why);
	return s;
}

static int64_t arg_id(const json_t *args, const char *name)
{
	json_t *v = json_object_get(args, name);
	if (json_is_string(v)) {
		char *end;
		long long id = strtoll(json_string_value(v), &end, 10);
		return *end || id < 1 ? -1 : id;
	}
	return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : -1;
}

static const char *arg_str(const json_t *args, const char *name)
{
	return json_string_value(json_object_get(args, name));
}

/* Where the job's next files go (made when the first is saved, so a job
 * that writes nothing leaves no directory). */
static int vjob_outdir(struct vjob *j, const char *leaf, char **why)
{
	(void)why;
	free(j->outdir);
	const char *out = arg_str(j->ctx->args, "out");
	char *base = out ? resolve(j->ctx->st, out) : NULL;
	if (!base) {
		char *dir = db_dir(j->ctx->st);
		base = xasprintf("%s/assets", dir);
		free(dir);
	}
	j->outdir = xasprintf("%s/%s", base, leaf);
	free(base);
	return ORR_OK;
}

/* The product of args.product_id, its row loaded and its directory made. */
static int vjob_start(struct vjob *j, struct job_ctx *ctx, char **why)
{
	*j = (struct vjob){ .ctx = ctx, .assets = json_array() };
	j->product_id = arg_id(ctx->args, "product_id");
	if (j->product_id < 0) {
		*why = xstrdup("args.product_id must be a product id");
		return ORR_USAGE;
	}
	j->product = store_row_get(ctx->st, "product", j->product_id);
	if (!j->product) {
		*why = xasprintf("product %lld does not exist", (long long)j->product_id);
		return ORR_DATAERR;
	}
	char leaf[32];
	snprintf(leaf, sizeof leaf, "%lld", (long long)j->product_id);
	return vjob_outdir(j, leaf, why);
}

/* List the file at path for commit() against every product in
 * product_ids (NULL: the job's product). */
static int vjob_list_file(struct vjob *j, const char *path, const char *label, int width,
			  int height, const json_t *product_ids, char **why)
{
	char sum[17];
	int64_t bytes = 0;
	if (file_checksum(path, sum, &bytes) != 0) {
		*why = xasprintf("%s: %s", path, strerror(errno));
		return ORR_IOERR;
	}
	json_t *ids = product_ids ? json_deep_copy(product_ids)
				  : json_pack("[I]", (json_int_t)j->product_id);
	json_array_append_new(j->assets,
		json_pack("{sosssssIsisisIss}", "product_ids", ids, "preset",
			  j->preset ? j->preset : label, "uri", path,
			  "job_id", (json_int_t)j->ctx->id, "width", width, "height", height,
			  "bytes", (json_int_t)bytes, "checksum", sum));
	job_log(j->ctx, "wrote %s (%dx%d, %lld bytes)", path, width, height, (long long)bytes);
	return ORR_OK;
}

/* Save img as <outdir>/<label>.<ext> and list it. */
static int vjob_save(struct vjob *j, const char *label, const struct vision_image *img,
		     const struct vision_encode *enc, const json_t *product_ids, char **why)
{
	if (mkdir_p(j->outdir) != 0) {
		*why = xasprintf("%s: %s", j->outdir, strerror(errno));
		return ORR_IOERR;
	}
	char *path = xasprintf("%s/%s.%s", j->outdir, label, vision_format_ext(enc->format));
	int rc = vision_save(img, enc, path, why);
	if (rc == ORR_OK)
		rc = vjob_list_file(j, path, label, img->width, img->height, product_ids, why);
	free(path);
	return rc;
}

static enum job_status vjob_done(struct vjob *j)
{
	j->ctx->result = json_pack("{sO}", "assets", j->assets);
	vjob_free(j);
	return JOB_DONE;
}

static enum job_status vjob_fail(struct vjob *j, int rc, char *why)
{
	if (rc == RC_SKIP) {
		job_log(j->ctx, "nothing to do: %s", why);
		j->ctx->result = json_pack("{sss[]}", "skipped", why, "assets");
		free(why);
		vjob_free(j);
		return JOB_DONE;
	}
	vjob_free(j);
	return fail_rc(j->ctx, rc, why);
}

/* ---- the product's images ---------------------------------------------------- */

static bool alt_says_inside(const json_t *asset)
{
	const char *alt = json_string_value(json_object_get(asset, "alt_text"));
	return alt && (strcasestr(alt, "inside") || strcasestr(alt, "neck"));
}

/* The first local source image of the product (inside: the first whose
 * alt text says inside/neck, for the ghost mannequin; otherwise the first
 * that does not). */
static char *product_image(struct store *st, int64_t product_id, bool inside, char **why)
{
	json_t *rows = NULL;
	if (asset_sources(st, product_id, &rows, why) != ORR_OK)
		return NULL;
	char *path = NULL, *first_err = NULL;
	size_t i;
	json_t *a;
	json_array_foreach(rows, i, a) {
		if (alt_says_inside(a) != inside)
			continue;
		char *e = NULL;
		path = vision_asset_path(st, json_string_value(json_object_get(a, "uri")), &e);
		if (path)
			break;
		if (!first_err)
			first_err = e;
		else
			free(e);
	}
	json_decref(rows);
	if (!path && !inside)
		*why = first_err ? xasprintf("product %lld has no local source image (%s)",
					     (long long)product_id, first_err)
				 : xasprintf("product %lld has no source image", (long long)product_id);
	free(first_err);
	return path;
}

/* The product's main local image: ORR_OK with *path, RC_SKIP when it has
 * none, or an error. */
static int main_image(struct store *st, int64_t product_id, char **path, char **why)
{
	*path = product_image(st, product_id, false, why);
	if (*path)
		return ORR_OK;
	return *why && (strstr(*why, "no local source image") || strstr(*why, "no source image"))
		       ? RC_SKIP
		       : ORR_SOFTWARE;
}

char *vision_job_input(struct store *st, const char *kind, const json_t *args, char **err)
{
	static const char *const named[] = { "path", "front", "product_path" };
	for (size_t i = 0; i < sizeof named / sizeof *named; i++)
		if (arg_str(args, named[i]))
			return resolve(st, arg_str(args, named[i]));
	/* a marketplace job on source assets starts from the first of them */
	int64_t asset = arg_id(args, "asset_id");
	json_t *ids = json_object_get(args, "asset_ids");
	if (asset < 0 && json_is_integer(json_array_get(ids, 0)))
		asset = json_integer_value(json_array_get(ids, 0));
	if (asset > 0) {
		json_t *a = store_row_get(st, "asset", asset);
		char *path = a ? vision_asset_path(st, json_string_value(json_object_get(a, "uri")), err)
			       : NULL;
		if (!a)
			*err = xasprintf("asset %lld does not exist", (long long)asset);
		json_decref(a);
		return path;
	}
	int64_t id = arg_id(args, "product_id");
	if (id < 0 && strcmp(kind, "vision.group") == 0)
		id = json_integer_value(json_array_get(json_object_get(args, "product_ids"), 0));
	if (id < 1) {
		*err = xstrdup("the job names no product and no image");
		return NULL;
	}
	return product_image(st, id, false, err);
}

static const struct vision_encode jpeg90 = { VISION_JPEG, 90 };

/* ---- rendering: one image per kind, in memory ------------------------------- */

/* What a render reads: the database, the job's args and its product. */
struct job_in {
	struct store *st;
	const json_t *args;
	int64_t product_id; /* 0 for a group */
	const json_t *product;
};

/* args.<name> (resolved), else the product's main image. */
static int in_path(const struct job_in *in, const char *name, char **path, char **why)
{
	const char *given = arg_str(in->args, name);
	if (given) {
		*path = resolve(in->st, given);
		return ORR_OK;
	}
	return main_image(in->st, in->product_id, path, why);
}

static char *in_optional(const struct job_in *in, const char *name)
{
	const char *given = arg_str(in->args, name);
	return given ? resolve(in->st, given) : NULL;
}

static int ghost_render(const struct job_in *in, struct vision_image **out, char **why)
{
	const char *key = arg_str(in->args, "key");
	struct compose_ghost g = { .tolerance = json_number_value(json_object_get(in->args, "tolerance")) };
	if (key && !(g.has_key = compose_parse_rgb(key, g.key))) {
		*why = xasprintf("args.key \"%s\" is not a colour RRGGBB", key);
		return ORR_USAGE;
	}
	char *front = NULL;
	int rc = in_path(in, "front", &front, why);
	if (rc != ORR_OK)
		return rc;
	char *inside = in_optional(in, "inside");
	if (!inside)
		inside = product_image(in->st, in->product_id, true, why);
	char *mask = in_optional(in, "mask");
	g.front = front;
	g.inside = inside;
	g.mannequin_mask = mask;
	struct vision_image *cut = NULL;
	rc = compose_ghost(&g, &cut, why);
	if (rc == ORR_OK)
		rc = compose_on_canvas(cut, &compose_canvas_white, out, why);
	vision_image_free(cut);
	free(front);
	free(inside);
	free(mask);
	return rc;
}

static int lifestyle_render(const struct job_in *in, struct vision_image **out, char **why)
{
	const char *scene = arg_str(in->args, "scene"), *box = arg_str(in->args, "box");
	struct compose_lifestyle l = { .shadow = json_number_value(json_object_get(in->args, "shadow")) };
	if (!scene || !box || !compose_parse_scene_box(box, &l)) {
		*why = xstrdup("args.scene (an image) and args.box (\"x,y,w,h\") are required");
		return ORR_USAGE;
	}
	char *product = NULL;
	int rc = in_path(in, "product_path", &product, why);
	if (rc != ORR_OK)
		return rc;
	char *scene_path = resolve(in->st, scene);
	l.product = product;
	l.scene = scene_path;
	rc = compose_lifestyle(&l, out, why);
	free(product);
	free(scene_path);
	return rc;
}

/* "19.99 EUR" from args.price, or the price of args.variant_id, or NULL. */
static char *poster_price(struct store *st, const json_t *args)
{
	const char *given = arg_str(args, "price");
	if (given)
		return xstrdup(given);
	int64_t vid = arg_id(args, "variant_id");
	json_t *v = vid > 0 ? store_row_get(st, "variant", vid) : NULL;
	if (!v)
		return NULL;
	json_t *minor = json_object_get(v, "price_minor");
	const char *cur = json_string_value(json_object_get(v, "currency"));
	char *s = json_is_integer(minor)
			  ? xasprintf("%lld.%02lld%s%s", (long long)(json_integer_value(minor) / 100),
				      (long long)(json_integer_value(minor) % 100), cur ? " " : "",
				      cur ? cur : "")
			  : NULL;
	json_decref(v);
	return s;
}

static int poster_render(const struct job_in *in, struct vision_image **out, char **why)
{
	const char *headline = arg_str(in->args, "headline");
	if (!headline)
		headline = json_string_value(json_object_get(in->product, "title"));
	const char *cta = arg_str(in->args, "cta");
	char *product = NULL;
	int rc = in_path(in, "product_path", &product, why);
	if (rc != ORR_OK)
		return rc;
	char *price = poster_price(in->st, in->args);
	struct compose_poster p = {
		.product = product, .headline = headline, .price = price,
		.cta = cta ? cta : "Shop now",
		.width = (int)json_integer_value(json_object_get(in->args, "width")),
		.height = (int)json_integer_value(json_object_get(in->args, "height")),
	};
	rc = compose_poster(&p, out, why);
	free(product);
	free(price);
	return rc;
}

/* ---- group shot --------------------------------------------------------------------- */

#define GROUP_MAX 12

struct group_input {
	struct compose_item items[GROUP_MAX];
	char *paths[GROUP_MAX];
	int n;
	json_t *ids;
};

static void group_input_free(struct group_input *g)
{
	for (int i = 0; i < g->n; i++)
		free(g->paths[i]);
	json_decref(g->ids);
}

/* Each product's first image and real height (products.height_cm). */
static int group_collect(struct store *st, const json_t *args, struct group_input *g, char **why)
{
	json_t *ids = json_object_get(args, "product_ids");
	size_t n = json_array_size(ids);
	g->ids = json_array();
	if (!json_is_array(ids) || n < 2 || n > GROUP_MAX) {
		*why = xasprintf("args.product_ids must be an array of 2 to %d product ids", GROUP_MAX);
		return ORR_USAGE;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(ids, i);
		int64_t id = json_is_integer(v) ? json_integer_value(v) : -1;
		json_t *p = id > 0 ? store_row_get(st, "product", id) : NULL;
		if (!p) {
			*why = xasprintf("args.product_ids[%zu]: no such product", i);
			return ORR_DATAERR;
		}
		g->items[g->n].height_cm = (double)json_integer_value(json_object_get(p, "height_cm"));
		json_decref(p);
		g->paths[g->n] = product_image(st, id, false, why);
		if (!g->paths[g->n])
			return ORR_DATAERR;
		g->items[g->n].path = g->paths[g->n];
		g->n++;
		json_array_append_new(g->ids, json_integer(id));
	}
	return ORR_OK;
}

static int group_render_ids(const struct job_in *in, struct group_input *g,
			    struct vision_image **out, char **why)
{
	int rc = group_collect(in->st, in->args, g, why);
	struct compose_canvas c = compose_canvas_white;
	c.shadow = 0.35;
	return rc == ORR_OK ? compose_group(g->items, g->n, &c, out, why) : rc;
}

static int group_render(const struct job_in *in, struct vision_image **out, char **why)
{
	struct group_input g = { .n = 0 };
	int rc = group_render_ids(in, &g, out, why);
	group_input_free(&g);
	return rc;
}

/* ---- the kinds' run() ------------------------------------------------------------------- */

typedef int (*render_fn)(const struct job_in *in, struct vision_image **out, char **why);

/* One product, one image: start, render, save as <label>.jpg. */
static enum job_status run_single(struct job_ctx *ctx, render_fn render, const char *label)
{
	struct vjob j;
	char *why = NULL;
	int rc = vjob_start(&j, ctx, &why);
	if (rc != ORR_OK)
		return vjob_fail(&j, rc, why);
	struct job_in in = { ctx->st, ctx->args, j.product_id, j.product };
	struct vision_image *out = NULL;
	if ((rc = render(&in, &out, &why)) == ORR_OK)
		rc = vjob_save(&j, label, out, &jpeg90, NULL, &why);
	vision_image_free(out);
	return rc == ORR_OK ? vjob_done(&j) : vjob_fail(&j, rc, why);
}

static enum job_status ghost_run(struct job_ctx *ctx)
{
	return run_single(ctx, ghost_render, "ghost-mannequin");
}

static enum job_status lifestyle_run(struct job_ctx *ctx)
{
	return run_single(ctx, lifestyle_render, "lifestyle");
}

static enum job_status poster_run(struct job_ctx *ctx)
{
	return run_single(ctx, poster_render, "poster");
}

/* The group's file goes to groups/ and is recorded for every product. */
static enum job_status group_run(struct job_ctx *ctx)
{
	struct vjob j = { .ctx = ctx, .assets = json_array() };
	struct group_input g = { .n = 0 };
	struct job_in in = { ctx->st, ctx->args, 0, NULL };
	struct vision_image *out = NULL;
	char *why = NULL;
	int rc = group_render_ids(&in, &g, &out, &why);
	char leaf[64] = "group";
	for (int i = 0; rc == ORR_OK && i < g.n && strlen(leaf) < 40; i++)
		snprintf(leaf + strlen(leaf), sizeof leaf - strlen(leaf), "-%lld",
			 (long long)json_integer_value(json_array_get(g.ids, (size_t)i)));
	j.preset = "group";
	if (rc == ORR_OK && (rc = vjob_outdir(&j, "groups", &why)) == ORR_OK)
		rc = vjob_save(&j, leaf, out, &jpeg90, g.ids, &why);
	vision_image_free(out);
	group_input_free(&g);
	return rc == ORR_OK ? vjob_done(&j) : vjob_fail(&j, rc, why);
}

/* ---- presets: marketplace images and the page asset set ------------------------------ */

/* The preset's compliance rules on what was just saved: failures go with
 * the file to commit(), which emits asset.check_failed for them. */
static void check_output(struct vjob *j, const struct vision_preset *p, const struct vision_image *out)
{
	struct vision_check_report r;
	vision_check_image(out, p, &r);
	if (r.pass)
		return;
	json_t *failures = json_array();
	for (int i = 0; i < r.nrules; i++)
		if (!r.rules[i].pass)
			json_array_append_new(failures, json_pack("{ssss}", "rule", r.rules[i].rule,
								  "detail", r.rules[i].detail));
	json_t *last = json_array_get(j->assets, json_array_size(j->assets) - 1);
	json_object_set_new(last, "check_failed", failures);
	/* how a fix names the preset again: the job's own argument (a built-in
	 * name or a preset file), else the name */
	const char *ref = arg_str(j->ctx->args, "preset");
	json_object_set_new(last, "preset_ref", json_string(ref && strcmp(p->name, "zoom") != 0 ? ref : p->name));
	job_log(j->ctx, "%s fails %s's compliance check", json_string_value(json_object_get(last, "uri")),
		p->name);
}

/* Render preset p on img and save it as <outdir of product>/<label>. */
static int preset_save(struct vjob *j, const struct vision_preset *p, const struct vision_image *img,
		       int64_t product_id, const char *label, char **why)
{
	char leaf[32];
	snprintf(leaf, sizeof leaf, "%lld", (long long)product_id);
	struct vision_image *out = NULL;
	struct vision_result res;
	int rc = vjob_outdir(j, leaf, why);
	if (rc == ORR_OK)
		rc = vision_preset_render(p, img, &out, &res, why);
	json_t *ids = json_pack("[I]", (json_int_t)product_id);
	j->preset = p->name;
	if (rc == ORR_OK)
		rc = vjob_save(j, label, out, &p->enc, ids, why);
	j->preset = NULL;
	json_decref(ids);
	if (rc == ORR_OK)
		check_output(j, p, out);
	vision_image_free(out);
	return rc;
}

/* The source image of asset id: its product and local path. */
static int asset_source(struct store *st, int64_t id, int64_t *product_id, char **path, char **why)
{
	json_t *a = store_row_get(st, "asset", id);
	if (!a) {
		*why = xasprintf("asset %lld does not exist", (long long)id);
		return ORR_DATAERR;
	}
	*product_id = json_integer_value(json_object_get(a, "product_id"));
	*path = vision_asset_path(st, json_string_value(json_object_get(a, "uri")), why);
	json_decref(a);
	return *path ? ORR_OK : ORR_DATAERR;
}

/* One source image (a product's main one, or an asset) through the preset. */
static int marketplace_one(struct vjob *j, const struct vision_preset *p, const char *path,
			   int64_t product_id, int64_t asset_id, char **why)
{
	struct vision_image *img = NULL;
	int rc = vision_load(path, &p->limits, &img, why);
	char label[96];
	if (asset_id)
		snprintf(label, sizeof label, "%s-asset%lld", p->name, (long long)asset_id);
	else
		snprintf(label, sizeof label, "%s", p->name);
	if (rc == ORR_OK)
		rc = preset_save(j, p, img, product_id, label, why);
	vision_image_free(img);
	return rc;
}

/* args.asset_ids (an audit finding's examples), args.asset_id, or the
 * product's main image. */
static int marketplace_all(struct vjob *j, const struct vision_preset *p, char **why)
{
	const json_t *args = j->ctx->args;
	json_t *ids = json_object_get(args, "asset_ids");
	json_t *one = json_object_get(args, "asset_id");
	if (!ids && !one) {
		int rc = vjob_start(j, j->ctx, why);
		char *path = NULL;
		if (rc == ORR_OK)
			rc = main_image(j->ctx->st, j->product_id, &path, why);
		if (rc == ORR_OK)
			rc = marketplace_one(j, p, path, j->product_id, 0, why);
		free(path);
		return rc;
	}
	j->assets = json_array();
	json_t *list = ids ? json_incref(ids) : json_pack("[O]", one);
	int rc = json_array_size(list) ? ORR_OK : ORR_USAGE;
	if (rc != ORR_OK)
		*why = xstrdup("args.asset_ids is empty");
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		int64_t id = json_is_integer(v) ? json_integer_value(v) : -1, product_id = 0;
		char *path = NULL;
		if (rc == ORR_OK && id < 1) {
			*why = xasprintf("args.asset_ids[%zu] is not an asset id", i);
			rc = ORR_USAGE;
		}
		if (rc == ORR_OK && (rc = asset_source(j->ctx->st, id, &product_id, &path, why)) == ORR_OK)
			rc = marketplace_one(j, p, path, product_id, id, why);
		free(path);
		job_progress(j->ctx, (int)((i + 1) * 100 / json_array_size(list)));
		if (rc != ORR_OK)
			break;
	}
	json_decref(list);
	return rc;
}

static enum job_status marketplace_run(struct job_ctx *ctx)
{
	struct vjob j = { .ctx = ctx }; /* vjob_start, or below, makes the list */
	const char *name = arg_str(ctx->args, "preset");
	struct vision_preset p;
	char *why = NULL;
	int rc = vision_preset_find(name ? name : "amazon-main", &p, &why);
	if (rc == ORR_OK)
		rc = marketplace_all(&j, &p, &why);
	return rc == ORR_OK ? vjob_done(&j) : vjob_fail(&j, rc, why);
}

/* One output of the asset set: saved, listed, checked. */
static int set_save(void *ctx, const struct vision_preset *p, const struct vision_image *canvas,
		    char **why)
{
	struct vjob *j = ctx;
	if (j->ctx->stop && *j->ctx->stop)
		return -1; /* released, not failed */
	char leaf[32];
	snprintf(leaf, sizeof leaf, "%lld", (long long)j->product_id);
	json_t *ids = json_pack("[I]", (json_int_t)j->product_id);
	j->preset = p->name;
	int rc = vjob_outdir(j, leaf, why);
	if (rc == ORR_OK)
		rc = vjob_save(j, p->name, canvas, &p->enc, ids, why);
	j->preset = NULL;
	json_decref(ids);
	if (rc == ORR_OK)
		check_output(j, p, canvas);
	int done = (int)json_array_size(j->assets) * 100 / 7; /* six presets and the zoom */
	job_progress(j->ctx, done > 100 ? 100 : done);
	return rc;
}

static enum job_status asset_set_run(struct job_ctx *ctx)
{
	struct vjob j;
	char *why = NULL, *path = NULL;
	struct vision_image *img = NULL;
	int rc = vjob_start(&j, ctx, &why);
	if (rc == ORR_OK)
		rc = main_image(ctx->st, j.product_id, &path, &why);
	if (rc == ORR_OK)
		rc = vision_load(path, NULL, &img, &why);
	if (rc == ORR_OK)
		rc = compose_asset_set(img, set_save, &j, &why);
	vision_image_free(img);
	free(path);
	if (rc == -1) {
		vjob_free(&j);
		return JOB_RELEASE;
	}
	return rc == ORR_OK ? vjob_done(&j) : vjob_fail(&j, rc, why);
}

/* The "after" of a marketplace job or an asset set: the preset (the
 * first, for a set) on the job's input. */
static int preset_render_in(const struct job_in *in, struct vision_image **out, char **why)
{
	const char *name = arg_str(in->args, "preset");
	struct vision_preset p;
	int rc = vision_preset_find(name ? name : "amazon-main", &p, why);
	char *path = NULL;
	if (rc == ORR_OK) {
		int64_t asset = arg_id(in->args, "asset_id"), pid = 0;
		json_t *ids = json_object_get(in->args, "asset_ids");
		if (asset < 0 && json_array_size(ids))
			asset = json_integer_value(json_array_get(ids, 0));
		if (asset > 0)
			rc = asset_source(in->st, asset, &pid, &path, why);
		else
			rc = main_image(in->st, in->product_id, &path, why);
	}
	struct vision_image *img = NULL;
	if (rc == ORR_OK)
		rc = vision_load(path, &p.limits, &img, why);
	struct vision_result res;
	if (rc == ORR_OK)
		rc = vision_preset_render(&p, img, out, &res, why);
	vision_image_free(img);
	free(path);
	return rc;
}

/* ---- previews ------------------------------------------------------------------------------ */

static const struct {
	const char *kind;
	render_fn render;
} renders[] = {
	{ "vision.marketplace", preset_render_in },
	{ "vision.asset_set", preset_render_in },
	{ "vision.ghost_mannequin", ghost_render },
	{ "vision.lifestyle", lifestyle_render },
	{ "vision.poster", poster_render },
	{ "vision.group", group_render },
};

int vision_job_render(struct store *st, const char *kind, const json_t *args,
		      struct vision_image **out, char **why)
{
	for (size_t i = 0; i < sizeof renders / sizeof *renders; i++) {
		if (strcmp(renders[i].kind, kind) != 0)
			continue;
		struct job_in in = { st, args, arg_id(args, "product_id"), NULL };
		json_t *product = in.product_id > 0 ? store_row_get(st, "product", in.product_id) : NULL;
		in.product = product;
		bool needs_product = renders[i].render != group_render &&
				     !json_object_get(args, "asset_id") &&
				     !json_object_get(args, "asset_ids");
		int rc = ORR_OK;
		if (needs_product && !product) {
			*why = xasprintf("product %lld does not exist", (long long)in.product_id);
			rc = ORR_DATAERR;
		}
		if (rc == ORR_OK)
			rc = renders[i].render(&in, out, why);
		json_decref(product);
		return rc == RC_SKIP ? ORR_DATAERR : rc;
	}
	*why = xasprintf("%s: not an image job orrery can preview", kind);
	return ORR_USAGE;
}

/* ---- commit: rows and events --------------------------------------------------------- */

/* asset.check_failed: the produced image breaks its preset's rules. */
static enum orr_rc announce_failure(struct job_ctx *ctx, const json_t *a, int64_t product_id,
				    int64_t asset_id, json_t *failures, char **err)
{
	json_t *payload = json_pack("{sIsIsOsOsOsOsI}", "asset_id", (json_int_t)asset_id, "product_id",
				    (json_int_t)product_id, "preset", json_object_get(a, "preset"),
				    "preset_ref", json_object_get(a, "preset_ref"), "uri",
				    json_object_get(a, "uri"), "failures", failures, "job_id",
				    (json_int_t)ctx->id);
	char *text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	struct event_new ev = { .type = "asset.check_failed", .entity = "product",
				.entity_id = product_id, .payload = text,
				.cause_id = ctx->event_id, .depth = ctx->depth + 1 };
	enum orr_rc rc = event_append(ctx->st, &ev, clock_now(ctx->clock), NULL, err);
	free(text);
	return rc;
}

static enum orr_rc record_one(struct job_ctx *ctx, const json_t *a, int64_t product_id,
			      int64_t *asset_id, char **err)
{
	struct asset_produced p = {
		.product_id = product_id,
		.preset = json_string_value(json_object_get(a, "preset")),
		.uri = json_string_value(json_object_get(a, "uri")),
		.width = (int)json_integer_value(json_object_get(a, "width")),
		.height = (int)json_integer_value(json_object_get(a, "height")),
		.bytes = json_integer_value(json_object_get(a, "bytes")),
		.checksum = json_string_value(json_object_get(a, "checksum")),
	};
	enum orr_rc rc = asset_record_produced(ctx->st, &p, asset_id, err);
	if (rc != ORR_OK)
		return rc;
	json_t *payload = json_pack("{sIsIsssssisisIsI}", "asset_id", (json_int_t)*asset_id,
				    "product_id", (json_int_t)product_id, "preset", p.preset, "uri",
				    p.uri, "width", p.width, "height", p.height, "bytes",
				    (json_int_t)p.bytes, "job_id", (json_int_t)ctx->id);
	char *text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	struct event_new ev = { .type = "asset.ready", .entity = "product",
				.entity_id = product_id, .payload = text,
				.cause_id = ctx->event_id, .depth = ctx->depth + 1 };
	rc = event_append(ctx->st, &ev, clock_now(ctx->clock), NULL, err);
	free(text);
	json_t *failures = json_object_get(a, "check_failed");
	if (rc == ORR_OK && failures)
		rc = announce_failure(ctx, a, product_id, *asset_id, failures, err);
	return rc;
}

static enum orr_rc vision_commit(struct job_ctx *ctx, char **err)
{
	json_t *assets = json_object_get(ctx->result, "assets");
	size_t i, k;
	json_t *a, *pid;
	json_array_foreach(assets, i, a) {
		json_t *ids = json_array();
		json_array_foreach(json_object_get(a, "product_ids"), k, pid) {
			int64_t asset_id = 0;
			enum orr_rc rc = record_one(ctx, a, json_integer_value(pid), &asset_id, err);
			if (rc != ORR_OK) {
				json_decref(ids);
				return rc;
			}
			json_array_append_new(ids, json_integer(asset_id));
		}
		json_object_set_new(a, "asset_ids", ids);
	}
	return ORR_OK;
}

/* ---- the subsystem ---------------------------------------------------------------------- */

static const struct job_kind vision_kinds[] = {
	{ "vision.marketplace",
	  "one preset on a product's main image, or on source images by asset (args: preset, "
	  "default amazon-main; product_id, or asset_id, or asset_ids)",
	  marketplace_run, vision_commit },
	{ "vision.asset_set",
	  "the page asset set of a product: every preset plus a zoom image, from one decode of "
	  "its main image (args: product_id)",
	  asset_set_run, vision_commit },
	{ "vision.ghost_mannequin",
	  "the garment without its mannequin on white (args: product_id; key RRGGBB, the "
	  "mannequin's colour, or mask, a file; optional front, inside)",
	  ghost_run, vision_commit },
	{ "vision.lifestyle",
	  "the product cut out and placed in a scene (args: product_id, scene, box \"x,y,w,h\"; "
	  "optional shadow 0..1, product_path)",
	  lifestyle_run, vision_commit },
	{ "vision.group",
	  "products side by side at one scale from their real heights, with a shared shadow "
	  "(args: product_ids, 2 to 12)",
	  group_run, vision_commit },
	{ "vision.poster",
	  "an ad poster: product, headline, price, call to action (args: product_id; optional "
	  "headline (default the title), price or variant_id, cta, width, height)",
	  poster_run, vision_commit },
};

static const char *const vision_consumes[] = { "product.created", "audit.finding",
					       "asset.check_failed", NULL };
static const char *const vision_produces[] = { "asset.ready", "asset.check_failed", NULL };

const struct subsystem subsys_vision = {
	.name = "vision",
	.purpose = "product images: marketplace presets, ghost mannequin, lifestyle, group, posters",
	.consumes = vision_consumes,
	.produces = vision_produces,
	.kinds = vision_kinds,
	.nkinds = sizeof vision_kinds / sizeof *vision_kinds,
	.retry = { .max_attempts = 3, .base_ms = 2000, .cap_ms = 60000 },
	/* bad images fail jobs too (permanently): a batch of them should not
	 * stop the good ones, so only a long run of failures opens it */
	.breaker = { .consecutive = 10, .window_min = 20, .ratio_pct = 80, .window_ms = 600000,
		     .cooldown_ms = 30000 },
	.fallback = "opens a manual task with the error: the product keeps its source images",
	.on_dead = manual_task_for_dead_job,
};
