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
	loaded = &api;
}

const struct vips_api *vips_lazy(const char **why)
{
	pthread_once(&once, load);
	if (!loaded && why)
		*why = failure;
	return loaded;
}
