// SPDX-License-Identifier: GPL-2.0
/*
 * vmsg-summary - reduce results/<run-id>/raw/ to summary.json and gnuplot data files.
 *
 *   vmsg-summary RUN_DIR                 write RUN_DIR/summary.json and RUN_DIR/data/
 *   vmsg-summary --check RUN_DIR T1,T2   exit 0 only if every scenario has every transport Tn
 *                                        and RUN_DIR/report.md and its plots exist
 *
 * One record per scenario x transport: medians over the repetitions, notifications (kicklat)
 * and messages (msglat) per I/O, perf stat counters per I/O (median over the timed repetitions;
 * null where perf did not run), and ratios to the floor (null_blk for blk, veth for net) and to
 * virtio-pci measured in the same run. Raw inputs are described in results.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results.h"

#define MAX_CELLS 256
#define MAX_REPS 64

struct cell {
	char scen[RES_NAME_MAX];
	char transport[RES_NAME_MAX];
	struct res_sample rep[MAX_REPS];
	double kicks[MAX_REPS];
	double msgs[MAX_REPS];
	double perf[MAX_REPS][RES_PERF_NEVENTS]; /* raw/<stem>.perf.csv, NAN: none */
	char hist[4200]; /* raw file of repetition 1, for fio clat percentiles */
	int nrep;
	/* repetition 0: run with the bpf tools attached, for counts and the tracers' cost */
	struct res_sample traced;
	double traced_kicks, traced_msgs;
	bool has_traced;
	/* medians */
	struct res_sample med;
	double kicks_per_io, msgs_per_io;
	double perf_per_io[RES_PERF_NEVENTS];
};

static struct cell cells[MAX_CELLS];
static int ncells;

static struct cell *cell_get(const char *scen, const char *tr)
{
	for (int i = 0; i < ncells; i++)
		if (!strcmp(cells[i].scen, scen) && !strcmp(cells[i].transport, tr))
			return &cells[i];
	if (ncells == MAX_CELLS)
		return NULL;
	struct cell *c = &cells[ncells++];

	snprintf(c->scen, sizeof(c->scen), "%s", scen);
	snprintf(c->transport, sizeof(c->transport), "%s", tr);
	for (int r = 0; r < MAX_REPS; r++) {
		c->kicks[r] = c->msgs[r] = NAN;
		for (int e = 0; e < RES_PERF_NEVENTS; e++)
			c->perf[r][e] = NAN;
	}
	c->traced_kicks = c->traced_msgs = NAN;
	return c;
}

/* raw/<stem>.perf.csv of a timed repetition (the traced one, r0, is not used) */
static int load_perf(const char *path, struct cell *c, int rep)
{
	FILE *f;

	if (rep == 0)
		return 0;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s (skipped)\n", path, strerror(errno));
		return 0;
	}
	if (res_perf__parse_csv(f, c->perf[rep - 1]))
		fprintf(stderr, "%s: no perf stat counter in it (skipped)\n", path);
	fclose(f);
	return 0;
}

static int load_file(const char *raw, const char *name)
{
	char scen[RES_NAME_MAX], tr[RES_NAME_MAX], side[RES_NAME_MAX], path[4200];
	json_error_t jerr;
	struct cell *c;
	json_t *root;
	int rep, ret = 0;

	if (res_parse_name(name, scen, tr, &rep, side))
		return 0; /* not ours (meta.env, logs) */
	if (rep < 0 || rep > MAX_REPS) {
		fprintf(stderr, "%s: repetition out of range\n", name);
		return -EINVAL;
	}
	c = cell_get(scen, tr);
	if (!c) {
		fprintf(stderr, "too many scenario x transport cells (max %d)\n", MAX_CELLS);
		return -ENOSPC;
	}
	snprintf(path, sizeof(path), "%s/%s", raw, name);
	if (!strcmp(side, "perf"))
		return load_perf(path, c, rep);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		fprintf(stderr, "%s:%d: %s (skipped)\n", path, jerr.line, jerr.text);
		return 0;
	}
	if (rep == 0) {
		/* the traced repetition: counts and tracer cost, never in the medians */
		if (!side[0])
			c->has_traced = !res_sample__parse(root, &c->traced);
		else if (!strcmp(side, "kicklat"))
			c->traced_kicks = res_parse_bpf_count(root);
		else if (!strcmp(side, "msglat"))
			c->traced_msgs = res_parse_bpf_count(root);
	} else if (!side[0]) {
		if (res_sample__parse(root, &c->rep[rep - 1])) {
			fprintf(stderr, "%s: not fio, iperf3 or rr output (skipped)\n", path);
		} else {
			if (rep > c->nrep)
				c->nrep = rep;
			if (rep == 1)
				snprintf(c->hist, sizeof(c->hist), "%s", path);
		}
	} else if (!strcmp(side, "kicklat")) {
		c->kicks[rep - 1] = res_parse_bpf_count(root);
	} else if (!strcmp(side, "msglat")) {
		c->msgs[rep - 1] = res_parse_bpf_count(root);
	}
	json_decref(root);
	return ret;
}

static void reduce(struct cell *c)
{
	double v[MAX_REPS], k[MAX_REPS], m[MAX_REPS];
	int n = c->nrep;

	c->med = c->rep[0];
#define MED(field)                                       \
	do {                                             \
		for (int i = 0; i < n; i++)              \
			v[i] = c->rep[i].field;          \
		c->med.field = res_median(v, (size_t)n); \
	} while (0)
	MED(lat_us);
	MED(p50_us);
	MED(p99_us);
	MED(p999_us);
	MED(iops);
	MED(gbps);
	MED(ios);
#undef MED
	for (int i = 0; i < n; i++) {
		k[i] = res_ratio(c->kicks[i], c->rep[i].ios);
		m[i] = res_ratio(c->msgs[i], c->rep[i].ios);
	}
	c->kicks_per_io = res_median(k, (size_t)n);
	c->msgs_per_io = res_median(m, (size_t)n);
	for (int e = 0; e < RES_PERF_NEVENTS; e++) {
		for (int i = 0; i < n; i++)
			v[i] = res_ratio(c->perf[i][e] * res_perf_scale[e], c->rep[i].ios);
		c->perf_per_io[e] = res_median(v, (size_t)n);
	}
	if (c->has_traced) {
		c->kicks_per_io = res_ratio(c->traced_kicks, c->traced.ios);
		c->msgs_per_io = res_ratio(c->traced_msgs, c->traced.ios);
	}
}

/* How many times worse the headline metric was with the tracers attached (> 1 = slower). */
static double tracer_cost(const struct cell *c)
{
	double t, m = res_sample__value(&c->med);

	if (!c->has_traced)
		return NAN;
	t = res_sample__value(&c->traced);
	return res_metric__higher_better(c->med.metric) ? res_ratio(m, t) : res_ratio(t, m);
}

static json_t *jnum(double d)
{
	return isnan(d) || isinf(d) ? json_null() : json_real(d);
}

static const struct cell *find(const char *scen, const char *tr)
{
	for (int i = 0; i < ncells; i++)
		if (!strcmp(cells[i].scen, scen) && !strcmp(cells[i].transport, tr) &&
		    cells[i].nrep)
			return &cells[i];
	return NULL;
}

/* ratio of c's headline metric to ref's, oriented so that > 1 means "c is slower / worse" */
static double cost_ratio(const struct cell *c, const struct cell *ref)
{
	if (!ref)
		return NAN;
	if (res_metric__higher_better(c->med.metric))
		return res_ratio(res_sample__value(&ref->med), res_sample__value(&c->med));
	return res_ratio(res_sample__value(&c->med), res_sample__value(&ref->med));
}

static json_t *load_meta(const char *raw)
{
	char path[1100], line[512], k[64], v[400];
	json_t *meta = json_object();
	FILE *f;

	snprintf(path, sizeof(path), "%s/meta.env", raw);
	f = fopen(path, "r");
	if (!f)
		return meta;
	while (fgets(line, sizeof(line), f))
		if (res_parse_kv(line, k, sizeof(k), v, sizeof(v)) == 1)
			json_object_set_new(meta, k, json_string(v));
	fclose(f);
	return meta;
}

static int write_hist(const char *dir, const struct cell *c)
{
	char path[4200];
	json_error_t jerr;
	json_t *root, *job, *pct = NULL;
	const char *k;
	json_t *v;
	FILE *f;
	root = json_load_file(c->hist, 0, &jerr);
	if (!root || !json_object_get(root, "fio version")) {
		json_decref(root);
		return 0;
	}
	job = json_array_get(json_object_get(root, "jobs"), 0);
	for (int i = 0; i < 2 && !pct; i++) {
		json_t *d = json_object_get(job, i ? "write" : "read");

		if (json_integer_value(json_object_get(d, "total_ios")) > 0)
			pct = json_object_get(json_object_get(d, "clat_ns"), "percentile");
	}
	if (snprintf(path, sizeof(path), "%s/%s__%s.pct", dir, c->scen, c->transport) >=
	    (int)sizeof(path)) {
		json_decref(root);
		return -ENAMETOOLONG;
	}
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		json_decref(root);
		return -errno;
	}
	fprintf(f, "# percentile clat_us (fio, repetition 1)\n");
	json_object_foreach(pct, k, v)
		fprintf(f, "%s %.3f\n", k, json_number_value(v) / 1000.0);
	fclose(f);
	json_decref(root);
	return 0;
}

/* record order: scenario name, then transport (res_transport__cmp) */
static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	int d = strcmp(x->scen, y->scen);

	return d ? d : res_transport__cmp(x->transport, y->transport);
}

/* every raw/ file into cells[], sorted, medians taken */
static int load_run(const char *run, char *raw, size_t rawlen)
{
	struct dirent *de;
	DIR *d;

	snprintf(raw, rawlen, "%s/raw", run);
	d = opendir(raw);
	if (!d) {
		fprintf(stderr, "%s: %s\n", raw, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)))
		if (load_file(raw, de->d_name) == -ENOSPC)
			break;
	closedir(d);
	qsort(cells, (size_t)ncells, sizeof(cells[0]), cmp_cell);
	for (int i = 0; i < ncells; i++)
		if (cells[i].nrep)
			reduce(&cells[i]);
	return 0;
}

/* the summary.json record of a cell; fr, pr: its cost against the floor and pci */
static json_t *record_of(const struct cell *c, double fr, double pr)
{
	json_t *r = json_object();

	json_object_set_new(r, "scenario", json_string(c->scen));
	json_object_set_new(r, "transport", json_string(c->transport));
	json_object_set_new(r, "reps", json_integer(c->nrep));
	json_object_set_new(r, "metric", json_string(res_metric__name(c->med.metric)));
	json_object_set_new(r, "median", jnum(res_sample__value(&c->med)));
	json_object_set_new(r, "lat_us", jnum(c->med.lat_us));
	json_object_set_new(r, "p50_us", jnum(c->med.p50_us));
	json_object_set_new(r, "p99_us", jnum(c->med.p99_us));
	json_object_set_new(r, "p999_us", jnum(c->med.p999_us));
	json_object_set_new(r, "iops", jnum(c->med.iops));
	json_object_set_new(r, "gbps", jnum(c->med.gbps));
	json_object_set_new(r, "notifications_per_io", jnum(c->kicks_per_io));
	json_object_set_new(r, "messages_per_io", jnum(c->msgs_per_io));
	for (int e = 0; e < RES_PERF_NEVENTS; e++)
		json_object_set_new(r, res_perf_fields[e], jnum(c->perf_per_io[e]));
	json_object_set_new(r, "traced_median",
			    jnum(c->has_traced ? res_sample__value(&c->traced) : NAN));
	json_object_set_new(r, "traced_p50_us", jnum(c->has_traced ? c->traced.p50_us : NAN));
	json_object_set_new(r, "tracer_cost", jnum(tracer_cost(c)));
	json_object_set_new(r, "floor", json_string(res_transport__floor(c->scen)));
	json_object_set_new(r, "cost_vs_floor", jnum(fr));
	json_object_set_new(r, "cost_vs_pci", jnum(pr));
	return r;
}

/* data/<scen>.dat: one row per transport, appended in record order (cells[i] is c) */
static int write_dat(const char *data, int i, double fr, double pr)
{
	const struct cell *c = &cells[i];
	double row[RES_DAT_NCOLS] = {
		[RES_DAT_MEDIAN] = res_sample__value(&c->med),
		[RES_DAT_P50_US] = c->med.p50_us,
		[RES_DAT_P99_US] = c->med.p99_us,
		[RES_DAT_P999_US] = c->med.p999_us,
		[RES_DAT_NOTIFICATIONS_PER_IO] = c->kicks_per_io,
		[RES_DAT_MESSAGES_PER_IO] = c->msgs_per_io,
		[RES_DAT_COST_VS_FLOOR] = fr,
		[RES_DAT_COST_VS_PCI] = pr,
	};
	char path[4200];
	bool first = true;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s.dat", data, c->scen) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (int j = 0; j < i; j++)
		first &= !(cells[j].nrep && !strcmp(cells[j].scen, c->scen));
	f = fopen(path, first ? "w" : "a");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	res_dat__write_row(f, c->transport, row);
	fclose(f);
	return write_hist(data, c);
}

static int summarize(const char *run)
{
	char raw[1024], path[4200], data[1100];
	json_t *top, *recs;
	int ret = 1;

	if (load_run(run, raw, sizeof(raw)))
		return 1;
	snprintf(data, sizeof(data), "%s/data", run);
	if (mkdir(data, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", data, strerror(errno));
		return 1;
	}
	top = json_object();
	recs = json_array();
	json_object_set_new(top, "meta", load_meta(raw));
	json_object_set_new(top, "records", recs);
	for (int i = 0; i < ncells; i++) {
		const struct cell *c = &cells[i];
		double fr, pr;

		if (!c->nrep)
			continue;
		fr = cost_ratio(c, find(c->scen, res_transport__floor(c->scen)));
		pr = cost_ratio(c, find(c->scen, "pci"));
		json_array_append_new(recs, record_of(c, fr, pr));
		if (write_dat(data, i, fr, pr))
			goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/summary.json", run);
	if (json_dump_file(top, path, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		fprintf(stderr, "%s: write failed\n", path);
		goto cleanup;
	}
	printf("%s: %zu records\n", path, json_array_size(recs));
	ret = 0;
cleanup:
	json_decref(top);
	return ret;
}

static int check(const char *run, const char *want)
{
	char path[1200], list[1024];
	json_error_t jerr;
	json_t *top, *recs, *r;
	struct stat st;
	size_t i;
	int bad = 0;

	snprintf(path, sizeof(path), "%s/summary.json", run);
	top = json_load_file(path, 0, &jerr);
	if (!top) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		return 1;
	}
	recs = json_object_get(top, "records");
	if (!json_array_size(recs)) {
		fprintf(stderr, "%s: no records\n", path);
		bad++;
	}
	snprintf(list, sizeof(list), "%s", want);
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int found = 0;

		json_array_foreach(recs, i, r)
			found += !strcmp(json_string_value(json_object_get(r, "transport")), t) &&
				 !json_is_null(json_object_get(r, "median"));
		if (!found) {
			fprintf(stderr, "check: transport %s has no result\n", t);
			bad++;
		}
	}
	json_decref(top);
	snprintf(path, sizeof(path), "%s/report.md", run);
	if (stat(path, &st) || !st.st_size) {
		fprintf(stderr, "check: %s missing\n", path);
		bad++;
	}
	snprintf(path, sizeof(path), "%s/plots", run);
	{
		DIR *d = opendir(path);
		struct dirent *de;
		int n = 0;

		while (d && (de = readdir(d)))
			n += strstr(de->d_name, ".png") != NULL;
		if (d)
			closedir(d);
		if (!n) {
			fprintf(stderr, "check: no plots in %s\n", path);
			bad++;
		}
	}
	printf("check %s: %s\n", run, bad ? "FAIL" : "ok");
	return bad ? 1 : 0;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s RUN_DIR | --check RUN_DIR TRANSPORT[,TRANSPORT...]\n", prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool check_mode = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check_mode = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (!check_mode && argc - optind == 1)
		return summarize(argv[optind]);
	if (check_mode && argc - optind == 2)
		return check(argv[optind], argv[optind + 1]);
	usage(stderr, argv[0]);
	return 2;
}
