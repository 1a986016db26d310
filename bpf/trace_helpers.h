/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Small helpers every loader in bpf/ uses: number parsing with range
 * checks, the -T timestamp, libbpf's log callback and the stop flag that
 * SIGINT/SIGTERM set.
 */
#ifndef __TRACE_HELPERS_H
#define __TRACE_HELPERS_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <bpf/libbpf.h>

/* Exit codes shared by our tools: 0 ok, 1 failure, 2 usage. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

extern volatile sig_atomic_t exiting;

/* Parse a decimal number in [min, max]; 0 or -EINVAL. */
int parse_long(const char *s, long min, long max, long *out);
/* Set `exiting` on SIGINT and SIGTERM; 0 or -errno. */
int signals__install(void);
/* Print "HH:MM:SS " (local time) like libbpf-tools' -T. */
void print_time_prefix(FILE *f);
/* CLOCK_MONOTONIC in seconds. */
double mono_now(void);
/* Sleep until mono_now() >= @until, or less if a signal arrives. */
void sleep_until(double until);
/*
 * Read the current clocksource's name into @buf (\"unknown\" if unreadable)
 * and return true when it is jiffies based: bpf_ktime_get_ns() then moves
 * in 1-10 ms steps and every latency below that reads as 0.  Seen in TCG
 * guests: the watchdog marks the TSC unstable mid-run and falls back to
 * refined-jiffies (boot with tsc=reliable to keep the TSC).
 */
bool clocksource__read(char *buf, size_t len);
/* Warn on stderr, once per tool run, if clocksource__read() says coarse. */
void clocksource__warn(const char *tool, const char *name, bool coarse);
/* libbpf log callback: debug messages only when *verbose. */
void libbpf_print__setup(bool verbose);
/*
 * The reporting loop of every tool: call @report(@ctx, seconds since the
 * last report, reset) each @interval seconds (0: never), then once more at
 * the end, after @duration seconds (0: until SIGINT/SIGTERM).  Stops at the
 * first report that fails and returns its error; 0 otherwise.
 */
int report_loop(long interval, long duration, int (*report)(void *ctx, double secs, bool reset),
		void *ctx);

#endif /* __TRACE_HELPERS_H */
