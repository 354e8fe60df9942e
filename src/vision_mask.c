/* vision_mask.c - the product mask: background modelled from the border,
 * distance to it in Lab, background grown from the border, holes, clean-up,
 * feathered edge; then the cut-out: trim, de-spill, lighting.
 *
 * Plain C over vision_image buffers: one pass computes a distance per pixel
 * (kept as a byte, a quarter of a Lab unit per step), the rest works on
 * byte maps, so memory is about two bytes per pixel beyond the image. */
#include "vision_mask.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "xalloc.h"

/* Lightness counts for less when a pixel is darker than the background: a
 * shadow or a fold of the backdrop changes lightness, not colour. */
#define W_DARK 0.5
#define W_LIGHT 1.0
/* Distance map unit: q = d * Q_SCALE, saturating at 255. */
#define Q_SCALE 4.0

/* ---- colour --------------------------------------------------------------- */

static pthread_once_t lut_once = PTHREAD_ONCE_INIT;
static float lin_lut[256];
#define F_STEPS 2048
static float f_lut[F_STEPS + 2];

static double lab_f(double t)
{
	return t > 216.0 / 24389.0 ? cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
}

static void lut_init(void)
{
	for (int i = 0; i < 256; i++) {
		double c = i / 255.0;
		lin_lut[i] = (float)(c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
	}
	for (int i = 0; i <= F_STEPS + 1; i++)
		f_lut[i] = (float)lab_f((double)i / F_STEPS);
}

/* f(t) for t in [0, 1] by linear interpolation in the table. */
static inline float f_of(float t)
{
	if (t <= 0)
		return f_lut[0];
	if (t >= 1)
		return (float)lab_f(t);
	float p = t * F_STEPS;
	int i = (int)p;
	float w = p - (float)i;
	return f_lut[i] + w * (f_lut[i + 1] - f_lut[i]);
}

static inline void lab_of(const unsigned char *px, float lab[3])
{
	float r = lin_lut[px[0]], g = lin_lut[px[1]], b = lin_lut[px[2]];
	float fx = f_of((0.4124564f * r + 0.3575761f * g + 0.1804375f * b) / 0.95047f);
	float fy = f_of(0.2126729f * r + 0.7151522f * g + 0.0721750f * b);
	float fz = f_of((0.0193339f * r + 0.1191920f * g + 0.9503041f * b) / 1.08883f);
	lab[0] = 116 * fy - 16;
	lab[1] = 500 * (fx - fy);
	lab[2] = 200 * (fy - fz);
}

void vision_lab(const unsigned char rgb[3], float lab[3])
{
	pthread_once(&lut_once, lut_init);
	lab_of(rgb, lab);
}

/* Distance from a pixel to the background colour, lightness weighted. */
static inline float lab_dist(const float p[3], const float bg[3])
{
	float dl = p[0] - bg[0];
	dl *= dl < 0 ? (float)W_DARK : (float)W_LIGHT;
	float da = p[1] - bg[1], db = p[2] - bg[2];
	return sqrtf(dl * dl + da * da + db * db);
}

/* ---- the background model ------------------------------------------------- */

struct sample {
	float u, v;
	float lab[3];
	float rgb[3];
	float r; /* distance to the current model */
};

static void basis(double u, double v, double phi[6])
{
	phi[0] = 1;
	phi[1] = u;
	phi[2] = v;
	phi[3] = u * u;
	phi[4] = u * v;
	phi[5] = v * v;
}

static double surface(const double c[6], double u, double v)
{
	return c[0] + c[1] * u + c[2] * v + c[3] * u * u + c[4] * u * v + c[5] * v * v;
}

/* Solve the 6x6 system a x = b in place (partial pivoting); false when
 * singular. */
static bool solve6(double a[6][6], double b[6], double x[6])
{
	for (int c = 0; c < 6; c++) {
		int p = c;
		for (int r = c + 1; r < 6; r++)
			if (fabs(a[r][c]) > fabs(a[p][c]))
				p = r;
		if (fabs(a[p][c]) < 1e-9)
			return false;
		for (int k = 0; k < 6; k++) {
			double t = a[c][k];
			a[c][k] = a[p][k];
			a[p][k] = t;
		}
		double t = b[c];
		b[c] = b[p];
		b[p] = t;
		for (int r = c + 1; r < 6; r++) {
			double f = a[r][c] / a[c][c];
			for (int k = c; k < 6; k++)
				a[r][k] -= f * a[c][k];
			b[r] -= f * b[c];
		}
	}
	for (int r = 5; r >= 0; r--) {
		double s = b[r];
		for (int k = r + 1; k < 6; k++)
			s -= a[r][k] * x[k];
		x[r] = s / a[r][r];
	}
	return true;
}

/* Least squares of the samples with r <= limit (all when limit < 0), for
 * Lab and RGB; a constant (their mean) when the system is singular. */
static bool fit_surface(const struct sample *s, size_t n, float limit, struct vision_bgmodel *m)
{
	double ata[6][6] = { { 0 } }, atb[6][6] = { { 0 } }, mean[6] = { 0 };
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (limit >= 0 && s[i].r > limit)
			continue;
		double phi[6];
		basis(s[i].u, s[i].v, phi);
		for (int r = 0; r < 6; r++)
			for (int c = 0; c < 6; c++)
				ata[r][c] += phi[r] * phi[c];
		for (int ch = 0; ch < 3; ch++) {
			for (int r = 0; r < 6; r++) {
				atb[ch][r] += phi[r] * s[i].lab[ch];
				atb[ch + 3][r] += phi[r] * s[i].rgb[ch];
			}
			mean[ch] += s[i].lab[ch];
			mean[ch + 3] += s[i].rgb[ch];
		}
		used++;
	}
	if (used == 0)
		return false;
	for (int ch = 0; ch < 6; ch++) {
		double a[6][6], x[6] = { 0 };
		memcpy(a, ata, sizeof a);
		double *coef = ch < 3 ? m->lab[ch] : m->rgb[ch - 3];
		if (used < 24 || !solve6(a, atb[ch], x)) {
			memset(x, 0, sizeof x);
			x[0] = mean[ch] / (double)used;
		}
		memcpy(coef, x, sizeof x);
	}
	return true;
}

static void model_lab(const struct vision_bgmodel *m, double u, double v, float lab[3])
{
	for (int c = 0; c < 3; c++)
		lab[c] = (float)surface(m->lab[c], u, v);
}

static void residuals(struct sample *s, size_t n, const struct vision_bgmodel *m)
{
	for (size_t i = 0; i < n; i++) {
		float bg[3];
		model_lab(m, s[i].u, s[i].v, bg);
		s[i].r = lab_dist(s[i].lab, bg);
	}
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* The q-quantile of the residuals of the samples (q in 0..1). */
static float quantile(const struct sample *s, size_t n, double q)
{
	float *r = xmalloc(n * sizeof *r);
	for (size_t i = 0; i < n; i++)
		r[i] = s[i].r;
	qsort(r, n, sizeof *r, cmp_float);
	float v = r[(size_t)(q * (double)(n - 1))];
	free(r);
	return v;
}

/* Trimmed least squares: fit, keep the best `keep` share, refit; then the
 * noise is the median of the kept and the support the share within reach. */
static void fit_robust(struct sample *s, size_t n, double keep, struct vision_bgmodel *m)
{
	fit_surface(s, n, -1, m);
	float limit = 0;
	for (int it = 0; it < 4; it++) {
		residuals(s, n, m);
		limit = quantile(s, n, keep);
		fit_surface(s, n, limit, m);
	}
	residuals(s, n, m);
	m->noise = quantile(s, n, keep / 2);
	m->spread = quantile(s, n, keep * 0.9);
	float reach = (float)fmax(3 * m->noise, 2.5);
	fit_surface(s, n, reach, m);
	residuals(s, n, m);
	size_t in = 0;
	for (size_t i = 0; i < n; i++)
		in += s[i].r <= reach;
	m->support = (double)in / (double)n;
}

/* Border pixels of a band two pixels wide, at most ~16k of them. */
static struct sample *border_samples(const struct vision_image *img, size_t *count)
{
	int w = img->width, h = img->height;
	size_t perimeter = 2 * ((size_t)w + (size_t)h);
	size_t step = perimeter * 2 / 16000 + 1;
	struct sample *s = xmalloc((perimeter * 2 / step + 8) * sizeof *s);
	size_t n = 0, k = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			bool edge = x < 2 || y < 2 || x >= w - 2 || y >= h - 2;
			if (!edge) {
				x = w - 3; /* skip the inside of the row */
				continue;
			}
			if (k++ % step)
				continue;
			const unsigned char *p = img->px + ((size_t)y * w + x) * img->bands;
			s[n].u = (float)(2.0 * x / (w - 1) - 1);
			s[n].v = (float)(2.0 * y / (h - 1) - 1);
			lab_of(p, s[n].lab);
			for (int c = 0; c < 3; c++)
				s[n].rgb[c] = p[c];
			n++;
		}
	*count = n;
	return s;
}

static bool light_neutral(const float lab[3])
{
	return lab[0] > 88 && fabsf(lab[1]) < 6 && fabsf(lab[2]) < 6;
}

bool vision_bg_fit(const struct vision_image *img, struct vision_bgmodel *m)
{
	memset(m, 0, sizeof *m);
	if (img->width < 8 || img->height < 8 || img->bands < 3)
		return false;
	pthread_once(&lut_once, lut_init);
	size_t n;
	struct sample *s = border_samples(img, &n);
	fit_robust(s, n, 0.6, m);
	float centre[3];
	model_lab(m, 0, 0, centre);
	/* A studio photo cropped into its product (a model's body filling most
	 * of the frame): the white backdrop still shows at some of the border
	 * and is the background, whatever covers more of it. */
	size_t white = 0;
	for (size_t i = 0; i < n; i++)
		if (light_neutral(s[i].lab))
			s[white++] = s[i];
	if (!light_neutral(centre) && white >= n / 10 && white >= 24) {
		double all = (double)n;
		fit_robust(s, white, 0.8, m);
		m->support = m->support * (double)white / all;
	}
	free(s);
	return true;
}

/* ---- maps ------------------------------------------------------------------- */

/* A pixel that is the background darkened, its colour kept: a cast
 * shadow, which scales every channel alike (or a dark neutral product: the
 * component test tells them apart). */
static inline bool shadow_like(const unsigned char *p, const double bg[3])
{
	double lo = 2, hi = 0;
	for (int c = 0; c < 3; c++) {
		double r = (p[c] + 1.0) / (bg[c] + 1.0);
		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
	}
	return hi < 0.97 && lo > 0.25 && hi - lo < 0.05 + 0.1 * (1 - hi);
}

/* The maps the mask is made of, one byte per pixel each. */
struct maps {
	int w, h;
	unsigned char *q;     /* distance to the background, Q_SCALE steps */
	unsigned char *shade; /* 1: shadow_like */
	unsigned char *state; /* BG, PRODUCT, ... */
	unsigned char *edge;  /* 1: an edge the background does not cross */
};

/* The distance of every pixel to the background model, and its shade. */
static void distance_map(const struct vision_image *img, const struct vision_bgmodel *m, struct maps *mp)
{
	int w = img->width, h = img->height;
	mp->q = xmalloc((size_t)w * h);
	mp->shade = xmalloc((size_t)w * h);
	for (int y = 0; y < h; y++) {
		double v = 2.0 * y / (h - 1) - 1;
		/* along a row the surfaces are A + B u + C u^2 (Lab, then RGB) */
		double A[6], B[6], C[6];
		for (int c = 0; c < 6; c++) {
			const double *k = c < 3 ? m->lab[c] : m->rgb[c - 3];
			A[c] = k[0] + k[2] * v + k[5] * v * v;
			B[c] = k[1] + k[4] * v;
			C[c] = k[3];
		}
		const unsigned char *p = img->px + (size_t)y * w * img->bands;
		unsigned char *out = mp->q + (size_t)y * w, *sh = mp->shade + (size_t)y * w;
		for (int x = 0; x < w; x++, p += img->bands) {
			double u = 2.0 * x / (w - 1) - 1;
			float bg[3], lab[3];
			double rgb[3];
			for (int c = 0; c < 3; c++) {
				bg[c] = (float)(A[c] + u * (B[c] + u * C[c]));
				rgb[c] = A[c + 3] + u * (B[c + 3] + u * C[c + 3]);
			}
			lab_of(p, lab);
			float d = lab_dist(lab, bg) * (float)Q_SCALE + 0.5f;
			out[x] = d >= 255 ? 255 : (unsigned char)d;
			sh[x] = shadow_like(p, rgb);
		}
	}
}

/* A 3x3 box blur of the colour bands: the distance is measured on it, so
 * that sensor noise and paper grain average out before the threshold. */
static struct vision_image *smoothed(const struct vision_image *img)
{
	int w = img->width, h = img->height, bands = img->bands;
	struct vision_image *out = vision_image_new(w, h, 3);
	unsigned short *row = xmalloc((size_t)w * 3 * 3 * sizeof *row); /* three rows of horizontal sums */
	for (int y = -1; y <= h; y++) {
		if (y + 1 < h) {
			int yy = y + 1;
			unsigned short *r = row + (size_t)(yy % 3) * w * 3;
			const unsigned char *p = img->px + (size_t)yy * w * bands;
			for (int x = 0; x < w; x++)
				for (int c = 0; c < 3; c++) {
					int l = x > 0 ? x - 1 : x, rr = x < w - 1 ? x + 1 : x;
					r[x * 3 + c] = (unsigned short)(p[l * bands + c] + p[x * bands + c] +
									p[rr * bands + c]);
				}
		}
		if (y < 0 || y >= h)
			continue;
		const unsigned short *up = row + (size_t)((y > 0 ? y - 1 : y) % 3) * w * 3,
				     *mid = row + (size_t)(y % 3) * w * 3,
				     *dn = row + (size_t)((y < h - 1 ? y + 1 : y) % 3) * w * 3;
		unsigned char *o = out->px + (size_t)y * w * 3;
		for (int i = 0; i < w * 3; i++)
			o[i] = (unsigned char)((up[i] + mid[i] + dn[i] + 4) / 9);
	}
	free(row);
	return out;
}

/* Scanline flood fill: every pixel 4-connected to (x, y) whose state is
 * `from` and whose distance is under `limit` becomes `to`.  r (may be
 * NULL) gets the region's area, box, sum of distances and shadow count. */
struct span {
	int x, y;
};

struct region {
	size_t area, shaded;
	unsigned long long sum;
	int x0, y0, x1, y1;
	int seed_x, seed_y;
};

static void region_add(struct region *r, const struct maps *mp, size_t row, int y, int x0, int x1)
{
	r->area += (size_t)(x1 - x0 + 1);
	for (int i = x0; i <= x1; i++) {
		r->sum += mp->q[row + i];
		r->shaded += mp->shade ? mp->shade[row + i] : 0;
	}
	r->x0 = x0 < r->x0 ? x0 : r->x0;
	r->x1 = x1 > r->x1 ? x1 : r->x1;
	r->y0 = y < r->y0 ? y : r->y0;
	r->y1 = y > r->y1 ? y : r->y1;
}

static void fill(struct maps *mp, int x, int y, unsigned char from, unsigned char to, unsigned limit,
		 struct region *r)
{
	int w = mp->w, h = mp->h;
	unsigned char *state = mp->state;
	const unsigned char *q = mp->q, *edge = limit < 256 ? mp->edge : NULL;
	size_t cap = 256, n = 0;
	struct span *stack = xmalloc(cap * sizeof *stack);
	if (r)
		*r = (struct region){ .x0 = w, .y0 = h, .x1 = -1, .y1 = -1, .seed_x = x, .seed_y = y };
	stack[n++] = (struct span){ x, y };
#define PASS(i) (state[i] == from && q[i] < limit && !(edge && edge[i]))
	while (n > 0) {
		struct span s = stack[--n];
		size_t row = (size_t)s.y * w;
		if (!PASS(row + s.x))
			continue;
		int x0 = s.x, x1 = s.x;
		while (x0 > 0 && PASS(row + x0 - 1))
			x0--;
		while (x1 < w - 1 && PASS(row + x1 + 1))
			x1++;
		if (r)
			region_add(r, mp, row, s.y, x0, x1);
		memset(state + row + x0, to, (size_t)(x1 - x0 + 1));
		for (int dy = -1; dy <= 1; dy += 2) {
			int ny = s.y + dy;
			if (ny < 0 || ny >= h)
				continue;
			size_t nrow = (size_t)ny * w;
			for (int i = x0; i <= x1; i++) {
				if (!PASS(nrow + i) || (i > x0 && PASS(nrow + i - 1)))
					continue; /* one seed per run */
				if (n == cap) {
					cap *= 2;
					stack = xrealloc(stack, cap * sizeof *stack);
				}
				stack[n++] = (struct span){ i, ny };
			}
		}
	}
#undef PASS
	free(stack);
}

enum { BG = 0, PRODUCT = 1, HOLE = 2, KEPT = 3 };

/* Background: everything under the tolerance reachable from the border. */
static void grow_background(struct maps *mp, unsigned limit)
{
	for (int x = 0; x < mp->w; x++) {
		fill(mp, x, 0, PRODUCT, BG, limit, NULL);
		fill(mp, x, mp->h - 1, PRODUCT, BG, limit, NULL);
	}
	for (int y = 0; y < mp->h; y++) {
		fill(mp, 0, y, PRODUCT, BG, limit, NULL);
		fill(mp, mp->w - 1, y, PRODUCT, BG, limit, NULL);
	}
}

/* Enclosed regions of background colour (a bag's handle, the gap between
 * legs) are background when they are large enough and close to it; small
 * or doubtful ones stay product (a white print on a white shirt). */
static void open_holes(struct maps *mp, unsigned limit, double noise, bool keep)
{
	size_t n = (size_t)mp->w * mp->h, min_area = n / 4000 + 16;
	for (size_t i = 0; i < n; i++) {
		if (mp->state[i] != PRODUCT || mp->q[i] >= limit)
			continue;
		int x = (int)(i % (size_t)mp->w), y = (int)(i / (size_t)mp->w);
		struct region r;
		fill(mp, x, y, PRODUCT, HOLE, limit, &r);
		/* the backdrop seen through a hole is off the model by its noise
		 * only; a light label on a product is off by a steady amount */
		double match = fmin(limit * 0.5, Q_SCALE * fmax(2.0, 1.5 * noise + 0.5));
		bool hole = !keep && r.area >= min_area && (double)r.sum / (double)r.area < match;
		fill(mp, x, y, HOLE, hole ? BG : KEPT, limit, NULL);
	}
	for (size_t i = 0; i < n; i++)
		if (mp->state[i] == KEPT)
			mp->state[i] = PRODUCT;
}

/* Binary erosion or dilation with a (2r+1) square, separable, in running
 * counts (rows along each row, columns with one counter per column, so
 * both passes read memory in order).  At the frame the window is clipped:
 * a product touching the frame does not erode from it. */
static void morph(unsigned char *m, int w, int h, int r, bool dilate)
{
	size_t n = (size_t)w * h;
	int *sum = xmalloc(((size_t)w + 1) * sizeof *sum);
	unsigned char *t = xmalloc(n);
	for (int y = 0; y < h; y++) {
		const unsigned char *p = m + (size_t)y * w;
		unsigned char *o = t + (size_t)y * w;
		sum[0] = 0;
		for (int x = 0; x < w; x++)
			sum[x + 1] = sum[x] + (p[x] != 0);
		for (int x = 0; x < w; x++) {
			int a = x - r < 0 ? 0 : x - r, b = x + r >= w ? w - 1 : x + r;
			int c = sum[b + 1] - sum[a];
			o[x] = dilate ? c > 0 : c == b - a + 1;
		}
	}
	/* columns: count[x] is the number of set pixels of rows [y-r, y+r] */
	int *count = xcalloc((size_t)w, sizeof *count);
	for (int y = 0; y < r && y < h; y++)
		for (int x = 0; x < w; x++)
			count[x] += t[(size_t)y * w + x];
	for (int y = 0; y < h; y++) {
		if (y + r < h)
			for (int x = 0; x < w; x++)
				count[x] += t[(size_t)(y + r) * w + x];
		if (y - r - 1 >= 0)
			for (int x = 0; x < w; x++)
				count[x] -= t[(size_t)(y - r - 1) * w + x];
		int a = y - r < 0 ? 0 : y - r, b = y + r >= h ? h - 1 : y + r, full = b - a + 1;
		unsigned char *o = m + (size_t)y * w;
		for (int x = 0; x < w; x++)
			o[x] = dilate ? count[x] > 0 : count[x] == full;
	}
	free(count);
	free(t);
	free(sum);
}

/* Whether part k lies beneath the other parts (below the middle of their
 * box, within its width), which are at least half its size. */
static bool beneath_the_rest(const struct region *parts, size_t count, size_t k, size_t min_area)
{
	struct region u = { .x0 = INT_MAX, .y0 = INT_MAX, .x1 = -1, .y1 = -1 };
	for (size_t j = 0; j < count; j++) {
		const struct region *r = &parts[j];
		if (j == k || r->area < min_area)
			continue;
		u.area += r->area;
		u.x0 = r->x0 < u.x0 ? r->x0 : u.x0;
		u.x1 = r->x1 > u.x1 ? r->x1 : u.x1;
		u.y0 = r->y0 < u.y0 ? r->y0 : u.y0;
		u.y1 = r->y1 > u.y1 ? r->y1 : u.y1;
	}
	const struct region *s = &parts[k];
	return u.x1 >= 0 && u.area >= s->area / 2 && s->y0 > (u.y0 + u.y1) / 2 && s->x1 >= u.x0 && s->x0 <= u.x1;
}

/* A part touching the frame and only just over the tolerance is the
 * backdrop's own unevenness (a mottled paper, a fold), not a product
 * cropped by the frame, which stands out from it. */
static bool frame_unevenness(const struct maps *mp, const struct region *r, unsigned limit)
{
	bool frame = r->x0 == 0 || r->y0 == 0 || r->x1 == mp->w - 1 || r->y1 == mp->h - 1;
	return frame && (double)r->sum / (double)r->area < 1.6 * limit;
}

/* The product's connected parts, judged one by one: specks smaller than
 * min_area (dust, noise) are background, and so is a part that is mostly
 * shadow-coloured and lies beneath the rest of the product (below its
 * middle, within its width): the product's cast shadow on the floor.  A
 * dark grey product on its own stays. */
static void judge_components(struct maps *mp, size_t min_area, unsigned limit)
{
	size_t n = (size_t)mp->w * mp->h, count = 0, cap = 16;
	struct region *parts = xmalloc(cap * sizeof *parts);
	/* distances do not limit this walk: a limit of 256 passes every pixel */
	for (size_t i = 0; i < n; i++) {
		if (mp->state[i] != PRODUCT)
			continue;
		if (count == cap) {
			cap *= 2;
			parts = xrealloc(parts, cap * sizeof *parts);
		}
		fill(mp, (int)(i % (size_t)mp->w), (int)(i / (size_t)mp->w), PRODUCT, HOLE, 256, &parts[count++]);
	}
	for (size_t k = 0; k < count; k++) {
		const struct region *r = &parts[k];
		bool drop = r->area < min_area || frame_unevenness(mp, r, limit);
		if (!drop && r->shaded * 10 >= r->area * 8)
			drop = beneath_the_rest(parts, count, k, min_area);
		if (drop)
			fill(mp, r->seed_x, r->seed_y, HOLE, BG, 256, NULL);
	}
	for (size_t i = 0; i < n; i++)
		mp->state[i] = mp->state[i] == HOLE;
	free(parts);
}

/* The distance of one pixel of img to the model, in Q_SCALE steps. */
static unsigned pixel_q(const struct vision_image *img, const struct vision_bgmodel *m, int x, int y)
{
	double u = 2.0 * x / (img->width - 1) - 1, v = 2.0 * y / (img->height - 1) - 1;
	float bg[3], lab[3];
	model_lab(m, u, v, bg);
	lab_of(img->px + ((size_t)y * img->width + x) * img->bands, lab);
	float d = lab_dist(lab, bg) * (float)Q_SCALE + 0.5f;
	return d >= 255 ? 255 : (unsigned)d;
}

/* The soft edge: within `feather` pixels of the boundary, alpha follows
 * the distance from lo (0) to hi (255), measured on the original pixels
 * (the smoothed ones carry the product's colour a pixel outwards);
 * elsewhere it is 0 or 255. */
static void feather_edge(unsigned char *mk, const struct vision_image *orig, const struct vision_bgmodel *m,
			 int feather, unsigned lo, unsigned hi)
{
	int w = orig->width, h = orig->height;
	size_t n = (size_t)w * h;
	unsigned char *grown = xmalloc(n), *shrunk = xmalloc(n);
	memcpy(grown, mk, n);
	memcpy(shrunk, mk, n);
	morph(grown, w, h, feather, true);
	morph(shrunk, w, h, feather, false);
	for (size_t i = 0; i < n; i++) {
		if (grown[i] == shrunk[i]) {
			mk[i] = mk[i] ? 255 : 0;
			continue;
		}
		unsigned d = pixel_q(orig, m, (int)(i % (size_t)w), (int)(i / (size_t)w));
		mk[i] = d <= lo ? 0 : d >= hi ? 255 : (unsigned char)((d - lo) * 255 / (hi - lo));
	}
	free(grown);
	free(shrunk);
}

/* ---- vision_mask ------------------------------------------------------------- */

static int fail(char **why, int rc, char *msg)
{
	if (why)
		*why = msg;
	else
		free(msg);
	return rc;
}

static void describe(const struct vision_bgmodel *m, struct vision_mask_info *info)
{
	for (int c = 0; c < 3; c++) {
		double v = surface(m->rgb[c], 0, 0);
		info->background[c] = v < 0 ? 0 : v > 255 ? 255 : v;
	}
	info->noise = m->noise;
	float lab[3];
	model_lab(m, 0, 0, lab);
	info->background_light = light_neutral(lab);
}

/* The box of the pixels with mask > 0; false when there are none. */
static bool mask_box(const struct vision_image *mask, struct vision_mask_info *info)
{
	int x0 = mask->width, y0 = mask->height, x1 = -1, y1 = -1;
	for (int y = 0; y < mask->height; y++) {
		const unsigned char *row = mask->px + (size_t)y * mask->width;
		for (int x = 0; x < mask->width; x++)
			if (row[x]) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y;
			}
	}
	if (x1 < 0)
		return false;
	info->x = x0;
	info->y = y0;
	info->width = x1 - x0 + 1;
	info->height = y1 - y0 + 1;
	return true;
}

/* The alpha channel of an RGBA image as its mask. */
static struct vision_image *alpha_mask(const struct vision_image *img)
{
	struct vision_image *mask = vision_image_new(img->width, img->height, 1);
	size_t n = (size_t)img->width * img->height;
	for (size_t i = 0; i < n; i++)
		mask->px[i] = img->px[i * 4 + 3];
	return mask;
}

/* Luma of a pixel, 0..1020. */
static inline int luma4(const unsigned char *p)
{
	return p[0] + 2 * p[1] + p[2];
}

/* The edges the background may not flow across: luma gradients well over
 * those of the border (where the backdrop's noise and slope show), so that
 * a product barely lighter than its backdrop still stops the fill at its
 * outline.  NULL when the border itself is too busy for this to help. */
static unsigned char *edge_map(const struct vision_image *img)
{
	int w = img->width, h = img->height;
	size_t n = (size_t)w * h;
	unsigned char *g = xmalloc(n);
	unsigned hist[256] = { 0 };
	size_t border = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			const unsigned char *p = img->px + ((size_t)y * w + x) * 3;
			/* one pixel each way (3 bytes a pixel) */
			int l = x > 0 ? -3 : 0, r = x < w - 1 ? 3 : 0;
			int u = y > 0 ? -3 * w : 0, d = y < h - 1 ? 3 * w : 0;
			int gx = abs(luma4(p + r) - luma4(p + l)), gy = abs(luma4(p + d) - luma4(p + u));
			int v = (gx + gy) / 4;
			g[(size_t)y * w + x] = (unsigned char)(v > 255 ? 255 : v);
			if (x < 2 || y < 2 || x >= w - 2 || y >= h - 2) {
				hist[g[(size_t)y * w + x]]++;
				border++;
			}
		}
	/* the 98th percentile of the border's gradients */
	size_t acc = 0, p98 = 0;
	while (p98 < 255 && (acc += hist[p98]) < border * 98 / 100)
		p98++;
	unsigned gmax = (unsigned)(p98 * 2 + 3);
	if (gmax > 24) {
		free(g);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		g[i] = g[i] >= gmax;
	return g;
}

/* The mask computed from colour (of the smoothed image), given the
 * fitted model. */
static struct vision_image *colour_mask(const struct vision_image *img, const struct vision_image *orig,
					const struct vision_bgmodel *m, const struct vision_mask_opts *o)
{
	int w = img->width, h = img->height;
	size_t n = (size_t)w * h;
	/* over the noise, and over the backdrop's own unevenness (a paper's
	 * mottle the smooth model does not follow) */
	double tol = o->tolerance > 0 ? o->tolerance : fmax(4.0, fmax(3.0 * m->noise, 1.3 * m->spread));
	unsigned limit = (unsigned)fmin(254, tol * Q_SCALE);
	struct maps mp = { .w = w, .h = h };
	distance_map(img, m, &mp);
	mp.edge = edge_map(img);
	struct vision_image *mask = vision_image_new(w, h, 1);
	mp.state = mask->px;
	memset(mp.state, PRODUCT, n);
	grow_background(&mp, limit);
	/* clean-up: specks off (open), cracks closed (close), then the parts
	 * judged; before the holes are opened, so that a small detail inside
	 * one (the dot of an i on a white label) is not taken for a speck */
	morph(mp.state, w, h, 1, false);
	morph(mp.state, w, h, 1, true);
	morph(mp.state, w, h, 2, true);
	morph(mp.state, w, h, 2, false);
	judge_components(&mp, n / 2000 + 16, limit);
	open_holes(&mp, limit, m->noise, o->keep_holes);
	if (o->feather >= 0) {
		unsigned lo = limit / 2, hi = (unsigned)fmin(255, limit * 1.5);
		feather_edge(mp.state, orig, m, o->feather > 2 ? o->feather : 2, lo, hi);
	} else {
		for (size_t i = 0; i < n; i++)
			mp.state[i] = mp.state[i] ? 255 : 0;
	}
	free(mp.q);
	free(mp.shade);
	free(mp.edge);
	return mask;
}

static bool has_alpha(const struct vision_image *img, const struct vision_mask_opts *o)
{
	return img->bands == 4 && !o->ignore_alpha;
}

/* vision_mask with the model it used (m is zero when the alpha was used). */
static int mask_with_model(const struct vision_image *img, const struct vision_mask_opts *opts,
			   struct vision_image **out, struct vision_mask_info *info, struct vision_bgmodel *m,
			   char **why)
{
	static const struct vision_mask_opts defaults = { 0 };
	const struct vision_mask_opts *o = opts ? opts : &defaults;
	memset(info, 0, sizeof *info);
	memset(m, 0, sizeof *m);
	*out = NULL;
	if (img->bands != 3 && img->bands != 4)
		return fail(why, ORR_SOFTWARE, xasprintf("a mask needs an RGB or RGBA image, not %d bands", img->bands));
	struct vision_image *mask = NULL;
	if (has_alpha(img, o)) {
		mask = alpha_mask(img);
		info->from_alpha = true;
		info->background[0] = info->background[1] = info->background[2] = 255;
	} else if (img->width >= 8 && img->height >= 8) {
		struct vision_image *sm = smoothed(img);
		vision_bg_fit(sm, m);
		describe(m, info);
		mask = colour_mask(sm, img, m, o);
		vision_image_free(sm);
	} else {
		/* too small to have a border: all product */
		mask = vision_image_new(img->width, img->height, 1);
		memset(mask->px, 255, (size_t)img->width * img->height);
	}
	if (!mask_box(mask, info)) {
		vision_image_free(mask);
		return fail(why, ORR_DATAERR, xstrdup("no product found: the whole image matches its background"));
	}
	*out = mask;
	return ORR_OK;
}

int vision_mask(const struct vision_image *img, const struct vision_mask_opts *opts, struct vision_image **mask,
		struct vision_mask_info *info, char **why)
{
	struct vision_mask_info local;
	struct vision_bgmodel m;
	return mask_with_model(img, opts, mask, info ? info : &local, &m, why);
}

/* ---- vision_cutout ----------------------------------------------------------- */

/* Edge pixels are a mix of product and background: take the background's
 * share out, F = (I - (1 - a) B) / a. */
static void despill(unsigned char *px, unsigned a, const double bg[3])
{
	double al = a / 255.0;
	for (int c = 0; c < 3; c++) {
		double f = (px[c] - (1 - al) * bg[c]) / al;
		px[c] = (unsigned char)(f < 0 ? 0 : f > 255 ? 255 : lround(f));
	}
}

/* White balance and levels against a white backdrop: each pixel is divided
 * by the backdrop's colour there (which also evens out a gradient of the
 * light), so the backdrop becomes 255 and products shot under the same
 * light come out alike across a batch.  Gains are bounded: a grey card is
 * not a white backdrop. */
static void relight(unsigned char *px, const double bg[3])
{
	for (int c = 0; c < 3; c++) {
		double g = bg[c] > 1 ? 255.0 / bg[c] : 1;
		g = g < 1 ? 1 : g > 1.5 ? 1.5 : g;
		double v = px[c] * g;
		px[c] = (unsigned char)(v > 255 ? 255 : lround(v));
	}
}

static void model_rgb(const struct vision_bgmodel *m, double u, double v, double rgb[3])
{
	for (int c = 0; c < 3; c++) {
		double x = surface(m->rgb[c], u, v);
		rgb[c] = x < 0 ? 0 : x > 255 ? 255 : x;
	}
}

int vision_cutout(const struct vision_image *img, const struct vision_mask_opts *opts, bool normalise,
		  struct vision_image **cutout, struct vision_mask_info *info, char **why)
{
	struct vision_mask_info local;
	struct vision_mask_info *in = info ? info : &local;
	struct vision_bgmodel m;
	struct vision_image *mask;
	*cutout = NULL;
	int rc = mask_with_model(img, opts, &mask, in, &m, why);
	if (rc != ORR_OK)
		return rc;
	bool colour = !in->from_alpha && m.support > 0;
	bool light = colour && normalise && in->background_light;
	struct vision_image *out = vision_image_new(in->width, in->height, 4);
	int w = img->width, h = img->height;
	for (int y = 0; y < in->height; y++)
		for (int x = 0; x < in->width; x++) {
			int sx = in->x + x, sy = in->y + y;
			size_t si = (size_t)sy * w + sx;
			unsigned char *d = out->px + ((size_t)y * in->width + x) * 4;
			unsigned a = mask->px[si];
			memcpy(d, img->px + si * img->bands, 3);
			d[3] = (unsigned char)a;
			if (a == 0 || (!colour && a == 255))
				continue;
			double bg[3];
			model_rgb(&m, 2.0 * sx / (w - 1) - 1, 2.0 * sy / (h - 1) - 1, bg);
			if (colour && a < 255)
				despill(d, a, bg);
			if (light)
				relight(d, bg);
		}
	vision_image_free(mask);
	*cutout = out;
	return ORR_OK;
}
