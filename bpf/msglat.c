// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * msglat: count virtio-msg messages and time them, from virtio_msg.ko's
 * tracepoints (raw_tp; see msglat.bpf.c for what is measured and why).
 *
 *   request latency   virtio_msg_xfer -> virtio_msg_xfer_done, per request id
 *   queue latency     first EVENT_AVAIL since the last EVENT_USED -> that
 *                     EVENT_USED, per (dev_num, vq)
 *   counts            per direction (req/resp/send/recv) and message id
 *
 * USAGE: msglat [-i INTERVAL] [-d DEV_NUM] [-j] [-T] [-v] [DURATION]
 * Runs DURATION seconds (default: until SIGINT/SIGTERM) and prints one
 * report at the end, or one per INTERVAL plus the remainder at the end.
 * -j prints one JSON object per report on stdout (one line each).
 * The transport module must be loaded: its tracepoints are looked up by
 * name at attach time; without them msglat exits 1.
 *
 * Counters and histograms are per-CPU maps (no atomics, arrays where the key
 * is small), summed here.  Overhead: see README.md (tracer cost in make bench).
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../kmod/virtio_msg_wire.h"
#include "hist.h"
#include "msglat.h"
#include "msglat.skel.h"
#include "trace_helpers.h"

/* Upper bounds on entries read back: the BPF maps' max_entries. */
#define MAX_TYPES 256
#define MAX_VQS (MSGLAT_VQ_SLOTS + MSGLAT_VQ_MORE)
/* A day: longer runs are scripting mistakes. */
#define MAX_SECONDS 86400

static struct env {
	long interval; /* 0: one report at the end */
	long duration; /* 0: until a signal */
	long dev;      /* -1: all */
	bool json;
	bool timestamp;
	bool verbose;
} env = {.dev = -1};

const char *argp_program_version = "msglat 0.1";
static const char doc[] = "Count virtio-msg messages and time requests and queues.\n"
			  "\n"
			  "USAGE: msglat [-i INTERVAL] [-d DEV_NUM] [-j] [-T] [DURATION]\n"
			  "\n"
			  "EXAMPLES:\n"
			  "    msglat           # until Ctrl-C, one report\n"
			  "    msglat -j 10     # 10 s, one JSON object\n"
			  "    msglat -i 1 -d 2 # dev_num 2 only, a report every second\n";

static const struct argp_option opts[] = {
	{"interval", 'i', "SEC", 0, "Print (and reset) every SEC seconds", 0},
	{"dev", 'd', "DEV_NUM", 0, "Only this device number (bus messages: 0)", 0},
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
			fprintf(stderr, "msglat: bad interval '%s'\n", arg);
			argp_usage(state);
		}
		break;
	case 'd':
		if (parse_long(arg, 0, 65535, &env.dev)) {
			fprintf(stderr, "msglat: bad dev_num '%s'\n", arg);
			argp_usage(state);
		}
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
			fprintf(stderr, "msglat: bad duration '%s'\n", arg);
			argp_usage(state);
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char *dir_name(unsigned int dir)
{
	static const char *const names[MSGLAT_DIR_MAX] = {
		[MSGLAT_DIR_REQ] = "req",
		[MSGLAT_DIR_RESP] = "resp",
		[MSGLAT_DIR_SEND] = "send",
		[MSGLAT_DIR_RECV] = "recv",
	};

	return dir < MSGLAT_DIR_MAX ? names[dir] : "?";
}

struct type_ent {
	struct msglat_type_key k;
	struct msglat_type_val v;
};

struct req_ent {
	struct msglat_req_key k;
	struct msglat_req_val v;
};

struct vq_ent {
	struct msglat_vq_key k;
	struct msglat_vq_val v;
};

struct report {
	struct type_ent types[MAX_TYPES];
	struct req_ent reqs[MAX_TYPES];
	struct vq_ent vqs[MAX_VQS];
	int ntypes, nreqs, nvqs;
	unsigned long long total;
};

/* The per-CPU maps' values: all unsigned long long (msglat.h), summed here. */
_Static_assert(sizeof(struct msglat_type_val) % 8 == 0, "per-CPU value of u64s");
_Static_assert(sizeof(struct msglat_req_val) % 8 == 0, "per-CPU value of u64s");
_Static_assert(sizeof(struct msglat_vq_val) % 8 == 0, "per-CPU value of u64s");

/* Room for every CPU's copy of the largest value, or NULL (set up by main()). */
static unsigned long long *percpu_buf;
static int ncpus;

/* Sum every CPU's copy of @key in @fd into @out (@vsz bytes); 0 or -errno. */
static int percpu__read(int fd, const void *key, void *out, size_t vsz)
{
	size_t n = vsz / sizeof(unsigned long long);
	unsigned long long *sum = out;

	if (bpf_map_lookup_elem(fd, key, percpu_buf))
		return -errno;
	memset(out, 0, vsz);
	for (int c = 0; c < ncpus; c++)
		for (size_t i = 0; i < n; i++)
			sum[i] += percpu_buf[(size_t)c * n + i];
	return 0;
}

/*
 * Copy every entry of the per-CPU hash @fd into @ents (stride @esz; key of
 * @ksz bytes at offset 0, value of @vsz at @voff, which is past the key's
 * padding) and, if @reset, delete it so the next interval starts from zero.
 * Returns the number copied, or -errno.
 */
static int map__drain(int fd, void *ents, size_t esz, size_t ksz, size_t voff, size_t vsz, int max,
		      bool reset)
{
	char key[sizeof(struct msglat_vq_key)], next[sizeof(struct msglat_vq_key)];
	void *prev = NULL;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, next)) {
		char *e = (char *)ents + (size_t)n * esz;

		memcpy(key, next, ksz);
		prev = key;
		memcpy(e, key, ksz);
		if (percpu__read(fd, key, e + voff, vsz))
			continue; /* deleted under us */
		n++;
	}
	if (reset) {
		for (int i = 0; i < n; i++) {
			char *e = (char *)ents + (size_t)i * esz;

			if (bpf_map_delete_elem(fd, e) && errno != ENOENT)
				return -errno;
		}
	}
	return n;
}

/*
 * Read slot @slot of the per-CPU array @fd into @out (@vsz bytes) and, if it
 * holds anything and @reset, zero it.  1 if it held anything, 0 if not, or
 * -errno.
 */
static int array__drain(int fd, unsigned int slot, void *out, size_t vsz, bool reset)
{
	const unsigned long long *v = out;
	bool any = false;
	int err;

	err = percpu__read(fd, &slot, out, vsz);
	if (err)
		return err;
	for (size_t i = 0; i < vsz / sizeof(*v); i++)
		any |= v[i] != 0;
	if (!any)
		return 0;
	if (reset) {
		memset(percpu_buf, 0, (size_t)ncpus * vsz);
		if (bpf_map_update_elem(fd, &slot, percpu_buf, BPF_EXIST))
			return -errno;
	}
	return 1;
}

static int cmp_vq(const void *a, const void *b)
{
	const struct msglat_vq_key *x = &((const struct vq_ent *)a)->k;
	const struct msglat_vq_key *y = &((const struct vq_ent *)b)->k;

	if (x->dev_num != y->dev_num)
		return x->dev_num < y->dev_num ? -1 : 1;
	if (x->vq != y->vq)
		return x->vq < y->vq ? -1 : 1;
	return 0;
}

static int report__collect(struct msglat_bpf *obj, struct report *r, bool reset)
{
	int fd, n;

	/* Slots in key order, so these come out sorted. */
	fd = bpf_map__fd(obj->maps.per_type);
	r->ntypes = 0;
	for (unsigned int dir = 0; dir < MSGLAT_DIR_MAX; dir++)
		for (unsigned int bus = 0; bus < 2; bus++)
			for (unsigned int id = 0; id < MSGLAT_IDS && r->ntypes < MAX_TYPES; id++) {
				struct type_ent *t = &r->types[r->ntypes];

				n = array__drain(fd, msglat_type_slot(dir, bus, id), &t->v,
						 sizeof(t->v), reset);
				if (n < 0)
					return n;
				t->k = (struct msglat_type_key){
					.dir = dir, .bus = bus, .msg_id = id};
				r->ntypes += n;
			}
	fd = bpf_map__fd(obj->maps.requests);
	r->nreqs = 0;
	for (unsigned int bus = 0; bus < 2; bus++)
		for (unsigned int id = 0; id < MSGLAT_IDS && r->nreqs < MAX_TYPES; id++) {
			struct req_ent *q = &r->reqs[r->nreqs];

			n = array__drain(fd, msglat_req_slot(bus, id), &q->v, sizeof(q->v), reset);
			if (n < 0)
				return n;
			q->k = (struct msglat_req_key){.bus = bus, .msg_id = id};
			r->nreqs += n;
		}
	fd = bpf_map__fd(obj->maps.per_vq);
	r->nvqs = 0;
	for (unsigned int slot = 0; slot < MSGLAT_VQ_SLOTS; slot++) {
		struct vq_ent *q = &r->vqs[r->nvqs];

		n = array__drain(fd, slot, &q->v, sizeof(q->v), reset);
		if (n < 0)
			return n;
		q->k = (struct msglat_vq_key){.dev_num = slot / MSGLAT_VQ_PER_DEV,
					      .vq = slot % MSGLAT_VQ_PER_DEV};
		r->nvqs += n;
	}
	n = map__drain(bpf_map__fd(obj->maps.per_vq_more), r->vqs + r->nvqs, sizeof(r->vqs[0]),
		       sizeof(r->vqs[0].k), offsetof(struct vq_ent, v), sizeof(r->vqs[0].v),
		       MAX_VQS - r->nvqs, reset);
	if (n < 0)
		return n;
	r->nvqs += n;

	qsort(r->vqs, r->nvqs, sizeof(r->vqs[0]), cmp_vq);
	r->total = 0;
	for (int i = 0; i < r->ntypes; i++)
		r->total += r->types[i].v.count;
	return 0;
}

static void report__text(const struct report *r, double secs)
{
	char cs[32];

	clocksource__warn("msglat", cs, clocksource__read(cs, sizeof(cs)));
	if (env.timestamp)
		print_time_prefix(stdout);
	printf("%.1f s, %llu messages\n", secs, r->total);

	if (r->ntypes) {
		printf("\n%-5s %-22s %10s %8s %12s\n", "DIR", "TYPE", "COUNT", "ERRORS", "BYTES");
		for (int i = 0; i < r->ntypes; i++) {
			const struct type_ent *t = &r->types[i];

			printf("%-5s %-22s %10llu %8llu %12llu\n", dir_name(t->k.dir),
			       vmsg_id_name(t->k.bus, t->k.msg_id), t->v.count, t->v.errors,
			       t->v.bytes);
		}
	}
	for (int i = 0; i < r->nreqs; i++) {
		const struct req_ent *q = &r->reqs[i];

		printf("\nrequest %s: %llu done, %llu errors, p50 %.3f us, p99 %.3f us\n",
		       vmsg_id_name(q->k.bus, q->k.msg_id), q->v.count, q->v.errors,
		       hist__percentile_us(&q->v.lat, 50), hist__percentile_us(&q->v.lat, 99));
		hist__print(&q->v.lat, "nsecs");
	}
	for (int i = 0; i < r->nvqs; i++) {
		const struct vq_ent *q = &r->vqs[i];

		printf("\ndev %u vq %u: %llu EVENT_AVAIL, %llu EVENT_USED, avail->used p50 %.3f us, "
		       "p99 %.3f us\n",
		       q->k.dev_num, q->k.vq, q->v.avail, q->v.used,
		       hist__percentile_us(&q->v.lat, 50), hist__percentile_us(&q->v.lat, 99));
		hist__print(&q->v.lat, "nsecs");
	}
	printf("\n");
	fflush(stdout);
}

static void report__json(const struct report *r, double secs)
{
	FILE *f = stdout;
	char cs[32];

	clocksource__warn("msglat", cs, clocksource__read(cs, sizeof(cs)));
	fprintf(f, "{\"tool\":\"msglat\",\"time\":%lld,\"interval_s\":%.3f,\"dev\":%ld,",
		(long long)time(NULL), secs, env.dev);
	fprintf(f, "\"clocksource\":");
	json__string(f, cs);
	fputc(',', f);
	fprintf(f, "\"total\":%llu,\"per_type\":[", r->total);
	for (int i = 0; i < r->ntypes; i++) {
		const struct type_ent *t = &r->types[i];

		fprintf(f, "%s{\"dir\":\"%s\",\"bus\":%s,\"msg_id\":%u,\"name\":", i ? "," : "",
			dir_name(t->k.dir), t->k.bus ? "true" : "false", t->k.msg_id);
		json__string(f, vmsg_id_name(t->k.bus, t->k.msg_id));
		fprintf(f, ",\"count\":%llu,\"errors\":%llu,\"bytes\":%llu}", t->v.count,
			t->v.errors, t->v.bytes);
	}
	fprintf(f, "],\"requests\":[");
	for (int i = 0; i < r->nreqs; i++) {
		const struct req_ent *q = &r->reqs[i];

		fprintf(f, "%s{\"bus\":%s,\"msg_id\":%u,\"name\":", i ? "," : "",
			q->k.bus ? "true" : "false", q->k.msg_id);
		json__string(f, vmsg_id_name(q->k.bus, q->k.msg_id));
		fprintf(f,
			",\"count\":%llu,\"errors\":%llu,\"p50_us\":%.3f,\"p99_us\":%.3f,"
			"\"latency\":",
			q->v.count, q->v.errors, hist__percentile_us(&q->v.lat, 50),
			hist__percentile_us(&q->v.lat, 99));
		hist__json(f, &q->v.lat);
		fputc('}', f);
	}
	fprintf(f, "],\"per_vq\":[");
	for (int i = 0; i < r->nvqs; i++) {
		const struct vq_ent *q = &r->vqs[i];

		fprintf(f,
			"%s{\"dev\":%u,\"vq\":%u,\"avail\":%llu,\"used\":%llu,"
			"\"p50_us\":%.3f,\"p99_us\":%.3f,\"latency\":",
			i ? "," : "", q->k.dev_num, q->k.vq, q->v.avail, q->v.used,
			hist__percentile_us(&q->v.lat, 50), hist__percentile_us(&q->v.lat, 99));
		hist__json(f, &q->v.lat);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
	fflush(f);
}

static int attach_all(struct msglat_bpf *obj)
{
	struct bpf_program *progs[] = {
		obj->progs.msglat_xfer,
		obj->progs.msglat_xfer_done,
		obj->progs.msglat_send,
		obj->progs.msglat_recv,
	};
	struct bpf_link **links[] = {
		&obj->links.msglat_xfer,
		&obj->links.msglat_xfer_done,
		&obj->links.msglat_send,
		&obj->links.msglat_recv,
	};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		const char *tp = bpf_program__section_name(progs[i]) + strlen("raw_tp/");
		struct bpf_link *link = bpf_program__attach(progs[i]);

		if (!link) {
			int err = -errno;

			if (err == -ENOENT)
				fprintf(stderr,
					"msglat: raw tracepoint %s not found: is virtio_msg.ko "
					"loaded?\n",
					tp);
			else
				fprintf(stderr, "msglat: attach to raw tracepoint %s: %s\n", tp,
					strerror(-err));
			return err;
		}
		*links[i] = link;
	}
	return 0;
}

/* One report: collect (and reset the maps when @reset), print. */
static int report_once(void *ctx, double secs, bool reset)
{
	static struct report rep;

	if (report__collect(ctx, &rep, reset)) {
		fprintf(stderr, "msglat: read maps: %s\n", strerror(errno));
		return -1;
	}
	if (env.json)
		report__json(&rep, secs);
	else
		report__text(&rep, secs);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = doc,
	};
	struct msglat_bpf *obj = NULL;
	char devstr[24];
	int err, ret = EXIT_FAIL;

	/* Usage errors exit 2 (our tools: 0 ok, 1 failure, 2 usage), not argp's EX_USAGE (64). */
	argp_err_exit_status = EXIT_USAGE;
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return EXIT_USAGE;
	libbpf_print__setup(env.verbose);
	/* Before the attach: a SIGINT during it must not be lost (see kicklat.c). */
	err = signals__install();
	if (err) {
		fprintf(stderr, "msglat: sigaction: %s\n", strerror(-err));
		return EXIT_FAIL;
	}

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "msglat: possible CPUs: %s\n", strerror(ncpus ? -ncpus : EINVAL));
		goto cleanup;
	}
	/* The largest per-CPU value: a request's counters and histogram. */
	percpu_buf =
		calloc((size_t)ncpus, sizeof(struct msglat_req_val) > sizeof(struct msglat_vq_val)
					      ? sizeof(struct msglat_req_val)
					      : sizeof(struct msglat_vq_val));
	if (!percpu_buf) {
		fprintf(stderr, "msglat: out of memory\n");
		goto cleanup;
	}
	obj = msglat_bpf__open();
	if (!obj) {
		fprintf(stderr, "msglat: open BPF object: %s\n", strerror(errno));
		goto cleanup;
	}
	obj->rodata->targ_dev = (int)env.dev;
	err = msglat_bpf__load(obj);
	if (err) {
		fprintf(stderr, "msglat: load BPF object: %s\n", strerror(-err));
		goto cleanup;
	}
	if (attach_all(obj))
		goto cleanup;

	/* Parameters first, on stderr under -j so stdout stays pure JSON. */
	if (env.dev < 0)
		snprintf(devstr, sizeof(devstr), "all");
	else
		snprintf(devstr, sizeof(devstr), "%ld", env.dev);
	fprintf(env.json ? stderr : stdout,
		"Tracing virtio-msg messages: dev %s, interval %ld s, duration %ld s "
		"(0 = until Ctrl-C)\n",
		devstr, env.interval, env.duration);
	fflush(stdout);

	if (report_loop(env.interval, env.duration, report_once, obj))
		goto cleanup;
	ret = EXIT_OK;

cleanup:
	msglat_bpf__destroy(obj);
	free(percpu_buf);
	return ret;
}
