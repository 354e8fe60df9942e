/* audit_image.c - image headers for the data audit, read through libvips.
 * (libvips itself is loaded on first use: vips_lazy.h.)
 * vips_image_new_from_source() is lazy: it parses the header and decodes
 * no pixels until asked for them, and we never ask. */
#include "audit_image.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rc.h"
#include "vips_lazy.h"
#include "xalloc.h"

static pthread_once_t image_once = PTHREAD_ONCE_INIT;
static const struct vips_api *V; /* NULL until started */
static const char *image_why = "libvips failed to start";

/* Drop a libvips warning.  Broken files are the point of an audit, each
 * one already reported through *err; printed, their warnings ("not enough
 * data") would land in the middle of the TUI. */
static void image_quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

/* Start libvips once per process.  Its operation cache is turned off: each
 * file is opened once, and a cache would only keep thousands of headers and
 * descriptors alive. */
static void image_init(void)
{
	const struct vips_api *v = vips_lazy(&image_why);
	if (!v || v->init("orrery") != 0)
		return;
	v->cache_set_max(0);
	v->g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, image_quiet, NULL);
	V = v;
}

/* Hand msg (allocated) to the caller, or drop it; returns rc. */
static int image_fail(char **err, int rc, char *msg)
{
	if (err)
		*err = msg;
	else
		free(msg);
	return rc;
}

/* The first line of libvips' error buffer, which this also clears so that
 * the next failure does not report this one's reason.  Some failures leave
 * only a warning (silenced) and an empty buffer: then `fallback`. */
static char *image_vips_reason(const char *fallback)
{
	char *buf = V->error_buffer_copy();
	size_t n = strcspn(buf, "\n");
	char *reason = n > 0 ? xstrndup(buf, n) : xstrdup(fallback);
	V->g_free(buf);
	return reason;
}

/* The loader's nickname ("pngload_source"): find_load_source names the
 * class ("VipsForeignLoadPngSource"), which differs between builds. */
static const char *image_loader_nickname(const char *class_name)
{
	GType type = class_name ? V->g_type_from_name(class_name) : 0;
	return type ? V->nickname_find(type) : NULL;
}

/* Only the formats a marketplace takes.  vips could also open SVG, PDF,
 * matrix or raw files, but those are not product photos, and some of its
 * loaders are not meant for untrusted input. */
static bool image_loader_allowed(const char *loader)
{
	static const char *const allowed[] = {
		"jpegload_source", "pngload_source", "gifload_source",
		"webpload_source", "tiffload_source", "heifload_source",
	};
	for (size_t i = 0; loader && i < sizeof allowed / sizeof *allowed; i++)
		if (strcmp(loader, allowed[i]) == 0)
			return true;
	return false;
}

/* Checks on the open file before any parsing: the size cap comes first so
 * nothing of an oversized file is read. */
static int image_check_file(int fd, const char *path, char **err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return image_fail(err, ORR_NOINPUT, xasprintf("%s: %s", path, strerror(errno)));
	if (!S_ISREG(st.st_mode))
		return image_fail(err, ORR_DATAERR, xasprintf("%s: not a regular file", path));
	if (st.st_size == 0)
		return image_fail(err, ORR_DATAERR, xasprintf("%s: empty file", path));
	if (st.st_size > IMAGE_MAX_BYTES)
		return image_fail(err, ORR_DATAERR,
				  xasprintf("%s: too large (%lld bytes, limit %ld)", path,
					    (long long)st.st_size, IMAGE_MAX_BYTES));
	return ORR_OK;
}

/* Sniff the format of source, refuse any but the allowed ones, then parse
 * the header. */
static int image_read_header(VipsSource *source, const char *path, int *width, int *height,
			     char **err)
{
	const char *loader = image_loader_nickname(V->foreign_find_load_source(source));
	if (!image_loader_allowed(loader)) {
		V->error_clear();
		return image_fail(err, ORR_DATAERR,
				  xasprintf("%s: not a supported image format%s%s%s", path,
					    loader ? " (" : "", loader ? loader : "", loader ? ")" : ""));
	}
	VipsImage *image = V->image_new_from_source(source, "", NULL);
	if (!image) {
		char *reason = image_vips_reason("header unreadable");
		int rc = image_fail(err, ORR_DATAERR, xasprintf("%s: %s", path, reason));
		free(reason);
		return rc;
	}
	*width = V->image_get_width(image);
	*height = V->image_get_height(image);
	V->g_object_unref(image);
	return ORR_OK;
}

/* The header of the open file.  The source reads through its own dup of
 * fd, so we read the very file we checked, whatever happens to the path. */
static int image_header(int fd, const char *path, int *width, int *height, char **err)
{
	VipsSource *source = V->source_new_from_descriptor(fd);
	if (!source) {
		char *reason = image_vips_reason("cannot read the file");
		int rc = image_fail(err, ORR_DATAERR, xasprintf("%s: %s", path, reason));
		free(reason);
		return rc;
	}
	int rc = image_read_header(source, path, width, height, err);
	V->g_object_unref(source);
	return rc;
}

int image_dimensions(const char *path, int *width, int *height, char **err)
{
	if (err)
		*err = NULL;
	pthread_once(&image_once, image_init);
	if (!V)
		return image_fail(err, ORR_SOFTWARE, xasprintf("%s: %s", path, image_why));
	/* O_NONBLOCK so a FIFO planted among the images cannot hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return image_fail(err, ORR_NOINPUT, xasprintf("%s: %s", path, strerror(errno)));
	int rc = image_check_file(fd, path, err);
	if (rc == ORR_OK)
		rc = image_header(fd, path, width, height, err);
	close(fd);
	return rc;
}

bool image_meets_minimum(int width, int height, int min_side)
{
	return width >= min_side && height >= min_side;
}
