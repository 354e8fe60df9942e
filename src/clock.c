/* clock.c - the system clock and the UTC text form used across the store. */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t system_now_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct clock clock_system = { system_now_ms, NULL };

void clock_format(int64_t ms, char out[CLOCK_TEXT_LEN])
{
	time_t secs = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, CLOCK_TEXT_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, CLOCK_TEXT_LEN - n, ".%03dZ", frac);
}

int64_t clock_parse(const char *text)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -1;
	int frac = 0;
	if (rest[0] == '.') {
		int digits = 0;
		for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*rest - '0');
		for (; digits > 0 && digits < 3; digits++)
			frac *= 10;
	}
	if (strcmp(rest, "Z") != 0)
		return -1;
	return (int64_t)timegm(&tm) * 1000 + frac;
}
