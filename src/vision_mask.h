/* vision_mask.h - the background model behind vision_mask() and
 * vision_cutout() (declared in vision.h), exposed for the tests.
 *
 * The background is modelled from the image's border as a smooth surface:
 * per channel a quadratic in x and y (so linear gradients and vignetting are
 * followed), fitted in CIE Lab by trimmed least squares so that the
 * product, where it touches the frame, does not pull the fit. */
#ifndef ORR_VISION_MASK_H
#define ORR_VISION_MASK_H

#include <stdbool.h>

#include "vision.h"

struct vision_bgmodel {
	double lab[3][6];  /* L, a, b: c0 + c1 u + c2 v + c3 u^2 + c4 uv + c5 v^2, u, v in [-1, 1] */
	double rgb[3][6];  /* the same surface in sRGB 0..255 (for de-spill and white balance) */
	double noise;      /* median distance of the border's background pixels to the model */
	double spread;     /* the 90th percentile of that distance */
	double support;    /* share of the border the model explains (0..1) */
};

/* Fit the background model to img's border (bands 3 or 4).  False when no
 * background can be told apart (an image under 8x8 pixels). */
bool vision_bg_fit(const struct vision_image *img, struct vision_bgmodel *m);

/* sRGB 8-bit to CIE Lab (D65). */
void vision_lab(const unsigned char rgb[3], float lab[3]);

#endif
