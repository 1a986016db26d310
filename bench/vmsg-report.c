// SPDX-License-Identifier: GPL-2.0
/*
 * vmsg-report - results/<run-id>/summary.json -> report.md + plots/NAME.png.
 *
 *   vmsg-report RUN_DIR [PLOT_DIR]       PLOT_DIR (default bench/plot, relative to the current
 *                                        directory) must hold bars.gp and pct.gp
 *
 * The report leads with ratios measured in the same run (cost relative to the floor and to
 * virtio-pci), because an absolute TCG time says more about the emulator than the transport.
 * Plots are drawn by gnuplot -c with arguments (posix_spawnp, no shell).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "results.h"

#define MAX_SCEN 64
#define MAX_TR 16
#define PATH_LEN 1200

struct report {
	const char *run;
	char plots[1100], bars_gp[PATH_LEN], pct_gp[PATH_LEN];
	json_t *top, *recs, *meta;
	FILE *f;
};

static void fmt(char *buf, size_t n, json_t *v, const char *f)
{
	if (json_is_number(v))
		snprintf(buf, n, f, json_number_value(v));
	else
		snprintf(buf, n, "-");
}

/* distinct scenario names in record order */
static size_t scenarios(json_t *recs, const char **out, size_t max)
{
	size_t i, n = 0;
	json_t *r;

	json_array_foreach(recs, i, r) {
		const char *s = res_json_str(r, "scenario", "?");
		size_t j;

		for (j = 0; j < n && strcmp(out[j], s); j++)
			;
		if (j == n && n < max)
			out[n++] = s;
	}
	return n;
}

static bool is_emulated(json_t *meta)
{
	const char *mode = res_json_str(meta, "MODE", "");

	return strstr(mode, "tcg") || strstr(mode, "icount");
}

/* the title, the run's parameters and how to read the rest */
static void write_header(FILE *f, json_t *meta)
{
	struct res_table t;
	char reps[200], loop[300];

	res_table__init(&t, 2, NULL);
	snprintf(reps, sizeof(reps), "%s x %s s (medians reported)",
		 res_json_str(meta, "REPS", "?"), res_json_str(meta, "RUNTIME", "?"));
	snprintf(loop, sizeof(loop), "`%s`", res_json_str(meta, "LOOP_PARAMS", "?"));
	res_table__add(&t, (const char *const[]){NULL, NULL});
	res_table__add(&t, (const char *const[]){"mode", res_json_str(meta, "MODE", "?")});
	res_table__add(&t, (const char *const[]){"QEMU", res_json_str(meta, "QEMU", "n/a")});
	res_table__add(&t, (const char *const[]){"kernel", res_json_str(meta, "KERNEL", "?")});
	res_table__add(&t, (const char *const[]){"date", res_json_str(meta, "DATE", "?")});
	res_table__add(&t, (const char *const[]){"repetitions x runtime", reps});
	res_table__add(&t, (const char *const[]){"vCPUs", res_json_str(meta, "NCPU", "?")});
	res_table__add(&t,
		       (const char *const[]){"scenarios", res_json_str(meta, "SCENARIOS", "?")});
	res_table__add(&t, (const char *const[]){"virtio_msg_loop parameters", loop});
	res_table__add(&t, (const char *const[]){"bpf tools",
						 !strcmp(res_json_str(meta, "TRACE", "1"), "0")
							 ? "off"
							 : "one traced repetition per cell"});
	fprintf(f, "# virtio-msg bench %s\n\n", res_json_str(meta, "RUN_ID", ""));
	res_table__print(&t, f);
	res_table__free(&t);
	fprintf(f,
		"\nContenders, all in one guest: blk `null_blk` (the block layer with no transport: "
		"the floor), virtio-blk-pci and virtio-blk-device (mmio) from QEMU on a `null-co` "
		"node with `read-zeroes=on` (no host I/O and no host page cache: what remains is "
		"the transport and QEMU's device model; a tmpfs file would add host copies), and the "
		"virtio-msg loop blk (`blk_null=1`: no data moved either, so all four do the same "
		"work); net `veth` (the floor), two virtio-net-pci and two virtio-net-device NICs "
		"joined back to back by a QEMU hub, and the virtio-msg loop pair; one end of each "
		"pair in its own network namespace.\n\n");
	fprintf(f,
		"Ratios first: all contenders ran in the same guest and the same run. "
		"`cost vs floor` is how many times slower than the floor (null_blk for blk, veth "
		"for net) the transport is on the scenario's headline metric (latency: ratio of "
		"times; IOPS / bandwidth: inverse ratio); `cost vs pci` the same against "
		"virtio-pci. 1.00 = equal, > 1 = slower.%s\n\n",
		is_emulated(meta) ? " Absolute numbers below are emulated (TCG) time: compare them "
				    "only with each other."
				  : "");
}

static void write_ratios(FILE *f, json_t *recs)
{
	struct res_table t;
	size_t i;
	json_t *r;

	res_table__init(&t, 8, NULL);
	res_table__add(&t, (const char *const[]){"scenario", "transport", "metric", "cost vs floor",
						 "cost vs pci", "notifications/IO", "messages/IO",
						 "tracer cost"});
	json_array_foreach(recs, i, r) {
		char a[32], b[32], c[32], d[32], tc[32];

		fmt(a, sizeof(a), json_object_get(r, "cost_vs_floor"), "%.2f");
		fmt(b, sizeof(b), json_object_get(r, "cost_vs_pci"), "%.2f");
		fmt(c, sizeof(c), json_object_get(r, "notifications_per_io"), "%.3f");
		fmt(d, sizeof(d), json_object_get(r, "messages_per_io"), "%.3f");
		fmt(tc, sizeof(tc), json_object_get(r, "tracer_cost"), "%.2f");
		res_table__add(&t, (const char *const[]){res_json_str(r, "scenario", "?"),
							 res_json_str(r, "transport", "?"),
							 res_json_str(r, "metric", "?"), a, b, c, d,
							 tc});
	}
	fprintf(f, "## Ratios\n\n");
	res_table__print(&t, f);
	res_table__free(&t);
	fprintf(f,
		"\nNotifications (kicklat) and messages (msglat) per I/O come from one extra "
		"repetition per cell run with both bpf tools attached; the timed repetitions run "
		"without them. `tracer cost`: that repetition's headline metric against the "
		"untraced median (1.00 = no overhead).\n");
}

static void write_medians(FILE *f, json_t *recs)
{
	struct res_table t;
	size_t i;
	json_t *r;

	res_table__init(&t, 10, NULL);
	res_table__add(&t,
		       (const char *const[]){"scenario", "transport", "reps", "median", "lat us",
					     "p50 us", "p99 us", "p99.9 us", "IOPS", "Gbit/s"});
	json_array_foreach(recs, i, r) {
		char reps[32], m[32], med[100], l[32], p5[32], p9[32], p99[32], io[32], g[32];

		snprintf(reps, sizeof(reps), "%lld",
			 (long long)json_integer_value(json_object_get(r, "reps")));
		fmt(m, sizeof(m), json_object_get(r, "median"), "%.4g");
		snprintf(med, sizeof(med), "%s %s", m, res_json_str(r, "metric", ""));
		fmt(l, sizeof(l), json_object_get(r, "lat_us"), "%.2f");
		fmt(p5, sizeof(p5), json_object_get(r, "p50_us"), "%.2f");
		fmt(p9, sizeof(p9), json_object_get(r, "p99_us"), "%.2f");
		fmt(p99, sizeof(p99), json_object_get(r, "p999_us"), "%.2f");
		fmt(io, sizeof(io), json_object_get(r, "iops"), "%.0f");
		fmt(g, sizeof(g), json_object_get(r, "gbps"), "%.3f");
		res_table__add(&t, (const char *const[]){res_json_str(r, "scenario", "?"),
							 res_json_str(r, "transport", "?"), reps,
							 med, l, p5, p9, p99, io, g});
	}
	fprintf(f, "\n## Medians\n\n");
	res_table__print(&t, f);
	res_table__free(&t);
}

/* does any record hold a number in key? */
static bool any_number(json_t *recs, const char *key)
{
	size_t i;
	json_t *r;

	json_array_foreach(recs, i, r)
		if (json_is_number(json_object_get(r, key)))
			return true;
	return false;
}

/*
 * perf stat counters per I/O: the software events always (a '-' where perf did not run), the
 * hardware ones (cycles, instructions: NATIVE=1 only) when some record has them.
 */
static void write_counters(FILE *f, json_t *recs)
{
	static const char *const head[RES_PERF_NEVENTS] = {
		[RES_PERF_CONTEXT_SWITCHES] = "context switches/IO",
		[RES_PERF_CPU_MIGRATIONS] = "CPU migrations/IO",
		[RES_PERF_TASK_CLOCK] = "task-clock us/IO",
		[RES_PERF_CYCLES] = "cycles/IO",
		[RES_PERF_INSTRUCTIONS] = "instructions/IO",
	};
	const char *cells[2 + RES_PERF_NEVENTS];
	char val[RES_PERF_NEVENTS][32];
	int ev[RES_PERF_NEVENTS], nev = 0;
	bool any = false;
	struct res_table t;
	size_t i;
	json_t *r;

	for (int e = 0; e < RES_PERF_NEVENTS; e++) {
		any |= any_number(recs, res_perf_fields[e]);
		if (e < RES_PERF_CYCLES || any_number(recs, res_perf_fields[e]))
			ev[nev++] = e;
	}
	fprintf(f, "\n## Counters per I/O\n\n");
	if (!any) {
		fprintf(f, "No perf stat counters in this run.\n");
		return;
	}
	res_table__init(&t, 2 + (size_t)nev, NULL);
	cells[0] = "scenario";
	cells[1] = "transport";
	for (int k = 0; k < nev; k++)
		cells[2 + k] = head[ev[k]];
	res_table__add(&t, cells);
	json_array_foreach(recs, i, r) {
		cells[0] = res_json_str(r, "scenario", "?");
		cells[1] = res_json_str(r, "transport", "?");
		for (int k = 0; k < nev; k++) {
			fmt(val[k], sizeof(val[k]), json_object_get(r, res_perf_fields[ev[k]]),
			    ev[k] == RES_PERF_TASK_CLOCK ? "%.2f" : "%.3g");
			cells[2 + k] = val[k];
		}
		res_table__add(&t, cells);
	}
	res_table__print(&t, f);
	res_table__free(&t);
	fprintf(f,
		"\n`perf stat -a` over each timed repetition (system-wide: the device's kthreads "
		"count too), divided by that repetition's I/O count; median over the repetitions. "
		"System-wide task-clock counts idle time too: it is the elapsed time times the "
		"CPUs, so read it as time per I/O, not as CPU used.\n");
}

/* does any record of scen hold a number in key? (gnuplot refuses a plot with no point) */
static bool has_number(json_t *recs, const char *scen, const char *key)
{
	size_t i;
	json_t *r;

	json_array_foreach(recs, i, r)
		if (!strcmp(res_json_str(r, "scenario", ""), scen) &&
		    json_is_number(json_object_get(r, key)))
			return true;
	return false;
}

/* the bar charts of one scenario, one per .dat column below */
static int plot_bars(struct report *rp, const char *scen)
{
	static const struct {
		enum res_dat_col col;
		const char *suffix, *what;
	} bars[] = {
		{RES_DAT_MEDIAN, "median", "median"},
		{RES_DAT_COST_VS_FLOOR, "floor", "cost vs floor (x)"},
		{RES_DAT_NOTIFICATIONS_PER_IO, "notif", "notifications per I/O (kicklat)"},
		{RES_DAT_MESSAGES_PER_IO, "msgs", "messages per I/O (msglat)"},
	};
	char dat[PATH_LEN], png[PATH_LEN], title[200], ylabel[100], col[12];
	const char *metric = "?";
	size_t i;
	json_t *r;

	json_array_foreach(rp->recs, i, r)
		if (!strcmp(res_json_str(r, "scenario", ""), scen))
			metric = res_json_str(r, "metric", "?");
	snprintf(dat, sizeof(dat), "%s/data/%s.dat", rp->run, scen);
	for (size_t b = 0; b < sizeof(bars) / sizeof(bars[0]); b++) {
		char *av[] = {"gnuplot", "-c", rp->bars_gp, dat, col, ylabel, title, png, NULL};

		if (bars[b].col != RES_DAT_MEDIAN &&
		    !has_number(rp->recs, scen, res_dat_columns[bars[b].col]))
			continue;
		snprintf(col, sizeof(col), "%d", (int)bars[b].col + 1);
		snprintf(ylabel, sizeof(ylabel), "%s", b ? bars[b].what : metric);
		snprintf(title, sizeof(title), "%s: %s", scen, bars[b].what);
		snprintf(png, sizeof(png), "%s/%s-%s.png", rp->plots, scen, bars[b].suffix);
		if (res_gnuplot(av))
			return -1;
		fprintf(rp->f, "![%s](plots/%s-%s.png)\n", title, scen, bars[b].suffix);
	}
	return 0;
}

/* the fio percentile curves of one scenario, when data/ has .pct files for it */
static int plot_pct(struct report *rp, const char *scen)
{
	char pctf[MAX_TR][PATH_LEN], title[200], png[PATH_LEN];
	char *av[MAX_TR + 6] = {"gnuplot", "-c", rp->pct_gp, title, png};
	size_t i, np = 0;
	json_t *r;

	json_array_foreach(rp->recs, i, r) {
		if (strcmp(res_json_str(r, "scenario", ""), scen) || np == MAX_TR)
			continue;
		snprintf(pctf[np], sizeof(pctf[np]), "%s/data/%s__%s.pct", rp->run, scen,
			 res_json_str(r, "transport", "?"));
		if (!access(pctf[np], R_OK)) {
			av[5 + np] = pctf[np];
			np++;
		}
	}
	if (!np)
		return 0;
	/* pct.gp takes TITLE OUTPUT FILES... */
	snprintf(title, sizeof(title), "%s: completion latency percentiles (fio)", scen);
	snprintf(png, sizeof(png), "%s/%s-pct.png", rp->plots, scen);
	av[5 + np] = NULL;
	if (res_gnuplot(av))
		return -1;
	fprintf(rp->f, "![%s](plots/%s-pct.png)\n", title, scen);
	return 0;
}

static int write_plots(struct report *rp)
{
	const char *scen[MAX_SCEN];
	size_t ns = scenarios(rp->recs, scen, MAX_SCEN);

	fprintf(rp->f, "\n## Plots\n\n");
	for (size_t s = 0; s < ns; s++) {
		if (plot_bars(rp, scen[s]) || plot_pct(rp, scen[s]))
			return -1;
		fprintf(rp->f, "\n");
	}
	return 0;
}

/* summary.json in, plots/ made, report.md open */
static int report_open(struct report *rp, const char *run, const char *plotdir)
{
	char path[PATH_LEN];
	json_error_t jerr;

	rp->run = run;
	snprintf(rp->bars_gp, sizeof(rp->bars_gp), "%s/bars.gp", plotdir);
	snprintf(rp->pct_gp, sizeof(rp->pct_gp), "%s/pct.gp", plotdir);
	snprintf(path, sizeof(path), "%s/summary.json", run);
	rp->top = json_load_file(path, 0, &jerr);
	if (!rp->top) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		return -1;
	}
	rp->recs = json_object_get(rp->top, "records");
	rp->meta = json_object_get(rp->top, "meta");
	snprintf(rp->plots, sizeof(rp->plots), "%s/plots", run);
	if (mkdir(rp->plots, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", rp->plots, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/report.md", run);
	rp->f = fopen(path, "w");
	if (!rp->f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s RUN_DIR [PLOT_DIR]\n", prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	struct report rp = {0};
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		usage(c == 'h' ? stdout : stderr, argv[0]);
		return c == 'h' ? 0 : 2;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (report_open(&rp, argv[optind], argc - optind == 2 ? argv[optind + 1] : "bench/plot"))
		goto cleanup;
	write_header(rp.f, rp.meta);
	write_ratios(rp.f, rp.recs);
	write_medians(rp.f, rp.recs);
	write_counters(rp.f, rp.recs);
	if (write_plots(&rp))
		goto cleanup;
	fprintf(rp.f, "Raw tool output (fio / iperf3 / rr JSON, bpf -j JSON) is in raw/, "
		      "verbatim.\n");
	printf("%s/report.md written\n", rp.run);
	ret = 0;
cleanup:
	if (rp.f && fclose(rp.f))
		ret = 1;
	json_decref(rp.top);
	return ret;
}
