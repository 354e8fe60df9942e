/* secrets.c - load, check and look up secrets.json (see secrets.h). */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

#define SECRETS_MAX_DEPTH 8

struct secret_entry {
	char *key;     /* dotted path */
	char **values; /* newest first */
	size_t n;
};

struct secrets {
	char *path;
	struct secret_entry *v;
	size_t n, cap;
};

char *secrets_path_beside(const char *db_path)
{
	const char *slash = strrchr(db_path, '/');
	if (!slash)
		return xstrdup(SECRETS_FILE);
	return xasprintf("%.*s/" SECRETS_FILE, (int)(slash - db_path), db_path);
}

const char *secrets_path(const struct secrets *s)
{
	return s->path;
}

/* Overwrite then free a string that may hold a secret. */
static void wipe_free(char *p, size_t len)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t k = 0; k < s->v[i].n; k++)
			wipe_free(s->v[i].values[k], strlen(s->v[i].values[k]));
		free(s->v[i].values);
		free(s->v[i].key);
	}
	free(s->v);
	free(s->path);
	free(s);
}

/* Only the owner, who must be us: anything looser is refused, as ssh does
 * with a private key, because the file holds what signs and verifies. */
static enum orr_rc check_mode(const char *path, const struct stat *st, char **err)
{
	if (!S_ISREG(st->st_mode)) {
		*err = xasprintf("%s: not a regular file", path);
		return ORR_DATAERR;
	}
	if (st->st_mode & 077) {
		*err = xasprintf("%s: mode %04o lets other users at the secrets; it must be 0600 "
				 "(chmod 600 %s)", path, (unsigned)(st->st_mode & 07777), path);
		return ORR_DATAERR;
	}
	if (st->st_uid != geteuid()) {
		*err = xasprintf("%s: owned by uid %u, not by the user running orrery (uid %u)",
				 path, (unsigned)st->st_uid, (unsigned)geteuid());
		return ORR_DATAERR;
	}
	return ORR_OK;
}

/* The whole file, checked through the descriptor it is read from (no
 * window between the check and the read). */
static enum orr_rc read_file(const char *path, int required, char **buf, size_t *len, char **err)
{
	*buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !required)
			return ORR_OK;
		*err = xasprintf("%s: %s", path, strerror(errno));
		return errno == ENOENT ? ORR_NOINPUT : ORR_IOERR;
	}
	struct stat st;
	enum orr_rc rc = ORR_OK;
	if (fstat(fd, &st) != 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		rc = ORR_IOERR;
	} else if ((rc = check_mode(path, &st, err)) == ORR_OK && st.st_size > SECRETS_MAX_BYTES) {
		*err = xasprintf("%s: larger than %d bytes", path, SECRETS_MAX_BYTES);
		rc = ORR_DATAERR;
	}
	if (rc != ORR_OK) {
		close(fd);
		return rc;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		ssize_t r = read(fd, b + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			rc = ORR_IOERR;
		}
		if (r <= 0 || (n += (size_t)r) == cap - 1)
			break;
	}
	close(fd);
	if (rc != ORR_OK) {
		wipe_free(b, cap);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return ORR_OK;
}

static void add_entry(struct secrets *s, const char *key, json_t *val)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	struct secret_entry *e = &s->v[s->n++];
	e->key = xstrdup(key);
	e->n = json_is_array(val) ? json_array_size(val) : 1;
	e->values = xcalloc(e->n, sizeof *e->values);
	for (size_t k = 0; k < e->n; k++)
		e->values[k] = xstrdup(json_string_value(json_is_array(val) ? json_array_get(val, k) : val));
}

/* A leaf must be a non-empty string or a non-empty list of them. */
static int leaf_ok(json_t *val)
{
	if (json_is_string(val))
		return json_string_length(val) > 0;
	if (!json_is_array(val) || json_array_size(val) == 0)
		return 0;
	size_t i;
	json_t *x;
	json_array_foreach (val, i, x)
		if (!json_is_string(x) || json_string_length(x) == 0)
			return 0;
	return 1;
}

/* Flatten obj into dotted keys under prefix.  A message names the key,
 * never the value. */
static enum orr_rc flatten(struct secrets *s, json_t *obj, const char *prefix, int depth, char **err)
{
	const char *k;
	json_t *val;
	json_object_foreach (obj, k, val) {
		char *key = *prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
		enum orr_rc rc = ORR_OK;
		if (json_is_object(val) && depth < SECRETS_MAX_DEPTH) {
			rc = flatten(s, val, key, depth + 1, err);
		} else if (leaf_ok(val)) {
			add_entry(s, key, val);
		} else {
			*err = xasprintf("%s: key \"%s\": the value must be a non-empty string or a "
					 "list of them", s->path, key);
			rc = ORR_DATAERR;
		}
		free(key);
		if (rc != ORR_OK)
			return rc;
	}
	return ORR_OK;
}

enum orr_rc secrets_load(const char *path, int required, struct secrets **out, char **err)
{
	char *buf;
	size_t len;
	enum orr_rc rc = read_file(path, required, &buf, &len, err);
	if (rc != ORR_OK)
		return rc;
	struct secrets *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	if (!buf) {
		*out = s;
		return ORR_OK;
	}
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	wipe_free(buf, len);
	/* jansson's own text can quote the bytes near the error, that is a
	 * piece of a secret: only the position is reported. */
	if (!root) {
		*err = xasprintf("%s: line %d column %d: not valid JSON (or a key given twice)", path,
				 je.line, je.column);
		rc = ORR_DATAERR;
	} else if (!json_is_object(root)) {
		*err = xasprintf("%s: must be a JSON object of keys", path);
		rc = ORR_DATAERR;
	} else {
		rc = flatten(s, root, "", 0, err);
	}
	json_decref(root);
	if (rc != ORR_OK) {
		secrets_free(s);
		return rc;
	}
	*out = s;
	return ORR_OK;
}

const char *const *secrets_get_all(const struct secrets *s, const char *key, size_t *n)
{
	*n = 0;
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0) {
			*n = s->v[i].n;
			return (const char *const *)s->v[i].values;
		}
	return NULL;
}

const char *secrets_get(const struct secrets *s, const char *key)
{
	size_t n;
	const char *const *v = secrets_get_all(s, key, &n);
	return n ? v[0] : NULL;
}
