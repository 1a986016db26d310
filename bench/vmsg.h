/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmsg.h - shared helpers of the bench tools (vmsg-summary, vmsg-report, tests).
 *
 * Raw results live in results/<run-id>/raw/ as <scenario>__<transport>__r<N>.json (fio
 * --output-format=json, iperf3 -J or rr output, verbatim) with optional side files
 * <same stem>.kicklat.json / .msglat.json from the bpf tools. Everything here is pure
 * parsing and maths so that tests/ can exercise it without a guest.
 */
#ifndef VMSG_H
#define VMSG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define VMSG_NAME_MAX 64

/* What a scenario is measured by (its headline number). */
enum vmsg_metric {
	VMSG_METRIC_LAT,  /* mean latency, microseconds, lower is better */
	VMSG_METRIC_IOPS, /* I/O per second, higher is better */
	VMSG_METRIC_BW,	  /* bandwidth, Gbit/s, higher is better */
};

/* One repetition of one scenario on one transport. NAN = not measured. */
struct vmsg_sample {
	enum vmsg_metric metric;
	double lat_us; /* mean completion latency (fio clat) or round-trip time (rr) */
	double p50_us;
	double p99_us;
	double iops;
	double gbps;
	double ios; /* I/O count (fio total_ios, rr round trips, iperf3 0) for per-I/O ratios */
};

double vmsg_median(const double *v, size_t n);
double vmsg_percentile(const double *v, size_t n, double pct);
double vmsg_ratio(double num, double den);
bool vmsg_metric_higher_better(enum vmsg_metric m);
const char *vmsg_metric_name(enum vmsg_metric m);

int vmsg_parse_name(const char *fname, char *scen, char *transport, int *rep, char *side);
int vmsg_parse_result(json_t *root, struct vmsg_sample *s);
int vmsg_parse_fio(json_t *root, struct vmsg_sample *s);
int vmsg_parse_iperf3(json_t *root, struct vmsg_sample *s);
int vmsg_parse_rr(json_t *root, struct vmsg_sample *s);
double vmsg_parse_bpf_count(json_t *root);
int vmsg_parse_kv(const char *line, char *key, size_t keylen, char *val, size_t vallen);
double vmsg_parse_size(const char *s);
const char *vmsg_str(json_t *obj, const char *key, const char *dflt);

#endif
