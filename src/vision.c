/* vision.c - decoding, resampling, composition and encoding of product
 * images.  libvips does the codecs, the colour management, the resampling
 * and the convolutions; the buffers between steps are ours (vision.h), so
 * the mask and composition code (vision_mask.c) is plain C. */
#include "vision.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rc.h"
#include "vips_lazy.h"
#include "xalloc.h"

static pthread_once_t vision_once = PTHREAD_ONCE_INIT;
static const struct vips_api *V; /* NULL until started */
static const char *vision_why = "libvips failed to start";
/* The sRGB profile every output carries, read once from libvips. */
static void *srgb_profile;
static size_t srgb_profile_len;

/* ---- images ------------------------------------------------------------- */

static size_t image_bytes(int width, int height, int bands)
{
	return (size_t)width * (size_t)height * (size_t)bands;
}

struct vision_image *vision_image_new(int width, int height, int bands)
{
	struct vision_image *img = xmalloc(sizeof *img);
	img->width = width;
	img->height = height;
	img->bands = bands;
	img->px = xcalloc(image_bytes(width, height, bands) ? image_bytes(width, height, bands) : 1, 1);
	return img;
}

struct vision_image *vision_image_fill(int width, int height, const unsigned char rgb[3])
{
	struct vision_image *img = xmalloc(sizeof *img);
	img->width = width;
	img->height = height;
	img->bands = 3;
	size_t row = (size_t)width * 3, n = row * (size_t)height;
	img->px = xmalloc(n > 0 ? n : 1);
	for (int x = 0; x < width; x++)
		memcpy(img->px + (size_t)x * 3, rgb, 3);
	for (int y = 1; y < height; y++)
		memcpy(img->px + (size_t)y * row, img->px, row);
	return img;
}

void vision_image_free(struct vision_image *img)
{
	if (!img)
		return;
	free(img->px);
	free(img);
}

/* ---- libvips ------------------------------------------------------------ */

/* libvips' warnings ("not enough data") are dropped: every failure is
 * already reported through *why, and the console owns the terminal. */
static void vision_quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

static void vision_init(void)
{
	const struct vips_api *v = vips_lazy(&vision_why);
	if (!v || v->init("orrery") != 0)
		return;
	/* each image is read once: a cache would only hold memory */
	v->cache_set_max(0);
	v->g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, vision_quiet, NULL);
	VipsBlob *blob = NULL;
	if (v->profile_load("sRGB", &blob, NULL) == 0 && blob) {
		size_t len = 0;
		const void *data = v->area_get_data((VipsArea *)blob, &len, NULL, NULL, NULL);
		if (data && len) {
			srgb_profile = xmalloc(len);
			memcpy(srgb_profile, data, len);
			srgb_profile_len = len;
		}
		v->area_unref((VipsArea *)blob);
	}
	v->error_clear();
	V = v;
}

static int fail(char **why, int rc, char *msg)
{
	if (why)
		*why = msg;
	else
		free(msg);
	return rc;
}

static int vision_start(char **why)
{
	pthread_once(&vision_once, vision_init);
	return V ? ORR_OK : fail(why, ORR_SOFTWARE, xstrdup(vision_why));
}

/* The first line of libvips' error buffer (then cleared), or fallback. */
static char *vips_reason(const char *fallback)
{
	char *buf = V->error_buffer_copy();
	size_t n = strcspn(buf, "\n");
	char *reason = n > 0 ? xstrndup(buf, n) : xstrdup(fallback);
	V->g_free(buf);
	return reason;
}

/* A libvips failure as *why, prefixed with what we were doing. */
static int vips_fail(char **why, int rc, const char *what)
{
	char *reason = vips_reason("unknown error");
	int r = fail(why, rc, xasprintf("%s: %s", what, reason));
	free(reason);
	return r;
}

static void unref(VipsImage *img)
{
	if (img)
		V->g_object_unref(img);
}

/* Our buffer seen by libvips (not copied: img must outlive the result). */
static VipsImage *as_vips(const struct vision_image *img)
{
	return V->image_new_from_memory(img->px, image_bytes(img->width, img->height, img->bands), img->width,
					img->height, img->bands, VIPS_FORMAT_UCHAR);
}

/* The pixels of a uchar libvips image with 1 to 4 bands, as ours. */
static struct vision_image *from_vips(VipsImage *in)
{
	size_t size = 0;
	void *mem = V->image_write_to_memory(in, &size);
	if (!mem)
		return NULL;
	struct vision_image *img = xmalloc(sizeof *img);
	img->width = V->image_get_width(in);
	img->height = V->image_get_height(in);
	img->bands = V->image_get_bands(in);
	img->px = xmalloc(size ? size : 1);
	memcpy(img->px, mem, size);
	V->g_free(mem);
	return img;
}

void vision_set_concurrency(int threads)
{
	if (vision_start(NULL) == ORR_OK)
		V->concurrency_set(threads);
}

void vision_thread_done(void)
{
	if (V)
		V->thread_shutdown();
}

/* ---- loading ------------------------------------------------------------ */

/* The formats a product photo comes in.  libvips also opens SVG, PDF,
 * matrix and raw files: not photos, and not all of those loaders are meant
 * for untrusted input. */
static bool loader_allowed(const char *class_name)
{
	static const char *const ok[] = { "jpegload", "pngload", "webpload", "gifload", "tiffload", "heifload" };
	GType type = class_name ? V->g_type_from_name(class_name) : 0;
	const char *nick = type ? V->nickname_find(type) : NULL;
	if (!nick)
		return false;
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (strcmp(nick, ok[i]) == 0)
			return true;
	return false;
}

/* Missing, unreadable, a directory, empty: said before libvips is asked. */
static int check_file(const char *path, char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(why, ORR_NOINPUT, xasprintf("%s: cannot open: %s", path, strerror(errno)));
	struct stat st;
	int rc = fstat(fd, &st);
	close(fd);
	if (rc != 0)
		return fail(why, ORR_NOINPUT, xasprintf("%s: cannot read: %s", path, strerror(errno)));
	if (S_ISDIR(st.st_mode))
		return fail(why, ORR_DATAERR, xasprintf("%s: is a directory, not an image", path));
	if (st.st_size == 0)
		return fail(why, ORR_DATAERR, xasprintf("%s: empty file (0 bytes), not an image", path));
	return ORR_OK;
}

/* Replace *img by *out when the step succeeded (out is passed by address:
 * the order in which a call's arguments are evaluated is unspecified, and
 * the operation writes *out while it runs). */
static bool step(VipsImage **img, int result, VipsImage **out)
{
	if (result != 0)
		return false;
	unref(*img);
	*img = *out;
	*out = NULL;
	return true;
}

/* Upright, sRGB, 8-bit, at most 4 bands (colour + alpha). */
static bool to_srgb8(VipsImage **img)
{
	VipsImage *out = NULL;
	if (!step(img, V->autorot(*img, &out, NULL), &out))
		return false;
	if (V->image_get_typeof(*img, VIPS_META_ICC_NAME)) {
		/* the embedded profile is the truth about the pixels' colours */
		out = NULL;
		if (!step(img, V->icc_transform(*img, &out, "srgb", "embedded", TRUE, "depth", 8, NULL), &out))
			V->error_clear(); /* a broken profile: fall back to the interpretation */
	}
	if (V->image_get_interpretation(*img) != VIPS_INTERPRETATION_sRGB ||
	    V->image_get_format(*img) != VIPS_FORMAT_UCHAR) {
		out = NULL;
		if (!step(img, V->colourspace(*img, &out, VIPS_INTERPRETATION_sRGB, NULL), &out))
			return false;
	}
	if (V->image_get_format(*img) != VIPS_FORMAT_UCHAR) {
		out = NULL;
		if (!step(img, V->cast(*img, &out, VIPS_FORMAT_UCHAR, NULL), &out))
			return false;
	}
	if (V->image_get_bands(*img) > 4) {
		out = NULL;
		if (!step(img, V->extract_band(*img, &out, 0, "n", 4, NULL), &out))
			return false;
	}
	return true;
}

/* Grey (+alpha) to RGB(A); an alpha channel that is opaque everywhere is
 * dropped, so bands 4 always means a real alpha. */
static void normalise_bands(struct vision_image *img)
{
	size_t n = (size_t)img->width * (size_t)img->height;
	int from = img->bands;
	bool alpha = from == 2 || from == 4;
	if (alpha) {
		bool opaque = true;
		for (size_t i = 0; i < n && opaque; i++)
			opaque = img->px[i * from + from - 1] == 255;
		alpha = !opaque;
	}
	int to = alpha ? 4 : 3;
	if (from == to)
		return;
	unsigned char *px = xmalloc(n * (size_t)to);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *s = img->px + i * from;
		unsigned char *d = px + i * to;
		bool grey = from <= 2;
		d[0] = s[0];
		d[1] = grey ? s[0] : s[1];
		d[2] = grey ? s[0] : s[2];
		if (alpha)
			d[3] = s[from - 1];
	}
	free(img->px);
	img->px = px;
	img->bands = to;
}

int vision_load(const char *path, const struct vision_limits *limits, struct vision_image **out, char **why)
{
	*out = NULL;
	int rc = check_file(path, why);
	if (rc == ORR_OK)
		rc = vision_start(why);
	if (rc != ORR_OK)
		return rc;
	const char *loader = V->foreign_find_load(path);
	if (!loader || !loader_allowed(loader)) {
		V->error_clear();
		return fail(why, ORR_DATAERR,
			    xasprintf("%s: not an image in a format orrery reads (JPEG, PNG, WebP, GIF, "
				      "TIFF, HEIF/AVIF)",
				      path));
	}
	/* lazy: this parses the header only */
	VipsImage *img = V->image_new_from_file(path, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	if (!img)
		return vips_fail(why, ORR_DATAERR, path);
	uint64_t max = limits && limits->max_pixels ? limits->max_pixels : VISION_MAX_PIXELS;
	uint64_t w = (uint64_t)V->image_get_width(img), h = (uint64_t)V->image_get_height(img);
	if (w * h > max) {
		unref(img);
		return fail(why, ORR_DATAERR,
			    xasprintf("%s: %llux%llu pixels is over the limit of %g megapixels; not decoded",
				      path, (unsigned long long)w, (unsigned long long)h, (double)max / 1e6));
	}
	struct vision_image *pixels = NULL;
	if (to_srgb8(&img))
		pixels = from_vips(img);
	if (!pixels) {
		unref(img);
		return vips_fail(why, ORR_DATAERR, path);
	}
	unref(img);
	normalise_bands(pixels);
	*out = pixels;
	return ORR_OK;
}

/* ---- composition -------------------------------------------------------- */

struct vision_box vision_fit(int cw, int ch, int width, int height, double occupancy)
{
	struct vision_box b = { 0, 0, 1, 1 };
	if (cw <= 0 || ch <= 0 || width <= 0 || height <= 0)
		return b;
	double sx = (double)width / cw, sy = (double)height / ch;
	double s = occupancy * (sx < sy ? sx : sy);
	b.width = (int)lround(cw * s);
	b.height = (int)lround(ch * s);
	b.width = b.width < 1 ? 1 : b.width > width ? width : b.width;
	b.height = b.height < 1 ? 1 : b.height > height ? height : b.height;
	b.x = (width - b.width) / 2;
	b.y = (height - b.height) / 2;
	return b;
}

/* in resampled by libvips to exactly width x height (its rounding of the
 * scale can leave a row or column over or short: edges are repeated). */
static struct vision_image *exact_size(struct vision_image *in, int width, int height)
{
	if (in->width == width && in->height == height)
		return in;
	struct vision_image *out = vision_image_new(width, height, in->bands);
	for (int y = 0; y < height; y++) {
		int sy = y < in->height ? y : in->height - 1;
		for (int x = 0; x < width; x++) {
			int sx = x < in->width ? x : in->width - 1;
			memcpy(out->px + ((size_t)y * width + x) * in->bands,
			       in->px + ((size_t)sy * in->width + sx) * in->bands, (size_t)in->bands);
		}
	}
	vision_image_free(in);
	return out;
}

/* img resampled by libvips as plain 8-bit bands (its fast fixed-point
 * path), to exactly width x height. */
static int resize_raw(const struct vision_image *img, int width, int height, struct vision_image **out, char **why)
{
	int rc = vision_start(why);
	if (rc != ORR_OK)
		return rc;
	VipsImage *v = as_vips(img), *t = NULL;
	bool ok = v && step(&v,
			    V->resize(v, &t, (double)width / img->width, "vscale", (double)height / img->height,
				      "kernel", VIPS_KERNEL_LANCZOS3, NULL),
			    &t);
	if (ok && V->image_get_format(v) != VIPS_FORMAT_UCHAR)
		ok = step(&v, V->cast(v, &t, VIPS_FORMAT_UCHAR, NULL), &t);
	struct vision_image *r = ok ? from_vips(v) : NULL;
	unref(v);
	if (!r)
		return vips_fail(why, ORR_SOFTWARE, "resize");
	*out = exact_size(r, width, height);
	return ORR_OK;
}

/* RGBA with straight alpha to premultiplied (colour scaled by alpha), so
 * that resampling does not bleed the colour of transparent pixels. */
static struct vision_image *premultiplied(const struct vision_image *img)
{
	struct vision_image *p = vision_image_new(img->width, img->height, 4);
	size_t n = (size_t)img->width * img->height;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *s = img->px + i * 4;
		unsigned char *d = p->px + i * 4;
		for (int c = 0; c < 3; c++)
			d[c] = (unsigned char)((s[c] * s[3] + 127) / 255);
		d[3] = s[3];
	}
	return p;
}

static void premultiply_in_place(struct vision_image *img)
{
	size_t n = (size_t)img->width * img->height;
	for (size_t i = 0; i < n; i++) {
		unsigned char *d = img->px + i * 4;
		for (int c = 0; c < 3; c++)
			d[c] = (unsigned char)((d[c] * d[3] + 127) / 255);
	}
}

static void unpremultiply(struct vision_image *img)
{
	size_t n = (size_t)img->width * img->height;
	for (size_t i = 0; i < n; i++) {
		unsigned char *d = img->px + i * 4;
		for (int c = 0; c < 3; c++) {
			unsigned v = d[3] ? (d[c] * 255u + d[3] / 2) / d[3] : 0;
			d[c] = (unsigned char)(v > 255 ? 255 : v);
		}
	}
}

int vision_resize(const struct vision_image *img, int width, int height, struct vision_image **out, char **why)
{
	*out = NULL;
	if (width < 1 || height < 1 || img->width < 1 || img->height < 1)
		return fail(why, ORR_DATAERR, xasprintf("cannot resize to %dx%d", width, height));
	if (img->bands != 4)
		return resize_raw(img, width, height, out, why);
	struct vision_image *pre = premultiplied(img);
	int rc = resize_raw(pre, width, height, out, why);
	vision_image_free(pre);
	if (rc == ORR_OK)
		unpremultiply(*out);
	return rc;
}

/* a * x + (255 - a) * y, / 255, rounded */
static inline unsigned char mix(unsigned a, unsigned x, unsigned y)
{
	unsigned v = a * x + (255 - a) * y + 127;
	return (unsigned char)((v + (v >> 8)) >> 8);
}

/* One RGBA pixel over one canvas pixel (RGB or RGBA). */
static void over_pixel(unsigned char *d, int bands, const unsigned char *s)
{
	unsigned a = s[3];
	if (a == 0)
		return;
	if (bands == 3 || (bands == 4 && d[3] == 255) || a == 255) {
		for (int b = 0; b < 3; b++)
			d[b] = a == 255 ? s[b] : mix(a, s[b], d[b]);
		if (bands == 4)
			d[3] = a == 255 ? 255 : d[3];
		return;
	}
	/* both translucent: Porter-Duff over in floating point */
	double as = a / 255.0, ad = d[3] / 255.0, ao = as + ad * (1 - as);
	for (int b = 0; b < 3; b++)
		d[b] = (unsigned char)lround((s[b] * as + d[b] * ad * (1 - as)) / ao);
	d[3] = (unsigned char)lround(ao * 255);
}

void vision_over(struct vision_image *canvas, const struct vision_image *rgba, int x, int y)
{
	if (rgba->bands != 4 || canvas->bands < 3)
		return;
	int x0 = x < 0 ? -x : 0, y0 = y < 0 ? -y : 0;
	int x1 = rgba->width, y1 = rgba->height;
	if (x + x1 > canvas->width)
		x1 = canvas->width - x;
	if (y + y1 > canvas->height)
		y1 = canvas->height - y;
	for (int j = y0; j < y1; j++) {
		const unsigned char *s = rgba->px + ((size_t)j * rgba->width + x0) * 4;
		unsigned char *d = canvas->px + ((size_t)(y + j) * canvas->width + x + x0) * canvas->bands;
		for (int i = x0; i < x1; i++, s += 4, d += canvas->bands)
			over_pixel(d, canvas->bands, s);
	}
}

/* A premultiplied RGBA image over canvas at (x, y): C = P + (1 - a) C. */
static void over_premultiplied(struct vision_image *canvas, const struct vision_image *pre, int x, int y)
{
	for (int j = 0; j < pre->height; j++) {
		if (y + j < 0 || y + j >= canvas->height)
			continue;
		for (int i = 0; i < pre->width; i++) {
			if (x + i < 0 || x + i >= canvas->width)
				continue;
			const unsigned char *s = pre->px + ((size_t)j * pre->width + i) * 4;
			unsigned char *d = canvas->px + ((size_t)(y + j) * canvas->width + x + i) * canvas->bands;
			unsigned a = s[3];
			if (a == 0)
				continue;
			for (int c = 0; c < 3; c++) {
				/* Lanczos can ring a colour above its alpha */
				unsigned p = s[c] > a ? a : s[c];
				unsigned v = p + ((255 - a) * d[c] + 127) / 255;
				d[c] = (unsigned char)(v > 255 ? 255 : v);
			}
			if (canvas->bands == 4)
				d[3] = (unsigned char)(a + ((255 - a) * d[3] + 127) / 255);
		}
	}
}

int vision_place(struct vision_image *canvas, const struct vision_image *rgba, struct vision_box box, char **why)
{
	if (box.width == rgba->width && box.height == rgba->height) {
		vision_over(canvas, rgba, box.x, box.y);
		return ORR_OK;
	}
	if (box.width < 1 || box.height < 1 || rgba->bands != 4)
		return fail(why, ORR_SOFTWARE,
			    xasprintf("cannot place a %d-band image into %dx%d", rgba->bands, box.width, box.height));
	struct vision_image *pre = premultiplied(rgba), *scaled = NULL;
	int rc = resize_raw(pre, box.width, box.height, &scaled, why);
	vision_image_free(pre);
	if (rc != ORR_OK)
		return rc;
	over_premultiplied(canvas, scaled, box.x, box.y);
	vision_image_free(scaled);
	return ORR_OK;
}

int vision_place_owned(struct vision_image *canvas, struct vision_image *rgba, struct vision_box box, char **why)
{
	if (rgba->bands != 4 || (box.width == rgba->width && box.height == rgba->height)) {
		int rc = vision_place(canvas, rgba, box, why);
		vision_image_free(rgba);
		return rc;
	}
	premultiply_in_place(rgba);
	struct vision_image *scaled = NULL;
	int rc = box.width < 1 || box.height < 1
			 ? fail(why, ORR_SOFTWARE, xasprintf("cannot place into %dx%d", box.width, box.height))
			 : resize_raw(rgba, box.width, box.height, &scaled, why);
	vision_image_free(rgba);
	if (rc != ORR_OK)
		return rc;
	over_premultiplied(canvas, scaled, box.x, box.y);
	vision_image_free(scaled);
	return ORR_OK;
}

int vision_blur(struct vision_image **img, double sigma, char **why)
{
	if (sigma <= 0)
		return ORR_OK;
	int rc = vision_start(why);
	if (rc != ORR_OK)
		return rc;
	VipsImage *v = as_vips(*img), *t = NULL;
	bool ok = v && step(&v, V->gaussblur(v, &t, sigma, NULL), &t);
	struct vision_image *r = ok ? from_vips(v) : NULL;
	unref(v);
	if (!r)
		return vips_fail(why, ORR_SOFTWARE, "blur");
	vision_image_free(*img);
	*img = r;
	return ORR_OK;
}

/* The columns where the product stands: opaque pixels in its lowest rows. */
static void footprint(const struct vision_image *rgba, int *left, int *right)
{
	int rows = rgba->height / 20 + 1;
	*left = rgba->width;
	*right = -1;
	for (int y = rgba->height - rows; y < rgba->height; y++)
		for (int x = 0; x < rgba->width; x++)
			if (rgba->px[((size_t)y * rgba->width + x) * 4 + 3] > 128) {
				*left = x < *left ? x : *left;
				*right = x > *right ? x : *right;
			}
	if (*right < *left) {
		*left = 0;
		*right = rgba->width - 1;
	}
}

int vision_shadow(const struct vision_image *rgba, double strength, struct vision_image **out, char **why)
{
	*out = NULL;
	if (rgba->bands != 4)
		return fail(why, ORR_SOFTWARE, xstrdup("shadow: the cut-out has no alpha"));
	int left, right;
	footprint(rgba, &left, &right);
	int w = rgba->width;
	double rx = (right - left + 1) * 0.55, cx = (left + right) / 2.0;
	double ry = rx * 0.12 + 2;
	int h = (int)ceil(ry * 4);
	struct vision_image *s = vision_image_new(w, h, 4);
	double peak = (strength <= 0 ? 0.35 : strength > 1 ? 1 : strength) * 255;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double dx = (x - cx) / rx, dy = (y - h / 2.0) / ry;
			double e = 1 - (dx * dx + dy * dy);
			s->px[((size_t)y * w + x) * 4 + 3] = e > 0 ? (unsigned char)lround(peak * e) : 0;
		}
	int rc = vision_blur(&s, ry / 2, why);
	if (rc != ORR_OK) {
		vision_image_free(s);
		return rc;
	}
	*out = s;
	return ORR_OK;
}

/* Which pixels a sharpen leaves alone: those outside keep, or those
 * exactly the background colour. */
struct sharpen_skip {
	const struct vision_image *keep;
	const unsigned char *bg;
};

static bool skipped(const struct vision_image *img, const struct sharpen_skip *k, size_t at)
{
	if (k->keep)
		return !k->keep->px[at * k->keep->bands];
	return k->bg && memcmp(img->px + at * img->bands, k->bg, 3) == 0;
}

/* The box of the pixels to sharpen; width 0 when there are none. */
static struct vision_box sharpen_box(const struct vision_image *img, const struct sharpen_skip *k)
{
	if (!k->keep && !k->bg)
		return (struct vision_box){ 0, 0, img->width, img->height };
	int x0 = img->width, y0 = img->height, x1 = -1, y1 = -1;
	for (int y = 0; y < img->height; y++)
		for (int x = 0; x < img->width; x++)
			if (!skipped(img, k, (size_t)y * img->width + x)) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y;
			}
	return x1 < 0 ? (struct vision_box){ 0, 0, 0, 0 } : (struct vision_box){ x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

/* Row j of the box: its luma (BT.601, 8.8 fixed point) and the luma's
 * horizontal [1 2 1] sums. */
static void luma_row(const struct vision_image *img, struct vision_box b, int j, unsigned short *luma, unsigned *hsum)
{
	const unsigned char *p = img->px + ((size_t)(b.y + j) * img->width + b.x) * img->bands;
	for (int i = 0; i < b.width; i++, p += img->bands)
		luma[i] = (unsigned short)(77 * p[0] + 150 * p[1] + 29 * p[2]);
	for (int i = 0; i < b.width; i++) {
		int l = i > 0 ? i - 1 : i, r = i < b.width - 1 ? i + 1 : i;
		hsum[i] = luma[l] + 2u * luma[i] + luma[r];
	}
}

/* Unsharp mask on lightness only (no colour fringes), against a [1 2 1]^2
 * blur (a Gaussian of sigma ~0.85 px, the scale of detail a resampled
 * product photo loses).  Rows are streamed: three rows of the original
 * luma are kept, so memory is a few rows whatever the image.  Differences
 * under ~1.5 levels are noise and JPEG grain, left alone. */
static void sharpen_rows(struct vision_image *img, double amount, const struct sharpen_skip *k)
{
	struct vision_box b = sharpen_box(img, k);
	if (b.width < 3 || b.height < 3)
		return;
	size_t w = (size_t)b.width;
	unsigned short *luma = xmalloc(3 * w * sizeof *luma);
	unsigned *hsum = xmalloc(3 * w * sizeof *hsum);
	int gain = (int)lround(amount * 256);
	luma_row(img, b, 0, luma, hsum);
	luma_row(img, b, 1 % b.height, luma + w, hsum + w);
	for (int j = 0; j < b.height; j++) {
		/* rows j-1, j, j+1 of the original, before row j is changed */
		if (j + 1 < b.height && j >= 1)
			luma_row(img, b, j + 1, luma + (size_t)((j + 1) % 3) * w, hsum + (size_t)((j + 1) % 3) * w);
		const unsigned *up = hsum + (size_t)((j > 0 ? j - 1 : j) % 3) * w, *mid = hsum + (size_t)(j % 3) * w,
			       *dn = hsum + (size_t)((j + 1 < b.height ? j + 1 : j) % 3) * w;
		const unsigned short *y = luma + (size_t)(j % 3) * w;
		for (int i = 0; i < b.width; i++) {
			size_t at = (size_t)(b.y + j) * img->width + b.x + i;
			if (skipped(img, k, at))
				continue;
			int blur = (int)((up[i] + 2 * mid[i] + dn[i] + 8) / 16);
			int d = (int)y[i] - blur; /* 8.8 fixed point */
			if (d > -384 && d < 384)
				continue;
			int add = (d * gain) / 65536;
			unsigned char *p = img->px + at * img->bands;
			for (int c = 0; c < 3; c++) {
				int v = p[c] + add;
				p[c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	}
	free(luma);
	free(hsum);
}

int vision_sharpen(struct vision_image *img, double amount, const struct vision_image *keep, char **why)
{
	(void)why;
	if (amount > 0 && img->bands >= 3) {
		struct sharpen_skip k = { keep, NULL };
		sharpen_rows(img, amount, &k);
	}
	return ORR_OK;
}

void vision_sharpen_product(struct vision_image *img, double amount, const unsigned char bg[3])
{
	if (amount > 0 && img->bands >= 3) {
		struct sharpen_skip k = { NULL, bg };
		sharpen_rows(img, amount, &k);
	}
}

int vision_text(const char *text, const char *font, int width, const unsigned char rgb[3], struct vision_image **out,
		char **why)
{
	*out = NULL;
	int rc = vision_start(why);
	if (rc != ORR_OK)
		return rc;
	VipsImage *v = NULL;
	int r = width > 0 ? V->text(&v, text, "font", font, "width", width, NULL)
			  : V->text(&v, text, "font", font, NULL);
	struct vision_image *mask = r == 0 ? from_vips(v) : NULL;
	unref(v);
	if (!mask)
		return vips_fail(why, ORR_DATAERR, "text");
	struct vision_image *img = vision_image_new(mask->width, mask->height, 4);
	size_t n = (size_t)mask->width * mask->height;
	for (size_t i = 0; i < n; i++) {
		memcpy(img->px + i * 4, rgb, 3);
		img->px[i * 4 + 3] = mask->px[i * mask->bands];
	}
	vision_image_free(mask);
	*out = img;
	return ORR_OK;
}

/* ---- encoding ----------------------------------------------------------- */

static const struct {
	const char *name, *ext;
} formats[] = {
	[VISION_JPEG] = { "jpeg", "jpg" },
	[VISION_PNG] = { "png", "png" },
	[VISION_WEBP] = { "webp", "webp" },
	[VISION_AVIF] = { "avif", "avif" },
};

int vision_format_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "jpg") == 0)
		return VISION_JPEG;
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (strcmp(s, formats[i].name) == 0)
			return (int)i;
	return -1;
}

const char *vision_format_name(enum vision_format f)
{
	return formats[f].name;
}

const char *vision_format_ext(enum vision_format f)
{
	return formats[f].ext;
}

/* JPEG has no alpha: the image flattened on white. */
static struct vision_image *flatten_white(const struct vision_image *img)
{
	struct vision_image *rgb = vision_image_new(img->width, img->height, 3);
	size_t n = (size_t)img->width * img->height;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *s = img->px + i * 4;
		for (int b = 0; b < 3; b++)
			rgb->px[i * 3 + b] = mix(s[3], s[b], 255);
	}
	return rgb;
}

static int save_buffer(VipsImage *v, const struct vision_encode *enc, void **buf, size_t *len)
{
	int q = enc->quality > 0 && enc->quality <= 100 ? enc->quality : 90;
	switch (enc->format) {
	case VISION_JPEG:
		/* progressive, Huffman tables optimised; no metadata is attached
		 * but the profile, so none other is written */
		return V->jpegsave_buffer(v, buf, len, "Q", q, "interlace", TRUE, "optimize_coding", TRUE, NULL);
	case VISION_WEBP:
		return V->webpsave_buffer(v, buf, len, "Q", q, NULL);
	case VISION_AVIF:
		return V->heifsave_buffer(v, buf, len, "Q", q, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, NULL);
	case VISION_PNG:
		return V->pngsave_buffer(v, buf, len, "compression", 6, NULL);
	}
	return -1;
}

int vision_encode(const struct vision_image *img, const struct vision_encode *enc, void **buf, size_t *len,
		  char **why)
{
	*buf = NULL;
	*len = 0;
	int rc = vision_start(why);
	if (rc != ORR_OK)
		return rc;
	struct vision_image *flat = enc->format == VISION_JPEG && img->bands == 4 ? flatten_white(img) : NULL;
	VipsImage *v = as_vips(flat ? flat : img);
	if (v && srgb_profile && img->bands >= 3)
		V->image_set_blob_copy(v, VIPS_META_ICC_NAME, srgb_profile, srgb_profile_len);
	void *vbuf = NULL;
	size_t vlen = 0;
	bool ok = v && save_buffer(v, enc, &vbuf, &vlen) == 0 && vbuf;
	unref(v);
	vision_image_free(flat);
	if (!ok)
		return vips_fail(why, ORR_SOFTWARE, vision_format_name(enc->format));
	*buf = xmalloc(vlen);
	memcpy(*buf, vbuf, vlen);
	*len = vlen;
	V->g_free(vbuf);
	return ORR_OK;
}

static pthread_once_t avif_once = PTHREAD_ONCE_INIT;
static bool avif_ok;

static void avif_probe(void)
{
	struct vision_image *img = vision_image_new(16, 16, 3);
	struct vision_encode enc = { VISION_AVIF, 50 };
	void *buf;
	size_t len;
	avif_ok = vision_encode(img, &enc, &buf, &len, NULL) == ORR_OK;
	if (avif_ok)
		free(buf);
	vision_image_free(img);
}

bool vision_format_supported(enum vision_format f)
{
	if (vision_start(NULL) != ORR_OK)
		return false;
	if (f != VISION_AVIF)
		return true;
	pthread_once(&avif_once, avif_probe);
	return avif_ok;
}

/* All of buf to fd. */
static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

int vision_write_file(const char *path, const void *buf, size_t len, char **why)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	bool ok = fd >= 0 && fchmod(fd, 0644) == 0 && write_all(fd, buf, len);
	int err = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = false;
		err = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		err = errno;
	}
	if (!ok && fd >= 0)
		unlink(tmp);
	free(tmp);
	if (!ok)
		return fail(why, ORR_IOERR, xasprintf("%s: cannot write: %s", path, strerror(err)));
	return ORR_OK;
}

int vision_save(const struct vision_image *img, const struct vision_encode *enc, const char *path, char **why)
{
	void *buf;
	size_t len;
	int rc = vision_encode(img, enc, &buf, &len, why);
	if (rc != ORR_OK)
		return rc;
	rc = vision_write_file(path, buf, len, why);
	free(buf);
	return rc;
}
