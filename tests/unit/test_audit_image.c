/* Unit tests for audit_image.c: header-only dimensions through libvips and
 * the marketplace minimum.  The fixtures are described in
 * tests/fixtures/images/README.md; tests/run.sh runs us from the repo root. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vips/vips.h>

#include "audit_image.h"
#include "rc.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))
#define FIXTURE(name) "tests/fixtures/images/" name

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct {
	const char *path;
	int width, height;
} good[] = {
	{ FIXTURE("png-7x5.png"), 7, 5 },
	{ FIXTURE("jpeg-9x4.jpg"), 9, 4 },
	{ FIXTURE("gif-6x11.gif"), 6, 11 },
	{ FIXTURE("webp-3x8.webp"), 3, 8 },
	{ FIXTURE("huge-20000x20000.png"), 20000, 20000 },
	{ FIXTURE("huge-20000x20000.jpg"), 20000, 20000 },
};

Test(image_dimensions, formats)
{
	for (size_t i = 0; i < COUNT(good); i++) {
		int w = -1, h = -1;
		char *err = (char *)"unset";
		int rc = image_dimensions(good[i].path, &w, &h, &err);
		cr_expect_eq(rc, ORR_OK, "%s: rc %d (%s)", good[i].path, rc, err ? err : "");
		cr_expect_null(err, "%s: err set on success", good[i].path);
		cr_expect_eq(w, good[i].width, "%s: width %d, want %d", good[i].path, w, good[i].width);
		cr_expect_eq(h, good[i].height, "%s: height %d, want %d", good[i].path, h, good[i].height);
		free(err);
	}
}

/* 20000x20000 is 1.2 GB of pixels: decoding them would take seconds and
 * gigabytes (the files hold only 100-300 bytes of them anyway).  Header
 * only is milliseconds, even under ASan. */
Test(image_dimensions, huge_claim_reads_header_only, .timeout = 30)
{
	static const char *const huge[] = {
		FIXTURE("huge-20000x20000.png"),
		FIXTURE("huge-20000x20000.jpg"),
	};
	for (size_t i = 0; i < COUNT(huge); i++) {
		int w = 0, h = 0;
		double t0 = now_s();
		int rc = image_dimensions(huge[i], &w, &h, NULL);
		double took = now_s() - t0;
		cr_expect_eq(rc, ORR_OK, "%s: rc %d", huge[i], rc);
		cr_expect(w == 20000 && h == 20000, "%s: %dx%d", huge[i], w, h);
		cr_expect(took < 2.0, "%s took %.3f s", huge[i], took);
	}
}

Test(image_dimensions, refused)
{
	static const struct {
		const char *path;
		int rc;
		const char *reason; /* a substring of *err, or NULL for vips' own */
	} cases[] = {
		{ FIXTURE("no-such-file.png"), ORR_NOINPUT, "No such file" },
		{ FIXTURE("text.jpg"), ORR_DATAERR, "not a supported image format" },
		{ FIXTURE("empty.png"), ORR_DATAERR, "empty file" },
		{ FIXTURE("truncated.png"), ORR_DATAERR, NULL },
		{ FIXTURE("corrupt.jpg"), ORR_DATAERR, NULL },
		{ FIXTURE("README.md"), ORR_DATAERR, "not a supported image format" },
		{ "tests/fixtures/images", ORR_DATAERR, "not a regular file" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		int w = -1, h = -1;
		char *err = NULL;
		int rc = image_dimensions(cases[i].path, &w, &h, &err);
		cr_expect_eq(rc, cases[i].rc, "%s: rc %d, want %d (%s)", cases[i].path, rc, cases[i].rc,
			     err ? err : "");
		cr_expect(w == -1 && h == -1, "%s: outputs written on failure", cases[i].path);
		cr_assert_not_null(err, "%s: no message", cases[i].path);
		cr_expect(strncmp(err, cases[i].path, strlen(cases[i].path)) == 0 &&
				  strncmp(err + strlen(cases[i].path), ": ", 2) == 0 &&
				  strlen(err) > strlen(cases[i].path) + 2,
			  "%s: message \"%s\" is not \"path: reason\"", cases[i].path, err);
		cr_expect(!strchr(err, '\n'), "%s: message has a newline: \"%s\"", cases[i].path, err);
		if (cases[i].reason)
			cr_expect(strstr(err, cases[i].reason), "%s: \"%s\" lacks \"%s\"", cases[i].path, err,
				  cases[i].reason);
		cr_expect_str_empty(vips_error_buffer(), "%s: vips error buffer left: %s", cases[i].path,
				    vips_error_buffer());
		free(err);
	}
}

/* Over 200 MB is refused before any of it is read: a sparse file with a
 * PNG signature, so only the size can be the reason. */
Test(image_dimensions, too_large)
{
	char path[] = "/tmp/orrery-audit-big-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "\x89PNG\r\n\x1a\n", 8), 8);
	cr_assert_eq(ftruncate(fd, IMAGE_MAX_BYTES + 1), 0);
	close(fd);
	char *err = NULL;
	int w = -1, h = -1;
	int rc = image_dimensions(path, &w, &h, &err);
	cr_expect_eq(rc, ORR_DATAERR);
	cr_expect(err && strstr(err, "too large"), "err: %s", err ? err : "(null)");
	free(err);

	cr_assert_eq(truncate(path, IMAGE_MAX_BYTES), 0); /* at the limit: sniffed, not refused */
	rc = image_dimensions(path, &w, &h, &err);
	cr_expect_eq(rc, ORR_DATAERR);
	cr_expect(err && !strstr(err, "too large"), "err: %s", err ? err : "(null)");
	free(err);
	unlink(path);
}

Test(image_dimensions, null_err_is_allowed)
{
	int w = 0, h = 0;
	cr_expect_eq(image_dimensions(FIXTURE("text.jpg"), &w, &h, NULL), ORR_DATAERR);
	cr_expect_eq(image_dimensions(FIXTURE("no-such-file.png"), &w, &h, NULL), ORR_NOINPUT);
	cr_expect_eq(image_dimensions(FIXTURE("png-7x5.png"), &w, &h, NULL), ORR_OK);
	cr_expect(w == 7 && h == 5);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Every path, good or bad, closes what it opened. */
Test(image_dimensions, no_descriptor_leak)
{
	int w, h;
	image_dimensions(good[0].path, &w, &h, NULL); /* vips starts up first */
	int before = open_fds();
	if (before < 0)
		cr_skip_test("no /proc/self/fd");
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < COUNT(good); i++)
			cr_assert_eq(image_dimensions(good[i].path, &w, &h, NULL), ORR_OK);
		image_dimensions(FIXTURE("corrupt.jpg"), &w, &h, NULL);
		image_dimensions(FIXTURE("text.jpg"), &w, &h, NULL);
		image_dimensions(FIXTURE("truncated.png"), &w, &h, NULL);
	}
	cr_expect_eq(open_fds(), before, "descriptors: %d before, %d after", before, open_fds());
}

static void *dims_thread(void *arg)
{
	(void)arg;
	for (int round = 0; round < 25; round++)
		for (size_t i = 0; i < COUNT(good); i++) {
			int w = 0, h = 0;
			if (image_dimensions(good[i].path, &w, &h, NULL) != ORR_OK ||
			    w != good[i].width || h != good[i].height)
				return (void *)1;
		}
	return NULL;
}

/* The first calls race to start libvips: pthread_once must make that safe. */
Test(image_dimensions, threads)
{
	pthread_t t[4];
	for (size_t i = 0; i < COUNT(t); i++)
		cr_assert_eq(pthread_create(&t[i], NULL, dims_thread, NULL), 0);
	for (size_t i = 0; i < COUNT(t); i++) {
		void *bad = NULL;
		pthread_join(t[i], &bad);
		cr_expect_null(bad, "thread %zu got a wrong answer", i);
	}
}

Test(image_meets_minimum, table)
{
	static const struct {
		int w, h, min;
		bool ok;
	} cases[] = {
		{ 1000, 1000, 1000, true }, { 1600, 1200, 1000, true }, { 999, 1500, 1000, false },
		{ 1500, 999, 1000, false }, { 500, 500, 500, true },     { 499, 800, 500, false },
		{ 20000, 20000, 1000, true }, { 0, 0, 500, false },     { 7, 5, 0, true },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		cr_expect_eq(image_meets_minimum(cases[i].w, cases[i].h, cases[i].min), cases[i].ok,
			     "image_meets_minimum(%d, %d, %d)", cases[i].w, cases[i].h, cases[i].min);
}
