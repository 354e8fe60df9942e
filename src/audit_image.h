/* audit_image.h - image checks for the data audit: the dimensions of a
 * local image, read from its header only, and the marketplace minimum.
 * libvips stays behind this header. */
#ifndef ORR_AUDIT_IMAGE_H
#define ORR_AUDIT_IMAGE_H

#include <stdbool.h>

/* Files larger than this are refused unopened. */
#define IMAGE_MAX_BYTES (200L * 1024 * 1024)

/* Width and height in pixels of the JPEG, PNG, GIF, WebP, TIFF or HEIF/AVIF
 * image at path, from its header: the pixels are never decoded, so a
 * 20000x20000 image costs what a thumbnail does.  Safe from any thread;
 * starts libvips on first use (and turns its operation cache off).
 *
 * Returns ORR_OK (0), or with *err set (when err is not NULL) to an
 * allocated "path: reason" the caller frees:
 *   ORR_NOINPUT   the file is missing or cannot be opened;
 *   ORR_DATAERR   it is not a regular file, is empty, is over
 *                 IMAGE_MAX_BYTES, is in no format above, or its header is
 *                 unreadable (the reason is the first line of libvips');
 *   ORR_SOFTWARE  libvips failed to start.
 * *width and *height are written only on success. */
int image_dimensions(const char *path, int *width, int *height, char **err);

/* Both sides are at least min_side pixels (the marketplace minimum: 1000
 * for zoom on Amazon, 500 typically). */
bool image_meets_minimum(int width, int height, int min_side);

#endif
