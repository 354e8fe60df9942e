/* preview.c - images in terminal cells. */
#include "preview.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "vision.h"

/* Colour pairs of the previews start above the roles' (term.c uses 1..). */
#define PAIR_BASE 64
#define PAIR_SLOTS 4096

static const int cube[6] = { 0, 95, 135, 175, 215, 255 };

static int nearest_level(int v)
{
	int best = 0;
	for (int i = 1; i < 6; i++)
		if (abs(cube[i] - v) < abs(cube[best] - v))
			best = i;
	return best;
}

static int dist2(int r, int g, int b, int r2, int g2, int b2)
{
	return (r - r2) * (r - r2) + (g - g2) * (g - g2) + (b - b2) * (b - b2);
}

int preview_xterm256(unsigned char r, unsigned char g, unsigned char b)
{
	int ri = nearest_level(r), gi = nearest_level(g), bi = nearest_level(b);
	int cube_d = dist2(r, g, b, cube[ri], cube[gi], cube[bi]);
	/* the grey ramp 232..255 is 8, 18, ..., 238 */
	int grey = (r + g + b) / 3, gi2 = grey < 8 ? 0 : grey > 238 ? 23 : (grey - 8 + 5) / 10;
	int gv = 8 + 10 * gi2;
	int grey_d = dist2(r, g, b, gv, gv, gv);
	return grey_d < cube_d ? 232 + gi2 : 16 + 36 * ri + 6 * gi + bi;
}

enum preview_mode preview_mode(void)
{
	if (!term_unicode())
		return PREVIEW_ASCII;
	return term_colour() && COLORS >= 256 ? PREVIEW_COLOUR : PREVIEW_SHADE;
}

/* ---- colour pairs: (fg, bg) -> pair, made on first use ------------------- */

static struct {
	int key; /* fg << 8 | bg, + 1; 0: empty */
	short pair;
} slots[PAIR_SLOTS];
static int next_pair = PAIR_BASE;

static int pair_limit(void)
{
	return COLOR_PAIRS < 32767 ? COLOR_PAIRS : 32767;
}

/* The pair of fg on bg, or 0 when the terminal has no more pairs. */
static short pair_of(int fg, int bg)
{
	int key = (fg << 8 | bg) + 1;
	unsigned h = (unsigned)key * 2654435761u % PAIR_SLOTS;
	for (int probe = 0; probe < PAIR_SLOTS; probe++, h = (h + 1) % PAIR_SLOTS) {
		if (slots[h].key == key)
			return slots[h].pair;
		if (slots[h].key)
			continue;
		if (next_pair >= pair_limit() || init_pair((short)next_pair, (short)fg, (short)bg) != OK)
			return 0;
		slots[h].key = key;
		slots[h].pair = (short)next_pair++;
		return slots[h].pair;
	}
	return 0;
}

/* ---- sampling ---------------------------------------------------------------- */

/* The mean colour of the source pixels under target pixel (tx, ty) of a
 * tw x th grid: a box filter, so thin lines do not vanish. */
static void sample(const struct vision_image *img, int tx, int ty, int tw, int th,
		   unsigned char out[3])
{
	int x0 = tx * img->width / tw, x1 = (tx + 1) * img->width / tw;
	int y0 = ty * img->height / th, y1 = (ty + 1) * img->height / th;
	x1 = x1 > x0 ? x1 : x0 + 1;
	y1 = y1 > y0 ? y1 : y0 + 1;
	long sum[3] = { 0, 0, 0 }, n = 0;
	for (int y = y0; y < y1 && y < img->height; y++)
		for (int x = x0; x < x1 && x < img->width; x++) {
			const unsigned char *p = img->px + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
			sum[0] += p[0];
			sum[1] += p[1];
			sum[2] += p[2];
			n++;
		}
	for (int b = 0; b < 3; b++)
		out[b] = (unsigned char)(n ? sum[b] / n : 255);
}

static int lightness(const unsigned char p[3])
{
	return (p[0] * 299 + p[1] * 587 + p[2] * 114) / 1000;
}

static void draw_cell(enum preview_mode mode, int y, int x, const unsigned char top[3],
		      const unsigned char bottom[3])
{
	static const char *const shades[] = { " ", "\u2591", "\u2592", "\u2593", "\u2588" };
	static const char ascii[] = " .:-=+*#%@";
	if (mode == PREVIEW_COLOUR) {
		short pair = pair_of(preview_xterm256(top[0], top[1], top[2]),
				     preview_xterm256(bottom[0], bottom[1], bottom[2]));
		if (pair) {
			attrset(COLOR_PAIR(pair));
			mvaddstr(y, x, "\u2580");
			attrset(A_NORMAL);
			return;
		}
		mode = PREVIEW_SHADE; /* out of pairs: the rest in shades */
	}
	int l = (lightness(top) + lightness(bottom)) / 2;
	if (mode == PREVIEW_SHADE) {
		mvaddstr(y, x, shades[l * 5 / 256]);
	} else {
		char c[2] = { ascii[l * 10 / 256], 0 };
		mvaddstr(y, x, c);
	}
}

void preview_draw(const struct vision_image *rgb, int y, int x, int h, int w)
{
	if (!rgb || rgb->bands != 3 || h < 1 || w < 1)
		return;
	/* pixels: w across, 2h down; a pixel is square */
	double s = (double)w / rgb->width;
	if (rgb->height * s > 2.0 * h)
		s = 2.0 * h / rgb->height;
	int tw = (int)(rgb->width * s + 0.5), th = (int)(rgb->height * s + 0.5);
	tw = tw < 1 ? 1 : tw > w ? w : tw;
	th = th < 2 ? 2 : th > 2 * h ? 2 * h : th;
	th += th & 1;
	enum preview_mode mode = preview_mode();
	int ox = x + (w - tw) / 2, oy = y + (h - th / 2) / 2;
	for (int row = 0; row < th / 2; row++)
		for (int col = 0; col < tw; col++) {
			unsigned char top[3], bottom[3];
			sample(rgb, col, 2 * row, tw, th, top);
			sample(rgb, col, 2 * row + 1, tw, th, bottom);
			draw_cell(mode, oy + row, ox + col, top, bottom);
		}
}
