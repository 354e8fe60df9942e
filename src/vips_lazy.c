/* vips_lazy.c - dlopen libvips on first use. */
#include "vips_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

/* The ABI of libvips 8: the soname every 8.x release keeps. */
#define VIPS_SONAME "libvips.so.42"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct vips_api api;
static const struct vips_api *loaded;
static const char *failure = "libvips is not loaded";

/* Each member and the symbol it is, in struct order. */
static const struct {
	size_t offset;
	const char *symbol;
} symbols[] = {
#define SYM(member, name) { offsetof(struct vips_api, member), name }
	SYM(init, "vips_init"),
	SYM(cache_set_max, "vips_cache_set_max"),
	SYM(error_buffer_copy, "vips_error_buffer_copy"),
	SYM(error_clear, "vips_error_clear"),
	SYM(nickname_find, "vips_nickname_find"),
	SYM(foreign_find_load_source, "vips_foreign_find_load_source"),
	SYM(image_new_from_source, "vips_image_new_from_source"),
	SYM(image_get_width, "vips_image_get_width"),
	SYM(image_get_height, "vips_image_get_height"),
	SYM(source_new_from_descriptor, "vips_source_new_from_descriptor"),
	SYM(image_new_from_file, "vips_image_new_from_file"),
	SYM(image_new_from_memory, "vips_image_new_from_memory"),
	SYM(image_write_to_memory, "vips_image_write_to_memory"),
	SYM(foreign_find_load, "vips_foreign_find_load"),
	SYM(image_get_bands, "vips_image_get_bands"),
	SYM(image_get_format, "vips_image_get_format"),
	SYM(image_get_interpretation, "vips_image_get_interpretation"),
	SYM(image_get_typeof, "vips_image_get_typeof"),
	SYM(image_set_blob_copy, "vips_image_set_blob_copy"),
	SYM(autorot, "vips_autorot"),
	SYM(colourspace, "vips_colourspace"),
	SYM(icc_transform, "vips_icc_transform"),
	SYM(cast, "vips_cast"),
	SYM(extract_band, "vips_extract_band"),
	SYM(resize, "vips_resize"),
	SYM(gaussblur, "vips_gaussblur"),
	SYM(text, "vips_text"),
	SYM(jpegsave_buffer, "vips_jpegsave_buffer"),
	SYM(webpsave_buffer, "vips_webpsave_buffer"),
	SYM(heifsave_buffer, "vips_heifsave_buffer"),
	SYM(pngsave_buffer, "vips_pngsave_buffer"),
	SYM(profile_load, "vips_profile_load"),
	SYM(area_get_data, "vips_area_get_data"),
	SYM(area_unref, "vips_area_unref"),
	SYM(concurrency_set, "vips_concurrency_set"),
	SYM(thread_shutdown, "vips_thread_shutdown"),
	SYM(g_free, "g_free"),
	SYM(g_log_set_handler, "g_log_set_handler"),
	SYM(g_object_unref, "g_object_unref"),
	SYM(g_type_from_name, "g_type_from_name"),
#undef SYM
};

static void load(void)
{
	/* never unloaded: GLib's type system cannot be torn down */
	void *h = dlopen(VIPS_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		failure = "cannot load " VIPS_SONAME " (install libvips42)";
		return;
	}
	for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++) {
		/* dlsym also finds GLib's symbols: they are libvips' dependencies */
		void *p = dlsym(h, symbols[i].symbol);
		if (!p) {
			failure = "libvips lacks a function orrery needs";
			return;
		}
		*(void **)((char *)&api + symbols[i].offset) = p;
	}
	/* Started here, once for the process: vips_init is not safe to enter
	 * from two threads at once (the audit's image check and a vision job
	 * can start together on two workers).  Later vips_init calls by the
	 * users of this table return at once. */
	if (api.init("orrery") != 0) {
		failure = "libvips failed to start";
		return;
	}
	loaded = &api;
}

const struct vips_api *vips_lazy(const char **why)
{
	pthread_once(&once, load);
	if (!loaded && why)
		*why = failure;
	return loaded;
}
