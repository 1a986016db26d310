// SPDX-License-Identifier: GPL-2.0
/*
 * gate.c - the latency regression gate (gate.h): figures of a summary or a baseline, noise,
 * thresholds, the comparison and the vmsg-gate command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gate.h"
#include "results.h"

/* 15 significant digits: summary values keep theirs, thresholds read 0.075 not 0.07499... */
#define GATE_DUMP_FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15))

/* the gated figures of a record, in display order; median's direction is its metric's */
static const struct {
	const char *name;
	bool zero_untraced; /* 0 means "not traced": not gated */
} gate_gated[] = {
	{"median", false},
	{"cost_vs_floor", false},
	{"messages_per_io", true},
};

#define GATE_NGATED (sizeof(gate_gated) / sizeof(gate_gated[0]))

static const char *const gate_usage =
	"usage: vmsg-gate [--transports A,B] noise SUMMARY SUMMARY...\n"
	"       vmsg-gate [--transports A,B] [--min-effect X] update BASELINE SUMMARY "
	"[NOISE_SUMMARY...]\n"
	"       vmsg-gate [--transports A,B] check BASELINE SUMMARY\n"
	"exit: 0 pass, 1 regression or missing figure (check), 2 usage or input error\n";

void gate_figs__free(struct gate_figs *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

const struct gate_fig *gate_figs__find(const struct gate_figs *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			return &s->v[i];
	return NULL;
}

/* is name one of the comma-separated list? a NULL list holds everything */
bool gate_listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (!list)
		return true;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, name, len))
			return true;
		p += n;
		p += *p == ',';
	}
	return false;
}

static int gate_push(struct gate_figs *s, const struct gate_fig *f)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct gate_fig *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv) {
			fprintf(stderr, "out of memory\n");
			return GATE_EINPUT;
		}
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = *f;
	return 0;
}

static int gate_add(struct gate_figs *s, const char *path, const char *scen, const char *tr,
		    const char *fig, double v, bool higher_better)
{
	struct gate_fig f = {.value = v, .higher_better = higher_better, .threshold = NAN};

	if (snprintf(f.key, sizeof(f.key), "%s/%s/%s", scen, tr, fig) >= (int)sizeof(f.key) ||
	    snprintf(f.transport, sizeof(f.transport), "%s", tr) >= (int)sizeof(f.transport)) {
		fprintf(stderr, "%s: figure name too long: %s/%s/%s\n", path, scen, tr, fig);
		return GATE_EINPUT;
	}
	if (gate_figs__find(s, f.key)) {
		fprintf(stderr, "%s: figure %s appears twice\n", path, f.key);
		return GATE_EINPUT;
	}
	return gate_push(s, &f);
}

static json_t *gate_load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j) {
		if (e.line > 0)
			fprintf(stderr, "%s:%d:%d: invalid JSON: %s\n", path, e.line, e.column,
				e.text);
		else
			fprintf(stderr, "%s: %s\n", path, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		fprintf(stderr, "%s: top level is not a JSON object\n", path);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* 1 = a number in *v, 0 = absent or null, -1 = something else */
static int gate_num(json_t *obj, const char *k, double *v)
{
	json_t *j = json_object_get(obj, k);

	if (!j || json_is_null(j))
		return 0;
	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return 1;
}

static const char *gate_meta_mode(json_t *top)
{
	return json_string_value(json_object_get(json_object_get(top, "meta"), "MODE"));
}

/* one record's gated figures */
static int gate_record_figs(struct gate_figs *out, json_t *r, size_t i, const char *path,
			    const char *scen, const char *tr)
{
	const char *metric = json_string_value(json_object_get(r, "metric"));

	for (size_t k = 0; k < GATE_NGATED; k++) {
		const char *name = gate_gated[k].name;
		enum res_metric m;
		double v;
		int got = gate_num(r, name, &v), hb;

		if (got < 0) {
			fprintf(stderr, "%s: records[%zu] (%s/%s): \"%s\" is not a number\n", path,
				i, scen, tr, name);
			return GATE_EINPUT;
		}
		if (!got || (v == 0 && gate_gated[k].zero_untraced))
			continue;
		if (k) {
			hb = res_figure__direction(name);
		} else if (!res_metric__from_name(metric, &m)) {
			hb = res_metric__higher_better(m);
		} else {
			fprintf(stderr,
				"%s: records[%zu] (%s/%s): \"metric\" must be lat_us, iops or gbps\n",
				path, i, scen, tr);
			return GATE_EINPUT;
		}
		if (gate_add(out, path, scen, tr, name, v, hb > 0))
			return GATE_EINPUT;
	}
	return 0;
}

/* the gated figures of a summary.json, in record order */
int gate_figs__from_summary(struct gate_figs *out, json_t *sum, const char *path,
			    const char *transports)
{
	json_t *recs = json_object_get(sum, "records"), *meta = json_object_get(sum, "meta"), *r;
	size_t i;

	if (meta && !json_is_object(meta)) {
		fprintf(stderr, "%s: \"meta\" is not an object\n", path);
		return GATE_EINPUT;
	}
	if (!json_is_array(recs)) {
		fprintf(stderr, "%s: no \"records\" array (not a vmsg-summary summary.json?)\n",
			path);
		return GATE_EINPUT;
	}
	json_array_foreach(recs, i, r) {
		const char *scen = json_string_value(json_object_get(r, "scenario"));
		const char *tr = json_string_value(json_object_get(r, "transport"));

		if (!json_is_object(r) || !scen || !tr || !scen[0] || !tr[0]) {
			fprintf(stderr,
				"%s: records[%zu]: needs string \"scenario\" and \"transport\"\n",
				path, i);
			return GATE_EINPUT;
		}
		if (gate_listed(transports, tr) && gate_record_figs(out, r, i, path, scen, tr))
			return GATE_EINPUT;
	}
	return 0;
}

/* the figures of a baseline written by `update`, in key order */
int gate_figs__from_baseline(struct gate_figs *out, json_t *base, const char *path,
			     const char *transports)
{
	json_t *figs = json_object_get(base, "figures"), *f;
	const char *key;

	if (!json_is_object(figs) || !json_object_size(figs)) {
		fprintf(stderr,
			"%s: no \"figures\" (not a baseline written by vmsg-gate update?)\n", path);
		return GATE_EINPUT;
	}
	json_object_foreach(figs, key, f) {
		char scen[GATE_KEY_MAX], tr[GATE_KEY_MAX];
		const char *dir = json_string_value(json_object_get(f, "direction"));
		const char *s2 = strrchr(key, '/'), *s1 = NULL;
		double v, t;
		bool hb;

		/* split from the right: <scenario>/<transport>/<figure> */
		for (const char *p = key; s2 && p < s2; p++)
			s1 = *p == '/' ? p : s1;
		if (!s1 || s1 == key || s2 == s1 + 1 || !s2[1] ||
		    (size_t)(s2 - key) >= sizeof(scen)) {
			fprintf(stderr,
				"%s: figure \"%s\": key is not <scenario>/<transport>/<figure>\n",
				path, key);
			return GATE_EINPUT;
		}
		snprintf(scen, sizeof(scen), "%.*s", (int)(s1 - key), key);
		snprintf(tr, sizeof(tr), "%.*s", (int)(s2 - s1 - 1), s1 + 1);
		if (!json_is_object(f) || gate_num(f, "value", &v) != 1 ||
		    gate_num(f, "threshold", &t) != 1 || t < 0 || !dir ||
		    (strcmp(dir, "lower_is_better") && strcmp(dir, "higher_is_better"))) {
			fprintf(stderr,
				"%s: figure \"%s\": needs numeric \"value\", \"threshold\" >= 0 and "
				"\"direction\" lower_is_better or higher_is_better\n",
				path, key);
			return GATE_EINPUT;
		}
		if (!gate_listed(transports, tr))
			continue;
		hb = !strcmp(dir, "higher_is_better");
		if (gate_add(out, path, scen, tr, s2 + 1, v, hb))
			return GATE_EINPUT;
		out->v[out->n - 1].threshold = t;
	}
	return 0;
}

static size_t gate_gated_rank(const char *fig)
{
	size_t k;

	for (k = 0; k < GATE_NGATED && strcmp(fig, gate_gated[k].name); k++)
		;
	return k;
}

/* display order: scenario, then transport (res_transport__cmp), then figure (gate_gated[]) */
static int gate_cmp_fig(const void *a, const void *b)
{
	const struct gate_fig *x = a, *y = b;
	const char *fx = strrchr(x->key, '/') + 1, *fy = strrchr(y->key, '/') + 1;
	size_t sx = strlen(x->key) - strlen(x->transport) - strlen(fx) - 2;
	size_t sy = strlen(y->key) - strlen(y->transport) - strlen(fy) - 2;
	int d = strncmp(x->key, y->key, sx < sy ? sx : sy);

	if (!d && sx != sy)
		d = sx < sy ? -1 : 1;
	if (!d)
		d = res_transport__cmp(x->transport, y->transport);
	if (!d)
		d = (int)gate_gated_rank(fx) - (int)gate_gated_rank(fy);
	return d ? d : strcmp(fx, fy);
}

/* every transport named by --transports must have a figure, or a typo would gate nothing */
static int gate_check_transports(const char *transports, const struct gate_figs *s,
				 const char *what)
{
	int ret = 0;

	for (const char *p = transports; p && *p;) {
		size_t n = strcspn(p, ",");
		bool found = false;

		for (size_t i = 0; i < s->n && !found; i++)
			found = strlen(s->v[i].transport) == n && !strncmp(s->v[i].transport, p, n);
		if (!found) {
			fprintf(stderr, "--transports: %s has no figure for transport \"%.*s\"\n",
				what, (int)n, p);
			ret = GATE_EINPUT;
		}
		p += n;
		p += *p == ',';
	}
	if (!ret && !s->n) {
		fprintf(stderr, "%s: no figure to gate\n", what);
		ret = GATE_EINPUT;
	}
	return ret;
}

/*
 * Noise of one figure over n summary figure sets: max/min - 1 of its values. Returns NAN when
 * fewer than two sets hold it (or min <= 0 < max); *n, *min, *max describe what was found.
 */
double gate_figs__noise(const struct gate_figs *sets, size_t nsets, const char *key, size_t *n,
			double *min, double *max)
{
	*n = 0;
	*min = INFINITY;
	*max = -INFINITY;
	for (size_t i = 0; i < nsets; i++) {
		const struct gate_fig *f = gate_figs__find(&sets[i], key);

		if (!f)
			continue;
		(*n)++;
		*min = fmin(*min, f->value);
		*max = fmax(*max, f->value);
	}
	if (*n < 2)
		return NAN;
	if (*max == *min)
		return 0;
	return *min > 0 ? *max / *min - 1 : NAN;
}

/* noise and thresholds are kept to 1e-6 (0.0001 %) so that the baseline reads 0.025, not 0.0249999 */
double gate_round6(double x)
{
	return isfinite(x) ? round(x * 1e6) / 1e6 : x;
}

double gate_threshold(double min_effect, double noise)
{
	if (isnan(noise))
		return fmax(min_effect, GATE_DEFAULT_NOISE_THRESHOLD);
	return fmax(min_effect, GATE_NOISE_FACTOR * noise);
}

/* relative change now vs base, and how much worse that is (> 0 = worse) */
double gate_change(double base, double now)
{
	if (base == 0)
		return now == 0 ? 0 : copysign(INFINITY, now);
	return now / base - 1;
}

double gate_worse_by(const struct gate_fig *base, double now)
{
	double c = gate_change(base->value, now);

	return base->higher_better ? -c : c;
}

static void gate_pct(char *buf, size_t len, double x, bool sign)
{
	if (isnan(x))
		snprintf(buf, len, "-");
	else if (fabs(x) < 0.0005) /* no "-0.0%" from the last digit of a round trip */
		snprintf(buf, len, sign ? "+0.0%%" : "0.0%%");
	else
		snprintf(buf, len, sign ? "%+.1f%%" : "%.1f%%", 100 * x);
}

/* ---- commands ---- */

/* load SUMMARY files and their figures; sets[] has one entry per path */
static int gate_load_summaries(char **paths, size_t n, const char *transports,
			       struct gate_figs **sets, json_t ***tops)
{
	*sets = calloc(n, sizeof(**sets));
	*tops = calloc(n, sizeof(**tops));
	if (!*sets || !*tops) {
		fprintf(stderr, "out of memory\n");
		return GATE_EINPUT;
	}
	for (size_t i = 0; i < n; i++) {
		(*tops)[i] = gate_load(paths[i]);
		if (!(*tops)[i] ||
		    gate_figs__from_summary(&(*sets)[i], (*tops)[i], paths[i], transports))
			return GATE_EINPUT;
	}
	return 0;
}

static void gate_free_summaries(size_t n, struct gate_figs *sets, json_t **tops)
{
	for (size_t i = 0; sets && tops && i < n; i++) {
		gate_figs__free(&sets[i]);
		json_decref(tops[i]);
	}
	free(sets);
	free(tops);
}

static void gate_warn_modes(json_t **tops, char **paths, size_t n, FILE *out)
{
	const char *m0 = gate_meta_mode(tops[0]);

	for (size_t i = 1; i < n; i++) {
		const char *m = gate_meta_mode(tops[i]);

		if ((m0 || m) && (!m0 || !m || strcmp(m0, m)))
			fprintf(out,
				"warning: MODE differs: %s has %s, %s has %s (absolute figures are "
				"not comparable across modes)\n",
				paths[0], m0 ? m0 : "none", paths[i], m ? m : "none");
	}
}

int gate_noise(char **paths, size_t n, const char *transports, FILE *out)
{
	struct gate_figs *sets = NULL, all = {0};
	json_t **tops = NULL;
	struct res_table t = {.ncols = 5, .align = "lrrrr"};
	const char *worst_key = NULL;
	double worst = -1;
	int ret = GATE_EINPUT;

	if (gate_load_summaries(paths, n, transports, &sets, &tops))
		goto out;
	/* union of the figures, in order of first appearance */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sets[i].n; k++)
			if (!gate_figs__find(&all, sets[i].v[k].key) &&
			    gate_push(&all, &sets[i].v[k]))
				goto out;
	if (gate_check_transports(transports, &all, "the summaries"))
		goto out;
	gate_warn_modes(tops, paths, n, out);
	res_table__add(&t, (const char *const[]){"figure", "n", "min", "max", "noise %"});
	for (size_t k = 0; k < all.n; k++) {
		char nb[16], lo[32], hi[32], nz[32];
		size_t cnt;
		double min, max, noise = gate_figs__noise(sets, n, all.v[k].key, &cnt, &min, &max);

		snprintf(nb, sizeof(nb), "%zu", cnt);
		snprintf(lo, sizeof(lo), "%g", min);
		snprintf(hi, sizeof(hi), "%g", max);
		gate_pct(nz, sizeof(nz), noise, false);
		if (res_table__add(&t, (const char *const[]){all.v[k].key, nb, lo, hi, nz})) {
			fprintf(stderr, "out of memory\n");
			goto out;
		}
		if (!isnan(noise) && noise > worst) {
			worst = noise;
			worst_key = all.v[k].key;
		}
	}
	res_table__print(&t, out);
	if (worst_key)
		fprintf(out, "worst noise: %.2f%% on %s (%zu figures, %zu summaries)\n",
			100 * worst, worst_key, all.n, n);
	else
		fprintf(out, "worst noise: none measured (no figure is in two summaries)\n");
	ret = GATE_PASS;
out:
	res_table__free(&t);
	gate_figs__free(&all);
	gate_free_summaries(n, sets, tops);
	return ret;
}

/*
 * The baseline document for the figures of sum; noise from nnoise summary figure sets when
 * there are at least two of them. updated: the UTC time to record.
 */
static json_t *gate_make_baseline(json_t *sum, const struct gate_figs *figs,
				  const struct gate_figs *noise, size_t nnoise, double min_effect,
				  const char *updated)
{
	json_t *top = json_object(), *meta = json_deep_copy(json_object_get(sum, "meta"));
	json_t *jf = json_object();

	if (!meta)
		meta = json_object();
	json_object_set_new(meta, "updated", json_string(updated));
	json_object_set_new(top, "meta", meta);
	json_object_set_new(top, "method", json_string(GATE_METHOD));
	json_object_set_new(top, "min_effect", json_real(min_effect));
	json_object_set_new(top, "figures", jf);
	for (size_t i = 0; i < figs->n; i++) {
		const struct gate_fig *f = &figs->v[i];
		json_t *o = json_object();
		double lo, hi, nz = NAN;
		size_t cnt;

		if (nnoise >= 2)
			nz = gate_round6(gate_figs__noise(noise, nnoise, f->key, &cnt, &lo, &hi));
		json_object_set_new(o, "value", json_real(f->value));
		json_object_set_new(o, "noise", isnan(nz) ? json_null() : json_real(nz));
		json_object_set_new(o, "threshold",
				    json_real(gate_round6(gate_threshold(min_effect, nz))));
		json_object_set_new(
			o, "direction",
			json_string(f->higher_better ? "higher_is_better" : "lower_is_better"));
		json_object_set_new(jf, f->key, o);
	}
	return top;
}

int gate_update(const char *bpath, char **paths, size_t n, const char *transports,
		double min_effect, FILE *out)
{
	struct gate_figs *sets = NULL;
	json_t **tops = NULL, *base = NULL;
	struct res_table t = {.ncols = 4, .align = "lrrr"};
	size_t nnoise = n - 1;
	char updated[32], tmp[4200];
	time_t now = time(NULL);
	struct tm tm;
	int ret = GATE_EINPUT;

	if (gate_load_summaries(paths, n, transports, &sets, &tops))
		goto out;
	if (gate_check_transports(transports, &sets[0], paths[0]))
		goto out;
	if (nnoise == 1)
		fprintf(stderr, "update: one noise summary cannot measure noise; using the default "
				"threshold (give two or more)\n");
	if (nnoise)
		gate_warn_modes(tops, paths, n, out);
	strftime(updated, sizeof(updated), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	base = gate_make_baseline(tops[0], &sets[0], sets + 1, nnoise, min_effect, updated);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", bpath) >= (int)sizeof(tmp)) {
		fprintf(stderr, "%s: path too long\n", bpath);
		goto out;
	}
	if (json_dump_file(base, tmp, GATE_DUMP_FLAGS) || rename(tmp, bpath)) {
		fprintf(stderr, "%s: cannot write: %s\n", bpath, strerror(errno));
		remove(tmp);
		goto out;
	}
	res_table__add(&t, (const char *const[]){"figure", "value", "noise %", "threshold %"});
	for (size_t i = 0; i < sets[0].n; i++) {
		json_t *f = json_object_get(json_object_get(base, "figures"), sets[0].v[i].key);
		json_t *nz = json_object_get(f, "noise");
		char v[32], ns[32], th[32];

		snprintf(v, sizeof(v), "%g", sets[0].v[i].value);
		gate_pct(ns, sizeof(ns), json_is_null(nz) ? NAN : json_number_value(nz), false);
		gate_pct(th, sizeof(th), json_number_value(json_object_get(f, "threshold")), false);
		res_table__add(&t, (const char *const[]){sets[0].v[i].key, v, ns, th});
	}
	res_table__print(&t, out);
	fprintf(out, "update: wrote %s: %zu figures from %s, %s\n", bpath, sets[0].n, paths[0],
		nnoise >= 2 ? "thresholds from measured noise" : "default noise threshold 5%");
	ret = GATE_PASS;
out:
	res_table__free(&t);
	json_decref(base);
	gate_free_summaries(n, sets, tops);
	return ret;
}

/* compare; prints the table and the verdict line. 0 pass, 1 fail, 2 input error */
/* the verdict on one baseline figure b against s (NULL: the summary lacks it) */
static const char *gate_verdict(const struct gate_fig *b, const struct gate_fig *s, double *by)
{
	if (!s)
		return "missing";
	*by = gate_worse_by(b, s->value);
	if (*by > b->threshold + GATE_EPS)
		return "REGRESSED";
	if (*by < -(b->threshold + GATE_EPS))
		return "improved";
	return "ok";
}

/* "gate: FAIL (...)": the figures of the verdict table t that regressed or are missing */
static void gate_print_fail(const struct res_table *t, size_t nbad, size_t n, FILE *out)
{
	const char *sep = "";

	fprintf(out, "gate: FAIL (%zu of %zu figures regressed: ", nbad, n);
	for (size_t r = 1; r < t->nrows; r++) {
		const char *v = res_table__cell(t, r, 5);

		if (!strcmp(v, "REGRESSED") || !strcmp(v, "missing")) {
			fprintf(out, "%s%s%s", sep, res_table__cell(t, r, 0),
				strcmp(v, "missing") ? "" : " (missing)");
			sep = ", ";
		}
	}
	fprintf(out, ")\n");
}

static int gate_compare(json_t *base, const char *bpath, json_t *sum, const char *spath,
			const char *transports, FILE *out)
{
	struct gate_figs bf = {0}, sf = {0};
	struct res_table t = {.ncols = 6, .align = "lrrrrl"};
	const struct gate_fig *worst = NULL;
	double worst_by = -INFINITY;
	const char *bm = gate_meta_mode(base), *sm = gate_meta_mode(sum);
	size_t nbad = 0, nimproved = 0;
	int ret = GATE_EINPUT;

	if (gate_figs__from_baseline(&bf, base, bpath, transports) ||
	    gate_figs__from_summary(&sf, sum, spath, transports) ||
	    gate_check_transports(transports, &bf, bpath))
		goto out;
	qsort(bf.v, bf.n, sizeof(*bf.v), gate_cmp_fig);
	if ((bm || sm) && (!bm || !sm || strcmp(bm, sm)))
		fprintf(out,
			"warning: MODE mismatch: baseline %s, summary %s (absolute figures are not "
			"comparable across modes; comparing anyway)\n",
			bm ? bm : "none", sm ? sm : "none");
	res_table__add(&t, (const char *const[]){"figure", "baseline", "now", "change %",
						 "threshold %", "verdict"});
	for (size_t i = 0; i < bf.n; i++) {
		const struct gate_fig *b = &bf.v[i], *s = gate_figs__find(&sf, b->key);
		char bv[32], nv[32] = "-", ch[32] = "-", th[32];
		double by = -INFINITY;
		const char *verdict = gate_verdict(b, s, &by);

		snprintf(bv, sizeof(bv), "%g", b->value);
		gate_pct(th, sizeof(th), b->threshold, false);
		if (s) {
			snprintf(nv, sizeof(nv), "%g", s->value);
			gate_pct(ch, sizeof(ch), gate_change(b->value, s->value), true);
			if (by > worst_by) {
				worst_by = by;
				worst = b;
			}
		}
		nimproved += !strcmp(verdict, "improved");
		nbad += strcmp(verdict, "ok") && strcmp(verdict, "improved");
		if (res_table__add(&t, (const char *const[]){b->key, bv, nv, ch, th, verdict})) {
			fprintf(stderr, "out of memory\n");
			goto out;
		}
	}
	res_table__print(&t, out);
	if (nimproved)
		fprintf(out,
			"note: %zu figures improved beyond their threshold; refresh the baseline "
			"with vmsg-gate update\n",
			nimproved);
	if (!nbad) {
		char ch[32];

		gate_pct(ch, sizeof(ch),
			 gate_change(worst->value, gate_figs__find(&sf, worst->key)->value), true);
		fprintf(out, "gate: PASS (%zu figures, worst change %s on %s)\n", bf.n, ch,
			worst->key);
		ret = GATE_PASS;
	} else {
		gate_print_fail(&t, nbad, bf.n, out);
		ret = GATE_FAIL;
	}
out:
	res_table__free(&t);
	gate_figs__free(&bf);
	gate_figs__free(&sf);
	return ret;
}

int gate_check(const char *bpath, const char *spath, const char *transports, FILE *out)
{
	json_t *base = gate_load(bpath), *sum = base ? gate_load(spath) : NULL;
	int ret = GATE_EINPUT;

	if (base && sum)
		ret = gate_compare(base, bpath, sum, spath, transports, out);
	json_decref(base);
	json_decref(sum);
	return ret;
}

static int gate_parse_transports(const char *val, const char **transports)
{
	if (!val[0] || val[0] == ',' || strstr(val, ",,") || val[strlen(val) - 1] == ',') {
		fprintf(stderr, "--transports: want a list like pci,msg, not \"%s\"\n", val);
		return GATE_EINPUT;
	}
	*transports = val;
	return 0;
}

static int gate_parse_min_effect(const char *val, double *min_effect)
{
	char *end;

	errno = 0;
	*min_effect = strtod(val, &end);
	if (errno || end == val || *end || !isfinite(*min_effect) || *min_effect < 0) {
		fprintf(stderr, "--min-effect: want a fraction >= 0 (0.02 = 2%%), not \"%s\"\n",
			val);
		return GATE_EINPUT;
	}
	return 0;
}

/* run the command named by pos[0] */
static int gate_run(char **pos, size_t npos, const char *transports, double min_effect,
		    bool min_effect_set, FILE *out)
{
	const char *cmd = npos ? pos[0] : "";

	if (!strcmp(cmd, "noise") && npos >= 3 && !min_effect_set)
		return gate_noise(pos + 1, npos - 1, transports, out);
	if (!strcmp(cmd, "update") && npos >= 3)
		return gate_update(pos[1], pos + 2, npos - 2, transports, min_effect, out);
	if (!strcmp(cmd, "check") && npos == 3 && !min_effect_set)
		return gate_check(pos[1], pos[2], transports, out);
	if (min_effect_set && (!strcmp(cmd, "noise") || !strcmp(cmd, "check")))
		fprintf(stderr, "--min-effect applies to update only (check uses the baseline's "
				"thresholds)\n");
	fputs(gate_usage, stderr);
	return GATE_EINPUT;
}

/* the whole command line; out receives the report (stdout), errors go to stderr */
int gate_main(int argc, char **argv, FILE *out)
{
	static const struct option opts[] = {
		{"transports", required_argument, NULL, 't'},
		{"min-effect", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *transports = NULL;
	double min_effect = GATE_MIN_EFFECT;
	bool min_effect_set = false;
	int c;

	optind = 0; /* glibc: start over (the tests call this more than once) */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (gate_parse_transports(optarg, &transports))
				return GATE_EINPUT;
			break;
		case 'm':
			if (gate_parse_min_effect(optarg, &min_effect))
				return GATE_EINPUT;
			min_effect_set = true;
			break;
		case 'h':
			fputs(gate_usage, out);
			return GATE_PASS;
		default:
			fputs(gate_usage, stderr);
			return GATE_EINPUT;
		}
	}
	return gate_run(argv + optind, (size_t)(argc - optind), transports, min_effect,
			min_effect_set, out);
}
