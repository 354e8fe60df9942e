/* vips_lazy.h - libvips, loaded on first use.
 *
 * Linked the usual way, libvips and the hundred shared libraries it pulls
 * in cost every orrery process about 60 ms before main() (every CLI call,
 * the console's first frame), though most never open an image.  So the
 * library is opened with dlopen() the first time an image is read, and its
 * functions are called through this table, each with its own C type.
 * (The vision module's members follow the audit's: decoding, colour,
 * resampling, convolution, text and the savers.) */
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
	__typeof__(vips_image_new_from_file) *image_new_from_file;
	__typeof__(vips_image_new_from_memory) *image_new_from_memory;
	__typeof__(vips_image_write_to_memory) *image_write_to_memory;
	__typeof__(vips_foreign_find_load) *foreign_find_load;
	__typeof__(vips_image_get_bands) *image_get_bands;
	__typeof__(vips_image_get_format) *image_get_format;
	__typeof__(vips_image_get_interpretation) *image_get_interpretation;
	__typeof__(vips_image_get_typeof) *image_get_typeof;
	__typeof__(vips_image_set_blob_copy) *image_set_blob_copy;
	__typeof__(vips_autorot) *autorot;
	__typeof__(vips_colourspace) *colourspace;
	__typeof__(vips_icc_transform) *icc_transform;
	__typeof__(vips_cast) *cast;
	__typeof__(vips_extract_band) *extract_band;
	__typeof__(vips_resize) *resize;
	__typeof__(vips_gaussblur) *gaussblur;
	__typeof__(vips_text) *text;
	__typeof__(vips_jpegsave_buffer) *jpegsave_buffer;
	__typeof__(vips_webpsave_buffer) *webpsave_buffer;
	__typeof__(vips_heifsave_buffer) *heifsave_buffer;
	__typeof__(vips_pngsave_buffer) *pngsave_buffer;
	__typeof__(vips_profile_load) *profile_load;
	__typeof__(vips_area_get_data) *area_get_data;
	__typeof__(vips_area_unref) *area_unref;
	__typeof__(vips_concurrency_set) *concurrency_set;
	__typeof__(vips_thread_shutdown) *thread_shutdown;
	__typeof__(g_free) *g_free;
	__typeof__(g_log_set_handler) *g_log_set_handler;
	__typeof__(g_object_unref) *g_object_unref;
	__typeof__(g_type_from_name) *g_type_from_name;
};

/* The API, loaded and libvips started (vips_init) once per process,
 * thread-safe; NULL when libvips cannot be loaded or started, with *why
 * saying what is missing. */
const struct vips_api *vips_lazy(const char **why);

#endif
