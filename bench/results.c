// SPDX-License-Identifier: GPL-2.0
/*
 * results.c - the bench results library (results.h): parsing, maths, the direction and order
 * tables, the .dat columns and the markdown table printer.
 *
 * Inputs are the tools' own JSON kept verbatim: fio --output-format=json, iperf3 -J, bench/rr,
 * and the bpf tools' -j output. Numbers missing from an input become NAN, never 0, so that a
 * missing measurement can not pass for a perfect one.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "results.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorted copy of v without NANs; returns the count kept, or -1 on allocation failure. */
static long sorted_copy(const double *v, size_t n, double **out)
{
	double *c = malloc((n ? n : 1) * sizeof(*c));
	size_t k = 0;

	if (!c)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			c[k++] = v[i];
	qsort(c, k, sizeof(*c), cmp_double);
	*out = c;
	return (long)k;
}

/* Median of the non-NAN values (mean of the middle two for an even count); NAN if none. */
double res_median(const double *v, size_t n)
{
	double *c, r;
	long k = sorted_copy(v, n, &c);

	if (k <= 0) {
		if (k == 0)
			free(c);
		return NAN;
	}
	r = (k % 2) ? c[k / 2] : (c[k / 2 - 1] + c[k / 2]) / 2.0;
	free(c);
	return r;
}

/* Nearest-rank percentile (as fio reports them) of the non-NAN values; NAN if none. */
double res_percentile(const double *v, size_t n, double pct)
{
	double *c, r;
	long k = sorted_copy(v, n, &c), rank;

	if (k <= 0 || pct < 0 || pct > 100) {
		if (k >= 0)
			free(c);
		return NAN;
	}
	rank = (long)ceil(pct / 100.0 * (double)k);
	if (rank < 1)
		rank = 1;
	r = c[rank - 1];
	free(c);
	return r;
}

double res_ratio(double num, double den)
{
	if (isnan(num) || isnan(den) || den <= 0)
		return NAN;
	return num / den;
}

/* enum res_metric first, in its order; then the ratios of a summary record */
const struct res_figure res_figures[] = {
	[RES_METRIC_LAT] = {"lat_us", false},
	[RES_METRIC_IOPS] = {"iops", true},
	[RES_METRIC_BW] = {"gbps", true},
	{"cost_vs_floor", false},
	{"cost_vs_pci", false},
	{"notifications_per_io", false},
	{"messages_per_io", false},
};
const size_t res_nfigures = sizeof(res_figures) / sizeof(res_figures[0]);

bool res_metric__higher_better(enum res_metric m)
{
	return m < RES_METRIC_COUNT && res_figures[m].higher_better;
}

const char *res_metric__name(enum res_metric m)
{
	return m < RES_METRIC_COUNT ? res_figures[m].name : "?";
}

/* "lat_us", "iops", "gbps" -> *m; -EINVAL for anything else (a ratio is not a metric) */
int res_metric__from_name(const char *name, enum res_metric *m)
{
	for (int i = 0; name && i < RES_METRIC_COUNT; i++) {
		if (!strcmp(name, res_figures[i].name)) {
			*m = (enum res_metric)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* 1 higher is better, 0 lower is better, -EINVAL not a figure with a direction */
int res_figure__direction(const char *name)
{
	for (size_t i = 0; name && i < res_nfigures; i++)
		if (!strcmp(name, res_figures[i].name))
			return res_figures[i].higher_better;
	return -EINVAL;
}

static const char *const res_transport_order[] = {"null_blk", "veth",	  "pci",
						  "mmio",     "msg",	  "msg-inline",
						  "msg-poll", "msg-user", "msg-user1"};

#define RES_NTRANSPORTS (int)(sizeof(res_transport_order) / sizeof(res_transport_order[0]))

/* index in the display order; every other transport ranks after them */
int res_transport__rank(const char *transport)
{
	for (int i = 0; i < RES_NTRANSPORTS; i++)
		if (!strcmp(transport, res_transport_order[i]))
			return i;
	return RES_NTRANSPORTS;
}

int res_transport__cmp(const char *a, const char *b)
{
	int d = res_transport__rank(a) - res_transport__rank(b);

	return d ? d : strcmp(a, b);
}

/* the transport with no transport cost of a scenario: veth for net*, else null_blk */
const char *res_transport__floor(const char *scenario)
{
	return strncmp(scenario, "net", 3) ? "null_blk" : "veth";
}

/*
 * "<scenario>__<transport>__r<N>.json" or "<...>__r<N>.<side>.json" (side: kicklat, msglat),
 * or "<...>__r<N>.<side>.csv" (side: perf; a .csv always has a side).
 * Buffers are RES_NAME_MAX; side may be NULL. Returns 0 or -EINVAL.
 */
int res_parse_name(const char *fname, char *scen, char *transport, int *rep, char *side)
{
	const char *a = strstr(fname, "__"), *b, *r, *dot;
	char *end;
	long n;

	if (!a || a == fname)
		return -EINVAL;
	b = strstr(a + 2, "__");
	if (!b || b == a + 2 || b[2] != 'r')
		return -EINVAL;
	if ((size_t)(a - fname) >= RES_NAME_MAX || (size_t)(b - a - 2) >= RES_NAME_MAX)
		return -EINVAL;
	r = b + 3;
	errno = 0;
	n = strtol(r, &end, 10);
	if (errno || end == r || n < 0 || n > 100000 || *end != '.')
		return -EINVAL;
	dot = strrchr(end, '.');
	if (strcmp(dot, ".json") && (strcmp(dot, ".csv") || dot == end))
		return -EINVAL;
	if (side) {
		size_t sl = (size_t)(dot - end - 1);

		if (dot == end) {
			side[0] = '\0';
		} else {
			if (sl == 0 || sl >= RES_NAME_MAX)
				return -EINVAL;
			memcpy(side, end + 1, sl);
			side[sl] = '\0';
		}
	} else if (dot != end) {
		return -EINVAL;
	}
	memcpy(scen, fname, (size_t)(a - fname));
	scen[a - fname] = '\0';
	memcpy(transport, a + 2, (size_t)(b - a - 2));
	transport[b - a - 2] = '\0';
	*rep = (int)n;
	return 0;
}

static void sample_init(struct res_sample *s)
{
	s->metric = RES_METRIC_LAT;
	s->lat_us = s->p50_us = s->p99_us = s->p999_us = s->iops = s->gbps = s->ios = NAN;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v)) {
		char *end;
		double d = strtod(json_string_value(v), &end);

		if (end != json_string_value(v) && *end == '\0')
			return d;
	}
	return NAN;
}

static const char *opt(json_t *root, json_t *job, const char *key)
{
	json_t *v = json_object_get(json_object_get(job, "job options"), key);

	if (!json_is_string(v))
		v = json_object_get(json_object_get(root, "global options"), key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "4k", "128K", "1m", "512" -> bytes; NAN on error. */
double res_parse_size(const char *s)
{
	char *end;
	double d;

	if (!s)
		return NAN;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || d < 0)
		return NAN;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		return d;
	case 'k':
		d *= 1024;
		break;
	case 'm':
		d *= 1024 * 1024;
		break;
	case 'g':
		d *= 1024.0 * 1024 * 1024;
		break;
	default:
		return NAN;
	}
	end++;
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	return *end ? NAN : d;
}

/*
 * fio: first job; reads and writes are summed. The headline metric follows from the job: large
 * blocks (>= 64 KiB) measure bandwidth, else a queue depth above 1 IOPS, otherwise latency.
 */
int res_sample__parse_fio(json_t *root, struct res_sample *s)
{
	json_t *job = json_array_get(json_object_get(root, "jobs"), 0);
	const char *dirs[] = {"read", "write"};
	double iops = 0, bw = 0, ios = 0, iodepth, bs;
	json_t *best = NULL;

	sample_init(s);
	if (!json_is_object(job))
		return -EINVAL;
	for (size_t i = 0; i < 2; i++) {
		json_t *d = json_object_get(job, dirs[i]);
		double n = num(d, "total_ios");

		if (!json_is_object(d) || isnan(n))
			return -EINVAL;
		iops += num(d, "iops");
		bw += num(d, "bw_bytes");
		ios += n;
		if (n > 0 && (!best || n > num(best, "total_ios")))
			best = d;
	}
	if (!best || ios <= 0)
		return -EINVAL;
	s->iops = iops;
	s->gbps = bw * 8 / 1e9;
	s->ios = ios;
	{
		json_t *clat = json_object_get(best, "clat_ns");
		json_t *pct = json_object_get(clat, "percentile");

		s->lat_us = num(clat, "mean") / 1000.0;
		s->p50_us = num(pct, "50.000000") / 1000.0;
		s->p99_us = num(pct, "99.000000") / 1000.0;
		/* in fio's default percentile_list; a job's own list may leave it out: NAN */
		s->p999_us = num(pct, "99.900000") / 1000.0;
	}
	iodepth = res_parse_size(opt(root, job, "iodepth"));
	bs = res_parse_size(opt(root, job, "bs"));
	if (!isnan(bs) && bs >= 64 * 1024)
		s->metric = RES_METRIC_BW;
	else if (!isnan(iodepth) && iodepth > 1)
		s->metric = RES_METRIC_IOPS;
	else
		s->metric = RES_METRIC_LAT;
	return 0;
}

/* iperf3 -J: received side of the sum (what actually crossed), bits/s -> Gbit/s. */
int res_sample__parse_iperf3(json_t *root, struct res_sample *s)
{
	json_t *end = json_object_get(root, "end");
	double bps = num(json_object_get(end, "sum_received"), "bits_per_second");
	double blk, bytes;

	sample_init(s);
	if (json_is_string(json_object_get(root, "error")) || isnan(bps))
		return -EINVAL;
	s->metric = RES_METRIC_BW;
	s->gbps = bps / 1e9;
	/* an "I/O" of a stream is one send() of blksize bytes (-l) */
	blk = num(json_object_get(json_object_get(root, "start"), "test_start"), "blksize");
	bytes = num(json_object_get(end, "sum_sent"), "bytes");
	if (blk > 0 && !isnan(bytes))
		s->ios = bytes / blk;
	return 0;
}

/* bench/rr: {"tool":"rr","count":N,"rtt_ns":{"mean","p50","p99","p99.9",...}} */
int res_sample__parse_rr(json_t *root, struct res_sample *s)
{
	json_t *rtt = json_object_get(root, "rtt_ns");

	sample_init(s);
	s->metric = RES_METRIC_LAT;
	s->lat_us = num(rtt, "mean") / 1000.0;
	s->p50_us = num(rtt, "p50") / 1000.0;
	s->p99_us = num(rtt, "p99") / 1000.0;
	s->p999_us = num(rtt, "p99.9") / 1000.0; /* NAN from an rr older than p99.9 */
	s->ios = num(root, "count");
	if (isnan(s->lat_us) || isnan(s->ios) || s->ios <= 0)
		return -EINVAL;
	s->iops = s->ios / (num(root, "elapsed_ns") / 1e9);
	return 0;
}

int res_sample__parse(json_t *root, struct res_sample *s)
{
	const char *tool = json_string_value(json_object_get(root, "tool"));

	if (json_object_get(root, "fio version"))
		return res_sample__parse_fio(root, s);
	if (tool && !strcmp(tool, "rr"))
		return res_sample__parse_rr(root, s);
	if (json_object_get(root, "start") && json_object_get(root, "end"))
		return res_sample__parse_iperf3(root, s);
	sample_init(s);
	return -EINVAL;
}

static double sum_counts(json_t *v)
{
	double t = 0;
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			t += sum_counts(e);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			if (!strcmp(k, "count") && json_is_number(e))
				t += json_number_value(e);
			else if (json_is_array(e) || json_is_object(e))
				t += sum_counts(e);
		}
	}
	return t;
}

/*
 * Event count from a bpf tool's -j output. The tools' schema is theirs; we take the first of a
 * top-level "total", "count", "events" or "notifications" number, else the sum of every "count"
 * member (histogram slots). NAN if nothing countable was found.
 */
double res_parse_bpf_count(json_t *root)
{
	const char *keys[] = {"total", "count", "events", "notifications"};
	double t;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(root, keys[i]);

		if (json_is_number(v))
			return json_number_value(v);
	}
	t = sum_counts(root);
	return t > 0 ? t : NAN;
}

/*
 * Shell-style "KEY=VALUE" line of scenarios/net/NAME.conf. Returns 1 for a pair, 0 for a blank or
 * comment line, -EINVAL for anything else. Optional single or double quotes around the value.
 */
int res_parse_kv(const char *line, char *key, size_t keylen, char *val, size_t vallen)
{
	const char *p = line, *eq, *v, *ve;
	size_t kl, vl;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '#')
		return 0;
	if (!(isalpha((unsigned char)*p) || *p == '_'))
		return -EINVAL;
	for (eq = p; isalnum((unsigned char)*eq) || *eq == '_'; eq++)
		;
	if (*eq != '=')
		return -EINVAL;
	kl = (size_t)(eq - p);
	v = eq + 1;
	ve = v + strcspn(v, "\n");
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
		ve--;
	if (ve - v >= 2 && (*v == '"' || *v == '\'') && ve[-1] == *v) {
		v++;
		ve--;
	} else if (memchr(v, '"', (size_t)(ve - v)) || memchr(v, '\'', (size_t)(ve - v)) ||
		   memchr(v, ' ', (size_t)(ve - v))) {
		return -EINVAL;
	}
	vl = (size_t)(ve - v);
	if (kl >= keylen || vl >= vallen)
		return -EINVAL;
	memcpy(key, p, kl);
	key[kl] = '\0';
	memcpy(val, v, vl);
	val[vl] = '\0';
	return 1;
}

/* String member @key of @obj, or @dflt when it is absent, not a string or empty. */
const char *res_json_str(json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : dflt;
}

/* the headline metric's value of a sample */
double res_sample__value(const struct res_sample *s)
{
	switch (s->metric) {
	case RES_METRIC_LAT:
		return s->lat_us;
	case RES_METRIC_IOPS:
		return s->iops;
	case RES_METRIC_BW:
		return s->gbps;
	case RES_METRIC_COUNT:
		break;
	}
	return NAN;
}

const char *const res_perf_events[RES_PERF_NEVENTS] = {
	[RES_PERF_CONTEXT_SWITCHES] = "context-switches",
	[RES_PERF_CPU_MIGRATIONS] = "cpu-migrations",
	[RES_PERF_TASK_CLOCK] = "task-clock",
	[RES_PERF_CYCLES] = "cycles",
	[RES_PERF_INSTRUCTIONS] = "instructions",
};

const char *const res_perf_fields[RES_PERF_NEVENTS] = {
	[RES_PERF_CONTEXT_SWITCHES] = "context_switches_per_io",
	[RES_PERF_CPU_MIGRATIONS] = "cpu_migrations_per_io",
	[RES_PERF_TASK_CLOCK] = "task_clock_us_per_io",
	[RES_PERF_CYCLES] = "cycles_per_io",
	[RES_PERF_INSTRUCTIONS] = "instructions_per_io",
};

const double res_perf_scale[RES_PERF_NEVENTS] = {
	[RES_PERF_CONTEXT_SWITCHES] = 1, [RES_PERF_CPU_MIGRATIONS] = 1,
	[RES_PERF_TASK_CLOCK] = 1000, /* perf counts it in msec */
	[RES_PERF_CYCLES] = 1,		 [RES_PERF_INSTRUCTIONS] = 1,
};

/*
 * `perf stat -x,` output: "value,unit,event,run-time,percent[,metric,metric unit]" per event,
 * "#" comments and blank lines around them. The event may carry a modifier ("cycles:u"). A
 * value of "<not counted>" or "<not supported>", and an event absent from the output, stay NAN
 * in v[RES_PERF_NEVENTS]. Returns 0 if at least one event has a value, else -EINVAL.
 */
int res_perf__parse_csv(FILE *f, double *v)
{
	char line[1024];
	int found = 0;

	for (int e = 0; e < RES_PERF_NEVENTS; e++)
		v[e] = NAN;
	while (fgets(line, sizeof(line), f)) {
		char *val = line, *unit, *ev, *end;
		double d;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		unit = strchr(val, ',');
		if (!unit)
			continue;
		*unit++ = '\0';
		ev = strchr(unit, ',');
		if (!ev)
			continue;
		ev++;
		ev[strcspn(ev, ",:\n")] = '\0';
		errno = 0;
		d = strtod(val, &end);
		if (errno || end == val || *end || d < 0)
			continue; /* <not counted>, <not supported> */
		for (int e = 0; e < RES_PERF_NEVENTS; e++) {
			if (strcmp(ev, res_perf_events[e]))
				continue;
			v[e] = d;
			found++;
		}
	}
	return found ? 0 : -EINVAL;
}

/* the .dat columns (bench/plot/bars.gp documents them); vmsg-report picks bars by these */
const char *const res_dat_columns[RES_DAT_NCOLS] = {
	[RES_DAT_TRANSPORT] = "transport",
	[RES_DAT_MEDIAN] = "median",
	[RES_DAT_P50_US] = "p50_us",
	[RES_DAT_P99_US] = "p99_us",
	[RES_DAT_P999_US] = "p999_us",
	[RES_DAT_NOTIFICATIONS_PER_IO] = "notifications_per_io",
	[RES_DAT_MESSAGES_PER_IO] = "messages_per_io",
	[RES_DAT_COST_VS_FLOOR] = "cost_vs_floor",
	[RES_DAT_COST_VS_PCI] = "cost_vs_pci",
};

/* one row: the transport, then values[1..RES_DAT_NCOLS - 1] (values[0] is not used) */
int res_dat__write_row(FILE *f, const char *transport, const double *values)
{
	if (fprintf(f, "%s", transport) < 0)
		return -EIO;
	for (int c = RES_DAT_TRANSPORT + 1; c < RES_DAT_NCOLS; c++)
		if (fprintf(f, " %g", values[c]) < 0)
			return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}

void res_table__init(struct res_table *t, size_t ncols, const char *align)
{
	*t = (struct res_table){.ncols = ncols, .align = align};
}

/* append a row of ncols cells (copied; NULL stays NULL); 0 or -ENOMEM */
int res_table__add(struct res_table *t, const char *const *cells)
{
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **nc = realloc(t->cells, cap * t->ncols * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		t->cells = nc;
		t->cap = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		row[c] = cells[c] ? strdup(cells[c]) : NULL;
		if (cells[c] && !row[c]) {
			while (c--)
				free(row[c]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

const char *res_table__cell(const struct res_table *t, size_t row, size_t col)
{
	return row < t->nrows && col < t->ncols ? t->cells[row * t->ncols + col] : NULL;
}

static void res_table__rule(const struct res_table *t, const size_t *w, FILE *out)
{
	for (size_t c = 0; c < t->ncols; c++) {
		if (!t->align) {
			fputs("|---", out);
			continue;
		}
		fprintf(out, "|%c", t->align[c] == 'r' ? '-' : ':');
		for (size_t i = 0; i < w[c]; i++)
			fputc('-', out);
		fputc(t->align[c] == 'r' ? ':' : '-', out);
	}
	fputs("|\n", out);
}

void res_table__print(const struct res_table *t, FILE *out)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));

	if (!w)
		return;
	for (size_t r = 0; t->align && r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = res_table__cell(t, r, c);

			if (s && strlen(s) > w[c])
				w[c] = strlen(s);
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = res_table__cell(t, r, c);

			if (!s)
				fputs("| ", out);
			else
				fprintf(out, t->align && t->align[c] == 'r' ? "| %*s " : "| %-*s ",
					(int)w[c], s);
		}
		fputs("|\n", out);
		if (!r)
			res_table__rule(t, w, out);
	}
	free(w);
}

void res_table__free(struct res_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

extern char **environ;

/* gnuplot -c SCRIPT ARGS... (argv[0] "gnuplot", argv[2] the script): spawned, no shell */
int res_gnuplot(char *const argv[])
{
	pid_t pid;
	int st, err = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);

	if (err) {
		fprintf(stderr, "gnuplot: %s\n", strerror(err));
		return -1;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "gnuplot -c %s failed\n", argv[2]);
		return -1;
	}
	return 0;
}
