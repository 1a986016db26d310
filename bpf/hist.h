/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log2 latency histogram shared by the BPF side (hist.bpf.h fills it) and
 * the loaders (hist.c prints it as a table or JSON).  Slot i counts values
 * in [2^i, 2^(i+1) - 1] nanoseconds, except slot 0, which is [0, 1]; the
 * last slot also takes everything larger (as libbpf-tools' log2 slots).  Nanoseconds,
 * not microseconds as in most libbpf-tools: a loopback message round trip
 * is a few microseconds, and log2 of microseconds would put it in 2 slots.
 */
#ifndef __HIST_H
#define __HIST_H

/* 2^36 ns = 68 s: nothing we time takes longer without being a hang. */
#define HIST_SLOTS 36

struct hist {
	unsigned long long slots[HIST_SLOTS];
};

#ifndef __bpf__
#include <stdio.h>

/* Text table in the shape of libbpf-tools' print_log2_hist(). */
void hist__print(const struct hist *h, const char *val_type);
/* Sum of all slots. */
unsigned long long hist__total(const struct hist *h);
/*
 * Estimate the @pct percentile (0 < pct < 100) in microseconds by linear
 * interpolation inside the slot that holds it; 0 for an empty histogram.
 */
double hist__percentile_us(const struct hist *h, double pct);
/*
 * Write {"unit":"ns","slots":[{"lo":..,"hi":..,"count":..},...],
 * "p50_us":..,"p99_us":..} (non-empty slots only; lo/hi inclusive, in ns).
 */
void hist__json(FILE *f, const struct hist *h);
/* Write @s as a JSON string literal. */
void json__string(FILE *f, const char *s);
#endif

#endif /* __HIST_H */
