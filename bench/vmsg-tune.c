// SPDX-License-Identifier: GPL-2.0
/*
 * vmsg-tune - the knob table: one bench run per tuning variant (scripts/tune.sh), compared.
 *
 *   vmsg-tune RUN_DIR...      markdown on stdout; the first run is the reference (untuned)
 *
 * Each RUN_DIR holds summary.json (bench/vmsg-summary) and variant.env (DESC= and LOOP_PARAMS=
 * lines from scenarios/tuning/). For the msg transport, per scenario: the headline metric with
 * its ratio to the reference, messages per I/O, and the cost against the floor and virtio-pci
 * measured in the same boot.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "results.h"

#define MAX_RUNS 32
#define MAX_SCEN 16

struct run {
	char name[RES_NAME_MAX];
	char desc[256];
	char params[256];
	json_t *sum;
};

static const char *scen[MAX_SCEN];
static size_t nscen;

static double fig(json_t *sum, const char *scenario, const char *transport, const char *key)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(sum, "records"), i, r) {
		json_t *v = json_object_get(r, key);

		if (strcmp(res_json_str(r, "scenario", ""), scenario) ||
		    strcmp(res_json_str(r, "transport", ""), transport))
			continue;
		return json_is_number(v) ? json_number_value(v) : NAN;
	}
	return NAN;
}

static const char *metric_of(json_t *sum, const char *scenario)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(sum, "records"), i, r)
		if (!strcmp(res_json_str(r, "scenario", ""), scenario))
			return res_json_str(r, "metric", "?");
	return "?";
}

static int load(struct run *r, const char *dir)
{
	char path[4096], line[512], key[64], val[256];
	json_error_t err;
	const char *base = strrchr(dir, '/');
	FILE *f;

	snprintf(r->name, sizeof(r->name), "%s", base && base[1] ? base + 1 : dir);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	r->sum = json_load_file(path, 0, &err);
	if (!r->sum) {
		fprintf(stderr, "%s: %s (line %d)\n", path, err.text, err.line);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/variant.env", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (res_parse_kv(line, key, sizeof(key), val, sizeof(val)) != 1)
			continue;
		if (!strcmp(key, "DESC"))
			snprintf(r->desc, sizeof(r->desc), "%s", val);
		else if (!strcmp(key, "LOOP_PARAMS"))
			snprintf(r->params, sizeof(r->params), "%s", val);
	}
	fclose(f);
	return 0;
}

/* one cell: the figure, and its ratio to the reference run's */
static void cell(char *buf, size_t len, double v, double ref, bool ratio)
{
	int n;

	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	n = snprintf(buf, len, "%.4g", v);
	if (ratio && !isnan(ref) && ref != 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (%.2fx)", v / ref);
}

/* One table: rows = runs, columns = scenarios, figure @key of the msg transport. */
static void table(const char *title, const char *note, struct run *runs, size_t n, const char *key,
		  bool ratio)
{
	const char *row[MAX_SCEN + 1];
	char cells[MAX_SCEN][64];
	struct res_table t;

	res_table__init(&t, nscen + 1, NULL);
	row[0] = "variant";
	for (size_t s = 0; s < nscen; s++)
		row[s + 1] = scen[s];
	res_table__add(&t, row);
	for (size_t i = 0; i < n; i++) {
		row[0] = runs[i].name;
		for (size_t s = 0; s < nscen; s++) {
			cell(cells[s], sizeof(cells[s]), fig(runs[i].sum, scen[s], "msg", key),
			     fig(runs[0].sum, scen[s], "msg", key), ratio);
			row[s + 1] = cells[s];
		}
		res_table__add(&t, row);
	}
	printf("\n### %s\n\n%s\n\n", title, note);
	res_table__print(&t, stdout);
	res_table__free(&t);
}

/* scenarios in the order of the first run that has them */
static void collect_scenarios(struct run *runs, size_t n)
{
	size_t j;
	json_t *r;

	for (size_t i = 0; i < n; i++) {
		json_array_foreach(json_object_get(runs[i].sum, "records"), j, r) {
			const char *sc = json_string_value(json_object_get(r, "scenario"));
			bool seen = false;

			for (size_t s = 0; sc && s < nscen; s++)
				seen |= !strcmp(scen[s], sc);
			if (sc && !seen && nscen < MAX_SCEN)
				scen[nscen++] = sc;
		}
	}
}

/* "lat_us lower is better, iops / gbps higher is better", from res_figures[] */
static void print_directions(void)
{
	for (int hb = 0; hb < 2; hb++) {
		const char *sep = "";

		for (int m = 0; m < RES_METRIC_COUNT; m++) {
			if (res_metric__higher_better((enum res_metric)m) != hb)
				continue;
			printf("%s%s", sep, res_metric__name((enum res_metric)m));
			sep = " / ";
		}
		printf(hb ? " higher is better" : " lower is better, ");
	}
}

static void print_variants(struct run *runs, size_t n)
{
	struct res_table t;

	res_table__init(&t, 3, NULL);
	res_table__add(&t, (const char *const[]){"variant", "what", "virtio_msg_loop parameters"});
	for (size_t i = 0; i < n; i++) {
		char params[300];

		snprintf(params, sizeof(params), "`%s`", runs[i].params);
		res_table__add(&t, (const char *const[]){runs[i].name, runs[i].desc, params});
	}
	printf("## Hot-path knobs (virtio-msg loop)\n\n");
	printf("One boot per variant, same build; mode %s. Ratios in brackets are against `%s`.\n\n",
	       res_json_str(json_object_get(runs[0].sum, "meta"), "MODE", "?"), runs[0].name);
	res_table__print(&t, stdout);
	res_table__free(&t);
	printf("\nHeadline metric per scenario:");
	for (size_t s = 0; s < nscen; s++)
		printf(" %s = %s;", scen[s], metric_of(runs[0].sum, scen[s]));
	printf(" (");
	print_directions();
	printf(")\n");
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s RUN_DIR... (1..%d; the first is the reference)\n", prog, MAX_RUNS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	struct run runs[MAX_RUNS] = {0};
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		usage(c == 'h' ? stdout : stderr, argv[0]);
		return c == 'h' ? 0 : 2;
	}
	if (argc - optind < 1 || argc - optind > MAX_RUNS) {
		usage(stderr, argv[0]);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (load(&runs[n], argv[i]))
			return 2;
		n++;
	}
	collect_scenarios(runs, n);
	print_variants(runs, n);
	table("Headline metric", "Median over the repetitions.", runs, n, "median", true);
	table("Messages per I/O", "virtio-msg messages (msglat) per I/O or per round trip.", runs,
	      n, "messages_per_io", false);
	table("Cost against the floor",
	      "Times slower than null_blk (blk) / veth (net) in the same boot; 1.00 = as fast.",
	      runs, n, "cost_vs_floor", false);
	table("Cost against virtio-pci",
	      "Times slower than virtio-pci in the same boot (where the variant ran pci).", runs, n,
	      "cost_vs_pci", false);
	for (size_t i = 0; i < n; i++)
		json_decref(runs[i].sum);
	return 0;
}
