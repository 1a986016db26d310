// SPDX-License-Identifier: GPL-2.0
/*
 * vmsg-publish - the published comparison (docs/report/): several bench runs (and a tune run)
 * merged into one summary.json, then report.md and the SVG plots written from that JSON.
 *
 *   vmsg-publish -o OUT_DIR [-t TEMPLATE] [-c CONTEXT.json] [-p PLOT_DIR] [--tune TUNE_DIR]
 *                [--boot BOOT_DIR] RUN_DIR...
 *   vmsg-publish -o OUT_DIR [-t TEMPLATE] [-p PLOT_DIR] --from SUMMARY.json
 *
 * RUN_DIR: a bench run (results/<id>/: summary.json, raw/, optional versions.env written by
 * scripts/report.sh). TUNE_DIR: a tune run (results/tune-<time>/: <variant>/summary.json and
 * <variant>/variant.env). BOOT_DIR: a bench run named <run>-boot<N>, the configuration of RUN_DIR
 * <run> run again in another boot: its medians against the first boot's (the noise from one
 * boot to the next, which the spread within one boot does not show). TEMPLATE (default
 * bench/report/report.md.in): the hand-written text; a line "@@NAME@@" is replaced by a
 * generated section (RUNS, RESULTS, MODES, TARGETS, BOOTS, KNOBS, TIME, CONTEXT, VERSIONS,
 * SOURCES). CONTEXT (default bench/report/context.json): published figures
 * of neighbouring transports with their sources. PLOT_DIR (default bench/plot): spread.gp.
 *
 * Every figure of the generated text is read from the merged JSON (OUT_DIR/summary.json), which
 * is written first: tests/host/test_report.sh checks that each number of report.md is in it.
 * --from writes report.md and the plots again from a merged summary alone (no run directory):
 * the same template gives the same report.md, byte for byte, so a hand edit shows as a diff.
 * What the run summaries lack is derived here and stored there too: the spread (min / max of
 * the headline metric over the timed repetitions, from raw/), the notify -> interrupt and
 * EVENT_AVAIL -> EVENT_USED medians of the traced repetition (raw/ kicklat / msglat JSON), the
 * bus models against mode=thread, the knobs against the untuned variant.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "results.h"

#define PATH_LEN 4096
#define MAX_RUNS 32
#define MAX_SCEN 32

struct publish {
	const char *out, *tmpl, *context, *plotdir, *from;
	const char *tunes[MAX_RUNS], *boots[MAX_RUNS];
	size_t ntunes, nboots;
	json_t *top; /* the merged summary */
	char tmp[1024];
	FILE *md;
};

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static double num(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* KEY=value lines (versions.env, variant.env) -> a JSON object of strings; NULL if no file */
static json_t *load_kv(const char *path)
{
	char line[1024], key[128], val[768];
	json_t *o;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	o = json_object();
	while (fgets(line, sizeof(line), f))
		if (res_parse_kv(line, key, sizeof(key), val, sizeof(val)) == 1)
			json_object_set_new(o, key, json_string(val));
	fclose(f);
	return o;
}

static const char *base_name(const char *dir)
{
	size_t n = strlen(dir);
	static char buf[PATH_LEN];
	const char *s;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	snprintf(buf, sizeof(buf), "%.*s", (int)n, dir);
	s = strrchr(buf, '/');
	return s ? s + 1 : buf;
}

/* min and max of the headline metric over the timed repetitions (r1..rN) of one cell */
static void spread(const char *run, const char *scen, const char *tr, json_t *rec)
{
	char path[PATH_LEN], s[RES_NAME_MAX], t[RES_NAME_MAX], side[RES_NAME_MAX];
	double lo = NAN, hi = NAN;
	struct dirent *e;
	json_int_t n = 0;
	DIR *d;
	int rep;

	snprintf(path, sizeof(path), "%s/raw", run);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		struct res_sample smp;
		json_t *root;
		double v;

		if (res_parse_name(e->d_name, s, t, &rep, side) || side[0] || rep < 1 ||
		    strcmp(s, scen) || strcmp(t, tr))
			continue;
		snprintf(path, sizeof(path), "%s/raw/%s", run, e->d_name);
		root = json_load_file(path, 0, NULL);
		if (root && !res_sample__parse(root, &smp)) {
			v = res_sample__value(&smp);
			if (!isnan(v)) {
				lo = isnan(lo) || v < lo ? v : lo;
				hi = isnan(hi) || v > hi ? v : hi;
				n++;
			}
		}
		json_decref(root);
	}
	if (d)
		closedir(d);
	json_object_set_new(rec, "spread_min", num_or_null(lo));
	json_object_set_new(rec, "spread_max", num_or_null(hi));
	json_object_set_new(rec, "spread_n", json_integer(n));
}

/*
 * The traced repetition's per-queue latency of the busiest queue: kicklat (notify ->
 * interrupt, any virtio transport; busiest by "interrupts") and msglat (EVENT_AVAIL -> EVENT_USED,
 * virtio-msg only; busiest by "used"). For net, transmit queues only (odd index: virtio-net's
 * rx0, tx0, rx1, tx1, ...): a receive queue's notify -> interrupt time is the wait for the next
 * packet, not the transport's. NULLs when the cell was not traced or want is false.
 */
static void busiest(const char *run, const char *scen, const char *tr, const char *tool,
		    const char *count_key, const char *index_key, bool want, const char *prefix,
		    json_t *rec)
{
	char path[PATH_LEN], key[64];
	double best = -1, p50 = NAN, p99 = NAN;
	json_t *root, *vq;
	size_t i;

	snprintf(path, sizeof(path), "%s/raw/%s__%s__r0.%s.json", run, scen, tr, tool);
	root = want ? json_load_file(path, 0, NULL) : NULL;
	json_array_foreach(json_object_get(root, "per_vq"), i, vq) {
		double c = num(vq, count_key), idx = num(vq, index_key);

		if (!strncmp(scen, "net", 3) && (isnan(idx) || fmod(idx, 2) != 1))
			continue;
		if (!isnan(c) && c > best && c > 0) {
			best = c;
			p50 = num(vq, "p50_us");
			p99 = num(vq, "p99_us");
		}
	}
	json_decref(root);
	snprintf(key, sizeof(key), "%s_p50_us", prefix);
	json_object_set_new(rec, key, num_or_null(p50));
	snprintf(key, sizeof(key), "%s_p99_us", prefix);
	json_object_set_new(rec, key, num_or_null(p99));
}

static json_t *find_rec(json_t *recs, const char *scen, const char *tr)
{
	size_t i;
	json_t *r;

	json_array_foreach(recs, i, r)
		if (!strcmp(res_json_str(r, "scenario", ""), scen) &&
		    !strcmp(res_json_str(r, "transport", ""), tr))
			return r;
	return NULL;
}

/* the bus models (not the userspace device): msg (thread), msg-inline, msg-poll */
static bool bus_model(const char *t)
{
	return !strcmp(t, "msg") || !strcmp(t, "msg-inline") || !strcmp(t, "msg-poll");
}

/*
 * The hot path's targets (issue 10: under icount, all contenders in the same boot): a ratio of
 * a msg record's median to a reference's, or a field of the msg record. "best": the best bus
 * model's median (least latency, most IOPS or throughput), else msg (the module's defaults).
 */
static const struct target {
	const char *what, *scen, *ref, *field;
	bool best, at_most;
	double goal;
} targets[] = {
	{"blk 4k randread qd1 latency, best bus model / null_blk", "blk-randread-4k-qd1",
	 "null_blk", NULL, true, true, 1.3},
	{"blk 4k randread qd1 latency, best bus model / virtio-pci", "blk-randread-4k-qd1", "pci",
	 NULL, true, true, 0.5},
	{"blk 4k randread qd32 IOPS, msg / virtio-pci", "blk-randread-4k-qd32", "pci", NULL, false,
	 false, 1.0},
	{"blk 4k randread qd32 messages per I/O, msg", "blk-randread-4k-qd32", NULL,
	 "messages_per_io", false, true, 0.1},
	{"TCP stream throughput, best bus model / veth", "net-tcp-stream", "veth", NULL, true,
	 false, 0.8},
	{"tracer cost on blk qd1, msg", "blk-randread-4k-qd1", NULL, "tracer_cost", false, true,
	 1.03},
};

static json_t *target_figures(json_t *recs)
{
	json_t *out = json_array();

	for (size_t k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
		const struct target *g = &targets[k];
		json_t *r, *pick = NULL, *ref = g->ref ? find_rec(recs, g->scen, g->ref) : NULL;
		double v = NAN;
		size_t i;

		json_array_foreach(recs, i, r) {
			const char *t = res_json_str(r, "transport", "");
			enum res_metric m;
			double a, b;

			if (strcmp(res_json_str(r, "scenario", ""), g->scen) ||
			    (g->best ? !bus_model(t) : strcmp(t, "msg")) || isnan(num(r, "median")))
				continue;
			a = num(r, "median");
			b = pick ? num(pick, "median") : NAN;
			if (!pick || (!res_metric__from_name(res_json_str(r, "metric", ""), &m) &&
						      res_metric__higher_better(m)
					      ? a > b
					      : a < b))
				pick = r;
		}
		if (pick)
			v = g->field ? num(pick, g->field)
				     : res_ratio(num(pick, "median"),
						 ref ? num(ref, "median") : NAN);
		json_array_append_new(
			out,
			json_pack(
				"{s:s, s:s, s:o, s:f, s:b, s:o}", "what", g->what, "transport",
				pick ? res_json_str(pick, "transport", "?") : "-", "value",
				num_or_null(v), "goal", g->goal, "at_most", g->at_most, "met",
				isnan(v) ? json_null()
					 : json_boolean(g->at_most ? v <= g->goal : v >= g->goal)));
	}
	return out;
}

/* one bench run: its summary, meta and versions, each record with the derived figures */
static json_t *load_run(const char *dir)
{
	char path[PATH_LEN];
	json_error_t err;
	json_t *sum, *run, *recs, *r, *v;
	size_t i;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	sum = json_load_file(path, 0, &err);
	if (!sum) {
		fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
		return NULL;
	}
	recs = json_object_get(sum, "records");
	json_array_foreach(recs, i, r) {
		const char *s = res_json_str(r, "scenario", "?"),
			   *t = res_json_str(r, "transport", "?");
		json_t *ref = find_rec(recs, s, "msg");
		/* the kick -> interrupt time is the traced repetition's: its share is of that
		 * repetition's p50, not of the untraced ones' (the tracers' cost is in the first) */
		double p50 = num(r, "traced_p50_us"), kick;

		bool virtio = strcmp(t, res_transport__floor(s));

		spread(dir, s, t, r);
		busiest(dir, s, t, "kicklat", "interrupts", "index", virtio, "kick", r);
		busiest(dir, s, t, "msglat", "used", "vq", !strncmp(t, "msg", 3), "msgvq", r);
		kick = num(r, "kick_p50_us");
		json_object_set_new(r, "kick_share_of_p50",
				    num_or_null(p50 > 0 ? kick / p50 : NAN));
		/* the bus models against the load-time mode (thread) on the headline metric */
		json_object_set_new(
			r, "median_vs_msg",
			num_or_null(ref && !strncmp(t, "msg", 3)
					    ? res_ratio(num(r, "median"), num(ref, "median"))
					    : NAN));
	}
	run = json_object();
	json_object_set_new(run, "label", json_string(base_name(dir)));
	json_object_set_new(run, "dir", json_string(dir));
	json_object_set(run, "meta", json_object_get(sum, "meta"));
	snprintf(path, sizeof(path), "%s/versions.env", dir);
	v = load_kv(path);
	json_object_set_new(run, "versions", v ? v : json_object());
	json_object_set(run, "records", recs);
	json_object_set_new(run, "targets", target_figures(recs));
	json_decref(sum);
	return run;
}

/* pci and mmio: QEMU's device models, whose work runs outside the guest */
static bool qemu_device(const char *t)
{
	return !strcmp(t, "pci") || !strcmp(t, "mmio");
}

/*
 * A second boot of a bench run (<run>-boot<N>): each record gets its median against the first
 * boot's and the first boot's own spread (max / min); the boot gets the cells farthest apart
 * between the boots, one among the contenders that run in the guest, one among QEMU's.
 */
static json_t *load_boot(const char *dir, json_t *runs)
{
	char label[PATH_LEN];
	const char *dash = NULL;
	json_t *boot, *first = NULL, *run, *r, *far[2] = {NULL, NULL};
	double farv[2] = {0, 0};
	size_t i, n;

	snprintf(label, sizeof(label), "%s", base_name(dir));
	/* the last "-boot", as scripts/report.sh reads the name (-boot[0-9]+$) */
	for (const char *s = strstr(label, "-boot"); s; s = strstr(s + 1, "-boot"))
		dash = s;
	n = dash ? (size_t)(dash - label) : 0;
	json_array_foreach(runs, i, run) {
		const char *l = res_json_str(run, "label", "");

		if (n && strlen(l) == n && !strncmp(l, label, n))
			first = run;
	}
	if (!first || strspn(dash + 5, "0123456789") != strlen(dash + 5) || !dash[5]) {
		fprintf(stderr,
			"%s: a second boot is named <run>-boot<N>, and <run> must be one of the "
			"bench runs given\n",
			dir);
		return NULL;
	}
	boot = load_run(dir);
	if (!boot)
		return NULL;
	json_object_set_new(boot, "of", json_string(res_json_str(first, "label", "?")));
	json_array_foreach(json_object_get(boot, "records"), i, r) {
		const char *s = res_json_str(r, "scenario", "?"),
			   *t = res_json_str(r, "transport", "?");
		json_t *a = find_rec(json_object_get(first, "records"), s, t);
		double v = a ? res_ratio(num(r, "median"), num(a, "median")) : NAN;
		int q = qemu_device(t);

		json_object_set_new(r, "first_median", num_or_null(a ? num(a, "median") : NAN));
		json_object_set_new(r, "median_vs_first", num_or_null(v));
		json_object_set_new(
			r, "first_spread",
			num_or_null(a ? res_ratio(num(a, "spread_max"), num(a, "spread_min"))
				      : NAN));
		if (!isnan(v) && v > 0 && fabs(log(v)) > farv[q]) {
			farv[q] = fabs(log(v));
			far[q] = r;
		}
	}
	for (int q = 0; q < 2; q++)
		json_object_set_new(boot, q ? "farthest_qemu" : "farthest_in_guest",
				    far[q] ? json_pack("{s:s, s:s, s:O}", "scenario",
						       res_json_str(far[q], "scenario", "?"),
						       "transport",
						       res_json_str(far[q], "transport", "?"),
						       "median_vs_first",
						       json_object_get(far[q], "median_vs_first"))
					   : json_null());
	return boot;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* a tune run: per variant (name order, as tune.sh runs them) the msg figures per scenario */
static json_t *load_tune(const char *dir)
{
	char path[PATH_LEN], *names[MAX_RUNS];
	json_t *tune, *vars = json_array(), *ref = NULL, *meta = NULL, *kv;
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		json_decref(vars);
		return NULL;
	}
	while ((e = readdir(d)) && n < MAX_RUNS) {
		snprintf(path, sizeof(path), "%s/%s/variant.env", dir, e->d_name);
		if (e->d_name[0] != '.' && !access(path, R_OK))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t k = 0; k < n; k++) {
		json_t *var, *sum, *env, *figs = json_array(), *r;
		size_t i;

		snprintf(path, sizeof(path), "%s/%s/summary.json", dir, names[k]);
		sum = json_load_file(path, 0, NULL);
		snprintf(path, sizeof(path), "%s/%s/variant.env", dir, names[k]);
		env = load_kv(path);
		var = json_pack("{s:s, s:s, s:s}", "name", names[k], "desc",
				res_json_str(env, "DESC", ""), "params",
				res_json_str(env, "LOOP_PARAMS", ""));
		json_array_foreach(json_object_get(sum, "records"), i, r) {
			json_t *rr, *f;

			if (strcmp(res_json_str(r, "transport", ""), "msg"))
				continue;
			rr = ref ? find_rec(ref, res_json_str(r, "scenario", ""), "msg") : r;
			f = json_pack("{s:s, s:s}", "scenario", res_json_str(r, "scenario", "?"),
				      "metric", res_json_str(r, "metric", "?"));
			json_object_set_new(f, "median", num_or_null(num(r, "median")));
			json_object_set_new(
				f, "ratio_vs_reference",
				num_or_null(rr ? res_ratio(num(r, "median"), num(rr, "median"))
					       : NAN));
			json_object_set_new(f, "messages_per_io",
					    num_or_null(num(r, "messages_per_io")));
			json_object_set_new(f, "cost_vs_floor",
					    num_or_null(num(r, "cost_vs_floor")));
			json_array_append_new(figs, f);
		}
		json_object_set_new(var, "figures", figs);
		if (sum)
			json_object_set_new(var, "mode",
					    json_string(res_json_str(json_object_get(sum, "meta"),
								     "MODE", "?")));
		json_array_append_new(vars, var);
		if (!ref && sum) {
			ref = json_incref(json_object_get(sum, "records"));
			meta = json_incref(json_object_get(sum, "meta"));
		}
		json_decref(sum);
		json_decref(env);
		free(names[k]);
	}
	json_decref(ref);
	tune = json_pack("{s:s, s:s, s:o, s:o}", "label", base_name(dir), "dir", dir, "variants",
			 vars, "meta", meta ? meta : json_object());
	snprintf(path, sizeof(path), "%s/versions.env", dir);
	kv = load_kv(path);
	json_object_set_new(tune, "versions", kv ? kv : json_object());
	return tune;
}

/* ---- Markdown, from the merged JSON only ---- */

/*
 * A figure as the report prints it: fixed decimals by magnitude (never an exponent, so a
 * reader and tests/host/test_report.sh parse it the same way); "-" when not measured.
 */
static const char *fig(char *buf, size_t n, json_t *v)
{
	double x = json_is_number(v) ? json_number_value(v) : NAN;
	double a = fabs(x);

	if (isnan(x))
		snprintf(buf, n, "-");
	else if (json_is_integer(v) || a >= 1000)
		snprintf(buf, n, "%.0f", x);
	else if (a >= 100)
		snprintf(buf, n, "%.1f", x);
	else if (a >= 10)
		snprintf(buf, n, "%.2f", x);
	else
		snprintf(buf, n, "%.3f", x);
	return buf;
}

#define FIG(v) fig((char[40]){0}, 40, (v))

static const char *metric_unit(const char *metric)
{
	if (!strcmp(metric, "lat_us"))
		return "us";
	if (!strcmp(metric, "iops"))
		return "IOPS";
	if (!strcmp(metric, "gbps"))
		return "Gbit/s";
	return metric;
}

static void table_end(struct res_table *t, FILE *f)
{
	res_table__print(t, f);
	res_table__free(t);
	fprintf(f, "\n");
}

static void sec_runs(struct publish *p)
{
	const char *const sets[] = {"runs", "boots"};
	struct res_table t;
	size_t i;
	json_t *run;

	res_table__init(&t, 7, NULL);
	res_table__add(&t, (const char *const[]){"run", "arch", "mode (accelerator)", "why",
						 "repetitions", "seconds each", "scenarios"});
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		json_array_foreach(json_object_get(p->top, sets[s]), i, run) {
			json_t *m = json_object_get(run, "meta");
			char why[300];

			if (json_object_get(run, "of"))
				snprintf(why, sizeof(why), "a second boot of %s",
					 res_json_str(run, "of", "?"));
			else
				snprintf(why, sizeof(why), "%s", res_json_str(m, "ACCEL_WHY", "-"));
			res_table__add(&t,
				       (const char *const[]){res_json_str(run, "label", "?"),
							     res_json_str(m, "ARCH", "?"),
							     res_json_str(m, "MODE", "?"), why,
							     res_json_str(m, "REPS", "?"),
							     res_json_str(m, "RUNTIME", "?"),
							     res_json_str(m, "SCENARIOS", "?")});
		}
	table_end(&t, p->md);
}

/* distinct values of key over all runs' records, first-seen order (transports: display order) */
static size_t distinct(json_t *runs, const char *key, const char **out, size_t max)
{
	size_t i, j, n = 0;
	json_t *run, *r;

	json_array_foreach(runs, i, run) {
		json_array_foreach(json_object_get(run, "records"), j, r) {
			const char *s = res_json_str(r, key, "?");
			size_t k;

			for (k = 0; k < n && strcmp(out[k], s); k++)
				;
			if (k == n && n < max)
				out[n++] = s;
		}
	}
	return n;
}

/* SVG: median of each transport with its min-max bar, one run, one scenario */
static int plot_spread(struct publish *p, json_t *run, const char *scen, const char *metric)
{
	char dat[PATH_LEN], svg[PATH_LEN], gp[PATH_LEN], title[300], name[300];
	char *av[] = {"gnuplot", "-c", gp, dat, (char *)metric_unit(metric), title, svg, NULL};
	bool any = false;
	size_t i;
	json_t *r;
	FILE *f;

	snprintf(name, sizeof(name), "%s-%s.svg", res_json_str(run, "label", "run"), scen);
	snprintf(dat, sizeof(dat), "%s/%s.dat", p->tmp, name);
	snprintf(svg, sizeof(svg), "%s/%s", p->out, name);
	snprintf(gp, sizeof(gp), "%s/spread.gp", p->plotdir);
	snprintf(title, sizeof(title), "%s, %s: median, min-max over the repetitions",
		 res_json_str(run, "label", "?"), scen);
	f = fopen(dat, "w");
	if (!f)
		return -1;
	json_array_foreach(json_object_get(run, "records"), i, r) {
		double m = num(r, "median"), lo = num(r, "spread_min"), hi = num(r, "spread_max");

		if (strcmp(res_json_str(r, "scenario", ""), scen) || isnan(m))
			continue;
		fprintf(f, "%s %.17g %.17g %.17g\n", res_json_str(r, "transport", "?"), m,
			isnan(lo) ? m : lo, isnan(hi) ? m : hi);
		any = true;
	}
	if (fclose(f) || !any)
		return any ? -1 : 0;
	if (res_gnuplot(av))
		return -1;
	fprintf(p->md, "![%s](%s)\n\n", title, name);
	return 0;
}

static void results_tables(struct publish *p, json_t *run, const char *scen, const char *metric)
{
	struct res_table a, b;
	size_t i;
	json_t *r;
	char head[64], spread[100];

	snprintf(head, sizeof(head), "median %s", metric_unit(metric));
	res_table__init(&a, 10, NULL);
	res_table__add(&a, (const char *const[]){"transport", head, "min - max", "reps", "p50 us",
						 "p99 us", "p99.9 us", "IOPS", "Gbit/s",
						 "cost vs floor"});
	res_table__init(&b, 7, NULL);
	res_table__add(&b, (const char *const[]){"transport", "cost vs pci", "messages/IO",
						 "notifications/IO", "context switches/IO",
						 "CPU migrations/IO", "tracer cost"});
	json_array_foreach(json_object_get(run, "records"), i, r) {
		char c[9][40];

		if (strcmp(res_json_str(r, "scenario", ""), scen))
			continue;
		fig(c[0], 40, json_object_get(r, "spread_min"));
		fig(c[1], 40, json_object_get(r, "spread_max"));
		snprintf(spread, sizeof(spread), "%s - %s", c[0], c[1]);
		res_table__add(&a, (const char *const[]){
					   res_json_str(r, "transport", "?"),
					   fig(c[2], 40, json_object_get(r, "median")), spread,
					   fig(c[3], 40, json_object_get(r, "spread_n")),
					   fig(c[4], 40, json_object_get(r, "p50_us")),
					   fig(c[5], 40, json_object_get(r, "p99_us")),
					   fig(c[6], 40, json_object_get(r, "p999_us")),
					   fig(c[7], 40, json_object_get(r, "iops")),
					   fig(c[8], 40, json_object_get(r, "gbps")),
					   FIG(json_object_get(r, "cost_vs_floor"))});
		res_table__add(&b,
			       (const char *const[]){
				       res_json_str(r, "transport", "?"),
				       fig(c[0], 40, json_object_get(r, "cost_vs_pci")),
				       fig(c[1], 40, json_object_get(r, "messages_per_io")),
				       fig(c[2], 40, json_object_get(r, "notifications_per_io")),
				       fig(c[3], 40, json_object_get(r, "context_switches_per_io")),
				       fig(c[4], 40, json_object_get(r, "cpu_migrations_per_io")),
				       fig(c[5], 40, json_object_get(r, "tracer_cost"))});
	}
	table_end(&a, p->md);
	table_end(&b, p->md);
}

static int sec_results(struct publish *p)
{
	json_t *runs = json_object_get(p->top, "runs"), *run, *r;
	const char *scen[MAX_SCEN];
	size_t ns = distinct(runs, "scenario", scen, MAX_SCEN), i, j;

	for (size_t s = 0; s < ns; s++) {
		fprintf(p->md, "### %s\n\n", scen[s]);
		json_array_foreach(runs, i, run) {
			const char *metric = NULL;

			json_array_foreach(json_object_get(run, "records"), j, r)
				if (!strcmp(res_json_str(r, "scenario", ""), scen[s]))
					metric = res_json_str(r, "metric", "?");
			if (!metric)
				continue;
			fprintf(p->md, "#### %s\n\n", res_json_str(run, "label", "?"));
			results_tables(p, run, scen[s], metric);
			if (plot_spread(p, run, scen[s], metric))
				return -1;
		}
	}
	return 0;
}

/* the bus models: every msg* transport against msg (the load-time mode, thread) */
static void sec_modes(struct publish *p)
{
	json_t *run, *r;
	size_t i, j;

	json_array_foreach(json_object_get(p->top, "runs"), i, run) {
		struct res_table t;

		res_table__init(&t, 7, NULL);
		res_table__add(&t, (const char *const[]){"scenario", "transport", "median",
							 "against msg", "cost vs floor",
							 "cost vs pci", "messages/IO"});
		/* poll needs a second CPU to poll on: with one, the module runs it as thread */
		bool one_cpu = !strcmp(res_json_str(json_object_get(run, "meta"), "NCPU", ""), "1");

		json_array_foreach(json_object_get(run, "records"), j, r) {
			const char *tr = res_json_str(r, "transport", "?");
			char c[6][40];

			if (strncmp(tr, "msg", 3))
				continue;
			res_table__add(
				&t, (const char *const[]){
					    res_json_str(r, "scenario", "?"),
					    one_cpu && !strcmp(tr, "msg-poll")
						    ? "msg-poll (one vCPU: runs as msg)"
						    : tr,
					    fig(c[0], 40, json_object_get(r, "median")),
					    fig(c[1], 40, json_object_get(r, "median_vs_msg")),
					    fig(c[2], 40, json_object_get(r, "cost_vs_floor")),
					    fig(c[3], 40, json_object_get(r, "cost_vs_pci")),
					    fig(c[4], 40, json_object_get(r, "messages_per_io"))});
		}
		fprintf(p->md, "#### %s\n\n", res_json_str(run, "label", "?"));
		table_end(&t, p->md);
	}
}

/* each target of the hot path against what one run (or a second boot of it) measured */
static void targets_table(struct publish *p, json_t *run)
{
	struct res_table t;
	json_t *g;
	size_t j;

	res_table__init(&t, 5, NULL);
	res_table__add(&t, (const char *const[]){"target", "contender", "measured", "goal", "met"});
	json_array_foreach(json_object_get(run, "targets"), j, g) {
		char goal[64];
		json_t *met = json_object_get(g, "met");

		snprintf(goal, sizeof(goal), "%s %s",
			 json_is_true(json_object_get(g, "at_most")) ? "at most" : "at least",
			 FIG(json_object_get(g, "goal")));
		res_table__add(
			&t,
			(const char *const[]){
				res_json_str(g, "what", "?"), res_json_str(g, "transport", "-"),
				FIG(json_object_get(g, "value")), goal,
				json_is_boolean(met) ? (json_is_true(met) ? "yes" : "no") : "-"});
	}
	fprintf(p->md, "#### %s (%s", res_json_str(run, "label", "?"),
		res_json_str(json_object_get(run, "meta"), "MODE", "?"));
	if (json_object_get(run, "of"))
		fprintf(p->md, ", a second boot of %s", res_json_str(run, "of", "?"));
	fprintf(p->md, ")\n\n");
	table_end(&t, p->md);
}

static void sec_targets(struct publish *p)
{
	json_t *run;
	size_t i;

	json_array_foreach(json_object_get(p->top, "runs"), i, run)
		targets_table(p, run);
	json_array_foreach(json_object_get(p->top, "boots"), i, run)
		targets_table(p, run);
}

/* a second boot against the first: every cell's median, and the cells farthest apart */
static void sec_boots(struct publish *p)
{
	json_t *boot, *r;
	size_t i, j;

	if (!json_array_size(json_object_get(p->top, "boots"))) {
		fprintf(p->md, "No second boot was given to this report.\n\n");
		return;
	}
	json_array_foreach(json_object_get(p->top, "boots"), i, boot) {
		const char *of = res_json_str(boot, "of", "?");
		struct res_table t;
		char h1[200], h2[200];

		snprintf(h1, sizeof(h1), "median, %s", of);
		snprintf(h2, sizeof(h2), "median, %s", res_json_str(boot, "label", "?"));
		res_table__init(&t, 6, NULL);
		res_table__add(&t,
			       (const char *const[]){"scenario", "transport", h1, h2,
						     "second / first", "first boot's max / min"});
		json_array_foreach(json_object_get(boot, "records"), j, r) {
			char c[4][40];

			res_table__add(&t,
				       (const char *const[]){
					       res_json_str(r, "scenario", "?"),
					       res_json_str(r, "transport", "?"),
					       fig(c[0], 40, json_object_get(r, "first_median")),
					       fig(c[1], 40, json_object_get(r, "median")),
					       fig(c[2], 40, json_object_get(r, "median_vs_first")),
					       fig(c[3], 40, json_object_get(r, "first_spread"))});
		}
		fprintf(p->md, "#### %s against %s\n\n", res_json_str(boot, "label", "?"), of);
		table_end(&t, p->md);
		for (int q = 0; q < 2; q++) {
			json_t *f =
				json_object_get(boot, q ? "farthest_qemu" : "farthest_in_guest");

			if (!json_is_object(f))
				continue;
			fprintf(p->md, "- farthest apart among %s: %s on %s, second / first %s\n",
				q ? "QEMU's devices (pci, mmio)"
				  : "the contenders that run in the guest",
				res_json_str(f, "transport", "?"), res_json_str(f, "scenario", "?"),
				FIG(json_object_get(f, "median_vs_first")));
		}
		fprintf(p->md, "\n");
	}
}

static void sec_knobs(struct publish *p)
{
	json_t *tune, *var, *f;
	size_t i, j, k;

	if (!json_array_size(json_object_get(p->top, "tune"))) {
		fprintf(p->md, "No tune run was given to this report.\n\n");
		return;
	}
	json_array_foreach(json_object_get(p->top, "tune"), i, tune) {
		struct res_table t, v;

		fprintf(p->md, "#### %s\n\n", res_json_str(tune, "label", "?"));
		res_table__init(&v, 4, NULL);
		res_table__add(&v, (const char *const[]){"variant", "what", "mode",
							 "virtio_msg_loop parameters"});
		res_table__init(&t, 7, NULL);
		res_table__add(&t, (const char *const[]){"variant", "scenario", "metric", "median",
							 "against the first variant", "messages/IO",
							 "cost vs floor"});
		json_array_foreach(json_object_get(tune, "variants"), j, var) {
			char params[600];

			snprintf(params, sizeof(params), "`%s`", res_json_str(var, "params", ""));
			res_table__add(&v, (const char *const[]){res_json_str(var, "name", "?"),
								 res_json_str(var, "desc", ""),
								 res_json_str(var, "mode", "?"),
								 params});
			json_array_foreach(json_object_get(var, "figures"), k, f) {
				char c[4][40];

				res_table__add(
					&t, (const char *const[]){
						    res_json_str(var, "name", "?"),
						    res_json_str(f, "scenario", "?"),
						    res_json_str(f, "metric", "?"),
						    fig(c[0], 40, json_object_get(f, "median")),
						    fig(c[1], 40,
							json_object_get(f, "ratio_vs_reference")),
						    fig(c[2], 40,
							json_object_get(f, "messages_per_io")),
						    fig(c[3], 40,
							json_object_get(f, "cost_vs_floor"))});
			}
		}
		table_end(&v, p->md);
		table_end(&t, p->md);
	}
}

/* where one I/O's time goes: the I/O's median against the traced notify -> interrupt time */
static void sec_time(struct publish *p)
{
	json_t *run, *r;
	size_t i, j;

	json_array_foreach(json_object_get(p->top, "runs"), i, run) {
		struct res_table t;
		size_t rows = 0;

		res_table__init(&t, 8, NULL);
		res_table__add(
			&t, (const char *const[]){"scenario", "transport", "I/O p50 us (traced)",
						  "notify-interrupt p50 us",
						  "notify-interrupt p99 us", "share of I/O p50",
						  "EVENT_AVAIL-EVENT_USED p50 us", "messages/IO"});
		json_array_foreach(json_object_get(run, "records"), j, r) {
			char c[6][40];

			if (!json_is_number(json_object_get(r, "kick_p50_us")))
				continue;
			res_table__add(
				&t, (const char *const[]){
					    res_json_str(r, "scenario", "?"),
					    res_json_str(r, "transport", "?"),
					    fig(c[0], 40, json_object_get(r, "traced_p50_us")),
					    fig(c[1], 40, json_object_get(r, "kick_p50_us")),
					    fig(c[2], 40, json_object_get(r, "kick_p99_us")),
					    fig(c[3], 40, json_object_get(r, "kick_share_of_p50")),
					    fig(c[4], 40, json_object_get(r, "msgvq_p50_us")),
					    fig(c[5], 40, json_object_get(r, "messages_per_io"))});
			rows++;
		}
		fprintf(p->md, "#### %s\n\n", res_json_str(run, "label", "?"));
		if (rows)
			table_end(&t, p->md);
		else {
			res_table__free(&t);
			fprintf(p->md, "No traced repetition (kicklat) in this run.\n\n");
		}
	}
}

static void sec_context(struct publish *p)
{
	json_t *ctx = json_object_get(p->top, "context"), *e;
	struct res_table t;
	size_t i;

	if (!json_array_size(ctx)) {
		fprintf(p->md, "No published figures were given (context file empty).\n\n");
		return;
	}
	res_table__init(&t, 5, NULL);
	res_table__add(
		&t, (const char *const[]){"what", "setting", "published figure", "unit", "source"});
	json_array_foreach(ctx, i, e) {
		char vals[400] = "", src[1200];
		size_t k, off = 0;
		json_t *v;

		json_array_foreach(json_object_get(e, "values"), k, v) {
			int w = snprintf(vals + off, sizeof(vals) - off, "%s%s", k ? ", " : "",
					 FIG(v));

			if (w < 0 || (size_t)w >= sizeof(vals) - off)
				break;
			off += (size_t)w;
		}
		snprintf(src, sizeof(src), "[%s](%s)", res_json_str(e, "source_title", "source"),
			 res_json_str(e, "source", ""));
		res_table__add(&t, (const char *const[]){res_json_str(e, "what", "?"),
							 res_json_str(e, "setting", "?"), vals,
							 res_json_str(e, "unit", ""), src});
	}
	table_end(&t, p->md);
}

static void sec_versions(struct publish *p)
{
	static const struct {
		const char *head, *obj, *key;
	} cols[] = {
		{"kernel (guest)", "meta", "KERNEL"},
		{"QEMU", "meta", "QEMU"},
		{"mode", "meta", "MODE"},
		{"arch", "meta", "ARCH"},
		{"date", "meta", "DATE"},
		{"git commit", "versions", "GIT_COMMIT"},
		{"fio (guest)", "meta", "FIO"},
		{"perf (guest)", "meta", "PERF"},
		{"iperf3 (guest)", "meta", "IPERF3"},
		{"iperf3 (host)", "versions", "HOST_IPERF3"},
		{"gcc", "versions", "GCC"},
		{"cross gcc (arm64)", "versions", "CROSS_GCC"},
		{"clang", "versions", "CLANG"},
		{"gnuplot", "versions", "GNUPLOT"},
		{"jansson", "versions", "JANSSON"},
		{"host kernel", "versions", "HOST_KERNEL"},
	};
	const char *const sets[] = {"runs", "boots", "tune"};
	json_t *run;
	size_t i;

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		json_array_foreach(json_object_get(p->top, sets[s]), i, run) {
			struct res_table t;

			res_table__init(&t, 2, NULL);
			res_table__add(&t,
				       (const char *const[]){"", res_json_str(run, "label", "?")});
			for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
				res_table__add(
					&t, (const char *const[]){
						    cols[c].head,
						    res_json_str(json_object_get(run, cols[c].obj),
								 cols[c].key, "not recorded")});
			table_end(&t, p->md);
		}
}

static void sec_sources(struct publish *p)
{
	json_t *run;
	size_t i;

	json_array_foreach(json_object_get(p->top, "runs"), i, run)
		fprintf(p->md, "- `%s`\n", res_json_str(run, "dir", "?"));
	json_array_foreach(json_object_get(p->top, "boots"), i, run)
		fprintf(p->md, "- `%s` (a second boot of %s)\n", res_json_str(run, "dir", "?"),
			res_json_str(run, "of", "?"));
	json_array_foreach(json_object_get(p->top, "tune"), i, run)
		fprintf(p->md, "- `%s` (tune)\n", res_json_str(run, "dir", "?"));
	fprintf(p->md, "\n");
}

/* the template, its @@NAME@@ lines replaced by the generated sections */
static int write_report(struct publish *p)
{
	char line[4096], path[PATH_LEN];
	int ret = 0, lineno = 0;
	FILE *in = fopen(p->tmpl, "r");

	if (!in) {
		fprintf(stderr, "%s: %s\n", p->tmpl, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/report.md", p->out);
	p->md = fopen(path, "w");
	if (!p->md) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		fclose(in);
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), in)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "@@", 2)) {
			fprintf(p->md, "%s\n", line);
		} else if (!strcmp(line, "@@RUNS@@")) {
			sec_runs(p);
		} else if (!strcmp(line, "@@RESULTS@@")) {
			ret = sec_results(p);
		} else if (!strcmp(line, "@@MODES@@")) {
			sec_modes(p);
		} else if (!strcmp(line, "@@TARGETS@@")) {
			sec_targets(p);
		} else if (!strcmp(line, "@@BOOTS@@")) {
			sec_boots(p);
		} else if (!strcmp(line, "@@KNOBS@@")) {
			sec_knobs(p);
		} else if (!strcmp(line, "@@TIME@@")) {
			sec_time(p);
		} else if (!strcmp(line, "@@CONTEXT@@")) {
			sec_context(p);
		} else if (!strcmp(line, "@@VERSIONS@@")) {
			sec_versions(p);
		} else if (!strcmp(line, "@@SOURCES@@")) {
			sec_sources(p);
		} else {
			fprintf(stderr, "%s:%d: unknown section %s\n", p->tmpl, lineno, line);
			ret = -1;
		}
	}
	fclose(in);
	if (fclose(p->md))
		ret = -1;
	return ret;
}

static int merge(struct publish *p, char **runs, int nruns)
{
	char path[PATH_LEN], date[32];
	json_t *arr = json_array(), *tunes = json_array(), *boots = json_array(), *ctx;
	json_error_t err;
	time_t now = time(NULL);

	for (int i = 0; i < nruns; i++) {
		json_t *r = load_run(runs[i]);

		if (!r)
			goto fail;
		json_array_append_new(arr, r);
	}
	for (size_t i = 0; i < p->nboots; i++) {
		json_t *b = load_boot(p->boots[i], arr);

		if (!b)
			goto fail;
		json_array_append_new(boots, b);
	}
	for (size_t i = 0; i < p->ntunes; i++) {
		json_t *t = load_tune(p->tunes[i]);

		if (!t)
			goto fail;
		json_array_append_new(tunes, t);
	}
	ctx = json_load_file(p->context, 0, &err);
	if (!ctx) {
		fprintf(stderr, "%s:%d: %s\n", p->context, err.line, err.text);
		goto fail;
	}
	if (!json_is_array(json_object_get(ctx, "figures"))) {
		fprintf(stderr, "%s: no \"figures\" array\n", p->context);
		json_decref(ctx);
		goto fail;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	p->top = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:O}", "generator", "vmsg-publish",
			   "jansson", JANSSON_VERSION, "generated", date, "runs", arr, "boots",
			   boots, "tune", tunes, "context", json_object_get(ctx, "figures"));
	json_decref(ctx);
	if (!p->top)
		return -1;
	snprintf(path, sizeof(path), "%s/summary.json", p->out);
	if (json_dump_file(p->top, path, JSON_INDENT(1) | JSON_REAL_PRECISION(17))) {
		fprintf(stderr, "%s: cannot write\n", path);
		return -1;
	}
	return 0;
fail:
	json_decref(arr);
	json_decref(boots);
	json_decref(tunes);
	return -1;
}

/* one more directory of a --tune / --boot list, at most MAX_RUNS of each */
static int add_dir(const char **list, size_t *n, const char *what, const char *dir)
{
	if (*n == MAX_RUNS) {
		fprintf(stderr, "at most %d %s\n", MAX_RUNS, what);
		return -1;
	}
	list[(*n)++] = dir;
	return 0;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s -o OUT_DIR [-t TEMPLATE] [-c CONTEXT.json] [-p PLOT_DIR] "
		"[--tune TUNE_DIR]... [--boot BOOT_DIR]... RUN_DIR...\n"
		"       %s -o OUT_DIR [-t TEMPLATE] [-p PLOT_DIR] --from SUMMARY.json\n",
		prog, prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"template", required_argument, NULL, 't'},
		{"context", required_argument, NULL, 'c'},
		{"plots", required_argument, NULL, 'p'},
		{"tune", required_argument, NULL, 'T'},
		{"boot", required_argument, NULL, 'B'},
		{"from", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct publish p = {.tmpl = "bench/report/report.md.in",
			    .context = "bench/report/context.json",
			    .plotdir = "bench/plot"};
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "o:t:c:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			p.out = optarg;
			break;
		case 't':
			p.tmpl = optarg;
			break;
		case 'c':
			p.context = optarg;
			break;
		case 'p':
			p.plotdir = optarg;
			break;
		case 'T':
			if (add_dir(p.tunes, &p.ntunes, "tune runs", optarg))
				return 2;
			break;
		case 'B':
			if (add_dir(p.boots, &p.nboots, "second boots", optarg))
				return 2;
			break;
		case 'F':
			p.from = optarg;
			break;
		default:
			usage(c == 'h' ? stdout : stderr, argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (!p.out || (p.from ? argc - optind || p.ntunes || p.nboots
			      : argc - optind < 1 || argc - optind > MAX_RUNS)) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (mkdir(p.out, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", p.out, strerror(errno));
		return 1;
	}
	snprintf(p.tmp, sizeof(p.tmp), "%s/vmsg-publish.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(p.tmp)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	if (p.from) {
		json_error_t err;

		p.top = json_load_file(p.from, 0, &err);
		if (!p.top) {
			fprintf(stderr, "%s:%d: %s\n", p.from, err.line, err.text);
			goto cleanup;
		}
	} else if (merge(&p, argv + optind, argc - optind)) {
		goto cleanup;
	}
	if (write_report(&p))
		goto cleanup;
	if (p.from)
		printf("%s/report.md written from %s\n", p.out, p.from);
	else
		printf("%s/report.md and %s/summary.json written\n", p.out, p.out);
	ret = 0;
cleanup:
	json_decref(p.top);
	{
		DIR *d = opendir(p.tmp);
		struct dirent *e;
		char path[PATH_LEN + 300];

		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", p.tmp, e->d_name);
				unlink(path);
			}
		if (d)
			closedir(d);
		rmdir(p.tmp);
	}
	return ret;
}
