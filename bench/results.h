/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results.h - the bench results library: shared helpers of the bench tools (vmsg-summary,
 * vmsg-report, vmsg-tune, tests).
 *
 * Raw results live in results/<run-id>/raw/ as <scenario>__<transport>__r<N>.json (fio
 * --output-format=json, iperf3 -J or rr output, verbatim) with optional side files
 * <same stem>.kicklat.json / .msglat.json from the bpf tools. Everything here is pure
 * parsing and maths so that tests/ can exercise it without a guest.
 */
#ifndef RESULTS_H
#define RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define RES_NAME_MAX 64

/* What a scenario is measured by (its headline number). */
enum res_metric {
	RES_METRIC_LAT,	 /* mean latency, microseconds, lower is better */
	RES_METRIC_IOPS, /* I/O per second, higher is better */
	RES_METRIC_BW,	 /* bandwidth, Gbit/s, higher is better */
};

/* One repetition of one scenario on one transport. NAN = not measured. */
struct res_sample {
	enum res_metric metric;
	double lat_us; /* mean completion latency (fio clat) or round-trip time (rr) */
	double p50_us;
	double p99_us;
	double iops;
	double gbps;
	double ios; /* I/O count (fio total_ios, rr round trips, iperf3 0) for per-I/O ratios */
};

double res_median(const double *v, size_t n);
double res_percentile(const double *v, size_t n, double pct);
double res_ratio(double num, double den);
bool res_metric__higher_better(enum res_metric m);
const char *res_metric__name(enum res_metric m);

int res_parse_name(const char *fname, char *scen, char *transport, int *rep, char *side);
int res_sample__parse(json_t *root, struct res_sample *s);
int res_sample__parse_fio(json_t *root, struct res_sample *s);
int res_sample__parse_iperf3(json_t *root, struct res_sample *s);
int res_sample__parse_rr(json_t *root, struct res_sample *s);
double res_parse_bpf_count(json_t *root);
int res_parse_kv(const char *line, char *key, size_t keylen, char *val, size_t vallen);
double res_parse_size(const char *s);
const char *res_json_str(json_t *obj, const char *key, const char *dflt);

#endif
