/* preview.h - an image drawn in terminal cells: Unicode upper half blocks
 * with a 256-colour foreground (the upper pixel) and background (the lower
 * one), so a cell shows two pixels; without 256 colours a shade of the
 * pixels' lightness (Unicode blocks, or ASCII characters outside UTF-8). */
#ifndef ORR_UI_PREVIEW_H
#define ORR_UI_PREVIEW_H

#include <stddef.h>

struct vision_image;

enum preview_mode {
	PREVIEW_COLOUR,  /* half blocks, 256 colours */
	PREVIEW_SHADE,   /* Unicode shade blocks by lightness */
	PREVIEW_ASCII,   /* " .:-=+*#%@" by lightness */
};

/* What this terminal can show. */
enum preview_mode preview_mode(void);

/* Draw rgb (bands 3) in the rectangle at y, x of h rows and w columns,
 * aspect kept (a cell is taken as twice as tall as wide), centred. */
void preview_draw(const struct vision_image *rgb, int y, int x, int h, int w);

/* The xterm 256-colour index nearest to an sRGB colour (the 6x6x6 cube
 * or the grey ramp), exposed for tests. */
int preview_xterm256(unsigned char r, unsigned char g, unsigned char b);

#endif
