// SPDX-License-Identifier: GPL-2.0
/*
 * test_results.c - cmocka tests of bench/results.c: summary maths, parsers of the tools' JSON (fed
 * with output recorded on the build host: data/fio-randread.json from fio on a tmpfs file,
 * data/iperf3-stream.json from iperf3 over 127.0.0.1, data/rr.json from bench/rr over
 * 127.0.0.1), file naming and the scenario files themselves. Run from bench/tests.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "results.h"

#define EPS 1e-9

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		fail_msg("%s:%d: %s", path, e.line, e.text);
	return j;
}

static void test_median(void **state)
{
	(void)state;
	const double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2}, one[] = {7};
	const double withnan[] = {NAN, 10, 20, NAN, 30}, allnan[] = {NAN, NAN};

	assert_float_equal(res_median(odd, 3), 3, EPS);
	assert_float_equal(res_median(even, 4), 2.5, EPS);
	assert_float_equal(res_median(one, 1), 7, EPS);
	assert_float_equal(res_median(withnan, 5), 20, EPS);
	assert_true(isnan(res_median(allnan, 2)));
	assert_true(isnan(res_median(NULL, 0)));
	/* input untouched (the median sorts a copy) */
	assert_float_equal(odd[0], 5, EPS);
}

static void test_percentile(void **state)
{
	(void)state;
	double v[100];

	for (int i = 0; i < 100; i++)
		v[i] = 100 - i; /* 100..1, unsorted on purpose */
	assert_float_equal(res_percentile(v, 100, 50), 50, EPS);
	assert_float_equal(res_percentile(v, 100, 99), 99, EPS);
	assert_float_equal(res_percentile(v, 100, 100), 100, EPS);
	assert_float_equal(res_percentile(v, 100, 0), 1, EPS);
	assert_float_equal(res_percentile(v, 3, 50), 99, EPS); /* {100,99,98} */
	assert_true(isnan(res_percentile(v, 100, 101)));
	assert_true(isnan(res_percentile(v, 0, 50)));
}

static void test_ratio(void **state)
{
	(void)state;
	assert_float_equal(res_ratio(3, 2), 1.5, EPS);
	assert_true(isnan(res_ratio(1, 0)));
	assert_true(isnan(res_ratio(1, -1)));
	assert_true(isnan(res_ratio(NAN, 1)));
	assert_true(isnan(res_ratio(1, NAN)));
	assert_true(res_metric__higher_better(RES_METRIC_IOPS));
	assert_false(res_metric__higher_better(RES_METRIC_LAT));
	assert_string_equal(res_metric__name(RES_METRIC_BW), "gbps");
}

/* KUnit-style parameter table */
static const struct name_case {
	const char *in;
	int ret;
	const char *scen, *tr, *side;
	int rep;
} name_cases[] = {
	{"blk-randread-qd1__pci__r1.json", 0, "blk-randread-qd1", "pci", "", 1},
	{"net-rr__msg__r12.kicklat.json", 0, "net-rr", "msg", "kicklat", 12},
	{"a__null_blk__r3.msglat.json", 0, "a", "null_blk", "msglat", 3},
	{"blk-x__msg__r2.perf.csv", 0, "blk-x", "msg", "perf", 2},
	{"blk-x__msg__r2.csv", -EINVAL, NULL, NULL, NULL, 0},
	{"meta.env", -EINVAL, NULL, NULL, NULL, 0},
	{"x__pci__1.json", -EINVAL, NULL, NULL, NULL, 0},
	{"x__pci__r.json", -EINVAL, NULL, NULL, NULL, 0},
	{"x__pci__r1.txt", -EINVAL, NULL, NULL, NULL, 0},
	{"__pci__r1.json", -EINVAL, NULL, NULL, NULL, 0},
	{"x____r1.json", -EINVAL, NULL, NULL, NULL, 0},
	{"x__pci__r-1.json", -EINVAL, NULL, NULL, NULL, 0},
	{"x__pci__r1..json", -EINVAL, NULL, NULL, NULL, 0},
	{"x__pci__r1.log", -EINVAL, NULL, NULL, NULL, 0},
};

static void test_parse_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		char s[RES_NAME_MAX], t[RES_NAME_MAX], side[RES_NAME_MAX];
		int rep = -1;

		print_message("case %s\n", c->in);
		assert_int_equal(res_parse_name(c->in, s, t, &rep, side), c->ret);
		if (c->ret)
			continue;
		assert_string_equal(s, c->scen);
		assert_string_equal(t, c->tr);
		assert_string_equal(side, c->side);
		assert_int_equal(rep, c->rep);
	}
	{
		char s[RES_NAME_MAX], t[RES_NAME_MAX];
		int rep;

		/* without a side buffer, side files are refused */
		assert_int_equal(res_parse_name("a__b__r1.kicklat.json", s, t, &rep, NULL),
				 -EINVAL);
	}
}

static void test_fio(void **state)
{
	(void)state;
	json_t *j = load("data/fio-randread.json"), *job;
	json_t *rd;
	struct res_sample s;

	assert_int_equal(res_sample__parse(j, &s), 0);
	rd = json_object_get(json_array_get(json_object_get(j, "jobs"), 0), "read");
	assert_int_equal(s.metric, RES_METRIC_LAT);
	assert_float_equal(s.iops, json_number_value(json_object_get(rd, "iops")), 1e-6);
	assert_float_equal(
		s.lat_us,
		json_number_value(json_object_get(json_object_get(rd, "clat_ns"), "mean")) / 1000,
		1e-9);
	assert_true(s.p50_us > 0 && s.p50_us <= s.p99_us);
	assert_float_equal(s.p999_us,
			   json_number_value(json_object_get(
				   json_object_get(json_object_get(rd, "clat_ns"), "percentile"),
				   "99.900000")) /
				   1000,
			   1e-9);
	assert_true(s.p99_us <= s.p999_us);
	assert_float_equal(s.ios, (double)json_integer_value(json_object_get(rd, "total_ios")),
			   EPS);
	assert_true(s.gbps > 0);

	/* the headline metric follows the job: iodepth > 1 -> IOPS, bs >= 64k -> bandwidth */
	job = json_object_get(json_array_get(json_object_get(j, "jobs"), 0), "job options");
	json_object_set_new(job, "iodepth", json_string("32"));
	assert_int_equal(res_sample__parse_fio(j, &s), 0);
	assert_int_equal(s.metric, RES_METRIC_IOPS);
	json_object_set_new(job, "iodepth", json_string("1"));
	json_object_set_new(job, "bs", json_string("128k"));
	assert_int_equal(res_sample__parse_fio(j, &s), 0);
	assert_int_equal(s.metric, RES_METRIC_BW);

	/* no jobs / no I/O -> refused, fields NAN */
	json_array_clear(json_object_get(j, "jobs"));
	assert_int_equal(res_sample__parse_fio(j, &s), -EINVAL);
	assert_true(isnan(s.lat_us));
	json_decref(j);
}

static void test_iperf3(void **state)
{
	(void)state;
	json_t *j = load("data/iperf3-stream.json");
	struct res_sample s;
	double bps = json_number_value(json_object_get(
		json_object_get(json_object_get(j, "end"), "sum_received"), "bits_per_second"));

	assert_int_equal(res_sample__parse(j, &s), 0);
	assert_int_equal(s.metric, RES_METRIC_BW);
	assert_float_equal(s.gbps, bps / 1e9, 1e-9);
	assert_true(isnan(s.lat_us));
	/* one I/O = one send() of blksize (131072) bytes: 3727687680 sent */
	assert_float_equal(s.ios, 3727687680.0 / 131072, 1e-6);
	/* iperf3 -J reports failures inside the JSON */
	json_object_set_new(j, "error", json_string("unable to connect"));
	assert_int_equal(res_sample__parse_iperf3(j, &s), -EINVAL);
	json_decref(j);
}

static void test_rr(void **state)
{
	(void)state;
	json_t *j = load("data/rr.json");
	struct res_sample s;

	assert_int_equal(res_sample__parse(j, &s), 0);
	assert_int_equal(s.metric, RES_METRIC_LAT);
	assert_true(s.lat_us > 0 && s.p50_us > 0 && s.p50_us <= s.p99_us);
	assert_float_equal(s.ios, (double)json_integer_value(json_object_get(j, "count")), EPS);
	assert_true(s.iops > 0);
	/* this output predates p99.9: missing, not 0 */
	assert_true(isnan(s.p999_us));
	json_object_set_new(json_object_get(j, "rtt_ns"), "p99.9", json_integer(60000));
	assert_int_equal(res_sample__parse_rr(j, &s), 0);
	assert_float_equal(s.p999_us, 60.0, EPS);
	json_object_set_new(j, "count", json_integer(0));
	assert_int_equal(res_sample__parse_rr(j, &s), -EINVAL);
	json_decref(j);
}

static void test_unknown(void **state)
{
	(void)state;
	json_t *j = json_pack("{s:i}", "x", 1);
	struct res_sample s;

	assert_int_equal(res_sample__parse(j, &s), -EINVAL);
	assert_true(isnan(s.iops));
	json_decref(j);
}

static void test_bpf_count(void **state)
{
	(void)state;
	json_t *a = json_pack("{s:i,s:[{s:i},{s:i}]}", "total", 7, "hist", "count", 1, "count", 2);
	json_t *b = json_pack("{s:[{s:i,s:i},{s:i}]}", "hist", "slot", 0, "count", 3, "count", 4);
	json_t *c = json_pack("{s:s}", "unit", "usecs");

	assert_float_equal(res_parse_bpf_count(a), 7, EPS);
	assert_float_equal(res_parse_bpf_count(b), 7, EPS);
	assert_true(isnan(res_parse_bpf_count(c)));
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static const struct kv_case {
	const char *in;
	int ret;
	const char *k, *v;
} kv_cases[] = {
	{"PROTO=tcp\n", 1, "PROTO", "tcp"},
	{"  LEN=64  \n", 1, "LEN", "64"},
	{"ARGS=\"-l 64 -P 2\"\n", 1, "ARGS", "-l 64 -P 2"},
	{"X='a b'", 1, "X", "a b"},
	{"EMPTY=", 1, "EMPTY", ""},
	{"# comment\n", 0, NULL, NULL},
	{"\n", 0, NULL, NULL},
	{"", 0, NULL, NULL},
	{"1X=2", -EINVAL, NULL, NULL},
	{"X = 2", -EINVAL, NULL, NULL},
	{"X=a b", -EINVAL, NULL, NULL},
	{"X=\"a", -EINVAL, NULL, NULL},
	{"export X=1", -EINVAL, NULL, NULL},
};

static void test_kv(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kv_cases) / sizeof(kv_cases[0]); i++) {
		char k[32], v[32];

		assert_int_equal(res_parse_kv(kv_cases[i].in, k, sizeof(k), v, sizeof(v)),
				 kv_cases[i].ret);
		if (kv_cases[i].ret == 1) {
			assert_string_equal(k, kv_cases[i].k);
			assert_string_equal(v, kv_cases[i].v);
		}
	}
	{
		char k[4], v[4];

		assert_int_equal(res_parse_kv("LONGKEY=1", k, sizeof(k), v, sizeof(v)), -EINVAL);
		assert_int_equal(res_parse_kv("K=12345", k, sizeof(k), v, sizeof(v)), -EINVAL);
	}
}

static void test_size(void **state)
{
	(void)state;
	assert_float_equal(res_parse_size("4k"), 4096, EPS);
	assert_float_equal(res_parse_size("128K"), 131072, EPS);
	assert_float_equal(res_parse_size("1MiB"), 1048576, EPS);
	assert_float_equal(res_parse_size("32"), 32, EPS);
	assert_true(isnan(res_parse_size("4x")));
	assert_true(isnan(res_parse_size("")));
	assert_true(isnan(res_parse_size(NULL)));
}

/* Every net scenario file parses, has the keys bench-guest.sh reads, and every listed scenario
 * in default.list exists. */
static void test_scenario_files(void **state)
{
	(void)state;
	glob_t g;
	char line[512], k[64], v[256];
	FILE *f;
	int n = 0;

	assert_int_equal(glob("../../scenarios/net/*.conf", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int has_tool = 0;

		f = fopen(g.gl_pathv[i], "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			int r = res_parse_kv(line, k, sizeof(k), v, sizeof(v));

			if (r < 0)
				fail_msg("%s: bad line: %s", g.gl_pathv[i], line);
			if (r == 1 && !strcmp(k, "TOOL")) {
				has_tool = 1;
				assert_true(!strcmp(v, "iperf3") || !strcmp(v, "rr"));
			}
		}
		fclose(f);
		assert_true(has_tool);
	}
	globfree(&g);

	f = fopen("../../scenarios/default.list", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char path[600];
		FILE *s;

		line[strcspn(line, " \t#\n")] = '\0';
		if (!line[0])
			continue;
		snprintf(path, sizeof(path), "../../scenarios/%s", line);
		s = fopen(path, "r");
		if (!s)
			fail_msg("default.list names missing %s", path);
		fclose(s);
		n++;
	}
	fclose(f);
	assert_true(n >= 5);
}

/* the direction table: metrics by enum and by name, ratios lower-is-better, others unknown */
static void test_directions(void **state)
{
	enum res_metric m = RES_METRIC_COUNT;

	(void)state;
	assert_int_equal(res_metric__from_name("iops", &m), 0);
	assert_int_equal(m, RES_METRIC_IOPS);
	assert_int_equal(res_metric__from_name("lat_us", &m), 0);
	assert_int_equal(m, RES_METRIC_LAT);
	assert_int_equal(res_metric__from_name("cost_vs_floor", &m), -EINVAL);
	assert_int_equal(res_metric__from_name(NULL, &m), -EINVAL);
	assert_int_equal(res_figure__direction("gbps"), 1);
	assert_int_equal(res_figure__direction("lat_us"), 0);
	assert_int_equal(res_figure__direction("messages_per_io"), 0);
	assert_int_equal(res_figure__direction("cost_vs_pci"), 0);
	assert_int_equal(res_figure__direction("median"), -EINVAL);
	for (int i = 0; i < RES_METRIC_COUNT; i++)
		assert_string_equal(res_metric__name((enum res_metric)i), res_figures[i].name);
	assert_string_equal(res_metric__name(RES_METRIC_COUNT), "?");
}

static void test_transport_order(void **state)
{
	(void)state;
	assert_true(res_transport__cmp("null_blk", "pci") < 0);
	assert_true(res_transport__cmp("veth", "pci") < 0);
	assert_true(res_transport__cmp("mmio", "msg") < 0);
	assert_true(res_transport__cmp("msg", "aaa") < 0); /* the known ones first */
	assert_true(res_transport__cmp("zzz", "aaa") > 0); /* others by name */
	assert_int_equal(res_transport__cmp("pci", "pci"), 0);
	assert_string_equal(res_transport__floor("net-tcp-rr"), "veth");
	assert_string_equal(res_transport__floor("blk-randread-4k-qd1"), "null_blk");
}

/* the table printed to a string */
static char *print_table(const struct res_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	res_table__print(t, f);
	fclose(f);
	return buf;
}

static void test_table(void **state)
{
	struct res_table t;
	char *out;

	(void)state;
	res_table__init(&t, 2, NULL);
	assert_int_equal(res_table__add(&t, (const char *const[]){NULL, NULL}), 0);
	assert_int_equal(res_table__add(&t, (const char *const[]){"mode", "tcg"}), 0);
	assert_int_equal(res_table__add(&t, (const char *const[]){"desc", ""}), 0);
	out = print_table(&t);
	assert_string_equal(out, "| | |\n|---|---|\n| mode | tcg |\n| desc |  |\n");
	free(out);
	res_table__free(&t);

	res_table__init(&t, 3, "lrl");
	for (int i = 0; i < 40; i++) /* past the first allocation */
		assert_int_equal(res_table__add(&t, (const char *const[]){"figure", "n", "v"}), 0);
	assert_int_equal(res_table__add(&t, (const char *const[]){"a", "12345", "ok"}), 0);
	assert_string_equal(res_table__cell(&t, 40, 1), "12345");
	assert_null(res_table__cell(&t, 41, 0));
	out = print_table(&t);
	assert_true(!strncmp(out, "| figure |     n | v  |\n|:-------|------:|:---|\n", 46));
	assert_non_null(strstr(out, "| a      | 12345 | ok |\n"));
	free(out);
	res_table__free(&t);
}

/* res_perf__parse_csv() of @text (NULL: of the file @path); its return value */
static int parse_perf(const char *path, char *text, double *v)
{
	FILE *f = text ? fmemopen(text, strlen(text), "r") : fopen(path, "r");
	int ret;

	assert_non_null(f);
	ret = res_perf__parse_csv(f, v);
	fclose(f);
	return ret;
}

/* perf stat output as recorded on the build host (a VM: no hardware counters) */
static void test_perf_csv(void **state)
{
	double v[RES_PERF_NEVENTS];

	(void)state;
	assert_int_equal(parse_perf("data/perf-stat.csv", NULL, v), 0);
	assert_float_equal(v[RES_PERF_CONTEXT_SWITCHES], 740, EPS);
	assert_float_equal(v[RES_PERF_CPU_MIGRATIONS], 7, EPS);
	assert_float_equal(v[RES_PERF_TASK_CLOCK], 410.21, EPS);
	/* not asked for: missing, not 0 */
	assert_true(isnan(v[RES_PERF_CYCLES]) && isnan(v[RES_PERF_INSTRUCTIONS]));

	assert_int_equal(parse_perf("data/perf-stat-native.csv", NULL, v), 0);
	assert_float_equal(v[RES_PERF_CONTEXT_SWITCHES], 918, EPS);
	assert_float_equal(v[RES_PERF_TASK_CLOCK], 434.21, EPS);
	/* "<not supported>" */
	assert_true(isnan(v[RES_PERF_CYCLES]) && isnan(v[RES_PERF_INSTRUCTIONS]));
	/* the task-clock figure is in us */
	assert_float_equal(res_perf_scale[RES_PERF_TASK_CLOCK], 1000, EPS);
	assert_string_equal(res_perf_fields[RES_PERF_TASK_CLOCK], "task_clock_us_per_io");

	/* modifiers are stripped, hardware counters counted; an empty or foreign file is refused */
	{
		static char text[] = "1234567,,cycles:u,1000,100.00,,\n"
				     "89,,instructions:u,1000,100.00,0.00,insn per cycle\n";
		static char junk[] = "# started on a day\n\nnot,perf\n";

		assert_int_equal(parse_perf(NULL, text, v), 0);
		assert_float_equal(v[RES_PERF_CYCLES], 1234567, EPS);
		assert_float_equal(v[RES_PERF_INSTRUCTIONS], 89, EPS);
		assert_true(isnan(v[RES_PERF_TASK_CLOCK]));
		assert_int_equal(parse_perf(NULL, junk, v), -EINVAL);
		for (int e = 0; e < RES_PERF_NEVENTS; e++)
			assert_true(isnan(v[e]));
	}
}

static void test_dat_row(void **state)
{
	double v[RES_DAT_NCOLS] = {0, 40, 38.5, 90, 120, NAN, 2, 2.5, 1.25};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(res_dat__write_row(f, "msg", v), 0);
	fclose(f);
	assert_string_equal(buf, "msg 40 38.5 90 120 nan 2 2.5 1.25\n");
	free(buf);
	assert_string_equal(res_dat_columns[RES_DAT_TRANSPORT], "transport");
	assert_string_equal(res_dat_columns[RES_DAT_COST_VS_FLOOR], "cost_vs_floor");
	/* the .dat columns that are record fields keep the record's name */
	for (int c = RES_DAT_NOTIFICATIONS_PER_IO; c < RES_DAT_NCOLS; c++)
		assert_int_equal(res_figure__direction(res_dat_columns[c]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),	   cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_ratio),	   cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_fio),	   cmocka_unit_test(test_iperf3),
		cmocka_unit_test(test_rr),	   cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_bpf_count),  cmocka_unit_test(test_kv),
		cmocka_unit_test(test_size),	   cmocka_unit_test(test_scenario_files),
		cmocka_unit_test(test_directions), cmocka_unit_test(test_transport_order),
		cmocka_unit_test(test_table),	   cmocka_unit_test(test_dat_row),
		cmocka_unit_test(test_perf_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
