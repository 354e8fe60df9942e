/* vision.h - product images: load with limits, cut the product out of its
 * background, fit it on a canvas, encode.
 *
 * Images cross this API as plain 8-bit sRGB pixel buffers (struct
 * vision_image), so callers never see libvips: it is loaded on first use
 * (vips_lazy.h) by the functions that decode, resize, blur, render text or
 * encode.  Everything else (the mask, the trim, lighting, composition) is
 * plain C over these buffers.
 *
 * Every fallible function returns an enum orr_rc (rc.h) and, on failure,
 * sets *why (when why is not NULL) to an allocated message the caller frees;
 * messages about a file start with its path.  All functions are thread-safe:
 * `vision process --jobs N` runs one image per thread. */
#ifndef ORR_VISION_H
#define ORR_VISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An 8-bit sRGB image: bands 1 (a mask or grey), 3 (RGB) or 4 (RGBA with
 * straight, not premultiplied, alpha).  Rows are packed: pixel (x, y) band b
 * is px[((size_t)y * width + x) * bands + b]. */
struct vision_image {
	int width, height, bands;
	unsigned char *px;
};

/* A new image, every byte zero (transparent black for RGBA). */
struct vision_image *vision_image_new(int width, int height, int bands);
/* A new RGB image filled with one colour (a canvas). */
struct vision_image *vision_image_fill(int width, int height, const unsigned char rgb[3]);
void vision_image_free(struct vision_image *img);

/* libvips' worker threads per operation (a batch running one image per
 * thread sets 1), and the per-thread clean-up a worker thread calls before
 * it exits. */
void vision_set_concurrency(int threads);
void vision_thread_done(void);

/* ---- loading ---------------------------------------------------------- */

#define VISION_MAX_PIXELS 100000000ULL /* 100 megapixels */

struct vision_limits {
	uint64_t max_pixels; /* 0: VISION_MAX_PIXELS */
};

/* Decode path into an sRGB 8-bit image: rotated upright from its EXIF
 * orientation; CMYK, grey, 16-bit, palette and images with an ICC profile
 * converted to sRGB; an alpha channel kept (bands 4), otherwise bands 3.
 * The size is checked from the header, before any pixel is decoded, so a
 * decompression bomb costs nothing.  Only JPEG, PNG, WebP, GIF, TIFF and
 * HEIF/AVIF are opened.  Errors: ORR_NOINPUT (missing, unreadable),
 * ORR_DATAERR (empty, not an image, corrupt, truncated, too large),
 * ORR_SOFTWARE (libvips cannot be loaded). */
int vision_load(const char *path, const struct vision_limits *limits, struct vision_image **out, char **why);

/* ---- the cut-out -------------------------------------------------------- */

/* How to separate the product from its background.  Zero fields take the
 * defaults, so `struct vision_mask_opts o = { 0 };` is the usual value. */
struct vision_mask_opts {
	double tolerance;   /* Lab distance under which a pixel is background (default from the border's noise) */
	int feather;        /* width of the soft edge in pixels (default 1; -1: hard edge) */
	bool ignore_alpha;  /* compute a mask even when the image has an alpha channel */
	bool keep_holes;    /* enclosed background-coloured regions stay product */
};

/* What the mask step learned about the image. */
struct vision_mask_info {
	double background[3];  /* estimated background colour at the centre, sRGB 0..255 */
	double noise;          /* its noise, Lab units */
	bool from_alpha;       /* the input's own alpha channel was the mask */
	bool background_light; /* near-white and neutral: usable as a white reference */
	int x, y, width, height; /* the product's box in the input (the trim) */
};

/* The product mask of img, same size, bands 1: 255 product, 0 background,
 * in between on the feathered edge.  An empty mask (no product found) is
 * ORR_DATAERR. */
int vision_mask(const struct vision_image *img, const struct vision_mask_opts *opts, struct vision_image **mask,
		struct vision_mask_info *info, char **why);

/* The product alone: img's pixels inside the mask, trimmed to the
 * product's box, as RGBA with the mask as alpha; colours at the edge are
 * de-spilled (the background's share of each edge pixel removed).  When
 * normalise is true and the background is a usable white reference, the
 * colours are also white-balanced and levelled against it. */
int vision_cutout(const struct vision_image *img, const struct vision_mask_opts *opts, bool normalise,
		  struct vision_image **cutout, struct vision_mask_info *info, char **why);

/* ---- composition ------------------------------------------------------- */

/* Where a cut-out of cw x ch goes on a canvas of width x height so that its
 * larger share of the canvas is `occupancy` (0 < occupancy <= 1), centred. */
struct vision_box {
	int x, y, width, height;
};
struct vision_box vision_fit(int cw, int ch, int width, int height, double occupancy);

/* A copy of img resized to width x height (Lanczos; alpha handled
 * premultiplied, so edges do not darken). */
int vision_resize(const struct vision_image *img, int width, int height, struct vision_image **out, char **why);

/* Composite rgba (bands 4) over canvas (bands 3 or 4) at (x, y), clipped to
 * the canvas; no resizing. */
void vision_over(struct vision_image *canvas, const struct vision_image *rgba, int x, int y);

/* Resize rgba to box and composite it over canvas there. */
int vision_place(struct vision_image *canvas, const struct vision_image *rgba, struct vision_box box, char **why);

/* vision_place that consumes rgba (premultiplied in place, then freed):
 * one image-sized copy fewer, for batches. */
int vision_place_owned(struct vision_image *canvas, struct vision_image *rgba, struct vision_box box, char **why);

/* A soft contact shadow for a cut-out: an RGBA image of the same width as
 * rgba and a height a fraction of it, black with a blurred elliptical
 * alpha of peak opacity `strength` (0..1), to be placed under the
 * product's base. */
int vision_shadow(const struct vision_image *rgba, double strength, struct vision_image **out, char **why);

/* Gaussian blur (sigma in pixels) of any image, in place of *img. */
int vision_blur(struct vision_image **img, double sigma, char **why);

/* Unsharp mask on the lightness of an RGB(A) image, in place; amount 0
 * does nothing.  Pixels outside `keep` (a mask the size of img, may be
 * NULL) are left exactly as they were, so a white border stays 255. */
int vision_sharpen(struct vision_image *img, double amount, const struct vision_image *keep, char **why);

/* vision_sharpen of every pixel but those exactly bg (a product on a plain
 * canvas: the canvas stays exactly its colour). */
void vision_sharpen_product(struct vision_image *img, double amount, const unsigned char bg[3]);

/* Text rendered as an RGBA image in one colour: font is a Pango font
 * description ("Sans Bold 48"), width the wrapping width in pixels (0: no
 * wrap).  Used by posters. */
int vision_text(const char *text, const char *font, int width, const unsigned char rgb[3], struct vision_image **out,
		char **why);

/* ---- encoding ----------------------------------------------------------- */

enum vision_format { VISION_JPEG, VISION_PNG, VISION_WEBP, VISION_AVIF };

struct vision_encode {
	enum vision_format format;
	int quality; /* 1..100; 0: 90 */
};

/* The format named by s ("jpeg", "jpg", "png", "webp", "avif"), or -1. */
int vision_format_parse(const char *s);
const char *vision_format_name(enum vision_format f);
/* The file name extension for f, without the dot ("jpg"). */
const char *vision_format_ext(enum vision_format f);
/* Whether this libvips build can write f (AVIF needs libheif with an AV1
 * encoder). */
bool vision_format_supported(enum vision_format f);

/* Encode img (bands 3 or 4; JPEG flattens alpha on white) into a new
 * buffer: JPEG progressive, optimised, no metadata but the sRGB colour
 * profile; WebP and AVIF lossy at the quality; PNG lossless. */
int vision_encode(const struct vision_image *img, const struct vision_encode *enc, void **buf, size_t *len,
		  char **why);

/* buf written to path atomically (a temporary file beside it, then
 * rename): on failure nothing is left at path.  ORR_IOERR. */
int vision_write_file(const char *path, const void *buf, size_t len, char **why);

/* vision_encode written to path atomically (a temporary file beside it,
 * then rename): on failure nothing is left at path. */
int vision_save(const struct vision_image *img, const struct vision_encode *enc, const char *path, char **why);

#endif
