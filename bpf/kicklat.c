// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kicklat: per-virtqueue notifications, interrupts, completed buffers and
 * notify -> interrupt latency for every virtio transport (fentry/fexit, else
 * kprobes, on virtio_ring.ko; see kicklat.bpf.c for the attach points and why).
 *
 * USAGE: kicklat [-i INTERVAL] [-d virtioN|N] [-n NAME] [-b] [-K] [-j] [-T] [-v] [DURATION]
 * Runs DURATION seconds (default: until SIGINT/SIGTERM) and prints one
 * report at the end, or one per INTERVAL plus the remainder at the end.
 * -j prints one JSON object per report on stdout (one line each).
 *
 * The latency starts at the first notification since the queue's last
 * interrupt and ends at the next interrupt that found used buffers.  On a
 * queue the device fills by itself (net rx) that is the wait for traffic,
 * not a round trip: read it on tx / request queues.
 *
 * Probes: fentry/fexit (BPF trampolines) when the kernel can attach them to
 * virtio_ring.ko's functions (module BTF), else kprobes/kretprobes; the
 * choice is printed at start and is the "probes" member of the JSON.  -K
 * forces kprobes.  Overhead: see README.md (tracer cost in make bench).
 *
 * Completed buffers (-b) take two more probed calls per interrupt (the
 * driver's get_buf loop ends on a NULL): off by default, so that what is
 * always attached is one program run per notification and one trampoline
 * per interrupt.  Without -b the buffers are reported as null.
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hist.h"
#include "kicklat.h"
#include "kicklat.skel.h"
#include "trace_helpers.h"

/* The BPF map's max_entries. */
#define MAX_VQS 4096
/* A day: longer runs are scripting mistakes. */
#define MAX_SECONDS 86400
/* virtio device indexes are ida-allocated ints. */
#define MAX_DEV_INDEX 1000000

static struct env {
	long interval; /* 0: one report at the end */
	long duration; /* 0: until a signal */
	long dev;      /* -1: all */
	const char *name;
	bool json;
	bool timestamp;
	bool verbose;
	bool kprobes; /* -K: skip the fentry attempt */
	bool buffers; /* -b: probe get_buf too */
} env = {.dev = -1};

/* Which program set is attached: the BPF object's SEC() prefixes. */
enum variant {
	VARIANT_FENTRY,
	VARIANT_KPROBE,
};

static const char *const variant_name[] = {
	[VARIANT_FENTRY] = "fentry",
	[VARIANT_KPROBE] = "kprobe",
};

static enum variant variant;

const char *argp_program_version = "kicklat 0.1";
static const char doc[] =
	"Per-virtqueue notifications, interrupts, buffers and notify->interrupt latency.\n"
	"\n"
	"USAGE: kicklat [-i INTERVAL] [-d virtioN] [-n NAME] [-b] [-K] [-j] [-T] [DURATION]\n"
	"\n"
	"EXAMPLES:\n"
	"    kicklat                 # until Ctrl-C, one report\n"
	"    kicklat -j 10           # 10 s, one JSON object\n"
	"    kicklat -d virtio2 -i 1 # virtio2 only, a report every second\n"
	"    kicklat -n output 5     # queues whose name contains 'output'\n"
	"    kicklat -b -d virtio2   # completed buffers as well (two more probes per interrupt)\n";

static const struct argp_option opts[] = {
	{"interval", 'i', "SEC", 0, "Print (and reset) every SEC seconds", 0},
	{"dev", 'd', "virtioN", 0, "Only this virtio device (virtioN or N)", 0},
	{"name", 'n', "NAME", 0, "Only queues whose name contains NAME", 0},
	{"buffers", 'b', NULL, 0, "Count completed buffers (probes get_buf too)", 0},
	{"kprobes", 'K', NULL, 0, "Use kprobes, not fentry/fexit", 0},
	{"json", 'j', NULL, 0, "JSON output, one object per report", 0},
	{"timestamp", 'T', NULL, 0, "Prefix text reports with the time", 0},
	{"verbose", 'v', NULL, 0, "libbpf debug output", 0},
	{NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0},
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		if (parse_long(arg, 1, MAX_SECONDS, &env.interval)) {
			fprintf(stderr, "kicklat: bad interval '%s'\n", arg);
			argp_usage(state);
		}
		break;
	case 'd': {
		const char *num = strncmp(arg, "virtio", 6) ? arg : arg + 6;

		if (parse_long(num, 0, MAX_DEV_INDEX, &env.dev)) {
			fprintf(stderr, "kicklat: bad device '%s' (virtioN or N)\n", arg);
			argp_usage(state);
		}
		break;
	}
	case 'n':
		env.name = arg;
		break;
	case 'b':
		env.buffers = true;
		break;
	case 'K':
		env.kprobes = true;
		break;
	case 'j':
		env.json = true;
		break;
	case 'T':
		env.timestamp = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num > 0 || parse_long(arg, 1, MAX_SECONDS, &env.duration)) {
			fprintf(stderr, "kicklat: bad duration '%s'\n", arg);
			argp_usage(state);
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct vq_ent {
	unsigned long long key;
	struct kicklat_vq_val v;
};

struct report {
	struct vq_ent vqs[MAX_VQS];
	int nvqs;
	unsigned long long total;
};

static int cmp_vq(const void *a, const void *b)
{
	const struct kicklat_vq_val *x = &((const struct vq_ent *)a)->v;
	const struct kicklat_vq_val *y = &((const struct vq_ent *)b)->v;

	if (x->dev_index != y->dev_index)
		return x->dev_index < y->dev_index ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/*
 * Copy the per-vq map into @r (name-filtered) and, if @reset, delete what
 * was read so the next interval starts from zero.  0 or -errno.
 */
static int report__collect(struct kicklat_bpf *obj, struct report *r, bool reset)
{
	int fd = bpf_map__fd(obj->maps.per_vq);
	unsigned long long key, next, *prev = NULL;
	int n = 0;

	while (n < MAX_VQS && !bpf_map_get_next_key(fd, prev, &next)) {
		struct vq_ent *e = &r->vqs[n];

		key = next;
		prev = &key;
		e->key = key;
		if (bpf_map_lookup_elem(fd, &key, &e->v))
			continue; /* deleted under us */
		n++;
	}
	if (reset) {
		for (int i = 0; i < n; i++)
			if (bpf_map_delete_elem(fd, &r->vqs[i].key) && errno != ENOENT)
				return -errno;
	}
	/* The -d filter ran in BPF; -n is cheaper here. */
	r->nvqs = 0;
	r->total = 0;
	for (int i = 0; i < n; i++) {
		struct vq_ent *e = &r->vqs[i];

		e->v.name[KICKLAT_NAME_LEN - 1] = '\0';
		if (env.name && !strstr(e->v.name, env.name))
			continue;
		r->vqs[r->nvqs++] = *e;
		r->total += e->v.notifies;
	}
	qsort(r->vqs, r->nvqs, sizeof(r->vqs[0]), cmp_vq);
	return 0;
}

static void report__text(const struct report *r, double secs)
{
	char cs[32];

	clocksource__warn("kicklat", cs, clocksource__read(cs, sizeof(cs)));
	char label[KICKLAT_NAME_LEN + 32];

	if (env.timestamp)
		print_time_prefix(stdout);
	printf("%.1f s, %llu notifications\n\n", secs, r->total);
	printf("%-28s %10s %10s %10s %10s %10s %10s\n", "VQ", "NOTIFY", "IRQ", "SPURIOUS", "BUFS",
	       "P50(us)", "P99(us)");
	for (int i = 0; i < r->nvqs; i++) {
		const struct kicklat_vq_val *v = &r->vqs[i].v;
		char bufs[24] = "-";

		snprintf(label, sizeof(label), "virtio%d/%s[%u]", v->dev_index, v->name, v->index);
		if (env.buffers)
			snprintf(bufs, sizeof(bufs), "%llu", v->buffers);
		printf("%-28s %10llu %10llu %10llu %10s %10.3f %10.3f\n", label, v->notifies,
		       v->interrupts, v->spurious, bufs, hist__percentile_us(&v->lat, 50),
		       hist__percentile_us(&v->lat, 99));
	}
	for (int i = 0; i < r->nvqs; i++) {
		const struct kicklat_vq_val *v = &r->vqs[i].v;

		if (!hist__total(&v->lat))
			continue;
		printf("\nvirtio%d/%s[%u] notify -> interrupt:\n", v->dev_index, v->name, v->index);
		hist__print(&v->lat, "nsecs");
	}
	printf("\n");
	fflush(stdout);
}

static void report__json(const struct report *r, double secs)
{
	FILE *f = stdout;
	char cs[32];

	clocksource__warn("kicklat", cs, clocksource__read(cs, sizeof(cs)));
	fprintf(f,
		"{\"tool\":\"kicklat\",\"probes\":\"%s\",\"time\":%lld,\"interval_s\":%.3f,"
		"\"dev\":%ld,",
		variant_name[variant], (long long)time(NULL), secs, env.dev);
	fprintf(f, "\"clocksource\":");
	json__string(f, cs);
	fputc(',', f);
	fprintf(f, "\"name_filter\":");
	if (env.name)
		json__string(f, env.name);
	else
		fprintf(f, "null");
	fprintf(f, ",\"total\":%llu,\"per_vq\":[", r->total);
	for (int i = 0; i < r->nvqs; i++) {
		const struct kicklat_vq_val *v = &r->vqs[i].v;

		fprintf(f, "%s{\"dev\":%d,\"index\":%u,\"name\":", i ? "," : "", v->dev_index,
			v->index);
		json__string(f, v->name);
		fprintf(f, ",\"notifies\":%llu,\"interrupts\":%llu,\"spurious\":%llu,", v->notifies,
			v->interrupts, v->spurious);
		if (env.buffers)
			fprintf(f, "\"buffers\":%llu,", v->buffers);
		else
			fprintf(f, "\"buffers\":null,");
		fprintf(f, "\"p50_us\":%.3f,\"p99_us\":%.3f,\"latency\":",
			hist__percentile_us(&v->lat, 50), hist__percentile_us(&v->lat, 99));
		hist__json(f, &v->lat);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
	fflush(f);
}

/* One report: collect (and reset the maps when @reset), print. */
static int report_once(void *ctx, double secs, bool reset)
{
	static struct report rep;
	int err;

	err = report__collect(ctx, &rep, reset);
	if (err) {
		fprintf(stderr, "kicklat: read map: %s\n", strerror(-err));
		return err;
	}
	if (env.json)
		report__json(&rep, secs);
	else
		report__text(&rep, secs);
	return 0;
}

/*
 * Open, load and attach the programs of variant @v only (fentry/fexit are
 * BPF_PROG_TYPE_TRACING, the kprobes BPF_PROG_TYPE_KPROBE).  The object, or
 * NULL with *err = -errno; sets the global variant on success.
 */
static struct kicklat_bpf *open_attach(enum variant v, int *err)
{
	enum bpf_prog_type want =
		v == VARIANT_FENTRY ? BPF_PROG_TYPE_TRACING : BPF_PROG_TYPE_KPROBE;
	struct kicklat_bpf *obj = kicklat_bpf__open();
	struct bpf_program *prog;

	if (!obj) {
		*err = -errno;
		return NULL;
	}
	obj->rodata->targ_dev = (int)env.dev;
	bpf_object__for_each_program(prog, obj->obj)
	{
		bool on = bpf_program__type(prog) == want;

		/* fexit_get_buf{,_ctx}, get_buf{,_ctx}{,_ret}: only with -b */
		if (strstr(bpf_program__name(prog), "get_buf") && !env.buffers)
			on = false;
		*err = bpf_program__set_autoload(prog, on);
		if (*err)
			goto fail;
	}
	*err = kicklat_bpf__load(obj);
	if (*err)
		goto fail;
	/* In definition order: the kretprobes before the kprobes (see kicklat.bpf.c). */
	*err = kicklat_bpf__attach(obj);
	if (*err)
		goto fail;
	variant = v;
	return obj;
fail:
	kicklat_bpf__destroy(obj);
	return NULL;
}

/*
 * 524 is the kernel's own ENOTSUPP, which libc does not name: what a BPF
 * trampoline gets where ftrace has no direct calls (arm64 before 6.4).
 */
static const char *attach_strerror(int err)
{
	return err == -524 ? "not supported by this kernel (ENOTSUPP)" : strerror(-err);
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = doc,
	};
	struct kicklat_bpf *obj = NULL;
	char devstr[32];
	int err, ret = EXIT_FAIL;

	/* Usage errors exit 2 (our tools: 0 ok, 1 failure, 2 usage), not argp's EX_USAGE (64). */
	argp_err_exit_status = EXIT_USAGE;
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return EXIT_USAGE;
	libbpf_print__setup(env.verbose);
	/*
	 * Catch SIGINT/SIGTERM before the seconds that loading and attaching
	 * take under TCG: started by a non-interactive shell's '&', we inherit
	 * SIGINT ignored, and a SIGINT sent meanwhile (make bench stops the
	 * tracer when its workload ends) was lost, so we traced until killed.
	 * One that comes now ends the run right after the attach, with a report.
	 */
	err = signals__install();
	if (err) {
		fprintf(stderr, "kicklat: sigaction: %s\n", strerror(-err));
		return EXIT_FAIL;
	}

	obj = open_attach(env.kprobes ? VARIANT_KPROBE : VARIANT_FENTRY, &err);
	if (!obj && !env.kprobes) {
		fprintf(stderr, "kicklat: fentry/fexit: %s, falling back to kprobes\n",
			attach_strerror(err));
		obj = open_attach(VARIANT_KPROBE, &err);
	}
	if (!obj) {
		fprintf(stderr,
			"kicklat: attach: %s (is virtio_ring loaded? see /proc/kallsyms for "
			"vring_interrupt)\n",
			attach_strerror(err));
		goto cleanup;
	}
	/* Parameters first, on stderr under -j so stdout stays pure JSON. */
	if (env.dev < 0)
		snprintf(devstr, sizeof(devstr), "all");
	else
		snprintf(devstr, sizeof(devstr), "virtio%ld", env.dev);
	fprintf(env.json ? stderr : stdout,
		"Tracing virtqueues with %s: dev %s, name %s, interval %ld s, duration %ld s "
		"(0 = until Ctrl-C)\n",
		variant_name[variant], devstr, env.name ? env.name : "any", env.interval,
		env.duration);
	fflush(stdout);

	if (report_loop(env.interval, env.duration, report_once, obj))
		goto cleanup;
	ret = EXIT_OK;

cleanup:
	kicklat_bpf__destroy(obj);
	return ret;
}
