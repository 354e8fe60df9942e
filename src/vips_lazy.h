/* vips_lazy.h - libvips, loaded on first use.
 *
 * Linked the usual way, libvips and the hundred shared libraries it pulls
 * in cost every orrery process about 60 ms before main() (every CLI call,
 * the console's first frame), though most never open an image.  So the
 * library is opened with dlopen() the first time an image is read, and its
 * functions are called through this table, each with its own C type. */
#ifndef ORR_VIPS_LAZY_H
#define ORR_VIPS_LAZY_H

#include <vips/vips.h>

struct vips_api {
	__typeof__(vips_init) *init;
	__typeof__(vips_cache_set_max) *cache_set_max;
	__typeof__(vips_error_buffer_copy) *error_buffer_copy;
	__typeof__(vips_error_clear) *error_clear;
	__typeof__(vips_nickname_find) *nickname_find;
	__typeof__(vips_foreign_find_load_source) *foreign_find_load_source;
	__typeof__(vips_image_new_from_source) *image_new_from_source;
	__typeof__(vips_image_get_width) *image_get_width;
	__typeof__(vips_image_get_height) *image_get_height;
	__typeof__(vips_source_new_from_descriptor) *source_new_from_descriptor;
	__typeof__(g_free) *g_free;
	__typeof__(g_log_set_handler) *g_log_set_handler;
	__typeof__(g_object_unref) *g_object_unref;
	__typeof__(g_type_from_name) *g_type_from_name;
};

/* The API, loaded once per process (thread-safe); NULL when libvips cannot
 * be loaded, with *why saying what is missing. */
const struct vips_api *vips_lazy(const char **why);

#endif
