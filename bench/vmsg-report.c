// SPDX-License-Identifier: GPL-2.0
/*
 * vmsg-report - results/<run-id>/summary.json -> report.md + plots/NAME.png.
 *
 *   vmsg-report RUN_DIR [PLOT_DIR]       PLOT_DIR defaults to bench/plot next to this binary's
 *                                        source; it must hold bars.gp and pct.gp
 *
 * The report leads with ratios measured in the same run (cost relative to the floor and to
 * virtio-pci), because an absolute TCG time says more about the emulator than the transport.
 * Plots are drawn by gnuplot -c with arguments (posix_spawnp, no shell).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "results.h"

extern char **environ;

static int gnuplot(char *const argv[])
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

#define MAX_SCEN 64
#define MAX_TR 16

int main(int argc, char **argv)
{
	char path[1200], plots[1100], gp[2][1200], dat[1200], png[1200], title[200];
	const char *scen[MAX_SCEN], *plotdir;
	json_t *top = NULL, *recs, *meta, *r;
	json_error_t jerr;
	size_t ns, i;
	FILE *f = NULL;
	int ret = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s RUN_DIR [PLOT_DIR]\n", argv[0]);
		return 2;
	}
	plotdir = argc == 3 ? argv[2] : "bench/plot";
	snprintf(gp[0], sizeof(gp[0]), "%s/bars.gp", plotdir);
	snprintf(gp[1], sizeof(gp[1]), "%s/pct.gp", plotdir);
	snprintf(path, sizeof(path), "%s/summary.json", argv[1]);
	top = json_load_file(path, 0, &jerr);
	if (!top) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		return 1;
	}
	recs = json_object_get(top, "records");
	meta = json_object_get(top, "meta");
	snprintf(plots, sizeof(plots), "%s/plots", argv[1]);
	if (mkdir(plots, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", plots, strerror(errno));
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/report.md", argv[1]);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	fprintf(f, "# virtio-msg bench %s\n\n", res_json_str(meta, "RUN_ID", ""));
	fprintf(f, "| | |\n|---|---|\n");
	fprintf(f, "| mode | %s |\n| QEMU | %s |\n| kernel | %s |\n| date | %s |\n",
		res_json_str(meta, "MODE", "?"), res_json_str(meta, "QEMU", "n/a"),
		res_json_str(meta, "KERNEL", "?"), res_json_str(meta, "DATE", "?"));
	fprintf(f, "| repetitions x runtime | %s x %s s (medians reported) |\n",
		res_json_str(meta, "REPS", "?"), res_json_str(meta, "RUNTIME", "?"));
	fprintf(f, "| vCPUs | %s |\n| scenarios | %s |\n", res_json_str(meta, "NCPU", "?"),
		res_json_str(meta, "SCENARIOS", "?"));
	fprintf(f, "| virtio_msg_loop parameters | `%s` |\n| bpf tools | %s |\n\n",
		res_json_str(meta, "LOOP_PARAMS", "?"),
		!strcmp(res_json_str(meta, "TRACE", "1"), "0") ? "off"
							       : "one traced repetition per cell");
	fprintf(f,
		"Contenders, all in one guest: blk `null_blk` (the block layer with no transport: "
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
		strstr(res_json_str(meta, "MODE", ""), "tcg") ||
				strstr(res_json_str(meta, "MODE", ""), "icount")
			? " Absolute numbers below are emulated (TCG) time: compare them only "
			  "with each other."
			: "");
	fprintf(f, "## Ratios\n\n| scenario | transport | metric | cost vs floor | cost vs pci | "
		   "notifications/IO | messages/IO | tracer cost |\n"
		   "|---|---|---|---|---|---|---|---|\n");
	json_array_foreach(recs, i, r) {
		char a[32], b[32], c[32], d[32], t[32];

		fmt(a, sizeof(a), json_object_get(r, "cost_vs_floor"), "%.2f");
		fmt(b, sizeof(b), json_object_get(r, "cost_vs_pci"), "%.2f");
		fmt(c, sizeof(c), json_object_get(r, "notifications_per_io"), "%.3f");
		fmt(d, sizeof(d), json_object_get(r, "messages_per_io"), "%.3f");
		fmt(t, sizeof(t), json_object_get(r, "tracer_cost"), "%.2f");
		fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			res_json_str(r, "scenario", "?"), res_json_str(r, "transport", "?"),
			res_json_str(r, "metric", "?"), a, b, c, d, t);
	}
	fprintf(f,
		"\nNotifications (kicklat) and messages (msglat) per I/O come from one extra "
		"repetition per cell run with both bpf tools attached; the timed repetitions run "
		"without them. `tracer cost`: that repetition's headline metric against the "
		"untraced median (1.00 = no overhead).\n");
	fprintf(f, "\n## Medians\n\n| scenario | transport | reps | median | lat us | p50 us | "
		   "p99 us | IOPS | Gbit/s |\n|---|---|---|---|---|---|---|---|---|\n");
	json_array_foreach(recs, i, r) {
		char m[32], l[32], p5[32], p9[32], io[32], g[32];

		fmt(m, sizeof(m), json_object_get(r, "median"), "%.4g");
		fmt(l, sizeof(l), json_object_get(r, "lat_us"), "%.2f");
		fmt(p5, sizeof(p5), json_object_get(r, "p50_us"), "%.2f");
		fmt(p9, sizeof(p9), json_object_get(r, "p99_us"), "%.2f");
		fmt(io, sizeof(io), json_object_get(r, "iops"), "%.0f");
		fmt(g, sizeof(g), json_object_get(r, "gbps"), "%.3f");
		fprintf(f, "| %s | %s | %lld | %s %s | %s | %s | %s | %s | %s |\n",
			res_json_str(r, "scenario", "?"), res_json_str(r, "transport", "?"),
			(long long)json_integer_value(json_object_get(r, "reps")), m,
			res_json_str(r, "metric", ""), l, p5, p9, io, g);
	}
	fprintf(f, "\n## Plots\n\n");
	ns = scenarios(recs, scen, MAX_SCEN);
	for (size_t s = 0; s < ns; s++) {
		static const struct {
			const char *col, *suffix, *what;
		} bars[] = {
			{"2", "median", "median"},
			{"7", "floor", "cost vs floor (x)"},
			{"5", "notif", "notifications per I/O (kicklat)"},
			{"6", "msgs", "messages per I/O (msglat)"},
		};
		const char *metric = "?";
		char *pctv[MAX_TR + 6];
		char pctf[MAX_TR][1200];
		int np = 0;
		int has_notif = 0, has_floor = 0, has_msgs = 0;

		json_array_foreach(recs, i, r) {
			if (strcmp(res_json_str(r, "scenario", ""), scen[s]))
				continue;
			metric = res_json_str(r, "metric", "?");
			has_notif |= json_is_number(json_object_get(r, "notifications_per_io"));
			has_floor |= json_is_number(json_object_get(r, "cost_vs_floor"));
			has_msgs |= json_is_number(json_object_get(r, "messages_per_io"));
			snprintf(path, sizeof(path), "%s/data/%s__%s.pct", argv[1], scen[s],
				 res_json_str(r, "transport", "?"));
			if (np < MAX_TR && !access(path, R_OK)) {
				snprintf(pctf[np], sizeof(pctf[np]), "%s", path);
				pctv[3 + np] = pctf[np];
				np++;
			}
		}
		snprintf(dat, sizeof(dat), "%s/data/%s.dat", argv[1], scen[s]);
		for (size_t b = 0; b < sizeof(bars) / sizeof(bars[0]); b++) {
			char ylabel[100];
			char *av[] = {"gnuplot", "-c",	gp[0], dat, (char *)bars[b].col,
				      ylabel,	 title, png,   NULL};

			/* gnuplot refuses a plot with no defined point */
			if ((b == 1 && !has_floor) || (b == 2 && !has_notif) ||
			    (b == 3 && !has_msgs))
				continue;
			snprintf(ylabel, sizeof(ylabel), "%s", b ? bars[b].what : metric);
			snprintf(title, sizeof(title), "%s: %s", scen[s], bars[b].what);
			snprintf(png, sizeof(png), "%s/%s-%s.png", plots, scen[s], bars[b].suffix);
			if (gnuplot(av))
				goto cleanup;
			fprintf(f, "![%s](plots/%s-%s.png)\n", title, scen[s], bars[b].suffix);
		}
		if (np) {
			snprintf(title, sizeof(title), "%s: completion latency percentiles (fio)",
				 scen[s]);
			snprintf(png, sizeof(png), "%s/%s-pct.png", plots, scen[s]);
			pctv[0] = "gnuplot";
			pctv[1] = "-c";
			pctv[2] = gp[1];
			/* pct.gp takes TITLE OUTPUT FILES...: shift the files by two */
			memmove(&pctv[5], &pctv[3], (size_t)np * sizeof(pctv[0]));
			pctv[3] = title;
			pctv[4] = png;
			pctv[5 + np] = NULL;
			if (gnuplot(pctv))
				goto cleanup;
			fprintf(f, "![%s](plots/%s-pct.png)\n", title, scen[s]);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "Raw tool output (fio / iperf3 / rr JSON, bpf -j JSON) is in raw/, verbatim.\n");
	printf("%s/report.md written\n", argv[1]);
	ret = 0;
cleanup:
	if (f && fclose(f))
		ret = 1;
	json_decref(top);
	return ret;
}
