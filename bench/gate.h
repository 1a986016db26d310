/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gate.h - the latency regression gate (bench/vmsg-gate), on top of results.h.
 *
 * Gated figures of each summary record (bench/vmsg-summary), keyed
 * "<scenario>/<transport>/<figure>", each only when it is a number:
 *   median          the headline metric (direction from res_figures[])
 *   cost_vs_floor   times worse than the floor in the same run, lower is better
 *   messages_per_io transport messages per I/O, lower is better (0 = not traced: skipped)
 *
 * A figure regresses when it is worse than the baseline by more than its threshold, relative to
 * the baseline value; threshold = max(min_effect, 3 x noise), or max(min_effect, 5 %) when the
 * noise was not measured. A baseline figure that the summary lacks is "missing": a failure too.
 */
#ifndef GATE_H
#define GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define GATE_PASS 0
#define GATE_FAIL 1
#define GATE_EINPUT 2

#define GATE_MIN_EFFECT 0.02
#define GATE_DEFAULT_NOISE_THRESHOLD 0.05
#define GATE_NOISE_FACTOR 3.0
#define GATE_EPS 1e-9 /* a change exactly at the threshold is not a regression */
#define GATE_KEY_MAX 256
#define GATE_METHOD                                                                                \
	"median of N repetitions per boot; a figure regresses when it is worse than the baseline " \
	"by more than its threshold"

struct gate_fig {
	char key[GATE_KEY_MAX];
	char transport[64];
	double value;
	bool higher_better;
	double threshold; /* baseline figures only */
};

struct gate_figs {
	struct gate_fig *v;
	size_t n, cap;
};

void gate_figs__free(struct gate_figs *s);
const struct gate_fig *gate_figs__find(const struct gate_figs *s, const char *key);
int gate_figs__from_summary(struct gate_figs *out, json_t *sum, const char *path,
			    const char *transports);
int gate_figs__from_baseline(struct gate_figs *out, json_t *base, const char *path,
			     const char *transports);
double gate_figs__noise(const struct gate_figs *sets, size_t nsets, const char *key, size_t *n,
			double *min, double *max);

bool gate_listed(const char *list, const char *name);
double gate_round6(double x);
double gate_threshold(double min_effect, double noise);
double gate_change(double base, double now);
double gate_worse_by(const struct gate_fig *base, double now);

/* the commands; the report goes to out, errors to stderr; GATE_PASS / _FAIL / _EINPUT */
int gate_noise(char **paths, size_t n, const char *transports, FILE *out);
int gate_update(const char *bpath, char **paths, size_t n, const char *transports,
		double min_effect, FILE *out);
int gate_check(const char *bpath, const char *spath, const char *transports, FILE *out);
/* the whole vmsg-gate command line (getopt_long) */
int gate_main(int argc, char **argv, FILE *out);

#endif
