/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results.h - the bench results library: parsing, maths, direction and order tables, .dat
 * columns and markdown tables (the gate, on top of it: gate.h),
 * shared by vmsg-summary, vmsg-report, vmsg-tune, vmsg-gate and the unit tests.
 *
 * Raw results live in results/<run-id>/raw/ as <scenario>__<transport>__r<N>.json (fio
 * --output-format=json, iperf3 -J or rr output, verbatim) with optional side files
 * <same stem>.kicklat.json / .msglat.json from the bpf tools and <same stem>.perf.csv from
 * `perf stat -x,` (system-wide software counters of that repetition). Everything here is pure
 * parsing and maths so that tests/ can exercise it without a guest.
 *
 * Naming: res_<object>__<verb>() for functions on an object (struct res_sample, struct
 * res_table, enum res_metric, ...), res_<verb>() for plain functions.
 */
#ifndef RESULTS_H
#define RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define RES_NAME_MAX 64

/* What a scenario is measured by (its headline number); direction in res_figures[]. */
enum res_metric {
	RES_METRIC_LAT,	 /* mean latency, microseconds, lower is better */
	RES_METRIC_IOPS, /* I/O per second, higher is better */
	RES_METRIC_BW,	 /* bandwidth, Gbit/s, higher is better */
	RES_METRIC_COUNT,
};

/*
 * The figures of a summary record that have a direction: the headline metrics first (indexed
 * by enum res_metric), then the ratios. The one place that says which way is better.
 */
struct res_figure {
	const char *name;
	bool higher_better;
};

extern const struct res_figure res_figures[];
extern const size_t res_nfigures;

/* One repetition of one scenario on one transport. NAN = not measured. */
struct res_sample {
	enum res_metric metric;
	double lat_us; /* mean completion latency (fio clat) or round-trip time (rr) */
	double p50_us;
	double p99_us;
	double p999_us; /* 99.9th percentile */
	double iops;
	double gbps;
	double ios; /* I/O count (fio total_ios, rr round trips, iperf3 0) for per-I/O ratios */
};

double res_median(const double *v, size_t n);
double res_percentile(const double *v, size_t n, double pct);
double res_ratio(double num, double den);

bool res_metric__higher_better(enum res_metric m);
const char *res_metric__name(enum res_metric m);
int res_metric__from_name(const char *name, enum res_metric *m);
int res_figure__direction(const char *name);

/* Display order of transports: the floors, pci, mmio, msg, then any other (by name). */
int res_transport__rank(const char *transport);
int res_transport__cmp(const char *a, const char *b);
const char *res_transport__floor(const char *scenario);

int res_parse_name(const char *fname, char *scen, char *transport, int *rep, char *side);
int res_sample__parse(json_t *root, struct res_sample *s);
int res_sample__parse_fio(json_t *root, struct res_sample *s);
int res_sample__parse_iperf3(json_t *root, struct res_sample *s);
int res_sample__parse_rr(json_t *root, struct res_sample *s);
double res_sample__value(const struct res_sample *s);
double res_parse_bpf_count(json_t *root);
int res_parse_kv(const char *line, char *key, size_t keylen, char *val, size_t vallen);
double res_parse_size(const char *s);
const char *res_json_str(json_t *obj, const char *key, const char *dflt);

/*
 * `perf stat -x, -e context-switches,cpu-migrations,task-clock[,cycles,instructions] -a`: the
 * events the bench counts per repetition, in this order. res_perf_events[] are perf's names,
 * res_perf_fields[] the summary.json per-I/O figures, res_perf_scale[] what turns perf's unit
 * into the figure's (task-clock: msec -> us).
 */
enum res_perf_event {
	RES_PERF_CONTEXT_SWITCHES,
	RES_PERF_CPU_MIGRATIONS,
	RES_PERF_TASK_CLOCK,
	RES_PERF_CYCLES,
	RES_PERF_INSTRUCTIONS,
	RES_PERF_NEVENTS,
};

extern const char *const res_perf_events[RES_PERF_NEVENTS];
extern const char *const res_perf_fields[RES_PERF_NEVENTS];
extern const double res_perf_scale[RES_PERF_NEVENTS];
int res_perf__parse_csv(FILE *f, double *v);

/*
 * data/<scenario>.dat: one row per transport, whitespace separated, "nan" = not measured.
 * res_dat_columns[] names the columns; gnuplot's column number is the index + 1.
 */
enum res_dat_col {
	RES_DAT_TRANSPORT,
	RES_DAT_MEDIAN,
	RES_DAT_P50_US,
	RES_DAT_P99_US,
	RES_DAT_P999_US,
	RES_DAT_NOTIFICATIONS_PER_IO,
	RES_DAT_MESSAGES_PER_IO,
	RES_DAT_COST_VS_FLOOR,
	RES_DAT_COST_VS_PCI,
	RES_DAT_NCOLS,
};

extern const char *const res_dat_columns[RES_DAT_NCOLS];
int res_dat__write_row(FILE *f, const char *transport, const double *values);

/*
 * GitHub markdown table. align NULL: cells as they are and a "|---|" rule; else one 'l' or 'r'
 * per column, columns padded to their widest cell (reads in a terminal too). A NULL cell is
 * printed as nothing at all ("| |"), an empty string as an empty cell ("|  |").
 */
struct res_table {
	size_t ncols, nrows, cap;
	const char *align;
	char **cells; /* nrows x ncols; row 0 is the header */
};

void res_table__init(struct res_table *t, size_t ncols, const char *align);
int res_table__add(struct res_table *t, const char *const *cells);
const char *res_table__cell(const struct res_table *t, size_t row, size_t col);
void res_table__print(const struct res_table *t, FILE *out);
void res_table__free(struct res_table *t);

/* gnuplot -c with arguments, posix_spawnp (no shell); 0, or -1 with a message on stderr */
int res_gnuplot(char *const argv[]);

#endif
