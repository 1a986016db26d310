// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader helpers shared by msglat and kicklat (see trace_helpers.h).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace_helpers.h"

volatile sig_atomic_t exiting;
static bool libbpf_verbose;

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

int signals__install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: sleep() must return early so the tool can print and exit. */
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

void print_time_prefix(FILE *f)
{
	char buf[16];
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%H:%M:%S", &tm))
		return;
	fprintf(f, "%s ", buf);
}

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_until(double until)
{
	double left = until - mono_now();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
	/* EINTR: the caller checks `exiting`. */
	nanosleep(&ts, NULL);
}

#define CLOCKSOURCE_PATH "/sys/devices/system/clocksource/clocksource0/current_clocksource"

bool clocksource__read(char *buf, size_t len)
{
	FILE *f = fopen(CLOCKSOURCE_PATH, "r");
	size_t n;

	snprintf(buf, len, "unknown");
	if (!f)
		return false;
	if (fgets(buf, (int)len, f)) {
		n = strcspn(buf, "\n");
		buf[n] = '\0';
	}
	fclose(f);
	return strstr(buf, "jiffies") != NULL;
}

void clocksource__warn(const char *tool, const char *name, bool coarse)
{
	static bool warned;

	if (!coarse || warned)
		return;
	warned = true;
	fprintf(stderr,
		"%s: WARNING: clocksource is %s: latencies have jiffy resolution (1-10 ms); "
		"boot the guest with tsc=reliable\n",
		tool, name);
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void libbpf_print__setup(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(print_fn);
}

int report_loop(long interval, long duration, int (*report)(void *ctx, double secs, bool reset),
		void *ctx)
{
	double start, last, end, next;
	int err;

	start = last = mono_now();
	end = duration ? start + duration : 0;
	next = interval ? start + interval : 0;
	while (!exiting) {
		double until = next;

		if (end && (!until || end < until))
			until = end;
		/* No deadline: wake every second (pause() could miss an early signal). */
		sleep_until(until ? until : mono_now() + 1);
		if (exiting || (end && mono_now() >= end))
			break;
		if (next && mono_now() >= next) {
			double t = mono_now();

			err = report(ctx, t - last, true);
			if (err)
				return err;
			last = t;
			next += interval;
		}
	}
	/* The final (or only) report, also after SIGINT/SIGTERM. */
	return report(ctx, mono_now() - last, false);
}
