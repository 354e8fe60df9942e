/* filedrop.c - atomic files in the drop directory. */
#include "filedrop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "xalloc.h"

char *filedrop_dir(const struct store *st)
{
	const char *env = getenv("ORRERY_DROP_DIR");
	if (env && *env)
		return xstrdup(env);
	const char *db = store_path(st);
	const char *slash = db ? strrchr(db, '/') : NULL;
	if (!slash)
		return xstrdup("drop");
	return xasprintf("%.*s/drop", (int)(slash - db), db);
}

char *filedrop_safe_name(const char *name)
{
	char *s = xstrdup(name);
	for (char *p = s; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || (*p == '.' && p != s);
		if (!ok)
			*p = '_';
	}
	return s;
}

/* mkdir -p of one directory path. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, 0777);
		*p = '/';
		if (r != 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

static int write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write tmp, flush it to disk, rename over final. */
static int write_atomic(const char *tmp, const char *final, const char *text)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	int r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = fsync(fd);
	if (close(fd) != 0)
		r = -1;
	if (r == 0)
		r = rename(tmp, final);
	if (r != 0) {
		int saved = errno;
		unlink(tmp);
		errno = saved;
	}
	return r;
}

enum orr_rc filedrop_write(const struct store *st, const char *sub, const char *name,
			   const char *text, char **path, char **err)
{
	char *root = filedrop_dir(st);
	char *dir = xasprintf("%s/%s", root, sub);
	free(root);
	*path = NULL;
	if (make_dirs(dir) != 0) {
		*err = xasprintf("%s: cannot create the drop directory: %s", dir, strerror(errno));
		free(dir);
		return ORR_IOERR;
	}
	char *final = xasprintf("%s/%s", dir, name);
	/* unique per process and write: two workers may drop at once */
	static atomic_uint seq;
	char *tmp = xasprintf("%s/.%s.%ld.%u.tmp", dir, name, (long)getpid(),
			      atomic_fetch_add(&seq, 1));
	free(dir);
	enum orr_rc rc = ORR_OK;
	if (write_atomic(tmp, final, text) != 0) {
		*err = xasprintf("%s: cannot write: %s", final, strerror(errno));
		rc = ORR_IOERR;
		free(final);
	} else {
		*path = final;
	}
	free(tmp);
	return rc;
}
