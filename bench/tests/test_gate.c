// SPDX-License-Identifier: GPL-2.0
/*
 * test_gate.c - cmocka tests of the gate (bench/gate.c, linked with the results library as
 * vmsg-gate is): its functions, and gate_main() (the vmsg-gate command line) in-process.
 *
 * Fixtures, data/gate-*.json, are small summary.json files (bench/vmsg-summary's format) of one
 * imaginary build: gate-base is the reference boot (7 gated figures; the mmio record is all null
 * and the null_blk messages_per_io is 0, so neither is gated), gate-noise-b / -c two more boots
 * (msg latency 40 / 41 / 40.4 us, null_blk 16 / 16 / 16.08 us, qd32 iops 100000 / 99000 /
 * 100500), and one variant per verdict. Run from bench/tests.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gate.h"

#define EPS 1e-9
#define D "data/"

struct fixture {
	char base[64];	/* baseline from gate-base alone: default thresholds (5 %) */
	char noisy[64]; /* baseline from gate-base with noise of base, noise-b, noise-c */
	char out[65536];
};

static struct fixture fx;

/* gate_main(argv...) with the report captured in fx.out */
static int run(const char *arg0, ...)
{
	char *argv[16] = {"vmsg-gate"};
	const char *a = arg0;
	int argc = 1, rc;
	va_list ap;
	FILE *out = tmpfile();
	size_t n;

	assert_non_null(out);
	va_start(ap, arg0);
	for (; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	rc = gate_main(argc, argv, out);
	rewind(out);
	n = fread(fx.out, 1, sizeof(fx.out) - 1, out);
	fx.out[n] = '\0';
	fclose(out);
	return rc;
}

static const char *last_line(void)
{
	size_t n = strlen(fx.out);

	while (n && fx.out[n - 1] == '\n')
		n--;
	while (n && fx.out[n - 1] != '\n')
		n--;
	return fx.out + n;
}

/* the table row of a figure, up to its newline (or "" when absent) */
static const char *row_of(const char *key)
{
	static char row[512];
	char pat[300];
	const char *p;

	snprintf(pat, sizeof(pat), "| %s ", key);
	p = strstr(fx.out, pat);
	row[0] = '\0';
	if (p)
		snprintf(row, sizeof(row), "%.*s", (int)strcspn(p, "\n"), p);
	return row;
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		fail_msg("%s:%d: %s", path, e.line, e.text);
	return j;
}

static double fig_num(json_t *base, const char *key, const char *field)
{
	json_t *v = json_object_get(json_object_get(json_object_get(base, "figures"), key), field);

	assert_non_null(v);
	return json_is_null(v) ? NAN : json_number_value(v);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(fx.base, sizeof(fx.base), "/tmp/gate-base-XXXXXX");
	snprintf(fx.noisy, sizeof(fx.noisy), "/tmp/gate-noisy-XXXXXX");
	fd = mkstemp(fx.base);
	if (fd < 0)
		return -1;
	close(fd);
	fd = mkstemp(fx.noisy);
	if (fd < 0)
		return -1;
	close(fd);
	if (run("update", fx.base, D "gate-base.json", NULL))
		return -1;
	return run("update", fx.noisy, D "gate-base.json", D "gate-base.json",
		   D "gate-noise-b.json", D "gate-noise-c.json", NULL);
}

static int teardown(void **state)
{
	(void)state;
	unlink(fx.base);
	unlink(fx.noisy);
	return 0;
}

static void test_figures(void **state)
{
	struct gate_figs s = {0};
	json_t *sum = load(D "gate-base.json");
	const struct gate_fig *f;

	(void)state;
	assert_int_equal(gate_figs__from_summary(&s, sum, "base", NULL), 0);
	assert_int_equal(s.n, 7);
	f = gate_figs__find(&s, "blk-randread-4k-qd1/msg/median");
	assert_non_null(f);
	assert_float_equal(f->value, 40, EPS);
	assert_false(f->higher_better); /* lat_us */
	f = gate_figs__find(&s, "blk-randread-4k-qd32/msg/median");
	assert_non_null(f);
	assert_true(f->higher_better); /* iops */
	assert_false(gate_figs__find(&s, "blk-randread-4k-qd32/msg/cost_vs_floor")->higher_better);
	/* messages_per_io: 0 (null_blk) and null (qd32) are not gated; nothing of all-null mmio */
	assert_non_null(gate_figs__find(&s, "blk-randread-4k-qd1/msg/messages_per_io"));
	assert_null(gate_figs__find(&s, "blk-randread-4k-qd1/null_blk/messages_per_io"));
	assert_null(gate_figs__find(&s, "blk-randread-4k-qd32/msg/messages_per_io"));
	for (size_t i = 0; i < s.n; i++)
		assert_string_not_equal(s.v[i].transport, "mmio");
	gate_figs__free(&s);

	/* --transports */
	assert_int_equal(gate_figs__from_summary(&s, sum, "base", "null_blk,pci"), 0);
	assert_int_equal(s.n, 2);
	assert_true(gate_listed("null_blk,msg", "msg"));
	assert_false(gate_listed("null_blk,msg", "ms"));
	assert_false(gate_listed("null_blk,msg", "null"));
	assert_true(gate_listed(NULL, "anything"));
	gate_figs__free(&s);
	json_decref(sum);
}

static void test_noise_and_threshold(void **state)
{
	static const char *const paths[] = {D "gate-base.json", D "gate-noise-b.json",
					    D "gate-noise-c.json"};
	struct gate_figs sets[3] = {{0}};
	double lo, hi;
	size_t n;

	(void)state;
	for (int i = 0; i < 3; i++) {
		json_t *j = load(paths[i]);

		assert_int_equal(gate_figs__from_summary(&sets[i], j, paths[i], NULL), 0);
		json_decref(j);
	}
	/* max/min - 1 */
	assert_float_equal(
		gate_figs__noise(sets, 3, "blk-randread-4k-qd1/msg/median", &n, &lo, &hi),
		41.0 / 40.0 - 1, EPS);
	assert_int_equal(n, 3);
	assert_float_equal(lo, 40, EPS);
	assert_float_equal(hi, 41, EPS);
	assert_float_equal(
		gate_figs__noise(sets, 3, "blk-randread-4k-qd32/msg/median", &n, &lo, &hi),
		100500.0 / 99000.0 - 1, EPS);
	assert_float_equal(
		gate_figs__noise(sets, 3, "blk-randread-4k-qd1/msg/cost_vs_floor", &n, &lo, &hi), 0,
		EPS);
	/* one summary is no noise measurement; an unknown figure neither */
	assert_true(
		isnan(gate_figs__noise(sets, 1, "blk-randread-4k-qd1/msg/median", &n, &lo, &hi)));
	assert_true(isnan(gate_figs__noise(sets, 3, "no/such/figure", &n, &lo, &hi)));
	assert_int_equal(n, 0);

	/* threshold = max(min_effect, 3 x noise); unmeasured: max(min_effect, 5 %) */
	assert_float_equal(gate_threshold(0.02, 0.025), 0.075, EPS);
	assert_float_equal(gate_threshold(0.02, 0.005), 0.02, EPS);
	assert_float_equal(gate_threshold(0.10, 0.025), 0.10, EPS);
	assert_float_equal(gate_threshold(0.02, NAN), 0.05, EPS);
	assert_float_equal(gate_threshold(0.08, NAN), 0.08, EPS);
	for (int i = 0; i < 3; i++)
		gate_figs__free(&sets[i]);

	/* the CLI: table, worst noise, exit 0 */
	assert_int_equal(run("noise", paths[0], paths[1], paths[2], NULL), 0);
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/median"), "2.5%"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/null_blk/median"), "0.5%"));
	assert_string_equal(last_line(),
			    "worst noise: 2.50% on blk-randread-4k-qd1/msg/median (7 figures, 3 "
			    "summaries)\n");
	assert_int_equal(run("noise", paths[0], NULL), 2);
}

static void test_update(void **state)
{
	json_t *b = load(fx.base), *n = load(fx.noisy), *sum = load(D "gate-base.json");
	json_t *meta = json_object_get(b, "meta");
	const char *k;
	json_t *v;

	(void)state;
	/* meta copied from the summary, plus the time of the update */
	json_object_foreach(json_object_get(sum, "meta"), k, v)
		assert_true(json_equal(v, json_object_get(meta, k)));
	assert_int_equal(strlen(json_string_value(json_object_get(meta, "updated"))), 20);
	assert_string_equal(json_string_value(json_object_get(b, "method")), GATE_METHOD);
	assert_float_equal(json_number_value(json_object_get(b, "min_effect")), 0.02, EPS);

	/* null and 0 figures are not in the baseline */
	assert_int_equal(json_object_size(json_object_get(b, "figures")), 7);
	assert_null(
		json_object_get(json_object_get(b, "figures"), "blk-randread-4k-qd32/mmio/median"));
	assert_null(json_object_get(json_object_get(b, "figures"),
				    "blk-randread-4k-qd32/msg/messages_per_io"));

	/* without noise summaries: noise null, threshold max(0.02, 0.05) */
	assert_true(isnan(fig_num(b, "blk-randread-4k-qd1/msg/median", "noise")));
	assert_float_equal(fig_num(b, "blk-randread-4k-qd1/msg/median", "threshold"), 0.05, EPS);
	assert_float_equal(fig_num(b, "blk-randread-4k-qd1/msg/median", "value"), 40, EPS);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(b, "figures"),
						    "blk-randread-4k-qd32/msg/median"),
				    "direction")),
			    "higher_is_better");

	/* with noise: 3 x noise, at least min_effect */
	assert_float_equal(fig_num(n, "blk-randread-4k-qd1/msg/median", "noise"), 0.025, EPS);
	assert_float_equal(fig_num(n, "blk-randread-4k-qd1/msg/median", "threshold"), 0.075, EPS);
	assert_float_equal(fig_num(n, "blk-randread-4k-qd1/null_blk/median", "noise"), 0.005, EPS);
	assert_float_equal(fig_num(n, "blk-randread-4k-qd1/null_blk/median", "threshold"), 0.02,
			   EPS);
	assert_float_equal(fig_num(n, "blk-randread-4k-qd32/msg/median", "threshold"),
			   gate_round6(3 * gate_round6(100500.0 / 99000.0 - 1)), EPS);
	json_decref(b);
	json_decref(n);
	json_decref(sum);

	/* --min-effect */
	assert_int_equal(run("--min-effect", "0.1", "update", fx.base, D "gate-base.json",
			     D "gate-base.json", D "gate-noise-b.json", NULL),
			 0);
	b = load(fx.base);
	assert_float_equal(json_number_value(json_object_get(b, "min_effect")), 0.1, EPS);
	assert_float_equal(fig_num(b, "blk-randread-4k-qd1/msg/median", "threshold"), 0.1, EPS);
	json_decref(b);

	/* --transports; then restore the default baseline for the other tests */
	assert_int_equal(run("--transports=msg", "update", fx.base, D "gate-base.json", NULL), 0);
	b = load(fx.base);
	assert_int_equal(json_object_size(json_object_get(b, "figures")), 5);
	json_decref(b);
	assert_int_equal(run("update", fx.base, D "gate-base.json", NULL), 0);
}

static void test_check_equal(void **state)
{
	(void)state;
	assert_int_equal(run("check", fx.base, D "gate-base.json", NULL), 0);
	assert_non_null(strstr(fx.out, "| figure "));
	assert_null(strstr(fx.out, "warning"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/median"), "+0.0% |"));
	assert_string_equal(last_line(), "gate: PASS (7 figures, worst change +0.0% on "
					 "blk-randread-4k-qd1/null_blk/median)\n");
}

static void test_check_within(void **state)
{
	(void)state;
	/* msg latency +3 %, qd32 iops -3 %: inside 5 % */
	assert_int_equal(run("check", fx.base, D "gate-within.json", NULL), 0);
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/median"), "+3.0% |"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd32/msg/median"), "-3.0% |"));
	assert_null(strstr(fx.out, "REGRESSED"));
	assert_string_equal(last_line(), "gate: PASS (7 figures, worst change +3.0% on "
					 "blk-randread-4k-qd1/msg/median)\n");
	/* the noisy baseline: 7.5 % and 4.5 % */
	assert_int_equal(run("check", fx.noisy, D "gate-within.json", NULL), 0);
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/median"), "7.5% | ok"));
}

static void test_check_latency_up(void **state)
{
	(void)state;
	assert_int_equal(run("check", fx.base, D "gate-lat-up.json", NULL), 1);
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/median"), "+15.0% |"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/median"), "REGRESSED"));
	assert_string_equal(
		last_line(),
		"gate: FAIL (1 of 7 figures regressed: blk-randread-4k-qd1/msg/median)\n");
	/* not gated when its transport is left out */
	assert_int_equal(
		run("--transports", "null_blk", "check", fx.base, D "gate-lat-up.json", NULL), 0);
	assert_string_equal(last_line(), "gate: PASS (2 figures, worst change +0.0% on "
					 "blk-randread-4k-qd1/null_blk/median)\n");
}

static void test_check_iops_down(void **state)
{
	(void)state;
	/* iops is higher-is-better: -20 % is a regression */
	assert_int_equal(run("check", fx.base, D "gate-iops-down.json", NULL), 1);
	assert_non_null(strstr(row_of("blk-randread-4k-qd32/msg/median"), "-20.0% |"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd32/msg/median"), "REGRESSED"));
	assert_string_equal(
		last_line(),
		"gate: FAIL (1 of 7 figures regressed: blk-randread-4k-qd32/msg/median)\n");
}

static void test_check_improved(void **state)
{
	(void)state;
	/* latency -25 %, iops +30 %, messages -50 %: better, so not failures */
	assert_int_equal(run("check", fx.base, D "gate-improved.json", NULL), 0);
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/median"), "improved"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd32/msg/median"), "improved"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/messages_per_io"), "improved"));
	assert_non_null(strstr(fx.out, "note: 3 figures improved"));
	assert_non_null(strstr(last_line(), "gate: PASS (7 figures"));
}

static void test_check_missing(void **state)
{
	(void)state;
	/* messages_per_io and a cost_vs_floor turned null */
	assert_int_equal(run("check", fx.base, D "gate-missing.json", NULL), 1);
	assert_non_null(strstr(row_of("blk-randread-4k-qd1/msg/messages_per_io"), "| missing"));
	assert_non_null(strstr(row_of("blk-randread-4k-qd32/msg/cost_vs_floor"), "| missing"));
	assert_string_equal(last_line(), "gate: FAIL (2 of 7 figures regressed: "
					 "blk-randread-4k-qd1/msg/messages_per_io (missing), "
					 "blk-randread-4k-qd32/msg/cost_vs_floor (missing))\n");
}

static void test_check_mode_mismatch(void **state)
{
	(void)state;
	/* a warning, then the comparison as usual */
	assert_int_equal(run("check", fx.base, D "gate-mode-kvm.json", NULL), 0);
	assert_true(!strncmp(fx.out, "warning: MODE mismatch: baseline icount3, summary kvm", 53));
	assert_non_null(strstr(last_line(), "gate: PASS (7 figures"));
}

static void test_threshold_edge(void **state)
{
	struct gate_fig lat = {.value = 40, .higher_better = false, .threshold = 0.05};
	struct gate_fig iops = {.value = 1000, .higher_better = true, .threshold = 0.05};

	(void)state;
	assert_float_equal(gate_worse_by(&lat, 42), 0.05, EPS);
	assert_float_equal(gate_worse_by(&lat, 38), -0.05, EPS);
	assert_float_equal(gate_worse_by(&iops, 900), 0.1, EPS);
	assert_float_equal(gate_worse_by(&iops, 1100), -0.1, EPS);
	assert_float_equal(gate_change(0, 0), 0, EPS);
	assert_true(isinf(gate_change(0, 1)));
	/* exactly at the threshold (42 = 40 + 5 %) is not "more than": ok */
	assert_false(gate_worse_by(&lat, 42) > lat.threshold + GATE_EPS);
}

static void test_errors(void **state)
{
	(void)state;
	/* malformed JSON, as summary or as baseline */
	assert_int_equal(run("check", fx.base, D "gate-malformed.json", NULL), 2);
	assert_int_equal(run("check", D "gate-malformed.json", D "gate-base.json", NULL), 2);
	assert_int_equal(run("update", fx.base, D "gate-malformed.json", NULL), 2);
	assert_int_equal(run("noise", D "gate-base.json", D "gate-malformed.json", NULL), 2);
	/* a baseline left as it was by a failed update */
	assert_int_equal(run("check", fx.base, D "gate-base.json", NULL), 0);
	/* wrong types, wrong document, absent file */
	assert_int_equal(run("check", fx.base, D "gate-badtype.json", NULL), 2);
	assert_int_equal(run("check", D "gate-base.json", D "gate-base.json", NULL), 2);
	assert_int_equal(run("check", fx.base, fx.base, NULL), 2);
	assert_int_equal(run("check", fx.base, D "no-such-file.json", NULL), 2);
	assert_int_equal(run("check", fx.base, D "fio-randread.json", NULL), 2);
	/* usage */
	assert_int_equal(run(NULL), 2);
	assert_int_equal(run("check", fx.base, NULL), 2);
	assert_int_equal(run("check", fx.base, D "gate-base.json", "extra", NULL), 2);
	assert_int_equal(run("frobnicate", fx.base, D "gate-base.json", NULL), 2);
	assert_int_equal(run("--bogus", "check", fx.base, D "gate-base.json", NULL), 2);
	assert_int_equal(run("--min-effect", "x", "update", fx.base, D "gate-base.json", NULL), 2);
	assert_int_equal(run("--min-effect", "-1", "update", fx.base, D "gate-base.json", NULL), 2);
	assert_int_equal(run("--min-effect", "0.1", "check", fx.base, D "gate-base.json", NULL), 2);
	assert_int_equal(run("--transports", "", "check", fx.base, D "gate-base.json", NULL), 2);
	assert_int_equal(run("--transports", "msg,", "check", fx.base, D "gate-base.json", NULL),
			 2);
	/* a transport that the baseline does not gate (a typo would gate nothing) */
	assert_int_equal(
		run("--transports", "msg,pcie", "check", fx.base, D "gate-base.json", NULL), 2);
	assert_int_equal(run("--help", NULL), 0);
	assert_non_null(strstr(fx.out, "usage: vmsg-gate"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),		cmocka_unit_test(test_noise_and_threshold),
		cmocka_unit_test(test_update),		cmocka_unit_test(test_check_equal),
		cmocka_unit_test(test_check_within),	cmocka_unit_test(test_check_latency_up),
		cmocka_unit_test(test_check_iops_down), cmocka_unit_test(test_check_improved),
		cmocka_unit_test(test_check_missing),	cmocka_unit_test(test_check_mode_mismatch),
		cmocka_unit_test(test_threshold_edge),	cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
