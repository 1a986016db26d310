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

static void cell(double v, double ref, bool ratio)
{
	if (isnan(v)) {
		printf(" - |");
		return;
	}
	printf(" %.4g", v);
	if (ratio && !isnan(ref) && ref != 0)
		printf(" (%.2fx)", v / ref);
	printf(" |");
}

/* One table: rows = runs, columns = scenarios, figure @key of the msg transport. */
static void table(const char *title, const char *note, struct run *runs, size_t n, const char *key,
		  bool ratio)
{
	size_t i, s;

	printf("\n### %s\n\n%s\n\n| variant |", title, note);
	for (s = 0; s < nscen; s++)
		printf(" %s |", scen[s]);
	printf("\n|---|");
	for (s = 0; s < nscen; s++)
		printf("---|");
	printf("\n");
	for (i = 0; i < n; i++) {
		printf("| %s |", runs[i].name);
		for (s = 0; s < nscen; s++)
			cell(fig(runs[i].sum, scen[s], "msg", key),
			     fig(runs[0].sum, scen[s], "msg", key), ratio);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	struct run runs[MAX_RUNS] = {0};
	size_t n = 0, i, s, j;
	json_t *r;

	if (argc < 2 || argc - 1 > MAX_RUNS) {
		fprintf(stderr, "usage: %s RUN_DIR... (1..%d; the first is the reference)\n",
			argv[0], MAX_RUNS);
		return 2;
	}
	for (i = 1; i < (size_t)argc; i++) {
		if (load(&runs[n], argv[i]))
			return 2;
		n++;
	}
	/* scenarios in the order of the first run that has them */
	for (i = 0; i < n; i++) {
		json_array_foreach(json_object_get(runs[i].sum, "records"), j, r) {
			const char *sc = json_string_value(json_object_get(r, "scenario"));
			bool seen = false;

			for (s = 0; sc && s < nscen; s++)
				seen |= !strcmp(scen[s], sc);
			if (sc && !seen && nscen < MAX_SCEN)
				scen[nscen++] = sc;
		}
	}

	printf("## Hot-path knobs (virtio-msg loop)\n\n");
	printf("One boot per variant, same build; mode %s. Ratios in brackets are against `%s`.\n\n",
	       res_json_str(json_object_get(runs[0].sum, "meta"), "MODE", "?"), runs[0].name);
	printf("| variant | what | virtio_msg_loop parameters |\n|---|---|---|\n");
	for (i = 0; i < n; i++)
		printf("| %s | %s | `%s` |\n", runs[i].name, runs[i].desc, runs[i].params);
	printf("\nHeadline metric per scenario:");
	for (s = 0; s < nscen; s++)
		printf(" %s = %s;", scen[s], metric_of(runs[0].sum, scen[s]));
	printf(" (lat_us lower is better, iops / gbps higher is better)\n");

	table("Headline metric", "Median over the repetitions.", runs, n, "median", true);
	table("Messages per I/O", "virtio-msg messages (msglat) per I/O or per round trip.", runs,
	      n, "messages_per_io", false);
	table("Cost against the floor",
	      "Times slower than null_blk (blk) / veth (net) in the same boot; 1.00 = as fast.",
	      runs, n, "cost_vs_floor", false);
	table("Cost against virtio-pci",
	      "Times slower than virtio-pci in the same boot (where the variant ran pci).", runs, n,
	      "cost_vs_pci", false);
	for (i = 0; i < n; i++)
		json_decref(runs[i].sum);
	return 0;
}
