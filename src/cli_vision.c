/* cli_vision.c - `orrery vision`: image presets, batch processing with N
 * threads, compliance checks, masks.  Subcommands are rows of one table. */
#include "cli_vision.h"
#include "cli_vision_compose.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rc.h"
#include "vision.h"
#include "vision_check.h"
#include "vision_preset.h"
#include "xalloc.h"

#define MAX_JOBS 64

static int cmd_vision(struct cli *cli);
static int vision_presets_cmd(struct cli *cli);
static int vision_process_cmd(struct cli *cli);
static int vision_check_cmd(struct cli *cli);
static int vision_mask_cmd(struct cli *cli);

static const struct cli_vision_sub subs[] = {
	{ "presets", "presets [--format json]", "the presets: canvas, format, occupancy, steps", "format",
	  vision_presets_cmd },
	{ "process", "process FILE... --preset NAME --out DIR [--jobs N] [--progress] [--format json]",
	  "one output image per input, written into DIR", "preset out jobs progress format", vision_process_cmd },
	{ "check", "check FILE... --preset NAME [--format json]",
	  "compliance with a preset: size, format, pure border, occupancy", "preset format", vision_check_cmd },
	{ "mask", "mask FILE --out MASK.png [--format json]", "the computed product mask as a grey PNG",
	  "out format", vision_mask_cmd },
	{ "ghost", "ghost FRONT --mannequin RRGGBB|MASK --out FILE [--inside FILE] [--format json]",
	  "the garment without its mannequin, on white", "mannequin inside out format progress",
	  cli_vision_ghost },
	{ "lifestyle", "lifestyle PRODUCT --scene FILE --box X,Y,W,H --out FILE [--shadow S]",
	  "the product cut out and placed in a scene", "scene box shadow out format progress",
	  cli_vision_lifestyle },
	{ "group", "group FILE... --out FILE [--heights CM,CM,...]",
	  "products side by side at one scale, one shared shadow", "heights out format progress",
	  cli_vision_group },
	{ "poster", "poster PRODUCT --headline T --out FILE [--price T] [--cta T] [--size WxH]",
	  "an ad poster: product, headline, price, call to action",
	  "headline price cta size out format progress", cli_vision_poster },
	{ "asset-set", "asset-set FILE --out DIR [--format json]",
	  "every preset plus a zoom image of one product photo", "out format progress",
	  cli_vision_asset_set },
};

const struct cli_command cli_vision_commands[] = {
	{ "vision",
	  "vision presets|process|check|mask ... (orrery vision lists the subcommands)",
	  "product images: background to white, presets, compliance, masks",
	  "presets             every preset (data/presets): canvas, format, occupancy, steps\n"
	  "process FILE... --preset NAME --out DIR [--jobs N]\n"
	  "                    run each image through the preset; DIR/NAME.EXT per input\n"
	  "                    (NAME from the input's name); a failed input writes\n"
	  "                    nothing, is named on stderr, and the others go on;\n"
	  "                    --jobs N images at once (threads, default 1)\n"
	  "check FILE... --preset NAME\n"
	  "                    compliance: size, long side, format, the share of border\n"
	  "                    pixels exactly the background colour (must be 100%), the\n"
	  "                    product's share of the frame (target within 2%)\n"
	  "mask FILE --out MASK.png\n"
	  "                    the product mask the cut-out uses (255 product, 0 background)\n"
	  "ghost FRONT --mannequin RRGGBB|MASK --out FILE [--inside FILE]\n"
	  "                    ghost mannequin: the mannequin (its colour, or a mask file\n"
	  "                    light where it is) removed, the neck opening filled with the\n"
	  "                    inside shot or the garment's colour in shade; on white\n"
	  "lifestyle PRODUCT --scene FILE --box X,Y,W,H --out FILE [--shadow 0..1]\n"
	  "                    the product standing in the box of the scene, shadowed and\n"
	  "                    colour-matched to it\n"
	  "group FILE... --out FILE [--heights CM,...]\n"
	  "                    2 to 12 products on one ground line with one shadow, at one\n"
	  "                    scale from their real heights (else drawn equally tall)\n"
	  "poster PRODUCT --headline T --out FILE [--price T] [--cta T] [--size WxH]\n"
	  "                    product, headline, price and a call-to-action button\n"
	  "asset-set FILE --out DIR\n"
	  "                    every preset plus the zoom image (1600-4000 px) into DIR\n\n"
	  "  --preset NAME     a built-in preset, or a preset file (a path, or NAME.json)\n"
	  "  --progress        a progress line on stderr (shown anyway on a terminal)\n"
	  "Images over 100 megapixels are refused from their header, before decoding.\n"
	  "Exit status: process: 0 when every input was written, else the first failed\n"
	  "input's (65 bad image, 66 missing); check: 0 pass, 1 fail.",
	  DB_NONE,
	  { { "preset", true, NULL }, { "out", true, NULL }, { "jobs", true, NULL }, { "progress", false, NULL },
	    OPT_FORMAT_OUT, OPT_HELP, { "mannequin", true, NULL }, { "inside", true, NULL },
	    { "scene", true, NULL }, { "box", true, NULL }, { "shadow", true, NULL }, { "heights", true, NULL },
	    { "headline", true, NULL }, { "price", true, NULL }, { "cta", true, NULL }, { "size", true, NULL } },
	  cmd_vision },
};
const int cli_vision_ncommands = (int)(sizeof cli_vision_commands / sizeof *cli_vision_commands);

/* ---- dispatch ------------------------------------------------------------- */

static void list_subs(FILE *f)
{
	fprintf(f, "usage: orrery vision SUBCOMMAND ...\n\nsubcommands:\n");
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
		fprintf(f, "  %-10s %s\n             orrery vision %s\n", subs[i].name, subs[i].summary,
			subs[i].usage);
}

/* Whether word is one of the space-separated words of list. */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
		p += *p == ' ';
	}
	return false;
}

static int cmd_vision(struct cli *cli)
{
	if (cli->args.npos == 0) {
		list_subs(cli->out);
		return ORR_OK;
	}
	const char *name = cli->args.pos[0];
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
		if (strcmp(subs[i].name, name) != 0)
			continue;
		for (int k = 0; k < cli->args.nopts; k++) {
			const struct cli_opt *o = &cli->args.opts[k];
			if (o->value && strcmp(o->name, "help") != 0 && !in_list(subs[i].options, o->name)) {
				fprintf(cli->errs, "orrery vision %s: --%s does not apply here\nusage: orrery vision %s\n",
					name, o->name, subs[i].usage);
				return ORR_USAGE;
			}
		}
		return subs[i].run(cli);
	}
	fprintf(cli->errs, "orrery vision: no subcommand \"%s\"\n", name);
	list_subs(cli->errs);
	return ORR_USAGE;
}

static int usage_error(struct cli *cli, const char *sub, const char *msg)
{
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
		if (strcmp(subs[i].name, sub) == 0)
			fprintf(cli->errs, "orrery vision %s: %s\nusage: orrery vision %s\n", sub, msg, subs[i].usage);
	return ORR_USAGE;
}

/* The --preset the subcommand needs, or a usage error printed. */
static int need_preset(struct cli *cli, const char *sub, struct vision_preset *p)
{
	const char *name = cli_args_get(&cli->args, "preset");
	if (!name)
		return usage_error(cli, sub, "--preset NAME is required (orrery vision presets lists them)");
	char *why = NULL;
	int rc = vision_preset_find(name, p, &why);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, why);
}

/* ---- presets ---------------------------------------------------------------- */

static json_t *preset_json(const struct vision_preset *p)
{
	char bg[8];
	snprintf(bg, sizeof bg, "#%02x%02x%02x", p->background[0], p->background[1], p->background[2]);
	json_t *steps = json_array();
	static const char *const names[] = { "load", "cutout", "normalise", "shadow", "fit", "sharpen", "encode" };
	for (int i = 0; i < p->nsteps; i++)
		json_array_append_new(steps, json_string(names[p->steps[i].kind]));
	return json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:i, s:f, s:b, s:o}", "name", p->name, "summary",
			 p->summary, "width", p->width, "height", p->height, "background", bg, "format",
			 vision_format_name(p->enc.format), "quality", p->enc.quality, "occupancy", p->occupancy,
			 "supported", vision_format_supported(p->enc.format), "steps", steps);
}

static int vision_presets_cmd(struct cli *cli)
{
	int n;
	struct vision_preset *all = vision_presets(&n);
	if (cli->json) {
		json_t *a = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(a, preset_json(&all[i]));
		cli_emit_json(cli, a);
	} else {
		fprintf(cli->out, "%-12s %-10s %-5s %-9s %s\n", "PRESET", "CANVAS", "FMT", "OCCUPANCY", "SUMMARY");
		for (int i = 0; i < n; i++) {
			char canvas[24];
			snprintf(canvas, sizeof canvas, "%dx%d", all[i].width, all[i].height);
			fprintf(cli->out, "%-12s %-10s %-5s %8.0f%% %s\n", all[i].name, canvas,
				vision_format_name(all[i].enc.format), all[i].occupancy * 100, all[i].summary);
		}
	}
	free(all);
	return ORR_OK;
}

/* ---- process -------------------------------------------------------------- */

struct item {
	const char *in;
	char *out;   /* NULL: refused before processing (why says why) */
	int rc;
	char *why;
	struct vision_result res;
};

struct batch {
	const struct vision_preset *preset;
	struct item *items;
	int n, next, done, failed;
	bool progress;
	FILE *errs;
	pthread_mutex_t lock;
};

/* DIR/NAME.EXT for an input path, NAME being its file name without the
 * extension. */
static char *output_path(const char *dir, const char *in, const char *ext)
{
	const char *base = strrchr(in, '/');
	base = base ? base + 1 : in;
	const char *dot = strrchr(base, '.');
	int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
	return xasprintf("%s/%.*s.%s", dir, len, base, ext);
}

/* Two inputs with one output name (a/x.jpg, b/x.png): the later fails,
 * rather than silently overwrite the earlier. */
static void plan_outputs(struct batch *b, const char *dir)
{
	const char *ext = vision_format_ext(b->preset->enc.format);
	for (int i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		it->out = output_path(dir, it->in, ext);
		for (int j = 0; j < i; j++)
			if (b->items[j].out && strcmp(b->items[j].out, it->out) == 0) {
				it->rc = ORR_DATAERR;
				it->why = xasprintf("%s: its output %s would overwrite that of %s; not processed",
						    it->in, it->out, b->items[j].in);
				free(it->out);
				it->out = NULL;
				break;
			}
	}
}

/* Report one finished item (under the lock). */
static void finished(struct batch *b, struct item *it)
{
	b->done++;
	if (it->rc != ORR_OK) {
		b->failed++;
		fprintf(b->errs, "%sorrery: %s\n", b->progress ? "\r\033[K" : "", it->why);
	}
	if (b->progress)
		fprintf(b->errs, "\r\033[Kvision process: %d/%d images, %d failed", b->done, b->n, b->failed);
}

static void *worker(void *arg)
{
	struct batch *b = arg;
	for (;;) {
		pthread_mutex_lock(&b->lock);
		int i = b->next < b->n ? b->next++ : -1;
		pthread_mutex_unlock(&b->lock);
		if (i < 0)
			break;
		struct item *it = &b->items[i];
		if (it->out)
			it->rc = vision_process(b->preset, it->in, it->out, &it->res, &it->why);
		pthread_mutex_lock(&b->lock);
		finished(b, it);
		pthread_mutex_unlock(&b->lock);
	}
	vision_thread_done();
	return NULL;
}

static void run_batch(struct batch *b, int jobs)
{
	pthread_mutex_init(&b->lock, NULL);
	if (jobs > b->n)
		jobs = b->n;
	/* one image per thread: libvips' own threads would only compete */
	if (jobs > 1)
		vision_set_concurrency(1);
#ifdef __GLIBC__
	/* Image buffers (megabytes each) straight from and back to the kernel:
	 * glibc's default raises its mmap threshold after the first free of
	 * such a block, and each thread's arena then keeps the high-water mark
	 * of every image it ever held.  Fixed, memory follows the images alive. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	pthread_t tid[MAX_JOBS];
	int started = 0;
	for (int t = 1; t < jobs; t++)
		if (pthread_create(&tid[started], NULL, worker, b) == 0)
			started++;
	worker(b);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	if (b->progress)
		fputc('\n', b->errs);
	pthread_mutex_destroy(&b->lock);
}

static void print_results(struct cli *cli, const struct batch *b)
{
	json_t *a = cli->json ? json_array() : NULL;
	for (int i = 0; i < b->n; i++) {
		const struct item *it = &b->items[i];
		if (a) {
			json_t *o = json_pack("{s:s, s:b}", "input", it->in, "ok", it->rc == ORR_OK);
			if (it->rc == ORR_OK)
				json_object_update_new(
					o, json_pack("{s:s, s:i, s:i, s:I, s:f, s:b, s:b}", "output", it->out, "width",
						     it->res.width, "height", it->res.height, "bytes",
						     (json_int_t)it->res.bytes, "occupancy", it->res.occupancy,
						     "mask_from_alpha", it->res.from_alpha, "relit", it->res.normalised));
			else
				json_object_set_new(o, "error", json_string(it->why));
			json_array_append_new(a, o);
		} else if (it->rc == ORR_OK) {
			fprintf(cli->out, "%s -> %s %dx%d %zu bytes\n", it->in, it->out, it->res.width,
				it->res.height, it->res.bytes);
		}
	}
	if (a)
		cli_emit_json(cli, a);
}

/* The output directory, made when missing. */
static int output_dir(struct cli *cli, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? ORR_OK
					   : cli_fail(cli, ORR_USAGE, xasprintf("--out %s is not a directory", dir));
	if (mkdir(dir, 0755) != 0)
		return cli_fail(cli, ORR_IOERR, xasprintf("cannot make %s: %s", dir, strerror(errno)));
	return ORR_OK;
}

static int vision_process_cmd(struct cli *cli)
{
	const char *dir = cli_args_get(&cli->args, "out");
	if (cli->args.npos < 2)
		return usage_error(cli, "process", "no input images");
	if (!dir || !*dir)
		return usage_error(cli, "process", "--out DIR is required");
	long long jobs = cli_number(cli, "jobs", 1);
	if (jobs < 1 || jobs > MAX_JOBS)
		return usage_error(cli, "process", "--jobs takes 1..64");
	struct vision_preset p;
	int rc = need_preset(cli, "process", &p);
	if (rc == ORR_OK)
		rc = output_dir(cli, dir);
	if (rc != ORR_OK)
		return rc;
	struct batch b = { .preset = &p, .n = cli->args.npos - 1, .errs = cli->errs };
	b.progress = cli_args_get(&cli->args, "progress") || isatty(fileno(cli->errs));
	b.items = xcalloc((size_t)b.n, sizeof *b.items);
	for (int i = 0; i < b.n; i++)
		b.items[i].in = cli->args.pos[i + 1];
	plan_outputs(&b, dir);
	run_batch(&b, (int)jobs);
	print_results(cli, &b);
	rc = ORR_OK;
	for (int i = 0; i < b.n; i++) {
		if (rc == ORR_OK)
			rc = b.items[i].rc;
		free(b.items[i].out);
		free(b.items[i].why);
	}
	if (b.failed)
		fprintf(cli->errs, "orrery: vision process: %d of %d images failed\n", b.failed, b.n);
	free(b.items);
	return rc;
}

/* ---- check ---------------------------------------------------------------- */

static json_t *report_json(const char *file, const struct vision_preset *p, const struct vision_check_report *r)
{
	json_t *rules = json_array();
	for (int i = 0; i < r->nrules; i++)
		json_array_append_new(rules, json_pack("{s:s, s:b, s:s}", "rule", r->rules[i].rule, "pass",
						       r->rules[i].pass, "detail", r->rules[i].detail));
	return json_pack("{s:s, s:s, s:b, s:i, s:i, s:s, s:f, s:f, s:o}", "file", file, "preset", p->name, "pass",
			 r->pass, "width", r->width, "height", r->height, "format", r->format, "border_white",
			 r->border_share, "occupancy", r->occupancy, "rules", rules);
}

static void report_text(FILE *f, const char *file, const struct vision_preset *p,
			const struct vision_check_report *r)
{
	fprintf(f, "%s against %s: %s\n", file, p->name, r->pass ? "PASS" : "FAIL");
	for (int i = 0; i < r->nrules; i++)
		fprintf(f, "  %-10s %s  %s\n", r->rules[i].rule, r->rules[i].pass ? "pass" : "FAIL",
			r->rules[i].detail);
}

static int vision_check_cmd(struct cli *cli)
{
	if (cli->args.npos < 2)
		return usage_error(cli, "check", "no image to check");
	struct vision_preset p;
	int rc = need_preset(cli, "check", &p);
	if (rc != ORR_OK)
		return rc;
	json_t *all = cli->json ? json_array() : NULL;
	bool pass = true;
	int first_error = ORR_OK;
	for (int i = 1; i < cli->args.npos; i++) {
		const char *file = cli->args.pos[i];
		struct vision_check_report r;
		char *why = NULL;
		rc = vision_check(file, &p, &r, &why);
		if (rc != ORR_OK) {
			first_error = first_error ? first_error : rc;
			cli_fail(cli, rc, why);
			continue;
		}
		pass &= r.pass;
		if (all)
			json_array_append_new(all, report_json(file, &p, &r));
		else
			report_text(cli->out, file, &p, &r);
	}
	if (all)
		cli_emit_json(cli, cli->args.npos == 2 && json_array_size(all) == 1
					   ? json_incref(json_array_get(all, 0))
					   : json_incref(all));
	json_decref(all);
	return first_error ? first_error : pass ? ORR_OK : 1;
}

/* ---- mask ----------------------------------------------------------------- */

static int vision_mask_cmd(struct cli *cli)
{
	const char *out = cli_args_get(&cli->args, "out");
	if (cli->args.npos != 2)
		return usage_error(cli, "mask", "one input image");
	if (!out || !*out)
		return usage_error(cli, "mask", "--out MASK.png is required");
	const char *file = cli->args.pos[1];
	struct vision_image *img = NULL, *mask = NULL;
	struct vision_mask_info info;
	char *why = NULL;
	int rc = vision_load(file, NULL, &img, &why);
	if (rc == ORR_OK) {
		char *err = NULL;
		rc = vision_mask(img, NULL, &mask, &info, &err);
		if (rc != ORR_OK) {
			why = xasprintf("%s: %s", file, err);
			free(err);
		}
	}
	struct vision_encode png = { VISION_PNG, 0 };
	if (rc == ORR_OK)
		rc = vision_save(mask, &png, out, &why);
	vision_image_free(img);
	vision_image_free(mask);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, why);
	if (cli->json)
		cli_emit_json(cli, json_pack("{s:s, s:s, s:b, s:[f,f,f], s:f, s:{s:i, s:i, s:i, s:i}}", "input", file,
					     "mask", out, "from_alpha", info.from_alpha, "background",
					     info.background[0], info.background[1], info.background[2], "noise",
					     info.noise, "box", "x", info.x, "y", info.y, "width", info.width,
					     "height", info.height));
	else
		fprintf(cli->out, "%s -> %s (product box %dx%d at %d,%d; %s)\n", file, out, info.width, info.height,
			info.x, info.y, info.from_alpha ? "from its alpha channel" : "from colour");
	return ORR_OK;
}
